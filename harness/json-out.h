/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json-out.h - the two things every JSON writer of the harness needs
 * (report.c's --json, sweep-results.c's records and KCIDB).
 */
#pragma once

#include <json-glib/json-glib.h>

/* "key": "value", or "key": null when @value is NULL. */
void rig_json_add_string_or_null (JsonBuilder *b, const char *key, const char *value);

/* @root as text: one line, or indented with @pretty. */
char *rig_json_to_string (JsonNode *root, gboolean pretty);
