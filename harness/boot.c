/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * boot.c - options, run directory, QEMU argv, session, verdict, report.
 */
#include "boot.h"
#include "config.h"
#include "qemu-cmd.h"
#include "report.h"
#include "rig-command.h"
#include "scenarios.h"
#include "session.h"
#include "symbols.h"
#include "gdb.h"
#include "hazards.h"
#include "vpci-devices.h"
#include "replay.h"

#include <glib/gstdio.h>
#include <unistd.h>

/* The run directory: --keep DIR or build/runs/<time>-<scenario>-<pid>;
 * created unless @create is FALSE (--dry-run). */
static char *
make_run_dir (const RigRunOptions *opts, gboolean create, GError **error)
{
	g_autofree char *dir = NULL;

	if (opts->keep) {
		dir = g_canonicalize_filename (opts->keep, NULL);
	} else {
		g_autoptr(GDateTime) now = g_date_time_new_now_local ();
		g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
		g_autofree char *name = g_strdup_printf ("%s-%s-%d", stamp, opts->scenario, (int) getpid ());

		dir = g_build_filename (rig_top_dir (), "build", "runs", name, NULL);
	}
	if (create && g_mkdir_with_parents (dir, 0755) < 0) {
		int saved = errno;

		g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "cannot create run directory %s: %s",
		             dir, g_strerror (saved));
		return NULL;
	}
	return g_steal_pointer (&dir);
}

static gboolean
check_file (const char *what, const char *path, GFileTest test, GError **error)
{
	if (g_file_test (path, test))
		return TRUE;
	g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "%s %s does not exist%s", what, path,
	             test == G_FILE_TEST_IS_EXECUTABLE ? " or is not executable" : "");
	return FALSE;
}

/* The first lines of QEMU's stderr, to explain an error verdict. */
static void
print_qemu_stderr (const char *run_dir)
{
	g_autofree char *path = g_build_filename (run_dir, "qemu-stderr.log", NULL);
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;

	if (!g_file_get_contents (path, &text, NULL, NULL) || !*text)
		return;
	lines = g_strsplit (text, "\n", 11);
	g_printerr ("QEMU said (%s):\n", path);
	for (guint i = 0; lines[i] && i < 10; i++)
		if (*lines[i])
			g_printerr ("  %s\n", lines[i]);
}

static void
read_log (const char *dir, const char *name, char **out)
{
	g_autofree char *path = g_build_filename (dir, name, NULL);
	g_autoptr(GMappedFile) map = g_mapped_file_new (path, FALSE, NULL);
	const char *text = map ? g_mapped_file_get_contents (map) : NULL;
	gsize len = map ? g_mapped_file_get_length (map) : 0;

	g_free (*out);
	if (!text) {
		*out = g_strdup ("");
	} else if (len <= RIG_LOG_READ_MAX) {
		*out = g_strndup (text, len);
	} else {
		/*
		 * A guest that floods a serial port must not make the verdict
		 * read gigabytes: the start (plan, first results) and the end
		 * (panic, last results) are what the classifier needs.
		 */
		gsize half = RIG_LOG_READ_MAX / 2;

		*out = g_strdup_printf ("%.*s\n# vpci-rig: %" G_GSIZE_FORMAT " bytes of %s left out\n%.*s",
		                        (int) half, text, len - 2 * half, name,
		                        (int) half, text + len - half);
	}
}

static void
say_nothing (G_GNUC_UNUSED const char *fmt, ...)
{
}

gboolean
rig_boot (const RigRunOptions *opts, RigVerdictResult *result, GCancellable *cancellable,
          GError **error)
{
	return rig_boot_timed (opts, result, NULL, NULL, cancellable, error);
}

