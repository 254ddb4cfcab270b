/*
 * dsn_report.c - machine-readable report parts: RFC 3464 delivery-status,
 * RFC 5965 feedback-report, and the header block of a returned message
 * (message/rfc822 as plain text or text/rfc822-headers).
 *
 * All three are header-style "Name: value" fields, values possibly folded.
 * Works on decoded text owned by the dsn_ctx; any thread.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dsn_int.h"

typedef int (*field_fn)(void *arg, const char *name, size_t nl,
    const char *val, size_t vl);

/*
 * Call fn for each field in s, and with name NULL at each blank line (the
 * block separator of RFC 3464).  A value runs over its continuation lines;
 * callers squeeze the folding away.  Stops when fn returns non-zero.
 */
static void
fields_walk(const char *s, size_t n, field_fn fn, void *arg)
{
	size_t i = 0;

	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - s) : n;
		size_t le = e;
		while (le > i && (s[le - 1] == '\r' || s[le - 1] == ' ' ||
		    s[le - 1] == '\t'))
			le--;
		if (le == i) {
			if (fn(arg, NULL, 0, NULL, 0))
				return;
			i = e + 1;
			continue;
		}
		const char *colon = memchr(s + i, ':', le - i);
		if (colon == NULL || s[i] == ' ' || s[i] == '\t') {
			i = e + 1;	/* stray line: not a field */
			continue;
		}
		size_t name = (size_t)(colon - s);
		size_t v = name + 1;
		/* Extend over continuation lines. */
		size_t ve = e;
		while (ve + 1 < n && (s[ve + 1] == ' ' || s[ve + 1] == '\t')) {
			const char *nx = memchr(s + ve + 1, '\n', n - ve - 1);
			size_t ne = nx ? (size_t)(nx - s) : n;
			/* A whitespace-only line ends the block, not a fold. */
			size_t k = ve + 1;
			while (k < ne && (s[k] == ' ' || s[k] == '\t' ||
			    s[k] == '\r'))
				k++;
			if (k == ne)
				break;
			ve = ne;
		}
		if (fn(arg, s + i, name - i, s + v, ve > v ? ve - v : 0))
			return;
		i = ve + 1;
	}
}

static int
is(const char *name, size_t nl, const char *want)
{
	return (strlen(want) == nl && strncasecmp(name, want, nl) == 0);
}

/* Value of a typed field ("rfc822; x", "smtp; 550 ...") without its type. */
void
dsn_untyped(const char **v, size_t *vl)
{
	const char *semi = memchr(*v, ';', *vl);
	if (semi != NULL && semi - *v < 16) {
		*vl -= (size_t)(semi + 1 - *v);
		*v = semi + 1;
	}
}

/* Is the type of a typed field ("X-Postfix; ...", " x400; ...") type? */
int
dsn_type_is(const char *v, size_t vl, const char *type)
{
	size_t tl = strlen(type);
	while (vl > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vl--;
	}
	return (vl > tl && strncasecmp(v, type, tl) == 0 &&
	    (v[tl] == ';' || v[tl] == ' ' || v[tl] == '\t'));
}

struct status_walk {
	struct dsn_ctx *ctx;
	struct dsn_record permsg;	/* per-message fields */
	struct dsn_record cur;
	int have;			/* cur has a recipient field */
	int emitted;
	struct dsn_record anon;		/* the first block that names no one */
	int nanon;			/* how many such blocks */
};

static enum rb_outcome
action_hint(const char *a)
{
	if (strncasecmp(a, "failed", 6) == 0)
		return (RB_OUTCOME_BOUNCED);
	if (strncasecmp(a, "delayed", 7) == 0)
		return (RB_OUTCOME_DEFERRED);
	/* Not in RFC 3464, but what SendGrid and others say on giving up. */
	if (strncasecmp(a, "expired", 7) == 0)
		return (RB_OUTCOME_EXPIRED);
	if (strncasecmp(a, "delivered", 9) == 0 ||
	    strncasecmp(a, "relayed", 7) == 0 ||
	    strncasecmp(a, "expanded", 8) == 0)
		return (RB_OUTCOME_DELIVERED);
	return (RB_OUTCOME_UNKNOWN);
}

/* a and b alike but for case and quotes ("\"a..b\"@x" and "a..b@x"). */
static int
same_unquoted(const char *a, const char *b)
{
	for (;;) {
		while (*a == '"')
			a++;
		while (*b == '"')
			b++;
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return (0);
		if (*a == '\0')
			return (1);
		a++;
		b++;
	}
}

/*
 * A name only the receiving side uses: no domain, a domain without a dot
 * or under a local-only suffix, or an address with a route in it.
 */
