/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sweep-plan.c - expanding sweeps into runs (sweep-plan.h).
 */
#include "sweep-plan.h"

#include "rig-exit.h"
#include "scenarios.h"
#include "suite.h"

#include <string.h>

RigSweepLeg *
rig_sweep_leg_new (const char *name)
{
	RigSweepLeg *leg = g_new0 (RigSweepLeg, 1);

	leg->name = g_strdup (name);
	return leg;
}

void
rig_sweep_leg_free (RigSweepLeg *leg)
{
	if (!leg)
		return;
	g_free (leg->name);
	g_strfreev (leg->scenarios);
	g_strfreev (leg->kernels);
	g_strfreev (leg->modes);
	g_strfreev (leg->smps);
	g_strfreev (leg->orders);
	g_strfreev (leg->fences);
	g_strfreev (leg->seeds);
	g_strfreev (leg->tests);
	g_free (leg->expect);
	g_free (leg->timeout);
	g_free (leg);
}

void
rig_sweep_run_free (RigSweepRun *run)
{
	if (!run)
		return;
	g_free (run->key);
	g_strfreev (run->argv);
	g_free (run->test);
	g_strfreev (run->sites);
	g_free (run);
}

static gboolean
parse_number (const char *what, const char *text, guint64 *out, GError **error)
{
	g_autoptr(GError) local = NULL;

	if (g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT64, out, &local))
		return TRUE;
	g_set_error (error, RIG_ERROR, RIG_ERROR_USAGE, "%s: '%s' is not a number", what, text);
	return FALSE;
}

GStrv
rig_sweep_expand_numbers (const char *what, const char *spec, GError **error)
{
	g_auto(GStrv) items = g_strsplit (spec, ",", -1);
	g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
	guint count = 0;

	for (guint i = 0; items[i]; i++) {
		char *item = g_strstrip (items[i]);
		char *dash = strchr (item, '-');
		guint64 lo, hi;

		if (!*item)
			continue;
		if (dash)
			*dash = '\0';
		if (!parse_number (what, g_strstrip (item), &lo, error) ||
		    !parse_number (what, dash ? g_strstrip (dash + 1) : item, &hi, error))
			return NULL;
		if (hi < lo || hi - lo >= 100000) {
			g_set_error (error, RIG_ERROR, RIG_ERROR_USAGE,
			             "%s: range %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT
			             " is empty or too long", what, lo, hi);
			return NULL;
		}
		for (guint64 v = lo; v <= hi; v++, count++) {
			g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, v);

			g_strv_builder_add (b, text);
		}
	}
	if (!count) {
		g_set_error (error, RIG_ERROR, RIG_ERROR_USAGE, "%s: no value in '%s'", what, spec);
		return NULL;
	}
	return g_strv_builder_end (b);
}

static gboolean
section_in_sweep (const char *section, const char *name)
{
	gsize len = strlen (name);

	return g_str_equal (section, name) ||
	       (g_str_has_prefix (section, name) && section[len] == '.');
}

GStrv
rig_sweep_plan_names (GKeyFile *kf)
{
	g_auto(GStrv) sections = g_key_file_get_groups (kf, NULL);
	g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
	g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);

	for (guint i = 0; sections[i]; i++) {
		const char *dot = strchr (sections[i], '.');
		char *name = dot ? g_strndup (sections[i], dot - sections[i]) : g_strdup (sections[i]);

		if (g_ptr_array_find_with_equal_func (seen, name, g_str_equal, NULL)) {
			g_free (name);
			continue;
		}
		g_strv_builder_add (b, name);
		g_ptr_array_add (seen, name);
	}
	return g_strv_builder_end (b);
}

