/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * addr2line.c - module offsets to "function (file:line)" with binutils'
 * addr2line (addr2line.h), for rig_hazards_symbolize().
 */
#include "addr2line.h"
#include "lines.h"

#include <gio/gio.h>
#include <string.h>

/* The frame to show from an inline chain (innermost first): the first one
 * not in a header, so "hv_vpci_cfgwin_read (cfg.c:175)" rather than
 * "writel (io.h:69)". */
static gboolean
in_header (const char *file_line)
{
	const char *colon = strrchr (file_line, ':');
	g_autofree char *file = colon ? g_strndup (file_line, colon - file_line)
	                              : g_strdup (file_line);

	return g_str_has_suffix (file, ".h");
}

static char *
pick_frame (GStrv frames)
{
	guint n = g_strv_length (frames) / 2, pick = 0;
	const char *file;

	if (!n)
		return NULL;
	while (pick + 1 < n && in_header (frames[2 * pick + 1]))
		pick++;
	file = strrchr (frames[2 * pick + 1], '/');
	return g_strdup_printf ("%s (%s)", frames[2 * pick],
	                        file ? file + 1 : frames[2 * pick + 1]);
}

/* addr2line on one module for every offset of @offsets, in order. */
GStrv
rig_addr2line (const char *ko, GPtrArray *offsets)
{
	g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
	g_autoptr(GSubprocess) proc = NULL;
	g_autofree char *out = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GStrvBuilder) result = g_strv_builder_new ();
	g_autoptr(GStrvBuilder) frames = NULL;

	/* -a: each address heads its group; -i: the inline chain follows */
	g_strv_builder_add_many (argv, "addr2line", "-a", "-i", "-f", "-e", ko, "-j", ".text", NULL);
	for (guint i = 0; i < offsets->len; i++) {
		g_autofree char *hex = g_strdup_printf ("0x%" G_GINT64_MODIFIER "x",
		                                        *(guint64 *) g_ptr_array_index (offsets, i));

		g_strv_builder_add (argv, hex);
	}
	{
		g_auto(GStrv) args = g_strv_builder_end (argv);

		proc = g_subprocess_newv ((const char *const *) args,
		                          G_SUBPROCESS_FLAGS_STDOUT_PIPE |
		                          G_SUBPROCESS_FLAGS_STDERR_SILENCE, NULL);
	}
	if (!proc || !g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, NULL, NULL))
		return NULL;
	lines = rig_split_lines (out ? out : "");
	for (guint i = 0; ; i++) {
		gboolean head = lines[i] && g_str_has_prefix (lines[i], "0x");

		if ((head || !lines[i] || !*lines[i]) && frames) {
			g_auto(GStrv) f = g_strv_builder_end (frames);
			g_autofree char *where = pick_frame (f);

			g_strv_builder_add (result, where ? where : "?");
			g_clear_pointer (&frames, g_strv_builder_unref);
		}
		if (!lines[i] || !*lines[i])
			break;
		if (head)
			frames = g_strv_builder_new ();
		else if (frames)
			g_strv_builder_add (frames, lines[i]);
	}
	return g_strv_builder_end (result);
}
