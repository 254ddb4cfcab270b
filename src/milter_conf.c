/*
 * milter_conf.c - checking and compiling the milter's settings (see
 * milter_conf.h): the milter_* values reboundd -t, start-up and every
 * reload check (milter_check, milter_check_value in milter.h), and the
 * struct mconf the callbacks read.  Its only I/O is reading
 * batv_key_file; any thread.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "batv_keyfile.h"
#include "milter.h"
#include "milter_conf.h"
#include "util.h"

const char *const milter_policy_names[4] = {
	"reject", "tempfail", "tag", "drop"
};

static int
parse_net(const char *s, struct net *n)
{
	char buf[128];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);

	if (len >= sizeof(buf))
		return (-1);
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(n, 0, sizeof(*n));
	if (inet_pton(AF_INET, buf, n->addr) == 1) {
		n->af = AF_INET;
		n->bits = 32;
	} else if (inet_pton(AF_INET6, buf, n->addr) == 1) {
		n->af = AF_INET6;
		n->bits = 128;
	} else
		return (-1);
	if (slash != NULL) {
		char *end;
		long b = strtol(slash + 1, &end, 10);
		if (*end != '\0' || end == slash + 1 || b < 0 || b > n->bits)
			return (-1);
		n->bits = (int)b;
	}
	return (0);
}

int
milter_net_match(const struct net *n, const struct net *a)
{
	if (n->af != a->af)
		return (0);
	int full = n->bits / 8, rest = n->bits % 8;
	if (memcmp(n->addr, a->addr, (size_t)full) != 0)
		return (0);
	if (rest == 0)
		return (1);
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return ((n->addr[full] & mask) == (a->addr[full] & mask));
}

/*
 * "550 5.1.1 text": code, optional enhanced code, text.  -1 with the
 * reason in why when it is not a reply the MTA will take.
 */
static int
parse_reply(const char *s, struct mconf *c, char *why, size_t whylen)
{
	if (!(s[0] == '4' || s[0] == '5') || s[1] < '0' || s[1] > '9' ||
	    s[2] < '0' || s[2] > '9' || (s[3] != ' ' && s[3] != '\0')) {
		snprintf(why, whylen, "does not start with a 4xx or 5xx code");
		return (-1);
	}
	memcpy(c->reply_code, s, 3);
	c->reply_code[3] = '\0';
	s += 3;
	while (*s == ' ')
		s++;
	/* An enhanced code is CLASS.SUBJECT.DETAIL, its class the code's. */
	size_t n = strcspn(s, " ");
	if (n > 1 && (s[0] == '2' || s[0] == '4' || s[0] == '5') && s[1] == '.') {
		/* s[0] and s[1] are the class and its dot: 1-3 digits twice. */
		size_t i = 2, d1 = strspn(s + i, "0123456789"), d2;
		i += d1;
		d2 = s[i] == '.' ? strspn(s + i + 1, "0123456789") : 0;
		if (d1 < 1 || d1 > 3 || d2 < 1 || d2 > 3 || i + 1 + d2 != n ||
		    n >= sizeof(c->reply_xcode)) {
			snprintf(why, whylen, "has %.*s, not an enhanced status "
			    "code (5.1.1)", (int)(n < 40 ? n : 40), s);
			return (-1);
		}
		if (s[0] != c->reply_code[0]) {
			snprintf(why, whylen, "has enhanced code %.*s, not of the "
			    "class of %s", (int)n, s, c->reply_code);
			return (-1);
		}
		memcpy(c->reply_xcode, s, n);
		c->reply_xcode[n] = '\0';
		s += n;
		while (*s == ' ')
			s++;
	}
	if (strlen(s) >= sizeof(c->reply_text)) {
		snprintf(why, whylen, "has text longer than %zu bytes",
		    sizeof(c->reply_text) - 1);
		return (-1);
	}
	util_strlcpy(c->reply_text, s, sizeof(c->reply_text));
	return (0);
}

/* A header field name (RFC 5322): printable ASCII but ':'. */
static int
is_header_name(const char *s)
{
	if (*s == '\0')
		return (0);
	for (; *s != '\0'; s++)
		if (*s < 33 || *s > 126 || *s == ':')
			return (0);
	return (1);
}

static const char *
after_prefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return (strncmp(s, prefix, n) == 0 ? s + n : NULL);
}

