/*
 * check_settings.c - rebound.conf(5) parsing: good values, and bad ones
 * refused with the file, the line and the reason.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dsn.h"
#include "milter.h"
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
	    "journal_match = _SYSTEMD_UNIT=postfix@-.service + SYSLOG_IDENTIFIER=postfix/smtp, SYSLOG_FACILITY=2\n"
	    "verp_pattern = a+%l=%d@x.example, b+%l=%d@x.example, c+%l=%d@x.example, d+%d-%l@x.example\n"
	    "max_request_size = 1k\n"
	    "queue_idle_timeout = 1.5m\n"
	    "verbose = yes\n", err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_eq(c->queue_idle_timeout, 90);
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

	/* A byte-order mark before the first key. */
	c = settings_parse("t.conf", "\xef\xbb\xbf" "commit_interval = 3s\n", err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_eq(c->commit_interval_ms, 3000);
	settings_free(c);

	/* Fractions that make whole units, binary rounding or not. */
	c = settings_parse("t.conf", "commit_interval = 1.1s\nescalation_span = 1.5h\n"
	    "rotate_grace = 0.1s\nsuppression_lifetime = mailbox-full:0.5m\n", err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_eq(c->commit_interval_ms, 1100);
	ck_assert_int_eq(c->store.escalation_span, 5400);
	ck_assert_int_eq(c->rotate_grace_ms, 100);
	ck_assert_int_eq(c->store.lifetime[RB_CATEGORY_MAILBOX_FULL], 30);
	settings_free(c);
}
END_TEST

static const struct { const char *text, *want; } bad[] = {
	{ "no_such_key = 1\n", "t.conf:1: unknown key \"no_such_key\"" },
	{ "\n\nverbose = perhaps\n", "t.conf:3: verbose: \"perhaps\" is not yes or no" },
	{ "escalation_span = soon\n", "t.conf:1: escalation_span: \"soon\" is not a duration" },
	/* strtod's other numbers are no durations. */
	{ "queue_idle_timeout = nand\n", "t.conf:1: queue_idle_timeout: \"nand\" is not a duration" },
	{ "escalation_span = inf\n", "t.conf:1: escalation_span: \"inf\" is not a duration" },
	{ "escalation_span = 0x10h\n", "t.conf:1: escalation_span: \"0x10h\" is not a duration" },
	{ "suppression_lifetime = invalid-address:nand\n", "t.conf:1: suppression_lifetime: \"nand\" is not a duration" },
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
	{ "milter_socket = inet:70000@127.0.0.1\n", "t.conf:1: milter_socket: \"inet:70000@127.0.0.1\": port 70000 is not from 1 to 65535" },
	{ "milter_socket = inet:10025@\n", "t.conf:1: milter_socket: \"inet:10025@\" names no host after '@'" },
	{ "milter_socket = unix:relative.sock\n", "t.conf:1: milter_socket: \"unix:relative.sock\" is not unix:/PATH" },
	{ "milter_socket = unix:/0123456789/0123456789/0123456789/0123456789/0123456789/0123456789/0123456789/0123456789/0123456789/0123456789/m.sock\n",
	    "t.conf:1: milter_socket: the path of \"unix:/0123456789/" },
	{ "\nmilter_client_networks = 10.0.0.0/8, 192.0.2.0/33\n", "t.conf:2: milter_client_networks: \"192.0.2.0/33\" is not an address or ADDRESS/BITS" },
	{ "milter_client_networks = localhost\n", "t.conf:1: milter_client_networks: \"localhost\" is not an address" },
	{ "milter_reject_reply = 250 2.0.0 fine\n", "t.conf:1: milter_reject_reply: \"250 2.0.0 fine\" does not start with a 4xx or 5xx code" },
	{ "milter_reject_reply = Recipient suppressed\n", "t.conf:1: milter_reject_reply: \"Recipient suppressed\" does not start with a 4xx or 5xx code" },
	{ "milter_reject_reply = 550 4.1.1 no\n", "t.conf:1: milter_reject_reply: \"550 4.1.1 no\" has enhanced code 4.1.1, not of the class of 550" },
	{ "milter_reject_reply = 550 5.1 no\n", "t.conf:1: milter_reject_reply: \"550 5.1 no\" has 5.1, not an enhanced status code" },
	{ "milter_tag_header = X-Tag:\n", "t.conf:1: milter_tag_header: \"X-Tag:\" is not a header name" },
	{ "milter_bounce_addresses = bounces@shop.example, <dsn@shop.example>\n", "t.conf:1: milter_bounce_addresses: \"<dsn@shop.example>\" is not an address pattern" },
	{ "milter_bounce_addresses = bounces+%u@shop.example\n", "t.conf:1: milter_bounce_addresses: \"bounces+%u@shop.example\" has %u: only %l and %d" },
	{ "milter_daemon_names = a b c d e f g h i j k l m n o p q r s t u v w x y z 1 2 3 4 5 6 7\n", "t.conf:1: milter_daemon_names: more than 32 entries" },
	{ "milter_dsn_action = keep\n", "t.conf:1: milter_dsn_action: \"keep\" is not one of accept|discard|quarantine" },
	{ "milter_on_error = reject\n", "t.conf:1: milter_on_error" },
	{ "milter_max_body = 10q\n", "t.conf:1: milter_max_body: \"10q\" is not a size (64k, 10m)" },
	{ "max_clients = -1\n", "t.conf:1: max_clients: \"-1\" is not a number" },
	{ "log_format = exim\n", "t.conf:1: log_format: \"exim\" is not one of auto|postfix|sendmail" },
	{ "journal = maybe\n", "t.conf:1: journal: \"maybe\" is not yes or no" },
	{ "# ok\n\n  # still ok\ndsn_max_depth = deep\n", "t.conf:4: dsn_max_depth" },
	{ "maintenance_interval = 0\n", "t.conf:1: maintenance_interval: must be more than 0" },
	{ "poll_interval = 0ms\n", "t.conf:1: poll_interval: must be more than 0" },
	{ "batv_max_age = 36h\n", "t.conf:1: batv_max_age: \"36h\" is not whole days from 1d to 100d" },
	{ "batv_max_age = 0d\n", "t.conf:1: batv_max_age: \"0d\" is not whole days" },
	{ "batv_max_age = 101d\n", "t.conf:1: batv_max_age: \"101d\" is not whole days" },
	{ "batv_key_file = keys\n", "t.conf:1: batv_key_file: \"keys\" is not an absolute path" },
	{ "\njournal_match = SYSLOG_FACILITY\n", "t.conf:2: journal_match: \"SYSLOG_FACILITY\" is not FIELD=value" },
	{ "journal_match = syslog_identifier=postfix\n", "t.conf:1: journal_match: \"syslog_identifier=postfix\" is not FIELD=value" },
	{ "journal_match = SYSLOG_FACILITY=2 + =postfix\n", "t.conf:1: journal_match: \"=postfix\" is not FIELD=value" },
	{ "journal_match = 2FIELD=x\n", "t.conf:1: journal_match: \"2FIELD=x\" is not FIELD=value" },
	{ "control_socket = /run/0123456789/0123456789/0123456789/0123456789/0123456789/0123456789/0123456789/0123456789/0123456789/0123456789/r.sock\n",
	    "t.conf:1: control_socket: \"/run/0123456789/" },
	{ "max_request_size = 0\n", "t.conf:1: max_request_size: \"0\" is less than 1k" },
	{ "dsn_max_size = 0\n", "t.conf:1: dsn_max_size: \"0\" is less than 1k" },
	{ "milter_max_body = 1000\n", "t.conf:1: milter_max_body: \"1000\" is less than 1k" },
	{ "commit_interval = 0\n", "t.conf:1: commit_interval: must be more than 0" },
	{ "outcome_retention = 0d\n", "t.conf:1: outcome_retention: must be more than 0" },
	{ "queue_idle_timeout = 0\n", "t.conf:1: queue_idle_timeout: must be more than 0" },
	{ "queue_idle_timeout = 500ms\n", "t.conf:1: queue_idle_timeout: \"500ms\" is not a whole number of seconds" },
	{ "queue_deferred_timeout = 1.5s\n", "t.conf:1: queue_deferred_timeout: \"1.5s\" is not a whole number of seconds" },
	{ "log_files = /var/log/mail.log, /var/log/mail.log\n", "t.conf:1: log_files: \"/var/log/mail.log\" is listed twice" },
	{ "\xef\xbb\xbf" "bogus = 1\n", "t.conf:1: unknown key \"bogus\"" },
	/* Rounded, these became 0: for a lifetime, "never". */
	{ "suppression_lifetime = mailbox-inactive:500ms\n", "t.conf:1: suppression_lifetime: \"500ms\" is not a whole number of seconds" },
	{ "suppression_lifetime = mailbox-full:0.5s\n", "t.conf:1: suppression_lifetime: \"0.5s\" is not a whole number of seconds" },
	{ "escalation_lifetime = 0.5ms\n", "t.conf:1: escalation_lifetime: \"0.5ms\" is not a whole number of seconds" },
	{ "escalation_span = 2000.9ms\n", "t.conf:1: escalation_span: \"2000.9ms\" is not a whole number of seconds" },
	{ "suppression_lifetime = mailbox-inactive:0.0000001s\n", "t.conf:1: suppression_lifetime: \"0.0000001s\" is not a whole number of seconds" },
	{ "escalation_span = 2000000.4s\n", "t.conf:1: escalation_span: \"2000000.4s\" is not a whole number of seconds" },
	{ "commit_interval = 1.9ms\n", "t.conf:1: commit_interval: \"1.9ms\" is not a whole number of milliseconds" },
	{ "rotate_grace = 0.2ms\n", "t.conf:1: rotate_grace: \"0.2ms\" is not a whole number of milliseconds" },
	{ "verp_pattern = a+%l=%d@x.example, b+%l=%d@x.example, c+%l=%d@x.example, d+%l=%d@x.example, e+%l=%d@x.example\n",
	    "t.conf:1: verp_pattern: more than 4 patterns" },
	{ "verp_pattern = bounces@x.example\n", "t.conf:1: verp_pattern: \"bounces@x.example\" lacks %l or %d" },
	{ "verp_pattern = a+%l=%d@x.example b+%l@x.example\n", "t.conf:1: verp_pattern: \"b+%l@x.example\" lacks %l or %d" },
	{ "milter_batv_sign = sometimes\n", "t.conf:1: milter_batv_sign: \"sometimes\" is not yes or no" },
};

/* Milter values the checks must not refuse. */
static const char *const milter_good[] = {
	"milter_socket = inet6:10025@::1\n",
	"milter_socket = inet:10025\n",
	"milter_socket = local:/run/rebound/milter.sock\n",
	"milter_reject_reply = 451 4.7.1 Try later (%r since %d)\n",
	"milter_reject_reply = 550 Suppressed for 1.5 years\n",
	"milter_reject_reply = 550\n",
	"milter_bounce_addresses = bounces+%l=%d@shop.example, bounces@*.shop.example\n",
	"milter_client_networks = ::1, 2001:db8::/32, 192.0.2.1\n",
	"milter_client_networks =\n",
	"milter_tag_header = X-Suppressed\n",
};

START_TEST(test_milter_good)
{
	char err[256];

	for (size_t i = 0; i < sizeof(milter_good) / sizeof(milter_good[0]); i++) {
		struct rb_settings *c = settings_parse("t.conf", milter_good[i], err, sizeof(err));
		ck_assert_msg(c != NULL, "%s refused: %s", milter_good[i], err);
		ck_assert_msg(milter_check(c, NULL, err, sizeof(err)) == 0, "%s", err);
		settings_free(c);
	}
	struct rb_settings *d = settings_defaults();
	ck_assert_int_eq(milter_check(d, NULL, err, sizeof(err)), 0);
	/* A configuration not read from a file is checked whole. */
	free(d->milter_client_networks);
	d->milter_client_networks = strdup("10.0.0.0/8, 10.0.0.0/40");
	const char *key;
	ck_assert_int_eq(milter_check(d, &key, err, sizeof(err)), -1);
	ck_assert_str_eq(key, "milter_client_networks");
	ck_assert_str_eq(err, "milter_client_networks: \"10.0.0.0/40\" is not an address or ADDRESS/BITS");
	settings_free(d);
}
END_TEST

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
	    "escalation_lifetime = 0\n"
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
	/* A directory is no empty configuration. */
	ck_assert_ptr_null(settings_load(RB_TEST_DATA, err, sizeof(err)));
	ck_assert_str_eq(err, RB_TEST_DATA ": Is a directory");
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
	tcase_add_test(tc, test_milter_good);
	tcase_add_test(tc, test_print_roundtrip);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
