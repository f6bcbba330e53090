/*
 * vpci-rig: write-combining ordering model of the hv-vpci config window
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * See vpci-wc.h for the semantics.  Target-independent: vCPUs, their
 * epochs and PCs, the clock, the guard and the timer are VpciWcOps hooks
 * (vpci-wc-qemu.c has QEMU's).
 */
#include "qemu/osdep.h"
#include "qemu/host-utils.h"
#include "qemu/log.h"
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
    return kind < VPCI_HAZARD_NR ? vpci_hazard_kind_names[kind] : "unknown";
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

/* The accessing vCPU, or -1 for qtest and other non-vCPU accesses. */
static int wc_vcpu(VpciWc *wc)
{
    int vcpu = wc->ops->current_vcpu(wc);

    return vcpu >= 0 && vcpu < wc->nvcpus ? vcpu : -1;
}

static uint64_t wc_guest_pc(VpciWc *wc, unsigned vcpu)
{
    return wc->ops->guest_pc(wc, vcpu);
}

static uint64_t wc_epoch(VpciWc *wc, unsigned vcpu)
{
    return wc->ops->epoch(wc, vcpu);
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
    wc->ops->timer_mod(wc, next);
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
    int64_t now = wc->ops->clock_ns(wc);
    unsigned *due = wc->due;
    unsigned n = 0;

    for (unsigned v = 0; v < wc->nvcpus; v++) {
        VpciWcBuffer *buf = &wc->buffers[v];

        if (buf->nlines &&
            (wc_epoch(wc, v) != buf->epoch || now >= buf->deadline_ns)) {
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
                        wc_epoch(wc, due[i]) != buf->epoch ? "epoch" : "delay");
    }
}

void vpci_wc_timer(VpciWc *wc)
{
    if (wc->busy) {
        wc_rearm(wc);
        return;
    }
    wc_sync(wc);
    wc_rearm(wc);
}

/* Report the oldest undrained store of any other vCPU, if there is one. */
/* @pc: the access's guest PC, or 0 to look it up only if there is a hazard. */
static void wc_check_cross(VpciWc *wc, unsigned vcpu, bool is_store,
                           hwaddr offset, unsigned size, uint64_t pc)
{
    for (unsigned v = 0; v < wc->nvcpus; v++) {
        const VpciWcStore *st;

        if (v == vcpu || !wc->buffers[v].nlines) {
            continue;
        }
        st = buffer_pick(&wc->buffers[v], false, 0, false);
        if (!st) {
            continue;
        }
        wc_report(wc, VPCI_HAZARD_CROSS_VCPU, is_store, vcpu, offset, size,
                  pc ? pc : wc_guest_pc(wc, vcpu), v, st);
        return;
    }
}

/*
 * The vCPU's ordering guard, armed while it has window stores buffered
 * (its two halves are called around the BQL, see vpci-wc.h).  Called
 * before each store to ordinary memory, and after each draining event.
 * After a drain, the buffer lands now, not at the next window access: the
 * device (and its children's other BARs) must see it before anything else
 * this vCPU does.  A store before the drain is a hazard, reported once per
 * buffered window store (vpci_wc_store() re-arms the report).
 */
bool vpci_wc_guard_wanted(VpciWc *wc, unsigned vcpu, bool is_store,
                          bool *drained)
{
    VpciWcBuffer *buf = &wc->buffers[vcpu];

    /*
     * No BQL here, so both fields are read (and written) atomically; a
     * stale read is harmless, as their writers (vpci_wc_store() and
     * vpci_wc_guard()) run on this vCPU's own thread and a needless "wanted"
     * only costs the BQL: vpci_wc_guard() looks at the buffer again under it.
     */
    *drained = wc_epoch(wc, vcpu) != qatomic_read(&buf->epoch);
    return *drained || (is_store && !qatomic_read(&buf->guard_reported));
}

