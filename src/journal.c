/*
 * journal.c - see journal.h.
 *
 * sd-journal keeps its own read position; this file keeps the cursor of
 * the last entry whose outcomes the store has accepted ("committed") and
 * never lets the journal's position run ahead of a batch the store
 * refused: while stalled nothing more is read, and the held batch is
 * offered again as it was (reading its entries twice would not do: the
 * queue correlation has moved on).  After a restart the entries before the
 * saved cursor are read once more with their outcomes discarded, so queue
 * IDs seen before the restart still have their sender and message-id.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "journal.h"
#include "log.h"
#include "settings.h"
#include "util.h"

/* Longest line rebuilt from one entry; longer messages are cut. */
#define LINE_MAX_BYTES	(64 * 1024)
/*
 * Entries read in one turn of the event loop (about a tenth of a second):
 * a backlog is read in committed turns, with the control socket, the
 * milter's bounces, the timers, the watchdog and SIGTERM served between
 * them, not after the whole of it.
 */
#define READ_TURN	50000
/* Outcomes an entry may add with no allocation (a message's recipients). */
#define RECS_HEADROOM	64

struct journal {
	struct event_base *base;
	sd_journal *j;
	char *directory;
	char *match;
	/*
	 * The directory as opened, held open: sd-journal's inotify watch
	 * dies with it, so a directory removed or replaced (rm -rf and
	 * mkdir, a restored copy) is noticed at the poll and opened again.
	 * Held open, its inode number cannot go to the new one.
	 */
	int dir_fd;
	int dir_warned;		/* its trouble was logged */
	int replace_warned;	/* its replacement was logged */
	int unreadable;		/* its files this process may not read */
	uint64_t usage;		/* the open files' size, when looked at */
	char damage_at[RB_CURSOR_MAX];	/* files dropped after this entry
					   were named */
	struct timespec files_mtime; /* the directory's, when looked at */
	struct logproc *lp;
	rb_sink_fn sink;
	void *sink_arg;
	struct journal_options opt;

	char committed[RB_CURSOR_MAX];	/* last entry the store has */
	char last[RB_CURSOR_MAX];	/* last entry read */
	int dirty;			/* read past committed, not yet saved */
	int stalled;			/* the sink refused; recs are held */
	int current_unread;		/* the current entry is yet to be read */

	struct rb_outcome_rec *recs;
	size_t nrecs, recs_cap;
	char *line;

	struct event *fd_ev, *poll_ev, *read_ev;
	int read_scheduled;
	uint64_t entries, outcomes, refused, truncated;
	uint64_t lost;			/* outcomes dropped for want of memory */
	int oom_warned;
};

static void check_directory(struct journal *);
static int not_found(struct journal *, const char *, int);
static void unreadable_files(struct journal *);
static int process(struct journal *);
static int add_matches(sd_journal *, const char *, char *, size_t);
static void check_dropped(struct journal *);
static void cursor_field(const char *, const char *, char *, size_t);

void
journal_options_default(struct journal_options *o)
{
	memset(o, 0, sizeof(*o));
	o->poll_ms = 1000;
	o->coalesce_ms = 200;
	o->resume_entries = 20000;
	o->batch = 5000;
}

/*
 * Room for RECS_HEADROOM more outcomes than collected, made before each
 * entry is read: when memory runs out it is found here, with the entry
 * still unread, and not in collect() with the entry half processed.
 */
static int
grow(struct journal *jr)
{
	size_t n = jr->recs_cap ? jr->recs_cap * 2 : 256;
	struct rb_outcome_rec *r = realloc(jr->recs, n * sizeof(*r));
	if (r == NULL)
		return (-1);
	jr->recs = r;
	jr->recs_cap = n;
	return (0);
}

static int
reserve(struct journal *jr)
{
	if (jr->recs_cap - jr->nrecs >= RECS_HEADROOM)
		return (0);
	return (grow(jr));
}

static void
collect(void *arg, const struct rb_outcome_rec *o)
{
	struct journal *jr = arg;

	/*
	 * One entry gave more outcomes than the headroom and memory ran
	 * out: the entry is processed already, so the rest are lost.
	 * Counted and logged, never silent.
	 */
	if (jr->nrecs == jr->recs_cap && grow(jr) != 0) {
		if (jr->lost++ == 0 || jr->lost % 1000 == 0)
			log_warnx("journal: recipient=%s error=\"out of memory, outcome lost\" lost=%llu",
			    o->recipient, (unsigned long long)jr->lost);
		return;
	}
	jr->recs[jr->nrecs] = *o;
	jr->recs[jr->nrecs].source = RB_SOURCE_JOURNAL;
	jr->nrecs++;
}

