/*
 * ctlsock.h - the control socket: a Unix stream socket speaking a line
 * protocol (one request line, one JSON answer line; see reboundctl(1),
 * PROTOCOL).  Peer credentials decide what a client may do: reading for
 * anyone who can connect, changes only for root, the daemon's own user, or
 * members of the admin group.  Runs on the event loop's thread.
 */
#ifndef REBOUND_CTLSOCK_H
#define REBOUND_CTLSOCK_H

#include <event2/event.h>

#include "outcome.h"
#include "settings.h"

struct daemon;
struct ctlsock;

struct ctlsock *ctlsock_open(struct event_base *, struct daemon *,
    const struct rb_settings *, char *err, size_t errlen);
void ctlsock_close(struct ctlsock *);
/* After a reload: admin group, limits, socket mode and group. */
void ctlsock_reconfigure(struct ctlsock *, const struct rb_settings *);
/* Tell "events --follow" clients about committed outcomes. */
void ctlsock_publish(struct ctlsock *, const struct rb_outcome_rec *, size_t n);

#endif
