/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-run-plan.c - the run plan (run-plan.h), in process: the QEMU
 * command line docs/design.md fixes, what the plan decides for the
 * session (bus, hot-plug, disk, timeout, gdb), record/replay as a
 * variation of the plan, and that making a plan writes nothing.
 */
#include "config.h"
#include "run-options.h"
#include "run-plan.h"
#include "scenarios.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

typedef struct {
	RigRunOptions opts;
	RigConfig    *config;
	RigKernel    *kernel;
	RigRunPlan   *plan;
	char         *tmp;
} Fixture;

/* A plan for `run ARGS... --config dry-run/rig.ini` in a fresh temporary
 * directory (the run directory is TMP/run and must stay absent). */
static void
plan_for (Fixture *f, const char *const *args)
{
	g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
	g_auto(GStrv) argv = NULL;
	g_autofree char *ini = g_test_build_filename (G_TEST_DIST, "dry-run", "rig.ini", NULL);
	g_autofree char *run_dir = NULL;
	g_autoptr(GError) error = NULL;

	g_strv_builder_add (b, "run");
	g_strv_builder_addv (b, (const char **) args);
	argv = g_strv_builder_end (b);
	rig_run_options_init (&f->opts);
	g_assert_true (rig_run_options_parse (&f->opts, "run", "", "", (int) g_strv_length (argv),
	                                      argv, &error));
	g_assert_no_error (error);
	f->config = rig_config_load (ini, &error);
	g_assert_no_error (error);
	f->kernel = rig_config_get_kernel (f->config, f->opts.kernel, &error);
	g_assert_no_error (error);
	f->tmp = g_dir_make_tmp ("test-run-plan.XXXXXX", NULL);
	run_dir = g_build_filename (f->tmp, "run", NULL);
	f->plan = rig_run_plan_new (&f->opts, f->config, f->kernel, run_dir);
	g_assert_false (g_file_test (run_dir, G_FILE_TEST_EXISTS));
}

static void
fixture_clear (Fixture *f)
{
	rig_run_plan_free (f->plan);
	rig_kernel_free (f->kernel);
	rig_config_free (f->config);
	rig_run_options_clear (&f->opts);
	if (f->tmp)
		g_rmdir (f->tmp);
	g_free (f->tmp);
}

/* The options (words starting with '-') of @argv, in order. */
static char *
option_words (const char *const *argv)
{
	g_autoptr(GString) s = g_string_new (NULL);

	for (guint i = 0; argv[i]; i++)
		if (argv[i][0] == '-')
			g_string_append_printf (s, "%s%s", s->len ? " " : "", argv[i]);
	return g_string_free (g_steal_pointer (&s), FALSE);
}

/* The options of the command line in docs/design.md's "Guest boot" block. */
static char *
design_option_words (void)
{
	g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "..", "docs", "design.md",
	                                               NULL);
	g_autofree char *text = NULL;
	g_auto(GStrv) words = NULL;
	const char *start, *end;
	g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
	g_auto(GStrv) opts = NULL;
	g_autofree char *block = NULL;

	g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
	start = strstr (text, "\n```\nqemu-system-x86_64 ");
	g_assert_nonnull (start);
	start += 5;
	end = strstr (start, "\n```");
	g_assert_nonnull (end);
	block = g_strndup (start, end - start);
	/* "(ttyS0: kernel console)" and the like are comments, not words */
	for (char *p = strchr (block, '('); p; p = strchr (p, '(')) {
		char *q = strchr (p, ')');

		g_assert_nonnull (q);
		memset (p, ' ', q - p + 1);
	}
	words = g_strsplit_set (block, " \n", -1);
	for (guint i = 0; words[i]; i++)
		if (*words[i])
			g_strv_builder_add (b, words[i]);
	opts = g_strv_builder_end (b);
	return option_words ((const char *const *) opts);
}

static void
test_design_contract (void)
{
	const char *args[] = { "boot", "--smp", "1", NULL };
	Fixture f = { 0 };
	g_autofree char *want = design_option_words ();
	g_autofree char *got = NULL;

	plan_for (&f, args);
	got = option_words ((const char *const *) f.plan->argv);
	g_assert_cmpstr (got, ==, want);
	g_assert_cmpstr (f.plan->argv[0], ==, "/fixture/qemu-system-x86_64");
	g_assert_false (f.plan->vpci_bus);
	g_assert_cmpuint (f.plan->timeout, ==, 120);
	g_assert_true (g_str_has_prefix (f.plan->kernel_cmdline, "console=ttyS0 "));
	g_assert_nonnull (strstr (f.plan->kernel_cmdline, " vpci.scenario=boot vpci.smp=1 "));
	fixture_clear (&f);
}

static gboolean
argv_has (const RigRunPlan *plan, const char *opt, const char *value)
{
	for (guint i = 0; plan->argv[i] && plan->argv[i + 1]; i++)
		if (g_str_equal (plan->argv[i], opt) && g_str_equal (plan->argv[i + 1], value))
			return TRUE;
	return FALSE;
}

