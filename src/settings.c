/*
 * settings.c - the rebound.conf(5) parser (see settings.h).
 *
 * Every key is a row of one table: name, type, where it goes, default.
 * The man page documents the same rows, one entry per key.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "settings.h"
#include "util.h"

#ifndef RB_SYSCONFDIR
#define RB_SYSCONFDIR "/etc/rebound"
#endif

enum ktype { K_STR, K_PATH, K_LIST, K_BOOL, K_DURATION, K_DURATION_MS,
	K_SIZE, K_INT, K_MODE, K_FOLD, K_LIFETIMES };

struct key {
	const char *name;
	enum ktype type;
	size_t off;		/* offset in struct rb_settings */
	const char *def;
};

#define O(f) offsetof(struct rb_settings, f)
static const struct key keys[] = {
	{ "state_directory", K_PATH, O(state_directory), "/var/lib/rebound" },
	{ "database", K_PATH, O(database), "" },
	{ "control_socket", K_PATH, O(control_socket), "/run/rebound/rebound.sock" },
	{ "control_socket_mode", K_MODE, O(control_socket_mode), "0660" },
	{ "control_socket_group", K_STR, O(control_socket_group), "rebound" },
	{ "admin_group", K_STR, O(admin_group), "" },
	{ "user", K_STR, O(user), "rebound" },
	{ "log_files", K_LIST, O(log_files), "/var/log/mail.log" },
	{ "rules_file", K_PATH, O(rules_file), "" },
	{ "local_rules_file", K_PATH, O(local_rules_file), "" },
	{ "provider_map_file", K_PATH, O(provider_map_file), "" },
	{ "queue_idle_timeout", K_DURATION, O(queue_idle_timeout), "1h" },
	{ "queue_max_entries", K_INT, O(queue_max_entries), "200000" },
	{ "commit_interval", K_DURATION_MS, O(commit_interval_ms), "200ms" },
	{ "commit_batch", K_INT, O(commit_batch), "5000" },
	{ "maintenance_interval", K_DURATION, O(maintenance_interval), "60s" },
	{ "poll_interval", K_DURATION_MS, O(poll_interval_ms), "1s" },
	{ "resume_window", K_SIZE, O(resume_window), "4m" },
	{ "verbose", K_BOOL, O(verbose), "no" },
	{ "database_wal", K_BOOL, O(store.wal), "yes" },
	{ "address_case_fold", K_FOLD, O(store.fold), "domain" },
	{ "outcome_retention", K_DURATION, O(store.outcome_retention), "30d" },
	{ "escalation_failures", K_INT, O(store.escalation_failures), "3" },
	{ "escalation_span", K_DURATION, O(store.escalation_span), "72h" },
	{ "escalation_lifetime", K_DURATION, O(store.escalation_lifetime), "30d" },
	{ "suppression_lifetime", K_LIFETIMES, O(store.lifetime),
	    "invalid-address:never, invalid-domain:never, mailbox-inactive:180d, complaint:never" },
};
#undef O

static int
fail(char *err, size_t errlen, const char *name, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int
fail(char *err, size_t errlen, const char *name, int line, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(err, errlen, "%s:%d: %s", name, line, msg);
	else
		snprintf(err, errlen, "%s: %s", name, msg);
	return (-1);
}

/* "30s" "5m" "1h" "7d", or "never" (0) where allowed; plain = seconds. */
static int
parse_duration(const char *v, long unit_ms, long *out, int allow_never)
{
	char *e;

	if (allow_never && strcmp(v, "never") == 0) {
		*out = 0;
		return (0);
	}
	errno = 0;
	double n = strtod(v, &e);
	if (e == v || n < 0 || errno)
		return (-1);
	double ms;
	if (strcmp(e, "ms") == 0)
		ms = n;
	else if (*e == '\0' || strcmp(e, "s") == 0)
		ms = n * 1000;
	else if (strcmp(e, "m") == 0)
		ms = n * 60000;
	else if (strcmp(e, "h") == 0)
		ms = n * 3600000;
	else if (strcmp(e, "d") == 0)
		ms = n * 86400000;
	else if (strcmp(e, "w") == 0)
		ms = n * 7 * 86400000.0;
	else
		return (-1);
	if (ms / unit_ms > 1e15)
		return (-1);
	*out = (long)(ms / unit_ms);
	return (0);
}

static int
parse_size(const char *v, long *out)
{
	char *e;
	long long n = strtoll(v, &e, 10);

	if (e == v || n < 0)
		return (-1);
	long long m = 1;
	if (*e == 'k' || *e == 'K')
		m = 1024, e++;
	else if (*e == 'm' || *e == 'M')
		m = 1024 * 1024, e++;
	else if (*e == 'g' || *e == 'G')
		m = 1024LL * 1024 * 1024, e++;
	if (*e != '\0' || n > (1LL << 40) / m)
		return (-1);
	*out = (long)(n * m);
	return (0);
}

static char *
trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return (s);
}

