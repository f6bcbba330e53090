/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qemu-cmd.c - a run plan's QEMU argv and guest kernel command line
 * (declared in run-plan.h: this file is part of the plan).
 */
#include "run-plan.h"
#include "qemu-opt.h"
#include "gdb.h"
#include "hyperv.h"
#include "vpci-devices.h"
#include "scenarios.h"

#include <string.h>

static void
add (GStrvBuilder *b, const char *arg)
{
	g_strv_builder_add (b, arg);
}

static void
addf (GStrvBuilder *b, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
static void
addf (GStrvBuilder *b, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *s = NULL;

	va_start (ap, fmt);
	s = g_strdup_vprintf (fmt, ap);
	va_end (ap);
	g_strv_builder_add (b, s);
}

char *
rig_kernel_cmdline (const RigRunOptions *opts)
{
	const RigScenario *sc = rig_scenario_lookup (opts->scenario);

	/*
	 * cryptomgr.notests: the crypto self-tests were the longest initcall
	 * of a boot (crypto_algapi_init, about a tenth of kernel init under
	 * TCG) and test nothing the rig looks at.
	 */
	return g_strdup_printf ("console=ttyS0 earlyprintk=ttyS0 quiet loglevel=4 nokaslr "
	                        "mitigations=off no_timer_check tsc=reliable cryptomgr.notests "
	                        "panic=0 oops=panic "
	                        "rdinit=/init vpci.scenario=%s vpci.smp=%u vpci.cpu=%u "
	                        "vpci.seed=%" G_GUINT64_FORMAT "%s%s%s%s%s%s%s%s%s",
	                        opts->scenario, opts->smp, opts->cpu, opts->seed,
	                        sc && sc->cmdline ? " " : "", sc && sc->cmdline ? sc->cmdline : "",
	                        opts->wc ? "" : " vpci.wc=off",
	                        /* a replay's guest must see the recorded command line */
	                        opts->gdb_port && !opts->replay_dir ? " vpci.gdb=1" : "",
	                        g_str_equal (opts->fences, "all") ? "" : " hv_vpci.fences=",
	                        g_str_equal (opts->fences, "all") ? "" : opts->fences,
	                        opts->eager_irq ? " hv_vpci.eager_affinity=1" : "",
	                        opts->remap ? "" : " vpci.remap=off",
	                        opts->hyperv ? " vpci.hyperv=1" : "");
}

/* What every boot shares: the machine, TCG, memory, firmware dirs. */
static void
add_machine (GStrvBuilder *b, const RigRunPlan *plan, const RigConfig *config)
{
	const RigRunOptions *opts = plan->opts;

	add (b, plan->qemu_binary);
	add (b, "-M"); add (b, "q35");
	add (b, "-nodefaults");
	add (b, "-no-user-config");
	add (b, "-display"); add (b, "none");
	if (opts->icount) {
		/* one thread, vCPUs in round robin, time from instruction counts */
		add (b, "-accel"); add (b, "tcg,thread=single");
		add (b, "-icount"); add (b, plan->rr.icount);   /* + rr= (replay.c) */
		/* nothing from the host may steer the guest: its clock, its RNG */
		add (b, "-rtc"); add (b, "base=2000-01-01T00:00:00,clock=vm");
		add (b, "-seed"); addf (b, "%" G_GUINT64_FORMAT, opts->seed);
		if (plan->rr.snapshot_drive) {
			add (b, "-drive"); add (b, plan->rr.snapshot_drive);
			/*
			 * No kvmvapic next to the APIC (TPR patching for old Windows; Linux
			 * never uses it).  Its reset does run_on_cpu(), and QEMU 10.0's
			 * reverse-continue loads the snapshot from a timer in the main
			 * loop while the vCPU runs: the main loop holds the replay mutex
			 * and waits for the vCPU to run vapic's work, the vCPU waits for
			 * the replay mutex, and gdb never gets its stop
			 * (docs/debugging.md).  A replay does as its recording did: the
			 * snapshot's devices must be the replay's (replay.c).
			 */
			if (plan->rr.no_vapic) {
				add (b, "-global"); add (b, RIG_REPLAY_NO_VAPIC);
			}
		}
	} else {
		add (b, "-accel"); add (b, "tcg,thread=multi");
	}
	add (b, "-smp"); addf (b, "%u", opts->smp);
	add (b, "-m"); add (b, "512");
	for (guint i = 0; config->firmware_dirs[i]; i++) {
		if (!*config->firmware_dirs[i])
			continue;
		add (b, "-L"); add (b, config->firmware_dirs[i]);
	}
}

/* Every reset or power-off stops the VM with QEMU alive, for QMP. */
static void
add_action (GStrvBuilder *b)
{
	add (b, "-action"); add (b, "reboot=shutdown,shutdown=pause,panic=pause");
}

static void
add_qmp (GStrvBuilder *b, const char *dir)
{
	add (b, "-chardev"); addf (b, "socket,id=qmp,path=%s/qmp.sock,server=off", dir);
	add (b, "-mon"); add (b, "chardev=qmp,mode=control");
}

GStrv
rig_qemu_argv (const RigRunPlan *plan, const RigConfig *config)
{
	const RigRunOptions *opts = plan->opts;
	g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
	g_autofree char *dir = rig_qemu_opt_escape (plan->run_dir);

	add_machine (b, plan, config);
	if (config->qboot && *config->qboot) {
		add (b, "-bios"); add (b, config->qboot);
	}
	add (b, "-kernel"); add (b, plan->kernel_image);
	add (b, "-initrd"); add (b, plan->initramfs);
	add (b, "-append"); add (b, plan->kernel_cmdline);
	add_action (b);
	if (plan->console == RIG_CONSOLE_STDIO) {
		/* signal=off: Ctrl-C reaches the guest shell; mux: Ctrl-a x quits */
		add (b, "-chardev"); add (b, "stdio,id=con,mux=on,signal=off");
	} else {
		add (b, "-chardev"); addf (b, "file,id=con,path=%s/console.log", dir);
	}
	add (b, "-serial"); add (b, "chardev:con");
	add (b, "-chardev"); addf (b, "file,id=tap,path=%s/tap.log", dir);
	add (b, "-serial"); add (b, "chardev:tap");
	add (b, "-device"); add (b, "pvpanic");
	rig_hyperv_add_qemu_args (b, opts);
	rig_vpci_add_qemu_args (b, opts, plan->run_dir);
	add_qmp (b, dir);
	rig_gdb_add_qemu_args (b, opts, plan->run_dir);
	add (b, "-D"); addf (b, "%s/qemu.log", plan->run_dir);
	add (b, "-d"); add (b, "guest_errors");
	return g_strv_builder_end (b);
}

GStrv
rig_qemu_argv_stock (const RigRunPlan *plan, const RigConfig *config)
{
	g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
	g_autofree char *dir = rig_qemu_opt_escape (plan->run_dir);

	add_machine (b, plan, config);
	add (b, "-kernel"); add (b, plan->kernel_image);
	add (b, "-initrd"); add (b, plan->initramfs);
	add (b, "-append"); add (b, plan->kernel_cmdline);
	add_action (b);
	add (b, "-chardev"); addf (b, "file,id=con,path=%s/console.log", dir);
	add (b, "-serial"); add (b, "chardev:con");
	add_qmp (b, dir);
	return g_strv_builder_end (b);
}
