/*
 * ctlsock.c - the control socket server (see ctlsock.h).
 *
 * Each client has a bufferevent; requests are read line by line and may
 * not exceed max_request bytes.  "import" is followed by CSV lines ended
 * by a line holding a single ".".  "events --follow" turns the connection
 * into a stream of JSON lines, one per committed outcome.  "backfill"
 * hands its files to the daemon's one backfill job and answers when the
 * job is over; the client waits without an idle timeout, and its going
 * away stops the job.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <jansson.h>

#include "classify.h"
#include "ctlsock.h"
#include "daemon.h"
#include "log.h"
#include "store.h"
#include "util.h"

/* Words of a request: a backfill names every file of a year of rotation. */
#define MAX_ARGS	1024
/*
 * Answers waiting for a client that does not read: past this, requests
 * wait in the input (and the kernel's buffer) and a follower's events
 * are dropped and counted, so one stuck client cannot grow the daemon.
 */
#define MAX_PENDING_OUT	(8 * 1024 * 1024)
/*
 * A list of at most this many rows is built even while another client
 * holds a long answer (as long as it stays under MAX_PENDING_OUT).
 */
#define LIST_SHORT	10000
/*
 * The most CSV one "import" may carry, counted as it comes in, together
 * with a last line still unended: the lines are kept until the "." line.
 */
#define MAX_IMPORT	(64 * 1024 * 1024)
/*
 * A client that sends nothing for this long is closed: max_clients idle
 * connections would otherwise lock every other client out.  A follower
 * only reads, and is exempt.
 */
#define IDLE_TIMEOUT	30

struct client {
	struct ctlsock *cs;
	struct bufferevent *bev;
	uid_t uid;
	gid_t gid;
	int may_change;
	int following;
	int backfilling;	/* its backfill runs: answered when over */
	unsigned long dropped;	/* events not sent to a stalled follower */
	int discarding;		/* answered "too long": reading to the end */
	FILE *import;		/* CSV being received, or NULL */
	char *import_buf;
	size_t import_len;	/* set by open_memstream on fclose only */
	size_t import_size;	/* bytes written to import so far */
	int import_skip;	/* import refused: dropping its CSV up to "." */
	const char *long_answer;	/* "export" or "list": a long answer
				   is (or was) in its output, or NULL */
	struct event *long_ev;	/* its deadline (on_long_deadline) */
	int closing;		/* gone (EOF): freed once its answer is out */
	struct client *next, *prev;
};

struct ctlsock {
	struct event_base *base;
	struct daemon *d;
	struct evconnlistener *lst;
	char *path;
	char *admin_group;
	struct client *clients;
	int nclients;
	int max_clients;	/* max_clients */
	long long refused;	/* connections closed at once since start */
	size_t max_request;	/* max_request_size */
};

static void
client_free(struct client *c)
{
	struct ctlsock *cs = c->cs;

	if (c->prev)
		c->prev->next = c->next;
	else
		cs->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	cs->nclients--;
	/* Stopped now: nobody is left to take its answer. */
	if (c->backfilling)
		daemon_backfill_cancel(cs->d, c);
	if (c->import)
		fclose(c->import);
	free(c->import_buf);
	if (c->long_ev != NULL)
		event_free(c->long_ev);
	bufferevent_free(c->bev);
	free(c);
}

/*
 * A long answer's deadline (an export, a long list): the idle time, plus
 * a second per MiB of it.  A client that has not taken all of it by then
 * is closed: reading a few bytes now and then would otherwise keep the
 * list in memory, and every other long answer busy, for as long as it
 * liked.
 */
static void
on_long_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;
	size_t left = evbuffer_get_length(bufferevent_get_output(c->bev));
	const char *verb = c->long_answer;

	(void)fd;
	(void)what;
	c->long_answer = NULL;
	if (left == 0 || verb == NULL)
		return;
	log_warnx("control: uid=%u %s=too-slow closed=yes unread=%zu",
	    (unsigned)c->uid, verb, left);
	client_free(c);
}

/*
 * Whether another client has not yet taken a long answer.  One is held
 * at a time: each is the whole suppression list, held until its client
 * takes it, and clients that asked and never read pinned one each.
 */
static int
long_answer_busy(struct ctlsock *cs, struct client *c)
{
	for (struct client *o = cs->clients; o != NULL; o = o->next) {
		if (o == c || o->long_answer == NULL)
			continue;
		if (evbuffer_get_length(bufferevent_get_output(o->bev)) == 0)
			o->long_answer = NULL;
		else
			return (1);
	}
	return (0);
}

/*
 * c holds a long answer of verb: a client that takes nothing of it
 * within the idle time, or not all of it by its deadline, is let go.
 */
