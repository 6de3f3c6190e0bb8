/*
 * test_strbuf.c - util/strbuf: appends of bytes, strings and formatted
 * text across growth, embedded NULs, reset, steal, and the sticky
 * out-of-memory state (reached through the overflow check, so no
 * allocator is faked).
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"
#include "testutil.h"

START_TEST(test_empty)
{
	struct strbuf b = {0};
	char *s;

	ck_assert_str_eq(strbuf_str(&b), "");
	ck_assert_uint_eq(b.len, 0);
	s = strbuf_steal(&b);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, "");
	free(s);
	strbuf_free(&b);
}
END_TEST

START_TEST(test_append_and_grow)
{
	struct strbuf b = {0};
	char want[20001];
	size_t i;

	/* one byte at a time through many doublings */
	for (i = 0; i < sizeof want - 1; i++) {
		want[i] = (char)('a' + i % 26);
		ck_assert_int_eq(strbuf_addch(&b, want[i]), 0);
	}
	want[i] = '\0';
	ck_assert_uint_eq(b.len, sizeof want - 1);
	ck_assert(b.cap > b.len);
	ck_assert_str_eq(strbuf_str(&b), want);
	ck_assert_int_eq(strbuf_addstr(&b, "!"), 0);
	ck_assert_uint_eq(b.len, sizeof want);
	ck_assert_int_eq(b.p[b.len - 1], '!');
	ck_assert_int_eq(b.p[b.len], '\0');
	strbuf_free(&b);
	ck_assert_ptr_null(b.p);
	ck_assert_uint_eq(b.len + b.cap, 0);
}
END_TEST

START_TEST(test_binary)
{
	struct strbuf b = {0};
	static const char bin[] = {'x', '\0', 'y'};

	ck_assert_int_eq(strbuf_add(&b, bin, sizeof bin), 0);
	ck_assert_int_eq(strbuf_add(&b, "", 0), 0);
	ck_assert_uint_eq(b.len, 3);
	ck_assert_int_eq(memcmp(b.p, bin, 3), 0);
	ck_assert_int_eq(b.p[3], '\0');
	strbuf_free(&b);
}
END_TEST

START_TEST(test_printf)
{
	struct strbuf b = {0};
	char big[5000];

	ck_assert_int_eq(strbuf_printf(&b, "%s=%d", "n", 42), 0);
	ck_assert_str_eq(strbuf_str(&b), "n=42");
	/* a piece longer than the spare room: formatted again after growth */
	memset(big, 'z', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ck_assert_int_eq(strbuf_printf(&b, ";%s;", big), 0);
	ck_assert_uint_eq(b.len, 4 + 2 + sizeof big - 1);
	ck_assert_int_eq(strncmp(b.p, "n=42;zzz", 8), 0);
	ck_assert_int_eq(b.p[b.len - 1], ';');
	ck_assert_int_eq(strbuf_printf(&b, "%s", ""), 0);
	ck_assert_uint_eq(b.len, 4 + 2 + sizeof big - 1);
	strbuf_free(&b);
}
END_TEST

START_TEST(test_reset_steal)
{
	struct strbuf b = {0};
	size_t cap;
	char *s;

	strbuf_addstr(&b, "first");
	cap = b.cap;
	strbuf_reset(&b);
	ck_assert_str_eq(strbuf_str(&b), "");
	ck_assert_uint_eq(b.cap, cap); /* memory kept */
	strbuf_addstr(&b, "second");
	s = strbuf_steal(&b);
	ck_assert_str_eq(s, "second");
	ck_assert_ptr_null(b.p);
	ck_assert_uint_eq(b.len, 0);
	free(s);
}
END_TEST

START_TEST(test_oom_sticky)
{
	struct strbuf b = {0};

	ck_assert_int_eq(strbuf_addstr(&b, "kept"), 0);
	/* a length whose size computation would wrap: refused, not wrapped */
	ck_assert_int_eq(strbuf_add(&b, "x", SIZE_MAX - 2), -1);
	ck_assert_int_eq(b.oom, 1);
	ck_assert_str_eq(strbuf_str(&b), "kept");
	/* sticky: later appends fail too and change nothing */
	ck_assert_int_eq(strbuf_addstr(&b, "more"), -1);
	ck_assert_int_eq(strbuf_printf(&b, "%d", 1), -1);
	ck_assert_str_eq(strbuf_str(&b), "kept");
	/* stealing a failed buffer gives NULL and frees it */
	ck_assert_ptr_null(strbuf_steal(&b));
	ck_assert_ptr_null(b.p);
	ck_assert_int_eq(b.oom, 0);
	/* truncate undoes a failed record and clears the state */
	strbuf_addstr(&b, "line1");
	strbuf_addstr(&b, "\nline2");
	strbuf_add(&b, "x", SIZE_MAX);
	strbuf_truncate(&b, 5);
	ck_assert_int_eq(b.oom, 0);
	ck_assert_str_eq(strbuf_str(&b), "line1");
	strbuf_free(&b);
	/* reset clears the state */
	strbuf_addstr(&b, "a");
	strbuf_add(&b, "x", SIZE_MAX);
	strbuf_reset(&b);
	ck_assert_int_eq(strbuf_addstr(&b, "ok"), 0);
	ck_assert_str_eq(strbuf_str(&b), "ok");
	strbuf_free(&b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("strbuf");
	TCase *tc = tcase_create("strbuf");

	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_append_and_grow);
	tcase_add_test(tc, test_binary);
	tcase_add_test(tc, test_printf);
	tcase_add_test(tc, test_reset_steal);
	tcase_add_test(tc, test_oom_sticky);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
