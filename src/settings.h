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

/* log_files when the configuration does not set it. */
#define RB_DEFAULT_LOG_FILE	"/var/log/mail.log"
#define RB_SETTINGS_MAX_FILES 16

#define RB_SETTINGS_MAX_KEYS	64

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
	long queue_deferred_timeout;
	long queue_max_entries;
	long commit_interval_ms;
	long commit_batch;
	long maintenance_interval;
	long poll_interval_ms;
	long rotate_grace_ms;		/* a rotated file is read on this long */
	long resume_window;		/* bytes re-read before a saved position */
	int verbose;
	int log_stderr;			/* log_target = stderr */
	int watchdog;
	long max_clients;
	long max_request_size;
	char *log_format;		/* auto | postfix | sendmail */
	int journal;
	char *journal_match;
	char *journal_directory;
	struct store_options store;

	/* DSN parser limits (dsn.h). */
	long dsn_max_size;
	long dsn_max_depth;
	long dsn_max_parts;
	long dsn_max_recipients;
	char *verp_pattern;		/* list, up to 4 */

	/* Signed return paths (batv.h); empty batv_key_file = BATV off. */
	char *batv_key_file;
	long batv_max_age;		/* seconds, whole days */

	/*
	 * Milter (milter.h); empty milter_socket = no milter.  Lists are kept
	 * as one string of comma-separated words ("a, b"): settings_words()
	 * splits them.  Enumerations hold one of the words documented in
	 * rebound.conf(5), already validated.
	 */
	char *milter_socket;		/* "unix:/path" | "inet:PORT@HOST" | "inet6:..." */
	char *milter_policy;		/* reject | tempfail | tag | drop */
	char *milter_reject_reply;	/* %r = reason, %d = date suppressed */
	char *milter_tag_header;
	char *milter_scope;		/* authenticated, client_networks, local, daemon_names, all */
	char *milter_client_networks;	/* CIDR list */
	char *milter_daemon_names;
	char *milter_bounce_addresses;	/* patterns */
	char *milter_dsn_action;	/* accept | discard | quarantine */
	int milter_require_verified;
	long milter_max_body;
	char *milter_on_error;		/* accept | tempfail */
	int milter_batv_sign;		/* sign in-scope senders */

	/*
	 * The line of the file each key was set on (0: a default), in the
	 * order of settings.c's table: checks that run once the whole file
	 * is read (paths, accounts, the milter's values) name it too.
	 */
	int key_line[RB_SETTINGS_MAX_KEYS];
};

/* Built-in defaults (the daemon runs on these with no file at all). */
struct rb_settings *settings_defaults(void);
/* Parse path over the defaults; NULL and "file:line: reason" on error. */
struct rb_settings *settings_load(const char *path, char *err, size_t errlen);
/* Parse text (name for messages); for tests and for settings_load. */
struct rb_settings *settings_parse(const char *name, const char *text,
    char *err, size_t errlen);
void settings_free(struct rb_settings *);
/*
 * Is v a journal_match as the journal reader takes it (blank- or
 * comma-separated FIELD=value terms and lone "+")?  0, or -1 with why.
 */
int settings_journal_match_check(const char *v, char *why, size_t whylen);
/*
 * Split a list value ("a, b c") into at most max words, copied into the
 * caller's buf (bufsize bytes); returns the count.  Thread-safe.
 */
int settings_words(const char *list, char *buf, size_t bufsize,
    const char **words, int max);
/*
 * The DSN parser's options from dsn_max_* and verp_pattern; the patterns
 * are copied into buf (bufsize bytes), which must outlive o.
 */
struct dsn_options;
void settings_dsn_options(const struct rb_settings *, struct dsn_options *o,
    char *buf, size_t bufsize);
/*
 * Look up the accounts the settings name (getpwnam, getgrnam; not pure).
 * -1 with the reason in err when as_root and user is set but no such user
 * exists: started as root, reboundd would otherwise keep running as root.
 * Otherwise 0, with warn naming any control_socket_group or admin_group
 * that does not exist (empty when all do): such a group is not applied.
 */
int settings_check_accounts(const struct rb_settings *, int as_root,
    char *err, size_t errlen, char *warn, size_t warnlen);
/*
 * Check that the files and directories the settings name can be read
 * (access, stat; not pure): the rule and provider map files, and the
 * journal directory when the journal is read, and the milter's values.
 * -1 with "FILE:LINE: key = value: reason" in err (FILE alone for a key
 * left at its default), so that a bad path is refused by reboundd -t, at
 * start and at reload with the key and line that name it, not found
 * missing later by whatever opens it.
 */
int settings_check_paths(const struct rb_settings *, char *err, size_t errlen);
/*
 * "FILE:LINE" where key was set, or "FILE" when it holds its default
 * (or is no key), into buf: the start of a message about that key.
 */
const char *settings_where(const struct rb_settings *, const char *key,
    char *buf, size_t bufsize);
/* Print the effective configuration in the file's own syntax. */
void settings_print(const struct rb_settings *, FILE *fp);
/* The same, each key preceded by its one-line description. */
void settings_print_doc(const struct rb_settings *, FILE *fp);

#endif
