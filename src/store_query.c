/*
 * store_query.c - the store's answers for the control socket: lookup of
 * one address, the suppression list, counters over a window, the latest
 * outcomes and the store's status, each a jansson object the caller owns.
 * Reads only; the loop thread, as all of the store (store.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <sqlite3.h>

#include "jsontext.h"
#include "log.h"
#include "store.h"
#include "store_int.h"
#include "supset.h"
#include "util.h"

static json_t *
row_object(sqlite3_stmt *s)
{
	json_t *o = json_object();

	for (int i = 0; i < sqlite3_column_count(s); i++) {
		const char *name = sqlite3_column_name(s, i);
		switch (sqlite3_column_type(s, i)) {
		case SQLITE_INTEGER:
			json_object_set_new(o, name, json_integer(sqlite3_column_int64(s, i)));
			break;
		case SQLITE_NULL:
			json_object_set_new(o, name, json_null());
			break;
		default: {
			/* Log text may not be UTF-8: keep it visible, not lost. */
			json_set_text(o, name,
			    (const char *)sqlite3_column_text(s, i));
		}
		}
	}
	return (o);
}

static json_t *
query_rows(struct store *st, const char *sql, const char *bind1,
    sqlite3_int64 bind2, int nbind)
{
	sqlite3_stmt *s;
	json_t *arr = json_array();

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		log_warnx("store: query error=\"%s\"", sqlite3_errmsg(st->db));
		return (arr);
	}
	if (nbind >= 1)
		store_bind_text(s, 1, bind1);
	if (nbind >= 2)
		sqlite3_bind_int64(s, 2, bind2);
	while (sqlite3_step(s) == SQLITE_ROW)
		json_array_append_new(arr, row_object(s));
	sqlite3_finalize(s);
	return (arr);
}

json_t *
store_lookup(struct store *st, const char *addr_in, time_t now)
{
	char addr[RB_ADDR_MAX];

	store_fold_address(st, addr_in, addr, sizeof(addr));
	json_t *o = json_object();
	json_set_text(o, "address", addr);
	json_t *sup = query_rows(st, "SELECT reason, category, codes, text, "
	    "source, evidence, created, expires FROM suppressions WHERE "
	    "address = ?", addr, 0, 1);
	json_object_set_new(o, "suppressed", json_boolean(json_array_size(sup) > 0));
	json_object_set_new(o, "suppression", json_array_size(sup) ?
	    json_incref(json_array_get(sup, 0)) : json_null());
	json_decref(sup);
	json_t *retry = query_rows(st, "SELECT failures, first, last, "
	    "last_code, last_category, last_reason FROM retry WHERE address = ? "
	    "AND failures > 0",
	    addr, 0, 1);
	json_object_set_new(o, "retry", json_array_size(retry) ?
	    json_incref(json_array_get(retry, 0)) : json_null());
	json_decref(retry);
	json_object_set_new(o, "history", query_rows(st, "SELECT time, op, "
	    "source, who, why, detail FROM audit WHERE address = ? ORDER BY id",
	    addr, 0, 1));
	json_object_set_new(o, "recent", query_rows(st, "SELECT time, outcome, "
	    "reason, category, action, dsn, queue_id, text FROM outcomes WHERE "
	    "recipient = ? ORDER BY time DESC, id DESC LIMIT 10", addr, 0, 1));
	(void)now;
	return (o);
}

json_t *
store_list(struct store *st, const char *category, const char *source,
    time_t since, size_t limit)
{
	sqlite3_stmt *s;
	json_t *arr = json_array();
	const char *sql = "SELECT address, reason, category, source, created, "
	    "expires, codes, evidence FROM suppressions WHERE (?1 = '' OR "
	    "category = ?1) AND (?2 = '' OR source = ?2) AND created >= ?3 "
	    "ORDER BY created DESC, address LIMIT ?4";

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return (arr);
	store_bind_text(s, 1, category);
	store_bind_text(s, 2, source);
	sqlite3_bind_int64(s, 3, since);
	sqlite3_bind_int64(s, 4, limit ? (sqlite3_int64)limit : -1);
	while (sqlite3_step(s) == SQLITE_ROW)
		json_array_append_new(arr, row_object(s));
	sqlite3_finalize(s);
	return (arr);
}

static double
row_count(json_t *r, const char *field)
{
	return ((double)json_integer_value(json_object_get(r, field)));
}

/*
 * The rates of one stats row.  Each "<outcome>_rate" is that count over
 * the row's total, which holds every deferral attempt: shares of what was
 * logged, kept for the scripts that read them.  "bounce_rate" is the
 * figure replay's summary shows, the one a provider judges by: bounced
 * and expired over the final outcomes (delivered, bounced, expired); null
 * when the row has none, only deferrals.
 */
static void
row_rates(json_t *r)
{
	static const char *const shares[] = { "delivered", "deferred",
	    "bounced", "blocked" };
	double t = row_count(r, "total");

	for (size_t j = 0; j < sizeof(shares) / sizeof(shares[0]); j++) {
		char name[32];
		snprintf(name, sizeof(name), "%s_rate", shares[j]);
		json_object_set_new(r, name, json_real(t > 0 ?
		    row_count(r, shares[j]) / t : 0));
	}
	double bad = row_count(r, "bounced") + row_count(r, "expired");
	double fin = bad + row_count(r, "delivered");
	json_object_set_new(r, "bounce_rate", fin > 0 ?
	    json_real(bad / fin) : json_null());
}

