#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write the seed corpus of the hv-vpci fuzz target (qemu-hw/fuzz/README.md).

Each seed is an input for QEMU's generic-fuzz target: operations separated
by "FUZZ", each an opcode byte and its operands in the layout
tests/qtest/fuzz/generic_fuzz.c reads.  The seeds are valid sequences (a
channel enabled, protocol messages the device accepts, the window used),
so the fuzzer starts from deep states instead of rediscovering them.

Ring contents come from DMA patterns: generic-fuzz fills each guest-memory
read of the device with the next pattern, in order.  hv-vpci reads, per
doorbell: the ring header (16 bytes), then per packet its descriptor (16)
and its payload; a completion reads the host->guest header, then the
interrupt mask.  So each message clears the patterns and adds those five.

    make-seeds.py OUTDIR
"""
import os
import struct
import sys

SEP = b"FUZZ"
OP_READ, OP_WRITE, OP_ADD_DMA_PATTERN, OP_CLEAR_DMA_PATTERNS, OP_CLOCK_STEP = 2, 3, 7, 8, 9
LONG = 2

# Flat-view indexes of the fuzzable regions generic-fuzz sees in system
# memory after it maps hv-vpci's BARs (ordered by address): BAR 0, then
# the aperture; once a D0 entry maps the window it comes after the rest
# of the aperture, and a child BAR 0 placed at the aperture's start comes
# before both (the window's index moves up by one).
REGS, APERTURE, WINDOW = 0, 1, 2
CHILD_REGS, WINDOW_AFTER_BAR = 1, 3
# Where generic-fuzz's PCI enumeration puts BAR 2 (qpci, q35): the D0
# entry must name a GPA inside it.
APERTURE_GPA = 0xe4000000
APERTURE_SIZE = 64 << 20
WINDOW_GPA = APERTURE_GPA + APERTURE_SIZE - 0x2000

# include/hv-vpci-wire.h, include/vpci-testfn-regs.h, and where vpci-testfn
# puts its MSI capability on a PCIe bus (64-bit, per-vector mask)
TESTFN_DOORBELL, TESTFN_MSI_CAP = 0x08, 0x80
REGS_GPA = 0xe0000000           # where generic-fuzz puts BAR 0
REG = dict(GH_RING_LO=0x08, GH_RING_HI=0x0c, HG_RING_LO=0x10, HG_RING_HI=0x14,
           RING_SIZE=0x18, CTRL=0x1c, DOORBELL=0x20)
MSG = 0x42490000
QUERY_BUS_RELATIONS, BUS_D0ENTRY, QUERY_RESOURCE_REQUIREMENTS = MSG + 1, MSG + 7, MSG + 5
EJECTION_COMPLETE, QUERY_PROTOCOL_VERSION = MSG + 0xF, MSG + 0x13
CREATE_INTERRUPT3, RESOURCES_ASSIGNED = MSG + 0x1B, MSG + 0x10
PROTOCOL_1_4 = 0x00010004
GH_RING, HG_RING, RING_SIZE = 0x100000, 0x110000, 0x2000


def write(base, offset, value, size=LONG):
    return bytes([OP_WRITE]) + struct.pack("<BBxxIQ", size, base, offset, value)


def read(base, offset, size=LONG):
    return bytes([OP_READ]) + struct.pack("<BBxxI", size, base, offset)


def pattern(data):
    return bytes([OP_ADD_DMA_PATTERN]) + struct.pack("<BB", 0, 0) + data


def header(write_index):
    return struct.pack("<IIII", write_index, 0, 0, 0)


def packet(payload):
    """The DMA patterns for one packet and its completion."""
    total = 16 + (len(payload) + 7) // 8 * 8
    desc = struct.pack("<HHHHQ", 6, 2, total // 8, 1, 1)
    return [bytes([OP_CLEAR_DMA_PATTERNS]), pattern(header(total)), pattern(desc),
            pattern(payload), pattern(header(0)), pattern(bytes(4))]


def enable():
    return [write(REGS, REG["GH_RING_LO"], GH_RING), write(REGS, REG["GH_RING_HI"], 0),
            write(REGS, REG["HG_RING_LO"], HG_RING), write(REGS, REG["HG_RING_HI"], 0),
            write(REGS, REG["RING_SIZE"], RING_SIZE), write(REGS, REG["CTRL"], 1)]


def send(payload):
    return packet(payload) + [write(REGS, REG["DOORBELL"], 1)]


def version():
    return send(struct.pack("<II", QUERY_PROTOCOL_VERSION, PROTOCOL_1_4))


def d0_entry():
    return send(struct.pack("<IIQ", BUS_D0ENTRY, 0, WINDOW_GPA))


def wslot(dev, fn):
    return (dev & 0x1f) | (fn & 7) << 5


def create_interrupt():
    """CREATE_INTERRUPT3 for function 1.0: vector 0x41, one, on VP 0."""
    return send(struct.pack("<IIIBBHH", CREATE_INTERRUPT3, wslot(1, 0), 0x41, 0, 0, 1, 1) +
                bytes(64))


def msi(address, data):
    """Function 1.0's BAR 0 and MSI set up through the window, vector 0
    raised while masked, then unmasked through the window."""
    cap = 0x1000 + TESTFN_MSI_CAP
    w = WINDOW_AFTER_BAR
    return [write(WINDOW, 0x0, wslot(1, 0)),
            write(WINDOW, 0x1004, 0x6),             # memory, bus master
            write(WINDOW, 0x1010, APERTURE_GPA),    # BAR 0: now mapped
            write(w, cap + 0x4, address & 0xffffffff), write(w, cap + 0x8, address >> 32),
            write(w, cap + 0xc, data), write(w, cap + 0x10, 1),   # vector 0 masked
            write(w, cap, 1 << 16),                  # MSI enable
            write(CHILD_REGS, TESTFN_DOORBELL, 0),  # raise: pending
            write(w, cap + 0x10, 0)]                 # unmask: it fires


SEEDS = {
    "version": enable() + version(),
    "relations": enable() + version() + send(struct.pack("<I", QUERY_BUS_RELATIONS)),
    "window": enable() + version() + d0_entry() + [
        write(WINDOW, 0x0, wslot(1, 0)), read(WINDOW, 0x1000), read(WINDOW, 0x1100),
        write(WINDOW, 0x1004, 0x6), write(WINDOW, 0x0, wslot(1, 1)), read(WINDOW, 0x1034, 0)],
    "resources": enable() + version() + d0_entry() +
        send(struct.pack("<II", QUERY_RESOURCE_REQUIREMENTS, wslot(1, 0))) +
        send(struct.pack("<II", RESOURCES_ASSIGNED, wslot(1, 0)) +
             struct.pack("<BBHQII", 0, 0, 0, APERTURE_GPA, 0x1000, 0) * 6 + bytes(20)),
    "interrupt": enable() + version() + d0_entry() + create_interrupt() +
        [OP_CLOCK_STEP.to_bytes(1, "little")],
    # finding 1 of the robustness issue: a masked pending MSI aimed at the
    # doorbell, unmasked through the window (the device must refuse it)
    "msi-doorbell": enable() + version() + d0_entry() + msi(REGS_GPA + REG["DOORBELL"], 0),
    # a remapped MSI: the address/data a CREATE_INTERRUPT reply hands out
    "msi-remap": enable() + version() + d0_entry() + create_interrupt() +
        msi(0xfee00000, 1 << 5),
    "eject": enable() + version() +
        send(struct.pack("<III", EJECTION_COMPLETE, wslot(1, 1), 0)),
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, ops in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(SEP.join(ops))


if __name__ == "__main__":
    main()
