/*
 * logproc.c - queue correlation and classification of log lines (see
 * logproc.h).
 *
 * The queue table is a chained hash keyed by queue ID; each entry owns its
 * strings.  Entries also sit on a list in order of last use, so idle and
 * excess entries are evicted from its head in O(1).  An entry that holds
 * deferred recipients sits on a second such list with a longer timeout:
 * Postfix retries it for days and then logs only "from=<...>, status=
 * expired" (Sendmail: "NEWID: DSN: Cannot send message for 5 days"), so
 * the recipients still deferred then, and why, are known only from here.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "logline.h"
#include "logproc.h"
#include "util.h"

/* A recipient whose last word was a deferral: its strings follow it. */
struct pend {
	struct pend *next;
	const char *rcpt, *orig, *relay, *dsn, *text, *reply, *transport;
};

/* At most this many deferred recipients are kept per message. */
#define PEND_MAX	1000

struct qentry {
	struct qentry *hnext;		/* hash chain */
	struct qentry *older, *newer;	/* use order */
	time_t last;
	long size;
	char qid[RB_QUEUEID_MAX];
	char *sender, *msgid, *client, *sasl;
	struct pend *pend;		/* deferred recipients, in order */
	unsigned npend;
};

/* A use-ordered list of entries: plain ones, and those with deferrals. */
struct ulist {
	struct qentry *oldest, *newest;
};

struct logproc {
	const struct classifier *cl;
	struct classify_scratch *scratch;
	struct logproc_options opt;
	struct logproc_stats st;
	struct qentry **buckets;
	size_t nbuckets;
	struct ulist plain, deferred;
	struct rb_outcome_rec rec;	/* reused for every outcome */
	time_t reported;		/* the line's own date, if taken as now */
};

