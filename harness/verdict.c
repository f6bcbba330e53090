/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * verdict.c - classify one boot (the verdict table of docs/design.md).
 *
 * Evidence, in order of precedence:
 *
 *   QEMU did not start, or died without a guest-caused stop   error
 *   GUEST_TRIPLE_FAULT (names vCPU and RIP)                   triple-fault
 *   GUEST_PANICKED, SHUTDOWN guest-panic, console panic       panic
 *   SHUTDOWN guest-reset (or RESET from the guest)            reset
 *   timed out (no guest-caused stop)                          hang
 *   SHUTDOWN guest-shutdown, TAP complete and all ok          pass
 *   SHUTDOWN guest-shutdown otherwise                         fail
 *
 * Events the harness causes itself (SHUTDOWN host-qmp-quit after our quit,
 * STOP after our stop) are not evidence.
 */
#include "verdict.h"
#include "guest-log.h"
#include "lines.h"
#include "enum-check.h"

#include <string.h>

static const char *const verdict_names[] = {
	[RIG_VERDICT_PASS] = "pass",
	[RIG_VERDICT_FAIL] = "fail",
	[RIG_VERDICT_TRIPLE_FAULT] = "triple-fault",
	[RIG_VERDICT_RESET] = "reset",
	[RIG_VERDICT_PANIC] = "panic",
	[RIG_VERDICT_HANG] = "hang",
	[RIG_VERDICT_ERROR] = "error",
};

const char *
rig_verdict_to_string (RigVerdict verdict)
{
	g_return_val_if_fail (verdict < G_N_ELEMENTS (verdict_names), "error");
	return verdict_names[verdict];
}

gboolean
rig_verdict_from_string (const char *text, RigVerdict *verdict)
{
	for (guint i = 0; i < G_N_ELEMENTS (verdict_names); i++) {
		if (g_strcmp0 (text, verdict_names[i]) == 0) {
			*verdict = i;
			return TRUE;
		}
	}
	return FALSE;
}

RigTranscript *
rig_transcript_new (void)
{
	RigTranscript *t = g_new0 (RigTranscript, 1);

	t->events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
	t->event_lines = g_ptr_array_new_with_free_func (g_free);
	t->host_failures = g_ptr_array_new_with_free_func (g_free);
	t->exit_status = -1;
	t->host_greeting = t->host_stop = t->host_exit = -1;
	return t;
}

void
rig_transcript_free (RigTranscript *t)
{
	if (!t)
		return;
	g_ptr_array_unref (t->events);
	g_ptr_array_unref (t->event_lines);
	g_free (t->tap);
	g_free (t->console);
	g_free (t->infra_error);
	g_free (t->query_pci);
	g_ptr_array_unref (t->host_failures);
	g_free (t->hazards);
	g_free (t);
}

void
rig_verdict_result_clear (RigVerdictResult *result)
{
	g_clear_pointer (&result->reason, g_free);
	g_clear_pointer (&result->hazards, g_ptr_array_unref);
	g_clear_pointer (&result->guest_evidence, g_ptr_array_unref);
	rig_tap_clear (&result->tap);
}

static const char *
event_name (JsonObject *ev)
{
	return json_object_get_string_member_with_default (ev, "event", "");
}

static JsonObject *
event_data (JsonObject *ev)
{
	if (!json_object_has_member (ev, "data"))
		return NULL;
	return json_object_get_object_member (ev, "data");
}

static const char *
shutdown_reason (JsonObject *ev)
{
	JsonObject *data = event_data (ev);

	return data ? json_object_get_string_member_with_default (data, "reason", "") : "";
}

/* JSON numbers above G_MAXINT64 (kernel RIPs) arrive as doubles or wrapped
 * gint64s depending on json-glib; read them back as the unsigned value. */
static guint64
get_u64 (JsonObject *obj, const char *member)
{
	JsonNode *node = json_object_get_member (obj, member);

	if (!node || JSON_NODE_TYPE (node) != JSON_NODE_VALUE)
		return 0;
	if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
		return (guint64) json_node_get_double (node);
	return (guint64) json_node_get_int (node);
}

static gboolean
console_has_panic (const char *console)
{
	return console && strstr (console, "Kernel panic") != NULL;
}

static char *
describe_exit (const RigTranscript *t)
{
	if (!t->qemu_exited)
		return g_strdup ("QEMU did not exit");
	if (t->exit_signal)
		return g_strdup_printf ("QEMU was killed by signal %d (%s)", t->exit_signal,
		                        g_strsignal (t->exit_signal));
	return g_strdup_printf ("QEMU exited with status %d", t->exit_status);
}

static void classify (const RigTranscript *t, RigVerdictResult *r);

