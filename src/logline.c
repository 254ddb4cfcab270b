/*
 * logline.c - syslog prefixes and the Postfix and Sendmail line formats
 * (see logline.h).
 *
 * Prefixes understood: RFC 3164 ("Nov 25 10:00:01 host prog[pid]: "),
 * ISO 8601 as written by rsyslog and journald exports ("2026-11-25T10:00:01
 * .123+01:00 host prog[pid]: "), RFC 5424 ("<22>1 2026-11-25T10:00:01Z host
 * prog pid - - "), and Postfix's own maillog_file, which uses the first.
 * journalctl's other modes: short-precise (microseconds), short-full
 * ("Wed 2026-11-25 10:00:01 CET ") and short-unix ("1764064801.123456 ").
 * A line with the program first and no time stamp is dated when read.
 * Around them, what copies and templates add: an unpadded day, journalctl's
 * German and Russian month names, a second time stamp ("docker logs -t"),
 * a service name and bar before the line ("docker compose logs"), grep's
 * file name ("/var/log/maillog.1:Nov 25 ..."), pdsh's server name ("mx1:
 * Nov 25 ..."), a level word before the program, a blank before its PID
 * ("sendmail [1]:"), Solaris's "[ID n facility.level]" after it, rsyslog's "message
 * repeated N times: [...]" around the message.  A
 * Postfix line is known by its program: "postfix..." or any syslog_name
 * followed by a Postfix daemon's name; a Sendmail line by "sendmail...",
 * "sm-mta..." or "sm-msp..." (a second instance started with -L
 * sm-mta-out is named so).
 *
 * This is the hot path of a backfill: no allocation, no regular
 * expressions, and a line that is not from the MTA is dropped after a few
 * byte comparisons.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "logline.h"
#include "util.h"

#define SL(p, n) ((struct slice){ (p), (size_t)(n) })

static int
is_digit(char c)
{
	return (c >= '0' && c <= '9');
}

static int
num(const char *p, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!is_digit(p[i]))
			return (-1);
		v = v * 10 + (p[i] - '0');
	}
	return (v);
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static long
days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

/*
 * Local time to epoch.  mktime() is far too slow for millions of lines, so
 * the offset from UTC is asked once per calendar day seen and cached.
 * (Inside the day a DST change shifts the hour; delivery outcomes do not
 * need better.)
 */
static time_t
local_to_epoch(int y, int mo, int d, int h, int mi, int s)
{
	static __thread long cached_day = -1;
	static __thread long cached_off;
	long day = days_from_civil(y, mo, d);

	if (day != cached_day) {
		struct tm tm;
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = 12;
		tm.tm_isdst = -1;
		time_t t = mktime(&tm);
		cached_off = (long)(day * 86400 + 12 * 3600) - (long)t;
		cached_day = day;
	}
	return ((time_t)(day * 86400 + h * 3600 + mi * 60 + s - cached_off));
}

static int
month_of(const char *p)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	/*
	 * journalctl writes the month in the reader's locale: a German one
	 * gives "Mai", "Okt", "Dez" (and "M\xc3\xa4r", which parse_3164
	 * turns into "Mar" first).  The other months are spelt alike.
	 */
	static const struct { char name[4]; int month; } german[] = {
		{ "Mai", 5 }, { "Okt", 10 }, { "Dez", 12 },
	};

	for (int i = 0; i < 12; i++)
		if (memcmp(p, months + 3 * i, 3) == 0)
			return (i + 1);
	for (size_t i = 0; i < sizeof(german) / sizeof(german[0]); i++)
		if (memcmp(p, german[i].name, 3) == 0)
			return (german[i].month);
	return (0);
}

/*
 * "Nov 25 10:00:01 " -> time; returns bytes used or 0.  A day below 10 is
 * padded with a blank ("Nov  2"); without it ("Nov 2"), as logs pasted
 * into web pages and some relays' templates have it, the line is one
 * byte shorter.
 */
