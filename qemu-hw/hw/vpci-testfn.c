/*
 * vpci-testfn: a PCI(e) function that makes misdirected config traffic and
 * interrupts visible.  Register map and identity: include/vpci-testfn-regs.h;
 * contract: docs/hv-vpci.md.
 *
 * Every config write is journaled (config_write hook) before QEMU applies
 * it, so the guest can compare what it meant to write with what arrived.
 *
 * Serialisation: MMIO and config accesses run with the BQL held.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "qapi/error.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "hw/pci/pci.h"
#include "hw/pci/pci_device.h"
#include "hw/pci/pcie.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "qom/object.h"
#include "vpci-testfn-regs.h"
#include "trace.h"

#define TYPE_VPCI_TESTFN "vpci-testfn"
#define TYPE_VPCI_TESTFN_DEV TYPE_VPCI_TESTFN
/* QOM casts are VPCI_TESTFN_DEV*: VPCI_TESTFN_CLASS is the PCI class code. */
OBJECT_DECLARE_TYPE(VpciTestfnState, VpciTestfnClass, VPCI_TESTFN_DEV)

#define VPCI_TESTFN_IRQ_COUNTERS    32

/* Capability offsets; PCIe layout first, conventional in brackets. */
#define VPCI_TESTFN_PCIE_CAP        0x40
#define VPCI_TESTFN_MSI_CAP         0x80    /* (0x40) */
#define VPCI_TESTFN_MSIX_CAP        0x98    /* (0x60) */
#define VPCI_TESTFN_MSIX_PBA        0x800   /* inside BAR 2 */

struct VpciTestfnClass {
    PCIDeviceClass parent_class;
    DeviceRealize parent_dc_realize;
};

typedef struct VpciTestfnJournalEntry {
    uint32_t what;      /* config offset | size << 16 */
    uint32_t value;
} VpciTestfnJournalEntry;

struct VpciTestfnState {
    PCIDevice parent_obj;

    MemoryRegion regs;          /* BAR 0 */
    MemoryRegion msix_bar;      /* BAR 2: MSI-X table and PBA */

    uint32_t scratch;           /* REG_SCRATCH */
    uint32_t cfg_writes;        /* config writes received */
    uint32_t journal_count;     /* entries written since reset */
    VpciTestfnJournalEntry journal[VPCI_TESTFN_JOURNAL_ENTRIES];
    uint32_t irq_count[VPCI_TESTFN_IRQ_COUNTERS];
    uint32_t irq_dropped;
    /* Where MSIs went (MSI_HELD, MSI_SENT_*, MSI_STRAY). */
    uint32_t msi_held;
    uint64_t msi_sent_address;
    uint32_t msi_sent_data;
    uint32_t msi_stray;
};

static unsigned vpci_testfn_fn(VpciTestfnState *s)
{
    return PCI_FUNC(PCI_DEVICE(s)->devfn);
}

/* Where signature and scratch live: extended space on PCIe. */
static void vpci_testfn_layout(VpciTestfnState *s, uint32_t *sig,
                               uint32_t *sig_size, uint32_t *scratch,
                               uint32_t *scratch_size)
{
    if (pci_is_express(PCI_DEVICE(s))) {
        *sig = VPCI_TESTFN_CFG_SIG_BASE;
        *sig_size = VPCI_TESTFN_CFG_SIG_SIZE;
        *scratch = VPCI_TESTFN_CFG_SCRATCH_BASE;
        *scratch_size = VPCI_TESTFN_CFG_SCRATCH_SIZE;
    } else {
        *sig = VPCI_TESTFN_CFG_SIG_BASE_LEGACY;
        *sig_size = VPCI_TESTFN_CFG_SIG_SIZE_LEGACY;
        *scratch = VPCI_TESTFN_CFG_SCRATCH_BASE_LEGACY;
        *scratch_size = VPCI_TESTFN_CFG_SCRATCH_SIZE_LEGACY;
    }
}

/*
 * Before an MSI is sent: will it be held pending, and where will it go?  A
 * misprogrammed address turns the interrupt into a memory write.
 */
