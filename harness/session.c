/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * session.c - one QEMU run, driven by a GMainLoop (see session.h).
 *
 * States, in order; each callback below moves forward only:
 *
 *   LISTEN    socket bound, QEMU spawned, waiting for it to connect
 *   RUNNING   QMP negotiated, waiting for a guest-caused stop or timeout
 *   EVIDENCE  a stop (or the timeout) seen: stop/dump registers over QMP
 *   QUIT      quit sent (or QEMU force-killed): waiting for exit and EOF
 *
 * The loop ends when QEMU has exited and the QMP connection is closed (or
 * was never made).  No sleeps: every wait is on an event.  The only timers
 * are --timeout and a last-resort kill if QEMU ignores quit.
 */
#include "session.h"
#include "qmp.h"

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gio/gunixsocketaddress.h>
#include <signal.h>
#include <string.h>

/* How long QEMU gets to honour quit before it is killed. */
#define QUIT_GRACE_SECONDS 20

typedef enum {
	STATE_LISTEN,
	STATE_RUNNING,
	STATE_EVIDENCE,
	STATE_QUIT,
} State;

typedef struct {
	const RigSessionParams *params;
	RigTranscript   *t;
	RigSessionInfo  *info;
	GMainLoop       *loop;
	State            state;
	GSubprocess     *proc;
	GSocketListener *listener;
	GCancellable    *cancellable;    /* accept and wait; cancelled at exit */
	RigQmp          *qmp;
	GTimer          *timer;
	guint            timeout_id;
	guint            kill_id;
	gboolean         qmp_done;       /* connection closed, or never made */
	gboolean         proc_done;
	/* hotplug: RUN/tap.log followed live */
	GFileMonitor    *tap_monitor;
	goffset          tap_offset;     /* bytes of tap.log already read */
	GString         *tap_partial;    /* an unfinished last line */
	char            *hp_id;          /* id= of the hotplug spec */
	gboolean         hp_added;       /* device_add sent */
	gboolean         hp_del_sent;    /* device_del sent, not refused */
	gboolean         hp_deleted;     /* DEVICE_DELETED seen */
	char            *hp_del_refused; /* the last device_del's error, if any */
	/* evidence: the register dump, then each vCPU's local APIC and the
	 * guest's code at its RIP */
	GString         *evidence;
	guint            lapic_next;
	guint            lapic_count;
	GArray          *rips;           /* guint64 per vCPU, 0 if not parsed */
} Session;

static void begin_quit (Session *s);

static void
maybe_finish (Session *s)
{
	if (s->proc_done && s->qmp_done)
		g_main_loop_quit (s->loop);
}