static size_t
parse_3164(const char *p, size_t n, time_t now, time_t *t)
{
	/*
	 * Months that journalctl spells outside ASCII in the reader's
	 * locale: German "Mär", Russian "авг" and the rest (May both as
	 * strftime's %b writes it, "мая", and as "май").  The English name
	 * takes their place in a copy of the time stamp.
	 */
	static const struct { const char *name; size_t len; char en[4]; }
	    utf8_months[] = {
		{ "M\xc3\xa4r", 4, "Mar" },
		{ "\xd1\x8f\xd0\xbd\xd0\xb2", 6, "Jan" },	/* янв */
		{ "\xd1\x84\xd0\xb5\xd0\xb2", 6, "Feb" },	/* фев */
		{ "\xd0\xbc\xd0\xb0\xd1\x80", 6, "Mar" },	/* мар */
		{ "\xd0\xb0\xd0\xbf\xd1\x80", 6, "Apr" },	/* апр */
		{ "\xd0\xbc\xd0\xb0\xd1\x8f", 6, "May" },	/* мая */
		{ "\xd0\xbc\xd0\xb0\xd0\xb9", 6, "May" },	/* май */
		{ "\xd0\xb8\xd1\x8e\xd0\xbd", 6, "Jun" },	/* июн */
		{ "\xd0\xb8\xd1\x8e\xd0\xbb", 6, "Jul" },	/* июл */
		{ "\xd0\xb0\xd0\xb2\xd0\xb3", 6, "Aug" },	/* авг */
		{ "\xd1\x81\xd0\xb5\xd0\xbd", 6, "Sep" },	/* сен */
		{ "\xd0\xbe\xd0\xba\xd1\x82", 6, "Oct" },	/* окт */
		{ "\xd0\xbd\xd0\xbe\xd1\x8f", 6, "Nov" },	/* ноя */
		{ "\xd0\xb4\xd0\xb5\xd0\xba", 6, "Dec" },	/* дек */
	};
	if (n > 1 && ((unsigned char)p[0] >= 0x80 ||
	    (unsigned char)p[1] >= 0x80)) {
		for (size_t i = 0; i < sizeof(utf8_months) /
		    sizeof(utf8_months[0]); i++) {
			size_t ml = utf8_months[i].len;
			if (n < ml + 12 || p[ml] != ' ' ||
			    memcmp(p, utf8_months[i].name, ml) != 0)
				continue;
			char buf[32];
			size_t rest = n - ml < 29 ? n - ml : 29;
			memcpy(buf, utf8_months[i].en, 3);
			memcpy(buf + 3, p + ml, rest);
			size_t used = parse_3164(buf, 3 + rest, now, t);
			return (used ? used + ml - 3 : 0);
		}
		return (0);
	}
	int unpadded = n >= 15 && p[4] >= '1' && p[4] <= '9' && p[5] == ' ';
	if (unpadded) {
		char buf[32];
		size_t rest = n - 4 < 27 ? n - 4 : 27;
		buf[0] = p[0], buf[1] = p[1], buf[2] = p[2], buf[3] = ' ';
		buf[4] = ' ';
		memcpy(buf + 5, p + 4, rest);
		size_t used = parse_3164(buf, 5 + rest, now, t);
		return (used >= 16 ? used - 1 : 0);
	}
	if (n < 16 || p[3] != ' ' || p[6] != ' ' || p[9] != ':' ||
	    p[12] != ':')
		return (0);
	/*
	 * journalctl -o short-precise adds the microseconds
	 * ("Nov 25 10:00:01.123456 host ...").
	 */
	size_t used = 15;
	if (p[15] == '.')
		for (used = 16; used < n && is_digit(p[used]); used++)
			;
	if (used >= n || p[used] != ' ' || used == 16)
		return (0);
	int mo = month_of(p);
	int d = num(p + 4 + (p[4] == ' '), p[4] == ' ' ? 1 : 2);
	int h = num(p + 7, 2), mi = num(p + 10, 2), s = num(p + 13, 2);
	if (mo == 0 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || s < 0 || s > 60)
		return (0);
	/*
	 * No year in the line: the latest that is not in the future (a
	 * day's slack for clocks).  The local year may be one ahead of the
	 * UTC year ("Jan  1 00:25" east of Greenwich while it is still 31
	 * December in UTC) or one behind it, so all three are tried: a line
	 * dated a year early would make hours of failures look like a year
	 * of them, and escalate.
	 */
	struct tm nt;
	gmtime_r(&now, &nt);
	int y = nt.tm_year + 1900;
	/*
	 * Next year only for a January line in a UTC December: asking
	 * local_to_epoch() for other years on every line would defeat its
	 * per-day cache (one mktime(), with its tzset(), a line).
	 */
	if (mo == 1 && nt.tm_mon == 11)
		y++;
	time_t v = local_to_epoch(y, mo, d, h, mi, s);
	for (int k = 1; k <= 2 && v > now + 86400; k++)
		v = local_to_epoch(y - k, mo, d, h, mi, s);
	*t = v;
	return (used + 1);
}

