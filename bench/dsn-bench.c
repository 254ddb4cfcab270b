/*
 * dsn-bench.c - bounce messages parsed and classified per second on one
 * thread: every file named is read into memory once, then parsed in a loop
 * until the given number of seconds of CPU time has been spent.  The rate
 * is per CPU second, so a machine busy with other work does not lower it;
 * the wall clock is printed beside it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "classify.h"
#include "dsn.h"

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* CPU time of this process: a busy machine does not inflate it. */
static double
cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

int
main(int argc, char **argv)
{
	char err[512];
	if (argc < 3) {
		fprintf(stderr, "usage: dsn-bench SECONDS FILE...\n");
		return (2);
	}
	double secs = atof(argv[1]);
	int n = argc - 2;
	char **buf = calloc((size_t)n, sizeof(*buf));
	size_t *len = calloc((size_t)n, sizeof(*len));
	for (int i = 0; i < n; i++) {
		FILE *f = fopen(argv[i + 2], "rb");
		if (f == NULL) {
			perror(argv[i + 2]);
			return (1);
		}
		fseek(f, 0, SEEK_END);
		long l = ftell(f);
		rewind(f);
		buf[i] = malloc((size_t)l + 1);
		len[i] = fread(buf[i], 1, (size_t)l, f);
		fclose(f);
	}
	dsn_init();
	struct classifier *cl = classifier_load(NULL, NULL, NULL, err,
	    sizeof(err));
	if (cl == NULL) {
		fprintf(stderr, "%s\n", err);
		return (1);
	}
	struct classify_scratch *sc = classify_scratch_new(cl);
	struct dsn_options opt;
	struct dsn_result res;
	dsn_options_init(&opt);
	dsn_result_init(&res);
	long msgs = 0, recs = 0;
	double t0 = now_s(), c0 = cpu_s(), c;
	do {
		for (int i = 0; i < n; i++) {
			if (dsn_parse(buf[i], len[i], &opt, cl, sc, &res) ==
			    DSN_OK)
				recs += (long)res.n;
			msgs++;
		}
		c = cpu_s() - c0;
	} while (c < secs);
	double t = now_s() - t0;
	printf("rebound: %ld messages in %.2f s CPU (%.2f s wall): "
	    "%.0f messages/s CPU (%ld records)\n", msgs, c, t, msgs / c, recs);
	dsn_result_free(&res);
	classify_scratch_free(sc);
	classifier_free(cl);
	for (int i = 0; i < n; i++)
		free(buf[i]);
	free(buf);
	free(len);
	return (0);
}
