/*
 * check_store.c - the store on a real SQLite file: de-duplication,
 * suppression on evidence, escalation of soft failures, manual changes with
 * their audit trail, expiry, positions committed with outcomes, counters,
 * CSV round trip, a read-only database, the suppression set, the
 * upgrade of a database in the first layout, and outcome keys: one
 * bounce however its recipient is spelled, keys stable across versions.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "supset.h"
#include "util.h"

static char dir[64], path[128];
static struct store *st;

static void
setup(void)
{
	char err[256];

	snprintf(dir, sizeof(dir), "/tmp/check_store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/rebound.db", dir);
	st = store_open(path, NULL, err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
}

static void
teardown(void)
{
	char cmd[160];

	store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static struct rb_outcome_rec
mk(const char *rcpt, const char *qid, enum rb_outcome out, enum rb_category cat,
    enum rb_action act, enum rb_reason reason, time_t t)
{
	struct rb_outcome_rec o;

	outcome_init(&o);
	o.source = RB_SOURCE_LOG;
	o.time = t;
	snprintf(o.recipient, sizeof(o.recipient), "%s", rcpt);
	snprintf(o.queue_id, sizeof(o.queue_id), "%s", qid);
	snprintf(o.sender, sizeof(o.sender), "news@Sender.example");
	snprintf(o.transport, sizeof(o.transport), "smtp");
	o.v.outcome = out;
	o.v.category = cat;
	o.v.action = act;
	o.v.reason = reason;
	snprintf(o.v.provider, sizeof(o.v.provider), "gmail");
	snprintf(o.v.enhanced, sizeof(o.v.enhanced), "%s",
	    out == RB_OUTCOME_DELIVERED ? "2.0.0" : "5.1.1");
	outcome_make_key(&o);
	return (o);
}

static long
jint(json_t *o, const char *path1, const char *path2)
{
	json_t *v = json_object_get(o, path1);
	if (path2)
		v = json_object_get(v, path2);
	return ((long)json_integer_value(v));
}

START_TEST(test_dedup_and_suppress)
{
	time_t now = 1800000000;
	struct rb_outcome_rec r[2] = {
		mk("Dead@Example.COM", "AAA111", RB_OUTCOME_BOUNCED,
		    RB_CATEGORY_INVALID_ADDRESS, RB_ACTION_SUPPRESS, RB_REASON_USERUNKNOWN, now - 10),
		mk("ok@example.com", "AAA111", RB_OUTCOME_DELIVERED,
		    RB_CATEGORY_DELIVERED, RB_ACTION_NONE, RB_REASON_DELIVERED, now - 10),
	};
	ck_assert_int_eq(store_apply(st, r, 2, NULL, now, NULL), 0);
	/* The same batch again (a replay, a restart) counts once. */
	ck_assert_int_eq(store_apply(st, r, 2, NULL, now, NULL), 0);
	json_t *s = store_status(st);
	ck_assert_int_eq(jint(s, "outcomes", NULL), 2);
	ck_assert_int_eq(jint(s, "suppressions", NULL), 1);
	json_decref(s);

	/* Folding: the domain is case-insensitive, the local part kept. */
	struct supset_hit hit;
	ck_assert_int_eq(supset_lookup(store_supset(st), "Dead@example.com", &hit), 1);
	ck_assert_int_eq(hit.category, RB_CATEGORY_INVALID_ADDRESS);
	ck_assert_int_eq(supset_lookup(store_supset(st), "dead@example.com", NULL), 0);

	json_t *l = store_lookup(st, "<Dead@EXAMPLE.com>", now);
	ck_assert(json_is_true(json_object_get(l, "suppressed")));
	json_t *sup = json_object_get(l, "suppression");
	ck_assert_str_eq(json_string_value(json_object_get(sup, "source")), "log");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(sup, "evidence")), "AAA111"));
	ck_assert_int_eq(json_array_size(json_object_get(l, "history")), 1);
	json_decref(l);

	/* Counters: one delivered and one bounced at gmail, not two. */
	json_t *stats = store_stats(st, "", now - 3600, "provider", now);
	json_t *row = json_array_get(json_object_get(stats, "rows"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(row, "provider")), "gmail");
	ck_assert_int_eq(jint(row, "total", NULL), 2);
	ck_assert_int_eq(jint(row, "bounced", NULL), 1);
	ck_assert_int_eq(jint(row, "delivered", NULL), 1);
	json_decref(stats);
	stats = store_stats(st, "", now - 86400 * 7, "domain", now);
	row = json_array_get(json_object_get(stats, "rows"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(row, "domain")), "sender.example");
	ck_assert_int_eq(jint(row, "total", NULL), 2);
	json_decref(stats);

	/*
	 * A complaint and an outcome of no known kind have their columns:
	 * the total is the sum of the outcome columns (reboundctl's table
	 * showed no complaints, and its TOTAL did not add up).
	 */
	struct rb_outcome_rec more[2] = {
		mk("fbl@example.com", "AAA112", RB_OUTCOME_COMPLAINT,
		    RB_CATEGORY_COMPLAINT, RB_ACTION_SUPPRESS, RB_REASON_FEEDBACK, now - 5),
		mk("odd@example.com", "AAA113", RB_OUTCOME_UNKNOWN,
		    RB_CATEGORY_OTHER, RB_ACTION_REVIEW, RB_REASON_UNDEFINED, now - 5),
	};
	ck_assert_int_eq(store_apply(st, more, 2, NULL, now, NULL), 0);
	stats = store_stats(st, "", now - 3600, "provider", now);
	row = json_array_get(json_object_get(stats, "rows"), 0);
	ck_assert_int_eq(jint(row, "total", NULL), 4);
	ck_assert_int_eq(jint(row, "complaint", NULL), 1);
	ck_assert_int_eq(jint(row, "other", NULL), 1);
	long sum = 0;
	const char *const cols[] = { "delivered", "deferred", "bounced",
	    "expired", "complaint", "other" };
	for (int i = 0; i < 6; i++)
		sum += jint(row, cols[i], NULL);
	ck_assert_int_eq(sum, 4);
	json_decref(stats);

	/*
	 * Evidence: a bounce message without a Message-ID names the queue
	 * ID that verified it; a log line, its queue ID and file, not where
	 * the batch's reading ended.
	 */
	struct rb_outcome_rec d = mk("dsn@example.com", "KKKK000001",
	    RB_OUTCOME_BOUNCED, RB_CATEGORY_INVALID_ADDRESS, RB_ACTION_SUPPRESS,
	    RB_REASON_USERUNKNOWN, now - 4);
	d.source = RB_SOURCE_DSN;
	outcome_make_key(&d);
	struct rb_outcome_rec lg = mk("log@example.com", "LLLL000001",
	    RB_OUTCOME_BOUNCED, RB_CATEGORY_INVALID_ADDRESS, RB_ACTION_SUPPRESS,
	    RB_REASON_USERUNKNOWN, now - 4);
	struct rb_position pos;
	memset(&pos, 0, sizeof(pos));
	snprintf(pos.source_id, sizeof(pos.source_id), "/var/log/mail.log");
	pos.offset = 99999;
	ck_assert_int_eq(store_apply(st, &d, 1, NULL, now, NULL), 0);
	ck_assert_int_eq(store_apply(st, &lg, 1, &pos, now, NULL), 0);
	l = store_lookup(st, "dsn@example.com", now);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(l,
	    "suppression"), "evidence")), "message_id= queue_id=KKKK000001");
	json_decref(l);
	l = store_lookup(st, "log@example.com", now);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(l,
	    "suppression"), "evidence")), "queue_id=LLLL000001 file=/var/log/mail.log");
	json_decref(l);

	/* An unverified bounce is stored but counted in no statistics. */
	stats = store_stats(st, "", now - 3600, "provider", now);
	long before = jint(json_array_get(json_object_get(stats, "rows"), 0), "total", NULL);
	json_decref(stats);
	struct rb_outcome_rec u = mk("forged@example.com", "",
	    RB_OUTCOME_BOUNCED, RB_CATEGORY_INVALID_ADDRESS, RB_ACTION_NONE,
	    RB_REASON_USERUNKNOWN, now - 3);
	u.source = RB_SOURCE_DSN;
	u.unverified = 1;
	snprintf(u.message_id, sizeof(u.message_id), "<forged@example.net>");
	outcome_make_key(&u);
	unsigned char fresh = 0;
	ck_assert_int_eq(store_apply(st, &u, 1, NULL, now, &fresh), 0);
	ck_assert_int_eq(fresh, 1);
	stats = store_stats(st, "", now - 3600, "provider", now);
	ck_assert_int_eq(jint(json_array_get(json_object_get(stats, "rows"), 0),
	    "total", NULL), before);
	json_decref(stats);
}
END_TEST

/*
 * fresh marks what this batch stored, in the batch's own order although
 * the store applies it by address: what the event stream publishes.
 */
START_TEST(test_fresh_marks)
{
	time_t now = 1800000000;
	struct rb_outcome_rec r[4] = {
		mk("zed@example.com", "BBB222", RB_OUTCOME_BOUNCED,
		    RB_CATEGORY_INVALID_ADDRESS, RB_ACTION_SUPPRESS, RB_REASON_USERUNKNOWN, now - 10),
		mk("amy@example.com", "BBB222", RB_OUTCOME_DELIVERED,
		    RB_CATEGORY_DELIVERED, RB_ACTION_NONE, RB_REASON_DELIVERED, now - 10),
		/* The same bounce again within the batch: a second reporter. */
		mk("zed@example.com", "BBB222", RB_OUTCOME_BOUNCED,
		    RB_CATEGORY_INVALID_ADDRESS, RB_ACTION_SUPPRESS, RB_REASON_USERUNKNOWN, now - 5),
		mk("bob@example.com", "BBB222", RB_OUTCOME_DELIVERED,
		    RB_CATEGORY_DELIVERED, RB_ACTION_NONE, RB_REASON_DELIVERED, now - 10),
	};
	unsigned char fresh[4];

	memset(fresh, 7, sizeof(fresh));
	ck_assert_int_eq(store_apply(st, r, 3, NULL, now, fresh), 0);
	ck_assert_int_eq(fresh[0], 1);
	ck_assert_int_eq(fresh[1], 1);
	ck_assert_int_eq(fresh[2], 0);
	ck_assert_int_eq(fresh[3], 7);	/* past n: untouched */
	/* Read again after a restart: nothing new but bob. */
	ck_assert_int_eq(store_apply(st, r, 4, NULL, now, fresh), 0);
	ck_assert_int_eq(fresh[0], 0);
	ck_assert_int_eq(fresh[1], 0);
	ck_assert_int_eq(fresh[2], 0);
	ck_assert_int_eq(fresh[3], 1);
	json_t *s = store_status(st);
	ck_assert_int_eq(jint(s, "outcomes", NULL), 3);
	json_decref(s);
}
END_TEST