/* "2026-11-25T10:00:01[.frac][Z|+hh:mm|+hhmm] " -> time; bytes or 0. */
static size_t
parse_iso(const char *p, size_t n, time_t *t)
{
	if (n < 20 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' &&
	    p[10] != ' ') || p[13] != ':' || p[16] != ':')
		return (0);
	int y = num(p, 4), mo = num(p + 5, 2), d = num(p + 8, 2);
	int h = num(p + 11, 2), mi = num(p + 14, 2), s = num(p + 17, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 ||
	    h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60)
		return (0);
	size_t i = 19;
	if (i < n && p[i] == '.')
		for (i++; i < n && is_digit(p[i]); i++)
			;
	long off = 0;
	int have_off = 0;
	if (i < n && p[i] == 'Z') {
		have_off = 1;
		i++;
	} else if (i + 5 <= n && (p[i] == '+' || p[i] == '-')) {
		int oh = num(p + i + 1, 2);
		int om = p[i + 3] == ':' ? num(p + i + 4, 2) : num(p + i + 3, 2);
		if (oh < 0 || om < 0)
			return (0);
		off = (oh * 3600L + om * 60L) * (p[i] == '-' ? -1 : 1);
		have_off = 1;
		i += p[i + 3] == ':' ? 6 : 5;
	}
	if (i >= n || p[i] != ' ')
		return (0);
	if (have_off)
		*t = (time_t)(days_from_civil(y, mo, d) * 86400L + h * 3600L +
		    mi * 60L + s - off);
	else
		*t = local_to_epoch(y, mo, d, h, mi, s);
	return (i + 1);
}

/*
 * journalctl's other time formats, for a journal exported as text:
 * -o short-full ("Wed 2026-11-25 10:00:01 CET ", the weekday and zone in
 * the reader's locale; the weekday is passed over unread) and -o
 * short-unix ("1764064801.123456 ").  A zone written as UTC, GMT or a
 * numeric offset is used; a zone name is the local one journalctl
 * printed in, as everywhere else without an offset.
 */
static size_t
parse_full(const char *p, size_t n, time_t *t)
{
	/* The weekday: "Wed", German "Mi", Russian "Ср" (four bytes). */
	size_t w = 0;
	while (w < n && w < 12 && p[w] != ' ')
		w++;
	if (w < 2 || w >= 12 || n < w + 23 || p[w + 5] != '-' ||
	    p[w + 20] != ' ')
		return (0);
	char buf[32];
	memcpy(buf, p + w + 1, 19);
	const char *z = p + w + 21, *end = p + n;
	const char *ze = z;
	while (ze < end && *ze != ' ')
		ze++;
	if (ze == z || ze >= end || ze - z > 6)
		return (0);
	size_t bl = 19;
	if ((ze - z == 3 && (memcmp(z, "UTC", 3) == 0 ||
	    memcmp(z, "GMT", 3) == 0)))
		buf[bl++] = 'Z';
	else if ((*z == '+' || *z == '-') && (ze - z == 3 || ze - z == 5) &&
	    num(z + 1, (int)(ze - z - 1)) >= 0) {
		buf[bl++] = *z;
		memcpy(buf + bl, z + 1, 2);
		bl += 2;
		memcpy(buf + bl, ze - z == 5 ? z + 3 : "00", 2);
		bl += 2;
	}
	buf[bl++] = ' ';
	if (parse_iso(buf, bl, t) != bl)
		return (0);
	return ((size_t)(ze + 1 - p));
}

static size_t
parse_unix(const char *p, size_t n, time_t *t)
{
	size_t i = 0;
	long long v = 0;

	while (i < n && i < 12 && is_digit(p[i]))
		v = v * 10 + (p[i++] - '0');
	if (i < 9 || i >= n || p[i] != '.')
		return (0);
	size_t f = ++i;
	while (i < n && is_digit(p[i]))
		i++;
	if (i == f || i >= n || p[i] != ' ')
		return (0);
	*t = (time_t)v;
	return (i + 1);
}

/* Any time stamp a line may begin with: bytes used, or 0. */
static size_t
parse_stamp(const char *p, size_t n, time_t now, time_t *t)
{
	size_t used;

	if ((used = parse_iso(p, n, t)) != 0 ||
	    (used = parse_3164(p, n, now, t)) != 0)
		return (used);
	if (n > 0 && is_digit(*p))
		return (parse_unix(p, n, t));
	return (parse_full(p, n, t));
}

static const char *
find_char(const char *p, const char *end, char c)
{
	const char *r = memchr(p, c, (size_t)(end - p));
	return (r != NULL ? r : end);
}

