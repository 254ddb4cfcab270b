/*
 * log.h - the daemon's own log: "subsystem: key=value ..." lines to syslog
 * (journald picks them up) or to stderr in the foreground and in tools.
 *
 * log_warn() appends strerror(errno), log_warnx() does not (OpenSMTPD's
 * convention).  Thread-safe: each call is one write.
 */
#ifndef REBOUND_LOG_H
#define REBOUND_LOG_H

#include <stdarg.h>

enum log_target {
	LOG_TO_STDERR = 0,	/* default: tools, tests, reboundd -f */
	LOG_TO_SYSLOG,
};

/* ident: "reboundd"; verbose: also log debug lines. */
void log_init(const char *ident, enum log_target, int verbose);
void log_set_verbose(int);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Start-up and configuration only: log and exit(1). */
void log_fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
