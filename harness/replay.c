/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * replay.c - `run --record DIR` / `run --replay DIR` (see replay.h).
 *
 * QEMU's record/replay (docs/system/replay.rst in its source) logs every
 * non-deterministic input of an -icount run to DIR/replay.bin and plays it
 * back.  Its rules, and what the rig does about each:
 *   - one vCPU: QEMU refuses -smp > 1 with rr=, so --record means --smp 1;
 *   - block devices need blkreplay, guest-visible QMP input (device_add) is
 *     not logged: scenarios with a disk or hotplug cannot be recorded;
 *   - our devices use QEMU_CLOCK_VIRTUAL only (the WC drain timer), and the
 *     harness's QMP commands at boot (query-pci, quit) change no guest state;
 *   - serial ports: output only (file backends), the same count both ways;
 *   - the guest must see the very same bytes: the kernel command line is
 *     rebuilt from the recorded options (seed included), the kernel and the
 *     initramfs are DIR's copies, QEMU the recorded binary;
 *   - reverse debugging needs a snapshot: rrsnapshot=init saves one at the
 *     start of the recording into DIR/rr.qcow2 (an empty qcow2 that no
 *     device uses) and the replay starts from it.
 * QEMU is built without its tools (no qemu-img), so the qcow2 is written
 * here: header, one refcount table, one refcount block, one L1 table.
 */
#include "replay.h"
#include "qemu-opt.h"
#include "lines.h"
#include "gdb.h"
#include "options.h"
#include "hazards.h"
#include "scenarios.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define REPLAY_LOG   "replay.bin"
#define SNAPSHOT_IMG "rr.qcow2"
#define KERNEL_COPY  "vmlinux"
#define INITRD_COPY  "initramfs.cpio"

static const char *
rr_dir (const RigRunOptions *opts)
{
	return opts->record_dir ? opts->record_dir : opts->replay_dir;
}

/* ---------------------------------------------------------------- qcow2 */

static void
put_be32 (guint8 *p, guint32 v)
{
	v = GUINT32_TO_BE (v);
	memcpy (p, &v, 4);
}

static void
put_be64 (guint8 *p, guint64 v)
{
	v = GUINT64_TO_BE (v);
	memcpy (p, &v, 8);
}

gboolean
rig_replay_write_qcow2 (const char *path, guint64 size, GError **error)
{
	const guint cluster_bits = 16;
	const gsize cluster = (gsize) 1 << cluster_bits;
	/* an L2 table maps cluster/8 clusters */
	const guint64 per_l1 = (guint64) (cluster / 8) << cluster_bits;
	g_autofree guint8 *img = g_malloc0 (4 * cluster);
	guint8 *hdr = img, *rt = img + cluster, *rb = img + 2 * cluster;

	/* cluster 0 header, 1 refcount table, 2 refcount block, 3 L1 table */
	put_be32 (hdr + 0, 0x514649fb);             /* "QFI\xfb" */
	put_be32 (hdr + 4, 3);                      /* version */
	put_be32 (hdr + 20, cluster_bits);
	put_be64 (hdr + 24, size);
	put_be32 (hdr + 36, (guint32) ((size + per_l1 - 1) / per_l1));  /* l1_size */
	put_be64 (hdr + 40, 3 * cluster);           /* l1_table_offset */
	put_be64 (hdr + 48, 1 * cluster);           /* refcount_table_offset */
	put_be32 (hdr + 56, 1);                     /* refcount_table_clusters */
	put_be32 (hdr + 96, 4);                     /* refcount_order: 16 bits */
	put_be32 (hdr + 100, 104);                  /* header_length; then end of extensions */
	put_be64 (rt, 2 * cluster);
	for (guint i = 0; i < 4; i++) {
		rb[2 * i] = 0;
		rb[2 * i + 1] = 1;
	}
	return g_file_set_contents (path, (const char *) img, 4 * cluster, error);
}

/* ---------------------------------------------------------------- options */

/* ---------------------------------------------------------------- files */

/* A hard link when DIR is on the same file system, else a copy. */
static gboolean
copy_file (const char *from, const char *to, GError **error)
{
	g_autoptr(GFile) src = g_file_new_for_path (from);
	g_autoptr(GFile) dst = g_file_new_for_path (to);

	g_unlink (to);
	if (link (from, to) == 0)
		return TRUE;
	return g_file_copy (src, dst, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, error);
}

