/*
 * journal.h - follow the systemd journal from the event loop (sd-journal).
 *
 * Entries that pass the configured matches are turned back into syslog
 * lines ("ISO-time host ident[pid]: message") and go through the same
 * line parser and queue correlation as a log file.  Each batch of
 * outcomes goes to the sink with the cursor of the last entry it covers;
 * a refused batch is kept and offered again, and a restart resumes after
 * the saved cursor.  Owned by the event-loop thread.
 */
#ifndef REBOUND_JOURNAL_H
#define REBOUND_JOURNAL_H

#include <event2/event.h>
#include <jansson.h>

#include "logproc.h"
#include "position.h"

struct journal_options {
	const char *directory;	/* NULL or "": the local system journal */
	const char *match;	/* "FIELD=value ..." (see journal_new) */
	long poll_ms;		/* safety-net poll; default 1000 */
	long coalesce_ms;	/* group reads and commits; default 200 */
	long resume_entries;	/* entries re-read before a saved cursor to
				   rebuild queue correlation; default 20000 */
	size_t batch;		/* outcomes per sink call; default 5000 */
};

struct journal;

void journal_options_default(struct journal_options *);

/*
 * Start reading.  match: space-separated FIELD=value terms; terms on the
 * same field are alternatives, terms on different fields must all hold,
 * and a lone "+" starts another alternative group (sd_journal_add_match
 * and sd_journal_add_disjunction).  resume: the saved position (its
 * cursor) or NULL: start after the newest entry, and save that.
 * NULL with a message in err when the journal cannot be opened or a
 * match is malformed.
 */
struct journal *journal_new(struct event_base *, const struct rb_position *resume,
    struct logproc *lp, rb_sink_fn sink, void *arg,
    const struct journal_options *, char *err, size_t errlen);
void journal_free(struct journal *);
/* Read everything available now (shutdown, reload, tests). */
void journal_flush(struct journal *);
/*
 * New reading options for a running reader (a reload): poll interval,
 * grouping and batch apply from now on, resume_entries at the next
 * start.  The directory and match of o are not looked at: a reader with
 * other ones is another source.
 */
void journal_set_options(struct journal *, const struct journal_options *);
/* Cursor, counters for "reboundctl status". */
json_t *journal_status(const struct journal *);

/* Source id under which the journal's position is saved. */
#define JOURNAL_SOURCE_ID "journal"

#endif
