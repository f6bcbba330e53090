/*
 * Unit test of hv-vpci's write-combining ordering model (hw/vpci-rig/
 * vpci-wc.c), driven through its VpciWcOps hooks: the test says which vCPU
 * accesses, moves epochs and the clock by hand and plays the device (apply
 * and read) and the guard's caller, so every rule is checked without a
 * guest or a TCG vCPU.  Linked with the model, libqemuutil and QOM (which
 * libqemuutil needs to link) only.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "../../../hw/vpci-rig/vpci-wc.h"

#define NVCPUS      3
#define WINDOW_SIZE 0x2000
#define DELAY_NS    1000
#define PC(vcpu)    (0xffffffffc0000000ULL + 0x100 * (vcpu))

typedef struct Rig Rig;

struct Rig {
    VpciWc wc;
    int vcpu;                   /* the accessing vCPU, -1: none */
    uint64_t epoch[NVCPUS];
    int64_t now;
    bool armed[NVCPUS];
    int64_t deadline;           /* the drain timer, INT64_MAX: not armed */
    GString *applied;           /* "vcpu:offset=value" per store, '!' if it
                                 * overtook one of its vCPU's */
    GArray *hazards;            /* VpciWcHazard */
    uint8_t mem[WINDOW_SIZE];   /* the device: what drained stores wrote */
    void (*on_apply)(Rig *r, unsigned napplied);
    unsigned napplied;
};

static Rig *rig_of(VpciWc *wc)
{
    return wc->ops_opaque;
}

static int rig_current_vcpu(VpciWc *wc)
{
    return rig_of(wc)->vcpu;
}

static uint64_t rig_epoch(VpciWc *wc, unsigned vcpu)
{
    g_assert_cmpuint(vcpu, <, NVCPUS);
    return rig_of(wc)->epoch[vcpu];
}

static int64_t rig_clock_ns(VpciWc *wc)
{
    return rig_of(wc)->now;
}

static uint64_t rig_guest_pc(VpciWc *wc, unsigned vcpu)
{
    return PC(vcpu);
}

static void rig_guard(VpciWc *wc, unsigned vcpu, bool arm)
{
    g_assert_cmpuint(vcpu, <, NVCPUS);
    rig_of(wc)->armed[vcpu] = arm;
}

static void rig_timer_mod(VpciWc *wc, int64_t deadline_ns)
{
    rig_of(wc)->deadline = deadline_ns;
}

static const VpciWcOps rig_ops = {
    .current_vcpu = rig_current_vcpu,
    .epoch = rig_epoch,
    .clock_ns = rig_clock_ns,
    .guest_pc = rig_guest_pc,
    .guard = rig_guard,
    .timer_mod = rig_timer_mod,
};

static void rig_apply(void *opaque, int vcpu, bool overtakes, hwaddr offset,
                      uint64_t value, unsigned size)
{
    Rig *r = opaque;

    g_assert_cmpuint(offset + size, <=, WINDOW_SIZE);
    memcpy(&r->mem[offset], &value, size);     /* little-endian host */
    g_string_append_printf(r->applied, "%s%d:%" HWADDR_PRIx "=%" PRIx64 "%s",
                           r->applied->len ? " " : "", vcpu, offset, value,
                           overtakes ? "!" : "");
    r->napplied++;
    if (r->on_apply) {
        r->on_apply(r, r->napplied);
    }
}

static uint64_t rig_read(void *opaque, hwaddr offset, unsigned size)
{
    Rig *r = opaque;
    uint64_t value = 0;

    g_assert_cmpuint(offset + size, <=, WINDOW_SIZE);
    memcpy(&value, &r->mem[offset], size);
    return value;
}

static void rig_hazard(void *opaque, const VpciWcHazard *h)
{
    Rig *r = opaque;

    g_array_append_val(r->hazards, *h);
}

static Rig *rig_new(VpciWcOrder order, uint64_t seed, unsigned lines)
{
    Rig *r = g_new0(Rig, 1);

    r->applied = g_string_new("");
    r->hazards = g_array_new(false, true, sizeof(VpciWcHazard));
    r->deadline = INT64_MAX;
    r->now = 1000000;
    r->wc.enabled = true;
    r->wc.lines_per_vcpu = lines;
    r->wc.line_size = 64;
    r->wc.delay_ns = DELAY_NS;
    r->wc.order = order;
    r->wc.seed = seed;
    r->wc.opaque = r;
    r->wc.apply = rig_apply;
    r->wc.read = rig_read;
    r->wc.hazard = rig_hazard;
    r->wc.ops = &rig_ops;
    r->wc.ops_opaque = r;
    vpci_wc_init(&r->wc, NVCPUS);
    return r;
}

