/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sweep-results.c - results.jsonl, JUnit and KCIDB (sweep-results.h).
 */
#include "sweep-results.h"
#include "json-out.h"
#include "lines.h"
#include "rig-exit.h"

#include <json-glib/json-glib.h>
#include <string.h>

void
rig_sweep_result_free (RigSweepResult *r)
{
	if (!r)
		return;
	g_free (r->key);
	g_free (r->test);
	g_free (r->scenario);
	g_free (r->kernel);
	g_free (r->expected);
	g_free (r->verdict);
	g_free (r->why);
	g_free (r->start);
	g_free (r->commit);
	g_free (r->run_dir);
	g_free (r);
}

char *
rig_sweep_result_to_json (const RigSweepResult *r)
{
	g_autoptr(JsonBuilder) b = json_builder_new ();
	g_autoptr(JsonNode) root = NULL;

	json_builder_begin_object (b);
	json_builder_set_member_name (b, "index");
	json_builder_add_int_value (b, r->index);
	rig_json_add_string_or_null (b, "key", r->key);
	rig_json_add_string_or_null (b, "test", r->test);
	rig_json_add_string_or_null (b, "scenario", r->scenario);
	rig_json_add_string_or_null (b, "kernel", r->kernel);
	rig_json_add_string_or_null (b, "expected", r->expected);
	rig_json_add_string_or_null (b, "verdict", r->verdict);
	json_builder_set_member_name (b, "ok");
	json_builder_add_boolean_value (b, r->ok);
	rig_json_add_string_or_null (b, "why", r->why);
	json_builder_set_member_name (b, "seconds");
	json_builder_add_double_value (b, r->seconds);
	rig_json_add_string_or_null (b, "start", r->start);
	rig_json_add_string_or_null (b, "commit", r->commit);
	rig_json_add_string_or_null (b, "run_dir", r->run_dir);
	json_builder_end_object (b);
	root = json_builder_get_root (b);
	return rig_json_to_string (root, FALSE);
}

/* A string member, NULL when absent or null. */
static char *
get_string (JsonObject *o, const char *name, const char *fallback)
{
	JsonNode *n = json_object_get_member (o, name);

	if (!n || JSON_NODE_HOLDS_NULL (n) || json_node_get_value_type (n) != G_TYPE_STRING)
		return g_strdup (fallback);
	return g_strdup (json_node_get_string (n));
}

gboolean
rig_sweep_results_parse (const char *text, const char *path, GPtrArray *results,
                         GError **error)
{
	g_auto(GStrv) lines = rig_split_lines (text);

	for (guint i = 0; lines[i]; i++) {
		g_autoptr(JsonParser) parser = json_parser_new ();
		g_autoptr(GError) local = NULL;
		JsonObject *o;
		RigSweepResult *r;

		if (!*lines[i])
			continue;
		if (!json_parser_load_from_data (parser, lines[i], -1, &local) ||
		    !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))) {
			g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "%s:%u: not a result: %s", path,
			             i + 1, local ? local->message : "not an object");
			return FALSE;
		}
		o = json_node_get_object (json_parser_get_root (parser));
		r = g_new0 (RigSweepResult, 1);
		r->index = json_object_get_int_member_with_default (o, "index", 0);
		r->key = get_string (o, "key", "");
		r->test = get_string (o, "test", NULL);
		r->kernel = get_string (o, "kernel", "6.1");
		r->expected = get_string (o, "expected", "?");
		r->verdict = get_string (o, "verdict", "?");
		r->ok = json_object_get_boolean_member_with_default (o, "ok", FALSE);
		r->why = get_string (o, "why", NULL);
		r->seconds = json_object_get_double_member_with_default (o, "seconds", 0);
		r->start = get_string (o, "start", NULL);
		r->commit = get_string (o, "commit", NULL);
		r->run_dir = get_string (o, "run_dir", "");
		/* records before "scenario" existed: the key's first word */
		r->scenario = get_string (o, "scenario", NULL);
		if (!r->scenario)
			r->scenario = g_strndup (r->key, strcspn (r->key, " "));
		g_ptr_array_add (results, r);
	}
	return TRUE;
}

