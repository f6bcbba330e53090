/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-tap.c - the TAP parser on the shapes the agent (and a broken agent)
 * can produce.
 */
#include "tap.h"

static void
parse (const char *text, RigTap *tap)
{
	rig_tap_parse (text, tap);
}

static void
test_tap_all_ok (void)
{
	RigTap tap;

	parse ("TAP version 13\n1..3\nok 1 - mount\nok 2 - modules\n# diag\nok 3 - enum\n", &tap);
	g_assert_true (tap.have_plan);
	g_assert_cmpuint (tap.planned, ==, 3);
	g_assert_cmpuint (tap.run, ==, 3);
	g_assert_cmpuint (tap.passed, ==, 3);
	g_assert_cmpuint (tap.failed, ==, 0);
	g_assert_true (rig_tap_complete (&tap));
	g_assert_true (rig_tap_all_ok (&tap));
	rig_tap_clear (&tap);
}

static void
test_tap_not_ok (void)
{
	RigTap tap;

	parse ("1..3\nok 1 - a\nnot ok 2 - b: -EIO\nok 3 - c\n", &tap);
	g_assert_true (rig_tap_complete (&tap));
	g_assert_false (rig_tap_all_ok (&tap));
	g_assert_cmpuint (tap.failed, ==, 1);
	g_assert_cmpstr (tap.first_failure, ==, "not ok 2 - b: -EIO");
	rig_tap_clear (&tap);
}

static void
test_tap_truncated (void)
{
	RigTap tap;

	/* the guest died after two of five results; last line cut mid-write */
	parse ("1..5\nok 1 - a\nok 2 - b\nok 3", &tap);
	g_assert_cmpuint (tap.planned, ==, 5);
	g_assert_cmpuint (tap.run, ==, 3);
	g_assert_false (rig_tap_complete (&tap));
	g_assert_false (rig_tap_all_ok (&tap));
	rig_tap_clear (&tap);
}

static void
test_tap_plan_last (void)
{
	RigTap tap;

	parse ("ok 1\nok 2\n1..2\n", &tap);
	g_assert_true (rig_tap_all_ok (&tap));
	rig_tap_clear (&tap);
}

static void
test_tap_no_plan (void)
{
	RigTap tap;

	parse ("ok 1 - a\n", &tap);
	g_assert_false (tap.have_plan);
	g_assert_false (rig_tap_complete (&tap));
	rig_tap_clear (&tap);

	parse ("", &tap);
	g_assert_false (rig_tap_complete (&tap));
	rig_tap_clear (&tap);

	parse (NULL, &tap);
	g_assert_false (rig_tap_complete (&tap));
	rig_tap_clear (&tap);
}

static void
test_tap_directives (void)
{
	RigTap tap;

	parse ("1..3\nok 1 - a # SKIP no device\nnot ok 2 - b # TODO not written\n"
	       "not ok 3 - c \\# not a directive\n", &tap);
	g_assert_cmpuint (tap.passed, ==, 2);
	g_assert_cmpuint (tap.skipped, ==, 1);
	g_assert_cmpuint (tap.failed, ==, 1);
	rig_tap_clear (&tap);
}

static void
test_tap_bail_out (void)
{
	RigTap tap;

	parse ("1..1\nBail out! no /dev/ttyS1\n", &tap);
	g_assert_true (tap.bailed_out);
	g_assert_false (rig_tap_complete (&tap));
	rig_tap_clear (&tap);
}

static void
test_tap_crlf_yaml_garbage (void)
{
	RigTap tap;

	parse ("1..2\r\nok 1 - a\r\n  ---\n  message: 'x'\n  ...\nnoise\nok 2 - b\r\n", &tap);
	g_assert_true (rig_tap_all_ok (&tap));
	g_assert_cmpuint (tap.garbage, ==, 1);
	rig_tap_clear (&tap);
}

static void
test_tap_trigger (void)
{
	RigTap tap;

	parse ("1..1\nok 1 - modules\n# triggering triple fault on cpu 3\n", &tap);
	g_assert_cmpstr (tap.trigger, ==, "triggering triple fault on cpu 3");
	rig_tap_clear (&tap);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/tap/all-ok", test_tap_all_ok);
	g_test_add_func ("/tap/not-ok", test_tap_not_ok);
	g_test_add_func ("/tap/truncated", test_tap_truncated);
	g_test_add_func ("/tap/plan-last", test_tap_plan_last);
	g_test_add_func ("/tap/no-plan", test_tap_no_plan);
	g_test_add_func ("/tap/directives", test_tap_directives);
	g_test_add_func ("/tap/bail-out", test_tap_bail_out);
	g_test_add_func ("/tap/crlf-yaml-garbage", test_tap_crlf_yaml_garbage);
	g_test_add_func ("/tap/trigger", test_tap_trigger);
	return g_test_run ();
}
