/*
 * check_dsn.c - case tables for the bounce parser: each format family,
 * each report field, encodings, multi-recipient reports, VERP, mbox, and
 * hostile input (generated here, never committed) that must give a clear
 * error in bounded time while the next message still parses.
 */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify.h"
#include "dsn.h"
#include "dsn_int.h"
#include "taxonomy.h"
#include "util.h"

static struct classifier *cl;
static struct classify_scratch *sc;
static struct dsn_result res;
static struct dsn_options opt;

static void
setup(void)
{
	char err[512];

	dsn_init();
	cl = classifier_load(NULL, NULL, NULL, err, sizeof(err));
	ck_assert_msg(cl != NULL, "%s", err);
	sc = classify_scratch_new(cl);
	ck_assert_ptr_nonnull(sc);
	dsn_options_init(&opt);
	opt.verp[0] = "bounces+%l=%d@sender.example";
	dsn_result_init(&res);
}

static void
teardown(void)
{
	dsn_result_free(&res);
	classify_scratch_free(sc);
	classifier_free(cl);
}

static char *
slurp(const char *name, size_t *len)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/dsn/%s", RB_TEST_DATA, name);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	char *b = malloc(1 << 20);
	ck_assert_ptr_nonnull(b);
	*len = fread(b, 1, (1 << 20) - 1, f);
	b[*len] = '\0';
	fclose(f);
	return (b);
}

static enum dsn_status
parse_file(const char *name)
{
	size_t len;
	char *b = slurp(name, &len);
	enum dsn_status st = dsn_parse(b, len, &opt, cl, sc, &res);
	free(b);
	return (st);
}

/*
 * Parse msg, which must give exactly one record, for rcpt; that record.
 */
static const struct dsn_record *
one_record(const char *msg, size_t len, const char *rcpt)
{
	ck_assert_int_eq(dsn_parse(msg, len, &opt, cl, sc, &res), DSN_OK);
	ck_assert_uint_eq(res.n, 1);
	ck_assert_str_eq(res.rec[0].recipient, rcpt);
	return (&res.rec[0]);
}

/* Parse msg, which must be no bounce and give no record. */
static void
no_record(const char *msg, size_t len)
{
	ck_assert_int_eq(dsn_parse(msg, len, &opt, cl, sc, &res),
	    DSN_NOT_BOUNCE);
	ck_assert_uint_eq(res.n, 0);
}

/* Field expectations: NULL means "not checked". */
struct rcase {
	const char *file;
	size_t nrec;
	size_t idx;
	const char *recipient;
	const char *orig_recipient;
	const char *status;
	int replycode;
	const char *action;
	const char *remote_mta;
	const char *diag_has;
	const char *msgid;
	const char *queue_id;
	const char *feedback;
	const char *outcome;
	const char *reason;
	const char *format;
};

static const struct rcase rcases[] = {
	/* The domain is lower-cased, the local part kept (Bob@One.example). */
	{ "rfc3464-multi.eml", 3, 0, "bob@one.example", "Bob@one.example",
	  "5.1.1", 550, "failed", "mx.one.example",
	  "User unknown in virtual mailbox table", "<orig-1@sender.example>",
	  "4Qx1Yz2AbC", "", "bounced", "userunknown", "rfc3464" },
	{ "rfc3464-multi.eml", 3, 1, "carol@two.example", NULL, "4.2.2", 452,
	  "delayed", "mx.two.example", "Mailbox full",
	  "<orig-1@sender.example>", "4Qx1Yz2AbC", "", "deferred",
	  "mailboxfull", "rfc3464" },
	/* A delivery in the same report is one too, with no text read in. */
	{ "rfc3464-multi.eml", 3, 2, "dave@three.example", NULL, "2.0.0", 0,
	  "delivered", "", NULL, "<orig-1@sender.example>", "4Qx1Yz2AbC", "",
	  "delivered", "delivered", "rfc3464" },
	{ "arf.eml", 1, 0, "erin@isp.example", NULL, "", 0, "complaint", "",
	  NULL, "<news-7@sender.example>", "", "abuse", "complaint",
	  "feedback", "arf" },
	{ "autoreply.eml", 1, 0, "frank@away.example", NULL, "", 0,
	  "auto-reply", "", NULL, NULL, "", "", "auto-reply", "vacation",
	  "autoreply" },
	{ "exim.eml", 1, 0, "gina@gone.example", NULL, "5.1.1", 550, "failed",
	  "", "No such user here", "<orig-3@sender.example>", "", "",
	  "bounced", "userunknown", "body" },
	{ "qmail.eml", 2, 0, "hank@full.example", NULL, "5.2.2", 552,
	  "failed", "", "Mailbox quota exceeded", NULL, "", "", "bounced",
	  "mailboxfull", "body" },
	{ "qmail.eml", 2, 1, "ivy@nohost.example", NULL, NULL, 0, "failed",
	  "", "couldn't find any host", NULL, "", "", "bounced",
	  "hostunknown", "body" },
	{ "encoded.eml", 1, 0, "jack@enc.example", NULL, "5.7.1", 554,
	  "failed", "", "rejected as spam", NULL, "", "", "bounced", NULL,
	  "rfc3464" },
	{ "verp.eml", 1, 0, "kim@verp.example", NULL, "5.1.1", 550, "failed",
	  "", "user unknown", NULL, "", "", "bounced", "userunknown",
	  "body" },
	/*
	 * Yahoo's own "dd" refusal of a mailbox it does not have, whenever
	 * in the dialogue: an unknown user, not a filter's words.
	 */
	{ "yahoo-notice.eml", 1, 0, "nobody.here@yahoo.example", NULL,
	  "5.0.911", 0, "failed", "", "dd Not a valid recipient",
	  "<orig-7@sender.example>", "", "", "bounced", "userunknown",
	  "body" },
};

START_TEST(test_fields)
{
	const struct rcase *c = &rcases[_i];
	enum dsn_status st = parse_file(c->file);

	ck_assert_msg(st == DSN_OK, "%s: %s", c->file, dsn_strerror(st));
	ck_assert_uint_eq(res.n, c->nrec);
	ck_assert_str_eq(res.format, c->format);
	const struct dsn_record *r = &res.rec[c->idx];
	ck_assert_str_eq(r->recipient, c->recipient);
	if (c->orig_recipient)
		ck_assert_str_eq(r->orig_recipient, c->orig_recipient);
	if (c->status)
		ck_assert_str_eq(r->status, c->status);
	ck_assert_int_eq(r->replycode, c->replycode);
	ck_assert_str_eq(r->action, c->action);
	ck_assert_str_eq(r->remote_mta, c->remote_mta);
	if (c->diag_has)
		ck_assert_msg(strstr(r->diagnostic, c->diag_has) != NULL,
		    "%s: diagnostic \"%s\" lacks \"%s\"", c->file,
		    r->diagnostic, c->diag_has);
	if (c->msgid)
		ck_assert_str_eq(r->orig_message_id, c->msgid);
	ck_assert_str_eq(r->orig_queue_id, c->queue_id);
	ck_assert_str_eq(r->feedback_type, c->feedback);
	ck_assert_str_eq(taxonomy_outcome_name(r->v.outcome), c->outcome);
	if (c->reason)
		ck_assert_str_eq(taxonomy_reason_name(r->v.reason), c->reason);
}
END_TEST

START_TEST(test_not_bounce)
{
	ck_assert_int_eq(parse_file("notbounce.eml"), DSN_NOT_BOUNCE);
	ck_assert_uint_eq(res.n, 0);
}
END_TEST

START_TEST(test_folded_and_dates)
{
	ck_assert_int_eq(parse_file("rfc3464-multi.eml"), DSN_OK);
	ck_assert_int_ne(res.rec[0].last_attempt, 0);
	ck_assert_str_eq(res.rec[0].reporting_mta, "mx.sender.example");
	ck_assert_str_eq(res.rec[0].orig_from, "alice@sender.example");
	ck_assert_str_eq(res.rec[0].envelope_sender, "alice@sender.example");
	/* Folded value: one line, single spaces. */
	ck_assert_ptr_null(strchr(res.rec[0].diagnostic, '\n'));
	ck_assert_ptr_null(strstr(res.rec[0].diagnostic, "  "));
}
END_TEST

START_TEST(test_line_ends)
{
	static const char *const files[] = { "rfc3464-multi.eml", "qmail.eml",
	    "arf.eml" };
	for (int f = 0; f < 3; f++) {
		size_t len;
		char *b = slurp(files[f], &len);
		ck_assert_int_eq(dsn_parse(b, len, &opt, cl, sc, &res), DSN_OK);
		size_t n = res.n;
		char first[RB_ADDR_MAX];
		snprintf(first, sizeof(first), "%s", res.rec[0].recipient);
		for (int mode = 0; mode < 2; mode++) {
			char *o = malloc(len * 2 + 1);
			size_t j = 0;
			for (size_t i = 0; i < len; i++) {
				if (b[i] == '\n') {
					o[j++] = '\r';
					if (mode == 0)
						o[j++] = '\n';
				} else
					o[j++] = b[i];
			}
			ck_assert_int_eq(dsn_parse(o, j, &opt, cl, sc, &res),
			    DSN_OK);
			ck_assert_uint_eq(res.n, n);
			ck_assert_str_eq(res.rec[0].recipient, first);
			free(o);
		}
		free(b);
	}
}
END_TEST

/*
 * Inline messages for the stage, code and layout rules: input, records
 * expected, and the first record's recipient, status and reason (NULL:
 * not checked).  nrec 0 means "not a bounce".
 */
struct icase {
	const char *name;
	const char *msg;
	size_t nrec;
	const char *recipient;
	const char *status;
	const char *reason;
};

#define DSN_HEAD(st) \
	"From: MAILER-DAEMON@mx.sender.example\nTo: alice@sender.example\n" \
	"Subject: Returned mail: see transcript for details\n" \
	"Content-Type: multipart/report; report-type=delivery-status; " \
	"boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\n" st
#define DSN_PART(status, diag) \
	"--B\nContent-Type: message/delivery-status\n\n" \
	"Reporting-MTA: dns; mx.sender.example\n\n" \
	"Final-Recipient: rfc822; bob@rcpt.example\nAction: failed\n" \
	"Status: " status "\nDiagnostic-Code: smtp; " diag "\n--B--\n"
#define BODY_HEAD(subject) \
	"From: Mail Delivery System <MAILER-DAEMON@mx.sender.example>\n" \
	"To: alice@sender.example\nSubject: " subject "\n\n"

