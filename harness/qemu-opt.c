/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qemu-opt.c - QEMU option values (qemu-opt.h).
 */
#include "qemu-opt.h"

#include <string.h>

char *
rig_qemu_opt_escape (const char *value)
{
	g_auto(GStrv) parts = g_strsplit (value, ",", -1);

	return g_strjoinv (",,", parts);
}

char *
rig_argv_to_string (const char *const *argv)
{
	g_autoptr(GString) s = g_string_new (NULL);

	for (guint i = 0; argv[i]; i++) {
		const char *a = argv[i];
		gboolean plain = *a != '\0';

		for (const char *p = a; *p && plain; p++)
			plain = g_ascii_isalnum (*p) || strchr ("-_./=,:+@%", *p);
		if (i)
			g_string_append_c (s, ' ');
		if (plain) {
			g_string_append (s, a);
		} else {
			g_autofree char *q = g_shell_quote (a);
			g_string_append (s, q);
		}
	}
	return g_string_free (g_steal_pointer (&s), FALSE);
}
