/*
 * check_logline.c - case tables for the log line parsers and the queue
 * correlation: syslog prefixes, Postfix delivery agents and instance
 * names, Sendmail, lines that are not outcomes, and garbage.
 */
#include "config.h"

#include <check.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify.h"
#include "logline.h"
#include "logproc.h"

/* 2026-11-25 12:00:00 UTC, so "Nov 25" lines are this year's. */
#define NOW 1795608000

static int
sl_eq(struct slice s, const char *want)
{
	/* An absent field is an empty slice whose pointer may be NULL. */
	return (s.n == strlen(want) && (s.n == 0 || memcmp(s.p, want, s.n) == 0));
}

static const struct {
	const char *line;
	enum logline_kind kind;
	const char *program, *qid, *to, *status, *dsn, *relay;
	const char *text_start;
} cases[] = {
	{ "Nov 25 10:00:01 mx1 postfix/smtp[2001]: 266F43F506: to=<a@example.org>, relay=mx.example.org[192.0.2.1]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.1] said: 550 5.1.1 no such user (in reply to RCPT TO command))",
	  LL_DELIVERY, "postfix/smtp", "266F43F506", "a@example.org", "bounced", "5.1.1", "mx.example.org[192.0.2.1]:25", "host mx.example.org" },
	{ "2026-11-25T10:00:01.123456+01:00 mx1 postfix-out/smtp[77]: 4XhB2L1Zqz9vQ: to=<b@gmail.com>, orig_to=<b@alias.example>, relay=gmail-smtp-in.l.google.com[142.250.1.1]:25, delay=0.4, delays=0/0/0.2/0.2, dsn=2.0.0, status=sent (250 2.0.0 OK 1700 - gsmtp)",
	  LL_DELIVERY, "postfix-out/smtp", "4XhB2L1Zqz9vQ", "b@gmail.com", "sent", "2.0.0", "gmail-smtp-in.l.google.com[142.250.1.1]:25", "250 2.0.0" },
	{ "<22>1 2026-11-25T10:00:01Z mx1 postfix/lmtp 4242 - - ABCDE12345: to=<c@local.example>, relay=private/dovecot-lmtp, delay=0.1, delays=0/0/0/0.1, dsn=4.2.2, status=deferred (host private/dovecot-lmtp said: 452 4.2.2 Quota exceeded (in reply to end of DATA command))",
	  LL_DELIVERY, "postfix/lmtp", "ABCDE12345", "c@local.example", "deferred", "4.2.2", "private/dovecot-lmtp", "host private" },
	{ "Nov  5 09:01:02 mx1 postfix/local[300]: 11111AAAAA: to=<root@mx1.example>, relay=local, delay=0, delays=0/0/0/0, dsn=5.1.1, status=bounced (unknown user: \"root\")",
	  LL_DELIVERY, "postfix/local", "11111AAAAA", "root@mx1.example", "bounced", "5.1.1", "local", "unknown user" },
	{ "Nov 25 10:00:01 mx1 postfix/qmgr[10]: 22222BBBBB: to=<d@example.net>, relay=none, delay=432000, delays=432000/0/0/0, dsn=4.4.7, status=expired, returned to sender (connect to example.net[192.0.2.9]:25: Connection timed out)",
	  LL_DELIVERY, "postfix/qmgr", "22222BBBBB", "d@example.net", "expired", "4.4.7", "none", "connect to" },
	{ "Nov 25 10:00:01 mx1 postfix/error[11]: 33333CCCCC: to=<e@example.net>, relay=none, delay=1, delays=1/0/0/0, dsn=4.4.1, status=deferred (delivery temporarily suspended: connect to example.net[192.0.2.9]:25: Connection refused)",
	  LL_DELIVERY, "postfix/error", "33333CCCCC", "e@example.net", "deferred", "4.4.1", "none", "delivery temporarily" },
	{ "Nov 25 10:00:01 mx1 postfix/qmgr[10]: 44444DDDDD: from=<news@shop.example>, size=2048, nrcpt=3 (queue active)",
	  LL_FROM, "postfix/qmgr", "44444DDDDD", NULL, NULL, NULL, NULL, NULL },
	{ "Nov 25 10:00:01 mx1 postfix/cleanup[12]: 44444DDDDD: message-id=<abc@shop.example>",
	  LL_MSGID, "postfix/cleanup", "44444DDDDD", NULL, NULL, NULL, NULL, NULL },
	{ "Nov 25 10:00:01 mx1 postfix/smtpd[13]: 44444DDDDD: client=app1.example[192.0.2.5], sasl_method=PLAIN, sasl_username=shop",
	  LL_CLIENT, "postfix/smtpd", "44444DDDDD", NULL, NULL, NULL, NULL, NULL },
	{ "Nov 25 10:00:01 mx1 postfix/qmgr[10]: 44444DDDDD: removed",
	  LL_REMOVED, "postfix/qmgr", "44444DDDDD", NULL, NULL, NULL, NULL, NULL },
	{ "Nov 25 10:00:01 mx1 postfix/bounce[14]: 55555EEEEE: sender non-delivery notification: 66666FFFFF",
	  LL_BOUNCE, "postfix/bounce", "55555EEEEE", NULL, NULL, NULL, NULL, NULL },
	{ "Nov 25 11:00:01 mx1 sm-mta[3001]: x266f43P000001: to=<a@example.org>,<b@example.org>, delay=00:00:02, xdelay=00:00:01, mailer=esmtp, pri=120000, relay=mx.example.org. [192.0.2.217], dsn=5.1.1, stat=550 5.1.1 <a@example.org>... User unknown, sorry",
	  LL_DELIVERY, "sm-mta", "x266f43P000001", "<a@example.org>,<b@example.org>", "550", "5.1.1", "mx.example.org. [192.0.2.217]", "550 5.1.1" },
	/* A second instance, started with -L sm-mta-out. */
	{ "Nov 25 11:00:01 mx1 sm-mta-out[3001]: x266f43P000009: to=<a@example.org>, delay=00:00:02, xdelay=00:00:01, mailer=esmtp, pri=120000, relay=mx.example.org. [192.0.2.217], dsn=5.1.1, stat=550 5.1.1 <a@example.org>... User unknown",
	  LL_DELIVERY, "sm-mta-out", "x266f43P000009", "<a@example.org>", "550", "5.1.1", "mx.example.org. [192.0.2.217]", "550 5.1.1" },
	{ "Nov 25 11:00:02 mx1 sendmail[3002]: x266f43P000002: to=<c@example.org>, delay=00:00:05, mailer=esmtp, pri=30000, relay=mx.example.org. [192.0.2.1], dsn=4.0.0, stat=Deferred: Connection timed out with mx.example.org.",
	  LL_DELIVERY, "sendmail", "x266f43P000002", "<c@example.org>", "Deferred", "4.0.0", "mx.example.org. [192.0.2.1]", "Deferred: " },
	/* Cut by syslog's size limit: no closing parenthesis, the text kept. */
	{ "Nov 25 10:00:01 mx1 postfix/smtp[2001]: 2C1DEF38F9: to=<h@t-online.example>, relay=mx01.t-online.example[192.0.2.72]:25, delay=0.3, delays=0.02/0/0.11/0.17, dsn=5.7.0, status=bounced (host mx01.t-online.example[192.0.2.72] said: 550-5.7.0 Message considered as spam or virus, rejected 550-5.7.0 Message rejected because it was",
	  LL_DELIVERY, "postfix/smtp", "2C1DEF38F9", "h@t-online.example", "bounced", "5.7.0", "mx01.t-online.example[192.0.2.72]:25", "host mx01.t-online" },
	/* No host name after the time. */
	{ "Mar 22 10:38:04 postfix/pipe[18710]: D77AA3601B1: to=<fax@example.com>, orig_to=<fax>, relay=fax, delay=0.3, delays=0.2/0/0/0.1, dsn=5.3.0, status=bounced (Command died with status 255: \"/usr/bin/faxmail\". )",
	  LL_DELIVERY, "postfix/pipe", "D77AA3601B1", "fax@example.com", "bounced", "5.3.0", "fax", "Command died" },
	/* Sendmail keeps the display name of an alias expansion. */
	{ "Oct 25 12:50:21 localhost sendmail[6666]: v9PCoLxI006666: to=Vasya <vasya@example.com>, ctladdr=dm (1000/1000), delay=00:00:00, xdelay=00:00:00, mailer=relay, pri=30127, relay=[127.0.0.1] [127.0.0.1], dsn=2.0.0, stat=Sent (v9PCoLiO006667 Message accepted for delivery)",
	  LL_DELIVERY, "sendmail", "v9PCoLxI006666", "Vasya <vasya@example.com>", "Sent", "2.0.0", "[127.0.0.1] [127.0.0.1]", "Sent (" },
	/*
	 * An operator's own syslog_name for a transport, without "postfix"
	 * in it: the daemon after the slash says whose line it is.
	 */
	{ "Jan  9 11:30:31 mx1 smtp-uol/smtp[24974]: D13DCBDDF5A: to=<c@uol.example>, relay=mx.uol.example[192.0.2.15]:25, delay=56196, delays=55920/275/0.09/0.22, dsn=4.7.1, status=deferred (host mx.uol.example[192.0.2.15] said: 450 4.7.1 Too many messages, try again later. (in reply to RCPT TO command))",
	  LL_DELIVERY, "smtp-uol/smtp", "D13DCBDDF5A", "c@uol.example", "deferred", "4.7.1", "mx.uol.example[192.0.2.15]:25", "host mx.uol" },
	{ "Mar 15 14:20:01 mx enforced-tls-smtp/smtp[23456]: BA0CB881A81: to=<w@example.org>, relay=mx-in.example.org[192.0.2.73]:25, delay=0.28, delays=0.19/0.02/0.07/0, dsn=5.7.5, status=bounced (Cannot start TLS: handshake failure)",
	  LL_DELIVERY, "enforced-tls-smtp/smtp", "BA0CB881A81", "w@example.org", "bounced", "5.7.5", "mx-in.example.org[192.0.2.73]:25", "Cannot start TLS" },
	{ "Nov 25 10:00:01 mx1 outbound/qmgr[10]: 44444DDDDD: from=<news@shop.example>, size=2048, nrcpt=3 (queue active)",
	  LL_FROM, "outbound/qmgr", "44444DDDDD", NULL, NULL, NULL, NULL, NULL },
	/* Solaris's syslogd tags each message "[ID n facility.level]". */
	{ "Dec 12 00:00:03 mx1 sendmail[20514]: [ID 801593 mail.info] kBC502520512: to=root, ctladdr=root (0/1), delay=00:00:01, xdelay=00:00:01, mailer=local, pri=30737, dsn=2.0.0, stat=Sent",
	  LL_DELIVERY, "sendmail", "kBC502520512", "root", "Sent", "2.0.0", "", "Sent" },
	{ "Mar  9 11:20:05 mailgw postfix/discard[1435]: [ID 897546 mail.info] 4D847A5B: to=<john@blackhole.example>, relay=none, delay=13, delays=13/0/0/0, dsn=2.0.0, status=sent (blackhole.example)",
	  LL_DELIVERY, "postfix/discard", "4D847A5B", "john@blackhole.example", "sent", "2.0.0", "none", "blackhole" },
	/* A template's padding and level word (a Postfix container image). */
	{ "2022-06-20T20:48:14.699067+00:00 INFO    postfix/error[284]: 0F6AF2600E5: to=<b@example.com>, relay=none, delay=51985, delays=51984/1/0/0.05, dsn=4.4.1, status=deferred (delivery temporarily suspended: connect to mx.example.com[192.0.2.1]:25: Connection refused)",
	  LL_DELIVERY, "postfix/error", "0F6AF2600E5", "b@example.com", "deferred", "4.4.1", "none", "delivery temporarily" },
	{ "Mar 12 10:14:31 postfix INFO    postfix/error[282]: 39B9612B: to=<t@example.com>, relay=none, delay=0.77, delays=0.11/0.65/0/0, dsn=4.3.0, status=deferred (mail transport unavailable)",
	  LL_DELIVERY, "postfix/error", "39B9612B", "t@example.com", "deferred", "4.3.0", "none", "mail transport" },
	{ "Apr  1 15:32:46 localhost  postfix/discard[23132]: 9FA7140BE989: to=<h@source.example>, relay=none, delay=0.02, delays=0.02/0/0/0, dsn=2.0.0, status=sent (source.example)",
	  LL_DELIVERY, "postfix/discard", "9FA7140BE989", "h@source.example", "sent", "2.0.0", "none", "source" },
	/* "docker logs -t": the container's time stamp before syslog's. */
	{ "2020-11-02T13:52:02.681188429Z Nov 02 13:52:02 mail postfix/smtp[236167]: ECE922C5AD5: to=<b@cs.example>, relay=mx.example.net[192.0.2.75]:25, delay=0.6, delays=0.1/0/0.3/0.2, dsn=2.0.0, status=sent (250 ok)",
	  LL_DELIVERY, "postfix/smtp", "ECE922C5AD5", "b@cs.example", "sent", "2.0.0", "mx.example.net[192.0.2.75]:25", "250 ok" },
	/* "docker compose logs": the service's name and a bar first. */
	{ "postfix-mailcow_1    | Feb  7 11:18:26 mail postfix/smtp[396]: EFE2274079B: to=<s@example.com>, relay=none, delay=1145, delays=1115/0.05/30/0, dsn=4.4.1, status=deferred (connect to mx.example.com[192.0.2.7]:25: Connection timed out)",
	  LL_DELIVERY, "postfix/smtp", "EFE2274079B", "s@example.com", "deferred", "4.4.1", "none", "connect to" },
	{ "smtp_1       | 2022-06-20T20:48:14.699067+00:00 INFO    postfix/error[284]: 0F6AF2600E5: to=<b@example.com>, relay=none, delay=1, delays=1/0/0/0, dsn=4.4.1, status=deferred (delivery temporarily suspended: connect to mx.example.com[192.0.2.1]:25: Connection refused)",
	  LL_DELIVERY, "postfix/error", "0F6AF2600E5", "b@example.com", "deferred", "4.4.1", "none", "delivery temporarily" },
	/* grep's file name, and its line number with -n, before each line found in several files. */
	{ "/var/log/maillog.4:Apr 8 04:03:09 sigma sendmail[7488]: w344QRId020581: to=<m@yahoo.example>, delay=4+06:36:42, xdelay=00:00:00, mailer=esmtp, pri=9301427, relay=mta5.am0.yahoodns.example. [192.0.2.59], dsn=4.0.0, stat=Deferred: 421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred",
	  LL_DELIVERY, "sendmail", "w344QRId020581", "<m@yahoo.example>", "Deferred", "4.0.0", "mta5.am0.yahoodns.example. [192.0.2.59]", "Deferred: 421" },
	{ "mail.log.1:1207:Nov 25 10:00:01 mx1 postfix/smtp[2001]: 2C1DEF38FA: to=<u@example.org>, relay=mx.example.org[192.0.2.2]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.2] said: 550 5.1.1 User unknown (in reply to RCPT TO command))",
	  LL_DELIVERY, "postfix/smtp", "2C1DEF38FA", "u@example.org", "bounced", "5.1.1", "mx.example.org[192.0.2.2]:25", "host mx.example.org" },
	/* A compose service's name before a line with no time stamp. */
	{ "smtp_1       | postfix/lmtp[44]: 1E2949A: to=<x@example.de>, relay=imap[192.168.144.6]:2525, delay=0.34, delays=0.26/0.01/0.01/0.06, dsn=4.2.0, status=deferred (host imap[192.168.144.6] said: 451 4.2.0 <x@example.de> Execution of Sieve filters was aborted due to temporary failure (in reply to end of DATA command))",
	  LL_DELIVERY, "postfix/lmtp", "1E2949A", "x@example.de", "deferred", "4.2.0", "imap[192.168.144.6]:2525", "host imap" },
	/* pdsh/dsh's host name before each line of a command run on many servers. */
	{ "exmx1 : Dec 14 05:28:39 exmx1 sendmail[31574]: mBDIYhEa031574: to=<customer@example.com>, delay=00:00:00, xdelay=00:00:00, mailer=esmtp, pri=41874, relay=mail.example.com., dsn=4.0.0, stat=Deferred",
	  LL_DELIVERY, "sendmail", "mBDIYhEa031574", "<customer@example.com>", "Deferred", "4.0.0", "mail.example.com.", "Deferred" },
	{ "mx2: Nov 25 10:00:01 mx2 postfix/smtp[2001]: 2C1DEF38FB: to=<v@example.org>, relay=none, delay=1, delays=0/0/0/1, dsn=4.4.1, status=deferred (connect to mx.example.org[192.0.2.2]:25: Connection timed out)",
	  LL_DELIVERY, "postfix/smtp", "2C1DEF38FB", "v@example.org", "deferred", "4.4.1", "none", "connect to" },
	/* A paste that spaced the PID off the program. */
	{ "Dec 5 01:43:03 foobox-out sendmail [11078]: qBE3l7js123022: to=<user@foo.example.com>, delay=00:00:00, xdelay=00:00:00, mailer=relay, pri=124588, relay=exbox.foo.example.com. [10.10.10.10], dsn=4.0.0, stat=Deferred: 421 4.3.2 The maximum number of concurrent connections has exceeded a limit, closing transmission channel",
	  LL_DELIVERY, "sendmail", "qBE3l7js123022", "<user@foo.example.com>", "Deferred", "4.0.0", "exbox.foo.example.com. [10.10.10.10]", "Deferred: 421" },
	/* rsyslog's repeated-message reduction: the message inside the brackets. */
	{ "Sep 30 17:10:44 mx1 postfix/smtp[26192]: message repeated 2 times: [ C71221E1E6C: to=<admin@mx1.example.local>, relay=none, delay=0.01, delays=0.01/0/0/0, dsn=5.4.6, status=bounced (mail for mx1.example.local loops back to myself)]",
	  LL_DELIVERY, "postfix/smtp", "C71221E1E6C", "admin@mx1.example.local", "bounced", "5.4.6", "none", "mail for" },
	/* not outcomes */
	{ "word | not a log line at all", LL_NONE, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "notes.txt:to=<x@example.org>, status=sent (ok)", LL_NONE, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "Nov 25 10:00:01 mx1 myapp/worker[13]: ABCDE12345: to=<x@example.org>, status=sent (ok)", LL_NONE, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "Nov 25 10:00:01 mx1 /smtp[13]: ABCDE12345: to=<x@example.org>, status=sent (ok)", LL_NONE, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "Nov 25 10:00:01 mx1 postfix/smtpd[13]: connect from app1.example[192.0.2.5]", LL_NONE, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "Nov 25 10:00:01 mx1 postfix/smtpd[13]: message repeated 3 times: [ connect from unknown[192.0.2.5]]", LL_NONE, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "Nov 25 10:00:01 mx1 postfix/smtp[13]: message repeated 3 times: [ ABCDE12345: to=<x@example.org>, status=sent (ok)", LL_NONE, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "Nov 25 10:00:01 mx1 sshd[99]: Accepted publickey for root", LL_NONE, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "Nov 25 10:00:01 mx1 sendmail [x]: ABCDE12345: to=<x@example.org>, stat=Sent", LL_NONE, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "note : to=<x@example.org>, status=sent (ok)", LL_NONE, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "garbage \xff\xfe\x01 not a log line", LL_NONE, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "", LL_NONE, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "Nov 25 10:00:01", LL_NONE, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "Nov 25 10:00:01 mx1 postfix/smtp[1]: ABCDE: to=<x@y>", LL_NONE, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
	{ "Foo 99 99:99:99 mx1 postfix/smtp[1]: ABCDE12345: to=<x@y>, status=sent (ok)", LL_NONE, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

START_TEST(test_cases)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct logline ll;
		enum logline_kind k = logline_parse(cases[i].line, strlen(cases[i].line), NOW, &ll);
		ck_assert_msg(k == cases[i].kind, "case %zu: kind %d want %d", i, k, cases[i].kind);
		if (k == LL_NONE)
			continue;
		ck_assert_msg(sl_eq(ll.program, cases[i].program), "case %zu: program", i);
		ck_assert_msg(sl_eq(ll.queue_id, cases[i].qid), "case %zu: queue id", i);
		ck_assert_msg(ll.time != 0, "case %zu: time", i);
		if (cases[i].to) {
			ck_assert_msg(sl_eq(ll.to, cases[i].to), "case %zu: to %.*s", i, (int)ll.to.n, ll.to.p);
			ck_assert_msg(sl_eq(ll.status, cases[i].status), "case %zu: status %.*s", i, (int)ll.status.n, ll.status.p);
			ck_assert_msg(sl_eq(ll.dsn, cases[i].dsn), "case %zu: dsn", i);
			ck_assert_msg(sl_eq(ll.relay, cases[i].relay), "case %zu: relay %.*s", i, (int)ll.relay.n, ll.relay.p);
			ck_assert_msg(ll.text.n >= strlen(cases[i].text_start) &&
			    memcmp(ll.text.p, cases[i].text_start, strlen(cases[i].text_start)) == 0,
			    "case %zu: text %.*s", i, (int)ll.text.n, ll.text.p);
		}
	}
}
END_TEST

/*
 * The line inside rsyslog's "message repeated N times: [...]" is read to
 * its end and no further: the bracket that closes it is not in the text.
 */
START_TEST(test_repeated_message)
{
	const char *line = "Sep 30 17:10:44 mx1 postfix/smtp[26192]: message repeated 2 times: [ C71221E1E6C: to=<admin@mx1.example.local>, relay=none, delay=0.01, delays=0.01/0/0/0, dsn=5.4.6, status=bounced (mail for mx1.example.local loops back to myself)]";
	struct logline ll;

	ck_assert_int_eq(logline_parse(line, strlen(line), NOW, &ll), LL_DELIVERY);
	ck_assert_msg(sl_eq(ll.text, "mail for mx1.example.local loops back to myself"),
	    "text %.*s", (int)ll.text.n, ll.text.p);
}
END_TEST

/*
 * A "removed" line in another time format reads as the same line in a
 * plain one: the same time, host and queue ID.
 */
static void
same_line(const char *variant, const char *plain, const char *host,
    const char *what, size_t i)
{
	struct logline ll;

	ck_assert_int_eq(logline_parse(plain, strlen(plain), NOW, &ll), LL_REMOVED);
	time_t a = ll.time;
	ck_assert_msg(logline_parse(variant, strlen(variant), NOW, &ll) == LL_REMOVED,
	    "%s %zu", what, i);
	ck_assert_msg(ll.time == a, "%s %zu: time %ld, not %ld", what, i,
	    (long)ll.time, (long)a);
	ck_assert_msg(sl_eq(ll.host, host), "%s %zu: host", what, i);
	ck_assert_msg(sl_eq(ll.queue_id, "ABCDE12345"), "%s %zu: queue id", what, i);
}

START_TEST(test_times)
{
	struct logline ll;
	const char *iso = "2026-11-25T10:00:01+01:00 mx1 postfix/qmgr[1]: ABCDE12345: removed";
	const char *z = "2026-11-25T09:00:01Z mx1 postfix/qmgr[1]: ABCDE12345: removed";

	logline_parse(iso, strlen(iso), NOW, &ll);
	time_t a = ll.time;
	logline_parse(z, strlen(z), NOW, &ll);
	ck_assert_int_eq(a, ll.time);
	ck_assert_int_eq(ll.time, 1795597201);
	/* A day below 10 without its padding blank, as pasted lines have it. */
	const char *padded = "Nov  2 10:22:20 mx1 postfix/qmgr[1]: ABCDE12345: removed";
	const char *unpadded = "Nov 2 10:22:20 mx1 postfix/qmgr[1]: ABCDE12345: removed";
	logline_parse(padded, strlen(padded), NOW, &ll);
	a = ll.time;
	ck_assert_int_eq(logline_parse(unpadded, strlen(unpadded), NOW, &ll), LL_REMOVED);
	ck_assert_int_eq(ll.time, a);
	ck_assert_int_eq(ll.queue_id.n, 10);
	/* journalctl's output in a German locale names some months its way. */
	static const char *const german[][2] = {
		{ "M\xc3\xa4r  2 10:22:20 mx1 postfix/qmgr[1]: ABCDE12345: removed",
		  "Mar  2 10:22:20 mx1 postfix/qmgr[1]: ABCDE12345: removed" },
		{ "M\xc3\xa4r 2 10:22:20 mx1 postfix/qmgr[1]: ABCDE12345: removed",
		  "Mar  2 10:22:20 mx1 postfix/qmgr[1]: ABCDE12345: removed" },
		{ "Mai 12 10:22:20 mx1 postfix/qmgr[1]: ABCDE12345: removed",
		  "May 12 10:22:20 mx1 postfix/qmgr[1]: ABCDE12345: removed" },
		{ "Okt 15 23:48:15 c3 postfix/qmgr[1]: ABCDE12345: removed",
		  "Oct 15 23:48:15 c3 postfix/qmgr[1]: ABCDE12345: removed" },
		{ "Dez  1 00:00:01 mx1 postfix/qmgr[1]: ABCDE12345: removed",
		  "Dec  1 00:00:01 mx1 postfix/qmgr[1]: ABCDE12345: removed" },
		/* A Russian locale: "авг", "мая" (and "май"), "дек". */
		{ "\xd0\xb0\xd0\xb2\xd0\xb3 09 04:49:16 mx1 postfix/qmgr[1]: ABCDE12345: removed",
		  "Aug  9 04:49:16 mx1 postfix/qmgr[1]: ABCDE12345: removed" },
		{ "\xd0\xbc\xd0\xb0\xd1\x8f 2 10:22:20 mx1 postfix/qmgr[1]: ABCDE12345: removed",
		  "May  2 10:22:20 mx1 postfix/qmgr[1]: ABCDE12345: removed" },
		{ "\xd0\xbc\xd0\xb0\xd0\xb9 12 10:22:20 mx1 postfix/qmgr[1]: ABCDE12345: removed",
		  "May 12 10:22:20 mx1 postfix/qmgr[1]: ABCDE12345: removed" },
		{ "\xd0\xb4\xd0\xb5\xd0\xba 31 23:59:59 mx1 postfix/qmgr[1]: ABCDE12345: removed",
		  "Dec 31 23:59:59 mx1 postfix/qmgr[1]: ABCDE12345: removed" },
	};
	for (size_t i = 0; i < sizeof(german) / sizeof(german[0]); i++)
		same_line(german[i][0], german[i][1], i == 3 ? "c3" : "mx1",
		    "german", i);
	/* Not a month in either; a Cyrillic word that is none. */
	const char *mae = "M\xc3\xa4x  2 10:22:20 mx1 postfix/qmgr[1]: ABCDE12345: removed";
	ck_assert_int_eq(logline_parse(mae, strlen(mae), NOW, &ll), LL_NONE);
	const char *cyr = "\xd0\xb4\xd0\xb5\xd0\xbd 31 23:59:59 mx1 postfix/qmgr[1]: ABCDE12345: removed";
	ck_assert_int_eq(logline_parse(cyr, strlen(cyr), NOW, &ll), LL_NONE);
	/* A December line read in November is last year's. */
	const char *dec = "Dec 31 23:59:59 mx1 postfix/qmgr[1]: ABCDE12345: removed";
	logline_parse(dec, strlen(dec), NOW, &ll);
	ck_assert(ll.time < NOW - 300 * 86400L);

	/*
	 * East of Greenwich the new year starts before it does in UTC: at
	 * 2026-12-31 14:30 UTC it is already 1 January 2027, 00:30, ten
	 * hours east.  A line of that first half hour is minutes old, not a
	 * year (a year early, it made three deferrals of one morning span
	 * "8,771 hours" and escalated).
	 */
	setenv("TZ", "XST-10", 1);
	tzset();
	const time_t newyear = 1798727400;	/* 2026-12-31 14:30:00 UTC */
	const char *jan = "Jan  1 00:25:00 mx1 postfix/qmgr[1]: ABCDE12345: removed";
	logline_parse(jan, strlen(jan), newyear, &ll);
	ck_assert_int_eq(ll.time, newyear - 300);
	/* And the evening before is still last year's, hours old. */
	const char *eve = "Dec 31 23:00:00 mx1 postfix/qmgr[1]: ABCDE12345: removed";
	logline_parse(eve, strlen(eve), newyear, &ll);
	ck_assert_int_eq(ll.time, newyear - 5400);
}
END_TEST

/*
 * What journalctl writes in its other output modes, for a journal
 * exported as text and replayed, and a line with no time stamp at all.
 */
START_TEST(test_journalctl_formats)
{
	struct logline ll;
	static const char *const same[][2] = {
		/* -o short-precise: microseconds after the seconds. */
		{ "Nov 25 10:00:01.123456 mx1 postfix/qmgr[1]: ABCDE12345: removed",
		  "Nov 25 10:00:01 mx1 postfix/qmgr[1]: ABCDE12345: removed" },
		{ "Okt 05 23:48:15.000001 mx1 postfix/qmgr[1]: ABCDE12345: removed",
		  "Oct  5 23:48:15 mx1 postfix/qmgr[1]: ABCDE12345: removed" },
		{ "M\xc3\xa4r 02 10:22:20.5 mx1 postfix/qmgr[1]: ABCDE12345: removed",
		  "Mar  2 10:22:20 mx1 postfix/qmgr[1]: ABCDE12345: removed" },
		{ "Nov 2 10:22:20.5 mx1 postfix/qmgr[1]: ABCDE12345: removed",
		  "Nov  2 10:22:20 mx1 postfix/qmgr[1]: ABCDE12345: removed" },
		/* -o short-full: the weekday, the date, the zone. */
		{ "Wed 2026-11-25 09:00:01 UTC mx1 postfix/qmgr[1]: ABCDE12345: removed",
		  "2026-11-25T09:00:01Z mx1 postfix/qmgr[1]: ABCDE12345: removed" },
		{ "Mi 2026-11-25 12:00:01 +03 mx1 postfix/qmgr[1]: ABCDE12345: removed",
		  "2026-11-25T09:00:01Z mx1 postfix/qmgr[1]: ABCDE12345: removed" },
		{ "\xd0\xa1\xd1\x80 2026-11-25 10:00:01 MSK mx1 postfix/qmgr[1]: ABCDE12345: removed",
		  "Nov 25 10:00:01 mx1 postfix/qmgr[1]: ABCDE12345: removed" },
		/* -o short-unix: seconds since the epoch. */
		{ "1795597201.654321 mx1 postfix/qmgr[1]: ABCDE12345: removed",
		  "2026-11-25T09:00:01Z mx1 postfix/qmgr[1]: ABCDE12345: removed" },
	};
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		same_line(same[i][0], same[i][1], "mx1", "format", i);

	/*
	 * No time stamp: the program first, as a container writing Postfix's
	 * log to its output has it, with or without a level word.  Dated
	 * when read.
	 */
	static const char *const undated[] = {
		"postfix/smtp[123]: 1A2B3C4D5F: to=<a2@example.com>, relay=mx.example.com[192.0.2.4]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.4] said: 550 5.1.1 user unknown (in reply to RCPT TO command))",
		"INFO postfix/smtp[123]: 1A2B3C4D5F: to=<a2@example.com>, relay=mx.example.com[192.0.2.4]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.4] said: 550 5.1.1 user unknown (in reply to RCPT TO command))",
		"sm-mta[3001]: x266f43P000001: to=<a2@example.com>, delay=00:00:02, xdelay=00:00:01, mailer=esmtp, pri=120000, relay=mx.example.com. [192.0.2.4], dsn=5.1.1, stat=User unknown",
	};
	for (size_t i = 0; i < sizeof(undated) / sizeof(undated[0]); i++) {
		ck_assert_msg(logline_parse(undated[i], strlen(undated[i]), NOW, &ll) == LL_DELIVERY,
		    "undated %zu", i);
		ck_assert_int_eq(ll.time, NOW);
		/* Sendmail's list is kept whole, brackets and all. */
		ck_assert(sl_eq(ll.to, ll.mta == LL_MTA_SENDMAIL ?
		    "<a2@example.com>" : "a2@example.com"));
		ck_assert_int_eq(ll.host.n, 0);
	}

	/*
	 * As pasted: indented, with doubled blanks, with a container's name
	 * and no time stamp, with the host name hidden in brackets.  The same
	 * delivery each time.
	 */
	static const char *const pasted[] = {
		"  Nov 25 10:00:01 mx1 postfix/smtp[123]: 1A2B3C4D5F: to=<a2@example.com>, relay=mx.example.com[192.0.2.4]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.4] said: 550 5.1.1 user unknown (in reply to RCPT TO command))",
		"Nov 25 10:00:01 mx1 postfix/smtp[123]: 1A2B3C4D5F:  to=<a2@example.com>, relay=mx.example.com[192.0.2.4]:25,  delay=1, delays=0/0/0/1, dsn=5.1.1,  status=bounced (host mx.example.com[192.0.2.4] said: 550 5.1.1 user unknown (in reply to RCPT TO command))",
		"postfix-0 postfix/smtp[123]: 1A2B3C4D5F: to=<a2@example.com>, relay=mx.example.com[192.0.2.4]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.4] said: 550 5.1.1 user unknown (in reply to RCPT TO command))",
		" postfix/smtp[123]: 1A2B3C4D5F: to=<a2@example.com>, relay=mx.example.com[192.0.2.4]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.4] said: 550 5.1.1 user unknown (in reply to RCPT TO command))",
		"Nov 25 10:00:01 [myhost] postfix/smtp[123]: 1A2B3C4D5F: to=<a2@example.com>, relay=mx.example.com[192.0.2.4]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.4] said: 550 5.1.1 user unknown (in reply to RCPT TO command))",
	};
	for (size_t i = 0; i < sizeof(pasted) / sizeof(pasted[0]); i++) {
		ck_assert_msg(logline_parse(pasted[i], strlen(pasted[i]), NOW, &ll) == LL_DELIVERY,
		    "pasted %zu", i);
		ck_assert_msg(sl_eq(ll.to, "a2@example.com") && sl_eq(ll.dsn, "5.1.1") &&
		    sl_eq(ll.status, "bounced") && sl_eq(ll.relay, "mx.example.com[192.0.2.4]:25") &&
		    sl_eq(ll.queue_id, "1A2B3C4D5F"), "pasted %zu fields", i);
	}
	ck_assert(logline_parse(pasted[2], strlen(pasted[2]), NOW, &ll) == LL_DELIVERY &&
	    sl_eq(ll.host, "postfix-0") && ll.time == NOW);

	/* Near misses: still no line of the MTA's. */
	static const char *const not[] = {
		"Nov 25 10:00:01. mx1 postfix/qmgr[1]: ABCDE12345: removed",
		"Nov 25 10:00:01.12x mx1 postfix/qmgr[1]: ABCDE12345: removed",
		"Wed 2026-11-25 09:00:01 mx1postfix/qmgr[1]: ABCDE12345: removed",
		"Wed 2026-11-25 99:00:01 UTC mx1 postfix/qmgr[1]: ABCDE12345: removed",
		"1795597201 mx1 postfix/qmgr[1]: ABCDE12345: removed",
		"17955.1 mx1 postfix/qmgr[1]: ABCDE12345: removed",
		"postfix/smtp: ABCDE12345: to=<x@example.org>, status=sent (ok)",
		"postfix/smtp[]: ABCDE12345: to=<x@example.org>, status=sent (ok)",
		"myapp[12]: ABCDE12345: to=<x@example.org>, status=sent (ok)",
		/* One word before the program is a host's place; two are prose. */
		"see the postfix/smtp[12]: ABCDE12345: to=<x@example.org>, status=sent (ok)",
	};
	for (size_t i = 0; i < sizeof(not) / sizeof(not[0]); i++)
		ck_assert_msg(logline_parse(not[i], strlen(not[i]), NOW, &ll) == LL_NONE,
		    "near miss %zu", i);
}
END_TEST

/* The built-in rules, loaded once per test for the logproc tests. */
static struct classifier *cl;

static void
setup(void)
{
	char err[256];

	cl = classifier_load(NULL, NULL, NULL, err, sizeof(err));
	ck_assert_msg(cl != NULL, "%s", err);
}

static void
teardown(void)
{
	classifier_free(cl);
	cl = NULL;
}

struct got {
	int n;
	struct rb_outcome_rec last;
};

static void
collect(void *arg, const struct rb_outcome_rec *o)
{
	struct got *g = arg;
	g->n++;
	g->last = *o;
}

START_TEST(test_correlation_and_bounds)
{
	struct logproc_options o;
	logproc_options_default(&o);
	o.max_entries = 100;
	o.idle_timeout = 600;
	struct logproc *lp = logproc_new(cl, &o);
	struct got g = { 0 };
	const char *lines[] = {
		"Nov 25 10:00:01 mx1 postfix/smtpd[13]: 44444DDDDD: client=app1.example[192.0.2.5], sasl_method=PLAIN, sasl_username=shop",
		"Nov 25 10:00:01 mx1 postfix/cleanup[12]: 44444DDDDD: message-id=<abc@shop.example>",
		"Nov 25 10:00:01 mx1 postfix/qmgr[10]: 44444DDDDD: from=<news@shop.example>, size=2048, nrcpt=1 (queue active)",
		"Nov 25 10:00:02 mx1 postfix/smtp[14]: 44444DDDDD: to=<gone@gmail.com>, relay=gmail-smtp-in.l.google.com[142.250.1.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host gmail-smtp-in.l.google.com[142.250.1.1] said: 550-5.1.1 The email account that you tried to reach does not exist. (in reply to RCPT TO command))",
	};
	for (size_t i = 0; i < 4; i++)
		logproc_line(lp, lines[i], strlen(lines[i]), NOW, collect, &g);
	ck_assert_int_eq(g.n, 1);
	ck_assert_str_eq(g.last.sender, "news@shop.example");
	ck_assert_str_eq(g.last.message_id, "abc@shop.example");
	ck_assert_str_eq(g.last.sasl_user, "shop");
	ck_assert_str_eq(g.last.client, "app1.example[192.0.2.5]");
	ck_assert_int_eq(g.last.size, 2048);
	ck_assert_str_eq(g.last.transport, "postfix/smtp");
	ck_assert_int_eq(g.last.v.reason, RB_REASON_USERUNKNOWN);
	ck_assert_str_eq(g.last.v.provider, "gmail");
	ck_assert(g.last.key[0] != '\0');

	/*
	 * A line is not a C string: a size= that ends the buffer is read
	 * within it (ASan catches a read past the end).
	 */
	static const char qmgr_tail[] = "Nov 25 10:00:01 mx1 postfix/qmgr[10]: 55555DDDDD: from=<news@shop.example>, size=4096";
	char *exact = malloc(sizeof(qmgr_tail) - 1);
	memcpy(exact, qmgr_tail, sizeof(qmgr_tail) - 1);
	logproc_line(lp, exact, sizeof(qmgr_tail) - 1, NOW, collect, &g);
	free(exact);
	const char *after = "Nov 25 10:00:02 mx1 postfix/smtp[14]: 55555DDDDD: to=<gone@gmail.com>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to mx.example[192.0.2.1]:25: Connection timed out)";
	logproc_line(lp, after, strlen(after), NOW, collect, &g);
	ck_assert_int_eq(g.last.size, 4096);

	/* Bounded: 1,000 queue IDs that never finish keep at most 100. */
	char line[256];
	for (int i = 0; i < 1000; i++) {
		snprintf(line, sizeof(line), "Nov 25 10:00:03 mx1 postfix/qmgr[10]: %010X: from=<a@b.example>, size=1, nrcpt=1 (queue active)", 0x100000 + i);
		logproc_line(lp, line, strlen(line), NOW, collect, &g);
	}
	struct logproc_stats st;
	logproc_get_stats(lp, &st);
	ck_assert_uint_le(st.queued, 100);
	ck_assert_uint_ge(st.evicted, 900);

	/* A 1 MB line, binary garbage and invalid UTF-8: counted and skipped. */
	size_t big = 1024 * 1024;
	char *b = malloc(big);
	memset(b, 'A', big);
	memcpy(b, lines[3], strlen(lines[3]));
	int before = g.n;
	logproc_line(lp, b, big, NOW, collect, &g);
	for (size_t i = 0; i < big; i++)
		b[i] = (char)(i * 7919 % 251);
	logproc_line(lp, b, 4096, NOW, collect, &g);
	logproc_get_stats(lp, &st);
	ck_assert_int_eq(g.n, before);
	ck_assert_uint_ge(st.oversized, 1);
	/* ...and the next line is still processed. */
	logproc_line(lp, lines[3], strlen(lines[3]), NOW, collect, &g);
	ck_assert_int_eq(g.n, before + 1);
	free(b);
	logproc_free(lp);
}
END_TEST

/*
 * Sendmail's stat=: after its own word "Deferred:" comes the reply; any
 * other status is the failure in the local agent's words, read whole
 * ("procmail: ..." is a mailer error, not the "No such user" at its end).
 */
START_TEST(test_sendmail_status)
{
	struct logproc_options o;
	logproc_options_default(&o);
	struct logproc *lp = logproc_new(cl, &o);
	struct got g = { 0 };
	const char *deferred = "Nov 25 11:00:02 mx1 sm-mta[3002]: x266f43P000002: to=<c@example.org>, delay=00:00:05, mailer=esmtp, pri=30000, relay=mx.example.org. [192.0.2.1], dsn=4.2.2, stat=Deferred: 452 4.2.2 Mailbox full";
	const char *agent = "Nov 25 11:00:03 mx1 sm-mta[3003]: x266f43P000003: to=<r@example.org>, delay=00:00:02, xdelay=00:00:01, mailer=esmtp, pri=120000, relay=mx.example.org. [192.0.2.17], dsn=5.1.1, stat=procmail: Couldn't create \"/var/spool/mail/r\" id: r.example.org: No such user";

	logproc_line(lp, deferred, strlen(deferred), NOW, collect, &g);
	ck_assert_int_eq(g.n, 1);
	ck_assert_int_eq(g.last.v.outcome, RB_OUTCOME_DEFERRED);
	ck_assert_int_eq(g.last.v.replycode, 452);
	ck_assert_int_eq(g.last.v.reason, RB_REASON_MAILBOXFULL);
	logproc_line(lp, agent, strlen(agent), NOW, collect, &g);
	ck_assert_int_eq(g.n, 2);
	ck_assert_int_eq(g.last.v.outcome, RB_OUTCOME_BOUNCED);
	ck_assert_int_eq(g.last.v.reason, RB_REASON_MAILERERROR);
	ck_assert_int_ne(g.last.v.action, RB_ACTION_SUPPRESS);
	logproc_free(lp);
}
END_TEST

/*
 * A greeting refused with a 5xx: Postfix defers it (dsn=4.7.1) and tries
 * the next MX, but the server said no for good; no throttle to wait out.
 * The recipient is not suppressed for it.
 */
START_TEST(test_refused_greeting)
{
	struct logproc_options o;
	logproc_options_default(&o);
	struct logproc *lp = logproc_new(cl, &o);
	struct got g = { 0 };
	const char *hard = "Mar 18 20:49:44 mx1 postfix/smtp[10079]: 4161A3CC22B: to=<easy@rr.example>, relay=mx.rr.example[192.0.2.44]:25, delay=10880, delays=10842/37/0.59/0, dsn=4.7.1, status=deferred (host mx.rr.example[192.0.2.44] refused to talk to me: 554 5.7.1 - ERROR: Mail refused - <192.0.2.40> - See http://security.rr.example/block-lookup)";
	const char *soft = "Mar 18 20:49:45 mx1 postfix/smtp[10079]: 4161A3CC22C: to=<easy@rr.example>, relay=mx.rr.example[192.0.2.44]:25, delay=10880, delays=10842/37/0.59/0, dsn=4.7.1, status=deferred (host mx.rr.example[192.0.2.44] refused to talk to me: 421 4.7.1 - Mail refused - <192.0.2.40> - too many connections from your host)";

	logproc_line(lp, hard, strlen(hard), NOW, collect, &g);
	ck_assert_int_eq(g.n, 1);
	ck_assert_int_eq(g.last.v.outcome, RB_OUTCOME_DEFERRED);
	ck_assert_int_eq(g.last.v.replycode, 554);
	ck_assert_str_eq(taxonomy_action_name(g.last.v.action), "fix-sender");
	logproc_line(lp, soft, strlen(soft), NOW, collect, &g);
	ck_assert_int_eq(g.n, 2);
	ck_assert_int_eq(g.last.v.replycode, 421);
	ck_assert_str_eq(taxonomy_action_name(g.last.v.action), "slow-down");
	logproc_free(lp);
}
END_TEST

/*
 * This system's own delivery program failing (Postfix's local and pipe
 * agents, Sendmail's local mailer) is the operator's to fix: the local
 * recipient is not counted toward suppression.  A full mailbox through
 * the same agent stays the recipient's soft failure.
 */
START_TEST(test_own_delivery_agent)
{
	struct logproc_options o;
	logproc_options_default(&o);
	struct logproc *lp = logproc_new(cl, &o);
	struct got g = { 0 };
	const char *local = "Oct 11 03:58:22 box postfix/local[1885]: 7356ABD12E: to=<emma@box.example>, relay=local, delay=0.1, delays=0/0/0/0.1, dsn=4.3.0, status=deferred (Command died with status 127: \"procmail -a \"$EXTENSION\"\". Command output: sh: procmail: not found )";
	const char *pipe = "Oct 11 03:58:23 box postfix/pipe[1886]: 7356ABD12F: to=<felix@box.example>, relay=dovecot, delay=0.1, delays=0/0/0/0.1, dsn=4.3.0, status=deferred (temporary failure. Command output: lda: Error: net_connect_unix(/run/dovecot/stats-writer) failed: Permission denied )";
	const char *sm = "Dec  8 19:25:10 www3 sendmail[1795]: mB88rS9R029955: to=jl, delay=16:31:40, xdelay=00:00:04, mailer=local, pri=6962581, dsn=4.0.0, stat=Deferred: local mailer (/usr/bin/procmail) exited with EX_TEMPFAIL";
	const char *full = "Oct 11 03:58:24 box postfix/pipe[1887]: 7356ABD130: to=<gus@box.example>, relay=dovecot, delay=0.1, delays=0/0/0/0.1, dsn=4.2.2, status=deferred (temporary failure. Command output: lda: Error: Quota exceeded (mailbox for user is full) )";
	const char *remote = "Oct 11 03:58:25 box postfix/smtp[1888]: 7356ABD131: to=<hal@far.example>, relay=mx.far.example[192.0.2.9]:25, delay=0.1, delays=0/0/0/0.1, dsn=4.3.0, status=deferred (host mx.far.example[192.0.2.9] said: 451 4.3.0 Temporary local problem - please try later (in reply to end of DATA command))";

	logproc_line(lp, local, strlen(local), NOW, collect, &g);
	ck_assert_int_eq(g.n, 1);
	ck_assert_str_eq(taxonomy_action_name(g.last.v.action), "fix-sender");
	logproc_line(lp, pipe, strlen(pipe), NOW, collect, &g);
	ck_assert_int_eq(g.n, 2);
	ck_assert_str_eq(taxonomy_action_name(g.last.v.action), "fix-sender");
	logproc_line(lp, sm, strlen(sm), NOW, collect, &g);
	ck_assert_int_eq(g.n, 3);
	ck_assert_str_eq(taxonomy_action_name(g.last.v.action), "fix-sender");
	logproc_line(lp, full, strlen(full), NOW, collect, &g);
	ck_assert_int_eq(g.n, 4);
	ck_assert_str_eq(taxonomy_reason_name(g.last.v.reason), "mailboxfull");
	ck_assert_str_eq(taxonomy_action_name(g.last.v.action), "retry");
	logproc_line(lp, remote, strlen(remote), NOW, collect, &g);
	ck_assert_int_eq(g.n, 5);
	ck_assert_str_eq(taxonomy_action_name(g.last.v.action), "retry");

	/*
	 * A next hop on this machine that does not answer: the content
	 * filter, the MTA behind Sendmail's submission program, an LMTP
	 * socket.  The same failure at a remote host stays the recipient's.
	 */
	static const char *const own_hop[] = {
		"Oct 11 03:58:26 box postfix/smtp[1889]: 7356ABD132: to=<ida@far.example>, relay=none, delay=0.1, delays=0/0/0.1/0, dsn=4.4.1, status=deferred (connect to 127.0.0.1[127.0.0.1]:10024: Connection refused)",
		"Oct 11 03:58:27 box postfix/lmtp[1890]: 7356ABD133: to=<jo@box.example>, relay=none, delay=0.1, delays=0/0/0.1/0, dsn=4.4.1, status=deferred (connect to box.example[private/dovecot-lmtp]: No such file or directory)",
		"Oct 11 03:58:28 box sendmail[1891]: x9B3wS01891: to=<kim@far.example>, delay=00:00:01, xdelay=00:00:01, mailer=relay, pri=30000, relay=[127.0.0.1], dsn=4.0.0, stat=Deferred: Connection refused by [127.0.0.1]",
	};
	for (size_t i = 0; i < sizeof(own_hop) / sizeof(own_hop[0]); i++) {
		logproc_line(lp, own_hop[i], strlen(own_hop[i]), NOW, collect, &g);
		ck_assert_int_eq(g.n, 6 + (int)i);
		ck_assert_msg(strcmp(taxonomy_action_name(g.last.v.action), "fix-sender") == 0,
		    "own hop %zu: %s", i, taxonomy_action_name(g.last.v.action));
	}
	const char *far = "Oct 11 03:58:29 box postfix/smtp[1892]: 7356ABD134: to=<lou@far.example>, relay=none, delay=0.1, delays=0/0/0.1/0, dsn=4.4.1, status=deferred (connect to mx.far.example[192.0.2.9]:25: Connection refused)";
	logproc_line(lp, far, strlen(far), NOW, collect, &g);
	ck_assert_str_eq(taxonomy_action_name(g.last.v.action), "retry");

	/*
	 * A recipient without a domain is this machine's account or alias:
	 * a missing alias is fixed here, never suppressed (nor escalated);
	 * the reason still says what the line says.
	 */
	static const char *const bare[] = {
		"Oct 25 13:43:06 localhost sm-mta[7087]: v9PDh53r007087: to=postmaster, delay=00:00:00, mailer=local, pri=30000, dsn=5.1.1, stat=User unknown",
		"Jan 16 18:40:11 mail sendmail[14051]: o0GNe7bS014051: to=root, ctladdr=smmsp (108/114), delay=00:00:04, xdelay=00:00:01, mailer=relay, pri=30404, relay=[127.0.0.1] [127.0.0.1], dsn=5.1.6, stat=User unknown",
		"Sep 21 15:42:00 canary postfix/smtp[14584]: A7B1A4E28E: to=<root@canary>, orig_to=<root>, relay=none, delay=1.2, delays=1.1/0.02/0.09/0, dsn=5.4.4, status=bounced (Host or domain name not found. Name service error for name=canary type=AAAA: Host not found)",
		"Oct 11 03:58:31 box postfix/local[1894]: 7356ABD136: to=<www-data@localhost>, relay=local, delay=0.1, delays=0/0/0/0.1, dsn=5.1.1, status=bounced (unknown user: \"www-data\")",
		"Oct 11 03:58:30 box postfix/local[1893]: 7356ABD135: to=<root>, relay=local, delay=0.1, delays=0/0/0/0.1, dsn=4.2.2, status=deferred (cannot update mailbox /var/mail/root for user root. error writing message: Disk quota exceeded)",
	};
	for (size_t i = 0; i < sizeof(bare) / sizeof(bare[0]); i++) {
		logproc_line(lp, bare[i], strlen(bare[i]), NOW, collect, &g);
		ck_assert_msg(strcmp(taxonomy_action_name(g.last.v.action), "fix-sender") == 0,
		    "bare name %zu: %s", i, taxonomy_action_name(g.last.v.action));
	}
	ck_assert_str_eq(taxonomy_reason_name(g.last.v.reason), "mailboxfull");
	const char *dom = "Oct 25 13:43:07 localhost sm-mta[7088]: v9PDh53r007088: to=<postmaster@far.example>, delay=00:00:00, mailer=esmtp, pri=30000, relay=mx.far.example. [192.0.2.9], dsn=5.1.1, stat=User unknown";
	logproc_line(lp, dom, strlen(dom), NOW, collect, &g);
	ck_assert_str_eq(taxonomy_action_name(g.last.v.action), "suppress");
	/* An alias that points to an outside address: that address's verdict. */
	const char *alias = "Apr 17 14:40:01 box postfix/smtp[17680]: 7CD554A4556: to=<tim.smith@far.example>, orig_to=<tim>, relay=mx.far.example[192.0.2.9]:25, delay=0.3, delays=0/0/0.3/0, dsn=5.1.1, status=bounced (host mx.far.example[192.0.2.9] said: 550 5.1.1 <tim.smith@far.example>: Recipient address rejected: User unknown (in reply to RCPT TO command))";
	logproc_line(lp, alias, strlen(alias), NOW, collect, &g);
	ck_assert_str_eq(taxonomy_action_name(g.last.v.action), "suppress");
	/* A subscriber's typo without a dot is still dead as it is written. */
	const char *typo = "Sep 21 15:42:01 mx1 postfix/smtp[14585]: A7B1A4E28F: to=<bob@gmail>, relay=none, delay=1.2, delays=1.1/0.02/0.09/0, dsn=5.4.4, status=bounced (Host or domain name not found. Name service error for name=gmail type=AAAA: Host not found)";
	logproc_line(lp, typo, strlen(typo), NOW, collect, &g);
	ck_assert_str_eq(taxonomy_action_name(g.last.v.action), "suppress");
	logproc_free(lp);
}
END_TEST

/*
 * Postfix with soft_bounce = yes logs a refusal it keeps queued as
 * status=SOFTBOUNCE, older versions without a dsn=: deferred, never a
 * bounce that suppresses.
 */
START_TEST(test_postfix_softbounce)
{
	struct logproc_options o;
	logproc_options_default(&o);
	struct logproc *lp = logproc_new(cl, &o);
	struct got g = { 0 };
	const char *old = "May 10 20:16:52 mx1 postfix/smtp[28372]: 710FE8F839: to=<me@example.org>, relay=mx.example.org[192.0.2.1]:25, delay=0, status=SOFTBOUNCE (host mx.example.org[192.0.2.1] said: 550 5.1.1 <me@example.org>: Recipient address rejected: User unknown (in reply to RCPT TO command))";

	logproc_line(lp, old, strlen(old), NOW, collect, &g);
	ck_assert_int_eq(g.n, 1);
	ck_assert_int_eq(g.last.v.outcome, RB_OUTCOME_DEFERRED);
	ck_assert_int_eq(g.last.v.reason, RB_REASON_USERUNKNOWN);
	ck_assert_int_ne(g.last.v.action, RB_ACTION_SUPPRESS);
	logproc_free(lp);
}
END_TEST

struct many {
	int n;
	char rcpt[8][RB_ADDR_MAX];
	enum rb_outcome outcome[8];
	enum rb_reason reason[8];
	struct rb_outcome_rec last;
};

static void
collect_many(void *arg, const struct rb_outcome_rec *o)
{
	struct many *m = arg;
	if (m->n < 8) {
		snprintf(m->rcpt[m->n], sizeof(m->rcpt[0]), "%s", o->recipient);
		m->outcome[m->n] = o->v.outcome;
		m->reason[m->n] = o->v.reason;
	}
	m->n++;
	m->last = *o;
}

static void
feed(struct logproc *lp, const char *line, struct many *m)
{
	logproc_line(lp, line, strlen(line), NOW, collect_many, m);
}

/*
 * A recipient Sendmail lists twice in one "to=" (aliases, the envelope) is
 * one delivery: its outcome is emitted once, the domain compared in any
 * case and the local part as it is.
 */
START_TEST(test_sendmail_repeated_rcpt)
{
	struct logproc_options o;
	logproc_options_default(&o);
	struct logproc *lp = logproc_new(cl, &o);
	struct many m = { 0 };

	feed(lp, "Nov 25 11:00:04 mx1 sm-mta[3004]: x266f43P000004: to=<a@example.org>,<b@example.org>,<b@example.org>,<B@Example.ORG>,<b@EXAMPLE.org>,<a@example.org>, delay=00:00:01, mailer=esmtp, pri=30000, relay=mx.example.org. [192.0.2.1], dsn=2.0.0, stat=Sent (ok)", &m);
	ck_assert_int_eq(m.n, 3);
	ck_assert_str_eq(m.rcpt[0], "a@example.org");
	ck_assert_str_eq(m.rcpt[1], "b@example.org");
	ck_assert_str_eq(m.rcpt[2], "B@Example.ORG");
	/* Unbracketed and single entries are as before. */
	m.n = 0;
	feed(lp, "Nov 25 11:00:05 mx1 sm-mta[3005]: x266f43P000005: to=c@example.org,C@example.org,c@Example.org, delay=00:00:01, mailer=esmtp, pri=30000, relay=mx.example.org. [192.0.2.1], dsn=2.0.0, stat=Sent (ok)", &m);
	ck_assert_int_eq(m.n, 2);
	ck_assert_str_eq(m.rcpt[0], "c@example.org");
	ck_assert_str_eq(m.rcpt[1], "C@example.org");
	logproc_free(lp);
}
END_TEST

/*
 * Sendmail writes each recipient as it was given: a display name, quoted
 * with a comma in it or not, stays in the list, and the address is what
 * its angle brackets hold.
 */
START_TEST(test_sendmail_display_names)
{
	struct logproc_options o;
	logproc_options_default(&o);
	struct logproc *lp = logproc_new(cl, &o);
	struct many m = { 0 };

	feed(lp, "Nov 25 16:10:01 mx1 sendmail[11101]: 5APG10j1011101: to=<first@dest.example>,Jane Roe <second@dest.example>,\"Doe, John\" <third@dest.example>,plain@dest.example, ctladdr=jroe (1000/1000), delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=60300, relay=mx.dest.example. [203.0.113.5], dsn=5.1.1, stat=User unknown", &m);
	ck_assert_int_eq(m.n, 4);
	ck_assert_str_eq(m.rcpt[0], "first@dest.example");
	ck_assert_str_eq(m.rcpt[1], "second@dest.example");
	ck_assert_str_eq(m.rcpt[2], "third@dest.example");
	ck_assert_str_eq(m.rcpt[3], "plain@dest.example");
	ck_assert_int_eq(m.outcome[3], RB_OUTCOME_BOUNCED);
	ck_assert_str_eq(m.last.relay, "mx.dest.example. [203.0.113.5]");
	m.n = 0;
	feed(lp, "Nov 25 16:00:04 mx1 sm-mta[11002]: 5APG00i1011001: to=\"Doe, John\" <jdoe@dest.example>, delay=00:00:03, xdelay=00:00:01, mailer=esmtp, pri=240000, relay=mx.dest.example. [203.0.113.5], dsn=5.1.1, stat=User unknown", &m);
	ck_assert_int_eq(m.n, 1);
	ck_assert_str_eq(m.rcpt[0], "jdoe@dest.example");
	ck_assert_int_eq(m.last.v.reason, RB_REASON_USERUNKNOWN);
	/* A comment, and a quote escaped inside quotes, hold commas too. */
	m.n = 0;
	feed(lp, "Dec  7 10:00:05 mx sm-mta[4243]: 4B7A00A1004243: to=bob@example.net (Smith, Bob),<carol@example.net>, delay=00:00:05, xdelay=00:00:05, mailer=esmtp, pri=120000, relay=mx.example.net. [203.0.113.5], dsn=5.1.1, stat=User unknown", &m);
	feed(lp, "Dec  7 10:00:06 mx sm-mta[4244]: 4B7A00A1004244: to=\"Robert \\\"Bob, Jr\\\" Smith\" <dave@example.net>,<erin@example.net>, delay=00:00:05, xdelay=00:00:05, mailer=esmtp, pri=120000, relay=mx.example.net. [203.0.113.5], dsn=5.1.1, stat=User unknown", &m);
	ck_assert_int_eq(m.n, 4);
	ck_assert_str_eq(m.rcpt[0], "bob@example.net");
	ck_assert_str_eq(m.rcpt[1], "carol@example.net");
	ck_assert_str_eq(m.rcpt[2], "dave@example.net");
	ck_assert_str_eq(m.rcpt[3], "erin@example.net");
	ck_assert_str_eq(m.last.relay, "mx.example.net. [203.0.113.5]");
	/* A quote never closed counts for nothing. */
	m.n = 0;
	feed(lp, "Nov 25 16:00:05 mx1 sm-mta[11003]: 5APG00i1011002: to=\"odd <odd@dest.example>, delay=00:00:03, mailer=esmtp, pri=240000, relay=mx.dest.example. [203.0.113.5], dsn=5.1.1, stat=User unknown", &m);
	ck_assert_int_eq(m.n, 1);
	ck_assert_str_eq(m.rcpt[0], "odd@dest.example");
	ck_assert_str_eq(m.last.relay, "mx.dest.example. [203.0.113.5]");
	logproc_free(lp);
}
END_TEST

/*
 * "stat=queued" is no try: no outcome, and the deferral before it is
 * what expires.  Sendmail's labels for the bounce of an expired message
 * ("return to sender", "postmaster notify") expire it as "DSN" does, and
 * an expiry while the next hop is this machine (the submission program's
 * MTA down) is this system's to fix.  Sendmail's own faults ("Local
 * configuration error") are too.
 */
START_TEST(test_sendmail_queued_and_expiry)
{
	struct logproc_options o;
	logproc_options_default(&o);
	struct logproc *lp = logproc_new(cl, &o);
	struct many m = { 0 };

	feed(lp, "Nov 25 10:00:03 mx1 sm-mta[4103]: 5APA00a2004103: from=<alice@sender.example>, size=900, class=0, nrcpts=1, msgid=<x2@sender.example>, proto=ESMTP, daemon=MTA", &m);
	feed(lp, "Nov 25 10:00:04 mx1 sm-mta[4104]: 5APA00a2004103: to=<slow@dest.example>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=120100, relay=mx.dest.example. [203.0.113.5], dsn=4.0.0, stat=Deferred: Connection timed out with mx.dest.example.", &m);
	ck_assert_int_eq(m.n, 1);
	feed(lp, "Nov 25 11:00:04 mx1 sm-mta[4105]: 5APA00a2004103: to=<slow@dest.example>, delay=01:00:01, mailer=esmtp, pri=210100, stat=queued", &m);
	ck_assert_int_eq(m.n, 1);
	feed(lp, "Nov 25 12:00:05 mx1 sm-mta[4106]: 5APA00a2004103: 5APC00a2004106: return to sender: Cannot send message for 5 days", &m);
	ck_assert_int_eq(m.n, 2);
	ck_assert_int_eq(m.outcome[1], RB_OUTCOME_EXPIRED);
	ck_assert_str_eq(m.rcpt[1], "slow@dest.example");

	feed(lp, "Nov 25 12:10:00 web1 sm-msp-queue[16001]: 5AK900p1016001: from=www-data, size=812, class=0, nrcpts=1, msgid=<w1@web1.example.net>, relay=www-data@localhost", &m);
	feed(lp, "Nov 25 12:10:01 web1 sm-msp-queue[16001]: 5AK900p1016001: to=customer@dest.example, ctladdr=www-data (33/33), delay=00:00:00, xdelay=00:00:00, mailer=relay, pri=30812, relay=[127.0.0.1] [127.0.0.1], dsn=4.0.0, stat=Deferred: Connection refused by [127.0.0.1]", &m);
	feed(lp, "Nov 25 12:20:00 web1 sm-msp-queue[16002]: 5AK900p1016001: 5APA00p1016002: postmaster notify: Cannot send message for 5 days", &m);
	ck_assert_int_eq(m.n, 4);
	ck_assert_int_eq(m.outcome[3], RB_OUTCOME_EXPIRED);
	ck_assert_int_eq(m.last.v.action, RB_ACTION_FIX_SENDER);

	feed(lp, "Nov 25 12:30:00 mx1 sm-mta[4107]: 5APA00a2004107: to=<info@moved.example>, delay=00:00:00, xdelay=00:00:00, mailer=esmtp, pri=30000, relay=mx1.example.net., dsn=5.3.5, stat=Local configuration error", &m);
	ck_assert_int_eq(m.n, 5);
	ck_assert_int_eq(m.last.v.action, RB_ACTION_FIX_SENDER);
	logproc_free(lp);
}
END_TEST

/*
 * Sendmail handing a message back to itself through a content filter
 * (the filter's reply wraps Sendmail's "QID Message accepted for
 * delivery"), or to a Postfix beside it ("Ok: queued as QID"): a handoff,
 * and one outcome under the new queue ID.
 */
START_TEST(test_sendmail_handoffs)
{
	struct logproc_options o;
	logproc_options_default(&o);
	struct logproc *lp = logproc_new(cl, &o);
	struct many m = { 0 };
	struct logproc_stats st;
	static const char *const lines[] = {
		"Nov 25 13:10:00 mx1 sm-mta[8101]: 5APD10f1008101: from=<alice@sender.example>, size=2000, class=0, nrcpts=1, msgid=<av1@sender.example>, proto=ESMTP, daemon=MTA, relay=client.sender.example [198.51.100.7]",
		"Nov 25 13:10:01 mx1 sm-mta[8103]: 5APD10f2008103: from=<alice@sender.example>, size=2400, class=0, nrcpts=1, msgid=<av1@sender.example>, proto=ESMTP, daemon=MTA, relay=localhost [127.0.0.1]",
		"Nov 25 13:10:01 mx1 sm-mta[8102]: 5APD10f1008101: to=<bob@dest.example>, delay=00:00:01, xdelay=00:00:01, mailer=amavis, pri=122000, relay=localhost [127.0.0.1], dsn=2.0.0, stat=Sent (from MTA([127.0.0.1]:10025): 250 2.0.0 5APD10f2008103 Message accepted for delivery)",
		"Nov 25 13:10:03 mx1 sm-mta[8104]: 5APD10f2008103: to=<bob@dest.example>, delay=00:00:02, xdelay=00:00:02, mailer=esmtp, pri=122400, relay=mx.dest.example. [203.0.113.5], dsn=2.0.0, stat=Sent (OK 1764075003 x12si345)",
		"Nov 25 23:00:00 mx1 sm-mta[22001]: 5APN00w1022001: from=<alice@sender.example>, size=2000, class=0, nrcpts=1, msgid=<pf1@sender.example>, proto=ESMTP, daemon=MTA, relay=client.sender.example [198.51.100.7]",
		"Nov 25 23:00:01 mx1 postfix/smtpd[22010]: 4dQx3T0abcz9sWn: client=localhost[127.0.0.1]",
		"Nov 25 23:00:01 mx1 postfix/qmgr[900]: 4dQx3T0abcz9sWn: from=<alice@sender.example>, size=2300, nrcpt=1 (queue active)",
		"Nov 25 23:00:01 mx1 sm-mta[22002]: 5APN00w1022001: to=<carol@dest.example>, delay=00:00:01, xdelay=00:00:01, mailer=relay, pri=122000, relay=[127.0.0.1] [127.0.0.1], dsn=2.0.0, stat=Sent (Ok: queued as 4dQx3T0abcz9sWn)",
		"Nov 25 23:00:03 mx1 postfix/smtp[22012]: 4dQx3T0abcz9sWn: to=<carol@dest.example>, relay=mx.dest.example[203.0.113.5]:25, delay=2, delays=0/0/1/1, dsn=2.0.0, status=sent (250 2.0.0 OK)",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		feed(lp, lines[i], &m);
	ck_assert_int_eq(m.n, 2);
	ck_assert_str_eq(m.rcpt[0], "bob@dest.example");
	ck_assert_str_eq(m.rcpt[1], "carol@dest.example");
	logproc_get_stats(lp, &st);
	ck_assert_int_eq(st.handoffs, 2);
	logproc_free(lp);
}
END_TEST

/* A clone for an alias with an owner is the same message, from the owner. */
START_TEST(test_sendmail_clone)
{
	struct logproc_options o;
	logproc_options_default(&o);
	struct logproc *lp = logproc_new(cl, &o);
	struct many m = { 0 };

	feed(lp, "Nov 25 22:00:00 mx1 sm-mta[21001]: 5APM00v1021001: from=<editor@sender.example>, size=6000, class=0, nrcpts=1, msgid=<issue42@sender.example>, proto=ESMTP, daemon=MTA, relay=client.sender.example [198.51.100.7]", &m);
	feed(lp, "Nov 25 22:00:00 mx1 sm-mta[21001]: 5APM00v2021001: clone 5APM00v1021001, owner=owner-announce", &m);
	feed(lp, "Nov 25 22:00:02 mx1 sm-mta[21002]: 5APM00v2021001: to=<member1@dest.example>, delay=00:00:02, xdelay=00:00:02, mailer=esmtp, pri=126000, relay=mx.dest.example. [203.0.113.5], dsn=5.1.1, stat=User unknown", &m);
	ck_assert_int_eq(m.n, 1);
	ck_assert_str_eq(m.last.queue_id, "5APM00v2021001");
	ck_assert_str_eq(m.last.sender, "owner-announce");
	ck_assert_str_eq(m.last.message_id, "issue42@sender.example");
	ck_assert_int_eq(m.last.size, 6000);
	logproc_free(lp);
}
END_TEST

/*
 * A delivery that only moved the message to another queue of this system
 * (a content filter's round trip, Sendmail's submission program to its
 * MTA) is no outcome: the recipient's comes under the new queue ID, which
 * takes the submitter's client and SASL user.  A "queued as" naming an ID
 * this log never showed is a relay elsewhere: a delivery.
 */
START_TEST(test_handoff)
{
	struct logproc_options o;
	logproc_options_default(&o);
	struct logproc *lp = logproc_new(cl, &o);
	struct many m = { 0 };
	struct logproc_stats st;

	static const char *const before[] = {
		"Dec  9 10:18:23 mail postfix/smtpd[20001]: BA8F630001DA: client=laptop.example.net[198.51.100.7], sasl_method=PLAIN, sasl_username=alice",
		"Dec  9 10:18:23 mail postfix/qmgr[20003]: BA8F630001DA: from=<alice@example.net>, size=1200, nrcpt=2 (queue active)",
		"Dec  9 10:18:24 mail postfix/smtpd[20010]: 1310930001DB: client=localhost[127.0.0.1]",
		"Dec  9 10:18:24 mail postfix/qmgr[20003]: 1310930001DB: from=<alice@example.net>, size=1500, nrcpt=2 (queue active)",
	};
	for (size_t i = 0; i < sizeof(before) / sizeof(before[0]); i++)
		feed(lp, before[i], &m);
	feed(lp, "Dec  9 10:18:24 mail postfix/smtp[20049]: BA8F630001DA: to=<bob@example.com>, relay=127.0.0.1[127.0.0.1]:10024, delay=0.38, delays=0.23/0.02/0/0.13, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 1310930001DB)", &m);
	ck_assert_int_eq(m.n, 0);
	feed(lp, "Dec  9 10:18:25 mail postfix/smtp[20053]: 1310930001DB: to=<bob@example.com>, relay=mx.example.com[192.0.2.1]:25, delay=0.3, delays=0/0/0.2/0.1, dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.1] said: 550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown (in reply to RCPT TO command))", &m);
	ck_assert_int_eq(m.n, 1);
	ck_assert_int_eq(m.outcome[0], RB_OUTCOME_BOUNCED);
	ck_assert_str_eq(m.last.queue_id, "1310930001DB");
	ck_assert_str_eq(m.last.sasl_user, "alice");
	ck_assert_str_eq(m.last.client, "laptop.example.net[198.51.100.7]");
	ck_assert_int_eq(m.last.size, 1500);
	/* A smarthost's queue ID: the last this system sees, delivered. */
	feed(lp, "Dec  9 10:18:25 mail postfix/smtp[20054]: 1310930001DB: to=<carol@example.org>, relay=relay.example.net[192.0.2.2]:25, delay=0.3, delays=0/0/0.2/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 9F8E7D6C5B)", &m);
	ck_assert_int_eq(m.n, 2);
	ck_assert_int_eq(m.outcome[1], RB_OUTCOME_DELIVERED);

	feed(lp, "Apr 20 16:35:50 mkalimu sm-mta[6553]: n3KFZnc6006553: from=<www-data@mkalimu>, size=520, class=0, nrcpts=2, msgid=<m2@mkalimu>, proto=ESMTP, daemon=MTA-v4, relay=localhost [127.0.0.1]", &m);
	feed(lp, "Apr 20 16:35:50 mkalimu sendmail[6552]: n3KFZnHK006552: to=xxx@yyy.com,zzz@yyy.com, ctladdr=www-data (33/33), delay=00:00:01, xdelay=00:00:01, mailer=relay, pri=30103, relay=[127.0.0.1] [127.0.0.1], dsn=2.0.0, stat=Sent (n3KFZnc6006553 Message accepted for delivery)", &m);
	ck_assert_int_eq(m.n, 2);
	feed(lp, "Apr 20 16:35:51 mkalimu sm-mta[6555]: n3KFZnc6006553: to=<xxx@yyy.com>,<zzz@yyy.com>, delay=00:00:02, xdelay=00:00:01, mailer=esmtp, pri=120314, relay=mx00.example.co.uk. [192.0.2.9], dsn=2.0.0, stat=Sent (OK id=1kmGfT-00056j-NK)", &m);
	ck_assert_int_eq(m.n, 4);
	logproc_get_stats(lp, &st);
	ck_assert_int_eq(st.handoffs, 3);
	ck_assert_int_eq(st.outcomes, 4);
	logproc_free(lp);
}
END_TEST

/* Postfix's deferral of rcpt in queue ID qid at time when (log format). */
static void
feed_deferral(struct logproc *lp, const char *when, const char *qid,
    const char *rcpt, struct many *m)
{
	char line[512];

	snprintf(line, sizeof(line), "%s mx1 postfix/smtp[14]: %s: to=<%s>, "
	    "relay=none, delay=5, delays=0/0/5/0, dsn=4.4.1, status=deferred "
	    "(connect to mx.slow.example[192.0.2.7]:25: Connection timed out)",
	    when, qid, rcpt);
	feed(lp, line, m);
}

/* The two expired outcomes m holds: for a, then for b. */
static void
expect_expired(const struct many *m, const char *a, const char *b)
{
	ck_assert_int_eq(m->n, 2);
	ck_assert_str_eq(m->rcpt[0], a);
	ck_assert_str_eq(m->rcpt[1], b);
	ck_assert_int_eq(m->outcome[0], RB_OUTCOME_EXPIRED);
	ck_assert_int_eq(m->outcome[1], RB_OUTCOME_EXPIRED);
}

/*
 * Postfix logs an expired message once, "from=<...>, status=expired":
 * each recipient whose last line was a deferral expires, with the reason
 * of that deferral, across days and past the idle timeout; the others do
 * not.  Bounded per message and in time.
 */
START_TEST(test_expiry)
{
	char line[512];
	struct logproc_options o;
	logproc_options_default(&o);
	o.max_entries = 2000;
	o.idle_timeout = 600;
	o.deferred_timeout = 6 * 86400;
	struct logproc *lp = logproc_new(cl, &o);
	struct many m = { 0 };

	feed(lp, "Nov 20 08:00:00 mx1 postfix/cleanup[12]: 55555EEEEE: message-id=<exp@shop.example>", &m);
	feed(lp, "Nov 20 08:00:00 mx1 postfix/qmgr[10]: 55555EEEEE: from=<news@shop.example>, size=900, nrcpt=3 (queue active)", &m);
	feed_deferral(lp, "Nov 20 08:00:05", "55555EEEEE", "bob@slow.example", &m);
	feed(lp, "Nov 20 08:00:05 mx1 postfix/smtp[14]: 55555EEEEE: to=<carol@full.example>, relay=mx.full.example[192.0.2.8]:25, delay=5, delays=0/0/1/4, dsn=4.2.2, status=deferred (host mx.full.example[192.0.2.8] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command))", &m);
	feed(lp, "Nov 20 08:00:05 mx1 postfix/smtp[14]: 55555EEEEE: to=<dave@later.example>, relay=none, delay=5, delays=0/0/5/0, dsn=4.4.1, status=deferred (connect to mx.later.example[192.0.2.9]:25: Connection refused)", &m);
	feed(lp, "Nov 21 09:00:00 mx1 postfix/smtp[14]: 55555EEEEE: to=<dave@later.example>, relay=mx.later.example[192.0.2.9]:25, delay=90000, delays=89990/0/5/5, dsn=2.0.0, status=sent (250 2.0.0 Ok)", &m);
	ck_assert_int_eq(m.n, 4);
	/* Days of other mail: plain queue IDs come and go, idle ones evicted. */
	for (int i = 0; i < 300; i++) {
		snprintf(line, sizeof(line), "Nov 2%d 10:00:00 mx1 postfix/qmgr[10]: %010X: from=<a@b.example>, size=1, nrcpt=1 (queue active)", 1 + i / 100, 0x200000 + i);
		feed(lp, line, &m);
	}
	struct logproc_stats st;
	logproc_get_stats(lp, &st);
	ck_assert_uint_eq(st.pending, 2);
	ck_assert_uint_ge(st.evicted, 200);

	m.n = 0;
	feed(lp, "Nov 25 08:00:06 mx1 postfix/qmgr[10]: 55555EEEEE: from=<news@shop.example>, status=expired, returned to sender", &m);
	expect_expired(&m, "bob@slow.example", "carol@full.example");
	ck_assert_int_eq(m.reason[1], RB_REASON_MAILBOXFULL);
	ck_assert_str_eq(m.last.sender, "news@shop.example");
	ck_assert_str_eq(m.last.message_id, "exp@shop.example");
	ck_assert_str_eq(m.last.queue_id, "55555EEEEE");
	ck_assert_str_eq(m.last.dsn, "4.2.2");
	/* The time of the expiry, not of the deferral. */
	ck_assert(m.last.time > NOW - 5 * 3600 && m.last.time <= NOW);
	/* Told once: the same line again expires nobody. */
	m.n = 0;
	feed(lp, "Nov 25 08:00:06 mx1 postfix/qmgr[10]: 55555EEEEE: from=<news@shop.example>, status=expired, returned to sender", &m);
	ck_assert_int_eq(m.n, 0);
	logproc_get_stats(lp, &st);
	ck_assert_uint_eq(st.pending, 0);

	/* At most 1000 deferred recipients a message. */
	for (int i = 0; i < 1200; i++) {
		char rcpt[32];
		snprintf(rcpt, sizeof(rcpt), "r%d@slow.example", i);
		feed_deferral(lp, "Nov 25 08:10:00", "66666FFFFF", rcpt, &m);
	}
	logproc_get_stats(lp, &st);
	ck_assert_uint_eq(st.pending, 1000);
	ck_assert_uint_eq(st.pending_dropped, 200);
	m.n = 0;
	feed(lp, "Nov 25 08:20:00 mx1 postfix/qmgr[10]: 66666FFFFF: from=<news@shop.example>, status=expired, returned to sender", &m);
	ck_assert_int_eq(m.n, 1000);

	/* An operator's "postsuper -e" expires them the same way. */
	feed_deferral(lp, "Nov 25 08:30:00", "99999CCCCC", "erin@slow.example", &m);
	m.n = 0;
	feed(lp, "Nov 25 08:40:00 mx1 postfix/qmgr[10]: 99999CCCCC: from=<news@shop.example>, status=force-expired, returned to sender", &m);
	ck_assert_int_eq(m.n, 1);
	logproc_free(lp);

	/* ...and at most max_entries in all. */
	o.max_entries = 100;
	lp = logproc_new(cl, &o);
	for (int i = 0; i < 300; i++) {
		char qid[16];
		snprintf(qid, sizeof(qid), "%010X", 0x300000 + i);
		feed_deferral(lp, "Nov 25 08:10:00", qid, "r@slow.example", &m);
	}
	logproc_get_stats(lp, &st);
	ck_assert_uint_le(st.pending, 100);
	ck_assert_uint_le(st.queued, 100);
	logproc_free(lp);

	/* Past deferred_timeout with no line, the deferrals are forgotten. */
	o.deferred_timeout = 86400;
	lp = logproc_new(cl, &o);
	feed_deferral(lp, "Nov 20 08:00:05", "77777AAAAA", "bob@slow.example", &m);
	feed(lp, "Nov 25 08:00:00 mx1 postfix/qmgr[10]: 88888BBBBB: from=<a@b.example>, size=1, nrcpt=1 (queue active)", &m);
	m.n = 0;
	feed(lp, "Nov 25 08:00:06 mx1 postfix/qmgr[10]: 77777AAAAA: from=<news@shop.example>, status=expired, returned to sender", &m);
	ck_assert_int_eq(m.n, 0);
	logproc_get_stats(lp, &st);
	ck_assert_uint_eq(st.pending, 0);
	logproc_free(lp);
}
END_TEST

/*
 * A line dated far ahead (a relay's wrong clock in a central log) is taken
 * as now: with its own date it made every other queue ID idle, evicting
 * the deferrals an expiry needs.  And a queue ID's memory is bounded
 * whatever length its Message-ID and sender have.
 */
START_TEST(test_future_dated_and_long_fields)
{
	struct logproc_options o;
	logproc_options_default(&o);
	o.idle_timeout = 600;
	struct logproc *lp = logproc_new(cl, &o);
	struct many m = { 0 };

	feed(lp, "Nov 25 11:59:00 mx1 postfix/qmgr[10]: 12121ABABA: from=<news@shop.example>, size=900, nrcpt=2 (queue active)", &m);
	feed_deferral(lp, "Nov 25 11:59:05", "12121ABABA", "bob@slow.example", &m);
	feed_deferral(lp, "Nov 25 11:59:05", "12121ABABA", "carol@slow.example", &m);
	feed(lp, "2099-01-01T00:00:00+00:00 mx1 postfix/qmgr[10]: 34343CDCDC: from=<a@b.example>, size=1, nrcpt=1 (queue active)", &m);
	struct logproc_stats st;
	logproc_get_stats(lp, &st);
	ck_assert_uint_eq(st.evicted, 0);
	ck_assert_uint_eq(st.future, 1);
	m.n = 0;
	feed(lp, "Nov 25 11:59:30 mx1 postfix/qmgr[10]: 12121ABABA: from=<news@shop.example>, status=expired, returned to sender", &m);
	expect_expired(&m, "bob@slow.example", "carol@slow.example");
	logproc_free(lp);

	/*
	 * A future-dated deferral read twice (a file replayed a minute
	 * later) is one outcome: its key holds the date it gave, not when
	 * it was read.
	 */
	static const char ahead[] = "2099-01-01T00:00:00+00:00 mx1 postfix/smtp[14]: 56565EFEFE: to=<dan@slow.example>, relay=none, delay=5, delays=0/0/5/0, dsn=4.4.1, status=deferred (connect to mx.slow.example[192.0.2.7]:25: Connection timed out)";
	char key[sizeof(m.last.key)];
	for (int i = 0; i < 2; i++) {
		lp = logproc_new(cl, &o);
		m.n = 0;
		logproc_line(lp, ahead, strlen(ahead), NOW + 60 * i, collect_many, &m);
		ck_assert_int_eq(m.n, 1);
		ck_assert_int_eq(m.last.time, NOW + 60 * i);
		if (i == 0)
			snprintf(key, sizeof(key), "%s", m.last.key);
		else
			ck_assert_str_eq(m.last.key, key);
		logproc_free(lp);
	}

	/*
	 * A recipient no MTA logs (over 254 bytes, a NUL or a control byte
	 * in it) makes no outcome: cut, it named an address nobody mailed,
	 * and a bounce suppressed it.  Counted; the next line is read.
	 */
	lp = logproc_new(cl, &o);
	char bad[700];
	static const char tail[] = ", relay=mx.x.example[192.0.2.1]:25, delay=1, "
	    "delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.x.example[192.0.2.1] "
	    "said: 550 5.1.1 user unknown (in reply to RCPT TO command))";
	m.n = 0;
	int bn = snprintf(bad, sizeof(bad), "Nov 25 11:59:50 mx1 postfix/smtp[14]: "
	    "78787ABABA: to=<%0200d@%0100d.example.org>%s", 0, 0, tail);
	logproc_line(lp, bad, (size_t)bn, NOW, collect_many, &m);
	bn = snprintf(bad, sizeof(bad), "Nov 25 11:59:50 mx1 postfix/smtp[14]: "
	    "78787ABABA: to=<n@x.example>%s", tail);
	bad[55] = '\0';	/* to=<n\0x.example> */
	logproc_line(lp, bad, (size_t)bn, NOW, collect_many, &m);
	ck_assert_int_eq(m.n, 0);
	feed(lp, "Nov 25 11:59:51 mx1 postfix/smtp[14]: 78787ABABA: to=<ok@x.example>, relay=mx.x.example[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)", &m);
	ck_assert_int_eq(m.n, 1);
	ck_assert_str_eq(m.rcpt[0], "ok@x.example");
	logproc_get_stats(lp, &st);
	ck_assert_uint_eq(st.bad_address, 2);
	logproc_free(lp);

	/* 2,000 queue IDs with 30 KB Message-IDs and senders: bounded. */
	o.max_line = 100 * 1024;
	lp = logproc_new(cl, &o);
	size_t big = 30 * 1024;
	char *line = malloc(2 * big + 256), *v = malloc(big + 1);
	ck_assert_ptr_nonnull(line);
	ck_assert_ptr_nonnull(v);
	memset(v, 'x', big);
	v[big] = '\0';
	struct mallinfo2 before = mallinfo2();
	for (int i = 0; i < 2000; i++) {
		snprintf(line, 2 * big + 256, "Nov 25 11:59:40 mx1 postfix/cleanup[12]: %010X: message-id=<%s@shop.example>", 0x500000 + i, v);
		feed(lp, line, &m);
		snprintf(line, 2 * big + 256, "Nov 25 11:59:40 mx1 postfix/qmgr[10]: %010X: from=<%s@shop.example>, size=1, nrcpt=1 (queue active)", 0x500000 + i, v);
		feed(lp, line, &m);
	}
	struct mallinfo2 after = mallinfo2();
	logproc_get_stats(lp, &st);
	ck_assert_uint_eq(st.queued, 2000);
	/* About 1 KB each now; 120 MB before.  (0 under ASan, which keeps its own.) */
	ck_assert_msg(after.uordblks < before.uordblks + 16 * 1024 * 1024,
	    "%zu bytes for 2000 queue IDs", after.uordblks - before.uordblks);
	free(line);
	free(v);
	logproc_free(lp);
}
END_TEST

/*
 * Sendmail gives up with "QID: NEWID: DSN: Cannot send message for 5
 * days" and logs no line per recipient: those of a "to=<a>,<b>" whose
 * last line was a deferral expire, with its reason; one delivered since
 * does not.  A delay warning ("sender notify: Warning: ...") expires
 * nobody.
 */
START_TEST(test_sendmail_expiry)
{
	struct logproc_options o;
	logproc_options_default(&o);
	struct logproc *lp = logproc_new(cl, &o);
	struct many m = { 0 };

	feed(lp, "Nov 20 08:00:00 mx1 sm-mta[3001]: x4KAO0P0000001: from=<news@shop.example>, size=900, class=0, nrcpts=3, msgid=<smexp@shop.example>, proto=ESMTP, daemon=MTA, relay=app1.example [192.0.2.5]", &m);
	feed(lp, "Nov 20 08:00:05 mx1 sm-mta[3002]: x4KAO0P0000001: to=<bob@full.example>,<carol@full.example>, delay=00:00:05, xdelay=00:00:05, mailer=esmtp, pri=120900, relay=mx.full.example. [192.0.2.8], dsn=4.2.2, stat=Deferred: 452 4.2.2 Mailbox full", &m);
	feed(lp, "Nov 20 08:00:06 mx1 sm-mta[3002]: x4KAO0P0000001: to=<dave@slow.example>, delay=00:00:06, xdelay=00:00:01, mailer=esmtp, pri=120900, relay=mx.slow.example., dsn=4.0.0, stat=Deferred: Connection refused by mx.slow.example.", &m);
	feed(lp, "Nov 21 09:00:00 mx1 sm-mta[3003]: x4KAO0P0000001: to=<carol@full.example>, delay=1+01:00:00, xdelay=00:00:02, mailer=esmtp, pri=210900, relay=mx.full.example. [192.0.2.8], dsn=2.0.0, stat=Sent (Ok queued)", &m);
	ck_assert_int_eq(m.n, 4);
	m.n = 0;
	feed(lp, "Nov 20 12:00:07 mx1 sm-mta[3004]: x4KAO0P0000001: x4KC07P0000009: sender notify: Warning: could not send message for past 4 hours", &m);
	ck_assert_int_eq(m.n, 0);
	feed(lp, "Nov 25 08:00:07 mx1 sm-mta[3005]: x4KAO0P0000001: x4P807P0000010: DSN: Cannot send message for 5 days", &m);
	expect_expired(&m, "bob@full.example", "dave@slow.example");
	ck_assert_int_eq(m.reason[0], RB_REASON_MAILBOXFULL);
	ck_assert_str_eq(m.last.sender, "news@shop.example");
	ck_assert_str_eq(m.last.queue_id, "x4KAO0P0000001");
	/* Told once. */
	m.n = 0;
	feed(lp, "Nov 25 08:00:07 mx1 sm-mta[3005]: x4KAO0P0000001: x4P807P0000010: DSN: Cannot send message for 5 days", &m);
	ck_assert_int_eq(m.n, 0);
	/* Without a DSN asked for, Sendmail says "sender notify:". */
	feed(lp, "Nov 20 08:00:06 mx1 sm-mta[3006]: x4KAO0P0000002: to=<erin@slow.example>, delay=00:00:06, xdelay=00:00:01, mailer=esmtp, pri=120900, relay=mx.slow.example., dsn=4.0.0, stat=Deferred: Connection timed out with mx.slow.example.", &m);
	m.n = 0;
	feed(lp, "Nov 25 08:00:08 mx1 sm-mta[3007]: x4KAO0P0000002: x4P808P0000011: sender notify: Cannot send message for 5 days", &m);
	ck_assert_int_eq(m.n, 1);
	ck_assert_str_eq(m.rcpt[0], "erin@slow.example");
	ck_assert_int_eq(m.outcome[0], RB_OUTCOME_EXPIRED);
	logproc_free(lp);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("logline");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cases);
	tcase_add_test(tc, test_times);
	tcase_add_test(tc, test_journalctl_formats);
	tcase_add_test(tc, test_repeated_message);
	tcase_add_test(tc, test_correlation_and_bounds);
	tcase_add_test(tc, test_sendmail_status);
	tcase_add_test(tc, test_postfix_softbounce);
	tcase_add_test(tc, test_refused_greeting);
	tcase_add_test(tc, test_own_delivery_agent);
	tcase_add_test(tc, test_sendmail_repeated_rcpt);
	tcase_add_test(tc, test_sendmail_display_names);
	tcase_add_test(tc, test_sendmail_queued_and_expiry);
	tcase_add_test(tc, test_sendmail_handoffs);
	tcase_add_test(tc, test_sendmail_clone);
	tcase_add_test(tc, test_handoff);
	tcase_add_test(tc, test_expiry);
	tcase_add_test(tc, test_future_dated_and_long_fields);
	tcase_add_test(tc, test_sendmail_expiry);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
