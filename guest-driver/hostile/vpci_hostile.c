// SPDX-License-Identifier: GPL-2.0
/*
 * vpci_hostile - a hostile guest driver for the hv-vpci function.
 *
 * The "hostile" scenario checks QEMU's side of the security model: whatever
 * a guest does to hv-vpci, QEMU neither crashes nor hangs, and a fresh
 * hv_vpci load afterwards finds the bus as it was.  This driver is that
 * guest.  It binds only through driver_override (it has no ID table), so it
 * never takes the device from hv_vpci by accident:
 *
 *   echo vpci_hostile > /sys/bus/pci/devices/BDF/driver_override
 *   echo BDF > /sys/bus/pci/drivers_probe
 *
 * debugfs vpci_hostile/:
 *   run     write "SEED SECONDS": one storm thread per online CPU for that
 *           long, each with its own stream of pseudo-random operations
 *   result  read: waits for the storm to end, then one line of counters
 *
 * Each operation attacks one guest-facing input of the device: registers
 * (any offset and size), ring set-up (sizes, addresses that are not RAM),
 * ring contents and raw packet descriptors, protocol messages of every type
 * with random fields, the config window (page-crossing, odd sizes, bad
 * slots, outside D0), the aperture, and child MSIs aimed at hv-vpci's own
 * registers, window and aperture and at the MSI remap window.
 *
 * It attacks the host, not its own guest.  The device writes only into the
 * ring buffer below (ring addresses are either inside it or not RAM), and
 * no interrupt can reach a CPU that the guest could not survive: children
 * may master the bus only inside the exclusive child-MSI operation, whose
 * every address is one of hv-vpci's own regions or the remap window, and
 * every vector the storm hands the device is 0x40-0xdf or out of range.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/kref.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/prandom.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "hv-vpci-wire.h"
#include "vpci-testfn-regs.h"

/* The ring buffer: both rings live inside it, at any page up to 1 MiB. */
#define HOSTILE_BUF_SIZE	(2 * 1024 * 1024)
#define HOSTILE_RING_SPAN	(1024 * 1024)
#define HOSTILE_MSG_MAX		320
#define HOSTILE_MAX_SECONDS	600
/*
 * Config windows the storm may map: the top pages of the aperture (the
 * first is where hv_vpci puts its own).  D0 entries name one of these or
 * somewhere the device must refuse, so the storm always knows which pages
 * can be a config page (see no_bus_master()).
 */
#define HOSTILE_WINDOWS		4

enum hostile_op {
	HOSTILE_OP_REG,		/* hv-vpci register, any offset and size */
	HOSTILE_OP_RING_SETUP,	/* ring addresses, sizes, enable/disable */
	HOSTILE_OP_RING_JUNK,	/* random bytes in ring headers and data */
	HOSTILE_OP_MESSAGE,	/* one packet, random type/fields/descriptor */
	HOSTILE_OP_WINDOW,	/* the config window and around it */
	HOSTILE_OP_APERTURE,	/* anywhere in BAR 2 */
	HOSTILE_OP_CHILD_MSI,	/* a child's MSI/MSI-X aimed at the device */
	HOSTILE_NR_OPS
};

static const char *const hostile_op_names[HOSTILE_NR_OPS] = {
	"reg", "ring-setup", "ring-junk", "message", "window", "aperture",
	"child-msi",
};

/* Every message type the protocol knows, and the transport's own. */
static const u32 hostile_msg_types[] = {
	HV_VPCI_QUERY_BUS_RELATIONS, HV_VPCI_POWER_STATE_CHANGE,
	HV_VPCI_QUERY_RESOURCE_REQUIREMENTS, HV_VPCI_QUERY_RESOURCE_RESOURCES,
	HV_VPCI_BUS_D0ENTRY, HV_VPCI_BUS_D0EXIT, HV_VPCI_READ_BLOCK,
	HV_VPCI_WRITE_BLOCK, HV_VPCI_EJECT, HV_VPCI_QUERY_STOP,
	HV_VPCI_REENABLE, HV_VPCI_QUERY_STOP_FAILED, HV_VPCI_EJECTION_COMPLETE,
	HV_VPCI_RESOURCES_ASSIGNED, HV_VPCI_RESOURCES_RELEASED,
	HV_VPCI_INVALIDATE_BLOCK, HV_VPCI_QUERY_PROTOCOL_VERSION,
	HV_VPCI_CREATE_INTERRUPT_MESSAGE, HV_VPCI_DELETE_INTERRUPT_MESSAGE,
	HV_VPCI_RESOURCES_ASSIGNED2, HV_VPCI_CREATE_INTERRUPT_MESSAGE2,
	HV_VPCI_DELETE_INTERRUPT_MESSAGE2, HV_VPCI_BUS_RELATIONS2,
	HV_VPCI_RESOURCES_ASSIGNED3, HV_VPCI_CREATE_INTERRUPT_MESSAGE3,
	HV_VPCI_X_RETARGET_INTERRUPT,
};

struct hostile {
	struct kref ref;		/* the binding's, and each result reader's */
	struct pci_dev *pdev;
	void __iomem *regs;		/* BAR 0 */
	void __iomem *aperture;		/* BAR 2 */
	resource_size_t regs_gpa, ap_gpa, ap_size;
	void *buf;			/* the rings' memory */
	dma_addr_t buf_dma;

	/* What the storm believes; every thread may change them. */
	u32 ring_size;			/* last size written */
	u32 gh_off, hg_off;		/* rings' offsets in buf */
	u64 window_gpa;			/* last D0 entry sent */

