/*
 * tail.h - follow a log file live from the event loop, through rename
 * rotation and copytruncate, and resume exactly where the store says.
 *
 * Each batch of outcomes goes to the sink with the position after its last
 * complete line (file identity: device, inode, fingerprint of the first
 * bytes; offset).  If the sink refuses (-1: disk full, database read-only)
 * the tail stays where it was and offers the same lines again later, so
 * nothing is lost and nothing is counted twice.  A file rotated away is
 * read on until it has been quiet for rotate_grace_ms, its lines committed
 * beside the new file's position.  Owned by the event-loop thread.
 */
#ifndef REBOUND_TAIL_H
#define REBOUND_TAIL_H

#include <event2/event.h>
#include <jansson.h>

#include "logproc.h"
#include "position.h"

struct tail_options {
	long poll_ms;		/* safety-net poll; default 1000 */
	long coalesce_ms;	/* group reads (and commits); default 200 */
	long resume_window;	/* bytes re-read before a saved position to
				   rebuild queue correlation; default 4 MiB */
	size_t batch;		/* outcomes per sink call; default 5000 */
	long rotate_grace_ms;	/* a rotated file is read on until quiet for
				   this long; default 60 s */
};

struct tail;

void tail_options_default(struct tail_options *);
/*
 * Start following path.  resume: the saved position or NULL (then reading
 * starts at the current end of the file, history being for replay, and
 * that starting point is handed to the sink at once so a crash before the
 * first batch resumes there).
 * lp belongs to the caller and must outlive the tail.
 */
struct tail *tail_new(struct event_base *, const char *path,
    const struct rb_position *resume, struct logproc *lp, rb_sink_fn sink,
    void *arg, const struct tail_options *);
void tail_free(struct tail *);
/* Read everything available now (shutdown, tests). */
void tail_flush(struct tail *);
void tail_set_logproc(struct tail *, struct logproc *);
/*
 * New reading options for a running tail (a reload): the poll interval
 * and grouping apply from now on, resume_window at the next start.
 */
void tail_set_options(struct tail *, const struct tail_options *);
const char *tail_path(const struct tail *);
/* Position, lag and counters for "reboundctl status". */
json_t *tail_status(const struct tail *);

/* The fingerprint of an open file (hash of its first 64 bytes, 0 if fewer). */
uint64_t tail_fingerprint(int fd);

#endif