static void rig_free(Rig *r)
{
    vpci_wc_finalize(&r->wc);
    g_string_free(r->applied, true);
    g_array_free(r->hazards, true);
    g_free(r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Rig, rig_free)

static void st(Rig *r, int vcpu, hwaddr offset, uint64_t value)
{
    r->vcpu = vcpu;
    vpci_wc_store(&r->wc, offset, value, 4);
}

static uint64_t ld(Rig *r, int vcpu, hwaddr offset)
{
    r->vcpu = vcpu;
    return vpci_wc_load(&r->wc, offset, 4);
}

/* @vcpu executes a fence (or anything else that moves its epoch). */
static void fence(Rig *r, int vcpu)
{
    r->epoch[vcpu]++;
}

/* What reached the device since the last call. */
static char *applied(Rig *r)
{
    char *s = g_strdup(r->applied->str);

    g_string_truncate(r->applied, 0);
    return s;
}

#define assert_applied(r, expected) do {                    \
        g_autofree char *got_ = applied(r);                 \
        g_assert_cmpstr(got_, ==, (expected));              \
    } while (0)

static unsigned hazards_of(Rig *r, VpciWcHazardKind kind)
{
    unsigned n = 0;

    for (unsigned i = 0; i < r->hazards->len; i++) {
        n += g_array_index(r->hazards, VpciWcHazard, i).kind == kind;
    }
    return n;
}

static const VpciWcHazard *last_hazard(Rig *r)
{
    g_assert_cmpuint(r->hazards->len, >, 0);
    return &g_array_index(r->hazards, VpciWcHazard, r->hazards->len - 1);
}

/*
 * vCPU 0: two combined stores in config line 0x1000, the select (line 0)
 * and a store to line 0x1040, then a fence; another vCPU's access applies
 * the drained buffer.
 */
static void four_stores_drained(Rig *r)
{
    st(r, 0, 0x1000, 1);
    st(r, 0, 0x1004, 2);
    st(r, 0, 0x0, 3);
    st(r, 0, 0x1040, 4);
    assert_applied(r, "");
    fence(r, 0);
    ld(r, 1, 0x1800);
}

static void test_order_program(void)
{
    g_autoptr(Rig) r = rig_new(VPCI_WC_ORDER_PROGRAM, 0, 4);

    four_stores_drained(r);
    assert_applied(r, "0:1000=1 0:1004=2 0:0=3 0:1040=4");
    /* each store to a new line passes the buffered ones; 0x1004 combines */
    g_assert_cmpuint(hazards_of(r, VPCI_HAZARD_STORE_PASSES_STORE), ==, 2);
    g_assert_cmpuint(r->hazards->len, ==, 2);
    g_assert_cmpuint(last_hazard(r)->earlier_offset, ==, 0x1000);
    g_assert_cmpuint(last_hazard(r)->pc, ==, PC(0));
    g_assert_cmpuint(r->wc.drains, ==, 1);
}

static void test_order_reverse(void)
{
    g_autoptr(Rig) r = rig_new(VPCI_WC_ORDER_REVERSE, 0, 4);

    four_stores_drained(r);
    /* lines reversed, stores within a line still in program order */
    assert_applied(r, "0:1040=4! 0:0=3! 0:1000=1 0:1004=2");
}

/* Buffers of several vCPUs found drained together follow the policy too. */
static void test_order_buffers(void)
{
    static const struct {
        VpciWcOrder order;
        const char *expected;
    } cases[] = {
        { VPCI_WC_ORDER_PROGRAM, "1:1040=2 0:1000=1 2:1080=3" },
        { VPCI_WC_ORDER_REVERSE, "2:1080=3 0:1000=1 1:1040=2" },
    };

    for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
        g_autoptr(Rig) r = rig_new(cases[i].order, 0, 4);

        st(r, 1, 0x1040, 2);
        st(r, 0, 0x1000, 1);
        st(r, 2, 0x1080, 3);
        fence(r, 0);
        fence(r, 1);
        fence(r, 2);
        vpci_wc_timer(&r->wc);
        assert_applied(r, cases[i].expected);
    }
}

