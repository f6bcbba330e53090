/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd-bench.c - vpci-rig bench: the rig's numbers, measured in one run.
 *
 * Not a test: nothing here passes or fails on a time.  Sections (--only):
 *
 *   boot       boot-to-verdict of `boot` at SMP 1 and 4, and of a stock boot
 *              of the same kernel (SeaBIOS, the compressed bzImage, a busybox
 *              /init that powers off), timed the same way: QEMU start to exit
 *              through the same session code.  Ratio rig/stock (issue 2).
 *   scenarios  boot-to-verdict of every pass-expected vPCI scenario at SMP 4,
 *              --wc on and off interleaved.
 *   wc         cfg-stress with --wc on and --wc off, interleaved, same seed:
 *              the guest-reported accesses/s, ratio on/off (issue 4).
 *   cfg        bench-cfg at SMP 1, --wc off: config reads vs BAR 0 reads,
 *              user space (sysfs pread vs mmap) and kernel (debugfs) (issue 3).
 *   mutants    barrier-stress with --fences all-but-SITE for each site the
 *              model requires: guest time of the first hazard (hazards.jsonl
 *              time_ns, QEMU's virtual clock) and the run's wall seconds.
 *   hyperv     what --hyperv costs: `boot`, `boot --hyperv` and `vmbus`
 *              (hv_vmbus, hv_balloon, the MSR checks), interleaved, at SMP 1
 *              and 4; ratios to `boot` (issue 10: vmbus under 2x boot).
 *   bisect     ./run-tests.sh --bisect, the command `git bisect run` runs: wall
 *              seconds of one step on this tree (set-up, build check, tests).
 *   suite      (only when asked for) one whole ./run-tests.sh: its wall seconds
 *              and its "N passed, N failed".
 *   epoch      the ordering-epoch patches' cost: guest-driver/epoch-loop (ALU,
 *              memory, locked, fence mixes) at SMP 1 on the rig's QEMU and on
 *              the same source built without qemu-hw/patches (rig.ini [qemu]
 *              stock-binary=, which ./vpci-rig bench builds), interleaved.
 *
 * Every boot is kept under build/runs/<stamp>-bench-<pid>/<label>-<rep>/.
 * Medians over --reps repetitions.
 */
#include "boot.h"
#include "run-plan.h"
#include "lines.h"
#include "config.h"
#include "rig-command.h"
#include "scenarios.h"
#include "session.h"

#include <glib/gstdio.h>
#include <math.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

#define BENCH_DEFAULT_REPS 3
#define BENCH_SECTIONS     "boot,scenarios,wc,cfg,mutants,hyperv,epoch,bisect"
/* not in the default run: a whole ./run-tests.sh (about 15 minutes here) */
#define BENCH_EXTRA        "suite"

typedef struct {
	char    *dir;         /* the bench directory */
	guint    reps;
	guint64  seed;
	guint    timeout;
	JsonBuilder *json;
	GString *text;        /* the table, printed at the end */
	GCancellable *cancellable;  /* the command's: Ctrl-C stops the run in progress */
} Bench;

/* One measured configuration: N runs. */
typedef struct {
	GArray *seconds;      /* double: wall seconds, QEMU start to exit */
	GArray *value;        /* double: a guest-reported number, when there is one */
	GArray *value2;
	guint   runs, passes;
	char   *bad;          /* the first non-pass verdict and its run dir */
} Sample;

static void
sample_init (Sample *s)
{
	memset (s, 0, sizeof *s);
	s->seconds = g_array_new (FALSE, FALSE, sizeof (double));
	s->value = g_array_new (FALSE, FALSE, sizeof (double));
	s->value2 = g_array_new (FALSE, FALSE, sizeof (double));
}

static void
sample_clear (Sample *s)
{
	g_array_unref (s->seconds);
	g_array_unref (s->value);
	g_array_unref (s->value2);
	g_free (s->bad);
}

static int
cmp_double (gconstpointer a, gconstpointer b)
{
	double x = *(const double *) a, y = *(const double *) b;

	return (x > y) - (x < y);
}

/* NAN for an empty array */
static double
median (GArray *a)
{
	g_autoptr(GArray) c = NULL;
	guint n = a->len;

	if (!n)
		return NAN;
	c = g_array_copy (a);
	g_array_sort (c, cmp_double);
	if (n % 2)
		return g_array_index (c, double, n / 2);
	return (g_array_index (c, double, n / 2 - 1) + g_array_index (c, double, n / 2)) / 2;
}

static double
array_min (GArray *a)
{
	double m = NAN;

	for (guint i = 0; i < a->len; i++)
		if (isnan (m) || g_array_index (a, double, i) < m)
			m = g_array_index (a, double, i);
	return m;
}

static double
array_max (GArray *a)
{
	double m = NAN;

	for (guint i = 0; i < a->len; i++)
		if (isnan (m) || g_array_index (a, double, i) > m)
			m = g_array_index (a, double, i);
	return m;
}

static void
push (GArray *a, double v)
{
	g_array_append_val (a, v);
}

static char *
loadavg (void)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) f = NULL;

	if (!g_file_get_contents ("/proc/loadavg", &text, NULL, NULL))
		return g_strdup ("?");
	f = g_strsplit (text, " ", 4);
	return g_strdup_printf ("%s %s %s", f[0], f[1] ? f[1] : "?", f[1] && f[2] ? f[2] : "?");
}

static void
progress (const char *fmt, ...) G_GNUC_PRINTF (1, 2);
static void
progress (const char *fmt, ...)
{
	va_list ap;
	g_autofree char *s = NULL;

	va_start (ap, fmt);
	s = g_strdup_vprintf (fmt, ap);
	va_end (ap);
	g_printerr ("bench: %s\n", s);
}

/* ------------------------------------------------------------ one rig boot */

typedef struct {
	const char *scenario;
	guint       smp;
	gboolean    wc;
	const char *fences;
	const char *order;
	gboolean    hyperv;
} BootSpec;

/* Boots once; the verdict, seconds and run dir.  FALSE only for errors that
 * stop the bench (rig.ini missing...); an error verdict is recorded. */
/* Ctrl-C: the run in progress stopped; the bench stops too. */
static gboolean
bench_interrupted (Bench *b, GError **error)
{
	if (!g_cancellable_is_cancelled (b->cancellable))
		return FALSE;
	g_set_error_literal (error, RIG_ERROR, RIG_ERROR_INFRA, "interrupted");
	return TRUE;
}

static gboolean
rig_boot_once (Bench *b, const BootSpec *spec, const char *label, guint rep,
               RigVerdict *verdict, double *seconds, char **run_dir, GError **error)
{
	RigRunOptions opts;
	RigVerdictResult result = { 0 };
	g_autoptr(GError) local = NULL;
	gboolean ok;

	rig_run_options_init (&opts);
	g_free (opts.scenario);
	opts.scenario = g_strdup (spec->scenario);
	opts.smp = spec->smp;
	opts.seed = b->seed;
	opts.timeout = b->timeout;
	opts.wc = spec->wc;
	if (spec->fences) {
		g_free (opts.fences);
		opts.fences = g_strdup (spec->fences);
	}
	if (spec->order) {
		g_free (opts.order);
		opts.order = g_strdup (spec->order);
	}
	opts.hyperv = spec->hyperv;
	rig_run_options_apply_scenario (&opts);
	opts.keep = g_strdup_printf ("%s/%s-%u", b->dir, label, rep);
	opts.quiet = TRUE;
	*seconds = NAN;
	*run_dir = NULL;
	ok = rig_boot_timed (&opts, &result, seconds, run_dir, b->cancellable, &local);
	if (ok) {
		*verdict = result.verdict;
	} else if (*run_dir) {
		/* an error verdict (QEMU died...): record it, go on */
		*verdict = RIG_VERDICT_ERROR;
		progress ("%s #%u: %s", label, rep, local->message);
		ok = TRUE;
	} else {
		g_propagate_error (error, g_steal_pointer (&local));
	}
	rig_verdict_result_clear (&result);
	rig_run_options_clear (&opts);
	return ok && !bench_interrupted (b, error);
}

