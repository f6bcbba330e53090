/*
 * hv-vpci: a Hyper-V vPCI bus behind a PCI function.
 *
 * The function stands in for the VMBus channel of a real Hyper-V vPCI
 * device: a register BAR, two rings in guest memory and an MSI carry the
 * protocol (hv-vpci-proto.c); a 64-bit aperture BAR holds the two-page
 * config window and the BARs of every function on the child bus; child
 * MSIs are remapped through the address/data the host handed out.
 * The contract is docs/hv-vpci.md; the wire format include/hv-vpci-wire.h.
 *
 * Serialisation: every entry point runs with the BQL held, so the device
 * state needs no other lock; and no device code runs nested inside
 * another of its entry points.  QEMU's MMIO re-entrancy guard does that for
 * the register, window and aperture regions; the entry points it does not
 * see (the WC drain timer and ordering guard, hotplug callbacks, the
 * unplug bottom half, migration) engage the same guard themselves
 * (hv_vpci_enter), so a DMA or MSI that a child or the device itself aims
 * at hv-vpci's own registers while device code runs is refused by the
 * core.  The one exception is the MSI remap region: it must take a
 * child's MSI even from inside a window config write (an unmask that
 * fires a pending vector), so it is exempt, and all it does is look up
 * the remap table and write the local APIC.  Rings must be RAM, so the
 * device's own DMA never reaches device code.  docs/hv-vpci.md lists the
 * entry points.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bitmap.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/rcu.h"
#include "qemu/units.h"
#include "qemu/module.h"
#include "qapi/error.h"
#include "exec/address-spaces.h"
#include "hw/core/cpu.h"
#include "hw/hotplug.h"
#include "hw/pci/msi.h"
#include "hw/pci/pci.h"
#include "hw/pci/pci_bus.h"
#include "hw/pci/pci_host.h"
#include "hw/qdev-properties.h"
#include "hw/sysbus.h"
#include "migration/vmstate.h"
#include "qom/object.h"
#include "hv-vpci.h"
#include "hw/boards.h"
#include "system/cpu-timers.h"
#include "system/replay.h"
#include "vpci-wc.h"
#include "trace.h"

#define TYPE_HV_VPCI "hv-vpci"
OBJECT_DECLARE_SIMPLE_TYPE(HvVpciState, HV_VPCI)

/* The PCI host bridge object the child root bus hangs off. */
#define TYPE_HV_VPCI_HOST "hv-vpci-host"
OBJECT_DECLARE_SIMPLE_TYPE(HvVpciHost, HV_VPCI_HOST)

struct HvVpciHost {
    PCIHostState parent_obj;
};

#define HV_VPCI_DEFAULT_APERTURE   (64 * MiB)

/* The channel (transport) state, as STATUS shows it. */
typedef enum HvVpciChannelState {
    HV_VPCI_CHANNEL_DISABLED = 0,   /* CTRL.ENABLE clear */
    HV_VPCI_CHANNEL_ENABLED,        /* rings valid, doorbell processed */
    HV_VPCI_CHANNEL_BROKEN,         /* a ring index was bad: reset needed */
} HvVpciChannelState;

/* The DMA view of one child function: system memory, MSIs remapped. */
typedef struct HvVpciDmaSpace {
    struct HvVpciState *s;
    uint8_t devfn;
    MemoryRegion root;          /* container for the two below */
    MemoryRegion sysmem;        /* alias of all system memory */
    MemoryRegion msi;           /* 0xfee00000-0xfeefffff, remapped */
    MemoryRegion self[2];       /* over hv-vpci's BAR 0 and aperture: refused */
    uint64_t self_gpa[2];       /* where each is mapped, or PCI_BAR_UNMAPPED */
    AddressSpace as;
} HvVpciDmaSpace;

/* What one child's MSIs met in the remap region (MSI_STATS_* registers). */
typedef struct HvVpciMsiStats {
    uint32_t delivered;
    uint32_t stale;
    uint32_t foreign;
    uint32_t unmatched;
    uint32_t last_bad_data;
    uint32_t last_bad_owner;    /* HV_VPCI_MSI_OWNER_* */
    uint32_t last_delivery;     /* MSI_LAST_DELIVERY */
} HvVpciMsiStats;

/* A config write into a child's MSI capability (MSI_JOURNAL). */
typedef struct HvVpciMsiJournalEntry {
    uint32_t where;             /* devfn | cap offset << 8 | size << 16 */
    uint32_t value;
    uint32_t vcpus;             /* issuer + 1 | select writer + 1 << 16 */
    uint32_t seq;
} HvVpciMsiJournalEntry;

struct HvVpciState {
    PCIDevice parent_obj;

    /* Registers (BAR 0). */
    MemoryRegion regs;
    uint64_t gh_ring;           /* guest->host ring GPA */
    uint64_t hg_ring;           /* host->guest ring GPA */
    uint32_t ring_size;         /* bytes per ring, header included */
    uint32_t ctrl;              /* HV_VPCI_CTRL_* as last written */
    uint32_t channel;           /* HvVpciChannelState */
    uint32_t errors;            /* guest mistakes seen (ERRORS register) */

    /* Aperture (BAR 2) and what is mapped in it. */
    MemoryRegion aperture;      /* container, BAR 2 */
    MemoryRegion aperture_bg;   /* lowest priority: logs stray accesses */
    MemoryRegion child_alias;   /* child bus memory at the aperture's GPA */
    uint64_t child_alias_base;  /* its alias offset: the aperture's GPA */
    MemoryRegion window;        /* the config window, highest priority */
    bool window_mapped;
    uint32_t window_slot;       /* wslot last written to the select page */
    VpciWc wc;                  /* write-combining model, MMIO to decode */
    char *wc_order;             /* property: program, reverse or random */
    char *hazard_log_path;      /* property: JSON lines, one per hazard */
    FILE *hazard_log;

    /* The child bus. */
    HvVpciHost *host;
    PCIBus *bus;
    MemoryRegion child_mem;     /* the bus's memory space */
    MemoryRegion child_io;      /* the bus's I/O space (unreachable) */
    HvVpciDmaSpace *dma[HV_VPCI_MAX_FUNCTIONS];

    HvVpciProto proto;

    /* Interrupt remapping statistics (QOM, read-only). */
    uint32_t msi_remapped;
    uint32_t msi_stale;
    uint64_t last_msi_address;
    uint32_t last_msi_data;

    /*
     * Instrumentation registers (hv-vpci-wire.h): not migrated, like the
     * statistics above; a migrated guest sees them restart from zero.
     */
    int window_slot_vcpu;       /* vCPU that wrote window_slot, -1: none */
    uint32_t misdirected;
    uint32_t msi_stats_select;
    HvVpciMsiStats msi_stats[HV_VPCI_MAX_FUNCTIONS];
    HvVpciMsiJournalEntry msi_journal[HV_VPCI_MSI_JOURNAL_ENTRIES];
    uint32_t msi_journal_count;

    /* Functions whose ejection completed, unplugged from a bottom half. */
    DECLARE_BITMAP(unplug_pending, HV_VPCI_MAX_FUNCTIONS);
    QEMUBH *unplug_bh;
    uint32_t errors_logged;     /* guest errors written to the log */

    /* Properties. */
    uint64_t aperture_size;
    bool aperture_64bit;        /* 64-bit BAR: firmware may place it high */
    char *stale_msi;            /* "deliver" or "drop" */
    bool stale_drop;
    bool remap;                 /* false: no interrupt remapping at all */
    uint32_t instance;
};

/* ---------------------------------------------------------------- errors */

/*
 * A hostile guest can make a mistake per access: the log (the harness runs
 * with -d guest_errors) gets the first HV_VPCI_ERRORS_LOGGED of them and
 * then one in HV_VPCI_ERRORS_SAMPLE; ERRORS and the trace count them all.
 */
#define HV_VPCI_ERRORS_LOGGED   1000
#define HV_VPCI_ERRORS_SAMPLE   10000

static void G_GNUC_PRINTF(2, 3)
hv_vpci_guest_error(HvVpciState *s, const char *fmt, ...)
{
    g_autofree char *what = NULL;
    va_list ap;

    va_start(ap, fmt);
    what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    trace_hv_vpci_transport_error(what);
    s->errors++;
    if (s->errors_logged < HV_VPCI_ERRORS_LOGGED ||
        s->errors % HV_VPCI_ERRORS_SAMPLE == 0) {
        s->errors_logged++;
        qemu_log_mask(LOG_GUEST_ERROR, "hv-vpci: %s%s\n", what,
                      s->errors_logged == HV_VPCI_ERRORS_LOGGED ?
                      " (further errors: one in 10000 is logged)" : "");
    }
}

/*
 * Enter the device from a path that QEMU's MMIO dispatch does not guard
 * (timer, ordering guard, hotplug, migration): engage the device's
 * re-entrancy guard, so MMIO to its own regions from inside is refused.
 * Returns false if it was engaged already (an MMIO handler is the caller).
 */
