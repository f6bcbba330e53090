/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tap.c - TAP 13 parser (see tap.h).
 */
#include "tap.h"
#include "lines.h"

#include <string.h>

static gboolean
parse_plan (const char *line, guint *planned)
{
	guint64 n;
	char *end;

	if (!g_str_has_prefix (line, "1.."))
		return FALSE;
	n = g_ascii_strtoull (line + 3, &end, 10);
	if (end == line + 3 || n > G_MAXUINT)
		return FALSE;
	/* "1..0 # SKIP reason" is a valid plan too */
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end != '\0' && *end != '#')
		return FALSE;
	*planned = (guint) n;
	return TRUE;
}

/* Returns the directive after an unescaped '#' in a result line, or NULL. */
static const char *
find_directive (const char *desc)
{
	const char *hash = strchr (desc, '#');

	while (hash && hash > desc && hash[-1] == '\\')
		hash = strchr (hash + 1, '#');
	if (!hash)
		return NULL;
	hash++;
	while (*hash == ' ')
		hash++;
	return hash;
}

static void
parse_result (RigTap *tap, const char *line, gboolean ok)
{
	const char *directive = find_directive (line);
	gboolean todo = directive && g_ascii_strncasecmp (directive, "todo", 4) == 0;
	gboolean skip = directive && g_ascii_strncasecmp (directive, "skip", 4) == 0;

	tap->run++;
	if (ok || todo) {
		tap->passed++;
		if (skip)
			tap->skipped++;
		return;
	}
	tap->failed++;
	if (!tap->first_failure)
		tap->first_failure = g_strdup (line);
}

void
rig_tap_parse (const char *text, RigTap *tap)
{
	g_auto(GStrv) lines = NULL;
	gboolean in_yaml = FALSE;

	memset (tap, 0, sizeof *tap);
	if (!text)
		return;

	lines = rig_split_lines (text);
	for (guint i = 0; lines[i]; i++) {
		char *line = lines[i];
		gsize len = strlen (line);

		/* serial consoles may add \r */
		while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\0'))
			line[--len] = '\0';
		if (len == 0)
			continue;

		if (line[0] == ' ' || line[0] == '\t') {
			const char *s = line;

			while (*s == ' ' || *s == '\t')
				s++;
			if (g_str_equal (s, "---"))
				in_yaml = TRUE;
			else if (g_str_equal (s, "..."))
				in_yaml = FALSE;
			else if (!in_yaml)
				tap->garbage++;
			continue;
		}
		in_yaml = FALSE;

		if (g_str_has_prefix (line, "TAP version"))
			continue;
		if (line[0] == '#') {
			const char *s = line + 1;

			while (*s == ' ')
				s++;
			if (g_str_has_prefix (s, "triggering")) {
				g_free (tap->trigger);
				tap->trigger = g_strdup (s);
			}
			continue;
		}
		if (g_str_has_prefix (line, "Bail out!")) {
			tap->bailed_out = TRUE;
			continue;
		}
		if (!tap->have_plan && parse_plan (line, &tap->planned)) {
			tap->have_plan = TRUE;
			continue;
		}
		if (g_str_has_prefix (line, "ok") &&
		    (line[2] == '\0' || line[2] == ' ')) {
			parse_result (tap, line, TRUE);
			continue;
		}
		if (g_str_has_prefix (line, "not ok") &&
		    (line[6] == '\0' || line[6] == ' ')) {
			parse_result (tap, line, FALSE);
			continue;
		}
		tap->garbage++;
	}
}

void
rig_tap_clear (RigTap *tap)
{
	g_clear_pointer (&tap->first_failure, g_free);
	g_clear_pointer (&tap->trigger, g_free);
}

gboolean
rig_tap_complete (const RigTap *tap)
{
	return tap->have_plan && !tap->bailed_out && tap->run == tap->planned;
}

gboolean
rig_tap_all_ok (const RigTap *tap)
{
	return rig_tap_complete (tap) && tap->failed == 0;
}
