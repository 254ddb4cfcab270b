/*
 * milter.c - reboundd's mail filter (see milter.h).
 *
 * Threads.  milter_start() opens the socket and starts one thread that
 * runs smfi_main(); libmilter then starts a signal thread and one thread
 * per MTA connection, each calling the callbacks below.  Callbacks take
 * the read side of `lock` for their whole (bounded) run and find the
 * compiled settings, the supset and the queue under it; reconfiguration
 * and stopping take the write side, so once they return no callback still
 * holds the old settings or classifier.  Callbacks never block on the
 * loop thread while holding the lock.
 *
 * Signals.  smfi_main() blocks SIGHUP, SIGTERM and SIGINT in every thread
 * of libmilter's and starts a thread that sigwait()s for them and stops
 * the milter for good when it gets one.  A thread in sigwait() can take
 * a signal sent to the process, and the kernel gives it one whenever the
 * loop thread cannot take it at that moment (running elsewhere with a
 * signal already pending): a reload's SIGHUP then stopped the milter
 * while the daemon ran on, and a SIGTERM left the daemon running.  So
 * sigwait() below takes the C library's place: reboundd calls it nowhere
 * else, and for those signals it waits for nothing with them still
 * blocked, which leaves the loop thread the only one that takes them.
 * Should smfi_main() return all the same, the milter is reported as
 * stopped (status "running": false) while the rest of the daemon runs on.
 *
 * Settings.  milter_conf.c checks and compiles the milter_* keys into the
 * struct mconf the callbacks read; it is swapped whole on reload.
 *
 * State.  struct conn lives from the first callback of an MTA connection
 * to close; struct msg from MAIL FROM to end of message or abort.  Both
 * are private data of the libmilter context and freed in close/abort.
 *
 * DSNs.  A message with a null sender or to a milter_bounce_addresses
 * recipient is collected (at most milter_max_body bytes) and parsed at end
 * of message.  Its records go to the loop thread in a job that checks each
 * against mail this system sent (store_sent_match); the milter thread
 * waits a bounded time for that answer to write the X-Rebound header.
 *
 * Signed return paths.  With batv_key_file set, a recipient of the form
 * prvs=KDDDSSSSSS=address (batv.h) is checked at RCPT: a valid tag makes
 * the message a returning DSN and vouches for its records without the
 * log, for all of them, or, when the address inside the tag is a VERP
 * address, for the records of the recipient it names only.  A tag that
 * does not verify vouches for nothing; the records may still match mail
 * sent.  The tag is looked through when matching bounce addresses.  With
 * milter_batv_sign the sender of in-scope mail is signed at end of
 * message (smfi_chgfrom), so that its bounces come back tagged.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "batv.h"
#include "classify.h"
#include "dsn.h"
#include "evqueue.h"
#include "log.h"
#include "milter.h"
#include "milter_conf.h"
#include "outcome.h"
#include "settings.h"
#include "store.h"
#include "supset.h"
#include "taxonomy.h"
#include "util.h"

#define TAG_NAMED_MAX	20	/* recipients named in one tag header */
#define HDR_RECORDS_MAX	10	/* DSN records named in X-Rebound */
#define HDR_MAX		900	/* bytes of one header we add */
#define VERIFY_WAIT_MS	2000	/* for the loop thread's answer */
#define LAT_BUCKETS	1024	/* 1 us each; one more for longer */
#define VERDICT_HEADER	"X-Rebound"

enum counter {
	C_CONNECTIONS, C_MESSAGES, C_RECIPIENTS, C_SUPPRESSED, C_OUT_OF_SCOPE,
	C_REJECTED, C_TEMPFAILED, C_TAGGED, C_DROPPED, C_DSN_MESSAGES,
	C_DSN_RECORDS, C_DSN_VERIFIED, C_DSN_UNVERIFIED, C_DSN_TOO_BIG,
	C_DSN_NOT_BOUNCE, C_DSN_UNPARSED, C_DSN_DISCARDED, C_DSN_QUARANTINED,
	C_DSN_VERIFIED_BATV, C_DSN_BATV_INVALID, C_BATV_SIGNED,
	C_DSN_MISDATED, C_QUEUE_FULL, C_ERRORS, C__COUNT
};

static const char *const counter_names[C__COUNT] = {
	"connections", "messages", "recipients", "suppressed", "out_of_scope",
	"rejected", "tempfailed", "tagged", "dropped", "dsn_messages",
	"dsn_records", "dsn_verified", "dsn_unverified", "dsn_too_big",
	"dsn_not_bounce", "dsn_unparsed", "dsn_discarded", "dsn_quarantined",
	"dsn_verified_batv", "dsn_batv_invalid", "batv_signed",
	"dsn_misdated", "queue_full", "errors",
};

struct milter {
	pthread_rwlock_t lock;
	struct mconf *conf;		/* under lock */
	struct supset *set;		/* under lock */
	struct evqueue *q;		/* under lock */
	int stopping;			/* under lock */
	int fold_all;			/* fixed at start, as the store's */
	sfsistat stopped_answer;	/* after milter_stop */
	pthread_t thread;
	atomic_int running;
	char conn[1024];
	atomic_ulong counters[C__COUNT];
	atomic_ulong latency[LAT_BUCKETS + 1];
	atomic_ulong latency_max_us;
	json_t *providers;		/* under providers_mu */
};

/* libmilter allows one filter per process: so does this file. */
static struct milter the_milter;
static int started;

struct msg {
	int auth;			/* {auth_authen} given */
	int null_sender;
	int dsn;			/* collected as a returning DSN */
	size_t nrcpt;
	char **drop;			/* to remove at EOM, as "<addr>" */
	size_t ndrop, capdrop;
	char tag[HDR_MAX];		/* value of the tag header */
	size_t ntag;
	int own_headers[2];		/* X-Rebound, tag header: to delete */
	char *buf;			/* the DSN as collected */
	size_t len, cap;
	int too_big;
	/*
	 * Tagged recipients: the first verdict, and what a valid tag vouches
	 * for (all records, or those of the VERP recipient named).
	 */
	int batv;			/* 0 none, 1 a valid tag, -1 none valid */
	enum batv_result batv_why;	/* the first tag's, or the valid one's */
	int batv_all;
	char batv_rcpt[RB_ADDR_MAX];
	char sign_from[RB_ADDR_MAX];	/* sender to sign at EOM, "" none */
};

