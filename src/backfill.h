/*
 * backfill.h - read old log files (plain or gzip-compressed rotated ones)
 * into the running daemon's store, in turns, from the event loop.
 *
 * A job reads its files one after the other, oldest first as given, with
 * a logproc of its own (so a deferral in one file and its expiry in the
 * next are joined, and the followed files' correlation is not touched).
 * Each turn reads about turn_bytes of input, hands the outcomes to the
 * commit callback with no position, and schedules the next turn as a
 * zero-timeout event: the control socket, the followed logs, the milter's
 * queue and the signals are served between turns.  The store de-duplicates
 * by outcome key, so history read twice, or already read live, counts once.
 *
 * Owned by the event-loop thread, like everything it calls back.  The job
 * owns its logproc, its open file and a copy of the paths; the classifier
 * belongs to the caller and must outlive the job (or be replaced with
 * backfill_set_classifier before it is freed).
 */
#ifndef REBOUND_BACKFILL_H
#define REBOUND_BACKFILL_H

#include <stddef.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "classify.h"
#include "logproc.h"
#include "outcome.h"

/*
 * Commit n outcomes (no position: the followed files keep theirs).
 * Returns 0 and sets *fresh to how many the store took as new, or -1
 * when the store refused the batch.
 */
typedef int (*backfill_commit_fn)(void *arg, const struct rb_outcome_rec *,
    size_t n, size_t *fresh);
/*
 * The job is over (done, or stopped by a refused commit): answer is the
 * reply to send, which the callee takes.  It is the job's last act: the
 * callee may free the job (backfill_free) inside it.
 */
typedef void (*backfill_done_fn)(void *arg, json_t *answer);

struct backfill_options {
	struct logproc_options lo;
	size_t turn_bytes;	/* input read per turn; default 4 MiB */
	size_t batch;		/* outcomes per commit; default 5000 */
	/*
	 * Outcomes dated before this are counted and left out (0: none):
	 * the store keeps outcomes, and so knows them again, only for
	 * outcome_retention; older ones would be pruned at the next
	 * maintenance and a second run would count them twice.
	 */
	time_t not_before;
};

struct backfill;

void backfill_options_default(struct backfill_options *);
/*
 * Start reading paths[0..n) (absolute; copied).  The first turn runs from
 * the event loop, not from here.  NULL when memory is short.
 */
struct backfill *backfill_start(struct event_base *, const struct classifier *,
    const struct backfill_options *, char *const *paths, size_t n,
    backfill_commit_fn commit, void *commit_arg, backfill_done_fn done,
    void *done_arg);
/*
 * Stop (a client gone, shutdown) or free a finished job.  What was
 * committed stays; nothing more is read and done is not called.
 */
void backfill_free(struct backfill *);
/* A reload's new classifier; -1 (the old one kept) when memory is short. */
int backfill_set_classifier(struct backfill *, const struct classifier *);
/* The file being read, bytes read of its size, lines, outcomes. */
json_t *backfill_status(const struct backfill *);

#endif
