/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qemu-cmd.c - QEMU argv and guest kernel command line.
 */
#include "qemu-cmd.h"
#include "qemu-opt.h"
#include "gdb.h"
#include "vpci-devices.h"
#include "replay.h"
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

	return g_strdup_printf ("console=ttyS0 earlyprintk=ttyS0 quiet loglevel=4 nokaslr "
	                        "mitigations=off no_timer_check tsc=reliable panic=0 oops=panic "
	                        "rdinit=/init vpci.scenario=%s vpci.smp=%u vpci.cpu=%u "
	                        "vpci.seed=%" G_GUINT64_FORMAT "%s%s%s%s%s%s%s%s",
	                        opts->scenario, opts->smp, opts->cpu, opts->seed,
	                        sc && sc->cmdline ? " " : "", sc && sc->cmdline ? sc->cmdline : "",
	                        opts->wc ? "" : " vpci.wc=off",
	                        /* a replay's guest must see the recorded command line */
	                        opts->gdb_port && !opts->replay_dir ? " vpci.gdb=1" : "",
	                        g_str_equal (opts->fences, "all") ? "" : " hv_vpci.fences=",
	                        g_str_equal (opts->fences, "all") ? "" : opts->fences,
	                        opts->eager_irq ? " hv_vpci.eager_affinity=1" : "",
	                        opts->remap ? "" : " vpci.remap=off");
}

GStrv
rig_qemu_argv (const RigConfig *config, const RigKernel *kernel,
               const RigRunOptions *opts, const char *run_dir)
{
	g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
	g_autofree char *dir = rig_qemu_opt_escape (run_dir);
	g_autofree char *append = rig_kernel_cmdline (opts);
	g_autofree char *icount = rig_replay_icount_arg (opts);

	add (b, config->qemu_binary);
	add (b, "-M"); add (b, "q35");
	add (b, "-nodefaults");
	add (b, "-no-user-config");
	add (b, "-display"); add (b, "none");
	if (opts->icount) {
		/* one thread, vCPUs in round robin, time from instruction counts */
		add (b, "-accel"); add (b, "tcg,thread=single");
		add (b, "-icount"); add (b, icount);   /* + rr=record|replay (replay.c) */
		/* nothing from the host may steer the guest: its clock, its RNG */
		add (b, "-rtc"); add (b, "base=2000-01-01T00:00:00,clock=vm");
		add (b, "-seed"); addf (b, "%" G_GUINT64_FORMAT, opts->seed);
		rig_replay_add_qemu_args (b, opts);
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
	if (config->qboot && *config->qboot) {
		add (b, "-bios"); add (b, config->qboot);
	}
	add (b, "-kernel"); add (b, kernel->kernel);
	add (b, "-initrd"); add (b, kernel->initramfs);
	add (b, "-append"); add (b, append);
	/* every reset/power-off stops the VM with QEMU alive, for QMP */
	add (b, "-action"); add (b, "reboot=shutdown,shutdown=pause,panic=pause");
	if (opts->console == RIG_CONSOLE_STDIO) {
		/* signal=off: Ctrl-C reaches the guest shell; mux: Ctrl-a x quits */
		add (b, "-chardev"); add (b, "stdio,id=con,mux=on,signal=off");
	} else {
		add (b, "-chardev"); addf (b, "file,id=con,path=%s/console.log", dir);
	}
	add (b, "-serial"); add (b, "chardev:con");
	add (b, "-chardev"); addf (b, "file,id=tap,path=%s/tap.log", dir);
	add (b, "-serial"); add (b, "chardev:tap");
	add (b, "-device"); add (b, "pvpanic");
	rig_vpci_add_qemu_args (b, opts, run_dir);
	add (b, "-chardev"); addf (b, "socket,id=qmp,path=%s/qmp.sock,server=off", dir);
	add (b, "-mon"); add (b, "chardev=qmp,mode=control");
	rig_gdb_add_qemu_args (b, opts, run_dir);
	add (b, "-D"); addf (b, "%s/qemu.log", run_dir);
	add (b, "-d"); add (b, "guest_errors");
	return g_strv_builder_end (b);
}

char *
rig_argv_to_string (const char *const *argv)
{
	g_autoptr(GString) s = g_string_new (NULL);

	for (guint i = 0; argv[i]; i++) {
		const char *a = argv[i];
		gboolean plain = *a != '\0';

		for (const char *p = a; *p && plain; p++)
			plain = g_ascii_isalnum (*p) || strchr ("-_./=,:+@%", *p);
		if (i)
			g_string_append_c (s, ' ');
		if (plain) {
			g_string_append (s, a);
		} else {
			g_autofree char *q = g_shell_quote (a);
			g_string_append (s, q);
		}
	}
	return g_string_free (g_steal_pointer (&s), FALSE);
}
