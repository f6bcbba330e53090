// SPDX-License-Identifier: GPL-2.0
/*
 * hv_vpci ordering probe: rig instrumentation, not part of the front end.
 * Built only with CONFIG_HV_VPCI_ORDERING_PROBE (the Kbuild file's default;
 * "make ... CONFIG_HV_VPCI_ORDERING_PROBE=n" leaves it out, and then
 * debugfs has no ordering_probe file).  Not to be confused with the PCI
 * driver's probe, hv_vpci_pci_probe() in main.c.
 */

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/msr.h>
#include <asm/special_insns.h>
#include <asm/sync_core.h>

#include "hv_vpci.h"

/*
 * hv_vpci/<domain>/ordering_probe checks, one x86 instruction class at a
 * time, whether that instruction makes an earlier window store visible to
 * the device before a later window load.  Writing a class name runs, under
 * the config lock with interrupts off: select function A, full fence, read
 * to confirm; store the select of function B with no fence; the named
 * instruction; load the probe dword.  If B answers, the instruction drained
 * the store; if A answers, the load passed it.  Reading the file returns
 * "<class> drained|not-drained (...)".  The probe emits its own fences, so
 * fences= does not change it.  Without a write-combining model behind the
 * window every class reads B.
 */
enum hv_vpci_ordering_class {
	HV_VPCI_ORDERING_NONE,
	HV_VPCI_ORDERING_MOV,
	HV_VPCI_ORDERING_LFENCE,
	HV_VPCI_ORDERING_SFENCE,
	HV_VPCI_ORDERING_MFENCE,
	HV_VPCI_ORDERING_LOCK_ADD,
	HV_VPCI_ORDERING_XCHG,
	HV_VPCI_ORDERING_CPUID,
	HV_VPCI_ORDERING_WRMSR,
	HV_VPCI_ORDERING_MOV_CR,
	HV_VPCI_ORDERING_IRET,
	HV_VPCI_ORDERING_OUTB,
	HV_VPCI_ORDERING_OTHER_MMIO,
	HV_VPCI_ORDERING_RDTSC,
	HV_VPCI_ORDERING_PAUSE,
	HV_VPCI_ORDERING_NR,
};

static const char * const hv_vpci_ordering_class_names[HV_VPCI_ORDERING_NR] = {
	[HV_VPCI_ORDERING_NONE]		= "none",
	[HV_VPCI_ORDERING_MOV]		= "mov",
	[HV_VPCI_ORDERING_LFENCE]	= "lfence",
	[HV_VPCI_ORDERING_SFENCE]	= "sfence",
	[HV_VPCI_ORDERING_MFENCE]	= "mfence",
	[HV_VPCI_ORDERING_LOCK_ADD]	= "lock-add",
	[HV_VPCI_ORDERING_XCHG]		= "xchg",
	[HV_VPCI_ORDERING_CPUID]	= "cpuid",
	[HV_VPCI_ORDERING_WRMSR]	= "wrmsr",
	[HV_VPCI_ORDERING_MOV_CR]	= "mov-cr",
	[HV_VPCI_ORDERING_IRET]		= "iret",
	[HV_VPCI_ORDERING_OUTB]		= "outb",
	[HV_VPCI_ORDERING_OTHER_MMIO]	= "other-mmio",
	/* what mdelay()'s TSC busy-wait is made of */
	[HV_VPCI_ORDERING_RDTSC]	= "rdtsc",
	[HV_VPCI_ORDERING_PAUSE]	= "pause",
};

/* A drain seen once may be the model's delay; a pass seen once is proof. */
#define HV_VPCI_ORDERING_TRIES	3

/* Config dwords tried, in order, until A and B read differently. */
static const u16 hv_vpci_ordering_offsets[] = {
	PCI_CLASS_REVISION, PCI_VENDOR_ID, 0x100, PCI_SUBSYSTEM_VENDOR_ID,
};

/* Values the instructions need, prepared before the unfenced store. */
struct hv_vpci_ordering_ctx {
	void __iomem *other_mmio;
	unsigned long cr4;
	u32 msr_lo, msr_hi;
};

