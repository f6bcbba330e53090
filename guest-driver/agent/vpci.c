/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scenarios on the hv-vpci bus: enum, cfg-stress, irq, passthrough, hotplug,
 * barrier-stress, ordering-probe.
 *
 * Everything goes through the kernel's own interfaces: sysfs config files
 * (pread/pwrite -> pci_ops -> hv_vpci's window), vpci_testfn's debugfs,
 * /dev/hwrng and /dev/vda.  What each proves and how it fails:
 * docs/scenarios.md.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "vbus.h"
#include "vpci-testfn-regs.h"

#define PCI_DEVICES	"/sys/bus/pci/devices"
#define HV_VPCI_VENDOR	0x1234
#define HV_VPCI_DEVICE	0x5650

static unsigned int read_hex(const char *dir, const char *name)
{
	char path[PATH_MAX], buf[64];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return ~0u;
	return (unsigned int)strtoul(buf, NULL, 16);
}

static void read_resources(const char *dir, unsigned long long *start,
			   unsigned long long *end, unsigned long long *flags)
{
	char path[PATH_MAX], buf[2048], *line, *save = NULL;
	int i = 0;

	snprintf(path, sizeof(path), "%s/resource", dir);
	memset(start, 0, 6 * sizeof(*start));
	memset(end, 0, 6 * sizeof(*end));
	memset(flags, 0, 6 * sizeof(*flags));
	if (read_file(path, buf, sizeof(buf)) < 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line && i < 6;
	     line = strtok_r(NULL, "\n", &save), i++)
		sscanf(line, "%llx %llx %llx", &start[i], &end[i], &flags[i]);
}

static void read_driver(const char *dir, char *out, size_t size)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/driver", dir);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		snprintf(out, size, "-");
		return;
	}
	link[n] = '\0';
	snprintf(out, size, "%s", strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
}

static int cmp_fn(const void *a, const void *b)
{
	return strcmp(((const struct vfn *)a)->name, ((const struct vfn *)b)->name);
}

/*
 * The first hv-vpci function and every function of its root bus (the
 * "pciDDDD:00" directory below it).  Returns 0, or -1 if no bus.
 */
int vbus_scan(struct vbus *vb)
{
	DIR *d = opendir(PCI_DEVICES);
	struct dirent *e;
	char dir[PATH_MAX];
	unsigned long long s[6], en[6], fl[6];

	memset(vb, 0, sizeof(*vb));
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), PCI_DEVICES "/%s", e->d_name);
		if (read_hex(dir, "vendor") == HV_VPCI_VENDOR &&
		    read_hex(dir, "device") == HV_VPCI_DEVICE && !vb->parent[0]) {
			snprintf(vb->parent, sizeof(vb->parent), "%s", e->d_name);
			read_resources(dir, s, en, fl);
			vb->ap_start = s[2];
			vb->ap_end = en[2];
		}
	}
	closedir(d);
	if (!vb->parent[0])
		return -1;

	/* The root bus hangs below the hv-vpci function: pciDDDD:BB. */
	snprintf(dir, sizeof(dir), PCI_DEVICES "/%s", vb->parent);
	d = opendir(dir);
	if (!d)
		return -1;
	vb->domain = ~0u;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "pci", 3) && strchr(e->d_name, ':'))
			vb->domain = (unsigned int)strtoul(e->d_name + 3, NULL, 16);
	closedir(d);
	if (vb->domain == ~0u)
		return -1;

	d = opendir(PCI_DEVICES);
	while (d && (e = readdir(d)) && vb->n < MAX_FNS) {
		struct vfn *f = &vb->f[vb->n];
		unsigned int dom, bus;

		if (sscanf(e->d_name, "%x:%x:%x.%x", &dom, &bus, &f->slot, &f->fn) != 4 ||
		    dom != vb->domain)
			continue;
		snprintf(f->name, sizeof(f->name), "%s", e->d_name);
		snprintf(dir, sizeof(dir), PCI_DEVICES "/%s", e->d_name);
		f->vendor = read_hex(dir, "vendor");
		f->device = read_hex(dir, "device");
		f->subvendor = read_hex(dir, "subsystem_vendor");
		f->subdevice = read_hex(dir, "subsystem_device");
		f->class = read_hex(dir, "class");
		f->rev = read_hex(dir, "revision");
		read_driver(dir, f->driver, sizeof(f->driver));
		read_resources(dir, f->bar_start, f->bar_end, f->bar_flags);
		f->cfg_fd = -1;
		vb->n++;
	}
	if (d)
		closedir(d);
	qsort(vb->f, (size_t)vb->n, sizeof(vb->f[0]), cmp_fn);
	return 0;
}

bool is_testfn(const struct vfn *f)
{
	return f->vendor == VPCI_TESTFN_VENDOR_ID && f->device == VPCI_TESTFN_DEVICE_ID;
}

int cfg_open(struct vfn *f)
{
	char path[PATH_MAX];

	if (f->cfg_fd >= 0)
		return f->cfg_fd;
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/config", f->name);
	f->cfg_fd = open(path, O_RDWR | O_CLOEXEC);
	return f->cfg_fd;
}

void cfg_close_all(struct vbus *vb)
{
	for (int i = 0; i < vb->n; i++)
		if (vb->f[i].cfg_fd >= 0) {
			close(vb->f[i].cfg_fd);
			vb->f[i].cfg_fd = -1;
		}
}

/* One config access of @size bytes through the sysfs file; -1 on error. */
int cfg_read(int fd, unsigned int off, unsigned int size, uint32_t *val)
{
	uint32_t v = 0;

	if (pread(fd, &v, size, off) != (ssize_t)size)
		return -1;
	*val = v;
	return 0;
}

int cfg_write(int fd, unsigned int off, unsigned int size, uint32_t val)
{
	return pwrite(fd, &val, size, off) == (ssize_t)size ? 0 : -1;
}

