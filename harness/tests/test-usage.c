/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-usage.c - spawn vpci-rig-harness ($VPCI_RIG_HARNESS) with bad
 * arguments: it must exit 2 and print exactly "error: <one line>" and
 * "See 'vpci-rig ... --help'" on stderr, and nothing on stdout (`check`,
 * which meson test runs, exits 99 for the same).  Also the infrastructure
 * cases that need no guest: rig.ini missing -> 125 (`check`: 99), and a
 * test of a kernel rig.ini does not have -> `check` skips (77).
 *
 * VPCI_RIG_TOP points at an empty directory, so usage errors are shown to
 * be found before rig.ini is read.
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

typedef struct {
	const char *path;
	const char *const args[8];
	int         status;
	const char *stderr_has;   /* substring of the first stderr line */
} UsageCase;

static const UsageCase cases[] = {
	{ "/usage/unknown-command", { "frobnicate" }, 2, "unknown command" },
	{ "/usage/run/unknown-option", { "run", "--bogus" }, 2, "--bogus" },
	{ "/usage/run/unknown-scenario", { "run", "no-such-scenario" }, 2, "no-such-scenario" },
	{ "/usage/run/smp-not-a-number", { "run", "--smp", "four" }, 2, "--smp" },
	{ "/usage/run/smp-zero", { "run", "--smp", "0" }, 2, "--smp" },
	{ "/usage/run/smp-negative", { "run", "--smp=-1" }, 2, "--smp" },
	{ "/usage/run/cpu-beyond-smp", { "run", "--smp", "2", "--cpu", "2" }, 2, "--cpu" },
	{ "/usage/run/timeout-garbage", { "run", "--timeout", "10s" }, 2, "--timeout" },
	{ "/usage/run/seed-garbage", { "run", "--seed", "0x10" }, 2, "--seed" },
	{ "/usage/run/shell-scenario", { "run", "shell" }, 2, "vpci-rig shell" },
	{ "/usage/run/two-scenarios", { "run", "boot", "panic" }, 2, "too many" },
	{ "/usage/run/wc-garbage", { "run", "--wc", "maybe" }, 2, "--wc" },
	{ "/usage/run/order-garbage", { "run", "--order", "sideways" }, 2, "--order" },
	{ "/usage/run/fences-unknown-site", { "run", "--fences", "read-select,no-such-site" }, 2,
	  "no-such-site" },
	{ "/usage/run/fences-unknown-kind", { "run", "--fences", "all,write-select=lfence" }, 2,
	  "write-select=lfence" },
	{ "/usage/run/mode-garbage", { "run", "--mode", "kvm" }, 2, "--mode" },
	{ "/usage/run/irq-mode-garbage", { "run", "--irq-mode", "sometimes" }, 2, "--irq-mode" },
	{ "/usage/default-command/bad-flag", { "--smp", "x" }, 2, "--smp" },
	{ "/usage/shell/bad-smp", { "shell", "--smp", "x" }, 2, "--smp" },
	{ "/usage/shell/scenario", { "shell", "barrier-stress" }, 2, "no scenario" },
	{ "/usage/shell/timeout", { "shell", "--timeout", "5" }, 2, "--timeout" },
	{ "/usage/shell/record", { "shell", "--record", "/tmp/x" }, 2, "--record" },
	{ "/usage/shell/bad-fences", { "shell", "--fences", "nope" }, 2, "nope" },
	{ "/usage/list/extra-argument", { "list", "extra" }, 2, "extra" },
	{ "/usage/check/missing-name", { "check" }, 99, "NAME" },
	{ "/usage/check/unknown-test", { "check", "no-such-test", "--suite", "@SUITE@" }, 99, "no-such-test" },
	{ "/usage/check/missing-suite", { "check", "x", "--suite", "/nonexistent/suite.cfg" }, 99, "suite.cfg" },
	{ "/usage/sweep/nothing", { "sweep", "--suite", "@SUITE@" }, 2, "nothing to run" },
	{ "/usage/sweep/axes-only", { "sweep", "--smp", "1,2", "--suite", "@SUITE@" }, 2, "sweep nothing" },
	{ "/usage/sweep/resume-without-dir", { "sweep", "--resume", "--scenario", "boot" }, 2, "--dir" },
	{ "/usage/sweep/bad-shard", { "sweep", "--shard", "3/2", "--scenario", "boot" }, 2, "--shard" },
	{ "/usage/sweep/bad-seed-range", { "sweep", "--scenario", "boot", "--seed", "9-1",
	  "--suite", "@SUITE@" }, 2, "--seed" },
	{ "/usage/sweep/bad-run-option", { "sweep", "--scenario", "boot", "--smp", "1,x",
	  "--suite", "@SUITE@" }, 2, "--smp" },
	{ "/usage/sweep/unknown-scenario", { "sweep", "--scenario", "boot,nope",
	  "--suite", "@SUITE@" }, 2, "nope" },
	{ "/infra/run/no-rig-ini", { "run", "boot" }, 125, "rig.ini" },
	{ "/infra/check/no-rig-ini", { "check", "only", "--suite", "@SUITE@" }, 99, "rig.ini" },
	{ "/infra/check/kernel-not-built", { "check", "other-kernel", "--suite", "@SUITE@" }, 77,
	  "skipped" },
};