static const struct icase icases[] = {
	/*
	 * An X.400 gateway: the Diagnostic-Code is the X.400 reason, which
	 * says nothing; the SMTP server's words are the supplementary info.
	 */
	{ "x400 supplementary", DSN_HEAD("Your message could not be delivered.\n")
	  "--B\nContent-Type: message/delivery-status\n\n"
	  "Reporting-MTA: x400; mta gw1 in /ADMD= /C=WW/\n\n"
	  "Final-Recipient: rfc822; bob@rcpt.example\nAction: failed\n"
	  "Diagnostic-Code: Reason 1 (Unable-To-Transfer); Diagnostic -1 (Unknown)\n"
	  "Status: 5.0.0\n"
	  "X400-Supplementary-Info: \"MTA '192.0.2.1' gives error message 5.7.1 Unable to relay for bob@rcpt.example\"\n"
	  "--B--\n",
	  1, "bob@rcpt.example", NULL, "norelaying" },
	/*
	 * A failed recipient listed with its display name (CDO, Outlook),
	 * the reason in the line above: an item of the list, as the bare
	 * address is.
	 */
	{ "display name item", BODY_HEAD("Non-Delivery: hello")
	  "--- Non-Delivery Report ---\n"
	  "The email below could not be delivered to the following user:\n\n"
	  "\"Bob Rcpt\" <bob@rcpt.example>\n\nOld message:\n\nhello\n",
	  1, "bob@rcpt.example", NULL, "onhold" },
	{ "display name item, unquoted", BODY_HEAD("Non-Delivery: hello")
	  "--- Non-Delivery Report ---\n"
	  "The email below could not be delivered to the following user:\n\n"
	  "Bob Rcpt <bob@rcpt.example>\n\nOld message:\n\nhello\n",
	  1, "bob@rcpt.example", NULL, "onhold" },
	/*
	 * Exchange: no Diagnostic-Code, the reply in X-Supplementary-Info;
	 * the readable text names only the address.  Status 5.5.0 alone
	 * read as a protocol error of the sender's.
	 */
	{ "exchange supplementary", DSN_HEAD("Delivery to the following recipients failed.\n\n"
	  "       bob@rcpt.example\n\n")
	  "--B\nContent-Type: message/delivery-status\n\n"
	  "Reporting-MTA: dns; mx1.sender.example\n\n"
	  "Final-recipient: RFC822; bob@rcpt.example\nAction: failed\n"
	  "Status: 5.5.0\n"
	  "X-Supplementary-Info: < #5.5.0 smtp;550 Requested action not taken: mailbox\n"
	  " unavailable (495782920:4198:-2147467259)>\n"
	  "--B--\n",
	  1, "bob@rcpt.example", NULL, "filtered" },
	/*
	 * InterMail: its explanation, prose, labelled message/delivery-status
	 * too, before the report proper.  The report is the part with its
	 * fields; the prose is the explanation.
	 */
	{ "prose as delivery-status",
	  "From: Mail Administrator <Postmaster@rcpt.example>\nTo: alice@sender.example\n"
	  "Subject: Mail System Error - Returned Mail\n"
	  "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n"
	  "--B\nContent-Type: message/delivery-status;\n\n"
	  "This Message was undeliverable due to the following reason:\n\n"
	  "<bob@rcpt.example> mailbox is full\n\n"
	  "--B\nContent-Type: message/delivery-status\n\n"
	  "Reporting-MTA: dns; mta4.rcpt.example\n\n"
	  "Original-Recipient: rfc822;bob@rcpt.example\n"
	  "Final-Recipient: RFC822; <bob@rcpt.example>\nAction: failed\nStatus: 5.2.2\n"
	  "--B--\n",
	  1, "bob@rcpt.example", "5.2.2", "mailboxfull" },
	/*
	 * A person's reply quoting a bounce, and a forward carrying one: no
	 * failure reported, whatever the words.  A mail system's own "RE:"
	 * notice (no mail program's fields) stays a bounce.
	 */
	{ "human reply", "From: Dana Admin <dana@sender.example>\nTo: list@lists.example\n"
	  "Subject: Re: Undelivered Mail Returned to Sender\n"
	  "In-Reply-To: <bounce.1@mx.sender.example>\nUser-Agent: Mutt/2.2\n\n"
	  "Why did this bounce?\n\n"
	  "> <bob@rcpt.example>: host mx.rcpt.example[192.0.2.1] said: 550 5.1.1\n"
	  ">     <bob@rcpt.example>: Recipient address rejected: User unknown (in reply to\n"
	  ">     RCPT TO command)\n",
	  0, NULL, NULL, NULL },
	{ "human forward", "From: Dana Admin <dana@sender.example>\nTo: list@lists.example\n"
	  "Subject: Fwd: Mail System Error - Returned Mail\nUser-Agent: KMail/1.6\n"
	  "Content-Type: multipart/mixed; boundary=\"F\"\n\n"
	  "--F\nContent-Type: text/plain\n\nAnyone seen this?\n"
	  "--F\nContent-Type: message/rfc822\n\n"
	  "From: Mail Administrator <Postmaster@rcpt.example>\nTo: dana@sender.example\n"
	  "Subject: Mail System Error - Returned Mail\n"
	  "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n"
	  "--B\nContent-Type: text/plain\n\nThis Message was undeliverable.\n"
	  "--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.rcpt.example\n\n"
	  "Final-Recipient: rfc822; bob@rcpt.example\nAction: failed\nStatus: 5.1.2\n"
	  "--B--\n--F--\n",
	  0, NULL, NULL, NULL },
	/*
	 * The same forward as a list delivers it, the poster's own fields
	 * gone but the list's there; and Netscape's "[Fwd: ...]".
	 */
	{ "forward posted to a list", "From: Dana Admin <dana@sender.example>\nTo: list@lists.example\n"
	  "Subject: Fwd: Delivery reports about your email [FAILED(1)]\n"
	  "List-Id: <list.lists.example>\nPrecedence: bulk\n"
	  "Content-Type: multipart/mixed; boundary=\"F\"\n\n"
	  "--F\nContent-Type: text/plain\n\nHere is one.\n"
	  "--F\nContent-Type: message/rfc822\n\n"
	  "From: The Post Office <postmaster@rcpt.example>\nTo: dana@sender.example\n"
	  "Subject: Delivery reports about your email [FAILED(1)]\n"
	  "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n"
	  "--B\nContent-Type: text/plain\n\nThis Message was undeliverable.\n"
	  "--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.rcpt.example\n\n"
	  "Final-Recipient: rfc822; bob@rcpt.example\nAction: failed\nStatus: 5.1.1\n"
	  "--B--\n--F--\n",
	  0, NULL, NULL, NULL },
	{ "bracketed forward", "From: Dana Admin <dana@sender.example>\nTo: list@lists.example\n"
	  "Subject: [Fwd: Warning: could not send message for past 4 hours]\n"
	  "X-Mailer: Mozilla 4.74 [en] (X11; U; Linux 2.2.15 i686)\n"
	  "Content-Type: multipart/mixed; boundary=\"F\"\n\n"
	  "--F\nContent-Type: text/plain\n\nWhat does this mean?\n"
	  "--F\nContent-Type: message/rfc822\n\n"
	  "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.sender.example>\nTo: dana@sender.example\n"
	  "Subject: Warning: could not send message for past 4 hours\n"
	  "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n"
	  "--B\nContent-Type: text/plain\n\nStill trying.\n"
	  "--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.sender.example\n\n"
	  "Final-Recipient: rfc822; bob@rcpt.example\nAction: delayed\nStatus: 4.4.1\n"
	  "--B--\n--F--\n",
	  0, NULL, NULL, NULL },
	{ "system's RE: notice", "From: Dsi.internet@rcpt.example\nTo: list-bounces@lists.example\n"
	  "Subject: RE: Your message to the list awaits moderator approval : non remis\n"
	  "\t(delivery failed)\n\n"
	  "Your message could not be delivered to\nbob@rcpt.example\n",
	  1, "bob@rcpt.example", NULL, "onhold" },
	/* Sendmail with PIPELINING: the RCPT refusal shown under DATA. */
	{ "pipelined rcpt", DSN_HEAD("   ----- Transcript of session follows -----\n"
	  "... while talking to mx.rcpt.example.:\n>>> DATA\n"
	  "<<< 550 5.1.1 <bob@rcpt.example>... User unknown\n"
	  "<<< 503 5.0.0 Need RCPT (recipient)\n")
	  DSN_PART("5.1.1", "550 5.1.1 <bob@rcpt.example>... User unknown"),
	  1, "bob@rcpt.example", "5.1.1", "userunknown" },
	/*
	 * Sendmail's Diagnostic-Code holds the first line of a multi-line
	 * reply; the words that decide are on the transcript's later lines.
	 */
	{ "whole reply", DSN_HEAD("   ----- Transcript of session follows -----\n"
	  "... while talking to mx.rcpt.example.:\n>>> DATA\n"
	  "<<< 552-5.7.0 This message was blocked because its content presents a potential\n"
	  "<<< 552-5.7.0 security issue. Please review our message\n"
	  "<<< 552 5.7.0 content and attachment content guidelines.\n"
	  "554 5.0.0 Service unavailable\n")
	  DSN_PART("5.7.0", "552-5.7.0 This message was blocked because its content presents a potential"),
	  1, "bob@rcpt.example", "5.7.0", "policyviolation" },
	/* The same with runs of blanks in the reply, which the diagnostic
	 * has folded (Gmail's "[192.0.2.1       7]"). */
	{ "whole reply, blanks", DSN_HEAD("   ----- Transcript of session follows -----\n"
	  "... while talking to aspmx.l.google.com.:\n>>> DATA\n"
	  "<<< 550-5.7.1 [192.0.2.1       7] Our system has detected that this message is\n"
	  "<<< 550-5.7.1 likely unsolicited mail. To reduce the amount of spam sent to Gmail,\n"
	  "<<< 550 5.7.1 this message has been blocked.\n"
	  "554 5.0.0 Service unavailable\n")
	  DSN_PART("5.7.1", "550-5.7.1 [192.0.2.1       7] Our system has detected that this message is"),
	  1, "bob@rcpt.example", "5.7.1", "spamdetected" },
	/* The same words at DATA, no mailbox code: the content was refused. */
	{ "refused at data", DSN_HEAD("   ----- Transcript of session follows -----\n"
	  "... while talking to mx.rcpt.example.:\n>>> DATA\n"
	  "<<< 550 Unknown user bob@rcpt.example\n")
	  DSN_PART("5.2.0", "550 Unknown user bob@rcpt.example"),
	  1, "bob@rcpt.example", "5.2.0", "filtered" },
	/*
	 * Old Sendmail returns the original's header under "Message header
	 * follows": its fields (a DKIM-Signature) are not the reason.
	 */
	{ "header follows", BODY_HEAD("Returned mail: see transcript for details")
	  "   ----- The following addresses had permanent fatal errors -----\n"
	  "<bob@rcpt.example>\n    (reason: 552 5.2.2 Over quota)\n\n"
	  "   ----- Transcript of session follows -----\n"
	  "... while talking to localhost:\n>>> DATA\n<<< 552 5.2.2 Over quota\n\n"
	  "   ----- Message header follows -----\n"
	  "Return-Path: <alice@sender.example>\n"
	  "DKIM-Signature: v=1; a=rsa-sha256; d=sender.example; s=k\n"
	  "Subject: hello\n",
	  1, "bob@rcpt.example", "5.2.2", "mailboxfull" },
	/*
	 * Postfix's local agent, under an old generic 5.0.0: its own
	 * verdict ("X-Postfix;"), no remote filter, so the user is unknown.
	 */
	{ "postfix local", DSN_HEAD("<bob@rcpt.example>: unknown user: \"bob\"\n")
	  "--B\nContent-Type: message/delivery-status\n\n"
	  "Reporting-MTA: dns; mx.rcpt.example\n\n"
	  "Final-Recipient: rfc822; bob@rcpt.example\nAction: failed\n"
	  "Status: 5.0.0\nDiagnostic-Code: X-Postfix; unknown user: \"bob\"\n--B--\n",
	  1, "bob@rcpt.example", NULL, "userunknown" },
	/*
	 * Microsoft's directory said the mailbox is not there: its own
	 * lookup, proof though the report does not say at which command.
	 */
	{ "microsoft directory", DSN_HEAD("")
	  DSN_PART("5.4.1", "550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [DB5EUR03FT020.eop-EUR03.prod.protection.outlook.com]"),
	  1, "bob@rcpt.example", "5.4.1", "userunknown" },
	/*
	 * A recipient's block with no Final-Recipient, in a message whose
	 * X-Failed-Recipients names one address: the block is about it.
	 */
	{ "block without recipient", "From: postmaster@mx.rcpt.example\n"
	  "To: alice@sender.example\nX-Failed-Recipients: bob@rcpt.example\n"
	  "Subject: Undeliverable: hello\n"
	  "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n"
	  "--B\nContent-Type: text/plain\n\nDelivery has failed to these recipients.\n\n"
	  "--B\nContent-Type: message/delivery-status\n\n"
	  "Reporting-MTA: dns; mx.rcpt.example\n\nAction: failed\nStatus: 5.1.1\n\n--B--\n",
	  1, "bob@rcpt.example", "5.1.1", "userunknown" },
	/* Two failed recipients, one such block: which goes with which is a guess. */
	{ "block without recipient, two named", "From: postmaster@mx.rcpt.example\n"
	  "To: alice@sender.example\nX-Failed-Recipients: bob@rcpt.example, carol@rcpt.example\n"
	  "Subject: Undeliverable: hello\n"
	  "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n"
	  "--B\nContent-Type: text/plain\n\nDelivery has failed to these recipients.\n\n"
	  "--B\nContent-Type: message/delivery-status\n\n"
	  "Reporting-MTA: dns; mx.rcpt.example\n\nAction: failed\nStatus: 5.1.1\n\n--B--\n",
	  2, "bob@rcpt.example", NULL, "undefined" },
	/* No stage given, no x.1.x code: not proof the mailbox is dead. */
	{ "no stage", BODY_HEAD("Mail delivery failed")
	  "The following address failed:\n\n  <bob@rcpt.example>: 550 unknown user\n",
	  1, "bob@rcpt.example", NULL, "filtered" },
	{ "at rcpt", BODY_HEAD("Mail delivery failed")
	  "The following address failed:\n\n  bob@rcpt.example\n"
	  "    SMTP error from remote mail server after RCPT TO:<bob@rcpt.example>:\n"
	  "    550 unknown user\n",
	  1, "bob@rcpt.example", NULL, "userunknown" },
	/* The server's own specific code outweighs the reporter's guess. */
	{ "specific code", DSN_HEAD("")
	  DSN_PART("5.1.1", "550 5.7.1 IP address blacklisted by recipient"),
	  1, "bob@rcpt.example", "5.7.1", "blocked" },
	/* A reply whose class contradicts Status: the reply is what happened. */
	{ "reply class over status", DSN_HEAD("")
	  DSN_PART("4.5.0", "550 5.5.0 Service refused, mailbox unavailable"),
	  1, "bob@rcpt.example", "5.5.0", "blocked" },
	/* Exim gave up retrying a temporary failure: its cause, status 4. */
	{ "exim gave up", BODY_HEAD("Mail delivery failed: returning message to sender")
	  "A message that you sent could not be delivered to one or more of its\n"
	  "recipients. This is a permanent error. The following address(es) failed:\n\n"
	  "  bob@rcpt.example\n    mailbox is full: retry timeout exceeded\n",
	  1, "bob@rcpt.example", "4.0.922", "mailboxfull" },
	/* Apache James: the error first, the envelope in a list below it. */
	{ "james details", "From: post_master@rcpt.example\nTo: alice@sender.example\n"
	  "Subject: Re:Test message\n\nError: Invalid user address\n\n"
	  "Error message below:\n550 - Requested action not taken: no such user here\n\n"
	  "Message details:\n  Subject: Test message\n"
	  "  MAIL FROM: alice@sender.example\n  RCPT TO: bob@rcpt.example\n"
	  "  From: alice@sender.example\n",
	  1, "bob@rcpt.example", NULL, "userunknown" },
	/* Old Sendmail: the returned message after "Unsent message follows". */
	{ "unsent message follows", BODY_HEAD("Returned mail: Cannot send message for 4 days")
	  "   ----- Transcript of session follows -----\n"
	  "421 rcpt.example (smtp)... Deferred: Connection timed out during user open with rcpt.example\n\n"
	  "   ----- Unsent message follows -----\nReceived: by mx.sender.example\n"
	  "From: alice@sender.example\nTo: bob@rcpt.example\nSubject: hi\n\nhello\n",
	  1, "bob@rcpt.example", NULL, "expired" },
	/* Sendmail's "NNN <a@b>... reason" list, several recipients. */
	{ "sendmail list", BODY_HEAD("Returned mail: Host unknown")
	  "   ----- Transcript of session follows -----\n"
	  "550 <bob@one.example>... Host unknown (Authoritative answer)\n"
	  "550 <carol@two.example>... User unknown\n"
	  "\n   ----- Unsent message follows -----\nFrom: alice@sender.example\n",
	  2, "bob@one.example", NULL, "hostunknown" },
	/* An address alone on its line: the explanation above is its. */
	{ "list under explanation", BODY_HEAD("Mail delivery failed")
	  "The user(s) account is disabled.\n\n<bob@rcpt.example>\n",
	  1, "bob@rcpt.example", NULL, "suspend" },
	/* An address and no word of why: no record, so not a bounce. */
	{ "no failure words", BODY_HEAD("notification")
	  "Something happened to your message.\n\n"
	  "recipient address: bob@rcpt.example\n",
	  0, NULL, NULL, NULL },
	/* Neither sender nor subject say bounce; the text does. */
	{ "text says so", "From: no-reply@carrier.example\n"
	  "To: alice@sender.example\nSubject: Mail\n\n"
	  "Your mail sent on: Thu, 29 Apr 2013 00:00:00 +0900\n"
	  "     Could not be delivered to: <bob@rcpt.example>\n"
	  "     As their mailbox is full.\n",
	  1, "bob@rcpt.example", NULL, "mailboxfull" },
	/* A bounce that only wraps the real one (a relay's notice). */
	{ "wrapped bounce", BODY_HEAD("Returned mail")
	  "Content-Type: multipart/mixed; boundary=\"O\"\n\n--O\n"
	  "Content-Type: text/plain\n\nThe original message was received.\n\n--O\n"
	  "Content-Type: message/rfc822\n\n"
	  "From: MAILER-DAEMON@relay.example\nTo: alice@sender.example\n"
	  "Subject: Returned mail: User unknown\n"
	  "Content-Type: multipart/report; report-type=delivery-status; "
	  "boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\nx\n"
	  DSN_PART("5.1.1", "550 5.1.1 <bob@rcpt.example>... User unknown")
	  "--O--\n",
	  1, "bob@rcpt.example", "5.1.1", "userunknown" },
	/* PowerMTA's own per-recipient verdict: the address was refused. */
	{ "powermta category", DSN_HEAD("")
	  "--B\nContent-Type: message/delivery-status\n\n"
	  "Reporting-MTA: dns; mx.sender.example\n\n"
	  "Final-Recipient: rfc822; bob@rcpt.example\nAction: failed\n"
	  "Status: 5.2.1\nX-PowerMTA-BounceCategory: bad-mailbox\n"
	  "Diagnostic-Code: smtp; 550 5.2.1 <bob@rcpt.example>... User Unknown\n"
	  "--B--\n",
	  1, "bob@rcpt.example", "5.2.1", "userunknown" },
	/*
	 * Postfix's notice as plain text (its MIME lost on the way): the
	 * sentence that names "the attached returned message" is no cut,
	 * the recipient follows it.
	 */
	{ "postfix as text", BODY_HEAD("Undelivered Mail Returned to Sender")
	  "This is the mail system at host mx.sender.example.\n\n"
	  "If you do so, please include this problem report. You can\n"
	  "delete your own text from the attached returned message.\n\n"
	  "                   The mail system\n\n"
	  "<bob@rcpt.example>: host mx.rcpt.example[192.0.2.5] said: 550 5.1.1\n"
	  "    <bob@rcpt.example>: Recipient address rejected: User unknown (in\n"
	  "    reply to RCPT TO command)\n",
	  1, "bob@rcpt.example", "5.1.1", "userunknown" },
	/* The bounce agent copied the failed recipient into X-Original-To. */
	{ "x-original-to", "X-Original-To: <bob@rcpt.example>\n"
	  "From: MAILER-DAEMON <>\nTo: alice@sender.example\n"
	  "Subject: Mail delivery failed\n\n"
	  "There was an error delivering your mail to <bob@rcpt.example>.\n\n"
	  "mx.rcpt.example [192.0.2.25] did not like our RCPT TO:\n"
	  "550 5.2.1 <bob@rcpt.example>: Recipient address rejected: User unknown\n",
	  1, "bob@rcpt.example", "5.2.1", "userunknown" },
	/*
	 * The text names the mail's sender after "from" (a list's posting
	 * address, not the bounce's To): the party it returns to, never a
	 * failed recipient.
	 */
	{ "sender after from", BODY_HEAD("Mail Delivery Problem")
	  "Your mail from list@lists.sender.example could not be delivered "
	  "to bob@rcpt.example: 550 5.1.1 user unknown\n",
	  1, "bob@rcpt.example", NULL, "userunknown" },
	/*
	 * A gateway appended its footer to the notice ("scanned for spam
	 * and viruses ... report this email as spam"): not the reason.
	 */
	{ "gateway footer", BODY_HEAD("Undelivered Mail Returned to Sender")
	  "This is the mail system at host mx.sender.example.\n\n"
	  "<bob@rcpt.example>: host mx.rcpt.example[192.0.2.5] said: 550 5.1.1\n"
	  "    <bob@rcpt.example>: Recipient address rejected: User unknown (in\n"
	  "    reply to RCPT TO command)\n\n----------\n"
	  "This email has been scanned for spam and viruses by a gateway.\n"
	  "Visit the following link to report this email as spam: https://gw.example/r\n",
	  1, "bob@rcpt.example", "5.1.1", "userunknown" },
	/* A scan that found something is the reason, not a footer. */
	{ "scan finding", BODY_HEAD("Mail delivery failed")
	  "A message that you sent could not be delivered to one or more of\n"
	  "its recipients. This is a permanent error.\n\n"
	  "  bob@rcpt.example\n\n"
	  "This message has been scanned and rejected: a virus was detected\n"
	  "(Eicar-Test-Signature).\n",
	  1, "bob@rcpt.example", NULL, "virusdetected" },
	/*
	 * A person resends a message and quotes the bounce that made them:
	 * the words are theirs now, not a mail system's report.
	 */
	{ "quoted bounce", "From: Alice <alice@sender.example>\n"
	  "To: list@lists.rcpt.example\nSubject: [PATCH v2] fix the frobnicator\n\n"
	  "Sending again because of this notice:\n\n"
	  "Mailer Daemon wrote:\n"
	  "> A message that you sent could not be delivered to one or more of\n"
	  "> its recipients. This is a permanent error.\n>\n"
	  "> janitors@lists.rcpt.example:\n"
	  "> 550 5.7.1 Content-Policy reject msg: wrong MIME labeling\n\n"
	  "--- a/frob.c\n+++ b/frob.c\n",
	  0, NULL, NULL, NULL },
	/*
	 * A delivery program's exit ("x-unix;") in words that name no
	 * cause: that program failed, not a server.
	 */
	{ "x-unix mailer", DSN_HEAD("Delivery failed.\n")
	  "--B\nContent-Type: message/delivery-status\n\n"
	  "Reporting-MTA: dns; mx.sender.example\n\n"
	  "Final-Recipient: rfc822; bob@rcpt.example\nAction: failed\n"
	  "Status: 4.3.0\nDiagnostic-Code: x-unix; temporary failure\n--B--\n",
	  1, "bob@rcpt.example", "4.3.0", "mailererror" },
	/*
	 * Mail someone sent to their own address came back to it: qmail's
	 * "<a@b>:" block names the failed recipient, although the bounce's
	 * To: is the same address.
	 */
	{ "qmail to self", "From: MAILER-DAEMON@mx.rcpt.example\n"
	  "To: bob@rcpt.example\nSubject: failure notice\n\n"
	  "Hi. This is the qmail-send program at mx.rcpt.example.\n"
	  "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
	  "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
	  "<bob@rcpt.example>:\n192.0.2.1 does not like recipient.\n"
	  "Remote host said: 552 Error: disk quota exceeded\n"
	  "Giving up on 192.0.2.1.\n\n--- Below this line is a copy of the message.\n\n"
	  "Return-Path: <bob@rcpt.example>\nFrom: Bob <bob@rcpt.example>\n"
	  "To: bob@rcpt.example\nSubject: note to self\n\nmilk\n",
	  1, "bob@rcpt.example", NULL, "mailboxfull" },
	/*
	 * Exim: refused at MAIL FROM, before any recipient was tried; no
	 * code given, so the pseudo-code says nothing was decided for it.
	 */
	{ "exim at mail from", BODY_HEAD("Mail delivery failed: returning message to sender")
	  "This message was created automatically by mail delivery software.\n\n"
	  "A message that you sent could not be delivered to one or more of its\n"
	  "recipients. This is a permanent error. The following address(es) failed:\n\n"
	  "  bob@rcpt.example\n"
	  "    host mx.rcpt.example [192.0.2.5]\n"
	  "    SMTP error from remote mail server after MAIL FROM:<alice@sender.example> SIZE=1024:\n"
	  "    550 Unrouteable sender address\n",
	  1, "bob@rcpt.example", "5.0.901", "rejected" },
	/*
	 * Sendmail's local delivery program found no such user: said
	 * after the message was taken, but no filter speaks there.
	 */
	{ "mail.local unknown user", DSN_HEAD(
	  "   ----- The following addresses had permanent fatal errors -----\n"
	  "<bob@rcpt.example>\n\n"
	  "   ----- Transcript of session follows -----\n"
	  "mail.local: unknown user: bob\n"
	  "554 <bob@rcpt.example>... Service unavailable\n")
	  "--B\nContent-Type: message/delivery-status\n\n"
	  "Reporting-MTA: dns; mx.rcpt.example\n\n"
	  "Final-Recipient: RFC822; <bob@rcpt.example>\nAction: failed\n"
	  "Status: 5.5.0\n--B--\n",
	  1, "bob@rcpt.example", "5.5.0", "userunknown" },
	/*
	 * No code anywhere: the pseudo-code of the reason, in the
	 * convention's own numbers (relaying denied is X.0.909).
	 */
	{ "pseudo-code of a relay refusal", BODY_HEAD("Returned mail: Remote protocol error")
	  "   ----- Transcript of session follows -----\n"
	  "While talking to mx.rcpt.example:\n"
	  ">>> MAIL From:<alice@sender.example>\n"
	  "<<< 550 Insecure Mail Relay\n"
	  "554 <bob@rcpt.example>... Remote protocol error\n",
	  1, "bob@rcpt.example", "5.0.909", "norelaying" },
	/*
	 * Failed recipients listed as bullets ("* a@b") under a cause given
	 * in words above them: each a recipient, with that cause.
	 */
	{ "bulleted items", "From: Mail Delivery System "
	  "<Mail.Delivery.System@mx.sender.example>\n"
	  "To: alice@sender.example\nSubject: Delivery status notification\n\n"
	  "Delivery to the following recipients was aborted after 5.0 "
	  "hour(s):\n\n  * bob@rcpt.example\n\n"
	  "Technical details:\n\nRouting: Could not find a gateway for "
	  "bob@rcpt.example\n",
	  1, "bob@rcpt.example", NULL, "expired" },
};

