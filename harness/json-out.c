/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json-out.c - JSON writing helpers (json-out.h).
 */
#include "json-out.h"

void
rig_json_add_string_or_null (JsonBuilder *b, const char *key, const char *value)
{
	json_builder_set_member_name (b, key);
	if (value)
		json_builder_add_string_value (b, value);
	else
		json_builder_add_null_value (b);
}

char *
rig_json_to_string (JsonNode *root, gboolean pretty)
{
	g_autoptr(JsonGenerator) gen = json_generator_new ();

	json_generator_set_pretty (gen, pretty);
	json_generator_set_root (gen, root);
	return json_generator_to_data (gen, NULL);
}
