/*
 * vpci-rig: write-combining ordering model of the hv-vpci config window
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The window behaves like x86 WC memory: each vCPU's stores sit in a small
 * set of line buffers and reach the device (the "apply" callback) only when
 * that vCPU drains: a fence, a locked or serializing instruction, port I/O,
 * an interrupt, another MMIO access (all seen as a change of the vCPU's
 * ordering epoch, patch 0003), a full buffer, or a virtual-time delay.
 * Loads are served from device state at once and may pass the same vCPU's
 * buffered stores to other lines.  Lines that drain together reach the
 * device in program, reverse or seeded-random order.
 *
 * Independently of any value changing, every access the WC rules let pass
 * an unfenced store is reported as a hazard.  Window accesses are seen
 * here; stores to ordinary memory are seen through the vCPU's ordering
 * guard (patch 0005), armed while that vCPU has stores buffered.
 *
 * Callers hold the BQL (MMIO dispatch and the drain timer both do), so the
 * model needs no lock of its own; the ordering guard, called from
 * translated code, takes it.
 *
 * The model sees its environment (which vCPU is accessing, its ordering
 * epoch and guest PC, the virtual clock, the ordering guard and the drain
 * timer) only through VpciWcOps: vpci_wc_qemu_ops (vpci-wc-qemu.c) for
 * the device, a test's own hooks for a deterministic unit test
 * (tests/qtest/vpci-rig/vpci-wc-test.c).  vpci-wc.c itself is
 * target-independent.
 */
#ifndef HW_VPCI_WC_H
#define HW_VPCI_WC_H

#include "exec/hwaddr.h"
#include "qemu/timer.h"
#include "vpci-hazards.h"

typedef enum VpciWcOrder {
    VPCI_WC_ORDER_PROGRAM,
    VPCI_WC_ORDER_REVERSE,
    VPCI_WC_ORDER_RANDOM,
} VpciWcOrder;

/* The hazard kinds and their log names: ../include/vpci-hazards.h. */
typedef enum vpci_hazard_kind VpciWcHazardKind;

typedef struct VpciWcHazard {
    VpciWcHazardKind kind;
    bool is_store;              /* the later access */
    int vcpu;
    hwaddr offset;
    unsigned size;
    uint64_t pc;                /* guest PC of the later access (0: unknown) */
    int earlier_vcpu;
    hwaddr earlier_offset;
    uint64_t earlier_pc;        /* guest PC of the buffered store */
} VpciWcHazard;

/*
 * @vcpu: cpu_index of the vCPU whose store this is, -1 if none (qtest).
 * @overtakes: a store the same vCPU made earlier reaches the device after
 * this one (the drain reordered them).
 */
typedef void VpciWcApplyFn(void *opaque, int vcpu, bool overtakes,
                           hwaddr offset, uint64_t value, unsigned size);
typedef uint64_t VpciWcReadFn(void *opaque, hwaddr offset, unsigned size);
typedef void VpciWcHazardFn(void *opaque, const VpciWcHazard *hazard);

typedef struct VpciWcStore {
    hwaddr offset;
    uint64_t value;
    unsigned size;
    uint64_t pc;
    uint64_t seq;               /* program order across the whole model */
} VpciWcStore;

#define VPCI_WC_STORES_PER_LINE 16

typedef struct VpciWcLine {
    hwaddr base;
    unsigned nstores;
    VpciWcStore stores[VPCI_WC_STORES_PER_LINE];
} VpciWcLine;

typedef struct VpciWcBuffer {
    unsigned nlines;
    VpciWcLine *lines;          /* [VpciWc.lines_per_vcpu] */
    uint64_t epoch;             /* vCPU's epoch when the buffer filled */
    int64_t deadline_ns;        /* QEMU_CLOCK_VIRTUAL drain time */
    bool guard_reported;        /* a memory store already passed the newest */
} VpciWcBuffer;

typedef struct VpciWc VpciWc;

/*
 * Called with the BQL held; epoch also without it, from
 * vpci_wc_guard_wanted().
 */
