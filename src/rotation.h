/*
 * rotation.h - put the files of rotated logs in the order they were
 * written, oldest first ("mail.log.10.gz" before "mail.log.2.gz" before
 * "mail.log"), for the readers of history: replay and backfill.
 *
 * Pure; the strings stay the caller's, only the pointers move.
 */
#ifndef REBOUND_ROTATION_H
#define REBOUND_ROTATION_H

/* paths[0..n) in rotation order, in place.  -1 when memory is short. */
int rotation_order(char **paths, int n);

#endif
