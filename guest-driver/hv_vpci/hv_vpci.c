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
 */

#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/idr.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/msi.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/refcount.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#if __has_include(<linux/unaligned.h>)	/* 6.12 moved it */
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif
#include <asm/irqdomain.h>
#include <asm/hw_irq.h>
#include <asm/msi.h>
#include <asm/msr.h>
#include <asm/sync_core.h>

#if !__has_include("hv-vpci-wire.h")
#error "hv-vpci-wire.h not found: build with VPCI_RIG_INCLUDE=<vpci-rig>/include"
#endif
#include "hv-vpci-wire.h"
#include "vpci-barriers.h"

/* Each ring: one header page and three data pages, as a VMBus ring. */
#define HV_VPCI_RING_SIZE		0x4000
#define HV_VPCI_MAX_REQUESTS		16
#define HV_VPCI_RESP_MAX		64	/* largest completion we expect */
#define HV_VPCI_TIMEOUT_MS		10000	/* sleeping round trips */
#define HV_VPCI_POLL_TIMEOUT_US		1000000	/* atomic round trips */
#define HV_VPCI_POLL_STEP_US		10
#define HV_VPCI_DOMAIN_BASE		0x5650

/* ------------------------------------------------------------------ */
/* Barrier sites                                                       */
/* ------------------------------------------------------------------ */

/*
 * Site and kind names come from vpci-barriers.h, shared with the harness.
 * Rewritten at load time to the canonical form of what is in force.
 */
static char hv_vpci_fences[128] = "all";
module_param_string(fences, hv_vpci_fences, sizeof(hv_vpci_fences), 0444);
MODULE_PARM_DESC(fences,
		 "Config window barriers: all (default), none, or a comma list of SITE or SITE=KIND; sites read-select,read-release,write-select,write-release; kinds none,barrier,mb,rmb,wmb,smp_mb,smp_rmb,smp_wmb,dma_rmb,dma_wmb,printk,mdelay");

static bool eager_affinity;
module_param(eager_affinity, bool, 0444);
MODULE_PARM_DESC(eager_affinity,
		 "Historical interrupt design: compose sends the real CPU, unmask does not retarget (default: off)");

/* What each site emits (VPCI_KIND_*).  Parsed once, in hv_vpci_init(). */
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
static int hv_vpci_parse_fences(void)
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
/* Structures                                                          */
/* ------------------------------------------------------------------ */

enum hv_vpci_state {
	hv_vpci_state_probing,		/* no root bus yet */
	hv_vpci_state_installed,	/* root bus scanned; hot add rescans */
	hv_vpci_state_removing,		/* relations and ejects are ignored */
};

/* One ring in coherent DMA memory. */
struct hv_vpci_ring {
	struct hv_vpci_ring_hdr *hdr;
	u8 *data;			/* data area, after the header page */
	u32 data_size;
	dma_addr_t dma;
};

/* A host round trip waiting for its completion. */
struct hv_vpci_request {
	u64 trans_id;			/* 0: slot free */
	bool done;
	u32 resp_len;
	u8 resp[HV_VPCI_RESP_MAX];	/* bytes after the packet descriptor */
	struct completion comp;
};

/* One function on the virtual bus, as the host described it. */
struct hv_vpci_child {
	refcount_t refs;
	struct hv_vpci_function_desc2 desc;
	u32 probed_bar[PCI_STD_NUM_BARS];
	u64 bar_addr[PCI_STD_NUM_BARS];
	u64 bar_size[PCI_STD_NUM_BARS];
	bool bar_is64[PCI_STD_NUM_BARS];
};

/* A host->guest message queued for the relations/eject work. */
struct hv_vpci_inbound {
	struct work_struct work;
	struct hv_vpci_bus *hbus;
	u32 len;
	u8 msg[];			/* payload, after the descriptor */
};

struct hv_vpci_bus {
	struct pci_sysdata sysdata;	/* x86: root bus sysdata (domain) */
	struct pci_dev *pdev;		/* the hv-vpci transport function */
	void __iomem *regs;
	int irq;
	u32 protocol;			/* negotiated protocol version */
	bool no_retarget;		/* host answered RETARGET: not supported */
	int domain_nr;

	struct hv_vpci_ring tx;		/* guest->host */
	struct hv_vpci_ring rx;		/* host->guest */
	spinlock_t tx_lock;		/* tx producer side and the doorbell */
	spinlock_t rx_lock;		/* rx consumer side and rx_buf */
	u8 *rx_buf;			/* one packet, HV_VPCI_PKT_MAX_LEN */
	spinlock_t req_lock;		/* reqs[] and req_gen */
	struct hv_vpci_request reqs[HV_VPCI_MAX_REQUESTS];
	u32 req_gen;

	phys_addr_t aperture;		/* BAR 2 of the transport */
	resource_size_t aperture_size;
	phys_addr_t cfg_phys;		/* config window, top 8 KiB of BAR 2 */
	struct resource *cfg_res;
	void __iomem *cfg_base;
	spinlock_t cfg_lock;		/* slot select + access in the window */
	struct resource mem_window;	/* child BARs: the rest of BAR 2 */
	struct resource busn;

	spinlock_t children_lock;	/* children[] pointers */
	struct hv_vpci_child *children[HV_VPCI_MAX_FUNCTIONS]; /* by wslot */

	struct mutex state_lock;	/* state, bridge; serialises relations,
					 * ejects, probe and remove */
	enum hv_vpci_state state;
	struct workqueue_struct *wq;	/* ordered: inbound messages */
	struct completion survey_done;	/* first bus relations handled */
	struct pci_host_bridge *bridge;

	struct fwnode_handle *fwnode;
	struct irq_domain *irq_domain;
	struct msi_domain_info msi_info;

	struct dentry *debugfs;		/* hv_vpci/<domain>/ */
	struct mutex probe_lock;	/* probe_result */
	char probe_result[192];		/* last ordering_probe outcome */
};

static DEFINE_IDA(hv_vpci_domain_ida);

static inline u32 hv_vpci_devfn_to_wslot(unsigned int devfn)
{
	return HV_VPCI_WSLOT(PCI_SLOT(devfn), PCI_FUNC(devfn));
}

static inline unsigned int hv_vpci_wslot_to_devfn(u32 wslot)
{
	return PCI_DEVFN(HV_VPCI_WSLOT_DEV(wslot), HV_VPCI_WSLOT_FN(wslot));
}

