/*
 * batv.c - BATV prvs tags: sign, verify, strip (see batv.h).
 *
 * Pure string work and GLib's HMAC; no I/O, no clock, no global state.
 * The caller owns the key set and every buffer; any thread.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <glib.h>

#include "batv.h"

static const char *const result_names[] = {
	"valid", "not-signed", "malformed", "unknown-key", "bad-signature",
	"expired",
};

const char *
batv_result_name(enum batv_result r)
{
	if ((size_t)r >= sizeof(result_names) / sizeof(result_names[0]))
		return ("unknown");
	return (result_names[r]);
}

void
batv_keys_init(struct batv_keys *k)
{
	memset(k, 0, sizeof(*k));
	k->sign = -1;
}

long
batv_day(time_t t)
{
	/* Days before 1970 do not occur here; keep the modulo non-negative. */
	return (t < 0 ? 0 : (long)(t / 86400));
}

static int
is_blank(char c)
{
	return (c == ' ' || c == '\t' || c == '\r');
}

int
batv_keys_parse(struct batv_keys *k, const char *name, const char *text,
    size_t len, char *err, size_t errlen)
{
	const char *p = text, *end = text + len;
	int line = 0;

	batv_keys_init(k);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *s = p;
		p = nl ? nl + 1 : end;
		line++;
		while (s < e && is_blank(*s))
			s++;
		while (e > s && is_blank(e[-1]))
			e--;
		if (s == e || *s == '#')
			continue;
		if (memchr(s, '\0', (size_t)(e - s)) != NULL) {
			snprintf(err, errlen, "%s:%d: a NUL byte in the line", name, line);
			goto fail;
		}
		if (*s < '0' || *s > '9' || e - s < 2 || !is_blank(s[1])) {
			snprintf(err, errlen, "%s:%d: expected \"K SECRET\", K a "
			    "key number from 0 to 9", name, line);
			goto fail;
		}
		int n = *s - '0';
		const char *sec = s + 1;
		while (sec < e && is_blank(*sec))
			sec++;
		size_t sl = (size_t)(e - sec);
		if (k->len[n] != 0) {
			snprintf(err, errlen, "%s:%d: key %d is given twice", name,
			    line, n);
			goto fail;
		}
		/* The guessable is no secret: a short one is refused outright. */
		if (sl < 16) {
			snprintf(err, errlen, "%s:%d: the secret of key %d is shorter "
			    "than 16 characters", name, line, n);
			goto fail;
		}
		if (sl > BATV_SECRET_MAX) {
			snprintf(err, errlen, "%s:%d: the secret of key %d is longer "
			    "than %d characters", name, line, n, BATV_SECRET_MAX);
			goto fail;
		}
		memcpy(k->secret[n], sec, sl);
		k->len[n] = sl;
		k->nkeys++;
		if (k->sign < 0)
			k->sign = n;
	}
	return (0);
fail:
	/* No half-read key set, and no secret left in memory for nothing. */
	batv_keys_init(k);
	return (-1);
}

