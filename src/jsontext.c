/*
 * jsontext.c - JSON strings from text that may not be UTF-8 (see
 * jsontext.h).
 */
#include "config.h"

#include <stdlib.h>

#include "jsontext.h"
#include "util.h"

json_t *
json_text(const char *s)
{
	if (s == NULL)
		s = "";
	json_t *j = json_string(s);
	if (j != NULL)
		return (j);
	char *c = util_utf8_clean(s);
	if (c == NULL)
		return (NULL);
	j = json_string(c);
	free(c);
	return (j);
}

void
json_set_text(json_t *o, const char *key, const char *s)
{
	json_object_set_new(o, key, json_text(s));
}
