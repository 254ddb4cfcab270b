/*
 * evqueue.h - a bounded, thread-safe queue from other threads (the milter's
 * libmilter threads) into reboundd's event loop.
 *
 * Producers on any thread push; everything pushed is run or applied later
 * on the loop's thread, in push order.  The store belongs to the loop
 * thread only, so this is the one way for another thread to change it.
 * evqueue_new, evqueue_set_apply, evqueue_apply_now, evqueue_flush and
 * evqueue_free are for the loop thread;
 * evqueue_push, evqueue_push_outcomes and evqueue_pending for any thread.
 */
#ifndef REBOUND_EVQUEUE_H
#define REBOUND_EVQUEUE_H

#include <stddef.h>

#include <event2/event.h>

#include "outcome.h"

struct evqueue;
struct store;

/*
 * Runs on the loop thread with the loop's store (NULL when the daemon has
 * none yet); owns item and frees it.
 */
typedef void (*evqueue_fn)(void *item, struct store *st);

/*
 * Applies a batch of outcomes on the loop thread: 0 when committed, -1 to
 * keep it and try again later (full disk, read-only database).
 */
typedef int (*evqueue_apply_fn)(void *arg, const struct rb_outcome_rec *recs,
    size_t n);

/* At most max_pending messages wait at once (0: 10000). */
struct evqueue *evqueue_new(struct event_base *, size_t max_pending);
/* Set by the daemon: where outcome batches and the store come from. */
void evqueue_set_apply(struct evqueue *, evqueue_apply_fn, void *arg,
    struct store *st);
/* Drops what is still queued (items are given to their fn with st NULL). */
void evqueue_free(struct evqueue *);

/* Any thread.  0 queued; -1 queue full (the caller keeps item). */
int evqueue_push(struct evqueue *, evqueue_fn fn, void *item);
/*
 * Any thread.  The records are copied; the loop commits them like a log
 * batch (de-duplicated by key, retried until the store takes them).
 * 0 queued; -1 queue full or out of memory.
 */
int evqueue_push_outcomes(struct evqueue *, const struct rb_outcome_rec *recs,
    size_t n);
/*
 * Loop thread (an evqueue_fn): commit the records now, behind any refused
 * batch still waiting.  0 committed; 1 the store refused them or a batch
 * waits, so they were queued to be retried; -1 queue full.
 */
int evqueue_apply_now(struct evqueue *, const struct rb_outcome_rec *recs,
    size_t n);
/*
 * Loop thread, at shutdown: offer what waits to the store once more.
 * Returns the number of records still not committed.
 */
size_t evqueue_flush(struct evqueue *);
/* Any thread: messages waiting. */
size_t evqueue_pending(struct evqueue *);

#endif
