/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * symbols.c - System.map lookup.  A linear scan: the map is read once per
 * run, for at most a handful of addresses.
 */
#include "symbols.h"
#include "lines.h"

#include <string.h>

char *
rig_symbolize (const char *map_path, guint64 addr)
{
	g_autofree char *contents = NULL;
	g_auto(GStrv) lines = NULL;
	guint64 best_addr = 0;
	const char *best = NULL;
	g_auto(GStrv) name = NULL;

	if (!map_path || !g_file_get_contents (map_path, &contents, NULL, NULL))
		return NULL;
	lines = rig_split_lines (contents);
	for (guint i = 0; lines[i]; i++) {
		g_auto(GStrv) f = g_strsplit (lines[i], " ", 3);
		guint64 a;
		char *end;

		if (g_strv_length (f) != 3 || strlen (f[1]) != 1)
			continue;
		if (!strchr ("tTwW", f[1][0]))
			continue;
		a = g_ascii_strtoull (f[0], &end, 16);
		if (*end != '\0' || a > addr || a < best_addr)
			continue;
		best_addr = a;
		best = lines[i] + strlen (f[0]) + 3;   /* the name, inside lines[i] */
	}
	if (!best || addr - best_addr > 0x100000)
		return NULL;
	/* kallsyms: "name\t[module]" -> "name+0xoff [module]" */
	name = g_strsplit (best, "\t", 2);
	return g_strdup_printf ("%s+0x%" G_GINT64_MODIFIER "x%s%s", name[0], addr - best_addr,
	                        name[1] ? " " : "", name[1] ? name[1] : "");
}
