/*
 * logproc.c - queue correlation and classification of log lines (see
 * logproc.h).
 *
 * The queue table is a chained hash keyed by queue ID; each entry owns one
 * allocation holding its strings.  Entries also sit on a list in order of
 * last use, so idle and excess entries are evicted from its head in O(1).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "logline.h"
#include "logproc.h"
#include "util.h"

struct qentry {
	struct qentry *hnext;		/* hash chain */
	struct qentry *older, *newer;	/* use order */
	time_t last;
	long size;
	char qid[RB_QUEUEID_MAX];
	char *sender, *msgid, *client, *sasl;
};

struct logproc {
	const struct classifier *cl;
	struct classify_scratch *scratch;
	struct logproc_options opt;
	struct logproc_stats st;
	struct qentry **buckets;
	size_t nbuckets;
	struct qentry *oldest, *newest;
	struct rb_outcome_rec rec;	/* reused for every outcome */
};

void
logproc_options_default(struct logproc_options *o)
{
	o->idle_timeout = 3600;
	o->max_entries = 200000;
	o->max_line = 64 * 1024;
}

struct logproc *
logproc_new(const struct classifier *cl, const struct logproc_options *opt)
{
	struct logproc *lp = calloc(1, sizeof(*lp));

	if (lp == NULL)
		return (NULL);
	lp->cl = cl;
	if (opt != NULL)
		lp->opt = *opt;
	else
		logproc_options_default(&lp->opt);
	lp->nbuckets = 1;
	while (lp->nbuckets < lp->opt.max_entries && lp->nbuckets < (1u << 22))
		lp->nbuckets <<= 1;
	lp->buckets = calloc(lp->nbuckets, sizeof(*lp->buckets));
	lp->scratch = classify_scratch_new(cl);
	if (lp->buckets == NULL || lp->scratch == NULL) {
		logproc_free(lp);
		return (NULL);
	}
	return (lp);
}

static void
entry_free(struct qentry *e)
{
	free(e->sender);
	free(e->msgid);
	free(e->client);
	free(e->sasl);
	free(e);
}

void
logproc_free(struct logproc *lp)
{
	if (lp == NULL)
		return;
	for (struct qentry *e = lp->oldest, *n; e != NULL; e = n) {
		n = e->newer;
		entry_free(e);
	}
	free(lp->buckets);
	classify_scratch_free(lp->scratch);
	free(lp);
}

static size_t
hash_qid(const char *p, size_t n, size_t nb)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return ((size_t)(h & (nb - 1)));
}

static void
unlink_use(struct logproc *lp, struct qentry *e)
{
	if (e->older)
		e->older->newer = e->newer;
	else
		lp->oldest = e->newer;
	if (e->newer)
		e->newer->older = e->older;
	else
		lp->newest = e->older;
	e->older = e->newer = NULL;
}

static void
push_newest(struct logproc *lp, struct qentry *e)
{
	e->older = lp->newest;
	e->newer = NULL;
	if (lp->newest)
		lp->newest->newer = e;
	else
		lp->oldest = e;
	lp->newest = e;
}

static void
remove_entry(struct logproc *lp, struct qentry *e)
{
	size_t b = hash_qid(e->qid, strlen(e->qid), lp->nbuckets);
	struct qentry **pp = &lp->buckets[b];

	while (*pp != NULL && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp == e)
		*pp = e->hnext;
	unlink_use(lp, e);
	entry_free(e);
	lp->st.queued--;
}