	/*
	 * Child MSI programming is exclusive: while one thread lets a child
	 * master the bus, nobody else can rewrite its MSI target.
	 */
	struct rw_semaphore child_lock;

	struct mutex run_lock;		/* one storm at a time */
	struct task_struct **threads;
	atomic_t running;
	struct completion done;
	bool started;
	u64 seed;
	unsigned int seconds;
	unsigned long deadline;
	u32 errors_before, errors_after;
	atomic64_t ops[HOSTILE_NR_OPS];
};

static struct hostile *hostile_dev;	/* the bound function, or NULL */
static void hostile_release(struct kref *ref)
{
	kfree(container_of(ref, struct hostile, ref));
}

static DEFINE_MUTEX(hostile_dev_lock);
static struct dentry *hostile_dir;

/* ------------------------------------------------------------------ */
/* Random picks                                                        */
/* ------------------------------------------------------------------ */

static u32 pick(struct rnd_state *r, u32 n)
{
	return n ? prandom_u32_state(r) % n : 0;
}

static u64 pick64(struct rnd_state *r)
{
	return (u64)prandom_u32_state(r) << 32 | prandom_u32_state(r);
}

/* A vector the guest survives: a device vector, never a system one. */
static u32 pick_vector(struct rnd_state *r)
{
	return 0x40 + pick(r, 0xe0 - 0x40);
}

/* 1, 2, 4 or 8 bytes. */
static unsigned int pick_size(struct rnd_state *r)
{
	return 1u << pick(r, 4);
}

/* A ring offset in buf: page aligned mostly, off by a little sometimes. */
static u32 pick_ring_off(struct rnd_state *r)
{
	u32 off = pick(r, HOSTILE_RING_SPAN / PAGE_SIZE) * PAGE_SIZE;

	return pick(r, 8) ? off : off + 8 * pick(r, 4);
}

/* A GPA that is not RAM: every ring placed there must be refused. */
static u64 storm_window(struct hostile *h, unsigned int i)
{
	return h->ap_gpa + h->ap_size - 2 * PAGE_SIZE * (i + 1);
}

static u64 pick_not_ram(struct hostile *h, struct rnd_state *r)
{
	switch (pick(r, 6)) {
	case 0:
		return h->regs_gpa + PAGE_SIZE * pick(r, 2);
	case 1:
		return h->ap_gpa + PAGE_SIZE * pick(r, h->ap_size / PAGE_SIZE);
	case 2:
		return storm_window(h, pick(r, HOSTILE_WINDOWS));
	case 3:
		return 0xfee00000;		/* the local APIC */
	case 4:
		return 0xfec00000;		/* the IOAPIC */
	default:
		return 1ULL << 44;		/* no memory there */
	}
}

static u32 pick_ring_size(struct rnd_state *r)
{
	static const u32 bad[] = { 0, 8, 0x1000, 0x3000, 0x200000, 0xffffffff };

	if (pick(r, 4))
		return HV_VPCI_RING_MIN_SIZE << pick(r, 8);	/* 8 KiB..1 MiB */
	return bad[pick(r, ARRAY_SIZE(bad))];
}

/*
 * Where a child's MSI goes: hv-vpci's own registers, window or aperture
 * (all must be refused), or the remap window.
 */
static u64 pick_msi_target(struct hostile *h, struct rnd_state *r)
{
	switch (pick(r, 5)) {
	case 0:
		return h->regs_gpa + HV_VPCI_REG_DOORBELL;
	case 1:
		return h->regs_gpa + 4 * pick(r, HV_VPCI_REG_SIZE / 4);
	case 2:
		return READ_ONCE(h->window_gpa) + 0x1000 * pick(r, 2) +
		       4 * pick(r, 0x400);
	case 3:
		return h->ap_gpa + 4 * pick(r, h->ap_size / 4);
	default:
		/* destination APIC ID, redirection hint, logical mode */
		return 0xfee00000 | pick(r, 8) << 12 | pick(r, 4) << 2;
	}
}

/*
 * MSI data for the remap window.  A hit delivers the vector of a remap
 * entry (always 0x40-0xdf, see pick_vector); a miss may be delivered
 * exactly as written (stale-msi=deliver).  So the data must also be safe
 * raw: handle encodings whose low byte is 0x40-0xdf and whose delivery
 * mode bits (8-10) say fixed or lowest priority, edge.
 */
static u32 pick_msi_data(struct rnd_state *r)
{
	static const u8 handles_plus_one[] = { 2, 3, 4, 5, 6, 10, 11, 12, 13, 14 };

	return (u32)handles_plus_one[pick(r, ARRAY_SIZE(handles_plus_one))] << 5 |
	       pick(r, 32);
}

/* ------------------------------------------------------------------ */
/* MMIO of any size, at any offset                                     */
/* ------------------------------------------------------------------ */

static u64 mmio_read(void __iomem *p, unsigned int size)
{
	switch (size) {
	case 1:
		return readb(p);
	case 2:
		return readw(p);
	case 4:
		return readl(p);
	default:
		return readq(p);
	}
}

