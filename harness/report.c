/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * report.c - print a run's outcome (docs/json.md documents the JSON).
 */
#include "report.h"

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

	/* filled once the vPCI device reports barrier hazards */
	json_builder_set_member_name (b, "hazards");
	json_builder_begin_array (b);
	json_builder_end_array (b);

	json_builder_end_object (b);
	root = json_builder_get_root (b);
	return json_to_string (root, FALSE);
}
