/*
 * dsn_parse.c - the bounce parser's top level: line ends (and the lines of
 * blanks a Notes export writes for empty ones), limits, the GMime walk that
 * picks out the parts a verdict needs, and the order in which the report
 * formats are tried.
 *
 * GMime is initialised once per process (dsn_init, pthread_once).  Each call
 * builds its own parser and stream and frees them before returning, so
 * dsn_parse() may run in many threads at once with separate scratch spaces.
 * Only the headers of a returned original message are read; its body is
 * never decoded.  GMime is not even shown it as a message: in the private
 * copy every part header that says message/rfc822 is renamed (same length,
 * in place) to a type of our own, so GMime keeps the part as one opaque leaf
 * instead of building an object for each of its header fields and parts,
 * which was a third of the parse.  Its header block is read as text; the
 * whole of it goes through GMime only when the bounce itself said nothing
 * (a forwarded bounce or complaint, read one level further).  Likewise
 * the top header fields a verdict reads (From, Subject, X-Failed-
 * Recipients, ...) are taken out of the header block before GMime sees
 * it, which gets only the Content-* fields that give the structure: each
 * field it parses is an object built, locked and freed.
 */
#include "config.h"

#include <iconv.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "dsn_int.h"
#include "log.h"
#include "util.h"

/*
 * The private media type a returned message's part is renamed to (see the
 * top of this file): as long as "message/rfc822", so the rename is in place.
 */
#define OPAQUE_TYPE	"x-rebound"
#define OPAQUE_SUBTYPE	"orig"

static pthread_once_t dsn_once = PTHREAD_ONCE_INIT;

static void
dsn_init_once(void)
{
	g_mime_init();
}

void
dsn_init(void)
{
	pthread_once(&dsn_once, dsn_init_once);
}

void
dsn_options_init(struct dsn_options *o)
{
	memset(o, 0, sizeof(*o));
	o->max_size = 50u * 1024 * 1024;
	o->max_depth = 32;
	o->max_parts = 1000;
	o->max_recipients = 10000;
}

void
dsn_result_init(struct dsn_result *r)
{
	memset(r, 0, sizeof(*r));
}

void
dsn_result_free(struct dsn_result *r)
{
	free(r->rec);
	memset(r, 0, sizeof(*r));
}

const char *
dsn_strerror(enum dsn_status s)
{
	switch (s) {
	case DSN_OK:
		return ("ok");
	case DSN_NOT_BOUNCE:
		return ("not a bounce");
	case DSN_TOO_BIG:
		return ("message too big");
	case DSN_BAD_MESSAGE:
		return ("malformed message");
	case DSN_NOMEM:
		return ("out of memory");
	}
	return ("unknown");
}

time_t
dsn_date_parse(const char *s)
{
	GDateTime *dt = g_mime_utils_header_decode_date(s);
	if (dt == NULL)
		return (0);
	time_t t = (time_t)g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return (t);
}

/*
 * Charsets whose ASCII range is ASCII: the codes and words a verdict needs
 * read the same without conversion, and converting would open an iconv
 * module per part (most of the parse time).  The rest (ISO-2022-JP,
 * Shift_JIS, UTF-16, ...) are converted to UTF-8.
 */
static int
ascii_compatible(const char *cs)
{
	static const char *const pre[] = { "utf-8", "utf8", "us-ascii",
	    "ascii", "iso-8859-", "iso8859-", "windows-125", "cp125",
	    "latin", NULL };
	for (int i = 0; pre[i] != NULL; i++)
		if (g_ascii_strncasecmp(cs, pre[i], strlen(pre[i])) == 0)
			return (1);
	return (0);
}

/*
 * glibc loads the module of a charset (ISO-2022-JP.so, ...) when the first
 * converter for it is opened and unloads it when the last is closed, so a
 * converter opened and closed for each part paid a dlopen and a dlclose
 * every time: a tenth of the parse of a Japanese bounce.  The first time a
 * charset is converted, one converter from it is opened and kept for the
 * life of the process, which keeps its module loaded.  Bounded: at most
 * PINNED charsets are kept; past that, conversions work as before, only
 * slower.
 */
#define PINNED 32
static struct {
	pthread_mutex_t lock;
	int n;
	char name[PINNED][40];
	iconv_t cd[PINNED];	/* never closed: holding them is the point */
} pinned = { PTHREAD_MUTEX_INITIALIZER, 0, { { 0 } }, { 0 } };

static void
charset_pin(const char *cs)
{
	if (strlen(cs) >= sizeof(pinned.name[0]))
		return;
	pthread_mutex_lock(&pinned.lock);
	int i;
	for (i = 0; i < pinned.n; i++)
		if (g_ascii_strcasecmp(pinned.name[i], cs) == 0)
			break;
	if (i == pinned.n && pinned.n < PINNED) {
		/* The name GMime will ask iconv for; unknown ones are not kept. */
		iconv_t cd = iconv_open("UTF-8", g_mime_charset_iconv_name(cs));
		if (cd != (iconv_t)-1) {
			util_strlcpy(pinned.name[pinned.n], cs,
			    sizeof(pinned.name[0]));
			pinned.cd[pinned.n++] = cd;
		}
	}
	pthread_mutex_unlock(&pinned.lock);
}