static void
long_answer_held(struct client *c, const char *verb)
{
	struct timeval idle = { IDLE_TIMEOUT, 0 };
	size_t out = evbuffer_get_length(bufferevent_get_output(c->bev));
	struct timeval dl = { IDLE_TIMEOUT + (time_t)(out >> 20), 0 };

	c->long_answer = verb;
	bufferevent_set_timeouts(c->bev, &idle, &idle);
	if (c->long_ev == NULL)
		c->long_ev = evtimer_new(c->cs->base, on_long_deadline, c);
	if (c->long_ev != NULL)
		evtimer_add(c->long_ev, &dl);
}

/*
 * j as one line of text, consumed: NULL, logged, when it could not be
 * built (out of memory, a string jansson refused).
 */
static char *
answer_text(json_t *j)
{
	char *s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;

	if (s == NULL)
		log_warnx("control: answer=failed (out of memory or not UTF-8)");
	json_decref(j);
	return (s);
}

/*
 * Write s (from answer_text(), freed here) as the answer.  Every request
 * gets one: an answer that could not be built is an error, not silence
 * that leaves the client waiting for its idle timeout.
 */
static void
write_answer(struct client *c, char *s)
{
	if (s == NULL) {
		static const char fail[] = "{\"ok\":false,\"error\":\"the "
		    "answer could not be built (see the daemon's log)\"}\n";
		bufferevent_write(c->bev, fail, sizeof(fail) - 1);
		return;
	}
	bufferevent_write(c->bev, s, strlen(s));
	bufferevent_write(c->bev, "\n", 1);
	free(s);
}

static void
reply(struct client *c, json_t *j)
{
	write_answer(c, answer_text(j));
}

static void
reply_error(struct client *c, const char *msg)
{
	reply(c, json_pack("{s:b,s:s}", "ok", 0, "error", msg));
}

static json_t *
ok_with(json_t *j)
{
	json_object_set_new(j, "ok", json_true());
	return (j);
}

/* Split a request line: blanks separate, "..." quotes (\" and \\ escape). */
static int
tokenize(char *line, char **argv, int max)
{
	int n = 0;
	char *p = line;

	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (n == max)
			return (-1);
		char *o = p;
		argv[n++] = o;
		if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1])
					p++;
				*o++ = *p++;
			}
			if (*p != '"')
				return (-1);
			p++;
		} else {
			while (*p && *p != ' ' && *p != '\t')
				*o++ = *p++;
		}
		if (*p)
			p++;
		*o = '\0';
	}
	return (n);
}

/*
 * The longest window or lifetime a request may name.  Far inside time_t
 * either way, so "now + life" and "now - window" cannot wrap: a wrapped
 * product suppressed until 1970 or counted from a time to come.
 */
#define MAX_WINDOW	(100L * 366 * 86400)

/*
 * A duration as rebound.conf(5) writes one: a whole number, then at most
 * one unit of s, m, h, d or w, and nothing after it ("1month" is not one
 * minute).  Returns seconds, or -1 when it is not a duration or longer
 * than MAX_WINDOW.
 */
static long
parse_window(const char *s)
{
	const char *p = s;
	long v = 0, unit;

	if (!isdigit((unsigned char)*p))
		return (-1);
	for (; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (*p - '0');
		if (v > MAX_WINDOW)
			return (-1);
	}
	switch (*p) {
	case '\0': case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	case 'w': unit = 7 * 86400; break;
	default: return (-1);
	}
	if (*p != '\0' && p[1] != '\0')
		return (-1);
	if (v > MAX_WINDOW / unit)
		return (-1);
	return (v * unit);
}

#define WINDOW_HELP	"a whole number and one unit of s, m, h, d or w " \
	"(30d, 2w), at most 100 years"

/*
 * "LEAD a, b, c": what an option or a value takes, the names given by
 * name_at(arg, 0), (arg, 1), ... up to its NULL, cut short rather than
 * run past len.  One writer for every such answer, so none of them
 * overruns its buffer when a list (the operator's provider map) is long.
 */
