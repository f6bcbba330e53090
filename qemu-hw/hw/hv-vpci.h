/*
 * hv-vpci: the Hyper-V vPCI protocol engine and its interface to a
 * transport.
 *
 * The engine (hv-vpci-proto.c) parses guest messages and produces replies
 * and host notifications; it never touches rings, registers or MSIs.  A
 * transport (today the PCI rings of hv-vpci.c, later a VMBus channel)
 * feeds it one packet payload at a time with hv_vpci_proto_handle() and
 * receives everything it must send through HvVpciProtoOps.send.
 *
 * Serialisation: every entry point runs with the BQL held (MMIO handlers,
 * hotplug callbacks, reset), so the engine needs no lock of its own.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_VPCI_RIG_HV_VPCI_H
#define HW_VPCI_RIG_HV_VPCI_H

#include "hw/pci/pci.h"
#include "hw/pci/pci_bus.h"
#include "hw/pci/pci_device.h"
#include "hv-vpci-wire.h"

/*
 * Interrupt remapping scheme: every create-interrupt reply hands out
 * address HV_VPCI_REMAP_ADDRESS and data (handle + 1) << HV_VPCI_REMAP_SHIFT,
 * handle being the table index.  The low HV_VPCI_REMAP_SHIFT bits stay free
 * for the multi-message MSI index the device ORs in.
 */
#define HV_VPCI_REMAP_ADDRESS       0xfee00000ULL
#define HV_VPCI_REMAP_WINDOW_SIZE   0x100000ULL
#define HV_VPCI_REMAP_SHIFT         5
#define HV_VPCI_REMAP_ENTRIES       256
#define HV_VPCI_MAX_VECTOR_COUNT    32

/* Where the protocol is; one value per step of the guest's bring-up. */
typedef enum HvVpciProtoState {
    HV_VPCI_PROTO_STATE_IDLE = 0,       /* no version negotiated yet */
    HV_VPCI_PROTO_STATE_NEGOTIATED,     /* version agreed, not in D0 */
    HV_VPCI_PROTO_STATE_D0,             /* D0 entered: window live */
} HvVpciProtoState;

/* One remapped interrupt, built from a create-interrupt request. */
typedef struct HvVpciIrqEntry {
    bool in_use;            /* false: deleted (fields kept) or never used */
    uint8_t devfn;          /* the function the guest created it for */
    uint16_t vector_count;  /* power of two, 1..32 */
    uint8_t delivery_mode;  /* HV_VPCI_DELIVERY_* */
    uint32_t vector;        /* guest IDT vector (first of the block) */
    uint64_t vp_mask;       /* target VP indexes (= QEMU cpu-index) */
    uint64_t address;       /* the message handed out for it */
    uint32_t data;
} HvVpciIrqEntry;

/* Per child function protocol state, indexed by devfn. */
typedef struct HvVpciFuncState {
    bool resources_assigned;    /* RESOURCES_ASSIGNED seen, not released */
    bool eject_pending;         /* EJECT sent, EJECTION_COMPLETE awaited */
    bool ejected;               /* ejection done, unplug not run yet: hidden */
} HvVpciFuncState;

typedef enum HvVpciEjectResult {
    HV_VPCI_EJECT_SENT,         /* EJECT on the ring, completion awaited */
    HV_VPCI_EJECT_NO_GUEST,     /* protocol not up: ejected, unplug now */
    HV_VPCI_EJECT_NOT_SENT,     /* ring full or channel down: nothing pending */
} HvVpciEjectResult;

/* What the engine needs from its transport and from the device. */
typedef struct HvVpciProtoOps {
    /*
     * Post one packet (descriptor type, trans_id, payload) to the guest;
     * false if it could not be posted (the transport logged why).
     */
    bool (*send)(void *opaque, uint16_t pkt_type, uint64_t trans_id,
                 const void *payload, uint32_t len);
    /* Log and count one guest mistake (the engine has traced it). */
    void (*guest_error)(void *opaque, const char *what);
    /* Map the config window at @gpa; false if it does not fit. */
    bool (*map_window)(void *opaque, uint64_t gpa);
    void (*unmap_window)(void *opaque);
    /*
     * Without interrupt remapping (HvVpciProto.direct): the xAPIC message
     * that reaches @vector on the first VP of @vp_mask; false if none can
     * (no such VP, APIC ID above 255).
     */
    bool (*direct_message)(void *opaque, uint32_t vector, uint8_t mode,
                           uint64_t vp_mask, uint64_t *address,
                           uint32_t *data);
    /* Does [gpa, gpa + len) lie inside the MMIO aperture? */
    bool (*range_in_aperture)(void *opaque, uint64_t gpa, uint64_t len);
    /*
     * The guest completed the ejection of @dev (or its channel went away
     * with the eject pending): unplug it, never from inside this call.
     */
    void (*eject_complete)(void *opaque, PCIDevice *dev);
} HvVpciProtoOps;

typedef struct HvVpciProto {
    const HvVpciProtoOps *ops;
    void *opaque;
    PCIBus *bus;                /* the child bus the functions live on */

    /*
     * No interrupt remapping: create-interrupt replies carry real xAPIC
     * messages, and retargeting is not supported (the device property).
     */
    bool direct;

    HvVpciProtoState state;
    uint32_t version;           /* negotiated protocol version, 0 if none */
    uint64_t mmio_base;         /* window GPA from D0 entry */
    HvVpciFuncState func[HV_VPCI_MAX_FUNCTIONS];
    HvVpciIrqEntry irq[HV_VPCI_REMAP_ENTRIES];
} HvVpciProto;

void hv_vpci_proto_init(HvVpciProto *p, const HvVpciProtoOps *ops,
                        void *opaque, PCIBus *bus);
void hv_vpci_proto_reset(HvVpciProto *p);
void hv_vpci_proto_handle(HvVpciProto *p, const void *payload, uint32_t len,
                          uint64_t trans_id, uint16_t flags);
void hv_vpci_proto_send_bus_relations(HvVpciProto *p);
HvVpciEjectResult hv_vpci_proto_send_eject(HvVpciProto *p, PCIDevice *dev);
void hv_vpci_proto_forget_function(HvVpciProto *p, uint8_t devfn);
/*
 * The entry MSI data @data names, live (*live) or deleted since (its last
 * vector and targets are kept until the handle is reused); NULL if the
 * handle was never handed out.
 */
const HvVpciIrqEntry *hv_vpci_proto_lookup_irq(HvVpciProto *p,
                                               uint32_t data,
                                               unsigned *index, bool *live);
PCIDevice *hv_vpci_proto_find_function(HvVpciProto *p, uint32_t wslot);
const char *hv_vpci_proto_state_name(HvVpciProtoState state);
bool hv_vpci_proto_state_valid(const HvVpciProto *p);

extern const VMStateDescription vmstate_hv_vpci_proto;

#endif