/* Decode a leaf part's content to UTF-8, at most max bytes. */
static char *
part_text(GMimePart *part, size_t max, size_t *lenp)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	*lenp = 0;
	if (w == NULL)
		return (NULL);
	GMimeContentType *ct = g_mime_object_get_content_type(
	    GMIME_OBJECT(part));
	const char *cs = ct ? g_mime_content_type_get_parameter(ct, "charset") :
	    NULL;
	int convert = cs != NULL && !ascii_compatible(cs);
	GMimeContentEncoding enc = g_mime_data_wrapper_get_encoding(w);
	GMimeStream *raw = g_mime_data_wrapper_get_stream(w);
	if (raw != NULL && (enc == GMIME_CONTENT_ENCODING_DEFAULT ||
	    enc == GMIME_CONTENT_ENCODING_7BIT ||
	    enc == GMIME_CONTENT_ENCODING_8BIT ||
	    enc == GMIME_CONTENT_ENCODING_BINARY)) {
		/*
		 * Nothing to decode: the bytes as they stand in the message,
		 * read straight from the part's stream, at most max of them
		 * (no stream objects built, nothing beyond max copied).  In
		 * a charset that needs converting they are kept only if they
		 * are UTF-8 already (below).
		 */
		gint64 len = g_mime_stream_length(raw);
		size_t cap = len >= 0 && (guint64)len < max ? (size_t)len : max;
		char *s = malloc(cap + 1);
		size_t n = 0;
		if (s == NULL)
			return (NULL);
		if (g_mime_stream_reset(raw) == 0)
			while (n < cap) {
				ssize_t k = g_mime_stream_read(raw, s + n, cap - n);
				if (k <= 0)
					break;
				n += (size_t)k;
			}
		s[n] = '\0';
		/*
		 * Japanese text in ISO-2022-JP where no charset is declared
		 * (a Domino server's Diagnostic-Code in message/delivery-
		 * status): its escape sequences say what it is, and read
		 * as ASCII its words are lost.
		 */
		if (!convert && memchr(s, 0x1b, n) != NULL &&
		    (memmem(s, n, "\x1b$B", 3) != NULL ||
		    memmem(s, n, "\x1b$@", 3) != NULL) && g_str_is_ascii(s)) {
			cs = "ISO-2022-JP";
			convert = 1;
		}
		/*
		 * A part labelled with a 7-bit or multi-byte charset
		 * (ISO-2022-JP, Shift_JIS) whose bytes are UTF-8 with 8-bit
		 * characters was re-encoded on its way and its label left
		 * behind: converting it from the label would drop its text.
		 */
		if (!convert || (!g_str_is_ascii(s) && g_utf8_validate(s,
		    (gssize)n, NULL))) {
			*lenp = n;
			return (s);
		}
		free(s);
	}
	GMimeStream *mem = g_mime_stream_mem_new();
	GMimeStream *out = g_mime_stream_filter_new(mem);
	if (convert) {
		charset_pin(cs);
		GMimeFilter *f = g_mime_filter_charset_new(cs, "UTF-8");
		/* An unknown charset leaves the bytes as they are. */
		if (f != NULL) {
			g_mime_stream_filter_add(GMIME_STREAM_FILTER(out), f);
			g_object_unref(f);
		}
	}
	g_mime_data_wrapper_write_to_stream(w, out);
	g_mime_stream_flush(out);
	GByteArray *ba = g_mime_stream_mem_get_byte_array(
	    GMIME_STREAM_MEM(mem));
	size_t n = ba->len < max ? ba->len : max;
	char *s = malloc(n + 1);
	if (s != NULL) {
		if (n > 0)
			memcpy(s, ba->data, n);
		s[n] = '\0';
		*lenp = n;
	}
	g_object_unref(out);
	g_object_unref(mem);
	return (s);
}

static void
message_headers(struct dsn_ctx *ctx, GMimeMessage *m)
{
	const char *v;

	if ((v = g_mime_message_get_message_id(m)) != NULL)
		snprintf(ctx->om_msgid, sizeof(ctx->om_msgid), "<%s>", v);
	InternetAddressList *l = g_mime_message_get_from(m);
	if (l != NULL && internet_address_list_length(l) > 0) {
		InternetAddress *a = internet_address_list_get_address(l, 0);
		if (INTERNET_ADDRESS_IS_MAILBOX(a) && (v =
		    internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(a))) != NULL)
			dsn_addr_clean(ctx->om_from, sizeof(ctx->om_from), v,
			    strlen(v));
	}
	l = g_mime_message_get_to(m);
	if (l != NULL && internet_address_list_length(l) > 0) {
		InternetAddress *a = internet_address_list_get_address(l, 0);
		if (INTERNET_ADDRESS_IS_MAILBOX(a) && (v =
		    internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(a))) != NULL)
			dsn_addr_clean(ctx->om_to, sizeof(ctx->om_to), v,
			    strlen(v));
	}
	/*
	 * A Delivered-To above the first Received was written by the last
	 * system the message reached; one below it, by a list or forwarder
	 * on the way.
	 */
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(m));
	int nh = hl != NULL ? g_mime_header_list_get_count(hl) : 0;
	for (int i = 0; i < nh; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *hn = g_mime_header_get_name(h);
		if (g_ascii_strcasecmp(hn, "Received") == 0)
			break;
		if (g_ascii_strcasecmp(hn, "Delivered-To") == 0 &&
		    (v = g_mime_header_get_value(h)) != NULL) {
			dsn_addr_clean(ctx->om_delivered,
			    sizeof(ctx->om_delivered), v, strlen(v));
			break;
		}
	}
	if ((v = g_mime_object_get_header(GMIME_OBJECT(m),
	    "X-HmXmrOriginalRecipient")) != NULL)
		dsn_addr_clean(ctx->om_complainant,
		    sizeof(ctx->om_complainant), v, strlen(v));
	if ((v = g_mime_object_get_header(GMIME_OBJECT(m), "Return-Path")) !=
	    NULL)
		dsn_addr_clean(ctx->om_rpath, sizeof(ctx->om_rpath), v,
		    strlen(v));
}

/*
 * Whether a delivery-status body has a field of RFC 3464 (section 2.2 or
 * 2.3) at the start of a line: a report, if only of the message, not
 * prose.
 */
static int
has_report_field(const char *s, size_t n)
{
	static const char *const fields[] = { "final-recipient:",
	    "original-recipient:", "x-actual-recipient:", "action:", "status:",
	    "diagnostic-code:", "remote-mta:", "reporting-mta:",
	    "received-from-mta:", "arrival-date:", "original-envelope-id:",
	    "dsn-gateway:", "x-postfix-queue-id:", NULL };
	const char *p = s, *end = s + n;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		for (int i = 0; fields[i] != NULL; i++) {
			size_t k = strlen(fields[i]);
			if ((size_t)(eol - p) >= k && g_ascii_strncasecmp(p, fields[i], k) == 0)
				return (1);
		}
		p = eol + 1;
	}
	return (0);
}

static void
text_append(struct dsn_ctx *ctx, const char *s, size_t n)
{
	size_t room = DSN_TEXT_KEEP - ctx->textlen;
	if (n > room)
		n = room;
	if (n == 0)
		return;
	char *p = realloc(ctx->text, ctx->textlen + n + 2);
	if (p == NULL)
		return;
	ctx->text = p;
	memcpy(p + ctx->textlen, s, n);
	ctx->textlen += n;
	p[ctx->textlen++] = '\n';
	p[ctx->textlen] = '\0';
}

