/*
 * QTest of Hyper-V's synthetic interface under TCG (-cpu ...,hv-*):
 * CPUID leaves, synthetic MSRs and hypercall status codes, executed by a
 * real TCG vCPU, since cpuid, rdmsr, wrmsr and VMCALL never reach QEMU
 * from qtest.  A guest's garbage must get #GP or an HV_STATUS code, never
 * take QEMU down.
 *
 * The firmware: vcpu-prog.h's real-mode entry into flat 32-bit protected
 * mode, then an interpreter of its own over 32-byte commands
 *   { op, a, b, c, r0, r1, r2, r3 }
 * at VCPU_PROG_LIST:
 *   HT_OP_RDMSR   ecx = a                  r0:r1 = edx:eax read
 *   HT_OP_WRMSR   ecx = a, edx:eax = c:b
 *   HT_OP_CPUID   eax = a, ecx = b         r0-r3 = eax, ebx, ecx, edx
 *   HT_OP_VMCALL  edx:eax = b:a (the hypercall input value), ebx:ecx = 0:c
 *                 (the input GPA), edi:esi = 0   r0:r1 = edx:eax result
 *   HT_OP_HALT    writes 1 at HT_DONE, then cli; hlt
 * #UD and #GP (an IDT of two gates) write 0x106 or 0x10d into r3 and go
 * on with the next command.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "qemu/bswap.h"
#include "vcpu-prog.h"

enum {
    HT_OP_HALT = 0,
    HT_OP_RDMSR,
    HT_OP_WRMSR,
    HT_OP_CPUID,
    HT_OP_VMCALL,
};

#define HT_CMD_SIZE     32
#define HT_MAX_CMDS     64          /* below the interpreter's stack */
#define HT_DONE         0x13000     /* the halt op writes 1 here */
#define HT_HCALL_PAGE   0x20000     /* the hypercall page */
#define HT_INPUT        0x21000     /* a hypercall's input page */
#define HT_SIMP         0x22000
#define HT_SIEFP        0x23000
#define HT_VP_ASSIST    0x24000

#define HT_FAULT_UD     0x106
#define HT_FAULT_GP     0x10d

/* TLFS values the test checks (kept apart from QEMU's headers on purpose) */
#define HV_MSR_GUEST_OS_ID      0x40000000
#define HV_MSR_HYPERCALL        0x40000001
#define HV_MSR_VP_INDEX         0x40000002
#define HV_MSR_VP_ASSIST_PAGE   0x40000073
#define HV_MSR_SCONTROL         0x40000080
#define HV_MSR_SVERSION         0x40000081
#define HV_MSR_SIEFP            0x40000082
#define HV_MSR_SIMP             0x40000083
#define HV_MSR_EOM              0x40000084
#define HV_MSR_SINT2            0x40000092
#define HV_MSR_TSC_INVARIANT    0x40000118

#define HV_STATUS_INVALID_HYPERCALL_CODE    2
#define HV_STATUS_INVALID_HYPERCALL_INPUT   3
#define HV_STATUS_INVALID_ALIGNMENT         4
#define HV_STATUS_INVALID_PARAMETER         5
#define HV_STATUS_INVALID_PARTITION_ID      13
#define HV_STATUS_INVALID_CONNECTION_ID     18

#define HV_HCALL_FAST           (1u << 16)

/* The interpreter, at 0x0400 (assembled from the comment at the top) */
static const char ht_interp[] =
    "0f 01 1d 20 02 0f 00 89 f5 8b 45 00 8b 4d 04 8b 5d 08 8b 55 0c 83 f8 "
    "01 74 1d 83 f8 02 74 22 83 f8 03 74 23 83 f8 04 74 32 c7 05 00 30 01 "
    "00 01 00 00 00 fa f4 eb fd 0f 32 89 45 10 89 55 14 eb 2f 89 d8 0f 30 "
    "eb 29 89 c8 89 d9 0f a2 89 45 10 89 5d 14 89 4d 18 89 55 1c eb 15 89 "
    "c8 89 d1 89 da 31 db 31 f6 31 ff 0f 01 c1 89 45 10 89 55 14 83 c5 20 "
    "eb 94 c7 45 1c 06 01 00 00 eb 07 c7 45 1c 0d 01 00 00 bc 00 20 01 00 "
    "83 c5 20 e9 77 ff ff ff";
