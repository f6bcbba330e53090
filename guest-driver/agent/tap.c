/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TAP version 13 on the second serial port.  Every line is also copied to
 * the console, prefixed, so a human reading console.log sees the results.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "agent.h"

static int tap_fd = -1;
static int tap_n;
static int tap_fail;

static void tap_write(const char *line)
{
	size_t len = strlen(line);

	while (tap_fd >= 0 && len) {
		ssize_t w = write(tap_fd, line, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		line += w;
		len -= (size_t)w;
	}
}

static void tap_vline(const char *prefix, const char *fmt, va_list ap)
{
	char buf[1024];
	int n;

	n = snprintf(buf, sizeof(buf), "%s", prefix);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	/* One TAP line per call: flatten embedded newlines. */
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	con_log("%s", buf);
	strcat(buf, "\n");
	tap_write(buf);
}

static void tap_line(const char *prefix, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vline(prefix, fmt, ap);
	va_end(ap);
}

void tap_open(const char *path)
{
	struct termios t;

	tap_fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (tap_fd < 0) {
		con_log("cannot open %s: %s; TAP goes to the console only",
			path, strerror(errno));
		return;
	}
	if (tcgetattr(tap_fd, &t) == 0) {
		cfmakeraw(&t);
		cfsetispeed(&t, B115200);
		cfsetospeed(&t, B115200);
		t.c_cflag |= CLOCAL;
		t.c_cflag &= ~(unsigned)CRTSCTS;
		tcsetattr(tap_fd, TCSANOW, &t);
	}
	tap_write("TAP version 13\n");
	con_log("TAP version 13");
}

void tap_plan(int n)
{
	tap_line("", "1..%d", n);
}

bool tap_ok(bool cond, const char *fmt, ...)
{
	char prefix[32];
	va_list ap;

	tap_n++;
	if (!cond)
		tap_fail++;
	snprintf(prefix, sizeof(prefix), "%s %d - ", cond ? "ok" : "not ok", tap_n);
	va_start(ap, fmt);
	tap_vline(prefix, fmt, ap);
	va_end(ap);
	return cond;
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vline("# ", fmt, ap);
	va_end(ap);
}

void tap_bail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vline("Bail out! ", fmt, ap);
	va_end(ap);
}

void tap_flush(void)
{
	if (tap_fd >= 0)
		tcdrain(tap_fd);
}

int tap_count(void)
{
	return tap_n;
}

int tap_failures(void)
{
	return tap_fail;
}
