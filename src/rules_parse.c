/*
 * rules_parse.c - reads rule and provider-map text into a rule_set (see
 * rules.h and rebound.rules(5)).
 *
 * A rule is one line:   ID  CONDITION...  ->  RESULT...
 *   conditions: text:"phrase"  re:"regex"  code:5.7.26  code:5.7.*
 *               reply:550  reply:5xx  stage:rcpt  provider:gmail
 *               outcome:deferred
 *   results:    reason=R  category=C  action=A  prio=N  fix="advice"
 * Advice line:  @advice CATEGORY [provider:P] "text"
 * A provider-map line is:   domain|mx  PATTERN  PROVIDER
 *
 * Pure: no I/O.  Every string in the set is malloc'ed and owned by it.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "rules.h"
#include "util.h"

#define LINE_MAX_LEN	4096

struct cursor {
	const char *p, *end;
};

static int fail(char *, size_t, const char *, int, const char *, ...)
    __attribute__((format(printf, 5, 6)));

static int
fail(char *err, size_t errlen, const char *name, int line, const char *fmt,
    ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s:%d: %s", name, line, msg);
	return (-1);
}

static void
skip_space(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

/*
 * Read one token: a bare word up to white space, where a word may contain
 * one quoted value (key:"..." or key="...").  The unquoted, unescaped
 * token is written to out.  Returns 1 for a token, 0 at end of line, -1 on
 * an unterminated quote, -2 on text right after a closing quote.
 */
static int
next_token(struct cursor *c, char *out, size_t outlen)
{
	size_t n = 0;

	skip_space(c);
	if (c->p >= c->end)
		return (0);
	while (c->p < c->end && *c->p != ' ' && *c->p != '\t') {
		if (*c->p == '"') {
			c->p++;
			while (c->p < c->end && *c->p != '"') {
				/* Only \" and \\ are escapes: regexes keep theirs. */
				if (*c->p == '\\' && c->p + 1 < c->end &&
				    (c->p[1] == '"' || c->p[1] == '\\'))
					c->p++;
				if (n + 1 < outlen)
					out[n++] = *c->p;
				c->p++;
			}
			if (c->p >= c->end)
				return (-1);
			c->p++;		/* closing quote */
			/*
			 * A value ends at its closing quote.  Text glued to it
			 * would be joined silently: re:"a ["'] b" reads as a
			 * regex with no double quote in it, which is never what
			 * was meant.
			 */
			if (c->p < c->end && *c->p != ' ' && *c->p != '\t')
				return (-2);
			continue;
		}
		if (n + 1 < outlen)
			out[n++] = *c->p;
		c->p++;
	}
	out[n] = '\0';
	return (1);
}

static int
parse_code_part(const char *s, const char **rest, int *out)
{
	if (*s == '*') {
		*out = -1;
		*rest = s + 1;
		return (0);
	}
	if (!isdigit((unsigned char)*s))
		return (-1);
	long v = strtol(s, (char **)rest, 10);
	if (v > 999 || *rest - s > 3)
		return (-1);
	*out = (int)v;
	return (0);
}

static int
parse_code_pattern(const char *s, struct code_pat *cp)
{
	const char *r;

	if (parse_code_part(s, &r, &cp->cls) != 0 || *r != '.')
		return (-1);
	if (cp->cls != -1 && cp->cls != 2 && cp->cls != 4 && cp->cls != 5)
		return (-1);
	if (parse_code_part(r + 1, &r, &cp->subj) != 0 || *r != '.')
		return (-1);
	if (parse_code_part(r + 1, &r, &cp->detail) != 0 || *r != '\0')
		return (-1);
	return (0);
}

static int
parse_reply_pattern(const char *s, int *lo, int *hi)
{
	if (strlen(s) != 3 || s[0] < '2' || s[0] > '5')
		return (-1);
	if (isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[2])) {
		*lo = *hi = atoi(s);
		return (0);
	}
	if (isdigit((unsigned char)s[1]) && s[2] == 'x') {
		*lo = (s[0] - '0') * 100 + (s[1] - '0') * 10;
		*hi = *lo + 9;
		return (0);
	}
	if (s[1] == 'x' && s[2] == 'x') {
		*lo = (s[0] - '0') * 100;
		*hi = *lo + 99;
		return (0);
	}
	return (-1);
}

static int
parse_stage(const char *s)
{
	static const char *const names[] = {
		"", "connect", "helo", "mail", "rcpt", "data", "eom",
	};
	for (size_t i = 1; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0)
			return ((int)i);
	return (-1);
}

static int
valid_word(const char *s)
{
	if (*s == '\0')
		return (0);
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' &&
		    *s != '.')
			return (0);
	return (1);
}