#define HT_INTERP       0x0400
#define HT_FAULT_UD_AT  (HT_INTERP + 0x75)
#define HT_FAULT_GP_AT  (HT_INTERP + 0x7e)
#define HT_IDT          0x0300      /* 32 gates; IDTR at 0x0220 */

static void ht_gate(VcpuProg *p, unsigned vector, unsigned handler)
{
    uint32_t offset = 0xffff0000 + handler;
    uint8_t *g = &p->img[HT_IDT + 8 * vector];

    stw_le_p(g, offset & 0xffff);
    stw_le_p(g + 2, 0x08);                  /* flat code segment */
    g[4] = 0;
    g[5] = 0x8e;                            /* present, 32-bit interrupt gate */
    stw_le_p(g + 6, offset >> 16);
}

/* The firmware image in a temporary file; g_free() the name. */
static char *ht_bios(void)
{
    g_autofree VcpuProg *p = g_new0(VcpuProg, 1);
    static const uint8_t gdt[] = {
        0, 0, 0, 0, 0, 0, 0, 0,
        0xff, 0xff, 0, 0, 0, 0x9a, 0xcf, 0,     /* 0x08: code, flat 4 GiB */
        0xff, 0xff, 0, 0, 0, 0x92, 0xcf, 0,     /* 0x10: data, flat 4 GiB */
    };
    char *path = NULL;
    int fd = g_file_open_tmp("hyperv-tcg-XXXXXX.bin", &path, NULL);

    g_assert(fd >= 0);
    memset(p->img, 0xf4, sizeof(p->img));   /* stray jumps halt */
    p->pos = HT_INTERP;
    vp_emit(p, ht_interp);
    vp_real_mode_entry(p, HT_INTERP);
    memcpy(&p->img[0x0200], gdt, sizeof(gdt));
    stw_le_p(&p->img[0x0218], sizeof(gdt) - 1);     /* GDTR */
    stl_le_p(&p->img[0x021a], 0xf0200);
    memset(&p->img[HT_IDT], 0, 0x100);
    ht_gate(p, 6, HT_FAULT_UD_AT);
    ht_gate(p, 13, HT_FAULT_GP_AT);
    stw_le_p(&p->img[0x0220], 0xff);                /* IDTR */
    stl_le_p(&p->img[0x0222], 0xf0000 + HT_IDT);
    p->pos = 0xfff0;
    vp_emit(p, "e9");                       /* jmp near 0x0000 */
    vp_emit16(p, (uint16_t)(0x10000 - 0xfff3));
    g_assert(write(fd, p->img, sizeof(p->img)) == sizeof(p->img));
    close(fd);
    return path;
}

typedef struct HtVm {
    QTestState *qts;
    char *bios;
    unsigned n;                             /* commands queued */
} HtVm;

static HtVm *ht_start(const char *cpu)
{
    HtVm *vm = g_new0(HtVm, 1);

    vm->bios = ht_bios();
    vm->qts = qtest_initf("-M q35 -nodefaults -L /usr/share/seabios "
                          "-L /usr/share/qemu " VCPU_PROG_ARGS "-cpu %s",
                          vm->bios, cpu);
    return vm;
}

static void ht_stop(HtVm *vm)
{
    qtest_quit(vm->qts);
    unlink(vm->bios);
    g_free(vm->bios);
    g_free(vm);
}

/* Queue a command; returns its index for ht_result(). */
static unsigned ht_cmd(HtVm *vm, uint32_t op, uint32_t a, uint32_t b,
                       uint32_t c)
{
    uint64_t at = VCPU_PROG_LIST + HT_CMD_SIZE * vm->n;
    uint8_t cmd[HT_CMD_SIZE] = { 0 };

    g_assert_cmpuint(vm->n, <, HT_MAX_CMDS);
    stl_le_p(cmd, op);
    stl_le_p(cmd + 4, a);
    stl_le_p(cmd + 8, b);
    stl_le_p(cmd + 12, c);
    qtest_memwrite(vm->qts, at, cmd, sizeof(cmd));
    return vm->n++;
}

