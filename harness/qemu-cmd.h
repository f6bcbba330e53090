/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qemu-cmd.h - the QEMU command line of docs/design.md, built in one place.
 *
 * Called by run-plan.c only: the plan has already chosen the binary, the
 * kernel, the run directory, the gdb and record/replay settings.
 */
#pragma once

#include "run-plan.h"

/* The full argv of a rig boot (argv[0] = plan->qemu_binary). */
GStrv rig_qemu_argv (const RigRunPlan *plan, const RigConfig *config);

/* The argv of bench's reference boot: the same machine, clock, -action and
 * QMP, SeaBIOS (no -bios), @kernel_image with "console=ttyS0 quiet". */
GStrv rig_qemu_argv_stock (const RigRunPlan *plan, const RigConfig *config);

/* The guest kernel command line (docs/design.md, "Kernel command line"). */
char *rig_kernel_cmdline (const RigRunOptions *opts);