static int
set_key(struct rb_settings *c, const struct key *k, char *v, const char *name,
    int line, char *err, size_t errlen)
{
	void *slot = (char *)c + k->off;
	long n;

	switch (k->type) {
	case K_PATH:
		if (*v != '\0' && *v != '/')
			return (fail(err, errlen, name, line, "%s: \"%s\" is not an absolute path", k->name, v));
		/* FALLTHROUGH */
	case K_STR:
		free(*(char **)slot);
		*(char **)slot = strdup(v);
		return (0);
	case K_LIST: {
		for (int i = 0; i < c->nlog_files; i++)
			free(c->log_files[i]);
		c->nlog_files = 0;
		for (char *save = NULL, *t = strtok_r(v, ", \t", &save); t;
		    t = strtok_r(NULL, ", \t", &save)) {
			if (*t != '/')
				return (fail(err, errlen, name, line, "%s: \"%s\" is not an absolute path", k->name, t));
			if (c->nlog_files == RB_SETTINGS_MAX_FILES)
				return (fail(err, errlen, name, line, "%s: more than %d files", k->name, RB_SETTINGS_MAX_FILES));
			c->log_files[c->nlog_files++] = strdup(t);
		}
		return (0);
	}
	case K_BOOL:
		if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
			*(int *)slot = 1;
		else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
			*(int *)slot = 0;
		else
			return (fail(err, errlen, name, line, "%s: \"%s\" is not yes or no", k->name, v));
		return (0);
	case K_DURATION:
	case K_DURATION_MS:
		if (parse_duration(v, k->type == K_DURATION ? 1000 : 1, &n, 0) != 0)
			return (fail(err, errlen, name, line, "%s: \"%s\" is not a duration (30s, 5m, 1h, 7d)", k->name, v));
		*(long *)slot = n;
		return (0);
	case K_SIZE:
		if (parse_size(v, &n) != 0)
			return (fail(err, errlen, name, line, "%s: \"%s\" is not a size (64k, 10m)", k->name, v));
		*(long *)slot = n;
		return (0);
	case K_INT: {
		char *e;
		long long x = strtoll(v, &e, 10);
		if (e == v || *e != '\0' || x < 1 || x > 100000000)
			return (fail(err, errlen, name, line, "%s: \"%s\" is not a number from 1 to 100000000", k->name, v));
		if (k->off == offsetof(struct rb_settings, store.escalation_failures))
			*(int *)slot = (int)x;
		else
			*(long *)slot = (long)x;
		return (0);
	}
	case K_MODE: {
		char *e;
		long m = strtol(v, &e, 8);
		if (e == v || *e != '\0' || m < 0 || m > 0777)
			return (fail(err, errlen, name, line, "%s: \"%s\" is not an octal mode", k->name, v));
		*(long *)slot = m;
		return (0);
	}
	case K_FOLD:
		if (strcmp(v, "domain") == 0)
			*(enum store_fold *)slot = STORE_FOLD_DOMAIN;
		else if (strcmp(v, "all") == 0)
			*(enum store_fold *)slot = STORE_FOLD_ALL;
		else
			return (fail(err, errlen, name, line, "%s: \"%s\" is not domain or all", k->name, v));
		return (0);
	case K_LIFETIMES: {
		long *life = (long *)slot;
		for (char *save = NULL, *t = strtok_r(v, ", \t", &save); t;
		    t = strtok_r(NULL, ", \t", &save)) {
			char *colon = strchr(t, ':');
			enum rb_category cat;
			if (colon == NULL)
				return (fail(err, errlen, name, line, "%s: \"%s\" is not CATEGORY:DURATION", k->name, t));
			*colon = '\0';
			if (taxonomy_category_parse(t, &cat) != 0)
				return (fail(err, errlen, name, line, "%s: unknown category \"%s\"", k->name, t));
			if (parse_duration(colon + 1, 1000, &n, 1) != 0)
				return (fail(err, errlen, name, line, "%s: \"%s\" is not a duration or never", k->name, colon + 1));
			life[cat] = n;
		}
		return (0);
	}
	}
	return (-1);
}

void
settings_free(struct rb_settings *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].type == K_STR || keys[i].type == K_PATH)
			free(*(char **)((char *)c + keys[i].off));
	for (int i = 0; i < c->nlog_files; i++)
		free(c->log_files[i]);
	free(c->file);
	free(c);
}

static struct rb_settings *
fresh(void)
{
	char err[256];
	struct rb_settings *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return (NULL);
	store_options_default(&c->store);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char *v = strdup(keys[i].def);
		if (set_key(c, &keys[i], v, "(defaults)", 0, err, sizeof(err)) != 0)
			abort();	/* a bad default is a programming error */
		free(v);
	}
	return (c);
}

/* Values that follow from others once the whole file is read. */
static int
finish(struct rb_settings *c, const char *name, char *err, size_t errlen)
{
	if (c->database == NULL || c->database[0] == '\0') {
		free(c->database);
		size_t n = strlen(c->state_directory) + 16;
		c->database = malloc(n);
		snprintf(c->database, n, "%s/rebound.db", c->state_directory);
	}
	if (c->control_socket[0] == '\0')
		return (fail(err, errlen, name, 0, "control_socket must be set"));
	return (0);
}

