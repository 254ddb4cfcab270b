/*
 * dsn_int.h - what the parts of the bounce parser share (not exported).
 *
 * One struct dsn_ctx lives on the caller's stack for the duration of one
 * dsn_parse() call: it owns the decoded text it points to and is the only
 * state; nothing here is global, so threads never meet.
 */
#ifndef REBOUND_DSN_INT_H
#define REBOUND_DSN_INT_H

#include <stddef.h>

#include "dsn.h"

/* Bytes of human-readable text kept for the body scanners. */
#define DSN_TEXT_KEEP	(256 * 1024)

struct dsn_ctx {
	const struct dsn_options *opt;
	const struct classifier *cl;
	struct classify_scratch *scratch;
	struct dsn_result *res;

	/* The bounce's own headers. */
	char subject[512];
	char from[RB_ADDR_MAX];
	char to[RB_ADDR_MAX];		/* envelope: Delivered-To, ... */
	char to_hdr[RB_ADDR_MAX];	/* the To: header */
	char failed_rcpts[16384];	/* X-Failed-Recipients */
	int failed_rcpts_cut;		/* longer: cut after a whole address */
	int auto_replied;		/* RFC 3834 markers present */
	int mua;			/* In-Reply-To, References, User-Agent
					   or X-Mailer present */
	int list_server;		/* a mailing list's header fields */
	int unsubscribe;		/* a mail client's one-click opt-out */
	int forensic;			/* a DMARC failure report in text */
	int successes;		/* report records that say delivered */
	int stage;			/* enum rb_stage seen in the text */

	/* The returned original message's headers. */
	char om_msgid[RB_MSGID_MAX];
	char om_from[RB_ADDR_MAX];
	char om_rpath[RB_ADDR_MAX];
	char om_to[RB_ADDR_MAX];
	char om_complainant[RB_ADDR_MAX];	/* a webmail FBL's recipient */
	/* A Delivered-To above its first Received: the last delivery's. */
	char om_delivered[RB_ADDR_MAX];

	/* Decoded UTF-8 text: human-readable part, report parts. */
	char *text;
	size_t textlen;
	char *status;		/* message/delivery-status */
	size_t statuslen;
	char *feedback;		/* message/feedback-report */
	size_t feedbacklen;
	int parts;
	size_t cut;		/* where the returned message starts in text */
	int cut_known;
	int cut_at_headers;	/* the cut is a header block, no marker */
	/*
	 * The whole readable block about the record being finished, when
	 * longer than its diagnostic field: the classifier reads all of it.
	 */
	const char *block;
	size_t blocklen;
	/* The first returned message (a GMimeMessage), owned by the parse. */
	void *inner;
};

/* dsn_report.c: RFC 3464 and RFC 5965 field blocks. */
void dsn_untyped(const char **, size_t *);
int dsn_type_is(const char *, size_t, const char *);
int dsn_report_status(struct dsn_ctx *, const char *, size_t);
int dsn_report_feedback(struct dsn_ctx *, const char *, size_t);
void dsn_report_rfc822_headers(struct dsn_ctx *, const char *, size_t);

/* dsn_ses.c: Amazon SES notifications (JSON); records added. */
int dsn_ses_scan(struct dsn_ctx *);

/* dsn_body.c: bounces whose facts are only in the readable text. */
int dsn_body_scan(struct dsn_ctx *);
int dsn_body_is_bounce(struct dsn_ctx *);
int dsn_body_is_autoreply(const struct dsn_ctx *);
int dsn_body_add_rcpt(struct dsn_ctx *, const char *, const char *,
    size_t, const char *, size_t, int);

/* dsn_list.c: a list server's refusal of a post; records added. */
int dsn_list_notice(struct dsn_ctx *);
void dsn_body_fill(struct dsn_ctx *, size_t);
void dsn_body_quoted_headers(struct dsn_ctx *);

/* dsn_verp.c: recipient from a VERP return path. */
int dsn_verp_decode(const struct dsn_options *, const char *addr,
    char *out, size_t outlen);

/* dsn_record.c: add one record and classify it. */
struct dsn_record *dsn_record_new(struct dsn_ctx *);
void dsn_record_finish(struct dsn_ctx *, struct dsn_record *,
    enum rb_outcome hint);

/* dsn_parse.c: RFC 5322 date to time_t, 0 when unparseable. */
time_t dsn_date_parse(const char *);

/* dsn_util.c: small text helpers. */
void dsn_copy(char *dst, size_t dstlen, const char *src, size_t n);
void dsn_squeeze(char *dst, size_t dstlen, const char *src, size_t n);
int dsn_find_addr(const char *s, size_t n, size_t *start, size_t *alen);
void dsn_addr_clean(char *dst, size_t dstlen, const char *src, size_t n);
/*
 * The mail address inside an X.400 O/R address ("/dda:SMTP=bob@x/",
 * "/RFC-822=bob(a)x/"), escapes undone, into dst; 0 when there is none.
 */
int dsn_x400_mail_addr(char *dst, size_t dstlen, const char *s, size_t n);
void dsn_codes(const char *s, size_t n, char *status, size_t slen,
    int *replycode);

#endif
