/*
 * qtest for hv-vpci: a small guest driver in C speaks the ring transport
 * and the vPCI protocol, then checks replies, the config window, interrupt
 * remapping, hotplug and every class of guest mistake.  Each mistake test
 * also checks that the device still works afterwards.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/pci-pc.h"
#include "qobject/qdict.h"
#include "qemu/bswap.h"
#include "hw/pci/pci_regs.h"
#include "../../../hw/vpci-rig/hv-vpci-wire.h"
#include "../../../hw/vpci-rig/vpci-testfn-regs.h"
#include "vcpu-prog.h"

#define HV_VPCI_DEVFN   QPCI_DEVFN(4, 0)
#define RING_SIZE       0x4000
#define GH_RING         0x200000ULL
#define HG_RING         0x210000ULL
#define MSI_MAILBOX     0x300000ULL
#define RING_DATA       (RING_SIZE - HV_VPCI_RING_HDR_SIZE)

/* testfn layout as seen through the window (PCIe: caps from 0x40). */
#define TESTFN_MSI_CAP  0x80
#define TESTFN_BAR_OFF  0x100000    /* testfn BAR 0 at aperture + this */

#define WSLOT_F0        HV_VPCI_WSLOT(1, 0)
#define WSLOT_F1        HV_VPCI_WSLOT(1, 1)
#define WSLOT_F0_DEVFN  QPCI_DEVFN(1, 0)
#define WSLOT_F1_DEVFN  QPCI_DEVFN(1, 1)

typedef struct Drv {
    QTestState *qts;
    QPCIBus *pcibus;
    QPCIDevice *dev;
    QPCIBar regs;
    uint64_t aperture;
    uint32_t gh_w;              /* our producer index */
    uint32_t hg_r;              /* our consumer index */
    uint64_t next_tid;
    /* The last host-initiated (inband) packet seen. */
    uint8_t inband[0x1000];
    uint32_t inband_len;
    unsigned inband_count;
} Drv;

/* ---------------------------------------------------------------- driver */

static uint32_t reg_read(Drv *d, uint32_t reg)
{
    return qpci_io_readl(d->dev, d->regs, reg);
}

static void reg_write(Drv *d, uint32_t reg, uint32_t val)
{
    qpci_io_writel(d->dev, d->regs, reg, val);
}

static void ring_rw(Drv *d, uint64_t ring, uint32_t off, void *buf,
                    uint32_t len, bool write)
{
    uint64_t data = ring + HV_VPCI_RING_HDR_SIZE;
    uint32_t first = MIN(len, RING_DATA - off);

    if (write) {
        qtest_memwrite(d->qts, data + off, buf, first);
        qtest_memwrite(d->qts, data, (uint8_t *)buf + first, len - first);
    } else {
        qtest_memread(d->qts, data + off, buf, first);
        qtest_memread(d->qts, data, (uint8_t *)buf + first, len - first);
    }
}

/* Post raw bytes (descriptor included) and advance the write index. */
static void post_raw(Drv *d, const void *pkt, uint32_t len)
{
    ring_rw(d, GH_RING, d->gh_w, (void *)pkt, len, true);
    d->gh_w = (d->gh_w + len) % RING_DATA;
    qtest_writel(d->qts, GH_RING, d->gh_w);
}

static uint64_t post(Drv *d, const void *msg, uint32_t len, uint16_t flags)
{
    uint32_t total = 16 + ROUND_UP(len, 8);
    g_autofree uint8_t *pkt = g_malloc0(total);
    struct hv_vpci_pkt_desc desc = {
        .type = HV_VPCI_PKT_DATA_INBAND, .offset8 = 2, .len8 = total / 8,
        .flags = flags, .trans_id = ++d->next_tid,
    };

    memcpy(pkt, &desc, sizeof(desc));
    memcpy(pkt + 16, msg, len);
    post_raw(d, pkt, total);
    return desc.trans_id;
}

static void doorbell(Drv *d)
{
    reg_write(d, HV_VPCI_REG_DOORBELL, 1);
}

/* Take one packet from the host->guest ring; false if empty. */
static bool ring_recv(Drv *d, struct hv_vpci_pkt_desc *desc, void *buf,
                 uint32_t *len)
{
    uint32_t w = qtest_readl(d->qts, HG_RING);
    uint32_t total;

    if (w == d->hg_r) {
        return false;
    }
    ring_rw(d, HG_RING, d->hg_r, desc, sizeof(*desc), false);
    total = desc->len8 * 8;
    g_assert_cmpuint(desc->offset8, ==, 2);
    g_assert_cmpuint(total, >=, 16);
    g_assert_cmpuint(total - 16, <=, 0x1000);
    ring_rw(d, HG_RING, (d->hg_r + 16) % RING_DATA, buf, total - 16, false);
    *len = total - 16;
    d->hg_r = (d->hg_r + total) % RING_DATA;
    qtest_writel(d->qts, HG_RING + 4, d->hg_r);
    return true;
}

/* Drain the ring; keep inband packets; return the completion for @tid. */
static bool drain(Drv *d, uint64_t tid, void *reply, uint32_t *reply_len)
{
    struct hv_vpci_pkt_desc desc;
    uint8_t buf[0x1000];
    uint32_t len;
    bool found = false;

    while (ring_recv(d, &desc, buf, &len)) {
        if (desc.type == HV_VPCI_PKT_COMP) {
            if (desc.trans_id == tid && reply) {
                memcpy(reply, buf, len);
                *reply_len = len;
                found = true;
            }
        } else {
            g_assert_cmpuint(desc.type, ==, HV_VPCI_PKT_DATA_INBAND);
            memcpy(d->inband, buf, len);
            d->inband_len = len;
            d->inband_count++;
        }
    }
    return found;
}

/*
 * Send with completion requested; return the status, and the reply in
 * @reply, cut to @reply_size (a completion is padded to 8 bytes, so it may
 * be longer than the reply's structure) or zero-filled (an error reply is
 * shorter).
 */
static uint32_t request_reply(Drv *d, const void *msg, uint32_t len,
                              void *reply, size_t reply_size)
{
    uint8_t buf[0x1000];
    uint32_t rlen = 0;
    uint64_t tid = post(d, msg, len, HV_VPCI_PKT_FLAG_COMPLETION_REQUESTED);

    doorbell(d);
    g_assert_true(drain(d, tid, buf, &rlen));
    g_assert_cmpuint(rlen, >=, 4);
    /* an error completion carries the status alone */
    memset(reply, 0, reply_size);
    memcpy(reply, buf, MIN(rlen, reply_size));
    return le32_to_cpu(*(uint32_t *)buf);
}

static uint32_t request(Drv *d, const void *msg, uint32_t len)
{
    uint32_t status;

    return request_reply(d, msg, len, &status, sizeof(status));
}

static void send_nocomp(Drv *d, const void *msg, uint32_t len)
{
    post(d, msg, len, 0);
    doorbell(d);
    drain(d, 0, NULL, NULL);
}

static uint32_t errors(Drv *d)
{
    return reg_read(d, HV_VPCI_REG_ERRORS);
}

static void channel_enable(Drv *d)
{
    qtest_memset(d->qts, GH_RING, 0, RING_SIZE);
    qtest_memset(d->qts, HG_RING, 0, RING_SIZE);
    d->gh_w = d->hg_r = 0;
    reg_write(d, HV_VPCI_REG_CTRL, 0);
    reg_write(d, HV_VPCI_REG_GH_RING_LO, GH_RING);
    reg_write(d, HV_VPCI_REG_GH_RING_HI, 0);
    reg_write(d, HV_VPCI_REG_HG_RING_LO, HG_RING);
    reg_write(d, HV_VPCI_REG_HG_RING_HI, 0);
    reg_write(d, HV_VPCI_REG_RING_SIZE, RING_SIZE);
    reg_write(d, HV_VPCI_REG_CTRL, HV_VPCI_CTRL_ENABLE);
    g_assert_cmphex(reg_read(d, HV_VPCI_REG_STATUS), ==,
                    HV_VPCI_STATUS_ENABLED);
}

/* The machine every test drives; a migration destination repeats it. */
#define DRV_MACHINE "-M q35 -nodefaults -L /usr/share/seabios " \
                    "-L /usr/share/qemu " \
                    "-device hv-vpci,id=vpci0,addr=4.0 " \
                    "-device vpci-testfn,bus=vpci0,addr=1.0,multifunction=on " \
                    "-device vpci-testfn,bus=vpci0,addr=1.1 "

static Drv *drv_start(const char *extra)
{
    Drv *d = g_new0(Drv, 1);
    uint64_t size;

    d->qts = qtest_initf(DRV_MACHINE "%s", extra ? extra : "");
    d->pcibus = qpci_new_pc(d->qts, NULL);
    d->dev = qpci_device_find(d->pcibus, HV_VPCI_DEVFN);
    g_assert_nonnull(d->dev);
    qpci_device_enable(d->dev);
    d->regs = qpci_iomap(d->dev, HV_VPCI_REG_BAR, NULL);
    d->aperture = qpci_iomap(d->dev, HV_VPCI_APERTURE_BAR, &size).addr;
    g_assert_cmphex(size, ==, 64 * 1024 * 1024);
    g_assert_cmphex(reg_read(d, HV_VPCI_REG_MAGIC), ==, HV_VPCI_MAGIC);
    channel_enable(d);
    return d;
}

static void drv_stop(Drv *d)
{
    g_free(d->dev);
    qpci_free_pc(d->pcibus);
    qtest_quit(d->qts);
    g_free(d);
}

static uint32_t negotiate(Drv *d, uint32_t version)
{
    struct hv_vpci_version_request m = {
        .type = HV_VPCI_QUERY_PROTOCOL_VERSION, .protocol_version = version,
    };

    return request(d, &m, sizeof(m));
}

static uint32_t d0_entry(Drv *d, uint64_t base)
{
    struct hv_vpci_d0_entry m = { .type = HV_VPCI_BUS_D0ENTRY,
                                  .mmio_base = base };

    return request(d, &m, sizeof(m));
}

static void bring_up(Drv *d)
{
    g_assert_cmphex(negotiate(d, HV_VPCI_PROTOCOL_1_4), ==, 0);
    g_assert_cmphex(d0_entry(d, d->aperture), ==, 0);
}

/* Config access through the window, as the guest driver does it. */
static void cfg_select(Drv *d, uint32_t wslot)
{
    qtest_writel(d->qts, d->aperture + HV_VPCI_CFG_SELECT_OFFSET, wslot);
}

static uint32_t cfg_readl(Drv *d, uint32_t wslot, uint32_t off)
{
    cfg_select(d, wslot);
    return qtest_readl(d->qts, d->aperture + HV_VPCI_CFG_PAGE_OFFSET + off);
}

static void cfg_writel(Drv *d, uint32_t wslot, uint32_t off, uint32_t val)
{
    cfg_select(d, wslot);
    qtest_writel(d->qts, d->aperture + HV_VPCI_CFG_PAGE_OFFSET + off, val);
}

static void cfg_writew(Drv *d, uint32_t wslot, uint32_t off, uint16_t val)
{
    cfg_select(d, wslot);
    qtest_writew(d->qts, d->aperture + HV_VPCI_CFG_PAGE_OFFSET + off, val);
}

static int64_t qom_get_int(Drv *d, const char *prop)
{
    QDict *rsp = qtest_qmp(d->qts, "{ 'execute': 'qom-get', 'arguments': "
                           "{ 'path': '/machine/peripheral/vpci0', "
                           "'property': %s } }", prop);
    int64_t v;

    g_assert(qdict_haskey(rsp, "return"));
    v = qdict_get_int(rsp, "return");
    qobject_unref(rsp);
    return v;
}

/* ---------------------------------------------------------------- positive */

static void test_negotiate(void)
{
    Drv *d = drv_start(NULL);

    g_assert_cmphex(negotiate(d, 0x00010005), ==,
                    HV_VPCI_STATUS_REVISION_MISMATCH);
    g_assert_cmphex(negotiate(d, 0x00010000), ==,
                    HV_VPCI_STATUS_REVISION_MISMATCH);
    g_assert_cmphex(negotiate(d, HV_VPCI_PROTOCOL_1_4), ==, 0);
    g_assert_cmpuint(errors(d), ==, 0);
    drv_stop(d);
}

static void check_desc(const struct hv_vpci_function_desc *f, unsigned fn)
{
    g_assert_cmphex(f->v_id, ==, VPCI_TESTFN_VENDOR_ID);
    g_assert_cmphex(f->d_id, ==, VPCI_TESTFN_DEVICE_ID);
    g_assert_cmphex(f->rev, ==, fn);
    g_assert_cmphex(f->base_class, ==, 0xff);
    g_assert_cmphex(f->subsystem_id, ==, VPCI_TESTFN_SUBSYS_VENDOR_ID |
                    VPCI_TESTFN_SUBSYS_ID(fn) << 16);
    g_assert_cmphex(f->win_slot, ==, HV_VPCI_WSLOT(1, fn));
}