static bool hv_vpci_enter(HvVpciState *s)
{
    MemReentrancyGuard *g = &DEVICE(s)->mem_reentrancy_guard;

    if (g->engaged_in_io) {
        return false;
    }
    g->engaged_in_io = true;
    return true;
}

static void hv_vpci_leave(HvVpciState *s, bool entered)
{
    if (entered) {
        DEVICE(s)->mem_reentrancy_guard.engaged_in_io = false;
    }
}

/* HvVpciProtoOps.guest_error: the engine's mistakes, logged the same way. */
static void hv_vpci_proto_error(void *opaque, const char *what)
{
    hv_vpci_guest_error(HV_VPCI(opaque), "%s", what);
}

/* ---------------------------------------------------------------- rings */

static uint32_t hv_vpci_ring_data_size(HvVpciState *s)
{
    return s->ring_size - HV_VPCI_RING_HDR_SIZE;
}

/*
 * Rings must be RAM: a ring over MMIO (hv-vpci's own registers, a child's
 * BAR) would let the device's own DMA run device code.  Checked whole when
 * the channel is enabled; after that the memory map can change, so every
 * ring access carries MemTxAttrs.memory, which the core refuses for
 * anything that is not RAM (a refused header read breaks the channel).
 */
static const MemTxAttrs hv_vpci_ring_attrs = { .memory = 1 };

static bool hv_vpci_is_ram(HvVpciState *s, uint64_t gpa, uint64_t len)
{
    AddressSpace *as = pci_get_address_space(PCI_DEVICE(s));

    RCU_READ_LOCK_GUARD();
    while (len) {
        hwaddr xlat, l = len;
        MemoryRegion *mr = address_space_translate(as, gpa, &xlat, &l, true,
                                                   hv_vpci_ring_attrs);

        if (!l || !memory_region_is_ram(mr) || memory_region_is_ram_device(mr)
            || mr->readonly) {
            return false;
        }
        gpa += l;
        len -= l;
    }
    return true;
}

static MemTxResult hv_vpci_ring_rw(HvVpciState *s, uint64_t gpa, void *buf,
                                   uint32_t len, bool to_guest)
{
    return pci_dma_rw(PCI_DEVICE(s), gpa, buf, len,
                      to_guest ? DMA_DIRECTION_FROM_DEVICE
                               : DMA_DIRECTION_TO_DEVICE,
                      hv_vpci_ring_attrs);
}

/* Read the header indexes of a ring; false (channel broken) if bad. */
static bool hv_vpci_ring_indexes(HvVpciState *s, uint64_t ring,
                                 uint32_t *w, uint32_t *r)
{
    struct hv_vpci_ring_hdr hdr;
    uint32_t size = hv_vpci_ring_data_size(s);

    if (hv_vpci_ring_rw(s, ring, &hdr, sizeof(hdr), false) != MEMTX_OK) {
        hv_vpci_guest_error(s, "ring 0x%" PRIx64 " is not RAM any more: "
                            "channel broken", ring);
        s->channel = HV_VPCI_CHANNEL_BROKEN;
        return false;
    }
    *w = le32_to_cpu(hdr.write_index);
    *r = le32_to_cpu(hdr.read_index);
    if (*w >= size || *r >= size || (*w | *r) & 7) {
        hv_vpci_guest_error(s, "ring 0x%" PRIx64 ": index out of range "
                            "(write 0x%x read 0x%x size 0x%x)", ring, *w, *r,
                            size);
        s->channel = HV_VPCI_CHANNEL_BROKEN;
        return false;
    }
    return true;
}

/* Copy @len bytes at data offset @off (may wrap); @len <= data size. */
static void hv_vpci_ring_copy(HvVpciState *s, uint64_t ring, uint32_t off,
                              void *buf, uint32_t len, bool to_guest)
{
    uint32_t size = hv_vpci_ring_data_size(s);
    uint64_t data = ring + HV_VPCI_RING_HDR_SIZE;
    uint32_t first = MIN(len, size - off);

    hv_vpci_ring_rw(s, data + off, buf, first, to_guest);
    if (first < len) {
        hv_vpci_ring_rw(s, data, (uint8_t *)buf + first, len - first,
                        to_guest);
    }
}

/* Raise MSI vector 0 unless the guest masked ring interrupts. */
static void hv_vpci_kick(HvVpciState *s)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    uint32_t mask = 0;

    if (s->channel != HV_VPCI_CHANNEL_ENABLED) {
        return;
    }
    hv_vpci_ring_rw(s, s->hg_ring + offsetof(struct hv_vpci_ring_hdr,
                                             interrupt_mask),
                    &mask, sizeof(mask), false);
    trace_hv_vpci_kick(le32_to_cpu(mask), msi_enabled(pdev));
    if (!mask && msi_enabled(pdev)) {
        msi_notify(pdev, 0);
    }
}

/* HvVpciProtoOps.send: post one packet on the host->guest ring. */
static bool hv_vpci_send(void *opaque, uint16_t pkt_type, uint64_t trans_id,
                         const void *payload, uint32_t len)
{
    HvVpciState *s = opaque;
    uint32_t size = hv_vpci_ring_data_size(s);
    uint32_t total = sizeof(struct hv_vpci_pkt_desc) + ROUND_UP(len, 8);
    g_autofree uint8_t *pkt = NULL;
    struct hv_vpci_pkt_desc desc;
    uint32_t w, r, used, wi;

    if (s->channel != HV_VPCI_CHANNEL_ENABLED) {
        trace_hv_vpci_send_dropped(pkt_type, len, "channel not enabled");
        return false;
    }
    if (!hv_vpci_ring_indexes(s, s->hg_ring, &w, &r)) {
        return false;
    }
    used = w >= r ? w - r : size - r + w;
    /* A writer keeps 8 bytes free so full never looks empty. */
    if (total + 8 > size - used) {
        hv_vpci_guest_error(s, "host->guest ring full: packet 0x%x of %u "
                            "bytes dropped", pkt_type, total);
        return false;
    }
    desc = (struct hv_vpci_pkt_desc) {
        .type = cpu_to_le16(pkt_type),
        .offset8 = cpu_to_le16(sizeof(desc) / 8),
        .len8 = cpu_to_le16(total / 8),
        .flags = 0,
        .trans_id = cpu_to_le64(trans_id),
    };
    pkt = g_malloc0(total);
    memcpy(pkt, &desc, sizeof(desc));
    memcpy(pkt + sizeof(desc), payload, len);
    hv_vpci_ring_copy(s, s->hg_ring, w, pkt, total, true);
    /*
     * pci_dma_rw orders its accesses (dma_barrier), so the packet is
     * visible before the guest can see the new write index.
     */
    wi = cpu_to_le32((w + total) % size);
    hv_vpci_ring_rw(s, s->hg_ring, &wi, sizeof(wi), true);
    trace_hv_vpci_send_packet(pkt_type, trans_id, total, w);
    return true;
}

/*
 * DOORBELL: consume every packet on the guest->host ring.  Indexes are
 * guest-controlled: each is bounds-checked, and the loop consumes at least
 * 16 bytes per turn, so it ends.
 */
static void hv_vpci_process_ring(HvVpciState *s)
{
    uint32_t size = hv_vpci_ring_data_size(s);
    uint32_t w, r, ri;

    if (!hv_vpci_ring_indexes(s, s->gh_ring, &w, &r)) {
        return;
    }
    while (r != w) {
        uint32_t avail = w > r ? w - r : size - r + w;
        struct hv_vpci_pkt_desc desc;
        uint32_t len, off;
        g_autofree uint8_t *payload = NULL;

        if (avail < sizeof(desc)) {
            hv_vpci_guest_error(s, "guest->host ring: %u stray bytes", avail);
            r = w;
            break;
        }
        hv_vpci_ring_copy(s, s->gh_ring, r, &desc, sizeof(desc), false);
        len = le16_to_cpu(desc.len8) * 8;
        off = le16_to_cpu(desc.offset8) * 8;
        trace_hv_vpci_ring_packet(le16_to_cpu(desc.type), len, off,
                                  le16_to_cpu(desc.flags),
                                  le64_to_cpu(desc.trans_id), r);
        if (len < sizeof(desc) || len > avail || len > HV_VPCI_PKT_MAX_LEN ||
            off < sizeof(desc) || off > len) {
            struct hv_vpci_response bad = {
                .status = (int32_t)HV_VPCI_STATUS_BAD_DATA,
            };

            hv_vpci_guest_error(s, "malformed packet at 0x%x: len 0x%x "
                                "offset 0x%x (available 0x%x)", r, len, off,
                                avail);
            if (le16_to_cpu(desc.flags) &
                HV_VPCI_PKT_FLAG_COMPLETION_REQUESTED) {
                hv_vpci_send(s, HV_VPCI_PKT_COMP, le64_to_cpu(desc.trans_id),
                             &bad, sizeof(bad));
            }
            r = w;      /* framing lost: drop everything pending */
            break;
        }
        if (le16_to_cpu(desc.type) != HV_VPCI_PKT_DATA_INBAND) {
            hv_vpci_guest_error(s, "packet type 0x%x on the guest->host "
                                "ring ignored", le16_to_cpu(desc.type));
            r = (r + len) % size;
            continue;
        }
        payload = g_malloc0(len - off + 1);
        hv_vpci_ring_copy(s, s->gh_ring, (r + off) % size, payload, len - off,
                          false);
        r = (r + len) % size;
        ri = cpu_to_le32(r);
        hv_vpci_ring_rw(s, s->gh_ring + offsetof(struct hv_vpci_ring_hdr,
                                                 read_index),
                        &ri, sizeof(ri), true);
        hv_vpci_proto_handle(&s->proto, payload, len - off,
                             le64_to_cpu(desc.trans_id),
                             le16_to_cpu(desc.flags));
        if (s->channel != HV_VPCI_CHANNEL_ENABLED) {
            return;
        }
    }
    ri = cpu_to_le32(r);
    hv_vpci_ring_rw(s, s->gh_ring + offsetof(struct hv_vpci_ring_hdr,
                                             read_index),
                    &ri, sizeof(ri), true);
}

