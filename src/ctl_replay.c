/*
 * ctl_replay.c - the offline verb "replay" of reboundctl(1): parse and
 * classify log files (plain or .gz) without a daemon.
 *
 *   replay [--json] FILE...
 *
 * --json writes one object per outcome; otherwise a summary by provider
 * and category with the dominant codes.  Single-threaded.
 *
 * The summary's counts are kept per provider and category, which are few
 * (the provider map's names by the categories), so its tables add up to
 * the outcomes line whatever the log.  Codes, which a log can hold by the
 * thousand, are kept for the first SUMMARY_MAX provider, category and code
 * combinations only: they name the dominant codes, and the summary says
 * how many outcomes had a code past them.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "classify.h"
#include "ctl.h"
#include "jsontext.h"
#include "replay.h"
#include "rotation.h"

#define SUMMARY_MAX	4096

struct row {
	char provider[RB_PROVIDER_MAX];
	enum rb_category category;
	char code[RB_ENHANCED_MAX];	/* "" in a group, which has every code */
	unsigned long count[RB_OUTCOME__COUNT];
	unsigned long total;
};

struct replay_out {
	int json;
	const char *file;
	struct row *rows;		/* by code, at most SUMMARY_MAX */
	size_t nrows;
	struct row *groups;		/* by provider and category, all */
	size_t ngroups, groups_room;
	unsigned long by_outcome[RB_OUTCOME__COUNT];
	unsigned long codes_left_out;	/* outcomes of codes past the rows */
	unsigned long untabled;		/* outcomes no group had room for */
	time_t since, until;		/* the period asked for; 0: open */
	time_t first, last;		/* of the outcomes in it */
	unsigned long outside;		/* outcomes outside it */
};

static void
iso_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int
row_is(const struct row *r, const struct rb_verdict *v, const char *code)
{
	return (r->category == v->category &&
	    strcmp(r->provider, v->provider) == 0 &&
	    strcmp(r->code, code) == 0);
}

static void
row_init(struct row *r, const struct rb_verdict *v, const char *code)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->provider, sizeof(r->provider), "%s", v->provider);
	r->category = v->category;
	snprintf(r->code, sizeof(r->code), "%s", code);
}

static void
row_count(struct row *r, const struct rb_verdict *v)
{
	r->count[v->outcome]++;
	r->total++;
}

/* The provider and category of every outcome: what the tables add up. */
static void
count_group(struct replay_out *ro, const struct rb_verdict *v)
{
	for (size_t i = 0; i < ro->ngroups; i++)
		if (row_is(&ro->groups[i], v, "")) {
			row_count(&ro->groups[i], v);
			return;
		}
	if (ro->ngroups == ro->groups_room) {
		size_t room = ro->groups_room ? 2 * ro->groups_room : 64;
		struct row *g = realloc(ro->groups, room * sizeof(*g));
		if (g == NULL) {
			/* Counted in the outcomes line; the summary says so. */
			ro->untabled++;
			return;
		}
		ro->groups = g;
		ro->groups_room = room;
	}
	struct row *r = &ro->groups[ro->ngroups++];
	row_init(r, v, "");
	row_count(r, v);
}

/* Its code, for the dominant codes, while there is room for one more. */
static void
count_code(struct replay_out *ro, const struct rb_verdict *v)
{
	for (size_t i = 0; i < ro->nrows; i++)
		if (row_is(&ro->rows[i], v, v->enhanced)) {
			row_count(&ro->rows[i], v);
			return;
		}
	if (ro->nrows == SUMMARY_MAX) {
		ro->codes_left_out++;
		return;
	}
	struct row *r = &ro->rows[ro->nrows++];
	row_init(r, v, v->enhanced);
	row_count(r, v);
}