/* Strip HTML tags crudely: only to let the text scanners see words. */
static size_t
html_strip(char *s, size_t n)
{
	size_t o = 0;
	int tag = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '<')
			tag = 1;
		else if (s[i] == '>' && tag) {
			tag = 0;
			s[o++] = ' ';
		} else if (!tag)
			s[o++] = s[i];
	}
	s[o] = '\0';
	return (o);
}

static int
walk(struct dsn_ctx *ctx, GMimeObject *obj, int depth)
{
	if (++ctx->parts > ctx->opt->max_parts || depth > ctx->opt->max_depth)
		return (-1);
	GMimeContentType *ct = g_mime_object_get_content_type(obj);

	if (GMIME_IS_MULTIPART(obj)) {
		int n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		/* No usable boundary: the content is all prologue; read it. */
		const char *pro = g_mime_multipart_get_prologue(
		    GMIME_MULTIPART(obj));
		if (n == 0 && pro != NULL)
			text_append(ctx, pro, strlen(pro));
		for (int i = 0; i < n; i++)
			if (walk(ctx, g_mime_multipart_get_part(
			    GMIME_MULTIPART(obj), i), depth + 1) < 0)
				return (-1);
		return (0);
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		/* The returned original: its headers only, never its body. */
		GMimeMessage *m = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(obj));
		if (m != NULL && ctx->inner == NULL)
			ctx->inner = m;
		if (m != NULL && ctx->om_msgid[0] == '\0' &&
		    ctx->om_from[0] == '\0') {
			message_headers(ctx, m);
			/* A forwarded complaint: one level further. */
			GMimeObject *b = g_mime_message_get_mime_part(m);
			if (ctx->om_complainant[0] == '\0' && b != NULL &&
			    GMIME_IS_MULTIPART(b) && depth < 4) {
				int n = g_mime_multipart_get_count(
				    GMIME_MULTIPART(b));
				for (int i = 0; i < n && i < 8; i++) {
					GMimeObject *c = g_mime_multipart_get_part(
					    GMIME_MULTIPART(b), i);
					if (GMIME_IS_MESSAGE_PART(c) &&
					    g_mime_message_part_get_message(
					    GMIME_MESSAGE_PART(c)) != NULL)
						message_headers(ctx,
						    g_mime_message_part_get_message(
						    GMIME_MESSAGE_PART(c)));
				}
			}
		}
		return (0);
	}
	if (!GMIME_IS_PART(obj) || ct == NULL)
		return (0);

	const char *type = g_mime_content_type_get_media_type(ct);
	const char *sub = g_mime_content_type_get_media_subtype(ct);
	if (type == NULL || sub == NULL)
		return (0);
	size_t n;
	char *s;
	if (g_ascii_strcasecmp(type, "message") == 0 &&
	    (g_ascii_strcasecmp(sub, "delivery-status") == 0 ||
	    g_ascii_strcasecmp(sub, "global-delivery-status") == 0)) {
		/*
		 * The first one that holds report fields.  Some servers
		 * (InterMail) label their readable explanation
		 * message/delivery-status too and put the real report after
		 * it: such a part is read as the explanation it is.
		 */
		if (ctx->status == NULL &&
		    (s = part_text(GMIME_PART(obj), ctx->opt->max_size, &n)) != NULL) {
			if (has_report_field(s, n)) {
				ctx->status = s;
				ctx->statuslen = n;
			} else {
				text_append(ctx, s, n);
				free(s);
			}
		}
	} else if (g_ascii_strcasecmp(type, "message") == 0 &&
	    g_ascii_strcasecmp(sub, "feedback-report") == 0) {
		if (ctx->feedback == NULL) {
			ctx->feedback = part_text(GMIME_PART(obj),
			    64 * 1024, &n);
			ctx->feedbacklen = n;
		}
	} else if ((g_ascii_strcasecmp(type, "text") == 0 &&
	    g_ascii_strcasecmp(sub, "rfc822-headers") == 0) ||
	    (g_ascii_strcasecmp(type, "message") == 0 &&
	    (g_ascii_strcasecmp(sub, "rfc822") == 0 ||
	    g_ascii_strcasecmp(sub, "global-headers") == 0 ||
	    g_ascii_strcasecmp(sub, "partial") == 0)) ||
	    (g_ascii_strcasecmp(type, OPAQUE_TYPE) == 0 &&
	    g_ascii_strcasecmp(sub, OPAQUE_SUBTYPE) == 0)) {
		/* A returned message kept opaque: parsed later if need be. */
		if (ctx->inner == NULL &&
		    g_ascii_strcasecmp(type, OPAQUE_TYPE) == 0)
			ctx->inner = obj;
		/*
		 * The header block only: the scanner stops at its end.  A
		 * message/partial (RFC 2046) starts with the headers too.
		 */
		if ((s = part_text(GMIME_PART(obj), 64 * 1024, &n)) != NULL) {
			dsn_report_rfc822_headers(ctx, s, n);
			free(s);
		}
	} else if (g_ascii_strcasecmp(type, "text") == 0 &&
	    ctx->textlen < DSN_TEXT_KEEP) {
		int html = g_ascii_strcasecmp(sub, "html") == 0;
		/* HTML only when there is no plain text to read. */
		if (html && ctx->textlen > 0)
			return (0);
		if ((s = part_text(GMIME_PART(obj), DSN_TEXT_KEEP, &n)) !=
		    NULL) {
			if (html)
				n = html_strip(s, n);
			text_append(ctx, s, n);
			free(s);
		}
	}
	return (0);
}

/*
 * The top header fields a verdict reads.  In a message GMime builds itself
 * (a returned message it parsed whole) they are GMime's header fields; in
 * our private copy trim_header() takes them out of the header block before
 * GMime sees it, so it builds no object for them.
 */
enum {
	TF_SUBJECT, TF_FROM, TF_TO, TF_DELIVERED_TO, TF_X_ORIGINAL_TO,
	TF_RETURN_PATH, TF_FAILED_RCPTS, TF_AUTO_SUBMITTED, TF_X_AUTOREPLY,
	TF_X_AUTORESPOND, TF_X_AUTO_RESPONSE_SUPPRESS, TF_PRECEDENCE,
	TF_X_APPLE_UNSUBSCRIBE, TF_IN_REPLY_TO, TF_REFERENCES, TF_USER_AGENT,
	TF_X_MAILER, TF_LIST_ID, TF_X_MAILING_LIST, TF_LIST_POST,
	TF_X_MLSERVER, TF_MAILING_LIST, TF_DATE, TF__COUNT
};
static const char *const top_names[TF__COUNT] = {
	"Subject", "From", "To", "Delivered-To", "X-Original-To",
	"Return-Path", "X-Failed-Recipients", "Auto-Submitted", "X-Autoreply",
	"X-Autorespond", "X-Auto-Response-Suppress", "Precedence",
	"X-Apple-Unsubscribe", "In-Reply-To", "References", "User-Agent",
	"X-Mailer", "List-Id", "X-Mailing-List", "List-Post",
	"X-MLServer", "Mailing-List", "Date",
};

