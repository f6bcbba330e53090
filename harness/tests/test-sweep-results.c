/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-sweep-results.c - a sweep's results.jsonl records, and the JUnit and
 * KCIDB reports made from them.  The KCIDB report is checked against what
 * KCIDB's v5 schema requires of it: version 5.0; checkouts, builds and
 * tests with their required fields and no other than the schema's; IDs
 * "origin:..." with an origin of [a-z0-9_]; links that resolve; test paths
 * of dot-separated [a-zA-Z0-9_-] words; statuses of the schema's enum; no
 * null anywhere.
 */
#include "sweep-results.h"

#include <json-glib/json-glib.h>
#include <string.h>

static RigSweepResult *
result (guint index, const char *scenario, const char *kernel, const char *expected,
        const char *verdict, gboolean ok)
{
	RigSweepResult *r = g_new0 (RigSweepResult, 1);

	r->index = index;
	r->scenario = g_strdup (scenario);
	r->key = g_strdup_printf ("%s --smp 4 --seed %u --kernel %s", scenario, index, kernel);
	r->kernel = g_strdup (kernel);
	r->expected = g_strdup (expected);
	r->verdict = g_strdup (verdict);
	r->ok = ok;
	r->why = ok ? NULL : g_strdup_printf ("verdict %s, expected %s", verdict, expected);
	r->seconds = 10.5 + index;
	r->start = g_strdup ("2026-12-01T20:00:00Z");
	r->commit = g_strdup ("0123456789abcdef0123456789abcdef01234567");
	r->run_dir = g_strdup_printf ("/tmp/sweep dir/runs/%04u", index);
	return r;
}

static GPtrArray *
sample (void)
{
	GPtrArray *a = g_ptr_array_new_with_free_func ((GDestroyNotify) rig_sweep_result_free);

	g_ptr_array_add (a, result (0, "barrier-stress", "6.1", "pass", "pass", TRUE));
	g_ptr_array_add (a, result (1, "barrier-stress", "6.12", "pass", "fail", FALSE));
	g_ptr_array_add (a, result (2, "msi-stress", "6.1", "pass", "error", FALSE));
	g_ptr_array_add (a, result (3, "triple-fault", "/src/linux O=x", "triple-fault",
	                            "triple-fault", TRUE));
	return a;
}

