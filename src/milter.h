/*
 * milter.h - reboundd's mail filter: refuse, tag or drop suppressed
 * recipients at RCPT time, and take in returning DSNs at end of message.
 *
 * libmilter runs in threads of its own (one listener, one per MTA
 * connection).  Those threads read the suppression set (supset.h) without
 * waiting on the store and send everything else to the event loop through
 * the evqueue; they never touch the store and never exit the process.
 *
 * libmilter keeps global state, so there is at most one milter per
 * process.  milter_start, milter_reconfigure, milter_status and
 * milter_stop are for the loop thread only.  The settings, supset,
 * evqueue and classifier given to milter_start stay owned by the caller;
 * the settings are copied, the others must outlive milter_stop (the
 * classifier: until the next milter_reconfigure).
 */
#ifndef REBOUND_MILTER_H
#define REBOUND_MILTER_H

#include <stddef.h>

#include <jansson.h>

struct classifier;
struct evqueue;
struct milter;
struct rb_settings;
struct supset;

/*
 * The milter settings that libmilter or the compiled policy would refuse:
 * the socket's syntax, the reply, the tag header, the client networks,
 * the daemon names and the bounce address patterns.  milter_check_value
 * checks one key ("milter_socket", ...; others pass) and is what
 * settings_parse() runs on each line, so reboundd -t, start-up and reload
 * refuse the same values with "file:line: key: reason"; milter_check runs
 * it over a whole configuration.  -1 with "key: reason" in err, and
 * milter_check sets *key (when key is not NULL) to the key refused, NULL
 * for no key (out of memory), so the caller can name its line.
 */
int milter_check_value(const char *key, const char *value, char *err,
    size_t errlen);
int milter_check(const struct rb_settings *cfg, const char **key, char *err,
    size_t errlen);

/*
 * Open cfg->milter_socket and start serving.  NULL with a message in err
 * when the settings cannot be compiled or the socket cannot be opened
 * (start-up only: a configuration error).
 */
struct milter *milter_start(const struct rb_settings *cfg, struct supset *set,
    struct evqueue *q, const struct classifier *cl, char *err, size_t errlen);

/*
 * New settings and classifier (SIGHUP).  Waits for callbacks in progress
 * to finish with the old ones, so the caller may free the old classifier
 * as soon as this returns.  The socket changes only at restart.  -1 with
 * a message when the new settings do not compile (the old ones stay).
 */
int milter_reconfigure(struct milter *, const struct rb_settings *cfg,
    const struct classifier *cl, char *err, size_t errlen);

/* Counters and RCPT latency, for the control socket (caller owns it). */
json_t *milter_status(struct milter *);

/*
 * Stop listening and detach from the supset, the queue and the
 * classifier: once this returns, MTA connections still open are answered
 * with milter_on_error and touch nothing of the caller's.
 */
void milter_stop(struct milter *);

#endif
