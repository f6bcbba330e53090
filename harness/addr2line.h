/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * addr2line.h - where in our modules' source a PC is.
 */
#pragma once

#include <glib.h>

/* Spawns addr2line on module @ko for every offset (guint64 *) of
 * @offsets, from .text; returns one "function (file.c:line)" per offset,
 * in order ("?" if unknown), or NULL if addr2line could not run.  Of an
 * inline chain it names the first frame outside a header. */
GStrv rig_addr2line (const char *ko, GPtrArray *offsets);