START_TEST(test_escalation)
{
	time_t t0 = 1800000000;
	struct rb_outcome_rec r;
	char q[16];

	/* Three soft failures within an hour: not enough span. */
	for (int i = 0; i < 3; i++) {
		snprintf(q, sizeof(q), "Q%d", i);
		r = mk("full@example.com", q, RB_OUTCOME_DEFERRED, RB_CATEGORY_MAILBOX_FULL,
		    RB_ACTION_RETRY, RB_REASON_MAILBOXFULL, t0 + i * 600);
		ck_assert_int_eq(store_apply(st, &r, 1, NULL, t0 + i * 600, NULL), 0);
	}
	ck_assert_int_eq(supset_lookup(store_supset(st), "full@example.com", NULL), 0);
	/* A fourth three days later: escalated. */
	r = mk("full@example.com", "Q9", RB_OUTCOME_DEFERRED, RB_CATEGORY_MAILBOX_FULL,
	    RB_ACTION_RETRY, RB_REASON_MAILBOXFULL, t0 + 73 * 3600);
	ck_assert_int_eq(store_apply(st, &r, 1, NULL, t0 + 73 * 3600, NULL), 0);
	ck_assert_int_eq(supset_lookup(store_supset(st), "full@example.com", NULL), 1);
	json_t *l = store_lookup(st, "full@example.com", t0);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(l, "suppression"), "source")), "escalation");
	ck_assert(json_integer_value(json_object_get(json_object_get(l, "suppression"), "expires")) > 0);
	json_decref(l);

	/* A delivery in between resets the count. */
	for (int i = 0; i < 2; i++) {
		snprintf(q, sizeof(q), "R%d", i);
		r = mk("busy@example.com", q, RB_OUTCOME_DEFERRED, RB_CATEGORY_MAILBOX_FULL,
		    RB_ACTION_RETRY, RB_REASON_MAILBOXFULL, t0 + i * 40 * 3600);
		store_apply(st, &r, 1, NULL, t0, NULL);
	}
	r = mk("busy@example.com", "R5", RB_OUTCOME_DELIVERED, RB_CATEGORY_DELIVERED,
	    RB_ACTION_NONE, RB_REASON_DELIVERED, t0 + 81 * 3600);
	store_apply(st, &r, 1, NULL, t0, NULL);
	r = mk("busy@example.com", "R6", RB_OUTCOME_DEFERRED, RB_CATEGORY_MAILBOX_FULL,
	    RB_ACTION_RETRY, RB_REASON_MAILBOXFULL, t0 + 90 * 3600);
	store_apply(st, &r, 1, NULL, t0, NULL);
	ck_assert_int_eq(supset_lookup(store_supset(st), "busy@example.com", NULL), 0);
	l = store_lookup(st, "busy@example.com", t0);
	ck_assert_int_eq(jint(l, "retry", "failures"), 1);
	json_decref(l);

	/* Sender-side problems never escalate. */
	for (int i = 0; i < 5; i++) {
		snprintf(q, sizeof(q), "S%d", i);
		r = mk("fine@example.com", q, RB_OUTCOME_BOUNCED, RB_CATEGORY_AUTHENTICATION,
		    RB_ACTION_FIX_SENDER, RB_REASON_AUTHFAILURE, t0 + i * 30 * 3600);
		store_apply(st, &r, 1, NULL, t0, NULL);
	}
	ck_assert_int_eq(supset_lookup(store_supset(st), "fine@example.com", NULL), 0);
	l = store_lookup(st, "fine@example.com", t0);
	ck_assert(json_is_null(json_object_get(l, "retry")));
	json_decref(l);
}
END_TEST

static void
soft(const char *rcpt, const char *qid, time_t t, time_t now)
{
	struct rb_outcome_rec r = mk(rcpt, qid, RB_OUTCOME_DEFERRED,
	    RB_CATEGORY_NETWORK, RB_ACTION_RETRY, RB_REASON_NETWORKERROR, t);

	ck_assert_int_eq(store_apply(st, &r, 1, NULL, now, NULL), 0);
}

static void
delivered(const char *rcpt, const char *qid, time_t t, time_t now)
{
	struct rb_outcome_rec r = mk(rcpt, qid, RB_OUTCOME_DELIVERED,
	    RB_CATEGORY_DELIVERED, RB_ACTION_NONE, RB_REASON_DELIVERED, t);

	ck_assert_int_eq(store_apply(st, &r, 1, NULL, now, NULL), 0);
}

/*
 * Outcomes that come out of the order they happened (a bounce report
 * dated days back, a second log file read late): escalation counts the
 * soft failures since the latest delivery by when they happened.
 */
START_TEST(test_escalation_out_of_order)
{
	time_t now = 1800000000, h = 3600;

	/* A failure from before a delivery, read last, does not count. */
	delivered("back@example.com", "A1", now - 60 * h, now);
	soft("back@example.com", "A2", now - 50 * h, now);
	soft("back@example.com", "A3", now - 1 * h, now);
	soft("back@example.com", "A4", now - 300, now);
	soft("back@example.com", "A0", now - 100 * h, now);
	ck_assert_int_eq(supset_lookup(store_supset(st), "back@example.com", NULL), 0);
	json_t *l = store_lookup(st, "back@example.com", now);
	ck_assert_int_eq(jint(l, "retry", "failures"), 3);
	json_decref(l);

	/* With no retry state yet: one from before the delivery makes none. */
	delivered("solo@example.com", "S1", now - 10 * h, now);
	soft("solo@example.com", "S0", now - 20 * h, now);
	l = store_lookup(st, "solo@example.com", now);
	ck_assert(json_is_null(json_object_get(l, "retry")));
	json_decref(l);

	/* A failure older than the others, read late, widens the span. */
	delivered("other@example.com", "B9", now - 2 * h, now);
	soft("late@example.com", "B1", now - 100 * h, now);
	soft("late@example.com", "B2", now - 1 * h, now);
	ck_assert_int_eq(supset_lookup(store_supset(st), "late@example.com", NULL), 0);
	soft("late@example.com", "B3", now - 90 * h, now);
	ck_assert_int_eq(supset_lookup(store_supset(st), "late@example.com", NULL), 1);
	/*
	 * The escalation ends the failures it counted: removed by hand, the
	 * address is not suppressed again by the next failure, nor by one
	 * from before the escalation read later still.
	 */
	ck_assert_int_eq(store_suppress_remove(st, "late@example.com", "uid:0",
	    "fixed", now), 0);
	soft("late@example.com", "B4", now - 200, now);
	soft("late@example.com", "B5", now - 95 * h, now);
	ck_assert_int_eq(supset_lookup(store_supset(st), "late@example.com", NULL), 0);
	l = store_lookup(st, "late@example.com", now);
	ck_assert_int_eq(jint(l, "retry", "failures"), 1);
	json_decref(l);

	/*
	 * After an escalation removed by hand, late outcomes from before it
	 * (a failure, then a delivery, then a failure) count nothing: the
	 * escalation's cut-off stays when no failure is left after it.
	 */
	soft("cut@example.com", "G1", now - 100 * h, now);
	soft("cut@example.com", "G2", now - 50 * h, now);
	soft("cut@example.com", "G3", now - 2 * h, now);
	ck_assert_int_eq(supset_lookup(store_supset(st), "cut@example.com", NULL), 1);
	ck_assert_int_eq(store_suppress_remove(st, "cut@example.com", "uid:0",
	    "fixed", now), 0);
	soft("cut@example.com", "G4", now - 60 * h, now);
	delivered("cut@example.com", "G0", now - 200 * h, now);
	soft("cut@example.com", "G5", now - 70 * h, now);
	ck_assert_int_eq(supset_lookup(store_supset(st), "cut@example.com", NULL), 0);
	l = store_lookup(st, "cut@example.com", now);
	ck_assert(json_is_null(json_object_get(l, "retry")));
	json_decref(l);

	/* A delivery from before every failure, read late, ends none. */
	soft("keep@example.com", "C1", now - 100 * h, now);
	soft("keep@example.com", "C2", now - 50 * h, now);
	delivered("keep@example.com", "C0", now - 120 * h, now);
	l = store_lookup(st, "keep@example.com", now);
	ck_assert_int_eq(jint(l, "retry", "failures"), 2);
	json_decref(l);
	soft("keep@example.com", "C3", now - 1 * h, now);
	ck_assert_int_eq(supset_lookup(store_supset(st), "keep@example.com", NULL), 1);

	/* One between the failures, read late, ends those before it. */
	soft("mid@example.com", "D1", now - 100 * h, now);
	soft("mid@example.com", "D2", now - 1 * h, now);
	delivered("mid@example.com", "D0", now - 50 * h, now);
	l = store_lookup(st, "mid@example.com", now);
	ck_assert_int_eq(jint(l, "retry", "failures"), 1);
	json_decref(l);
	soft("mid@example.com", "D3", now - 300, now);
	ck_assert_int_eq(supset_lookup(store_supset(st), "mid@example.com", NULL), 0);
}
END_TEST

/*
 * A hard bounce read after a later delivery to the same address (a
 * report dated days back) suppresses nothing: the address has taken mail
 * since.  One after the delivery does; a complaint does whenever it was.
 */