/*
 * One random round: three lines of vCPU 0 (two combined stores in the
 * first) and one line each of vCPUs 1 and 2.  Returns the landing order,
 * e.g. "0:0 0:1000 0:1004 0:1040 1:1080 2:10c0", after checking it.
 */
static char *random_round(Rig *r)
{
    g_autofree char *got = NULL;
    g_auto(GStrv) words = NULL;
    GString *order = g_string_new("");
    int pos1000 = -1, pos1004 = -1;

    st(r, 0, 0x1000, 0xa);
    st(r, 0, 0x1004, 0xb);
    st(r, 0, 0x0, 0xc);
    st(r, 0, 0x1040, 0xd);
    st(r, 1, 0x1080, 0xe);
    st(r, 2, 0x10c0, 0xf);
    for (unsigned v = 0; v < NVCPUS; v++) {
        fence(r, v);
    }
    vpci_wc_timer(&r->wc);
    got = applied(r);
    words = g_strsplit(got, " ", -1);
    g_assert_cmpuint(g_strv_length(words), ==, 6);
    for (unsigned i = 0; words[i]; i++) {
        g_autofree char *w = g_strndup(words[i], strcspn(words[i], "=!"));

        if (g_str_equal(w, "0:1000")) {
            pos1000 = i;
        } else if (g_str_equal(w, "0:1004")) {
            pos1004 = i;
        }
        g_string_append_printf(order, "%s%s", i ? " " : "", w);
    }
    /* combined stores stay together and in program order */
    g_assert_cmpint(pos1004, ==, pos1000 + 1);
    return g_string_free(order, false);
}

static GPtrArray *random_rounds(uint64_t seed, unsigned n)
{
    g_autoptr(Rig) r = rig_new(VPCI_WC_ORDER_RANDOM, seed, 4);
    GPtrArray *rounds = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *after_reset = NULL;

    for (unsigned i = 0; i < n; i++) {
        g_ptr_array_add(rounds, random_round(r));
    }
    /* a reset restarts the generator from the seed */
    vpci_wc_reset(&r->wc);
    after_reset = random_round(r);
    g_assert_cmpstr(after_reset, ==, g_ptr_array_index(rounds, 0));
    return rounds;
}

static void test_order_random(void)
{
    g_autoptr(GPtrArray) a = random_rounds(42, 200);
    g_autoptr(GPtrArray) b = random_rounds(42, 200);
    g_autoptr(GPtrArray) c = random_rounds(43, 200);
    g_autoptr(GHashTable) line_orders = g_hash_table_new(g_str_hash,
                                                         g_str_equal);
    g_autoptr(GHashTable) vcpu_orders = g_hash_table_new_full(g_str_hash,
                                                              g_str_equal,
                                                              g_free, NULL);
    bool differs = false;

    for (unsigned i = 0; i < a->len; i++) {
        const char *s = g_ptr_array_index(a, i);
        char lines[4] = "", vcpus[4] = "";
        g_auto(GStrv) words = g_strsplit(s, " ", -1);

        /* the same seed, the same orders */
        g_assert_cmpstr(s, ==, g_ptr_array_index(b, i));
        differs |= strcmp(s, g_ptr_array_index(c, i)) != 0;
        for (unsigned w = 0; words[w]; w++) {
            /* vCPU 0's lines: s(elect), a (0x1000, 0x1004), b (0x1040) */
            if (g_str_equal(words[w], "0:0")) {
                lines[strlen(lines)] = 's';
            } else if (g_str_equal(words[w], "0:1000")) {
                lines[strlen(lines)] = 'a';
            } else if (g_str_equal(words[w], "0:1040")) {
                lines[strlen(lines)] = 'b';
            }
            if (!strchr(vcpus, words[w][0])) {
                vcpus[strlen(vcpus)] = words[w][0];
            }
        }
        g_hash_table_add(line_orders, (gpointer)g_intern_string(lines));
        g_hash_table_add(vcpu_orders, g_strdup(vcpus));
    }
    g_assert_true(differs);
    /* every order of the three lines, and of the three buffers, occurs */
    g_assert_cmpuint(g_hash_table_size(line_orders), ==, 6);
    g_assert_cmpuint(g_hash_table_size(vcpu_orders), ==, 6);
}