gboolean
rig_boot_timed (const RigRunOptions *opts, RigVerdictResult *result, double *seconds,
                char **run_dir_out, GCancellable *cancellable, GError **error)
{
	g_autofree char *config_path = opts->config ? g_strdup (opts->config) : rig_config_default_path ();
	g_autoptr(RigConfig) config = NULL;
	g_autoptr(RigKernel) kernel = NULL;
	g_autofree char *run_dir = NULL;
	g_autofree char *cmdline = NULL;
	g_autofree char *cmdline_path = NULL;
	g_autofree char *cmdline_file = NULL;
	g_autofree char *symbol = NULL;
	g_autoptr(RigTranscript) t = NULL;
	g_autoptr(GError) local = NULL;
	g_auto(GStrv) argv = NULL;
	RigSessionParams params = { 0 };
	RigSessionInfo info = { 0 };
	RigReport report = { 0 };
	guint gdb_watch;
	/* with --json, stdout carries the JSON object alone */
	void (*say) (const char *, ...) = opts->quiet ? say_nothing :
	                                   opts->json ? g_printerr : g_print;

	memset (result, 0, sizeof *result);
	config = rig_config_load (config_path, error);
	if (!config)
		return FALSE;
	if (opts->replay_dir) {
		/* the recording has its own copies of kernel, initramfs and
		 * modules (replay.c); a build tree it came from may be gone */
		kernel = rig_config_get_kernel (config, opts->kernel, NULL);
		if (!kernel) {
			kernel = g_new0 (RigKernel, 1);
			kernel->name = g_strdup (opts->kernel);
		}
	} else {
		kernel = rig_config_get_kernel (config, opts->kernel, error);
		if (!kernel)
			return FALSE;
		if (kernel->tree && opts->dry_run) {
			/* no preparation: show what the last one chose, if any */
			if (!rig_kernel_load_prepared (kernel, NULL)) {
				say ("kernel tree: %s not prepared yet; a run prepares it into %s and "
				     "chooses its image\n", kernel->tree, kernel->tree_out);
				g_free (kernel->kernel);
				kernel->kernel = g_build_filename (kernel->tree, "vmlinux", NULL);
			}
		} else if (kernel->tree && !rig_kernel_prepare_tree (kernel, cancellable, error)) {
			return FALSE;
		}
	}
	/* --dry-run: nothing is created, written or started */
	run_dir = make_run_dir (opts, !opts->dry_run, error);
	if (!run_dir)
		return FALSE;
	if (run_dir_out)
		*run_dir_out = g_strdup (run_dir);
	if (!opts->dry_run && !rig_replay_prepare (opts, config, kernel, error))
		return FALSE;

	argv = rig_qemu_argv (config, kernel, opts, run_dir);
	cmdline = rig_argv_to_string ((const char *const *) argv);
	say ("run directory: %s%s\n", run_dir, opts->dry_run ? " (not created: --dry-run)" : "");
	say ("%s\n", cmdline);
	if (opts->dry_run)
		return TRUE;
	cmdline_path = g_build_filename (run_dir, "cmdline", NULL);
	cmdline_file = g_strconcat (cmdline, "\n", NULL);
	if (!g_file_set_contents (cmdline_path, cmdline_file, -1, &local)) {
		g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "%s", local->message);
		return FALSE;
	}
	rig_replay_save_cmdline (opts, cmdline_file);
	if (!rig_vpci_prepare_run_dir (opts, run_dir, error))
		return FALSE;
	{
		g_autofree char *script = rig_replay_gdb_script (opts, run_dir, &local);

		if (script)
			say ("gdb: the replay waits for gdb at its first instruction; connect with:\n"
			     "  gdb -x %s\n", script);
		else if (local)
			g_printerr ("warning: no gdb script: %s\n", local->message);
		g_clear_error (&local);
	}

	if (!check_file ("QEMU binary", config->qemu_binary, G_FILE_TEST_IS_EXECUTABLE, error) ||
	    !check_file ("kernel", kernel->kernel, G_FILE_TEST_IS_REGULAR, error) ||
	    !check_file ("initramfs", kernel->initramfs, G_FILE_TEST_IS_REGULAR, error))
		return FALSE;

	t = rig_transcript_new ();
	params.run_dir = run_dir;
	params.argv = (const char *const *) argv;
	/* with --gdb the user may sit at a breakpoint for as long as they like */
	params.timeout = opts->gdb_port ? 0 : opts->timeout;
	params.console = opts->console;
	params.query_pci = rig_vpci_wanted (opts);
	params.hotplug = rig_vpci_hotplug_spec (opts);
	params.replay = opts->replay_dir != NULL;
	gdb_watch = rig_gdb_watch (opts, kernel, run_dir);
	rig_session_run (&params, t, &info, cancellable);
	if (gdb_watch && g_main_context_find_source_by_id (NULL, gdb_watch))
		g_source_remove (gdb_watch);

	read_log (run_dir, "tap.log", &t->tap);
	read_log (run_dir, "console.log", &t->console);
	{
		g_autofree char *hz = g_build_filename (run_dir, RIG_HAZARD_LOG, NULL);
		const RigScenario *sc = rig_scenario_lookup (opts->scenario);

		if (!g_file_get_contents (hz, &t->hazards, NULL, NULL))
			t->hazards = NULL;
		t->expect_hazards = sc && sc->expect_hazards;
	}
	rig_replay_fix_transcript (opts, t);
	if (!rig_transcript_save (t, run_dir, &local)) {
		g_printerr ("warning: saving the transcript: %s\n", local->message);
		g_clear_error (&local);
	}

	rig_classify (t, result);
	{
		g_autofree char *kodir = opts->replay_dir ? rig_replay_modules_dir (opts) :
			g_strdup (kernel->modules_dir);

		rig_hazards_symbolize (result->hazards, t->tap, kodir);
	}
	if (result->have_rip) {
		/* the guest's own /proc/kallsyms, if it saved one, covers modules */
		g_autofree char *kallsyms = g_build_filename (run_dir, "kallsyms", NULL);

		symbol = rig_symbolize (kallsyms, result->rip);
		if (!symbol)
			symbol = rig_symbolize (kernel->system_map, result->rip);
	}

	report.opts = opts;
	report.result = result;
	report.run_dir = run_dir;
	report.registers = info.registers;
	report.rip_symbol = symbol;
	report.seconds = info.seconds;
	if (seconds)
		*seconds = info.seconds;
	if (opts->quiet) {
		/* the caller reports */
	} else if (opts->json) {
		g_autofree char *json = rig_report_to_json (&report);
		g_print ("%s\n", json);
	} else if (opts->console == RIG_CONSOLE_FILE) {
		rig_report_print_text (&report);
	}
	rig_session_info_clear (&info);
	rig_replay_finish (opts, run_dir, result, say);

	if (result->verdict == RIG_VERDICT_ERROR) {
		if (!opts->quiet)
			print_qemu_stderr (run_dir);
		g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "%s", result->reason);
		return FALSE;
	}
	return TRUE;
}
