/*
 * store.c - the durable state of reboundd in SQLite (see store.h).
 *
 * One connection, owned by the event loop's thread.  Every batch of
 * outcomes is one transaction together with the source position that
 * produced it, so a crash at any moment leaves outcomes, counters,
 * suppressions, retry state and position in agreement: the batch is in
 * or it is not.  With WAL and synchronous=NORMAL a committed transaction
 * survives the death of the process (kill -9); only a power loss may take
 * back the last commits, together with their position.
 *
 * The in-memory suppression set changes only after a commit succeeded.
 *
 * Here: opening, ingest, manual changes and housekeeping.  The answers
 * for the control socket are in store_query.c, export and import in
 * store_csv.c; what they share of the store's insides, in store_int.h.
 *
 * Ingest cost is the random index updates: each outcome lands at a
 * random place in the outcomes (recipient, key) index, the suppressions,
 * the audit index and the retry state, all keyed by address.  A batch is
 * therefore applied in address order (store_apply): consecutive updates
 * then fall in the same or neighbouring pages, already in the CPU's
 * caches, instead of one cache-missing walk per update.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "store_int.h"
#include "store_schema.h"
#include "supset.h"
#include "util.h"

static time_t next_expiry(struct store *);

static const char *const queries[Q__COUNT] = {
	[Q_OUTCOME_INSERT] = "INSERT OR IGNORE INTO outcomes(key,time,source,"
	    "queue_id,recipient,sender,message_id,relay,dsn,outcome,reason,"
	    "category,action,provider,hardbounce,transport,text,unverified) "
	    "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,"
	    "?17,?18)",
	/* The same parameters: a vouched-for outcome takes an unvouched key. */
	[Q_OUTCOME_VERIFY] = "UPDATE outcomes SET time=?2,source=?3,"
	    "queue_id=?4,sender=?6,message_id=?7,relay=?8,dsn=?9,outcome=?10,"
	    "reason=?11,category=?12,action=?13,provider=?14,hardbounce=?15,"
	    "transport=?16,text=?17,unverified=?18 WHERE recipient=?5 AND "
	    "key=?1 AND unverified=1 AND ?18=0",
	/*
	 * The soft failures that count toward escalation (is_soft_evidence),
	 * after the latest delivery and after ?2 (the last escalation's), in
	 * the order they happened (arrival order within a second).
	 */
	[Q_RETRY_SCAN] = "WITH d AS (SELECT time, id FROM outcomes WHERE "
	    "recipient = ?1 AND outcome = 'delivered' AND unverified = 0 "
	    "ORDER BY time DESC, id DESC LIMIT 1) "
	    "SELECT o.time, o.dsn, o.category, o.reason FROM outcomes o "
	    "WHERE o.recipient = ?1 AND o.unverified = 0 AND o.time > ?2 AND "
	    "o.outcome IN ('deferred','bounced','expired') AND "
	    "o.action IN ('retry','review') AND NOT EXISTS (SELECT 1 FROM d "
	    "WHERE o.time < d.time OR (o.time = d.time AND o.id < d.id)) "
	    "ORDER BY o.time, o.id",
	[Q_DELIVERED_AFTER] = "SELECT 1 FROM outcomes WHERE recipient = ?1 "
	    "AND outcome = 'delivered' AND unverified = 0 AND time > ?2 LIMIT 1",
	/* A suppression whose lifetime is over but not yet expired. */
	[Q_SUP_EXPIRED_DEL] = "DELETE FROM suppressions WHERE address = ?1 AND "
	    "expires > 0 AND expires <= ?2 RETURNING json_object('reason',"
	    "reason,'category',category,'source',source,'created',created,"
	    "'expires',expires)",
	[Q_COUNTER_ADD] = "INSERT INTO counters(gran,bucket,dim,key,outcome,"
	    "category,n) VALUES (?,?,?,?,?,?,?) ON CONFLICT DO UPDATE SET "
	    "n = n + excluded.n",
	[Q_RETRY_GET] = "SELECT failures, first, last, reset FROM retry "
	    "WHERE address = ?",
	[Q_RETRY_PUT] = "INSERT OR REPLACE INTO retry(address,failures,first,"
	    "last,last_code,last_category,last_reason,reset) VALUES "
	    "(?,?,?,?,?,?,?,?)",
	[Q_RETRY_DEL] = "DELETE FROM retry WHERE address = ?",
	[Q_SUP_GET] = "SELECT 1 FROM suppressions WHERE address = ?",
	[Q_SUP_ADD] = "INSERT OR IGNORE INTO suppressions(address,reason,"
	    "category,codes,text,source,evidence,created,expires) VALUES "
	    "(?,?,?,?,?,?,?,?,?)",
	[Q_SUP_DEL] = "DELETE FROM suppressions WHERE address = ? RETURNING "
	    "json_object('reason',reason,'category',category,'codes',codes,"
	    "'source',source,'evidence',evidence,'created',created,"
	    "'expires',expires)",
	[Q_AUDIT] = "INSERT INTO audit(time,address,op,source,who,why,detail) "
	    "VALUES (?,?,?,?,?,?,?)",
	[Q_POS_PUT] = "INSERT OR REPLACE INTO positions(source_id,dev,ino,"
	    "fingerprint,offset,cursor) VALUES (?,?,?,?,?,?)",
	[Q_POS_GET] = "SELECT dev, ino, fingerprint, offset, cursor FROM "
	    "positions WHERE source_id = ?",
	[Q_FLOW_PUT] = "INSERT INTO deliveries(transport,last) VALUES (?,?) "
	    "ON CONFLICT DO UPDATE SET last = max(last, excluded.last)",
};


void
store_options_default(struct store_options *o)
{
	memset(o, 0, sizeof(*o));
	o->wal = 1;
	o->fold = STORE_FOLD_DOMAIN;
	o->outcome_retention = 30 * 86400L;
	o->escalation_failures = 3;
	o->escalation_span = 72 * 3600L;
	/* 0 = never: a dead address stays dead. */
	o->lifetime[RB_CATEGORY_MAILBOX_INACTIVE] = 180 * 86400L;
	o->escalation_lifetime = 30 * 86400L;
}

void
store_set_options(struct store *st, const struct store_options *o)
{
	enum store_fold fold = st->opt.fold;

	st->opt = *o;
	st->opt.fold = fold;
}

/*
 * The address's form (outcome_canon_address, shared with the outcome key
 * so the store's rows and the key agree), then the case rule the database
 * was opened with.
 */
void
store_fold_address(const struct store *st, const char *addr, char *out,
    size_t outlen)
{
	outcome_canon_address(addr, out, outlen);
	if (st != NULL && st->opt.fold == STORE_FOLD_ALL)
		util_lower(out);
}

int
store_exec(struct store *st, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_warnx("store: sql=\"%.40s\" error=\"%s\"", sql, msg ? msg : "?");
		sqlite3_free(msg);
		return (-1);
	}
	return (0);
}

