/*
 * rules.h - the parsed, not yet compiled, form of rule and provider-map
 * files (format: rebound.rules(5)).
 *
 * rules_parse_*() are pure: they read text handed to them and append to a
 * caller-owned rule_set; they never open files.  The classifier
 * (classify.c) compiles a rule_set into its scanning database.
 */
#ifndef REBOUND_RULES_H
#define REBOUND_RULES_H

#include <stddef.h>

#include "taxonomy.h"

#define RULE_MAX_TEXT	4	/* text/re conditions per rule, all must hold */

/* An enhanced status code pattern; -1 in a field means "any". */
struct code_pat {
	int cls, subj, detail;
};

struct rule {
	char *id;
	char *origin;			/* "file:line", for explanations */
	int ntext;
	char *text[RULE_MAX_TEXT];	/* Vectorscan expression */
	int text_is_re[RULE_MAX_TEXT];
	int pattern[RULE_MAX_TEXT];	/* index into the compiled database */
	int has_code;
	struct code_pat code;
	int reply_lo, reply_hi;		/* 0,0 = any; 550,550; 500,599 */
	int stage;			/* enum rb_stage, 0 = any */
	char *provider;			/* NULL = any */
	int outcome;			/* enum rb_outcome, 0 = any */
	int reason;			/* enum rb_reason */
	int category;			/* enum rb_category, -1 = from reason */
	int action;			/* enum rb_action, -1 = derived */
	int prio;
	char *fix;			/* NULL = the category's default advice */
};

struct provider_pat {
	int is_mx;		/* 0: recipient domain, 1: MX host */
	int suffix;		/* 1: "*.example.com" matches below it */
	int anytld;		/* 1: "hotmail.*" matches hotmail.<any> */
	char *pattern;		/* lower case, without the "*." */
	size_t patlen;
	char *provider;
};

/* Operator advice per category, optionally for one provider. */
struct advice {
	int category;
	char *provider;		/* NULL = any provider */
	char *text;
};

struct rule_set {
	struct rule *rules;
	size_t nrules, rules_cap;
	struct provider_pat *prov;
	size_t nprov, prov_cap;
	struct advice *advice;
	size_t nadvice, advice_cap;
};

/*
 * Parse rule text (name is used in messages).  prio_bonus is added to every
 * rule's priority (local overrides).  Returns 0, or -1 with
 * "name:line: reason" in err.
 */
int rules_parse(struct rule_set *, const char *name, const char *text,
    size_t len, int prio_bonus, char *err, size_t errlen);
int rules_parse_providers(struct rule_set *, const char *name,
    const char *text, size_t len, char *err, size_t errlen);
void rules_free(struct rule_set *);

/* The built-in data (generated at build time from conf/). */
struct rules_builtin {
	const char *name;
	const char *text;
};
extern const struct rules_builtin rules_builtin_rules[];
extern const struct rules_builtin rules_builtin_providers[];

#endif
