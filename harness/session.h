/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * session.h - run QEMU once and record what happened.
 *
 * Listens on RUN/qmp.sock, starts QEMU (which connects as a client), speaks
 * QMP, and on the first guest-caused stop (SHUTDOWN guest-*, GUEST_PANICKED,
 * RESET) gathers evidence and sends quit.  On timeout: stop, dump every
 * vCPU's registers, quit.  Returns once QEMU has exited and the QMP
 * connection has closed.  Every failure of the harness or QEMU is recorded
 * in the transcript (infra_error, or qemu_started/exit status), so that
 * rig_classify() decides the verdict from the transcript alone.
 */
#pragma once

#include "boot.h"
#include "verdict.h"

typedef struct {
	const char     *run_dir;
	const char     *const *argv;
	guint           timeout;      /* seconds, 0 = none */
	RigConsoleMode  console;
} RigSessionParams;

typedef struct {
	double  seconds;             /* QEMU start to exit */
	char   *registers;           /* registers file written, or NULL */
} RigSessionInfo;

void rig_session_run (const RigSessionParams *params, RigTranscript *transcript,
                      RigSessionInfo *info, GCancellable *cancellable);
void rig_session_info_clear (RigSessionInfo *info);
