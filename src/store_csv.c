/*
 * store_csv.c - the suppression list as CSV: export of every suppression,
 * and import of such a file (or a spreadsheet's) in one transaction that
 * takes the whole file or none of it.  The loop thread (store.h).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "store.h"
#include "store_int.h"
#include "taxonomy.h"
#include "util.h"

/*
 * One quoted field.  The export travels as a JSON string, which holds
 * only UTF-8: a reason, text or evidence that is not (a Latin-1 reply)
 * is written with its other bytes as '?', as list and lookup show it.
 */
static void
csv_field(FILE *fp, const char *in, int last)
{
	char *clean = in != NULL && util_utf8_bad(in) != NULL ?
	    util_utf8_clean(in) : NULL;
	const char *s = clean != NULL ? clean : in;

	fputc('"', fp);
	for (; s && *s; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
	fputc(last ? '\n' : ',', fp);
	free(clean);
}

long
store_export_csv(struct store *st, FILE *fp, long *left_out)
{
	sqlite3_stmt *s;
	long n = 0, out = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT address, reason, category, "
	    "source, created, expires, codes, evidence, text FROM suppressions "
	    "ORDER BY address", -1, &s, NULL) != SQLITE_OK)
		return (-1);
	fputs("address,reason,category,source,created,expires,codes,evidence,text\n", fp);
	while (sqlite3_step(s) == SQLITE_ROW) {
		char num[32];
		const char *addr = (const char *)sqlite3_column_text(s, 0);
		/*
		 * An address that is not UTF-8 (bytes from a log line) cannot
		 * be written as it is, and written with '?' it would import
		 * as another address: left out, and counted.
		 */
		if (addr == NULL || util_utf8_bad(addr) != NULL) {
			out++;
			continue;
		}
		csv_field(fp, addr, 0);
		csv_field(fp, (const char *)sqlite3_column_text(s, 1), 0);
		csv_field(fp, (const char *)sqlite3_column_text(s, 2), 0);
		csv_field(fp, (const char *)sqlite3_column_text(s, 3), 0);
		snprintf(num, sizeof(num), "%lld", (long long)sqlite3_column_int64(s, 4));
		csv_field(fp, num, 0);
		snprintf(num, sizeof(num), "%lld", (long long)sqlite3_column_int64(s, 5));
		csv_field(fp, num, 0);
		csv_field(fp, (const char *)sqlite3_column_text(s, 6), 0);
		csv_field(fp, (const char *)sqlite3_column_text(s, 7), 0);
		csv_field(fp, (const char *)sqlite3_column_text(s, 8), 1);
		n++;
	}
	sqlite3_finalize(s);
	if (left_out != NULL)
		*left_out = out;
	return (n);
}

/* Split one CSV record (RFC 4180, no embedded newlines) into fields. */
static int
csv_split(char *line, char **f, int max)
{
	int n = 0;
	char *p = line, *o;

	while (n < max) {
		f[n++] = o = p;
		if (*p == '"') {
			p++;
			for (;;) {
				if (*p == '\0')
					return (-1);
				if (*p == '"' && p[1] == '"') {
					*o++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*o++ = *p++;
				}
			}
		} else {
			while (*p && *p != ',' && *p != '\n' && *p != '\r')
				*o++ = *p++;
		}
		char c = *p;
		*o = '\0';
		if (c == ',') {
			p++;
			continue;
		}
		if (c == '\0' || c == '\n' || c == '\r')
			return (n);
		return (-1);
	}
	return (n);
}

/*
 * The latest time an imported record may carry: 9999-12-31 23:59:59 UTC,
 * beyond which the readable forms have no date to show.
 */
#define CSV_TIME_MAX	253402300799LL

/*
 * A created or expires field: seconds since 1970, digits only.  strtoll
 * alone took "soon" as 0 (never expires) and clamped what overflowed.
 */
static int
csv_time(const char *v, time_t *out)
{
	long long t = 0;

	if (*v == '\0')
		return (-1);
	for (const char *p = v; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return (-1);
		t = t * 10 + (*p - '0');
		if (t > CSV_TIME_MAX)
			return (-1);
	}
	*out = (time_t)t;
	return (0);
}