static void
set_infra_error (Session *s, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
static void
set_infra_error (Session *s, const char *fmt, ...)
{
	va_list ap;

	if (s->t->infra_error)
		return;   /* the first cause is the one worth reporting */
	va_start (ap, fmt);
	s->t->infra_error = g_strdup_vprintf (fmt, ap);
	va_end (ap);
}

/* ---------------------------------------------------------------- quit */

static gboolean
kill_qemu (gpointer user_data)
{
	Session *s = user_data;

	s->kill_id = 0;
	if (!s->proc_done) {
		g_printerr ("QEMU ignored quit for %d s; killing it\n", QUIT_GRACE_SECONDS);
		g_subprocess_force_exit (s->proc);
	}
	return G_SOURCE_REMOVE;
}

static void
begin_quit (Session *s)
{
	if (s->state == STATE_QUIT)
		return;
	s->state = STATE_QUIT;
	if (s->proc_done)
		return;
	if (s->qmp && !rig_qmp_is_closed (s->qmp)) {
		rig_qmp_execute (s->qmp, "quit", NULL, NULL, NULL);
		s->kill_id = g_timeout_add_seconds (QUIT_GRACE_SECONDS, kill_qemu, s);
	} else {
		g_subprocess_force_exit (s->proc);
	}
}

/* ---------------------------------------------------------------- evidence */

static void
write_evidence (Session *s)
{
	g_autofree char *path = g_build_filename (s->params->run_dir, s->info->registers, NULL);
	g_autoptr(GError) werr = NULL;

	if (!g_file_set_contents (path, s->evidence->str, s->evidence->len, &werr))
		g_printerr ("warning: %s\n", werr->message);
}

static void request_lapic (Session *s);

#define CODE_AT_RIP_BYTES 16

/* memsave writes into the run directory; the bytes go into the evidence */
static char *
code_at_rip_path (const Session *s)
{
	return g_build_filename (s->params->run_dir, ".code-at-rip", NULL);
}

/* The bytes at a vCPU's RIP in guest memory, as that vCPU maps them.  A
 * vCPU that keeps taking a breakpoint these bytes do not hold is running
 * a stale translation (the int3 hang of docs/robustness.md). */
static void
code_saved (G_GNUC_UNUSED RigQmp *qmp, JsonNode *ret, const GError *error, gpointer user_data)
{
	Session *s = user_data;
	guint cpu = s->lapic_next;
	guint64 rip = g_array_index (s->rips, guint64, cpu);
	g_autofree char *path = code_at_rip_path (s);
	g_autofree char *bytes = NULL;
	g_autoptr(GError) rerr = NULL;
	gsize len = 0;

	g_string_append_printf (s->evidence, "\ncode at RIP %016" G_GINT64_MODIFIER "x of vCPU %u "
	                        "(guest memory, QMP memsave):", rip, cpu);
	if (!ret)
		g_string_append_printf (s->evidence, " %s\n", error ? error->message : "no reply");
	else if (!g_file_get_contents (path, &bytes, &len, &rerr))
		g_string_append_printf (s->evidence, " %s\n", rerr->message);
	else {
		for (gsize i = 0; i < len; i++)
			g_string_append_printf (s->evidence, " %02x", (guint8)bytes[i]);
		g_string_append_c (s->evidence, '\n');
	}
	g_unlink (path);
	s->lapic_next++;
	request_lapic (s);
}

static void
request_code (Session *s)
{
	guint cpu = s->lapic_next;
	guint64 rip = cpu < s->rips->len ? g_array_index (s->rips, guint64, cpu) : 0;
	g_autofree char *path = NULL;
	JsonObject *args;

	if (!rip) {
		s->lapic_next++;
		request_lapic (s);
		return;
	}
	path = code_at_rip_path (s);
	args = json_object_new ();
	json_object_set_int_member (args, "val", (gint64)rip);
	json_object_set_int_member (args, "size", CODE_AT_RIP_BYTES);
	json_object_set_string_member (args, "filename", path);
	json_object_set_int_member (args, "cpu-index", cpu);
	rig_qmp_execute (s->qmp, "memsave", args, code_saved, s);
}

/* A vector that nobody expected shows as a bit stuck in ISR (lower
 * priorities, IPIs included, then never arrive) or pending in IRR. */
static void
lapic_dumped (G_GNUC_UNUSED RigQmp *qmp, JsonNode *ret, const GError *error, gpointer user_data)
{
	Session *s = user_data;

	if (ret && JSON_NODE_HOLDS_VALUE (ret))
		g_string_append_printf (s->evidence, "\nlocal APIC of vCPU %u (info lapic %u):\n%s",
		                        s->lapic_next, s->lapic_next, json_node_get_string (ret));
	else
		g_string_append_printf (s->evidence, "\nlocal APIC of vCPU %u: %s\n", s->lapic_next,
		                        error ? error->message : "unexpected reply");
	request_code (s);
}

static void
request_lapic (Session *s)
{
	JsonObject *args;
	g_autofree char *cmd = NULL;

	if (s->lapic_next >= s->lapic_count) {
		write_evidence (s);
		begin_quit (s);
		return;
	}
	/* q35 numbers APIC IDs from 0 in vCPU order (no -smp topology here) */
	cmd = g_strdup_printf ("info lapic %u", s->lapic_next);
	args = json_object_new ();
	json_object_set_string_member (args, "command-line", cmd);
	rig_qmp_execute (s->qmp, "human-monitor-command", args, lapic_dumped, s);
}

static void
registers_dumped (G_GNUC_UNUSED RigQmp *qmp, JsonNode *ret, const GError *error, gpointer user_data)
{
	Session *s = user_data;
	const char *text;

	if (!ret || !JSON_NODE_HOLDS_VALUE (ret)) {
		g_printerr ("warning: could not dump registers: %s\n",
		            error ? error->message : "unexpected reply");
		g_clear_pointer (&s->info->registers, g_free);
		begin_quit (s);
		return;
	}
	text = json_node_get_string (ret);
	s->evidence = g_string_new (text);
	s->lapic_next = 0;
	s->lapic_count = 0;
	g_array_set_size (s->rips, 0);
	for (const char *p = text; (p = strstr (p, "CPU#")); p += 4) {
		const char *next = strstr (p + 4, "CPU#");
		const char *r = strstr (p, "RIP=");
		guint64 rip = r && (!next || r < next) ? g_ascii_strtoull (r + 4, NULL, 16) : 0;

		g_array_append_val (s->rips, rip);
		s->lapic_count++;
	}
	request_lapic (s);
}

static void
dump_registers (Session *s, const char *file)
{
	JsonObject *args = json_object_new ();

	s->info->registers = g_strdup (file);
	json_object_set_string_member (args, "command-line", "info registers -a");
	rig_qmp_execute (s->qmp, "human-monitor-command", args, registers_dumped, s);
}

static void
stopped_for_hang (G_GNUC_UNUSED RigQmp *qmp, JsonNode *ret, const GError *error, gpointer user_data)
{
	Session *s = user_data;

	if (!ret) {
		g_printerr ("warning: QMP stop failed: %s\n", error->message);
		begin_quit (s);
		return;
	}
	dump_registers (s, "hang-registers.txt");
}

static gboolean
on_timeout (gpointer user_data)
{
	Session *s = user_data;

	s->timeout_id = 0;
	if (s->state == STATE_RUNNING) {
		s->t->timed_out = TRUE;
		s->state = STATE_EVIDENCE;
		rig_qmp_execute (s->qmp, "stop", NULL, stopped_for_hang, s);
	} else if (s->state == STATE_LISTEN) {
		set_infra_error (s, "QEMU did not connect to the QMP socket within %u s",
		                 s->params->timeout);
		begin_quit (s);
	}
	return G_SOURCE_REMOVE;
}

/* The command's cancellable (Ctrl-C, SIGTERM): stop QEMU, keep the run. */
static void
on_cancelled (G_GNUC_UNUSED GCancellable *cancellable, gpointer user_data)
{
	Session *s = user_data;

	set_infra_error (s, "interrupted");
	begin_quit (s);
}

/* ---------------------------------------------------------------- hotplug */

static void
host_failure (Session *s, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
static void
host_failure (Session *s, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start (ap, fmt);
	msg = g_strdup_vprintf (fmt, ap);
	va_end (ap);
	g_printerr ("hotplug: %s\n", msg);
	g_ptr_array_add (s->t->host_failures, msg);
}

static void
hotplug_replied (G_GNUC_UNUSED RigQmp *qmp, JsonNode *ret, const GError *error, gpointer user_data)
{
	Session *s = user_data;
	const char *what = s->hp_del_sent ? "device_del" : "device_add";

	if (!ret && s->hp_del_sent) {
		/*
		 * The device may refuse to ask the guest (its ring full or the
		 * channel broken, as a hostile guest leaves it).  Not a failure
		 * yet: the guest's next "# hotplug: added" asks again, and only
		 * a refusal nobody retried fails the run (hotplug_check_end).
		 */
		g_free (s->hp_del_refused);
		s->hp_del_refused = g_strdup_printf ("device_del %s failed: %s", s->hp_id,
		                                     error->message);
		s->hp_del_sent = FALSE;
		g_printerr ("hotplug: %s (refused; the guest may ask again)\n", s->hp_del_refused);
	} else if (!ret) {
		host_failure (s, "%s %s failed: %s", what, s->hp_id, error->message);
	} else {
		if (s->hp_del_sent)
			g_clear_pointer (&s->hp_del_refused, g_free);
		g_printerr ("hotplug: %s %s ok\n", what, s->hp_id);
	}
}

/* "driver,key=value,..." as device_add arguments (values are strings). */
static JsonObject *
device_add_args (const char *spec)
{
	g_auto(GStrv) parts = g_strsplit (spec, ",", -1);
	JsonObject *args = json_object_new ();

	json_object_set_string_member (args, "driver", parts[0]);
	for (guint i = 1; parts[i]; i++) {
		char *eq = strchr (parts[i], '=');

		if (eq) {
			*eq = '\0';
			json_object_set_string_member (args, parts[i], eq + 1);
		}
	}
	return args;
}

static void
on_tap_line (Session *s, const char *line)
{
	if (s->state != STATE_RUNNING || !s->qmp)
		return;
	if (g_str_equal (line, "# hotplug: ready") && !s->hp_added) {
		s->hp_added = TRUE;
		g_printerr ("hotplug: device_add %s\n", s->params->hotplug);
		rig_qmp_execute (s->qmp, "device_add", device_add_args (s->params->hotplug),
		                 hotplug_replied, s);
	} else if (g_str_equal (line, "# hotplug: added") && s->hp_added && !s->hp_del_sent) {
		JsonObject *args = json_object_new ();

		s->hp_del_sent = TRUE;
		json_object_set_string_member (args, "id", s->hp_id);
		g_printerr ("hotplug: device_del %s\n", s->hp_id);
		rig_qmp_execute (s->qmp, "device_del", args, hotplug_replied, s);
	}
}

/* Reads what QEMU appended to tap.log since last time, line by line. */
static void
tap_changed (G_GNUC_UNUSED GFileMonitor *mon, GFile *file, G_GNUC_UNUSED GFile *other,
             GFileMonitorEvent event, gpointer user_data)
{
	Session *s = user_data;
	g_autoptr(GFileInputStream) in = NULL;
	char buf[4096];
	gssize n;

	if (event != G_FILE_MONITOR_EVENT_CHANGED && event != G_FILE_MONITOR_EVENT_CREATED)
		return;
	in = g_file_read (file, NULL, NULL);
	if (!in || !g_seekable_seek (G_SEEKABLE (in), s->tap_offset, G_SEEK_SET, NULL, NULL))
		return;
	while ((n = g_input_stream_read (G_INPUT_STREAM (in), buf, sizeof buf, NULL, NULL)) > 0) {
		s->tap_offset += n;
		for (gssize i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				/* a line without an end cannot grow without limit */
				if (s->tap_partial->len < RIG_TAP_LINE_MAX)
					g_string_append_c (s->tap_partial, buf[i]);
				continue;
			}
			g_strchomp (s->tap_partial->str);
			on_tap_line (s, s->tap_partial->str);
			g_string_truncate (s->tap_partial, 0);
		}
	}
}

static gboolean
follow_tap (Session *s, GError **error)
{
	g_autofree char *path = g_build_filename (s->params->run_dir, "tap.log", NULL);
	g_autoptr(GFile) file = g_file_new_for_path (path);
	const char *id = strstr (s->params->hotplug, ",id=");

	if (!id) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		             "hotplug spec '%s' has no id=", s->params->hotplug);
		return FALSE;
	}
	s->hp_id = g_strndup (id + 4, strcspn (id + 4, ","));
	s->tap_partial = g_string_new (NULL);
	s->tap_monitor = g_file_monitor_file (file, G_FILE_MONITOR_NONE, s->cancellable, error);
	if (!s->tap_monitor)
		return FALSE;
	g_file_monitor_set_rate_limit (s->tap_monitor, 50);
	g_signal_connect (s->tap_monitor, "changed", G_CALLBACK (tap_changed), s);
	return TRUE;
}