/*
 * The verdict, then what the guest kernel said about interrupts appended to
 * its reason: evidence, never a verdict of its own (a spurious interrupt
 * at boot is no failure), but what a lost interrupt leaves behind.
 */
void
rig_classify (const RigTranscript *t, RigVerdictResult *r)
{
	g_autofree char *summary = NULL;
	GPtrArray *evidence = rig_guest_evidence_scan (t->console);

	classify (t, r);
	r->guest_evidence = evidence;
	summary = rig_guest_evidence_summary (evidence);
	if (summary && r->verdict != RIG_VERDICT_ERROR) {
		char *reason = g_strdup_printf ("%s; guest kernel: %s", r->reason, summary);

		g_free (r->reason);
		r->reason = reason;
	}
}

static void
classify (const RigTranscript *t, RigVerdictResult *r)
{
	JsonObject *triple = NULL, *panicked = NULL, *shutdown = NULL;
	gboolean guest_reset = FALSE;

	memset (r, 0, sizeof *r);
	rig_tap_parse (t->tap, &r->tap);
	r->hazards = rig_hazards_parse (t->hazards);

	if (t->infra_error) {
		r->verdict = RIG_VERDICT_ERROR;
		r->reason = g_strdup (t->infra_error);
		return;
	}
	if (!t->qemu_started) {
		g_autofree char *how = describe_exit (t);

		r->verdict = RIG_VERDICT_ERROR;
		r->reason = g_strdup_printf ("QEMU did not start: %s before the QMP greeting", how);
		return;
	}

	for (guint i = 0; i < t->events->len; i++) {
		JsonObject *ev = g_ptr_array_index (t->events, i);
		const char *name = event_name (ev);

		if (g_str_equal (name, "GUEST_TRIPLE_FAULT")) {
			if (!triple)
				triple = ev;
		} else if (g_str_equal (name, "GUEST_PANICKED")) {
			if (!panicked)
				panicked = ev;
		} else if (g_str_equal (name, "SHUTDOWN")) {
			const char *reason = shutdown_reason (ev);

			/* host-* reasons are our quit or a signal: not evidence */
			if (!shutdown && g_str_has_prefix (reason, "guest-"))
				shutdown = ev;
			if (g_str_equal (reason, "guest-panic") && !panicked)
				panicked = ev;
		} else if (g_str_equal (name, "RESET")) {
			JsonObject *data = event_data (ev);

			if (data && json_object_get_boolean_member_with_default (data, "guest", FALSE))
				guest_reset = TRUE;
		}
	}
	if (shutdown && g_str_equal (shutdown_reason (shutdown), "guest-reset"))
		guest_reset = TRUE;

	if (triple) {
		JsonObject *data = event_data (triple);

		r->verdict = RIG_VERDICT_TRIPLE_FAULT;
		if (data) {
			r->have_vcpu = json_object_has_member (data, "cpu-index");
			r->vcpu = json_object_get_int_member_with_default (data, "cpu-index", -1);
			r->have_rip = json_object_has_member (data, "rip");
			r->rip = get_u64 (data, "rip");
			r->cr2 = get_u64 (data, "cr2");
		}
		r->reason = g_strdup_printf ("QMP GUEST_TRIPLE_FAULT on vCPU %" G_GINT64_FORMAT
		                             " at RIP 0x%016" G_GINT64_MODIFIER "x",
		                             r->vcpu, r->rip);
		return;
	}
	if (panicked) {
		r->verdict = RIG_VERDICT_PANIC;
		r->reason = g_strdup_printf ("QMP %s%s", event_name (panicked),
		                             g_str_equal (event_name (panicked), "SHUTDOWN") ?
		                             " reason guest-panic" : "");
		return;
	}
	if (console_has_panic (t->console)) {
		r->verdict = RIG_VERDICT_PANIC;
		r->reason = g_strdup ("\"Kernel panic\" on the console");
		return;
	}
	if (guest_reset) {
		r->verdict = RIG_VERDICT_RESET;
		r->reason = g_strdup ("QMP SHUTDOWN reason guest-reset without a triple fault");
		return;
	}
	if (shutdown && g_str_equal (shutdown_reason (shutdown), "guest-shutdown")) {
		g_autofree char *enum_problem = NULL;
		g_autofree char *hazard_summary = rig_hazards_summary (r->hazards);

		if (rig_tap_all_ok (&r->tap) && t->host_failures->len) {
			/* the guest was happy, the host side was not (hotplug) */
			r->verdict = RIG_VERDICT_FAIL;
			r->reason = g_strdup_printf ("guest powered off; TAP %u/%u ok, but host: %s",
			                             r->tap.passed, r->tap.planned,
			                             (char *) g_ptr_array_index (t->host_failures, 0));
		} else if (rig_tap_all_ok (&r->tap) &&
		           !rig_enum_check (t->query_pci, t->tap, &enum_problem)) {
			r->verdict = RIG_VERDICT_FAIL;
			r->reason = g_strdup_printf ("guest powered off; TAP %u/%u ok, but %s",
			                             r->tap.passed, r->tap.planned, enum_problem);
		} else if (rig_tap_all_ok (&r->tap) && hazard_summary && !t->expect_hazards) {
			/* the model saw a missing barrier even if no value went wrong */
			r->verdict = RIG_VERDICT_FAIL;
			r->reason = g_strdup_printf ("guest powered off; TAP %u/%u ok, but the WC "
			                             "model saw %s", r->tap.passed, r->tap.planned,
			                             hazard_summary);
		} else if (rig_tap_all_ok (&r->tap)) {
			r->verdict = RIG_VERDICT_PASS;
			r->reason = g_strdup_printf ("guest powered off; TAP %u/%u ok",
			                             r->tap.passed, r->tap.planned);
		} else {
			r->verdict = RIG_VERDICT_FAIL;
			if (r->tap.failed)
				r->reason = g_strdup_printf ("guest powered off; TAP: %u failed, first: %s",
				                             r->tap.failed, r->tap.first_failure);
			else if (r->tap.bailed_out)
				r->reason = g_strdup ("guest powered off; TAP bailed out");
			else if (!r->tap.have_plan)
				r->reason = g_strdup ("guest powered off; no TAP plan");
			else
				r->reason = g_strdup_printf ("guest powered off; TAP incomplete: %u of %u planned",
				                             r->tap.run, r->tap.planned);
		}
		return;
	}
	if (t->timed_out) {
		r->verdict = RIG_VERDICT_HANG;
		/* no TAP at all: nothing of the scenario ran, whatever it was
		 * (the int3 hang of docs/robustness.md looks like this) */
		r->reason = g_strdup (t->tap && *t->tap ?
		                      "no guest-caused stop before the timeout" :
		                      "no guest-caused stop before the timeout, and no TAP: the "
		                      "agent never started (firmware or kernel boot hung)");
		return;
	}
	if (shutdown) {
		/* guest-* causes we do not know (e.g. a future QEMU's) */
		r->verdict = RIG_VERDICT_ERROR;
		r->reason = g_strdup_printf ("QMP SHUTDOWN with unexpected reason %s",
		                             shutdown_reason (shutdown));
		return;
	}

	{
		g_autofree char *how = describe_exit (t);

		r->verdict = RIG_VERDICT_ERROR;
		r->reason = g_strdup_printf ("%s without a guest-caused stop", how);
	}
}

