/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-hazards.c - parsing and barrier-site attribution of WC hazards.
 */
#include "hazards.h"

#include <glib/gstdio.h>

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
	rig_hazards_symbolize (h, "ok 1 - x\n", "/nonexistent", NULL);
	for (guint i = 0; i < h->len; i++)
		g_assert_null (((RigHazard *) g_ptr_array_index (h, i))->where);
}

static GPtrArray *looked_up;

/* A fake addr2line: "f<offset> (fake.c:1)" for each offset asked. */
static GStrv
fake_lookup (const char *ko, GPtrArray *offsets)
{
	g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

	g_assert_true (g_str_has_suffix (ko, "/hv_vpci.ko"));
	for (guint i = 0; i < offsets->len; i++) {
		guint64 off = *(guint64 *) g_ptr_array_index (offsets, i);

		g_ptr_array_add (looked_up, g_memdup2 (&off, sizeof off));
		g_autofree char *name = g_strdup_printf ("f%" G_GINT64_MODIFIER "x (fake.c:1)", off);

		g_strv_builder_add (b, name);
	}
	return g_strv_builder_end (b);
}

/* PCs in a module the TAP log placed are looked up as offsets from its
 * .text in that module's .ko; the answers land on the right hazards. */
static void
test_symbolize_offsets (void)
{
	g_autoptr(GPtrArray) h = rig_hazards_parse (hazards_jsonl);
	g_autofree char *dir = g_dir_make_tmp ("test-hazards.XXXXXX", NULL);
	g_autofree char *ko = g_build_filename (dir, "hv_vpci.ko", NULL);
	const RigHazard *first;

	looked_up = g_ptr_array_new_with_free_func (g_free);
	g_assert_true (g_file_set_contents (ko, "", 0, NULL));
	rig_hazards_symbolize (h, "# module-text hv_vpci 0xffffffffc0250000\n", dir, fake_lookup);
	first = g_ptr_array_index (h, 0);
	g_assert_cmpuint (looked_up->len, >, 0);
	g_assert_cmphex (*(guint64 *) g_ptr_array_index (looked_up, 0), ==, 0xa106);
	g_assert_cmpstr (first->where, ==, "fa106 (fake.c:1)");
	for (guint i = 0; i < h->len; i++) {
		const RigHazard *hz = g_ptr_array_index (h, i);
		g_autofree char *want = g_strdup_printf ("f%" G_GINT64_MODIFIER "x (fake.c:1)",
		                                         (guint64) (hz->pc - 0xffffffffc0250000ULL));

		if (hz->pc >= 0xffffffffc0250000ULL && hz->pc < 0xffffffffc1250000ULL)
			g_assert_cmpstr (hz->where, ==, want);
		else
			g_assert_null (hz->where);
	}
	g_unlink (ko);
	g_rmdir (dir);
	g_clear_pointer (&looked_up, g_ptr_array_unref);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/hazards/attribution", test_attribution);
	g_test_add_func ("/hazards/summary", test_summary);
	g_test_add_func ("/hazards/symbolize-without-modules", test_symbolize_without_modules);
	g_test_add_func ("/hazards/symbolize-offsets", test_symbolize_offsets);
	return g_test_run ();
}