/* At the guest's stop: what the host side still owes. */
static void
hotplug_check_end (Session *s)
{
	if (!s->params->hotplug)
		return;
	if (s->hp_del_refused)
		host_failure (s, "%s", s->hp_del_refused);
	else if (s->hp_del_sent && !s->hp_deleted)
		host_failure (s, "device_del %s: no DEVICE_DELETED before the guest stopped",
		              s->hp_id);
}

/* ---------------------------------------------------------------- QMP */

static gboolean
is_guest_stop (JsonObject *ev, gboolean replay)
{
	const char *name = json_object_get_string_member_with_default (ev, "event", "");
	JsonObject *data = json_object_has_member (ev, "data") ?
		json_object_get_object_member (ev, "data") : NULL;

	if (g_str_equal (name, "GUEST_PANICKED"))
		return TRUE;
	if (g_str_equal (name, "SHUTDOWN"))
		return data && (g_str_has_prefix (json_object_get_string_member_with_default (data, "reason", ""),
		                                  "guest-") ||
		                /* the recording's shutdown events play back together and
		                 * the last one (host-qmp-quit or host-signal, whichever
		                 * the recording ended with) wins: the log's end (replay.c) */
		                (replay && g_str_has_prefix (json_object_get_string_member_with_default (data, "reason", ""),
		                                             "host-")));
	if (g_str_equal (name, "RESET"))
		return data && json_object_get_boolean_member_with_default (data, "guest", FALSE);
	return FALSE;
}