static inline struct hv_vpci_bus *hv_vpci_from_bus(struct pci_bus *bus)
{
	return container_of(bus->sysdata, struct hv_vpci_bus, sysdata);
}

/* ------------------------------------------------------------------ */
/* Children: reference counted, looked up under children_lock          */
/* ------------------------------------------------------------------ */

static struct hv_vpci_child *hv_vpci_child_get(struct hv_vpci_bus *hbus,
					       u32 wslot)
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

static void hv_vpci_child_put(struct hv_vpci_child *child)
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
/* Transport: rings, doorbell, MSI                                     */
/* ------------------------------------------------------------------ */

static u32 hv_vpci_ring_put(struct hv_vpci_ring *ring, u32 off,
			    const void *src, u32 len)
{
	u32 first = min(len, ring->data_size - off);

	memcpy(ring->data + off, src, first);
	memcpy(ring->data, src + first, len - first);
	off += len;
	return off >= ring->data_size ? off - ring->data_size : off;
}

static u32 hv_vpci_ring_get(struct hv_vpci_ring *ring, u32 off, void *dst,
			    u32 len)
{
	u32 first = min(len, ring->data_size - off);

	memcpy(dst, ring->data + off, first);
	memcpy(dst + first, ring->data, len - first);
	off += len;
	return off >= ring->data_size ? off - ring->data_size : off;
}

/**
 * hv_vpci_send() - put one packet on the guest->host ring and ring the bell
 * @hbus:	the bus
 * @msg:	the vPCI message
 * @len:	its length in bytes
 * @flags:	HV_VPCI_PKT_FLAG_* for the descriptor
 * @trans_id:	transaction id (0 when no completion is requested)
 *
 * Safe in any context.  The device handles the doorbell synchronously, so a
 * completion may be in the host->guest ring when this returns.
 *
 * Return: 0, -EMSGSIZE, -ENOSPC (host does not consume) or -EIO (ring
 * indexes are corrupt).
 */
static int hv_vpci_send(struct hv_vpci_bus *hbus, const void *msg, u32 len,
			u16 flags, u64 trans_id)
{
	static const u8 zeros[8];
	struct hv_vpci_ring *ring = &hbus->tx;
	struct hv_vpci_pkt_desc desc = {
		.type = HV_VPCI_PKT_DATA_INBAND,
		.offset8 = sizeof(desc) / 8,
		.flags = flags,
		.trans_id = trans_id,
	};
	u32 total = ALIGN(sizeof(desc) + len, 8);
	unsigned long irqflags;
	u32 w, r, space;
	int ret = 0;

	if (total > HV_VPCI_PKT_MAX_LEN)
		return -EMSGSIZE;
	desc.len8 = total / 8;

	spin_lock_irqsave(&hbus->tx_lock, irqflags);
	w = ring->hdr->write_index;
	r = READ_ONCE(ring->hdr->read_index);
	if (w >= ring->data_size || r >= ring->data_size || ((w | r) & 7)) {
		ret = -EIO;
		goto out;
	}
	space = r > w ? r - w : ring->data_size - w + r;
	if (space <= total) {	/* never fill completely: keep 8 bytes */
		ret = -ENOSPC;
		goto out;
	}
	w = hv_vpci_ring_put(ring, w, &desc, sizeof(desc));
	w = hv_vpci_ring_put(ring, w, msg, len);
	w = hv_vpci_ring_put(ring, w, zeros, total - sizeof(desc) - len);
	/* The packet must be in memory before the host can see the index. */
	dma_wmb();
	WRITE_ONCE(ring->hdr->write_index, w);
	/* writel() orders the index store before the doorbell. */
	writel(1, hbus->regs + HV_VPCI_REG_DOORBELL);
out:
	spin_unlock_irqrestore(&hbus->tx_lock, irqflags);
	return ret;
}

static void hv_vpci_complete(struct hv_vpci_bus *hbus,
			     const struct hv_vpci_pkt_desc *desc,
			     const u8 *payload, u32 len)
{
	unsigned int idx = desc->trans_id & 0xff;
	struct hv_vpci_request *req;
	unsigned long flags;

	spin_lock_irqsave(&hbus->req_lock, flags);
	req = idx < HV_VPCI_MAX_REQUESTS ? &hbus->reqs[idx] : NULL;
	if (!req || !desc->trans_id || req->trans_id != desc->trans_id) {
		spin_unlock_irqrestore(&hbus->req_lock, flags);
		dev_warn_ratelimited(&hbus->pdev->dev,
				     "completion for unknown transaction %#llx dropped (late reply after a timeout?)\n",
				     desc->trans_id);
		return;
	}
	req->resp_len = min_t(u32, len, sizeof(req->resp));
	memcpy(req->resp, payload, req->resp_len);
	req->done = true;
	complete(&req->comp);
	spin_unlock_irqrestore(&hbus->req_lock, flags);
}

static void hv_vpci_inbound_work(struct work_struct *work);

static void hv_vpci_queue_inbound(struct hv_vpci_bus *hbus, const u8 *payload,
				  u32 len)
{
	struct hv_vpci_inbound *in;

	in = kmalloc(struct_size(in, msg, len), GFP_ATOMIC);
	if (!in) {
		dev_err_ratelimited(&hbus->pdev->dev,
				    "out of memory: host message %#x lost\n",
				    get_unaligned_le32(payload));
		return;
	}
	INIT_WORK(&in->work, hv_vpci_inbound_work);
	in->hbus = hbus;
	in->len = len;
	memcpy(in->msg, payload, len);
	queue_work(hbus->wq, &in->work);
}

static void hv_vpci_dispatch(struct hv_vpci_bus *hbus, const u8 *pkt, u32 total)
{
	const struct hv_vpci_pkt_desc *desc = (const void *)pkt;
	u32 off = desc->offset8 * 8;

	switch (desc->type) {
	case HV_VPCI_PKT_COMP:
		hv_vpci_complete(hbus, desc, pkt + off, total - off);
		break;
	case HV_VPCI_PKT_DATA_INBAND:
		if (total - off < sizeof(struct hv_vpci_msg))
			break;	/* too short to carry a type: ignored */
		hv_vpci_queue_inbound(hbus, pkt + off, total - off);
		break;
	default:
		dev_warn_ratelimited(&hbus->pdev->dev,
				     "unknown packet type %#x from host dropped\n",
				     desc->type);
	}
}

/**
 * hv_vpci_process_rx() - consume every packet in the host->guest ring
 * @hbus:	the bus
 *
 * Called from the transport MSI handler and from every waiting path, in
 * any context.  Completions wake their request; host messages are copied
 * and queued for the ordered workqueue.
 */
