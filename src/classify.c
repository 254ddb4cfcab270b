/*
 * classify.c - the classification engine (see classify.h).
 *
 * classifier_load() parses the rule data (rules_parse.c), compiles every
 * text condition of every rule into ONE Vectorscan database, and indexes
 * rules by pattern.  classify() normalises the reply text once (line ends,
 * multi-line "550-" continuations, runs of blanks), scans it once, and then
 * lets precedence decide among the rules whose conditions all hold: the
 * highest priority wins, ties go to the rule defined first.  Category and
 * action follow from the reason and the permanence of the failure unless a
 * rule names them.
 *
 * A classifier is immutable after load and may be shared by threads; each
 * thread brings its own classify_scratch.  No I/O except reading the
 * named files in classifier_load().
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <hs/hs.h>

#include "classify.h"
#include "rules.h"
#include "util.h"

/* Only the head of a reply decides; the rest is quoted mail or noise. */
#define SCAN_MAX	8192

/*
 * Markers the engine itself looks for in the same scan as the rules: where
 * in the SMTP dialogue the reply came (Postfix "(in reply to RCPT TO
 * command)", Exim "after RCPT TO", qmail "did not like our RCPT TO"), and
 * the signs that a DATA-time reply repeats an earlier RCPT refusal.
 */
enum marker {
	MARK_EOM, MARK_DATA, MARK_RCPT, MARK_MAIL, MARK_HELO, MARK_CONNECT,
	MARK_RCPT_REFUSED, MARK__COUNT
};
static const char *const marker_re[MARK__COUNT] = {
	"(in reply to|after|did not like our) (end of data|final data)",
	"(in reply to|after|did not like our) data( command)?",
	"(in reply to|after|did not like our) rcpt to",
	"(in reply to|after|did not like our) mail from",
	"(in reply to|after|did not like our) (helo|ehlo)",
	"after initial connection",
	"need rcpt|no valid recipients|rcpt commands were rejected|must precede data|rcpt before data|need recipient",
};
static const enum rb_stage marker_stage[MARK__COUNT] = {
	RB_STAGE_EOM, RB_STAGE_DATA, RB_STAGE_RCPT, RB_STAGE_MAIL,
	RB_STAGE_HELO, RB_STAGE_CONNECT, RB_STAGE_UNKNOWN,
};

/*
 * The provider map as a hash table: a host name is looked up whole, by each
 * suffix below one of its dots and by each prefix before one, one probe
 * each, instead of being compared with every line of the map.
 */
enum { PK_WHOLE, PK_BELOW, PK_ANYTLD, PK__COUNT };

struct prov_slot {
	const char *key;	/* NULL: empty slot */
	size_t len;
	unsigned kind;		/* is_mx * PK__COUNT + PK_* */
	unsigned line;		/* index into rs.prov: the first line wins */
};

struct classifier {
	struct rule_set rs;
	hs_database_t *db;
	unsigned npat;
	unsigned *pat_rule;	/* pattern id -> rule index */
	size_t *code_rules;	/* rules without text conditions */
	size_t ncode_rules;
	/*
	 * Provider names are interned: name 0 is "other", then those of the
	 * map, then those only rules or advice mention.  A verdict's provider
	 * is a name id, so rules compare ids and the advice is a table.
	 */
	const char **pname;
	unsigned npname;
	unsigned *line_pid;	/* rs.prov[i] -> name id */
	unsigned *rule_pid;	/* rules[i] -> name id of provider:, or NO_PID */
	struct prov_slot *ptab;
	size_t ptab_mask;
	uint64_t plens[2 * PK__COUNT];	/* key lengths present, 63 = longer */
	const char **advice_tab;	/* [category * npname + name id] */
};

#define NO_PID	UINT_MAX

static int index_providers(struct classifier *, char *, size_t);

struct classify_scratch {
	hs_scratch_t *hs;
	unsigned npat;
	uint8_t *hit;		/* per pattern, cleared through touched[] */
	unsigned *touched;
	unsigned ntouched;
	unsigned long long mark_at[MARK__COUNT];	/* end offset + 1, 0 = none */
	char text[SCAN_MAX + 1];
};

/* ---- defaults that follow from the reason ---- */

static enum rb_category
category_of_reason(enum rb_reason r)
{
	switch (r) {
	case RB_REASON_USERUNKNOWN:
	case RB_REASON_HASMOVED:
		return (RB_CATEGORY_INVALID_ADDRESS);
	case RB_REASON_HOSTUNKNOWN:
	case RB_REASON_NOTACCEPT:
		return (RB_CATEGORY_INVALID_DOMAIN);
	case RB_REASON_SUSPEND:
		return (RB_CATEGORY_MAILBOX_INACTIVE);
	case RB_REASON_MAILBOXFULL:
		return (RB_CATEGORY_MAILBOX_FULL);
	case RB_REASON_EXCEEDLIMIT:
	case RB_REASON_MESGTOOBIG:
	case RB_REASON_EMAILTOOLARGE:
	case RB_REASON_NOTCOMPLIANTRFC:
	case RB_REASON_SYNTAXERROR:
		return (RB_CATEGORY_MESSAGE);
	case RB_REASON_AUTHFAILURE:
	case RB_REASON_REQUIREPTR:
	case RB_REASON_SECURITYERROR:
		return (RB_CATEGORY_AUTHENTICATION);
	case RB_REASON_BADREPUTATION:
		return (RB_CATEGORY_REPUTATION);
	case RB_REASON_BLOCKED:
		return (RB_CATEGORY_BLOCKLIST);
	case RB_REASON_SPAMDETECTED:
	case RB_REASON_VIRUSDETECTED:
	case RB_REASON_CONTENTERROR:
	case RB_REASON_FILTERED:
		return (RB_CATEGORY_CONTENT);
	case RB_REASON_POLICYVIOLATION:
	case RB_REASON_REJECTED:
	case RB_REASON_NORELAYING:
	case RB_REASON_SUPPRESSED:
		return (RB_CATEGORY_POLICY);
	case RB_REASON_SPEEDING:
	case RB_REASON_TOOMANYCONN:
		return (RB_CATEGORY_RATE_LIMIT);
	case RB_REASON_SYSTEMERROR:
	case RB_REASON_SYSTEMFULL:
	case RB_REASON_MAILERERROR:
		return (RB_CATEGORY_REMOTE_SERVER);
	case RB_REASON_NETWORKERROR:
	case RB_REASON_FAILEDSTARTTLS:
		return (RB_CATEGORY_NETWORK);
	case RB_REASON_EXPIRED:
		return (RB_CATEGORY_EXPIRED);
	case RB_REASON_FEEDBACK:
		return (RB_CATEGORY_COMPLAINT);
	case RB_REASON_VACATION:
		return (RB_CATEGORY_AUTOREPLY);
	case RB_REASON_DELIVERED:
		return (RB_CATEGORY_DELIVERED);
	default:
		return (RB_CATEGORY_OTHER);
	}
}

