/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * guest-log.c - the guest kernel's own interrupt messages (guest-log.h).
 */
#include "guest-log.h"

#include "lines.h"

#include <string.h>

/* What Linux prints (arch/x86/kernel/irq.c, apic/apic.c, nmi.c, kernel/irq/spurious.c). */
static const char *const kernel_messages[] = {
	/* 6.1: "No irq handler for vector"; 6.12: "No irq handler for CPU.VECTOR" */
	"No irq handler for",
	"spurious APIC interrupt",
	"APIC error on CPU",
	"nobody cared",
	"NMI received for unknown reason",
	"unexpected IRQ trap at vector",
};

static void
evidence_free (gpointer p)
{
	RigGuestEvidence *e = p;

	g_free (e->first);
	g_free (e);
}

GPtrArray *
rig_guest_evidence_scan (const char *console)
{
	GPtrArray *out = g_ptr_array_new_with_free_func (evidence_free);
	RigGuestEvidence *found[G_N_ELEMENTS (kernel_messages)] = { NULL };
	g_auto(GStrv) lines = NULL;

	if (!console)
		return out;
	lines = rig_split_lines (console);
	for (guint i = 0; lines[i]; i++) {
		if (strstr (lines[i], "vpci-agent:"))
			continue;
		for (guint m = 0; m < G_N_ELEMENTS (kernel_messages); m++) {
			if (!strstr (lines[i], kernel_messages[m]))
				continue;
			if (!found[m]) {
				found[m] = g_new0 (RigGuestEvidence, 1);
				found[m]->what = kernel_messages[m];
				found[m]->first = g_strstrip (g_strdup (lines[i]));
			}
			found[m]->count++;
		}
	}
	for (guint m = 0; m < G_N_ELEMENTS (kernel_messages); m++)
		if (found[m])
			g_ptr_array_add (out, found[m]);
	return out;
}

char *
rig_guest_evidence_summary (const GPtrArray *evidence)
{
	GString *s;

	if (!evidence || !evidence->len)
		return NULL;
	s = g_string_new (NULL);
	for (guint i = 0; i < evidence->len; i++) {
		const RigGuestEvidence *e = evidence->pdata[i];

		g_string_append_printf (s, "%s%u x '%s' (first: %s)", i ? "; " : "", e->count,
		                        e->what, e->first);
	}
	return g_string_free (s, FALSE);
}
