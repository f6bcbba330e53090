/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rig-command.h - the command table's handler type and the handlers.
 *
 * One file per command (cmd-*.c).  A handler parses its own options with a
 * GOptionContext, does the work, and returns TRUE with *exit_status set
 * (RIG_EXIT_PASS or RIG_EXIT_FAILURE), or FALSE with @error set: main()
 * prints the error once and maps its code to the exit status.
 */
#pragma once

#include <gio/gio.h>
#include "rig-exit.h"

typedef gboolean (*RigCommandFunc) (int            argc,
                                    char         **argv,
                                    RigExit       *exit_status,
                                    GCancellable  *cancellable,
                                    GError       **error);

gboolean rig_cmd_run      (int argc, char **argv, RigExit *exit_status,
                           GCancellable *cancellable, GError **error);
gboolean rig_cmd_list     (int argc, char **argv, RigExit *exit_status,
                           GCancellable *cancellable, GError **error);
gboolean rig_cmd_shell    (int argc, char **argv, RigExit *exit_status,
                           GCancellable *cancellable, GError **error);
gboolean rig_cmd_check    (int argc, char **argv, RigExit *exit_status,
                           GCancellable *cancellable, GError **error);
gboolean rig_cmd_classify (int argc, char **argv, RigExit *exit_status,
                           GCancellable *cancellable, GError **error);
gboolean rig_cmd_sweep    (int argc, char **argv, RigExit *exit_status,
                           GCancellable *cancellable, GError **error);
gboolean rig_cmd_bench    (int argc, char **argv, RigExit *exit_status,
                           GCancellable *cancellable, GError **error);

/* Builds a GOptionContext for command @name with the harness's conventions
 * (help names "vpci-rig NAME", summary and description set). */
GOptionContext *rig_option_context_new (const char *name,
                                        const char *parameter_string,
                                        const char *summary,
                                        const char *description);

/* Parses @argv with @context; a parse failure becomes RIG_ERROR_USAGE. */
gboolean rig_option_context_parse (GOptionContext  *context,
                                   int             *argc,
                                   char          ***argv,
                                   GError         **error);

/* Sets a RIG_ERROR_USAGE error for command @name (printf-style message). */
void rig_usage_error (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

/* Parses a decimal unsigned number in [min, max] for option @what. */
gboolean rig_parse_uint (const char *what, const char *text, guint64 min,
                         guint64 max, guint64 *out, GError **error);

/* The name of the command being run ("run", "check", ...), for messages. */
const char *rig_current_command (void);
