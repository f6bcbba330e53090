// SPDX-License-Identifier: GPL-2.0
/*
 * hv_vpci config window: page 0 selects a child function ("Windows slot"),
 * page 1 is that function's config space.  Every access is select, barrier,
 * access, barrier under cfg_lock; the four barriers are the named sites of
 * the fences= parameter, defined here next to the two accessors that use
 * them.  After the accessors: what is emulated from the host's description,
 * the root bus pci_ops, the BAR pre-fill of a new child (the one config
 * access not made through pci_ops), and placing the window in the aperture.
 */

#include <linux/delay.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/module.h>
#include <linux/printk.h>

#include "hv_vpci.h"
#include "vpci-barriers.h"

/* ------------------------------------------------------------------ */
/* Barrier sites                                                       */
/* ------------------------------------------------------------------ */

/*
 * Site and kind names come from vpci-barriers.h, shared with the harness.
 * Rewritten at load time to the canonical form of what is in force.
 */
char hv_vpci_fences[HV_VPCI_FENCES_LEN] = "all";
module_param_string(fences, hv_vpci_fences, sizeof(hv_vpci_fences), 0444);
MODULE_PARM_DESC(fences,
		 "Config window barriers: all (default), none, or a comma list of SITE or SITE=KIND; sites read-select,read-release,write-select,write-release; kinds none,barrier,mb,rmb,wmb,smp_mb,smp_rmb,smp_wmb,dma_rmb,dma_wmb,printk,mdelay");

/* What each site emits (VPCI_KIND_*).  Parsed once, at module load. */
static unsigned char hv_vpci_fence_kind[VPCI_SITE_NR] __read_mostly;

/*
 * Emit @site's barrier.  printk and mdelay are the 2016 thread's debugging
 * aids, not barriers: the rig measures what they do to the failure.
 */
static __always_inline void hv_vpci_fence(enum vpci_barrier_site site,
					  u32 wslot, int where)
{
	switch (hv_vpci_fence_kind[site]) {
	case VPCI_KIND_NONE:
		break;
	case VPCI_KIND_BARRIER:
		barrier();
		break;
	case VPCI_KIND_MB:
		mb();
		break;
	case VPCI_KIND_RMB:
		rmb();
		break;
	case VPCI_KIND_WMB:
		wmb();
		break;
	case VPCI_KIND_SMP_MB:
		smp_mb();
		break;
	case VPCI_KIND_SMP_RMB:
		smp_rmb();
		break;
	case VPCI_KIND_SMP_WMB:
		smp_wmb();
		break;
	case VPCI_KIND_DMA_RMB:
		dma_rmb();
		break;
	case VPCI_KIND_DMA_WMB:
		dma_wmb();
		break;
	case VPCI_KIND_PRINTK:
		printk(KERN_DEBUG "hv_vpci: %s: slot %#x offset %#x\n",
		       vpci_barrier_site_names[site], wslot, where);
		break;
	case VPCI_KIND_MDELAY:
		mdelay(1);
		break;
	}
}

/*
 * read-select: between the slot select store and the config page load.
 * "Make sure the function was chosen before we start reading."  A load may
 * pass an earlier store to a write-combining mapping, so only a full
 * barrier keeps the read from being served for the previously selected
 * function.
 */
static inline void hv_vpci_fence_read_select(u32 wslot, int where)
{
	hv_vpci_fence(VPCI_SITE_READ_SELECT, wslot, where);
}

/*
 * read-release: after the config page load, before the unlock.  "Make sure
 * the read was done before we release the spinlock allowing consecutive
 * reads/writes."  On x86 the unlock is a plain store and drains nothing: a
 * select still buffered here could reach the device in the middle of the
 * next CPU's access.
 */
static inline void hv_vpci_fence_read_release(u32 wslot, int where)
{
	hv_vpci_fence(VPCI_SITE_READ_RELEASE, wslot, where);
}

/*
 * write-select: between the slot select store and the config page store.
 * "Make sure the function was chosen before we start writing."  Two stores
 * to different lines of a write-combining mapping may drain in either
 * order; the config write could land on the previously selected function.
 */
static inline void hv_vpci_fence_write_select(u32 wslot, int where)
{
	hv_vpci_fence(VPCI_SITE_WRITE_SELECT, wslot, where);
}

