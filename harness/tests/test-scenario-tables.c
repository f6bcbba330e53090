/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-scenario-tables.c - the harness's scenario table (scenarios.c: device
 * sets, expected verdicts) and the agent's (guest-driver/agent/scenarios.c:
 * what runs in the guest) name the same scenarios, in the same order.
 * `vpci-agent --list` ($VPCI_AGENT) prints the agent's.
 */
#include "scenarios.h"

#include <gio/gio.h>
#include <string.h>

static void
test_same_names (void)
{
	const char *agent = g_getenv ("VPCI_AGENT");
	const char *argv[] = { agent, "--list", NULL };
	g_autoptr(GSubprocess) p = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *out = NULL;
	g_auto(GStrv) lines = NULL;
	const RigScenario *sc;
	guint n, k = 0;

	g_assert_nonnull (agent);
	p = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
	g_assert_no_error (error);
	g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &out, NULL, &error));
	g_assert_true (g_subprocess_get_successful (p));
	lines = g_strsplit (out, "\n", -1);
	sc = rig_scenarios (&n);
	for (guint i = 0; lines[i]; i++) {
		g_auto(GStrv) words = g_strsplit (lines[i], " ", 2);

		if (!words[0] || !*words[0])
			continue;
		g_test_message ("agent: %s", words[0]);
		g_assert_cmpuint (k, <, n);
		g_assert_cmpstr (words[0], ==, sc[k].name);
		k++;
	}
	g_assert_cmpuint (k, ==, n);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/scenario-tables/same-names", test_same_names);
	return g_test_run ();
}