/*
 * What to do follows from what to fix and whether the failure is
 * permanent.  Only evidence about the recipient suppresses, and only when
 * the receiver said so for good; sender-side problems are warnings.
 */
static enum rb_action
action_of(enum rb_category c, int permanent)
{
	switch (c) {
	case RB_CATEGORY_INVALID_ADDRESS:
	case RB_CATEGORY_INVALID_DOMAIN:
	case RB_CATEGORY_MAILBOX_INACTIVE:
		return (permanent ? RB_ACTION_SUPPRESS : RB_ACTION_RETRY);
	case RB_CATEGORY_COMPLAINT:
		return (RB_ACTION_SUPPRESS);
	case RB_CATEGORY_MAILBOX_FULL:
	case RB_CATEGORY_NETWORK:
	case RB_CATEGORY_REMOTE_SERVER:
	case RB_CATEGORY_EXPIRED:
		return (RB_ACTION_RETRY);
	case RB_CATEGORY_REPUTATION:
		return (permanent ? RB_ACTION_FIX_SENDER : RB_ACTION_SLOW_DOWN);
	case RB_CATEGORY_RATE_LIMIT:
		return (RB_ACTION_SLOW_DOWN);
	case RB_CATEGORY_AUTHENTICATION:
	case RB_CATEGORY_BLOCKLIST:
	case RB_CATEGORY_CONTENT:
	case RB_CATEGORY_POLICY:
	case RB_CATEGORY_MESSAGE:
		return (RB_ACTION_FIX_SENDER);
	/*
	 * A loop or a relay that cannot route is this system's to fix; a
	 * DNS lookup that failed for now ("Host not found, try again") is
	 * retried by the MTA like any transient failure.
	 */
	case RB_CATEGORY_ROUTING:
		return (permanent ? RB_ACTION_FIX_SENDER : RB_ACTION_RETRY);
	case RB_CATEGORY_AUTOREPLY:
	case RB_CATEGORY_DELIVERED:
		return (RB_ACTION_NONE);
	default:
		return (RB_ACTION_REVIEW);
	}
}

/* ---- loading ---- */

static char *
read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > 64 * 1024 * 1024) {
				snprintf(err, errlen, "%s: file too large", path);
				goto fail;
			}
			char *nb = realloc(buf, cap);
			if (nb == NULL) {
				snprintf(err, errlen, "%s: out of memory", path);
				goto fail;
			}
			buf = nb;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, fp);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	fclose(fp);
	buf[n] = '\0';
	*len = n;
	return (buf);
fail:
	fclose(fp);
	free(buf);
	return (NULL);
}

static int
load_file(struct rule_set *rs, const char *path, int providers, int bonus,
    char *err, size_t errlen)
{
	size_t len;
	char *text = read_file(path, &len, err, errlen);
	int rc;

	if (text == NULL)
		return (-1);
	rc = providers ?
	    rules_parse_providers(rs, path, text, len, err, errlen) :
	    rules_parse(rs, path, text, len, bonus, err, errlen);
	free(text);
	return (rc);
}

/* qsort has no context argument; compile() runs under the loader only. */
static const struct rule_set *code_rules_rs;

static int
by_precedence(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int px = code_rules_rs->rules[x].prio, py = code_rules_rs->rules[y].prio;

	if (px != py)
		return (py - px);
	return (x < y ? -1 : x > y);
}

static int
compile(struct classifier *cl, char *err, size_t errlen)
{
	struct rule_set *rs = &cl->rs;
	unsigned n = 0;

	for (size_t i = 0; i < rs->nrules; i++)
		n += (unsigned)rs->rules[i].ntext;
	cl->code_rules = calloc(rs->nrules + 1, sizeof(*cl->code_rules));
	cl->pat_rule = calloc(n + 1, sizeof(*cl->pat_rule));
	const char **exprs = calloc(n + MARK__COUNT, sizeof(*exprs));
	unsigned *flags = calloc(n + MARK__COUNT, sizeof(*flags));
	unsigned *ids = calloc(n + MARK__COUNT, sizeof(*ids));
	int rc = -1;

	if (!cl->code_rules || !cl->pat_rule || !exprs || !flags || !ids) {
		snprintf(err, errlen, "classifier: out of memory");
		goto out;
	}
	unsigned k = 0;
	for (size_t i = 0; i < rs->nrules; i++) {
		struct rule *r = &rs->rules[i];
		if (r->ntext == 0)
			cl->code_rules[cl->ncode_rules++] = i;
		for (int t = 0; t < r->ntext; t++) {
			exprs[k] = r->text[t];
			flags[k] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH |
			    HS_FLAG_DOTALL;
			ids[k] = k;
			cl->pat_rule[k] = (unsigned)i;
			r->pattern[t] = (int)k;
			k++;
		}
	}
	/*
	 * Code-only rules in order of precedence, so the search can stop at
	 * the first that holds, or as soon as none could beat the best text
	 * rule.
	 */
	code_rules_rs = rs;
	qsort(cl->code_rules, cl->ncode_rules, sizeof(*cl->code_rules),
	    by_precedence);
	cl->npat = n;
	/* The engine's own markers follow the rules' patterns. */
	for (unsigned m = 0; m < MARK__COUNT; m++, k++) {
		exprs[k] = marker_re[m];
		flags[k] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
		ids[k] = n + m;
	}
	{
		hs_compile_error_t *ce = NULL;
		if (hs_compile_multi(exprs, flags, ids, n + MARK__COUNT, HS_MODE_BLOCK, NULL,
		    &cl->db, &ce) != HS_SUCCESS) {
			/* Name the rule whose expression was refused. */
			const char *origin = "rules";
			if (ce != NULL && ce->expression >= 0 &&
			    (unsigned)ce->expression < n)
				origin = rs->rules[cl->pat_rule[ce->expression]].origin;
			snprintf(err, errlen, "%s: bad pattern: %s", origin,
			    ce ? ce->message : "unknown error");
			hs_free_compile_error(ce);
			goto out;
		}
	}
	rc = 0;
out:
	free(exprs);
	free(flags);
	free(ids);
	return (rc);
}