static void hv_vpci_process_rx(struct hv_vpci_bus *hbus)
{
	struct hv_vpci_ring *ring = &hbus->rx;
	struct hv_vpci_pkt_desc desc;
	unsigned long flags;
	u32 r, w, used, total;

	spin_lock_irqsave(&hbus->rx_lock, flags);
	for (;;) {
		memset(&desc, 0, sizeof(desc));
		r = ring->hdr->read_index;
		w = READ_ONCE(ring->hdr->write_index);
		if (r == w)
			break;
		if (w >= ring->data_size || r >= ring->data_size ||
		    ((w | r) & 7)) {
			dev_err_ratelimited(&hbus->pdev->dev,
					    "host->guest ring indexes corrupt (read %#x write %#x); packets dropped\n",
					    r, w);
			break;
		}
		used = w > r ? w - r : ring->data_size - r + w;
		/* Read the packet only after seeing the index that covers it. */
		dma_rmb();
		if (used < sizeof(desc))
			goto malformed;
		hv_vpci_ring_get(ring, r, &desc, sizeof(desc));
		total = desc.len8 * 8;
		if (total < sizeof(desc) || total > used ||
		    total > HV_VPCI_PKT_MAX_LEN ||
		    desc.offset8 * 8 < sizeof(desc) ||
		    desc.offset8 * 8 > total)
			goto malformed;
		r = hv_vpci_ring_get(ring, r, hbus->rx_buf, total);
		/* Finish reading before the host may reuse the space. */
		mb();
		WRITE_ONCE(ring->hdr->read_index, r);
		hv_vpci_dispatch(hbus, hbus->rx_buf, total);
		continue;
malformed:
		dev_err_ratelimited(&hbus->pdev->dev,
				    "malformed packet from host (type %#x len8 %u offset8 %u, %u bytes queued); ring skipped\n",
				    desc.type, desc.len8, desc.offset8, used);
		mb();
		WRITE_ONCE(ring->hdr->read_index, w);
	}
	spin_unlock_irqrestore(&hbus->rx_lock, flags);
}

static irqreturn_t hv_vpci_isr(int irq, void *data)
{
	hv_vpci_process_rx(data);
	return IRQ_HANDLED;
}

static int hv_vpci_request_alloc(struct hv_vpci_bus *hbus)
{
	unsigned long flags;
	int i;

	spin_lock_irqsave(&hbus->req_lock, flags);
	for (i = 0; i < HV_VPCI_MAX_REQUESTS; i++) {
		struct hv_vpci_request *req = &hbus->reqs[i];

		if (req->trans_id)
			continue;
		if (++hbus->req_gen == 0)
			hbus->req_gen = 1;
		req->trans_id = ((u64)hbus->req_gen << 8) | i;
		req->done = false;
		req->resp_len = 0;
		reinit_completion(&req->comp);
		break;
	}
	spin_unlock_irqrestore(&hbus->req_lock, flags);
	return i < HV_VPCI_MAX_REQUESTS ? i : -EBUSY;
}

static bool hv_vpci_request_done(struct hv_vpci_bus *hbus, int idx)
{
	unsigned long flags;
	bool done;

	spin_lock_irqsave(&hbus->req_lock, flags);
	done = hbus->reqs[idx].done;
	spin_unlock_irqrestore(&hbus->req_lock, flags);
	return done;
}

/**
 * hv_vpci_xfer() - one host round trip: send, wait for the completion
 * @hbus:	the bus
 * @msg:	request
 * @len:	request length
 * @resp:	buffer for the completion payload (starts with the s32 status)
 * @resp_size:	size of @resp
 * @atomic:	poll with a bounded busy loop instead of sleeping (MSI
 *		compose/unmask run under the irq descriptor lock)
 *
 * Both variants also drain the ring themselves, so a lost transport MSI
 * costs time, not the reply.
 *
 * Return: number of payload bytes received (copied up to @resp_size), or
 * -ETIMEDOUT, -EBUSY (too many requests in flight), or an error from
 * hv_vpci_send().
 */
static int hv_vpci_xfer(struct hv_vpci_bus *hbus, const void *msg, u32 len,
			void *resp, u32 resp_size, bool atomic)
{
	struct hv_vpci_request *req;
	unsigned long flags, deadline;
	unsigned int polls = 0;
	bool done = false;
	int idx, ret;

	idx = hv_vpci_request_alloc(hbus);
	if (idx < 0)
		return idx;
	req = &hbus->reqs[idx];

	ret = hv_vpci_send(hbus, msg, len, HV_VPCI_PKT_FLAG_COMPLETION_REQUESTED,
			   req->trans_id);
	if (ret)
		goto release;

	deadline = jiffies + msecs_to_jiffies(HV_VPCI_TIMEOUT_MS);
	for (;;) {
		hv_vpci_process_rx(hbus);
		done = hv_vpci_request_done(hbus, idx);
		if (done)
			break;
		if (atomic) {
			if (++polls > HV_VPCI_POLL_TIMEOUT_US / HV_VPCI_POLL_STEP_US)
				break;
			udelay(HV_VPCI_POLL_STEP_US);
		} else {
			if (time_after(jiffies, deadline))
				break;
			wait_for_completion_timeout(&req->comp,
						    msecs_to_jiffies(100));
		}
	}
	ret = done ? 0 : -ETIMEDOUT;

release:
	spin_lock_irqsave(&hbus->req_lock, flags);
	if (!ret) {
		memcpy(resp, req->resp, min(resp_size, req->resp_len));
		ret = req->resp_len;
	}
	req->trans_id = 0;
	spin_unlock_irqrestore(&hbus->req_lock, flags);
	return ret;
}

/**
 * hv_vpci_call() - a host round trip whose reply status must be success
 * @hbus:	the bus
 * @what:	name of the step, for messages
 * @msg:	request
 * @len:	request length
 * @resp:	completion payload buffer; its first field is the s32 status
 * @resp_size:	size of @resp; a shorter reply is a protocol error
 * @atomic:	see hv_vpci_xfer()
 *
 * Return: 0, -EPROTO if the host answered a failure status or a short
 * reply, or the transport error.
 */
