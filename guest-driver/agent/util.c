/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

int read_file(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	int fd;

	if (size == 0)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len < size - 1) {
		ssize_t r = read(fd, buf + len, size - 1 - len);

		if (r < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			close(fd);
			return -err;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	return (int)len;
}

int write_file(const char *path, const char *s)
{
	size_t len = strlen(s);
	ssize_t w;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	w = write(fd, s, len);
	if (w < 0)
		err = -errno;
	else if ((size_t)w != len)
		err = -EIO;
	close(fd);
	return err;
}

int parse_cpulist(const char *s, unsigned long *mask, int words)
{
	const int bits = (int)(8 * sizeof(*mask));

	memset(mask, 0, sizeof(*mask) * (size_t)words);
	while (*s) {
		char *end;
		long lo, hi;

		lo = strtol(s, &end, 10);
		if (end == s || lo < 0)
			return -EINVAL;
		hi = lo;
		s = end;
		if (*s == '-') {
			s++;
			hi = strtol(s, &end, 10);
			if (end == s || hi < lo)
				return -EINVAL;
			s = end;
		}
		if (hi >= (long)words * bits)
			return -ERANGE;
		for (long c = lo; c <= hi; c++)
			mask[c / bits] |= 1UL << (c % bits);
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			return -EINVAL;
		else
			break;
	}
	return 0;
}

bool path_is(const char *path, unsigned int type_mask)
{
	struct stat st;

	return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == type_mask;
}

double uptime_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void con_log(const char *fmt, ...)
{
	char buf[1100];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "vpci-agent: ");
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	strcat(buf, "\n");
	/* fd 2 is /dev/console; unbuffered, one write per line. */
	if (write(STDERR_FILENO, buf, strlen(buf)) < 0) {
		/* nowhere left to report it */
	}
}

/* The whole kernel log, NUL-terminated (one buffer: main thread only). */
static char *klog_read(void)
{
	static char buf[1 << 20];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof(buf) - 1);

	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

int klog_count(const char *needle, char *first, size_t size)
{
	char *buf = klog_read(), *line, *save = NULL;
	int count = 0;

	if (!buf)
		return -1;
	*first = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, needle) && !count++)
			snprintf(first, size, "%s", line);
	return count;
}

void klog_diag(const char *const *words)
{
	char *buf = klog_read(), *line, *save = NULL;
	int shown = 0;

	if (!buf)
		return;
	for (line = strtok_r(buf, "\n", &save); line && shown < 20;
	     line = strtok_r(NULL, "\n", &save)) {
		bool hit = false;

		for (int i = 0; words[i] && !hit; i++)
			hit = strstr(line, words[i]) != NULL;
		if (hit && !strstr(line, "vpci-agent")) {
			tap_diag("kernel: %s", line);
			shown++;
		}
	}
}

bool pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return !sched_setaffinity(0, sizeof(set), &set);
}
