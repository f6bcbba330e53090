// SPDX-License-Identifier: GPL-2.0
/*
 * vpci_testfn: driver for the vpci-rig test function (1234:5651).
 *
 * It enables every interrupt vector of the function (MSI-X, 8 vectors;
 * MSI as a fallback, or with use_msi=1), counts what arrives per vector
 * and per CPU, and exposes in debugfs, under vpci_testfn/<pci-name>/:
 *
 *   irq_counts   read: one line per vector (see vpci_testfn_counts_show())
 *   raise        write a vector number: the device raises it (doorbell)
 *   sync         write a vector number: wait until no CPU runs its handler
 *                (synchronize_irq()); an edge interrupt that arrives while
 *                another CPU is still in its handler is run by that CPU
 *   affinity     read: vector, irq, effective CPUs; write "VECTOR CPU"
 *   regs         read: the device's own counters (BAR 0), to cross-check
 *   journal      read: the device's journal of config writes, oldest first
 *   reset        write anything: clear device counters and ours
 *   mask         write "VECTOR 1|0": disable_irq() / enable_irq(); with MSI
 *                the vectors are unlazy, so each masks or unmasks in the
 *                device (config writes through the bus's pci_ops)
 *   msi          read: per vector, the message the kernel wrote and what
 *                the device holds (its BAR 0 mirror of the capability)
 *   vector       read: per vector "<vector> <irq> <IDT vector> <APIC ID>":
 *                where the kernel has it now (x86 vector domain)
 *   bench        write N: time N config dword reads (pci_read_config_dword),
 *                N readl()s of BAR 0 SCRATCH and N rounds of the window
 *                protocol's floor on BAR 0; read: the last result
 *
 * The register map is include/vpci-testfn-regs.h.
 */

#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/irq.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/msi.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <asm/hw_irq.h>

#if !__has_include("vpci-testfn-regs.h")
#error "vpci-testfn-regs.h not found: build with VPCI_RIG_INCLUDE=<vpci-rig>/include"
#endif
#include "vpci-testfn-regs.h"

struct vpci_testfn;

struct vpci_testfn_vector {
	struct vpci_testfn *tf;
	unsigned int index;
	int irq;
	bool requested;
	bool disabled;			/* by a "mask" write; under mask_lock */
	unsigned long __percpu *count;	/* interrupts seen, per CPU */
	char name[32];
};

struct vpci_testfn {
	struct pci_dev *pdev;
	void __iomem *regs;
	bool msix;
	unsigned int nvec;
	struct vpci_testfn_vector vec[VPCI_TESTFN_MSIX_VECTORS];
	struct mutex mask_lock;
	struct dentry *dir;
	/* debugfs bench: the last run */
	unsigned int bench_reads;
	u64 bench_cfg_ns, bench_mmio_ns, bench_floor_ns;
};

static struct dentry *vpci_testfn_root;

/*
 * MSI's address, data and mask live in config space, so with MSI every
 * interrupt set-up, affinity move and mask goes through the bus's config
 * accessors: for hv_vpci, the shared window, as pci-hyperv's did in 2016.
 */
static bool use_msi;
module_param(use_msi, bool, 0444);
MODULE_PARM_DESC(use_msi, "Use MSI instead of MSI-X (default: MSI-X)");

static irqreturn_t vpci_testfn_isr(int irq, void *data)
{
	struct vpci_testfn_vector *vec = data;

	this_cpu_inc(*vec->count);
	return IRQ_HANDLED;
}

/*
 * irq_counts: a comment line, then per vector
 * "<vector> <irq> <total> <count on cpu0> ... <count on cpuN-1>"
 * over all possible CPUs.
 */
