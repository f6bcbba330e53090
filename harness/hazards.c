/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hazards.c - parse, attribute and symbolise window ordering hazards.
 */
#include "hazards.h"
#include "lines.h"

#include <json-glib/json-glib.h>
#include <gio/gio.h>
#include <string.h>

#include "hv-vpci-wire.h"
#include "vpci-barriers.h"
#include "vpci-hazards.h"

static void
hazard_free (gpointer data)
{
	RigHazard *h = data;

	g_free (h->kind);
	g_free (h->access);
	g_free (h->where);
	g_free (h->earlier_where);
	g_free (h);
}

static guint64
member_u64 (JsonObject *o, const char *name)
{
	JsonNode *n = json_object_get_member (o, name);

	if (!n || !JSON_NODE_HOLDS_VALUE (n))
		return 0;
	if (json_node_get_value_type (n) == G_TYPE_STRING)
		return g_ascii_strtoull (json_node_get_string (n), NULL, 0);
	return json_node_get_int (n);
}

/*
 * Which missing fence lets this happen.  A load passing the same vCPU's
 * select store: read-select.  A config store buffered behind a select
 * store: write-select.  A config store still buffered when the vCPU
 * stores to memory (its lock release) or another vCPU meets it:
 * write-release.  A select store met that way: whichever same-vCPU
 * hazard that store already showed.
 */
static void
attribute_sites (GPtrArray *hazards)
{
	g_autoptr(GHashTable) select_site = g_hash_table_new (g_int64_hash, g_int64_equal);
	const char *const *kind_name = vpci_hazard_kind_names;

	for (guint i = 0; i < hazards->len; i++) {
		RigHazard *h = g_ptr_array_index (hazards, i);

		if (g_str_equal (h->kind, kind_name[VPCI_HAZARD_LOAD_PASSES_STORE]))
			h->site = vpci_barrier_site_names[VPCI_SITE_READ_SELECT];
		else if (g_str_equal (h->kind, kind_name[VPCI_HAZARD_STORE_PASSES_STORE]))
			h->site = vpci_barrier_site_names[VPCI_SITE_WRITE_SELECT];
		else if (h->earlier_offset >= HV_VPCI_CFG_PAGE_OFFSET)
			h->site = vpci_barrier_site_names[VPCI_SITE_WRITE_RELEASE];
		else
			h->site = g_hash_table_lookup (select_site, &h->earlier_pc);
		if (h->site && h->earlier_offset < HV_VPCI_CFG_PAGE_OFFSET)
			g_hash_table_insert (select_site, &h->earlier_pc, (gpointer) h->site);
	}
}

GPtrArray *
rig_hazards_parse (const char *jsonl)
{
	GPtrArray *hazards = g_ptr_array_new_with_free_func (hazard_free);
	g_auto(GStrv) lines = rig_split_lines (jsonl ? jsonl : "");

	for (guint i = 0; lines[i]; i++) {
		g_autoptr(JsonNode) node = NULL;
		JsonObject *o;
		RigHazard *h;

		if (!*lines[i])
			continue;
		node = json_from_string (lines[i], NULL);
		if (!node || !JSON_NODE_HOLDS_OBJECT (node))
			continue;
		o = json_node_get_object (node);
		if (!json_object_has_member (o, "kind"))
			continue;
		h = g_new0 (RigHazard, 1);
		h->kind = g_strdup (json_object_get_string_member (o, "kind"));
		h->access = g_strdup (json_object_get_string_member_with_default (o, "access", "?"));
		h->vcpu = member_u64 (o, "vcpu");
		h->offset = member_u64 (o, "offset");
		h->size = member_u64 (o, "size");
		h->pc = member_u64 (o, "pc");
		h->earlier_vcpu = member_u64 (o, "earlier_vcpu");
		h->earlier_offset = member_u64 (o, "earlier_offset");
		h->earlier_pc = member_u64 (o, "earlier_pc");
		g_ptr_array_add (hazards, h);
	}
	attribute_sites (hazards);
	return hazards;
}

typedef struct {
	char   *module;
	guint64 text;
} ModuleText;

static void
module_text_free (gpointer data)
{
	ModuleText *m = data;

	g_free (m->module);
	g_free (m);
}

