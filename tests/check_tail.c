/*
 * check_tail.c - the live log follower (src/tail.c) when memory runs out
 * or the store refuses a batch.
 *
 * The follower collects a line's outcomes in a growing array before it
 * hands them to the store.  Growth that fails must not drop outcomes: the
 * line waits, what was read is committed, and the next try goes on.  The
 * test makes realloc() fail for that array alone, through the linker's
 * --wrap (tests/tests.am), on a real file, event base and classifier.
 * Rotation and restarts are tested on the daemon (log_rotation.sh).
 */
#define _DEFAULT_SOURCE	/* mkstemp */

#include <check.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classify.h"
#include "logproc.h"
#include "tail.h"

#define NLINES	1000

/*
 * Growth of the outcome array to more than fail_above records fails; 0
 * lets everything through.  Its sizes are whole numbers of records and,
 * the record's size being no power of two, never a power of two, unlike
 * the read buffer's; nothing else in the follower allocates such sizes.
 */
static size_t fail_above;
static int refused;

void *__real_realloc(void *, size_t);
void *__wrap_realloc(void *, size_t);

void *
__wrap_realloc(void *p, size_t n)
{
	size_t r = sizeof(struct rb_outcome_rec);

	if (fail_above > 0 && n % r == 0 && (n & (n - 1)) != 0 &&
	    n / r > fail_above) {
		refused++;
		return (NULL);
	}
	return (__real_realloc(p, n));
}

struct sink {
	int refuse;		/* batches still to refuse (a full disk) */
	int n;
	unsigned char seen[NLINES];
	int twice;
	uint64_t offset;
};

static int
sink(void *arg, const struct rb_outcome_rec *recs, size_t n,
    const struct rb_position *pos)
{
	struct sink *s = arg;

	if (n > 0 && s->refuse > 0) {
		s->refuse--;
		return (-1);
	}
	for (size_t i = 0; i < n; i++) {
		int k = atoi(recs[i].recipient + 4);	/* "user" k "@..." */
		ck_assert(k >= 0 && k < NLINES);
		if (s->seen[k]++)
			s->twice++;
		s->n++;
	}
	if (pos != NULL)
		s->offset = pos->offset;
	return (0);
}

static struct classifier *cl;
static struct logproc *lp;
static struct event_base *base;
static char path[] = "/tmp/check_tail.XXXXXX";

/* Once for all cases: loading the rules takes seconds under sanitizers. */
static void
setup_rules(void)
{
	char err[256];

	cl = classifier_load(NULL, NULL, NULL, err, sizeof(err));
	ck_assert_msg(cl != NULL, "%s", err);
}

static void
teardown_rules(void)
{
	classifier_free(cl);
}