struct rb_settings *
settings_defaults(void)
{
	char err[256];
	struct rb_settings *c = fresh();

	if (c != NULL) {
		c->file = strdup("(defaults)");
		finish(c, "(defaults)", err, sizeof(err));
	}
	return (c);
}

struct rb_settings *
settings_parse(const char *name, const char *text, char *err, size_t errlen)
{
	struct rb_settings *c = fresh();
	char *copy = strdup(text), *save = NULL;
	int line = 0;
	unsigned char seen[sizeof(keys) / sizeof(keys[0])] = { 0 };

	if (c == NULL || copy == NULL)
		goto fail;
	c->file = strdup(name);
	/* strtok_r would skip empty lines and break the line count. */
	for (char *p = copy, *nl; p != NULL; p = nl) {
		nl = strchr(p, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		line++;
		char *s = trim(p);
		if (*s == '\0' || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (eq == NULL) {
			fail(err, errlen, name, line, "expected \"key = value\"");
			goto fail;
		}
		*eq = '\0';
		char *k = trim(s), *v = trim(eq + 1);
		size_t i;
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(keys[i].name, k) == 0)
				break;
		if (i == sizeof(keys) / sizeof(keys[0])) {
			fail(err, errlen, name, line, "unknown key \"%s\"", k);
			goto fail;
		}
		if (seen[i]) {
			fail(err, errlen, name, line, "\"%s\" is set twice", k);
			goto fail;
		}
		seen[i] = 1;
		if (set_key(c, &keys[i], v, name, line, err, errlen) != 0)
			goto fail;
	}
	(void)save;
	if (finish(c, name, err, errlen) != 0)
		goto fail;
	free(copy);
	return (c);
fail:
	free(copy);
	settings_free(c);
	return (NULL);
}

struct rb_settings *
settings_load(const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	char *text = NULL;
	size_t len = 0;

	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	FILE *mem = open_memstream(&text, &len);
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0 && len < 1024 * 1024)
		fwrite(buf, 1, n, mem);
	fclose(fp);
	fclose(mem);
	if (len >= 1024 * 1024 || memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "%s: not a configuration file", path);
		free(text);
		return (NULL);
	}
	struct rb_settings *c = settings_parse(path, text, err, errlen);
	free(text);
	return (c);
}

static void
print_duration(FILE *fp, long secs)
{
	if (secs == 0)
		fprintf(fp, "never");
	else if (secs % 86400 == 0)
		fprintf(fp, "%ldd", secs / 86400);
	else if (secs % 3600 == 0)
		fprintf(fp, "%ldh", secs / 3600);
	else if (secs % 60 == 0)
		fprintf(fp, "%ldm", secs / 60);
	else
		fprintf(fp, "%lds", secs);
}

void
settings_print(const struct rb_settings *c, FILE *fp)
{
	fprintf(fp, "# effective configuration, from %s\n", c->file);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct key *k = &keys[i];
		const void *slot = (const char *)c + k->off;
		fprintf(fp, "%s = ", k->name);
		switch (k->type) {
		case K_STR:
		case K_PATH:
			fprintf(fp, "%s", *(char *const *)slot);
			break;
		case K_LIST:
			for (int j = 0; j < c->nlog_files; j++)
				fprintf(fp, "%s%s", j ? ", " : "", c->log_files[j]);
			break;
		case K_BOOL:
			fprintf(fp, "%s", *(const int *)slot ? "yes" : "no");
			break;
		case K_DURATION:
			print_duration(fp, *(const long *)slot);
			break;
		case K_DURATION_MS:
			fprintf(fp, "%ldms", *(const long *)slot);
			break;
		case K_SIZE:
		case K_INT:
			if (k->off == offsetof(struct rb_settings, store.escalation_failures))
				fprintf(fp, "%d", *(const int *)slot);
			else
				fprintf(fp, "%ld", *(const long *)slot);
			break;
		case K_MODE:
			fprintf(fp, "%04lo", *(const long *)slot);
			break;
		case K_FOLD:
			fprintf(fp, "%s", *(const enum store_fold *)slot == STORE_FOLD_ALL ? "all" : "domain");
			break;
		case K_LIFETIMES: {
			const long *life = slot;
			int first = 1;
			for (int j = 0; j < RB_CATEGORY__COUNT; j++) {
				if (j != RB_CATEGORY_INVALID_ADDRESS && j != RB_CATEGORY_INVALID_DOMAIN &&
				    j != RB_CATEGORY_MAILBOX_INACTIVE && j != RB_CATEGORY_COMPLAINT && life[j] == 0)
					continue;
				fprintf(fp, "%s%s:", first ? "" : ", ", taxonomy_category_name(j));
				print_duration(fp, life[j]);
				first = 0;
			}
			break;
		}
		}
		fputc('\n', fp);
	}
}
