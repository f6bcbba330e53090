/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lines.h - split text into lines in one pass.
 *
 * The same result as g_strsplit (text, "\n", -1), but linear even under
 * ASan: g_strsplit calls strstr() once per line, and ASan's strstr
 * interceptor measures the whole rest of the string each time, which made
 * a 5 MB kallsyms or hazard log take minutes in ./run-tests.sh --sanitize.
 */
#ifndef RIG_LINES_H
#define RIG_LINES_H

#include <glib.h>
#include <string.h>

static inline GStrv
rig_split_lines (const char *text)
{
	GPtrArray *lines = g_ptr_array_new ();
	const char *p = text ? text : "";
	const char *end = p + strlen (p);

	/* as g_strsplit: no text, no lines; a final '\n' ends in "" */
	while (*p) {
		const char *nl = memchr (p, '\n', end - p);

		if (!nl) {
			g_ptr_array_add (lines, g_strndup (p, end - p));
			break;
		}
		g_ptr_array_add (lines, g_strndup (p, nl - p));
		p = nl + 1;
		if (!*p) {
			g_ptr_array_add (lines, g_strdup (""));
			break;
		}
	}
	g_ptr_array_add (lines, NULL);
	return (GStrv) g_ptr_array_free (lines, FALSE);
}

#endif
