/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * session.h - run QEMU once and record what happened.
 *
 * Listens on RUN/qmp.sock, starts QEMU (which connects as a client), speaks
 * QMP, and on the first guest-caused stop (SHUTDOWN guest-*, GUEST_PANICKED,
 * RESET) gathers evidence and sends quit.  On timeout: stop, dump every
 * vCPU's registers, quit.  Returns once QEMU has exited and the QMP
 * connection has closed.
 *
 * With a hotplug spec, the session also follows RUN/tap.log live: on the
 * agent's "# hotplug: ready" it device_add's the spec, on "# hotplug: added"
 * it device_del's it and expects DEVICE_DELETED before the guest stops;
 * what went wrong on this side lands in transcript->host_failures.  Every failure of the harness or QEMU is recorded
 * in the transcript (infra_error, or qemu_started/exit status), so that
 * rig_classify() decides the verdict from the transcript alone.
 */
#pragma once

#include "run-options.h"
#include "verdict.h"

typedef struct {
	const char     *run_dir;
	const char     *const *argv;
	guint           timeout;      /* seconds, 0 = none */
	RigConsoleMode  console;
	gboolean        query_pci;    /* save QMP query-pci in the transcript */
	const char     *hotplug;      /* -device spec driven by the TAP cues, or NULL */
	gboolean        replay;       /* --replay: SHUTDOWN host-* is the log's end */
} RigSessionParams;

typedef struct {
	double  seconds;             /* QEMU start to exit */
	char   *registers;           /* registers file written, or NULL */
} RigSessionInfo;

void rig_session_run (const RigSessionParams *params, RigTranscript *transcript,
                      RigSessionInfo *info, GCancellable *cancellable);
void rig_session_info_clear (RigSessionInfo *info);
