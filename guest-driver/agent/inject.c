// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * inject-*: what the guest kernel does with an MSI that names the wrong
 * vector or delivery mode (issue 14 item 4).  Run on a host without
 * interrupt remapping (hv-vpci remap=off, set by the harness for these
 * scenarios), where a child's MSI reaches the APIC exactly as the device
 * holds it.
 *
 * The agent writes the bad message into the first test function's MSI
 * capability itself, through config space (the window), then rings the
 * function's doorbell.  That is not a claim that a missing barrier wrote
 * this value: msi-stress shows what the misordering writes.  It is the
 * experiment of what happens when such a message arrives:
 *
 *   inject-freed     the function's driver unbinds (its vectors are freed),
 *                    then the agent re-enables MSI with the old message and
 *                    raises it twice: the stale message of 2016 without a
 *                    remapping host in between
 *   inject-vector0   data vector 0x00, fixed: what a zeroed data register
 *                    sends (a real APIC refuses vectors 0-15 as illegal;
 *                    QEMU's leaves vector 0 pending and never delivers it)
 *   inject-vector17  data vector 0x11, fixed: an exception vector a real
 *                    APIC accepts (16-31 are legal), IDT entry 17 (#AC);
 *                    Linux's TPR of 0x10 keeps it pending
 *   inject-nmi       delivery mode NMI
 *   inject-init      delivery mode INIT, aimed at an AP the agent is not on
 *   inject-init-bsp  delivery mode INIT at CPU 0, the BSP, which restarts at
 *                    the reset vector (firmware) while the others run on
 *
 * Each test point says what was sent and where; the verdict is whatever
 * the guest did (the harness reads it from QEMU and the console).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "vbus.h"
#include "vpci-testfn-regs.h"

#define PCI_CAP_LIST		0x34
#define PCI_CAP_ID_MSI		0x05
#define MSI_CTRL_ENABLE		0x0001
#define MSI_CTRL_64BIT		0x0080
#define MSI_CTRL_MASKABLE	0x0100
#define MSI_DM_SHIFT		8	/* data bits 8-10: delivery mode */
#define MSI_DM_MASK		(7u << MSI_DM_SHIFT)
#define MSI_DM_NMI		(4u << MSI_DM_SHIFT)
#define MSI_DM_INIT		(5u << MSI_DM_SHIFT)
#define PCI_COMMAND_MEMORY	0x2
#define PCI_COMMAND_MASTER	0x4
#define INJECT_WAIT_S		2.0	/* for the kernel to show it took it */
#define INJECT_STILL_S		0.5	/* a stopped spinner's count holds still */

struct msi_cap {
	unsigned int off, ctrl, data_off, mask_off;
	uint32_t addr_lo, addr_hi, data;
};

static bool msi_cap_read(int fd, struct msi_cap *c)
{
	uint32_t pos = 0, id = 0, v = 0;

	if (cfg_read(fd, PCI_CAP_LIST, 1, &pos))
		return false;
	for (int hops = 0; pos >= 0x40 && pos < 0x100 && hops < 48; hops++) {
		if (cfg_read(fd, pos, 1, &id))
			return false;
		if (id == PCI_CAP_ID_MSI)
			break;
		if (cfg_read(fd, pos + 1, 1, &pos))
			return false;
	}
	if (id != PCI_CAP_ID_MSI || cfg_read(fd, pos + 2, 2, &v))
		return false;
	c->off = pos;
	c->ctrl = v;
	c->data_off = pos + (v & MSI_CTRL_64BIT ? 0x0c : 0x08);
	c->mask_off = v & MSI_CTRL_MASKABLE ? c->data_off + 4 : 0;
	c->addr_hi = 0;
	return !cfg_read(fd, pos + 4, 4, &c->addr_lo) &&
	       (!(v & MSI_CTRL_64BIT) || !cfg_read(fd, pos + 8, 4, &c->addr_hi)) &&
	       !cfg_read(fd, c->data_off, 2, &c->data);
}

/* @f's debugfs file @name, line by line, as diagnostics. */
static void diag_file(const struct vfn *f, const char *name)
{
	char path[PATH_MAX], buf[1024], *line, *save = NULL;

	snprintf(path, sizeof(path), TESTFN_DEBUGFS "/%s/%s", f->name, name);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		tap_diag("%s %s: %s", f->name, name, line);
}

/* Wait until the kernel log has more than @before lines with @needle. */
static int klog_wait(const char *needle, int before, char *first, size_t size)
{
	double t0 = uptime_s();
	int n;

	do {
		n = klog_count(needle, first, size);
		if (n > before)
			break;
		usleep(10000);
	} while (uptime_s() - t0 < INJECT_WAIT_S);
	return n;
}

/*
 * Point @f's vector 0 at @cpu.  x86 refuses a move (EBUSY) until the
 * previous one completed, which takes an interrupt on the new vector: raise
 * one between tries.
 */
static bool move_vector0(const struct vfn *f, int cpu)
{
	char line[32];

	snprintf(line, sizeof(line), "0 %d", cpu);
	for (int i = 0; i < 20; i++) {
		int ret = debugfs_write(f, "affinity", line);

		if (debugfs_write(f, "raise", "0"))
			return false;
		if (!ret && effective_cpu(f, 0) == cpu)
			return true;
		usleep(10000);
	}
	return false;
}

/* ------------------------------------------------------- inject-init --- */

struct spinner {
	int cpu;
	volatile unsigned long count;
};

static struct spinner inject_spinner;

static void *spin(void *arg)
{
	struct spinner *s = arg;

	if (pin_to_cpu(s->cpu))
		for (;;)
			s->count++;
	return NULL;
}

/* Does @s's CPU still run it?  Its count must move within the wait. */
static bool cpu_alive(struct spinner *s)
{
	unsigned long c0 = s->count;
	double t0 = uptime_s();

	while (uptime_s() - t0 < INJECT_WAIT_S) {
		usleep(10000);
		if (s->count != c0)
			return true;
	}
	return false;
}

/*
 * Has @s's CPU stopped running it?  The count can still move after the
 * INIT is raised: the vCPU finishes the block it was in, and on a loaded
 * host its thread may do so milliseconds later.  So the count must then
 * hold still for INJECT_STILL_S, within INJECT_WAIT_S.
 */
static bool cpu_stopped(struct spinner *s)
{
	unsigned long c = s->count;
	double t0 = uptime_s(), still = t0;

	while (uptime_s() - t0 < INJECT_WAIT_S) {
		usleep(10000);
		if (s->count != c) {
			c = s->count;
			still = uptime_s();
		} else if (uptime_s() - still >= INJECT_STILL_S) {
			return true;
		}
	}
	return false;
}

/* ------------------------------------------------------------- common --- */

static const char *const inject_words[] = {
	"vector", "APIC", "NMI", "Dazed", "interrupt", "INIT", NULL
};

static void raise_by_bar(const struct vfn *f, unsigned int vector)
{
	char path[PATH_MAX];
	volatile uint32_t *regs;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource%d", f->name,
		 VPCI_TESTFN_REG_BAR);
	fd = open(path, O_RDWR | O_SYNC);
	regs = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!tap_ok(regs != MAP_FAILED, "map %s BAR %d to ring the doorbell", f->name,
		    VPCI_TESTFN_REG_BAR)) {
		if (fd >= 0)
			close(fd);
		return;
	}
	regs[VPCI_TESTFN_REG_DOORBELL / 4] = vector;
	munmap((void *)regs, 4096);
	close(fd);
}

