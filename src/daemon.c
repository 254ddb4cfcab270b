/*
 * daemon.c - reboundd's event loop (see daemon.h).
 *
 * The loop thread owns every piece of state.  Log sources hand batches to
 * sink(), which commits them with their position in one store transaction;
 * a refused commit leaves the source where it was, and its own timer
 * offers the batch again, so a full disk or a read-only database costs
 * time, never outcomes.  SIGHUP loads the configuration and rules into new
 * objects and swaps them in only when all of it loaded.  A backfill (one
 * at a time, started from the control socket) reads old files in turns
 * into the same sink with no position, so the followed files keep theirs.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "backfill.h"
#include "classify.h"
#include "ctlsock.h"
#include "daemon.h"
#include "evqueue.h"
#include "log.h"
#include "logproc.h"
#include "milter.h"
#include "store.h"
#include "tail.h"
#ifdef HAVE_SYSTEMD
#include "journal.h"
#endif

/* A followed log file, or (tail NULL) the journal. */
struct source {
	struct tail *tail;
#ifdef HAVE_SYSTEMD
	struct journal *journal;
#endif
	struct logproc *lp;
};

static void
source_flush(struct source *s)
{
	if (s->tail != NULL)
		tail_flush(s->tail);
#ifdef HAVE_SYSTEMD
	if (s->journal != NULL)
		journal_flush(s->journal);
#endif
}

static json_t *
source_status(const struct source *s)
{
#ifdef HAVE_SYSTEMD
	if (s->journal != NULL)
		return (journal_status(s->journal));
#endif
	return (tail_status(s->tail));
}

struct daemon {
	struct event_base *base;
	struct rb_settings *cfg;
	const char *config_path;
	struct classifier *cl;
	struct store *st;
	struct ctlsock *cs;
	struct evqueue *q;		/* from the milter's threads */
	struct milter *milter;		/* NULL: no milter_socket */
	struct source src[RB_SETTINGS_MAX_FILES];
	int nsrc;
	struct event *ev_hup, *ev_term, *ev_int, *ev_maint, *ev_watchdog;
	struct event *ev_expiry;
	struct event *ev_reload;	/* on_reload, made active by on_hup */
	int reload_pending;
	time_t maint_retry;	/* after a failed maintenance, not before */
	time_t started;
	unsigned long reloads, reload_failures;
	struct backfill *bf;		/* the running backfill, or NULL */
	backfill_done_fn bf_done;	/* its client's answer */
	void *bf_arg;
};

static void
notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
notify(const char *fmt, ...)
{
#ifdef HAVE_SYSTEMD
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sd_notify(0, buf);
#else
	(void)fmt;
#endif
}

/*
 * Commit a batch; *nfresh (when not NULL) receives how many outcomes the
 * store took as new.
 */
static int
commit(struct daemon *d, const struct rb_outcome_rec *recs, size_t n,
    const struct rb_position *pos, size_t *nfresh)
{
	unsigned char *fresh = NULL;

	if (n > 0 && (d->cs != NULL || nfresh != NULL) &&
	    (fresh = calloc(n, 1)) == NULL)
		return (-1);	/* offered again, like a refused commit */
	if (store_apply(d->st, recs, n, pos, time(NULL), fresh) != 0) {
		free(fresh);
		return (-1);
	}
	/*
	 * Only what the store took as new: the same bounce seen in the log
	 * and as a DSN, or read again after a restart, is one outcome to a
	 * follower as it is one in the counts.  The exception is a report
	 * nobody vouched for (marked "unverified" to a follower, counted
	 * nowhere), whose outcome the log may show after it: that one counts
	 * and is published too.
	 */
	for (size_t i = 0; fresh != NULL && i < n; i++) {
		if (!fresh[i])
			continue;
		if (nfresh != NULL)
			(*nfresh)++;
		if (d->cs != NULL)
			ctlsock_publish(d->cs, &recs[i], 1);
	}
	free(fresh);
	return (0);
}

