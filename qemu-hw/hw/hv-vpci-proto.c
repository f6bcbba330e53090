/*
 * hv-vpci protocol engine: the Hyper-V vPCI messages, independent of the
 * transport that carries them (see hv-vpci.h).
 *
 * handle_X parses one guest message and acts on it; send_X posts a reply
 * or a host notification through ops->send.  Every malformed or
 * out-of-state message is logged (LOG_GUEST_ERROR), traced, counted with
 * ops->guest_error and, when the guest asked for a completion, answered
 * with an error status.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "hw/pci/pci.h"
#include "migration/vmstate.h"
#include "hv-vpci.h"
#include "trace.h"

/* Message lengths (the structures are packed, so sizeof is the wire size). */
#define MSG_LEN_VERSION     sizeof(struct hv_vpci_version_request)
#define MSG_LEN_CHILD       sizeof(struct hv_vpci_child_msg)

typedef struct HvVpciRequest {
    const void *payload;
    uint32_t len;
    uint64_t trans_id;
    bool wants_completion;
} HvVpciRequest;

const char *hv_vpci_proto_state_name(HvVpciProtoState state)
{
    switch (state) {
    case HV_VPCI_PROTO_STATE_IDLE:
        return "idle";
    case HV_VPCI_PROTO_STATE_NEGOTIATED:
        return "negotiated";
    case HV_VPCI_PROTO_STATE_D0:
        return "d0";
    }
    return "?";
}

/* ---------------------------------------------------------------- send */

static void send_completion(HvVpciProto *p, const HvVpciRequest *req,
                            const void *reply, uint32_t len)
{
    if (!req->wants_completion) {
        return;
    }
    p->ops->send(p->opaque, HV_VPCI_PKT_COMP, req->trans_id, reply, len);
}

static void send_status(HvVpciProto *p, const HvVpciRequest *req,
                        uint32_t status)
{
    struct hv_vpci_response r = { .status = (int32_t)status };

    trace_hv_vpci_send_status(req->trans_id, status);
    send_completion(p, req, &r, sizeof(r));
}

/* A guest mistake: log, trace, count, and answer @status if asked to. */
static void G_GNUC_PRINTF(4, 5)
guest_mistake(HvVpciProto *p, const HvVpciRequest *req, uint32_t status,
              const char *fmt, ...)
{
    g_autofree char *what = NULL;
    va_list ap;

    va_start(ap, fmt);
    what = g_strdup_vprintf(fmt, ap);
    va_end(ap);

    trace_hv_vpci_guest_error(req ? req->trans_id : 0, status, what);
    p->ops->guest_error(p->opaque, what);
    if (req) {
        send_status(p, req, status);
    }
}

static void fill_desc(PCIDevice *dev, struct hv_vpci_function_desc2 *d)
{
    const uint8_t *c = dev->config;
    uint8_t devfn = dev->devfn;

    memset(d, 0, sizeof(*d));
    d->v_id = pci_get_word(c + PCI_VENDOR_ID);
    d->d_id = pci_get_word(c + PCI_DEVICE_ID);
    d->rev = c[PCI_REVISION_ID];
    d->prog_intf = c[PCI_CLASS_PROG];
    d->subclass = c[PCI_CLASS_DEVICE];
    d->base_class = c[PCI_CLASS_DEVICE + 1];
    d->subsystem_id = pci_get_word(c + PCI_SUBSYSTEM_VENDOR_ID) |
                      (uint32_t)pci_get_word(c + PCI_SUBSYSTEM_ID) << 16;
    d->win_slot = HV_VPCI_WSLOT(PCI_SLOT(devfn), PCI_FUNC(devfn));
    /* Serial: Linux names the slot after it; one per device number. */
    d->ser = PCI_SLOT(devfn) + 1;
}

/*
 * BUS_RELATIONS (< 1.3) or BUS_RELATIONS2 (>= 1.3): every present child
 * that is not being ejected.
 */
