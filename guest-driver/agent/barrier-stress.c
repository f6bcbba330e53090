/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * barrier-stress: config traffic that turns every missing barrier of the
 * config window into a wrong value or a misdirected write.
 * docs/scenarios.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "vbus.h"
#include "vpci-testfn-regs.h"


/*
 * Config traffic built so that every barrier site the ordering model
 * requires shows up as a wrong value or a misdirected write when it is
 * missing.  One thread per CPU; every test function has one owner thread.
 * Each round a thread reads a signature dword and the identity tag of two
 * random functions (so the window's select moves between almost every
 * access), writes its next value into the scratch dword of one of its
 * own functions and reads it back.  A read served for another function
 * returns another signature or tag; a write that lands on another
 * function shows in that function's journal and counters, and is missing
 * from its owner's.
 */
#define BS_SECONDS	2.0	/* guest time per thread at most */
#define BS_MAX_ROUNDS	3000
#define BS_MIN_ROUNDS	50
#define BS_VALUE_OFF	VPCI_TESTFN_CFG_SCRATCH_BASE		/* owner's value */
#define BS_TAG_OFF	(VPCI_TESTFN_CFG_SCRATCH_BASE + 0x3c)	/* identity tag */

/* value: owner CPU, function index, round; never 0 */
static uint32_t bs_value(int cpu, int k, int round)
{
	return 0x80000000u | (uint32_t)(cpu & 0x7f) << 24 | (uint32_t)(k & 0xff) << 16 |
	       ((uint32_t)round & 0xffff);
}

static uint32_t bs_tag(const struct vfn *f)
{
	return 0x7a000000u | f->slot << 8 | f->fn;
}

struct bs_thread {
	struct worker w;
	unsigned long rounds, reads;
	unsigned long writes[MAX_FNS];	/* by test function index */
	uint32_t last[MAX_FNS];		/* last value written, by test function index */
};

static void bs_check_read(struct bs_thread *t, const struct vfn *f, unsigned int off,
			  uint32_t want, const char *what)
{
	uint32_t v = 0;

	t->reads++;
	if (cfg_read(f->cfg_fd, off, 4, &v))
		err_note(&t->w.err, "cpu%d: %s %s @%#x: read failed", t->w.cpu, f->name, what,
			 off);
	else if (v != want)
		err_note(&t->w.err, "cpu%d round %lu: %s %s @%#x read %#x, want %#x", t->w.cpu,
			 t->rounds, f->name, what, off, v, want);
}

static void *bs_run(void *arg)
{
	struct bs_thread *t = arg;
	struct worker *w = &t->w;
	int own[MAX_FNS], nown = worker_owned(w, own);
	double t0;

	worker_pin(w);
	t0 = uptime_s();
	for (int i = 0; i < BS_MAX_ROUNDS; i++) {
		const struct vfn *x = worker_pick(w);
		const struct vfn *y = worker_pick(w);
		unsigned int sig = worker_sig_off(w);
		int k = nown ? own[i % nown] : -1;

		if (i >= BS_MIN_ROUNDS && (i & 15) == 0 && uptime_s() - t0 > BS_SECONDS)
			break;
		t->rounds = (unsigned long)i;
		bs_check_read(t, x, sig, VPCI_TESTFN_SIG(x->fn, sig), "signature");
		if (k >= 0) {
			const struct vfn *o = &w->vb->f[w->tfn[k]];
			uint32_t v = bs_value(w->cpu, k, i);

			if (cfg_write(o->cfg_fd, BS_VALUE_OFF, 4, v))
				err_note(&w->err, "cpu%d: %s scratch write failed", w->cpu, o->name);
			t->writes[k]++;
			t->last[k] = v;
			bs_check_read(t, y, BS_TAG_OFF, bs_tag(y), "tag");
			bs_check_read(t, o, BS_VALUE_OFF, v, "own scratch");
		} else {
			bs_check_read(t, y, BS_TAG_OFF, bs_tag(y), "tag");
		}
	}
	t->rounds++;
	return NULL;
}

/* Every journal entry of test function @k: a dword write of its owner's
 * value to the value dword, rounds increasing. */
static bool bs_journal(const struct vfn *f, int k, int owner, char *why, size_t size)
{
	static struct tfn_journal j;
	struct tfn_journal_entry e;
	unsigned int prev = 0;
	int n = 0;

	if (tfn_journal_open(&j, f)) {
		snprintf(why, size, "cannot read its journal");
		return false;
	}
	while (tfn_journal_next(&j, &e)) {
		if (e.off != BS_VALUE_OFF || e.size != 4 ||
		    e.value >> 16 != bs_value(owner, k, 0) >> 16) {
			snprintf(why, size, "entry %u: %u bytes %#x at %#x: not a write of %s's owner "
				 "(cpu%d) to it%s", e.idx, e.size, e.value, e.off, f->name, owner,
				 (e.value & 0x80000000u) ? " (misdirected: meant for another function)" : "");
			return false;
		}
		if (n++ && (e.value & 0xffff) <= prev) {
			snprintf(why, size, "entry %u: round %u after round %u", e.idx,
				 e.value & 0xffff, prev);
			return false;
		}
		prev = e.value & 0xffff;
	}
	snprintf(why, size, "%d entries, all its owner's, in order", n);
	return true;
}

