/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hotplug and hostile: the two scenarios in which the host hot-adds a
 * function and asks for it back while the guest runs.  Both follow the
 * harness's "# hotplug: ready / added / removed" handshake and wait for
 * its acknowledgement of DEVICE_DELETED.  docs/scenarios.md.
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "agent.h"
#include "vbus.h"

static int count_lines_with(const char *path, const char *needle)
{
	static char buf[65536];
	int n = 0;

	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (char *p = buf; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static struct vfn *find_new(struct vbus *now, const struct vbus *before)
{
	for (int i = 0; i < now->n; i++) {
		bool old = false;

		for (int j = 0; j < before->n; j++)
			old |= !strcmp(now->f[i].name, before->f[j].name);
		if (!old)
			return &now->f[i];
	}
	return NULL;
}

#define HOTPLUG_WAIT 30.0

/*
 * The harness acknowledges DEVICE_DELETED with a break on ttyS1, which a
 * raw tty reads as a NUL byte.  open_host_ack() before "# hotplug: ready"
 * (a break that comes early is kept), wait_host_ack() when it is due.
 */
static int open_host_ack(void)
{
	int fd = open("/dev/ttyS1", O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		tcflush(fd, TCIFLUSH);
	return fd;
}

static bool wait_host_ack(int fd, double seconds)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	double t0 = uptime_s();
	bool acked = false;
	char c = 1;

	while (fd >= 0 && !acked && uptime_s() - t0 < seconds) {
		if (poll(&pfd, 1, 100) > 0 && read(fd, &c, 1) == 1)
			acked = c == 0;
	}
	if (fd >= 0)
		close(fd);
	return acked;
}

void scenario_hotplug(struct agent *a)
{
	static struct vbus before, now;
	struct vfn *nf = NULL, added;
	char dbg[PATH_MAX], path[PATH_MAX];
	int irq_lines = count_lines_with("/proc/interrupts", "vpci_testfn");
	int ack_fd = open_host_ack();
	double t0;
	bool gone = false;

	(void)a;
	if (!vbus_get(&before))
		return;
	tap_diag("before: %d functions, %d vpci_testfn lines in /proc/interrupts",
		 before.n, irq_lines);
	tap_diag("hotplug: ready");
	tap_flush();

	t0 = uptime_s();
	while (uptime_s() - t0 < HOTPLUG_WAIT) {
		if (!vbus_scan(&now) && (nf = find_new(&now, &before)) &&
		    !strcmp(nf->driver, "vpci_testfn"))
			break;
		nf = NULL;
		usleep(50000);
	}
	if (!tap_ok(nf != NULL, "a new function appeared and bound to vpci_testfn within %.0f s%s%s",
		    HOTPLUG_WAIT, nf ? ": " : "", nf ? nf->name : "")) {
		tap_diag("hotplug: added");	/* let the host clean up anyway */
		return;
	}
	added = *nf;
	debugfs_dir(&added, dbg, sizeof(dbg));
	{
		unsigned long total = 0, per[MAX_CPUS];
		/* dbg and a file name: never truncated */
		char raise[PATH_MAX + 16], counts[PATH_MAX + 16];
		bool ready, irq_ok;
		double t1 = uptime_s();
		int polls = 0;

		/*
		 * The "driver" link appears before the driver's probe runs
		 * (driver_sysfs_add() precedes ->probe() in really_probe()), so
		 * "bound" does not mean probed: wait, bounded, for the files
		 * vpci_testfn creates at the end of probe, after its vectors
		 * are requested.
		 */
		snprintf(raise, sizeof(raise), "%s/raise", dbg);
		snprintf(counts, sizeof(counts), "%s/irq_counts", dbg);
		while (!(ready = path_is(raise, S_IFREG) && path_is(counts, S_IFREG)) &&
		       uptime_s() - t1 < HOTPLUG_WAIT) {
			polls++;
			usleep(1000);
		}
		tap_diag("%s: driver's debugfs %s after %.3f s (%d polls missed it)",
			 added.name, ready ? "ready" : "still missing", uptime_s() - t1, polls);
		irq_ok = ready && !debugfs_write(&added, "raise", "0");
		t1 = uptime_s();

		while (irq_ok && !irq_counts(&added, 0, &total, per, 1) && !total &&
		       uptime_s() - t1 < 2.0)
			usleep(1000);
		tap_ok(irq_ok && total == 1 && is_testfn(&added) && added.rev == added.fn,
		       "%s: identity ok, debugfs present, vector 0 raised and counted (%lu)",
		       added.name, total);
	}
	tap_diag("hotplug: added");
	tap_flush();

	snprintf(path, sizeof(path), PCI_DEVICES "/%s", added.name);
	t0 = uptime_s();
	while (!(gone = !path_is(path, S_IFDIR)) && uptime_s() - t0 < HOTPLUG_WAIT)
		usleep(50000);
	tap_ok(gone, "%s disappeared from sysfs within %.0f s", added.name, HOTPLUG_WAIT);

	/* what the driver and the bus created must be gone too */
	{
		int lines = count_lines_with("/proc/interrupts", added.name);
		int all = count_lines_with("/proc/interrupts", "vpci_testfn");

		tap_ok(!path_is(dbg, S_IFDIR) && lines == 0 && all == irq_lines,
		       "no leftovers: debugfs %s %s, %d /proc/interrupts lines of it, "
		       "%d vpci_testfn lines (before: %d)", dbg,
		       path_is(dbg, S_IFDIR) ? "still there" : "gone", lines, all, irq_lines);
	}
	vbus_scan(&now);
	tap_ok(now.n == before.n, "the bus is back to %d functions (%d)", before.n, now.n);

	/* the host must have seen the eject complete before we power off */
	tap_diag("hotplug: removed");
	tap_flush();
	tap_ok(wait_host_ack(ack_fd, HOTPLUG_WAIT),
	       "the host acknowledged DEVICE_DELETED (break on ttyS1)");
}

/* -------------------------------------------------------------- hostile */

/*
 * QEMU against a hostile guest (guest-driver/hostile/vpci_hostile.c): the
 * bus's own drivers leave, vpci_hostile takes the hv-vpci function and
 * storms it from every CPU while the host hot-adds a function and then
 * asks for it back; then the real drivers return.  QEMU must answer
 * throughout (the harness's QMP commands, its verdict), and the fresh
 * hv_vpci must find the bus exactly as before (the enum checks, and the
 * harness compares with QMP query-pci).
 */
#define HOSTILE_SECONDS	10
#define HOSTILE_DEBUGFS	"/sys/kernel/debug/vpci_hostile"

/* Bind @bdf to @driver through driver_override ("" clears it). */
static int pci_override(const char *bdf, const char *driver)
{
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver_override", bdf);
	ret = write_file(path, *driver ? driver : "\n");
	if (!ret && *driver)
		ret = write_file("/sys/bus/pci/drivers_probe", bdf);
	return ret;
}

static bool bound_to(const char *bdf, const char *driver)
{
	char cur[64];

	pci_driver(bdf, cur, sizeof(cur));
	return !strcmp(cur, driver);
}

void scenario_hostile(struct agent *a)
{
	static struct vbus before;
	char bdf[32], cmd[64], result[512], path[PATH_MAX];
	int ack_fd = open_host_ack();
	bool ok;

	if (!vbus_get(&before))
		return;
	snprintf(bdf, sizeof(bdf), "%s", before.parent);

	ok = !unload_module("vpci_testfn") && !unload_module("hv_vpci");
	if (!tap_ok(ok && !bound_to(bdf, "hv_vpci"), "vpci_testfn and hv_vpci unloaded"))
		return;
	ok = !pci_override(bdf, "vpci_hostile");
	if (!tap_ok(ok && bound_to(bdf, "vpci_hostile"), "%s bound to vpci_hostile", bdf))
		return;

	/*
	 * The host's device_add comes as the storm starts and its device_del
	 * halfway through: the hotplug races the storm on purpose.  The half
	 * way point is a schedule, not a synchronisation: whatever the order,
	 * the eject ends when the channel is reset (below at the latest).
	 * The device may refuse that device_del (the storm left its ring full
	 * or the channel broken); the host then asks again after the storm.
	 */
	tap_diag("hotplug: ready");
	tap_flush();
	snprintf(cmd, sizeof(cmd), "%lu %d", a->seed, HOSTILE_SECONDS);
	if (!tap_ok(!write_file(HOSTILE_DEBUGFS "/run", cmd),
		    "storm started: seed %lu, %d s, every CPU", a->seed, HOSTILE_SECONDS))
		return;
	usleep(HOSTILE_SECONDS * 1000000 / 2);
	tap_diag("hotplug: added");
	tap_flush();

	/* blocks until the storm ends */
	ok = read_file(HOSTILE_DEBUGFS "/result", result, sizeof(result)) > 0;
	tap_diag("storm: %s", ok ? result : "no result");
	{
		const char *e = ok ? strstr(result, "device-errors=") : NULL;
		const char *o = ok ? strstr(result, " ops=") : NULL;
		unsigned long errors = e ? strtoul(e + 14, NULL, 10) : 0;
		unsigned long ops = o ? strtoul(o + 5, NULL, 10) : 0;

		/* a storm the device never objected to did not reach it */
		tap_ok(ops > 0 && errors > 0, "storm ran %lu operations; hv-vpci counted %lu "
		       "guest errors", ops, errors);
	}

	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/vpci_hostile/unbind");
	ok = !write_file(path, bdf) && !pci_override(bdf, "");
	tap_ok(ok && !bound_to(bdf, "vpci_hostile"), "vpci_hostile unbound, channel reset");
	/* a refused device_del is sent again: no guest now, nobody to ask */
	tap_diag("hotplug: added");
	tap_flush();
	tap_ok(wait_host_ack(ack_fd, HOTPLUG_WAIT),
	       "the host acknowledged DEVICE_DELETED of the function it added (break on ttyS1)");

	ok = !load_module("hv_vpci.ko") && !load_module("vpci_testfn.ko");
	if (!tap_ok(ok && bound_to(bdf, "hv_vpci"), "hv_vpci and vpci_testfn loaded again"))
		return;
	/* the fresh driver must see the bus as it was */
	scenario_enum(a);
	{
		static struct vbus after;

		ok = !vbus_scan(&after) && after.n == before.n;
		for (int i = 0; ok && i < before.n; i++)
			ok = after.f[i].slot == before.f[i].slot && after.f[i].fn == before.f[i].fn &&
			     after.f[i].vendor == before.f[i].vendor &&
			     after.f[i].device == before.f[i].device &&
			     !strcmp(after.f[i].driver, before.f[i].driver);
		tap_ok(ok, "the same %d functions, IDs and drivers as before the storm (%d now)",
		       before.n, after.n);
	}
}
