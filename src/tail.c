/*
 * tail.c - see tail.h.
 *
 * Bytes are read with pread() from the committed offset, so the buffer
 * always starts at a line boundary the store knows about.  A refused
 * commit keeps its outcomes and its end offset ("held") and is offered
 * again as it is: parsing the same lines twice would not do, because the
 * queue correlation has already moved on (a "removed" line forgets the
 * sender its queue ID had).  Rotation is noticed by the
 * inode at the path changing: the old file is read to its end first, and
 * then kept open and read on ("draining") until it has been quiet for
 * rotate_grace_ms, because syslog goes on writing to the file it holds
 * open until logrotate's postrotate signal makes it reopen the path.
 * Its lines are read before those of the new file in each pass.  The
 * position saved is always the new file's: the old one's lines are
 * committed as they are read, with it, so a crash while draining reads
 * nothing twice and loses only what reached the old file after the last
 * pass (a position names one file).
 * Truncation (copytruncate) is noticed by the size dropping below what was
 * read, or, when the file has grown since, by its first bytes changing:
 * reading restarts at 0.  A saved position whose file is gone from
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
/*
 * Bytes read in one turn of the event loop.  A backlog (a start after
 * downtime, a burst) is read in turns of this size, each committed, and
 * the control socket, the milter's bounces, the timers and SIGTERM are
 * served between them: read whole, 200 MB kept them all waiting for
 * seconds, and a stop waited for the whole backlog.
 */
#define READ_TURN	(4 * 1024 * 1024)
/* Outcomes a line may add with no allocation (a message's recipients). */
#define RECS_HEADROOM	64

/* Checks of a quiet rotated file before it is closed, whatever the time. */
#define DRAIN_MIN_CHECKS	3

/* One open log file and what has been read of it. */
struct tfile {
	int fd;			/* -1: none */
	uint64_t dev, ino, fp;
	uint64_t committed;	/* offset of buf[0]: a line boundary */
	char *buf;
	size_t have, cap;
	int skipping;		/* inside an over-long line */
	/*
	 * buf holds lines not yet processed: a try stopped in the middle
	 * (store refused, out of memory).  They are read at the next try
	 * even if the file has not grown meanwhile.
	 */
	int unscanned;
};

struct tail {
	struct event_base *base;
	char *path;
	struct logproc *lp;
	rb_sink_fn sink;
	void *sink_arg;
	struct tail_options opt;

	struct tfile cur;	/* at the path; its identity is the position */
	struct tfile old;	/* rotated away and still draining, or fd -1 */
	uint64_t old_grew_ms;	/* monotonic time the old file last grew */
	int old_quiet;		/* checks since then */
	char *carry;		/* unfinished last line of a rotated file */
	size_t carry_len;

	struct rb_outcome_rec *recs;
	size_t nrecs, recs_cap;

	int ifd;
	struct event *inotify_ev, *poll_ev, *read_ev;
	int read_scheduled;
	size_t turn;		/* bytes this turn may still read */
	int stalled;
	int open_warned;	/* the path's trouble was logged (open_failed) */
	struct tfile *held_file; /* while stalled: the file of the held batch */
	size_t held;		/* and the bytes of it that batch covers */

	uint64_t lines, outcomes, rotations, truncations, refused;
	uint64_t lost;		/* outcomes dropped for want of memory */
	int oom_warned;
	uint64_t size_seen;
};