/*
 * Their values, blanks at both ends dropped, folding kept: the first
 * field of each name, as GMime would give it.  A value is kept up to
 * TF_VALUE_MAX bytes, more than any use of it reads.
 */
#define TF_VALUE_MAX	2048
/* X-Failed-Recipients lists every address: hundreds for a mailing. */
#define TF_FAILED_MAX	16384
struct top_fields {
	const char *v[TF__COUNT];
	size_t n[TF__COUNT];
	int cut[TF__COUNT];	/* the value was longer than kept */
	char buf[TF__COUNT * 256 + TF_FAILED_MAX];	/* values copied from the block */
	size_t used;
	int blank_lines;	/* its lines of white space are blank lines */
};

static void
trim_blanks(const char **vp, size_t *np)
{
	const char *v = *vp;
	size_t n = *np;

	while (n > 0 && (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')) {
		v++;
		n--;
	}
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' ||
	    v[n - 1] == '\r' || v[n - 1] == '\n'))
		n--;
	*vp = v;
	*np = n;
}

/* GMime's fields of a message it built, into tf (values not copied). */
static void
top_fields_gmime(GMimeObject *o, struct top_fields *tf)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(o);

	for (int i = 0; i < TF__COUNT; i++) {
		GMimeHeader *h = g_mime_header_list_get_header(hl, top_names[i]);
		const char *v;
		tf->v[i] = NULL;
		tf->cut[i] = 0;		/* whole: failed_rcpts itself may be full */
		if (h == NULL || (v = g_mime_header_get_raw_value(h)) == NULL)
			continue;
		size_t n = strlen(v);
		trim_blanks(&v, &n);
		tf->v[i] = v;
		tf->n[i] = n;
	}
}

/*
 * A DMARC failure report written as text, with no RFC 6591 part (Exim's
 * dmarc_forensic_sender: "DMARC Forensic Report for example.com from IP
 * ...", "A message claiming to be from you has failed the published DMARC
 * policy"): this system's authentication failing, or a forger's, read as
 * an auth-failure report; never an automatic reply from its sender.
 */
static int
forensic_report(const struct dsn_ctx *ctx)
{
	const char *sub = ctx->subject;

	while (*sub == ' ' || *sub == '\t')
		sub++;
	return (g_ascii_strncasecmp(sub, "DMARC Forensic Report", 21) == 0 ||
	    g_ascii_strncasecmp(sub, "DMARC Failure Report", 20) == 0);
}

/*
 * Record a field of the top header block if it is one top_headers reads
 * and the first of its name; the value is copied, as the block is about
 * to be compacted.  A value past the space left is cut (hostile input).
 */
static void
top_field_take(struct top_fields *tf, const char *name, size_t nl,
    const char *v, size_t n)
{
	for (int i = 0; i < TF__COUNT; i++) {
		if (strlen(top_names[i]) != nl ||
		    strncasecmp(name, top_names[i], nl) != 0)
			continue;
		if (tf->v[i] != NULL)
			return;
		trim_blanks(&v, &n);
		size_t max = i == TF_FAILED_RCPTS ? TF_FAILED_MAX : TF_VALUE_MAX;
		size_t want = n;
		if (n > max)
			n = max;
		if (n > sizeof(tf->buf) - tf->used)
			n = sizeof(tf->buf) - tf->used;
		tf->cut[i] = n < want;
		memcpy(tf->buf + tf->used, v, n);
		tf->v[i] = tf->buf + tf->used;
		tf->n[i] = n;
		tf->used += n;
		return;
	}
}

static void
top_headers(struct dsn_ctx *ctx, const struct top_fields *tf)
{
	const char *const *v = tf->v;
	const size_t *n = tf->n;
	int k;

	/*
	 * RFC 2047's encoded words decoded ("=?utf-8?B?6Ieq5Yqo5Zue5aSN...":
	 * an automatic reply in Chinese), so that words in other scripts
	 * and a reply's "Re:" are found whatever the encoding.
	 */
	if (v[TF_SUBJECT] != NULL) {
		dsn_copy(ctx->subject, sizeof(ctx->subject), v[TF_SUBJECT],
		    n[TF_SUBJECT]);
		if (strstr(ctx->subject, "=?") != NULL) {
			char *d = g_mime_utils_header_decode_text(NULL,
			    ctx->subject);
			if (d != NULL)
				util_strlcpy(ctx->subject, d,
				    sizeof(ctx->subject));
			g_free(d);
		}
		ctx->forensic = forensic_report(ctx);
	}
	if (v[TF_FROM] != NULL)
		dsn_addr_clean(ctx->from, sizeof(ctx->from), v[TF_FROM],
		    n[TF_FROM]);
	if (v[TF_TO] != NULL)
		dsn_addr_clean(ctx->to_hdr, sizeof(ctx->to_hdr), v[TF_TO],
		    n[TF_TO]);
	/* The bounce went to the envelope sender: VERP lives here. */
	if (v[k = TF_DELIVERED_TO] != NULL || v[k = TF_X_ORIGINAL_TO] != NULL ||
	    v[k = TF_RETURN_PATH] != NULL || v[k = TF_TO] != NULL)
		dsn_addr_clean(ctx->to, sizeof(ctx->to), v[k], n[k]);
	/* Folded lists are unfolded as GMime did. */
	if (v[TF_FAILED_RCPTS] != NULL) {
		dsn_squeeze(ctx->failed_rcpts, sizeof(ctx->failed_rcpts),
		    v[TF_FAILED_RCPTS], n[TF_FAILED_RCPTS]);
		/*
		 * Filled: the list goes on past what is kept.  Its last
		 * address may be cut short (another address), so the list
		 * ends at the separator before it, and the result says it
		 * was cut.
		 */
		size_t fl = strlen(ctx->failed_rcpts);
		if (fl + 1 >= sizeof(ctx->failed_rcpts) ||
		    tf->cut[TF_FAILED_RCPTS]) {
			char *sep = strrchr(ctx->failed_rcpts, ',');
			char *sp = strrchr(ctx->failed_rcpts, ' ');
			if (sp != NULL && (sep == NULL || sp > sep))
				sep = sp;
			if (sep != NULL)
				*sep = '\0';
			else
				ctx->failed_rcpts[0] = '\0';
			ctx->failed_rcpts_cut = 1;
		}
	}
	if ((v[TF_AUTO_SUBMITTED] != NULL && n[TF_AUTO_SUBMITTED] >= 12 &&
	    g_ascii_strncasecmp(v[TF_AUTO_SUBMITTED], "auto-replied", 12) == 0) ||
	    v[TF_X_AUTOREPLY] != NULL || v[TF_X_AUTORESPOND] != NULL ||
	    v[TF_X_AUTO_RESPONSE_SUPPRESS] != NULL ||
	    (v[TF_PRECEDENCE] != NULL && n[TF_PRECEDENCE] >= 10 &&
	    g_ascii_strncasecmp(v[TF_PRECEDENCE], "auto_reply", 10) == 0))
		ctx->auto_replied = 1;
	/* What a person's mail program or list writes (see human_message). */
	ctx->mua = v[TF_IN_REPLY_TO] != NULL || v[TF_REFERENCES] != NULL ||
	    v[TF_USER_AGENT] != NULL || v[TF_X_MAILER] != NULL ||
	    v[TF_LIST_ID] != NULL || v[TF_X_MAILING_LIST] != NULL ||
	    v[TF_LIST_POST] != NULL;
	/* A list server's marks (fml's X-MLServer, ezmlm's Mailing-List). */
	ctx->list_server = v[TF_LIST_ID] != NULL ||
	    v[TF_X_MAILING_LIST] != NULL || v[TF_LIST_POST] != NULL ||
	    v[TF_X_MLSERVER] != NULL || v[TF_MAILING_LIST] != NULL;
	if (v[TF_X_APPLE_UNSUBSCRIBE] != NULL && n[TF_X_APPLE_UNSUBSCRIBE] >= 4 &&
	    g_ascii_strncasecmp(v[TF_X_APPLE_UNSUBSCRIBE], "true", 4) == 0)
		ctx->unsubscribe = 1;
}

