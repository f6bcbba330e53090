/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The hv-vpci bus as the guest's sysfs and debugfs show it (vbus.h): the
 * bus scan, config space through the sysfs config files (pread/pwrite ->
 * pci_ops -> hv_vpci's window), vpci_testfn's debugfs files and hv_vpci's
 * host_view.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "vbus.h"
#include "vpci-testfn-regs.h"

#define HV_VPCI_VENDOR	0x1234
#define HV_VPCI_DEVICE	0x5650

static unsigned int read_hex(const char *dir, const char *name)
{
	char path[PATH_MAX], buf[64];

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
	    read_file(path, buf, sizeof(buf)) < 0)
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

void pci_driver(const char *bdf, char *out, size_t size)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver", bdf);
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
			/* sysfs names are DDDD:BB:SS.F; a longer one is not a PCI function */
			if (snprintf(vb->parent, sizeof(vb->parent), "%s", e->d_name) >=
			    (int)sizeof(vb->parent)) {
				vb->parent[0] = '\0';
				continue;
			}
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
		if (snprintf(f->name, sizeof(f->name), "%s", e->d_name) >= (int)sizeof(f->name))
			continue;
		snprintf(dir, sizeof(dir), PCI_DEVICES "/%s", e->d_name);
		f->vendor = read_hex(dir, "vendor");
		f->device = read_hex(dir, "device");
		f->subvendor = read_hex(dir, "subsystem_vendor");
		f->subdevice = read_hex(dir, "subsystem_device");
		f->class = read_hex(dir, "class");
		f->rev = read_hex(dir, "revision");
		pci_driver(e->d_name, f->driver, sizeof(f->driver));
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

int testfn_list(const struct vbus *vb, int *tfn)
{
	int n = 0;

	for (int i = 0; i < vb->n; i++)
		if (is_testfn(&vb->f[i]))
			tfn[n++] = i;
	return n;
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

void debugfs_dir(const struct vfn *f, char *out, size_t size)
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

int testfn_irq_mode(const struct vfn *f, char *mode, size_t size)
{
	char path[PATH_MAX], buf[256], m[16];
	unsigned int n;

	snprintf(path, sizeof(path), TESTFN_DEBUGFS "/%s/irq_counts", f->name);
	if (read_file(path, buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "# mode %15s vectors %u", m, &n) != 2)
		return -1;
	if (mode)
		snprintf(mode, size, "%s", m);
	return (int)n;
}

int effective_cpu(const struct vfn *f, unsigned int vector)
{
	char buf[1024];		/* not static: irq-affinity's settle threads */
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

int tfn_journal_open(struct tfn_journal *j, const struct vfn *f)
{
	snprintf(j->path, sizeof(j->path), TESTFN_DEBUGFS "/%s/journal", f->name);
	j->save = NULL;
	return read_file(j->path, j->buf, sizeof(j->buf)) < 0 ? -1 : 0;
}

/* Lines that are not an entry ("idx off size value") are skipped. */
bool tfn_journal_next(struct tfn_journal *j, struct tfn_journal_entry *e)
{
	char *line;

	/* strtok_r leaves save set once it has started, even at the end */
	while ((line = strtok_r(j->save ? NULL : j->buf, "\n", &j->save)))
		if (sscanf(line, "%u %x %u %x", &e->idx, &e->off, &e->size, &e->value) == 4)
			return true;
	return false;
}
