/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.c - reading build/rig.ini; --kernel: a rig.ini group or a kernel
 * build tree, and a tree's last preparation (OUT/kernel.ini).  Reads only:
 * kernel-tree.c runs the preparation.
 */
#include "config.h"
#include "rig-exit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *
rig_top_dir (void)
{
	const char *top = g_getenv ("VPCI_RIG_TOP");

	return top && *top ? top : VPCI_RIG_SOURCE_ROOT;
}

char *
rig_config_default_path (void)
{
	/* the sanitizer build's tests read its own rig.ini (tests/meson.build) */
	const char *config = g_getenv ("VPCI_RIG_CONFIG");

	if (config && *config)
		return g_strdup (config);
	return g_build_filename (rig_top_dir (), "build", "rig.ini", NULL);
}

void
rig_config_free (RigConfig *config)
{
	if (!config)
		return;
	g_free (config->path);
	g_free (config->qemu_binary);
	g_strfreev (config->firmware_dirs);
	g_free (config->qboot);
	g_free (config->meson_build);
	g_clear_pointer (&config->keyfile, g_key_file_unref);
	g_free (config);
}

void
rig_kernel_free (RigKernel *kernel)
{
	if (!kernel)
		return;
	g_free (kernel->name);
	g_free (kernel->release);
	g_free (kernel->kernel);
	g_free (kernel->initramfs);
	g_free (kernel->system_map);
	g_free (kernel->modules_dir);
	g_free (kernel->symbols);
	g_free (kernel->tree);
	g_free (kernel->meson_build);
	g_free (kernel->tree_out);
	g_free (kernel);
}

static char *
require_string (RigConfig *config, const char *group, const char *key, GError **error)
{
	g_autoptr(GError) local = NULL;
	char *value = g_key_file_get_string (config->keyfile, group, key, &local);

	if (!value || !*value) {
		g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "%s: [%s] %s is missing (run build-aux/setup.sh)",
		             config->path, group, key);
		g_free (value);
		return NULL;
	}
	return value;
}

RigConfig *
rig_config_load (const char *path, GError **error)
{
	g_autoptr(RigConfig) config = g_new0 (RigConfig, 1);
	g_autoptr(GError) local = NULL;
	g_autofree char *dirs = NULL;

	config->path = g_strdup (path);
	config->keyfile = g_key_file_new ();
	if (!g_key_file_load_from_file (config->keyfile, path, G_KEY_FILE_NONE, &local)) {
		g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "cannot read %s: %s (run build-aux/setup.sh)",
		             path, local->message);
		return NULL;
	}
	config->qemu_binary = require_string (config, "qemu", "binary", error);
	if (!config->qemu_binary)
		return NULL;
	dirs = g_key_file_get_string (config->keyfile, "qemu", "firmware-dirs", NULL);
	config->firmware_dirs = g_strsplit (dirs ? dirs : "", ";", -1);
	config->qboot = g_key_file_get_string (config->keyfile, "qemu", "qboot", NULL);
	/* --sanitize's rig.ini names build/meson-sanitize; one written before
	 * the key existed means the default build */
	config->meson_build = g_key_file_get_string (config->keyfile, "build", "meson", NULL);
	if (!config->meson_build)
		config->meson_build = g_build_filename (rig_top_dir (), "build", "meson", NULL);
	return g_steal_pointer (&config);
}

/* A build tree: only paths here; rig_kernel_prepare_tree() looks inside.
 * Its outputs go to TOP/build/kernel/tree-<hash of the canonical path>, so
 * several trees (or O= directories of one source) coexist. */
static RigKernel *
tree_kernel (RigConfig *config, const char *spec, GError **error)
{
	g_autoptr(RigKernel) kernel = g_new0 (RigKernel, 1);
	g_autofree char *real = realpath (spec, NULL);
	g_autofree char *hash = NULL, *leaf = NULL;

	if (!real) {
		int saved = errno;

		g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "--kernel %s: %s", spec,
		             g_strerror (saved));
		return NULL;
	}
	hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, real, -1);
	leaf = g_strdup_printf ("tree-%.16s", hash);
	kernel->name = g_strdup (real);
	kernel->tree = g_strdup (real);
	kernel->meson_build = g_strdup (config->meson_build);
	kernel->tree_out = g_build_filename (rig_top_dir (), "build", "kernel", leaf, NULL);
	kernel->initramfs = g_build_filename (kernel->tree_out, "initramfs.cpio", NULL);
	kernel->modules_dir = g_build_filename (kernel->tree_out, "modules", NULL);
	kernel->system_map = g_build_filename (real, "System.map", NULL);
	return g_steal_pointer (&kernel);
}

