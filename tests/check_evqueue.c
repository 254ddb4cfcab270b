/*
 * check_evqueue.c - the queue from other threads into the event loop:
 * everything pushed from many threads arrives once, in each thread's
 * order; a batch the store refuses is offered again, before later ones;
 * a full queue refuses instead of growing.
 */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "evqueue.h"

#define THREADS	4
#define PER	2000

struct item { int thread, seq; };

static int last_seq[THREADS], got_items, got_recs, refusals, order_ok = 1;
static struct event_base *base;

static void
on_item(void *p, struct store *st)
{
	struct item *it = p;

	(void)st;
	if (it->seq != last_seq[it->thread] + 1)
		order_ok = 0;
	last_seq[it->thread] = it->seq;
	got_items++;
	free(it);
}

/* Refuses the first three batches: a read-only database, say. */
static int
apply(void *arg, const struct rb_outcome_rec *recs, size_t n)
{
	int *expect = arg;

	if (refusals < 3) {
		refusals++;
		return (-1);
	}
	for (size_t i = 0; i < n; i++) {
		if (atoi(recs[i].queue_id) != *expect)
			order_ok = 0;
		(*expect)++;
	}
	got_recs += (int)n;
	return (0);
}

static void *
producer(void *arg)
{
	struct evqueue *q = arg;
	static int next_thread;
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

	pthread_mutex_lock(&mu);
	int t = next_thread++;
	pthread_mutex_unlock(&mu);
	for (int i = 1; i <= PER; i++) {
		struct item *it = malloc(sizeof(*it));
		it->thread = t;
		it->seq = i;
		while (evqueue_push(q, on_item, it) != 0)
			sched_yield();	/* full: the loop catches up */
	}
	return (NULL);
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	if (got_items == THREADS * PER && got_recs == 30)
		event_base_loopbreak(arg);
}

START_TEST(test_threads_and_retry)
{
	int expect = 0;
	pthread_t th[THREADS];

	base = event_base_new();
	struct evqueue *q = evqueue_new(base, 500);
	ck_assert_ptr_nonnull(q);
	evqueue_set_apply(q, apply, &expect, NULL);

	/* Three batches of ten records, numbered 0..29 in queue_id. */
	struct rb_outcome_rec recs[10];
	for (int b = 0; b < 3; b++) {
		for (int i = 0; i < 10; i++) {
			outcome_init(&recs[i]);
			snprintf(recs[i].queue_id, sizeof(recs[i].queue_id), "%d", b * 10 + i);
		}
		ck_assert_int_eq(evqueue_push_outcomes(q, recs, 10), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, producer, q);

	struct event *tick = event_new(base, -1, EV_PERSIST, on_tick, base);
	struct timeval tv = { 0, 10000 }, limit = { 20, 0 };
	event_add(tick, &tv);
	event_base_loopexit(base, &limit);
	event_base_dispatch(base);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);

	ck_assert_int_eq(got_items, THREADS * PER);
	ck_assert_int_eq(got_recs, 30);
	ck_assert_int_eq(refusals, 3);
	ck_assert_msg(order_ok, "messages arrived out of order");
	ck_assert_int_eq(evqueue_pending(q), 0);
	event_free(tick);
	evqueue_free(q);
	event_base_free(base);
}
END_TEST

START_TEST(test_full)
{
	struct event_base *b = event_base_new();
	struct evqueue *q = evqueue_new(b, 3);
	struct rb_outcome_rec r;

	outcome_init(&r);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(evqueue_push_outcomes(q, &r, 1), 0);
	ck_assert_int_eq(evqueue_push_outcomes(q, &r, 1), -1);
	ck_assert_int_eq(evqueue_pending(q), 3);
	evqueue_free(q);	/* frees what is still queued */
	event_base_free(b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("evqueue");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_threads_and_retry);
	tcase_add_test(tc, test_full);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
