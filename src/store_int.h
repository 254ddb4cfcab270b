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
};

/* sqlite3_exec with the error logged; 0 or -1. */
int store_exec(struct store *, const char *sql);
/* Bind text, static: v must outlive the step; NULL binds "". */
void store_bind_text(sqlite3_stmt *, int i, const char *v);
/* The single number a query returns, or -1. */
long store_count_of(struct store *, const char *sql);
/*
 * Suppress addr inside the open transaction, audited; the set learns of
 * it at commit (store_pend_apply).  1 added, 0 already there, -1 error.
 */
int store_suppress_tx(struct store *, const char *addr, const char *reason,
    const char *category, const char *codes, const char *text,
    const char *source, const char *evidence, time_t now, time_t expires,
    const char *who, const char *why);
/* After a commit: apply the pending changes to the suppression set. */
void store_pend_apply(struct store *);

#endif
