/*
 * util.c - small string helpers (see util.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <glib.h>

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

/*
 * GLib's validator (GMime's, already linked) says where valid UTF-8 ends;
 * a byte there is replaced and the rest checked again.
 */
char *
util_utf8_clean(const char *s)
{
	size_t len = strlen(s);
	char *out = malloc(len + 1);

	if (out == NULL)
		return (NULL);
	size_t o = 0;
	const gchar *end;
	while (!g_utf8_validate(s, -1, &end)) {
		memcpy(out + o, s, (size_t)(end - s));
		o += (size_t)(end - s);
		out[o++] = '?';
		s = end + 1;
	}
	memcpy(out + o, s, strlen(s) + 1);
	return (out);
}

const char *
util_utf8_bad(const char *s)
{
	const gchar *end;

	return (g_utf8_validate(s, -1, &end) ? NULL : end);
}

char *
util_printable(char *s)
{
	unsigned char *r = (unsigned char *)s, *w = r;

	while (*r != '\0') {
		if (*r < 0x20 || *r == 0x7f) {
			*w++ = '?';
			r++;
		} else if (r[0] == 0xc2 && r[1] >= 0x80 && r[1] <= 0x9f) {
			*w++ = '?';
			r += 2;
		} else
			*w++ = *r++;
	}
	*w = '\0';
	return (s);
}
