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
#include "rig-command.h"
#include "suite.h"

#include <string.h>

static const char check_description[] =
	"Keys of a test (see the header of tests/suite.cfg): scenario, smp, cpu,\n"
	"expect, expect_sites, timeout, groups, args.\n"
	"\n"
	"Exit status (what meson test expects): 0 if the verdict is the expected\n"
	"one, 1 if not, 77 skipped (the test's kernel is not in rig.ini), 99 the\n"
	"test could not run (usage, cannot test).";

/* A test of a kernel flavour this machine's rig.ini does not have (set-up
 * did not build it) is skipped, not failed. */
static gboolean
kernel_available (const RigRunOptions *opts, GError **error)
{
	g_autofree char *path = opts->config ? g_strdup (opts->config) : rig_config_default_path ();
	g_autoptr(RigConfig) config = rig_config_load (path, NULL);
	g_autoptr(RigKernel) kernel = NULL;
	g_autoptr(GError) local = NULL;

	if (!config || strchr (opts->kernel, '/'))
		return TRUE;   /* rig_boot() says what is wrong */
	kernel = rig_config_get_kernel (config, opts->kernel, &local);
	if (kernel)
		return TRUE;
	g_set_error (error, RIG_ERROR, RIG_ERROR_UNAVAILABLE, "skipped: %s", local->message);
	return FALSE;
}

gboolean
rig_cmd_check (int argc, char **argv, RigExit *exit_status, GCancellable *cancellable,
               GError **error)
{
	g_autofree char *suite = NULL, *why = NULL;
	g_autoptr(GKeyFile) kf = NULL;
	g_autoptr(RigSuiteTest) test = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
	g_auto(GStrv) run_argv = NULL;
	RigRunOptions opts;
	RigVerdictResult result = { 0 };
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
	kf = rig_suite_open (suite, error);
	if (!kf)
		return FALSE;
	test = rig_suite_test_load (kf, suite, name, error);
	if (!test)
		return FALSE;

	g_strv_builder_add (b, "check");
	g_strv_builder_addv (b, (const char **) test->argv);
	run_argv = g_strv_builder_end (b);

	rig_run_options_init (&opts);
	if (!rig_run_options_parse (&opts, "check", "Run one test of tests/suite.cfg.",
	                             check_description, g_strv_length (run_argv),
	                             run_argv, error))
		goto out;
	if (!kernel_available (&opts, error))
		goto out;
	g_print ("test %s: %s --smp %u --cpu %u --seed %" G_GUINT64_FORMAT
	         " --timeout %u, expect %s\n", name, opts.scenario, opts.smp, opts.cpu,
	         opts.seed, opts.timeout, test->expect_text);

	if (!rig_boot (&opts, &result, cancellable, &local)) {
		if (test->expect == RIG_VERDICT_ERROR &&
		    g_error_matches (local, RIG_ERROR, RIG_ERROR_INFRA) && result.reason) {
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
	} else if (!rig_verdict_judge (test->expect, opts.cpu, test->sites, &result, &why)) {
		g_print ("test %s: FAIL: %s\n", name, why);
		*exit_status = RIG_EXIT_FAILURE;
	} else {
		g_print ("test %s: ok\n", name);
		*exit_status = RIG_EXIT_PASS;
	}
out:
	rig_verdict_result_clear (&result);
	rig_run_options_clear (&opts);
	return ok;
}
