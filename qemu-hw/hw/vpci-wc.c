/*
 * vpci-rig: write-combining ordering model of the hv-vpci config window
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * See vpci-wc.h for the semantics.  Target-specific: it names the guest
 * instruction of each access with x86_cpu_io_guest_pc() (patch 0004).
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "system/cpu-timers.h"
#include "hw/core/cpu.h"
#include "cpu.h"
#include "vpci-wc.h"
#include "trace.h"

static const char *const order_names[] = {
    [VPCI_WC_ORDER_PROGRAM] = "program",
    [VPCI_WC_ORDER_REVERSE] = "reverse",
    [VPCI_WC_ORDER_RANDOM] = "random",
};

bool vpci_wc_parse_order(const char *s, VpciWcOrder *order)
{
    for (unsigned i = 0; i < ARRAY_SIZE(order_names); i++) {
        if (!strcmp(s, order_names[i])) {
            *order = i;
            return true;
        }
    }
    return false;
}

const char *vpci_wc_hazard_kind_name(VpciWcHazardKind kind)
{
    switch (kind) {
    case VPCI_WC_HAZARD_LOAD_PASSES_STORE:
        return "load-passes-store";
    case VPCI_WC_HAZARD_STORE_PASSES_STORE:
        return "store-passes-store";
    case VPCI_WC_HAZARD_CROSS_VCPU:
        return "cross-vcpu";
    case VPCI_WC_HAZARD_RAM_STORE_PASSES_STORE:
        return "ram-store-passes-store";
    }
    return "unknown";
}

/* xorshift64*: small, seedable, and the same on every host. */
static uint64_t wc_random(VpciWc *wc)
{
    uint64_t x = wc->rng;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    wc->rng = x;
    return x * 0x2545f4914f6cdd1dULL;
}

/* The accessing vCPU, or NULL for qtest and other non-vCPU accesses. */
static CPUState *wc_vcpu(VpciWc *wc)
{
    if (!current_cpu || current_cpu->cpu_index >= wc->nvcpus) {
        return NULL;
    }
    return current_cpu;
}

static uint64_t wc_guest_pc(CPUState *cs)
{
    uint64_t pc;

    return x86_cpu_io_guest_pc(cs, &pc) ? pc : 0;
}

static uint64_t wc_epoch(unsigned vcpu)
{
    CPUState *cs = qemu_get_cpu(vcpu);

    return cs ? qatomic_read(&cs->ordering_epoch) : 0;
}

/* The buffered store with the lowest (oldest) or highest sequence. */
static const VpciWcStore *buffer_pick(const VpciWcBuffer *buf, bool newest,
                                      hwaddr skip_line, bool use_skip)
{
    const VpciWcStore *best = NULL;

    for (unsigned l = 0; l < buf->nlines; l++) {
        const VpciWcLine *line = &buf->lines[l];

        if (use_skip && line->base == skip_line) {
            continue;
        }
        for (unsigned s = 0; s < line->nstores; s++) {
            const VpciWcStore *st = &line->stores[s];

            if (!best || (newest ? st->seq > best->seq : st->seq < best->seq)) {
                best = st;
            }
        }
    }
    return best;
}

static void wc_report(VpciWc *wc, VpciWcHazardKind kind, bool is_store,
                      int vcpu, hwaddr offset, unsigned size, uint64_t pc,
                      int earlier_vcpu, const VpciWcStore *earlier)
{
    VpciWcHazard h = {
        .kind = kind,
        .is_store = is_store,
        .vcpu = vcpu,
        .offset = offset,
        .size = size,
        .pc = pc,
        .earlier_vcpu = earlier_vcpu,
        .earlier_offset = earlier->offset,
        .earlier_pc = earlier->pc,
    };

    wc->hazards++;
    trace_vpci_wc_hazard(vpci_wc_hazard_kind_name(kind), vcpu, offset, pc,
                         earlier_vcpu, earlier->offset, earlier->pc);
    if (wc->hazard) {
        wc->hazard(wc->opaque, &h);
    }
}

/*
 * Lines of one buffer reach the device in the configured order.  The
 * stores are moved out of the buffer before the first apply(): device
 * code runs from there (a child's config write, its MSI...), and the
 * buffer must already be empty and consistent if anything looks at it.
 * Nothing re-enters the model meanwhile (wc->busy, and the device keeps
 * its MMIO re-entrancy guard engaged around apply()).
 */
