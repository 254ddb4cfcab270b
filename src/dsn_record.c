/*
 * dsn_record.c - one recipient's record of a bounce message: its slot in
 * the result (bounded by max_recipients), and its verdict once the format
 * that found it has filled in what the report says.  dsn_record_finish()
 * works out the SMTP stage from each family's words or Sendmail's
 * transcript, whether the server gave up retrying, the reply code, and
 * a status when the report gave none, then asks the classifier.
 *
 * Works on the dsn_ctx of one dsn_parse() call; any thread.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <glib.h>

#include "dsn_int.h"
#include "util.h"

struct dsn_record *
dsn_record_new(struct dsn_ctx *ctx)
{
	struct dsn_result *res = ctx->res;

	if (res->n >= ctx->opt->max_recipients) {
		res->truncated = 1;
		return (NULL);
	}
	if (res->n == res->cap) {
		size_t cap = res->cap ? res->cap * 2 : 4;
		if (cap > ctx->opt->max_recipients)
			cap = ctx->opt->max_recipients;
		struct dsn_record *p = realloc(res->rec, cap * sizeof(*p));
		if (p == NULL)
			return (NULL);
		res->rec = p;
		res->cap = cap;
	}
	struct dsn_record *r = &res->rec[res->n++];
	memset(r, 0, sizeof(*r));
	return (r);
}

/*
 * The status for a reason when the report itself gave none: the "x.0.9nn"
 * pseudo-codes that Sisimai established for exactly this case, so that a
 * derived status is never mistaken for one a server sent.
 */
static int
reason_pseudo(enum rb_reason r)
{
	switch (r) {
	case RB_REASON_ONHOLD:		return (901);
	case RB_REASON_FILTERED:	return (910);
	case RB_REASON_USERUNKNOWN:	return (911);
	case RB_REASON_HOSTUNKNOWN:	return (912);
	case RB_REASON_HASMOVED:	return (916);
	case RB_REASON_REJECTED:	return (918);
	case RB_REASON_SUSPEND:		return (921);
	case RB_REASON_MAILBOXFULL:	return (922);
	case RB_REASON_EXCEEDLIMIT:	return (923);
	case RB_REASON_SYSTEMFULL:	return (931);
	case RB_REASON_NOTACCEPT:	return (932);
	case RB_REASON_MESGTOOBIG:	return (934);
	case RB_REASON_CONTENTERROR:	return (960);
	case RB_REASON_SYNTAXERROR:	return (902);
	case RB_REASON_MAILERERROR:	return (939);
	case RB_REASON_NETWORKERROR:	return (944);
	case RB_REASON_EXPIRED:		return (947);
	case RB_REASON_SYSTEMERROR:	return (930);
	case RB_REASON_NORELAYING:	return (909);
	case RB_REASON_BLOCKED:		return (971);
	case RB_REASON_POLICYVIOLATION:	return (972);
	case RB_REASON_REQUIREPTR:	return (973);
	case RB_REASON_SECURITYERROR:	return (970);
	case RB_REASON_AUTHFAILURE:	return (975);
	case RB_REASON_TOOMANYCONN:	return (945);
	case RB_REASON_SPEEDING:	return (977);
	case RB_REASON_BADREPUTATION:	return (978);
	case RB_REASON_SPAMDETECTED:	return (980);
	case RB_REASON_VIRUSDETECTED:	return (981);
	case RB_REASON_FAILEDSTARTTLS:	return (982);
	default:			return (900);
	}
}

/*
 * The SMTP stage a transcript or explanation names, in the words of each
 * family: Postfix "(in reply to RCPT TO command)", Exim "after end of
 * data", qmail and DMA "did not like our RCPT TO", m-FILTER "SMTP command
 * DATA", Sendmail's ">>> DATA" transcript line.  The earliest mention
 * wins: a relay quotes the upstream refusal first.
 */
