// SPDX-License-Identifier: GPL-2.0
/*
 * hv_vpci bus: what the host says about the virtual bus and what the guest
 * does with it.  The protocol steps of probe (version negotiation, D0
 * entry), the children table, BAR placement inside the aperture and
 * RESOURCES_ASSIGNED, the root bus, and the host's own messages (bus
 * relations, eject), which the channel queues for the bus's ordered
 * workqueue.  Relations, ejects, probe and remove are serialised by
 * state_lock.
 */

#include <linux/bitmap.h>
#include <linux/io.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "hv_vpci.h"

/* ------------------------------------------------------------------ */
/* Children                                                            */
/* ------------------------------------------------------------------ */

/*
 * Children are reference counted: the table holds one reference, and a
 * config access (pci_ops) holds one while it uses the child.
 */
struct hv_vpci_child *hv_vpci_child_get(struct hv_vpci_bus *hbus, u32 wslot)
{
	struct hv_vpci_child *child;
	unsigned long flags;

	if (wslot >= HV_VPCI_MAX_FUNCTIONS)
		return NULL;
	spin_lock_irqsave(&hbus->children_lock, flags);
	child = hbus->children[wslot];
	if (child)
		refcount_inc(&child->refs);
	spin_unlock_irqrestore(&hbus->children_lock, flags);
	return child;
}

void hv_vpci_child_put(struct hv_vpci_child *child)
{
	if (refcount_dec_and_test(&child->refs))
		kfree(child);
}

/* Unlink a child from the table and drop the table's reference. */
static void hv_vpci_child_unlink(struct hv_vpci_bus *hbus,
				 struct hv_vpci_child *child)
{
	unsigned long flags;

	spin_lock_irqsave(&hbus->children_lock, flags);
	hbus->children[child->desc.win_slot] = NULL;
	spin_unlock_irqrestore(&hbus->children_lock, flags);
	hv_vpci_child_put(child);
}

/* ------------------------------------------------------------------ */
/* Protocol steps                                                      */
/* ------------------------------------------------------------------ */

/**
 * hv_vpci_negotiate() - agree on a protocol version, newest first
 * @hbus:	the bus
 *
 * Return: 0 with hbus->protocol set, -EPROTONOSUPPORT if the host refuses
 * every version, -EPROTO for any other refusal, or a transport error.
 */
int hv_vpci_negotiate(struct hv_vpci_bus *hbus)
{
	static const u32 versions[] = {
		HV_VPCI_PROTOCOL_1_4, HV_VPCI_PROTOCOL_1_3,
		HV_VPCI_PROTOCOL_1_2, HV_VPCI_PROTOCOL_1_1,
	};
	struct device *dev = &hbus->pdev->dev;
	struct hv_vpci_version_request msg = {
		.type = HV_VPCI_QUERY_PROTOCOL_VERSION,
	};
	struct hv_vpci_response resp;
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(versions); i++) {
		msg.protocol_version = versions[i];
		ret = hv_vpci_xfer(hbus, &msg, sizeof(msg), &resp, sizeof(resp),
				   false);
		if (ret < 0) {
			dev_err(dev,
				"protocol version query: no reply from host (%d; transport status %#x)\n",
				ret, readl(hbus->regs + HV_VPCI_REG_STATUS));
			return ret;
		}
		if (ret < sizeof(resp)) {
			dev_err(dev, "protocol version reply of %d bytes\n", ret);
			return -EPROTO;
		}
		if (resp.status >= 0) {
			hbus->protocol = versions[i];
			dev_info(dev, "vPCI protocol %u.%u\n",
				 versions[i] >> 16, versions[i] & 0xffff);
			return 0;
		}
		if ((u32)resp.status != HV_VPCI_STATUS_REVISION_MISMATCH) {
			dev_err(dev, "host refused protocol %#x with status %#x\n",
				versions[i], resp.status);
			return -EPROTO;
		}
	}
	dev_err(dev, "host accepts none of protocols 1.4, 1.3, 1.2, 1.1\n");
	return -EPROTONOSUPPORT;
}

/**
 * hv_vpci_query_requirements() - QUERY_RESOURCE_REQUIREMENTS for a child
 * @hbus:	the bus
 * @child:	the function; probed_bar[] and the BAR sizes are filled in
 *
 * Return: 0 or -errno.
 */
static int hv_vpci_query_requirements(struct hv_vpci_bus *hbus,
				      struct hv_vpci_child *child)
{
	struct hv_vpci_child_msg msg = {
		.type = HV_VPCI_QUERY_RESOURCE_REQUIREMENTS,
		.wslot = child->desc.win_slot,
	};
	struct hv_vpci_q_res_req_response resp;
	u32 *probed = child->probed_bar;
	int i, ret;