/* ---------------------------------------------------------------- aperture */

static uint64_t hv_vpci_aperture_gpa(HvVpciState *s)
{
    return pci_get_bar_addr(PCI_DEVICE(s), HV_VPCI_APERTURE_BAR);
}

static bool hv_vpci_range_in_aperture(void *opaque, uint64_t gpa,
                                      uint64_t len)
{
    HvVpciState *s = opaque;
    uint64_t base = hv_vpci_aperture_gpa(s);

    return base != PCI_BAR_UNMAPPED && len && gpa >= base &&
           len <= s->aperture_size && gpa - base <= s->aperture_size - len;
}

static void hv_vpci_unmap_window(void *opaque)
{
    HvVpciState *s = opaque;

    if (s->window_mapped) {
        memory_region_del_subregion(&s->aperture, &s->window);
        s->window_mapped = false;
        trace_hv_vpci_window_unmap();
    }
}

static bool hv_vpci_map_window(void *opaque, uint64_t gpa)
{
    HvVpciState *s = opaque;

    if (!hv_vpci_range_in_aperture(s, gpa, HV_VPCI_CFG_WINDOW_SIZE)) {
        return false;
    }
    if (s->window_mapped && s->window.addr == gpa - hv_vpci_aperture_gpa(s)) {
        return true;    /* a repeated D0 entry: nothing moves */
    }
    hv_vpci_unmap_window(s);
    memory_region_add_subregion_overlap(&s->aperture,
                                        gpa - hv_vpci_aperture_gpa(s),
                                        &s->window, 1);
    s->window_mapped = true;
    trace_hv_vpci_window_map(gpa);
    return true;
}

/*
 * The aperture BAR moved: child memory follows, the window stays at its
 * GPA if that is still inside.
 */
static void hv_vpci_update_aperture(HvVpciState *s)
{
    uint64_t base = hv_vpci_aperture_gpa(s);

    if (base == PCI_BAR_UNMAPPED ||
        s->child_alias_base == base) {
        return;
    }
    trace_hv_vpci_aperture_moved(base);
    s->child_alias_base = base;
    memory_region_set_alias_offset(&s->child_alias, base);
    if (s->window_mapped &&
        !hv_vpci_map_window(s, s->proto.mmio_base)) {
        hv_vpci_unmap_window(s);
    }
}

static uint64_t hv_vpci_aperture_bg_read(void *opaque, hwaddr addr,
                                         unsigned size)
{
    HvVpciState *s = opaque;

    hv_vpci_guest_error(s, "read of unassigned aperture offset 0x%" HWADDR_PRIx
                        " (no window or BAR there)", addr);
    return ~0ULL;
}

static void hv_vpci_aperture_bg_write(void *opaque, hwaddr addr,
                                      uint64_t val, unsigned size)
{
    HvVpciState *s = opaque;

    hv_vpci_guest_error(s, "write of unassigned aperture offset 0x%"
                        HWADDR_PRIx " (no window or BAR there)", addr);
}

static const MemoryRegionOps hv_vpci_aperture_bg_ops = {
    .read = hv_vpci_aperture_bg_read,
    .write = hv_vpci_aperture_bg_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
};

/* ---------------------------------------------------------------- window */

/*
 * The window's two entry points.  Every MMIO access to the window arrives
 * here as (offset, size, value), so an ordering model can be put between
 * the MMIO ops and these two functions without touching the decode.
 */

/* The selected function for an access at @off, or NULL; logs mistakes. */
static bool hv_vpci_window_check(HvVpciState *s, hwaddr off, unsigned size,
                                 bool write)
{
    if (s->proto.state != HV_VPCI_PROTO_STATE_D0) {
        hv_vpci_guest_error(s, "window %s at 0x%" HWADDR_PRIx " while not "
                            "in D0", write ? "write" : "read", off);
        return false;
    }
    if (off / HV_VPCI_CFG_PAGE_SIZE !=
        (off + size - 1) / HV_VPCI_CFG_PAGE_SIZE) {
        hv_vpci_guest_error(s, "window %s at 0x%" HWADDR_PRIx " size %u "
                            "crosses a page", write ? "write" : "read", off,
                            size);
        return false;
    }
    /* Config cycles are dword transactions: so is every host bridge's. */
    if ((off & 3) + size > 4) {
        hv_vpci_guest_error(s, "window %s at 0x%" HWADDR_PRIx " size %u "
                            "crosses a dword", write ? "write" : "read", off,
                            size);
        return false;
    }
    return true;
}

static PCIDevice *hv_vpci_window_target(HvVpciState *s)
{
    return hv_vpci_proto_find_function(&s->proto, s->window_slot);
}

static uint64_t hv_vpci_window_read(HvVpciState *s, hwaddr off, unsigned size)
{
    PCIDevice *dev;
    uint32_t val;

    if (!hv_vpci_window_check(s, off, size, false)) {
        return ~0ULL;
    }
    if (off < HV_VPCI_CFG_PAGE_OFFSET) {
        hv_vpci_guest_error(s, "read of the slot select page at 0x%"
                            HWADDR_PRIx, off);
        return ~0ULL;
    }
    dev = hv_vpci_window_target(s);
    if (!dev) {
        trace_hv_vpci_window_empty_slot(s->window_slot, off, size);
        return ~0ULL;
    }
    val = pci_host_config_read_common(dev, off - HV_VPCI_CFG_PAGE_OFFSET,
                                      pci_config_size(dev), size);
    trace_hv_vpci_window_cfg_read(s->window_slot, off - HV_VPCI_CFG_PAGE_OFFSET,
                                  size, val);
    return val;
}

/* Bytes of @dev's MSI capability (PCI spec layouts), 0 if it has none. */
static unsigned hv_vpci_msi_cap_size(PCIDevice *dev)
{
    uint16_t flags;

    if (!dev->msi_cap) {
        return 0;
    }
    flags = pci_get_word(dev->config + dev->msi_cap + PCI_MSI_FLAGS);
    return 0x0a + (flags & PCI_MSI_FLAGS_64BIT ? 4 : 0) +
           (flags & PCI_MSI_FLAGS_MASKBIT ? 10 : 0);
}

/* Journal a config write that reaches @dev's MSI capability. */
static void hv_vpci_journal_msi_write(HvVpciState *s, PCIDevice *dev,
                                      int vcpu, bool overtakes, uint32_t addr,
                                      unsigned size, uint32_t val)
{
    unsigned cap_size = hv_vpci_msi_cap_size(dev);
    HvVpciMsiJournalEntry *e;

    if (!cap_size || addr + size <= dev->msi_cap ||
        addr >= dev->msi_cap + cap_size) {
        return;
    }
    e = &s->msi_journal[s->msi_journal_count % HV_VPCI_MSI_JOURNAL_ENTRIES];
    /* a write that starts before the capability is journaled at 0 */
    e->where = dev->devfn |
               (addr > dev->msi_cap ? addr - dev->msi_cap : 0) << 8 |
               size << 16 | (overtakes ? HV_VPCI_MSI_JOURNAL_OVERTAKES : 0);
    e->value = val;
    e->vcpus = (uint32_t)(vcpu + 1) |
               (uint32_t)(s->window_slot_vcpu + 1) << 16;
    e->seq = s->msi_journal_count++;
    trace_hv_vpci_msi_journal(dev->devfn, addr - dev->msi_cap, size, val,
                              vcpu, s->window_slot_vcpu);
}

