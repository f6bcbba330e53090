/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kernel-tree.c - `--kernel TREE`: images/prepare-kernel-tree.sh TREE OUT,
 * then OUT/kernel.ini into the RigKernel (config.h).
 */
#include "config.h"
#include "qemu-opt.h"
#include "rig-exit.h"

#include <unistd.h>

gboolean
rig_kernel_prepare_tree (RigKernel *kernel, GCancellable *cancellable, GError **error)
{
	g_autofree char *script = g_build_filename (rig_top_dir (), "images",
	                                            "prepare-kernel-tree.sh", NULL);
	const char *argv[] = { script, kernel->tree, kernel->tree_out, NULL };
	g_autofree char *shown = rig_argv_to_string (argv);
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GError) local = NULL;
	int fd;

	g_return_val_if_fail (kernel->tree != NULL, FALSE);
	/* what runs, then its output as it comes, all on stderr: with --json,
	 * stdout carries the JSON object alone */
	g_printerr ("kernel tree: %s\n", shown);
	/* the agent of the build this rig.ini belongs to */
	if (kernel->meson_build)
		g_subprocess_launcher_setenv (launcher, "VPCI_RIG_MESON_BUILD",
		                              kernel->meson_build, TRUE);
	fd = dup (STDERR_FILENO);
	if (fd >= 0)
		g_subprocess_launcher_take_stdout_fd (launcher, fd);
	proc = g_subprocess_launcher_spawnv (launcher, argv, &local);
	if (!proc || !g_subprocess_wait (proc, cancellable, &local)) {
		g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "--kernel %s: %s", kernel->tree,
		             local->message);
		return FALSE;
	}
	if (!g_subprocess_get_successful (proc)) {
		g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA,
		             "--kernel %s: cannot test with this tree (%s exited with %d; see above)",
		             kernel->tree, "images/prepare-kernel-tree.sh",
		             g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc)
		                                                : -1);
		return FALSE;
	}
	return rig_kernel_load_prepared (kernel, error);
}
