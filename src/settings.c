/*
 * settings.c - the rebound.conf(5) parser (see settings.h).
 *
 * Every key is a row of one table: name, type, where it goes, default.
 * The man page documents the same rows, one entry per key.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "batv.h"
#include "dsn.h"
#include "milter.h"
#include "settings.h"
#include "util.h"

#ifndef RB_SYSCONFDIR
#define RB_SYSCONFDIR "/etc/rebound"
#endif

enum ktype { K_STR, K_PATH, K_LIST, K_BOOL, K_DURATION, K_DURATION_MS,
	K_SIZE, K_INT, K_MODE, K_FOLD, K_LIFETIMES, K_ENUM, K_WORDS,
	K_MILTER_SOCKET, K_TARGET };

struct key {
	const char *name;
	enum ktype type;
	size_t off;		/* offset in struct rb_settings */
	const char *def;
	const char *choices;	/* K_ENUM, K_WORDS: "a|b|c"; NULL = any word */
	const char *doc;	/* one line; rebound.conf(5) says more */
};

#define O(f) offsetof(struct rb_settings, f)
static const struct key keys[] = {
	{ "state_directory", K_PATH, O(state_directory), "/var/lib/rebound", NULL,
	    "where the database lives" },
	{ "database", K_PATH, O(database), "", NULL,
	    "the SQLite database (empty: state_directory/rebound.db)" },
	{ "control_socket", K_PATH, O(control_socket), "/run/rebound/rebound.sock", NULL,
	    "Unix socket reboundctl talks to" },
	{ "control_socket_mode", K_MODE, O(control_socket_mode), "0660", NULL,
	    "permissions of the control socket" },
	{ "control_socket_group", K_STR, O(control_socket_group), "rebound", NULL,
	    "group owning the control socket (readers)" },
	{ "admin_group", K_STR, O(admin_group), "", NULL,
	    "group whose members may change the store (empty: root only)" },
	{ "user", K_STR, O(user), "rebound", NULL,
	    "user to run as when started as root (empty: stay)" },
	{ "log_files", K_LIST, O(log_files), RB_DEFAULT_LOG_FILE, NULL,
	    "mail logs to follow" },
	{ "rules_file", K_PATH, O(rules_file), "", NULL,
	    "rule file replacing the built-in rules (empty: built-in)" },
	{ "local_rules_file", K_PATH, O(local_rules_file), "", NULL,
	    "site rules tried before the others" },
	{ "provider_map_file", K_PATH, O(provider_map_file), "", NULL,
	    "provider map replacing the built-in one" },
	{ "queue_idle_timeout", K_DURATION, O(queue_idle_timeout), "1h", NULL,
	    "forget a queue ID after this long without lines" },
	{ "queue_deferred_timeout", K_DURATION, O(queue_deferred_timeout),
	    "6d", NULL,
	    "forget a queue ID holding deferred recipients after this long" },
	{ "queue_max_entries", K_INT, O(queue_max_entries), "200000", NULL,
	    "most queue IDs remembered at once" },
	{ "commit_interval", K_DURATION_MS, O(commit_interval_ms), "200ms", NULL,
	    "longest wait before new outcomes are committed" },
	{ "commit_batch", K_INT, O(commit_batch), "5000", NULL,
	    "most outcomes per commit" },
	{ "maintenance_interval", K_DURATION, O(maintenance_interval), "60s", NULL,
	    "how often expiry and pruning run" },
	{ "poll_interval", K_DURATION_MS, O(poll_interval_ms), "1s", NULL,
	    "how often followed files are checked for growth and rotation" },
	{ "rotate_grace", K_DURATION_MS, O(rotate_grace_ms), "60s", NULL,
	    "how long a rotated file is read on after its last growth" },
	{ "resume_window", K_SIZE, O(resume_window), "4m", NULL,
	    "bytes re-read before a saved position at start" },
	{ "log_target", K_TARGET, O(log_stderr), "syslog", "syslog|stderr",
	    "where reboundd logs when not started with -f" },
	{ "watchdog", K_BOOL, O(watchdog), "yes", NULL,
	    "answer the systemd watchdog when WatchdogSec is set" },
	{ "max_clients", K_INT, O(max_clients), "256", NULL,
	    "most control socket clients at once" },
	{ "max_request_size", K_SIZE, O(max_request_size), "64k", NULL,
	    "longest control request line" },
	{ "log_format", K_ENUM, O(log_format), "auto", "auto|postfix|sendmail",
	    "syntax of the followed logs" },
	{ "journal", K_BOOL, O(journal), "no", NULL,
	    "read the systemd journal instead of log files" },
	{ "journal_match", K_STR, O(journal_match), "SYSLOG_FACILITY=2", NULL,
	    "journal match expression (FIELD=value, space separated)" },
	{ "journal_directory", K_PATH, O(journal_directory), "", NULL,
	    "read the journal files in this directory; empty = the system journal" },
	{ "verbose", K_BOOL, O(verbose), "no", NULL,
	    "log more detail" },
	{ "database_wal", K_BOOL, O(store.wal), "yes", NULL,
	    "use SQLite write-ahead logging" },
	{ "address_case_fold", K_FOLD, O(store.fold), "domain", NULL,
	    "fold the domain only, or the whole address" },
	{ "outcome_retention", K_DURATION, O(store.outcome_retention), "30d", NULL,
	    "how long outcomes are kept" },
	{ "escalation_failures", K_INT, O(store.escalation_failures), "3", NULL,
	    "soft failures that escalate to a suppression" },
	{ "escalation_span", K_DURATION, O(store.escalation_span), "72h", NULL,
	    "shortest time those failures must span" },
	{ "escalation_lifetime", K_DURATION, O(store.escalation_lifetime), "30d", NULL,
	    "how long an escalated suppression lasts" },
	{ "suppression_lifetime", K_LIFETIMES, O(store.lifetime),
	    "invalid-address:never, invalid-domain:never, mailbox-inactive:180d, complaint:never", NULL,
	    "how long suppressions last, per category" },
	{ "dsn_max_size", K_SIZE, O(dsn_max_size), "50m", NULL,
	    "largest DSN message parsed" },
	{ "dsn_max_depth", K_INT, O(dsn_max_depth), "32", NULL,
	    "deepest MIME nesting parsed" },
	{ "dsn_max_parts", K_INT, O(dsn_max_parts), "1000", NULL,
	    "most MIME parts parsed in one message" },
	{ "dsn_max_recipients", K_INT, O(dsn_max_recipients), "10000", NULL,
	    "most recipients taken from one DSN" },
	{ "verp_pattern", K_WORDS, O(verp_pattern), "", NULL,
	    "VERP return paths, up to 4 (%l local part, %d domain), empty = none" },
	{ "batv_key_file", K_PATH, O(batv_key_file), "", NULL,
	    "BATV keys, one \"K SECRET\" a line, for signed return paths; empty = off" },
	{ "batv_max_age", K_DURATION, O(batv_max_age), "7d", NULL,
	    "how long a signed return path stays valid (whole days, 1d to 100d)" },
	{ "milter_socket", K_MILTER_SOCKET, O(milter_socket), "", NULL,
	    "milter listening socket (unix:/path or inet:port@host); empty = off" },
	{ "milter_policy", K_ENUM, O(milter_policy), "reject", "reject|tempfail|tag|drop",
	    "what the milter does with a suppressed recipient" },
	{ "milter_reject_reply", K_STR, O(milter_reject_reply),
	    "550 5.1.1 Recipient address suppressed (%r since %d)", NULL,
	    "reply for a refused recipient (%r reason, %d date)" },
	{ "milter_tag_header", K_STR, O(milter_tag_header), "X-Rebound-Suppressed", NULL,
	    "header added by the tag policy" },
	{ "milter_scope", K_WORDS, O(milter_scope), "authenticated, client_networks, local",
	    "authenticated|client_networks|local|daemon_names|all",
	    "which messages the policy applies to" },
	{ "milter_client_networks", K_WORDS, O(milter_client_networks),
	    "127.0.0.0/8, ::1/128", NULL, "client networks in scope" },
	{ "milter_daemon_names", K_WORDS, O(milter_daemon_names), "", NULL,
	    "Postfix daemon names ({daemon_name}) in scope" },
	{ "milter_bounce_addresses", K_WORDS, O(milter_bounce_addresses), "", NULL,
	    "recipient patterns whose mail is taken as returning DSNs" },
	{ "milter_dsn_action", K_ENUM, O(milter_dsn_action), "accept", "accept|discard|quarantine",
	    "what happens to a DSN once recorded" },
	{ "milter_require_verified", K_BOOL, O(milter_require_verified), "yes", NULL,
	    "a DSN suppresses only if it matches mail sent from here" },
	{ "milter_max_body", K_SIZE, O(milter_max_body), "10m", NULL,
	    "largest DSN body collected" },
	{ "milter_on_error", K_ENUM, O(milter_on_error), "accept", "accept|tempfail",
	    "answer when the milter cannot decide" },
	{ "milter_batv_sign", K_BOOL, O(milter_batv_sign), "no", NULL,
	    "sign the envelope sender of in-scope mail with the first BATV key" },
};
#undef O
_Static_assert(sizeof(keys) / sizeof(keys[0]) <= RB_SETTINGS_MAX_KEYS,
    "struct rb_settings' key_line[] is too short");

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
	/*
	 * A plain decimal number only: strtod also takes "nan", "inf",
	 * hexadecimal and exponents, none of which a duration is.
	 */
	for (const char *p = v; p < e; p++)
		if (!isdigit((unsigned char)*p) && *p != '.')
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
	double q = ms / unit_ms;
	if (q > 1e15)
		return (-1);
	/*
	 * A whole number of the unit, or refused: "500ms" where seconds are
	 * kept became 0, and a lifetime of 0 is "never".  (Within rounding:
	 * 1.1s is 1100.0000000000002 ms in binary.)
	 */
	double whole = floor(q + 0.5);
	if ((whole == 0 && q > 0) || fabs(q - whole) > 1e-6 + 1e-12 * q)
		return (-2);
	*out = (long)whole;
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