static void
discard(void *arg, const struct rb_outcome_rec *o)
{
	(void)arg;
	(void)o;
}

/* The value of FIELD in the current entry, or NULL; *n its length. */
static const char *
field(sd_journal *j, const char *name, size_t *n)
{
	const void *d;
	size_t len, nl = strlen(name);

	if (sd_journal_get_data(j, name, &d, &len) < 0 || len <= nl)
		return (NULL);
	*n = len - nl - 1;
	return ((const char *)d + nl + 1);
}

/*
 * The current entry as the syslog line the line parser knows (ISO-8601
 * form): "2026-11-25T10:00:00.123456+00:00 host ident[pid]: message".
 */
static size_t
entry_line(struct journal *jr, char *out, size_t cap)
{
	sd_journal *j = jr->j;
	const char *host, *ident, *pid, *msg;
	size_t hn = 0, in = 0, pn = 0, mn = 0, o;
	uint64_t usec = 0;
	struct tm tm;
	time_t t;

	if ((msg = field(j, "MESSAGE", &mn)) == NULL)
		return (0);
	if ((ident = field(j, "SYSLOG_IDENTIFIER", &in)) == NULL)
		ident = field(j, "_COMM", &in);
	if ((pid = field(j, "SYSLOG_PID", &pn)) == NULL)
		pid = field(j, "_PID", &pn);
	if ((host = field(j, "_HOSTNAME", &hn)) == NULL)
		host = "localhost", hn = 9;
	if (ident == NULL)
		ident = "unknown", in = 7;
	sd_journal_get_realtime_usec(j, &usec);
	t = (time_t)(usec / 1000000);
	gmtime_r(&t, &tm);
	o = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	o += (size_t)snprintf(out + o, cap - o, ".%06u+00:00 %.*s %.*s",
	    (unsigned)(usec % 1000000), (int)(hn > 255 ? 255 : hn), host,
	    (int)(in > 255 ? 255 : in), ident);
	if (pid != NULL && pn > 0 && pn < 16)
		o += (size_t)snprintf(out + o, cap - o, "[%.*s]", (int)pn, pid);
	o += (size_t)snprintf(out + o, cap - o, ": ");
	/*
	 * Longer than a line may be: skipped and counted, as a log file's
	 * over-long line is.  Cut, its recipient or reply could be another.
	 */
	if (mn > cap - o - 1) {
		jr->truncated++;
		return (0);
	}
	memcpy(out + o, msg, mn);
	o += mn;
	/* A line is one line: an embedded newline would split it. */
	for (size_t i = 0; i < o; i++)
		if (out[i] == '\n' || out[i] == '\r')
			out[i] = ' ';
	out[o] = '\0';
	return (o);
}

static void
remember_cursor(struct journal *jr)
{
	char *c = NULL;

	if (sd_journal_get_cursor(jr->j, &c) >= 0 && c != NULL) {
		util_strlcpy(jr->last, c, sizeof(jr->last));
		jr->dirty = 1;
	}
	free(c);
}

/* Offer the collected outcomes and the cursor after them to the sink. */
static int
commit(struct journal *jr)
{
	struct rb_position pos;

	memset(&pos, 0, sizeof(pos));
	util_strlcpy(pos.source_id, JOURNAL_SOURCE_ID, sizeof(pos.source_id));
	util_strlcpy(pos.cursor, jr->last, sizeof(pos.cursor));
	if (jr->sink(jr->sink_arg, jr->recs, jr->nrecs, &pos) != 0) {
		if (!jr->stalled)
			log_warnx("journal: error=\"store refused the batch, will retry\"");
		jr->stalled = 1;
		jr->refused++;
		return (-1);
	}
	if (jr->stalled)
		log_info("journal: resumed=yes");
	jr->stalled = 0;
	jr->outcomes += jr->nrecs;
	jr->nrecs = 0;
	util_strlcpy(jr->committed, jr->last, sizeof(jr->committed));
	jr->dirty = 0;
	return (0);
}

static void again(struct journal *);