static void
qmp_greeting (G_GNUC_UNUSED RigQmp *qmp, G_GNUC_UNUSED JsonObject *greeting, gpointer user_data)
{
	Session *s = user_data;

	s->t->qemu_started = TRUE;
	s->t->host_greeting = g_timer_elapsed (s->timer, NULL);
}

static void
query_pci_done (G_GNUC_UNUSED RigQmp *qmp, JsonNode *ret, const GError *error, gpointer user_data)
{
	Session *s = user_data;

	if (ret)
		s->t->query_pci = json_to_string (ret, TRUE);
	else
		g_printerr ("warning: query-pci failed: %s\n", error->message);
}

static void
qmp_ready (RigQmp *qmp, gpointer user_data)
{
	Session *s = user_data;

	if (s->state == STATE_LISTEN && s->params->query_pci)
		rig_qmp_execute (qmp, "query-pci", NULL, query_pci_done, s);
	if (s->state == STATE_LISTEN)
		s->state = STATE_RUNNING;
	else if (s->state == STATE_QUIT)
		rig_qmp_execute (qmp, "quit", NULL, NULL, NULL);
}

static void
qmp_event (G_GNUC_UNUSED RigQmp *qmp, JsonObject *ev, const char *line, gpointer user_data)
{
	Session *s = user_data;
	const char *name = json_object_get_string_member_with_default (ev, "event", "");

	g_ptr_array_add (s->t->events, json_object_ref (ev));
	g_ptr_array_add (s->t->event_lines, g_strdup (line));
	if (s->hp_id && g_str_equal (name, "DEVICE_DELETED") && json_object_has_member (ev, "data") &&
	    g_strcmp0 (json_object_get_string_member_with_default (json_object_get_object_member (ev, "data"),
	                                                           "device", ""), s->hp_id) == 0) {
		JsonObject *args = json_object_new ();

		s->hp_deleted = TRUE;
		g_printerr ("hotplug: DEVICE_DELETED %s\n", s->hp_id);
		/* tell the guest: a break on the TAP serial reads as a NUL byte */
		json_object_set_string_member (args, "id", "tap");
		rig_qmp_execute (s->qmp, "chardev-send-break", args, NULL, NULL);
	}
	if (s->state != STATE_RUNNING || !is_guest_stop (ev, s->params->replay))
		return;

	s->state = STATE_EVIDENCE;
	s->t->host_stop = g_timer_elapsed (s->timer, NULL);
	hotplug_check_end (s);
	if (g_str_equal (name, "SHUTDOWN") &&
	    g_str_equal (json_object_get_string_member_with_default (json_object_get_object_member (ev, "data"),
	                                                             "reason", ""),
	                 "guest-shutdown"))
		begin_quit (s);   /* a clean power-off: the logs say it all */
	else
		dump_registers (s, "registers.txt");
}

