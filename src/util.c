/*
 * util.c - small string helpers (see util.h).
 */
#include "config.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "util.h"

size_t
util_strlcpy(char *dst, const char *src, size_t dstsize)
{
	size_t n = strlen(src);

	if (dstsize > 0) {
		size_t c = n < dstsize - 1 ? n : dstsize - 1;
		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return (n);
}

void
util_strncpy0(char *dst, size_t dstsize, const char *src, size_t n)
{
	if (dstsize == 0)
		return;
	if (n > dstsize - 1)
		n = dstsize - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void
util_lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* ASCII case folding: the words searched for are ASCII, whatever the locale. */
static inline unsigned char
fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c);
}

/* Do the nl bytes at p equal n, ASCII letters compared without case? */
static int
same_folded(const char *p, const char *n, size_t nl)
{
	for (size_t i = 0; i < nl; i++)
		if (fold((unsigned char)p[i]) != fold((unsigned char)n[i]))
			return (0);
	return (1);
}

/*
 * Case-insensitive memmem.  The bounce parser's body scanners call it a few dozen times
 * per message over the same text, for needles that mostly are not there,
 * so the miss must be cheap.  With SSE2 (every amd64), sixteen places at
 * a time are tested for the needle's first and last bytes at once, both
 * sides with bit 5 set (lower case for letters; a few punctuation pairs
 * also meet, which the full comparison then tells apart); only where both
 * agree are the bytes between compared.  Elsewhere, and for the last few
 * places, one place at a time.
 */
const char *
util_memcasemem(const char *h, size_t hl, const char *n)
{
	size_t nl = strlen(n);

	if (nl == 0 || hl < nl)
		return (NULL);
	size_t last = hl - nl;		/* the last place a match may start */
	size_t i = 0;
#if defined(__SSE2__)
	if (nl >= 2) {
		const __m128i bit5 = _mm_set1_epi8(0x20);
		const __m128i f = _mm_set1_epi8((char)(n[0] | 0x20));
		const __m128i l = _mm_set1_epi8((char)(n[nl - 1] | 0x20));
		/* Blocks whose 16 places and their needle's end are in h. */
		for (; i + 16 <= last + 1; i += 16) {
			__m128i a = _mm_loadu_si128((const __m128i *)(const void *)
			    (h + i));
			__m128i b = _mm_loadu_si128((const __m128i *)(const void *)
			    (h + i + nl - 1));
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(
			    _mm_cmpeq_epi8(_mm_or_si128(a, bit5), f),
			    _mm_cmpeq_epi8(_mm_or_si128(b, bit5), l)));
			while (m != 0) {
				unsigned k = (unsigned)__builtin_ctz(m);
				if (same_folded(h + i + k, n, nl))
					return (h + i + k);
				m &= m - 1;
			}
		}
	}
#endif
	for (; i <= last; i++)
		if (fold((unsigned char)h[i]) == fold((unsigned char)n[0]) &&
		    same_folded(h + i, n, nl))
			return (h + i);
	return (NULL);
}

/* The length of the valid UTF-8 sequence at p, or 0 (RFC 3629). */
static size_t
utf8_len(const unsigned char *p)
{
	unsigned char c = p[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return (1);
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;		/* overlong */
		else if (c == 0xed)
			hi = 0x9f;		/* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;		/* above U+10FFFF */
	} else
		return (0);
	/* A NUL ends the string before a continuation byte is missed. */
	if (p[1] < lo || p[1] > hi)
		return (0);
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return (0);
	return (n);
}

char *
util_utf8_clean(const char *s)
{
	size_t len = strlen(s);
	char *out = malloc(len + 1);

	if (out == NULL)
		return (NULL);
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;
	while (*p) {
		size_t n = utf8_len(p);
		if (n == 0) {
			out[o++] = '?';
			p++;
			continue;
		}
		memcpy(out + o, p, n);
		o += n;
		p += n;
	}
	out[o] = '\0';
	return (out);
}

const char *
util_utf8_bad(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = utf8_len(p);
		if (n == 0)
			return ((const char *)p);
		p += n;
	}
	return (NULL);
}