static void wc_drain_buffer(VpciWc *wc, unsigned vcpu, const char *why)
{
    VpciWcBuffer *buf = &wc->buffers[vcpu];
    unsigned n = buf->nlines;
    unsigned *order = wc->line_order;
    VpciWcStore *out = wc->inflight;
    unsigned nout = 0;
    uint64_t min_after = UINT64_MAX;

    if (!n) {
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        /* Lines are kept in the order they were first written. */
        order[i] = wc->order == VPCI_WC_ORDER_REVERSE ? n - 1 - i : i;
    }
    if (wc->order == VPCI_WC_ORDER_RANDOM) {
        for (unsigned i = n - 1; i > 0; i--) {
            unsigned j = wc_random(wc) % (i + 1);
            unsigned t = order[i];

            order[i] = order[j];
            order[j] = t;
        }
    }
    for (unsigned i = 0; i < n; i++) {
        VpciWcLine *line = &buf->lines[order[i]];

        /* Stores combined in one line land in program order. */
        memcpy(&out[nout], line->stores, line->nstores * sizeof(*out));
        nout += line->nstores;
        line->nstores = 0;
    }
    buf->nlines = 0;
    trace_vpci_wc_drain(vcpu, n, why);
    wc->drains++;
    /* a store overtakes if one earlier in program order lands after it */
    for (unsigned i = nout; i > 0; i--) {
        wc->overtakes[i - 1] = min_after < out[i - 1].seq;
        min_after = MIN(min_after, out[i - 1].seq);
    }
    wc->busy = true;
    for (unsigned i = 0; i < nout; i++) {
        wc->apply(wc->opaque, vcpu, wc->overtakes[i], out[i].offset,
                  out[i].value, out[i].size);
    }
    wc->busy = false;
}

static void wc_rearm(VpciWc *wc)
{
    int64_t next = INT64_MAX;

    for (unsigned v = 0; v < wc->nvcpus; v++) {
        if (wc->buffers[v].nlines) {
            next = MIN(next, wc->buffers[v].deadline_ns);
        }
    }
    if (next == INT64_MAX) {
        timer_del(wc->timer);
    } else {
        timer_mod(wc->timer, next);
    }
}

static uint64_t buffer_oldest_seq(const VpciWcBuffer *buf)
{
    const VpciWcStore *st = buffer_pick(buf, false, 0, false);

    return st ? st->seq : UINT64_MAX;
}

/*
 * Drain every buffer whose vCPU has drained since, or whose time is up.
 * Several buffers found drained at once reach the device in the order
 * policy too (by their oldest store), as lines of one buffer do.
 */
static void wc_sync(VpciWc *wc)
{
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    unsigned *due = wc->due;
    unsigned n = 0;

    for (unsigned v = 0; v < wc->nvcpus; v++) {
        VpciWcBuffer *buf = &wc->buffers[v];

        if (buf->nlines &&
            (wc_epoch(v) != buf->epoch || now >= buf->deadline_ns)) {
            due[n++] = v;
        }
    }
    /* Insertion sort by oldest store: n is the vCPU count at most. */
    for (unsigned i = 1; i < n; i++) {
        for (unsigned j = i; j > 0; j--) {
            uint64_t a = buffer_oldest_seq(&wc->buffers[due[j - 1]]);
            uint64_t b = buffer_oldest_seq(&wc->buffers[due[j]]);
            bool swap = wc->order == VPCI_WC_ORDER_REVERSE ? a < b : a > b;
            unsigned t;

            if (!swap) {
                break;
            }
            t = due[j];
            due[j] = due[j - 1];
            due[j - 1] = t;
        }
    }
    if (wc->order == VPCI_WC_ORDER_RANDOM) {
        for (unsigned i = n; i > 1; i--) {
            unsigned j = wc_random(wc) % i;
            unsigned t = due[i - 1];

            due[i - 1] = due[j];
            due[j] = t;
        }
    }
    for (unsigned i = 0; i < n; i++) {
        VpciWcBuffer *buf = &wc->buffers[due[i]];

        wc_drain_buffer(wc, due[i],
                        wc_epoch(due[i]) != buf->epoch ? "epoch" : "delay");
    }
}

static void wc_timer_cb(void *opaque)
{
    VpciWc *wc = opaque;

    if (wc->busy) {
        wc_rearm(wc);
        return;
    }
    wc_sync(wc);
    wc_rearm(wc);
}

