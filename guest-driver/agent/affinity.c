/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * irq-affinity: Jake Oshins' 2016 failure, end to end.  While one thread
 * per CPU raises every MSI-X vector of the functions it owns (each raise
 * waits for its interrupt, so none coalesces), a mover thread rewrites
 * /proc/irq/N/smp_affinity of those vectors at random, many times.
 *
 * In the fixed design (--irq-mode lazy) hv_vpci tells the host each new
 * vector and CPU when the kernel unmasks the vector after a move.  In the
 * historical one (--irq-mode eager: hv_vpci eager_affinity=1) nothing
 * tells the host: its remap entry keeps the old vector and CPU, and once
 * the kernel has released that vector an interrupt arrives on a vector
 * with no handler ("No irq handler for vector") and is lost.  A lost
 * raise is reported with the kernel's vector and CPU for it and where
 * hv-vpci delivered it (vector, VP, remap handle).  docs/scenarios.md.
 */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "vbus.h"

#define IA_SECONDS	2.0	/* storm length, guest time */
#define IA_MAX_ROUNDS	4000
#define IA_LATE_S	0.5	/* a raise not handled by now is late */
#define IA_WAIT_S	1.0
#define IA_MAX_VEC	8
#define IA_SETTLE_S	2.0	/* carriers until an interrupt lands on the new CPU */
#define IA_CARRIER_GAP_US 5000
#define IA_NO_HANDLER	"No irq handler for"	/* 6.12 drops "vector" */

struct ia_fn {
	struct vfn *f;
	int nvec;
	int irq[IA_MAX_VEC];
};

struct ia_thread {
	struct ia_fn *fns;
	int nfn, cpu, ncpu;
	unsigned long seed;
	unsigned long rounds, raised, late, errors;
	char first_late[400];	/* where the first late one was, when it was late */
};

/* Where the kernel has vector @v of @f now: IDT vector and APIC ID. */
static int ia_kernel_vector(const struct vfn *f, int v, unsigned int *vector, int *apic)
{
	char path[PATH_MAX], buf[1024], *line, *save = NULL;

	snprintf(path, sizeof(path), TESTFN_DEBUGFS "/%s/vector", f->name);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int idx, irq;

		if (sscanf(line, "%d %d %x %d", &idx, &irq, vector, apic) == 4 && idx == v)
			return 0;
	}
	return -1;
}

/* hv-vpci's last delivery for @f (host_view): vector, VP, remap handle. */
static int ia_host_delivery(const struct vbus *vb, const struct vfn *f, unsigned int *vector,
			    int *vp, int *handle)
{
	static __thread struct host_view h;
	const struct host_msi *m = &h.msi[devfn_of(f)];

	if (host_view_read(vb, &h) || m->last_vp < 0)
		return -1;
	*vector = m->last_vector;
	*vp = m->last_vp;
	*handle = m->last_handle;
	return 0;
}

static unsigned long ia_count(const struct vfn *f, int v, int ncpu, unsigned long *per)
{
	unsigned long total = 0, tmp[MAX_CPUS];

	return irq_counts(f, (unsigned int)v, &total, per ? per : tmp, ncpu) ? 0 : total;
}

static bool ia_wait(const struct vfn *f, int v, int ncpu, unsigned long before, double bound)
{
	double t0 = uptime_s();

	while (ia_count(f, v, ncpu, NULL) <= before) {
		if (uptime_s() - t0 > bound)
			return false;
		usleep(200);
	}
	return true;
}

static void ia_note_late(struct ia_thread *t, const struct vbus *vb, const struct ia_fn *fn,
			 int v)
{
	unsigned int kvec = 0, hvec = 0;
	int apic = -1, vp = -1, handle = -1;
	bool have_k = !ia_kernel_vector(fn->f, v, &kvec, &apic);
	bool have_h = !ia_host_delivery(vb, fn->f, &hvec, &vp, &handle);

	if (t->late++)
		return;
	snprintf(t->first_late, sizeof(t->first_late),
		 "%s vector %d (irq %d) raised by cpu%d had not reached its handler after %.1f s; "
		 "the kernel has it on IDT vector %#x, APIC %d%s; hv-vpci last delivered it to "
		 "vector %#x on VP %d through remap handle %d%s", fn->f->name, v, fn->irq[v], t->cpu,
		 IA_LATE_S, kvec, apic, have_k ? "" : " (unknown)", hvec, vp, handle,
		 !have_h ? " (unknown)" : hvec != kvec ?
		 ": a stale vector, the host was never told of the move" : "");
}

