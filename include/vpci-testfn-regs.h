/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vpci-testfn: a PCI(e) test function built to make misdirected config
 * traffic and interrupts visible.  Shared by the QEMU device
 * (qemu-hw/hw/vpci-testfn.c) and the guest driver (guest-driver/testfn/).
 *
 * Identity is derived from the PCI function number F (0-7) so a config
 * access that reaches the wrong function reads the wrong values:
 *   vendor 0x1234, device 0x5651, revision F,
 *   subsystem vendor 0x1234, subsystem id 0x5600 | F,
 *   class 0xff0000 (unclassified),
 *   signature dwords at config 0x100..0x1ff (read-only):
 *     VPCI_TESTFN_SIG(F, off) = 0x5a000000 | F << 16 | off
 *   scratch dwords at config 0x200..0x23f (read/write, reset to 0).
 * The function is PCI Express (4 KiB config space) when on a PCIe bus and
 * then puts the signature and scratch in extended config space; on a
 * conventional bus the same registers sit at 0xa0..0xbf (signature, 8
 * dwords) and 0xc0..0xdf (scratch), below 0x100.
 */
#ifndef VPCI_TESTFN_REGS_H
#define VPCI_TESTFN_REGS_H

#define VPCI_TESTFN_VENDOR_ID		0x1234
#define VPCI_TESTFN_DEVICE_ID		0x5651
#define VPCI_TESTFN_SUBSYS_VENDOR_ID	0x1234
#define VPCI_TESTFN_SUBSYS_ID(fn)	(0x5600 | (fn))
#define VPCI_TESTFN_CLASS		0xff0000

#define VPCI_TESTFN_SIG(fn, off)	(0x5a000000u | ((unsigned int)(fn) << 16) | (off))

/* Config-space layout (PCIe: extended space). */
#define VPCI_TESTFN_CFG_SIG_BASE	0x100
#define VPCI_TESTFN_CFG_SIG_SIZE	0x100
#define VPCI_TESTFN_CFG_SCRATCH_BASE	0x200
#define VPCI_TESTFN_CFG_SCRATCH_SIZE	0x40
/* Conventional PCI fallback. */
#define VPCI_TESTFN_CFG_SIG_BASE_LEGACY		0xa0
#define VPCI_TESTFN_CFG_SIG_SIZE_LEGACY		0x20
#define VPCI_TESTFN_CFG_SCRATCH_BASE_LEGACY	0xc0
#define VPCI_TESTFN_CFG_SCRATCH_SIZE_LEGACY	0x20

/* Interrupts: MSI with up to 4 vectors, MSI-X with 8 (table in BAR 2). */
#define VPCI_TESTFN_MSI_VECTORS		4
#define VPCI_TESTFN_MSIX_VECTORS	8
#define VPCI_TESTFN_MSIX_BAR		2

/* BAR 0: 4 KiB of 32-bit registers. */
#define VPCI_TESTFN_REG_BAR		0
#define VPCI_TESTFN_REG_ID		0x00	/* RO: device id | fn << 16 */
#define VPCI_TESTFN_REG_FN		0x04	/* RO: function number */
#define VPCI_TESTFN_REG_DOORBELL	0x08	/* WO: raise vector N (MSI-X if enabled, else MSI) */
#define VPCI_TESTFN_REG_CFG_WRITES	0x0c	/* RO: config writes received */
#define VPCI_TESTFN_REG_JOURNAL_COUNT	0x10	/* RO: journal entries written (wraps at 2^32) */
#define VPCI_TESTFN_REG_RESET_COUNTERS	0x14	/* WO: clear counters and journal */
#define VPCI_TESTFN_REG_SCRATCH		0x18	/* RW: MMIO scratch */
#define VPCI_TESTFN_REG_IRQ_COUNT(v)	(0x40 + 4 * (v))	/* RO: interrupts sent on vector v (< 32) */
#define VPCI_TESTFN_REG_IRQ_DROPPED	0xc0	/* RO: raises refused (disabled or out of range; a masked vector is left pending) */
/*
 * The function's MSI capability as the device holds it (64-bit, per-vector
 * mask), readable without the config window: after a run whose window
 * ordering is in doubt, these are the registers to believe.
 */
#define VPCI_TESTFN_REG_MSI_FLAGS	0xc4	/* RO: message control word */
#define VPCI_TESTFN_REG_MSI_ADDR_LO	0xc8	/* RO */
#define VPCI_TESTFN_REG_MSI_ADDR_HI	0xcc	/* RO */
#define VPCI_TESTFN_REG_MSI_DATA	0xd0	/* RO */
#define VPCI_TESTFN_REG_MSI_MASK	0xd4	/* RO: per-vector mask bits */
#define VPCI_TESTFN_REG_MSI_PENDING	0xd8	/* RO: per-vector pending bits */
/* Where the function's MSIs went, counted when raised (since reset). */
#define VPCI_TESTFN_REG_MSI_HELD	0xdc	/* RO: raises held pending: vector masked in the device */
#define VPCI_TESTFN_REG_MSI_SENT_ADDR_LO	0xe0	/* RO: the last message written (address, data) */
#define VPCI_TESTFN_REG_MSI_SENT_ADDR_HI	0xe4
#define VPCI_TESTFN_REG_MSI_SENT_DATA	0xe8
#define VPCI_TESTFN_REG_MSI_STRAY	0xec	/* RO: messages written outside 0xfee00000-0xfeefffff: a
						 * memory write, not an interrupt */

/*
 * Journal of config writes, newest last: a ring of 64 entries of 8 bytes
 * at 0x100; entry i (0-based, counting since reset) is at
 * 0x100 + 8 * (i % 64): dword 0 = offset | size << 16, dword 1 = value.
 */
#define VPCI_TESTFN_REG_JOURNAL		0x100
#define VPCI_TESTFN_JOURNAL_ENTRIES	64
#define VPCI_TESTFN_JOURNAL_SIZE_SHIFT	16

#define VPCI_TESTFN_REG_SIZE		0x1000

#endif /* VPCI_TESTFN_REGS_H */