static void
qmp_closed (G_GNUC_UNUSED RigQmp *qmp, G_GNUC_UNUSED const GError *error, gpointer user_data)
{
	Session *s = user_data;

	s->qmp_done = TRUE;
	/* Closed before we quit: QEMU is going away; its exit says why. */
	maybe_finish (s);
}

static const RigQmpCallbacks qmp_callbacks = {
	.greeting = qmp_greeting,
	.ready = qmp_ready,
	.event = qmp_event,
	.closed = qmp_closed,
};

static void
accepted (GObject *source, GAsyncResult *res, gpointer user_data)
{
	Session *s = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocketConnection) conn = NULL;

	conn = g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), res, NULL, &error);
	if (!conn) {
		if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			set_infra_error (s, "accepting the QMP connection: %s", error->message);
		s->qmp_done = TRUE;
		maybe_finish (s);
		return;
	}
	g_socket_listener_close (s->listener);
	s->qmp = rig_qmp_new (conn, &qmp_callbacks, s);
}

/* ---------------------------------------------------------------- process */

static void
qemu_exited (GObject *source, GAsyncResult *res, gpointer user_data)
{
	Session *s = user_data;
	g_autoptr(GError) error = NULL;

	g_subprocess_wait_finish (G_SUBPROCESS (source), res, &error);
	s->proc_done = TRUE;
	s->info->seconds = g_timer_elapsed (s->timer, NULL);
	s->t->host_exit = s->info->seconds;
	s->t->qemu_exited = TRUE;
	if (g_subprocess_get_if_exited (s->proc)) {
		s->t->exit_status = g_subprocess_get_exit_status (s->proc);
	} else if (g_subprocess_get_if_signaled (s->proc)) {
		s->t->exit_signal = g_subprocess_get_term_sig (s->proc);
	}
	g_clear_handle_id (&s->timeout_id, g_source_remove);
	g_clear_handle_id (&s->kill_id, g_source_remove);
	/* No one will connect now: a pending accept completes as cancelled
	 * and sets qmp_done itself, so its callback never outlives the loop. */
	g_cancellable_cancel (s->cancellable);
	maybe_finish (s);
}