#define W(s)	s, sizeof(s) - 1
static const struct {
	const char *word;
	size_t len;
	enum rb_stage stage;
} stage_words[] = {
	{ W("end of data"), RB_STAGE_EOM },
	{ W("final data"), RB_STAGE_EOM },
	{ W("after data"), RB_STAGE_DATA },
	{ W("reply to data"), RB_STAGE_DATA },
	{ W("our data"), RB_STAGE_DATA },
	{ W("command data"), RB_STAGE_DATA },
	{ W("data command"), RB_STAGE_DATA },
	{ W("rcpt"), RB_STAGE_RCPT },
	/* qmail-remote's refusal of the RCPT command. */
	{ W("does not like recipient"), RB_STAGE_RCPT },
	{ W("after mail from"), RB_STAGE_MAIL },
	{ W("reply to mail from"), RB_STAGE_MAIL },
	{ W("our mail from"), RB_STAGE_MAIL },
	{ W("command mail from"), RB_STAGE_MAIL },
	{ W("after ehlo"), RB_STAGE_HELO },
	{ W("after helo"), RB_STAGE_HELO },
	{ W("reply to ehlo"), RB_STAGE_HELO },
	{ W("reply to helo"), RB_STAGE_HELO },
	{ W("initial connection"), RB_STAGE_CONNECT },
};
#undef W

/*
 * Sendmail's transcript: the command that drew the refusal is the last
 * ">>> " line before the first "<<< 4xx" or "<<< 5xx" line.
 */
static enum rb_stage
stage_of_transcript(const char *t, size_t n)
{
	static const char *const cmds[] = { "EHLO", "HELO", "MAIL", "RCPT",
	    "DATA", NULL };
	static const enum rb_stage st[] = { RB_STAGE_HELO, RB_STAGE_HELO,
	    RB_STAGE_MAIL, RB_STAGE_RCPT, RB_STAGE_DATA };
	const char *e = t + n, *last = NULL;

	for (const char *p = t; p + 5 < e; p++) {
		if (p[0] == '>' && p[1] == '>' && p[2] == '>' && p[3] == ' ')
			last = p + 4;
		else if (p[0] == '<' && p[1] == '<' && p[2] == '<' &&
		    p[3] == ' ' && (p[4] == '4' || p[4] == '5'))
			break;
	}
	if (last == NULL || e - last < 4)
		return (RB_STAGE_UNKNOWN);
	/*
	 * With PIPELINING the RCPT replies arrive after ">>> DATA"; the
	 * server's "503 need RCPT" that follows says so.
	 */
	if (g_ascii_strncasecmp(last, "DATA", 4) == 0 &&
	    (util_memcasemem(last, (size_t)(e - last), "<<< 503") != NULL ||
	    util_memcasemem(last, (size_t)(e - last), "need rcpt") != NULL))
		return (RB_STAGE_RCPT);
	for (int i = 0; cmds[i] != NULL; i++)
		if (g_ascii_strncasecmp(last, cmds[i], 4) == 0)
			return (st[i]);
	return (RB_STAGE_UNKNOWN);
}

/* Part of a word, a host name or an address. */
static int
word_char(char c)
{
	return (g_ascii_isalnum(c) || c == '.' || c == '@' || c == '-');
}

/*
 * A feedback report's verdict by its Feedback-Type.  A person's complaint
 * (RFC 5965's "abuse" and "fraud", an opt-out, a provider's "other")
 * suppresses.  The rest are no wish of the recipient's to stop: RFC 6591's
 * "auth-failure" reports this system's SPF, DKIM or DMARC failing, "virus"
 * what the message carried, and "not-spam" a person saying the message
 * was wanted.  Suppressed, an authentication failure report would stop
 * mail to everyone whose provider sends one.  The reason stays
 * "feedback" for every report, as Sisimai names it; the category and
 * action say what it is about.
 */
static void
complaint_verdict(struct dsn_record *r)
{
	const char *t = r->feedback_type;

	r->v.reason = RB_REASON_FEEDBACK;
	r->v.category = RB_CATEGORY_COMPLAINT;
	r->v.action = RB_ACTION_SUPPRESS;
	if (strcasecmp(t, "auth-failure") == 0) {
		r->v.category = RB_CATEGORY_AUTHENTICATION;
		r->v.action = RB_ACTION_FIX_SENDER;
		r->v.fix = "An authentication failure report (RFC 6591): "
		    "the receiver found this system's SPF, DKIM or DMARC "
		    "failing on a message. Check the report's Auth-Failure "
		    "and the signing and SPF records of the domain it names; "
		    "the recipient is not suppressed.";
	} else if (strcasecmp(t, "virus") == 0) {
		r->v.category = RB_CATEGORY_CONTENT;
		r->v.action = RB_ACTION_FIX_SENDER;
		r->v.fix = "A feedback report that the message carried a "
		    "virus: find how it got into the mail this system sends; "
		    "the recipient is not suppressed.";
	} else if (strcasecmp(t, "not-spam") == 0) {
		r->v.action = RB_ACTION_NONE;
		r->v.fix = "A feedback report that the recipient marked the "
		    "message as not spam: nothing to suppress.";
	}
}

