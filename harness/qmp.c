/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qmp.c - minimal asynchronous QMP client (see qmp.h).
 */
#include "qmp.h"

#include <string.h>

typedef struct {
	RigQmpReplyFunc func;
	gpointer        user_data;
} Pending;

struct _RigQmp {
	GSocketConnection *connection;
	GDataInputStream  *in;
	GOutputStream     *out;
	GCancellable      *cancellable;
	RigQmpCallbacks    callbacks;
	gpointer           user_data;
	GHashTable        *pending;     /* id (guint) -> Pending* */
	guint              next_id;
	gboolean           closed;
};

static void read_next (RigQmp *qmp);

static void
close_with_error (RigQmp *qmp, const GError *error)
{
	GHashTableIter iter;
	gpointer value;
	g_autoptr(GError) lost = NULL;

	if (qmp->closed)
		return;
	qmp->closed = TRUE;
	lost = g_error_new (G_IO_ERROR, G_IO_ERROR_CLOSED, "QMP connection closed%s%s",
	                    error ? ": " : "", error ? error->message : "");
	/* fail every command still waiting for a reply */
	g_hash_table_iter_init (&iter, qmp->pending);
	while (g_hash_table_iter_next (&iter, NULL, &value)) {
		Pending *p = value;

		if (p->func)
			p->func (qmp, NULL, lost, p->user_data);
		g_hash_table_iter_remove (&iter);
	}
	if (qmp->callbacks.closed)
		qmp->callbacks.closed (qmp, error, qmp->user_data);
}

static void
capabilities_done (RigQmp *qmp, JsonNode *ret, const GError *error,
                   G_GNUC_UNUSED gpointer user_data)
{
	if (!ret) {
		close_with_error (qmp, error);
		return;
	}
	if (qmp->callbacks.ready)
		qmp->callbacks.ready (qmp, qmp->user_data);
}

static void
handle_message (RigQmp *qmp, JsonObject *msg, const char *line)
{
	if (json_object_has_member (msg, "QMP")) {
		if (qmp->callbacks.greeting)
			qmp->callbacks.greeting (qmp, msg, qmp->user_data);
		rig_qmp_execute (qmp, "qmp_capabilities", NULL, capabilities_done, NULL);
		return;
	}
	if (json_object_has_member (msg, "event")) {
		if (qmp->callbacks.event)
			qmp->callbacks.event (qmp, msg, line, qmp->user_data);
		return;
	}
	if (json_object_has_member (msg, "return") || json_object_has_member (msg, "error")) {
		guint id = (guint) json_object_get_int_member_with_default (msg, "id", 0);
		Pending *p = g_hash_table_lookup (qmp->pending, GUINT_TO_POINTER (id));
		RigQmpReplyFunc func;
		gpointer data;

		if (!p)
			return;   /* a reply to nothing we sent: ignore */
		func = p->func;
		data = p->user_data;
		g_hash_table_remove (qmp->pending, GUINT_TO_POINTER (id));
		if (!func)
			return;
		if (json_object_has_member (msg, "return")) {
			func (qmp, json_object_get_member (msg, "return"), NULL, data);
		} else {
			JsonObject *err = json_object_get_object_member (msg, "error");
			g_autoptr(GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "QMP error %s: %s",
			                                       json_object_get_string_member_with_default (err, "class", "?"),
			                                       json_object_get_string_member_with_default (err, "desc", "?"));
			func (qmp, NULL, error, data);
		}
	}
}

static void
line_read (GObject *source, GAsyncResult *res, gpointer user_data)
{
	RigQmp *qmp = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) node = NULL;
	g_autofree char *line = NULL;
	gsize len;

	line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), res,
	                                                  &len, &error);
	if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;   /* rig_qmp_free(): qmp is gone */
	if (!line) {
		close_with_error (qmp, error);
		return;
	}
	g_strstrip (line);
	if (*line) {
		node = json_from_string (line, &error);
		if (node && JSON_NODE_HOLDS_OBJECT (node))
			handle_message (qmp, json_node_get_object (node), line);
		else
			g_warning ("QMP: ignoring a line that is not a JSON object: %s", line);
	}
	if (!qmp->closed)
		read_next (qmp);
}

static void
read_next (RigQmp *qmp)
{
	g_data_input_stream_read_line_async (qmp->in, G_PRIORITY_DEFAULT, qmp->cancellable,
	                                     line_read, qmp);
}

RigQmp *
rig_qmp_new (GSocketConnection *connection, const RigQmpCallbacks *callbacks,
             gpointer user_data)
{
	RigQmp *qmp = g_new0 (RigQmp, 1);

	qmp->connection = g_object_ref (connection);
	qmp->in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
	g_data_input_stream_set_newline_type (qmp->in, G_DATA_STREAM_NEWLINE_TYPE_ANY);
	qmp->out = g_object_ref (g_io_stream_get_output_stream (G_IO_STREAM (connection)));
	qmp->cancellable = g_cancellable_new ();
	qmp->callbacks = *callbacks;
	qmp->user_data = user_data;
	qmp->pending = g_hash_table_new_full (NULL, NULL, NULL, g_free);
	qmp->next_id = 1;
	read_next (qmp);
	return qmp;
}

void
rig_qmp_free (RigQmp *qmp)
{
	if (!qmp)
		return;
	g_cancellable_cancel (qmp->cancellable);
	g_io_stream_close (G_IO_STREAM (qmp->connection), NULL, NULL);
	g_hash_table_unref (qmp->pending);
	g_object_unref (qmp->cancellable);
	g_object_unref (qmp->out);
	g_object_unref (qmp->in);
	g_object_unref (qmp->connection);
	g_free (qmp);
}

gboolean
rig_qmp_is_closed (RigQmp *qmp)
{
	return qmp->closed;
}

void
rig_qmp_execute (RigQmp *qmp, const char *command, JsonObject *arguments,
                 RigQmpReplyFunc reply, gpointer user_data)
{
	g_autoptr(JsonObject) msg = json_object_new ();
	g_autoptr(JsonNode) node = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL;
	g_autofree char *line = NULL;
	Pending *p;
	guint id = qmp->next_id++;

	if (qmp->closed) {
		error = g_error_new (G_IO_ERROR, G_IO_ERROR_CLOSED, "QMP connection closed");
		if (arguments)
			json_object_unref (arguments);
		if (reply)
			reply (qmp, NULL, error, user_data);
		return;
	}
	json_object_set_string_member (msg, "execute", command);
	if (arguments)
		json_object_set_object_member (msg, "arguments", arguments);
	json_object_set_int_member (msg, "id", id);
	node = json_node_init_object (json_node_alloc (), msg);
	text = json_to_string (node, FALSE);
	line = g_strconcat (text, "\n", NULL);

	p = g_new0 (Pending, 1);
	p->func = reply;
	p->user_data = user_data;
	g_hash_table_insert (qmp->pending, GUINT_TO_POINTER (id), p);

	/* A few hundred bytes to a local socket QEMU is reading: a blocking
	 * write cannot stall for long, and keeps ordering trivial. */
	if (!g_output_stream_write_all (qmp->out, line, strlen (line), NULL, NULL, &error))
		close_with_error (qmp, error);
}