static int
grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return (0);
	size_t ncap = *cap ? *cap * 2 : 64;
	void *p = realloc(*arr, ncap * elem);
	if (p == NULL)
		return (-1);
	*arr = p;
	*cap = ncap;
	return (0);
}

static void
rule_clear(struct rule *r)
{
	free(r->id);
	free(r->origin);
	for (int i = 0; i < r->ntext; i++)
		free(r->text[i]);
	free(r->provider);
	free(r->fix);
	memset(r, 0, sizeof(*r));
}

/* Escape a literal phrase into a Vectorscan expression. */
static char *
escape_literal(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(n * 4 + 1), *o = out;

	if (out == NULL)
		return (NULL);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (isalnum(ch) || ch >= 0x80 || ch == ' ') {
			*o++ = (char)ch;
		} else {
			/* \xHH is unambiguous for every other byte. */
			sprintf(o, "\\x%02x", ch);
			o += 4;
		}
	}
	*o = '\0';
	return (out);
}

static int
parse_advice(struct rule_set *rs, const char *name, int lineno,
    struct cursor *c, char *err, size_t errlen)
{
	char cat[64], a[LINE_MAX_LEN], b[LINE_MAX_LEN], extra[8];
	struct advice adv;
	enum rb_category cc;

	memset(&adv, 0, sizeof(adv));
	if (next_token(c, cat, sizeof(cat)) <= 0 ||
	    taxonomy_category_parse(cat, &cc) != 0)
		return (fail(err, errlen, name, lineno, "@advice needs a known category"));
	adv.category = (int)cc;
	if (next_token(c, a, sizeof(a)) <= 0)
		return (fail(err, errlen, name, lineno, "@advice needs a text"));
	if (strncmp(a, "provider:", 9) == 0) {
		if (!valid_word(a + 9))
			return (fail(err, errlen, name, lineno, "bad provider"));
		if (next_token(c, b, sizeof(b)) <= 0)
			return (fail(err, errlen, name, lineno, "@advice needs a text"));
		adv.provider = strdup(a + 9);
		adv.text = strdup(b);
	} else {
		adv.text = strdup(a);
	}
	if (next_token(c, extra, sizeof(extra)) != 0) {
		free(adv.provider);
		free(adv.text);
		return (fail(err, errlen, name, lineno, "trailing text after advice (quote it)"));
	}
	if (grow((void **)&rs->advice, &rs->advice_cap, rs->nadvice, sizeof(adv)) != 0)
		return (fail(err, errlen, name, lineno, "out of memory"));
	rs->advice[rs->nadvice++] = adv;
	return (0);
}

static int
parse_rule_line(struct rule_set *rs, const char *name, int lineno,
    struct cursor *c, int prio_bonus, char *err, size_t errlen)
{
	struct rule r;
	char tok[LINE_MAX_LEN];
	int t, in_results = 0, have_reason = 0, have_cond = 0;
	static const char *const once_keys[] = { "code", "reply", "stage",
	    "provider", "outcome", "reason", "category", "action", "prio",
	    "fix", NULL };
	unsigned seen = 0;

	memset(&r, 0, sizeof(r));
	r.category = -1;
	r.action = -1;
	r.prio = -1;
	t = next_token(c, tok, sizeof(tok));
	if (t > 0 && strcmp(tok, "@advice") == 0)
		return (parse_advice(rs, name, lineno, c, err, errlen));
	if (t <= 0 || !valid_word(tok))
		return (fail(err, errlen, name, lineno, "rule must start with an identifier"));
	/*
	 * An identifier names one rule of its file: explanations cite it.
	 * Another file (the local overrides) may reuse a built-in one.
	 */
	size_t nl = strlen(name);
	for (size_t i = 0; i < rs->nrules; i++)
		if (strcmp(rs->rules[i].id, tok) == 0 &&
		    strncmp(rs->rules[i].origin, name, nl) == 0 &&
		    rs->rules[i].origin[nl] == ':')
			return (fail(err, errlen, name, lineno,
			    "rule %s is already defined at %s", tok,
			    rs->rules[i].origin));
	r.id = strdup(tok);
	char origin[300];
	snprintf(origin, sizeof(origin), "%s:%d", name, lineno);
	r.origin = strdup(origin);

