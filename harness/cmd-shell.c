/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd-shell.c - vpci-rig shell: an interactive guest on this terminal.
 */
#include "boot.h"
#include "config.h"
#include "rig-command.h"

static const char shell_description[] =
	"Boots scenario 'shell': busybox sh on the guest console (ttyS0), wired to\n"
	"this terminal (QEMU -chardev stdio,mux=on,signal=off).  Ctrl-C goes to the\n"
	"guest.  'exit' powers the guest off; Ctrl-a x quits QEMU at once.";

gboolean
rig_cmd_shell (int argc, char **argv, RigExit *exit_status, GCancellable *cancellable,
               GError **error)
{
	g_autofree char *smp = NULL, *kernel = NULL, *keep = NULL, *config = NULL;
	gboolean dry_run = FALSE;
	RigRunOptions opts;
	RigVerdictResult result = { 0 };
	guint64 n;
	gboolean ok = FALSE;
	GOptionEntry entries[] = {
		{ "smp", 0, 0, G_OPTION_ARG_STRING, &smp, "Number of vCPUs (QEMU -smp N; default " G_STRINGIFY (RIG_DEFAULT_SMP) ")", "N" },
		{ "kernel", 0, 0, G_OPTION_ARG_STRING, &kernel, "Guest kernel: 6.1, 6.12 or a kernel build tree (default " RIG_DEFAULT_KERNEL ")", "6.1|6.12|TREE" },
		{ "keep", 0, 0, G_OPTION_ARG_FILENAME, &keep, "Run directory", "DIR" },
		{ "config", 0, 0, G_OPTION_ARG_FILENAME, &config, "rig.ini to read", "FILE" },
		{ "dry-run", 0, 0, G_OPTION_ARG_NONE, &dry_run, "Print the QEMU command line and stop", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) context =
		rig_option_context_new ("shell", NULL, "Boot an interactive guest shell.",
		                        shell_description);

	g_option_context_add_main_entries (context, entries, NULL);
	if (!rig_option_context_parse (context, &argc, &argv, error))
		return FALSE;
	if (argc > 1) {
		rig_usage_error (error, "unexpected argument '%s'", argv[1]);
		return FALSE;
	}

	rig_run_options_init (&opts);
	g_free (opts.scenario);
	opts.scenario = g_strdup ("shell");
	opts.timeout = 0;
	opts.console = RIG_CONSOLE_STDIO;
	opts.dry_run = dry_run;
	if (smp && !rig_parse_uint ("--smp", smp, 1, RIG_MAX_SMP, &n, error))
		goto out;
	if (smp)
		opts.smp = n;
	if (kernel) {
		g_free (opts.kernel);
		opts.kernel = g_steal_pointer (&kernel);
	}
	opts.keep = g_steal_pointer (&keep);
	opts.config = g_steal_pointer (&config);

	ok = rig_boot (&opts, &result, cancellable, error);
	if (ok)
		*exit_status = RIG_EXIT_PASS;
out:
	rig_verdict_result_clear (&result);
	rig_run_options_clear (&opts);
	return ok;
}