static gboolean
record_prepare (const RigRunOptions *opts, RigConfig *config, RigKernel *kernel,
                GError **error)
{
	const char *dir = opts->record_dir;
	g_autofree char *kcopy = g_build_filename (dir, KERNEL_COPY, NULL);
	g_autofree char *icopy = g_build_filename (dir, INITRD_COPY, NULL);
	g_autofree char *img = g_build_filename (dir, SNAPSHOT_IMG, NULL);
	g_autofree char *mods = g_build_filename (dir, "modules", NULL);
	const char *kodir = kernel->modules_dir;
	g_autofree char *ini = g_build_filename (dir, RIG_RECORD_INI, NULL);
	g_autofree char *log = g_build_filename (dir, REPLAY_LOG, NULL);
	g_autofree char *qemu = g_canonicalize_filename (config->qemu_binary, NULL);
	g_autofree char *real = realpath (qemu, NULL);
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_auto(GStrv) args = rig_run_options_to_args (opts, kernel->name);
	g_autoptr(GDir) d = NULL;
	const char *name;

	if (g_mkdir_with_parents (mods, 0755) < 0) {
		int saved = errno;

		g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "cannot create %s: %s", mods,
		             g_strerror (saved));
		return FALSE;
	}
	g_unlink (log);
	if (!copy_file (kernel->kernel, kcopy, error) ||
	    !copy_file (kernel->initramfs, icopy, error) ||
	    !rig_replay_write_qcow2 (img, 64 << 20, error))
		goto fail;
	d = g_dir_open (kodir, 0, NULL);
	while (d && (name = g_dir_read_name (d))) {
		g_autofree char *from = g_build_filename (kodir, name, NULL);
		g_autofree char *to = g_build_filename (mods, name, NULL);

		if (g_str_has_suffix (name, ".ko") && !copy_file (from, to, error))
			goto fail;
	}
	g_key_file_set_comment (kf, NULL, NULL, " vpci-rig run --record: replay with "
	                        "'vpci-rig run --replay DIR [--gdb]' (docs/debugging.md)", NULL);
	g_key_file_set_string_list (kf, "record", "args", (const char *const *) args,
	                            g_strv_length (args));
	g_key_file_set_string (kf, "record", "qemu-binary", real ? real : qemu);
	g_key_file_set_string (kf, "record", "kernel", kernel->kernel);
	g_key_file_set_string (kf, "record", "initramfs", kernel->initramfs);
	if (!g_key_file_save_to_file (kf, ini, error))
		goto fail;
	g_free (kernel->kernel);
	kernel->kernel = g_steal_pointer (&kcopy);
	g_free (kernel->initramfs);
	kernel->initramfs = g_steal_pointer (&icopy);
	g_free (config->qemu_binary);
	config->qemu_binary = g_strdup (real ? real : qemu);
	free (real);
	real = NULL;
	return TRUE;
fail:
	g_prefix_error (error, "--record %s: ", dir);
	return FALSE;
}

static gboolean
replay_prepare (const RigRunOptions *opts, RigConfig *config, RigKernel *kernel,
                GError **error)
{
	const char *dir = opts->replay_dir;
	g_autofree char *ini = g_build_filename (dir, RIG_RECORD_INI, NULL);
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autofree char *qemu = NULL;
	const char *need[] = { REPLAY_LOG, SNAPSHOT_IMG, KERNEL_COPY, INITRD_COPY, NULL };

	for (guint i = 0; need[i]; i++) {
		g_autofree char *p = g_build_filename (dir, need[i], NULL);

		if (!g_file_test (p, G_FILE_TEST_IS_REGULAR)) {
			g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "--replay %s: %s is missing "
			             "(was the recording finished?)", dir, need[i]);
			return FALSE;
		}
	}
	if (g_key_file_load_from_file (kf, ini, G_KEY_FILE_NONE, NULL))
		qemu = g_key_file_get_string (kf, "record", "qemu-binary", NULL);
	if (qemu && g_file_test (qemu, G_FILE_TEST_IS_EXECUTABLE)) {
		g_free (config->qemu_binary);
		config->qemu_binary = g_steal_pointer (&qemu);
	} else if (qemu) {
		g_printerr ("warning: the recording's QEMU %s is gone; replaying with %s "
		            "(a different build may not follow the log)\n", qemu, config->qemu_binary);
	}
	g_free (kernel->kernel);
	kernel->kernel = g_build_filename (dir, KERNEL_COPY, NULL);
	g_free (kernel->initramfs);
	kernel->initramfs = g_build_filename (dir, INITRD_COPY, NULL);
	return TRUE;
}

gboolean
rig_replay_prepare (const RigRunOptions *opts, RigConfig *config, RigKernel *kernel,
                    GError **error)
{
	if (opts->record_dir)
		return record_prepare (opts, config, kernel, error);
	if (opts->replay_dir)
		return replay_prepare (opts, config, kernel, error);
	return TRUE;
}

