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

void
rig_boot_options_init (RigBootOptions *opts)
{
	memset (opts, 0, sizeof *opts);
	opts->scenario = g_strdup (RIG_DEFAULT_SCENARIO);
	opts->smp = RIG_DEFAULT_SMP;
	opts->cpu = 0;
	opts->seed = g_random_int ();
	opts->timeout = RIG_DEFAULT_TIMEOUT;
	opts->kernel = g_strdup (RIG_DEFAULT_KERNEL);
	opts->console = RIG_CONSOLE_FILE;
	opts->wc = TRUE;
	opts->remap = TRUE;
	opts->order = g_strdup (RIG_DEFAULT_ORDER);
	opts->fences = g_strdup ("all");
}

void
rig_boot_options_clear (RigBootOptions *opts)
{
	g_clear_pointer (&opts->scenario, g_free);
	g_clear_pointer (&opts->kernel, g_free);
	g_clear_pointer (&opts->keep, g_free);
	g_clear_pointer (&opts->config, g_free);
	g_clear_pointer (&opts->devices, g_strfreev);
	g_clear_pointer (&opts->order, g_free);
	g_clear_pointer (&opts->fences, g_free);
	g_clear_pointer (&opts->record_dir, g_free);
	g_clear_pointer (&opts->replay_dir, g_free);
}

/* @value must be one of @choices (NULL-terminated); returns its index. */
static gboolean
parse_choice (const char *option, const char *value, const char *const *choices, guint *index,
              GError **error)
{
	g_autofree char *list = g_strjoinv ("|", (char **) choices);

	for (guint i = 0; choices[i]; i++) {
		if (g_str_equal (value, choices[i])) {
			*index = i;
			return TRUE;
		}
	}
	rig_usage_error (error, "%s '%s': expected %s", option, value, list);
	return FALSE;
}

/* --gdb takes an optional value, which needs a callback */
static char *gdb_arg;
static gboolean gdb_given;

static gboolean
gdb_option_cb (G_GNUC_UNUSED const char *name, const char *value, G_GNUC_UNUSED gpointer data,
               G_GNUC_UNUSED GError **error)
{
	gdb_given = TRUE;
	g_free (gdb_arg);
	gdb_arg = g_strdup (value);
	return TRUE;
}

