/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-sweep.c - sweep plans (sweep-plan.c) and the expected-verdict
 * judgement (suite.c): the order of runs, seed ranges, shards, legs of a
 * named sweep, suite tests by group, and what counts as "as expected".
 */
#include "suite.h"
#include "sweep-plan.h"
#include "rig-exit.h"

static const char suite_text[] =
	"[boot-smp1]\nscenario = boot\nsmp = 1\ngroups = quick\n"
	"[tf]\nscenario = triple-fault\nsmp = 4\ncpu = 3\nexpect = triple-fault\n"
	"groups = quick;faults\n"
	"[mut]\nscenario = barrier-stress\nexpect = fail\nexpect_sites = write-select\n"
	"args = --fences none --order 'reverse'\ngroups = mutants\n";

static GKeyFile *
load_text (const char *text)
{
	GKeyFile *kf = g_key_file_new ();

	g_assert_true (g_key_file_load_from_data (kf, text, -1, G_KEY_FILE_NONE, NULL));
	return kf;
}

static GPtrArray *
new_runs (void)
{
	return g_ptr_array_new_with_free_func ((GDestroyNotify) rig_sweep_run_free);
}

static void
test_numbers (void)
{
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) v = rig_sweep_expand_numbers ("--seed", "1-3, 7,10-10", &error);
	const char *const want[] = { "1", "2", "3", "7", "10", NULL };

	g_assert_no_error (error);
	g_assert_true (g_strv_equal ((const char *const *) v, want));
	g_assert_null (rig_sweep_expand_numbers ("--seed", "3-1", &error));
	g_assert_error (error, RIG_ERROR, RIG_ERROR_USAGE);
	g_clear_error (&error);
	g_assert_null (rig_sweep_expand_numbers ("--seed", "x", &error));
	g_clear_error (&error);
	g_assert_null (rig_sweep_expand_numbers ("--seed", ",", &error));
	g_clear_error (&error);
}

/* The cross product is scenario-major, seed-minor, and keys name only the
 * axes given. */
