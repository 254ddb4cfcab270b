/*
 * replay.h - read whole log files, plain or gzip-compressed (rotated
 * "mail.log.2.gz"), line by line into a logproc.
 *
 * Lines longer than the logproc's max_line are counted and skipped up to
 * their newline; a last line without a newline is still read.  Runs on the
 * caller's thread; the callback receives each outcome and its line number.
 */
#ifndef REBOUND_REPLAY_H
#define REBOUND_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "logproc.h"

typedef void (*replay_emit_fn)(void *arg, const struct rb_outcome_rec *,
    uint64_t lineno);

/*
 * Returns 0, or -1 with a message in err: the file could not be read, or
 * not to its end (a compressed file cut short or corrupt; the outcomes
 * of what was read have been emitted).  Lines without a year are dated
 * as of the file's modification time.
 */
int replay_file(const char *path, struct logproc *, replay_emit_fn emit,
    void *arg, char *err, size_t errlen);

#endif