START_TEST(test_inline)
{
	const struct icase *c = &icases[_i];
	char buf[4096];

	/* Each case also as CRLF and as CR: the same records. */
	for (int mode = 0; mode < 3; mode++) {
		size_t j = 0;
		for (const char *p = c->msg; *p && j + 2 < sizeof(buf); p++) {
			if (*p == '\n' && mode > 0) {
				buf[j++] = '\r';
				if (mode == 1)
					buf[j++] = '\n';
			} else
				buf[j++] = *p;
		}
		enum dsn_status st = dsn_parse(buf, j, &opt, cl, sc, &res);
		if (c->nrec == 0) {
			ck_assert_msg(st == DSN_NOT_BOUNCE && res.n == 0,
			    "%s: %zu records", c->name, res.n);
			continue;
		}
		ck_assert_msg(st == DSN_OK, "%s/%d: %s", c->name, mode,
		    dsn_strerror(st));
		ck_assert_msg(res.n == c->nrec, "%s/%d: %zu records", c->name,
		    mode, res.n);
		const struct dsn_record *r = &res.rec[0];
		ck_assert_str_eq(r->recipient, c->recipient);
		if (c->status)
			ck_assert_str_eq(r->status, c->status);
		ck_assert_msg(strcmp(taxonomy_reason_name(r->v.reason),
		    c->reason) == 0, "%s/%d: reason %s, want %s (%s)", c->name,
		    mode, taxonomy_reason_name(r->v.reason), c->reason,
		    r->diagnostic);
	}
}
END_TEST

/*
 * A notice that says everything twice (in the local language, then in
 * English): the last recipient's reason is its own, not the reasons of
 * the others named again in the repetition.
 */
START_TEST(test_repeated_notice)
{
	static const char msg[] = BODY_HEAD("Mail failure.")
	    "Ihre Nachricht konnte nicht zugestellt werden:\n\n"
	    "  bob@rcpt.example\n"
	    "    SMTP error from remote mail server after RCPT TO:<bob@rcpt.example>:\n"
	    "    550 5.2.2 <bob@rcpt.example>... Mailbox Full\n"
	    "  carol@rcpt.example\n"
	    "    SMTP error from remote mail server after RCPT TO:<carol@rcpt.example>:\n"
	    "    550 5.1.1 <carol@rcpt.example>... User Unknown\n\n"
	    "A message that you sent could not be delivered to one or more of its\n"
	    "recipients. The following address(es) failed:\n\n"
	    "  bob@rcpt.example\n"
	    "    SMTP error from remote mail server after RCPT TO:<bob@rcpt.example>:\n"
	    "    550 5.2.2 <bob@rcpt.example>... Mailbox Full\n"
	    "  carol@rcpt.example\n"
	    "    SMTP error from remote mail server after RCPT TO:<carol@rcpt.example>:\n"
	    "    550 5.1.1 <carol@rcpt.example>... User Unknown\n\n"
	    "------ This is a copy of the message, including all the headers. ------\n\n"
	    "From: alice@sender.example\nTo: bob@rcpt.example\nSubject: hi\n";

	ck_assert_int_eq(dsn_parse(msg, sizeof(msg) - 1, &opt, cl, sc, &res),
	    DSN_OK);
	ck_assert_uint_eq(res.n, 2);
	ck_assert_str_eq(res.rec[0].recipient, "bob@rcpt.example");
	ck_assert_str_eq(taxonomy_reason_name(res.rec[0].v.reason), "mailboxfull");
	ck_assert_str_eq(res.rec[1].recipient, "carol@rcpt.example");
	ck_assert_str_eq(taxonomy_reason_name(res.rec[1].v.reason), "userunknown");
	ck_assert_ptr_null(strstr(res.rec[1].diagnostic, "Mailbox Full"));
}
END_TEST

/*
 * A notice of one short line, then the returned message: the marker is
 * a cut however near the start, once a line comes before it.  The reason
 * ends at the marker and the original's Message-ID is found.  With no
 * marker, the returned header block is the cut.  A marker that opens the
 * text is its explanation, not a cut.
 */
START_TEST(test_short_notice)
{
	static const char msg[] = BODY_HEAD("Undeliverable Mail")
	    "Unknown user: bob@rcpt.example\n\n\n"
	    "Original message follows.\n\n"
	    "Received: from mx.sender.example by mx.sender.example\n"
	    "Message-ID: <own-7@sender.example>\n"
	    "From: alice@sender.example\nTo: bob@rcpt.example\n"
	    "Subject: hi\n\nhello\n";
	/* No marker: the returned headers follow the reason (Zoho). */
	static const char headers[] = BODY_HEAD("Undelivered Mail")
	    "A message that you sent could not be delivered.\n\n"
	    "bob@rcpt.example Invalid Address, ERROR_CODE :550, "
	    "ERROR_CODE :5.1.1 User Unknown\n\n\n"
	    "Received:from mx.sender.example by mx.rcpt.example\n"
	    "\twith SMTP id 42; Fri, 12 Dec 2014 02:46:23 -0800\n"
	    "Message-ID:<own-8@sender.example>\n"
	    "From:Alice <alice@sender.example>\n"
	    "To:<carol@rcpt.example>\nSubject:hi\n";
	static const char first[] = BODY_HEAD("Undeliverable Mail")
	    "\nThis is a copy of the message that could not be delivered to\n"
	    "bob@rcpt.example: 550 5.1.1 User unknown\n";

	const struct dsn_record *r;

	r = one_record(msg, sizeof(msg) - 1, "bob@rcpt.example");
	ck_assert_str_eq(r->diagnostic, "Unknown user: bob@rcpt.example");
	ck_assert_str_eq(r->orig_message_id, "<own-7@sender.example>");

	r = one_record(headers, sizeof(headers) - 1, "bob@rcpt.example");
	ck_assert_str_eq(r->diagnostic, "bob@rcpt.example Invalid "
	    "Address, ERROR_CODE :550, ERROR_CODE :5.1.1 User Unknown");
	ck_assert_str_eq(r->orig_message_id, "<own-8@sender.example>");

	r = one_record(first, sizeof(first) - 1, "bob@rcpt.example");
	ck_assert_str_eq(taxonomy_reason_name(r->v.reason), "userunknown");
}
END_TEST

/*
 * A notice that says it is a bounce and lists a failed recipient under a
 * cause given in words no rule knows: one record, on hold, for review,
 * never suppressed.  The same words from a sender and under a subject
 * that do not say "bounce" give nothing, and neither does an address in a
 * line of the notice's own words ("target mail address: a@b").
 */
START_TEST(test_cause_unknown)
{
	static const char listed[] =
	    "From: postmaster@mx.rcpt.example\n"
	    "To: alice@sender.example\nSubject: Undeliverable message\n\n"
	    "------- Failure Reasons  --------\n\n"
	    "Fehler beim Zustellen (Testnachricht)\nbob@rcpt.example\n\n"
	    "------- Returned Message --------\n"
	    "Message-ID: <own-9@sender.example>\n"
	    "From: alice@sender.example\nTo: bob@rcpt.example\n"
	    "Subject: hi\n\nhello\n";
	static const char plain[] =
	    "From: carol@friend.example\n"
	    "To: alice@sender.example\nSubject: news\n\n"
	    "------- Failure Reasons  --------\n\n"
	    "Fehler beim Zustellen (Testnachricht)\nbob@rcpt.example\n\n"
	    "------- Returned Message --------\n"
	    "From: alice@sender.example\nTo: bob@rcpt.example\n"
	    "Subject: hi\n\nhello\n";
	static const char labelled[] =
	    "From: postmaster@mx.rcpt.example\n"
	    "To: alice@sender.example\nSubject: Undeliverable message\n\n"
	    "Fehler beim Zustellen (Testnachricht)\n"
	    "target mail address: bob@rcpt.example\n\n"
	    "------- Returned Message --------\n"
	    "From: alice@sender.example\nTo: bob@rcpt.example\n"
	    "Subject: hi\n\nhello\n";

	const struct dsn_record *r = one_record(listed, sizeof(listed) - 1,
	    "bob@rcpt.example");
	ck_assert_str_eq(taxonomy_reason_name(r->v.reason), "onhold");
	ck_assert_str_eq(taxonomy_action_name(r->v.action), "review");
	ck_assert_int_eq(r->v.hardbounce, 0);
	ck_assert_str_eq(r->status, "5.0.901");
	ck_assert_str_eq(r->orig_message_id, "<own-9@sender.example>");

	no_record(plain, sizeof(plain) - 1);
	no_record(labelled, sizeof(labelled) - 1);
}
END_TEST

/*
 * Records without a Diagnostic-Code.  The comment of "Status: 4.0.0
 * (two.example: host name lookup failure)" is the reporter's word on it
 * when the readable text does not name that recipient; and a readable
 * text that names only the other recipients of the report is not read
 * into this one.  A status block pasted into a plain text takes its words
 * from the lines above the block, never from the block itself.
 */
