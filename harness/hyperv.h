/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hyperv.h - what `--hyperv` adds to a run (docs/hyperv.md).
 *
 * Hyper-V's synthetic CPU interface under TCG (qemu-hw patches 0007-0012)
 * and QEMU's VMBus: the -cpu flags, the vmbus-bridge ACPI device and the
 * scenario's VMBus devices become QEMU options here and nowhere else; the
 * guest learns of it from vpci.hyperv=1 (rig_kernel_cmdline()).
 */
#pragma once

#include "run-options.h"

/* The enlightenments TCG offers, all that Linux's hv_vmbus needs: the
 * hypercall page and guest id (hv-relaxed brings Hyper-V's CPUID leaves),
 * VP_INDEX, the SynIC. */
#define RIG_HYPERV_CPU "qemu64,hv-relaxed,hv-vpindex,hv-synic"

/* VMBus MMIO handed to the guest in the bridge's _CRS, above every RAM
 * and PCI window of the rig's q35 (512 MiB, the 64-bit PCI hole ends at
 * 36 GiB): where vmbus_allocate_mmio() finds room for a VMBus device's
 * MMIO (pci-hyperv's config window and BARs, part 2). */
#define RIG_HYPERV_MMIO_HIGH_BASE 0x1000000000ull   /* 64 GiB */
#define RIG_HYPERV_MMIO_HIGH_SIZE 0x40000000ull     /* 1 GiB */

/* Appends -cpu, the vmbus-bridge and the scenario's VMBus devices, if
 * opts->hyperv. */
void rig_hyperv_add_qemu_args (GStrvBuilder *b, const RigRunOptions *opts);

/* "hyperv: CPU; vmbus: DEVICES" for the plan's description, or NULL. */
char *rig_hyperv_describe (const RigRunOptions *opts);