/* Is word one of "a|b|c"? */
static int
is_choice(const char *choices, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = choices; p != NULL; p = strchr(p, '|')) {
		if (*p == '|')
			p++;
		if (strncmp(p, word, n) == 0 && (p[n] == '|' || p[n] == '\0'))
			return (1);
	}
	return (0);
}

static int
owns_string(enum ktype t)
{
	return (t == K_STR || t == K_PATH || t == K_ENUM || t == K_WORDS ||
	    t == K_MILTER_SOCKET);
}

int
settings_words(const char *list, char *buf, size_t bufsize, const char **words,
    int max)
{
	int n = 0;
	char *save = NULL;

	if (bufsize == 0)
		return (0);
	snprintf(buf, bufsize, "%s", list ? list : "");
	for (char *t = strtok_r(buf, ", \t", &save); t != NULL && n < max;
	    t = strtok_r(NULL, ", \t", &save))
		words[n++] = t;
	return (n);
}

/*
 * journal_match as journal.c reads it: words separated by blanks or
 * commas, each a lone "+" or FIELD=value with a field name sd-journal
 * takes (upper case, digits, '_', not a leading digit, at most 64).
 * Checked here so that -t and a reload refuse a bad one with its line,
 * instead of a reload that is accepted and then cannot start the journal;
 * journal.c asks the same before it adds the terms.
 */