/*
 * Fill the in-memory set from the suppressions table, in groups (see
 * supset_add_many); the addresses are copied because SQLite's column
 * text lives only until the next step.  Suppressions whose lifetime
 * ended while the daemon was down are left out: the milter must not
 * refuse them until the first expiry run takes them off the table.
 */
static int
load_set(struct store *st)
{
	enum { GROUP = 256 };
	struct supset_entry e[GROUP];
	char addr[GROUP][RB_ADDR_MAX];
	sqlite3_stmt *s;
	size_t n = 0;
	int r, rc = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT address, category, reason, "
	    "created FROM suppressions WHERE expires = 0 OR expires > ?", -1,
	    &s, NULL) != SQLITE_OK)
		return (-1);
	sqlite3_bind_int64(s, 1, (sqlite3_int64)time(NULL));
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		const char *a = (const char *)sqlite3_column_text(s, 0);
		e[n].category = RB_CATEGORY_OTHER;
		e[n].reason = RB_REASON_UNDEFINED;
		taxonomy_category_parse((const char *)sqlite3_column_text(s, 1),
		    &e[n].category);
		taxonomy_reason_parse((const char *)sqlite3_column_text(s, 2),
		    &e[n].reason);
		e[n].created = (time_t)sqlite3_column_int64(s, 3);
		util_strlcpy(addr[n], a ? a : "", RB_ADDR_MAX);
		e[n].folded = addr[n];
		if (++n == GROUP) {
			if (supset_add_many(st->set, e, n) != 0)
				rc = -1;
			n = 0;
		}
	}
	if (r != SQLITE_DONE)
		rc = -1;
	if (n > 0 && supset_add_many(st->set, e, n) != 0)
		rc = -1;
	sqlite3_finalize(s);
	return (rc);
}

#define STR_(x) #x
#define STR(x) STR_(x)

/*
 * The layout of the database just opened: 0 when it has no outcomes
 * table yet (a new file), else its schema_version, 1 when it predates
 * that row.
 */
static int
schema_version(struct store *st)
{
	sqlite3_stmt *s;
	int v = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM sqlite_schema WHERE "
	    "type = 'table' AND name = 'outcomes'", -1, &s, NULL) != SQLITE_OK)
		return (0);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = 1;
	sqlite3_finalize(s);
	if (v == 0)
		return (0);
	if (sqlite3_prepare_v2(st->db, "SELECT v FROM meta WHERE k = "
	    "'schema_version'", -1, &s, NULL) != SQLITE_OK)
		return (1);	/* no meta table: the oldest layout */
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) > 1)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return (v);
}

/*
 * Columns a database written before them lacks, added in place (no
 * rebuild), each with what fills it in for the rows already there.
 */
static int
add_columns(struct store *st)
{
	static const struct {
		const char *probe, *table, *column, *sql;
	} add[] = {
		{ "SELECT unverified FROM outcomes LIMIT 0", "outcomes",
		    "unverified", store_schema_add_unverified },
		{ "SELECT reset FROM retry LIMIT 0", "retry", "reset",
		    store_schema_add_reset },
	};
	sqlite3_stmt *s;

	for (size_t i = 0; i < sizeof(add) / sizeof(add[0]); i++) {
		if (sqlite3_prepare_v2(st->db, add[i].probe, -1, &s,
		    NULL) == SQLITE_OK) {
			sqlite3_finalize(s);
			continue;
		}
		if (store_exec(st, "BEGIN IMMEDIATE") != 0)
			return (-1);
		if (store_exec(st, add[i].sql) != 0 ||
		    store_exec(st, "COMMIT") != 0) {
			store_exec(st, "ROLLBACK");
			return (-1);
		}
		log_info("store: path=%s table=%s column=%s added", st->path,
		    add[i].table, add[i].column);
	}
	return (0);
}

/*
 * Rebuild a version 1 outcomes table as version 2 in one transaction.
 * It takes a while on a large table (once) and needs room for a second
 * copy of it; when that fails, the old layout is kept, which works the
 * same, only with slower ingest, and the next start tries again.
 * Returns the version the database now has.
 */