static int
sink(void *arg, const struct rb_outcome_rec *recs, size_t n,
    const struct rb_position *pos)
{
	return (commit(arg, recs, n, pos, NULL));
}

/* A backfill's batch: no position, the new ones counted for its answer. */
static int
backfill_commit(void *arg, const struct rb_outcome_rec *recs, size_t n,
    size_t *nfresh)
{
	*nfresh = 0;
	return (commit(arg, recs, n, NULL, nfresh));
}

/* Outcomes from other threads (DSNs taken in by the milter). */
static int
apply_queued(void *arg, const struct rb_outcome_rec *recs, size_t n)
{
	return (sink(arg, recs, n, NULL));
}

static void backfill_done(void *, json_t *);

static struct classifier *
load_rules(const struct rb_settings *cfg, char *err, size_t errlen)
{
	return (classifier_load(cfg->rules_file[0] ? cfg->rules_file : NULL,
	    cfg->local_rules_file[0] ? cfg->local_rules_file : NULL,
	    cfg->provider_map_file[0] ? cfg->provider_map_file : NULL, err, errlen));
}

static void
source_free(struct source *s)
{
	tail_free(s->tail);
#ifdef HAVE_SYSTEMD
	journal_free(s->journal);
#endif
	logproc_free(s->lp);
	memset(s, 0, sizeof(*s));
}

static void
stop_sources(struct daemon *d)
{
	for (int i = 0; i < d->nsrc; i++)
		source_free(&d->src[i]);
	d->nsrc = 0;
}

static void
source_options(const struct rb_settings *cfg, struct tail_options *to,
    struct logproc_options *lo)
{
	tail_options_default(to);
	to->poll_ms = cfg->poll_interval_ms;
	to->rotate_grace_ms = cfg->rotate_grace_ms;
	to->coalesce_ms = cfg->commit_interval_ms;
	to->resume_window = cfg->resume_window;
	to->batch = (size_t)cfg->commit_batch;
	logproc_options_default(lo);
	lo->idle_timeout = cfg->queue_idle_timeout;
	lo->deferred_timeout = cfg->queue_deferred_timeout;
	lo->max_entries = (size_t)cfg->queue_max_entries;
}

#ifdef HAVE_SYSTEMD
/* The journal reads as a file is followed (to, from source_options). */
static void
journal_options(const struct rb_settings *cfg, const struct tail_options *to,
    struct journal_options *jo)
{
	journal_options_default(jo);
	jo->directory = cfg->journal_directory;
	jo->match = cfg->journal_match;
	jo->poll_ms = to->poll_ms;
	jo->coalesce_ms = to->coalesce_ms;
	jo->batch = to->batch;
}
#endif

/*
 * log_files names something other than its default: worth a word when
 * journal = yes makes it unused (the default alone is not a choice).
 */
static int
log_files_set(const struct rb_settings *c)
{
	return (c->nlog_files > 1 || (c->nlog_files == 1 &&
	    strcmp(c->log_files[0], RB_DEFAULT_LOG_FILE) != 0));
}

/* Start following path, or with path NULL the journal, into *s. */
static int
source_start(struct daemon *d, const char *path, struct source *s)
{
	struct tail_options to;
	struct logproc_options lo;
	struct rb_position pos;

	source_options(d->cfg, &to, &lo);
	memset(s, 0, sizeof(*s));
	if (path == NULL) {
#ifdef HAVE_SYSTEMD
		struct journal_options jo;
		char err[512];
		int have = store_position_get(d->st, JOURNAL_SOURCE_ID, &pos) == 0;
		struct logproc *lp = logproc_new(d->cl, &lo);
		if (lp == NULL)
			return (-1);
		journal_options(d->cfg, &to, &jo);
		struct journal *j = journal_new(d->base, have ? &pos : NULL, lp,
		    sink, d, &jo, err, sizeof(err));
		if (j == NULL) {
			log_warnx("source: %s", err);
			logproc_free(lp);
			return (-1);
		}
		s->journal = j;
		s->lp = lp;
		log_info("source: journal=%s match=\"%s\" resume=%s",
		    jo.directory[0] ? jo.directory : "system", jo.match,
		    have ? "saved" : "end");
		return (0);
#else
		log_warnx("source: journal=unsupported (built without libsystemd)");
		return (-1);
#endif
	}
	int have = store_position_get(d->st, path, &pos) == 0;
	struct logproc *lp = logproc_new(d->cl, &lo);
	if (lp == NULL)
		return (-1);
	struct tail *t = tail_new(d->base, path, have ? &pos : NULL, lp,
	    sink, d, &to);
	if (t == NULL) {
		logproc_free(lp);
		return (-1);
	}
	s->tail = t;
	s->lp = lp;
	log_info("source: file=%s resume=%s offset=%llu", path,
	    have ? "saved" : "end", have ? (unsigned long long)pos.offset : 0ULL);
	return (0);
}

