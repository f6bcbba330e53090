/*
 * qtest for vpci-testfn on q35's own PCIe root bus: identity, signature and
 * scratch (through ECAM, since they live in extended config space),
 * config-write journal, and doorbells over MSI and MSI-X.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/pci-pc.h"
#include "hw/pci/pci_regs.h"
#include "../../../hw/vpci-rig/vpci-testfn-regs.h"

#define ECAM_BASE       0xb0000000ULL
#define MCH_PCIEXBAR    0x60
#define MAILBOX         0x400000ULL
#define TESTFN_SLOT     3

typedef struct Fn {
    QTestState *qts;
    QPCIBus *bus;
    QPCIDevice *dev[2];
    QPCIBar regs[2];
} Fn;

static Fn *fn_start(void)
{
    Fn *f = g_new0(Fn, 1);
    QPCIDevice *host;
    int i;

    f->qts = qtest_init("-M q35 -nodefaults -L /usr/share/seabios "
                        "-L /usr/share/qemu "
                        "-device vpci-testfn,addr=3.0,multifunction=on "
                        "-device vpci-testfn,addr=3.1");
    f->bus = qpci_new_pc(f->qts, NULL);
    /* Turn on ECAM (MCH PCIEXBAR, 256 MiB) for extended config space. */
    host = qpci_device_find(f->bus, 0);
    qpci_config_writel(host, MCH_PCIEXBAR + 4, 0);
    qpci_config_writel(host, MCH_PCIEXBAR, ECAM_BASE | 1);
    g_free(host);
    for (i = 0; i < 2; i++) {
        f->dev[i] = qpci_device_find(f->bus, QPCI_DEVFN(TESTFN_SLOT, i));
        g_assert_nonnull(f->dev[i]);
        qpci_device_enable(f->dev[i]);
        f->regs[i] = qpci_iomap(f->dev[i], VPCI_TESTFN_REG_BAR, NULL);
    }
    return f;
}

static void fn_stop(Fn *f)
{
    g_free(f->dev[0]);
    g_free(f->dev[1]);
    qpci_free_pc(f->bus);
    qtest_quit(f->qts);
    g_free(f);
}

static uint64_t ecam(unsigned fn, uint32_t off)
{
    return ECAM_BASE + (QPCI_DEVFN(TESTFN_SLOT, fn) << 12) + off;
}

static uint32_t reg(Fn *f, unsigned fn, uint32_t r)
{
    return qpci_io_readl(f->dev[fn], f->regs[fn], r);
}

static void test_identity(void)
{
    Fn *f = fn_start();
    unsigned i;

    for (i = 0; i < 2; i++) {
        QPCIDevice *d = f->dev[i];

        g_assert_cmphex(qpci_config_readw(d, PCI_VENDOR_ID), ==,
                        VPCI_TESTFN_VENDOR_ID);
        g_assert_cmphex(qpci_config_readw(d, PCI_DEVICE_ID), ==,
                        VPCI_TESTFN_DEVICE_ID);
        g_assert_cmphex(qpci_config_readb(d, PCI_REVISION_ID), ==, i);
        g_assert_cmphex(qpci_config_readw(d, PCI_SUBSYSTEM_VENDOR_ID), ==,
                        VPCI_TESTFN_SUBSYS_VENDOR_ID);
        g_assert_cmphex(qpci_config_readw(d, PCI_SUBSYSTEM_ID), ==,
                        VPCI_TESTFN_SUBSYS_ID(i));
        g_assert_cmphex(qpci_config_readl(d, PCI_CLASS_REVISION) >> 8, ==,
                        VPCI_TESTFN_CLASS);
        g_assert_cmphex(reg(f, i, VPCI_TESTFN_REG_ID), ==,
                        VPCI_TESTFN_DEVICE_ID | i << 16);
        g_assert_cmphex(reg(f, i, VPCI_TESTFN_REG_FN), ==, i);
    }
    fn_stop(f);
}

