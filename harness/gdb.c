/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gdb.c - `run --gdb[=PORT]`.
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
#include "qemu-opt.h"
#include "lines.h"
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void
rig_gdb_add_qemu_args (GStrvBuilder *b, const RigRunOptions *opts, const char *run_dir)
{
	g_autofree char *gdb = NULL, *ser = NULL;
	g_autofree char *dir = NULL;

	if (!opts->gdb_port)
		return;
	if (opts->replay_dir) {
		/* the replay waits at its first instruction; no ttyS2: the guest
		 * must see the recorded machine (replay.c writes the script) */
		gdb = g_strdup_printf ("tcp:127.0.0.1:%u", opts->gdb_port);
		g_strv_builder_add_many (b, "-gdb", gdb, "-S", NULL);
		return;
	}
	dir = rig_qemu_opt_escape (run_dir);
	gdb = g_strdup_printf ("tcp:127.0.0.1:%u", opts->gdb_port);
	ser = g_strdup_printf ("file,id=ksyms,path=%s/kallsyms", dir);
	g_strv_builder_add (b, "-gdb");
	g_strv_builder_add (b, gdb);
	g_strv_builder_add (b, "-chardev");
	g_strv_builder_add (b, ser);
	g_strv_builder_add (b, "-serial");
	g_strv_builder_add (b, "chardev:ksyms");
}

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

