/*
 * dsn_body.c - bounces whose facts are only in the human-readable text.
 *
 * Mail systems that send no delivery-status part (Exim, qmail, old
 * Sendmail and Postfix, Exchange, the webmail providers, the Japanese
 * carriers, ...) all follow one layout, whatever their wording:
 *   - an explanation paragraph,
 *   - each failed recipient as an address on a line of its own or at the
 *     start of a line ("<a@b>:", "  a@b", "a@b: 550 ..."), followed by or
 *     on the same line as the remote server's reply or the local error
 *     (old Sendmail the other way round: each recipient's summary line
 *     closes the transcript about it),
 *   - a marker line, then the returned original message or its headers
 *     (or those headers with no marker before them).
 * So: cut the text at the marker, take the addresses before it that are
 * not the bounce's own parties, and give each the paragraph it heads as the
 * diagnostic.  The classifier reads the words; this file only finds them.
 * The original's headers after the cut are read too, for every format:
 * their Message-ID ties the bounce to mail sent from here.
 *
 * Works on the dsn_ctx of one call; any thread.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dsn_int.h"
#include "util.h"

/* Lines after which the returned message starts. */
static const char *const orig_markers[] = {
	"copy of the message",
	"original message",
	"original mail",
	"returned message",
	"below this line is a copy",
	"message headers follow",
	"message header follows",
	"header of the original",
	"headers of the original",
	"unsent message below",
	"unsent message follows",
	"original message header",
	"copy of your message",
	"content-type: message/rfc822",
	"your message reads",
	"this is the beginning of your message",
	"--- message text",
	"message you sent follows",
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
	"permanent error", "mail could not",
	/* Japanese: error notice, delivery error, undelivered. */
	"\xe3\x82\xa8\xe3\x83\xa9\xe3\x83\xbc\xe9\x80\x9a\xe7\x9f\xa5",
	"\xe9\x85\x8d\xe4\xbf\xa1\xe3\x82\xa8\xe3\x83\xa9\xe3\x83\xbc",
	"\xe4\xb8\x8d\xe9\x81\x94", "\xe6\x9c\xaa\xe9\x81\x94", NULL
};

/*
 * What the explanation of a bounce says, in the systems that mark it
 * neither in the sender nor in the subject (the Japanese carriers'
 * "no-reply" notices, "Subject: Mail").
 */
static const char *const bounce_words[] = {
	"could not be delivered to", "was not delivered to",
	"delivery to the following recipient", "delivery has failed",
	"undeliverable to", "permanent fatal error", NULL
};

static const char *const bounce_senders[] = {
	"mailer-daemon", "mailer_daemon", "postmaster", "mail-daemon",
	"maildaemon", "mdaemon", "mail.delivery", "bounce", "nobody@",
	"mailerdaemon", "mail-delivery", "mailerd", "post_master", NULL
};

/* The senders of bounces only: mail from a postmaster is mail too. */
static const char *const daemons[] = {
	"mailer-daemon", "mailer_daemon", "mailerdaemon", "mail-daemon",
	"maildaemon", NULL
};

static const char *const autoreply_subjects[] = {
	"auto:", "automatic reply", "auto reply", "auto-reply", "autoreply",
	"out of office", "out of the office", "vacation", "abwesenheit",
	"absence", "away from", "autosvar", "risposta automatica",
	"respuesta autom", "réponse automatique", "automatische antwort",
	"autoresponder", "auto response", "auto-response", "automatyczna",
	"automatisch antwoord", "resposta autom", "automatisk svar",
	"automaattinen vastaus", "automatikus v\xc3\xa1lasz",
	"otomatik yan\xc4\xb1t", "otomatik cevap",
	"automatick\xc3\xa1 odpov\xc4\x9b\xc4\x8f",
	/* Russian "Автоответ", "Автоматический ответ": the first letter's
	 * case is not folded, so the words start after it. */
	"\xd0\xb2\xd1\x82\xd0\xbe\xd0\xbe\xd1\x82\xd0\xb2\xd0\xb5\xd1\x82",
	"\xd0\xb2\xd1\x82\xd0\xbe\xd0\xbc\xd0\xb0\xd1\x82\xd0\xb8\xd1\x87\xd0\xb5\xd1\x81\xd0\xba\xd0\xb8\xd0\xb9 \xd0\xbe\xd1\x82\xd0\xb2\xd0\xb5\xd1\x82",
	/* Chinese (simplified, traditional), Japanese, Korean. */
	"\xe8\x87\xaa\xe5\x8a\xa8\xe5\x9b\x9e\xe5\xa4\x8d",
	"\xe8\x87\xaa\xe5\x8b\x95\xe5\x9b\x9e\xe8\xa6\x86",
	"\xe8\x87\xaa\xe5\x8b\x95\xe8\xbf\x94\xe4\xbf\xa1",
	"\xe8\x87\xaa\xe5\x8b\x95\xe5\xbf\x9c\xe7\xad\x94",
	"\xec\x9e\x90\xeb\x8f\x99 \xec\x9d\x91\xeb\x8b\xb5",
	"\xec\x9e\x90\xeb\x8f\x99\xec\x9d\x91\xeb\x8b\xb5",
	/* The acknowledgements help desks and people send by machine. */
	"thank you for your e-mail", "thank you for your email",
	"thank you for your message", "thanks for your e-mail",
	"thanks for your email", "thanks for your message", NULL
};