static char *top_dir;
static char *suite_path;

static void
test_case (gconstpointer data)
{
	const UsageCase *c = data;
	g_autoptr(GPtrArray) argv = g_ptr_array_new ();
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
	                                                                     G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *out = NULL, *err = NULL;
	g_auto(GStrv) lines = NULL;
	const char *harness = g_getenv ("VPCI_RIG_HARNESS");

	if (!harness) {
		g_test_skip ("VPCI_RIG_HARNESS is not set (run through meson test)");
		return;
	}
	g_ptr_array_add (argv, (char *) harness);
	for (guint i = 0; c->args[i]; i++)
		g_ptr_array_add (argv, (char *) (g_str_equal (c->args[i], "@SUITE@") ? suite_path : c->args[i]));
	g_ptr_array_add (argv, NULL);

	g_subprocess_launcher_setenv (launcher, "VPCI_RIG_TOP", top_dir, TRUE);
	proc = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
	g_assert_no_error (error);
	g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, &error);
	g_assert_no_error (error);
	g_test_message ("stderr: %s", err);

	g_assert_true (g_subprocess_get_if_exited (proc));
	g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, c->status);
	lines = g_strsplit (err, "\n", -1);
	g_assert_true (g_str_has_prefix (lines[0], "error: "));
	g_assert_nonnull (strstr (lines[0], c->stderr_has));
	if (c->status == 2 || (c->status == 99 && g_str_has_prefix (c->path, "/usage/"))) {
		g_assert_nonnull (lines[1]);
		g_assert_true (g_str_has_prefix (lines[1], "See 'vpci-rig "));
		g_assert_true (g_str_has_suffix (lines[1], " --help'"));
		g_assert_cmpstr (lines[2], ==, "");   /* nothing after that */
		g_assert_null (lines[3]);
		g_assert_cmpstr (out, ==, "");
	}
}

int
main (int argc, char **argv)
{
	int ret;
	char *ini_path, *suite_text;

	g_test_init (&argc, &argv, NULL);
	top_dir = g_dir_make_tmp ("vpci-rig-usage-XXXXXX", NULL);
	suite_path = g_build_filename (top_dir, "suite.cfg", NULL);
	ini_path = g_build_filename (top_dir, "other.ini", NULL);
	g_file_set_contents (ini_path, "[qemu]\nbinary=/nonexistent/qemu\n"
	                     "[kernel 6.1]\nrelease=6.1.0\nvmlinux=/nonexistent/vmlinux\n"
	                     "modules=/nonexistent\ninitramfs=/nonexistent/initramfs\n", -1, NULL);
	suite_text = g_strdup_printf ("[only]\nscenario=boot\n"
	                              "[other-kernel]\nscenario=boot\n"
	                              "args=--kernel 9.9 --config %s\n", ini_path);
	g_file_set_contents (suite_path, suite_text, -1, NULL);
	for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
		g_test_add_data_func (cases[i].path, &cases[i], test_case);
	ret = g_test_run ();
	g_unlink (suite_path);
	g_unlink (ini_path);
	g_rmdir (top_dir);
	g_free (ini_path);
	g_free (suite_text);
	g_free (suite_path);
	g_free (top_dir);
	return ret;
}
