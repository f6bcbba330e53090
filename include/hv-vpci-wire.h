/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hv-vpci wire format: the one definition shared by the QEMU device
 * (qemu-hw/hw/hv-vpci*.c) and the guest driver (guest-driver/hv_vpci/).
 *
 * Two layers:
 *  1. The transport that stands in for a VMBus channel: a PCI endpoint with
 *     a register BAR, two rings in guest memory and an MSI.  Only this layer
 *     is ours; it is replaced by a real VMBus channel later.
 *  2. The Hyper-V vPCI protocol carried over it: message numbers, layouts and
 *     the config window are exactly Hyper-V's (see
 *     ../shared/reference/vpci-protocol-facts.md), so Linux's pci-hyperv could
 *     drive the same device over VMBus.
 *
 * Everything is little-endian and packed.  Both users are x86_64 Linux
 * programs (QEMU on the host, the module in the guest), so fields are plain
 * fixed-width integers read in host order.
 */
#ifndef HV_VPCI_WIRE_H
#define HV_VPCI_WIRE_H

#include <linux/types.h>

#ifndef __packed
#define __packed __attribute__((packed))
#endif

/* ------------------------------------------------------------------ */
/* 1. Transport: the hv-vpci PCI function                              */
/* ------------------------------------------------------------------ */

#define HV_VPCI_PCI_VENDOR_ID		0x1234	/* QEMU's test vendor, as edu */
#define HV_VPCI_PCI_DEVICE_ID		0x5650	/* "VP" */

/* BAR numbers of the hv-vpci function. */
#define HV_VPCI_REG_BAR			0	/* 4 KiB of registers */
#define HV_VPCI_APERTURE_BAR		2	/* MMIO aperture (32-bit BAR by default) */

/*
 * Register BAR (all 32-bit accesses; 64-bit registers are lo/hi pairs).
 *
 * Set-up sequence: write the two ring addresses and RING_SIZE, then set
 * CTRL.ENABLE.  Clearing CTRL.ENABLE resets the channel and the protocol
 * state machine (as closing the VMBus channel).  After producing packets
 * on the guest->host ring, write anything to DOORBELL.
 */
#define HV_VPCI_REG_MAGIC		0x00	/* RO: HV_VPCI_MAGIC */
#define HV_VPCI_REG_VERSION		0x04	/* RO: transport version */
#define HV_VPCI_REG_GH_RING_LO		0x08	/* RW: guest->host ring GPA */
#define HV_VPCI_REG_GH_RING_HI		0x0c
#define HV_VPCI_REG_HG_RING_LO		0x10	/* RW: host->guest ring GPA */
#define HV_VPCI_REG_HG_RING_HI		0x14
#define HV_VPCI_REG_RING_SIZE		0x18	/* RW: bytes per ring, incl. header */
#define HV_VPCI_REG_CTRL		0x1c	/* RW: HV_VPCI_CTRL_* */
#define HV_VPCI_REG_DOORBELL		0x20	/* WO: guest->host ring has data */
#define HV_VPCI_REG_STATUS		0x24	/* RO: HV_VPCI_STATUS_* */
#define HV_VPCI_REG_ERRORS		0x28	/* RO: guest mistakes seen so far */
#define HV_VPCI_REG_APERTURE_SIZE_LO	0x30	/* RO: aperture size (bytes) */
#define HV_VPCI_REG_APERTURE_SIZE_HI	0x34
#define HV_VPCI_REG_INSTANCE		0x38	/* RO: instance number (PCI domain) */

/*
 * Instrumentation (the rig's, not Hyper-V's): what the window and the MSI
 * remap region saw, for the guest to compare with what it meant.
 *
 * MISDIRECTED counts config writes that reached a function while the slot
 * select had last been written by another vCPU, or ahead of an earlier
 * window store of their own vCPU (its select, still buffered): with the
 * driver's lock and fences neither happens.  Each one may have landed on
 * another function than its program selected (the 2016 mechanism); the
 * second kind is counted even when the select it passed named the same
 * slot, so the count is an upper bound.
 *
 * MSI_STATS_SELECT picks a child devfn; the registers after it describe the
 * MSIs that function sent into the remap region (docs/hv-vpci.md):
 * delivered through a live entry of its own, stale (an entry of its own
 * that was deleted), foreign (a live entry of another function: dropped),
 * unmatched (no entry at all: dropped).  LAST_BAD_* describe the last one
 * that was not delivered through a live entry of its own.
 */
