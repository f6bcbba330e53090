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
 */
#ifndef HW_VPCI_WC_H
#define HW_VPCI_WC_H

#include "exec/hwaddr.h"
#include "qemu/timer.h"

typedef enum VpciWcOrder {
    VPCI_WC_ORDER_PROGRAM,
    VPCI_WC_ORDER_REVERSE,
    VPCI_WC_ORDER_RANDOM,
} VpciWcOrder;

typedef enum VpciWcHazardKind {
    /* A load served while the same vCPU has a buffered store elsewhere. */
    VPCI_WC_HAZARD_LOAD_PASSES_STORE,
    /* A store buffered with an earlier store of the same vCPU to another
     * line: the two may reach the device in either order. */
    VPCI_WC_HAZARD_STORE_PASSES_STORE,
    /* An access of one vCPU meets another vCPU's undrained store. */
    VPCI_WC_HAZARD_CROSS_VCPU,
    /* A store to ordinary memory (a lock release, a stack push...) while
     * the same vCPU has a window store buffered: x86 lets WB stores pass
     * WC stores.  @offset is then the store's guest virtual address. */
    VPCI_WC_HAZARD_RAM_STORE_PASSES_STORE,
} VpciWcHazardKind;

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
    bool guard_reported;        /* a memory store already passed this batch */
} VpciWcBuffer;

typedef struct VpciWc {
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

    /* State. */
    unsigned nvcpus;
    VpciWcBuffer *buffers;      /* [nvcpus], by cpu_index */
    unsigned *due;              /* [nvcpus] scratch: no allocation per access */
    unsigned *line_order;       /* [lines_per_vcpu] scratch */
    VpciWcStore *inflight;      /* [lines_per_vcpu * STORES_PER_LINE]: the
                                 * stores of the drain being applied */
    bool *overtakes;            /* [same]: does inflight[i] land before an
                                 * earlier store of its vCPU? */
    bool busy;                  /* a drain is calling apply() */
    uint64_t reentered;         /* window accesses refused mid-drain */
    QEMUTimer *timer;
    uint64_t next_seq;
    uint64_t rng;               /* xorshift64* state, from seed */
    uint64_t hazards;
    uint64_t drains;
} VpciWc;

void vpci_wc_init(VpciWc *wc, unsigned nvcpus);
void vpci_wc_finalize(VpciWc *wc);
/* Drop every buffered store (device reset): nothing reaches the device. */
void vpci_wc_reset(VpciWc *wc);

void vpci_wc_store(VpciWc *wc, hwaddr offset, uint64_t value, unsigned size);
uint64_t vpci_wc_load(VpciWc *wc, hwaddr offset, unsigned size);
/* Drain every buffer now (e.g. before the device acts on its own state). */
void vpci_wc_drain_all(VpciWc *wc);

const char *vpci_wc_hazard_kind_name(VpciWcHazardKind kind);
bool vpci_wc_parse_order(const char *s, VpciWcOrder *order);

#endif