/* A store to a new line when every line is taken drains the buffer first. */
static void test_full(void)
{
    g_autoptr(Rig) r = rig_new(VPCI_WC_ORDER_PROGRAM, 0, 2);

    st(r, 0, 0x0, 1);
    st(r, 0, 0x1000, 2);
    assert_applied(r, "");
    st(r, 0, 0x1040, 3);
    assert_applied(r, "0:0=1 0:1000=2");

    /* a line holds VPCI_WC_STORES_PER_LINE stores; one more drains */
    for (unsigned i = 0; i < VPCI_WC_STORES_PER_LINE; i++) {
        st(r, 0, 0x1080 + 4 * (i % 16), 0x100 + i);
    }
    g_assert_cmpuint(r->napplied, ==, 2);
    st(r, 0, 0x1080, 0x200);
    g_assert_cmpuint(r->napplied, ==, 2 + 1 + VPCI_WC_STORES_PER_LINE);
    g_assert_cmpuint(r->mem[0x1040], ==, 3);
    g_assert_cmphex(rig_read(r, 0x10bc, 4), ==, 0x100 + 15);
    g_string_truncate(r->applied, 0);
    /* the new store waits in a fresh batch */
    fence(r, 0);
    vpci_wc_timer(&r->wc);
    assert_applied(r, "0:1080=200");
    g_assert_cmpuint(r->wc.drains, ==, 3);
}

static void test_load(void)
{
    g_autoptr(Rig) r = rig_new(VPCI_WC_ORDER_PROGRAM, 0, 4);
    const VpciWcHazard *h;

    /* a load to another line passes the buffered select */
    st(r, 0, 0x0, 5);
    g_assert_cmphex(ld(r, 0, 0x1000), ==, 0);
    assert_applied(r, "");
    g_assert_cmpuint(r->hazards->len, ==, 1);
    h = last_hazard(r);
    g_assert_cmpint(h->kind, ==, VPCI_HAZARD_LOAD_PASSES_STORE);
    g_assert_false(h->is_store);
    g_assert_cmpint(h->vcpu, ==, 0);
    g_assert_cmphex(h->offset, ==, 0x1000);
    g_assert_cmphex(h->pc, ==, PC(0));
    g_assert_cmphex(h->earlier_offset, ==, 0x0);

    /* a load hitting a buffered line drains the whole buffer first */
    st(r, 0, 0x1000, 7);
    g_assert_cmphex(ld(r, 0, 0x4), ==, 0);
    assert_applied(r, "0:0=5 0:1000=7");
    g_assert_cmphex(ld(r, 0, 0x1000), ==, 7);
    g_assert_cmpuint(hazards_of(r, VPCI_HAZARD_LOAD_PASSES_STORE), ==, 1);
    g_assert_cmpuint(r->deadline, ==, INT64_MAX);
}

static void test_cross_vcpu(void)
{
    g_autoptr(Rig) r = rig_new(VPCI_WC_ORDER_PROGRAM, 0, 4);
    const VpciWcHazard *h;

    st(r, 0, 0x1000, 9);
    /* another vCPU sees only drained stores, and meets this one */
    g_assert_cmphex(ld(r, 1, 0x1000), ==, 0);
    h = last_hazard(r);
    g_assert_cmpint(h->kind, ==, VPCI_HAZARD_CROSS_VCPU);
    g_assert_false(h->is_store);
    g_assert_cmpint(h->vcpu, ==, 1);
    g_assert_cmphex(h->pc, ==, PC(1));
    g_assert_cmpint(h->earlier_vcpu, ==, 0);
    g_assert_cmphex(h->earlier_offset, ==, 0x1000);
    g_assert_cmphex(h->earlier_pc, ==, PC(0));

    st(r, 2, 0x0, 1);
    h = last_hazard(r);
    g_assert_cmpint(h->kind, ==, VPCI_HAZARD_CROSS_VCPU);
    g_assert_true(h->is_store);
    g_assert_cmpint(h->vcpu, ==, 2);
    g_assert_cmpuint(hazards_of(r, VPCI_HAZARD_CROSS_VCPU), ==, 2);
    assert_applied(r, "");

    /* once vCPU 0 fences, the next access of anyone applies its store */
    fence(r, 0);
    g_assert_cmphex(ld(r, 1, 0x1000), ==, 9);
    assert_applied(r, "0:1000=9");
    /* vCPU 2's select is still buffered: vCPU 1 meets it */
    g_assert_cmpuint(hazards_of(r, VPCI_HAZARD_CROSS_VCPU), ==, 3);
    g_assert_cmpint(last_hazard(r)->earlier_vcpu, ==, 2);
}