START_TEST(test_hard_bounce_before_delivery)
{
	time_t now = 1800000000, h = 3600;

	delivered("hb@example.com", "H1", now - 1 * h, now);
	struct rb_outcome_rec r = mk("hb@example.com", "H0", RB_OUTCOME_BOUNCED,
	    RB_CATEGORY_INVALID_ADDRESS, RB_ACTION_SUPPRESS,
	    RB_REASON_USERUNKNOWN, now - 50 * h);
	ck_assert_int_eq(store_apply(st, &r, 1, NULL, now, NULL), 0);
	ck_assert_int_eq(supset_lookup(store_supset(st), "hb@example.com", NULL), 0);
	json_t *l = store_lookup(st, "hb@example.com", now);
	ck_assert_int_eq(json_array_size(json_object_get(l, "recent")), 2);
	json_decref(l);
	r = mk("hb@example.com", "H2", RB_OUTCOME_BOUNCED,
	    RB_CATEGORY_INVALID_ADDRESS, RB_ACTION_SUPPRESS,
	    RB_REASON_USERUNKNOWN, now - 300);
	ck_assert_int_eq(store_apply(st, &r, 1, NULL, now, NULL), 0);
	ck_assert_int_eq(supset_lookup(store_supset(st), "hb@example.com", NULL), 1);

	delivered("fbl@example.com", "K1", now - 1 * h, now);
	r = mk("fbl@example.com", "K0", RB_OUTCOME_COMPLAINT,
	    RB_CATEGORY_COMPLAINT, RB_ACTION_SUPPRESS, RB_REASON_FEEDBACK,
	    now - 50 * h);
	ck_assert_int_eq(store_apply(st, &r, 1, NULL, now, NULL), 0);
	ck_assert_int_eq(supset_lookup(store_supset(st), "fbl@example.com", NULL), 1);
}
END_TEST

/*
 * A suppression whose lifetime is over, not yet expired by the timer,
 * does not keep a new one out: it is expired first, in the history.
 */
START_TEST(test_expired_row_replaced)
{
	time_t now = 1800000000;

	ck_assert_int_eq(store_suppress_add(st, "bob@example.org", "hold",
	    RB_SOURCE_MANUAL, "uid:0", now, now + 2), 0);
	struct rb_outcome_rec r = mk("bob@example.org", "E1", RB_OUTCOME_BOUNCED,
	    RB_CATEGORY_INVALID_ADDRESS, RB_ACTION_SUPPRESS,
	    RB_REASON_USERUNKNOWN, now + 10);
	ck_assert_int_eq(store_apply(st, &r, 1, NULL, now + 10, NULL), 0);
	ck_assert_int_eq(supset_lookup(store_supset(st), "bob@example.org", NULL), 1);
	json_t *l = store_lookup(st, "bob@example.org", now + 10);
	json_t *sup = json_object_get(l, "suppression");
	ck_assert_str_eq(json_string_value(json_object_get(sup, "source")), "log");
	ck_assert_int_eq(json_integer_value(json_object_get(sup, "expires")), 0);
	json_t *h = json_object_get(l, "history");
	ck_assert_int_eq(json_array_size(h), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(h, 1), "op")), "expire");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(h, 2), "op")), "add");
	json_decref(l);
	/* The timer finds nothing left to expire. */
	ck_assert_int_eq(store_maintain(st, now + 20), 0);
	ck_assert_int_eq(supset_lookup(store_supset(st), "bob@example.org", NULL), 1);
}
END_TEST

/*
 * A bounce report nobody vouched for, stored first, does not hide the
 * same outcome from the log read after it: the log's takes the row and
 * acts, counted once.
 */
START_TEST(test_unverified_then_log)
{
	time_t now = 1800000000;
	struct rb_outcome_rec r = mk("hard@example.net", "F1", RB_OUTCOME_BOUNCED,
	    RB_CATEGORY_INVALID_ADDRESS, RB_ACTION_SUPPRESS,
	    RB_REASON_USERUNKNOWN, now);
	struct rb_outcome_rec u = r;

	u.source = RB_SOURCE_DSN;
	u.unverified = 1;
	u.v.action = RB_ACTION_NONE;
	ck_assert_int_eq(store_apply(st, &u, 1, NULL, now, NULL), 0);
	ck_assert_int_eq(supset_lookup(store_supset(st), "hard@example.net", NULL), 0);
	ck_assert_int_eq(store_apply(st, &r, 1, NULL, now, NULL), 0);
	ck_assert_int_eq(supset_lookup(store_supset(st), "hard@example.net", NULL), 1);
	/* Once: the row is the log's now, and the report again adds none. */
	ck_assert_int_eq(store_apply(st, &u, 1, NULL, now, NULL), 0);
	json_t *j = store_status(st);
	ck_assert_int_eq(jint(j, "outcomes", NULL), 1);
	json_decref(j);
	j = store_stats(st, "", 0, "provider", now);
	ck_assert_msg(j != NULL, "stats");
	char *dump = json_dumps(j, JSON_COMPACT);
	ck_assert_msg(strstr(dump, "\"bounced\":1") != NULL, "%s", dump);
	free(dump);
	json_decref(j);
}
END_TEST

/*
 * A sending system cut off from the world fails every recipient softly,
 * again and again: no escalation until mail went out through the same
 * transport after the recipient's first failure -- in the order the
 * outcomes came, wherever the batches were cut.
 */
START_TEST(test_escalation_needs_flow)
{
	time_t t0 = 1800000000;
	struct rb_outcome_rec r, b[2];
	char q[16];

	/* Mail flowed once, then the outage: four failures over 73 hours. */
	r = mk("other@example.net", "D0", RB_OUTCOME_DELIVERED,
	    RB_CATEGORY_DELIVERED, RB_ACTION_NONE, RB_REASON_DELIVERED, t0 - 3600);
	ck_assert_int_eq(store_apply(st, &r, 1, NULL, t0, NULL), 0);
	for (int i = 0; i < 4; i++) {
		snprintf(q, sizeof(q), "F%d", i);
		r = mk("stuck@example.com", q, RB_OUTCOME_DEFERRED,
		    RB_CATEGORY_NETWORK, RB_ACTION_RETRY, RB_REASON_NETWORKERROR,
		    t0 + i * 24 * 3600 + (i == 3 ? 3600 : 0));
		ck_assert_int_eq(store_apply(st, &r, 1, NULL, t0, NULL), 0);
	}
	ck_assert_int_eq(supset_lookup(store_supset(st), "stuck@example.com", NULL), 0);
	json_t *l = store_lookup(st, "stuck@example.com", t0);
	ck_assert_int_eq(jint(l, "retry", "failures"), 4);
	json_decref(l);

	/* A local delivery proves nothing about the way out. */
	r = mk("local@example.net", "D1", RB_OUTCOME_DELIVERED,
	    RB_CATEGORY_DELIVERED, RB_ACTION_NONE, RB_REASON_DELIVERED, t0 + 74 * 3600);
	snprintf(r.transport, sizeof(r.transport), "local");
	outcome_make_key(&r);
	ck_assert_int_eq(store_apply(st, &r, 1, NULL, t0, NULL), 0);
	r = mk("stuck@example.com", "F4", RB_OUTCOME_DEFERRED,
	    RB_CATEGORY_NETWORK, RB_ACTION_RETRY, RB_REASON_NETWORKERROR, t0 + 75 * 3600);
	ck_assert_int_eq(store_apply(st, &r, 1, NULL, t0, NULL), 0);
	ck_assert_int_eq(supset_lookup(store_supset(st), "stuck@example.com", NULL), 0);

	/*
	 * One batch: the failure came before the delivery (which sorts
	 * first by address): not yet.  The next failure, after it: escalated.
	 */
	b[0] = mk("stuck@example.com", "F5", RB_OUTCOME_DEFERRED,
	    RB_CATEGORY_NETWORK, RB_ACTION_RETRY, RB_REASON_NETWORKERROR, t0 + 76 * 3600);
	b[1] = mk("another@example.net", "D2", RB_OUTCOME_DELIVERED,
	    RB_CATEGORY_DELIVERED, RB_ACTION_NONE, RB_REASON_DELIVERED, t0 + 76 * 3600);
	ck_assert_int_eq(store_apply(st, b, 2, NULL, t0, NULL), 0);
	ck_assert_int_eq(supset_lookup(store_supset(st), "stuck@example.com", NULL), 0);

	/* Closed and opened again: the delivery through smtp is remembered. */
	json_t *status = store_status(st);
	ck_assert_int_eq(jint(status, "deliveries", "smtp"), t0 + 76 * 3600);
	ck_assert_int_eq(jint(status, "deliveries", "local"), t0 + 74 * 3600);
	json_decref(status);
	store_close(st);
	char err[256];
	st = store_open(path, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(st);
	r = mk("stuck@example.com", "F6", RB_OUTCOME_DEFERRED,
	    RB_CATEGORY_NETWORK, RB_ACTION_RETRY, RB_REASON_NETWORKERROR, t0 + 77 * 3600);
	ck_assert_int_eq(store_apply(st, &r, 1, NULL, t0, NULL), 0);
	ck_assert_int_eq(supset_lookup(store_supset(st), "stuck@example.com", NULL), 1);

	/*
	 * A failure from a bounce message names no transport: a delivery
	 * through any counts.
	 */
	for (int i = 0; i < 3; i++) {
		snprintf(q, sizeof(q), "G%d", i);
		r = mk("dsn@example.com", q, RB_OUTCOME_DEFERRED,
		    RB_CATEGORY_MAILBOX_FULL, RB_ACTION_RETRY, RB_REASON_MAILBOXFULL,
		    t0 + 80 * 3600 + i * 37 * 3600);
		r.source = RB_SOURCE_DSN;
		r.transport[0] = '\0';
		outcome_make_key(&r);
		if (i == 2) {
			b[0] = mk("x@example.org", "D3", RB_OUTCOME_DELIVERED,
			    RB_CATEGORY_DELIVERED, RB_ACTION_NONE,
			    RB_REASON_DELIVERED, t0 + 100 * 3600);
			snprintf(b[0].transport, sizeof(b[0].transport), "relay");
			outcome_make_key(&b[0]);
			b[1] = r;
			ck_assert_int_eq(store_apply(st, b, 2, NULL, t0, NULL), 0);
		} else
			ck_assert_int_eq(store_apply(st, &r, 1, NULL, t0, NULL), 0);
	}
	ck_assert_int_eq(supset_lookup(store_supset(st), "dsn@example.com", NULL), 1);
}
END_TEST

START_TEST(test_manual_and_expiry)
{
	time_t now = 1800000000;

	ck_assert_int_eq(store_suppress_add(st, "x@Example.org", "asked by the user",
	    RB_SOURCE_MANUAL, "uid:0", now, now + 60), 0);
	ck_assert_int_eq(store_suppress_add(st, "x@example.org", "again",
	    RB_SOURCE_MANUAL, "uid:0", now, now + 60), 1);
	ck_assert_int_eq(store_suppress_add(st, "not-an-address", "x",
	    RB_SOURCE_MANUAL, "uid:0", now, 0), -1);
	ck_assert_int_eq(supset_lookup(store_supset(st), "x@example.org", NULL), 1);
	ck_assert_int_eq(store_suppress_remove(st, "x@example.org", "uid:0", "mistake", now + 1), 0);
	ck_assert_int_eq(store_suppress_remove(st, "x@example.org", "uid:0", "again", now + 1), 1);
	ck_assert_int_eq(supset_lookup(store_supset(st), "x@example.org", NULL), 0);
	/* Reversible: it can come back, and the history keeps everything. */
	ck_assert_int_eq(store_suppress_add(st, "x@example.org", "back",
	    RB_SOURCE_MANUAL, "uid:0", now + 2, now + 60), 0);
	ck_assert_int_eq(store_maintain(st, now + 61), 0);
	ck_assert_int_eq(supset_lookup(store_supset(st), "x@example.org", NULL), 0);
	json_t *l = store_lookup(st, "x@example.org", now);
	json_t *h = json_object_get(l, "history");
	ck_assert_int_eq(json_array_size(h), 4);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(h, 0), "op")), "add");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(h, 1), "op")), "remove");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(h, 1), "who")), "uid:0");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(h, 3), "op")), "expire");
	json_decref(l);
}
END_TEST