struct conn {
	int local;			/* non-SMTP submission */
	int have_addr;
	struct net addr;		/* bits unused */
	char daemon_name[128];
	int can_skip;			/* SMFIP_SKIP negotiated */
	int can_chgfrom;		/* SMFIF_CHGFROM negotiated */
	int no_reply;			/* SMFIP_NR_HDR and _EOH negotiated */
	int nr_conn, nr_mail;		/* SMFIP_NR_CONN, SMFIP_NR_MAIL */
	int mail_failed;		/* MAIL FROM could not be taken in */
	struct msg *msg;
};

/* ---- small helpers ---- */

static void
count(enum counter k)
{
	atomic_fetch_add_explicit(&the_milter.counters[k], 1, memory_order_relaxed);
}

static void
count_n(enum counter k, unsigned long n)
{
	atomic_fetch_add_explicit(&the_milter.counters[k], n, memory_order_relaxed);
}

/*
 * The compiled settings for one callback, or NULL when stopping (the
 * caller answers the_milter.stopped_answer).  Pair with conf_put().
 */
static struct mconf *
conf_get(void)
{
	pthread_rwlock_rdlock(&the_milter.lock);
	if (the_milter.stopping) {
		pthread_rwlock_unlock(&the_milter.lock);
		return (NULL);
	}
	return (the_milter.conf);
}

static void
conf_put(void)
{
	pthread_rwlock_unlock(&the_milter.lock);
}

static double
elapsed_us(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return ((double)(t1.tv_sec - t0->tv_sec) * 1e6 +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e3);
}

static void
latency_add(const struct timespec *t0)
{
	double us = elapsed_us(t0);
	unsigned long u = us < 0 ? 0 : (unsigned long)us;
	size_t b = u < LAT_BUCKETS ? u : LAT_BUCKETS;

	atomic_fetch_add_explicit(&the_milter.latency[b], 1, memory_order_relaxed);
	unsigned long max = atomic_load_explicit(&the_milter.latency_max_us,
	    memory_order_relaxed);
	while (u > max && !atomic_compare_exchange_weak(&the_milter.latency_max_us,
	    &max, u))
		;
}

/*
 * The address inside "<...>", ESMTP parameters and an RFC 5321 source
 * route ("<@relay.example,@other.example:user@example.com>") left out:
 * the MTA hands the route to the filter as the client gave it but
 * delivers to the mailbox after it, so that is what is looked up.
 */
static void
bare_address(const char *arg, char *out, size_t outlen)
{
	while (*arg == ' ')
		arg++;
	if (*arg == '<') {
		arg++;
		size_t n = strcspn(arg, ">");
		if (*arg == '@') {
			const char *colon = memchr(arg, ':', n);
			if (colon != NULL) {
				n -= (size_t)(colon + 1 - arg);
				arg = colon + 1;
			}
		}
		util_strncpy0(out, outlen, arg, n);
	} else {
		util_strncpy0(out, outlen, arg, strcspn(arg, " "));
	}
}

static void
fold(const char *addr, char *out, size_t outlen)
{
	/* store_fold_address without a store folds the domain only. */
	store_fold_address(NULL, addr, out, outlen);
	if (the_milter.fold_all)
		util_lower(out);
}

static void
msg_free(struct msg *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->ndrop; i++)
		free(m->drop[i]);
	free(m->drop);
	free(m->buf);
	free(m);
}

static struct conn *
conn_get(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c == NULL && (c = calloc(1, sizeof(*c))) != NULL) {
		if (smfi_setpriv(ctx, c) != MI_SUCCESS) {
			free(c);
			return (NULL);
		}
	}
	return (c);
}

/* The current message, started when MAIL FROM was missed. */
static struct msg *
msg_get(struct conn *c)
{
	if (c->msg == NULL)
		c->msg = calloc(1, sizeof(struct msg));
	return (c->msg);
}

/* Append to the collected DSN; past max the message is marked too big. */
static void
collect(struct msg *m, size_t max, const void *p, size_t n)
{
	if (m->too_big)
		return;
	if (m->len + n > max) {
		m->too_big = 1;
		free(m->buf);
		m->buf = NULL;
		m->len = m->cap = 0;
		return;
	}
	if (m->len + n > m->cap) {
		size_t cap = m->cap ? m->cap : 16384;
		while (cap < m->len + n)
			cap *= 2;
		if (cap > max)
			cap = max;
		char *nb = realloc(m->buf, cap);
		if (nb == NULL) {
			/* Out of memory is treated as too big: parse nothing. */
			m->too_big = 1;
			free(m->buf);
			m->buf = NULL;
			m->len = m->cap = 0;
			count(C_ERRORS);
			return;
		}
		m->buf = nb;
		m->cap = cap;
	}
	memcpy(m->buf + m->len, p, n);
	m->len += n;
}

static int
is_bounce_address(const struct mconf *c, const char *addr)
{
	for (int i = 0; i < c->nbounce; i++)
		if (fnmatch(c->bounce[i], addr, FNM_CASEFOLD) == 0)
			return (1);
	return (0);
}

static int
in_scope(const struct mconf *c, const struct conn *cn, const struct msg *m)
{
	if (c->scope & SCOPE_ALL)
		return (1);
	if ((c->scope & SCOPE_AUTH) && m->auth)
		return (1);
	if ((c->scope & SCOPE_LOCAL) && cn->local)
		return (1);
	if ((c->scope & SCOPE_NETS) && cn->have_addr)
		for (int i = 0; i < c->nnets; i++)
			if (milter_net_match(&c->nets[i], &cn->addr))
				return (1);
	if ((c->scope & SCOPE_DAEMON) && cn->daemon_name[0])
		for (int i = 0; i < c->nnames; i++)
			if (strcmp(c->names[i], cn->daemon_name) == 0)
				return (1);
	return (0);
}

/*
 * The configured reply with %r (reason) and %d (date suppressed) filled
 * in.  For an SMTP reply (escape set) '%' is doubled, as Sendmail reads
 * reply text as a format and Postfix undoes the doubling; the tag
 * header is read by nobody who would, so there it stays single.
 */
