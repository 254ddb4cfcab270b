/*
 * dsn_util.c - small text helpers for the bounce parser: bounded copies,
 * whitespace squeezing, address and status-code spotting.
 *
 * Pure functions on caller-owned buffers; any thread.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "dsn_int.h"

/* Copy at most n bytes, stopping at NUL, always terminating. */
void
dsn_copy(char *dst, size_t dstlen, const char *src, size_t n)
{
	size_t i;

	if (dstlen == 0)
		return;
	for (i = 0; i < n && i + 1 < dstlen && src[i] != '\0'; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

/*
 * Copy with every run of white space (folded lines included) made one
 * space and both ends trimmed: diagnostics arrive folded and indented.
 * NUL bytes count as white space so hostile input cannot cut a field short.
 */
void
dsn_squeeze(char *dst, size_t dstlen, const char *src, size_t n)
{
	size_t o = 0;
	int sp = 0;

	if (dstlen == 0)
		return;
	for (size_t i = 0; i < n && o + 1 < dstlen; i++) {
		unsigned char c = (unsigned char)src[i];
		if (isspace(c) || c == '\0') {
			sp = o > 0;
			continue;
		}
		if (sp && o + 2 < dstlen)
			dst[o++] = ' ';
		sp = 0;
		dst[o++] = (char)c;
	}
	dst[o] = '\0';
}

static int
local_char(unsigned char c)
{
	return (isalnum(c) || c >= 0x80 ||
	    (c != '\0' && strchr(".!#$%&'*+-/=?^_`{|}~", c) != NULL));
}

static int
domain_char(unsigned char c)
{
	return (isalnum(c) || c == '.' || c == '-' || c == '_');
}

/*
 * Find the first thing that looks like local@domain.tld in s.  Sets *start
 * and *alen and returns 1, or returns 0.
 */
int
dsn_find_addr(const char *s, size_t n, size_t *start, size_t *alen)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '@')
			continue;
		size_t a = i, b = i + 1;
		while (a > 0 && local_char((unsigned char)s[a - 1]))
			a--;
		/* Leading dots and quotes are punctuation, not address. */
		while (a < i && (s[a] == '.' || s[a] == '\''))
			a++;
		while (b < n && domain_char((unsigned char)s[b]))
			b++;
		while (b > i + 1 && (s[b - 1] == '.' || s[b - 1] == '-'))
			b--;
		if (a == i || b == i + 1 ||
		    memchr(s + i + 1, '.', b - i - 1) == NULL)
			continue;
		*start = a;
		*alen = b - a;
		return (1);
	}
	return (0);
}

/*
 * The mail address inside an X.400 O/R address, as Exchange and other
 * gateways write it ("/dda:SMTP=bob@example.org/O=Org/", RFC 2156's
 * "/RFC-822=bob(a)example.org/"), into dst with RFC 2156's escapes
 * undone; 0 when there is none, or when it does not fit dst.
 */
int
dsn_x400_mail_addr(char *dst, size_t dstlen, const char *s, size_t n)
{
	static const char *const keys[] = { "SMTP=", "RFC-822=", "RFC822=" };
	const char *v = NULL;
	for (size_t k = 0; k < 3 && v == NULL; k++) {
		size_t kl = strlen(keys[k]);
		for (size_t i = 0; i + kl <= n && v == NULL; i++)
			if (strncasecmp(s + i, keys[k], kl) == 0 && (i == 0 ||
			    s[i - 1] == '/' || s[i - 1] == ':' || s[i - 1] == ' '))
				v = s + i + kl;
	}
	if (v == NULL || dstlen == 0)
		return (0);
	size_t j = 0;
	for (const char *p = v; p < s + n && *p != '/' && *p != ';'; p++) {
		/* Longer than dst: cut, it would be another address. */
		if (j + 1 >= dstlen) {
			dst[0] = '\0';
			return (0);
		}
		char c = 0;
		if (*p == '(' && s + n - p >= 3 && p[2] == ')')
			switch (tolower((unsigned char)p[1])) {
			case 'a': c = '@'; break;
			case 'p': c = '%'; break;
			case 'b': c = '!'; break;
			case 'q': c = '"'; break;
			case 'u': c = '_'; break;
			case 'l': c = '('; break;
			case 'r': c = ')'; break;
			}
		if (c != 0) {
			dst[j++] = c;
			p += 2;
		} else
			dst[j++] = *p;
	}
	dst[j] = '\0';
	return (strchr(dst, '@') != NULL);
}