	while ((t = next_token(c, tok, sizeof(tok))) > 0) {
		if (strcmp(tok, "->") == 0) {
			if (in_results)
				goto bad_arrow;
			in_results = 1;
			continue;
		}
		char *sep = strchr(tok, in_results ? '=' : ':');
		if (sep == NULL) {
			fail(err, errlen, name, lineno, "expected %s, got \"%s\"",
			    in_results ? "key=value" : "key:value", tok);
			goto bad;
		}
		*sep = '\0';
		const char *k = tok, *v = sep + 1;
		/*
		 * Only text and re may repeat (every one must match); any
		 * other key given twice is a typo whose second value would
		 * silently win.
		 */
		for (size_t i = 0; once_keys[i] != NULL; i++) {
			if (strcmp(k, once_keys[i]) != 0)
				continue;
			if (seen & (1u << i)) {
				fail(err, errlen, name, lineno, "\"%s\" given twice", k);
				goto bad;
			}
			seen |= 1u << i;
		}
		if (!in_results) {
			have_cond = 1;
			if (strcmp(k, "text") == 0 || strcmp(k, "re") == 0) {
				if (*v == '\0') {
					fail(err, errlen, name, lineno, "empty %s", k);
					goto bad;
				}
				if (r.ntext == RULE_MAX_TEXT) {
					fail(err, errlen, name, lineno, "more than %d text conditions", RULE_MAX_TEXT);
					goto bad;
				}
				r.text_is_re[r.ntext] = (k[0] == 'r');
				r.text[r.ntext] = r.text_is_re[r.ntext] ? strdup(v) : escape_literal(v);
				r.ntext++;
			} else if (strcmp(k, "code") == 0) {
				if (parse_code_pattern(v, &r.code) != 0) {
					fail(err, errlen, name, lineno, "bad enhanced code pattern \"%s\"", v);
					goto bad;
				}
				r.has_code = 1;
			} else if (strcmp(k, "reply") == 0) {
				if (parse_reply_pattern(v, &r.reply_lo, &r.reply_hi) != 0) {
					fail(err, errlen, name, lineno, "bad reply code pattern \"%s\"", v);
					goto bad;
				}
			} else if (strcmp(k, "stage") == 0) {
				if ((r.stage = parse_stage(v)) < 0) {
					fail(err, errlen, name, lineno, "unknown stage \"%s\"", v);
					goto bad;
				}
			} else if (strcmp(k, "provider") == 0) {
				if (!valid_word(v)) {
					fail(err, errlen, name, lineno, "bad provider \"%s\"", v);
					goto bad;
				}
				r.provider = strdup(v);
			} else if (strcmp(k, "outcome") == 0) {
				enum rb_outcome o;
				if (taxonomy_outcome_parse(v, &o) != 0) {
					fail(err, errlen, name, lineno, "unknown outcome \"%s\"", v);
					goto bad;
				}
				r.outcome = (int)o;
			} else {
				fail(err, errlen, name, lineno, "unknown condition \"%s\"", k);
				goto bad;
			}
		} else {
			if (strcmp(k, "reason") == 0) {
				enum rb_reason x;
				if (taxonomy_reason_parse(v, &x) != 0) {
					fail(err, errlen, name, lineno, "unknown reason \"%s\"", v);
					goto bad;
				}
				r.reason = (int)x;
				have_reason = 1;
			} else if (strcmp(k, "category") == 0) {
				enum rb_category x;
				if (taxonomy_category_parse(v, &x) != 0) {
					fail(err, errlen, name, lineno, "unknown category \"%s\"", v);
					goto bad;
				}
				r.category = (int)x;
			} else if (strcmp(k, "action") == 0) {
				enum rb_action x;
				if (taxonomy_action_parse(v, &x) != 0) {
					fail(err, errlen, name, lineno, "unknown action \"%s\"", v);
					goto bad;
				}
				r.action = (int)x;
			} else if (strcmp(k, "prio") == 0) {
				char *e;
				long p = strtol(v, &e, 10);
				if (*v == '\0' || *e != '\0' || p < 0 || p > 999) {
					fail(err, errlen, name, lineno, "prio must be 0..999");
					goto bad;
				}
				r.prio = (int)p;
			} else if (strcmp(k, "fix") == 0) {
				r.fix = strdup(v);
			} else {
				fail(err, errlen, name, lineno, "unknown result \"%s\"", k);
				goto bad;
			}
		}
	}
	if (t == -2) {
		fail(err, errlen, name, lineno,
		    "text right after a closing quote (write \\\" for a quote inside a value)");
		goto bad;
	}
	if (t < 0) {
		fail(err, errlen, name, lineno, "unterminated quote");
		goto bad;
	}
	if (!in_results) {
bad_arrow:
		fail(err, errlen, name, lineno, "expected exactly one \"->\" between conditions and results");
		goto bad;
	}
	if (!have_cond) {
		fail(err, errlen, name, lineno, "rule has no condition");
		goto bad;
	}
	if (!have_reason) {
		fail(err, errlen, name, lineno, "rule has no reason=");
		goto bad;
	}
	/* Phrases are stronger evidence than codes by default. */
	if (r.prio < 0)
		r.prio = r.ntext > 0 ? 50 : (r.has_code ? 20 : 10);
	r.prio += prio_bonus;
	if (grow((void **)&rs->rules, &rs->rules_cap, rs->nrules, sizeof(r)) != 0) {
		fail(err, errlen, name, lineno, "out of memory");
		goto bad;
	}
	rs->rules[rs->nrules++] = r;
	return (0);
bad:
	rule_clear(&r);
	return (-1);
}