#define HV_VPCI_REG_MISDIRECTED		0x3c	/* RO */
#define HV_VPCI_REG_MSI_STATS_SELECT	0x40	/* RW: child devfn */
#define HV_VPCI_REG_MSI_DELIVERED	0x44	/* RO */
#define HV_VPCI_REG_MSI_STALE		0x48	/* RO */
#define HV_VPCI_REG_MSI_FOREIGN		0x4c	/* RO */
#define HV_VPCI_REG_MSI_UNMATCHED	0x50	/* RO */
#define HV_VPCI_REG_MSI_LAST_BAD_DATA	0x54	/* RO */
#define HV_VPCI_REG_MSI_LAST_BAD_OWNER	0x58	/* RO: HV_VPCI_MSI_OWNER_* */
#define HV_VPCI_REG_MSI_JOURNAL_COUNT	0x5c	/* RO: MSI-register writes journaled */
#define HV_VPCI_REG_MSI_LAST_DELIVERY	0x60	/* RO: the selected function's last MSI that
						 * reached an APIC: vector (bits 0-7) | VP
						 * (8-15) | remap handle (16-27) | bit 31 valid */
#define HV_VPCI_MSI_DELIVERY_VALID	(1u << 31)

/* LAST_BAD_OWNER: the entry the message named, if any. */
#define HV_VPCI_MSI_OWNER_VALID		(1u << 31)	/* bits 0-7: its devfn */
#define HV_VPCI_MSI_OWNER_LIVE		(1u << 30)	/* entry in use */

/*
 * Journal of config writes that reached a child's MSI capability, through
 * the window, in the order they reached it: a ring of
 * HV_VPCI_MSI_JOURNAL_ENTRIES entries of 4 dwords; entry i (counting from
 * reset) at HV_VPCI_REG_MSI_JOURNAL + 16 * (i % entries):
 *   dword 0: devfn (bits 0-7) | offset in the capability (8-15) | size (16-23)
 *            | HV_VPCI_MSI_JOURNAL_OVERTAKES
 *   dword 1: value written
 *   dword 2: vCPU that issued the store + 1 (bits 0-15; 0: none) |
 *            vCPU that wrote the slot select in force + 1 (bits 16-31)
 *   dword 3: i (low 32 bits)
 */
#define HV_VPCI_REG_MSI_JOURNAL		0x800
#define HV_VPCI_MSI_JOURNAL_OVERTAKES	(1u << 24)	/* reached the device before an
							 * earlier store of its vCPU */
#define HV_VPCI_MSI_JOURNAL_ENTRIES	128
#define HV_VPCI_REG_SIZE		0x1000

#define HV_VPCI_MAGIC			0x49435056	/* "VPCI" */
#define HV_VPCI_TRANSPORT_VERSION	1

#define HV_VPCI_CTRL_ENABLE		(1u << 0)

#define HV_VPCI_STATUS_ENABLED		(1u << 0)
#define HV_VPCI_STATUS_BROKEN		(1u << 1)	/* ring state invalid: reset with CTRL */

/* MSI vector 0 of the hv-vpci function signals host->guest ring traffic. */
#define HV_VPCI_MSI_VECTORS		1

/*
 * Ring layout (each ring is RING_SIZE bytes, page aligned, a power of two
 * between 8 KiB and 1 MiB): a header page then the data area.  Indexes are
 * byte offsets into the data area; producer owns write_index, consumer
 * owns read_index; empty when equal; a writer never fills the ring
 * completely (keeps 8 bytes free).  Packets are 8-byte aligned and may
 * wrap around the end of the data area.
 */
#define HV_VPCI_RING_HDR_SIZE		0x1000
#define HV_VPCI_RING_MIN_SIZE		0x2000
#define HV_VPCI_RING_MAX_SIZE		0x100000

struct hv_vpci_ring_hdr {
	__u32 write_index;
	__u32 read_index;
	__u32 interrupt_mask;	/* consumer sets it to say "no MSI needed" */
	__u32 reserved;
} __packed;

