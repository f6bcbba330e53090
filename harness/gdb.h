/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gdb.h - `run --gdb[=PORT]`: QEMU's gdbstub, the guest's stop point and
 * RUN/gdb-script (docs/debugging.md).
 */
#pragma once

#include <glib.h>

#include "config.h"
#include "run-options.h"


/* The first lines of every gdb script the harness writes (--gdb and
 * --replay --gdb).  gdb waits 2 s for a gdbstub reply by default; a TCG
 * QEMU on a loaded host (or one loading a replay snapshot) can take longer,
 * and a late reply desynchronises gdb's remote protocol ("Remote replied
 * unexpectedly"). */
#define RIG_GDB_SCRIPT_PREAMBLE \
	"set pagination off\nset confirm off\nset architecture i386:x86-64\n" \
	"set remotetimeout 60\n"

/* -gdb tcp:127.0.0.1:PORT and the third serial port (ttyS2 -> RUN/kallsyms). */
void rig_gdb_add_qemu_args (GStrvBuilder *b, const RigRunOptions *opts, const char *run_dir);

/* gdb-watch.c: follow RUN/tap.log from the default main context (the
 * session's loop); on the agent's "# gdb: ready", write RUN/gdb-script
 * (and RUN/kernel-symbols.o from RUN/kallsyms, with `as`) and print the
 * line to paste (on stderr with @json).  Returns a source id for
 * g_source_remove(). */
guint rig_gdb_watch (const char *run_dir, const RigKernel *kernel, guint port, gboolean json);

/* Does the kernel come with its own symbol file for gdb? */
gboolean rig_gdb_kernel_has_symbols (const RigKernel *kernel);

/* Writes RUN/gdb-script from a TAP log with "# gdb: section" lines;
 * FALSE if the log has no "# gdb: ready" yet.  @ksym: the gdb command
 * that loads RUN/kernel-symbols.o, for a kernel without a symbol file
 * (else NULL, and @ksym_error says why). */
gboolean rig_gdb_write_script (const char *tap, const RigKernel *kernel, guint port,
                               const char *run_dir, const char *ksym, const char *ksym_error,
                               char **script_path, GError **error);