void hv_vpci_proto_send_bus_relations(HvVpciProto *p)
{
    bool v2 = p->version >= HV_VPCI_PROTOCOL_1_3;
    size_t one = v2 ? sizeof(struct hv_vpci_function_desc2)
                    : sizeof(struct hv_vpci_function_desc);
    g_autofree uint8_t *buf = g_malloc0(8 + one * HV_VPCI_MAX_FUNCTIONS);
    uint32_t count = 0;
    uint32_t type;
    int devfn;

    if (p->state == HV_VPCI_PROTO_STATE_IDLE) {
        return;     /* nobody to tell yet: the guest will query */
    }
    for (devfn = 0; devfn < HV_VPCI_MAX_FUNCTIONS; devfn++) {
        PCIDevice *dev = p->bus ? p->bus->devices[devfn] : NULL;
        struct hv_vpci_function_desc2 d;

        if (!dev || p->func[devfn].eject_pending || p->func[devfn].ejected) {
            continue;
        }
        fill_desc(dev, &d);
        /* desc is a prefix of desc2: copy as much as the version has. */
        memcpy(buf + 8 + one * count, &d, one);
        count++;
    }
    type = v2 ? HV_VPCI_BUS_RELATIONS2 : HV_VPCI_BUS_RELATIONS;
    stl_le_p(buf, type);
    stl_le_p(buf + 4, count);
    trace_hv_vpci_send_bus_relations(type, count);
    p->ops->send(p->opaque, HV_VPCI_PKT_DATA_INBAND, 0, buf, 8 + one * count);
}

/*
 * EJECT for @dev.  Pending only once it is on the ring: a ring that is full
 * or broken leaves nothing pending, so device_del can be retried.
 */
HvVpciEjectResult hv_vpci_proto_send_eject(HvVpciProto *p, PCIDevice *dev)
{
    struct hv_vpci_child_msg m;

    if (p->state == HV_VPCI_PROTO_STATE_IDLE) {
        p->func[dev->devfn].ejected = true;     /* nobody to ask */
        return HV_VPCI_EJECT_NO_GUEST;
    }
    m.type = HV_VPCI_EJECT;
    m.wslot = HV_VPCI_WSLOT(PCI_SLOT(dev->devfn), PCI_FUNC(dev->devfn));
    trace_hv_vpci_send_eject(m.wslot);
    if (!p->ops->send(p->opaque, HV_VPCI_PKT_DATA_INBAND, 0, &m, sizeof(m))) {
        return HV_VPCI_EJECT_NOT_SENT;
    }
    p->func[dev->devfn].eject_pending = true;
    return HV_VPCI_EJECT_SENT;
}

/* ---------------------------------------------------------------- helpers */

PCIDevice *hv_vpci_proto_find_function(HvVpciProto *p, uint32_t wslot)
{
    int devfn;

    if (wslot & ~0xffu || !p->bus) {
        return NULL;
    }
    devfn = PCI_DEVFN(HV_VPCI_WSLOT_DEV(wslot), HV_VPCI_WSLOT_FN(wslot));
    /* Ejected and about to be unplugged: gone, as far as the guest knows. */
    return p->func[devfn].ejected ? NULL : p->bus->devices[devfn];
}

static void free_irqs_of(HvVpciProto *p, uint8_t devfn)
{
    int i;

    for (i = 0; i < HV_VPCI_REMAP_ENTRIES; i++) {
        if (p->irq[i].in_use && p->irq[i].devfn == devfn) {
            p->irq[i].in_use = false;
        }
    }
}

/* The function left the bus: its interrupts and state go with it. */
void hv_vpci_proto_forget_function(HvVpciProto *p, uint8_t devfn)
{
    free_irqs_of(p, devfn);
    memset(&p->func[devfn], 0, sizeof(p->func[devfn]));
}

const HvVpciIrqEntry *hv_vpci_proto_lookup_irq(HvVpciProto *p,
                                               uint32_t data,
                                               unsigned *index, bool *live)
{
    uint32_t handle = data >> HV_VPCI_REMAP_SHIFT;
    uint32_t sub = data & ((1u << HV_VPCI_REMAP_SHIFT) - 1);
    const HvVpciIrqEntry *e;

    if (handle == 0 || handle > HV_VPCI_REMAP_ENTRIES) {
        return NULL;
    }
    e = &p->irq[handle - 1];
    /* never handed out (vector_count 0), or past the block */
    if (sub >= e->vector_count) {
        return NULL;
    }
    *index = sub;
    *live = e->in_use;
    return e;
}