	ret = hv_vpci_call(hbus, "query resource requirements", &msg,
			   sizeof(msg), &resp, sizeof(resp), false);
	if (ret)
		return ret;
	memcpy(probed, resp.probed_bar, sizeof(resp.probed_bar));

	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		u64 mask;

		if (!probed[i])
			continue;
		if (probed[i] & PCI_BASE_ADDRESS_SPACE_IO) {
			dev_warn(&hbus->pdev->dev,
				 "slot %#x BAR %d is an I/O BAR (%#x); not supported, ignored\n",
				 child->desc.win_slot, i, probed[i]);
			continue;
		}
		mask = probed[i] & PCI_BASE_ADDRESS_MEM_MASK;
		if ((probed[i] & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
		    PCI_BASE_ADDRESS_MEM_TYPE_64 && i + 1 < PCI_STD_NUM_BARS) {
			mask |= (u64)probed[i + 1] << 32;
			child->bar_is64[i] = true;
		} else {
			mask |= GENMASK_ULL(63, 32);
		}
		if (mask)
			child->bar_size[i] = PAGE_ALIGN(~mask + 1);
		if (child->bar_is64[i])
			i++;
	}
	return 0;
}

/**
 * hv_vpci_d0_entry() - power the bus on and tell the host the window base
 * @hbus:	the bus
 *
 * On failure, one D0 exit and retry (a bus left in D0 by a previous
 * kernel answers the first entry with an error).
 *
 * Return: 0 or -errno.
 */
int hv_vpci_d0_entry(struct hv_vpci_bus *hbus)
{
	struct hv_vpci_d0_entry msg = {
		.type = HV_VPCI_BUS_D0ENTRY,
		.mmio_base = hbus->cfg_phys,
	};
	struct hv_vpci_msg exit_msg = { .type = HV_VPCI_BUS_D0EXIT };
	struct hv_vpci_response resp;
	int ret;

	ret = hv_vpci_call(hbus, "D0 entry", &msg, sizeof(msg), &resp,
			   sizeof(resp), false);
	if (ret != -EPROTO)
		return ret;
	dev_warn(&hbus->pdev->dev, "D0 entry refused: D0 exit and retry once\n");
	hv_vpci_call(hbus, "D0 exit", &exit_msg, sizeof(exit_msg), &resp,
		     sizeof(resp), false);
	return hv_vpci_call(hbus, "D0 entry (retry)", &msg, sizeof(msg), &resp,
			    sizeof(resp), false);
}

void hv_vpci_d0_exit(struct hv_vpci_bus *hbus)
{
	struct hv_vpci_msg msg = { .type = HV_VPCI_BUS_D0EXIT };
	struct hv_vpci_response resp;

	hv_vpci_call(hbus, "D0 exit", &msg, sizeof(msg), &resp, sizeof(resp),
		     false);
}

struct hv_vpci_bar_slot {
	struct hv_vpci_child *child;
	int bar;
};

static int hv_vpci_bar_cmp(const void *a, const void *b)
{
	const struct hv_vpci_bar_slot *x = a, *y = b;
	u64 sx = x->child->bar_size[x->bar], sy = y->child->bar_size[y->bar];

	return sx < sy ? 1 : sx > sy ? -1 : 0;
}

/**
 * hv_vpci_place_bars() - give every child BAR an address in the aperture
 * @hbus:	the bus
 *
 * Largest first, naturally aligned, from the bottom of the child window.
 * Called with state_lock held, before the root bus exists.
 *
 * Return: 0, -ENOSPC (aperture too small or a 32-bit BAR above 4 GiB),
 * -ENOMEM.
 */