static int
starts(const char *p, const char *end, const char *lit, size_t litlen)
{
	return ((size_t)(end - p) >= litlen && memcmp(p, lit, litlen) == 0);
}
#define STARTS(p, end, lit) starts((p), (end), (lit), sizeof(lit) - 1)

/*
 * Read "key=value" items separated by ", " from p.  A value in <...> is
 * taken whole (addresses may hold commas); the value of `last_key` runs to
 * the end of the line.  Calls set() for each item.
 */
static void set_sendmail(struct logline *, const char *, size_t,
    const char *, const char *, const char *);

/*
 * The end of a value from v: the next ", ", if quotes count outside
 * quotes (a backslash escapes the next byte in them) and comments ("bob@x
 * (Smith, Bob)"); a quote or comment never closed counts for nothing.
 */
int
logline_scan_in(struct logline_scan *st, const char **q, const char *end,
    int open)
{
	const char *c = *q;

	if (st->quoted) {
		if (*c == '\\' && c + 1 < end)
			(*q)++;
		else if (*c == '"')
			st->quoted = 0;
	} else if (st->comment) {
		if (*c == ')')
			st->comment--;
		else if (*c == '(')
			st->comment++;
	} else if (open && *c == '"')
		st->quoted = 1;
	else if (open && *c == '(')
		st->comment = 1;
	else
		return (0);
	return (1);
}

static const char *
value_end(const char *v, const char *end, int quotes)
{
	const char *q = v;
	struct logline_scan st = { 0, 0 };

	for (; q < end; q++) {
		if (logline_scan_in(&st, &q, end, quotes))
			continue;
		if (q[0] == ',' && q + 1 < end && q[1] == ' ')
			break;
	}
	return (st.quoted || st.comment ? value_end(v, end, 0) : q);
}

static void
each_item(const char *p, const char *end, struct logline *ll,
    void (*set)(struct logline *, const char *, size_t, const char *,
    const char *, const char *), const char *last_key)
{
	size_t lastlen = last_key ? strlen(last_key) : 0;

	while (p < end) {
		/* Blanks a paste doubled (a forum's, an editor's). */
		while (p < end && *p == ' ')
			p++;
		const char *eq = find_char(p, end, '=');
		if (eq == end)
			return;
		const char *k = p;
		size_t kl = (size_t)(eq - p);
		const char *v = eq + 1, *ve;
		if (last_key != NULL && kl == lastlen && memcmp(k, last_key, kl) == 0) {
			set(ll, k, kl, v, end, end);
			return;
		}
		if (v < end && *v == '<') {
			ve = find_char(v, end, '>');
			if (ve < end)
				ve++;
		} else {
			ve = v;
		}
		/*
		 * The value ends at the next ", " (or the end); for Sendmail,
		 * one outside quotes: its recipient list keeps display names
		 * as given, and one can hold ", " ("Doe, John" <j@x>).
		 */
		const char *q = value_end(ve, end, set == set_sendmail);
		set(ll, k, kl, v, q, end);
		p = q < end ? q + 2 : end;
	}
}

static struct slice
strip_angle(const char *v, const char *ve)
{
	if (ve - v >= 2 && v[0] == '<' && ve[-1] == '>')
		return (SL(v + 1, ve - v - 2));
	/* Sendmail keeps a display name: "to=Vasya <vasya@example.org>". */
	if (ve - v >= 3 && ve[-1] == '>') {
		const char *lt = ve - 1;
		while (lt > v && lt[-1] != '<')
			lt--;
		if (lt > v)
			return (SL(lt, ve - 1 - lt));
	}
	return (SL(v, ve - v));
}

#define KEY(lit) (kl == sizeof(lit) - 1 && memcmp(k, lit, kl) == 0)