static void
names_join(char *msg, size_t len, const char *lead,
    const char *(*name_at)(const void *, unsigned), const void *arg)
{
	int w = snprintf(msg, len, "%s", lead);
	size_t off = w > 0 ? (size_t)w : 0;
	const char *nm;

	for (unsigned k = 0; off < len && (nm = name_at(arg, k)) != NULL; k++) {
		w = snprintf(msg + off, len - off, "%s %s", k ? "," : "", nm);
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

/* name_at()s for names_join(): a NULL-ended array, the categories. */
static const char *
array_name(const void *arg, unsigned k)
{
	return (((const char *const *)arg)[k]);
}

static const char *
category_name(const void *arg, unsigned k)
{
	(void)arg;
	return (k < RB_CATEGORY__COUNT ?
	    taxonomy_category_name((enum rb_category)k) : NULL);
}

static const char *
provider_name(const void *arg, unsigned k)
{
	return (classifier_provider_name(arg, k));
}

/*
 * The words of a request after its verb (and sub-verb), from argv[first]:
 * each "--name VALUE" for a name in names (a NULL-ended list), anywhere
 * among them, and at most one other word, the operand, which *operand
 * receives (NULL when there is none; when operand is NULL none may be
 * given).  vals[i] is the value of names[i], or NULL.  An option without
 * its value, one not in names, or a second operand is refused: taken as
 * an address or passed over, it left "suppress add --reason x ADDR"
 * trying to suppress "--reason".  Returns 0, or -1 with err set.
 */
static int
opt_parse(int argc, char **argv, int first, const char *const *names,
    const char **vals, const char **operand, char *err, size_t errlen)
{
	size_t n;

	for (n = 0; names[n] != NULL; n++)
		vals[n] = NULL;
	if (operand != NULL)
		*operand = NULL;
	for (int i = first; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) != 0) {
			if (operand == NULL || *operand != NULL) {
				snprintf(err, errlen, "unexpected argument \"%s\"", argv[i]);
				return (-1);
			}
			*operand = argv[i];
			continue;
		}
		size_t k;
		for (k = 0; k < n && strcmp(argv[i], names[k]) != 0; k++)
			;
		if (k == n) {
			char lead[128];
			snprintf(lead, sizeof(lead), "unknown option %.64s (takes",
			    argv[i]);
			if (n == 0)
				snprintf(err, errlen, "%s none)", lead);
			else {
				names_join(err, errlen, lead, array_name, names);
				size_t off = strlen(err);
				if (off + 1 < errlen)
					snprintf(err + off, errlen - off, ")");
			}
			return (-1);
		}
		/* "--reason --expires 1d" is a forgotten reason, not one. */
		if (i + 1 >= argc || strncmp(argv[i + 1], "--", 2) == 0) {
			snprintf(err, errlen, "%s needs a value", argv[i]);
			return (-1);
		}
		vals[k] = argv[++i];
	}
	return (0);
}

/*
 * The sources a suppression may have: where store_apply and the manual
 * verbs put them (a journal outcome keeps "journal").
 */
static const char *const list_sources[] = {
	"log", "journal", "dsn", "complaint", "manual", "escalation", "import",
	NULL
};

static int
peer_may_change(struct ctlsock *cs, uid_t uid, gid_t gid)
{
	if (uid == 0 || uid == geteuid())
		return (1);
	if (cs->admin_group == NULL || cs->admin_group[0] == '\0')
		return (0);
	struct group *gr = getgrnam(cs->admin_group);
	if (gr == NULL)
		return (0);
	if (gid == gr->gr_gid)
		return (1);
	struct passwd *pw = getpwuid(uid);
	if (pw == NULL)
		return (0);
	gid_t groups[256];
	int ng = 256;
	if (getgrouplist(pw->pw_name, gid, groups, &ng) < 0)
		return (0);
	for (int i = 0; i < ng; i++)
		if (groups[i] == gr->gr_gid)
			return (1);
	return (0);
}

static void
who_of(struct client *c, char *buf, size_t len)
{
	snprintf(buf, len, "uid:%u", (unsigned)c->uid);
}

static void
finish_import(struct client *c)
{
	char err[256], who[32];

	fclose(c->import);
	c->import = NULL;
	/* As for a request: what is stored must be answerable as JSON. */
	const char *bad = c->import_buf ? util_utf8_bad(c->import_buf) : NULL;
	if (bad != NULL) {
		char msg[128];
		long line = 1;
		for (const char *q = c->import_buf; q < bad; q++)
			line += *q == '\n';
		snprintf(msg, sizeof(msg), "import: line %ld is not valid UTF-8; "
		    "nothing imported", line);
		free(c->import_buf);
		c->import_buf = NULL;
		c->import_len = 0;
		c->import_size = 0;
		reply_error(c, msg);
		return;
	}
	FILE *in = fmemopen(c->import_buf, c->import_len, "r");
	who_of(c, who, sizeof(who));
	long expired = 0;
	long n = in ? store_import_csv(daemon_store(c->cs->d), in, who,
	    time(NULL), &expired, err, sizeof(err)) : -1;
	if (in)
		fclose(in);
	free(c->import_buf);
	c->import_buf = NULL;
	c->import_len = 0;
	c->import_size = 0;
	if (n < 0)
		reply_error(c, in ? err : "out of memory");
	else
		reply(c, ok_with(json_pack("{s:I,s:I}", "imported", (json_int_t)n,
		    "expired", (json_int_t)expired)));
}