static struct qentry *
lookup(struct logproc *lp, struct slice qid, int create, time_t t)
{
	size_t b;
	struct qentry *e;

	/*
	 * The key is stored whole or not at all: a truncated or NUL-holding
	 * id would hash differently once stored and never be found again.
	 * Real queue ids are far shorter; such a line is simply not
	 * correlated.
	 */
	if (qid.n == 0 || qid.n >= RB_QUEUEID_MAX || memchr(qid.p, '\0', qid.n))
		return (NULL);
	b = hash_qid(qid.p, qid.n, lp->nbuckets);

	for (e = lp->buckets[b]; e != NULL; e = e->hnext)
		if (strlen(e->qid) == qid.n && memcmp(e->qid, qid.p, qid.n) == 0)
			break;
	if (e == NULL) {
		if (!create)
			return (NULL);
		if ((e = calloc(1, sizeof(*e))) == NULL)
			return (NULL);
		e->size = -1;
		logline_copy(e->qid, sizeof(e->qid), qid);
		e->hnext = lp->buckets[b];
		lp->buckets[b] = e;
		lp->st.queued++;
	} else {
		unlink_use(lp, e);
	}
	if (t > e->last)
		e->last = t;
	push_newest(lp, e);
	/* Keep the table bounded: idle ones first, then the oldest. */
	while (lp->oldest != NULL && lp->oldest != e &&
	    (lp->st.queued > lp->opt.max_entries ||
	    lp->oldest->last + lp->opt.idle_timeout < t)) {
		remove_entry(lp, lp->oldest);
		lp->st.evicted++;
	}
	return (e);
}

static void
set_str(char **dst, struct slice s)
{
	if (s.n == 0)
		return;
	char *n = malloc(s.n + 1);
	if (n == NULL)
		return;
	memcpy(n, s.p, s.n);
	n[s.n] = '\0';
	free(*dst);
	*dst = n;
}

static enum rb_outcome
outcome_of(const struct logline *ll)
{
	const struct slice s = ll->status;

#define IS(lit) (s.n == sizeof(lit) - 1 && memcmp(s.p, lit, s.n) == 0)
	if (ll->mta == LL_MTA_POSTFIX) {
		if (IS("sent") || IS("deliverable"))
			return (RB_OUTCOME_DELIVERED);
		if (IS("deferred"))
			return (RB_OUTCOME_DEFERRED);
		if (IS("bounced") || IS("undeliverable"))
			return (RB_OUTCOME_BOUNCED);
		if (IS("expired"))
			return (RB_OUTCOME_EXPIRED);
		return (RB_OUTCOME_UNKNOWN);
	}
	if (IS("Sent"))
		return (RB_OUTCOME_DELIVERED);
	if (IS("Deferred"))
		return (RB_OUTCOME_DEFERRED);
	/* Sendmail writes the failure itself as the status. */
	if (ll->dsn.n > 0 && ll->dsn.p[0] == '4')
		return (RB_OUTCOME_DEFERRED);
	return (RB_OUTCOME_BOUNCED);
#undef IS
}

/* The reply as the remote server gave it, without the reporter's words. */
static struct slice
reply_of(const struct logline *ll)
{
	struct slice t = ll->text;

	if (ll->mta == LL_MTA_POSTFIX) {
		/* "host mx.example.com[192.0.2.1] said: 550 ..." */
		if (t.n > 5 && memcmp(t.p, "host ", 5) == 0) {
			const char *e = t.p + t.n;
			for (const char *p = t.p; p + 7 <= e; p++) {
				if (memcmp(p, " said: ", 7) == 0) {
					t.p = p + 7;
					t.n = (size_t)(e - t.p);
					break;
				}
			}
		}
	} else {
		/* "Deferred: 421 ..." and "Sent (...)" */
		const char *c = memchr(t.p, ':', t.n < 16 ? t.n : 16);
		if (c != NULL && (size_t)(c - t.p) == ll->status.n &&
		    c + 2 <= t.p + t.n) {
			t.n -= (size_t)(c + 2 - t.p);
			t.p = c + 2;
		}
	}
	return (t);
}

static int
emit_delivery(struct logproc *lp, const struct logline *ll, struct qentry *e,
    struct slice to, logproc_emit_fn emit, void *arg)
{
	struct rb_outcome_rec *o = &lp->rec;
	char mx[RB_HOST_MAX];
	struct classify_input in;

