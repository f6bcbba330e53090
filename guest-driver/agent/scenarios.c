/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The scenario table and the built-in scenarios (boot, deliberate faults,
 * shell).  Add a scenario: write its function, declare it in agent.h, add a
 * line to scenarios[] below.
 */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"

const struct scenario scenarios[] = {
	/* name           description                                        tests run */
	{ "boot",         "all CPUs online, modules loaded, rootfs sane",        5, scenario_boot },
	{ "triple-fault", "triple fault on CPU vpci.cpu (empty IDT + int3)",     1, scenario_triple_fault },
	{ "panic",        "kernel panic (pvpanic reports it to QEMU)",           1, scenario_panic },
	{ "hang",         "CPU vpci.cpu spins with interrupts off",              1, scenario_hang },
	{ "hang-all",     "every CPU spins with interrupts off",                 1, scenario_hang_all },
	{ "reset",        "guest-initiated reset (reboot(RB_AUTOBOOT))",         0, scenario_reset },
	{ "shell",        "interactive busybox sh on the console, then power off", 0, scenario_shell },
	{ "enum",         "every vPCI function, IDs, BARs in the aperture, lspci tree", -1, scenario_enum },
	{ "cfg-stress",   "a thread per CPU on config space of several functions",   -1, scenario_cfg_stress },
	{ "irq",          "every MSI-X vector arrives once on the CPU chosen",       -1, scenario_irq },
	{ "passthrough",  "virtio-rng and virtio-blk behind the bus",                -1, scenario_passthrough },
	{ "hotplug",      "device_add/device_del of a test function (host-driven)",  -1, scenario_hotplug },
	{ "hostile",      "vpci_hostile storms hv-vpci, hotplug races it; a fresh hv_vpci enumerates", -1, scenario_hostile },
	{ "barrier-stress", "SMP config traffic that a missing window barrier corrupts", -1, scenario_barrier_stress },
	{ "irq-affinity", "interrupts moved between CPUs while raised: each arrives once, at a handler", -1, scenario_irq_affinity },
	{ "msi-stress",   "SMP MSI reprogramming through the window: each interrupt once, at its function", -1, scenario_msi_stress },
	{ "inject-freed", "stale MSI on a freed vector (driver unbound, old message back)", -1, scenario_msi_inject },
	{ "inject-vector0", "MSI data with vector 0x00, fixed (a zeroed message)",   -1, scenario_msi_inject },
	{ "inject-vector17", "MSI data with vector 0x11 (IDT entry 17, #AC)",       -1, scenario_msi_inject },
	{ "inject-nmi",   "MSI data with delivery mode NMI",                        -1, scenario_msi_inject },
	{ "inject-init",  "MSI data with delivery mode INIT, at an AP",              -1, scenario_msi_inject },
	{ "inject-init-bsp", "MSI data with delivery mode INIT, at the BSP (CPU 0)", -1, scenario_msi_inject },
	{ "ordering-probe", "which instruction classes drain a buffered window store", -1, scenario_ordering_probe },
	{ "vmbus",        "Hyper-V found, hv_vmbus negotiated, hv_balloon bound, synthetic MSRs as written", -1, scenario_vmbus },
	{ "bench-cfg",    "config reads through the window vs BAR 0 MMIO reads (timed)", -1, scenario_bench_cfg },
};
const size_t n_scenarios = sizeof(scenarios) / sizeof(scenarios[0]);

const struct scenario *scenario_find(const char *name)
{
	for (size_t i = 0; i < n_scenarios; i++)
		if (!strcmp(scenarios[i].name, name))
			return &scenarios[i];
	return NULL;
}

/* ---------------------------------------------------------------- boot --- */

#define CPU_WORDS 16	/* 1024 CPUs */

static int count_bits(const unsigned long *mask, int words)
{
	int n = 0;

	for (int i = 0; i < words; i++)
		n += __builtin_popcountl(mask[i]);
	return n;
}

