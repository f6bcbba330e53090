/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * enum-check.c - compare the enum scenario's function list with query-pci.
 */
#include "enum-check.h"
#include "lines.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HV_VPCI_VENDOR 0x1234
#define HV_VPCI_DEVICE 0x5650

static char *
describe (gint64 vendor, gint64 device, gint64 subvendor, gint64 subdevice, gint64 class16)
{
	return g_strdup_printf ("%04" G_GINT64_MODIFIER "x:%04" G_GINT64_MODIFIER "x"
	                        " subsystem %04" G_GINT64_MODIFIER "x:%04" G_GINT64_MODIFIER "x"
	                        " class %04" G_GINT64_MODIFIER "x",
	                        vendor, device, subvendor, subdevice, class16);
}

static gboolean
bus_has_hv_vpci (JsonObject *bus)
{
	JsonArray *devs = json_object_get_array_member (bus, "devices");

	for (guint i = 0; devs && i < json_array_get_length (devs); i++) {
		JsonObject *d = json_array_get_object_element (devs, i);
		JsonObject *id = json_object_get_object_member (d, "id");

		if (id && json_object_get_int_member_with_default (id, "vendor", -1) == HV_VPCI_VENDOR &&
		    json_object_get_int_member_with_default (id, "device", -1) == HV_VPCI_DEVICE)
			return TRUE;
	}
	return FALSE;
}

/* slot.fn -> description, for the first hv-vpci child bus of query-pci. */
static GHashTable *
qemu_functions (const char *query_pci, char **problem)
{
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GHashTable) fns = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
	JsonArray *buses;
	JsonArray *devs = NULL;

	root = json_from_string (query_pci, &error);
	if (!root || !JSON_NODE_HOLDS_ARRAY (root)) {
		*problem = g_strdup_printf ("enum: query-pci unreadable: %s",
		                            error ? error->message : "not an array");
		return NULL;
	}
	/* q35's bus holds the hv-vpci function; the child bus (also "bus 0")
	 * is the other host bridge's. */
	buses = json_node_get_array (root);
	for (guint i = 0; i < json_array_get_length (buses); i++) {
		JsonObject *bus = json_array_get_object_element (buses, i);

		if (!bus_has_hv_vpci (bus)) {
			devs = json_object_get_array_member (bus, "devices");
			break;
		}
	}
	if (!devs) {
		*problem = g_strdup ("enum: query-pci shows no hv-vpci child bus");
		return NULL;
	}
	for (guint i = 0; i < json_array_get_length (devs); i++) {
		JsonObject *d = json_array_get_object_element (devs, i);
		JsonObject *id = json_object_get_object_member (d, "id");
		JsonObject *cls = json_object_get_object_member (d, "class_info");

		if (!id || !cls)
			continue;
		g_hash_table_insert (fns,
			g_strdup_printf ("%02" G_GINT64_MODIFIER "x.%" G_GINT64_FORMAT,
			                 json_object_get_int_member_with_default (d, "slot", -1),
			                 json_object_get_int_member_with_default (d, "function", -1)),
			describe (json_object_get_int_member_with_default (id, "vendor", -1),
			          json_object_get_int_member_with_default (id, "device", -1),
			          json_object_get_int_member_with_default (id, "subsystem-vendor", 0),
			          json_object_get_int_member_with_default (id, "subsystem", 0),
			          json_object_get_int_member_with_default (cls, "class", -1)));
	}
	return g_steal_pointer (&fns);
}

static gint64
field (const char *line, const char *key)
{
	g_autofree char *needle = g_strconcat (" ", key, "=", NULL);
	const char *p = strstr (line, needle);

	return p ? (gint64) strtoll (p + strlen (needle), NULL, 16) : -1;
}

gboolean
rig_enum_check (const char *query_pci, const char *tap, char **problem)
{
	g_autoptr(GHashTable) qemu = NULL;
	g_autoptr(GHashTable) guest = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
	g_auto(GStrv) lines = NULL;
	gboolean begun = FALSE, ended = FALSE;
	GHashTableIter it;
	gpointer key, value;
	guint bad = 0;
	g_autofree char *first = NULL;

	*problem = NULL;
	if (!tap || !strstr (tap, "# pci-enum-begin"))
		return TRUE;
	if (!query_pci) {
		*problem = g_strdup ("enum: the harness has no query-pci to compare with");
		return FALSE;
	}
	qemu = qemu_functions (query_pci, problem);
	if (!qemu)
		return FALSE;

	lines = rig_split_lines (tap);
	for (guint i = 0; lines[i]; i++) {
		char *l = g_strchomp (lines[i]);
		char slot[8];

		if (g_str_has_prefix (l, "# pci-enum-begin"))
			begun = TRUE;
		else if (g_str_has_prefix (l, "# pci-enum-end"))
			ended = begun;
		else if (begun && !ended && g_str_has_prefix (l, "# pci-fn ") &&
		         sscanf (l + 9, "%7s", slot) == 1)
			g_hash_table_insert (guest, g_ascii_strdown (slot, -1),
			                     describe (field (l, "vendor"), field (l, "device"),
			                               field (l, "subvendor"), field (l, "subdevice"),
			                               field (l, "class") >> 8));
	}
	if (!ended) {
		*problem = g_strdup ("enum: the guest's function list has no end line");
		return FALSE;
	}

	g_hash_table_iter_init (&it, qemu);
	while (g_hash_table_iter_next (&it, &key, &value)) {
		const char *g = g_hash_table_lookup (guest, key);

		if (g && g_str_equal (g, value))
			continue;
		bad++;
		if (!first)
			first = g ? g_strdup_printf ("%s is %s in QEMU but %s in the guest",
			                             (char *) key, (char *) value, g)
			          : g_strdup_printf ("QEMU's %s (%s) is missing in the guest",
			                             (char *) key, (char *) value);
	}
	g_hash_table_iter_init (&it, guest);
	while (g_hash_table_iter_next (&it, &key, &value)) {
		if (g_hash_table_contains (qemu, key))
			continue;
		bad++;
		if (!first)
			first = g_strdup_printf ("the guest's %s (%s) is not in QEMU's query-pci",
			                         (char *) key, (char *) value);
	}
	if (!bad)
		return TRUE;
	*problem = g_strdup_printf ("enum: %u of %u functions differ from QEMU's query-pci; "
	                            "first: %s", bad, g_hash_table_size (qemu), first);
	return FALSE;
}