static void
read_available(struct journal *jr)
{
	time_t now = time(NULL);

	if (jr->stalled && commit(jr) != 0)
		return;
	process(jr);
	for (int turn = 0;; turn++) {
		if (turn == READ_TURN) {
			if (commit(jr) == 0)
				again(jr);
			return;
		}
		/*
		 * Out of memory: hand over what was read (which frees the
		 * batch's room for reuse); still none, and the next entry
		 * waits for the next try.
		 */
		if (reserve(jr) != 0) {
			if (commit(jr) != 0)
				return;
			if (reserve(jr) != 0) {
				if (!jr->oom_warned)
					log_warnx("journal: error=\"out of memory, will retry\"");
				jr->oom_warned = 1;
				return;
			}
		}
		if (jr->oom_warned)
			log_info("journal: resumed=yes");
		jr->oom_warned = 0;
		int r = 1;
		if (jr->current_unread)
			jr->current_unread = 0;
		else
			r = sd_journal_next(jr->j);
		if (r < 0) {
			log_warnx("journal: error=\"%s\"", strerror(-r));
			break;
		}
		if (r == 0) {
			check_dropped(jr);
			break;
		}
		jr->entries++;
		size_t n = entry_line(jr, jr->line, LINE_MAX_BYTES);
		if (n > 0)
			logproc_line(jr->lp, jr->line, n, now, collect, jr);
		remember_cursor(jr);
		if (jr->nrecs >= jr->opt.batch && commit(jr) != 0)
			return;
	}
	if (jr->dirty || jr->nrecs > 0)
		commit(jr);
}

static void
on_read(evutil_socket_t fd, short what, void *arg)
{
	struct journal *jr = arg;

	(void)fd;
	(void)what;
	jr->read_scheduled = 0;
	read_available(jr);
}

/* The turn ended with more to read: on with it once the loop is free. */
static void
again(struct journal *jr)
{
	struct timeval now = { 0, 0 };

	event_add(jr->read_ev, &now);
	jr->read_scheduled = 1;
}

static void
schedule(struct journal *jr)
{
	if (jr->read_scheduled)
		return;
	struct timeval tv = { jr->opt.coalesce_ms / 1000,
	    (jr->opt.coalesce_ms % 1000) * 1000 };
	event_add(jr->read_ev, &tv);
	jr->read_scheduled = 1;
}

/*
 * The wake-up descriptor (sd-journal's inotify) is level-triggered: until
 * sd_journal_process() drains it, it stays readable and the loop would
 * spin on it for the whole coalescing delay, and for as long as a stalled
 * store keeps reads from running.  So it is drained here, at once.  The
 * poll timer (fd -1) only schedules a read.
 */
static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct journal *jr = arg;

	(void)what;
	if (fd >= 0 && process(jr) == SD_JOURNAL_NOP)
		return;
	if (fd < 0)
		check_directory(jr);
	schedule(jr);
}

/*
 * Open the journal (the directory's, or the system's) with the matches;
 * NULL with err set.  For a directory, note its identity, and say which
 * of its files cannot be read: sd-journal passes over them without a word.
 */
