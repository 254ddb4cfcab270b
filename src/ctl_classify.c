/*
 * ctl_classify.c - the offline verbs "classify" and "rules" of
 * reboundctl(1).
 *
 *   classify [--json] [--recipient ADDR] [--mx HOST] [--enhanced CODE] TEXT
 *   classify --jsonl FILE|-
 *   rules check [FILE|DIR...]
 *
 * Options --rules, --local and --providers name data files instead of the
 * built-in ones.  Single-threaded; owns everything it allocates.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "classify.h"
#include "ctl.h"
#include "jsontext.h"
#include "rules.h"
#include "util.h"

struct classify_opts {
	int json;
	const char *jsonl;
	const char *recipient, *mx, *enhanced;
	const char *rules, *local, *providers;
};

static void
verdict_to_json(json_t *o, const struct rb_verdict *v)
{
	json_object_set_new(o, "outcome", json_string(taxonomy_outcome_name(v->outcome)));
	json_object_set_new(o, "reason", json_string(taxonomy_reason_name(v->reason)));
	json_object_set_new(o, "hardbounce", json_integer(v->hardbounce));
	json_object_set_new(o, "category", json_string(taxonomy_category_name(v->category)));
	json_object_set_new(o, "action", json_string(taxonomy_action_name(v->action)));
	json_set_text(o, "provider", v->provider);
	json_object_set_new(o, "enhanced", json_string(v->enhanced));
	/* Always a number, 0 when the text has none, as parse --json. */
	json_object_set_new(o, "replycode", json_integer(v->replycode));
	json_object_set_new(o, "fix", json_string(v->fix ? v->fix : ""));
	json_object_set_new(o, "rule", json_string(v->rule ? v->rule : ""));
}

static int
classify_text(const struct classifier *cl, struct classify_scratch *s,
    const char *text, const char *rcpt, const char *mx, const char *enh,
    struct rb_verdict *v)
{
	struct classify_input in;

	memset(&in, 0, sizeof(in));
	in.text = text;
	in.textlen = text ? strlen(text) : 0;
	in.recipient = rcpt;
	in.mx = mx;
	in.enhanced = enh;
	in.source = RB_SOURCE_MANUAL;
	return (classify(cl, s, &in, v));
}

static int
run_jsonl(const struct classifier *cl, struct classify_scratch *s,
    const char *path)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;
	int bad = 0;

	if (fp == NULL) {
		fprintf(stderr, "reboundctl: classify: %s: %s\n", path, strerror(errno));
		return (1);
	}
	while ((len = getline(&line, &cap, fp)) > 0) {
		lineno++;
		json_error_t je;
		json_t *o = json_loadb(line, (size_t)len, 0, &je);
		if (o == NULL || !json_is_object(o)) {
			fprintf(stderr, "reboundctl: classify: %s:%ld: not a JSON object\n",
			    path, lineno);
			json_decref(o);
			bad = 1;
			continue;
		}
		const char *reply = json_string_value(json_object_get(o, "reply"));
		const char *rcpt = json_string_value(json_object_get(o, "recipient"));
		const char *dom = json_string_value(json_object_get(o, "recipient_domain"));
		const char *mx = json_string_value(json_object_get(o, "mx"));
		const char *enh = json_string_value(json_object_get(o, "enhanced"));
		/* An empty field is one not given: "@" is no recipient. */
		if (rcpt != NULL && *rcpt == '\0')
			rcpt = NULL;
		if (dom != NULL && *dom == '\0')
			dom = NULL;
		if (mx != NULL && *mx == '\0')
			mx = NULL;
		if (enh != NULL && *enh == '\0')
			enh = NULL;
		char addr[300];
		if (rcpt == NULL && dom != NULL) {
			snprintf(addr, sizeof(addr), "@%s", dom);
			rcpt = addr;
		}
		struct rb_verdict v;
		classify_text(cl, s, reply, rcpt, mx, enh, &v);
		/*
		 * Keep every input field; the verdict's fields are added and
		 * replace input fields of the same name (a labelled file's
		 * expected category is not our answer).  An enhanced code
		 * given as input stays: it was read, not found.
		 */
		json_t *res = json_object();
		verdict_to_json(res, &v);
		json_object_del(res, "rule");
		if (json_object_get(o, "enhanced") != NULL)
			json_object_del(res, "enhanced");
		json_object_update(o, res);
		json_decref(res);
		char *dump = json_dumps(o, JSON_COMPACT);
		if (dump != NULL) {
			puts(dump);
			free(dump);
		}
		json_decref(o);
	}
	free(line);
	if (fp != stdin)
		fclose(fp);
	return (bad ? 1 : 0);
}

