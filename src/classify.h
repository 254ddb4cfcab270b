/*
 * classify.h - the classifier: one recipient's SMTP result in, a verdict out.
 *
 * A `struct classifier` is compiled once from rule and provider-map data
 * files (or the built-in defaults) and is immutable afterwards: any number of
 * threads may share it.  Pattern scanning needs per-thread scratch space, so
 * each thread that classifies owns one `struct classify_scratch`.  Nothing
 * here performs I/O except classifier_load(), which reads the rule files.
 */
#ifndef REBOUND_CLASSIFY_H
#define REBOUND_CLASSIFY_H

#include <stddef.h>

#include "verdict.h"

/* The SMTP stage at which the reply was given, when known. */
enum rb_stage {
	RB_STAGE_UNKNOWN = 0,
	RB_STAGE_CONNECT,
	RB_STAGE_HELO,
	RB_STAGE_MAIL,
	RB_STAGE_RCPT,
	RB_STAGE_DATA,
	RB_STAGE_EOM,		/* end of DATA */
};

struct classify_input {
	int replycode;		/* 0 when absent */
	const char *enhanced;	/* "5.1.1" or NULL; may contradict the text */
	const char *text;	/* reply / diagnostic text, may be NULL */
	size_t textlen;		/* bytes of text; text need not be terminated */
	const char *recipient;	/* NULL when unknown */
	const char *mx;		/* remote host name when known, else NULL */
	enum rb_stage stage;
	enum rb_source source;
	/*
	 * What the reporter already says happened (Postfix status=, DSN
	 * Action:), or RB_OUTCOME_UNKNOWN to let the codes decide.
	 */
	enum rb_outcome hint;
	/*
	 * The result came from a delivery program, not an SMTP server (a
	 * DSN's "Diagnostic-Code: x-unix; ..."): with no other cause named,
	 * that program failed.
	 */
	int mailer;
};

struct classifier;
struct classify_scratch;

/*
 * Load and compile rules.  rules_path and providers_path name the data
 * files; NULL means the built-in defaults.  local_path, if not NULL, holds
 * operator overrides that take precedence.  On error returns NULL and writes
 * "file:line: reason" into err.
 */
struct classifier *classifier_load(const char *rules_path,
    const char *local_path, const char *providers_path,
    char *err, size_t errlen);
void classifier_free(struct classifier *);

struct classify_scratch *classify_scratch_new(const struct classifier *);
void classify_scratch_free(struct classify_scratch *);

/*
 * Classify one result.  Always fills *out (unclassifiable input yields
 * reason undefined, category other, action review) and returns 0; returns
 * -1 only when scratch space cannot be used (then *out is still the
 * conservative "review" verdict).
 */
int classify(const struct classifier *, struct classify_scratch *,
    const struct classify_input *, struct rb_verdict *out);

/* Number of rules loaded (for status and explanations). */
size_t classifier_rule_count(const struct classifier *);

/* Provider of a recipient domain / MX host: "gmail", ..., or "other". */
const char *classifier_provider(const struct classifier *,
    const char *recipient, const char *mx);

/*
 * The i-th provider name the map and the rules know ("other" among them),
 * or NULL past the last: for checking a name an operator asks about.
 */
const char *classifier_provider_name(const struct classifier *, unsigned i);

#endif
