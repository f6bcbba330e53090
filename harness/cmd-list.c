/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd-list.c - vpci-rig list: scenarios, barrier sites and barrier kinds.
 */
#include "rig-command.h"
#include "scenarios.h"

gboolean
rig_cmd_list (int argc, char **argv, RigExit *exit_status, G_GNUC_UNUSED GCancellable *cancellable,
              GError **error)
{
	g_autoptr(GOptionContext) context =
		rig_option_context_new ("list", NULL, "List scenarios, barrier sites and barrier kinds.", NULL);
	const RigScenario *sc;
	const RigBarrierSite *sites;
	const RigBarrierKind *kinds;
	guint n, nkinds;

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

	g_print ("\nBarrier sites (hv_vpci fences=; vpci-rig run --fences all|none|SITE[=KIND],...):\n");
	sites = rig_barrier_sites (&n);
	kinds = rig_barrier_kinds (&nkinds);
	for (guint i = 0; i < n; i++) {
		g_print ("  %-14s %s; default %s\n", sites[i].name, sites[i].summary,
		         kinds[sites[i].default_kind].name);
		if (!sites[i].why_not)
			g_print ("  %-14s required by the WC model\n", "");
		else
			g_print ("  %-14s not required by the WC model: %s\n", "", sites[i].why_not);
	}
	g_print ("\nBarrier kinds (SITE=KIND; what each is on x86-64 Linux):\n");
	for (guint i = 0; i < nkinds; i++)
		g_print ("  %-14s %s\n", kinds[i].name, kinds[i].what);
	*exit_status = RIG_EXIT_PASS;
	return TRUE;
}