void
tail_options_default(struct tail_options *o)
{
	o->poll_ms = 1000;
	o->coalesce_ms = 200;
	o->resume_window = 4 * 1024 * 1024;
	o->batch = 5000;
	o->rotate_grace_ms = 60 * 1000;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
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
	/*
	 * O_NONBLOCK: a FIFO put at the path would otherwise hold the event
	 * loop in open() until some writer came, stopping everything.  Only
	 * a regular file is read: -2 for anything else (a FIFO, a
	 * directory, a device), which is waited out like a missing file.
	 */
	/*
	 * Looked at before it is opened: opening a FIFO wakes its writer
	 * (which then meets EPIPE at every poll), and opening some devices
	 * does something.  The fstat() below catches a swap in between.
	 */
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
		return (-2);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return (-1);
	if (fstat(fd, &sb) != 0) {
		close(fd);
		return (-1);
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return (-2);
	}
	*dev = (uint64_t)sb.st_dev;
	*ino = (uint64_t)sb.st_ino;
	*fp = tail_fingerprint(fd);
	return (fd);
}

/*
 * Room for RECS_HEADROOM more outcomes than collected, made before each
 * line is read: when memory runs out it is found here, with the line
 * still unread, and not in collect() with the line half processed.
 */
static int
grow(struct tail *t)
{
	size_t n = t->recs_cap ? t->recs_cap * 2 : 256;
	struct rb_outcome_rec *r = realloc(t->recs, n * sizeof(*r));
	if (r == NULL)
		return (-1);
	t->recs = r;
	t->recs_cap = n;
	return (0);
}

static int
reserve(struct tail *t)
{
	if (t->recs_cap - t->nrecs >= RECS_HEADROOM)
		return (0);
	return (grow(t));
}

static void
collect(void *arg, const struct rb_outcome_rec *o)
{
	struct tail *t = arg;

	/*
	 * One line gave more outcomes than the headroom (an expiry of a
	 * message to many recipients) and memory ran out: the line is
	 * processed already and cannot be read again, so the rest are lost.
	 * Counted and logged, never silent.
	 */
	if (t->nrecs == t->recs_cap && grow(t) != 0) {
		if (t->lost++ == 0 || t->lost % 1000 == 0)
			log_warnx("tail: file=%s recipient=%s error=\"out of memory, outcome lost\" lost=%llu",
			    t->path, o->recipient,
			    (unsigned long long)t->lost);
		return;
	}
	t->recs[t->nrecs++] = *o;
}

/*
 * Out of memory before a line: what was read so far is handed over (which
 * empties the batch and frees its room for reuse); if there is still no
 * room, the line stays unread until the next try.  0 to read on, -1 to
 * stop this turn.
 */
static int commit(struct tail *, struct tfile *, size_t);

static void
oom(struct tail *t, const struct tfile *f)
{
	if (!t->oom_warned)
		log_warnx("tail: file=%s offset=%llu error=\"out of memory, will retry\"",
		    t->path, (unsigned long long)f->committed);
	t->oom_warned = 1;
}

static int
make_room(struct tail *t, struct tfile *f, size_t *consumed)
{
	if (reserve(t) != 0) {
		if (commit(t, f, *consumed) != 0)
			return (-1);
		*consumed = 0;
		if (reserve(t) != 0) {
			oom(t, f);
			return (-1);
		}
	}
	if (t->oom_warned)
		log_info("tail: file=%s resumed=yes", t->path);
	t->oom_warned = 0;
	return (0);
}

static void
discard(void *arg, const struct rb_outcome_rec *o)
{
	(void)arg;
	(void)o;
}

/*
 * Hand the collected outcomes over, with `consumed` bytes of f's buffer
 * read.  The position handed over is always the current file's: lines of
 * a draining rotated file are committed beside it.
 */