/*
 * write-release: after the config page store, before the unlock.  "Make
 * sure the write was done before we release the spinlock allowing
 * consecutive reads/writes."  Without it the buffered select and data can
 * drain after another CPU has selected a different function.
 */
static inline void hv_vpci_fence_write_release(u32 wslot, int where)
{
	hv_vpci_fence(VPCI_SITE_WRITE_RELEASE, wslot, where);
}

/**
 * hv_vpci_parse_fences() - turn the fences= string into hv_vpci_fence_kind
 *
 * Grammar in vpci-barriers.h.  Rewrites the parameter to the canonical form
 * so that sysfs shows what is in force.
 *
 * Return: 0, or -EINVAL for an unknown site or kind.
 */
int hv_vpci_parse_fences(void)
{
	const char *bad;
	int bad_len;

	if (vpci_barriers_parse(hv_vpci_fences, hv_vpci_fence_kind, &bad, &bad_len)) {
		pr_err("hv_vpci: fences=: unknown site or kind \"%.*s\"; use all, none, SITE or SITE=KIND (see the parameter's description)\n",
		       bad_len, bad);
		return -EINVAL;
	}
	vpci_barriers_format(hv_vpci_fence_kind, hv_vpci_fences, sizeof(hv_vpci_fences));
	return 0;
}
/* ------------------------------------------------------------------ */
/* Config window                                                       */
/* ------------------------------------------------------------------ */

/* Hardware read through the window; @where + @size <= 0x1000. */
static u32 hv_vpci_cfgwin_read(struct hv_vpci_bus *hbus, u32 wslot, int where,
			       int size)
{
	void __iomem *addr = hbus->cfg_base + HV_VPCI_CFG_PAGE_OFFSET + where;
	unsigned long flags;
	u32 val;

	spin_lock_irqsave(&hbus->cfg_lock, flags);
	/* Choose the function: page 1 shows its config space from now on. */
	writel(wslot, hbus->cfg_base + HV_VPCI_CFG_SELECT_OFFSET);
	hv_vpci_fence_read_select(wslot, where);
	switch (size) {
	case 1:
		val = readb(addr);
		break;
	case 2:
		val = readw(addr);
		break;
	default:
		val = readl(addr);
		break;
	}
	hv_vpci_fence_read_release(wslot, where);
	spin_unlock_irqrestore(&hbus->cfg_lock, flags);
	return val;
}

/* Hardware write through the window; 4 <= @where, @where + @size <= 0x1000. */
static void hv_vpci_cfgwin_write(struct hv_vpci_bus *hbus, u32 wslot,
				 int where, int size, u32 val)
{
	void __iomem *addr = hbus->cfg_base + HV_VPCI_CFG_PAGE_OFFSET + where;
	unsigned long flags;

	spin_lock_irqsave(&hbus->cfg_lock, flags);
	/* Choose the function to be written. */
	writel(wslot, hbus->cfg_base + HV_VPCI_CFG_SELECT_OFFSET);
	hv_vpci_fence_write_select(wslot, where);
	switch (size) {
	case 1:
		writeb(val, addr);
		break;
	case 2:
		writew(val, addr);
		break;
	default:
		writel(val, addr);
		break;
	}
	hv_vpci_fence_write_release(wslot, where);
	spin_unlock_irqrestore(&hbus->cfg_lock, flags);
}

static u32 hv_vpci_emulated(const void *src, int size)
{
	switch (size) {
	case 1:
		return *(const u8 *)src;
	case 2:
		return get_unaligned_le16(src);
	default:
		return get_unaligned_le32(src);
	}
}

static bool hv_vpci_within(int where, int size, int start, int end)
{
	return where >= start && where + size <= end;
}

/**
 * hv_vpci_cfg_read() - a child's config read, emulated or through the window
 * @hbus:	the bus
 * @child:	the function
 * @where:	config offset
 * @size:	1, 2 or 4
 * @val:	result; all ones on error
 *
 * IDs, revision/class and subsystem IDs come from the host's description,
 * the ROM BAR and interrupt line/pin read as 0, as in Hyper-V's front end.
 *
 * Return: PCIBIOS_SUCCESSFUL or PCIBIOS_BAD_REGISTER_NUMBER.
 */
