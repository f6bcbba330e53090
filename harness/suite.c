/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * suite.c - tests/suite.cfg tests and the expected-verdict judgement (suite.h).
 */
#include "suite.h"

#include "rig-exit.h"

static char *
get_key (GKeyFile *kf, const char *group, const char *key)
{
	char *v = g_key_file_get_string (kf, group, key, NULL);

	return v ? g_strstrip (v) : NULL;
}

GStrv
rig_keyfile_get_list (GKeyFile *kf, const char *group, const char *key)
{
	g_autofree char *v = get_key (kf, group, key);
	g_auto(GStrv) items = NULL;
	g_autoptr(GStrvBuilder) b = NULL;

	if (!v || !*v)
		return NULL;
	items = g_strsplit (v, ";", -1);
	b = g_strv_builder_new ();
	for (guint i = 0; items[i]; i++)
		if (*g_strstrip (items[i]))
			g_strv_builder_add (b, items[i]);
	return g_strv_builder_end (b);
}

GKeyFile *
rig_suite_open (const char *path, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autoptr(GError) local = NULL;

	if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &local)) {
		g_set_error (error, RIG_ERROR, RIG_ERROR_USAGE, "cannot read %s: %s", path,
		             local->message);
		return NULL;
	}
	return g_steal_pointer (&kf);
}

void
rig_suite_test_free (RigSuiteTest *test)
{
	if (!test)
		return;
	g_free (test->name);
	g_free (test->expect_text);
	g_strfreev (test->sites);
	g_strfreev (test->groups);
	g_strfreev (test->argv);
	g_free (test);
}

RigSuiteTest *
rig_suite_test_load (GKeyFile *kf, const char *path, const char *name, GError **error)
{
	g_autoptr(RigSuiteTest) test = g_new0 (RigSuiteTest, 1);
	g_autofree char *scenario = NULL, *extra = NULL;
	g_auto(GStrv) extra_argv = NULL;
	g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
	g_autoptr(GError) local = NULL;
	static const char *const numeric[] = { "smp", "cpu", "timeout" };

	if (!g_key_file_has_group (kf, name)) {
		g_set_error (error, RIG_ERROR, RIG_ERROR_USAGE, "no test '%s' in %s", name, path);
		return NULL;
	}
	test->name = g_strdup (name);
	scenario = get_key (kf, name, "scenario");
	if (!scenario || !*scenario) {
		g_set_error (error, RIG_ERROR, RIG_ERROR_USAGE, "%s: [%s] has no scenario", path,
		             name);
		return NULL;
	}
	test->expect_text = get_key (kf, name, "expect");
	if (!test->expect_text)
		test->expect_text = g_strdup ("pass");
	if (!rig_verdict_from_string (test->expect_text, &test->expect)) {
		g_set_error (error, RIG_ERROR, RIG_ERROR_USAGE, "%s: [%s] expect=%s is not a verdict",
		             path, name, test->expect_text);
		return NULL;
	}
	test->sites = rig_keyfile_get_list (kf, name, "expect_sites");
	test->groups = rig_keyfile_get_list (kf, name, "groups");
	extra = get_key (kf, name, "args");
	if (extra && *extra && !g_shell_parse_argv (extra, NULL, &extra_argv, &local)) {
		g_set_error (error, RIG_ERROR, RIG_ERROR_USAGE, "%s: [%s] args: %s", path, name,
		             local->message);
		return NULL;
	}

	g_strv_builder_add (b, scenario);
	for (guint i = 0; i < G_N_ELEMENTS (numeric); i++) {
		g_autofree char *v = get_key (kf, name, numeric[i]);
		g_autofree char *flag = g_strconcat ("--", numeric[i], NULL);

		if (v) {
			g_strv_builder_add (b, flag);
			g_strv_builder_add (b, v);
		}
	}
	if (extra_argv)
		g_strv_builder_addv (b, (const char **) extra_argv);
	test->argv = g_strv_builder_end (b);
	return g_steal_pointer (&test);
}

GStrv
rig_suite_group_tests (GKeyFile *kf, const char *group)
{
	g_auto(GStrv) names = g_key_file_get_groups (kf, NULL);
	g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

	for (guint i = 0; names[i]; i++) {
		g_auto(GStrv) groups = rig_keyfile_get_list (kf, names[i], "groups");

		if (groups && g_strv_contains ((const char *const *) groups, group))
			g_strv_builder_add (b, names[i]);
	}
	return g_strv_builder_end (b);
}

gboolean
rig_verdict_judge (RigVerdict want, guint cpu, char *const *sites,
                   const RigVerdictResult *result, char **why)
{
	*why = NULL;
	if (result->verdict != want) {
		*why = g_strdup_printf ("expected %s, got %s", rig_verdict_to_string (want),
		                        rig_verdict_to_string (result->verdict));
		return FALSE;
	}
	/*
	 * A machine-ending verdict is the scenario's only if the scenario got
	 * there: its TAP began (a plan or a result; some scenarios print the
	 * plan last) and no check failed first.  Without this a boot that
	 * hangs counts as hang-smp4's hang, and a scenario whose own checks
	 * failed before it powered off into a hang passes.
	 */
	if (want == RIG_VERDICT_HANG || want == RIG_VERDICT_PANIC || want == RIG_VERDICT_RESET ||
	    want == RIG_VERDICT_TRIPLE_FAULT) {
		if (!result->tap.have_plan && !result->tap.run) {
			*why = g_strdup_printf ("expected the scenario's %s, got one before its TAP "
			                        "began (in boot, or before the agent started it)",
			                        rig_verdict_to_string (want));
			return FALSE;
		}
		if (result->tap.failed) {
			*why = g_strdup_printf ("expected the scenario's %s, but %u TAP check(s) failed "
			                        "first: %s", rig_verdict_to_string (want),
			                        result->tap.failed, result->tap.first_failure);
			return FALSE;
		}
	}
	if (want == RIG_VERDICT_TRIPLE_FAULT && (!result->have_vcpu || result->vcpu != (gint64) cpu)) {
		*why = result->have_vcpu ?
			g_strdup_printf ("expected the triple fault on vCPU %u, got vCPU %"
			                 G_GINT64_FORMAT, cpu, result->vcpu) :
			g_strdup_printf ("expected the triple fault on vCPU %u, no vCPU named", cpu);
		return FALSE;
	}
	for (guint i = 0; sites && sites[i]; i++) {
		gboolean seen = FALSE;

		for (guint j = 0; result->hazards && j < result->hazards->len && !seen; j++) {
			const RigHazard *h = result->hazards->pdata[j];

			seen = g_strcmp0 (h->site, sites[i]) == 0;
		}
		if (!seen) {
			g_autofree char *summary = rig_hazards_summary (result->hazards);

			*why = g_strdup_printf ("expected hazards at barrier site %s, got %s", sites[i],
			                        summary ? summary : "no hazards");
			return FALSE;
		}
	}
	return TRUE;
}