static void test_signature_scratch(void)
{
    Fn *f = fn_start();
    uint32_t off;

    for (off = 0; off < VPCI_TESTFN_CFG_SIG_SIZE; off += 4) {
        uint32_t at = VPCI_TESTFN_CFG_SIG_BASE + off;

        g_assert_cmphex(qtest_readl(f->qts, ecam(0, at)), ==,
                        VPCI_TESTFN_SIG(0, at));
        g_assert_cmphex(qtest_readl(f->qts, ecam(1, at)), ==,
                        VPCI_TESTFN_SIG(1, at));
    }
    /* Signature is read-only, scratch is per function. */
    qtest_writel(f->qts, ecam(1, VPCI_TESTFN_CFG_SIG_BASE), 0);
    g_assert_cmphex(qtest_readl(f->qts, ecam(1, VPCI_TESTFN_CFG_SIG_BASE)),
                    ==, VPCI_TESTFN_SIG(1, VPCI_TESTFN_CFG_SIG_BASE));
    qtest_writel(f->qts, ecam(1, VPCI_TESTFN_CFG_SCRATCH_BASE + 4),
                 0x12345678);
    g_assert_cmphex(qtest_readl(f->qts,
                                ecam(1, VPCI_TESTFN_CFG_SCRATCH_BASE + 4)),
                    ==, 0x12345678);
    g_assert_cmphex(qtest_readl(f->qts,
                                ecam(0, VPCI_TESTFN_CFG_SCRATCH_BASE + 4)),
                    ==, 0);
    fn_stop(f);
}

static void test_journal(void)
{
    Fn *f = fn_start();
    uint32_t n, i;

    qpci_io_writel(f->dev[1], f->regs[1], VPCI_TESTFN_REG_RESET_COUNTERS, 1);
    g_assert_cmpuint(reg(f, 1, VPCI_TESTFN_REG_CFG_WRITES), ==, 0);
    qtest_writew(f->qts, ecam(1, VPCI_TESTFN_CFG_SCRATCH_BASE + 2), 0xbeef);
    qtest_writel(f->qts, ecam(1, VPCI_TESTFN_CFG_SCRATCH_BASE), 0xcafe0001);
    g_assert_cmpuint(reg(f, 1, VPCI_TESTFN_REG_CFG_WRITES), ==, 2);
    n = reg(f, 1, VPCI_TESTFN_REG_JOURNAL_COUNT);
    g_assert_cmpuint(n, ==, 2);
    g_assert_cmphex(reg(f, 1, VPCI_TESTFN_REG_JOURNAL), ==,
                    (VPCI_TESTFN_CFG_SCRATCH_BASE + 2) |
                    2 << VPCI_TESTFN_JOURNAL_SIZE_SHIFT);
    g_assert_cmphex(reg(f, 1, VPCI_TESTFN_REG_JOURNAL + 4), ==, 0xbeef);
    g_assert_cmphex(reg(f, 1, VPCI_TESTFN_REG_JOURNAL + 8), ==,
                    VPCI_TESTFN_CFG_SCRATCH_BASE |
                    4 << VPCI_TESTFN_JOURNAL_SIZE_SHIFT);
    g_assert_cmphex(reg(f, 1, VPCI_TESTFN_REG_JOURNAL + 12), ==, 0xcafe0001);
    /* Function 0 saw none of it. */
    g_assert_cmpuint(reg(f, 0, VPCI_TESTFN_REG_CFG_WRITES), <, 10);
    for (i = 0; i < 70; i++) {
        qtest_writel(f->qts, ecam(1, VPCI_TESTFN_CFG_SCRATCH_BASE), i);
    }
    g_assert_cmpuint(reg(f, 1, VPCI_TESTFN_REG_JOURNAL_COUNT), ==, 72);
    /* Entry 71 sits at slot 71 % 64 = 7. */
    g_assert_cmphex(reg(f, 1, VPCI_TESTFN_REG_JOURNAL + 8 * 7 + 4), ==, 69);
    fn_stop(f);
}

