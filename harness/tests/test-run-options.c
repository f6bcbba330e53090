/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-run-options.c - the one parser of the run options (run-options.h):
 * defaults, canonical --fences, what a scenario forces, --gdb's optional
 * value without state left between parses, --record's implications and
 * --replay loading record.ini into the same struct.
 */
#include "rig-exit.h"
#include "run-options.h"

#include <glib.h>
#include <glib/gstdio.h>

/* Parses @args (NULL-terminated, without the command name) into @opts. */
static gboolean
parse (RigRunOptions *opts, const char *const *args, GError **error)
{
	g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
	g_auto(GStrv) argv = NULL;

	g_strv_builder_add (b, "run");
	g_strv_builder_addv (b, (const char **) args);
	argv = g_strv_builder_end (b);
	rig_run_options_init (opts);
	return rig_run_options_parse (opts, "run", "", "", (int) g_strv_length (argv), argv, error);
}

static void
test_defaults (void)
{
	const char *args[] = { NULL };
	g_autoptr(GError) error = NULL;
	RigRunOptions o;

	g_assert_true (parse (&o, args, &error));
	g_assert_no_error (error);
	g_assert_cmpstr (o.scenario, ==, "barrier-stress");
	g_assert_cmpuint (o.smp, ==, 4);
	g_assert_cmpstr (o.fences, ==, "all");
	g_assert_cmpstr (o.order, ==, "random");
	g_assert_true (o.wc && o.remap && !o.icount && !o.eager_irq && !o.hyperv);
	g_assert_cmpuint (o.gdb_port, ==, 0);
	rig_run_options_clear (&o);
}

static void
test_fences_and_scenario (void)
{
	const char *all[] = { "msi-stress", "--fences",
	                      "read-select,read-release,write-select,write-release",
	                      "--remap", "off", NULL };
	const char *inject[] = { "inject-nmi", "--remap", "on", NULL };
	const char *vmbus[] = { "vmbus", NULL }, *hyperv[] = { "enum", "--hyperv", NULL };
	g_autoptr(GError) error = NULL;
	RigRunOptions o;

	g_assert_true (parse (&o, all, &error));
	g_assert_cmpstr (o.fences, ==, "all");
	g_assert_false (o.remap);
	rig_run_options_clear (&o);
	/* a no_remap scenario wins over --remap on */
	g_assert_true (parse (&o, inject, &error));
	g_assert_false (o.remap);
	rig_run_options_clear (&o);
	/* a hyperv scenario implies --hyperv; any scenario takes it */
	g_assert_true (parse (&o, vmbus, &error));
	g_assert_true (o.hyperv);
	rig_run_options_clear (&o);
	g_assert_true (parse (&o, hyperv, &error));
	g_assert_true (o.hyperv);
	rig_run_options_clear (&o);
}

/* --gdb's optional value: no state survives from one parse to the next. */
static void
test_gdb (void)
{
	const char *bare[] = { "--gdb", NULL }, *port[] = { "--gdb=4321", NULL };
	const char *none[] = { NULL };
	g_autoptr(GError) error = NULL;
	RigRunOptions o;

	g_assert_true (parse (&o, port, &error));
	g_assert_cmpuint (o.gdb_port, ==, 4321);
	rig_run_options_clear (&o);
	g_assert_true (parse (&o, none, &error));
	g_assert_cmpuint (o.gdb_port, ==, 0);
	rig_run_options_clear (&o);
	g_assert_true (parse (&o, bare, &error));
	g_assert_cmpuint (o.gdb_port, ==, RIG_GDB_DEFAULT_PORT);
	rig_run_options_clear (&o);
}