struct classifier *
classifier_load(const char *rules_path, const char *local_path,
    const char *providers_path, char *err, size_t errlen)
{
	struct classifier *cl = calloc(1, sizeof(*cl));

	if (cl == NULL) {
		snprintf(err, errlen, "classifier: out of memory");
		return (NULL);
	}
	/*
	 * Local overrides come first and get a large priority bonus, so they
	 * win both by priority and, among equals, by order.
	 */
	if (local_path != NULL &&
	    load_file(&cl->rs, local_path, 0, 1000, err, errlen) != 0)
		goto fail;
	if (rules_path != NULL) {
		if (load_file(&cl->rs, rules_path, 0, 0, err, errlen) != 0)
			goto fail;
	} else {
		for (const struct rules_builtin *b = rules_builtin_rules;
		    b->name != NULL; b++)
			if (rules_parse(&cl->rs, b->name, b->text,
			    strlen(b->text), 0, err, errlen) != 0)
				goto fail;
	}
	if (providers_path != NULL) {
		if (load_file(&cl->rs, providers_path, 1, 0, err, errlen) != 0)
			goto fail;
	} else {
		for (const struct rules_builtin *b = rules_builtin_providers;
		    b->name != NULL; b++)
			if (rules_parse_providers(&cl->rs, b->name, b->text,
			    strlen(b->text), err, errlen) != 0)
				goto fail;
	}
	if (compile(cl, err, errlen) != 0 ||
	    index_providers(cl, err, errlen) != 0)
		goto fail;
	return (cl);
fail:
	classifier_free(cl);
	return (NULL);
}

void
classifier_free(struct classifier *cl)
{
	if (cl == NULL)
		return;
	if (cl->db != NULL)
		hs_free_database(cl->db);
	free(cl->pat_rule);
	free(cl->code_rules);
	free(cl->pname);
	free(cl->line_pid);
	free(cl->rule_pid);
	free(cl->ptab);
	free(cl->advice_tab);
	rules_free(&cl->rs);
	free(cl);
}

size_t
classifier_rule_count(const struct classifier *cl)
{
	return (cl->rs.nrules);
}

struct classify_scratch *
classify_scratch_new(const struct classifier *cl)
{
	struct classify_scratch *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return (NULL);
	s->npat = cl->npat;
	s->hit = calloc(cl->npat + 1, 1);
	s->touched = calloc(cl->npat + 1, sizeof(*s->touched));
	if (s->hit == NULL || s->touched == NULL ||
	    (cl->db != NULL && hs_alloc_scratch(cl->db, &s->hs) != HS_SUCCESS)) {
		classify_scratch_free(s);
		return (NULL);
	}
	return (s);
}

void
classify_scratch_free(struct classify_scratch *s)
{
	if (s == NULL)
		return;
	if (s->hs != NULL)
		hs_free_scratch(s->hs);
	free(s->hit);
	free(s->touched);
	free(s);
}

/* ---- providers ---- */

static uint32_t
prov_hash(unsigned kind, const char *key, size_t len)
{
	uint32_t h = 2166136261u ^ kind;	/* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)key[i]) * 16777619u;
	return (h);
}

static void
prov_insert(struct classifier *cl, unsigned kind, const char *key,
    size_t len, unsigned line)
{
	size_t i = prov_hash(kind, key, len) & cl->ptab_mask;

	for (; cl->ptab[i].key != NULL; i = (i + 1) & cl->ptab_mask)
		if (cl->ptab[i].kind == kind && cl->ptab[i].len == len &&
		    memcmp(cl->ptab[i].key, key, len) == 0)
			return;		/* an earlier line has it */
	cl->ptab[i].key = key;
	cl->ptab[i].len = len;
	cl->ptab[i].kind = kind;
	cl->ptab[i].line = line;
	cl->plens[kind] |= (uint64_t)1 << (len < 63 ? len : 63);
}

/* The map line for key, or UINT_MAX. */
static unsigned
prov_probe(const struct classifier *cl, unsigned kind, const char *key,
    size_t len)
{
	if ((cl->plens[kind] & ((uint64_t)1 << (len < 63 ? len : 63))) == 0)
		return (UINT_MAX);
	for (size_t i = prov_hash(kind, key, len) & cl->ptab_mask;
	    cl->ptab[i].key != NULL; i = (i + 1) & cl->ptab_mask)
		if (cl->ptab[i].kind == kind && cl->ptab[i].len == len &&
		    memcmp(cl->ptab[i].key, key, len) == 0)
			return (cl->ptab[i].line);
	return (UINT_MAX);
}

/* The id of a provider name, added when new; NO_PID without memory. */
static unsigned
intern_pname(struct classifier *cl, const char *name, size_t *cap)
{
	for (unsigned i = 0; i < cl->npname; i++)
		if (strcmp(cl->pname[i], name) == 0)
			return (i);
	if (cl->npname == *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;
		const char **np = realloc(cl->pname, ncap * sizeof(*np));
		if (np == NULL)
			return (NO_PID);
		cl->pname = np;
		*cap = ncap;
	}
	cl->pname[cl->npname] = name;
	return (cl->npname++);
}

/* The advice for a category and provider: the provider's own, if any. */
static const char *
advice_lookup(const struct rule_set *rs, int c, const char *provider)
{
	const char *generic = NULL;

	for (size_t i = 0; i < rs->nadvice; i++) {
		const struct advice *a = &rs->advice[i];
		if (a->category != c)
			continue;
		if (a->provider == NULL) {
			if (generic == NULL)
				generic = a->text;
		} else if (strcmp(a->provider, provider) == 0) {
			return (a->text);
		}
	}
	return (generic != NULL ? generic : "");
}

/*
 * Index the provider map, intern the provider names and lay out the
 * advice per category and provider, so that classify() neither walks the
 * map nor compares names.
 */
static int
index_providers(struct classifier *cl, char *err, size_t errlen)
{
	struct rule_set *rs = &cl->rs;
	size_t cap = 0, nkeys = 0;

	cl->line_pid = calloc(rs->nprov + 1, sizeof(*cl->line_pid));
	cl->rule_pid = calloc(rs->nrules + 1, sizeof(*cl->rule_pid));
	if (cl->line_pid == NULL || cl->rule_pid == NULL ||
	    intern_pname(cl, "other", &cap) == NO_PID)
		goto nomem;
	for (size_t i = 0; i < rs->nprov; i++) {
		if ((cl->line_pid[i] = intern_pname(cl, rs->prov[i].provider,
		    &cap)) == NO_PID)
			goto nomem;
		nkeys += rs->prov[i].suffix ? 2 : 1;
	}
	for (size_t i = 0; i < rs->nrules; i++) {
		cl->rule_pid[i] = NO_PID;
		if (rs->rules[i].provider != NULL &&
		    (cl->rule_pid[i] = intern_pname(cl, rs->rules[i].provider,
		    &cap)) == NO_PID)
			goto nomem;
	}
	size_t size = 16;
	while (size < nkeys * 2)
		size *= 2;
	cl->ptab = calloc(size, sizeof(*cl->ptab));
	if (cl->ptab == NULL)
		goto nomem;
	cl->ptab_mask = size - 1;
	for (size_t i = 0; i < rs->nprov; i++) {
		const struct provider_pat *pp = &rs->prov[i];
		unsigned base = pp->is_mx ? PK__COUNT : 0;
		if (pp->anytld) {
			prov_insert(cl, base + PK_ANYTLD, pp->pattern, pp->patlen,
			    (unsigned)i);
			continue;
		}
		/* "*.example.com" is example.com itself too. */
		prov_insert(cl, base + PK_WHOLE, pp->pattern, pp->patlen,
		    (unsigned)i);
		if (pp->suffix)
			prov_insert(cl, base + PK_BELOW, pp->pattern, pp->patlen,
			    (unsigned)i);
	}
	cl->advice_tab = calloc((size_t)RB_CATEGORY__COUNT * cl->npname,
	    sizeof(*cl->advice_tab));
	if (cl->advice_tab == NULL)
		goto nomem;
	for (int c = 0; c < RB_CATEGORY__COUNT; c++)
		for (unsigned p = 0; p < cl->npname; p++)
			cl->advice_tab[(size_t)c * cl->npname + p] =
			    advice_lookup(rs, c, cl->pname[p]);
	return (0);
nomem:
	snprintf(err, errlen, "classifier: out of memory");
	return (-1);
}