static void hv_vpci_window_write(HvVpciState *s, int vcpu, bool overtakes,
                                 hwaddr off, unsigned size, uint64_t val)
{
    bool misdirected;

    PCIDevice *dev;

    if (!hv_vpci_window_check(s, off, size, true)) {
        return;
    }
    if (off < HV_VPCI_CFG_PAGE_OFFSET) {
        if (off != HV_VPCI_CFG_SELECT_OFFSET || size != 4) {
            hv_vpci_guest_error(s, "select page write at 0x%" HWADDR_PRIx
                                " size %u (only an aligned 4-byte write at 0)",
                                off, size);
            return;
        }
        if (val & ~0xffULL) {
            hv_vpci_guest_error(s, "bad slot 0x%" PRIx64 " selected "
                                "(reserved bits set)", val);
        }
        s->window_slot = val;
        s->window_slot_vcpu = vcpu;
        trace_hv_vpci_window_select(s->window_slot);
        return;
    }
    dev = hv_vpci_window_target(s);
    if (!dev) {
        trace_hv_vpci_window_empty_slot(s->window_slot, off, size);
        return;
    }
    trace_hv_vpci_window_cfg_write(s->window_slot,
                                   off - HV_VPCI_CFG_PAGE_OFFSET, size, val);
    /*
     * Under another vCPU's select, or ahead of an earlier store of its own
     * (its select, still buffered): either way not the function its
     * program selected.
     */
    misdirected = vcpu >= 0 && ((s->window_slot_vcpu >= 0 &&
                                 vcpu != s->window_slot_vcpu) || overtakes);
    if (misdirected) {
        s->misdirected++;
        trace_hv_vpci_misdirected(vcpu, s->window_slot_vcpu, overtakes,
                                  s->window_slot,
                                  off - HV_VPCI_CFG_PAGE_OFFSET, size, val);
    }
    hv_vpci_journal_msi_write(s, dev, vcpu, overtakes,
                              off - HV_VPCI_CFG_PAGE_OFFSET, size, val);
    pci_host_config_write_common(dev, off - HV_VPCI_CFG_PAGE_OFFSET,
                                 pci_config_size(dev), val, size);
}

/*
 * The ordering model's view of the decode: what a drained store does.
 * From the MMIO handler the re-entrancy guard is engaged already; from
 * the drain timer, the ordering guard or migration it is engaged here.
 */
static void hv_vpci_wc_apply(void *opaque, int vcpu, bool overtakes,
                             hwaddr off, uint64_t val, unsigned size)
{
    HvVpciState *s = opaque;
    bool entered = hv_vpci_enter(s);

    hv_vpci_window_write(s, vcpu, overtakes, off, size, val);
    hv_vpci_leave(s, entered);
}

static uint64_t hv_vpci_wc_read(void *opaque, hwaddr off, unsigned size)
{
    return hv_vpci_window_read(opaque, off, size);
}

#define HV_VPCI_HAZARD_LOG_MAX 10000

/*
 * Virtual time of a hazard, or -1 where icount cannot be read (a hazard
 * found by the ordering guard in the middle of translated code).
 */
static int64_t hv_vpci_hazard_time(void)
{
    if (icount_enabled() && current_cpu && !current_cpu->neg.can_do_io) {
        return -1;
    }
    return qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

static void hv_vpci_wc_hazard(void *opaque, const VpciWcHazard *h)
{
    HvVpciState *s = opaque;

    if (!s->hazard_log || s->wc.hazards > HV_VPCI_HAZARD_LOG_MAX) {
        return;
    }
    fprintf(s->hazard_log,
            "{\"seq\": %" PRIu64 ", \"kind\": \"%s\", \"access\": \"%s\", "
            "\"vcpu\": %d, \"offset\": %" PRIu64 ", \"size\": %u, "
            "\"pc\": \"0x%" PRIx64 "\", \"earlier_vcpu\": %d, "
            "\"earlier_offset\": %" PRIu64 ", \"earlier_pc\": \"0x%" PRIx64
            "\", \"wslot\": %u, \"time_ns\": %" PRId64 "}\n",
            s->wc.hazards, vpci_wc_hazard_kind_name(h->kind),
            h->is_store ? "store" : "load", h->vcpu, (uint64_t)h->offset,
            h->size, h->pc, h->earlier_vcpu, (uint64_t)h->earlier_offset,
            h->earlier_pc, s->window_slot, hv_vpci_hazard_time());
    fflush(s->hazard_log);
}

static uint64_t hv_vpci_window_mmio_read(void *opaque, hwaddr addr,
                                         unsigned size)
{
    HvVpciState *s = opaque;

    return vpci_wc_load(&s->wc, addr, size);
}

static void hv_vpci_window_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                                      unsigned size)
{
    HvVpciState *s = opaque;

    vpci_wc_store(&s->wc, addr, val, size);
}

static const MemoryRegionOps hv_vpci_window_ops = {
    .read = hv_vpci_window_mmio_read,
    .write = hv_vpci_window_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
};

/* ---------------------------------------------------------------- remap */

/*
 * The xAPIC MSI (physical destination) for @vector on the first VP of
 * @vp_mask; false, with the reason logged, if no such message exists.
 */
static bool hv_vpci_xapic_message(HvVpciState *s, uint32_t vector,
                                  uint8_t mode, uint64_t vp_mask,
                                  uint64_t *address, uint32_t *data)
{
    int cpu_index = ctz64(vp_mask);
    CPUState *cs = qemu_get_cpu(cpu_index);
    uint64_t apic_id;

    if (!cs) {
        hv_vpci_guest_error(s, "interrupt vector 0x%x targets VP %d, which "
                            "does not exist: dropped", vector, cpu_index);
        return false;
    }
    apic_id = object_property_get_uint(OBJECT(cs), "apic-id", NULL);
    if (apic_id > 0xff) {
        /* An xAPIC-format MSI cannot name it (no x2APIC remapping here). */
        hv_vpci_guest_error(s, "interrupt vector 0x%x targets VP %d, APIC ID "
                            "0x%" PRIx64 " above 255: dropped", vector,
                            cpu_index, apic_id);
        return false;
    }
    *address = HV_VPCI_REMAP_ADDRESS | apic_id << 12;
    *data = (vector & 0xff) |
            (mode == HV_VPCI_DELIVERY_LOWEST ? 1u << 8 : 0);
    return true;
}

static bool hv_vpci_direct_message(void *opaque, uint32_t vector, uint8_t mode,
                                   uint64_t vp_mask, uint64_t *address,
                                   uint32_t *data)
{
    return hv_vpci_xapic_message(opaque, vector, mode, vp_mask, address, data);
}

/* Deliver a remapped interrupt to the first VP of @vp_mask. */
static void hv_vpci_deliver(HvVpciState *s, HvVpciDmaSpace *d, bool live,
                            uint32_t handle, uint32_t vector, uint8_t mode,
                            uint64_t vp_mask)
{
    HvVpciMsiStats *st = &s->msi_stats[d->devfn];
    int cpu_index = ctz64(vp_mask);
    uint64_t address;
    uint32_t data;

    if (!hv_vpci_xapic_message(s, vector, mode, vp_mask, &address, &data)) {
        return;
    }
    s->msi_remapped++;
    s->last_msi_address = address;
    s->last_msi_data = data;
    st->last_delivery = HV_VPCI_MSI_DELIVERY_VALID | (vector & 0xff) |
                        (uint32_t)(cpu_index & 0xff) << 8 |
                        (handle & 0xfff) << 16;
    trace_hv_vpci_msi_deliver(d->devfn, handle, live, vector, cpu_index,
                              address, data);
    address_space_stl_le(&address_space_memory, address, data,
                         MEMTXATTRS_UNSPECIFIED, NULL);
}

/* Count a child MSI that no live entry of its own delivered. */
static void hv_vpci_msi_bad(HvVpciState *s, HvVpciDmaSpace *d,
                            uint32_t *counter, uint32_t data,
                            const HvVpciIrqEntry *e, bool live)
{
    HvVpciMsiStats *st = &s->msi_stats[d->devfn];

    (*counter)++;
    s->msi_stale++;
    st->last_bad_data = data;
    st->last_bad_owner = e ? HV_VPCI_MSI_OWNER_VALID | e->devfn |
                             (live ? HV_VPCI_MSI_OWNER_LIVE : 0) : 0;
}

/*
 * A child's dword write into 0xFEE00000-0xFEEFFFFF: look the data up in
 * the remap table (docs/hv-vpci.md, "Interrupt remapping").
 */
