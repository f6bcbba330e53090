/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rig-exit.c - the error domain and the error-to-exit-status map (rig-exit.h).
 */
#include "rig-exit.h"

G_DEFINE_QUARK (vpci-rig-error-quark, rig_error)

RigExit
rig_exit_for_error (const GError *error)
{
	if (error->domain == RIG_ERROR && error->code == RIG_ERROR_USAGE)
		return RIG_EXIT_USAGE;
	if (error->domain == RIG_ERROR && error->code == RIG_ERROR_FAILED)
		return RIG_EXIT_FAILURE;
	return RIG_EXIT_INFRA;
}

RigExit
rig_exit_for_error_meson (const GError *error)
{
	if (error->domain == RIG_ERROR && error->code == RIG_ERROR_UNAVAILABLE)
		return RIG_EXIT_SKIP;
	if (error->domain == RIG_ERROR && error->code == RIG_ERROR_FAILED)
		return RIG_EXIT_FAILURE;
	return RIG_EXIT_HARD_ERROR;
}