static void
test_usage_errors (void)
{
	static const char *const cases[][7] = {
		{ "--cpu", "4", NULL },
		{ "--record", "/nonexistent/r", "--gdb", NULL },
		{ "--record", "/nonexistent/r", "--smp", "2", NULL },
		{ "--record", "/nonexistent/r", "--mode", "mttcg", NULL },
		{ "--record", "/nonexistent/r", "--replay", "/nonexistent/p", NULL },
		{ "--fences", "read-select=maybe", NULL },
		{ "--remap", "sometimes", NULL },
		{ "vmbus", "--record", "/nonexistent/r", NULL },
		{ "boot", "--hyperv", "--record", "/nonexistent/r", NULL },
	};

	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autoptr(GError) error = NULL;
		RigRunOptions o;

		g_test_message ("%s %s", cases[i][0], cases[i][1]);
		g_assert_false (parse (&o, cases[i], &error));
		g_assert_error (error, RIG_ERROR, RIG_ERROR_USAGE);
		rig_run_options_clear (&o);
	}
}

static void
test_record (void)
{
	const char *args[] = { "cfg-stress", "--record", "/nonexistent/r", NULL };
	g_autoptr(GError) error = NULL;
	RigRunOptions o;

	g_assert_true (parse (&o, args, &error));
	g_assert_cmpuint (o.smp, ==, 1);
	g_assert_true (o.icount);
	g_assert_cmpstr (o.record_dir, ==, "/nonexistent/r");
	rig_run_options_clear (&o);
}

/* A recording's options come back from record.ini into the same struct;
 * what the replay itself was given (--timeout, --gdb) stays. */
static void
test_replay (void)
{
	const char *rec_args[] = { "msi-stress", "--smp", "1", "--seed", "77", "--fences",
	                           "all,write-select=dma_wmb", "--irq-mode", "eager",
	                           "--remap", "off", "--order", "reverse", "--device",
	                           "virtio-rng-pci,addr=4.0", "--hyperv", NULL };
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp ("test-run-options.XXXXXX", &error);
	g_autofree char *ini = g_build_filename (dir, RIG_RECORD_INI, NULL);
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_auto(GStrv) args = NULL;
	RigRunOptions rec, o;

	g_assert_no_error (error);
	g_assert_true (parse (&rec, rec_args, &error));
	args = rig_run_options_to_args (&rec, "6.12");
	g_key_file_set_string_list (kf, "record", "args", (const char *const *) args,
	                            g_strv_length (args));
	g_assert_true (g_key_file_save_to_file (kf, ini, &error));
	{
		const char *replay[] = { "--replay", dir, "--timeout", "9", "--gdb=2345", NULL };

		g_assert_true (parse (&o, replay, &error));
	}
	g_assert_no_error (error);
	g_assert_cmpstr (o.scenario, ==, "msi-stress");
	g_assert_cmpstr (o.kernel, ==, "6.12");
	g_assert_cmpuint (o.seed, ==, 77);
	g_assert_cmpstr (o.fences, ==, rec.fences);
	g_assert_cmpstr (o.fences, ==, "read-select,read-release,write-select=dma_wmb,write-release");
	g_assert_cmpstr (o.order, ==, "reverse");
	g_assert_true (o.eager_irq && !o.remap && o.icount && o.hyperv);
	g_assert_cmpstrv (o.devices, rec.devices);
	g_assert_cmpuint (o.timeout, ==, 9);
	g_assert_cmpuint (o.gdb_port, ==, 2345);
	rig_run_options_clear (&o);
	{
		/* the scenario comes from the recording, never from the replay */
		const char *both[] = { "cfg-stress", "--replay", dir, NULL };

		g_assert_false (parse (&o, both, &error));
		g_assert_error (error, RIG_ERROR, RIG_ERROR_USAGE);
		rig_run_options_clear (&o);
	}
	rig_run_options_clear (&rec);
	g_unlink (ini);
	g_rmdir (dir);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/run-options/defaults", test_defaults);
	g_test_add_func ("/run-options/fences-and-scenario", test_fences_and_scenario);
	g_test_add_func ("/run-options/gdb", test_gdb);
	g_test_add_func ("/run-options/usage-errors", test_usage_errors);
	g_test_add_func ("/run-options/record", test_record);
	g_test_add_func ("/run-options/replay", test_replay);
	return g_test_run ();
}