/* ---------------------------------------------------------------- QEMU */

char *
rig_replay_icount_arg (const RigRunOptions *opts)
{
	g_autofree char *dir = NULL;

	if (!rr_dir (opts))
		return g_strdup ("shift=0,sleep=off");
	dir = rig_qemu_opt_escape (rr_dir (opts));
	return g_strdup_printf ("shift=0,sleep=off,rr=%s,rrfile=%s/" REPLAY_LOG
	                        ",rrsnapshot=" RIG_REPLAY_SNAPSHOT,
	                        opts->record_dir ? "record" : "replay", dir);
}

void
rig_replay_add_qemu_args (GStrvBuilder *b, const RigRunOptions *opts)
{
	g_autofree char *dir = NULL, *drive = NULL;

	if (!rr_dir (opts))
		return;
	dir = rig_qemu_opt_escape (rr_dir (opts));
	drive = g_strdup_printf ("file=%s/" SNAPSHOT_IMG ",format=qcow2,if=none,id=rr", dir);
	g_strv_builder_add_many (b, "-drive", drive, NULL);
}

void
rig_replay_save_cmdline (const RigRunOptions *opts, const char *cmdline)
{
	g_autofree char *path = NULL;
	g_autoptr(GError) local = NULL;

	if (!opts->record_dir)
		return;
	path = g_build_filename (opts->record_dir, "cmdline", NULL);
	if (!g_file_set_contents (path, cmdline, -1, &local))
		g_printerr ("warning: %s\n", local->message);
}

char *
rig_replay_modules_dir (const RigRunOptions *opts)
{
	return opts->replay_dir ? g_build_filename (opts->replay_dir, "modules", NULL) : NULL;
}

char *
rig_replay_gdb_script (const RigRunOptions *opts, const char *run_dir, GError **error)
{
	g_autofree char *tap_path = NULL, *tap = NULL, *path = NULL, *mods = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GString) s = g_string_new (NULL);

	if (!opts->replay_dir || !opts->gdb_port)
		return NULL;
	tap_path = g_build_filename (opts->replay_dir, "tap.log", NULL);
	mods = rig_replay_modules_dir (opts);
	if (!g_file_get_contents (tap_path, &tap, NULL, error))
		return NULL;
	g_string_append_printf (s, "# Written by vpci-rig-harness for the replay of %s in %s\n"
	                        "# (docs/debugging.md). Module addresses: the recording's TAP log.\n"
	                        RIG_GDB_SCRIPT_PREAMBLE, opts->replay_dir, run_dir);
	lines = rig_split_lines (tap);
	for (guint i = 0; lines[i]; i++) {
		char mod[128], addr[64];
		g_autofree char *ko = NULL;

		if (sscanf (lines[i], "# module-text %127s %63s", mod, addr) != 2)
			continue;
		ko = g_strdup_printf ("%s/%s.ko", mods, mod);
		if (g_file_test (ko, G_FILE_TEST_IS_REGULAR))
			g_string_append_printf (s, "add-symbol-file %s %s\n", ko, addr);
	}
	g_string_append_printf (s, "target remote 127.0.0.1:%u\n"
	                        "echo vpci-rig: replay paused at its first instruction; "
	                        "'continue' plays it forward, reverse-stepi and reverse-continue "
	                        "go back\\n\n", opts->gdb_port);
	path = g_build_filename (run_dir, "gdb-script", NULL);
	if (!g_file_set_contents (path, s->str, s->len, error))
		return NULL;
	return g_steal_pointer (&path);
}

/* ---------------------------------------------------------------- after */

static const char *
shutdown_reason (JsonObject *ev)
{
	if (!g_str_equal (json_object_get_string_member_with_default (ev, "event", ""), "SHUTDOWN") ||
	    !json_object_has_member (ev, "data"))
		return NULL;
	return json_object_get_string_member_with_default (json_object_get_object_member (ev, "data"),
	                                                   "reason", NULL);
}