int
settings_journal_match_check(const char *v, char *why, size_t whylen)
{
	const char *p = v;

	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		size_t n = strcspn(p, " \t,");
		if (!(n == 1 && *p == '+')) {
			const char *eq = memchr(p, '=', n);
			size_t f = eq ? (size_t)(eq - p) : 0;
			int ok = f > 0 && f <= 64 && !(f == 1 && p[0] == '_') &&
			    !isdigit((unsigned char)p[0]);
			for (size_t i = 0; ok && i < f; i++)
				ok = isupper((unsigned char)p[i]) ||
				    isdigit((unsigned char)p[i]) || p[i] == '_';
			if (!ok) {
				snprintf(why, whylen, "\"%.*s\" is not FIELD=value "
				    "(field names are upper case)", (int)n, p);
				return (-1);
			}
		}
		p += n;
	}
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
	char why[300];

	/* What only the milter can judge, judged by the milter's own checks. */
	if (strncmp(k->name, "milter_", 7) == 0 &&
	    milter_check_value(k->name, v, why, sizeof(why)) != 0)
		return (fail(err, errlen, name, line, "%s", why));

	switch (k->type) {
	case K_PATH:
		/* Everything the daemon keeps lives there; "" would be "/". */
		if (k->off == offsetof(struct rb_settings, state_directory) &&
		    *v == '\0')
			return (fail(err, errlen, name, line, "%s: must not be empty", k->name));
		if (*v != '\0' && *v != '/')
			return (fail(err, errlen, name, line, "%s: \"%s\" is not an absolute path", k->name, v));
		/* bind() would refuse it at start-up only. */
		if (k->off == offsetof(struct rb_settings, control_socket) &&
		    strlen(v) >= sizeof(((struct sockaddr_un *)0)->sun_path))
			return (fail(err, errlen, name, line, "%s: \"%s\" is longer than "
			    "a socket path may be (%zu bytes)", k->name, v,
			    sizeof(((struct sockaddr_un *)0)->sun_path) - 1));
		/* FALLTHROUGH */
	case K_STR:
		if (k->off == offsetof(struct rb_settings, journal_match) &&
		    settings_journal_match_check(v, why, sizeof(why)) != 0)
			return (fail(err, errlen, name, line, "%s: %s", k->name, why));
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
			/* Two readers of one file would each hold a position. */
			for (int i = 0; i < c->nlog_files; i++)
				if (strcmp(c->log_files[i], t) == 0)
					return (fail(err, errlen, name, line, "%s: \"%s\" is listed twice", k->name, t));
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
		switch (parse_duration(v, k->type == K_DURATION ? 1000 : 1, &n, 0)) {
		case 0:
			break;
		case -2:
			/* Kept in whole units: "500ms" would silently become 0s. */
			return (fail(err, errlen, name, line, "%s: \"%s\" is not a whole number of %s",
			    k->name, v, k->type == K_DURATION ? "seconds" : "milliseconds"));
		default:
			return (fail(err, errlen, name, line, "%s: \"%s\" is not a duration (30s, 5m, 1h, 7d)", k->name, v));
		}
		/*
		 * Timers that fire every 0 s would spin the loop; a queue ID
		 * forgotten at once correlates nothing; outcomes kept for 0 s
		 * are pruned as they arrive.
		 */
		if (n == 0 && (k->off == offsetof(struct rb_settings, maintenance_interval) ||
		    k->off == offsetof(struct rb_settings, poll_interval_ms) ||
		    k->off == offsetof(struct rb_settings, commit_interval_ms) ||
		    k->off == offsetof(struct rb_settings, queue_idle_timeout) ||
		    k->off == offsetof(struct rb_settings, queue_deferred_timeout) ||
		    k->off == offsetof(struct rb_settings, store.outcome_retention)))
			return (fail(err, errlen, name, line, "%s: must be more than 0", k->name));
		/* The tag holds the expiry day, modulo 1000 (batv.h). */
		if (k->off == offsetof(struct rb_settings, batv_max_age) &&
		    (n % 86400 != 0 || n < 86400 || n > BATV_MAX_AGE * 86400L))
			return (fail(err, errlen, name, line, "%s: \"%s\" is not whole "
			    "days from 1d to %dd", k->name, v, BATV_MAX_AGE));
		*(long *)slot = n;
		return (0);
	case K_SIZE:
		if (parse_size(v, &n) != 0)
			return (fail(err, errlen, name, line, "%s: \"%s\" is not a size (64k, 10m)", k->name, v));
		/*
		 * Below 1k no control request (max_request_size) or bounce
		 * (dsn_max_size, milter_max_body) fits: the socket, the DSN
		 * parser or the milter would refuse everything.
		 */
		if (n < 1024 && (k->off == offsetof(struct rb_settings, max_request_size) ||
		    k->off == offsetof(struct rb_settings, dsn_max_size) ||
		    k->off == offsetof(struct rb_settings, milter_max_body)))
			return (fail(err, errlen, name, line, "%s: \"%s\" is less than 1k", k->name, v));
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
	case K_TARGET:
		if (strcmp(v, "syslog") != 0 && strcmp(v, "stderr") != 0)
			return (fail(err, errlen, name, line, "%s: \"%s\" is not one of %s", k->name, v, k->choices));
		*(int *)slot = strcmp(v, "stderr") == 0;
		return (0);
	case K_ENUM:
		if (!is_choice(k->choices, v))
			return (fail(err, errlen, name, line, "%s: \"%s\" is not one of %s", k->name, v, k->choices));
		free(*(char **)slot);
		*(char **)slot = strdup(v);
		return (0);
	case K_WORDS: {
		/* Normalise to "a, b, c" so the milter splits one way only. */
		size_t cap = strlen(v) * 2 + 1, used = 0;
		char *out = malloc(cap);
		if (out == NULL)
			return (fail(err, errlen, name, line, "out of memory"));
		out[0] = '\0';
		int nw = 0;
		int verp = k->off == offsetof(struct rb_settings, verp_pattern);
		for (char *save = NULL, *t = strtok_r(v, ", \t", &save); t;
		    t = strtok_r(NULL, ", \t", &save)) {
			if (k->choices != NULL && !is_choice(k->choices, t)) {
				free(out);
				return (fail(err, errlen, name, line, "%s: \"%s\" is not one of %s", k->name, t, k->choices));
			}
			/* The DSN parser takes DSN_VERP_MAX and drops the rest. */
			if (verp && ++nw > DSN_VERP_MAX) {
				free(out);
				return (fail(err, errlen, name, line, "%s: more than %d patterns", k->name, DSN_VERP_MAX));
			}
			/* Without both, no recipient address can be read back. */
			if (verp && (strstr(t, "%l") == NULL || strstr(t, "%d") == NULL)) {
				free(out);
				return (fail(err, errlen, name, line, "%s: \"%s\" lacks %%l or %%d", k->name, t));
			}
			used += (size_t)snprintf(out + used, cap - used, "%s%s", used ? ", " : "", t);
		}
		free(*(char **)slot);
		*(char **)slot = out;
		return (0);
	}
	case K_MILTER_SOCKET:
		free(*(char **)slot);
		*(char **)slot = strdup(v);
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
			int r = parse_duration(colon + 1, 1000, &n, 1);
			if (r == -2)
				return (fail(err, errlen, name, line, "%s: \"%s\" is not a whole number of seconds", k->name, colon + 1));
			if (r != 0)
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
		if (owns_string(keys[i].type))
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
	/* A byte-order mark, as some editors write: not part of the first key. */
	char *start = copy;
	if (strncmp(start, "\xef\xbb\xbf", 3) == 0)
		start += 3;
	/* strtok_r would skip empty lines and break the line count. */
	for (char *p = start, *nl; p != NULL; p = nl) {
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
		c->key_line[i] = line;
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
	/* fopen() opens a directory, whose read then fails: not an empty file. */
	struct stat sb;
	if (fstat(fileno(fp), &sb) == 0 && S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: %s", path, strerror(EISDIR));
		fclose(fp);
		return (NULL);
	}
	FILE *mem = open_memstream(&text, &len);
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0 && len < 1024 * 1024)
		fwrite(buf, 1, n, mem);
	int rerr = ferror(fp) ? errno : 0;
	fclose(fp);
	fclose(mem);
	if (rerr != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(rerr));
		free(text);
		return (NULL);
	}
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
print_duration(FILE *fp, long secs, int zero_is_never)
{
	if (secs == 0)
		fprintf(fp, zero_is_never ? "never" : "0s");
	else if (secs % 86400 == 0)
		fprintf(fp, "%ldd", secs / 86400);
	else if (secs % 3600 == 0)
		fprintf(fp, "%ldh", secs / 3600);
	else if (secs % 60 == 0)
		fprintf(fp, "%ldm", secs / 60);
	else
		fprintf(fp, "%lds", secs);
}

