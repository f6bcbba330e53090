// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * epoch-loop: a CPU-bound guest loop for `vpci-rig bench`'s epoch section,
 * which runs it on the rig's QEMU and on the same QEMU source built without
 * our series (build-aux/setup.sh, VPCI_RIG_STOCK_QEMU=1) to price the
 * ordering-epoch patches (qemu-hw/patches/0003 and 0005) where they are
 * paid: in every translated fence, locked instruction and store.
 *
 * It needs no device of ours, so both QEMUs run the same command line.  It
 * runs each instruction mix a fixed number of times and prints
 *
 *   epoch-loop: MIX N iterations in S s (R M/s)
 *
 * for each of ROUNDS rounds (default 3) of every mix in turn, and MIX in
 *   alu     register arithmetic only (the epoch patches add nothing)
 *   mem     plain loads and stores to a 64 KiB buffer (0005's unarmed
 *           store path)
 *   locked  LOCK XADD, LOCK CMPXCHG and XCHG with memory (each advances
 *           the epoch: 0003)
 *   fence   MFENCE, SFENCE and LFENCE (the first two advance the epoch)
 *   mixed   one of each of the above per iteration
 *
 * Usage: epoch-loop [ROUNDS]: the rounds let a reader take each mix's best,
 * the one least disturbed by the host (bench does).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BUF_WORDS	(64 * 1024 / sizeof(uint64_t))

static uint64_t buf[BUF_WORDS];

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t mix_alu(uint64_t n)
{
	uint64_t a = 1, b = 3;

	for (uint64_t i = 0; i < n; i++)
		asm volatile("add %1, %0\n\t"
			     "xor $0x5a5a, %1\n\t"
			     "imul $7, %0, %0\n\t"
			     "rol $3, %1\n\t"
			     "shr $1, %0\n\t"
			     "sub %0, %1"
			     : "+r"(a), "+r"(b));
	return a ^ b;
}

static uint64_t mix_mem(uint64_t n)
{
	uint64_t v = 0;

	/* a stride of 9 words touches every word, a new line each time */
	for (uint64_t i = 0; i < n; i++) {
		uint64_t *src = &buf[(i * 9) % BUF_WORDS];
		uint64_t *dst1 = &buf[(i * 9 + 4) % BUF_WORDS];
		uint64_t *dst2 = &buf[(i * 9 + 7) % BUF_WORDS];

		asm volatile("mov %3, %0\n\t"
			     "add $1, %0\n\t"
			     "mov %0, %1\n\t"
			     "mov %0, %2"
			     : "+r"(v), "=m"(*dst1), "=m"(*dst2)
			     : "m"(*src));
	}
	return v;
}

static uint64_t mix_locked(uint64_t n)
{
	uint64_t v = 1, old, x;

	for (uint64_t i = 0; i < n; i++) {
		x = 1;
		old = buf[0];
		asm volatile("lock xadd %0, %1"
			     : "+r"(x), "+m"(buf[1]) : : "memory");
		asm volatile("lock cmpxchg %2, %1"
			     : "+a"(old), "+m"(buf[0]) : "r"(old + 1) : "memory", "cc");
		asm volatile("xchg %0, %1"
			     : "+r"(v), "+m"(buf[2]) : : "memory");
	}
	return v + buf[1];
}

static uint64_t mix_fence(uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		asm volatile("mfence\n\tsfence\n\tlfence" : : : "memory");
	return n;
}

static uint64_t mix_mixed(uint64_t n)
{
	uint64_t v = 0;

	for (uint64_t i = 0; i < n; i++) {
		v += mix_alu(1);
		v += mix_mem(1);
		v += mix_locked(1);
		v += mix_fence(1);
	}
	return v;
}

static const struct mix {
	const char *name;
	uint64_t (*fn)(uint64_t n);
	uint64_t iterations;	/* about half a second each under TCG */
} mixes[] = {
	{ "alu", mix_alu, 200000000 },
	{ "mem", mix_mem, 80000000 },
	{ "locked", mix_locked, 50000000 },
	{ "fence", mix_fence, 80000000 },
	{ "mixed", mix_mixed, 25000000 },
};

int main(int argc, char **argv)
{
	unsigned long rounds = argc > 1 ? strtoul(argv[1], NULL, 0) : 3;
	volatile uint64_t sink = 0;

	for (unsigned long r = 0; r < rounds; r++) {
		for (size_t m = 0; m < sizeof(mixes) / sizeof(mixes[0]); m++) {
			uint64_t n = mixes[m].iterations;
			double t0 = mono_s(), s;

			sink += mixes[m].fn(n);
			s = mono_s() - t0;
			printf("epoch-loop: %s %llu iterations in %.3f s (%.2f M/s)\n",
			       mixes[m].name, (unsigned long long)n, s,
			       s > 0 ? (double)n / s / 1e6 : 0.0);
			fflush(stdout);
		}
	}
	return sink == 42 ? 1 : 0;
}