static sd_journal *
open_journal(struct journal *jr, char *err, size_t errlen)
{
	sd_journal *j = NULL;
	int r, fd = -1;

	if (jr->directory != NULL) {
		fd = open(jr->directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		r = sd_journal_open_directory(&j, jr->directory, 0);
	} else {
		r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
	}
	if (r < 0) {
		snprintf(err, errlen, "journal: cannot open %s: %s",
		    jr->directory ? jr->directory : "the system journal", strerror(-r));
		if (fd >= 0)
			close(fd);
		return (NULL);
	}
	sd_journal_set_data_threshold(j, LINE_MAX_BYTES);
	if (add_matches(j, jr->match, err, errlen) != 0) {
		sd_journal_close(j);
		if (fd >= 0)
			close(fd);
		return (NULL);
	}
	/*
	 * The directory is held only once it is open as a journal: held
	 * before, a failed open would look like the directory in place and
	 * never be tried again.
	 */
	if (jr->dir_fd >= 0)
		close(jr->dir_fd);
	jr->dir_fd = fd;
	jr->unreadable = 0;
	unreadable_files(jr);
	sd_journal_get_usage(j, &jr->usage);
	return (j);
}

/*
 * The journal file at path opened alone: 0 if it opens, and with iterate
 * if its entries that pass match, from realtime usec `from` on, can be
 * read to its end; else a negative errno.  sd-journal drops a file it
 * cannot open or read on from the set it reads, without a word to its
 * caller: opened alone, a file dropped leaves the set empty.
 */
static int
file_check(const char *path, const char *match, int iterate, uint64_t from)
{
	const char *paths[2] = { path, NULL };
	sd_journal *k = NULL;
	char err[256];
	uint64_t u = 0;
	int r = sd_journal_open_files(&k, paths, 0);

	if (r < 0)
		return (r);
	if (iterate && add_matches(k, match, err, sizeof(err)) == 0) {
		if (from > 0)
			sd_journal_seek_realtime_usec(k, from);
		while ((r = sd_journal_next(k)) > 0)
			;
		if (r == 0 && (sd_journal_get_usage(k, &u) < 0 || u == 0))
			r = -EBADMSG;
	}
	sd_journal_close(k);
	return (r < 0 ? r : 0);
}

/* How scan_files() looks at each journal file. */
struct scan {
	int say;		/* name each file found */
	int iterate;		/* read the files, from realtime `from` on */
	const char *match;
	uint64_t from;
	int pending;		/* files too new to judge yet */
};

/*
 * The journal files of directory fd dfd (named path), and those one
 * directory down (journald keeps them under the machine ID), that this
 * process may not read or cannot open as journals; with sc->iterate
 * instead those it can open but not read on to their end.  Each named
 * when sc->say.  Their number.
 */
static int
scan_files(int dfd, const char *path, int depth, struct scan *sc)
{
	/* Opened anew: a dup() would share its read position between scans. */
	int n = 0, fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return (0);
	}
	while ((de = readdir(d)) != NULL) {
		const char *nm = de->d_name;
		size_t l = strlen(nm);
		if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0)
			continue;
		struct stat st;
		int isdir = de->d_type == DT_DIR || (de->d_type == DT_UNKNOWN &&
		    fstatat(dirfd(d), nm, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode));
		if (depth == 0 && isdir) {
			int sub = openat(dirfd(d), nm, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (sub >= 0) {
				char p[PATH_MAX];
				snprintf(p, sizeof(p), "%s/%s", path, nm);
				n += scan_files(sub, p, 1, sc);
				close(sub);
			}
			continue;
		}
		if (l < 8 || (strcmp(nm + l - 8, ".journal") != 0 &&
		    (l < 9 || strcmp(nm + l - 9, ".journal~") != 0)))
			continue;
		int readable = faccessat(dirfd(d), nm, R_OK, AT_EACCESS) == 0;
		if (!readable && !sc->iterate) {
			if (sc->say)
				log_warnx("journal: file=%s/%s error=\"%s\" (its "
				    "entries are not read)", path, nm, strerror(errno));
			n++;
			continue;
		}
		if (!readable)
			continue;
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s/%s", path, nm);
		/* One that cannot be opened was never read: not dropped. */
		if (sc->iterate && file_check(p, NULL, 0, 0) < 0)
			continue;
		int r = file_check(p, sc->match, sc->iterate, sc->from);
		if (r >= 0)
			continue;
		if (sc->iterate) {
			if (sc->say)
				log_warnx("journal: file=%s error=\"damaged: %s\" "
				    "(reading it stopped at the damage; its later "
				    "entries are not read)", p, strerror(-r));
			n++;
			continue;
		}
		/*
		 * Readable, but not as a journal (cut short by a full disk
		 * or a copy, its header damaged): passed over just as
		 * silently.  A file being made has no header for a moment:
		 * judged once it has been left alone a while.
		 */
		struct stat fs;
		time_t now = time(NULL);
		if (fstatat(dirfd(d), nm, &fs, 0) == 0 &&
		    fs.st_mtim.tv_sec <= now && now - fs.st_mtim.tv_sec < 2) {
			sc->pending++;
			continue;
		}
		if (sc->say)
			log_warnx("journal: file=%s error=\"cannot be opened as a "
			    "journal: %s\" (damaged or truncated; its entries are "
			    "not read)", p, strerror(-r));
		n++;
	}
	closedir(d);
	return (n);
}

/*
 * Name the journal files of the directory this process may not read
 * (journal-remote writes them 0640), or not open as journals (damaged or
 * truncated): sd-journal passes over them without a word, even when they
 * appear.  Looked at when the journal is opened and at the poll when the
 * directory has changed; said again only when their number changes.
 */