static size_t cut_at(struct dsn_ctx *);
static size_t line_start(const char *, size_t);

/*
 * Does the line at ls open the returned message's header block with no
 * marker before it (Zoho, EZweb)?  It must be a trace field, Received: or
 * Return-Path:, with fields of the original message (From:, To:, Date:,
 * Subject:, Message-ID:) among the next lines: one word alone is not
 * enough, an explanation may quote it.  A block from a mailer daemon is
 * an earlier bounce forwarded as text, whose failed recipients follow it.
 */
static int
header_block_at(const char *t, size_t n, size_t ls)
{
	static const char *const trace[] = { "received:", "return-path:",
	    NULL };
	static const char *const orig[] = { "from:", "to:", "date:",
	    "subject:", "message-id:", NULL };
	int k, found = 0;

	for (k = 0; trace[k] != NULL; k++)
		if (n - ls >= strlen(trace[k]) &&
		    strncasecmp(t + ls, trace[k], strlen(trace[k])) == 0)
			break;
	if (trace[k] == NULL)
		return (0);
	size_t at = ls;
	for (int line = 0; line < 12; line++) {
		const char *nl = memchr(t + at, '\n', n - at);
		if (nl == NULL)
			break;
		at = (size_t)(nl - t) + 1;
		for (k = 0; orig[k] != NULL; k++)
			if (n - at >= strlen(orig[k]) &&
			    strncasecmp(t + at, orig[k], strlen(orig[k])) == 0)
				break;
		if (orig[k] == NULL)
			continue;
		if (k == 0) {
			const char *e = memchr(t + at, '\n', n - at);
			size_t fl = e ? (size_t)(e - t) - at : n - at;
			for (int d = 0; daemons[d] != NULL; d++)
				if (util_memcasemem(t + at, fl, daemons[d]))
					return (0);
		}
		found++;
	}
	return (found >= 2);
}

static int
any_in(const char *s, const char *const *list)
{
	size_t n = strlen(s);
	for (int i = 0; list[i] != NULL; i++)
		if (util_memcasemem(s, n, list[i]) != NULL)
			return (1);
	return (0);
}

/*
 * Does w occur in t[0..n) on a line that is not quoted ("> ")?  A person
 * who forwards or answers a bounce quotes its words; they are then that
 * person's message, not a report from a mail system.
 */
static int
unquoted_at(const char *t, size_t n, const char *w)
{
	size_t off = 0, wl = strlen(w);
	const char *p;

	while (off < n && (p = util_memcasemem(t + off, n - off, w)) != NULL) {
		size_t at = (size_t)(p - t), ls = line_start(t, at);
		while (ls < at && (t[ls] == ' ' || t[ls] == '\t'))
			ls++;
		if (t[ls] != '>')
			return (1);
		off = at + wl;
	}
	return (0);
}

int
dsn_body_is_bounce(struct dsn_ctx *ctx)
{
	if (ctx->failed_rcpts[0] != '\0')
		return (1);
	if (any_in(ctx->from, bounce_senders))
		return (1);
	if (ctx->auto_replied && any_in(ctx->subject, autoreply_subjects))
		return (0);
	if (any_in(ctx->subject, bounce_subjects))
		return (1);
	if (ctx->text == NULL)
		return (0);
	size_t cut = cut_at(ctx);
	for (int i = 0; bounce_words[i] != NULL; i++)
		if (unquoted_at(ctx->text, cut, bounce_words[i]))
			return (1);
	return (0);
}

int
dsn_body_is_autoreply(const struct dsn_ctx *ctx)
{
	return (ctx->auto_replied || any_in(ctx->subject, autoreply_subjects));
}

/*
 * Is the marker found at m the line after which the returned message
 * starts?  Not when it opens the text: that is the explanation ("This is
 * a copy of the message, ...").  Not when the next line that is neither
 * blank nor a rule of dashes is anything but a header field: the words
 * were a sentence of the explanation ("delete your own text from the
 * attached returned message.", "The original message was received at
 * ..."), and the failed recipients follow it -- unless the marker's line
 * opens with a rule of dashes (qmail's "--- Below this line is a copy of
 * the message.", Exim's "------ This is a copy of the message, ..."): a
 * separator, never a sentence, whatever comes under it.  A marker with
 * nothing after it is one whose message was left out.
 */
