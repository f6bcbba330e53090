/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * replay.h - `run --record DIR` / `run --replay DIR`: QEMU record/replay
 * under -icount, reverse debugging with --gdb (docs/debugging.md).
 */
#pragma once

#include <glib.h>

#include "run-options.h"
#include "verdict.h"

#define RIG_REPLAY_SNAPSHOT "init"

typedef enum {
	RIG_RR_NONE,
	RIG_RR_RECORD,          /* --record DIR */
	RIG_RR_REPLAY,          /* --replay DIR */
} RigRrMode;

/* QEMU's kvmvapic off: its reset deadlocks reverse-continue (harness/qemu-cmd.c) */
#define RIG_REPLAY_NO_VAPIC "apic-common.vapic=off"

/* The record/replay part of a run plan. */
typedef struct {
	RigRrMode mode;
	char     *dir;
	char     *icount;         /* -icount's value, rr= included */
	char     *snapshot_drive; /* -drive of DIR's empty qcow2 (rrsnapshot=), or NULL */
	char     *snapshot_img;   /* DIR/rr.qcow2 */
	gboolean  no_vapic;       /* -global RIG_REPLAY_NO_VAPIC (harness/qemu-cmd.c): every
	                           * recording; a replay if its recording had it (DIR/cmdline) */
	char     *modules_dir;    /* DIR/modules: the recording's .ko files */
	char     *kernel_copy;    /* DIR/vmlinux, DIR/initramfs.cpio */
	char     *initramfs_copy;
	/* record: what DIR gets before QEMU starts */
	char     *qemu_binary;    /* the canonical QEMU, for record.ini */
	char     *kernel_from, *initramfs_from, *modules_from;
	GStrv     record_args;    /* the options for DIR/record.ini */
	/* replay */
	char     *missing;        /* a file of DIR that is not there, or NULL */
	char     *qemu_gone;      /* the recording's QEMU, if it is gone */
} RigReplayPlan;

/* Fills @rr for @opts.  With --record or --replay it also points the
 * boot's QEMU, kernel and initramfs (in: what rig.ini and the kernel
 * name) at DIR's (a recording: the canonical QEMU binary, so its replay
 * finds the very same build; a replay: record.ini's binary if it is still
 * there), and a replay's @modules_dir at DIR/modules.  Reads
 * DIR/record.ini; writes nothing.  Called by the run plan only. */
void rig_replay_plan (RigReplayPlan *rr, const RigRunOptions *opts, const char *kernel_name,
                      char **qemu_binary, char **kernel_image, char **initramfs,
                      char **modules_dir);
void rig_replay_plan_clear (RigReplayPlan *rr);

/* Before QEMU starts.  --record: DIR gets the kernel, initramfs and .ko
 * copies, the empty snapshot image, record.ini and cmdline (@argv_text).
 * --replay: fails if DIR is incomplete; with @gdb_port writes
 * RUN/gdb-script from the recording's module addresses and prints how to
 * connect (through @say). */
gboolean rig_replay_setup (const RigReplayPlan *rr, const char *run_dir, const char *argv_text,
                           guint gdb_port, void (*say) (const char *, ...), GError **error);

/* --replay, before classifying: QEMU plays the recording's shutdown
 * events back together, and the last (host-qmp-quit or host-signal, from
 * the recording's own end) wins over the guest's request at the same
 * instruction.  That
 * SHUTDOWN becomes the recording's guest-caused one, marked
 * "replayed-from-log": true (in the transcript and RUN/qmp-events.jsonl). */
void rig_replay_fix_transcript (const RigReplayPlan *rr, RigTranscript *t);

/* After the verdict.  --record: DIR keeps the verdict, tap.log and
 * hazards.jsonl; --replay: compares with them and says so (one line
 * through @say). */
void rig_replay_finish (const RigReplayPlan *rr, const char *run_dir, guint gdb_port,
                        const RigVerdictResult *result, void (*say) (const char *, ...));

/* Writes an empty qcow2 (version 3, 64 KiB clusters) of @size bytes. */
gboolean rig_replay_write_qcow2 (const char *path, guint64 size, GError **error);