static void
unreadable_files(struct journal *jr)
{
	struct stat sb;

	if (jr->directory == NULL)
		return;
	if (stat(jr->directory, &sb) == 0)
		jr->files_mtime = sb.st_mtim;
	int dfd = open(jr->directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	struct scan sc = { 0 };
	int n = scan_files(dfd, jr->directory, 0, &sc);
	/* Looked at again at the next poll. */
	if (sc.pending > 0)
		memset(&jr->files_mtime, 0, sizeof(jr->files_mtime));
	if (n != jr->unreadable) {
		jr->unreadable = n;
		sc.say = 1;
		if (n > 0)
			scan_files(dfd, jr->directory, 0, &sc);
	}
	close(dfd);
}

/* sd_journal_process(), and a look at the files when they changed. */
static int
process(struct journal *jr)
{
	int r = sd_journal_process(jr->j);

	if (r == SD_JOURNAL_INVALIDATE) {
		unreadable_files(jr);
		/* Files removed (vacuumed, rotated away) are no damage. */
		sd_journal_get_usage(jr->j, &jr->usage);
	}
	return (r);
}

/*
 * sd-journal drops a file it cannot read on (damaged mid-way) from the
 * set it reads, again without a word: the entries after the damage are
 * not read, and neither is what is written to the file later.  The one
 * sign is the open files' size falling with no file removed (those
 * process() reports).  journald punching holes in a file it archives
 * makes it fall too, so each file is then read alone from the last entry
 * read on, and only those that cannot be are named, once for each
 * position.
 */
static void
check_dropped(struct journal *jr)
{
	uint64_t u;

	if (sd_journal_get_usage(jr->j, &u) < 0)
		return;
	if (u < jr->usage && strcmp(jr->damage_at, jr->last) != 0) {
		char t[32];
		struct scan sc = { .say = 1, .iterate = 1, .match = jr->match };
		const char *sys[] = { "/run/log/journal", "/var/log/journal", NULL };
		const char *one[] = { jr->directory, NULL };
		int n = 0;

		cursor_field(jr->last, "t", t, sizeof(t));
		sc.from = strtoull(t, NULL, 16);
		for (const char **dir = jr->directory ? one : sys; *dir; dir++) {
			int dfd = open(*dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dfd >= 0) {
				n += scan_files(dfd, *dir, 0, &sc);
				close(dfd);
			}
		}
		if (n > 0)
			util_strlcpy(jr->damage_at, jr->last, sizeof(jr->damage_at));
	}
	jr->usage = u;
}

/* The wake-up descriptor of the open journal, watched from the loop. */
static void
watch(struct journal *jr)
{
	int fd = sd_journal_get_fd(jr->j);

	if (jr->fd_ev != NULL) {
		event_free(jr->fd_ev);
		jr->fd_ev = NULL;
	}
	if (fd >= 0) {
		jr->fd_ev = event_new(jr->base, fd, EV_READ | EV_PERSIST,
		    on_wake, jr);
		event_add(jr->fd_ev, NULL);
	} else {
		log_warnx("journal: no wake-up descriptor (%s); polling", strerror(-fd));
	}
}

/*
 * The directory is not the one opened (removed, replaced, or back after
 * being gone): open it again and go on from the committed entry, if the
 * new files hold it, else as position() does for a cursor not found.
 * What was read is committed first; while the store refuses, or the
 * directory is missing, this waits for the next poll.
 */
static void
reopen(struct journal *jr)
{
	char err[512];

	if ((jr->dirty || jr->nrecs > 0) && commit(jr) != 0)
		return;
	sd_journal *j = open_journal(jr, err, sizeof(err));
	if (j == NULL) {
		if (!jr->dir_warned)
			log_warnx("%s (trying again)", err);
		jr->dir_warned = 1;
		return;
	}
	log_info("journal: directory=%s reopened=yes", jr->directory);
	jr->dir_warned = 0;
	jr->replace_warned = 0;
	sd_journal *old = jr->j;
	jr->j = j;
	watch(jr);	/* off the old descriptor before it is closed */
	sd_journal_close(old);
	jr->current_unread = 0;
	if (jr->committed[0] == '\0') {
		sd_journal_seek_head(j);
	} else if (sd_journal_seek_cursor(j, jr->committed) >= 0) {
		int r = sd_journal_next(j);
		/* Found: it was read; what follows it is next. */
		if (r <= 0 || sd_journal_test_cursor(j, jr->committed) <= 0)
			jr->current_unread = not_found(jr, jr->committed, r);
	}
	schedule(jr);
}

/* At each poll: is the directory still the one opened? */
static void
check_directory(struct journal *jr)
{
	struct stat sb, held;

	if (jr->directory == NULL)
		return;
	if (stat(jr->directory, &sb) != 0) {
		if (!jr->dir_warned)
			log_warnx("journal: directory=%s error=\"%s\" (waiting for it)",
			    jr->directory, strerror(errno));
		jr->dir_warned = 1;
		return;
	}
	if (jr->dir_fd < 0 || fstat(jr->dir_fd, &held) != 0 ||
	    held.st_nlink == 0 || sb.st_dev != held.st_dev ||
	    sb.st_ino != held.st_ino) {
		/* Said once: a stalled store makes reopen() wait a while. */
		if (!jr->replace_warned)
			log_warnx("journal: directory=%s replaced=yes (opening it again)",
			    jr->directory);
		jr->replace_warned = 1;
		reopen(jr);
	} else if (sb.st_mtim.tv_sec != jr->files_mtime.tv_sec ||
	    sb.st_mtim.tv_nsec != jr->files_mtime.tv_nsec) {
		unreadable_files(jr);
	}
}

static int
add_matches(sd_journal *j, const char *match, char *err, size_t errlen)
{
	const char *p = match ? match : "";
	char why[256];

	if (settings_journal_match_check(p, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "journal_match: %s", why);
		return (-1);
	}
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		size_t n = strcspn(p, " \t,");
		if (n == 1 && *p == '+') {
			sd_journal_add_disjunction(j);
		} else {
			int r = sd_journal_add_match(j, p, n);
			if (r < 0) {
				snprintf(err, errlen, "journal_match: \"%.*s\": %s",
				    (int)n, p, strerror(-r));
				return (-1);
			}
		}
		p += n;
	}
	return (0);
}

