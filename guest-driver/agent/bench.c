/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench-cfg: config-space reads through the hv-vpci window against reads of
 * a plain MMIO register (vpci-testfn's BAR 0 SCRATCH), same run, same
 * number of reads.  A measurement, not a test: `vpci-rig bench` parses the
 * diagnostics
 *
 *   # bench-cfg: KIND N reads in S s (R reads/s)
 *
 * for KIND in
 *   sysfs-config  pread() of 4 bytes of /sys/bus/pci/devices/F/config
 *                 (syscall + pci_lock + the window's select/read)
 *   mmap-bar0     loads from /sys/bus/pci/devices/G/resource0 mmap'ed
 *                 (no syscall per read: the user-space side is cheaper)
 *   kernel-config pci_read_config_dword() in vpci_testfn (debugfs "bench")
 *   kernel-bar0   readl() of BAR 0 in vpci_testfn, same loop
 *   kernel-floor  what a window read must do at least, on BAR 0, same loop:
 *                 spinlock, MMIO store, fence, MMIO load, fence
 *
 * The kernel pair compares like with like; the sysfs pair includes a
 * system call per config read that the mmap loads do not pay.
 *
 * With CONFIG_IO_STRICT_DEVMEM (Debian's) a BAR a driver has claimed
 * cannot be mmap'ed, so the user-space MMIO side first unbinds vpci_testfn
 * from the last test function; the kernel side runs on the first.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "vpci-testfn-regs.h"

#define BENCH_DEVICES	"/sys/bus/pci/devices"
#define BENCH_DEBUGFS	"/sys/kernel/debug/vpci_testfn"
#define BENCH_DRIVER	"/sys/bus/pci/drivers/vpci_testfn"
#define BENCH_READS	10000
#define BENCH_MAX_FNS	16

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned int sysfs_hex(const char *dev, const char *name)
{
	char path[PATH_MAX], buf[32];

	snprintf(path, sizeof(path), BENCH_DEVICES "/%s/%s", dev, name);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return ~0u;
	return (unsigned int)strtoul(buf, NULL, 16);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The test functions' PCI names, sorted; returns how many. */
static int find_testfns(char names[][32], int max)
{
	DIR *d = opendir(BENCH_DEVICES);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		if (e->d_name[0] == '.' || strlen(e->d_name) >= 32)
			continue;
		if (sysfs_hex(e->d_name, "vendor") == VPCI_TESTFN_VENDOR_ID &&
		    sysfs_hex(e->d_name, "device") == VPCI_TESTFN_DEVICE_ID)
			snprintf(names[n++], 32, "%s", e->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, 32, cmp_name);
	return n;
}

static void report(const char *kind, unsigned long n, double s)
{
	tap_diag("bench-cfg: %s %lu reads in %.4f s (%.0f reads/s)", kind, n, s,
		 s > 0 ? (double)n / s : 0.0);
}

/* K config dword reads through sysfs: every one must read the signature. */
static bool bench_sysfs_config(const char *dev)
{
	char path[PATH_MAX];
	uint32_t v = 0, want;
	unsigned long bad = 0;
	double t0, dt;
	int fd;

	snprintf(path, sizeof(path), BENCH_DEVICES "/%s/config", dev);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tap_ok(false, "%s: open config: %s", dev, strerror(errno));
	/* the function number is the last digit of DDDD:BB:SS.F */
	want = VPCI_TESTFN_SIG(dev[strlen(dev) - 1] - '0', VPCI_TESTFN_CFG_SIG_BASE);
	t0 = mono_s();
	for (int i = 0; i < BENCH_READS; i++)
		if (pread(fd, &v, 4, VPCI_TESTFN_CFG_SIG_BASE) != 4 || v != want)
			bad++;
	dt = mono_s() - t0;
	close(fd);
	report("sysfs-config", BENCH_READS, dt);
	return tap_ok(bad == 0, "%s: %d config reads through sysfs, each the signature %#x "
		      "(%lu wrong)", dev, BENCH_READS, want, bad);
}

/* K loads of BAR 0's SCRATCH through resource0, after unbinding the driver. */
static bool bench_mmap_bar0(const char *dev)
{
	char path[PATH_MAX];
	volatile uint32_t *regs;
	unsigned long bad = 0;
	uint32_t want = 0x5ca1ab1e;
	double t0, dt;
	void *map;
	int fd;

	snprintf(path, sizeof(path), BENCH_DRIVER "/unbind");
	if (write_file(path, dev) < 0)
		tap_diag("bench-cfg: unbinding %s from vpci_testfn failed (mmap may be refused)", dev);
	snprintf(path, sizeof(path), BENCH_DEVICES "/%s/enable", dev);
	write_file(path, "1");	/* memory decoding on without a driver */
	snprintf(path, sizeof(path), BENCH_DEVICES "/%s/resource%d", dev, VPCI_TESTFN_REG_BAR);
	fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0)
		return tap_ok(false, "%s: open %s: %s", dev, path, strerror(errno));
	map = mmap(NULL, VPCI_TESTFN_REG_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return tap_ok(false, "%s: mmap BAR %d: %s", dev, VPCI_TESTFN_REG_BAR,
			      strerror(errno));
	regs = map;
	regs[VPCI_TESTFN_REG_SCRATCH / 4] = want;
	t0 = mono_s();
	for (int i = 0; i < BENCH_READS; i++)
		if (regs[VPCI_TESTFN_REG_SCRATCH / 4] != want)
			bad++;
	dt = mono_s() - t0;
	munmap(map, VPCI_TESTFN_REG_SIZE);
	report("mmap-bar0", BENCH_READS, dt);
	return tap_ok(bad == 0, "%s: %d BAR 0 SCRATCH loads through resource0, each %#x "
		      "(%lu wrong)", dev, BENCH_READS, want, bad);
}

/* vpci_testfn's debugfs "bench": both loops timed inside the kernel. */
static bool bench_kernel(const char *dev)
{
	char path[PATH_MAX], buf[256], num[16];
	unsigned long long reads = 0, cfg_ns = 0, mmio_ns = 0, floor_ns = 0;
	char *p;

	snprintf(path, sizeof(path), BENCH_DEBUGFS "/%s/bench", dev);
	snprintf(num, sizeof(num), "%d", BENCH_READS);
	if (write_file(path, num) < 0 || read_file(path, buf, sizeof(buf)) < 0)
		return tap_ok(false, "%s: vpci_testfn debugfs bench", dev);
	if ((p = strstr(buf, "reads ")))
		reads = strtoull(p + 6, NULL, 0);
	if ((p = strstr(buf, "config_ns ")))
		cfg_ns = strtoull(p + 10, NULL, 0);
	if ((p = strstr(buf, "mmio_ns ")))
		mmio_ns = strtoull(p + 8, NULL, 0);
	if ((p = strstr(buf, "floor_ns ")))
		floor_ns = strtoull(p + 9, NULL, 0);
	report("kernel-config", reads, (double)cfg_ns / 1e9);
	report("kernel-bar0", reads, (double)mmio_ns / 1e9);
	report("kernel-floor", reads, (double)floor_ns / 1e9);
	return tap_ok(reads == BENCH_READS && cfg_ns && mmio_ns && floor_ns,
		      "%s: kernel-side loops: %llu reads, config %llu ns, BAR 0 %llu ns, "
		      "floor %llu ns", dev, reads, cfg_ns, mmio_ns, floor_ns);
}

void scenario_bench_cfg(struct agent *a)
{
	char names[BENCH_MAX_FNS][32];
	int n = find_testfns(names, BENCH_MAX_FNS);

	(void)a;
	if (!tap_ok(n >= 2, "%d test functions (bench-cfg needs two: one keeps its driver)", n))
		return;
	bench_kernel(names[0]);
	bench_sysfs_config(names[0]);
	bench_mmap_bar0(names[n - 1]);
}
