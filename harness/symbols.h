/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * symbols.h - symbolise a guest address with the kernel's System.map.
 */
#pragma once

#include <glib.h>

/* Returns "symbol+0xoff", or NULL if @map_path is unreadable or no text
 * symbol precedes @addr. */
char *rig_symbolize (const char *map_path, guint64 addr);