static void
format_reply(const char *tmpl, const struct supset_hit *hit, int escape,
    char *out, size_t outlen)
{
	char date[32] = "";
	const char *reason = hit->reason != RB_REASON_UNDEFINED ?
	    taxonomy_reason_name(hit->reason) : taxonomy_category_name(hit->category);
	struct tm tm;
	size_t o = 0;

	if (hit->created > 0 && gmtime_r(&hit->created, &tm) != NULL)
		strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	else
		util_strlcpy(date, "unknown", sizeof(date));
	for (const char *p = tmpl; *p != '\0' && o + 3 < outlen; p++) {
		const char *ins = NULL;
		if (p[0] == '%' && p[1] == 'r')
			ins = reason;
		else if (p[0] == '%' && p[1] == 'd')
			ins = date;
		if (ins != NULL) {
			p++;
			for (; *ins != '\0' && o + 3 < outlen; ins++)
				if (*ins != '%' && *ins != '\r' && *ins != '\n')
					out[o++] = *ins;
			continue;
		}
		if (*p == '%') {
			out[o++] = '%';
			if (escape)
				out[o++] = '%';
			if (p[1] == '%')
				p++;
		} else if (*p != '\r' && *p != '\n')
			out[o++] = *p;
	}
	out[o] = '\0';
}

/* ---- per-provider counters ---- */

/*
 * Kept here under their own mutex, not sent to the loop thread: the
 * queue is bounded, and a stream of suppressed recipients while the
 * loop is held up (a locked or full database) filled it with these
 * and left no room for the records of the DSNs that came next.
 */
static pthread_mutex_t providers_mu = PTHREAD_MUTEX_INITIALIZER;

static void
provider_count(const char *provider, enum policy pol)
{
	pthread_mutex_lock(&providers_mu);
	if (the_milter.providers != NULL) {
		json_t *p = json_object_get(the_milter.providers, provider);
		if (p == NULL) {
			p = json_object();
			json_object_set_new(the_milter.providers, provider, p);
		}
		const char *k = milter_policy_names[pol];
		json_object_set_new(p, k, json_integer(
		    json_integer_value(json_object_get(p, k)) + 1));
	}
	pthread_mutex_unlock(&providers_mu);
}

/* ---- callbacks ---- */

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0, unsigned long *pf1,
    unsigned long *pf2, unsigned long *pf3)
{
	struct conn *c = conn_get(ctx);

	(void)f2;
	(void)f3;
	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_DELRCPT |
	    SMFIF_QUARANTINE | SMFIF_CHGFROM);
	/*
	 * Skip the events this filter has no use for.  DATA is kept: there a
	 * message with nothing to do at its end is accepted (cb_data).
	 */
	*pf1 = f1 & (SMFIP_SKIP | SMFIP_NOHELO | SMFIP_NOUNKNOWN);
	/*
	 * Headers are only looked at, never answered: when the MTA offers,
	 * it need not wait for a reply to each one (a round trip less per
	 * header, which is most of a milter's cost per message).
	 */
	unsigned long nr = SMFIP_NR_HDR | SMFIP_NR_EOH;
	if (c != NULL && (f1 & nr) == nr) {
		*pf1 |= nr;
		c->no_reply = 1;
	}
	/*
	 * Nor are connect and MAIL FROM ever refused: trouble there (no
	 * memory, a stopping milter) is answered at the first RCPT, which
	 * meets the same state.  Two round trips less per message.
	 */
	if (c != NULL && (f1 & SMFIP_NR_CONN)) {
		*pf1 |= SMFIP_NR_CONN;
		c->nr_conn = 1;
	}
	if (c != NULL && (f1 & SMFIP_NR_MAIL)) {
		*pf1 |= SMFIP_NR_MAIL;
		c->nr_mail = 1;
	}
	*pf2 = *pf3 = 0;
	if (c != NULL) {
		c->can_skip = (f1 & SMFIP_SKIP) != 0;
		c->can_chgfrom = (f0 & SMFIF_CHGFROM) != 0;
	}
	return (SMFIS_CONTINUE);
}

static sfsistat
cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
	struct conn *c = conn_get(ctx);
	struct mconf *cf = conf_get();
	sfsistat rc = SMFIS_CONTINUE;

	if (cf == NULL)
		return (c != NULL && c->nr_conn ? SMFIS_NOREPLY :
		    the_milter.stopped_answer);
	count(C_CONNECTIONS);
	if (c == NULL) {
		count(C_ERRORS);
		log_warnx("milter: connect=failed error=\"out of memory\"");
		rc = cf->on_error;
		goto done;
	}
	c->have_addr = 0;
	c->local = sa == NULL;
	if (sa != NULL && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(void *)sa;
		c->addr.af = AF_INET;
		memcpy(c->addr.addr, &in->sin_addr, 4);
		c->have_addr = 1;
		/*
		 * Postfix presents mail that did not come over SMTP
		 * (sendmail(1), non_smtpd_milters) as localhost, 127.0.0.1,
		 * port 0.
		 */
		c->local = in->sin_port == 0 &&
		    in->sin_addr.s_addr == htonl(INADDR_LOOPBACK) &&
		    hostname != NULL && strcmp(hostname, "localhost") == 0;
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(void *)sa;
		c->addr.af = AF_INET6;
		memcpy(c->addr.addr, &in6->sin6_addr, 16);
		c->have_addr = 1;
	}
	const char *dn = smfi_getsymval(ctx, "{daemon_name}");
	util_strlcpy(c->daemon_name, dn ? dn : "", sizeof(c->daemon_name));
done:
	conf_put();
	return (c != NULL && c->nr_conn ? SMFIS_NOREPLY : rc);
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);
	struct mconf *cf = conf_get();
	sfsistat rc = SMFIS_CONTINUE;

	if (cf == NULL)
		return (c != NULL && c->nr_mail ? SMFIS_NOREPLY :
		    the_milter.stopped_answer);
	if (c == NULL) {
		count(C_ERRORS);
		rc = cf->on_error;
		goto done;
	}
	/* A new transaction on a reused connection starts clean. */
	msg_free(c->msg);
	c->msg = NULL;
	struct msg *m = msg_get(c);
	if (m == NULL) {
		count(C_ERRORS);
		rc = cf->on_error;
		goto done;
	}
	count(C_MESSAGES);
	char from[RB_ADDR_MAX];
	bare_address(argv[0] ? argv[0] : "", from, sizeof(from));
	m->null_sender = from[0] == '\0';
	m->dsn = m->null_sender;
	const char *auth = smfi_getsymval(ctx, "{auth_authen}");
	m->auth = auth != NULL && auth[0] != '\0';
	/* Signed once: a sender that already carries a tag keeps it. */
	if (cf->batv_sign && !m->null_sender && batv_strip(from) == from &&
	    strchr(from, '@') != NULL && in_scope(cf, c, m))
		util_strlcpy(m->sign_from, from, sizeof(m->sign_from));