/* The backfill is over: its answer, and the idle timeout back. */
static void
on_backfill_done(void *arg, json_t *answer)
{
	struct client *c = arg;
	struct timeval idle = { IDLE_TIMEOUT, 0 };

	c->backfilling = 0;
	reply(c, answer);
	bufferevent_set_timeouts(c->bev, &idle, NULL);
}

static void
handle(struct client *c, char *line)
{
	struct ctlsock *cs = c->cs;
	struct store *st = daemon_store(cs->d);
	char *argv[MAX_ARGS];
	time_t now = time(NULL);

	/*
	 * Addresses and reasons are stored and answered as JSON: bytes
	 * that are not UTF-8 would be kept in the store but could not be
	 * answered (nor typed again to remove them).
	 */
	if (util_utf8_bad(line) != NULL) {
		reply_error(c, "the request is not valid UTF-8");
		return;
	}
	int argc = tokenize(line, argv, MAX_ARGS);
	if (argc < 0) {
		reply_error(c, "cannot parse the request (quotes, or too many words)");
		return;
	}
	if (argc == 0) {
		reply_error(c, "empty request");
		return;
	}
	const char *verb = argv[0];
	log_debug("control: uid=%u verb=%s", (unsigned)c->uid, verb);
	/*
	 * Verbs that take nothing refuse what they would pass over: an
	 * "import FILE" sent by a hand-written client uploads nothing but
	 * must not read as done.
	 */
	if (strcmp(verb, "status") == 0 || strcmp(verb, "export") == 0 ||
	    strcmp(verb, "import") == 0) {
		static const char *const none[] = { NULL };
		char err[256], msg[300];
		if (opt_parse(argc, argv, 1, none, NULL, NULL, err,
		    sizeof(err)) != 0) {
			if (strcmp(verb, "import") == 0)
				c->import_skip = 1;	/* its CSV and "." follow */
			snprintf(msg, sizeof(msg), "%s: %s", verb, err);
			return (reply_error(c, msg));
		}
	}
	if (strcmp(verb, "status") == 0) {
		json_t *js = daemon_status(cs->d);
		if (js != NULL)
			json_object_set_new(js, "control", json_pack("{s:i,s:i,s:I}",
			    "clients", cs->nclients, "max_clients", cs->max_clients,
			    "refused", (json_int_t)cs->refused));
		reply(c, ok_with(js));
	} else if (strcmp(verb, "lookup") == 0) {
		if (argc != 2)
			return (reply_error(c, "usage: lookup ADDR"));
		reply(c, ok_with(store_lookup(st, argv[1], now)));
	} else if (strcmp(verb, "suppress") == 0) {
		static const char *const add_opts[] = { "--reason", "--expires", NULL };
		static const char *const remove_opts[] = { "--reason", NULL };
		const char *vals[2], *addr;
		char err[256];
		if (argc < 2 || (strcmp(argv[1], "add") && strcmp(argv[1], "remove")))
			return (reply_error(c, "usage: suppress add ADDR [--reason TEXT] "
			    "[--expires DURATION] | suppress remove ADDR [--reason TEXT]"));
		int add = strcmp(argv[1], "add") == 0;
		if (opt_parse(argc, argv, 2, add ? add_opts : remove_opts, vals, &addr,
		    err, sizeof(err)) != 0) {
			char msg[300];
			snprintf(msg, sizeof(msg), "suppress %s: %s", argv[1], err);
			return (reply_error(c, msg));
		}
		if (addr == NULL)
			return (reply_error(c, add ? "suppress add: no ADDR given" :
			    "suppress remove: no ADDR given"));
		if (!c->may_change)
			return (reply_error(c, "permission denied: changes need root or the admin group"));
		const char *why = vals[0];
		char who[32];
		who_of(c, who, sizeof(who));
		int r;
		if (add) {
			const char *exp = vals[1];
			long life = exp ? parse_window(exp) : 0;
			if (life < 0)
				return (reply_error(c, "--expires takes " WINDOW_HELP));
			/* Checked as stored: blanks and <> around it go. */
			char as[RB_ADDR_MAX], msg[RB_ADDR_MAX + 96];
			store_fold_address(st, addr, as, sizeof(as));
			const char *bad = outcome_address_bad(as);
			if (bad != NULL) {
				snprintf(msg, sizeof(msg), "suppress add: \"%s\" "
				    "is not an address: %s", as, bad);
				return (reply_error(c, msg));
			}
			r = store_suppress_add(st, addr, why ? why : "manual", RB_SOURCE_MANUAL,
			    who, now, life ? now + life : 0);
		} else {
			r = store_suppress_remove(st, addr, who, why ? why : "manual", now);
		}
		if (r < 0)
			return (reply_error(c, "not done: bad address or the database refused"));
		/* The address as stored, so "nothing to change" explains itself. */
		char stored[RB_ADDR_MAX];
		store_fold_address(st, addr, stored, sizeof(stored));
		reply(c, ok_with(json_pack("{s:s,s:b}", "address", stored, "changed", r == 0)));
	} else if (strcmp(verb, "list") == 0) {
		static const char *const list_opts[] = { "--category", "--source",
		    "--since", "--limit", NULL };
		const char *vals[4];
		char err[256], msg[512];
		if (opt_parse(argc, argv, 1, list_opts, vals, NULL, err, sizeof(err)) != 0) {
			snprintf(msg, sizeof(msg), "list: %s", err);
			return (reply_error(c, msg));
		}
		const char *cat = vals[0], *src = vals[1], *since = vals[2], *lim = vals[3];
		/*
		 * A name not in the vocabulary matches no row: answered with
		 * an empty list it read as "nothing suppressed".
		 */
		enum rb_category cc;
		if (cat != NULL) {
			if (taxonomy_category_parse(cat, &cc) != 0) {
				names_join(msg, sizeof(msg), "--category takes",
				    category_name, NULL);
				return (reply_error(c, msg));
			}
			cat = taxonomy_category_name(cc);
		}
		if (src != NULL) {
			size_t k;
			for (k = 0; list_sources[k] != NULL &&
			    strcasecmp(src, list_sources[k]) != 0; k++)
				;
			if (list_sources[k] == NULL) {
				names_join(msg, sizeof(msg), "--source takes",
				    array_name, list_sources);
				return (reply_error(c, msg));
			}
			src = list_sources[k];
		}
		long w = since ? parse_window(since) : -1;
		if (since && w < 0)
			return (reply_error(c, "--since takes " WINDOW_HELP));
		unsigned long long limit = 0;
		if (lim != NULL) {
			char *end;
			errno = 0;
			limit = strtoull(lim, &end, 10);
			/* strtoull takes "-1" and " 5"; a count is digits only. */
			if (!isdigit((unsigned char)*lim) || *end != '\0' || errno != 0 ||
			    limit > 1000000000ULL)
				return (reply_error(c, "--limit takes a whole number of rows "
				    "(0 for all), at most 1000000000"));
		}
		/*
		 * The whole list is as long as an export: while another
		 * client has not taken its long answer, it is built to one
		 * row past LIST_SHORT only, and answered if that is all of
		 * it (a short table), else refused.
		 */
		static const char busy[] = "list busy: another client is still "
		    "taking a long answer (export or list); try again, or give "
		    "--limit";
		int held = (limit == 0 || limit > LIST_SHORT) &&
		    long_answer_busy(cs, c);
		json_t *rows = store_list(st, cat ?: "", src ?: "", since ? now - w : 0,
		    held ? LIST_SHORT + 1 : (size_t)limit);
		if (held && json_array_size(rows) > LIST_SHORT) {
			json_decref(rows);
			return (reply_error(c, busy));
		}
		char *text = answer_text(ok_with(json_pack("{s:o}",
		    "suppressions", rows)));
		size_t tlen = text != NULL ? strlen(text) : 0;
		/* Long rows (a reason of 64 KiB) under a short --limit too. */
		if (tlen >= MAX_PENDING_OUT && long_answer_busy(cs, c)) {
			free(text);
			return (reply_error(c, busy));
		}
		write_answer(c, text);
		if (tlen >= MAX_PENDING_OUT)
			long_answer_held(c, "list");
	} else if (strcmp(verb, "stats") == 0) {
		static const char *const stats_opts[] = { "--provider", "--since",
		    "--by", NULL };
		const char *vals[3];
		char err[256], msg[1024], prov[64] = "";
		if (opt_parse(argc, argv, 1, stats_opts, vals, NULL, err, sizeof(err)) != 0) {
			snprintf(msg, sizeof(msg), "stats: %s", err);
			return (reply_error(c, msg));
		}
		const char *since = vals[1];
		long w = since ? parse_window(since) : 86400;
		if (w < 0)
			return (reply_error(c, "--since takes " WINDOW_HELP));
		/*
		 * Outcomes are counted under the names of the provider map: a
		 * name it does not have ("Gmail", "gmail.com", a typo) matched
		 * nothing and read as "no outcomes".  Case is forgiven.
		 */
		if (vals[0] != NULL) {
			const struct classifier *cl = daemon_classifier(cs->d);
			const char *pn;
			unsigned k;
			snprintf(prov, sizeof(prov), "%s", vals[0]);
			util_lower(prov);
			for (k = 0; (pn = classifier_provider_name(cl, k)) != NULL &&
			    strcmp(pn, prov) != 0; k++)
				;
			if (pn == NULL) {
				names_join(msg, sizeof(msg),
				    "--provider takes a name of the provider map:",
				    provider_name, cl);
				return (reply_error(c, msg));
			}
		}
		json_t *s = store_stats(st, prov, now - w, vals[2] ?: "provider", now);
		if (json_object_get(s, "error") != NULL) {
			reply_error(c, json_string_value(json_object_get(s, "error")));
			json_decref(s);
			return;
		}
		reply(c, ok_with(s));
	} else if (strcmp(verb, "export") == 0) {
		/* Whatever its length: the whole list, twice (CSV, JSON). */
		if (long_answer_busy(cs, c))
			return (reply_error(c, "export busy: another client "
			    "is still taking a long answer (export or list); "
			    "try again"));
		char *buf = NULL;
		size_t len = 0;
		FILE *fp = open_memstream(&buf, &len);
		long left_out = 0;
		long n = fp ? store_export_csv(st, fp, &left_out) : -1;
		if (fp)
			fclose(fp);
		if (n < 0) {
			free(buf);
			return (reply_error(c, "export failed"));
		}
		reply(c, ok_with(json_pack("{s:I,s:I,s:s}", "rows", (json_int_t)n,
		    "left_out", (json_int_t)left_out, "csv", buf)));
		free(buf);
		long_answer_held(c, "export");
	} else if (strcmp(verb, "import") == 0) {
		/*
		 * Refused or not, the CSV and its "." follow: they are data,
		 * never requests, so a refused import drops them.
		 */
		if (!c->may_change) {
			c->import_skip = 1;
			return (reply_error(c, "permission denied: changes need root or the admin group"));
		}
		c->import = open_memstream(&c->import_buf, &c->import_len);
		c->import_size = 0;
		if (c->import == NULL) {
			c->import_skip = 1;
			return (reply_error(c, "out of memory"));
		}
	} else if (strcmp(verb, "backfill") == 0) {
		char err[256];
		if (argc < 2)
			return (reply_error(c, "usage: backfill PATH..."));
		for (int k = 1; k < argc; k++)
			if (argv[k][0] != '/') {
				char msg[300];
				snprintf(msg, sizeof(msg), "backfill: \"%.200s\" is not "
				    "an absolute path (the daemon has its own working "
				    "directory)", argv[k]);
				return (reply_error(c, msg));
			}
		if (!c->may_change)
			return (reply_error(c, "permission denied: changes need root or the admin group"));
		if (c->backfilling)
			return (reply_error(c, "a backfill of this client is running"));
		if (daemon_backfill_start(cs->d, argv + 1, (size_t)(argc - 1),
		    on_backfill_done, c, err, sizeof(err)) != 0)
			return (reply_error(c, err));
		/* A year of logs takes minutes: the client waits for it. */
		c->backfilling = 1;
		bufferevent_set_timeouts(c->bev, NULL, NULL);
		log_info("control: uid=%u backfill=started files=%d",
		    (unsigned)c->uid, argc - 1);
	} else if (strcmp(verb, "events") == 0) {
		int follow = 0;
		for (int k = 1; k < argc; k++) {
			if (strcmp(argv[k], "--follow") != 0) {
				char msg[300];
				snprintf(msg, sizeof(msg), "events: unexpected argument "
				    "\"%s\" (takes --follow)", argv[k]);
				return (reply_error(c, msg));
			}
			follow = 1;
		}
		if (follow) {
			c->following = 1;
			bufferevent_set_timeouts(c->bev, NULL, NULL);
			reply(c, ok_with(json_pack("{s:b}", "following", 1)));
		} else {
			reply(c, ok_with(json_pack("{s:o}", "events",
			    store_recent(st, 50))));
		}
	} else {
		reply_error(c, "unknown verb");
	}
}