static int
commit(struct tail *t, struct tfile *f, size_t consumed)
{
	struct rb_position pos;

	memset(&pos, 0, sizeof(pos));
	util_strlcpy(pos.source_id, t->path, sizeof(pos.source_id));
	pos.dev = t->cur.dev;
	pos.ino = t->cur.ino;
	/* The fingerprint is known once the file holds 64 bytes. */
	if (t->cur.fp == 0 && t->cur.fd >= 0)
		t->cur.fp = tail_fingerprint(t->cur.fd);
	pos.fingerprint = t->cur.fp;
	pos.offset = t->cur.committed + (f == &t->cur ? consumed : 0);
	if (t->sink(t->sink_arg, t->recs, t->nrecs, &pos) != 0) {
		if (!t->stalled)
			log_warnx("tail: file=%s offset=%llu error=\"store refused the batch, will retry\"",
			    t->path, (unsigned long long)t->cur.committed);
		t->stalled = 1;
		t->held_file = f;
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
	f->committed += consumed;
	if (consumed > 0) {
		memmove(f->buf, f->buf + consumed, f->have - consumed);
		f->have -= consumed;
	}
	return (0);
}

/*
 * Read and process what is available in f (the current file or the
 * draining one), up to what is left of this turn; *grew, if given, tells
 * whether anything was.  Returns 0 at the end of the file, 1 when the
 * turn ended first (all read so far is committed), or -1 when the sink
 * refused (the tail then waits for the next try).
 */
static int
read_file(struct tail *t, struct tfile *f, int *grew)
{
	if (f->fd < 0)
		return (0);
	for (;;) {
		if (f->cap - f->have < READ_CHUNK) {
			size_t ncap = f->cap ? f->cap * 2 : 2 * READ_CHUNK;
			char *nb = realloc(f->buf, ncap);
			if (nb == NULL) {
				oom(t, f);
				return (-1);
			}
			f->buf = nb;
			f->cap = ncap;
		}
		ssize_t r = pread(f->fd, f->buf + f->have, f->cap - f->have,
		    (off_t)(f->committed + f->have));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			log_warn("tail: file=%s read", t->path);
			return (0);
		}
		if (r == 0 && !f->unscanned)
			break;
		if (r > 0) {
			if (grew != NULL)
				*grew = 1;
			f->have += (size_t)r;
			t->turn = t->turn > (size_t)r ? t->turn - (size_t)r : 0;
		}
		size_t consumed = 0;
		time_t now = time(NULL);
		/* Until the commit after the loop: every -1 below leaves lines. */
		f->unscanned = 1;
		for (;;) {
			if (make_room(t, f, &consumed) != 0)
				return (-1);
			char *nl = memchr(f->buf + consumed, '\n', f->have - consumed);
			if (nl == NULL)
				break;
			size_t len = (size_t)(nl - (f->buf + consumed));
			if (f == &t->cur && t->carry_len > 0) {
				/* The first line of a new file ends a line the old one began. */
				char *j = realloc(t->carry, t->carry_len + len);
				if (j == NULL) {
					/* Kept, with this line, for the next try. */
					if (commit(t, f, consumed) == 0)
						oom(t, f);
					return (-1);
				}
				memcpy(j + t->carry_len, f->buf + consumed, len);
				t->lines++;
				logproc_line(t->lp, j, t->carry_len + len, now, collect, t);
				t->carry = j;
				t->carry_len = 0;
			} else if (f->skipping)
				f->skipping = 0;
			else {
				t->lines++;
				logproc_line(t->lp, f->buf + consumed, len, now, collect, t);
			}
			consumed += len + 1;
			if (t->nrecs >= t->opt.batch) {
				if (commit(t, f, consumed) != 0)
					return (-1);
				consumed = 0;
			}
		}
		if (commit(t, f, consumed) != 0)
			return (-1);
		f->unscanned = 0;
		/* A line longer than any limit: drop it to its newline. */
		if (f->have > 8 * 1024 * 1024) {
			t->lines++;
			logproc_line(t->lp, f->buf, f->have, now, discard, NULL);
			f->skipping = 1;
			f->committed += f->have;
			f->have = 0;
		}
		if (t->turn == 0)
			return (1);
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
				fd = open(p, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		}
		closedir(dp);
	}
	free(d);
	free(b);
	return (fd);
}

/*
 * Close the draining rotated file.  An unfinished last line is processed
 * as it is: whoever was writing it has been quiet for the whole grace
 * period.  Returns -1 (the file stays open) when the sink refused.
 */
