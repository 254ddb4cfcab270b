/*
 * util.c - small string helpers (see util.h).
 */
#include "config.h"

#include <string.h>

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