static void hv_vpci_msi_write(void *opaque, hwaddr addr, uint64_t val,
                              unsigned size)
{
    HvVpciDmaSpace *d = opaque;
    HvVpciState *s = d->s;
    HvVpciMsiStats *st = &s->msi_stats[d->devfn];
    const HvVpciIrqEntry *e = NULL;
    uint64_t address = HV_VPCI_REMAP_ADDRESS + addr;
    unsigned index = 0;
    bool live = false;

    if (size != 4 || (addr & 3)) {
        /* An MSI is an aligned dword write; anything else is a mistake. */
        hv_vpci_msi_bad(s, d, &st->unmatched, val, NULL, false);
        hv_vpci_guest_error(s, "function 0x%x: %u-byte write at 0x%" PRIx64
                            " in the MSI window: dropped", d->devfn, size,
                            address);
        return;
    }
    if (!s->remap) {
        /*
         * No remapping: the message goes to the APIC as programmed, with
         * whatever vector, destination and delivery mode (even NMI, INIT
         * or SMI) a misprogrammed one carries.
         */
        st->delivered++;
        st->last_delivery = HV_VPCI_MSI_DELIVERY_VALID | (val & 0xff) |
                            (uint32_t)((address >> 12) & 0xff) << 8;
        s->msi_remapped++;
        s->last_msi_address = address;
        s->last_msi_data = val;
        trace_hv_vpci_msi_direct(d->devfn, address, val);
        address_space_stl_le(&address_space_memory, address, val,
                             MEMTXATTRS_UNSPECIFIED, NULL);
        return;
    }
    if (addr == 0) {
        e = hv_vpci_proto_lookup_irq(&s->proto, val, &index, &live);
    }
    if (e && live && e->devfn == d->devfn) {
        st->delivered++;
        hv_vpci_deliver(s, d, true, val >> HV_VPCI_REMAP_SHIFT,
                        e->vector + index, e->delivery_mode, e->vp_mask);
        return;
    }
    if (e && !live && e->devfn == d->devfn) {
        /*
         * Its own entry, deleted since: a host that was never told of the
         * change still holds the old vector and CPU, and delivers there.
         */
        hv_vpci_msi_bad(s, d, &st->stale, val, e, false);
        trace_hv_vpci_msi_stale(d->devfn, address, val, s->stale_drop);
        if (s->stale_drop) {
            hv_vpci_guest_error(s, "function 0x%x: MSI data 0x%" PRIx64
                                " names its deleted entry (vector 0x%x): "
                                "dropped", d->devfn, val, e->vector + index);
            return;
        }
        hv_vpci_deliver(s, d, false, val >> HV_VPCI_REMAP_SHIFT,
                        e->vector + index, e->delivery_mode, e->vp_mask);
        return;
    }
    if (e && live) {
        /*
         * Another function's live entry: a remapping host checks the
         * requester and blocks it (VT-d source-id, AMD-Vi device table).
         */
        hv_vpci_msi_bad(s, d, &st->foreign, val, e, true);
        trace_hv_vpci_msi_foreign(d->devfn, val, e->devfn);
        hv_vpci_guest_error(s, "function 0x%x: MSI data 0x%" PRIx64 " names "
                            "function 0x%x's interrupt (vector 0x%x): "
                            "blocked", d->devfn, val, e->devfn,
                            e->vector + index);
        return;
    }
    hv_vpci_msi_bad(s, d, &st->unmatched, val, e, false);
    trace_hv_vpci_msi_unmatched(d->devfn, address, val);
    hv_vpci_guest_error(s, "function 0x%x: MSI 0x%" PRIx64 "/0x%" PRIx64
                        " matches no interrupt the host handed out: dropped",
                        d->devfn, address, val);
}