json_t *
store_stats(struct store *st, const char *provider, time_t since,
    const char *by, time_t now)
{
	sqlite3_stmt *s;
	const char *dim = (by && *by) ? by : "provider";
	/* Recent windows from minute buckets, longer ones from days. */
	int gran = (now - since) <= 48 * 3600L ? 60 : 86400;
	long from = gran == 60 ? (long)(since / 60 * 60) : (long)(since / 86400 * 86400);
	json_t *res = json_object(), *rows = json_array();

	if (strcmp(dim, "provider") && strcmp(dim, "category") &&
	    strcmp(dim, "code") && strcmp(dim, "domain") && strcmp(dim, "transport")) {
		json_object_set_new(res, "error", json_string("by must be provider, category, code, domain or transport"));
		json_decref(rows);
		return (res);
	}
	/* "category" is a column of the provider dimension. */
	int by_cat = strcmp(dim, "category") == 0;
	/*
	 * Codes, domains and transports are counted without the provider
	 * (count_outcome()): filtered by one, they answered for all of them
	 * as if for it.  Refused, not guessed.
	 */
	if (provider != NULL && *provider != '\0' && !by_cat &&
	    strcmp(dim, "provider") != 0) {
		json_object_set_new(res, "error", json_string("stats: --provider "
		    "goes only with --by provider or --by category; codes, domains "
		    "and transports are counted without their provider"));
		json_decref(rows);
		return (res);
	}
	const char *sql = by_cat ?
	    "SELECT category AS k, outcome, category, sum(n) FROM counters WHERE "
	    "gran = ?1 AND bucket >= ?2 AND dim = 'provider' AND (?3 = '' OR key = ?3) "
	    "GROUP BY k, outcome, category ORDER BY k" :
	    "SELECT key AS k, outcome, category, sum(n) FROM counters WHERE "
	    "gran = ?1 AND bucket >= ?2 AND dim = ?4 AND (?3 = '' OR key = ?3) "
	    "GROUP BY k, outcome, category ORDER BY k";
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		json_object_set_new(res, "error", json_string(sqlite3_errmsg(st->db)));
		json_decref(rows);
		return (res);
	}
	sqlite3_bind_int(s, 1, gran);
	sqlite3_bind_int64(s, 2, from);
	store_bind_text(s, 3, provider);
	if (!by_cat)
		store_bind_text(s, 4, dim);
	json_t *cur = NULL;
	char curkey[RB_ADDR_MAX] = "";
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(s, 0);
		const char *outc = (const char *)sqlite3_column_text(s, 1);
		const char *cat = (const char *)sqlite3_column_text(s, 2);
		long n = (long)sqlite3_column_int64(s, 3);
		if (cur == NULL || strcmp(curkey, k) != 0) {
			cur = json_pack("{s:s,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i}", dim, k,
			    "total", 0, "delivered", 0, "deferred", 0, "bounced", 0,
			    "expired", 0, "complaint", 0, "other", 0, "blocked", 0);
			json_array_append_new(rows, cur);
			util_strlcpy(curkey, k, sizeof(curkey));
		}
#define BUMP(f, v) json_object_set_new(cur, f, json_integer(json_integer_value(json_object_get(cur, f)) + (v)))
		BUMP("total", n);
		/* Unknown outcomes and auto-replies: "other", so the total adds up. */
		if (json_object_get(cur, outc) != NULL && strcmp(outc, "other") != 0)
			BUMP(outc, n);
		else
			BUMP("other", n);
		if ((strcmp(outc, "bounced") == 0 || strcmp(outc, "deferred") == 0) &&
		    (strcmp(cat, "reputation") == 0 || strcmp(cat, "blocklist") == 0 ||
		    strcmp(cat, "policy") == 0 || strcmp(cat, "authentication") == 0))
			BUMP("blocked", n);
#undef BUMP
	}
	sqlite3_finalize(s);
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
		row_rates(r);
	json_object_set_new(res, "since", json_integer(since));
	json_object_set_new(res, "by", json_string(dim));
	json_object_set_new(res, "rows", rows);
	return (res);
}

json_t *
store_recent(struct store *st, size_t n)
{
	return (query_rows(st, "SELECT time, queue_id, recipient, sender, "
	    "outcome, reason, category, action, provider, dsn FROM outcomes "
	    "ORDER BY time DESC LIMIT ?2", "", (sqlite3_int64)n, 2));
}

json_t *
store_status(struct store *st)
{
	struct stat sb;
	json_t *o = json_object();

	json_object_set_new(o, "database", json_string(st->path));
	/* No count(*) over big tables here: the loop would wait on it. */
	if (st->n_outcomes < 0)
		st->n_outcomes = store_count_of(st, "SELECT count(*) FROM outcomes");
	json_object_set_new(o, "outcomes", json_integer(st->n_outcomes));
	json_object_set_new(o, "suppressions", json_integer((json_int_t)supset_count(st->set)));
	json_object_set_new(o, "retry_states", json_integer(store_count_of(st, "SELECT count(*) FROM retry WHERE failures > 0")));
	json_object_set_new(o, "suppression_set", json_integer((json_int_t)supset_count(st->set)));
	json_object_set_new(o, "size_bytes", json_integer(stat(st->path, &sb) == 0 ? sb.st_size : -1));
	/* The latest delivery per transport: what escalation waits for. */
	json_t *d = json_object();
	for (size_t i = 0; i < st->nflow; i++)
		if (st->flow[i].last > 0)
			json_object_set_new(d, st->flow[i].transport,
			    json_integer((json_int_t)st->flow[i].last));
	json_object_set_new(o, "deliveries", d);
	return (o);
}
