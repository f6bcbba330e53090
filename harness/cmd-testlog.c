/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd-testlog.c - vpci-rig testlog FILE: meson's testlog.json (one JSON
 * object per test, this run's tests only) as counts, for run-tests.sh.
 *
 * Prints "passed=N failed=N skipped=N could_not_run=N": failed counts FAIL,
 * TIMEOUT, ERROR and UNEXPECTEDPASS; could_not_run those (among them)
 * whose command exited 99 or 125: the rig could not test, which says
 * nothing about the commit under test.
 */
#include "lines.h"
#include "rig-command.h"

#include <json-glib/json-glib.h>

gboolean
rig_cmd_testlog (int argc, char **argv, RigExit *exit_status,
                 G_GNUC_UNUSED GCancellable *cancellable, GError **error)
{
	g_autoptr(GOptionContext) context =
		rig_option_context_new ("testlog", "FILE", "Count meson's test results.", NULL);
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GError) local = NULL;
	guint passed = 0, failed = 0, skipped = 0, could_not_run = 0;

	if (!rig_option_context_parse (context, &argc, &argv, error))
		return FALSE;
	if (argc != 2) {
		rig_usage_error (error, "expected one FILE");
		return FALSE;
	}
	if (!g_file_get_contents (argv[1], &text, NULL, &local)) {
		/* no log: meson ran no test (e.g. a build failure) */
		g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "%s", local->message);
		return FALSE;
	}
	lines = rig_split_lines (text);
	for (guint i = 0; lines[i]; i++) {
		g_autoptr(JsonNode) node = NULL;
		JsonObject *o;
		const char *result;
		gint64 rc;

		if (!*lines[i])
			continue;
		node = json_from_string (lines[i], &local);
		if (!node || !JSON_NODE_HOLDS_OBJECT (node)) {
			g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "%s:%u: not a test result%s%s",
			             argv[1], i + 1, local ? ": " : "", local ? local->message : "");
			return FALSE;
		}
		o = json_node_get_object (node);
		result = json_object_get_string_member_with_default (o, "result", "");
		rc = json_object_get_int_member_with_default (o, "returncode", 0);
		if (g_str_equal (result, "OK") || g_str_equal (result, "EXPECTEDFAIL")) {
			passed++;
		} else if (g_str_equal (result, "SKIP")) {
			skipped++;
		} else {
			failed++;
			could_not_run += rc == RIG_EXIT_HARD_ERROR || rc == RIG_EXIT_INFRA;
		}
	}
	g_print ("passed=%u failed=%u skipped=%u could_not_run=%u\n", passed, failed, skipped,
	         could_not_run);
	*exit_status = RIG_EXIT_PASS;
	return TRUE;
}
