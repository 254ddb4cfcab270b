/*
 * ctl_client.c - the verbs of reboundctl(1) that ask a running reboundd:
 * status, lookup, suppress, list, export, import, stats, events, backfill.
 *
 * Sends one request line over the control socket and prints the JSON
 * answer: as it comes with --json, otherwise in a readable form.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl.h"
#include "rotation.h"
#include "util.h"

#define DEFAULT_SOCKET "/run/rebound/rebound.sock"

static int
connect_to(const char *path)
{
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (fd < 0 || strlen(path) >= sizeof(sun.sun_path)) {
		if (fd >= 0) {
			close(fd);
			/* Not "No such file": the name does not fit sun_path. */
			errno = ENAMETOOLONG;
		}
		return (-1);
	}
	util_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		close(fd);
		return (-1);
	}
	return (fd);
}

static void
append_quoted(char **buf, size_t *len, const char *a)
{
	FILE *fp = open_memstream(buf, len);
	fputc('"', fp);
	for (; *a; a++) {
		if (*a == '"' || *a == '\\')
			fputc('\\', fp);
		if (*a == '\n' || *a == '\r')
			fputc(' ', fp);
		else
			fputc(*a, fp);
	}
	fputc('"', fp);
	fclose(fp);
}

/*
 * To the daemon's socket.  MSG_NOSIGNAL: a daemon that goes away while a
 * long request (an import) is still being sent is an error to report,
 * not a SIGPIPE that ends this program without a word (exit 141).
 */
static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += w;
		n -= (size_t)w;
	}
	return (0);
}

static void
print_table(json_t *ans)
{
	const char *by = json_string_value(json_object_get(ans, "by"));
	json_t *rows = json_object_get(ans, "rows");
	size_t i;
	json_t *r;

	/*
	 * TOTAL is the sum of the six columns after it; BLOCKED is a part.
	 * BOUNCE% is bounce_rate, the bounce rate replay's summary shows, not
	 * bounced_rate (bounced over a total that counts every deferral).
	 */
	printf("%-22s %9s %9s %9s %9s %9s %9s %9s %9s %8s %8s\n", by ? by : "key",
	    "TOTAL", "DELIVERED", "DEFERRED", "BOUNCED", "EXPIRED", "COMPLAINT",
	    "OTHER", "BLOCKED", "BOUNCE%", "BLOCK%");
	json_array_foreach(rows, i, r) {
		char bounce[16] = "-";
		json_t *br = json_object_get(r, "bounce_rate");
		/* null: no final outcome, only deferrals; no rate to show. */
		if (json_is_number(br))
			snprintf(bounce, sizeof(bounce), "%.2f%%",
			    100 * json_number_value(br));
		printf("%-22.22s %9lld %9lld %9lld %9lld %9lld %9lld %9lld %9lld %8s %7.2f%%\n",
		    json_string_value(json_object_get(r, by)),
		    json_integer_value(json_object_get(r, "total")),
		    json_integer_value(json_object_get(r, "delivered")),
		    json_integer_value(json_object_get(r, "deferred")),
		    json_integer_value(json_object_get(r, "bounced")),
		    json_integer_value(json_object_get(r, "expired")),
		    json_integer_value(json_object_get(r, "complaint")),
		    json_integer_value(json_object_get(r, "other")),
		    json_integer_value(json_object_get(r, "blocked")),
		    bounce,
		    100 * json_real_value(json_object_get(r, "blocked_rate")));
	}
	if (json_array_size(rows) == 0)
		printf("(no outcomes in this window)\n");
}

static const char *
str(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	/* Empty or missing alike: a column never reads as blank. */
	return (v != NULL && *v != '\0' ? v : "-");
}

static long long
num(json_t *o, const char *k)
{
	return (json_integer_value(json_object_get(o, k)));
}

/* A time as the operator reads it; "never" for 0 where that means so. */
static const char *
when(json_t *o, const char *k, char *buf, size_t len)
{
	time_t t = (time_t)num(o, k);
	struct tm tm;

	if (t == 0)
		return ("never");
	/*
	 * A year past what struct tm holds (an imported or hand-edited row)
	 * has no local time: show the number rather than crash on it.
	 */
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, len, "@%lld", num(o, k));
	return (buf);
}