/* Nothing waits forever: the delay drains without any fence. */
static void test_delay(void)
{
    g_autoptr(Rig) r = rig_new(VPCI_WC_ORDER_PROGRAM, 0, 4);
    int64_t t0 = r->now;

    st(r, 0, 0x1000, 1);
    g_assert_cmpint(r->deadline, ==, t0 + DELAY_NS);
    r->now += DELAY_NS / 2;
    st(r, 1, 0x1040, 2);
    g_assert_cmpint(r->deadline, ==, t0 + DELAY_NS);    /* the earliest */
    r->now = t0 + DELAY_NS - 1;
    vpci_wc_timer(&r->wc);
    assert_applied(r, "");
    r->now = t0 + DELAY_NS;
    vpci_wc_timer(&r->wc);
    assert_applied(r, "0:1000=1");
    g_assert_cmpint(r->deadline, ==, t0 + DELAY_NS + DELAY_NS / 2);
    /* a window access past the deadline applies the store as well */
    r->now = t0 + 2 * DELAY_NS;
    g_assert_cmphex(ld(r, 2, 0x1040), ==, 2);
    assert_applied(r, "1:1040=2");
    g_assert_cmpint(r->deadline, ==, INT64_MAX);
}

/* The guard's caller: the lock-free half, then (if wanted) the locked one. */
static bool guard(Rig *r, unsigned vcpu, bool is_store, uint64_t addr)
{
    bool drained;

    if (!vpci_wc_guard_wanted(&r->wc, vcpu, is_store, &drained)) {
        return false;
    }
    vpci_wc_guard(&r->wc, vcpu, drained, is_store ? 0x7000 : 0, addr);
    return true;
}

static void test_guard(void)
{
    g_autoptr(Rig) r = rig_new(VPCI_WC_ORDER_PROGRAM, 0, 4);
    const VpciWcHazard *h;

    g_assert_false(r->armed[0]);
    st(r, 0, 0x1000, 1);
    g_assert_true(r->armed[0]);

    /* the unlock: a memory store passes the buffered window store */
    g_assert_true(guard(r, 0, true, 0xffff888000001234ULL));
    h = last_hazard(r);
    g_assert_cmpint(h->kind, ==, VPCI_HAZARD_RAM_STORE_PASSES_STORE);
    g_assert_true(h->is_store);
    g_assert_cmphex(h->offset, ==, 0xffff888000001234ULL);
    g_assert_cmphex(h->pc, ==, 0x7000);
    g_assert_cmphex(h->earlier_offset, ==, 0x1000);
    g_assert_cmphex(h->earlier_pc, ==, PC(0));
    /* once per window store; a non-draining event is no business of the guard */
    g_assert_false(guard(r, 0, true, 0x1238));
    g_assert_false(guard(r, 0, false, 0));
    g_assert_cmpuint(r->hazards->len, ==, 1);
    assert_applied(r, "");
    g_assert_true(r->armed[0]);

    /*
     * a draining event the guard is called for (MMIO elsewhere; a fence
     * is not passed on, vpci-wc-qemu.c): the buffer lands at once, not at
     * the next window access
     */
    fence(r, 0);
    g_assert_true(guard(r, 0, false, 0));
    assert_applied(r, "0:1000=1");
    g_assert_false(r->armed[0]);
    g_assert_cmpint(r->deadline, ==, INT64_MAX);

    /* a new batch reports again */
    st(r, 0, 0x0, 2);
    g_assert_true(r->armed[0]);
    g_assert_true(guard(r, 0, true, 0x1234));
    g_assert_cmpuint(hazards_of(r, VPCI_HAZARD_RAM_STORE_PASSES_STORE), ==, 2);
    /*
     * a newer window store in the same batch is reported too, once: a
     * store after the select must not hide the unlock after the config
     * write
     */
    st(r, 0, 0x1004, 3);                    /* and store-passes-store */
    g_assert_true(guard(r, 0, true, 0x1238));
    h = last_hazard(r);
    g_assert_cmphex(h->earlier_offset, ==, 0x1004);
    g_assert_false(guard(r, 0, true, 0x123c));
    g_assert_cmpuint(hazards_of(r, VPCI_HAZARD_RAM_STORE_PASSES_STORE), ==, 3);
    fence(r, 0);
    g_assert_true(guard(r, 0, false, 0));
    assert_applied(r, "0:0=2 0:1004=3");

    /* drained by another path first: the guard only disarms */
    st(r, 0, 0x0, 4);
    g_assert_true(guard(r, 0, true, 0x1234));
    fence(r, 0);
    vpci_wc_timer(&r->wc);
    assert_applied(r, "0:0=4");
    g_assert_true(r->armed[0]);
    g_assert_true(guard(r, 0, true, 0x1234));
    g_assert_false(r->armed[0]);
    assert_applied(r, "");
    g_assert_cmpuint(r->hazards->len, ==, 5);

    /*
     * after a fence, the next window load drains by epoch and disarms:
     * the unlock that follows runs unguarded, with no trip through the
     * guard's locked half to find the buffer empty
     */
    st(r, 0, 0x0, 5);
    g_assert_true(r->armed[0]);
    fence(r, 0);
    ld(r, 0, 0x1000);
    assert_applied(r, "0:0=5");
    g_assert_false(r->armed[0]);
    /* a load that leaves stores buffered keeps the guard */
    st(r, 0, 0x0, 6);
    ld(r, 0, 0x1000);
    g_assert_true(r->armed[0]);
    g_assert_cmpuint(r->hazards->len, ==, 6);    /* that load passed the store */
}

