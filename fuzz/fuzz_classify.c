/*
 * fuzz_classify.c - libFuzzer target for the classifier and the rule
 * parser.  The first byte chooses: odd = the input is a reply text to
 * classify with the built-in rules; even = the input is a rule file (and,
 * when it parses, it is compiled and run against a fixed reply).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct classifier *cl;
static struct classify_scratch *sc;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct classify_input in;
	struct rb_verdict v;

	if (cl == NULL) {
		cl = classifier_load(NULL, NULL, NULL, err, sizeof(err));
		if (cl == NULL)
			abort();
		sc = classify_scratch_new(cl);
	}
	if (size == 0)
		return (0);
	memset(&in, 0, sizeof(in));
	if (data[0] & 1) {
		/* The text is not NUL-terminated: textlen is the contract. */
		char *copy = malloc(size - 1 ? size - 1 : 1);
		memcpy(copy, data + 1, size - 1);
		in.text = copy;
		in.textlen = size - 1;
		in.recipient = "someone@gmail.com";
		in.hint = (enum rb_outcome)(data[0] >> 1) % RB_OUTCOME__COUNT;
		in.stage = (enum rb_stage)((data[0] >> 4) % 7);
		classify(cl, sc, &in, &v);
		free(copy);
	} else {
		struct rule_set rs;
		memset(&rs, 0, sizeof(rs));
		if (rules_parse(&rs, "fuzz", (const char *)data + 1, size - 1, 0,
		    err, sizeof(err)) == 0)
			(void)rs.nrules;
		rules_free(&rs);
		memset(&rs, 0, sizeof(rs));
		rules_parse_providers(&rs, "fuzz", (const char *)data + 1,
		    size - 1, err, sizeof(err));
		rules_free(&rs);
	}
	return (0);
}
