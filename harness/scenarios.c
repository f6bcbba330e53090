/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * scenarios.c - scenario and barrier-site tables (see scenarios.h).
 *
 * To add a scenario: a row here, its implementation in the agent
 * (guest-driver/agent/), and a test in tests/suite.cfg.
 */
#include "scenarios.h"
#include "rig-exit.h"

#include "vpci-barriers.h"

/* Device sets (see RigScenario.devices): the one place that says which
 * QEMU devices a scenario puts behind the vPCI bus. */
static const char *const testfn_set[] = {
	"vpci-testfn,addr=1.0,multifunction=on",
	"vpci-testfn,addr=1.1",
	"vpci-testfn,addr=1.2",
	"vpci-testfn,addr=1.3",
	"vpci-testfn,addr=2.0",
	NULL
};

/* Several functions in three slots, all telling each other apart: distinct
 * function numbers within a slot, identity tags written by the agent. */
static const char *const barrier_set[] = {
	"vpci-testfn,addr=1.0,multifunction=on",
	"vpci-testfn,addr=1.1",
	"vpci-testfn,addr=1.2",
	"vpci-testfn,addr=1.3",
	"vpci-testfn,addr=2.0,multifunction=on",
	"vpci-testfn,addr=2.1",
	"vpci-testfn,addr=3.0",
	NULL
};

static const char *const probe_set[] = {
	"vpci-testfn,addr=1.0,multifunction=on",
	"vpci-testfn,addr=1.1",
	NULL
};

static const char *const passthrough_set[] = {
	"virtio-rng-pci,addr=1.0",
	"virtio-blk-pci,addr=2.0,drive=" RIG_VPCI_DISK_NODE,
	NULL
};

static const char *const hotplug_set[] = {
	"vpci-testfn,addr=1.0",
	NULL
};

/* QEMU's Hyper-V dynamic memory device, the first VMBus device Debian's
 * kernel binds (hv_balloon) */
static const char *const balloon_vmbus_set[] = {
	"hv-balloon",
	NULL
};

/* One of the inject-* experiments: two MSI functions, no remapping. */
#define INJECT(name_, expect_, summary_) \
	{ .name = name_, .expect = expect_, .summary = summary_, .devices = probe_set, \
	  .cmdline = "vpci_testfn.use_msi=1", .no_remap = TRUE }

