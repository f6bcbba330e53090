/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Threads for the stress scenarios (vbus.h): start and join them, one per
 * CPU with its own seed, and keep the first error each one met.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "vbus.h"
#include "vpci-testfn-regs.h"

int start_threads(pthread_t *tid, int n, void *(*fn)(void *), void *args, size_t stride)
{
	for (int i = 0; i < n; i++) {
		if (pthread_create(&tid[i], NULL, fn, (char *)args + (size_t)i * stride)) {
			tap_ok(false, "cannot start thread %d", i);
			join_threads(tid, i);
			return -1;
		}
	}
	return 0;
}

void join_threads(pthread_t *tid, int n)
{
	for (int i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
}

unsigned long xorshift(unsigned long *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

void err_note(struct err_log *e, const char *fmt, ...)
{
	va_list ap;

	if (!e->n++) {
		va_start(ap, fmt);
		vsnprintf(e->first, sizeof(e->first), fmt, ap);
		va_end(ap);
	}
}

void err_merge(struct err_log *sum, const struct err_log *e)
{
	if (e->n && !sum->n)
		snprintf(sum->first, sizeof(sum->first), "%s", e->first);
	sum->n += e->n;
}

int workers_run(const struct worker *tmpl, unsigned long seed_step, void *th, size_t stride,
		void *(*fn)(void *))
{
	pthread_t tid[MAX_CPUS];
	int n = tmpl->ncpu;

	for (int c = 0; c < n; c++) {
		struct worker *w = (struct worker *)((char *)th + (size_t)c * stride);

		memset(w, 0, stride);
		*w = *tmpl;
		w->cpu = c;
		w->seed = tmpl->seed + (unsigned long)c * seed_step + 1;
	}
	if (start_threads(tid, n, fn, th, stride))
		return -1;
	join_threads(tid, n);
	return 0;
}

void worker_pin(struct worker *w)
{
	if (!pin_to_cpu(w->cpu))
		err_note(&w->err, "cannot pin to cpu %d", w->cpu);
}

int worker_owned(const struct worker *w, int *own)
{
	int n = 0;

	for (int k = w->cpu; k < w->ntfn; k += w->ncpu)
		own[n++] = k;
	return n;
}

struct vfn *worker_pick(struct worker *w)
{
	return &w->vb->f[w->tfn[xorshift(&w->seed) % (unsigned long)w->ntfn]];
}

unsigned int worker_sig_off(struct worker *w)
{
	return VPCI_TESTFN_CFG_SIG_BASE +
	       4 * (unsigned int)(xorshift(&w->seed) % (VPCI_TESTFN_CFG_SIG_SIZE / 4));
}
