/*
 * dsn_body.c - bounces whose facts are only in the human-readable text.
 *
 * Mail systems that send no delivery-status part (Exim, qmail, old
 * Sendmail and Postfix, Exchange, the webmail providers, the Japanese
 * carriers, ...) all follow one layout, whatever their wording:
 *   - an explanation paragraph,
 *   - each failed recipient as an address on a line of its own or at the
 *     start of a line ("<a@b>:", "  a@b", "a@b: 550 ..."), followed by or
 *     on the same line as the remote server's reply or the local error,
 *   - a marker line, then the returned original message or its headers.
 * So: cut the text at the marker, take the addresses before it that are
 * not the bounce's own parties, and give each the paragraph it heads as the
 * diagnostic.  The classifier reads the words; this file only finds them.
 *
 * Works on the dsn_ctx of one call; any thread.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "dsn_int.h"

/* Lines after which the returned message starts. */
static const char *const orig_markers[] = {
	"copy of the message",
	"original message",
	"returned message",
	"below this line is a copy",
	"message headers follow",
	"header of the original",
	"headers of the original",
	"unsent message below",
	"original message header",
	"copy of your message",
	"content-type: message/rfc822",
	"your message reads",
	"this is the beginning of your message",
	"--- message text",
	"----- The following addresses had",
	NULL
};

/* Words of bounce subjects across systems and languages. */
static const char *const bounce_subjects[] = {
	"undeliver", "undelivered", "delivery fail", "delivery status",
	"failure notice", "returned mail", "mail delivery", "not delivered",
	"could not be delivered", "delivery notification", "nondeliver",
	"non-deliver", "non deliver", "rejected", "bounce", "delivery problem",
	"delayed", "delivery delay", "warning: could not", "failed",
	"mail system error", "mail error", "returned to sender",
	"unzustellbar", "nicht zugestellt", "no entregado", "non remis",
	"message not", "deliverability", "delivery has failed",
	"permanent error", "mail could not", NULL
};

static const char *const bounce_senders[] = {
	"mailer-daemon", "mailer_daemon", "postmaster", "mail-daemon",
	"maildaemon", "mdaemon", "mail.delivery", "bounce", "nobody@",
	"mailerdaemon", "mail-delivery", "mailerd", NULL
};

static const char *const autoreply_subjects[] = {
	"auto:", "automatic reply", "auto reply", "auto-reply", "autoreply",
	"out of office", "out of the office", "vacation", "abwesenheit",
	"absence", "away from", "autosvar", "risposta automatica",
	"respuesta autom", "réponse automatique", NULL
};

static int
any_in(const char *s, const char *const *list)
{
	size_t n = strlen(s);
	for (int i = 0; list[i] != NULL; i++)
		if (dsn_memcasemem(s, n, list[i]) != NULL)
			return (1);
	return (0);
}

int
dsn_body_is_bounce(const struct dsn_ctx *ctx)
{
	if (ctx->failed_rcpts[0] != '\0')
		return (1);
	if (any_in(ctx->from, bounce_senders))
		return (1);
	if (ctx->auto_replied && any_in(ctx->subject, autoreply_subjects))
		return (0);
	return (any_in(ctx->subject, bounce_subjects));
}

int
dsn_body_is_autoreply(const struct dsn_ctx *ctx)
{
	return (ctx->auto_replied || any_in(ctx->subject, autoreply_subjects));
}

/* Offset where the returned message starts in the text. */
static size_t
cut_at(const struct dsn_ctx *ctx)
{
	size_t cut = ctx->textlen;
	for (int i = 0; orig_markers[i] != NULL; i++) {
		const char *p = dsn_memcasemem(ctx->text, cut, orig_markers[i]);
		if (p == NULL)
			continue;
		/* Back to the start of the marker's line. */
		while (p > ctx->text && p[-1] != '\n')
			p--;
		/* A marker in the first line is the explanation, not a cut. */
		if (p - ctx->text > 40)
			cut = (size_t)(p - ctx->text);
	}
	return (cut);
}

static int
own_party(const struct dsn_ctx *ctx, const char *a)
{
	if (strcmp(a, ctx->to) == 0 || strcmp(a, ctx->from) == 0 ||
	    strcmp(a, ctx->om_from) == 0 || strcmp(a, ctx->om_rpath) == 0)
		return (1);
	return (any_in(a, bounce_senders));
}

static int
blank_line(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]))
			return (0);
	return (1);
}

/*
 * The diagnostic for an address at offset at: the rest of its line and
 * the lines up to the next blank line; when that says next to nothing
 * (Exim and qmail put the address alone on its line), the next paragraph.
 */
