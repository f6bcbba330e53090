/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * run-plan.c - options, rig.ini and kernel -> RigRunPlan (run-plan.h).
 *
 * The layers below, each entered once: vpci-devices.c (what sits behind
 * the bus), replay.c (DIR's copies and -icount), then qemu-cmd.c (this
 * unit's second file) builds the argv from the finished plan.
 */
#include "run-plan.h"
#include "hyperv.h"
#include "qemu-opt.h"
#include "replay.h"
#include "scenarios.h"
#include "vpci-devices.h"

static RigKernel *
kernel_copy (const RigKernel *k)
{
	RigKernel *c = g_new0 (RigKernel, 1);

	c->name = g_strdup (k->name);
	c->release = g_strdup (k->release);
	c->kernel = g_strdup (k->kernel);
	c->initramfs = g_strdup (k->initramfs);
	c->system_map = g_strdup (k->system_map);
	c->modules_dir = g_strdup (k->modules_dir);
	c->symbols = g_strdup (k->symbols);
	c->symbols_debug = k->symbols_debug;
	c->tree = g_strdup (k->tree);
	c->tree_out = g_strdup (k->tree_out);
	return c;
}

RigRunPlan *
rig_run_plan_new (const RigRunOptions *opts, const RigConfig *config, const RigKernel *kernel,
                  const char *run_dir)
{
	RigRunPlan *plan = g_new0 (RigRunPlan, 1);
	const RigScenario *sc = rig_scenario_lookup (opts->scenario);

	plan->opts = opts;
	plan->run_dir = g_strdup (run_dir);
	plan->qemu_binary = g_strdup (config->qemu_binary);
	plan->kernel_name = g_strdup (kernel->name);
	plan->kernel_image = g_strdup (kernel->kernel);
	plan->initramfs = g_strdup (kernel->initramfs);
	plan->modules_dir = g_strdup (kernel->modules_dir);
	plan->system_map = g_strdup (kernel->system_map);
	plan->kernel = kernel_copy (kernel);
	plan->kernel_cmdline = rig_kernel_cmdline (opts);

	plan->vpci_bus = rig_vpci_wanted (opts);
	plan->hotplug = rig_vpci_hotplug_spec (opts);
	plan->disk_mib = plan->vpci_bus ? rig_vpci_disk_mib (opts) : 0;
	if (plan->disk_mib)
		plan->disk_path = rig_vpci_disk_path (run_dir);

	plan->console = opts->console;
	plan->gdb_port = opts->gdb_port;
	plan->gdb_live = opts->gdb_port && !opts->replay_dir;
	/* with --gdb the user may sit at a breakpoint for as long as they like */
	plan->timeout = opts->gdb_port ? 0 : opts->timeout;
	plan->expect_hazards = sc && sc->expect_hazards;

	rig_replay_plan (&plan->rr, opts, plan->kernel_name, &plan->qemu_binary,
	                 &plan->kernel_image, &plan->initramfs, &plan->modules_dir);
	plan->argv = rig_qemu_argv (plan, config);
	plan->argv_text = rig_argv_to_string ((const char *const *) plan->argv);
	return plan;
}

RigRunPlan *
rig_run_plan_new_stock (const RigRunOptions *opts, const RigConfig *config,
                        const char *qemu_binary, const char *kernel_image,
                        const char *initramfs, const char *run_dir)
{
	RigRunPlan *plan = g_new0 (RigRunPlan, 1);

	plan->opts = opts;
	plan->run_dir = g_strdup (run_dir);
	plan->qemu_binary = g_strdup (qemu_binary ? qemu_binary : config->qemu_binary);
	plan->kernel_name = g_strdup ("stock");
	plan->kernel_image = g_strdup (kernel_image);
	plan->initramfs = g_strdup (initramfs);
	/* Debian's default kernel command line is "quiet"; nothing else tuned */
	plan->kernel_cmdline = g_strdup ("console=ttyS0 quiet");
	plan->timeout = opts->timeout;
	plan->console = RIG_CONSOLE_FILE;
	/* no record/replay: just -icount's default */
	rig_replay_plan (&plan->rr, opts, plan->kernel_name, &plan->qemu_binary,
	                 &plan->kernel_image, &plan->initramfs, &plan->modules_dir);
	plan->argv = rig_qemu_argv_stock (plan, config);
	plan->argv_text = rig_argv_to_string ((const char *const *) plan->argv);
	return plan;
}

void
rig_run_plan_free (RigRunPlan *plan)
{
	if (!plan)
		return;
	g_free (plan->run_dir);
	g_free (plan->qemu_binary);
	g_free (plan->kernel_name);
	g_free (plan->kernel_image);
	g_free (plan->initramfs);
	g_free (plan->kernel_cmdline);
	g_strfreev (plan->argv);
	g_free (plan->argv_text);
	g_free (plan->disk_path);
	g_free (plan->modules_dir);
	g_free (plan->system_map);
	rig_kernel_free (plan->kernel);
	rig_replay_plan_clear (&plan->rr);
	g_free (plan);
}

char *
rig_run_plan_dir (const RigRunOptions *opts, const char *stamp, int pid)
{
	g_autofree char *name = NULL;

	if (opts->keep)
		return g_canonicalize_filename (opts->keep, NULL);
	name = g_strdup_printf ("%s-%s-%d", stamp, opts->scenario, pid);
	return g_build_filename (rig_top_dir (), "build", "runs", name, NULL);
}

static const char *
rr_mode_name (RigRrMode mode)
{
	switch (mode) {
	case RIG_RR_RECORD:
		return "record";
	case RIG_RR_REPLAY:
		return "replay";
	case RIG_RR_NONE:
		break;
	}
	return "none";
}

char *
rig_run_plan_describe (const RigRunPlan *plan, gboolean dry_run)
{
	const RigRunOptions *opts = plan->opts;
	g_autoptr(GString) s = g_string_new (NULL);
	g_autofree char *timeout = plan->timeout ? g_strdup_printf ("%u s", plan->timeout) :
		g_strdup ("none");
	g_autofree char *hyperv = rig_hyperv_describe (opts);

	g_string_append_printf (s, "run directory: %s%s\n", plan->run_dir,
	                        dry_run ? " (not created: --dry-run)" : "");
	if (!dry_run)
		goto argv;
	g_string_append_printf (s, "scenario: %s, smp %u, cpu %u, seed %" G_GUINT64_FORMAT
	                        ", %s, timeout %s\n", opts->scenario, opts->smp, opts->cpu,
	                        opts->seed, opts->icount ? "icount" : "mttcg", timeout);
	g_string_append_printf (s, "kernel: %s (%s, %s)\n", plan->kernel_name, plan->kernel_image,
	                        plan->initramfs);
	g_string_append_printf (s, "vpci bus: %s", plan->vpci_bus ? "yes" : "no");
	if (plan->vpci_bus)
		g_string_append_printf (s, ", wc %s, order %s, fences %s, remap %s%s%s%s",
		                        opts->wc ? "on" : "off", opts->order, opts->fences,
		                        opts->remap ? "on" : "off",
		                        plan->hotplug ? ", hotplug " : "",
		                        plan->hotplug ? plan->hotplug : "",
		                        plan->disk_mib ? ", disk" : "");
	g_string_append_c (s, '\n');
	if (hyperv)
		g_string_append_printf (s, "%s\n", hyperv);
	if (plan->disk_path)
		g_string_append_printf (s, "creates: %s (%u MiB)\n", plan->disk_path, plan->disk_mib);
	if (plan->gdb_port)
		g_string_append_printf (s, "gdb: port %u, %s\n", plan->gdb_port,
		                        plan->gdb_live ? "script when the agent stops after its modules" :
		                        "the replay waits at its first instruction");
	if (plan->rr.mode != RIG_RR_NONE)
		g_string_append_printf (s, "%s: %s%s%s\n", rr_mode_name (plan->rr.mode), plan->rr.dir,
		                        plan->rr.missing ? ", missing " : "",
		                        plan->rr.missing ? plan->rr.missing : "");
argv:
	g_string_append_printf (s, "%s\n", plan->argv_text);
	return g_string_free (g_steal_pointer (&s), FALSE);
}