static void
print_event(json_t *e)
{
	char tb[32];

	printf("%s  %-10s %-32s %-9s %-18s %-10s %-6s %s\n", when(e, "time", tb, sizeof(tb)),
	    str(e, "queue_id"), str(e, "recipient"), str(e, "outcome"),
	    str(e, "category"), str(e, "provider"), str(e, "dsn"), str(e, "action"));
}

/* The milter's counters, when it runs (reboundd reports none otherwise). */
static void
print_milter(json_t *m)
{
	json_t *lat = json_object_get(m, "rcpt_latency"), *p, *n;
	const char *prov, *pol;

	if (!json_is_object(m))
		return;
	printf("milter %s: %s, %lld connections, %lld messages, %lld recipients, "
	    "%lld suppressed (%lld out of scope)\n", str(m, "socket"),
	    json_is_true(json_object_get(m, "running")) ? "running" :
	    "STOPPED (mail flows without it)", num(m, "connections"),
	    num(m, "messages"), num(m, "recipients"), num(m, "suppressed"),
	    num(m, "out_of_scope"));
	printf("milter policy: %lld rejected, %lld tempfailed, %lld tagged, %lld dropped\n",
	    num(m, "rejected"), num(m, "tempfailed"), num(m, "tagged"), num(m, "dropped"));
	printf("milter dsn: %lld messages, %lld records (%lld verified, %lld unverified), "
	    "%lld too big, %lld not bounces, %lld unparsed, %lld discarded, %lld quarantined, "
	    "%lld misdated\n",
	    num(m, "dsn_messages"), num(m, "dsn_records"), num(m, "dsn_verified"),
	    num(m, "dsn_unverified"), num(m, "dsn_too_big"), num(m, "dsn_not_bounce"),
	    num(m, "dsn_unparsed"), num(m, "dsn_discarded"), num(m, "dsn_quarantined"),
	    num(m, "dsn_misdated"));
	printf("milter batv: %lld records verified by their tag, %lld DSNs with a "
	    "tag that did not verify, %lld senders signed\n",
	    num(m, "dsn_verified_batv"), num(m, "dsn_batv_invalid"),
	    num(m, "batv_signed"));
	printf("milter rcpt latency: p50 %lldus, p99 %lldus, p99.9 %lldus, max %lldus "
	    "(%lld samples); %lld queue full, %lld errors\n", num(lat, "p50_us"),
	    num(lat, "p99_us"), num(lat, "p999_us"), num(lat, "max_us"),
	    num(lat, "samples"), num(m, "queue_full"), num(m, "errors"));
	json_object_foreach(json_object_get(m, "providers"), prov, p) {
		const char *sep = "";
		printf("milter provider %s:", prov);
		json_object_foreach(p, pol, n) {
			printf("%s %s %lld", sep, pol, (long long)json_integer_value(n));
			sep = ",";
		}
		printf("\n");
	}
}

