/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * report.c - print a run's outcome (docs/json.md documents the JSON).
 */
#include "report.h"
#include "json-out.h"
#include "vpci-hazards.h"
#include "guest-log.h"

static void
print_location (const RigReport *r)
{
	const RigVerdictResult *v = r->result;

	if (v->verdict != RIG_VERDICT_TRIPLE_FAULT)
		return;
	g_print ("triple fault: vCPU %" G_GINT64_FORMAT " at RIP 0x%016" G_GINT64_MODIFIER "x%s%s%s"
	         ", CR2 0x%" G_GINT64_MODIFIER "x\n",
	         v->vcpu, v->rip,
	         r->rip_symbol ? " (" : "", r->rip_symbol ? r->rip_symbol : "",
	         r->rip_symbol ? ")" : "", v->cr2);
}

/* The first few hazards, each with both instructions. */
static void
print_hazards (const RigReport *r)
{
	GPtrArray *hz = r->result->hazards;
	g_autofree char *summary = rig_hazards_summary (hz);

	if (!summary)
		return;
	g_print ("hazards: %s, all in %s/" RIG_HAZARD_LOG "\n", summary, r->run_dir);
	for (guint i = 0; i < hz->len && i < 5; i++) {
		const RigHazard *h = g_ptr_array_index (hz, i);

		g_print ("  %s [%s]: vCPU %d %s at %s+0x%" G_GINT64_MODIFIER "x, pc 0x%"
		         G_GINT64_MODIFIER "x %s\n"
		         "      vs vCPU %d store at window+0x%" G_GINT64_MODIFIER "x, pc 0x%"
		         G_GINT64_MODIFIER "x %s\n",
		         h->kind, h->site ? h->site : "?", h->vcpu, h->access,
		         g_str_equal (h->kind, vpci_hazard_kind_names[VPCI_HAZARD_RAM_STORE_PASSES_STORE]) ?
		         "memory" : "window",
		         h->offset, h->pc,
		         h->where ? h->where : "", h->earlier_vcpu, h->earlier_offset, h->earlier_pc,
		         h->earlier_where ? h->earlier_where : "");
	}
}

void
rig_report_print_text (const RigReport *r)
{
	const RigVerdictResult *v = r->result;

	g_print ("reason: %s\n", v->reason);
	print_location (r);
	if (v->tap.have_plan || v->tap.run)
		g_print ("tap: %u planned, %u passed, %u failed\n",
		         v->tap.planned, v->tap.passed, v->tap.failed);
	if (v->tap.trigger)
		g_print ("guest: %s\n", v->tap.trigger);
	if (r->registers)
		g_print ("registers: %s/%s\n", r->run_dir, r->registers);
	print_hazards (r);
	g_print ("time: %.1f s\n", r->seconds);
	g_print ("verdict: %s\n", rig_verdict_to_string (v->verdict));
}

static void
add_log (JsonBuilder *b, const char *key, const char *dir, const char *file)
{
	g_autofree char *path = NULL;

	json_builder_set_member_name (b, key);
	if (!file) {
		json_builder_add_null_value (b);
		return;
	}
	path = g_build_filename (dir, file, NULL);
	if (g_file_test (path, G_FILE_TEST_EXISTS))
		json_builder_add_string_value (b, path);
	else
		json_builder_add_null_value (b);
}

static void
add_hex (JsonBuilder *b, const char *key, guint64 value)
{
	g_autofree char *s = g_strdup_printf ("0x%" G_GINT64_MODIFIER "x", value);

	json_builder_set_member_name (b, key);
	json_builder_add_string_value (b, s);
}

static void
add_hazard (JsonBuilder *b, const RigHazard *h)
{
	json_builder_begin_object (b);
	rig_json_add_string_or_null (b, "kind", h->kind);
	rig_json_add_string_or_null (b, "site", h->site);
	rig_json_add_string_or_null (b, "access", h->access);
	json_builder_set_member_name (b, "vcpu");
	json_builder_add_int_value (b, h->vcpu);
	add_hex (b, "offset", h->offset);
	json_builder_set_member_name (b, "size");
	json_builder_add_int_value (b, h->size);
	add_hex (b, "pc", h->pc);
	rig_json_add_string_or_null (b, "pc_symbol", h->where);
	json_builder_set_member_name (b, "earlier_vcpu");
	json_builder_add_int_value (b, h->earlier_vcpu);
	add_hex (b, "earlier_offset", h->earlier_offset);
	add_hex (b, "earlier_pc", h->earlier_pc);
	rig_json_add_string_or_null (b, "earlier_pc_symbol", h->earlier_where);
	json_builder_end_object (b);
}

