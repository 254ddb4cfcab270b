/*
 * check_settings.c - rebound.conf(5) parsing: good values, and bad ones
 * refused with the file, the line and the reason.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dsn.h"
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
	{ "log_target = journal\n", "t.conf:1: log_target: \"journal\" is not one of syslog|stderr" },
	{ "milter_policy = bounce\n", "t.conf:1: milter_policy: \"bounce\" is not one of reject|tempfail|tag|drop" },
	{ "milter_scope = local, everyone\n", "t.conf:1: milter_scope: \"everyone\" is not one of authenticated|client_networks|local|daemon_names|all" },
	{ "milter_socket = /run/m.sock\n", "t.conf:1: milter_socket: \"/run/m.sock\" is not unix:/PATH or inet:PORT@HOST" },
	{ "milter_socket = inet:x@localhost\n", "t.conf:1: milter_socket" },
	{ "milter_dsn_action = keep\n", "t.conf:1: milter_dsn_action: \"keep\" is not one of accept|discard|quarantine" },
	{ "milter_on_error = reject\n", "t.conf:1: milter_on_error" },
	{ "milter_max_body = 10q\n", "t.conf:1: milter_max_body: \"10q\" is not a size (64k, 10m)" },
	{ "max_clients = -1\n", "t.conf:1: max_clients: \"-1\" is not a number" },
	{ "log_format = exim\n", "t.conf:1: log_format: \"exim\" is not one of auto|postfix|sendmail" },
	{ "journal = maybe\n", "t.conf:1: journal: \"maybe\" is not yes or no" },
	{ "# ok\n\n  # still ok\ndsn_max_depth = deep\n", "t.conf:4: dsn_max_depth" },
	{ "maintenance_interval = 0\n", "t.conf:1: maintenance_interval: must be more than 0" },
	{ "poll_interval = 0ms\n", "t.conf:1: poll_interval: must be more than 0" },
};

START_TEST(test_milter_keys)
{
	char err[256], buf[256];
	const char *w[8];
	struct rb_settings *c = settings_parse("t.conf",
	    "milter_socket = inet:10025@127.0.0.1\n"
	    "milter_policy = tag\n"
	    "milter_scope = authenticated   local,daemon_names\n"
	    "milter_client_networks = 10.0.0.0/8,192.0.2.0/24\n"
	    "milter_max_body = 2m\n"
	    "milter_require_verified = no\n"
	    "log_target = stderr\n"
	    "max_request_size = 8k\n", err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->milter_socket, "inet:10025@127.0.0.1");
	ck_assert_str_eq(c->milter_policy, "tag");
	ck_assert_str_eq(c->milter_scope, "authenticated, local, daemon_names");
	ck_assert_int_eq(settings_words(c->milter_client_networks, buf, sizeof(buf), w, 8), 2);
	ck_assert_str_eq(w[1], "192.0.2.0/24");
	ck_assert_int_eq(c->milter_max_body, 2 * 1024 * 1024);
	ck_assert_int_eq(c->milter_require_verified, 0);
	ck_assert_int_eq(c->log_stderr, 1);
	ck_assert_int_eq(c->max_request_size, 8192);
	ck_assert_str_eq(c->milter_on_error, "accept");	/* default kept */
	settings_free(c);

	/* The DSN parser's options. */
	struct dsn_options o;
	c = settings_parse("t.conf", "dsn_max_depth = 5\ndsn_max_size = 1m\n"
	    "verp_pattern = b+%l=%d@s.example, v-%l-%d@t.example\n", err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	settings_dsn_options(c, &o, buf, sizeof(buf));
	ck_assert_int_eq(o.max_depth, 5);
	ck_assert_int_eq(o.max_size, 1024 * 1024);
	ck_assert_int_eq(o.max_parts, 1000);
	ck_assert_str_eq(o.verp[0], "b+%l=%d@s.example");
	ck_assert_str_eq(o.verp[1], "v-%l-%d@t.example");
	ck_assert_ptr_null(o.verp[2]);
	settings_free(c);
}
END_TEST

/* reboundd -n prints a file that parses back to the same configuration. */
START_TEST(test_print_roundtrip)
{
	char err[256], *a = NULL, *b = NULL;
	size_t alen, blen;
	struct rb_settings *c = settings_parse("t.conf",
	    "escalation_span = 90m\nmilter_scope = all\ncommit_batch = 77\n"
	    "outcome_retention = 0\n"
	    "suppression_lifetime = mailbox-full:30d\n", err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	FILE *fp = open_memstream(&a, &alen);
	settings_print(c, fp);
	fclose(fp);
	settings_free(c);
	c = settings_parse("t.conf", a, err, sizeof(err));
	ck_assert_msg(c != NULL, "printed configuration refused: %s", err);
	fp = open_memstream(&b, &blen);
	settings_print(c, fp);
	fclose(fp);
	ck_assert_str_eq(a, b);
	ck_assert_ptr_nonnull(strstr(a, "escalation_span = 90m\n"));
	ck_assert_ptr_nonnull(strstr(a, "commit_batch = 77\n"));
	settings_free(c);
	free(a);
	free(b);
}
END_TEST

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
	tcase_add_test(tc, test_milter_keys);
	tcase_add_test(tc, test_print_roundtrip);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