/* Call fn for each logical line (comments and blank lines skipped). */
static int
each_line(const char *name, const char *text, size_t len, char *err,
    size_t errlen, int (*fn)(void *, int, struct cursor *, char *, size_t),
    void *arg)
{
	const char *p = text, *end = text + len;
	int lineno = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		lineno++;
		if (memchr(p, '\0', (size_t)(le - p)) != NULL)
			return (fail(err, errlen, name, lineno, "NUL byte in line"));
		if (le - p > LINE_MAX_LEN)
			return (fail(err, errlen, name, lineno, "line longer than %d bytes", LINE_MAX_LEN));
		struct cursor c = { p, le };
		if (c.end > c.p && c.end[-1] == '\r')
			c.end--;
		skip_space(&c);
		if (c.p < c.end && *c.p != '#') {
			if (fn(arg, lineno, &c, err, errlen) != 0)
				return (-1);
		}
		p = nl ? nl + 1 : end;
	}
	return (0);
}

struct rule_ctx {
	struct rule_set *rs;
	const char *name;
	int bonus;
};

static int
rule_line(void *arg, int lineno, struct cursor *c, char *err, size_t errlen)
{
	struct rule_ctx *x = arg;
	return (parse_rule_line(x->rs, x->name, lineno, c, x->bonus, err, errlen));
}

int
rules_parse(struct rule_set *rs, const char *name, const char *text,
    size_t len, int prio_bonus, char *err, size_t errlen)
{
	struct rule_ctx x = { rs, name, prio_bonus };
	return (each_line(name, text, len, err, errlen, rule_line, &x));
}

static int
provider_line(void *arg, int lineno, struct cursor *c, char *err,
    size_t errlen)
{
	struct rule_ctx *x = arg;
	struct rule_set *rs = x->rs;
	char kind[64], pat[256], prov[64], extra[8];
	struct provider_pat pp;

	if (next_token(c, kind, sizeof(kind)) <= 0 ||
	    next_token(c, pat, sizeof(pat)) <= 0 ||
	    next_token(c, prov, sizeof(prov)) <= 0)
		return (fail(err, errlen, x->name, lineno, "expected: domain|mx PATTERN PROVIDER"));
	if (next_token(c, extra, sizeof(extra)) != 0)
		return (fail(err, errlen, x->name, lineno, "trailing text after provider"));
	memset(&pp, 0, sizeof(pp));
	if (strcmp(kind, "domain") == 0)
		pp.is_mx = 0;
	else if (strcmp(kind, "mx") == 0)
		pp.is_mx = 1;
	else
		return (fail(err, errlen, x->name, lineno, "unknown kind \"%s\" (domain or mx)", kind));
	char *p = pat;
	size_t pl = strlen(p);
	if (strncmp(p, "*.", 2) == 0) {
		pp.suffix = 1;
		p += 2;
	} else if (pl > 2 && strcmp(p + pl - 2, ".*") == 0) {
		pp.anytld = 1;
		p[pl - 2] = '\0';
	}
	if (!valid_word(p) || !valid_word(prov))
		return (fail(err, errlen, x->name, lineno, "bad pattern or provider name"));
	pp.pattern = strdup(p);
	util_lower(pp.pattern);
	pp.patlen = strlen(pp.pattern);
	pp.provider = strdup(prov);
	if (grow((void **)&rs->prov, &rs->prov_cap, rs->nprov, sizeof(pp)) != 0)
		return (fail(err, errlen, x->name, lineno, "out of memory"));
	rs->prov[rs->nprov++] = pp;
	return (0);
}

int
rules_parse_providers(struct rule_set *rs, const char *name,
    const char *text, size_t len, char *err, size_t errlen)
{
	struct rule_ctx x = { rs, name, 0 };
	return (each_line(name, text, len, err, errlen, provider_line, &x));
}

void
rules_free(struct rule_set *rs)
{
	for (size_t i = 0; i < rs->nrules; i++)
		rule_clear(&rs->rules[i]);
	free(rs->rules);
	for (size_t i = 0; i < rs->nprov; i++) {
		free(rs->prov[i].pattern);
		free(rs->prov[i].provider);
	}
	free(rs->prov);
	for (size_t i = 0; i < rs->nadvice; i++) {
		free(rs->advice[i].provider);
		free(rs->advice[i].text);
	}
	free(rs->advice);
	memset(rs, 0, sizeof(*rs));
}
