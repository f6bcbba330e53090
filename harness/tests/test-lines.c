/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-lines.c - rig_split_lines() splits exactly as g_strsplit (text,
 * "\n", -1); the time a 4 MiB text takes is printed, not asserted.
 */
#include "lines.h"

static void
test_same_as_g_strsplit (void)
{
	static const char *const texts[] = { "", "a", "a\n", "\n", "a\nb", "a\n\nb\n", "\n\n" };

	for (guint i = 0; i < G_N_ELEMENTS (texts); i++) {
		g_auto(GStrv) want = g_strsplit (texts[i], "\n", -1);
		g_auto(GStrv) got = rig_split_lines (texts[i]);

		g_assert_true (g_strv_equal ((const char *const *) want, (const char *const *) got));
	}
}

static void
test_large (void)
{
	g_autoptr(GString) text = g_string_new (NULL);
	g_auto(GStrv) lines = NULL;
	gint64 t0;

	while (text->len < 4 << 20)
		g_string_append (text, "ffffffff81000000 T some_kernel_symbol\n");
	t0 = g_get_monotonic_time ();
	lines = rig_split_lines (text->str);
	g_test_message ("%u lines in %.3f s", g_strv_length (lines),
	                (g_get_monotonic_time () - t0) / 1e6);
	g_assert_cmpuint (g_strv_length (lines), ==, text->len / 38 + 1);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/lines/same-as-g_strsplit", test_same_as_g_strsplit);
	g_test_add_func ("/lines/large", test_large);
	return g_test_run ();
}
