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
#include "options.h"

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
gboolean rig_cmd_testlog  (int argc, char **argv, RigExit *exit_status,
                           GCancellable *cancellable, GError **error);

/* Builds a GOptionContext for command @name with the harness's conventions
 * (help names "vpci-rig NAME", summary and description set). */
const char *rig_current_command (void);