static int
migrate_v1(struct store *st)
{
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	log_info("store: path=%s schema=1 rebuilding the outcomes table as "
	    "schema %d", st->path, STORE_SCHEMA_VERSION);
	if (store_exec(st, "BEGIN IMMEDIATE") != 0)
		return (1);
	if (store_exec(st, store_schema_v1_to_v2) != 0 ||
	    store_exec(st, store_schema_outcomes_v2) != 0 ||
	    store_exec(st, "INSERT OR REPLACE INTO meta(k,v) VALUES "
	    "('schema_version','" STR(STORE_SCHEMA_VERSION) "')") != 0 ||
	    store_exec(st, "COMMIT") != 0) {
		store_exec(st, "ROLLBACK");
		log_warnx("store: path=%s schema=1 error=\"cannot rebuild the "
		    "outcomes table; the old layout stays until the next start\"",
		    st->path);
		return (1);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_info("store: path=%s schema=%d rebuilt seconds=%.1f", st->path,
	    STORE_SCHEMA_VERSION, (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return (STORE_SCHEMA_VERSION);
}

/* with_set 0: the database only, without loading the suppression set. */
/*
 * Keys are addresses folded as address_case_fold says; the database
 * remembers which rule made them (meta 'address_case_fold').  Opened
 * under "all" after "domain" (or a database from before the rule was
 * remembered), the suppressions, retry state and audit trail are folded
 * to lower case in one transaction: left as they were, an entry with
 * capitals could be neither found, nor removed, nor matched by the
 * milter, which folds what it looks up.  Of two suppressions that become
 * one, the one already in lower case stays, else the oldest (the other's
 * history goes with it); two retry states add their failures.  Outcomes,
 * the largest table and a record of what happened, keep their addresses
 * as stored.  A database from before the rule was remembered, opened
 * under "domain", has nothing to fold.  From "all" back to "domain"
 * nothing can be unfolded: lower-case entries stay, and match only
 * lower-case mail.
 */
static int
refold(struct store *st)
{
	const char *want = st->opt.fold == STORE_FOLD_ALL ? "all" : "domain";
	char have[16] = "";
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(st->db, "SELECT v FROM meta WHERE k = "
	    "'address_case_fold'", -1, &s, NULL) != SQLITE_OK)
		return (-1);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != NULL)
		util_strlcpy(have, (const char *)sqlite3_column_text(s, 0),
		    sizeof(have));
	sqlite3_finalize(s);
	if (strcmp(have, want) == 0)
		return (0);
	if (store_exec(st, "BEGIN IMMEDIATE") != 0)
		return (-1);
	long n = 0;
	if (st->opt.fold == STORE_FOLD_ALL) {
		if (store_exec(st, "INSERT OR IGNORE INTO suppressions SELECT "
		    "lower(address), reason, category, codes, text, source, "
		    "evidence, created, expires FROM suppressions WHERE "
		    "address != lower(address) ORDER BY created") != 0)
			goto fail;
		if (store_exec(st, "DELETE FROM suppressions WHERE address != "
		    "lower(address)") != 0)
			goto fail;
		n = sqlite3_changes(st->db);
		/* Two retry states that become one add their failures up. */
		if (store_exec(st, "INSERT INTO retry(address, failures, first, "
		    "last, last_code, last_category, last_reason, reset) SELECT "
		    "lower(address), failures, first, last, last_code, "
		    "last_category, last_reason, reset FROM retry WHERE "
		    "address != lower(address) ORDER BY first "
		    "ON CONFLICT(address) DO UPDATE SET "
		    "failures = failures + excluded.failures, "
		    "first = CASE WHEN failures = 0 THEN excluded.first "
		    "WHEN excluded.failures = 0 THEN first "
		    "ELSE min(first, excluded.first) END, "
		    "last = max(last, excluded.last), "
		    "reset = max(reset, excluded.reset)") != 0 ||
		    store_exec(st, "DELETE FROM retry WHERE address != "
		    "lower(address)") != 0 ||
		    /*
		     * Failures all from before a merged escalation's cut-off
		     * count no more; of failures on both sides of it, only
		     * the latest is surely after it (the counts cannot tell
		     * more): never more than were.
		     */
		    store_exec(st, "UPDATE retry SET failures = 0, first = reset, "
		    "last = reset WHERE failures > 0 AND reset > 0 AND "
		    "last <= reset") != 0 ||
		    store_exec(st, "UPDATE retry SET failures = 1, first = last "
		    "WHERE failures > 1 AND reset > 0 AND first <= reset") != 0 ||
		    store_exec(st, "UPDATE audit SET address = lower(address) "
		    "WHERE address != lower(address)") != 0)
			goto fail;
	}
	char sql[96];
	snprintf(sql, sizeof(sql), "INSERT OR REPLACE INTO meta(k,v) VALUES "
	    "('address_case_fold','%s')", want);
	if (store_exec(st, sql) != 0 || store_exec(st, "COMMIT") != 0)
		goto fail;
	if (have[0] != '\0')
		log_info("store: address_case_fold=%s was=%s refolded=%ld", want,
		    have, n);
	return (0);
fail:
	store_exec(st, "ROLLBACK");
	return (-1);
}

static struct store *
open_store(const char *path, const struct store_options *opt, int with_set,
    char *err, size_t errlen)
{
	struct store *st = calloc(1, sizeof(*st));

	if (st == NULL) {
		snprintf(err, errlen, "store: out of memory");
		return (NULL);
	}
	if (opt != NULL)
		st->opt = *opt;
	else
		store_options_default(&st->opt);
	st->path = strdup(path);
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(st->db));
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 5000);
	/*
	 * Larger pages for a new database (an existing one keeps its own):
	 * each outcome touches a few indexes at random places, and a commit
	 * writes every page it touched, so fewer, larger pages cost less;
	 * 16 KiB measured best in bench/store (1.6x the 4 KiB default).
	 * It must come before WAL mode is set.
	 */
	store_exec(st, "PRAGMA page_size=16384");
	if (st->opt.wal)
		store_exec(st, "PRAGMA journal_mode=WAL");
	/* Read before the schema below creates anything: 0 is a new file. */
	int version = schema_version(st);
	if (store_exec(st, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF;"
	    "PRAGMA cache_size=-8192; PRAGMA wal_autocheckpoint=16384;") != 0 ||
	    store_exec(st, store_schema_sql) != 0) {
		snprintf(err, errlen, "%s: cannot create schema: %s", path,
		    sqlite3_errmsg(st->db));
		goto fail;
	}
	if (version == 1)
		version = migrate_v1(st);
	if (version != 1 && (store_exec(st, store_schema_outcomes_v2) != 0 ||
	    store_exec(st, "INSERT OR IGNORE INTO meta(k,v) VALUES "
	    "('schema_version','" STR(STORE_SCHEMA_VERSION) "')") != 0)) {
		snprintf(err, errlen, "%s: cannot create schema: %s", path,
		    sqlite3_errmsg(st->db));
		goto fail;
	}
	if (version == 1)
		store_exec(st, "INSERT OR IGNORE INTO meta(k,v) VALUES "
		    "('schema_version','1')");
	if (add_columns(st) != 0) {
		snprintf(err, errlen, "%s: cannot add a column to a table: %s",
		    path, sqlite3_errmsg(st->db));
		goto fail;
	}
	for (int i = 0; i < Q__COUNT; i++) {
		if (sqlite3_prepare_v3(st->db, queries[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &st->q[i], NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(st->db));
			goto fail;
		}
	}
	if (refold(st) != 0) {
		snprintf(err, errlen, "%s: cannot fold the addresses as "
		    "address_case_fold says: %s", path, sqlite3_errmsg(st->db));
		goto fail;
	}
	if (store_flow_load(st) != 0) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(st->db));
		goto fail;
	}
	if (!with_set)
		return (st);
	/* The set the milter reads: every current suppression. */
	/*
	 * Sized from the count saved at the last close (counting the table
	 * would walk all of it once more); after a crash the hint is old
	 * and the set grows as it loads.
	 */
	sqlite3_stmt *s;
	long count = 0;
	st->n_outcomes = -1;
	if (sqlite3_prepare_v2(st->db, "SELECT v FROM meta WHERE k = "
	    "'suppression_count'", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		count = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (count < 0 || count > 1000000000L)
		count = 0;
	st->set = supset_new((size_t)count);
	if (st->set == NULL) {
		snprintf(err, errlen, "store: out of memory");
		goto fail;
	}
	if (load_set(st) != 0) {
		snprintf(err, errlen, "%s: cannot load the suppression list: %s",
		    path, sqlite3_errmsg(st->db));
		goto fail;
	}
	st->next_expiry = next_expiry(st);
	/* The working cache, once the start-up scan no longer fills it. */
	store_exec(st, "PRAGMA cache_size=-262144");
	return (st);
fail:
	store_close(st);
	return (NULL);
}

struct store *
store_open(const char *path, const struct store_options *opt, char *err,
    size_t errlen)
{
	return (open_store(path, opt, 1, err, errlen));
}

int
store_create(const char *path, const struct store_options *opt, char *err,
    size_t errlen)
{
	struct store *st = open_store(path, opt, 0, err, errlen);

	if (st == NULL)
		return (-1);
	store_close(st);
	return (0);
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->db != NULL && st->set != NULL) {
		char sql[128];
		snprintf(sql, sizeof(sql), "INSERT OR REPLACE INTO meta(k,v) "
		    "VALUES ('suppression_count', %zu)", supset_count(st->set));
		sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	}
	for (int i = 0; i < Q__COUNT; i++)
		sqlite3_finalize(st->q[i]);
	if (st->db != NULL)
		sqlite3_close(st->db);
	supset_free(st->set);
	free(st->pend);
	free(st->ck);
	free(st->ck_index);
	free(st->ord);
	store_flow_free(st);
	free(st->path);
	free(st);
}

struct supset *
store_supset(struct store *st)
{
	return (st->set);
}

/* ---- statement helpers ---- */

void
store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	sqlite3_bind_text(s, i, v ? v : "", -1, SQLITE_STATIC);
}

