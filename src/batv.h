/*
 * batv.h - signed return paths: BATV "prvs" tags (draft-levine-smtp-batv-01,
 * section 4, the private signature scheme).
 *
 * A signed return path is
 *
 *	prvs=KDDDSSSSSS=local@domain
 *
 * K is the key number (one digit), DDD the day the tag expires (days since
 * 1970-01-01 UTC, modulo 1000) and SSSSSS the first three bytes, in hex, of
 * HMAC-SHA1 under key K over the ten characters "KDDD" followed by the
 * original address exactly as it stands after the tag.  A VERP address can
 * be signed like any other ("prvs=...=bounces+user=example.net@shop.example"):
 * the tag then vouches for the recipient the VERP address names.
 *
 * Pure: no I/O, no clock (callers pass the day), no global state; any
 * thread.  The key set is plain data the caller owns; batv_keyfile.c reads
 * one from a file.
 */
#ifndef REBOUND_BATV_H
#define REBOUND_BATV_H

#include <stddef.h>
#include <time.h>

#define BATV_KEYS	10		/* key numbers 0 to 9 */
#define BATV_SECRET_MAX	256		/* bytes of one secret */
#define BATV_TAG_LEN	10		/* KDDDSSSSSS */
#define BATV_PREFIX_LEN	16		/* "prvs=" KDDDSSSSSS "=" */
#define BATV_MAX_AGE	100		/* days: the tag holds the day mod 1000 */

struct batv_keys {
	int nkeys;			/* 0: BATV off */
	int sign;			/* key number new tags use; -1 none */
	size_t len[BATV_KEYS];		/* 0: no key of that number */
	unsigned char secret[BATV_KEYS][BATV_SECRET_MAX];
};

enum batv_result {
	BATV_VALID = 0,
	BATV_NOT_SIGNED,		/* no prvs= tag at all */
	BATV_MALFORMED,			/* "prvs=" but not KDDDSSSSSS=local@domain */
	BATV_UNKNOWN_KEY,		/* key number not configured */
	BATV_BAD_SIGNATURE,		/* forged or altered */
	BATV_EXPIRED,			/* genuine, but its day has passed */
};

/* No keys: nothing verifies, nothing is signed. */
void batv_keys_init(struct batv_keys *);

/*
 * Parse a key file's text: one key a line, "K SECRET" (K a digit, the
 * secret the rest of the line, leading and trailing blanks dropped);
 * blank lines and lines starting with '#' are skipped.  The first key
 * signs; every key verifies, so a new key goes first and the old one
 * stays below it until its tags have expired.  -1 with "name:line:
 * reason" in err on the first bad line, *keys then left with no keys.
 */
int batv_keys_parse(struct batv_keys *keys, const char *name,
    const char *text, size_t len, char *err, size_t errlen);

/* Days since 1970-01-01 UTC: the day argument below. */
long batv_day(time_t);

/*
 * Sign addr (local@domain, no angle brackets) with the signing key, to
 * expire max_age days after day.  Writes the signed address to out, which
 * may not alias addr.  -1 when there is no signing key, addr is empty,
 * has no '@', is already signed, or out is too small.
 */
int batv_sign(const struct batv_keys *, const char *addr, long day,
    int max_age, char *out, size_t outlen);

/*
 * Check addr's tag against every configured key: valid when it was made
 * with one of them and expires today or within max_age days (the day is
 * compared modulo 1000).  Hex digits are taken in either case.  When orig
 * is not NULL the address without its tag is copied there (also for tags
 * that do not verify).  BATV_NOT_SIGNED when addr carries no tag.
 */
enum batv_result batv_verify(const struct batv_keys *, const char *addr,
    long day, int max_age, char *orig, size_t origlen);

/*
 * The address inside a syntactically valid prvs= wrapper: a pointer into
 * addr (not a copy), or addr itself when it carries no tag.  Verifies
 * nothing; for matching an address against patterns.
 */
const char *batv_strip(const char *addr);

/* "valid", "not-signed", "malformed", "unknown-key", "bad-signature", "expired". */
const char *batv_result_name(enum batv_result);

#endif
