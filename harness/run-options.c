/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * run-options.c - parse the options of one run (run-options.h).
 */
#include "run-options.h"
#include "config.h"
#include "hyperv.h"
#include "options.h"
#include "scenarios.h"

#include <string.h>

static gboolean check_record_replay (RigRunOptions *opts, gboolean smp_given,
                                     gboolean mttcg_given, gboolean scenario_given,
                                     gboolean timeout_given, GError **error);

void
rig_run_options_init (RigRunOptions *opts)
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
rig_run_options_init_shell (RigRunOptions *opts)
{
	rig_run_options_init (opts);
	g_free (opts->scenario);
	opts->scenario = g_strdup ("shell");
	opts->timeout = 0;
	opts->console = RIG_CONSOLE_STDIO;
}

void
rig_run_options_clear (RigRunOptions *opts)
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

/* --gdb takes an optional value, which needs a callback; its state lives
 * in the parse, as the option group's user data. */
typedef struct {
	gboolean given;
	char    *arg;
} GdbArg;

static void
gdb_arg_clear (GdbArg *gdb)
{
	g_clear_pointer (&gdb->arg, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GdbArg, gdb_arg_clear)

static gboolean
gdb_option_cb (G_GNUC_UNUSED const char *name, const char *value, gpointer data,
               G_GNUC_UNUSED GError **error)
{
	GdbArg *gdb = data;

	gdb->given = TRUE;
	g_free (gdb->arg);
	gdb->arg = g_strdup (value);
	return TRUE;
}

gboolean
rig_run_options_parse (RigRunOptions *opts, const char *command, const char *summary,
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
	g_auto(GdbArg) gdb = { FALSE, NULL };
	GOptionGroup *group = g_option_group_new (NULL, NULL, NULL, &gdb, NULL);
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
		{ "hyperv", 0, 0, G_OPTION_ARG_NONE, &opts->hyperv,
		  "Hyper-V's synthetic interface under TCG and QEMU's VMBus: -cpu " RIG_HYPERV_CPU
		  ", -device vmbus-bridge; the guest loads Debian's hv_vmbus (vpci.hyperv=1; "
		  "docs/hyperv.md)", NULL },
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
	gboolean interactive = opts->console == RIG_CONSOLE_STDIO;
	/* what an interactive run does not take (rig_run_options_init_shell) */
	static const char *const not_interactive[] = { "cpu", "timeout", "json", "record",
	                                               "replay", NULL };
	g_autoptr(GOptionContext) context =
		rig_option_context_new (command, interactive ? NULL : "[SCENARIO]", summary,
		                        description);

	/* GOptionContext drops the arguments it consumes from the array it is
	 * given, without freeing them: parse a shallow copy, so a caller's
	 * GStrv still frees every string */
	g_autofree char **view = g_memdup2 (argv, ((gsize) argc + 1) * sizeof (char *));

	for (guint i = 0; interactive && entries[i].long_name; i++)
		if (g_strv_contains (not_interactive, entries[i].long_name))
			entries[i].flags |= G_OPTION_FLAG_HIDDEN;
	g_option_group_add_entries (group, entries);
	g_option_context_set_main_group (context, group);
	argv = view;
	if (!rig_option_context_parse (context, &argc, &argv, error))
		return FALSE;
	if (interactive) {
		const char *given = cpu ? "--cpu" : timeout ? "--timeout" : opts->json ? "--json" :
		                    record ? "--record" : replay ? "--replay" : NULL;

		if (argc > 1) {
			rig_usage_error (error, "%s takes no scenario ('%s'): it boots the shell",
			                 command, argv[1]);
			return FALSE;
		}
		if (given) {
			rig_usage_error (error, "%s is not for an interactive run", given);
			return FALSE;
		}
	}

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
	if (gdb.given) {
		n = RIG_GDB_DEFAULT_PORT;
		if (gdb.arg && !rig_parse_uint ("--gdb", gdb.arg, 1, 65535, &n, error))
			return FALSE;
		opts->gdb_port = n;
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
	rig_run_options_apply_scenario (opts);
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
	return check_record_replay (opts, smp != NULL, mode && !opts->icount,
	                            argc == 2 || smp || cpu || seed || kernel || wc || order ||
	                            fences || mode || irq_mode || remap || devices || opts->hyperv,
	                            timeout != NULL, error);
}

void
rig_run_options_apply_scenario (RigRunOptions *opts)
{
	const RigScenario *sc = rig_scenario_lookup (opts->scenario);

	if (sc && sc->no_remap)
		opts->remap = FALSE;
	if (sc && sc->hyperv)
		opts->hyperv = TRUE;
}

GStrv
rig_run_options_to_args (const RigRunOptions *opts, const char *kernel)
{
	g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
	g_autofree char *smp = g_strdup_printf ("%u", opts->smp);
	g_autofree char *cpu = g_strdup_printf ("%u", opts->cpu);
	g_autofree char *seed = g_strdup_printf ("%" G_GUINT64_FORMAT, opts->seed);
	g_autofree char *timeout = g_strdup_printf ("%u", opts->timeout);

	g_strv_builder_add_many (b, "run", opts->scenario, "--smp", smp, "--cpu", cpu,
	                         "--seed", seed, "--timeout", timeout, "--kernel", kernel,
	                         "--wc", opts->wc ? "on" : "off", "--order", opts->order,
	                         "--fences", opts->fences,
	                         "--irq-mode", opts->eager_irq ? "eager" : "lazy",
	                         "--remap", opts->remap ? "on" : "off",
	                         "--mode", "icount", NULL);
	if (opts->hyperv)
		g_strv_builder_add (b, "--hyperv");
	for (guint i = 0; opts->devices && opts->devices[i]; i++)
		g_strv_builder_add_many (b, "--device", opts->devices[i], NULL);
	return g_strv_builder_end (b);
}

/* DIR/record.ini's options into @opts; what the user gave for the replay
 * itself (--gdb, --keep, --json, --timeout) stays. */
static gboolean
load_recorded_options (RigRunOptions *opts, gboolean timeout_given, GError **error)
{
	g_autofree char *ini = g_build_filename (opts->replay_dir, RIG_RECORD_INI, NULL);
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autoptr(GError) local = NULL;
	g_auto(GStrv) args = NULL;
	RigRunOptions rec;
	gboolean ok;

	if (!g_key_file_load_from_file (kf, ini, G_KEY_FILE_NONE, &local) ||
	    !(args = g_key_file_get_string_list (kf, "record", "args", NULL, &local))) {
		rig_usage_error (error, "--replay %s: not a recording (%s)", opts->replay_dir,
		                 local->message);
		return FALSE;
	}
	rig_run_options_init (&rec);
	ok = rig_run_options_parse (&rec, "run", "", "", (int) g_strv_length (args), args, error);
	if (ok) {
		g_free (opts->scenario);
		opts->scenario = g_steal_pointer (&rec.scenario);
		g_free (opts->kernel);
		opts->kernel = g_steal_pointer (&rec.kernel);
		g_free (opts->order);
		opts->order = g_steal_pointer (&rec.order);
		g_free (opts->fences);
		opts->fences = g_steal_pointer (&rec.fences);
		g_strfreev (opts->devices);
		opts->devices = g_steal_pointer (&rec.devices);
		opts->smp = rec.smp;
		opts->cpu = rec.cpu;
		opts->seed = rec.seed;
		opts->wc = rec.wc;
		opts->eager_irq = rec.eager_irq;
		opts->remap = rec.remap;
		opts->hyperv = rec.hyperv;
		opts->icount = TRUE;
		if (!timeout_given)
			opts->timeout = rec.timeout;
	}
	rig_run_options_clear (&rec);
	return ok;
}

/* What --record and --replay imply and forbid; a replay takes its options
 * from the recording. */
static gboolean
check_record_replay (RigRunOptions *opts, gboolean smp_given, gboolean mttcg_given,
                          gboolean scenario_given, gboolean timeout_given, GError **error)
{
	const RigScenario *sc;

	if (opts->record_dir && opts->replay_dir) {
		rig_usage_error (error, "--record and --replay: one or the other");
		return FALSE;
	}
	if (opts->replay_dir) {
		if (scenario_given) {
			rig_usage_error (error, "--replay takes the scenario and its options from %s/"
			                 RIG_RECORD_INI "; give only --gdb, --timeout, --keep, --json",
			                 opts->replay_dir);
			return FALSE;
		}
		return load_recorded_options (opts, timeout_given, error);
	}
	if (!opts->record_dir)
		return TRUE;
	if (opts->gdb_port) {
		rig_usage_error (error, "--gdb with --record: gdb's writes would not be in the "
		                 "recording; record first, then debug with --replay DIR --gdb");
		return FALSE;
	}
	if (smp_given && opts->smp > 1) {
		rig_usage_error (error, "--record needs --smp 1: QEMU's record/replay refuses "
		                 "multiple CPUs");
		return FALSE;
	}
	opts->smp = 1;
	if (opts->cpu > 0) {
		rig_usage_error (error, "--cpu %u is not below --smp 1 (--record)", opts->cpu);
		return FALSE;
	}
	if (mttcg_given) {
		rig_usage_error (error, "--record runs under --mode icount, not mttcg");
		return FALSE;
	}
	opts->icount = TRUE;
	if (opts->hyperv) {
		/* tried: the replay of a recorded vmbus run stopped in hv_vmbus's
		 * init, QEMU's VMBus and SynIC messages being delivered from
		 * bottom halves and event notifiers that replay does not log */
		rig_usage_error (error, "--hyperv cannot be recorded: QEMU's VMBus is not "
		                 "deterministic under record/replay (docs/hyperv.md)");
		return FALSE;
	}
	sc = rig_scenario_lookup (opts->scenario);
	if (sc && (sc->hotplug || sc->disk_mib)) {
		rig_usage_error (error, "scenario '%s' cannot be recorded: its %s is not replayable",
		                 opts->scenario, sc->hotplug ? "QMP device_add" : "disk");
		return FALSE;
	}
	return TRUE;
}

