/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd-list.c - vpci-rig list: scenarios and barrier sites.
 */
#include "rig-command.h"
#include "scenarios.h"

gboolean
rig_cmd_list (int argc, char **argv, RigExit *exit_status, G_GNUC_UNUSED GCancellable *cancellable,
              GError **error)
{
	g_autoptr(GOptionContext) context =
		rig_option_context_new ("list", NULL, "List scenarios and barrier sites.", NULL);
	const RigScenario *sc;
	const RigBarrierSite *sites;
	guint n;

	if (!rig_option_context_parse (context, &argc, &argv, error))
		return FALSE;
	if (argc > 1) {
		rig_usage_error (error, "unexpected argument '%s'", argv[1]);
		return FALSE;
	}

	g_print ("Scenarios (vpci-rig run SCENARIO; default %s):\n", RIG_DEFAULT_SCENARIO);
	sc = rig_scenarios (&n);
	for (guint i = 0; i < n; i++) {
		g_autofree char *expect = sc[i].expect ? g_strdup_printf (" (expect %s)", sc[i].expect)
		                                       : g_strdup ("");
		g_print ("  %-14s %s%s\n", sc[i].name, sc[i].summary, expect);
	}

	g_print ("\nBarrier sites (hv_vpci fences=; vpci-rig run --fences all|none|SITE,...):\n");
	sites = rig_barrier_sites (&n);
	for (guint i = 0; i < n; i++) {
		g_print ("  %-14s %s\n", sites[i].name, sites[i].summary);
		if (sites[i].required)
			g_print ("  %-14s required by the WC model\n", "");
		else
			g_print ("  %-14s not required by the WC model: %s\n", "", sites[i].why_not);
	}
	*exit_status = RIG_EXIT_PASS;
	return TRUE;
}