bool vbus_get(struct vbus *vb)
{
	if (vbus_scan(vb)) {
		tap_ok(false, "hv-vpci bus present (no hv-vpci function or no root bus below it)");
		return false;
	}
	return tap_ok(vb->n > 0, "hv-vpci %s: domain %04x, aperture %#llx-%#llx, %d functions",
		      vb->parent, vb->domain, vb->ap_start, vb->ap_end, vb->n);
}

static void debugfs_dir(const struct vfn *f, char *out, size_t size)
{
	snprintf(out, size, TESTFN_DEBUGFS "/%s", f->name);
}

int debugfs_write(const struct vfn *f, const char *file, const char *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), TESTFN_DEBUGFS "/%s/%s", f->name, file);
	return write_file(path, val);
}

/* "name value" from the regs file; ~0 if absent. */
unsigned long regs_get(const struct vfn *f, const char *name)
{
	static char buf[2048];
	char path[PATH_MAX], *p;
	size_t len = strlen(name);

	snprintf(path, sizeof(path), TESTFN_DEBUGFS "/%s/regs", f->name);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return ~0ul;
	for (p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, name, len) && p[len] == ' ')
			return strtoul(p + len + 1, NULL, 0);
	return ~0ul;
}

int online_cpus(const struct agent *a)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (a->smp > 0 && a->smp < n)
		n = a->smp;
	return n > MAX_CPUS ? MAX_CPUS : (int)n;
}

/* ------------------------------------------------------------------ enum */

static bool bars_in_aperture(const struct vbus *vb, const struct vfn *f, char *why, size_t size)
{
	why[0] = '\0';
	for (int b = 0; b < 6; b++) {
		if (!f->bar_end[b] || !(f->bar_flags[b] & 0x200))	/* IORESOURCE_MEM */
			continue;
		if (f->bar_start[b] < vb->ap_start || f->bar_end[b] > vb->ap_end) {
			snprintf(why, size, "BAR %d %#llx-%#llx outside", b,
				 f->bar_start[b], f->bar_end[b]);
			return false;
		}
	}
	return true;
}

void scenario_enum(struct agent *a)
{
	static struct vbus vb;

	(void)a;
	if (!vbus_get(&vb))
		return;

	tap_diag("-[%04x:00]-+ (behind %s)", vb.domain, vb.parent);
	for (int i = 0; i < vb.n; i++) {
		struct vfn *f = &vb.f[i];
		char bars[256] = "";

		for (int b = 0; b < 6; b++)
			if (f->bar_end[b])
				snprintf(bars + strlen(bars), sizeof(bars) - strlen(bars),
					 " bar%d=%#llx+%#llx", b, f->bar_start[b],
					 f->bar_end[b] - f->bar_start[b] + 1);
		tap_diag("          %s-%02x.%x  [%04x:%04x] rev %02x class %06x [%s]%s",
			 i == vb.n - 1 ? "\\" : "+", f->slot, f->fn, f->vendor, f->device,
			 f->rev, f->class, f->driver, bars);
	}

	/* Machine-readable, compared by the harness with QMP query-pci. */
	tap_diag("pci-enum-begin");
	for (int i = 0; i < vb.n; i++) {
		struct vfn *f = &vb.f[i];

		tap_diag("pci-fn %02x.%x vendor=%04x device=%04x subvendor=%04x subdevice=%04x class=%06x",
			 f->slot, f->fn, f->vendor, f->device, f->subvendor, f->subdevice, f->class);
	}
	tap_diag("pci-enum-end %d", vb.n);

	for (int i = 0; i < vb.n; i++) {
		struct vfn *f = &vb.f[i];
		char why[128];
		uint32_t id = 0, sig = 0;
		int fd = cfg_open(f);
		bool ok = fd >= 0 && !cfg_read(fd, 0, 4, &id) &&
			  id == (f->vendor | f->device << 16);

		if (is_testfn(f)) {
			unsigned int fn = f->fn;
			unsigned int off = VPCI_TESTFN_CFG_SIG_BASE + 4 * (f->slot % 64);

			ok = ok && f->rev == fn &&
			     f->subvendor == VPCI_TESTFN_SUBSYS_VENDOR_ID &&
			     f->subdevice == VPCI_TESTFN_SUBSYS_ID(fn) &&
			     f->class == VPCI_TESTFN_CLASS &&
			     !cfg_read(fd, off, 4, &sig) && sig == VPCI_TESTFN_SIG(fn, off) &&
			     !strcmp(f->driver, "vpci_testfn");
			tap_ok(ok, "%s: testfn identity of function %u (rev %u, subsystem %04x:%04x, "
			       "class %06x, signature %#x, driver %s)", f->name, fn, f->rev,
			       f->subvendor, f->subdevice, f->class, sig, f->driver);
		} else {
			tap_ok(ok && f->vendor != 0xffff, "%s: %04x:%04x, config space agrees (%#x)",
			       f->name, f->vendor, f->device, id);
		}
		bool inside = bars_in_aperture(&vb, f, why, sizeof(why));

		tap_ok(inside, "%s: every memory BAR inside the aperture%s%s", f->name,
		       why[0] ? ": " : "", why);
	}
	cfg_close_all(&vb);
}

/* ------------------------------------------------------------ cfg-stress */

#define STRESS_ITERS	2000

struct stress {
	struct vbus *vb;
	int tfn[MAX_FNS];	/* indexes of the test functions in vb */
	int ntfn;
	int cpu;
	int ncpu;
	unsigned long seed;
	unsigned long writes[MAX_FNS];	/* config writes this thread made per vb index */
	unsigned long reads;
	unsigned long errors;
	char first_error[200];
	int fds[MAX_FNS];
};

