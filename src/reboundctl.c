/*
 * reboundctl.c - main() of reboundctl(1): picks the verb and hands over.
 *
 * The verbs themselves live in ctl_*.c inside the internal library, so the
 * tests exercise exactly what operators run.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ctl.h"

static const struct verb {
	const char *name;
	int (*run)(int, char **);
	const char *usage;
} verbs[] = {
	{ "classify", ctl_classify, "classify [--json] [--recipient ADDR] [--mx HOST] TEXT | --jsonl FILE|-" },
	{ "rules", ctl_rules, "rules check [FILE|DIR...]" },
	{ "parse", ctl_parse, "parse [--json] FILE...|-" },
	{ "replay", ctl_replay, "replay [--json] FILE..." },
	{ "batv", ctl_batv, "batv sign|verify [--key-file F] [--max-age DAYS] [--now T] ADDRESS" },
	{ "status", ctl_client, "status" },
	{ "lookup", ctl_client, "lookup ADDR" },
	{ "suppress", ctl_client, "suppress add|remove ADDR --reason TEXT" },
	{ "list", ctl_client, "list [--category C] [--source S] [--since T]" },
	{ "export", ctl_client, "export" },
	{ "import", ctl_client, "import FILE|-" },
	{ "stats", ctl_client, "stats [--provider P] [--since 1h|24h|7d|30d] [--by provider|category|code|domain|transport]" },
	{ "events", ctl_client, "events [--follow]" },
};

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: reboundctl [-s SOCKET] VERB [ARGS]\n");
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
	/* -s SOCKET and other global options are the client's business. */
	int i = 1;
	while (i < argc && argv[i][0] == '-')
		i += (strcmp(argv[i], "-s") == 0) ? 2 : 1;
	if (i >= argc) {
		usage(stderr);
		return (2);
	}
	for (size_t v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++) {
		if (strcmp(argv[i], verbs[v].name) == 0) {
			if (verbs[v].run == ctl_client)
				return (ctl_client(argc - 1, argv + 1));
			return (verbs[v].run(argc - i, argv + i));
		}
	}
	fprintf(stderr, "reboundctl: unknown verb \"%s\"\n", argv[i]);
	usage(stderr);
	return (2);
}