static int vpci_testfn_counts_show(struct seq_file *m, void *unused)
{
	struct vpci_testfn *tf = m->private;
	unsigned int v, cpu;

	seq_printf(m, "# mode %s vectors %u; vector irq total", tf->msix ?
		   "msix" : "msi", tf->nvec);
	for_each_possible_cpu(cpu)
		seq_printf(m, " cpu%u", cpu);
	seq_putc(m, '\n');
	for (v = 0; v < tf->nvec; v++) {
		struct vpci_testfn_vector *vec = &tf->vec[v];
		unsigned long total = 0;

		for_each_possible_cpu(cpu)
			total += *per_cpu_ptr(vec->count, cpu);
		seq_printf(m, "%u %d %lu", v, vec->irq, total);
		for_each_possible_cpu(cpu)
			seq_printf(m, " %lu", *per_cpu_ptr(vec->count, cpu));
		seq_putc(m, '\n');
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vpci_testfn_counts);

/* regs: "name value" per line, values as the device reports them. */
static int vpci_testfn_regs_show(struct seq_file *m, void *unused)
{
	struct vpci_testfn *tf = m->private;
	unsigned int v;

	seq_printf(m, "id %#x\n", readl(tf->regs + VPCI_TESTFN_REG_ID));
	seq_printf(m, "fn %u\n", readl(tf->regs + VPCI_TESTFN_REG_FN));
	seq_printf(m, "cfg_writes %u\n",
		   readl(tf->regs + VPCI_TESTFN_REG_CFG_WRITES));
	seq_printf(m, "journal_count %u\n",
		   readl(tf->regs + VPCI_TESTFN_REG_JOURNAL_COUNT));
	seq_printf(m, "scratch %#x\n",
		   readl(tf->regs + VPCI_TESTFN_REG_SCRATCH));
	seq_printf(m, "irq_dropped %u\n",
		   readl(tf->regs + VPCI_TESTFN_REG_IRQ_DROPPED));
	seq_printf(m, "msi_held %u\n", readl(tf->regs + VPCI_TESTFN_REG_MSI_HELD));
	seq_printf(m, "msi_stray %u\n", readl(tf->regs + VPCI_TESTFN_REG_MSI_STRAY));
	seq_printf(m, "msi_sent %#x:%#x %#x\n",
		   readl(tf->regs + VPCI_TESTFN_REG_MSI_SENT_ADDR_HI),
		   readl(tf->regs + VPCI_TESTFN_REG_MSI_SENT_ADDR_LO),
		   readl(tf->regs + VPCI_TESTFN_REG_MSI_SENT_DATA));
	for (v = 0; v < VPCI_TESTFN_MSIX_VECTORS; v++)
		seq_printf(m, "irq_sent%u %u\n", v,
			   readl(tf->regs + VPCI_TESTFN_REG_IRQ_COUNT(v)));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vpci_testfn_regs);

/* journal: "<index> <offset> <size> <value>" per entry, oldest first. */
static int vpci_testfn_journal_show(struct seq_file *m, void *unused)
{
	struct vpci_testfn *tf = m->private;
	u32 count = readl(tf->regs + VPCI_TESTFN_REG_JOURNAL_COUNT);
	u32 first = count > VPCI_TESTFN_JOURNAL_ENTRIES ?
		    count - VPCI_TESTFN_JOURNAL_ENTRIES : 0;
	u32 i;

	for (i = first; i != count; i++) {
		u32 off = VPCI_TESTFN_REG_JOURNAL +
			  8 * (i % VPCI_TESTFN_JOURNAL_ENTRIES);
		u32 where = readl(tf->regs + off);
		u32 val = readl(tf->regs + off + 4);

		seq_printf(m, "%u %#x %u %#x\n", i, where & 0xffff,
			   where >> VPCI_TESTFN_JOURNAL_SIZE_SHIFT, val);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vpci_testfn_journal);

static int vpci_testfn_affinity_show(struct seq_file *m, void *unused)
{
	struct vpci_testfn *tf = m->private;
	unsigned int v;

	for (v = 0; v < tf->nvec; v++) {
		struct irq_data *d = irq_get_irq_data(tf->vec[v].irq);

		seq_printf(m, "%u %d %*pbl\n", v, tf->vec[v].irq,
			   cpumask_pr_args(d ?
				irq_data_get_effective_affinity_mask(d) :
				cpu_none_mask));
	}
	return 0;
}

static ssize_t vpci_testfn_affinity_write(struct file *file,
					  const char __user *ubuf,
					  size_t len, loff_t *ppos)
{
	struct vpci_testfn *tf = file_inode(file)->i_private;
	unsigned int v, cpu;
	char buf[32];
	int ret;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "%u %u", &v, &cpu) != 2 || v >= tf->nvec ||
	    cpu >= nr_cpu_ids || !cpu_online(cpu))
		return -EINVAL;
	ret = irq_set_affinity(tf->vec[v].irq, cpumask_of(cpu));
	return ret ? ret : len;
}

