/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv_vpci: what the parts of the module share.  The model and the contexts
 * are described at the top of main.c; each .c file says which concern it
 * holds:
 *
 *   main.c            PCI driver probe/remove, debugfs, module init/exit
 *   channel.c         the VMBus stand-in: rings, doorbell, host round trips
 *   cfg.c             config window: barrier sites (fences=), accessors,
 *                     pci_ops, BAR pre-fill, mapping the window
 *   irq.c             MSI irq domain, create/delete/retarget interrupt
 *   bus.c             protocol steps, children, BAR placement, root bus,
 *                     bus relations and eject
 *   ordering_probe.c  debugfs ordering_probe (CONFIG_HV_VPCI_ORDERING_PROBE)
 */
#ifndef HV_VPCI_H
#define HV_VPCI_H

#include <linux/completion.h>
#include <linux/irqdomain.h>
#include <linux/msi.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#if __has_include(<linux/unaligned.h>)	/* 6.12 moved it */
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#if !__has_include("hv-vpci-wire.h")
#error "hv-vpci-wire.h not found: build with VPCI_RIG_INCLUDE=<vpci-rig>/include"
#endif
#include "hv-vpci-wire.h"

/* Each ring: one header page and three data pages, as a VMBus ring. */
#define HV_VPCI_RING_SIZE		0x4000
#define HV_VPCI_MAX_REQUESTS		16
#define HV_VPCI_RESP_MAX		64	/* largest completion we expect */
#define HV_VPCI_TIMEOUT_MS		10000	/* sleeping round trips */
#define HV_VPCI_POLL_TIMEOUT_US		1000000	/* atomic round trips */
#define HV_VPCI_POLL_STEP_US		10
#define HV_VPCI_DOMAIN_BASE		0x5650
#define HV_VPCI_FENCES_LEN		128	/* the fences= string */


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
#ifdef CONFIG_HV_VPCI_ORDERING_PROBE
	struct mutex ordering_lock;	/* ordering_result */
	char ordering_result[192];	/* last ordering_probe outcome */
#endif
};

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

/* Module parameters (the names users see are fences= and eager_affinity=). */
extern char hv_vpci_fences[HV_VPCI_FENCES_LEN];	/* cfg.c */
extern bool hv_vpci_eager_affinity;			/* irq.c */

/* channel.c */
int hv_vpci_transport_start(struct hv_vpci_bus *hbus);
void hv_vpci_transport_stop(struct hv_vpci_bus *hbus);
int hv_vpci_xfer(struct hv_vpci_bus *hbus, const void *msg, u32 len,
		 void *resp, u32 resp_size, bool atomic);
int hv_vpci_call(struct hv_vpci_bus *hbus, const char *what,
		 const void *msg, u32 len, void *resp, u32 resp_size,
		 bool atomic);
int hv_vpci_post(struct hv_vpci_bus *hbus, const char *what,
		 const void *msg, u32 len);

/* cfg.c */
extern struct pci_ops hv_vpci_pci_ops;
int hv_vpci_parse_fences(void);
void hv_vpci_prefill_bars(struct hv_vpci_bus *hbus,
			  struct hv_vpci_child *child);
int hv_vpci_cfgwin_map(struct hv_vpci_bus *hbus);
void hv_vpci_cfgwin_unmap(struct hv_vpci_bus *hbus);

/* irq.c */
int hv_vpci_create_irq_domain(struct hv_vpci_bus *hbus);
void hv_vpci_remove_irq_domain(struct hv_vpci_bus *hbus);

/* bus.c */
struct hv_vpci_child *hv_vpci_child_get(struct hv_vpci_bus *hbus, u32 wslot);
void hv_vpci_child_put(struct hv_vpci_child *child);
int hv_vpci_negotiate(struct hv_vpci_bus *hbus);
int hv_vpci_d0_entry(struct hv_vpci_bus *hbus);
void hv_vpci_d0_exit(struct hv_vpci_bus *hbus);
int hv_vpci_install_children(struct hv_vpci_bus *hbus);
int hv_vpci_create_root_bus(struct hv_vpci_bus *hbus);
void hv_vpci_remove_root_bus(struct hv_vpci_bus *hbus);
void hv_vpci_forget_children(struct hv_vpci_bus *hbus, bool release);
void hv_vpci_inbound_work(struct work_struct *work);

/* ordering_probe.c: compiled out without CONFIG_HV_VPCI_ORDERING_PROBE */
#ifdef CONFIG_HV_VPCI_ORDERING_PROBE
void hv_vpci_ordering_probe_debugfs(struct hv_vpci_bus *hbus);
#else
static inline void hv_vpci_ordering_probe_debugfs(struct hv_vpci_bus *hbus)
{
}
#endif

#endif /* HV_VPCI_H */