done:
	conf_put();
	if (c != NULL && c->nr_mail) {
		/* Unanswered here: the first RCPT gives the answer. */
		c->mail_failed = rc != SMFIS_CONTINUE;
		return (SMFIS_NOREPLY);
	}
	return (rc);
}

/* Append to a header value, keeping it under HDR_MAX. */
static void
hdr_add(char *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
hdr_add(char *h, const char *fmt, ...)
{
	size_t l = strlen(h);
	va_list ap;

	if (l + 1 >= HDR_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(h + l, HDR_MAX - l, fmt, ap);
	va_end(ap);
}

/* Apply the policy to one suppressed, in-scope recipient. */
static sfsistat
apply_policy(SMFICTX *ctx, const struct mconf *cf, struct conn *c,
    struct msg *m, const char *addr, const struct supset_hit *hit)
{
	enum policy pol = cf->policy;
	char text[1024];

	/*
	 * Postfix treats a refused recipient of mail that did not come over
	 * SMTP as a configuration error: drop it there instead.
	 */
	if (c->local && (pol == POL_REJECT || pol == POL_TEMPFAIL))
		pol = POL_DROP;
	format_reply(cf->reply_text, hit, pol == POL_REJECT ||
	    pol == POL_TEMPFAIL, text, sizeof(text));
	provider_count(cf->cl ? classifier_provider(cf->cl, addr, NULL) :
	    "other", pol);
	log_info("milter: rcpt=<%s> policy=%s reason=%s category=%s",
	    addr, milter_policy_names[pol], taxonomy_reason_name(hit->reason),
	    taxonomy_category_name(hit->category));
	switch (pol) {
	case POL_REJECT:
	case POL_TEMPFAIL: {
		char code[4], xcode[RB_ENHANCED_MAX];
		char digit = pol == POL_REJECT ? '5' : '4';
		memcpy(code, cf->reply_code, sizeof(code));
		util_strlcpy(xcode, cf->reply_xcode, sizeof(xcode));
		code[0] = digit;
		if (xcode[0] != '\0')
			xcode[0] = digit;
		count(pol == POL_REJECT ? C_REJECTED : C_TEMPFAILED);
		if (smfi_setreply(ctx, code, xcode[0] ? xcode : NULL, text) != MI_SUCCESS)
			count(C_ERRORS);
		return (pol == POL_REJECT ? SMFIS_REJECT : SMFIS_TEMPFAIL);
	}
	case POL_TAG: {
		count(C_TAGGED);
		size_t l = strlen(m->tag);
		if (m->ntag < TAG_NAMED_MAX && l + strlen(addr) + strlen(text) + 8 < sizeof(m->tag))
			hdr_add(m->tag, "%s<%s> %s", l ? ",\n\t" : "", addr, text);
		m->ntag++;
		return (SMFIS_CONTINUE);
	}
	case POL_DROP:
		if (m->ndrop == m->capdrop) {
			size_t cap = m->capdrop ? m->capdrop * 2 : 8;
			char **nd = realloc(m->drop, cap * sizeof(*nd));
			if (nd == NULL) {
				count(C_ERRORS);
				return (cf->on_error == SMFIS_TEMPFAIL ?
				    SMFIS_TEMPFAIL : SMFIS_CONTINUE);
			}
			m->drop = nd;
			m->capdrop = cap;
		}
		/*
		 * The address without a source route: the MTA keeps the
		 * recipient so, and removes only one it finds.
		 */
		char arg[RB_ADDR_MAX + 2];
		snprintf(arg, sizeof(arg), "<%s>", addr);
		if ((m->drop[m->ndrop] = strdup(arg)) == NULL) {
			count(C_ERRORS);
			return (cf->on_error == SMFIS_TEMPFAIL ?
			    SMFIS_TEMPFAIL : SMFIS_CONTINUE);
		}
		m->ndrop++;
		count(C_DROPPED);
		return (SMFIS_CONTINUE);
	}
	return (SMFIS_CONTINUE);
}

/*
 * A recipient with a prvs= tag: a valid one makes the message a returning
 * DSN and says which of its records it vouches for.
 */
static void
batv_check(const struct mconf *cf, struct msg *m, const char *addr,
    const char *plain)
{
	enum batv_result r = batv_verify(&cf->batv, addr, batv_day(time(NULL)),
	    cf->batv_max_age, NULL, 0);
	char rcpt[RB_ADDR_MAX];

	if (r != BATV_VALID) {
		log_info("milter: rcpt=<%s> batv=%s", addr, batv_result_name(r));
		if (m->batv == 0) {
			m->batv = -1;
			m->batv_why = r;
		}
		return;
	}
	m->dsn = 1;
	/* A signed VERP address vouches for the recipient it names only. */
	if (dsn_verp_recipient(&cf->dopt, plain, rcpt, sizeof(rcpt))) {
		if (m->batv_rcpt[0] == '\0')
			util_strlcpy(m->batv_rcpt, rcpt, sizeof(m->batv_rcpt));
	} else
		m->batv_all = 1;
	m->batv = 1;
	m->batv_why = r;
}

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct timespec t0;
	struct conn *c = conn_get(ctx);
	struct mconf *cf;
	sfsistat rc = SMFIS_CONTINUE;
	char addr[RB_ADDR_MAX], folded[RB_ADDR_MAX];
	struct supset_hit hit;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((cf = conf_get()) == NULL)
		return (the_milter.stopped_answer);
	struct msg *m = c && !c->mail_failed ? msg_get(c) : NULL;
	if (m == NULL) {
		count(C_ERRORS);
		rc = cf->on_error;
		goto done;
	}
	count(C_RECIPIENTS);
	m->nrcpt++;
	bare_address(argv[0] ? argv[0] : "", addr, sizeof(addr));
	const char *plain = batv_strip(addr);
	if (plain != addr && cf->batv.nkeys > 0)
		batv_check(cf, m, addr, plain);
	if (cf->nbounce > 0 && (is_bounce_address(cf, addr) ||
	    (plain != addr && is_bounce_address(cf, plain))))
		m->dsn = 1;
	fold(addr, folded, sizeof(folded));
	if (folded[0] == '\0' || !supset_lookup(the_milter.set, folded, &hit))
		goto done;
	count(C_SUPPRESSED);
	if (!in_scope(cf, c, m)) {
		count(C_OUT_OF_SCOPE);
		goto done;
	}
	rc = apply_policy(ctx, cf, c, m, addr, &hit);
	if (rc != SMFIS_CONTINUE)
		m->nrcpt--;	/* not part of the message */
done:
	conf_put();
	latency_add(&t0);
	return (rc);
}

/*
 * At DATA: a message with nothing left to do at its end is accepted here,
 * so the MTA sends none of its header fields, body or end of message:
 * each field was a packet of the milter protocol, and together they were
 * most of its cost per message.  What needs them: a DSN (its content, and
 * a verdict header of ours that came from outside removed), a recipient
 * to drop, a sender to sign, and under the tag policy every message (a
 * tag header that came from outside is removed even where none is added,
 * as what reads the tag downstream trusts it).
 */
static sfsistat
cb_data(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);
	struct mconf *cf = conf_get();
	sfsistat rc = SMFIS_CONTINUE;

	if (cf == NULL)
		return (the_milter.stopped_answer);
	struct msg *m = c ? c->msg : NULL;
	if (m != NULL && !m->dsn && m->ndrop == 0 && m->ntag == 0 &&
	    m->sign_from[0] == '\0' && cf->policy != POL_TAG) {
		msg_free(c->msg);
		c->msg = NULL;
		rc = SMFIS_ACCEPT;
	}
	conf_put();
	return (rc);
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn *c = smfi_getpriv(ctx);
	struct mconf *cf = conf_get();
	sfsistat done = c != NULL && c->no_reply ? SMFIS_NOREPLY : SMFIS_CONTINUE;

	if (cf == NULL)
		return (c != NULL && c->no_reply ? SMFIS_NOREPLY : the_milter.stopped_answer);
	struct msg *m = c ? c->msg : NULL;
	if (m != NULL && name != NULL) {
		if (strcasecmp(name, VERDICT_HEADER) == 0)
			m->own_headers[0]++;
		else if (strcasecmp(name, cf->tag_header) == 0)
			m->own_headers[1]++;
		if (m->dsn) {
			collect(m, cf->max_body, name, strlen(name));
			collect(m, cf->max_body, ": ", 2);
			collect(m, cf->max_body, value ? value : "", value ? strlen(value) : 0);
			collect(m, cf->max_body, "\r\n", 2);
		}
	}
	conf_put();
	return (done);
}