gboolean
rig_gdb_write_script (const char *tap, const RigKernel *kernel, guint port,
                      const char *run_dir, char **script_path, GError **error)
{
	g_auto(GStrv) lines = rig_split_lines (tap);
	g_autoptr(GHashTable) mods = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
	                                                    (GDestroyNotify) g_ptr_array_unref);
	g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func (g_free);
	g_autoptr(GString) s = g_string_new (NULL);
	const char *kodir = kernel->modules_dir;
	g_autofree char *path = g_build_filename (run_dir, "gdb-script", NULL);
	g_autofree char *release = NULL, *ksym = NULL, *flag = NULL;
	g_autoptr(GError) local = NULL;
	gboolean ready = FALSE;

	for (guint i = 0; lines[i]; i++) {
		char mod[128], sec[256], addr[64];
		GPtrArray *secs;

		g_strchomp (lines[i]);
		if (g_str_equal (lines[i], "# gdb: ready"))
			ready = TRUE;
		else if (g_str_has_prefix (lines[i], "# vpci-agent: kernel ") && !release)
			release = g_strndup (lines[i] + 21, strcspn (lines[i] + 21, ","));
		if (sscanf (lines[i], "# gdb: section %127s %255s %63s", mod, sec, addr) != 3)
			continue;
		secs = g_hash_table_lookup (mods, mod);
		if (!secs) {
			secs = g_ptr_array_new_with_free_func (g_free);
			g_hash_table_insert (mods, g_strdup (mod), secs);
			g_ptr_array_add (order, g_strdup (mod));
		}
		g_ptr_array_add (secs, g_strdup_printf ("%s %s", sec, addr));
	}
	if (!ready)
		return FALSE;

	g_string_append_printf (s, "# Written by vpci-rig-harness for %s (docs/debugging.md).\n"
	                        RIG_GDB_SCRIPT_PREAMBLE, run_dir);
	if (kernel->symbols && g_file_test (kernel->symbols, G_FILE_TEST_IS_REGULAR)) {
		g_string_append_printf (s, "# kernel: %s (nokaslr: linked addresses)%s\n"
		                        "add-symbol-file %s\n", kernel->symbols,
		                        kernel->symbols_debug ? "" :
		                        "; no debug info (CONFIG_DEBUG_INFO is not set): names only",
		                        kernel->symbols);
	} else if (make_kernel_symbols (run_dir, &ksym, &local)) {
		if (kernel->tree)
			g_string_append_printf (s, "# kernel: names only, from the guest's /proc/kallsyms "
			                        "(%s/vmlinux has no symbol table)\n%s\n",
			                        kernel->tree, ksym);
		else
			g_string_append_printf (s, "# kernel: names only, from the guest's /proc/kallsyms "
			                        "(install linux-image-%s-dbg for source)\n%s\n",
			                        release ? release : "<release>", ksym);
	} else {
		g_string_append_printf (s, "# kernel symbols unavailable: %s\n", local->message);
	}
	for (guint i = 0; i < order->len; i++) {
		const char *mod = order->pdata[i];
		GPtrArray *secs = g_hash_table_lookup (mods, mod);
		g_autofree char *ko = g_strdup_printf ("%s/%s.ko", kodir, mod);
		const char *text = NULL;

		if (!g_file_test (ko, G_FILE_TEST_IS_REGULAR))
			continue;   /* an in-tree module: its names are in kallsyms */
		for (guint j = 0; j < secs->len; j++)
			if (g_str_has_prefix (secs->pdata[j], ".text "))
				text = (const char *) secs->pdata[j] + 6;
		if (!text)
			continue;
		g_string_append_printf (s, "add-symbol-file %s %s", ko, text);
		for (guint j = 0; j < secs->len; j++) {
			const char *sec = secs->pdata[j];

			/* .symtab/.strtab: the module's kallsyms copy, not in the .ko */
			if (g_str_has_prefix (sec, ".text ") || g_str_has_prefix (sec, ".symtab ") ||
			    g_str_has_prefix (sec, ".strtab "))
				continue;
			g_string_append_printf (s, " -s %s", sec);
		}
		g_string_append_c (s, '\n');
	}
	/* The flag's address from the guest's kallsyms when it is there: gdb 13
	 * places .bss statics of 6.12 modules at the .text base (their empty
	 * .data has a non-zero VMA), so the name alone is not reliable. */
	{
		g_autofree char *ks_path = g_build_filename (run_dir, "kallsyms", NULL);
		g_autofree char *ks = NULL;
		const char *hit = NULL, *line;

		if (g_file_get_contents (ks_path, &ks, NULL, NULL))
			hit = strstr (ks, " vpci_gdb_go\t[vpci_fault]");
		for (line = hit; line && line > ks && line[-1] != '\n'; line--)
			;
		if (hit && line)
			flag = g_strdup_printf ("*(int *) 0x%.*s", (int) strcspn (line, " "), line);
	}
	g_string_append_printf (s, "target remote 127.0.0.1:%u\n"
	                        "# release the agent's stop point: the next 'continue' runs the scenario\n"
	                        "set var %s = 1\n"
	                        "echo vpci-rig: guest stopped after loading its modules; "
	                        "'continue' runs the scenario\\n\n", port,
	                        flag ? flag : "vpci_gdb_go");
	if (!g_file_set_contents (path, s->str, s->len, error))
		return FALSE;
	*script_path = g_steal_pointer (&path);
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
	g_autofree char *tap = NULL, *script = NULL;
	g_autoptr(GError) error = NULL;

	if (!g_file_get_contents (tap_path, &tap, NULL, NULL) || !strstr (tap, "# gdb: ready"))
		return G_SOURCE_CONTINUE;
	if (!rig_gdb_write_script (tap, w->kernel, w->port, w->run_dir, &script, &error)) {
		g_printerr ("gdb: cannot write the script: %s\n", error ? error->message : "?");
		return G_SOURCE_REMOVE;
	}
	/* with --json stdout is the JSON object alone */
	(w->json ? g_printerr : g_print) ("gdb: guest stopped after loading its modules; connect with:\n"
	                                  "  gdb -x %s\n", script);
	return G_SOURCE_REMOVE;
}

guint
rig_gdb_watch (const RigRunOptions *opts, const RigKernel *kernel, const char *run_dir)
{
	Watch *w;

	if (!opts->gdb_port || opts->replay_dir)
		return 0;
	w = g_new0 (Watch, 1);
	w->run_dir = g_strdup (run_dir);
	w->kernel = g_new0 (RigKernel, 1);
	w->kernel->name = g_strdup (kernel->name);
	w->kernel->modules_dir = g_strdup (kernel->modules_dir);
	w->kernel->symbols = g_strdup (kernel->symbols);
	w->kernel->symbols_debug = kernel->symbols_debug;
	w->kernel->tree = g_strdup (kernel->tree);
	w->port = opts->gdb_port;
	w->json = opts->json;
	return g_timeout_add_full (G_PRIORITY_DEFAULT, 200, watch_tick, w, watch_free);
}
