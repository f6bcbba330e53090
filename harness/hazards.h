/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hazards.h - ordering hazards reported by hv-vpci's write-combining model.
 *
 * The device writes one JSON object per hazard to RUN/hazards.jsonl
 * (hv-vpci hazard-log=).  Here each is parsed, attributed to the driver's
 * barrier site whose absence it shows, and its two guest PCs symbolised
 * against our modules (the agent prints "# module-text NAME ADDR").
 */
#pragma once

#include <glib.h>

#define RIG_HAZARD_LOG "hazards.jsonl"

typedef struct {
	char       *kind;            /* a name of include/vpci-hazards.h */
	char       *access;          /* the later access: load or store */
	gint        vcpu;
	guint64     offset;          /* window offset of the later access (its guest
	                                address for ram-store-passes-store) */
	guint       size;
	guint64     pc;
	gint        earlier_vcpu;
	guint64     earlier_offset;  /* the buffered store it passed or met */
	guint64     earlier_pc;
	const char *site;            /* barrier site it shows missing, or NULL */
	char       *where;           /* "function (file:line)", or NULL */
	char       *earlier_where;
} RigHazard;

/* Parses the JSON lines (bad lines are skipped) and attributes sites. */
GPtrArray *rig_hazards_parse (const char *jsonl);

/* Source lines of module offsets (guint64 *), one string each, in order:
 * rig_addr2line() (addr2line.h), or a test's fake. */
typedef GStrv (*RigLineLookup) (const char *ko, GPtrArray *offsets);

/* Symbolises PCs inside our modules: @tap holds the agent's module-text
 * lines, @module_dir the .ko files built with debug info. */
void rig_hazards_symbolize (GPtrArray *hazards, const char *tap, const char *module_dir,
                            RigLineLookup lookup);

/* "12 hazards (read-select 8, write-select 4)", or NULL when there are none. */
char *rig_hazards_summary (const GPtrArray *hazards);