static void
sample_note (Sample *s, RigVerdict v, const char *run_dir)
{
	s->runs++;
	if (v == RIG_VERDICT_PASS)
		s->passes++;
	else if (!s->bad)
		s->bad = g_strdup_printf ("%s (%s)", rig_verdict_to_string (v), run_dir);
}

/* ---------------------------------------------------------- TAP and hazards */

static char *
read_run_file (const char *run_dir, const char *name)
{
	g_autofree char *path = g_build_filename (run_dir, name, NULL);
	char *text = NULL;

	if (!g_file_get_contents (path, &text, NULL, NULL))
		return NULL;
	return text;
}

/* cfg-stress: "# N threads, R reads, W writes in S s (X accesses/s)" */
static gboolean
tap_cfg_stress_rate (const char *run_dir, double *rate)
{
	g_autofree char *tap = read_run_file (run_dir, "tap.log");
	g_autoptr(GRegex) re = g_regex_new ("# \\d+ threads, \\d+ reads, \\d+ writes in [0-9.]+ s "
	                                    "\\(([0-9.]+) accesses/s\\)", 0, 0, NULL);
	g_autoptr(GMatchInfo) m = NULL;
	g_autofree char *num = NULL;

	if (!tap || !g_regex_match (re, tap, 0, &m))
		return FALSE;
	num = g_match_info_fetch (m, 1);
	*rate = g_ascii_strtod (num, NULL);
	return TRUE;
}

/* bench-cfg: "# bench-cfg: KIND N reads in S s (R reads/s)" */
static gboolean
tap_bench_cfg_rate (const char *run_dir, const char *kind, double *rate)
{
	g_autofree char *tap = read_run_file (run_dir, "tap.log");
	g_autofree char *pattern = g_strdup_printf ("# bench-cfg: %s \\d+ reads in [0-9.]+ s "
	                                            "\\(([0-9.]+) reads/s\\)", kind);
	g_autoptr(GRegex) re = g_regex_new (pattern, 0, 0, NULL);
	g_autoptr(GMatchInfo) m = NULL;
	g_autofree char *num = NULL;

	if (!tap || !g_regex_match (re, tap, 0, &m))
		return FALSE;
	num = g_match_info_fetch (m, 1);
	*rate = g_ascii_strtod (num, NULL);
	return *rate > 0;
}

/* The earliest time_ns of hazards.jsonl and the number of lines. */
static gboolean
first_hazard (const char *run_dir, double *seconds, guint *count)
{
	g_autofree char *text = read_run_file (run_dir, "hazards.jsonl");
	g_auto(GStrv) lines = NULL;
	gint64 first = -1;

	*count = 0;
	if (!text)
		return FALSE;
	lines = rig_split_lines (text);
	for (guint i = 0; lines[i]; i++) {
		g_autoptr(JsonParser) p = json_parser_new ();
		JsonNode *root;
		gint64 t;

		if (!*lines[i] || !json_parser_load_from_data (p, lines[i], -1, NULL))
			continue;
		root = json_parser_get_root (p);
		if (!JSON_NODE_HOLDS_OBJECT (root))
			continue;
		(*count)++;
		t = json_object_get_int_member_with_default (json_node_get_object (root), "time_ns", -1);
		if (t >= 0 && (first < 0 || t < first))
			first = t;
	}
	if (first < 0)
		return FALSE;
	*seconds = first / 1e9;
	return TRUE;
}

/* ---------------------------------------------------------------- output */

static void
json_double (JsonBuilder *j, const char *name, double v)
{
	json_builder_set_member_name (j, name);
	if (isnan (v))
		json_builder_add_null_value (j);
	else
		json_builder_add_double_value (j, ((gint64) (v * 1000 + (v < 0 ? -0.5 : 0.5))) / 1000.0);
}

static void
json_sample (JsonBuilder *j, const Sample *s)
{
	json_builder_set_member_name (j, "runs");
	json_builder_add_int_value (j, s->runs);
	json_builder_set_member_name (j, "passes");
	json_builder_add_int_value (j, s->passes);
	json_double (j, "seconds_median", median (s->seconds));
	json_double (j, "seconds_min", array_min (s->seconds));
	json_double (j, "seconds_max", array_max (s->seconds));
	json_builder_set_member_name (j, "seconds");
	json_builder_begin_array (j);
	for (guint i = 0; i < s->seconds->len; i++)
		json_builder_add_double_value (j, ((gint64) (g_array_index (s->seconds, double, i) * 1000)) / 1000.0);
	json_builder_end_array (j);
	if (s->bad) {
		json_builder_set_member_name (j, "first_bad");
		json_builder_add_string_value (j, s->bad);
	}
}

static char *
fmt_s (double v)
{
	return isnan (v) ? g_strdup ("-") : g_strdup_printf ("%.2f", v);
}

static void
text_row (Bench *b, const char *label, const Sample *s, const char *extra)
{
	g_autofree char *med = fmt_s (median (s->seconds));
	g_autofree char *lo = fmt_s (array_min (s->seconds));
	g_autofree char *hi = fmt_s (array_max (s->seconds));

	g_string_append_printf (b->text, "  %-34s %6s s  [%s-%s]  %u/%u pass%s%s\n", label, med, lo,
	                        hi, s->passes, s->runs, extra ? "  " : "", extra ? extra : "");
	if (s->bad)
		g_string_append_printf (b->text, "  %-34s first non-pass: %s\n", "", s->bad);
}

/* ---------------------------------------------------------- boot phases */

/* Where a rig boot's seconds went.  Three clocks meet here: the host's
 * (transcript.ini [timing]: guest stop and QEMU exit, seconds since the
 * spawn), the TSC (under TCG it counts host ticks from the VM's start) and
 * the kernel's boot clock (from its timekeeping start; the console's
 * timestamps, the agent's uptimes).  The agent's "# boot-clock:" line holds
 * two TSC/uptime pairs, which give the TSC's rate and so the time before the
 * kernel's clock started; the kernel's "reboot: Power down" line puts the
 * power-off on the boot clock; the SHUTDOWN event follows it within
 * milliseconds (the ACPI write, then QMP), which anchors the guest's
 * timeline on the host's.  What is left at the start is QEMU's own start-up:
 * the QMP greeting cannot stand for it, QEMU sends it as the monitor
 * connects, before the machine is built. */
enum {
	PHASE_QEMU_INIT,   /* spawn to the VM's start: QEMU's start-up, loading the images */
	PHASE_PRE_KERNEL,  /* VM start to the kernel's clock: firmware, decompression, early setup */
	PHASE_KERNEL,      /* the kernel's clock to the agent's start: kernel init, initramfs */
	PHASE_MODULES,     /* the agent's module loading */
	PHASE_SCENARIO,    /* the scenario, to the agent's last line */
	PHASE_POWER_OFF,   /* the agent's last line to the kernel's "reboot: Power down" */
	PHASE_EXIT,        /* QMP SHUTDOWN to QEMU's exit: quit over QMP, teardown */
	N_PHASES
};
static const char *const phase_names[N_PHASES] = {
	"qemu-init", "firmware+early", "kernel-init", "modules", "scenario", "power-off", "qemu-exit",
};

/* The boot clock's seconds at the console's "reboot: Power down", or -1. */
static double
console_power_down (const char *console)
{
	const char *p = console ? strstr (console, "] reboot: Power down") : NULL;
	double t;

	if (!p)
		return -1;
	while (p > console && p[-1] != '\n')
		p--;
	return sscanf (p, "[ %lf]", &t) == 1 ? t : -1;
}