typedef struct VpciWcOps {
    /* cpu_index of the vCPU making the current access, -1 for none (qtest). */
    int (*current_vcpu)(VpciWc *wc);
    /* @vcpu's ordering epoch (patch 0003): any change means it drained. */
    uint64_t (*epoch)(VpciWc *wc, unsigned vcpu);
    /* Now, in nanoseconds of the clock deadlines are kept in (virtual). */
    int64_t (*clock_ns)(VpciWc *wc);
    /* Guest PC of @vcpu's current access (its own vCPU), 0 if unknown. */
    uint64_t (*guest_pc)(VpciWc *wc, unsigned vcpu);
    /* Arm (or disarm) @vcpu's ordering guard; called on that vCPU only. */
    void (*guard)(VpciWc *wc, unsigned vcpu, bool arm);
    /*
     * Call vpci_wc_timer() by @deadline_ns (INT64_MAX: no longer needed);
     * calling it earlier, or once more, is harmless: it drains what is due.
     */
    void (*timer_mod)(VpciWc *wc, int64_t deadline_ns);
    /* Free what the hooks allocated (vpci_wc_finalize); may be NULL. */
    void (*finalize)(VpciWc *wc);
} VpciWcOps;

/* The device's environment: current_cpu, CPUState, QEMU_CLOCK_VIRTUAL. */
extern const VpciWcOps vpci_wc_qemu_ops;

struct VpciWc {
    /* Configuration (device properties). */
    bool enabled;
    unsigned lines_per_vcpu;
    unsigned line_size;
    uint64_t delay_ns;
    VpciWcOrder order;
    uint64_t seed;

    /* Device hooks. */
    void *opaque;
    VpciWcApplyFn *apply;
    VpciWcReadFn *read;
    VpciWcHazardFn *hazard;

    /* Environment hooks (set before vpci_wc_init), and their own state. */
    const VpciWcOps *ops;
    void *ops_opaque;           /* for a test's hooks */
    QEMUTimer *timer;           /* vpci_wc_qemu_ops' drain timer */

    /* State. */
    unsigned nvcpus;
    VpciWcBuffer *buffers;      /* [nvcpus], by cpu_index */
    unsigned *due;              /* [nvcpus] scratch: no allocation per access */
    unsigned *line_order;       /* [lines_per_vcpu] scratch */
    /* [lines_per_vcpu * STORES_PER_LINE]: the drain being applied */
    VpciWcStore *inflight;
    /* [same]: does inflight[i] land before an earlier store of its vCPU? */
    bool *overtakes;
    bool busy;                  /* a drain is calling apply() */
    uint64_t reentered;         /* window accesses refused mid-drain */
    uint64_t next_seq;
    uint64_t rng;               /* xorshift64* state, from seed */
    uint64_t hazards;
    uint64_t drains;
};

void vpci_wc_init(VpciWc *wc, unsigned nvcpus);
void vpci_wc_finalize(VpciWc *wc);
/* Drop every buffered store (device reset): nothing reaches the device. */
void vpci_wc_reset(VpciWc *wc);

void vpci_wc_store(VpciWc *wc, hwaddr offset, uint64_t value, unsigned size);
uint64_t vpci_wc_load(VpciWc *wc, hwaddr offset, unsigned size);
/* Drain every buffer now (e.g. before the device acts on its own state). */
void vpci_wc_drain_all(VpciWc *wc);
/* The delay timer fired (VpciWcOps.timer_mod): drain what is due. */
void vpci_wc_timer(VpciWc *wc);

/*
 * The ordering guard (patch 0005), in two halves around the BQL.
 * vpci_wc_guard_wanted() runs without it, at every ordinary store and
 * draining event of an armed vCPU: true if @vcpu drained (*@drained) or
 * this store is the batch's first to pass its buffered stores.  Only then
 * does the caller take the BQL and call vpci_wc_guard() with the store's
 * guest PC and address.
 */
bool vpci_wc_guard_wanted(VpciWc *wc, unsigned vcpu, bool is_store,
                          bool *drained);
void vpci_wc_guard(VpciWc *wc, unsigned vcpu, bool drained, uint64_t pc,
                   uint64_t addr);

const char *vpci_wc_hazard_kind_name(VpciWcHazardKind kind);
bool vpci_wc_parse_order(const char *s, VpciWcOrder *order);

#endif