static void test_bus_relations(void)
{
    Drv *d = drv_start(NULL);
    struct hv_vpci_msg q = { .type = HV_VPCI_QUERY_BUS_RELATIONS };
    const struct hv_vpci_bus_relations *r1 = (void *)d->inband;
    const struct hv_vpci_bus_relations2 *r2 = (void *)d->inband;
    unsigned i;

    /* 1.2: v1 descriptors. */
    g_assert_cmphex(negotiate(d, HV_VPCI_PROTOCOL_1_2), ==, 0);
    send_nocomp(d, &q, sizeof(q));
    g_assert_cmpuint(d->inband_count, ==, 1);
    g_assert_cmphex(r1->type, ==, HV_VPCI_BUS_RELATIONS);
    g_assert_cmpuint(r1->device_count, ==, 2);
    for (i = 0; i < 2; i++) {
        check_desc(&r1->func[i], i);
    }

    /* 1.4: v2 descriptors (same prefix). */
    g_assert_cmphex(negotiate(d, HV_VPCI_PROTOCOL_1_4), ==, 0);
    send_nocomp(d, &q, sizeof(q));
    g_assert_cmpuint(d->inband_count, ==, 2);
    g_assert_cmphex(r2->type, ==, HV_VPCI_BUS_RELATIONS2);
    g_assert_cmpuint(r2->device_count, ==, 2);
    g_assert_cmpuint(d->inband_len, >=, 8 + 2 * 28);
    for (i = 0; i < 2; i++) {
        check_desc((const void *)&r2->func[i], i);
    }
    g_assert_cmpuint(errors(d), ==, 0);
    drv_stop(d);
}

static void test_resource_requirements(void)
{
    Drv *d = drv_start(NULL);
    struct hv_vpci_child_msg m = {
        .type = HV_VPCI_QUERY_RESOURCE_REQUIREMENTS, .wslot = WSLOT_F1,
    };
    struct hv_vpci_q_res_req_response r;

    g_assert_cmphex(negotiate(d, HV_VPCI_PROTOCOL_1_4), ==, 0);
    g_assert_cmphex(request_reply(d, &m, sizeof(m), &r, sizeof(r)), ==, 0);
    g_assert_cmphex(r.probed_bar[0], ==, 0xfffff000);
    g_assert_cmphex(r.probed_bar[1], ==, 0);
    g_assert_cmphex(r.probed_bar[2], ==, 0xfffff000);
    drv_stop(d);
}

static void test_window_signature(void)
{
    Drv *d = drv_start(NULL);

    bring_up(d);
    g_assert_cmphex(cfg_readl(d, WSLOT_F0, 0), ==,
                    VPCI_TESTFN_VENDOR_ID | VPCI_TESTFN_DEVICE_ID << 16);
    g_assert_cmphex(cfg_readl(d, WSLOT_F1, VPCI_TESTFN_CFG_SIG_BASE), ==,
                    VPCI_TESTFN_SIG(1, VPCI_TESTFN_CFG_SIG_BASE));
    g_assert_cmphex(cfg_readl(d, WSLOT_F0, VPCI_TESTFN_CFG_SIG_BASE + 0x10),
                    ==, VPCI_TESTFN_SIG(0, VPCI_TESTFN_CFG_SIG_BASE + 0x10));
    /* Byte and word reads. */
    cfg_select(d, WSLOT_F1);
    g_assert_cmphex(qtest_readb(d->qts, d->aperture + 0x1000 +
                                PCI_REVISION_ID), ==, 1);
    g_assert_cmphex(qtest_readw(d->qts, d->aperture + 0x1000 +
                                PCI_SUBSYSTEM_ID), ==,
                    VPCI_TESTFN_SUBSYS_ID(1));
    /* Scratch round trip. */
    cfg_writel(d, WSLOT_F1, VPCI_TESTFN_CFG_SCRATCH_BASE, 0xdeadbeef);
    g_assert_cmphex(cfg_readl(d, WSLOT_F1, VPCI_TESTFN_CFG_SCRATCH_BASE), ==,
                    0xdeadbeef);
    g_assert_cmphex(cfg_readl(d, WSLOT_F0, VPCI_TESTFN_CFG_SCRATCH_BASE), ==,
                    0);
    /* Empty slot: all-ones, not a mistake. */
    g_assert_cmphex(cfg_readl(d, HV_VPCI_WSLOT(7, 0), 0), ==, 0xffffffff);
    g_assert_cmpuint(errors(d), ==, 0);
    drv_stop(d);
}

/* CREATE_INTERRUPT3 for @wslot, @vector on VP @cpu: the host's address/data */
static uint32_t create_irq(Drv *d, uint32_t wslot, uint32_t vector,
                           uint16_t cpu, struct hv_vpci_tran_int_desc *out)
{
    struct hv_vpci_create_interrupt3 m = {
        .type = HV_VPCI_CREATE_INTERRUPT_MESSAGE3, .wslot = wslot,
        .int_desc = { .vector = vector, .vector_count = 1,
                      .processor_count = 1, .processor_array = { cpu } },
    };
    struct hv_vpci_create_int_response r;
    uint32_t status = request_reply(d, &m, sizeof(m), &r, sizeof(r));

    if (out) {
        *out = r.int_desc;
    }
    return status;
}