START_TEST(test_words_without_diagnostic)
{
	static const char comment[] =
	    "From: MAILER-DAEMON@mx.sender.example\n"
	    "To: alice@sender.example\nSubject: Returned mail\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    " boundary=\"B\"\n\n"
	    "--B\nContent-Type: text/plain\n\n"
	    "The following addresses had delivery problems:\n"
	    "<bob@one.example> (unrecoverable error)\n\n"
	    "--B\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.sender.example\n\n"
	    "Final-Recipient: rfc822; bob@one.example\n"
	    "Action: failed\nStatus: 5.1.1\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 user unknown\n\n"
	    "Final-Recipient: rfc822; carol@two.example\n"
	    "Action: delayed\n"
	    "Status: 4.0.0 (two.example: host name lookup failure)\n\n"
	    "--B--\n";
	static const char pasted[] =
	    "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.sender.example>\n"
	    "To: alice@sender.example\nSubject: Returned mail: Service "
	    "unavailable\n\n"
	    "   ----- The following addresses had permanent fatal errors "
	    "-----\n"
	    "\"|/usr/bin/procmail -f-\"\n"
	    "    (expanded from: <dave@sender.example>)\n\n"
	    "   ----- Transcript of session follows -----\n"
	    "554 \"|/usr/bin/procmail -f-\"... Service unavailable\n\n"
	    "Reporting-MTA: dns; mx.sender.example\n\n"
	    "Final-Recipient: RFC822; dave@mx.sender.example\n"
	    "Action: failed\nStatus: 5.5.0\n\n"
	    "From: alice@sender.example\nTo: dave@sender.example\n"
	    "Subject: hi\n\nhello\n";

	ck_assert_int_eq(dsn_parse(comment, sizeof(comment) - 1, &opt, cl, sc,
	    &res), DSN_OK);
	ck_assert_uint_eq(res.n, 2);
	const struct dsn_record *r = &res.rec[1];
	ck_assert_str_eq(r->recipient, "carol@two.example");
	ck_assert_str_eq(r->diagnostic, "two.example: host name lookup failure");
	ck_assert_str_eq(taxonomy_reason_name(r->v.reason), "networkerror");
	ck_assert_str_eq(taxonomy_action_name(r->v.action), "retry");

	/*
	 * The readable text names each recipient with its own words, one
	 * section after another: a delayed one without a Diagnostic-Code
	 * takes its own line, not the next recipient's failure.
	 */
	static const char sections[] =
	    "From: MAILER-DAEMON@mx.sender.example\n"
	    "To: alice@sender.example\nSubject: Partially delivered message\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    " boundary=\"B\"\n\n"
	    "--B\nContent-Type: text/plain\n\n"
	    "    ----- There was a temporary problem delivering to these addresses -----\n"
	    "<john@two.example> (connection to 'mx.two.example' failed: Connection timeout)\n\n"
	    "    ----- Delivery to the following addresses failed -----\n"
	    "<ann@one.example> (host 'mx.one.example' rejected command 'RCPT TO:<ann@one.example>' with code 550 (5.1.1) 'User does not exist')\n\n"
	    "--B\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.sender.example\n\n"
	    "Final-Recipient: rfc822; ann@one.example\n"
	    "Action: failed\nStatus: 5.1.1\n"
	    "Diagnostic-Code: smtp; 550 User does not exist\n\n"
	    "Final-Recipient: rfc822; john@two.example\n"
	    "Action: delayed\nStatus: 4.0.0\n\n"
	    "--B--\n";
	ck_assert_int_eq(dsn_parse(sections, sizeof(sections) - 1, &opt, cl, sc,
	    &res), DSN_OK);
	ck_assert_uint_eq(res.n, 2);
	r = &res.rec[1];
	ck_assert_str_eq(r->recipient, "john@two.example");
	ck_assert_msg(strstr(r->diagnostic, "ann@") == NULL &&
	    strstr(r->diagnostic, "Connection timeout") != NULL, "%s",
	    r->diagnostic);
	ck_assert_str_eq(r->status, "4.0.0");
	ck_assert_str_eq(taxonomy_reason_name(r->v.reason), "networkerror");

	r = one_record(pasted, sizeof(pasted) - 1, "dave@mx.sender.example");
	ck_assert_msg(strstr(r->diagnostic, "procmail") != NULL, "%s",
	    r->diagnostic);
	ck_assert_msg(strstr(r->diagnostic, "Final-Recipient") == NULL, "%s",
	    r->diagnostic);
	ck_assert_str_eq(taxonomy_reason_name(r->v.reason), "mailererror");
	ck_assert_int_eq(r->v.hardbounce, 0);
}
END_TEST

/*
 * Feedback reports: an opt-out report names who opted out in
 * Removal-Recipient; a provider that redacts the complainant
 * ("redacted@example.net") or names nobody has its complaint counted, but
 * nothing is suppressed.
 */
START_TEST(test_feedback_recipients)
{
/* A report with these fields, returning the original as the part given. */
#define ARF_RETURNING(fields, returned) \
	"From: fbl@isp.example\nTo: abuse@sender.example\n" \
	"Subject: complaint\nMIME-Version: 1.0\n" \
	"Content-Type: multipart/report; report-type=feedback-report;\n" \
	" boundary=\"F\"\n\n" \
	"--F\nContent-Type: text/plain\n\nA complaint.\n\n" \
	"--F\nContent-Type: message/feedback-report\n\n" fields "\n" \
	"--F\n" returned "--F--\n"
#define ARF(fields) ARF_RETURNING(fields, \
	"Content-Type: text/rfc822-headers\n\n" \
	"From: news@sender.example\nTo: someone@isp.example\n" \
	"Message-ID: <n-1@sender.example>\nSubject: news\n\n")
	static const char optout[] = ARF("Feedback-Type: opt-out\n"
	    "User-Agent: fbl/1.0\nVersion: 1\n"
	    "Removal-Recipient: carol@isp.example\n");
	static const char redacted[] = ARF("Feedback-Type: abuse\n"
	    "User-Agent: fbl/1.0\nVersion: 1\n"
	    "Original-Rcpt-To: undisclosed recipient <redacted@isp.example>\n");

	const struct dsn_record *r = one_record(optout, sizeof(optout) - 1,
	    "carol@isp.example");
	ck_assert_str_eq(r->feedback_type, "opt-out");
	ck_assert_str_eq(taxonomy_action_name(r->v.action), "suppress");

	r = one_record(redacted, sizeof(redacted) - 1, "redacted@isp.example");
	ck_assert_str_eq(taxonomy_outcome_name(r->v.outcome), "complaint");
	ck_assert_str_eq(taxonomy_action_name(r->v.action), "none");
	/* A redacted report of this system's failing DMARC still says so. */
	static const char redacted_auth[] = ARF("Feedback-Type: auth-failure\n"
	    "User-Agent: fbl/1.0\nVersion: 1\nAuth-Failure: dmarc\n"
	    "Original-Rcpt-To: redacted@isp.example\n");
	r = one_record(redacted_auth, sizeof(redacted_auth) - 1,
	    "redacted@isp.example");
	ck_assert_str_eq(taxonomy_category_name(r->v.category), "authentication");
	ck_assert_str_eq(taxonomy_action_name(r->v.action), "fix-sender");

	/*
	 * No Original-Rcpt-To: the mailbox the provider delivered to, its
	 * Delivered-To above the returned message's first Received, not the
	 * To the sender wrote; one below a Received is a list's on the way.
	 */
	static const char delivered[] = ARF_RETURNING("Feedback-Type: abuse\n"
	    "User-Agent: fbl/1.0\nVersion: 1\n",
	    "Content-Type: message/rfc822\n\n"
	    "Delivered-To: ivy@isp.example\n"
	    "Received: from mx.sender.example by mx.isp.example; Mon, 7 Sep 2015 08:58:04 -0700\n"
	    "From: news@sender.example\nTo: news@sender.example\n"
	    "Message-ID: <n-2@sender.example>\nSubject: news\n\nhello\n");
	r = one_record(delivered, sizeof(delivered) - 1, "ivy@isp.example");
	ck_assert_str_eq(taxonomy_action_name(r->v.action), "suppress");
	static const char via_list[] = ARF_RETURNING("Feedback-Type: abuse\n"
	    "User-Agent: fbl/1.0\nVersion: 1\n",
	    "Content-Type: text/rfc822-headers\n\n"
	    "Received: from lists.sender.example by mx.isp.example; Mon, 7 Sep 2015 08:58:04 -0700\n"
	    "Delivered-To: list@lists.sender.example\n"
	    "From: news@sender.example\nTo: jack@isp.example\n"
	    "Message-ID: <n-3@sender.example>\nSubject: news\n\n");
	r = one_record(via_list, sizeof(via_list) - 1, "jack@isp.example");

	/*
	 * Exim's DMARC failure report, text only, marked auto-replied: this
	 * system's (or a forger's) DMARC failing, not someone away.
	 */
	static const char forensic[] =
	    "From: no-reply@mailgate.isp.example\nTo: dmarc@sender.example\n"
	    "Subject: DMARC Forensic Report for sender.example from IP 203.0.113.68\n"
	    "Auto-Submitted: auto-replied\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/report; boundary=\"D\"\n\n"
	    "--D\nContent-Type: text/plain; charset=\"us-ascii\"\n\n"
	    "A message claiming to be from you has failed the published DMARC policy for your domain.\n\n"
	    "  Sender Domain: sender.example\n  SPF Alignment: no\n  DKIM Alignment: no\n\n"
	    "------ This is a copy of the headers that were received before the error was detected.\n\n"
	    "Received: from [203.0.113.68] by mailgate.isp.example with esmtp (Exim 4.92)\n"
	    "From: <news@sender.example>\nSubject: Payment\n"
	    "Message-Id: <f-1@sender.example>\nTo: <kim@isp.example>\n\n"
	    "--D--\n";
	r = one_record(forensic, sizeof(forensic) - 1, "kim@isp.example");
	ck_assert_str_eq(taxonomy_outcome_name(r->v.outcome), "complaint");
	ck_assert_str_eq(r->feedback_type, "auth-failure");
	ck_assert_str_eq(taxonomy_category_name(r->v.category), "authentication");
	ck_assert_str_eq(taxonomy_action_name(r->v.action), "fix-sender");

	/*
	 * As Notes exports a report: a line of one blank where each header
	 * block's empty line belongs, the top one's and the parts' (the
	 * report's fields follow their part's "blank" line directly).
	 */
	static const char notes[] =
	    "MIME-Version: 1.0\nSubject: DMARC Failure Report for sender.example\n"
	    "From: dmarc-report@relay.example\nTo: dmarc-report@sender.example\n"
	    "X-Notes-Item: Memo;\n name=Form\n"
	    "Content-Type: multipart/report; report-type=feedback-report;\n"
	    "    boundary=\"N\"\n \n"
	    "--N\nContent-Type: text/plain; charset=\"US-ASCII\"\n \n"
	    "This is an email abuse report for an email message received from IP 192.0.2.10.\n \n"
	    "--N\nContent-Type: message/feedback-report; name=report\n \n"
	    "Feedback-Type: auth-failure\nUser-Agent: Lua/1.0\nVersion: 1.0\n"
	    "Original-Mail-From: app@sender.example\n"
	    "Original-Rcpt-To: lee@sender.example\nAuth-Failure: dmarc\n \n"
	    "--N\nContent-Type: message/rfc822\n \n"
	    "From: <app@sender.example>\nTo: <lee@sender.example>\nSubject: Subject\n"
	    "Message-ID: <n-1@relay.example>\n \nhello\n \n--N--\n";
	r = one_record(notes, sizeof(notes) - 1, "lee@sender.example");
	ck_assert_str_eq(r->feedback_type, "auth-failure");
	ck_assert_str_eq(taxonomy_category_name(r->v.category), "authentication");
	ck_assert_str_eq(taxonomy_action_name(r->v.action), "fix-sender");
	/* A line of blanks with a field after it is a fold: the header goes on. */
	static const char fold[] =
	    "From: MAILER-DAEMON@mx.example\nTo: app@sender.example\n"
	    "Subject: Undelivered Mail Returned to Sender\n \n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"F\"\n\n"
	    "--F\nContent-Type: text/plain\n\nYour message could not be delivered.\n\n"
	    "--F\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example\n\n"
	    "Final-Recipient: rfc822; kai@isp.example\nAction: failed\nStatus: 5.1.1\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 <kai@isp.example>: User unknown\n\n--F--\n";
	r = one_record(fold, sizeof(fold) - 1, "kai@isp.example");
	ck_assert_str_eq(r->status, "5.1.1");
	ck_assert_str_eq(taxonomy_action_name(r->v.action), "suppress");

	/*
	 * Reports that are no one's wish to stop: this system's DMARC
	 * failing (RFC 6591), a virus, a message marked as not spam.
	 */
	static const struct { const char *msg, *rcpt, *category, *action; }
	    t[] = {
		{ ARF("Feedback-Type: auth-failure\nUser-Agent: fbl/1.0\n"
		    "Version: 1\nAuth-Failure: dmarc\n"
		    "Original-Rcpt-To: dan@isp.example\n"),
		  "dan@isp.example", "authentication", "fix-sender" },
		{ ARF("Feedback-Type: virus\nUser-Agent: fbl/1.0\nVersion: 1\n"
		    "Original-Rcpt-To: erin@isp.example\n"),
		  "erin@isp.example", "content", "fix-sender" },
		{ ARF("Feedback-Type: not-spam\nUser-Agent: fbl/1.0\n"
		    "Version: 1\nOriginal-Rcpt-To: fay@isp.example\n"),
		  "fay@isp.example", "complaint", "none" },
		{ ARF("Feedback-Type: abuse\nUser-Agent: fbl/1.0\nVersion: 1\n"
		    "Original-Rcpt-To: gus@isp.example\n"),
		  "gus@isp.example", "complaint", "suppress" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = one_record(t[i].msg, strlen(t[i].msg), t[i].rcpt);
		ck_assert_str_eq(taxonomy_outcome_name(r->v.outcome), "complaint");
		ck_assert_str_eq(taxonomy_reason_name(r->v.reason), "feedback");
		ck_assert_str_eq(taxonomy_category_name(r->v.category),
		    t[i].category);
		ck_assert_str_eq(taxonomy_action_name(r->v.action), t[i].action);
	}
#undef ARF
#undef ARF_RETURNING
}
END_TEST

/*
 * Which address a record names: the Original-Recipient (what this system
 * sent to) over a Final-Recipient that is the receiving side's internal
 * name for it, but the Final-Recipient when it is a mail address of its
 * own (an alias's member: the alias may have others); the mail address
 * inside Exchange 5.5's X.400 words, not "SMTP=bob@...".
 */
START_TEST(test_which_address)
{
	static const char rewritten[] =
	    "From: MAILER-DAEMON@mx.one.example\n"
	    "To: alice@sender.example\nSubject: Undelivered Mail\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    " boundary=\"B\"\n\n"
	    "--B\nContent-Type: text/plain\n\nCould not deliver.\n\n"
	    "--B\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.one.example\n\n"
	    "Final-Recipient: rfc822; bob@mailcluster.local\n"
	    "Original-Recipient: rfc822;bob@one.example\n"
	    "Action: failed\nStatus: 5.1.1\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 user unknown\n\n"
	    "--B--\n";
	static const char x400[] =
	    "From: System Administrator <postmaster@ikon.example>\n"
	    "To: alice@sender.example\nSubject: Undeliverable: hello\n\n"
	    "Your message did not reach some or all of the intended "
	    "recipients.\n\n"
	    "did not reach the following recipient(s):\n\n"
	    "c=US;a= ;p=IKON;o=Nexus2;dda:SMTP=bob@Two.EXAMPLE; on Fri, 4 Oct "
	    "2002 17:12:28 -0400\n"
	    "    The recipient name is not recognized\n";

	const struct dsn_record *r = one_record(rewritten,
	    sizeof(rewritten) - 1, "bob@one.example");
	ck_assert_str_eq(r->orig_recipient, "bob@mailcluster.local");
	ck_assert_str_eq(taxonomy_reason_name(r->v.reason), "userunknown");

	static const char expanded[] =
	    "From: MAILER-DAEMON@mx.one.example\n"
	    "To: alice@sender.example\nSubject: Undelivered Mail\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    " boundary=\"B\"\n\n"
	    "--B\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.one.example\n\n"
	    "Final-Recipient: rfc822; carol@one.example\n"
	    "Original-Recipient: rfc822;team@one.example\n"
	    "Action: failed\nStatus: 5.1.1\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 user unknown\n\n"
	    "--B--\n";
	r = one_record(expanded, sizeof(expanded) - 1, "carol@one.example");
	ck_assert_str_eq(r->orig_recipient, "team@one.example");

	r = one_record(x400, sizeof(x400) - 1, "bob@two.example");
	ck_assert_str_eq(taxonomy_reason_name(r->v.reason), "userunknown");
}
END_TEST

/*
 * qmail: an address heading no reason lines ("<bob@rcpt.example>:") is
 * still a failed recipient, on hold for review; its separator "--- Below
 * this line is a copy of the message." ends the report whatever follows
 * it, so an address in the copy is nobody's failure.  And an unknown user
 * whose report does not say at which command is review, not a fault of
 * the sender.
 */
