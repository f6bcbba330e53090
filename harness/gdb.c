/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gdb.c - `run --gdb[=PORT]`: QEMU's arguments and RUN/gdb-script's text
 * (gdb.h; gdb-watch.c follows the run and calls them).
 */
#include "gdb.h"
#include "qemu-opt.h"
#include "lines.h"

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

gboolean
rig_gdb_kernel_has_symbols (const RigKernel *kernel)
{
	return kernel->symbols && g_file_test (kernel->symbols, G_FILE_TEST_IS_REGULAR);
}

gboolean
rig_gdb_write_script (const char *tap, const RigKernel *kernel, guint port,
                      const char *run_dir, const char *ksym, const char *ksym_error,
                      char **script_path, GError **error)
{
	g_auto(GStrv) lines = rig_split_lines (tap);
	g_autoptr(GHashTable) mods = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
	                                                    (GDestroyNotify) g_ptr_array_unref);
	g_autoptr(GPtrArray) order = g_ptr_array_new_with_free_func (g_free);
	g_autoptr(GString) s = g_string_new (NULL);
	const char *kodir = kernel->modules_dir;
	g_autofree char *path = g_build_filename (run_dir, "gdb-script", NULL);
	g_autofree char *release = NULL, *flag = NULL;
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
	if (rig_gdb_kernel_has_symbols (kernel)) {
		g_string_append_printf (s, "# kernel: %s (nokaslr: linked addresses)%s\n"
		                        "add-symbol-file %s\n", kernel->symbols,
		                        kernel->symbols_debug ? "" :
		                        "; no debug info (CONFIG_DEBUG_INFO is not set): names only",
		                        kernel->symbols);
	} else if (ksym) {
		if (kernel->tree)
			g_string_append_printf (s, "# kernel: names only, from the guest's /proc/kallsyms "
			                        "(%s/vmlinux has no symbol table)\n%s\n",
			                        kernel->tree, ksym);
		else
			g_string_append_printf (s, "# kernel: names only, from the guest's /proc/kallsyms "
			                        "(install linux-image-%s-dbg for source)\n%s\n",
			                        release ? release : "<release>", ksym);
	} else {
		g_string_append_printf (s, "# kernel symbols unavailable: %s\n",
		                        ksym_error ? ksym_error : "?");
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
