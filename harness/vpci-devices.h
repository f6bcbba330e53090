/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vpci-devices.h - what a run puts behind the hv-vpci bus.
 *
 * The scenario's device set (scenarios.c) plus every --device SPEC become
 * QEMU options here and nowhere else: the hv-vpci device (id RIG_VPCI_BUS),
 * one -device per function with bus= added, the scenario disk.
 */
#pragma once

#include "run-options.h"

/* TRUE if this run has an hv-vpci bus (scenario devices or --device). */
gboolean rig_vpci_wanted (const RigRunOptions *opts);

/* Appends the hv-vpci device, its children and their backends. */
void rig_vpci_add_qemu_args (GStrvBuilder *b, const RigRunOptions *opts,
                             const char *run_dir);

/* The scenario disk: its size in MiB (0: none) and RUN/disk.img. */
guint rig_vpci_disk_mib (const RigRunOptions *opts);
char *rig_vpci_disk_path (const char *run_dir);

/* Creates the sparse disk image the -blockdev above refers to. */
gboolean rig_vpci_create_disk (const char *path, guint mib, GError **error);

/* The scenario's hot-plug device spec, or NULL. */
const char *rig_vpci_hotplug_spec (const RigRunOptions *opts);
