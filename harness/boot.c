/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * boot.c - one boot: resolve config and kernel, make the plan
 * (run-plan.c), print it, then execute it: the run's files, the session,
 * the verdict, the report.
 */
#include "boot.h"
#include "addr2line.h"
#include "gdb.h"
#include "hazards.h"
#include "replay.h"
#include "report.h"
#include "rig-command.h"
#include "run-plan.h"
#include "session.h"
#include "symbols.h"
#include "vpci-devices.h"

#include <glib/gstdio.h>
#include <unistd.h>

static char *
default_run_dir (const RigRunOptions *opts)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_local ();
	g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");

	return rig_run_plan_dir (opts, stamp, (int) getpid ());
}

static gboolean
make_dir (const char *dir, GError **error)
{
	int saved;

	if (g_mkdir_with_parents (dir, 0755) == 0)
		return TRUE;
	saved = errno;
	g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "cannot create run directory %s: %s", dir,
	             g_strerror (saved));
	return FALSE;
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

/* Config and kernel for @opts.  A build tree is prepared first, except
 * for --dry-run (which shows the last preparation, if any) and --replay
 * (which boots the recording's copies: the tree may be gone). */
static gboolean
resolve_inputs (const RigRunOptions *opts, RigConfig **config_out, RigKernel **kernel_out,
                void (*say) (const char *, ...), GCancellable *cancellable, GError **error)
{
	g_autofree char *config_path = opts->config ? g_strdup (opts->config) : rig_config_default_path ();
	g_autoptr(RigConfig) config = rig_config_load (config_path, error);
	g_autoptr(RigKernel) kernel = NULL;

	if (!config)
		return FALSE;
	if (opts->replay_dir) {
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
	*config_out = g_steal_pointer (&config);
	*kernel_out = g_steal_pointer (&kernel);
	return TRUE;
}

/* Everything the plan says exists before QEMU starts. */
static gboolean
make_run_files (const RigRunPlan *plan, void (*say) (const char *, ...), GError **error)
{
	g_autofree char *path = g_build_filename (plan->run_dir, "cmdline", NULL);
	g_autofree char *text = g_strconcat (plan->argv_text, "\n", NULL);
	g_autoptr(GError) local = NULL;

	if (!make_dir (plan->run_dir, error))
		return FALSE;
	if (!g_file_set_contents (path, text, -1, &local)) {
		g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "%s", local->message);
		return FALSE;
	}
	if (plan->disk_path && !rig_vpci_create_disk (plan->disk_path, plan->disk_mib, error))
		return FALSE;
	if (!rig_replay_setup (&plan->rr, plan->run_dir, plan->argv_text, plan->gdb_port, say, error))
		return FALSE;
	return check_file ("QEMU binary", plan->qemu_binary, G_FILE_TEST_IS_EXECUTABLE, error) &&
	       check_file ("kernel", plan->kernel_image, G_FILE_TEST_IS_REGULAR, error) &&
	       check_file ("initramfs", plan->initramfs, G_FILE_TEST_IS_REGULAR, error);
}

/* After QEMU: the logs into the transcript, then the verdict. */
static void
classify_run (const RigRunPlan *plan, RigTranscript *t, RigVerdictResult *result,
              char **symbol)
{
	g_autoptr(GError) local = NULL;
	g_autofree char *hz = g_build_filename (plan->run_dir, RIG_HAZARD_LOG, NULL);

	read_log (plan->run_dir, "tap.log", &t->tap);
	read_log (plan->run_dir, "console.log", &t->console);
	if (!g_file_get_contents (hz, &t->hazards, NULL, NULL))
		t->hazards = NULL;
	t->expect_hazards = plan->expect_hazards;
	rig_replay_fix_transcript (&plan->rr, t);
	if (!rig_transcript_save (t, plan->run_dir, &local))
		g_printerr ("warning: saving the transcript: %s\n", local->message);

	rig_classify (t, result);
	rig_hazards_symbolize (result->hazards, t->tap, plan->modules_dir, rig_addr2line);
	if (result->have_rip) {
		/* the guest's own /proc/kallsyms, if it saved one, covers modules */
		g_autofree char *kallsyms = g_build_filename (plan->run_dir, "kallsyms", NULL);

		*symbol = rig_symbolize (kallsyms, result->rip);
		if (!*symbol)
			*symbol = rig_symbolize (plan->system_map, result->rip);
	}
}

gboolean
rig_boot_timed (const RigRunOptions *opts, RigVerdictResult *result, double *seconds,
                char **run_dir_out, GCancellable *cancellable, GError **error)
{
	g_autoptr(RigConfig) config = NULL;
	g_autoptr(RigKernel) kernel = NULL;
	g_autoptr(RigRunPlan) plan = NULL;
	g_autofree char *run_dir = NULL;
	g_autofree char *described = NULL;
	g_autofree char *symbol = NULL;
	g_autoptr(RigTranscript) t = NULL;
	RigSessionParams params = { 0 };
	RigSessionInfo info = { 0 };
	RigReport report = { 0 };
	guint gdb_watch;
	/* with --json, stdout carries the JSON object alone */
	void (*say) (const char *, ...) = opts->quiet ? say_nothing :
	                                   opts->json ? g_printerr : g_print;

	memset (result, 0, sizeof *result);
	if (!resolve_inputs (opts, &config, &kernel, say, cancellable, error))
		return FALSE;
	run_dir = default_run_dir (opts);
	plan = rig_run_plan_new (opts, config, kernel, run_dir);
	if (run_dir_out)
		*run_dir_out = g_strdup (plan->run_dir);
	described = rig_run_plan_describe (plan, opts->dry_run);
	say ("%s", described);
	/* --dry-run: nothing is created, written or started */
	if (opts->dry_run)
		return TRUE;
	if (!make_run_files (plan, say, error))
		return FALSE;

	t = rig_transcript_new ();
	params.run_dir = plan->run_dir;
	params.argv = (const char *const *) plan->argv;
	params.timeout = plan->timeout;
	params.console = plan->console;
	params.query_pci = plan->vpci_bus;
	params.hotplug = plan->hotplug;
	params.replay = plan->rr.mode == RIG_RR_REPLAY;
	gdb_watch = plan->gdb_live ? rig_gdb_watch (plan->run_dir, plan->kernel, plan->gdb_port,
	                                            opts->json) : 0;
	rig_session_run (&params, t, &info, cancellable);
	if (gdb_watch && g_main_context_find_source_by_id (NULL, gdb_watch))
		g_source_remove (gdb_watch);

	classify_run (plan, t, result, &symbol);
	report.opts = opts;
	report.result = result;
	report.run_dir = plan->run_dir;
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
	rig_replay_finish (&plan->rr, plan->run_dir, plan->gdb_port, result, say);

	if (result->verdict == RIG_VERDICT_ERROR) {
		if (!opts->quiet)
			print_qemu_stderr (plan->run_dir);
		g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "%s", result->reason);
		return FALSE;
	}
	return TRUE;
}