static gboolean
boot_phases (const char *run_dir, double phases[N_PHASES])
{
	g_autoptr(RigTranscript) t = rig_transcript_load (run_dir, NULL);
	const char *line;
	unsigned long long tsc0, tsc1;
	double up0, up_mod, up1, up_off, hz, pre;

	if (!t || t->host_stop < 0 || t->host_exit < 0 || !t->tap)
		return FALSE;
	line = strstr (t->tap, "# boot-clock: ");
	up_off = console_power_down (t->console);
	if (!line || sscanf (line, "# boot-clock: tsc %llu at %lf s, modules loaded at %lf s, "
	                     "tsc %llu at %lf s", &tsc0, &up0, &up_mod, &tsc1, &up1) != 5 ||
	    tsc1 <= tsc0 || up1 <= up0 || up_off < up1)
		return FALSE;
	hz = (double) (tsc1 - tsc0) / (up1 - up0);
	pre = tsc0 / hz - up0;
	phases[PHASE_QEMU_INIT] = t->host_stop - pre - up_off;
	phases[PHASE_PRE_KERNEL] = pre;
	phases[PHASE_KERNEL] = up0;
	phases[PHASE_MODULES] = up_mod - up0;
	phases[PHASE_SCENARIO] = up1 - up_mod;
	phases[PHASE_POWER_OFF] = up_off - up1;
	phases[PHASE_EXIT] = t->host_exit - t->host_stop;
	return TRUE;
}

/* Medians of each phase over a sample's runs: one text line, one JSON member. */
static void
report_phases_text (Bench *b, const char *label, GArray *phases[N_PHASES])
{
	g_autoptr(GString) line = g_string_new (NULL);
	double sum = 0;

	if (!phases[0]->len) {
		g_string_append_printf (b->text, "  %-34s no run had its timing\n", label);
		return;
	}
	for (guint i = 0; i < N_PHASES; i++) {
		g_string_append_printf (line, "%s%s %.2f", i ? ", " : "", phase_names[i],
		                        median (phases[i]));
		sum += median (phases[i]);
	}
	g_string_append_printf (b->text, "  %-34s %s (sum %.2f)\n", label, line->str, sum);
}

static void
report_phases_json (Bench *b, GArray *phases[N_PHASES])
{
	if (!phases[0]->len)
		return;
	json_builder_set_member_name (b->json, "phases");
	json_builder_begin_object (b->json);
	for (guint i = 0; i < N_PHASES; i++)
		json_double (b->json, phase_names[i], median (phases[i]));
	json_builder_end_object (b->json);
}

/* ------------------------------------------------------ suite and bisect */

/* TOP/run-tests.sh ARG... once, its output in DIR/LABEL.log: wall seconds,
 * exit status and its last "N passed, N failed" line. */
static gboolean
run_tests_once (Bench *b, const char *label, const char *const *args, double *seconds,
                int *status, char **summary, GError **error)
{
	g_autofree char *log = g_strdup_printf ("%s/%s.log", b->dir, label);
	g_autofree char *script = g_build_filename (rig_top_dir (), "run-tests.sh", NULL);
	g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT);
	g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
	g_auto(GStrv) av = NULL;
	g_autoptr(GSubprocess) p = NULL;
	g_autoptr(GTimer) t = g_timer_new ();
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;

	g_strv_builder_add (argv, script);
	g_strv_builder_addv (argv, (const char **) args);
	av = g_strv_builder_end (argv);
	g_subprocess_launcher_set_cwd (l, rig_top_dir ());
	g_subprocess_launcher_set_stdout_file_path (l, log);
	g_subprocess_launcher_set_stderr_file_path (l, log);
	p = g_subprocess_launcher_spawnv (l, (const char *const *) av, error);
	if (!p || !g_subprocess_wait (p, b->cancellable, error))
		return FALSE;
	*seconds = g_timer_elapsed (t, NULL);
	*status = g_subprocess_get_if_exited (p) ? g_subprocess_get_exit_status (p) : -1;
	*summary = NULL;
	if (g_file_get_contents (log, &text, NULL, NULL)) {
		lines = rig_split_lines (text);
		for (guint i = 0; lines[i]; i++)
			if (g_regex_match_simple ("^[0-9]+ passed, [0-9]+ failed$", lines[i], 0, 0)) {
				g_free (*summary);
				*summary = g_strdup (lines[i]);
			}
	}
	if (!*summary)
		*summary = g_strdup ("no summary line");
	return TRUE;
}

/* @args, --reps times (bisect) or once (suite): seconds and outcomes. */
static gboolean
section_run_tests (Bench *b, const char *name, const char *title, const char *const *args,
                   guint reps, GError **error)
{
	Sample s;
	g_autofree char *last = NULL;

	sample_init (&s);
	g_string_append_printf (b->text, "\n%s\n", title);
	json_builder_set_member_name (b->json, name);
	json_builder_begin_object (b->json);
	json_builder_set_member_name (b->json, "runs");
	json_builder_begin_array (b->json);
	for (guint r = 0; r < reps; r++) {
		g_autofree char *label = g_strdup_printf ("%s-%u", name, r);
		g_autofree char *summary = NULL;
		double secs;
		int status;

		if (!run_tests_once (b, label, args, &secs, &status, &summary, error))
			return FALSE;
		s.runs++;
		if (status == 0)
			s.passes++;
		else if (!s.bad)
			s.bad = g_strdup_printf ("exit %d (%s/%s.log)", status, b->dir, label);
		push (s.seconds, secs);
		progress ("run-tests.sh %s #%u: exit %d, %s, %.1f s", args[0] ? args[0] : "", r, status,
		          summary, secs);
		json_builder_begin_object (b->json);
		json_builder_set_member_name (b->json, "exit_status");
		json_builder_add_int_value (b->json, status);
		json_builder_set_member_name (b->json, "summary");
		json_builder_add_string_value (b->json, summary);
		json_double (b->json, "seconds", secs);
		json_builder_end_object (b->json);
		g_free (last);
		last = g_steal_pointer (&summary);
		if (bench_interrupted (b, error))
			return FALSE;
	}
	json_builder_end_array (b->json);
	json_sample (b->json, &s);
	json_builder_end_object (b->json);
	text_row (b, name, &s, last);
	sample_clear (&s);
	return TRUE;
}

static gboolean
section_bisect (Bench *b, GError **error)
{
	static const char *const args[] = { "--bisect", NULL };

	return section_run_tests (b, "bisect", "one git bisect step: ./run-tests.sh --bisect on this "
	                          "tree, nothing to rebuild (wall seconds; exit 0 = good)", args,
	                          b->reps, error);
}

static gboolean
section_suite (Bench *b, GError **error)
{
	static const char *const args[] = { NULL };

	return section_run_tests (b, "suite", "the whole suite: ./run-tests.sh once (wall seconds, "
	                          "QEMU cached)", args, 1, error);
}

/* ----------------------------------------------------------- stock boot */

/* DIR/NAME.cpio: /bin/busybox (busybox-static), /dev/console, @extra (more
 * lines of images/mkcpio.py's listing, or NULL) and @init as /init, written
 * by the rig's one cpio writer. */