/* Is s[0..n) "Content-Type:" and then only white space (the value follows)? */
static int
content_type_at(const char *s, size_t n)
{
	if (n < 13 || strncasecmp(s, "Content-Type:", 13) != 0)
		return (0);
	for (size_t i = 13; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n')
			return (0);
	return (1);
}

/* The boundaries a message declares, as far as opaque_returned looks. */
#define OPAQUE_BOUNDARIES 16
/* How far back from a message/rfc822 it looks for the part's boundary. */
#define OPAQUE_LOOKBACK 8192
#define OPAQUE_TRIES 64
struct boundaries {
	const char *b[OPAQUE_BOUNDARIES];
	size_t len[OPAQUE_BOUNDARIES];
	int n;
};

/*
 * Count the boundary parameters of s, a cheap bound on nesting before
 * GMime recurses (more than max: stop counting), and keep the first
 * OPAQUE_BOUNDARIES of them for opaque_returned.
 */
static int
boundaries_find(const char *s, size_t n, struct boundaries *bs, int max)
{
	const char *p = s, *e = s + n;
	int count = 0;

	bs->n = 0;
	while (count <= max && (p = util_memcasemem(p, (size_t)(e - p),
	    "boundary=")) != NULL) {
		count++;
		p += 9;
		int q = p < e && *p == '"';
		const char *v = p + q, *ve = v;
		while (ve < e && *ve != '\n' && (q ? *ve != '"' :
		    *ve != ';' && *ve != ' ' && *ve != '\t'))
			ve++;
		if (ve > v && bs->n < OPAQUE_BOUNDARIES) {
			bs->b[bs->n] = v;
			bs->len[bs->n++] = (size_t)(ve - v);
		}
		p = ve;
	}
	return (count);
}

/* Is the line at l (up to its '\n') "--" and one of the boundaries? */
static int
boundary_line(const char *l, const struct boundaries *bs)
{
	if (l[0] != '-' || l[1] != '-')
		return (0);
	for (int i = 0; i < bs->n; i++)
		if (strncmp(l + 2, bs->b[i], bs->len[i]) == 0)
			return (1);
	return (0);
}

/*
 * Rename message/rfc822 to the opaque type wherever it is the value of a
 * part's Content-Type: the line starts a field, and the lines above it up
 * to a line of one of the message's boundaries are fields of the same
 * header block, with no blank line between (a blank line would make it
 * body text).  The top header block is left alone: a message that is
 * itself message/rfc822 is parsed as GMime sees it.
 */
static void
opaque_returned(char *s, size_t n, const struct boundaries *bs)
{
	static const char ty[] = "message/rfc822";
	const size_t tl = sizeof(ty) - 1;
	char *p = s, *e = s + n;

	if (bs->n == 0)
		return;

	/*
	 * A bounce returns one message, a digest a few: past OPAQUE_TRIES
	 * mentions the rest are left to GMime as they are.
	 */
	int tries = 0;
	while (tries < OPAQUE_TRIES && (p = (char *)util_memcasemem(p,
	    (size_t)(e - p), "/rfc822")) != NULL) {
		tries++;
		if (p - s < 7) {
			p += 7;
			continue;
		}
		char *m = p - 7;	/* where "message" would start */
		p += 7;
		if (strncasecmp(m, ty, tl) != 0 ||
		    (m + tl < e && m[tl] != ';' && m[tl] != ' ' &&
		    m[tl] != '\t' && m[tl] != '\n'))
			continue;
		/*
		 * The start of the field: its first line, before any fold.
		 * Both walks back stop after OPAQUE_LOOKBACK bytes, a part's
		 * header block being short: however many times a hostile
		 * message says message/rfc822, each costs a bounded walk.
		 */
		const char *floor = m - s > OPAQUE_LOOKBACK ?
		    m - OPAQUE_LOOKBACK : s;
		char *ls = m;
		for (;;) {
			while (ls > floor && ls[-1] != '\n')
				ls--;
			if (ls == s || (*ls != ' ' && *ls != '\t'))
				break;
			if (ls == floor)
				break;
			ls--;		/* a continuation: the line above */
		}
		if ((ls != s && ls[-1] != '\n') ||
		    !content_type_at(ls, (size_t)(m - ls)))
			continue;
		/* Up through the header block to its boundary line. */
		int ok = 0;
		for (char *q = ls; q > floor;) {
			char *prev = q - 1;	/* the '\n' ending the line above */
			char *b = prev;
			while (b > floor && b[-1] != '\n')
				b--;
			if (b == prev || (b != s && b[-1] != '\n'))
				break;		/* a blank line, or too far */
			if (b[0] == '-' && b[1] == '-') {
				ok = boundary_line(b, bs);
				break;
			}
			q = b;
		}
		if (ok)
			memcpy(m, OPAQUE_TYPE "/" OPAQUE_SUBTYPE, tl);
	}
}

/* LF line ends for GMime; NUL bytes become spaces.  Returns a copy or NULL. */
static char *
normalise(const char *buf, size_t len, size_t *outlen)
{
	char *o = malloc(len + 1);
	size_t i = 0, j = 0;
	if (o == NULL)
		return (NULL);
	/*
	 * The runs between CRs and NULs are copied whole (each found with
	 * memchr, the next of each kept until passed): an LF file is one
	 * copy, a CRLF file one per line.
	 */
	const char *cr = memchr(buf, '\r', len), *nul = memchr(buf, '\0', len);
	while (i < len) {
		const char *e = buf + len;
		if (cr != NULL && cr < e)
			e = cr;
		if (nul != NULL && nul < e)
			e = nul;
		size_t run = (size_t)(e - (buf + i));
		memcpy(o + j, buf + i, run);
		i += run;
		j += run;
		if (i == len)
			break;
		if (buf[i] == '\r') {
			o[j++] = '\n';
			if (i + 1 < len && buf[i + 1] == '\n')
				i++;
			i++;
			cr = i < len ? memchr(buf + i, '\r', len - i) : NULL;
		} else {
			o[j++] = ' ';
			i++;
			nul = i < len ? memchr(buf + i, '\0', len - i) : NULL;
		}
	}
	o[j] = '\0';
	*outlen = j;
	return (o);
}

/*
 * The top header fields GMime is shown: those that give the structure
 * (Content-*).  The ones a verdict reads are taken out by trim_header;
 * the rest (Received, DKIM-Signature, ARC-*, Authentication-Results, a
 * provider's own X- fields: often most of a bounce's header) would each
 * become a GMime object, built and freed for nothing.
 */
static int
kept_field(const char *name, size_t n)
{
	return (n >= 8 && strncasecmp(name, "content-", 8) == 0);
}

/*
 * GMime refuses a message whose first line is no field, and one whose
 * fields were all dropped: where nothing was written yet (o == 0), a short
 * field takes the dropped ones' place.  They took at least its three
 * bytes ("a:\n"), so it fits behind the read position i.
 */
static size_t
placeholder_field(char *s, size_t o, size_t i)
{
	if (o != 0 || i < 3)
		return (o);
	memcpy(s, "X:\n", 3);
	return (3);
}

/*
 * Where the field name of the line at s[i] ends, its line ending before
 * e: the offset of its ':', or 0 when the line starts no field.
 */
static size_t
field_name_end(const char *s, size_t i, size_t e)
{
	size_t k = i;

	while (k < e && s[k] != ':' && s[k] > ' ' && s[k] < 127)
		k++;
	return (k < e && s[k] == ':' && k > i ? k : 0);
}

/*
 * Is the line s[i..e) nothing but blanks, and not a fold of the field
 * above it?  Notes exports a message with a line of one blank where the
 * empty line that ends each header block belongs; GMime would read it
 * as a fold and find no end.  A line of blanks followed by a field or a
 * fold could be a fold (obsolete syntax that RFC 5322 still reads), so
 * only one followed by something else (a boundary, body text) counts.
 */
static int
blank_separator(const char *s, size_t i, size_t e, size_t n)
{
	size_t k = i;

	while (k < e && (s[k] == ' ' || s[k] == '	'))
		k++;
	if (k == i || k + 1 != e || s[k] != '\n' || e >= n ||
	    s[e] == ' ' || s[e] == '\t' || s[e] == '\n')
		return (0);
	return (field_name_end(s, e, n) == 0);
}

/*
 * In a message that ends its top header with a line of blanks, every
 * such line is taken for the empty line it stands for, part headers'
 * too (there the next line is often a field of the part's body, as in
 * a feedback report).  Each blank becomes a line end: the length stays.
 */
static void
blank_lines_empty(char *s, size_t n)
{
	char *p = s, *end = s + n;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			break;
		char *q = p;
		while (q < nl && (*q == ' ' || *q == '\t'))
			q++;
		if (q == nl && q > p)
			memset(p, '\n', (size_t)(q - p));
		p = nl + 1;
	}
}

