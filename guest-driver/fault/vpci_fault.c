// SPDX-License-Identifier: GPL-2.0
/*
 * vpci_fault - deliberate machine faults for the vpci-rig harness.
 *
 * The harness must classify a triple fault, a panic and a hang correctly;
 * this module produces each of them on demand, through write-only files in
 * debugfs (vpci_fault/):
 *
 *   triple_fault  CPU number: that CPU loads an empty IDT and raises #BP.
 *                 The #BP cannot be delivered (#GP), nor the #GP (#DF), nor
 *                 the #DF: the CPU shuts down, i.e. a genuine triple fault.
 *   panic         anything: panic().
 *   hang          CPU number: that CPU spins forever with interrupts off.
 *   hang_all      anything: every online CPU does.
 *   gdb_wait      anything: the writer sleeps in vpci_gdb_stop() until a
 *                 debugger sets vpci_gdb_go (the agent's stop point for
 *                 'vpci-rig run --gdb'; RUN/gdb-script does "set var").
 *
 * The writer of hang returns; the other files never return to the writer
 * when the fault lands on the writer's own CPU.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/panic.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <asm/desc.h>

static struct dentry *vpci_fault_dir;

/* Runs on the victim CPU with interrupts disabled; never returns. */
static void vpci_fault_triple(void *unused)
{
	static const struct desc_ptr empty_idt = { .size = 0, .address = 0 };

	local_irq_disable();
	pr_emerg("triple fault on cpu %d\n", smp_processor_id());
	native_load_idt(&empty_idt);
	for (;;)
		asm volatile("int3" ::: "memory");
}

static int __noreturn vpci_fault_spin(void *unused)
{
	local_irq_disable();
	pr_emerg("cpu %d spinning with interrupts off\n", smp_processor_id());
	for (;;)
		cpu_relax();
}

/*
 * Parse a CPU number written from user space and check it is online.
 * Returns the CPU or a negative errno.
 */
static int vpci_fault_parse_cpu(const char __user *buf, size_t count)
{
	unsigned int cpu;
	int ret;

	ret = kstrtouint_from_user(buf, count, 0, &cpu);
	if (ret)
		return ret;
	if (cpu >= nr_cpu_ids || !cpu_online(cpu))
		return -EINVAL;
	return cpu;
}

static ssize_t triple_fault_write(struct file *file, const char __user *buf,
				  size_t count, loff_t *ppos)
{
	int cpu, ret;

	cpus_read_lock();
	cpu = vpci_fault_parse_cpu(buf, count);
	if (cpu < 0) {
		ret = cpu;
	} else {
		pr_emerg("triple fault requested on cpu %d\n", cpu);
		/* Runs locally (interrupts off) if @cpu is the current CPU. */
		ret = smp_call_function_single(cpu, vpci_fault_triple, NULL, 0);
	}
	cpus_read_unlock();
	return ret ? ret : count;
}

static ssize_t panic_write(struct file *file, const char __user *buf,
			   size_t count, loff_t *ppos)
{
	panic("vpci_fault: requested panic");
	return count;
}

/*
 * Each spinning CPU runs a kthread bound to it, so the writer returns even
 * when it shares the CPU it hangs: the thread takes over once the writer
 * sleeps.  All threads are created before any is woken, so a CPU that
 * already spins cannot hold up the creation of the next thread.
 */
static int vpci_fault_hang_mask(const struct cpumask *mask)
{
	struct task_struct **threads;
	unsigned int cpu;
	int ret = 0;

	threads = kcalloc(nr_cpu_ids, sizeof(*threads), GFP_KERNEL);
	if (!threads)
		return -ENOMEM;

	for_each_cpu(cpu, mask) {
		threads[cpu] = kthread_create_on_cpu(vpci_fault_spin, NULL, cpu,
						     "vpci_hang/%u");
		if (IS_ERR(threads[cpu])) {
			ret = PTR_ERR(threads[cpu]);
			threads[cpu] = NULL;
			break;
		}
	}

	for_each_cpu(cpu, mask) {
		if (!threads[cpu])
			continue;
		if (ret)
			kthread_stop(threads[cpu]);
		else
			wake_up_process(threads[cpu]);
	}

	kfree(threads);
	return ret;
}