/*
 * Answer, then swallow the rest until the client hangs up (or 5 s pass):
 * closing with unread bytes would reset the connection and lose the answer.
 */
static void
discard_rest(struct client *c, const char *msg)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct timeval tv = { 5, 0 };

	reply_error(c, msg);
	c->discarding = 1;
	if (c->import != NULL) {
		fclose(c->import);
		c->import = NULL;
		free(c->import_buf);
		c->import_buf = NULL;
		c->import_len = c->import_size = 0;
	}
	c->import_skip = 0;
	evbuffer_drain(in, evbuffer_get_length(in));
	bufferevent_set_timeouts(c->bev, &tv, NULL);
}

/* One request line of n bytes, its line end taken off. */
static void
serve(struct client *c, char *line, size_t n)
{
	if (n > c->cs->max_request)
		reply_error(c, "request too long");
	else if (memchr(line, '\0', n) != NULL)
		reply_error(c, "request holds a NUL byte");
	else
		handle(c, line);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;
	size_t n;

	if (c->discarding) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	while (evbuffer_get_length(bufferevent_get_output(bev)) < MAX_PENDING_OUT &&
	    (line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF)) != NULL) {
		if (c->import != NULL || c->import_skip) {
			if (strcmp(line, ".") == 0) {
				if (c->import != NULL)
					finish_import(c);
				c->import_skip = 0;
			} else if (c->import_skip) {
				/* The data of a refused import. */
			} else if (n + 1 > MAX_IMPORT - c->import_size) {
				free(line);
				log_warnx("control: uid=%u import=refused size=%zu",
				    (unsigned)c->uid, c->import_size + n + 1);
				discard_rest(c, "import too large (64 MiB at most)");
				return;
			} else {
				fprintf(c->import, "%s\n", line);
				c->import_size += n + 1;
			}
		} else {
			serve(c, line, n);
		}
		free(line);
	}
	if (evbuffer_get_length(bufferevent_get_output(bev)) >= MAX_PENDING_OUT) {
		/* Read no more until the client has taken its answers. */
		bufferevent_disable(bev, EV_READ);
		return;
	}
	if (c->import != NULL || c->import_skip) {
		/* A line not yet ended counts too: it is held until it ends. */
		size_t have = c->import_skip ? 0 : c->import_size;
		if (evbuffer_get_length(in) > MAX_IMPORT - have) {
			log_warnx("control: uid=%u import=refused size=%zu",
			    (unsigned)c->uid, have + evbuffer_get_length(in));
			discard_rest(c, "import too large (64 MiB at most)");
		}
	} else if (evbuffer_get_length(in) > c->cs->max_request)
		discard_rest(c, "request too long");
}