static sfsistat
cb_eoh(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);
	struct mconf *cf = conf_get();
	sfsistat done = c != NULL && c->no_reply ? SMFIS_NOREPLY : SMFIS_CONTINUE;

	if (cf == NULL)
		return (c != NULL && c->no_reply ? SMFIS_NOREPLY : the_milter.stopped_answer);
	if (c != NULL && c->msg != NULL && c->msg->dsn)
		collect(c->msg, cf->max_body, "\r\n", 2);
	conf_put();
	return (done);
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct conn *c = smfi_getpriv(ctx);
	struct mconf *cf = conf_get();
	sfsistat rc = SMFIS_CONTINUE;

	if (cf == NULL)
		return (the_milter.stopped_answer);
	struct msg *m = c ? c->msg : NULL;
	if (m != NULL && m->dsn)
		collect(m, cf->max_body, chunk, len);
	/* Nothing more to read: ask the MTA to send no more body. */
	if (c != NULL && c->can_skip && (m == NULL || !m->dsn || m->too_big))
		rc = SMFIS_SKIP;
	conf_put();
	return (rc);
}

/* ---- DSN verification on the loop thread ---- */

struct dsn_job {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int refs;
	int done;
	int stored;			/* 0 queued for the store, -1 not */
	struct evqueue *q;
	int require_verified;
	size_t n;
	struct rb_outcome_rec *recs;
	char *verified;			/* per record: 1 matched mail sent here, 2 tag */
	int batv_all;			/* a plain valid tag (see batv_vouches) */
	char batv_rcpt[RB_ADDR_MAX];	/* or for this recipient's */
};

static void
job_unref(struct dsn_job *j)
{
	pthread_mutex_lock(&j->mu);
	int left = --j->refs;
	pthread_mutex_unlock(&j->mu);
	if (left > 0)
		return;
	pthread_mutex_destroy(&j->mu);
	pthread_cond_destroy(&j->cv);
	free(j->recs);
	free(j->verified);
	free(j);
}

/*
 * Does the job's valid tag vouch for rcpt?  A signed VERP address names
 * its recipient.  A plain tag proves only that the bounce answers mail
 * from here, and whoever received such mail holds one for batv_max_age:
 * a report to it naming any address would suppress that address.  So it
 * vouches for recipients the log shows mail to, whatever the message.
 */
static int
batv_vouches(const struct dsn_job *j, struct store *st, const char *rcpt)
{
	if (rcpt[0] == '\0')
		return (0);
	if (j->batv_rcpt[0] != '\0' && strcasecmp(rcpt, j->batv_rcpt) == 0)
		return (1);
	return (j->batv_all && store_sent_to(st, rcpt) == 1);
}

/*
 * 2 when a tag vouches for rcpt, 1 when mail to rcpt with the report's
 * Message-ID or queue ID was sent from here, else 0.
 */
static int
vouched(const struct dsn_job *j, struct store *st,
    const struct rb_outcome_rec *r, const char *rcpt)
{
	if (batv_vouches(j, st, rcpt))
		return (2);
	return (rcpt[0] != '\0' && store_sent_match(st, rcpt, r->message_id,
	    r->queue_id) == 1);
}

/*
 * Loop thread: a record is verified by a valid tag that vouches for it or
 * by matching mail sent from here; then store.
 */
