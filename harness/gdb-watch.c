/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gdb-watch.c - `run --gdb[=PORT]` while the guest boots (gdb.h).
 *
 * QEMU gets `-gdb tcp:127.0.0.1:PORT` and a third serial port whose output is
 * RUN/kallsyms; the kernel command line gets vpci.gdb=1 (qemu-cmd.c).  The
 * agent then (guest-driver/agent/gdb.c), once our modules are loaded and
 * before the scenario: copies /proc/kallsyms to ttyS2, prints
 * "# gdb: section MODULE SECTION ADDR" for every section of every module it
 * loaded, prints "# gdb: ready" and sleeps in vpci_fault's vpci_gdb_stop()
 * until gdb sets vpci_gdb_go.
 *
 * Here: on "# gdb: ready" (tap.log polled from the session's main loop),
 * RUN/kernel-symbols.o is made from RUN/kallsyms (kernel symbols by name:
 * an assembler file of `sym = base + offset` in one NOBITS section, so no
 * debug info but every name), and RUN/gdb-script loads, in order: the
 * kernel's own symbol file when there is one (RigKernel.symbols: Debian's
 * /usr/lib/debug/boot/vmlinux-<release> from linux-image-<release>-dbg, or
 * TREE/vmlinux of a --kernel TREE, with debug info if it was built with it)
 * else kernel-symbols.o; then each of our modules' .ko from the kernel's
 * modules dir (build/meson/guest-driver/modules-<flavour>/, or the tree's
 * build/kernel/tree-<hash>/modules/; built with debug info) at the
 * addresses the guest reported, every section with -s; connects to the
 * gdbstub; and releases the guest's stop point, so the user's first
 * `continue` runs the scenario.
 */
#include "gdb.h"
#include "lines.h"

#include <stdio.h>
#include <string.h>

/* RUN/kallsyms -> RUN/kernel-symbols.o.  Module symbols ("[mod]") are left
 * out (ours come with debug info from the .ko files); so are per-CPU
 * offsets and anything below the kernel's half of the address space. */
static gboolean
make_kernel_symbols (const char *run_dir, char **out, GError **error)
{
	g_autofree char *ks = g_build_filename (run_dir, "kallsyms", NULL);
	g_autofree char *src = g_build_filename (run_dir, "kernel-symbols.s", NULL);
	g_autofree char *obj = g_build_filename (run_dir, "kernel-symbols.o", NULL);
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GString) s = g_string_new (NULL);
	g_autoptr(GString) body = g_string_new (NULL);
	guint64 lo = G_MAXUINT64, hi = 0;
	guint count = 0;
	int status = 0;
	const char *as_argv[] = { "as", "-o", obj, src, NULL };
	g_autofree char *as_err = NULL;

	if (!g_file_get_contents (ks, &text, NULL, error))
		return FALSE;
	lines = rig_split_lines (text);
	for (guint pass = 0; pass < 2; pass++) {
		for (guint i = 0; lines[i]; i++) {
			char type, name[512];
			guint64 addr;

			if (sscanf (lines[i], "%" G_GINT64_MODIFIER "x %c %511s", &addr, &type, name) != 3)
				continue;
			if (strchr (lines[i], '[') || addr < 0xffff800000000000ull || strchr (name, '"'))
				continue;
			if (pass == 0) {
				lo = MIN (lo, addr);
				hi = MAX (hi, addr);
				continue;
			}
			g_string_append_printf (body, "\t.globl \"%s\"\n\t.type \"%s\", %s\n"
			                        "\t\"%s\" = ksyms_base + 0x%" G_GINT64_MODIFIER "x\n",
			                        name, name,
			                        (type == 't' || type == 'T' || type == 'w' || type == 'W') ?
			                        "@function" : "@object", name, addr - lo);
			count++;
		}
	}
	if (!count) {
		g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "%s: no kernel symbols", ks);
		return FALSE;
	}
	g_string_append_printf (s, "# From RUN/kallsyms (%u symbols); load at 0x%" G_GINT64_MODIFIER "x.\n"
	                        "\t.section .ksyms,\"awx\",@nobits\nksyms_base:\n"
	                        "\t.skip 0x%" G_GINT64_MODIFIER "x\n%s",
	                        count, lo, hi - lo + 1, body->str);
	if (!g_file_set_contents (src, s->str, s->len, error))
		return FALSE;
	if (!g_spawn_sync (NULL, (char **) as_argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
	                   NULL, &as_err, &status, error))
		return FALSE;
	if (!g_spawn_check_wait_status (status, error)) {
		g_prefix_error (error, "as %s: %s: ", src, as_err ? as_err : "");
		return FALSE;
	}
	*out = g_strdup_printf ("add-symbol-file %s -s .ksyms 0x%" G_GINT64_MODIFIER "x", obj, lo);
	return TRUE;
}

typedef struct {
	char      *run_dir;
	RigKernel *kernel;      /* the fields rig_gdb_write_script() reads */
	guint      port;
	gboolean   json;
} Watch;

static void
watch_free (gpointer data)
{
	Watch *w = data;

	g_free (w->run_dir);
	rig_kernel_free (w->kernel);
	g_free (w);
}

static gboolean
watch_tick (gpointer data)
{
	Watch *w = data;
	g_autofree char *tap_path = g_build_filename (w->run_dir, "tap.log", NULL);
	g_autofree char *tap = NULL, *script = NULL, *ksym = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) ksym_error = NULL;

	if (!g_file_get_contents (tap_path, &tap, NULL, NULL) || !strstr (tap, "# gdb: ready"))
		return G_SOURCE_CONTINUE;
	if (!rig_gdb_kernel_has_symbols (w->kernel))
		make_kernel_symbols (w->run_dir, &ksym, &ksym_error);
	if (!rig_gdb_write_script (tap, w->kernel, w->port, w->run_dir, ksym,
	                           ksym_error ? ksym_error->message : NULL, &script, &error)) {
		g_printerr ("gdb: cannot write the script: %s\n", error ? error->message : "?");
		return G_SOURCE_REMOVE;
	}
	/* with --json stdout is the JSON object alone */
	(w->json ? g_printerr : g_print) ("gdb: guest stopped after loading its modules; connect with:\n"
	                                  "  gdb -x %s\n", script);
	return G_SOURCE_REMOVE;
}

guint
rig_gdb_watch (const char *run_dir, const RigKernel *kernel, guint port, gboolean json)
{
	Watch *w;

	w = g_new0 (Watch, 1);
	w->run_dir = g_strdup (run_dir);
	w->kernel = g_new0 (RigKernel, 1);
	w->kernel->name = g_strdup (kernel->name);
	w->kernel->modules_dir = g_strdup (kernel->modules_dir);
	w->kernel->symbols = g_strdup (kernel->symbols);
	w->kernel->symbols_debug = kernel->symbols_debug;
	w->kernel->tree = g_strdup (kernel->tree);
	w->port = port;
	w->json = json;
	return g_timeout_add_full (G_PRIORITY_DEFAULT, 200, watch_tick, w, watch_free);
}
