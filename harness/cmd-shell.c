/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd-shell.c - vpci-rig shell: an interactive guest on this terminal.
 *
 * The same options and the same run plan as `run`, less what makes no
 * sense at a terminal (run-options.h, rig_run_options_init_shell()).
 */
#include "boot.h"
#include "rig-command.h"

static const char shell_description[] =
	"Boots scenario 'shell': busybox sh on the guest console (ttyS0), wired to\n"
	"this terminal (QEMU -chardev stdio,mux=on,signal=off), with the hv-vpci bus\n"
	"and barrier-stress's test functions behind it (add others with --device).\n"
	"Ctrl-C goes to the guest.  'exit' powers the guest off; Ctrl-a x quits QEMU\n"
	"at once.  With --gdb the guest waits for gdb after loading its modules\n"
	"(gdb -x RUN/gdb-script, then 'continue'); the shell starts after that.";

gboolean
rig_cmd_shell (int argc, char **argv, RigExit *exit_status, GCancellable *cancellable,
               GError **error)
{
	RigRunOptions opts;
	RigVerdictResult result = { 0 };
	gboolean ok;

	rig_run_options_init_shell (&opts);
	ok = rig_run_options_parse (&opts, "shell", "Boot an interactive guest shell.",
	                            shell_description, argc, argv, error) &&
	     rig_boot (&opts, &result, cancellable, error);
	if (ok)
		*exit_status = RIG_EXIT_PASS;
	rig_verdict_result_clear (&result);
	rig_run_options_clear (&opts);
	return ok;
}