static void
explain(const struct rb_verdict *v, const char *text)
{
	printf("reply:      %s\n", text);
	printf("outcome:    %s\n", taxonomy_outcome_name(v->outcome));
	printf("reason:     %s%s\n", taxonomy_reason_name(v->reason),
	    v->hardbounce ? " (hard bounce: the address is dead)" : "");
	printf("category:   %s\n", taxonomy_category_name(v->category));
	printf("action:     %s\n", taxonomy_action_name(v->action));
	printf("provider:   %s\n", v->provider);
	printf("codes:      reply %d, enhanced %s%s%s\n", v->replycode,
	    v->enhanced[0] ? v->enhanced : "-", v->tokens[0] ? ", " : "",
	    v->tokens);
	printf("fix:        %s\n", v->fix ? v->fix : "");
	printf("decided by: %s\n", v->rule ? v->rule : "none");
}

static int
parse_opts(int argc, char **argv, struct classify_opts *o, int *first)
{
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;
		if (strcmp(a, "--json") == 0) {
			o->json = 1;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "--jsonl") == 0)
			slot = &o->jsonl;
		else if (strcmp(a, "--recipient") == 0)
			slot = &o->recipient;
		else if (strcmp(a, "--mx") == 0)
			slot = &o->mx;
		else if (strcmp(a, "--enhanced") == 0)
			slot = &o->enhanced;
		else if (strcmp(a, "--rules") == 0)
			slot = &o->rules;
		else if (strcmp(a, "--local") == 0)
			slot = &o->local;
		else if (strcmp(a, "--providers") == 0)
			slot = &o->providers;
		else if (a[0] == '-' && a[1] == '-') {
			fprintf(stderr, "reboundctl: classify: unknown option %s\n", a);
			return (-1);
		} else
			break;
		if (i + 1 >= argc) {
			fprintf(stderr, "reboundctl: classify: %s needs a value\n", a);
			return (-1);
		}
		*slot = argv[++i];
	}
	*first = i;
	/* "5.1.1": a class of 2, 4 or 5, then 1 to 3 digits, then 1 to 3. */
	if (o->enhanced != NULL) {
		const char *e = o->enhanced;
		int ok = (e[0] == '2' || e[0] == '4' || e[0] == '5') && e[1] == '.';
		size_t k = 2;
		for (int part = 0; ok && part < 2; part++) {
			size_t d = 0;
			while (e[k] >= '0' && e[k] <= '9' && d < 4)
				k++, d++;
			ok = d >= 1 && d <= 3 && (part == 0 ? e[k] == '.' : e[k] == '\0');
			k++;
		}
		if (!ok) {
			fprintf(stderr, "reboundctl: classify: --enhanced takes a "
			    "status code such as 5.1.1, not \"%s\"\n", e);
			return (-1);
		}
	}
	return (0);
}

