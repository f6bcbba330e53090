/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * guest-log.h - what the guest kernel itself said about interrupts: lines of
 * the console that an interrupt gone astray leaves (docs/design.md,
 * "Verdicts").  Pure: a function of the console text.
 */
#pragma once

#include <glib.h>

typedef struct {
	const char *what;   /* the kernel's wording matched, e.g. "No irq handler for" */
	guint       count;  /* lines with it */
	char       *first;  /* the first such line, stripped */
} RigGuestEvidence;

/* Scans @console (may be NULL); returns RigGuestEvidence* in table order,
 * only for messages seen.  The agent's own lines ("vpci-agent: ...", which
 * mirror TAP) are not the kernel's and are skipped. */
GPtrArray *rig_guest_evidence_scan (const char *console);

/* "2 x 'No irq handler for' (first: ...); ..." or NULL if none. */
char *rig_guest_evidence_summary (const GPtrArray *evidence);