/* The first three bytes of HMAC-SHA1 over the tag's "KDDD" and orig. */
static void
tag_hash(const struct batv_keys *k, int n, const char *kddd, const char *orig,
    unsigned char out[3])
{
	guint8 digest[20];
	gsize dlen = sizeof(digest);
	GHmac *h = g_hmac_new(G_CHECKSUM_SHA1, k->secret[n], k->len[n]);

	g_hmac_update(h, (const guchar *)kddd, 4);
	g_hmac_update(h, (const guchar *)orig, (gssize)strlen(orig));
	g_hmac_get_digest(h, digest, &dlen);
	g_hmac_unref(h);
	memcpy(out, digest, 3);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/*
 * Where the original address starts when addr has the prvs= form, else
 * NULL.  The form only: digits, hex, the '=' and an '@' after it.
 */
static const char *
prvs_orig(const char *addr)
{
	if (strncasecmp(addr, "prvs=", 5) != 0)
		return (NULL);
	const char *t = addr + 5;
	for (int i = 0; i < BATV_TAG_LEN; i++) {
		if (t[i] == '\0')
			return (NULL);
		if (i < 4 ? (t[i] < '0' || t[i] > '9') : hexval(t[i]) < 0)
			return (NULL);
	}
	if (t[BATV_TAG_LEN] != '=')
		return (NULL);
	const char *orig = t + BATV_TAG_LEN + 1;
	const char *at = strrchr(orig, '@');
	if (at == NULL || at == orig || at[1] == '\0')
		return (NULL);
	return (orig);
}

const char *
batv_strip(const char *addr)
{
	const char *o = addr != NULL ? prvs_orig(addr) : NULL;

	return (o != NULL ? o : addr);
}

int
batv_sign(const struct batv_keys *k, const char *addr, long day, int max_age,
    char *out, size_t outlen)
{
	char kddd[5];
	unsigned char h[3];

	if (k == NULL || k->sign < 0 || k->sign >= BATV_KEYS ||
	    k->len[k->sign] == 0 || addr == NULL ||
	    addr[0] == '\0' || max_age < 0 || day < 0)
		return (-1);
	const char *at = strrchr(addr, '@');
	if (at == NULL || at == addr || at[1] == '\0' || prvs_orig(addr) != NULL)
		return (-1);
	size_t al = strlen(addr);
	if (BATV_PREFIX_LEN + al + 1 > outlen)
		return (-1);
	long ddd = (day % 1000 + max_age % 1000) % 1000;
	kddd[0] = (char)('0' + k->sign);
	kddd[1] = (char)('0' + ddd / 100);
	kddd[2] = (char)('0' + ddd / 10 % 10);
	kddd[3] = (char)('0' + ddd % 10);
	kddd[4] = '\0';
	tag_hash(k, k->sign, kddd, addr, h);
	snprintf(out, outlen, "prvs=%s%02x%02x%02x=%s", kddd, h[0], h[1], h[2],
	    addr);
	return (0);
}

enum batv_result
batv_verify(const struct batv_keys *k, const char *addr, long day, int max_age,
    char *orig, size_t origlen)
{
	unsigned char want[3], got[3];

	if (orig != NULL && origlen > 0)
		snprintf(orig, origlen, "%s", addr != NULL ? addr : "");
	if (addr == NULL || strncasecmp(addr, "prvs=", 5) != 0)
		return (BATV_NOT_SIGNED);
	const char *o = prvs_orig(addr);
	if (o == NULL)
		return (BATV_MALFORMED);
	if (orig != NULL && origlen > 0)
		snprintf(orig, origlen, "%s", o);
	const char *t = addr + 5;
	int n = t[0] - '0';
	if (k == NULL || k->len[n] == 0)
		return (BATV_UNKNOWN_KEY);
	for (int i = 0; i < 3; i++)
		got[i] = (unsigned char)(hexval(t[4 + 2 * i]) << 4 |
		    hexval(t[5 + 2 * i]));
	tag_hash(k, n, t, o, want);
	/* Every byte compared, whichever differs: no early way out. */
	unsigned diff = 0;
	for (int i = 0; i < 3; i++)
		diff |= (unsigned)(want[i] ^ got[i]);
	if (diff != 0)
		return (BATV_BAD_SIGNATURE);
	/*
	 * Days left until the expiry day, modulo 1000: from 0 (expires
	 * today) to max_age for a tag still running; one expired yesterday
	 * has 999 left and one from the future more than max_age.
	 */
	long ddd = (t[1] - '0') * 100 + (t[2] - '0') * 10 + (t[3] - '0');
	long left = ((ddd - day % 1000) % 1000 + 1000) % 1000;
	if (max_age < 0 || left > max_age)
		return (BATV_EXPIRED);
	return (BATV_VALID);
}
