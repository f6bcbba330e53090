/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.h - build/rig.ini (written by build-aux/setup.sh), see docs/design.md.
 */
#pragma once

#include <gio/gio.h>

typedef struct {
	char  *path;            /* the rig.ini that was read */
	char  *qemu_binary;     /* [qemu] binary */
	GStrv  firmware_dirs;   /* [qemu] firmware-dirs, ';'-separated -> -L each */
	char  *qboot;           /* [qemu] qboot -> -bios */
	char  *meson_build;     /* [build] meson: the build that made the initramfs
	                         * and our .ko files (TOP/build/meson if unset) */
	GKeyFile *keyfile;
} RigConfig;

typedef struct {
	char *name;             /* "6.1", or the canonical path of a --kernel TREE */
	char *release;          /* uname -r; NULL for a tree not yet prepared */
	char *kernel;           /* -kernel (vmlinux with a PVH entry point, or a bzImage) */
	char *initramfs;        /* -initrd */
	char *system_map;       /* for symbolising RIPs; may not exist */
	char *modules_dir;      /* our .ko files with debug info (gdb, hazard source lines) */
	char *symbols;          /* a vmlinux gdb loads for kernel symbols; NULL: the
	                         * guest's /proc/kallsyms (gdb.c) */
	gboolean symbols_debug; /* ...and it has DWARF, not only a symbol table */
	char *tree;             /* --kernel TREE: the build tree (NULL for a rig.ini group) */
	char *meson_build;      /* RigConfig.meson_build: prepare-kernel-tree.sh's agent */
	char *tree_out;         /* ...and TOP/build/kernel/tree-<hash>/, what
	                         * images/prepare-kernel-tree.sh makes for it */
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

/* @spec is a [kernel NAME] group ("6.1") or a kernel build tree (the
 * directory where `make` ran, or its O= directory).  Unknown names and
 * anything that is not a directory fail with RIG_ERROR_USAGE.  A tree is
 * not looked into here: rig_kernel_prepare_tree() does that. */
RigKernel *rig_config_get_kernel (RigConfig *config, const char *spec, GError **error);
void       rig_kernel_free (RigKernel *kernel);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RigKernel, rig_kernel_free)

/* For a --kernel TREE: run images/prepare-kernel-tree.sh TREE OUT (printed
 * first; its output goes to stderr), which checks the tree, builds our
 * modules against it and the initramfs, then read OUT/kernel.ini into
 * @kernel.  Any failure is RIG_ERROR_INFRA: this tree cannot be tested. */
gboolean rig_kernel_prepare_tree (RigKernel *kernel, GCancellable *cancellable, GError **error);

/* A build tree's last preparation (OUT/kernel.ini) into @kernel, without
 * preparing it again (--dry-run). */
gboolean rig_kernel_load_prepared (RigKernel *kernel, GError **error);