/*
 * A drain re-entered (issue 9, finding 2): while vCPU 0's drain applies
 * its first store, device code reaches the model again: a store of the
 * draining vCPU (a child's MSI aimed at the select page), a load and a
 * store of vCPU 2, the timer and the guard of vCPU 1, whose buffer has just
 * become due.  Each must be refused or deferred; the outer drain lands
 * whole, in order, and nothing of vCPU 1 is lost or applied inside it.
 */
static void nested_on_apply(Rig *r, unsigned napplied)
{
    int vcpu = r->vcpu;

    if (napplied != 1) {
        return;
    }
    fence(r, 1);
    st(r, 0, 0x0, 0xdead);
    g_assert_cmphex(ld(r, 2, 0x1000), ==, UINT64_MAX);     /* refused */
    st(r, 2, 0x10c0, 0xbeef);
    vpci_wc_timer(&r->wc);
    guard(r, 1, false, 0);
    r->vcpu = vcpu;
}

static void test_nested(void)
{
    g_autoptr(Rig) r = rig_new(VPCI_WC_ORDER_PROGRAM, 0, 4);

    st(r, 1, 0x1080, 4);
    st(r, 0, 0x0, 1);
    st(r, 0, 0x1000, 2);
    st(r, 0, 0x1040, 3);
    r->on_apply = nested_on_apply;
    fence(r, 0);
    g_assert_true(guard(r, 0, false, 0));
    r->on_apply = NULL;
    assert_applied(r, "0:0=1 0:1000=2 0:1040=3");
    g_assert_cmpuint(r->wc.reentered, ==, 3);

    /* vCPU 1's store was kept: the next chance applies it */
    g_assert_cmpint(r->deadline, !=, INT64_MAX);
    vpci_wc_timer(&r->wc);
    assert_applied(r, "1:1080=4");
    /* the refused stores never land, and the model is consistent */
    g_assert_cmphex(ld(r, 2, 0x10c0), ==, 0);
    g_assert_cmphex(ld(r, 0, 0x0), ==, 1);
    vpci_wc_timer(&r->wc);
    assert_applied(r, "");
    g_assert_cmpint(r->deadline, ==, INT64_MAX);
    g_assert_cmpuint(r->wc.drains, ==, 2);
}

/*
 * Finding 2 itself: a store of the draining vCPU re-enters its drain (a
 * child's MSI aimed at the select page).  Whether the model refuses it or
 * takes it, it must not be lost inside the drain, leave a line with no
 * stores behind, or cut into the stores being applied.
 */
static void nested_select_on_apply(Rig *r, unsigned napplied)
{
    if (napplied == 1) {
        st(r, 0, 0x0, 0xdead);
    }
}