static void check_cpus(const struct agent *a)
{
	unsigned long online[CPU_WORDS], want[CPU_WORDS];
	const int bits = (int)(8 * sizeof(long));
	char buf[256], pbuf[256];
	int expect = a->smp;

	if (read_file("/sys/devices/system/cpu/online", buf, sizeof(buf)) < 0 ||
	    parse_cpulist(buf, online, CPU_WORDS)) {
		tap_ok(false, "CPUs online: cannot read or parse /sys/devices/system/cpu/online");
		return;
	}
	if (expect < 0) {
		/* vpci.smp not given: every possible CPU must be online. */
		if (read_file("/sys/devices/system/cpu/possible", pbuf, sizeof(pbuf)) < 0 ||
		    parse_cpulist(pbuf, want, CPU_WORDS)) {
			tap_ok(false, "CPUs online: cannot read /sys/devices/system/cpu/possible");
			return;
		}
		expect = count_bits(want, CPU_WORDS);
		tap_diag("vpci.smp not given; expecting the %d possible CPUs", expect);
	} else if (expect > CPU_WORDS * bits) {
		tap_ok(false, "CPUs online: vpci.smp=%d out of range", expect);
		return;
	} else {
		memset(want, 0, sizeof(want));
		for (int c = 0; c < expect; c++)
			want[c / bits] |= 1UL << (c % bits);
	}
	tap_ok(memcmp(online, want, sizeof(want)) == 0 && expect > 0,
	       "all %d CPUs online (online: %s)", expect, buf);
}

static void check_fault_module(void)
{
	bool mod = path_is("/sys/module/vpci_fault", S_IFDIR);
	bool dbg = path_is("/sys/kernel/debug/vpci_fault/triple_fault", S_IFREG);

	tap_ok(mod && dbg, "vpci_fault loaded (module %s, debugfs %s)",
	       mod ? "present" : "missing", dbg ? "present" : "missing");
}

static void check_mounts(void)
{
	static const char *const want[][2] = {
		{ "/proc", "proc" }, { "/sys", "sysfs" }, { "/dev", "devtmpfs" },
		{ "/sys/kernel/debug", "debugfs" },
	};
	static char mounts[16384];
	char missing[256] = "";
	bool ok = true;

	if (read_file("/proc/mounts", mounts, sizeof(mounts)) < 0) {
		tap_ok(false, "file systems mounted: cannot read /proc/mounts");
		return;
	}
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char needle[128];

		snprintf(needle, sizeof(needle), " %s %s ", want[i][0], want[i][1]);
		if (!strstr(mounts, needle)) {
			ok = false;
			strncat(missing, " ", sizeof(missing) - strlen(missing) - 1);
			strncat(missing, want[i][0], sizeof(missing) - strlen(missing) - 1);
		}
	}
	tap_ok(ok, "proc, sysfs, devtmpfs, debugfs mounted%s%s",
	       ok ? "" : "; missing:", missing);
}

static bool executable(const char *path)
{
	return path_is(path, S_IFREG) && access(path, X_OK) == 0;
}

static void check_rootfs(void)
{
	static const struct { const char *path; unsigned int type; } want[] = {
		{ "/init", S_IFREG }, { "/bin/busybox", S_IFREG }, { "/bin/sh", S_IFREG },
		{ "/dev/console", S_IFCHR }, { "/dev/ttyS1", S_IFCHR }, { "/dev/null", S_IFCHR },
		{ "/lib/modules/vpci/order", S_IFREG }, { "/tmp", S_IFDIR },
	};
	char bad[256] = "";
	bool ok = true;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		bool good = path_is(want[i].path, want[i].type);

		if (good && want[i].type == S_IFREG && strncmp(want[i].path, "/lib", 4))
			good = executable(want[i].path);
		if (!good) {
			ok = false;
			strncat(bad, " ", sizeof(bad) - strlen(bad) - 1);
			strncat(bad, want[i].path, sizeof(bad) - strlen(bad) - 1);
		}
	}
	tap_ok(ok, "rootfs sane (init, busybox, device nodes, module list)%s%s",
	       ok ? "" : "; bad:", bad);
}