static int
start_sources(struct daemon *d)
{
	if (d->cfg->journal) {
		if (source_start(d, NULL, &d->src[0]) != 0)
			return (-1);
		d->nsrc = 1;
		if (log_files_set(d->cfg))
			log_info("source: log_files ignored (journal = yes)");
		return (0);
	}
	for (int i = 0; i < d->cfg->nlog_files; i++) {
		if (source_start(d, d->cfg->log_files[i], &d->src[d->nsrc]) != 0)
			return (-1);
		d->nsrc++;
	}
	return (0);
}

/*
 * After a reload (d->cfg and d->cl are the new ones, old the previous
 * settings): keep every running source the new file still names with the
 * same reading options, only switching its logproc to the new classifier
 * and bounds.  A logproc holds the queue correlation (senders,
 * message-ids, deferred recipients waiting for "expired"), which a fresh
 * one could rebuild only from the lines inside resume_window; restarting
 * every source on each SIGHUP lost the rest; so did restarting those
 * whose poll or commit options changed, which a running reader now takes
 * over.  Sources no longer named are stopped, new ones started.  Returns
 * -1 if a source could not be started (the others run).
 */
static int
reload_sources(struct daemon *d, const struct rb_settings *old)
{
	struct source prev[RB_SETTINGS_MAX_FILES];
	const char *want[RB_SETTINGS_MAX_FILES];
	int nprev = d->nsrc, nwant, rc = 0;
	const struct rb_settings *c = d->cfg;
	struct tail_options to;
	struct logproc_options lo;

	source_options(c, &to, &lo);
	memcpy(prev, d->src, sizeof(prev));
	memset(d->src, 0, sizeof(d->src));
	d->nsrc = 0;
	if (c->journal) {
		want[0] = NULL;
		nwant = 1;
	} else {
		for (nwant = 0; nwant < c->nlog_files; nwant++)
			want[nwant] = c->log_files[nwant];
	}

	/* First take over what can be kept ... */
	for (int i = 0; i < nwant; i++) {
		for (int j = 0; j < nprev; j++) {
			struct source *p = &prev[j];
			int match;
			if (want[i] == NULL) {
#ifdef HAVE_SYSTEMD
				match = p->journal != NULL && old->journal &&
				    strcmp(old->journal_directory, c->journal_directory) == 0 &&
				    strcmp(old->journal_match, c->journal_match) == 0;
#else
				match = 0;
#endif
			} else {
				match = p->tail != NULL &&
				    strcmp(tail_path(p->tail), want[i]) == 0;
			}
			if (!match || logproc_set_classifier(p->lp, d->cl) != 0)
				continue;
			logproc_set_options(p->lp, &lo);
			if (p->tail != NULL)
				tail_set_options(p->tail, &to);
#ifdef HAVE_SYSTEMD
			if (p->journal != NULL) {
				struct journal_options jo;
				journal_options(c, &to, &jo);
				journal_set_options(p->journal, &jo);
			}
#endif
			d->src[i] = *p;
			memset(p, 0, sizeof(*p));
			log_info("source: %s=%s kept=yes", want[i] ? "file" : "journal",
			    want[i] ? want[i] : "system");
			break;
		}
	}
	/*
	 * ... then stop the rest (their logprocs still point to the old
	 * classifier, which the caller frees after this), and only then
	 * start the new ones, so one file never has two readers.
	 */
	for (int j = 0; j < nprev; j++)
		source_free(&prev[j]);
	for (int i = 0; i < nwant; i++) {
		if (d->src[i].lp != NULL)
			continue;
		if (source_start(d, want[i], &d->src[i]) != 0)
			rc = -1;
	}
	/* Compact: a source that failed to start leaves a hole. */
	for (int i = 0; i < nwant; i++)
		if (d->src[i].lp != NULL)
			d->src[d->nsrc++] = d->src[i];
	for (int i = d->nsrc; i < nwant; i++)
		memset(&d->src[i], 0, sizeof(d->src[i]));
	if (c->journal && log_files_set(c))
		log_info("source: log_files ignored (journal = yes)");
	return (rc);
}