static int vpci_testfn_affinity_open(struct inode *inode, struct file *file)
{
	return single_open(file, vpci_testfn_affinity_show, inode->i_private);
}

static const struct file_operations vpci_testfn_affinity_fops = {
	.owner		= THIS_MODULE,
	.open		= vpci_testfn_affinity_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= single_release,
	.write		= vpci_testfn_affinity_write,
};

static ssize_t vpci_testfn_mask_write(struct file *file,
				      const char __user *ubuf, size_t len,
				      loff_t *ppos)
{
	struct vpci_testfn *tf = file_inode(file)->i_private;
	unsigned int v, masked;
	char buf[32];

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "%u %u", &v, &masked) != 2 || v >= tf->nvec ||
	    masked > 1)
		return -EINVAL;
	/* disable_irq() nests: keep one level per vector */
	mutex_lock(&tf->mask_lock);
	if (masked && !tf->vec[v].disabled)
		disable_irq(tf->vec[v].irq);
	else if (!masked && tf->vec[v].disabled)
		enable_irq(tf->vec[v].irq);
	tf->vec[v].disabled = masked;
	mutex_unlock(&tf->mask_lock);
	return len;
}

static const struct file_operations vpci_testfn_mask_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= vpci_testfn_mask_write,
	.llseek	= noop_llseek,
};

/*
 * msi: per vector "<vector> <irq> kernel <addr_hi> <addr_lo> <data>
 * <masked> device <flags> <addr_hi> <addr_lo> <data> <mask> <pending>".
 * "kernel" is the message the kernel last wrote (its cache) and whether
 * it believes the vector masked; "device" is the function's own view.
 */
static int vpci_testfn_msi_show(struct seq_file *m, void *unused)
{
	struct vpci_testfn *tf = m->private;
	unsigned int v;

	for (v = 0; v < tf->nvec; v++) {
		struct irq_data *d = irq_get_irq_data(tf->vec[v].irq);
		struct msi_msg msg = {};

		get_cached_msi_msg(tf->vec[v].irq, &msg);
		seq_printf(m, "%u %d kernel %#x %#x %#x %d device %#x %#x %#x %#x %#x %#x\n",
			   v, tf->vec[v].irq, msg.address_hi, msg.address_lo,
			   msg.data, d ? !!irqd_irq_masked(d) : -1,
			   readl(tf->regs + VPCI_TESTFN_REG_MSI_FLAGS),
			   readl(tf->regs + VPCI_TESTFN_REG_MSI_ADDR_HI),
			   readl(tf->regs + VPCI_TESTFN_REG_MSI_ADDR_LO),
			   readl(tf->regs + VPCI_TESTFN_REG_MSI_DATA),
			   readl(tf->regs + VPCI_TESTFN_REG_MSI_MASK),
			   readl(tf->regs + VPCI_TESTFN_REG_MSI_PENDING));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vpci_testfn_msi);

static int vpci_testfn_vector_show(struct seq_file *m, void *unused)
{
	struct vpci_testfn *tf = m->private;
	unsigned int v;

	for (v = 0; v < tf->nvec; v++) {
		struct irq_data *d = irq_get_irq_data(tf->vec[v].irq);
		struct irq_cfg *cfg = d ? irqd_cfg(d) : NULL;

		seq_printf(m, "%u %d %#x %d\n", v, tf->vec[v].irq,
			   cfg ? cfg->vector : 0, cfg ? (int)cfg->dest_apicid : -1);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vpci_testfn_vector);

/* The vector number a debugfs write names: 0 or -errno. */
static int vpci_testfn_vector_from_user(struct vpci_testfn *tf,
					const char __user *ubuf, size_t len,
					unsigned int *v)
{
	int ret = kstrtouint_from_user(ubuf, len, 0, v);

	if (ret)
		return ret;
	return *v < tf->nvec ? 0 : -EINVAL;
}

static ssize_t vpci_testfn_raise_write(struct file *file,
				       const char __user *ubuf, size_t len,
				       loff_t *ppos)
{
	struct vpci_testfn *tf = file_inode(file)->i_private;
	unsigned int v;
	int ret;

	ret = vpci_testfn_vector_from_user(tf, ubuf, len, &v);
	if (ret)
		return ret;
	writel(v, tf->regs + VPCI_TESTFN_REG_DOORBELL);
	return len;
}

static const struct file_operations vpci_testfn_raise_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= vpci_testfn_raise_write,
	.llseek	= noop_llseek,
};

static ssize_t vpci_testfn_sync_write(struct file *file,
				      const char __user *ubuf, size_t len,
				      loff_t *ppos)
{
	struct vpci_testfn *tf = file_inode(file)->i_private;
	unsigned int v;
	int ret;

	ret = vpci_testfn_vector_from_user(tf, ubuf, len, &v);
	if (ret)
		return ret;
	synchronize_irq(tf->vec[v].irq);
	return len;
}

static const struct file_operations vpci_testfn_sync_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= vpci_testfn_sync_write,
	.llseek	= noop_llseek,
};