/* Exactly one instruction of @class (nothing for "none"). */
static __always_inline void
hv_vpci_ordering_exec(int class, const struct hv_vpci_ordering_ctx *c)
{
	unsigned long word = 0, tmp = 1;
	u32 eax = 0, ebx, ecx = 0, edx;

	switch (class) {
	case HV_VPCI_ORDERING_MOV:
		asm volatile("movq %1, %0" : "=m" (word) : "r" (tmp) : "memory");
		break;
	case HV_VPCI_ORDERING_LFENCE:
		asm volatile("lfence" : : : "memory");
		break;
	case HV_VPCI_ORDERING_SFENCE:
		asm volatile("sfence" : : : "memory");
		break;
	case HV_VPCI_ORDERING_MFENCE:
		asm volatile("mfence" : : : "memory");
		break;
	case HV_VPCI_ORDERING_LOCK_ADD:
		asm volatile("lock addq $0, %0" : "+m" (word) : : "memory", "cc");
		break;
	case HV_VPCI_ORDERING_XCHG:
		asm volatile("xchgq %0, %1" : "+r" (tmp), "+m" (word) : : "memory");
		break;
	case HV_VPCI_ORDERING_CPUID:
		asm volatile("cpuid" : "+a" (eax), "=b" (ebx), "+c" (ecx), "=d" (edx)
			     : : "memory");
		break;
	case HV_VPCI_ORDERING_WRMSR:
		asm volatile("wrmsr" : : "c" (MSR_TSC_AUX), "a" (c->msr_lo),
			     "d" (c->msr_hi) : "memory");
		break;
	case HV_VPCI_ORDERING_MOV_CR:
		asm volatile("mov %0, %%cr4" : : "r" (c->cr4) : "memory");
		break;
	case HV_VPCI_ORDERING_IRET:
		iret_to_self();
		break;
	case HV_VPCI_ORDERING_OUTB:
		asm volatile("outb %b0, $0x80" : : "a" (0) : "memory");
		break;
	case HV_VPCI_ORDERING_OTHER_MMIO:
		(void)readl(c->other_mmio);
		break;
	case HV_VPCI_ORDERING_RDTSC:
		asm volatile("rdtsc" : "=a" (eax), "=d" (edx) : : "memory");
		break;
	case HV_VPCI_ORDERING_PAUSE:
		asm volatile("pause" : : : "memory");
		break;
	default:
		break;
	}
}

/* A fenced window read of @wslot at @off; cfg_lock held. */
static u32 hv_vpci_ordering_fenced_read(struct hv_vpci_bus *hbus, u32 wslot,
					u32 off)
{
	u32 val;

	writel(wslot, hbus->cfg_base + HV_VPCI_CFG_SELECT_OFFSET);
	mb();
	val = readl(hbus->cfg_base + HV_VPCI_CFG_PAGE_OFFSET + off);
	mb();
	return val;
}

#define HV_VPCI_ORDERING_CANDIDATES	8

/*
 * Pick A (the first function) and B (the first other one that reads
 * differently at one of the probe offsets); cfg_lock held.  Returns false
 * if no two functions can be told apart.
 */
static bool hv_vpci_ordering_pick(struct hv_vpci_bus *hbus, const u32 *slots,
				  unsigned int n, u32 *slot, u32 *val, u32 *off)
{
	unsigned int j, i;

	slot[0] = slots[0];
	for (j = 1; j < n; j++) {
		slot[1] = slots[j];
		for (i = 0; i < ARRAY_SIZE(hv_vpci_ordering_offsets); i++) {
			*off = hv_vpci_ordering_offsets[i];
			val[0] = hv_vpci_ordering_fenced_read(hbus, slot[0], *off);
			val[1] = hv_vpci_ordering_fenced_read(hbus, slot[1], *off);
			if (val[0] != val[1])
				return true;
		}
	}
	return false;
}