static void
print_status(json_t *a)
{
	json_t *st = json_object_get(a, "store"), *src;
	size_t i;

	printf("reboundd %s, pid %lld, up %llds, %lld rules, config %s\n",
	    str(a, "version"), num(a, "pid"), num(a, "uptime"), num(a, "rules"),
	    str(a, "config"));
	printf("reloads %lld (%lld refused), %lld queued from the milter\n",
	    num(a, "reloads"), num(a, "reload_failures"), num(a, "queued"));
	printf("store %s: %lld outcomes, %lld suppressed, %lld retry states, %lld bytes\n",
	    str(st, "database"), num(st, "outcomes"), num(st, "suppressions"),
	    num(st, "retry_states"), num(st, "size_bytes"));
	json_t *dl = json_object_get(st, "deliveries");
	const char *tp;
	json_t *t;
	json_object_foreach(dl, tp, t) {
		char tb[32];
		printf("latest delivery through %s: %s\n", tp,
		    when(dl, tp, tb, sizeof(tb)));
	}
	json_array_foreach(json_object_get(a, "sources"), i, src) {
		/* A journal has entries and a cursor, no file or offset. */
		if (json_object_get(src, "journal") != NULL)
			printf("source journal %s: cursor %s, %lld entries",
			    str(src, "journal"), str(src, "cursor"),
			    num(src, "entries"));
		else
			printf("source %s: offset %lld of %lld, lag %lld bytes, %lld lines",
			    str(src, "file"), num(src, "offset"), num(src, "size"),
			    num(src, "lag_bytes"), num(src, "lines"));
		printf(", %lld outcomes, %lld queue IDs held (%lld deferred recipients), "
		    "%lld evicted, %lld address probes passed over, "
		    "%lld handed to another queue here%s\n",
		    num(src, "outcomes"), num(src, "queue_ids"),
		    num(src, "deferred_recipients"), num(src, "evicted"),
		    num(src, "probes"), num(src, "handoffs"),
		    json_is_true(json_object_get(src, "stalled")) ? ", STALLED (store refuses commits)" : "");
		/* Only when there is something to say. */
		if (num(src, "future_dated") > 0 || num(src, "deferrals_dropped") > 0 ||
		    num(src, "bad_addresses") > 0)
			printf("  %lld lines dated ahead of now (taken as now), "
			    "%lld deferred recipients not held (over the bounds), "
			    "%lld recipients that cannot be addresses\n",
			    num(src, "future_dated"), num(src, "deferrals_dropped"),
			    num(src, "bad_addresses"));
		if (num(src, "lost") > 0)
			printf("  %lld outcomes LOST (out of memory while one line "
			    "gave many; see the daemon's log)\n", num(src, "lost"));
	}
	json_t *bf = json_object_get(a, "backfill");
	if (json_is_object(bf))
		printf("backfill running: file %lld of %lld %s, %lld of %lld bytes read; "
		    "%lld lines, %lld outcomes (%lld new), %zu errors so far\n",
		    num(bf, "file_index"), num(bf, "file_count"), str(bf, "file"),
		    num(bf, "offset"), num(bf, "size"), num(bf, "lines"),
		    num(bf, "outcomes"), num(bf, "new"),
		    json_array_size(json_object_get(bf, "errors")));
	json_t *ctl = json_object_get(a, "control");
	if (json_is_object(ctl))
		printf("control: %lld of %lld clients, %lld refused\n", num(ctl, "clients"),
		    num(ctl, "max_clients"), num(ctl, "refused"));
	print_milter(json_object_get(a, "milter"));
}

static void
print_lookup(json_t *a)
{
	json_t *s = json_object_get(a, "suppression"), *r = json_object_get(a, "retry"), *h;
	char tb[32], tb2[32];
	size_t i;

	printf("%s: %s\n", str(a, "address"),
	    json_is_true(json_object_get(a, "suppressed")) ? "SUPPRESSED" : "not suppressed");
	if (json_is_object(s)) {
		printf("  since    %s, expires %s\n", when(s, "created", tb, sizeof(tb)),
		    when(s, "expires", tb2, sizeof(tb2)));
		printf("  why      %s, category %s, codes %s, source %s\n", str(s, "reason"),
		    str(s, "category"), str(s, "codes"), str(s, "source"));
		printf("  text     %s\n  evidence %s\n", str(s, "text"), str(s, "evidence"));
	}
	if (json_is_object(r))
		printf("  retry    %lld soft failure(s), first %s, last code %s\n",
		    num(r, "failures"), when(r, "first", tb, sizeof(tb)), str(r, "last_code"));
	json_array_foreach(json_object_get(a, "history"), i, h)
		printf("  history  %s %s by %s (%s): %s\n", when(h, "time", tb, sizeof(tb)),
		    str(h, "op"), str(h, "who"), str(h, "source"), str(h, "why"));
	json_array_foreach(json_object_get(a, "recent"), i, h)
		printf("  outcome  %s %s %s %s %s\n", when(h, "time", tb, sizeof(tb)),
		    str(h, "outcome"), str(h, "category"), str(h, "dsn"), str(h, "queue_id"));
}

