/*
 * fuzz_settings.c - libFuzzer target for the rebound.conf(5) parser: any
 * text is either refused with "name:line: reason" or parsed into settings
 * that print and parse back to the same thing.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512], *text = malloc(size + 1);

	if (text == NULL)
		return (0);
	memcpy(text, data, size);
	text[size] = '\0';	/* the file reader refuses NULs before this */
	struct rb_settings *c = settings_parse("f.conf", text, err, sizeof(err));
	free(text);
	if (c == NULL) {
		if (strncmp(err, "f.conf", 6) != 0)
			abort();	/* every refusal names the file */
		return (0);
	}
	char *a = NULL;
	size_t alen = 0;
	FILE *fp = open_memstream(&a, &alen);
	settings_print(c, fp);
	fclose(fp);
	settings_free(c);
	/* What -n prints must read back. */
	c = settings_parse("f.conf", a, err, sizeof(err));
	if (c == NULL) {
		fprintf(stderr, "printed settings refused: %s\n%s", err, a);
		abort();
	}
	settings_free(c);
	free(a);
	return (0);
}
