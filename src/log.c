/*
 * log.c - see log.h.  Global settings are written once at start-up
 * (log_init) before any thread starts; afterwards only read.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static const char *log_ident = "rebound";
static enum log_target log_target_now = LOG_TO_STDERR;
static int log_verbose;

void
log_init(const char *ident, enum log_target target, int verbose)
{
	log_ident = ident;
	log_target_now = target;
	log_verbose = verbose;
	if (target == LOG_TO_SYSLOG)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void
log_set_verbose(int v)
{
	log_verbose = v;
}

static void log_emit(int, const char *, va_list, const char *)
    __attribute__((format(printf, 2, 0)));

static void
log_emit(int prio, const char *fmt, va_list ap, const char *suffix)
{
	char buf[2048];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_target_now == LOG_TO_SYSLOG) {
		syslog(prio, "%s%s%s", buf, suffix ? ": " : "",
		    suffix ? suffix : "");
		return;
	}
	/* One fprintf so lines from different threads do not interleave. */
	fprintf(stderr, "%s: %s%s%s\n", log_ident, buf, suffix ? ": " : "",
	    suffix ? suffix : "");
}

#define LOG_BODY(prio, suffix) do {					\
	va_list ap;							\
	va_start(ap, fmt);						\
	log_emit(prio, fmt, ap, suffix);				\
	va_end(ap);							\
} while (0)

void
log_debug(const char *fmt, ...)
{
	if (log_verbose)
		LOG_BODY(LOG_DEBUG, NULL);
}

void
log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_INFO, NULL);
}

void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, NULL);
}

void
log_warn(const char *fmt, ...)
{
	const char *e = strerror(errno);

	LOG_BODY(LOG_WARNING, e);
}

void
log_fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_ERR, NULL);
	exit(1);
}
