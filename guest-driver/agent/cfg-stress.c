/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cfg-stress: one thread per CPU reads signatures, writes and reads back
 * its own scratch dword of every test function in turn (dword, byte and
 * word accesses) through the config window; then each function's counters
 * and journal must hold exactly our writes.  docs/scenarios.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "vbus.h"
#include "vpci-testfn-regs.h"

#define STRESS_ITERS	2000

struct stress {
	struct worker w;
	unsigned long writes[MAX_FNS];	/* config writes this thread made per vb index */
	unsigned long reads;
};

/* Thread t owns scratch dword t % 16 of every function: value t|fn|iter. */
static uint32_t stress_value(int t, unsigned int fn, int i)
{
	return (uint32_t)t << 24 | fn << 20 | ((unsigned int)i & 0xfffff);
}

static void *stress_thread(void *arg)
{
	struct stress *st = arg;
	struct worker *w = &st->w;
	unsigned int mine = VPCI_TESTFN_CFG_SCRATCH_BASE + 4 * ((unsigned int)w->cpu % 16);

	worker_pin(w);
	for (int i = 0; i < STRESS_ITERS; i++) {
		/* a different function each round, starting from our own */
		int k = w->tfn[(w->cpu + i) % w->ntfn];
		struct vfn *f = &w->vb->f[k];
		int fd = f->cfg_fd;
		unsigned int sig_off = worker_sig_off(w);
		uint32_t v = 0, want = stress_value(w->cpu, f->fn, i);

		if (cfg_read(fd, sig_off, 4, &v) || v != VPCI_TESTFN_SIG(f->fn, sig_off))
			err_note(&w->err, "%s sig @%#x read %#x want %#x", f->name, sig_off, v,
				 VPCI_TESTFN_SIG(f->fn, sig_off));
		st->reads++;
		if (cfg_write(fd, mine, 4, want))
			err_note(&w->err, "%s write @%#x failed", f->name, mine);
		st->writes[k]++;
		if (cfg_read(fd, mine, 4, &v) || v != want)
			err_note(&w->err, "%s scratch @%#x read %#x want %#x", f->name, mine, v, want);
		st->reads++;
		if (i % 8 == 7) {
			/* sub-dword accesses: a byte write, a word read */
			uint32_t b = (want >> 8) ^ 0x5a, word = 0;

			if (cfg_write(fd, mine + 1, 1, b & 0xff))
				err_note(&w->err, "%s byte write failed", f->name);
			st->writes[k]++;
			want = (want & ~0xff00u) | (b & 0xff) << 8;
			if (cfg_read(fd, mine, 2, &word) || word != (want & 0xffff))
				err_note(&w->err, "%s scratch word @%#x read %#x want %#x", f->name,
					 mine, word, want & 0xffff);
			st->reads++;
		}
		/* the identity of the function, 2 bytes at a time */
		if (cfg_read(fd, 2, 2, &v) || v != f->device)
			err_note(&w->err, "%s device id read %#x", f->name, v);
		st->reads++;
	}
	return NULL;
}

/* Every journal entry the device kept must be one of our scratch writes to
 * this very function. */
static bool check_journal(const struct vfn *f, int nthreads, char *why, size_t size)
{
	static struct tfn_journal j;
	struct tfn_journal_entry e;
	int n = 0;

	if (tfn_journal_open(&j, f)) {
		snprintf(why, size, "cannot read %.150s", j.path);
		return false;
	}
	while (tfn_journal_next(&j, &e)) {
		n++;
		if (e.off < VPCI_TESTFN_CFG_SCRATCH_BASE ||
		    e.off >= VPCI_TESTFN_CFG_SCRATCH_BASE + 4 * (unsigned int)(nthreads > 16 ? 16 : nthreads)) {
			snprintf(why, size, "entry %u: write to %#x, not a scratch dword we used",
				 e.idx, e.off);
			return false;
		}
		if (e.size == 4 && (((e.value >> 20) & 0xf) != f->fn ||
				    (e.value >> 24) != (e.off - VPCI_TESTFN_CFG_SCRATCH_BASE) / 4 % 16)) {
			snprintf(why, size, "entry %u: value %#x at %#x was meant for another "
				 "function or thread", e.idx, e.value, e.off);
			return false;
		}
	}
	snprintf(why, size, "%d entries checked", n);
	return true;
}

void scenario_cfg_stress(struct agent *a)
{
	static struct vbus vb;
	static struct stress st[MAX_CPUS];
	int ncpu = online_cpus(a), ntfn, tfn[MAX_FNS];
	struct worker tmpl = {
		.vb = &vb, .tfn = tfn, .ncpu = ncpu, .seed = a->seed ^ 0x9e3779b97f4a7c15ul,
	};
	double t0;

	if (!vbus_get(&vb))
		return;
	ntfn = testfn_list(&vb, tfn);
	if (!tap_ok(ntfn > 0, "%d test functions to stress", ntfn))
		return;
	for (int k = 0; k < ntfn; k++) {
		struct vfn *f = &vb.f[tfn[k]];

		if (cfg_open(f) < 0 || debugfs_write(f, "reset", "1")) {
			tap_ok(false, "%s: open config / reset counters", f->name);
			return;
		}
	}

	t0 = uptime_s();
	tmpl.ntfn = ntfn;
	if (workers_run(&tmpl, 7919, st, sizeof(st[0]), stress_thread))
		return;

	{
		unsigned long reads = 0, writes = 0;
		struct err_log err = { 0 };
		double dt = uptime_s() - t0;

		for (int c = 0; c < ncpu; c++) {
			reads += st[c].reads;
			err_merge(&err, &st[c].w.err);
			for (int i = 0; i < vb.n; i++)
				writes += st[c].writes[i];
		}
		tap_diag("%d threads, %lu reads, %lu writes in %.2f s (%.0f accesses/s)",
			 ncpu, reads, writes, dt, (double)(reads + writes) / (dt > 0 ? dt : 1));
		tap_ok(err.n == 0, "every signature, scratch and ID read as expected "
		       "(%lu wrong%s%s)", err.n, err.n ? "; first: " : "", err.first);
	}

	for (int k = 0; k < ntfn; k++) {
		struct vfn *f = &vb.f[tfn[k]];
		unsigned long mine = 0, dev = regs_get(f, "cfg_writes");
		unsigned long jc = regs_get(f, "journal_count");
		char why[200];
		bool jok;

		for (int c = 0; c < ncpu; c++)
			mine += st[c].writes[tfn[k]];
		jok = check_journal(f, ncpu, why, sizeof(why));
		tap_ok(dev == mine && jc == mine && jok,
		       "%s: device counted %lu config writes (journal %lu), we made %lu; journal: %s",
		       f->name, dev, jc, mine, why);
	}
	cfg_close_all(&vb);
}