static const struct vbus *ia_bus;

static void *ia_raiser(void *arg)
{
	struct ia_thread *t = arg;
	double t0;

	if (!pin_to_cpu(t->cpu))
		t->errors++;
	t0 = uptime_s();
	for (int i = 0; i < IA_MAX_ROUNDS; i++) {
		struct ia_fn *fn;
		unsigned long before;
		int k, v, nown;
		char cmd[16];

		/* functions cpu, cpu + ncpu, ... are this thread's */
		if (t->cpu >= t->nfn || uptime_s() - t0 > IA_SECONDS)
			break;
		nown = (t->nfn - t->cpu + t->ncpu - 1) / t->ncpu;
		k = t->cpu + t->ncpu * (int)(xorshift(&t->seed) % (unsigned long)nown);
		fn = &t->fns[k];
		v = (int)(xorshift(&t->seed) % (unsigned long)fn->nvec);
		before = ia_count(fn->f, v, t->ncpu, NULL);
		snprintf(cmd, sizeof(cmd), "%d", v);
		if (debugfs_write(fn->f, "raise", cmd)) {
			t->errors++;
			continue;
		}
		t->raised++;
		t->rounds++;
		if (!ia_wait(fn->f, v, t->ncpu, before, IA_LATE_S))
			ia_note_late(t, ia_bus, fn, v);
	}
	return NULL;
}

struct ia_mover {
	struct ia_fn *fns;
	int nfn, ncpu;
	unsigned long seed, moves, errors;
};

static void *ia_move(void *arg)
{
	struct ia_mover *m = arg;
	double t0 = uptime_s();

	while (uptime_s() - t0 < IA_SECONDS) {
		struct ia_fn *fn = &m->fns[xorshift(&m->seed) % (unsigned long)m->nfn];
		int v = (int)(xorshift(&m->seed) % (unsigned long)fn->nvec);
		char path[64], mask[20];	/* "%lx" of a 64-bit mask */

		snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity", fn->irq[v]);
		snprintf(mask, sizeof(mask), "%lx",
			 1ul << (xorshift(&m->seed) % (unsigned long)m->ncpu));
		if (write_file(path, mask))
			m->errors++;
		else
			m->moves++;
		usleep(500);
	}
	return NULL;
}

struct ia_settle {
	struct ia_fn *fn;
	int k, ncpu;
	int bad;
	char why[400];
};

/*
 * Vector v of function @s->k settles on CPU (k + v) % ncpu, and the next
 * raise arrives there.  After a vector that does not settle, the
 * function's others would each cost the full 2 s: its first failure says
 * it.
 */