/* "# module-text NAME 0xADDR" lines of the agent. */
static GPtrArray *
module_texts (const char *tap)
{
	GPtrArray *mods = g_ptr_array_new_with_free_func (module_text_free);
	g_auto(GStrv) lines = rig_split_lines (tap ? tap : "");

	for (guint i = 0; lines[i]; i++) {
		g_auto(GStrv) w = g_strsplit (g_strstrip (lines[i]), " ", -1);
		ModuleText *m;

		if (g_strv_length (w) != 4 || !g_str_equal (w[0], "#") ||
		    !g_str_equal (w[1], "module-text"))
			continue;
		m = g_new0 (ModuleText, 1);
		m->module = g_strdup (w[2]);
		m->text = g_ascii_strtoull (w[3], NULL, 0);
		g_ptr_array_add (mods, m);
	}
	return mods;
}

/* The module whose .text starts at or below @pc, nearest first. */
static const ModuleText *
module_of (GPtrArray *mods, guint64 pc)
{
	const ModuleText *best = NULL;

	for (guint i = 0; i < mods->len; i++) {
		const ModuleText *m = g_ptr_array_index (mods, i);

		if (m->text <= pc && (!best || m->text > best->text))
			best = m;
	}
	/* modules are far smaller than this; beyond it the PC is not ours */
	return best && pc - best->text < 16 * 1024 * 1024 ? best : NULL;
}

void
rig_hazards_symbolize (GPtrArray *hazards, const char *tap, const char *module_dir,
                       RigLineLookup lookup)
{
	g_autoptr(GPtrArray) mods = module_texts (tap);

	for (guint m = 0; m < mods->len; m++) {
		const ModuleText *mod = g_ptr_array_index (mods, m);
		g_autofree char *ko = g_strdup_printf ("%s/%s.ko", module_dir, mod->module);
		g_autoptr(GPtrArray) offsets = g_ptr_array_new_with_free_func (g_free);
		g_autoptr(GPtrArray) slots = g_ptr_array_new ();
		g_auto(GStrv) names = NULL;

		if (!g_file_test (ko, G_FILE_TEST_EXISTS))
			continue;
		for (guint i = 0; i < hazards->len; i++) {
			RigHazard *h = g_ptr_array_index (hazards, i);
			guint64 *pcs[] = { &h->pc, &h->earlier_pc };
			char **outs[] = { &h->where, &h->earlier_where };

			for (guint k = 0; k < 2; k++) {
				if (*outs[k] || module_of (mods, *pcs[k]) != mod)
					continue;
				g_ptr_array_add (offsets, g_memdup2 (&(guint64) { *pcs[k] - mod->text },
				                                     sizeof (guint64)));
				g_ptr_array_add (slots, outs[k]);
			}
		}
		if (!offsets->len)
			continue;
		names = lookup (ko, offsets);
		for (guint i = 0; names && names[i] && i < slots->len; i++)
			*(char **) g_ptr_array_index (slots, i) = g_strdup (names[i]);
	}
}

char *
rig_hazards_summary (const GPtrArray *hazards)
{
	const char *const *sites = vpci_barrier_site_names;
	g_autoptr(GString) s = NULL;
	guint unattributed = 0;
	const char *sep = " (";

	if (!hazards || !hazards->len)
		return NULL;
	s = g_string_new (NULL);
	g_string_printf (s, "%u ordering hazard%s", hazards->len, hazards->len == 1 ? "" : "s");
	for (guint k = 0; k < VPCI_SITE_NR; k++) {
		guint n = 0;

		for (guint i = 0; i < hazards->len; i++) {
			const RigHazard *h = g_ptr_array_index (hazards, i);

			n += h->site && g_str_equal (h->site, sites[k]);
		}
		if (n) {
			g_string_append_printf (s, "%s%s %u", sep, sites[k], n);
			sep = ", ";
		}
	}
	for (guint i = 0; i < hazards->len; i++)
		unattributed += !((const RigHazard *) g_ptr_array_index (hazards, i))->site;
	if (unattributed) {
		g_string_append_printf (s, "%sunattributed %u", sep, unattributed);
		sep = ", ";
	}
	if (*sep == ',')
		g_string_append_c (s, ')');
	return g_string_free (g_steal_pointer (&s), FALSE);
}
