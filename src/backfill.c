/*
 * backfill.c - see backfill.h.
 *
 * Lines are cut out of the file as replay.c cuts them (one reader for
 * compressed and plain files, zlib's gz*; a line longer than the buffer
 * counted once and skipped to its newline; a last line without a newline
 * read), dated as replay dates them (a line without a year takes the
 * latest year that does not put it after the file's modification time),
 * but a turn at a time: the daemon has other work, and a year of logs is
 * minutes of reading.  The outcomes of a turn are committed before the
 * turn ends, so nothing is held between turns but the logproc's queue
 * correlation; a job stopped at any point has committed whole batches.
 *
 * Everything here runs on the event loop's thread.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "backfill.h"
#include "log.h"

#define BUF_SIZE	(1 << 20)	/* a line longer than this is skipped */

struct backfill {
	struct event_base *base;
	struct event *ev_turn;		/* zero timeout: the next turn */
	struct logproc *lp;
	struct backfill_options opt;
	char **paths;
	size_t npaths, cur;		/* paths[cur] is being read */
	gzFile gz;			/* paths[cur], or NULL between files */
	time_t ref;			/* "now" for lines without a year */
	long long size;			/* of paths[cur] on disk */
	char *buf;
	size_t have, start;		/* buf[start..have) not yet cut */
	int eof, skipping;
	struct rb_outcome_rec *recs;	/* not yet committed */
	size_t nrecs, recs_cap;
	int nomem;			/* an outcome found no room */
	unsigned long long files, lines, outcomes, fresh, file_lines;
	unsigned long long older;	/* before opt.not_before: left out */
	json_t *errors;			/* [{"file":..,"error":..}] */
	backfill_commit_fn commit;
	void *commit_arg;
	backfill_done_fn done;
	void *done_arg;
};

void
backfill_options_default(struct backfill_options *o)
{
	logproc_options_default(&o->lo);
	o->turn_bytes = 4u << 20;
	o->batch = 5000;
}

static void
file_error(struct backfill *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
file_error(struct backfill *b, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("backfill: file=%s error=\"%s\"", b->paths[b->cur], msg);
	json_array_append_new(b->errors, json_pack("{s:s,s:s}", "file",
	    b->paths[b->cur], "error", msg));
}

static void
emit(void *arg, const struct rb_outcome_rec *o)
{
	struct backfill *b = arg;

	if (o->time < b->opt.not_before) {
		b->older++;
		return;
	}
	if (b->nrecs == b->recs_cap) {
		size_t n = b->recs_cap ? b->recs_cap * 2 : 256;
		struct rb_outcome_rec *r = realloc(b->recs, n * sizeof(*r));
		/* The job stops at the end of this line and says so. */
		if (r == NULL) {
			b->nomem = 1;
			return;
		}
		b->recs = r;
		b->recs_cap = n;
	}
	b->recs[b->nrecs++] = *o;
	b->outcomes++;
}

static void
line(struct backfill *b, const char *p, size_t len)
{
	b->lines++;
	b->file_lines++;
	logproc_line(b->lp, p, len, b->ref, emit, b);
}

/*
 * Open paths[cur] as the daemon's user: a file it may not read is that
 * file's error, not the job's.  Only regular files: a FIFO or a device
 * would block the event loop on its first read.
 */
static int
open_file(struct backfill *b)
{
	const char *path = b->paths[b->cur];
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		file_error(b, "%s", strerror(errno));
		return (-1);
	}
	if (fstat(fd, &sb) != 0) {
		file_error(b, "%s", strerror(errno));
		close(fd);
		return (-1);
	}
	if (!S_ISREG(sb.st_mode)) {
		file_error(b, "%s", S_ISDIR(sb.st_mode) ? "is a directory" :
		    "not a regular file");
		close(fd);
		return (-1);
	}
	time_t now = time(NULL);
	b->ref = sb.st_mtime > 0 && sb.st_mtime < now ? sb.st_mtime : now;
	b->size = (long long)sb.st_size;
	if ((b->gz = gzdopen(fd, "rb")) == NULL) {
		file_error(b, "out of memory");
		close(fd);
		return (-1);
	}
	gzbuffer(b->gz, 256 * 1024);
	b->have = b->start = 0;
	b->eof = b->skipping = 0;
	b->file_lines = 0;
	log_info("backfill: file=%s size=%lld", path, b->size);
	return (0);
}

