/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd-classify.c - vpci-rig classify RUN_DIR: re-run the classifier on a
 * saved run (transcript.ini, qmp-events.jsonl, tap.log, console.log).
 */
#include "rig-command.h"
#include "verdict.h"

gboolean
rig_cmd_classify (int argc, char **argv, RigExit *exit_status, G_GNUC_UNUSED GCancellable *cancellable,
                  GError **error)
{
	g_autoptr(GOptionContext) context =
		rig_option_context_new ("classify", "RUN_DIR", "Re-classify a saved run.", NULL);
	g_autoptr(RigTranscript) t = NULL;
	g_autoptr(GError) local = NULL;
	RigVerdictResult r;

	if (!rig_option_context_parse (context, &argc, &argv, error))
		return FALSE;
	if (argc != 2) {
		rig_usage_error (error, "expected one RUN_DIR");
		return FALSE;
	}
	t = rig_transcript_load (argv[1], &local);
	if (!t) {
		rig_usage_error (error, "%s: %s", argv[1], local->message);
		return FALSE;
	}
	rig_classify (t, &r);
	g_print ("reason: %s\n", r.reason);
	if (r.verdict == RIG_VERDICT_TRIPLE_FAULT)
		g_print ("triple fault: vCPU %" G_GINT64_FORMAT " at RIP 0x%016" G_GINT64_MODIFIER "x\n",
		         r.vcpu, r.rip);
	g_print ("verdict: %s\n", rig_verdict_to_string (r.verdict));
	*exit_status = r.verdict == RIG_VERDICT_PASS ? RIG_EXIT_PASS :
	               r.verdict == RIG_VERDICT_ERROR ? RIG_EXIT_INFRA : RIG_EXIT_FAILURE;
	rig_verdict_result_clear (&r);
	return TRUE;
}
