/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sweep-plan.h - the runs of a sweep: cross products and suite tests, in a
 * fixed order, so that a shard or a resumed sweep names the same runs.
 *
 * A leg is one cross product (scenario x kernel x mode x smp x order x
 * fences x seed) or a list of tests/suite.cfg tests (x kernel x seed).  A
 * named sweep of tests/sweeps.cfg is the legs [NAME] and [NAME.*], in file
 * order; the command line makes one more leg.  Pure: no boot here.
 */
#pragma once

#include <glib.h>

#include "verdict.h"

typedef struct {
	char  *name;       /* section name, or "command line" */
	GStrv  scenarios;  /* NULL where the axis is not given */
	GStrv  kernels;
	GStrv  modes;
	GStrv  smps;
	GStrv  orders;
	GStrv  fences;
	GStrv  seeds;      /* expanded: "1-3" is 1, 2, 3 */
	GStrv  tests;      /* suite test names; "@GROUP" is every test of GROUP */
	char  *expect;     /* verdict of the leg's scenario runs; NULL: the scenario's */
	char  *timeout;    /* --timeout of the leg's scenario runs, or NULL */
} RigSweepLeg;

typedef struct {
	guint       index;   /* position in the whole sweep: shard and run-dir key */
	char       *key;     /* the run's arguments on one line: label and resume key */
	GStrv       argv;    /* "run" arguments, without argv[0] */
	char       *test;    /* the suite test it is, or NULL */
	RigVerdict  expect;
	GStrv       sites;   /* the test's expect_sites, or NULL */
} RigSweepRun;

RigSweepLeg *rig_sweep_leg_new (const char *name);
void         rig_sweep_leg_free (RigSweepLeg *leg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RigSweepLeg, rig_sweep_leg_free)
void         rig_sweep_run_free (RigSweepRun *run);

/* "1-8,20,30-31" -> "1".."8","20","30","31". */
GStrv rig_sweep_expand_numbers (const char *what, const char *spec, GError **error);

/* Appends the legs of sweep @name of @kf (read from @path) to @legs. */
gboolean rig_sweep_plan_load (GKeyFile *kf, const char *path, const char *name,
                              GPtrArray *legs, GError **error);

/* Names of the sweeps @kf defines ("soak" for [soak] and [soak.x]). */
GStrv rig_sweep_plan_names (GKeyFile *kf);

/* Appends @leg's runs to @runs (RigSweepRun*, indices continuing). Tests
 * come from @suite (read from @suite_path). */
gboolean rig_sweep_leg_expand (const RigSweepLeg *leg, GKeyFile *suite,
                               const char *suite_path, GPtrArray *runs, GError **error);

/* "K/N" with 1 <= K <= N. */
gboolean rig_sweep_shard_parse (const char *text, guint *k, guint *n, GError **error);

static inline gboolean
rig_sweep_in_shard (guint index, guint k, guint n)
{
	return index % n == k - 1;
}