gboolean
rig_sweep_plan_load (GKeyFile *kf, const char *path, const char *name, GPtrArray *legs,
                     GError **error)
{
	static const char *const keys[] = {
		"scenario", "kernel", "mode", "smp", "order", "fences", "seed", "tests",
		"expect", "timeout", NULL
	};
	g_auto(GStrv) sections = g_key_file_get_groups (kf, NULL);
	guint found = 0;

	for (guint i = 0; sections[i]; i++) {
		g_autoptr(RigSweepLeg) leg = NULL;
		g_auto(GStrv) present = NULL;
		g_auto(GStrv) seeds = NULL;
		const char *s = sections[i];

		if (!section_in_sweep (s, name))
			continue;
		present = g_key_file_get_keys (kf, s, NULL, NULL);
		for (guint j = 0; present && present[j]; j++) {
			if (!g_strv_contains (keys, present[j])) {
				g_set_error (error, RIG_ERROR, RIG_ERROR_USAGE, "%s: [%s] unknown key '%s'",
				             path, s, present[j]);
				return FALSE;
			}
		}
		leg = rig_sweep_leg_new (s);
		leg->scenarios = rig_keyfile_get_list (kf, s, "scenario");
		leg->kernels = rig_keyfile_get_list (kf, s, "kernel");
		leg->modes = rig_keyfile_get_list (kf, s, "mode");
		leg->smps = rig_keyfile_get_list (kf, s, "smp");
		leg->orders = rig_keyfile_get_list (kf, s, "order");
		leg->fences = rig_keyfile_get_list (kf, s, "fences");
		leg->tests = rig_keyfile_get_list (kf, s, "tests");
		seeds = rig_keyfile_get_list (kf, s, "seed");
		if (seeds) {
			g_autofree char *joined = g_strjoinv (",", seeds);
			g_autofree char *what = g_strdup_printf ("%s: [%s] seed", path, s);

			leg->seeds = rig_sweep_expand_numbers (what, joined, error);
			if (!leg->seeds)
				return FALSE;
		}
		leg->expect = g_key_file_get_string (kf, s, "expect", NULL);
		leg->timeout = g_key_file_get_string (kf, s, "timeout", NULL);
		if (leg->expect)
			g_strstrip (leg->expect);
		if (leg->timeout)
			g_strstrip (leg->timeout);
		if (!leg->scenarios == !leg->tests) {
			g_set_error (error, RIG_ERROR, RIG_ERROR_USAGE,
			             "%s: [%s] needs either scenario or tests", path, s);
			return FALSE;
		}
		g_ptr_array_add (legs, g_steal_pointer (&leg));
		found++;
	}
	if (!found) {
		g_set_error (error, RIG_ERROR, RIG_ERROR_USAGE, "%s: no sweep '%s'", path, name);
		return FALSE;
	}
	return TRUE;
}

/* The values of an axis: the given ones, or a single "not given" (NULL). */
static const char *const no_value[] = { NULL, NULL };

static const char *const *
axis (GStrv values)
{
	return values ? (const char *const *) values : no_value;
}

static guint
axis_len (GStrv values)
{
	return values ? g_strv_length (values) : 1;
}

static void
add_option (GStrvBuilder *argv, GString *key, const char *flag, const char *value)
{
	if (!value)
		return;
	g_strv_builder_add (argv, flag);
	g_strv_builder_add (argv, value);
	g_string_append_printf (key, " %s %s", flag, value);
}

static void
add_run (GPtrArray *runs, GStrvBuilder *argv, GString *key, const char *test,
         RigVerdict expect, char *const *sites)
{
	RigSweepRun *run = g_new0 (RigSweepRun, 1);

	run->index = runs->len;
	run->key = g_string_free (key, FALSE);
	run->argv = g_strv_builder_end (argv);
	run->test = g_strdup (test);
	run->expect = expect;
	run->sites = g_strdupv ((char **) sites);
	g_ptr_array_add (runs, run);
}

static gboolean
expand_scenarios (const RigSweepLeg *leg, GPtrArray *runs, GError **error)
{
	const char *const *kernels = axis (leg->kernels), *const *modes = axis (leg->modes);
	const char *const *smps = axis (leg->smps), *const *orders = axis (leg->orders);
	const char *const *fences = axis (leg->fences), *const *seeds = axis (leg->seeds);

	for (guint s = 0; leg->scenarios[s]; s++) {
		const RigScenario *sc = rig_scenario_lookup (leg->scenarios[s]);
		const char *expect_text = leg->expect ? leg->expect : sc ? sc->expect : NULL;
		RigVerdict expect;

		if (!sc || !sc->expect) {
			g_set_error (error, RIG_ERROR, RIG_ERROR_USAGE,
			             "%s: '%s' is not a scenario a sweep can run (see 'vpci-rig list')",
			             leg->name, leg->scenarios[s]);
			return FALSE;
		}
		if (!rig_verdict_from_string (expect_text, &expect)) {
			g_set_error (error, RIG_ERROR, RIG_ERROR_USAGE, "%s: expect '%s' is not a verdict",
			             leg->name, expect_text);
			return FALSE;
		}
		for (guint k = 0; k < axis_len (leg->kernels); k++)
		for (guint m = 0; m < axis_len (leg->modes); m++)
		for (guint c = 0; c < axis_len (leg->smps); c++)
		for (guint o = 0; o < axis_len (leg->orders); o++)
		for (guint f = 0; f < axis_len (leg->fences); f++)
		for (guint r = 0; r < axis_len (leg->seeds); r++) {
			GStrvBuilder *argv = g_strv_builder_new ();
			GString *key = g_string_new (sc->name);

			g_strv_builder_add (argv, sc->name);
			add_option (argv, key, "--kernel", kernels[k]);
			add_option (argv, key, "--mode", modes[m]);
			add_option (argv, key, "--smp", smps[c]);
			add_option (argv, key, "--order", orders[o]);
			add_option (argv, key, "--fences", fences[f]);
			add_option (argv, key, "--seed", seeds[r]);
			add_option (argv, key, "--timeout", leg->timeout);
			add_run (runs, argv, key, NULL, expect, NULL);
			g_strv_builder_unref (argv);
		}
	}
	return TRUE;
}