/* White space as dsn_squeeze() sees it (NUL included). */
static int
blank(char c)
{
	return (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f' || c == '\0');
}

/*
 * Does the phrase w (lower case, single blanks) stand at t[i], any run of
 * white space in t matching one of its blanks?  Its end goes to *end.
 */
static int
phrase_at(const char *t, size_t n, size_t i, const char *w, size_t wl,
    size_t *end)
{
	for (size_t k = 0; k < wl; k++) {
		if (w[k] == ' ') {
			if (i >= n || !blank(t[i]))
				return (0);
			while (i < n && blank(t[i]))
				i++;
		} else if (i >= n || g_ascii_tolower(t[i]) != w[k])
			return (0);
		else
			i++;
	}
	*end = i;
	return (1);
}

static enum rb_stage
stage_of(const char *t, size_t n)
{
	enum rb_stage st;

	if (t == NULL)
		return (RB_STAGE_UNKNOWN);
	if ((st = stage_of_transcript(t, n)) != RB_STAGE_UNKNOWN)
		return (st);
	/*
	 * One pass over the word starts; the first whole word or phrase of
	 * the table found wins ("rcpt.example" is a domain, not RCPT).
	 * Folded lines and indentation do not split a phrase.
	 */
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && word_char(t[i - 1]))
			continue;
		char c = g_ascii_tolower(t[i]);
		for (size_t k = 0; k < sizeof(stage_words) /
		    sizeof(stage_words[0]); k++) {
			size_t e;
			if (stage_words[k].word[0] == c &&
			    phrase_at(t, n, i, stage_words[k].word,
			    stage_words[k].len, &e) &&
			    (e == n || !word_char(t[e]) ||
			    (t[e] == '.' && (e + 1 == n || blank(t[e + 1])))))
				return (stage_words[k].stage);
		}
	}
	return (RB_STAGE_UNKNOWN);
}

/*
 * x.1.0, x.1.1, x.1.3, x.1.10, x.1.351, ...: the code itself says the
 * recipient's address is bad (not its host, x.1.2; not the sender's,
 * x.1.7 and x.1.8; not moved, x.1.6).
 */
static int
code_names_mailbox(const char *st)
{
	if (st[0] == '\0' || strncmp(st + 1, ".1.", 3) != 0)
		return (0);
	return (strcmp(st + 4, "2") != 0 && strcmp(st + 4, "4") != 0 &&
	    strcmp(st + 4, "6") != 0 && strcmp(st + 4, "7") != 0 &&
	    strcmp(st + 4, "8") != 0);
}

/* "5.7.1", single digits, none zero: a code that names one cause. */
static int
specific_code(const char *c)
{
	return (strlen(c) == 5 && (c[0] == '4' || c[0] == '5') &&
	    c[2] >= '1' && c[2] <= '9' && c[4] >= '1' && c[4] <= '9');
}

/*
 * The enhanced code that a reply code introduces ("550 5.7.1",
 * "550-5.7.1", "554 #5.3.0", Amazon SES's "550-'5.2.2"), else the first
 * in the text; "" if none.
 */
static void
reply_code(const char *s, size_t n, char *out, size_t outlen)
{
	out[0] = '\0';
	for (size_t i = 0; i + 9 < n; i++) {
		if ((s[i] != '4' && s[i] != '5') ||
		    !g_ascii_isdigit(s[i + 1]) || !g_ascii_isdigit(s[i + 2]) ||
		    (s[i + 3] != ' ' && s[i + 3] != '-') ||
		    (i > 0 && g_ascii_isalnum(s[i - 1])))
			continue;
		size_t j = i + 4 + (s[i + 4] == '#' || s[i + 4] == '\'');
		dsn_codes(s + j, n - j, out, outlen, NULL);
		if (out[0] != '\0' && strncmp(s + j, out, strlen(out)) == 0)
			return;
		out[0] = '\0';
	}
	dsn_codes(s, n, out, outlen, NULL);
}