static ssize_t hang_write(struct file *file, const char __user *buf,
			  size_t count, loff_t *ppos)
{
	int cpu, ret;

	cpus_read_lock();
	cpu = vpci_fault_parse_cpu(buf, count);
	if (cpu < 0) {
		ret = cpu;
	} else {
		pr_emerg("hang requested on cpu %d\n", cpu);
		ret = vpci_fault_hang_mask(cpumask_of(cpu));
	}
	cpus_read_unlock();
	return ret ? ret : count;
}

static ssize_t hang_all_write(struct file *file, const char __user *buf,
			      size_t count, loff_t *ppos)
{
	int ret;

	cpus_read_lock();
	pr_emerg("hang requested on all cpus\n");
	ret = vpci_fault_hang_mask(cpu_online_mask);
	cpus_read_unlock();
	return ret ? ret : count;
}

/*
 * The --gdb stop: the agent writes gdb_wait once our modules are loaded and
 * sleeps here until gdb, attached through QEMU's gdbstub, sets vpci_gdb_go.
 * Sleeping (not spinning) leaves every CPU idle, so stopping and resuming
 * the VM at any moment is harmless.  noinline: a breakpoint target.
 */
static int vpci_gdb_go;

static noinline int vpci_gdb_stop(void)
{
	pr_info("waiting for gdb (vpci_gdb_go = 0)\n");
	while (!READ_ONCE(vpci_gdb_go)) {
		if (msleep_interruptible(20))
			return -EINTR;
	}
	pr_info("gdb released the guest\n");
	WRITE_ONCE(vpci_gdb_go, 0);
	return 0;
}

static ssize_t gdb_wait_write(struct file *file, const char __user *buf,
			      size_t count, loff_t *ppos)
{
	int ret = vpci_gdb_stop();

	return ret ? ret : count;
}

static const struct file_operations gdb_wait_fops = {
	.owner = THIS_MODULE,
	.write = gdb_wait_write,
	.llseek = noop_llseek,
};

static const struct file_operations triple_fault_fops = {
	.owner = THIS_MODULE,
	.write = triple_fault_write,
	.llseek = noop_llseek,
};

static const struct file_operations panic_fops = {
	.owner = THIS_MODULE,
	.write = panic_write,
	.llseek = noop_llseek,
};

static const struct file_operations hang_fops = {
	.owner = THIS_MODULE,
	.write = hang_write,
	.llseek = noop_llseek,
};

static const struct file_operations hang_all_fops = {
	.owner = THIS_MODULE,
	.write = hang_all_write,
	.llseek = noop_llseek,
};

static int __init vpci_fault_init(void)
{
	vpci_fault_dir = debugfs_create_dir("vpci_fault", NULL);
	if (IS_ERR(vpci_fault_dir))
		return PTR_ERR(vpci_fault_dir);

	debugfs_create_file("triple_fault", 0200, vpci_fault_dir, NULL,
			    &triple_fault_fops);
	debugfs_create_file("panic", 0200, vpci_fault_dir, NULL, &panic_fops);
	debugfs_create_file("hang", 0200, vpci_fault_dir, NULL, &hang_fops);
	debugfs_create_file("hang_all", 0200, vpci_fault_dir, NULL,
			    &hang_all_fops);
	debugfs_create_file("gdb_wait", 0200, vpci_fault_dir, NULL,
			    &gdb_wait_fops);
	return 0;
}

static void __exit vpci_fault_exit(void)
{
	debugfs_remove_recursive(vpci_fault_dir);
}

module_init(vpci_fault_init);
module_exit(vpci_fault_exit);

MODULE_DESCRIPTION("vpci-rig: deliberate triple fault, panic and hang");
MODULE_LICENSE("GPL");
