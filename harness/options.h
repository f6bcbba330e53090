/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * options.h - GOptionContext helpers and usage errors (RIG_ERROR_USAGE)
 * shared by every command.  Pure: no process, no file.
 */
#pragma once

#include <glib.h>

#include "rig-exit.h"

GOptionContext *rig_option_context_new (const char *name,
                                        const char *parameter_string,
                                        const char *summary,
                                        const char *description);

gboolean rig_option_context_parse (GOptionContext  *context,
                                   int             *argc,
                                   char          ***argv,
                                   GError         **error);

void rig_usage_error (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

gboolean rig_parse_uint (const char *what, const char *text, guint64 min,
                         guint64 max, guint64 *out, GError **error);
