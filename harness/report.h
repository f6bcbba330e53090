/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * report.h - the end of a run: text lines ending in "verdict: X", or the
 * one JSON object of docs/json.md.
 */
#pragma once

#include "run-options.h"
#include "verdict.h"

typedef struct {
	const RigRunOptions   *opts;
	const RigVerdictResult *result;
	const char             *run_dir;
	const char             *registers;   /* file name in run_dir, or NULL */
	const char             *rip_symbol;  /* or NULL */
	double                  seconds;
} RigReport;

void  rig_report_print_text (const RigReport *report);
char *rig_report_to_json (const RigReport *report);
