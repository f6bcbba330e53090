/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qmp.h - a minimal asynchronous QMP client on an accepted socket.
 *
 * QEMU connects to the harness (-chardev socket,...,server=off), so the
 * client starts from a GSocketConnection.  Messages are one JSON object per
 * line.  The client negotiates capabilities itself and reports: ready (the
 * greeting arrived and qmp_capabilities returned), each event, and the
 * connection closing.  Commands carry an id and complete through a
 * callback.  Everything runs on the thread-default main context.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

typedef struct _RigQmp RigQmp;

typedef struct {
	void (*greeting) (RigQmp *qmp, JsonObject *greeting, gpointer user_data);
	void (*ready)    (RigQmp *qmp, gpointer user_data);
	/* @line: the message as QEMU sent it (64-bit values survive intact) */
	void (*event)    (RigQmp *qmp, JsonObject *event, const char *line,
	                  gpointer user_data);
	void (*closed)   (RigQmp *qmp, const GError *error, gpointer user_data);
} RigQmpCallbacks;

/* @ret is the "return" member, or NULL with @error set for an "error"
 * reply or a lost connection. */
typedef void (*RigQmpReplyFunc) (RigQmp *qmp, JsonNode *ret, const GError *error,
                                 gpointer user_data);

RigQmp *rig_qmp_new (GSocketConnection *connection, const RigQmpCallbacks *callbacks,
                     gpointer user_data);
void    rig_qmp_free (RigQmp *qmp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RigQmp, rig_qmp_free)

/* @arguments: transfer full, may be NULL. @reply may be NULL. */
void     rig_qmp_execute (RigQmp *qmp, const char *command, JsonObject *arguments,
                          RigQmpReplyFunc reply, gpointer user_data);
gboolean rig_qmp_is_closed (RigQmp *qmp);
