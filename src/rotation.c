/*
 * rotation.c - see rotation.h.
 *
 * "replay mail.log*" gives mail.log, mail.log.1,
 * mail.log.10.gz, mail.log.2.gz...: the newest first and the rest out of
 * order, so a deferral and its expiry in two files came the wrong way
 * round and the expiry was lost.  Files of one rotated log (the same name
 * once ".gz" and the rotation's ".N" or "-DATE" are taken off) are read
 * oldest first: the highest number first, then dates in order, then the
 * file without a suffix; logs of other names stay in the order given.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "rotation.h"

struct rotated {
	const char *path;
	size_t base;		/* length of the name without the suffixes */
	int kind;		/* 0 numbered, 1 dated, 2 current */
	long n;			/* rotation number */
	const char *date;	/* the "-DATE" suffix */
	size_t date_len;
	int group;		/* first position of its base among the args */
	int pos;
};

static void
rotated_parse(struct rotated *r)
{
	size_t len = strlen(r->path);

	if (len > 3 && strcmp(r->path + len - 3, ".gz") == 0)
		len -= 3;
	size_t d = len;
	while (d > 0 && isdigit((unsigned char)r->path[d - 1]))
		d--;
	r->kind = 2;
	r->base = len;
	if (d < len && d > 0 && r->path[d - 1] == '.' && len - d <= 6) {
		r->kind = 0;
		r->base = d - 1;
		r->n = strtol(r->path + d, NULL, 10);
	} else if (d < len && d > 0 && r->path[d - 1] == '-' && len - d >= 8) {
		/* dateext: "-20261201", or "-2026120112" with dateformat */
		r->kind = 1;
		r->base = d - 1;
		r->date = r->path + d;
		r->date_len = len - d;
	}
}

static int
rotated_cmp(const void *a, const void *b)
{
	const struct rotated *x = a, *y = b;

	if (x->group != y->group)
		return (x->group < y->group ? -1 : 1);
	if (x->kind != y->kind)
		return (x->kind < y->kind ? -1 : 1);
	if (x->kind == 0 && x->n != y->n)
		return (x->n > y->n ? -1 : 1);
	if (x->kind == 1) {
		int c = x->date_len != y->date_len ?
		    (x->date_len < y->date_len ? -1 : 1) :
		    memcmp(x->date, y->date, x->date_len);
		if (c != 0)
			return (c);
	}
	return (x->pos < y->pos ? -1 : x->pos > y->pos);
}

int
rotation_order(char **paths, int n)
{
	struct rotated *r = calloc((size_t)n, sizeof(*r));

	if (r == NULL)
		return (-1);
	for (int i = 0; i < n; i++) {
		r[i].path = paths[i];
		r[i].pos = i;
		rotated_parse(&r[i]);
		r[i].group = i;
		for (int j = 0; j < i; j++)
			if (r[j].base == r[i].base &&
			    memcmp(r[j].path, r[i].path, r[i].base) == 0) {
				r[i].group = r[j].group;
				break;
			}
	}
	qsort(r, (size_t)n, sizeof(*r), rotated_cmp);
	for (int i = 0; i < n; i++)
		paths[i] = (char *)r[i].path;
	free(r);
	return (0);
}