static int
close_old(struct tail *t)
{
	struct tfile *o = &t->old;

	if (o->fd < 0)
		return (0);
	if (o->have > 0 && !o->skipping) {
		size_t none = 0;
		if (make_room(t, o, &none) != 0)
			return (-1);
		t->lines++;
		logproc_line(t->lp, o->buf, o->have, time(NULL), collect, t);
		if (commit(t, o, o->have) != 0)
			return (-1);
	}
	log_info("tail: file=%s rotated_file_closed=yes offset=%llu", t->path,
	    (unsigned long long)(o->committed + o->have));
	close(o->fd);
	o->fd = -1;
	o->have = 0;
	o->skipping = 0;
	return (0);
}

/*
 * Read the draining rotated file, and close it once it has been quiet for
 * the grace period over at least DRAIN_MIN_CHECKS checks (so that a loop
 * kept busy for as long does not count as quiet).  Returns 1 when the
 * turn ended before its end, -1 when the sink refused.
 */
static int
drain(struct tail *t)
{
	int grew = 0, r;

	if (t->old.fd < 0)
		return (0);
	if ((r = read_file(t, &t->old, &grew)) != 0)
		return (r);
	uint64_t now = now_ms();
	if (grew) {
		t->old_grew_ms = now;
		t->old_quiet = 0;
		return (0);
	}
	if (++t->old_quiet < DRAIN_MIN_CHECKS ||
	    now - t->old_grew_ms < (uint64_t)t->opt.rotate_grace_ms)
		return (0);
	return (close_old(t));
}

/*
 * The current file was rotated away: it becomes the draining one (a file
 * still draining from an earlier rotation is closed first).  Returns -1
 * when the sink refused.
 */
static int
retire(struct tail *t)
{
	struct tfile *c = &t->cur, *o = &t->old;

	if (close_old(t) != 0)
		return (-1);
	if (c->have > 0 && !c->skipping) {
		/*
		 * The old file ended inside a line: keep its beginning for
		 * the first line of the new one, and drain the old file
		 * from after it.
		 */
		char *cp = realloc(t->carry, c->have);
		if (cp == NULL) {
			oom(t, c);	/* the rotation waits for the next try */
			return (-1);
		}
		memcpy(cp, c->buf, c->have);
		t->carry = cp;
		t->carry_len = c->have;
	}
	/* Swap, so each keeps a buffer of its own. */
	char *b = o->buf;
	size_t cap = o->cap;
	*o = *c;
	o->committed += o->have;
	o->have = 0;
	c->buf = b;
	c->cap = cap;
	c->fd = -1;
	t->old_grew_ms = now_ms();
	t->old_quiet = 0;
	return (0);
}

/* Switch to the file now at the path, reading from its start. */
/*
 * What is at the path cannot be read (open_identity() gave fd): said
 * once until a file is read again, as this is tried at every check.  A
 * missing file is the normal state between a rename and the new file.
 */
static void
open_failed(struct tail *t, int fd)
{
	if (t->open_warned || (fd == -1 && errno == ENOENT))
		return;
	t->open_warned = 1;
	if (fd == -2)
		log_warnx("tail: file=%s error=\"not a regular file\" (waiting for one)",
		    t->path);
	else
		log_warnx("tail: file=%s error=\"%s\" (trying again)", t->path,
		    strerror(errno));
}

static void
reopen(struct tail *t)
{
	uint64_t dev, ino, fp;
	int fd = open_identity(t->path, &dev, &ino, &fp);

	if (fd < 0) {
		open_failed(t, fd);
		return;
	}
	t->open_warned = 0;
	if (t->cur.fd >= 0)
		close(t->cur.fd);
	t->cur.fd = fd;
	t->cur.dev = dev;
	t->cur.ino = ino;
	t->cur.fp = fp;
	t->cur.committed = 0;
	t->cur.have = 0;
	t->cur.skipping = 0;
	/*
	 * Commit the switch itself, so a restart does not look for the old
	 * file.  (If refused, the old position stands and its file is found
	 * among the rotated ones.)
	 */
	t->nrecs = 0;
	commit(t, &t->cur, 0);
}