/*
 * Every string of an answer made fit for a terminal (util_printable)
 * before it is shown readably: a reply text is the remote side's to
 * write (a bounce taken in by the milter), an address or text an
 * imported file's.  --json keeps them as they are, escaped.
 */
static void
printable_json(json_t *j)
{
	const char *k;
	json_t *v;
	size_t i;

	if (json_is_string(j)) {
		char *p = strdup(json_string_value(j));
		if (p != NULL && strcmp(util_printable(p), json_string_value(j)) != 0)
			json_string_set(j, p);
		free(p);
	} else if (json_is_object(j)) {
		json_object_foreach(j, k, v)
			printable_json(v);
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			printable_json(v);
	}
}

/* Files that could not be read (or not to their end), one a line. */
static void
print_backfill_errors(json_t *ans)
{
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(ans, "errors"), i, e)
		fprintf(stderr, "reboundctl: backfill: %s: %s\n", str(e, "file"),
		    str(e, "error"));
}

static void
print_backfill(json_t *ans)
{
	printf("backfill: %lld file(s) read, %lld lines, %lld outcomes, %lld new "
	    "(the rest were in the store already)", num(ans, "files"),
	    num(ans, "lines"), num(ans, "outcomes"), num(ans, "new"));
	if (num(ans, "older") > 0)
		printf(", %lld older than outcome_retention left out",
		    num(ans, "older"));
	printf("%s\n", json_array_size(json_object_get(ans, "errors")) > 0 ?
	    "; some files failed:" : "");
	print_backfill_errors(ans);
}

/*
 * backfill's FILEs as the daemon must get them: absolute (it has its
 * own working directory) and oldest first, as replay reads them.  Each
 * is a new string in *out (n of them), or -1.
 */
static int
backfill_paths(char **argv, int n, char ***out)
{
	char cwd[4096];
	char **p = calloc((size_t)n + 1, sizeof(*p));

	if (p == NULL || getcwd(cwd, sizeof(cwd)) == NULL) {
		free(p);
		return (-1);
	}
	for (int k = 0; k < n; k++) {
		if (argv[k][0] == '/')
			p[k] = strdup(argv[k]);
		else if (asprintf(&p[k], "%s/%s", cwd, argv[k]) < 0)
			p[k] = NULL;
		if (p[k] == NULL) {
			for (int j = 0; j < k; j++)
				free(p[j]);
			free(p);
			return (-1);
		}
	}
	if (rotation_order(p, n) != 0) {
		for (int j = 0; j < n; j++)
			free(p[j]);
		free(p);
		return (-1);
	}
	*out = p;
	return (0);
}

static void
print_answer(const char *verb, json_t *ans)
{
	json_t *e;
	size_t i;
	char tb[32], tb2[32];

	if (strcmp(verb, "stats") == 0) {
		print_table(ans);
	} else if (strcmp(verb, "export") == 0) {
		fputs(json_string_value(json_object_get(ans, "csv")), stdout);
		if (num(ans, "left_out") > 0)
			fprintf(stderr, "reboundctl: %lld suppressed address(es) "
			    "left out: not UTF-8 (see reboundctl list)\n",
			    num(ans, "left_out"));
	} else if (strcmp(verb, "lookup") == 0) {
		print_lookup(ans);
	} else if (strcmp(verb, "status") == 0) {
		print_status(ans);
	} else if (strcmp(verb, "list") == 0) {
		json_t *rows = json_object_get(ans, "suppressions");
		json_array_foreach(rows, i, e)
			printf("%-36s %-18s %-12s %-10s %s  expires %s\n", str(e, "address"),
			    str(e, "category"), str(e, "reason"), str(e, "source"),
			    when(e, "created", tb, sizeof(tb)), when(e, "expires", tb2, sizeof(tb2)));
		printf("(%zu shown)\n", json_array_size(rows));
	} else if (strcmp(verb, "events") == 0) {
		json_array_foreach(json_object_get(ans, "events"), i, e)
			print_event(e);
	} else if (strcmp(verb, "suppress") == 0) {
		printf("%s: %s\n", str(ans, "address"),
		    json_is_true(json_object_get(ans, "changed")) ? "done" : "nothing to change");
	} else if (strcmp(verb, "backfill") == 0) {
		print_backfill(ans);
	} else if (strcmp(verb, "import") == 0) {
		printf("%lld address(es) newly suppressed\n", num(ans, "imported"));
		if (num(ans, "expired") > 0)
			printf("%lld left out: their expiry time has passed\n",
			    num(ans, "expired"));
	} else {
		json_object_del(ans, "ok");
		json_dumpf(ans, stdout, JSON_INDENT(2));
		putchar('\n');
	}
}