static void vpci_testfn_note_msi(VpciTestfnState *s, uint32_t vector)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    MSIMessage msg;

    if (msi_is_masked(pdev, vector)) {
        s->msi_held++;
        return;
    }
    msg = msi_get_message(pdev, vector);
    s->msi_sent_address = msg.address;
    s->msi_sent_data = msg.data;
    if (msg.address < 0xfee00000ULL || msg.address > 0xfeefffffULL) {
        s->msi_stray++;
        trace_vpci_testfn_msi_stray(vpci_testfn_fn(s), vector, msg.address,
                                    msg.data);
    }
}

/*
 * Raise @vector: MSI-X if enabled, else MSI; count or refuse.  A masked
 * vector is not refused: as real hardware does, it is left pending and
 * delivered on unmask (msix_notify and msi_notify do that), since Linux
 * masks vectors briefly, e.g. while it moves their affinity.
 */
static void vpci_testfn_raise(VpciTestfnState *s, uint32_t vector)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    const char *why;

    if (msix_enabled(pdev)) {
        if (vector >= VPCI_TESTFN_MSIX_VECTORS) {
            why = "beyond the MSI-X table";
        } else {
            msix_notify(pdev, vector);
            s->irq_count[vector]++;
            trace_vpci_testfn_raise(vpci_testfn_fn(s), vector, "msix");
            return;
        }
    } else if (msi_enabled(pdev)) {
        if (vector >= msi_nr_vectors_allocated(pdev)) {
            why = "beyond the enabled MSI vectors";
        } else {
            vpci_testfn_note_msi(s, vector);
            msi_notify(pdev, vector);
            s->irq_count[vector]++;
            trace_vpci_testfn_raise(vpci_testfn_fn(s), vector, "msi");
            return;
        }
    } else {
        why = "neither MSI nor MSI-X enabled";
    }
    s->irq_dropped++;
    trace_vpci_testfn_dropped(vpci_testfn_fn(s), vector, why);
}

static void vpci_testfn_reset_counters(VpciTestfnState *s)
{
    s->cfg_writes = 0;
    s->journal_count = 0;
    s->irq_dropped = 0;
    s->msi_held = 0;
    s->msi_sent_address = 0;
    s->msi_sent_data = 0;
    s->msi_stray = 0;
    memset(s->journal, 0, sizeof(s->journal));
    memset(s->irq_count, 0, sizeof(s->irq_count));
}

/*
 * MSI_* registers: the capability's fields (64-bit layout with masking),
 * then where the function's MSIs went.
 */
static uint32_t vpci_testfn_msi_reg(VpciTestfnState *s, hwaddr addr)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    const uint8_t *cap = pdev->config + pdev->msi_cap;

    switch (addr) {
    case VPCI_TESTFN_REG_MSI_FLAGS:
        return pci_get_word(cap + PCI_MSI_FLAGS);
    case VPCI_TESTFN_REG_MSI_ADDR_LO:
        return pci_get_long(cap + PCI_MSI_ADDRESS_LO);
    case VPCI_TESTFN_REG_MSI_ADDR_HI:
        return pci_get_long(cap + PCI_MSI_ADDRESS_HI);
    case VPCI_TESTFN_REG_MSI_DATA:
        return pci_get_word(cap + PCI_MSI_DATA_64);
    case VPCI_TESTFN_REG_MSI_MASK:
        return pci_get_long(cap + PCI_MSI_MASK_64);
    case VPCI_TESTFN_REG_MSI_PENDING:
        return pci_get_long(cap + PCI_MSI_PENDING_64);
    case VPCI_TESTFN_REG_MSI_HELD:
        return s->msi_held;
    case VPCI_TESTFN_REG_MSI_SENT_ADDR_LO:
        return s->msi_sent_address;
    case VPCI_TESTFN_REG_MSI_SENT_ADDR_HI:
        return s->msi_sent_address >> 32;
    case VPCI_TESTFN_REG_MSI_SENT_DATA:
        return s->msi_sent_data;
    case VPCI_TESTFN_REG_MSI_STRAY:
        return s->msi_stray;
    default:
        /* unaligned offsets inside the block (4-byte accesses only) */
        return ~0u;
    }
}