static int
marker_line(const char *t, size_t n, const char *m)
{
	const char *p = m, *end = t + n;

	while (p > t && p[-1] != '\n')
		p--;
	const char *q = t;
	while (q < p && isspace((unsigned char)*q))
		q++;
	if (q == p)
		return (0);
	q = p;
	while (q < m && (*q == ' ' || *q == '\t'))
		q++;
	if (m - q >= 3 && strncmp(q, "---", 3) == 0)
		return (1);
	p = memchr(m, '\n', (size_t)(end - m));
	while (p != NULL && p < end) {
		p++;
		const char *e = memchr(p, '\n', (size_t)(end - p));
		const char *le = e ? e : end;
		const char *c = p;
		while (c < le && strchr(" \t-=_*", *c) != NULL)
			c++;
		if (c < le) {
			/* A field name, then its colon. */
			c = p;
			while (c < le && (isalnum((unsigned char)*c) ||
			    *c == '-'))
				c++;
			return (c - p >= 2 && c < le && *c == ':');
		}
		p = e;
	}
	return (1);
}

/*
 * Offset where the returned message starts in the text.  Found once per
 * text: the bounce test, the scan and the fill all ask for it.
 */
static size_t
cut_at(struct dsn_ctx *ctx)
{
	if (ctx->cut_known)
		return (ctx->cut);
	size_t cut = ctx->textlen;
	for (int i = 0; orig_markers[i] != NULL; i++) {
		size_t off = 0;
		const char *p;
		while (off < cut && (p = util_memcasemem(ctx->text + off,
		    cut - off, orig_markers[i])) != NULL) {
			if (!marker_line(ctx->text, ctx->textlen, p)) {
				/* One test per line: the answer is the line's. */
				const char *e = memchr(p, '\n', cut -
				    (size_t)(p - ctx->text));
				off = e ? (size_t)(e - ctx->text) + 1 : cut;
				continue;
			}
			/* Back to the start of the marker's line. */
			while (p > ctx->text && p[-1] != '\n')
				p--;
			cut = (size_t)(p - ctx->text);
			break;
		}
	}
	/* No marker before it: the returned message's own header block. */
	for (size_t ls = 0; ls < cut; ) {
		if (ls > 0 && header_block_at(ctx->text, cut, ls)) {
			cut = ls;
			ctx->cut_at_headers = 1;
			break;
		}
		const char *nl = memchr(ctx->text + ls, '\n', cut - ls);
		if (nl == NULL)
			break;
		ls = (size_t)(nl - ctx->text) + 1;
	}
	ctx->cut = cut;
	ctx->cut_known = 1;
	return (cut);
}

static int
own_party(const struct dsn_ctx *ctx, const char *a)
{
	/*
	 * The To: header, not X-Original-To: some agents (DMA) copy the
	 * failed recipient into the bounce's own X-Original-To.
	 */
	if (strcasecmp(a, ctx->to_hdr[0] ? ctx->to_hdr : ctx->to) == 0 ||
	    strcasecmp(a, ctx->from) == 0 ||
	    strcasecmp(a, ctx->om_from) == 0 ||
	    strcasecmp(a, ctx->om_rpath) == 0)
		return (1);
	return (any_in(a, bounce_senders));
}

/* Is there a reply code and a blank at t[i] ("554 "), within n? */
static int
reply_code_at(const char *t, size_t n, size_t i)
{
	return (n - i >= 4 && (t[i] == '4' || t[i] == '5') &&
	    isdigit((unsigned char)t[i + 1]) &&
	    isdigit((unsigned char)t[i + 2]) && t[i + 3] == ' ');
}

/*
 * Does the address at offset at head its line?  Only white space, quoting
 * and list marks, or a short label ("Recipient:", "Failed address:"), may
 * stand before it; a label naming a header of the original ("To:",
 * "From:") means it is the original's party, not a failed recipient.
 */
static int
heads_line(const char *t, size_t at)
{
	size_t ls = at;
	while (ls > 0 && t[ls - 1] != '\n')
		ls--;
	size_t i = ls;
	while (i < at && strchr(" \t<\"'*-:>(", t[i]) != NULL)
		i++;
	/* Sendmail: "554 <a@b>... reason", a reply code before the address. */
	if (reply_code_at(t, at, i)) {
		i += 4;
		while (i < at && strchr(" \t<", t[i]) != NULL)
			i++;
	}
	if (i == at)
		return (1);
	const char *colon = memchr(t + i, ':', at - i);
	if (colon == NULL || at - i > 32)
		return (0);
	static const char *const hdr[] = { "to:", "from:", "cc:", "bcc:",
	    "sent:", "subject:", "date:", "reply-to:", "return-path:",
	    "sender:", "envelope-from", "mail from:", "message-id:",
	    "in-reply-to:", "references:", "received:", NULL };
	for (int k = 0; hdr[k] != NULL; k++)
		if (strncasecmp(t + i, hdr[k], strlen(hdr[k])) == 0)
			return (0);
	for (const char *p = colon + 1; p < t + at; p++)
		if (strchr(" \t<\"'", *p) == NULL)
			return (0);
	return (1);
}

