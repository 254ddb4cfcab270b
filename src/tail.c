/*
 * tail.c - see tail.h.
 *
 * Bytes are read with pread() from the committed offset, so the buffer
 * always starts at a line boundary the store knows about.  A refused
 * commit keeps its outcomes and its end offset ("held") and is offered
 * again as it is: parsing the same lines twice would not do, because the
 * queue correlation has already moved on (a "removed" line forgets the
 * sender its queue ID had).  Rotation is noticed by the
 * inode at the path changing: the old file is read to its end first.
 * Truncation (copytruncate) is noticed by the size dropping below what was
 * read: reading restarts at 0.  A saved position whose file is gone from
 * the path (rotated while the daemon was down) is looked for among the
 * path's siblings ("mail.log.1", "mail.log-20261125") by inode.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "tail.h"
#include "util.h"

#define READ_CHUNK	(256 * 1024)

struct tail {
	struct event_base *base;
	char *path;
	struct logproc *lp;
	rb_sink_fn sink;
	void *sink_arg;
	struct tail_options opt;

	int fd;
	uint64_t dev, ino, fp;
	uint64_t committed;	/* offset of buf[0]: a line boundary */
	char *buf;
	size_t have, cap;
	int skipping;		/* inside an over-long line */
	char *carry;		/* unfinished last line of a rotated file */
	size_t carry_len;

	struct rb_outcome_rec *recs;
	size_t nrecs, recs_cap;

	int ifd;
	struct event *inotify_ev, *poll_ev, *read_ev;
	int read_scheduled;
	int stalled;
	size_t held;		/* while stalled: bytes the held batch covers */

	uint64_t lines, outcomes, rotations, truncations, refused;
	uint64_t size_seen;
};

void
tail_options_default(struct tail_options *o)
{
	o->poll_ms = 1000;
	o->coalesce_ms = 200;
	o->resume_window = 4 * 1024 * 1024;
	o->batch = 5000;
}