static uint64_t vpci_testfn_reg_read(void *opaque, hwaddr addr, unsigned size)
{
    VpciTestfnState *s = opaque;
    unsigned fn = vpci_testfn_fn(s);
    uint32_t val = 0;

    if (addr >= VPCI_TESTFN_REG_JOURNAL &&
        addr < VPCI_TESTFN_REG_JOURNAL + sizeof(s->journal)) {
        hwaddr i = (addr - VPCI_TESTFN_REG_JOURNAL) / 8;

        val = addr & 4 ? s->journal[i].value : s->journal[i].what;
    } else if (addr >= VPCI_TESTFN_REG_IRQ_COUNT(0) &&
               addr < VPCI_TESTFN_REG_IRQ_COUNT(VPCI_TESTFN_IRQ_COUNTERS)) {
        val = s->irq_count[(addr - VPCI_TESTFN_REG_IRQ_COUNT(0)) / 4];
    } else {
        switch (addr) {
        case VPCI_TESTFN_REG_ID:
            val = VPCI_TESTFN_DEVICE_ID | fn << 16;
            break;
        case VPCI_TESTFN_REG_FN:
            val = fn;
            break;
        case VPCI_TESTFN_REG_CFG_WRITES:
            val = s->cfg_writes;
            break;
        case VPCI_TESTFN_REG_JOURNAL_COUNT:
            val = s->journal_count;
            break;
        case VPCI_TESTFN_REG_SCRATCH:
            val = s->scratch;
            break;
        case VPCI_TESTFN_REG_IRQ_DROPPED:
            val = s->irq_dropped;
            break;
        case VPCI_TESTFN_REG_MSI_FLAGS ... VPCI_TESTFN_REG_MSI_STRAY:
            val = vpci_testfn_msi_reg(s, addr);
            break;
        default:
            qemu_log_mask(LOG_GUEST_ERROR, "vpci-testfn: fn %u: read of "
                          "write-only or unknown register 0x%" HWADDR_PRIx
                          "\n", fn, addr);
            val = ~0u;
            break;
        }
    }
    trace_vpci_testfn_reg_read(fn, addr, val);
    return val;
}

static void vpci_testfn_reg_write(void *opaque, hwaddr addr, uint64_t val,
                                  unsigned size)
{
    VpciTestfnState *s = opaque;

    trace_vpci_testfn_reg_write(vpci_testfn_fn(s), addr, val);
    switch (addr) {
    case VPCI_TESTFN_REG_DOORBELL:
        vpci_testfn_raise(s, val);
        break;
    case VPCI_TESTFN_REG_RESET_COUNTERS:
        vpci_testfn_reset_counters(s);
        break;
    case VPCI_TESTFN_REG_SCRATCH:
        s->scratch = val;
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "vpci-testfn: fn %u: write of "
                      "read-only or unknown register 0x%" HWADDR_PRIx "\n",
                      vpci_testfn_fn(s), addr);
        break;
    }
}