static int hv_vpci_call(struct hv_vpci_bus *hbus, const char *what,
			const void *msg, u32 len, void *resp, u32 resp_size,
			bool atomic)
{
	struct device *dev = &hbus->pdev->dev;
	s32 status;
	int ret;

	ret = hv_vpci_xfer(hbus, msg, len, resp, resp_size, atomic);
	if (ret < 0) {
		dev_err_ratelimited(dev,
				    "%s: no reply from host (%d; transport status %#x, guest errors %u)\n",
				    what, ret,
				    readl(hbus->regs + HV_VPCI_REG_STATUS),
				    readl(hbus->regs + HV_VPCI_REG_ERRORS));
		return ret;
	}
	if (ret < sizeof(s32)) {
		dev_err_ratelimited(dev, "%s: reply of %d bytes has no status\n",
				    what, ret);
		return -EPROTO;
	}
	status = ((struct hv_vpci_response *)resp)->status;
	/* Not an error of the channel: the caller decides what it means. */
	if (status == (s32)HV_VPCI_STATUS_NOT_SUPPORTED)
		return -EOPNOTSUPP;
	if (status < 0) {
		dev_err_ratelimited(dev, "%s: host answered status %#x\n",
				    what, status);
		return -EPROTO;
	}
	if (ret < resp_size) {
		dev_err_ratelimited(dev, "%s: reply of %d bytes, need %u\n",
				    what, ret, resp_size);
		return -EPROTO;
	}
	return 0;
}

/* Send a request that asks for no completion. */
static int hv_vpci_post(struct hv_vpci_bus *hbus, const char *what,
			const void *msg, u32 len)
{
	int ret = hv_vpci_send(hbus, msg, len, 0, 0);

	if (ret)
		dev_err_ratelimited(&hbus->pdev->dev,
				    "%s: cannot send (%d; transport status %#x)\n",
				    what, ret,
				    readl(hbus->regs + HV_VPCI_REG_STATUS));
	return ret;
}

static int hv_vpci_ring_alloc(struct hv_vpci_bus *hbus,
			      struct hv_vpci_ring *ring)
{
	void *mem;

	mem = dma_alloc_coherent(&hbus->pdev->dev, HV_VPCI_RING_SIZE,
				 &ring->dma, GFP_KERNEL);
	if (!mem)
		return -ENOMEM;
	ring->hdr = mem;
	ring->data = mem + HV_VPCI_RING_HDR_SIZE;
	ring->data_size = HV_VPCI_RING_SIZE - HV_VPCI_RING_HDR_SIZE;
	return 0;
}

static void hv_vpci_ring_free(struct hv_vpci_bus *hbus,
			      struct hv_vpci_ring *ring)
{
	if (ring->hdr)
		dma_free_coherent(&hbus->pdev->dev, HV_VPCI_RING_SIZE,
				  ring->hdr, ring->dma);
	ring->hdr = NULL;
}

/**
 * hv_vpci_transport_start() - rings, MSI, then CTRL.ENABLE
 * @hbus:	the bus
 *
 * Return: 0 or -errno; on failure everything set up here is undone.
 */
static int hv_vpci_transport_start(struct hv_vpci_bus *hbus)
{
	struct device *dev = &hbus->pdev->dev;
	u32 status;
	int ret;

	hbus->rx_buf = kzalloc(HV_VPCI_PKT_MAX_LEN, GFP_KERNEL);
	if (!hbus->rx_buf)
		return -ENOMEM;
	ret = hv_vpci_ring_alloc(hbus, &hbus->tx);
	if (ret)
		goto err_free;
	ret = hv_vpci_ring_alloc(hbus, &hbus->rx);
	if (ret)
		goto err_free;

	ret = pci_alloc_irq_vectors(hbus->pdev, 1, HV_VPCI_MSI_VECTORS,
				    PCI_IRQ_MSI | PCI_IRQ_MSIX);
	if (ret < 0) {
		dev_err(dev, "no MSI for the host->guest ring (%d)\n", ret);
		goto err_free;
	}
	hbus->irq = pci_irq_vector(hbus->pdev, 0);
	ret = request_irq(hbus->irq, hv_vpci_isr, 0, "hv_vpci", hbus);
	if (ret) {
		dev_err(dev, "cannot request irq %d (%d)\n", hbus->irq, ret);
		goto err_vectors;
	}

	writel(lower_32_bits(hbus->tx.dma), hbus->regs + HV_VPCI_REG_GH_RING_LO);
	writel(upper_32_bits(hbus->tx.dma), hbus->regs + HV_VPCI_REG_GH_RING_HI);
	writel(lower_32_bits(hbus->rx.dma), hbus->regs + HV_VPCI_REG_HG_RING_LO);
	writel(upper_32_bits(hbus->rx.dma), hbus->regs + HV_VPCI_REG_HG_RING_HI);
	writel(HV_VPCI_RING_SIZE, hbus->regs + HV_VPCI_REG_RING_SIZE);
	writel(HV_VPCI_CTRL_ENABLE, hbus->regs + HV_VPCI_REG_CTRL);
	status = readl(hbus->regs + HV_VPCI_REG_STATUS);
	if (!(status & HV_VPCI_STATUS_ENABLED) ||
	    (status & HV_VPCI_STATUS_BROKEN)) {
		dev_err(dev,
			"transport did not enable (status %#x, guest errors %u); rings at %pad/%pad size %#x\n",
			status, readl(hbus->regs + HV_VPCI_REG_ERRORS),
			&hbus->tx.dma, &hbus->rx.dma, HV_VPCI_RING_SIZE);
		ret = -EIO;
		goto err_disable;
	}
	return 0;

err_disable:
	writel(0, hbus->regs + HV_VPCI_REG_CTRL);
	free_irq(hbus->irq, hbus);
err_vectors:
	pci_free_irq_vectors(hbus->pdev);
err_free:
	hv_vpci_ring_free(hbus, &hbus->rx);
	hv_vpci_ring_free(hbus, &hbus->tx);
	kfree(hbus->rx_buf);
	return ret;
}

static void hv_vpci_transport_stop(struct hv_vpci_bus *hbus)
{
	/* Clearing ENABLE resets the channel: the host forgets the rings. */
	writel(0, hbus->regs + HV_VPCI_REG_CTRL);
	free_irq(hbus->irq, hbus);
	pci_free_irq_vectors(hbus->pdev);
	hv_vpci_ring_free(hbus, &hbus->rx);
	hv_vpci_ring_free(hbus, &hbus->tx);
	kfree(hbus->rx_buf);
}

/* ------------------------------------------------------------------ */
/* Config window                                                       */
/* ------------------------------------------------------------------ */