static int hv_vpci_place_bars(struct hv_vpci_bus *hbus)
{
	struct device *dev = &hbus->pdev->dev;
	struct hv_vpci_bar_slot *slots;
	u64 cursor = hbus->mem_window.start, need = 0;
	int i, b, n = 0, ret = 0;

	slots = kcalloc(HV_VPCI_MAX_FUNCTIONS * PCI_STD_NUM_BARS,
			sizeof(*slots), GFP_KERNEL);
	if (!slots)
		return -ENOMEM;
	for (i = 0; i < HV_VPCI_MAX_FUNCTIONS; i++) {
		struct hv_vpci_child *child = hbus->children[i];

		for (b = 0; child && b < PCI_STD_NUM_BARS; b++) {
			if (!child->bar_size[b])
				continue;
			slots[n].child = child;
			slots[n++].bar = b;
			need += child->bar_size[b];
		}
	}
	sort(slots, n, sizeof(*slots), hv_vpci_bar_cmp, NULL);

	for (i = 0; i < n; i++) {
		struct hv_vpci_child *child = slots[i].child;
		int bar = slots[i].bar;
		u64 size = child->bar_size[bar];
		u64 addr = ALIGN(cursor, size);

		if (addr + size - 1 > hbus->mem_window.end) {
			dev_err(dev,
				"child BARs need %#llx bytes of MMIO, the aperture leaves %#llx for them; enlarge the hv-vpci aperture\n",
				need, (u64)resource_size(&hbus->mem_window));
			ret = -ENOSPC;
			break;
		}
		if (!child->bar_is64[bar] && addr + size - 1 > U32_MAX) {
			dev_err(dev,
				"slot %#x BAR %d is 32-bit but the aperture is at %pa, above 4 GiB; place the aperture low\n",
				child->desc.win_slot, bar, &hbus->aperture);
			ret = -ENOSPC;
			break;
		}
		child->bar_addr[bar] = addr;
		cursor = addr + size;
	}
	kfree(slots);
	return ret;
}

/**
 * hv_vpci_resources_assigned() - RESOURCES_ASSIGNED(2) for one child
 * @hbus:	the bus
 * @child:	the function, with its BARs placed
 *
 * Carries the memory ranges the guest chose (Linux's front end sends
 * zeros; the host must not depend on either).
 *
 * Return: 0 or -errno.
 */
static int hv_vpci_resources_assigned(struct hv_vpci_bus *hbus,
				      struct hv_vpci_child *child)
{
	union {
		struct hv_vpci_resources_assigned v1;
		struct hv_vpci_resources_assigned2 v2;
	} msg = {};
	struct hv_vpci_partial_res *mmio;
	struct hv_vpci_response resp;
	u32 len;
	int i;

	if (hbus->protocol >= HV_VPCI_PROTOCOL_1_2) {
		msg.v2.type = HV_VPCI_RESOURCES_ASSIGNED2;
		msg.v2.wslot = child->desc.win_slot;
		mmio = msg.v2.mmio;
		len = sizeof(msg.v2);
	} else {
		msg.v1.type = HV_VPCI_RESOURCES_ASSIGNED;
		msg.v1.wslot = child->desc.win_slot;
		mmio = msg.v1.mmio;
		len = sizeof(msg.v1);
	}
	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		if (!child->bar_size[i] || child->bar_size[i] > U32_MAX)
			continue;
		mmio[i].type = 3;	/* CmResourceTypeMemory */
		mmio[i].address = child->bar_addr[i];
		mmio[i].length = child->bar_size[i];
	}
	return hv_vpci_call(hbus, "resources assigned", &msg, len, &resp,
			    sizeof(resp), false);
}

static void hv_vpci_resources_released(struct hv_vpci_bus *hbus, u32 wslot)
{
	struct hv_vpci_child_msg msg = {
		.type = HV_VPCI_RESOURCES_RELEASED,
		.wslot = wslot,
	};

	hv_vpci_post(hbus, "resources released", &msg, sizeof(msg));
}

/**
 * hv_vpci_install_children() - place BARs, tell the host, pre-fill them
 * @hbus:	the bus, state_lock held, before the root bus exists
 *
 * Return: 0 or -errno.
 */
int hv_vpci_install_children(struct hv_vpci_bus *hbus)
{
	int i, ret;

	ret = hv_vpci_place_bars(hbus);
	if (ret)
		return ret;
	for (i = 0; i < HV_VPCI_MAX_FUNCTIONS; i++) {
		struct hv_vpci_child *child = hbus->children[i];

		if (!child)
			continue;
		ret = hv_vpci_resources_assigned(hbus, child);
		if (ret)
			return ret;
		hv_vpci_prefill_bars(hbus, child);
	}
	return 0;
}

/**
 * hv_vpci_create_root_bus() - a root bus in its own domain, then scan
 * @hbus:	the bus, state_lock held
 *
 * Return: 0 or -errno.
 */
