/*
 * util.h - small string helpers used everywhere.
 *
 * Pure functions on caller-owned buffers; any thread.
 */
#ifndef REBOUND_UTIL_H
#define REBOUND_UTIL_H

#include <stddef.h>

/* Copy at most dstsize-1 bytes of src, always terminate; return strlen(src). */
size_t util_strlcpy(char *dst, const char *src, size_t dstsize);
/* Copy n bytes of src (not necessarily terminated), cut to fit, terminate. */
void util_strncpy0(char *dst, size_t dstsize, const char *src, size_t n);
/* Lower-case ASCII in place. */
void util_lower(char *s);
/*
 * The first place in h (hl bytes, not necessarily terminated) where the
 * terminated n occurs, ASCII letters compared without case; or NULL.
 */
const char *util_memcasemem(const char *h, size_t hl, const char *n);
/*
 * A copy of the terminated s with every byte that is not part of a valid
 * UTF-8 sequence made '?', valid sequences kept (text cut inside a
 * character, Latin-1 in a log line).  malloc'd; NULL when out of memory.
 */
char *util_utf8_clean(const char *s);
/* The first byte of s that is not part of valid UTF-8, or NULL. */
const char *util_utf8_bad(const char *s);
/*
 * s made fit for a terminal, in place: each control character (C0, DEL,
 * and C1 written in UTF-8) becomes one '?'.  A bounce's text is the
 * remote side's to write: an escape sequence in it, printed as it is,
 * is obeyed by the operator's terminal.  Returns s.
 */
char *util_printable(char *s);

#endif
