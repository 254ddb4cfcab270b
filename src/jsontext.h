/*
 * jsontext.h - JSON strings from text that may not be UTF-8.
 *
 * Log lines and bounce messages hold any bytes; jansson refuses a string
 * that is not UTF-8 and json_object_set_new() then drops the field without
 * a word.  These keep the field, its valid characters as they are and
 * every other byte as '?'.  Any thread.
 */
#ifndef REBOUND_JSONTEXT_H
#define REBOUND_JSONTEXT_H

#include <jansson.h>

/* A new JSON string of s (NULL: ""); NULL only when out of memory. */
json_t *json_text(const char *s);
/* json_object_set_new(o, key, json_text(s)). */
void json_set_text(json_t *o, const char *key, const char *s);

#endif