/*
 * Take the fields a verdict reads out of the top header block of s (LF
 * line ends) into tf, and drop every field GMime does not need, in place;
 * returns the new length.  A field is its first line and the folded lines
 * after it.  A line that is not "name:" is kept as it is, so where the
 * block ends stays where GMime would see it end.
 */
static size_t
trim_header(char *s, size_t n, struct top_fields *tf)
{
	size_t i = 0, o = 0, name = 0, namelen = 0, vstart = 0;
	int keep = 1;

	memset(tf->v, 0, sizeof(tf->v));
	memset(tf->cut, 0, sizeof(tf->cut));
	tf->used = 0;
	tf->blank_lines = 0;
	while (i < n && s[i] != '\n') {
		char *nl = memchr(s + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - s) + 1 : n;
		if ((s[i] == ' ' || s[i] == '\t') && blank_separator(s, i, e, n)) {
			/* The block ends here: the blanks become line ends. */
			memset(s + i, '\n', e - 1 - i);
			tf->blank_lines = 1;
			break;
		}
		if (s[i] != ' ' && s[i] != '\t') {
			/* The field before this line is complete. */
			if (namelen > 0)
				top_field_take(tf, s + name, namelen, s + vstart,
				    i - vstart);
			namelen = 0;
			/* A new field, or a line that is none. */
			size_t k = field_name_end(s, i, e);
			int field = k != 0;
			keep = !field || kept_field(s + i, k - i);
			if (!field)
				o = placeholder_field(s, o, i);
			if (!keep) {
				name = i;
				namelen = k - i;
				vstart = k + 1;
			}
		}
		if (keep) {
			if (o != i)
				memmove(s + o, s + i, e - i);
			o += e - i;
		}
		i = e;
	}
	/* The last field dropped lies ahead of the write position: intact. */
	if (namelen > 0)
		top_field_take(tf, s + name, namelen, s + vstart, i - vstart);
	o = placeholder_field(s, o, i);
	if (o == i)
		return (n);
	memmove(s + o, s + i, n - i);
	s[o + n - i] = '\0';
	return (o + n - i);
}

