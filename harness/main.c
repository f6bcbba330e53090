/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * main.c - vpci-rig-harness: the command table and dispatcher.
 *
 * The table generates the help; a row with only a name is a help heading.
 * Hidden rows are runnable but not listed.  main() prints a failed
 * command's error once ("error: ..." plus "See 'vpci-rig CMD --help'" for
 * usage errors) and exits with rig-exit.h's status for it.
 */
#include "rig-command.h"

#include <glib-unix.h>

#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct {
	const char     *name;
	const char     *summary;
	RigCommandFunc  handler;
	gboolean        hidden;
	RigExit       (*exit_for_error) (const GError *error);  /* NULL: rig_exit_for_error */
} RigCommand;

static const RigCommand commands[] = {
	{ .name = "Boot the guest" },
	{ .name = "run", .handler = rig_cmd_run,
	  .summary = "Boot a scenario and print its verdict (the default command)" },
	{ .name = "shell", .handler = rig_cmd_shell,
	  .summary = "Boot an interactive guest shell on this terminal" },
	{ .name = "sweep", .handler = rig_cmd_sweep,
	  .summary = "Run many scenarios and tests (axes, shards, resume); print a verdict matrix" },
	{ .name = "bench", .handler = rig_cmd_bench,
	  .summary = "Measure boot, scenario, WC-model and config-access speed (not a test)" },
	{ .name = "Inspect" },
	{ .name = "list", .handler = rig_cmd_list,
	  .summary = "List scenarios and barrier sites" },
	{ .name = "classify", .handler = rig_cmd_classify, .hidden = TRUE,
	  .summary = "Re-classify a saved run directory" },
	{ .name = "check", .handler = rig_cmd_check, .hidden = TRUE,
	  .exit_for_error = rig_exit_for_error_meson,
	  .summary = "Run one test of tests/suite.cfg (for meson test)" },
	{ .name = "testlog", .handler = rig_cmd_testlog, .hidden = TRUE,
	  .summary = "Count the results of meson's testlog.json (for run-tests.sh)" },
	{ .name = NULL }
};

/* The command that a bare option list (vpci-rig --smp 2) runs. */
#define RIG_DEFAULT_COMMAND "run"

static const char *current_command = "run";

const char *
rig_current_command (void)
{
	return current_command;
}

static gboolean
on_interrupt (gpointer cancellable)
{
	g_cancellable_cancel (cancellable);
	return G_SOURCE_CONTINUE;
}

static void
print_usage (FILE *out)
{
	guint width = 0;

	for (const RigCommand *c = commands; c->name; c++)
		if (c->handler && !c->hidden)
			width = MAX (width, strlen (c->name));

	fprintf (out, "Usage:\n  vpci-rig [COMMAND] [OPTION...]\n");
	for (const RigCommand *c = commands; c->name; c++) {
		if (!c->handler)
			fprintf (out, "\n%s\n", c->name);
		else if (!c->hidden)
			fprintf (out, "  %-*s  %s\n", (int) width, c->name, c->summary);
	}
	fprintf (out, "\nWithout a command, '%s' runs.  'vpci-rig COMMAND --help' "
	         "shows a command's options.\n", RIG_DEFAULT_COMMAND);
}

static const RigCommand *
find_command (const char *name)
{
	for (const RigCommand *c = commands; c->name; c++)
		if (c->handler && g_str_equal (c->name, name))
			return c;
	return NULL;
}

int
main (int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) args = g_ptr_array_new ();
	g_autoptr(GCancellable) cancellable = NULL;
	const RigCommand *command;
	RigExit status = RIG_EXIT_PASS;
	guint sigint, sigterm;
	gboolean ok;

	setlocale (LC_ALL, "");
	g_set_prgname ("vpci-rig");

	if (argc > 1 && (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") ||
	                 g_str_equal (argv[1], "help"))) {
		print_usage (stdout);
		return RIG_EXIT_PASS;
	}

	/* argv for the handler: argv[0] is the command name */
	if (argc > 1 && argv[1][0] != '-') {
		command = find_command (argv[1]);
		if (!command) {
			g_printerr ("error: unknown command '%s'\nSee 'vpci-rig --help'\n", argv[1]);
			return RIG_EXIT_USAGE;
		}
		for (int i = 1; i < argc; i++)
			g_ptr_array_add (args, argv[i]);
	} else {
		command = find_command (RIG_DEFAULT_COMMAND);
		g_ptr_array_add (args, (char *) RIG_DEFAULT_COMMAND);
		for (int i = 1; i < argc; i++)
			g_ptr_array_add (args, argv[i]);
	}
	g_ptr_array_add (args, NULL);
	current_command = command->name;

	/* Ctrl-C and SIGTERM cancel the command: a run in progress stops QEMU,
	 * keeps its directory and reports the error verdict "interrupted" */
	cancellable = g_cancellable_new ();
	sigint = g_unix_signal_add (SIGINT, on_interrupt, cancellable);
	sigterm = g_unix_signal_add (SIGTERM, on_interrupt, cancellable);
	ok = command->handler (args->len - 1, (char **) args->pdata, &status, cancellable, &error);
	g_source_remove (sigint);
	g_source_remove (sigterm);
	if (!ok) {
		status = command->exit_for_error ? command->exit_for_error (error) :
		                                   rig_exit_for_error (error);
		g_printerr ("error: %s\n", error->message);
		if (error->domain == RIG_ERROR && error->code == RIG_ERROR_USAGE)
			g_printerr ("See 'vpci-rig %s --help'\n", command->name);
	}
	return status;
}