static void
job_run(void *item, struct store *st)
{
	struct dsn_job *j = item;

	j->stored = -1;
	if (st != NULL) {
		for (size_t i = 0; i < j->n; i++) {
			struct rb_outcome_rec *r = &j->recs[i];
			int ok = vouched(j, st, r, r->recipient);
			/*
			 * Only the original recipient was mailed from here (a
			 * forward at the far end, or a forger who names one
			 * recipient he got mail for and another he wants
			 * suppressed): the record is about the address that
			 * was mailed.  Vouching for the final recipient, that
			 * match let any recipient suppress anyone.
			 */
			if (!ok && r->orig_recipient[0] != '\0' &&
			    strcasecmp(r->orig_recipient, r->recipient) != 0 &&
			    (ok = vouched(j, st, r, r->orig_recipient)) != 0) {
				util_strlcpy(r->recipient, r->orig_recipient,
				    sizeof(r->recipient));
				outcome_make_key(r);
			}
			j->verified[i] = (char)ok;
			count(ok ? C_DSN_VERIFIED : C_DSN_UNVERIFIED);
			if (ok == 2)
				count(C_DSN_VERIFIED_BATV);
			if (!ok && j->require_verified) {
				/* Recorded for the operator; changes nothing. */
				r->v.action = RB_ACTION_NONE;
				r->unverified = 1;
				char t[RB_TEXT_MAX];
				/* Cut to the field, as outcomes are. */
				if (snprintf(t, sizeof(t), "unverified: %s", r->text) < 0)
					t[0] = '\0';
				util_strlcpy(r->text, t, sizeof(r->text));
			}
		}
		/*
		 * Committed here, on the loop's thread, before the milter
		 * answers: a DSN may be discarded or held only once its
		 * records are on disk.  Queued behind a store that refuses
		 * them (a full disk), they are kept and retried, and the DSN
		 * is delivered as it came.
		 */
		j->stored = evqueue_apply_now(j->q, j->recs, j->n);
		if (j->stored < 0) {
			count(C_QUEUE_FULL);
			log_warnx("milter: dsn=not-recorded records=%zu error=\"queue full\"", j->n);
		}
	}
	pthread_mutex_lock(&j->mu);
	j->done = 1;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
	job_unref(j);
}

/*
 * Parse the collected DSN, have the loop thread verify and record it, and
 * write the verdict into hdr.  Returns 1 when records were recorded and
 * the message is a failure report, which milter_dsn_action may discard or
 * hold.
 * Called with the read lock held; releases it before waiting for the loop
 * thread and leaves it released (*locked = 0).  Returns 0 as well when the
 * loop did not answer in time or could not take the records: the caller
 * then delivers the DSN instead of discarding or holding it.
 */
static int
dsn_take(struct mconf *cf, struct msg *m, char *hdr, int *locked)
{
	struct dsn_result res;
	struct classify_scratch *scratch;
	enum dsn_status ds;

	count(C_DSN_MESSAGES);
	if (m->batv < 0)
		count(C_DSN_BATV_INVALID);
	if (m->too_big) {
		count(C_DSN_TOO_BIG);
		hdr_add(hdr, "not-parsed reason=too-big limit=%zu", cf->max_body);
		return (0);
	}
	if ((scratch = classify_scratch_new(cf->cl)) == NULL) {
		count(C_ERRORS);
		hdr_add(hdr, "not-parsed reason=no-memory");
		return (0);
	}
	dsn_result_init(&res);
	ds = dsn_parse(m->buf ? m->buf : "", m->len, &cf->dopt, cf->cl, scratch, &res);
	classify_scratch_free(scratch);
	if (ds != DSN_OK) {
		count(ds == DSN_NOT_BOUNCE ? C_DSN_NOT_BOUNCE : C_DSN_UNPARSED);
		hdr_add(hdr, "%s reason=%s", ds == DSN_NOT_BOUNCE ? "not-a-bounce" :
		    "not-parsed", dsn_strerror(ds));
		dsn_result_free(&res);
		return (0);
	}
	struct dsn_job *j = calloc(1, sizeof(*j));
	if (j == NULL || (j->recs = calloc(res.n, sizeof(*j->recs))) == NULL ||
	    (j->verified = calloc(res.n, 1)) == NULL) {
		if (j != NULL) {
			free(j->recs);
			free(j);
		}
		count(C_ERRORS);
		hdr_add(hdr, "not-recorded reason=no-memory");
		dsn_result_free(&res);
		return (0);
	}
	time_t now = time(NULL);
	for (size_t i = 0; i < res.n; i++) {
		if (dsn_record_outcome(&res.rec[i], now, &j->recs[i]))
			count(C_DSN_MISDATED);
		/* These point into the classifier, which a reload may free. */
		j->recs[i].v.fix = NULL;
		j->recs[i].v.rule = NULL;
	}
	j->n = res.n;
	count_n(C_DSN_RECORDS, res.n);
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->cv, NULL);
	j->refs = 2;
	j->q = the_milter.q;
	j->require_verified = cf->require_verified;
	j->batv_all = m->batv > 0 && m->batv_all;
	if (m->batv > 0)
		util_strlcpy(j->batv_rcpt, m->batv_rcpt, sizeof(j->batv_rcpt));
	hdr_add(hdr, "dsn format=%s records=%zu", res.format, res.n);
	int truncated = res.truncated;
	dsn_result_free(&res);
	if (evqueue_push(the_milter.q, job_run, j) != 0) {
		count(C_QUEUE_FULL);
		job_unref(j);
		job_unref(j);
		hdr_add(hdr, " recorded=no reason=queue-full");
		return (0);
	}
	/* Never hold the lock while waiting for the loop thread. */
	conf_put();
	*locked = 0;
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += VERIFY_WAIT_MS / 1000;
	dl.tv_nsec += (VERIFY_WAIT_MS % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&j->mu);
	while (!j->done)
		if (pthread_cond_timedwait(&j->cv, &j->mu, &dl) == ETIMEDOUT)
			break;
	int done = j->done;
	pthread_mutex_unlock(&j->mu);
	if (!done) {
		hdr_add(hdr, " verified=pending");
	} else {
		size_t nv = 0;
		for (size_t i = 0; i < j->n; i++)
			nv += j->verified[i] != 0;
		hdr_add(hdr, " verified=%zu unverified=%zu%s", nv, j->n - nv,
		    j->stored == 0 ? "" : j->stored > 0 ? " recorded=queued" :
		    " recorded=no");
	}
	if (m->batv != 0)
		hdr_add(hdr, " batv=%s", batv_result_name(m->batv_why));
	for (size_t i = 0; i < j->n && i < HDR_RECORDS_MAX; i++) {
		const struct rb_outcome_rec *r = &j->recs[i];
		hdr_add(hdr, ";\n\trcpt=<%s> status=%s reason=%s category=%s action=%s%s",
		    r->recipient, r->v.enhanced[0] ? r->v.enhanced : (r->dsn[0] ? r->dsn : "-"),
		    taxonomy_reason_name(r->v.reason),
		    taxonomy_category_name(r->v.category),
		    taxonomy_action_name(r->v.action),
		    !done ? "" : j->verified[i] == 2 ? " verified=batv" :
		    j->verified[i] ? " verified=yes" : " verified=no");
	}
	if (j->n > HDR_RECORDS_MAX || truncated)
		hdr_add(hdr, ";\n\t(more not shown)");
	/*
	 * Only a DSN whose records the store has committed may be discarded
	 * or held: one the loop has not answered for in time, or could only
	 * queue, is delivered as it came rather than lost.
	 */
	int taken = done && j->stored == 0;
	/*
	 * A success notice (NOTIFY=SUCCESS) or an out-of-office reply is
	 * recorded like a bounce but was meant for a person: it is
	 * delivered whatever milter_dsn_action says.
	 */
	int notice = 0;
	for (size_t i = 0; i < j->n; i++)
		if (j->recs[i].v.outcome == RB_OUTCOME_DELIVERED ||
		    j->recs[i].v.outcome == RB_OUTCOME_AUTOREPLY)
			notice = 1;
	if (notice)
		hdr_add(hdr, ";\n\t(a notice for the sender: delivered)");
	log_info("milter: dsn=recorded records=%zu%s%s%s%s", j->n,
	    done ? "" : " verified=pending", taken ? "" : " taken=no",
	    notice ? " notice=yes" : "", truncated ? " truncated=yes" : "");
	job_unref(j);
	return (taken && !notice);
}