static size_t
line_start(const char *t, size_t at)
{
	while (at > 0 && t[at - 1] != '\n')
		at--;
	return (at);
}

/*
 * Add a record for addr with the text why about it; when that text says
 * nothing a verdict can use and alt is given, alt instead.  item: the
 * address stands alone on its line, an item of a list of failed
 * recipients.  Returns 1 if a record was added.
 */
int
dsn_body_add_rcpt(struct dsn_ctx *ctx, const char *addr, const char *why,
    size_t whylen, const char *alt, size_t altlen, int item)
{
	enum rb_outcome hint = RB_OUTCOME_BOUNCED;
	struct dsn_record *r = dsn_record_new(ctx);
	if (r == NULL)
		return (0);
	/*
	 * Exchange 5.5 names the recipient in X.400 words, the mail address
	 * its last attribute: "c=US;p=IKON;o=Nexus2;dda:SMTP=bob@example.COM;",
	 * found in the text as "SMTP=bob@example.COM".
	 */
	char x400[RB_ADDR_MAX];
	if (dsn_x400_mail_addr(x400, sizeof(x400), addr, strlen(addr)))
		addr = x400;
	dsn_copy(r->recipient, sizeof(r->recipient), addr, strlen(addr));
	char *dom = strrchr(r->recipient, '@');
	if (dom != NULL)
		util_lower(dom);	/* the domain is case-blind */
	dsn_squeeze(r->diagnostic, sizeof(r->diagnostic), why, whylen);
	ctx->block = why;
	ctx->blocklen = whylen;
	if (util_memcasemem(ctx->subject, strlen(ctx->subject), "delay") ||
	    util_memcasemem(ctx->subject, strlen(ctx->subject), "warning"))
		hint = RB_OUTCOME_DEFERRED;
	dsn_copy(r->action, sizeof(r->action),
	    hint == RB_OUTCOME_DEFERRED ? "delayed" : "failed", 7);
	dsn_record_finish(ctx, r, hint);
	ctx->block = NULL;
	ctx->blocklen = 0;
	/*
	 * An address in a notice that gives no code and no words a mail
	 * system uses for a failure is not evidence that delivery failed,
	 * unless a delivery-status part, however empty, says it is a DSN.
	 */
	if (r->v.reason == RB_REASON_UNDEFINED && r->replycode == 0 &&
	    r->v.enhanced[0] == '\0' && r->v.rule != NULL &&
	    strcmp(r->v.rule, "none") == 0 &&
	    (ctx->status == NULL || alt != NULL)) {
		if (alt != NULL) {
			ctx->res->n--;
			return (dsn_body_add_rcpt(ctx, addr, alt, altlen, NULL,
			    0, item));
		}
		/*
		 * Unless the message says of itself that it is a bounce, by
		 * its sender or its subject ("Undeliverable message" from
		 * the postmaster), and lists the address as an item under
		 * its explanation: then delivery to it failed, for a cause
		 * given in words we do not know (Notes in Japanese).  On
		 * hold, for review: never suppressed on that.  An address
		 * in a line of its own words ("target mail address: a@b")
		 * is not enough.
		 */
		if (!item || (!any_in(ctx->from, bounce_senders) &&
		    !any_in(ctx->subject, bounce_subjects))) {
			ctx->res->n--;
			return (0);
		}
		r->v.reason = RB_REASON_ONHOLD;
		r->v.rule = "onhold";
		/* The pseudo-status of the reason, as for any other. */
		snprintf(r->status, sizeof(r->status), "%c.0.901",
		    r->status[0] == '4' ? '4' : '5');
	}
	/* Nobody to suppress or retry: nothing to report. */
	if (r->recipient[0] == '\0') {
		ctx->res->n--;
		return (0);
	}
	return (1);
}

/*
 * Is the line at ls the address alone ("a@b", "<a@b>", "* a@b", or
 * qmail's "<a@b>:" with no reason lines under it)?  Then it is an item of
 * a list that an explanation above heads (EZweb, Notes, old Sendmail,
 * qmail), not a line or field that carries its own reason.
 */
