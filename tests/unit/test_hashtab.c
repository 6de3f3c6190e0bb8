/*
 * test_hashtab.c - util/hashtab: put/get/replace/remove across growth,
 * the case-insensitive option, walking, and the FNV-1a values the table
 * hashes with (published test vectors for FNV-1a 32).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hashtab.h"
#include "testutil.h"

#define NKEYS 5000

START_TEST(test_fnv1a)
{
	ck_assert_uint_eq(hashtab_hash("", 0), 0x811c9dc5u);
	ck_assert_uint_eq(hashtab_hash("a", 0), 0xe40c292cu);
	ck_assert_uint_eq(hashtab_hash("foobar", 0), 0xbf9cf968u);
	ck_assert_uint_eq(hashtab_hash("FOOBAR", HASHTAB_NOCASE), 0xbf9cf968u);
	ck_assert_uint_ne(hashtab_hash("FOOBAR", 0), 0xbf9cf968u);
}
END_TEST

START_TEST(test_many)
{
	static char key[NKEYS][16];
	static int val[NKEYS];
	struct hashtab *h = hashtab_new(0, 0);
	size_t i;

	ck_assert_ptr_nonnull(h);
	for (i = 0; i < NKEYS; i++) {
		snprintf(key[i], sizeof key[i], "k%zu", i);
		val[i] = (int)i;
		ck_assert_int_eq(hashtab_put(h, key[i], &val[i]), 0);
	}
	ck_assert_uint_eq(hashtab_count(h), NKEYS);
	for (i = 0; i < NKEYS; i++) {
		char probe[16];

		snprintf(probe, sizeof probe, "k%zu", i); /* another copy */
		ck_assert_ptr_eq(hashtab_get(h, probe), &val[i]);
	}
	ck_assert_ptr_null(hashtab_get(h, "K1")); /* case matters */
	ck_assert_ptr_null(hashtab_get(h, "k"));
	/* remove every other one */
	for (i = 0; i < NKEYS; i += 2)
		ck_assert_ptr_eq(hashtab_remove(h, key[i]), &val[i]);
	ck_assert_ptr_null(hashtab_remove(h, key[0]));
	ck_assert_uint_eq(hashtab_count(h), NKEYS / 2);
	for (i = 0; i < NKEYS; i++)
		ck_assert_ptr_eq(hashtab_get(h, key[i]),
		    i % 2 ? &val[i] : NULL);
	hashtab_free(h);
}
END_TEST

START_TEST(test_replace)
{
	struct hashtab *h = hashtab_new(4, 0);
	int a = 1, b = 2;
	char k1[] = "name", k2[] = "name";

	ck_assert_int_eq(hashtab_put(h, k1, &a), 0);
	ck_assert_int_eq(hashtab_put(h, k2, &b), 0);
	ck_assert_uint_eq(hashtab_count(h), 1);
	ck_assert_ptr_eq(hashtab_get(h, "name"), &b);
	/* the table now refers to k2: k1 may change without harm */
	k1[0] = 'X';
	ck_assert_ptr_eq(hashtab_get(h, "name"), &b);
	hashtab_free(h);
}
END_TEST

START_TEST(test_nocase)
{
	struct hashtab *h = hashtab_new(0, HASHTAB_NOCASE);
	int a = 1;

	ck_assert_int_eq(hashtab_put(h, "s1._domainkey.Example.COM", &a), 0);
	ck_assert_ptr_eq(hashtab_get(h, "S1._DOMAINKEY.example.com"), &a);
	ck_assert_ptr_null(hashtab_get(h, "s1._domainkey.example.co"));
	ck_assert_ptr_eq(hashtab_remove(h, "s1._domainkey.EXAMPLE.com"), &a);
	ck_assert_uint_eq(hashtab_count(h), 0);
	hashtab_free(h);
}
END_TEST

/* count - walk callback: sum the values, stop at a negative one */
static int
count(void *arg, const char *key, void *value)
{
	int v = *(int *)value;

	ck_assert_int_eq(atoi(key), v < 0 ? -v : v);
	if (v < 0)
		return 7;
	*(long *)arg += v;
	return 0;
}

START_TEST(test_walk)
{
	static const char *keys[] = {"1", "2", "3", "4", "5"};
	int vals[] = {1, 2, 3, 4, 5};
	struct hashtab *h = hashtab_new(0, 0);
	long sum = 0;
	size_t i;

	for (i = 0; i < 5; i++)
		hashtab_put(h, keys[i], &vals[i]);
	ck_assert_int_eq(hashtab_walk(h, count, &sum), 0);
	ck_assert_int_eq(sum, 15);
	vals[2] = -3;
	ck_assert_int_eq(hashtab_walk(h, count, &sum), 7);
	hashtab_free(h);
	hashtab_free(NULL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("hashtab");
	TCase *tc = tcase_create("hashtab");

	tcase_add_test(tc, test_fnv1a);
	tcase_add_test(tc, test_many);
	tcase_add_test(tc, test_replace);
	tcase_add_test(tc, test_nocase);
	tcase_add_test(tc, test_walk);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
