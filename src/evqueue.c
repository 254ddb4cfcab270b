/*
 * evqueue.c - the queue from other threads into the event loop (see
 * evqueue.h).
 *
 * A mutex guards a FIFO list; a non-blocking pipe wakes the loop (one byte
 * per wake-up at most matters, so a full pipe is fine).  The loop takes the
 * whole list at once and works through it without the lock held, so a
 * producer never waits for SQLite.  A batch the store refuses goes back to
 * the front and a timer offers it again: order is kept, nothing is lost.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evqueue.h"
#include "log.h"

#define RETRY_MS	1000

struct msg {
	struct msg *next;
	evqueue_fn fn;			/* closure message, or */
	void *item;
	struct rb_outcome_rec *recs;	/* outcome batch */
	size_t n;
};

struct evqueue {
	pthread_mutex_t mu;
	struct msg *head, *tail;
	size_t pending, max;
	int pipefd[2];
	struct event *ev_wake, *ev_retry;
	evqueue_apply_fn apply;
	void *apply_arg;
	struct store *st;
};

static void
wake(struct evqueue *q)
{
	char c = 1;

	/* EAGAIN: a wake-up is already pending, which is all we need. */
	if (write(q->pipefd[1], &c, 1) < 0 && errno != EAGAIN)
		log_warn("evqueue: wake");
}

static void
free_msg(struct msg *m)
{
	if (m->fn != NULL)
		m->fn(m->item, NULL);
	free(m->recs);
	free(m);
}

/* Loop thread: run everything queued; put back what the store refused. */
static void
drain(struct evqueue *q)
{
	pthread_mutex_lock(&q->mu);
	struct msg *list = q->head;
	q->head = q->tail = NULL;
	pthread_mutex_unlock(&q->mu);

	while (list != NULL) {
		struct msg *m = list;
		if (m->recs != NULL) {
			if (q->apply == NULL || q->apply(q->apply_arg, m->recs, m->n) != 0)
				break;	/* keep it and what follows, in order */
		} else {
			m->fn(m->item, q->st);
		}
		list = m->next;
		free(m->recs);
		free(m);
		pthread_mutex_lock(&q->mu);
		q->pending--;
		pthread_mutex_unlock(&q->mu);
	}
	if (list == NULL)
		return;
	/* Refused: back to the front, before anything pushed meanwhile. */
	struct msg *last = list;
	while (last->next != NULL)
		last = last->next;
	pthread_mutex_lock(&q->mu);
	last->next = q->head;
	if (q->head == NULL)
		q->tail = last;
	q->head = list;
	pthread_mutex_unlock(&q->mu);
	struct timeval tv = { RETRY_MS / 1000, (RETRY_MS % 1000) * 1000 };
	if (!evtimer_pending(q->ev_retry, NULL))
		evtimer_add(q->ev_retry, &tv);
}

static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct evqueue *q = arg;
	char buf[256];

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	/* While a refused batch waits for its timer, do not hammer the store. */
	if (!evtimer_pending(q->ev_retry, NULL))
		drain(q);
}

static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	drain(arg);
}

struct evqueue *
evqueue_new(struct event_base *base, size_t max_pending)
{
	struct evqueue *q = calloc(1, sizeof(*q));

	if (q == NULL)
		return (NULL);
	q->max = max_pending ? max_pending : 10000;
	if (pipe2(q->pipefd, O_NONBLOCK | O_CLOEXEC) != 0) {
		log_warn("evqueue: pipe");
		free(q);
		return (NULL);
	}
	pthread_mutex_init(&q->mu, NULL);
	q->ev_wake = event_new(base, q->pipefd[0], EV_READ | EV_PERSIST, on_wake, q);
	q->ev_retry = evtimer_new(base, on_retry, q);
	if (q->ev_wake == NULL || q->ev_retry == NULL || event_add(q->ev_wake, NULL) != 0) {
		evqueue_free(q);
		return (NULL);
	}
	return (q);
}

void
evqueue_set_apply(struct evqueue *q, evqueue_apply_fn fn, void *arg,
    struct store *st)
{
	q->apply = fn;
	q->apply_arg = arg;
	q->st = st;
	/* Something may have waited for a store to exist. */
	wake(q);
}

void
evqueue_free(struct evqueue *q)
{
	if (q == NULL)
		return;
	if (q->ev_wake)
		event_free(q->ev_wake);
	if (q->ev_retry)
		event_free(q->ev_retry);
	for (struct msg *m = q->head, *next; m != NULL; m = next) {
		next = m->next;
		free_msg(m);
	}
	close(q->pipefd[0]);
	close(q->pipefd[1]);
	pthread_mutex_destroy(&q->mu);
	free(q);
}

static int
enqueue(struct evqueue *q, struct msg *m)
{
	pthread_mutex_lock(&q->mu);
	if (q->pending >= q->max) {
		pthread_mutex_unlock(&q->mu);
		return (-1);
	}
	if (q->tail != NULL)
		q->tail->next = m;
	else
		q->head = m;
	q->tail = m;
	q->pending++;
	pthread_mutex_unlock(&q->mu);
	wake(q);
	return (0);
}

int
evqueue_push(struct evqueue *q, evqueue_fn fn, void *item)
{
	struct msg *m = calloc(1, sizeof(*m));

	if (m == NULL || fn == NULL) {
		free(m);
		return (-1);
	}
	m->fn = fn;
	m->item = item;
	if (enqueue(q, m) != 0) {
		free(m);
		return (-1);
	}
	return (0);
}

int
evqueue_push_outcomes(struct evqueue *q, const struct rb_outcome_rec *recs,
    size_t n)
{
	struct msg *m;

	if (n == 0)
		return (0);
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->recs = malloc(n * sizeof(*recs))) == NULL) {
		free(m);
		return (-1);
	}
	memcpy(m->recs, recs, n * sizeof(*recs));
	m->n = n;
	if (enqueue(q, m) != 0) {
		free(m->recs);
		free(m);
		return (-1);
	}
	return (0);
}

int
evqueue_apply_now(struct evqueue *q, const struct rb_outcome_rec *recs,
    size_t n)
{
	if (n == 0)
		return (0);
	/*
	 * A refused batch still waiting goes first: order is kept, and the
	 * store is not asked again before its timer.
	 */
	pthread_mutex_lock(&q->mu);
	int waiting = q->head != NULL;
	pthread_mutex_unlock(&q->mu);
	if (!waiting && q->apply != NULL &&
	    q->apply(q->apply_arg, recs, n) == 0)
		return (0);
	return (evqueue_push_outcomes(q, recs, n) == 0 ? 1 : -1);
}

size_t
evqueue_flush(struct evqueue *q)
{
	if (evtimer_pending(q->ev_retry, NULL))
		evtimer_del(q->ev_retry);
	drain(q);
	size_t left = 0;
	pthread_mutex_lock(&q->mu);
	for (struct msg *m = q->head; m != NULL; m = m->next)
		left += m->n;
	pthread_mutex_unlock(&q->mu);
	return (left);
}

size_t
evqueue_pending(struct evqueue *q)
{
	pthread_mutex_lock(&q->mu);
	size_t n = q->pending;
	pthread_mutex_unlock(&q->mu);
	return (n);
}