static ssize_t vpci_testfn_reset_write(struct file *file,
				       const char __user *ubuf, size_t len,
				       loff_t *ppos)
{
	struct vpci_testfn *tf = file_inode(file)->i_private;
	unsigned int v, cpu;

	writel(1, tf->regs + VPCI_TESTFN_REG_RESET_COUNTERS);
	for (v = 0; v < tf->nvec; v++)
		for_each_possible_cpu(cpu)
			*per_cpu_ptr(tf->vec[v].count, cpu) = 0;
	return len;
}

static const struct file_operations vpci_testfn_reset_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= vpci_testfn_reset_write,
	.llseek	= noop_llseek,
};

/*
 * bench: the cost of a config read through the bus's pci_ops (for hv_vpci:
 * lock, slot select, fence, window load, fence) against a plain MMIO load,
 * and against the least any window protocol must do per read, all timed
 * here so none pays a system call per access.  That floor is hv_vpci's
 * read without the PCI core and the window: under a spinlock with
 * interrupts off, an MMIO store and an MMIO load, each followed by a full
 * fence, both to BAR 0 SCRATCH (the store writes back what it holds).
 */
static DEFINE_SPINLOCK(vpci_testfn_floor_lock);

static int vpci_testfn_bench_show(struct seq_file *m, void *unused)
{
	struct vpci_testfn *tf = m->private;

	seq_printf(m, "reads %u\nconfig_ns %llu\nmmio_ns %llu\nfloor_ns %llu\n",
		   tf->bench_reads, tf->bench_cfg_ns, tf->bench_mmio_ns,
		   tf->bench_floor_ns);
	return 0;
}

static ssize_t vpci_testfn_bench_write(struct file *file,
				       const char __user *ubuf, size_t len,
				       loff_t *ppos)
{
	struct seq_file *m = file->private_data;
	struct vpci_testfn *tf = m->private;
	unsigned long flags;
	unsigned int n, i;
	u32 v;
	u64 t0;
	int ret;

	ret = kstrtouint_from_user(ubuf, len, 0, &n);
	if (ret)
		return ret;
	if (!n || n > 10000000)
		return -EINVAL;
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		pci_read_config_dword(tf->pdev, VPCI_TESTFN_CFG_SIG_BASE, &v);
		if (!(i & 1023))
			cond_resched();
	}
	tf->bench_cfg_ns = ktime_get_ns() - t0;
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		v = readl(tf->regs + VPCI_TESTFN_REG_SCRATCH);
		if (!(i & 1023))
			cond_resched();
	}
	tf->bench_mmio_ns = ktime_get_ns() - t0;
	v = readl(tf->regs + VPCI_TESTFN_REG_SCRATCH);
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		spin_lock_irqsave(&vpci_testfn_floor_lock, flags);
		writel(v, tf->regs + VPCI_TESTFN_REG_SCRATCH);
		mb();
		v = readl(tf->regs + VPCI_TESTFN_REG_SCRATCH);
		mb();
		spin_unlock_irqrestore(&vpci_testfn_floor_lock, flags);
		if (!(i & 1023))
			cond_resched();
	}
	tf->bench_floor_ns = ktime_get_ns() - t0;
	tf->bench_reads = n;
	return len;
}