static void *ia_settle_thread(void *arg)
{
	struct ia_settle *s = arg;
	struct ia_fn *fn = s->fn;
	int ncpu = s->ncpu;

	for (int v = 0; v < fn->nvec && !s->bad; v++) {
		int cpu = (s->k + v) % ncpu, eff = -1, c;
		double ts;
		unsigned long b[MAX_CPUS] = { 0 }, af[MAX_CPUS] = { 0 }, tb, ta;
		char path[64], mask[20], cmd[16];

		snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity", fn->irq[v]);
		snprintf(mask, sizeof(mask), "%lx", 1ul << cpu);
		snprintf(cmd, sizeof(cmd), "%d", v);
		/*
		 * Carriers until one lands on the target CPU: the move happens
		 * in the handler of the next interrupt, and a request made
		 * while an earlier move is not finished is put off (the
		 * kernel's vector domain answers EBUSY), so it is asked again
		 * each time, for 2 s at most.
		 */
		ts = uptime_s();
		for (c = 0; uptime_s() - ts < IA_SETTLE_S; c++) {
			write_file(path, mask);
			tb = ia_count(fn->f, v, ncpu, b);
			debugfs_write(fn->f, "raise", cmd);
			if (!ia_wait(fn->f, v, ncpu, tb, IA_WAIT_S))
				break;
			ia_count(fn->f, v, ncpu, af);
			if (c >= 1 && af[cpu] != b[cpu])
				break;
			/* the previous move's old vector is freed later (6.12:
			 * from a timer): the next carrier a little later */
			usleep(IA_CARRIER_GAP_US);
		}
		/*
		 * No CPU still in the last carrier's handler: an edge interrupt
		 * arriving meanwhile would run there (handle_edge_irq) and
		 * count on the wrong CPU.
		 */
		debugfs_write(fn->f, "sync", cmd);
		eff = effective_cpu(fn->f, (unsigned int)v);
		tb = ia_count(fn->f, v, ncpu, b);
		debugfs_write(fn->f, "raise", cmd);
		ia_wait(fn->f, v, ncpu, tb, IA_WAIT_S);
		ta = ia_count(fn->f, v, ncpu, af);
		if ((ta != tb + 1 || af[cpu] != b[cpu] + 1) && !s->bad++) {
			unsigned int kvec = 0, hvec = 0;
			int apic = -1, vp = -1, handle = -1, landed = -1;

			for (int x = 0; x < ncpu; x++)
				if (af[x] != b[x])
					landed = x;
			ia_kernel_vector(fn->f, v, &kvec, &apic);
			ia_host_delivery(ia_bus, fn->f, &hvec, &vp, &handle);
			snprintf(s->why, sizeof(s->why), ": not vector %d (irq %d), set to cpu%d, "
				 "effective cpu%d after %d carrier interrupts; %lu arrived, on cpu%d; the "
				 "kernel has it on IDT vector %#x of cpu%d (APIC ID %d); hv-vpci "
				 "delivered it to vector %#x on VP %d through remap handle %d%s",
				 v, fn->irq[v], cpu, eff, c, ta - tb, landed, kvec, eff, apic,
				 hvec, vp, handle, hvec != kvec || vp != eff ? ": a stale vector, "
				 "the host was never told of the move" : "");
		}
	}
	return NULL;
}

/* What the kernel says about vectors and APICs. */
static const char *const ia_klog_words[] = { "vector", "APIC", "interrupt", NULL };