static uint64_t hv_vpci_msi_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static const MemoryRegionOps hv_vpci_msi_ops = {
    .read = hv_vpci_msi_read,
    .write = hv_vpci_msi_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

/*
 * A child's DMA or MSI aimed at hv-vpci's own BARs (registers, window,
 * aperture) is refused: a doorbell or ring traffic must come from a vCPU,
 * never from a device the guest programmed.  Peer-to-peer DMA between
 * children is not modelled.
 */
static MemTxResult hv_vpci_self_read(void *opaque, hwaddr addr, uint64_t *val,
                                     unsigned size, MemTxAttrs attrs)
{
    HvVpciDmaSpace *d = opaque;

    hv_vpci_guest_error(d->s, "function 0x%x: DMA read of hv-vpci's own BAR "
                        "(offset 0x%" HWADDR_PRIx ") refused", d->devfn, addr);
    *val = ~0ULL;
    return MEMTX_ERROR;
}

static MemTxResult hv_vpci_self_write(void *opaque, hwaddr addr, uint64_t val,
                                      unsigned size, MemTxAttrs attrs)
{
    HvVpciDmaSpace *d = opaque;

    hv_vpci_guest_error(d->s, "function 0x%x: DMA or MSI write 0x%" PRIx64
                        " to hv-vpci's own BAR (offset 0x%" HWADDR_PRIx
                        ") refused", d->devfn, val, addr);
    return MEMTX_ERROR;
}

static const MemoryRegionOps hv_vpci_self_ops = {
    .read_with_attrs = hv_vpci_self_read,
    .write_with_attrs = hv_vpci_self_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
};

static const int hv_vpci_self_bars[2] = {
    HV_VPCI_REG_BAR, HV_VPCI_APERTURE_BAR,
};

/*
 * Keep one DMA space's refusal regions over hv-vpci's BARs.  Callers hold a
 * memory transaction: each commit re-renders every address space, and the
 * children's DMA spaces each span all of system memory.
 */
static void hv_vpci_dma_track_bars(HvVpciState *s, HvVpciDmaSpace *d)
{
    for (int i = 0; i < 2; i++) {
        uint64_t gpa = pci_get_bar_addr(PCI_DEVICE(s), hv_vpci_self_bars[i]);

        if (gpa == d->self_gpa[i]) {
            continue;
        }
        if (d->self_gpa[i] != PCI_BAR_UNMAPPED) {
            memory_region_del_subregion(&d->root, &d->self[i]);
        }
        if (gpa != PCI_BAR_UNMAPPED) {
            memory_region_add_subregion_overlap(&d->root, gpa, &d->self[i], 2);
        }
        d->self_gpa[i] = gpa;
    }
}

/* One commit for every DMA space's change, not one per space and BAR. */
static void hv_vpci_track_bars(HvVpciState *s)
{
    memory_region_transaction_begin();
    for (int devfn = 0; devfn < HV_VPCI_MAX_FUNCTIONS; devfn++) {
        if (s->dma[devfn]) {
            hv_vpci_dma_track_bars(s, s->dma[devfn]);
        }
    }
    memory_region_transaction_commit();
}

static AddressSpace *hv_vpci_dma_as(PCIBus *bus, void *opaque, int devfn)
{
    HvVpciState *s = opaque;
    HvVpciDmaSpace *d = s->dma[devfn];
    g_autofree char *name = NULL;

    if (d) {
        return &d->as;
    }
    d = g_new0(HvVpciDmaSpace, 1);
    d->s = s;
    d->devfn = devfn;
    name = g_strdup_printf("hv-vpci-dma-%02x", devfn);
    memory_region_init(&d->root, OBJECT(s), name, UINT64_MAX);
    memory_region_init_alias(&d->sysmem, OBJECT(s), "hv-vpci-dma-sysmem",
                             get_system_memory(), 0, UINT64_MAX);
    memory_region_add_subregion_overlap(&d->root, 0, &d->sysmem, 0);
    memory_region_init_io(&d->msi, OBJECT(s), &hv_vpci_msi_ops, d,
                          "hv-vpci-msi-remap", HV_VPCI_REMAP_WINDOW_SIZE);
    /*
     * A child's MSI can fire from inside a window config write (an unmask
     * with the vector pending): QEMU's guard would drop it.  The handler
     * only reads the remap table and writes the local APIC.
     */
    d->msi.disable_reentrancy_guard = true;
    memory_region_add_subregion_overlap(&d->root, HV_VPCI_REMAP_ADDRESS,
                                        &d->msi, 1);
    for (int i = 0; i < 2; i++) {
        uint64_t size = hv_vpci_self_bars[i] == HV_VPCI_REG_BAR ?
                        HV_VPCI_REG_SIZE : s->aperture_size;

        memory_region_init_io(&d->self[i], OBJECT(s), &hv_vpci_self_ops, d,
                              "hv-vpci-dma-self", size);
        /* It only logs and refuses: let it say so even from inside. */
        d->self[i].disable_reentrancy_guard = true;
        d->self_gpa[i] = PCI_BAR_UNMAPPED;
    }
    memory_region_transaction_begin();
    hv_vpci_dma_track_bars(s, d);
    memory_region_transaction_commit();
    address_space_init(&d->as, &d->root, name);
    s->dma[devfn] = d;
    return &d->as;
}

static const PCIIOMMUOps hv_vpci_iommu_ops = {
    .get_address_space = hv_vpci_dma_as,
};

/* Hyper-V vPCI has no INTx: a child asserting it is only traced. */
static void hv_vpci_child_set_irq(void *opaque, int pin, int level)
{
    trace_hv_vpci_child_intx(pin, level);
}

static int hv_vpci_child_map_irq(PCIDevice *dev, int pin)
{
    return pin;
}

/* ---------------------------------------------------------------- regs */

static uint64_t hv_vpci_reg_read(void *opaque, hwaddr addr, unsigned size)
{
    HvVpciState *s = opaque;
    uint32_t val = 0;

    switch (addr) {
    case HV_VPCI_REG_MAGIC:
        val = HV_VPCI_MAGIC;
        break;
    case HV_VPCI_REG_VERSION:
        val = HV_VPCI_TRANSPORT_VERSION;
        break;
    case HV_VPCI_REG_GH_RING_LO:
        val = s->gh_ring;
        break;
    case HV_VPCI_REG_GH_RING_HI:
        val = s->gh_ring >> 32;
        break;
    case HV_VPCI_REG_HG_RING_LO:
        val = s->hg_ring;
        break;
    case HV_VPCI_REG_HG_RING_HI:
        val = s->hg_ring >> 32;
        break;
    case HV_VPCI_REG_RING_SIZE:
        val = s->ring_size;
        break;
    case HV_VPCI_REG_CTRL:
        val = s->ctrl;
        break;
    case HV_VPCI_REG_STATUS:
        val = (s->channel == HV_VPCI_CHANNEL_ENABLED ?
               HV_VPCI_STATUS_ENABLED : 0) |
              (s->channel == HV_VPCI_CHANNEL_BROKEN ?
               HV_VPCI_STATUS_BROKEN : 0);
        break;
    case HV_VPCI_REG_ERRORS:
        val = s->errors;
        break;
    case HV_VPCI_REG_APERTURE_SIZE_LO:
        val = s->aperture_size;
        break;
    case HV_VPCI_REG_APERTURE_SIZE_HI:
        val = s->aperture_size >> 32;
        break;
    case HV_VPCI_REG_INSTANCE:
        val = s->instance;
        break;
    case HV_VPCI_REG_MISDIRECTED:
        val = s->misdirected;
        break;
    case HV_VPCI_REG_MSI_STATS_SELECT:
        val = s->msi_stats_select;
        break;
    case HV_VPCI_REG_MSI_DELIVERED:
        val = s->msi_stats[s->msi_stats_select].delivered;
        break;
    case HV_VPCI_REG_MSI_STALE:
        val = s->msi_stats[s->msi_stats_select].stale;
        break;
    case HV_VPCI_REG_MSI_FOREIGN:
        val = s->msi_stats[s->msi_stats_select].foreign;
        break;
    case HV_VPCI_REG_MSI_UNMATCHED:
        val = s->msi_stats[s->msi_stats_select].unmatched;
        break;
    case HV_VPCI_REG_MSI_LAST_BAD_DATA:
        val = s->msi_stats[s->msi_stats_select].last_bad_data;
        break;
    case HV_VPCI_REG_MSI_LAST_BAD_OWNER:
        val = s->msi_stats[s->msi_stats_select].last_bad_owner;
        break;
    case HV_VPCI_REG_MSI_JOURNAL_COUNT:
        val = s->msi_journal_count;
        break;
    case HV_VPCI_REG_MSI_LAST_DELIVERY:
        val = s->msi_stats[s->msi_stats_select].last_delivery;
        break;
    case HV_VPCI_REG_MSI_JOURNAL ...
         HV_VPCI_REG_MSI_JOURNAL + sizeof(s->msi_journal) - 1: {
        const HvVpciMsiJournalEntry *e =
            &s->msi_journal[(addr - HV_VPCI_REG_MSI_JOURNAL) / sizeof(*e)];
        const uint32_t dwords[4] = { e->where, e->value, e->vcpus, e->seq };

        val = dwords[(addr & 15) / 4];
        break;
    }
    case HV_VPCI_REG_DOORBELL:
    default:
        hv_vpci_guest_error(s, "read of register 0x%" HWADDR_PRIx, addr);
        val = ~0u;
        break;
    }
    trace_hv_vpci_reg_read(addr, val);
    return val;
}

static bool hv_vpci_rings_valid(HvVpciState *s)
{
    uint32_t size = s->ring_size;

    return size >= HV_VPCI_RING_MIN_SIZE && size <= HV_VPCI_RING_MAX_SIZE &&
           is_power_of_2(size) && s->gh_ring && s->hg_ring &&
           !((s->gh_ring | s->hg_ring) & (HV_VPCI_RING_HDR_SIZE - 1)) &&
           hv_vpci_is_ram(s, s->gh_ring, size) &&
           hv_vpci_is_ram(s, s->hg_ring, size);
}

static void hv_vpci_channel_reset(HvVpciState *s)
{
    s->channel = HV_VPCI_CHANNEL_DISABLED;
    s->window_slot = 0;
    s->window_slot_vcpu = -1;
    vpci_wc_reset(&s->wc);
    hv_vpci_unmap_window(s);
    hv_vpci_proto_reset(&s->proto);
}

static void hv_vpci_write_ctrl(HvVpciState *s, uint32_t val)
{
    s->ctrl = val;
    if (!(val & HV_VPCI_CTRL_ENABLE)) {
        hv_vpci_channel_reset(s);
        return;
    }
    if (s->channel != HV_VPCI_CHANNEL_DISABLED) {
        return;     /* already enabled, or broken until ENABLE is cleared */
    }
    if (!hv_vpci_rings_valid(s)) {
        hv_vpci_guest_error(s, "enable with invalid rings (0x%" PRIx64
                            ", 0x%" PRIx64 ", size 0x%x: aligned, a power "
                            "of two, in RAM)", s->gh_ring,
                            s->hg_ring, s->ring_size);
        return;
    }
    s->channel = HV_VPCI_CHANNEL_ENABLED;
}

static void hv_vpci_reg_write(void *opaque, hwaddr addr, uint64_t val,
                              unsigned size)
{
    HvVpciState *s = opaque;
    bool ring_reg = addr >= HV_VPCI_REG_GH_RING_LO &&
                    addr <= HV_VPCI_REG_RING_SIZE;

    trace_hv_vpci_reg_write(addr, val);
    if (ring_reg && s->channel != HV_VPCI_CHANNEL_DISABLED) {
        hv_vpci_guest_error(s, "ring register 0x%" HWADDR_PRIx " written "
                            "while enabled", addr);
        return;
    }
    switch (addr) {
    case HV_VPCI_REG_GH_RING_LO:
        s->gh_ring = deposit64(s->gh_ring, 0, 32, val);
        break;
    case HV_VPCI_REG_GH_RING_HI:
        s->gh_ring = deposit64(s->gh_ring, 32, 32, val);
        break;
    case HV_VPCI_REG_HG_RING_LO:
        s->hg_ring = deposit64(s->hg_ring, 0, 32, val);
        break;
    case HV_VPCI_REG_HG_RING_HI:
        s->hg_ring = deposit64(s->hg_ring, 32, 32, val);
        break;
    case HV_VPCI_REG_RING_SIZE:
        s->ring_size = val;
        break;
    case HV_VPCI_REG_CTRL:
        hv_vpci_write_ctrl(s, val);
        break;
    case HV_VPCI_REG_MSI_STATS_SELECT:
        if (val >= HV_VPCI_MAX_FUNCTIONS) {
            hv_vpci_guest_error(s, "MSI statistics of devfn 0x%" PRIx64
                                " selected (at most 0xff)", val);
            return;
        }
        s->msi_stats_select = val;
        break;
    case HV_VPCI_REG_DOORBELL:
        if (s->channel != HV_VPCI_CHANNEL_ENABLED) {
            hv_vpci_guest_error(s, "doorbell while the channel is %s",
                                s->channel == HV_VPCI_CHANNEL_BROKEN ?
                                "broken" : "disabled");
            return;
        }
        /*
         * One memory transaction for the whole batch: a ring full of D0
         * entries would otherwise re-render every address space once per
         * packet, and the old FlatViews wait for RCU (the likely cause of
         * the fuzzer's out-of-memory finding, docs/robustness.md).  No
         * packet reads what another one maps.
         */
        memory_region_transaction_begin();
        hv_vpci_process_ring(s);
        memory_region_transaction_commit();
        hv_vpci_kick(s);
        break;
    default:
        hv_vpci_guest_error(s, "write of read-only or unknown register 0x%"
                            HWADDR_PRIx, addr);
        break;
    }
}

static const MemoryRegionOps hv_vpci_reg_ops = {
    .read = hv_vpci_reg_read,
    .write = hv_vpci_reg_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

/* ---------------------------------------------------------------- hotplug */

/*
 * HvVpciProtoOps.eject_complete.  Called from inside the ring (a doorbell)
 * or a channel reset, with the function's own code possibly on the stack
 * (its config write raised the MSI that rang the doorbell): the unplug
 * runs later, from a bottom half under the device's re-entrancy guard.
 */
static void hv_vpci_eject_complete(void *opaque, PCIDevice *dev)
{
    HvVpciState *s = opaque;

    set_bit(dev->devfn, s->unplug_pending);
    /* a replay runs the unplug at the instruction the recording did */
    replay_bh_schedule_event(s->unplug_bh);
}

static void hv_vpci_unplug_bh(void *opaque)
{
    HvVpciState *s = opaque;
    int devfn;

    while ((devfn = find_first_bit(s->unplug_pending,
                                   HV_VPCI_MAX_FUNCTIONS)) <
           HV_VPCI_MAX_FUNCTIONS) {
        PCIDevice *dev = s->bus->devices[devfn];
        Error *err = NULL;

        clear_bit(devfn, s->unplug_pending);
        hv_vpci_proto_forget_function(&s->proto, devfn);
        if (!dev) {
            continue;
        }
        trace_hv_vpci_unplug(devfn);
        hotplug_handler_unplug(HOTPLUG_HANDLER(s), DEVICE(dev), &err);
        if (err) {
            warn_reportf_err(err, "hv-vpci: unplug of function 0x%x: ", devfn);
            continue;
        }
        object_unparent(OBJECT(dev));
    }
}

static void hv_vpci_plug(HotplugHandler *hh, DeviceState *dev, Error **errp)
{
    HvVpciState *s = HV_VPCI(hh);
    bool entered;

    if (!dev->hotplugged) {
        return;     /* cold-plugged: the guest will query */
    }
    trace_hv_vpci_plug(PCI_DEVICE(dev)->devfn);
    entered = hv_vpci_enter(s);
    hv_vpci_proto_send_bus_relations(&s->proto);
    hv_vpci_kick(s);
    hv_vpci_leave(s, entered);
}

static void hv_vpci_unplug_request(HotplugHandler *hh, DeviceState *dev,
                                   Error **errp)
{
    HvVpciState *s = HV_VPCI(hh);
    PCIDevice *pdev = PCI_DEVICE(dev);
    HvVpciFuncState *f = &s->proto.func[pdev->devfn];
    bool entered;

    if (f->eject_pending || f->ejected) {
        error_setg(errp, "hv-vpci: eject of function 0x%x already pending",
                   pdev->devfn);
        return;
    }
    entered = hv_vpci_enter(s);
    switch (hv_vpci_proto_send_eject(&s->proto, pdev)) {
    case HV_VPCI_EJECT_SENT:
        hv_vpci_kick(s);
        break;
    case HV_VPCI_EJECT_NO_GUEST:
        /* No guest driver: nobody to ask. */
        hv_vpci_eject_complete(s, pdev);
        break;
    case HV_VPCI_EJECT_NOT_SENT:
        error_setg(errp, "hv-vpci: the EJECT of function 0x%x could not be "
                   "posted (host->guest ring full or channel down)",
                   pdev->devfn);
        break;
    }
    hv_vpci_leave(s, entered);
}

static void hv_vpci_unplug(HotplugHandler *hh, DeviceState *dev, Error **errp)
{
    qdev_unrealize(dev);
}

/* ---------------------------------------------------------------- device */

static const HvVpciProtoOps hv_vpci_proto_ops = {
    .send = hv_vpci_send,
    .guest_error = hv_vpci_proto_error,
    .map_window = hv_vpci_map_window,
    .unmap_window = hv_vpci_unmap_window,
    .range_in_aperture = hv_vpci_range_in_aperture,
    .eject_complete = hv_vpci_eject_complete,
    .direct_message = hv_vpci_direct_message,
};

static void hv_vpci_config_write(PCIDevice *pdev, uint32_t addr, uint32_t val,
                                 int len)
{
    /*
     * A BAR or command write moves hv-vpci's BARs, the children's aperture
     * alias, the window and the refusal regions: one commit for them all.
     */
    memory_region_transaction_begin();
    pci_default_write_config(pdev, addr, val, len);
    hv_vpci_update_aperture(HV_VPCI(pdev));
    hv_vpci_track_bars(HV_VPCI(pdev));
    memory_region_transaction_commit();
}

/* Validate the ordering model's properties; nothing is allocated yet. */
static bool hv_vpci_wc_check(HvVpciState *s, Error **errp)
{
    if (s->wc_order && !vpci_wc_parse_order(s->wc_order, &s->wc.order)) {
        error_setg(errp, "hv-vpci: wc-order must be 'program', 'reverse' "
                   "or 'random'");
        return false;
    }
    if (!is_power_of_2(s->wc.line_size) || s->wc.line_size < 8 ||
        s->wc.line_size > HV_VPCI_CFG_PAGE_SIZE) {
        error_setg(errp, "hv-vpci: wc-line-size must be a power of two "
                   "between 8 and %d", HV_VPCI_CFG_PAGE_SIZE);
        return false;
    }
    if (!s->wc.lines_per_vcpu || s->wc.lines_per_vcpu > 64) {
        error_setg(errp, "hv-vpci: wc-lines must be between 1 and 64");
        return false;
    }
    return true;
}

/*
 * Patch 0005 gives each vCPU one ordering-guard slot, so a second device
 * with wc=on would silently take the first one's guard: refused.
 */
static HvVpciState *hv_vpci_wc_owner;

static bool hv_vpci_wc_start(HvVpciState *s, Error **errp)
{
    MachineState *ms = MACHINE(qdev_get_machine());

    if (s->wc.enabled && hv_vpci_wc_owner) {
        error_setg(errp, "hv-vpci: only one hv-vpci per machine can have "
                   "wc=on (the ordering guard has one slot per vCPU; "
                   "%s has it)", DEVICE(hv_vpci_wc_owner)->id ?:
                   "another hv-vpci");
        return false;
    }
    if (s->hazard_log_path) {
        s->hazard_log = fopen(s->hazard_log_path, "w");
        if (!s->hazard_log) {
            error_setg_errno(errp, errno, "hv-vpci: cannot open hazard-log "
                             "'%s'", s->hazard_log_path);
            return false;
        }
    }
    s->wc.opaque = s;
    s->wc.apply = hv_vpci_wc_apply;
    s->wc.read = hv_vpci_wc_read;
    s->wc.hazard = hv_vpci_wc_hazard;
    s->wc.ops = &vpci_wc_qemu_ops;
    vpci_wc_init(&s->wc, ms->smp.max_cpus);
    if (s->wc.enabled) {
        hv_vpci_wc_owner = s;
    }
    return true;
}

static void hv_vpci_wc_stop(HvVpciState *s)
{
    if (hv_vpci_wc_owner == s) {
        hv_vpci_wc_owner = NULL;
    }
    vpci_wc_finalize(&s->wc);
    if (s->hazard_log) {
        fclose(s->hazard_log);
        s->hazard_log = NULL;
    }
}

static void hv_vpci_realize(PCIDevice *pdev, Error **errp)
{
    HvVpciState *s = HV_VPCI(pdev);
    Object *obj = OBJECT(s);
    const char *bus_name = DEVICE(s)->id;

    if (!s->stale_msi || !strcmp(s->stale_msi, "deliver")) {
        s->stale_drop = false;
    } else if (!strcmp(s->stale_msi, "drop")) {
        s->stale_drop = true;
    } else {
        error_setg(errp, "hv-vpci: stale-msi must be 'deliver' or 'drop'");
        return;
    }
    if (!hv_vpci_wc_check(s, errp)) {
        return;
    }
    if (s->aperture_size < 2 * HV_VPCI_CFG_WINDOW_SIZE ||
        !is_power_of_2(s->aperture_size)) {
        error_setg(errp, "hv-vpci: aperture-size must be a power of two "
                   ">= 16 KiB");
        return;
    }

    pci_config_set_class(pdev->config, PCI_CLASS_BRIDGE_OTHER);
    pdev->config[PCI_INTERRUPT_PIN] = 0;
    if (msi_init(pdev, 0, HV_VPCI_MSI_VECTORS, true, false, errp) < 0) {
        return;
    }

    memory_region_init_io(&s->regs, obj, &hv_vpci_reg_ops, s, "hv-vpci-regs",
                          HV_VPCI_REG_SIZE);
    pci_register_bar(pdev, HV_VPCI_REG_BAR, PCI_BASE_ADDRESS_SPACE_MEMORY,
                     &s->regs);

    memory_region_init(&s->child_mem, obj, "hv-vpci-child-mem", UINT64_MAX);
    memory_region_init(&s->child_io, obj, "hv-vpci-child-io", 64 * KiB);
    memory_region_init(&s->aperture, obj, "hv-vpci-aperture",
                       s->aperture_size);
    memory_region_init_io(&s->aperture_bg, obj, &hv_vpci_aperture_bg_ops, s,
                          "hv-vpci-aperture-unassigned", s->aperture_size);
    memory_region_add_subregion_overlap(&s->aperture, 0, &s->aperture_bg, -1);
    memory_region_init_alias(&s->child_alias, obj, "hv-vpci-aperture-child",
                             &s->child_mem, 0, s->aperture_size);
    memory_region_add_subregion_overlap(&s->aperture, 0, &s->child_alias, 0);
    memory_region_init_io(&s->window, obj, &hv_vpci_window_ops, s,
                          "hv-vpci-window", HV_VPCI_CFG_WINDOW_SIZE);
    /* Only accesses to *other* MMIO drain the window's buffers. */
    memory_region_set_ordering_exempt(&s->window, true);
    /*
     * 32-bit by default: children's 32-bit BARs must land inside the
     * aperture, and firmware (qboot) puts 64-bit BARs above 4 GiB.
     */
    pci_register_bar(pdev, HV_VPCI_APERTURE_BAR,
                     PCI_BASE_ADDRESS_SPACE_MEMORY |
                     (s->aperture_64bit ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0),
                     &s->aperture);

    s->host = HV_VPCI_HOST(qdev_new(TYPE_HV_VPCI_HOST));
    s->bus = pci_root_bus_new(DEVICE(s->host), bus_name, &s->child_mem,
                              &s->child_io, 0, TYPE_PCIE_BUS);
    PCI_HOST_BRIDGE(s->host)->bus = s->bus;
    pci_bus_irqs(s->bus, hv_vpci_child_set_irq, s, PCI_NUM_PINS);
    pci_bus_map_irqs(s->bus, hv_vpci_child_map_irq);
    pci_setup_iommu(s->bus, &hv_vpci_iommu_ops, s);
    qbus_set_hotplug_handler(BUS(s->bus), OBJECT(s));
    if (!sysbus_realize_and_unref(SYS_BUS_DEVICE(s->host), errp)) {
        goto err_bus;
    }

    if (!hv_vpci_wc_start(s, errp)) {
        goto err_bus;
    }
    s->unplug_bh = qemu_bh_new_guarded(hv_vpci_unplug_bh, s,
                                       &DEVICE(s)->mem_reentrancy_guard);
    hv_vpci_proto_init(&s->proto, &hv_vpci_proto_ops, s, s->bus);
    s->proto.direct = !s->remap;
    return;

err_bus:
    pci_bus_irqs_cleanup(s->bus);
    object_unparent(OBJECT(s->bus));
    object_unref(OBJECT(s->host));
    s->bus = NULL;
    s->host = NULL;
    msi_uninit(pdev);
}

static void hv_vpci_exit(PCIDevice *pdev)
{
    HvVpciState *s = HV_VPCI(pdev);

    hv_vpci_unmap_window(s);
    hv_vpci_wc_stop(s);
    g_clear_pointer(&s->unplug_bh, qemu_bh_delete);
    msi_uninit(pdev);
}

static void hv_vpci_reset(DeviceState *dev)
{
    HvVpciState *s = HV_VPCI(dev);

    s->gh_ring = 0;
    s->hg_ring = 0;
    s->ring_size = 0;
    s->ctrl = 0;
    s->errors = 0;
    s->errors_logged = 0;
    s->misdirected = 0;
    s->msi_stats_select = 0;
    memset(s->msi_stats, 0, sizeof(s->msi_stats));
    memset(s->msi_journal, 0, sizeof(s->msi_journal));
    s->msi_journal_count = 0;
    /* the window's unmap and the refusal regions' moves: one commit */
    memory_region_transaction_begin();
    hv_vpci_channel_reset(s);
    hv_vpci_track_bars(s);
    memory_region_transaction_commit();
}

/* Stores still buffered in the WC model reach the device before it is saved. */
static int hv_vpci_pre_save(void *opaque)
{
    HvVpciState *s = opaque;

    vpci_wc_drain_all(&s->wc);
    return 0;
}

/* The stream is as untrusted as the guest: refuse state no guest can reach. */
static int hv_vpci_post_load(void *opaque, int version_id)
{
    HvVpciState *s = opaque;

    /* who wrote the select is not migrated: no write counts as misdirected */
    s->window_slot_vcpu = -1;

    if (s->channel > HV_VPCI_CHANNEL_BROKEN ||
        (s->channel == HV_VPCI_CHANNEL_ENABLED && !hv_vpci_rings_valid(s)) ||
        !hv_vpci_proto_state_valid(&s->proto)) {
        error_report("hv-vpci: invalid migration state (channel %u, rings "
                     "0x%" PRIx64 "/0x%" PRIx64 " size 0x%x)", s->channel,
                     s->gh_ring, s->hg_ring, s->ring_size);
        return -EINVAL;
    }
    hv_vpci_update_aperture(s);
    hv_vpci_track_bars(s);
    hv_vpci_unmap_window(s);
    if (s->proto.mmio_base) {
        hv_vpci_map_window(s, s->proto.mmio_base);
    }
    return 0;
}

static const VMStateDescription vmstate_hv_vpci = {
    .name = TYPE_HV_VPCI,
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = hv_vpci_pre_save,
    .post_load = hv_vpci_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, HvVpciState),
        VMSTATE_UINT64(gh_ring, HvVpciState),
        VMSTATE_UINT64(hg_ring, HvVpciState),
        VMSTATE_UINT32(ring_size, HvVpciState),
        VMSTATE_UINT32(ctrl, HvVpciState),
        VMSTATE_UINT32(channel, HvVpciState),
        VMSTATE_UINT32(errors, HvVpciState),
        VMSTATE_UINT32(window_slot, HvVpciState),
        VMSTATE_STRUCT(proto, HvVpciState, 1, vmstate_hv_vpci_proto,
                       HvVpciProto),
        VMSTATE_END_OF_LIST()
    },
};