/* ---------------------------------------------------------------- JUnit */

static void
xml_attr (GString *s, const char *name, const char *value)
{
	g_autofree char *e = g_markup_escape_text (value ? value : "", -1);

	g_string_append_printf (s, " %s=\"%s\"", name, e);
}

char *
rig_sweep_results_junit (const GPtrArray *results, const char *name)
{
	g_autoptr(GString) s = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	guint failures = 0;
	double total = 0;

	for (guint i = 0; i < results->len; i++) {
		const RigSweepResult *r = results->pdata[i];

		failures += !r->ok;
		total += r->seconds;
	}
	g_string_append (s, "<testsuites>\n  <testsuite");
	xml_attr (s, "name", name);
	g_string_append_printf (s, " tests=\"%u\" failures=\"%u\" errors=\"0\" time=\"%.3f\">\n",
	                        results->len, failures, total);
	for (guint i = 0; i < results->len; i++) {
		const RigSweepResult *r = results->pdata[i];
		g_autofree char *classname = g_strdup_printf ("vpci-rig.%s", r->scenario);
		g_autofree char *dir = g_markup_escape_text (r->run_dir ? r->run_dir : "", -1);

		g_string_append (s, "    <testcase");
		xml_attr (s, "classname", classname);
		xml_attr (s, "name", r->key);
		g_string_append_printf (s, " time=\"%.3f\">\n", r->seconds);
		if (!r->ok) {
			g_autofree char *msg = g_strdup_printf ("expected %s, got %s%s%s", r->expected,
			                                        r->verdict, r->why ? ": " : "",
			                                        r->why ? r->why : "");
			g_string_append (s, "      <failure");
			xml_attr (s, "message", msg);
			xml_attr (s, "type", r->verdict);
			g_string_append (s, "/>\n");
		}
		g_string_append_printf (s, "      <system-out>run directory: %s</system-out>\n"
		                        "    </testcase>\n", dir);
	}
	g_string_append (s, "  </testsuite>\n</testsuites>\n");
	return g_string_free (g_steal_pointer (&s), FALSE);
}

/* ---------------------------------------------------------------- KCIDB */

/* A KCIDB path segment: [a-zA-Z0-9_-] only. */
static char *
path_segment (const char *text)
{
	char *s = g_strdup (text && *text ? text : "unknown");

	for (char *p = s; *p; p++)
		if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-')
			*p = '_';
	return s;
}

static const char *
kcidb_status (const RigSweepResult *r)
{
	if (r->ok)
		return "PASS";
	/* the rig could not test: neither the test nor the code has a status */
	if (g_str_equal (r->verdict, "error"))
		return "MISS";
	return "FAIL";
}

static gboolean
is_commit_hash (const char *s)
{
	if (!s || strlen (s) != 40)
		return FALSE;
	for (const char *p = s; *p; p++)
		if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
			return FALSE;
	return TRUE;
}

static const char *
commit_of (const RigSweepResult *r)
{
	return r->commit ? r->commit : "unknown";
}

/* A build is the rig at a commit with one guest kernel. */
static char *
build_id (const char *origin, const RigSweepResult *r)
{
	g_autofree char *kernel = path_segment (r->kernel);

	return g_strdup_printf ("%s:%.12s-%s", origin, commit_of (r), kernel);
}

