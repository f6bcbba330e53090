/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * irq: every MSI-X vector of every test function, moved to each CPU in
 * turn and raised once there; each must arrive once, on that CPU, and the
 * device's per-vector counters must agree with ours.  docs/scenarios.md.
 */
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "agent.h"
#include "vbus.h"
#include "vpci-testfn-regs.h"

#define IRQ_ROUNDS 2

/* Raise @v and wait (bounded) until the driver counted one more. */
static int raise_and_count(const struct vfn *f, int v, int ncpu, unsigned long *total,
			   unsigned long *per)
{
	unsigned long before = 0, tmp[MAX_CPUS];
	char cmd[16];
	double t0;

	if (irq_counts(f, (unsigned int)v, &before, tmp, ncpu))
		return -1;
	snprintf(cmd, sizeof(cmd), "%d", v);
	if (debugfs_write(f, "raise", cmd))
		return -1;
	/* delivery is asynchronous to us: wait, bounded */
	t0 = uptime_s();
	while (!irq_counts(f, (unsigned int)v, total, per, ncpu) && *total <= before &&
	       uptime_s() - t0 < 2.0)
		usleep(1000);
	usleep(2000);	/* a duplicate would show by now */
	return irq_counts(f, (unsigned int)v, total, per, ncpu);
}

void scenario_irq(struct agent *a)
{
	static struct vbus vb;
	int ncpu = online_cpus(a), ntested = 0;

	if (!vbus_get(&vb))
		return;
	for (int i = 0; i < vb.n; i++) {
		struct vfn *f = &vb.f[i];
		int nvec = is_testfn(f) ? testfn_irq_mode(f, NULL, 0) : 0;
		unsigned long raised[VPCI_TESTFN_MSIX_VECTORS] = { 0 };
		char first[200] = "";
		int bad = 0, settled = 0;

		if (!is_testfn(f))
			continue;
		ntested++;
		if (!tap_ok(nvec == VPCI_TESTFN_MSIX_VECTORS && !debugfs_write(f, "reset", "1"),
			    "%s: %d MSI-X vectors, counters reset", f->name, nvec))
			continue;
		for (int r = 0; r < IRQ_ROUNDS; r++) {
			for (int v = 0; v < nvec; v++) {
				int cpu = (v + i + r) % ncpu, eff;
				unsigned long t0 = 0, p0[MAX_CPUS], t1 = 0, p1[MAX_CPUS];
				char cmd[32];

				snprintf(cmd, sizeof(cmd), "%d %d", v, cpu);
				if (debugfs_write(f, "affinity", cmd)) {
					if (!bad++)
						snprintf(first, sizeof(first), "vector %d: cannot move to cpu %d", v, cpu);
					continue;
				}
				eff = effective_cpu(f, (unsigned int)v);
				if (eff != cpu) {
					/* x86 without interrupt remapping moves an MSI
					 * at its next interrupt: let one through */
					settled++;
					raise_and_count(f, v, ncpu, &t0, p0);
					raised[v]++;
					eff = effective_cpu(f, (unsigned int)v);
				}
				if (eff != cpu) {
					if (!bad++)
						snprintf(first, sizeof(first), "vector %d: effective cpu %d, asked %d",
							 v, eff, cpu);
					continue;
				}
				if (irq_counts(f, (unsigned int)v, &t0, p0, ncpu) ||
				    raise_and_count(f, v, ncpu, &t1, p1)) {
					if (!bad++)
						snprintf(first, sizeof(first), "vector %d: cannot raise/count", v);
					continue;
				}
				raised[v]++;
				if (t1 != t0 + 1 && !bad++)
					snprintf(first, sizeof(first), "vector %d round %d: %lu interrupts "
						 "for one raise", v, r, t1 - t0);
				for (int c = 0; c < ncpu; c++)
					if (p1[c] - p0[c] != (c == cpu) && !bad++)
						snprintf(first, sizeof(first), "vector %d round %d: cpu%d got %lu, "
							 "target cpu %d", v, r, c, p1[c] - p0[c], cpu);
			}
		}
		if (settled)
			tap_diag("%s: %d affinity changes took effect at the next interrupt "
				 "(one settling raise each)", f->name, settled);
		tap_ok(!bad, "%s: every vector arrived once per raise on the CPU chosen "
		       "(%d rounds, affinity moved each round)%s%s", f->name, IRQ_ROUNDS,
		       bad ? "; first: " : "", first);
		{
			unsigned long dropped = regs_get(f, "irq_dropped");
			int mism = 0;
			char what[160] = "";

			for (int v = 0; v < nvec; v++) {
				char name[24];
				unsigned long sent, total = 0, per[MAX_CPUS];

				snprintf(name, sizeof(name), "irq_sent%d", v);
				sent = regs_get(f, name);
				irq_counts(f, (unsigned int)v, &total, per, ncpu);
				if (sent != raised[v] || total != raised[v]) {
					if (!mism++)
						snprintf(what, sizeof(what), "; vector %d: raised %lu, device "
							 "sent %lu, driver counted %lu", v, raised[v], sent, total);
				}
			}
			tap_ok(!mism && dropped == 0, "%s: device's per-vector counters match our "
			       "raises and the driver's counts (%d differ), dropped %lu%s",
			       f->name, mism, dropped, what);
		}
	}
	tap_ok(ntested > 0, "%d test functions exercised", ntested);
}
