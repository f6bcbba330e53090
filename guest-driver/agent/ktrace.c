/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ktrace: the kernel's own account of a set of interrupts, for a check
 * that failed.  With vpci.ktrace=1 on the kernel command line a scenario
 * calls ktrace_start() with the irqs it watches: ftrace then records, for
 * those irqs only, each x86 vector move (irq_vectors:vector_update,
 * vector_config, vector_free_moved), each arrival (the ack: a kprobe on
 * irq_chip_ack_parent, on the CPU the APIC delivered to), each handler run
 * (irq:irq_handler_entry, on the CPU that ran it), each mask and unmask of
 * hv_vpci (kprobes; the unmask is where the host is told the target) and
 * each deferred affinity move with its result (irq_do_set_affinity).
 * ktrace_dump() prints the last lines about one irq as TAP diagnostics.
 * Without vpci.ktrace=1 both do nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

#define KT_DIR		"/sys/kernel/debug/tracing"
#define KT_LINES	160	/* lines dumped per irq, the last ones */

static bool kt_on;

static bool kt_wanted(void)
{
	char buf[2048];

	return read_file("/proc/cmdline", buf, sizeof(buf)) > 0 &&
	       strstr(buf, "vpci.ktrace=1");
}

static void kt_write(const char *file, const char *s)
{
	char path[256];
	int ret;

	snprintf(path, sizeof(path), KT_DIR "/%s", file);
	ret = write_file(path, s);
	if (ret)
		tap_diag("ktrace: '%s' > %s: %s", s, file, strerror(-ret));
}

void ktrace_start(const int *irqs, int n)
{
	static const char *const events[] = {
		"irq/irq_handler_entry", "irq_vectors/vector_update",
		"irq_vectors/vector_config", "irq_vectors/vector_free_moved",
		"kprobes/vpci_ack", "kprobes/vpci_mask", "kprobes/vpci_unmask",
		"kprobes/vpci_setaff",
	};
	char filter[512] = "", path[128];
	size_t len = 0;

	if (!kt_wanted() || n <= 0)
		return;
	for (int i = 0; i < n && len < sizeof(filter) - 32; i++)
		len += (size_t)snprintf(filter + len, sizeof(filter) - len, "%sirq==%d",
					i ? " || " : "", irqs[i]);
	kt_write("tracing_on", "0");
	kt_write("buffer_size_kb", "2048");
	/* struct irq_data: u32 mask, then unsigned int irq */
	kt_write("kprobe_events", "p:kprobes/vpci_ack irq_chip_ack_parent irq=+4(%di):u32");
	kt_write("kprobe_events", "p:kprobes/vpci_mask hv_vpci:hv_vpci_irq_mask irq=+4(%di):u32");
	kt_write("kprobe_events",
		 "p:kprobes/vpci_unmask hv_vpci:hv_vpci_irq_unmask irq=+4(%di):u32");
	kt_write("kprobe_events", "p:kprobes/vpci_setaff irq_do_set_affinity irq=+4(%di):u32");
	kt_write("kprobe_events", "r:kprobes/vpci_setaff_ret irq_do_set_affinity ret=$retval:s32");
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		snprintf(path, sizeof(path), "events/%s/filter", events[i]);
		kt_write(path, filter);
		snprintf(path, sizeof(path), "events/%s/enable", events[i]);
		kt_write(path, "1");
	}
	kt_write("events/kprobes/vpci_setaff_ret/enable", "1");
	kt_write("tracing_on", "1");
	kt_on = true;
	tap_diag("ktrace: tracing irqs %s", filter);
}

/* The CPU of an ftrace line ("task-pid [003] ..."), or -1. */
static int kt_cpu(const char *line)
{
	const char *p = strstr(line, " [");
	int cpu;

	return p && sscanf(p, " [%d]", &cpu) == 1 ? cpu : -1;
}

static bool kt_names(const char *line, const char *irq)
{
	const char *p = line;
	size_t n = strlen(irq);

	while ((p = strstr(p, irq))) {
		if (p[n] == ' ' || p[n] == '\0' || p[n] == '\n')
			return true;
		p += n;
	}
	return false;
}

void ktrace_dump(int irq, const char *why)
{
	static char ring[KT_LINES][200];
	char line[512], name[24];
	bool want_ret[64] = { false };
	unsigned long n = 0;
	FILE *f;

	if (!kt_on)
		return;
	kt_write("tracing_on", "0");
	f = fopen(KT_DIR "/trace", "r");
	if (!f) {
		tap_diag("ktrace: cannot read " KT_DIR "/trace");
		return;
	}
	snprintf(name, sizeof(name), "irq=%d", irq);
	while (fgets(line, sizeof(line), f)) {
		int cpu = kt_cpu(line);
		bool ret = strstr(line, "vpci_setaff_ret:") != NULL;

		if (line[0] == '#')
			continue;
		if (ret && (cpu < 0 || cpu >= 64 || !want_ret[cpu]))
			continue;
		if (!ret && !kt_names(line, name))
			continue;
		if (cpu >= 0 && cpu < 64)
			want_ret[cpu] = strstr(line, "vpci_setaff:") != NULL;
		line[strcspn(line, "\n")] = '\0';
		snprintf(ring[n % KT_LINES], sizeof(ring[0]), "%.199s", line);
		n++;
	}
	fclose(f);
	tap_diag("ktrace: irq %d (%s): %lu lines, the last %lu:", irq, why, n,
		 n < KT_LINES ? n : KT_LINES);
	for (unsigned long i = n > KT_LINES ? n - KT_LINES : 0; i < n; i++)
		tap_diag("kt %s", ring[i % KT_LINES]);
	kt_write("tracing_on", "1");
}

/*
 * Count handler runs that no arrival on their own CPU preceded: the second
 * turn of handle_edge_irq's loop, for an interrupt that arrived on another
 * CPU while this one was in the handler (IRQS_PENDING).
 */
void ktrace_summary(void)
{
	static bool acked[64][256];	/* [cpu][irq]: an arrival not yet run */
	static char last_ack[256][200];	/* [irq]: its latest arrival */
	char line[512], first[200] = "", ack[200] = "";
	unsigned long elsewhere = 0, runs = 0;
	FILE *f;

	if (!kt_on)
		return;
	kt_write("tracing_on", "0");
	f = fopen(KT_DIR "/trace", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, " irq=");
		int cpu = kt_cpu(line), irq;

		if (line[0] == '#' || !p || cpu < 0 || cpu >= 64 ||
		    sscanf(p, " irq=%d", &irq) != 1 || irq < 0 || irq >= 256)
			continue;
		if (strstr(line, "vpci_ack:")) {
			acked[cpu][irq] = true;
			snprintf(last_ack[irq], sizeof(last_ack[0]), "%.199s", line);
		} else if (strstr(line, "irq_handler_entry:")) {
			runs++;
			if (!acked[cpu][irq] && !elsewhere++) {
				snprintf(first, sizeof(first), "%.199s", line);
				snprintf(ack, sizeof(ack), "%s", last_ack[irq]);
			}
			acked[cpu][irq] = false;
		}
	}
	fclose(f);
	first[strcspn(first, "\n")] = '\0';
	ack[strcspn(ack, "\n")] = '\0';
	tap_diag("ktrace: %lu of %lu handler runs had no arrival on their own CPU (an interrupt "
		 "that arrived elsewhere while this CPU was in the handler)%s%s%s%s", elsewhere,
		 runs, elsewhere ? "; first: " : "", first, elsewhere ? "; the arrival before it: " : "",
		 ack);
	kt_write("tracing_on", "1");
}
