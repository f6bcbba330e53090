/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-hazards.c - parsing and barrier-site attribution of WC hazards.
 */
#include "hazards.h"

/* One of each kind, as hv-vpci writes them (window offsets: select at 0,
 * config page from 0x1000). */
static const char hazards_jsonl[] =
	"{\"seq\": 1, \"kind\": \"load-passes-store\", \"access\": \"load\", \"vcpu\": 2, "
	"\"offset\": 4100, \"size\": 2, \"pc\": \"0xffffffffc025a106\", \"earlier_vcpu\": 2, "
	"\"earlier_offset\": 0, \"earlier_pc\": \"0xffffffffc025a0e0\"}\n"
	"{\"seq\": 2, \"kind\": \"store-passes-store\", \"access\": \"store\", \"vcpu\": 1, "
	"\"offset\": 4112, \"size\": 4, \"pc\": \"0xffffffffc025b001\", \"earlier_vcpu\": 1, "
	"\"earlier_offset\": 0, \"earlier_pc\": \"0xffffffffc025afe1\"}\n"
	"not json at all\n"
	"{\"seq\": 3, \"kind\": \"cross-vcpu\", \"access\": \"store\", \"vcpu\": 3, "
	"\"offset\": 0, \"size\": 4, \"pc\": \"0xffffffffc025afe1\", \"earlier_vcpu\": 0, "
	"\"earlier_offset\": 4112, \"earlier_pc\": \"0xffffffffc025b001\"}\n"
	"{\"seq\": 4, \"kind\": \"cross-vcpu\", \"access\": \"load\", \"vcpu\": 0, "
	"\"offset\": 4100, \"size\": 2, \"pc\": \"0xffffffffc025a106\", \"earlier_vcpu\": 2, "
	"\"earlier_offset\": 0, \"earlier_pc\": \"0xffffffffc025a0e0\"}\n"
	"{\"seq\": 6, \"kind\": \"ram-store-passes-store\", \"access\": \"store\", \"vcpu\": 2, "
	"\"offset\": \"0xffffc90000013838\", \"size\": 0, \"pc\": \"0xffffffffc0258115\", "
	"\"earlier_vcpu\": 2, \"earlier_offset\": 4112, \"earlier_pc\": \"0xffffffffc0258101\"}\n"
	"{\"seq\": 5, \"kind\": \"cross-vcpu\", \"access\": \"load\", \"vcpu\": 0, "
	"\"offset\": 4100, \"size\": 2, \"pc\": \"0xffffffffc025a106\", \"earlier_vcpu\": 3, "
	"\"earlier_offset\": 0, \"earlier_pc\": \"0xffffffffc0250000\"}\n";

static void
test_attribution (void)
{
	g_autoptr(GPtrArray) h = rig_hazards_parse (hazards_jsonl);
	const char *want[] = { "read-select", "write-select", "write-release", "read-select",
	                       "write-release", NULL };

	g_assert_cmpuint (h->len, ==, 6);
	for (guint i = 0; i < 5; i++) {
		const RigHazard *hz = g_ptr_array_index (h, i);

		g_assert_cmpstr (hz->site, ==, want[i]);
	}
	/* a select store no same-vCPU hazard explained */
	g_assert_null (((RigHazard *) g_ptr_array_index (h, 5))->site);
	g_assert_cmphex (((RigHazard *) g_ptr_array_index (h, 0))->pc, ==, 0xffffffffc025a106ULL);
	g_assert_cmpuint (((RigHazard *) g_ptr_array_index (h, 1))->earlier_offset, ==, 0);
}

static void
test_summary (void)
{
	g_autoptr(GPtrArray) h = rig_hazards_parse (hazards_jsonl);
	g_autoptr(GPtrArray) none = rig_hazards_parse ("");
	g_autofree char *s = rig_hazards_summary (h);

	g_assert_cmpstr (s, ==, "6 ordering hazards (read-select 2, write-select 1, "
	                 "write-release 2, unattributed 1)");
	g_assert_null (rig_hazards_summary (none));
	g_assert_null (rig_hazards_summary (NULL));
}

static void
test_symbolize_without_modules (void)
{
	g_autoptr(GPtrArray) h = rig_hazards_parse (hazards_jsonl);

	/* no module-text lines: nothing to name, nothing invented */
	rig_hazards_symbolize (h, "ok 1 - x\n", "/nonexistent");
	for (guint i = 0; i < h->len; i++)
		g_assert_null (((RigHazard *) g_ptr_array_index (h, i))->where);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/hazards/attribution", test_attribution);
	g_test_add_func ("/hazards/summary", test_summary);
	g_test_add_func ("/hazards/symbolize-without-modules", test_symbolize_without_modules);
	return g_test_run ();
}