/* unix:/PATH, local:/PATH, inet:PORT[@HOST], inet6:PORT[@HOST]. */
static int
check_socket(const char *v, char *why, size_t whylen)
{
	const char *p;

	if (*v == '\0')
		return (0);
	if ((p = after_prefix(v, "unix:")) != NULL ||
	    (p = after_prefix(v, "local:")) != NULL) {
		struct sockaddr_un sun;
		if (*p != '/')
			goto syntax;
		if (strlen(p) >= sizeof(sun.sun_path)) {
			snprintf(why, whylen, "the path of \"%s\" is longer than %zu bytes",
			    v, sizeof(sun.sun_path) - 1);
			return (-1);
		}
		return (0);
	}
	if ((p = after_prefix(v, "inet:")) == NULL &&
	    (p = after_prefix(v, "inet6:")) == NULL)
		goto syntax;
	size_t n = strspn(p, "0123456789");
	if (n == 0 || (p[n] != '\0' && p[n] != '@'))
		goto syntax;
	long port = n <= 5 ? strtol(p, NULL, 10) : 0;
	if (port < 1 || port > 65535) {
		snprintf(why, whylen, "\"%s\": port %.*s is not from 1 to 65535", v,
		    (int)(n < 20 ? n : 20), p);
		return (-1);
	}
	if (p[n] == '@' && (p[n + 1] == '\0' || strlen(p + n + 1) > 255 ||
	    strpbrk(p + n + 1, " \t@/") != NULL)) {
		snprintf(why, whylen, "\"%s\" names no host after '@'", v);
		return (-1);
	}
	return (0);
syntax:
	snprintf(why, whylen, "\"%s\" is not unix:/PATH or inet:PORT@HOST", v);
	return (-1);
}

/* A list of at most max words, bufsize bytes in all; each passed to ok. */
static int
check_words(const char *key, const char *v, int max, size_t bufsize,
    int (*ok)(const char *word, char *why, size_t whylen), char *err,
    size_t errlen)
{
	char buf[4096], why[200];
	const char *w[MAX_NETS + 1];
	int n;

	if (strlen(v) >= sizeof(buf)) {
		snprintf(err, errlen, "%s: longer than %zu bytes", key, bufsize - 1);
		return (-1);
	}
	n = settings_words(v, buf, sizeof(buf), w, max + 1);
	if (n > max) {
		snprintf(err, errlen, "%s: more than %d entries", key, max);
		return (-1);
	}
	/* As the settings keep it: "a, b, c". */
	size_t len = 0;
	for (int i = 0; i < n; i++)
		len += strlen(w[i]) + (i > 0 ? 2 : 0);
	if (len >= bufsize) {
		snprintf(err, errlen, "%s: longer than %zu bytes", key, bufsize - 1);
		return (-1);
	}
	for (int i = 0; ok != NULL && i < n; i++)
		if (ok(w[i], why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s: \"%s\" %s", key, w[i], why);
			return (-1);
		}
	return (0);
}

static int
ok_net(const char *w, char *why, size_t whylen)
{
	struct net n;

	if (parse_net(w, &n) == 0)
		return (0);
	snprintf(why, whylen, "is not an address or ADDRESS/BITS");
	return (-1);
}

/* Glob patterns for bare addresses; %l and %d stand for parts of one. */
static int
ok_bounce(const char *w, char *why, size_t whylen)
{
	const char *p = strpbrk(w, "<>\"()");

	if (p != NULL) {
		snprintf(why, whylen, "is not an address pattern ('%c' in it)", *p);
		return (-1);
	}
	for (p = w; (p = strchr(p, '%')) != NULL; p += 2)
		if (p[1] != 'l' && p[1] != 'd') {
			snprintf(why, whylen, "has %%%c: only %%l and %%d stand for "
			    "parts of an address", p[1] ? p[1] : ' ');
			return (-1);
		}
	return (0);
}