START_TEST(test_qmail_items)
{
#define QMAIL_HEAD "From: MAILER-DAEMON@mx.sender.example\n" \
	"To: alice@sender.example\nSubject: failure notice\n\n" \
	"Hi. This is the qmail-send program at mx.sender.example.\n" \
	"I'm afraid I wasn't able to deliver your message to the following " \
	"addresses.\nThis is a permanent error; I've given up. Sorry it " \
	"didn't work out.\n\n<bob@rcpt.example>:\n"
	static const char bare[] = QMAIL_HEAD "\n"
	    "--- Below this line is a copy of the message.\n\n"
	    "Message removed by the list software.\n\n<decoy@other.example>:\n"
	    "550 5.1.1 user unknown\n";
	static const char nostage[] = QMAIL_HEAD "No such user here.\n\n"
	    "--- Below this line is a copy of the message.\n\n"
	    "Original message removed.\n";
	/* qmail-remote names the command: "does not like recipient." */
	static const char atrcpt[] = QMAIL_HEAD
	    "192.0.2.7 does not like recipient.\n"
	    "Remote host said: 550 <bob@rcpt.example>: User unknown\n"
	    "Giving up on 192.0.2.7.\n\n"
	    "--- Below this line is a copy of the message.\n\n"
	    "Original message removed.\n";
	static const char nohost[] = QMAIL_HEAD
	    "Sorry, I couldn't find any host by that name.\n\n"
	    "--- Below this line is a copy of the message.\n\n"
	    "Original message removed.\n";
#undef QMAIL_HEAD

	const struct dsn_record *r = one_record(bare, sizeof(bare) - 1,
	    "bob@rcpt.example");
	ck_assert_str_eq(taxonomy_reason_name(r->v.reason), "onhold");
	ck_assert_str_eq(taxonomy_action_name(r->v.action), "review");
	r = one_record(nostage, sizeof(nostage) - 1, "bob@rcpt.example");
	ck_assert_str_eq(taxonomy_reason_name(r->v.reason), "filtered");
	ck_assert_str_eq(taxonomy_category_name(r->v.category),
	    "invalid-address");
	ck_assert_str_eq(taxonomy_action_name(r->v.action), "review");
	r = one_record(atrcpt, sizeof(atrcpt) - 1, "bob@rcpt.example");
	ck_assert_str_eq(taxonomy_reason_name(r->v.reason), "userunknown");
	ck_assert_str_eq(taxonomy_action_name(r->v.action), "suppress");
	r = one_record(nohost, sizeof(nohost) - 1, "bob@rcpt.example");
	ck_assert_str_eq(taxonomy_reason_name(r->v.reason), "hostunknown");
}
END_TEST

/*
 * Old Sendmail lists no failed addresses: each recipient's summary line
 * ("554 <a@b>... Remote protocol error") closes the transcript about it,
 * above it.  Its verdict comes from there, not from the next recipient's
 * lines below ("550 host (smtp)... 550 Host unknown"), which would
 * suppress it.
 */
START_TEST(test_sendmail_v5)
{
	static const char msg[] = BODY_HEAD("Returned mail: User unknown")
	    "   ----- Transcript of session follows -----\n"
	    "While talking to mx.one.example:\n"
	    ">>> MAIL From:<alice@sender.example>\n"
	    "<<< 501 <alice@sender.example>... no access from mail server "
	    "[192.0.2.55] which is an open relay.\n"
	    "554 <bob@one.example>... Remote protocol error\n"
	    "550 two.example (smtp)... 550 Host unknown\n"
	    "554 <carol@two.example>... 550 Host unknown (Authoritative "
	    "answer from name server)\n\n"
	    "   ----- Unsent message follows -----\n"
	    "From: alice@sender.example\nTo: bob@one.example\n"
	    "Subject: hi\n\nhello\n";

	ck_assert_int_eq(dsn_parse(msg, sizeof(msg) - 1, &opt, cl, sc, &res),
	    DSN_OK);
	ck_assert_uint_eq(res.n, 2);
	ck_assert_str_eq(res.rec[0].recipient, "bob@one.example");
	ck_assert_str_eq(taxonomy_reason_name(res.rec[0].v.reason), "blocked");
	ck_assert_int_ne(res.rec[0].v.action, RB_ACTION_SUPPRESS);
	ck_assert_ptr_nonnull(strstr(res.rec[0].diagnostic, "open relay"));
	ck_assert_ptr_null(strstr(res.rec[0].diagnostic, "Host unknown"));
	ck_assert_str_eq(res.rec[1].recipient, "carol@two.example");
	ck_assert_str_eq(taxonomy_reason_name(res.rec[1].v.reason),
	    "hostunknown");
}
END_TEST

/*
 * A Message-ID has the shape of an address but names no mailbox: quoted
 * in a transcript of the session (MDaemon), it is never the recipient.
 */
START_TEST(test_message_id_not_address)
{
	static const char msg[] =
	    "From: MDaemon@mx.sender.example\nTo: alice@sender.example\n"
	    "Subject: Permanent Delivery Failure\n\n"
	    "The attached message had PERMANENT fatal delivery errors!\n\n"
	    "----- Session Transcript -----\n"
	    " Mon 2024-01-01 10:00:00: *  From: alice@sender.example\n"
	    " Mon 2024-01-01 10:00:00: *  To: bob@rcpt.example\n"
	    " Mon 2024-01-01 10:00:00: *  Subject: report\n"
	    " Mon 2024-01-01 10:00:00: *  Message-ID: <own-77@sender.example>\n"
	    " Mon 2024-01-01 10:00:01: --> RCPT To:<bob@rcpt.example>\n"
	    " Mon 2024-01-01 10:00:01: <-- 550 5.1.1 <bob@rcpt.example>: "
	    "Recipient address rejected: User unknown\n"
	    "----- End of Session Transcript -----\n";

	const struct dsn_record *r = one_record(msg, sizeof(msg) - 1,
	    "bob@rcpt.example");
	ck_assert_str_eq(taxonomy_reason_name(r->v.reason), "userunknown");
}
END_TEST

/*
 * A report of deliveries only (Action: relayed) is a delivery, though it
 * comes from the mailer daemon: outcome delivered, action none, the
 * status its own, not a failure read into it from the text.
 */
START_TEST(test_success_report)
{
	static const char msg[] =
	    "From: Mail Delivery System <MAILER-DAEMON@mx.sender.example>\n"
	    "To: alice@sender.example\n"
	    "Subject: Successful Mail Delivery Report\n"
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\n"
	    "Your message was successfully delivered to the destination(s)\n"
	    "listed below.\n\n"
	    "<bob@rcpt.example>: delivery via mx.rcpt.example[192.0.2.10]:25: "
	    "250 2.0.0 Ok: queued as ABC\n\n"
	    "--B\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.sender.example\n\n"
	    "Final-Recipient: rfc822; bob@rcpt.example\nAction: relayed\n"
	    "Status: 2.0.0\n--B--\n";

	const struct dsn_record *r = one_record(msg, sizeof(msg) - 1,
	    "bob@rcpt.example");
	ck_assert_int_eq(r->v.outcome, RB_OUTCOME_DELIVERED);
	ck_assert_str_eq(taxonomy_reason_name(r->v.reason), "delivered");
	ck_assert_str_eq(taxonomy_action_name(r->v.action), "none");
	ck_assert_str_eq(r->status, "2.0.0");
	ck_assert_int_eq(r->v.hardbounce, 0);
}
END_TEST

/*
 * Automatic answers that are no failure: an acknowledgement sent by
 * machine with no Auto-Submitted field (only its subject says so), and a
 * challenge-response filter's report that holds the message until the
 * sender proves itself a person.  Neither is retried or escalated.
 */
START_TEST(test_automatic_answers)
{
	static const char thanks[] =
	    "From: John Smith <john@help.example>\n"
	    "To: <bounces+x@sender.example>\n"
	    "Subject: Thank you for your e-mail\nPrecedence: bulk\n\n"
	    "Thank you for your e-mail.\n"
	    "I will endeavour to reply as soon as possible.\n";
	static const char challenge[] =
	    "From: noreply@cr.example\nTo: alice@sender.example\n"
	    "Subject: Re: hello\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\n"
	    "Your message has been waitlisted.\n\n"
	    "--B\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; cr.example\n\n"
	    "Final-Recipient: rfc822; bob@rcpt.example\nAction: failed\n"
	    "Diagnostic-Code: X-Notice; Sender not pre-approved.  Follow "
	    "instructions in above notice\nStatus: 4.7.0\n--B--\n";

	/* The same in Polish, its subject still encoded. */
	static const char polish[] =
	    "From: Jan <jan@wp.example>\nTo: bob@sender.example\n"
	    "Subject: [Automatyczna =?iso-8859-2?Q?odpowied=BC?=] test\n"
	    "Precedence: junk\n\nJestem na urlopie.\n";

	/*
	 * An automatic answer from nobody that is a bounce in its words:
	 * read as one, for the address it names, not as someone away.
	 */
	static const char from_nobody[] =
	    "From: <>\nTo: bounces@sender.example\nSubject: Re: hello\n"
	    "Auto-Submitted: auto-replied\n\n"
	    "You sent mail to sarah@rcpt.example. That's not a valid user "
	    "here.\n";

	const struct dsn_record *r = one_record(from_nobody,
	    sizeof(from_nobody) - 1, "sarah@rcpt.example");
	ck_assert_int_eq(r->v.outcome, RB_OUTCOME_BOUNCED);
	ck_assert_str_eq(taxonomy_reason_name(r->v.reason), "filtered");
	r = one_record(thanks, sizeof(thanks) - 1, "john@help.example");
	ck_assert_int_eq(r->v.outcome, RB_OUTCOME_AUTOREPLY);
	r = one_record(polish, sizeof(polish) - 1, "jan@wp.example");
	ck_assert_int_eq(r->v.outcome, RB_OUTCOME_AUTOREPLY);
	r = one_record(challenge, sizeof(challenge) - 1, "bob@rcpt.example");
	ck_assert_str_eq(taxonomy_category_name(r->v.category), "auto-reply");
	ck_assert_str_eq(taxonomy_action_name(r->v.action), "none");
	ck_assert_int_eq(r->v.hardbounce, 0);
}
END_TEST

/*
 * A recipient is written as the log and the milter see it: domain in
 * lower case, local part as sent ("Bob.Smith@Rcpt.Example" was sent to
 * Bob.Smith@rcpt.example; the store folds it further only if told to).
 * A Final-Recipient with no domain gives way to an Original-Recipient
 * that has one, and an x400 address is no recipient unless it holds a
 * mail address.
 */
START_TEST(test_address_case)
{
	static const char mixed[] = DSN_HEAD("")
	    "--B\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.sender.example\n\n"
	    "Final-Recipient: rfc822; <Bob.Smith@Rcpt.Example>\n"
	    "Action: failed\nStatus: 5.1.1\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 User unknown\n--B--\n";
	static const char local[] = DSN_HEAD("")
	    "--B\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.sender.example\n\n"
	    "Original-Recipient: rfc822; bob@rcpt.example\n"
	    "Final-Recipient: rfc822; bob\n"
	    "Action: failed\nStatus: 5.1.1\n"
	    "Diagnostic-Code: x-postfix; unknown user: \"bob\"\n--B--\n";
	static const char x400[] = DSN_HEAD("")
	    "--B\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.sender.example\n\n"
	    "Final-Recipient: x400; /C=US/ADMD=/PRMD=rcpt/O=Example/S=Smith/\n"
	    "Action: failed\nStatus: 5.1.1\n--B--\n";

	/* One that holds a mail address: Exchange's, RFC 2156's escapes. */
	static const char x400_dda[] = DSN_HEAD("")
	    "--B\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.sender.example\n\n"
	    "Final-Recipient: X400; /dda:SMTP=Carol@Rcpt.Example/O=Ex/\n"
	    "Action: failed\nStatus: 5.1.1\n\n"
	    "Final-Recipient: x400; /C=US/RFC-822=dan(u)lee(a)rcpt.example/\n"
	    "Action: failed\nStatus: 5.1.1\n--B--\n";

	one_record(mixed, sizeof(mixed) - 1, "Bob.Smith@rcpt.example");
	one_record(local, sizeof(local) - 1, "bob@rcpt.example");
	no_record(x400, sizeof(x400) - 1);
	ck_assert_int_eq(dsn_parse(x400_dda, sizeof(x400_dda) - 1, &opt, cl,
	    sc, &res), DSN_OK);
	ck_assert_uint_eq(res.n, 2);
	ck_assert_str_eq(res.rec[0].recipient, "Carol@rcpt.example");
	ck_assert_str_eq(res.rec[1].recipient, "dan_lee@rcpt.example");
}
END_TEST

/*
 * A notice whose text names no address and returns no headers: the one
 * address a bounce subject names is the recipient; the bounce's own
 * addressee, or two addresses, are not.
 */
START_TEST(test_subject_address)
{
	static const char one[] =
	    "From: MAILER-DAEMON@mx.rcpt.example\nTo: alice@sender.example\n"
	    "Subject: Undeliverable: bob@rcpt.example\n\n"
	    "Delivery failed.\n\nReason: 550 5.1.1 User unknown\n";
	static const char own[] =
	    "From: MAILER-DAEMON@mx.rcpt.example\nTo: alice@sender.example\n"
	    "Subject: Undeliverable mail for alice@sender.example\n\n"
	    "Delivery failed.\n\nReason: 550 5.1.1 User unknown\n";
	static const char two[] =
	    "From: MAILER-DAEMON@mx.rcpt.example\nTo: alice@sender.example\n"
	    "Subject: Undeliverable: bob@rcpt.example, carol@rcpt.example\n\n"
	    "Delivery failed.\n\nReason: 550 5.1.1 User unknown\n";

	const struct dsn_record *r = one_record(one, sizeof(one) - 1,
	    "bob@rcpt.example");
	ck_assert_str_eq(taxonomy_reason_name(r->v.reason), "userunknown");
	no_record(own, sizeof(own) - 1);
	no_record(two, sizeof(two) - 1);
}
END_TEST

/*
 * The original's Message-ID, which ties a bounce to mail sent from here,
 * wherever the reporter put the returned headers: in the text of a report
 * whose parts lost their boundaries, in a message/partial part, after
 * an "original mail" line.  Headers of an earlier bounce forwarded as
 * text are not the original's.
 */
