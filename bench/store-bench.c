/*
 * store-bench.c - figures for the store (bench/store runs it).
 *
 *   store-bench ingest DB N [B] apply N classified bounce outcomes in
 *                               batches of B (default 5,000, the
 *                               daemon's commit_batch);
 *                               prints outcomes per second
 *   store-bench fill DB N       add N suppressions straight into the
 *                               suppressions table (set-up for the next
 *                               two; not a figure)
 *   store-bench open DB         open the store (start-up: loads the
 *                               in-memory set), then time lookups: the
 *                               milter's path (fold + set) and the
 *                               control socket's (SQLite + JSON); prints
 *                               start-up time, p50/p99 and RSS
 *
 * Each mode is its own process so that RSS and start-up are those of a
 * daemon that has just opened a database of that size.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "outcome.h"
#include "store.h"
#include "supset.h"
#include "util.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* CPU time of this process (user + system): what a busy machine's other
 * processes do not inflate, unlike the wall clock. */
static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static long
status_kib(const char *field)
{
	char line[256];
	long v = -1;
	size_t n = strlen(field);
	FILE *fp = fopen("/proc/self/status", "r");

	if (fp == NULL)
		return (-1);
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, field, n) == 0 && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	fclose(fp);
	return (v);
}

static const char *domains[] = { "gmail.com", "outlook.com", "yahoo.com",
    "hotmail.com", "icloud.com", "gmx.de", "example.org", "example.net" };
static const char *providers[] = { "gmail", "microsoft", "yahoo",
    "microsoft", "apple", "gmx", "other", "other" };

/* Address i: a fixed mapping, so fill and open agree on what exists. */
static void
address(char *out, size_t n, unsigned long i)
{
	snprintf(out, n, "user%lu@%s", i, domains[i % 8]);
}

static struct store *
open_store(const char *db)
{
	struct store_options o;
	char err[256];
	struct store *st;

	store_options_default(&o);
	if ((st = store_open(db, &o, err, sizeof(err))) == NULL) {
		fprintf(stderr, "store-bench: %s\n", err);
		exit(1);
	}
	return (st);
}

/*
 * A realistic bounce mix: half unknown users (suppressed at once), a
 * quarter full mailboxes (retry state, escalation), a quarter sender-side
 * blocks (counters only).  Recipients repeat, as they do in real logs.
 */
static void
make_rec(struct rb_outcome_rec *r, unsigned long i, time_t t)
{
	unsigned long who = (i * 2654435761UL) % 2000000;

	outcome_init(r);
	r->source = RB_SOURCE_LOG;
	r->time = t;
	snprintf(r->queue_id, sizeof(r->queue_id), "4Q%08lX", i);
	address(r->recipient, sizeof(r->recipient), who);
	snprintf(r->sender, sizeof(r->sender), "news@shop%lu.example", i % 4);
	snprintf(r->message_id, sizeof(r->message_id), "<%lu@shop.example>", i);
	snprintf(r->relay, sizeof(r->relay), "mx.%s[192.0.2.%lu]:25",
	    domains[who % 8], i % 250);
	snprintf(r->transport, sizeof(r->transport), "smtp");
	util_strlcpy(r->v.provider, providers[who % 8], sizeof(r->v.provider));
	r->v.fix = "";
	r->v.rule = "bench";
	switch (i % 4) {
	case 0:
	case 1:
		r->v.outcome = RB_OUTCOME_BOUNCED;
		r->v.reason = RB_REASON_USERUNKNOWN;
		r->v.category = RB_CATEGORY_INVALID_ADDRESS;
		r->v.action = RB_ACTION_SUPPRESS;
		r->v.hardbounce = 1;
		r->v.replycode = 550;
		util_strlcpy(r->v.enhanced, "5.1.1", sizeof(r->v.enhanced));
		util_strlcpy(r->dsn, "5.1.1", sizeof(r->dsn));
		util_strlcpy(r->text, "550 5.1.1 The email account that you "
		    "tried to reach does not exist", sizeof(r->text));
		break;
	case 2:
		r->v.outcome = RB_OUTCOME_DEFERRED;
		r->v.reason = RB_REASON_MAILBOXFULL;
		r->v.category = RB_CATEGORY_MAILBOX_FULL;
		r->v.action = RB_ACTION_RETRY;
		r->v.replycode = 452;
		util_strlcpy(r->v.enhanced, "4.2.2", sizeof(r->v.enhanced));
		util_strlcpy(r->dsn, "4.2.2", sizeof(r->dsn));
		util_strlcpy(r->text, "452 4.2.2 The email account that you "
		    "tried to reach is over quota", sizeof(r->text));
		break;
	default:
		r->v.outcome = RB_OUTCOME_BOUNCED;
		r->v.reason = RB_REASON_BLOCKED;
		r->v.category = RB_CATEGORY_BLOCKLIST;
		r->v.action = RB_ACTION_FIX_SENDER;
		r->v.replycode = 554;
		util_strlcpy(r->v.enhanced, "5.7.1", sizeof(r->v.enhanced));
		util_strlcpy(r->dsn, "5.7.1", sizeof(r->dsn));
		util_strlcpy(r->text, "554 5.7.1 Service unavailable; client "
		    "host blocked using zen.spamhaus.org", sizeof(r->text));
		break;
	}
	outcome_make_key(r);
}