/*
 * inject-freed: unbind, then the old message by hand.  The kernel marks a
 * freed vector VECTOR_SHUTDOWN; the first interrupt on it only resets it to
 * unused, the second is "No irq handler for vector" (6.12: "... for 0.35").
 */
static void inject_freed(struct vfn *f, const struct msi_cap *c, unsigned int idt, int apic)
{
	static const char needle[] = "No irq handler for";	/* 6.1 adds "vector" */
	char first[256] = "", bound[PATH_MAX];
	uint32_t cmd = 0;
	int before = klog_count(needle, first, sizeof(first)), after;
	bool ok;

	ok = !write_file("/sys/bus/pci/drivers/vpci_testfn/unbind", f->name);
	snprintf(bound, sizeof(bound), "/sys/bus/pci/devices/%s/driver", f->name);
	if (!tap_ok(ok && !path_is(bound, S_IFDIR),
		    "%s unbound from vpci_testfn: IDT vector %#x (destination %#x) is freed", f->name,
		    idt, apic))
		return;
	ok = !cfg_write(f->cfg_fd, c->off + 4, 4, c->addr_lo) &&
	     (!(c->ctrl & MSI_CTRL_64BIT) || !cfg_write(f->cfg_fd, c->off + 8, 4, c->addr_hi)) &&
	     !cfg_write(f->cfg_fd, c->data_off, 2, c->data) &&
	     (!c->mask_off || !cfg_write(f->cfg_fd, c->mask_off, 4, 0)) &&
	     !cfg_write(f->cfg_fd, c->off + 2, 2, (c->ctrl & ~0x70u) | MSI_CTRL_ENABLE) &&
	     !cfg_read(f->cfg_fd, 0x04, 2, &cmd) &&
	     !cfg_write(f->cfg_fd, 0x04, 2, cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	if (!tap_ok(ok, "old message back in %s by hand: address %#x:%#x data %#x, MSI enabled",
		    f->name, c->addr_hi, c->addr_lo, c->data))
		return;
	tap_diag("inject: raising %s vector 0 twice on the freed IDT vector %#x", f->name, idt);
	tap_flush();
	raise_by_bar(f, 0);
	raise_by_bar(f, 0);
	after = klog_wait(needle, before, first, sizeof(first));
	tap_ok(after > before, "the kernel logged the interrupts on the freed vector: %d new "
	       "\"%s\" line(s)%s%s", after - before, needle, after > before ? ": " : "",
	       after > before ? first : "");
}

void scenario_msi_inject(struct agent *a)
{
	const char *kind = a->scenario + strlen("inject-");
	int ncpu = online_cpus(a), target = a->cpu, irq = -1, apic = -1;
	char path[PATH_MAX], line[256], mode[64] = "";
	unsigned int n = 0, idt = 0, v;
	unsigned long sent0, got0 = 0, per[MAX_CPUS];
	uint32_t data;
	bool ok;
	struct vfn *f = NULL;
	struct msi_cap c;
	static struct vbus vb;
	FILE *fp;

	if (!vbus_get(&vb))
		return;
	for (int i = 0; i < vb.n && !f; i++) {
		int nv = is_testfn(&vb.f[i]) ? testfn_irq_mode(&vb.f[i], mode, sizeof(mode)) : -1;

		if (nv >= 0 && !strcmp(mode, "msi")) {
			n = (unsigned int)nv;
			f = &vb.f[i];
		}
	}
	if (!tap_ok(f && cfg_open(f) >= 0 && msi_cap_read(f->cfg_fd, &c),
		    "a test function with MSI (%s, %u vectors), its capability read through "
		    "the window", f ? f->name : "none", n))
		return;
	if (target >= ncpu)
		target = ncpu - 1;
	/* inject-init stops an AP; inject-init-bsp restarts the BSP (CPU 0). */
	if (!strcmp(kind, "init") && ncpu > 1 && target == 0)
		target = 1;
	if (!strcmp(kind, "init-bsp"))
		target = 0;
	if (!tap_ok(move_vector0(f, target), "%s vector 0 moved to CPU %d", f->name, target))
		return;
	diag_file(f, "affinity");
	diag_file(f, "vector");
	diag_file(f, "msi");
	snprintf(path, sizeof(path), TESTFN_DEBUGFS "/%s/vector", f->name);
	fp = fopen(path, "r");
	while (fp && fgets(line, sizeof(line), fp))
		if (sscanf(line, "%u %d %x %d", &v, &irq, &idt, &apic) == 4 && v == 0)
			break;
	if (fp)
		fclose(fp);
	/* read before tap_ok(): its arguments are evaluated in no set order */
	ok = msi_cap_read(f->cfg_fd, &c);
	if (!tap_ok(ok && idt,
		    "%s vector 0: irq %d, IDT vector %#x, APIC destination %#x; MSI at %#x, address "
		    "%#x:%#x data %#x", f->name, irq, idt, apic, c.off, c.addr_hi, c.addr_lo,
		    c.data))
		return;

	if (!strcmp(kind, "freed")) {
		if (pin_to_cpu(target))
			inject_freed(f, &c, idt, apic);
		klog_diag(inject_words);
		return;
	}

	if (!strcmp(kind, "vector0"))
		data = c.data & ~(MSI_DM_MASK | 0xffu);
	else if (!strcmp(kind, "vector17"))
		data = (c.data & ~(MSI_DM_MASK | 0xffu)) | 0x11;
	else if (!strcmp(kind, "nmi"))
		data = (c.data & ~MSI_DM_MASK) | MSI_DM_NMI;
	else if (!strcmp(kind, "init") || !strcmp(kind, "init-bsp"))
		data = (c.data & ~MSI_DM_MASK) | MSI_DM_INIT;
	else {
		tap_ok(false, "inject kind '%s' is known", kind);
		return;
	}

	if (!strncmp(kind, "init", 4)) {
		pthread_t tid;
		int other = target == 0 ? 1 : 0;

		inject_spinner.cpu = target;
		if (!tap_ok(ncpu > 1 && pin_to_cpu(other) &&
			    !pthread_create(&tid, NULL, spin, &inject_spinner) &&
			    cpu_alive(&inject_spinner),
			    "agent on CPU %d, a spinner running on CPU %d (needs SMP >= 2)", other,
			    target))
			return;
	} else if (!pin_to_cpu(target)) {
		tap_ok(false, "agent pinned to CPU %d", target);
		return;
	}
	if (!tap_ok(!cfg_write(f->cfg_fd, c.data_off, 2, data),
		    "%s MSI data %#x -> %#x through the window (vector %#x, delivery mode %u)",
		    f->name, c.data, data, data & 0xff, (data & MSI_DM_MASK) >> MSI_DM_SHIFT))
		return;
	tap_diag("inject: %s raises vector 0 with data %#x (kernel destination %#x)", f->name, data, apic);
	tap_flush();
	sent0 = regs_get(f, "irq_sent0");
	if (irq_counts(f, 0, &got0, per, ncpu) || debugfs_write(f, "raise", "0")) {
		tap_ok(false, "raise through %s's debugfs", f->name);
		return;
	}

	if (!strcmp(kind, "nmi")) {
		static const char needle[] = "NMI received for unknown reason";
		char first[256] = "";
		int got = klog_wait(needle, 0, first, sizeof(first));

		tap_ok(got > 0, "the kernel took the NMI: %d \"%s\" line(s)%s%s", got, needle,
		       got > 0 ? ": " : "", got > 0 ? first : "");
	} else if (!strncmp(kind, "init", 4)) {
		tap_ok(cpu_stopped(&inject_spinner),
		       "CPU %d stopped running its spinner after the INIT (it waits for a SIPI)",
		       target);
	} else {
		/* The agent is on the target CPU and raised from a syscall: a
		 * delivered interrupt would have run before this read. */
		unsigned long sent = regs_get(f, "irq_sent0"), got = 0;

		/* before tap_ok(): its arguments are evaluated in no set order */
		ok = !irq_counts(f, 0, &got, per, ncpu);
		tap_ok(ok && sent == sent0 + 1 && got == got0,
		       "the device sent vector %#x to CPU %d (irq_sent0 %lu -> %lu) and the "
		       "function's handler did not get it (%lu -> %lu)", data & 0xff, target,
		       sent0, sent, got0, got);
	}
	klog_diag(inject_words);
}