/*
 * Step back up to resume_entries entries from the current one and read
 * forward again with outcomes discarded, to rebuild queue correlation:
 * up to and including the entry at cursor `until` (left current), or with
 * until NULL to the newest entry (left current).  The entry at the cursor
 * was committed too, so it belongs to the correlation like those before
 * it: a deferral that was the last entry read before a restart must still
 * expire when qmgr gives up on its message (as the file tail's prime()
 * re-reads up to and including the last committed line).
 */
static void
prime_before(struct journal *jr, const char *until)
{
	time_t now = time(NULL);
	uint64_t k = jr->opt.resume_entries > 0 ? (uint64_t)jr->opt.resume_entries : 1;

	if (until == NULL) {
		if (sd_journal_previous_skip(jr->j, k) <= 0)
			return;
	} else if (sd_journal_previous_skip(jr->j, k) <= 0) {
		/* The saved entry is the first one: only it to re-read. */
		if (sd_journal_seek_cursor(jr->j, until) < 0 ||
		    sd_journal_next(jr->j) <= 0)
			return;
	}
	for (;;) {
		int last = until != NULL && sd_journal_test_cursor(jr->j, until) > 0;
		size_t n = entry_line(jr, jr->line, LINE_MAX_BYTES);
		if (n > 0)
			logproc_line(jr->lp, jr->line, n, now, discard, NULL);
		if (last || sd_journal_next(jr->j) <= 0)
			break;
	}
}

/*
 * The value of field k ("s", "t", ...) of a cursor, in out; "" if none.
 */
static void
cursor_field(const char *cursor, const char *k, char *out, size_t outlen)
{
	size_t kl = strlen(k);
	const char *p = cursor;

	out[0] = '\0';
	while (p != NULL && *p != '\0') {
		if (strncmp(p, k, kl) == 0 && p[kl] == '=') {
			size_t n = strcspn(p + kl + 1, ";");
			snprintf(out, outlen, "%.*s", (int)n, p + kl + 1);
			return;
		}
		p = strchr(p, ';');
		if (p != NULL)
			p++;
	}
}

/* The seqnum ID ("s=") of the current entry, in out; "" if none. */
static void
entry_sequence(sd_journal *j, char *out, size_t outlen)
{
	char *c = NULL;

	out[0] = '\0';
	if (sd_journal_get_cursor(j, &c) >= 0 && c != NULL)
		cursor_field(c, "s", out, outlen);
	free(c);
}

/*
 * Whether the entry at cursor is in the journal when no match is applied.
 * The matches are put back as at the open; the caller seeks again.
 */
static int
passed_over(struct journal *jr, const char *cursor)
{
	sd_journal *j = jr->j;
	char err[256];
	int found;

	sd_journal_flush_matches(j);
	found = sd_journal_seek_cursor(j, cursor) >= 0 &&
	    sd_journal_next(j) > 0 && sd_journal_test_cursor(j, cursor) > 0;
	add_matches(j, jr->match, err, sizeof(err));
	return (found);
}

/*
 * The saved entry is not in the journal, and r is what sd_journal_next()
 * gave after seeking to it.  sd-journal has gone to the nearest entry it
 * could place: by sequence number in the same journal (the saved one was
 * vacuumed: what follows it is unread), by time in another (a journal
 * replaced or restored: only entries dated after the saved one).  With
 * nothing dated after it, a journal of the same sequence is all older:
 * follow from its newest entry; another one is all unread: read it from
 * its start (the store's keys keep what it had counted from counting
 * twice).  Logged with the choice, so that what is passed over can be
 * replayed.  Returns whether the current entry is yet to be read.
 */
