/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tap.h - a TAP 13 parser for what the agent writes to ttyS1.
 *
 * Understood: "TAP version N", the plan "1..N" (first or last), "ok N - text",
 * "not ok N - text", "# SKIP"/"# TODO" directives, "Bail out!", diagnostics
 * ("# ...") and indented YAML blocks (ignored).  Anything else is counted as
 * garbage, never as a result.
 */
#pragma once

#include <glib.h>

/* Bounds against a guest that floods a serial port: the longest TAP line
 * kept while following tap.log live, and the most of a log file read for
 * the verdict (its first and last halves). */
#define RIG_TAP_LINE_MAX  4096
#define RIG_LOG_READ_MAX  (16 * 1024 * 1024)

typedef struct {
	gboolean have_plan;
	guint    planned;      /* N from "1..N" */
	guint    run;          /* result lines seen */
	guint    passed;       /* "ok", including SKIP; "not ok # TODO" too */
	guint    failed;       /* "not ok" without TODO */
	guint    skipped;
	gboolean bailed_out;
	guint    garbage;      /* lines that are not TAP */
	char    *first_failure; /* text of the first "not ok" line, or NULL */
	char    *trigger;       /* text of the last "# triggering ..." line, or NULL */
} RigTap;

void rig_tap_parse (const char *text, RigTap *tap);
void rig_tap_clear (RigTap *tap);

/* TRUE iff there is a plan, as many results as planned and no bail-out. */
gboolean rig_tap_complete (const RigTap *tap);

/* TRUE iff complete and nothing failed. */
gboolean rig_tap_all_ok (const RigTap *tap);
