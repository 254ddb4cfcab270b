/*
 * check_batv.c - BATV prvs tags (batv.h) and the key file
 * (batv_keyfile.h): known answers computed apart from this code, expiry
 * across the day counter's wrap, wrong keys, altered tags, either case of
 * hex, malformed input; key files refused with their line and reason.
 *
 * The expected tags were computed with Python's hmac module:
 *	hmac.new(secret, b"KDDD" + addr, hashlib.sha1).hexdigest()[:6]
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batv.h"
#include "batv_keyfile.h"

#define KEY0	"correct horse battery staple"
#define KEY3	"a second, older secret for key 3"
#define DAY	20000L		/* 2024-10-04 */

static void
keys(struct batv_keys *k)
{
	const char *text = "# rebound BATV keys\n\n0 " KEY0 "\n3\t" KEY3 "  \n";
	char err[256];

	ck_assert_msg(batv_keys_parse(k, "k", text, strlen(text), err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(k->nkeys, 2);
	ck_assert_int_eq(k->sign, 0);
}

START_TEST(test_known_answers)
{
	static const struct {
		long day;
		const char *addr, *want;
	} cases[] = {
		{ DAY, "news@shop.example", "prvs=0007e4ac27=news@shop.example" },
		/* Day 20995 + 7 expires on day 21002: DDD wraps to 002. */
		{ 20995L, "news@shop.example", "prvs=00027f895d=news@shop.example" },
	};
	struct batv_keys k;
	char out[256];

	keys(&k);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(batv_sign(&k, cases[i].addr, cases[i].day, 7,
		    out, sizeof(out)), 0);
		ck_assert_str_eq(out, cases[i].want);
		ck_assert_int_eq(batv_verify(&k, out, cases[i].day, 7, NULL, 0),
		    BATV_VALID);
	}
	/* A tag made elsewhere with key 3, on a signed VERP address. */
	char orig[256];
	ck_assert_int_eq(batv_verify(&k,
	    "prvs=30077c46e4=bounces+user=example.net@shop.example", DAY, 7,
	    orig, sizeof(orig)), BATV_VALID);
	ck_assert_str_eq(orig, "bounces+user=example.net@shop.example");
}
END_TEST

START_TEST(test_expiry)
{
	static const struct {
		const char *addr;
		long day;
		int max_age;
		enum batv_result want;
	} cases[] = {
		/* Expires on day 21002 (002), signed on day 20995. */
		{ "prvs=00027f895d=news@shop.example", 20995L, 7, BATV_VALID },
		{ "prvs=00027f895d=news@shop.example", 20999L, 7, BATV_VALID },
		{ "prvs=00027f895d=news@shop.example", 21000L, 7, BATV_VALID },
		{ "prvs=00027f895d=news@shop.example", 21002L, 7, BATV_VALID },
		{ "prvs=00027f895d=news@shop.example", 21003L, 7, BATV_EXPIRED },
		{ "prvs=00027f895d=news@shop.example", 21500L, 7, BATV_EXPIRED },
		/* Further ahead than a tag of max_age days can be: not ours. */
		{ "prvs=00027f895d=news@shop.example", 20994L, 7, BATV_EXPIRED },
		{ "prvs=00027f895d=news@shop.example", 20994L, 8, BATV_VALID },
		/* Expires on day 999 of a thousand. */
		{ "prvs=0999d3da71=news@shop.example", 20999L, 7, BATV_VALID },
		{ "prvs=0999d3da71=news@shop.example", 21000L, 7, BATV_EXPIRED },
		{ "prvs=0999d3da71=news@shop.example", 20992L, 7, BATV_VALID },
		{ "prvs=0999d3da71=news@shop.example", 20991L, 7, BATV_EXPIRED },
	};
	struct batv_keys k;

	keys(&k);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum batv_result r = batv_verify(&k, cases[i].addr, cases[i].day,
		    cases[i].max_age, NULL, 0);
		ck_assert_msg(r == cases[i].want, "case %zu: %s, want %s", i,
		    batv_result_name(r), batv_result_name(cases[i].want));
	}
}
END_TEST

