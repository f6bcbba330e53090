/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * scenarios.h - the scenarios the agent knows and the driver's barrier sites.
 *
 * Both tables live in scenarios.c and nowhere else; `vpci-rig list`, option
 * validation and help text all read them.
 */
#pragma once

#include <glib.h>

/* The scenario `vpci-rig run` boots when none is named. */
#define RIG_DEFAULT_SCENARIO "barrier-stress"

/* The hv-vpci device's id, which names its child bus. */
#define RIG_VPCI_BUS "vpci0"
/* -blockdev node name of the scenario disk (RigScenario.disk_mib). */
#define RIG_VPCI_DISK_NODE "vpcidisk"

typedef struct {
	const char *name;
	const char *expect;     /* the verdict a correct rig gives, for list */
	const char *summary;
	/* The scenario's device set: QEMU -device specs put behind the vPCI
	 * bus (written without bus=; the harness adds bus=RIG_VPCI_BUS and the
	 * hv-vpci device itself).  NULL: no hv-vpci unless --device asks. */
	const char *const *devices;
	/* > 0: a zeroed RUN/disk.img of that many MiB, as -blockdev node
	 * RIG_VPCI_DISK_NODE for a device of the set. */
	guint disk_mib;
	/* device_add'ed on the agent's "# hotplug: ready", device_del'ed on
	 * its "# hotplug: added" (a -device spec with bus= and id=). */
	const char *hotplug;
	/* TRUE: the scenario provokes ordering hazards on purpose (probes), so
	 * they do not turn its verdict into fail. */
	gboolean expect_hazards;
	/* Module parameters the scenario needs on the kernel command line
	 * (the agent passes MODULE.PARAM=VALUE to finit_module), or NULL. */
	const char *cmdline;
	/* TRUE: the scenario needs a host without interrupt remapping (hv-vpci
	 * remap=off, whatever --remap says). */
	gboolean no_remap;
	/* TRUE: the scenario is about Hyper-V's interface and implies
	 * --hyperv (hyperv.h). */
	gboolean hyperv;
	/* QEMU -device specs put on the VMBus (a --hyperv run), or NULL. */
	const char *const *vmbus_devices;
} RigScenario;

/* A barrier site of include/vpci-barriers.h, with what the rig knows of it. */
typedef struct {
	const char *name;
	const char *summary;
	guint       default_kind;	/* index into rig_barrier_kinds() */
	/* NULL if the ordering model (qemu-hw/hw/vpci-wc.c) needs this fence;
	 * otherwise why not (docs/ordering.md has the argument). */
	const char *why_not;
} RigBarrierSite;

/* A barrier kind of include/vpci-barriers.h. */
typedef struct {
	const char *name;
	const char *what;
} RigBarrierKind;

/* The canonical form of a --fences value (grammar in vpci-barriers.h), or
 * NULL with a usage error naming the bad token. */
char *rig_fences_canonical (const char *fences, GError **error);

const RigScenario    *rig_scenario_lookup (const char *name);
const RigScenario    *rig_scenarios (guint *n);
const RigBarrierSite *rig_barrier_sites (guint *n);
const RigBarrierKind *rig_barrier_kinds (guint *n);
