/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vpci-agent: the hv-vpci bus as the guest sees it, and the helpers the
 * bus scenarios share: vbus.c (sysfs bus scan, config access, vpci_testfn's
 * and hv_vpci's debugfs files) and workers.c (one thread per CPU, the first
 * error each one met).
 */
#ifndef VPCI_AGENT_VBUS_H
#define VPCI_AGENT_VBUS_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent.h"

#define PCI_DEVICES	"/sys/bus/pci/devices"
#define TESTFN_DEBUGFS	"/sys/kernel/debug/vpci_testfn"
#define HV_VPCI_DEBUGFS	"/sys/kernel/debug/hv_vpci"
#define MAX_FNS		64
#define MAX_CPUS	64

struct vfn {
	char name[32];		/* DDDD:BB:SS.F */
	unsigned int slot, fn;
	unsigned int vendor, device, subvendor, subdevice, class, rev;
	char driver[32];
	unsigned long long bar_start[6], bar_end[6], bar_flags[6];
	int cfg_fd;
};

struct vbus {
	char parent[32];	/* the hv-vpci function, 0000:BB:SS.F */
	unsigned int domain;
	unsigned long long ap_start, ap_end;	/* its BAR 2 */
	int n;
	struct vfn f[MAX_FNS];
};

/* Scan sysfs for the hv-vpci function and the functions below it; 0 or -1. */
int vbus_scan(struct vbus *vb);
/* vbus_scan() as a TAP test point. */
bool vbus_get(struct vbus *vb);
bool is_testfn(const struct vfn *f);
/* The indexes in @vb of its test functions into @tfn (MAX_FNS); how many. */
int testfn_list(const struct vbus *vb, int *tfn);
/* The driver PCI function @bdf is bound to, "-" if none. */
void pci_driver(const char *bdf, char *out, size_t size);
/* Config space through the sysfs file: pread/pwrite -> pci_ops. */
int cfg_open(struct vfn *f);
void cfg_close_all(struct vbus *vb);
int cfg_read(int fd, unsigned int off, unsigned int size, uint32_t *val);
int cfg_write(int fd, unsigned int off, unsigned int size, uint32_t val);
/* vpci_testfn's debugfs files of @f. */
void debugfs_dir(const struct vfn *f, char *out, size_t size);
int debugfs_write(const struct vfn *f, const char *file, const char *val);
unsigned long regs_get(const struct vfn *f, const char *name);
int irq_counts(const struct vfn *f, unsigned int vector, unsigned long *total,
	       unsigned long *per, int ncpu);
int effective_cpu(const struct vfn *f, unsigned int vector);
/* @f's interrupt mode ("msi" or "msix", into @mode unless NULL) and number
 * of vectors, from the head of its irq_counts file; -1 if unreadable. */
int testfn_irq_mode(const struct vfn *f, char *mode, size_t size);
int online_cpus(const struct agent *a);

/*
 * vpci_testfn's journal of the config writes it received, one entry a
 * line.  tfn_journal_open() reads it whole (0, or -1 with j->path naming
 * the file), tfn_journal_next() hands out the entries oldest first.
 */
struct tfn_journal_entry {
	unsigned int idx, off, size, value;
};

struct tfn_journal {
	char path[PATH_MAX];
	char buf[8192];
	char *save;		/* strtok_r's, NULL before the first entry */
};

int tfn_journal_open(struct tfn_journal *j, const struct vfn *f);
bool tfn_journal_next(struct tfn_journal *j, struct tfn_journal_entry *e);

/* hv_vpci's host_view file: the device's own account (docs/hv-vpci.md). */
struct host_msi {
	unsigned long delivered, stale, foreign, unmatched;
	unsigned int bad_data, bad_owner;
	unsigned int last_vector;	/* last delivery; last_vp -1: none */
	int last_vp, last_handle;
};

struct host_journal {			/* a window write into an MSI capability */
	unsigned int seq, devfn, off, size, value;
	int vcpu, select_vcpu, overtakes;
};

struct host_view {
	unsigned long misdirected;
	struct host_msi msi[256];	/* by child devfn */
	int njournal;
	struct host_journal journal[128];	/* oldest first */
};

int host_view_read(const struct vbus *vb, struct host_view *h);
static inline unsigned int devfn_of(const struct vfn *f)
{
	return f->slot << 3 | f->fn;
}

/* --- workers.c ------------------------------------------------------------ */
unsigned long xorshift(unsigned long *s);
/* Starts @n threads, thread i running @fn on (char *)@args + i * @stride.
 * If one cannot start: a TAP failure, the others joined, -1. */
int start_threads(pthread_t *tid, int n, void *(*fn)(void *), void *args, size_t stride);
void join_threads(pthread_t *tid, int n);

/* How many errors a thread met, and the first one's words. */
struct err_log {
	unsigned long n;
	char first[200];
};

void err_note(struct err_log *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adds @e's count to @sum; @sum keeps the first error of the first that had one. */
void err_merge(struct err_log *sum, const struct err_log *e);

/* What every per-CPU stress thread starts with: the first member of its state. */
struct worker {
	struct vbus *vb;
	const int *tfn;		/* vb indexes of the test functions */
	int ntfn;
	int cpu, ncpu;
	unsigned long seed;
	struct err_log err;
};

/* In a worker: pin to its CPU (an error if the kernel refuses); the test
 * functions it owns (indexes into tfn: cpu, cpu + ncpu, ...) into @own, how
 * many; a random test function; a random offset in the signature area. */
void worker_pin(struct worker *w);
int worker_owned(const struct worker *w, int *own);
struct vfn *worker_pick(struct worker *w);
unsigned int worker_sig_off(struct worker *w);

/*
 * One thread per CPU (@tmpl->ncpu) running @fn on its state: the states
 * are @stride bytes apart from @th, each zeroed and given @tmpl with its
 * own cpu and the seed @tmpl->seed + cpu * @seed_step + 1.  Returns when
 * every thread has ended: 0, or -1 (a TAP failure) if one could not start.
 */
int workers_run(const struct worker *tmpl, unsigned long seed_step, void *th, size_t stride,
		void *(*fn)(void *));

#endif
