/*
 * ctl_parse.c - reboundctl verbs (placeholder until the subsystem lands).
 */
#include "config.h"

#include <stdio.h>

#include "ctl.h"

int
ctl_parse(int argc, char **argv)
{
	fprintf(stderr, "reboundctl: %s: not available in this build\n", argv[0]);
	return (2);
}