/*
 * Keys a reload cannot apply, changed in the new file: said in one line,
 * not passed over.  (A changed milter_socket of a running milter is the
 * milter's to say.)  The store's keys and the milter's lookups must fold
 * alike, so address_case_fold waits for a restart too.
 */
static void
restart_only(const struct rb_settings *o, const struct rb_settings *n,
    int milter_runs)
{
	const struct {
		const char *key;
		int changed;
	} k[] = {
		{ "control_socket", strcmp(o->control_socket, n->control_socket) != 0 },
		{ "database", strcmp(o->database, n->database) != 0 },
		{ "state_directory", strcmp(o->state_directory, n->state_directory) != 0 },
		{ "database_wal", o->store.wal != n->store.wal },
		{ "address_case_fold", o->store.fold != n->store.fold },
		{ "user", strcmp(o->user, n->user) != 0 },
		{ "log_target", o->log_stderr != n->log_stderr },
		{ "watchdog", o->watchdog != n->watchdog },
		{ "resume_window", o->resume_window != n->resume_window },
		{ "milter_socket", !milter_runs && n->milter_socket[0] != '\0' },
	};
	char keys[512] = "";
	size_t len = 0;

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		if (k[i].changed && len < sizeof(keys))
			len += (size_t)snprintf(keys + len, sizeof(keys) - len,
			    "%s%s", len ? ", " : "", k[i].key);
	if (len > 0)
		log_warnx("config: changes to %s take effect at restart", keys);
}

/*
 * err as the value of a key="..." field: the reasons quote what they
 * refuse ('unknown key "bogus"'), and a log reader splitting on quotes
 * would otherwise end the field there.
 */
static const char *
log_quote(const char *err, char *buf, size_t buflen)
{
	size_t n = 0;

	for (const char *p = err; *p != '\0' && n + 2 < buflen; p++) {
		if (*p == '"' || *p == '\\')
			buf[n++] = '\\';
		buf[n++] = *p;
	}
	buf[n] = '\0';
	return (buf);
}

static void
refused(struct daemon *d, const char *err)
{
	char q[1100];

	d->reload_failures++;
	log_warnx("config: reload=refused error=\"%s\" (keeping the running configuration)",
	    log_quote(err, q, sizeof(q)));
}