static void
test_session_settings (void)
{
	const char *gdb[] = { "msi-stress", "--gdb", NULL };
	const char *disk[] = { "passthrough", NULL };
	const char *hotplug[] = { "hotplug", "--timeout", "33", NULL };
	Fixture f = { 0 };

	/* --gdb: no hang timeout, the live script, the gdbstub */
	plan_for (&f, gdb);
	g_assert_true (f.plan->vpci_bus);
	g_assert_cmpuint (f.plan->timeout, ==, 0);
	g_assert_true (f.plan->gdb_live);
	g_assert_cmpuint (f.plan->gdb_port, ==, 1234);
	g_assert_true (argv_has (f.plan, "-gdb", "tcp:127.0.0.1:1234"));
	g_assert_null (f.plan->disk_path);
	fixture_clear (&f);

	/* a scenario disk: the plan names the file the -blockdev opens */
	memset (&f, 0, sizeof f);
	plan_for (&f, disk);
	g_assert_cmpuint (f.plan->disk_mib, ==, 16);
	g_assert_true (g_str_has_suffix (f.plan->disk_path, "/run/disk.img"));
	{
		g_autofree char *blockdev = g_strdup_printf (
			"driver=raw,node-name=" RIG_VPCI_DISK_NODE ",file.driver=file,file.filename=%s",
			f.plan->disk_path);

		g_assert_true (argv_has (f.plan, "-blockdev", blockdev));
	}
	fixture_clear (&f);

	memset (&f, 0, sizeof f);
	plan_for (&f, hotplug);
	g_assert_nonnull (f.plan->hotplug);
	g_assert_true (g_str_has_prefix (f.plan->hotplug, "vpci-testfn,bus=vpci0,"));
	g_assert_cmpuint (f.plan->timeout, ==, 33);
	g_assert_false (f.plan->gdb_live);
	fixture_clear (&f);
}

static void
test_record (void)
{
	const char *args[] = { "cfg-stress", "--record", "/fixture/rec", "--seed", "7", NULL };
	Fixture f = { 0 };

	plan_for (&f, args);
	g_assert_cmpint (f.plan->rr.mode, ==, RIG_RR_RECORD);
	/* QEMU boots DIR's copies of what the kernel group names */
	g_assert_cmpstr (f.plan->kernel_image, ==, "/fixture/rec/vmlinux");
	g_assert_cmpstr (f.plan->initramfs, ==, "/fixture/rec/initramfs.cpio");
	g_assert_cmpstr (f.plan->rr.kernel_from, ==, "/fixture/6.1/vmlinux");
	g_assert_cmpstr (f.plan->rr.initramfs_from, ==, "/fixture/6.1/initramfs.cpio");
	g_assert_cmpstr (f.plan->rr.modules_from, ==, f.kernel->modules_dir);
	g_assert_true (argv_has (f.plan, "-icount", "shift=0,sleep=off,rr=record,"
	                         "rrfile=/fixture/rec/replay.bin,rrsnapshot=init"));
	g_assert_true (argv_has (f.plan, "-drive",
	                         "file=/fixture/rec/rr.qcow2,format=qcow2,if=none,id=rr"));
	g_assert_true (argv_has (f.plan, "-global", "apic-common.vapic=off"));
	g_assert_true (argv_has (f.plan, "-smp", "1"));
	g_assert_true (g_strv_contains ((const char *const *) f.plan->rr.record_args, "--seed"));
	g_assert_true (g_strv_contains ((const char *const *) f.plan->rr.record_args, "7"));
	g_assert_false (g_file_test ("/fixture/rec", G_FILE_TEST_EXISTS));
	fixture_clear (&f);
}

/* A recording's directory, as --record leaves it (the files only exist;
 * cmdline, if not NULL, is the recorded QEMU argv). */
static char *
fake_recording (const char *qemu, const char *cmdline)
{
	g_autofree char *dir = g_dir_make_tmp ("test-run-plan-rec.XXXXXX", NULL);
	const char *files[] = { "replay.bin", "rr.qcow2", "vmlinux", "initramfs.cpio", NULL };
	g_autofree char *ini = g_build_filename (dir, "record.ini", NULL);
	g_autofree char *text = g_strdup_printf ("[record]\nargs=run;msi-stress;--smp;1;--seed;3;"
	                                         "--mode;icount;--kernel;6.1;\n"
	                                         "qemu-binary=%s\n", qemu);

	for (guint i = 0; files[i]; i++) {
		g_autofree char *p = g_build_filename (dir, files[i], NULL);

		g_assert_true (g_file_set_contents (p, "", 0, NULL));
	}
	g_assert_true (g_file_set_contents (ini, text, -1, NULL));
	if (cmdline) {
		g_autofree char *p = g_build_filename (dir, "cmdline", NULL);

		g_assert_true (g_file_set_contents (p, cmdline, -1, NULL));
	}
	return g_steal_pointer (&dir);
}

