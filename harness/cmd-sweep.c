/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd-sweep.c - vpci-rig sweep: many runs, one line each, and a matrix of
 * expected against observed verdicts.
 *
 * The runs come from sweep-plan.c (a named sweep of tests/sweeps.cfg and/or
 * the axes given here).  Each run keeps its directory, DIR/runs/NNNN (the
 * run's index in the whole sweep), and appends one JSON line to
 * DIR/results.jsonl as soon as it ends: --resume skips the keys found there,
 * --report merges the files of several shards.
 */
#include "boot.h"
#include "config.h"
#include "rig-command.h"
#include "scenarios.h"
#include "suite.h"
#include "sweep-plan.h"
#include "sweep-results.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <unistd.h>

static const char sweep_description[] =
	"Axes take comma-separated lists; --seed also ranges (1-50,70).  --fences,\n"
	"--kernel and --test repeat (a fence set has commas of its own).  The runs\n"
	"are the cross product of the axes given, in a fixed order, then the tests\n"
	"(--test NAME or @GROUP of tests/suite.cfg, crossed with --seed and --kernel\n"
	"when given).  A scenario run expects the scenario's verdict ('vpci-rig\n"
	"list') unless --expect says otherwise; a test expects what suite.cfg says.\n"
	"--plan NAME runs a sweep of tests/sweeps.cfg instead (soak: the robustness\n"
	"soak of docs/robustness.md).\n"
	"\n"
	"Exit status: 0 if every run gave the expected verdict, 1 if not, 2 usage,\n"
	"125 cannot test.";

/* DIR/results.jsonl's records appended to @results (a missing file is none). */
static gboolean
load_results (const char *dir, GPtrArray *results, GError **error)
{
	g_autofree char *path = g_build_filename (dir, "results.jsonl", NULL);
	g_autofree char *text = NULL;
	g_autoptr(GError) local = NULL;

	if (!g_file_get_contents (path, &text, NULL, &local)) {
		if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return TRUE;
		g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "%s", local->message);
		return FALSE;
	}
	return rig_sweep_results_parse (text, path, results, error);
}

static gboolean
append_result (const char *dir, const RigSweepResult *r, GError **error)
{
	g_autofree char *path = g_build_filename (dir, "results.jsonl", NULL);
	g_autofree char *json = rig_sweep_result_to_json (r);
	FILE *f = g_fopen (path, "a");
	gboolean ok;

	if (!f) {
		g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "cannot append to %s: %s", path,
		             g_strerror (errno));
		return FALSE;
	}
	ok = fprintf (f, "%s\n", json) > 0;
	ok = fclose (f) == 0 && ok;
	if (!ok)
		g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "cannot write %s", path);
	return ok;
}

static const RigVerdict all_verdicts[] = {
	RIG_VERDICT_PASS, RIG_VERDICT_FAIL, RIG_VERDICT_TRIPLE_FAULT, RIG_VERDICT_RESET,
	RIG_VERDICT_PANIC, RIG_VERDICT_HANG, RIG_VERDICT_ERROR,
};

static guint
verdict_column (const char *text)
{
	RigVerdict v;

	if (!rig_verdict_from_string (text, &v))
		v = RIG_VERDICT_ERROR;
	for (guint i = 0; i < G_N_ELEMENTS (all_verdicts); i++)
		if (all_verdicts[i] == v)
			return i;
	return G_N_ELEMENTS (all_verdicts) - 1;
}

/* The confusion matrix (rows: expected, columns: reported), then the runs
 * that were not as expected.  Returns how many were not. */
static guint
print_summary (const GPtrArray *results)
{
	enum { NV = G_N_ELEMENTS (all_verdicts) };
	guint matrix[NV][NV] = { { 0 } };
	static const char corner[] = "expected \\ reported";
	guint bad = 0;
	double total = 0;

	for (guint i = 0; i < results->len; i++) {
		const RigSweepResult *r = results->pdata[i];

		matrix[verdict_column (r->expected)][verdict_column (r->verdict)]++;
		bad += !r->ok;
		total += r->seconds;
	}
	g_print ("\n%s", corner);
	for (guint c = 0; c < NV; c++)
		g_print (" %*s", (int) MAX (5, strlen (rig_verdict_to_string (all_verdicts[c]))),
		         rig_verdict_to_string (all_verdicts[c]));
	g_print ("\n");
	for (guint e = 0; e < NV; e++) {
		guint row = 0;

		for (guint c = 0; c < NV; c++)
			row += matrix[e][c];
		if (!row)
			continue;
		g_print ("%-*s", (int) strlen (corner), rig_verdict_to_string (all_verdicts[e]));
		for (guint c = 0; c < NV; c++)
			g_print (" %*u", (int) MAX (5, strlen (rig_verdict_to_string (all_verdicts[c]))),
			         matrix[e][c]);
		g_print ("\n");
	}
	g_print ("\n%u runs, %u as expected, %u not (%.0f s of runs)\n", results->len,
	         results->len - bad, bad, total);
	for (guint i = 0; i < results->len; i++) {
		const RigSweepResult *r = results->pdata[i];

		if (!r->ok)
			g_print ("  not as expected: %s: %s (%s)\n", r->key, r->why ? r->why : r->verdict,
			         r->run_dir);
	}
	return bad;
}