static void
on_reload(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	char err[512];

	d->reload_pending = 0;
	struct rb_settings *ncfg = d->config_path ?
	    settings_load(d->config_path, err, sizeof(err)) : settings_defaults();

	if (ncfg == NULL) {
		refused(d, err);
		return;
	}
	/*
	 * A path that cannot be read is refused here, before anything is
	 * swapped: a journal directory that is gone would otherwise leave
	 * the daemon reading nothing after a reload it called done.
	 */
	if (settings_check_paths(ncfg, err, sizeof(err)) != 0) {
		refused(d, err);
		settings_free(ncfg);
		return;
	}
	struct classifier *ncl = load_rules(ncfg, err, sizeof(err));
	if (ncl == NULL) {
		refused(d, err);
		settings_free(ncfg);
		return;
	}
	/* A group that does not exist is not applied: say so, as at start. */
	char warn[1024];
	if (settings_check_accounts(ncfg, 0, err, sizeof(err), warn,
	    sizeof(warn)) == 0 && warn[0] != '\0')
		log_warnx("config: %s", warn);
	/* The milter lets go of the old classifier before it is freed. */
	if (d->milter != NULL &&
	    milter_reconfigure(d->milter, ncfg, ncl, err, sizeof(err)) != 0) {
		refused(d, err);
		classifier_free(ncl);
		settings_free(ncfg);
		return;
	}
	/*
	 * Everything loaded: swap.  Sources whose configuration is unchanged
	 * keep running; the others resume from their saved positions.
	 */
	for (int i = 0; i < d->nsrc; i++)
		source_flush(&d->src[i]);
	restart_only(d->cfg, ncfg, d->milter != NULL);
	/* Keep what cannot change without a restart. */
	struct rb_settings *ocfg = d->cfg;
	struct classifier *ocl = d->cl;
	char *keep_sock = ncfg->control_socket, *keep_db = ncfg->database;
	ncfg->control_socket = ocfg->control_socket;
	ncfg->database = ocfg->database;
	ocfg->control_socket = keep_sock;
	ocfg->database = keep_db;
	d->cfg = ncfg;
	d->cl = ncl;
	/* The maintenance timer was set with the old interval. */
	if (ncfg->maintenance_interval != ocfg->maintenance_interval) {
		struct timeval mt = { ncfg->maintenance_interval, 0 };
		event_add(d->ev_maint, &mt);
	}
	if (reload_sources(d, ocfg) != 0)
		log_warnx("config: sources could not all be started");
	/* Its logproc points to the old classifier, freed below. */
	if (d->bf != NULL && backfill_set_classifier(d->bf, ncl) != 0)
		backfill_done(d, json_pack("{s:b,s:s}", "ok", 0, "error",
		    "stopped: out of memory at a reload; what was committed "
		    "stays; run the backfill again"));
	classifier_free(ocl);
	settings_free(ocfg);
	store_set_options(d->st, &ncfg->store);
	ctlsock_reconfigure(d->cs, ncfg);
	log_set_verbose(ncfg->verbose);
	d->reloads++;
	log_info("config: reload=done file=%s rules=%zu", ncfg->file,
	    classifier_rule_count(ncl));
	notify("STATUS=reloaded; following %d log file(s)", d->nsrc);
}

/*
 * SIGHUP: a reload is due.  Signals that arrive while one is queued, or
 * while one runs (loading and compiling the rules takes about a second),
 * make one more, not one each: twenty HUPs from a careless script held
 * the event loop, and with it every control client, for twenty seconds.
 */
static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	if (d->reload_pending)
		return;
	d->reload_pending = 1;
	event_active(d->ev_reload, EV_TIMEOUT, 0);
}

static void
on_term(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	log_info("daemon: signal=%d stopping=yes", (int)sig);
	notify("STOPPING=1");
	/* Take in what the MTA has written so far before leaving. */
	for (int i = 0; i < d->nsrc; i++)
		source_flush(&d->src[i]);
	event_base_loopbreak(d->base);
}

static void
on_maint(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	time_t now = time(NULL);

	d->maint_retry = 0;
	if (store_maintain(d->st, now) != 0) {
		log_warnx("store: maintenance=failed (will retry)");
		d->maint_retry = now + d->cfg->maintenance_interval;
	}
	/* systemctl status shows this line. */
	json_t *s = store_status(d->st);
	notify("STATUS=following %d log file(s); %lld outcomes, %lld suppressed",
	    d->nsrc, (long long)json_integer_value(json_object_get(s, "outcomes")),
	    (long long)json_integer_value(json_object_get(s, "suppressions")));
	json_decref(s);
}

/*
 * Each second: when a suppression's lifetime is over, it is removed now
 * rather than at the maintenance interval, so an expired entry stops
 * refusing mail within a second ("suppress add --expires 1h" means an
 * hour).  A failure is retried at the interval, not every second.
 */