/* Handle from a tran_int_desc the guest sends back (delete, retarget). */
static HvVpciIrqEntry *irq_from_host_msg(HvVpciProto *p, uint64_t address,
                                         uint32_t data, uint8_t devfn)
{
    uint32_t handle = data >> HV_VPCI_REMAP_SHIFT;
    HvVpciIrqEntry *e;

    if (p->direct) {
        /* the message itself names the entry */
        for (int i = 0; i < HV_VPCI_REMAP_ENTRIES; i++) {
            e = &p->irq[i];
            if (e->in_use && e->devfn == devfn && e->data == data &&
                (uint32_t)e->address == (uint32_t)address) {
                return e;
            }
        }
        return NULL;
    }
    if ((uint32_t)address != (uint32_t)HV_VPCI_REMAP_ADDRESS ||
        data & ((1u << HV_VPCI_REMAP_SHIFT) - 1) ||
        handle == 0 || handle > HV_VPCI_REMAP_ENTRIES) {
        return NULL;
    }
    e = &p->irq[handle - 1];
    return e->in_use && e->devfn == devfn ? e : NULL;
}

static PCIDevice *child_or_error(HvVpciProto *p, const HvVpciRequest *req,
                                 uint32_t wslot, const char *msg)
{
    PCIDevice *dev = hv_vpci_proto_find_function(p, wslot);

    if (!dev) {
        guest_mistake(p, req, HV_VPCI_STATUS_NO_SUCH_DEVICE,
                      "%s for wslot 0x%x: no such function", msg, wslot);
    }
    return dev;
}

/* ---------------------------------------------------------------- handle */

static void handle_query_protocol_version(HvVpciProto *p,
                                          const HvVpciRequest *req)
{
    uint32_t version = ldl_le_p((const uint8_t *)req->payload + 4);

    trace_hv_vpci_handle_query_protocol_version(version);
    if (version < HV_VPCI_PROTOCOL_1_1 || version > HV_VPCI_PROTOCOL_1_4) {
        /* Not a mistake: the guest walks down its list. */
        send_status(p, req, HV_VPCI_STATUS_REVISION_MISMATCH);
        return;
    }
    p->version = version;
    if (p->state == HV_VPCI_PROTO_STATE_IDLE) {
        p->state = HV_VPCI_PROTO_STATE_NEGOTIATED;
    }
    send_status(p, req, HV_VPCI_STATUS_SUCCESS);
}

static void handle_query_bus_relations(HvVpciProto *p,
                                       const HvVpciRequest *req)
{
    trace_hv_vpci_handle_query_bus_relations();
    hv_vpci_proto_send_bus_relations(p);
    send_status(p, req, HV_VPCI_STATUS_SUCCESS);
}

/*
 * What the guest would read back from BAR @i after writing all-ones,
 * computed from the region so the device is not disturbed.
 */
static uint32_t probe_bar(PCIDevice *dev, int i)
{
    const PCIIORegion *r = &dev->io_regions[i];

    if (i > 0 && dev->io_regions[i - 1].size &&
        dev->io_regions[i - 1].type & PCI_BASE_ADDRESS_MEM_TYPE_64 &&
        !(dev->io_regions[i - 1].type & PCI_BASE_ADDRESS_SPACE_IO)) {
        /* Upper half of a 64-bit BAR. */
        return (uint32_t)(~(dev->io_regions[i - 1].size - 1) >> 32);
    }
    if (!r->size) {
        return 0;
    }
    return (uint32_t)~(r->size - 1) | r->type;
}

static void handle_query_resource_requirements(HvVpciProto *p,
                                               const HvVpciRequest *req)
{
    uint32_t wslot = ldl_le_p((const uint8_t *)req->payload + 4);
    struct hv_vpci_q_res_req_response r = { .status = 0 };
    PCIDevice *dev;
    int i;

    trace_hv_vpci_handle_query_resource_requirements(wslot);
    dev = child_or_error(p, req, wslot, "QUERY_RESOURCE_REQUIREMENTS");
    if (!dev) {
        return;
    }
    for (i = 0; i < PCI_NUM_REGIONS - 1; i++) {
        r.probed_bar[i] = probe_bar(dev, i);
    }
    send_completion(p, req, &r, sizeof(r));
}

