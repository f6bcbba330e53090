/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * verdict.h - the transcript of one boot and its classification.
 *
 * rig_classify() is a pure function of a RigTranscript: the verdict table
 * of docs/design.md lives there and nowhere else.  A transcript is what the
 * session recorded (QMP events, TAP, console, how QEMU ended); it is saved
 * in every run directory (transcript.ini + qmp-events.jsonl + tap.log +
 * console.log), so a run can be re-classified later and recorded runs serve
 * as unit-test data (harness/tests/transcripts/).
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "hazards.h"
#include "tap.h"

typedef enum {
	RIG_VERDICT_PASS,
	RIG_VERDICT_FAIL,
	RIG_VERDICT_TRIPLE_FAULT,
	RIG_VERDICT_RESET,
	RIG_VERDICT_PANIC,
	RIG_VERDICT_HANG,
	RIG_VERDICT_ERROR,
} RigVerdict;

typedef struct {
	GPtrArray *events;        /* JsonObject*: QMP event messages, in arrival order */
	GPtrArray *event_lines;   /* char*: the same events as received (saved verbatim) */
	char      *tap;           /* contents of tap.log (ttyS1), may be NULL */
	char      *console;       /* contents of console.log (ttyS0), may be NULL */
	gboolean   qemu_started;  /* the QMP greeting arrived */
	gboolean   timed_out;     /* --timeout expired before a guest-caused stop */
	gboolean   qemu_exited;   /* QEMU's exit was observed */
	int        exit_status;   /* exit status if it exited normally, else -1 */
	int        exit_signal;   /* terminating signal, or 0 */
	char      *infra_error;   /* set when the harness itself could not go on */
	char      *query_pci;     /* QMP query-pci at start (JSON), or NULL */
	GPtrArray *host_failures; /* char*: host-side checks that failed (hotplug) */
	char      *hazards;       /* RUN/hazards.jsonl (the WC model), may be NULL */
	gboolean   expect_hazards; /* the scenario provokes them on purpose */
	/* host seconds since QEMU was spawned, -1 unknown (bench's boot phases) */
	double     host_greeting; /* the QMP greeting arrived: QEMU is initialised */
	double     host_stop;     /* the guest-caused stop (SHUTDOWN, panic...) arrived */
	double     host_exit;     /* QEMU's exit was observed */
} RigTranscript;

typedef struct {
	RigVerdict verdict;
	char      *reason;        /* one line saying which evidence decided */
	gboolean   have_vcpu;
	gint64     vcpu;          /* triple-fault, hang (--cpu) */
	gboolean   have_rip;
	guint64    rip;
	guint64    cr2;
	RigTap     tap;
	GPtrArray *hazards;       /* RigHazard*, attributed to barrier sites */
	GPtrArray *guest_evidence; /* RigGuestEvidence*: the kernel's interrupt complaints */
} RigVerdictResult;

RigTranscript *rig_transcript_new (void);
void           rig_transcript_free (RigTranscript *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RigTranscript, rig_transcript_free)

/* Loads a transcript saved by rig_transcript_save() (a run directory). */
RigTranscript *rig_transcript_load (const char *dir, GError **error);
gboolean       rig_transcript_save (const RigTranscript *t, const char *dir,
                                    GError **error);

void rig_classify (const RigTranscript *t, RigVerdictResult *result);
void rig_verdict_result_clear (RigVerdictResult *result);

const char *rig_verdict_to_string (RigVerdict verdict);
gboolean    rig_verdict_from_string (const char *text, RigVerdict *verdict);