static void
set_postfix(struct logline *ll, const char *k, size_t kl, const char *v,
    const char *ve, const char *end)
{
	if (KEY("to"))
		ll->to = strip_angle(v, ve);
	else if (KEY("orig_to"))
		ll->orig_to = strip_angle(v, ve);
	else if (KEY("relay"))
		ll->relay = SL(v, ve - v);
	else if (KEY("dsn"))
		ll->dsn = SL(v, ve - v);
	else if (KEY("delay"))
		ll->delay = SL(v, ve - v);
	else if (KEY("from"))
		ll->from = strip_angle(v, ve);
	else if (KEY("size"))
		ll->size = SL(v, ve - v);
	else if (KEY("nrcpt"))
		ll->nrcpt = SL(v, ve - v);
	else if (KEY("client"))
		ll->client = SL(v, ve - v);
	else if (KEY("sasl_username"))
		ll->sasl_user = SL(v, ve - v);
	else if (KEY("message-id"))
		ll->msgid = strip_angle(v, ve);
	else if (KEY("status")) {
		/*
		 * "status=bounced (host x said: ...)": the word, then the
		 * text in the outermost parentheses, which runs to the last
		 * ')' of the line because the text has its own.
		 */
		const char *w = v;
		while (w < end && *w != ' ' && *w != ',' && *w != '(')
			w++;
		ll->status = SL(v, w - v);
		const char *open = find_char(w, end, '(');
		if (open < end) {
			const char *close = end;
			while (close > open && close[-1] != ')')
				close--;
			/*
			 * No ')' at all: syslog cut the line at its size
			 * limit (Gmail's long replies reach it).  What is
			 * left still says why.
			 */
			if (close == open)
				ll->text = SL(open + 1, end - (open + 1));
			else if (close > open + 1)
				ll->text = SL(open + 1, close - 1 - (open + 1));
		}
	}
}

static void
set_sendmail(struct logline *ll, const char *k, size_t kl, const char *v,
    const char *ve, const char *end)
{
	/* The whole list: logproc takes it apart, display names and all. */
	if (KEY("to"))
		ll->to = SL(v, ve - v);
	else if (KEY("relay"))
		ll->relay = SL(v, ve - v);
	else if (KEY("dsn"))
		ll->dsn = SL(v, ve - v);
	else if (KEY("delay"))
		ll->delay = SL(v, ve - v);
	else if (KEY("mailer"))
		ll->mailer = SL(v, ve - v);
	else if (KEY("from"))
		ll->from = strip_angle(v, ve);
	else if (KEY("size"))
		ll->size = SL(v, ve - v);
	else if (KEY("nrcpts"))
		ll->nrcpt = SL(v, ve - v);
	else if (KEY("msgid"))
		ll->msgid = strip_angle(v, ve);
	else if (KEY("stat")) {
		/* "Sent (...)", "Deferred: ...", or the reply itself. */
		const char *w = v;
		while (w < end && *w != ' ' && *w != ':')
			w++;
		ll->status = SL(v, w - v);
		ll->text = SL(v, end - v);
	}
}

static int
is_qid_char(char c)
{
	return (is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
}

/* The end of a queue ID at p followed by ": ", or NULL. */
static const char *
qid_end(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && is_qid_char(*q))
		q++;
	if (q - p < 5 || q + 2 > end || q[0] != ':' || q[1] != ' ')
		return (NULL);
	return (q);
}

/*
 * After "NAME   | " at p (one word, blanks, a bar and a blank), the rest;
 * else NULL.
 */
static const char *
compose_prefix(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && q - p < 64 && *q != ' ' && *q != '|')
		q++;
	if (q == p || q >= end || *q != ' ')
		return (NULL);
	while (q < end && *q == ' ')
		q++;
	if (end - q < 2 || q[0] != '|' || q[1] != ' ')
		return (NULL);
	return (q + 2);
}

/*
 * After "FILE:" or "FILE:LINE:" at p, as grep writes before each line it
 * found in several files ("/var/log/maillog.4:Apr  8 04:03:09 ..."), or
 * "HOST: " as pdsh and dsh write before each line of a command run on many
 * servers (also "HOST : "), the rest; else NULL.
 */
static const char *
grep_prefix(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && q - p < 256 && *q != ' ' && *q != ':')
		q++;
	if (q > p && q + 1 < end && q[0] == ' ' && q[1] == ':')
		q++;
	if (q == p || q >= end || *q != ':')
		return (NULL);
	q++;
	const char *d = q;
	while (d < end && d - q < 12 && is_digit(*d))
		d++;
	if (d > q && d < end && *d == ':')
		q = d + 1;
	while (q < end && *q == ' ')
		q++;
	return (q);
}

/*
 * A log level word and the blanks after it, as some templates write
 * between the time or host and the program (a Postfix container image's
 * "2022-06-20T20:48:14.699067+00:00 INFO    postfix/smtp[284]: ").
 */