static void stress_err(struct stress *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void stress_err(struct stress *st, const char *fmt, ...)
{
	va_list ap;

	if (!st->errors++) {
		va_start(ap, fmt);
		vsnprintf(st->first_error, sizeof(st->first_error), fmt, ap);
		va_end(ap);
	}
}

int host_view_read(const struct vbus *vb, struct host_view *h)
{
	char path[PATH_MAX], *line, *save = NULL;
	static __thread char buf[16384];

	memset(h, 0, sizeof(*h));
	for (int d = 0; d < 256; d++)
		h->msi[d].last_vp = h->msi[d].last_handle = -1;
	snprintf(path, sizeof(path), HV_VPCI_DEBUGFS "/%04x/host_view", vb->domain);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct host_journal *j = &h->journal[h->njournal];
		struct host_msi m;
		unsigned int devfn;
		char *p = strstr(line, "last_delivery ");

		if (sscanf(line, "misdirected %lu", &h->misdirected) == 1)
			continue;
		if (sscanf(line, "msi %x delivered %lu stale %lu foreign %lu unmatched %lu "
			   "last_bad_data %x last_bad_owner %x", &devfn, &m.delivered, &m.stale,
			   &m.foreign, &m.unmatched, &m.bad_data, &m.bad_owner) == 7 && devfn < 256) {
			if (!p || sscanf(p, "last_delivery %x %d %d", &m.last_vector, &m.last_vp,
					 &m.last_handle) != 3)
				m.last_vp = m.last_handle = -1;
			h->msi[devfn] = m;
		} else if (h->njournal < (int)(sizeof(h->journal) / sizeof(h->journal[0])) &&
			   sscanf(line, "journal %u %x %x %u %x %d %d %d", &j->seq, &j->devfn,
				  &j->off, &j->size, &j->value, &j->vcpu, &j->select_vcpu,
				  &j->overtakes) == 8) {
			h->njournal++;
		}
	}
	return 0;
}

int start_threads(pthread_t *tid, int n, void *(*fn)(void *), void *args, size_t stride)
{
	for (int i = 0; i < n; i++) {
		if (pthread_create(&tid[i], NULL, fn, (char *)args + (size_t)i * stride)) {
			tap_ok(false, "cannot start thread %d", i);
			join_threads(tid, i);
			return -1;
		}
	}
	return 0;
}