gboolean
rig_boot_options_parse (RigBootOptions *opts, const char *command, const char *summary,
                        const char *description, int argc, char **argv, GError **error)
{
	g_autofree char *smp = NULL, *cpu = NULL, *seed = NULL, *timeout = NULL;
	g_autofree char *kernel = NULL, *keep = NULL, *config = NULL;
	g_autofree char *wc = NULL, *order = NULL, *fences = NULL, *mode = NULL, *irq_mode = NULL;
	g_autofree char *remap = NULL, *record = NULL, *replay = NULL;
	static const char *const on_off[] = { "on", "off", NULL };
	static const char *const orders[] = { "program", "reverse", "random", NULL };
	static const char *const modes[] = { "mttcg", "icount", NULL };
	static const char *const irq_modes[] = { "lazy", "eager", NULL };
	guint choice;
	g_auto(GStrv) devices = NULL;
	guint64 n;
	GOptionEntry entries[] = {
		{ "smp", 0, 0, G_OPTION_ARG_STRING, &smp,
		  "Number of vCPUs (QEMU -smp N, guest vpci.smp=N; default "
		  G_STRINGIFY (RIG_DEFAULT_SMP) ")", "N" },
		{ "cpu", 0, 0, G_OPTION_ARG_STRING, &cpu,
		  "vCPU a scenario targets (vpci.cpu=N; default 0)", "N" },
		{ "seed", 0, 0, G_OPTION_ARG_STRING, &seed,
		  "Seed for the guest's randomness (vpci.seed=N; default: random, printed)", "N" },
		{ "timeout", 0, 0, G_OPTION_ARG_STRING, &timeout,
		  "Seconds before the run counts as a hang (default "
		  G_STRINGIFY (RIG_DEFAULT_TIMEOUT) "; 0 = none)", "S" },
		{ "kernel", 0, 0, G_OPTION_ARG_STRING, &kernel,
		  "Guest kernel: a [kernel NAME] of rig.ini (6.1, 6.12; default " RIG_DEFAULT_KERNEL
		  ") or a kernel build tree (where you ran make): our modules and an initramfs are "
		  "built for it first",
		  "6.1|6.12|TREE" },
		{ "keep", 0, 0, G_OPTION_ARG_FILENAME, &keep,
		  "Run directory (default build/runs/<time>-<scenario>-<pid>)", "DIR" },
		{ "config", 0, 0, G_OPTION_ARG_FILENAME, &config,
		  "rig.ini to read (default $VPCI_RIG_CONFIG, else $VPCI_RIG_TOP/build/rig.ini)", "FILE" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &opts->json,
		  "Print one JSON object (docs/json.md) instead of text", NULL },
		{ "dry-run", 0, 0, G_OPTION_ARG_NONE, &opts->dry_run,
		  "Print the QEMU command line and stop", NULL },
		{ "gdb", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, (gpointer) gdb_option_cb,
		  "QEMU gdbstub on PORT (default " G_STRINGIFY (RIG_GDB_DEFAULT_PORT) "); the guest "
		  "waits for gdb after loading its modules; prints 'gdb -x RUN/gdb-script'; no hang "
		  "timeout", "PORT" },
		{ "wc", 0, 0, G_OPTION_ARG_STRING, &wc,
		  "The config window's write-combining ordering model (hv-vpci wc=; default on)",
		  "on|off" },
		{ "order", 0, 0, G_OPTION_ARG_STRING, &order,
		  "Order in which buffered window stores reach the device when they drain "
		  "together (hv-vpci wc-order=, seeded by --seed; default " RIG_DEFAULT_ORDER ")",
		  "program|reverse|random" },
		{ "fences", 0, 0, G_OPTION_ARG_STRING, &fences,
		  "The driver's window barriers, left to right from every site off: all, none, "
		  "SITE (its default kind) or SITE=KIND (hv_vpci fences=; default all; sites and "
		  "kinds: 'vpci-rig list')", "all|none|SITE[=KIND],..." },
		{ "mode", 0, 0, G_OPTION_ARG_STRING, &mode,
		  "mttcg: vCPUs on parallel threads (default); icount: one thread, round robin, "
		  "-icount (same seed, same verdict)", "mttcg|icount" },
		{ "irq-mode", 0, 0, G_OPTION_ARG_STRING, &irq_mode,
		  "lazy: the fixed design, retarget at unmask (default); eager: the historical "
		  "one (hv_vpci eager_affinity=1)", "lazy|eager" },
		{ "remap", 0, 0, G_OPTION_ARG_STRING, &remap,
		  "on: the host remaps child MSIs through the entries it handed out, as Hyper-V "
		  "(default); off: no interrupt remapping, a child's MSI goes to the APIC as "
		  "programmed (hv-vpci remap=off)", "on|off" },
		{ "device", 0, 0, G_OPTION_ARG_STRING_ARRAY, &devices,
		  "Put a QEMU PCI device behind the vPCI bus, written as for -device without "
		  "bus= (repeatable; adds the hv-vpci bus if the scenario has none)", "SPEC" },
		{ "record", 0, 0, G_OPTION_ARG_FILENAME, &record,
		  "Record the run with QEMU record/replay into DIR (implies --mode icount and "
		  "--smp 1; keeps the options, kernel, initramfs and a start snapshot)", "DIR" },
		{ "replay", 0, 0, G_OPTION_ARG_FILENAME, &replay,
		  "Replay DIR's recording: same verdict, same hazards; with --gdb, "
		  "reverse-stepi and reverse-continue work", "DIR" },
		{ NULL }
	};
	g_autoptr(GOptionContext) context =
		rig_option_context_new (command, "[SCENARIO]", summary, description);

	/* GOptionContext drops the arguments it consumes from the array it is
	 * given, without freeing them: parse a shallow copy, so a caller's
	 * GStrv still frees every string */
	g_autofree char **view = g_memdup2 (argv, ((gsize) argc + 1) * sizeof (char *));

	g_option_context_add_main_entries (context, entries, NULL);
	argv = view;
	if (!rig_option_context_parse (context, &argc, &argv, error))
		return FALSE;

	if (argc > 2) {
		rig_usage_error (error, "too many arguments: '%s'", argv[2]);
		return FALSE;
	}
	if (argc == 2) {
		if (!rig_scenario_lookup (argv[1])) {
			rig_usage_error (error, "unknown scenario '%s' (see 'vpci-rig list')", argv[1]);
			return FALSE;
		}
		if (g_str_equal (argv[1], "shell")) {
			rig_usage_error (error, "scenario 'shell' is interactive: use 'vpci-rig shell'");
			return FALSE;
		}
		g_free (opts->scenario);
		opts->scenario = g_strdup (argv[1]);
	}
	if (smp) {
		if (!rig_parse_uint ("--smp", smp, 1, RIG_MAX_SMP, &n, error))
			return FALSE;
		opts->smp = n;
	}
	if (cpu) {
		if (!rig_parse_uint ("--cpu", cpu, 0, RIG_MAX_SMP - 1, &n, error))
			return FALSE;
		opts->cpu = n;
	}
	if (gdb_given) {
		n = RIG_GDB_DEFAULT_PORT;
		if (gdb_arg && !rig_parse_uint ("--gdb", gdb_arg, 1, 65535, &n, error))
			return FALSE;
		opts->gdb_port = n;
		gdb_given = FALSE;
		g_clear_pointer (&gdb_arg, g_free);
	}
	if (opts->cpu >= opts->smp) {
		rig_usage_error (error, "--cpu %u is not below --smp %u", opts->cpu, opts->smp);
		return FALSE;
	}
	if (seed && !rig_parse_uint ("--seed", seed, 0, G_MAXINT64, &opts->seed, error))
		return FALSE;
	if (timeout) {
		if (!rig_parse_uint ("--timeout", timeout, 0, 24 * 3600, &n, error))
			return FALSE;
		opts->timeout = n;
	}
	if (kernel) {
		g_free (opts->kernel);
		opts->kernel = g_steal_pointer (&kernel);
	}
	if (keep) {
		g_free (opts->keep);
		opts->keep = g_steal_pointer (&keep);
	}
	if (config) {
		g_free (opts->config);
		opts->config = g_steal_pointer (&config);
	}
	if (wc) {
		if (!parse_choice ("--wc", wc, on_off, &choice, error))
			return FALSE;
		opts->wc = choice == 0;
	}
	if (order) {
		if (!parse_choice ("--order", order, orders, &choice, error))
			return FALSE;
		g_free (opts->order);
		opts->order = g_steal_pointer (&order);
	}
	if (fences) {
		char *canonical = rig_fences_canonical (fences, error);

		if (!canonical)
			return FALSE;
		g_free (opts->fences);
		opts->fences = canonical;
	}
	if (mode) {
		if (!parse_choice ("--mode", mode, modes, &choice, error))
			return FALSE;
		opts->icount = choice == 1;
	}
	if (irq_mode) {
		if (!parse_choice ("--irq-mode", irq_mode, irq_modes, &choice, error))
			return FALSE;
		opts->eager_irq = choice == 1;
	}
	if (remap) {
		if (!parse_choice ("--remap", remap, on_off, &choice, error))
			return FALSE;
		opts->remap = choice == 0;
	}
	{
		const RigScenario *sc = rig_scenario_lookup (opts->scenario);

		if (sc && sc->no_remap)
			opts->remap = FALSE;
	}
	for (guint i = 0; devices && devices[i]; i++) {
		if (!*devices[i] || *devices[i] == ',') {
			rig_usage_error (error, "--device '%s': no driver name", devices[i]);
			return FALSE;
		}
	}
	if (devices) {
		g_strfreev (opts->devices);
		opts->devices = g_steal_pointer (&devices);
	}
	if (record) {
		g_free (opts->record_dir);
		opts->record_dir = g_canonicalize_filename (record, NULL);
	}
	if (replay) {
		g_free (opts->replay_dir);
		opts->replay_dir = g_canonicalize_filename (replay, NULL);
	}
	return rig_replay_check_options (opts, smp != NULL, mode && !opts->icount,
	                                 argc == 2 || smp || cpu || seed || kernel || wc || order ||
	                                 fences || mode || irq_mode || remap || devices,
	                                 timeout != NULL, error);
}

