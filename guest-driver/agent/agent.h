/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vpci-agent: the guest's /init.  Shared declarations.
 *
 * A scenario is one entry in the table in scenarios.c: a name, a one-line
 * description, the number of TAP test points it emits (so the plan can be
 * printed first) and the function that runs it.  To add one, write the
 * function (in its own file if it is large), declare it below and add a line
 * to the table.
 */
#ifndef VPCI_AGENT_H
#define VPCI_AGENT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* What /proc/cmdline asked for, plus what the agent found at start-up. */
struct agent {
	const char *scenario;   /* vpci.scenario, default "boot" */
	int smp;                /* vpci.smp, -1 if not given */
	int cpu;                /* vpci.cpu, default 0 */
	unsigned long seed;     /* vpci.seed, default 0 */
	int modules_loaded;     /* modules from the order file that loaded */
	int modules_failed;     /* modules that failed to load */
	bool gdb;               /* vpci.gdb=1: stop for gdb before the scenario */
	bool hyperv;            /* vpci.hyperv=1: Hyper-V's interface is on
				 * (--hyperv): load the order file's "hyperv"
				 * modules too */
};

struct scenario {
	const char *name;
	const char *description;
	/*
	 * Test points the scenario emits, not counting the agent's own
	 * "modules loaded" test (test 1).  -1: not known in advance, the plan
	 * is printed after the scenario returns.
	 */
	int tests;
	/*
	 * Runs the scenario.  Return normally to power off (the verdict comes
	 * from the TAP lines emitted); fault scenarios never return.
	 */
	void (*run)(struct agent *a);
};

extern const struct scenario scenarios[];
extern const size_t n_scenarios;
const struct scenario *scenario_find(const char *name);

/* --- TAP on /dev/ttyS1 (mirrored to the console) ------------------------ */
void tap_open(const char *path);
void tap_plan(int n);
/* Emit "ok N - text" or "not ok N - text"; returns @cond. */
bool tap_ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tap_bail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tap_flush(void);          /* wait until every byte left the UART */
int tap_count(void);           /* test points emitted so far */
int tap_failures(void);        /* of which not ok */

/* --- helpers (util.c) ----------------------------------------------------- */
/* Read a whole (small) file into buf, NUL-terminated, trailing newline cut. */
int read_file(const char *path, char *buf, size_t size);
/* Write a string to a file (sysfs/debugfs); returns 0 or -errno. */
int write_file(const char *path, const char *s);
/* Parse a kernel CPU list ("0-3,5") into a bitmap of up to 64*words CPUs. */
int parse_cpulist(const char *s, unsigned long *mask, int words);
bool path_is(const char *path, unsigned int type_mask);   /* S_IFDIR etc. */
double uptime_s(void);
/* Run the calling thread on @cpu only; false if the kernel refused. */
bool pin_to_cpu(int cpu);
/* Lines of the kernel log (klogctl) containing @needle, the first in
 * @first; -1 if the log cannot be read.  Main thread only. */
int klog_count(const char *needle, char *first, size_t size);
/* Kernel log lines with any of @words (NULL-terminated) as TAP diagnostics
 * (at most 20): what the kernel logs below the console level. */
void klog_diag(const char *const *words);
/* Log to /dev/console (kernel console log), with an "vpci-agent:" prefix. */
void con_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --- the --gdb stop point (gdb.c) ---------------------------------------- */
/* Kallsyms to ttyS2, module sections as TAP diagnostics, "# gdb: ready",
 * then sleep in vpci_fault's vpci_gdb_stop() until gdb releases the guest. */
void gdb_stop(struct agent *a);

/* --- modules (main.c) ----------------------------------------------------- */
/* finit_module() MODULE_DIR/@file with its parameters from the kernel
 * command line; a diagnostic either way.  0 or -errno (EEXIST is success). */
int load_module(const char *file);
/* delete_module(@name); a diagnostic either way.  0 or -errno. */
int unload_module(const char *name);

/* --- machine control (main.c) -------------------------------------------- */
/* Flush TAP, sync, reboot(@cmd) (RB_POWER_OFF, RB_AUTOBOOT...); never returns. */
void machine_stop(int cmd) __attribute__((noreturn));
void power_off(void) __attribute__((noreturn));
void block_forever(void) __attribute__((noreturn));
/*
 * Fault scenarios: emit "# triggering WHAT on cpu N", flush TAP, write @value
 * to /sys/kernel/debug/vpci_fault/@file.  Returns -errno if the write failed.
 */
int trigger_fault(const char *file, const char *what, int cpu, const char *value);

/* --- scenarios ----------------------------------------------------------- */
void scenario_boot(struct agent *a);
void scenario_triple_fault(struct agent *a);
void scenario_panic(struct agent *a);
void scenario_hang(struct agent *a);
void scenario_hang_all(struct agent *a);
void scenario_reset(struct agent *a);
void scenario_shell(struct agent *a);
/* scenarios on the hv-vpci bus, a file each (their helpers: vbus.h) */
void scenario_enum(struct agent *a);
void scenario_cfg_stress(struct agent *a);
void scenario_irq(struct agent *a);
void scenario_passthrough(struct agent *a);
void scenario_hotplug(struct agent *a);		/* hotplug.c */
void scenario_hostile(struct agent *a);		/* hotplug.c */
void scenario_barrier_stress(struct agent *a);
void scenario_ordering_probe(struct agent *a);
/* msi.c */
void scenario_msi_stress(struct agent *a);
/* ktrace.c: the kernel's trace of some irqs, with vpci.ktrace=1 */
void ktrace_start(const int *irqs, int n);
void ktrace_dump(int irq, const char *why);
void ktrace_summary(void);
/* inject.c: inject-freed, -vector0, -vector17, -nmi, -init, -init-bsp */
void scenario_msi_inject(struct agent *a);
/* affinity.c */
void scenario_irq_affinity(struct agent *a);
/* bench.c */
void scenario_bench_cfg(struct agent *a);
/* vmbus.c: Hyper-V under TCG, hv_vmbus and hv_balloon (--hyperv) */
void scenario_vmbus(struct agent *a);

#endif
