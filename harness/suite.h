/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * suite.h - a test of tests/suite.cfg, and what makes a verdict the expected one.
 *
 * `check` and `sweep` share both: a test becomes a "run" argv (parsed by
 * boot.c like any other), and rig_verdict_judge() decides whether what came
 * out is what the test expects.
 */
#pragma once

#include <glib.h>

#include "verdict.h"

typedef struct {
	char      *name;
	char      *expect_text;  /* as written: "pass", "triple-fault", ... */
	RigVerdict expect;
	char     **sites;        /* expect_sites, or NULL */
	char     **groups;       /* groups, or NULL */
	char     **argv;         /* SCENARIO --smp N --cpu N --timeout S args... */
} RigSuiteTest;

/* A ';'-separated key of @group as stripped, non-empty items; NULL if the
 * key is absent (suite.cfg and sweeps.cfg lists). */
GStrv rig_keyfile_get_list (GKeyFile *kf, const char *group, const char *key);

/* Reads the test list @path (tests/suite.cfg syntax); errors are usage errors. */
GKeyFile *rig_suite_open (const char *path, GError **error);

/* Test @name of @kf, read from @path (for messages). */
RigSuiteTest *rig_suite_test_load (GKeyFile *kf, const char *path, const char *name,
                                   GError **error);
void          rig_suite_test_free (RigSuiteTest *test);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RigSuiteTest, rig_suite_test_free)

/* Names of the tests in @group (a ';'-separated groups key), in file order. */
GStrv rig_suite_group_tests (GKeyFile *kf, const char *group);

/* Is @result the expected outcome?  The verdict must equal @want; for a
 * triple fault the faulting vCPU must also be @cpu; and every site of
 * @sites must have hazards.  If not, *why says what differed (free it). */
gboolean rig_verdict_judge (RigVerdict want, guint cpu, char *const *sites,
                            const RigVerdictResult *result, char **why);