static int
step_done(struct store *st, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		log_warnx("store: error=\"%s\"", sqlite3_errmsg(st->db));
		return (-1);
	}
	return (0);
}

static int
audit(struct store *st, time_t now, const char *addr, const char *op,
    const char *source, const char *who, const char *why, const char *detail)
{
	sqlite3_stmt *s = st->q[Q_AUDIT];

	sqlite3_bind_int64(s, 1, now);
	store_bind_text(s, 2, addr);
	store_bind_text(s, 3, op);
	store_bind_text(s, 4, source);
	store_bind_text(s, 5, who);
	store_bind_text(s, 6, why);
	if (detail)
		store_bind_text(s, 7, detail);
	else
		sqlite3_bind_null(s, 7);
	return (step_done(st, s));
}

static int
pend(struct store *st, int add, const char *addr, enum rb_category c,
    enum rb_reason r, time_t created)
{
	if (st->npend == st->pend_cap) {
		size_t n = st->pend_cap ? st->pend_cap * 2 : 64;
		struct pending *p = realloc(st->pend, n * sizeof(*p));
		if (p == NULL)
			return (-1);
		st->pend = p;
		st->pend_cap = n;
	}
	struct pending *p = &st->pend[st->npend++];
	p->add = add;
	util_strlcpy(p->addr, addr, sizeof(p->addr));
	p->cat = c;
	p->reason = r;
	p->created = created;
	return (0);
}

void
store_pend_apply(struct store *st)
{
	for (size_t i = 0; i < st->npend; i++) {
		struct pending *p = &st->pend[i];
		if (p->add)
			supset_add(st->set, p->addr, p->cat, p->reason, p->created);
		else
			supset_remove(st->set, p->addr);
	}
	st->npend = 0;
}

/*
 * Expire addr's suppression if its lifetime is over, as the next expiry
 * run would: 1 expired, 0 not (none, or still in force), -1 error.
 */
static int
expire_one(struct store *st, const char *addr, time_t now)
{
	sqlite3_stmt *s = st->q[Q_SUP_EXPIRED_DEL];
	char detail[512];

	store_bind_text(s, 1, addr);
	sqlite3_bind_int64(s, 2, now);
	int rc = sqlite3_step(s);
	util_strlcpy(detail, rc == SQLITE_ROW && sqlite3_column_text(s, 0) ?
	    (const char *)sqlite3_column_text(s, 0) : "", sizeof(detail));
	while (rc == SQLITE_ROW)
		rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE) {
		log_warnx("store: error=\"%s\"", sqlite3_errmsg(st->db));
		return (-1);
	}
	if (sqlite3_changes(st->db) == 0)
		return (0);
	if (audit(st, now, addr, "expire", "", "reboundd", "lifetime reached",
	    detail) != 0 || pend(st, 0, addr, 0, 0, 0) != 0)
		return (-1);
	return (1);
}

/*
 * Insert a suppression inside the current transaction.  Returns 1 when
 * added, 0 when the address was already suppressed, -1 on error.
 */
int
store_suppress_tx(struct store *st, const char *addr, const char *reason,
    const char *category, const char *codes, const char *text,
    const char *source, const char *evidence, time_t created, time_t expires,
    const char *who, const char *why, time_t now)
{
	sqlite3_stmt *s = st->q[Q_SUP_ADD];

	for (int again = 0;; again++) {
		store_bind_text(s, 1, addr);
		store_bind_text(s, 2, reason);
		store_bind_text(s, 3, category);
		store_bind_text(s, 4, codes);
		store_bind_text(s, 5, text);
		store_bind_text(s, 6, source);
		store_bind_text(s, 7, evidence);
		sqlite3_bind_int64(s, 8, created);
		sqlite3_bind_int64(s, 9, expires);
		if (step_done(st, s) != 0)
			return (-1);
		if (sqlite3_changes(st->db) > 0)
			break;
		/*
		 * There already.  One whose lifetime is over, left in place
		 * until the expiry timer (a second, or at start-up), would
		 * keep this one out and the address would go unsuppressed:
		 * it is expired now, in the history, and this one added.
		 */
		int e = again ? 0 : expire_one(st, addr, now);
		if (e <= 0)
			return (e);
	}
	if (audit(st, now, addr, "add", source, who, why, NULL) != 0)
		return (-1);
	if (expires > 0 && (st->next_expiry == 0 || expires < st->next_expiry))
		st->next_expiry = expires;
	enum rb_category c = RB_CATEGORY_OTHER;
	enum rb_reason r = RB_REASON_UNDEFINED;
	taxonomy_category_parse(category, &c);
	taxonomy_reason_parse(reason, &r);
	return (pend(st, 1, addr, c, r, now) == 0 ? 1 : -1);
}

/* ---- counters ---- */

static uint64_t
ck_hash(int gran, long bucket, const char *dim, const char *key,
    enum rb_outcome o, enum rb_category c)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)gran ^
	    ((uint64_t)bucket << 8) ^ ((uint64_t)o << 40) ^ ((uint64_t)c << 48);
	for (const char *p = dim; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	return (h);
}

static int
ck_add(struct store *st, int gran, long bucket, const char *dim,
    const char *key, enum rb_outcome o, enum rb_category c)
{
	if (st->ck_index_cap < (st->nck + 1) * 2) {
		size_t ncap = st->ck_index_cap ? st->ck_index_cap * 2 : 1024;
		int *ni = malloc(ncap * sizeof(*ni));
		if (ni == NULL)
			return (-1);
		memset(ni, -1, ncap * sizeof(*ni));
		for (size_t i = 0; i < st->nck; i++) {
			struct ckey *k = &st->ck[i];
			size_t j = ck_hash(k->gran, k->bucket, k->dim, k->key,
			    k->outcome, k->category) & (ncap - 1);
			while (ni[j] >= 0)
				j = (j + 1) & (ncap - 1);
			ni[j] = (int)i;
		}
		free(st->ck_index);
		st->ck_index = ni;
		st->ck_index_cap = ncap;
	}
	size_t mask = st->ck_index_cap - 1;
	size_t j = ck_hash(gran, bucket, dim, key, o, c) & mask;
	for (; st->ck_index[j] >= 0; j = (j + 1) & mask) {
		struct ckey *k = &st->ck[st->ck_index[j]];
		if (k->gran == gran && k->bucket == bucket && k->dim == dim &&
		    k->outcome == o && k->category == c &&
		    strcmp(k->key, key) == 0) {
			k->n++;
			return (0);
		}
	}
	if (st->nck == st->ck_cap) {
		size_t n = st->ck_cap ? st->ck_cap * 2 : 512;
		struct ckey *nk = realloc(st->ck, n * sizeof(*nk));
		if (nk == NULL)
			return (-1);
		st->ck = nk;
		st->ck_cap = n;
	}
	struct ckey *k = &st->ck[st->nck];
	k->gran = gran;
	k->bucket = bucket;
	k->dim = dim;
	util_strlcpy(k->key, key, sizeof(k->key));
	k->outcome = o;
	k->category = c;
	k->n = 1;
	st->ck_index[j] = (int)st->nck++;
	return (0);
}