static unsigned ht_wrmsr(HtVm *vm, uint32_t msr, uint64_t val)
{
    return ht_cmd(vm, HT_OP_WRMSR, msr, (uint32_t)val, val >> 32);
}

static unsigned ht_rdmsr(HtVm *vm, uint32_t msr)
{
    return ht_cmd(vm, HT_OP_RDMSR, msr, 0, 0);
}

static unsigned ht_vmcall(HtVm *vm, uint64_t control, uint32_t input)
{
    return ht_cmd(vm, HT_OP_VMCALL, (uint32_t)control, control >> 32, input);
}

/* Halt the list, run the vCPU and wait (bounded) until it is done. */
static void ht_run(HtVm *vm)
{
    gint64 end = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;

    ht_cmd(vm, HT_OP_HALT, 0, 0, 0);
    qtest_qmp_assert_success(vm->qts, "{ 'execute': 'cont' }");
    while (qtest_readl(vm->qts, HT_DONE) != 1) {
        g_assert_cmpint(g_get_monotonic_time(), <, end);
        g_usleep(1000);
    }
}

static uint32_t ht_result(HtVm *vm, unsigned i, unsigned r)
{
    return qtest_readl(vm->qts, VCPU_PROG_LIST + HT_CMD_SIZE * i + 16 + 4 * r);
}

static uint64_t ht_result64(HtVm *vm, unsigned i)
{
    return (uint64_t)ht_result(vm, i, 1) << 32 | ht_result(vm, i, 0);
}

/* r3: the fault the command took, 0 for none */
static uint32_t ht_fault(HtVm *vm, unsigned i)
{
    return ht_result(vm, i, 3);
}

/* The vendor signature of a CPUID command's ebx, ecx, edx */
static void ht_signature(HtVm *vm, unsigned i, char sig[13])
{
    for (unsigned r = 0; r < 3; r++) {
        stl_le_p(sig + 4 * r, ht_result(vm, i, 1 + r));
    }
    sig[12] = 0;
}

#define HT_CPU_HV   "max,hv-relaxed,hv-vpindex,hv-synic"

/* With hv-* flags the hypervisor leaves are Hyper-V's, as Linux needs */
static void test_cpuid_hyperv(void)
{
    HtVm *vm = ht_start(HT_CPU_HV);
    unsigned vendor, iface, feat, hints, limits;
    char sig[13];

    vendor = ht_cmd(vm, HT_OP_CPUID, 0x40000000, 0, 0);
    iface = ht_cmd(vm, HT_OP_CPUID, 0x40000001, 0, 0);
    feat = ht_cmd(vm, HT_OP_CPUID, 0x40000003, 0, 0);
    hints = ht_cmd(vm, HT_OP_CPUID, 0x40000004, 0, 0);
    limits = ht_cmd(vm, HT_OP_CPUID, 0x40000005, 0, 0);
    ht_run(vm);

    ht_signature(vm, vendor, sig);
    g_assert_cmpstr(sig, ==, "Microsoft Hv");
    g_assert_cmphex(ht_result(vm, vendor, 0), >=, 0x40000005);
    g_assert_cmphex(ht_result(vm, iface, 0), ==, 0x31237648);   /* "Hv#1" */
    /*
     * hypercall MSRs (bit 5), VP_INDEX (6), SynIC (2), invariant TSC
     * control (15); no reference counter, timers, TSC page, APIC assists
     */
    g_assert_cmphex(ht_result(vm, feat, 0), ==,
                    (1 << 2) | (1 << 5) | (1 << 6) | (1 << 15));
    /* PostMessage, SignalEvent */
    g_assert_cmphex(ht_result(vm, feat, 1), ==, (1 << 4) | (1 << 5));
    /* HV_DEPRECATING_AEOI_RECOMMENDED (9), relaxed timing (5) */
    g_assert_cmphex(ht_result(vm, hints, 0), ==, (1 << 9) | (1 << 5));
    g_assert_cmphex(ht_result(vm, limits, 0), >, 0);
    ht_stop(vm);
}