/*
 * A database that refuses the change is an error, not "nothing to
 * change": the operator was told changed:false while the entry stayed.
 * Expiry that cannot be audited changes nothing, on disk or in the set.
 */
START_TEST(test_refused_changes)
{
	time_t now = 1800000000;
	sqlite3 *db;

	ck_assert_int_eq(store_suppress_add(st, "y@example.org", "asked",
	    RB_SOURCE_MANUAL, "uid:0", now, now + 60), 0);
	ck_assert_int_eq(store_suppress_add(st, "z@example.org", "asked",
	    RB_SOURCE_MANUAL, "uid:0", now, now + 60), 0);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "CREATE TRIGGER no_remove BEFORE "
	    "DELETE ON suppressions WHEN old.address = 'y@example.org' BEGIN "
	    "SELECT RAISE(ABORT, 'refused'); END; CREATE TRIGGER no_expire "
	    "BEFORE INSERT ON audit WHEN new.op = 'expire' AND new.address = "
	    "'z@example.org' BEGIN SELECT RAISE(ABORT, 'refused'); END",
	    NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(store_suppress_remove(st, "y@example.org", "uid:0", "mistake", now + 1), -1);
	ck_assert_int_eq(supset_lookup(store_supset(st), "y@example.org", NULL), 1);
	ck_assert_int_eq(store_maintain(st, now + 61), -1);
	ck_assert_int_eq(supset_lookup(store_supset(st), "y@example.org", NULL), 1);
	ck_assert_int_eq(supset_lookup(store_supset(st), "z@example.org", NULL), 1);
	json_t *s = store_status(st);
	ck_assert_int_eq(jint(s, "suppressions", NULL), 2);
	json_decref(s);

	ck_assert_int_eq(sqlite3_exec(db, "DROP TRIGGER no_remove; "
	    "DROP TRIGGER no_expire", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(store_maintain(st, now + 61), 0);
	ck_assert_int_eq(supset_lookup(store_supset(st), "y@example.org", NULL), 0);
	ck_assert_int_eq(supset_lookup(store_supset(st), "z@example.org", NULL), 0);
	json_t *l = store_lookup(st, "z@example.org", now);
	json_t *h = json_object_get(l, "history");
	ck_assert_int_eq(json_array_size(h), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(h, 1), "op")), "expire");
	json_decref(l);
}
END_TEST

START_TEST(test_positions_and_reopen)
{
	char err[256];
	time_t now = 1800000000;
	struct rb_position pos, got;
	struct rb_outcome_rec r = mk("gone@example.net", "P1", RB_OUTCOME_BOUNCED,
	    RB_CATEGORY_INVALID_ADDRESS, RB_ACTION_SUPPRESS, RB_REASON_USERUNKNOWN, now);

	memset(&pos, 0, sizeof(pos));
	snprintf(pos.source_id, sizeof(pos.source_id), "/var/log/mail.log");
	pos.dev = 2049;
	pos.ino = 1234;
	pos.fingerprint = 0xdeadbeef;
	pos.offset = 4096;
	ck_assert_int_eq(store_position_get(st, "/var/log/mail.log", &got), 1);
	/* A batch of no outcomes still moves the position (lines skipped). */
	pos.offset = 2048;
	ck_assert_int_eq(store_apply(st, NULL, 0, &pos, now, NULL), 0);
	ck_assert_int_eq(store_position_get(st, "/var/log/mail.log", &got), 0);
	ck_assert_int_eq(got.offset, 2048);
	pos.offset = 4096;
	ck_assert_int_eq(store_apply(st, &r, 1, &pos, now, NULL), 0);
	store_close(st);
	/* Reopened: position and suppression set are back. */
	st = store_open(path, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(store_position_get(st, "/var/log/mail.log", &got), 0);
	ck_assert_int_eq(got.offset, 4096);
	ck_assert_int_eq(got.ino, 1234);
	ck_assert_int_eq(got.fingerprint, 0xdeadbeef);
	ck_assert_int_eq(supset_lookup(store_supset(st), "gone@example.net", NULL), 1);
}
END_TEST

/*
 * A database written by the first layout (key UNIQUE in the outcomes
 * table, two indexes on it) is rebuilt on open: its rows kept, the new
 * unique index in place of the old ones, and a replayed outcome still
 * counted once.
 */
START_TEST(test_schema_v1_upgraded)
{
	char err[256];
	time_t now = 1800000000;
	sqlite3 *db;
	sqlite3_stmt *s;
	struct rb_outcome_rec r = mk("old@example.org", "V1Q", RB_OUTCOME_BOUNCED,
	    RB_CATEGORY_INVALID_ADDRESS, RB_ACTION_SUPPRESS, RB_REASON_USERUNKNOWN, now);

	store_close(st);
	st = NULL;
	unlink(path);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db,
	    "CREATE TABLE meta(k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;"
	    "INSERT INTO meta VALUES('schema_version','1');"
	    "CREATE TABLE outcomes("
	    "  id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, time INTEGER NOT NULL,"
	    "  source TEXT, queue_id TEXT,"
	    "  recipient TEXT NOT NULL, sender TEXT, message_id TEXT, relay TEXT,"
	    "  dsn TEXT, outcome TEXT, reason TEXT, category TEXT, action TEXT,"
	    "  provider TEXT, hardbounce INTEGER, transport TEXT, text TEXT);"
	    "CREATE INDEX outcomes_time ON outcomes(time);"
	    "CREATE INDEX outcomes_recipient ON outcomes(recipient, time);"
	    /* A report nobody vouched for, as it was written before. */
	    "INSERT INTO outcomes(id, key, time, source, recipient, outcome,"
	    "  action, text) VALUES (8, 'k8', 1800000000, 'dsn',"
	    "  'other@example.org', 'bounced', 'none', 'unverified: 550 no');"
	    "CREATE TABLE retry("
	    "  address TEXT PRIMARY KEY, failures INTEGER NOT NULL, first INTEGER,"
	    "  last INTEGER, last_code TEXT, last_category TEXT, last_reason TEXT"
	    ") WITHOUT ROWID;"
	    "INSERT INTO retry VALUES('slow@example.org', 2, 1, 2, '4.4.1',"
	    "  'network', 'networkerror');"
	    "INSERT INTO outcomes(id, key, time, source, recipient, outcome,"
	    "  action, text) VALUES (9, 'k9', 1800000000, 'complaint',"
	    "  'fbl@example.org', 'complaint', 'none', 'unverified: abuse');"
	    /* An escalation made then, which deleted its retry row. */
	    "CREATE TABLE audit("
	    "  id INTEGER PRIMARY KEY, time INTEGER NOT NULL, address TEXT NOT NULL,"
	    "  op TEXT NOT NULL, source TEXT, who TEXT, why TEXT, detail TEXT);"
	    "INSERT INTO audit(time, address, op, source, who) VALUES"
	    "  (1799990000, 'esc@example.org', 'add', 'escalation', 'reboundd'),"
	    "  (1799990000, 'back@example.org', 'add', 'escalation', 'reboundd');"
	    /* Mail reached back@ since its escalation. */
	    "INSERT INTO outcomes(id, key, time, source, recipient, outcome,"
	    "  action, text) VALUES (10, 'k10', 1799995000, 'log',"
	    "  'back@example.org', 'delivered', 'none', '250 ok');",
	    NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "INSERT INTO outcomes(id, key, "
	    "time, source, queue_id, recipient, outcome, reason, category, "
	    "action, hardbounce) VALUES (7, ?, ?, 'log', 'V1Q', "
	    "'old@example.org', 'bounced', 'userunknown', 'invalid-address', "
	    "'suppress', 1)", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, r.key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	sqlite3_close(db);

	st = store_open(path, NULL, err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	/* The old row is there, and the same outcome again is not a second. */
	ck_assert_int_eq(store_apply(st, &r, 1, NULL, now, NULL), 0);
	json_t *j = store_status(st);
	ck_assert_int_eq(jint(j, "outcomes", NULL), 4);
	ck_assert_int_eq(jint(j, "retry_states", NULL), 1);
	json_decref(j);
	j = store_lookup(st, "slow@example.org", now);
	ck_assert_int_eq(jint(j, "retry", "failures"), 2);
	json_decref(j);
	j = store_lookup(st, "old@example.org", now);
	ck_assert_int_eq(json_array_size(json_object_get(j, "recent")), 1);
	json_decref(j);
	store_close(st);
	st = NULL;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT "
	    "(SELECT v FROM meta WHERE k = 'schema_version'), "
	    "(SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_schema "
	    " WHERE type = 'index' AND tbl_name = 'outcomes' AND sql IS NOT NULL "
	    " ORDER BY name)), (SELECT group_concat(id || ':' || unverified) "
	    " FROM (SELECT id, unverified FROM outcomes ORDER BY id)),"
	    " (SELECT reset FROM retry WHERE address = 'slow@example.org')", -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), "2");
	ck_assert_str_eq((const char *)sqlite3_column_text(s, 1),
	    "outcomes_recipient_key,outcomes_time");
	ck_assert_str_eq((const char *)sqlite3_column_text(s, 2), "7:0,8:1,9:1,10:0");
	ck_assert_int_eq(sqlite3_column_int(s, 3), 0);
	sqlite3_finalize(s);
	/* The old escalation's time is its cut-off. */
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT failures, reset FROM "
	    "retry WHERE address = 'esc@example.org'", -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(s, 0), 0);
	ck_assert_int_eq(sqlite3_column_int64(s, 1), 1799990000);
	sqlite3_finalize(s);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM retry "
	    "WHERE address = 'back@example.org'", -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(s, 0), 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	st = store_open(path, NULL, err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
}
END_TEST