static int hv_vpci_cfg_read(struct hv_vpci_bus *hbus,
			    struct hv_vpci_child *child, int where, int size,
			    u32 *val)
{
	const u8 *desc = (const u8 *)&child->desc;

	if (where + size <= PCI_COMMAND) {
		*val = hv_vpci_emulated(desc + where, size);
	} else if (hv_vpci_within(where, size, PCI_CLASS_REVISION,
				  PCI_CACHE_LINE_SIZE)) {
		*val = hv_vpci_emulated(desc + 4 + where - PCI_CLASS_REVISION,
					size);
	} else if (hv_vpci_within(where, size, PCI_SUBSYSTEM_VENDOR_ID,
				  PCI_ROM_ADDRESS)) {
		*val = hv_vpci_emulated(desc + 8 + where -
					PCI_SUBSYSTEM_VENDOR_ID, size);
	} else if (hv_vpci_within(where, size, PCI_ROM_ADDRESS,
				  PCI_ROM_ADDRESS + 4)) {
		*val = 0;
	} else if (hv_vpci_within(where, size, PCI_INTERRUPT_LINE,
				  PCI_INTERRUPT_PIN + 1)) {
		*val = 0;
	} else if (where >= 0 && where + size <= HV_VPCI_CFG_PAGE_SIZE) {
		*val = hv_vpci_cfgwin_read(hbus, child->desc.win_slot, where,
					   size);
	} else {
		dev_err_ratelimited(&hbus->pdev->dev,
				    "config read of %d bytes at %#x for slot %#x is outside the 4 KiB window\n",
				    size, where, child->desc.win_slot);
		PCI_SET_ERROR_RESPONSE(val);
		return PCIBIOS_BAD_REGISTER_NUMBER;
	}
	return PCIBIOS_SUCCESSFUL;
}

/**
 * hv_vpci_cfg_write() - a child's config write
 * @hbus:	the bus
 * @child:	the function
 * @where:	config offset
 * @size:	1, 2 or 4
 * @val:	value
 *
 * Writes to the subsystem IDs and the ROM BAR are dropped (the guest
 * emulates them); writes to the IDs are refused.
 *
 * Return: PCIBIOS_SUCCESSFUL or PCIBIOS_BAD_REGISTER_NUMBER.
 */
static int hv_vpci_cfg_write(struct hv_vpci_bus *hbus,
			     struct hv_vpci_child *child, int where, int size,
			     u32 val)
{
	if (hv_vpci_within(where, size, PCI_SUBSYSTEM_VENDOR_ID,
			   PCI_ROM_ADDRESS + 4))
		return PCIBIOS_SUCCESSFUL;
	if (hv_vpci_within(where, size, PCI_COMMAND, HV_VPCI_CFG_PAGE_SIZE)) {
		hv_vpci_cfgwin_write(hbus, child->desc.win_slot, where, size,
				     val);
		return PCIBIOS_SUCCESSFUL;
	}
	dev_err_ratelimited(&hbus->pdev->dev,
			    "config write of %d bytes at %#x for slot %#x refused (IDs are read-only, window is 4 KiB)\n",
			    size, where, child->desc.win_slot);
	return PCIBIOS_BAD_REGISTER_NUMBER;
}

static int hv_vpci_pci_read(struct pci_bus *bus, unsigned int devfn, int where,
			    int size, u32 *val)
{
	struct hv_vpci_bus *hbus = hv_vpci_from_bus(bus);
	struct hv_vpci_child *child = NULL;
	int ret;

	if (!bus->number)
		child = hv_vpci_child_get(hbus, hv_vpci_devfn_to_wslot(devfn));
	if (!child) {
		PCI_SET_ERROR_RESPONSE(val);
		return PCIBIOS_DEVICE_NOT_FOUND;
	}
	ret = hv_vpci_cfg_read(hbus, child, where, size, val);
	hv_vpci_child_put(child);
	return ret;
}

static int hv_vpci_pci_write(struct pci_bus *bus, unsigned int devfn,
			     int where, int size, u32 val)
{
	struct hv_vpci_bus *hbus = hv_vpci_from_bus(bus);
	struct hv_vpci_child *child = NULL;
	int ret;

	if (!bus->number)
		child = hv_vpci_child_get(hbus, hv_vpci_devfn_to_wslot(devfn));
	if (!child)
		return PCIBIOS_DEVICE_NOT_FOUND;
	ret = hv_vpci_cfg_write(hbus, child, where, size, val);
	hv_vpci_child_put(child);
	return ret;
}

