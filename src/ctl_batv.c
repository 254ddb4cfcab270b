/*
 * ctl_batv.c - the offline verb "batv" of reboundctl(1): make and check
 * signed return paths (batv.h) with the keys reboundd uses.
 *
 *   batv sign [--key-file F] [--config F] [--max-age DAYS] [--now T] ADDRESS
 *   batv verify [--key-file F] [--config F] [--max-age DAYS] [--now T] ADDRESS
 *
 * The key file and the lifetime come from rebound.conf(5) (batv_key_file,
 * batv_max_age) unless given; --now (seconds since 1970) stands in for the
 * clock.  sign prints the signed address; verify prints the verdict and
 * the address inside the tag, and exits 0 only for a valid tag.
 * Single-threaded; owns everything it allocates.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "batv.h"
#include "batv_keyfile.h"
#include "ctl.h"
#include "settings.h"
#include "util.h"

#ifndef RB_SYSCONFDIR
#define RB_SYSCONFDIR "/etc/rebound"
#endif

static int
usage(void)
{
	fprintf(stderr, "usage: reboundctl batv sign|verify [--key-file FILE] "
	    "[--config FILE] [--max-age DAYS] [--now SECONDS] ADDRESS\n");
	return (2);
}

/* A whole number from lo to hi; -1 when it is not. */
static long
number(const char *s, long lo, long hi)
{
	char *e;
	long n = strtol(s, &e, 10);

	return (e == s || *e != '\0' || n < lo || n > hi ? -1 : n);
}

int
ctl_batv(int argc, char **argv)
{
	const char *keyfile = NULL, *config = NULL;
	long max_age = -1, now = -1;
	char err[1024];
	int i;

	if (argc < 2 || (strcmp(argv[1], "sign") != 0 &&
	    strcmp(argv[1], "verify") != 0))
		return (usage());
	int sign = strcmp(argv[1], "sign") == 0;
	for (i = 2; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "reboundctl: batv: %s needs a value\n", a);
			return (2);
		}
		const char *v = argv[++i];
		if (strcmp(a, "--key-file") == 0)
			keyfile = v;
		else if (strcmp(a, "--config") == 0)
			config = v;
		else if (strcmp(a, "--max-age") == 0) {
			if ((max_age = number(v, 1, BATV_MAX_AGE)) < 0) {
				fprintf(stderr, "reboundctl: batv: --max-age \"%s\" is "
				    "not a number of days from 1 to %d\n", v, BATV_MAX_AGE);
				return (2);
			}
		} else if (strcmp(a, "--now") == 0) {
			if ((now = number(v, 0, 253402300799L)) < 0) {
				fprintf(stderr, "reboundctl: batv: --now \"%s\" is not "
				    "seconds since 1970\n", v);
				return (2);
			}
		} else {
			fprintf(stderr, "reboundctl: batv: unknown option %s\n", a);
			return (2);
		}
	}
	if (i + 1 != argc)
		return (usage());
	const char *addr = argv[i];

	/* What the options leave open comes from reboundd's configuration. */
	if (keyfile == NULL || max_age < 0) {
		const char *def = RB_SYSCONFDIR "/rebound.conf";
		if (config == NULL && access(def, F_OK) == 0)
			config = def;
		struct rb_settings *cfg = config != NULL ?
		    settings_load(config, err, sizeof(err)) : settings_defaults();
		if (cfg == NULL) {
			fprintf(stderr, "reboundctl: batv: %s\n", err);
			return (2);
		}
		if (max_age < 0)
			max_age = cfg->batv_max_age / 86400;
		static char kf[4096];
		if (keyfile == NULL) {
			util_strlcpy(kf, cfg->batv_key_file, sizeof(kf));
			keyfile = kf;
		}
		settings_free(cfg);
	}
	if (keyfile[0] == '\0') {
		fprintf(stderr, "reboundctl: batv: no key file (batv_key_file is "
		    "not set in %s; give --key-file)\n", config ? config : "the defaults");
		return (2);
	}
	struct batv_keys *k = malloc(sizeof(*k));
	if (k == NULL) {
		fprintf(stderr, "reboundctl: batv: out of memory\n");
		return (2);
	}
	if (batv_keyfile_load(keyfile, k, err, sizeof(err)) != 0) {
		fprintf(stderr, "reboundctl: batv: %s\n", err);
		free(k);
		return (2);
	}
	long day = batv_day(now >= 0 ? (time_t)now : time(NULL));
	int rc;
	if (sign) {
		char out[4096];
		if (batv_sign(k, addr, day, (int)max_age, out, sizeof(out)) != 0) {
			fprintf(stderr, "reboundctl: batv: cannot sign \"%s\" (not "
			    "local@domain, already signed, or too long)\n", addr);
			rc = 1;
		} else {
			printf("%s\n", out);
			rc = 0;
		}
	} else {
		char orig[4096];
		enum batv_result r = batv_verify(k, addr, day, (int)max_age, orig,
		    sizeof(orig));
		printf("%s %s\n", batv_result_name(r), orig);
		rc = r == BATV_VALID ? 0 : 1;
	}
	explicit_bzero(k, sizeof(*k));
	free(k);
	return (rc);
}