/*
 * The host part of name as the map spells it: lower case, at most 255
 * bytes, without "[192.0.2.1]:25" (and for a recipient without a closing
 * '>') and without trailing dots.  Returns its length.
 */
static size_t
host_key(const char *name, int recipient, char host[256])
{
	size_t n = 0;

	for (; n < 255 && name[n] != '\0' && name[n] != '[' &&
	    !(recipient && name[n] == '>'); n++) {
		unsigned char c = (unsigned char)name[n];
		host[n] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	while (n > 0 && host[n - 1] == '.')
		n--;
	return (n);
}

/*
 * The name id of the first map line of the kind (domain or MX) that
 * matches, or NO_PID: the host itself, every name below one of its dots
 * ("*.example.com") and every name before one ("hotmail.*", which needs
 * something after the dot).
 */
static unsigned
provider_find(const struct classifier *cl, int is_mx, const char *name,
    int recipient)
{
	char host[256];
	size_t hl;
	unsigned base = is_mx ? PK__COUNT : 0, best;

	if (name == NULL || *name == '\0')
		return (NO_PID);
	hl = host_key(name, recipient, host);
	best = prov_probe(cl, base + PK_WHOLE, host, hl);
	for (size_t d = 1; d + 1 < hl; d++) {
		if (host[d] != '.')
			continue;
		unsigned l = prov_probe(cl, base + PK_BELOW, host + d + 1,
		    hl - d - 1);
		if (l < best)
			best = l;
		l = prov_probe(cl, base + PK_ANYTLD, host, d);
		if (l < best)
			best = l;
	}
	return (best == UINT_MAX ? NO_PID : cl->line_pid[best]);
}

/*
 * Does the text say that the recipient's domain, one the provider map
 * names as a domain, was not found?  The text must name it ("name=
 * gmail.com type=MX"): a reply that names another domain is about that
 * one.
 */
static int
provider_domain_named(const struct classifier *cl, const char *recipient,
    const char *text, size_t textlen)
{
	const char *at = strrchr(recipient, '@');
	const char *dom = at ? at + 1 : recipient;
	size_t dl = strlen(dom);

	return (dl >= 4 && provider_find(cl, 0, dom, 1) != NO_PID &&
	    util_memcasemem(text, textlen, dom) != NULL);
}

/*
 * The host name a failed lookup names: Sendmail's "Name server: NAME:
 * host not found", Postfix's "Name service error for name=NAME type=A".
 * Copied to out without quotes, brackets or a final dot; 0 if none.
 */
static int
looked_up_name(const char *text, size_t textlen, char *out, size_t outsz)
{
	static const char *const keys[] = { "name server: ", "name=" };

	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		const char *p = util_memcasemem(text, textlen, keys[k]);
		if (p == NULL)
			continue;
		p += strlen(keys[k]);
		const char *end = text + textlen;
		size_t n = 0;
		while (p < end && (*p == '\'' || *p == '"' || *p == '['))
			p++;
		while (p < end && *p != ':' && *p != ' ' && *p != '\'' &&
		    *p != '"' && *p != ']' && n + 1 < outsz)
			out[n++] = *p++;
		while (n > 0 && out[n - 1] == '.')
			n--;
		out[n] = '\0';
		if (n > 0)
			return (1);
	}
	return (0);
}

/*
 * "Host not found" for a name that is neither the recipient's domain nor
 * a host under it: the lookup that failed was of a relay (Sendmail's
 * mailer=relay to a smart host; Postfix's relayhost) or of an MX host in
 * another domain -- not proof that the recipient's domain is dead.
 * Returns 2 when that name is the relay this system was using (its own
 * configuration to fix), 1 for another name, 0 when the recipient's
 * domain is the one named or nothing is named.
 */
static int
other_name_not_found(const char *recipient, const char *mx,
    const char *text, size_t textlen)
{
	char name[256];
	const char *at = strrchr(recipient, '@');

	if (recipient[0] == '\0' ||
	    !looked_up_name(text, textlen, name, sizeof(name)))
		return (0);
	if (at == NULL)		/* a local name: any lookup was a relay's */
		at = recipient + strlen(recipient) - 1;
	/*
	 * The recipient's side: a name that ends in the last two labels of
	 * its domain (mx2.example.org for bob@example.org or for
	 * bob@mail.example.org).
	 */
	const char *dom = at + 1;
	const char *tail = dom + strlen(dom);
	for (int dots = 0; tail > dom; tail--)
		if (tail[-1] == '.' && ++dots == 2)
			break;
	size_t dl = strlen(tail), nl = strlen(name);
	if ((nl == dl && strcasecmp(name, tail) == 0) ||
	    (nl > dl && name[nl - dl - 1] == '.' &&
	    strcasecmp(name + nl - dl, tail) == 0))
		return (0);
	if (mx != NULL) {
		while (*mx == '\'' || *mx == '[')
			mx++;
		size_t ml = strcspn(mx, "[]' :");
		while (ml > 0 && mx[ml - 1] == '.')
			ml--;
		if (ml == nl && strncasecmp(mx, name, nl) == 0)
			return (2);
	}
	return (1);
}

/* The MX is the better witness; then the recipient's domain. */
static unsigned
provider_of(const struct classifier *cl, const char *recipient,
    const char *mx)
{
	unsigned p = provider_find(cl, 1, mx, 0);

	if (p == NO_PID && recipient != NULL) {
		const char *at = strrchr(recipient, '@');
		p = provider_find(cl, 0, at ? at + 1 : recipient, 1);
	}
	return (p == NO_PID ? 0 : p);
}