static void
ck_reset(struct store *st)
{
	st->nck = 0;
	if (st->ck_index != NULL)
		memset(st->ck_index, -1, st->ck_index_cap * sizeof(*st->ck_index));
}

static int
ck_flush(struct store *st)
{
	sqlite3_stmt *s = st->q[Q_COUNTER_ADD];

	for (size_t i = 0; i < st->nck; i++) {
		struct ckey *k = &st->ck[i];
		sqlite3_bind_int(s, 1, k->gran);
		sqlite3_bind_int64(s, 2, k->bucket);
		sqlite3_bind_text(s, 3, k->dim, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, k->key, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, taxonomy_outcome_name(k->outcome), -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 6, taxonomy_category_name(k->category), -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 7, k->n);
		if (step_done(st, s) != 0)
			return (-1);
	}
	return (0);
}

static int
count_outcome(struct store *st, const struct rb_outcome_rec *o, time_t now)
{
	static const char *const dims[] = { "provider", "code", "domain", "transport" };
	const struct rb_verdict *v = &o->v;
	const char *keys[4];
	const char *at = strrchr(o->sender, '@');
	char dom[RB_ADDR_MAX];

	util_strlcpy(dom, at ? at + 1 : (o->sender[0] ? o->sender : "<>"),
	    sizeof(dom));
	util_lower(dom);
	keys[0] = v->provider;
	keys[1] = v->enhanced[0] ? v->enhanced : "-";
	keys[2] = dom;
	keys[3] = o->transport[0] ? o->transport : "-";
	for (int d = 0; d < 4; d++) {
		/* Minute buckets only where they are still kept (48 h). */
		if (o->time >= now - 48 * 3600L &&
		    ck_add(st, 60, (long)(o->time / 60 * 60), dims[d], keys[d],
		    v->outcome, v->category) != 0)
			return (-1);
		if (ck_add(st, 86400, (long)(o->time / 86400 * 86400), dims[d],
		    keys[d], v->outcome, v->category) != 0)
			return (-1);
	}
	return (0);
}

/* ---- outcomes ---- */

static int
is_soft_evidence(const struct rb_verdict *v)
{
	/* Only evidence about the recipient escalates; sender problems never. */
	return ((v->action == RB_ACTION_RETRY || v->action == RB_ACTION_REVIEW) &&
	    (v->outcome == RB_OUTCOME_DEFERRED || v->outcome == RB_OUTCOME_BOUNCED ||
	    v->outcome == RB_OUTCOME_EXPIRED));
}

static void
bind_outcome(sqlite3_stmt *s, const struct rb_outcome_rec *o, const char *addr)
{
	const struct rb_verdict *v = &o->v;

	store_bind_text(s, 1, o->key);
	sqlite3_bind_int64(s, 2, o->time);
	store_bind_text(s, 3, taxonomy_source_name(o->source));
	store_bind_text(s, 4, o->queue_id);
	store_bind_text(s, 5, addr);
	store_bind_text(s, 6, o->sender);
	store_bind_text(s, 7, o->message_id);
	store_bind_text(s, 8, o->relay);
	store_bind_text(s, 9, v->enhanced[0] ? v->enhanced : o->dsn);
	store_bind_text(s, 10, taxonomy_outcome_name(v->outcome));
	store_bind_text(s, 11, taxonomy_reason_name(v->reason));
	store_bind_text(s, 12, taxonomy_category_name(v->category));
	store_bind_text(s, 13, taxonomy_action_name(v->action));
	store_bind_text(s, 14, v->provider);
	sqlite3_bind_int(s, 15, v->hardbounce);
	store_bind_text(s, 16, o->transport);
	store_bind_text(s, 17, o->text);
	sqlite3_bind_int(s, 18, o->unverified ? 1 : 0);
}

/*
 * Insert o.  1 when it is new; 0 when it was seen before (counted once);
 * -1 on error.  A bounce report nobody vouched for holds its key only
 * until the same outcome comes vouched for (its log line, read after the
 * report arrived): that one takes the row and counts as new, or the
 * report would hide the evidence that acts.
 */
static int
insert_outcome(struct store *st, const struct rb_outcome_rec *o,
    const char *addr)
{
	sqlite3_stmt *s = st->q[Q_OUTCOME_INSERT];

	bind_outcome(s, o, addr);
	if (step_done(st, s) != 0)
		return (-1);
	if (sqlite3_changes(st->db) > 0) {
		st->tx_outcomes++;
		return (1);
	}
	if (o->unverified)
		return (0);
	s = st->q[Q_OUTCOME_VERIFY];
	bind_outcome(s, o, addr);
	if (step_done(st, s) != 0)
		return (-1);
	return (sqlite3_changes(st->db) > 0 ? 1 : 0);
}

struct retry {
	long failures;
	time_t first, last;
	/*
	 * An escalation ends the failures it counted, as a delivery does:
	 * the time of its last one, before which none count again (so a
	 * suppression removed by hand is not made again by the next
	 * failure).  A row may hold only this, with no failures.
	 */
	time_t reset;
	char code[RB_ENHANCED_MAX];
	char category[32], reason[32];
};

/*
 * The retry state of addr rebuilt from its outcomes kept: the soft
 * failures since its latest delivery.  For an outcome that came out of
 * the order things happened (a report dated days back, a second log file
 * read late, a restart catching up one file before another), whose
 * place among the others the counts alone cannot tell.
 */
static int
retry_scan(struct store *st, const char *addr, struct retry *r)
{
	sqlite3_stmt *s = st->q[Q_RETRY_SCAN];
	int rc;

	time_t reset = r->reset;

	memset(r, 0, sizeof(*r));
	r->reset = reset;
	store_bind_text(s, 1, addr);
	sqlite3_bind_int64(s, 2, reset);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		time_t t = (time_t)sqlite3_column_int64(s, 0);
		if (r->failures++ == 0)
			r->first = t;
		r->last = t;
		const unsigned char *c;
		util_strlcpy(r->code, (c = sqlite3_column_text(s, 1)) ?
		    (const char *)c : "", sizeof(r->code));
		util_strlcpy(r->category, (c = sqlite3_column_text(s, 2)) ?
		    (const char *)c : "", sizeof(r->category));
		util_strlcpy(r->reason, (c = sqlite3_column_text(s, 3)) ?
		    (const char *)c : "", sizeof(r->reason));
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE) {
		log_warnx("store: retry error=\"%s\"", sqlite3_errmsg(st->db));
		return (-1);
	}
	/*
	 * None left: what stays is the escalation's cut-off, as the row it
	 * leaves (first and last at it), so that a delivery from before it
	 * does not pass for one after every failure and clear it.
	 */
	if (r->failures == 0)
		r->first = r->last = r->reset;
	return (0);
}

