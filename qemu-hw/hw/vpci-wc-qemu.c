/*
 * vpci-rig: the WC model's environment in QEMU (VpciWcOps)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * current_cpu is the accessing vCPU, CPUState.ordering_epoch (patch 0003)
 * its epoch, x86_cpu_io_guest_pc() (patch 0004) its guest PC, the guard is
 * patch 0005's and deadlines are in QEMU_CLOCK_VIRTUAL.  Target-specific
 * for x86_cpu_io_guest_pc(); the model itself (vpci-wc.c) is not.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/rcu.h"
#include "exec/memory.h"
#include "system/cpu-timers.h"
#include "hw/core/cpu.h"
#include "cpu.h"
#include "vpci-wc.h"

static int wc_qemu_current_vcpu(VpciWc *wc)
{
    return current_cpu ? current_cpu->cpu_index : -1;
}

/* @vcpu's CPUState: the caller's own one without a walk of the CPU list. */
static CPUState *wc_qemu_cpu(unsigned vcpu)
{
    if (current_cpu && current_cpu->cpu_index == vcpu) {
        return current_cpu;
    }
    return qemu_get_cpu(vcpu);
}

static uint64_t wc_qemu_epoch(VpciWc *wc, unsigned vcpu)
{
    CPUState *cs = wc_qemu_cpu(vcpu);

    /* other vCPUs advance theirs in translated code, without the BQL */
    return cs ? qatomic_read(&cs->ordering_epoch) : 0;
}

static int64_t wc_qemu_clock_ns(VpciWc *wc)
{
    return qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

static uint64_t wc_qemu_guest_pc(VpciWc *wc, unsigned vcpu)
{
    CPUState *cs = wc_qemu_cpu(vcpu);
    uint64_t pc;

    return cs && x86_cpu_io_guest_pc(cs, &pc) ? pc : 0;
}

/*
 * Whether the store at guest virtual @addr goes to RAM.  The guard sees
 * every store, also those to MMIO: a config store straight after its
 * select (the model's own, with its own hazard kind) or to other MMIO
 * (which drains, in io_prepare()).  Neither is a memory store passing a
 * buffered one.  A debug walk of the page tables, so nothing is touched;
 * the guard asks only when it is about to report.
 */
static bool wc_qemu_store_is_ram(CPUState *cs, vaddr addr)
{
    MemTxAttrs attrs;
    hwaddr page = cpu_get_phys_page_attrs_debug(cs, addr & TARGET_PAGE_MASK,
                                                &attrs);
    hwaddr xlat, len = 1;
    MemoryRegion *mr;

    if (page == -1) {
        return false;       /* it faults: exception delivery drains */
    }
    RCU_READ_LOCK_GUARD();
    mr = address_space_translate(cpu_get_address_space(cs,
                                     cpu_asidx_from_attrs(cs, attrs)),
                                 page | (addr & ~TARGET_PAGE_MASK), &xlat,
                                 &len, true, attrs);
    return memory_region_is_ram(mr);
}

/*
 * Patch 0005's guard callback, from translated code without the BQL: the
 * lock-free half first, so a vCPU with nothing to report does not take it.
 *
 * A fence only advances the epoch: the buffered stores are drained as far
 * as the ordering rules go, and applying them would take the BQL once more
 * in the guest's critical section.  Everything that could see the
 * difference drains them first: this vCPU's next window access (the
 * model), MMIO access or ordinary store (this guard, still armed), another
 * vCPU's window access (the model), and the delay timer.  Not covered: an
 * IPI sent with WRMSR (x2APIC) straight after the fence, before any store,
 * whose target then reaches a child's BAR directly (docs/ordering.md).
 */
static void wc_qemu_guard_cb(CPUState *cs, CPUOrderingEvent ev, vaddr pc,
                             vaddr addr, void *opaque)
{
    VpciWc *wc = opaque;
    bool drained;

    if (ev == CPU_ORDERING_FENCE) {
        return;
    }
    if (!vpci_wc_guard_wanted(wc, cs->cpu_index, ev == CPU_ORDERING_STORE,
                              &drained)) {
        return;
    }
    if (ev == CPU_ORDERING_STORE && !drained &&
        !wc_qemu_store_is_ram(cs, addr)) {
        return;
    }
    /*
     * Under icount, device code may read the virtual clock only at an
     * I/O-capable point (an MMIO access); a store in translated code is
     * not one, so that drain waits for the next window access instead.
     */
    if (drained && icount_enabled() && !cs->neg.can_do_io) {
        return;
    }
    BQL_LOCK_GUARD();
    vpci_wc_guard(wc, cs->cpu_index, drained, pc, addr);
}

static void wc_qemu_guard(VpciWc *wc, unsigned vcpu, bool arm)
{
    CPUState *cs = wc_qemu_cpu(vcpu);

    if (!cs) {
        return;
    }
    if (arm) {
        cpu_ordering_guard_arm(cs, wc_qemu_guard_cb, wc);
    } else {
        cpu_ordering_guard_disarm(cs);
    }
}

static void wc_qemu_timer_cb(void *opaque)
{
    vpci_wc_timer(opaque);
}

/*
 * The model asks for its earliest deadline after every window access.  A
 * timer_mod() that makes the timer the clock's earliest wakes the main
 * loop, which then takes the BQL: once per access when the buffer empties
 * and refills each time.  So an earlier deadline is kept, and an empty
 * model leaves the timer alone: firing early only re-arms (vpci_wc_timer()
 * drains what is due, nothing else), and a timer with nothing buffered
 * fires once and stops.
 */
static void wc_qemu_timer_mod(VpciWc *wc, int64_t deadline_ns)
{
    int64_t pending;

    if (deadline_ns == INT64_MAX) {
        return;
    }
    if (!wc->timer) {
        wc->timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, wc_qemu_timer_cb, wc);
    }
    pending = timer_expire_time_ns(wc->timer);
    if (pending >= 0 && pending <= deadline_ns) {
        return;
    }
    timer_mod(wc->timer, deadline_ns);
}

static void wc_qemu_finalize(VpciWc *wc)
{
    g_clear_pointer(&wc->timer, timer_free);
}

const VpciWcOps vpci_wc_qemu_ops = {
    .current_vcpu = wc_qemu_current_vcpu,
    .epoch = wc_qemu_epoch,
    .clock_ns = wc_qemu_clock_ns,
    .guest_pc = wc_qemu_guest_pc,
    .guard = wc_qemu_guard,
    .timer_mod = wc_qemu_timer_mod,
    .finalize = wc_qemu_finalize,
};
