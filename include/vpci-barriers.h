/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vpci-barriers.h: the one definition of the config window's barrier sites
 * and of the barrier kinds a site can emit.  hv_vpci's fences= parameter,
 * the harness's --fences, "vpci-rig list" and the hazard attribution all
 * take their names from here.
 *
 * A fences= / --fences value is a comma list, read left to right, starting
 * from every site off:
 *   all            every site with its default kind (the merged 2016 fix)
 *   none           every site off
 *   SITE           SITE with its default kind
 *   SITE=KIND      SITE with KIND (KIND "none" turns it off)
 * e.g. "read-release=rmb,write-release=wmb" (the RFC's "essential minimum")
 * or "all,write-select=dma_wmb" (the fix with one site weakened).
 *
 * Plain macros only: included by the guest driver and by host programs.
 */
#ifndef VPCI_BARRIERS_H
#define VPCI_BARRIERS_H

/*
 * X(ID, name, default kind ID, where it sits).  The order is the order of
 * the canonical string and of the harness's tables.
 */
#define VPCI_BARRIER_SITES(X)						\
	X(READ_SELECT, "read-select", MB,				\
	  "between the slot select store and a config load")		\
	X(READ_RELEASE, "read-release", MB,				\
	  "after a config load, before the window is released")	\
	X(WRITE_SELECT, "write-select", WMB,				\
	  "between the slot select store and a config store")		\
	X(WRITE_RELEASE, "write-release", MB,				\
	  "after a config store, before the window is released")

/*
 * X(ID, name, what it is on x86-64 Linux).  printk and mdelay are not
 * barriers: they are what the 2016 thread put "between them" while
 * debugging ("moves the issue further away").
 */
#define VPCI_BARRIER_KINDS(X)						\
	X(NONE, "none", "nothing")					\
	X(BARRIER, "barrier", "compiler barrier only")			\
	X(MB, "mb", "mfence")						\
	X(RMB, "rmb", "lfence")						\
	X(WMB, "wmb", "sfence")						\
	X(SMP_MB, "smp_mb", "lock addl $0 to the stack")		\
	X(SMP_RMB, "smp_rmb", "compiler barrier")			\
	X(SMP_WMB, "smp_wmb", "compiler barrier")			\
	X(DMA_RMB, "dma_rmb", "compiler barrier")			\
	X(DMA_WMB, "dma_wmb", "compiler barrier")			\
	X(PRINTK, "printk", "printk(KERN_DEBUG) of the access")	\
	X(MDELAY, "mdelay", "mdelay(1), a TSC busy-wait")

#define VPCI_BARRIER_SITE_ENUM(id, name, kind, where) VPCI_SITE_##id,
enum vpci_barrier_site {
	VPCI_BARRIER_SITES(VPCI_BARRIER_SITE_ENUM)
	VPCI_SITE_NR
};
#undef VPCI_BARRIER_SITE_ENUM

#define VPCI_BARRIER_KIND_ENUM(id, name, what) VPCI_KIND_##id,
enum vpci_barrier_kind {
	VPCI_BARRIER_KINDS(VPCI_BARRIER_KIND_ENUM)
	VPCI_KIND_NR
};
#undef VPCI_BARRIER_KIND_ENUM

#define VPCI_BARRIER_SITE_NAME(id, name, kind, where) [VPCI_SITE_##id] = name,
static const char *const vpci_barrier_site_names[VPCI_SITE_NR] = {
	VPCI_BARRIER_SITES(VPCI_BARRIER_SITE_NAME)
};
#undef VPCI_BARRIER_SITE_NAME

#define VPCI_BARRIER_SITE_DEFAULT(id, name, kind, where) [VPCI_SITE_##id] = VPCI_KIND_##kind,
static const unsigned char vpci_barrier_site_defaults[VPCI_SITE_NR] = {
	VPCI_BARRIER_SITES(VPCI_BARRIER_SITE_DEFAULT)
};
#undef VPCI_BARRIER_SITE_DEFAULT

#define VPCI_BARRIER_KIND_NAME(id, name, what) [VPCI_KIND_##id] = name,
static const char *const vpci_barrier_kind_names[VPCI_KIND_NR] = {
	VPCI_BARRIER_KINDS(VPCI_BARRIER_KIND_NAME)
};
#undef VPCI_BARRIER_KIND_NAME

/* Whether the @len bytes at @s spell @word. */
static inline int vpci_barrier_word(const char *s, int len, const char *word)
{
	int i;

	for (i = 0; i < len && word[i] == s[i]; i++)
		;
	return i == len && word[i] == '\0';
}

/* Index of the @len-byte name @s in @names[@n], or -1. */
static inline int vpci_barrier_lookup(const char *const *names, int n,
				      const char *s, int len)
{
	int i;

	for (i = 0; i < n; i++)
		if (vpci_barrier_word(s, len, names[i]))
			return i;
	return -1;
}

/*
 * vpci_barriers_parse() - a fences= value into one kind per site
 * @s:       the value (grammar at the top of this file)
 * @kinds:   out: a VPCI_KIND_* per site
 * @bad:     out on error: the offending token, not NUL-terminated
 * @bad_len: out on error: its length
 *
 * Return: 0, or -1 with @bad and @bad_len set; @kinds is then undefined.
 */
static inline int vpci_barriers_parse(const char *s,
				      unsigned char kinds[VPCI_SITE_NR],
				      const char **bad, int *bad_len)
{
	int i;

	for (i = 0; i < VPCI_SITE_NR; i++)
		kinds[i] = VPCI_KIND_NONE;
	while (*s) {
		const char *tok = s;
		int len = 0, eq = -1, site, kind;

		/* One token: up to the next comma; @eq is its first '='. */
		while (tok[len] && tok[len] != ',') {
			if (tok[len] == '=' && eq < 0)
				eq = len;
			len++;
		}
		s = tok[len] ? tok + len + 1 : tok + len;
		if (!len)
			continue;
		if (vpci_barrier_word(tok, len, "all") || vpci_barrier_word(tok, len, "none")) {
			for (i = 0; i < VPCI_SITE_NR; i++)
				kinds[i] = tok[0] == 'a' ? vpci_barrier_site_defaults[i] :
					   VPCI_KIND_NONE;
			continue;
		}
		site = vpci_barrier_lookup(vpci_barrier_site_names, VPCI_SITE_NR,
					   tok, eq < 0 ? len : eq);
		if (site < 0)
			kind = -1;
		else if (eq < 0)
			kind = vpci_barrier_site_defaults[site];
		else
			kind = vpci_barrier_lookup(vpci_barrier_kind_names, VPCI_KIND_NR,
						   tok + eq + 1, len - eq - 1);
		if (kind < 0) {
			*bad = tok;
			*bad_len = len;
			return -1;
		}
		kinds[site] = (unsigned char)kind;
	}
	return 0;
}

/* Append @str to @buf (@len bytes used of @size), truncating. */
static inline int vpci_barrier_append(char *buf, int len, int size, const char *str)
{
	while (*str && len < size - 1)
		buf[len++] = *str++;
	buf[len] = '\0';
	return len;
}

/*
 * vpci_barriers_format() - the canonical fences= string for @kinds
 *
 * "all" for the defaults, "none" for nothing, otherwise the sites that emit
 * something: a bare name at its default kind, SITE=KIND otherwise.  Output
 * is truncated to @size - 1 bytes and always NUL-terminated (@size > 0).
 */
static inline void vpci_barriers_format(const unsigned char kinds[VPCI_SITE_NR],
					char *buf, int size)
{
	int i, len = 0, all = 1, none = 1;

	for (i = 0; i < VPCI_SITE_NR; i++) {
		all = all && kinds[i] == vpci_barrier_site_defaults[i];
		none = none && kinds[i] == VPCI_KIND_NONE;
	}
	buf[0] = '\0';
	if (all || none) {
		vpci_barrier_append(buf, 0, size, all ? "all" : "none");
		return;
	}
	for (i = 0; i < VPCI_SITE_NR; i++) {
		if (kinds[i] == VPCI_KIND_NONE)
			continue;
		if (len)
			len = vpci_barrier_append(buf, len, size, ",");
		len = vpci_barrier_append(buf, len, size, vpci_barrier_site_names[i]);
		if (kinds[i] != vpci_barrier_site_defaults[i]) {
			len = vpci_barrier_append(buf, len, size, "=");
			len = vpci_barrier_append(buf, len, size,
						  vpci_barrier_kind_names[kinds[i]]);
		}
	}
}

#endif /* VPCI_BARRIERS_H */