/* Report the oldest undrained store of any other vCPU, if there is one. */
/* @pc: the access's guest PC, or 0 to look it up only if there is a hazard. */
static void wc_check_cross(VpciWc *wc, CPUState *cs, bool is_store,
                           hwaddr offset, unsigned size, uint64_t pc)
{
    for (unsigned v = 0; v < wc->nvcpus; v++) {
        const VpciWcStore *st;

        if (v == cs->cpu_index || !wc->buffers[v].nlines) {
            continue;
        }
        st = buffer_pick(&wc->buffers[v], false, 0, false);
        if (!st) {
            continue;
        }
        wc_report(wc, VPCI_WC_HAZARD_CROSS_VCPU, is_store, cs->cpu_index,
                  offset, size, pc ? pc : wc_guest_pc(cs), v, st);
        return;
    }
}

/*
 * The vCPU's ordering guard, armed while it has window stores buffered.
 * Called from translated code (no BQL) before each store to ordinary
 * memory, and after each draining event.  After a drain, the buffer lands
 * now, not at the next window access: the device (and its children's
 * other BARs) must see it before anything else this vCPU does.  A store
 * before the drain is a hazard, reported once per batch.
 */
static void wc_guard(CPUState *cs, vaddr pc, vaddr addr, bool is_store,
                     void *opaque)
{
    VpciWc *wc = opaque;
    VpciWcBuffer *buf = &wc->buffers[cs->cpu_index];
    bool drained = qatomic_read(&cs->ordering_epoch) != qatomic_read(&buf->epoch);

    if (!drained && (!is_store || qatomic_read(&buf->guard_reported))) {
        return;
    }
    /*
     * Under icount, device code may read the virtual clock only at an
     * I/O-capable point (an MMIO access); a fence in translated code is
     * not one, so that drain waits for the next window access instead.
     */
    if (drained && icount_enabled() && !cs->neg.can_do_io) {
        return;
    }
    BQL_LOCK_GUARD();
    if (wc->busy) {
        return;     /* a drain is applying stores: the next call drains */
    }
    if (!buf->nlines) {
        cpu_ordering_guard_disarm(cs);
    } else if (drained) {
        wc_drain_buffer(wc, cs->cpu_index, "epoch");
        wc_rearm(wc);
        cpu_ordering_guard_disarm(cs);
    } else {
        const VpciWcStore *st = buffer_pick(buf, true, 0, false);

        if (st) {
            wc_report(wc, VPCI_WC_HAZARD_RAM_STORE_PASSES_STORE, true,
                      cs->cpu_index, addr, 0, pc, cs->cpu_index, st);
        }
        qatomic_set(&buf->guard_reported, true);
    }
}

/*
 * A window access from inside a drain: device code reached the window
 * while applying stores (a child's MSI aimed at it, say).  The device's
 * re-entrancy guard should have stopped it; refuse it here as well, so
 * the buffers and scratch arrays cannot be overwritten mid-drain.
 */
static void wc_reentered(VpciWc *wc, const char *what, hwaddr offset,
                         unsigned size)
{
    wc->reentered++;
    qemu_log_mask(LOG_GUEST_ERROR, "hv-vpci: window %s at 0x%" HWADDR_PRIx
                  " size %u while the WC model drains: refused\n", what,
                  offset, size);
}

static VpciWcLine *buffer_find_line(VpciWcBuffer *buf, hwaddr base)
{
    for (unsigned l = 0; l < buf->nlines; l++) {
        if (buf->lines[l].base == base) {
            return &buf->lines[l];
        }
    }
    return NULL;
}

void vpci_wc_store(VpciWc *wc, hwaddr offset, uint64_t value, unsigned size)
{
    CPUState *cs = wc_vcpu(wc);
    hwaddr base = offset & ~(hwaddr)(wc->line_size - 1);
    VpciWcBuffer *buf;
    VpciWcLine *line;
    const VpciWcStore *other;
    uint64_t pc;

    if (wc->busy) {
        wc_reentered(wc, "store", offset, size);
        return;
    }
    if (!wc->enabled || !cs) {
        wc->apply(wc->opaque, cs ? cs->cpu_index : -1, false, offset, value,
                  size);
        return;
    }
    wc_sync(wc);
    pc = wc_guest_pc(cs);
    wc_check_cross(wc, cs, true, offset, size, pc);

    buf = &wc->buffers[cs->cpu_index];
    other = buffer_pick(buf, false, base, true);
    if (other) {
        wc_report(wc, VPCI_WC_HAZARD_STORE_PASSES_STORE, true, cs->cpu_index,
                  offset, size, pc, cs->cpu_index, other);
    }

    line = buffer_find_line(buf, base);
    if (line && line->nstores == VPCI_WC_STORES_PER_LINE) {
        wc_drain_buffer(wc, cs->cpu_index, "line-full");
        line = NULL;
    }
    if (!line) {
        if (buf->nlines == wc->lines_per_vcpu) {
            wc_drain_buffer(wc, cs->cpu_index, "full");
        }
        if (!buf->nlines) {
            qatomic_set(&buf->epoch, qatomic_read(&cs->ordering_epoch));
            qatomic_set(&buf->guard_reported, false);
            buf->deadline_ns = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
                               wc->delay_ns;
        }
        line = &buf->lines[buf->nlines++];
        line->base = base;
        line->nstores = 0;
    }
    line->stores[line->nstores++] = (VpciWcStore) {
        .offset = offset,
        .value = value,
        .size = size,
        .pc = pc,
        .seq = wc->next_seq++,
    };
    trace_vpci_wc_store(cs->cpu_index, offset, value, size, pc);
    cpu_ordering_guard_arm(cs, wc_guard, wc);
    wc_rearm(wc);
}