int
ctl_client(int argc, char **argv)
{
	const char *sock = getenv("REBOUND_SOCKET");
	int json = 0, i = 0;

	if (sock == NULL || *sock == '\0')
		sock = DEFAULT_SOCKET;
	/* Global options come before the verb. */
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			sock = argv[++i];
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
	}
	if (i >= argc)
		return (2);
	const char *verb = argv[i];
	char *req = NULL;
	size_t reqlen = 0;
	FILE *rq = open_memstream(&req, &reqlen);
	fputs(verb, rq);
	const char *import_file = NULL;
	char **files = NULL;
	int nfiles = 0;
	for (int k = i + 1; k < argc; k++) {
		if (strcmp(argv[k], "--json") == 0) {
			json = 1;
			continue;
		}
		if (strcmp(verb, "backfill") == 0) {
			argv[nfiles++ + i + 1] = argv[k];
			continue;
		}
		if (strcmp(verb, "import") == 0) {
			if (import_file != NULL) {
				fprintf(stderr, "reboundctl: import takes one FILE "
				    "(or none for standard input)\n");
				fclose(rq);
				free(req);
				return (1);
			}
			import_file = argv[k];
			continue;
		}
		char *q = NULL;
		size_t ql = 0;
		append_quoted(&q, &ql, argv[k]);
		fprintf(rq, " %s", q);
		free(q);
	}
	if (strcmp(verb, "backfill") == 0) {
		if (nfiles == 0) {
			fprintf(stderr, "usage: reboundctl backfill FILE...\n");
			fclose(rq);
			free(req);
			return (2);
		}
		if (backfill_paths(argv + i + 1, nfiles, &files) != 0) {
			fprintf(stderr, "reboundctl: backfill: out of memory or no "
			    "working directory\n");
			fclose(rq);
			free(req);
			return (1);
		}
		for (int k = 0; k < nfiles; k++) {
			char *q = NULL;
			size_t ql = 0;
			append_quoted(&q, &ql, files[k]);
			fprintf(rq, " %s", q);
			free(q);
			free(files[k]);
		}
		free(files);
	}
	fputc('\n', rq);
	if (strcmp(verb, "import") == 0) {
		FILE *in = import_file && strcmp(import_file, "-") ? fopen(import_file, "r") : stdin;
		if (in == NULL) {
			fprintf(stderr, "reboundctl: import: %s: %s\n", import_file, strerror(errno));
			fclose(rq);
			free(req);
			return (1);
		}
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;
		long lineno = 0;
		while ((n = getline(&line, &cap, in)) > 0) {
			size_t len = (size_t)n;
			lineno++;
			/*
			 * A NUL would end the line here (fputs) and join the
			 * next one to it: ".\0" and a blank line made a "."
			 * line.  No CSV holds one.
			 */
			if (memchr(line, '\0', len) != NULL) {
				fprintf(stderr, "reboundctl: import: line %ld holds a "
				    "NUL byte (not a CSV file?); nothing imported\n",
				    lineno);
				free(line);
				if (in != stdin)
					fclose(in);
				fclose(rq);
				free(req);
				return (1);
			}
			/*
			 * "." alone ends the upload: never send it as data, or
			 * the daemon reads the lines after it as requests, with
			 * this user's rights.  It ends a line at "\n" or at
			 * "\r\n", so ".\r\n" (a spreadsheet's CSV) is one too.
			 */
			if (len > 0 && line[len - 1] == '\n')
				len--;
			if (len > 0 && line[len - 1] == '\r')
				len--;
			if (len == 1 && line[0] == '.')
				continue;
			fputs(line, rq);
			if (line[n - 1] != '\n')
				fputc('\n', rq);
		}
		free(line);
		if (in != stdin)
			fclose(in);
		fputs(".\n", rq);
	}
	fclose(rq);

	int fd = connect_to(sock);
	if (fd < 0) {
		fprintf(stderr, "reboundctl: cannot connect to %s: %s (is reboundd running? -s names the socket)\n",
		    sock, strerror(errno));
		free(req);
		return (1);
	}
	/*
	 * A daemon that stops reading (a request over its limit) may still
	 * have answered why: read that answer before giving the write error.
	 */
	int werr = write_all(fd, req, reqlen) != 0 ? errno : 0;
	free(req);
	if (werr != 0)
		shutdown(fd, SHUT_WR);
	FILE *in = fdopen(fd, "r");
	char *line = NULL;
	size_t cap = 0;
	int rc = 0, follow = 0;
	/* --follow wherever it stands among the verb's options. */
	for (int k = i + 1; k < argc && strcmp(verb, "events") == 0; k++)
		if (strcmp(argv[k], "--follow") == 0)
			follow = 1;
	do {
		if (getline(&line, &cap, in) <= 0) {
			if (werr != 0) {
				fprintf(stderr, "reboundctl: sending the request: %s "
				    "(reboundd closed the connection before it had "
				    "all of it)\n", strerror(werr));
				rc = 1;
			} else if (!follow) {
				fprintf(stderr, "reboundctl: no answer from reboundd\n");
				rc = 1;
			} else {
				/*
				 * A follower ends when interrupted; the
				 * stream ending is the daemon gone (stopped,
				 * restarted), which a script must see.
				 */
				fprintf(stderr, "reboundctl: events: reboundd closed "
				    "the connection (stopped or restarted?)\n");
				rc = 1;
			}
			break;
		}
		if (json) {
			fputs(line, stdout);
			fflush(stdout);
		}
		json_error_t je;
		json_t *ans = json_loads(line, 0, &je);
		if (ans == NULL) {
			fprintf(stderr, "reboundctl: bad answer: %s", line);
			rc = 1;
			break;
		}
		/* export's CSV is data, for a file: kept byte for byte. */
		if (!json && strcmp(verb, "export") != 0)
			printable_json(ans);
		if (json_is_false(json_object_get(ans, "ok"))) {
			fprintf(stderr, "reboundctl: %s\n",
			    json_string_value(json_object_get(ans, "error")));
			rc = 1;
			/*
			 * A refused --follow follows nothing: the daemon
			 * keeps the connection, and waiting on it waited
			 * for its idle timeout.
			 */
			follow = 0;
		} else if (!json && follow) {
			if (json_object_get(ans, "recipient") != NULL)
				print_event(ans);
			else if (json_object_get(ans, "dropped") != NULL)
				printf("(%lld events dropped: this client read too slowly)\n",
				    num(ans, "dropped"));
			else
				printf("(following; interrupt to stop)\n");
			fflush(stdout);
		} else if (!json) {
			print_answer(verb, ans);
		}
		/* A file not read, or not to its end, is a failure to report. */
		if (strcmp(verb, "backfill") == 0 &&
		    json_array_size(json_object_get(ans, "errors")) > 0) {
			if (!json && json_is_false(json_object_get(ans, "ok")))
				print_backfill_errors(ans);
			rc = 1;
		}
		json_decref(ans);
	} while (follow);
	/* Answered, but not all of the request was sent: still an error. */
	if (werr != 0 && rc == 0) {
		fprintf(stderr, "reboundctl: sending the request: %s\n", strerror(werr));
		rc = 1;
	}
	free(line);
	fclose(in);
	return (rc);
}
