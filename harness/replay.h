/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * replay.h - `run --record DIR` / `run --replay DIR`: QEMU record/replay
 * under -icount, reverse debugging with --gdb (docs/debugging.md).
 */
#pragma once

#include <glib.h>

#include "run-plan.h"
#include "verdict.h"

#define RIG_REPLAY_SNAPSHOT "init"

/* Fills plan->rr; with --record or --replay, also points the plan's QEMU,
 * kernel and initramfs at DIR's copies (a recording: the canonical QEMU
 * binary, so a replay finds the very same build), and with --replay its
 * modules dir at DIR/modules.  Reads DIR/record.ini; writes nothing.
 * Called by rig_run_plan_new() only. */
void rig_replay_plan (RigRunPlan *plan);
void rig_replay_plan_clear (RigReplayPlan *rr);

/* Before QEMU starts.  --record: DIR gets the kernel, initramfs and .ko
 * copies, the empty snapshot image, record.ini and cmdline.  --replay:
 * fails if DIR is incomplete; with --gdb writes RUN/gdb-script from the
 * recording's module addresses and prints how to connect (through @say). */
gboolean rig_replay_setup (const RigRunPlan *plan, void (*say) (const char *, ...),
                           GError **error);

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
void rig_replay_finish (const RigRunPlan *plan, const RigVerdictResult *result,
                        void (*say) (const char *, ...));

/* Writes an empty qcow2 (version 3, 64 KiB clusters) of @size bytes. */
gboolean rig_replay_write_qcow2 (const char *path, guint64 size, GError **error);
