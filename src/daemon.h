/*
 * daemon.h - reboundd's event loop: it owns the settings, the classifier,
 * the store, the log sources, the control socket, the timers and the
 * signals.  Everything here runs on the loop's thread.
 */
#ifndef REBOUND_DAEMON_H
#define REBOUND_DAEMON_H

#include <jansson.h>

#include "backfill.h"
#include "settings.h"

struct classifier;
struct daemon;
struct evqueue;

/* Run until SIGTERM/SIGINT; returns the exit status.  Takes cfg. */
int daemon_run(struct rb_settings *cfg, const char *config_path);

/* For the control socket. */
struct store *daemon_store(struct daemon *);
/* The rules and provider map in force (replaced by a reload). */
const struct classifier *daemon_classifier(struct daemon *);
/* The queue other threads (the milter) push into. */
struct evqueue *daemon_evqueue(struct daemon *);
json_t *daemon_status(struct daemon *);
/*
 * Start a backfill of paths (absolute, read in the order given); done
 * receives its answer with arg.  -1 with err set when one is running or
 * memory is short.  daemon_backfill_cancel stops the job if arg started it
 * (its client is gone): done is then not called.
 */
int daemon_backfill_start(struct daemon *, char *const *paths, size_t n,
    backfill_done_fn done, void *arg, char *err, size_t errlen);
void daemon_backfill_cancel(struct daemon *, void *arg);

#endif
