/*
 * logline.h - pure parsers for MTA log lines (Postfix and Sendmail) behind
 * any of the usual syslog prefixes.
 *
 * logline_parse() reads one line and describes it with slices pointing
 * into that line: nothing is copied or allocated, so the result is valid
 * only while the caller's line buffer is.  Lines that are not about a
 * queued message are recognised cheaply and reported as LL_NONE.  No I/O,
 * no global state: any thread.
 */
#ifndef REBOUND_LOGLINE_H
#define REBOUND_LOGLINE_H

#include <stddef.h>
#include <time.h>

struct slice {
	const char *p;
	size_t n;
};

enum logline_kind {
	LL_NONE = 0,		/* not for us */
	LL_DELIVERY,		/* to=..., status=... (one recipient) */
	LL_FROM,		/* qmgr / sendmail: from=..., size=..., nrcpt=... */
	LL_MSGID,		/* cleanup: message-id=... */
	LL_CLIENT,		/* smtpd: client=..., sasl_username=... */
	LL_REMOVED,		/* qmgr: removed (the queue file is gone) */
	LL_BOUNCE,		/* bounce: sender non-delivery notification */
	LL_TIMEOUT,		/* sendmail: "DSN: Cannot send message for ..." */
	LL_CLONE,		/* sendmail: "clone OLDID, owner=OWNER": text
				   is OLDID, from the owner */
};

enum logline_mta {
	LL_MTA_UNKNOWN = 0,
	LL_MTA_POSTFIX,
	LL_MTA_SENDMAIL,
};

struct logline {
	enum logline_kind kind;
	enum logline_mta mta;
	time_t time;		/* 0 when the prefix had none that parsed */
	struct slice host;
	struct slice program;	/* "postfix/smtp", "postfix-out/smtp", "sm-mta" */
	struct slice queue_id;
	/* Delivery */
	struct slice to, orig_to, relay, dsn, status, text, delay, mailer;
	/* Message facts */
	struct slice from, size, nrcpt, msgid, client, sasl_user;
};

/*
 * Parse one line (without its newline).  now is used to give a year to
 * RFC 3164 timestamps (the most recent year that does not put the line
 * more than a day in the future).  Returns the kind (also in out->kind).
 */
enum logline_kind logline_parse(const char *line, size_t len, time_t now,
    struct logline *out);

/* Copy a slice into a buffer, cut to fit, always terminated. */
void logline_copy(char *dst, size_t dstsize, struct slice s);

/*
 * Scanning a Sendmail address list byte by byte: whether the byte at *q
 * is inside a quoted string or a comment ("Doe, John", "(Smith, Bob)"),
 * or opens one, so that a comma there ends nothing.  A backslash in quotes
 * takes the next byte with it (*q moves past it).  open: whether a quote
 * or comment may open here.  The state starts zeroed; left open at the
 * end, the caller scans again with open 0 (a quote never closed counts
 * for nothing).
 */
struct logline_scan {
	int quoted, comment;
};
int logline_scan_in(struct logline_scan *, const char **q, const char *end,
    int open);

#endif