static int hv_vpci_ordering_run(struct hv_vpci_bus *hbus, int class)
{
	void __iomem *page = hbus->cfg_base + HV_VPCI_CFG_PAGE_OFFSET;
	void __iomem *sel = hbus->cfg_base + HV_VPCI_CFG_SELECT_OFFSET;
	struct hv_vpci_ordering_ctx c = {
		.other_mmio = hbus->regs + HV_VPCI_REG_MAGIC,
	};
	u32 slots[HV_VPCI_ORDERING_CANDIDATES], slot[2], val[2], off = 0;
	u32 seen = 0, confirm;
	unsigned int drained = 0, passed = 0, other = 0, i, n = 0;
	unsigned long flags;
	bool found;

	spin_lock_irqsave(&hbus->children_lock, flags);
	for (i = 0; i < HV_VPCI_MAX_FUNCTIONS && n < ARRAY_SIZE(slots); i++)
		if (hbus->children[i])
			slots[n++] = i;
	spin_unlock_irqrestore(&hbus->children_lock, flags);
	if (n < 2)
		return -ENODEV;
	if (class == HV_VPCI_ORDERING_WRMSR &&
	    rdmsr_safe(MSR_TSC_AUX, &c.msr_lo, &c.msr_hi))
		return -EOPNOTSUPP;

	spin_lock_irqsave(&hbus->cfg_lock, flags);
	c.cr4 = __read_cr4();
	found = hv_vpci_ordering_pick(hbus, slots, n, slot, val, &off);
	for (i = 0; found && i < HV_VPCI_ORDERING_TRIES; i++) {
		confirm = hv_vpci_ordering_fenced_read(hbus, slot[0], off);
		writel(slot[1], sel);
		hv_vpci_ordering_exec(class, &c);
		seen = readl(page + off);
		mb();
		if (confirm != val[0] || (seen != val[0] && seen != val[1]))
			other++;
		else if (seen == val[1])
			drained++;
		else
			passed++;
	}
	spin_unlock_irqrestore(&hbus->cfg_lock, flags);

	if (!found)
		return -ENODEV;
	mutex_lock(&hbus->ordering_lock);
	scnprintf(hbus->ordering_result, sizeof(hbus->ordering_result),
		  "%s %s (%u of %u drained, %u passed, %u other; at %#x A %02x.%x reads %#x, B %02x.%x reads %#x, last %#x)\n",
		  hv_vpci_ordering_class_names[class],
		  other ? "inconclusive" : passed ? "not-drained" : "drained",
		  drained, HV_VPCI_ORDERING_TRIES, passed, other, off,
		  HV_VPCI_WSLOT_DEV(slot[0]), HV_VPCI_WSLOT_FN(slot[0]), val[0],
		  HV_VPCI_WSLOT_DEV(slot[1]), HV_VPCI_WSLOT_FN(slot[1]), val[1],
		  seen);
	mutex_unlock(&hbus->ordering_lock);
	return 0;
}

static ssize_t hv_vpci_ordering_file_write(struct file *file,
					   const char __user *ubuf,
					   size_t count, loff_t *ppos)
{
	struct hv_vpci_bus *hbus = file->private_data;
	char name[24];
	int class, ret;

	if (count >= sizeof(name))
		return -EINVAL;
	if (copy_from_user(name, ubuf, count))
		return -EFAULT;
	name[count] = '\0';
	class = match_string(hv_vpci_ordering_class_names,
			     HV_VPCI_ORDERING_NR, strim(name));
	if (class < 0)
		return class;
	ret = hv_vpci_ordering_run(hbus, class);
	return ret ? ret : count;
}

static ssize_t hv_vpci_ordering_file_read(struct file *file,
					  char __user *ubuf,
					  size_t count, loff_t *ppos)
{
	struct hv_vpci_bus *hbus = file->private_data;
	char buf[sizeof(hbus->ordering_result)];
	size_t len;

	mutex_lock(&hbus->ordering_lock);
	len = strscpy(buf, hbus->ordering_result[0] ? hbus->ordering_result :
		      "idle\n", sizeof(buf));
	mutex_unlock(&hbus->ordering_lock);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const struct file_operations hv_vpci_ordering_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= hv_vpci_ordering_file_read,
	.write	= hv_vpci_ordering_file_write,
	.llseek	= default_llseek,
};

/**
 * hv_vpci_ordering_probe_debugfs() - create hv_vpci/<domain>/ordering_probe
 * @hbus:	the bus, with hbus->debugfs created
 */
void hv_vpci_ordering_probe_debugfs(struct hv_vpci_bus *hbus)
{
	mutex_init(&hbus->ordering_lock);
	debugfs_create_file("ordering_probe", 0600, hbus->debugfs, hbus,
			    &hv_vpci_ordering_fops);
}