static void
setup(void)
{
	struct logproc_options o;

	ck_assert((sizeof(struct rb_outcome_rec) &
	    (sizeof(struct rb_outcome_rec) - 1)) != 0);
	logproc_options_default(&o);
	lp = logproc_new(cl, &o);
	base = event_base_new();
	strcpy(path, "/tmp/check_tail.XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	fail_above = 0;
	refused = 0;
}

static void
teardown(void)
{
	fail_above = 0;
	unlink(path);
	event_base_free(base);
	logproc_free(lp);
}

/* NLINES bounces, one recipient each, appended to the followed file. */
static void
append_bounces(void)
{
	FILE *f = fopen(path, "a");

	ck_assert(f != NULL);
	for (int i = 0; i < NLINES; i++)
		fprintf(f, "Dec  7 10:00:%02d mx1 postfix/smtp[14]: 4A%08X: "
		    "to=<user%d@example.com>, relay=mx.example.com[192.0.2.1]:25, "
		    "delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host "
		    "mx.example.com[192.0.2.1] said: 550 5.1.1 <user%d@example.com>: "
		    "Recipient address rejected: User unknown in virtual mailbox "
		    "table (in reply to RCPT TO command))\n", i % 60, i, i, i);
	ck_assert_int_eq(fclose(f), 0);
}

static json_int_t
status_int(struct tail *t, const char *key)
{
	json_t *s = tail_status(t);

	ck_assert_msg(s != NULL, "tail_status packs");
	json_int_t v = json_integer_value(json_object_get(s, key));
	json_decref(s);
	return (v);
}

/*
 * The array may not grow past its first 256 records: a turn of 1000
 * bounces is handed over in several batches, each outcome once.
 */
START_TEST(test_growth_refused)
{
	struct sink s = { 0 };
	struct tail_options o;

	tail_options_default(&o);
	struct tail *t = tail_new(base, path, NULL, lp, sink, &s, &o);
	ck_assert(t != NULL);
	append_bounces();
	fail_above = 256;
	tail_flush(t);
	ck_assert_int_gt(refused, 0);
	ck_assert_int_eq(s.n, NLINES);
	ck_assert_int_eq(s.twice, 0);
	ck_assert_int_eq(status_int(t, "lost"), 0);
	ck_assert_int_eq(status_int(t, "outcomes"), NLINES);
	tail_free(t);
}
END_TEST

/*
 * No room at all: nothing is read, the position stays where it was, and
 * once memory is back every line gives its outcome.
 */
START_TEST(test_no_memory_then_back)
{
	struct sink s = { 0 };
	struct tail_options o;

	tail_options_default(&o);
	struct tail *t = tail_new(base, path, NULL, lp, sink, &s, &o);
	ck_assert(t != NULL);
	append_bounces();
	fail_above = 1;
	tail_flush(t);
	ck_assert_int_gt(refused, 0);
	ck_assert_int_eq(s.n, 0);
	ck_assert_int_eq(status_int(t, "offset"), 0);
	fail_above = 0;
	tail_flush(t);
	ck_assert_int_eq(s.n, NLINES);
	ck_assert_int_eq(s.twice, 0);
	ck_assert_int_eq(status_int(t, "lost"), 0);
	ck_assert_int_eq((json_int_t)s.offset, status_int(t, "offset"));
	ck_assert_int_eq(status_int(t, "offset"), status_int(t, "size"));
	tail_free(t);
}
END_TEST

/*
 * The store refuses a batch in the middle of a turn, then takes it: the
 * lines read after that batch are processed at the next try, though the
 * file is quiet and has not grown since.
 */
START_TEST(test_refused_then_quiet)
{
	struct sink s = { 0 };
	struct tail_options o;

	tail_options_default(&o);
	o.batch = 100;
	struct tail *t = tail_new(base, path, NULL, lp, sink, &s, &o);
	ck_assert(t != NULL);
	append_bounces();
	s.refuse = 1;
	tail_flush(t);
	ck_assert_int_eq(s.n, 0);
	json_t *st = tail_status(t);
	ck_assert(json_is_true(json_object_get(st, "stalled")));
	json_decref(st);
	tail_flush(t);
	ck_assert_int_eq(s.n, NLINES);
	ck_assert_int_eq(s.twice, 0);
	ck_assert_int_eq(status_int(t, "offset"), status_int(t, "size"));
	tail_free(t);
}
END_TEST

/*
 * Rotated in the middle of a line while memory is short: the line's
 * beginning, kept to join its end in the new file, cannot be kept; the
 * rotation waits, and once memory is back the joined line gives its
 * outcome.
 */
START_TEST(test_rotation_split_line_no_memory)
{
	struct sink s = { 0 };
	struct tail_options o;
	char rotated[64], line[16384];

	tail_options_default(&o);
	struct tail *t = tail_new(base, path, NULL, lp, sink, &s, &o);
	ck_assert(t != NULL);
	/*
	 * A bounce whose reply runs on (padded), cut two records' size
	 * into it: the size of the beginning kept is one the test's realloc
	 * refuses.
	 */
	size_t head = 2 * sizeof(struct rb_outcome_rec);
	int n = snprintf(line, sizeof(line), "Dec  7 10:00:00 mx1 postfix/smtp[14]: "
	    "4B00000001: to=<user7@example.com>, relay=mx.example.com[192.0.2.1]:25, "
	    "delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host "
	    "mx.example.com[192.0.2.1] said: 550 5.1.1 User unknown ");
	while ((size_t)n < head + 100)
		line[n++] = 'x';
	snprintf(line + n, sizeof(line) - (size_t)n,
	    " (in reply to RCPT TO command))\n");
	FILE *f = fopen(path, "a");
	ck_assert(f != NULL);
	ck_assert_int_eq(fwrite(line, 1, head, f), head);
	ck_assert_int_eq(fclose(f), 0);
	tail_flush(t);
	ck_assert_int_eq(s.n, 0);
	snprintf(rotated, sizeof(rotated), "%s.1", path);
	ck_assert_int_eq(rename(path, rotated), 0);
	f = fopen(path, "w");
	ck_assert(f != NULL);
	fputs(line + head, f);
	ck_assert_int_eq(fclose(f), 0);
	fail_above = 1;
	tail_flush(t);
	ck_assert_int_gt(refused, 0);
	ck_assert_int_eq(status_int(t, "rotations"), 0);
	fail_above = 0;
	tail_flush(t);
	ck_assert_int_eq(status_int(t, "rotations"), 1);
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(s.seen[7], 1);
	unlink(rotated);
	tail_free(t);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tail");
	TCase *tc = tcase_create("memory");

	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, setup_rules, teardown_rules);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_growth_refused);
	tcase_add_test(tc, test_no_memory_then_back);
	tcase_add_test(tc, test_refused_then_quiet);
	tcase_add_test(tc, test_rotation_split_line_no_memory);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed ? EXIT_FAILURE : EXIT_SUCCESS);
}
