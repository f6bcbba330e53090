/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qemu-opt.c - QEMU option values (qemu-opt.h).
 */
#include "qemu-opt.h"

char *
rig_qemu_opt_escape (const char *value)
{
	g_auto(GStrv) parts = g_strsplit (value, ",", -1);

	return g_strjoinv (",,", parts);
}
