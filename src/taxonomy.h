/*
 * taxonomy.h - the vocabularies of a verdict: outcome, reason, category,
 * action.
 *
 * These names are a contract with operators and their scripts (see
 * rebound.rules(5)): values may be added, never renamed.  The enums index
 * static name tables; nothing here allocates and every function is pure, so
 * any thread may call them.
 */
#ifndef REBOUND_TAXONOMY_H
#define REBOUND_TAXONOMY_H

enum rb_outcome {
	RB_OUTCOME_UNKNOWN = 0,
	RB_OUTCOME_DELIVERED,
	RB_OUTCOME_DEFERRED,
	RB_OUTCOME_BOUNCED,
	RB_OUTCOME_EXPIRED,
	RB_OUTCOME_COMPLAINT,
	RB_OUTCOME_AUTOREPLY,
	RB_OUTCOME__COUNT
};

/* Sisimai-compatible reason names; the order has no meaning. */
enum rb_reason {
	RB_REASON_UNDEFINED = 0,
	RB_REASON_USERUNKNOWN,
	RB_REASON_HOSTUNKNOWN,
	RB_REASON_HASMOVED,
	RB_REASON_NOTACCEPT,
	RB_REASON_SUSPEND,
	RB_REASON_MAILBOXFULL,
	RB_REASON_EXCEEDLIMIT,
	RB_REASON_MESGTOOBIG,
	RB_REASON_EMAILTOOLARGE,
	RB_REASON_AUTHFAILURE,
	RB_REASON_REQUIREPTR,
	RB_REASON_NOTCOMPLIANTRFC,
	RB_REASON_BADREPUTATION,
	RB_REASON_BLOCKED,
	RB_REASON_SPAMDETECTED,
	RB_REASON_VIRUSDETECTED,
	RB_REASON_CONTENTERROR,
	RB_REASON_POLICYVIOLATION,
	RB_REASON_REJECTED,
	RB_REASON_FILTERED,
	RB_REASON_SECURITYERROR,
	RB_REASON_NORELAYING,
	RB_REASON_SPEEDING,
	RB_REASON_TOOMANYCONN,
	RB_REASON_SYSTEMERROR,
	RB_REASON_SYSTEMFULL,
	RB_REASON_NETWORKERROR,
	RB_REASON_MAILERERROR,
	RB_REASON_SYNTAXERROR,
	RB_REASON_FAILEDSTARTTLS,
	RB_REASON_EXPIRED,
	RB_REASON_ONHOLD,
	RB_REASON_SUPPRESSED,
	RB_REASON_FEEDBACK,
	RB_REASON_VACATION,
	RB_REASON_DELIVERED,
	RB_REASON__COUNT
};

enum rb_category {
	RB_CATEGORY_OTHER = 0,
	RB_CATEGORY_INVALID_ADDRESS,
	RB_CATEGORY_INVALID_DOMAIN,
	RB_CATEGORY_MAILBOX_INACTIVE,
	RB_CATEGORY_MAILBOX_FULL,
	RB_CATEGORY_AUTHENTICATION,
	RB_CATEGORY_REPUTATION,
	RB_CATEGORY_BLOCKLIST,
	RB_CATEGORY_RATE_LIMIT,
	RB_CATEGORY_CONTENT,
	RB_CATEGORY_POLICY,
	RB_CATEGORY_MESSAGE,
	RB_CATEGORY_ROUTING,
	RB_CATEGORY_NETWORK,
	RB_CATEGORY_REMOTE_SERVER,
	RB_CATEGORY_EXPIRED,
	RB_CATEGORY_COMPLAINT,
	RB_CATEGORY_AUTOREPLY,
	RB_CATEGORY_DELIVERED,	/* not in the seed groups: a success */
	RB_CATEGORY__COUNT
};

enum rb_action {
	RB_ACTION_REVIEW = 0,
	RB_ACTION_SUPPRESS,
	RB_ACTION_RETRY,
	RB_ACTION_SLOW_DOWN,
	RB_ACTION_FIX_SENDER,
	RB_ACTION_NONE,
	RB_ACTION__COUNT
};

/* Where an outcome was learned. */
enum rb_source {
	RB_SOURCE_LOG = 0,
	RB_SOURCE_JOURNAL,
	RB_SOURCE_DSN,
	RB_SOURCE_COMPLAINT,
	RB_SOURCE_MILTER,
	RB_SOURCE_MANUAL,
	RB_SOURCE_ESCALATION,
	RB_SOURCE_IMPORT,
	RB_SOURCE__COUNT
};

/* Name of a value; never NULL (out-of-range values give "undefined"/"other"). */
const char *taxonomy_outcome_name(enum rb_outcome);
const char *taxonomy_reason_name(enum rb_reason);
const char *taxonomy_category_name(enum rb_category);
const char *taxonomy_action_name(enum rb_action);
const char *taxonomy_source_name(enum rb_source);

/* Parse a name (case-insensitive); return 0 and set *out, or -1. */
int taxonomy_outcome_parse(const char *, enum rb_outcome *out);
int taxonomy_reason_parse(const char *, enum rb_reason *out);
int taxonomy_category_parse(const char *, enum rb_category *out);
int taxonomy_action_parse(const char *, enum rb_action *out);
int taxonomy_source_parse(const char *, enum rb_source *out);

/*
 * Sisimai's rule: the address itself is dead only for these reasons, and
 * notaccept only with a permanent (5xx) reply.
 */
int taxonomy_is_hardbounce(enum rb_reason, int permanent);

#endif