static void mmio_write(void __iomem *p, unsigned int size, u64 v)
{
	switch (size) {
	case 1:
		writeb(v, p);
		break;
	case 2:
		writew(v, p);
		break;
	case 4:
		writel(v, p);
		break;
	default:
		writeq(v, p);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* The config window                                                   */
/* ------------------------------------------------------------------ */

/* Is @gpa in the config page of a window the storm may have mapped? */
static bool in_config_page(struct hostile *h, u64 gpa, u32 *cfg_off)
{
	for (unsigned int i = 0; i < HOSTILE_WINDOWS; i++) {
		u64 page = storm_window(h, i) + PAGE_SIZE;

		if (gpa >= page && gpa < page + PAGE_SIZE) {
			*cfg_off = gpa - page;
			return true;
		}
	}
	return false;
}

/* The window's CPU mapping, if it lies in the aperture. */
static void __iomem *window_va(struct hostile *h, u64 gpa)
{
	if (gpa < h->ap_gpa || gpa + 2 * PAGE_SIZE > h->ap_gpa + h->ap_size)
		return NULL;
	return h->aperture + (gpa - h->ap_gpa);
}

/*
 * Outside the exclusive child-MSI operation no child may master the bus:
 * a config write that covers the command register's low byte never sets
 * Bus Master Enable.
 */
static u64 no_bus_master(u32 cfg_off, unsigned int size, u64 v)
{
	if (cfg_off <= PCI_COMMAND && cfg_off + size > PCI_COMMAND)
		v &= ~((u64)PCI_COMMAND_MASTER << 8 * (PCI_COMMAND - cfg_off));
	return v;
}

/*
 * Every storm write into the aperture: one that lands in a config page
 * keeps to no_bus_master().  Callers hold child_lock for reading.
 */
static void aperture_write(struct hostile *h, u64 gpa, unsigned int size, u64 v)
{
	u32 cfg_off;

	if (in_config_page(h, gpa, &cfg_off))
		v = no_bus_master(cfg_off, size, v);
	mmio_write(h->aperture + (gpa - h->ap_gpa), size, v);
}

static void cfg_select(void __iomem *win, u32 wslot)
{
	writel(wslot, win);
	mb();	/* the select reaches the device before the config access */
}

static u32 cfg_read(void __iomem *win, u32 off, unsigned int size)
{
	u32 v = mmio_read(win + 0x1000 + off, size);

	mb();
	return v;
}

static void cfg_write(void __iomem *win, u32 off, unsigned int size, u32 v)
{
	mmio_write(win + 0x1000 + off, size, v);
	mb();
}

/* Offset of capability @id in the selected function's list, or 0. */
static u32 cfg_find_cap(void __iomem *win, u8 id)
{
	u32 pos = cfg_read(win, PCI_CAPABILITY_LIST, 1) & 0xfc;

	for (int i = 0; pos && i < 48; i++) {
		u32 hdr = cfg_read(win, pos, 2);

		if ((hdr & 0xff) == id)
			return pos;
		pos = (hdr >> 8) & 0xfc;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Rings                                                               */
/* ------------------------------------------------------------------ */

/* Write @len bytes at ring data offset @off (wrapping); returns the end. */
static u32 ring_put(struct hostile *h, u32 ring_off, u32 data_size, u32 off,
		    const void *src, u32 len)
{
	u8 *data = h->buf + ring_off + HV_VPCI_RING_HDR_SIZE;

	for (u32 i = 0; i < len; i++) {
		data[off] = ((const u8 *)src)[i];
		off = off + 1 >= data_size ? 0 : off + 1;
	}
	return off;
}

/*
 * One packet on the guest->host ring: mostly well framed, sometimes with a
 * descriptor that lies about its offset or length, or of another type.
 */
static void ring_send(struct hostile *h, struct rnd_state *r, const void *msg,
		      u32 len)
{
	u32 ring_off = READ_ONCE(h->gh_off), size = READ_ONCE(h->ring_size);
	struct hv_vpci_ring_hdr *hdr = h->buf + ring_off;
	struct hv_vpci_pkt_desc desc = {
		.type = HV_VPCI_PKT_DATA_INBAND,
		.offset8 = sizeof(desc) / 8,
		.flags = pick(r, 2) ? HV_VPCI_PKT_FLAG_COMPLETION_REQUESTED : 0,
		.trans_id = pick64(r),
	};
	u32 total = ALIGN(sizeof(desc) + len, 8), data_size, w;

	if (size < HV_VPCI_RING_MIN_SIZE || size > HOSTILE_RING_SPAN)
		size = HV_VPCI_RING_MIN_SIZE;
	data_size = size - HV_VPCI_RING_HDR_SIZE;
	desc.len8 = total / 8;
	switch (pick(r, 8)) {
	case 0:
		desc.offset8 = pick(r, 0x10000);
		break;
	case 1:
		desc.len8 = pick(r, 0x10000);
		break;
	case 2:
		desc.type = pick(r, 0x10000);
		break;
	}
	w = READ_ONCE(hdr->write_index) % data_size & ~7u;
	w = ring_put(h, ring_off, data_size, w, &desc, sizeof(desc));
	w = ring_put(h, ring_off, data_size, w, msg, len);
	w = (w + 7) & ~7u;
	if (w >= data_size)
		w = 0;
	dma_wmb();
	WRITE_ONCE(hdr->write_index, pick(r, 16) ? w : prandom_u32_state(r));
	writel(1, h->regs + HV_VPCI_REG_DOORBELL);
}

/* Consume everything the host sent, so it keeps sending. */
static void ring_drain_hg(struct hostile *h)
{
	struct hv_vpci_ring_hdr *hdr = h->buf + READ_ONCE(h->hg_off);

	WRITE_ONCE(hdr->read_index, READ_ONCE(hdr->write_index));
}

/* Point both rings into buf (or not at RAM), size, enable or disable. */
static void op_ring_setup(struct hostile *h, struct rnd_state *r)
{
	u32 gh = pick_ring_off(r), hg = pick_ring_off(r), size = pick_ring_size(r);
	u64 gh_gpa = h->buf_dma + gh, hg_gpa = h->buf_dma + hg;

	if (!pick(r, 8))
		gh_gpa = pick_not_ram(h, r);
	if (!pick(r, 8))
		hg_gpa = pick_not_ram(h, r);
	if (!pick(r, 4))
		writel(0, h->regs + HV_VPCI_REG_CTRL);
	memset(h->buf + (gh & PAGE_MASK), 0, sizeof(struct hv_vpci_ring_hdr));
	memset(h->buf + (hg & PAGE_MASK), 0, sizeof(struct hv_vpci_ring_hdr));
	WRITE_ONCE(h->gh_off, gh & PAGE_MASK);
	WRITE_ONCE(h->hg_off, hg & PAGE_MASK);
	WRITE_ONCE(h->ring_size, size);
	writel(lower_32_bits(gh_gpa), h->regs + HV_VPCI_REG_GH_RING_LO);
	writel(upper_32_bits(gh_gpa), h->regs + HV_VPCI_REG_GH_RING_HI);
	writel(lower_32_bits(hg_gpa), h->regs + HV_VPCI_REG_HG_RING_LO);
	writel(upper_32_bits(hg_gpa), h->regs + HV_VPCI_REG_HG_RING_HI);
	writel(size, h->regs + HV_VPCI_REG_RING_SIZE);
	writel(pick(r, 4) ? HV_VPCI_CTRL_ENABLE : prandom_u32_state(r),
	       h->regs + HV_VPCI_REG_CTRL);
}

static void op_ring_junk(struct hostile *h, struct rnd_state *r)
{
	u32 n = 1 + pick(r, 64);

	for (u32 i = 0; i < n; i++) {
		u32 off = pick(r, HOSTILE_RING_SPAN + 0x2000);

		/* headers (indexes, interrupt mask) as often as data */
		if (pick(r, 2))
			off = (pick(r, 2) ? READ_ONCE(h->gh_off) : READ_ONCE(h->hg_off)) +
			      pick(r, 16);
		((u8 *)h->buf)[off % HOSTILE_BUF_SIZE] = prandom_u32_state(r);
	}
	if (pick(r, 2))
		ring_drain_hg(h);
	writel(prandom_u32_state(r), h->regs + HV_VPCI_REG_DOORBELL);
}

/* ------------------------------------------------------------------ */
/* Messages                                                            */
/* ------------------------------------------------------------------ */

static void op_message(struct hostile *h, struct rnd_state *r)
{
	u8 msg[HOSTILE_MSG_MAX];
	u32 type = hostile_msg_types[pick(r, ARRAY_SIZE(hostile_msg_types))];
	u32 len = pick(r, sizeof(msg) + 1);

	prandom_bytes_state(r, msg, sizeof(msg));
	if (!pick(r, 16))
		type = prandom_u32_state(r);
	memcpy(msg, &type, sizeof(type));
	/* a plausible function most of the time: device 0-3, function 0-3 */
	if (pick(r, 4)) {
		u32 wslot = HV_VPCI_WSLOT(pick(r, 4), pick(r, 4));

		memcpy(msg + 4, &wslot, sizeof(wslot));
	}

	switch (type) {
	case HV_VPCI_QUERY_PROTOCOL_VERSION: {
		u32 v = HV_VPCI_PROTOCOL_VERSION(1, 1 + pick(r, 4));

		if (pick(r, 4))
			memcpy(msg + 4, &v, sizeof(v));
		len = pick(r, 4) ? sizeof(struct hv_vpci_version_request) : len;
		break;
	}
	case HV_VPCI_BUS_D0ENTRY: {
		/* one of the storm's windows, or one the device must refuse */
		u64 base = storm_window(h, pick(r, HOSTILE_WINDOWS));

		switch (pick(r, 16)) {
		case 0:
			base += 0x800;			/* not page aligned */
			break;
		case 1:
			base = h->ap_gpa + h->ap_size - PAGE_SIZE;	/* past the end */
			break;
		case 2:
			base = pick_not_ram(h, r) | 1;	/* outside the aperture */
			break;
		default:
			WRITE_ONCE(h->window_gpa, base);
		}
		memcpy(msg + 8, &base, sizeof(base));
		len = pick(r, 4) ? sizeof(struct hv_vpci_d0_entry) : len;
		break;
	}
	case HV_VPCI_CREATE_INTERRUPT_MESSAGE:
	case HV_VPCI_CREATE_INTERRUPT_MESSAGE2:
		msg[8] = pick_vector(r);	/* int_desc.vector, u8 */
		break;
	case HV_VPCI_CREATE_INTERRUPT_MESSAGE3: {
		/* u32 vector: above 0xff must be refused */
		u32 v = pick(r, 8) ? pick_vector(r) : 0x100 + prandom_u32_state(r) % 0xffffff00u;

		memcpy(msg + 8, &v, sizeof(v));
		break;
	}
	case HV_VPCI_X_RETARGET_INTERRUPT: {
		u32 v = pick(r, 8) ? pick_vector(r) : 0x100 + pick(r, 0x10000);

		memcpy(msg + 16, &v, sizeof(v));
		break;
	}
	}
	ring_send(h, r, msg, len);
	if (pick(r, 2))
		ring_drain_hg(h);
}

/* ------------------------------------------------------------------ */
/* Registers, window, aperture                                         */
/* ------------------------------------------------------------------ */

static void op_reg(struct hostile *h, struct rnd_state *r)
{
	unsigned int size = pick_size(r);
	u32 off = pick(r, HV_VPCI_REG_SIZE - size + 1);

	if (pick(r, 2)) {
		mmio_read(h->regs + off, size);
		return;
	}
	/*
	 * The ring address registers take only addresses the device may
	 * write (ring set-up): a random one could be the guest's own RAM.
	 */
	if (off < HV_VPCI_REG_RING_SIZE && off + size > HV_VPCI_REG_GH_RING_LO) {
		op_ring_setup(h, r);
		return;
	}
	mmio_write(h->regs + off, size, pick64(r));
}

static void op_window(struct hostile *h, struct rnd_state *r)
{
	u64 win = READ_ONCE(h->window_gpa);
	void __iomem *va;
	unsigned int size = pick_size(r);
	u32 n = 1 + pick(r, 16);
	s64 off;

	/* sometimes just around the guess: below it or past its end */
	if (pick(r, 4) == 0)
		win += PAGE_SIZE * ((s64)pick(r, 5) - 2);
	va = window_va(h, win);
	if (!va)
		return;
	for (u32 i = 0; i < n; i++) {
		switch (pick(r, 4)) {
		case 0:	/* a slot select, good or bad */
			writel(pick(r, 4) ? HV_VPCI_WSLOT(pick(r, 4), pick(r, 4)) :
					    prandom_u32_state(r), va);
			break;
		case 1:	/* anything on the select page */
			off = pick(r, PAGE_SIZE - size + 1);
			if (pick(r, 2))
				mmio_read(va + off, size);
			else
				aperture_write(h, win + off, size, pick64(r));
			break;
		default: /* config space, crossing into the next page too */
			off = pick(r, PAGE_SIZE);
			if (off + size > PAGE_SIZE && win + 3 * PAGE_SIZE > h->ap_gpa + h->ap_size)
				off = PAGE_SIZE - size;
			if (pick(r, 2))
				mmio_read(va + 0x1000 + off, size);
			else
				aperture_write(h, win + 0x1000 + off, size, pick64(r));
			break;
		}
	}
}

/*
 * Anywhere in the aperture: the window, child BARs, nothing.  Child MSI-X
 * tables live there too, but no child masters the bus outside the
 * exclusive operation, which rewrites every entry before it lets one.
 */
static void op_aperture(struct hostile *h, struct rnd_state *r)
{
	unsigned int size = pick_size(r);
	u64 off = pick(r, h->ap_size / size) * size;

	/* half of them near the windows, where the config pages are */
	if (pick(r, 2))
		off = h->ap_size - size * (1 + pick(r, 2 * HOSTILE_WINDOWS * PAGE_SIZE / size));
	if (pick(r, 2)) {
		mmio_read(h->aperture + off, size);
		return;
	}
	aperture_write(h, h->ap_gpa + off, size, pick64(r));
}

/*
 * One child function, alone on the bus: BARs in the aperture, MSI or MSI-X
 * aimed at hv-vpci itself or the remap window, vectors raised, a pending
 * one unmasked through the window, then bus mastering off again.
 */
static void op_child_msi(struct hostile *h, struct rnd_state *r)
{
	u64 win = READ_ONCE(h->window_gpa);
	void __iomem *va = window_va(h, win);
	u32 wslot = HV_VPCI_WSLOT(pick(r, 4), pick(r, 4));
	/* BAR 0 (registers) and BAR 2 (MSI-X) in the aperture's first pages */
	u64 bar0 = h->ap_gpa + PAGE_SIZE * pick(r, 8);
	u64 bar2 = h->ap_gpa + PAGE_SIZE * (8 + pick(r, 8));
	u32 msi, msix, id, msi_mask = 0;
	bool use_msix = pick(r, 2);

	if (!va || bar2 + PAGE_SIZE > h->ap_gpa + h->ap_size)
		return;
	down_write(&h->child_lock);
	cfg_select(va, wslot);
	id = cfg_read(va, PCI_VENDOR_ID, 4);
	if (id != (VPCI_TESTFN_VENDOR_ID | VPCI_TESTFN_DEVICE_ID << 16))
		goto out;
	msi = cfg_find_cap(va, PCI_CAP_ID_MSI);
	msix = cfg_find_cap(va, PCI_CAP_ID_MSIX);
	cfg_write(va, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	if (msi)
		cfg_write(va, msi + PCI_MSI_FLAGS, 2, 0);
	if (msix)
		cfg_write(va, msix + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_MASKALL);
	cfg_write(va, PCI_BASE_ADDRESS_0, 4, bar0);
	cfg_write(va, PCI_BASE_ADDRESS_0 + 4 * VPCI_TESTFN_MSIX_BAR, 4, bar2);
	/* the window's own page may now be under a BAR: look again */
	if (cfg_read(va, PCI_VENDOR_ID, 4) != id)
		goto out;

	if (use_msix && msix) {
		void __iomem *table = h->aperture + (bar2 - h->ap_gpa);
		u32 tbl = cfg_read(va, msix + PCI_MSIX_TABLE, 4) & PCI_MSIX_TABLE_OFFSET;

		/*
		 * Read through the window while other CPUs storm it: tbl may
		 * be anything (all-ones, say), so check it without overflow.
		 */
		if (tbl > PAGE_SIZE - VPCI_TESTFN_MSIX_VECTORS * PCI_MSIX_ENTRY_SIZE)
			goto out;
		table += tbl;
		for (u32 v = 0; v < VPCI_TESTFN_MSIX_VECTORS; v++) {
			void __iomem *e = table + v * PCI_MSIX_ENTRY_SIZE;
			u64 a = pick_msi_target(h, r);

			writel(lower_32_bits(a), e + PCI_MSIX_ENTRY_LOWER_ADDR);
			writel(upper_32_bits(a), e + PCI_MSIX_ENTRY_UPPER_ADDR);
			writel(pick_msi_data(r), e + PCI_MSIX_ENTRY_DATA);
			writel(pick(r, 2), e + PCI_MSIX_ENTRY_VECTOR_CTRL);
		}
		cfg_write(va, msix + PCI_MSIX_FLAGS, 2,
			  PCI_MSIX_FLAGS_ENABLE | (pick(r, 2) ? PCI_MSIX_FLAGS_MASKALL : 0));
	} else if (msi) {
		u32 flags = cfg_read(va, msi + PCI_MSI_FLAGS, 2);
		bool is64 = flags & PCI_MSI_FLAGS_64BIT;
		u32 data_off = is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32;
		u64 a = pick_msi_target(h, r);

		cfg_write(va, msi + PCI_MSI_ADDRESS_LO, 4, lower_32_bits(a));
		if (is64)
			cfg_write(va, msi + PCI_MSI_ADDRESS_HI, 4, upper_32_bits(a));
		cfg_write(va, msi + data_off, 2, pick_msi_data(r));
		if (flags & PCI_MSI_FLAGS_MASKBIT) {
			msi_mask = msi + (is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32);
			cfg_write(va, msi_mask, 4, 0xffffffff);
		}
		cfg_write(va, msi + PCI_MSI_FLAGS, 2,
			  PCI_MSI_FLAGS_ENABLE | pick(r, 8) << 4);
	} else {
		goto out;
	}
	cfg_write(va, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	for (u32 i = 0, n = 1 + pick(r, 8); i < n; i++)
		writel(pick(r, 40), h->aperture + (bar0 - h->ap_gpa) +
		       VPCI_TESTFN_REG_DOORBELL);
	/* unmask what is pending: it fires from inside this config write */
	cfg_select(va, wslot);
	if (use_msix && msix)
		cfg_write(va, msix + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	else if (msi_mask)
		cfg_write(va, msi_mask, 4, 0);
out:
	/* whatever happened above: no child masters the bus after this */
	cfg_select(va, wslot);
	cfg_write(va, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	up_write(&h->child_lock);
}

/* ------------------------------------------------------------------ */
/* The storm                                                           */
/* ------------------------------------------------------------------ */

/* Operation weights: ring traffic and the window most, child MSI least. */
static enum hostile_op pick_op(struct rnd_state *r)
{
	static const u8 weights[HOSTILE_NR_OPS] = { 3, 1, 2, 5, 5, 3, 1 };
	u32 x = pick(r, 20);

	for (int op = 0; op < HOSTILE_NR_OPS; op++) {
		if (x < weights[op])
			return op;
		x -= weights[op];
	}
	return HOSTILE_OP_MESSAGE;
}

static int hostile_thread(void *data)
{
	struct hostile *h = data;
	struct rnd_state r;

	prandom_seed_state(&r, h->seed ^ (0x9e3779b97f4a7c15ULL * (raw_smp_processor_id() + 1)));
	while (!kthread_should_stop() && time_before(jiffies, h->deadline)) {
		enum hostile_op op = pick_op(&r);

		switch (op) {
		case HOSTILE_OP_REG:
			op_reg(h, &r);
			break;
		case HOSTILE_OP_RING_SETUP:
			op_ring_setup(h, &r);
			break;
		case HOSTILE_OP_RING_JUNK:
			op_ring_junk(h, &r);
			break;
		case HOSTILE_OP_MESSAGE:
			op_message(h, &r);
			break;
		case HOSTILE_OP_WINDOW:
			down_read(&h->child_lock);
			op_window(h, &r);
			up_read(&h->child_lock);
			break;
		case HOSTILE_OP_APERTURE:
			down_read(&h->child_lock);
			op_aperture(h, &r);
			up_read(&h->child_lock);
			break;
		default:
			op_child_msi(h, &r);
			break;
		}
		atomic64_inc(&h->ops[op]);
		cond_resched();
	}
	if (atomic_dec_and_test(&h->running)) {
		h->errors_after = readl(h->regs + HV_VPCI_REG_ERRORS);
		complete_all(&h->done);
	}
	/* stay until kthread_stop(), so the task can always be stopped */
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

static void hostile_stop(struct hostile *h)
{
	if (!h->threads)
		return;
	for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++)
		if (h->threads[cpu])
			kthread_stop(h->threads[cpu]);
	kfree(h->threads);
	h->threads = NULL;
}

static int hostile_start(struct hostile *h, u64 seed, unsigned int seconds)
{
	unsigned int cpu;

	h->threads = kcalloc(nr_cpu_ids, sizeof(*h->threads), GFP_KERNEL);
	if (!h->threads)
		return -ENOMEM;
	h->seed = seed;
	h->seconds = seconds;
	for (int i = 0; i < HOSTILE_NR_OPS; i++)
		atomic64_set(&h->ops[i], 0);
	h->errors_before = readl(h->regs + HV_VPCI_REG_ERRORS);
	h->deadline = jiffies + seconds * HZ;
	reinit_completion(&h->done);
	atomic_set(&h->running, 1);	/* the starter's reference */
	for_each_online_cpu(cpu) {
		struct task_struct *t = kthread_create_on_cpu(hostile_thread, h, cpu,
							      "vpci_hostile/%u");

		if (IS_ERR(t))
			continue;
		h->threads[cpu] = t;
		atomic_inc(&h->running);
		wake_up_process(t);
	}
	h->started = true;
	if (atomic_dec_and_test(&h->running)) {	/* no thread started */
		h->errors_after = h->errors_before;
		complete_all(&h->done);
	}
	pr_info("storm: seed %llu, %u s, %u threads\n", seed, seconds,
		num_online_cpus());
	return 0;
}

/*
 * After the storm: no child masters the bus or has MSI enabled, and the
 * channel is off.  Best effort (the window may not be mapped); the next
 * driver resets the channel anyway.
 */
static void hostile_quiesce(struct hostile *h)
{
	u64 win = h->ap_gpa + h->ap_size - 2 * PAGE_SIZE;
	void __iomem *va = window_va(h, win);
	struct hv_vpci_version_request ver = {
		.type = HV_VPCI_QUERY_PROTOCOL_VERSION,
		.protocol_version = HV_VPCI_PROTOCOL_1_1,
	};
	struct hv_vpci_d0_entry d0 = { .type = HV_VPCI_BUS_D0ENTRY, .mmio_base = win };

	writel(0, h->regs + HV_VPCI_REG_CTRL);
	memset(h->buf, 0, 2 * HV_VPCI_RING_MIN_SIZE);
	WRITE_ONCE(h->gh_off, 0);
	WRITE_ONCE(h->hg_off, HV_VPCI_RING_MIN_SIZE);
	WRITE_ONCE(h->ring_size, HV_VPCI_RING_MIN_SIZE);
	writel(lower_32_bits(h->buf_dma), h->regs + HV_VPCI_REG_GH_RING_LO);
	writel(upper_32_bits(h->buf_dma), h->regs + HV_VPCI_REG_GH_RING_HI);
	writel(lower_32_bits(h->buf_dma + HV_VPCI_RING_MIN_SIZE), h->regs + HV_VPCI_REG_HG_RING_LO);
	writel(upper_32_bits(h->buf_dma + HV_VPCI_RING_MIN_SIZE), h->regs + HV_VPCI_REG_HG_RING_HI);
	writel(HV_VPCI_RING_MIN_SIZE, h->regs + HV_VPCI_REG_RING_SIZE);
	writel(HV_VPCI_CTRL_ENABLE, h->regs + HV_VPCI_REG_CTRL);
	if (va && (readl(h->regs + HV_VPCI_REG_STATUS) & HV_VPCI_STATUS_ENABLED)) {
		struct hv_vpci_ring_hdr *hdr = h->buf;

		/* well framed this time: version, then D0 entry */
		for (int i = 0; i < 2; i++) {
			struct hv_vpci_pkt_desc desc = {
				.type = HV_VPCI_PKT_DATA_INBAND,
				.offset8 = sizeof(desc) / 8,
				.len8 = ALIGN(sizeof(desc) + (i ? sizeof(d0) : sizeof(ver)), 8) / 8,
			};
			u32 w = hdr->write_index;

			w = ring_put(h, 0, HV_VPCI_RING_MIN_SIZE - HV_VPCI_RING_HDR_SIZE, w,
				     &desc, sizeof(desc));
			w = ring_put(h, 0, HV_VPCI_RING_MIN_SIZE - HV_VPCI_RING_HDR_SIZE, w,
				     i ? (void *)&d0 : (void *)&ver, i ? sizeof(d0) : sizeof(ver));
			dma_wmb();
			WRITE_ONCE(hdr->write_index, ALIGN(w, 8));
			writel(1, h->regs + HV_VPCI_REG_DOORBELL);
		}
		for (u32 dev = 0; dev < 32; dev++) {
			for (u32 fn = 0; fn < 8; fn++) {
				u32 msi, msix;

				cfg_select(va, HV_VPCI_WSLOT(dev, fn));
				if ((cfg_read(va, PCI_VENDOR_ID, 2) & 0xffff) == 0xffff)
					continue;
				cfg_write(va, PCI_COMMAND, 2, 0);
				msi = cfg_find_cap(va, PCI_CAP_ID_MSI);
				msix = cfg_find_cap(va, PCI_CAP_ID_MSIX);
				if (msi)
					cfg_write(va, msi + PCI_MSI_FLAGS, 2, 0);
				if (msix)
					cfg_write(va, msix + PCI_MSIX_FLAGS, 2, 0);
			}
		}
	}
	writel(0, h->regs + HV_VPCI_REG_CTRL);
}

/* ------------------------------------------------------------------ */
/* debugfs                                                             */
/* ------------------------------------------------------------------ */

static ssize_t run_write(struct file *file, const char __user *ubuf,
			 size_t count, loff_t *ppos)
{
	char buf[64];
	unsigned long long seed;
	unsigned int seconds;
	struct hostile *h;
	int ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%llu %u", &seed, &seconds) != 2 || !seconds ||
	    seconds > HOSTILE_MAX_SECONDS)
		return -EINVAL;

	mutex_lock(&hostile_dev_lock);
	h = hostile_dev;
	if (!h) {
		ret = -ENODEV;
	} else {
		mutex_lock(&h->run_lock);
		ret = h->started ? -EBUSY : hostile_start(h, seed, seconds);
		mutex_unlock(&h->run_lock);
	}
	mutex_unlock(&hostile_dev_lock);
	return ret ? ret : count;
}

static const struct file_operations run_fops = {
	.owner = THIS_MODULE,
	.write = run_write,
};

static ssize_t result_read(struct file *file, char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	char buf[512];
	struct hostile *h;
	int len = 0, ret;
	u64 total = 0;

	if (*ppos)
		return 0;
	mutex_lock(&hostile_dev_lock);
	h = hostile_dev;
	if (!h || !h->started) {
		mutex_unlock(&hostile_dev_lock);
		return -ENODATA;
	}
	/* h outlives an unbind while its storm is waited for */
	kref_get(&h->ref);
	mutex_unlock(&hostile_dev_lock);

	ret = wait_for_completion_interruptible(&h->done);
	if (!ret) {
		for (int i = 0; i < HOSTILE_NR_OPS; i++)
			total += atomic64_read(&h->ops[i]);
		len = scnprintf(buf, sizeof(buf), "seed=%llu seconds=%u ops=%llu",
				h->seed, h->seconds, total);
		for (int i = 0; i < HOSTILE_NR_OPS; i++)
			len += scnprintf(buf + len, sizeof(buf) - len, " %s=%lld",
					 hostile_op_names[i], atomic64_read(&h->ops[i]));
		len += scnprintf(buf + len, sizeof(buf) - len,
				 " device-errors=%u\n", h->errors_after - h->errors_before);
	}
	kref_put(&h->ref, hostile_release);
	if (ret)
		return ret;
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const struct file_operations result_fops = {
	.owner = THIS_MODULE,
	.read = result_read,
	.llseek = default_llseek,
};

/* ------------------------------------------------------------------ */
/* PCI driver (driver_override only)                                   */
/* ------------------------------------------------------------------ */

static int hostile_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct hostile *h;
	int ret;

	if (pdev->vendor != HV_VPCI_PCI_VENDOR_ID || pdev->device != HV_VPCI_PCI_DEVICE_ID)
		return -ENODEV;
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	kref_init(&h->ref);
	h->pdev = pdev;
	init_rwsem(&h->child_lock);
	mutex_init(&h->run_lock);
	init_completion(&h->done);

	ret = pcim_enable_device(pdev);
	if (ret)
		goto err;
	ret = pcim_iomap_regions(pdev, BIT(HV_VPCI_REG_BAR) | BIT(HV_VPCI_APERTURE_BAR),
				 KBUILD_MODNAME);
	if (ret)
		goto err;
	h->regs = pcim_iomap_table(pdev)[HV_VPCI_REG_BAR];
	h->aperture = pcim_iomap_table(pdev)[HV_VPCI_APERTURE_BAR];
	h->regs_gpa = pci_resource_start(pdev, HV_VPCI_REG_BAR);
	h->ap_gpa = pci_resource_start(pdev, HV_VPCI_APERTURE_BAR);
	h->ap_size = pci_resource_len(pdev, HV_VPCI_APERTURE_BAR);
	ret = -ENODEV;
	if (readl(h->regs + HV_VPCI_REG_MAGIC) != HV_VPCI_MAGIC ||
	    h->ap_size < 32 * PAGE_SIZE)
		goto err;
	/* whatever the last driver left: channel off, window unmapped */
	writel(0, h->regs + HV_VPCI_REG_CTRL);
	pci_set_master(pdev);
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		goto err;
	ret = -ENOMEM;
	h->buf = dmam_alloc_coherent(&pdev->dev, HOSTILE_BUF_SIZE, &h->buf_dma, GFP_KERNEL);
	if (!h->buf)
		goto err;
	h->window_gpa = h->ap_gpa + h->ap_size - 2 * PAGE_SIZE;
	h->ring_size = HV_VPCI_RING_MIN_SIZE;
	h->hg_off = HV_VPCI_RING_MIN_SIZE;
	pci_set_drvdata(pdev, h);

	mutex_lock(&hostile_dev_lock);
	if (hostile_dev) {
		mutex_unlock(&hostile_dev_lock);
		ret = -EBUSY;	/* one storm target at a time */
		goto err;
	}
	hostile_dev = h;
	mutex_unlock(&hostile_dev_lock);
	dev_info(&pdev->dev, "bound: registers %pa, aperture %pa+%pa, rings at %pad\n",
		 &h->regs_gpa, &h->ap_gpa, &h->ap_size, &h->buf_dma);
	return 0;
err:
	kref_put(&h->ref, hostile_release);
	return ret;
}

static void hostile_remove(struct pci_dev *pdev)
{
	struct hostile *h = pci_get_drvdata(pdev);

	mutex_lock(&hostile_dev_lock);
	hostile_dev = NULL;
	mutex_unlock(&hostile_dev_lock);
	hostile_stop(h);
	/* threads stopped before they ran never counted themselves out */
	if (h->started && !completion_done(&h->done)) {
		h->errors_after = readl(h->regs + HV_VPCI_REG_ERRORS);
		complete_all(&h->done);
	}
	hostile_quiesce(h);
	pci_clear_master(pdev);
	dev_info(&pdev->dev, "unbound, channel disabled\n");
	kref_put(&h->ref, hostile_release);
}

static struct pci_driver hostile_driver = {
	.name = KBUILD_MODNAME,
	.id_table = NULL,	/* driver_override only */
	.probe = hostile_probe,
	.remove = hostile_remove,
};

static int __init hostile_init(void)
{
	int ret;

	hostile_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("run", 0200, hostile_dir, NULL, &run_fops);
	debugfs_create_file("result", 0400, hostile_dir, NULL, &result_fops);
	ret = pci_register_driver(&hostile_driver);
	if (ret)
		debugfs_remove_recursive(hostile_dir);
	return ret;
}

static void __exit hostile_exit(void)
{
	pci_unregister_driver(&hostile_driver);
	debugfs_remove_recursive(hostile_dir);
}

module_init(hostile_init);
module_exit(hostile_exit);

MODULE_DESCRIPTION("vpci-rig: a hostile guest driver for the hv-vpci function");
MODULE_LICENSE("GPL");