void scenario_irq_affinity(struct agent *a)
{
	static struct vbus vb;
	static struct ia_fn fns[MAX_FNS];
	static struct ia_thread th[MAX_CPUS];
	static struct ia_mover mover;
	static struct ia_settle settle[MAX_FNS];
	pthread_t tid[MAX_CPUS], mtid, stid[MAX_FNS];
	int ncpu = online_cpus(a), nfn = 0, before_lines, settle_bad = 0;
	unsigned long raised = 0, late = 0, handled = 0;
	char eager[8] = "", first[300];
	const char *first_late = "";
	bool ok = true;

	if (!vbus_get(&vb))
		return;
	ia_bus = &vb;
	read_file("/sys/module/hv_vpci/parameters/eager_affinity", eager, sizeof(eager));
	for (int i = 0; i < vb.n && nfn < MAX_FNS; i++) {
		struct ia_fn *fn = &fns[nfn];
		char path[PATH_MAX], buf[1024], *line, *save = NULL;

		if (!is_testfn(&vb.f[i]))
			continue;
		fn->f = &vb.f[i];
		fn->nvec = 0;
		snprintf(path, sizeof(path), TESTFN_DEBUGFS "/%s/vector", fn->f->name);
		ok = ok && read_file(path, buf, sizeof(buf)) >= 0;
		for (line = ok ? strtok_r(buf, "\n", &save) : NULL; line && fn->nvec < IA_MAX_VEC;
		     line = strtok_r(NULL, "\n", &save))
			if (sscanf(line, "%*d %d", &fn->irq[fn->nvec]) == 1)
				fn->nvec++;
		ok = ok && fn->nvec > 0 && !debugfs_write(fn->f, "reset", "1");
		nfn++;
	}
	before_lines = klog_count(IA_NO_HANDLER, first, sizeof(first));
	if (!tap_ok(ok && nfn >= 1 && before_lines >= 0, "%d test functions, %d vectors each, "
		    "%d CPUs, hv_vpci eager_affinity=%s", nfn, nfn ? fns[0].nvec : 0, ncpu, eager))
		return;

	memset(&mover, 0, sizeof(mover));
	mover.fns = fns;
	mover.nfn = nfn;
	mover.ncpu = ncpu;
	mover.seed = (a->seed ^ 0x9e3779b97f4a7c15ul) | 1;
	for (int c = 0; c < ncpu; c++) {
		memset(&th[c], 0, sizeof(th[c]));
		th[c].fns = fns;
		th[c].nfn = nfn;
		th[c].cpu = c;
		th[c].ncpu = ncpu;
		th[c].seed = (a->seed ^ 0xbf58476d1ce4e5b9ul) + (unsigned long)c * 6007 + 1;
	}
	if (start_threads(&mtid, 1, ia_move, &mover, 0))
		return;
	if (start_threads(tid, ncpu, ia_raiser, th, sizeof(th[0]))) {
		join_threads(&mtid, 1);
		return;
	}
	join_threads(tid, ncpu);
	join_threads(&mtid, 1);
	for (int c = 0; c < ncpu; c++) {
		raised += th[c].raised;
		late += th[c].late;
		if (th[c].late && !*first_late)
			first_late = th[c].first_late;
	}
	tap_diag("irq-affinity: %lu raises from %d CPUs while %lu affinity writes (%lu refused) "
		 "moved %d interrupts", raised, ncpu, mover.moves, mover.errors, nfn * fns[0].nvec);

	/* 1. every raise reached its own handler: late is not lost (a starved
	 * vCPU delays an interrupt), so the count after the storm says */
	for (double t0 = uptime_s(); handled < raised && uptime_s() - t0 < IA_WAIT_S;
	     usleep(1000)) {
		handled = 0;
		for (int k = 0; k < nfn; k++)
			for (int v = 0; v < fns[k].nvec; v++)
				handled += ia_count(fns[k].f, v, ncpu, NULL);
	}
	tap_ok(handled == raised && raised > 0, "every raise reached its handler once (%lu of %lu "
	       "handled, %lu late%s%s)", handled, raised, late, late ? "; first late: " : "",
	       first_late);
	for (int k = 0; k < nfn; k++) {
		unsigned long sent = 0, got = 0;
		char name[24];

		for (int v = 0; v < fns[k].nvec; v++) {
			snprintf(name, sizeof(name), "irq_sent%d", v);
			sent += regs_get(fns[k].f, name);
			got += ia_count(fns[k].f, v, ncpu, NULL);
		}
		tap_ok(got == sent, "%s: device sent %lu interrupts, its handlers got %lu", fns[k].f->name,
		       sent, got);
	}

	/* 2. what the kernel saw of it */
	{
		int n = klog_count(IA_NO_HANDLER, first, sizeof(first));

		tap_ok(n == before_lines, "no interrupt arrived on a vector without a handler "
		       "(kernel log: %d '" IA_NO_HANDLER "' lines%s%s)", n - before_lines,
		       n > before_lines ? "; first: " : "", n > before_lines ? first : "");
	}

	/*
	 * 3. settled: vector v of function k on CPU (k + v) % ncpu.  One
	 * thread per function: they share nothing, and a function whose move
	 * never completes (eager) costs its 2 s once, not once per function.
	 */
	for (int k = 0; k < nfn; k++)
		settle[k] = (struct ia_settle){ .fn = &fns[k], .k = k, .ncpu = ncpu };
	if (start_threads(stid, nfn, ia_settle_thread, settle, sizeof(settle[0])))
		return;
	join_threads(stid, nfn);
	for (int k = 0; k < nfn; k++) {
		tap_ok(!settle[k].bad, "%s: every vector, settled on its CPU, arrives there%s",
		       fns[k].f->name, settle[k].why);
		settle_bad += settle[k].bad;
	}
	if (settle_bad)
		klog_diag(ia_klog_words);
}