/* Put testfn F0's BAR 0 in the aperture and point its MSI at @t. */
static void testfn_program_msi(Drv *d, const struct hv_vpci_tran_int_desc *t)
{
    cfg_writel(d, WSLOT_F0, PCI_BASE_ADDRESS_0, d->aperture + TESTFN_BAR_OFF);
    cfg_writew(d, WSLOT_F0, PCI_COMMAND,
               PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    cfg_writel(d, WSLOT_F0, TESTFN_MSI_CAP + PCI_MSI_ADDRESS_LO, t->address);
    cfg_writel(d, WSLOT_F0, TESTFN_MSI_CAP + PCI_MSI_ADDRESS_HI,
               t->address >> 32);
    cfg_writew(d, WSLOT_F0, TESTFN_MSI_CAP + PCI_MSI_DATA_64, t->data);
    cfg_writew(d, WSLOT_F0, TESTFN_MSI_CAP + PCI_MSI_FLAGS,
               PCI_MSI_FLAGS_ENABLE);
}

static void testfn_ring(Drv *d, uint32_t vector)
{
    qtest_writel(d->qts, d->aperture + TESTFN_BAR_OFF +
                 VPCI_TESTFN_REG_DOORBELL, vector);
}

static uint32_t testfn_reg(Drv *d, uint32_t reg)
{
    return qtest_readl(d->qts, d->aperture + TESTFN_BAR_OFF + reg);
}

static void test_irq_remap(void)
{
    Drv *d = drv_start(NULL);
    struct hv_vpci_tran_int_desc t;
    struct hv_vpci_x_retarget_interrupt rt = {
        .type = HV_VPCI_X_RETARGET_INTERRUPT, .wslot = WSLOT_F0,
        .vector = 0x51, .vp_mask = 1,
    };
    struct hv_vpci_delete_interrupt del = {
        .type = HV_VPCI_DELETE_INTERRUPT_MESSAGE, .wslot = WSLOT_F0,
    };

    bring_up(d);
    g_assert_cmphex(create_irq(d, WSLOT_F0, 0x40, 0, &t), ==, 0);
    g_assert_cmphex(t.address, ==, 0xfee00000);
    g_assert_cmphex(t.data, ==, 1 << 5);
    g_assert_cmpuint(t.vector_count, ==, 1);

    testfn_program_msi(d, &t);
    g_assert_cmphex(testfn_reg(d, VPCI_TESTFN_REG_ID), ==,
                    VPCI_TESTFN_DEVICE_ID);
    testfn_ring(d, 0);
    g_assert_cmpuint(testfn_reg(d, VPCI_TESTFN_REG_IRQ_COUNT(0)), ==, 1);
    g_assert_cmpint(qom_get_int(d, "msi-remapped"), ==, 1);
    g_assert_cmphex(qom_get_int(d, "last-msi-data"), ==, 0x40);
    g_assert_cmphex(qom_get_int(d, "last-msi-address"), ==, 0xfee00000);

    /* Retarget: the same address/data now lands on the new vector. */
    rt.address = t.address;
    rt.data = t.data;
    g_assert_cmphex(request(d, &rt, sizeof(rt)), ==, 0);
    testfn_ring(d, 0);
    g_assert_cmpint(qom_get_int(d, "msi-remapped"), ==, 2);
    g_assert_cmphex(qom_get_int(d, "last-msi-data"), ==, 0x51);

    /*
     * Delete: the device still writes it; it is stale now.  The default
     * policy delivers what the entry last said (vector 0x51, VP 0), as a
     * host never told of the change would; never the handle itself.
     */
    del.int_desc = t;
    send_nocomp(d, &del, sizeof(del));
    testfn_ring(d, 0);
    g_assert_cmpint(qom_get_int(d, "msi-remapped"), ==, 3);
    g_assert_cmpint(qom_get_int(d, "msi-stale"), ==, 1);
    g_assert_cmphex(qom_get_int(d, "last-msi-data"), ==, 0x51);
    g_assert_cmphex(qom_get_int(d, "last-msi-address"), ==, 0xfee00000);
    g_assert_cmpuint(errors(d), ==, 0);
    reg_write(d, HV_VPCI_REG_MSI_STATS_SELECT, WSLOT_F0_DEVFN);
    g_assert_cmpuint(reg_read(d, HV_VPCI_REG_MSI_DELIVERED), ==, 2);
    g_assert_cmpuint(reg_read(d, HV_VPCI_REG_MSI_STALE), ==, 1);
    g_assert_cmphex(reg_read(d, HV_VPCI_REG_MSI_LAST_BAD_DATA), ==, t.data);
    g_assert_cmphex(reg_read(d, HV_VPCI_REG_MSI_LAST_BAD_OWNER), ==,
                    HV_VPCI_MSI_OWNER_VALID | WSLOT_F0_DEVFN);
    /* where the stale one went: vector 0x51, VP 0, handle 1 */
    g_assert_cmphex(reg_read(d, HV_VPCI_REG_MSI_LAST_DELIVERY), ==,
                    HV_VPCI_MSI_DELIVERY_VALID | 0x51 | 1 << 16);
    drv_stop(d);
}

/*
 * remap=off, a host without interrupt remapping: create-interrupt hands out
 * the xAPIC message itself, the device's MSI reaches the APIC as written
 * (even one the guest misprogrammed), and RETARGET is not supported.
 */
static void test_irq_remap_off(void)
{
    Drv *d = drv_start("-global hv-vpci.remap=off");
    struct hv_vpci_tran_int_desc t, raw;
    struct hv_vpci_x_retarget_interrupt rt = {
        .type = HV_VPCI_X_RETARGET_INTERRUPT, .wslot = WSLOT_F0,
        .vector = 0x51, .vp_mask = 1,
    };
    struct hv_vpci_delete_interrupt del = {
        .type = HV_VPCI_DELETE_INTERRUPT_MESSAGE, .wslot = WSLOT_F0,
    };

    bring_up(d);
    g_assert_cmphex(create_irq(d, WSLOT_F0, 0x45, 0, &t), ==, 0);
    g_assert_cmphex(t.address, ==, 0xfee00000);    /* VP 0: APIC ID 0 */
    g_assert_cmphex(t.data, ==, 0x45);
    testfn_program_msi(d, &t);
    testfn_ring(d, 0);
    g_assert_cmpint(qom_get_int(d, "msi-remapped"), ==, 1);
    g_assert_cmphex(qom_get_int(d, "last-msi-data"), ==, 0x45);

    rt.address = t.address;
    rt.data = t.data;
    g_assert_cmphex(request(d, &rt, sizeof(rt)), ==,
                    HV_VPCI_STATUS_NOT_SUPPORTED);

    /* a message nobody handed out goes through unchanged */
    raw.address = 0xfee00000;
    raw.data = 0x46;
    testfn_program_msi(d, &raw);
    testfn_ring(d, 0);
    g_assert_cmphex(qom_get_int(d, "last-msi-data"), ==, 0x46);
    g_assert_cmpint(qom_get_int(d, "msi-stale"), ==, 0);

    del.int_desc = t;
    g_assert_cmphex(request(d, &del, sizeof(del)), ==, 0);
    g_assert_cmpuint(errors(d), ==, 0);
    drv_stop(d);
}

/*
 * An MSI whose data names another function's live entry is blocked, as a
 * remapping host that checks the requester does; one that names no entry
 * at all is dropped.  Neither reaches the APIC, whatever stale-msi says.
 */
static void test_irq_foreign_unmatched(void)
{
    Drv *d = drv_start(NULL);
    struct hv_vpci_tran_int_desc t0, t1;
    struct hv_vpci_tran_int_desc bogus = { .address = 0xfee00000,
                                           .data = 0x20 << 5 };
    uint32_t e;

    bring_up(d);
    g_assert_cmphex(create_irq(d, WSLOT_F0, 0x40, 0, &t0), ==, 0);
    g_assert_cmphex(create_irq(d, WSLOT_F1, 0x41, 0, &t1), ==, 0);
    g_assert_cmphex(t1.data, !=, t0.data);

    /* F0 programmed with F1's message */
    testfn_program_msi(d, &t1);
    e = errors(d);
    testfn_ring(d, 0);
    g_assert_cmpuint(testfn_reg(d, VPCI_TESTFN_REG_IRQ_COUNT(0)), ==, 1);
    g_assert_cmpint(qom_get_int(d, "msi-remapped"), ==, 0);
    g_assert_cmpint(qom_get_int(d, "last-msi-address"), ==, 0);
    g_assert_cmpuint(errors(d), ==, e + 1);
    reg_write(d, HV_VPCI_REG_MSI_STATS_SELECT, WSLOT_F0_DEVFN);
    g_assert_cmpuint(reg_read(d, HV_VPCI_REG_MSI_FOREIGN), ==, 1);
    g_assert_cmpuint(reg_read(d, HV_VPCI_REG_MSI_DELIVERED), ==, 0);
    g_assert_cmphex(reg_read(d, HV_VPCI_REG_MSI_LAST_BAD_DATA), ==, t1.data);
    g_assert_cmphex(reg_read(d, HV_VPCI_REG_MSI_LAST_BAD_OWNER), ==,
                    HV_VPCI_MSI_OWNER_VALID | HV_VPCI_MSI_OWNER_LIVE |
                    WSLOT_F1_DEVFN);

    /* a handle never handed out */
    testfn_program_msi(d, &bogus);
    testfn_ring(d, 0);
    g_assert_cmpuint(reg_read(d, HV_VPCI_REG_MSI_UNMATCHED), ==, 1);
    g_assert_cmphex(reg_read(d, HV_VPCI_REG_MSI_LAST_BAD_OWNER), ==, 0);
    g_assert_cmpint(qom_get_int(d, "last-msi-address"), ==, 0);
    g_assert_cmpuint(errors(d), ==, e + 2);

    /* and its own message still works */
    testfn_program_msi(d, &t0);
    testfn_ring(d, 0);
    g_assert_cmpuint(reg_read(d, HV_VPCI_REG_MSI_DELIVERED), ==, 1);
    g_assert_cmphex(qom_get_int(d, "last-msi-data"), ==, 0x40);
    drv_stop(d);
}

/*
 * Window writes into a child's MSI capability are journaled with the
 * function that received them, and the function shows its MSI registers
 * in BAR 0 exactly as programmed.  (qtest has no vCPU: issuer 0.)
 */
static void test_msi_journal(void)
{
    Drv *d = drv_start(NULL);
    struct hv_vpci_tran_int_desc t;
    uint32_t n0, n;
    struct { uint32_t off, size, val; } want[] = {
        { PCI_MSI_ADDRESS_LO, 4, 0 },
        { PCI_MSI_ADDRESS_HI, 4, 0 },
        { PCI_MSI_DATA_64, 2, 0 },
        { PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE },
    };

    bring_up(d);
    g_assert_cmphex(create_irq(d, WSLOT_F0, 0x44, 0, &t), ==, 0);
    want[0].val = t.address;
    want[1].val = t.address >> 32;
    want[2].val = t.data;
    n0 = reg_read(d, HV_VPCI_REG_MSI_JOURNAL_COUNT);
    testfn_program_msi(d, &t);
    n = reg_read(d, HV_VPCI_REG_MSI_JOURNAL_COUNT);
    g_assert_cmpuint(n - n0, ==, G_N_ELEMENTS(want));
    for (unsigned i = 0; i < G_N_ELEMENTS(want); i++) {
        uint32_t base = HV_VPCI_REG_MSI_JOURNAL +
                        16 * ((n0 + i) % HV_VPCI_MSI_JOURNAL_ENTRIES);

        g_assert_cmphex(reg_read(d, base), ==,
                        WSLOT_F0_DEVFN | want[i].off << 8 | want[i].size << 16);
        g_assert_cmphex(reg_read(d, base + 4), ==, want[i].val);
        g_assert_cmphex(reg_read(d, base + 8), ==, 0);
        g_assert_cmpuint(reg_read(d, base + 12), ==, n0 + i);
    }
    /* config writes outside the capability are not journaled */
    cfg_writel(d, WSLOT_F0, VPCI_TESTFN_CFG_SCRATCH_BASE, 1);
    g_assert_cmpuint(reg_read(d, HV_VPCI_REG_MSI_JOURNAL_COUNT), ==, n);
    g_assert_cmpuint(reg_read(d, HV_VPCI_REG_MISDIRECTED), ==, 0);

    g_assert_cmphex(testfn_reg(d, VPCI_TESTFN_REG_MSI_ADDR_LO), ==, t.address);
    g_assert_cmphex(testfn_reg(d, VPCI_TESTFN_REG_MSI_ADDR_HI), ==, 0);
    g_assert_cmphex(testfn_reg(d, VPCI_TESTFN_REG_MSI_DATA), ==, t.data);
    g_assert_cmphex(testfn_reg(d, VPCI_TESTFN_REG_MSI_FLAGS) &
                    PCI_MSI_FLAGS_ENABLE, ==, PCI_MSI_FLAGS_ENABLE);
    testfn_ring(d, 0);
    g_assert_cmphex(testfn_reg(d, VPCI_TESTFN_REG_MSI_SENT_ADDR_LO), ==,
                    t.address);
    g_assert_cmphex(testfn_reg(d, VPCI_TESTFN_REG_MSI_SENT_DATA), ==, t.data);
    cfg_writel(d, WSLOT_F0, TESTFN_MSI_CAP + PCI_MSI_MASK_64, 1);
    g_assert_cmphex(testfn_reg(d, VPCI_TESTFN_REG_MSI_MASK), ==, 1);
    testfn_ring(d, 0);
    g_assert_cmphex(testfn_reg(d, VPCI_TESTFN_REG_MSI_PENDING), ==, 1);
    g_assert_cmpuint(testfn_reg(d, VPCI_TESTFN_REG_MSI_HELD), ==, 1);
    g_assert_cmpuint(testfn_reg(d, VPCI_TESTFN_REG_MSI_STRAY), ==, 0);
    /* an address outside the MSI window: a memory write, counted as stray */
    cfg_writel(d, WSLOT_F0, TESTFN_MSI_CAP + PCI_MSI_MASK_64, 0);
    cfg_writel(d, WSLOT_F0, TESTFN_MSI_CAP + PCI_MSI_ADDRESS_LO, 0x10000);
    testfn_ring(d, 0);
    g_assert_cmpuint(testfn_reg(d, VPCI_TESTFN_REG_MSI_STRAY), ==, 1);
    g_assert_cmphex(testfn_reg(d, VPCI_TESTFN_REG_MSI_SENT_ADDR_LO), ==,
                    0x10000);

    /* a devfn beyond the table is refused */
    reg_write(d, HV_VPCI_REG_MSI_STATS_SELECT, 0x100);
    g_assert_cmpuint(reg_read(d, HV_VPCI_REG_MSI_STATS_SELECT), ==, 0);
    drv_stop(d);
}

static void test_irq_stale_drop(void)
{
    Drv *d = drv_start("-global hv-vpci.stale-msi=drop");
    struct hv_vpci_tran_int_desc t;
    struct hv_vpci_delete_interrupt del = {
        .type = HV_VPCI_DELETE_INTERRUPT_MESSAGE, .wslot = WSLOT_F0,
    };
    uint32_t e;

    bring_up(d);
    /* handed out, deleted: stale, and dropped under this policy */
    g_assert_cmphex(create_irq(d, WSLOT_F0, 0x33, 0, &t), ==, 0);
    testfn_program_msi(d, &t);
    del.int_desc = t;
    send_nocomp(d, &del, sizeof(del));
    e = errors(d);
    testfn_ring(d, 0);
    g_assert_cmpint(qom_get_int(d, "msi-stale"), ==, 1);
    g_assert_cmpint(qom_get_int(d, "last-msi-address"), ==, 0);
    g_assert_cmpuint(errors(d), ==, e + 1);
    /* And a real one still works. */
    g_assert_cmphex(create_irq(d, WSLOT_F0, 0x33, 0, &t), ==, 0);
    testfn_program_msi(d, &t);
    testfn_ring(d, 0);
    g_assert_cmpint(qom_get_int(d, "msi-remapped"), ==, 1);
    g_assert_cmphex(qom_get_int(d, "last-msi-data"), ==, 0x33);
    drv_stop(d);
}

/* The host->guest ring raises hv-vpci's MSI unless interrupt_mask is set. */
static void test_ring_msi(void)
{
    Drv *d = drv_start(NULL);
    uint8_t cap = qpci_find_capability(d->dev, PCI_CAP_ID_MSI, 0);

    g_assert_cmpuint(cap, !=, 0);
    qpci_config_writel(d->dev, cap + PCI_MSI_ADDRESS_LO, MSI_MAILBOX);
    qpci_config_writel(d->dev, cap + PCI_MSI_ADDRESS_HI, 0);
    qpci_config_writew(d->dev, cap + PCI_MSI_DATA_64, 0x4321);
    qpci_config_writew(d->dev, cap + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE);
    qtest_writel(d->qts, MSI_MAILBOX, 0);

    qtest_writel(d->qts, HG_RING + 8, 1);       /* interrupt_mask */
    g_assert_cmphex(negotiate(d, HV_VPCI_PROTOCOL_1_4), ==, 0);
    g_assert_cmphex(qtest_readl(d->qts, MSI_MAILBOX), ==, 0);

    qtest_writel(d->qts, HG_RING + 8, 0);
    g_assert_cmphex(negotiate(d, HV_VPCI_PROTOCOL_1_4), ==, 0);
    g_assert_cmphex(qtest_readl(d->qts, MSI_MAILBOX), ==, 0x4321);
    drv_stop(d);
}

static void test_hotplug(void)
{
    Drv *d = drv_start(NULL);
    struct hv_vpci_msg q = { .type = HV_VPCI_QUERY_BUS_RELATIONS };
    const struct hv_vpci_bus_relations2 *r2 = (void *)d->inband;
    const struct hv_vpci_child_msg *ej = (void *)d->inband;
    struct hv_vpci_ejection_complete done = {
        .type = HV_VPCI_EJECTION_COMPLETE, .wslot = HV_VPCI_WSLOT(2, 0),
    };

    bring_up(d);
    qtest_qmp_device_add(d->qts, "vpci-testfn", "hp0",
                         "{'bus': 'vpci0', 'addr': '2.0'}");
    drain(d, 0, NULL, NULL);
    g_assert_cmpuint(d->inband_count, ==, 1);
    g_assert_cmphex(r2->type, ==, HV_VPCI_BUS_RELATIONS2);
    g_assert_cmpuint(r2->device_count, ==, 3);
    g_assert_cmphex(r2->func[2].win_slot, ==, HV_VPCI_WSLOT(2, 0));
    g_assert_cmphex(cfg_readl(d, HV_VPCI_WSLOT(2, 0), 0), ==,
                    VPCI_TESTFN_VENDOR_ID | VPCI_TESTFN_DEVICE_ID << 16);

    qtest_qmp_device_del_send(d->qts, "hp0");
    drain(d, 0, NULL, NULL);
    g_assert_cmpuint(d->inband_count, ==, 2);
    g_assert_cmphex(ej->type, ==, HV_VPCI_EJECT);
    g_assert_cmphex(ej->wslot, ==, HV_VPCI_WSLOT(2, 0));
    send_nocomp(d, &done, sizeof(done));
    qtest_qmp_eventwait(d->qts, "DEVICE_DELETED");
    g_assert_cmphex(cfg_readl(d, HV_VPCI_WSLOT(2, 0), 0), ==, 0xffffffff);

    send_nocomp(d, &q, sizeof(q));
    g_assert_cmpuint(r2->device_count, ==, 2);
    g_assert_cmpuint(errors(d), ==, 0);
    drv_stop(d);
}

/* Packets and replies that wrap around the end of both data areas. */
static void test_ring_wrap(void)
{
    Drv *d = drv_start(NULL);
    struct hv_vpci_msg q = { .type = HV_VPCI_QUERY_BUS_RELATIONS };
    const struct hv_vpci_bus_relations2 *r2 = (void *)d->inband;
    uint32_t start = RING_DATA - 8;
    int i;

    reg_write(d, HV_VPCI_REG_CTRL, 0);
    qtest_writel(d->qts, GH_RING, start);
    qtest_writel(d->qts, GH_RING + 4, start);
    qtest_writel(d->qts, HG_RING, start);
    qtest_writel(d->qts, HG_RING + 4, start);
    d->gh_w = d->hg_r = start;
    reg_write(d, HV_VPCI_REG_CTRL, HV_VPCI_CTRL_ENABLE);
    for (i = 0; i < 3; i++) {
        g_assert_cmphex(negotiate(d, HV_VPCI_PROTOCOL_1_4), ==, 0);
        send_nocomp(d, &q, sizeof(q));
        g_assert_cmpuint(r2->device_count, ==, 2);
        check_desc((const void *)&r2->func[1], 1);
    }
    g_assert_cmpuint(errors(d), ==, 0);
    drv_stop(d);
}

/* ---------------------------------------------------------------- mistakes */

/* After a mistake: the device answers a fresh negotiation. */
static void assert_still_works(Drv *d)
{
    g_assert_cmphex(negotiate(d, HV_VPCI_PROTOCOL_1_4), ==, 0);
}

static void test_ring_malformed(void)
{
    Drv *d = drv_start(NULL);
    struct hv_vpci_pkt_desc bad = {
        .type = HV_VPCI_PKT_DATA_INBAND, .offset8 = 1, .len8 = 3,
        .flags = HV_VPCI_PKT_FLAG_COMPLETION_REQUESTED, .trans_id = 77,
    };
    uint8_t pkt[24] = { 0 };
    uint32_t reply[8], len;

    memcpy(pkt, &bad, sizeof(bad));
    post_raw(d, pkt, sizeof(pkt));
    doorbell(d);
    g_assert_true(drain(d, 77, reply, &len));
    g_assert_cmphex(reply[0], ==, HV_VPCI_STATUS_BAD_DATA);
    g_assert_cmpuint(errors(d), ==, 1);
    assert_still_works(d);
    drv_stop(d);
}

static void test_ring_length_overflow(void)
{
    Drv *d = drv_start(NULL);
    struct hv_vpci_pkt_desc bad = {
        .type = HV_VPCI_PKT_DATA_INBAND, .offset8 = 2, .len8 = 0x400,
        .flags = HV_VPCI_PKT_FLAG_COMPLETION_REQUESTED, .trans_id = 78,
    };
    uint8_t pkt[24] = { 0 };
    uint32_t reply[8], len;

    /* Claims 8 KiB, 24 bytes are there. */
    memcpy(pkt, &bad, sizeof(bad));
    post_raw(d, pkt, sizeof(pkt));
    doorbell(d);
    g_assert_true(drain(d, 78, reply, &len));
    g_assert_cmphex(reply[0], ==, HV_VPCI_STATUS_BAD_DATA);
    g_assert_cmpuint(errors(d), ==, 1);
    assert_still_works(d);
    drv_stop(d);
}

static void test_ring_truncated(void)
{
    Drv *d = drv_start(NULL);
    uint32_t short_d0[2] = { HV_VPCI_BUS_D0ENTRY, 0 };

    g_assert_cmphex(negotiate(d, HV_VPCI_PROTOCOL_1_4), ==, 0);
    g_assert_cmphex(request(d, short_d0, sizeof(short_d0)), ==,
                    HV_VPCI_STATUS_BAD_DATA);
    g_assert_cmpuint(errors(d), ==, 1);
    g_assert_cmphex(d0_entry(d, d->aperture), ==, 0);
    drv_stop(d);
}

static void test_ring_unknown_type(void)
{
    Drv *d = drv_start(NULL);
    uint32_t m[2] = { HV_VPCI_MSG_BASE + 0x30, 0 };

    g_assert_cmphex(request(d, m, sizeof(m)), ==,
                    HV_VPCI_STATUS_NOT_SUPPORTED);
    g_assert_cmpuint(errors(d), ==, 1);
    assert_still_works(d);
    drv_stop(d);
}

static void test_ring_out_of_state(void)
{
    Drv *d = drv_start(NULL);

    /* D0 entry before a version was agreed. */
    g_assert_cmphex(d0_entry(d, d->aperture), ==,
                    HV_VPCI_STATUS_INVALID_DEVICE_STATE);
    g_assert_cmpuint(errors(d), ==, 1);
    bring_up(d);
    drv_stop(d);
}

static void test_ring_index_out_of_range(void)
{
    Drv *d = drv_start(NULL);

    qtest_writel(d->qts, GH_RING, RING_DATA + 8);
    doorbell(d);
    g_assert_cmphex(reg_read(d, HV_VPCI_REG_STATUS), ==,
                    HV_VPCI_STATUS_BROKEN);
    g_assert_cmpuint(errors(d), ==, 1);
    doorbell(d);            /* broken: refused, counted */
    g_assert_cmpuint(errors(d), ==, 2);
    /* Misaligned host->guest read index is caught when the host sends. */
    channel_enable(d);
    qtest_writel(d->qts, HG_RING + 4, 4);
    post(d, &(struct hv_vpci_version_request) {
            .type = HV_VPCI_QUERY_PROTOCOL_VERSION,
            .protocol_version = HV_VPCI_PROTOCOL_1_4 },
         8, HV_VPCI_PKT_FLAG_COMPLETION_REQUESTED);
    doorbell(d);
    g_assert_cmphex(reg_read(d, HV_VPCI_REG_STATUS), ==,
                    HV_VPCI_STATUS_BROKEN);
    g_assert_cmpuint(errors(d), ==, 3);
    channel_enable(d);
    assert_still_works(d);
    drv_stop(d);
}

static void test_resources_outside(void)
{
    Drv *d = drv_start(NULL);
    struct hv_vpci_resources_assigned2 m = {
        .type = HV_VPCI_RESOURCES_ASSIGNED2, .wslot = WSLOT_F0,
    };

    g_assert_cmphex(negotiate(d, HV_VPCI_PROTOCOL_1_4), ==, 0);
    g_assert_cmphex(d0_entry(d, 0x100000), ==,
                    HV_VPCI_STATUS_INVALID_PARAMETER);
    g_assert_cmpuint(errors(d), ==, 1);
    g_assert_cmphex(d0_entry(d, d->aperture + 0x800), ==,
                    HV_VPCI_STATUS_INVALID_PARAMETER);
    g_assert_cmpuint(errors(d), ==, 2);
    g_assert_cmphex(d0_entry(d, d->aperture), ==, 0);

    m.mmio[0].address = 0x1000;
    m.mmio[0].length = 0x1000;
    g_assert_cmphex(request(d, &m, sizeof(m)), ==,
                    HV_VPCI_STATUS_INVALID_PARAMETER);
    g_assert_cmpuint(errors(d), ==, 3);
    m.mmio[0].address = d->aperture + 64 * 1024 * 1024 - 0x1000;
    m.mmio[0].length = 0x2000;
    g_assert_cmphex(request(d, &m, sizeof(m)), ==,
                    HV_VPCI_STATUS_INVALID_PARAMETER);
    g_assert_cmpuint(errors(d), ==, 4);
    m.mmio[0].address = d->aperture + 0x10000;
    g_assert_cmphex(request(d, &m, sizeof(m)), ==, 0);
    drv_stop(d);
}

static void test_irq_unknown_function(void)
{
    Drv *d = drv_start(NULL);
    struct hv_vpci_create_interrupt m1 = {
        .type = HV_VPCI_CREATE_INTERRUPT_MESSAGE, .wslot = HV_VPCI_WSLOT(9, 0),
        .int_desc = { .vector = 0x30, .vector_count = 1, .cpu_mask = 1 },
    };
    struct hv_vpci_tran_int_desc t;

    bring_up(d);
    g_assert_cmphex(create_irq(d, HV_VPCI_WSLOT(5, 0), 0x40, 0, NULL), ==,
                    HV_VPCI_STATUS_NO_SUCH_DEVICE);
    g_assert_cmphex(request(d, &m1, sizeof(m1)), ==,
                    HV_VPCI_STATUS_NO_SUCH_DEVICE);
    g_assert_cmpuint(errors(d), ==, 2);
    g_assert_cmphex(create_irq(d, WSLOT_F1, 0x40, 0, &t), ==, 0);
    g_assert_cmphex(t.address, ==, 0xfee00000);
    drv_stop(d);
}

static void test_window_before_d0(void)
{
    Drv *d = drv_start(NULL);
    struct hv_vpci_msg exit_msg = { .type = HV_VPCI_BUS_D0EXIT };

    g_assert_cmphex(negotiate(d, HV_VPCI_PROTOCOL_1_4), ==, 0);
    g_assert_cmphex(cfg_readl(d, WSLOT_F0, 0), ==, 0xffffffff);
    g_assert_cmpuint(errors(d), ==, 2);     /* the select and the read */
    g_assert_cmphex(d0_entry(d, d->aperture), ==, 0);
    g_assert_cmphex(cfg_readl(d, WSLOT_F0, 0), !=, 0xffffffff);
    /* After D0 exit the window answers all-ones again. */
    g_assert_cmphex(request(d, &exit_msg, sizeof(exit_msg)), ==, 0);
    g_assert_cmphex(cfg_readl(d, WSLOT_F0, 0), ==, 0xffffffff);
    g_assert_cmpuint(errors(d), ==, 4);
    g_assert_cmphex(d0_entry(d, d->aperture), ==, 0);
    g_assert_cmphex(cfg_readl(d, WSLOT_F0, 0), ==,
                    VPCI_TESTFN_VENDOR_ID | VPCI_TESTFN_DEVICE_ID << 16);
    drv_stop(d);
}

static void test_window_cross_page(void)
{
    Drv *d = drv_start(NULL);

    bring_up(d);
    cfg_select(d, WSLOT_F0);
    g_assert_cmphex(qtest_readl(d->qts, d->aperture + 0x1ffe), ==,
                    0xffffffff);
    g_assert_cmpuint(errors(d), ==, 1);
    qtest_writel(d->qts, d->aperture + 0xffe, WSLOT_F1);
    g_assert_cmpuint(errors(d), ==, 2);
    /* Select page: only an aligned 4-byte write at 0. */
    qtest_writew(d->qts, d->aperture, WSLOT_F1);
    g_assert_cmpuint(errors(d), ==, 3);
    g_assert_cmphex(qtest_readl(d->qts, d->aperture + 0x1000), ==,
                    VPCI_TESTFN_VENDOR_ID | VPCI_TESTFN_DEVICE_ID << 16);
    g_assert_cmphex(cfg_readl(d, WSLOT_F1, VPCI_TESTFN_CFG_SIG_BASE), ==,
                    VPCI_TESTFN_SIG(1, VPCI_TESTFN_CFG_SIG_BASE));
    drv_stop(d);
}

static void test_window_bad_slot(void)
{
    Drv *d = drv_start(NULL);

    bring_up(d);
    g_assert_cmphex(cfg_readl(d, 0x100 | WSLOT_F0, 0), ==, 0xffffffff);
    g_assert_cmpuint(errors(d), ==, 1);
    /* Writes to a bad slot go nowhere. */
    cfg_writel(d, 0x100 | WSLOT_F0, VPCI_TESTFN_CFG_SCRATCH_BASE, 1);
    g_assert_cmphex(cfg_readl(d, WSLOT_F0, VPCI_TESTFN_CFG_SCRATCH_BASE), ==,
                    0);
    g_assert_cmphex(cfg_readl(d, WSLOT_F0, 0), ==,
                    VPCI_TESTFN_VENDOR_ID | VPCI_TESTFN_DEVICE_ID << 16);
    drv_stop(d);
}

/* ---------------------------------------------------------------- hostile */

/*
 * Re-entrancy (issue 9).  A guest can aim a child's MSI at hv-vpci's own
 * registers or window and make it fire from inside device code: a pending
 * vector unmasked through the window.  The interesting paths need a vCPU
 * (the WC model drains from its timer and from the vCPU's ordering guard),
 * so these tests run TCG with the vcpu-prog firmware.
 */

#define FLAG_ADDR       0x20000     /* RAM the vCPU programs write */
#define HP_WSLOT        HV_VPCI_WSLOT(2, 0)
#define HP_BAR_OFF      0x200000    /* hot-added function's BAR 0 */

static Drv *drv_start_vcpu(const char *extra, char **bios)
{
    g_autofree char *args = NULL;

    *bios = vcpu_prog_bios();
    args = g_strdup_printf(VCPU_PROG_ARGS "%s", *bios, extra ? extra : "");
    return drv_start(args);
}

static void drv_stop_vcpu(Drv *d, char *bios)
{
    drv_stop(d);
    unlink(bios);
    g_free(bios);
}

static void vm_cont(Drv *d)
{
    qtest_qmp_assert_success(d->qts, "{ 'execute': 'cont' }");
}

/* Wait (bounded) until the vCPUs wrote @val at @addr. */
static void wait_ram(Drv *d, uint64_t addr, uint32_t val)
{
    gint64 end = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;

    while (qtest_readl(d->qts, addr) != val) {
        g_assert_cmpint(g_get_monotonic_time(), <, end);
        g_usleep(1000);
    }
}

/* Wait (bounded) until ERRORS reaches @n. */
static void wait_errors(Drv *d, uint32_t n)
{
    gint64 end = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;

    while (errors(d) < n) {
        g_assert_cmpint(g_get_monotonic_time(), <, end);
        g_usleep(1000);
    }
}

/*
 * Give function @wslot a BAR at aperture + @bar_off, MSI with 2 vectors
 * aimed at @address, both masked and both pending.
 */
static void msi_pending_at(Drv *d, uint32_t wslot, uint32_t bar_off,
                           uint64_t address, uint16_t data)
{
    cfg_writel(d, wslot, PCI_BASE_ADDRESS_0, d->aperture + bar_off);
    cfg_writew(d, wslot, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    cfg_writel(d, wslot, TESTFN_MSI_CAP + PCI_MSI_ADDRESS_LO, address);
    cfg_writel(d, wslot, TESTFN_MSI_CAP + PCI_MSI_ADDRESS_HI, address >> 32);
    cfg_writew(d, wslot, TESTFN_MSI_CAP + PCI_MSI_DATA_64, data);
    cfg_writel(d, wslot, TESTFN_MSI_CAP + PCI_MSI_MASK_64, 0x3);
    cfg_writew(d, wslot, TESTFN_MSI_CAP + PCI_MSI_FLAGS,
               PCI_MSI_FLAGS_ENABLE | 1 << 4);      /* 2 vectors */
    qtest_writel(d->qts, d->aperture + bar_off + VPCI_TESTFN_REG_DOORBELL, 0);
    qtest_writel(d->qts, d->aperture + bar_off + VPCI_TESTFN_REG_DOORBELL, 1);
    g_assert_cmphex(cfg_readl(d, wslot, TESTFN_MSI_CAP + PCI_MSI_PENDING_64),
                    ==, 0x3);
}

/*
 * Finding 1: an eject is pending, the function's two pending MSIs point at
 * hv-vpci's DOORBELL, an EJECTION_COMPLETE waits unrung in the ring; the
 * vCPU unmasks through the window and halts, and the WC delay timer
 * drains the store.  Before the fix the nested doorbell unplugged the
 * function from inside its own msi_write_config (use-after-free).  Now
 * the MSIs are refused as DMA to hv-vpci's own BAR, and the eject
 * completes at the guest's next doorbell.
 */
static void test_reentry_unmask_to_doorbell(void)
{
    char *bios;
    Drv *d = drv_start_vcpu("-global hv-vpci.wc=on", &bios);
    const struct hv_vpci_child_msg *ej = (void *)d->inband;
    struct hv_vpci_ejection_complete done = {
        .type = HV_VPCI_EJECTION_COMPLETE, .wslot = HP_WSLOT,
    };
    uint32_t e;

    bring_up(d);
    qtest_qmp_device_add(d->qts, "vpci-testfn", "hp0",
                         "{'bus': 'vpci0', 'addr': '2.0'}");
    drain(d, 0, NULL, NULL);
    msi_pending_at(d, HP_WSLOT, HP_BAR_OFF,
                   d->regs.addr + HV_VPCI_REG_DOORBELL, 0);
    qtest_qmp_device_del_send(d->qts, "hp0");
    drain(d, 0, NULL, NULL);
    g_assert_cmphex(ej->type, ==, HV_VPCI_EJECT);
    post(d, &done, sizeof(done), 0);                /* not rung */
    e = errors(d);

    vcpu_prog_cmd(d->qts, 0, VCPU_OP_STORE32,
                  d->aperture + HV_VPCI_CFG_SELECT_OFFSET, HP_WSLOT);
    vcpu_prog_cmd(d->qts, 1, VCPU_OP_STORE32,
                  d->aperture + HV_VPCI_CFG_PAGE_OFFSET + TESTFN_MSI_CAP +
                  PCI_MSI_MASK_64, 0);
    vcpu_prog_cmd(d->qts, 2, VCPU_OP_STORE32, FLAG_ADDR, 1);
    vcpu_prog_cmd(d->qts, 3, VCPU_OP_HALT, 0, 0);
    vm_cont(d);
    wait_ram(d, FLAG_ADDR, 1);
    wait_errors(d, e + 2);          /* both vectors refused */
    g_assert_cmpuint(errors(d), ==, e + 2);
    g_assert_cmphex(cfg_readl(d, HP_WSLOT, TESTFN_MSI_CAP +
                              PCI_MSI_PENDING_64), ==, 0);

    /* The guest rings: the eject completes, the function goes. */
    doorbell(d);
    qtest_qmp_eventwait(d->qts, "DEVICE_DELETED");
    g_assert_cmphex(cfg_readl(d, HP_WSLOT, 0), ==, 0xffffffff);
    assert_still_works(d);
    drv_stop_vcpu(d, bios);
}

/*
 * Finding 2: the pending MSI points at the window's select page and the
 * unmask drains at an MFENCE, through the vCPU's ordering guard.  Before
 * the fix the MSI re-entered the WC model mid-drain and left a buffer
 * with a line and no stores: the vCPU's next RAM store dereferenced NULL.
 * Now it is refused, the window keeps its slot and the vCPU runs on.
 */
static void test_reentry_unmask_to_window(void)
{
    char *bios;
    Drv *d = drv_start_vcpu("-global hv-vpci.wc=on", &bios);
    uint32_t e;

    bring_up(d);
    msi_pending_at(d, WSLOT_F0, TESTFN_BAR_OFF,
                   d->aperture + HV_VPCI_CFG_SELECT_OFFSET, WSLOT_F1);
    e = errors(d);
    vcpu_prog_cmd(d->qts, 0, VCPU_OP_STORE32,
                  d->aperture + HV_VPCI_CFG_SELECT_OFFSET, WSLOT_F0);
    vcpu_prog_cmd(d->qts, 1, VCPU_OP_STORE32,
                  d->aperture + HV_VPCI_CFG_PAGE_OFFSET + TESTFN_MSI_CAP +
                  PCI_MSI_MASK_64, 0);
    vcpu_prog_cmd(d->qts, 2, VCPU_OP_MFENCE, 0, 0);
    vcpu_prog_cmd(d->qts, 3, VCPU_OP_STORE32, FLAG_ADDR, 1);
    vcpu_prog_cmd(d->qts, 4, VCPU_OP_LOAD32,
                  d->aperture + HV_VPCI_CFG_PAGE_OFFSET +
                  VPCI_TESTFN_CFG_SIG_BASE, 0);
    vcpu_prog_cmd(d->qts, 5, VCPU_OP_STORE32, FLAG_ADDR, 2);
    vcpu_prog_cmd(d->qts, 6, VCPU_OP_HALT, 0, 0);
    vm_cont(d);
    wait_ram(d, FLAG_ADDR, 2);
    /* Still function 0 selected: the MSIs' "select F1" never landed. */
    g_assert_cmphex(vcpu_prog_result(d->qts, 4), ==,
                    VPCI_TESTFN_SIG(0, VPCI_TESTFN_CFG_SIG_BASE));
    wait_errors(d, e + 2);
    g_assert_cmpuint(errors(d), ==, e + 2);
    assert_still_works(d);
    drv_stop_vcpu(d, bios);
}

/*
 * Finding 3: a vector pending while masked, unmasked through the window
 * (from the MMIO handler, so QEMU's guard is engaged): it is delivered
 * through the remap table, not dropped as re-entrant I/O.
 */
static void unmask_delivers(const char *extra)
{
    Drv *d = drv_start(extra);
    struct hv_vpci_tran_int_desc t;

    bring_up(d);
    g_assert_cmphex(create_irq(d, WSLOT_F0, 0x44, 0, &t), ==, 0);
    testfn_program_msi(d, &t);
    cfg_writel(d, WSLOT_F0, TESTFN_MSI_CAP + PCI_MSI_MASK_64, 1);
    testfn_ring(d, 0);
    g_assert_cmpint(qom_get_int(d, "msi-remapped"), ==, 0);
    g_assert_cmphex(cfg_readl(d, WSLOT_F0, TESTFN_MSI_CAP +
                              PCI_MSI_PENDING_64), ==, 1);
    cfg_writel(d, WSLOT_F0, TESTFN_MSI_CAP + PCI_MSI_MASK_64, 0);
    g_assert_cmphex(cfg_readl(d, WSLOT_F0, TESTFN_MSI_CAP +
                              PCI_MSI_PENDING_64), ==, 0);
    g_assert_cmpint(qom_get_int(d, "msi-remapped"), ==, 1);
    g_assert_cmphex(qom_get_int(d, "last-msi-data"), ==, 0x44);
    g_assert_cmpuint(errors(d), ==, 0);
    drv_stop(d);
}

static void test_reentry_unmask_delivers(void)
{
    unmask_delivers(NULL);
    unmask_delivers("-global hv-vpci.wc=on");
}

/*
 * Finding 4: rings must be RAM (one over hv-vpci's own registers let
 * device_del ring the doorbell from inside the unplug request), and a
 * doorbell that arrives by DMA (a child's MSI) is refused.
 */
static void test_rings_must_be_ram(void)
{
    Drv *d = drv_start(NULL);
    struct hv_vpci_msg q = { .type = HV_VPCI_QUERY_BUS_RELATIONS };
    uint32_t e;

    reg_write(d, HV_VPCI_REG_CTRL, 0);
    reg_write(d, HV_VPCI_REG_HG_RING_LO, d->regs.addr);
    reg_write(d, HV_VPCI_REG_CTRL, HV_VPCI_CTRL_ENABLE);
    g_assert_cmphex(reg_read(d, HV_VPCI_REG_STATUS), ==, 0);
    g_assert_cmpuint(errors(d), ==, 1);
    channel_enable(d);
    bring_up(d);

    /* A packet posted, and a child's MSI aimed at the doorbell. */
    msi_pending_at(d, WSLOT_F0, TESTFN_BAR_OFF,
                   d->regs.addr + HV_VPCI_REG_DOORBELL, 0);
    post(d, &q, sizeof(q), 0);
    e = errors(d);
    cfg_writel(d, WSLOT_F0, TESTFN_MSI_CAP + PCI_MSI_MASK_64, 0);
    g_assert_cmpuint(errors(d), ==, e + 2);
    g_assert_cmpuint(qtest_readl(d->qts, GH_RING + 4), !=, d->gh_w);
    d->inband_count = 0;
    doorbell(d);                    /* the guest's own doorbell works */
    g_assert_cmpuint(qtest_readl(d->qts, GH_RING + 4), ==, d->gh_w);
    drain(d, 0, NULL, NULL);
    g_assert_cmpuint(d->inband_count, ==, 1);
    drv_stop(d);
}

/* A file of QEMU's own under /proc. */
static char *qemu_proc_path(Drv *d, const char *name)
{
    return g_strdup_printf("/proc/%d/%s", (int)qtest_pid(d->qts), name);
}

/* QEMU's peak resident memory in KiB since the last peak_rss_reset(). */
static uint64_t peak_rss_kib(Drv *d)
{
    g_autofree char *path = qemu_proc_path(d, "status");
    g_autofree char *text = NULL;
    const char *hwm;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    hwm = strstr(text, "VmHWM:");
    g_assert_nonnull(hwm);
    return g_ascii_strtoull(hwm + strlen("VmHWM:"), NULL, 10);
}

static void peak_rss_reset(Drv *d)
{
    g_autofree char *path = qemu_proc_path(d, "clear_refs");
    FILE *f = fopen(path, "w");

    /* g_file_set_contents() would replace the file: write it in place */
    g_assert_nonnull(f);
    g_assert_cmpint(fputs("5", f), >=, 0);
    g_assert_cmpint(fclose(f), ==, 0);
}

/*
 * A ring full of D0 entries that move the window back and forth: each
 * move re-renders every address space, and the old FlatViews are freed
 * only after the doorbell returns (RCU's callbacks need the BQL).  One
 * memory transaction per doorbell keeps that to one rendering.  The likely
 * cause of the fuzzer's out-of-memory finding (docs/robustness.md).
 */
static void test_ring_d0_storm(void)
{
    Drv *d = drv_start(NULL);
    /* as many as fit (the writer keeps 8 bytes free), an even number */
    unsigned n = (RING_DATA - 8) /
                 (16 + sizeof(struct hv_vpci_d0_entry)) & ~1u;
    uint64_t before, after;

    bring_up(d);
    for (unsigned i = 0; i < n; i++) {
        struct hv_vpci_d0_entry m = {
            .type = HV_VPCI_BUS_D0ENTRY,
            .mmio_base = d->aperture + (i % 2 ? 0 : HV_VPCI_CFG_WINDOW_SIZE),
        };

        post(d, &m, sizeof(m), 0);
    }
    peak_rss_reset(d);
    before = peak_rss_kib(d);
    doorbell(d);
    after = peak_rss_kib(d);
    g_test_message("%u D0 entries in one doorbell: peak RSS %" PRIu64
                   " -> %" PRIu64 " KiB", n, before, after);
    g_assert_cmpuint(qtest_readl(d->qts, GH_RING + 4), ==, d->gh_w);
    /* the last one left the window at the aperture's start */
    g_assert_cmphex(cfg_readl(d, WSLOT_F0, 0), ==,
                    VPCI_TESTFN_VENDOR_ID | VPCI_TESTFN_DEVICE_ID << 16);
    g_assert_cmpuint(errors(d), ==, 0);
    g_assert_cmpuint(after - before, <, 16 * 1024);
    drv_stop(d);
}

/* An EJECT that cannot be posted leaves nothing pending: retry works. */
static void test_eject_not_posted(void)
{
    Drv *d = drv_start(NULL);
    const struct hv_vpci_child_msg *ej = (void *)d->inband;
    QDict *rsp;
    uint32_t w;

    bring_up(d);
    qtest_qmp_device_add(d->qts, "vpci-testfn", "hp0",
                         "{'bus': 'vpci0', 'addr': '2.0'}");
    drain(d, 0, NULL, NULL);
    /* Host->guest ring full: read index just past the write index. */
    w = qtest_readl(d->qts, HG_RING);
    qtest_writel(d->qts, HG_RING + 4, (w + 8) % RING_DATA);
    rsp = qtest_qmp(d->qts, "{ 'execute': 'device_del', "
                    "'arguments': { 'id': 'hp0' } }");
    g_assert_true(qdict_haskey(rsp, "error"));
    qobject_unref(rsp);
    qtest_writel(d->qts, HG_RING + 4, w);
    d->inband_count = 0;
    qtest_qmp_device_del_send(d->qts, "hp0");
    drain(d, 0, NULL, NULL);
    g_assert_cmpuint(d->inband_count, ==, 1);
    g_assert_cmphex(ej->type, ==, HV_VPCI_EJECT);
    drv_stop(d);
}

/* A channel reset with an eject pending completes it. */
static void test_eject_on_channel_reset(void)
{
    Drv *d = drv_start(NULL);

    bring_up(d);
    qtest_qmp_device_add(d->qts, "vpci-testfn", "hp0",
                         "{'bus': 'vpci0', 'addr': '2.0'}");
    drain(d, 0, NULL, NULL);
    qtest_qmp_device_del_send(d->qts, "hp0");
    drain(d, 0, NULL, NULL);
    reg_write(d, HV_VPCI_REG_CTRL, 0);
    qtest_qmp_eventwait(d->qts, "DEVICE_DELETED");
    channel_enable(d);
    bring_up(d);
    g_assert_cmphex(cfg_readl(d, HP_WSLOT, 0), ==, 0xffffffff);
    drv_stop(d);
}

/* Config cycles are dwords: an access across one is refused. */
static void test_window_cross_dword(void)
{
    Drv *d = drv_start(NULL);

    bring_up(d);
    cfg_select(d, WSLOT_F0);
    g_assert_cmphex(qtest_readw(d->qts, d->aperture +
                                HV_VPCI_CFG_PAGE_OFFSET + 3), ==, 0xffff);
    g_assert_cmpuint(errors(d), ==, 1);
    g_assert_cmphex(qtest_readw(d->qts, d->aperture +
                                HV_VPCI_CFG_PAGE_OFFSET + 2), ==,
                    VPCI_TESTFN_DEVICE_ID);
    g_assert_cmpuint(errors(d), ==, 1);
    drv_stop(d);
}

/* CREATE_INTERRUPT: a vector (block) past 0xff is invalid. */
static void test_irq_vector_range(void)
{
    Drv *d = drv_start(NULL);
    struct hv_vpci_create_interrupt3 m = {
        .type = HV_VPCI_CREATE_INTERRUPT_MESSAGE3, .wslot = WSLOT_F0,
        .int_desc = { .vector = 0x100, .vector_count = 1,
                      .processor_count = 1, .processor_array = { 0 } },
    };

    bring_up(d);
    g_assert_cmphex(request(d, &m, sizeof(m)), ==,
                    HV_VPCI_STATUS_INVALID_PARAMETER);
    m.int_desc.vector = 0xfe;
    m.int_desc.vector_count = 4;
    g_assert_cmphex(request(d, &m, sizeof(m)), ==,
                    HV_VPCI_STATUS_INVALID_PARAMETER);
    m.int_desc.vector = 0xfc;
    g_assert_cmphex(request(d, &m, sizeof(m)), ==, 0);
    g_assert_cmpuint(errors(d), ==, 2);
    drv_stop(d);
}

/*
 * A hostile guest, seeded: thousands of random guest-facing operations
 * (registers, ring contents, window and aperture accesses of any size and
 * offset, child MSIs aimed anywhere, protocol messages with random fields,
 * hotplug in between).  QEMU must survive every one, and a fresh channel
 * must bring the bus up again afterwards.  The seed is printed: a failure
 * replays with the same sequence.
 */
static uint64_t hostile_address(Drv *d, GRand *r)
{
    switch (g_rand_int_range(r, 0, 6)) {
    case 0:
        return d->regs.addr + 4 * g_rand_int_range(r, 0, HV_VPCI_REG_SIZE / 4);
    case 1:
        return d->aperture + g_rand_int_range(r, 0, 0x3000);
    case 2:
        return 0xfee00000 + 4 * g_rand_int_range(r, 0, 0x40);
    case 3:
        return GH_RING + g_rand_int_range(r, 0, RING_SIZE);
    case 4:
        return d->aperture + TESTFN_BAR_OFF + 4 * g_rand_int_range(r, 0, 0x40);
    default:
        /*
         * Any RAM above the vcpu-prog area and the flags.  Not the chipset,
         * the IOAPIC or the HPET: a DMA that programs an IOAPIC pin to NMI
         * only resets the firmware under the test, which says nothing about
         * hv-vpci.
         */
        return g_rand_int_range(r, FLAG_ADDR + 0x20000, 0x08000000);
    }
}

static void hostile_message(Drv *d, GRand *r)
{
    static const uint32_t types[] = {
        HV_VPCI_QUERY_PROTOCOL_VERSION, HV_VPCI_QUERY_BUS_RELATIONS,
        HV_VPCI_BUS_D0ENTRY, HV_VPCI_BUS_D0EXIT,
        HV_VPCI_QUERY_RESOURCE_REQUIREMENTS, HV_VPCI_RESOURCES_ASSIGNED,
        HV_VPCI_RESOURCES_RELEASED, HV_VPCI_CREATE_INTERRUPT_MESSAGE,
        HV_VPCI_CREATE_INTERRUPT_MESSAGE2, HV_VPCI_CREATE_INTERRUPT_MESSAGE3,
        HV_VPCI_DELETE_INTERRUPT_MESSAGE, HV_VPCI_X_RETARGET_INTERRUPT,
        HV_VPCI_EJECTION_COMPLETE,
    };
    uint32_t msg[64];
    uint32_t len = 4 * g_rand_int_range(r, 1, G_N_ELEMENTS(msg) + 1);

    for (unsigned i = 0; i < G_N_ELEMENTS(msg); i++) {
        msg[i] = g_rand_boolean(r) ? g_rand_int(r) : g_rand_int_range(r, 0, 8);
    }
    msg[0] = g_rand_int_range(r, 0, 8) ? types[g_rand_int_range(r, 0,
                                         G_N_ELEMENTS(types))] : g_rand_int(r);
    if (g_rand_boolean(r)) {
        msg[1] = g_rand_boolean(r) ? WSLOT_F0 : WSLOT_F1;
    }
    if (g_rand_int_range(r, 0, 4) == 0) {
        /* a raw descriptor: any type, offset and length */
        uint64_t desc[2] = { g_rand_int(r) | (uint64_t)g_rand_int(r) << 32,
                             g_rand_int(r) };

        post_raw(d, desc, 16);
    } else {
        post(d, msg, len, g_rand_boolean(r) ?
             HV_VPCI_PKT_FLAG_COMPLETION_REQUESTED : 0);
    }
    doorbell(d);
    /* consume what the host sent, as a driver would (if the ring is sane) */
    if (reg_read(d, HV_VPCI_REG_STATUS) == HV_VPCI_STATUS_ENABLED) {
        d->hg_r = qtest_readl(d->qts, HG_RING);
        qtest_writel(d->qts, HG_RING + 4, d->hg_r);
    }
}

static void hostile_step(Drv *d, GRand *r)
{
    unsigned size = 1u << g_rand_int_range(r, 0, 3);
    uint64_t addr;

    switch (g_rand_int_range(r, 0, 10)) {
    case 0:         /* registers */
        reg_write(d, 4 * g_rand_int_range(r, 0, HV_VPCI_REG_SIZE / 4),
                  g_rand_boolean(r) ? g_rand_int(r) :
                  g_rand_int_range(r, 0, 4));
        break;
    case 1:         /* channel re-enabled, possibly over the device itself */
        if (g_rand_int_range(r, 0, 4) == 0) {
            reg_write(d, HV_VPCI_REG_CTRL, 0);
            reg_write(d, HV_VPCI_REG_HG_RING_LO,
                      hostile_address(d, r) & ~0xfffu);
            reg_write(d, HV_VPCI_REG_CTRL, HV_VPCI_CTRL_ENABLE);
        }
        channel_enable(d);
        if (g_rand_boolean(r)) {
            bring_up(d);
        }
        break;
    case 2: case 3: /* protocol messages */
        hostile_message(d, r);
        break;
    case 4: case 5: /* the window: any offset, size, value */
        addr = d->aperture + g_rand_int_range(r, 0, HV_VPCI_CFG_WINDOW_SIZE);
        if (g_rand_boolean(r)) {
            qtest_writel(d->qts, d->aperture + HV_VPCI_CFG_SELECT_OFFSET,
                         g_rand_boolean(r) ? g_rand_int(r) :
                         HV_VPCI_WSLOT(g_rand_int_range(r, 0, 3),
                                       g_rand_int_range(r, 0, 2)));
        } else if (g_rand_boolean(r)) {
            size == 1 ? qtest_writeb(d->qts, addr, g_rand_int(r)) :
            size == 2 ? qtest_writew(d->qts, addr, g_rand_int(r)) :
                        qtest_writel(d->qts, addr, g_rand_int(r));
        } else {
            size == 1 ? qtest_readb(d->qts, addr) :
            size == 2 ? qtest_readw(d->qts, addr) : qtest_readl(d->qts, addr);
        }
        break;
    case 6:         /* a child's MSI aimed anywhere, then unmasked or rung */
        addr = hostile_address(d, r);
        cfg_writel(d, WSLOT_F0, PCI_BASE_ADDRESS_0,
                   d->aperture + TESTFN_BAR_OFF);
        cfg_writew(d, WSLOT_F0, PCI_COMMAND,
                   PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
        cfg_writel(d, WSLOT_F0, TESTFN_MSI_CAP + PCI_MSI_ADDRESS_LO, addr);
        cfg_writew(d, WSLOT_F0, TESTFN_MSI_CAP + PCI_MSI_DATA_64,
                   g_rand_int(r));
        cfg_writel(d, WSLOT_F0, TESTFN_MSI_CAP + PCI_MSI_MASK_64,
                   g_rand_int_range(r, 0, 16));
        cfg_writew(d, WSLOT_F0, TESTFN_MSI_CAP + PCI_MSI_FLAGS,
                   PCI_MSI_FLAGS_ENABLE | g_rand_int_range(r, 0, 3) << 4);
        testfn_ring(d, g_rand_int_range(r, 0, 5));
        cfg_writel(d, WSLOT_F0, TESTFN_MSI_CAP + PCI_MSI_MASK_64, 0);
        break;
    case 7:         /* the aperture outside the window, and stray MMIO */
        addr = hostile_address(d, r);
        if (addr >= 0xfee00000) {
            /* qtest's own write there is a raw MSI to the CPU (any mode) */
            addr = d->aperture + 0x2000;
        }
        g_rand_boolean(r) ? qtest_writel(d->qts, addr & ~3ull, g_rand_int(r)) :
                            (void)qtest_readl(d->qts, addr & ~3ull);
        break;
    case 8:         /* hotplug in between */
        if (g_rand_boolean(r)) {
            qobject_unref(qtest_qmp(d->qts, "{ 'execute': 'device_add', "
                                    "'arguments': { 'driver': 'vpci-testfn', "
                                    "'id': 'hp0', 'bus': 'vpci0', "
                                    "'addr': '2.0' } }"));
        } else {
            qobject_unref(qtest_qmp(d->qts, "{ 'execute': 'device_del', "
                                    "'arguments': { 'id': 'hp0' } }"));
        }
        break;
    default:        /* the ring's own header */
        qtest_writel(d->qts, (g_rand_boolean(r) ? GH_RING : HG_RING) +
                     4 * g_rand_int_range(r, 0, 3),
                     8 * g_rand_int_range(r, 0, RING_DATA / 8 + 2));
        break;
    }
}

/*
 * The same from a vCPU, so the WC model buffers and drains (timer,
 * fences, the ordering guard) while child MSIs fire at random places:
 * rounds of random window, register and testfn stores, loads and fences,
 * each round ended by a flag, the vCPU then waiting for the next.
 */
#define HOSTILE_GO      (FLAG_ADDR + 4)
#define HOSTILE_CMDS    120

static void hostile_vcpu_round(Drv *d, GRand *r, unsigned round)
{
    static const uint32_t ops[] = {
        VCPU_OP_STORE32, VCPU_OP_STORE16, VCPU_OP_STORE8, VCPU_OP_LOAD32,
        VCPU_OP_MFENCE, VCPU_OP_SFENCE, VCPU_OP_STORE32,
    };
    unsigned i;

    for (i = 0; i < HOSTILE_CMDS; i++) {
        uint32_t op = ops[g_rand_int_range(r, 0, G_N_ELEMENTS(ops))];
        uint64_t addr = g_rand_int_range(r, 0, 3) ?
                        d->aperture + g_rand_int_range(r, 0, 0x2000) :
                        hostile_address(d, r);

        /*
         * RAM (but the program's own), hv-vpci's BARs and the children's:
         * not the chipset, the IOAPIC or the local APIC, whose programming
         * would only reset or interrupt this firmware.
         */
        if (addr == HOSTILE_GO || addr == FLAG_ADDR ||
            (addr >= VCPU_PROG_LIST && addr < VCPU_PROG_END) ||
            (addr >= 0x08000000 &&
             !(addr >= d->regs.addr &&
               addr < d->regs.addr + HV_VPCI_REG_SIZE) &&
             !(addr >= d->aperture && addr < d->aperture + 0x4000000))) {
            addr = d->aperture + HV_VPCI_CFG_SELECT_OFFSET;
        }
        vcpu_prog_cmd(d->qts, i, op, addr,
                      g_rand_boolean(r) ? g_rand_int(r) :
                      HV_VPCI_WSLOT(1, g_rand_int_range(r, 0, 2)));
    }
    vcpu_prog_cmd(d->qts, i++, VCPU_OP_STORE32, FLAG_ADDR, round);
    vcpu_prog_cmd(d->qts, i++, VCPU_OP_WAIT32, HOSTILE_GO, round + 1);
    vcpu_prog_cmd(d->qts, i, VCPU_OP_JUMP, VCPU_PROG_LIST, 0);
    qtest_writel(d->qts, HOSTILE_GO, round);
    wait_ram(d, FLAG_ADDR, round);
}

/*
 * A guest that makes mistakes forever must not grow qemu.log forever: the
 * first 1000 guest errors are logged, then one in 10000; the ERRORS
 * register still counts every one.
 */
static void test_log_bounded(void)
{
    g_autofree char *log = NULL, *text = NULL;
    g_auto(GStrv) lines = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *extra = NULL;
    unsigned logged = 0, before, after;
    const unsigned n = 21000;
    int fd = g_file_open_tmp("hv-vpci-log-XXXXXX", &log, &err);
    Drv *d;

    g_assert_no_error(err);
    close(fd);
    extra = g_strdup_printf("-d guest_errors -D %s", log);
    d = drv_start(extra);
    before = reg_read(d, HV_VPCI_REG_ERRORS);
    for (unsigned i = 0; i < n; i++) {
        reg_read(d, 0x100);     /* an unknown register: a guest error */
    }
    after = reg_read(d, HV_VPCI_REG_ERRORS);
    drv_stop(d);

    g_assert_true(g_file_get_contents(log, &text, NULL, &err));
    g_assert_no_error(err);
    unlink(log);
    lines = g_strsplit(text, "\n", -1);
    for (unsigned i = 0; lines[i]; i++) {
        logged += g_str_has_prefix(lines[i], "hv-vpci: ");
    }
    g_test_message("%u guest errors counted, %u logged", after - before,
                   logged);
    g_assert_cmpuint(after - before, ==, n);
    /* 1000 in full (the set-up's own, if any, among them), then 1 in 10000 */
    g_assert_cmpuint(logged, >=, 1000);
    g_assert_cmpuint(logged, <=, 1000 + after / 10000);
    g_assert_nonnull(strstr(text, "(further errors: one in 10000 is logged)"));
}

/* Where kind @k stores: 16 bytes each, after FLAG_ADDR. */
#define KIND_RAM(k)     (FLAG_ADDR + 0x10 * ((k) + 1))

/*
 * Patch 0014: the ordering guard sees every kind of store the vCPU makes.
 * For each kind the vCPU buffers a select through the window, then stores
 * to RAM with no fence in between; then a fence and a window load empty
 * the buffer.  Each store must be reported once, as a RAM store passing
 * the select, at its own instruction.  Before the patch the 128-bit SSE,
 * x87 and MOVBE stores were not.  The MOV in the same block as the window
 * store is reported because TCG runs every MMIO access as the last
 * instruction of its block (cpu_io_recompile()), so arming the guard takes
 * effect at the very next instruction; this keeps it so.  A locked
 * instruction's store is not reported: it drains the buffer instead (with
 * one vCPU TCG expands it into a plain load and store, which must not
 * call the guard).
 */
static void test_guard_store_kinds(void)
{
    static const struct {
        const char *name;
        uint32_t op;
        unsigned at;            /* the RAM store, bytes into the op's code */
        bool reported;
        bool to_window;         /* the store goes to the window's config page */
        uint32_t readback;      /* what RAM holds afterwards; 0: not checked */
    } kinds[] = {
        { "mov, later block", VCPU_OP_STORE32, 0, true },
        { "mov, same block", VCPU_OP_STORE32_THEN_RAM, 2, true,
          .readback = WSLOT_F0 },
        { "sse", VCPU_OP_STORE_SSE, 4, true, .readback = 1 },
        { "x87", VCPU_OP_STORE_X87, 2, true, .readback = 1 },
        { "movbe", VCPU_OP_STORE_MOVBE, 0, true, .readback = 0x01000000 },
        { "lock add", VCPU_OP_LOCK_ADD, 0, false },
        { "xchg", VCPU_OP_XCHG, 0, false },
        { "window", VCPU_OP_STORE32, 0, false, true },
    };
    g_autofree char *log = NULL, *extra = NULL, *text = NULL;
    g_auto(GStrv) lines = NULL;
    char *bios;
    int fd = g_file_open_tmp("hv-vpci-hazards-XXXXXX", &log, NULL);
    uint32_t to[G_N_ELEMENTS(kinds)];   /* each kind's store address */
    unsigned i = 0, wrong = 0, want = 0, ram_lines = 0;
    Drv *d;

    g_assert(fd >= 0);
    close(fd);
    extra = g_strdup_printf("-cpu max -global hv-vpci.wc=on "
                            "-global hv-vpci.hazard-log=%s", log);
    d = drv_start_vcpu(extra, &bios);
    bring_up(d);
    for (unsigned k = 0; k < G_N_ELEMENTS(kinds); k++) {
        uint32_t sel = d->aperture + HV_VPCI_CFG_SELECT_OFFSET;

        if (kinds[k].op == VCPU_OP_STORE32_THEN_RAM) {
            to[k] = VCPU_PROG_SCRATCH;
            vcpu_prog_cmd(d->qts, i++, kinds[k].op, sel, WSLOT_F0);
        } else {
            to[k] = kinds[k].to_window ? d->aperture + HV_VPCI_CFG_PAGE_OFFSET +
                    VPCI_TESTFN_CFG_SCRATCH_BASE : KIND_RAM(k);
            vcpu_prog_cmd(d->qts, i++, VCPU_OP_STORE32, sel, WSLOT_F0);
            vcpu_prog_cmd(d->qts, i++, kinds[k].op, to[k], 1);
        }
        vcpu_prog_cmd(d->qts, i++, VCPU_OP_MFENCE, 0, 0);
        vcpu_prog_cmd(d->qts, i++, VCPU_OP_LOAD32,
                      d->aperture + HV_VPCI_CFG_PAGE_OFFSET, 0);
    }
    vcpu_prog_cmd(d->qts, i++, VCPU_OP_STORE32, FLAG_ADDR, 1);
    vcpu_prog_cmd(d->qts, i++, VCPU_OP_HALT, 0, 0);
    vm_cont(d);
    wait_ram(d, FLAG_ADDR, 1);
    for (unsigned k = 0; k < G_N_ELEMENTS(kinds); k++) {
        if (kinds[k].readback) {
            g_assert_cmphex(qtest_readl(d->qts, to[k]), ==, kinds[k].readback);
        }
    }

    g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
    lines = g_strsplit(text, "\n", -1);
    for (unsigned k = 0; k < G_N_ELEMENTS(kinds); k++) {
        g_autofree char *pc = g_strdup_printf(
            "\"offset\": %u, \"size\": 0, \"pc\": \"0x%x\"", to[k],
            vcpu_prog_pc(kinds[k].op, kinds[k].at));
        bool seen = false;

        for (unsigned l = 0; lines[l]; l++) {
            seen |= strstr(lines[l], pc) &&
                    strstr(lines[l], "\"kind\": \"ram-store-passes-store\"");
        }
        g_test_message("%s store: %sreported%s", kinds[k].name,
                       seen ? "" : "not ",
                       seen == kinds[k].reported ? "" : " (WRONG)");
        wrong += seen != kinds[k].reported;
        want += kinds[k].reported;
    }
    g_assert_cmpuint(wrong, ==, 0);
    for (unsigned l = 0; lines[l]; l++) {
        ram_lines += !!strstr(lines[l], "\"kind\": \"ram-store-passes-store\"");
    }
    g_assert_cmpuint(ram_lines, ==, want);      /* no other store reported */
    drv_stop_vcpu(d, bios);
    unlink(log);
}

/*
 * Patch 0005's ordering guard has one slot per vCPU: a second hv-vpci with
 * wc=on is refused at realize, not left to take the first one's guard.
 */
static void test_wc_one_model(void)
{
    /* -monitor stdio and "quit": a QEMU that realized both exits 0 */
    const char *argv[] = {
        g_getenv("QTEST_QEMU_BINARY"), "-M", "q35", "-nodefaults",
        "-display", "none", "-S", "-monitor", "stdio",
        "-L", "/usr/share/seabios", "-L", "/usr/share/qemu",
        "-device", "hv-vpci,id=vpcia,addr=4.0,wc=on",
        "-device", "hv-vpci,id=vpcib,addr=5.0,wc=on", NULL
    };
    GString *err = g_string_new(NULL);
    QTestState *qts;
    GPid pid;
    int in, errfd, status;
    char buf[512];
    ssize_t n;

    g_assert_nonnull(argv[0]);
    g_assert_true(g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
                                           G_SPAWN_DO_NOT_REAP_CHILD |
                                           G_SPAWN_STDOUT_TO_DEV_NULL,
                                           NULL, NULL, &pid, &in, NULL,
                                           &errfd, NULL));
    /* EPIPE when QEMU refused and is gone already: that is the point */
    signal(SIGPIPE, SIG_IGN);
    if (write(in, "quit\n", 5) < 0) {
        g_assert_cmpint(errno, ==, EPIPE);
    }
    signal(SIGPIPE, SIG_DFL);
    close(in);
    while ((n = read(errfd, buf, sizeof(buf))) > 0) {
        g_string_append_len(err, buf, n);
    }
    close(errfd);
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_spawn_close_pid(pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), !=, 0);
    g_assert_nonnull(strstr(err->str, "only one hv-vpci per machine can "
                                      "have wc=on"));
    g_assert_nonnull(strstr(err->str, "vpcia has it"));
    g_string_free(err, TRUE);

    /* one model and one device without it: both realize */
    qts = qtest_init("-M q35 -nodefaults -L /usr/share/seabios "
                     "-L /usr/share/qemu "
                     "-device hv-vpci,id=vpcia,addr=4.0,wc=on "
                     "-device hv-vpci,id=vpcib,addr=5.0,wc=off");
    qtest_quit(qts);
}

static void test_hostile_random(void)
{
    static const guint32 seeds[] = { 1, 2, 3, 0x5651, 0xdeadbeef };
    char *bios = NULL;

    for (unsigned i = 0; i < G_N_ELEMENTS(seeds); i++) {
        g_autoptr(GRand) r = g_rand_new_with_seed(seeds[i]);
        /*
         * stale-msi=drop: a child MSI aimed at the APIC with random data
         * would otherwise deliver INIT, NMI or SMI to this firmware (which
         * has no IDT) and reset the machine under the test.
         */
        Drv *d = drv_start_vcpu("-global hv-vpci.wc=on "
                                "-global hv-vpci.stale-msi=drop", &bios);

        g_test_message("hostile: seed 0x%x, 3000 steps, then 20 vCPU rounds "
                       "of %u commands", seeds[i], HOSTILE_CMDS);
        /* Park the vCPU where every round ends: wait for GO, jump to 0. */
        qtest_writel(d->qts, HOSTILE_GO, 0);
        vcpu_prog_cmd(d->qts, 0, VCPU_OP_JUMP,
                      VCPU_PROG_LIST + 16 * (HOSTILE_CMDS + 1), 0);
        vcpu_prog_cmd(d->qts, HOSTILE_CMDS + 1, VCPU_OP_WAIT32,
                      HOSTILE_GO, 1);
        vcpu_prog_cmd(d->qts, HOSTILE_CMDS + 2, VCPU_OP_JUMP,
                      VCPU_PROG_LIST, 0);
        vm_cont(d);
        bring_up(d);
        for (unsigned n = 0; n < 3000; n++) {
            hostile_step(d, r);
        }
        for (unsigned round = 1; round <= 20; round++) {
            if (round % 5 == 1) {
                channel_enable(d);
                bring_up(d);
            }
            hostile_step(d, r);
            hostile_vcpu_round(d, r, round);
        }
        /* Alive, and a fresh channel brings the bus up again. */
        qtest_qmp_assert_success(d->qts, "{ 'execute': 'query-status' }");
        channel_enable(d);
        bring_up(d);
        g_assert_cmphex(cfg_readl(d, WSLOT_F1, VPCI_TESTFN_CFG_SIG_BASE), ==,
                        VPCI_TESTFN_SIG(1, VPCI_TESTFN_CFG_SIG_BASE));
        drv_stop_vcpu(d, bios);
    }
}

/* ---------------------------------------------------------------- migration */

/*
 * Wait for the MIGRATION event that ends a migration (the 'events'
 * capability is on) and return its status: "completed" or "failed".
 */
static char *migration_wait_end(QTestState *qts)
{
    for (;;) {
        QDict *ev = qtest_qmp_eventwait_ref(qts, "MIGRATION");
        const char *st = qdict_get_str(qdict_get_qdict(ev, "data"), "status");
        char *ret = g_strdup(st);

        qobject_unref(ev);
        if (!strcmp(ret, "completed") || !strcmp(ret, "failed")) {
            return ret;
        }
        g_free(ret);
    }
}

static void migration_events_on(QTestState *qts)
{
    qtest_qmp_assert_success(qts, "{ 'execute': 'migrate-set-capabilities', "
                             "'arguments': { 'capabilities': [ { "
                             "'capability': 'events', 'state': true } ] } }");
}

/* Save the whole machine (the VM stops) into @path. */
static void migrate_to_file(Drv *d, const char *path)
{
    g_autofree char *uri = g_strdup_printf("file:%s", path);
    g_autofree char *st = NULL;

    migration_events_on(d->qts);
    qtest_qmp_assert_success(d->qts, "{ 'execute': 'migrate', 'arguments': "
                             "{ 'uri': %s } }", uri);
    st = migration_wait_end(d->qts);
    g_assert_cmpstr(st, ==, "completed");
}

/*
 * Start the same machine (plus @extra) and load @path into it; the status
 * of the load is returned in @status.  A refused stream leaves QEMU
 * running (exit-on-error off), so the test can still ask it.
 */
static QTestState *migrate_from_file(const char *extra, const char *path,
                                     char **status)
{
    g_autofree char *uri = g_strdup_printf("file:%s", path);
    QTestState *qts = qtest_initf(DRV_MACHINE "-incoming defer %s",
                                  extra ? extra : "");

    migration_events_on(qts);
    qtest_qmp_assert_success(qts, "{ 'execute': 'migrate-incoming', "
                             "'arguments': { 'uri': %s, "
                             "'exit-on-error': false } }", uri);
    *status = migration_wait_end(qts);
    return qts;
}

/* A driver for the destination: same BARs, aperture and ring indices. */
static Drv *drv_adopt(const Drv *src, QTestState *qts)
{
    Drv *d = g_memdup2(src, sizeof(*src));

    d->qts = qts;
    d->pcibus = qpci_new_pc(qts, NULL);
    d->dev = qpci_device_find(d->pcibus, HV_VPCI_DEVFN);
    g_assert_nonnull(d->dev);
    return d;
}

static char *migration_file(void)
{
    char *path = NULL;
    int fd = g_file_open_tmp("hv-vpci-migrate-XXXXXX", &path, NULL);

    g_assert_cmpint(fd, >=, 0);
    close(fd);
    return path;
}

/*
 * A channel with a negotiated protocol, D0 and a mapped window moves to a
 * new QEMU: the ring indices, the version, the window and the children's
 * config space continue there.
 */
static void test_migrate_round_trip(void)
{
    g_autofree char *path = migration_file();
    g_autofree char *st = NULL;
    Drv *src = drv_start(NULL);
    Drv *dst;
    struct hv_vpci_msg q = { .type = HV_VPCI_QUERY_BUS_RELATIONS };
    const struct hv_vpci_bus_relations2 *r2;

    bring_up(src);
    cfg_writel(src, WSLOT_F1, VPCI_TESTFN_CFG_SCRATCH_BASE, 0xdeadbeef);
    migrate_to_file(src, path);
    dst = drv_adopt(src, migrate_from_file(NULL, path, &st));
    g_assert_cmpstr(st, ==, "completed");

    g_assert_cmphex(reg_read(dst, HV_VPCI_REG_STATUS), ==,
                    HV_VPCI_STATUS_ENABLED);
    g_assert_cmphex(cfg_readl(dst, WSLOT_F1, VPCI_TESTFN_CFG_SCRATCH_BASE),
                    ==, 0xdeadbeef);
    g_assert_cmphex(cfg_readl(dst, WSLOT_F0, VPCI_TESTFN_CFG_SIG_BASE), ==,
                    VPCI_TESTFN_SIG(0, VPCI_TESTFN_CFG_SIG_BASE));
    /* 1.4 survived: the relations come as v2 descriptors, on the ring */
    send_nocomp(dst, &q, sizeof(q));
    g_assert_cmpuint(dst->inband_count, ==, src->inband_count + 1);
    r2 = (const void *)dst->inband;
    g_assert_cmphex(r2->type, ==, HV_VPCI_BUS_RELATIONS2);
    g_assert_cmpuint(r2->device_count, ==, 2);
    g_assert_cmpuint(errors(dst), ==, 0);

    drv_stop(dst);
    drv_stop(src);
    unlink(path);
}

/* Offset of the only copy of @pat in @buf; asserts it is there once. */
static gsize find_once(const uint8_t *buf, gsize len, const uint8_t *pat,
                       gsize plen)
{
    const uint8_t *hit = memmem(buf, len, pat, plen);
    gsize off;

    g_assert_nonnull(hit);
    off = hit - buf;
    g_assert_null(memmem(hit + 1, len - off - 1, pat, plen));
    return off;
}

/* Load @stream with @len bytes: the status of the load, QEMU still alive. */
static char *load_stream(const char *path, const uint8_t *stream, gsize len)
{
    char *st;
    QTestState *qts;

    g_assert_true(g_file_set_contents(path, (const char *)stream, len, NULL));
    qts = migrate_from_file(NULL, path, &st);
    qtest_qmp_assert_success(qts, "{ 'execute': 'query-status' }");
    qtest_quit(qts);
    return st;
}

/*
 * The stream is as untrusted as the guest.  hv-vpci's section carries the
 * ring addresses, ring size, CTRL and the channel state, in that order,
 * big-endian: a channel state no guest can reach, or an enabled channel
 * whose ring is hv-vpci's own register BAR, makes the load fail, and the
 * destination QEMU keeps running.  The same stream unmodified loads.
 */
static void test_migrate_refuses_bad_state(void)
{
    g_autofree char *path = migration_file();
    g_autofree char *saved = NULL;
    g_autofree uint8_t *bad = NULL;
    uint8_t pat[20];
    gsize len, off;
    Drv *src = drv_start(NULL);
    char *st;

    bring_up(src);
    migrate_to_file(src, path);
    g_assert_true(g_file_get_contents(path, &saved, &len, NULL));
    stq_be_p(pat, GH_RING);
    stq_be_p(pat + 8, HG_RING);
    stl_be_p(pat + 16, RING_SIZE);
    off = find_once((const uint8_t *)saved, len, pat, sizeof(pat));
    g_assert_cmphex(ldl_be_p(saved + off + 24), ==, 1);   /* ENABLED */

    st = load_stream(path, (const uint8_t *)saved, len);
    g_assert_cmpstr(st, ==, "completed");
    g_free(st);

    bad = g_memdup2(saved, len);
    stl_be_p(bad + off + 24, 0x7f);                 /* no such state */
    st = load_stream(path, bad, len);
    g_assert_cmpstr(st, ==, "failed");
    g_free(st);

    memcpy(bad, saved, len);
    stq_be_p(bad + off, src->regs.addr);            /* ring over BAR 0 */
    st = load_stream(path, bad, len);
    g_assert_cmpstr(st, ==, "failed");
    g_free(st);

    drv_stop(src);
    unlink(path);
}

/*
 * Window stores still in the WC model's buffer when the VM stops are part
 * of the device's state: pre_save drains them, so the destination has
 * them.  The delay is an hour and the vCPU halts without a fence, so
 * nothing else drains them first; the source's device has not seen the
 * store when the migration starts.
 */
static void test_migrate_drains_wc(void)
{
    g_autofree char *path = migration_file();
    g_autofree char *extra = NULL;
    g_autofree char *st = NULL;
    char *bios;
    Drv *src = drv_start_vcpu("-global hv-vpci.wc=on "
                              "-global hv-vpci.wc-delay-ns=3600000000000",
                              &bios);
    Drv *dst;

    bring_up(src);
    vcpu_prog_cmd(src->qts, 0, VCPU_OP_STORE32,
                  src->aperture + HV_VPCI_CFG_SELECT_OFFSET, WSLOT_F1);
    vcpu_prog_cmd(src->qts, 1, VCPU_OP_STORE32,
                  src->aperture + HV_VPCI_CFG_PAGE_OFFSET +
                  VPCI_TESTFN_CFG_SCRATCH_BASE, 0x5a5aa5a5);
    vcpu_prog_cmd(src->qts, 2, VCPU_OP_STORE32, FLAG_ADDR, 1);
    vcpu_prog_cmd(src->qts, 3, VCPU_OP_HALT, 0, 0);
    vm_cont(src);
    wait_ram(src, FLAG_ADDR, 1);
    /* still buffered: the function's scratch register is unwritten */
    g_assert_cmphex(qom_get_int(src, "wc-drains"), ==, 0);
    migrate_to_file(src, path);

    extra = g_strdup_printf(VCPU_PROG_ARGS "-global hv-vpci.wc=on", bios);
    dst = drv_adopt(src, migrate_from_file(extra, path, &st));
    g_assert_cmpstr(st, ==, "completed");
    g_assert_cmphex(cfg_readl(dst, WSLOT_F1, VPCI_TESTFN_CFG_SCRATCH_BASE),
                    ==, 0x5a5aa5a5);
    g_assert_cmphex(qom_get_int(src, "wc-drains"), ==, 1);  /* pre_save's */

    drv_stop(dst);
    drv_stop_vcpu(src, bios);
    unlink(path);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    qtest_add_func("/vpci/ring/negotiate", test_negotiate);
    qtest_add_func("/vpci/ring/bus-relations", test_bus_relations);
    qtest_add_func("/vpci/ring/resource-requirements",
                   test_resource_requirements);
    qtest_add_func("/vpci/ring/msi", test_ring_msi);
    qtest_add_func("/vpci/ring/wrap", test_ring_wrap);
    qtest_add_func("/vpci/ring/d0-storm", test_ring_d0_storm);
    qtest_add_func("/vpci/ring/malformed", test_ring_malformed);
    qtest_add_func("/vpci/ring/length-overflow", test_ring_length_overflow);
    qtest_add_func("/vpci/ring/truncated", test_ring_truncated);
    qtest_add_func("/vpci/ring/unknown-type", test_ring_unknown_type);
    qtest_add_func("/vpci/ring/out-of-state", test_ring_out_of_state);
    qtest_add_func("/vpci/ring/index-out-of-range",
                   test_ring_index_out_of_range);
    qtest_add_func("/vpci/ring/resources-outside-aperture",
                   test_resources_outside);
    qtest_add_func("/vpci/window/signature", test_window_signature);
    qtest_add_func("/vpci/window/before-d0", test_window_before_d0);
    qtest_add_func("/vpci/window/cross-page", test_window_cross_page);
    qtest_add_func("/vpci/window/bad-slot", test_window_bad_slot);
    qtest_add_func("/vpci/irq/remap", test_irq_remap);
    qtest_add_func("/vpci/irq/stale-drop", test_irq_stale_drop);
    qtest_add_func("/vpci/irq/foreign-unmatched", test_irq_foreign_unmatched);
    qtest_add_func("/vpci/irq/remap-off", test_irq_remap_off);
    qtest_add_func("/vpci/irq/msi-journal", test_msi_journal);
    qtest_add_func("/vpci/irq/unknown-function", test_irq_unknown_function);
    qtest_add_func("/vpci/hotplug/add-eject", test_hotplug);
    qtest_add_func("/vpci/hotplug/eject-not-posted", test_eject_not_posted);
    qtest_add_func("/vpci/hotplug/eject-on-channel-reset",
                   test_eject_on_channel_reset);
    qtest_add_func("/vpci/window/cross-dword", test_window_cross_dword);
    qtest_add_func("/vpci/irq/vector-range", test_irq_vector_range);
    qtest_add_func("/vpci/hostile/unmask-delivers",
                   test_reentry_unmask_delivers);
    qtest_add_func("/vpci/hostile/rings-must-be-ram", test_rings_must_be_ram);
    qtest_add_func("/vpci/hostile/unmask-to-doorbell",
                   test_reentry_unmask_to_doorbell);
    qtest_add_func("/vpci/hostile/unmask-to-window",
                   test_reentry_unmask_to_window);
    qtest_add_func("/vpci/hostile/random", test_hostile_random);
    qtest_add_func("/vpci/hostile/log-bounded", test_log_bounded);
    qtest_add_func("/vpci/wc/one-model-per-machine", test_wc_one_model);
    qtest_add_func("/vpci/wc/guard-store-kinds", test_guard_store_kinds);
    qtest_add_func("/vpci/migrate/round-trip", test_migrate_round_trip);
    qtest_add_func("/vpci/migrate/refuses-bad-state",
                   test_migrate_refuses_bad_state);
    qtest_add_func("/vpci/migrate/drains-wc", test_migrate_drains_wc);

    return g_test_run();
}