static int
internal_name(const char *a)
{
	static const char *const local[] = { ".local", ".localdomain",
	    ".internal", ".lan", ".localhost", ".intra", NULL };
	const char *at = strrchr(a, '@');

	if (at == NULL || at == a || strchr(a, ':') != NULL ||
	    strchr(at + 1, '.') == NULL)
		return (1);
	size_t n = strlen(at);
	for (int i = 0; local[i] != NULL; i++) {
		size_t l = strlen(local[i]);
		if (n > l && strcasecmp(at + n - l, local[i]) == 0)
			return (1);
	}
	return (0);
}

static void
status_emit(struct status_walk *w)
{
	if (!w->have)
		return;
	w->have = 0;
	enum rb_outcome hint = action_hint(w->cur.action);
	/*
	 * A success (NOTIFY=SUCCESS, or relayed to where DSNs end) is
	 * reported too: it is evidence that the address works, and resets
	 * its soft-bounce history as a delivery in the log does.
	 */
	if (hint == RB_OUTCOME_DELIVERED)
		w->ctx->successes++;
	struct dsn_record *r = dsn_record_new(w->ctx);
	if (r == NULL)
		return;
	*r = w->cur;
	/*
	 * The Final-Recipient is the address that failed.  It stays the
	 * record's even when the Original-Recipient (the sender's ORCPT)
	 * differs: an alias or list that expanded to several mailboxes
	 * must not be suppressed for one dead member.  But a receiving
	 * side's own internal name ("bob@mailcluster.local",
	 * "bob@ims-ms-daemon", an LMTP route) is no address anyone mails:
	 * then the record names the original, and keeps the final beside
	 * it.
	 */
	const char *od = strrchr(r->orig_recipient, '@');
	if (od != NULL && od > r->orig_recipient && strchr(od, '.') != NULL &&
	    od[strlen(od) - 1] != '.' && internal_name(r->recipient) &&
	    !same_unquoted(r->orig_recipient, r->recipient)) {
		char t[sizeof(r->recipient)];
		memcpy(t, r->recipient, sizeof(t));
		memcpy(r->recipient, r->orig_recipient, sizeof(r->recipient));
		memcpy(r->orig_recipient, t, sizeof(r->orig_recipient));
	}
	if (r->reporting_mta[0] == '\0')
		memcpy(r->reporting_mta, w->permsg.reporting_mta,
		    sizeof(r->reporting_mta));
	if (r->orig_queue_id[0] == '\0')
		memcpy(r->orig_queue_id, w->permsg.orig_queue_id,
		    sizeof(r->orig_queue_id));
	dsn_record_finish(w->ctx, r, hint);
	/* No mail address to suppress or retry: nothing to report. */
	if (strchr(r->recipient, '@') == NULL) {
		w->ctx->res->n--;
		return;
	}
	w->emitted++;
}

static void
block_end(struct status_walk *w)
{
	/* A recipient's block that lost its recipient field. */
	if (!w->have && w->cur.action[0] != '\0' && w->cur.status[0] != '\0') {
		if (w->nanon == 0)
			w->anon = w->cur;
		w->nanon++;
	}
	status_emit(w);
}

