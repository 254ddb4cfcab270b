/*
 * reboundctl.c - main() of reboundctl(1): picks the verb and hands over.
 *
 * The verbs themselves live in ctl_*.c inside the internal library, so the
 * tests exercise exactly what operators run.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static const struct verb {
	const char *name;
	int (*run)(int, char **);
	const char *usage;
} verbs[] = {
	{ "classify", ctl_classify, "classify [--json] [--recipient ADDR] [--mx HOST] [--enhanced CODE]\n"
	    "           [--rules F] [--local F] [--providers F] TEXT...\n"
	    "       reboundctl classify --jsonl FILE|- [--rules F] [--local F] [--providers F]" },
	{ "rules", ctl_rules, "rules check [FILE|DIR...]" },
	{ "parse", ctl_parse, "parse [--json] [--verp PATTERN] [--rules F] [--local F] [--providers F] FILE|DIR...|-" },
	{ "replay", ctl_replay, "replay [--json] [--since DATE] [--until DATE] FILE..." },
	{ "batv", ctl_batv, "batv sign|verify [--key-file F] [--config F] [--max-age DAYS] [--now T] ADDRESS" },
	{ "status", ctl_client, "status" },
	{ "lookup", ctl_client, "lookup ADDR" },
	{ "suppress", ctl_client, "suppress add ADDR [--reason TEXT] [--expires DURATION]\n"
	    "       reboundctl suppress remove ADDR [--reason TEXT]" },
	{ "list", ctl_client, "list [--category C] [--source S] [--since T] [--limit N]" },
	{ "export", ctl_client, "export" },
	{ "import", ctl_client, "import [FILE|-]" },
	{ "stats", ctl_client, "stats [--provider P] [--since DURATION] [--by provider|category|code|domain|transport]" },
	{ "events", ctl_client, "events [--follow]" },
	{ "backfill", ctl_client, "backfill FILE..." },
};

/* The offline verbs that take --json: the global one is handed on. */
static const char *const json_verbs[] = { "classify", "parse", "replay" };

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: reboundctl [-s SOCKET] [--json] VERB [ARGS]\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(fp, "       reboundctl %s\n", verbs[i].usage);
}

int
main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return (argc < 2 ? 2 : 0);
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("reboundctl %s\n", PACKAGE_VERSION);
		return (0);
	}
	/*
	 * -s SOCKET and --json are the global options; -s is the client's
	 * business.  Anything else before the verb is a mistake, not a thing
	 * to pass over in silence.
	 */
	int i = 1, json = 0;
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			i += 2;
		else if (strcmp(argv[i], "-s") == 0) {
			fprintf(stderr, "reboundctl: -s needs the control socket's path\n");
			usage(stderr);
			return (2);
		} else if (strcmp(argv[i], "--json") == 0)
			json = 1, i++;
		else {
			fprintf(stderr, "reboundctl: unknown option \"%s\"\n", argv[i]);
			usage(stderr);
			return (2);
		}
	}
	if (i >= argc) {
		usage(stderr);
		return (2);
	}
	for (size_t v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++) {
		if (strcmp(argv[i], verbs[v].name) != 0)
			continue;
		for (int k = i + 1; k < argc; k++) {
			if (strcmp(argv[k], "--help") == 0) {
				printf("usage: reboundctl %s\n", verbs[v].usage);
				return (0);
			}
		}
		if (verbs[v].run == ctl_client)
			return (ctl_client(argc - 1, argv + 1));
		for (size_t j = 0; json && j < sizeof(json_verbs) / sizeof(json_verbs[0]); j++) {
			if (strcmp(argv[i], json_verbs[j]) != 0)
				continue;
			/* The verb, then --json, then its own arguments. */
			char **nv = calloc((size_t)(argc - i + 2), sizeof(*nv));
			if (nv == NULL)
				return (1);
			nv[0] = argv[i];
			nv[1] = "--json";
			for (int k = i + 1; k < argc; k++)
				nv[k - i + 1] = argv[k];
			int rc = verbs[v].run(argc - i + 1, nv);
			free(nv);
			return (rc);
		}
		return (verbs[v].run(argc - i, argv + i));
	}
	fprintf(stderr, "reboundctl: unknown verb \"%s\"\n", argv[i]);
	usage(stderr);
	return (2);
}
