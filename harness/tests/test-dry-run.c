/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-dry-run.c - the QEMU command line of docs/design.md, as golden
 * files: `vpci-rig-harness run --dry-run` ($VPCI_RIG_HARNESS) for
 * representative option sets, with the fake paths of dry-run/rig.ini,
 * prints exactly dry-run/NAME.txt, and creates nothing (its --keep
 * directory must not exist afterwards).
 *
 * To refresh a golden file after a deliberate change of the command line:
 * VPCI_RIG_GOLDEN_UPDATE=1 meson test dry-run (it writes the source tree's
 * files), then review the diff against docs/design.md.
 */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

typedef struct {
	const char *name;
	const char *const args[14];
	const char *leaf;       /* of the --keep directory; default "run" */
} DryRun;

static const DryRun cases[] = {
	{ .name = "default", .args = { "--seed", "1" } },
	{ .name = "icount-smp2",
	  .args = { "cfg-stress", "--mode", "icount", "--smp", "2", "--seed", "5" } },
	{ .name = "knobs",
	  .args = { "barrier-stress", "--wc", "off", "--order", "program", "--fences",
	            "all,write-select=dma_wmb", "--irq-mode", "eager", "--remap", "off",
	            "--seed", "3" } },
	{ .name = "msi-gdb", .args = { "msi-stress", "--gdb=2345", "--seed", "9" } },
	{ .name = "inject-device",
	  .args = { "inject-nmi", "--smp", "2", "--device", "virtio-rng-pci,addr=4.0",
	            "--seed", "2" } },
	{ .name = "boot-no-bus", .args = { "boot", "--smp", "1", "--seed", "0" } },
	/* DIR's copies, -icount rr=record, the snapshot drive; nothing written */
	{ .name = "record", .args = { "boot", "--record", "/fixture/rec", "--seed", "6" } },
	/* a comma in the run directory is ",," in QEMU option values, not in -D */
	{ .name = "comma-dir", .args = { "msi-stress", "--gdb", "--seed", "4" }, .leaf = "run,1" },
	/* Hyper-V under TCG: implied by the scenario, -cpu, the bridge, its device */
	{ .name = "vmbus", .args = { "vmbus", "--smp", "2", "--seed", "3" } },
	/* --hyperv on a scenario with the vPCI bus: both device sets */
	{ .name = "hyperv-bus", .args = { "enum", "--hyperv", "--seed", "2" } },
};

static void
run_case (gconstpointer data)
{
	const DryRun *c = data;
	const char *harness = g_getenv ("VPCI_RIG_HARNESS");
	g_autofree char *tmp = g_dir_make_tmp ("test-dry-run.XXXXXX", NULL);
	g_autofree char *keep = g_build_filename (tmp, c->leaf ? c->leaf : "run", NULL);
	g_autofree char *name = g_strconcat (c->name, ".txt", NULL);
	g_autofree char *golden_txt = g_test_build_filename (G_TEST_DIST, "dry-run", name, NULL);
	g_autofree char *ini = g_test_build_filename (G_TEST_DIST, "dry-run", "rig.ini", NULL);
	g_autoptr(GPtrArray) argv = g_ptr_array_new ();
	g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
	                                                              G_SUBPROCESS_FLAGS_STDERR_MERGE);
	g_autoptr(GSubprocess) p = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *out = NULL, *want = NULL;
	g_auto(GStrv) lines = NULL;
	g_autofree char *got = NULL;

	g_assert_nonnull (harness);
	g_ptr_array_add (argv, (gpointer) harness);
	g_ptr_array_add (argv, (gpointer) "run");
	for (guint i = 0; c->args[i]; i++)
		g_ptr_array_add (argv, (gpointer) c->args[i]);
	g_ptr_array_add (argv, (gpointer) "--config");
	g_ptr_array_add (argv, ini);
	g_ptr_array_add (argv, (gpointer) "--keep");
	g_ptr_array_add (argv, keep);
	g_ptr_array_add (argv, (gpointer) "--dry-run");
	g_ptr_array_add (argv, NULL);
	g_subprocess_launcher_setenv (l, "VPCI_RIG_TOP", "/fixture/top", TRUE);
	p = g_subprocess_launcher_spawnv (l, (const char *const *) argv->pdata, &error);
	g_assert_no_error (error);
	g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &out, NULL, &error));
	g_assert_no_error (error);
	g_assert_true (g_subprocess_get_if_exited (p));
	g_assert_cmpint (g_subprocess_get_exit_status (p), ==, 0);
	g_assert_false (g_file_test (keep, G_FILE_TEST_EXISTS));

	/* the temporary directory varies: name it TMP */
	lines = g_strsplit (out, tmp, -1);
	got = g_strjoinv ("TMP", lines);
	if (g_getenv ("VPCI_RIG_GOLDEN_UPDATE"))
		g_assert_true (g_file_set_contents (golden_txt, got, -1, &error));
	g_assert_true (g_file_get_contents (golden_txt, &want, NULL, &error));
	g_assert_no_error (error);
	g_assert_cmpstr (got, ==, want);
	g_rmdir (tmp);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autofree char *path = g_strdup_printf ("/dry-run/%s", cases[i].name);

		g_test_add_data_func (path, &cases[i], run_case);
	}
	return g_test_run ();
}