static int vpci_testfn_bench_open(struct inode *inode, struct file *file)
{
	return single_open(file, vpci_testfn_bench_show, inode->i_private);
}

static const struct file_operations vpci_testfn_bench_fops = {
	.owner		= THIS_MODULE,
	.open		= vpci_testfn_bench_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= single_release,
	.write		= vpci_testfn_bench_write,
};

static void vpci_testfn_free_vectors(struct vpci_testfn *tf)
{
	unsigned int v;

	for (v = 0; v < VPCI_TESTFN_MSIX_VECTORS; v++) {
		struct vpci_testfn_vector *vec = &tf->vec[v];

		if (vec->requested && vec->disabled)
			enable_irq(vec->irq);
		vec->disabled = false;
		if (vec->requested) {
			free_irq(vec->irq, vec);
			irq_clear_status_flags(vec->irq, IRQ_DISABLE_UNLAZY);
		}
		vec->requested = false;
		free_percpu(vec->count);
		vec->count = NULL;
	}
	pci_free_irq_vectors(tf->pdev);
}

/**
 * vpci_testfn_setup_vectors() - MSI-X with all vectors, else MSI
 * @tf:	the function
 *
 * Return: 0 or -errno.
 */
static int vpci_testfn_setup_vectors(struct vpci_testfn *tf)
{
	struct device *dev = &tf->pdev->dev;
	unsigned int v;
	int ret;

	ret = use_msi ? -EINVAL :
	      pci_alloc_irq_vectors(tf->pdev, VPCI_TESTFN_MSIX_VECTORS,
				    VPCI_TESTFN_MSIX_VECTORS, PCI_IRQ_MSIX);
	tf->msix = ret > 0;
	if (ret < 0)
		ret = pci_alloc_irq_vectors(tf->pdev, 1,
					    VPCI_TESTFN_MSI_VECTORS,
					    PCI_IRQ_MSI);
	if (ret < 0) {
		dev_err(dev, "neither 8 MSI-X vectors nor MSI (%d)\n", ret);
		return ret;
	}
	tf->nvec = ret;

	for (v = 0; v < tf->nvec; v++) {
		struct vpci_testfn_vector *vec = &tf->vec[v];

		vec->tf = tf;
		vec->index = v;
		vec->count = alloc_percpu(unsigned long);
		if (!vec->count) {
			ret = -ENOMEM;
			goto err;
		}
		vec->irq = pci_irq_vector(tf->pdev, v);
		snprintf(vec->name, sizeof(vec->name), "vpci_testfn-%s-%u",
			 pci_name(tf->pdev), v);
		/* a mask write reaches the device at once, not at the next
		 * interrupt (disable_irq() is lazy by default) */
		if (!tf->msix)
			irq_set_status_flags(vec->irq, IRQ_DISABLE_UNLAZY);
		ret = request_irq(vec->irq, vpci_testfn_isr, 0, vec->name, vec);
		if (ret) {
			dev_err(dev, "cannot request irq %d for vector %u (%d)\n",
				vec->irq, v, ret);
			goto err;
		}
		vec->requested = true;
	}
	return 0;

err:
	vpci_testfn_free_vectors(tf);
	return ret;
}