const char *
classifier_provider(const struct classifier *cl, const char *recipient,
    const char *mx)
{
	return (cl->pname[provider_of(cl, recipient, mx)]);
}

const char *
classifier_provider_name(const struct classifier *cl, unsigned i)
{
	return (i < cl->npname ? cl->pname[i] : NULL);
}

/* ---- text and codes ---- */

/*
 * Copy text into buf, folding line ends and tabs into single blanks, so
 * phrases that were folded across lines still match.
 */
/* 1: folds into a blank. */
static const unsigned char fold[256] = {
	[0] = 1, ['\t'] = 1, [' '] = 1, ['\n'] = 1, ['\r'] = 1,
};

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define RUN_WORDS	1
#endif

/*
 * End of the run that starts at text[i] (a byte that does not fold) and
 * that normalise() copies unchanged: bytes that do not fold, and single
 * blanks between two of them.  Most replies are one such run, so words
 * are not copied one at a time, and eight bytes are tested at once for
 * one at or below ' ' where the compiler allows.
 */
static size_t
run_end(const char *text, size_t i, size_t len)
{
	for (;;) {
#ifdef RUN_WORDS
		while (i + 8 <= len) {
			uint64_t w, low;
			memcpy(&w, text + i, 8);
			/* The lowest flagged byte is the first one <= ' '. */
			low = (w - 0x2121212121212121ull) & ~w &
			    0x8080808080808080ull;
			if (low != 0) {
				i += (size_t)__builtin_ctzll(low) / 8;
				break;
			}
			i += 8;
		}
#endif
		while (i < len && (unsigned char)text[i] > ' ')
			i++;
		if (i >= len)
			return (len);
		if (fold[(unsigned char)text[i]] == 0 ||
		    (text[i] == ' ' && i + 1 < len &&
		    fold[(unsigned char)text[i + 1]] == 0))
			i++;		/* a control byte, or one blank */
		else
			return (i);
	}
}

static size_t
normalise(const char *text, size_t len, char *buf, size_t cap)
{
	size_t n = 0, i = 0;

	while (i < len && n < cap) {
		/* A run of ordinary bytes is copied as it is. */
		if (fold[(unsigned char)text[i]] == 0) {
			size_t j = run_end(text, i, len);
			size_t run = j - i < cap - n ? j - i : cap - n;
			memcpy(buf + n, text + i, run);
			n += run;
			i += run;
			continue;
		}
		/*
		 * Blanks, tabs, NULs and line ends become one blank; the
		 * codes that start continuation lines then go with the other
		 * repeats (drop_repeated_codes).
		 */
		if (n > 0 && buf[n - 1] != ' ')
			buf[n++] = ' ';
		i++;
	}
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
	/*
	 * Mask the local parts of addresses: "<filtered@example.net>" or
	 * "does-not-exist@example.com" name a mailbox, they say nothing about
	 * why it failed, and no phrase may match inside them.
	 */
	for (char *at = memchr(buf, '@', n); at != NULL;
	    at = memchr(at + 1, '@', n - (size_t)(at + 1 - buf))) {
		for (char *p = at - 1; p >= buf && *p != ' ' && *p != '<' &&
		    *p != '(' && *p != ':' && *p != '"' && *p != '\'' &&
		    *p != '[' && *p != ','; p--)
			*p = 'x';
		if (at + 1 >= buf + n)
			break;
	}
	/*
	 * Mask host names given with their address ("spamfilter.example.net
	 * [192.0.2.7]", as Postfix writes them): a relay's name says who
	 * answered, not why; "spam" in it is no spam verdict.
	 */
	for (char *lb = memchr(buf, '[', n); lb != NULL;
	    lb = memchr(lb + 1, '[', n - (size_t)(lb + 1 - buf))) {
		if (lb + 1 >= buf + n || !isdigit((unsigned char)lb[1]) ||
		    lb == buf || lb[-1] == ' ')
			continue;
		int dot = 0;
		char *p = lb - 1;
		while (p >= buf && (isalnum((unsigned char)*p) || *p == '.' ||
		    *p == '-'))
			dot |= *p-- == '.';
		if (!dot)
			continue;
		for (p++; p < lb; p++)
			if (isalpha((unsigned char)*p))
				*p = 'x';
	}
	return (n);
}

/*
 * A multi-line reply keeps each line's codes, whether normalise()
 * folded its lines into blanks or an MTA joined them (Postfix logs
 * Gmail's "550-5.7.1 ... with multiple 550 5.7.1 addresses in From:
 * header"), and a phrase cut by a repeated code would not match.  From
 * the first continuation code that starts a word ("550-"), remove its
 * later repeats that start a word: "550-", and "550 " or a bare
 * enhanced code when that code is the same as the first line's.  Other
 * numbers ("552 bytes", a different code a relay quotes) stay.  Returns
 * the new length.
 */
static size_t parse_enhanced_at(const char *, const char *, struct code_pat *);
static int after_continuation(const char *, size_t);

static size_t
drop_repeated_codes(char *buf, size_t n)
{
	char *p = buf, *end = buf + n;

	/*
	 * The first "550-" that starts a word; dashes are few, and most
	 * replies are one line and have none after a code.
	 */
	for (;;) {
		p = memchr(p, '-', (size_t)(end - p));
		if (p == NULL)
			return (n);
		size_t i = (size_t)(p - buf);
		p++;
		if (after_continuation(buf, i + 1)) {
			p = buf + i - 3;
			break;
		}
	}
	char code[4] = { p[0], p[1], p[2], '\0' };
	/* The first line's enhanced code, as written ("5.7.1"). */
	const char *e = p + 4;
	size_t el = 0;
	struct code_pat cp;
	if (e < end && (el = parse_enhanced_at(e, end, &cp)) > 0 &&
	    (e + el < end && e[el] != ' '))
		el = 0;
	char enh[16];
	if (el >= sizeof(enh))
		el = 0;
	memcpy(enh, e, el);
	enh[el] = '\0';

	char *o = p + 4 + (el > 0 ? el : 0);
	const char *r = o;
	while (r < end) {
		/* Copy up to and including the next blank. */
		const char *sp = memchr(r, ' ', (size_t)(end - r));
		if (sp == NULL) {
			memmove(o, r, (size_t)(end - r));
			o += end - r;
			break;
		}
		sp++;
		memmove(o, r, (size_t)(sp - r));
		o += sp - r;
		r = sp;
		/* r starts a word: drop "550-", "550 5.7.1 ", "5.7.1 ". */
		size_t left = (size_t)(end - r);
		if (left >= 4 && memcmp(r, code, 3) == 0 &&
		    (r[3] == '-' || r[3] == ' ')) {
			const char *q = r + 4;
			int same_enh = el > 0 && (size_t)(end - q) >= el &&
			    memcmp(q, enh, el) == 0 &&
			    (q + el == end || q[el] == ' ');
			if (r[3] == '-' || same_enh) {
				r = q;
				if (same_enh)
					r = q + el < end ? q + el + 1 : q + el;
				continue;
			}
		} else if (el > 0 && left >= el && memcmp(r, enh, el) == 0 &&
		    (r + el == end || r[el] == ' ')) {
			r = r + el < end ? r + el + 1 : r + el;
			continue;
		}
	}
	while (o > buf && o[-1] == ' ')
		o--;
	*o = '\0';
	return ((size_t)(o - buf));
}

