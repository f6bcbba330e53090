/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.c - reading build/rig.ini.
 */
#include "config.h"
#include "rig-exit.h"

#include <string.h>

const char *
rig_top_dir (void)
{
	const char *top = g_getenv ("VPCI_RIG_TOP");

	return top && *top ? top : VPCI_RIG_SOURCE_ROOT;
}

char *
rig_config_default_path (void)
{
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
	return g_steal_pointer (&config);
}

RigKernel *
rig_config_get_kernel (RigConfig *config, const char *spec, GError **error)
{
	g_autofree char *group = g_strdup_printf ("kernel %s", spec);
	g_autoptr(RigKernel) kernel = g_new0 (RigKernel, 1);

	kernel->name = g_strdup (spec);
	if (g_key_file_has_group (config->keyfile, group)) {
		g_autofree char *dir = NULL;

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
		return g_steal_pointer (&kernel);
	}

	if (strchr (spec, '/') == NULL && !g_file_test (spec, G_FILE_TEST_EXISTS)) {
		g_set_error (error, RIG_ERROR, RIG_ERROR_USAGE,
		             "unknown kernel '%s' (no [kernel %s] in %s, and no such file)",
		             spec, spec, config->path);
		return NULL;
	}
	if (!g_file_test (spec, G_FILE_TEST_IS_REGULAR)) {
		g_set_error (error, RIG_ERROR, RIG_ERROR_USAGE, "--kernel %s: no such file", spec);
		return NULL;
	}
	/* A kernel image of our own: the default flavour's initramfs. */
	{
		g_autofree char *dir = g_path_get_dirname (spec);
		g_autofree char *defgroup = g_strdup_printf ("kernel %s", RIG_DEFAULT_KERNEL);

		kernel->kernel = g_canonicalize_filename (spec, NULL);
		kernel->initramfs = require_string (config, defgroup, "initramfs", error);
		if (!kernel->initramfs)
			return NULL;
		kernel->system_map = g_build_filename (dir, "System.map", NULL);
	}
	return g_steal_pointer (&kernel);
}
