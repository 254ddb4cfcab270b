/*
 * store_flow.c - whether mail was flowing: the latest delivery the store
 * has recorded through each transport, for the escalation of soft
 * failures (store.c).
 *
 * Escalation turns repeated soft failures of one recipient into a
 * suppression.  When the sending system itself is cut off (its network,
 * its resolver, a firewall) every recipient in its queue fails softly
 * again and again, and after escalation_span all of them would be
 * suppressed at once.  So escalation also needs proof that the same way
 * out worked in the meantime: a delivery to anyone through the
 * recipient's transport (the program that logged it: "postfix/smtp",
 * "postfix-out/smtp", Sendmail's mailer) after the recipient's first
 * counted failure.  A failure with no transport (from a bounce message)
 * takes any transport's delivery.  A store that has recorded no delivery
 * at all (no log source, only bounce messages) has no such proof to ask
 * for, and escalates on the failures alone.
 *
 * "After" is in the order the outcomes arrived, not the order a batch is
 * applied in (by address, see store.c): store_flow_batch() walks the
 * batch as it came, so the verdict for an outcome does not depend on
 * where the batches were cut -- a restart after kill -9 ends with the
 * same store as one clean run.
 *
 * The latest times are kept in the deliveries table, written in the same
 * transaction as the outcomes that moved them, and loaded at open.  A
 * batch works on its own copy of them (next, next_any) that becomes the
 * store's only when it commits: a batch that rolls back and is applied
 * again sees what it saw the first time.  The in-memory table holds at
 * most FLOW_MAX transports (a master.cf has a handful); deliveries
 * through others still count for "any transport".
 *
 * Owned by the store's thread, as the rest of the store.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store_int.h"
#include "util.h"

#define FLOW_MAX 256

/* The slot of transport t, or -1 (not there and, with add, no room). */
static int
slot(struct store *st, const char *t, int add)
{
	for (size_t i = 0; i < st->nflow; i++)
		if (strcmp(st->flow[i].transport, t) == 0)
			return ((int)i);
	if (!add || st->nflow == FLOW_MAX)
		return (-1);
	if (st->nflow == st->flow_cap) {
		size_t n = st->flow_cap ? st->flow_cap * 2 : 8;
		struct flow *f = realloc(st->flow, n * sizeof(*f));
		if (f == NULL)
			return (-1);
		st->flow = f;
		st->flow_cap = n;
	}
	struct flow *f = &st->flow[st->nflow];
	util_strlcpy(f->transport, t, sizeof(f->transport));
	f->last = 0;
	f->next = 0;
	return ((int)st->nflow++);
}

int
store_flow_load(struct store *st)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(st->db, "SELECT transport, last FROM deliveries",
	    -1, &s, NULL) != SQLITE_OK)
		return (-1);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(s, 0);
		time_t last = (time_t)sqlite3_column_int64(s, 1);
		if (t == NULL)
			continue;
		if (t[0] == '\0') {
			/* The row for "any transport". */
			if (last > st->flow_any)
				st->flow_any = last;
			continue;
		}
		int i = slot(st, t, 1);
		if (i >= 0 && last > st->flow[i].last)
			st->flow[i].last = st->flow[i].next = last;
	}
	sqlite3_finalize(s);
	return (0);
}

int
store_flow_batch(struct store *st, const struct rb_outcome_rec *recs,
    size_t n)
{
	if (n > st->flow_before_cap) {
		time_t *b = realloc(st->flow_before, n * sizeof(*b));
		if (b == NULL)
			return (-1);
		st->flow_before = b;
		b = realloc(st->any_before, n * sizeof(*b));
		if (b == NULL)
			return (-1);
		st->any_before = b;
		st->flow_before_cap = n;
	}
	/* From what the store has committed, whatever a failed batch saw. */
	st->next_any = st->flow_any;
	for (size_t k = 0; k < st->nflow; k++)
		st->flow[k].next = st->flow[k].last;
	for (size_t i = 0; i < n; i++) {
		const struct rb_outcome_rec *o = &recs[i];
		int k = o->transport[0] ? slot(st, o->transport, 0) : -1;
		st->any_before[i] = st->next_any;
		if (st->next_any == 0)
			st->flow_before[i] = -1;	/* no delivery seen yet */
		else if (o->transport[0] == '\0')
			st->flow_before[i] = st->next_any;
		else
			st->flow_before[i] = k >= 0 ? st->flow[k].next : 0;
		if (o->v.outcome != RB_OUTCOME_DELIVERED || o->unverified)
			continue;
		if (o->time > st->next_any)
			st->next_any = o->time;
		if (o->transport[0] != '\0' &&
		    (k = slot(st, o->transport, 1)) >= 0 &&
		    o->time > st->flow[k].next)
			st->flow[k].next = o->time;
	}
	return (0);
}

/* One row: the later of the stored time and t. */
static int
put(struct store *st, const char *transport, time_t t)
{
	sqlite3_stmt *s = st->q[Q_FLOW_PUT];
	store_bind_text(s, 1, transport);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)t);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE) {
		log_warnx("store: error=\"%s\"", sqlite3_errmsg(st->db));
		return (-1);
	}
	return (0);
}

int
store_flow_save(struct store *st)
{
	if (st->next_any > st->flow_any && put(st, "", st->next_any) != 0)
		return (-1);
	for (size_t i = 0; i < st->nflow; i++)
		if (st->flow[i].next > st->flow[i].last &&
		    put(st, st->flow[i].transport, st->flow[i].next) != 0)
			return (-1);
	return (0);
}

void
store_flow_saved(struct store *st)
{
	st->flow_any = st->next_any;
	for (size_t i = 0; i < st->nflow; i++)
		st->flow[i].last = st->flow[i].next;
}

int
store_flow_allows(const struct store *st, size_t i, time_t first)
{
	time_t before = st->flow_before[i];
	return (before < 0 || before >= first);
}

time_t
store_flow_latest(const struct store *st, size_t i)
{
	return (st->any_before[i]);
}

void
store_flow_free(struct store *st)
{
	free(st->flow);
	free(st->flow_before);
	free(st->any_before);
}