/* Parse "d.ddd.ddd" at s; return its length or 0. */
static size_t
parse_enhanced_at(const char *s, const char *end, struct code_pat *cp)
{
	const char *p = s;
	int part[3];

	if (p >= end || (*p != '2' && *p != '4' && *p != '5'))
		return (0);
	part[0] = *p++ - '0';
	for (int k = 1; k < 3; k++) {
		if (p >= end || *p != '.')
			return (0);
		p++;
		int v = 0, digits = 0;
		while (p < end && isdigit((unsigned char)*p) && digits < 4) {
			v = v * 10 + (*p - '0');
			p++;
			digits++;
		}
		if (digits == 0 || digits > 3)
			return (0);
		part[k] = v;
	}
	/* Not part of a longer number such as an IP address or version. */
	if (p < end && (isdigit((unsigned char)*p) ||
	    (*p == '.' && p + 1 < end && isdigit((unsigned char)p[1]))))
		return (0);
	cp->cls = part[0];
	cp->subj = part[1];
	cp->detail = part[2];
	return ((size_t)(p - s));
}

static char *
put_num(char *o, int v)
{
	if (v >= 100)
		*o++ = (char)('0' + v / 100);
	if (v >= 10)
		*o++ = (char)('0' + v / 10 % 10);
	*o++ = (char)('0' + v % 10);
	return (o);
}

/* "5.7.26" into a buffer of RB_ENHANCED_MAX; parts are at most 999. */
static void
format_code(const struct code_pat *c, char *out)
{
	char *o = put_num(out, c->cls);
	*o++ = '.';
	o = put_num(o, c->subj);
	*o++ = '.';
	o = put_num(o, c->detail);
	*o = '\0';
}

/* t[i] follows a reply code's continuation dash: "550-5.1.1". */
static int
after_continuation(const char *t, size_t i)
{
	return (i >= 4 && isdigit((unsigned char)t[i - 2]) &&
	    isdigit((unsigned char)t[i - 3]) &&
	    (t[i - 4] == '2' || t[i - 4] == '4' || t[i - 4] == '5') &&
	    (i == 4 || t[i - 5] == ' '));
}

static int
find_enhanced(const char *t, size_t n, struct code_pat *cp)
{
	/*
	 * A code has a dot right after its class digit: look for dots
	 * (memchr is fast) rather than testing every byte.
	 */
	for (const char *d = n > 1 ? memchr(t + 1, '.', n - 1) : NULL; d != NULL;
	    d = (size_t)(d + 1 - t) < n ? memchr(d + 1, '.', n - (size_t)(d + 1 - t)) : NULL) {
		size_t i = (size_t)(d - 1 - t);
		if (t[i] != '2' && t[i] != '4' && t[i] != '5')
			continue;
		if (i > 0 && (isalnum((unsigned char)t[i - 1]) ||
		    t[i - 1] == '.' || t[i - 1] == '_' ||
		    (t[i - 1] == '-' && !after_continuation(t, i))))
			continue;
		if (parse_enhanced_at(t + i, t + n, cp) > 0)
			return (1);
	}
	return (0);
}

/*
 * "550 ...", "550-..." and, as some servers and their relays write it,
 * "554: ..." (T-Online, Yahoo's "554: delivery error").
 */
static int
parse_reply_code(const char *t, size_t n)
{
	if (n >= 3 && t[0] >= '2' && t[0] <= '5' &&
	    isdigit((unsigned char)t[1]) && isdigit((unsigned char)t[2]) &&
	    (n == 3 || t[3] == ' ' || t[3] == '-' ||
	    (t[3] == ':' && (n == 4 || t[4] == ' '))))
		return ((t[0] - '0') * 100 + (t[1] - '0') * 10 + (t[2] - '0'));
	return (0);
}

static int
code_matches(const struct code_pat *pat, const struct code_pat *c)
{
	return ((pat->cls < 0 || pat->cls == c->cls) &&
	    (pat->subj < 0 || pat->subj == c->subj) &&
	    (pat->detail < 0 || pat->detail == c->detail));
}

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to,
    unsigned int flags, void *arg)
{
	struct classify_scratch *s = arg;

	if (id < s->npat) {
		if (!s->hit[id]) {
			s->hit[id] = 1;
			s->touched[s->ntouched++] = id;
		}
	} else if (id - s->npat < MARK__COUNT && s->mark_at[id - s->npat] == 0) {
		/* Matches come in order of end offset: the first is the earliest. */
		s->mark_at[id - s->npat] = to + 1;
	}
	return (0);
}

/*
 * The stage the reporter named; the first mention wins: a relay reports
 * the upstream server's refusal inside its own, and the upstream one is
 * the origin.
 */
static enum rb_stage
stage_from_marks(const struct classify_scratch *s)
{
	unsigned long long best = 0;
	enum rb_stage st = RB_STAGE_UNKNOWN;

	for (int m = 0; m < MARK__COUNT; m++) {
		if (marker_stage[m] == RB_STAGE_UNKNOWN || s->mark_at[m] == 0)
			continue;
		if (best == 0 || s->mark_at[m] < best) {
			best = s->mark_at[m];
			st = marker_stage[m];
		}
	}
	return (st);
}

struct facts {
	int have_code;
	struct code_pat code;
	int reply;
	int stage;
	int outcome;
	unsigned pid;		/* provider name id */
};

static int
rule_holds(const struct classifier *cl, size_t i, const struct facts *f,
    const struct classify_scratch *s)
{
	const struct rule *r = &cl->rs.rules[i];

	for (int t = 0; t < r->ntext; t++)
		if (!s->hit[r->pattern[t]])
			return (0);
	if (r->has_code && (!f->have_code || !code_matches(&r->code, &f->code)))
		return (0);
	if (r->reply_lo != 0 && (f->reply < r->reply_lo || f->reply > r->reply_hi))
		return (0);
	if (r->stage != 0 && r->stage != f->stage)
		return (0);
	if (r->outcome != 0 && r->outcome != f->outcome)
		return (0);
	if (r->provider != NULL && cl->rule_pid[i] != f->pid)
		return (0);
	return (1);
}