/* Without hv-* flags nothing changes: TCG's own signature leaf */
static void test_cpuid_off(void)
{
    HtVm *vm = ht_start("max");
    unsigned vendor;
    char sig[13];

    vendor = ht_cmd(vm, HT_OP_CPUID, 0x40000000, 0, 0);
    ht_run(vm);

    ht_signature(vm, vendor, sig);
    g_assert_cmpstr(sig, ==, "TCGTCGTCGTCG");
    g_assert_cmphex(ht_result(vm, vendor, 0), ==, 0x40000001);
    ht_stop(vm);
}

/* Every MSR Linux writes reads back as written; the hypercall page */
static void test_msr_readback(void)
{
    HtVm *vm = ht_start(HT_CPU_HV);
    const uint64_t os_id = 0x8100000000000000ull | 0x060100;
    unsigned r_os, r_hc, r_vp, r_va, r_simp, r_siefp, r_sint, r_sctl, r_sver;
    unsigned r_tsc, w[9], i;
    uint8_t page[4];

    w[0] = ht_wrmsr(vm, HV_MSR_GUEST_OS_ID, os_id);
    w[1] = ht_wrmsr(vm, HV_MSR_HYPERCALL, HT_HCALL_PAGE | 1);
    w[2] = ht_wrmsr(vm, HV_MSR_VP_ASSIST_PAGE, HT_VP_ASSIST | 1);
    w[3] = ht_wrmsr(vm, HV_MSR_SIMP, HT_SIMP | 1);
    w[4] = ht_wrmsr(vm, HV_MSR_SIEFP, HT_SIEFP | 1);
    w[5] = ht_wrmsr(vm, HV_MSR_SINT2, 0xf3);   /* unmasked, no auto-EOI */
    w[6] = ht_wrmsr(vm, HV_MSR_SCONTROL, 1);
    w[7] = ht_wrmsr(vm, HV_MSR_EOM, 0);
    w[8] = ht_wrmsr(vm, HV_MSR_TSC_INVARIANT, 1);
    r_os = ht_rdmsr(vm, HV_MSR_GUEST_OS_ID);
    r_hc = ht_rdmsr(vm, HV_MSR_HYPERCALL);
    r_vp = ht_rdmsr(vm, HV_MSR_VP_INDEX);
    r_va = ht_rdmsr(vm, HV_MSR_VP_ASSIST_PAGE);
    r_simp = ht_rdmsr(vm, HV_MSR_SIMP);
    r_siefp = ht_rdmsr(vm, HV_MSR_SIEFP);
    r_sint = ht_rdmsr(vm, HV_MSR_SINT2);
    r_sctl = ht_rdmsr(vm, HV_MSR_SCONTROL);
    r_sver = ht_rdmsr(vm, HV_MSR_SVERSION);
    r_tsc = ht_rdmsr(vm, HV_MSR_TSC_INVARIANT);
    ht_run(vm);

    for (i = 0; i < ARRAY_SIZE(w); i++) {
        g_assert_cmphex(ht_fault(vm, w[i]), ==, 0);
    }
    g_assert_cmphex(ht_result64(vm, r_os), ==, os_id);
    g_assert_cmphex(ht_result64(vm, r_hc), ==, HT_HCALL_PAGE | 1);
    g_assert_cmphex(ht_result64(vm, r_vp), ==, 0);
    g_assert_cmphex(ht_result64(vm, r_va), ==, HT_VP_ASSIST | 1);
    g_assert_cmphex(ht_result64(vm, r_simp), ==, HT_SIMP | 1);
    g_assert_cmphex(ht_result64(vm, r_siefp), ==, HT_SIEFP | 1);
    g_assert_cmphex(ht_result64(vm, r_sint), ==, 0xf3);
    g_assert_cmphex(ht_result64(vm, r_sctl), ==, 1);
    g_assert_cmphex(ht_result64(vm, r_sver), ==, 1);
    g_assert_cmphex(ht_result64(vm, r_tsc), ==, 1);

    /* the hypercall page is VMCALL; RET */
    qtest_memread(vm->qts, HT_HCALL_PAGE, page, sizeof(page));
    g_assert_cmphex((uint32_t)ldl_le_p(page), ==, 0xc3c1010f);
    ht_stop(vm);
}

