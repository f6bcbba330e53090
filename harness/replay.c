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
#include "hazards.h"
#include "rig-exit.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define REPLAY_LOG   "replay.bin"
#define SNAPSHOT_IMG "rr.qcow2"
#define KERNEL_COPY  "vmlinux"
#define INITRD_COPY  "initramfs.cpio"

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

/* ---------------------------------------------------------------- plan */

static void
replace (char **field, char *value)
{
	g_free (*field);
	*field = value;
}

void
rig_replay_plan (RigReplayPlan *rr, const RigRunOptions *opts, const char *kernel_name,
                 char **qemu_binary, char **kernel_image, char **initramfs, char **modules_dir)
{
	g_autofree char *edir = NULL;

	memset (rr, 0, sizeof *rr);
	rr->dir = g_strdup (opts->record_dir ? opts->record_dir : opts->replay_dir);
	if (!rr->dir) {
		rr->mode = RIG_RR_NONE;
		rr->icount = g_strdup ("shift=0,sleep=off");
		return;
	}
	rr->mode = opts->record_dir ? RIG_RR_RECORD : RIG_RR_REPLAY;
	edir = rig_qemu_opt_escape (rr->dir);
	rr->icount = g_strdup_printf ("shift=0,sleep=off,rr=%s,rrfile=%s/" REPLAY_LOG
	                              ",rrsnapshot=" RIG_REPLAY_SNAPSHOT,
	                              rr->mode == RIG_RR_RECORD ? "record" : "replay", edir);
	rr->snapshot_drive = g_strdup_printf ("file=%s/" SNAPSHOT_IMG ",format=qcow2,if=none,id=rr",
	                                      edir);
	rr->snapshot_img = g_build_filename (rr->dir, SNAPSHOT_IMG, NULL);
	rr->modules_dir = g_build_filename (rr->dir, "modules", NULL);
	rr->kernel_copy = g_build_filename (rr->dir, KERNEL_COPY, NULL);
	rr->initramfs_copy = g_build_filename (rr->dir, INITRD_COPY, NULL);

	if (rr->mode == RIG_RR_RECORD) {
		g_autofree char *qemu = g_canonicalize_filename (*qemu_binary, NULL);
		char *real = realpath (qemu, NULL);

		rr->qemu_binary = g_strdup (real ? real : qemu);
		free (real);
		replace (qemu_binary, g_strdup (rr->qemu_binary));
		rr->kernel_from = g_strdup (*kernel_image);
		rr->initramfs_from = g_strdup (*initramfs);
		rr->modules_from = g_strdup (*modules_dir);
		rr->record_args = rig_run_options_to_args (opts, kernel_name);
		rr->no_vapic = TRUE;
	} else {
		g_autofree char *ini = g_build_filename (rr->dir, RIG_RECORD_INI, NULL);
		g_autoptr(GKeyFile) kf = g_key_file_new ();
		g_autofree char *qemu = NULL;
		g_autofree char *argv_path = g_build_filename (rr->dir, "cmdline", NULL);
		g_autofree char *argv_text = NULL;
		const char *need[] = { REPLAY_LOG, SNAPSHOT_IMG, KERNEL_COPY, INITRD_COPY, NULL };

		for (guint i = 0; need[i] && !rr->missing; i++) {
			g_autofree char *p = g_build_filename (rr->dir, need[i], NULL);

			if (!g_file_test (p, G_FILE_TEST_IS_REGULAR))
				rr->missing = g_strdup (need[i]);
		}
		if (g_key_file_load_from_file (kf, ini, G_KEY_FILE_NONE, NULL))
			qemu = g_key_file_get_string (kf, "record", "qemu-binary", NULL);
		/* the snapshot holds the recording's devices: kvmvapic or not, as recorded */
		rr->no_vapic = g_file_get_contents (argv_path, &argv_text, NULL, NULL) &&
		               strstr (argv_text, RIG_REPLAY_NO_VAPIC) != NULL;
		if (qemu && g_file_test (qemu, G_FILE_TEST_IS_EXECUTABLE))
			replace (qemu_binary, g_steal_pointer (&qemu));
		else if (qemu)
			rr->qemu_gone = g_steal_pointer (&qemu);
		rr->qemu_binary = g_strdup (*qemu_binary);
		/* symbolise with the recording's .ko files */
		replace (modules_dir, g_strdup (rr->modules_dir));
	}
	replace (kernel_image, g_strdup (rr->kernel_copy));
	replace (initramfs, g_strdup (rr->initramfs_copy));
}