/*
 * The rule of highest precedence that holds, among the text rules the
 * scan touched and the code-only rules, leaving out those of reason
 * skip (-1 for none); NULL if none holds.
 */
static const struct rule *
best_rule(const struct classifier *cl, const struct classify_scratch *s,
    const struct facts *f, int skip)
{
	const struct rule *best = NULL;
	size_t best_i = 0;

	for (unsigned t = 0; t < s->ntouched; t++) {
		size_t i = cl->pat_rule[s->touched[t]];
		const struct rule *r = &cl->rs.rules[i];
		if (r->reason != skip && (best == NULL || r->prio > best->prio ||
		    (r->prio == best->prio && i < best_i)) &&
		    rule_holds(cl, i, f, s)) {
			best = r;
			best_i = i;
		}
	}
	for (size_t k = 0; k < cl->ncode_rules; k++) {
		size_t i = cl->code_rules[k];
		const struct rule *r = &cl->rs.rules[i];
		if (best != NULL && (r->prio < best->prio ||
		    (r->prio == best->prio && i > best_i)))
			break;		/* sorted: nothing later can win */
		if (r->reason != skip && rule_holds(cl, i, f, s))
			return (r);
	}
	return (best);
}

static const char *
advice_for(const struct classifier *cl, enum rb_category c, unsigned pid)
{
	return (cl->advice_tab[(size_t)c * cl->npname + pid]);
}