/* Garbage in the synthetic MSRs: #GP, and QEMU lives on */
static void test_msr_garbage(void)
{
    HtVm *vm = ht_start(HT_CPU_HV);
    unsigned gp[8], ok_locked, hc_no_os, r_hc, r_sint;
    unsigned i;

    /* HYPERCALL enable without a guest OS id stays disabled */
    hc_no_os = ht_wrmsr(vm, HV_MSR_HYPERCALL, HT_HCALL_PAGE | 1);
    r_hc = ht_rdmsr(vm, HV_MSR_HYPERCALL);
    gp[0] = ht_wrmsr(vm, HV_MSR_HYPERCALL, HT_HCALL_PAGE | 0x10);   /* reserved */
    gp[1] = ht_wrmsr(vm, HV_MSR_VP_INDEX, 5);                   /* read-only */
    gp[2] = ht_wrmsr(vm, HV_MSR_SINT2, 0x05);           /* vector < 16 */
    gp[3] = ht_wrmsr(vm, HV_MSR_SIMP, HT_SIMP | 0x2);           /* reserved */
    gp[4] = ht_wrmsr(vm, HV_MSR_SCONTROL, 0xff00);              /* reserved */
    gp[5] = ht_wrmsr(vm, 0x400000ff, 1);                        /* unknown */
    gp[6] = ht_rdmsr(vm, 0x400000ff);
    gp[7] = ht_wrmsr(vm, HV_MSR_TSC_INVARIANT, 2);              /* reserved */
    r_sint = ht_rdmsr(vm, HV_MSR_SINT2);        /* still the reset value */
    /* a locked HYPERCALL MSR ignores writes, without a fault */
    ht_wrmsr(vm, HV_MSR_GUEST_OS_ID, 1);
    ht_wrmsr(vm, HV_MSR_HYPERCALL, HT_HCALL_PAGE | 3);
    ok_locked = ht_wrmsr(vm, HV_MSR_HYPERCALL, 0);
    ht_run(vm);

    g_assert_cmphex(ht_fault(vm, hc_no_os), ==, 0);
    g_assert_cmphex(ht_result64(vm, r_hc), ==, HT_HCALL_PAGE);
    for (i = 0; i < ARRAY_SIZE(gp); i++) {
        g_test_message("garbage access %u", i);
        g_assert_cmphex(ht_fault(vm, gp[i]), ==, HT_FAULT_GP);
    }
    g_assert_cmphex(ht_result64(vm, r_sint), ==, 1 << 16);     /* masked */
    g_assert_cmphex(ht_fault(vm, ok_locked), ==, 0);
    g_assert_true(qtest_probe_child(vm->qts));
    ht_stop(vm);
}

/* Without hv-* flags: no synthetic MSR faults, VMCALL is #UD as before */
static void test_msr_off(void)
{
    HtVm *vm = ht_start("max");
    unsigned rd, call;

    rd = ht_rdmsr(vm, HV_MSR_GUEST_OS_ID);
    call = ht_vmcall(vm, 0x5c, HT_INPUT);
    ht_run(vm);

    g_assert_cmphex(ht_fault(vm, rd), ==, 0);
    g_assert_cmphex(ht_result64(vm, rd), ==, 0);
    g_assert_cmphex(ht_fault(vm, call), ==, HT_FAULT_UD);
    ht_stop(vm);
}

