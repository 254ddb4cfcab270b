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

int
dsn_mbox_split(const char *buf, size_t len,
    int (*fn)(const char *msg, size_t len, void *arg), void *arg)
{
	if (len < 5 || memcmp(buf, "From ", 5) != 0)
		return (fn(buf, len, arg));
	size_t start = 0;
	while (start < len) {
		/* Skip the separator line itself. */
		const char *nl = memchr(buf + start, '\n', len - start);
		size_t body = nl ? (size_t)(nl - buf) + 1 : len;
		size_t i = body, end = len;
		while (i < len) {
			const char *n2 = memchr(buf + i, '\n', len - i);
			if (n2 == NULL)
				break;
			i = (size_t)(n2 - buf) + 1;
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