/*
 * GMime's tree of a private, normalised copy (trimmed and renamed in
 * place, see trim_header and opaque_returned), or NULL, also when it
 * declares more than max_parts boundaries.  The top part
 * carries the message's header fields itself: no GMimeMessage is built,
 * with its address lists for every address field, which nothing here
 * reads.  Takes norm, a malloc'ed buffer: the stream owns it from here
 * (no copy of the message), and it is freed with the last part.
 */
static GMimeObject *
construct(char *norm, size_t nlen, int max_parts, struct top_fields *tf)
{
	/*
	 * An mbox postmark ("From sender date") before the header: no
	 * field, and GMime would take the part's header to end there.
	 */
	if (nlen >= 5 && memcmp(norm, "From ", 5) == 0) {
		char *nl = memchr(norm, '\n', nlen);
		size_t skip = nl ? (size_t)(nl + 1 - norm) : nlen;
		memmove(norm, norm + skip, nlen - skip + 1);
		nlen -= skip;
	}
	nlen = trim_header(norm, nlen, tf);
	if (tf->blank_lines)
		blank_lines_empty(norm, nlen);
	struct boundaries bs;
	if (boundaries_find(norm, nlen, &bs, max_parts) > max_parts) {
		free(norm);
		return (NULL);
	}
	opaque_returned(norm, nlen, &bs);
	/* g_free is free: GLib allocates with the system's malloc. */
	GMimeStream *stream = g_mime_stream_mem_new_with_byte_array(
	    g_byte_array_new_take((guint8 *)norm, nlen));
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeObject *o = g_mime_parser_construct_part(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	return (o);
}

/*
 * A person's reply to or forward of a bounce ("Re: Undelivered Mail
 * Returned to Sender", "Fwd: Mail System Error - Returned Mail"), quoting
 * it or carrying it along: its words are a failure's, but it reports
 * none.  Known by a reply's or a forward's subject, a mail program's
 * fields (In-Reply-To, References, User-Agent, X-Mailer), an address
 * that is not a mail system's, no report of its own at the top (a
 * multipart/report) and no complaint (an abuse desk forwards ARF reports
 * as "FW: ...").  Mail systems that answer "Re: ..." write from
 * MAILER-DAEMON, postmaster and the like, or without those fields
 * ("RE: ... : non remis (delivery failed)").  A mailing list's fields
 * (List-Id, X-Mailing-List, List-Post) count as a mail program's: a
 * reply or forward posted to a list is a person's post, whether or not
 * the list kept the poster's own fields.  Old Netscape wrote a forward's
 * subject "[Fwd: ...]".
 */
static int
human_message(const struct dsn_ctx *ctx, GMimeObject *body)
{
	static const char *const replies[] = { "re:", "fwd:", "fw:", "aw:",
	    "wg:", "tr:", "sv:", "vs:", NULL };
	static const char *const systems[] = { "daemon", "postmaster",
	    "post_master", "mailer", "bounce", "noreply", "no-reply", "notify",
	    "deliver", "returned", NULL };
	const char *sub = ctx->subject;
	int reply = 0;

	while (*sub == ' ' || *sub == '\t' || *sub == '[')
		sub++;
	for (int i = 0; replies[i] != NULL; i++)
		if (g_ascii_strncasecmp(sub, replies[i], strlen(replies[i])) == 0)
			reply = 1;
	const char *at = strchr(ctx->from, '@');
	if (!reply || !ctx->mua || at == NULL || at == ctx->from ||
	    ctx->auto_replied || ctx->feedback != NULL)
		return (0);
	for (int i = 0; systems[i] != NULL; i++)
		if (util_memcasemem(ctx->from, (size_t)(at - ctx->from),
		    systems[i]) != NULL)
			return (0);
	GMimeContentType *ct = body != NULL ?
	    g_mime_object_get_content_type(body) : NULL;
	const char *st = ct != NULL ? g_mime_content_type_get_media_subtype(ct) : NULL;
	if (st != NULL && g_ascii_strcasecmp(st, "report") == 0)
		return (0);
	return (1);
}

/*
 * Read one message: its headers, the parts a verdict needs, then the
 * formats from the most machine-readable down.  A bounce that only wraps
 * another (a forwarded or relayed one: Trend Micro, mailing lists) is read
 * through to the returned message once.
 */
static int
parse_message(struct dsn_ctx *ctx, const struct top_fields *tf, GMimeObject *body,
    int nested)
{
	const char *p;

	top_headers(ctx, tf);
	if (body != NULL && walk(ctx, body, 0) < 0)
		return (-1);
	dsn_body_quoted_headers(ctx);

	/* Quoted or forwarded, not reported: no record, nor of what it carries. */
	int human = !nested && human_message(ctx, body);
	if (human) {
		/* nothing to read: the chain below is for reports */
	} else if ((ctx->feedback != NULL || ctx->unsubscribe ||
	    ctx->om_complainant[0] != '\0' || ctx->forensic) &&
	    dsn_report_feedback(ctx, ctx->feedback, ctx->feedbacklen) > 0) {
		dsn_copy(ctx->res->format, sizeof(ctx->res->format), "arf",
		    3);
	} else if (ctx->status != NULL &&
	    dsn_report_status(ctx, ctx->status, ctx->statuslen) > 0) {
		dsn_copy(ctx->res->format, sizeof(ctx->res->format),
		    "rfc3464", 7);
		dsn_body_fill(ctx, 0);
	} else if (ctx->successes > 0) {
		/*
		 * A report of deliveries only (Action: relayed, delivered):
		 * its text names the recipients too, with no failure to
		 * read into them.
		 */
	} else if (ctx->text != NULL && (p = util_memcasemem(ctx->text,
	    ctx->textlen, "\nFinal-Recipient:")) != NULL &&
	    dsn_report_status(ctx, p + 1, ctx->textlen -
	    (size_t)(p + 1 - ctx->text)) > 0) {
		/* A delivery-status block pasted into the readable text. */
		dsn_copy(ctx->res->format, sizeof(ctx->res->format),
		    "rfc3464-text", 12);
		/* Its words are those above the block, never the block's. */
		const char *b = util_memcasemem(ctx->text, (size_t)(p -
		    ctx->text), "\nReporting-MTA:");
		dsn_body_fill(ctx, (size_t)((b != NULL ? b : p) - ctx->text));
	} else if (dsn_ses_scan(ctx) > 0) {
		dsn_copy(ctx->res->format, sizeof(ctx->res->format),
		    "amazonses", 9);
	} else if (dsn_body_is_bounce(ctx)) {
		if (dsn_body_scan(ctx) > 0)
			dsn_copy(ctx->res->format,
			    sizeof(ctx->res->format), "body", 4);
	} else if (dsn_list_notice(ctx) > 0) {
		dsn_copy(ctx->res->format, sizeof(ctx->res->format), "list",
		    4);
	} else if (dsn_body_is_autoreply(ctx) &&
	    strchr(ctx->from, '@') == NULL) {
		/*
		 * An automatic answer from nobody ("From: <>"): no address is
		 * away.  Some sites answer an unknown user so ("You sent mail
		 * to a@b.  That's not a valid user here."); what its text says
		 * of an address in the words of a failure is read as a bounce.
		 */
		if (dsn_body_scan(ctx) > 0)
			dsn_copy(ctx->res->format, sizeof(ctx->res->format),
			    "body", 4);
	} else if (dsn_body_is_autoreply(ctx)) {
		struct dsn_record *r = dsn_record_new(ctx);
		if (r != NULL) {
			memcpy(r->recipient, ctx->from, sizeof(r->recipient));
			dsn_copy(r->action, sizeof(r->action), "auto-reply", 10);
			dsn_record_finish(ctx, r, RB_OUTCOME_AUTOREPLY);
			dsn_copy(ctx->res->format, sizeof(ctx->res->format),
			    "autoreply", 9);
		}
	}
	if (ctx->res->n == 0 && ctx->inner != NULL && !nested && !human &&
	    !ctx->res->truncated) {
		GMimeObject *ib = NULL, *own = NULL;
		struct top_fields itf;
		int have = 0;
		if (GMIME_IS_MESSAGE(ctx->inner)) {
			top_fields_gmime(GMIME_OBJECT(ctx->inner), &itf);
			have = 1;
			ib = g_mime_message_get_mime_part(ctx->inner);
		} else if (GMIME_IS_PART(ctx->inner)) {
			/* The opaque returned message, parsed after all. */
			size_t n, nl;
			char *t = part_text(GMIME_PART(ctx->inner),
			    ctx->opt->max_size, &n);
			char *nm = t != NULL ? normalise(t, n, &nl) : NULL;
			free(t);
			if (nm != NULL)
				ib = own = construct(nm, nl,
				    ctx->opt->max_parts, &itf);
			have = own != NULL;
		}
		int rc = 0;
		if (have) {
			struct dsn_ctx in;
			memset(&in, 0, sizeof(in));
			in.opt = ctx->opt;
			in.cl = ctx->cl;
			in.scratch = ctx->scratch;
			in.res = ctx->res;
			rc = parse_message(&in, &itf, ib, 1);
			free(in.text);
			free(in.status);
			free(in.feedback);
		}
		if (own != NULL)
			g_object_unref(own);
		if (rc < 0)
			return (-1);
	}
	return (0);
}

enum dsn_status
dsn_parse(const char *buf, size_t len, const struct dsn_options *opt,
    const struct classifier *cl, struct classify_scratch *scratch,
    struct dsn_result *res)
{
	struct dsn_options defopt;
	struct dsn_ctx ctx;
	enum dsn_status st = DSN_NOT_BOUNCE;

	if (opt == NULL) {
		dsn_options_init(&defopt);
		opt = &defopt;
	}
	res->n = 0;
	res->truncated = 0;
	res->format[0] = '\0';
	if (len > opt->max_size)
		return (DSN_TOO_BIG);
	dsn_init();

	size_t nlen;
	char *norm = normalise(buf, len, &nlen);
	if (norm == NULL)
		return (DSN_NOMEM);
	memset(&ctx, 0, sizeof(ctx));
	ctx.opt = opt;
	ctx.cl = cl;
	ctx.scratch = scratch;
	ctx.res = res;

	struct top_fields tf;
	GMimeObject *m = construct(norm, nlen, opt->max_parts, &tf);
	if (m == NULL) {
		st = DSN_BAD_MESSAGE;
		goto out;
	}
	if (parse_message(&ctx, &tf, m, 0) < 0) {
		st = DSN_BAD_MESSAGE;
		goto out;
	}
	st = res->n > 0 ? DSN_OK : DSN_NOT_BOUNCE;
	/*
	 * When the report was written: the date of a record that gives no
	 * Last-Attempt-Date, the same at every delivery of the same bounce.
	 */
	time_t when = 0;
	if (tf.v[TF_DATE] != NULL) {
		char date[128];
		dsn_copy(date, sizeof(date), tf.v[TF_DATE], tf.n[TF_DATE]);
		when = dsn_date_parse(date);
	}
	for (size_t i = 0; i < res->n; i++)
		res->rec[i].report_date = when;
out:
	if (m != NULL)
		g_object_unref(m);
	free(ctx.text);
	free(ctx.status);
	free(ctx.feedback);
	return (st);
}

int
dsn_record_outcome(const struct dsn_record *r, time_t now,
    struct rb_outcome_rec *o)
{
	outcome_init(o);
	o->source = r->v.outcome == RB_OUTCOME_COMPLAINT ?
	    RB_SOURCE_COMPLAINT : RB_SOURCE_DSN;
	o->time = now;
	snprintf(o->queue_id, sizeof(o->queue_id), "%s", r->orig_queue_id);
	snprintf(o->recipient, sizeof(o->recipient), "%s", r->recipient);
	snprintf(o->orig_recipient, sizeof(o->orig_recipient), "%s",
	    r->orig_recipient);
	snprintf(o->sender, sizeof(o->sender), "%s", r->envelope_sender[0] ?
	    r->envelope_sender : r->orig_from);
	snprintf(o->message_id, sizeof(o->message_id), "%s",
	    r->orig_message_id);
	snprintf(o->relay, sizeof(o->relay), "%s", r->remote_mta);
	snprintf(o->dsn, sizeof(o->dsn), "%s", r->status);
	snprintf(o->text, sizeof(o->text), "%s", r->diagnostic);
	o->v = r->v;
	time_t date = r->last_attempt != 0 ? r->last_attempt : r->report_date;
	if (date != 0 && (date > now + DSN_DATE_AHEAD ||
	    date < now - DSN_DATE_BEHIND)) {
		o->reported = date;
		o->time = now;
	} else if (date != 0) {
		o->time = date;
	}
	outcome_make_key(o);
	return (o->reported != 0);
}