static const MemoryRegionOps vpci_testfn_reg_ops = {
    .read = vpci_testfn_reg_read,
    .write = vpci_testfn_reg_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

/* Journal every config write, then let QEMU apply it. */
static void vpci_testfn_config_write(PCIDevice *pdev, uint32_t addr,
                                     uint32_t val, int len)
{
    VpciTestfnState *s = VPCI_TESTFN_DEV(pdev);
    VpciTestfnJournalEntry *e;

    e = &s->journal[s->journal_count % VPCI_TESTFN_JOURNAL_ENTRIES];
    e->what = addr | (uint32_t)len << VPCI_TESTFN_JOURNAL_SIZE_SHIFT;
    e->value = val;
    s->journal_count++;
    s->cfg_writes++;
    trace_vpci_testfn_cfg_write(vpci_testfn_fn(s), addr, len, val);
    pci_default_write_config(pdev, addr, val, len);
}

/* Identity, signature and scratch; the signature is read-only. */
static void vpci_testfn_init_config(VpciTestfnState *s)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    unsigned fn = vpci_testfn_fn(s);
    uint32_t sig, sig_size, scratch, scratch_size, off;

    pci_set_byte(pdev->config + PCI_REVISION_ID, fn);
    pci_set_word(pdev->config + PCI_SUBSYSTEM_VENDOR_ID,
                 VPCI_TESTFN_SUBSYS_VENDOR_ID);
    pci_set_word(pdev->config + PCI_SUBSYSTEM_ID, VPCI_TESTFN_SUBSYS_ID(fn));
    pci_config_set_class(pdev->config, VPCI_TESTFN_CLASS >> 8);
    pci_set_byte(pdev->config + PCI_CLASS_PROG, VPCI_TESTFN_CLASS & 0xff);
    pdev->config[PCI_INTERRUPT_PIN] = 0;

    vpci_testfn_layout(s, &sig, &sig_size, &scratch, &scratch_size);
    for (off = 0; off < sig_size; off += 4) {
        pci_set_long(pdev->config + sig + off, VPCI_TESTFN_SIG(fn, sig + off));
    }
    memset(pdev->wmask + sig, 0, sig_size);
    memset(pdev->config + scratch, 0, scratch_size);
    memset(pdev->wmask + scratch, 0xff, scratch_size);
}

static void vpci_testfn_realize(PCIDevice *pdev, Error **errp)
{
    VpciTestfnState *s = VPCI_TESTFN_DEV(pdev);
    bool express = pci_is_express(pdev);
    int i;

    vpci_testfn_init_config(s);

    if (express &&
        pcie_endpoint_cap_init(pdev, VPCI_TESTFN_PCIE_CAP) < 0) {
        error_setg(errp, "vpci-testfn: cannot add the PCIe capability");
        return;
    }
    if (msi_init(pdev, express ? VPCI_TESTFN_MSI_CAP : 0x40,
                 VPCI_TESTFN_MSI_VECTORS, true, true, errp) < 0) {
        goto err_pcie;
    }

    memory_region_init_io(&s->regs, OBJECT(s), &vpci_testfn_reg_ops, s,
                          "vpci-testfn-regs", VPCI_TESTFN_REG_SIZE);
    pci_register_bar(pdev, VPCI_TESTFN_REG_BAR, PCI_BASE_ADDRESS_SPACE_MEMORY,
                     &s->regs);

    memory_region_init(&s->msix_bar, OBJECT(s), "vpci-testfn-msix",
                       0x1000);
    if (msix_init(pdev, VPCI_TESTFN_MSIX_VECTORS,
                  &s->msix_bar, VPCI_TESTFN_MSIX_BAR, 0,
                  &s->msix_bar, VPCI_TESTFN_MSIX_BAR, VPCI_TESTFN_MSIX_PBA,
                  express ? VPCI_TESTFN_MSIX_CAP : 0x60, errp) < 0) {
        goto err_msi;
    }
    pci_register_bar(pdev, VPCI_TESTFN_MSIX_BAR,
                     PCI_BASE_ADDRESS_SPACE_MEMORY, &s->msix_bar);
    for (i = 0; i < VPCI_TESTFN_MSIX_VECTORS; i++) {
        msix_vector_use(pdev, i);
    }
    return;

err_msi:
    msi_uninit(pdev);
err_pcie:
    if (express) {
        pcie_cap_exit(pdev);
    }
}

static void vpci_testfn_exit(PCIDevice *pdev)
{
    msix_uninit(pdev, &VPCI_TESTFN_DEV(pdev)->msix_bar,
                &VPCI_TESTFN_DEV(pdev)->msix_bar);
    msi_uninit(pdev);
    if (pci_is_express(pdev)) {
        pcie_cap_exit(pdev);
    }
}

/*
 * PCIe on a PCIe bus, conventional elsewhere: decided before the PCI core
 * sizes config space.
 */
