/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * boot.h - one guest boot, shared by run, check and shell.
 *
 * rig_boot_options_parse() is the single parser for the run options (check
 * feeds it the argv it builds from tests/suite.cfg); rig_boot() creates the
 * run directory, builds and prints the QEMU argv, runs the session,
 * classifies the transcript and reports.
 */
#pragma once

#include <gio/gio.h>

#include "verdict.h"

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
	char          *record_dir;   /* --record DIR: QEMU record/replay log + snapshot */
	char          *replay_dir;   /* --replay DIR: play DIR's recording back */
	gboolean       json;
	gboolean       dry_run;
	gboolean       quiet;        /* print nothing (bench): the caller reports */
	RigConsoleMode console;
} RigBootOptions;

#define RIG_DEFAULT_SMP     4
#define RIG_DEFAULT_TIMEOUT 120
#define RIG_MAX_SMP         64
#define RIG_DEFAULT_ORDER   "random"

void rig_boot_options_init (RigBootOptions *opts);
void rig_boot_options_clear (RigBootOptions *opts);

/* Parses "run"-style arguments (argv[0] is the command name).  Errors are
 * RIG_ERROR_USAGE. */
gboolean rig_boot_options_parse (RigBootOptions *opts, const char *command,
                                 const char *summary, const char *description,
                                 int argc, char **argv, GError **error);

/* Boots, classifies and reports (text or JSON on stdout).  Returns FALSE
 * with RIG_ERROR_INFRA for the error verdict or anything that stopped the
 * boot; on TRUE, *verdict_out / *result_out say how it went. */
gboolean rig_boot (const RigBootOptions *opts, RigVerdictResult *result_out,
                   GCancellable *cancellable, GError **error);

/* Like rig_boot(), and says how long QEMU ran (start to exit, seconds) and
 * where the run directory is (free it). */
gboolean rig_boot_timed (const RigBootOptions *opts, RigVerdictResult *result_out,
                         double *seconds, char **run_dir_out,
                         GCancellable *cancellable, GError **error);