static int
alone_on_line(const char *t, size_t ls, size_t n, const char *addr)
{
	const char *e = memchr(t + ls, '\n', n - ls);
	size_t le = e ? (size_t)(e - t) : n;
	char line[RB_ADDR_MAX + 8];

	dsn_squeeze(line, sizeof(line), t + ls, le - ls);
	const char *l = line;
	size_t ll = strlen(line), al = strlen(addr);
	/* An item of a bulleted list ("* a@b", "- a@b"). */
	if (ll >= 2 && (l[0] == '*' || l[0] == '-') && l[1] == ' ') {
		l += 2;
		ll -= 2;
	}
	if (ll >= 3 && l[0] == '<' && l[ll - 1] == ':' && l[ll - 2] == '>')
		ll--;
	if (ll >= 2 && l[0] == '<' && l[ll - 1] == '>') {
		l++;
		ll -= 2;
	}
	if (ll == al && strncasecmp(l, addr, al) == 0)
		return (1);
	/*
	 * With its display name: "Bob Smith <a@b>", "\"a@b\" <a@b>" (CDO
	 * and Outlook notices).  A name is a quoted string or a few words
	 * without the marks of a sentence or a field (':', ',', ';').
	 */
	if (ll < al + 4 || l[ll - 1] != '>' || l[ll - al - 2] != '<' ||
	    strncasecmp(l + ll - al - 1, addr, al) != 0)
		return (0);
	size_t nl = ll - al - 2;
	while (nl > 0 && l[nl - 1] == ' ')
		nl--;
	if (nl == 0)
		return (0);
	if (nl >= 2 && (l[0] == '"' || l[0] == '\'') && l[nl - 1] == l[0])
		return (memchr(l + 1, l[0], nl - 2) == NULL);
	int words = 1;
	for (size_t k = 0; k < nl; k++) {
		if (strchr(":,;<>@\"()[]", l[k]) != NULL)
			return (0);
		words += l[k] == ' ';
	}
	return (words <= 4);
}

/*
 * Is the line at ls the envelope recipient and nothing else ("RCPT TO:
 * a@b")?  An item of the message details listed under the error (Apache
 * James), whose reason is above it, as for an address alone.
 */
static int
rcpt_to_line(const char *t, size_t ls, size_t n, const char *addr)
{
	while (ls < n && (t[ls] == ' ' || t[ls] == '\t'))
		ls++;
	if (n - ls < 8 || strncasecmp(t + ls, "rcpt to:", 8) != 0)
		return (0);
	return (alone_on_line(t, ls + 8, n, addr));
}

/*
 * Is the address at t[at..at+al) (addr, cleaned) a recipient block's head
 * of qmail's form, "<a@example.org>:" alone on its line?  That form names
 * a failed recipient whoever the bounce goes to: mail a sender sent to
 * itself bounces to the same address.
 */
static int
block_head(const char *t, size_t n, size_t at, size_t al, const char *addr)
{
	size_t e = at + al;
	return (e + 1 < n && t[e] == '>' && t[e + 1] == ':' &&
	    alone_on_line(t, line_start(t, at), n, addr));
}

/* Where the block of the text about addr starts and ends. */
struct spot {
	char addr[RB_ADDR_MAX];
	size_t at;
};

#define SPOTS_MAX	1024

/* The spots of one scan, grown as found: most bounces name one or two. */
struct spots {
	struct spot *v;
	size_t n, cap;
	int full;	/* one more was found past SPOTS_MAX */
};

/* A new spot at the end, or NULL when SPOTS_MAX are taken or no memory. */
static struct spot *
spot_add(struct spots *ss)
{
	if (ss->n == ss->cap) {
		if (ss->cap == SPOTS_MAX) {
			ss->full = 1;
			return (NULL);
		}
		size_t nc = ss->cap ? ss->cap * 2 : 8;
		struct spot *nv = realloc(ss->v, nc * sizeof(*nv));
		if (nv == NULL)
			return (NULL);
		ss->v = nv;
		ss->cap = nc;
	}
	return (&ss->v[ss->n++]);
}

/*
 * Is the address at offset at a message identifier ("Message-ID:
 * <x@host>", "References: <...>" quoted in a transcript), which has the
 * shape of an address but names no mailbox?
 */
static int
message_id_at(const char *t, size_t at)
{
	static const char *const labels[] = { "message-id:", "message-id",
	    "msgid=", "references:", "in-reply-to:", NULL };
	size_t i = at;

	while (i > 0 && (t[i - 1] == '<' || t[i - 1] == ' ' ||
	    t[i - 1] == '\t') && at - i < 8)
		i--;
	for (int k = 0; labels[k] != NULL; k++) {
		size_t n = strlen(labels[k]);
		if (i >= n && strncasecmp(t + i - n, labels[k], n) == 0)
			return (1);
	}
	return (0);
}

/*
 * Is the address at offset at named as the mail's sender ("they are not
 * accepting mail from a@b", "a message from <a@b>")?  That is the party
 * the bounce returns to, never the recipient who failed, even when the
 * report does not name it in a header we know.
 */
static int
sender_at(const char *t, size_t at)
{
	size_t i = at;

	while (i > 0 && (t[i - 1] == '<' || t[i - 1] == ' ' ||
	    t[i - 1] == '\t' || t[i - 1] == ':') && at - i < 8)
		i--;
	return (i >= 4 && strncasecmp(t + i - 4, "from", 4) == 0 &&
	    (i == 4 || !isalnum((unsigned char)t[i - 5])) && i < at);
}

/*
 * Where a mail gateway's footer starts within t[from..end), or end: a
 * paragraph of its own, after a blank line or a rule, that says "This
 * email has been scanned ..." (for spam and viruses, and how to report
 * it as spam) speaks of the gateway, not of why the mail failed, and its
 * words must not decide the verdict.  A reason that says a scan found
 * something ("The message was scanned and a virus found") is no footer.
 */