static char *
make_run_dir (const RigBootOptions *opts, GError **error)
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
	if (g_mkdir_with_parents (dir, 0755) < 0) {
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
rig_boot (const RigBootOptions *opts, RigVerdictResult *result, GCancellable *cancellable,
          GError **error)
{
	return rig_boot_timed (opts, result, NULL, NULL, cancellable, error);
}

gboolean
rig_boot_timed (const RigBootOptions *opts, RigVerdictResult *result, double *seconds,
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
		if (kernel->tree && !rig_kernel_prepare_tree (kernel, cancellable, error))
			return FALSE;
	}
	run_dir = make_run_dir (opts, error);
	if (!run_dir)
		return FALSE;
	if (run_dir_out)
		*run_dir_out = g_strdup (run_dir);
	if (!opts->dry_run && !rig_replay_prepare (opts, config, kernel, error))
		return FALSE;

	argv = rig_qemu_argv (config, kernel, opts, run_dir);
	cmdline = rig_argv_to_string ((const char *const *) argv);
	say ("run directory: %s\n", run_dir);
	say ("%s\n", cmdline);
	cmdline_path = g_build_filename (run_dir, "cmdline", NULL);
	cmdline_file = g_strconcat (cmdline, "\n", NULL);
	if (!g_file_set_contents (cmdline_path, cmdline_file, -1, &local)) {
		g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "%s", local->message);
		return FALSE;
	}
	rig_replay_save_cmdline (opts, cmdline_file);
	if (opts->dry_run)
		return TRUE;
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