uint64_t vpci_wc_load(VpciWc *wc, hwaddr offset, unsigned size)
{
    CPUState *cs = wc_vcpu(wc);
    hwaddr base = offset & ~(hwaddr)(wc->line_size - 1);
    VpciWcBuffer *buf;
    const VpciWcStore *other;

    if (wc->busy) {
        wc_reentered(wc, "load", offset, size);
        return ~0ULL;
    }
    if (!wc->enabled || !cs) {
        return wc->read(wc->opaque, offset, size);
    }
    wc_sync(wc);
    /*
     * Unwinding the guest PC costs a TB lookup: a load needs it only for
     * a hazard (a store keeps it with the buffered value, for later ones).
     */
    wc_check_cross(wc, cs, false, offset, size, 0);

    buf = &wc->buffers[cs->cpu_index];
    if (buffer_find_line(buf, base)) {
        /* A load hitting a buffered line waits for this vCPU's stores. */
        wc_drain_buffer(wc, cs->cpu_index, "load-hit");
    } else {
        other = buffer_pick(buf, true, 0, false);
        if (other) {
            wc_report(wc, VPCI_WC_HAZARD_LOAD_PASSES_STORE, false,
                      cs->cpu_index, offset, size, wc_guest_pc(cs),
                      cs->cpu_index, other);
        }
    }
    wc_rearm(wc);
    return wc->read(wc->opaque, offset, size);
}

void vpci_wc_drain_all(VpciWc *wc)
{
    for (unsigned v = 0; v < wc->nvcpus; v++) {
        wc_drain_buffer(wc, v, "device");
    }
    wc_rearm(wc);
}

void vpci_wc_reset(VpciWc *wc)
{
    for (unsigned v = 0; v < wc->nvcpus; v++) {
        wc->buffers[v].nlines = 0;
    }
    wc->rng = wc->seed ? wc->seed : 0x9e3779b97f4a7c15ULL;
    wc->next_seq = 0;
    if (wc->timer) {
        timer_del(wc->timer);
    }
}

void vpci_wc_init(VpciWc *wc, unsigned nvcpus)
{
    assert(wc->apply && wc->read);
    assert(is_power_of_2(wc->line_size) && wc->lines_per_vcpu > 0);
    wc->nvcpus = nvcpus;
    wc->buffers = g_new0(VpciWcBuffer, nvcpus);
    wc->due = g_new(unsigned, nvcpus);
    wc->line_order = g_new(unsigned, wc->lines_per_vcpu);
    wc->inflight = g_new(VpciWcStore,
                         wc->lines_per_vcpu * VPCI_WC_STORES_PER_LINE);
    wc->overtakes = g_new(bool, wc->lines_per_vcpu * VPCI_WC_STORES_PER_LINE);
    for (unsigned v = 0; v < nvcpus; v++) {
        wc->buffers[v].lines = g_new0(VpciWcLine, wc->lines_per_vcpu);
    }
    wc->timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, wc_timer_cb, wc);
    vpci_wc_reset(wc);
}

void vpci_wc_finalize(VpciWc *wc)
{
    for (unsigned v = 0; v < wc->nvcpus; v++) {
        g_free(wc->buffers[v].lines);
    }
    g_clear_pointer(&wc->buffers, g_free);
    g_clear_pointer(&wc->due, g_free);
    g_clear_pointer(&wc->line_order, g_free);
    g_clear_pointer(&wc->inflight, g_free);
    g_clear_pointer(&wc->overtakes, g_free);
    if (wc->timer) {
        timer_free(wc->timer);
        wc->timer = NULL;
    }
    wc->nvcpus = 0;
}