/* A directory for run @index that no earlier attempt has used. */
static char *
run_dir_for (const char *dir, guint index)
{
	for (guint attempt = 1;; attempt++) {
		g_autofree char *name = attempt == 1 ? g_strdup_printf ("%04u", index) :
			g_strdup_printf ("%04u.%u", index, attempt);
		char *path = g_build_filename (dir, "runs", name, NULL);

		if (!g_file_test (path, G_FILE_TEST_EXISTS))
			return path;
		g_free (path);
	}
}

/* The argv rig_run_options_parse() gets for @run. */
static GStrv
run_argv (const RigSweepRun *run, const char *run_dir, const char *config)
{
	g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

	g_strv_builder_add (b, "sweep");
	g_strv_builder_addv (b, (const char **) run->argv);
	if (run_dir) {
		g_strv_builder_add (b, "--keep");
		g_strv_builder_add (b, run_dir);
	}
	if (config) {
		g_strv_builder_add (b, "--config");
		g_strv_builder_add (b, config);
	}
	return g_strv_builder_end (b);
}

/* Boots @run; FALSE only if the rig cannot test at all (no run directory). */
static gboolean
sweep_one (const RigSweepRun *run, const char *run_dir, const char *config, RigSweepResult *r,
           GCancellable *cancellable, GError **error)
{
	g_auto(GStrv) argv = run_argv (run, run_dir, config);
	g_autoptr(GError) local = NULL;
	g_autofree char *made_dir = NULL;
	RigRunOptions opts;
	RigVerdictResult result = { 0 };
	gint64 start = g_get_monotonic_time ();
	g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
	gboolean ok = TRUE;

	rig_run_options_init (&opts);
	if (!rig_run_options_parse (&opts, "sweep", NULL, NULL, g_strv_length (argv), argv, error)) {
		rig_run_options_clear (&opts);
		return FALSE;
	}
	opts.quiet = TRUE;
	r->index = run->index;
	r->test = g_strdup (run->test);
	r->scenario = g_strdup (opts.scenario);
	r->kernel = g_strdup (opts.kernel);
	r->start = g_date_time_format_iso8601 (now);
	r->key = g_strdup (run->key);
	r->expected = g_strdup (rig_verdict_to_string (run->expect));
	r->run_dir = g_strdup (run_dir);
	if (rig_boot_timed (&opts, &result, NULL, &made_dir, cancellable, &local)) {
		r->verdict = g_strdup (rig_verdict_to_string (result.verdict));
		r->ok = rig_verdict_judge (run->expect, opts.cpu, run->sites, &result, &r->why);
	} else if (made_dir) {
		/* the error verdict (QEMU died, ...): a result like any other */
		r->verdict = g_strdup ("error");
		r->ok = run->expect == RIG_VERDICT_ERROR;
		r->why = g_strdup (local->message);
	} else {
		g_propagate_error (error, g_steal_pointer (&local));
		ok = FALSE;
	}
	r->seconds = (g_get_monotonic_time () - start) / 1e6;
	rig_verdict_result_clear (&result);
	rig_run_options_clear (&opts);
	return ok;
}

/* A comma list option as an axis, or NULL if not given. */
static gboolean
split_axis (const char *what, const char *value, GStrv *out, GError **error)
{
	g_auto(GStrv) items = NULL;
	g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

	if (!value)
		return TRUE;
	items = g_strsplit (value, ",", -1);
	for (guint i = 0; items[i]; i++)
		if (*g_strstrip (items[i]))
			g_strv_builder_add (b, items[i]);
	*out = g_strv_builder_end (b);
	if (!(*out)[0]) {
		rig_usage_error (error, "%s: empty list", what);
		return FALSE;
	}
	return TRUE;
}

