/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * run-plan.h - everything one boot will do, decided before it starts.
 *
 * rig_run_plan_new() turns the run options, rig.ini and the resolved kernel
 * into a RigRunPlan: the run directory, the files to make there, QEMU's
 * argv, the guest kernel command line, the vPCI device set, the session's
 * parameters, gdb and record/replay.  It is pure: it may read (a
 * recording's record.ini, a file's existence) but creates, writes and
 * starts nothing.  `--dry-run` prints the plan (rig_run_plan_describe());
 * boot.c executes it.  Record/replay, gdb and bench are variations of the
 * plan, not branches of the boot.
 */
#pragma once

#include <glib.h>

#include "config.h"
#include "replay.h"
#include "run-options.h"

typedef struct {
	const RigRunOptions *opts;  /* borrowed: outlives the plan */
	char      *run_dir;
	/* what QEMU boots */
	char      *qemu_binary;
	char      *kernel_name;     /* "6.1", or a tree's canonical path */
	char      *kernel_image;
	char      *initramfs;
	char      *kernel_cmdline;
	GStrv      argv;
	char      *argv_text;       /* argv shell-quoted: printed and RUN/cmdline */
	/* behind the vPCI bus */
	gboolean   vpci_bus;
	const char *hotplug;        /* the scenario's hot-plug -device spec, or NULL */
	guint      disk_mib;        /* RUN/disk.img of that size, 0 = none */
	char      *disk_path;
	/* the session */
	guint      timeout;         /* seconds, 0 = none (--gdb: a user at a breakpoint) */
	RigConsoleMode console;
	/* gdb: live (the agent's stop point) or at a replay's first instruction */
	guint      gdb_port;
	gboolean   gdb_live;
	/* the verdict */
	gboolean   expect_hazards;
	char      *modules_dir;     /* .ko files for source lines (a replay: DIR's copies) */
	char      *system_map;
	RigKernel *kernel;          /* a copy, for gdb's script (symbols, tree) */
	RigReplayPlan rr;
} RigRunPlan;

/* @run_dir: where the run goes (rig_run_plan_default_dir() or --keep). */
RigRunPlan *rig_run_plan_new (const RigRunOptions *opts, const RigConfig *config,
                              const RigKernel *kernel, const char *run_dir);
/* bench's reference boot: the same machine, session and clock as a rig
 * boot (@opts: smp, mttcg), SeaBIOS, @kernel_image and @initramfs, run by
 * @qemu_binary (NULL: the rig's, rig.ini [qemu] binary). */
RigRunPlan *rig_run_plan_new_stock (const RigRunOptions *opts, const RigConfig *config,
                                    const char *qemu_binary, const char *kernel_image,
                                    const char *initramfs, const char *run_dir);
void        rig_run_plan_free (RigRunPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RigRunPlan, rig_run_plan_free)

/* --keep DIR, else TOP/build/runs/@stamp-<scenario>-@pid. */
char *rig_run_plan_dir (const RigRunOptions *opts, const char *stamp, int pid);

/* qemu-cmd.c: the plan's QEMU argv (docs/design.md), built in one place
 * once everything else in the plan is known.  argv[0] = plan->qemu_binary. */
GStrv rig_qemu_argv (const RigRunPlan *plan, const RigConfig *config);
/* bench's reference boot: the same machine, clock, -action and QMP,
 * SeaBIOS (no -bios), no serial port but the console. */
GStrv rig_qemu_argv_stock (const RigRunPlan *plan, const RigConfig *config);
/* The guest kernel command line (docs/design.md, "Kernel command line"). */
char *rig_kernel_cmdline (const RigRunOptions *opts);

/* The plan as text, one "key: value" line each, the argv last (what
 * --dry-run prints and a run prints before it starts). */
char *rig_run_plan_describe (const RigRunPlan *plan, gboolean dry_run);
