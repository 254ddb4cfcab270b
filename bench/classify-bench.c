/*
 * classify-bench.c - classifications per second on one thread.
 *
 * Reads reply texts, one per line ("ENHANCED<TAB>TEXT" or just TEXT),
 * classifies them round-robin for about the given number of seconds with
 * the built-in rules, and prints the rate.  Used by bench/classify.
 * CLASSIFY_BENCH_ROUNDS=N in the environment runs exactly N rounds over the
 * texts instead, so that instruction counts (callgrind) do not depend on
 * how fast the machine is.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* CPU time of this process: a busy machine does not inflate it. */
static double
cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

int
main(int argc, char **argv)
{
	char err[512], *line = NULL;
	size_t cap = 0, n = 0, ncap = 0;
	ssize_t len;
	struct classify_input *in = NULL;
	double secs = argc > 2 ? atof(argv[2]) : 5.0;
	FILE *fp;

	if (argc < 2 || (fp = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "usage: classify-bench TEXTS [SECONDS]\n");
		return (2);
	}
	while ((len = getline(&line, &cap, fp)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (n == ncap) {
			ncap = ncap ? ncap * 2 : 256;
			in = realloc(in, ncap * sizeof(*in));
		}
		memset(&in[n], 0, sizeof(in[n]));
		char *tab = strchr(line, '\t');
		char *text = strdup(tab ? tab + 1 : line);
		if (tab) {
			*tab = '\0';
			in[n].enhanced = strdup(line);
		}
		in[n].text = text;
		in[n].textlen = strlen(text);
		in[n].recipient = "someone@example.com";
		n++;
	}
	fclose(fp);
	if (n == 0)
		return (1);
	/* An optional third argument names a rule file instead of the built-in set. */
	struct classifier *cl = classifier_load(argc > 3 ? argv[3] : NULL, NULL, NULL,
	    err, sizeof(err));
	if (cl == NULL) {
		fprintf(stderr, "%s\n", err);
		return (1);
	}
	struct classify_scratch *sc = classify_scratch_new(cl);
	struct rb_verdict v;
	unsigned long count = 0, sink = 0;
	const char *re = getenv("CLASSIFY_BENCH_ROUNDS");
	unsigned long rounds = re != NULL ? strtoul(re, NULL, 10) : 0;
	double t0 = now(), c0 = cpu(), t;
	do {
		for (size_t i = 0; i < n; i++) {
			classify(cl, sc, &in[i], &v);
			sink += (unsigned long)v.reason;
		}
		count += n;
		t = now();
	} while (rounds > 0 ? count / n < rounds : t - t0 < secs);
	double c = cpu() - c0;
	printf("classify: %zu distinct texts, %lu classifications in %.2f s wall "
	    "(%.2f s CPU): %.0f per second (wall), %.0f per second (CPU), one thread\n",
	    n, count, t - t0, c, count / (t - t0), count / c);
	classify_scratch_free(sc);
	classifier_free(cl);
	return (sink == 0 ? 0 : 0);
}