void
logproc_options_default(struct logproc_options *o)
{
	o->idle_timeout = 3600;
	o->deferred_timeout = 6 * 86400;
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
pend_free_all(struct qentry *e)
{
	for (struct pend *p = e->pend, *n; p != NULL; p = n) {
		n = p->next;
		free(p);
	}
	e->pend = NULL;
	e->npend = 0;
}

static void
entry_free(struct qentry *e)
{
	pend_free_all(e);
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
	struct ulist *lists[] = { &lp->plain, &lp->deferred };
	for (int l = 0; l < 2; l++)
		for (struct qentry *e = lists[l]->oldest, *n; e != NULL; e = n) {
			n = e->newer;
			entry_free(e);
		}
	free(lp->buckets);
	classify_scratch_free(lp->scratch);
	free(lp);
}

int
logproc_set_classifier(struct logproc *lp, const struct classifier *cl)
{
	/* The scratch space is sized for one classifier's patterns. */
	struct classify_scratch *sc = classify_scratch_new(cl);

	if (sc == NULL)
		return (-1);
	classify_scratch_free(lp->scratch);
	lp->scratch = sc;
	lp->cl = cl;
	return (0);
}

/*
 * The hash table keeps its size: it chains, so a larger max_entries only
 * makes chains longer, and a smaller one is enforced by eviction as lines
 * arrive.
 */
void
logproc_set_options(struct logproc *lp, const struct logproc_options *opt)
{
	lp->opt = *opt;
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

/* The list an entry belongs on: by whether it holds deferrals. */
static struct ulist *
list_of(struct logproc *lp, const struct qentry *e)
{
	return (e->pend != NULL ? &lp->deferred : &lp->plain);
}

static void
unlink_use(struct ulist *l, struct qentry *e)
{
	if (e->older)
		e->older->newer = e->newer;
	else
		l->oldest = e->newer;
	if (e->newer)
		e->newer->older = e->older;
	else
		l->newest = e->older;
	e->older = e->newer = NULL;
}

static void
push_newest(struct ulist *l, struct qentry *e)
{
	e->older = l->newest;
	e->newer = NULL;
	if (l->newest)
		l->newest->newer = e;
	else
		l->oldest = e;
	l->newest = e;
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
	unlink_use(list_of(lp, e), e);
	lp->st.pending -= e->npend;
	entry_free(e);
	lp->st.queued--;
}

/*
 * Keep the table bounded: idle entries of either list first, then the
 * oldest plain ones, then the oldest with deferrals.  keep is the entry
 * in hand, never evicted.
 */
static void
evict(struct logproc *lp, const struct qentry *keep, time_t t)
{
	struct qentry *o;

	while ((o = lp->plain.oldest) != NULL && o != keep &&
	    o->last + lp->opt.idle_timeout < t) {
		remove_entry(lp, o);
		lp->st.evicted++;
	}
	while ((o = lp->deferred.oldest) != NULL && o != keep &&
	    o->last + lp->opt.deferred_timeout < t) {
		remove_entry(lp, o);
		lp->st.evicted++;
	}
	while (lp->st.queued > lp->opt.max_entries) {
		o = lp->plain.oldest;
		if (o == keep)
			o = o->newer;
		if (o == NULL)
			o = lp->deferred.oldest;
		if (o == keep)
			o = o->newer;
		if (o == NULL)
			break;
		remove_entry(lp, o);
		lp->st.evicted++;
	}
}

/* Move e to the list its deferrals now call for, as its newest. */
static void
relist(struct logproc *lp, struct qentry *e, struct ulist *was)
{
	struct ulist *now = list_of(lp, e);

	if (now == was)
		return;
	unlink_use(was, e);
	push_newest(now, e);
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
		unlink_use(list_of(lp, e), e);
	}
	if (t > e->last)
		e->last = t;
	push_newest(list_of(lp, e), e);
	evict(lp, e, t);
	return (e);
}

/* The deferral of rcpt in e, or NULL; prevp gets the link to it. */
static struct pend *
pend_find(struct qentry *e, const char *rcpt, struct pend ***prevp)
{
	struct pend **pp = &e->pend;

	for (; *pp != NULL; pp = &(*pp)->next)
		if (strcmp((*pp)->rcpt, rcpt) == 0)
			break;
	if (prevp != NULL)
		*prevp = pp;
	return (*pp);
}

/* Forget rcpt's deferral: it was delivered, bounced or expired. */
static void
pend_drop(struct logproc *lp, struct qentry *e, const char *rcpt)
{
	struct pend **pp;
	struct pend *p = pend_find(e, rcpt, &pp);

	if (p == NULL)
		return;
	struct ulist *was = list_of(lp, e);
	*pp = p->next;
	free(p);
	e->npend--;
	lp->st.pending--;
	relist(lp, e, was);
}

/* pend_drop() for a recipient as the line has it. */
static void
pend_drop_slice(struct logproc *lp, struct qentry *e, struct slice rcpt)
{
	char r[RB_ADDR_MAX];

	logline_copy(r, sizeof(r), rcpt);
	pend_drop(lp, e, r);
}

static char *
pend_put(char *at, const char **field, const char *s)
{
	size_t n = strlen(s) + 1;

	memcpy(at, s, n);
	*field = at;
	return (at + n);
}

/* Remember o as rcpt's latest deferral; reply is where o->text's reply starts. */
static void
pend_set(struct logproc *lp, struct qentry *e,
    const struct rb_outcome_rec *o, size_t reply)
{
	struct pend **pp;
	struct pend *old = pend_find(e, o->recipient, &pp);

	/* Bounded per message and in all (as many as queue IDs). */
	if (old == NULL && (e->npend >= PEND_MAX ||
	    lp->st.pending >= lp->opt.max_entries)) {
		lp->st.pending_dropped++;
		return;
	}
	size_t need = sizeof(struct pend) + strlen(o->recipient) +
	    strlen(o->orig_recipient) + strlen(o->relay) + strlen(o->dsn) +
	    strlen(o->text) + strlen(o->transport) + 6;
	struct pend *p = malloc(need);
	if (p == NULL) {
		lp->st.pending_dropped++;
		return;
	}
	char *at = (char *)(p + 1);
	at = pend_put(at, &p->rcpt, o->recipient);
	at = pend_put(at, &p->orig, o->orig_recipient);
	at = pend_put(at, &p->relay, o->relay);
	at = pend_put(at, &p->dsn, o->dsn);
	const char *text = at;
	at = pend_put(at, &p->text, o->text);
	p->reply = text + (reply <= strlen(text) ? reply : 0);
	pend_put(at, &p->transport, o->transport);

	struct ulist *was = list_of(lp, e);
	if (old != NULL) {
		p->next = old->next;
		*pp = p;
		free(old);
	} else {
		/* At the end: expired outcomes come in the order deferred. */
		p->next = NULL;
		*pp = p;
		e->npend++;
		lp->st.pending++;
	}
	relist(lp, e, was);
}

/* How far ahead of now a line's date may be (clocks drift) before it is not believed. */
#define LP_FUTURE_SKEW	600

/* The longest value an outcome record keeps (RB_HOST_MAX, RB_ADDR_MAX). */
#define LP_FIELD_MAX	(RB_HOST_MAX - 1)

static void
set_str(char **dst, struct slice s)
{
	if (s.n == 0)
		return;
	/*
	 * Kept no longer than an outcome's field takes it (it would be cut
	 * there anyway): a queue ID's memory stays bounded whatever a
	 * sender puts in its Message-ID or MAIL FROM, up to max_line each.
	 */
	if (s.n > LP_FIELD_MAX)
		s.n = LP_FIELD_MAX;
	char *n = malloc(s.n + 1);
	if (n == NULL)
		return;
	memcpy(n, s.p, s.n);
	n[s.n] = '\0';
	free(*dst);
	*dst = n;
}

/* Another entry's field (NULL: none), copied. */
static void
copy_str(char **dst, const char *src)
{
	if (src != NULL)
		set_str(dst, (struct slice){ src, strlen(src) });
}

/*
 * A size= value, read within its slice: the line is not a C string (the
 * value may end the buffer), so no strtol().  -1 for none or too large.
 */
static long
size_of(struct slice v)
{
	long n = 0;

	if (v.n == 0)
		return (-1);
	for (size_t i = 0; i < v.n; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return (i > 0 ? n : -1);
		if (n > (LONG_MAX - 9) / 10)
			return (-1);
		n = n * 10 + (v.p[i] - '0');
	}
	return (n);
}

static enum rb_outcome
outcome_of(const struct logline *ll)
{
	const struct slice s = ll->status;

#define IS(lit) (s.n == sizeof(lit) - 1 && memcmp(s.p, lit, s.n) == 0)
	if (ll->mta == LL_MTA_POSTFIX) {
		if (IS("sent"))
			return (RB_OUTCOME_DELIVERED);
		/*
		 * soft_bounce = yes: a refusal Postfix keeps queued and
		 * tries again (its dsn made 4.x.x); the remote's words still
		 * say why, but nothing bounced.
		 */
		if (IS("deferred") || IS("SOFTBOUNCE"))
			return (RB_OUTCOME_DEFERRED);
		if (IS("bounced"))
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

/*
 * "status=deliverable" and "status=undeliverable" report a Postfix
 * address verification probe (reject_unverified_sender or _recipient,
 * sendmail -bv), not mail.
 */
static int
is_probe(const struct logline *ll)
{
	const struct slice s = ll->status;

#define IS(lit) (s.n == sizeof(lit) - 1 && memcmp(s.p, lit, s.n) == 0)
	return (ll->mta == LL_MTA_POSTFIX &&
	    (IS("deliverable") || IS("undeliverable")));
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
		/*
		 * "Deferred: 421 ...": Sendmail's own word, then the reply.
		 * Only that word: any other status is the failure itself
		 * ("procmail: Couldn't create ...", "User unknown"), whose
		 * first word may be the one that decides.
		 */
		const struct slice s = ll->status;
		const char *c = memchr(t.p, ':', t.n < 16 ? t.n : 16);
		if (c != NULL && (size_t)(c - t.p) == s.n && s.n == 8 &&
		    memcmp(s.p, "Deferred", 8) == 0 && c + 2 <= t.p + t.n) {
			t.n -= (size_t)(c + 2 - t.p);
			t.p = c + 2;
		}
	}
	return (t);
}

/*
 * The code of a greeting Postfix did not take ("host x[192.0.2.1] refused
 * to talk to me: 554 5.7.1 ..."), whose words stay in the text the
 * classifier reads; 0 when there is none.  Postfix logs such a refusal
 * as a deferral with a 4.x.x dsn (it tries the next MX), so this is the
 * only place the server's own 5xx is known.
 */
static int
greeting_code(const char *t, size_t n)
{
	static const char talk[] = " refused to talk to me: ";
	const char *p = util_memcasemem(t, n, talk);

	if (p == NULL)
		return (0);
	p += sizeof(talk) - 1;
	if ((size_t)(t + n - p) < 3 || p[0] < '2' || p[0] > '5' ||
	    p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9')
		return (0);
	return ((p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0'));
}

/*
 * Whether a transport is one of this system's own delivery programs:
 * Postfix's local, virtual and pipe agents ("postfix/local",
 * "postfix-in/pipe"), Sendmail's local and program mailers.
 */
static int
own_delivery_agent(const char *t)
{
	static const char *const postfix[] = { "/local", "/virtual", "/pipe",
	    NULL };
	static const char *const sendmail[] = { "local", "prog", "procmail",
	    "maildrop", "cyrus", "cyrusv2", NULL };
	size_t n = strlen(t);

	for (int i = 0; postfix[i] != NULL; i++) {
		size_t k = strlen(postfix[i]);
		if (n > k && strcmp(t + n - k, postfix[i]) == 0)
			return (1);
	}
	for (int i = 0; sendmail[i] != NULL; i++)
		if (strcmp(t, sendmail[i]) == 0)
			return (1);
	return (0);
}

/*
 * Whether the next hop is this machine: a loopback address or a UNIX
 * socket ("127.0.0.1[127.0.0.1]:10024", "mail.example.com[private/
 * dovecot-lmtp]", Sendmail's "[127.0.0.1] [127.0.0.1]").  Postfix logs a
 * hop it could not reach as relay=none and names it in the text
 * ("connect to 127.0.0.1[127.0.0.1]:10024: Connection refused"),
 * Sendmail as "Connection refused by [127.0.0.1]".
 */
static int
own_next_hop(const char *relay, const char *text)
{
	const char *b = NULL;

	if (relay[0] != '\0' && strcmp(relay, "none") != 0)
		b = strchr(relay, '[');
	else if ((b = strstr(text, "connect to ")) != NULL)
		b = strchr(b, '[');
	else if ((b = strstr(text, "refused by [")) != NULL)
		b = strchr(b, '[');
	if (b == NULL)
		return (0);
	b++;
	return (strncmp(b, "127.", 4) == 0 || strncmp(b, "::1]", 4) == 0 ||
	    strncmp(b, "IPv6:::1]", 9) == 0 || b[0] == '/' ||
	    strncmp(b, "private/", 8) == 0 || strncmp(b, "public/", 7) == 0);
}

/*
 * A name of this machine: no domain, "localhost", or an address this MTA
 * made from a bare name by appending a domain (Postfix's orig_to=<root>
 * beside to=<root@host>, myorigin appended).  A domain without a dot is
 * not enough by itself: "bob@gmail" is a subscriber's typo, dead as it is
 * written.
 */
static int
local_name(const struct rb_outcome_rec *o)
{
	const char *at = strrchr(o->recipient, '@');

	if (o->recipient[0] == '\0')
		return (0);
	if (at == NULL)
		return (1);
	/*
	 * Qualified, not expanded: orig_to=<root> beside to=<root@myhost>.
	 * An alias that points elsewhere (orig_to=<tim> beside
	 * to=<tim.smith@example.net>) delivers to a real outside address,
	 * whose verdict stands.
	 */
	if (o->orig_recipient[0] != '\0' &&
	    strchr(o->orig_recipient, '@') == NULL &&
	    strlen(o->orig_recipient) == (size_t)(at - o->recipient) &&
	    strncasecmp(o->orig_recipient, o->recipient,
	    (size_t)(at - o->recipient)) == 0)
		return (1);
	return (strcasecmp(at + 1, "localhost") == 0 ||
	    strcasecmp(at + 1, "localhost.localdomain") == 0);
}

/*
 * Complete o with the facts of its message, classify the reply, and hand
 * it on.
 */
static void
finish(struct logproc *lp, struct rb_outcome_rec *o, const struct qentry *e,
    const char *reply, size_t replylen, enum rb_outcome hint,
    logproc_emit_fn emit, void *arg)
{
	char mx[RB_HOST_MAX];
	struct classify_input in;

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

	memset(&in, 0, sizeof(in));
	in.text = reply;
	in.textlen = replylen;
	in.replycode = greeting_code(reply, replylen);
	in.enhanced = o->dsn[0] ? o->dsn : NULL;
	in.recipient = o->recipient;
	in.mx = mx;
	in.source = RB_SOURCE_LOG;
	in.hint = hint;
	classify(lp->cl, lp->scratch, &in, &o->v);
	/*
	 * This system's own delivery program failed (procmail not found, a
	 * pipe command's temporary failure, an LDA's broken configuration):
	 * its operator fixes it here.  Counted as the recipient's soft
	 * failure it would suppress a local user whose address is fine; a
	 * recipient's own cause (a full mailbox, an unknown user) keeps its
	 * verdict.
	 */
	if ((o->v.action == RB_ACTION_RETRY ||
	    o->v.action == RB_ACTION_REVIEW) &&
	    (o->v.reason == RB_REASON_MAILERERROR ||
	    o->v.reason == RB_REASON_SYSTEMERROR ||
	    o->v.reason == RB_REASON_ONHOLD ||
	    o->v.reason == RB_REASON_UNDEFINED) &&
	    own_delivery_agent(o->transport)) {
		o->v.action = RB_ACTION_FIX_SENDER;
		o->v.fix = "This system's own delivery program (Postfix's "
		    "local, virtual or pipe agent, Sendmail's local or prog "
		    "mailer) failed: see the command output in the text and "
		    "fix it here. The recipient is not counted toward "
		    "suppression.";
	}
	/*
	 * The next hop is this machine -- a content filter, the MTA that the
	 * submission program hands to, an LMTP server on a socket -- and it
	 * did not answer or broke off (until the message expired): nothing
	 * about the recipient, whose provider would otherwise show network
	 * trouble of this system's.
	 */
	else if ((o->v.action == RB_ACTION_RETRY ||
	    o->v.action == RB_ACTION_REVIEW) &&
	    (o->v.reason == RB_REASON_NETWORKERROR ||
	    o->v.reason == RB_REASON_SYSTEMERROR ||
	    o->v.reason == RB_REASON_EXPIRED ||
	    o->v.reason == RB_REASON_UNDEFINED) &&
	    own_next_hop(o->relay, o->text)) {
		o->v.action = RB_ACTION_FIX_SENDER;
		o->v.fix = "The next hop is on this machine (a content filter "
		    "on the loopback address, the local MTA, an LMTP socket) "
		    "and it failed: check that it runs and listens where "
		    "this MTA's transport points. The recipient is not counted "
		    "toward suppression.";
	}
	/*
	 * A recipient without a domain ("root", "postmaster", "MAILER-DAEMON",
	 * as cron, a daemon or the MTA's own bounces name them), at
	 * localhost, or qualified by this MTA from such a name ("root@canary",
	 * a myorigin that is the host's short name) is an account or alias
	 * of this machine: "User unknown" there is a missing alias, "Host not
	 * found" a name this system should not have made, a full mailbox a
	 * local one, all for its operator to fix.  Suppressed, or escalated
	 * to suppression, a local name would be refused by the milter
	 * (non_smtpd_milters sees local submissions), postmaster among them.
	 */
	if ((o->v.action == RB_ACTION_SUPPRESS ||
	    o->v.action == RB_ACTION_RETRY ||
	    o->v.action == RB_ACTION_REVIEW) && local_name(o)) {
		o->v.action = RB_ACTION_FIX_SENDER;
		o->v.fix = "The recipient is a name of this machine (an "
		    "account or alias such as root or postmaster, without a "
		    "domain or qualified by this MTA): fix its alias or mailbox "
		    "here (aliases(5), newaliases), or myorigin if it names the "
		    "host alone. Local names are never suppressed.";
	}
	outcome_make_key(o);
	emit(arg, o);
	lp->st.outcomes++;
}

/*
 * The next entry of Sendmail's "to=<a@x>,<b@y>" list from p, without its
 * angle brackets, in *one; returns where the entry after it starts, NULL
 * past the end.  *one points into the line.
 */
static const char *
next_rcpt(const char *p, const char *end, struct slice *one)
{
	if (p >= end)
		return (NULL);
	/*
	 * Sendmail writes each address as it was given, display name and
	 * all: "<a@x>,Jane Roe <b@x>,\"Doe, John\" <c@x>,d@x".  An entry
	 * ends at a comma outside quotes and angle brackets; of one with
	 * angle brackets, the address is what they hold.
	 */
	const char *q, *lt, *gt, *paren;
	for (int quotes = 1;; quotes = 0) {
		struct logline_scan st = { 0, 0 };
		int angle = 0;
		lt = gt = paren = NULL;
		for (q = p; q < end; q++) {
			/* A '(' inside the brackets opens no comment. */
			if (!(angle && *q == '(' && !st.quoted && !st.comment) &&
			    logline_scan_in(&st, &q, end, quotes)) {
				if (st.comment && paren == NULL)
					paren = q;
			} else if (*q == '<' && !angle)
				angle = 1, lt = q;
			else if (*q == '>' && angle)
				angle = 0, gt = q;
			else if (*q == ',' && !angle)
				break;
		}
		/* A quote or comment never closed counts for nothing. */
		if ((!st.quoted && !st.comment) || !quotes)
			break;
	}
	if (lt != NULL && gt != NULL && gt > lt) {
		one->p = lt + 1;
		one->n = (size_t)(gt - lt - 1);
	} else {
		/* "bob@x (Smith, Bob)": the address before its comment. */
		one->p = p;
		one->n = (size_t)((paren != NULL ? paren : q) - p);
		while (one->n > 0 && one->p[0] == ' ')
			one->p++, one->n--;
		while (one->n > 0 && one->p[one->n - 1] == ' ')
			one->n--;
	}
	return (q < end ? q + 1 : end + 1);
}

/* Same address: the local part exactly, the domain in any case. */
static int
same_rcpt(struct slice a, struct slice b)
{
	if (a.n != b.n)
		return (0);
	const char *at = memrchr(a.p, '@', a.n);
	size_t local = at ? (size_t)(at - a.p) : a.n;
	if (memcmp(a.p, b.p, local) != 0)
		return (0);
	for (size_t i = local; i < a.n; i++)
		if (tolower((unsigned char)a.p[i]) !=
		    tolower((unsigned char)b.p[i]))
			return (0);
	return (1);
}

/*
 * Whether one, an entry of the list, came earlier in it too.  Sendmail
 * lists a recipient twice when aliases or the envelope name it twice; it
 * is one delivery, and its outcome is emitted once.
 */
static int
listed_before(struct slice list, struct slice one)
{
	const char *p = list.p, *end = list.p + list.n;
	struct slice prev;

	while ((p = next_rcpt(p, end, &prev)) != NULL && prev.p < one.p)
		if (same_rcpt(prev, one))
			return (1);
	return (0);
}

static int
emit_delivery(struct logproc *lp, const struct logline *ll, struct qentry *e,
    struct slice to, logproc_emit_fn emit, void *arg)
{
	struct rb_outcome_rec *o = &lp->rec;

	outcome_init(o);
	o->source = RB_SOURCE_LOG;
	o->time = ll->time;
	o->reported = lp->reported;
	logline_copy(o->queue_id, sizeof(o->queue_id), ll->queue_id);
	logline_copy(o->recipient, sizeof(o->recipient), to);
	if (outcome_address_fits(ll->orig_to.p, ll->orig_to.n, RB_ADDR_MAX))
		logline_copy(o->orig_recipient, sizeof(o->orig_recipient),
		    ll->orig_to);
	logline_copy(o->relay, sizeof(o->relay), ll->relay);
	logline_copy(o->dsn, sizeof(o->dsn), ll->dsn);
	logline_copy(o->text, sizeof(o->text), ll->text);
	if (ll->mta == LL_MTA_SENDMAIL && ll->mailer.n > 0)
		logline_copy(o->transport, sizeof(o->transport), ll->mailer);
	else
		logline_copy(o->transport, sizeof(o->transport), ll->program);

	struct slice reply = reply_of(ll);
	finish(lp, o, e, reply.p, reply.n, outcome_of(ll), emit, arg);
	/*
	 * The recipients still deferred when the message expires are those
	 * whose latest line was a deferral.
	 */
	if (e != NULL) {
		if (o->v.outcome == RB_OUTCOME_DEFERRED)
			pend_set(lp, e, o, (size_t)(reply.p - ll->text.p));
		else
			pend_drop(lp, e, o->recipient);
	}
	return (1);
}

/*
 * qmgr's "from=<...>, status=expired, returned to sender", Sendmail's
 * "NEWID: DSN: Cannot send message for 5 days": the MTA gave up on the
 * message.  Each recipient still deferred expires, for the reason of its
 * last deferral.
 */
static int
emit_expired(struct logproc *lp, const struct logline *ll, struct qentry *e,
    logproc_emit_fn emit, void *arg)
{
	struct rb_outcome_rec *o = &lp->rec;
	int n = 0;

	if (e == NULL || e->pend == NULL)
		return (0);
	struct ulist *was = list_of(lp, e);
	for (struct pend *p = e->pend; p != NULL; p = p->next) {
		outcome_init(o);
		o->source = RB_SOURCE_LOG;
		o->time = ll->time;
		util_strlcpy(o->queue_id, e->qid, sizeof(o->queue_id));
		util_strlcpy(o->recipient, p->rcpt, sizeof(o->recipient));
		util_strlcpy(o->orig_recipient, p->orig,
		    sizeof(o->orig_recipient));
		util_strlcpy(o->relay, p->relay, sizeof(o->relay));
		util_strlcpy(o->dsn, p->dsn, sizeof(o->dsn));
		util_strlcpy(o->text, p->text, sizeof(o->text));
		util_strlcpy(o->transport, p->transport, sizeof(o->transport));
		finish(lp, o, e, p->reply, strlen(p->reply),
		    RB_OUTCOME_EXPIRED, emit, arg);
		n++;
	}
	lp->st.pending -= e->npend;
	pend_free_all(e);
	relist(lp, e, was);
	return (n);
}

/*
 * The queue ID that a successful delivery handed the message on to, as
 * its reply names it: Postfix's "250 2.0.0 Ok: queued as 4B2C1D4E5F", also
 * as a content filter wraps it ("250 2.0.0 from MTA(smtp:[127.0.0.1]:10025):
 * 250 2.0.0 Ok: queued as 4B2C1D4E5F"); Sendmail's "Sent (x4B2C1D000123
 * Message accepted for delivery)", also as a content filter wraps it.
 * An empty slice when there is none.
 */
static struct slice
next_queue_id(const struct logline *ll)
{
	struct slice id = { NULL, 0 };
	const char *p;

	if (ll->text.n == 0)
		return (id);	/* and text.p may be NULL */
	const char *t = ll->text.p, *end = ll->text.p + ll->text.n;
	if (ll->mta == LL_MTA_POSTFIX) {
		static const char qa[] = "queued as ";
		const char *last = NULL;
		p = t;
		while ((p = util_memcasemem(p, (size_t)(end - p), qa)) != NULL)
			last = p, p += sizeof(qa) - 1;
		if (last == NULL)
			return (id);
		p = last + sizeof(qa) - 1;
	} else {
		/*
		 * Sendmail's own "Sent (x4B2C1D000123 Message accepted for
		 * delivery)"; through a content filter that hands the message
		 * back to it, the same words inside the filter's reply ("Sent
		 * (from MTA([127.0.0.1]:10025): 250 2.0.0 x4B2C1D000123
		 * Message accepted for delivery)"): the word before them.  A
		 * Postfix beside it: "Sent (Ok: queued as 4dQx3T0abcz9sWn)".
		 */
		static const char qa[] = "queued as ";
		static const char mad[] = " message accepted for delivery";
		const char *m;
		if ((m = util_memcasemem(t, ll->text.n, qa)) != NULL)
			p = m + sizeof(qa) - 1;
		else if ((m = util_memcasemem(t, ll->text.n, mad)) != NULL) {
			p = m;
			while (p > t && (isalnum((unsigned char)p[-1]) || p[-1] == '-'))
				p--;
		} else if ((p = memchr(t, '(', ll->text.n)) != NULL)
			p++;
		else
			return (id);
	}
	id.p = p;
	while (p < end && (isalnum((unsigned char)*p) || *p == '-'))
		p++;
	id.n = (size_t)(p - id.p);
	return (id);
}

/*
 * A delivery that only moved the message to another queue of this system:
 * to a content filter that gives it back (amavis on 10024, which Postfix
 * queues anew from 10025), from Sendmail's submission program to its MTA,
 * from one Postfix instance to another.  The reply names the new queue
 * ID, and this log has already shown that ID arrive (its smtpd, cleanup
 * and qmgr lines come before the reply that reports it queued).  The
 * recipient's own outcome comes later under the new ID; counted here too,
 * every message would be delivered twice, and the hop would reset the
 * soft-bounce history of a recipient whose mail then fails.  A relay
 * elsewhere ("queued as" by a smarthost) names an ID this log never saw:
 * that delivery is the last this system knows of, and counts.
 *
 * The new entry takes the client and SASL user of the first: those of the
 * message's real submitter, where the new one has only the filter.
 */
static int
handoff(struct logproc *lp, const struct logline *ll, struct qentry *e)
{
	if (outcome_of(ll) != RB_OUTCOME_DELIVERED)
		return (0);
	struct slice id = next_queue_id(ll);
	if (id.n == 0 || (id.n == ll->queue_id.n &&
	    memcmp(id.p, ll->queue_id.p, id.n) == 0))
		return (0);
	struct qentry *next = lookup(lp, id, 0, ll->time);
	if (next == NULL)
		return (0);
	if (e != NULL) {
		if (e->client != NULL) {
			free(next->client);
			next->client = strdup(e->client);
		}
		if (e->sasl != NULL && next->sasl == NULL)
			next->sasl = strdup(e->sasl);
	}
	return (1);
}

/*
 * One recipient of a delivery line: its outcome, or, when the line only
 * handed the message to another queue here (handoff()), none -- counted,
 * and its deferral forgotten, as the new queue's line will tell.
 */
static int
deliver_one(struct logproc *lp, const struct logline *ll, struct qentry *e,
    struct slice to, int hop, logproc_emit_fn emit, void *arg)
{
	/*
	 * A recipient no mail system could have logged: cut to the field
	 * it would make an address nobody mailed ("a...a@exam" of a 300-byte
	 * one), and a NUL would end it early.  Counted, never an outcome.
	 */
	if (!outcome_address_fits(to.p, to.n, RB_ADDR_MAX)) {
		lp->st.bad_address++;
		return (0);
	}
	if (!hop)
		return (emit_delivery(lp, ll, e, to, emit, arg));
	lp->st.handoffs++;
	if (e != NULL)
		pend_drop_slice(lp, e, to);
	return (0);
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
	/*
	 * A line dated ahead of now (a relay's wrong clock in a central log,
	 * a forged line) is taken as written now.  Its own date would make
	 * every other queue ID look idle for that long and evict it, losing
	 * the deferrals an "expired" needs, and would stretch a recipient's
	 * soft failures over years, escalating at once.
	 */
	lp->reported = 0;
	if (ll.time > now + LP_FUTURE_SKEW) {
		lp->reported = ll.time;
		ll.time = now;
		lp->st.future++;
	}
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
				size_t fn = ll.from.n < LP_FIELD_MAX ? ll.from.n :
				    LP_FIELD_MAX;
				char *s = malloc(fn + 1);
				if (s != NULL) {
					memcpy(s, ll.from.p, fn);
					s[fn] = '\0';
					e->sender = s;
				}
			}
			set_str(&e->msgid, ll.msgid);
			if (ll.size.n > 0)
				e->size = size_of(ll.size);
			/* "force-expired": postsuper -e / postqueue -e. */
			if (ll.mta == LL_MTA_POSTFIX && ((ll.status.n == 7 &&
			    memcmp(ll.status.p, "expired", 7) == 0) ||
			    (ll.status.n == 13 && memcmp(ll.status.p,
			    "force-expired", 13) == 0)))
				n += emit_expired(lp, &ll, e, emit, arg);
		}
		break;
	case LL_REMOVED:
		if ((e = lookup(lp, ll.queue_id, 0, ll.time)) != NULL)
			remove_entry(lp, e);
		break;
	case LL_CLONE: {
		/*
		 * Sendmail split the message for an alias with an owner: the
		 * clone is the same message (its Message-ID, size, client),
		 * sent from the owner.  The original first, so that making
		 * the clone's entry cannot evict it.
		 */
		struct qentry *was = lookup(lp, ll.text, 0, ll.time);
		if (was == NULL || (e = lookup(lp, ll.queue_id, 1, ll.time)) == NULL)
			break;
		copy_str(&e->msgid, was->msgid);
		copy_str(&e->client, was->client);
		copy_str(&e->sasl, was->sasl);
		e->size = was->size;
		if (ll.from.n > 0)
			set_str(&e->sender, ll.from);
		else
			copy_str(&e->sender, was->sender);
		break;
	}
	case LL_TIMEOUT:
		if ((e = lookup(lp, ll.queue_id, 0, ll.time)) != NULL)
			n += emit_expired(lp, &ll, e, emit, arg);
		break;
	case LL_DELIVERY:
		/*
		 * A probe of an inbound sender's address, or one greylisted
		 * and so "undeliverable" with a 4.x.x code, must neither
		 * suppress an address this system never mailed nor count
		 * toward a provider's rates.
		 */
		if (is_probe(&ll)) {
			lp->st.probes++;
			break;
		}
		e = lookup(lp, ll.queue_id, 1, ll.time);
		int hop = handoff(lp, &ll, e);
		if (ll.mta == LL_MTA_SENDMAIL) {
			/* "to=<a@x>,<b@y>": one outcome per recipient. */
			const char *p = ll.to.p, *end = ll.to.p + ll.to.n;
			struct slice one;
			while ((p = next_rcpt(p, end, &one)) != NULL)
				if (one.n > 0 && !listed_before(ll.to, one))
					n += deliver_one(lp, &ll, e, one, hop,
					    emit, arg);
		} else {
			n += deliver_one(lp, &ll, e, ll.to, hop, emit, arg);
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
