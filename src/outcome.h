/*
 * outcome.h - one delivery outcome for one recipient, as sources hand it to
 * the store: what happened (the verdict) plus the facts around it.
 *
 * A plain value with fixed-size, NUL-terminated fields: sources fill it,
 * queues copy it, the store owns nothing in it.  Over-long input is cut to
 * the field size (the cut is never an error).
 */
#ifndef REBOUND_OUTCOME_H
#define REBOUND_OUTCOME_H

#include <stdint.h>
#include <time.h>

#include "verdict.h"

#define RB_ADDR_MAX	256
#define RB_QUEUEID_MAX	32
#define RB_MSGID_MAX	256
#define RB_HOST_MAX	256
#define RB_TEXT_MAX	1024
#define RB_NAME_MAX	64

struct rb_outcome_rec {
	enum rb_source source;
	time_t time;			/* when the MTA logged / reported it */
	/*
	 * The date the line or report gave, when a wrong clock showed and
	 * time is when it was read instead; else 0.  The key is made from it,
	 * so the same line or report read twice is still one outcome.
	 */
	time_t reported;
	char queue_id[RB_QUEUEID_MAX];
	char recipient[RB_ADDR_MAX];
	char orig_recipient[RB_ADDR_MAX];
	char sender[RB_ADDR_MAX];
	char message_id[RB_MSGID_MAX];
	char relay[RB_HOST_MAX];	/* host[ip]:port as logged */
	char client[RB_HOST_MAX];	/* smtpd client= */
	char sasl_user[RB_NAME_MAX];
	char transport[RB_NAME_MAX];	/* e.g. "smtp", "postfix-out/smtp" */
	char dsn[RB_ENHANCED_MAX];	/* status code as reported */
	char text[RB_TEXT_MAX];		/* reply / diagnostic text */
	long size;			/* message size, -1 if unknown */
	/*
	 * A DSN nobody vouches for (milter_require_verified): recorded for
	 * the operator, but it changes no state, a delivery included.
	 */
	int unverified;
	/*
	 * Identity of this outcome for de-duplication: the same outcome
	 * seen twice (replay, restart, log and DSN) has the same key.
	 */
	char key[64];
	struct rb_verdict v;
};

/*
 * Whether n bytes at p can be a recipient kept in a field of cap bytes:
 * they fit whole (RFC 5321 allows 254) and hold no control byte.  Cut to
 * the field, an address would be another nobody mailed ("a...a@exam"),
 * and a NUL would end it early; log sources and the bounce parser both
 * drop such a recipient rather than keep a piece of it.
 */
int outcome_address_fits(const char *p, size_t n, size_t cap);

/*
 * addr in the form every outcome is keyed and stored by, into out (outlen
 * bytes, not overlapping addr): blanks and '<' before it and '>', blanks
 * and a trailing dot after it dropped, quotes its local part does not need
 * dropped ("dead"@x is dead@x), the domain lower-cased.  The local part's
 * case is kept: folding it is the store's option (address_case_fold).
 * Applied twice it changes nothing more.
 */
void outcome_canon_address(const char *addr, char *out, size_t outlen);
/*
 * Why addr (as an operator typed it, for suppress add or an import) is no
 * address to suppress, or NULL when it may be one: no '@', an empty local
 * part or domain, a control character, or a blank outside a quoted local
 * part ("a b"@x is one address, a b@x two words).
 */
const char *outcome_address_bad(const char *addr);

/* Zero a record (size -1: unknown). */
void outcome_init(struct rb_outcome_rec *);
/*
 * Fill o->key from recipient (in outcome_canon_address's form), queue ID
 * (or original Message-ID), outcome, and for repeating outcomes (deferrals)
 * the time (as reported) and status code.
 */
void outcome_make_key(struct rb_outcome_rec *);

#endif