/* The rig's git commit (full hash), or NULL outside a git checkout. */
static char *
rig_commit (void)
{
	const char *argv[] = { "git", "-C", rig_top_dir (), "rev-parse", "HEAD", NULL };
	g_autofree char *out = NULL;
	int status = 0;

	if (!g_spawn_sync (NULL, (char **) argv, NULL,
	                   G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
	                   &status, NULL) || !g_spawn_check_wait_status (status, NULL))
		return NULL;
	return g_strdup (g_strstrip (out));
}

/* --junit FILE and --kcidb FILE, from every result of the sweep. */
static gboolean
write_reports (const GPtrArray *results, const char *junit, const char *kcidb, GError **error)
{
	g_autoptr(GError) local = NULL;

	if (junit) {
		g_autofree char *xml = rig_sweep_results_junit (results, "vpci-rig sweep");

		if (!g_file_set_contents (junit, xml, -1, &local))
			goto fail;
		g_print ("JUnit: %s\n", junit);
	}
	if (kcidb) {
		g_autofree char *json = rig_sweep_results_kcidb (results, "vpci_rig");

		if (!g_file_set_contents (kcidb, json, -1, &local))
			goto fail;
		g_print ("KCIDB: %s\n", kcidb);
	}
	return TRUE;
fail:
	g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "%s", local->message);
	return FALSE;
}

static gboolean
report_dirs (char **dirs, const char *junit, const char *kcidb, RigExit *exit_status,
             GError **error)
{
	g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func ((GDestroyNotify) rig_sweep_result_free);

	for (guint i = 0; dirs[i]; i++)
		if (!load_results (dirs[i], results, error))
			return FALSE;
	if (!results->len) {
		g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "no results in the directories given");
		return FALSE;
	}
	*exit_status = print_summary (results) ? RIG_EXIT_FAILURE : RIG_EXIT_PASS;
	return write_reports (results, junit, kcidb, error);
}

