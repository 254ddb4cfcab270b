/*
 * store_int.h - the store's insides, shared by its files: store.c (open,
 * ingest, manual changes, housekeeping), store_query.c (the answers for
 * the control socket) and store_csv.c (export and import).  Nothing
 * outside the store includes it; the same thread rule as store.h holds.
 */
#ifndef REBOUND_STORE_INT_H
#define REBOUND_STORE_INT_H

#include <stddef.h>
#include <time.h>

#include <sqlite3.h>

#include "store.h"
#include "taxonomy.h"
#include "verdict.h"

/* The prepared statements, by use. */
enum {
	Q_OUTCOME_INSERT, Q_COUNTER_ADD, Q_RETRY_GET, Q_RETRY_PUT, Q_RETRY_DEL,
	Q_SUP_GET, Q_SUP_ADD, Q_SUP_DEL, Q_AUDIT, Q_POS_PUT, Q_POS_GET,
	Q_FLOW_PUT, Q_OUTCOME_VERIFY, Q_RETRY_SCAN, Q_SUP_EXPIRED_DEL,
	Q_DELIVERED_AFTER,
	Q__COUNT
};

/* A suppression-set change waiting for its transaction to commit. */
struct pending {
	int add;
	char addr[RB_ADDR_MAX];
	enum rb_category cat;
	enum rb_reason reason;
	time_t created;
};

/* One outcome of a batch: its folded recipient and place in the batch. */
struct order {
	char addr[RB_ADDR_MAX];
	size_t i;
};

/* Counter increments of one batch, summed before they touch the disk. */
struct ckey {
	int gran;
	long bucket;
	const char *dim;
	char key[RB_ADDR_MAX];
	enum rb_outcome outcome;
	enum rb_category category;
	long n;
};

/* The latest delivery through one transport (store_flow.c). */
struct flow {
	char transport[RB_NAME_MAX];
	time_t last;		/* committed */
	time_t next;		/* with the batch being applied */
};

struct store {
	sqlite3 *db;
	char *path;
	struct store_options opt;
	sqlite3_stmt *q[Q__COUNT];
	struct supset *set;
	struct pending *pend;
	size_t npend, pend_cap;
	struct ckey *ck;
	size_t nck, ck_cap;
	int *ck_index;		/* open addressing over ck */
	size_t ck_index_cap;
	struct order *ord;	/* a batch in the order it is applied */
	size_t ord_cap;
	/*
	 * Outcomes stored: counted once, when first asked for (a count(*)
	 * walks the whole table), then kept up to date by each commit.
	 * -1: not counted yet.  tx_outcomes: added by the open transaction.
	 */
	long long n_outcomes, tx_outcomes;
	/* Whether mail was flowing (store_flow.c). */
	struct flow *flow;
	size_t nflow, flow_cap;
	time_t flow_any;	/* through any transport; 0: none yet */
	time_t next_any;	/* with the batch being applied */
	/*
	 * The earliest expires of a suppression, 0 for none; a commit may
	 * have made it earlier (store_suppress_tx), store_maintain() sets
	 * it after removing what had expired.  Too early costs one
	 * maintenance that finds nothing; never later than the truth.
	 */
	time_t next_expiry;
	time_t *flow_before;	/* per outcome of the batch, in its order */
	time_t *any_before;	/* the same through any transport, 0: none */
	size_t flow_before_cap;
};

/* sqlite3_exec with the error logged; 0 or -1. */
int store_exec(struct store *, const char *sql);
/* Bind text, static: v must outlive the step; NULL binds "". */
void store_bind_text(sqlite3_stmt *, int i, const char *v);
/* The single number a query returns, or -1. */
long store_count_of(struct store *, const char *sql);
/*
 * Suppress addr inside the open transaction, audited at now; the set
 * learns of it at commit (store_pend_apply).  created is the row's own
 * time (an import keeps the one it brings).  1 added, 0 already there,
 * -1 error.
 */
int store_suppress_tx(struct store *, const char *addr, const char *reason,
    const char *category, const char *codes, const char *text,
    const char *source, const char *evidence, time_t created, time_t expires,
    const char *who, const char *why, time_t now);
/* After a commit: apply the pending changes to the suppression set. */
void store_pend_apply(struct store *);

/* store_flow.c: load at open; 0 or -1. */
int store_flow_load(struct store *);
/*
 * Before a batch is applied: note for each outcome the latest delivery
 * that came before it, and learn the batch's deliveries.  0 or -1.
 */
int store_flow_batch(struct store *, const struct rb_outcome_rec *,
    size_t n);
/* Inside the batch's transaction: write what changed.  0 or -1. */
int store_flow_save(struct store *);
/* After its commit: the batch's deliveries become the store's. */
void store_flow_saved(struct store *);
/*
 * May outcome i of the batch escalate a recipient whose first counted
 * failure was at first?  Yes when mail went out through its transport
 * since then, or when no delivery was ever recorded.
 */
int store_flow_allows(const struct store *, size_t i, time_t first);
/*
 * The latest delivery recorded, to anyone, before outcome i of the batch
 * (0: none): no recipient has one later, so a failure at or after it is
 * in order for its recipient too.
 */
time_t store_flow_latest(const struct store *, size_t i);
void store_flow_free(struct store *);

#endif