static void
on_outcome(void *arg, const struct rb_outcome_rec *o, uint64_t lineno)
{
	struct replay_out *ro = arg;
	const struct rb_verdict *v = &o->v;

	/*
	 * Outside the period asked for: not listed, not counted.  Its lines
	 * were still read: a deferral before the period joins its expiry in
	 * it.
	 */
	if ((ro->since != 0 && o->time < ro->since) ||
	    (ro->until != 0 && o->time >= ro->until)) {
		ro->outside++;
		return;
	}
	if (ro->first == 0 || o->time < ro->first)
		ro->first = o->time;
	if (o->time > ro->last)
		ro->last = o->time;
	ro->by_outcome[v->outcome]++;
	if (ro->json) {
		char t[32];
		iso_time(o->time, t, sizeof(t));
		json_t *j = json_object();
		json_set_text(j, "file", ro->file);
		json_object_set_new(j, "line", json_integer((json_int_t)lineno));
		json_object_set_new(j, "time", json_string(t));
		json_set_text(j, "queue_id", o->queue_id);
		json_set_text(j, "sender", o->sender);
		json_set_text(j, "recipient", o->recipient);
		json_set_text(j, "relay", o->relay);
		json_set_text(j, "dsn", o->dsn);
		json_object_set_new(j, "outcome", json_string(taxonomy_outcome_name(v->outcome)));
		json_set_text(j, "text", o->text);
		json_object_set_new(j, "reason", json_string(taxonomy_reason_name(v->reason)));
		json_object_set_new(j, "hardbounce", json_integer(v->hardbounce));
		json_object_set_new(j, "category", json_string(taxonomy_category_name(v->category)));
		json_object_set_new(j, "action", json_string(taxonomy_action_name(v->action)));
		json_set_text(j, "provider", v->provider);
		json_set_text(j, "message_id", o->message_id);
		json_set_text(j, "transport", o->transport);
		json_set_text(j, "client", o->client);
		json_set_text(j, "sasl_user", o->sasl_user);
		json_object_set_new(j, "size", o->size >= 0 ?
		    json_integer((json_int_t)o->size) : json_null());
		/* Log text may hold any bytes: json_set_text() kept them as '?'. */
		char *d = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
		if (d != NULL) {
			puts(d);
			free(d);
		}
		json_decref(j);
		return;
	}
	count_group(ro, v);
	count_code(ro, v);
}

/* Provider, then category: the order of both tables' lines. */
static int
cmp_keys(const struct row *x, const struct row *y)
{
	int c = strcmp(x->provider, y->provider);

	if (c != 0)
		return (c);
	if (x->category != y->category)
		return ((int)x->category - (int)y->category);
	return (0);
}

static int
cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = cmp_keys(x, y);

	if (c != 0)
		return (c);
	return (x->total < y->total ? 1 : x->total > y->total ? -1 : 0);
}

/* One provider's outcomes, for the table by provider. */
struct prow {
	const char *provider;
	unsigned long c[RB_OUTCOME__COUNT];
	unsigned long total;
};

static int
cmp_prows(const void *a, const void *b)
{
	const struct prow *x = a, *y = b;

	if (x->total != y->total)
		return (x->total < y->total ? 1 : -1);
	return (strcmp(x->provider, y->provider));
}

/*
 * Per provider, most mail first: its totals and bounce rate (bounced and
 * expired over the final outcomes), the figure a provider's complaint
 * about a sender is about.
 */