START_TEST(test_full_then_recovers)
{
	time_t now = 1800000000;
	struct rb_position pos;
	struct rb_outcome_rec r[200];

	memset(&pos, 0, sizeof(pos));
	snprintf(pos.source_id, sizeof(pos.source_id), "f");
	pos.offset = 10;
	for (int i = 0; i < 200; i++) {
		char a[64], q[16];
		snprintf(a, sizeof(a), "late%d@example.net", i);
		snprintf(q, sizeof(q), "F%d", i);
		r[i] = mk(a, q, RB_OUTCOME_BOUNCED, RB_CATEGORY_INVALID_ADDRESS,
		    RB_ACTION_SUPPRESS, RB_REASON_USERUNKNOWN, now);
		memset(r[i].text, 'x', 900);
	}
	/* The disk is full: nothing of the batch is applied, not even part. */
	store_limit_pages(st, 2);
	ck_assert_int_eq(store_apply(st, r, 200, &pos, now, NULL), -1);
	ck_assert_int_eq(supset_lookup(store_supset(st), "late0@example.net", NULL), 0);
	ck_assert_int_eq(store_position_get(st, "f", &pos), 1);
	json_t *s1 = store_status(st);
	ck_assert_int_eq(jint(s1, "outcomes", NULL), 0);
	json_decref(s1);
	/* Space returns: the same batch goes in whole. */
	store_limit_pages(st, 0);
	pos.offset = 10;
	ck_assert_int_eq(store_apply(st, r, 200, &pos, now, NULL), 0);
	ck_assert_int_eq(supset_lookup(store_supset(st), "late199@example.net", NULL), 1);
	s1 = store_status(st);
	ck_assert_int_eq(jint(s1, "outcomes", NULL), 200);
	json_decref(s1);
}
END_TEST

/*
 * A batch that could not be committed (disk full) and is applied again
 * gives the verdicts it would have given the first time: the deliveries
 * it carried are not yet the store's.
 */
START_TEST(test_escalation_flow_rollback)
{
	time_t t0 = 1800000000;
	static struct rb_outcome_rec r, b[202];

	r = mk("other@example.net", "D0", RB_OUTCOME_DELIVERED,
	    RB_CATEGORY_DELIVERED, RB_ACTION_NONE, RB_REASON_DELIVERED, t0 - 3600);
	ck_assert_int_eq(store_apply(st, &r, 1, NULL, t0, NULL), 0);
	for (int i = 0; i < 2; i++) {
		char q[16];
		snprintf(q, sizeof(q), "F%d", i);
		r = mk("rb@example.com", q, RB_OUTCOME_DEFERRED,
		    RB_CATEGORY_MAILBOX_FULL, RB_ACTION_RETRY, RB_REASON_MAILBOXFULL,
		    t0 + i * 24 * 3600);
		ck_assert_int_eq(store_apply(st, &r, 1, NULL, t0, NULL), 0);
	}
	/* The third failure, then a delivery to someone else. */
	b[0] = mk("rb@example.com", "F2", RB_OUTCOME_DEFERRED,
	    RB_CATEGORY_MAILBOX_FULL, RB_ACTION_RETRY, RB_REASON_MAILBOXFULL,
	    t0 + 73 * 3600);
	b[1] = mk("another@example.net", "D1", RB_OUTCOME_DELIVERED,
	    RB_CATEGORY_DELIVERED, RB_ACTION_NONE, RB_REASON_DELIVERED,
	    t0 + 73 * 3600);
	/* Enough of the sender's own failures to need new pages. */
	for (int i = 2; i < 202; i++) {
		char a[64], q[16];
		snprintf(a, sizeof(a), "pad%d@example.org", i);
		snprintf(q, sizeof(q), "P%d", i);
		b[i] = mk(a, q, RB_OUTCOME_BOUNCED, RB_CATEGORY_AUTHENTICATION,
		    RB_ACTION_FIX_SENDER, RB_REASON_AUTHFAILURE, t0 + 73 * 3600);
		memset(b[i].text, 'x', 900);
	}
	store_limit_pages(st, 2);
	ck_assert_int_eq(store_apply(st, b, 202, NULL, t0, NULL), -1);
	json_t *s1 = store_status(st);
	ck_assert(json_is_null(json_object_get(json_object_get(s1, "deliveries"), "smtp")) ||
	    jint(s1, "deliveries", "smtp") == t0 - 3600);
	json_decref(s1);
	store_limit_pages(st, 0);
	ck_assert_int_eq(store_apply(st, b, 202, NULL, t0, NULL), 0);
	ck_assert_int_eq(supset_lookup(store_supset(st), "rb@example.com", NULL), 0);
	s1 = store_status(st);
	ck_assert_int_eq(jint(s1, "deliveries", "smtp"), t0 + 73 * 3600);
	json_decref(s1);
	/* The next failure comes after that delivery: escalated. */
	r = mk("rb@example.com", "F3", RB_OUTCOME_DEFERRED,
	    RB_CATEGORY_MAILBOX_FULL, RB_ACTION_RETRY, RB_REASON_MAILBOXFULL,
	    t0 + 74 * 3600);
	ck_assert_int_eq(store_apply(st, &r, 1, NULL, t0, NULL), 0);
	ck_assert_int_eq(supset_lookup(store_supset(st), "rb@example.com", NULL), 1);
}
END_TEST

/* Import CSV text into the store; the answer of store_import_csv. */
static long
import_text(const char *text, time_t now, char *err, size_t errlen)
{
	FILE *fp = fmemopen((void *)(uintptr_t)text, strlen(text), "r");

	ck_assert_ptr_nonnull(fp);
	long n = store_import_csv(st, fp, "uid:0", now, NULL, err, errlen);
	fclose(fp);
	return (n);
}

START_TEST(test_csv_roundtrip)
{
	char err[256], csv[160];
	time_t now = 1800000000;

	store_suppress_add(st, "a@example.com", "said \"stop\", twice", RB_SOURCE_MANUAL, "uid:0", now, 0);
	store_suppress_add(st, "b@example.com", "bounced", RB_SOURCE_MANUAL, "uid:0", now, 0);
	snprintf(csv, sizeof(csv), "%s/out.csv", dir);
	FILE *fp = fopen(csv, "w");
	ck_assert_int_eq(store_export_csv(st, fp, NULL), 2);
	fclose(fp);
	/* Import into the same store: idempotent, nothing new. */
	fp = fopen(csv, "r");
	ck_assert_int_eq(store_import_csv(st, fp, "uid:0", now, NULL, err, sizeof(err)), 0);
	fclose(fp);
	/* And a bad file is refused with its line, changing nothing. */
	ck_assert_int_eq(import_text("address,reason,category\nc@example.com,x,policy\n"
	    "not-an-address,x,policy\n", now, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "line 3"));
	ck_assert_int_eq(supset_lookup(store_supset(st), "c@example.com", NULL), 0);
	/*
	 * A spreadsheet's file: byte order mark, CRLF, blank lines; every
	 * record is taken, and the line numbers of errors stay true.
	 */
	ck_assert_int_eq(import_text("\xef\xbb\xbf" "address,reason,category\r\n\r\n"
	    "d@example.com,x,policy\r\n  \r\ne@example.com,x,policy\r\n\r\n",
	    now, err, sizeof(err)), 2);
	ck_assert_int_eq(supset_lookup(store_supset(st), "d@example.com", NULL), 1);
	ck_assert_int_eq(supset_lookup(store_supset(st), "e@example.com", NULL), 1);
	ck_assert_int_eq(import_text("\xef\xbb\xbf" "f@example.com,x,policy\r\n\r\n"
	    "not-an-address\r\n", now, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "line 3"));
	ck_assert_int_eq(supset_lookup(store_supset(st), "f@example.com", NULL), 0);
}
END_TEST

static struct supset *shared_set;
static volatile int stop_readers;

static void *
reader(void *arg)
{
	long hits = 0;
	while (!stop_readers)
		hits += supset_lookup(shared_set, "steady@example.com", NULL);
	return ((void *)hits);
}

START_TEST(test_supset)
{
	char a[64];
	struct supset *s = supset_new(0);
	pthread_t th[2];

	shared_set = s;
	supset_add(s, "steady@example.com", RB_CATEGORY_COMPLAINT, RB_REASON_FEEDBACK, 1);
	pthread_create(&th[0], NULL, reader, NULL);
	pthread_create(&th[1], NULL, reader, NULL);
	/* Grow through several rehashes while readers look. */
	for (int i = 0; i < 100000; i++) {
		snprintf(a, sizeof(a), "user%d@example.com", i);
		ck_assert_int_eq(supset_add(s, a, RB_CATEGORY_INVALID_ADDRESS, RB_REASON_USERUNKNOWN, i), 0);
	}
	for (int i = 0; i < 100000; i += 2) {
		snprintf(a, sizeof(a), "user%d@example.com", i);
		ck_assert_int_eq(supset_remove(s, a), 1);
	}
	stop_readers = 1;
	for (int t = 0; t < 2; t++) {
		void *hits;
		pthread_join(th[t], &hits);
		ck_assert((long)hits > 0);
	}
	ck_assert_int_eq(supset_count(s), 50001);
	for (int i = 0; i < 100000; i++) {
		snprintf(a, sizeof(a), "user%d@example.com", i);
		ck_assert_int_eq(supset_lookup(s, a, NULL), i % 2);
	}
	struct supset_hit hit;
	ck_assert_int_eq(supset_lookup(s, "steady@example.com", &hit), 1);
	ck_assert_int_eq(hit.category, RB_CATEGORY_COMPLAINT);
	supset_free(s);

	/*
	 * Churn -- addresses suppressed and removed, again and again --
	 * leaves the table the size its live entries need: deleted slots
	 * are swept out, not doubled over.
	 */
	s = supset_new(0);
	size_t cap0 = supset_capacity(s);
	for (int i = 0; i < 500000; i++) {
		snprintf(a, sizeof(a), "churn%d@example.com", i);
		ck_assert_int_eq(supset_add(s, a, RB_CATEGORY_INVALID_ADDRESS, RB_REASON_USERUNKNOWN, i), 0);
		ck_assert_int_eq(supset_remove(s, a), 1);
	}
	ck_assert_int_eq(supset_count(s), 0);
	ck_assert_uint_eq(supset_capacity(s), cap0);
	supset_free(s);
}
END_TEST

