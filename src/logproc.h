/*
 * logproc.h - turns MTA log lines into classified delivery outcomes.
 *
 * A logproc joins the lines of one queue ID (Postfix smtpd client=,
 * cleanup message-id=, qmgr from=/size=/nrcpt=; Sendmail from=/msgid=) so
 * each outcome carries its sender, message-id, client, SASL user, size and
 * transport, and classifies every delivery line.  For Postfix it also
 * remembers each recipient whose latest line was a deferral, so that when
 * qmgr logs the whole message as expired each of them gets an expired
 * outcome with the reason of its last deferral.  Memory is bounded: queue
 * IDs idle for longer than idle_timeout (log time; deferred_timeout while
 * they hold deferred recipients) are evicted, and so are the oldest when
 * max_entries is reached; evictions are counted.  At most 1000 deferred
 * recipients are held per message and max_entries in all; those not held
 * are counted.
 *
 * Pure: lines in, outcomes out through a callback; no I/O.  One logproc
 * belongs to one thread (it holds classifier scratch space).
 */
#ifndef REBOUND_LOGPROC_H
#define REBOUND_LOGPROC_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "classify.h"
#include "outcome.h"

struct logproc_options {
	long idle_timeout;	/* seconds; default 3600 */
	long deferred_timeout;	/* with deferred recipients; default 6 days */
	size_t max_entries;	/* default 200000 */
	size_t max_line;	/* longer lines are counted and skipped; 64 KiB */
};

struct logproc_stats {
	uint64_t lines;		/* every line offered */
	uint64_t parsed;	/* lines from the MTA about a queued message */
	uint64_t outcomes;	/* outcomes emitted */
	uint64_t skipped;	/* not from the MTA, or not about a message */
	uint64_t oversized;	/* longer than max_line */
	uint64_t evicted;	/* queue IDs dropped before "removed" */
	uint64_t probes;	/* Postfix address verification probes */
	uint64_t handoffs;	/* deliveries to another queue of this system */
	uint64_t queued;	/* queue IDs held now */
	uint64_t pending;	/* deferred recipients held now */
	uint64_t pending_dropped; /* deferrals not held: over either bound */
	uint64_t future;	/* dated ahead of now: taken as now */
	uint64_t bad_address;	/* recipients that cannot be an address */
};

/* Called for each outcome; the record is the caller's only during the call. */
typedef void (*logproc_emit_fn)(void *arg, const struct rb_outcome_rec *);

struct logproc;

void logproc_options_default(struct logproc_options *);
/* cl must outlive the logproc.  NULL on allocation failure. */
struct logproc *logproc_new(const struct classifier *cl,
    const struct logproc_options *);
void logproc_free(struct logproc *);
/*
 * Reload: classify with cl from now on (it must outlive the logproc; the
 * old one may be freed once this returns 0) and take the new bounds.  The
 * queue IDs held stay, so a deferral seen before a reload still gives its
 * recipient an expired outcome after it.  -1 (nothing changed) when the
 * classifier's scratch space cannot be allocated.
 */
int logproc_set_classifier(struct logproc *, const struct classifier *cl);
void logproc_set_options(struct logproc *, const struct logproc_options *);

/*
 * Feed one line (without or with its newline).  now is the reader's clock,
 * used only to give RFC 3164 timestamps a year.  Returns the number of
 * outcomes emitted.
 */
int logproc_line(struct logproc *, const char *line, size_t len, time_t now,
    logproc_emit_fn emit, void *arg);

void logproc_get_stats(const struct logproc *, struct logproc_stats *);

#endif