struct pci_ops hv_vpci_pci_ops = {
	.read	= hv_vpci_pci_read,
	.write	= hv_vpci_pci_write,
};

/*
 * Write the placed addresses into the BARs before the first scan, memory
 * decoding off ("if the memory enable bit is already set, Hyper-V silently
 * ignores the BAR updates"); the PCI core turns it on for the driver.
 */
void hv_vpci_prefill_bars(struct hv_vpci_bus *hbus,
			  struct hv_vpci_child *child)
{
	u32 cmd;
	int i;

	hv_vpci_cfg_read(hbus, child, PCI_COMMAND, 2, &cmd);
	if (cmd & PCI_COMMAND_MEMORY)
		hv_vpci_cfg_write(hbus, child, PCI_COMMAND, 2,
				  cmd & ~PCI_COMMAND_MEMORY);
	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		int where = PCI_BASE_ADDRESS_0 + 4 * i;

		if (!child->bar_size[i])
			continue;
		hv_vpci_cfg_write(hbus, child, where, 4,
				  lower_32_bits(child->bar_addr[i]));
		if (child->bar_is64[i])
			hv_vpci_cfg_write(hbus, child, where + 4, 4,
					  upper_32_bits(child->bar_addr[i]));
	}
}

/* ------------------------------------------------------------------ */
/* Placing and mapping the window                                      */
/* ------------------------------------------------------------------ */

/**
 * hv_vpci_cfgwin_map() - reserve the config window and the child window
 * @hbus:	the bus
 *
 * The config window takes the top 8 KiB of the aperture (BAR 2); the rest,
 * naturally aligned at its bottom, is the root bus memory window.
 *
 * Return: 0 or -errno.
 */
int hv_vpci_cfgwin_map(struct hv_vpci_bus *hbus)
{
	struct pci_dev *pdev = hbus->pdev;
	struct resource *ap = &pdev->resource[HV_VPCI_APERTURE_BAR];
	struct device *dev = &pdev->dev;
	int ret;

	hbus->aperture = pci_resource_start(pdev, HV_VPCI_APERTURE_BAR);
	hbus->aperture_size = pci_resource_len(pdev, HV_VPCI_APERTURE_BAR);
	if (!(ap->flags & IORESOURCE_MEM) ||
	    hbus->aperture_size < 2 * HV_VPCI_CFG_WINDOW_SIZE) {
		dev_err(dev, "aperture BAR %d is %pR; need MMIO of at least 16 KiB\n",
			HV_VPCI_APERTURE_BAR, ap);
		return -ENODEV;
	}
	hbus->cfg_phys = hbus->aperture + hbus->aperture_size -
			 HV_VPCI_CFG_WINDOW_SIZE;
	hbus->cfg_res = __request_region(ap, hbus->cfg_phys,
					 HV_VPCI_CFG_WINDOW_SIZE,
					 "hv_vpci config window", 0);
	if (!hbus->cfg_res) {
		dev_err(dev, "config window at %pa is busy\n", &hbus->cfg_phys);
		return -EBUSY;
	}
	hbus->cfg_base = ioremap(hbus->cfg_phys, HV_VPCI_CFG_WINDOW_SIZE);
	if (!hbus->cfg_base) {
		ret = -ENOMEM;
		goto err_region;
	}

	hbus->mem_window.name = "hv_vpci child BARs";
	hbus->mem_window.start = hbus->aperture;
	hbus->mem_window.end = hbus->cfg_phys - 1;
	hbus->mem_window.flags = IORESOURCE_MEM;
	ret = request_resource(ap, &hbus->mem_window);
	if (ret) {
		dev_err(dev, "child window %pR conflicts in the aperture (%d)\n",
			&hbus->mem_window, ret);
		goto err_unmap;
	}
	return 0;

err_unmap:
	iounmap(hbus->cfg_base);
err_region:
	__release_region(ap, hbus->cfg_phys, HV_VPCI_CFG_WINDOW_SIZE);
	return ret;
}

void hv_vpci_cfgwin_unmap(struct hv_vpci_bus *hbus)
{
	release_resource(&hbus->mem_window);
	iounmap(hbus->cfg_base);
	__release_region(&hbus->pdev->resource[HV_VPCI_APERTURE_BAR],
			 hbus->cfg_phys, HV_VPCI_CFG_WINDOW_SIZE);
}