static void
on_expiry(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	time_t next = store_next_expiry(d->st), now = time(NULL);

	if (next > 0 && next <= now && now >= d->maint_retry &&
	    store_expire(d->st, now) != 0) {
		log_warnx("store: expiry=failed (will retry)");
		d->maint_retry = now + d->cfg->maintenance_interval;
	}
}

static void
on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	notify("WATCHDOG=1");
}

struct store *
daemon_store(struct daemon *d)
{
	return (d->st);
}

const struct classifier *
daemon_classifier(struct daemon *d)
{
	return (d->cl);
}

struct evqueue *
daemon_evqueue(struct daemon *d)
{
	return (d->q);
}

json_t *
daemon_status(struct daemon *d)
{
	json_t *srcs = json_array();

	for (int i = 0; i < d->nsrc; i++)
		json_array_append_new(srcs, source_status(&d->src[i]));
	json_t *st = json_pack("{s:s,s:I,s:I,s:o,s:o,s:I,s:I,s:I,s:I,s:s}",
	    "version", PACKAGE_VERSION, "pid", (json_int_t)getpid(),
	    "uptime", (json_int_t)(time(NULL) - d->started),
	    "sources", srcs, "store", store_status(d->st),
	    "rules", (json_int_t)classifier_rule_count(d->cl),
	    "reloads", (json_int_t)d->reloads,
	    "reload_failures", (json_int_t)d->reload_failures,
	    "queued", (json_int_t)(d->q ? evqueue_pending(d->q) : 0),
	    "config", d->cfg->file);
	if (st != NULL && d->milter != NULL)
		json_object_set_new(st, "milter", milter_status(d->milter));
	if (st != NULL && d->bf != NULL)
		json_object_set_new(st, "backfill", backfill_status(d->bf));
	return (st);
}

/* The job's answer: the job is over, its client is told. */
static void
backfill_done(void *arg, json_t *answer)
{
	struct daemon *d = arg;
	backfill_done_fn done = d->bf_done;
	void *darg = d->bf_arg;

	backfill_free(d->bf);
	d->bf = NULL;
	d->bf_done = NULL;
	d->bf_arg = NULL;
	done(darg, answer);
}

int
daemon_backfill_start(struct daemon *d, char *const *paths, size_t n,
    backfill_done_fn done, void *arg, char *err, size_t errlen)
{
	struct backfill_options bo;
	struct tail_options to;

	if (d->bf != NULL) {
		snprintf(err, errlen, "a backfill is already running (see "
		    "reboundctl status); one at a time");
		return (-1);
	}
	backfill_options_default(&bo);
	/* Lines read as the live sources read them. */
	source_options(d->cfg, &to, &bo.lo);
	bo.batch = to.batch;
	bo.not_before = time(NULL) - d->cfg->store.outcome_retention;
	d->bf = backfill_start(d->base, d->cl, &bo, paths, n, backfill_commit,
	    d, backfill_done, d);
	if (d->bf == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	d->bf_done = done;
	d->bf_arg = arg;
	return (0);
}

void
daemon_backfill_cancel(struct daemon *d, void *arg)
{
	if (d->bf == NULL || d->bf_arg != arg)
		return;
	log_info("backfill: stopped=yes (client gone or daemon stopping)");
	backfill_free(d->bf);
	d->bf = NULL;
	d->bf_done = NULL;
	d->bf_arg = NULL;
}

/*
 * As root: prepare the state directory for the service user, then become
 * that user with the groups that read mail logs (adm) and the journal.
 */
static void
drop_privileges(const struct rb_settings *cfg)
{
	if (geteuid() != 0 || cfg->user[0] == '\0')
		return;
	struct passwd *pw = getpwnam(cfg->user);
	/* Checked at start (settings_check_accounts); never stay root silently. */
	if (pw == NULL)
		log_fatalx("daemon: user=%s missing=yes (refusing to run as root)", cfg->user);
	if (chown(cfg->state_directory, pw->pw_uid, pw->pw_gid) != 0)
		log_warn("daemon: chown %s", cfg->state_directory);
	char p[4096];
	/* So that the user can take the lock when started as itself. */
	snprintf(p, sizeof(p), "%s/reboundd.lock", cfg->state_directory);
	if (chown(p, pw->pw_uid, pw->pw_gid) != 0)
		log_warn("daemon: chown %s", p);
	static const char *const sfx[] = { "", "-wal", "-shm" };
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", cfg->database, sfx[i]);
		if (chown(p, pw->pw_uid, pw->pw_gid) != 0 && errno != ENOENT)
			log_warn("daemon: chown %s", p);
	}
	gid_t groups[3];
	int ng = 0;
	groups[ng++] = pw->pw_gid;
	struct group *g;
	if ((g = getgrnam("adm")) != NULL)
		groups[ng++] = g->gr_gid;
	if ((g = getgrnam("systemd-journal")) != NULL)
		groups[ng++] = g->gr_gid;
	if (setgroups((size_t)ng, groups) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0)
		log_fatalx("daemon: cannot become user %s", cfg->user);
	log_info("daemon: user=%s uid=%u", cfg->user, (unsigned)pw->pw_uid);
}

