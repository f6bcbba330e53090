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
} RigScenario;

typedef struct {
	const char *name;
	const char *summary;
	/* Does the ordering model (qemu-hw/hw/vpci-wc.c) need this fence?  If
	 * not, why_not says why; docs/ordering.md has the argument. */
	gboolean    required;
	const char *why_not;
} RigBarrierSite;

/* A --fences value (all, none or SITE,...) is valid? */
gboolean rig_fences_valid (const char *fences, char **bad_site);

const RigScenario    *rig_scenario_lookup (const char *name);
const RigScenario    *rig_scenarios (guint *n);
const RigBarrierSite *rig_barrier_sites (guint *n);
