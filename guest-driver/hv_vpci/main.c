// SPDX-License-Identifier: GPL-2.0
/*
 * hv_vpci: a Hyper-V style virtual PCI front end for the vpci-rig hv-vpci
 * device.
 *
 * Model
 * -----
 * On Hyper-V, pass-through PCI functions are not behind any emulated PCI
 * bridge.  The guest learns about them from messages on a VMBus channel and
 * reaches their configuration space through a two-page MMIO window:
 *
 *   page 0, offset 0   slot select: a 32-bit write of the function's
 *                      "Windows slot" (device | function << 5);
 *   page 1             the selected function's 4 KiB config space.
 *
 * Everything else (version negotiation, the list of functions, their BAR
 * sizes, where the guest put the window and the BARs, interrupt messages)
 * travels as messages.  This driver speaks exactly those messages, with
 * Hyper-V's numbers and layouts (include/hv-vpci-wire.h), but carries them
 * over a stand-in for the VMBus channel: the hv-vpci PCI function, which has
 * a register BAR, two rings in guest memory, a doorbell and an MSI, and a
 * large MMIO aperture (BAR 2) that plays the role of the VMBus MMIO space.
 * The config window and every child BAR are allocated inside the aperture.
 *
 * The front end creates a PCI root bus in its own domain whose pci_ops go
 * through the window under a spinlock: select, barrier, access, barrier.
 * Those four barriers are the point of the rig: each is a named site that
 * the "fences=" module parameter can switch off, so that the rig can show
 * what goes wrong without it (see ../../docs/design.md and the LKML thread
 * "PCI: hv: add explicit fencing to config space access", May 2016).
 *
 * Interrupts of the child functions come from an MSI irq domain stacked on
 * the x86 vector domain.  Composing a message asks the host for an
 * address/data pair (CREATE_INTERRUPT); unmasking tells the host the final
 * vector and CPU (the retarget extension standing in for the
 * HvRetargetDeviceInterrupt hypercall), so the host knows the new target
 * before the interrupt can fire again.  "eager_affinity=1" restores the
 * historical design, in which compose sends the real CPU and nothing ever
 * reprograms the host after an affinity change.
 *
 * Contexts: probe, remove and the relations work sleep; MSI compose, mask
 * and unmask run with the irq descriptor lock held and interrupts off, so
 * every host round trip has a polling variant that needs neither sleeping
 * nor the transport's own MSI.
 *
 * Files: main.c (this one: the PCI driver's probe and remove, debugfs,
 * module init), channel.c, cfg.c, irq.c, bus.c, ordering_probe.c; what
 * they share is in hv_vpci.h.
 */

#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/idr.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/seq_file.h>

#include "hv_vpci.h"

static DEFINE_IDA(hv_vpci_domain_ida);

/*
 * host_view: what the device saw, from its instrumentation registers
 * (hv-vpci-wire.h), for the agent to set against what the guest meant:
 *   misdirected N
 *   msi DEVFN delivered D stale S foreign F unmatched U last_bad_data X last_bad_owner Y
 *       last_delivery VECTOR VP HANDLE
 *     (one line per devfn with any MSI seen; the last MSI that reached an
 *     APIC, its vector, VP and remap handle, or -1 -1 -1)
 *   journal SEQ DEVFN CAP_OFF SIZE VALUE VCPU SELECT_VCPU OVERTAKES
 *     (writes into MSI capabilities, oldest first; a vCPU of -1: none;
 *     OVERTAKES 1: it reached the device before an earlier store of its
 *     vCPU, such as that vCPU's own slot select)
 * Reading it is not part of any config access, so it needs no fence.
 */
static DEFINE_MUTEX(hv_vpci_host_view_lock);

