/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vpci-agent: /init of the vpci-rig guest.
 *
 * Mounts the pseudo file systems, reads vpci.* keys from /proc/cmdline,
 * loads the modules listed in /lib/modules/vpci/order, runs one scenario
 * (scenarios.c) reporting TAP 13 on /dev/ttyS1, and powers the machine off.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "agent.h"

#define MODULE_DIR   "/lib/modules/vpci"
#define MODULE_ORDER MODULE_DIR "/order"
#define TAP_TTY      "/dev/ttyS1"
#define FAULT_DIR    "/sys/kernel/debug/vpci_fault"

void machine_stop(int cmd)
{
	tap_flush();
	sync();
	reboot(cmd);
	con_log("reboot(%#x) failed: %s", (unsigned int)cmd, strerror(errno));
	block_forever();
}

void power_off(void)
{
	machine_stop(RB_POWER_OFF);
}

void block_forever(void)
{
	for (;;)
		pause();
}

int trigger_fault(const char *file, const char *what, int cpu, const char *value)
{
	char path[128];
	int err;

	if (cpu >= 0)
		tap_diag("triggering %s on cpu %d", what, cpu);
	else
		tap_diag("triggering %s on all cpus", what);
	tap_flush();
	sync();
	snprintf(path, sizeof(path), FAULT_DIR "/%s", file);
	err = write_file(path, value);
	if (err)
		tap_bail("write %s to %s: %s", value, path, strerror(-err));
	return err;
}

/* busybox halt/poweroff/reboot (without -f) signal PID 1. */
static void on_signal(int sig)
{
	sync();
	reboot(sig == SIGTERM ? RB_AUTOBOOT :
	       sig == SIGUSR1 ? RB_HALT_SYSTEM : RB_POWER_OFF);
}

static void do_mount(const char *src, const char *dst, const char *type,
		     unsigned long flags)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, flags, NULL) && errno != EBUSY)
		con_log("mount %s on %s: %s", type, dst, strerror(errno));
}

static void setup_console(void)
{
	int fd;

	/* The kernel opened /dev/console as fds 0-2 if it existed in the image. */
	if (fcntl(STDERR_FILENO, F_GETFD) >= 0)
		return;
	fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		return;
	for (int i = 0; i <= 2; i++)
		if (fd != i)
			dup2(fd, i);
	if (fd > 2)
		close(fd);
}

static void parse_cmdline(struct agent *a)
{
	static char buf[4096];
	char *save = NULL;

	if (read_file("/proc/cmdline", buf, sizeof(buf)) < 0)
		return;
	for (char *w = strtok_r(buf, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
		if (!strncmp(w, "vpci.scenario=", 14))
			a->scenario = w + 14;
		else if (!strncmp(w, "vpci.smp=", 9))
			a->smp = atoi(w + 9);
		else if (!strncmp(w, "vpci.cpu=", 9))
			a->cpu = atoi(w + 9);
		else if (!strncmp(w, "vpci.seed=", 10))
			a->seed = strtoul(w + 10, NULL, 0);
		else if (!strcmp(w, "vpci.gdb=1"))
			a->gdb = true;
		else if (!strcmp(w, "vpci.hyperv=1"))
			a->hyperv = true;
	}
}

/*
 * Module parameters from the kernel command line, as modprobe would give
 * them: every "MODULE.key=value" word becomes "key=value" for MODULE
 * (names compare with '-' and '_' as equals).
 */
static void module_params(const char *module, char *out, size_t len)
{
	static char buf[4096];
	char *save = NULL;
	size_t mlen = strlen(module), used = 0;

	out[0] = '\0';
	if (read_file("/proc/cmdline", buf, sizeof(buf)) < 0)
		return;
	for (char *w = strtok_r(buf, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save)) {
		size_t i;

		for (i = 0; i < mlen && w[i]; i++)
			if (w[i] != module[i] && !(strchr("-_", w[i]) && strchr("-_", module[i])))
				break;
		if (i != mlen || w[i] != '.' || !strchr(w + i + 1, '='))
			continue;
		used += snprintf(out + used, used < len ? len - used : 0, "%s%s",
				 used ? " " : "", w + i + 1);
	}
	if (used >= len)
		out[len - 1] = '\0';
}

/*
 * "# module-text NAME ADDR": where the module's code lives, so the harness
 * can name the instructions in the WC model's hazard reports.
 */
static void print_module_text(const char *module)
{
	char path[256], addr[64];

	snprintf(path, sizeof(path), "/sys/module/%s/sections/.text", module);
	if (read_file(path, addr, sizeof(addr)) > 0)
		tap_diag("module-text %s %s", module, strtok(addr, " \n"));
}

int load_module(const char *file)
{
	char path[512], params[1024], module[128];
	double t0 = uptime_s();
	int fd, err = 0;

	snprintf(path, sizeof(path), MODULE_DIR "/%s", file);
	snprintf(module, sizeof(module), "%.*s", (int)strcspn(file, "."), file);
	module_params(module, params, sizeof(params));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
	} else {
		if (syscall(SYS_finit_module, fd, params, 0) && errno != EEXIST)
			err = errno;
		close(fd);
	}
	if (err) {
		tap_diag("load %s: FAILED: %s", file, strerror(err));
		return -err;
	}
	tap_diag("load %s: ok (%.0f ms)%s%s", file, (uptime_s() - t0) * 1e3,
		 *params ? " with " : "", params);
	print_module_text(module);
	return 0;
}