/* VMBus packet descriptor, 16 bytes, in front of every packet. */
struct hv_vpci_pkt_desc {
	__u16 type;		/* HV_VPCI_PKT_* */
	__u16 offset8;		/* payload offset in 8-byte units (2) */
	__u16 len8;		/* total length in 8-byte units */
	__u16 flags;		/* HV_VPCI_PKT_FLAG_* */
	__u64 trans_id;
} __packed;

#define HV_VPCI_PKT_DATA_INBAND		0x6	/* requests, host notifications */
#define HV_VPCI_PKT_COMP		0xb	/* completions */
#define HV_VPCI_PKT_FLAG_COMPLETION_REQUESTED	0x1

#define HV_VPCI_PKT_MAX_LEN		0x1000	/* larger packets are malformed */

/* ------------------------------------------------------------------ */
/* 2. Hyper-V vPCI protocol                                            */
/* ------------------------------------------------------------------ */

#define HV_VPCI_PROTOCOL_VERSION(maj, min)	(((maj) << 16) | (min))
#define HV_VPCI_PROTOCOL_1_1		0x00010001	/* Win10 */
#define HV_VPCI_PROTOCOL_1_2		0x00010002	/* RS1 */
#define HV_VPCI_PROTOCOL_1_3		0x00010003	/* Vibranium */
#define HV_VPCI_PROTOCOL_1_4		0x00010004	/* WS2022 */

/* NTSTATUS values a host answers with. */
#define HV_VPCI_STATUS_SUCCESS		0x00000000
#define HV_VPCI_STATUS_REVISION_MISMATCH	0xC0000059
#define HV_VPCI_STATUS_BAD_DATA		0xC000090B
#define HV_VPCI_STATUS_INVALID_PARAMETER	0xC000000D
#define HV_VPCI_STATUS_INVALID_DEVICE_STATE	0xC0000184
#define HV_VPCI_STATUS_NO_SUCH_DEVICE	0xC000000E
#define HV_VPCI_STATUS_NOT_SUPPORTED	0xC00000BB

/* Message types. */
#define HV_VPCI_MSG_BASE		0x42490000
enum hv_vpci_msg_type {
	HV_VPCI_BUS_RELATIONS			= HV_VPCI_MSG_BASE + 0x00,
	HV_VPCI_QUERY_BUS_RELATIONS		= HV_VPCI_MSG_BASE + 0x01,
	HV_VPCI_POWER_STATE_CHANGE		= HV_VPCI_MSG_BASE + 0x04,
	HV_VPCI_QUERY_RESOURCE_REQUIREMENTS	= HV_VPCI_MSG_BASE + 0x05,
	HV_VPCI_QUERY_RESOURCE_RESOURCES	= HV_VPCI_MSG_BASE + 0x06,
	HV_VPCI_BUS_D0ENTRY			= HV_VPCI_MSG_BASE + 0x07,
	HV_VPCI_BUS_D0EXIT			= HV_VPCI_MSG_BASE + 0x08,
	HV_VPCI_READ_BLOCK			= HV_VPCI_MSG_BASE + 0x09,
	HV_VPCI_WRITE_BLOCK			= HV_VPCI_MSG_BASE + 0x0A,
	HV_VPCI_EJECT				= HV_VPCI_MSG_BASE + 0x0B,
	HV_VPCI_QUERY_STOP			= HV_VPCI_MSG_BASE + 0x0C,
	HV_VPCI_REENABLE			= HV_VPCI_MSG_BASE + 0x0D,
	HV_VPCI_QUERY_STOP_FAILED		= HV_VPCI_MSG_BASE + 0x0E,
	HV_VPCI_EJECTION_COMPLETE		= HV_VPCI_MSG_BASE + 0x0F,
	HV_VPCI_RESOURCES_ASSIGNED		= HV_VPCI_MSG_BASE + 0x10,
	HV_VPCI_RESOURCES_RELEASED		= HV_VPCI_MSG_BASE + 0x11,
	HV_VPCI_INVALIDATE_BLOCK		= HV_VPCI_MSG_BASE + 0x12,
	HV_VPCI_QUERY_PROTOCOL_VERSION		= HV_VPCI_MSG_BASE + 0x13,
	HV_VPCI_CREATE_INTERRUPT_MESSAGE	= HV_VPCI_MSG_BASE + 0x14,
	HV_VPCI_DELETE_INTERRUPT_MESSAGE	= HV_VPCI_MSG_BASE + 0x15,
	HV_VPCI_RESOURCES_ASSIGNED2		= HV_VPCI_MSG_BASE + 0x16,
	HV_VPCI_CREATE_INTERRUPT_MESSAGE2	= HV_VPCI_MSG_BASE + 0x17,
	HV_VPCI_DELETE_INTERRUPT_MESSAGE2	= HV_VPCI_MSG_BASE + 0x18,
	HV_VPCI_BUS_RELATIONS2			= HV_VPCI_MSG_BASE + 0x19,
	HV_VPCI_RESOURCES_ASSIGNED3		= HV_VPCI_MSG_BASE + 0x1A,
	HV_VPCI_CREATE_INTERRUPT_MESSAGE3	= HV_VPCI_MSG_BASE + 0x1B,
};

