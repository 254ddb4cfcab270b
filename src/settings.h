/*
 * settings.h - rebound.conf(5): Postfix-like "key = value" settings.
 *
 * settings_load() parses a file into a fresh struct rb_settings; on any error
 * the file is refused whole with "file:line: reason", so a reload with a
 * broken file leaves the running configuration untouched.  Pure apart from
 * reading the file; the result is owned by the caller (settings_free).
 */
#ifndef REBOUND_SETTINGS_H
#define REBOUND_SETTINGS_H

#include <stddef.h>
#include <stdio.h>

#include "store.h"

#define RB_SETTINGS_MAX_FILES 16

struct rb_settings {
	char *file;			/* where it came from, or "(defaults)" */
	char *state_directory;
	char *database;
	char *control_socket;
	long control_socket_mode;
	char *control_socket_group;
	char *admin_group;
	char *user;
	char *log_files[RB_SETTINGS_MAX_FILES];
	int nlog_files;
	char *rules_file;
	char *local_rules_file;
	char *provider_map_file;
	long queue_idle_timeout;
	long queue_max_entries;
	long commit_interval_ms;
	long commit_batch;
	long maintenance_interval;
	long poll_interval_ms;
	long resume_window;		/* bytes re-read before a saved position */
	int verbose;
	struct store_options store;
};

/* Built-in defaults (the daemon runs on these with no file at all). */
struct rb_settings *settings_defaults(void);
/* Parse path over the defaults; NULL and "file:line: reason" on error. */
struct rb_settings *settings_load(const char *path, char *err, size_t errlen);
/* Parse text (name for messages); for tests and for settings_load. */
struct rb_settings *settings_parse(const char *name, const char *text,
    char *err, size_t errlen);
void settings_free(struct rb_settings *);
/* Print the effective configuration in the file's own syntax. */
void settings_print(const struct rb_settings *, FILE *fp);

#endif
