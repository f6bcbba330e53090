/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * options.c - GOptionContext helpers and usage errors shared by every
 * command (options.h).
 */
#include "options.h"

void
rig_usage_error (GError **error, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start (ap, fmt);
	msg = g_strdup_vprintf (fmt, ap);
	va_end (ap);
	g_set_error_literal (error, RIG_ERROR, RIG_ERROR_USAGE, msg);
}

gboolean
rig_parse_uint (const char *what, const char *text, guint64 min, guint64 max,
                guint64 *out, GError **error)
{
	g_autoptr(GError) local = NULL;

	if (!g_ascii_string_to_unsigned (text, 10, min, max, out, &local)) {
		rig_usage_error (error, "%s: '%s' is not a number from %" G_GUINT64_FORMAT
		                 " to %" G_GUINT64_FORMAT, what, text, min, max);
		return FALSE;
	}
	return TRUE;
}

GOptionContext *
rig_option_context_new (const char *name, const char *parameter_string,
                        const char *summary, const char *description)
{
	g_autofree char *param = g_strdup_printf ("%s%s%s", name,
	                                          parameter_string ? " " : "",
	                                          parameter_string ? parameter_string : "");
	GOptionContext *context = g_option_context_new (param);

	g_option_context_set_summary (context, summary);
	if (description)
		g_option_context_set_description (context, description);
	return context;
}

gboolean
rig_option_context_parse (GOptionContext *context, int *argc, char ***argv, GError **error)
{
	g_autoptr(GError) local = NULL;

	if (!g_option_context_parse (context, argc, argv, &local)) {
		g_set_error_literal (error, RIG_ERROR, RIG_ERROR_USAGE, local->message);
		return FALSE;
	}
	return TRUE;
}