static int
mkdirs(const char *path)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	}
	return (mkdir(p, 0750) == 0 || errno == EEXIST ? 0 : -1);
}

/*
 * One daemon per state directory.  A second one with the same file would
 * follow the same logs into the same database, and on exit unlink the
 * first one's control socket.  The lock is taken before the socket is
 * touched and held, through the open descriptor, for the life of the
 * process (the kernel drops it however the process ends); the file holds
 * the owner's pid for the message below.  It is never unlinked: a lock on
 * a file being removed would not exclude a daemon opening a new one.
 */
static int
lock_state(const struct rb_settings *cfg)
{
	char path[4096], buf[32];

	snprintf(path, sizeof(path), "%s/reboundd.lock", cfg->state_directory);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		log_fatalx("daemon: lock=%s error=\"%s\"", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK)
			log_fatalx("daemon: lock=%s error=\"%s\"", path, strerror(errno));
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		long pid = 0;
		if (n > 0) {
			buf[n] = '\0';
			pid = strtol(buf, NULL, 10);
		}
		if (pid > 0)
			log_fatalx("daemon: another reboundd (pid %ld) is running on "
			    "state_directory=%s (lock %s); not starting", pid,
			    cfg->state_directory, path);
		log_fatalx("daemon: another reboundd is running on "
		    "state_directory=%s (lock %s); not starting",
		    cfg->state_directory, path);
	}
	int len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)len, 0) != len)
		log_warn("daemon: lock=%s pid not written", path);
	return (fd);
}