long
store_import_csv(struct store *st, FILE *fp, const char *who, time_t now,
    long *expired, char *err, size_t errlen)
{
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0, added = 0, past = 0;
	char *f[9];

	st->npend = 0;
	if (store_exec(st, "BEGIN IMMEDIATE") != 0) {
		snprintf(err, errlen, "database busy or read-only");
		return (-1);
	}
	while (getline(&line, &cap, fp) > 0) {
		char *rec = line;
		lineno++;
		/* A spreadsheet's byte order mark; its header line. */
		if (lineno == 1 && strncmp(rec, "\xef\xbb\xbf", 3) == 0)
			rec += 3;
		/* Blank lines (a last empty line, CRLF files) carry nothing. */
		if (rec[strspn(rec, " \t\r\n")] == '\0')
			continue;
		int n = csv_split(rec, f, 9);
		/* The header export writes, in whatever case a spreadsheet keeps. */
		if (lineno == 1 && n >= 1 && strcasecmp(f[0], "address") == 0)
			continue;
		if (n < 1) {
			snprintf(err, errlen, "line %ld: bad record (a quote not "
			    "closed on its line, or a character after one)", lineno);
			goto fail;
		}
		if (f[0][0] == '\0' || strchr(f[0], '@') == NULL) {
			snprintf(err, errlen, "line %ld: bad record (the first "
			    "column is not an address)", lineno);
			goto fail;
		}
		char addr[RB_ADDR_MAX];
		store_fold_address(st, f[0], addr, sizeof(addr));
		const char *bad = outcome_address_bad(addr);
		if (bad != NULL) {
			snprintf(err, errlen, "line %ld: \"%.60s\" is not an "
			    "address: %s", lineno, addr, bad);
			goto fail;
		}
		enum rb_category c;
		const char *cat = n > 2 && f[2][0] ? f[2] : "policy";
		if (taxonomy_category_parse(cat, &c) != 0) {
			snprintf(err, errlen, "line %ld: unknown category \"%s\"", lineno, cat);
			goto fail;
		}
		time_t created = now, expires = 0;
		if (n > 4 && f[4][0] && csv_time(f[4], &created) != 0) {
			snprintf(err, errlen, "line %ld: created \"%.40s\" is not seconds "
			    "since 1970 (up to the year 9999)", lineno, f[4]);
			goto fail;
		}
		if (n > 5 && f[5][0] && csv_time(f[5], &expires) != 0) {
			snprintf(err, errlen, "line %ld: expires \"%.40s\" is not seconds "
			    "since 1970 (up to the year 9999; 0 is never)", lineno, f[5]);
			goto fail;
		}
		/*
		 * An entry whose lifetime is over (an old export) is not
		 * brought back to be refused mail until the next expiry.
		 */
		if (expires > 0 && expires <= now) {
			past++;
			continue;
		}
		/* Audited now, by who imports; the row keeps its created. */
		int r = store_suppress_tx(st, addr, n > 1 && f[1][0] ? f[1] : "suppressed",
		    cat, n > 6 ? f[6] : "", n > 8 ? f[8] : "", "import",
		    n > 7 ? f[7] : "", created, expires, who, "import", now);
		if (r < 0) {
			snprintf(err, errlen, "line %ld: %s", lineno, sqlite3_errmsg(st->db));
			goto fail;
		}
		added += r;
	}
	free(line);
	if (store_exec(st, "COMMIT") != 0) {
		snprintf(err, errlen, "commit failed: %s", sqlite3_errmsg(st->db));
		store_exec(st, "ROLLBACK");
		st->npend = 0;
		return (-1);
	}
	store_pend_apply(st);
	if (expired != NULL)
		*expired = past;
	return (added);
fail:
	free(line);
	store_exec(st, "ROLLBACK");
	st->npend = 0;
	return (-1);
}

void
store_limit_pages(struct store *st, long extra)
{
	char sql[96];

	if (extra <= 0) {
		store_exec(st, "PRAGMA max_page_count = 4294967294");
		return;
	}
	long pages = store_count_of(st, "PRAGMA page_count");
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %ld", pages + extra);
	store_exec(st, sql);
}