static void
close_file(struct backfill *b)
{
	if (b->gz != NULL)
		gzclose(b->gz);
	b->gz = NULL;
	b->cur++;
}

/* Cut the complete lines out of buf (at the end, the last one too). */
static void
cut_lines(struct backfill *b)
{
	for (;;) {
		char *p = b->buf + b->start;
		char *nl = memchr(p, '\n', b->have - b->start);
		if (nl == NULL) {
			if (b->eof && b->start < b->have) {
				if (!b->skipping)
					line(b, p, b->have - b->start);
				b->start = b->have;
			} else if (b->start == 0 && b->have == BUF_SIZE) {
				/* longer than the buffer: once, then to its newline */
				if (!b->skipping)
					line(b, b->buf, BUF_SIZE);
				b->skipping = 1;
				b->have = 0;
			}
			return;
		}
		size_t len = (size_t)(nl - p);
		if (b->skipping)
			b->skipping = 0;
		else
			line(b, p, len);
		b->start += len + 1;
	}
}

/*
 * One read from the open file and its lines.  Returns the bytes read,
 * 0 at the end of the file, -1 on an error (recorded; what was read of
 * the file stays read).
 */
static long
read_some(struct backfill *b)
{
	int e = Z_OK;

	if (b->start > 0) {
		memmove(b->buf, b->buf + b->start, b->have - b->start);
		b->have -= b->start;
		b->start = 0;
	}
	int r = gzread(b->gz, b->buf + b->have, (unsigned)(BUF_SIZE - b->have));
	if (r < 0) {
		const char *msg = gzerror(b->gz, &e);
		file_error(b, "%s", e == Z_ERRNO ? strerror(errno) : msg);
		return (-1);
	}
	b->have += (size_t)r;
	if (r == 0) {
		b->eof = 1;
		cut_lines(b);
		/* The end of the data inside a compressed stream: cut short. */
		if ((gzerror(b->gz, &e), e == Z_BUF_ERROR)) {
			file_error(b, "the compressed file is cut short (read "
			    "up to the cut)");
			return (-1);
		}
		return (0);
	}
	cut_lines(b);
	return (r);
}

/* -1: the store refused; the job ends. */
static int
commit_pending(struct backfill *b)
{
	size_t fresh = 0;

	if (b->nrecs == 0)
		return (0);
	if (b->commit(b->commit_arg, b->recs, b->nrecs, &fresh) != 0)
		return (-1);
	b->fresh += fresh;
	b->nrecs = 0;
	return (0);
}

static json_t *
counts(const struct backfill *b, json_t *j)
{
	json_object_set_new(j, "files", json_integer((json_int_t)b->files));
	json_object_set_new(j, "lines", json_integer((json_int_t)b->lines));
	json_object_set_new(j, "outcomes", json_integer((json_int_t)b->outcomes));
	json_object_set_new(j, "new", json_integer((json_int_t)b->fresh));
	json_object_set_new(j, "older", json_integer((json_int_t)b->older));
	json_object_set(j, "errors", b->errors);
	return (j);
}

/* The last act: done may free b. */
static void
finish(struct backfill *b, const char *error)
{
	json_t *a = counts(b, json_object());

	json_object_set_new(a, "ok", error ? json_false() : json_true());
	if (error != NULL)
		json_object_set_new(a, "error", json_string(error));
	log_info("backfill: done=%s files=%llu lines=%llu outcomes=%llu new=%llu "
	    "older=%llu errors=%zu", error ? "no" : "yes", b->files, b->lines,
	    b->outcomes, b->fresh, b->older, json_array_size(b->errors));
	if (error != NULL)
		log_warnx("backfill: error=\"%s\"", error);
	b->done(b->done_arg, a);
}