static const RigScenario scenarios[] = {
	{ .name = "boot", .expect = "pass",
	  .summary = "boot, load the vpci modules, report TAP on ttyS1, power off" },
	{ .name = "triple-fault", .expect = "triple-fault",
	  .summary = "vCPU --cpu loads an empty IDT and faults (#GP, #DF, triple fault)" },
	{ .name = "panic", .expect = "panic",
	  .summary = "panic the kernel through vpci_fault (pvpanic reports it)" },
	{ .name = "hang", .expect = "hang",
	  .summary = "vCPU --cpu spins with interrupts off until --timeout" },
	{ .name = "hang-all", .expect = "hang",
	  .summary = "every vCPU spins with interrupts off until --timeout" },
	{ .name = "reset", .expect = "reset",
	  .summary = "the agent calls reboot(RB_AUTOBOOT)" },
	{ .name = "shell", .expect = NULL,
	  .summary = "busybox sh on the console, the bus and barrier-stress's functions behind it; "
	             "use 'vpci-rig shell'",
	  .devices = barrier_set },
	{ .name = "enum", .expect = "pass",
	  .summary = "every vPCI function found with QEMU's IDs (query-pci), BARs in the aperture",
	  .devices = testfn_set },
	{ .name = "cfg-stress", .expect = "pass",
	  .summary = "a thread per CPU reads/writes config space of several functions; device journal agrees",
	  .devices = testfn_set },
	{ .name = "irq", .expect = "pass",
	  .summary = "every MSI-X vector of every test function arrives once, on the CPU chosen",
	  .devices = testfn_set },
	{ .name = "passthrough", .expect = "pass",
	  .summary = "virtio-rng and virtio-blk behind the bus, used through their in-tree drivers",
	  .devices = passthrough_set, .disk_mib = 16 },
	{ .name = "hotplug", .expect = "pass",
	  .summary = "a test function is device_add'ed and device_del'ed while the guest watches",
	  .devices = hotplug_set,
	  .hotplug = "vpci-testfn,bus=" RIG_VPCI_BUS ",addr=3.0,id=vpci-hotplug0" },
	{ .name = "hostile", .expect = "pass",
	  .summary = "vpci_hostile storms hv-vpci from every CPU (rings, registers, window, "
	             "aperture, child MSIs at the device) while a function is hot-added and "
	             "removed; QEMU survives and a fresh hv_vpci enumerates as before",
	  .devices = testfn_set, .expect_hazards = TRUE,
	  .hotplug = "vpci-testfn,bus=" RIG_VPCI_BUS ",addr=3.0,id=vpci-hotplug0" },
	{ .name = "barrier-stress", .expect = "pass",
	  .summary = "a thread per CPU, an owner per function: signature/tag reads and scratch writes "
	             "that a missing window barrier turns into wrong values or misdirected writes",
	  .devices = barrier_set },
	{ .name = "irq-affinity", .expect = "pass",
	  .summary = "every MSI-X vector raised from a thread per CPU while /proc/irq/N/smp_affinity "
	             "moves them: each arrives once at its handler, never on a vector without one "
	             "(--irq-mode eager: the stale vector of 2016)",
	  .devices = testfn_set },
	{ .name = "msi-stress", .expect = "pass",
	  .summary = "a thread per CPU, an owner per function: MSI (not MSI-X) moved between CPUs, "
	             "masked, unmasked and raised, every register write through the window; each "
	             "interrupt arrives once at its function, each function holds its own message",
	  .devices = barrier_set, .cmdline = "vpci_testfn.use_msi=1" },
	/* inject-*: guest-kernel experiments on a host without interrupt
	 * remapping (guest-driver/agent/inject.c, docs/scenarios.md).  The agent
	 * writes the bad message itself; the verdict is what the guest did. */
	INJECT ("inject-freed", "pass",
	        "a function's driver unbinds, the agent puts its old MSI message back and "
	        "raises it twice: the kernel says 'No irq handler for ...' once (remap=off)"),
	INJECT ("inject-vector0", "pass",
	        "MSI data vector 0x00 (a zeroed message): QEMU's APIC never delivers vector 0 "
	        "(a real APIC refuses 0-15 as illegal); nothing happens (remap=off)"),
	INJECT ("inject-vector17", "pass",
	        "MSI data vector 0x11 (IDT entry 17, #AC), legal at a real APIC: held pending, "
	        "because Linux's TPR of 0x10 blocks every vector below 0x20 (remap=off)"),
	INJECT ("inject-nmi", "pass",
	        "MSI data with delivery mode NMI: 'NMI received for unknown reason', and the "
	        "guest carries on (remap=off)"),
	INJECT ("inject-init", "hang",
	        "MSI data with delivery mode INIT at an AP: that CPU stops and waits for a "
	        "SIPI; the guest runs on without it until power-off waits for it forever "
	        "(SMP >= 2; remap=off; use --timeout)"),
	INJECT ("inject-init-bsp", "triple-fault",
	        "MSI data with delivery mode INIT at CPU 0, the BSP: it restarts at the reset "
	        "vector, the firmware boots the kernel again over the running one (SMP >= 2; "
	        "remap=off)"),
	{ .name = "ordering-probe", .expect = "pass",
	  .summary = "which instruction classes drain a buffered window store (lfence, mov do not: "
	             "load-passes-store hazards by design)",
	  .devices = probe_set, .expect_hazards = TRUE },
	{ .name = "vmbus", .expect = "pass",
	  .summary = "Hyper-V's interface under TCG (implies --hyperv): the kernel finds Hyper-V, "
	             "Debian's hv_vmbus negotiates, hv_balloon binds QEMU's hv-balloon and opens "
	             "its channel, every synthetic MSR reads as Linux wrote it",
	  .hyperv = TRUE, .vmbus_devices = balloon_vmbus_set, .cmdline = "msr.allow_writes=on" },
	{ .name = "bench-cfg", .expect = "pass",
	  .summary = "timed: config reads through the window vs BAR 0 MMIO reads, as TAP "
	             "diagnostics (for 'vpci-rig bench'; not in the suite)",
	  .devices = probe_set },
};

/* Sites the ordering model does not need, and why (docs/ordering.md).  A
 * new site in vpci-barriers.h needs a line here. */
#define WHY_NOT_READ_SELECT   NULL
#define WHY_NOT_READ_RELEASE  "window loads complete at once; nothing of the access is left buffered"
#define WHY_NOT_WRITE_SELECT  NULL
#define WHY_NOT_WRITE_RELEASE NULL

#define SITE_ROW(id, name, kind, where) \
	[VPCI_SITE_##id] = { name, where, VPCI_KIND_##kind, WHY_NOT_##id },
static const RigBarrierSite barrier_sites[VPCI_SITE_NR] = { VPCI_BARRIER_SITES (SITE_ROW) };
#undef SITE_ROW

#define KIND_ROW(id, name, what) [VPCI_KIND_##id] = { name, what },
static const RigBarrierKind barrier_kinds[VPCI_KIND_NR] = { VPCI_BARRIER_KINDS (KIND_ROW) };
#undef KIND_ROW

char *
rig_fences_canonical (const char *fences, GError **error)
{
	unsigned char kinds[VPCI_SITE_NR];
	char canonical[128];
	const char *bad;
	int bad_len;

	if (vpci_barriers_parse (fences, kinds, &bad, &bad_len)) {
		g_set_error (error, RIG_ERROR, RIG_ERROR_USAGE,
		             "--fences: unknown barrier site or kind '%.*s' "
		             "(SITE or SITE=KIND; see 'vpci-rig list')", bad_len, bad);
		return NULL;
	}
	vpci_barriers_format (kinds, canonical, sizeof (canonical));
	return g_strdup (canonical);
}

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

const RigBarrierKind *
rig_barrier_kinds (guint *n)
{
	*n = G_N_ELEMENTS (barrier_kinds);
	return barrier_kinds;
}