static gboolean
start (Session *s, GError **error)
{
	g_autofree char *sock = g_build_filename (s->params->run_dir, "qmp.sock", NULL);
	g_autofree char *errlog = g_build_filename (s->params->run_dir, "qemu-stderr.log", NULL);
	g_autoptr(GSocketAddress) addr = NULL;
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	GSubprocessFlags flags = G_SUBPROCESS_FLAGS_NONE;

	if (strlen (sock) >= 108) {   /* sizeof sockaddr_un.sun_path */
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG,
		             "QMP socket path too long for a unix socket: %s", sock);
		return FALSE;
	}
	g_unlink (sock);
	if (s->params->hotplug && !follow_tap (s, error))
		return FALSE;
	addr = g_unix_socket_address_new (sock);
	s->listener = g_socket_listener_new ();
	if (!g_socket_listener_add_address (s->listener, addr, G_SOCKET_TYPE_STREAM,
	                                    G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL, error))
		return FALSE;
	g_socket_listener_accept_async (s->listener, s->cancellable, accepted, s);

	if (s->params->console == RIG_CONSOLE_STDIO)
		flags |= G_SUBPROCESS_FLAGS_STDIN_INHERIT;
	launcher = g_subprocess_launcher_new (flags);
	if (s->params->console != RIG_CONSOLE_STDIO)
		g_subprocess_launcher_set_stdout_file_path (launcher, errlog);
	g_subprocess_launcher_set_stderr_file_path (launcher, errlog);
	s->proc = g_subprocess_launcher_spawnv (launcher, s->params->argv, error);
	if (!s->proc)
		return FALSE;
	s->timer = g_timer_new ();
	g_subprocess_wait_async (s->proc, s->cancellable, qemu_exited, s);
	if (s->params->timeout)
		s->timeout_id = g_timeout_add_seconds (s->params->timeout, on_timeout, s);
	return TRUE;
}

void
rig_session_run (const RigSessionParams *params, RigTranscript *t, RigSessionInfo *info,
                 GCancellable *cancellable)
{
	Session s = { 0 };
	g_autoptr(GError) error = NULL;
	g_autofree char *sock = g_build_filename (params->run_dir, "qmp.sock", NULL);

	memset (info, 0, sizeof *info);
	s.params = params;
	s.t = t;
	s.info = info;
	s.loop = g_main_loop_new (NULL, FALSE);
	s.cancellable = g_cancellable_new ();
	s.state = STATE_LISTEN;
	s.rips = g_array_new (FALSE, TRUE, sizeof (guint64));

	if (!start (&s, &error)) {
		set_infra_error (&s, "cannot start QEMU: %s", error->message);
	} else {
		gulong cancel_id = cancellable ?
			g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), &s, NULL) : 0;

		g_main_loop_run (s.loop);
		if (cancel_id)
			g_cancellable_disconnect (cancellable, cancel_id);
	}

	g_clear_handle_id (&s.timeout_id, g_source_remove);
	g_clear_handle_id (&s.kill_id, g_source_remove);
	g_cancellable_cancel (s.cancellable);
	if (s.tap_monitor)
		g_file_monitor_cancel (s.tap_monitor);
	g_clear_object (&s.tap_monitor);
	if (s.tap_partial)
		g_string_free (s.tap_partial, TRUE);
	if (s.evidence)
		g_string_free (s.evidence, TRUE);
	g_array_unref (s.rips);
	g_clear_pointer (&s.hp_id, g_free);
	g_clear_pointer (&s.hp_del_refused, g_free);
	g_clear_pointer (&s.qmp, rig_qmp_free);
	if (s.listener)
		g_socket_listener_close (s.listener);
	g_clear_object (&s.listener);
	g_clear_object (&s.proc);
	g_clear_object (&s.cancellable);
	g_clear_pointer (&s.timer, g_timer_destroy);
	g_main_loop_unref (s.loop);
	g_unlink (sock);
}

void
rig_session_info_clear (RigSessionInfo *info)
{
	g_clear_pointer (&info->registers, g_free);
}