static char *
busybox_initramfs (const char *dir, const char *name, const char *init, const char *extra,
                   GCancellable *cancellable, GError **error)
{
	g_autofree char *base = g_strdup_printf ("%s.cpio", name);
	g_autofree char *init_name = g_strdup_printf ("%s-init", name);
	g_autofree char *list_name = g_strdup_printf ("%s.list", name);
	g_autofree char *path = g_build_filename (dir, base, NULL);
	g_autofree char *init_path = g_build_filename (dir, init_name, NULL);
	g_autofree char *list_path = g_build_filename (dir, list_name, NULL);
	g_autofree char *mkcpio = g_build_filename (rig_top_dir (), "images", "mkcpio.py", NULL);
	g_autofree char *list = g_strdup_printf ("dir bin 0755\ndir dev 0755\n"
	                                         "nod dev/console 0600 c 5 1\n"
	                                         "file bin/busybox /bin/busybox 0755\n"
	                                         "%s"
	                                         "file init %s 0755\n", extra ? extra : "",
	                                         init_path);
	g_autoptr(GSubprocess) p = NULL;

	if (!g_file_set_contents (init_path, init, -1, error) ||
	    !g_file_set_contents (list_path, list, -1, error))
		return NULL;
	p = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, error, "python3", mkcpio, list_path, path,
	                      NULL);
	if (!p || !g_subprocess_wait_check (p, cancellable, error))
		return NULL;
	return g_steal_pointer (&path);
}

/* The issue-2 reference's initramfs: an /init that powers off at once. */
static char *
stock_initramfs (const char *dir, GCancellable *cancellable, GError **error)
{
	return busybox_initramfs (dir, "stock-initramfs",
	                          "#!/bin/busybox sh\n/bin/busybox poweroff -f\n", NULL,
	                          cancellable, error);
}

/* The issue-2 reference: SeaBIOS (no -bios), the bzImage, busybox init.
 * Same machine options, same session (QMP, -action), same clock.  @qemu:
 * the binary (NULL: the rig's); the run goes to DIR/LABEL-smpN-REP. */
static gboolean
stock_boot_once (Bench *b, RigConfig *config, const char *qemu, const char *label,
                 const char *bzimage, const char *initramfs, guint smp, guint rep,
                 gboolean *powered_off, double *seconds, char **run_dir)
{
	g_autoptr(RigTranscript) t = rig_transcript_new ();
	g_autofree char *dir = g_strdup_printf ("%s/%s-smp%u-%u", b->dir, label, smp, rep);
	g_autoptr(RigRunPlan) plan = NULL;
	RigRunOptions opts;
	RigSessionParams params = { 0 };
	RigSessionInfo info = { 0 };

	if (g_mkdir_with_parents (dir, 0755) < 0)
		return FALSE;
	rig_run_options_init (&opts);
	opts.smp = smp;
	plan = rig_run_plan_new_stock (&opts, config, qemu, bzimage, initramfs, dir);
	{
		g_autofree char *path = g_build_filename (dir, "cmdline", NULL);
		g_autofree char *text = g_strconcat (plan->argv_text, "\n", NULL);

		g_file_set_contents (path, text, -1, NULL);
	}
	params.run_dir = dir;
	params.argv = (const char *const *) plan->argv;
	params.timeout = b->timeout;
	params.console = RIG_CONSOLE_FILE;
	rig_session_run (&params, t, &info, b->cancellable);
	*seconds = info.seconds;
	*powered_off = FALSE;
	for (guint i = 0; i < t->events->len; i++) {
		JsonObject *ev = g_ptr_array_index (t->events, i);
		JsonObject *data = json_object_has_member (ev, "data") ?
			json_object_get_object_member (ev, "data") : NULL;

		if (g_str_equal (json_object_get_string_member_with_default (ev, "event", ""),
		                 "SHUTDOWN") && data &&
		    g_str_equal (json_object_get_string_member_with_default (data, "reason", ""),
		                 "guest-shutdown"))
			*powered_off = TRUE;
	}
	rig_transcript_save (t, dir, NULL);
	rig_session_info_clear (&info);
	g_clear_pointer (&plan, rig_run_plan_free);
	rig_run_options_clear (&opts);
	*run_dir = g_steal_pointer (&dir);
	return TRUE;
}

/* -------------------------------------------------------------- sections */

/* The mixes of guest-driver/epoch-loop/epoch-loop.c, in its order. */
static const char *const epoch_mixes[] = { "alu", "mem", "locked", "fence", "mixed" };
#define EPOCH_MIXES G_N_ELEMENTS (epoch_mixes)

/* RUN/console.log's "epoch-loop: MIX N iterations in S s (R M/s)" lines:
 * rates[i] for epoch_mixes[i], in M iterations/s, the best of the loop's
 * rounds (the one the host disturbed least).  FALSE unless every mix ran. */
static gboolean
epoch_loop_rates (const char *run_dir, double rates[EPOCH_MIXES])
{
	g_autofree char *text = read_run_file (run_dir, "console.log");
	g_auto(GStrv) lines = text ? g_strsplit (text, "\n", -1) : NULL;
	guint found = 0;

	for (guint i = 0; lines && lines[i]; i++) {
		const char *p = strstr (lines[i], "epoch-loop: ");
		char mix[16];
		unsigned long long n;
		double secs;

		if (!p || sscanf (p, "epoch-loop: %15s %llu iterations in %lf s", mix, &n, &secs) != 3 ||
		    secs <= 0)
			continue;
		for (guint m = 0; m < EPOCH_MIXES; m++) {
			double rate = (double) n / secs / 1e6;

			if (!g_str_equal (mix, epoch_mixes[m]))
				continue;
			if (!(found & (1u << m)) || rate > rates[m])
				rates[m] = rate;
			found |= 1u << m;
		}
	}
	return found == (1u << EPOCH_MIXES) - 1;
}

/* The ordering-epoch patches' cost: guest-driver/epoch-loop on the rig's
 * QEMU and on the same source built without our series (rig.ini [qemu]
 * stock-binary=), same command line (a stock boot: the loop needs none of
 * our devices), at SMP 1 (single-threaded TCG code: no host barriers or
 * atomics) and SMP 2 (MTTCG), interleaved.  Rates are the guest's own. */
