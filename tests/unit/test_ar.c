/*
 * test_ar.c - the Authentication-Results builder and the recognition of
 * our authserv-id (milter/ar.c).
 *
 * Every built field is read back by an independent RFC 8601 reader
 * (fuzz/ar_reader.h): a table of hostile values (a b= that would open a
 * comment, quotes and backslashes in d=, s=, i= and reasons, CR LF in a
 * reason), then generated signatures with random hostile d=, s=, i=, b=
 * and reasons.  Each must parse, give one resinfo per signature with the
 * verdict dkimguard computed, and give back each value as written (less
 * control characters and bytes that are not UTF-8), header.b only when
 * the b= prefix is base64.  ar_is_ours is checked against the spellings
 * RFC 8601 allows for an authserv-id.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/ar_reader.h"
#include "milter/ar.h"
#include "util/utf8.h"
#include "testutil.h"

#define NGEN 4000

/* check_roundtrip - build, read back, compare to what went in */
static void
check_roundtrip(const char *id, const dkim_sig_result *res, size_t n)
{
	struct arr_field *f = malloc(sizeof *f);
	char *v = ar_build(id, res, n), want[1024];
	const char *got;
	size_t i;

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(v);
	ck_assert_msg(arr_parse(v, f) == 0, "does not parse: %s", v);
	ck_assert_str_eq(f->id, id);
	if (n == 0) {
		ck_assert_int_eq(f->nres, 1);
		ck_assert_str_eq(f->res[0].result, "none");
	} else
		ck_assert_int_eq(f->nres, (int)n);
	for (i = 0; i < n; i++) {
		const struct arr_res *r = &f->res[i];

		ck_assert_str_eq(r->method, "dkim");
		ck_assert_str_eq(r->result, dkim_verdict_str(res[i].verdict));
		arr_expect(res[i].reason, want);
		if (res[i].verdict != DKIM_PASS && res[i].reason[0] != '\0') {
			ck_assert_int_eq(r->has_reason, 1);
			ck_assert_str_eq(r->reason, want);
		} else
			ck_assert_int_eq(r->has_reason, 0);
		arr_expect(res[i].domain, want);
		got = arr_prop_get(r, "header.d");
		if (res[i].domain[0] == '\0')
			ck_assert_ptr_null(got);
		else {
			ck_assert_msg(got != NULL, "no header.d in %s", v);
			ck_assert_str_eq(got, want);
		}
		arr_expect(res[i].selector, want);
		got = arr_prop_get(r, "header.s");
		if (res[i].selector[0] != '\0') {
			ck_assert_msg(got != NULL, "no header.s in %s", v);
			ck_assert_str_eq(got, want);
		}
		arr_expect(res[i].identity, want);
		got = arr_prop_get(r, "header.i");
		if (res[i].identity[0] != '\0') {
			ck_assert_msg(got != NULL, "no header.i in %s", v);
			ck_assert_str_eq(got, want);
		}
		got = arr_prop_get(r, "header.b");
		if (arr_b64(res[i].b_prefix)) {
			ck_assert_msg(got != NULL, "no header.b in %s", v);
			ck_assert_str_eq(got, res[i].b_prefix);
		} else
			ck_assert_msg(got == NULL, "header.b kept in %s", v);
	}
	free(v);
	free(f);
}

/* sig - a result with the given values */
static void
sig(dkim_sig_result *r, dkim_verdict v, const char *d, const char *s,
    const char *i, const char *b, const char *reason)
{
	memset(r, 0, sizeof *r);
	r->verdict = v;
	r->alg = DKIM_ALG_RSA_SHA256;
	r->key_bits = 2048;
	snprintf(r->domain, sizeof r->domain, "%s", d);
	snprintf(r->selector, sizeof r->selector, "%s", s);
	snprintf(r->identity, sizeof r->identity, "%s", i);
	snprintf(r->b_prefix, sizeof r->b_prefix, "%s", b);
	snprintf(r->reason, sizeof r->reason, "%s", reason);
}

/* the case from the report: b= that opens a comment must not hide the
 * genuine failure that follows */
START_TEST(test_hostile_b)
{
	dkim_sig_result r[2];
	struct arr_field f;
	char *v;

	sig(&r[0], DKIM_FAIL, "evil.example", "s", "@evil.example", "a\"(x",
	    "body hash did not verify");
	sig(&r[1], DKIM_FAIL, "example.com", "sel", "@example.com",
	    "AbCd+/==", "signature did not verify");
	v = ar_build("mx.test", r, 2);
	ck_assert_ptr_nonnull(v);
	ck_assert(strstr(v, "a\"(x") == NULL);
	ck_assert_int_eq(arr_parse(v, &f), 0);
	ck_assert_int_eq(f.nres, 2);
	ck_assert_str_eq(f.res[1].result, "fail");
	ck_assert_str_eq(arr_prop_get(&f.res[1], "header.d"), "example.com");
	ck_assert_str_eq(arr_prop_get(&f.res[1], "header.b"), "AbCd+/==");
	free(v);
	check_roundtrip("mx.test", r, 2);
}
END_TEST

static const char *const hostile_values[] = {
    "example.com",
    "a\"b",
    "a\\b",
    "a;dkim=pass",
    "x) dkim=pass (",
    "(",
    ")",
    "\"",
    "\\",
    "a b",
    "line\r\nX-Injected: 1",
    "tab\there",
    "\xc3\xa9xample.com",
    "bad\xff\xfe",
    "user@example.com",
    "@example.com",
    "a=b@example.com",
    "a..b@example.com",
    "@",
    "a@b@c",
    ".example.com",
    "\x01\x02",
    "semi;colon@example.com",
    "\"quoted\"@example.com",
    "a@[127.0.0.1]",
    "x\xc3",
    "?=/",
};

