/*
 * check_settings.c - rebound.conf(5) parsing: good values, and bad ones
 * refused with the file, the line and the reason.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "settings.h"

START_TEST(test_good)
{
	char err[256];
	struct rb_settings *c = settings_parse("t.conf",
	    "# a comment\n\n"
	    "state_directory = /srv/rebound\n"
	    "log_files = /var/log/mail.log, /var/log/mail-out.log\n"
	    "escalation_span = 3d\n"
	    "commit_interval = 250ms\n"
	    "control_socket_mode = 0640\n"
	    "address_case_fold = all\n"
	    "suppression_lifetime = mailbox-full:30d, complaint:never\n"
	    "verbose = yes\n", err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->database, "/srv/rebound/rebound.db");
	ck_assert_int_eq(c->nlog_files, 2);
	ck_assert_str_eq(c->log_files[1], "/var/log/mail-out.log");
	ck_assert_int_eq(c->store.escalation_span, 3 * 86400);
	ck_assert_int_eq(c->commit_interval_ms, 250);
	ck_assert_int_eq(c->control_socket_mode, 0640);
	ck_assert_int_eq(c->store.fold, STORE_FOLD_ALL);
	ck_assert_int_eq(c->store.lifetime[RB_CATEGORY_MAILBOX_FULL], 30 * 86400);
	ck_assert_int_eq(c->store.lifetime[RB_CATEGORY_MAILBOX_INACTIVE], 180 * 86400);
	ck_assert_int_eq(c->store.lifetime[RB_CATEGORY_INVALID_ADDRESS], 0);
	ck_assert_int_eq(c->verbose, 1);
	settings_free(c);

	c = settings_defaults();
	ck_assert_str_eq(c->control_socket, "/run/rebound/rebound.sock");
	ck_assert_str_eq(c->log_files[0], "/var/log/mail.log");
	ck_assert_int_eq(c->store.escalation_failures, 3);
	ck_assert_int_eq(c->store.escalation_span, 72 * 3600);
	settings_free(c);
}
END_TEST

static const struct { const char *text, *want; } bad[] = {
	{ "no_such_key = 1\n", "t.conf:1: unknown key \"no_such_key\"" },
	{ "\n\nverbose = perhaps\n", "t.conf:3: verbose: \"perhaps\" is not yes or no" },
	{ "escalation_span = soon\n", "t.conf:1: escalation_span: \"soon\" is not a duration" },
	{ "state_directory = relative/path\n", "t.conf:1: state_directory: \"relative/path\" is not an absolute path" },
	{ "log_files = /var/log/a, b.log\n", "t.conf:1: log_files: \"b.log\" is not an absolute path" },
	{ "escalation_failures = 0\n", "t.conf:1: escalation_failures: \"0\" is not a number" },
	{ "control_socket_mode = 999\n", "t.conf:1: control_socket_mode: \"999\" is not an octal mode" },
	{ "address_case_fold = some\n", "t.conf:1: address_case_fold" },
	{ "suppression_lifetime = nonsense:1d\n", "t.conf:1: suppression_lifetime: unknown category \"nonsense\"" },
	{ "suppression_lifetime = complaint\n", "t.conf:1: suppression_lifetime: \"complaint\" is not CATEGORY:DURATION" },
	{ "just words\n", "t.conf:1: expected \"key = value\"" },
	{ "verbose = yes\nverbose = no\n", "t.conf:2: \"verbose\" is set twice" },
	{ "resume_window = 5 parsecs\n", "t.conf:1: resume_window" },
};

START_TEST(test_bad)
{
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		struct rb_settings *c = settings_parse("t.conf", bad[i].text, err, sizeof(err));
		ck_assert_msg(c == NULL && strstr(err, bad[i].want) == err,
		    "case %zu: got \"%s\", want \"%s...\"", i, err, bad[i].want);
	}
	ck_assert_ptr_null(settings_load("/nonexistent/rebound.conf", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/rebound.conf: No such file"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("settings");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_good);
	tcase_add_test(tc, test_bad);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
