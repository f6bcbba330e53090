/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * passthrough: stock QEMU devices behind the hv-vpci bus used through
 * their in-tree Linux drivers: virtio-rng as /dev/hwrng, virtio-blk as
 * /dev/vda (patterns written with O_DIRECT and read back).
 * docs/scenarios.md.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "vbus.h"

static bool wait_path(const char *path, unsigned int type, double seconds)
{
	double t0 = uptime_s();

	while (!path_is(path, type)) {
		if (uptime_s() - t0 > seconds)
			return false;
		usleep(20000);
	}
	return true;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* Is the device behind sysfs @dev (a class/bus link) on the vPCI domain? */
static bool behind_vpci(const struct vbus *vb, const char *dev, char *where, size_t size)
{
	char real[PATH_MAX], needle[16];

	if (!realpath(dev, real)) {
		snprintf(where, size, "%s: %s", dev, strerror(errno));
		return false;
	}
	snprintf(needle, sizeof(needle), "/%04x:", vb->domain);
	snprintf(where, size, "%s", real);
	return strstr(real, needle) != NULL;
}

static void passthrough_rng(const struct vbus *vb)
{
	unsigned char buf[64];
	char cur[64] = "", where[PATH_MAX];
	ssize_t n = -1;
	int fd, distinct = 0;
	struct sigaction sa = { .sa_handler = on_alarm };

	wait_path("/dev/hwrng", S_IFCHR, 10);
	read_file("/sys/class/misc/hw_random/rng_current", cur, sizeof(cur));
	{
		DIR *d = opendir("/sys/bus/virtio/drivers/virtio_rng");
		struct dirent *e;
		bool behind = false;

		strcpy(where, "no virtio_rng device");
		while (d && (e = readdir(d)))
			if (!strncmp(e->d_name, "virtio", 6)) {
				char link[PATH_MAX];

				snprintf(link, sizeof(link), "/sys/bus/virtio/drivers/virtio_rng/%s",
					 e->d_name);
				behind = behind_vpci(vb, link, where, sizeof(where));
			}
		if (d)
			closedir(d);
		tap_ok(!strncmp(cur, "virtio_rng", 10) && behind,
		       "hwrng backed by %s, behind the vPCI bus (%s)", cur[0] ? cur : "(none)", where);
	}
	fd = open("/dev/hwrng", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: read returns EINTR */
		alarm(10);
		n = read(fd, buf, sizeof(buf));
		alarm(0);
		close(fd);
	}
	for (ssize_t i = 1; i < n; i++)
		if (buf[i] != buf[0])
			distinct = 1;
	tap_ok(n == (ssize_t)sizeof(buf) && distinct,
	       "read %zd bytes from /dev/hwrng, not all equal (%02x %02x %02x %02x...)",
	       n, buf[0], buf[1], buf[2], buf[3]);
}

#define BLK_SPAN (1u << 20)

static void passthrough_blk(const struct vbus *vb, unsigned long seed)
{
	char where[PATH_MAX], size[32] = "";
	unsigned char *wbuf = NULL, *rbuf = NULL;
	unsigned long long sectors;
	off_t offs[2];
	int fd, bad = -1;

	if (!tap_ok(wait_path("/dev/vda", S_IFBLK, 10) &&
		    behind_vpci(vb, "/sys/block/vda/device", where, sizeof(where)),
		    "/dev/vda present, behind the vPCI bus (%s)", where))
		return;
	read_file("/sys/block/vda/size", size, sizeof(size));
	sectors = strtoull(size, NULL, 10);
	if (!tap_ok(sectors * 512 >= 2 * BLK_SPAN, "disk size %llu sectors", sectors))
		return;
	offs[0] = 0;
	offs[1] = (off_t)(sectors * 512 - BLK_SPAN);
	if (posix_memalign((void **)&wbuf, 4096, BLK_SPAN) ||
	    posix_memalign((void **)&rbuf, 4096, BLK_SPAN)) {
		tap_ok(false, "buffers");
		return;
	}
	fd = open("/dev/vda", O_RDWR | O_DIRECT | O_CLOEXEC);
	if (fd >= 0) {
		bad = 0;
		for (int k = 0; k < 2; k++) {
			unsigned long s = seed * 2654435761ul + (unsigned long)k + 1;

			for (unsigned int i = 0; i < BLK_SPAN; i += 8) {
				unsigned long x = xorshift(&s);

				memcpy(wbuf + i, &x, 8);
			}
			if (pwrite(fd, wbuf, BLK_SPAN, offs[k]) != BLK_SPAN || fsync(fd) ||
			    pread(fd, rbuf, BLK_SPAN, offs[k]) != BLK_SPAN ||
			    memcmp(wbuf, rbuf, BLK_SPAN))
				bad++;
		}
		close(fd);
	}
	tap_ok(bad == 0, "wrote 2 x 1 MiB patterns to /dev/vda (O_DIRECT), read back equal%s",
	       bad < 0 ? " (cannot open)" : bad ? " (MISMATCH)" : "");
	free(wbuf);
	free(rbuf);
}

void scenario_passthrough(struct agent *a)
{
	static struct vbus vb;

	if (!vbus_get(&vb))
		return;
	for (int i = 0; i < vb.n; i++)
		tap_diag("%s [%04x:%04x] driver %s", vb.f[i].name, vb.f[i].vendor,
			 vb.f[i].device, vb.f[i].driver);
	passthrough_rng(&vb);
	passthrough_blk(&vb, a->seed);
}