static void test_nested_same_vcpu(void)
{
    g_autoptr(Rig) r = rig_new(VPCI_WC_ORDER_PROGRAM, 0, 4);
    g_autofree char *outer = NULL;
    g_autofree char *later = NULL;

    st(r, 0, 0x0, 1);
    st(r, 0, 0x1000, 2);
    st(r, 0, 0x1040, 3);
    r->on_apply = nested_select_on_apply;
    fence(r, 0);
    vpci_wc_timer(&r->wc);
    r->on_apply = NULL;
    outer = applied(r);

    /* whatever the nested store left buffered lands at the next drain */
    fence(r, 0);
    r->now += 10 * DELAY_NS;
    vpci_wc_timer(&r->wc);
    later = applied(r);
    g_assert_cmpstr(outer, ==, "0:0=1 0:1000=2 0:1040=3");
    if (r->wc.reentered) {
        g_assert_cmpstr(later, ==, "");
    } else {
        g_assert_cmpstr(later, ==, "0:0=dead");
    }
    /* nothing left behind: another vCPU meets no phantom line */
    g_assert_cmphex(ld(r, 1, 0x1000), ==, 2);
    g_assert_cmpuint(hazards_of(r, VPCI_HAZARD_CROSS_VCPU), ==, 0);
    g_assert_cmpint(r->deadline, ==, INT64_MAX);
}

/* wc=off, and accesses from no vCPU (qtest): straight to the device. */
static void test_bypass(void)
{
    g_autoptr(Rig) r = rig_new(VPCI_WC_ORDER_PROGRAM, 0, 4);
    g_autoptr(Rig) off = rig_new(VPCI_WC_ORDER_PROGRAM, 0, 4);

    st(r, -1, 0x0, 1);
    st(r, NVCPUS, 0x1000, 2);   /* a cpu_index the model has no buffer for */
    assert_applied(r, "-1:0=1 -1:1000=2");
    g_assert_cmphex(ld(r, -1, 0x1000), ==, 2);

    off->wc.enabled = false;
    st(off, 1, 0x0, 3);
    st(off, 1, 0x1000, 4);
    assert_applied(off, "1:0=3 1:1000=4");
    g_assert_cmphex(ld(off, 2, 0x1000), ==, 4);
    g_assert_cmpuint(r->hazards->len + off->hazards->len, ==, 0);
    g_assert_false(off->armed[1]);
}

/* Migration's pre_save: every buffer lands now, fenced or not. */
static void test_drain_all(void)
{
    g_autoptr(Rig) r = rig_new(VPCI_WC_ORDER_REVERSE, 0, 4);

    st(r, 0, 0x0, 1);
    st(r, 0, 0x1000, 2);
    st(r, 2, 0x1040, 3);
    g_assert_cmpint(r->deadline, !=, INT64_MAX);
    vpci_wc_drain_all(&r->wc);
    assert_applied(r, "0:1000=2! 0:0=1 2:1040=3");
    g_assert_cmpint(r->deadline, ==, INT64_MAX);
    vpci_wc_drain_all(&r->wc);
    assert_applied(r, "");
}

/* A device reset drops what is buffered: nothing of it reaches the device. */
static void test_reset(void)
{
    g_autoptr(Rig) r = rig_new(VPCI_WC_ORDER_PROGRAM, 0, 4);

    st(r, 0, 0x0, 1);
    st(r, 1, 0x1000, 2);
    vpci_wc_reset(&r->wc);
    g_assert_cmpint(r->deadline, ==, INT64_MAX);
    fence(r, 0);
    fence(r, 1);
    r->now += 10 * DELAY_NS;
    vpci_wc_timer(&r->wc);
    g_assert_cmphex(ld(r, 2, 0x1000), ==, 0);
    assert_applied(r, "");
    g_assert_cmpuint(r->wc.drains, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vpci-wc/order/program", test_order_program);
    g_test_add_func("/vpci-wc/order/reverse", test_order_reverse);
    g_test_add_func("/vpci-wc/order/buffers", test_order_buffers);
    g_test_add_func("/vpci-wc/order/random", test_order_random);
    g_test_add_func("/vpci-wc/full", test_full);
    g_test_add_func("/vpci-wc/load", test_load);
    g_test_add_func("/vpci-wc/cross-vcpu", test_cross_vcpu);
    g_test_add_func("/vpci-wc/delay", test_delay);
    g_test_add_func("/vpci-wc/guard", test_guard);
    g_test_add_func("/vpci-wc/nested/refused", test_nested);
    g_test_add_func("/vpci-wc/nested/same-vcpu", test_nested_same_vcpu);
    g_test_add_func("/vpci-wc/bypass", test_bypass);
    g_test_add_func("/vpci-wc/drain-all", test_drain_all);
    g_test_add_func("/vpci-wc/reset", test_reset);
    return g_test_run();
}
