/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qemu-opt.h - QEMU option values: the one escaping helper, and an argv as
 * the shell line that would run it.
 */
#pragma once

#include <glib.h>

/* @value as part of a QEMU option value (-device, -chardev, -blockdev):
 * keys are separated by ',', so a literal comma is written ",,". */
char *rig_qemu_opt_escape (const char *value);

/* argv as one shell-quoted line, for printing and RUN/cmdline. */
char *rig_argv_to_string (const char *const *argv);
