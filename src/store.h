/*
 * store.h - the durable state of reboundd: outcomes, suppression list with
 * its audit log, retry state per recipient, per-provider counters, and
 * source positions, in one SQLite database.
 *
 * Threading: a `struct store` is owned by exactly one thread (the daemon's
 * event loop); every store_* function must be called from that thread.
 * The one exception is the suppression set (supset.h), which the store
 * keeps up to date and which any thread may read.
 *
 * Answers for the control socket are returned as jansson objects that the
 * caller owns (json_decref).
 */
#ifndef REBOUND_STORE_H
#define REBOUND_STORE_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "outcome.h"
#include "position.h"
#include "taxonomy.h"

struct supset;
struct store;

/* How addresses are folded before they are keyed. */
enum store_fold {
	STORE_FOLD_DOMAIN = 0,	/* lower-case the domain only (RFC 5321) */
	STORE_FOLD_ALL,		/* lower-case local part too */
};

struct store_options {
	int wal;			/* 1: journal_mode=WAL (default) */
	enum store_fold fold;
	long outcome_retention;		/* seconds, default 30 days */
	/* Escalation of soft failures into a suppression. */
	int escalation_failures;	/* default 3 */
	long escalation_span;		/* seconds, default 72 h */
	/*
	 * Suppression lifetime per category, seconds; 0 = never expires.
	 * Indexed by enum rb_category.  escalation_lifetime applies to
	 * suppressions made by escalation (default 30 days).
	 */
	long lifetime[RB_CATEGORY__COUNT];
	long escalation_lifetime;
};

/* Fill *o with the documented defaults. */
void store_options_default(struct store_options *o);
/* New options for an open store (reload); the fold rule stays as opened. */
void store_set_options(struct store *, const struct store_options *);

/*
 * Open (creating or migrating) the database at path.  Loads the
 * suppression set into memory.  On error returns NULL with a message.
 */
struct store *store_open(const char *path, const struct store_options *,
    char *err, size_t errlen);
/*
 * Create or migrate the database at path and close it again, without
 * loading anything (so it exists to be chowned before privileges go).
 */
int store_create(const char *path, const struct store_options *,
    char *err, size_t errlen);
void store_close(struct store *);

/* The live suppression set; valid until store_close(). */
struct supset *store_supset(struct store *);

/*
 * Apply a batch in one transaction: record each outcome (an outcome whose
 * key is already stored is skipped: counted once), update counters, retry
 * state, escalation and suppressions, and save pos (may be NULL).
 * fresh (may be NULL) is the caller's array of n flags: once committed,
 * fresh[i] is 1 when recs[i] was stored by this call and 0 when it was
 * skipped as seen before (so listeners hear of each outcome once).
 * Returns 0 when committed, -1 when nothing was applied (disk full,
 * read-only database, ...): the caller keeps the batch and tries again.
 */
int store_apply(struct store *, const struct rb_outcome_rec *recs, size_t n,
    const struct rb_position *pos, time_t now, unsigned char *fresh);

/*
 * Whether this system sent mail to recipient that a DSN names: 1 when an
 * outcome read from the MTA's log (not from a DSN) has that recipient
 * (folded here) and the DSN's original message_id (with or without <>)
 * or queue_id; empty identifiers match nothing.  0 none, -1 error.
 */
int store_sent_match(struct store *, const char *recipient,
    const char *message_id, const char *queue_id);
/*
 * Whether the MTA's log shows mail to recipient (folded here) at all,
 * whatever message: 1 yes, 0 no, -1 error.
 */
int store_sent_to(struct store *, const char *recipient);

/* Saved position of source_id: 0 and *out filled, 1 none saved, -1 error. */
int store_position_get(struct store *, const char *source_id,
    struct rb_position *out);

/*
 * Manual changes; who is "uid:N" or a name; each writes the audit log.
 * add: expires 0 = never; an address already suppressed gets that
 * expiry time (audited "expires").  Return 0, 1 when nothing changed
 * (already suppressed with that expiry time / not suppressed), -1 on
 * error.
 */
int store_suppress_add(struct store *, const char *addr, const char *reason,
    enum rb_source src, const char *who, time_t now, time_t expires);
int store_suppress_remove(struct store *, const char *addr, const char *who,
    const char *why, time_t now);

/* Control-socket answers (caller owns the result; NULL on error). */
json_t *store_lookup(struct store *, const char *addr, time_t now);
json_t *store_list(struct store *, const char *category, const char *source,
    time_t since, size_t limit);
/*
 * Counters by "by" (provider, category, code, domain, transport); a
 * provider ("" for all) filters only by provider and by category, the
 * others are counted without it: asked with one, the answer holds "error".
 */
json_t *store_stats(struct store *, const char *provider, time_t since,
    const char *by, time_t now);
json_t *store_status(struct store *);
/* The n most recent outcomes, newest first. */
json_t *store_recent(struct store *, size_t n);

/*
 * CSV export to fp; import from fp (idempotent).  Return rows or -1.
 * Export leaves out addresses that are not UTF-8, counted in *left_out
 * (when not NULL); other fields have such bytes as '?'.
 * Import leaves out records whose expires is already past, counted in
 * *expired (when not NULL); each addition is audited at now.
 */
long store_export_csv(struct store *, FILE *fp, long *left_out);
long store_import_csv(struct store *, FILE *fp, const char *who, time_t now,
    long *expired, char *err, size_t errlen);

/*
 * The earliest time a suppression expires, 0 for none: when the daemon
 * runs store_maintain() next, so that an expired suppression is lifted
 * within a second rather than at the next maintenance_interval.  It may
 * be earlier than the truth (an addition rolled back), never later.
 */
time_t store_next_expiry(const struct store *);
/*
 * Housekeeping, called from a timer: expire suppressions whose time has
 * come (audited), prune outcomes past retention, roll minute counters into
 * day buckets and drop old buckets.  Returns 0 or -1.
 */
int store_maintain(struct store *, time_t now);
/* Only the first of those: suppressions whose time has come. */
int store_expire(struct store *, time_t now);

/*
 * Cap the database at its current size plus extra_pages (0 lifts the cap),
 * as a full disk would: for tests and for operators who want a hard limit.
 */
void store_limit_pages(struct store *, long extra_pages);

/* Fold an address as the store keys it (into out, size outlen). */
void store_fold_address(const struct store *, const char *addr, char *out,
    size_t outlen);

#endif