/*
 * Windows slot number: bits 0-4 device, 5-7 function.  Linux's devfn is
 * (dev << 3) | func, so the two must be converted, never mixed.
 */
#define HV_VPCI_WSLOT(dev, fn)		(((dev) & 0x1f) | (((fn) & 0x7) << 5))
#define HV_VPCI_WSLOT_DEV(w)		((w) & 0x1f)
#define HV_VPCI_WSLOT_FN(w)		(((w) >> 5) & 0x7)

/* Every guest message starts with its type. */
struct hv_vpci_msg {
	__u32 type;
} __packed;

/* Per-function messages: type, wslot (8 bytes). */
struct hv_vpci_child_msg {
	__u32 type;
	__u32 wslot;
} __packed;

/* A completion: status first, message specific data after. */
struct hv_vpci_response {
	__s32 status;
} __packed;

struct hv_vpci_version_request {	/* QUERY_PROTOCOL_VERSION, 8 B */
	__u32 type;
	__u32 protocol_version;
} __packed;

struct hv_vpci_d0_entry {		/* BUS_D0ENTRY, 16 B */
	__u32 type;
	__u32 reserved;
	__u64 mmio_base;	/* GPA of the 2-page config window */
} __packed;

struct hv_vpci_function_desc {		/* 20 B */
	__u16 v_id;
	__u16 d_id;
	__u8 rev;
	__u8 prog_intf;
	__u8 subclass;
	__u8 base_class;
	__u32 subsystem_id;	/* low: subsystem vendor, high: subsystem id */
	__u32 win_slot;
	__u32 ser;		/* serial number */
} __packed;

struct hv_vpci_function_desc2 {		/* 28 B */
	__u16 v_id;
	__u16 d_id;
	__u8 rev;
	__u8 prog_intf;
	__u8 subclass;
	__u8 base_class;
	__u32 subsystem_id;
	__u32 win_slot;
	__u32 ser;
	__u32 flags;		/* bit 0: virtual_numa_node valid */
	__u16 virtual_numa_node;
	__u16 reserved;
} __packed;

#define HV_VPCI_MAX_FUNCTIONS		256

/* BUS_RELATIONS(2) payload (after the packet descriptor). */
struct hv_vpci_bus_relations {
	__u32 type;
	__u32 device_count;
	struct hv_vpci_function_desc func[];
} __packed;

struct hv_vpci_bus_relations2 {
	__u32 type;
	__u32 device_count;
	struct hv_vpci_function_desc2 func[];
} __packed;

struct hv_vpci_q_res_req_response {	/* 28 B after the descriptor */
	__s32 status;
	__u32 probed_bar[6];
} __packed;

/* A memory range descriptor inside RESOURCES_ASSIGNED (20 B). */
struct hv_vpci_partial_res {
	__u8 type;
	__u8 share;
	__u16 flags;
	__u64 address;
	__u32 length;
	__u32 pad;
} __packed;

struct hv_vpci_resources_assigned {	/* RESOURCES_ASSIGNED, 148 B */
	__u32 type;
	__u32 wslot;
	struct hv_vpci_partial_res mmio[6];
	__u32 msi_descriptors;
	__u32 reserved[4];
} __packed;