static void
print_providers(const struct replay_out *ro)
{
	struct prow *p = calloc(ro->ngroups ? ro->ngroups : 1, sizeof(*p));
	size_t n = 0;

	if (p == NULL)
		return;
	for (size_t i = 0; i < ro->ngroups; i++) {
		const struct row *g = &ro->groups[i];
		size_t k = 0;
		while (k < n && strcmp(p[k].provider, g->provider) != 0)
			k++;
		if (k == n)
			p[n++].provider = g->provider;
		for (int o = 0; o < RB_OUTCOME__COUNT; o++)
			p[k].c[o] += g->count[o];
		p[k].total += g->total;
	}
	qsort(p, n, sizeof(*p), cmp_prows);
	printf("\n%-14s %10s %10s %10s %10s %10s %12s\n", "PROVIDER", "TOTAL",
	    "DELIVERED", "DEFERRED", "BOUNCED", "EXPIRED", "BOUNCE RATE");
	for (size_t k = 0; k < n; k++) {
		unsigned long fin = p[k].c[RB_OUTCOME_DELIVERED] +
		    p[k].c[RB_OUTCOME_BOUNCED] + p[k].c[RB_OUTCOME_EXPIRED];
		unsigned long bad = p[k].c[RB_OUTCOME_BOUNCED] +
		    p[k].c[RB_OUTCOME_EXPIRED];
		char rate[16] = "-";
		if (fin > 0)
			snprintf(rate, sizeof(rate), "%.2f%%", 100.0 * (double)bad / (double)fin);
		printf("%-14s %10lu %10lu %10lu %10lu %10lu %12s\n", p[k].provider,
		    p[k].total, p[k].c[RB_OUTCOME_DELIVERED],
		    p[k].c[RB_OUTCOME_DEFERRED], p[k].c[RB_OUTCOME_BOUNCED],
		    p[k].c[RB_OUTCOME_EXPIRED], rate);
	}
	free(p);
}

/*
 * The three most frequent codes of group g, from the code rows (sorted
 * as the groups are) at *j onwards; *j is left past them.
 */
static void
group_codes(const struct replay_out *ro, const struct row *g, size_t *j,
    char *codes, size_t len)
{
	int shown = 0;

	codes[0] = '\0';
	while (*j < ro->nrows && cmp_keys(&ro->rows[*j], g) < 0)
		(*j)++;
	for (; *j < ro->nrows && cmp_keys(&ro->rows[*j], g) == 0; (*j)++) {
		const struct row *r = &ro->rows[*j];
		if (shown < 3 && r->code[0] != '\0') {
			size_t l = strlen(codes);
			snprintf(codes + l, len - l, "%s%s(%lu)",
			    shown ? " " : "", r->code, r->total);
			shown++;
		}
	}
}

static void
print_summary(struct replay_out *ro, const struct logproc_stats *st)
{
	qsort(ro->rows, ro->nrows, sizeof(*ro->rows), cmp_rows);
	qsort(ro->groups, ro->ngroups, sizeof(*ro->groups), cmp_rows);
	printf("%-14s %-17s %10s %10s %10s %10s  %s\n", "PROVIDER", "CATEGORY",
	    "DELIVERED", "DEFERRED", "BOUNCED", "EXPIRED", "DOMINANT CODES");
	size_t j = 0;
	for (size_t i = 0; i < ro->ngroups; i++) {
		const struct row *g = &ro->groups[i];
		char codes[128];
		group_codes(ro, g, &j, codes, sizeof(codes));
		printf("%-14s %-17s %10lu %10lu %10lu %10lu  %s\n", g->provider,
		    taxonomy_category_name(g->category),
		    g->count[RB_OUTCOME_DELIVERED], g->count[RB_OUTCOME_DEFERRED],
		    g->count[RB_OUTCOME_BOUNCED], g->count[RB_OUTCOME_EXPIRED],
		    codes);
	}
	/*
	 * The counts are whole; only the codes' choice may have missed some.
	 * Said after the table's end (a blank line), which scripts read to.
	 */
	if (ro->codes_left_out > 0)
		printf("\n(dominant codes from the first %d provider, category and "
		    "code combinations: %lu outcomes with later codes are counted "
		    "above but not among them)\n", SUMMARY_MAX, ro->codes_left_out);
	if (ro->untabled > 0)
		printf("\n(%lu outcomes left out of both tables: out of memory)\n",
		    ro->untabled);
	print_providers(ro);
	if (ro->first != 0) {
		char a[32], b[32];
		iso_time(ro->first, a, sizeof(a));
		iso_time(ro->last, b, sizeof(b));
		printf("\noutcomes from %s to %s", a, b);
	} else {
		printf("\nno outcomes");
	}
	if (ro->since != 0 || ro->until != 0)
		printf(" (%lu outside the period asked for)", ro->outside);
	printf("\n");
	unsigned long long in_period = 0;
	for (int k = 0; k < RB_OUTCOME__COUNT; k++)
		in_period += ro->by_outcome[k];
	printf("lines %llu, outcomes %llu (delivered %lu, deferred %lu, bounced %lu, expired %lu), "
	    "not outcomes %llu, oversized %llu, queue IDs evicted %llu, "
	    "address probes %llu, handoffs %llu, dated ahead of now %llu, "
	    "deferred recipients not held %llu, not addresses %llu\n",
	    (unsigned long long)st->lines, (unsigned long long)in_period,
	    ro->by_outcome[RB_OUTCOME_DELIVERED], ro->by_outcome[RB_OUTCOME_DEFERRED],
	    ro->by_outcome[RB_OUTCOME_BOUNCED], ro->by_outcome[RB_OUTCOME_EXPIRED],
	    (unsigned long long)st->skipped, (unsigned long long)st->oversized,
	    (unsigned long long)st->evicted, (unsigned long long)st->probes,
	    (unsigned long long)st->handoffs, (unsigned long long)st->future,
	    (unsigned long long)st->pending_dropped,
	    (unsigned long long)st->bad_address);
}

