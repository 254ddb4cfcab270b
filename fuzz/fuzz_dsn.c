/*
 * fuzz_dsn.c - libFuzzer target for the bounce parser: any bytes as one
 * message (and as an mbox), with small limits so that depth, part and
 * recipient caps are reached.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "classify.h"
#include "dsn.h"

static struct classifier *cl;
static struct classify_scratch *sc;

static int
one(const char *m, size_t len, void *arg)
{
	struct dsn_result *res = arg;
	struct dsn_options opt;
	struct rb_outcome_rec o;

	dsn_options_init(&opt);
	opt.max_size = 1 << 20;
	opt.max_depth = 8;
	opt.max_parts = 64;
	opt.max_recipients = 50;
	opt.verp[0] = "b+%l=%d@s.example";
	if (dsn_parse(m, len, &opt, cl, sc, res) == DSN_OK)
		for (size_t i = 0; i < res->n; i++)
			dsn_record_outcome(&res->rec[i], 0, &o);
	return (0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct dsn_result res;

	if (cl == NULL) {
		dsn_init();
		cl = classifier_load(NULL, NULL, NULL, err, sizeof(err));
		if (cl == NULL)
			abort();
		sc = classify_scratch_new(cl);
	}
	dsn_result_init(&res);
	dsn_mbox_split((const char *)data, size, one, &res);
	dsn_result_free(&res);
	return (0);
}
