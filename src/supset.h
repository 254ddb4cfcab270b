/*
 * supset.h - the in-memory set of suppressed addresses, for lookups that
 * must never wait on the database writer (milter threads at RCPT time).
 *
 * Compact: a 64-bit hash of the folded address plus the suppression's
 * category and creation time per entry, open addressing.  The store's
 * thread is the only writer (one thread only may add and remove: the
 * table grows without the lock); any thread may read.  A hit is a hash
 * match; callers that must be certain confirm it with the store.
 */
#ifndef REBOUND_SUPSET_H
#define REBOUND_SUPSET_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "taxonomy.h"

struct supset;

struct supset_hit {
	enum rb_category category;
	enum rb_reason reason;
	time_t created;
};

struct supset *supset_new(size_t expected);
void supset_free(struct supset *);
/* folded: the address as store_fold_address() gives it. */
int supset_add(struct supset *, const char *folded, enum rb_category,
    enum rb_reason, time_t created);
/* Many at once, faster than one by one (start-up); 0 or -1 out of memory. */
struct supset_entry {
	const char *folded;
	enum rb_category category;
	enum rb_reason reason;
	time_t created;
};
int supset_add_many(struct supset *, const struct supset_entry *, size_t n);
int supset_remove(struct supset *, const char *folded);
/* 1 and *hit filled (hit may be NULL) when present, 0 when not. */
int supset_lookup(struct supset *, const char *folded, struct supset_hit *hit);
size_t supset_count(struct supset *);
size_t supset_capacity(struct supset *);

#endif
