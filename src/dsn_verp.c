/*
 * dsn_verp.c - recover a recipient from a VERP return path.
 *
 * A pattern such as "bounces+%l=%d@sender.example" says where the
 * recipient's local part (%l) and domain (%d) sit in the address the
 * bounce was sent to.  A return path signed with a BATV tag
 * ("prvs=KDDDSSSSSS=bounces+...") decodes as the address inside the tag;
 * whether the tag is genuine is the milter's business (batv.h).  Pure
 * string work; any thread.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "batv.h"
#include "dsn.h"
#include "dsn_int.h"

/*
 * Match addr against one pattern: literal text case-insensitively, %l and
 * %d each a non-empty run up to the next literal character.
 */
static int
verp_match(const char *pat, const char *addr, char *out, size_t outlen)
{
	char local[RB_ADDR_MAX] = "", dom[RB_ADDR_MAX] = "";
	const char *p = pat, *a = addr;

	while (*p != '\0') {
		if (p[0] == '%' && (p[1] == 'l' || p[1] == 'd')) {
			char stop = p[2];
			const char *e = stop ? strrchr(a, stop) : a + strlen(a);
			/* %l stops at the first '=', %d at the last '@'. */
			if (stop == '=')
				e = strchr(a, '=');
			if (e == NULL || e == a || (size_t)(e - a) >= RB_ADDR_MAX)
				return (0);
			dsn_copy(p[1] == 'l' ? local : dom, RB_ADDR_MAX, a,
			    (size_t)(e - a));
			a = e;
			p += 2;
			continue;
		}
		if (tolower((unsigned char)*p) != tolower((unsigned char)*a))
			return (0);
		p++;
		a++;
	}
	if (*a != '\0' || local[0] == '\0' || dom[0] == '\0')
		return (0);
	size_t ll = strlen(local), dl = strlen(dom);
	if (ll + dl + 2 > outlen)
		return (0);
	memcpy(out, local, ll);
	out[ll] = '@';
	memcpy(out + ll + 1, dom, dl + 1);
	return (1);
}

int
dsn_verp_decode(const struct dsn_options *opt, const char *addr, char *out,
    size_t outlen)
{
	if (addr == NULL || addr[0] == '\0')
		return (0);
	addr = batv_strip(addr);
	for (int i = 0; i < DSN_VERP_MAX; i++)
		if (opt->verp[i] != NULL && verp_match(opt->verp[i], addr,
		    out, outlen))
			return (1);
	return (0);
}

int
dsn_verp_recipient(const struct dsn_options *opt, const char *addr, char *out,
    size_t outlen)
{
	return (dsn_verp_decode(opt, addr, out, outlen));
}