/* ---------------------------------------------------------------- files */

#define TRANSCRIPT_INI "transcript.ini"
#define EVENTS_FILE "qmp-events.jsonl"
#define QUERY_PCI_FILE "query-pci.json"

static char *
read_optional (const char *dir, const char *name, GError **error)
{
	g_autofree char *path = g_build_filename (dir, name, NULL);
	g_autoptr(GError) local = NULL;
	char *contents = NULL;

	if (!g_file_get_contents (path, &contents, NULL, &local)) {
		if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return g_strdup ("");
		g_propagate_error (error, g_steal_pointer (&local));
		return NULL;
	}
	return contents;
}

/* [timing] KEY: host seconds; *v stays -1 when the key is absent (older runs). */
static void
load_seconds (GKeyFile *kf, const char *key, double *v)
{
	if (g_key_file_has_key (kf, "timing", key, NULL))
		*v = g_key_file_get_double (kf, "timing", key, NULL);
}

static void
save_seconds (GKeyFile *kf, const char *key, double v)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	if (v >= 0)
		g_key_file_set_value (kf, "timing", key, g_ascii_formatd (buf, sizeof buf, "%.6f", v));
}

RigTranscript *
rig_transcript_load (const char *dir, GError **error)
{
	g_autoptr(RigTranscript) t = rig_transcript_new ();
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autofree char *ini = g_build_filename (dir, TRANSCRIPT_INI, NULL);
	g_autofree char *events = NULL;
	g_auto(GStrv) lines = NULL;

	if (!g_key_file_load_from_file (kf, ini, G_KEY_FILE_NONE, error))
		return NULL;
	t->qemu_started = g_key_file_get_boolean (kf, "transcript", "qemu-started", NULL);
	t->timed_out = g_key_file_get_boolean (kf, "transcript", "timed-out", NULL);
	t->qemu_exited = g_key_file_get_boolean (kf, "transcript", "qemu-exited", NULL);
	t->exit_status = g_key_file_has_key (kf, "transcript", "exit-status", NULL) ?
		g_key_file_get_integer (kf, "transcript", "exit-status", NULL) : -1;
	t->exit_signal = g_key_file_get_integer (kf, "transcript", "exit-signal", NULL);
	t->infra_error = g_key_file_get_string (kf, "transcript", "infra-error", NULL);
	t->expect_hazards = g_key_file_get_boolean (kf, "transcript", "expect-hazards", NULL);
	load_seconds (kf, "greeting", &t->host_greeting);
	load_seconds (kf, "stop", &t->host_stop);
	load_seconds (kf, "exit", &t->host_exit);
	{
		g_autofree char *hz = g_build_filename (dir, RIG_HAZARD_LOG, NULL);

		if (!g_file_get_contents (hz, &t->hazards, NULL, NULL))
			t->hazards = NULL;
	}
	{
		g_auto(GStrv) hf = g_key_file_get_string_list (kf, "transcript", "host-failures",
		                                               NULL, NULL);

		for (guint i = 0; hf && hf[i]; i++)
			g_ptr_array_add (t->host_failures, g_strdup (hf[i]));
	}
	{
		g_autofree char *qp = g_build_filename (dir, QUERY_PCI_FILE, NULL);

		if (!g_file_get_contents (qp, &t->query_pci, NULL, NULL))
			t->query_pci = NULL;
	}

	events = read_optional (dir, EVENTS_FILE, error);
	if (!events)
		return NULL;
	lines = rig_split_lines (events);
	for (guint i = 0; lines[i]; i++) {
		g_autoptr(JsonNode) node = NULL;
		g_autoptr(GError) local = NULL;

		if (*g_strstrip (lines[i]) == '\0')
			continue;
		node = json_from_string (lines[i], &local);
		if (!node || !JSON_NODE_HOLDS_OBJECT (node)) {
			g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			             "%s/%s line %u: %s", dir, EVENTS_FILE, i + 1,
			             local ? local->message : "not a JSON object");
			return NULL;
		}
		g_ptr_array_add (t->events, json_node_dup_object (node));
		g_ptr_array_add (t->event_lines, g_strdup (lines[i]));
	}

	t->tap = read_optional (dir, "tap.log", error);
	if (!t->tap)
		return NULL;
	t->console = read_optional (dir, "console.log", error);
	if (!t->console)
		return NULL;
	return g_steal_pointer (&t);
}