void
rig_replay_plan_clear (RigReplayPlan *rr)
{
	g_free (rr->dir);
	g_free (rr->icount);
	g_free (rr->snapshot_drive);
	g_free (rr->snapshot_img);
	g_free (rr->modules_dir);
	g_free (rr->kernel_copy);
	g_free (rr->initramfs_copy);
	g_free (rr->qemu_binary);
	g_free (rr->kernel_from);
	g_free (rr->initramfs_from);
	g_free (rr->modules_from);
	g_strfreev (rr->record_args);
	g_free (rr->missing);
	g_free (rr->qemu_gone);
	memset (rr, 0, sizeof *rr);
}

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
record_setup (const RigReplayPlan *rr, const char *argv_text, GError **error)
{
	g_autofree char *ini = g_build_filename (rr->dir, RIG_RECORD_INI, NULL);
	g_autofree char *log = g_build_filename (rr->dir, REPLAY_LOG, NULL);
	g_autofree char *cmdline = g_build_filename (rr->dir, "cmdline", NULL);
	g_autofree char *cmdline_text = g_strconcat (argv_text, "\n", NULL);
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autoptr(GDir) d = NULL;
	const char *name;

	if (g_mkdir_with_parents (rr->modules_dir, 0755) < 0) {
		int saved = errno;

		g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "cannot create %s: %s",
		             rr->modules_dir, g_strerror (saved));
		goto fail;
	}
	g_unlink (log);
	if (!copy_file (rr->kernel_from, rr->kernel_copy, error) ||
	    !copy_file (rr->initramfs_from, rr->initramfs_copy, error) ||
	    !rig_replay_write_qcow2 (rr->snapshot_img, 64 << 20, error))
		goto fail;
	d = g_dir_open (rr->modules_from, 0, NULL);
	while (d && (name = g_dir_read_name (d))) {
		g_autofree char *from = g_build_filename (rr->modules_from, name, NULL);
		g_autofree char *to = g_build_filename (rr->modules_dir, name, NULL);

		if (g_str_has_suffix (name, ".ko") && !copy_file (from, to, error))
			goto fail;
	}
	g_key_file_set_comment (kf, NULL, NULL, " vpci-rig run --record: replay with "
	                        "'vpci-rig run --replay DIR [--gdb]' (docs/debugging.md)", NULL);
	g_key_file_set_string_list (kf, "record", "args", (const char *const *) rr->record_args,
	                            g_strv_length (rr->record_args));
	g_key_file_set_string (kf, "record", "qemu-binary", rr->qemu_binary);
	g_key_file_set_string (kf, "record", "kernel", rr->kernel_from);
	g_key_file_set_string (kf, "record", "initramfs", rr->initramfs_from);
	if (!g_key_file_save_to_file (kf, ini, error) ||
	    !g_file_set_contents (cmdline, cmdline_text, -1, error))
		goto fail;
	return TRUE;
fail:
	g_prefix_error (error, "--record %s: ", rr->dir);
	return FALSE;
}

/* --replay --gdb: RUN/gdb-script from the recording's module addresses. */
static char *
replay_gdb_script (const RigReplayPlan *rr, const char *run_dir, guint gdb_port,
                   GError **error)
{
	g_autofree char *tap_path = NULL, *tap = NULL, *path = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GString) s = g_string_new (NULL);

	tap_path = g_build_filename (rr->dir, "tap.log", NULL);
	if (!g_file_get_contents (tap_path, &tap, NULL, error))
		return NULL;
	g_string_append_printf (s, "# Written by vpci-rig-harness for the replay of %s in %s\n"
	                        "# (docs/debugging.md). Module addresses: the recording's TAP log.\n"
	                        RIG_GDB_SCRIPT_PREAMBLE, rr->dir, run_dir);
	lines = rig_split_lines (tap);
	for (guint i = 0; lines[i]; i++) {
		char mod[128], addr[64];
		g_autofree char *ko = NULL;

		if (sscanf (lines[i], "# module-text %127s %63s", mod, addr) != 2)
			continue;
		ko = g_strdup_printf ("%s/%s.ko", rr->modules_dir, mod);
		if (g_file_test (ko, G_FILE_TEST_IS_REGULAR))
			g_string_append_printf (s, "add-symbol-file %s %s\n", ko, addr);
	}
	g_string_append_printf (s, "target remote 127.0.0.1:%u\n"
	                        "echo vpci-rig: replay paused at its first instruction; "
	                        "'continue' plays it forward, reverse-stepi and reverse-continue "
	                        "go back\\n\n", gdb_port);
	path = g_build_filename (run_dir, "gdb-script", NULL);
	if (!g_file_set_contents (path, s->str, s->len, error))
		return NULL;
	return g_steal_pointer (&path);
}

gboolean
rig_replay_setup (const RigReplayPlan *rr, const char *run_dir, const char *argv_text,
                  guint gdb_port, void (*say) (const char *, ...), GError **error)
{
	switch (rr->mode) {
	case RIG_RR_NONE:
		return TRUE;
	case RIG_RR_RECORD:
		return record_setup (rr, argv_text, error);
	case RIG_RR_REPLAY:
		break;
	}
	if (rr->missing) {
		g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "--replay %s: %s is missing "
		             "(was the recording finished?)", rr->dir, rr->missing);
		return FALSE;
	}
	if (rr->qemu_gone)
		g_printerr ("warning: the recording's QEMU %s is gone; replaying with %s "
		            "(a different build may not follow the log)\n", rr->qemu_gone,
		            rr->qemu_binary);
	if (gdb_port) {
		g_autoptr(GError) local = NULL;
		g_autofree char *script = replay_gdb_script (rr, run_dir, gdb_port, &local);

		if (script)
			say ("gdb: the replay waits for gdb at its first instruction; connect with:\n"
			     "  gdb -x %s\n", script);
		else
			g_printerr ("warning: no gdb script: %s\n", local->message);
	}
	return TRUE;
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
rig_replay_fix_transcript (const RigReplayPlan *rr, RigTranscript *t)
{
	g_autofree char *path = NULL, *text = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(JsonObject) recorded = NULL;

	if (rr->mode != RIG_RR_REPLAY)
		return;
	path = g_build_filename (rr->dir, "qmp-events.jsonl", NULL);
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
rig_replay_finish (const RigReplayPlan *rr, const char *run_dir, guint gdb_port,
                   const RigVerdictResult *result, void (*say) (const char *, ...))
{
	const char *dir = rr->dir;
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
	if (rr->mode == RIG_RR_RECORD) {
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
		     gdb_port ? "differs (reverse execution under gdb replays parts twice)" :
		     "DIFFERS from the recording");
	}
}