static void handle_resources_assigned(HvVpciProto *p,
                                      const HvVpciRequest *req)
{
    const struct hv_vpci_resources_assigned *m = req->payload;
    PCIDevice *dev;
    int i;

    trace_hv_vpci_handle_resources_assigned(m->type, m->wslot);
    dev = child_or_error(p, req, m->wslot, "RESOURCES_ASSIGNED");
    if (!dev) {
        return;
    }
    for (i = 0; i < 6; i++) {
        uint64_t addr = ldq_le_p(&m->mmio[i].address);
        uint32_t len = ldl_le_p(&m->mmio[i].length);

        if (len && !p->ops->range_in_aperture(p->opaque, addr, len)) {
            guest_mistake(p, req, HV_VPCI_STATUS_INVALID_PARAMETER,
                          "RESOURCES_ASSIGNED wslot 0x%x: range %d "
                          "0x%" PRIx64 "+0x%x outside the aperture",
                          m->wslot, i, addr, len);
            return;
        }
    }
    p->func[dev->devfn].resources_assigned = true;
    send_status(p, req, HV_VPCI_STATUS_SUCCESS);
}

static void handle_resources_released(HvVpciProto *p,
                                      const HvVpciRequest *req)
{
    uint32_t wslot = ldl_le_p((const uint8_t *)req->payload + 4);
    PCIDevice *dev;

    trace_hv_vpci_handle_resources_released(wslot);
    dev = child_or_error(p, req, wslot, "RESOURCES_RELEASED");
    if (!dev) {
        return;
    }
    p->func[dev->devfn].resources_assigned = false;
    send_status(p, req, HV_VPCI_STATUS_SUCCESS);
}

static void handle_d0_entry(HvVpciProto *p, const HvVpciRequest *req)
{
    uint64_t base = ldq_le_p((const uint8_t *)req->payload + 8);

    trace_hv_vpci_handle_d0_entry(base);
    if (base & (HV_VPCI_CFG_PAGE_SIZE - 1) ||
        !p->ops->map_window(p->opaque, base)) {
        guest_mistake(p, req, HV_VPCI_STATUS_INVALID_PARAMETER,
                      "D0 entry: window 0x%" PRIx64 " unaligned or outside "
                      "the aperture", base);
        return;
    }
    p->mmio_base = base;
    p->state = HV_VPCI_PROTO_STATE_D0;
    send_status(p, req, HV_VPCI_STATUS_SUCCESS);
}

static void handle_d0_exit(HvVpciProto *p, const HvVpciRequest *req)
{
    trace_hv_vpci_handle_d0_exit();
    if (p->state != HV_VPCI_PROTO_STATE_D0) {
        guest_mistake(p, req, HV_VPCI_STATUS_INVALID_DEVICE_STATE,
                      "D0 exit while not in D0");
        return;
    }
    /*
     * The window stays mapped so late accesses are caught and logged
     * instead of vanishing into the aperture.
     */
    p->state = HV_VPCI_PROTO_STATE_NEGOTIATED;
    send_status(p, req, HV_VPCI_STATUS_SUCCESS);
}