int
milter_check_value(const char *key, const char *v, char *err, size_t errlen)
{
	char why[300];
	struct mconf c;

	if (strcmp(key, "milter_socket") == 0) {
		if (check_socket(v, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s: %s", key, why);
			return (-1);
		}
	} else if (strcmp(key, "milter_reject_reply") == 0) {
		if (parse_reply(v, &c, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s: \"%.60s%s\" %s", key, v,
			    strlen(v) > 60 ? "..." : "", why);
			return (-1);
		}
	} else if (strcmp(key, "milter_tag_header") == 0) {
		if (!is_header_name(v) || strlen(v) >= sizeof(c.tag_header)) {
			snprintf(err, errlen, "%s: \"%.60s\" is not a header name", key, v);
			return (-1);
		}
	} else if (strcmp(key, "milter_client_networks") == 0) {
		return (check_words(key, v, MAX_NETS, NETS_BUF, ok_net, err, errlen));
	} else if (strcmp(key, "milter_daemon_names") == 0) {
		return (check_words(key, v, MAX_NAMES, sizeof(c.names_buf), NULL,
		    err, errlen));
	} else if (strcmp(key, "milter_bounce_addresses") == 0) {
		return (check_words(key, v, MAX_BOUNCE, sizeof(c.bounce_buf),
		    ok_bounce, err, errlen));
	}
	return (0);
}

int
milter_check(const struct rb_settings *cfg, const char **key, char *err,
    size_t errlen)
{
	const char *dummy;
	const struct { const char *key, *value; } kv[] = {
		{ "milter_socket", cfg->milter_socket },
		{ "milter_reject_reply", cfg->milter_reject_reply },
		{ "milter_tag_header", cfg->milter_tag_header },
		{ "milter_client_networks", cfg->milter_client_networks },
		{ "milter_daemon_names", cfg->milter_daemon_names },
		{ "milter_bounce_addresses", cfg->milter_bounce_addresses },
	};

	if (key == NULL)
		key = &dummy;
	*key = NULL;
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		if (milter_check_value(kv[i].key, kv[i].value, err, errlen) != 0) {
			*key = kv[i].key;
			return (-1);
		}
	if (cfg->milter_batv_sign && cfg->batv_key_file[0] == '\0') {
		*key = "milter_batv_sign";
		snprintf(err, errlen, "%s: needs batv_key_file", *key);
		return (-1);
	}
	/* The file is read here too, so -t refuses what start-up would. */
	struct batv_keys *k = malloc(sizeof(*k));
	if (k == NULL) {
		snprintf(err, errlen, "milter: out of memory");
		return (-1);
	}
	char why[512];
	int rc = batv_keyfile_load(cfg->batv_key_file, k, why, sizeof(why));
	if (rc != 0) {
		*key = "batv_key_file";
		snprintf(err, errlen, "%s: %s", *key, why);
	}
	explicit_bzero(k, sizeof(*k));
	free(k);
	return (rc);
}

/* Settings replaced or dropped: the secrets go with them. */
void
milter_conf_free(struct mconf *c)
{
	if (c == NULL)
		return;
	explicit_bzero(&c->batv, sizeof(c->batv));
	free(c);
}

struct mconf *
milter_conf_compile(const struct rb_settings *cfg, const struct classifier *cl,
    char *err, size_t errlen)
{
	struct mconf *c;
	const char *w[MAX_NETS];
	char buf[NETS_BUF], why[512];
	int n;

	/* The checks reboundd -t and every settings_parse() run. */
	if (milter_check(cfg, NULL, err, errlen) != 0)
		return (NULL);
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "milter: out of memory");
		return (NULL);
	}
	for (int i = 0; i < 4; i++)
		if (strcmp(cfg->milter_policy, milter_policy_names[i]) == 0)
			c->policy = (enum policy)i;
	(void)parse_reply(cfg->milter_reject_reply, c, why, sizeof(why));
	util_strlcpy(c->tag_header, cfg->milter_tag_header, sizeof(c->tag_header));
	n = settings_words(cfg->milter_scope, buf, sizeof(buf), w, MAX_NETS);
	for (int i = 0; i < n; i++) {
		if (strcmp(w[i], "authenticated") == 0)
			c->scope |= SCOPE_AUTH;
		else if (strcmp(w[i], "client_networks") == 0)
			c->scope |= SCOPE_NETS;
		else if (strcmp(w[i], "local") == 0)
			c->scope |= SCOPE_LOCAL;
		else if (strcmp(w[i], "daemon_names") == 0)
			c->scope |= SCOPE_DAEMON;
		else if (strcmp(w[i], "all") == 0)
			c->scope |= SCOPE_ALL;
	}
	n = settings_words(cfg->milter_client_networks, buf, sizeof(buf), w, MAX_NETS);
	for (int i = 0; i < n; i++)
		if (parse_net(w[i], &c->nets[c->nnets]) == 0)
			c->nnets++;
	c->nnames = settings_words(cfg->milter_daemon_names, c->names_buf,
	    sizeof(c->names_buf), c->names, MAX_NAMES);
	c->nbounce = settings_words(cfg->milter_bounce_addresses, c->bounce_buf,
	    sizeof(c->bounce_buf), c->bounce, MAX_BOUNCE);
	/* VERP place holders match like the wildcard they stand for. */
	for (char *p = c->bounce_buf; (p = strchr(p, '%')) != NULL; ) {
		if (p[1] == 'l' || p[1] == 'd') {
			p[0] = '*';
			memmove(p + 1, p + 2, strlen(p + 2) + 1);
		}
		p++;
	}
	c->dsn_action = strcmp(cfg->milter_dsn_action, "discard") == 0 ? DSNA_DISCARD :
	    strcmp(cfg->milter_dsn_action, "quarantine") == 0 ? DSNA_QUARANTINE :
	    DSNA_ACCEPT;
	c->require_verified = cfg->milter_require_verified;
	c->max_body = cfg->milter_max_body > 0 ? (size_t)cfg->milter_max_body : 0;
	c->on_error = strcmp(cfg->milter_on_error, "tempfail") == 0 ?
	    SMFIS_TEMPFAIL : SMFIS_ACCEPT;
	settings_dsn_options(cfg, &c->dopt, c->verp_buf, sizeof(c->verp_buf));
	if (batv_keyfile_load(cfg->batv_key_file, &c->batv, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "batv_key_file: %s", why);
		milter_conf_free(c);
		return (NULL);
	}
	c->batv_max_age = (int)(cfg->batv_max_age / 86400);
	c->batv_sign = cfg->milter_batv_sign && c->batv.nkeys > 0;
	c->cl = cl;
	return (c);
}
