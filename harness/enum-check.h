/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * enum-check.h - the guest's view of the vPCI bus against QEMU's own.
 *
 * The enum scenario prints every function it found on the hv-vpci bus as
 * TAP diagnostics between "# pci-enum-begin" and "# pci-enum-end N":
 *
 *   # pci-fn SS.F vendor=VVVV device=DDDD subvendor=VVVV subdevice=DDDD class=CCCCCC
 *
 * The harness saved QMP query-pci at start.  rig_enum_check() compares
 * the two (slot.function, vendor, device, subsystem, class).  A pure
 * function: it is part of the classifier.
 */
#pragma once

#include <glib.h>

/* TRUE if the TAP has no function list (nothing to check) or it matches;
 * FALSE with a one-line @problem otherwise. */
gboolean rig_enum_check (const char *query_pci, const char *tap, char **problem);
