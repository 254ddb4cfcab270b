/*
 * fuzz_logline.c - libFuzzer target for the log line parsers and the
 * queue correlation: the input is a log, split at newlines, fed through
 * one logproc (so correlation state carries across lines).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "logline.h"
#include "logproc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct classifier *cl;

static void
sink(void *arg, const struct rb_outcome_rec *o)
{
	(void)arg;
	(void)o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];

	if (cl == NULL && (cl = classifier_load(NULL, NULL, NULL, err, sizeof(err))) == NULL)
		abort();
	struct logproc_options o;
	logproc_options_default(&o);
	o.max_entries = 64;
	struct logproc *lp = logproc_new(cl, &o);
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		/* A copy of exactly len bytes: the parser must not read past it. */
		char *line = malloc(len ? len : 1);
		memcpy(line, p, len);
		struct logline ll;
		logline_parse(line, len, 1795608000, &ll);
		logproc_line(lp, line, len, 1795608000, sink, NULL);
		free(line);
		p += len + 1;
	}
	logproc_free(lp);
	return (0);
}
