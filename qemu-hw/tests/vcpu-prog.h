/*
 * vcpu-prog: make a vCPU execute a qtest's accesses.
 *
 * Under qtest the vCPUs never run, so current_cpu is NULL and the window's
 * write-combining model (and its ordering guard) is bypassed.  To reach
 * them, a test boots TCG with a 64 KiB firmware built here: the reset
 * vector enters flat 32-bit protected mode and runs an interpreter over a
 * list of commands the test wrote into guest RAM before `cont` (start
 * QEMU with -S).  Only the boot vCPU runs it.
 *
 * Layout of the firmware image (mapped at 0xffff0000 and 0xf0000):
 *   0x0000  real-mode entry         0x0200  GDT and GDTR
 *   0x0400  the 32-bit interpreter  0xfff0  reset vector (jmp 0x0000)
 * The vCPU reads 16-byte commands { op, addr, value, result } from
 * VCPU_PROG_LIST; op 0 halts for good with interrupts off.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef VPCI_RIG_VCPU_PROG_H
#define VPCI_RIG_VCPU_PROG_H

#include "libqtest.h"

#define VCPU_PROG_BIOS_SIZE     0x10000
#define VCPU_PROG_INTERP        0x0400      /* the interpreter, image offset */
#define VCPU_PROG_LIST          0x10000     /* the command list */
#define VCPU_PROG_MAX_CMDS      255
#define VCPU_PROG_STACK         0x12000     /* top of its stack */
#define VCPU_PROG_SCRATCH       0x11000     /* STORE32_THEN_RAM's RAM dword */
#define VCPU_PROG_END           0x12000     /* RAM from here is the test's */

enum {
    VCPU_OP_HALT = 0,
    VCPU_OP_STORE32,        /* mov [addr], value (dword) */
    VCPU_OP_STORE16,
    VCPU_OP_STORE8,
    VCPU_OP_LOAD32,         /* result = [addr] */
    VCPU_OP_MFENCE,
    VCPU_OP_SFENCE,
    VCPU_OP_WAIT32,         /* spin (pause) until [addr] == value */
    VCPU_OP_JUMP,           /* continue with the command at addr */
    /*
     * Stores the ordering guard must see (patch 0014): in one block, a
     * dword store to addr, then the same value to VCPU_PROG_SCRATCH; and
     * one store to addr by SSE (MOVDQU of value zero-extended: 16 bytes),
     * by x87 (FISTP of 1.0: the dword 1) and by MOVBE (value byte-swapped;
     * needs -cpu max).  And two locked instructions, whose stores drain
     * instead: LOCK ADD [addr], value and XCHG [addr], value.
     */
    VCPU_OP_STORE32_THEN_RAM,
    VCPU_OP_STORE_SSE,
    VCPU_OP_STORE_X87,
    VCPU_OP_STORE_MOVBE,
    VCPU_OP_LOCK_ADD,
    VCPU_OP_XCHG,
    VCPU_OP_COUNT
};

typedef struct VcpuProg {
    uint8_t img[VCPU_PROG_BIOS_SIZE];
    unsigned pos;
    unsigned handler[VCPU_OP_COUNT];    /* each op's code, image offset */
} VcpuProg;

static inline void vp_emit(VcpuProg *p, const char *hex)
{
    while (*hex) {
        unsigned byte;

        if (*hex == ' ') {
            hex++;
            continue;
        }
        g_assert(sscanf(hex, "%2x", &byte) == 1);
        p->img[p->pos++] = byte;
        hex += 2;
    }
}

static inline void vp_emit32(VcpuProg *p, uint32_t v)
{
    stl_le_p(&p->img[p->pos], v);
    p->pos += 4;
}

static inline void vp_emit16(VcpuProg *p, uint16_t v)
{
    stw_le_p(&p->img[p->pos], v);
    p->pos += 2;
}

/* Real mode at 0x0000 -> flat protected mode -> the interpreter. */
static inline void vp_real_mode_entry(VcpuProg *p, unsigned interp)
{
    p->pos = 0x0000;
    vp_emit(p, "fa");                       /* cli */
    vp_emit(p, "66 2e 0f 01 16");           /* lgdt (o32) cs:[GDTR] */
    vp_emit16(p, 0x0218);
    vp_emit(p, "0f 20 c0 0c 01 0f 22 c0");  /* cr0 |= PE */
    vp_emit(p, "66 ea");                    /* jmp far (o32) 0x08:next */
    vp_emit32(p, 0xffff0000 + p->pos + 4 + 2);  /* the reset alias */
    vp_emit16(p, 0x08);
    /* 32-bit code from here */
    vp_emit(p, "66 b8 10 00 8e d8 8e c0 8e d0"); /* ds = es = ss = 0x10 */
    vp_emit(p, "0f 20 e0 0d 00 06 00 00 0f 22 e0"); /* cr4 |= OSFXSR... */
    vp_emit(p, "be");                       /* mov esi, list */
    vp_emit32(p, VCPU_PROG_LIST);
    vp_emit(p, "bc");                       /* mov esp, stack */
    vp_emit32(p, VCPU_PROG_STACK);
    vp_emit(p, "e9");                       /* jmp interp */
    vp_emit32(p, interp - (p->pos + 4));
}