START_TEST(test_hostile_table)
{
	dkim_sig_result r[3];
	const char *h = hostile_values[_i];

	sig(&r[0], DKIM_PERMERROR, h, h, h, h, h);
	sig(&r[1], DKIM_PASS, "ok.example", h, "@ok.example", "abc", h);
	sig(&r[2], DKIM_FAIL, h, "s", h, "Zm9v", "reason \"quoted\" (x)");
	check_roundtrip("mx.test", r, 3);
	check_roundtrip("mx.test", r, 0);
}
END_TEST

static uint64_t rng = 0x2545f4914f6cdd1dULL;

/* next - xorshift64, the same cases on every run */
static unsigned
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 24);
}

/* gen - a hostile string of at most cap-1 bytes */
static void
gen(char *s, size_t cap)
{
	static const char alpha[] = "abcXYZ019+/=.-_@\"\\();: \t\r\n,[]<>?"
				    "\x01\x7f\x80\xc3\xa9\xff";
	size_t len = next() % (cap < 40 ? cap : 40), i;

	for (i = 0; i < len; i++)
		s[i] = alpha[next() % (sizeof alpha - 1)];
	s[len] = '\0';
}

START_TEST(test_generated_roundtrip)
{
	dkim_sig_result r[4];
	size_t k, n, ran = 0;
	int i;

	for (i = 0; i < NGEN; i++) {
		n = next() % 5;
		for (k = 0; k < n; k++) {
			memset(&r[k], 0, sizeof r[k]);
			r[k].verdict = (dkim_verdict)(next() % 7);
			r[k].alg =
			    next() % 2 ? DKIM_ALG_RSA_SHA256 : DKIM_ALG_UNKNOWN;
			r[k].key_bits = next() % 2 ? 1024 : 0;
			r[k].testing = next() % 2;
			gen(r[k].domain, sizeof r[k].domain);
			gen(r[k].selector, sizeof r[k].selector);
			gen(r[k].identity, sizeof r[k].identity);
			gen(r[k].b_prefix, 9);
			gen(r[k].reason, sizeof r[k].reason);
		}
		check_roundtrip(next() % 2 ? "mx.test" : "mx.example.net", r,
		    n);
		ran++;
	}
	printf("test_ar: %zu generated A-R fields round-tripped\n", ran);
	ck_assert_uint_eq(ran, NGEN);
}
END_TEST

struct ours_case {
	const char *value;
	int ours;
};

static const struct ours_case ours_cases[] = {
    {"mx.test; dkim=pass", 1},
    {" mx.test; dkim=pass", 1},
    {"MX.TEST; dkim=pass", 1},
    {"mx.test.; dkim=pass", 1},
    {"\"mx.test\"; dkim=pass", 1},
    {"\"mx.t\\est\"; dkim=pass", 1},
    {"\"\\m\\x\\.\\t\\e\\s\\t\" 1; dkim=pass", 1},
    {"(comment) mx.test; dkim=pass", 1},
    {"(nested (comment) \\) x) \"mx.test\"; dkim=pass", 1},
    {"\r\n\t(c)\r\n mx.test 1; dkim=pass", 1},
    {"mx.test(c); dkim=pass", 1},
    {"mx.test 1; none", 1},
    {"mx.test", 1},
    {"\"mx.test", 1}, /* never closed */
    {"mx.test.evil; dkim=pass", 0},
    {"evil.mx.test; dkim=pass", 0},
    {"mx.tes; dkim=pass", 0},
    {"\"mx.test \"; dkim=pass", 0},
    {"mx.test..; dkim=pass", 0},
    {"(mx.test) other; dkim=pass", 0},
    {"; dkim=pass", 0},
    {"", 0},
};

START_TEST(test_is_ours)
{
	const struct ours_case *c = &ours_cases[_i];

	ck_assert_msg(ar_is_ours(c->value, "mx.test") == c->ours,
	    "\"%s\": want %d", c->value, c->ours);
	ck_assert_int_eq(ar_is_ours(c->value, "mx.test."), c->ours);
}
END_TEST

/* what we write is recognised as ours, whatever the id's spelling */
START_TEST(test_own_field_is_ours)
{
	static const char *const ids[] = {
	    "mx.test",
	    "host_name.example",
	    "odd\"id",
	    "sp ace",
	    "a\\b",
	};
	size_t i;
	char *v;

	for (i = 0; i < NELEM(ids); i++) {
		v = ar_build(ids[i], NULL, 0);
		ck_assert_ptr_nonnull(v);
		ck_assert_msg(ar_is_ours(v, ids[i]), "%s", v);
		ck_assert(!ar_is_ours(v, "other.test"));
		free(v);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ar");
	TCase *tc = tcase_create("ar");

	tcase_add_test(tc, test_hostile_b);
	tcase_add_loop_test(tc, test_hostile_table, 0, NELEM(hostile_values));
	tcase_add_test(tc, test_generated_roundtrip);
	tcase_add_loop_test(tc, test_is_ours, 0, NELEM(ours_cases));
	tcase_add_test(tc, test_own_field_is_ours);
	tcase_set_timeout(tc, 60); /* a loaded machine is slow, not wrong */
	suite_add_tcase(s, tc);
	return tu_run(s);
}