START_TEST(test_original_id)
{
	static const char noparts[] =
	    "From: MAILER-DAEMON@mx.sender.example\nTo: alice@sender.example\n"
	    "Subject: Returned mail: Service unavailable\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    "    boundary=\"lost\"\n\n"
	    "The original message was received at Thu, 29 Apr 1999\n\n"
	    "Reporting-MTA: dns; mx.sender.example\n\n"
	    "Final-Recipient: RFC822; bob@rcpt.example\nAction: failed\n"
	    "Status: 5.1.1\n\n"
	    "Return-Path: <alice@sender.example>\n"
	    "Received: from mx.sender.example by mx.rcpt.example\n"
	    "From: alice@sender.example\nDate: Wed, 29 Apr 1999 23:34:45 +0900\n"
	    "Message-Id: <own-9@sender.example>\nTo: bob@rcpt.example\n\nhi\n";
	static const char partial[] = DSN_HEAD("The message could not be delivered.\n")
	    "--B\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.sender.example\n\n"
	    "Final-Recipient: rfc822; bob@rcpt.example\nAction: failed\n"
	    "Status: 5.1.1\n\n--B\nContent-Type: message/partial\n\n"
	    "Received: from mx.sender.example by mx.rcpt.example\n"
	    "Message-ID: <own-10@sender.example>\nFrom: alice@sender.example\n"
	    "Subject: hi\n--B--\n";
	static const char forwarded[] = BODY_HEAD("Fwd: Undelivered Mail")
	    "A bounce came back for a message relayed here.\n"
	    "---------------------------------\n"
	    "Received: by relay.sender.example (Postfix)\n"
	    "From: MAILER-DAEMON@relay.sender.example (Mail Delivery System)\n"
	    "Subject: Undelivered Mail Returned to Sender\n"
	    "To: alice@sender.example\n"
	    "Message-Id: <bounce-1@relay.sender.example>\n\n"
	    "<bob@rcpt.example>: host mx.rcpt.example said: 550 5.1.1 User "
	    "unknown (in reply to RCPT TO command)\n";
	static const char mailinfo[] = BODY_HEAD("failure notice")
	    "The message could not be sent to these addresses.\n"
	    "bob@rcpt.example\n\n"
	    "-------server message\n550 bob@rcpt.example... No such user\n\n"
	    "-------original mail info\n"
	    "From: alice@sender.example\nSubject: hi\n"
	    "Message-ID: <own-11@sender.example>\nBODY:\n";
	const struct {
		const char *msg;
		size_t len;
		const char *id;
	} c[] = {
		{ noparts, sizeof(noparts) - 1, "<own-9@sender.example>" },
		{ partial, sizeof(partial) - 1, "<own-10@sender.example>" },
		{ forwarded, sizeof(forwarded) - 1, "" },
		{ mailinfo, sizeof(mailinfo) - 1, "<own-11@sender.example>" },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		ck_assert_str_eq(one_record(c[i].msg, c[i].len,
		    "bob@rcpt.example")->orig_message_id, c[i].id);
}
END_TEST

/*
 * A body labelled ISO-2022-JP whose bytes are UTF-8 (re-encoded on the
 * way, the label left behind) is read as UTF-8, not converted into
 * nothing; a body that really is ISO-2022-JP is still converted.
 */
START_TEST(test_mislabelled_charset)
{
#define JP_HEAD "From: MAILER-DAEMON@mx.sender.example\n" \
	"To: news@sender.example\nSubject: Undelivered Mail Returned to Sender\n" \
	"Content-Type: text/plain; charset=ISO-2022-JP\n\n" \
	"This is the mail system at host mx.sender.example.\n\n" \
	"I'm sorry to have to inform you that your message could not\n" \
	"be delivered to one or more recipients.\n\n" \
	"<bob@rcpt.example>: host mx.rcpt.example[192.0.2.1] said: 550 5.1.1 "
	static const char utf8[] = JP_HEAD
	    "\xe3\x83\xa6\xe3\x83\xbc\xe3\x82\xb6\xe3\x83\xbc unknown "
	    "(in reply to RCPT TO command)\n";
	static const char jis[] = JP_HEAD
	    "\x1b$B%f!<%6!<\x1b(B unknown (in reply to RCPT TO command)\n";
#undef JP_HEAD
	const char *want = "\xe3\x83\xa6\xe3\x83\xbc\xe3\x82\xb6\xe3\x83\xbc";

	const struct dsn_record *r = one_record(utf8, sizeof(utf8) - 1,
	    "bob@rcpt.example");
	ck_assert_msg(strstr(r->diagnostic, want) != NULL, "utf-8: %s",
	    r->diagnostic);
	ck_assert_str_eq(r->status, "5.1.1");
	r = one_record(jis, sizeof(jis) - 1, "bob@rcpt.example");
	ck_assert_msg(strstr(r->diagnostic, want) != NULL, "iso-2022-jp: %s",
	    r->diagnostic);
}
END_TEST

/*
 * A Diagnostic-Code in ISO-2022-JP in a delivery-status part that
 * declares no charset (Domino): its escapes say what it is, and it is
 * read as Japanese.
 */
START_TEST(test_undeclared_jis)
{
	static const char msg[] = "From: Postmaster@mx.rcpt.example\n"
	    "To: news@sender.example\nSubject: DELIVERY FAILURE\n"
	    "MIME-Version: 1.0\nContent-Type: multipart/report; "
	    "report-type=delivery-status; boundary=\"Q\"\n\n--Q\n"
	    "Content-Type: text/plain\n\nYour message was not delivered.\n"
	    "--Q\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns;mx.rcpt.example\n\n"
	    "Final-Recipient: rfc822;bob@rcpt.example\nAction: failed\n"
	    "Status: 5.0.0\nDiagnostic-Code: X-Notes; "
	    "\x1b$B%f!<%6!<\x1b(BBob (bob@rcpt.example) \x1b$B$O\x1b(B "
	    "Domino \x1b$B%G%#%l%/%H%j$K$O8+$D$+$j$^$;$s!#\x1b(B\n--Q--\n";
	const char *want = "\xe3\x83\x87\xe3\x82\xa3\xe3\x83\xac"; /* "de-i-re" */

	const struct dsn_record *r = one_record(msg, sizeof(msg) - 1,
	    "bob@rcpt.example");
	ck_assert_msg(strstr(r->diagnostic, want) != NULL, "diagnostic: %s",
	    r->diagnostic);
	ck_assert_str_eq(taxonomy_reason_name(r->v.reason), "userunknown");
}
END_TEST

/*
 * A list server's refusal of a post (fml): a record for the list, from
 * the notice's first paragraph.  The same list's other mail, and a
 * member's post that speaks of membership, are no bounce.
 */
START_TEST(test_list_notice)
{
#define LIST_HEAD(from) "From: " from "\nTo: bob@sender.example\n" \
	"X-MLServer: fml [fml 4.0.3 release]\n" \
	"List-Post: <mailto:cats@lists.example>\n"
	static const char refused[] = LIST_HEAD("cats-admin@lists.example")
	    "Subject: You bob@sender.example are not member (cats ML)\n\n"
	    "You are not a member of this mailing list <cats@lists.example>.\n\n"
	    "If you know the general guide of this list, please send mail "
	    "with\nthe body \"guide\" to the address\n\n"
	    "\tcats-ctl@lists.example\n";
	static const char reminder[] = LIST_HEAD("cats-admin@lists.example")
	    "Subject: cats mailing list memberships reminder\n\n"
	    "This is a reminder, sent out once a month, about your "
	    "<cats@lists.example> mailing list membership.\n";
	static const char post[] = LIST_HEAD("carol@member.example")
	    "Subject: posting from another address\n\n"
	    "I am not a member of <cats@lists.example> with that address.\n";
#undef LIST_HEAD
	const struct dsn_record *r = one_record(refused, sizeof(refused) - 1,
	    "cats@lists.example");
	ck_assert_str_eq(taxonomy_reason_name(r->v.reason), "rejected");
	ck_assert_int_eq(r->v.outcome, RB_OUTCOME_BOUNCED);
	no_record(reminder, sizeof(reminder) - 1);
	no_record(post, sizeof(post) - 1);
}
END_TEST

/*
 * X-Failed-Recipients names a failure even when the text gives no code
 * and no words the rules know, and never names the address: a record,
 * on hold (never a suppression).  Gmail's "Send mail as" refusal is the
 * sending side's settings.
 */
START_TEST(test_failed_rcpts_header)
{
#define FR_HEAD "From: Mail Delivery Subsystem <mailer-daemon@mail.example>\n" \
	"To: bob@sender.example\n" \
	"Subject: Delivery Status Notification (Failure)\n" \
	"X-Failed-Recipients: list@groups.example\n" \
	"Content-Type: text/plain\n\n** Message not delivered **\n\n"
	static const char unknown[] = FR_HEAD
	    "The response was:\n\nUnspecified Error (XYZZY_42)\n";
	static const char sendas[] = FR_HEAD "You're sending this from a "
	    "different address or alias using the 'Send mail as' feature.\n"
	    "\nThe response was:\n\nUnspecified Error (SENT_SECOND_EHLO): "
	    "Smtp server does not advertise AUTH capability\n";
#undef FR_HEAD
	const struct dsn_record *r = one_record(unknown, sizeof(unknown) - 1,
	    "list@groups.example");
	ck_assert_str_eq(taxonomy_reason_name(r->v.reason), "onhold");
	ck_assert_int_ne(r->v.action, RB_ACTION_SUPPRESS);
	r = one_record(sendas, sizeof(sendas) - 1, "list@groups.example");
	ck_assert_str_eq(taxonomy_reason_name(r->v.reason), "rejected");
	ck_assert_int_eq(r->v.action, RB_ACTION_FIX_SENDER);
}
END_TEST

/*
 * An expiry that quotes the last attempt's reply is reported with that
 * reply's code, the cause; one that quotes nothing keeps X.4.7.  Both
 * stay expired.
 */
START_TEST(test_expiry_cause)
{
#define EXP_HEAD "From: MAILER-DAEMON@mx.sender.example\n" \
	"To: news@sender.example\nSubject: Delivery Status Notification\n" \
	"MIME-Version: 1.0\nContent-Type: multipart/report; " \
	"report-type=delivery-status; boundary=\"Q\"\n\n--Q\n" \
	"Content-Type: message/delivery-status\n\n" \
	"Reporting-MTA: dns; mx.sender.example\n\n" \
	"Final-Recipient: rfc822; bob@rcpt.example\nAction: failed\n" \
	"Status: 4.4.7\nDiagnostic-Code: smtp; "
	static const char cause[] = EXP_HEAD "554 4.4.7 Message expired: "
	    "unable to deliver in 840 minutes.<421 4.4.2 Connection timed out>"
	    "\n--Q--\n";
	static const char bare[] = EXP_HEAD "550 4.4.7 QUEUE.Expired; "
	    "message expired\n--Q--\n";
#undef EXP_HEAD
	const struct dsn_record *r = one_record(cause, sizeof(cause) - 1,
	    "bob@rcpt.example");
	ck_assert_str_eq(r->status, "4.4.2");
	ck_assert_str_eq(taxonomy_reason_name(r->v.reason), "expired");
	ck_assert_int_eq(r->v.outcome, RB_OUTCOME_EXPIRED);
	r = one_record(bare, sizeof(bare) - 1, "bob@rcpt.example");
	ck_assert_str_eq(r->status, "4.4.7");
	ck_assert_str_eq(taxonomy_reason_name(r->v.reason), "expired");
}
END_TEST

/*
 * Amazon SES notifications: a bounce inside the SNS envelope (the
 * notification a JSON string, its long line folded by the mailer), and
 * a complaint, a transient bounce and a delivery published raw.
 */
START_TEST(test_amazon_ses)
{
	static const char bounce[] =
	    "From: AWS Notifications <no-reply@sns.amazonaws.com>\n"
	    "To: ops@sender.example\nSubject: AWS Notification Message\n"
	    "Content-Type: text/plain; charset=UTF-8\n\n"
	    "{\n  \"Type\" : \"Notification\",\n"
	    "  \"Message\" : \"{\\\"notificationType\\\":\\\"Bounce\\\",\\\"bounce\\\":"
	    "{\\\"bounceType\\\":\\\"Permanent\\\",\\\"bouncedRecipients\\\":"
	    "[{\\\"emailAddress\\\":\\\"bob@rcpt.example\\\",\\\"action\\\":\\\"failed\\\","
	    "\\\"status\\\":\\\"5.1.1\\\",\\\"diagnosticCode\\\":\\\"smtp; 550 5.1.1 "
	    "user un\n known\\\"}],\\\"reportingMTA\\\":\\\"dsn; a1.smtp-out.example\\\"},"
	    "\\\"mail\\\":{\\\"source\\\":\\\"news@sender.example\\\",\\\"commonHeaders\\\":"
	    "{\\\"messageId\\\":\\\"<m1@sender.example>\\\"}}}\",\n"
	    "  \"Timestamp\" : \"2026-11-01T00:00:00.000Z\"\n}\n";
	static const char complaint[] =
	    "From: ses@sender.example\nTo: ops@sender.example\n"
	    "Subject: complaint\n\n"
	    "{\"eventType\":\"Complaint\",\"complaint\":{\"complainedRecipients\":"
	    "[{\"emailAddress\":\"carol@rcpt.example\"}],"
	    "\"complaintFeedbackType\":\"abuse\"},\"mail\":{\"source\":"
	    "\"news@sender.example\"}}\n";

	ck_assert_int_eq(dsn_parse(bounce, sizeof(bounce) - 1, &opt, cl, sc,
	    &res), DSN_OK);
	ck_assert_uint_eq(res.n, 1);
	ck_assert_str_eq(res.format, "amazonses");
	ck_assert_str_eq(res.rec[0].recipient, "bob@rcpt.example");
	ck_assert_str_eq(res.rec[0].status, "5.1.1");
	ck_assert_str_eq(res.rec[0].orig_message_id, "<m1@sender.example>");
	ck_assert_str_eq(res.rec[0].envelope_sender, "news@sender.example");
	ck_assert_str_eq(taxonomy_reason_name(res.rec[0].v.reason), "userunknown");
	ck_assert_int_eq(res.rec[0].v.outcome, RB_OUTCOME_BOUNCED);

	ck_assert_int_eq(dsn_parse(complaint, sizeof(complaint) - 1, &opt, cl,
	    sc, &res), DSN_OK);
	ck_assert_uint_eq(res.n, 1);
	ck_assert_str_eq(res.rec[0].recipient, "carol@rcpt.example");
	ck_assert_str_eq(res.rec[0].feedback_type, "abuse");
	ck_assert_int_eq(res.rec[0].v.outcome, RB_OUTCOME_COMPLAINT);

	/* A transient bounce is SES giving up on a temporary failure. */
	static const char transient[] = "From: ses@sender.example\n"
	    "To: ops@sender.example\nSubject: bounce\n\n"
	    "{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":"
	    "\"Transient\",\"bouncedRecipients\":[{\"emailAddress\":"
	    "\"dave@rcpt.example\"}]},\"mail\":{}}\n";
	ck_assert_int_eq(dsn_parse(transient, sizeof(transient) - 1, &opt, cl,
	    sc, &res), DSN_OK);
	ck_assert_uint_eq(res.n, 1);
	ck_assert_str_eq(res.rec[0].recipient, "dave@rcpt.example");
	ck_assert_int_eq(res.rec[0].v.outcome, RB_OUTCOME_EXPIRED);
	ck_assert_int_eq(res.rec[0].v.hardbounce, 0);

	/* A delivery: each recipient delivered, with the shared reply. */
	static const char delivery[] = "From: ses@sender.example\n"
	    "To: ops@sender.example\nSubject: delivery\n\n"
	    "{\"notificationType\":\"Delivery\",\"delivery\":{\"recipients\":"
	    "[\"erin@rcpt.example\",\"fred@rcpt.example\"],\"smtpResponse\":"
	    "\"250 2.6.0 Message received\",\"reportingMTA\":"
	    "\"a2.smtp-out.example\"},\"mail\":{\"source\":"
	    "\"news@sender.example\"}}\n";
	ck_assert_int_eq(dsn_parse(delivery, sizeof(delivery) - 1, &opt, cl,
	    sc, &res), DSN_OK);
	ck_assert_uint_eq(res.n, 2);
	ck_assert_str_eq(res.rec[1].recipient, "fred@rcpt.example");
	for (size_t i = 0; i < 2; i++) {
		ck_assert_int_eq(res.rec[i].v.outcome, RB_OUTCOME_DELIVERED);
		ck_assert_str_eq(taxonomy_action_name(res.rec[i].v.action),
		    "none");
		ck_assert_str_eq(res.rec[i].status, "2.6.0");
		ck_assert_int_eq(res.rec[i].replycode, 250);
		ck_assert_str_eq(res.rec[i].reporting_mta,
		    "a2.smtp-out.example");
	}

	/* Broken JSON that names the type: nothing from it, no crash. */
	static const char broken[] = "From: x@sender.example\nTo: y@sender.example\n"
	    "Subject: AWS Notification Message\n\n{\"notificationType\":\"Bounce\",\n";
	dsn_parse(broken, sizeof(broken) - 1, &opt, cl, sc, &res);
	ck_assert_uint_eq(res.n, 0);
}
END_TEST

static int
count_msg(const char *m, size_t len, void *arg)
{
	(void)m;
	(void)len;
	(*(int *)arg)++;
	return (0);
}

START_TEST(test_mbox)
{
	static const char mbox[] =
	    "From a@b Mon Jan  1 00:00:00 2024\nSubject: one\n\nx\n"
	    "From c@d Mon Jan  1 00:00:00 2024\nSubject: two\n\ny\n"
	    "From e@f Mon Jan  1 00:00:00 2024\rSubject: three\r\rz\r";
	int n = 0;
	ck_assert_int_eq(dsn_mbox_split(mbox, sizeof(mbox) - 1, count_msg, &n), 0);
	ck_assert_int_eq(n, 3);
	n = 0;
	dsn_mbox_split("Subject: x\n\ny\n", 14, count_msg, &n);
	ck_assert_int_eq(n, 1);
}
END_TEST

START_TEST(test_outcome)
{
	struct rb_outcome_rec o;

	/* Last-Attempt-Date: Tue, 3 Oct 2023 10:00:05 +0200 (1696320005). */
	const time_t dated = 1696320005;
	char key[sizeof(o.key)];

	ck_assert_int_eq(parse_file("rfc3464-multi.eml"), DSN_OK);
	ck_assert_int_eq(dsn_record_outcome(&res.rec[0], dated + 3600, &o), 0);
	ck_assert_int_eq(o.source, RB_SOURCE_DSN);
	ck_assert_str_eq(o.recipient, "bob@one.example");
	ck_assert_str_eq(o.queue_id, "4Qx1Yz2AbC");
	ck_assert_str_eq(o.dsn, "5.1.1");
	ck_assert_str_eq(o.message_id, "<orig-1@sender.example>");
	ck_assert(o.key[0] != '\0');
	ck_assert_int_eq(o.time, dated);
	snprintf(key, sizeof(key), "%s", o.key);
	/*
	 * A report dated well before or after its arrival (a wrong remote
	 * clock) is dated at its arrival, with the key it has when on time.
	 */
	ck_assert_int_eq(dsn_record_outcome(&res.rec[0], dated + 8 * 86400, &o), 1);
	ck_assert_int_eq(o.time, dated + 8 * 86400);
	ck_assert_str_eq(o.key, key);
	ck_assert_int_eq(dsn_record_outcome(&res.rec[0], dated - 3600, &o), 1);
	ck_assert_int_eq(o.time, dated - 3600);
	ck_assert_str_eq(o.key, key);
	/* A deferral's key holds its date: the date as reported. */
	struct dsn_record later = res.rec[0];
	later.v.outcome = RB_OUTCOME_DEFERRED;
	dsn_record_outcome(&later, dated, &o);
	snprintf(key, sizeof(key), "%s", o.key);
	ck_assert_int_eq(dsn_record_outcome(&later, dated + 30 * 86400, &o), 1);
	ck_assert_str_eq(o.key, key);
	/*
	 * A delay report with no Last-Attempt-Date, about a message whose
	 * Message-ID it does not return: dated by its own Date:, so the same
	 * bounce delivered twice, a minute apart, is one outcome.
	 */
	static const char nodate[] =
	    "From: MAILER-DAEMON@x.example\nTo: a@sender.example\n"
	    "Date: Tue, 3 Oct 2023 11:00:00 +0000\n"
	    "Subject: Delayed Mail\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=\"Q\"\n\n--Q\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; x.example\n\n"
	    "Final-Recipient: rfc822; slow@far.example\nAction: delayed\n"
	    "Status: 4.2.2\nDiagnostic-Code: smtp; 452 4.2.2 Mailbox full\n\n"
	    "--Q--\n";
	const time_t written = 1696330800;
	one_record(nodate, sizeof(nodate) - 1, "slow@far.example");
	ck_assert_int_eq(res.rec[0].report_date, written);
	ck_assert_int_eq(dsn_record_outcome(&res.rec[0], written + 60, &o), 0);
	ck_assert_int_eq(o.time, written);
	snprintf(key, sizeof(key), "%s", o.key);
	ck_assert_int_eq(dsn_record_outcome(&res.rec[0], written + 120, &o), 0);
	ck_assert_str_eq(o.key, key);
	/* Out of bounds, the Date: is not its time either. */
	ck_assert_int_eq(dsn_record_outcome(&res.rec[0], written + 30 * 86400, &o), 1);
	ck_assert_int_eq(o.time, written + 30 * 86400);
	ck_assert_str_eq(o.key, key);
	ck_assert_int_eq(parse_file("rfc3464-multi.eml"), DSN_OK);
	/* Within bounds either way: its own date. */
	ck_assert_int_eq(dsn_record_outcome(&res.rec[0], dated - 300, &o), 0);
	ck_assert_int_eq(o.time, dated);
	ck_assert_int_eq(dsn_record_outcome(&res.rec[0], dated + 6 * 86400, &o), 0);
	ck_assert_int_eq(o.time, dated);
	ck_assert_int_eq(parse_file("arf.eml"), DSN_OK);
	dsn_record_outcome(&res.rec[0], 1000, &o);
	ck_assert_int_eq(o.source, RB_SOURCE_COMPLAINT);
	ck_assert_int_eq(o.v.action, RB_ACTION_SUPPRESS);
}
END_TEST

/* --- hostile input ---------------------------------------------------- */

static const char good_head[] =
    "From: MAILER-DAEMON@x.example\nTo: a@sender.example\n"
    "Subject: Undelivered Mail\nMIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status; "
    "boundary=\"Q\"\n\n--Q\nContent-Type: message/delivery-status\n\n"
    "Reporting-MTA: dns; x.example\n\n";

/* After any hostile message, a good one still parses fully. */
static void
still_works(void)
{
	ck_assert_int_eq(parse_file("rfc3464-multi.eml"), DSN_OK);
	ck_assert_uint_eq(res.n, 3);
}

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

struct hcase {
	const char *name;
	const char *text;
	int ok;		/* 1: parses to records, 0: error or nothing */
};

static const struct hcase hcases[] = {
	{ "truncated part", "From: MAILER-DAEMON@x.example\nSubject: Undelivered\n"
	  "Content-Type: multipart/report; boundary=\"Q\"\n\n--Q\n"
	  "Content-Type: message/delivery-status\n\nFinal-Recipient: rfc822; t@x.example\n"
	  "Action: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1", 1 },
	{ "missing boundary", "From: MAILER-DAEMON@x.example\nSubject: Undelivered\n"
	  "Content-Type: multipart/report\n\n--Q\nFinal-Recipient: rfc822; t@x.example\n", 1 },
	{ "duplicate boundaries", "From: MAILER-DAEMON@x.example\nSubject: Undelivered\n"
	  "Content-Type: multipart/report; boundary=\"Q\"; boundary=\"R\"\n\n--Q\n--Q\n--R\n"
	  "Content-Type: message/delivery-status\n\nFinal-Recipient: rfc822; t@x.example\n"
	  "Action: failed\n--Q--\n--Q--\n", 1 },
	{ "broken charset", "From: MAILER-DAEMON@x.example\nSubject: Undelivered\n"
	  "Content-Type: text/plain; charset=x-no-such-charset\n\n"
	  "<t@x.example>: 550 5.1.1 \xff\xfe\xc3 user unknown\n", 1 },
	{ "empty", "", 0 },
	{ "garbage", "\x01\x02\x03\n\n\n", 0 },
};

START_TEST(test_hostile_table)
{
	const struct hcase *c = &hcases[_i];
	enum dsn_status st = dsn_parse(c->text, strlen(c->text), &opt, cl,
	    sc, &res);
	if (c->ok) {
		ck_assert_msg(st == DSN_OK, "%s: %s", c->name, dsn_strerror(st));
		ck_assert_str_eq(res.rec[0].recipient, "t@x.example");
	} else
		ck_assert_msg(st != DSN_OK, "%s parsed", c->name);
	still_works();
}
END_TEST

START_TEST(test_nul_bytes)
{
	char m[512];
	int n = snprintf(m, sizeof(m), "%sFinal-Recipient: rfc822; t@x.example\n"
	    "Action: failed\nDiagnostic-Code: smtp; 550 5.1.1 user", good_head);
	memcpy(m + n, "\0\0 unknown\n--Q--\n", 17);
	n += 17;
	ck_assert_int_eq(dsn_parse(m, (size_t)n, &opt, cl, sc, &res), DSN_OK);
	ck_assert(strstr(res.rec[0].diagnostic, "unknown") != NULL);
	still_works();
}
END_TEST

/*
 * A recipient longer than an address may be, or with a control byte in
 * it, names nobody: cut to the field it named an address nobody mailed
 * ("aaa...@bbbb"), and a bounce suppressed it.  No record names one.
 */
/* Parse a report for Final-Recipient fr: no record names one starting so. */
static void
no_record_named(const char *fr, const char *prefix, const char *what)
{
	char m[1024];
	int n = snprintf(m, sizeof(m), "%sFinal-Recipient: %s\n"
	    "Action: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 "
	    "user unknown\n\n--Q--\n", good_head, fr);
	ck_assert(n > 0 && (size_t)n < sizeof(m));
	dsn_parse(m, (size_t)n, &opt, cl, sc, &res);
	for (size_t i = 0; i < res.n; i++)
		ck_assert_msg(strncmp(res.rec[i].recipient, prefix, strlen(prefix)) != 0,
		    "%s: %s", what, res.rec[i].recipient);
}

START_TEST(test_bad_recipient)
{
	char local[201], domain[120], fr[700];
	memset(local, 'a', 200);
	local[200] = '\0';
	snprintf(domain, sizeof(domain), "%0100d.example.org", 0);
	snprintf(fr, sizeof(fr), "rfc822; %s@%s", local, domain);
	no_record_named(fr, "aaaa", "a cut address");
	/* The same, as an X.400 address with the mail address inside. */
	snprintf(fr, sizeof(fr), "x400; /RFC-822=%.100s(a)%s%s/O=Org/", local,
	    domain, domain);
	no_record_named(fr, "aaaa", "a cut X.400 address");
	no_record_named("rfc822; ctl\001@x.example", "ctl",
	    "an address with a control byte");
	still_works();
}
END_TEST

START_TEST(test_too_big)
{
	size_t len = opt.max_size + 1;
	char *b = malloc(len);
	memset(b, 'a', len);
	memcpy(b, good_head, sizeof(good_head) - 1);
	double t = now_s();
	ck_assert_int_eq(dsn_parse(b, len, &opt, cl, sc, &res), DSN_TOO_BIG);
	ck_assert(now_s() - t < 1.0);
	/* Exactly at the limit: parsed, in bounded time. */
	len = opt.max_size;
	for (size_t i = sizeof(good_head); i < len; i += 76)
		b[i] = '\n';
	t = now_s();
	enum dsn_status st = dsn_parse(b, len, &opt, cl, sc, &res);
	ck_assert(st != DSN_NOMEM);
	ck_assert_msg(now_s() - t < 30.0, "50 MB took %.1f s", now_s() - t);
	free(b);
	still_works();
}
END_TEST

static char *
many_recipients(size_t n, size_t *len)
{
	size_t cap = sizeof(good_head) + n * 96 + 64;
	char *b = malloc(cap);
	size_t o = (size_t)snprintf(b, cap, "%s", good_head);
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(b + o, cap - o,
		    "Final-Recipient: rfc822; u%zu@x.example\nAction: failed\n"
		    "Status: 5.1.1\n\n", i);
	o += (size_t)snprintf(b + o, cap - o, "--Q--\n");
	*len = o;
	return (b);
}

/*
 * A returned-message part type said over and over in one header block:
 * each mention is looked at within a bounded distance, and only the
 * first few, so the parse stays linear (it was quadratic before).
 */
START_TEST(test_many_rfc822_mentions)
{
	static const char head[] =
	    "From: MAILER-DAEMON@x.example\nSubject: Undelivered Mail\n"
	    "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"Q\"\n"
	    "\n--Q\n";
	static const char line[] = "Content-Type: message/rfc822\n";
	size_t nl = 100000, len = sizeof(head) - 1 + nl * (sizeof(line) - 1);
	char *b = malloc(len + 1), *p = b;
	memcpy(p, head, sizeof(head) - 1);
	p += sizeof(head) - 1;
	for (size_t i = 0; i < nl; i++, p += sizeof(line) - 1)
		memcpy(p, line, sizeof(line) - 1);
	double t = now_s();
	enum dsn_status st = dsn_parse(b, len, &opt, cl, sc, &res);
	ck_assert(st != DSN_NOMEM);
	ck_assert_msg(now_s() - t < 30.0, "%zu mentions took %.1f s", nl,
	    now_s() - t);
	free(b);
	still_works();
}
END_TEST

START_TEST(test_many_recipients)
{
	size_t len;
	char *b = many_recipients(10000, &len);
	double t = now_s();
	ck_assert_int_eq(dsn_parse(b, len, &opt, cl, sc, &res), DSN_OK);
	ck_assert_uint_eq(res.n, 10000);
	ck_assert_int_eq(res.truncated, 0);
	ck_assert_str_eq(res.rec[9999].recipient, "u9999@x.example");
	ck_assert_msg(now_s() - t < 10.0, "10,000 recipients took %.1f s",
	    now_s() - t);
	free(b);
	b = many_recipients(10001, &len);
	ck_assert_int_eq(dsn_parse(b, len, &opt, cl, sc, &res), DSN_OK);
	ck_assert_uint_eq(res.n, 10000);
	ck_assert_int_eq(res.truncated, 1);
	free(b);
	still_works();
}
END_TEST

/*
 * An Exim bounce names its failed recipients in X-Failed-Recipients and
 * in its text.  300 of them: all 300 (the field was cut at 2 KiB, about
 * 100, the last of them possibly half an address).  2,000: as many as
 * are kept, each whole, and the result says there were more; so does a
 * text naming more than the 1,024 places a scan keeps.
 */
static char *
exim_bounce(int nhdr, int nbody, int padded, size_t *len)
{
	size_t cap = 20000 + (size_t)(nhdr + (nbody ? nbody : nhdr)) * 64, o = 0;
	char *b = malloc(cap);

	ck_assert_ptr_nonnull(b);
	o += (size_t)snprintf(b + o, cap - o, "From: Mail Delivery System "
	    "<Mailer-Daemon@mx.example.net>\nTo: sender@example.org\n"
	    "Subject: Mail delivery failed: returning message to sender\n"
	    "Auto-Submitted: auto-replied\n");
	/* Long fields before the list take the space values are kept in. */
	for (int f = 0; padded && f < 3; f++) {
		static const char *const names[] = { "References", "In-Reply-To",
		    "X-Mailer" };
		o += (size_t)snprintf(b + o, cap - o, "%s: ", names[f]);
		for (int k = 0; k < 40; k++)
			o += (size_t)snprintf(b + o, cap - o, "<%040d@x.example>\n ", k);
		o += (size_t)snprintf(b + o, cap - o, "<end@x.example>\n");
	}
	if (nhdr > 0) {
		o += (size_t)snprintf(b + o, cap - o, "X-Failed-Recipients: ");
		for (int i = 0; i < nhdr; i++)
			o += (size_t)snprintf(b + o, cap - o, "%su%04d@example.com",
			    i ? ",\n  " : "", i);
		o += (size_t)snprintf(b + o, cap - o, "\n");
	}
	o += (size_t)snprintf(b + o, cap - o, "\nThis message was created "
	    "automatically by mail delivery software.\n\nA message that you "
	    "sent could not be delivered to one or more of its\nrecipients. "
	    "This is a permanent error. The following address(es) failed:\n\n");
	for (int i = 0; i < (nbody ? nbody : nhdr); i++)
		o += (size_t)snprintf(b + o, cap - o, "  u%04d@example.com\n"
		    "    550 5.1.1 User unknown\n", i);
	*len = o;
	return (b);
}

START_TEST(test_exim_many_failed)
{
	size_t len;
	char *b = exim_bounce(300, 0, 0, &len);
	ck_assert_int_eq(dsn_parse(b, len, &opt, cl, sc, &res), DSN_OK);
	ck_assert_uint_eq(res.n, 300);
	ck_assert_int_eq(res.truncated, 0);
	ck_assert_str_eq(res.rec[299].recipient, "u0299@example.com");
	free(b);
	for (int padded = 0; padded < 2; padded++) {
		b = exim_bounce(2000, 0, padded, &len);
		ck_assert_int_eq(dsn_parse(b, len, &opt, cl, sc, &res), DSN_OK);
		ck_assert_uint_gt(res.n, 400);
		ck_assert_uint_lt(res.n, 2000);
		ck_assert_int_eq(res.truncated, 1);
		char want[32];
		snprintf(want, sizeof(want), "u%04zu@example.com", res.n - 1);
		ck_assert_str_eq(res.rec[res.n - 1].recipient, want);
		free(b);
	}
	b = exim_bounce(0, 2000, 0, &len);
	ck_assert_int_eq(dsn_parse(b, len, &opt, cl, sc, &res), DSN_OK);
	ck_assert_uint_eq(res.n, 1024);
	ck_assert_int_eq(res.truncated, 1);
	free(b);
	still_works();
}
END_TEST

/*
 * An Amazon SES notification longer than the text kept (5,000 bounced
 * recipients) does not load: no record, and the result says it was cut
 * (before, no record and no word).
 */
START_TEST(test_ses_too_long)
{
	size_t cap = 5000 * 160 + 1024, o = 0;
	char *b = malloc(cap);

	ck_assert_ptr_nonnull(b);
	o += (size_t)snprintf(b + o, cap - o, "From: no-reply@sns.amazonaws.com\n"
	    "To: s@example.org\nSubject: AWS Notification Message\n"
	    "Content-Type: text/plain\n\n{\"notificationType\":\"Bounce\","
	    "\"bounce\":{\"bounceType\":\"Permanent\",\"bouncedRecipients\":[");
	for (int i = 0; i < 5000; i++)
		o += (size_t)snprintf(b + o, cap - o, "%s{\"emailAddress\":"
		    "\"u%05d@example.com\",\"action\":\"failed\",\"status\":"
		    "\"5.1.1\",\"diagnosticCode\":\"smtp; 550 5.1.1 user unknown\"}",
		    i ? "," : "", i);
	o += (size_t)snprintf(b + o, cap - o, "]},\"mail\":{\"source\":"
	    "\"s@example.org\",\"messageId\":\"abc\"}}\n");
	ck_assert_int_eq(dsn_parse(b, o, &opt, cl, sc, &res), DSN_NOT_BOUNCE);
	ck_assert_uint_eq(res.n, 0);
	ck_assert_int_eq(res.truncated, 1);
	free(b);
	still_works();
}
END_TEST

START_TEST(test_deep_nesting)
{
	size_t cap = 1000 * 80 + 4096, o = 0;
	char *b = malloc(cap);
	o += (size_t)snprintf(b + o, cap - o,
	    "From: MAILER-DAEMON@x.example\nSubject: Undelivered\n");
	for (int i = 0; i < 1000; i++)
		o += (size_t)snprintf(b + o, cap - o,
		    "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n", i, i);
	o += (size_t)snprintf(b + o, cap - o, "Content-Type: text/plain\n\nx\n");
	double t = now_s();
	ck_assert_int_eq(dsn_parse(b, o, &opt, cl, sc, &res), DSN_BAD_MESSAGE);
	ck_assert(now_s() - t < 2.0);
	/* Within the limits, nesting is walked. */
	o = 0;
	o += (size_t)snprintf(b + o, cap - o,
	    "From: MAILER-DAEMON@x.example\nSubject: Undelivered\n");
	for (int i = 0; i < 20; i++)
		o += (size_t)snprintf(b + o, cap - o,
		    "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n", i, i);
	o += (size_t)snprintf(b + o, cap - o, "Content-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; t@x.example\nAction: failed\nStatus: 5.1.1\n");
	ck_assert_int_eq(dsn_parse(b, o, &opt, cl, sc, &res), DSN_OK);
	ck_assert_str_eq(res.rec[0].recipient, "t@x.example");
	free(b);
	still_works();
}
END_TEST

/*
 * The returned original is read from its header block alone: its own
 * Message-ID and From, not those of a message it carries in turn; a
 * Message-ID left without brackets gets them.
 */
static const char returned_nested[] =
    "From: MAILER-DAEMON@mx.sender.example\n"
    "To: news@sender.example\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status;\n"
    "\tboundary=\"OUTER\"\n"
    "\n"
    "--OUTER\n"
    "Content-Type: text/plain\n"
    "\n"
    "Your message could not be delivered.\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "--OUTER\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mx.sender.example\n"
    "\n"
    "Final-Recipient: rfc822; lena@gone.example\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "Diagnostic-Code: smtp; 550 5.1.1 user unknown\n"
    "\n"
    "--OUTER\n"
    "Content-Description: Undelivered Message\n"
    "Content-Type:\n"
    "  message/rfc822\n"
    "\n"
    "Message-ID: own-42@sender.example\n"
    "From: News <news@sender.example>\n"
    "To: lena@gone.example\n"
    "Subject: fwd\n"
    "Content-Type: multipart/mixed; boundary=\"INNER\"\n"
    "\n"
    "--INNER\n"
    "Content-Type: text/plain\n"
    "\n"
    "see below\n"
    "--INNER\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "Message-ID: <carried-1@elsewhere.example>\n"
    "From: other@elsewhere.example\n"
    "\n"
    "hello\n"
    "--INNER--\n"
    "\n"
    "--OUTER--\n";

/* A bounce forwarded as an attachment: read through to it once. */
static const char returned_forwarded[] =
    "From: helpdesk@sender.example\n"
    "To: postmaster@sender.example\n"
    "Subject: Fwd: see attached\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"F1\"\n"
    "\n"
    "--F1\n"
    "Content-Type: text/plain\n"
    "\n"
    "Forwarding this one.\n"
    "--F1\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "From: MAILER-DAEMON@relay.example\n"
    "Subject: Delivery Status Notification (Failure)\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status;\n"
    " boundary=\"F2\"\n"
    "\n"
    "--F2\n"
    "Content-Type: text/plain\n"
    "\n"
    "Delivery failed.\n"
    "--F2\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; relay.example\n"
    "\n"
    "Final-Recipient: rfc822; mona@full.example\n"
    "Action: failed\n"
    "Status: 5.2.2\n"
    "Diagnostic-Code: smtp; 552 5.2.2 mailbox full\n"
    "\n"
    "--F2\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "Message-ID: <orig-9@sender.example>\n"
    "From: news@sender.example\n"
    "\n"
    "body\n"
    "--F2--\n"
    "--F1--\n";

START_TEST(test_returned_message)
{
	const struct dsn_record *r = one_record(returned_nested,
	    sizeof(returned_nested) - 1, "lena@gone.example");
	ck_assert_str_eq(r->orig_message_id, "<own-42@sender.example>");
	ck_assert_str_eq(r->orig_from, "news@sender.example");

	/* The same behind an mbox postmark line. */
	char *pm = malloc(sizeof(returned_nested) + 64);
	int pl = sprintf(pm, "From MAILER-DAEMON Mon Jan  1 00:00:00 2024\n%s",
	    returned_nested);
	one_record(pm, (size_t)pl, "lena@gone.example");
	free(pm);

	r = one_record(returned_forwarded, sizeof(returned_forwarded) - 1,
	    "mona@full.example");
	ck_assert_str_eq(r->status, "5.2.2");
	ck_assert_str_eq(r->orig_message_id, "<orig-9@sender.example>");
	ck_assert_str_eq(taxonomy_reason_name(r->v.reason), "mailboxfull");
}
END_TEST

/*
 * Automatic replies named in other scripts, their subjects in RFC 2047's
 * encoded words or raw UTF-8, with no Auto-Submitted field: the person
 * is away, not gone.  And a reply whose "Re:" is encoded is a person's.
 */
START_TEST(test_autoreply_languages)
{
	static const char *const subjects[] = {
		"=?utf-8?B?6Ieq5Yqo5Zue5aSNOiBoZWxsbw==?=",	/* zh */
		"=?utf-8?B?6Ieq5YuV6L+U5L+hOiBoZWxsbw==?=",	/* ja */
		"=?utf-8?B?7J6Q64+ZIOydkeuLtTogaGVsbG8=?=",	/* ko */
		"\xd0\x90\xd0\xb2\xd1\x82\xd0\xbe\xd0\xbe\xd1\x82\xd0\xb2\xd0\xb5\xd1\x82: hello",	/* ru */
	};
	char msg[512];

	for (size_t i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
		int n = snprintf(msg, sizeof(msg), "From: Wang <wang@away.example>\n"
		    "To: news@sender.example\nSubject: %s\n"
		    "Content-Type: text/plain; charset=utf-8\n\n"
		    "I am away.\n", subjects[i]);
		const struct dsn_record *r = one_record(msg, (size_t)n,
		    "wang@away.example");
		ck_assert_msg(strcmp(r->action, "auto-reply") == 0,
		    "subject %zu: action %s", i, r->action);
		ck_assert_str_eq(taxonomy_reason_name(r->v.reason), "vacation");
	}
	static const char encoded_re[] = "From: Dana <dana@sender.example>\n"
	    "To: list@lists.example\n"
	    "Subject: =?utf-8?Q?Re:_Undelivered_Mail_Returned_to_Sender?=\n"
	    "User-Agent: Mutt/2.2\n\nWhy?\n\n"
	    "> <bob@rcpt.example>: host mx.rcpt.example[192.0.2.1] said: 550 5.1.1\n"
	    ">     User unknown (in reply to RCPT TO command)\n";
	no_record(encoded_re, sizeof(encoded_re) - 1);
}
END_TEST

/*
 * The top header fields a verdict reads are taken from the block before
 * GMime sees it: the first of each name, folded values, and blocks that
 * end without a body or run into a line that is no field once the fields
 * around it are gone.
 */
START_TEST(test_top_fields)
{
	/* Only fields that are taken out, no blank line, no body. */
	static const char bare[] =
	    "From: Frank <frank@away.example>\n"
	    "From: not-the-first@elsewhere.example\n"
	    "Subject: Out of Office: back on Monday\n";
	enum dsn_status st = dsn_parse(bare, sizeof(bare) - 1, &opt, cl, sc,
	    &res);
	ck_assert_int_eq(st, DSN_OK);
	ck_assert_uint_eq(res.n, 1);
	ck_assert_str_eq(res.rec[0].recipient, "frank@away.example");
	ck_assert_str_eq(res.rec[0].action, "auto-reply");

	/*
	 * A folded list of failed recipients, and a line that is no field
	 * after the fields taken out.
	 */
	static const char folded[] =
	    "Received: from mx.example by relay.example;\n"
	    "\tMon, 1 Jan 2024 00:00:00 +0000\n"
	    "From: Mail Delivery System <mailer-daemon@relay.example>\n"
	    "X-Failed-Recipients: olga@gone.example,\n"
	    "   pete@gone.example\n"
	    "Subject: Mail delivery failed\n"
	    "this line is no header field\n"
	    "\n"
	    "A message that you sent could not be delivered to one or more\n"
	    "of its recipients. The following address(es) failed:\n"
	    "\n"
	    "  olga@gone.example\n"
	    "    No such user here\n"
	    "  pete@gone.example\n"
	    "    No such user here\n";
	st = dsn_parse(folded, sizeof(folded) - 1, &opt, cl, sc, &res);
	ck_assert_int_eq(st, DSN_OK);
	ck_assert_uint_eq(res.n, 2);
	ck_assert_str_eq(res.rec[0].recipient, "olga@gone.example");
	ck_assert_str_eq(res.rec[1].recipient, "pete@gone.example");
}
END_TEST

/* The plain definition util_memcasemem must agree with. */
static const char *
naive_casemem(const char *h, size_t hl, const char *n)
{
	size_t nl = strlen(n);
	if (nl == 0 || hl < nl)
		return (NULL);
	for (size_t i = 0; i + nl <= hl; i++) {
		size_t k = 0;
		while (k < nl && tolower((unsigned char)h[i + k]) ==
		    tolower((unsigned char)n[k]))
			k++;
		if (k == nl)
			return (h + i);
	}
	return (NULL);
}

/*
 * Case-insensitive search against its plain definition, over texts made
 * to put matches and near-misses at every place a 16-byte block can
 * split them: first and last bytes, block edges, the haystack's end, and
 * the punctuation that only differs from another in bit 5 ('@' and '`').
 */
START_TEST(test_memcasemem)
{
	static const char alpha[] = "aAbB@`[{ -xX\n\0";
	static const char *const needles[] = { "a", "ab", "AB@", "b`a",
	    "x-a", "abababababababab", "aBaBaBaBaBaBaBaBa", "@[ ", "\n-" };
	char h[80], n[24];
	unsigned seed = 7;

	for (int round = 0; round < 20000; round++) {
		size_t hl = (size_t)(rand_r(&seed) % 70);
		for (size_t i = 0; i < hl; i++)
			h[i] = alpha[rand_r(&seed) % (sizeof(alpha) - 1)];
		h[hl] = '\0';
		const char *nd;
		if (round % 3 == 0) {
			nd = needles[rand_r(&seed) % (sizeof(needles) /
			    sizeof(needles[0]))];
		} else {
			/* A piece of h itself, in another case, or random. */
			size_t nl = 1 + (size_t)(rand_r(&seed) % 20);
			for (size_t i = 0; i < nl; i++) {
				char c = alpha[rand_r(&seed) %
				    (sizeof(alpha) - 2)];
				n[i] = c == '\0' ? 'a' : c;
			}
			if (hl > nl && round % 3 == 1) {
				size_t at = (size_t)(rand_r(&seed) %
				    (hl - nl + 1));
				for (size_t i = 0; i < nl; i++) {
					char c = h[at + i] ? h[at + i] : 'q';
					n[i] = (char)(isupper((unsigned char)c) ?
					    tolower((unsigned char)c) :
					    toupper((unsigned char)c));
				}
			}
			n[nl] = '\0';
			nd = n;
		}
		ck_assert_msg(util_memcasemem(h, hl, nd) ==
		    naive_casemem(h, hl, nd), "round %d: \"%s\" in %zu bytes",
		    round, nd, hl);
	}
	/* A match that ends on the last byte, after a block's worth. */
	const char *t = "0123456789abcdefghijklmnopqrstuvwXYZ";
	ck_assert_ptr_eq(util_memcasemem(t, strlen(t), "xyz"), t + 33);
	ck_assert_ptr_null(util_memcasemem(t, strlen(t) - 1, "xyz"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("dsn");
	TCase *tc = tcase_create("formats");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_fields, 0,
	    (int)(sizeof(rcases) / sizeof(rcases[0])));
	tcase_add_loop_test(tc, test_inline, 0,
	    (int)(sizeof(icases) / sizeof(icases[0])));
	tcase_add_test(tc, test_not_bounce);
	tcase_add_test(tc, test_mislabelled_charset);
	tcase_add_test(tc, test_undeclared_jis);
	tcase_add_test(tc, test_list_notice);
	tcase_add_test(tc, test_failed_rcpts_header);
	tcase_add_test(tc, test_expiry_cause);
	tcase_add_test(tc, test_folded_and_dates);
	tcase_add_test(tc, test_line_ends);
	tcase_add_test(tc, test_repeated_notice);
	tcase_add_test(tc, test_short_notice);
	tcase_add_test(tc, test_cause_unknown);
	tcase_add_test(tc, test_words_without_diagnostic);
	tcase_add_test(tc, test_feedback_recipients);
	tcase_add_test(tc, test_which_address);
	tcase_add_test(tc, test_qmail_items);
	tcase_add_test(tc, test_sendmail_v5);
	tcase_add_test(tc, test_message_id_not_address);
	tcase_add_test(tc, test_success_report);
	tcase_add_test(tc, test_automatic_answers);
	tcase_add_test(tc, test_address_case);
	tcase_add_test(tc, test_subject_address);
	tcase_add_test(tc, test_original_id);
	tcase_add_test(tc, test_amazon_ses);
	tcase_add_test(tc, test_mbox);
	tcase_add_test(tc, test_outcome);
	tcase_add_test(tc, test_returned_message);
	tcase_add_test(tc, test_top_fields);
	tcase_add_test(tc, test_autoreply_languages);
	tcase_add_test(tc, test_memcasemem);
	suite_add_tcase(s, tc);

	TCase *th = tcase_create("hostile");
	tcase_add_checked_fixture(th, setup, teardown);
	tcase_set_timeout(th, 120);
	tcase_add_loop_test(th, test_hostile_table, 0,
	    (int)(sizeof(hcases) / sizeof(hcases[0])));
	tcase_add_test(th, test_nul_bytes);
	tcase_add_test(th, test_bad_recipient);
	tcase_add_test(th, test_too_big);
	tcase_add_test(th, test_many_rfc822_mentions);
	tcase_add_test(th, test_many_recipients);
	tcase_add_test(th, test_exim_many_failed);
	tcase_add_test(th, test_ses_too_long);
	tcase_add_test(th, test_deep_nesting);
	suite_add_tcase(s, th);

	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