static gboolean
section_epoch (Bench *b, GError **error)
{
	g_autofree char *config_path = rig_config_default_path ();
	g_autoptr(RigConfig) config = rig_config_load (config_path, error);
	g_autofree char *bzimage = NULL, *stock_qemu = NULL, *loop = NULL, *extra = NULL;
	g_autofree char *initramfs = NULL;
	static const char *const who[2] = { "rig", "stock" };
	static const guint smps[] = { 1, 2 };

	if (!config)
		return FALSE;
	bzimage = g_key_file_get_string (config->keyfile, "kernel " RIG_DEFAULT_KERNEL, "bzimage", NULL);
	stock_qemu = g_key_file_get_string (config->keyfile, "qemu", "stock-binary", NULL);
	loop = g_build_filename (config->meson_build, "guest-driver", "vpci-epoch-loop", NULL);
	g_string_append (b->text, "\nepoch patches' cost: guest-driver/epoch-loop, the rig's QEMU "
	                 "against the same source without qemu-hw/patches, interleaved (M "
	                 "iterations/s: each boot's best of 3 rounds; median [min-max] of boots)\n");
	json_builder_set_member_name (b->json, "epoch");
	json_builder_begin_object (b->json);
	if (!bzimage || !stock_qemu || !g_file_test (stock_qemu, G_FILE_TEST_IS_EXECUTABLE) ||
	    !g_file_test (loop, G_FILE_TEST_IS_REGULAR)) {
		const char *why = !bzimage ? "rig.ini has no [kernel " RIG_DEFAULT_KERNEL "] bzimage" :
			!stock_qemu || !g_file_test (stock_qemu, G_FILE_TEST_IS_EXECUTABLE) ?
			"no stock QEMU (rig.ini [qemu] stock-binary=; ./vpci-rig bench builds it, "
			"or VPCI_RIG_STOCK_QEMU=1 build-aux/setup.sh)" :
			"no vpci-epoch-loop in the meson build";

		g_string_append_printf (b->text, "  skipped: %s\n", why);
		json_builder_set_member_name (b->json, "skipped");
		json_builder_add_string_value (b->json, why);
		json_builder_end_object (b->json);
		return TRUE;
	}
	extra = g_strdup_printf ("file bin/vpci-epoch-loop %s 0755\n", loop);
	initramfs = busybox_initramfs (b->dir, "epoch-initramfs",
	                               "#!/bin/busybox sh\n/bin/vpci-epoch-loop 3\n"
	                               "/bin/busybox poweroff -f\n", extra, b->cancellable, error);
	if (!initramfs)
		return FALSE;
	json_builder_set_member_name (b->json, "smp");
	json_builder_begin_array (b->json);
	for (guint k = 0; k < G_N_ELEMENTS (smps); k++) {
		GArray *rates[2][EPOCH_MIXES];
		Sample runs[2];

		for (guint q = 0; q < 2; q++) {
			sample_init (&runs[q]);
			for (guint m = 0; m < EPOCH_MIXES; m++)
				rates[q][m] = g_array_new (FALSE, FALSE, sizeof (double));
		}
		for (guint r = 0; r < b->reps; r++) {
			for (guint q = 0; q < 2; q++) {
				g_autofree char *dir = NULL;
				g_autofree char *label = g_strdup_printf ("epoch-%s", who[q]);
				double secs = 0, got[EPOCH_MIXES];
				gboolean off = FALSE, all;

				stock_boot_once (b, config, q ? stock_qemu : NULL, label, bzimage, initramfs,
				                 smps[k], r, &off, &secs, &dir);
				all = epoch_loop_rates (dir, got);
				sample_note (&runs[q], off && all ? RIG_VERDICT_PASS : RIG_VERDICT_FAIL, dir);
				push (runs[q].seconds, secs);
				for (guint m = 0; all && m < EPOCH_MIXES; m++)
					push (rates[q][m], got[m]);
				progress ("epoch-loop smp%u on %s QEMU #%u: %s, %.2f s", smps[k], who[q], r,
				          !all ? "no complete result" :
				          off ? "powered off" : "did not power off", secs);
				if (bench_interrupted (b, error))
					return FALSE;
			}
		}
		{
			g_autofree char *l0 = g_strdup_printf ("epoch-loop smp%u, rig's QEMU", smps[k]);
			g_autofree char *l1 = g_strdup_printf ("epoch-loop smp%u, stock QEMU", smps[k]);

			text_row (b, l0, &runs[0], NULL);
			text_row (b, l1, &runs[1], NULL);
		}
		json_builder_begin_object (b->json);
		json_builder_set_member_name (b->json, "smp");
		json_builder_add_int_value (b->json, smps[k]);
		json_builder_set_member_name (b->json, "mixes");
		json_builder_begin_array (b->json);
		for (guint m = 0; m < EPOCH_MIXES; m++) {
			double rig = median (rates[0][m]), stock = median (rates[1][m]);

			g_string_append_printf (b->text, "    %-8s rig %7.1f [%.1f-%.1f]  stock %7.1f "
			                        "[%.1f-%.1f]  rig/stock %.3f (cost %+.1f %%; target "
			                        "<= 2 %%)\n", epoch_mixes[m], rig,
			                        array_min (rates[0][m]), array_max (rates[0][m]), stock,
			                        array_min (rates[1][m]), array_max (rates[1][m]),
			                        rig / stock, (1 - rig / stock) * 100);
			json_builder_begin_object (b->json);
			json_builder_set_member_name (b->json, "mix");
			json_builder_add_string_value (b->json, epoch_mixes[m]);
			for (guint q = 0; q < 2; q++) {
				json_builder_set_member_name (b->json, who[q]);
				json_builder_begin_array (b->json);
				for (guint i = 0; i < rates[q][m]->len; i++)
					json_builder_add_double_value (b->json,
					                               g_array_index (rates[q][m], double, i));
				json_builder_end_array (b->json);
			}
			json_double (b->json, "ratio", rig / stock);
			json_builder_end_object (b->json);
		}
		json_builder_end_array (b->json);
		for (guint q = 0; q < 2; q++) {
			json_builder_set_member_name (b->json, who[q]);
			json_builder_begin_object (b->json);
			json_sample (b->json, &runs[q]);
			json_builder_end_object (b->json);
			sample_clear (&runs[q]);
			for (guint m = 0; m < EPOCH_MIXES; m++)
				g_array_unref (rates[q][m]);
		}
		json_builder_end_object (b->json);
	}
	json_builder_end_array (b->json);
	json_builder_end_object (b->json);
	return TRUE;
}

static gboolean
section_boot (Bench *b, GError **error)
{
	g_autofree char *config_path = rig_config_default_path ();
	g_autoptr(RigConfig) config = rig_config_load (config_path, error);
	g_autofree char *bzimage = NULL, *initramfs = NULL;
	static const guint smps[] = { 1, 4 };
	double rig_med[2], stock_med[2];

	if (!config)
		return FALSE;
	bzimage = g_key_file_get_string (config->keyfile, "kernel " RIG_DEFAULT_KERNEL, "bzimage", NULL);
	if (!bzimage || !g_file_test (bzimage, G_FILE_TEST_IS_REGULAR)) {
		g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "rig.ini: no [kernel %s] bzimage",
		             RIG_DEFAULT_KERNEL);
		return FALSE;
	}
	initramfs = stock_initramfs (b->dir, b->cancellable, error);
	if (!initramfs)
		return FALSE;

	g_string_append (b->text, "\nboot-to-verdict (QEMU start to exit; median [min-max])\n");
	json_builder_set_member_name (b->json, "boot");
	json_builder_begin_array (b->json);
	for (guint k = 0; k < G_N_ELEMENTS (smps); k++) {
		Sample rig, stock;
		BootSpec spec = { .scenario = "boot", .smp = smps[k], .wc = TRUE };
		g_autofree char *rl = g_strdup_printf ("boot smp%u", smps[k]);
		g_autofree char *sl = g_strdup_printf ("stock smp%u", smps[k]);
		g_autofree char *label = g_strdup_printf ("boot-smp%u", smps[k]);
		g_autofree char *ratio = NULL;

		GArray *phases[N_PHASES];

		for (guint i = 0; i < N_PHASES; i++)
			phases[i] = g_array_new (FALSE, FALSE, sizeof (double));
		sample_init (&rig);
		sample_init (&stock);
		/* interleaved, so drifting load hits both alike */
		for (guint r = 0; r < b->reps; r++) {
			RigVerdict v;
			double s;
			g_autofree char *dir = NULL, *sdir = NULL;
			gboolean off = FALSE;

			if (!rig_boot_once (b, &spec, label, r, &v, &s, &dir, error))
				return FALSE;
			sample_note (&rig, v, dir);
			push (rig.seconds, s);
			progress ("%s #%u: %s, %.2f s", rl, r, rig_verdict_to_string (v), s);
			{
				double ph[N_PHASES];

				if (v == RIG_VERDICT_PASS && boot_phases (dir, ph))
					for (guint i = 0; i < N_PHASES; i++)
						push (phases[i], ph[i]);
			}
			stock_boot_once (b, config, NULL, "stock", bzimage, initramfs, smps[k], r, &off,
			                 &s, &sdir);
			sample_note (&stock, off ? RIG_VERDICT_PASS : RIG_VERDICT_FAIL, sdir);
			push (stock.seconds, s);
			progress ("%s #%u: %s, %.2f s", sl, r, off ? "powered off" : "did not power off", s);
			if (bench_interrupted (b, error))
				return FALSE;
		}
		rig_med[k] = median (rig.seconds);
		stock_med[k] = median (stock.seconds);
		ratio = g_strdup_printf ("rig/stock %.2f", rig_med[k] / stock_med[k]);
		text_row (b, rl, &rig, ratio);
		report_phases_text (b, "  phases, s (medians)", phases);
		text_row (b, sl, &stock, "SeaBIOS + bzImage + busybox init");
		json_builder_begin_object (b->json);
		json_builder_set_member_name (b->json, "smp");
		json_builder_add_int_value (b->json, smps[k]);
		json_builder_set_member_name (b->json, "rig");
		json_builder_begin_object (b->json);
		json_sample (b->json, &rig);
		report_phases_json (b, phases);
		json_builder_end_object (b->json);
		for (guint i = 0; i < N_PHASES; i++)
			g_array_unref (phases[i]);
		json_builder_set_member_name (b->json, "stock");
		json_builder_begin_object (b->json);
		json_sample (b->json, &stock);
		json_builder_end_object (b->json);
		json_double (b->json, "ratio", rig_med[k] / stock_med[k]);
		json_builder_end_object (b->json);
		sample_clear (&rig);
		sample_clear (&stock);
	}
	json_builder_end_array (b->json);
	g_string_append_printf (b->text, "  %-34s %.2f (target <= 0.5)\n", "ratio rig/stock at SMP 4",
	                        rig_med[1] / stock_med[1]);
	return TRUE;
}