int unload_module(const char *name)
{
	if (syscall(SYS_delete_module, name, O_NONBLOCK)) {
		int err = errno;

		tap_diag("unload %s: FAILED: %s", name, strerror(err));
		return -err;
	}
	tap_diag("unload %s: ok", name);
	return 0;
}

/*
 * Load every module named in the order file; one diagnostic per module.
 * Counts failures (a module already present counts as loaded).  A line is
 * "FILE" or "FILE hyperv" (images/in-tree-modules.txt): the second kind
 * only when the kernel command line has vpci.hyperv=1, so a run without
 * --hyperv loads what it always did.
 */
static void load_modules(struct agent *a)
{
	static char list[4096];
	char *save = NULL;
	int n;

	n = read_file(MODULE_ORDER, list, sizeof(list));
	if (n < 0) {
		tap_diag("no module list %s: %s", MODULE_ORDER, strerror(-n));
		return;
	}
	for (char *name = strtok_r(list, "\n", &save); name; name = strtok_r(NULL, "\n", &save)) {
		char *when;

		name += strspn(name, " \t");
		if (!*name || *name == '#')
			continue;
		when = name + strcspn(name, " \t");
		if (*when) {
			*when++ = '\0';
			when += strspn(when, " \t");
		}
		if (*when && strcmp(when, "hyperv")) {
			tap_diag("load %s: FAILED: unknown condition \"%s\" in %s", name, when,
				 MODULE_ORDER);
			a->modules_failed++;
			continue;
		}
		if (*when && !a->hyperv)
			continue;
		if (load_module(name))
			a->modules_failed++;
		else
			a->modules_loaded++;
	}
}

/*
 * The guest's clock against the machine's: under TCG the TSC counts host
 * ticks from the moment the VM started running, the kernel's boot clock from
 * its timekeeping start.  Two (TSC, uptime) pairs let bench's boot phases
 * place the kernel's clock on the machine's (docs/benchmarks.md).
 */
struct boot_clock {
	unsigned long long tsc;
	double uptime;
};

static void boot_clock_read(struct boot_clock *c)
{
	unsigned int lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	c->uptime = uptime_s();
	c->tsc = ((unsigned long long)hi << 32) | lo;
}

static void list_scenarios(void)
{
	for (size_t i = 0; i < n_scenarios; i++)
		printf("%-16s %s\n", scenarios[i].name, scenarios[i].description);
}

int main(int argc, char **argv)
{
	struct agent a = { .scenario = "boot", .smp = -1, .cpu = 0 };
	const struct scenario *s;
	struct utsname uts;
	struct boot_clock start, end;
	double modules_done;

	if (argc > 1 && !strcmp(argv[1], "--list")) {
		list_scenarios();
		return 0;
	}
	if (getpid() != 1) {
		fprintf(stderr, "usage: %s --list\n"
			"(anything else only as /init of the vpci-rig guest: it mounts "
			"file systems and powers the machine off)\n", argv[0]);
		return 2;
	}

	signal(SIGUSR1, on_signal);
	signal(SIGUSR2, on_signal);
	signal(SIGTERM, on_signal);

	do_mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID);
	setup_console();
	do_mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC);
	do_mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC);
	do_mount("debugfs", "/sys/kernel/debug", "debugfs", MS_NOSUID | MS_NODEV | MS_NOEXEC);
	setenv("PATH", "/bin:/sbin", 1);

	boot_clock_read(&start);
	parse_cmdline(&a);
	tap_open(TAP_TTY);
	uname(&uts);
	tap_diag("vpci-agent: kernel %s, scenario %s, smp %d, cpu %d, seed %lu, uptime %.3f s",
		 uts.release, a.scenario, a.smp, a.cpu, a.seed, uptime_s());

	s = scenario_find(a.scenario);
	if (!s) {
		tap_plan(1);
		tap_ok(false, "unknown scenario \"%s\" (try vpci-agent --list)", a.scenario);
		power_off();
	}

	if (s->tests >= 0)
		tap_plan(1 + s->tests);
	load_modules(&a);
	modules_done = uptime_s();
	tap_ok(a.modules_failed == 0, "modules loaded (%d ok, %d failed)",
	       a.modules_loaded, a.modules_failed);

	if (a.gdb)
		gdb_stop(&a);
	s->run(&a);

	if (s->tests < 0)
		tap_plan(tap_count());
	else if (tap_count() != 1 + s->tests)
		tap_diag("scenario %s planned %d tests, ran %d", s->name,
			 1 + s->tests, tap_count());
	boot_clock_read(&end);
	tap_diag("boot-clock: tsc %llu at %.6f s, modules loaded at %.6f s, tsc %llu at %.6f s",
		 start.tsc, start.uptime, modules_done, end.tsc, end.uptime);
	tap_diag("done: %d tests, %d failed, uptime %.3f s", tap_count(),
		 tap_failures(), end.uptime);
	power_off();
}
