/*
 * reboundd.c - main() of reboundd(8) (placeholder until the daemon lands).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("reboundd %s\n", PACKAGE_VERSION);
		return (0);
	}
	fprintf(stderr, "reboundd: not available in this build\n");
	return (1);
}
