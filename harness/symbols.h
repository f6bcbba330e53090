/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * symbols.h - symbolise a guest address with the kernel's System.map.
 */
#pragma once

#include <glib.h>

/* @map_path: a System.map, or a /proc/kallsyms dump (module symbols come
 * out as "name [module]+0xoff").  Returns "symbol+0xoff", or NULL if the
 * file is unreadable or no text symbol precedes @addr within 1 MiB.  (Debian
 * ships a stub System.map: the real one is in linux-image-*-dbg.) */
char *rig_symbolize (const char *map_path, guint64 addr);