	outcome_init(o);
	o->source = RB_SOURCE_LOG;
	o->time = ll->time;
	logline_copy(o->queue_id, sizeof(o->queue_id), ll->queue_id);
	logline_copy(o->recipient, sizeof(o->recipient), to);
	logline_copy(o->orig_recipient, sizeof(o->orig_recipient), ll->orig_to);
	logline_copy(o->relay, sizeof(o->relay), ll->relay);
	logline_copy(o->dsn, sizeof(o->dsn), ll->dsn);
	logline_copy(o->text, sizeof(o->text), ll->text);
	if (ll->mta == LL_MTA_SENDMAIL && ll->mailer.n > 0)
		logline_copy(o->transport, sizeof(o->transport), ll->mailer);
	else
		logline_copy(o->transport, sizeof(o->transport), ll->program);
	if (e != NULL) {
		if (e->sender)
			util_strlcpy(o->sender, e->sender, sizeof(o->sender));
		if (e->msgid)
			util_strlcpy(o->message_id, e->msgid, sizeof(o->message_id));
		if (e->client)
			util_strlcpy(o->client, e->client, sizeof(o->client));
		if (e->sasl)
			util_strlcpy(o->sasl_user, e->sasl, sizeof(o->sasl_user));
		o->size = e->size;
	}
	/* The MX host is "host[ip]:port" (Postfix) or "host. [ip]" (Sendmail). */
	util_strlcpy(mx, o->relay, sizeof(mx));
	mx[strcspn(mx, "[ ")] = '\0';

	struct slice reply = reply_of(ll);
	memset(&in, 0, sizeof(in));
	in.text = reply.p;
	in.textlen = reply.n;
	in.enhanced = o->dsn[0] ? o->dsn : NULL;
	in.recipient = o->recipient;
	in.mx = mx;
	in.source = RB_SOURCE_LOG;
	in.hint = outcome_of(ll);
	classify(lp->cl, lp->scratch, &in, &o->v);
	outcome_make_key(o);
	emit(arg, o);
	lp->st.outcomes++;
	return (1);
}

int
logproc_line(struct logproc *lp, const char *line, size_t len, time_t now,
    logproc_emit_fn emit, void *arg)
{
	struct logline ll;
	struct qentry *e;
	int n = 0;

	lp->st.lines++;
	if (len > lp->opt.max_line) {
		lp->st.oversized++;
		return (0);
	}
	if (logline_parse(line, len, now, &ll) == LL_NONE) {
		lp->st.skipped++;
		return (0);
	}
	lp->st.parsed++;
	switch (ll.kind) {
	case LL_CLIENT:
		if ((e = lookup(lp, ll.queue_id, 1, ll.time)) != NULL) {
			set_str(&e->client, ll.client);
			set_str(&e->sasl, ll.sasl_user);
		}
		break;
	case LL_MSGID:
		if ((e = lookup(lp, ll.queue_id, 1, ll.time)) != NULL)
			set_str(&e->msgid, ll.msgid);
		break;
	case LL_FROM:
		if ((e = lookup(lp, ll.queue_id, 1, ll.time)) != NULL) {
			/* The null sender <> is a fact too: a bounce. */
			if (ll.from.p != NULL) {
				free(e->sender);
				e->sender = NULL;
				char *s = malloc(ll.from.n + 1);
				if (s != NULL) {
					memcpy(s, ll.from.p, ll.from.n);
					s[ll.from.n] = '\0';
					e->sender = s;
				}
			}
			set_str(&e->msgid, ll.msgid);
			if (ll.size.n > 0)
				e->size = strtol(ll.size.p, NULL, 10);
		}
		break;
	case LL_REMOVED:
		if ((e = lookup(lp, ll.queue_id, 0, ll.time)) != NULL)
			remove_entry(lp, e);
		break;
	case LL_DELIVERY:
		e = lookup(lp, ll.queue_id, 1, ll.time);
		if (ll.mta == LL_MTA_SENDMAIL) {
			/* "to=<a@x>,<b@y>": one outcome per recipient. */
			const char *p = ll.to.p, *end = ll.to.p + ll.to.n;
			while (p < end) {
				const char *c = memchr(p, ',', (size_t)(end - p));
				const char *q = c ? c : end;
				struct slice one = { p, (size_t)(q - p) };
				if (one.n > 0 && one.p[0] == '<')
					one.p++, one.n--;
				if (one.n > 0 && one.p[one.n - 1] == '>')
					one.n--;
				if (one.n > 0)
					n += emit_delivery(lp, &ll, e, one, emit, arg);
				p = q + 1;
			}
		} else {
			n += emit_delivery(lp, &ll, e, ll.to, emit, arg);
		}
		break;
	default:
		break;
	}
	return (n);
}

void
logproc_get_stats(const struct logproc *lp, struct logproc_stats *st)
{
	*st = lp->st;
}