START_TEST(test_forgeries)
{
	static const struct {
		const char *addr;
		enum batv_result want;
	} cases[] = {
		{ "prvs=0007E4AC27=news@shop.example", BATV_VALID },
		{ "PRVS=0007e4AC27=news@shop.example", BATV_VALID },
		/* One hex digit off, the day moved, the address changed. */
		{ "prvs=0007e4ac28=news@shop.example", BATV_BAD_SIGNATURE },
		{ "prvs=0008e4ac27=news@shop.example", BATV_BAD_SIGNATURE },
		{ "prvs=0007e4ac27=News@shop.example", BATV_BAD_SIGNATURE },
		{ "prvs=0007e4ac27=victim@shop.example", BATV_BAD_SIGNATURE },
		/* The same tag under another configured key number. */
		{ "prvs=3007e4ac27=news@shop.example", BATV_BAD_SIGNATURE },
		/* A key number nobody configured. */
		{ "prvs=5007e4ac27=news@shop.example", BATV_UNKNOWN_KEY },
		{ "news@shop.example", BATV_NOT_SIGNED },
		{ "", BATV_NOT_SIGNED },
		{ "prvs=", BATV_MALFORMED },
		{ "prvs=0007e4ac2=news@shop.example", BATV_MALFORMED },
		{ "prvs=0007e4ac27x=news@shop.example", BATV_MALFORMED },
		{ "prvs=0007e4ac2g=news@shop.example", BATV_MALFORMED },
		{ "prvs=x007e4ac27=news@shop.example", BATV_MALFORMED },
		{ "prvs=00a7e4ac27=news@shop.example", BATV_MALFORMED },
		{ "prvs=0007e4ac27=", BATV_MALFORMED },
		{ "prvs=0007e4ac27=news", BATV_MALFORMED },
		{ "prvs=0007e4ac27=@shop.example", BATV_MALFORMED },
		{ "prvs=0007e4ac27=news@", BATV_MALFORMED },
		{ "prvs=0007e4ac27", BATV_MALFORMED },
	};
	struct batv_keys k;
	char orig[64];

	keys(&k);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum batv_result r = batv_verify(&k, cases[i].addr, DAY, 7, orig,
		    sizeof(orig));
		ck_assert_msg(r == cases[i].want, "case %zu (%s): %s, want %s", i,
		    cases[i].addr, batv_result_name(r),
		    batv_result_name(cases[i].want));
	}
	/* No keys at all: nothing verifies. */
	struct batv_keys none;
	batv_keys_init(&none);
	ck_assert_int_eq(batv_verify(&none, "prvs=0007e4ac27=news@shop.example",
	    DAY, 7, NULL, 0), BATV_UNKNOWN_KEY);
	ck_assert_int_eq(batv_verify(NULL, "prvs=0007e4ac27=news@shop.example",
	    DAY, 7, NULL, 0), BATV_UNKNOWN_KEY);
	char out[128];
	ck_assert_int_eq(batv_sign(&none, "news@shop.example", DAY, 7, out,
	    sizeof(out)), -1);
}
END_TEST

START_TEST(test_sign_refuses)
{
	struct batv_keys k;
	char out[64];

	keys(&k);
	ck_assert_int_eq(batv_sign(&k, "", DAY, 7, out, sizeof(out)), -1);
	ck_assert_int_eq(batv_sign(&k, "news", DAY, 7, out, sizeof(out)), -1);
	ck_assert_int_eq(batv_sign(&k, "@shop.example", DAY, 7, out, sizeof(out)), -1);
	ck_assert_int_eq(batv_sign(&k, "prvs=0007e4ac27=news@shop.example", DAY,
	    7, out, sizeof(out)), -1);
	/* 16 bytes of tag, 17 of address, NUL: 34 needed. */
	ck_assert_int_eq(batv_sign(&k, "news@shop.example", DAY, 7, out, 33), -1);
	ck_assert_int_eq(batv_sign(&k, "news@shop.example", DAY, 7, out, 34), 0);
	ck_assert_int_eq(batv_sign(&k, "news@shop.example", -1, 7, out, 64), -1);
}
END_TEST