/*
 * Normalise an address field: drop an "rfc822;" type, angle brackets,
 * quotes and spaces; lower-case the domain.  An X.400 address gives the
 * mail address inside it, if it holds one.  One that does not fit dst
 * whole, or holds a control byte, gives "": cut, it would name an address
 * nobody mailed ("a...a@exam"), which a bounce could then suppress.
 */
void
dsn_addr_clean(char *dst, size_t dstlen, const char *src, size_t n)
{
	const char *semi = memchr(src, ';', n);
	size_t st, al;
	char x400[RB_ADDR_MAX];

	if (semi != NULL && memchr(src, '@', (size_t)(semi - src)) == NULL) {
		int is_x400 = dsn_type_is(src, n, "x400");
		n -= (size_t)(semi + 1 - src);
		src = semi + 1;
		if (is_x400 && dsn_x400_mail_addr(x400, sizeof(x400), src, n)) {
			src = x400;
			n = strlen(x400);
		}
	}
	if (dsn_find_addr(src, n, &st, &al)) {
		src += st;
		n = al;
	} else {
		while (n > 0 && (isspace((unsigned char)*src) || *src == '<')) {
			src++;
			n--;
		}
		while (n > 0 && (isspace((unsigned char)src[n - 1]) ||
		    src[n - 1] == '>'))
			n--;
	}
	if (!outcome_address_fits(src, n, dstlen)) {
		dst[0] = '\0';
		return;
	}
	dsn_copy(dst, dstlen, src, n);
	/*
	 * The domain is case-blind; the local part is the mailbox's own, kept
	 * as the log and the milter see it (the store folds it if told to).
	 */
	char *at = strrchr(dst, '@');
	for (char *p = at != NULL ? at : dst; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
}

static int
isnum(const char *s, size_t n, size_t i)
{
	return (i < n && isdigit((unsigned char)s[i]));
}

/*
 * Spot the first enhanced status code (RFC 3463 "5.1.1") and the first
 * basic reply code (4xx/5xx standing alone) in a diagnostic.  Numbers that
 * are parts of IP addresses, dates or longer numbers are not codes.
 */
void
dsn_codes(const char *s, size_t n, char *status, size_t slen, int *replycode)
{
	int want_st = status != NULL && status[0] == '\0';
	int want_rc = replycode != NULL && *replycode == 0;

	for (size_t i = 0; i < n && (want_st || want_rc); i++) {
		char c = s[i];
		if (c < '2' || c > '5')
			continue;
		if (i > 0 && (isdigit((unsigned char)s[i - 1]) ||
		    s[i - 1] == '.' || (s[i - 1] == '-' && i > 1 &&
		    isdigit((unsigned char)s[i - 2]))))
			continue;
		if (want_st && (c == '2' || c == '4' || c == '5') &&
		    i + 1 < n && s[i + 1] == '.' && isnum(s, n, i + 2)) {
			size_t j = i + 2;
			while (isnum(s, n, j) && j - i < 5)
				j++;
			if (j < n && s[j] == '.' && isnum(s, n, j + 1)) {
				size_t k = j + 1;
				while (isnum(s, n, k) && k - j < 5)
					k++;
				if (!isnum(s, n, k) && !(k + 1 < n &&
				    s[k] == '.' && isnum(s, n, k + 1))) {
					dsn_copy(status, slen, s + i, k - i);
					want_st = 0;
					i = k - 1;
					continue;
				}
			}
		}
		if (want_rc && (c == '4' || c == '5') && isnum(s, n, i + 1) &&
		    isnum(s, n, i + 2) && !isnum(s, n, i + 3) &&
		    (i + 3 >= n || s[i + 3] == ' ' || s[i + 3] == '-' ||
		    s[i + 3] == '\t' || s[i + 3] == '\n' || s[i + 3] == '\r')) {
			*replycode = (c - '0') * 100 + (s[i + 1] - '0') * 10 +
			    (s[i + 2] - '0');
			want_rc = 0;
		}
	}
}