char *
rig_report_to_json (const RigReport *r)
{
	const RigVerdictResult *v = r->result;
	g_autoptr(JsonBuilder) b = json_builder_new ();
	g_autoptr(JsonNode) root = NULL;

	json_builder_begin_object (b);
	json_builder_set_member_name (b, "scenario");
	json_builder_add_string_value (b, r->opts->scenario);
	json_builder_set_member_name (b, "verdict");
	json_builder_add_string_value (b, rig_verdict_to_string (v->verdict));
	json_builder_set_member_name (b, "reason");
	json_builder_add_string_value (b, v->reason);

	json_builder_set_member_name (b, "vcpu");
	if (v->have_vcpu)
		json_builder_add_int_value (b, v->vcpu);
	else
		json_builder_add_null_value (b);
	json_builder_set_member_name (b, "rip");
	if (v->have_rip) {
		g_autofree char *hex = g_strdup_printf ("0x%016" G_GINT64_MODIFIER "x", v->rip);
		json_builder_add_string_value (b, hex);
	} else {
		json_builder_add_null_value (b);
	}
	json_builder_set_member_name (b, "rip_symbol");
	if (v->have_rip && r->rip_symbol)
		json_builder_add_string_value (b, r->rip_symbol);
	else
		json_builder_add_null_value (b);

	json_builder_set_member_name (b, "seconds");
	json_builder_add_double_value (b, ((gint64) (r->seconds * 1000)) / 1000.0);
	json_builder_set_member_name (b, "smp");
	json_builder_add_int_value (b, r->opts->smp);
	json_builder_set_member_name (b, "cpu");
	json_builder_add_int_value (b, r->opts->cpu);
	json_builder_set_member_name (b, "seed");
	json_builder_add_int_value (b, (gint64) r->opts->seed);
	json_builder_set_member_name (b, "run_dir");
	json_builder_add_string_value (b, r->run_dir);

	json_builder_set_member_name (b, "logs");
	json_builder_begin_object (b);
	add_log (b, "console", r->run_dir, "console.log");
	add_log (b, "tap", r->run_dir, "tap.log");
	add_log (b, "qemu", r->run_dir, "qemu.log");
	add_log (b, "qemu_stderr", r->run_dir, "qemu-stderr.log");
	add_log (b, "qmp_events", r->run_dir, "qmp-events.jsonl");
	add_log (b, "cmdline", r->run_dir, "cmdline");
	add_log (b, "registers", r->run_dir, r->registers);
	json_builder_end_object (b);

	json_builder_set_member_name (b, "tap");
	json_builder_begin_object (b);
	json_builder_set_member_name (b, "planned");
	if (v->tap.have_plan)
		json_builder_add_int_value (b, v->tap.planned);
	else
		json_builder_add_null_value (b);
	json_builder_set_member_name (b, "passed");
	json_builder_add_int_value (b, v->tap.passed);
	json_builder_set_member_name (b, "failed");
	json_builder_add_int_value (b, v->tap.failed);
	json_builder_end_object (b);

	json_builder_set_member_name (b, "hazards");
	json_builder_begin_array (b);
	for (guint i = 0; v->hazards && i < v->hazards->len; i++)
		add_hazard (b, g_ptr_array_index (v->hazards, i));
	json_builder_end_array (b);

	json_builder_set_member_name (b, "guest_kernel");
	json_builder_begin_array (b);
	for (guint i = 0; v->guest_evidence && i < v->guest_evidence->len; i++) {
		const RigGuestEvidence *e = g_ptr_array_index (v->guest_evidence, i);

		json_builder_begin_object (b);
		json_builder_set_member_name (b, "message");
		json_builder_add_string_value (b, e->what);
		json_builder_set_member_name (b, "count");
		json_builder_add_int_value (b, e->count);
		json_builder_set_member_name (b, "first");
		json_builder_add_string_value (b, e->first);
		json_builder_end_object (b);
	}
	json_builder_end_array (b);

	json_builder_end_object (b);
	root = json_builder_get_root (b);
	return json_to_string (root, FALSE);
}