int
ctl_classify(int argc, char **argv)
{
	struct classify_opts o;
	char err[512];
	int first, rc = 0;

	if (parse_opts(argc, argv, &o, &first) != 0)
		return (2);
	if (o.jsonl == NULL && first >= argc) {
		fprintf(stderr, "usage: reboundctl classify [--json] [--recipient ADDR] [--mx HOST] TEXT\n"
		    "       reboundctl classify --jsonl FILE|-\n");
		return (2);
	}
	struct classifier *cl = classifier_load(o.rules, o.local, o.providers,
	    err, sizeof(err));
	if (cl == NULL) {
		fprintf(stderr, "reboundctl: %s\n", err);
		return (1);
	}
	struct classify_scratch *s = classify_scratch_new(cl);
	if (s == NULL) {
		fprintf(stderr, "reboundctl: classify: out of memory\n");
		classifier_free(cl);
		return (1);
	}
	if (o.jsonl != NULL) {
		rc = run_jsonl(cl, s, o.jsonl);
	} else {
		/* The words of the reply may come as separate arguments. */
		size_t len = 0;
		for (int i = first; i < argc; i++)
			len += strlen(argv[i]) + 1;
		char *text = malloc(len + 1);
		text[0] = '\0';
		for (int i = first; i < argc; i++) {
			if (i > first)
				strcat(text, " ");
			strcat(text, argv[i]);
		}
		struct rb_verdict v;
		classify_text(cl, s, text, o.recipient, o.mx, o.enhanced, &v);
		if (o.json) {
			json_t *j = json_object();
			json_set_text(j, "reply", text);
			if (o.recipient)
				json_set_text(j, "recipient", o.recipient);
			verdict_to_json(j, &v);
			char *d = json_dumps(j, JSON_COMPACT);
			puts(d);
			free(d);
			json_decref(j);
		} else {
			explain(&v, text);
		}
		free(text);
	}
	classify_scratch_free(s);
	classifier_free(cl);
	return (rc);
}

/* Check one rule file (or, by its .map suffix, a provider map). */
static int
check_one(const char *path)
{
	char err[512];
	size_t l = strlen(path);
	int is_map = l > 4 && strcmp(path + l - 4, ".map") == 0;
	/* Compile it for real, so pattern errors show too. */
	struct classifier *cl = is_map ?
	    classifier_load(NULL, NULL, path, err, sizeof(err)) :
	    classifier_load(path, NULL, NULL, err, sizeof(err));

	if (cl == NULL) {
		/* err is "file:line: reason" or "file: reason". */
		fprintf(stderr, "reboundctl: rules check: %s\n", err);
		return (1);
	}
	printf("%s: ok\n", path);
	classifier_free(cl);
	return (0);
}

static int
rules_or_map(const struct dirent *d)
{
	size_t l = strlen(d->d_name);

	return (d->d_name[0] != '.' &&
	    ((l > 6 && strcmp(d->d_name + l - 6, ".rules") == 0) ||
	    (l > 4 && strcmp(d->d_name + l - 4, ".map") == 0)));
}

/* A directory: every *.rules and *.map in it, in name order. */
static int
check_dir(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, rules_or_map, alphasort), rc = 0;

	if (n < 0) {
		fprintf(stderr, "reboundctl: rules check: %s: %s\n", dir,
		    strerror(errno));
		return (1);
	}
	if (n == 0) {
		fprintf(stderr, "reboundctl: rules check: %s: no *.rules or "
		    "*.map files\n", dir);
		rc = 1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s%s%s", dir,
		    dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]->d_name);
		rc |= check_one(path);
		free(names[i]);
	}
	free(names);
	return (rc);
}

int
ctl_rules(int argc, char **argv)
{
	char err[512];

	if (argc < 2 || strcmp(argv[1], "check") != 0) {
		fprintf(stderr, "usage: reboundctl rules check [FILE|DIR...]\n");
		return (2);
	}
	if (argc == 2) {
		struct classifier *cl = classifier_load(NULL, NULL, NULL, err,
		    sizeof(err));
		if (cl == NULL) {
			fprintf(stderr, "reboundctl: rules check: %s\n", err);
			return (1);
		}
		printf("built-in rules: %zu rules, ok\n", classifier_rule_count(cl));
		classifier_free(cl);
		return (0);
	}
	int rc = 0;
	for (int i = 2; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			rc |= check_dir(argv[i]);
		else
			rc |= check_one(argv[i]);
	}
	return (rc);
}