/*
 * The add that makes a big table grow rebuilds it without the lock:
 * lookups (a milter thread at RCPT) go on meanwhile.  Under the lock,
 * with millions of suppressions, every RCPT waited a second or more.
 */
static atomic_int growing, looking;

static void *
reader_while_growing(void *arg)
{
	long during = 0;

	(void)arg;
	while (!stop_readers) {
		int before = atomic_load(&growing);
		supset_lookup(shared_set, "steady@example.com", NULL);
		atomic_store(&looking, 1);
		/* Begun and ended while the table was being rebuilt. */
		if (before && atomic_load(&growing))
			during++;
		/* Leave the writer room to take the lock at once. */
		nanosleep(&(struct timespec){ 0, 10000 }, NULL);
	}
	return ((void *)during);
}

START_TEST(test_supset_grows_unlocked)
{
	enum { GROUP = 256 };
	static char addr[GROUP][48];
	struct supset_entry e[GROUP];
	struct supset *s = supset_new(1000000);
	size_t cap = supset_capacity(s), fill = cap * 6 / 10, n = 0;
	pthread_t th;
	void *during;

	ck_assert_ptr_nonnull(s);
	/* Full up to the load the table takes without growing. */
	while (n < fill) {
		size_t k = fill - n < GROUP ? fill - n : GROUP;
		for (size_t j = 0; j < k; j++, n++) {
			snprintf(addr[j], sizeof(addr[j]), "u%zu@example.com", n);
			e[j] = (struct supset_entry){ addr[j],
			    RB_CATEGORY_INVALID_ADDRESS, RB_REASON_USERUNKNOWN, 1 };
		}
		ck_assert_int_eq(supset_add_many(s, e, k), 0);
	}
	ck_assert_uint_eq(supset_capacity(s), cap);
	shared_set = s;
	stop_readers = 0;
	atomic_store(&growing, 0);
	atomic_store(&looking, 0);
	ck_assert_int_eq(pthread_create(&th, NULL, reader_while_growing, NULL), 0);
	while (!atomic_load(&looking))
		sched_yield();
	atomic_store(&growing, 1);
	ck_assert_int_eq(supset_add(s, "steady@example.com",
	    RB_CATEGORY_COMPLAINT, RB_REASON_FEEDBACK, 1), 0);
	atomic_store(&growing, 0);
	stop_readers = 1;
	pthread_join(th, &during);
	ck_assert_uint_eq(supset_capacity(s), cap * 2);
	ck_assert_int_eq(supset_lookup(s, "steady@example.com", NULL), 1);
	ck_assert_int_eq(supset_lookup(s, "u0@example.com", NULL), 1);
	ck_assert_msg((long)during >= 50, "%ld lookups while the table grew",
	    (long)during);
	supset_free(s);
}
END_TEST

/*
 * Import: created and expires are seconds since 1970 or refuse the whole
 * file with the line; the header export writes is skipped in any case.
 */
static const struct {
	const char *csv;
	const char *err;	/* NULL: imported */
} import_cases[] = {
	{ "g@example.com,x,policy,import,soon,0\n", "line 1: created" },
	{ "g@example.com,x,policy,import,1800000000,later\n", "line 1: expires" },
	{ "g@example.com,x,policy,import,1800000000,99999999999999999999\n", "line 1: expires" },
	{ "h@example.com,x,policy\ng@example.com,x,policy,manual,1796507004,99999999999999999999\n", "line 2: expires" },
	{ "g@example.com,x,policy,import,-5,0\n", "line 1: created" },
	{ "g@example.com,x,policy,import,1800000000,9223372036854775807\n", "line 1: expires" },
	{ "g@example.com,x,policy,import,12 34,0\n", "line 1: created" },
	{ "Address,Reason,Category,Source,Created,Expires,Codes,Evidence,Text\n"
	  "g@example.com,x,policy,import,1800000000,1900000000\n", NULL },
	{ "\"ADDRESS\",\"REASON\"\nh@example.com,x,policy,import,,\n", NULL },
};

/*
 * Import: a record whose expiry has passed stays out (it would be refused
 * mail until the next expiry), and is counted; the audit entry of an
 * import is dated when it was made, not the record's created.
 */
START_TEST(test_csv_import_expired)
{
	char err[256];
	time_t now = 1800000000;
	long expired = -1;
	const char *csv = "old@example.com,r,policy,manual,1000000000,1000003600\n"
	    "kept@example.com,r,policy,manual,1000000000,0\n"
	    "soon@example.com,r,policy,manual,1000000000,1800000100\n";
	FILE *fp = fmemopen((void *)(uintptr_t)csv, strlen(csv), "r");

	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(store_import_csv(st, fp, "uid:0", now, &expired, err,
	    sizeof(err)), 2);
	fclose(fp);
	ck_assert_int_eq(expired, 1);
	ck_assert_int_eq(supset_lookup(store_supset(st), "old@example.com", NULL), 0);
	ck_assert_int_eq(supset_lookup(store_supset(st), "kept@example.com", NULL), 1);
	json_t *l = store_lookup(st, "kept@example.com", now);
	json_t *sup = json_object_get(l, "suppression");
	ck_assert_int_eq(json_integer_value(json_object_get(sup, "created")), 1000000000);
	json_t *h = json_array_get(json_object_get(l, "history"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(h, "time")), now);
	json_decref(l);
	/* The next expiry is known, and moves on once it is reached. */
	ck_assert_int_eq(store_next_expiry(st), 1800000100);
	ck_assert_int_eq(store_suppress_add(st, "later@example.com", "x",
	    RB_SOURCE_MANUAL, "uid:0", now, now + 500), 0);
	ck_assert_int_eq(store_next_expiry(st), 1800000100);
	ck_assert_int_eq(store_maintain(st, 1800000100), 0);
	ck_assert_int_eq(supset_lookup(store_supset(st), "soon@example.com", NULL), 0);
	ck_assert_int_eq(store_next_expiry(st), now + 500);
	ck_assert_int_eq(store_maintain(st, now + 500), 0);
	ck_assert_int_eq(store_next_expiry(st), 0);
}
END_TEST

/*
 * Export of what logs put in: a reply text in Latin-1 is written with
 * '?' for its bad bytes (the CSV travels as a JSON string, UTF-8 only:
 * one such text made the whole export fail), and an address that is not
 * UTF-8 is left out and counted rather than written as another address.
 */
START_TEST(test_csv_export_not_utf8)
{
	time_t now = 1800000000;
	struct rb_outcome_rec r[2] = {
		mk("m\xfcller@example.de", "AB1", RB_OUTCOME_BOUNCED,
		    RB_CATEGORY_INVALID_ADDRESS, RB_ACTION_SUPPRESS, RB_REASON_USERUNKNOWN, now),
		mk("anna@example.de", "AB2", RB_OUTCOME_BOUNCED,
		    RB_CATEGORY_INVALID_ADDRESS, RB_ACTION_SUPPRESS, RB_REASON_USERUNKNOWN, now),
	};
	snprintf(r[1].text, sizeof(r[1].text), "550 Benutzer unbekannt: Empf\xe4nger");
	ck_assert_int_eq(store_apply(st, r, 2, NULL, now, NULL), 0);
	char *buf = NULL;
	size_t len = 0;
	long left = -1;
	FILE *fp = open_memstream(&buf, &len);
	ck_assert_int_eq(store_export_csv(st, fp, &left), 1);
	fclose(fp);
	ck_assert_int_eq(left, 1);
	ck_assert_ptr_null(util_utf8_bad(buf));
	ck_assert_ptr_nonnull(strstr(buf, "\"anna@example.de\""));
	ck_assert_ptr_nonnull(strstr(buf, "Empf?nger"));
	free(buf);
}
END_TEST

/*
 * address_case_fold changed from domain to all between two runs: the
 * entries with capitals in the local part are folded when the store is
 * opened, so they can be found, removed and matched (the milter folds
 * what it looks up); two that become one are one entry.
 */