/* The retry row of addr: 1 found, 0 none. */
static int
retry_get(struct store *st, const char *addr, struct retry *r)
{
	sqlite3_stmt *g = st->q[Q_RETRY_GET];
	int found = 0;

	memset(r, 0, sizeof(*r));
	store_bind_text(g, 1, addr);
	if (sqlite3_step(g) == SQLITE_ROW) {
		r->failures = sqlite3_column_int64(g, 0);
		r->first = (time_t)sqlite3_column_int64(g, 1);
		r->last = (time_t)sqlite3_column_int64(g, 2);
		r->reset = (time_t)sqlite3_column_int64(g, 3);
		found = 1;
	}
	sqlite3_reset(g);
	sqlite3_clear_bindings(g);
	return (found);
}

static int
retry_put(struct store *st, const char *addr, const struct retry *r)
{
	sqlite3_stmt *p;

	if (r->failures == 0 && r->reset == 0) {
		p = st->q[Q_RETRY_DEL];
		store_bind_text(p, 1, addr);
		return (step_done(st, p));
	}
	p = st->q[Q_RETRY_PUT];
	store_bind_text(p, 1, addr);
	sqlite3_bind_int64(p, 2, r->failures);
	sqlite3_bind_int64(p, 3, r->first);
	sqlite3_bind_int64(p, 4, r->last);
	store_bind_text(p, 5, r->code);
	store_bind_text(p, 6, r->category);
	store_bind_text(p, 7, r->reason);
	sqlite3_bind_int64(p, 8, r->reset);
	return (step_done(st, p));
}

/*
 * Retry state and escalation for o, already inserted.  The state is the
 * soft failures since the latest delivery.  Outcomes mostly come in the
 * order they happened, and then the row is enough: a failure adds to it,
 * a delivery ends it.  One that comes earlier than the row's latest
 * failure is placed among the outcomes kept instead (retry_scan): a
 * failure from before a delivery must not count (it would escalate an
 * address mail has reached since), and a delivery from before the
 * failures must not end them.
 */
static int
apply_retry(struct store *st, const struct rb_outcome_rec *o, size_t i,
    const char *addr, time_t now)
{
	const struct rb_verdict *v = &o->v;
	struct retry r;
	int found = retry_get(st, addr, &r);

	/* A forged success notice must not wipe a failure history. */
	if (v->outcome == RB_OUTCOME_DELIVERED && !o->unverified) {
		if (!found)
			return (0);
		if (o->time >= r.last)
			r.failures = r.reset = 0;	/* all before it */
		else if (retry_scan(st, addr, &r) != 0)
			return (-1);
		return (retry_put(st, addr, &r));
	}
	if (!is_soft_evidence(v))
		return (0);
	/*
	 * In order: after the row's latest failure, or, with no row, at or
	 * after every delivery recorded (to anyone), so none to this
	 * recipient can follow it.  Without a row no failure since the
	 * latest delivery is left uncounted: each made or kept one.
	 */
	if ((found && o->time >= r.last && o->time > r.reset) ||
	    (!found && o->time >= store_flow_latest(st, i))) {
		if (r.failures++ == 0)
			r.first = o->time;
		r.last = o->time;
		util_strlcpy(r.code, v->enhanced[0] ? v->enhanced : o->dsn,
		    sizeof(r.code));
		util_strlcpy(r.category, taxonomy_category_name(v->category),
		    sizeof(r.category));
		util_strlcpy(r.reason, taxonomy_reason_name(v->reason),
		    sizeof(r.reason));
	} else if (retry_scan(st, addr, &r) != 0)
		return (-1);
	if (r.failures >= st->opt.escalation_failures &&
	    r.last - r.first >= st->opt.escalation_span &&
	    store_flow_allows(st, i, r.first)) {
		char why[160];
		snprintf(why, sizeof(why), "%ld soft failures over %ld hours",
		    r.failures, (long)((r.last - r.first) / 3600));
		/* As of the failure that escalated, as apply_one() dates a bounce. */
		time_t since = r.last > 0 && r.last < now ? r.last : now;
		time_t exp = st->opt.escalation_lifetime ?
		    since + st->opt.escalation_lifetime : 0;
		if ((exp == 0 || exp > now) &&
		    store_suppress_tx(st, addr, taxonomy_reason_name(v->reason),
		    taxonomy_category_name(v->category), v->enhanced,
		    o->text, "escalation", o->queue_id[0] ? o->queue_id :
		    o->message_id, since, exp, "reboundd", why, now) < 0)
			return (-1);
		r.failures = 0;
		r.first = r.reset = r.last;
	}
	return (retry_put(st, addr, &r));
}

/*
 * Whether mail was delivered to addr after t (a vouched-for delivery):
 * 1 yes, 0 no, -1 error.  A hard bounce read after such a delivery (a
 * report dated days back, a second log file read late) is about an
 * address that has taken mail since: it makes no suppression.  In order,
 * as live outcomes come, no delivery recorded is later than t, and no
 * query is needed.
 */
static int
delivered_after(struct store *st, size_t i, const char *addr, time_t t)
{
	if (t >= store_flow_latest(st, i))
		return (0);
	sqlite3_stmt *s = st->q[Q_DELIVERED_AFTER];
	store_bind_text(s, 1, addr);
	sqlite3_bind_int64(s, 2, t);
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_warnx("store: error=\"%s\"", sqlite3_errmsg(st->db));
		return (-1);
	}
	return (rc == SQLITE_ROW);
}

/*
 * addr: o's recipient as store_fold_address() gives it; i: o's place in
 * the batch as it came.
 */
static int
apply_one(struct store *st, const struct rb_outcome_rec *o, size_t i,
    const char *addr, const struct rb_position *pos, time_t now)
{
	const struct rb_verdict *v = &o->v;
	int fresh = insert_outcome(st, o, addr);

	if (fresh <= 0)
		return (fresh);	/* seen before: counted once */
	/*
	 * A bounce nobody vouches for is kept for the record, but counted
	 * nowhere: forged reports would otherwise raise a provider's
	 * bounce rate as surely as they would suppress.
	 */
	if (!o->unverified && count_outcome(st, o, now) != 0)
		return (-1);
	if (apply_retry(st, o, i, addr, now) != 0)
		return (-1);

	int later = 0;
	if (v->action == RB_ACTION_SUPPRESS && v->outcome != RB_OUTCOME_COMPLAINT &&
	    (later = delivered_after(st, i, addr, o->time)) < 0)
		return (-1);
	if (v->action == RB_ACTION_SUPPRESS && !later) {
		char evidence[512];
		const char *src = v->outcome == RB_OUTCOME_COMPLAINT ? "complaint" :
		    taxonomy_source_name(o->source);
		/*
		 * Where to look: the queue ID and file for a log line (the
		 * batch's position is where reading ended, not the line, so
		 * it is not given); the returned message's Message-ID for a
		 * bounce message, and the queue ID that verified it against
		 * the log when there is one (some carry no Message-ID).
		 */
		if (o->source == RB_SOURCE_LOG || o->source == RB_SOURCE_JOURNAL) {
			if (pos != NULL && pos->cursor[0] == '\0')
				snprintf(evidence, sizeof(evidence),
				    "queue_id=%s file=%s", o->queue_id,
				    pos->source_id);
			else
				snprintf(evidence, sizeof(evidence), "queue_id=%s",
				    o->queue_id);
		} else if (o->queue_id[0] != '\0') {
			snprintf(evidence, sizeof(evidence),
			    "message_id=%s queue_id=%s", o->message_id,
			    o->queue_id);
		} else {
			snprintf(evidence, sizeof(evidence), "message_id=%s",
			    o->message_id);
		}
		/*
		 * Made as of the bounce, not of its reading: a backfill or a
		 * report dated back is evidence of then, and a lifetime
		 * already over by now makes none (as an import leaves out an
		 * expired record).  A bounce dated ahead of the clock counts
		 * from now.
		 */
		long life = st->opt.lifetime[v->category];
		time_t since = o->time > 0 && o->time < now ? o->time : now;
		if ((life == 0 || since + life > now) &&
		    store_suppress_tx(st, addr, taxonomy_reason_name(v->reason),
		    taxonomy_category_name(v->category), v->enhanced, o->text,
		    src, evidence, since, life ? since + life : 0, "reboundd",
		    taxonomy_category_name(v->category), now) < 0)
			return (-1);
	}
	return (1);
}