static int hv_vpci_host_view_show(struct seq_file *m, void *unused)
{
	struct hv_vpci_bus *hbus = m->private;
	void __iomem *r = hbus->regs;
	u32 count, first, i, devfn;

	mutex_lock(&hv_vpci_host_view_lock);
	seq_printf(m, "misdirected %u\n", readl(r + HV_VPCI_REG_MISDIRECTED));
	for (devfn = 0; devfn < HV_VPCI_MAX_FUNCTIONS; devfn++) {
		u32 d, st, fo, un, last;

		writel(devfn, r + HV_VPCI_REG_MSI_STATS_SELECT);
		d = readl(r + HV_VPCI_REG_MSI_DELIVERED);
		st = readl(r + HV_VPCI_REG_MSI_STALE);
		fo = readl(r + HV_VPCI_REG_MSI_FOREIGN);
		un = readl(r + HV_VPCI_REG_MSI_UNMATCHED);
		if (!(d | st | fo | un))
			continue;
		last = readl(r + HV_VPCI_REG_MSI_LAST_DELIVERY);
		seq_printf(m, "msi %#04x delivered %u stale %u foreign %u unmatched %u last_bad_data %#x last_bad_owner %#x last_delivery %#x %d %d\n",
			   devfn, d, st, fo, un,
			   readl(r + HV_VPCI_REG_MSI_LAST_BAD_DATA),
			   readl(r + HV_VPCI_REG_MSI_LAST_BAD_OWNER),
			   last & HV_VPCI_MSI_DELIVERY_VALID ? last & 0xff : 0,
			   last & HV_VPCI_MSI_DELIVERY_VALID ? (int)((last >> 8) & 0xff) : -1,
			   last & HV_VPCI_MSI_DELIVERY_VALID ? (int)((last >> 16) & 0xfff) : -1);
	}
	count = readl(r + HV_VPCI_REG_MSI_JOURNAL_COUNT);
	first = count > HV_VPCI_MSI_JOURNAL_ENTRIES ?
		count - HV_VPCI_MSI_JOURNAL_ENTRIES : 0;
	for (i = first; i != count; i++) {
		u32 e = HV_VPCI_REG_MSI_JOURNAL +
			16 * (i % HV_VPCI_MSI_JOURNAL_ENTRIES);
		u32 where = readl(r + e), val = readl(r + e + 4);
		u32 vcpus = readl(r + e + 8);

		seq_printf(m, "journal %u %#04x %#x %u %#x %d %d %d\n", readl(r + e + 12),
			   where & 0xff, (where >> 8) & 0xff, (where >> 16) & 0xff,
			   val, (int)(vcpus & 0xffff) - 1, (int)(vcpus >> 16) - 1,
			   !!(where & HV_VPCI_MSI_JOURNAL_OVERTAKES));
	}
	mutex_unlock(&hv_vpci_host_view_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hv_vpci_host_view);

static struct dentry *hv_vpci_debugfs_root;

static void hv_vpci_debugfs_init(struct hv_vpci_bus *hbus)
{
	char name[8];

	snprintf(name, sizeof(name), "%04x", hbus->domain_nr);
	hbus->debugfs = debugfs_create_dir(name, hv_vpci_debugfs_root);
	hv_vpci_ordering_probe_debugfs(hbus);
	debugfs_create_file("host_view", 0400, hbus->debugfs, hbus,
			    &hv_vpci_host_view_fops);
}

/* A PCI domain nobody uses: 0x5650 + instance, bumped on collision. */
static int hv_vpci_pick_domain(struct hv_vpci_bus *hbus)
{
	u32 instance = readl(hbus->regs + HV_VPCI_REG_INSTANCE);
	int dom = HV_VPCI_DOMAIN_BASE + (instance & 0xff);

	for (;;) {
		dom = ida_alloc_range(&hv_vpci_domain_ida, dom, 0xffff,
				      GFP_KERNEL);
		if (dom < 0 || !pci_find_bus(dom, 0))
			return dom;
		ida_free(&hv_vpci_domain_ida, dom++);
	}
}
static int hv_vpci_pci_probe(struct pci_dev *pdev,
			     const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct hv_vpci_bus *hbus;
	u32 magic, version;
	int i, ret;

	hbus = kzalloc(sizeof(*hbus), GFP_KERNEL);
	if (!hbus)
		return -ENOMEM;
	hbus->pdev = pdev;
	spin_lock_init(&hbus->tx_lock);
	spin_lock_init(&hbus->rx_lock);
	spin_lock_init(&hbus->req_lock);
	spin_lock_init(&hbus->cfg_lock);
	spin_lock_init(&hbus->children_lock);
	mutex_init(&hbus->state_lock);
	init_completion(&hbus->survey_done);
	for (i = 0; i < HV_VPCI_MAX_REQUESTS; i++)
		init_completion(&hbus->reqs[i].comp);
	hbus->state = hv_vpci_state_probing;
	hbus->busn.name = "hv_vpci bus";
	hbus->busn.start = 0;
	hbus->busn.end = 0;
	hbus->busn.flags = IORESOURCE_BUS;
	pci_set_drvdata(pdev, hbus);

	ret = pci_enable_device_mem(pdev);
	if (ret)
		goto err_free;
	ret = pci_request_region(pdev, HV_VPCI_REG_BAR, "hv_vpci registers");
	if (ret)
		goto err_disable;
	hbus->regs = pci_iomap(pdev, HV_VPCI_REG_BAR, HV_VPCI_REG_SIZE);
	if (!hbus->regs) {
		ret = -ENOMEM;
		goto err_release;
	}
	pci_set_master(pdev);
	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (ret)
		goto err_unmap_regs;

	magic = readl(hbus->regs + HV_VPCI_REG_MAGIC);
	version = readl(hbus->regs + HV_VPCI_REG_VERSION);
	if (magic != HV_VPCI_MAGIC || version != HV_VPCI_TRANSPORT_VERSION) {
		dev_err(dev, "not an hv-vpci transport v%u (magic %#x, version %u)\n",
			HV_VPCI_TRANSPORT_VERSION, magic, version);
		ret = -ENODEV;
		goto err_unmap_regs;
	}

	hbus->domain_nr = hv_vpci_pick_domain(hbus);
	if (hbus->domain_nr < 0) {
		ret = hbus->domain_nr;
		goto err_unmap_regs;
	}
	hbus->sysdata.domain = hbus->domain_nr;
	hbus->sysdata.node = dev_to_node(dev);

	hbus->wq = alloc_ordered_workqueue("hv_vpci-%04x", 0, hbus->domain_nr);
	if (!hbus->wq) {
		ret = -ENOMEM;
		goto err_domain;
	}
	ret = hv_vpci_transport_start(hbus);
	if (ret)
		goto err_wq;
	ret = hv_vpci_negotiate(hbus);
	if (ret)
		goto err_transport;
	ret = hv_vpci_cfgwin_map(hbus);
	if (ret)
		goto err_transport;

	{
		struct hv_vpci_msg msg = { .type = HV_VPCI_QUERY_BUS_RELATIONS };

		ret = hv_vpci_post(hbus, "query bus relations", &msg,
				   sizeof(msg));
		if (ret)
			goto err_window;
	}
	if (!wait_for_completion_timeout(&hbus->survey_done,
					 msecs_to_jiffies(HV_VPCI_TIMEOUT_MS))) {
		dev_err(dev, "no bus relations from host within %u ms (transport status %#x)\n",
			HV_VPCI_TIMEOUT_MS,
			readl(hbus->regs + HV_VPCI_REG_STATUS));
		ret = -ETIMEDOUT;
		goto err_children;
	}

	ret = hv_vpci_d0_entry(hbus);
	if (ret)
		goto err_children;
	ret = hv_vpci_create_irq_domain(hbus);
	if (ret)
		goto err_d0;

	mutex_lock(&hbus->state_lock);
	ret = hv_vpci_install_children(hbus);
	if (!ret)
		ret = hv_vpci_create_root_bus(hbus);
	if (!ret)
		hbus->state = hv_vpci_state_installed;
	mutex_unlock(&hbus->state_lock);
	if (ret)
		goto err_irq_domain;

	hv_vpci_debugfs_init(hbus);
	dev_info(dev, "root bus %04x:00, window %pa, child MMIO %pR, fences %s%s\n",
		 hbus->domain_nr, &hbus->cfg_phys, &hbus->mem_window,
		 hv_vpci_fences,
		 hv_vpci_eager_affinity ? ", eager affinity" : "");
	return 0;

err_irq_domain:
	hv_vpci_remove_irq_domain(hbus);
err_d0:
	hv_vpci_d0_exit(hbus);
err_children:
	mutex_lock(&hbus->state_lock);
	hbus->state = hv_vpci_state_removing;
	mutex_unlock(&hbus->state_lock);
	flush_workqueue(hbus->wq);
	hv_vpci_forget_children(hbus, ret != -ETIMEDOUT);
err_window:
	hv_vpci_cfgwin_unmap(hbus);
err_transport:
	hv_vpci_transport_stop(hbus);
err_wq:
	destroy_workqueue(hbus->wq);
err_domain:
	ida_free(&hv_vpci_domain_ida, hbus->domain_nr);
err_unmap_regs:
	pci_iounmap(pdev, hbus->regs);
err_release:
	pci_release_region(pdev, HV_VPCI_REG_BAR);
err_disable:
	pci_disable_device(pdev);
err_free:
	kfree(hbus);
	return ret;
}

static void hv_vpci_pci_remove(struct pci_dev *pdev)
{
	struct hv_vpci_bus *hbus = pci_get_drvdata(pdev);

	debugfs_remove_recursive(hbus->debugfs);

	/* No more relations or ejects; finish those already queued. */
	mutex_lock(&hbus->state_lock);
	hbus->state = hv_vpci_state_removing;
	mutex_unlock(&hbus->state_lock);
	flush_workqueue(hbus->wq);

	/* Drivers unbind and free their vectors: DELETE_INTERRUPT each. */
	hv_vpci_remove_root_bus(hbus);
	hv_vpci_remove_irq_domain(hbus);
	hv_vpci_forget_children(hbus, true);
	hv_vpci_d0_exit(hbus);
	hv_vpci_cfgwin_unmap(hbus);
	hv_vpci_transport_stop(hbus);
	destroy_workqueue(hbus->wq);
	ida_free(&hv_vpci_domain_ida, hbus->domain_nr);
	pci_iounmap(pdev, hbus->regs);
	pci_release_region(pdev, HV_VPCI_REG_BAR);
	pci_disable_device(pdev);
	kfree(hbus);
}

static const struct pci_device_id hv_vpci_ids[] = {
	{ PCI_DEVICE(HV_VPCI_PCI_VENDOR_ID, HV_VPCI_PCI_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, hv_vpci_ids);

static struct pci_driver hv_vpci_driver = {
	.name		= "hv_vpci",
	.id_table	= hv_vpci_ids,
	.probe		= hv_vpci_pci_probe,
	.remove		= hv_vpci_pci_remove,
};

static int __init hv_vpci_module_init(void)
{
	int ret = hv_vpci_parse_fences();

	if (ret)
		return ret;
	hv_vpci_debugfs_root = debugfs_create_dir("hv_vpci", NULL);
	pr_info("hv_vpci: fences %s; %s affinity\n", hv_vpci_fences,
		hv_vpci_eager_affinity ? "eager (historical)" :
					 "retarget-at-unmask");
	ret = pci_register_driver(&hv_vpci_driver);
	if (ret)
		debugfs_remove_recursive(hv_vpci_debugfs_root);
	return ret;
}
module_init(hv_vpci_module_init);

static void __exit hv_vpci_module_exit(void)
{
	pci_unregister_driver(&hv_vpci_driver);
	debugfs_remove_recursive(hv_vpci_debugfs_root);
}
module_exit(hv_vpci_module_exit);

MODULE_DESCRIPTION("Hyper-V style vPCI front end for the vpci-rig hv-vpci device");
MODULE_LICENSE("GPL");