gboolean
rig_cmd_sweep (int argc, char **argv, RigExit *exit_status, GCancellable *cancellable,
               GError **error)
{
	g_autofree char *plan = NULL, *plans = NULL, *suite_path = NULL, *dir = NULL;
	g_autofree char *scenario = NULL, *smp = NULL, *seed = NULL, *order = NULL, *mode = NULL;
	g_autofree char *expect = NULL, *timeout = NULL, *shard = NULL, *config = NULL;
	g_autofree char *junit = NULL, *kcidb = NULL, *commit = NULL;
	g_auto(GStrv) fences = NULL, kernels = NULL, tests = NULL;
	gboolean resume = FALSE, dry_run = FALSE, report = FALSE;
	g_autoptr(GPtrArray) legs = g_ptr_array_new_with_free_func ((GDestroyNotify) rig_sweep_leg_free);
	g_autoptr(GPtrArray) runs = g_ptr_array_new_with_free_func ((GDestroyNotify) rig_sweep_run_free);
	g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func ((GDestroyNotify) rig_sweep_result_free);
	g_autoptr(GKeyFile) suite = NULL;
	g_autoptr(GHashTable) recorded = g_hash_table_new (g_str_hash, g_str_equal);
	guint shard_k = 1, shard_n = 1, planned = 0, width, nth = 0;
	GOptionEntry entries[] = {
		{ "plan", 0, 0, G_OPTION_ARG_STRING, &plan,
		  "Run the sweep NAME of tests/sweeps.cfg (e.g. soak)", "NAME" },
		{ "scenario", 0, 0, G_OPTION_ARG_STRING, &scenario, "Scenarios", "S,..." },
		{ "smp", 0, 0, G_OPTION_ARG_STRING, &smp, "vCPU counts", "N,..." },
		{ "seed", 0, 0, G_OPTION_ARG_STRING, &seed, "Seeds and seed ranges", "N|A-B,..." },
		{ "order", 0, 0, G_OPTION_ARG_STRING, &order, "Drain orders", "program|reverse|random,..." },
		{ "mode", 0, 0, G_OPTION_ARG_STRING, &mode, "Modes", "mttcg|icount,..." },
		{ "fences", 0, 0, G_OPTION_ARG_STRING_ARRAY, &fences,
		  "A fence set (repeatable)", "all|none|SITE,..." },
		{ "kernel", 0, 0, G_OPTION_ARG_STRING_ARRAY, &kernels,
		  "A guest kernel (repeatable; with --plan, for legs that name none)", "6.1|6.12|TREE" },
		{ "test", 0, 0, G_OPTION_ARG_STRING_ARRAY, &tests,
		  "A test of tests/suite.cfg, or @GROUP (repeatable)", "NAME|@GROUP" },
		{ "expect", 0, 0, G_OPTION_ARG_STRING, &expect,
		  "The verdict the scenario runs must give (default: the scenario's own)", "VERDICT" },
		{ "timeout", 0, 0, G_OPTION_ARG_STRING, &timeout,
		  "--timeout of the scenario runs", "S" },
		{ "shard", 0, 0, G_OPTION_ARG_STRING, &shard,
		  "Run only the K-th of N slices (runs whose index is K-1 modulo N)", "K/N" },
		{ "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir,
		  "Sweep directory (default build/sweeps/<time>-<pid>)", "DIR" },
		{ "resume", 0, 0, G_OPTION_ARG_NONE, &resume,
		  "Skip the runs DIR/results.jsonl already records (needs --dir)", NULL },
		{ "report", 0, 0, G_OPTION_ARG_NONE, &report,
		  "Run nothing: print the matrix of the sweep directories given as arguments "
		  "(the shards of one sweep)", NULL },
		{ "dry-run", 0, 0, G_OPTION_ARG_NONE, &dry_run, "Print the runs and stop", NULL },
		{ "junit", 0, 0, G_OPTION_ARG_FILENAME, &junit,
		  "Also write the results as JUnit XML (with --report: the merged shards)", "FILE" },
		{ "kcidb", 0, 0, G_OPTION_ARG_FILENAME, &kcidb,
		  "Also write the results as KernelCI KCIDB v5 JSON (with --report: the merged "
		  "shards)", "FILE" },
		{ "plans", 0, 0, G_OPTION_ARG_FILENAME, &plans,
		  "Sweep file (default $VPCI_RIG_TOP/tests/sweeps.cfg)", "FILE" },
		{ "suite", 0, 0, G_OPTION_ARG_FILENAME, &suite_path,
		  "Test list (default $VPCI_RIG_TOP/tests/suite.cfg)", "FILE" },
		{ "config", 0, 0, G_OPTION_ARG_FILENAME, &config, "rig.ini to read", "FILE" },
		{ NULL }
	};
	g_autoptr(GOptionContext) context =
		rig_option_context_new ("sweep", "[--report DIR...]",
		                        "Run many scenarios and tests; print a verdict matrix.",
		                        sweep_description);

	g_option_context_add_main_entries (context, entries, NULL);
	if (!rig_option_context_parse (context, &argc, &argv, error))
		return FALSE;
	if (report) {
		if (argc < 2) {
			rig_usage_error (error, "--report needs sweep directories");
			return FALSE;
		}
		return report_dirs (argv + 1, junit, kcidb, exit_status, error);
	}
	if (argc > 1) {
		rig_usage_error (error, "too many arguments: '%s'", argv[1]);
		return FALSE;
	}
	if (resume && !dir) {
		rig_usage_error (error, "--resume needs --dir");
		return FALSE;
	}
	if (shard && !rig_sweep_shard_parse (shard, &shard_k, &shard_n, error))
		return FALSE;

	if (!suite_path)
		suite_path = g_build_filename (rig_top_dir (), "tests", "suite.cfg", NULL);
	suite = rig_suite_open (suite_path, error);
	if (!suite)
		return FALSE;
	if (plan) {
		g_autoptr(GKeyFile) kf = NULL;

		if (!plans)
			plans = g_build_filename (rig_top_dir (), "tests", "sweeps.cfg", NULL);
		kf = rig_suite_open (plans, error);
		if (!kf || !rig_sweep_plan_load (kf, plans, plan, legs, error))
			return FALSE;
		for (guint i = 0; kernels && i < legs->len; i++) {
			RigSweepLeg *leg = legs->pdata[i];

			if (!leg->kernels)
				leg->kernels = g_strdupv (kernels);
		}
	}
	if (scenario || tests) {
		g_autoptr(RigSweepLeg) leg = rig_sweep_leg_new ("command line");

		if (!split_axis ("--scenario", scenario, &leg->scenarios, error) ||
		    !split_axis ("--smp", smp, &leg->smps, error) ||
		    !split_axis ("--order", order, &leg->orders, error) ||
		    !split_axis ("--mode", mode, &leg->modes, error))
			return FALSE;
		if (seed && !(leg->seeds = rig_sweep_expand_numbers ("--seed", seed, error)))
			return FALSE;
		leg->fences = g_steal_pointer (&fences);
		leg->kernels = g_strdupv (kernels);
		leg->tests = g_steal_pointer (&tests);
		leg->expect = g_steal_pointer (&expect);
		leg->timeout = g_steal_pointer (&timeout);
		g_ptr_array_add (legs, g_steal_pointer (&leg));
	} else if (smp || seed || order || mode || fences || expect || timeout) {
		rig_usage_error (error, "axes without --scenario (or --test) sweep nothing");
		return FALSE;
	}
	if (!legs->len) {
		rig_usage_error (error, "nothing to run: give --plan NAME, --scenario or --test");
		return FALSE;
	}
	for (guint i = 0; i < legs->len; i++)
		if (!rig_sweep_leg_expand (legs->pdata[i], suite, suite_path, runs, error))
			return FALSE;

	/* every run's options are checked before the first boot */
	for (guint i = 0; i < runs->len; i++) {
		const RigSweepRun *run = runs->pdata[i];
		g_auto(GStrv) check_argv = run_argv (run, NULL, config);
		g_autoptr(GError) local = NULL;
		RigRunOptions opts;

		rig_run_options_init (&opts);
		if (!rig_run_options_parse (&opts, "sweep", NULL, NULL, g_strv_length (check_argv),
		                             check_argv, &local)) {
			rig_usage_error (error, "%s: %s", run->key, local->message);
			rig_run_options_clear (&opts);
			return FALSE;
		}
		rig_run_options_clear (&opts);
		planned += rig_sweep_in_shard (run->index, shard_k, shard_n);
	}

	if (!dir) {
		g_autoptr(GDateTime) now = g_date_time_new_now_local ();
		g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
		g_autofree char *name = g_strdup_printf ("%s-%d", stamp, (int) getpid ());

		dir = g_build_filename (rig_top_dir (), "build", "sweeps", name, NULL);
	}
	/* the matrix covers this shard's runs, recorded ones included */
	if (resume) {
		if (!load_results (dir, results, error))
			return FALSE;
		for (guint i = 0; i < results->len; i++) {
			RigSweepResult *r = results->pdata[i];

			g_hash_table_add (recorded, r->key);
		}
	}
	g_print ("sweep: %u runs%s%s%s, %u in this shard, %u recorded; directory %s\n",
	         runs->len, plan ? " (" : "", plan ? plan : "", plan ? ")" : "", planned,
	         g_hash_table_size (recorded), dir);
	if (!dry_run && g_mkdir_with_parents (dir, 0755) < 0) {
		g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "cannot create %s: %s", dir,
		             g_strerror (errno));
		return FALSE;
	}

	commit = rig_commit ();
	width = snprintf (NULL, 0, "%u", planned);
	for (guint i = 0; i < runs->len; i++) {
		const RigSweepRun *run = runs->pdata[i];
		g_autofree char *run_dir = NULL;
		RigSweepResult *r;

		if (!rig_sweep_in_shard (run->index, shard_k, shard_n))
			continue;
		nth++;
		if (g_hash_table_contains (recorded, run->key)) {
			g_print ("[%*u/%u] %s: recorded\n", width, nth, planned, run->key);
			continue;
		}
		if (dry_run) {
			g_print ("[%*u/%u] %s (expect %s)\n", width, nth, planned, run->key,
			         rig_verdict_to_string (run->expect));
			continue;
		}
		run_dir = run_dir_for (dir, run->index);
		r = g_new0 (RigSweepResult, 1);
		r->commit = g_strdup (commit);
		if (!sweep_one (run, run_dir, config, r, cancellable, error)) {
			rig_sweep_result_free (r);
			return FALSE;
		}
		if (g_cancellable_is_cancelled (cancellable)) {
			/* not a result: --resume runs it again */
			g_print ("[%*u/%u] %s: interrupted (%s kept)\n", width, nth, planned, run->key,
			         run_dir);
			rig_sweep_result_free (r);
			g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA,
			             "interrupted after %u of %u runs; '--resume --dir %s' goes on",
			             nth - 1, planned, dir);
			return FALSE;
		}
		g_print ("[%*u/%u] %s: %s%s%s%s (%.1f s)\n", width, nth, planned, run->key,
		         r->ok ? "" : "NOT AS EXPECTED: ", r->verdict, r->ok ? "" : ": ",
		         r->ok ? "" : r->why, r->seconds);
		if (!append_result (dir, r, error)) {
			rig_sweep_result_free (r);
			return FALSE;
		}
		g_ptr_array_add (results, r);
	}
	if (dry_run) {
		*exit_status = RIG_EXIT_PASS;
		return TRUE;
	}
	*exit_status = print_summary (results) ? RIG_EXIT_FAILURE : RIG_EXIT_PASS;
	return write_reports (results, junit, kcidb, error);
}