int hv_vpci_create_root_bus(struct hv_vpci_bus *hbus)
{
	struct pci_host_bridge *bridge;
	int ret;

	bridge = pci_alloc_host_bridge(0);
	if (!bridge)
		return -ENOMEM;
	bridge->dev.parent = &hbus->pdev->dev;
	bridge->sysdata = &hbus->sysdata;
	bridge->ops = &hv_vpci_pci_ops;
	bridge->busnr = 0;
	pci_add_resource(&bridge->windows, &hbus->busn);
	pci_add_resource(&bridge->windows, &hbus->mem_window);
	dev_set_msi_domain(&bridge->dev, hbus->irq_domain);

	ret = pci_scan_root_bus_bridge(bridge);
	if (ret) {
		dev_err(&hbus->pdev->dev, "cannot create root bus %04x:00 (%d)\n",
			hbus->domain_nr, ret);
		pci_free_host_bridge(bridge);
		return ret;
	}
	hbus->bridge = bridge;

	pci_lock_rescan_remove();
	/* Keep the pre-filled BARs; give the core's choice to the rest. */
	pci_bus_claim_resources(bridge->bus);
	pci_bus_assign_resources(bridge->bus);
	pci_bus_add_devices(bridge->bus);
	pci_unlock_rescan_remove();
	return 0;
}

void hv_vpci_remove_root_bus(struct hv_vpci_bus *hbus)
{
	if (!hbus->bridge)
		return;
	pci_lock_rescan_remove();
	pci_stop_root_bus(hbus->bridge->bus);
	pci_remove_root_bus(hbus->bridge->bus);
	pci_unlock_rescan_remove();
	hbus->bridge = NULL;
}

/* ------------------------------------------------------------------ */
/* Bus relations, hot add, eject                                       */
/* ------------------------------------------------------------------ */

/* Stop and remove the pci_dev of a function, if the core has one. */
static void hv_vpci_remove_pci_dev(struct hv_vpci_bus *hbus, u32 wslot)
{
	struct pci_dev *pdev;

	if (!hbus->bridge)
		return;
	pci_lock_rescan_remove();
	pdev = pci_get_slot(hbus->bridge->bus, hv_vpci_wslot_to_devfn(wslot));
	if (pdev) {
		pci_stop_and_remove_bus_device(pdev);
		pci_dev_put(pdev);
	}
	pci_unlock_rescan_remove();
}

static bool hv_vpci_same_function(const struct hv_vpci_function_desc2 *a,
				  const struct hv_vpci_function_desc2 *b)
{
	return a->v_id == b->v_id && a->d_id == b->d_id && a->ser == b->ser;
}

/**
 * hv_vpci_handle_relations() - apply a new list of functions
 * @hbus:	the bus
 * @descs:	the host's list (v1 entries converted to v2)
 * @count:	number of entries
 *
 * New functions get their resource requirements queried; once the bus is
 * installed they are found by a rescan.  Functions missing from the list
 * are gone: their pci_dev is removed.  The first list completes the survey
 * that probe waits for.
 */
static void hv_vpci_handle_relations(struct hv_vpci_bus *hbus,
				     const struct hv_vpci_function_desc2 *descs,
				     u32 count)
{
	DECLARE_BITMAP(listed, HV_VPCI_MAX_FUNCTIONS);
	struct device *dev = &hbus->pdev->dev;
	struct hv_vpci_child *child;
	unsigned long flags;
	int added = 0;
	u32 i;

	bitmap_zero(listed, HV_VPCI_MAX_FUNCTIONS);
	mutex_lock(&hbus->state_lock);
	if (hbus->state == hv_vpci_state_removing)
		goto out;

	for (i = 0; i < count; i++) {
		u32 wslot = descs[i].win_slot;

		if (wslot >= HV_VPCI_MAX_FUNCTIONS) {
			dev_err(dev, "bus relations: bad slot %#x ignored\n",
				wslot);
			continue;
		}
		child = hbus->children[wslot];
		if (child && hv_vpci_same_function(&child->desc, &descs[i])) {
			__set_bit(wslot, listed);
			continue;
		}
		if (child) {	/* another function in the same slot */
			hv_vpci_remove_pci_dev(hbus, wslot);
			hv_vpci_child_unlink(hbus, child);
		}
		child = kzalloc(sizeof(*child), GFP_KERNEL);
		if (!child)
			continue;
		refcount_set(&child->refs, 1);
		child->desc = descs[i];
		if (hv_vpci_query_requirements(hbus, child)) {
			dev_err(dev, "function %04x:%04x at slot %#x left out\n",
				child->desc.v_id, child->desc.d_id, wslot);
			kfree(child);
			continue;
		}
		spin_lock_irqsave(&hbus->children_lock, flags);
		hbus->children[wslot] = child;
		spin_unlock_irqrestore(&hbus->children_lock, flags);
		__set_bit(wslot, listed);
		added++;
	}

	for (i = 0; i < HV_VPCI_MAX_FUNCTIONS; i++) {
		child = hbus->children[i];
		if (!child || test_bit(i, listed))
			continue;
		dev_info(dev, "function at slot %#x is gone\n", i);
		hv_vpci_remove_pci_dev(hbus, i);
		hv_vpci_child_unlink(hbus, child);
	}

	if (hbus->state == hv_vpci_state_installed && added) {
		pci_lock_rescan_remove();
		pci_rescan_bus(hbus->bridge->bus);
		pci_unlock_rescan_remove();
	}
	complete(&hbus->survey_done);
out:
	mutex_unlock(&hbus->state_lock);
}