/* boot, boot --hyperv and vmbus at SMP 1 and 4, interleaved. */
static gboolean
section_hyperv (Bench *b, GError **error)
{
	static const guint smps[] = { 1, 4 };

	g_string_append (b->text, "\n--hyperv (boot-to-verdict, median [min-max]; ratio to boot)\n");
	json_builder_set_member_name (b->json, "hyperv");
	json_builder_begin_array (b->json);
	for (guint k = 0; k < G_N_ELEMENTS (smps); k++) {
		const BootSpec specs[] = {
			{ .scenario = "boot", .smp = smps[k], .wc = TRUE },
			{ .scenario = "boot", .smp = smps[k], .wc = TRUE, .hyperv = TRUE },
			{ .scenario = "vmbus", .smp = smps[k], .wc = TRUE },
		};
		static const char *const names[] = { "boot", "boot --hyperv", "vmbus" };
		static const char *const keys[] = { "boot", "boot_hyperv", "vmbus" };
		Sample s[G_N_ELEMENTS (specs)];
		double base;

		for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
			sample_init (&s[i]);
		/* interleaved, so drifting load hits all three alike */
		for (guint r = 0; r < b->reps; r++) {
			for (guint i = 0; i < G_N_ELEMENTS (specs); i++) {
				g_autofree char *label = g_strdup_printf ("%s-smp%u", keys[i], smps[k]);
				g_autofree char *dir = NULL;
				RigVerdict v;
				double secs;

				if (!rig_boot_once (b, &specs[i], label, r, &v, &secs, &dir, error))
					return FALSE;
				sample_note (&s[i], v, dir);
				push (s[i].seconds, secs);
				progress ("%s smp%u #%u: %s, %.2f s", names[i], smps[k], r,
				          rig_verdict_to_string (v), secs);
			}
		}
		base = median (s[0].seconds);
		json_builder_begin_object (b->json);
		json_builder_set_member_name (b->json, "smp");
		json_builder_add_int_value (b->json, smps[k]);
		for (guint i = 0; i < G_N_ELEMENTS (specs); i++) {
			g_autofree char *row = g_strdup_printf ("%s smp%u", names[i], smps[k]);
			g_autofree char *ratio = i ? g_strdup_printf ("x%.2f of boot",
			                                              median (s[i].seconds) / base) : NULL;

			text_row (b, row, &s[i], ratio);
			json_builder_set_member_name (b->json, keys[i]);
			json_builder_begin_object (b->json);
			json_sample (b->json, &s[i]);
			if (i)
				json_double (b->json, "ratio", median (s[i].seconds) / base);
			json_builder_end_object (b->json);
			sample_clear (&s[i]);
		}
		json_builder_end_object (b->json);
	}
	json_builder_end_array (b->json);
	return TRUE;
}

static gboolean
section_scenarios (Bench *b, GError **error)
{
	const RigScenario *sc;
	guint n;

	g_string_append (b->text, "\nscenarios at SMP 4, --wc on and off interleaved (boot-to-verdict, "
	                 "median [min-max])\n");
	json_builder_set_member_name (b->json, "scenarios");
	json_builder_begin_array (b->json);
	sc = rig_scenarios (&n);
	for (guint i = 0; i < n; i++) {
		Sample s[2];   /* [1] --wc on, [0] off */

		/* the vPCI scenarios a correct rig passes; bench-cfg is the cfg section */
		if (!sc[i].devices || !sc[i].expect || !g_str_equal (sc[i].expect, "pass") ||
		    g_str_equal (sc[i].name, "bench-cfg"))
			continue;
		sample_init (&s[0]);
		sample_init (&s[1]);
		for (guint r = 0; r < b->reps; r++) {
			for (int w = 1; w >= 0; w--) {
				BootSpec spec = { .scenario = sc[i].name, .smp = 4, .wc = w };
				g_autofree char *label = g_strdup_printf ("%s-wc-%s", sc[i].name,
				                                          w ? "on" : "off");
				RigVerdict v;
				double secs;
				g_autofree char *dir = NULL;

				if (!rig_boot_once (b, &spec, label, r, &v, &secs, &dir, error))
					return FALSE;
				sample_note (&s[w], v, dir);
				push (s[w].seconds, secs);
				progress ("%s smp4 --wc %s #%u: %s, %.2f s", sc[i].name, w ? "on" : "off", r,
				          rig_verdict_to_string (v), secs);
			}
		}
		{
			g_autofree char *l1 = g_strdup_printf ("%s --wc on", sc[i].name);
			g_autofree char *l0 = g_strdup_printf ("%s --wc off", sc[i].name);
			g_autofree char *ratio = g_strdup_printf ("on/off %.2f", median (s[1].seconds) /
			                                          median (s[0].seconds));

			text_row (b, l1, &s[1], ratio);
			text_row (b, l0, &s[0], NULL);
		}
		json_builder_begin_object (b->json);
		json_builder_set_member_name (b->json, "scenario");
		json_builder_add_string_value (b->json, sc[i].name);
		json_builder_set_member_name (b->json, "smp");
		json_builder_add_int_value (b->json, 4);
		for (int w = 1; w >= 0; w--) {
			json_builder_set_member_name (b->json, w ? "wc_on" : "wc_off");
			json_builder_begin_object (b->json);
			json_sample (b->json, &s[w]);
			json_builder_end_object (b->json);
			sample_clear (&s[w]);
		}
		json_builder_end_object (b->json);
	}
	json_builder_end_array (b->json);
	return TRUE;
}

static gboolean
section_wc (Bench *b, GError **error)
{
	Sample on, off;
	double r_on, r_off;

	sample_init (&on);
	sample_init (&off);
	for (guint r = 0; r < b->reps; r++) {
		for (int w = 1; w >= 0; w--) {
			BootSpec spec = { .scenario = "cfg-stress", .smp = 4, .wc = w };
			Sample *s = w ? &on : &off;
			RigVerdict v;
			double secs, rate;
			g_autofree char *dir = NULL;

			if (!rig_boot_once (b, &spec, w ? "cfg-stress-wc-on" : "cfg-stress-wc-off", r, &v,
			                    &secs, &dir, error))
				return FALSE;
			sample_note (s, v, dir);
			push (s->seconds, secs);
			if (tap_cfg_stress_rate (dir, &rate))
				push (s->value, rate);
			progress ("cfg-stress --wc %s #%u: %s, %.2f s, %.0f accesses/s", w ? "on" : "off",
			          r, rig_verdict_to_string (v), secs,
			          s->value->len ? g_array_index (s->value, double, s->value->len - 1) : 0.0);
		}
	}
	r_on = median (on.value);
	r_off = median (off.value);
	g_string_append (b->text, "\nWC model cost: cfg-stress at SMP 4, same seed "
	                 "(guest accesses/s, median; wall seconds)\n");
	{
		g_autofree char *e1 = g_strdup_printf ("%.0f accesses/s", r_on);
		g_autofree char *e0 = g_strdup_printf ("%.0f accesses/s", r_off);

		text_row (b, "cfg-stress --wc on", &on, e1);
		text_row (b, "cfg-stress --wc off", &off, e0);
	}
	g_string_append_printf (b->text, "  %-34s %.2f (target >= 0.95)\n", "throughput ratio on/off",
	                        r_on / r_off);
	json_builder_set_member_name (b->json, "wc");
	json_builder_begin_object (b->json);
	json_builder_set_member_name (b->json, "on");
	json_builder_begin_object (b->json);
	json_sample (b->json, &on);
	json_double (b->json, "accesses_per_s", r_on);
	json_builder_end_object (b->json);
	json_builder_set_member_name (b->json, "off");
	json_builder_begin_object (b->json);
	json_sample (b->json, &off);
	json_double (b->json, "accesses_per_s", r_off);
	json_builder_end_object (b->json);
	json_double (b->json, "ratio", r_on / r_off);
	json_builder_end_object (b->json);
	sample_clear (&on);
	sample_clear (&off);
	return TRUE;
}