/* Replace the envelope sender with its signed form. */
static void
sign_sender(SMFICTX *ctx, const struct mconf *cf, const struct conn *c,
    const struct msg *m)
{
	static atomic_int warned;
	char signed_from[RB_ADDR_MAX + BATV_PREFIX_LEN], arg[sizeof(signed_from) + 2];

	if (!c->can_chgfrom) {
		/* The MTA's setup, not this message: say so once. */
		if (atomic_exchange(&warned, 1) == 0)
			log_warnx("milter: batv=not-signed error=\"the MTA does not "
			    "let milters change the sender (SMFIF_CHGFROM)\"");
		return;
	}
	if (batv_sign(&cf->batv, m->sign_from, batv_day(time(NULL)),
	    cf->batv_max_age, signed_from, sizeof(signed_from)) != 0) {
		/* Too long to carry a tag: sent as it came. */
		log_info("milter: from=<%s> batv=not-signed error=\"too long\"",
		    m->sign_from);
		return;
	}
	snprintf(arg, sizeof(arg), "<%s>", signed_from);
	if (smfi_chgfrom(ctx, arg, NULL) != MI_SUCCESS) {
		count(C_ERRORS);
		return;
	}
	count(C_BATV_SIGNED);
	log_debug("milter: from=<%s> batv=signed", m->sign_from);
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);
	struct mconf *cf = conf_get();
	sfsistat rc = SMFIS_CONTINUE;
	int locked = 1;

	if (cf == NULL)
		return (the_milter.stopped_answer);
	struct msg *m = c ? c->msg : NULL;
	if (m == NULL)
		goto done;
	/* Headers that look like ours but come from outside go first. */
	for (int i = m->own_headers[0]; i > 0; i--)
		smfi_chgheader(ctx, VERDICT_HEADER, i, NULL);
	for (int i = m->own_headers[1]; i > 0; i--)
		smfi_chgheader(ctx, cf->tag_header, i, NULL);
	for (size_t i = 0; i < m->ndrop; i++)
		if (smfi_delrcpt(ctx, m->drop[i]) != MI_SUCCESS)
			count(C_ERRORS);
	if (m->ndrop > 0 && m->ndrop >= m->nrcpt) {
		/* Every recipient was dropped: nothing left to deliver. */
		rc = SMFIS_DISCARD;
		goto done;
	}
	if (m->sign_from[0] != '\0')
		sign_sender(ctx, cf, c, m);
	if (m->ntag > 0) {
		if (m->ntag > TAG_NAMED_MAX)
			hdr_add(m->tag, ",\n\t(%zu more)", m->ntag - TAG_NAMED_MAX);
		if (smfi_addheader(ctx, cf->tag_header, m->tag) != MI_SUCCESS)
			count(C_ERRORS);
	}
	if (m->dsn) {
		char hdr[HDR_MAX] = "";
		enum dsn_act act = cf->dsn_action;
		int recorded = dsn_take(cf, m, hdr, &locked);
		/* cf may be gone now: only hdr, act and ctx from here. */
		if (smfi_addheader(ctx, VERDICT_HEADER, hdr) != MI_SUCCESS)
			count(C_ERRORS);
		if (recorded && act == DSNA_DISCARD) {
			count(C_DSN_DISCARDED);
			rc = SMFIS_DISCARD;
		} else if (recorded && act == DSNA_QUARANTINE) {
			count(C_DSN_QUARANTINED);
			if (smfi_quarantine(ctx, "rebound: DSN recorded") != MI_SUCCESS)
				count(C_ERRORS);
		}
	}
done:
	if (c != NULL) {
		msg_free(c->msg);
		c->msg = NULL;
	}
	if (locked)
		conf_put();
	return (rc);
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL) {
		msg_free(c->msg);
		c->msg = NULL;
	}
	return (SMFIS_CONTINUE);
}

static sfsistat
cb_close(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL) {
		msg_free(c->msg);
		free(c);
		smfi_setpriv(ctx, NULL);
	}
	return (SMFIS_CONTINUE);
}

/* ---- life cycle ---- */

/*
 * libmilter's signal thread (see the top of the file) calls this rather
 * than the C library's sigwait(): it waits for ever, the signals still
 * blocked in its thread, so that they reach the loop thread.  Other sets
 * are waited for as sigwait() would.
 */
int
sigwait(const sigset_t *set, int *sig)
{
	if (sigismember(set, SIGHUP) == 1 || sigismember(set, SIGTERM) == 1 ||
	    sigismember(set, SIGINT) == 1)
		for (;;)
			pause();
	int r;
	while ((r = sigwaitinfo(set, NULL)) < 0 && errno == EINTR)
		;
	if (r < 0)
		return (errno);
	*sig = r;
	return (0);
}

static void *
milter_main(void *arg)
{
	(void)arg;
	int r = smfi_main();
	atomic_store(&the_milter.running, 0);
	pthread_rwlock_rdlock(&the_milter.lock);
	int stopping = the_milter.stopping;
	pthread_rwlock_unlock(&the_milter.lock);
	if (!stopping)
		log_warnx("milter: stopped=unexpectedly result=%d (mail flows "
		    "without it until reboundd restarts)", r);
	return (NULL);
}