/* Hardware read through the window; @where + @size <= 0x1000. */
static u32 hv_vpci_window_read(struct hv_vpci_bus *hbus, u32 wslot, int where,
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
static void hv_vpci_window_write(struct hv_vpci_bus *hbus, u32 wslot,
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
		*val = hv_vpci_window_read(hbus, child->desc.win_slot, where,
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
		hv_vpci_window_write(hbus, child->desc.win_slot, where, size,
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

static struct pci_ops hv_vpci_pci_ops = {
	.read	= hv_vpci_pci_read,
	.write	= hv_vpci_pci_write,
};

/* ------------------------------------------------------------------ */
/* MSI irq domain                                                      */
/* ------------------------------------------------------------------ */

/* The CPU the vector domain chose: first online CPU of the effective mask. */
static unsigned int hv_vpci_irq_cpu(struct irq_data *data)
{
	const struct cpumask *eff = irq_data_get_effective_affinity_mask(data);
	unsigned int cpu = cpumask_first_and(eff, cpu_online_mask);

	return cpu < nr_cpu_ids ? cpu : cpumask_first(cpu_online_mask);
}

static u64 hv_vpci_vp_mask(unsigned int cpu)
{
	return cpu < 64 ? BIT_ULL(cpu) : 0;
}

static void hv_vpci_delete_interrupt(struct hv_vpci_bus *hbus, u32 wslot,
				     const struct hv_vpci_tran_int_desc *desc)
{
	struct hv_vpci_delete_interrupt msg = {
		.type = HV_VPCI_DELETE_INTERRUPT_MESSAGE,
		.wslot = wslot,
		.int_desc = *desc,
	};

	if (desc->vector_count)
		hv_vpci_post(hbus, "delete interrupt", &msg, sizeof(msg));
}

/**
 * hv_vpci_create_interrupt() - CREATE_INTERRUPT in the negotiated version
 * @hbus:	the bus
 * @wslot:	the function
 * @vector:	the IDT vector the guest allocated
 * @cpu:	the CPU the vector is on
 * @out:	the host's address/data
 *
 * In the fixed design the CPUs are a placeholder (all CPUs for v1, the
 * target CPU for v2/v3); the real target reaches the host at unmask.  With
 * eager_affinity v1 carries the real CPU too.  Runs in atomic context.
 *
 * Return: 0 or -errno.
 */
static int hv_vpci_create_interrupt(struct hv_vpci_bus *hbus, u32 wslot,
				    u32 vector, unsigned int cpu,
				    struct hv_vpci_tran_int_desc *out)
{
	union {
		struct hv_vpci_create_interrupt v1;
		struct hv_vpci_create_interrupt2 v2;
		struct hv_vpci_create_interrupt3 v3;
	} msg = {};
	struct hv_vpci_create_int_response resp;
	u32 len;
	int ret;

	switch (hbus->protocol) {
	case HV_VPCI_PROTOCOL_1_1:
		msg.v1.type = HV_VPCI_CREATE_INTERRUPT_MESSAGE;
		msg.v1.wslot = wslot;
		msg.v1.int_desc.vector = vector;
		msg.v1.int_desc.delivery_mode = HV_VPCI_DELIVERY_FIXED;
		msg.v1.int_desc.vector_count = 1;
		msg.v1.int_desc.cpu_mask = eager_affinity ?
					   hv_vpci_vp_mask(cpu) : U64_MAX;
		len = sizeof(msg.v1);
		break;
	case HV_VPCI_PROTOCOL_1_2:
	case HV_VPCI_PROTOCOL_1_3:
		msg.v2.type = HV_VPCI_CREATE_INTERRUPT_MESSAGE2;
		msg.v2.wslot = wslot;
		msg.v2.int_desc.vector = vector;
		msg.v2.int_desc.delivery_mode = HV_VPCI_DELIVERY_FIXED;
		msg.v2.int_desc.vector_count = 1;
		msg.v2.int_desc.processor_count = 1;
		msg.v2.int_desc.processor_array[0] = cpu;
		len = sizeof(msg.v2);
		break;
	default:
		msg.v3.type = HV_VPCI_CREATE_INTERRUPT_MESSAGE3;
		msg.v3.wslot = wslot;
		msg.v3.int_desc.vector = vector;
		msg.v3.int_desc.delivery_mode = HV_VPCI_DELIVERY_FIXED;
		msg.v3.int_desc.vector_count = 1;
		msg.v3.int_desc.processor_count = 1;
		msg.v3.int_desc.processor_array[0] = cpu;
		len = sizeof(msg.v3);
		break;
	}

	ret = hv_vpci_call(hbus, "create interrupt", &msg, len, &resp,
			   sizeof(resp), true);
	if (ret)
		return ret;
	*out = resp.int_desc;
	return 0;
}

static void hv_vpci_compose_msi_msg(struct irq_data *data, struct msi_msg *msg)
{
	struct pci_dev *pdev = msi_desc_to_pci_dev(irq_data_get_msi_desc(data));
	struct hv_vpci_bus *hbus = hv_vpci_from_bus(pdev->bus);
	struct hv_vpci_tran_int_desc *int_desc = data->chip_data;
	u32 wslot = hv_vpci_devfn_to_wslot(pdev->devfn);
	struct irq_cfg *cfg = irqd_cfg(data);
	unsigned int cpu;

	/* A recompose (reactivation) replaces the host's old entry. */
	if (int_desc) {
		data->chip_data = NULL;
		hv_vpci_delete_interrupt(hbus, wslot, int_desc);
		kfree(int_desc);
	}
	if (!cfg)
		goto fail;
	int_desc = kzalloc(sizeof(*int_desc), GFP_ATOMIC);
	if (!int_desc)
		goto fail;
	cpu = hv_vpci_irq_cpu(data);
	if (hv_vpci_create_interrupt(hbus, wslot, cfg->vector, cpu, int_desc)) {
		dev_err_ratelimited(&pdev->dev,
				    "irq %u (vector %u, CPU %u) gets no MSI message; it will not fire\n",
				    data->irq, cfg->vector, cpu);
		kfree(int_desc);
		goto fail;
	}
	data->chip_data = int_desc;
	msg->address_hi = upper_32_bits(int_desc->address);
	msg->address_lo = lower_32_bits(int_desc->address);
	msg->data = int_desc->data;
	return;

fail:
	msg->address_hi = 0;
	msg->address_lo = 0;
	msg->data = 0;
}

/* Tell the host the final vector and CPU: the retarget extension. */
static void hv_vpci_retarget(struct irq_data *data)
{
	struct pci_dev *pdev = msi_desc_to_pci_dev(irq_data_get_msi_desc(data));
	struct hv_vpci_bus *hbus = hv_vpci_from_bus(pdev->bus);
	const struct hv_vpci_tran_int_desc *int_desc = data->chip_data;
	struct irq_cfg *cfg = irqd_cfg(data);
	struct hv_vpci_x_retarget_interrupt msg = {
		.type = HV_VPCI_X_RETARGET_INTERRUPT,
		.wslot = hv_vpci_devfn_to_wslot(pdev->devfn),
	};
	struct hv_vpci_response resp;
	unsigned int cpu;
	int ret;

	if (!int_desc || !cfg) {
		dev_warn_ratelimited(&pdev->dev,
				     "irq %u unmasked before it was composed; not retargeted\n",
				     data->irq);
		return;
	}
	if (READ_ONCE(hbus->no_retarget))
		return;
	cpu = hv_vpci_irq_cpu(data);
	msg.address = lower_32_bits(int_desc->address);
	msg.data = int_desc->data;
	msg.vector = cfg->vector;
	msg.vp_mask = hv_vpci_vp_mask(cpu);
	ret = hv_vpci_call(hbus, "retarget interrupt", &msg, sizeof(msg), &resp,
			   sizeof(resp), true);
	if (ret == -EOPNOTSUPP) {
		/*
		 * A host without interrupt remapping: the message composed
		 * for the final vector and CPU already went to the device,
		 * and there is nothing in between to retarget.
		 */
		WRITE_ONCE(hbus->no_retarget, true);
		dev_info(&hbus->pdev->dev,
			 "host does not retarget interrupts (no interrupt remapping): messages go to the APIC as composed\n");
	} else if (ret) {
		dev_err_ratelimited(&pdev->dev,
				    "irq %u: host did not take vector %u on CPU %u; it keeps its old target\n",
				    data->irq, cfg->vector, cpu);
	}
}

static void hv_vpci_irq_mask(struct irq_data *data)
{
	pci_msi_mask_irq(data);
	if (data->parent_data->chip->irq_mask)
		irq_chip_mask_parent(data);
}

static void hv_vpci_irq_unmask(struct irq_data *data)
{
	/* Fixed design: the new target reaches the host before unmasking. */
	if (!eager_affinity)
		hv_vpci_retarget(data);
	if (data->parent_data->chip->irq_unmask)
		irq_chip_unmask_parent(data);
	pci_msi_unmask_irq(data);
}

static void hv_vpci_msi_free(struct irq_domain *domain,
			     struct msi_domain_info *info, unsigned int virq)
{
	struct irq_data *data = irq_domain_get_irq_data(domain, virq);
	struct hv_vpci_tran_int_desc *int_desc;
	struct msi_desc *desc;
	struct pci_dev *pdev;

	if (!data || !data->chip_data)
		return;
	int_desc = data->chip_data;
	data->chip_data = NULL;
	desc = irq_data_get_msi_desc(data);
	if (desc) {
		pdev = msi_desc_to_pci_dev(desc);
		hv_vpci_delete_interrupt(hv_vpci_from_bus(pdev->bus),
					 hv_vpci_devfn_to_wslot(pdev->devfn),
					 int_desc);
	}
	kfree(int_desc);
}

/*
 * Only the parent moves: a remapping host learns the new target at unmask
 * (retarget).  A host without remapping has nothing in between to
 * retarget, so the fixed design reprograms the device here, as the generic
 * MSI domain would.  The historical design (eager_affinity) never did.
 */
static int hv_vpci_irq_set_affinity(struct irq_data *data,
				    const struct cpumask *dest, bool force)
{
	struct pci_dev *pdev = msi_desc_to_pci_dev(irq_data_get_msi_desc(data));
	struct hv_vpci_bus *hbus = hv_vpci_from_bus(pdev->bus);
	struct msi_msg msg;
	int ret;

	ret = irq_chip_set_affinity_parent(data, dest, force);
	if (ret >= 0 && ret != IRQ_SET_MASK_OK_DONE && !eager_affinity &&
	    READ_ONCE(hbus->no_retarget)) {
		hv_vpci_compose_msi_msg(data, &msg);
		pci_write_msi_msg(data->irq, &msg);
	}
	return ret;
}

static struct irq_chip hv_vpci_msi_chip = {
	.name			= "hv_vpci",
	.irq_compose_msi_msg	= hv_vpci_compose_msi_msg,
	.irq_set_affinity	= hv_vpci_irq_set_affinity,
	.irq_ack		= irq_chip_ack_parent,
	.irq_retrigger		= irq_chip_retrigger_hierarchy,
	.irq_mask		= hv_vpci_irq_mask,
	.irq_unmask		= hv_vpci_irq_unmask,
};

static struct msi_domain_ops hv_vpci_msi_ops = {
	.msi_prepare	= pci_msi_prepare,
	.msi_free	= hv_vpci_msi_free,
};

static int hv_vpci_create_irq_domain(struct hv_vpci_bus *hbus)
{
	hbus->msi_info.chip = &hv_vpci_msi_chip;
	hbus->msi_info.ops = &hv_vpci_msi_ops;
	/* No multi-MSI: x86's vector domain cannot give contiguous vectors. */
	hbus->msi_info.flags = MSI_FLAG_USE_DEF_DOM_OPS |
			       MSI_FLAG_USE_DEF_CHIP_OPS | MSI_FLAG_PCI_MSIX;
	hbus->msi_info.handler = handle_edge_irq;
	hbus->msi_info.handler_name = "edge";

	hbus->fwnode = irq_domain_alloc_named_id_fwnode("hv_vpci",
							hbus->domain_nr);
	if (!hbus->fwnode)
		return -ENOMEM;
	hbus->irq_domain = pci_msi_create_irq_domain(hbus->fwnode,
						     &hbus->msi_info,
						     x86_vector_domain);
	if (!hbus->irq_domain) {
		dev_err(&hbus->pdev->dev, "cannot create the MSI irq domain\n");
		irq_domain_free_fwnode(hbus->fwnode);
		return -ENODEV;
	}
	return 0;
}

static void hv_vpci_remove_irq_domain(struct hv_vpci_bus *hbus)
{
	irq_domain_remove(hbus->irq_domain);
	irq_domain_free_fwnode(hbus->fwnode);
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
static int hv_vpci_negotiate(struct hv_vpci_bus *hbus)
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
static int hv_vpci_d0_entry(struct hv_vpci_bus *hbus)
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

static void hv_vpci_d0_exit(struct hv_vpci_bus *hbus)
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

/*
 * Write the placed addresses into the BARs before the first scan, memory
 * decoding off ("if the memory enable bit is already set, Hyper-V silently
 * ignores the BAR updates"); the PCI core turns it on for the driver.
 */
static void hv_vpci_prefill_bars(struct hv_vpci_bus *hbus,
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

/**
 * hv_vpci_install_children() - place BARs, tell the host, pre-fill them
 * @hbus:	the bus, state_lock held, before the root bus exists
 *
 * Return: 0 or -errno.
 */
static int hv_vpci_install_children(struct hv_vpci_bus *hbus)
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
static int hv_vpci_create_root_bus(struct hv_vpci_bus *hbus)
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

static void hv_vpci_remove_root_bus(struct hv_vpci_bus *hbus)
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

static void hv_vpci_inbound_work(struct work_struct *work)
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

/* ------------------------------------------------------------------ */
/* Probe and remove                                                    */
/* ------------------------------------------------------------------ */

/**
 * hv_vpci_map_window() - reserve the config window and the child window
 * @hbus:	the bus
 *
 * The config window takes the top 8 KiB of the aperture (BAR 2); the rest,
 * naturally aligned at its bottom, is the root bus memory window.
 *
 * Return: 0 or -errno.
 */
static int hv_vpci_map_window(struct hv_vpci_bus *hbus)
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

static void hv_vpci_unmap_window(struct hv_vpci_bus *hbus)
{
	release_resource(&hbus->mem_window);
	iounmap(hbus->cfg_base);
	__release_region(&hbus->pdev->resource[HV_VPCI_APERTURE_BAR],
			 hbus->cfg_phys, HV_VPCI_CFG_WINDOW_SIZE);
}

/* ------------------------------------------------------------------ */
/* Ordering probe (debugfs)                                            */
/* ------------------------------------------------------------------ */

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
enum hv_vpci_probe_class {
	HV_VPCI_PROBE_NONE,
	HV_VPCI_PROBE_MOV,
	HV_VPCI_PROBE_LFENCE,
	HV_VPCI_PROBE_SFENCE,
	HV_VPCI_PROBE_MFENCE,
	HV_VPCI_PROBE_LOCK_ADD,
	HV_VPCI_PROBE_XCHG,
	HV_VPCI_PROBE_CPUID,
	HV_VPCI_PROBE_WRMSR,
	HV_VPCI_PROBE_MOV_CR,
	HV_VPCI_PROBE_IRET,
	HV_VPCI_PROBE_OUTB,
	HV_VPCI_PROBE_OTHER_MMIO,
	HV_VPCI_PROBE_RDTSC,
	HV_VPCI_PROBE_PAUSE,
	HV_VPCI_PROBE_NR,
};

static const char * const hv_vpci_probe_names[HV_VPCI_PROBE_NR] = {
	[HV_VPCI_PROBE_NONE]		= "none",
	[HV_VPCI_PROBE_MOV]		= "mov",
	[HV_VPCI_PROBE_LFENCE]		= "lfence",
	[HV_VPCI_PROBE_SFENCE]		= "sfence",
	[HV_VPCI_PROBE_MFENCE]		= "mfence",
	[HV_VPCI_PROBE_LOCK_ADD]	= "lock-add",
	[HV_VPCI_PROBE_XCHG]		= "xchg",
	[HV_VPCI_PROBE_CPUID]		= "cpuid",
	[HV_VPCI_PROBE_WRMSR]		= "wrmsr",
	[HV_VPCI_PROBE_MOV_CR]		= "mov-cr",
	[HV_VPCI_PROBE_IRET]		= "iret",
	[HV_VPCI_PROBE_OUTB]		= "outb",
	[HV_VPCI_PROBE_OTHER_MMIO]	= "other-mmio",
	/* what mdelay()'s TSC busy-wait is made of */
	[HV_VPCI_PROBE_RDTSC]		= "rdtsc",
	[HV_VPCI_PROBE_PAUSE]		= "pause",
};

/* A drain seen once may be the model's delay; a pass seen once is proof. */
#define HV_VPCI_PROBE_TRIES	3

/* Config dwords tried, in order, until A and B read differently. */
static const u16 hv_vpci_probe_offsets[] = {
	PCI_CLASS_REVISION, PCI_VENDOR_ID, 0x100, PCI_SUBSYSTEM_VENDOR_ID,
};

/* Values the instructions need, prepared before the unfenced store. */
struct hv_vpci_probe_ctx {
	void __iomem *other_mmio;
	unsigned long cr4;
	u32 msr_lo, msr_hi;
};

/* Exactly one instruction of @class (nothing for "none"). */
static __always_inline void hv_vpci_probe_exec(int class,
					       const struct hv_vpci_probe_ctx *c)
{
	unsigned long word = 0, tmp = 1;
	u32 eax = 0, ebx, ecx = 0, edx;

	switch (class) {
	case HV_VPCI_PROBE_MOV:
		asm volatile("movq %1, %0" : "=m" (word) : "r" (tmp) : "memory");
		break;
	case HV_VPCI_PROBE_LFENCE:
		asm volatile("lfence" : : : "memory");
		break;
	case HV_VPCI_PROBE_SFENCE:
		asm volatile("sfence" : : : "memory");
		break;
	case HV_VPCI_PROBE_MFENCE:
		asm volatile("mfence" : : : "memory");
		break;
	case HV_VPCI_PROBE_LOCK_ADD:
		asm volatile("lock addq $0, %0" : "+m" (word) : : "memory", "cc");
		break;
	case HV_VPCI_PROBE_XCHG:
		asm volatile("xchgq %0, %1" : "+r" (tmp), "+m" (word) : : "memory");
		break;
	case HV_VPCI_PROBE_CPUID:
		asm volatile("cpuid" : "+a" (eax), "=b" (ebx), "+c" (ecx), "=d" (edx)
			     : : "memory");
		break;
	case HV_VPCI_PROBE_WRMSR:
		asm volatile("wrmsr" : : "c" (MSR_TSC_AUX), "a" (c->msr_lo),
			     "d" (c->msr_hi) : "memory");
		break;
	case HV_VPCI_PROBE_MOV_CR:
		asm volatile("mov %0, %%cr4" : : "r" (c->cr4) : "memory");
		break;
	case HV_VPCI_PROBE_IRET:
		iret_to_self();
		break;
	case HV_VPCI_PROBE_OUTB:
		asm volatile("outb %b0, $0x80" : : "a" (0) : "memory");
		break;
	case HV_VPCI_PROBE_OTHER_MMIO:
		(void)readl(c->other_mmio);
		break;
	case HV_VPCI_PROBE_RDTSC:
		asm volatile("rdtsc" : "=a" (eax), "=d" (edx) : : "memory");
		break;
	case HV_VPCI_PROBE_PAUSE:
		asm volatile("pause" : : : "memory");
		break;
	default:
		break;
	}
}

/* A fenced window read of @wslot at @off; cfg_lock held. */
static u32 hv_vpci_probe_read(struct hv_vpci_bus *hbus, u32 wslot, u32 off)
{
	u32 val;

	writel(wslot, hbus->cfg_base + HV_VPCI_CFG_SELECT_OFFSET);
	mb();
	val = readl(hbus->cfg_base + HV_VPCI_CFG_PAGE_OFFSET + off);
	mb();
	return val;
}

#define HV_VPCI_PROBE_CANDIDATES	8

/*
 * Pick A (the first function) and B (the first other one that reads
 * differently at one of the probe offsets); cfg_lock held.  Returns false
 * if no two functions can be told apart.
 */
static bool hv_vpci_probe_pick(struct hv_vpci_bus *hbus, const u32 *slots,
			       unsigned int n, u32 *slot, u32 *val, u32 *off)
{
	unsigned int j, i;

	slot[0] = slots[0];
	for (j = 1; j < n; j++) {
		slot[1] = slots[j];
		for (i = 0; i < ARRAY_SIZE(hv_vpci_probe_offsets); i++) {
			*off = hv_vpci_probe_offsets[i];
			val[0] = hv_vpci_probe_read(hbus, slot[0], *off);
			val[1] = hv_vpci_probe_read(hbus, slot[1], *off);
			if (val[0] != val[1])
				return true;
		}
	}
	return false;
}

static int hv_vpci_probe_run(struct hv_vpci_bus *hbus, int class)
{
	void __iomem *page = hbus->cfg_base + HV_VPCI_CFG_PAGE_OFFSET;
	void __iomem *sel = hbus->cfg_base + HV_VPCI_CFG_SELECT_OFFSET;
	struct hv_vpci_probe_ctx c = {
		.other_mmio = hbus->regs + HV_VPCI_REG_MAGIC,
	};
	u32 slots[HV_VPCI_PROBE_CANDIDATES], slot[2], val[2], off = 0;
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
	if (class == HV_VPCI_PROBE_WRMSR &&
	    rdmsr_safe(MSR_TSC_AUX, &c.msr_lo, &c.msr_hi))
		return -EOPNOTSUPP;

	spin_lock_irqsave(&hbus->cfg_lock, flags);
	c.cr4 = __read_cr4();
	found = hv_vpci_probe_pick(hbus, slots, n, slot, val, &off);
	for (i = 0; found && i < HV_VPCI_PROBE_TRIES; i++) {
		confirm = hv_vpci_probe_read(hbus, slot[0], off);
		writel(slot[1], sel);
		hv_vpci_probe_exec(class, &c);
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
	mutex_lock(&hbus->probe_lock);
	scnprintf(hbus->probe_result, sizeof(hbus->probe_result),
		  "%s %s (%u of %u drained, %u passed, %u other; at %#x A %02x.%x reads %#x, B %02x.%x reads %#x, last %#x)\n",
		  hv_vpci_probe_names[class],
		  other ? "inconclusive" : passed ? "not-drained" : "drained",
		  drained, HV_VPCI_PROBE_TRIES, passed, other, off,
		  HV_VPCI_WSLOT_DEV(slot[0]), HV_VPCI_WSLOT_FN(slot[0]), val[0],
		  HV_VPCI_WSLOT_DEV(slot[1]), HV_VPCI_WSLOT_FN(slot[1]), val[1],
		  seen);
	mutex_unlock(&hbus->probe_lock);
	return 0;
}

static ssize_t hv_vpci_probe_write(struct file *file, const char __user *ubuf,
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
	class = match_string(hv_vpci_probe_names, HV_VPCI_PROBE_NR,
			     strim(name));
	if (class < 0)
		return class;
	ret = hv_vpci_probe_run(hbus, class);
	return ret ? ret : count;
}

static ssize_t hv_vpci_probe_read_file(struct file *file, char __user *ubuf,
				       size_t count, loff_t *ppos)
{
	struct hv_vpci_bus *hbus = file->private_data;
	char buf[sizeof(hbus->probe_result)];
	size_t len;

	mutex_lock(&hbus->probe_lock);
	len = strscpy(buf, hbus->probe_result[0] ? hbus->probe_result :
		      "idle\n", sizeof(buf));
	mutex_unlock(&hbus->probe_lock);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const struct file_operations hv_vpci_probe_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= hv_vpci_probe_read_file,
	.write	= hv_vpci_probe_write,
	.llseek	= default_llseek,
};

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
	debugfs_create_file("ordering_probe", 0600, hbus->debugfs, hbus,
			    &hv_vpci_probe_fops);
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

static void hv_vpci_forget_children(struct hv_vpci_bus *hbus, bool release)
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

static int hv_vpci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
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
	mutex_init(&hbus->probe_lock);
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
	ret = hv_vpci_map_window(hbus);
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
		 hv_vpci_fences, eager_affinity ? ", eager affinity" : "");
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
	hv_vpci_unmap_window(hbus);
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

static void hv_vpci_remove(struct pci_dev *pdev)
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
	hv_vpci_unmap_window(hbus);
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
	.probe		= hv_vpci_probe,
	.remove		= hv_vpci_remove,
};

static int __init hv_vpci_init(void)
{
	int ret = hv_vpci_parse_fences();

	if (ret)
		return ret;
	hv_vpci_debugfs_root = debugfs_create_dir("hv_vpci", NULL);
	pr_info("hv_vpci: fences %s; %s affinity\n", hv_vpci_fences,
		eager_affinity ? "eager (historical)" : "retarget-at-unmask");
	ret = pci_register_driver(&hv_vpci_driver);
	if (ret)
		debugfs_remove_recursive(hv_vpci_debugfs_root);
	return ret;
}
module_init(hv_vpci_init);

static void __exit hv_vpci_exit(void)
{
	pci_unregister_driver(&hv_vpci_driver);
	debugfs_remove_recursive(hv_vpci_debugfs_root);
}
module_exit(hv_vpci_exit);

MODULE_DESCRIPTION("Hyper-V style vPCI front end for the vpci-rig hv-vpci device");
MODULE_LICENSE("GPL");
