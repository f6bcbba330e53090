/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vpci-devices.c - the hv-vpci bus and its children on the QEMU command line.
 */
#include "vpci-devices.h"
#include "qemu-opt.h"
#include "hazards.h"
#include "rig-exit.h"
#include "scenarios.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define DISK_FILE "disk.img"

static const RigScenario *
scenario_of (const RigRunOptions *opts)
{
	return rig_scenario_lookup (opts->scenario);
}

gboolean
rig_vpci_wanted (const RigRunOptions *opts)
{
	const RigScenario *sc = scenario_of (opts);

	return (sc && sc->devices) || (opts->devices && opts->devices[0]);
}

const char *
rig_vpci_hotplug_spec (const RigRunOptions *opts)
{
	const RigScenario *sc = scenario_of (opts);

	return sc ? sc->hotplug : NULL;
}

/* Does the -device SPEC set property @key? ("driver,key=value,...") */
static gboolean
spec_has (const char *spec, const char *key)
{
	g_auto(GStrv) parts = g_strsplit (spec, ",", -1);
	gsize klen = strlen (key);

	for (guint i = 1; parts[i]; i++)
		if (g_str_has_prefix (parts[i], key) && parts[i][klen] == '=')
			return TRUE;
	return FALSE;
}

/*
 * One child: bus= added; romfile= empty unless given (nothing behind the
 * bus can reach an option ROM); virtio devices modern-only, because a
 * child's I/O BAR is unreachable through the aperture.
 */
static char *
child_spec (const char *spec)
{
	g_autoptr(GString) s = g_string_new (spec);
	g_autofree char *driver = g_strndup (spec, strcspn (spec, ","));

	if (!spec_has (spec, "bus"))
		g_string_append (s, ",bus=" RIG_VPCI_BUS);
	if (!spec_has (spec, "romfile"))
		g_string_append (s, ",romfile=");
	if (g_str_has_prefix (driver, "virtio-") && !strstr (driver, "transitional") &&
	    !spec_has (spec, "disable-legacy"))
		g_string_append (s, ",disable-legacy=on");
	return g_string_free (g_steal_pointer (&s), FALSE);
}

void
rig_vpci_add_qemu_args (GStrvBuilder *b, const RigRunOptions *opts, const char *run_dir)
{
	const RigScenario *sc = scenario_of (opts);

	if (!rig_vpci_wanted (opts))
		return;
	if (sc && sc->disk_mib) {
		g_autofree char *dir = rig_qemu_opt_escape (run_dir);
		g_autofree char *arg = g_strdup_printf ("driver=raw,node-name=" RIG_VPCI_DISK_NODE
		                                        ",file.driver=file,file.filename=%s/"
		                                        DISK_FILE, dir);

		g_strv_builder_add (b, "-blockdev");
		g_strv_builder_add (b, arg);
	}
	{
		g_autofree char *dir = rig_qemu_opt_escape (run_dir);
		g_autofree char *spec = g_strdup_printf (
			"hv-vpci,id=" RIG_VPCI_BUS ",wc=%s,wc-order=%s,wc-seed=%" G_GUINT64_FORMAT
			"%s,hazard-log=%s/" RIG_HAZARD_LOG, opts->wc ? "on" : "off", opts->order,
			opts->seed, opts->remap ? "" : ",remap=off", dir);

		g_strv_builder_add (b, "-device");
		g_strv_builder_add (b, spec);
	}
	for (guint i = 0; sc && sc->devices && sc->devices[i]; i++) {
		g_autofree char *spec = child_spec (sc->devices[i]);

		g_strv_builder_add (b, "-device");
		g_strv_builder_add (b, spec);
	}
	for (guint i = 0; opts->devices && opts->devices[i]; i++) {
		g_autofree char *spec = child_spec (opts->devices[i]);

		g_strv_builder_add (b, "-device");
		g_strv_builder_add (b, spec);
	}
}

guint
rig_vpci_disk_mib (const RigRunOptions *opts)
{
	const RigScenario *sc = scenario_of (opts);

	return sc ? sc->disk_mib : 0;
}

char *
rig_vpci_disk_path (const char *run_dir)
{
	return g_build_filename (run_dir, DISK_FILE, NULL);
}

gboolean
rig_vpci_create_disk (const char *path, guint mib, GError **error)
{
	int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || ftruncate (fd, (off_t) mib << 20) < 0) {
		int saved = errno;

		if (fd >= 0)
			close (fd);
		g_set_error (error, RIG_ERROR, RIG_ERROR_INFRA, "cannot create %s: %s", path,
		             g_strerror (saved));
		return FALSE;
	}
	close (fd);
	return TRUE;
}