START_TEST(test_refold_on_open)
{
	char err[256];
	time_t now = 1800000000;
	struct store_options o;

	ck_assert_int_eq(store_suppress_add(st, "Carol.Case@Example.COM", "x",
	    RB_SOURCE_MANUAL, "uid:0", now, 0), 0);
	ck_assert_int_eq(store_suppress_add(st, "Dup@example.com", "older",
	    RB_SOURCE_MANUAL, "uid:0", now, 0), 0);
	ck_assert_int_eq(store_suppress_add(st, "dup@example.com", "lower",
	    RB_SOURCE_MANUAL, "uid:0", now + 1, 0), 0);
	struct rb_outcome_rec soft[2] = {
		mk("Soft@example.com", "S1", RB_OUTCOME_DEFERRED,
		    RB_CATEGORY_MAILBOX_FULL, RB_ACTION_RETRY, RB_REASON_MAILBOXFULL, now - 100),
		mk("soft@example.com", "S2", RB_OUTCOME_DEFERRED,
		    RB_CATEGORY_MAILBOX_FULL, RB_ACTION_RETRY, RB_REASON_MAILBOXFULL, now - 50),
	};
	ck_assert_int_eq(store_apply(st, soft, 2, NULL, now, NULL), 0);
	ck_assert_int_eq(supset_lookup(store_supset(st), "Carol.Case@example.com", NULL), 1);
	struct rb_outcome_rec esc[4];
	for (int k = 0; k < 4; k++)
		esc[k] = mk(k < 2 ? "Esc@example.com" : "esc@example.com",
		    k == 0 ? "T0" : k == 1 ? "T1" : k == 2 ? "T2" : "T3",
		    RB_OUTCOME_DEFERRED, RB_CATEGORY_MAILBOX_FULL,
		    RB_ACTION_RETRY, RB_REASON_MAILBOXFULL,
		    now - (k == 0 ? 300 : k == 1 ? 200 : k == 2 ? 100 : 10) * 3600L);
	/* esc@: 100 h and 10 h; with a third, an escalation at 10 h. */
	struct rb_outcome_rec third = mk("esc@example.com", "T4",
	    RB_OUTCOME_DEFERRED, RB_CATEGORY_MAILBOX_FULL, RB_ACTION_RETRY,
	    RB_REASON_MAILBOXFULL, now - 5 * 3600L);
	ck_assert_int_eq(store_apply(st, esc, 4, NULL, now, NULL), 0);
	ck_assert_int_eq(store_apply(st, &third, 1, NULL, now, NULL), 0);
	ck_assert_int_eq(supset_lookup(store_supset(st), "esc@example.com", NULL), 1);
	ck_assert_int_eq(store_suppress_remove(st, "esc@example.com", "uid:0",
	    "fixed", now), 0);
	/* mix@ escalated at 150 h; Mix@ failed before that and after. */
	static const struct { const char *a, *q; long h; } mix[] = {
		{ "mix@example.com", "M1", 300 }, { "mix@example.com", "M2", 200 },
		{ "mix@example.com", "M3", 150 }, { "Mix@example.com", "M4", 160 },
		{ "Mix@example.com", "M5", 1 },
	};
	for (size_t k = 0; k < sizeof(mix) / sizeof(mix[0]); k++) {
		struct rb_outcome_rec x = mk(mix[k].a, mix[k].q,
		    RB_OUTCOME_DEFERRED, RB_CATEGORY_MAILBOX_FULL,
		    RB_ACTION_RETRY, RB_REASON_MAILBOXFULL, now - mix[k].h * 3600L);
		ck_assert_int_eq(store_apply(st, &x, 1, NULL, now, NULL), 0);
	}
	ck_assert_int_eq(store_suppress_remove(st, "mix@example.com", "uid:0",
	    "fixed", now), 0);
	store_close(st);
	store_options_default(&o);
	o.fold = STORE_FOLD_ALL;
	st = store_open(path, &o, err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	ck_assert_int_eq(supset_lookup(store_supset(st), "carol.case@example.com", NULL), 1);
	ck_assert_int_eq(supset_lookup(store_supset(st), "Carol.Case@example.com", NULL), 0);
	json_t *l = store_lookup(st, "CAROL.case@example.com", now);
	ck_assert(json_is_true(json_object_get(l, "suppressed")));
	ck_assert_int_eq(json_array_size(json_object_get(l, "history")), 1);
	json_decref(l);
	FILE *null = fopen("/dev/null", "w");
	ck_assert_int_eq(store_export_csv(st, null, NULL), 2);
	fclose(null);
	/* The one already in lower case stays; the two retry states add up. */
	l = store_lookup(st, "dup@example.com", now);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(l,
	    "suppression"), "text")), "lower");
	json_decref(l);
	l = store_lookup(st, "soft@example.com", now);
	ck_assert_int_eq(jint(json_object_get(l, "retry"), "failures", NULL), 2);
	ck_assert_int_eq(jint(json_object_get(l, "retry"), "first", NULL), now - 100);
	json_decref(l);
	/*
	 * Failures of one spelling all from before the other's escalation
	 * (its cut-off) do not count once the two are one.
	 */
	l = store_lookup(st, "esc@example.com", now);
	ck_assert(json_is_null(json_object_get(l, "retry")));
	json_decref(l);
	/* Of failures on both sides of the cut-off, the latest alone. */
	l = store_lookup(st, "mix@example.com", now);
	ck_assert_int_eq(jint(json_object_get(l, "retry"), "failures", NULL), 1);
	ck_assert_int_eq(jint(json_object_get(l, "retry"), "first", NULL), now - 3600);
	json_decref(l);
	ck_assert_int_eq(store_suppress_remove(st, "Carol.Case@Example.COM", "uid:0",
	    "gone", now + 2), 0);
	ck_assert_int_eq(supset_lookup(store_supset(st), "carol.case@example.com", NULL), 0);
	/* Opened again under the same rule: nothing more to do. */
	store_close(st);
	st = store_open(path, &o, err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	ck_assert_int_eq(supset_lookup(store_supset(st), "dup@example.com", NULL), 1);
}
END_TEST

/*
 * Adding an address already suppressed sets the lifetime the command
 * gives: extended, shortened, or for ever; the same again changes nothing.
 */
START_TEST(test_add_sets_expiry)
{
	time_t now = 1800000000;

	ck_assert_int_eq(store_suppress_add(st, "bob@example.com", "x",
	    RB_SOURCE_MANUAL, "uid:0", now, now + 3600), 0);
	ck_assert_int_eq(store_suppress_add(st, "bob@example.com", "x",
	    RB_SOURCE_MANUAL, "uid:0", now, now + 3600), 1);
	ck_assert_int_eq(store_suppress_add(st, "bob@example.com", "longer",
	    RB_SOURCE_MANUAL, "uid:0", now + 1, now + 14 * 86400), 0);
	json_t *l = store_lookup(st, "bob@example.com", now);
	ck_assert_int_eq(jint(json_object_get(l, "suppression"), "expires", NULL),
	    now + 14 * 86400);
	json_decref(l);
	ck_assert_int_eq(store_suppress_add(st, "bob@example.com", "for ever",
	    RB_SOURCE_MANUAL, "uid:0", now + 2, 0), 0);
	l = store_lookup(st, "bob@example.com", now);
	ck_assert_int_eq(jint(json_object_get(l, "suppression"), "expires", NULL), 0);
	json_t *h = json_object_get(l, "history");
	ck_assert_int_eq(json_array_size(h), 3);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(h, 2), "op")), "expires");
	json_decref(l);
	/* Not expired at the first hour's end any more. */
	ck_assert_int_eq(store_maintain(st, now + 3601), 0);
	ck_assert_int_eq(supset_lookup(store_supset(st), "bob@example.com", NULL), 1);
}
END_TEST

/* Quotes a local part does not need fold away; needed ones stay. */
START_TEST(test_fold_quoted)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "<\"dead\"@Example.com>", "dead@example.com" },
		{ "\"first.last\"@example.com", "first.last@example.com" },
		{ "\"a b\"@example.com", "\"a b\"@example.com" },
		{ "\"a..b\"@example.com", "\"a..b\"@example.com" },
		{ "\".a\"@example.com", "\".a\"@example.com" },
		{ "\"\"@example.com", "\"\"@example.com" },
		{ "\"x@y\"@example.com", "\"x@y\"@example.com" },
		{ "\"unclosed@example.com", "\"unclosed@example.com" },
	};
	char out[RB_ADDR_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		store_fold_address(NULL, cases[i].in, out, sizeof(out));
		ck_assert_msg(strcmp(out, cases[i].out) == 0, "%s -> %s", cases[i].in, out);
	}
	ck_assert_int_eq(store_suppress_add(st, "dead@example.com", "x",
	    RB_SOURCE_MANUAL, "uid:0", 1800000000, 0), 0);
	store_fold_address(st, "<\"dead\"@example.com>", out, sizeof(out));
	ck_assert_int_eq(supset_lookup(store_supset(st), out, NULL), 1);
}
END_TEST

/*
 * One bounce seen in the log as to=<hard3@remote.example> and in its DSN
 * (same queue ID) with the local part in quotes it does not need, a
 * trailing dot or blanks: the store keeps one address, so it is one
 * outcome, one row, one bounce counted.
 */
START_TEST(test_log_and_dsn_spellings)
{
	time_t now = 1800000000;
	static const char *const dsn_spelled[] = {
		"\"hard3\"@remote.example", "hard3@remote.example.",
		" hard3@remote.example", "<\"hard3\"@Remote.Example.>",
	};
	enum { N = sizeof(dsn_spelled) / sizeof(dsn_spelled[0]) };
	struct rb_outcome_rec lg, d[N];

	lg = mk("hard3@remote.example", "5C5C5C5C03", RB_OUTCOME_BOUNCED,
	    RB_CATEGORY_INVALID_ADDRESS, RB_ACTION_SUPPRESS,
	    RB_REASON_USERUNKNOWN, now - 110);
	for (size_t i = 0; i < N; i++) {
		d[i] = mk(dsn_spelled[i], "5C5C5C5C03", RB_OUTCOME_BOUNCED,
		    RB_CATEGORY_INVALID_ADDRESS, RB_ACTION_SUPPRESS,
		    RB_REASON_USERUNKNOWN, now - 100);
		d[i].source = RB_SOURCE_DSN;
		outcome_make_key(&d[i]);
		ck_assert_msg(strcmp(d[i].key, lg.key) == 0, "%s: %s, log %s",
		    dsn_spelled[i], d[i].key, lg.key);
	}
	/* The log line first, the DSN later, as the daemon sees them. */
	ck_assert_int_eq(store_apply(st, &lg, 1, NULL, now, NULL), 0);
	ck_assert_int_eq(store_apply(st, d, N, NULL, now, NULL), 0);
	json_t *s = store_status(st);
	ck_assert_int_eq(jint(s, "outcomes", NULL), 1);
	json_decref(s);
	json_t *stats = store_stats(st, "", now - 3600, "provider", now);
	json_t *row = json_array_get(json_object_get(stats, "rows"), 0);
	ck_assert_int_eq(jint(row, "bounced", NULL), 1);
	ck_assert_int_eq(jint(row, "total", NULL), 1);
	json_decref(stats);

	/* A local part that needs its quotes is another mailbox. */
	struct rb_outcome_rec q = mk("\"hard3 x\"@remote.example",
	    "5C5C5C5C03", RB_OUTCOME_BOUNCED, RB_CATEGORY_INVALID_ADDRESS,
	    RB_ACTION_SUPPRESS, RB_REASON_USERUNKNOWN, now - 110);
	ck_assert_str_ne(q.key, lg.key);
}
END_TEST

/*
 * Keys of recipients already in the stored form are the ones earlier
 * versions made: databases hold them, and a restart or a re-read must
 * still find them.
 */