static int
order_cmp(const void *a, const void *b)
{
	const struct order *x = a, *y = b;
	int c = strcmp(x->addr, y->addr);

	return (c != 0 ? c : (x->i > y->i) - (x->i < y->i));
}

int
store_apply(struct store *st, const struct rb_outcome_rec *recs, size_t n,
    const struct rb_position *pos, time_t now, unsigned char *fresh)
{
	if (n > st->ord_cap) {
		struct order *o = realloc(st->ord, n * sizeof(*o));
		if (o == NULL)
			return (-1);
		st->ord = o;
		st->ord_cap = n;
	}
	/*
	 * In address order (see the top of this file).  Ties keep their
	 * order in the batch, so one recipient's outcomes still count,
	 * de-duplicate, escalate and suppress in the order they happened;
	 * between recipients the order never mattered.
	 */
	for (size_t i = 0; i < n; i++) {
		store_fold_address(st, recs[i].recipient, st->ord[i].addr,
		    sizeof(st->ord[i].addr));
		st->ord[i].i = i;
	}
	if (n > 1)	/* st->ord is still NULL for an empty first batch */
		qsort(st->ord, n, sizeof(*st->ord), order_cmp);
	st->npend = 0;
	st->tx_outcomes = 0;
	ck_reset(st);
	if (store_flow_batch(st, recs, n) != 0)
		return (-1);
	if (store_exec(st, "BEGIN IMMEDIATE") != 0)
		return (-1);
	for (size_t i = 0; i < n; i++) {
		int r = apply_one(st, &recs[st->ord[i].i], st->ord[i].i,
		    st->ord[i].addr, pos, now);
		if (r < 0)
			goto fail;
		if (fresh != NULL)
			fresh[st->ord[i].i] = r == 1;
	}
	if (ck_flush(st) != 0 || store_flow_save(st) != 0)
		goto fail;
	if (pos != NULL) {
		sqlite3_stmt *s = st->q[Q_POS_PUT];
		store_bind_text(s, 1, pos->source_id);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)pos->dev);
		sqlite3_bind_int64(s, 3, (sqlite3_int64)pos->ino);
		sqlite3_bind_int64(s, 4, (sqlite3_int64)pos->fingerprint);
		sqlite3_bind_int64(s, 5, (sqlite3_int64)pos->offset);
		store_bind_text(s, 6, pos->cursor);
		if (step_done(st, s) != 0)
			goto fail;
	}
	if (store_exec(st, "COMMIT") != 0)
		goto fail;
	store_pend_apply(st);
	store_flow_saved(st);
	if (st->n_outcomes >= 0)
		st->n_outcomes += st->tx_outcomes;
	return (0);
fail:
	store_exec(st, "ROLLBACK");
	st->npend = 0;
	return (-1);
}

int
store_sent_match(struct store *st, const char *recipient,
    const char *message_id, const char *queue_id)
{
	char addr[RB_ADDR_MAX], mid[RB_MSGID_MAX], bracketed[RB_MSGID_MAX + 2];
	sqlite3_stmt *s;
	int rc;

	store_fold_address(st, recipient, addr, sizeof(addr));
	util_strlcpy(mid, message_id[0] == '<' ? message_id + 1 : message_id,
	    sizeof(mid));
	size_t n = strlen(mid);
	if (n > 0 && mid[n - 1] == '>')
		mid[--n] = '\0';
	snprintf(bracketed, sizeof(bracketed), "<%s>", mid);
	if (addr[0] == '\0' || (mid[0] == '\0' && queue_id[0] == '\0'))
		return (0);
	/* Only the log says what was sent: a DSN proves nothing about itself. */
	if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM outcomes WHERE "
	    "recipient = ?1 AND source IN ('log', 'journal') AND "
	    "((?2 <> '' AND message_id IN (?2, ?3)) OR "
	    "(?4 <> '' AND queue_id = ?4)) LIMIT 1", -1, &s, NULL) != SQLITE_OK) {
		log_warnx("store: query error=\"%s\"", sqlite3_errmsg(st->db));
		return (-1);
	}
	store_bind_text(s, 1, addr);
	store_bind_text(s, 2, mid);
	store_bind_text(s, 3, bracketed);
	store_bind_text(s, 4, queue_id);
	int r = sqlite3_step(s);
	rc = r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(s);
	return (rc);
}

int
store_sent_to(struct store *st, const char *recipient)
{
	char addr[RB_ADDR_MAX];
	sqlite3_stmt *s;

	store_fold_address(st, recipient, addr, sizeof(addr));
	if (addr[0] == '\0')
		return (0);
	if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM outcomes WHERE "
	    "recipient = ?1 AND source IN ('log', 'journal') LIMIT 1", -1, &s,
	    NULL) != SQLITE_OK) {
		log_warnx("store: query error=\"%s\"", sqlite3_errmsg(st->db));
		return (-1);
	}
	store_bind_text(s, 1, addr);
	int r = sqlite3_step(s);
	int rc = r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(s);
	return (rc);
}

int
store_position_get(struct store *st, const char *source_id,
    struct rb_position *out)
{
	sqlite3_stmt *s = st->q[Q_POS_GET];
	int rc = 1;

	store_bind_text(s, 1, source_id);
	int r = sqlite3_step(s);
	if (r == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		util_strlcpy(out->source_id, source_id, sizeof(out->source_id));
		out->dev = (uint64_t)sqlite3_column_int64(s, 0);
		out->ino = (uint64_t)sqlite3_column_int64(s, 1);
		out->fingerprint = (uint64_t)sqlite3_column_int64(s, 2);
		out->offset = (uint64_t)sqlite3_column_int64(s, 3);
		const char *c = (const char *)sqlite3_column_text(s, 4);
		util_strlcpy(out->cursor, c ? c : "", sizeof(out->cursor));
		rc = 0;
	} else if (r != SQLITE_DONE) {
		rc = -1;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return (rc);
}

/* ---- manual changes ---- */

int
store_suppress_add(struct store *st, const char *addr_in, const char *reason,
    enum rb_source src, const char *who, time_t now, time_t expires)
{
	char addr[RB_ADDR_MAX];

