/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sweep-results.h - a sweep's results: DIR/results.jsonl, one JSON object
 * per run, and the reports made from them for the engines that aggregate
 * test results: JUnit XML and KernelCI's KCIDB (schema v5).  Pure.
 */
#pragma once

#include <glib.h>

typedef struct {
	guint    index;     /* the run's index in the whole sweep */
	char    *key;       /* its arguments on one line */
	char    *test;      /* the suite test it is, or NULL */
	char    *scenario;
	char    *kernel;    /* "6.1", "6.12" or a tree */
	char    *expected;
	char    *verdict;
	gboolean ok;
	char    *why;       /* what differed, or the error */
	double   seconds;
	char    *start;     /* ISO 8601 UTC, or NULL (older records) */
	char    *commit;    /* the rig's git commit, or NULL */
	char    *run_dir;
} RigSweepResult;

void  rig_sweep_result_free (RigSweepResult *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RigSweepResult, rig_sweep_result_free)

/* One line of results.jsonl (no newline). */
char *rig_sweep_result_to_json (const RigSweepResult *r);

/* Appends the records of @text (results.jsonl's contents) to @results;
 * FALSE with RIG_ERROR_INFRA for a line that is not a record (@path names
 * the file in the message). */
gboolean rig_sweep_results_parse (const char *text, const char *path, GPtrArray *results,
                                  GError **error);

/* JUnit XML: one testsuite @name, one testcase per result, a <failure>
 * for each not as expected. */
char *rig_sweep_results_junit (const GPtrArray *results, const char *name);

/* KCIDB v5 JSON: one checkout per rig commit, one build per (commit,
 * kernel), one test per result (path vpci_rig.SCENARIO, status PASS when
 * as expected, MISS when the rig could not test (verdict error), else
 * FAIL; log_url the run's console.log as a file: URI).  IDs start with
 * @origin, e.g. "vpci_rig". */
char *rig_sweep_results_kcidb (const GPtrArray *results, const char *origin);