static void
print_keys(const struct rb_settings *c, FILE *fp, int doc)
{
	fprintf(fp, "# effective configuration, from %s\n", c->file);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct key *k = &keys[i];
		const void *slot = (const char *)c + k->off;
		if (doc)
			fprintf(fp, "\n# %s%s%s%s\n", k->doc, k->choices ? " (" : "",
			    k->choices ? k->choices : "", k->choices ? ")" : "");
		fprintf(fp, "%s = ", k->name);
		switch (k->type) {
		case K_STR:
		case K_PATH:
		case K_ENUM:
		case K_WORDS:
		case K_MILTER_SOCKET:
			fprintf(fp, "%s", *(char *const *)slot);
			break;
		case K_TARGET:
			fprintf(fp, "%s", *(const int *)slot ? "stderr" : "syslog");
			break;
		case K_LIST:
			for (int j = 0; j < c->nlog_files; j++)
				fprintf(fp, "%s%s", j ? ", " : "", c->log_files[j]);
			break;
		case K_BOOL:
			fprintf(fp, "%s", *(const int *)slot ? "yes" : "no");
			break;
		case K_DURATION:
			print_duration(fp, *(const long *)slot, 0);
			break;
		case K_DURATION_MS:
			fprintf(fp, "%ldms", *(const long *)slot);
			break;
		case K_SIZE: {
			long v = *(const long *)slot;
			if (v != 0 && v % (1024 * 1024) == 0)
				fprintf(fp, "%ldm", v / (1024 * 1024));
			else if (v != 0 && v % 1024 == 0)
				fprintf(fp, "%ldk", v / 1024);
			else
				fprintf(fp, "%ld", v);
			break;
		}
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
				print_duration(fp, life[j], 1);
				first = 0;
			}
			break;
		}
		}
		fputc('\n', fp);
	}
}

