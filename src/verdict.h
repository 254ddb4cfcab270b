/*
 * verdict.h - what the classifier says about one recipient's result.
 *
 * A verdict is a plain value: fixed-size fields, no pointers that need
 * freeing.  `fix` and `rule` point into the classifier's immutable rule set
 * and stay valid as long as that classifier does.
 */
#ifndef REBOUND_VERDICT_H
#define REBOUND_VERDICT_H

#include "taxonomy.h"

#define RB_ENHANCED_MAX	16	/* "5.7.26", "4.4.310" */
#define RB_PROVIDER_MAX	32
#define RB_TOKENS_MAX	96	/* provider-specific codes, space separated */

struct rb_verdict {
	enum rb_outcome outcome;
	enum rb_reason reason;
	enum rb_category category;
	enum rb_action action;
	int hardbounce;		/* 1: the address itself is dead */
	int replycode;		/* basic SMTP reply code, 0 if none */
	char enhanced[RB_ENHANCED_MAX];	/* enhanced status code, "" if none */
	char provider[RB_PROVIDER_MAX];	/* "gmail", ..., "other" */
	char tokens[RB_TOKENS_MAX];	/* e.g. "[TSS04]" "S3150" "AS(201806281)" */
	const char *fix;	/* one-line advice; never NULL after classify() */
	const char *rule;	/* id of the deciding rule, for explanations */
};

#endif
