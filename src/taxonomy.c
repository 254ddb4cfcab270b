/*
 * taxonomy.c - name tables for the verdict vocabularies (see taxonomy.h).
 *
 * Static, read-only data; safe from any thread.
 */
#include "config.h"

#include <stddef.h>
#include <strings.h>

#include "taxonomy.h"

static const char *const outcome_names[RB_OUTCOME__COUNT] = {
	"unknown", "delivered", "deferred", "bounced", "expired",
	"complaint", "auto-reply",
};

static const char *const reason_names[RB_REASON__COUNT] = {
	"undefined", "userunknown", "hostunknown", "hasmoved", "notaccept",
	"suspend", "mailboxfull", "exceedlimit", "mesgtoobig",
	"emailtoolarge", "authfailure", "requireptr", "notcompliantrfc",
	"badreputation", "blocked", "spamdetected", "virusdetected",
	"contenterror", "policyviolation", "rejected", "filtered",
	"securityerror", "norelaying", "speeding", "toomanyconn",
	"systemerror", "systemfull", "networkerror", "mailererror",
	"syntaxerror", "failedstarttls", "expired", "onhold", "suppressed",
	"feedback", "vacation", "delivered",
};

static const char *const category_names[RB_CATEGORY__COUNT] = {
	"other", "invalid-address", "invalid-domain", "mailbox-inactive",
	"mailbox-full", "authentication", "reputation", "blocklist",
	"rate-limit", "content", "policy", "message", "routing", "network",
	"remote-server", "expired", "complaint", "auto-reply", "delivered",
};

static const char *const action_names[RB_ACTION__COUNT] = {
	"review", "suppress", "retry", "slow-down", "fix-sender", "none",
};

static const char *const source_names[RB_SOURCE__COUNT] = {
	"log", "journal", "dsn", "complaint", "milter", "manual",
	"escalation", "import",
};

static const char *
name_of(const char *const *names, int count, int v)
{
	return (v >= 0 && v < count) ? names[v] : names[0];
}

static int
parse_in(const char *const *names, int count, const char *s, int *out)
{
	if (s == NULL)
		return (-1);
	for (int i = 0; i < count; i++) {
		if (strcasecmp(names[i], s) == 0) {
			*out = i;
			return (0);
		}
	}
	return (-1);
}

#define DEFINE_VOCAB(kind, type, table, count)				\
const char *								\
taxonomy_##kind##_name(type v)						\
{									\
	return (name_of(table, count, (int)v));				\
}									\
int									\
taxonomy_##kind##_parse(const char *s, type *out)			\
{									\
	int v;								\
	if (parse_in(table, count, s, &v) != 0)				\
		return (-1);						\
	*out = (type)v;							\
	return (0);							\
}

DEFINE_VOCAB(outcome, enum rb_outcome, outcome_names, RB_OUTCOME__COUNT)
DEFINE_VOCAB(reason, enum rb_reason, reason_names, RB_REASON__COUNT)
DEFINE_VOCAB(category, enum rb_category, category_names, RB_CATEGORY__COUNT)
DEFINE_VOCAB(action, enum rb_action, action_names, RB_ACTION__COUNT)
DEFINE_VOCAB(source, enum rb_source, source_names, RB_SOURCE__COUNT)

int
taxonomy_is_hardbounce(enum rb_reason r, int permanent)
{
	switch (r) {
	case RB_REASON_USERUNKNOWN:
	case RB_REASON_HOSTUNKNOWN:
	case RB_REASON_HASMOVED:
		return (1);
	case RB_REASON_NOTACCEPT:
		return (permanent ? 1 : 0);
	default:
		return (0);
	}
}
