/*
 * ctl_parse.c - reboundctl's parse verb: read bounce messages (one message
 * or an mbox per file, "-" for standard input, every file of a directory
 * or of a Maildir's new/ and cur/), print one line or JSON object per
 * failed, delayed or complaining recipient.
 *
 * Offline and single-threaded; a file that cannot be read or parsed is
 * reported on standard error and the next file is still read.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "classify.h"
#include "ctl.h"
#include "jsontext.h"
#include "dsn.h"
#include "taxonomy.h"
#include "util.h"

struct parse_run {
	const char *file;
	int json;
	int nmsg;
	int errors;
	int header;	/* the table's header row is printed */
	struct dsn_options opt;
	struct classifier *cl;
	struct classify_scratch *scratch;
	struct dsn_result res;
};


static void
print_json(const struct parse_run *p, const struct dsn_record *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "file", json_text(p->file));
	json_object_set_new(o, "recipient", json_text(r->recipient));
	json_object_set_new(o, "status", json_text(r->status));
	/* Always a number, 0 without one: a reader need not test the type. */
	json_object_set_new(o, "replycode", json_integer(r->replycode));
	json_object_set_new(o, "diagnostic", json_text(r->diagnostic));
	json_object_set_new(o, "remote_mta", json_text(r->remote_mta));
	json_object_set_new(o, "outcome",
	    json_string(taxonomy_outcome_name(r->v.outcome)));
	json_object_set_new(o, "reason",
	    json_string(taxonomy_reason_name(r->v.reason)));
	json_object_set_new(o, "hardbounce", json_integer(r->v.hardbounce));
	json_object_set_new(o, "category",
	    json_string(taxonomy_category_name(r->v.category)));
	json_object_set_new(o, "action",
	    json_string(taxonomy_action_name(r->v.action)));
	json_object_set_new(o, "provider", json_string(r->v.provider));
	json_object_set_new(o, "original_message_id",
	    json_text(r->orig_message_id));
	json_object_set_new(o, "original_queue_id",
	    json_text(r->orig_queue_id));
	json_object_set_new(o, "feedback_type", json_text(r->feedback_type));
	char *s = json_dumps(o, JSON_COMPACT);
	if (s != NULL) {
		puts(s);
		free(s);
	}
	json_decref(o);
}

#define ROW_FORMAT	"%-24s %-32.32s %-7s %-10s %-16s %-2s %-16s %s\n"

static void
print_row(struct parse_run *p, const struct dsn_record *r)
{
	/*
	 * The name without its directory: cut to the width of the column,
	 * whole paths all read the same directory.  The header comes with
	 * the first row, so a run that finds nothing prints nothing.
	 */
	const char *base = strrchr(p->file, '/');
	char diag[sizeof(r->diagnostic)];

	/* The remote side's text: no escape sequence reaches the terminal. */
	util_strlcpy(diag, r->diagnostic, sizeof(diag));
	util_printable(diag);
	if (!p->header) {
		printf(ROW_FORMAT, "FILE", "RECIPIENT", "STATUS", "OUTCOME", "REASON",
		    "H", "ACTION", "DIAGNOSTIC");
		p->header = 1;
	}
	printf(ROW_FORMAT, base != NULL && base[1] != '\0' ? base + 1 : p->file,
	    r->recipient[0] ? r->recipient : "-", r->status[0] ? r->status : "-",
	    taxonomy_outcome_name(r->v.outcome),
	    taxonomy_reason_name(r->v.reason), r->v.hardbounce ? "H" : "-",
	    taxonomy_action_name(r->v.action), diag);
}

static int
one_message(const char *msg, size_t len, void *arg)
{
	struct parse_run *p = arg;

	p->nmsg++;
	enum dsn_status st = dsn_parse(msg, len, &p->opt, p->cl, p->scratch,
	    &p->res);
	if (st != DSN_OK && st != DSN_NOT_BOUNCE) {
		fprintf(stderr, "reboundctl: parse: file=%s message=%d error=\"%s\"\n",
		    p->file, p->nmsg, dsn_strerror(st));
		p->errors++;
		return (0);
	}
	if (p->res.truncated)
		fprintf(stderr, "reboundctl: parse: file=%s message=%d "
		    "recipients truncated at %zu\n", p->file, p->nmsg, p->res.n);
	for (size_t i = 0; i < p->res.n; i++) {
		if (p->json)
			print_json(p, &p->res.rec[i]);
		else
			print_row(p, &p->res.rec[i]);
	}
	return (0);
}