static void send_create_interrupt_reply(HvVpciProto *p,
                                        const HvVpciRequest *req,
                                        uint8_t devfn, uint32_t vector,
                                        uint8_t mode, uint16_t count,
                                        uint64_t vp_mask)
{
    struct hv_vpci_create_int_response r = { .status = 0 };
    uint16_t block = 1;
    uint64_t address;
    uint32_t data;
    int i;

    if (count == 0 || count > HV_VPCI_MAX_VECTOR_COUNT || vp_mask == 0 ||
        mode > HV_VPCI_DELIVERY_LOWEST || vector > 0xff) {
        guest_mistake(p, req, HV_VPCI_STATUS_INVALID_PARAMETER,
                      "CREATE_INTERRUPT devfn 0x%x: bad vector 0x%x, "
                      "vector_count %u, delivery mode %u or empty CPU set",
                      devfn, vector, count, mode);
        return;
    }
    while (block < count) {
        block <<= 1;
    }
    if (vector + block - 1 > 0xff) {
        guest_mistake(p, req, HV_VPCI_STATUS_INVALID_PARAMETER,
                      "CREATE_INTERRUPT devfn 0x%x: vectors 0x%x..0x%x pass "
                      "0xff", devfn, vector, vector + block - 1);
        return;
    }
    for (i = 0; i < HV_VPCI_REMAP_ENTRIES && p->irq[i].in_use; i++) {
        /* find the lowest free handle */
    }
    if (i == HV_VPCI_REMAP_ENTRIES) {
        guest_mistake(p, req, HV_VPCI_STATUS_INVALID_PARAMETER,
                      "CREATE_INTERRUPT devfn 0x%x: remap table full", devfn);
        return;
    }
    /*
     * remapping: a handle; without: the message itself, to the APIC.
     * Through locals: the reply's fields are packed, and may be unaligned.
     */
    address = HV_VPCI_REMAP_ADDRESS;
    data = (uint32_t)(i + 1) << HV_VPCI_REMAP_SHIFT;
    if (p->direct &&
        !p->ops->direct_message(p->opaque, vector, mode, vp_mask,
                                &address, &data)) {
        guest_mistake(p, req, HV_VPCI_STATUS_INVALID_PARAMETER,
                      "CREATE_INTERRUPT devfn 0x%x: no xAPIC message reaches "
                      "VP mask 0x%" PRIx64, devfn, vp_mask);
        return;
    }
    r.int_desc.address = address;
    r.int_desc.data = data;
    p->irq[i] = (HvVpciIrqEntry) {
        .in_use = true, .devfn = devfn, .vector_count = block,
        .delivery_mode = mode, .vector = vector, .vp_mask = vp_mask,
        .address = r.int_desc.address, .data = r.int_desc.data,
    };
    r.int_desc.vector_count = count;
    trace_hv_vpci_send_create_interrupt_reply(devfn, vector, vp_mask,
                                              r.int_desc.address,
                                              r.int_desc.data);
    send_completion(p, req, &r, sizeof(r));
}

static uint64_t processors_to_mask(const void *array, uint16_t n)
{
    uint64_t mask = 0;
    int i;

    for (i = 0; i < n && i < HV_VPCI_MAX_PROCESSORS; i++) {
        uint16_t cpu = lduw_le_p((const uint8_t *)array + 2 * i);

        if (cpu < 64) {
            mask |= 1ULL << cpu;
        }
    }
    return mask;
}

static void handle_create_interrupt(HvVpciProto *p, const HvVpciRequest *req)
{
    uint32_t type = ldl_le_p(req->payload);
    uint32_t wslot = ldl_le_p((const uint8_t *)req->payload + 4);
    PCIDevice *dev;

    trace_hv_vpci_handle_create_interrupt(type, wslot);
    dev = child_or_error(p, req, wslot, "CREATE_INTERRUPT");
    if (!dev) {
        return;
    }
    if (type == HV_VPCI_CREATE_INTERRUPT_MESSAGE) {
        const struct hv_vpci_create_interrupt *m = req->payload;

        send_create_interrupt_reply(p, req, dev->devfn, m->int_desc.vector,
                                    m->int_desc.delivery_mode,
                                    m->int_desc.vector_count,
                                    ldq_le_p(&m->int_desc.cpu_mask));
    } else if (type == HV_VPCI_CREATE_INTERRUPT_MESSAGE2) {
        const struct hv_vpci_create_interrupt2 *m = req->payload;
        uint16_t n = m->int_desc.processor_count;

        if (n > HV_VPCI_MAX_PROCESSORS) {
            guest_mistake(p, req, HV_VPCI_STATUS_INVALID_PARAMETER,
                          "CREATE_INTERRUPT2: processor_count %u", n);
            return;
        }
        send_create_interrupt_reply(p, req, dev->devfn, m->int_desc.vector,
                                    m->int_desc.delivery_mode,
                                    m->int_desc.vector_count,
                                    processors_to_mask(
                                        m->int_desc.processor_array, n));
    } else {
        const struct hv_vpci_create_interrupt3 *m = req->payload;
        uint16_t n = m->int_desc.processor_count;

        if (n > HV_VPCI_MAX_PROCESSORS) {
            guest_mistake(p, req, HV_VPCI_STATUS_INVALID_PARAMETER,
                          "CREATE_INTERRUPT3: processor_count %u", n);
            return;
        }
        send_create_interrupt_reply(p, req, dev->devfn,
                                    ldl_le_p(&m->int_desc.vector),
                                    m->int_desc.delivery_mode,
                                    m->int_desc.vector_count,
                                    processors_to_mask(
                                        m->int_desc.processor_array, n));
    }
}

