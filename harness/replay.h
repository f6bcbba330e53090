/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * replay.h - `run --record DIR` / `run --replay DIR`: QEMU record/replay
 * under -icount, reverse debugging with --gdb (docs/debugging.md).
 */
#pragma once

#include <glib.h>

#include "run-options.h"
#include "config.h"
#include "verdict.h"

#define RIG_REPLAY_SNAPSHOT "init"

/* Option checks after parsing (usage errors): --record and --replay are
 * exclusive, need --smp 1 (QEMU blocks multiple CPUs), icount, no hotplug
 * or scenario disk, no --gdb (gdb writes are not recorded).  With --replay, @scenario_given says scenario options
 * were on the command line (they come from DIR: a usage error); the
 * recorded options are loaded into @opts. */
gboolean rig_replay_prepare (const RigRunOptions *opts, RigConfig *config, RigKernel *kernel,
                             GError **error);

/* -icount's value: shift=0,sleep=off plus rr=...,rrfile=...,rrsnapshot= */
char *rig_replay_icount_arg (const RigRunOptions *opts);

/* -drive for the snapshot image (no device uses it). */
void rig_replay_add_qemu_args (GStrvBuilder *b, const RigRunOptions *opts);

/* After the argv is known: DIR/cmdline (--record). */
void rig_replay_save_cmdline (const RigRunOptions *opts, const char *cmdline);

/* --replay --gdb: RUN/gdb-script from the recording's module addresses,
 * written before QEMU starts (it waits with -S).  NULL without --gdb. */
char *rig_replay_gdb_script (const RigRunOptions *opts, const char *run_dir, GError **error);

/* Our .ko files for symbolising (DIR/modules with --replay), or NULL. */
char *rig_replay_modules_dir (const RigRunOptions *opts);

/* --replay, before classifying: QEMU plays the recording's shutdown
 * events back together, and the last (host-qmp-quit or host-signal, from
 * the recording's own end) wins over the guest's request at the same
 * instruction.  That
 * SHUTDOWN becomes the recording's guest-caused one, marked
 * "replayed-from-log": true (in the transcript and RUN/qmp-events.jsonl). */
void rig_replay_fix_transcript (const RigRunOptions *opts, RigTranscript *t);

/* After the verdict.  --record: DIR keeps the verdict, tap.log and
 * hazards.jsonl; --replay: compares with them and says so (one line
 * through @say). */
void rig_replay_finish (const RigRunOptions *opts, const char *run_dir,
                        const RigVerdictResult *result,
                        void (*say) (const char *, ...));

/* Writes an empty qcow2 (version 3, 64 KiB clusters) of @size bytes. */
gboolean rig_replay_write_qcow2 (const char *path, guint64 size, GError **error);