/* Saves transcript.ini and qmp-events.jsonl; the logs are already there. */
gboolean
rig_transcript_save (const RigTranscript *t, const char *dir, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autoptr(GString) events = g_string_new (NULL);
	g_autofree char *ini = g_build_filename (dir, TRANSCRIPT_INI, NULL);
	g_autofree char *evpath = g_build_filename (dir, EVENTS_FILE, NULL);

	g_key_file_set_boolean (kf, "transcript", "qemu-started", t->qemu_started);
	g_key_file_set_boolean (kf, "transcript", "timed-out", t->timed_out);
	g_key_file_set_boolean (kf, "transcript", "expect-hazards", t->expect_hazards);
	g_key_file_set_boolean (kf, "transcript", "qemu-exited", t->qemu_exited);
	if (t->exit_status >= 0)
		g_key_file_set_integer (kf, "transcript", "exit-status", t->exit_status);
	if (t->exit_signal)
		g_key_file_set_integer (kf, "transcript", "exit-signal", t->exit_signal);
	if (t->infra_error)
		g_key_file_set_string (kf, "transcript", "infra-error", t->infra_error);
	if (t->host_failures->len)
		g_key_file_set_string_list (kf, "transcript", "host-failures",
		                            (const char *const *) t->host_failures->pdata,
		                            t->host_failures->len);
	save_seconds (kf, "greeting", t->host_greeting);
	save_seconds (kf, "stop", t->host_stop);
	save_seconds (kf, "exit", t->host_exit);
	if (!g_key_file_save_to_file (kf, ini, error))
		return FALSE;
	if (t->query_pci) {
		g_autofree char *qp = g_build_filename (dir, QUERY_PCI_FILE, NULL);

		if (!g_file_set_contents (qp, t->query_pci, -1, error))
			return FALSE;
	}

	for (guint i = 0; i < t->events->len; i++) {
		g_autoptr(JsonNode) node = NULL;
		g_autofree char *line = NULL;

		/* verbatim when we have it: json-glib would print a kernel RIP
		 * (above G_MAXINT64) as a negative number */
		if (t->event_lines->len == t->events->len) {
			g_string_append_printf (events, "%s\n", (char *) g_ptr_array_index (t->event_lines, i));
			continue;
		}
		node = json_node_init_object (json_node_alloc (), g_ptr_array_index (t->events, i));
		line = json_to_string (node, FALSE);
		g_string_append_printf (events, "%s\n", line);
	}
	return g_file_set_contents (evpath, events->str, events->len, error);
}