char *
rig_sweep_results_kcidb (const GPtrArray *results, const char *origin)
{
	g_autoptr(JsonBuilder) b = json_builder_new ();
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

	json_builder_begin_object (b);
	json_builder_set_member_name (b, "version");
	json_builder_begin_object (b);
	json_builder_set_member_name (b, "major");
	json_builder_add_int_value (b, 5);
	json_builder_set_member_name (b, "minor");
	json_builder_add_int_value (b, 0);
	json_builder_end_object (b);

	/* a checkout per commit, a build per commit and kernel, in first-seen order */
	json_builder_set_member_name (b, "checkouts");
	json_builder_begin_array (b);
	for (guint i = 0; i < results->len; i++) {
		const char *commit = commit_of (results->pdata[i]);
		g_autofree char *id = g_strdup_printf ("%s:%s", origin, commit);

		if (!g_hash_table_add (seen, g_strdup (id)))
			continue;
		json_builder_begin_object (b);
		rig_json_add_string_or_null (b, "id", id);
		rig_json_add_string_or_null (b, "origin", origin);
		rig_json_add_string_or_null (b, "tree_name", "vpci-rig");
		if (is_commit_hash (commit))
			rig_json_add_string_or_null (b, "git_commit_hash", commit);
		json_builder_set_member_name (b, "valid");
		json_builder_add_boolean_value (b, TRUE);
		json_builder_end_object (b);
	}
	json_builder_end_array (b);

	json_builder_set_member_name (b, "builds");
	json_builder_begin_array (b);
	for (guint i = 0; i < results->len; i++) {
		const RigSweepResult *r = results->pdata[i];
		g_autofree char *id = build_id (origin, r);
		g_autofree char *cid = g_strdup_printf ("%s:%s", origin, commit_of (r));
		g_autofree char *comment = g_strdup_printf ("vpci-rig guest kernel %s, the rig's "
		                                            "modules and initramfs",
		                                            r->kernel ? r->kernel : "6.1");

		if (!g_hash_table_add (seen, g_strdup (id)))
			continue;
		json_builder_begin_object (b);
		rig_json_add_string_or_null (b, "id", id);
		rig_json_add_string_or_null (b, "origin", origin);
		rig_json_add_string_or_null (b, "checkout_id", cid);
		rig_json_add_string_or_null (b, "architecture", "x86_64");
		rig_json_add_string_or_null (b, "comment", comment);
		rig_json_add_string_or_null (b, "status", "PASS");
		json_builder_end_object (b);
	}
	json_builder_end_array (b);

	json_builder_set_member_name (b, "tests");
	json_builder_begin_array (b);
	for (guint i = 0; i < results->len; i++) {
		const RigSweepResult *r = results->pdata[i];
		const char *commit = commit_of (r);
		g_autofree char *bid = build_id (origin, r);
		g_autofree char *scenario = path_segment (r->scenario);
		g_autofree char *path = g_strdup_printf ("vpci_rig.%s", scenario);
		g_autofree char *id = g_strdup_printf ("%s:%.12s-%s-%u", origin, commit,
		                                       r->start ? r->start : "0", r->index);
		g_autofree char *console = r->run_dir && *r->run_dir ?
			g_build_filename (r->run_dir, "console.log", NULL) : NULL;
		g_autofree char *log_url = console ? g_filename_to_uri (console, NULL, NULL) : NULL;

		json_builder_begin_object (b);
		rig_json_add_string_or_null (b, "id", id);
		rig_json_add_string_or_null (b, "origin", origin);
		rig_json_add_string_or_null (b, "build_id", bid);
		rig_json_add_string_or_null (b, "path", path);
		rig_json_add_string_or_null (b, "status", kcidb_status (r));
		rig_json_add_string_or_null (b, "comment", r->key);
		json_builder_set_member_name (b, "duration");
		json_builder_add_double_value (b, r->seconds);
		if (r->start)
			rig_json_add_string_or_null (b, "start_time", r->start);
		if (log_url)
			rig_json_add_string_or_null (b, "log_url", log_url);
		json_builder_set_member_name (b, "misc");
		json_builder_begin_object (b);
		rig_json_add_string_or_null (b, "expected", r->expected);
		rig_json_add_string_or_null (b, "verdict", r->verdict);
		if (r->why)
			rig_json_add_string_or_null (b, "why", r->why);
		if (r->test)
			rig_json_add_string_or_null (b, "suite_test", r->test);
		rig_json_add_string_or_null (b, "run_dir", r->run_dir);
		json_builder_end_object (b);
		json_builder_end_object (b);
	}
	json_builder_end_array (b);
	json_builder_end_object (b);
	root = json_builder_get_root (b);
	return rig_json_to_string (root, TRUE);
}
