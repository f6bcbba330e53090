/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hyperv.c - the QEMU options of `--hyperv` (hyperv.h).
 */
#include "hyperv.h"
#include "scenarios.h"

#define RIG_VMBUS_BRIDGE_SPEC "vmbus-bridge,mmio-high-base=%#llx,mmio-high-size=%#llx"

static char *
bridge_spec (void)
{
	return g_strdup_printf (RIG_VMBUS_BRIDGE_SPEC, RIG_HYPERV_MMIO_HIGH_BASE,
	                        RIG_HYPERV_MMIO_HIGH_SIZE);
}

static const char *const *
vmbus_devices (const RigRunOptions *opts)
{
	static const char *const none[] = { NULL };
	const RigScenario *sc = rig_scenario_lookup (opts->scenario);

	return sc && sc->vmbus_devices ? sc->vmbus_devices : none;
}

void
rig_hyperv_add_qemu_args (GStrvBuilder *b, const RigRunOptions *opts)
{
	const char *const *devices = vmbus_devices (opts);
	g_autofree char *bridge = NULL;

	if (!opts->hyperv)
		return;
	bridge = bridge_spec ();
	g_strv_builder_add (b, "-cpu");
	g_strv_builder_add (b, RIG_HYPERV_CPU);
	g_strv_builder_add (b, "-device");
	g_strv_builder_add (b, bridge);
	for (guint i = 0; devices[i]; i++) {
		g_strv_builder_add (b, "-device");
		g_strv_builder_add (b, devices[i]);
	}
}

char *
rig_hyperv_describe (const RigRunOptions *opts)
{
	g_autofree char *bridge = NULL, *devices = NULL;

	if (!opts->hyperv)
		return NULL;
	bridge = bridge_spec ();
	devices = g_strjoinv (", ", (char **) vmbus_devices (opts));
	return g_strdup_printf ("hyperv: -cpu %s; %s%s%s", RIG_HYPERV_CPU, bridge,
	                        *devices ? "; on the VMBus: " : "", devices);
}
