// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vpci-agent: the --gdb stop point (vpci.gdb=1 on the kernel command line).
 *
 * Once the modules are loaded, and before the scenario starts:
 *  1. the guest's /proc/kallsyms goes to /dev/ttyS2 (the harness's
 *     RUN/kallsyms), for kernel symbols by name in gdb;
 *  2. one TAP diagnostic per loaded section of each module listed in the
 *     order file, "# gdb: section MODULE SECTION 0xADDRESS", from
 *     /sys/module/MODULE/sections/ (real addresses: we run as root);
 *  3. "# gdb: ready", then a write to vpci_fault's debugfs gdb_wait, which
 *     sleeps in vpci_gdb_stop() until gdb sets vpci_gdb_go (the harness's
 *     RUN/gdb-script does, before the user's "continue").
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "agent.h"

#define GDB_KALLSYMS_TTY "/dev/ttyS2"
#define GDB_WAIT         "/sys/kernel/debug/vpci_fault/gdb_wait"

static void raw_tty(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t))
		return;
	cfmakeraw(&t);
	cfsetispeed(&t, B115200);
	cfsetospeed(&t, B115200);
	t.c_cflag |= CLOCAL;
	t.c_cflag &= ~(unsigned)CRTSCTS;
	tcsetattr(fd, TCSANOW, &t);
}

/* /proc/kallsyms -> ttyS2, raw; returns the bytes copied or -errno. */
static long copy_kallsyms(void)
{
	static char buf[65536];
	long total = 0;
	int in, out;
	ssize_t n;

	in = open("/proc/kallsyms", O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(GDB_KALLSYMS_TTY, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (out < 0) {
		close(in);
		return -errno;
	}
	raw_tty(out);
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				goto out;
			off += w;
		}
		total += n;
	}
out:
	tcdrain(out);
	close(out);
	close(in);
	return total;
}

/* One diagnostic per section of /sys/module/@name/sections. */
static int print_sections(const char *name)
{
	char dir[256], path[512], addr[64];
	struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/sys/module/%s/sections", name);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] != '.' || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (read_file(path, addr, sizeof(addr)) < 0)
			continue;
		tap_diag("gdb: section %s %s %s", name, e->d_name, addr);
		n++;
	}
	closedir(d);
	return n;
}

void gdb_stop(struct agent *a)
{
	static char list[4096];
	char *save = NULL;
	double t0 = uptime_s();
	long bytes;
	int n;

	(void)a;
	bytes = copy_kallsyms();
	if (bytes < 0)
		tap_diag("gdb: kallsyms not saved: %s", strerror((int)-bytes));
	else
		tap_diag("gdb: kallsyms %ld bytes to " GDB_KALLSYMS_TTY " (%.1f s)",
			 bytes, uptime_s() - t0);

	n = read_file("/lib/modules/vpci/order", list, sizeof(list));
	for (char *f = n < 0 ? NULL : strtok_r(list, "\n", &save); f;
	     f = strtok_r(NULL, "\n", &save)) {
		char name[128];
		char *dot;

		f += strspn(f, " \t");
		if (!*f || *f == '#')
			continue;
		snprintf(name, sizeof(name), "%s", f);
		dot = strstr(name, ".ko");
		if (dot)
			*dot = '\0';
		for (char *p = name; *p; p++)
			if (*p == '-')
				*p = '_';
		if (print_sections(name) < 0)
			tap_diag("gdb: no sections for module %s", name);
	}

	tap_diag("gdb: ready");
	tap_flush();
	con_log("waiting for gdb: vpci_gdb_stop() in vpci_fault.ko");
	n = write_file(GDB_WAIT, "1");
	if (n < 0)
		tap_diag("gdb: %s: %s (not stopped)", GDB_WAIT, strerror(-n));
	else
		tap_diag("gdb: resumed");
}