	store_fold_address(st, addr_in, addr, sizeof(addr));
	if (addr[0] == '\0' || strchr(addr, '@') == NULL)
		return (-1);
	st->npend = 0;
	if (store_exec(st, "BEGIN IMMEDIATE") != 0)
		return (-1);
	int r = store_suppress_tx(st, addr, "suppressed", "policy", "", reason,
	    taxonomy_source_name(src), who, now, expires, who, reason, now);
	/*
	 * Already suppressed: the operator's add sets its lifetime as the
	 * command says (extended, shortened, or for ever without
	 * --expires); before, only a remove and an add could.  Audited.
	 */
	if (r == 0) {
		sqlite3_stmt *u;
		char detail[64];
		snprintf(detail, sizeof(detail), "{\"expires\":%lld}",
		    (long long)expires);
		if (sqlite3_prepare_v2(st->db, "UPDATE suppressions SET expires = ? "
		    "WHERE address = ? AND expires != ?", -1, &u, NULL) != SQLITE_OK)
			r = -1;
		else {
			sqlite3_bind_int64(u, 1, expires);
			store_bind_text(u, 2, addr);
			sqlite3_bind_int64(u, 3, expires);
			if (sqlite3_step(u) != SQLITE_DONE)
				r = -1;
			else if (sqlite3_changes(st->db) > 0)
				r = audit(st, now, addr, "expires", taxonomy_source_name(src),
				    who, reason, detail) == 0 ? 1 : -1;
			sqlite3_finalize(u);
		}
		if (r == 1 && expires > 0 && (st->next_expiry == 0 ||
		    expires < st->next_expiry))
			st->next_expiry = expires;
	}
	if (r < 0 || store_exec(st, "COMMIT") != 0) {
		store_exec(st, "ROLLBACK");
		st->npend = 0;
		return (-1);
	}
	store_pend_apply(st);
	return (r == 1 ? 0 : 1);
}

int
store_suppress_remove(struct store *st, const char *addr_in, const char *who,
    const char *why, time_t now)
{
	char addr[RB_ADDR_MAX];
	char *detail = NULL;

	store_fold_address(st, addr_in, addr, sizeof(addr));
	st->npend = 0;
	if (store_exec(st, "BEGIN IMMEDIATE") != 0)
		return (-1);
	sqlite3_stmt *s = st->q[Q_SUP_DEL];
	store_bind_text(s, 1, addr);
	/*
	 * Only SQLITE_DONE means "not suppressed": a busy or failing database
	 * must not answer changed:false while the entry stays.
	 */
	int r = sqlite3_step(s), rc = 1;
	if (r == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(s, 0);
		if (d == NULL || (detail = strdup(d)) == NULL)
			rc = -1;
	} else if (r != SQLITE_DONE) {
		log_warnx("store: remove address=%s error=\"%s\"", addr,
		    sqlite3_errmsg(st->db));
		rc = -1;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (detail != NULL) {
		/* The removed entry is kept in the audit log: reversible. */
		if (audit(st, now, addr, "remove", "manual", who, why, detail) != 0 ||
		    pend(st, 0, addr, 0, 0, 0) != 0)
			rc = -1;
		else
			rc = 0;
	}
	free(detail);
	if (rc < 0 || store_exec(st, "COMMIT") != 0) {
		store_exec(st, "ROLLBACK");
		st->npend = 0;
		return (-1);
	}
	store_pend_apply(st);
	return (rc);
}

long
store_count_of(struct store *st, const char *sql)
{
	sqlite3_stmt *s;
	long n = -1;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return (n);
}

/* ---- housekeeping ---- */

/* The earliest expires in the table (its partial index), 0 for none. */
static time_t
next_expiry(struct store *st)
{
	long n = store_count_of(st, "SELECT coalesce(min(expires), 0) FROM "
	    "suppressions WHERE expires > 0");

	return (n > 0 ? (time_t)n : 0);
}

time_t
store_next_expiry(const struct store *st)
{
	return (st->next_expiry);
}

/*
 * Maintenance, or with prune 0 only the expiry (store_expire: each time a
 * lifetime ends, so not the outcome and counter pruning as well).
 */
static int
maintain(struct store *st, time_t now, int prune)
{
	sqlite3_stmt *s;

	st->npend = 0;
	if (store_exec(st, "BEGIN IMMEDIATE") != 0)
		return (-1);
	/* Expired suppressions: removed, audited, and out of the set. */
	if (sqlite3_prepare_v2(st->db, "DELETE FROM suppressions WHERE expires "
	    "> 0 AND expires <= ? RETURNING address, json_object('reason',"
	    "reason,'category',category,'source',source,'created',created,"
	    "'expires',expires)", -1, &s, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(s, 1, now);
	/*
	 * Each row is audited and queued for the set as it is returned, inside
	 * the transaction: the DELETE is already done by the first step (its
	 * rows are buffered), so writing the audit log here is allowed, and
	 * nothing is copied aside.  Copying them into a growing array lost
	 * every row past a failed allocation: deleted by the commit, with no
	 * audit entry and still in the set.  Any failure now rolls back.
	 */
	int r, bad = 0;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		const char *a = (const char *)sqlite3_column_text(s, 0);
		if (a == NULL || audit(st, now, a, "expire", "", "reboundd",
		    "lifetime reached", (const char *)sqlite3_column_text(s, 1)) != 0 ||
		    pend(st, 0, a, 0, 0, 0) != 0) {
			bad = 1;
			break;
		}
	}
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		bad = 1;
	sqlite3_finalize(s);
	if (bad)
		goto fail;
	long long pruned = 0;
	if (prune) {
		char sql[256];
		snprintf(sql, sizeof(sql), "DELETE FROM outcomes WHERE time < %lld",
		    (long long)(now - st->opt.outcome_retention));
		if (store_exec(st, sql) != 0)
			goto fail;
		pruned = sqlite3_changes(st->db);
		snprintf(sql, sizeof(sql), "DELETE FROM counters WHERE (gran = 60 AND "
		    "bucket < %lld) OR (gran = 86400 AND bucket < %lld)",
		    (long long)(now - 48 * 3600L), (long long)(now - 400 * 86400L));
		if (store_exec(st, sql) != 0)
			goto fail;
	}
	if (store_exec(st, "COMMIT") != 0)
		goto fail;
	store_pend_apply(st);
	if (st->n_outcomes >= 0)
		st->n_outcomes -= pruned;
	st->next_expiry = next_expiry(st);
	return (0);
fail:
	store_exec(st, "ROLLBACK");
	st->npend = 0;
	return (-1);
}

int
store_maintain(struct store *st, time_t now)
{
	return (maintain(st, now, 1));
}

int
store_expire(struct store *st, time_t now)
{
	return (maintain(st, now, 0));
}