static void handle_delete_interrupt(HvVpciProto *p, const HvVpciRequest *req)
{
    const struct hv_vpci_delete_interrupt *m = req->payload;
    uint32_t data = ldl_le_p(&m->int_desc.data);
    uint64_t address = ldq_le_p(&m->int_desc.address);
    PCIDevice *dev;
    HvVpciIrqEntry *e;

    trace_hv_vpci_handle_delete_interrupt(m->wslot, address, data);
    dev = child_or_error(p, req, m->wslot, "DELETE_INTERRUPT");
    if (!dev) {
        return;
    }
    e = irq_from_host_msg(p, address, data, dev->devfn);
    if (!e) {
        guest_mistake(p, req, HV_VPCI_STATUS_INVALID_PARAMETER,
                      "DELETE_INTERRUPT wslot 0x%x: 0x%" PRIx64 "/0x%x was "
                      "not handed out to this function", m->wslot, address,
                      data);
        return;
    }
    e->in_use = false;
    send_status(p, req, HV_VPCI_STATUS_SUCCESS);
}

static void handle_retarget_interrupt(HvVpciProto *p, const HvVpciRequest *req)
{
    const struct hv_vpci_x_retarget_interrupt *m = req->payload;
    uint64_t vp_mask = ldq_le_p(&m->vp_mask);
    PCIDevice *dev;
    HvVpciIrqEntry *e;

    trace_hv_vpci_handle_retarget_interrupt(m->wslot, m->data, m->vector,
                                            vp_mask);
    dev = child_or_error(p, req, m->wslot, "RETARGET_INTERRUPT");
    if (!dev) {
        return;
    }
    e = irq_from_host_msg(p, m->address, m->data, dev->devfn);
    if (!e || !vp_mask || m->vector > 0xff) {
        guest_mistake(p, req, HV_VPCI_STATUS_INVALID_PARAMETER,
                      "RETARGET_INTERRUPT wslot 0x%x: 0x%x/0x%x unknown, or "
                      "vector 0x%x / mask 0x%" PRIx64 " invalid", m->wslot,
                      m->address, m->data, m->vector, vp_mask);
        return;
    }
    if (p->direct) {
        /*
         * nothing between the device and the APIC to change: the guest
         * must reprogram the device itself
         */
        trace_hv_vpci_retarget_unsupported(m->wslot, m->data);
        send_status(p, req, HV_VPCI_STATUS_NOT_SUPPORTED);
        return;
    }
    e->vector = m->vector;
    e->vp_mask = vp_mask;
    send_status(p, req, HV_VPCI_STATUS_SUCCESS);
}

static void handle_ejection_complete(HvVpciProto *p, const HvVpciRequest *req)
{
    uint32_t wslot = ldl_le_p((const uint8_t *)req->payload + 4);
    PCIDevice *dev;

    trace_hv_vpci_handle_ejection_complete(wslot);
    dev = child_or_error(p, req, wslot, "EJECTION_COMPLETE");
    if (!dev) {
        return;
    }
    if (!p->func[dev->devfn].eject_pending) {
        guest_mistake(p, req, HV_VPCI_STATUS_INVALID_DEVICE_STATE,
                      "EJECTION_COMPLETE for wslot 0x%x: no eject pending",
                      wslot);
        return;
    }
    send_status(p, req, HV_VPCI_STATUS_SUCCESS);
    hv_vpci_proto_forget_function(p, dev->devfn);
    p->func[dev->devfn].ejected = true;
    p->ops->eject_complete(p->opaque, dev);
}

/* ---------------------------------------------------------------- dispatch */

typedef struct HvVpciHandler {
    uint32_t type;
    uint32_t min_len;                 /* shorter payloads are malformed */
    HvVpciProtoState min_state;       /* earlier: INVALID_DEVICE_STATE */
    void (*handle)(HvVpciProto *p, const HvVpciRequest *req);
} HvVpciHandler;