static void
on_turn(evutil_socket_t fd, short what, void *arg)
{
	struct backfill *b = arg;
	size_t budget = b->opt.turn_bytes;

	(void)fd;
	(void)what;
	while (budget > 0 && b->cur < b->npaths && !b->nomem) {
		if (b->gz == NULL && open_file(b) != 0) {
			b->cur++;
			continue;
		}
		long r = read_some(b);
		if (r <= 0) {
			if (r == 0)
				b->files++;
			close_file(b);
		} else
			budget -= (size_t)r < budget ? (size_t)r : budget;
		if (b->nrecs >= b->opt.batch && commit_pending(b) != 0)
			break;
	}
	/*
	 * A refused batch ends the job: the store will not take more now,
	 * and holding the outcomes here until it does would hold the client
	 * as long.  What was committed stays; running the job again adds
	 * only what is missing, the store knowing every outcome by its key.
	 */
	if (commit_pending(b) != 0)
		return (finish(b, "the store refused a batch (full disk or "
		    "read-only database?): what was committed before stays; "
		    "run the backfill again once the store takes writes"));
	if (b->nomem)
		return (finish(b, "out of memory: what was committed stays; "
		    "run the backfill again"));
	if (b->cur >= b->npaths)
		return (finish(b, NULL));
	static const struct timeval zero = { 0, 0 };
	evtimer_add(b->ev_turn, &zero);
}

struct backfill *
backfill_start(struct event_base *base, const struct classifier *cl,
    const struct backfill_options *opt, char *const *paths, size_t n,
    backfill_commit_fn commit, void *commit_arg, backfill_done_fn done,
    void *done_arg)
{
	struct backfill *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return (NULL);
	b->base = base;
	b->opt = *opt;
	if (b->opt.batch == 0)
		b->opt.batch = 5000;
	if (b->opt.turn_bytes == 0)
		b->opt.turn_bytes = 4u << 20;
	b->commit = commit;
	b->commit_arg = commit_arg;
	b->done = done;
	b->done_arg = done_arg;
	b->lp = logproc_new(cl, &opt->lo);
	b->buf = malloc(BUF_SIZE);
	b->paths = calloc(n ? n : 1, sizeof(*b->paths));
	b->errors = json_array();
	b->ev_turn = evtimer_new(base, on_turn, b);
	if (b->lp == NULL || b->buf == NULL || b->paths == NULL ||
	    b->errors == NULL || b->ev_turn == NULL) {
		backfill_free(b);
		return (NULL);
	}
	for (b->npaths = 0; b->npaths < n; b->npaths++)
		if ((b->paths[b->npaths] = strdup(paths[b->npaths])) == NULL) {
			backfill_free(b);
			return (NULL);
		}
	static const struct timeval zero = { 0, 0 };
	evtimer_add(b->ev_turn, &zero);
	log_info("backfill: started=yes files=%zu", n);
	return (b);
}

void
backfill_free(struct backfill *b)
{
	if (b == NULL)
		return;
	if (b->ev_turn != NULL)
		event_free(b->ev_turn);
	if (b->gz != NULL)
		gzclose(b->gz);
	for (size_t i = 0; b->paths != NULL && i < b->npaths; i++)
		free(b->paths[i]);
	free(b->paths);
	logproc_free(b->lp);
	free(b->buf);
	free(b->recs);
	json_decref(b->errors);
	free(b);
}

int
backfill_set_classifier(struct backfill *b, const struct classifier *cl)
{
	return (logproc_set_classifier(b->lp, cl));
}

json_t *
backfill_status(const struct backfill *b)
{
	json_t *j = counts(b, json_object());

	json_object_set_new(j, "file", json_string(b->cur < b->npaths ?
	    b->paths[b->cur] : ""));
	json_object_set_new(j, "file_index", json_integer((json_int_t)b->cur + 1));
	json_object_set_new(j, "file_count", json_integer((json_int_t)b->npaths));
	json_object_set_new(j, "offset", json_integer(b->gz != NULL ?
	    (json_int_t)gzoffset(b->gz) : 0));
	json_object_set_new(j, "size", json_integer(b->gz != NULL ?
	    (json_int_t)b->size : 0));
	json_object_set_new(j, "file_lines", json_integer((json_int_t)b->file_lines));
	return (j);
}
