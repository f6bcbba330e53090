/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-verdict.c - the classifier on recorded transcripts.
 *
 * Every directory under transcripts/ is a run directory as the harness
 * saves it (transcript.ini, qmp-events.jsonl, tap.log, console.log) plus an
 * [expect] group in transcript.ini: verdict, and optionally vcpu and rip.
 * Each becomes the test /verdict/transcript/<dir>.
 */
#include "symbols.h"
#include "verdict.h"
#include "guest-log.h"

#include <string.h>

#include <glib/gstdio.h>

static void
test_transcript (gconstpointer data)
{
	const char *name = data;
	g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "transcripts", name, NULL);
	g_autofree char *ini = g_build_filename (dir, "transcript.ini", NULL);
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autoptr(GError) error = NULL;
	g_autoptr(RigTranscript) t = NULL;
	g_autofree char *want = NULL;
	RigVerdictResult r;

	g_assert_true (g_key_file_load_from_file (kf, ini, G_KEY_FILE_NONE, &error));
	want = g_key_file_get_string (kf, "expect", "verdict", &error);
	g_assert_no_error (error);

	t = rig_transcript_load (dir, &error);
	g_assert_no_error (error);
	rig_classify (t, &r);
	g_test_message ("%s: %s (%s)", name, rig_verdict_to_string (r.verdict), r.reason);
	g_assert_cmpstr (rig_verdict_to_string (r.verdict), ==, want);
	g_assert_nonnull (r.reason);

	if (g_key_file_has_key (kf, "expect", "vcpu", NULL)) {
		g_assert_true (r.have_vcpu);
		g_assert_cmpint (r.vcpu, ==, g_key_file_get_int64 (kf, "expect", "vcpu", NULL));
	}
	if (g_key_file_has_key (kf, "expect", "rip", NULL)) {
		g_autofree char *rip = g_key_file_get_string (kf, "expect", "rip", NULL);

		g_assert_true (r.have_rip);
		g_assert_cmphex (r.rip, ==, g_ascii_strtoull (rip, NULL, 16));
	}
	rig_verdict_result_clear (&r);
}

