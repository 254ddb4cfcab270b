/*
 * outcome.c - identity of an outcome, shared by every source so the same
 * event reported twice (a replayed log, a restart, the log line and the DSN
 * for one bounce) gets the same key and is counted once; and the form of a
 * recipient address that the key and the store's rows are both made from.
 *
 * Pure; any thread.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "outcome.h"
#include "util.h"

/* 64-bit FNV-1a, fed lower-cased when asked. */
static uint64_t
fnv(uint64_t h, const char *s, int fold)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (fold)
			c = (unsigned char)tolower(c);
		h ^= c;
		h *= 0x100000001b3ULL;
	}
	h ^= 0xff;		/* field separator */
	h *= 0x100000001b3ULL;
	return (h);
}

/*
 * "dead"@example.com is dead@example.com (RFC 5321 4.1.2: quotes a local
 * part does not need change nothing), so it is keyed and refused alike;
 * a local part that needs its quotes ("a b"@x) keeps them.
 */
static void
unquote_local(char *a)
{
	if (a[0] != '"')
		return;
	char *q = strchr(a + 1, '"');
	if (q == NULL || q[1] != '@' || q == a + 1 || a[1] == '.' || q[-1] == '.')
		return;
	for (const char *p = a + 1; p < q; p++)
		if (!(isalnum((unsigned char)*p) || (*p == '.' && p[1] != '.') ||
		    strchr("!#$%&'*+-/=?^_`{|}~", *p) != NULL))
			return;
	size_t ln = (size_t)(q - a - 1);
	memmove(a, a + 1, ln);
	memmove(a + ln, q + 1, strlen(q + 1) + 1);
}

void
outcome_canon_address(const char *addr, char *out, size_t outlen)
{
	size_t n;

	while (*addr == ' ' || *addr == '<')
		addr++;
	util_strlcpy(out, addr, outlen);
	n = strlen(out);
	while (n > 0 && (out[n - 1] == '>' || out[n - 1] == ' ' ||
	    out[n - 1] == '.'))
		out[--n] = '\0';
	unquote_local(out);
	char *at = strrchr(out, '@');
	if (at != NULL)
		util_lower(at);
}

const char *
outcome_address_bad(const char *addr)
{
	const char *at = strrchr(addr, '@');
	int quoted = 0;

	if (at == NULL)
		return ("it has no @");
	if (at == addr || at[1] == '\0')
		return ("its local part or domain is empty");
	for (const unsigned char *p = (const unsigned char *)addr; *p; p++) {
		/* "a\"b"@x: an escaped character is the local part's own. */
		int escaped = quoted && *p == '\\' && p[1] != '\0';
		if (escaped)
			p++;
		if (*p < 0x20 || *p == 0x7f)
			return ("it holds a control character");
		if (escaped)
			continue;
		if (*p == '"' && (const char *)p < at)
			quoted = !quoted;
		else if (*p == ' ' && !quoted)
			return ("it holds a blank outside quotes");
	}
	return (NULL);
}

void
outcome_make_key(struct rb_outcome_rec *o)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const char *what = taxonomy_outcome_name(o->v.outcome);
	char rcpt[RB_ADDR_MAX], t[32];

	/*
	 * The recipient in the form the store keeps it: the log's
	 * to=<hard@x> and a DSN's "hard"@x are one row there, so they are one
	 * outcome here.  An address already in that form hashes as it always
	 * did (keys in existing databases still match); the whole of it is
	 * hashed without case whatever address_case_fold says, as before.
	 */
	outcome_canon_address(o->recipient, rcpt, sizeof(rcpt));
	h = fnv(h, rcpt, 1);
	if (o->queue_id[0] != '\0') {
		h = fnv(h, o->queue_id, 0);
	} else {
		/* DSN from afar: the returned message's identity. */
		h = fnv(h, o->message_id, 0);
	}
	/*
	 * A final outcome (bounced, expired, delivered, complaint) happens once
	 * per queued message and recipient, however many reporters tell of it.
	 * A deferral repeats at every retry, so its time is part of it.
	 */
	h = fnv(h, what, 0);
	if (o->v.outcome == RB_OUTCOME_DEFERRED ||
	    o->v.outcome == RB_OUTCOME_UNKNOWN ||
	    (o->queue_id[0] == '\0' && o->message_id[0] == '\0')) {
		snprintf(t, sizeof(t), "%lld", (long long)(o->reported != 0 ?
		    o->reported : o->time));
		h = fnv(h, t, 0);
		h = fnv(h, o->dsn, 0);
	}
	snprintf(o->key, sizeof(o->key), "%016llx", (unsigned long long)h);
}

int
outcome_address_fits(const char *p, size_t n, size_t cap)
{
	if (n >= cap)
		return (0);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return (0);
	return (1);
}

void
outcome_init(struct rb_outcome_rec *o)
{
	memset(o, 0, sizeof(*o));
	o->size = -1;
}