struct hv_vpci_resources_assigned2 {	/* RESOURCES_ASSIGNED2, 202 B */
	__u32 type;
	__u32 wslot;
	struct hv_vpci_partial_res mmio[6];
	__u32 msi_descriptor_count;
	__u8 reserved[70];
} __packed;

/* Interrupt descriptors. */
#define HV_VPCI_DELIVERY_FIXED		0
#define HV_VPCI_DELIVERY_LOWEST		1
#define HV_VPCI_MAX_PROCESSORS		32

struct hv_vpci_int_desc {		/* v1, 16 B */
	__u8 vector;
	__u8 delivery_mode;
	__u16 vector_count;
	__u32 reserved;
	__u64 cpu_mask;
} __packed;

struct hv_vpci_int_desc2 {		/* v2, 70 B */
	__u8 vector;
	__u8 delivery_mode;
	__u16 vector_count;
	__u16 processor_count;
	__u16 processor_array[HV_VPCI_MAX_PROCESSORS];
} __packed;

struct hv_vpci_int_desc3 {		/* v3, 74 B */
	__u32 vector;
	__u8 delivery_mode;
	__u8 reserved;
	__u16 vector_count;
	__u16 processor_count;
	__u16 processor_array[HV_VPCI_MAX_PROCESSORS];
} __packed;

struct hv_vpci_create_interrupt {	/* v1, 24 B */
	__u32 type;
	__u32 wslot;
	struct hv_vpci_int_desc int_desc;
} __packed;

struct hv_vpci_create_interrupt2 {	/* v2, 78 B */
	__u32 type;
	__u32 wslot;
	struct hv_vpci_int_desc2 int_desc;
} __packed;

struct hv_vpci_create_interrupt3 {	/* v3, 82 B */
	__u32 type;
	__u32 wslot;
	struct hv_vpci_int_desc3 int_desc;
} __packed;

/* What the host hands back: the address/data the device must write. */
struct hv_vpci_tran_int_desc {		/* 16 B */
	__u16 reserved;
	__u16 vector_count;
	__u32 data;
	__u64 address;
} __packed;

struct hv_vpci_create_int_response {	/* 24 B after the descriptor */
	__s32 status;
	__u32 reserved;
	struct hv_vpci_tran_int_desc int_desc;
} __packed;

struct hv_vpci_delete_interrupt {	/* 24 B */
	__u32 type;
	__u32 wslot;
	struct hv_vpci_tran_int_desc int_desc;
} __packed;

struct hv_vpci_ejection_complete {	/* 12 B */
	__u32 type;
	__u32 wslot;
	__u32 status;
} __packed;

/*
 * Transport extension, outside Hyper-V's message space: the stand-in for
 * the HVCALL_RETARGET_INTERRUPT (0x7e) hypercall, which TCG cannot take.
 * Sent on the ring, completion requested, answered with a plain
 * hv_vpci_response.  Targets are VP indexes (= QEMU cpu-index = Linux CPU
 * number on this machine model), as in the hypercall.
 */
#define HV_VPCI_X_RETARGET_INTERRUPT	0x56500001

struct hv_vpci_x_retarget_interrupt {	/* 32 B */
	__u32 type;
	__u32 wslot;
	__u32 address;		/* low 32 bits of the host address from create */
	__u32 data;		/* data from create */
	__u32 vector;		/* the real IDT vector */
	__u32 flags;		/* reserved, 0 */
	__u64 vp_mask;		/* one bit per VP index */
} __packed;

/* ------------------------------------------------------------------ */
/* 3. Config window                                                    */
/* ------------------------------------------------------------------ */

/*
 * Two pages at the GPA given in D0 entry, inside the aperture BAR.
 * Page 0, offset 0: slot select (aligned 32-bit write of a wslot).
 * Page 1: the selected function's 4 KiB config space, 1/2/4-byte accesses,
 * never crossing the page.  An empty slot reads all-ones, ignores writes.
 */
#define HV_VPCI_CFG_WINDOW_SIZE		0x2000
#define HV_VPCI_CFG_SELECT_OFFSET	0x0
#define HV_VPCI_CFG_PAGE_OFFSET		0x1000
#define HV_VPCI_CFG_PAGE_SIZE		0x1000

#endif /* HV_VPCI_WIRE_H */