/* The output drained below the low mark: take requests again. */
static void
on_write(struct bufferevent *bev, void *arg)
{
	struct client *c = arg;

	if (c->closing) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			client_free(c);
		return;
	}
	if (!(bufferevent_get_enabled(bev) & EV_READ)) {
		bufferevent_enable(bev, EV_READ);
		on_read(bev, c);
	}
}

/*
 * The client has sent all it will (it shut its side, as socat and nc do
 * at the end of their input).  A last request with no newline is a
 * request all the same; answers not yet written are written before the
 * close.  A follower or a backfill ends with its client, as before.
 * Whether c lives on until its output is out.
 */
static int
at_eof(struct client *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t n = evbuffer_get_length(in);

	if (c->discarding || c->import != NULL || c->import_skip ||
	    c->following || c->backfilling)
		return (0);
	if (n > 0) {
		char *line = malloc(n + 1);
		if (line == NULL)
			return (0);
		evbuffer_remove(in, line, n);
		line[n] = '\0';
		if (line[n - 1] == '\r')
			line[--n] = '\0';
		serve(c, line, n);
		free(line);
	}
	/* handle() may have made it a follower or a backfill's client. */
	if (c->following || c->backfilling ||
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		return (0);
	c->closing = 1;
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	return (1);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct client *c = arg;

	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_WRITING)) {
		/* Nothing of its answer taken for that long. */
		log_warnx("control: uid=%u idle=%ds closed=yes unread=%zu",
		    (unsigned)c->uid, IDLE_TIMEOUT,
		    evbuffer_get_length(bufferevent_get_output(bev)));
		client_free(c);
		return;
	}
	if ((what & BEV_EVENT_TIMEOUT) && !c->discarding &&
	    evbuffer_get_length(bufferevent_get_output(bev)) > 0) {
		/* Still taking a long answer (export): not idle. */
		bufferevent_enable(bev, EV_READ);
		return;
	}
	if ((what & BEV_EVENT_TIMEOUT) && !c->discarding)
		log_warnx("control: uid=%u idle=%ds closed=yes%s", (unsigned)c->uid,
		    IDLE_TIMEOUT, c->import != NULL ? " import=unfinished" : "");
	if ((what & BEV_EVENT_EOF) && !(what & (BEV_EVENT_ERROR |
	    BEV_EVENT_TIMEOUT)) && at_eof(c))
		return;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		client_free(c);
}

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int socklen, void *arg)
{
	struct ctlsock *cs = arg;
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (cs->nclients >= cs->max_clients ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
		char msg[128];
		int n = snprintf(msg, sizeof(msg), "{\"ok\":false,\"error\":"
		    "\"too many clients at once: max_clients (%d) reached; try "
		    "again\"}\n", cs->max_clients);
		cs->refused++;
		log_warnx("control: refused=yes clients=%d", cs->nclients);
		/*
		 * Told why, as any request is answered: closed without a
		 * word, the client read "no answer" or a broken pipe.  The
		 * socket is new, so the line fits its buffer at once.
		 */
		if (n > 0 && (size_t)n < sizeof(msg))
			(void)send(fd, msg, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
		evutil_closesocket(fd);
		return;
	}
	struct client *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		evutil_closesocket(fd);
		return;
	}
	c->cs = cs;
	c->uid = cred.uid;
	c->gid = cred.gid;
	c->may_change = peer_may_change(cs, cred.uid, cred.gid);
	c->bev = bufferevent_socket_new(cs->base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, MAX_PENDING_OUT / 2, 0);
	struct timeval idle = { IDLE_TIMEOUT, 0 };
	bufferevent_set_timeouts(c->bev, &idle, NULL);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->next = cs->clients;
	if (cs->clients)
		cs->clients->prev = c;
	cs->clients = c;
	cs->nclients++;
}