/* "2026-07-01" or "2026-07-01T12:00:00Z" (UTC) as a time; 0 if neither. */
static time_t
utc_date(const char *s)
{
	struct tm tm;
	const char *e;

	memset(&tm, 0, sizeof(tm));
	if ((e = strptime(s, "%Y-%m-%d", &tm)) == NULL)
		return (0);
	if (*e == 'T' && (e = strptime(e + 1, "%H:%M:%S", &tm)) != NULL &&
	    *e == 'Z')
		e++;
	if (e == NULL || *e != '\0')
		return (0);
	time_t t = timegm(&tm);
	return (t > 0 ? t : 0);
}

int
ctl_replay(int argc, char **argv)
{
	struct replay_out ro;
	char err[512];
	int i = 1, rc = 0;

	memset(&ro, 0, sizeof(ro));
	for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		if (strcmp(argv[i], "--json") == 0)
			ro.json = 1;
		else if ((strcmp(argv[i], "--since") == 0 ||
		    strcmp(argv[i], "--until") == 0) && i + 1 < argc) {
			time_t *t = argv[i][2] == 's' ? &ro.since : &ro.until;
			if ((*t = utc_date(argv[i + 1])) == 0) {
				fprintf(stderr, "reboundctl: replay: %s: \"%s\" is not a "
				    "date (2026-07-01, 2026-07-01T12:00:00Z)\n",
				    argv[i], argv[i + 1]);
				return (2);
			}
			i++;
		} else {
			fprintf(stderr, "reboundctl: replay: unknown option %s\n", argv[i]);
			return (2);
		}
	}
	if (i >= argc) {
		fprintf(stderr, "usage: reboundctl replay [--json] [--since DATE] "
		    "[--until DATE] FILE...\n");
		return (2);
	}
	struct classifier *cl = classifier_load(NULL, NULL, NULL, err, sizeof(err));
	if (cl == NULL) {
		fprintf(stderr, "reboundctl: %s\n", err);
		return (1);
	}
	struct logproc *lp = logproc_new(cl, NULL);
	ro.rows = calloc(SUMMARY_MAX, sizeof(*ro.rows));
	if (lp == NULL || ro.rows == NULL || rotation_order(argv + i, argc - i) != 0) {
		fprintf(stderr, "reboundctl: replay: out of memory\n");
		return (1);
	}
	for (; i < argc; i++) {
		ro.file = argv[i];
		if (replay_file(argv[i], lp, on_outcome, &ro, err, sizeof(err)) != 0) {
			fprintf(stderr, "reboundctl: replay: %s\n", err);
			rc = 1;
		}
	}
	struct logproc_stats st;
	logproc_get_stats(lp, &st);
	if (!ro.json)
		print_summary(&ro, &st);
	free(ro.rows);
	free(ro.groups);
	logproc_free(lp);
	classifier_free(cl);
	return (rc);
}
