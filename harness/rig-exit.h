/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rig-exit.h - the harness's exit statuses and error domain, defined once.
 *
 * The statuses are the ones ARCHITECTURE.md §6 and docs/design.md fix for
 * every vpci-rig command and for run-tests.sh --bisect.
 */
#pragma once

#include <glib.h>

typedef enum {
	RIG_EXIT_PASS = 0,      /* verdict pass, or a command that succeeded */
	RIG_EXIT_FAILURE = 1,   /* any failure verdict (fail, triple-fault, ...) */
	RIG_EXIT_USAGE = 2,     /* bad flag, unknown scenario, bad number */
	RIG_EXIT_INFRA = 125,   /* cannot test: config, QEMU missing or died */
	/* `check` only, for meson test: */
	RIG_EXIT_SKIP = 77,     /* what the test needs is not on this machine */
	RIG_EXIT_HARD_ERROR = 99, /* the test could not run (usage, cannot test) */
} RigExit;

#define RIG_ERROR (rig_error_quark ())
GQuark rig_error_quark (void);

typedef enum {
	RIG_ERROR_USAGE,        /* -> RIG_EXIT_USAGE, with "See '... --help'" */
	RIG_ERROR_INFRA,        /* -> RIG_EXIT_INFRA */
	RIG_ERROR_FAILED,       /* -> RIG_EXIT_FAILURE */
	RIG_ERROR_UNAVAILABLE,  /* -> RIG_EXIT_INFRA; `check`: RIG_EXIT_SKIP */
} RigErrorCode;

RigExit rig_exit_for_error (const GError *error);

/* The same for `check`, which meson test runs: 77 for a skip, 99 for
 * anything that kept the test from running. */
RigExit rig_exit_for_error_meson (const GError *error);