static void
test_cross_product (void)
{
	g_autoptr(RigSweepLeg) leg = rig_sweep_leg_new ("t");
	g_autoptr(GPtrArray) runs = new_runs ();
	g_autoptr(GError) error = NULL;
	const RigSweepRun *r;

	leg->scenarios = g_strsplit ("enum,triple-fault", ",", -1);
	leg->smps = g_strsplit ("1,4", ",", -1);
	leg->seeds = g_strsplit ("5,6,7", ",", -1);
	g_assert_true (rig_sweep_leg_expand (leg, NULL, NULL, runs, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (runs->len, ==, 2 * 2 * 3);
	r = runs->pdata[0];
	g_assert_cmpstr (r->key, ==, "enum --smp 1 --seed 5");
	g_assert_cmpint (r->expect, ==, RIG_VERDICT_PASS);
	r = runs->pdata[5];
	g_assert_cmpstr (r->key, ==, "enum --smp 4 --seed 7");
	g_assert_cmpuint (r->index, ==, 5);
	r = runs->pdata[6];
	g_assert_cmpstr (r->key, ==, "triple-fault --smp 1 --seed 5");
	g_assert_cmpint (r->expect, ==, RIG_VERDICT_TRIPLE_FAULT);
	g_assert_cmpstr (r->argv[0], ==, "triple-fault");
	g_assert_cmpuint (g_strv_length (r->argv), ==, 5);

	/* an explicit expect wins over the scenario's; shell cannot be swept */
	g_clear_pointer (&leg->scenarios, g_strfreev);
	leg->scenarios = g_strsplit ("barrier-stress", ",", -1);
	leg->expect = g_strdup ("fail");
	g_assert_true (rig_sweep_leg_expand (leg, NULL, NULL, runs, &error));
	r = runs->pdata[12];
	g_assert_cmpint (r->expect, ==, RIG_VERDICT_FAIL);
	/* a value given twice would run twice under one key */
	g_clear_pointer (&leg->seeds, g_strfreev);
	leg->seeds = g_strsplit ("5,5", ",", -1);
	g_assert_false (rig_sweep_leg_expand (leg, NULL, NULL, runs, &error));
	g_assert_error (error, RIG_ERROR, RIG_ERROR_USAGE);
	g_clear_error (&error);
	g_clear_pointer (&leg->seeds, g_strfreev);
	leg->seeds = g_strsplit ("5", ",", -1);
	g_clear_pointer (&leg->scenarios, g_strfreev);
	leg->scenarios = g_strsplit ("shell", ",", -1);
	g_assert_false (rig_sweep_leg_expand (leg, NULL, NULL, runs, &error));
	g_assert_error (error, RIG_ERROR, RIG_ERROR_USAGE);
}

static void
test_tests_and_groups (void)
{
	g_autoptr(GKeyFile) suite = load_text (suite_text);
	g_autoptr(RigSweepLeg) leg = rig_sweep_leg_new ("t");
	g_autoptr(GPtrArray) runs = new_runs ();
	g_autoptr(GError) error = NULL;
	const RigSweepRun *r;

	/* tf is named twice (by name and through @quick): it runs once */
	leg->tests = g_strsplit ("tf;@quick;mut", ";", -1);
	leg->seeds = g_strsplit ("1,2", ",", -1);
	g_assert_true (rig_sweep_leg_expand (leg, suite, "suite", runs, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (runs->len, ==, 3 * 2);
	r = runs->pdata[0];
	g_assert_cmpstr (r->key, ==, "test tf --seed 1");
	g_assert_cmpint (r->expect, ==, RIG_VERDICT_TRIPLE_FAULT);
	r = runs->pdata[2];
	g_assert_cmpstr (r->test, ==, "boot-smp1");
	r = runs->pdata[5];
	g_assert_cmpstr (r->argv[0], ==, "barrier-stress");
	g_assert_cmpstr (r->sites[0], ==, "write-select");
	/* args are split like a shell would: the quotes are gone */
	g_assert_true (g_strv_contains ((const char *const *) r->argv, "reverse"));

	g_clear_pointer (&leg->tests, g_strfreev);
	leg->tests = g_strsplit ("@nosuchgroup", ";", -1);
	g_assert_false (rig_sweep_leg_expand (leg, suite, "suite", runs, &error));
	g_assert_error (error, RIG_ERROR, RIG_ERROR_USAGE);
}

static void
test_plan_file (void)
{
	g_autoptr(GKeyFile) kf = load_text (
		"[soak.a]\nscenario = enum\nseed = 1-2;5\n"
		"[other]\nscenario = boot\n"
		"[soak.b]\ntests = tf\n"
		"[soaked]\nscenario = boot\n"
		"[bad]\nscenario = boot\nsmps = 1\n"
		"[neither]\nsmp = 1\n");
	g_autoptr(GPtrArray) legs = g_ptr_array_new_with_free_func ((GDestroyNotify) rig_sweep_leg_free);
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) names = rig_sweep_plan_names (kf);
	const char *const want_names[] = { "soak", "other", "soaked", "bad", "neither", NULL };
	const char *const want_seeds[] = { "1", "2", "5", NULL };
	const RigSweepLeg *leg;

	g_assert_true (g_strv_equal ((const char *const *) names, want_names));
	g_assert_true (rig_sweep_plan_load (kf, "f", "soak", legs, &error));
	g_assert_no_error (error);
	/* [soaked] is not a leg of soak */
	g_assert_cmpuint (legs->len, ==, 2);
	leg = legs->pdata[0];
	g_assert_true (g_strv_equal ((const char *const *) leg->seeds, want_seeds));
	leg = legs->pdata[1];
	g_assert_cmpstr (leg->tests[0], ==, "tf");

	g_assert_false (rig_sweep_plan_load (kf, "f", "bad", legs, &error));
	g_assert_error (error, RIG_ERROR, RIG_ERROR_USAGE);
	g_clear_error (&error);
	g_assert_false (rig_sweep_plan_load (kf, "f", "neither", legs, &error));
	g_clear_error (&error);
	g_assert_false (rig_sweep_plan_load (kf, "f", "nosuch", legs, &error));
	g_clear_error (&error);
}

/* Every index belongs to exactly one of N shards. */
static void
test_shards (void)
{
	g_autoptr(GError) error = NULL;
	guint k, n;

	g_assert_true (rig_sweep_shard_parse ("2/3", &k, &n, &error));
	g_assert_cmpuint (k, ==, 2);
	g_assert_cmpuint (n, ==, 3);
	for (guint i = 0; i < 100; i++) {
		guint owners = 0;

		for (guint s = 1; s <= n; s++)
			owners += rig_sweep_in_shard (i, s, n);
		g_assert_cmpuint (owners, ==, 1);
	}
	g_assert_false (rig_sweep_shard_parse ("0/3", &k, &n, &error));
	g_clear_error (&error);
	g_assert_false (rig_sweep_shard_parse ("4/3", &k, &n, &error));
	g_clear_error (&error);
	g_assert_false (rig_sweep_shard_parse ("3", &k, &n, &error));
	g_clear_error (&error);
}

static void
test_judge (void)
{
	RigVerdictResult r = { 0 };
	g_autofree char *why = NULL;
	char *sites[] = { (char *) "write-select", NULL };

	r.verdict = RIG_VERDICT_PASS;
	g_assert_true (rig_verdict_judge (RIG_VERDICT_PASS, 0, NULL, &r, &why));
	g_assert_null (why);
	g_assert_false (rig_verdict_judge (RIG_VERDICT_FAIL, 0, NULL, &r, &why));
	g_assert_cmpstr (why, ==, "expected fail, got pass");
	g_clear_pointer (&why, g_free);

	/* the right verdict from the wrong vCPU is not as expected */
	r.verdict = RIG_VERDICT_TRIPLE_FAULT;
	r.tap.have_plan = TRUE;
	r.have_vcpu = TRUE;
	r.vcpu = 0;
	g_assert_false (rig_verdict_judge (RIG_VERDICT_TRIPLE_FAULT, 3, NULL, &r, &why));
	g_clear_pointer (&why, g_free);
	r.vcpu = 3;
	g_assert_true (rig_verdict_judge (RIG_VERDICT_TRIPLE_FAULT, 3, NULL, &r, &why));

	/* a hang (or any machine-ending verdict) before the scenario's TAP
	 * began, or after one of its checks failed, is not the scenario's */
	r.verdict = RIG_VERDICT_HANG;
	g_assert_true (rig_verdict_judge (RIG_VERDICT_HANG, 0, NULL, &r, &why));
	r.tap.have_plan = FALSE;
	g_assert_false (rig_verdict_judge (RIG_VERDICT_HANG, 0, NULL, &r, &why));
	g_assert_nonnull (strstr (why, "before its TAP began"));
	g_clear_pointer (&why, g_free);
	r.tap.run = 7;          /* a plan printed last is still to come */
	g_assert_true (rig_verdict_judge (RIG_VERDICT_HANG, 0, NULL, &r, &why));
	r.tap.failed = 1;
	r.tap.first_failure = (char *) "not ok 3 - CPU 1 stopped running its spinner";
	g_assert_false (rig_verdict_judge (RIG_VERDICT_HANG, 0, NULL, &r, &why));
	g_assert_nonnull (strstr (why, "spinner"));
	g_clear_pointer (&why, g_free);
	r.verdict = RIG_VERDICT_PANIC;
	g_assert_false (rig_verdict_judge (RIG_VERDICT_PANIC, 0, NULL, &r, &why));
	g_clear_pointer (&why, g_free);
	r.tap.failed = 0;
	r.tap.first_failure = NULL;
	g_assert_true (rig_verdict_judge (RIG_VERDICT_PANIC, 0, NULL, &r, &why));

	/* expect_sites: a fail with no hazard at the site is not as expected */
	r.verdict = RIG_VERDICT_FAIL;
	g_assert_false (rig_verdict_judge (RIG_VERDICT_FAIL, 0, sites, &r, &why));
	g_assert_nonnull (strstr (why, "write-select"));
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/sweep/numbers", test_numbers);
	g_test_add_func ("/sweep/cross-product", test_cross_product);
	g_test_add_func ("/sweep/tests-and-groups", test_tests_and_groups);
	g_test_add_func ("/sweep/plan-file", test_plan_file);
	g_test_add_func ("/sweep/shards", test_shards);
	g_test_add_func ("/sweep/judge", test_judge);
	return g_test_run ();
}