/*
 * Does a bounce's own text say it gave up after retrying a temporary
 * failure?  Exim words it so ("mailbox is full: retry timeout exceeded",
 * "retry time not reached for any host after a long failure period"):
 * the cause was temporary, the message expired.
 */
static int
gave_up_retrying(const char *s, size_t n)
{
	static const char *const words[] = { "retry timeout exceeded",
	    "after a long failure period", NULL };
	for (int i = 0; words[i] != NULL; i++)
		if (util_memcasemem(s, n, words[i]) != NULL)
			return (1);
	return (0);
}

/*
 * Sendmail puts only the first line of a multi-line reply in
 * Diagnostic-Code: ("552-5.7.0 This message was blocked because its
 * content presents a potential"), the whole reply is in its transcript
 * ("<<< 552-5.7.0 ...", down to "<<< 552 5.7.0 ...").  Take it from
 * there: the words that decide are often on the later lines.
 */
static void
whole_reply(const struct dsn_ctx *ctx, struct dsn_record *r)
{
	const char *d = r->diagnostic;
	size_t dl = strlen(d);

	if (ctx->text == NULL || dl < 8 || !isdigit((unsigned char)d[0]) ||
	    !isdigit((unsigned char)d[1]) || !isdigit((unsigned char)d[2]) ||
	    d[3] != '-')
		return;
	/*
	 * The transcript's line that starts as the diagnostic does.  The
	 * diagnostic has its blanks folded ("[192.0.2.1       7]" became
	 * "[192.0.2.1 7]"), so the line is folded the same before the two
	 * are compared.
	 */
	const char *t = ctx->text, *end = ctx->text + ctx->textlen;
	const char *p, *q = NULL;
	size_t cmp = dl < 47 ? dl : 47;
	char key[5];
	memcpy(key, d, 4);
	key[4] = '\0';
	for (size_t off = 0; off < ctx->textlen &&
	    (p = util_memcasemem(t + off, ctx->textlen - off, key)) != NULL;
	    off = (size_t)(p - t) + 1) {
		/* The transcript's line, not a sentence that quotes it. */
		q = p;
		while (q > t && (q[-1] == '<' || q[-1] == ' ' ||
		    q[-1] == '\t'))
			q--;
		if (q == t || q[-1] == '\n') {
			const char *e = memchr(p, '\n', (size_t)(end - p));
			char line[128];
			dsn_squeeze(line, sizeof(line), p, (size_t)((e ? e : end) - p));
			if (strlen(line) >= cmp &&
			    strncasecmp(line, d, cmp) == 0)
				break;
		}
		q = NULL;
	}
	if (q == NULL)
		return;
	char out[RB_TEXT_MAX];
	size_t o = 0;
	int lines = 0;
	while (q < end && lines < 64) {
		const char *e = memchr(q, '\n', (size_t)(end - q));
		if (e == NULL)
			e = end;
		const char *c = q;
		while (c < e && (*c == '<' || *c == ' ' || *c == '\t'))
			c++;
		if (e - c < 4 || strncmp(c, d, 3) != 0 ||
		    (c[3] != '-' && c[3] != ' '))
			break;
		size_t n = (size_t)(e - c);
		if (o + n + 1 >= sizeof(out))
			break;
		memcpy(out + o, c, n);
		o += n;
		out[o++] = ' ';
		lines++;
		if (c[3] == ' ')
			break;		/* the last line of the reply */
		q = e + 1;
	}
	if (lines > 1)
		dsn_squeeze(r->diagnostic, sizeof(r->diagnostic), out, o);
}

/*
 * Complete a record: fill the facts the whole message gives (original
 * message, VERP), spot codes in the diagnostic, classify.
 */