static int
ingest(const char *db, unsigned long n, size_t BATCH)
{
	struct store *st = open_store(db);
	struct rb_outcome_rec *recs = calloc(BATCH, sizeof(*recs));
	time_t t0 = time(NULL) - 86400;
	double build = 0, start, t;

	if (recs == NULL)
		return (1);
	double cbuild = 0, cstart, c;
	start = now_s();
	cstart = cpu_s();
	for (unsigned long i = 0; i < n; i += BATCH) {
		size_t k = n - i < BATCH ? (size_t)(n - i) : BATCH;
		t = now_s();
		c = cpu_s();
		for (size_t j = 0; j < k; j++)
			make_rec(&recs[j], i + j, t0 + (time_t)((i + j) / 20));
		build += now_s() - t;
		cbuild += cpu_s() - c;
		if (store_apply(st, recs, k, NULL, t0 + (time_t)(i / 20), NULL) != 0) {
			fprintf(stderr, "store-bench: store_apply failed\n");
			return (1);
		}
	}
	t = now_s() - start - build;
	c = cpu_s() - cstart - cbuild;
	store_close(st);
	printf("ingest: %lu bounce outcomes in %.2f s wall (%.2f s CPU) in the "
	    "store: %.0f outcomes/s (wall), %.0f outcomes/s (CPU), one thread, "
	    "batches of %zu\n", n, t, c, (double)n / t, (double)n / c, BATCH);
	free(recs);
	return (0);
}

