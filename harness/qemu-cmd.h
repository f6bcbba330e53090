/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qemu-cmd.h - the QEMU command line of docs/design.md, built in one place.
 */
#pragma once

#include "run-options.h"
#include "config.h"

/* Returns the full argv (argv[0] = the QEMU binary). */
GStrv rig_qemu_argv (const RigConfig *config, const RigKernel *kernel,
                     const RigRunOptions *opts, const char *run_dir);

/* The guest kernel command line (docs/design.md, "Kernel command line"). */
char *rig_kernel_cmdline (const RigRunOptions *opts);

/* argv as one shell-quoted line, for printing and RUN/cmdline. */
char *rig_argv_to_string (const char *const *argv);
