/*
 * check_taxonomy.c - the vocabularies round-trip and match TAXONOMY's names.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "taxonomy.h"

START_TEST(test_reason_roundtrip)
{
	for (int i = 0; i < RB_REASON__COUNT; i++) {
		enum rb_reason r;
		const char *n = taxonomy_reason_name((enum rb_reason)i);
		ck_assert_int_eq(taxonomy_reason_parse(n, &r), 0);
		ck_assert_int_eq((int)r, i);
	}
}
END_TEST

START_TEST(test_names_table)
{
	static const struct { int cat; const char *name; } cats[] = {
		{ RB_CATEGORY_INVALID_ADDRESS, "invalid-address" },
		{ RB_CATEGORY_RATE_LIMIT, "rate-limit" },
		{ RB_CATEGORY_REMOTE_SERVER, "remote-server" },
		{ RB_CATEGORY_AUTOREPLY, "auto-reply" },
		{ RB_CATEGORY_OTHER, "other" },
	};
	for (size_t i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
		ck_assert_str_eq(taxonomy_category_name(cats[i].cat), cats[i].name);
	ck_assert_str_eq(taxonomy_action_name(RB_ACTION_FIX_SENDER), "fix-sender");
	ck_assert_str_eq(taxonomy_action_name(RB_ACTION_SLOW_DOWN), "slow-down");
	ck_assert_str_eq(taxonomy_outcome_name(RB_OUTCOME_AUTOREPLY), "auto-reply");
	ck_assert_str_eq(taxonomy_reason_name(RB_REASON_NOTCOMPLIANTRFC), "notcompliantrfc");
	/* Out of range falls back to the first, conservative name. */
	ck_assert_str_eq(taxonomy_reason_name((enum rb_reason)999), "undefined");
	ck_assert_str_eq(taxonomy_action_name((enum rb_action)-1), "review");
}
END_TEST

START_TEST(test_parse_rejects)
{
	enum rb_category c;
	enum rb_action a;
	ck_assert_int_eq(taxonomy_category_parse("nonsense", &c), -1);
	ck_assert_int_eq(taxonomy_category_parse(NULL, &c), -1);
	ck_assert_int_eq(taxonomy_category_parse("Mailbox-Full", &c), 0);
	ck_assert_int_eq(c, RB_CATEGORY_MAILBOX_FULL);
	ck_assert_int_eq(taxonomy_action_parse("", &a), -1);
}
END_TEST

START_TEST(test_hardbounce)
{
	static const struct { enum rb_reason r; int perm; int want; } t[] = {
		{ RB_REASON_USERUNKNOWN, 1, 1 },
		{ RB_REASON_HOSTUNKNOWN, 0, 1 },
		{ RB_REASON_HASMOVED, 1, 1 },
		{ RB_REASON_NOTACCEPT, 1, 1 },
		{ RB_REASON_NOTACCEPT, 0, 0 },
		{ RB_REASON_MAILBOXFULL, 1, 0 },
		{ RB_REASON_SUSPEND, 1, 0 },
		{ RB_REASON_BLOCKED, 1, 0 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_int_eq(taxonomy_is_hardbounce(t[i].r, t[i].perm), t[i].want);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("taxonomy");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_reason_roundtrip);
	tcase_add_test(tc, test_names_table);
	tcase_add_test(tc, test_parse_rejects);
	tcase_add_test(tc, test_hardbounce);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