void scenario_barrier_stress(struct agent *a)
{
	static struct vbus vb;
	static struct bs_thread th[MAX_CPUS];
	int ncpu = online_cpus(a), ntfn, tfn[MAX_FNS];
	struct worker tmpl = {
		.vb = &vb, .tfn = tfn, .ncpu = ncpu, .seed = a->seed ^ 0x5851f42d4c957f2dul,
	};
	unsigned long reads = 0, writes = 0, rounds = 0;
	struct err_log err = { 0 };
	char fences[128] = "", first_bad[160] = "";
	double t0, dt;
	bool setup = true;
	int bad = 0;

	if (!vbus_get(&vb))
		return;
	read_file("/sys/module/hv_vpci/parameters/fences", fences, sizeof(fences));
	ntfn = testfn_list(&vb, tfn);
	if (!tap_ok(ntfn >= 2, "%d test functions (at least 2), %d CPUs, hv_vpci fences=%s",
		    ntfn, ncpu, fences))
		return;

	/* identity tags, then clean counters: the journals hold only the run */
	for (int k = 0; k < ntfn; k++) {
		struct vfn *f = &vb.f[tfn[k]];

		setup = setup && cfg_open(f) >= 0 &&
			!cfg_write(f->cfg_fd, BS_TAG_OFF, 4, bs_tag(f)) &&
			!cfg_write(f->cfg_fd, BS_VALUE_OFF, 4, 0);
	}
	/* read back: also makes the window model apply every drained store
	 * before the counters are cleared through the function's BAR */
	for (int k = 0; k < ntfn; k++) {
		struct vfn *f = &vb.f[tfn[k]];
		uint32_t tag = 0, val = 1;

		if (setup && (cfg_read(f->cfg_fd, BS_TAG_OFF, 4, &tag) ||
			      cfg_read(f->cfg_fd, BS_VALUE_OFF, 4, &val) ||
			      tag != bs_tag(f) || val != 0) && !bad++)
			snprintf(first_bad, sizeof(first_bad), "; %s read back tag %#x (want %#x), "
				 "scratch %#x (want 0)", f->name, tag, bs_tag(f), val);
	}
	for (int k = 0; k < ntfn; k++)
		setup = setup && !debugfs_write(&vb.f[tfn[k]], "reset", "1");
	tap_ok(setup && !bad, "identity tags written and read back, device counters reset%s",
	       first_bad);
	if (!setup)
		return;

	t0 = uptime_s();
	tmpl.ntfn = ntfn;
	if (workers_run(&tmpl, 104729, th, sizeof(th[0]), bs_run))
		return;
	dt = uptime_s() - t0;

	for (int c = 0; c < ncpu; c++) {
		rounds += th[c].rounds;
		reads += th[c].reads;
		err_merge(&err, &th[c].w.err);
		for (int k = 0; k < ntfn; k++)
			writes += th[c].writes[k];
	}
	tap_diag("barrier-stress: %d threads, %lu rounds, %lu reads, %lu writes in %.2f s "
		 "(%.0f accesses/s)", ncpu, rounds, reads, writes, dt,
		 (double)(reads + writes) / (dt > 0 ? dt : 1));
	tap_ok(err.n == 0, "every signature, tag and own-scratch read answered by the function "
	       "asked (%lu wrong%s%s)", err.n, err.n ? "; first: " : "", err.first);

	for (int k = 0; k < ntfn; k++) {
		struct vfn *f = &vb.f[tfn[k]];
		int owner = k % ncpu;
		unsigned long made = th[owner].writes[k];
		unsigned long dev = regs_get(f, "cfg_writes"), jc = regs_get(f, "journal_count");
		uint32_t val = 0, tag = 0, want = made ? th[owner].last[k] : 0;
		char why[240];
		bool jok = bs_journal(f, k, owner, why, sizeof(why));
		bool rok = !cfg_read(f->cfg_fd, BS_VALUE_OFF, 4, &val) &&
			   !cfg_read(f->cfg_fd, BS_TAG_OFF, 4, &tag);

		tap_ok(rok && val == want && tag == bs_tag(f) && dev == made && jc == made && jok,
		       "%s (owner cpu%d): scratch %#x (want %#x), tag %#x (want %#x); device counted "
		       "%lu config writes, journal %lu, owner made %lu; journal: %s", f->name, owner,
		       val, want, tag, bs_tag(f), dev, jc, made, why);
	}
	cfg_close_all(&vb);
}