static gboolean
section_cfg (Bench *b, GError **error)
{
	static const char *const kinds[] = { "sysfs-config", "mmap-bar0", "kernel-config",
	                                     "kernel-bar0", "kernel-floor" };
	GArray *rates[G_N_ELEMENTS (kinds)];
	double med[G_N_ELEMENTS (kinds)];
	BootSpec spec = { .scenario = "bench-cfg", .smp = 1, .wc = FALSE };
	Sample s;

	sample_init (&s);
	for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
		rates[k] = g_array_new (FALSE, FALSE, sizeof (double));
	for (guint r = 0; r < b->reps; r++) {
		RigVerdict v;
		double secs, rate;
		g_autofree char *dir = NULL;

		if (!rig_boot_once (b, &spec, "bench-cfg", r, &v, &secs, &dir, error))
			return FALSE;
		sample_note (&s, v, dir);
		push (s.seconds, secs);
		for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
			if (tap_bench_cfg_rate (dir, kinds[k], &rate))
				push (rates[k], rate);
		progress ("bench-cfg smp1 --wc off #%u: %s, %.2f s", r, rig_verdict_to_string (v), secs);
	}
	g_string_append (b->text, "\nconfig reads vs BAR 0 reads: bench-cfg, SMP 1, --wc off "
	                 "(reads/s, median)\n");
	text_row (b, "bench-cfg boot", &s, NULL);
	json_builder_set_member_name (b->json, "cfg");
	json_builder_begin_object (b->json);
	json_sample (b->json, &s);
	for (guint k = 0; k < G_N_ELEMENTS (kinds); k++) {
		g_autofree char *name = g_strdup_printf ("%s_reads_per_s", kinds[k]);

		med[k] = median (rates[k]);
		g_string_append_printf (b->text, "  %-34s %10.0f reads/s\n", kinds[k], med[k]);
		g_strdelimit (name, "-", '_');
		json_double (b->json, name, med[k]);
		g_array_unref (rates[k]);
	}
	g_string_append_printf (b->text, "  %-34s %.2f (sysfs pread pays a syscall per read)\n",
	                        "ratio sysfs-config/mmap-bar0", med[0] / med[1]);
	g_string_append_printf (b->text, "  %-34s %.2f (target >= 0.8)\n",
	                        "ratio kernel-config/kernel-bar0", med[2] / med[3]);
	/* a config read within 1.3x of the floor's time: rate ratio >= 1 / 1.3 */
	g_string_append_printf (b->text, "  %-34s %.2f (a config read takes %.2fx the floor; "
	                        "target <= 1.3x)\n", "ratio kernel-config/kernel-floor",
	                        med[2] / med[4], med[4] / med[2]);
	json_double (b->json, "ratio_user", med[0] / med[1]);
	json_double (b->json, "ratio_kernel", med[2] / med[3]);
	json_double (b->json, "ratio_kernel_floor", med[2] / med[4]);
	json_builder_end_object (b->json);
	sample_clear (&s);
	return TRUE;
}

static gboolean
section_mutants (Bench *b, GError **error)
{
	const RigBarrierSite *sites;
	const char *scenario = rig_scenario_lookup ("barrier-stress") ? "barrier-stress" : "cfg-stress";
	guint n;

	sites = rig_barrier_sites (&n);
	g_string_append_printf (b->text, "\nbarrier mutants: %s at SMP 4, --fences all but SITE "
	                        "(first hazard in guest virtual time since QEMU start; wall seconds)\n",
	                        scenario);
	json_builder_set_member_name (b->json, "mutants");
	json_builder_begin_array (b->json);
	for (guint i = 0; i < n; i++) {
		g_autofree char *all_but = NULL, *fences = NULL, *label = NULL, *extra = NULL;
		BootSpec spec = { .scenario = scenario, .smp = 4, .wc = TRUE };
		Sample s;
		guint hazards_med_n = 0;
		GArray *counts;

		if (sites[i].why_not)
			continue;
		all_but = g_strdup_printf ("all,%s=none", sites[i].name);
		fences = rig_fences_canonical (all_but, error);
		if (!fences)
			return FALSE;
		label = g_strdup_printf ("no-%s", sites[i].name);
		spec.fences = fences;
		sample_init (&s);
		counts = s.value2;
		for (guint r = 0; r < b->reps; r++) {
			RigVerdict v;
			double secs, t;
			guint count;
			g_autofree char *dir = NULL;

			if (!rig_boot_once (b, &spec, label, r, &v, &secs, &dir, error))
				return FALSE;
			/* a mutant that is caught does not pass: count "caught" */
			sample_note (&s, v == RIG_VERDICT_PASS ? RIG_VERDICT_FAIL : RIG_VERDICT_PASS, dir);
			push (s.seconds, secs);
			if (first_hazard (dir, &t, &count))
				push (s.value, t);
			push (counts, count);
			progress ("%s #%u: %s, %.2f s, %u hazards, first at %.3f s guest time", label, r,
			          rig_verdict_to_string (v), secs, count, first_hazard (dir, &t, &count) ? t : NAN);
		}
		hazards_med_n = (guint) median (counts);
		extra = g_strdup_printf ("first hazard %.3f s (guest), %u hazards (median)",
		                         median (s.value), hazards_med_n);
		{
			/* text_row says "pass": here it means "caught" */
			g_autofree char *med = fmt_s (median (s.seconds));
			g_autofree char *lo = fmt_s (array_min (s.seconds));
			g_autofree char *hi = fmt_s (array_max (s.seconds));

			g_string_append_printf (b->text, "  %-34s %6s s  [%s-%s]  %u/%u caught  %s\n",
			                        label, med, lo, hi, s.passes, s.runs, extra);
			if (s.bad)
				g_string_append_printf (b->text, "  %-34s not caught: %s\n", "", s.bad);
		}
		json_builder_begin_object (b->json);
		json_builder_set_member_name (b->json, "site");
		json_builder_add_string_value (b->json, sites[i].name);
		json_builder_set_member_name (b->json, "fences");
		json_builder_add_string_value (b->json, fences);
		json_builder_set_member_name (b->json, "scenario");
		json_builder_add_string_value (b->json, scenario);
		json_sample (b->json, &s);
		json_double (b->json, "first_hazard_guest_s_median", median (s.value));
		json_double (b->json, "first_hazard_guest_s_min", array_min (s.value));
		json_double (b->json, "first_hazard_guest_s_max", array_max (s.value));
		json_double (b->json, "hazards_median", median (counts));
		json_builder_end_object (b->json);
		sample_clear (&s);
	}
	json_builder_end_array (b->json);
	return TRUE;
}

