/*
 * dsn_mbox.c - split an mbox buffer into its messages.
 *
 * A message starts at a line beginning "From " at the start of the buffer
 * or after a blank line or any line (mboxo/mboxrd writers quote body lines
 * that start with "From ", so an unquoted one is a separator).  Pure; any
 * thread.
 */
#include "config.h"

#include <string.h>

#include "dsn_int.h"

/* End of the line at i: the next LF or lone CR (old Mac files). */
static size_t
eol(const char *buf, size_t len, size_t i)
{
	for (; i < len; i++) {
		if (buf[i] == '\n')
			return (i);
		if (buf[i] == '\r' && (i + 1 >= len || buf[i + 1] != '\n'))
			return (i);
	}
	return (len);
}

int
dsn_mbox_split(const char *buf, size_t len,
    int (*fn)(const char *msg, size_t len, void *arg), void *arg)
{
	if (len < 5 || memcmp(buf, "From ", 5) != 0)
		return (fn(buf, len, arg));
	size_t start = 0;
	while (start < len) {
		/* Skip the separator line itself. */
		size_t body = eol(buf, len, start);
		body = body < len ? body + 1 : len;
		size_t i = body, end = len;
		while (i < len) {
			size_t e = eol(buf, len, i);
			if (e >= len)
				break;
			i = e + 1;
			if (len - i >= 5 && memcmp(buf + i, "From ", 5) == 0) {
				end = i;
				break;
			}
		}
		int rc = fn(buf + body, end - body, arg);
		if (rc != 0)
			return (rc);
		start = end;
	}
	return (0);
}
