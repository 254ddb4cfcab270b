/*
 * batv_keyfile.h - read the BATV key file (batv_key_file in
 * rebound.conf(5)) into a struct batv_keys (batv.h).
 *
 * The file holds secrets, so one that others may read or anyone but its
 * owner may change is refused before its contents are looked at.  Any
 * thread; the caller owns the key set.
 */
#ifndef REBOUND_BATV_KEYFILE_H
#define REBOUND_BATV_KEYFILE_H

#include <stddef.h>

struct batv_keys;

/*
 * Load path into keys.  -1 with "path: reason" or "path:line: reason" in
 * err when the file cannot be read, is open to others (group or other
 * write, other read), holds no key or has a bad line; keys then holds no
 * key.  An empty path loads no key and succeeds (BATV off).
 */
int batv_keyfile_load(const char *path, struct batv_keys *keys, char *err,
    size_t errlen);

#endif