static const HvVpciHandler handlers[] = {
    { HV_VPCI_QUERY_PROTOCOL_VERSION, MSG_LEN_VERSION,
      HV_VPCI_PROTO_STATE_IDLE, handle_query_protocol_version },
    { HV_VPCI_QUERY_BUS_RELATIONS, sizeof(struct hv_vpci_msg),
      HV_VPCI_PROTO_STATE_NEGOTIATED, handle_query_bus_relations },
    { HV_VPCI_QUERY_RESOURCE_REQUIREMENTS, MSG_LEN_CHILD,
      HV_VPCI_PROTO_STATE_NEGOTIATED, handle_query_resource_requirements },
    { HV_VPCI_RESOURCES_ASSIGNED, sizeof(struct hv_vpci_resources_assigned),
      HV_VPCI_PROTO_STATE_NEGOTIATED, handle_resources_assigned },
    { HV_VPCI_RESOURCES_ASSIGNED2, sizeof(struct hv_vpci_resources_assigned2),
      HV_VPCI_PROTO_STATE_NEGOTIATED, handle_resources_assigned },
    { HV_VPCI_RESOURCES_RELEASED, MSG_LEN_CHILD,
      HV_VPCI_PROTO_STATE_NEGOTIATED, handle_resources_released },
    { HV_VPCI_BUS_D0ENTRY, sizeof(struct hv_vpci_d0_entry),
      HV_VPCI_PROTO_STATE_NEGOTIATED, handle_d0_entry },
    { HV_VPCI_BUS_D0EXIT, sizeof(struct hv_vpci_msg),
      HV_VPCI_PROTO_STATE_NEGOTIATED, handle_d0_exit },
    { HV_VPCI_CREATE_INTERRUPT_MESSAGE,
      sizeof(struct hv_vpci_create_interrupt),
      HV_VPCI_PROTO_STATE_NEGOTIATED, handle_create_interrupt },
    { HV_VPCI_CREATE_INTERRUPT_MESSAGE2,
      sizeof(struct hv_vpci_create_interrupt2),
      HV_VPCI_PROTO_STATE_NEGOTIATED, handle_create_interrupt },
    { HV_VPCI_CREATE_INTERRUPT_MESSAGE3,
      sizeof(struct hv_vpci_create_interrupt3),
      HV_VPCI_PROTO_STATE_NEGOTIATED, handle_create_interrupt },
    { HV_VPCI_DELETE_INTERRUPT_MESSAGE, sizeof(struct hv_vpci_delete_interrupt),
      HV_VPCI_PROTO_STATE_NEGOTIATED, handle_delete_interrupt },
    { HV_VPCI_DELETE_INTERRUPT_MESSAGE2,
      sizeof(struct hv_vpci_delete_interrupt),
      HV_VPCI_PROTO_STATE_NEGOTIATED, handle_delete_interrupt },
    { HV_VPCI_EJECTION_COMPLETE, sizeof(struct hv_vpci_ejection_complete),
      HV_VPCI_PROTO_STATE_NEGOTIATED, handle_ejection_complete },
    { HV_VPCI_X_RETARGET_INTERRUPT,
      sizeof(struct hv_vpci_x_retarget_interrupt),
      HV_VPCI_PROTO_STATE_NEGOTIATED, handle_retarget_interrupt },
};

/**
 * hv_vpci_proto_handle: process one guest packet's payload.
 * @payload, @len: the bytes after the packet descriptor (padding included)
 * @trans_id: echoed in the completion
 * @flags: HV_VPCI_PKT_FLAG_*
 */
void hv_vpci_proto_handle(HvVpciProto *p, const void *payload, uint32_t len,
                          uint64_t trans_id, uint16_t flags)
{
    HvVpciRequest req = {
        .payload = payload, .len = len, .trans_id = trans_id,
        .wants_completion = flags & HV_VPCI_PKT_FLAG_COMPLETION_REQUESTED,
    };
    uint32_t type;
    size_t i;

    if (len < sizeof(struct hv_vpci_msg)) {
        guest_mistake(p, &req, HV_VPCI_STATUS_BAD_DATA,
                      "packet without a message type (%u bytes)", len);
        return;
    }
    type = ldl_le_p(payload);
    trace_hv_vpci_proto_message(type, len, trans_id, flags,
                                hv_vpci_proto_state_name(p->state));
    for (i = 0; i < ARRAY_SIZE(handlers); i++) {
        const HvVpciHandler *h = &handlers[i];

        if (h->type != type) {
            continue;
        }
        if (len < h->min_len) {
            guest_mistake(p, &req, HV_VPCI_STATUS_BAD_DATA,
                          "message 0x%x truncated: %u bytes, needs %u",
                          type, len, h->min_len);
        } else if (p->state < h->min_state) {
            guest_mistake(p, &req, HV_VPCI_STATUS_INVALID_DEVICE_STATE,
                          "message 0x%x in state %s", type,
                          hv_vpci_proto_state_name(p->state));
        } else {
            h->handle(p, &req);
        }
        return;
    }
    guest_mistake(p, &req, HV_VPCI_STATUS_NOT_SUPPORTED,
                  "unknown message type 0x%x", type);
}