/* The interpreter: a dispatch on op, one short handler per op. */
static inline void vp_interpreter(VcpuProg *p, unsigned at)
{
    unsigned loop, jcc[VCPU_OP_COUNT];

    p->pos = at;
    loop = p->pos;
    vp_emit(p, "8b 06 8b 5e 04 8b 4e 08 83 c6 10"); /* eax,ebx,ecx; esi+=16 */
    for (unsigned op = 1; op < VCPU_OP_COUNT; op++) {
        vp_emit(p, "83 f8");                /* cmp eax, op */
        p->img[p->pos++] = op;
        vp_emit(p, "0f 84");                /* je handler (patched below) */
        jcc[op] = p->pos;
        vp_emit32(p, 0);
    }
    vp_emit(p, "fa f4 eb fd");              /* op 0 (no match): cli; hlt */
    for (unsigned op = 1; op < VCPU_OP_COUNT; op++) {
        stl_le_p(&p->img[jcc[op]], p->pos - (jcc[op] + 4));
        p->handler[op] = p->pos;
        switch (op) {
        case VCPU_OP_STORE32: vp_emit(p, "89 0b"); break;
        case VCPU_OP_STORE16: vp_emit(p, "66 89 0b"); break;
        case VCPU_OP_STORE8:  vp_emit(p, "88 0b"); break;
        case VCPU_OP_LOAD32:  vp_emit(p, "8b 03 89 46 fc"); break;
        case VCPU_OP_MFENCE:  vp_emit(p, "0f ae f0"); break;
        case VCPU_OP_SFENCE:  vp_emit(p, "0f ae f8"); break;
        case VCPU_OP_WAIT32:  vp_emit(p, "f3 90 8b 03 39 c8 75 f8"); break;
        case VCPU_OP_JUMP:    vp_emit(p, "89 de"); break;   /* esi = ebx */
        case VCPU_OP_STORE32_THEN_RAM:
            vp_emit(p, "89 0b 89 0d");      /* mov [ebx], ecx; mov [abs], ecx */
            vp_emit32(p, VCPU_PROG_SCRATCH);
            break;
        case VCPU_OP_STORE_SSE:             /* movd xmm0, ecx; movdqu [ebx], xmm0 */
            vp_emit(p, "66 0f 6e c1 f3 0f 7f 03");
            break;
        case VCPU_OP_STORE_X87:             /* fld1; fistp dword [ebx] */
            vp_emit(p, "d9 e8 db 1b");
            break;
        case VCPU_OP_STORE_MOVBE:           /* movbe [ebx], ecx */
            vp_emit(p, "0f 38 f1 0b");
            break;
        case VCPU_OP_LOCK_ADD:              /* lock add [ebx], ecx */
            vp_emit(p, "f0 01 0b");
            break;
        case VCPU_OP_XCHG:                  /* xchg [ebx], ecx */
            vp_emit(p, "87 0b");
            break;
        }
        vp_emit(p, "e9");                   /* jmp loop */
        vp_emit32(p, loop - (p->pos + 4));
    }
}

/* Write the firmware image to a temporary file; g_free() the name. */
static inline char *vcpu_prog_bios(void)
{
    g_autofree VcpuProg *p = g_new0(VcpuProg, 1);
    char *path = NULL;
    int fd = g_file_open_tmp("vcpu-prog-XXXXXX.bin", &path, NULL);
    static const uint8_t gdt[] = {
        0, 0, 0, 0, 0, 0, 0, 0,
        0xff, 0xff, 0, 0, 0, 0x9a, 0xcf, 0,     /* 0x08: code, flat 4 GiB */
        0xff, 0xff, 0, 0, 0, 0x92, 0xcf, 0,     /* 0x10: data, flat 4 GiB */
    };

    g_assert(fd >= 0);
    memset(p->img, 0xf4, sizeof(p->img));   /* stray jumps halt */
    vp_interpreter(p, VCPU_PROG_INTERP);
    vp_real_mode_entry(p, VCPU_PROG_INTERP);
    memcpy(&p->img[0x0200], gdt, sizeof(gdt));
    stw_le_p(&p->img[0x0218], sizeof(gdt) - 1);     /* GDTR */
    stl_le_p(&p->img[0x021a], 0xf0200);
    p->pos = 0xfff0;
    vp_emit(p, "e9");                       /* jmp near 0x0000 */
    vp_emit16(p, (uint16_t)(0x10000 - 0xfff3));     /* wraps to 0x0000 */
    g_assert(write(fd, p->img, sizeof(p->img)) == sizeof(p->img));
    close(fd);
    return path;
}

/*
 * Linear address of the instruction @byte bytes into @op's code: the
 * firmware runs from its alias below 4 GiB.
 */
static inline uint32_t vcpu_prog_pc(unsigned op, unsigned byte)
{
    g_autofree VcpuProg *p = g_new0(VcpuProg, 1);

    vp_interpreter(p, VCPU_PROG_INTERP);
    return 0xffff0000 + p->handler[op] + byte;
}

/* Command @i of the list. */
static inline void vcpu_prog_cmd(QTestState *qts, unsigned i, uint32_t op,
                                 uint32_t addr, uint32_t value)
{
    uint64_t at = VCPU_PROG_LIST + 16 * i;

    g_assert_cmpuint(i, <, VCPU_PROG_MAX_CMDS);
    qtest_writel(qts, at, op);
    qtest_writel(qts, at + 4, addr);
    qtest_writel(qts, at + 8, value);
    qtest_writel(qts, at + 12, 0);
}

/* What LOAD32 command @i read. */
static inline uint32_t vcpu_prog_result(QTestState *qts, unsigned i)
{
    return qtest_readl(qts, VCPU_PROG_LIST + 16 * i + 12);
}

/* Command-line options: TCG runs the firmware @bios, stopped until cont. */
#define VCPU_PROG_ARGS "-accel tcg -S -bios %s "

#endif