static void
test_round_trip (void)
{
	g_autoptr(GPtrArray) a = sample ();
	g_autoptr(GPtrArray) back = g_ptr_array_new_with_free_func ((GDestroyNotify) rig_sweep_result_free);
	g_autoptr(GString) text = g_string_new (NULL);
	g_autoptr(GError) error = NULL;

	for (guint i = 0; i < a->len; i++) {
		g_autofree char *line = rig_sweep_result_to_json (a->pdata[i]);

		g_string_append_printf (text, "%s\n", line);
	}
	/* a record from before scenario, kernel, start and commit existed */
	g_string_append (text, "{\"index\": 9, \"key\": \"enum --smp 1\", \"expected\": \"pass\", "
	                 "\"verdict\": \"pass\", \"ok\": true, \"why\": null, \"seconds\": 3.0, "
	                 "\"run_dir\": \"/r/0009\"}\n");
	g_assert_true (rig_sweep_results_parse (text->str, "results.jsonl", back, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (back->len, ==, 5);
	for (guint i = 0; i < a->len; i++) {
		const RigSweepResult *x = a->pdata[i], *y = back->pdata[i];

		g_assert_cmpuint (x->index, ==, y->index);
		g_assert_cmpstr (x->key, ==, y->key);
		g_assert_cmpstr (x->scenario, ==, y->scenario);
		g_assert_cmpstr (x->kernel, ==, y->kernel);
		g_assert_cmpstr (x->verdict, ==, y->verdict);
		g_assert_cmpstr (x->why, ==, y->why);
		g_assert_cmpstr (x->commit, ==, y->commit);
		g_assert_true (x->ok == y->ok);
	}
	{
		const RigSweepResult *old = back->pdata[4];

		g_assert_cmpstr (old->scenario, ==, "enum");
		g_assert_cmpstr (old->kernel, ==, "6.1");
		g_assert_null (old->start);
		g_assert_null (old->why);
	}
	g_assert_false (rig_sweep_results_parse ("{\"index\": 1}\nnot json\n", "f.jsonl", back,
	                                         &error));
	g_assert_nonnull (strstr (error->message, "f.jsonl:2"));
}

typedef struct {
	guint testcases, failures;
	gboolean in_suite;
} JunitCount;

static void
junit_start (G_GNUC_UNUSED GMarkupParseContext *c, const char *element, const char **names,
             const char **values, gpointer data, G_GNUC_UNUSED GError **error)
{
	JunitCount *n = data;

	if (g_str_equal (element, "testsuite")) {
		n->in_suite = TRUE;
		for (guint i = 0; names[i]; i++) {
			if (g_str_equal (names[i], "tests"))
				g_assert_cmpstr (values[i], ==, "4");
			if (g_str_equal (names[i], "failures"))
				g_assert_cmpstr (values[i], ==, "2");
		}
	}
	n->testcases += g_str_equal (element, "testcase");
	n->failures += g_str_equal (element, "failure");
}

static void
test_junit (void)
{
	g_autoptr(GPtrArray) a = sample ();
	g_autofree char *xml = rig_sweep_results_junit (a, "vpci-rig sweep");
	GMarkupParser parser = { .start_element = junit_start };
	JunitCount n = { 0 };
	g_autoptr(GMarkupParseContext) ctx = g_markup_parse_context_new (&parser, 0, &n, NULL);
	g_autoptr(GError) error = NULL;
	/* GMarkup takes no XML declaration */
	const char *body = strstr (xml, "?>") + 2;

	g_assert_true (g_markup_parse_context_parse (ctx, body, -1, &error));
	g_assert_true (g_markup_parse_context_end_parse (ctx, &error));
	g_assert_no_error (error);
	g_assert_true (n.in_suite);
	g_assert_cmpuint (n.testcases, ==, 4);
	g_assert_cmpuint (n.failures, ==, 2);
}

static gboolean
matches (const char *pattern, const char *text)
{
	return g_regex_match_simple (pattern, text, 0, 0);
}

/* Every member of @o is one of @allowed, none is null (recursively), and
 * every one of @required is there. */
static void
check_object (JsonObject *o, const char *const *allowed, const char *const *required)
{
	g_autoptr(GList) members = json_object_get_members (o);

	for (GList *l = members; l; l = l->next) {
		JsonNode *n = json_object_get_member (o, l->data);

		if (!g_strv_contains (allowed, l->data))
			g_error ("member '%s' is not in KCIDB v5's schema here", (char *) l->data);
		g_assert_false (JSON_NODE_HOLDS_NULL (n));
		if (JSON_NODE_HOLDS_OBJECT (n)) {
			g_autoptr(GList) inner = json_object_get_members (json_node_get_object (n));

			for (GList *m = inner; m; m = m->next)
				g_assert_false (JSON_NODE_HOLDS_NULL (
					json_object_get_member (json_node_get_object (n), m->data)));
		}
	}
	for (guint i = 0; required[i]; i++)
		g_assert_true (json_object_has_member (o, required[i]));
}

static void
test_kcidb (void)
{
	static const char *const checkout_allowed[] = {
		"id", "origin", "tree_name", "git_repository_url", "git_commit_hash",
		"git_commit_name", "git_repository_branch", "patchset_files", "patchset_hash",
		"comment", "start_time", "log_url", "log_excerpt", "valid", "misc", NULL };
	static const char *const build_allowed[] = {
		"checkout_id", "id", "origin", "comment", "start_time", "duration", "architecture",
		"command", "compiler", "input_files", "output_files", "config_name", "config_url",
		"log_url", "log_excerpt", "status", "misc", NULL };
	static const char *const test_allowed[] = {
		"build_id", "id", "origin", "environment", "path", "comment", "log_url",
		"log_excerpt", "status", "number", "waived", "start_time", "duration",
		"output_files", "misc", NULL };
	static const char *const checkout_required[] = { "id", "origin", NULL };
	static const char *const build_required[] = { "checkout_id", "id", "origin", NULL };
	static const char *const test_required[] = { "build_id", "id", "origin", NULL };
	static const char *const statuses[] = { "FAIL", "ERROR", "MISS", "PASS", "DONE", "SKIP",
	                                        NULL };
	static const char *const want_status[] = { "PASS", "FAIL", "MISS", "PASS" };
	g_autoptr(GPtrArray) a = sample ();
	g_autofree char *json = rig_sweep_results_kcidb (a, "vpci_rig");
	g_autoptr(JsonParser) parser = json_parser_new ();
	g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
	g_autoptr(GError) error = NULL;
	JsonObject *root, *version;
	JsonArray *checkouts, *builds, *tests;

	g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
	root = json_node_get_object (json_parser_get_root (parser));
	version = json_object_get_object_member (root, "version");
	g_assert_cmpint (json_object_get_int_member (version, "major"), ==, 5);
	g_assert_cmpint (json_object_get_int_member (version, "minor"), ==, 0);
	checkouts = json_object_get_array_member (root, "checkouts");
	builds = json_object_get_array_member (root, "builds");
	tests = json_object_get_array_member (root, "tests");
	g_assert_cmpuint (json_array_get_length (checkouts), ==, 1);
	g_assert_cmpuint (json_array_get_length (builds), ==, 3);   /* 6.1, 6.12, the tree */
	g_assert_cmpuint (json_array_get_length (tests), ==, 4);

	for (guint i = 0; i < json_array_get_length (checkouts); i++) {
		JsonObject *c = json_array_get_object_element (checkouts, i);

		check_object (c, checkout_allowed, checkout_required);
		g_assert_true (matches ("^[a-z0-9_]+:.+$", json_object_get_string_member (c, "id")));
		g_assert_true (matches ("^[0-9a-f]{40}$",
		                        json_object_get_string_member (c, "git_commit_hash")));
		g_hash_table_add (ids, (gpointer) json_object_get_string_member (c, "id"));
	}
	for (guint i = 0; i < json_array_get_length (builds); i++) {
		JsonObject *b = json_array_get_object_element (builds, i);

		check_object (b, build_allowed, build_required);
		g_assert_true (matches ("^[a-z0-9_]+:.+$", json_object_get_string_member (b, "id")));
		g_assert_true (g_hash_table_contains (ids, json_object_get_string_member (b, "checkout_id")));
		g_assert_true (matches ("^[a-z0-9_]*$", json_object_get_string_member (b, "architecture")));
		g_hash_table_add (ids, (gpointer) json_object_get_string_member (b, "id"));
	}
	for (guint i = 0; i < json_array_get_length (tests); i++) {
		JsonObject *t = json_array_get_object_element (tests, i);
		const char *status = json_object_get_string_member (t, "status");

		check_object (t, test_allowed, test_required);
		g_assert_true (matches ("^[a-z0-9_]+$", json_object_get_string_member (t, "origin")));
		g_assert_true (matches ("^[a-z0-9_]+:.+$", json_object_get_string_member (t, "id")));
		g_assert_true (g_hash_table_contains (ids, json_object_get_string_member (t, "build_id")));
		g_assert_false (g_hash_table_contains (ids, json_object_get_string_member (t, "id")));
		g_hash_table_add (ids, (gpointer) json_object_get_string_member (t, "id"));
		g_assert_true (matches ("^([a-zA-Z0-9_-]+(\\.[a-zA-Z0-9_-]+)*)?$",
		                        json_object_get_string_member (t, "path")));
		g_assert_true (g_strv_contains (statuses, status));
		g_assert_cmpstr (status, ==, want_status[i]);
		g_assert_true (g_str_has_prefix (json_object_get_string_member (t, "log_url"),
		                                 "file:///tmp/sweep%20dir/runs/"));
		g_assert_cmpfloat (json_object_get_double_member (t, "duration"), >, 10);
	}
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/sweep-results/round-trip", test_round_trip);
	g_test_add_func ("/sweep-results/junit", test_junit);
	g_test_add_func ("/sweep-results/kcidb", test_kcidb);
	return g_test_run ();
}