static void hv_vpci_instance_init(Object *obj)
{
    HvVpciState *s = HV_VPCI(obj);

    object_property_add_uint32_ptr(obj, "msi-remapped", &s->msi_remapped,
                                   OBJ_PROP_FLAG_READ);
    object_property_add_uint32_ptr(obj, "misdirected", &s->misdirected,
                                   OBJ_PROP_FLAG_READ);
    object_property_add_uint32_ptr(obj, "msi-stale", &s->msi_stale,
                                   OBJ_PROP_FLAG_READ);
    object_property_add_uint64_ptr(obj, "last-msi-address",
                                   &s->last_msi_address, OBJ_PROP_FLAG_READ);
    object_property_add_uint32_ptr(obj, "last-msi-data", &s->last_msi_data,
                                   OBJ_PROP_FLAG_READ);
    object_property_add_uint32_ptr(obj, "errors", &s->errors,
                                   OBJ_PROP_FLAG_READ);
    object_property_add_uint64_ptr(obj, "wc-hazards", &s->wc.hazards,
                                   OBJ_PROP_FLAG_READ);
    object_property_add_uint64_ptr(obj, "wc-drains", &s->wc.drains,
                                   OBJ_PROP_FLAG_READ);
}

static const Property hv_vpci_properties[] = {
    DEFINE_PROP_SIZE("aperture-size", HvVpciState, aperture_size,
                     HV_VPCI_DEFAULT_APERTURE),
    DEFINE_PROP_BOOL("aperture-64bit", HvVpciState, aperture_64bit, false),
    /* The write-combining ordering model of the config window. */
    DEFINE_PROP_BOOL("wc", HvVpciState, wc.enabled, false),
    DEFINE_PROP_UINT32("wc-lines", HvVpciState, wc.lines_per_vcpu, 4),
    DEFINE_PROP_UINT32("wc-line-size", HvVpciState, wc.line_size, 64),
    DEFINE_PROP_UINT64("wc-delay-ns", HvVpciState, wc.delay_ns, 200 * SCALE_US),
    DEFINE_PROP_STRING("wc-order", HvVpciState, wc_order),
    DEFINE_PROP_UINT64("wc-seed", HvVpciState, wc.seed, 0),
    DEFINE_PROP_STRING("hazard-log", HvVpciState, hazard_log_path),
    DEFINE_PROP_STRING("stale-msi", HvVpciState, stale_msi),
    DEFINE_PROP_BOOL("remap", HvVpciState, remap, true),
    DEFINE_PROP_UINT32("instance", HvVpciState, instance, 1),
};