struct ctlsock *
ctlsock_open(struct event_base *base, struct daemon *d,
    const struct rb_settings *cfg, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct ctlsock *cs = calloc(1, sizeof(*cs));

	if (cs == NULL || strlen(cfg->control_socket) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control_socket: path too long");
		free(cs);
		return (NULL);
	}
	cs->base = base;
	cs->d = d;
	cs->path = strdup(cfg->control_socket);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	util_strlcpy(sun.sun_path, cs->path, sizeof(sun.sun_path));
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	unlink(cs->path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		snprintf(err, errlen, "control_socket %s: %s", cs->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		ctlsock_close(cs);
		return (NULL);
	}
	ctlsock_reconfigure(cs, cfg);
	cs->lst = evconnlistener_new(base, on_accept, cs, LEV_OPT_CLOSE_ON_FREE,
	    128, fd);
	if (cs->lst == NULL) {
		snprintf(err, errlen, "control_socket %s: cannot listen", cs->path);
		close(fd);
		ctlsock_close(cs);
		return (NULL);
	}
	return (cs);
}

void
ctlsock_close(struct ctlsock *cs)
{
	if (cs == NULL)
		return;
	while (cs->clients)
		client_free(cs->clients);
	if (cs->lst)
		evconnlistener_free(cs->lst);
	if (cs->path)
		unlink(cs->path);
	free(cs->path);
	free(cs->admin_group);
	free(cs);
}

void
ctlsock_publish(struct ctlsock *cs, const struct rb_outcome_rec *r, size_t n)
{
	for (struct client *c = cs->clients; c != NULL; c = c->next) {
		if (!c->following)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (evbuffer_get_length(bufferevent_get_output(c->bev)) >= MAX_PENDING_OUT) {
				c->dropped++;
				continue;
			}
			if (c->dropped > 0) {
				/* Say how many the client missed while it was slow. */
				reply(c, json_pack("{s:I}", "dropped", (json_int_t)c->dropped));
				c->dropped = 0;
			}
			const struct rb_verdict *v = &r[i].v;
			json_t *j = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
			    "time", (json_int_t)r[i].time, "queue_id", r[i].queue_id,
			    "recipient", r[i].recipient,
			    "outcome", taxonomy_outcome_name(v->outcome),
			    "reason", taxonomy_reason_name(v->reason),
			    "category", taxonomy_category_name(v->category),
			    "action", taxonomy_action_name(v->action),
			    "provider", v->provider, "dsn", v->enhanced);
			/*
			 * A report nobody vouched for changes nothing; the
			 * same outcome vouched for (its log line) may follow.
			 */
			if (j != NULL && r[i].unverified)
				json_object_set_new(j, "unverified", json_true());
			if (j != NULL)
				reply(c, j);
		}
	}
}

/*
 * Apply what a reload may change: who may change the store, the limits,
 * the socket's mode and group.  Clients already connected keep the rights
 * they were given when they connected.
 */
void
ctlsock_reconfigure(struct ctlsock *cs, const struct rb_settings *cfg)
{
	free(cs->admin_group);
	cs->admin_group = strdup(cfg->admin_group ? cfg->admin_group : "");
	cs->max_clients = (int)cfg->max_clients;
	cs->max_request = (size_t)cfg->max_request_size;
	/* Only what differs: after dropping root the owner may not chown. */
	struct stat sb;
	int have = stat(cs->path, &sb) == 0;
	if ((!have || (sb.st_mode & 0777) != (mode_t)cfg->control_socket_mode) &&
	    chmod(cs->path, (mode_t)cfg->control_socket_mode) != 0)
		log_warn("control: socket=%s chmod", cs->path);
	struct group *gr = cfg->control_socket_group[0] ?
	    getgrnam(cfg->control_socket_group) : NULL;
	if (gr != NULL && (!have || sb.st_gid != gr->gr_gid) &&
	    chown(cs->path, (uid_t)-1, gr->gr_gid) != 0)
		log_warn("control: socket=%s chown", cs->path);
}
