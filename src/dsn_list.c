/*
 * dsn_list.c - a mailing list server's refusal of a post, read as a
 * record for the list's address.
 *
 * A list server (fml, Mailman, Majordomo, ezmlm, Sympa, ...) that will
 * not distribute a post -- its sender is not a member, the message is a
 * duplicate -- answers with a notice of its own, not a DSN: from the
 * list's administrative address, with the list's header fields, saying so
 * in its first lines and naming the list.  The list is the address the
 * mail did not reach.  Only notices that say they refused a post are read:
 * a list's other mail to its members (reminders, digests, welcomes) names
 * the list too and is no bounce.
 *
 * Pure: reads the parse context, adds records as dsn_body.c does.
 */

#include "config.h"

#include <string.h>
#include <strings.h>

#include "dsn_int.h"
#include "util.h"

/* The administrative addresses list servers send their notices from. */
static const char *const admins[] = { "-admin@", "-owner@", "owner-",
    "-request@", "-bounces@", "-ctl@", "majordomo@", "listserv@",
    "mailman@", "sympa@", "ezmlm@", "fml@", NULL };

/* What a notice of a refused post says in its first paragraph. */
static const char *const refusals[] = { "not a member", "not member",
    "non-member", "nonmember", "not allowed to post",
    "not permitted to post", "members only", "only members",
    "duplicated message-id", "duplicate message-id", NULL };

/* Enough of the text for the opening paragraphs of a notice. */
#define HEAD_MAX	1024

int
dsn_list_notice(struct dsn_ctx *ctx)
{
	if (!ctx->list_server || ctx->text == NULL)
		return (0);
	int admin = 0;
	for (int i = 0; admins[i] != NULL && !admin; i++)
		admin = util_memcasemem(ctx->from, strlen(ctx->from),
		    admins[i]) != NULL;
	if (!admin)
		return (0);

	size_t n = ctx->textlen < HEAD_MAX ? ctx->textlen : HEAD_MAX;
	const char *t = ctx->text, *hit = NULL;
	for (int i = 0; refusals[i] != NULL && hit == NULL; i++)
		hit = util_memcasemem(t, n, refusals[i]);
	if (hit == NULL)
		return (0);

	/*
	 * The paragraph that says it: from the blank line before to the
	 * next, at most HEAD_MAX bytes past the words.
	 */
	size_t ps = (size_t)(hit - t), pe = ps;
	size_t lim = ctx->textlen - pe > HEAD_MAX ? pe + HEAD_MAX :
	    ctx->textlen;
	while (ps > 0 && !(t[ps - 1] == '\n' && ps >= 2 && t[ps - 2] == '\n'))
		ps--;
	while (pe < lim && !(t[pe] == '\n' && pe + 1 < lim &&
	    t[pe + 1] == '\n'))
		pe++;

	/* The list: the address the paragraph names, not the notice's own. */
	size_t st, al, off = ps;
	char addr[RB_ADDR_MAX] = "";
	while (off < pe && dsn_find_addr(t + off, pe - off, &st, &al)) {
		dsn_addr_clean(addr, sizeof(addr), t + off + st, al);
		off += st + al;
		if (strcasecmp(addr, ctx->from) != 0 &&
		    strcasecmp(addr, ctx->to) != 0 &&
		    strcasecmp(addr, ctx->to_hdr) != 0)
			break;
		addr[0] = '\0';
	}
	if (addr[0] == '\0')
		return (0);

	/* Words the rules do not know give no record (no DSN vouches). */
	return (dsn_body_add_rcpt(ctx, addr, t + ps, pe - ps, NULL, 0, 0));
}
