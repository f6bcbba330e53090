/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd-run.c - vpci-rig run: boot one scenario, print its verdict.
 */
#include "boot.h"
#include "rig-command.h"
#include "scenarios.h"

static const char run_description[] =
	"Boots the guest under QEMU (TCG, q35, qboot) with SCENARIO (default: "
	RIG_DEFAULT_SCENARIO "),\n"
	"prints the run directory and the exact QEMU command line, and ends with\n"
	"'verdict: pass|fail|triple-fault|reset|panic|hang|error'.\n"
	"\n"
	"Exit status: 0 pass, 1 any failure verdict, 2 usage, 125 cannot test\n"
	"(rig.ini, QEMU or the guest image missing; QEMU failed).";

gboolean
rig_cmd_run (int argc, char **argv, RigExit *exit_status, GCancellable *cancellable,
             GError **error)
{
	RigRunOptions opts;
	RigVerdictResult result = { 0 };
	gboolean ok;

	rig_run_options_init (&opts);
	ok = rig_run_options_parse (&opts, "run", "Boot a scenario and print its verdict.",
	                             run_description, argc, argv, error) &&
	     rig_boot (&opts, &result, cancellable, error);
	if (ok)
		*exit_status = (opts.dry_run || result.verdict == RIG_VERDICT_PASS) ?
			RIG_EXIT_PASS : RIG_EXIT_FAILURE;
	rig_verdict_result_clear (&result);
	rig_run_options_clear (&opts);
	return ok;
}
