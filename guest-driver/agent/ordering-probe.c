/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ordering-probe: which x86 instruction classes drain the config window's
 * write-combining buffers.  docs/scenarios.md.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "agent.h"
#include "vbus.h"

/*
 * One test per x86 instruction class: does it make an earlier window store
 * visible to the device before a later window load?  hv_vpci's debugfs
 * ordering_probe does the work (select A, fence; select B unfenced; the
 * instruction; load: who answers?).  Under the write-combining model
 * everything but lfence, rdtsc, pause and plain instructions drains (mdelay()
 * is rdtsc and pause: it moves a failure away by time alone); with the model off
 * (vpci.wc=off on the command line) every class reads function B.  The
 * not-draining classes are load-passes-store hazards by design.
 */
static const struct {
	const char *name;
	bool drains;
} op_classes[] = {
	{ "none", false },	{ "mov", false },	{ "lfence", false },
	{ "sfence", true },	{ "mfence", true },	{ "lock-add", true },
	{ "xchg", true },	{ "cpuid", true },	{ "wrmsr", true },
	{ "mov-cr", true },	{ "iret", true },	{ "outb", true },
	{ "other-mmio", true },	{ "rdtsc", false },	{ "pause", false },
};

static bool cmdline_has(const char *word)
{
	static char buf[4096];
	size_t len = strlen(word);

	if (read_file("/proc/cmdline", buf, sizeof(buf)) < 0)
		return false;
	for (char *p = strstr(buf, word); p; p = strstr(p + 1, word))
		if ((p == buf || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0' || p[len] == '\n'))
			return true;
	return false;
}

void scenario_ordering_probe(struct agent *a)
{
	static struct vbus vb;
	bool wc = !cmdline_has("vpci.wc=off");
	char path[PATH_MAX];

	(void)a;
	if (!vbus_get(&vb))
		return;
	snprintf(path, sizeof(path), "/sys/kernel/debug/hv_vpci/%04x/ordering_probe", vb.domain);
	if (!tap_ok(path_is(path, S_IFREG), "%s present; window %s", path,
		    wc ? "write-combining (expect lfence, rdtsc, pause, mov, none not to drain)"
		       : "not write-combining (vpci.wc=off: every class reads function B)"))
		return;
	for (size_t i = 0; i < sizeof(op_classes) / sizeof(op_classes[0]); i++) {
		const char *name = op_classes[i].name;
		bool want = !wc || op_classes[i].drains;
		char out[256] = "", got[32] = "";
		int w = write_file(path, name);

		if (w == 0)
			read_file(path, out, sizeof(out));
		sscanf(out, "%*s %31s", got);
		tap_ok(w == 0 && !strncmp(out, name, strlen(name)) &&
		       out[strlen(name)] == ' ' && !strcmp(got, want ? "drained" : "not-drained"),
		       "%s%s%s, expected %s", w ? name : out, w ? ": " : "",
		       w ? strerror(-w) : "", want ? "drained" : "not-drained");
	}
}