static int
status_field(void *arg, const char *name, size_t nl, const char *v, size_t vl)
{
	struct status_walk *w = arg;
	struct dsn_record *r = &w->cur;

	if (name == NULL) {
		block_end(w);
		memset(&w->cur, 0, sizeof(w->cur));
		return (w->ctx->res->truncated);
	}
	if (is(name, nl, "Final-Recipient") ||
	    is(name, nl, "Original-Recipient")) {
		int final = is(name, nl, "Final-Recipient");
		/* Blocks run together when the separator is missing. */
		if (w->have && (final ? r->recipient[0] : r->orig_recipient[0])) {
			status_emit(w);
			memset(&w->cur, 0, sizeof(w->cur));
		}
		w->have = 1;
		if (final)
			dsn_addr_clean(r->recipient, sizeof(r->recipient), v, vl);
		else
			dsn_addr_clean(r->orig_recipient,
			    sizeof(r->orig_recipient), v, vl);
	} else if (is(name, nl, "Action")) {
		dsn_squeeze(r->action, sizeof(r->action), v, vl);
		for (char *p = r->action; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	} else if (is(name, nl, "Status")) {
		char st[RB_ENHANCED_MAX] = "";
		dsn_codes(v, vl, st, sizeof(st), NULL);
		memcpy(r->status, st, sizeof(st));
		/*
		 * "Status: 4.0.0 (example.net: host name lookup failure)":
		 * the reporter's words, the only ones some records carry.
		 * Kept until a Diagnostic-Code or the readable text says
		 * more.
		 */
		const char *o = memchr(v, '(', vl);
		const char *c = o ? memrchr(o, ')', vl - (size_t)(o - v)) :
		    NULL;
		if (c != NULL && c - o > 1 && r->diagnostic[0] == '\0') {
			dsn_squeeze(r->diagnostic, sizeof(r->diagnostic), o + 1,
			    (size_t)(c - o - 1));
			r->diag_is_comment = 1;
		}
	} else if (is(name, nl, "Diagnostic-Code")) {
		/*
		 * "X-Postfix;": Postfix's own delivery agent (local, virtual,
		 * a lookup) failed it, with no remote server and so no remote
		 * filter speaking.
		 */
		r->own_verdict = dsn_type_is(v, vl, "x-postfix");
		/* "X-Unix;": a delivery program's exit, not a server's reply. */
		r->mailer = dsn_type_is(v, vl, "x-unix");
		r->diag_is_comment = 0;
		dsn_untyped(&v, &vl);
		dsn_squeeze(r->diagnostic, sizeof(r->diagnostic), v, vl);
	} else if (is(name, nl, "Remote-MTA")) {
		dsn_untyped(&v, &vl);
		dsn_squeeze(r->remote_mta, sizeof(r->remote_mta), v, vl);
	} else if (is(name, nl, "Reporting-MTA")) {
		dsn_untyped(&v, &vl);
		dsn_squeeze(w->have ? r->reporting_mta :
		    w->permsg.reporting_mta, sizeof(r->reporting_mta), v, vl);
	} else if (is(name, nl, "X400-Supplementary-Info") ||
	    is(name, nl, "X-Supplementary-Info")) {
		/*
		 * An X.400 gateway's report carries the SMTP server's words
		 * here ("MTA '192.0.2.1' gives error message 5.7.1 Unable
		 * to relay for ..."); its Diagnostic-Code, if any, is the
		 * X.400 reason ("Reason 1 (Unable-To-Transfer); Diagnostic
		 * -1 (Unknown)"), which says nothing of the cause.
		 * Exchange's reports put the reply in X-Supplementary-Info
		 * ("< #5.5.0 smtp;550 Requested action not taken: ...>")
		 * with no Diagnostic-Code.
		 */
		const char *q = v;
		size_t ql = vl;
		while (ql > 0 && isspace((unsigned char)q[ql - 1]))
			ql--;
		while (ql > 0 && isspace((unsigned char)q[0]))
			q++, ql--;
		if (ql >= 2 && ((q[0] == '"' && q[ql - 1] == '"') ||
		    (q[0] == '<' && q[ql - 1] == '>')))
			q++, ql -= 2;
		dsn_untyped(&q, &ql);	/* " #5.5.0 smtp;550 ..." */
		size_t dl = strlen(r->diagnostic);
		if (dl == 0 || r->diag_is_comment) {
			/* The server's words: the readable text does not
			 * replace them (a Diagnostic-Code still does). */
			dsn_squeeze(r->diagnostic, sizeof(r->diagnostic), q, ql);
			r->diag_is_comment = 0;
		} else if (strncmp(r->diagnostic, "Reason ", 7) == 0 &&
		    dl + 2 < sizeof(r->diagnostic)) {
			memcpy(r->diagnostic + dl, "; ", 3);
			dsn_squeeze(r->diagnostic + dl + 2,
			    sizeof(r->diagnostic) - dl - 2, q, ql);
		}
	} else if (is(name, nl, "X-PowerMTA-BounceCategory")) {
		/* PowerMTA's own verdict per recipient. */
		char c[32];
		dsn_squeeze(c, sizeof(c), v, vl);
		r->address_refused = strcasecmp(c, "bad-mailbox") == 0;
	} else if (is(name, nl, "X-Postfix-Queue-ID")) {
		dsn_squeeze(w->permsg.orig_queue_id,
		    sizeof(w->permsg.orig_queue_id), v, vl);
	} else if (is(name, nl, "Last-Attempt-Date")) {
		char d[128];
		dsn_squeeze(d, sizeof(d), v, vl);
		r->last_attempt = dsn_date_parse(d);
	}
	return (w->ctx->res->truncated);
}

/* Parse a delivery-status body; returns the number of records added. */
int
dsn_report_status(struct dsn_ctx *ctx, const char *s, size_t n)
{
	struct status_walk w;

	memset(&w, 0, sizeof(w));
	w.ctx = ctx;
	fields_walk(s, n, status_field, &w);
	if (!ctx->res->truncated)
		block_end(&w);
	/*
	 * A report whose one recipient block has an Action and a Status but
	 * no Final-Recipient (a broken reporter), in a message whose
	 * X-Failed-Recipients names one address: that block is about that
	 * address.  With more of either, which goes with which is a guess:
	 * the readable text decides (dsn_body.c).
	 */
	size_t st, al, st2, al2;
	const char *fr = ctx->failed_rcpts;
	if (w.emitted == 0 && w.nanon == 1 && !ctx->res->truncated &&
	    dsn_find_addr(fr, strlen(fr), &st, &al) &&
	    !dsn_find_addr(fr + st + al, strlen(fr + st + al), &st2, &al2)) {
		w.cur = w.anon;
		dsn_addr_clean(w.cur.recipient, sizeof(w.cur.recipient),
		    fr + st, al);
		w.have = 1;
		status_emit(&w);
	}
	return (w.emitted);
}

#define FB_RCPT_MAX	1000

struct fb_walk {
	struct dsn_ctx *ctx;
	char type[32];
	char (*rcpt)[RB_ADDR_MAX];	/* Original-Rcpt-To, each */
	size_t nrcpt, cap;
	char mailfrom[RB_ADDR_MAX];
	char date[128];
};

static int
fb_field(void *arg, const char *name, size_t nl, const char *v, size_t vl)
{
	struct fb_walk *w = arg;

	if (name == NULL)
		return (0);
	if (is(name, nl, "Feedback-Type")) {
		dsn_squeeze(w->type, sizeof(w->type), v, vl);
		for (char *p = w->type; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	} else if ((is(name, nl, "Original-Rcpt-To") ||
	    is(name, nl, "Removal-Recipient")) && w->nrcpt < FB_RCPT_MAX) {
		/* Removal-Recipient: who opted out (an opt-out report). */
		/* Grown as they come: most reports name one. */
		if (w->nrcpt == w->cap) {
			size_t nc = w->cap ? w->cap * 2 : 4;
			char (*nr)[RB_ADDR_MAX] = realloc(w->rcpt,
			    nc * sizeof(*nr));
			if (nr == NULL)
				return (0);
			w->rcpt = nr;
			w->cap = nc;
		}
		dsn_addr_clean(w->rcpt[w->nrcpt], RB_ADDR_MAX, v, vl);
		if (w->rcpt[w->nrcpt][0] != '\0')
			w->nrcpt++;
	}
	else if (is(name, nl, "Original-Mail-From"))
		dsn_addr_clean(w->mailfrom, sizeof(w->mailfrom), v, vl);
	else if (is(name, nl, "Arrival-Date") || is(name, nl, "Received-Date"))
		dsn_squeeze(w->date, sizeof(w->date), v, vl);
	return (0);
}

/* Parse a feedback-report body: one complaint record per recipient. */
int
dsn_report_feedback(struct dsn_ctx *ctx, const char *s, size_t n)
{
	struct fb_walk w;
	int added = 0;

	memset(&w, 0, sizeof(w));
	w.ctx = ctx;
	if (s != NULL)
		fields_walk(s, n, fb_field, &w);
	else if (ctx->forensic)
		dsn_copy(w.type, sizeof(w.type), "auth-failure", 12);
	else
		dsn_copy(w.type, sizeof(w.type), ctx->unsubscribe ? "opt-out" :
		    "abuse", ctx->unsubscribe ? 7 : 5);
	size_t nr = w.nrcpt ? w.nrcpt : 1;
	for (size_t i = 0; i < nr; i++) {
		struct dsn_record *r = dsn_record_new(ctx);
		if (r == NULL)
			break;
		/*
		 * Who complained: the report's field, else the mailbox the
		 * provider delivered the original to (its Delivered-To, the
		 * topmost: the last delivery), else the original's To, which
		 * the sender wrote and may name a list or someone else.
		 */
		if (w.nrcpt > 0)
			memcpy(r->recipient, w.rcpt[i], sizeof(r->recipient));
		else if (ctx->om_complainant[0] != '\0')
			memcpy(r->recipient, ctx->om_complainant,
			    sizeof(r->recipient));
		else if (ctx->unsubscribe)
			memcpy(r->recipient, ctx->from, sizeof(r->recipient));
		else if (strchr(ctx->om_delivered, '@') != NULL)
			memcpy(r->recipient, ctx->om_delivered,
			    sizeof(r->recipient));
		else
			memcpy(r->recipient, ctx->om_to, sizeof(r->recipient));
		if (w.type[0] != '\0')
			memcpy(r->feedback_type, w.type,
			    sizeof(r->feedback_type));
		else
			dsn_copy(r->feedback_type, sizeof(r->feedback_type),
			    "other", 5);
		memcpy(r->envelope_sender, w.mailfrom,
		    sizeof(r->envelope_sender));
		if (w.date[0] != '\0')
			r->last_attempt = dsn_date_parse(w.date);
		dsn_copy(r->action, sizeof(r->action), "complaint", 9);
		dsn_record_finish(ctx, r, RB_OUTCOME_COMPLAINT);
		/*
		 * Providers redact the complainant ("redacted@example.net",
		 * AOL's "Redacted-Address: redacted@"), or name nobody: the
		 * complaint is counted, but there is no address to suppress.
		 * A report about the sender (its authentication failing, a
		 * virus) keeps its verdict: it never suppressed anyone.
		 */
		const char *at = strrchr(r->recipient, '@');
		if (r->v.action == RB_ACTION_SUPPRESS && (at == NULL ||
		    (at - r->recipient == 8 &&
		    strncasecmp(r->recipient, "redacted", 8) == 0))) {
			r->v.action = RB_ACTION_NONE;
			r->v.fix = "The report does not name the recipient who "
			    "complained (the provider redacts it): counted, "
			    "nothing suppressed. Find the recipient from the "
			    "returned message (a VERP return path, your own "
			    "headers) and suppress it by hand.";
		}
		added++;
	}
	free(w.rcpt);
	return (added);
}

/*
 * A Message-ID as "<id>", the form the log and the store use: the first
 * "<...>" of the value, else a bare "id@host" given its brackets (some
 * mailers leave them off), else the value as it is.
 */
static void
msgid_copy(char *out, size_t outlen, const char *v, size_t vl)
{
	char tmp[RB_MSGID_MAX];

	dsn_squeeze(tmp, sizeof(tmp), v, vl);
	char *lt = strchr(tmp, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	size_t n = strlen(tmp);
	if (lt != NULL && gt != NULL)
		dsn_copy(out, outlen, lt, (size_t)(gt - lt + 1));
	else if (n > 0 && n + 3 <= outlen && strchr(tmp, '@') != NULL &&
	    strchr(tmp, ' ') == NULL) {
		out[0] = '<';
		memcpy(out + 1, tmp, n);
		out[n + 1] = '>';
		out[n + 2] = '\0';
	} else
		dsn_copy(out, outlen, tmp, n);
}

struct hdr_walk {
	struct dsn_ctx *ctx;
	int received;		/* a Received field has been seen */
};

static int
hdr_field(void *arg, const char *name, size_t nl, const char *v, size_t vl)
{
	struct hdr_walk *w = arg;
	struct dsn_ctx *ctx = w->ctx;

	if (name == NULL)
		return (1);	/* end of the header block */
	if (is(name, nl, "Received"))
		w->received = 1;
	if (is(name, nl, "Message-ID") && ctx->om_msgid[0] == '\0')
		msgid_copy(ctx->om_msgid, sizeof(ctx->om_msgid), v, vl);
	else if (is(name, nl, "From") && ctx->om_from[0] == '\0')
		dsn_addr_clean(ctx->om_from, sizeof(ctx->om_from), v, vl);
	else if (is(name, nl, "Return-Path") && ctx->om_rpath[0] == '\0')
		dsn_addr_clean(ctx->om_rpath, sizeof(ctx->om_rpath), v, vl);
	/* Above the first Received: the last delivery's (see dsn_parse.c). */
	else if (is(name, nl, "Delivered-To") && !w->received &&
	    ctx->om_delivered[0] == '\0')
		dsn_addr_clean(ctx->om_delivered, sizeof(ctx->om_delivered), v,
		    vl);
	else if (is(name, nl, "X-HmXmrOriginalRecipient"))
		dsn_addr_clean(ctx->om_complainant,
		    sizeof(ctx->om_complainant), v, vl);
	else if (is(name, nl, "To") && ctx->om_to[0] == '\0') {
		dsn_addr_clean(ctx->om_to, sizeof(ctx->om_to), v, vl);
		/* "undisclosed-recipients:;" and the like name nobody. */
		if (strchr(ctx->om_to, '@') == NULL)
			ctx->om_to[0] = '\0';
	}
	return (0);
}

/* The header block of a returned message, given as text. */
void
dsn_report_rfc822_headers(struct dsn_ctx *ctx, const char *s, size_t n)
{
	struct hdr_walk w = { ctx, 0 };

	/* Skip leading blank lines some reporters put first. */
	while (n > 0 && (*s == '\n' || *s == '\r')) {
		s++;
		n--;
	}
	fields_walk(s, n, hdr_field, &w);
}