/* Read a whole file, at most max bytes more than the message limit. */
static char *
slurp(const char *path, size_t max, size_t *lenp)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (f == NULL)
		return (NULL);
	size_t cap = 65536, n = 0;
	char *b = malloc(cap);
	while (b != NULL) {
		if (n == cap) {
			if (cap > max) {
				errno = EFBIG;
				free(b);
				b = NULL;
				break;
			}
			char *nb = realloc(b, cap * 2);
			if (nb == NULL) {
				free(b);
				b = NULL;
				break;
			}
			b = nb;
			cap *= 2;
		}
		size_t r = fread(b + n, 1, cap - n, f);
		if (r == 0)
			break;
		n += r;
	}
	if (f != stdin)
		fclose(f);
	*lenp = n;
	return (b);
}

static void
parse_file(struct parse_run *p, const char *path)
{
	size_t len;

	p->file = path;
	p->nmsg = 0;
	char *buf = slurp(path, p->opt.max_size * 2 + 65536, &len);
	if (buf == NULL) {
		fprintf(stderr, "reboundctl: parse: file=%s error=\"%s\"\n",
		    path, strerror(errno));
		p->errors++;
		return;
	}
	dsn_mbox_split(buf, len, one_message, p);
	free(buf);
}

static int
not_dot(const struct dirent *d)
{
	return (d->d_name[0] != '.');
}

/*
 * The regular files of a directory in name order (a Maildir names its
 * messages by arrival time); deeper directories are not entered.
 */
static void
parse_dir(struct parse_run *p, const char *dir)
{
	struct dirent **list;
	int n = scandir(dir, &list, not_dot, alphasort);

	if (n < 0) {
		fprintf(stderr, "reboundctl: parse: file=%s error=\"%s\"\n",
		    dir, strerror(errno));
		p->errors++;
		return;
	}
	for (int k = 0; k < n; k++) {
		char path[4096];
		struct stat st;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    list[k]->d_name) < sizeof(path) && stat(path, &st) == 0 &&
		    S_ISREG(st.st_mode))
			parse_file(p, path);
		free(list[k]);
	}
	free(list);
}

/* A path: a file, a directory of files, or a Maildir (new/, then cur/). */
static void
parse_path(struct parse_run *p, const char *path)
{
	struct stat st;
	char sub[4096];

	if (strcmp(path, "-") == 0 || stat(path, &st) != 0 ||
	    !S_ISDIR(st.st_mode)) {
		parse_file(p, path);
		return;
	}
	snprintf(sub, sizeof(sub), "%s/cur", path);
	if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(sub, sizeof(sub), "%s/new", path);
		if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			parse_dir(p, sub);
		snprintf(sub, sizeof(sub), "%s/cur", path);
		parse_dir(p, sub);
		return;
	}
	parse_dir(p, path);
}

int
ctl_parse(int argc, char **argv)
{
	struct parse_run p;
	char err[512];
	int i, nverp = 0;
	const char *rules = NULL, *local = NULL, *providers = NULL;

	memset(&p, 0, sizeof(p));
	dsn_options_init(&p.opt);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;
		if (strcmp(a, "--json") == 0) {
			p.json = 1;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "--verp") == 0) {
			if (nverp >= DSN_VERP_MAX) {
				fprintf(stderr, "reboundctl: parse: at most %d --verp\n",
				    DSN_VERP_MAX);
				return (2);
			}
			slot = &p.opt.verp[nverp++];
		} else if (strcmp(a, "--rules") == 0)
			slot = &rules;
		else if (strcmp(a, "--local") == 0)
			slot = &local;
		else if (strcmp(a, "--providers") == 0)
			slot = &providers;
		else if (a[0] == '-' && a[1] == '-') {
			fprintf(stderr, "reboundctl: parse: unknown option %s\n", a);
			return (2);
		} else
			break;
		if (i + 1 >= argc) {
			fprintf(stderr, "reboundctl: parse: %s needs a value\n", a);
			return (2);
		}
		*slot = argv[++i];
		/* As verp_pattern in rebound.conf: without both, no address. */
		if (slot != &rules && slot != &local && slot != &providers &&
		    (strstr(*slot, "%l") == NULL || strstr(*slot, "%d") == NULL)) {
			fprintf(stderr, "reboundctl: parse: --verp \"%s\" lacks %%l or %%d\n",
			    *slot);
			return (2);
		}
	}
	if (i >= argc) {
		fprintf(stderr, "usage: reboundctl parse [--json] [--verp PATTERN] FILE|DIR...|-\n");
		return (2);
	}
	p.cl = classifier_load(rules, local, providers, err, sizeof(err));
	if (p.cl == NULL) {
		fprintf(stderr, "reboundctl: parse: %s\n", err);
		return (2);
	}
	p.scratch = classify_scratch_new(p.cl);
	dsn_init();
	dsn_result_init(&p.res);
	for (; i < argc; i++)
		parse_path(&p, argv[i]);
	dsn_result_free(&p.res);
	classify_scratch_free(p.scratch);
	classifier_free(p.cl);
	return (p.errors ? 1 : 0);
}
