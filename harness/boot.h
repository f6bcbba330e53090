/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * boot.h - one guest boot, shared by run, check and shell.
 *
 * rig_boot() creates the run directory, builds and prints the QEMU argv,
 * runs the session, classifies the transcript and reports.  Its options
 * come from run-options.h.
 */
#pragma once

#include <gio/gio.h>

#include "run-options.h"
#include "verdict.h"

/* Boots, classifies and reports (text or JSON on stdout).  Returns FALSE
 * with RIG_ERROR_INFRA for the error verdict or anything that stopped the
 * boot; on TRUE, *verdict_out / *result_out say how it went. */
gboolean rig_boot (const RigRunOptions *opts, RigVerdictResult *result_out,
                   GCancellable *cancellable, GError **error);

/* Like rig_boot(), and says how long QEMU ran (start to exit, seconds) and
 * where the run directory is (free it). */
gboolean rig_boot_timed (const RigRunOptions *opts, RigVerdictResult *result_out,
                         double *seconds, char **run_dir_out,
                         GCancellable *cancellable, GError **error);