void
settings_print(const struct rb_settings *c, FILE *fp)
{
	print_keys(c, fp, 0);
}

void
settings_print_doc(const struct rb_settings *c, FILE *fp)
{
	print_keys(c, fp, 1);
}

void
settings_dsn_options(const struct rb_settings *c, struct dsn_options *o,
    char *buf, size_t bufsize)
{
	const char *w[DSN_VERP_MAX];

	dsn_options_init(o);
	o->max_size = (size_t)c->dsn_max_size;
	o->max_depth = (int)c->dsn_max_depth;
	o->max_parts = (int)c->dsn_max_parts;
	o->max_recipients = (size_t)c->dsn_max_recipients;
	int n = settings_words(c->verp_pattern, buf, bufsize, w, DSN_VERP_MAX);
	for (int i = 0; i < DSN_VERP_MAX; i++)
		o->verp[i] = i < n ? w[i] : NULL;
}

int
settings_check_accounts(const struct rb_settings *c, int as_root, char *err,
    size_t errlen, char *warn, size_t warnlen)
{
	size_t used = 0;
	char at[PATH_MAX + 16];

	warn[0] = '\0';
	if (c->user[0] != '\0' && getpwnam(c->user) == NULL) {
		settings_where(c, "user", at, sizeof(at));
		if (as_root) {
			snprintf(err, errlen, "%s: user: \"%s\" does not exist; "
			    "refusing to keep running as root (user = with no value "
			    "stays the starting user)", at, c->user);
			return (-1);
		}
		used += (size_t)snprintf(warn + used, warnlen - used,
		    "%s: user: \"%s\" does not exist (started as root, reboundd "
		    "would refuse to run)", at, c->user);
	}
	const char *const gkeys[] = { "control_socket_group", "admin_group" };
	const char *const gvals[] = { c->control_socket_group, c->admin_group };
	for (int i = 0; i < 2 && used < warnlen; i++) {
		if (gvals[i][0] == '\0' || getgrnam(gvals[i]) != NULL)
			continue;
		used += (size_t)snprintf(warn + used, warnlen - used,
		    "%s%s: %s: group \"%s\" does not exist (not applied)",
		    used ? "; " : "", settings_where(c, gkeys[i], at, sizeof(at)),
		    gkeys[i], gvals[i]);
	}
	return (0);
}