static void hv_vpci_relations_msg(struct hv_vpci_bus *hbus, const u8 *msg,
				  u32 len, bool v2)
{
	u32 entry = v2 ? sizeof(struct hv_vpci_function_desc2) :
			 sizeof(struct hv_vpci_function_desc);
	const struct hv_vpci_bus_relations *rel = (const void *)msg;
	struct hv_vpci_function_desc2 *descs;
	u32 count, i;

	if (len < sizeof(*rel))
		return;
	count = rel->device_count;
	if (count > HV_VPCI_MAX_FUNCTIONS ||
	    sizeof(*rel) + (size_t)count * entry > len) {
		dev_err(&hbus->pdev->dev,
			"bus relations with %u functions in %u bytes dropped\n",
			count, len);
		return;
	}
	descs = kcalloc(max(count, 1U), sizeof(*descs), GFP_KERNEL);
	if (!descs)
		return;
	for (i = 0; i < count; i++)
		memcpy(&descs[i], msg + sizeof(*rel) + i * entry, entry);
	hv_vpci_handle_relations(hbus, descs, count);
	kfree(descs);
}

/**
 * hv_vpci_eject() - the host takes a function away
 * @hbus:	the bus
 * @wslot:	the function
 *
 * Removes the pci_dev (its driver frees its interrupts, which deletes
 * them on the host), forgets the function, then EJECTION_COMPLETE.
 */
static void hv_vpci_eject(struct hv_vpci_bus *hbus, u32 wslot)
{
	struct hv_vpci_ejection_complete msg = {
		.type = HV_VPCI_EJECTION_COMPLETE,
		.wslot = wslot,
	};
	struct hv_vpci_child *child;

	mutex_lock(&hbus->state_lock);
	if (hbus->state == hv_vpci_state_removing)
		goto out;
	child = wslot < HV_VPCI_MAX_FUNCTIONS ? hbus->children[wslot] : NULL;
	if (!child) {
		dev_warn(&hbus->pdev->dev,
			 "eject for empty slot %#x; completing it anyway\n",
			 wslot);
	} else {
		hv_vpci_remove_pci_dev(hbus, wslot);
		hv_vpci_child_unlink(hbus, child);
		dev_info(&hbus->pdev->dev, "function at slot %#x ejected\n",
			 wslot);
	}
	hv_vpci_post(hbus, "ejection complete", &msg, sizeof(msg));
out:
	mutex_unlock(&hbus->state_lock);
}

void hv_vpci_inbound_work(struct work_struct *work)
{
	struct hv_vpci_inbound *in = container_of(work, struct hv_vpci_inbound,
						  work);
	struct hv_vpci_bus *hbus = in->hbus;
	u32 type = get_unaligned_le32(in->msg);

	switch (type) {
	case HV_VPCI_BUS_RELATIONS:
		hv_vpci_relations_msg(hbus, in->msg, in->len, false);
		break;
	case HV_VPCI_BUS_RELATIONS2:
		hv_vpci_relations_msg(hbus, in->msg, in->len, true);
		break;
	case HV_VPCI_EJECT:
		if (in->len >= sizeof(struct hv_vpci_child_msg))
			hv_vpci_eject(hbus, get_unaligned_le32(in->msg + 4));
		break;
	case HV_VPCI_INVALIDATE_BLOCK:
		break;	/* no back-channel users here */
	default:
		dev_warn(&hbus->pdev->dev,
			 "unexpected message %#x from host ignored\n", type);
	}
	kfree(in);
}

/* Forget every child, newest slot first; @release: tell the host too. */
void hv_vpci_forget_children(struct hv_vpci_bus *hbus, bool release)
{
	int i;

	for (i = HV_VPCI_MAX_FUNCTIONS - 1; i >= 0; i--) {
		struct hv_vpci_child *child = hbus->children[i];

		if (!child)
			continue;
		if (release)
			hv_vpci_resources_released(hbus, i);
		hv_vpci_child_unlink(hbus, child);
	}
}