static void check_taint(void)
{
	/* M machine check, B bad page, D oops, W warning, L soft lockup. */
	const unsigned long bad = 1UL << 4 | 1UL << 5 | 1UL << 7 | 1UL << 9 | 1UL << 14;
	char buf[32];
	unsigned long taint;

	if (read_file("/proc/sys/kernel/tainted", buf, sizeof(buf)) < 0) {
		tap_ok(false, "kernel clean: cannot read /proc/sys/kernel/tainted");
		return;
	}
	taint = strtoul(buf, NULL, 10);
	tap_ok(!(taint & bad), "kernel not tainted by oops/warning/lockup (tainted=%lu)", taint);
}

void scenario_boot(struct agent *a)
{
	check_cpus(a);
	check_fault_module();
	check_mounts();
	check_rootfs();
	check_taint();
}

/* -------------------------------------------------------------- faults --- */

/* Test 2 of every fault scenario: the trigger exists. */
static bool fault_ready(const char *file)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/debug/vpci_fault/%s", file);
	return tap_ok(path_is(path, S_IFREG), "fault trigger %s present", path);
}

static void fault(const char *file, const char *what, int cpu)
{
	char value[16] = "1";

	if (!fault_ready(file))
		power_off();
	if (cpu >= 0)
		snprintf(value, sizeof(value), "%d", cpu);
	if (trigger_fault(file, what, cpu, value))
		power_off();
	/* hang's writer returns; the others only if the fault is on another CPU. */
	tap_diag("%s trigger written; waiting", what);
	tap_flush();
	block_forever();
}

void scenario_triple_fault(struct agent *a)
{
	fault("triple_fault", "triple fault", a->cpu);
}

void scenario_panic(struct agent *a)
{
	/* panic() runs on the writer's CPU: move there first. */
	if (!pin_to_cpu(a->cpu))
		tap_diag("cannot move to cpu %d: %s", a->cpu, strerror(errno));
	fault("panic", "panic", sched_getcpu());
}

void scenario_hang(struct agent *a)
{
	fault("hang", "hang", a->cpu);
}

void scenario_hang_all(struct agent *a)
{
	(void)a;
	fault("hang_all", "hang", -1);
}

void scenario_reset(struct agent *a)
{
	(void)a;
	tap_diag("triggering reset (reboot(RB_AUTOBOOT))");
	machine_stop(RB_AUTOBOOT);
}

/* --------------------------------------------------------------- shell --- */

/* /dev/console cannot give job control; open the tty behind it (as cttyhack). */
static int open_console_tty(void)
{
	char active[256], path[300];
	char *last;
	int fd;

	if (read_file("/sys/class/tty/console/active", active, sizeof(active)) > 0) {
		last = strrchr(active, ' ');
		last = last ? last + 1 : active;
		snprintf(path, sizeof(path), "/dev/%s", last);
		fd = open(path, O_RDWR);
		if (fd >= 0)
			return fd;
	}
	return open("/dev/console", O_RDWR);
}

void scenario_shell(struct agent *a)
{
	pid_t pid;

	(void)a;
	tap_diag("starting /bin/sh on the console; exit it to power off");
	tap_flush();
	pid = fork();
	if (pid < 0) {
		tap_bail("fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		int fd;

		setsid();
		fd = open_console_tty();
		if (fd >= 0) {
			ioctl(fd, TIOCSCTTY, 1);
			for (int i = 0; i <= 2; i++)
				dup2(fd, i);
			if (fd > 2)
				close(fd);
			tcsetpgrp(0, getpid());
		}
		setenv("HOME", "/", 1);
		setenv("TERM", "vt100", 0);
		setenv("PS1", "vpci# ", 1);
		chdir("/");
		execl("/bin/sh", "-sh", (char *)NULL);
		_exit(127);
	}
	/* PID 1: reap everything until the shell itself exits. */
	for (;;) {
		int status;
		pid_t w = waitpid(-1, &status, 0);

		if (w == pid || (w < 0 && errno == ECHILD))
			break;
	}
	tap_diag("shell exited");
}