static size_t
footer_cut(const char *t, size_t from, size_t end)
{
	static const char *const footers[] = { "has been scanned",
	    "was scanned by", NULL };
	static const char *const findings[] = { "found", "infect", "contain",
	    "reject", "detect", "block", "quarantin", "refus", NULL };

	for (int i = 0; footers[i] != NULL; i++) {
		const char *p = util_memcasemem(t + from, end - from, footers[i]);
		if (p == NULL)
			continue;
		size_t ls = line_start(t, (size_t)(p - t));
		if (ls <= from || strncasecmp(t + ls, "this ", 5) != 0)
			continue;
		/* A finding is a reason, not a footer. */
		const char *le = memchr(t + ls, '\n', end - ls);
		size_t ll = le != NULL ? (size_t)(le - t) - ls : end - ls;
		int finding = 0;
		for (int f = 0; findings[f] != NULL && !finding; f++)
			finding = util_memcasemem(t + ls, ll, findings[f]) != NULL;
		if (finding)
			continue;
		/* The line before: blank, or a rule of dashes or the like. */
		size_t pe = ls - 1, ps = line_start(t, pe), k = ps;
		while (k < pe && strchr(" \t\r-_=*", t[k]) != NULL)
			k++;
		if (k == pe && ls < end)
			end = ls;
	}
	return (end);
}

/*
 * Collect the recipient spots before cut: addresses heading their lines
 * (or, when strict is 0, any address), each once, none of the bounce's
 * own parties.
 */
static size_t
find_spots(const struct dsn_ctx *ctx, const char *t, size_t cut, int strict,
    struct spots *ss)
{
	size_t off = 0, st, al;
	char addr[RB_ADDR_MAX];

	while (off < cut && dsn_find_addr(t + off, cut - off, &st, &al)) {
		size_t at = off + st;
		dsn_addr_clean(addr, sizeof(addr), t + at, al);
		off = at + al;
		/*
		 * The bounce's To: (and so the original's From:) only where
		 * no block heads with it.
		 */
		int own = own_party(ctx, addr) && !(strict &&
		    strcasecmp(addr, ctx->to_hdr[0] ? ctx->to_hdr :
		    ctx->to) == 0 && strcasecmp(addr, ctx->from) != 0 &&
		    block_head(t, cut, at, al, addr));
		if (own || message_id_at(t, at) || sender_at(t, at) ||
		    (strict && !heads_line(t, at)))
			continue;
		int seen = 0;
		for (size_t i = 0; i < ss->n && !seen; i++)
			seen = strcasecmp(ss->v[i].addr, addr) == 0;
		if (seen)
			continue;
		struct spot *p = spot_add(ss);
		if (p == NULL)
			break;
		memcpy(p->addr, addr, sizeof(addr));
		p->at = line_start(t, at);
	}
	return (ss->n);
}

/*
 * Where, after the line of spot i and before end, a line is headed by
 * another recipient's address; end if none is.  Notices that say it all
 * twice (Mail.ru: Russian, then English) name every recipient again, and
 * the last one's block would otherwise run on through the repetition and
 * take in the others' replies.  Only other recipients end it: the same
 * address heading a later line may be the line that gives its reason.
 */
static size_t
next_other(const char *t, const struct spot *sp, size_t n, size_t i,
    size_t end)
{
	const char *nl = memchr(t + sp[i].at, '\n', end - sp[i].at);
	size_t from = nl ? (size_t)(nl - t) + 1 : end;

	for (size_t j = 0; j < n; j++) {
		if (j == i)
			continue;
		size_t off = from;
		const char *q;
		while (off < end && (q = util_memcasemem(t + off, end - off,
		    sp[j].addr)) != NULL) {
			size_t at = (size_t)(q - t);
			if (heads_line(t, at)) {
				end = line_start(t, at);
				break;
			}
			off = at + 1;
		}
	}
	return (end);
}

/*
 * Is the line at ls Sendmail's summary for addr, "554 <a@b>... reason"?
 * Old Sendmail (V5) lists no failed addresses: each recipient's summary
 * closes the part of the transcript about it ("While talking to ...:",
 * ">>> MAIL From:", "<<< 501 ...", "550 host (smtp)... ..."), which comes
 * before it, not after.
 */
static int
summary_line(const char *t, size_t ls, size_t n, const char *addr)
{
	size_t al = strlen(addr);

	if (n - ls < 6 + al || !reply_code_at(t, n, ls))
		return (0);
	size_t i = ls + 4;
	if (t[i] == '<')
		i++;
	if (n - i < al + 4 || strncasecmp(t + i, addr, al) != 0)
		return (0);
	i += al;
	if (t[i] == '>')
		i++;
	return (n - i >= 3 && memcmp(t + i, "...", 3) == 0);
}