static const char *
skip_level(const char *p, const char *end)
{
	static const char *const levels[] = { "DEBUG", "INFO", "NOTICE",
	    "WARNING", "WARN", "ERROR", "ERR", "CRIT", "ALERT", "EMERG", NULL };

	/* Host and program names are seldom in capitals: most lines stop here. */
	if (end - p < 4 || p[0] < 'A' || p[0] > 'Z' || p[1] < 'A' || p[1] > 'Z')
		return (p);
	for (int i = 0; levels[i] != NULL; i++) {
		size_t k = strlen(levels[i]);
		if ((size_t)(end - p) > k && memcmp(p, levels[i], k) == 0 &&
		    p[k] == ' ') {
			p += k;
			while (p < end && *p == ' ')
				p++;
			return (p);
		}
	}
	return (p);
}

/*
 * A line with no time stamp at all, the program first, as a container
 * that sends Postfix's log to its standard output may write it
 * ("postfix/smtp[284]: 3F2A1: to=<...>, ..."), with or without a level
 * word before ("INFO postfix/smtp[284]: "), or a host name
 * ("postfix-0 postfix/lmtp[216]: ", a container's): p, or NULL when the
 * line does not go on to "PROGRAM[PID]: " so.  Which programs are the
 * MTA's is decided later, as for any line.
 */
static const char *
undated(const char *p, const char *end)
{
	const char *q = skip_level(p, end);

	for (int word = 0; word < 2; word++) {
		const char *b = q;
		while (b < end && b - q < 64 && *b != '[' && *b != ' ' &&
		    *b != ':')
			b++;
		if (b == q || b >= end)
			return (NULL);
		if (*b == ' ' && word == 0) {
			q = b + 1;	/* a host name; the program next */
			continue;
		}
		if (*b != '[')
			return (NULL);
		const char *d = b + 1;
		while (d < end && is_digit(*d))
			d++;
		if (d == b + 1 || end - d < 3 || d[0] != ']' || d[1] != ':' ||
		    d[2] != ' ')
			return (NULL);
		return (p);
	}
	return (NULL);
}

/*
 * Whether a program name is "NAME/DAEMON" for one of the Postfix daemons
 * whose lines are read here.  Postfix logs as syslog_name/daemon, and
 * syslog_name is the operator's: a transport of its own for a sending IP
 * or a provider is often given its own ("smtp-uol/smtp",
 * "enforced-tls-smtp/smtp"), with no "postfix" in it.
 */
/* p is at "[": digits, "]" and ":" follow. */
static int
spaced_pid(const char *p, const char *end)
{
	const char *q = p + 1;

	while (q < end && is_digit(*q))
		q++;
	return (q > p + 1 && q + 1 < end && q[0] == ']' && q[1] == ':');
}

static int
postfix_daemon(struct slice prog)
{
	static const char *const daemons[] = { "smtp", "lmtp", "local",
	    "virtual", "pipe", "error", "retry", "discard", "qmgr", "oqmgr",
	    "cleanup", "smtpd", "bounce", "pickup", "postsuper", NULL };
	const char *slash = NULL;

	for (size_t i = 0; i < prog.n; i++)
		if (prog.p[i] == '/')
			slash = prog.p + i;
	if (slash == NULL || slash == prog.p)
		return (0);
	size_t n = prog.n - (size_t)(slash + 1 - prog.p);
	for (int i = 0; daemons[i] != NULL; i++)
		if (strlen(daemons[i]) == n && memcmp(slash + 1, daemons[i], n) == 0)
			return (1);
	return (0);
}

