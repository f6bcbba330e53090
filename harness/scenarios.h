/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * scenarios.h - the scenarios the agent knows and the driver's barrier sites.
 *
 * Both tables live in scenarios.c and nowhere else; `vpci-rig list`, option
 * validation and help text all read them.
 */
#pragma once

#include <glib.h>

/* The scenario `vpci-rig run` boots when none is named.  barrier-stress
 * takes over once the driver exists. */
#define RIG_DEFAULT_SCENARIO "boot"

typedef struct {
	const char *name;
	const char *expect;     /* the verdict a correct rig gives, for list */
	const char *summary;
} RigScenario;

typedef struct {
	const char *name;
	const char *summary;
	gboolean    available;  /* FALSE until the driver implements it */
} RigBarrierSite;

const RigScenario    *rig_scenario_lookup (const char *name);
const RigScenario    *rig_scenarios (guint *n);
const RigBarrierSite *rig_barrier_sites (guint *n);
