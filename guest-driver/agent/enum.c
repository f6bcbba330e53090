/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * enum: the functions behind the hv-vpci bus as lspci would show them, a
 * machine-readable list the harness compares with QMP query-pci, and for
 * each function its identity read through the config window and its BARs
 * inside the bus's aperture.  docs/scenarios.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "vbus.h"
#include "vpci-testfn-regs.h"

static bool bars_in_aperture(const struct vbus *vb, const struct vfn *f, char *why, size_t size)
{
	why[0] = '\0';
	for (int b = 0; b < 6; b++) {
		if (!f->bar_end[b] || !(f->bar_flags[b] & 0x200))	/* IORESOURCE_MEM */
			continue;
		if (f->bar_start[b] < vb->ap_start || f->bar_end[b] > vb->ap_end) {
			snprintf(why, size, "BAR %d %#llx-%#llx outside", b,
				 f->bar_start[b], f->bar_end[b]);
			return false;
		}
	}
	return true;
}

void scenario_enum(struct agent *a)
{
	static struct vbus vb;

	(void)a;
	if (!vbus_get(&vb))
		return;

	tap_diag("-[%04x:00]-+ (behind %s)", vb.domain, vb.parent);
	for (int i = 0; i < vb.n; i++) {
		struct vfn *f = &vb.f[i];
		char bars[256] = "";

		for (int b = 0; b < 6; b++)
			if (f->bar_end[b])
				snprintf(bars + strlen(bars), sizeof(bars) - strlen(bars),
					 " bar%d=%#llx+%#llx", b, f->bar_start[b],
					 f->bar_end[b] - f->bar_start[b] + 1);
		tap_diag("          %s-%02x.%x  [%04x:%04x] rev %02x class %06x [%s]%s",
			 i == vb.n - 1 ? "\\" : "+", f->slot, f->fn, f->vendor, f->device,
			 f->rev, f->class, f->driver, bars);
	}

	/* Machine-readable, compared by the harness with QMP query-pci. */
	tap_diag("pci-enum-begin");
	for (int i = 0; i < vb.n; i++) {
		struct vfn *f = &vb.f[i];

		tap_diag("pci-fn %02x.%x vendor=%04x device=%04x subvendor=%04x subdevice=%04x class=%06x",
			 f->slot, f->fn, f->vendor, f->device, f->subvendor, f->subdevice, f->class);
	}
	tap_diag("pci-enum-end %d", vb.n);

	for (int i = 0; i < vb.n; i++) {
		struct vfn *f = &vb.f[i];
		char why[128];
		uint32_t id = 0, sig = 0;
		int fd = cfg_open(f);
		bool ok = fd >= 0 && !cfg_read(fd, 0, 4, &id) &&
			  id == (f->vendor | f->device << 16);

		if (is_testfn(f)) {
			unsigned int fn = f->fn;
			unsigned int off = VPCI_TESTFN_CFG_SIG_BASE + 4 * (f->slot % 64);

			ok = ok && f->rev == fn &&
			     f->subvendor == VPCI_TESTFN_SUBSYS_VENDOR_ID &&
			     f->subdevice == VPCI_TESTFN_SUBSYS_ID(fn) &&
			     f->class == VPCI_TESTFN_CLASS &&
			     !cfg_read(fd, off, 4, &sig) && sig == VPCI_TESTFN_SIG(fn, off) &&
			     !strcmp(f->driver, "vpci_testfn");
			tap_ok(ok, "%s: testfn identity of function %u (rev %u, subsystem %04x:%04x, "
			       "class %06x, signature %#x, driver %s)", f->name, fn, f->rev,
			       f->subvendor, f->subdevice, f->class, sig, f->driver);
		} else {
			tap_ok(ok && f->vendor != 0xffff, "%s: %04x:%04x, config space agrees (%#x)",
			       f->name, f->vendor, f->device, id);
		}
		bool inside = bars_in_aperture(&vb, f, why, sizeof(why));

		tap_ok(inside, "%s: every memory BAR inside the aperture%s%s", f->name,
		       why[0] ? ": " : "", why);
	}
	cfg_close_all(&vb);
}
