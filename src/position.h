/*
 * position.h - where a source stands in its input, so that a restart
 * resumes exactly.
 *
 * A source hands its position out with every batch of outcomes; the store
 * commits the two in one transaction (store_apply), so after a crash the
 * saved position and the saved outcomes always agree.  Plain value.
 */
#ifndef REBOUND_POSITION_H
#define REBOUND_POSITION_H

#include <stddef.h>
#include <stdint.h>

#include "outcome.h"

#define RB_SOURCE_ID_MAX 256
#define RB_CURSOR_MAX	512

struct rb_position {
	char source_id[RB_SOURCE_ID_MAX];	/* configured path or "journal" */
	/* File sources: identity of the file and the offset read up to. */
	uint64_t dev;
	uint64_t ino;
	uint64_t fingerprint;	/* hash of the file's first bytes, 0 if empty */
	uint64_t offset;	/* bytes consumed: always at a line boundary */
	/* Journal source: the cursor of the last entry consumed. */
	char cursor[RB_CURSOR_MAX];
};

/*
 * Where a source delivers its work: n outcomes and the position reached
 * after them (pos may be NULL for sources without a position, such as the
 * milter).  The callee copies what it keeps; the arrays belong to the
 * caller and are reused after return.  Returns 0 when the batch is durably
 * accepted, -1 when it was not (the source must offer it again later and
 * must not advance past it).
 */
typedef int (*rb_sink_fn)(void *arg, const struct rb_outcome_rec *recs,
    size_t n, const struct rb_position *pos);

#endif