void vpci_wc_guard(VpciWc *wc, unsigned vcpu, bool drained, uint64_t pc,
                   uint64_t addr)
{
    VpciWcBuffer *buf = &wc->buffers[vcpu];

    if (wc->busy) {
        return;     /* a drain is applying stores: the next call drains */
    }
    if (!buf->nlines) {
        wc->ops->guard(wc, vcpu, false);
    } else if (drained) {
        wc_drain_buffer(wc, vcpu, "epoch");
        wc_rearm(wc);
        wc->ops->guard(wc, vcpu, false);
    } else {
        const VpciWcStore *st = buffer_pick(buf, true, 0, false);

        if (st) {
            wc_report(wc, VPCI_HAZARD_RAM_STORE_PASSES_STORE, true, vcpu,
                      addr, 0, pc, vcpu, st);
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
    int vcpu;
    hwaddr base = offset & ~(hwaddr)(wc->line_size - 1);
    VpciWcBuffer *buf;
    VpciWcLine *line;
    const VpciWcStore *other;
    uint64_t pc;

    if (wc->busy) {
        wc_reentered(wc, "store", offset, size);
        return;
    }
    vcpu = wc_vcpu(wc);
    if (!wc->enabled || vcpu < 0) {
        wc->apply(wc->opaque, vcpu, false, offset, value, size);
        return;
    }
    wc_sync(wc);
    pc = wc_guest_pc(wc, vcpu);
    wc_check_cross(wc, vcpu, true, offset, size, pc);

    buf = &wc->buffers[vcpu];
    other = buffer_pick(buf, false, base, true);
    if (other) {
        wc_report(wc, VPCI_HAZARD_STORE_PASSES_STORE, true, vcpu, offset,
                  size, pc, vcpu, other);
    }

    line = buffer_find_line(buf, base);
    if (line && line->nstores == VPCI_WC_STORES_PER_LINE) {
        wc_drain_buffer(wc, vcpu, "line-full");
        line = NULL;
    }
    if (!line) {
        if (buf->nlines == wc->lines_per_vcpu) {
            wc_drain_buffer(wc, vcpu, "full");
        }
        if (!buf->nlines) {
            /* atomic: vpci_wc_guard_wanted() reads it without the BQL */
            qatomic_set(&buf->epoch, wc_epoch(wc, vcpu));
            buf->deadline_ns = wc->ops->clock_ns(wc) + wc->delay_ns;
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
    trace_vpci_wc_store(vcpu, offset, value, size, pc);
    /*
     * The next memory store that passes this one is reported, naming it,
     * even if one already passed an older store of the batch: a store
     * between the select and the config write must not hide the unlock
     * that passes the config write (a missing write-release).
     */
    qatomic_set(&buf->guard_reported, false);
    wc->ops->guard(wc, vcpu, true);
    wc_rearm(wc);
}

uint64_t vpci_wc_load(VpciWc *wc, hwaddr offset, unsigned size)
{
    int vcpu;
    hwaddr base = offset & ~(hwaddr)(wc->line_size - 1);
    VpciWcBuffer *buf;
    const VpciWcStore *other;

    if (wc->busy) {
        wc_reentered(wc, "load", offset, size);
        return ~0ULL;
    }
    vcpu = wc_vcpu(wc);
    if (!wc->enabled || vcpu < 0) {
        return wc->read(wc->opaque, offset, size);
    }
    wc_sync(wc);
    /*
     * Unwinding the guest PC costs a TB lookup: a load needs it only for
     * a hazard (a store keeps it with the buffered value, for later ones).
     */
    wc_check_cross(wc, vcpu, false, offset, size, 0);

    buf = &wc->buffers[vcpu];
    if (buffer_find_line(buf, base)) {
        /* A load hitting a buffered line waits for this vCPU's stores. */
        wc_drain_buffer(wc, vcpu, "load-hit");
    } else {
        other = buffer_pick(buf, true, 0, false);
        if (other) {
            wc_report(wc, VPCI_HAZARD_LOAD_PASSES_STORE, false, vcpu, offset,
                      size, wc_guest_pc(wc, vcpu), vcpu, other);
        }
    }
    /*
     * Drained here (a fence's epoch, a load hit): no store of this vCPU's
     * is left for its guard to watch, so its ordinary stores run unguarded
     * again without a trip through vpci_wc_guard() and the BQL.
     */
    if (!buf->nlines) {
        wc->ops->guard(wc, vcpu, false);
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
    wc->ops->timer_mod(wc, INT64_MAX);
}

void vpci_wc_init(VpciWc *wc, unsigned nvcpus)
{
    assert(wc->apply && wc->read && wc->ops);
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
    if (wc->ops->finalize) {
        wc->ops->finalize(wc);
    }
    wc->nvcpus = 0;
}