void
dsn_record_finish(struct dsn_ctx *ctx, struct dsn_record *r,
    enum rb_outcome hint)
{
	whole_reply(ctx, r);
	if (r->orig_message_id[0] == '\0')
		memcpy(r->orig_message_id, ctx->om_msgid,
		    sizeof(r->orig_message_id));
	if (r->orig_from[0] == '\0')
		memcpy(r->orig_from, ctx->om_from, sizeof(r->orig_from));
	if (r->envelope_sender[0] == '\0')
		memcpy(r->envelope_sender, ctx->om_rpath[0] ? ctx->om_rpath :
		    ctx->to, sizeof(r->envelope_sender));
	/*
	 * No Final-Recipient, or one that is no mail address ("rfc822; bob"
	 * with no domain, an x400 name): the Original-Recipient when it is
	 * one, else the VERP return path.
	 */
	if (strchr(r->recipient, '@') == NULL &&
	    (r->recipient[0] == '\0' || strchr(r->orig_recipient, '@')))
		memcpy(r->recipient, r->orig_recipient, sizeof(r->recipient));
	if (strchr(r->recipient, '@') == NULL) {
		char v[RB_ADDR_MAX];
		if (dsn_verp_decode(ctx->opt, ctx->to, v, sizeof(v)))
			memcpy(r->recipient, v, sizeof(r->recipient));
	}

	size_t dl = strlen(r->diagnostic);
	char dst[RB_ENHANCED_MAX] = "";
	dsn_codes(r->diagnostic, dl, dst, sizeof(dst), &r->replycode);
	/*
	 * dsn_codes reads only failure replies, since a transcript's "250
	 * Ok" comes before the refusal; a delivery's own reply leads its
	 * text ("250 2.6.0 Message received").
	 */
	if (hint == RB_OUTCOME_DELIVERED && r->replycode == 0 && dl >= 3 &&
	    r->diagnostic[0] == '2' && isdigit((unsigned char)r->diagnostic[1]) &&
	    isdigit((unsigned char)r->diagnostic[2]) && (dl == 3 ||
	    r->diagnostic[3] == ' ' || r->diagnostic[3] == '-'))
		r->replycode = 200 + (r->diagnostic[1] - '0') * 10 +
		    (r->diagnostic[2] - '0');
	/*
	 * The Status: field wins over a code in the text, except that a
	 * generic x.y.0 says less than the remote server's own code; the
	 * reporter often repeats its own field first, so look past it.
	 */
	if (r->status[0] != '\0' && strlen(r->status) == 5 &&
	    r->status[4] == '0' && strcmp(dst, r->status) == 0) {
		const char *p = strstr(r->diagnostic, dst);
		dst[0] = '\0';
		if (p != NULL)
			dsn_codes(p + 5, strlen(p + 5), dst, sizeof(dst), NULL);
	}
	if (r->status[0] == '\0' || (dst[0] != '\0' &&
	    dst[0] == r->status[0] && strcmp(dst, r->status) != 0 &&
	    strlen(r->status) == 5 && r->status[4] == '0'))
		memcpy(r->status, dst, sizeof(r->status));
	/*
	 * The remote server's own specific code ("550 5.7.1 ...") says more
	 * than the reporter's summary of it in Status:, which many MTAs fill
	 * with a guess (Sendmail gives 5.1.1 to every 550).
	 */
	reply_code(r->diagnostic, dl, dst, sizeof(dst));
	if (dst[0] != '\0' && specific_code(dst))
		memcpy(r->status, dst, sizeof(r->status));
	/*
	 * So does a reply whose class contradicts Status: "550 5.5.0" under
	 * "Status: 4.5.0" is a refusal, whatever the reporter made of it.
	 */
	else if (dst[0] != '\0' && r->status[0] != '\0' &&
	    dst[0] != r->status[0] && r->replycode / 100 == dst[0] - '0')
		memcpy(r->status, dst, sizeof(r->status));

	/*
	 * An expiry (X.4.7) that quotes the last attempt's reply ("554 4.4.7
	 * Message expired: unable to deliver in 840 minutes.<421 4.4.2
	 * Connection timed out>") is reported with that reply's code: the
	 * cause, which the outcome (expired) does not tell.  Only a code of
	 * the same class; the reason stays the expiry.
	 */
	if (strlen(r->status) == 5 && r->status[2] == '4' &&
	    r->status[4] == '7') {
		const char *p = strstr(r->diagnostic, r->status);
		dst[0] = '\0';
		if (p != NULL)
			dsn_codes(p + 5, strlen(p + 5), dst, sizeof(dst), NULL);
		if (dst[0] == r->status[0] && strcmp(dst + 1, ".4.7") != 0)
			memcpy(r->status, dst, sizeof(r->status));
	}