static int
not_found(struct journal *jr, const char *saved, int r)
{
	sd_journal *j = jr->j;
	char was[64], other[64], t[32], when[32] = "the saved entry";
	struct tm tm;

	/*
	 * There all the same, but not passing journal_match: saved so by
	 * newest_of_all(), or the match has changed since.  Not lost: read
	 * on after it.  (Judged below, a newest entry of another sequence
	 * than the matched ones, journal-remote's file of another host,
	 * had the whole history read "from its start".)
	 */
	if (jr->match != NULL && jr->match[0] != '\0') {
		int there = passed_over(jr, saved);
		/* Where the caller's seek and next left it, as judged below. */
		if (sd_journal_seek_cursor(j, saved) < 0)
			return (0);
		r = sd_journal_next(j);
		if (there)
			return (r > 0);
	}
	cursor_field(saved, "s", was, sizeof(was));
	cursor_field(saved, "t", t, sizeof(t));
	time_t at = (time_t)(strtoull(t, NULL, 16) / 1000000);
	if (at > 0 && gmtime_r(&at, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (r > 0) {
		entry_sequence(j, other, sizeof(other));
		if (was[0] != '\0' && strcmp(was, other) == 0)
			log_warnx("journal: cursor=saved found=no error=\"the saved "
			    "entry was removed (vacuumed)\" (reading on from the "
			    "next entry of the same journal)");
		else
			log_warnx("journal: cursor=saved found=no error=\"another "
			    "journal (replaced or restored)\" (reading its entries "
			    "dated after %s; replay earlier ones if they matter)",
			    when);
		return (1);
	}
	if (sd_journal_seek_head(j) < 0 || sd_journal_next(j) <= 0) {
		sd_journal_seek_head(j);
		log_warnx("journal: cursor=saved found=no error=\"the journal "
		    "holds no entry that passes journal_match\" (reading all "
		    "that comes)");
		return (0);
	}
	entry_sequence(j, other, sizeof(other));
	if (was[0] != '\0' && strcmp(was, other) == 0) {
		sd_journal_seek_tail(j);
		sd_journal_previous(j);
		log_warnx("journal: cursor=saved found=no error=\"the saved entry "
		    "was removed and none follows it\" (reading what comes next)");
		return (0);
	}
	log_warnx("journal: cursor=saved found=no error=\"another journal "
	    "(replaced or restored), all of it dated before %s\" (reading it "
	    "from its start)", when);
	return (1);
}

/*
 * No entry passes journal_match (a mistyped match, a mail system not yet
 * started), yet the journal is not empty: what it holds is history all
 * the same.  Saved as an empty journal is, it would all be read once the
 * match is mended, months of old bounces with it.  So the newest entry of
 * all, matched or not, is where reading starts and the cursor saved.
 */
static void
newest_of_all(struct journal *jr)
{
	sd_journal *j = jr->j;
	char err[256];

	sd_journal_flush_matches(j);
	if (sd_journal_seek_tail(j) >= 0 && sd_journal_previous(j) > 0)
		remember_cursor(jr);
	/* The same matches as at the open, which took them. */
	add_matches(j, jr->match, err, sizeof(err));
	if (jr->last[0] != '\0')
		sd_journal_seek_cursor(j, jr->last);
}

static int
position(struct journal *jr, const struct rb_position *resume)
{
	sd_journal *j = jr->j;

	if (resume != NULL && resume->cursor[0] != '\0') {
		util_strlcpy(jr->committed, resume->cursor, sizeof(jr->committed));
		util_strlcpy(jr->last, resume->cursor, sizeof(jr->last));
		if (sd_journal_seek_cursor(j, resume->cursor) < 0) {
			/*
			 * Not a cursor at all (a damaged database): where it
			 * stood is unknown.  Refusing to start would hold
			 * every other source and the milter; follow from the
			 * newest entry, and say so.
			 */
			log_warnx("journal: cursor=saved error=\"not a cursor\" "
			    "(following from the newest entry; replay what was "
			    "written since the last stop if it matters)");
			jr->committed[0] = jr->last[0] = '\0';
			resume = NULL;
		} else {
			int r = sd_journal_next(j);
			if (r > 0 && sd_journal_test_cursor(j, resume->cursor) > 0) {
				/* Found: rebuild correlation from the entries before it. */
				prime_before(jr, resume->cursor);
				return (0);
			}
			jr->current_unread = not_found(jr, resume->cursor, r);
			return (0);
		}
	}
	if (resume != NULL) {
		/* Saved while the journal was empty: all of it is new. */
		return (sd_journal_seek_head(j) < 0 ? -1 : 0);
	}
	/* No saved position: start after the newest entry, and save that. */
	if (sd_journal_seek_tail(j) < 0)
		return (-1);
	prime_before(jr, NULL);
	remember_cursor(jr);
	if (jr->last[0] == '\0')
		newest_of_all(jr);
	/*
	 * An empty journal: everything that comes is new.  (After a seek to
	 * the tail of nothing, sd-journal would go on from the newest entry
	 * of a file that appears later, skipping the rest of it.)
	 */
	if (jr->last[0] == '\0' && sd_journal_seek_head(j) < 0)
		return (-1);
	jr->dirty = 1;
	commit(jr);
	return (0);
}

struct journal *
journal_new(struct event_base *base, const struct rb_position *resume,
    struct logproc *lp, rb_sink_fn sink, void *arg,
    const struct journal_options *opt, char *err, size_t errlen)
{
	struct journal *jr = calloc(1, sizeof(*jr));

	if (jr == NULL || (jr->line = malloc(LINE_MAX_BYTES + 1)) == NULL) {
		free(jr);
		snprintf(err, errlen, "journal: out of memory");
		return (NULL);
	}
	jr->dir_fd = -1;
	jr->base = base;
	jr->lp = lp;
	jr->sink = sink;
	jr->sink_arg = arg;
	journal_options_default(&jr->opt);
	if (opt != NULL)
		jr->opt = *opt;
	jr->opt.directory = NULL;
	jr->opt.match = NULL;
	if (opt != NULL && opt->directory != NULL && opt->directory[0] != '\0')
		jr->directory = strdup(opt->directory);
	jr->match = strdup(opt != NULL && opt->match != NULL ? opt->match : "");
	if (jr->match == NULL || (jr->j = open_journal(jr, err, errlen)) == NULL) {
		journal_free(jr);
		return (NULL);
	}
	if (position(jr, resume) != 0) {
		snprintf(err, errlen, "journal: cannot find the read position");
		journal_free(jr);
		return (NULL);
	}
	jr->read_ev = evtimer_new(base, on_read, jr);
	jr->poll_ev = event_new(base, -1, EV_PERSIST, on_wake, jr);
	struct timeval pv = { jr->opt.poll_ms / 1000, (jr->opt.poll_ms % 1000) * 1000 };
	event_add(jr->poll_ev, &pv);
	watch(jr);
	schedule(jr);
	return (jr);
}

void
journal_flush(struct journal *jr)
{
	if (jr != NULL)
		read_available(jr);
}

void
journal_set_options(struct journal *jr, const struct journal_options *o)
{
	jr->opt = *o;
	jr->opt.directory = NULL;
	jr->opt.match = NULL;
	struct timeval pv = { jr->opt.poll_ms / 1000, (jr->opt.poll_ms % 1000) * 1000 };
	event_add(jr->poll_ev, &pv);
}

json_t *
journal_status(const struct journal *jr)
{
	struct logproc_stats st;

	logproc_get_stats(jr->lp, &st);
	return (json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:b}",
	    "journal", jr->directory ? jr->directory : "system",
	    "cursor", jr->committed,
	    "bad_addresses", (json_int_t)st.bad_address,
	    "future_dated", (json_int_t)st.future,
	    "deferrals_dropped", (json_int_t)st.pending_dropped,
	    "entries", (json_int_t)jr->entries,
	    "outcomes", (json_int_t)jr->outcomes,
	    "skipped", (json_int_t)st.skipped,
	    "oversized", (json_int_t)st.oversized,
	    "evicted", (json_int_t)st.evicted,
	    "probes", (json_int_t)st.probes,
	    "handoffs", (json_int_t)st.handoffs,
	    "queue_ids", (json_int_t)st.queued,
	    "deferred_recipients", (json_int_t)st.pending,
	    "truncated", (json_int_t)jr->truncated,
	    "refused_commits", (json_int_t)jr->refused,
	    "lost", (json_int_t)jr->lost, "stalled", jr->stalled));
}

void
journal_free(struct journal *jr)
{
	if (jr == NULL)
		return;
	if (jr->fd_ev)
		event_free(jr->fd_ev);
	if (jr->poll_ev)
		event_free(jr->poll_ev);
	if (jr->read_ev)
		event_free(jr->read_ev);
	if (jr->j)
		sd_journal_close(jr->j);
	if (jr->dir_fd >= 0)
		close(jr->dir_fd);
	free(jr->directory);
	free(jr->match);
	free(jr->recs);
	free(jr->line);
	free(jr);
}