RigKernel *
rig_config_get_kernel (RigConfig *config, const char *spec, GError **error)
{
	g_autofree char *group = g_strdup_printf ("kernel %s", spec);
	g_autoptr(RigKernel) kernel = NULL;
	g_autofree char *dir = NULL, *dbg = NULL;

	if (!g_key_file_has_group (config->keyfile, group)) {
		if (g_file_test (spec, G_FILE_TEST_IS_DIR))
			return tree_kernel (config, spec, error);
		if (g_file_test (spec, G_FILE_TEST_EXISTS))
			g_set_error (error, RIG_ERROR, RIG_ERROR_USAGE,
			             "--kernel %s is not a directory: pass the kernel build tree "
			             "(where you ran make, or its O= directory), not an image", spec);
		else
			g_set_error (error, RIG_ERROR, RIG_ERROR_USAGE,
			             "unknown kernel '%s' (no [kernel %s] in %s, and no such directory)",
			             spec, spec, config->path);
		return NULL;
	}

	kernel = g_new0 (RigKernel, 1);
	kernel->name = g_strdup (spec);
	kernel->release = g_key_file_get_string (config->keyfile, group, "release", NULL);
	kernel->kernel = require_string (config, group, "vmlinux", error);
	if (!kernel->kernel)
		return NULL;
	kernel->initramfs = require_string (config, group, "initramfs", error);
	if (!kernel->initramfs)
		return NULL;
	kernel->system_map = g_key_file_get_string (config->keyfile, group, "system-map", NULL);
	if (!kernel->system_map && kernel->release) {
		/* setup.sh extracts the package next to vmlinux, in root/ */
		dir = g_path_get_dirname (kernel->kernel);
		kernel->system_map = g_strdup_printf ("%s/root/boot/System.map-%s",
		                                      dir, kernel->release);
	}
	kernel->meson_build = g_strdup (config->meson_build);
	kernel->modules_dir = g_strdup_printf ("%s/guest-driver/modules-%s",
	                                       config->meson_build, spec);
	/* Debian's vmlinux with debug info (package linux-image-<release>-dbg) */
	if (kernel->release)
		dbg = g_strdup_printf ("/usr/lib/debug/boot/vmlinux-%s", kernel->release);
	if (dbg && g_file_test (dbg, G_FILE_TEST_IS_REGULAR)) {
		kernel->symbols = g_steal_pointer (&dbg);
		kernel->symbols_debug = TRUE;
	}
	return g_steal_pointer (&kernel);
}

/* OUT/kernel.ini, written by prepare-kernel-tree.sh, into @kernel. */
gboolean
rig_kernel_load_prepared (RigKernel *kernel, GError **error)
{
	g_autofree char *path = g_build_filename (kernel->tree_out, "kernel.ini", NULL);
	g_autoptr(GKeyFile) kf = g_key_file_new ();
	g_autoptr(GError) local = NULL;
	struct { const char *key; char **field; gboolean required; } keys[] = {
		{ "kernel", &kernel->kernel, TRUE },
		{ "initramfs", &kernel->initramfs, TRUE },
		{ "modules", &kernel->modules_dir, TRUE },
		{ "release", &kernel->release, FALSE },
		{ "system-map", &kernel->system_map, FALSE },
		{ "symbols", &kernel->symbols, FALSE },
	};

	if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &local)) {
		g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "--kernel %s: cannot read %s: %s",
		             kernel->tree, path, local->message);
		return FALSE;
	}
	for (guint i = 0; i < G_N_ELEMENTS (keys); i++) {
		char *value = g_key_file_get_string (kf, "kernel", keys[i].key, NULL);

		if (value && *value) {
			g_free (*keys[i].field);
			*keys[i].field = value;
		} else if (keys[i].required) {
			g_free (value);
			g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "--kernel %s: %s has no %s",
			             kernel->tree, path, keys[i].key);
			return FALSE;
		} else {
			g_free (value);
		}
	}
	kernel->symbols_debug = g_key_file_get_boolean (kf, "kernel", "debug-info", NULL);
	return TRUE;
}