const char *
settings_where(const struct rb_settings *c, const char *key, char *buf,
    size_t bufsize)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].name, key) == 0 && c->key_line[i] > 0) {
			snprintf(buf, bufsize, "%s:%d", c->file, c->key_line[i]);
			return (buf);
		}
	snprintf(buf, bufsize, "%s", c->file);
	return (buf);
}

int
settings_check_paths(const struct rb_settings *c, char *err, size_t errlen)
{
	const char *const names[] = { "rules_file", "local_rules_file",
	    "provider_map_file" };
	const char *const vals[] = { c->rules_file, c->local_rules_file,
	    c->provider_map_file };
	struct stat sb;
	char at[PATH_MAX + 16];

	for (int i = 0; i < 3; i++) {
		if (vals[i][0] == '\0')
			continue;
		const char *why = NULL;
		if (stat(vals[i], &sb) != 0 || access(vals[i], R_OK) != 0)
			why = strerror(errno);
		else if (!S_ISREG(sb.st_mode))
			why = "not a regular file";
		if (why != NULL) {
			snprintf(err, errlen, "%s: %s = %s: %s",
			    settings_where(c, names[i], at, sizeof(at)), names[i],
			    vals[i], why);
			return (-1);
		}
	}
	/* What start-up would trip over, said by -t and at reload too. */
	if (stat(c->state_directory, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: state_directory = %s: not a directory",
		    settings_where(c, "state_directory", at, sizeof(at)),
		    c->state_directory);
		return (-1);
	}
	if (stat(c->database, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: database = %s: not a regular file",
		    settings_where(c, "database", at, sizeof(at)), c->database);
		return (-1);
	}
	/*
	 * The milter's values, BATV key file included, whether or not the
	 * milter runs: a setting refused only once the milter is switched
	 * on would surprise whoever switches it on.
	 */
	char mwhy[768];
	const char *mkey;
	if (milter_check(c, &mkey, mwhy, sizeof(mwhy)) != 0) {
		snprintf(err, errlen, "%s: %s",
		    settings_where(c, mkey ? mkey : "", at, sizeof(at)), mwhy);
		return (-1);
	}
	if (c->journal && c->journal_directory[0] != '\0') {
		const char *why = NULL;
		if (stat(c->journal_directory, &sb) != 0)
			why = strerror(errno);
		else if (!S_ISDIR(sb.st_mode))
			why = "not a directory";
		else if (access(c->journal_directory, R_OK | X_OK) != 0)
			why = strerror(errno);
		if (why != NULL) {
			snprintf(err, errlen, "%s: journal_directory = %s: %s",
			    settings_where(c, "journal_directory", at, sizeof(at)),
			    c->journal_directory, why);
			return (-1);
		}
	}
	return (0);
}
