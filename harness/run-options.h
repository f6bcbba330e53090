/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * run-options.h - the options of one run, parsed once.
 *
 * rig_run_options_parse() is the one parser of the run options: `run`,
 * `shell` and `sweep` give it their argv, `check` the argv it builds from
 * tests/suite.cfg, and a --replay loads the recorded run's options from
 * DIR/record.ini into the same struct.  Pure: it reads record.ini and
 * nothing else, and starts nothing.
 */
#pragma once

#include <glib.h>

typedef enum {
	RIG_CONSOLE_FILE,     /* ttyS0 -> RUN/console.log */
	RIG_CONSOLE_STDIO,    /* ttyS0 on the user's terminal (shell) */
} RigConsoleMode;

typedef struct {
	char          *scenario;
	guint          smp;
	guint          cpu;
	guint64        seed;
	guint          timeout;      /* seconds; 0 = none */
	char          *kernel;       /* "6.1" or a path */
	char          *keep;         /* run directory, or NULL for the default */
	char          *config;       /* rig.ini, or NULL for TOP/build/rig.ini */
	guint          gdb_port;     /* --gdb[=PORT]: QEMU gdbstub port, 0 = off */
	char         **devices;      /* --device SPEC..., behind the vPCI bus */
	gboolean       wc;           /* --wc on|off: hv-vpci's write-combining model */
	char          *order;        /* --order program|reverse|random (hv-vpci wc-order) */
	char          *fences;       /* --fences all|none|SITE,... (hv_vpci fences=) */
	gboolean       icount;       /* --mode icount: one thread, -icount (else mttcg) */
	gboolean       eager_irq;    /* --irq-mode eager (hv_vpci eager_affinity=1) */
	gboolean       remap;        /* --remap on|off: hv-vpci remap= (forced off by a
	                              * scenario with no_remap) */
	gboolean       hyperv;       /* --hyperv: Hyper-V's interface and a VMBus
	                              * (forced on by a scenario with hyperv) */
	char          *record_dir;   /* --record DIR: QEMU record/replay log + snapshot */
	char          *replay_dir;   /* --replay DIR: play DIR's recording back */
	gboolean       json;
	gboolean       dry_run;
	gboolean       quiet;        /* print nothing (bench): the caller reports */
	RigConsoleMode console;      /* RIG_CONSOLE_STDIO: interactive (`shell`) */
} RigRunOptions;

#define RIG_DEFAULT_SMP     4
#define RIG_DEFAULT_TIMEOUT 120
#define RIG_MAX_SMP         64
#define RIG_DEFAULT_ORDER   "random"

#define RIG_GDB_DEFAULT_PORT 1234

/* A recording's options, as run arguments (rig_run_options_to_args()). */
#define RIG_RECORD_INI "record.ini"

void rig_run_options_init (RigRunOptions *opts);
void rig_run_options_clear (RigRunOptions *opts);

/* For `shell`: scenario "shell" (the barrier-stress device set), the
 * console on this terminal, no timeout.  rig_run_options_parse() then
 * takes the options that make sense interactively: no SCENARIO, --cpu,
 * --timeout, --json, --record or --replay (hidden from --help, a usage
 * error if given). */
void rig_run_options_init_shell (RigRunOptions *opts);

/* Parses "run"-style arguments (argv[0] is the command name).  Errors are
 * RIG_ERROR_USAGE. */
gboolean rig_run_options_parse (RigRunOptions *opts, const char *command,
                                const char *summary, const char *description,
                                int argc, char **argv, GError **error);

/* What opts->scenario forces, whatever the options said: remap off (a
 * no_remap scenario), --hyperv (a hyperv one).  rig_run_options_parse()
 * applies it; a caller that sets the scenario itself (bench) calls it. */
void rig_run_options_apply_scenario (RigRunOptions *opts);

/* The options that make the guest what it was, as run arguments that
 * rig_run_options_parse() takes back (record.ini).  @kernel: the resolved
 * --kernel (a build tree as its canonical path). */
GStrv rig_run_options_to_args (const RigRunOptions *opts, const char *kernel);
