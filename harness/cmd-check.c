/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd-check.c - vpci-rig check NAME: one test of tests/suite.cfg.
 *
 * The test's keys become a "run" argv (SCENARIO --smp --cpu --timeout, then
 * args), parsed by the same code as `vpci-rig run`; the test passes iff the
 * verdict equals expect (and, for triple-fault, the faulting vCPU is cpu;
 * with expect_sites, the WC model reported hazards at each of those barrier
 * sites: the run proves the model still sees every site it should).
 */
#include "boot.h"
#include "config.h"
#include "hazards.h"
#include "rig-command.h"

static const char check_description[] =
	"Keys of a test (see the header of tests/suite.cfg): scenario, smp, cpu,\n"
	"expect, expect_sites, timeout, groups, args.\n"
	"\n"
	"Exit status: 0 if the verdict is the expected one, 1 if not, 2 usage,\n"
	"125 cannot test.";

static char *
get_key (GKeyFile *kf, const char *group, const char *key, const char *def)
{
	char *v = g_key_file_get_string (kf, group, key, NULL);

	if (v)
		return g_strstrip (v);
	return g_strdup (def);
}

/* The first site of @sites (';'-separated) with no hazard in @hazards. */
static const char *
missing_site (char **sites, const GPtrArray *hazards)
{
	for (guint i = 0; sites && sites[i]; i++) {
		gboolean seen = FALSE;

		for (guint j = 0; hazards && j < hazards->len && !seen; j++) {
			const RigHazard *h = hazards->pdata[j];

			seen = g_strcmp0 (h->site, sites[i]) == 0;
		}
		if (!seen)
			return sites[i];
	}
	return NULL;
}

gboolean
rig_cmd_check (int argc, char **argv, RigExit *exit_status, GCancellable *cancellable,
               GError **error)
{
	g_autofree char *suite = NULL;
	g_autofree char *scenario = NULL, *smp = NULL, *cpu = NULL, *timeout = NULL;
	g_autofree char *expect = NULL, *extra = NULL, *sites_key = NULL;
	g_auto(GStrv) sites = NULL;
	const char *missing;
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autoptr(GError) local = NULL;
	g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
	g_auto(GStrv) extra_argv = NULL;
	g_auto(GStrv) run_argv = NULL;
	RigBootOptions opts;
	RigVerdictResult result = { 0 };
	RigVerdict want;
	const char *name;
	gboolean ok = FALSE;
	GOptionEntry entries[] = {
		{ "suite", 0, 0, G_OPTION_ARG_FILENAME, &suite,
		  "Test list (default $VPCI_RIG_TOP/tests/suite.cfg)", "FILE" },
		{ NULL }
	};
	g_autoptr(GOptionContext) context =
		rig_option_context_new ("check", "NAME", "Run one test of tests/suite.cfg.",
		                        check_description);

	g_option_context_add_main_entries (context, entries, NULL);
	if (!rig_option_context_parse (context, &argc, &argv, error))
		return FALSE;
	if (argc != 2) {
		rig_usage_error (error, argc < 2 ? "missing test NAME" : "too many arguments");
		return FALSE;
	}
	name = argv[1];
	if (!suite)
		suite = g_build_filename (rig_top_dir (), "tests", "suite.cfg", NULL);
	if (!g_key_file_load_from_file (kf, suite, G_KEY_FILE_NONE, &local)) {
		rig_usage_error (error, "cannot read %s: %s", suite, local->message);
		return FALSE;
	}
	if (!g_key_file_has_group (kf, name)) {
		rig_usage_error (error, "no test '%s' in %s", name, suite);
		return FALSE;
	}

	scenario = get_key (kf, name, "scenario", NULL);
	expect = get_key (kf, name, "expect", "pass");
	smp = get_key (kf, name, "smp", NULL);
	cpu = get_key (kf, name, "cpu", NULL);
	timeout = get_key (kf, name, "timeout", NULL);
	extra = get_key (kf, name, "args", NULL);
	sites_key = get_key (kf, name, "expect_sites", NULL);
	if (sites_key && *sites_key) {
		sites = g_strsplit (sites_key, ";", -1);
		for (guint i = 0; sites[i]; i++)
			g_strstrip (sites[i]);
	}
	if (!scenario) {
		rig_usage_error (error, "%s: [%s] has no scenario", suite, name);
		return FALSE;
	}
	if (!rig_verdict_from_string (expect, &want)) {
		rig_usage_error (error, "%s: [%s] expect=%s is not a verdict", suite, name, expect);
		return FALSE;
	}
	if (extra && *extra && !g_shell_parse_argv (extra, NULL, &extra_argv, &local)) {
		rig_usage_error (error, "%s: [%s] args: %s", suite, name, local->message);
		return FALSE;
	}

	g_strv_builder_add (b, "check");
	g_strv_builder_add (b, scenario);
	if (smp) {
		g_strv_builder_add (b, "--smp");
		g_strv_builder_add (b, smp);
	}
	if (cpu) {
		g_strv_builder_add (b, "--cpu");
		g_strv_builder_add (b, cpu);
	}
	if (timeout) {
		g_strv_builder_add (b, "--timeout");
		g_strv_builder_add (b, timeout);
	}
	if (extra_argv)
		g_strv_builder_addv (b, (const char **) extra_argv);
	run_argv = g_strv_builder_end (b);

	rig_boot_options_init (&opts);
	if (!rig_boot_options_parse (&opts, "check", "Run one test of tests/suite.cfg.",
	                             check_description, g_strv_length (run_argv),
	                             run_argv, error))
		goto out;
	g_print ("test %s: %s --smp %u --cpu %u --seed %" G_GUINT64_FORMAT
	         " --timeout %u, expect %s\n", name, opts.scenario, opts.smp, opts.cpu,
	         opts.seed, opts.timeout, expect);

	if (!rig_boot (&opts, &result, cancellable, &local)) {
		if (want == RIG_VERDICT_ERROR && g_error_matches (local, RIG_ERROR, RIG_ERROR_INFRA) &&
		    result.reason) {
			g_print ("test %s: ok\n", name);
			*exit_status = RIG_EXIT_PASS;
			ok = TRUE;
		} else {
			g_propagate_error (error, g_steal_pointer (&local));
		}
		goto out;
	}
	ok = TRUE;
	if (opts.dry_run) {
		*exit_status = RIG_EXIT_PASS;
	} else if (result.verdict != want) {
		g_print ("test %s: FAIL: expected %s, got %s\n", name, expect,
		         rig_verdict_to_string (result.verdict));
		*exit_status = RIG_EXIT_FAILURE;
	} else if (want == RIG_VERDICT_TRIPLE_FAULT &&
	           (!result.have_vcpu || result.vcpu != (gint64) opts.cpu)) {
		g_print ("test %s: FAIL: expected the triple fault on vCPU %u, got vCPU %" G_GINT64_FORMAT "\n",
		         name, opts.cpu, result.vcpu);
		*exit_status = RIG_EXIT_FAILURE;
	} else if ((missing = missing_site (sites, result.hazards))) {
		g_autofree char *summary = rig_hazards_summary (result.hazards);

		g_print ("test %s: FAIL: expected hazards at barrier site %s, got %s\n", name,
		         missing, summary ? summary : "no hazards");
		*exit_status = RIG_EXIT_FAILURE;
	} else {
		g_print ("test %s: ok\n", name);
		*exit_status = RIG_EXIT_PASS;
	}
out:
	rig_verdict_result_clear (&result);
	rig_boot_options_clear (&opts);
	return ok;
}