static gboolean
expand_tests (const RigSweepLeg *leg, GKeyFile *suite, const char *suite_path,
              GPtrArray *runs, GError **error)
{
	const char *const *kernels = axis (leg->kernels), *const *seeds = axis (leg->seeds);
	g_autoptr(GStrvBuilder) names_b = g_strv_builder_new ();
	g_auto(GStrv) names = NULL;

	if (!suite) {
		g_set_error (error, RIG_ERROR, RIG_ERROR_USAGE, "%s: tests, but no suite", leg->name);
		return FALSE;
	}
	for (guint i = 0; leg->tests[i]; i++) {
		if (leg->tests[i][0] == '@') {
			g_auto(GStrv) group = rig_suite_group_tests (suite, leg->tests[i] + 1);

			if (!group[0]) {
				g_set_error (error, RIG_ERROR, RIG_ERROR_USAGE, "%s: no test in group '%s' of %s",
				             leg->name, leg->tests[i] + 1, suite_path);
				return FALSE;
			}
			g_strv_builder_addv (names_b, (const char **) group);
		} else {
			g_strv_builder_add (names_b, leg->tests[i]);
		}
	}
	names = g_strv_builder_end (names_b);

	for (guint t = 0; names[t]; t++) {
		g_autoptr(RigSuiteTest) test = NULL;
		gboolean dup = FALSE;

		/* a test named twice (itself and through a group) runs once */
		for (guint u = 0; u < t && !dup; u++)
			dup = g_str_equal (names[u], names[t]);
		if (dup)
			continue;
		test = rig_suite_test_load (suite, suite_path, names[t], error);
		if (!test)
			return FALSE;
		for (guint k = 0; k < axis_len (leg->kernels); k++)
		for (guint r = 0; r < axis_len (leg->seeds); r++) {
			GStrvBuilder *argv = g_strv_builder_new ();
			GString *key = g_string_new ("test ");

			g_string_append (key, test->name);
			g_strv_builder_addv (argv, (const char **) test->argv);
			add_option (argv, key, "--kernel", kernels[k]);
			add_option (argv, key, "--seed", seeds[r]);
			add_run (runs, argv, key, test->name, test->expect, test->sites);
			g_strv_builder_unref (argv);
		}
	}
	return TRUE;
}

/* An axis naming a value twice would run it twice under one key. */
static gboolean
axis_unique (const RigSweepLeg *leg, const char *what, GStrv values, GError **error)
{
	for (guint i = 0; values && values[i]; i++) {
		for (guint j = 0; j < i; j++) {
			if (g_str_equal (values[i], values[j])) {
				g_set_error (error, RIG_ERROR, RIG_ERROR_USAGE, "%s: %s '%s' given twice",
				             leg->name, what, values[i]);
				return FALSE;
			}
		}
	}
	return TRUE;
}

gboolean
rig_sweep_leg_expand (const RigSweepLeg *leg, GKeyFile *suite, const char *suite_path,
                      GPtrArray *runs, GError **error)
{
	if (!axis_unique (leg, "scenario", leg->scenarios, error) ||
	    !axis_unique (leg, "kernel", leg->kernels, error) ||
	    !axis_unique (leg, "mode", leg->modes, error) ||
	    !axis_unique (leg, "smp", leg->smps, error) ||
	    !axis_unique (leg, "order", leg->orders, error) ||
	    !axis_unique (leg, "fences", leg->fences, error) ||
	    !axis_unique (leg, "seed", leg->seeds, error))
		return FALSE;
	if (leg->scenarios && !expand_scenarios (leg, runs, error))
		return FALSE;
	if (leg->tests && !expand_tests (leg, suite, suite_path, runs, error))
		return FALSE;
	return TRUE;
}

gboolean
rig_sweep_shard_parse (const char *text, guint *k, guint *n, GError **error)
{
	g_auto(GStrv) parts = g_strsplit (text, "/", -1);
	guint64 kv, nv;

	if (g_strv_length (parts) != 2 ||
	    !g_ascii_string_to_unsigned (parts[0], 10, 1, 10000, &kv, NULL) ||
	    !g_ascii_string_to_unsigned (parts[1], 10, 1, 10000, &nv, NULL) || kv > nv) {
		g_set_error (error, RIG_ERROR, RIG_ERROR_USAGE,
		             "--shard '%s': expected K/N with 1 <= K <= N", text);
		return FALSE;
	}
	*k = kv;
	*n = nv;
	return TRUE;
}