	struct classify_input in;
	memset(&in, 0, sizeof(in));
	in.replycode = r->replycode;
	in.enhanced = r->status[0] ? r->status : NULL;
	in.text = r->diagnostic;
	in.textlen = dl;
	char block[4096];
	if (ctx->block != NULL && ctx->blocklen > dl) {
		dsn_squeeze(block, sizeof(block), ctx->block, ctx->blocklen);
		in.text = block;
		in.textlen = strlen(block);
	}
	in.recipient = r->recipient[0] ? r->recipient : NULL;
	in.mx = r->remote_mta[0] ? r->remote_mta : NULL;
	in.stage = (enum rb_stage)stage_of(r->diagnostic, dl);
	if (in.stage == RB_STAGE_UNKNOWN && ctx->text != NULL &&
	    r->recipient[0] != '\0') {
		/* The transcript about this recipient, in the readable text. */
		const char *p = util_memcasemem(ctx->text, ctx->textlen,
		    r->recipient);
		if (p != NULL) {
			size_t off = (size_t)(p - ctx->text);
			size_t n = ctx->textlen - off < 600 ?
			    ctx->textlen - off : 600;
			in.stage = (enum rb_stage)stage_of(p, n);
		}
	}
	/*
	 * A bounce message, unlike a log line, seldom says at which command
	 * the server refused.  Unless the status code itself names the
	 * recipient's address, take the latest stage it could have been:
	 * "no such user" after the server read the message may be its filter
	 * speaking, not proof that the mailbox is dead.  Postfix's own
	 * agent ("X-Postfix; unknown user") had no filter to speak for:
	 * taken as said at RCPT.
	 */
	if (r->address_refused || (r->own_verdict &&
	    in.stage == RB_STAGE_UNKNOWN))
		in.stage = RB_STAGE_RCPT;
	else if (in.stage == RB_STAGE_UNKNOWN && !code_names_mailbox(r->status))
		in.stage = RB_STAGE_DATA;
	/* Under PIPELINING, RCPT refusals are reported after DATA. */
	else if (in.stage == RB_STAGE_DATA && code_names_mailbox(r->status))
		in.stage = RB_STAGE_RCPT;
	in.source = hint == RB_OUTCOME_COMPLAINT ? RB_SOURCE_COMPLAINT :
	    RB_SOURCE_DSN;
	in.hint = hint;
	in.mailer = r->mailer;
	if (hint == RB_OUTCOME_BOUNCED && (r->status[0] == '4' ||
	    (r->status[0] == '\0' && r->replycode / 100 == 4) ||
	    gave_up_retrying(r->diagnostic, dl)))
		in.hint = RB_OUTCOME_EXPIRED;	/* gave up on a temporary error */
	classify(ctx->cl, ctx->scratch, &in, &r->v);
	if (hint == RB_OUTCOME_COMPLAINT) {
		r->v.outcome = RB_OUTCOME_COMPLAINT;
		r->v.hardbounce = 0;
		complaint_verdict(r);
	} else if (hint == RB_OUTCOME_AUTOREPLY) {
		r->v.outcome = RB_OUTCOME_AUTOREPLY;
		r->v.reason = RB_REASON_VACATION;
		r->v.category = RB_CATEGORY_AUTOREPLY;
		r->v.action = RB_ACTION_NONE;
		r->v.hardbounce = 0;
	} else if (r->status[0] == '\0') {
		/* Expired on a named temporary cause (a full mailbox): 4. */
		int temp = r->replycode / 100 == 4 ||
		    r->v.outcome == RB_OUTCOME_DEFERRED ||
		    (r->v.outcome == RB_OUTCOME_EXPIRED &&
		    r->v.reason != RB_REASON_EXPIRED);
		/*
		 * Exim's "SMTP error from remote mail server after MAIL
		 * FROM:": refused before any recipient was tried, so for the
		 * recipient nothing was decided -- the pseudo-code of on
		 * hold, as Sisimai gives it for Exim's reports.  (Other
		 * systems' transcripts keep their reason's code there.)
		 */
		int before_rcpt = util_memcasemem(r->diagnostic, dl,
		    "remote mail server after MAIL FROM") != NULL;
		snprintf(r->status, sizeof(r->status), "%d.0.%d",
		    temp ? 4 : 5, before_rcpt ? 901 :
		    reason_pseudo(r->v.reason));
	}
}