int
classify(const struct classifier *cl, struct classify_scratch *s,
    const struct classify_input *in, struct rb_verdict *out)
{
	struct facts f;
	size_t n = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	memset(&f, 0, sizeof(f));
	f.pid = provider_of(cl, in->recipient, in->mx);
	util_strlcpy(out->provider, cl->pname[f.pid], sizeof(out->provider));

	/*
	 * The reporter already says it was delivered (Postfix status=sent):
	 * there is no reason to find.  Most lines of a busy log are these.
	 */
	if (in->hint == RB_OUTCOME_DELIVERED) {
		out->outcome = RB_OUTCOME_DELIVERED;
		out->reason = RB_REASON_DELIVERED;
		out->category = RB_CATEGORY_DELIVERED;
		out->action = RB_ACTION_NONE;
		out->rule = "delivered";
		if (in->enhanced != NULL) {
			size_t el = strlen(in->enhanced);
			if (parse_enhanced_at(in->enhanced, in->enhanced + el, &f.code) == el)
				format_code(&f.code, out->enhanced);
		}
		out->fix = advice_for(cl, out->category, f.pid);
		return (0);
	}

	if (in->text != NULL && in->textlen > 0) {
		n = normalise(in->text, in->textlen, s->text, SCAN_MAX);
		n = drop_repeated_codes(s->text, n);
	} else {
		s->text[0] = '\0';
	}

	/* Codes: given ones first; the text fills gaps and refines X.0.0. */
	f.reply = in->replycode;
	if (f.reply == 0)
		f.reply = parse_reply_code(s->text, n);
	/*
	 * A first line whose address follows its code without a blank
	 * ("550-bob@example.org is not an active address") loses the code
	 * to the address masking in normalise(): read it from the text as
	 * given.
	 */
	if (f.reply == 0 && in->text != NULL)
		f.reply = parse_reply_code(in->text, in->textlen);
	if (in->enhanced != NULL && *in->enhanced != '\0') {
		size_t el = strlen(in->enhanced);
		f.have_code = parse_enhanced_at(in->enhanced,
		    in->enhanced + el, &f.code) == el;
	}
	struct code_pat tc;
	if (find_enhanced(s->text, n, &tc)) {
		if (!f.have_code ||
		    (f.code.subj == 0 && f.code.detail == 0 &&
		    tc.cls == f.code.cls && (tc.subj != 0 || tc.detail != 0))) {
			f.code = tc;
			f.have_code = 1;
		}
	}
	if (f.have_code && (f.reply / 100) != f.code.cls && f.reply == 0)
		f.reply = 0;
	if (f.have_code)
		format_code(&f.code, out->enhanced);
	out->replycode = f.reply;

	/* Outcome: what the reporter says, else the code class. */
	int cls = f.have_code ? f.code.cls : f.reply / 100;
	if (in->hint != RB_OUTCOME_UNKNOWN)
		out->outcome = in->hint;
	else if (cls == 2)
		out->outcome = RB_OUTCOME_DELIVERED;
	else if (cls == 4)
		out->outcome = RB_OUTCOME_DEFERRED;
	else if (cls == 5)
		out->outcome = RB_OUTCOME_BOUNCED;
	else
		out->outcome = RB_OUTCOME_UNKNOWN;
	f.outcome = (int)out->outcome;
	int permanent = out->outcome == RB_OUTCOME_BOUNCED ||
	    out->outcome == RB_OUTCOME_EXPIRED ||
	    (out->outcome == RB_OUTCOME_UNKNOWN && cls == 5);
	/*
	 * What to do about the sender: a 5xx refusal that the MTA still
	 * retries (Postfix defers a greeting refused with "554 ... Mail
	 * refused" and tries the next MX, logging dsn=4.7.1) is no throttle
	 * to wait out.  The recipient is still suppressed only for a
	 * permanent outcome.
	 */
	int refused_for_good = permanent || cls == 5 || f.reply / 100 == 5;

	/* One scan over the text: rule patterns and the engine's markers. */
	s->ntouched = 0;
	memset(s->mark_at, 0, sizeof(s->mark_at));
	if (cl->db != NULL && n > 0) {
		if (hs_scan(cl->db, s->text, (unsigned)n, 0, s->hs, on_match,
		    s) != HS_SUCCESS)
			rc = -1;
	}
	f.stage = (int)in->stage;
	if (f.stage == RB_STAGE_UNKNOWN)
		f.stage = (int)stage_from_marks(s);

	const struct rule *best = best_rule(cl, s, &f, -1);
	/*
	 * A notice that delivery is only delayed ("has been delayed", "will
	 * be retried", Gmail's "did not accept our requests to connect" in a
	 * warning) is named expired, as the bounce vocabulary does, but
	 * nothing has expired yet: what to fix is its cause, the best rule
	 * of another reason ("connection timed out", a code of X.4.1), and
	 * without one, no category.  Counted as expired, every delay warning
	 * would show as mail the MTA gave up on.  Not when the rule names
	 * the category expired itself ("message expired", "giving up") or
	 * the code is X.4.7 ("451 4.4.7 ... expired in queue"): a relay that
	 * gave up.
	 */
	const struct rule *cause = NULL;
	int delayed = best != NULL && best->reason == RB_REASON_EXPIRED &&
	    best->category < 0 &&
	    out->outcome == RB_OUTCOME_DEFERRED && !(f.have_code &&
	    f.code.subj == 4 && f.code.detail == 7);
	if (delayed)
		cause = best_rule(cl, s, &f, RB_REASON_EXPIRED);
	for (unsigned t = 0; t < s->ntouched; t++)
		s->hit[s->touched[t]] = 0;

	if (out->outcome == RB_OUTCOME_DELIVERED && (best == NULL ||
	    best->reason != RB_REASON_VACATION)) {
		out->reason = RB_REASON_DELIVERED;
		out->category = RB_CATEGORY_DELIVERED;
		out->action = RB_ACTION_NONE;
		out->rule = "delivered";
	} else if (best != NULL) {
		out->reason = (enum rb_reason)best->reason;
		out->category = best->category >= 0 ?
		    (enum rb_category)best->category :
		    category_of_reason(out->reason);
		out->action = best->action >= 0 ?
		    (enum rb_action)best->action :
		    action_of(out->category, refused_for_good);
		/* A rule's suppress holds only for a permanent failure. */
		if (out->action == RB_ACTION_SUPPRESS && !permanent &&
		    out->category != RB_CATEGORY_COMPLAINT)
			out->action = RB_ACTION_RETRY;
		out->rule = best->id;
		out->fix = best->fix;
		if (delayed) {
			out->category = cause == NULL ? RB_CATEGORY_OTHER :
			    cause->category >= 0 ?
			    (enum rb_category)cause->category :
			    category_of_reason((enum rb_reason)cause->reason);
			out->action = cause != NULL && cause->action >= 0 ?
			    (enum rb_action)cause->action :
			    action_of(out->category, 0);
			out->fix = cause != NULL ? cause->fix : NULL;
		}
		/*
		 * "No such user" only after the message body was seen may be
		 * a content or header rule at the recipient dressed up as an
		 * unknown user (Japanese carriers' domain filters say it so):
		 * not proof that the mailbox is dead -- unless the DATA reply
		 * only repeats an earlier RCPT refusal ("503 need RCPT", "no
		 * valid recipients").  Nor with the code X.2.0, which by
		 * RFC 3463 says the mailbox exists.  Most such replies still
		 * mean what they say, so the verdict is review, not a
		 * problem of the sender: not suppressed at once, but counted
		 * toward escalation, so an address refused again and again
		 * while mail flows elsewhere is suppressed in the end.
		 */
		int mailbox_exists = f.have_code && f.code.subj == 2 &&
		    f.code.detail == 0;
		if (out->reason == RB_REASON_USERUNKNOWN && best->category < 0 &&
		    (mailbox_exists || ((f.stage == RB_STAGE_DATA ||
		    f.stage == RB_STAGE_EOM) &&
		    s->mark_at[MARK_RCPT_REFUSED] == 0))) {
			out->reason = RB_REASON_FILTERED;
			out->category = RB_CATEGORY_INVALID_ADDRESS;
			out->action = RB_ACTION_REVIEW;
			out->fix = "Refused in an unknown user's words, but only "
			    "after the message was sent (or the report does not "
			    "say when): a filter at the recipient may have used "
			    "them. Not suppressed at once; if the address is "
			    "refused again while mail flows elsewhere, it is "
			    "suppressed by escalation. Check the address.";
		}
		/*
		 * A permanent refusal for want of TLS ("Must issue a STARTTLS
		 * command first", "This route requires TLS 1.2") asks this
		 * system to change its TLS, which no retry does: counted as
		 * a soft failure it would escalate every recipient of a
		 * domain that requires TLS.
		 */
		if (out->reason == RB_REASON_FAILEDSTARTTLS && permanent &&
		    out->action == RB_ACTION_RETRY)
			out->action = RB_ACTION_FIX_SENDER;
	} else {
		out->reason = out->outcome == RB_OUTCOME_EXPIRED ?
		    RB_REASON_EXPIRED : RB_REASON_UNDEFINED;
		out->category = category_of_reason(out->reason);
		out->action = action_of(out->category, permanent);
		out->rule = "none";
	}
	/*
	 * A delivery program's words that name no cause ("x-unix; temporary
	 * failure") still say where it failed: in that program.
	 */
	if (in->mailer && (out->reason == RB_REASON_UNDEFINED ||
	    out->reason == RB_REASON_ONHOLD)) {
		out->reason = RB_REASON_MAILERERROR;
		out->category = category_of_reason(out->reason);
		out->action = action_of(out->category, permanent);
		out->rule = "mailer";
		out->fix = NULL;
	}
	/*
	 * The domain of a mailbox provider on the provider map (gmail.com,
	 * outlook.com, yahoo.*) exists: "host not found" naming it says that
	 * the resolver which looked it up is broken -- this system's, or a
	 * relay's -- not that the address is dead.  Left as host unknown,
	 * one bad resolver would suppress every recipient at those domains.
	 */
	if (out->reason == RB_REASON_HOSTUNKNOWN && in->recipient != NULL &&
	    provider_domain_named(cl, in->recipient, in->text, in->textlen)) {
		out->reason = RB_REASON_NETWORKERROR;
		out->category = RB_CATEGORY_ROUTING;
		out->action = RB_ACTION_FIX_SENDER;
		out->rule = "provider-domain-exists";
		out->fix = "A resolver said that a large mailbox provider's domain "
		    "does not exist: check the resolver this system uses "
		    "(/etc/resolv.conf, and its copy in Postfix's chroot) or "
		    "the relay's.";
	}
	int other;
	if (out->reason == RB_REASON_HOSTUNKNOWN && in->recipient != NULL &&
	    (other = other_name_not_found(in->recipient, in->mx, in->text,
	    in->textlen)) != 0) {
		out->reason = RB_REASON_NETWORKERROR;
		out->category = RB_CATEGORY_ROUTING;
		out->action = other == 2 ? RB_ACTION_FIX_SENDER :
		    RB_ACTION_REVIEW;
		out->rule = "other-name-not-found";
		out->fix = other == 2 ? "The relay this system sends through "
		    "could not be found in DNS: check the relay host in the "
		    "MTA's configuration (Sendmail's SMART_HOST, Postfix's "
		    "relayhost or transport) and the resolver." :
		    "A host name other than the recipient's domain could not "
		    "be found (a relay, or an MX host in another domain): "
		    "check the relay configuration and the resolver, and the "
		    "recipient domain's MX records.";
	}
	if (out->outcome == RB_OUTCOME_UNKNOWN && permanent)
		out->outcome = RB_OUTCOME_BOUNCED;
	out->hardbounce = taxonomy_is_hardbounce(out->reason, permanent);
	if (out->fix == NULL)
		out->fix = advice_for(cl, out->category, f.pid);
	return (rc);
}
