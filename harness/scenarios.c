/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * scenarios.c - scenario and barrier-site tables (see scenarios.h).
 *
 * To add a scenario: a row here, its implementation in the agent
 * (guest-driver/agent/), and a test in tests/suite.cfg.
 */
#include "scenarios.h"

static const RigScenario scenarios[] = {
	{ "boot", "pass",
	  "boot, load the vpci modules, report TAP on ttyS1, power off" },
	{ "triple-fault", "triple-fault",
	  "vCPU --cpu loads an empty IDT and faults (#GP, #DF, triple fault)" },
	{ "panic", "panic",
	  "panic the kernel through vpci_fault (pvpanic reports it)" },
	{ "hang", "hang",
	  "vCPU --cpu spins with interrupts off until --timeout" },
	{ "hang-all", "hang",
	  "every vCPU spins with interrupts off until --timeout" },
	{ "reset", "reset",
	  "the agent calls reboot(RB_AUTOBOOT)" },
	{ "shell", NULL,
	  "busybox sh on the console; use 'vpci-rig shell'" },
};

static const RigBarrierSite barrier_sites[] = {
	{ "read-select", "fence between the slot select write and a config read", FALSE },
	{ "read-release", "fence after a config read, before the window is released", FALSE },
	{ "write-select", "fence between the slot select write and a config write", FALSE },
	{ "write-release", "fence after a config write, before the window is released", FALSE },
};

const RigScenario *
rig_scenario_lookup (const char *name)
{
	for (guint i = 0; i < G_N_ELEMENTS (scenarios); i++)
		if (g_str_equal (scenarios[i].name, name))
			return &scenarios[i];
	return NULL;
}

const RigScenario *
rig_scenarios (guint *n)
{
	*n = G_N_ELEMENTS (scenarios);
	return scenarios;
}

const RigBarrierSite *
rig_barrier_sites (guint *n)
{
	*n = G_N_ELEMENTS (barrier_sites);
	return barrier_sites;
}
