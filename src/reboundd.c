/*
 * reboundd.c - main() of reboundd(8): options, configuration, then the
 * event loop (daemon.c).
 *
 *   reboundd [-fntv] [-c file]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classify.h"
#include "daemon.h"
#include "log.h"
#include "milter.h"
#include "settings.h"

#ifndef RB_SYSCONFDIR
#define RB_SYSCONFDIR "/etc/rebound"
#endif

static void
usage(void)
{
	fprintf(stderr, "usage: reboundd [-fntv] [-c file]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *path = NULL;
	int foreground = 0, print = 0, test = 0, verbose = 0, ch;
	char err[512];

	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("reboundd %s\n", PACKAGE_VERSION);
		return (0);
	}
	while ((ch = getopt(argc, argv, "c:fntv")) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'f': foreground = 1; break;
		case 'n': print = 1; break;
		case 't': test = 1; break;
		case 'v': verbose = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	log_init("reboundd", foreground || print || test ? LOG_TO_STDERR : LOG_TO_SYSLOG, verbose);

	/* No file at the default place: run on the built-in defaults. */
	const char *def = RB_SYSCONFDIR "/rebound.conf";
	if (path == NULL && access(def, F_OK) == 0)
		path = def;
	struct rb_settings *cfg = path ? settings_load(path, err, sizeof(err)) :
	    settings_defaults();
	if (cfg == NULL) {
		fprintf(stderr, "reboundd: %s\n", err);
		return (1);
	}
	/* -nv describes the file: its own verbose, not the option's. */
	if (verbose && !print)
		cfg->verbose = 1;
	log_set_verbose(cfg->verbose);
	if (!foreground && !print && !test && cfg->log_stderr)
		log_init("reboundd", LOG_TO_STDERR, cfg->verbose);
	if (print) {
		if (verbose)
			settings_print_doc(cfg, stdout);
		else
			settings_print(cfg, stdout);
		settings_free(cfg);
		return (0);
	}
	if (test) {
		/* As start-up would: refused as root, warned otherwise. */
		char warn[1024];
		if (settings_check_accounts(cfg, geteuid() == 0, err, sizeof(err),
		    warn, sizeof(warn)) != 0) {
			fprintf(stderr, "reboundd: %s\n", err);
			settings_free(cfg);
			return (1);
		}
		if (warn[0] != '\0')
			fprintf(stderr, "reboundd: warning: %s\n", warn);
		if (settings_check_paths(cfg, err, sizeof(err)) != 0) {
			fprintf(stderr, "reboundd: %s\n", err);
			settings_free(cfg);
			return (1);
		}
		struct classifier *cl = classifier_load(
		    cfg->rules_file[0] ? cfg->rules_file : NULL,
		    cfg->local_rules_file[0] ? cfg->local_rules_file : NULL,
		    cfg->provider_map_file[0] ? cfg->provider_map_file : NULL,
		    err, sizeof(err));
		if (cl == NULL) {
			fprintf(stderr, "reboundd: %s\n", err);
			settings_free(cfg);
			return (1);
		}
		printf("reboundd: configuration %s ok, %zu rules%s%s\n", cfg->file,
		    classifier_rule_count(cl), cfg->milter_socket[0] ? ", milter on " : "",
		    cfg->milter_socket);
		classifier_free(cl);
		settings_free(cfg);
		return (0);
	}
	return (daemon_run(cfg, path));
}
