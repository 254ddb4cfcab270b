/*
 * supset.c - the in-memory suppression set (see supset.h).
 *
 * Open addressing with linear probing over 16-byte slots: the 64-bit hash
 * of the folded address, its creation time and its category and reason.
 * Hash 0 marks an empty slot and 1 a deleted one (real hashes are moved
 * out of both).  The table doubles at 60% load, rehashing live entries.
 * One writer (the store's thread) and many readers: a read-write lock,
 * held by readers only for the few probes a lookup takes, and by the
 * writer only to change a slot or to swap in a rebuilt table.  The
 * rebuild itself (a second or more for millions of entries) is done
 * without it: the writer reads the table only it changes while readers
 * go on using it, so a milter thread at RCPT never waits for the table
 * to grow.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "supset.h"

struct slot {
	uint64_t h;
	uint32_t created;	/* seconds since the epoch, to 2106 */
	uint8_t category;
	uint8_t reason;
	uint16_t pad;
};

struct supset {
	pthread_rwlock_t lock;
	struct slot *slots;
	size_t cap;		/* power of two */
	size_t used;		/* live entries */
	size_t tomb;		/* deleted slots */
};

#define EMPTY	0
#define DELETED	1

static uint64_t
hash_addr(const char *s)
{
	/* FNV-1a, then a final mix so the low bits used for probing spread. */
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (h < 2 ? h + 2 : h);
}

struct supset *
supset_new(size_t expected)
{
	struct supset *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return (NULL);
	s->cap = 1024;
	while (s->cap * 6 / 10 < expected)
		s->cap <<= 1;
	s->slots = calloc(s->cap, sizeof(*s->slots));
	if (s->slots == NULL || pthread_rwlock_init(&s->lock, NULL) != 0) {
		free(s->slots);
		free(s);
		return (NULL);
	}
	return (s);
}

void
supset_free(struct supset *s)
{
	if (s == NULL)
		return;
	pthread_rwlock_destroy(&s->lock);
	free(s->slots);
	free(s);
}

static struct slot *
find(struct slot *slots, size_t cap, uint64_t h, int for_insert)
{
	size_t mask = cap - 1, i = (size_t)h & mask;
	struct slot *first_free = NULL;

	for (size_t n = 0; n < cap; n++, i = (i + 1) & mask) {
		struct slot *sl = &slots[i];
		if (sl->h == h)
			return (sl);
		if (sl->h == EMPTY)
			return (for_insert ? (first_free ? first_free : sl) : NULL);
		if (sl->h == DELETED && for_insert && first_free == NULL)
			first_free = sl;
	}
	return (for_insert ? first_free : NULL);
}

/*
 * Room for k more entries.  Deleted slots count against the load (they
 * lengthen probes) but are not entries: when they are what fills the
 * table, it is rebuilt at the same size without them, so churn (expiry,
 * removal, re-suppression) never grows it.  Only live entries double it.
 * The writer calls this without the lock (see the top of the file) and
 * takes it only to swap the tables.
 */
static int
make_room(struct supset *s, size_t k)
{
	if ((s->used + s->tomb + k) * 10 <= s->cap * 6)
		return (0);
	size_t ncap = (s->used + k) * 10 > s->cap * 4 ? s->cap * 2 : s->cap;
	struct slot *ns = calloc(ncap, sizeof(*ns));

	if (ns == NULL)
		return (-1);
	for (size_t i = 0; i < s->cap; i++) {
		if (s->slots[i].h > DELETED)
			*find(ns, ncap, s->slots[i].h, 1) = s->slots[i];
	}
	pthread_rwlock_wrlock(&s->lock);
	struct slot *old = s->slots;
	s->slots = ns;
	s->cap = ncap;
	s->tomb = 0;
	pthread_rwlock_unlock(&s->lock);
	free(old);
	return (0);
}

int
supset_add(struct supset *s, const char *folded, enum rb_category cat,
    enum rb_reason reason, time_t created)
{
	uint64_t h = hash_addr(folded);

	if (make_room(s, 1) != 0)
		return (-1);
	pthread_rwlock_wrlock(&s->lock);
	struct slot *sl = find(s->slots, s->cap, h, 1);
	if (sl->h != h) {
		if (sl->h == DELETED)
			s->tomb--;
		s->used++;
	}
	sl->h = h;
	sl->created = (uint32_t)created;
	sl->category = (uint8_t)cat;
	sl->reason = (uint8_t)reason;
	pthread_rwlock_unlock(&s->lock);
	return (0);
}

int
supset_add_many(struct supset *s, const struct supset_entry *e, size_t n)
{
	enum { AHEAD = 16 };
	uint64_t hs[AHEAD];
	int rc = 0;

	/*
	 * Loading millions of entries at start-up is bound by cache misses
	 * on a table far larger than any cache: hash a group first and ask
	 * for its slots, so the misses overlap instead of coming one by one.
	 * The lock is taken per group, so that readers get in between and
	 * a table that grows is rebuilt without it.
	 */
	for (size_t i = 0; i < n; i += AHEAD) {
		size_t k = n - i < AHEAD ? n - i : AHEAD;
		if (make_room(s, k) != 0) {
			rc = -1;
			break;
		}
		pthread_rwlock_wrlock(&s->lock);
		for (size_t j = 0; j < k; j++) {
			hs[j] = hash_addr(e[i + j].folded);
			__builtin_prefetch(&s->slots[hs[j] & (s->cap - 1)], 1);
		}
		for (size_t j = 0; j < k; j++) {
			struct slot *sl = find(s->slots, s->cap, hs[j], 1);
			if (sl->h != hs[j]) {
				if (sl->h == DELETED)
					s->tomb--;
				s->used++;
			}
			sl->h = hs[j];
			sl->created = (uint32_t)e[i + j].created;
			sl->category = (uint8_t)e[i + j].category;
			sl->reason = (uint8_t)e[i + j].reason;
		}
		pthread_rwlock_unlock(&s->lock);
	}
	return (rc);
}

int
supset_remove(struct supset *s, const char *folded)
{
	uint64_t h = hash_addr(folded);
	int found = 0;

	pthread_rwlock_wrlock(&s->lock);
	struct slot *sl = find(s->slots, s->cap, h, 0);
	if (sl != NULL) {
		sl->h = DELETED;
		s->used--;
		s->tomb++;
		found = 1;
	}
	pthread_rwlock_unlock(&s->lock);
	return (found);
}

int
supset_lookup(struct supset *s, const char *folded, struct supset_hit *hit)
{
	uint64_t h = hash_addr(folded);
	int found = 0;

	pthread_rwlock_rdlock(&s->lock);
	struct slot *sl = find(s->slots, s->cap, h, 0);
	if (sl != NULL) {
		found = 1;
		if (hit != NULL) {
			hit->category = (enum rb_category)sl->category;
			hit->reason = (enum rb_reason)sl->reason;
			hit->created = (time_t)sl->created;
		}
	}
	pthread_rwlock_unlock(&s->lock);
	return (found);
}

size_t
supset_count(struct supset *s)
{
	pthread_rwlock_rdlock(&s->lock);
	size_t n = s->used;
	pthread_rwlock_unlock(&s->lock);
	return (n);
}

/* Slots in the table: its memory, for status and tests. */
size_t
supset_capacity(struct supset *s)
{
	pthread_rwlock_rdlock(&s->lock);
	size_t n = s->cap;
	pthread_rwlock_unlock(&s->lock);
	return (n);
}
