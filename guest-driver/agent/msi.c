/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * msi-stress: Vitaly's 2016 failure, end to end.  With vpci_testfn's MSI
 * (vpci_testfn.use_msi=1) every MSI address, data and mask write goes
 * through hv_vpci's config window, as pci-hyperv's did.  One thread per
 * CPU, an owner per function: each round moves its function's interrupt to
 * a random CPU (the kernel reprograms the message at the next interrupt,
 * in interrupt context), masks and unmasks it (disable_irq / enable_irq,
 * unlazy), or raises it, and reads a signature of a random function so the
 * window's select moves between almost every access.
 *
 * Then it checks what arrived and what the device holds:
 *   - every interrupt raised arrived exactly once, at its own function;
 *   - each function's MSI registers (its BAR 0 mirror, not the window)
 *     hold the message the kernel wrote, unmasked;
 *   - settled on a known CPU, each function's interrupt arrives there,
 *     and hv-vpci delivers it to the vector and VP the kernel has it on;
 *   - no config write reached a function its vCPU had not selected, under
 *     another vCPU's select or ahead of its own (hv-vpci's MISDIRECTED).
 * A failure names the function, whose message it holds instead, the
 * journaled write that put it there (issuing vCPU, and the vCPU whose
 * select was in force), and what hv-vpci did with the interrupts it sent
 * (blocked as another function's, unmatched, stale).  docs/scenarios.md.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "vbus.h"
#include "vpci-testfn-regs.h"

#define MS_SECONDS	2.0	/* guest time per thread at most */
#define MS_MAX_ROUNDS	4000
#define MS_MIN_ROUNDS	40
#define MS_SETTLED	3	/* raises per function once settled */
#define MS_SETTLE_S	2.0	/* bound on an affinity move taking effect */
#define MS_WAIT_S	1.0	/* bound on waiting for an interrupt */
#define MS_LATE_S	0.5	/* in the storm: an interrupt not there by now is late */

struct ms_thread {
	struct worker w;
	unsigned long rounds, moves, masks, reads;
	unsigned long raised[MAX_FNS];	/* by test function index */
	unsigned long late[MAX_FNS];	/* raises not handled within MS_LATE_S */
	unsigned long early[MAX_FNS];	/* arrived while masked */
};

static void ms_cmd(struct ms_thread *t, const struct vfn *f, const char *file,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void ms_cmd(struct ms_thread *t, const struct vfn *f, const char *file,
		   const char *fmt, ...)
{
	char cmd[32];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ret = debugfs_write(f, file, cmd);
	if (ret)
		err_note(&t->w.err, "cpu%d: %s: '%s' > %s: %s", t->w.cpu, f->name, cmd, file,
			 strerror(-ret));
}

static unsigned long ms_count(const struct ms_thread *t, const struct vfn *f)
{
	unsigned long total = 0, per[MAX_CPUS];

	return irq_counts(f, 0, &total, per, t->w.ncpu) ? 0 : total;
}

/*
 * Wait (bounded) for @f's handler count to pass @before.  Each raise waits
 * for its interrupt, so none is ever raised while the last one is still
 * pending in the device or the local APIC, where edge interrupts coalesce:
 * every raise must then arrive exactly once.
 */
static bool ms_arrived(const struct ms_thread *t, const struct vfn *f, unsigned long before)
{
	double t0 = uptime_s();

	while (ms_count(t, f) <= before) {
		if (uptime_s() - t0 > MS_LATE_S)
			return false;
		usleep(200);
	}
	return true;
}

static void *ms_run(void *arg)
{
	struct ms_thread *t = arg;
	struct worker *w = &t->w;
	int own[MAX_FNS], nown = worker_owned(w, own);
	double t0;

	worker_pin(w);
	t0 = uptime_s();
	for (int i = 0; i < MS_MAX_ROUNDS; i++) {
		const struct vfn *x = worker_pick(w);
		unsigned int sig = worker_sig_off(w);
		uint32_t v = 0;

		if (i >= MS_MIN_ROUNDS && (i & 7) == 0 && uptime_s() - t0 > MS_SECONDS)
			break;
		t->rounds = (unsigned long)i;
		if (nown) {
			int k = own[i % nown];
			const struct vfn *o = &w->vb->f[w->tfn[k]];

			/* one late interrupt stops the storm on its function: a
			 * lost one would cost every later raise a wait.  Whether
			 * it was lost is the final count's to say: a host that
			 * starves a vCPU makes an interrupt late, not lost. */
			if (t->late[k])
				goto read;

			unsigned long before = ms_count(t, o);

			switch (xorshift(&w->seed) % 3) {
			case 0:
				ms_cmd(t, o, "affinity", "0 %lu",
				       xorshift(&w->seed) % (unsigned long)w->ncpu);
				t->moves++;
				break;
			case 1:
				/* raised while masked: pending, delivered at unmask */
				ms_cmd(t, o, "mask", "0 1");
				ms_cmd(t, o, "raise", "0");
				t->raised[k]++;
				if (ms_count(t, o) != before)
					t->early[k]++;
				ms_cmd(t, o, "mask", "0 0");
				t->masks++;
				if (!ms_arrived(t, o, before))
					t->late[k]++;
				break;
			default:
				ms_cmd(t, o, "raise", "0");
				t->raised[k]++;
				if (!ms_arrived(t, o, before))
					t->late[k]++;
				break;
			}
		}
read:
		t->reads++;
		if (cfg_read(x->cfg_fd, sig, 4, &v))
			err_note(&w->err, "cpu%d: %s signature @%#x: read failed", w->cpu, x->name, sig);
		else if (v != VPCI_TESTFN_SIG(x->fn, sig))
			err_note(&w->err, "cpu%d round %d: %s signature @%#x read %#x, want %#x", w->cpu, i,
				 x->name, sig, v, VPCI_TESTFN_SIG(x->fn, sig));
	}
	t->rounds++;
	return NULL;
}

/* Wait until no CPU runs @f's vector 0 handler (vpci_testfn's sync). */
static void ms_sync(const struct vfn *f)
{
	debugfs_write(f, "sync", "0");
}

/* The irq of @f's vector 0 (its affinity file), or -1. */
static int ms_irq_of(const struct vfn *f)
{
	char path[PATH_MAX], buf[256];
	unsigned int v;
	int irq;

	snprintf(path, sizeof(path), TESTFN_DEBUGFS "/%s/affinity", f->name);
	if (read_file(path, buf, sizeof(buf)) < 0 || sscanf(buf, "%u %d", &v, &irq) != 2)
		return -1;
	return irq;
}

/* Where the kernel has @f's vector 0: IDT vector and APIC ID (its vector file). */
static void ms_kernel_vector(const struct vfn *f, unsigned int *vector, int *apic)
{
	char path[PATH_MAX], buf[256];
	unsigned int v;
	int irq;

	snprintf(path, sizeof(path), TESTFN_DEBUGFS "/%s/vector", f->name);
	if (read_file(path, buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "%u %d %x %d", &v, &irq, vector, apic) != 4) {
		*vector = 0;
		*apic = -1;
	}
}

/* One line of vpci_testfn's msi file, vector 0. */
struct ms_msi {
	unsigned int k_hi, k_lo, k_data;	/* the message the kernel wrote */
	int k_masked;
	unsigned int flags, hi, lo, data, mask, pending;	/* what the device holds */
};

static int ms_read_msi(const struct vfn *f, struct ms_msi *m)
{
	char path[PATH_MAX], buf[512];

	snprintf(path, sizeof(path), TESTFN_DEBUGFS "/%s/msi", f->name);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return sscanf(buf, "0 %*d kernel %x %x %x %d device %x %x %x %x %x %x", &m->k_hi,
		      &m->k_lo, &m->k_data, &m->k_masked, &m->flags, &m->hi, &m->lo, &m->data,
		      &m->mask, &m->pending) == 10 ? 0 : -1;
}

/* "blocked 2 as 01.2's, 1 unmatched" for @f, or "" if all delivered. */
static void ms_host_fate(const struct host_view *h, const struct vfn *f, char *out, size_t size)
{
	unsigned int d = devfn_of(f);
	unsigned int owner = h->msi[d].bad_owner;

	snprintf(out, size, "hv-vpci delivered %lu, stale %lu, blocked as another's %lu, "
		 "unmatched %lu", h->msi[d].delivered, h->msi[d].stale, h->msi[d].foreign,
		 h->msi[d].unmatched);
	if (h->msi[d].stale + h->msi[d].foreign + h->msi[d].unmatched)
		snprintf(out + strlen(out), size - strlen(out), "; last bad data %#x%s%02x.%x",
			 h->msi[d].bad_data, owner & (1u << 31) ? " named " : "",
			 owner & (1u << 31) ? (owner & 0xff) >> 3 : 0,
			 owner & (1u << 31) ? owner & 7 : 0);
}

/* Journaled writes into @f's MSI capability not under its own select. */
static unsigned int ms_misdirected_into(const struct host_view *h, const struct vfn *f)
{
	unsigned int n = 0;

	for (int i = 0; i < h->njournal; i++) {
		const struct host_journal *j = &h->journal[i];

		n += j->devfn == devfn_of(f) && (j->vcpu != j->select_vcpu || j->overtakes);
	}
	return n;
}

/* The journal's last write at @off of @f's MSI capability (@what), as text. */
static void ms_last_write(const struct host_view *h, const struct vfn *f, unsigned int off,
			  const char *what, char *out, size_t size)
{
	snprintf(out, size, "no journaled write of its %s", what);
	for (int i = 0; i < h->njournal; i++) {
		const struct host_journal *j = &h->journal[i];

		if (j->devfn == devfn_of(f) && j->off == off)
			snprintf(out, size, "its %s was last written with %#x by vCPU %d %s "
				 "(journal #%u)", what, j->value, j->vcpu,
				 j->overtakes ? "ahead of an earlier window store of its own (its "
						"slot select): possibly misdirected" :
				 j->vcpu != j->select_vcpu ? "under another vCPU's slot select: "
							     "misdirected" :
				 "under its own slot select", j->seq);
	}
}

/* Poll (bounded) until the kernel has counted every interrupt the device sent. */
static void ms_wait_delivered(const struct vbus *vb, const int *tfn, int ntfn, int ncpu)
{
	double t0 = uptime_s();

	while (uptime_s() - t0 < MS_WAIT_S) {
		bool all = true;

		for (int k = 0; k < ntfn && all; k++) {
			const struct vfn *f = &vb->f[tfn[k]];
			unsigned long total = 0, per[MAX_CPUS];

			all = !irq_counts(f, 0, &total, per, ncpu) &&
			      total >= regs_get(f, "irq_sent0");
		}
		if (all)
			return;
		usleep(1000);
	}
}

void scenario_msi_stress(struct agent *a)
{
	static struct vbus vb;
	static struct ms_thread th[MAX_CPUS];
	static struct host_view host, settled;
	int ncpu = online_cpus(a), ntfn, tfn[MAX_FNS];
	struct worker tmpl = {
		.vb = &vb, .tfn = tfn, .ncpu = ncpu, .seed = a->seed ^ 0x2545f4914f6cdd1dul,
	};
	unsigned long rounds = 0, moves = 0, masks = 0, reads = 0;
	struct err_log err = { 0 };
	char fences[128] = "", mode[64] = "";
	bool setup = true, host_ok;
	double t0, dt;

	if (!vbus_get(&vb))
		return;
	read_file("/sys/module/hv_vpci/parameters/fences", fences, sizeof(fences));
	ntfn = testfn_list(&vb, tfn);
	for (int k = 0; k < ntfn; k++) {
		struct vfn *f = &vb.f[tfn[k]];

		setup = setup && cfg_open(f) >= 0 && testfn_irq_mode(f, mode, sizeof(mode)) >= 1 &&
			!strcmp(mode, "msi") && !debugfs_write(f, "reset", "1");
	}
	if (!tap_ok(setup && ntfn >= 2, "%d test functions with MSI (at least 2), %d CPUs, "
		    "hv_vpci fences=%s%s", ntfn, ncpu, fences,
		    setup ? "" : "; a function is not in MSI mode (vpci_testfn.use_msi=1?)"))
		return;

	{
		int irqs[MAX_FNS], n = 0;

		for (int k = 0; k < ntfn; k++) {
			int irq = ms_irq_of(&vb.f[tfn[k]]);

			if (irq >= 0)
				irqs[n++] = irq;
		}
		ktrace_start(irqs, n);
	}
	t0 = uptime_s();
	tmpl.ntfn = ntfn;
	if (workers_run(&tmpl, 7919, th, sizeof(th[0]), ms_run))
		return;
	dt = uptime_s() - t0;
	for (int c = 0; c < ncpu; c++) {
		rounds += th[c].rounds;
		moves += th[c].moves;
		masks += th[c].masks;
		reads += th[c].reads;
		err_merge(&err, &th[c].w.err);
	}
	tap_diag("msi-stress: %d threads, %lu rounds, %lu affinity moves, %lu mask/unmask, "
		 "%lu signature reads in %.2f s", ncpu, rounds, moves, masks, reads, dt);
	tap_ok(err.n == 0, "every signature read answered by the function asked, every "
	       "debugfs command taken (%lu wrong%s%s)", err.n, err.n ? "; first: " : "", err.first);

	ms_wait_delivered(&vb, tfn, ntfn, ncpu);
	host_ok = !host_view_read(&vb, &host);
	if (!host_ok)
		tap_diag("cannot read %s/%04x/host_view", HV_VPCI_DEBUGFS, vb.domain);

	/* 1. storm: each interrupt once, at its own function */
	for (int k = 0; k < ntfn; k++) {
		const struct vfn *f = &vb.f[tfn[k]];
		const struct ms_thread *o = &th[k % ncpu];
		unsigned long raised = o->raised[k], per[MAX_CPUS];
		unsigned long sent = regs_get(f, "irq_sent0"), total = 0;
		char fate[240];

		irq_counts(f, 0, &total, per, ncpu);
		ms_host_fate(&host, f, fate, sizeof(fate));
		if (regs_get(f, "id") == 0xffffffffu)
			tap_diag("%s: BAR 0 reads all-ones: the device's own counts below are not "
				 "its", f->name);
		tap_ok(sent == raised && total == sent && !o->early[k],
		       "%s (owner cpu%d): raised %lu, device sent %lu, handler got %lu%s, "
		       "%lu never arrived (%lu not within %.1f s), %lu arrived while masked; "
		       "device held %lu pending (masked in it), wrote %lu outside the MSI window "
		       "(memory, not an interrupt); %s; %u journaled writes into its MSI "
		       "registers not under their own select",
		       f->name, k % ncpu, raised, sent, total,
		       total > sent ? " (more than sent: another function's interrupts)" : "",
		       raised > total ? raised - total : 0, o->late[k], MS_LATE_S, o->early[k],
		       regs_get(f, "msi_held"), regs_get(f, "msi_stray"),
		       fate, ms_misdirected_into(&host, f));
	}

	/* 2. each function holds its own message, unmasked */
	for (int k = 0; k < ntfn; k++) {
		const struct vfn *f = &vb.f[tfn[k]];
		struct ms_msi m = { 0 };
		char whose[96] = "", last[200] = "";
		bool ok = !ms_read_msi(f, &m);

		if (ok && (m.data != m.k_data || m.lo != m.k_lo || m.hi != m.k_hi)) {
			ok = false;
			for (int j = 0; j < ntfn; j++) {
				struct ms_msi o;

				if (j != k && !ms_read_msi(&vb.f[tfn[j]], &o) && o.k_data == m.data &&
				    o.k_lo == m.lo)
					snprintf(whose, sizeof(whose), " (%s's message)",
						 vb.f[tfn[j]].name);
			}
		}
		if (regs_get(f, "id") == 0xffffffffu) {
			ok = false;
			snprintf(last, sizeof(last), "unreachable: its BAR 0 reads all-ones (its "
				 "BAR or command register was overwritten)");
		} else if (!ok) {
			ms_last_write(&host, f, 0xc, "data", last, sizeof(last));
		} else if ((m.mask & 1) && m.k_masked != 1) {
			ok = false;
			ms_last_write(&host, f, 0x10, "mask", last, sizeof(last));
			snprintf(last + strlen(last), sizeof(last) - strlen(last), "; masked in the "
				 "device, not in the kernel: its interrupts are held pending for good");
		} else if (!(m.mask & 1) != (m.k_masked != 1) || !(m.flags & 1)) {
			ok = false;
			ms_last_write(&host, f, 0x2, "control", last, sizeof(last));
		}
		tap_ok(ok, "%s: device holds address %#x:%#x data %#x%s, mask %#x, enable %u; the "
		       "kernel wrote %#x:%#x data %#x, masked %d%s%s", f->name, m.hi, m.lo, m.data,
		       whose, m.mask, m.flags & 1, m.k_hi, m.k_lo, m.k_data, m.k_masked,
		       ok ? "" : "; ", last);
	}

	/* 3. settled: function k on CPU k % ncpu, its interrupt arrives there */
	for (int k = 0; k < ntfn; k++) {
		const struct vfn *f = &vb.f[tfn[k]];
		int cpu = k % ncpu, eff = -1, carriers;
		unsigned long before[MAX_CPUS] = { 0 }, after[MAX_CPUS] = { 0 };
		unsigned long tb = 0, ta = 0, others0 = 0, others1 = 0;
		const struct host_msi *hm;
		unsigned int kvec;
		int apic;
		bool ok, hv_ok, host_there;
		char cmd[16], by[80] = "";
		double tw, t_settle, settle_ms;

		snprintf(cmd, sizeof(cmd), "0 %d", cpu);
		/*
		 * x86 moves the interrupt from its next handler, and refuses
		 * the move (EBUSY, left pending) until the old CPU has freed
		 * the vector of the previous move: that takes the cleanup
		 * IPI, as long as that vCPU takes to run.  So carriers, paced,
		 * until the move shows, for MS_SETTLE_S at most; the
		 * effective CPU is read after each carrier's handler ended.
		 */
		t_settle = uptime_s();
		for (carriers = 0;;) {
			debugfs_write(f, "affinity", cmd);
			irq_counts(f, 0, &tb, before, ncpu);
			debugfs_write(f, "raise", "0");
			carriers++;
			tw = uptime_s();
			while (!irq_counts(f, 0, &ta, after, ncpu) && ta <= tb &&
			       uptime_s() - tw < MS_WAIT_S)
				usleep(1000);
			if (ta <= tb)
				break;		/* it does not arrive at all */
			ms_sync(f);
			eff = effective_cpu(f, 0);
			if (eff == cpu || uptime_s() - t_settle > MS_SETTLE_S)
				break;
			usleep(1000);
		}
		settle_ms = (uptime_s() - t_settle) * 1000;
		for (int j = 0; j < ntfn; j++) {
			unsigned long t = 0, p[MAX_CPUS];

			if (j != k && !irq_counts(&vb.f[tfn[j]], 0, &t, p, ncpu))
				others0 += t;
		}
		irq_counts(f, 0, &tb, before, ncpu);
		ta = tb;
		for (int r = 0; r < MS_SETTLED; r++) {
			unsigned long last = ta;

			/*
			 * One at a time (back to back, edge interrupts
			 * coalesce), and each once the last one's handler has
			 * ended: one that arrives while another CPU is still
			 * in it is run there, not where it arrived.
			 */
			ms_sync(f);
			debugfs_write(f, "raise", "0");
			tw = uptime_s();
			while (!irq_counts(f, 0, &ta, after, ncpu) && ta <= last &&
			       uptime_s() - tw < MS_WAIT_S)
				usleep(1000);
			if (ta <= last)
				break;
		}
		usleep(2000);	/* a duplicate would show by now */
		ms_sync(f);
		irq_counts(f, 0, &ta, after, ncpu);
		for (int j = 0; j < ntfn; j++) {
			unsigned long t = 0, p[MAX_CPUS];

			if (j != k && !irq_counts(&vb.f[tfn[j]], 0, &t, p, ncpu))
				others1 += t;
		}
		ms_kernel_vector(f, &kvec, &apic);
		hv_ok = !host_view_read(&vb, &settled);
		hm = &settled.msi[devfn_of(f)];
		/* where the host sent the last one: the retarget reached it */
		host_there = hv_ok && hm->last_vp == cpu && hm->last_vector == kvec;
		ok = eff == cpu && ta - tb == MS_SETTLED &&
		     after[cpu] - before[cpu] == MS_SETTLED && others1 == others0 && host_there;
		for (int c = 0; c < ncpu; c++)
			snprintf(by + strlen(by), sizeof(by) - strlen(by), " cpu%d:%lu", c,
				 after[c] - before[c]);
		tap_ok(ok, "%s settled on cpu%d (effective cpu%d after %d carrier interrupts, "
		       "%.0f ms): %d raised, %lu arrived, %lu on cpu%d, %lu at other functions; "
		       "by CPU%s; the kernel has it on IDT vector %#x, APIC ID %d; hv-vpci "
		       "delivered the last to vector %#x on VP %d (remap handle %d)%s", f->name, cpu,
		       eff, carriers, settle_ms, MS_SETTLED, ta - tb, after[cpu] - before[cpu], cpu,
		       others1 - others0, by, kvec, apic, hv_ok ? hm->last_vector : 0,
		       hv_ok ? hm->last_vp : -1, hv_ok ? hm->last_handle : -1,
		       !hv_ok ? " (host view unreadable)" :
		       host_there ? "" : ": not where the kernel has it, the host was never told "
					 "of the move");
		if (!ok)
			ktrace_dump(ms_irq_of(f), f->name);
	}

	ktrace_summary();

	/* 4. what the window itself saw */
	tap_ok(host_ok && host.misdirected == 0, "every config write reached the device after "
	       "its own vCPU's slot select and under it (hv-vpci counted %lu that did not)",
	       host.misdirected);
	cfg_close_all(&vb);
}