/* The same transcript saved and loaded again classifies the same way. */
static void
test_roundtrip (void)
{
	g_autofree char *src = g_test_build_filename (G_TEST_DIST, "transcripts", "triple-fault-cpu3", NULL);
	g_autofree char *tmp = g_dir_make_tmp ("test-verdict-XXXXXX", NULL);
	g_autoptr(RigTranscript) t = NULL;
	g_autoptr(RigTranscript) t2 = NULL;
	g_autoptr(GError) error = NULL;
	RigVerdictResult r;

	t = rig_transcript_load (src, &error);
	g_assert_no_error (error);
	/* a run saved before [timing] existed: every time unknown */
	g_assert_cmpfloat (t->host_greeting, <, 0);
	g_assert_cmpfloat (t->host_stop, <, 0);
	g_assert_cmpfloat (t->host_exit, <, 0);
	t->host_stop = 2.5456651;
	t->host_exit = 2.552179;
	g_assert_true (rig_transcript_save (t, tmp, &error));
	g_assert_no_error (error);
	t2 = rig_transcript_load (tmp, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (t2->events->len, ==, t->events->len);
	/* microseconds survive, an unknown time stays unknown */
	g_assert_cmpfloat (t2->host_greeting, <, 0);
	g_assert_cmpfloat_with_epsilon (t2->host_stop, 2.545665, 1e-9);
	g_assert_cmpfloat_with_epsilon (t2->host_exit, 2.552179, 1e-9);
	rig_classify (t2, &r);
	g_assert_cmpint (r.verdict, ==, RIG_VERDICT_TRIPLE_FAULT);
	g_assert_cmpint (r.vcpu, ==, 3);
	g_assert_cmphex (r.rip, ==, 0xffffffff81c01a2bULL);
	rig_verdict_result_clear (&r);

	for (const char *const *f = (const char *const[]) { "transcript.ini", "qmp-events.jsonl", NULL }; *f; f++) {
		g_autofree char *p = g_build_filename (tmp, *f, NULL);
		g_unlink (p);
	}
	g_rmdir (tmp);
}

/* Built in code: precedence corners not worth a directory each. */
static JsonObject *
event (const char *json)
{
	g_autoptr(JsonNode) node = json_from_string (json, NULL);

	g_assert_nonnull (node);
	return json_node_dup_object (node);
}

static void
test_precedence (void)
{
	g_autoptr(RigTranscript) t = rig_transcript_new ();
	RigVerdictResult r;

	t->qemu_started = TRUE;
	t->qemu_exited = TRUE;
	t->exit_status = 0;
	t->timed_out = TRUE;
	t->console = g_strdup ("[ 1.0] Kernel panic - not syncing: hung\n");
	/* console panic beats the timeout */
	rig_classify (t, &r);
	g_assert_cmpint (r.verdict, ==, RIG_VERDICT_PANIC);
	rig_verdict_result_clear (&r);

	/* a timeout with no TAP says the agent never started */
	g_clear_pointer (&t->console, g_free);
	rig_classify (t, &r);
	g_assert_cmpint (r.verdict, ==, RIG_VERDICT_HANG);
	g_assert_nonnull (strstr (r.reason, "agent never started"));
	rig_verdict_result_clear (&r);
	t->tap = g_strdup ("TAP version 13\n1..2\n");
	rig_classify (t, &r);
	g_assert_cmpint (r.verdict, ==, RIG_VERDICT_HANG);
	g_assert_null (strstr (r.reason, "agent never started"));
	rig_verdict_result_clear (&r);
	g_clear_pointer (&t->tap, g_free);
	t->console = g_strdup ("[ 1.0] Kernel panic - not syncing: hung\n");

	/* a triple fault beats everything the guest did afterwards */
	g_ptr_array_add (t->events, event ("{\"event\":\"GUEST_TRIPLE_FAULT\",\"data\":{\"cpu-index\":1,\"rip\":4096,\"cr2\":0}}"));
	rig_classify (t, &r);
	g_assert_cmpint (r.verdict, ==, RIG_VERDICT_TRIPLE_FAULT);
	g_assert_cmpint (r.vcpu, ==, 1);
	rig_verdict_result_clear (&r);

	/* the kernel's interrupt complaints go into the reason, as evidence */
	g_clear_pointer (&t->console, g_free);
	t->console = g_strdup ("[ 3.1] __common_interrupt: 2.34 No irq handler for vector\n"
	                       "vpci-agent: ok 10 - no 'No irq handler for vector' lines\n"
	                       "[ 3.2] No irq handler for 1.34\n"
	                       "[ 3.3] irq 24: nobody cared (try booting with the \"irqpoll\" option)\n");
	rig_classify (t, &r);
	g_assert_cmpint (r.verdict, ==, RIG_VERDICT_TRIPLE_FAULT);
	g_assert_cmpuint (r.guest_evidence->len, ==, 2);
	g_assert_cmpuint (((RigGuestEvidence *) r.guest_evidence->pdata[0])->count, ==, 2);
	g_assert_cmpstr (((RigGuestEvidence *) r.guest_evidence->pdata[0])->first, ==,
	                 "[ 3.1] __common_interrupt: 2.34 No irq handler for vector");
	g_assert_nonnull (strstr (r.reason, "guest kernel: 2 x 'No irq handler for'"));
	g_assert_nonnull (strstr (r.reason, "1 x 'nobody cared'"));
	rig_verdict_result_clear (&r);

	/* the harness's own error beats everything */
	t->infra_error = g_strdup ("interrupted");
	rig_classify (t, &r);
	g_assert_cmpint (r.verdict, ==, RIG_VERDICT_ERROR);
	g_assert_cmpstr (r.reason, ==, "interrupted");
	rig_verdict_result_clear (&r);
}

static void
test_symbolize (void)
{
	g_autofree char *tmp = g_dir_make_tmp ("test-symbols-XXXXXX", NULL);
	g_autofree char *map = g_build_filename (tmp, "System.map", NULL);
	g_autofree char *s = NULL;

	g_assert_true (g_file_set_contents (map,
		"ffffffff81000000 T _text\n"
		"ffffffff81001000 t helper\n"
		"ffffffff81002000 D some_data\n"
		"ffffffffc0212000 t vpci_fault_triple\t[vpci_fault]\n", -1, NULL));
	s = rig_symbolize (map, 0xffffffff81001010ULL);
	g_assert_cmpstr (s, ==, "helper+0x10");
	g_clear_pointer (&s, g_free);
	s = rig_symbolize (map, 0xffffffff81002008ULL);   /* data symbols do not count */
	g_assert_cmpstr (s, ==, "helper+0x1008");
	g_clear_pointer (&s, g_free);
	s = rig_symbolize (map, 0xffffffffc0212055ULL);
	g_assert_cmpstr (s, ==, "vpci_fault_triple+0x55 [vpci_fault]");
	g_clear_pointer (&s, g_free);
	g_assert_null (rig_symbolize (map, 0x1000));
	g_assert_null (rig_symbolize ("/nonexistent/System.map", 0xffffffff81001010ULL));
	g_unlink (map);
	g_rmdir (tmp);
}

static void
test_names (void)
{
	for (RigVerdict v = RIG_VERDICT_PASS; v <= RIG_VERDICT_ERROR; v++) {
		RigVerdict back;

		g_assert_true (rig_verdict_from_string (rig_verdict_to_string (v), &back));
		g_assert_cmpint (back, ==, v);
	}
	g_assert_false (rig_verdict_from_string ("ok", &(RigVerdict) { 0 }));
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
	return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

int
main (int argc, char **argv)
{
	g_autofree char *dir = NULL;
	g_autoptr(GDir) d = NULL;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
	const char *name;

	g_test_init (&argc, &argv, NULL);
	dir = g_test_build_filename (G_TEST_DIST, "transcripts", NULL);
	d = g_dir_open (dir, 0, NULL);
	g_assert_nonnull (d);
	while ((name = g_dir_read_name (d)))
		g_ptr_array_add (names, g_strdup (name));
	g_ptr_array_sort (names, compare_names);
	for (guint i = 0; i < names->len; i++) {
		g_autofree char *path = g_strdup_printf ("/verdict/transcript/%s",
		                                         (char *) g_ptr_array_index (names, i));
		g_test_add_data_func (path, g_ptr_array_index (names, i), test_transcript);
	}
	g_test_add_func ("/verdict/roundtrip", test_roundtrip);
	g_test_add_func ("/verdict/precedence", test_precedence);
	g_test_add_func ("/verdict/names", test_names);
	g_test_add_func ("/symbols/lookup", test_symbolize);
	return g_test_run ();
}