struct milter *
milter_start(const struct rb_settings *cfg, struct supset *set,
    struct evqueue *q, const struct classifier *cl, char *err, size_t errlen)
{
	struct milter *m = &the_milter;
	static struct smfiDesc desc = {
		.xxfi_name = "rebound",
		.xxfi_version = SMFI_VERSION,
		/*
		 * Headers: the verdict, the tag; recipients dropped; held
		 * DSNs; the sender signed (asked for only when offered).
		 */
		.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_DELRCPT |
		    SMFIF_QUARANTINE | SMFIF_CHGFROM,
		.xxfi_connect = cb_connect,
		.xxfi_envfrom = cb_envfrom,
		.xxfi_envrcpt = cb_envrcpt,
		.xxfi_data = cb_data,
		.xxfi_header = cb_header,
		.xxfi_eoh = cb_eoh,
		.xxfi_body = cb_body,
		.xxfi_eom = cb_eom,
		.xxfi_abort = cb_abort,
		.xxfi_close = cb_close,
		.xxfi_negotiate = cb_negotiate,
	};

	if (started) {
		snprintf(err, errlen, "milter: already started (one per process)");
		return (NULL);
	}
	struct mconf *c = milter_conf_compile(cfg, cl, err, errlen);
	if (c == NULL)
		return (NULL);
	dsn_init();
	pthread_rwlockattr_t ra;
	pthread_rwlockattr_init(&ra);
	/* A reload must not wait behind a steady stream of callbacks. */
	pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&m->lock, &ra);
	pthread_rwlockattr_destroy(&ra);
	m->conf = c;
	m->set = set;
	m->q = q;
	m->stopping = 0;
	m->fold_all = cfg->store.fold == STORE_FOLD_ALL;
	m->providers = json_object();
	util_strlcpy(m->conn, cfg->milter_socket, sizeof(m->conn));
	if (smfi_register(desc) != MI_SUCCESS ||
	    smfi_setconn(m->conn) != MI_SUCCESS) {
		snprintf(err, errlen, "milter: cannot register with libmilter");
		goto fail;
	}
	if (smfi_opensocket(1) != MI_SUCCESS) {
		snprintf(err, errlen, "milter: cannot listen on %s", m->conn);
		goto fail;
	}
	const char *path = strncmp(m->conn, "unix:", 5) == 0 ? m->conn + 5 :
	    strncmp(m->conn, "local:", 6) == 0 ? m->conn + 6 : NULL;
	/* The MTA's user reaches it through the group (see reboundd(8)). */
	if (path != NULL && chmod(path, 0660) != 0)
		log_warn("milter: chmod %s", path);
	atomic_store(&m->running, 1);
	if (pthread_create(&m->thread, NULL, milter_main, NULL) != 0) {
		snprintf(err, errlen, "milter: cannot start its thread");
		atomic_store(&m->running, 0);
		goto fail;
	}
	started = 1;
	log_info("milter: socket=%s policy=%s scope=\"%s\"", m->conn,
	    cfg->milter_policy, cfg->milter_scope);
	return (m);
fail:
	milter_conf_free(m->conf);
	m->conf = NULL;
	json_decref(m->providers);
	m->providers = NULL;
	pthread_rwlock_destroy(&m->lock);
	return (NULL);
}

int
milter_reconfigure(struct milter *m, const struct rb_settings *cfg,
    const struct classifier *cl, char *err, size_t errlen)
{
	struct mconf *c = milter_conf_compile(cfg, cl, err, errlen);

	if (c == NULL)
		return (-1);
	if (strcmp(cfg->milter_socket, m->conn) != 0)
		log_warnx("config: milter_socket changes take effect at restart");
	pthread_rwlock_wrlock(&m->lock);
	struct mconf *old = m->conf;
	m->conf = c;
	pthread_rwlock_unlock(&m->lock);
	milter_conf_free(old);
	return (0);
}

json_t *
milter_status(struct milter *m)
{
	json_t *o = json_object();
	unsigned long lat[LAT_BUCKETS + 1], total = 0;

	json_object_set_new(o, "socket", json_string(m->conn));
	json_object_set_new(o, "running", json_boolean(atomic_load(&m->running)));
	for (int i = 0; i < C__COUNT; i++)
		json_object_set_new(o, counter_names[i], json_integer(
		    (json_int_t)atomic_load_explicit(&m->counters[i], memory_order_relaxed)));
	for (size_t i = 0; i <= LAT_BUCKETS; i++) {
		lat[i] = atomic_load_explicit(&m->latency[i], memory_order_relaxed);
		total += lat[i];
	}
	/* Percentiles as the upper edge of their 1 us bucket. */
	json_t *l = json_object();
	static const struct { const char *name; double q; } pct[] = {
		{ "p50_us", 0.50 }, { "p99_us", 0.99 }, { "p999_us", 0.999 },
	};
	for (size_t k = 0; k < sizeof(pct) / sizeof(pct[0]); k++) {
		unsigned long want = (unsigned long)(pct[k].q * (double)total + 0.999999);
		unsigned long seen = 0;
		json_int_t v = 0;
		for (size_t i = 0; i <= LAT_BUCKETS && total > 0; i++) {
			seen += lat[i];
			if (seen >= want) {
				v = i < LAT_BUCKETS ? (json_int_t)i + 1 :
				    (json_int_t)atomic_load(&m->latency_max_us);
				break;
			}
		}
		json_object_set_new(l, pct[k].name, json_integer(v));
	}
	json_object_set_new(l, "max_us", json_integer((json_int_t)atomic_load(&m->latency_max_us)));
	json_object_set_new(l, "samples", json_integer((json_int_t)total));
	json_object_set_new(o, "rcpt_latency", l);
	pthread_mutex_lock(&providers_mu);
	json_object_set_new(o, "providers", m->providers ?
	    json_deep_copy(m->providers) : json_object());
	pthread_mutex_unlock(&providers_mu);
	return (o);
}

void
milter_stop(struct milter *m)
{
	if (m == NULL || !started)
		return;
	pthread_rwlock_wrlock(&m->lock);
	m->stopping = 1;
	m->stopped_answer = m->conf->on_error;
	milter_conf_free(m->conf);
	m->conf = NULL;
	m->set = NULL;
	m->q = NULL;
	pthread_rwlock_unlock(&m->lock);
	smfi_stop();
	/*
	 * libmilter notices the stop at its next poll (up to 5 s): wait a
	 * little, then leave the thread to finish on its own; it touches
	 * nothing of ours any more.
	 */
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 1;
	if (pthread_timedjoin_np(m->thread, NULL, &dl) != 0)
		pthread_detach(m->thread);
	pthread_mutex_lock(&providers_mu);
	json_decref(m->providers);
	m->providers = NULL;
	pthread_mutex_unlock(&providers_mu);
	log_info("milter: stopped=yes");
}