static void
context(const char *t, size_t cut, size_t at, char *out, size_t outlen)
{
	size_t ls = at;
	while (ls > 0 && t[ls - 1] != '\n')
		ls--;
	size_t i = ls, start = ls, paras = 0, words = 0;
	while (i < cut && paras < 2) {
		const char *nl = memchr(t + i, '\n', cut - i);
		size_t e = nl ? (size_t)(nl - t) : cut;
		if (blank_line(t + i, e - i)) {
			if (words > 24)
				break;
			if (words > 0)
				paras++;
		} else
			words += e - i;
		if (i - start > 900)
			break;
		i = e + 1;
	}
	if (i > cut)
		i = cut;
	dsn_squeeze(out, outlen, t + start, i - start);
}

static int
add_rcpt(struct dsn_ctx *ctx, const char *addr, size_t cut, const char *why,
    size_t whylen)
{
	enum rb_outcome hint = RB_OUTCOME_BOUNCED;
	struct dsn_record *r = dsn_record_new(ctx);
	if (r == NULL)
		return (0);
	dsn_copy(r->recipient, sizeof(r->recipient), addr, strlen(addr));
	if (why != NULL)
		dsn_squeeze(r->diagnostic, sizeof(r->diagnostic), why, whylen);
	else {
		const char *p = r->recipient[0] ? dsn_memcasemem(ctx->text, cut,
		    r->recipient) : NULL;
		if (p != NULL)
			context(ctx->text, cut, (size_t)(p - ctx->text),
			    r->diagnostic, sizeof(r->diagnostic));
		else
			dsn_squeeze(r->diagnostic, sizeof(r->diagnostic),
			    ctx->text, cut);
	}
	if (dsn_memcasemem(ctx->subject, strlen(ctx->subject), "delay") ||
	    dsn_memcasemem(ctx->subject, strlen(ctx->subject), "warning"))
		hint = RB_OUTCOME_DEFERRED;
	dsn_copy(r->action, sizeof(r->action),
	    hint == RB_OUTCOME_DEFERRED ? "delayed" : "failed", 7);
	dsn_record_finish(ctx, r, hint);
	return (1);
}

int
dsn_body_scan(struct dsn_ctx *ctx)
{
	static const char empty[] = "";
	if (ctx->text == NULL) {
		ctx->text = NULL;
	}
	const char *t = ctx->text ? ctx->text : empty;
	size_t cut = ctx->text ? cut_at(ctx) : 0;
	int added = 0;
	char addr[RB_ADDR_MAX];
	size_t st, al;

	/* Exim names the failed recipients in a header. */
	if (ctx->failed_rcpts[0] != '\0') {
		const char *p = ctx->failed_rcpts;
		size_t n = strlen(p);
		while (dsn_find_addr(p, n, &st, &al)) {
			dsn_addr_clean(addr, sizeof(addr), p + st, al);
			added += add_rcpt(ctx, addr, cut, NULL, 0);
			p += st + al;
			n -= st + al;
			if (ctx->res->truncated)
				break;
		}
		if (added > 0)
			return (added);
	}

	size_t off = 0;
	while (off < cut && !ctx->res->truncated &&
	    dsn_find_addr(t + off, cut - off, &st, &al)) {
		dsn_addr_clean(addr, sizeof(addr), t + off + st, al);
		off += st + al;
		if (own_party(ctx, addr))
			continue;
		/* Once per address: later mentions are in diagnostics. */
		int seen = 0;
		for (size_t i = 0; i < ctx->res->n; i++)
			if (strcmp(ctx->res->rec[i].recipient, addr) == 0)
				seen = 1;
		if (seen)
			continue;
		/* An address inside an earlier recipient's reply is not one. */
		if (added > 0) {
			const char *prev = ctx->res->rec[ctx->res->n - 1]
			    .diagnostic;
			if (strstr(prev, addr) != NULL)
				continue;
		}
		added += add_rcpt(ctx, addr, cut, NULL, 0);
	}
	if (added == 0) {
		/* No address given: the original's To, or VERP, and all text. */
		added = add_rcpt(ctx, ctx->om_to, cut, t, cut);
	}
	return (added);
}

/* RFC 3464 records that carry no Diagnostic-Code get the readable text. */
void
dsn_body_fill(struct dsn_ctx *ctx)
{
	if (ctx->text == NULL)
		return;
	size_t cut = cut_at(ctx);
	for (size_t i = 0; i < ctx->res->n; i++) {
		struct dsn_record *r = &ctx->res->rec[i];
		if (r->diagnostic[0] != '\0' || r->v.outcome ==
		    RB_OUTCOME_COMPLAINT)
			continue;
		const char *p = r->recipient[0] ? dsn_memcasemem(ctx->text,
		    cut, r->recipient) : NULL;
		if (p != NULL)
			context(ctx->text, cut, (size_t)(p - ctx->text),
			    r->diagnostic, sizeof(r->diagnostic));
		else
			dsn_squeeze(r->diagnostic, sizeof(r->diagnostic),
			    ctx->text, cut);
		/* Classify again with the words now known. */
		enum rb_outcome hint = r->v.outcome;
		r->replycode = 0;
		dsn_record_finish(ctx, r, hint == RB_OUTCOME_EXPIRED ?
		    RB_OUTCOME_BOUNCED : hint);
	}
}