/* Is the line at ls one of a Sendmail transcript's? */
static int
transcript_line(const char *t, size_t ls, size_t n)
{
	static const char *const starts[] = { ">>> ", "<<< ",
	    "while talking to ", "... while talking to ", NULL };

	for (int k = 0; starts[k] != NULL; k++)
		if (n - ls >= strlen(starts[k]) && strncasecmp(t + ls,
		    starts[k], strlen(starts[k])) == 0)
			return (1);
	/* A reply code, then a host or address and Sendmail's "...". */
	if (n - ls < 5 || !reply_code_at(t, n, ls))
		return (0);
	const char *e = memchr(t + ls, '\n', n - ls);
	size_t le = e ? (size_t)(e - t) : n;
	return (util_memcasemem(t + ls, le - ls, "... ") != NULL);
}

/*
 * The block of a recipient whose spot is its Sendmail summary: the
 * transcript lines right above it, back to a blank line or another
 * recipient's line, and the summary line itself.
 */
static void
summary_block(const char *t, const struct spot *sp, size_t nsp, size_t i,
    size_t cut, size_t *from, size_t *end)
{
	size_t ls = sp[i].at;
	const char *e = memchr(t + ls, '\n', cut - ls);

	*end = e ? (size_t)(e - t) + 1 : cut;
	*from = ls;
	for (int lines = 0; *from > 0 && lines < 32; lines++) {
		size_t prev = line_start(t, *from - 1);
		if (!transcript_line(t, prev, cut))
			break;
		for (size_t j = 0; j < nsp; j++)
			if (j != i && sp[j].at == prev)
				return;
		*from = prev;
	}
}

/*
 * The original's headers quoted as text after the cut (Verizon, old
 * Sendmail, m-FILTER, a report whose parts lost their boundaries): its
 * Message-ID ties the bounce to mail sent from here, its To: is the
 * recipient when the notice names none.  Only fields no part gave are
 * taken.
 */
void
dsn_body_quoted_headers(struct dsn_ctx *ctx)
{
	if (ctx->text == NULL || (ctx->om_to[0] != '\0' &&
	    ctx->om_msgid[0] != '\0'))
		return;
	const char *t = ctx->text;
	size_t cut = cut_at(ctx);
	if (cut >= ctx->textlen)
		return;
	/* After the marker line, or from the header block's start. */
	const char *nl = ctx->cut_at_headers ? t + cut - 1 :
	    memchr(t + cut, '\n', ctx->textlen - cut);
	if (nl == NULL)
		return;
	char to[RB_ADDR_MAX], from[RB_ADDR_MAX], rpath[RB_ADDR_MAX];
	char msgid[RB_MSGID_MAX];
	memcpy(to, ctx->om_to, sizeof(to));
	memcpy(from, ctx->om_from, sizeof(from));
	memcpy(rpath, ctx->om_rpath, sizeof(rpath));
	memcpy(msgid, ctx->om_msgid, sizeof(msgid));
	dsn_report_rfc822_headers(ctx, nl + 1,
	    ctx->textlen - (size_t)(nl + 1 - t));
	/*
	 * Headers from a mailer daemon are an earlier bounce forwarded as
	 * text, not the original: its Message-ID is nobody's mail.
	 */
	if (from[0] == '\0' && any_in(ctx->om_from, daemons)) {
		memcpy(ctx->om_to, to, sizeof(to));
		memcpy(ctx->om_from, from, sizeof(from));
		memcpy(ctx->om_rpath, rpath, sizeof(rpath));
		memcpy(ctx->om_msgid, msgid, sizeof(msgid));
	}
}