START_TEST(test_strip)
{
	static const struct {
		const char *addr, *want;
	} cases[] = {
		{ "prvs=0007e4ac27=news@shop.example", "news@shop.example" },
		{ "PRVS=0007E4AC27=bounces+a=b.example@shop.example",
		    "bounces+a=b.example@shop.example" },
		{ "prvs=0007e4ac2=news@shop.example", "prvs=0007e4ac2=news@shop.example" },
		{ "news@shop.example", "news@shop.example" },
		{ "prvs=0007e4ac27=", "prvs=0007e4ac27=" },
		{ "", "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_str_eq(batv_strip(cases[i].addr), cases[i].want);
	ck_assert_ptr_null(batv_strip(NULL));
}
END_TEST

START_TEST(test_keys_bad)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "0 short\n", "k:1: the secret of key 0 is shorter than 16" },
		{ "# c\n0\n", "k:2: expected \"K SECRET\"" },
		{ "x " KEY0 "\n", "k:1: expected \"K SECRET\"" },
		{ "10 " KEY0 "\n", "k:1: expected \"K SECRET\"" },
		{ "0" KEY0 "\n", "k:1: expected \"K SECRET\"" },
		{ "0 " KEY0 "\n\n0 " KEY3 "\n", "k:3: key 0 is given twice" },
	};
	struct batv_keys k;
	char err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		ck_assert_int_eq(batv_keys_parse(&k, "k", cases[i].text,
		    strlen(cases[i].text), err, sizeof(err)), -1);
		ck_assert_msg(strstr(err, cases[i].want) == err,
		    "case %zu: got \"%s\", want \"%s...\"", i, err, cases[i].want);
		ck_assert_int_eq(k.nkeys, 0);
		ck_assert_int_eq(k.sign, -1);
	}
	/* A NUL inside a line; a secret past the limit. */
	static const char nul[] = "0 " KEY0 "\0more\n";
	ck_assert_int_eq(batv_keys_parse(&k, "k", nul, sizeof(nul) - 1, err,
	    sizeof(err)), -1);
	char big[BATV_SECRET_MAX + 8];
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '1';
	big[1] = ' ';
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(batv_keys_parse(&k, "k", big, strlen(big), err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "longer than"));
}
END_TEST

/* Whatever the bytes, verify and strip answer without a crash. */
START_TEST(test_garbage)
{
	struct batv_keys k;
	char buf[64], orig[32];
	unsigned seed = 12345;

	keys(&k);
	for (int i = 0; i < 20000; i++) {
		size_t n = (size_t)(rand_r(&seed) % (sizeof(buf) - 1));
		memcpy(buf, "prvs=", 5);
		for (size_t j = i % 2 ? 5 : 0; j < n; j++) {
			static const char alpha[] = "0123456789abcdefABCDEF=@prvs.x\x80";
			buf[j] = alpha[rand_r(&seed) % (sizeof(alpha) - 1)];
		}
		buf[n] = '\0';
		(void)batv_verify(&k, buf, DAY, 7, orig, sizeof(orig));
		(void)batv_verify(&k, buf, DAY, 7, orig, 1);
		(void)batv_strip(buf);
		(void)batv_sign(&k, buf, DAY, 7, orig, sizeof(orig));
	}
}
END_TEST

static char *
keyfile(const char *text, mode_t mode)
{
	static char path[64];

	snprintf(path, sizeof(path), "/tmp/check_batv.XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ck_assert_int_eq(chmod(path, mode), 0);
	return (path);
}

START_TEST(test_keyfile)
{
	struct batv_keys k;
	char err[512], *p;

	p = keyfile("0 " KEY0 "\n", 0600);
	ck_assert_msg(batv_keyfile_load(p, &k, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(k.nkeys, 1);
	unlink(p);

	p = keyfile("0 " KEY0 "\n", 0640);
	ck_assert_msg(batv_keyfile_load(p, &k, err, sizeof(err)) == 0, "%s", err);
	unlink(p);

	p = keyfile("0 " KEY0 "\n", 0644);
	ck_assert_int_eq(batv_keyfile_load(p, &k, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "mode 0644 lets others read"));
	ck_assert_int_eq(k.nkeys, 0);
	unlink(p);

	p = keyfile("0 " KEY0 "\n", 0620);
	ck_assert_int_eq(batv_keyfile_load(p, &k, err, sizeof(err)), -1);
	unlink(p);

	p = keyfile("# nothing yet\n", 0600);
	ck_assert_int_eq(batv_keyfile_load(p, &k, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no key in it"));
	unlink(p);

	p = keyfile("0 " KEY0 "\n1 x\n", 0600);
	ck_assert_int_eq(batv_keyfile_load(p, &k, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, ":2: the secret of key 1"));
	unlink(p);

	ck_assert_int_eq(batv_keyfile_load("/nonexistent/batv.keys", &k, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
	ck_assert_int_eq(batv_keyfile_load("", &k, err, sizeof(err)), 0);
	ck_assert_int_eq(k.nkeys, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("batv");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_known_answers);
	tcase_add_test(tc, test_expiry);
	tcase_add_test(tc, test_forgeries);
	tcase_add_test(tc, test_sign_refuses);
	tcase_add_test(tc, test_strip);
	tcase_add_test(tc, test_keys_bad);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_keyfile);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
