/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-barriers.c - the fences= grammar of include/vpci-barriers.h, which
 * hv_vpci parses with the same code, and the harness's canonical form.
 */
#include "rig-exit.h"
#include "scenarios.h"
#include "vpci-barriers.h"

#include <glib.h>

/* Canonical form of @in, or "ERROR <token>". */
static char *
canonical (const char *in)
{
	unsigned char kinds[VPCI_SITE_NR];
	char buf[128];
	const char *bad;
	int bad_len;

	if (vpci_barriers_parse (in, kinds, &bad, &bad_len))
		return g_strdup_printf ("ERROR %.*s", bad_len, bad);
	vpci_barriers_format (kinds, buf, sizeof (buf));
	return g_strdup (buf);
}

static void
test_grammar (void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "all", "all" },
		{ "", "none" },
		{ "none", "none" },
		{ "read-select,read-release,write-select,write-release", "all" },
		{ "read-select=mb,read-release=mb,write-select=wmb,write-release=mb", "all" },
		/* the 2016 RFC's "essential minimum" */
		{ "read-select=none,read-release=rmb,write-select=none,write-release=wmb",
		  "read-release=rmb,write-release=wmb" },
		/* left to right: all, then one site weakened or off */
		{ "all,write-select=dma_wmb", "read-select,read-release,write-select=dma_wmb,write-release" },
		{ "all,read-release=none", "read-select,write-select,write-release" },
		{ "write-select=printk", "write-select=printk" },
		{ "none,read-select=mdelay,", "read-select=mdelay" },
		{ "all,none", "none" },
		{ "write-release=none", "none" },
		{ "read-select,no-such-site", "ERROR no-such-site" },
		{ "write-select=lfence", "ERROR write-select=lfence" },
		{ "write-select=", "ERROR write-select=" },
		{ "=mb", "ERROR =mb" },
		{ "read-selectx", "ERROR read-selectx" },
		{ "all=mb", "ERROR all=mb" },
	};

	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autofree char *got = canonical (cases[i].in);

		g_test_message ("'%s'", cases[i].in);
		g_assert_cmpstr (got, ==, cases[i].out);
	}
}

/* Every site at every kind survives format then parse. */
static void
test_round_trip (void)
{
	for (int site = 0; site < VPCI_SITE_NR; site++)
		for (int kind = 0; kind < VPCI_KIND_NR; kind++) {
			unsigned char kinds[VPCI_SITE_NR] = { 0 }, back[VPCI_SITE_NR];
			char buf[128];
			const char *bad;
			int bad_len;

			for (int k = 0; k < VPCI_SITE_NR; k++)
				kinds[k] = (k + kind) % VPCI_KIND_NR;
			kinds[site] = kind;
			vpci_barriers_format (kinds, buf, sizeof (buf));
			g_assert_cmpint (vpci_barriers_parse (buf, back, &bad, &bad_len), ==, 0);
			g_assert_cmpmem (kinds, sizeof (kinds), back, sizeof (back));
		}
}

/* A short buffer truncates and stays terminated. */
static void
test_truncate (void)
{
	unsigned char kinds[VPCI_SITE_NR];
	char buf[8];
	const char *bad;
	int bad_len;

	g_assert_cmpint (vpci_barriers_parse ("read-select=printk,write-select", kinds, &bad,
	                                      &bad_len), ==, 0);
	vpci_barriers_format (kinds, buf, sizeof (buf));
	g_assert_cmpstr (buf, ==, "read-se");
}

static void
test_harness_canonical (void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *ok = rig_fences_canonical ("all,read-select=smp_mb", &error);
	g_autofree char *bad = NULL;

	g_assert_no_error (error);
	g_assert_cmpstr (ok, ==, "read-select=smp_mb,read-release,write-select,write-release");
	bad = rig_fences_canonical ("read-select=maybe", &error);
	g_assert_null (bad);
	g_assert_error (error, RIG_ERROR, RIG_ERROR_USAGE);
	g_assert_nonnull (strstr (error->message, "'read-select=maybe'"));
}

/* The harness's site table is the header's, in its order. */
static void
test_site_table (void)
{
	guint n, nkinds;
	const RigBarrierSite *sites = rig_barrier_sites (&n);
	const RigBarrierKind *kinds = rig_barrier_kinds (&nkinds);

	g_assert_cmpuint (n, ==, VPCI_SITE_NR);
	g_assert_cmpuint (nkinds, ==, VPCI_KIND_NR);
	for (guint i = 0; i < n; i++) {
		g_assert_cmpstr (sites[i].name, ==, vpci_barrier_site_names[i]);
		g_assert_cmpuint (sites[i].default_kind, ==, vpci_barrier_site_defaults[i]);
	}
	g_assert_cmpstr (kinds[sites[VPCI_SITE_WRITE_SELECT].default_kind].name, ==, "wmb");
	g_assert_nonnull (sites[VPCI_SITE_READ_RELEASE].why_not);
	g_assert_null (sites[VPCI_SITE_WRITE_RELEASE].why_not);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/barriers/grammar", test_grammar);
	g_test_add_func ("/barriers/round-trip", test_round_trip);
	g_test_add_func ("/barriers/truncate", test_truncate);
	g_test_add_func ("/barriers/harness-canonical", test_harness_canonical);
	g_test_add_func ("/barriers/site-table", test_site_table);
	return g_test_run ();
}