static int
fill(const char *db, unsigned long n)
{
	struct store *st = open_store(db);	/* creates the schema */
	sqlite3 *h;
	sqlite3_stmt *s;
	char addr[RB_ADDR_MAX];
	double start = now_s();

	store_close(st);
	if (sqlite3_open(db, &h) != SQLITE_OK)
		return (1);
	sqlite3_exec(h, "PRAGMA synchronous=OFF; BEGIN", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(h, "INSERT OR IGNORE INTO suppressions(address, "
	    "reason, category, codes, text, source, evidence, created, expires) "
	    "VALUES(?, 'userunknown', 'invalid-address', '550 5.1.1', "
	    "'550 5.1.1 user unknown', 'log', 'queue_id=4Q000000', ?, 0)",
	    -1, &s, NULL) != SQLITE_OK) {
		fprintf(stderr, "store-bench: %s\n", sqlite3_errmsg(h));
		return (1);
	}
	for (unsigned long i = 0; i < n; i++) {
		address(addr, sizeof(addr), 100000000UL + i);
		sqlite3_bind_text(s, 1, addr, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, 1700000000 + (sqlite3_int64)(i % 1000000));
		sqlite3_step(s);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(h);
	printf("fill: %lu suppressions in %.1f s (set-up)\n", n, now_s() - start);
	/*
	 * The first open has no size hint, as after a crash; its close
	 * saves one, as a daemon's clean stop does.
	 */
	double t = now_s(), c = cpu_s();
	st = open_store(db);
	printf("start-up without a size hint (as after a crash): %.2f s wall "
	    "(%.2f s CPU)\n", now_s() - t, cpu_s() - c);
	store_close(st);
	return (0);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return ((x > y) - (x < y));
}

static void
report(const char *what, double *lat, size_t n)
{
	qsort(lat, n, sizeof(*lat), cmp_double);
	printf("%s: %zu lookups, p50 %.2f us, p99 %.2f us, max %.2f us\n", what,
	    n, lat[n / 2] * 1e6, lat[n * 99 / 100] * 1e6, lat[n - 1] * 1e6);
}

static int
open_and_lookup(const char *db, unsigned long nsupp)
{
	enum { FAST = 1000000, SLOW = 20000 };
	double start = now_s(), cstart = cpu_s();
	struct store *st = open_store(db);
	double startup = now_s() - start, cstartup = cpu_s() - cstart;
	struct supset *set = store_supset(st);
	double *lat = calloc(FAST, sizeof(*lat));
	char addr[RB_ADDR_MAX], folded[RB_ADDR_MAX];
	unsigned long hits = 0, x = 88172645463325252UL;

	printf("start-up: %.2f s wall (%.2f s CPU) to open with %zu suppressed "
	    "addresses\n", startup, cstartup, supset_count(set));
	printf("rss after open: %ld MiB (peak %ld MiB)\n",
	    status_kib("VmRSS") / 1024, status_kib("VmHWM") / 1024);
	if (lat == NULL)
		return (1);
	/* Half present, half absent, in random order. */
	for (size_t i = 0; i < FAST; i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		unsigned long k = (x >> 1) % (nsupp ? nsupp : 1);
		address(addr, sizeof(addr), (x & 1) ? 100000000UL + k : 900000000UL + k);
		double t = now_s();
		store_fold_address(st, addr, folded, sizeof(folded));
		hits += (unsigned long)supset_lookup(set, folded, NULL);
		lat[i] = now_s() - t;
	}
	report("lookup (milter path: fold + in-memory set)", lat, FAST);
	printf("  hits: %lu of %d (half were present)\n", hits, FAST);
	for (size_t i = 0; i < SLOW; i++) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		unsigned long k = (x >> 1) % (nsupp ? nsupp : 1);
		address(addr, sizeof(addr), (x & 1) ? 100000000UL + k : 900000000UL + k);
		double t = now_s();
		json_t *j = store_lookup(st, addr, time(NULL));
		lat[i] = now_s() - t;
		json_decref(j);
	}
	report("lookup (control socket: SQLite + JSON answer)", lat, SLOW);
	printf("rss at end: %ld MiB (peak %ld MiB)\n",
	    status_kib("VmRSS") / 1024, status_kib("VmHWM") / 1024);
	store_close(st);
	free(lat);
	return (0);
}

int
main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "ingest") == 0)
		return (ingest(argv[2], strtoul(argv[3], NULL, 10),
		    argc > 4 ? strtoul(argv[4], NULL, 10) : 5000));
	if (argc >= 4 && strcmp(argv[1], "fill") == 0)
		return (fill(argv[2], strtoul(argv[3], NULL, 10)));
	if (argc >= 4 && strcmp(argv[1], "open") == 0)
		return (open_and_lookup(argv[2], strtoul(argv[3], NULL, 10)));
	fprintf(stderr, "usage: store-bench ingest|fill|open DB N\n");
	return (2);
}