static void test_msi(void)
{
    Fn *f = fn_start();
    QPCIDevice *d = f->dev[0];
    uint8_t cap = qpci_find_capability(d, PCI_CAP_ID_MSI, 0);
    uint16_t flags;

    g_assert_cmpuint(cap, !=, 0);
    /* No interrupt mechanism enabled: refused and counted. */
    qpci_io_writel(d, f->regs[0], VPCI_TESTFN_REG_DOORBELL, 0);
    g_assert_cmpuint(reg(f, 0, VPCI_TESTFN_REG_IRQ_DROPPED), ==, 1);

    flags = qpci_config_readw(d, cap + PCI_MSI_FLAGS);
    g_assert_cmphex(flags & PCI_MSI_FLAGS_QMASK, ==, 2 << 1);   /* 4 */
    qpci_config_writel(d, cap + PCI_MSI_ADDRESS_LO, MAILBOX);
    qpci_config_writel(d, cap + PCI_MSI_ADDRESS_HI, 0);
    qpci_config_writew(d, cap + PCI_MSI_DATA_64, 0x7700);
    qpci_config_writew(d, cap + PCI_MSI_FLAGS,
                       PCI_MSI_FLAGS_ENABLE | (2 << 4));   /* 4 vectors */
    qpci_io_writel(d, f->regs[0], VPCI_TESTFN_REG_DOORBELL, 3);
    g_assert_cmphex(qtest_readl(f->qts, MAILBOX), ==, 0x7703);
    g_assert_cmpuint(reg(f, 0, VPCI_TESTFN_REG_IRQ_COUNT(3)), ==, 1);
    /* Beyond the enabled vectors: refused. */
    qpci_io_writel(d, f->regs[0], VPCI_TESTFN_REG_DOORBELL, 4);
    g_assert_cmpuint(reg(f, 0, VPCI_TESTFN_REG_IRQ_DROPPED), ==, 2);
    fn_stop(f);
}

static void test_msix(void)
{
    Fn *f = fn_start();
    QPCIDevice *d = f->dev[1];
    uint8_t cap = qpci_find_capability(d, PCI_CAP_ID_MSIX, 0);
    QPCIBar table = qpci_iomap(d, VPCI_TESTFN_MSIX_BAR, NULL);
    uint16_t ctrl;
    int v = 6;

    g_assert_cmpuint(cap, !=, 0);
    ctrl = qpci_config_readw(d, cap + PCI_MSIX_FLAGS);
    g_assert_cmpuint((ctrl & PCI_MSIX_FLAGS_QSIZE) + 1, ==,
                     VPCI_TESTFN_MSIX_VECTORS);
    qpci_config_writew(d, cap + PCI_MSIX_FLAGS, ctrl | PCI_MSIX_FLAGS_ENABLE);
    qpci_io_writel(d, table, v * 16 + PCI_MSIX_ENTRY_LOWER_ADDR, MAILBOX);
    qpci_io_writel(d, table, v * 16 + PCI_MSIX_ENTRY_UPPER_ADDR, 0);
    qpci_io_writel(d, table, v * 16 + PCI_MSIX_ENTRY_DATA, 0xabcd);

    /* Still masked: left pending, not written, not refused... */
    qtest_writel(f->qts, MAILBOX, 0);
    qpci_io_writel(d, f->regs[1], VPCI_TESTFN_REG_DOORBELL, v);
    g_assert_cmphex(qtest_readl(f->qts, MAILBOX), ==, 0);
    g_assert_cmpuint(reg(f, 1, VPCI_TESTFN_REG_IRQ_DROPPED), ==, 0);
    g_assert_cmpuint(reg(f, 1, VPCI_TESTFN_REG_IRQ_COUNT(v)), ==, 1);
    /* ...and delivered by the unmask. */
    qpci_io_writel(d, table, v * 16 + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
    g_assert_cmphex(qtest_readl(f->qts, MAILBOX), ==, 0xabcd);

    qtest_writel(f->qts, MAILBOX, 0);
    qpci_io_writel(d, f->regs[1], VPCI_TESTFN_REG_DOORBELL, v);
    g_assert_cmphex(qtest_readl(f->qts, MAILBOX), ==, 0xabcd);
    g_assert_cmpuint(reg(f, 1, VPCI_TESTFN_REG_IRQ_COUNT(v)), ==, 2);
    qpci_io_writel(d, f->regs[1], VPCI_TESTFN_REG_DOORBELL, 8);
    g_assert_cmpuint(reg(f, 1, VPCI_TESTFN_REG_IRQ_DROPPED), ==, 1);

    qpci_io_writel(d, f->regs[1], VPCI_TESTFN_REG_RESET_COUNTERS, 1);
    g_assert_cmpuint(reg(f, 1, VPCI_TESTFN_REG_IRQ_COUNT(v)), ==, 0);
    fn_stop(f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    qtest_add_func("/vpci-testfn/identity", test_identity);
    qtest_add_func("/vpci-testfn/signature-scratch", test_signature_scratch);
    qtest_add_func("/vpci-testfn/journal", test_journal);
    qtest_add_func("/vpci-testfn/msi", test_msi);
    qtest_add_func("/vpci-testfn/msix", test_msix);

    return g_test_run();
}