int
dsn_body_scan(struct dsn_ctx *ctx)
{
	static const char empty[] = "";
	const char *t = ctx->text ? ctx->text : empty;
	size_t cut = ctx->text ? cut_at(ctx) : 0;
	int added = 0;
	struct spots ss = { NULL, 0, 0, 0 };
	struct spot *sp;
	size_t n;

	/* Exim names the failed recipients in a header. */
	if (ctx->failed_rcpts[0] != '\0') {
		const char *p = ctx->failed_rcpts;
		size_t pl = strlen(p), st, al;
		struct spot *s;
		while (dsn_find_addr(p, pl, &st, &al) &&
		    (s = spot_add(&ss)) != NULL) {
			dsn_addr_clean(s->addr, sizeof(s->addr), p + st, al);
			const char *q = util_memcasemem(t, cut, s->addr);
			s->at = q ? line_start(t, (size_t)(q - t)) : cut;
			p += st + al;
			pl -= st + al;
		}
	}
	n = ss.n;
	if (n == 0)
		n = find_spots(ctx, t, cut, 1, &ss);
	if (n == 0)
		n = find_spots(ctx, t, cut, 0, &ss);
	sp = ss.v;
	for (size_t i = 0; i < n && !ctx->res->truncated; i++) {
		/* A recipient's block runs to the next recipient's line. */
		size_t end = cut;
		for (size_t j = 0; j < n; j++)
			if (sp[j].at > sp[i].at && sp[j].at < end)
				end = sp[j].at;
		size_t from = sp[i].at < cut ? sp[i].at : 0;
		if (sp[i].at < cut && n > 1 && n <= 16)
			end = next_other(t, sp, n, i, end);
		if (sp[i].at < cut && summary_line(t, sp[i].at, cut,
		    sp[i].addr))
			summary_block(t, sp, n, i, cut, &from, &end);
		end = footer_cut(t, from, end);
		if (end - from > 2000)
			end = from + 2000;
		size_t afrom = end > 2000 ? end - 2000 : 0;
		/*
		 * X-Failed-Recipients lists the failures, as an item under
		 * an explanation does.
		 */
		int alone = (sp[i].at < cut && (alone_on_line(t, sp[i].at, cut,
		    sp[i].addr) || rcpt_to_line(t, sp[i].at, cut,
		    sp[i].addr))) || (ctx->failed_rcpts[0] != '\0' &&
		    sp[i].at >= cut);
		added += dsn_body_add_rcpt(ctx, sp[i].addr, t + from,
		    end - from, alone ? t + afrom : NULL, end - afrom, alone);
	}
	if (added == 0 && n == 0) {
		/*
		 * No address given: the original's To, or the one address a
		 * bounce subject names ("Undeliverable: bob@example.org"),
		 * or VERP; and all the text.
		 */
		char subj[RB_ADDR_MAX] = "";
		const char *sj = ctx->subject;
		size_t sl = strlen(sj), st, al, st2, al2;
		if (ctx->om_to[0] == '\0' && any_in(sj, bounce_subjects) &&
		    dsn_find_addr(sj, sl, &st, &al) &&
		    !dsn_find_addr(sj + st + al, sl - st - al, &st2, &al2)) {
			dsn_addr_clean(subj, sizeof(subj), sj + st, al);
			if (own_party(ctx, subj))
				subj[0] = '\0';
		}
		added = dsn_body_add_rcpt(ctx, ctx->om_to[0] ? ctx->om_to :
		    subj, t, cut, NULL, 0, 0);
	}
	/* More recipients named than were read: say so, as for a report. */
	if (added > 0 && (ss.full || ctx->failed_rcpts_cut))
		ctx->res->truncated = 1;
	free(ss.v);
	return (added);
}

/*
 * RFC 3464 records that carry no Diagnostic-Code get the readable text,
 * up to limit when that is not 0 (where a pasted status block begins).
 */
void
dsn_body_fill(struct dsn_ctx *ctx, size_t limit)
{
	if (ctx->text == NULL)
		return;
	size_t cut = cut_at(ctx);
	if (limit > 0 && limit < cut)
		cut = limit;
	for (size_t i = 0; i < ctx->res->n; i++) {
		struct dsn_record *r = &ctx->res->rec[i];
		/*
		 * A delivery needs no explanation, and the text near it may
		 * well be another recipient's failure.
		 */
		if ((r->diagnostic[0] != '\0' && !r->diag_is_comment) ||
		    r->v.outcome == RB_OUTCOME_COMPLAINT ||
		    r->v.outcome == RB_OUTCOME_DELIVERED)
			continue;
		const char *p = r->recipient[0] ? util_memcasemem(ctx->text,
		    cut, r->recipient) : NULL;
		/* The text may name the address it was rewritten into. */
		if (p == NULL && r->orig_recipient[0] != '\0')
			p = util_memcasemem(ctx->text, cut, r->orig_recipient);
		/*
		 * A text that does not name this recipient of several speaks
		 * of the others.
		 */
		if (p == NULL && ctx->res->n > 1)
			continue;
		size_t from = p ? line_start(ctx->text,
		    (size_t)(p - ctx->text)) : 0;
		size_t end = cut - from > 1000 ? from + 1000 : cut;
		/*
		 * The words about this recipient end where the lines about
		 * another begin ("... Connection timeout", then "Delivery to
		 * the following addresses failed: <b@y> ... User does not
		 * exist"): the next line naming another recipient of the
		 * report.  One line naming both stays whole.
		 */
		size_t after = p ? (size_t)(p - ctx->text) + strlen(r->recipient) :
		    from;
		for (size_t j = 0; p != NULL && j < ctx->res->n; j++) {
			const char *o = ctx->res->rec[j].recipient;
			if (j == i || o[0] == '\0' || after >= end ||
			    strcasecmp(o, r->recipient) == 0)
				continue;
			const char *q = util_memcasemem(ctx->text + after,
			    end - after, o);
			if (q == NULL)
				continue;
			size_t ls = line_start(ctx->text, (size_t)(q - ctx->text));
			if (ls > from && ls < end)
				end = ls;
		}
		dsn_squeeze(r->diagnostic, sizeof(r->diagnostic),
		    ctx->text + from, end - from);
		/* Classify again with the words now known. */
		enum rb_outcome hint = r->v.outcome;
		r->replycode = 0;
		dsn_record_finish(ctx, r, hint == RB_OUTCOME_EXPIRED ?
		    RB_OUTCOME_BOUNCED : hint);
	}
}