void hv_vpci_proto_reset(HvVpciProto *p)
{
    int devfn;

    /*
     * The guest's side of the channel is gone: an eject it was asked for
     * completes now, as it would with no guest driver at all.
     */
    for (devfn = 0; p->bus && devfn < HV_VPCI_MAX_FUNCTIONS; devfn++) {
        PCIDevice *dev = p->bus->devices[devfn];

        if (dev && p->func[devfn].eject_pending) {
            p->func[devfn].eject_pending = false;
            p->func[devfn].ejected = true;
            p->ops->eject_complete(p->opaque, dev);
        }
    }
    p->state = HV_VPCI_PROTO_STATE_IDLE;
    p->version = 0;
    p->mmio_base = 0;
    for (devfn = 0; devfn < HV_VPCI_MAX_FUNCTIONS; devfn++) {
        /* an ejected function stays hidden until its unplug has run */
        p->func[devfn].resources_assigned = false;
        p->func[devfn].eject_pending = false;
    }
    memset(p->irq, 0, sizeof(p->irq));
    trace_hv_vpci_proto_reset();
}

/* After migration: is this a state the engine itself could have reached? */
bool hv_vpci_proto_state_valid(const HvVpciProto *p)
{
    if (p->state > HV_VPCI_PROTO_STATE_D0) {
        return false;
    }
    for (int i = 0; i < HV_VPCI_REMAP_ENTRIES; i++) {
        const HvVpciIrqEntry *e = &p->irq[i];

        /* a deleted entry keeps its fields, and can still be delivered */
        if (!e->in_use && !e->vector_count) {
            continue;
        }
        if (!e->vector_count || !is_power_of_2(e->vector_count) ||
            e->vector_count > HV_VPCI_MAX_VECTOR_COUNT ||
            e->vector > 0xff || !e->vp_mask ||
            e->delivery_mode > HV_VPCI_DELIVERY_LOWEST) {
            return false;
        }
    }
    return true;
}

void hv_vpci_proto_init(HvVpciProto *p, const HvVpciProtoOps *ops,
                        void *opaque, PCIBus *bus)
{
    p->ops = ops;
    p->opaque = opaque;
    p->bus = bus;
    hv_vpci_proto_reset(p);
}

static const VMStateDescription vmstate_hv_vpci_irq = {
    .name = "hv-vpci-irq",
    .version_id = 2,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_BOOL(in_use, HvVpciIrqEntry),
        VMSTATE_UINT8(devfn, HvVpciIrqEntry),
        VMSTATE_UINT16(vector_count, HvVpciIrqEntry),
        VMSTATE_UINT8(delivery_mode, HvVpciIrqEntry),
        VMSTATE_UINT32(vector, HvVpciIrqEntry),
        VMSTATE_UINT64(vp_mask, HvVpciIrqEntry),
        VMSTATE_UINT64_V(address, HvVpciIrqEntry, 2),
        VMSTATE_UINT32_V(data, HvVpciIrqEntry, 2),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_hv_vpci_func = {
    .name = "hv-vpci-func",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_BOOL(resources_assigned, HvVpciFuncState),
        VMSTATE_BOOL(eject_pending, HvVpciFuncState),
        VMSTATE_END_OF_LIST()
    },
};

const VMStateDescription vmstate_hv_vpci_proto = {
    .name = "hv-vpci-proto",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(state, HvVpciProto),
        VMSTATE_UINT32(version, HvVpciProto),
        VMSTATE_UINT64(mmio_base, HvVpciProto),
        VMSTATE_STRUCT_ARRAY(func, HvVpciProto, HV_VPCI_MAX_FUNCTIONS, 1,
                             vmstate_hv_vpci_func, HvVpciFuncState),
        VMSTATE_STRUCT_ARRAY(irq, HvVpciProto, HV_VPCI_REMAP_ENTRIES, 1,
                             vmstate_hv_vpci_irq, HvVpciIrqEntry),
        VMSTATE_END_OF_LIST()
    },
};