/* ----------------------------------------------------------------- command */

/* Every section by its --only name (BENCH_SECTIONS and BENCH_EXTRA list them). */
static const struct {
	const char *name;
	gboolean  (*run) (Bench *b, GError **error);
} bench_sections[] = {
	{ "boot", section_boot },       { "scenarios", section_scenarios },
	{ "wc", section_wc },           { "cfg", section_cfg },
	{ "mutants", section_mutants }, { "hyperv", section_hyperv },
	{ "epoch", section_epoch },     { "bisect", section_bisect },
	{ "suite", section_suite },
};

static const char bench_description[] =
	"Measures, in one run on this machine: boot-to-verdict of 'boot' at SMP 1 and 4\n"
	"against a stock boot of the same kernel (SeaBIOS, bzImage, busybox init), every\n"
	"vPCI scenario at SMP 4, cfg-stress throughput with the WC model on and off,\n"
	"config reads against BAR 0 reads (bench-cfg), time to the first hazard for\n"
	"each barrier mutant, what --hyperv costs, and a CPU-bound guest loop on the\n"
	"rig's QEMU against the same QEMU without the rig's patches (epoch; ./vpci-rig\n"
	"bench builds that QEMU once).  Prints a table (or --json).  Not a test: it exits 0 unless\n"
	"it could not measure.  Sections: " BENCH_SECTIONS ", and " BENCH_EXTRA " when named\n"
	"in --only.  Runs are kept under\n"
	"build/runs/<time>-bench-<pid>/.";

gboolean
rig_cmd_bench (int argc, char **argv, RigExit *exit_status, GCancellable *cancellable,
               GError **error)
{
	g_autofree char *reps = NULL, *only = NULL, *seed = NULL, *timeout = NULL;
	g_autofree char *json_out = NULL, *json_text = NULL;
	gboolean json = FALSE;
	GOptionEntry entries[] = {
		{ "reps", 0, 0, G_OPTION_ARG_STRING, &reps,
		  "Repetitions of each measurement (median; default "
		  G_STRINGIFY (BENCH_DEFAULT_REPS) ")", "N" },
		{ "only", 0, 0, G_OPTION_ARG_STRING, &only,
		  "Sections to run (default: " BENCH_SECTIONS "; also " BENCH_EXTRA ")",
		  "SECTION,..." },
		{ "seed", 0, 0, G_OPTION_ARG_STRING, &seed,
		  "Seed for every run (default: random, printed)", "N" },
		{ "timeout", 0, 0, G_OPTION_ARG_STRING, &timeout,
		  "Seconds before one run counts as a hang (default 120)", "S" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object instead of the table",
		  NULL },
		{ "json-out", 0, 0, G_OPTION_ARG_FILENAME, &json_out,
		  "Also write the JSON object to FILE (for docs/plot-bench.py)", "FILE" },
		{ NULL }
	};
	g_autoptr(GOptionContext) context =
		rig_option_context_new ("bench", NULL, "Measure the rig's speed (not a test).",
		                        bench_description);
	g_auto(GStrv) sections = NULL;
	g_autoptr(GDateTime) now = g_date_time_new_now_local ();
	g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
	g_autofree char *load0 = NULL, *load1 = NULL;
	g_autoptr(GTimer) timer = g_timer_new ();
	Bench b = { 0 };
	gboolean ok = TRUE;
	guint64 n;
	g_auto(GStrv) known = g_strsplit (BENCH_SECTIONS "," BENCH_EXTRA, ",", -1);

	g_option_context_add_main_entries (context, entries, NULL);
	if (!rig_option_context_parse (context, &argc, &argv, error))
		return FALSE;
	if (argc > 1) {
		rig_usage_error (error, "unexpected argument '%s'", argv[1]);
		return FALSE;
	}
	b.reps = BENCH_DEFAULT_REPS;
	b.cancellable = cancellable;
	b.timeout = RIG_DEFAULT_TIMEOUT;
	b.seed = g_random_int ();
	if (reps) {
		if (!rig_parse_uint ("--reps", reps, 1, 100, &n, error))
			return FALSE;
		b.reps = n;
	}
	if (seed && !rig_parse_uint ("--seed", seed, 0, G_MAXINT64, &b.seed, error))
		return FALSE;
	if (timeout) {
		if (!rig_parse_uint ("--timeout", timeout, 1, 3600, &n, error))
			return FALSE;
		b.timeout = n;
	}
	sections = g_strsplit (only ? only : BENCH_SECTIONS, ",", -1);
	for (guint i = 0; sections[i]; i++) {
		if (!g_strv_contains ((const char *const *) known, sections[i])) {
			rig_usage_error (error, "--only: unknown section '%s' (%s,%s)", sections[i],
			                 BENCH_SECTIONS, BENCH_EXTRA);
			return FALSE;
		}
	}

	b.dir = g_strdup_printf ("%s/build/runs/%s-bench-%d", rig_top_dir (), stamp, (int) getpid ());
	if (g_mkdir_with_parents (b.dir, 0755) < 0) {
		g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "cannot create %s", b.dir);
		g_free (b.dir);
		return FALSE;
	}
	b.json = json_builder_new ();
	b.text = g_string_new (NULL);
	load0 = loadavg ();
	progress ("runs under %s; %u repetitions; seed %" G_GUINT64_FORMAT "; load %s", b.dir,
	          b.reps, b.seed, load0);
	json_builder_begin_object (b.json);

	for (guint i = 0; ok && sections[i]; i++)
		for (guint k = 0; k < G_N_ELEMENTS (bench_sections); k++)
			if (g_str_equal (sections[i], bench_sections[k].name))
				ok = bench_sections[k].run (&b, error);
	load1 = loadavg ();

	/* a section that stopped (an error, Ctrl-C) left the JSON object open
	 * somewhere inside: nothing is printed then */
	if (ok) {
		json_builder_set_member_name (b.json, "machine");
		json_builder_begin_object (b.json);
		json_builder_set_member_name (b.json, "cpus");
		json_builder_add_int_value (b.json, g_get_num_processors ());
		json_builder_set_member_name (b.json, "loadavg_start");
		json_builder_add_string_value (b.json, load0);
		json_builder_set_member_name (b.json, "loadavg_end");
		json_builder_add_string_value (b.json, load1);
		json_builder_end_object (b.json);
		json_builder_set_member_name (b.json, "reps");
		json_builder_add_int_value (b.json, b.reps);
		json_builder_set_member_name (b.json, "seed");
		json_builder_add_int_value (b.json, (gint64) b.seed);
		json_builder_set_member_name (b.json, "dir");
		json_builder_add_string_value (b.json, b.dir);
		json_double (b.json, "total_seconds", g_timer_elapsed (timer, NULL));
		json_builder_end_object (b.json);

	}
	if (ok) {
		g_autoptr(JsonGenerator) gen = json_generator_new ();
		g_autoptr(JsonNode) root = json_builder_get_root (b.json);

		json_generator_set_root (gen, root);
		json_generator_set_pretty (gen, TRUE);
		json_text = json_generator_to_data (gen, NULL);
		if (json_out && !g_file_set_contents (json_out, json_text, -1, error))
			ok = FALSE;
	}
	if (ok) {
		if (json) {
			g_print ("%s\n", json_text);
		} else {
			g_print ("vpci-rig bench: %u cpus, load %s at start, %s at end; %u repetitions, "
			         "seed %" G_GUINT64_FORMAT "; %.0f s\nruns: %s\n%s",
			         g_get_num_processors (), load0, load1, b.reps, b.seed,
			         g_timer_elapsed (timer, NULL), b.dir, b.text->str);
		}
		*exit_status = RIG_EXIT_PASS;
	}
	g_object_unref (b.json);
	g_string_free (b.text, TRUE);
	g_free (b.dir);
	return ok;
}