uint64_t
tail_fingerprint(int fd)
{
	unsigned char b[64];
	uint64_t h = 0xcbf29ce484222325ULL;

	if (pread(fd, b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return (0);
	for (size_t i = 0; i < sizeof(b); i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return (h ? h : 1);
}

static int
open_identity(const char *path, uint64_t *dev, uint64_t *ino, uint64_t *fp)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return (-1);
	if (fstat(fd, &sb) != 0) {
		close(fd);
		return (-1);
	}
	*dev = (uint64_t)sb.st_dev;
	*ino = (uint64_t)sb.st_ino;
	*fp = tail_fingerprint(fd);
	return (fd);
}

static void
collect(void *arg, const struct rb_outcome_rec *o)
{
	struct tail *t = arg;

	if (t->nrecs == t->recs_cap) {
		size_t n = t->recs_cap ? t->recs_cap * 2 : 256;
		struct rb_outcome_rec *r = realloc(t->recs, n * sizeof(*r));
		if (r == NULL)
			return;		/* counted as lost below: nrecs unchanged */
		t->recs = r;
		t->recs_cap = n;
	}
	t->recs[t->nrecs++] = *o;
}

static void
discard(void *arg, const struct rb_outcome_rec *o)
{
	(void)arg;
	(void)o;
}

/* Hand the collected outcomes and the position after `consumed` over. */
static int
commit(struct tail *t, size_t consumed)
{
	struct rb_position pos;

	memset(&pos, 0, sizeof(pos));
	util_strlcpy(pos.source_id, t->path, sizeof(pos.source_id));
	pos.dev = t->dev;
	pos.ino = t->ino;
	/* The fingerprint is known once the file holds 64 bytes. */
	if (t->fp == 0)
		t->fp = tail_fingerprint(t->fd);
	pos.fingerprint = t->fp;
	pos.offset = t->committed + consumed;
	if (t->sink(t->sink_arg, t->recs, t->nrecs, &pos) != 0) {
		if (!t->stalled)
			log_warnx("tail: file=%s offset=%llu error=\"store refused the batch, will retry\"",
			    t->path, (unsigned long long)t->committed);
		t->stalled = 1;
		t->held = consumed;
		t->refused++;
		return (-1);
	}
	if (t->stalled)
		log_info("tail: file=%s resumed=yes offset=%llu", t->path,
		    (unsigned long long)pos.offset);
	t->stalled = 0;
	t->outcomes += t->nrecs;
	t->nrecs = 0;
	t->committed = pos.offset;
	if (consumed > 0) {
		memmove(t->buf, t->buf + consumed, t->have - consumed);
		t->have -= consumed;
	}
	return (0);
}

/*
 * Read and process everything available in the open file.  Returns 0, or
 * -1 when the sink refused (the tail then waits for the next try).
 */
static int
read_available(struct tail *t)
{
	if (t->fd < 0)
		return (0);
	/* First the batch the store refused last time, exactly as it was. */
	if (t->stalled && commit(t, t->held) != 0)
		return (-1);
	for (;;) {
		if (t->cap - t->have < READ_CHUNK) {
			size_t ncap = t->cap ? t->cap * 2 : 2 * READ_CHUNK;
			char *nb = realloc(t->buf, ncap);
			if (nb == NULL)
				return (-1);
			t->buf = nb;
			t->cap = ncap;
		}
		ssize_t r = pread(t->fd, t->buf + t->have, t->cap - t->have,
		    (off_t)(t->committed + t->have));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			log_warn("tail: file=%s read", t->path);
			return (0);
		}
		if (r == 0)
			break;
		t->have += (size_t)r;
		size_t consumed = 0;
		time_t now = time(NULL);
		for (;;) {
			char *nl = memchr(t->buf + consumed, '\n', t->have - consumed);
			if (nl == NULL)
				break;
			size_t len = (size_t)(nl - (t->buf + consumed));
			if (t->carry_len > 0) {
				/* The first line of a new file ends a line the old one began. */
				char *j = realloc(t->carry, t->carry_len + len);
				if (j != NULL) {
					memcpy(j + t->carry_len, t->buf + consumed, len);
					t->lines++;
					logproc_line(t->lp, j, t->carry_len + len, now, collect, t);
					t->carry = j;
				}
				t->carry_len = 0;
			} else if (t->skipping)
				t->skipping = 0;
			else {
				t->lines++;
				logproc_line(t->lp, t->buf + consumed, len, now, collect, t);
			}
			consumed += len + 1;
			if (t->nrecs >= t->opt.batch) {
				if (commit(t, consumed) != 0)
					return (-1);
				consumed = 0;
			}
		}
		if (commit(t, consumed) != 0)
			return (-1);
		/* A line longer than any limit: drop it to its newline. */
		if (t->have > 8 * 1024 * 1024) {
			t->lines++;
			logproc_line(t->lp, t->buf, t->have, now, discard, NULL);
			t->skipping = 1;
			t->committed += t->have;
			t->have = 0;
		}
	}
	return (0);
}

/* Re-read the bytes before a resume point to rebuild queue correlation. */
static void
prime(struct tail *t, int fd, uint64_t offset)
{
	uint64_t from = offset > (uint64_t)t->opt.resume_window ?
	    offset - (uint64_t)t->opt.resume_window : 0;
	size_t len = (size_t)(offset - from);
	char *b = malloc(len + 1);
	time_t now = time(NULL);

	if (b == NULL || pread(fd, b, len, (off_t)from) != (ssize_t)len) {
		free(b);
		return;
	}
	size_t i = 0;
	if (from > 0) {
		/* Start at a line boundary. */
		char *nl = memchr(b, '\n', len);
		i = nl ? (size_t)(nl - b) + 1 : len;
	}
	while (i < len) {
		char *nl = memchr(b + i, '\n', len - i);
		size_t l = nl ? (size_t)(nl - (b + i)) : len - i;
		logproc_line(t->lp, b + i, l, now, discard, NULL);
		i += l + 1;
	}
	free(b);
}

/* The file a saved position names, if it was rotated away meanwhile. */
static int
find_rotated(const char *path, uint64_t dev, uint64_t ino)
{
	char *d = strdup(path), *b = strdup(path);
	const char *dir = dirname(d), *base = basename(b);
	size_t bl = strlen(base);
	DIR *dp = opendir(dir);
	int fd = -1;

	if (dp != NULL) {
		struct dirent *de;
		while (fd < 0 && (de = readdir(dp)) != NULL) {
			if (strncmp(de->d_name, base, bl) != 0 || de->d_name[bl] == '\0')
				continue;
			char p[4096];
			struct stat sb;
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			if (stat(p, &sb) == 0 && (uint64_t)sb.st_dev == dev &&
			    (uint64_t)sb.st_ino == ino)
				fd = open(p, O_RDONLY | O_CLOEXEC);
		}
		closedir(dp);
	}
	free(d);
	free(b);
	return (fd);
}

/* Switch to the file now at the path, reading from its start. */
static void
reopen(struct tail *t)
{
	uint64_t dev, ino, fp;
	int fd = open_identity(t->path, &dev, &ino, &fp);

	if (fd < 0)
		return;
	if (t->fd >= 0 && t->have > 0 && !t->skipping) {
		/* The old file ended inside a line: keep its beginning. */
		char *c = realloc(t->carry, t->have);
		if (c != NULL) {
			memcpy(c, t->buf, t->have);
			t->carry = c;
			t->carry_len = t->have;
		}
	}
	if (t->fd >= 0)
		close(t->fd);
	t->fd = fd;
	t->dev = dev;
	t->ino = ino;
	t->fp = fp;
	t->committed = 0;
	t->have = 0;
	t->skipping = 0;
	/*
	 * Commit the switch itself, so a restart does not look for the old
	 * file.  (If refused, the old position stands and its file is found
	 * among the rotated ones.)
	 */
	t->nrecs = 0;
	commit(t, 0);
}

static void
check(struct tail *t)
{
	struct stat sb, fsb;

	/* A held batch goes first, before truncation or rotation moves on. */
	if (t->stalled && t->fd >= 0 && commit(t, t->held) != 0)
		return;
	if (t->fd < 0) {
		reopen(t);
		read_available(t);
		return;
	}
	int at_path = stat(t->path, &sb) == 0;
	if (fstat(t->fd, &fsb) == 0 && (uint64_t)fsb.st_size < t->committed + t->have) {
		/* copytruncate: the file was cut under us. */
		log_info("tail: file=%s truncated=yes offset=%llu", t->path,
		    (unsigned long long)t->committed);
		t->truncations++;
		t->committed = 0;
		t->have = 0;
		t->skipping = 0;
		t->fp = 0;
	}
	if (read_available(t) != 0)
		return;
	if (at_path && ((uint64_t)sb.st_ino != t->ino || (uint64_t)sb.st_dev != t->dev)) {
		/* Rotated: the old file was read to its end just above. */
		log_info("tail: file=%s rotated=yes old_offset=%llu", t->path,
		    (unsigned long long)(t->committed + t->have));
		t->rotations++;
		reopen(t);
		read_available(t);
	}
	if (fstat(t->fd, &fsb) == 0)
		t->size_seen = (uint64_t)fsb.st_size;
}

static void
on_read(evutil_socket_t fd, short what, void *arg)
{
	struct tail *t = arg;

	t->read_scheduled = 0;
	check(t);
}

static void
schedule(struct tail *t)
{
	if (t->read_scheduled)
		return;
	struct timeval tv = { t->opt.coalesce_ms / 1000, (t->opt.coalesce_ms % 1000) * 1000 };
	event_add(t->read_ev, &tv);
	t->read_scheduled = 1;
}

static void
on_inotify(evutil_socket_t fd, short what, void *arg)
{
	struct tail *t = arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	schedule(t);
}

static void
on_poll(evutil_socket_t fd, short what, void *arg)
{
	schedule(arg);
}

struct tail *
tail_new(struct event_base *base, const char *path,
    const struct rb_position *resume, struct logproc *lp, rb_sink_fn sink,
    void *arg, const struct tail_options *opt)
{
	struct tail *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return (NULL);
	t->base = base;
	t->path = strdup(path);
	t->lp = lp;
	t->sink = sink;
	t->sink_arg = arg;
	if (opt)
		t->opt = *opt;
	else
		tail_options_default(&t->opt);
	t->fd = -1;
	t->ifd = -1;

	uint64_t dev = 0, ino = 0, fp = 0;
	int fd = open_identity(path, &dev, &ino, &fp);
	/*
	 * A saved position is resumed even at offset 0: it may be the start
	 * of a file that was just created or rotated in, and starting at
	 * its end instead would skip what was written there meanwhile.
	 */
	if (resume != NULL) {
		int same = fd >= 0 && dev == resume->dev && ino == resume->ino &&
		    (resume->fingerprint == 0 || fp == 0 || fp == resume->fingerprint);
		if (same) {
			t->fd = fd;
			fd = -1;
		} else {
			/* Rotated while we were down: finish the old file first. */
			t->fd = find_rotated(path, resume->dev, resume->ino);
			if (t->fd >= 0)
				log_info("tail: file=%s resuming=rotated-file offset=%llu",
				    path, (unsigned long long)resume->offset);
			else
				log_warnx("tail: file=%s saved position names a file that is gone; starting at the beginning",
				    path);
		}
		if (t->fd >= 0) {
			struct stat sb;
			t->dev = resume->dev;
			t->ino = resume->ino;
			t->fp = resume->fingerprint;
			t->committed = resume->offset;
			if (fstat(t->fd, &sb) == 0 && (uint64_t)sb.st_size < resume->offset) {
				log_info("tail: file=%s truncated-while-down=yes", path);
				t->committed = 0;
			}
			prime(t, t->fd, t->committed);
		}
	} else if (fd >= 0) {
		/* No saved position: start at the end; the past is for replay. */
		struct stat sb;
		t->fd = fd;
		fd = -1;
		t->dev = dev;
		t->ino = ino;
		t->fp = fp;
		if (fstat(t->fd, &sb) == 0) {
			/* back to the last line boundary */
			t->committed = (uint64_t)sb.st_size;
			prime(t, t->fd, t->committed);
		}
		/*
		 * Save where following began, before the first batch: a
		 * crash before then must resume here, not at a later end.
		 */
		t->nrecs = 0;
		commit(t, 0);
	}
	if (fd >= 0)
		close(fd);

	t->read_ev = evtimer_new(base, on_read, t);
	t->poll_ev = event_new(base, -1, EV_PERSIST, on_poll, t);
	struct timeval pv = { t->opt.poll_ms / 1000, (t->opt.poll_ms % 1000) * 1000 };
	event_add(t->poll_ev, &pv);
	t->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (t->ifd >= 0) {
		char *d = strdup(path);
		if (inotify_add_watch(t->ifd, dirname(d), IN_MODIFY | IN_CREATE |
		    IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE) < 0)
			log_warn("tail: file=%s inotify", path);
		free(d);
		t->inotify_ev = event_new(base, t->ifd, EV_READ | EV_PERSIST, on_inotify, t);
		event_add(t->inotify_ev, NULL);
	}
	schedule(t);
	return (t);
}

void
tail_flush(struct tail *t)
{
	check(t);
}

void
tail_set_logproc(struct tail *t, struct logproc *lp)
{
	t->lp = lp;
}

const char *
tail_path(const struct tail *t)
{
	return (t->path);
}

json_t *
tail_status(const struct tail *t)
{
	uint64_t pos = t->committed;
	struct logproc_stats st;

	logproc_get_stats(t->lp, &st);
	return (json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:b}",
	    "file", t->path, "offset", (json_int_t)pos,
	    "lag_bytes", (json_int_t)(t->size_seen > pos ? t->size_seen - pos : 0),
	    "inode", (json_int_t)t->ino, "lines", (json_int_t)t->lines,
	    "outcomes", (json_int_t)t->outcomes,
	    "skipped", (json_int_t)st.skipped, "oversized", (json_int_t)st.oversized,
	    "evicted", (json_int_t)st.evicted,
	    "queue_ids", (json_int_t)st.queued,
	    "deferred_recipients", (json_int_t)st.pending,
	    "rotations", (json_int_t)t->rotations,
	    "refused_commits", (json_int_t)t->refused, "stalled", t->stalled));
}

void
tail_free(struct tail *t)
{
	if (t == NULL)
		return;
	if (t->read_ev)
		event_free(t->read_ev);
	if (t->poll_ev)
		event_free(t->poll_ev);
	if (t->inotify_ev)
		event_free(t->inotify_ev);
	if (t->ifd >= 0)
		close(t->ifd);
	if (t->fd >= 0)
		close(t->fd);
	free(t->buf);
	free(t->carry);
	free(t->recs);
	free(t->path);
	free(t);
}