void
rig_replay_fix_transcript (const RigRunOptions *opts, RigTranscript *t)
{
	g_autofree char *path = NULL, *text = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(JsonObject) recorded = NULL;

	if (!opts->replay_dir)
		return;
	path = g_build_filename (opts->replay_dir, "qmp-events.jsonl", NULL);
	if (!g_file_get_contents (path, &text, NULL, NULL))
		return;
	lines = rig_split_lines (text);
	for (guint i = 0; lines[i] && !recorded; i++) {
		g_autoptr(JsonNode) node = json_from_string (lines[i], NULL);
		const char *reason;

		if (!node || !JSON_NODE_HOLDS_OBJECT (node))
			continue;
		reason = shutdown_reason (json_node_get_object (node));
		if (reason && g_str_has_prefix (reason, "guest-"))
			recorded = json_object_ref (json_node_get_object (node));
	}
	if (!recorded)
		return;
	for (guint i = 0; i < t->events->len; i++) {
		JsonObject *ev = t->events->pdata[i];
		const char *reason = shutdown_reason (ev);
		g_autoptr(JsonNode) node = NULL;
		JsonObject *fixed;

		if (!reason)
			continue;
		if (!g_str_has_prefix (reason, "host-"))
			return;   /* the guest's own request won: nothing to fix */
		/* the recording's guest stop, marked as taken from the log */
		fixed = json_object_new ();
		json_object_set_string_member (fixed, "event", "SHUTDOWN");
		json_object_set_object_member (fixed, "data",
		                               json_object_ref (json_object_get_object_member (recorded, "data")));
		json_object_set_boolean_member (fixed, "replayed-from-log", TRUE);
		if (json_object_has_member (ev, "timestamp"))
			json_object_set_member (fixed, "timestamp",
			                        json_node_copy (json_object_get_member (ev, "timestamp")));
		node = json_node_init_object (json_node_alloc (), fixed);
		json_object_unref (t->events->pdata[i]);
		t->events->pdata[i] = fixed;
		g_free (t->event_lines->pdata[i]);
		t->event_lines->pdata[i] = json_to_string (node, FALSE);
		return;
	}
}

static char *
read_or_empty (const char *dir, const char *name)
{
	g_autofree char *path = g_build_filename (dir, name, NULL);
	char *text = NULL;

	if (!g_file_get_contents (path, &text, NULL, NULL))
		text = g_strdup ("");
	return text;
}

static guint
count_lines (const char *text)
{
	guint n = 0;

	for (const char *p = text; *p; p++)
		n += *p == '\n';
	return n;
}

void
rig_replay_finish (const RigRunOptions *opts, const char *run_dir,
                   const RigVerdictResult *result, void (*say) (const char *, ...))
{
	const char *dir = rr_dir (opts);
	const char *verdict = rig_verdict_to_string (result->verdict);
	g_autofree char *ini = NULL, *hz = NULL;
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autoptr(GError) local = NULL;

	if (!dir)
		return;
	ini = g_build_filename (dir, RIG_RECORD_INI, NULL);
	hz = read_or_empty (run_dir, RIG_HAZARD_LOG);
	if (!g_key_file_load_from_file (kf, ini, G_KEY_FILE_KEEP_COMMENTS, &local)) {
		g_printerr ("warning: %s\n", local->message);
		return;
	}
	if (opts->record_dir) {
		g_autofree char *tap = read_or_empty (run_dir, "tap.log");
		g_autofree char *tap_to = g_build_filename (dir, "tap.log", NULL);
		g_autofree char *ev = read_or_empty (run_dir, "qmp-events.jsonl");
		g_autofree char *ev_to = g_build_filename (dir, "qmp-events.jsonl", NULL);
		g_autofree char *hz_to = g_build_filename (dir, RIG_HAZARD_LOG, NULL);

		g_key_file_set_string (kf, "result", "verdict", verdict);
		g_key_file_set_integer (kf, "result", "hazards", (int) count_lines (hz));
		g_key_file_set_string (kf, "result", "run-dir", run_dir);
		if (!g_file_set_contents (tap_to, tap, -1, &local) ||
		    !g_file_set_contents (ev_to, ev, -1, &local) ||
		    !g_file_set_contents (hz_to, hz, -1, &local) ||
		    !g_key_file_save_to_file (kf, ini, &local))
			g_printerr ("warning: %s\n", local->message);
		else
			say ("recorded: %s (replay log, snapshot '" RIG_REPLAY_SNAPSHOT "', options); "
			     "replay with --replay %s\n", dir, dir);
	} else {
		g_autofree char *rec_verdict = g_key_file_get_string (kf, "result", "verdict", NULL);
		g_autofree char *rec_hz = read_or_empty (dir, RIG_HAZARD_LOG);
		gboolean same_v = g_strcmp0 (rec_verdict, verdict) == 0;
		gboolean same_h = g_str_equal (rec_hz, hz);

		say ("replay: verdict %s (recorded: %s), %u hazards (recorded: %u): %s\n", verdict,
		     rec_verdict ? rec_verdict : "?", count_lines (hz), count_lines (rec_hz),
		     same_v && same_h ? "identical to the recording" :
		     opts->gdb_port ? "differs (reverse execution under gdb replays parts twice)" :
		     "DIFFERS from the recording");
	}
}
