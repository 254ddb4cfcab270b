/*
 * dsn.h - the bounce-message parser: one returned message in, one record per
 * failed, delayed or complaining recipient out.
 *
 * Reads RFC 3464 delivery-status reports, the human-readable bodies of
 * mail systems that send none, RFC 5965 feedback reports and RFC 3834
 * auto-replies.  A pure library: input is a buffer holding one message, no
 * file or socket I/O.  Every record is classified with the caller's
 * classifier and scratch space.
 *
 * Threads: call dsn_init() once (it is idempotent and thread-safe); after
 * that any thread may call dsn_parse() with its own classify_scratch and its
 * own result.  There is no global mutable state.
 */
#ifndef REBOUND_DSN_H
#define REBOUND_DSN_H

#include <stddef.h>
#include <time.h>

#include "classify.h"
#include "outcome.h"
#include "verdict.h"

#define DSN_VERP_MAX	4

struct dsn_options {
	size_t max_size;	/* bytes of one message; default 50 MB */
	int max_depth;		/* MIME nesting; default 32 */
	int max_parts;		/* MIME parts walked; default 1,000 */
	size_t max_recipients;	/* records per message; default 10,000 */
	/*
	 * VERP return-path patterns, e.g. "bounces+%l=%d@sender.example":
	 * %l is the recipient's local part, %d its domain.  Unused slots NULL.
	 */
	const char *verp[DSN_VERP_MAX];
};

/* One failed, delayed or complaining recipient. */
struct dsn_record {
	char recipient[RB_ADDR_MAX];
	char orig_recipient[RB_ADDR_MAX];
	char action[32];		/* Action: as reported, lower case */
	char status[RB_ENHANCED_MAX];	/* "5.1.1", "" if none */
	int replycode;			/* 550, 0 if none */
	char diagnostic[RB_TEXT_MAX];	/* unfolded, whitespace squeezed */
	char remote_mta[RB_HOST_MAX];
	char reporting_mta[RB_HOST_MAX];
	time_t last_attempt;		/* 0 if unknown */
	time_t report_date;		/* the bounce's own Date:, 0 if none */
	char orig_message_id[RB_MSGID_MAX];
	char orig_from[RB_ADDR_MAX];
	char envelope_sender[RB_ADDR_MAX];
	char orig_queue_id[RB_QUEUEID_MAX];	/* X-Postfix-Queue-ID */
	char feedback_type[32];		/* ARF Feedback-Type, "" otherwise */
	int address_refused;		/* the reporter says the address was */
	int own_verdict;		/* the reporter's own agent failed it */
	int mailer;		/* a delivery program reported it (x-unix) */
	int diag_is_comment;		/* diagnostic is the Status: comment */
	struct rb_verdict v;
};

/* Records of one message; owned by the caller, reusable across calls. */
struct dsn_result {
	struct dsn_record *rec;
	size_t n;
	size_t cap;
	int truncated;		/* max_recipients reached */
	char format[32];	/* "rfc3464", "arf", "autoreply", "exim", ... */
};

enum dsn_status {
	DSN_OK = 0,		/* a bounce, complaint or auto-reply: n >= 1 */
	DSN_NOT_BOUNCE,		/* a well-formed message that reports nothing */
	DSN_TOO_BIG,		/* over max_size: not parsed */
	DSN_BAD_MESSAGE,	/* not a parseable message */
	DSN_NOMEM,
};

/* Set up GMime once per process; safe to call from any thread, any time. */
void dsn_init(void);

/* Defaults listed above. */
void dsn_options_init(struct dsn_options *);

void dsn_result_init(struct dsn_result *);
void dsn_result_free(struct dsn_result *);

/*
 * Parse one message of len bytes (any line ends: LF, CRLF, CR; NUL bytes
 * allowed).  Clears and fills *res; records are classified with cl and
 * scratch.  Returns a dsn_status; on error *res holds no records.
 */
enum dsn_status dsn_parse(const char *buf, size_t len,
    const struct dsn_options *, const struct classifier *cl,
    struct classify_scratch *scratch, struct dsn_result *res);

/*
 * The recipient a VERP return path names under opt's patterns, in out
 * (outlen bytes); a BATV prvs= tag around addr is looked through, not
 * checked.  0 when addr matches no pattern.  Any thread.
 */
int dsn_verp_recipient(const struct dsn_options *opt, const char *addr,
    char *out, size_t outlen);

/* A human-readable word for a dsn_status. */
const char *dsn_strerror(enum dsn_status);

/*
 * How far a report's date may lie from the time it arrives.  A report
 * dated more than DSN_DATE_AHEAD seconds after now, or more than
 * DSN_DATE_BEHIND before it (longer than any queue keeps a message), is
 * taken as dated now: a remote clock that is wrong must not stretch a
 * recipient's soft failures over the escalation span in minutes.
 */
#define DSN_DATE_AHEAD	600
#define DSN_DATE_BEHIND	(7 * 86400L)

/*
 * Turn a record into an outcome for the store: source RB_SOURCE_DSN or,
 * for feedback reports, RB_SOURCE_COMPLAINT; key filled by
 * outcome_make_key().  Its time is the Last-Attempt-Date, or else the
 * bounce's own Date:; now when it has neither, and when its date is out
 * of the bounds above.  The key is made from the date as reported, so the
 * same report arriving twice (a redelivery, a restart before the milter
 * answered) is still one outcome.  Returns 1 when the date was out of
 * bounds, else 0.
 */
int dsn_record_outcome(const struct dsn_record *, time_t now,
    struct rb_outcome_rec *out);

/*
 * Split an mbox buffer ("From " separator lines) into messages.  Calls
 * fn(msg, len, arg) per message; a buffer not starting with "From " is one
 * message.  Stops and returns fn's value when it is non-zero, else 0.
 */
int dsn_mbox_split(const char *buf, size_t len,
    int (*fn)(const char *msg, size_t len, void *arg), void *arg);

#endif