static void vpci_testfn_dc_realize(DeviceState *dev, Error **errp)
{
    VpciTestfnClass *k = VPCI_TESTFN_DEV_GET_CLASS(dev);
    PCIDevice *pdev = PCI_DEVICE(dev);
    BusState *bus = qdev_get_parent_bus(dev);

    if (bus && pci_bus_is_express(PCI_BUS(bus))) {
        pdev->cap_present |= QEMU_PCI_CAP_EXPRESS;
    }
    k->parent_dc_realize(dev, errp);
}

static void vpci_testfn_reset(DeviceState *dev)
{
    VpciTestfnState *s = VPCI_TESTFN_DEV(dev);
    uint32_t sig, sig_size, scratch, scratch_size;

    vpci_testfn_layout(s, &sig, &sig_size, &scratch, &scratch_size);
    memset(PCI_DEVICE(s)->config + scratch, 0, scratch_size);
    s->scratch = 0;
    vpci_testfn_reset_counters(s);
    msi_reset(PCI_DEVICE(s));
    msix_reset(PCI_DEVICE(s));
}

static const VMStateDescription vmstate_vpci_testfn_journal = {
    .name = "vpci-testfn-journal",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(what, VpciTestfnJournalEntry),
        VMSTATE_UINT32(value, VpciTestfnJournalEntry),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_vpci_testfn = {
    .name = TYPE_VPCI_TESTFN,
    .version_id = 2,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, VpciTestfnState),
        VMSTATE_MSIX(parent_obj, VpciTestfnState),
        VMSTATE_UINT32(scratch, VpciTestfnState),
        VMSTATE_UINT32(cfg_writes, VpciTestfnState),
        VMSTATE_UINT32(journal_count, VpciTestfnState),
        VMSTATE_STRUCT_ARRAY(journal, VpciTestfnState,
                             VPCI_TESTFN_JOURNAL_ENTRIES, 1,
                             vmstate_vpci_testfn_journal,
                             VpciTestfnJournalEntry),
        VMSTATE_UINT32_ARRAY(irq_count, VpciTestfnState,
                             VPCI_TESTFN_IRQ_COUNTERS),
        VMSTATE_UINT32(irq_dropped, VpciTestfnState),
        VMSTATE_UINT32_V(msi_held, VpciTestfnState, 2),
        VMSTATE_UINT64_V(msi_sent_address, VpciTestfnState, 2),
        VMSTATE_UINT32_V(msi_sent_data, VpciTestfnState, 2),
        VMSTATE_UINT32_V(msi_stray, VpciTestfnState, 2),
        VMSTATE_END_OF_LIST()
    },
};

static void vpci_testfn_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
    VpciTestfnClass *tc = VPCI_TESTFN_DEV_CLASS(klass);

    k->realize = vpci_testfn_realize;
    k->exit = vpci_testfn_exit;
    k->config_write = vpci_testfn_config_write;
    k->vendor_id = VPCI_TESTFN_VENDOR_ID;
    k->device_id = VPCI_TESTFN_DEVICE_ID;
    k->class_id = VPCI_TESTFN_CLASS >> 8;
    dc->desc = "vpci-rig test function";
    dc->vmsd = &vmstate_vpci_testfn;
    device_class_set_legacy_reset(dc, vpci_testfn_reset);
    device_class_set_parent_realize(dc, vpci_testfn_dc_realize,
                                    &tc->parent_dc_realize);
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo vpci_testfn_types[] = {
    {
        .name = TYPE_VPCI_TESTFN,
        .parent = TYPE_PCI_DEVICE,
        .instance_size = sizeof(VpciTestfnState),
        .class_size = sizeof(VpciTestfnClass),
        .class_init = vpci_testfn_class_init,
        .interfaces = (InterfaceInfo[]) {
            { INTERFACE_PCIE_DEVICE },
            { INTERFACE_CONVENTIONAL_PCI_DEVICE },
            { },
        },
    },
};

DEFINE_TYPES(vpci_testfn_types)