int
daemon_run(struct rb_settings *cfg, const char *config_path)
{
	struct daemon dd, *d = &dd;
	char err[512];
	int rc = 1;

	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	d->config_path = config_path;
	d->started = time(NULL);
	signal(SIGPIPE, SIG_IGN);
	d->base = event_base_new();
	if (d->base == NULL)
		log_fatalx("daemon: cannot create the event loop");
	/*
	 * Handled from here on, served once the loop runs: a SIGHUP or
	 * SIGTERM while the rules compile and the store loads (seconds with
	 * millions of suppressions) is a reload or a stop then, not the end
	 * of the daemon by the default action.
	 */
	d->ev_hup = evsignal_new(d->base, SIGHUP, on_hup, d);
	d->ev_reload = event_new(d->base, -1, 0, on_reload, d);
	d->ev_term = evsignal_new(d->base, SIGTERM, on_term, d);
	d->ev_int = evsignal_new(d->base, SIGINT, on_term, d);
	event_add(d->ev_hup, NULL);
	event_add(d->ev_term, NULL);
	event_add(d->ev_int, NULL);
	/* Before anything is created that would then belong to root. */
	char warn[1024];
	if (settings_check_accounts(cfg, geteuid() == 0, err, sizeof(err),
	    warn, sizeof(warn)) != 0)
		log_fatalx("daemon: %s", err);
	if (warn[0] != '\0')
		log_warnx("daemon: %s", warn);
	if (mkdirs(cfg->state_directory) != 0)
		log_fatalx("daemon: state_directory=%s error=\"%s\"", cfg->state_directory, strerror(errno));
	int lock_fd = lock_state(cfg);
	char sockdir[4096];
	snprintf(sockdir, sizeof(sockdir), "%s", cfg->control_socket);
	char *slash = strrchr(sockdir, '/');
	if (slash != NULL && slash != sockdir) {
		*slash = '\0';
		mkdirs(sockdir);
		chmod(sockdir, 0755);
	}
	if (settings_check_paths(cfg, err, sizeof(err)) != 0)
		log_fatalx("config: %s", err);
	if ((d->cl = load_rules(cfg, err, sizeof(err))) == NULL)
		log_fatalx("rules: %s", err);
	/* The database exists before privileges go, so it can be chowned. */
	if (store_create(cfg->database, &cfg->store, err, sizeof(err)) != 0)
		log_fatalx("store: %s", err);
	if ((d->cs = ctlsock_open(d->base, d, cfg, err, sizeof(err))) == NULL)
		log_fatalx("%s", err);
	drop_privileges(cfg);
	if ((d->st = store_open(cfg->database, &cfg->store, err, sizeof(err))) == NULL)
		log_fatalx("store: %s", err);
	if (start_sources(d) != 0)
		log_fatalx("daemon: cannot start the log sources");
	if ((d->q = evqueue_new(d->base, 0)) == NULL)
		log_fatalx("daemon: cannot create the event queue");
	evqueue_set_apply(d->q, apply_queued, d, d->st);
	/* Stopped below before the queue and the store go away. */
	if (cfg->milter_socket[0] != '\0' &&
	    (d->milter = milter_start(cfg, store_supset(d->st), d->q, d->cl,
	    err, sizeof(err))) == NULL)
		log_fatalx("%s", err);

	d->ev_maint = event_new(d->base, -1, EV_PERSIST, on_maint, d);
	struct timeval mt = { cfg->maintenance_interval, 0 };
	event_add(d->ev_maint, &mt);
	d->ev_expiry = event_new(d->base, -1, EV_PERSIST, on_expiry, d);
	struct timeval et = { 1, 0 };
	event_add(d->ev_expiry, &et);
#ifdef HAVE_SYSTEMD
	uint64_t usec = 0;
	if (cfg->watchdog && sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
		d->ev_watchdog = event_new(d->base, -1, EV_PERSIST, on_watchdog, d);
		struct timeval wt = { (time_t)(usec / 2 / 1000000), (suseconds_t)(usec / 2 % 1000000) };
		event_add(d->ev_watchdog, &wt);
	}
#endif
	log_info("daemon: started=yes version=%s config=%s database=%s socket=%s files=%d rules=%zu",
	    PACKAGE_VERSION, cfg->file, cfg->database, cfg->control_socket,
	    d->nsrc, classifier_rule_count(d->cl));
	notify("READY=1\nSTATUS=following %d log file(s)", d->nsrc);
	event_base_dispatch(d->base);
	rc = 0;

	/* The milter stops first: it pushes into the queue, reads the store's set. */
	milter_stop(d->milter);
	/* A backfill is dropped: what it committed stays, its client goes. */
	daemon_backfill_cancel(d, d->bf_arg);
	stop_sources(d);
	ctlsock_close(d->cs);
	/* What the store refused until now is offered once more; never dropped unsaid. */
	size_t left = evqueue_flush(d->q);
	if (left > 0)
		log_warnx("daemon: queued=%zu lost=yes error=\"the store refused "
		    "them until shutdown\"", left);
	evqueue_free(d->q);
	store_close(d->st);
	classifier_free(d->cl);
	event_free(d->ev_hup);
	event_free(d->ev_reload);
	event_free(d->ev_term);
	event_free(d->ev_int);
	event_free(d->ev_maint);
	event_free(d->ev_expiry);
	if (d->ev_watchdog)
		event_free(d->ev_watchdog);
	event_base_free(d->base);
	settings_free(d->cfg);
	log_info("daemon: stopped=yes");
	close(lock_fd);
	return (rc);
}
