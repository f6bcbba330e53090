/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.h - build/rig.ini (written by build-aux/setup.sh), see docs/design.md.
 */
#pragma once

#include <glib.h>

typedef struct {
	char  *path;            /* the rig.ini that was read */
	char  *qemu_binary;     /* [qemu] binary */
	GStrv  firmware_dirs;   /* [qemu] firmware-dirs, ';'-separated -> -L each */
	char  *qboot;           /* [qemu] qboot -> -bios */
	GKeyFile *keyfile;
} RigConfig;

typedef struct {
	char *name;             /* "6.1", or the path given to --kernel */
	char *release;          /* may be NULL for a --kernel PATH */
	char *kernel;           /* -kernel (vmlinux) */
	char *initramfs;        /* -initrd */
	char *system_map;       /* for symbolising RIPs; may not exist */
} RigKernel;

#define RIG_DEFAULT_KERNEL "6.1"

/* The top of the tree: $VPCI_RIG_TOP, else the source root meson saw. */
const char *rig_top_dir (void);

/* Default rig.ini: TOP/build/rig.ini. */
char *rig_config_default_path (void);

/* Fails with RIG_ERROR_INFRA if the file is missing or incomplete. */
RigConfig *rig_config_load (const char *path, GError **error);
void       rig_config_free (RigConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RigConfig, rig_config_free)

/* @spec is a [kernel NAME] group ("6.1") or a path to a kernel image.
 * Unknown names fail with RIG_ERROR_USAGE. */
RigKernel *rig_config_get_kernel (RigConfig *config, const char *spec, GError **error);
void       rig_kernel_free (RigKernel *kernel);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RigKernel, rig_kernel_free)
