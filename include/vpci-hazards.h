/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vpci-hazards.h: the one definition of the ordering hazards hv-vpci's
 * write-combining model reports.  The model (qemu-hw/hw/vpci-wc.c) writes
 * the names into the hazard log ("kind" of each hazards.jsonl line); the
 * harness (harness/hazards.c) reads them back and attributes each to the
 * barrier site whose absence lets it happen.
 *
 * Plain macros only: included by QEMU and by host programs.
 */
#ifndef VPCI_HAZARDS_H
#define VPCI_HAZARDS_H

/*
 * X(ID, name, what happened).  The names are the log format: never rename
 * one.
 */
#define VPCI_HAZARD_KINDS(X)						\
	X(LOAD_PASSES_STORE, "load-passes-store",			\
	  "a window load served while the same vCPU has a store "	\
	  "buffered to another line")					\
	X(STORE_PASSES_STORE, "store-passes-store",			\
	  "a window store buffered behind an earlier store of the same "\
	  "vCPU to another line: the two may land in either order")	\
	X(CROSS_VCPU, "cross-vcpu",					\
	  "a window access of one vCPU meets another vCPU's undrained "	\
	  "store")							\
	X(RAM_STORE_PASSES_STORE, "ram-store-passes-store",		\
	  "a store to ordinary memory (a lock release, a stack push...) "\
	  "while the same vCPU has a window store buffered; its offset "\
	  "is the store's guest virtual address")

#define VPCI_HAZARD_KIND_ENUM(id, name, what) VPCI_HAZARD_##id,
enum vpci_hazard_kind {
	VPCI_HAZARD_KINDS(VPCI_HAZARD_KIND_ENUM)
	VPCI_HAZARD_NR
};
#undef VPCI_HAZARD_KIND_ENUM

#define VPCI_HAZARD_KIND_NAME(id, name, what) [VPCI_HAZARD_##id] = name,
static const char *const vpci_hazard_kind_names[VPCI_HAZARD_NR] = {
	VPCI_HAZARD_KINDS(VPCI_HAZARD_KIND_NAME)
};
#undef VPCI_HAZARD_KIND_NAME

#endif