/*
 * The turn ended with more to read: the next one starts as soon as the
 * loop has served what else is waiting.
 */
static void
again(struct tail *t)
{
	struct timeval now = { 0, 0 };

	event_add(t->read_ev, &now);
	t->read_scheduled = 1;
}

static void
check(struct tail *t)
{
	struct stat sb, fsb;
	int r;

	t->turn = READ_TURN;
	/*
	 * A held batch goes first, exactly as it was, before truncation or
	 * rotation moves on.
	 */
	if (t->stalled && commit(t, t->held_file, t->held) != 0)
		return;
	/* The rotated file's lines are older than the new file's. */
	if ((r = drain(t)) != 0) {
		if (r > 0)
			again(t);
		return;
	}
	if (t->cur.fd < 0) {
		reopen(t);
		if (read_file(t, &t->cur, NULL) > 0)
			again(t);
		return;
	}
	int at_path = stat(t->path, &sb) == 0;
	int cut = 0;
	if (fstat(t->cur.fd, &fsb) == 0) {
		uint64_t read_to = t->cur.committed + t->cur.have;
		/*
		 * copytruncate: the file was cut under us.  It may have
		 * grown back to where we were, or past it, by the time we
		 * look; then its first bytes are another file's, and reading
		 * on from the old offset would skip the new lines or start
		 * in the middle of one.  Grown back to exactly the old size,
		 * it shows no change but its first bytes.
		 */
		cut = (uint64_t)fsb.st_size < read_to ||
		    (read_to > 0 && t->cur.fp != 0 &&
		    tail_fingerprint(t->cur.fd) != t->cur.fp);
	}
	if (cut) {
		log_info("tail: file=%s truncated=yes offset=%llu", t->path,
		    (unsigned long long)t->cur.committed);
		t->truncations++;
		t->cur.committed = 0;
		t->cur.have = 0;
		t->cur.skipping = 0;
		t->cur.fp = 0;
	}
	if ((r = read_file(t, &t->cur, NULL)) != 0) {
		if (r > 0) {
			if (fstat(t->cur.fd, &fsb) == 0)
				t->size_seen = (uint64_t)fsb.st_size;
			again(t);
		}
		return;
	}
	if (at_path && ((uint64_t)sb.st_ino != t->cur.ino ||
	    (uint64_t)sb.st_dev != t->cur.dev)) {
		/* Rotated: the old file was read to its end just above. */
		log_info("tail: file=%s rotated=yes old_offset=%llu", t->path,
		    (unsigned long long)(t->cur.committed + t->cur.have));
		if (retire(t) != 0)
			return;
		t->rotations++;
		reopen(t);
		if (read_file(t, &t->cur, NULL) > 0)
			again(t);
	}
	if (t->cur.fd >= 0 && fstat(t->cur.fd, &fsb) == 0)
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
	t->cur.fd = -1;
	t->old.fd = -1;
	t->ifd = -1;

	uint64_t dev = 0, ino = 0, fp = 0;
	int fd = open_identity(path, &dev, &ino, &fp);
	if (fd < 0)
		open_failed(t, fd);
	/*
	 * A saved position is resumed even at offset 0: it may be the start
	 * of a file that was just created or rotated in, and starting at
	 * its end instead would skip what was written there meanwhile.
	 */
	if (resume != NULL) {
		int same = fd >= 0 && dev == resume->dev && ino == resume->ino &&
		    (resume->fingerprint == 0 || fp == 0 || fp == resume->fingerprint);
		if (same) {
			t->cur.fd = fd;
			fd = -1;
		} else {
			/* Rotated while we were down: finish the old file first. */
			t->cur.fd = find_rotated(path, resume->dev, resume->ino);
			if (t->cur.fd >= 0)
				log_info("tail: file=%s resuming=rotated-file offset=%llu",
				    path, (unsigned long long)resume->offset);
			else if (fd >= 0 && dev == resume->dev && ino == resume->ino)
				/* The same file, its first bytes another's. */
				log_info("tail: file=%s truncated-while-down=yes; reading from its start",
				    path);
			else
				log_warnx("tail: file=%s saved position names a file that is gone; reading the file now at the path from its start",
				    path);
		}
		if (t->cur.fd >= 0) {
			struct stat sb;
			t->cur.dev = resume->dev;
			t->cur.ino = resume->ino;
			t->cur.fp = resume->fingerprint;
			t->cur.committed = resume->offset;
			if (fstat(t->cur.fd, &sb) == 0 && (uint64_t)sb.st_size < resume->offset) {
				log_info("tail: file=%s truncated-while-down=yes", path);
				t->cur.committed = 0;
			}
			prime(t, t->cur.fd, t->cur.committed);
		}
	} else if (fd >= 0) {
		/* No saved position: start at the end; the past is for replay. */
		struct stat sb;
		t->cur.fd = fd;
		fd = -1;
		t->cur.dev = dev;
		t->cur.ino = ino;
		t->cur.fp = fp;
		if (fstat(t->cur.fd, &sb) == 0) {
			/* back to the last line boundary */
			t->cur.committed = (uint64_t)sb.st_size;
			prime(t, t->cur.fd, t->cur.committed);
		}
		/*
		 * Save where following began, before the first batch: a
		 * crash before then must resume here, not at a later end.
		 */
		t->nrecs = 0;
		commit(t, &t->cur, 0);
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

void
tail_set_options(struct tail *t, const struct tail_options *o)
{
	t->opt = *o;
	/* Re-adding a pending timer sets its new interval. */
	struct timeval pv = { t->opt.poll_ms / 1000, (t->opt.poll_ms % 1000) * 1000 };
	event_add(t->poll_ev, &pv);
	/* A read already scheduled keeps its old delay, at most one period. */
}

const char *
tail_path(const struct tail *t)
{
	return (t->path);
}

json_t *
tail_status(const struct tail *t)
{
	uint64_t pos = t->cur.committed;
	struct logproc_stats st;

	logproc_get_stats(t->lp, &st);
	return (json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:b}",
	    "file", t->path, "offset", (json_int_t)pos,
	    "bad_addresses", (json_int_t)st.bad_address,
	    "size", (json_int_t)t->size_seen,
	    "future_dated", (json_int_t)st.future,
	    "deferrals_dropped", (json_int_t)st.pending_dropped,
	    "lag_bytes", (json_int_t)(t->size_seen > pos ? t->size_seen - pos : 0),
	    "inode", (json_int_t)t->cur.ino, "lines", (json_int_t)t->lines,
	    "outcomes", (json_int_t)t->outcomes,
	    "skipped", (json_int_t)st.skipped, "oversized", (json_int_t)st.oversized,
	    "evicted", (json_int_t)st.evicted,
	    "probes", (json_int_t)st.probes,
	    "handoffs", (json_int_t)st.handoffs,
	    "queue_ids", (json_int_t)st.queued,
	    "deferred_recipients", (json_int_t)st.pending,
	    "rotations", (json_int_t)t->rotations,
	    "refused_commits", (json_int_t)t->refused,
	    "lost", (json_int_t)t->lost, "stalled", t->stalled));
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
	if (t->cur.fd >= 0)
		close(t->cur.fd);
	if (t->old.fd >= 0)
		close(t->old.fd);
	free(t->cur.buf);
	free(t->old.buf);
	free(t->carry);
	free(t->recs);
	free(t->path);
	free(t);
}