START_TEST(test_key_unchanged)
{
	static const struct {
		const char *rcpt, *qid, *mid, *dsn;
		enum rb_outcome out;
		const char *key;
	} cases[] = {
		{ "hard3@remote.example", "5C5C5C5C03", "", "5.1.1",
		    RB_OUTCOME_BOUNCED, "5f0d3bd4d9a6ce4d" },
		{ "Dead@example.com", "AAA111", "", "5.1.1",
		    RB_OUTCOME_BOUNCED, "df2a3794d8e95aff" },
		{ "\"neko....nyaan....\"@libsisimai.org", "", "<x@y.example>",
		    "5.1.1", RB_OUTCOME_BOUNCED, "3983c73575d4beb9" },
		{ "\"a b\"@example.com", "AAA112", "", "4.2.2",
		    RB_OUTCOME_DEFERRED, "77bf336dcfd7ee5d" },
		{ "postmaster", "AAA113", "", "5.1.1",
		    RB_OUTCOME_BOUNCED, "2ac4ac7a11162176" },
		{ "", "", "", "", RB_OUTCOME_UNKNOWN, "c6ee05d7d7d11a03" },
	};
	struct rb_outcome_rec o;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		outcome_init(&o);
		o.source = RB_SOURCE_LOG;
		o.time = 1800000000;
		snprintf(o.recipient, sizeof(o.recipient), "%s", cases[i].rcpt);
		snprintf(o.queue_id, sizeof(o.queue_id), "%s", cases[i].qid);
		snprintf(o.message_id, sizeof(o.message_id), "%s", cases[i].mid);
		snprintf(o.dsn, sizeof(o.dsn), "%s", cases[i].dsn);
		o.v.outcome = cases[i].out;
		outcome_make_key(&o);
		ck_assert_msg(strcmp(o.key, cases[i].key) == 0, "%s: %s",
		    cases[i].rcpt, o.key);
	}
}
END_TEST

START_TEST(test_csv_import_checks)
{
	char err[256];
	time_t now = 1800000000;

	for (size_t i = 0; i < sizeof(import_cases) / sizeof(import_cases[0]); i++) {
		err[0] = '\0';
		long n = import_text(import_cases[i].csv, now, err, sizeof(err));
		if (import_cases[i].err == NULL) {
			ck_assert_msg(n == 1, "case %zu: %ld (%s)", i, n, err);
		} else {
			ck_assert_msg(n == -1, "case %zu accepted", i);
			ck_assert_msg(strstr(err, import_cases[i].err) != NULL,
			    "case %zu: \"%s\"", i, err);
			ck_assert_int_eq(supset_lookup(store_supset(st), "g@example.com", NULL), 0);
			ck_assert_int_eq(supset_lookup(store_supset(st), "h@example.com", NULL), 0);
		}
	}
	json_t *l = store_lookup(st, "g@example.com", now);
	json_t *sup = json_object_get(l, "suppression");
	ck_assert_int_eq(json_integer_value(json_object_get(sup, "expires")), 1900000000);
	json_decref(l);
}
END_TEST

/*
 * A suppression whose lifetime ended while the store was closed is not in
 * the set the milter reads once it is opened again; one still in force is.
 */
START_TEST(test_open_leaves_expired_out)
{
	char err[256];
	time_t now = time(NULL);

	ck_assert_int_eq(store_suppress_add(st, "over@example.com", "x",
	    RB_SOURCE_MANUAL, "uid:0", now - 100, now - 10), 0);
	ck_assert_int_eq(store_suppress_add(st, "still@example.com", "x",
	    RB_SOURCE_MANUAL, "uid:0", now - 100, now + 3600), 0);
	store_close(st);
	st = store_open(path, NULL, err, sizeof(err));
	ck_assert_msg(st != NULL, "%s", err);
	ck_assert_int_eq(supset_lookup(store_supset(st), "over@example.com", NULL), 0);
	ck_assert_int_eq(supset_lookup(store_supset(st), "still@example.com", NULL), 1);
	/* The expiry run records it as usual. */
	ck_assert_int_eq(store_expire(st, now), 0);
	json_t *l = store_lookup(st, "over@example.com", now);
	ck_assert(!json_is_true(json_object_get(l, "suppressed")));
	json_decref(l);
}
END_TEST

/* addr is suppressed, made at created and lasting until expires. */
static void
suppressed_since(const char *addr, time_t now, time_t created, time_t expires)
{
	json_t *l = store_lookup(st, addr, now);
	json_t *sup = json_object_get(l, "suppression");

	ck_assert_msg(sup != NULL, "%s not suppressed", addr);
	ck_assert_int_eq(json_integer_value(json_object_get(sup, "created")), created);
	ck_assert_int_eq(json_integer_value(json_object_get(sup, "expires")), expires);
	json_decref(l);
}

/*
 * A suppression is made as of the bounce that caused it, not of its
 * reading (a backfill of old logs, a report dated back): its lifetime
 * counts from then, and one already over by now makes none.
 */
START_TEST(test_dated_by_evidence)
{
	time_t now = 1800000000, d = 86400;
	struct rb_outcome_rec r;
	json_t *l;

	/* invalid-address lasts for ever: made, dated at the bounce. */
	r = mk("gone@example.com", "D1", RB_OUTCOME_BOUNCED,
	    RB_CATEGORY_INVALID_ADDRESS, RB_ACTION_SUPPRESS,
	    RB_REASON_USERUNKNOWN, now - 400 * d);
	ck_assert_int_eq(store_apply(st, &r, 1, NULL, now, NULL), 0);
	suppressed_since("gone@example.com", now, now - 400 * d, 0);
	/* mailbox-inactive lasts 180 days: over for one of 200 days ago. */
	r = mk("idle@example.com", "D2", RB_OUTCOME_BOUNCED,
	    RB_CATEGORY_MAILBOX_INACTIVE, RB_ACTION_SUPPRESS,
	    RB_REASON_SUSPEND, now - 200 * d);
	ck_assert_int_eq(store_apply(st, &r, 1, NULL, now, NULL), 0);
	ck_assert_int_eq(supset_lookup(store_supset(st), "idle@example.com", NULL), 0);
	l = store_lookup(st, "idle@example.com", now);
	ck_assert(!json_is_true(json_object_get(l, "suppressed")));
	ck_assert_int_eq(json_array_size(json_object_get(l, "history")), 0);
	json_decref(l);
	/* ... and left with 170 days for one of 10 days ago. */
	r = mk("idle2@example.com", "D3", RB_OUTCOME_BOUNCED,
	    RB_CATEGORY_MAILBOX_INACTIVE, RB_ACTION_SUPPRESS,
	    RB_REASON_SUSPEND, now - 10 * d);
	ck_assert_int_eq(store_apply(st, &r, 1, NULL, now, NULL), 0);
	suppressed_since("idle2@example.com", now, now - 10 * d, now + 170 * d);
	/* A bounce dated ahead of the clock counts from now. */
	r = mk("ahead@example.com", "D4", RB_OUTCOME_BOUNCED,
	    RB_CATEGORY_MAILBOX_INACTIVE, RB_ACTION_SUPPRESS,
	    RB_REASON_SUSPEND, now + 3600);
	ck_assert_int_eq(store_apply(st, &r, 1, NULL, now, NULL), 0);
	suppressed_since("ahead@example.com", now, now, now + 180 * d);

	/*
	 * Escalation (30 days): failures 60 to 57 days ago escalated then
	 * and are over by now; failures 10 to 7 days ago make one as of
	 * the last.
	 */
	char q[16];
	for (int i = 0; i < 4; i++) {
		snprintf(q, sizeof(q), "E%d", i);
		soft("old-soft@example.com", q, now - (60 - i) * d, now);
		snprintf(q, sizeof(q), "F%d", i);
		soft("new-soft@example.com", q, now - (10 - i) * d, now);
	}
	ck_assert_int_eq(supset_lookup(store_supset(st), "old-soft@example.com", NULL), 0);
	suppressed_since("new-soft@example.com", now, now - 7 * d, now + 23 * d);
	l = store_lookup(st, "new-soft@example.com", now);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(l,
	    "suppression"), "source")), "escalation");
	json_decref(l);
}
END_TEST

/* list is newest first, so that --limit keeps the latest. */
START_TEST(test_list_newest_first)
{
	time_t now = 1800000000;
	char a[32];

	for (int i = 0; i < 8; i++) {
		snprintf(a, sizeof(a), "n%d@example.com", i);
		ck_assert_int_ge(store_suppress_add(st, a, "x", RB_SOURCE_MANUAL,
		    "uid:0", now + i, 0), 0);
	}
	json_t *l = store_list(st, "", "", 0, 3);
	ck_assert_uint_eq(json_array_size(l), 3);
	for (int i = 0; i < 3; i++) {
		snprintf(a, sizeof(a), "n%d@example.com", 7 - i);
		ck_assert_str_eq(json_string_value(json_object_get(json_array_get(l,
		    (size_t)i), "address")), a);
	}
	json_decref(l);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_dedup_and_suppress);
	tcase_add_test(tc, test_fresh_marks);
	tcase_add_test(tc, test_escalation);
	tcase_add_test(tc, test_escalation_out_of_order);
	tcase_add_test(tc, test_dated_by_evidence);
	tcase_add_test(tc, test_expired_row_replaced);
	tcase_add_test(tc, test_hard_bounce_before_delivery);
	tcase_add_test(tc, test_unverified_then_log);
	tcase_add_test(tc, test_escalation_needs_flow);
	tcase_add_test(tc, test_manual_and_expiry);
	tcase_add_test(tc, test_refused_changes);
	tcase_add_test(tc, test_positions_and_reopen);
	tcase_add_test(tc, test_schema_v1_upgraded);
	tcase_add_test(tc, test_full_then_recovers);
	tcase_add_test(tc, test_escalation_flow_rollback);
	tcase_add_test(tc, test_csv_roundtrip);
	tcase_add_test(tc, test_supset);
	tcase_add_test(tc, test_supset_grows_unlocked);
	tcase_add_test(tc, test_csv_import_checks);
	tcase_add_test(tc, test_csv_import_expired);
	tcase_add_test(tc, test_refold_on_open);
	tcase_add_test(tc, test_csv_export_not_utf8);
	tcase_add_test(tc, test_add_sets_expiry);
	tcase_add_test(tc, test_fold_quoted);
	tcase_add_test(tc, test_log_and_dsn_spellings);
	tcase_add_test(tc, test_key_unchanged);
	tcase_add_test(tc, test_list_newest_first);
	tcase_add_test(tc, test_open_leaves_expired_out);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