enum logline_kind
logline_parse(const char *line, size_t len, time_t now, struct logline *ll)
{
	const char *p = line, *end = line + len;
	size_t used;

	memset(ll, 0, sizeof(*ll));
	while (end > p && (end[-1] == '\r' || end[-1] == '\n'))
		end--;
	/* A line pasted with an indent. */
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	len = (size_t)(end - p);
	/* RFC 5424: "<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG" */
	int rfc5424 = 0;
	if (len > 4 && p[0] == '<') {
		const char *gt = find_char(p, p + (len < 6 ? len : 6), '>');
		if (gt >= end || *gt != '>')
			return (LL_NONE);
		p = gt + 1;
		if (p + 2 < end && p[0] == '1' && p[1] == ' ') {
			rfc5424 = 1;
			p += 2;
		}
	}
	if ((used = parse_stamp(p, (size_t)(end - p), now, &ll->time)) == 0) {
		/*
		 * "docker compose logs" puts the service's name first
		 * ("postfix-mailcow_1    | Feb  7 11:18:26 mail postfix/..."),
		 * grep the file's name: tried only when no time stamp begins
		 * the line, and taken only when one follows.
		 */
		const char *q = NULL;
		for (int k = 0; k < 2 && !rfc5424; k++) {
			q = k == 0 ? compose_prefix(p, end) :
			    grep_prefix(p, end);
			size_t left = q != NULL ? (size_t)(end - q) : 0;
			if (q != NULL &&
			    (used = parse_stamp(q, left, now, &ll->time)) != 0)
				break;
			q = NULL;
		}
		if (q == NULL && !rfc5424) {
			/*
			 * No time stamp anywhere: the program first, alone or
			 * after a compose service's name ("smtp_1  |
			 * postfix/lmtp[44]: ..."), dated when read, the best
			 * there is.
			 */
			const char *c = compose_prefix(p, end);
			if ((q = undated(p, end)) == NULL && c != NULL)
				q = undated(c, end);
			if (q != NULL) {
				ll->time = now;
				used = 0;
			}
		}
		if (q == NULL)
			return (LL_NONE);
		p = q;
	}
	p += used;
	/*
	 * A second time stamp: the syslog line as a container's log keeps it
	 * ("docker logs -t": "2020-11-02T13:52:02.68Z Nov 02 13:52:02 mail
	 * postfix/smtp[1]: ...").  The first, with its year and zone, stands.
	 */
	time_t again;
	if (!rfc5424 && p < end && ((is_digit(*p) &&
	    (used = parse_iso(p, (size_t)(end - p), &again)) != 0) ||
	    (*p >= 'A' && *p <= 'Z' &&
	    (used = parse_3164(p, (size_t)(end - p), now, &again)) != 0)))
		p += used;
	p = skip_level(p, end);
	const char *sp = find_char(p, end, ' ');
	/*
	 * Some syslog setups write no host name: the word after the time is
	 * already the program ("postfix/pipe[18710]:").  A word in brackets
	 * is a host all the same ("[myhost]", as a paste hides a name).
	 */
	if (!rfc5424 && sp > p && p[0] != '[' && (sp[-1] == ':' ||
	    find_char(p, sp, '[') < sp))
		sp = p - 1;
	else {
		ll->host = SL(p, sp - p);
		if (sp >= end)
			return (LL_NONE);
	}
	p = sp + 1;
	/* Blanks a template pads with, a level word after the host. */
	if (!rfc5424) {
		while (p < end && *p == ' ')
			p++;
		p = skip_level(p, end);
	}
	/* The program: "postfix/smtp[123]: " or in 5424 "postfix/smtp 123 - - " */
	const char *prog = p;
	if (rfc5424) {
		sp = find_char(p, end, ' ');
		ll->program = SL(prog, sp - prog);
		/* skip PROCID, MSGID and a "-" structured data */
		for (int f = 0; f < 3 && sp < end; f++) {
			p = sp + 1;
			if (f == 2 && p < end && *p == '[') {
				/* structured data: skip to "] " */
				const char *q = p;
				while (q < end && !(q[0] == ']' && (q + 1 == end || q[1] == ' ')))
					q++;
				sp = q + 1 < end ? q + 1 : end;
			} else {
				sp = find_char(p, end, ' ');
			}
		}
		p = sp < end ? sp + 1 : end;
	} else {
		while (p < end && *p != '[' && *p != ':' && *p != ' ')
			p++;
		ll->program = SL(prog, p - prog);
		/* A paste that spaced the PID off ("sendmail [11078]: "). */
		if (p + 1 < end && p[0] == ' ' && p[1] == '[' &&
		    spaced_pid(p + 1, end))
			p++;
		if (p < end && *p == '[')
			p = find_char(p, end, ']') + 1;
		if (p >= end || *p != ':')
			return (LL_NONE);
		p++;
		if (p < end && *p == ' ')
			p++;
		/* Solaris's syslogd: "sendmail[1]: [ID 801593 mail.info] ". */
		if (STARTS(p, end, "[ID ")) {
			const char *q = find_char(p, end, ']');
			if (q + 1 < end && q[1] == ' ')
				p = q + 2;
		}
	}
	/*
	 * rsyslog's repeated-message reduction (on in Ubuntu's default
	 * rsyslog.conf) writes a line that came again as "message repeated 2
	 * times: [ QUEUEID: to=<...>, ...]".  The message inside is read,
	 * once, at the repeat's time, so that one whose first copy is in an
	 * earlier file is not lost; a final outcome has the same key however
	 * often it is read, so it still counts once.
	 */
	if (STARTS(p, end, "message repeated ")) {
		const char *q = p + sizeof("message repeated ") - 1;
		while (q < end && is_digit(*q))
			q++;
		if (q > p + sizeof("message repeated ") - 1 &&
		    STARTS(q, end, " times: [") && end[-1] == ']') {
			p = q + sizeof(" times: [") - 1;
			while (p < end && *p == ' ')
				p++;
			end--;
		}
	}
	if ((ll->program.n >= 7 && memcmp(ll->program.p, "postfix", 7) == 0) ||
	    postfix_daemon(ll->program))
		ll->mta = LL_MTA_POSTFIX;
	else if ((ll->program.n >= 6 && memcmp(ll->program.p, "sm-mta", 6) == 0) ||
	    (ll->program.n >= 8 && memcmp(ll->program.p, "sendmail", 8) == 0) ||
	    (ll->program.n >= 6 && memcmp(ll->program.p, "sm-msp", 6) == 0))
		ll->mta = LL_MTA_SENDMAIL;
	else
		return (LL_NONE);

	/* "QUEUEID: " */
	const char *q = qid_end(p, end);
	if (q == NULL)
		return (LL_NONE);
	ll->queue_id = SL(p, q - p);
	p = q + 2;
	while (p < end && *p == ' ')
		p++;

	if (ll->mta == LL_MTA_POSTFIX) {
		if (STARTS(p, end, "to=")) {
			each_item(p, end, ll, set_postfix, NULL);
			if (ll->to.n > 0 && ll->status.n > 0)
				ll->kind = LL_DELIVERY;
		} else if (STARTS(p, end, "from=")) {
			each_item(p, end, ll, set_postfix, NULL);
			/* qmgr's "from=<>, status=expired, returned to sender" too */
			ll->kind = LL_FROM;
		} else if (STARTS(p, end, "message-id=")) {
			each_item(p, end, ll, set_postfix, NULL);
			ll->kind = LL_MSGID;
		} else if (STARTS(p, end, "client=")) {
			each_item(p, end, ll, set_postfix, NULL);
			ll->kind = LL_CLIENT;
		} else if (STARTS(p, end, "removed")) {
			ll->kind = LL_REMOVED;
		} else if (STARTS(p, end, "sender non-delivery notification")) {
			ll->kind = LL_BOUNCE;
		}
	} else {
		if (STARTS(p, end, "to=")) {
			each_item(p, end, ll, set_sendmail, "stat");
			/*
			 * "stat=queued": kept in the queue without a try (the
			 * queue-only delivery mode, a high load): no outcome,
			 * and the recipient's last deferral still stands.
			 */
			if (ll->to.n > 0 && ll->status.n > 0 &&
			    !(ll->status.n == 6 && memcmp(ll->status.p, "queued", 6) == 0))
				ll->kind = LL_DELIVERY;
		} else if (STARTS(p, end, "from=")) {
			each_item(p, end, ll, set_sendmail, NULL);
			ll->kind = LL_FROM;
		} else {
			/*
			 * "QUEUEID: NEWID: DSN: Cannot send message for 5 days":
			 * the queue lifetime ran out and NEWID is the bounce.
			 * The message's recipients get no line of their own.
			 */
			/*
			 * The label says whom the bounce goes to: "DSN: ", or
			 * without a DSN requested "sender notify: ", "return
			 * to sender: " or "postmaster notify: ".
			 */
			static const char *const label[] = { "DSN: ",
			    "sender notify: ", "return to sender: ",
			    "postmaster notify: " };
			/*
			 * "NEWID: clone OLDID, owner=owner-list": the message
			 * split off for an alias with an owner, its envelope
			 * sender the owner.
			 */
			if (STARTS(p, end, "clone ")) {
				const char *o = p + 6, *c = o;
				while (c < end && is_qid_char(*c))
					c++;
				if (c - o >= 5) {
					ll->text = SL(o, c - o);
					if (STARTS(c, end, ", owner="))
						ll->from = SL(c + 8, end - (c + 8));
					ll->kind = LL_CLONE;
				}
				return (ll->kind);
			}
			q = qid_end(p, end);
			for (size_t i = 0; q != NULL && i < 4; i++) {
				const char *t = q + 2 + strlen(label[i]);
				if (starts(q + 2, end, label[i], strlen(label[i])) &&
				    STARTS(t, end, "Cannot send message for")) {
					ll->text = SL(t, end - t);
					ll->kind = LL_TIMEOUT;
					break;
				}
			}
		}
	}
	return (ll->kind);
}

void
logline_copy(char *dst, size_t dstsize, struct slice s)
{
	util_strncpy0(dst, dstsize, s.p ? s.p : "", s.p ? s.n : 0);
}