/* Hypercalls: each answered with Hyper-V's status, never a crash */
static void test_hcall_status(void)
{
    HtVm *vm = ht_start(HT_CPU_HV);
    unsigned before, unknown, post, post_odd, post_rep, reserved, signal;
    unsigned retarget, retarget_part, retarget_fast, retarget_var;
    uint8_t in[64] = { 0 };

    /* before the hypercall page is on, VMCALL is #UD */
    before = ht_vmcall(vm, 0x5c, HT_INPUT);
    ht_wrmsr(vm, HV_MSR_GUEST_OS_ID, 1);
    ht_wrmsr(vm, HV_MSR_HYPERCALL, HT_HCALL_PAGE | 1);

    unknown = ht_vmcall(vm, 0x0099, HT_INPUT);
    /* PostMessage to connection 0x7777: nobody listens */
    post = ht_vmcall(vm, 0x005c, HT_INPUT);
    post_odd = ht_vmcall(vm, 0x005c, HT_INPUT + 2);
    post_rep = ht_vmcall(vm, 0x005c | 1ull << 32, HT_INPUT);
    reserved = ht_vmcall(vm, 0x005c | 1ull << 30, HT_INPUT);
    /* fast SignalEvent on connection 0x7777 */
    signal = ht_vmcall(vm, 0x005d | HV_HCALL_FAST, 0x7777);
    /* RetargetDeviceInterrupt: no device registered */
    retarget = ht_vmcall(vm, 0x007e, HT_INPUT + 0x100);
    retarget_part = ht_vmcall(vm, 0x007e, HT_INPUT + 0x200);
    retarget_fast = ht_vmcall(vm, 0x007e | HV_HCALL_FAST, HT_INPUT + 0x100);
    /* a processor set whose variable header does not match its banks */
    retarget_var = ht_vmcall(vm, 0x007e | 5 << 17, HT_INPUT + 0x300);

    /* PostMessage input: connection id, type, size */
    stl_le_p(in, 0x7777);
    stl_le_p(in + 4, 0);
    stl_le_p(in + 8, 1);
    stl_le_p(in + 12, 16);
    qtest_memwrite(vm->qts, HT_INPUT, in, sizeof(in));
    /* retarget: partition self, device 1, MSI, vector 0x30, VP mask 1 */
    memset(in, 0, sizeof(in));
    stq_le_p(in, UINT64_MAX);
    stq_le_p(in + 8, 1);
    stl_le_p(in + 16, 1);
    stl_le_p(in + 40, 0x30);
    stq_le_p(in + 48, 1);
    qtest_memwrite(vm->qts, HT_INPUT + 0x100, in, sizeof(in));
    stq_le_p(in, 7);                            /* another partition */
    qtest_memwrite(vm->qts, HT_INPUT + 0x200, in, sizeof(in));
    stq_le_p(in, UINT64_MAX);
    stl_le_p(in + 44, 2);                       /* processor set */
    stq_le_p(in + 48, 0);                       /* sparse 4K */
    stq_le_p(in + 56, 1);                       /* one bank, header says 5 */
    qtest_memwrite(vm->qts, HT_INPUT + 0x300, in, sizeof(in));
    ht_run(vm);

    g_assert_cmphex(ht_fault(vm, before), ==, HT_FAULT_UD);
    g_assert_cmphex(ht_result64(vm, unknown), ==,
                    HV_STATUS_INVALID_HYPERCALL_CODE);
    g_assert_cmphex(ht_result64(vm, post), ==,
                    HV_STATUS_INVALID_CONNECTION_ID);
    g_assert_cmphex(ht_result64(vm, post_odd), ==,
                    HV_STATUS_INVALID_ALIGNMENT);
    g_assert_cmphex(ht_result64(vm, post_rep), ==,
                    HV_STATUS_INVALID_HYPERCALL_INPUT);
    g_assert_cmphex(ht_result64(vm, reserved), ==,
                    HV_STATUS_INVALID_HYPERCALL_INPUT);
    g_assert_cmphex(ht_result64(vm, signal), ==,
                    HV_STATUS_INVALID_CONNECTION_ID);
    g_assert_cmphex(ht_result64(vm, retarget), ==,
                    HV_STATUS_INVALID_PARAMETER);
    g_assert_cmphex(ht_result64(vm, retarget_part), ==,
                    HV_STATUS_INVALID_PARTITION_ID);
    g_assert_cmphex(ht_result64(vm, retarget_fast), ==,
                    HV_STATUS_INVALID_HYPERCALL_INPUT);
    g_assert_cmphex(ht_result64(vm, retarget_var), ==,
                    HV_STATUS_INVALID_HYPERCALL_INPUT);
    g_assert_true(qtest_probe_child(vm->qts));
    ht_stop(vm);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/hyperv-tcg/cpuid/hyperv", test_cpuid_hyperv);
    qtest_add_func("/hyperv-tcg/cpuid/off", test_cpuid_off);
    qtest_add_func("/hyperv-tcg/msr/readback", test_msr_readback);
    qtest_add_func("/hyperv-tcg/msr/garbage", test_msr_garbage);
    qtest_add_func("/hyperv-tcg/msr/off", test_msr_off);
    qtest_add_func("/hyperv-tcg/hcall/status", test_hcall_status);
    return g_test_run();
}