static void hv_vpci_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
    HotplugHandlerClass *hc = HOTPLUG_HANDLER_CLASS(klass);

    k->realize = hv_vpci_realize;
    k->exit = hv_vpci_exit;
    k->config_write = hv_vpci_config_write;
    k->vendor_id = HV_VPCI_PCI_VENDOR_ID;
    k->device_id = HV_VPCI_PCI_DEVICE_ID;
    k->revision = HV_VPCI_TRANSPORT_VERSION;
    k->class_id = PCI_CLASS_BRIDGE_OTHER;
    dc->desc = "Hyper-V vPCI bus (ring transport)";
    dc->hotpluggable = false;
    dc->vmsd = &vmstate_hv_vpci;
    device_class_set_legacy_reset(dc, hv_vpci_reset);
    device_class_set_props(dc, hv_vpci_properties);
    set_bit(DEVICE_CATEGORY_BRIDGE, dc->categories);
    hc->plug = hv_vpci_plug;
    hc->unplug_request = hv_vpci_unplug_request;
    hc->unplug = hv_vpci_unplug;
}

static void hv_vpci_host_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->fw_name = "pci";
    /* Reason: created by hv-vpci for its child bus. */
    dc->user_creatable = false;
}

static const TypeInfo hv_vpci_types[] = {
    {
        .name = TYPE_HV_VPCI,
        .parent = TYPE_PCI_DEVICE,
        .instance_size = sizeof(HvVpciState),
        .instance_init = hv_vpci_instance_init,
        .class_init = hv_vpci_class_init,
        .interfaces = (InterfaceInfo[]) {
            { INTERFACE_CONVENTIONAL_PCI_DEVICE },
            { TYPE_HOTPLUG_HANDLER },
            { },
        },
    },
    {
        .name = TYPE_HV_VPCI_HOST,
        .parent = TYPE_PCI_HOST_BRIDGE,
        .instance_size = sizeof(HvVpciHost),
        .class_init = hv_vpci_host_class_init,
    },
};

DEFINE_TYPES(hv_vpci_types)