void join_threads(pthread_t *tid, int n)
{
	for (int i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
}

unsigned long xorshift(unsigned long *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Thread t owns scratch dword t % 16 of every function: value t|fn|iter. */
static uint32_t stress_value(int t, unsigned int fn, int i)
{
	return (uint32_t)t << 24 | fn << 20 | ((unsigned int)i & 0xfffff);
}

static void *stress_thread(void *arg)
{
	struct stress *st = arg;
	unsigned int mine = VPCI_TESTFN_CFG_SCRATCH_BASE + 4 * ((unsigned int)st->cpu % 16);

	if (!pin_to_cpu(st->cpu))
		stress_err(st, "cannot pin to cpu %d", st->cpu);
	for (int i = 0; i < STRESS_ITERS; i++) {
		/* a different function each round, starting from our own */
		int k = st->tfn[(st->cpu + i) % st->ntfn];
		struct vfn *f = &st->vb->f[k];
		int fd = st->fds[k];
		unsigned int sig_off = VPCI_TESTFN_CFG_SIG_BASE +
			4 * (unsigned int)(xorshift(&st->seed) % (VPCI_TESTFN_CFG_SIG_SIZE / 4));
		uint32_t v = 0, want = stress_value(st->cpu, f->fn, i);

		if (cfg_read(fd, sig_off, 4, &v) || v != VPCI_TESTFN_SIG(f->fn, sig_off))
			stress_err(st, "%s sig @%#x read %#x want %#x", f->name, sig_off, v,
				   VPCI_TESTFN_SIG(f->fn, sig_off));
		st->reads++;
		if (cfg_write(fd, mine, 4, want))
			stress_err(st, "%s write @%#x failed", f->name, mine);
		st->writes[k]++;
		if (cfg_read(fd, mine, 4, &v) || v != want)
			stress_err(st, "%s scratch @%#x read %#x want %#x", f->name, mine, v, want);
		st->reads++;
		if (i % 8 == 7) {
			/* sub-dword accesses: a byte write, a word read */
			uint32_t b = (want >> 8) ^ 0x5a, w = 0;

			if (cfg_write(fd, mine + 1, 1, b & 0xff))
				stress_err(st, "%s byte write failed", f->name);
			st->writes[k]++;
			want = (want & ~0xff00u) | (b & 0xff) << 8;
			if (cfg_read(fd, mine, 2, &w) || w != (want & 0xffff))
				stress_err(st, "%s scratch word @%#x read %#x want %#x", f->name,
					   mine, w, want & 0xffff);
			st->reads++;
		}
		/* the identity of the function, 2 bytes at a time */
		if (cfg_read(fd, 2, 2, &v) || v != f->device)
			stress_err(st, "%s device id read %#x", f->name, v);
		st->reads++;
	}
	return NULL;
}

/* Every journal entry the device kept must be one of our scratch writes to
 * this very function. */
static bool check_journal(const struct vfn *f, int nthreads, char *why, size_t size)
{
	static char buf[8192];
	char path[PATH_MAX], *line, *save = NULL;
	int n = 0;

	snprintf(path, sizeof(path), TESTFN_DEBUGFS "/%s/journal", f->name);
	if (read_file(path, buf, sizeof(buf)) < 0) {
		snprintf(why, size, "cannot read %s", path);
		return false;
	}
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned int idx, off, sz, val;

		if (sscanf(line, "%u %x %u %x", &idx, &off, &sz, &val) != 4)
			continue;
		n++;
		if (off < VPCI_TESTFN_CFG_SCRATCH_BASE ||
		    off >= VPCI_TESTFN_CFG_SCRATCH_BASE + 4 * (unsigned int)(nthreads > 16 ? 16 : nthreads)) {
			snprintf(why, size, "entry %u: write to %#x, not a scratch dword we used", idx, off);
			return false;
		}
		if (sz == 4 && (((val >> 20) & 0xf) != f->fn ||
				(val >> 24) != (off - VPCI_TESTFN_CFG_SCRATCH_BASE) / 4 % 16)) {
			snprintf(why, size, "entry %u: value %#x at %#x was meant for another "
				 "function or thread", idx, val, off);
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
	pthread_t th[MAX_CPUS];
	int ncpu = online_cpus(a), ntfn = 0, tfn[MAX_FNS];
	double t0;

	if (!vbus_get(&vb))
		return;
	for (int i = 0; i < vb.n; i++)
		if (is_testfn(&vb.f[i]))
			tfn[ntfn++] = i;
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
	for (int c = 0; c < ncpu; c++) {
		st[c].vb = &vb;
		memcpy(st[c].tfn, tfn, sizeof(tfn));
		st[c].ntfn = ntfn;
		st[c].cpu = c;
		st[c].ncpu = ncpu;
		st[c].seed = (a->seed ^ 0x9e3779b97f4a7c15ul) + (unsigned long)c * 7919 + 1;
		for (int i = 0; i < vb.n; i++)
			st[c].fds[i] = vb.f[i].cfg_fd;
	}
	if (start_threads(th, ncpu, stress_thread, st, sizeof(st[0])))
		return;
	join_threads(th, ncpu);

	{
		unsigned long reads = 0, writes = 0, errors = 0;
		const char *first = "";
		double dt = uptime_s() - t0;

		for (int c = 0; c < ncpu; c++) {
			reads += st[c].reads;
			errors += st[c].errors;
			for (int i = 0; i < vb.n; i++)
				writes += st[c].writes[i];
			if (st[c].errors && !*first)
				first = st[c].first_error;
		}
		tap_diag("%d threads, %lu reads, %lu writes in %.2f s (%.0f accesses/s)",
			 ncpu, reads, writes, dt, (double)(reads + writes) / (dt > 0 ? dt : 1));
		tap_ok(errors == 0, "every signature, scratch and ID read as expected "
		       "(%lu wrong%s%s)", errors, errors ? "; first: " : "", first);
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

/* ------------------------------------------------------------------- irq */

/* irq_counts line of @vector: total, and per-CPU counts in @per (ncpu). */
int irq_counts(const struct vfn *f, unsigned int vector, unsigned long *total,
		      unsigned long *per, int ncpu)
{
	char buf[4096];		/* not static: msi-stress threads call it at once */
	char path[PATH_MAX], *line, *save = NULL;

	snprintf(path, sizeof(path), TESTFN_DEBUGFS "/%s/irq_counts", f->name);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line, *end;
		unsigned long v;

		if (*line == '#')
			continue;
		v = strtoul(p, &end, 10);
		if (v != vector)
			continue;
		p = end;
		strtol(p, &end, 10);		/* irq */
		p = end;
		*total = strtoul(p, &end, 10);
		p = end;
		for (int c = 0; c < ncpu; c++) {
			per[c] = strtoul(p, &end, 10);
			p = end;
		}
		return 0;
	}
	return -1;
}

static int testfn_vectors(const struct vfn *f)
{
	char path[PATH_MAX], buf[256];
	unsigned int n;

	snprintf(path, sizeof(path), TESTFN_DEBUGFS "/%s/irq_counts", f->name);
	if (read_file(path, buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "# mode %*s vectors %u", &n) != 1)
		return -1;
	return (int)n;
}

int effective_cpu(const struct vfn *f, unsigned int vector)
{
	static char buf[1024];
	char path[PATH_MAX], *line, *save = NULL;

	snprintf(path, sizeof(path), TESTFN_DEBUGFS "/%s/affinity", f->name);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned int v;
		int irq, cpu;

		if (sscanf(line, "%u %d %d", &v, &irq, &cpu) == 3 && v == vector &&
		    !strchr(line + 1, '-') && !strchr(line, ','))
			return cpu;
	}
	return -1;
}

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
		int nvec = is_testfn(f) ? testfn_vectors(f) : 0;
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

/* ----------------------------------------------------------- passthrough */

static bool wait_path(const char *path, unsigned int type, double seconds)
{
	double t0 = uptime_s();

	while (!path_is(path, type)) {
		if (uptime_s() - t0 > seconds)
			return false;
		usleep(20000);
	}
	return true;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* Is the device behind sysfs @dev (a class/bus link) on the vPCI domain? */
static bool behind_vpci(const struct vbus *vb, const char *dev, char *where, size_t size)
{
	char real[PATH_MAX], needle[16];

	if (!realpath(dev, real)) {
		snprintf(where, size, "%s: %s", dev, strerror(errno));
		return false;
	}
	snprintf(needle, sizeof(needle), "/%04x:", vb->domain);
	snprintf(where, size, "%s", real);
	return strstr(real, needle) != NULL;
}

static void passthrough_rng(const struct vbus *vb)
{
	unsigned char buf[64];
	char cur[64] = "", where[PATH_MAX];
	ssize_t n = -1;
	int fd, distinct = 0;
	struct sigaction sa = { .sa_handler = on_alarm };

	wait_path("/dev/hwrng", S_IFCHR, 10);
	read_file("/sys/class/misc/hw_random/rng_current", cur, sizeof(cur));
	{
		DIR *d = opendir("/sys/bus/virtio/drivers/virtio_rng");
		struct dirent *e;
		bool behind = false;

		strcpy(where, "no virtio_rng device");
		while (d && (e = readdir(d)))
			if (!strncmp(e->d_name, "virtio", 6)) {
				char link[PATH_MAX];

				snprintf(link, sizeof(link), "/sys/bus/virtio/drivers/virtio_rng/%s",
					 e->d_name);
				behind = behind_vpci(vb, link, where, sizeof(where));
			}
		if (d)
			closedir(d);
		tap_ok(!strncmp(cur, "virtio_rng", 10) && behind,
		       "hwrng backed by %s, behind the vPCI bus (%s)", cur[0] ? cur : "(none)", where);
	}
	fd = open("/dev/hwrng", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: read returns EINTR */
		alarm(10);
		n = read(fd, buf, sizeof(buf));
		alarm(0);
		close(fd);
	}
	for (ssize_t i = 1; i < n; i++)
		if (buf[i] != buf[0])
			distinct = 1;
	tap_ok(n == (ssize_t)sizeof(buf) && distinct,
	       "read %zd bytes from /dev/hwrng, not all equal (%02x %02x %02x %02x...)",
	       n, buf[0], buf[1], buf[2], buf[3]);
}

#define BLK_SPAN (1u << 20)

static void passthrough_blk(const struct vbus *vb, unsigned long seed)
{
	char where[PATH_MAX], size[32] = "";
	unsigned char *wbuf = NULL, *rbuf = NULL;
	unsigned long long sectors;
	off_t offs[2];
	int fd, bad = -1;

	if (!tap_ok(wait_path("/dev/vda", S_IFBLK, 10) &&
		    behind_vpci(vb, "/sys/block/vda/device", where, sizeof(where)),
		    "/dev/vda present, behind the vPCI bus (%s)", where))
		return;
	read_file("/sys/block/vda/size", size, sizeof(size));
	sectors = strtoull(size, NULL, 10);
	if (!tap_ok(sectors * 512 >= 2 * BLK_SPAN, "disk size %llu sectors", sectors))
		return;
	offs[0] = 0;
	offs[1] = (off_t)(sectors * 512 - BLK_SPAN);
	if (posix_memalign((void **)&wbuf, 4096, BLK_SPAN) ||
	    posix_memalign((void **)&rbuf, 4096, BLK_SPAN)) {
		tap_ok(false, "buffers");
		return;
	}
	fd = open("/dev/vda", O_RDWR | O_DIRECT | O_CLOEXEC);
	if (fd >= 0) {
		bad = 0;
		for (int k = 0; k < 2; k++) {
			unsigned long s = seed * 2654435761ul + (unsigned long)k + 1;

			for (unsigned int i = 0; i < BLK_SPAN; i += 8) {
				unsigned long x = xorshift(&s);

				memcpy(wbuf + i, &x, 8);
			}
			if (pwrite(fd, wbuf, BLK_SPAN, offs[k]) != BLK_SPAN || fsync(fd) ||
			    pread(fd, rbuf, BLK_SPAN, offs[k]) != BLK_SPAN ||
			    memcmp(wbuf, rbuf, BLK_SPAN))
				bad++;
		}
		close(fd);
	}
	tap_ok(bad == 0, "wrote 2 x 1 MiB patterns to /dev/vda (O_DIRECT), read back equal%s",
	       bad < 0 ? " (cannot open)" : bad ? " (MISMATCH)" : "");
	free(wbuf);
	free(rbuf);
}

void scenario_passthrough(struct agent *a)
{
	static struct vbus vb;

	if (!vbus_get(&vb))
		return;
	for (int i = 0; i < vb.n; i++)
		tap_diag("%s [%04x:%04x] driver %s", vb.f[i].name, vb.f[i].vendor,
			 vb.f[i].device, vb.f[i].driver);
	passthrough_rng(&vb);
	passthrough_blk(&vb, a->seed);
}

/* --------------------------------------------------------------- hotplug */

static int count_lines_with(const char *path, const char *needle)
{
	static char buf[65536];
	int n = 0;

	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (char *p = buf; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static struct vfn *find_new(struct vbus *now, const struct vbus *before)
{
	for (int i = 0; i < now->n; i++) {
		bool old = false;

		for (int j = 0; j < before->n; j++)
			old |= !strcmp(now->f[i].name, before->f[j].name);
		if (!old)
			return &now->f[i];
	}
	return NULL;
}

#define HOTPLUG_WAIT 30.0

/*
 * The harness acknowledges DEVICE_DELETED with a break on ttyS1, which a
 * raw tty reads as a NUL byte.  open_host_ack() before "# hotplug: ready"
 * (a break that comes early is kept), wait_host_ack() when it is due.
 */
static int open_host_ack(void)
{
	int fd = open("/dev/ttyS1", O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		tcflush(fd, TCIFLUSH);
	return fd;
}

static bool wait_host_ack(int fd, double seconds)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	double t0 = uptime_s();
	bool acked = false;
	char c = 1;

	while (fd >= 0 && !acked && uptime_s() - t0 < seconds) {
		if (poll(&pfd, 1, 100) > 0 && read(fd, &c, 1) == 1)
			acked = c == 0;
	}
	if (fd >= 0)
		close(fd);
	return acked;
}

void scenario_hotplug(struct agent *a)
{
	static struct vbus before, now;
	struct vfn *nf = NULL, added;
	char dbg[PATH_MAX], path[PATH_MAX];
	int irq_lines = count_lines_with("/proc/interrupts", "vpci_testfn");
	int ack_fd = open_host_ack();
	double t0;
	bool gone = false;

	(void)a;
	if (!vbus_get(&before))
		return;
	tap_diag("before: %d functions, %d vpci_testfn lines in /proc/interrupts",
		 before.n, irq_lines);
	tap_diag("hotplug: ready");
	tap_flush();

	t0 = uptime_s();
	while (uptime_s() - t0 < HOTPLUG_WAIT) {
		if (!vbus_scan(&now) && (nf = find_new(&now, &before)) &&
		    !strcmp(nf->driver, "vpci_testfn"))
			break;
		nf = NULL;
		usleep(50000);
	}
	if (!tap_ok(nf != NULL, "a new function appeared and bound to vpci_testfn within %.0f s%s%s",
		    HOTPLUG_WAIT, nf ? ": " : "", nf ? nf->name : "")) {
		tap_diag("hotplug: added");	/* let the host clean up anyway */
		return;
	}
	added = *nf;
	debugfs_dir(&added, dbg, sizeof(dbg));
	{
		unsigned long total = 0, per[MAX_CPUS];
		char raise[PATH_MAX], counts[PATH_MAX];
		bool ready, irq_ok;
		double t1 = uptime_s();
		int polls = 0;

		/*
		 * The "driver" link appears before the driver's probe runs
		 * (driver_sysfs_add() precedes ->probe() in really_probe()), so
		 * "bound" does not mean probed: wait, bounded, for the files
		 * vpci_testfn creates at the end of probe, after its vectors
		 * are requested.
		 */
		snprintf(raise, sizeof(raise), "%s/raise", dbg);
		snprintf(counts, sizeof(counts), "%s/irq_counts", dbg);
		while (!(ready = path_is(raise, S_IFREG) && path_is(counts, S_IFREG)) &&
		       uptime_s() - t1 < HOTPLUG_WAIT) {
			polls++;
			usleep(1000);
		}
		tap_diag("%s: driver's debugfs %s after %.3f s (%d polls missed it)",
			 added.name, ready ? "ready" : "still missing", uptime_s() - t1, polls);
		irq_ok = ready && !debugfs_write(&added, "raise", "0");
		t1 = uptime_s();

		while (irq_ok && !irq_counts(&added, 0, &total, per, 1) && !total &&
		       uptime_s() - t1 < 2.0)
			usleep(1000);
		tap_ok(irq_ok && total == 1 && is_testfn(&added) && added.rev == added.fn,
		       "%s: identity ok, debugfs present, vector 0 raised and counted (%lu)",
		       added.name, total);
	}
	tap_diag("hotplug: added");
	tap_flush();

	snprintf(path, sizeof(path), PCI_DEVICES "/%s", added.name);
	t0 = uptime_s();
	while (!(gone = !path_is(path, S_IFDIR)) && uptime_s() - t0 < HOTPLUG_WAIT)
		usleep(50000);
	tap_ok(gone, "%s disappeared from sysfs within %.0f s", added.name, HOTPLUG_WAIT);

	/* what the driver and the bus created must be gone too */
	{
		int lines = count_lines_with("/proc/interrupts", added.name);
		int all = count_lines_with("/proc/interrupts", "vpci_testfn");

		tap_ok(!path_is(dbg, S_IFDIR) && lines == 0 && all == irq_lines,
		       "no leftovers: debugfs %s %s, %d /proc/interrupts lines of it, "
		       "%d vpci_testfn lines (before: %d)", dbg,
		       path_is(dbg, S_IFDIR) ? "still there" : "gone", lines, all, irq_lines);
	}
	vbus_scan(&now);
	tap_ok(now.n == before.n, "the bus is back to %d functions (%d)", before.n, now.n);

	/* the host must have seen the eject complete before we power off */
	tap_diag("hotplug: removed");
	tap_flush();
	tap_ok(wait_host_ack(ack_fd, HOTPLUG_WAIT),
	       "the host acknowledged DEVICE_DELETED (break on ttyS1)");
}

/* -------------------------------------------------------------- hostile */

/*
 * QEMU against a hostile guest (guest-driver/hostile/vpci_hostile.c): the
 * bus's own drivers leave, vpci_hostile takes the hv-vpci function and
 * storms it from every CPU while the host hot-adds a function and then
 * asks for it back; then the real drivers return.  QEMU must answer
 * throughout (the harness's QMP commands, its verdict), and the fresh
 * hv_vpci must find the bus exactly as before (the enum checks, and the
 * harness compares with QMP query-pci).
 */
#define HOSTILE_SECONDS	10
#define HOSTILE_DEBUGFS	"/sys/kernel/debug/vpci_hostile"

/* Bind @bdf to @driver through driver_override ("" clears it). */
static int pci_override(const char *bdf, const char *driver)
{
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver_override", bdf);
	ret = write_file(path, *driver ? driver : "\n");
	if (!ret && *driver)
		ret = write_file("/sys/bus/pci/drivers_probe", bdf);
	return ret;
}

static bool bound_to(const char *bdf, const char *driver)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = '\0';
	return !strcmp(strrchr(link, '/') ? strrchr(link, '/') + 1 : link, driver);
}

void scenario_hostile(struct agent *a)
{
	static struct vbus before;
	char bdf[32], cmd[64], result[512], path[PATH_MAX];
	int ack_fd = open_host_ack();
	bool ok;

	if (!vbus_get(&before))
		return;
	snprintf(bdf, sizeof(bdf), "%s", before.parent);

	ok = !unload_module("vpci_testfn") && !unload_module("hv_vpci");
	if (!tap_ok(ok && !bound_to(bdf, "hv_vpci"), "vpci_testfn and hv_vpci unloaded"))
		return;
	ok = !pci_override(bdf, "vpci_hostile");
	if (!tap_ok(ok && bound_to(bdf, "vpci_hostile"), "%s bound to vpci_hostile", bdf))
		return;

	/*
	 * The host's device_add comes as the storm starts and its device_del
	 * halfway through: the hotplug races the storm on purpose.  The half
	 * way point is a schedule, not a synchronisation: whatever the order,
	 * the eject ends when the channel is reset (below at the latest).
	 * The device may refuse that device_del (the storm left its ring full
	 * or the channel broken); the host then asks again after the storm.
	 */
	tap_diag("hotplug: ready");
	tap_flush();
	snprintf(cmd, sizeof(cmd), "%lu %d", a->seed, HOSTILE_SECONDS);
	if (!tap_ok(!write_file(HOSTILE_DEBUGFS "/run", cmd),
		    "storm started: seed %lu, %d s, every CPU", a->seed, HOSTILE_SECONDS))
		return;
	usleep(HOSTILE_SECONDS * 1000000 / 2);
	tap_diag("hotplug: added");
	tap_flush();

	/* blocks until the storm ends */
	ok = read_file(HOSTILE_DEBUGFS "/result", result, sizeof(result)) > 0;
	tap_diag("storm: %s", ok ? result : "no result");
	{
		const char *e = ok ? strstr(result, "device-errors=") : NULL;
		const char *o = ok ? strstr(result, " ops=") : NULL;
		unsigned long errors = e ? strtoul(e + 14, NULL, 10) : 0;
		unsigned long ops = o ? strtoul(o + 5, NULL, 10) : 0;

		/* a storm the device never objected to did not reach it */
		tap_ok(ops > 0 && errors > 0, "storm ran %lu operations; hv-vpci counted %lu "
		       "guest errors", ops, errors);
	}

	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/vpci_hostile/unbind");
	ok = !write_file(path, bdf) && !pci_override(bdf, "");
	tap_ok(ok && !bound_to(bdf, "vpci_hostile"), "vpci_hostile unbound, channel reset");
	/* a refused device_del is sent again: no guest now, nobody to ask */
	tap_diag("hotplug: added");
	tap_flush();
	tap_ok(wait_host_ack(ack_fd, HOTPLUG_WAIT),
	       "the host acknowledged DEVICE_DELETED of the function it added (break on ttyS1)");

	ok = !load_module("hv_vpci.ko") && !load_module("vpci_testfn.ko");
	if (!tap_ok(ok && bound_to(bdf, "hv_vpci"), "hv_vpci and vpci_testfn loaded again"))
		return;
	/* the fresh driver must see the bus as it was */
	scenario_enum(a);
	{
		static struct vbus after;

		ok = !vbus_scan(&after) && after.n == before.n;
		for (int i = 0; ok && i < before.n; i++)
			ok = after.f[i].slot == before.f[i].slot && after.f[i].fn == before.f[i].fn &&
			     after.f[i].vendor == before.f[i].vendor &&
			     after.f[i].device == before.f[i].device &&
			     !strcmp(after.f[i].driver, before.f[i].driver);
		tap_ok(ok, "the same %d functions, IDs and drivers as before the storm (%d now)",
		       before.n, after.n);
	}
}

/* -------------------------------------------------------- barrier-stress */

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
	struct vbus *vb;
	const int *tfn;		/* vb indexes of the test functions */
	int ntfn;
	int cpu, ncpu;
	unsigned long seed;
	unsigned long rounds, reads, errors;
	unsigned long writes[MAX_FNS];	/* by test function index */
	uint32_t last[MAX_FNS];		/* last value written, by test function index */
	char first_error[200];
};

static void bs_err(struct bs_thread *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void bs_err(struct bs_thread *t, const char *fmt, ...)
{
	va_list ap;

	if (!t->errors++) {
		va_start(ap, fmt);
		vsnprintf(t->first_error, sizeof(t->first_error), fmt, ap);
		va_end(ap);
	}
}

static void bs_check_read(struct bs_thread *t, const struct vfn *f, unsigned int off,
			  uint32_t want, const char *what)
{
	uint32_t v = 0;

	t->reads++;
	if (cfg_read(f->cfg_fd, off, 4, &v))
		bs_err(t, "cpu%d: %s %s @%#x: read failed", t->cpu, f->name, what, off);
	else if (v != want)
		bs_err(t, "cpu%d round %lu: %s %s @%#x read %#x, want %#x", t->cpu, t->rounds,
		       f->name, what, off, v, want);
}

static void *bs_run(void *arg)
{
	struct bs_thread *t = arg;
	int own[MAX_FNS], nown = 0;
	double t0;

	for (int k = t->cpu; k < t->ntfn; k += t->ncpu)
		own[nown++] = k;
	if (!pin_to_cpu(t->cpu))
		bs_err(t, "cannot pin to cpu %d", t->cpu);
	t0 = uptime_s();
	for (int i = 0; i < BS_MAX_ROUNDS; i++) {
		const struct vfn *x = &t->vb->f[t->tfn[xorshift(&t->seed) % (unsigned long)t->ntfn]];
		const struct vfn *y = &t->vb->f[t->tfn[xorshift(&t->seed) % (unsigned long)t->ntfn]];
		unsigned int sig = VPCI_TESTFN_CFG_SIG_BASE +
			4 * (unsigned int)(xorshift(&t->seed) % (VPCI_TESTFN_CFG_SIG_SIZE / 4));
		int k = nown ? own[i % nown] : -1;

		if (i >= BS_MIN_ROUNDS && (i & 15) == 0 && uptime_s() - t0 > BS_SECONDS)
			break;
		t->rounds = (unsigned long)i;
		bs_check_read(t, x, sig, VPCI_TESTFN_SIG(x->fn, sig), "signature");
		if (k >= 0) {
			const struct vfn *o = &t->vb->f[t->tfn[k]];
			uint32_t v = bs_value(t->cpu, k, i);

			if (cfg_write(o->cfg_fd, BS_VALUE_OFF, 4, v))
				bs_err(t, "cpu%d: %s scratch write failed", t->cpu, o->name);
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
	static char buf[8192];
	char path[PATH_MAX], *line, *save = NULL;
	unsigned int prev = 0;
	int n = 0;

	snprintf(path, sizeof(path), TESTFN_DEBUGFS "/%s/journal", f->name);
	if (read_file(path, buf, sizeof(buf)) < 0) {
		snprintf(why, size, "cannot read its journal");
		return false;
	}
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned int idx, off, sz, val;

		if (sscanf(line, "%u %x %u %x", &idx, &off, &sz, &val) != 4)
			continue;
		if (off != BS_VALUE_OFF || sz != 4 ||
		    val >> 16 != bs_value(owner, k, 0) >> 16) {
			snprintf(why, size, "entry %u: %u bytes %#x at %#x: not a write of %s's owner "
				 "(cpu%d) to it%s", idx, sz, val, off, f->name, owner,
				 (val & 0x80000000u) ? " (misdirected: meant for another function)" : "");
			return false;
		}
		if (n++ && (val & 0xffff) <= prev) {
			snprintf(why, size, "entry %u: round %u after round %u", idx, val & 0xffff, prev);
			return false;
		}
		prev = val & 0xffff;
	}
	snprintf(why, size, "%d entries, all its owner's, in order", n);
	return true;
}

void scenario_barrier_stress(struct agent *a)
{
	static struct vbus vb;
	static struct bs_thread th[MAX_CPUS];
	pthread_t tid[MAX_CPUS];
	int ncpu = online_cpus(a), ntfn = 0, tfn[MAX_FNS];
	unsigned long reads = 0, writes = 0, errors = 0, rounds = 0;
	const char *first = "";
	char fences[128] = "", first_bad[160] = "";
	double t0, dt;
	bool setup = true;
	int bad = 0;

	if (!vbus_get(&vb))
		return;
	read_file("/sys/module/hv_vpci/parameters/fences", fences, sizeof(fences));
	for (int i = 0; i < vb.n; i++)
		if (is_testfn(&vb.f[i]))
			tfn[ntfn++] = i;
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
	for (int c = 0; c < ncpu; c++) {
		memset(&th[c], 0, sizeof(th[c]));
		th[c].vb = &vb;
		th[c].tfn = tfn;
		th[c].ntfn = ntfn;
		th[c].cpu = c;
		th[c].ncpu = ncpu;
		th[c].seed = (a->seed ^ 0x5851f42d4c957f2dul) + (unsigned long)c * 104729 + 1;
	}
	if (start_threads(tid, ncpu, bs_run, th, sizeof(th[0])))
		return;
	join_threads(tid, ncpu);
	dt = uptime_s() - t0;

	for (int c = 0; c < ncpu; c++) {
		rounds += th[c].rounds;
		reads += th[c].reads;
		errors += th[c].errors;
		for (int k = 0; k < ntfn; k++)
			writes += th[c].writes[k];
		if (th[c].errors && !*first)
			first = th[c].first_error;
	}
	tap_diag("barrier-stress: %d threads, %lu rounds, %lu reads, %lu writes in %.2f s "
		 "(%.0f accesses/s)", ncpu, rounds, reads, writes, dt,
		 (double)(reads + writes) / (dt > 0 ? dt : 1));
	tap_ok(errors == 0, "every signature, tag and own-scratch read answered by the function "
	       "asked (%lu wrong%s%s)", errors, errors ? "; first: " : "", first);

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

/* -------------------------------------------------------- ordering-probe */

/*
 * One test per x86 instruction class: does it make an earlier window store
 * visible to the device before a later window load?  hv_vpci's debugfs
 * ordering_probe does the work (select A, fence; select B unfenced; the
 * instruction; load: who answers?).  Under the write-combining model
 * everything but lfence, rdtsc, pause and plain instructions drains (mdelay()
 * is rdtsc and pause: it moves a failure away by time alone); with the model off
 * (vpci.wc=off on the command line) every class reads function B.  The
 * not-draining classes are load-passes-store hazards by design.
 */
static const struct {
	const char *name;
	bool drains;
} op_classes[] = {
	{ "none", false },	{ "mov", false },	{ "lfence", false },
	{ "sfence", true },	{ "mfence", true },	{ "lock-add", true },
	{ "xchg", true },	{ "cpuid", true },	{ "wrmsr", true },
	{ "mov-cr", true },	{ "iret", true },	{ "outb", true },
	{ "other-mmio", true },	{ "rdtsc", false },	{ "pause", false },
};

static bool cmdline_has(const char *word)
{
	static char buf[4096];
	size_t len = strlen(word);

	if (read_file("/proc/cmdline", buf, sizeof(buf)) < 0)
		return false;
	for (char *p = strstr(buf, word); p; p = strstr(p + 1, word))
		if ((p == buf || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0' || p[len] == '\n'))
			return true;
	return false;
}

void scenario_ordering_probe(struct agent *a)
{
	static struct vbus vb;
	bool wc = !cmdline_has("vpci.wc=off");
	char path[PATH_MAX];

	(void)a;
	if (!vbus_get(&vb))
		return;
	snprintf(path, sizeof(path), "/sys/kernel/debug/hv_vpci/%04x/ordering_probe", vb.domain);
	if (!tap_ok(path_is(path, S_IFREG), "%s present; window %s", path,
		    wc ? "write-combining (expect lfence, rdtsc, pause, mov, none not to drain)"
		       : "not write-combining (vpci.wc=off: every class reads function B)"))
		return;
	for (size_t i = 0; i < sizeof(op_classes) / sizeof(op_classes[0]); i++) {
		const char *name = op_classes[i].name;
		bool want = !wc || op_classes[i].drains;
		char out[256] = "", got[32] = "";
		int w = write_file(path, name);

		if (w == 0)
			read_file(path, out, sizeof(out));
		sscanf(out, "%*s %31s", got);
		tap_ok(w == 0 && !strncmp(out, name, strlen(name)) &&
		       out[strlen(name)] == ' ' && !strcmp(got, want ? "drained" : "not-drained"),
		       "%s%s%s, expected %s", w ? name : out, w ? ": " : "",
		       w ? strerror(-w) : "", want ? "drained" : "not-drained");
	}
}