static void
remove_recording (const char *dir)
{
	const char *files[] = { "replay.bin", "rr.qcow2", "vmlinux", "initramfs.cpio",
	                        "record.ini", "cmdline", NULL };

	for (guint i = 0; files[i]; i++) {
		g_autofree char *p = g_build_filename (dir, files[i], NULL);

		g_unlink (p);
	}
	g_rmdir (dir);
}

static void
test_replay (void)
{
	g_autofree char *dir = fake_recording ("/bin/sh", "qemu -global " RIG_REPLAY_NO_VAPIC " -smp 1\n");
	g_autofree char *gone = fake_recording ("/nonexistent/qemu", NULL);
	g_autofree char *kernel = g_build_filename (dir, "vmlinux", NULL);
	g_autofree char *mods = g_build_filename (dir, "modules", NULL);
	const char *args[] = { "--replay", dir, "--gdb", NULL };
	const char *args_gone[] = { "--replay", gone, NULL };
	Fixture f = { 0 };

	plan_for (&f, args);
	g_assert_cmpint (f.plan->rr.mode, ==, RIG_RR_REPLAY);
	g_assert_cmpstr (f.opts.scenario, ==, "msi-stress");
	g_assert_cmpstr (f.plan->qemu_binary, ==, "/bin/sh");
	g_assert_cmpstr (f.plan->argv[0], ==, "/bin/sh");
	g_assert_cmpstr (f.plan->kernel_image, ==, kernel);
	g_assert_cmpstr (f.plan->modules_dir, ==, mods);
	g_assert_null (f.plan->rr.missing);
	g_assert_null (f.plan->rr.qemu_gone);
	/* gdb at the replay's first instruction; the guest sees no vpci.gdb=1 */
	g_assert_false (f.plan->gdb_live);
	g_assert_true (argv_has (f.plan, "-gdb", "tcp:127.0.0.1:1234"));
	g_assert_null (strstr (f.plan->kernel_cmdline, "vpci.gdb"));
	/* kvmvapic as recorded: off here, on in a recording without the -global */
	g_assert_true (argv_has (f.plan, "-global", RIG_REPLAY_NO_VAPIC));
	fixture_clear (&f);

	/* the recording's QEMU is gone: the configured one, and the plan says so */
	memset (&f, 0, sizeof f);
	plan_for (&f, args_gone);
	g_assert_cmpstr (f.plan->qemu_binary, ==, "/fixture/qemu-system-x86_64");
	g_assert_cmpstr (f.plan->rr.qemu_gone, ==, "/nonexistent/qemu");
	g_assert_false (argv_has (f.plan, "-global", RIG_REPLAY_NO_VAPIC));
	fixture_clear (&f);

	/* an unfinished recording is named in the plan, not found by QEMU */
	{
		g_autofree char *log = g_build_filename (gone, "replay.bin", NULL);

		g_unlink (log);
		memset (&f, 0, sizeof f);
		plan_for (&f, args_gone);
		g_assert_cmpstr (f.plan->rr.missing, ==, "replay.bin");
		fixture_clear (&f);
	}
	remove_recording (dir);
	remove_recording (gone);
}

/* --dry-run prints this; a real run prints its first and last lines. */
static void
test_describe (void)
{
	const char *args[] = { "barrier-stress", "--fences", "none", "--seed", "2", NULL };
	Fixture f = { 0 };
	g_autofree char *dry = NULL, *real = NULL;
	g_autofree char *want_real = NULL;

	plan_for (&f, args);
	dry = rig_run_plan_describe (f.plan, TRUE);
	real = rig_run_plan_describe (f.plan, FALSE);
	g_assert_nonnull (strstr (dry, "\nvpci bus: yes, wc on, order random, fences none, "
	                          "remap on\n"));
	g_assert_nonnull (strstr (dry, "\nscenario: barrier-stress, smp 4, cpu 0, seed 2, mttcg, "
	                          "timeout 120 s\n"));
	{
		g_autofree char *last = g_strconcat ("\n", f.plan->argv_text, "\n", NULL);

		g_assert_true (g_str_has_suffix (dry, last));   /* the argv is the last line */
	}
	want_real = g_strdup_printf ("run directory: %s\n%s\n", f.plan->run_dir, f.plan->argv_text);
	g_assert_cmpstr (real, ==, want_real);
	fixture_clear (&f);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/run-plan/design-contract", test_design_contract);
	g_test_add_func ("/run-plan/session-settings", test_session_settings);
	g_test_add_func ("/run-plan/record", test_record);
	g_test_add_func ("/run-plan/replay", test_replay);
	g_test_add_func ("/run-plan/describe", test_describe);
	return g_test_run ();
}