static void vpci_testfn_debugfs_init(struct vpci_testfn *tf)
{
	tf->dir = debugfs_create_dir(pci_name(tf->pdev), vpci_testfn_root);
	debugfs_create_file("irq_counts", 0444, tf->dir, tf,
			    &vpci_testfn_counts_fops);
	debugfs_create_file("regs", 0444, tf->dir, tf, &vpci_testfn_regs_fops);
	debugfs_create_file("journal", 0444, tf->dir, tf,
			    &vpci_testfn_journal_fops);
	debugfs_create_file("affinity", 0644, tf->dir, tf,
			    &vpci_testfn_affinity_fops);
	debugfs_create_file("raise", 0200, tf->dir, tf,
			    &vpci_testfn_raise_fops);
	debugfs_create_file("sync", 0200, tf->dir, tf, &vpci_testfn_sync_fops);
	debugfs_create_file("reset", 0200, tf->dir, tf,
			    &vpci_testfn_reset_fops);
	debugfs_create_file("mask", 0200, tf->dir, tf, &vpci_testfn_mask_fops);
	debugfs_create_file("msi", 0444, tf->dir, tf, &vpci_testfn_msi_fops);
	debugfs_create_file("vector", 0444, tf->dir, tf, &vpci_testfn_vector_fops);
	debugfs_create_file("bench", 0644, tf->dir, tf,
			    &vpci_testfn_bench_fops);
}

static int vpci_testfn_probe(struct pci_dev *pdev,
			     const struct pci_device_id *id)
{
	struct vpci_testfn *tf;
	int ret;

	tf = kzalloc(sizeof(*tf), GFP_KERNEL);
	if (!tf)
		return -ENOMEM;
	tf->pdev = pdev;
	mutex_init(&tf->mask_lock);
	pci_set_drvdata(pdev, tf);

	ret = pci_enable_device_mem(pdev);
	if (ret)
		goto err_free;
	ret = pci_request_region(pdev, VPCI_TESTFN_REG_BAR, "vpci_testfn");
	if (ret)
		goto err_disable;
	tf->regs = pci_iomap(pdev, VPCI_TESTFN_REG_BAR, VPCI_TESTFN_REG_SIZE);
	if (!tf->regs) {
		dev_err(&pdev->dev, "cannot map BAR %d (%pR)\n",
			VPCI_TESTFN_REG_BAR,
			&pdev->resource[VPCI_TESTFN_REG_BAR]);
		ret = -ENOMEM;
		goto err_release;
	}
	pci_set_master(pdev);
	ret = vpci_testfn_setup_vectors(tf);
	if (ret)
		goto err_unmap;
	vpci_testfn_debugfs_init(tf);
	dev_info(&pdev->dev, "function %u, %u %s vectors\n",
		 readl(tf->regs + VPCI_TESTFN_REG_FN), tf->nvec,
		 tf->msix ? "MSI-X" : "MSI");
	return 0;

err_unmap:
	pci_iounmap(pdev, tf->regs);
err_release:
	pci_release_region(pdev, VPCI_TESTFN_REG_BAR);
err_disable:
	pci_disable_device(pdev);
err_free:
	kfree(tf);
	return ret;
}

static void vpci_testfn_remove(struct pci_dev *pdev)
{
	struct vpci_testfn *tf = pci_get_drvdata(pdev);

	debugfs_remove_recursive(tf->dir);
	vpci_testfn_free_vectors(tf);
	pci_iounmap(pdev, tf->regs);
	pci_release_region(pdev, VPCI_TESTFN_REG_BAR);
	pci_disable_device(pdev);
	kfree(tf);
}

static const struct pci_device_id vpci_testfn_ids[] = {
	{ PCI_DEVICE(VPCI_TESTFN_VENDOR_ID, VPCI_TESTFN_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, vpci_testfn_ids);

static struct pci_driver vpci_testfn_driver = {
	.name		= "vpci_testfn",
	.id_table	= vpci_testfn_ids,
	.probe		= vpci_testfn_probe,
	.remove		= vpci_testfn_remove,
};

static int __init vpci_testfn_init(void)
{
	int ret;

	vpci_testfn_root = debugfs_create_dir("vpci_testfn", NULL);
	ret = pci_register_driver(&vpci_testfn_driver);
	if (ret)
		debugfs_remove_recursive(vpci_testfn_root);
	return ret;
}
module_init(vpci_testfn_init);

static void __exit vpci_testfn_exit(void)
{
	pci_unregister_driver(&vpci_testfn_driver);
	debugfs_remove_recursive(vpci_testfn_root);
}
module_exit(vpci_testfn_exit);

MODULE_DESCRIPTION("Driver for the vpci-rig test function: interrupt counters in debugfs");
MODULE_LICENSE("GPL");
