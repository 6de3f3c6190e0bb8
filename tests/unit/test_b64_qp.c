/*
 * test_b64_qp.c - base64 (RFC 4648 / RFC 6376 2.4), dkim-quoted-printable
 * (RFC 6376 2.11) and the enum names of strs.c.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

/* decode cases: out NULL means the input must be rejected */
static const struct {
	const char *in;
	const char *out;
	size_t outlen;
} dec_cases[] = {
    {"", "", 0},
    {"Zg==", "f", 1},
    {"Zm8=", "fo", 2},
    {"Zm9v", "foo", 3},
    {"Zm9vYg==", "foob", 4},
    {"Zm9vYmE=", "fooba", 5},
    {"Zm9vYmFy", "foobar", 6},
    {"Zg", "f", 1}, /* padding is optional */
    {"Zm8", "fo", 2},
    {" Zm\r\n\t9v ", "foo", 3},    /* FWS is ignored */
    {"Zm9vYg =\r\n =", "foob", 4}, /* FWS between '=' too */
    {"AA==", "\0", 1},
    {"+/+/", "\xfb\xff\xbf", 3},
    {"Z", NULL, 0}, /* 6 bits: no byte */
    {"Zm9vY", NULL, 0},
    {"Zg=", NULL, 0}, /* half a pad */
    {"Zm8==", NULL, 0},
    {"Zm9v=", NULL, 0},
    {"Zg===", NULL, 0},
    {"Z=g=", NULL, 0}, /* data after padding */
    {"Zg==Zg==", NULL, 0},
    {"Zm9v!", NULL, 0},
    {"Zm9v;", NULL, 0},
    {"Zm\x01v", NULL, 0},
    {"Zm-_", NULL, 0}, /* base64url is not base64 */
    {"Zm9\xc3\xa9", NULL, 0},
};

/* test_b64_decode - each decode case */
START_TEST(test_b64_decode)
{
	unsigned char *out = (unsigned char *)"x";
	size_t outlen = 99;
	int rc = b64_decode(dec_cases[_i].in, strlen(dec_cases[_i].in), &out,
	    &outlen);

	if (dec_cases[_i].out == NULL) {
		ck_assert_msg(rc == -1, "'%s' accepted", dec_cases[_i].in);
		ck_assert_ptr_null(out);
		return;
	}
	ck_assert_msg(rc == 0, "'%s' rejected", dec_cases[_i].in);
	ck_assert_uint_eq(outlen, dec_cases[_i].outlen);
	ck_assert_mem_eq(out, dec_cases[_i].out, outlen);
	free(out);
}
END_TEST

/* RFC 4648 10 test vectors */
static const struct {
	const char *in, *out;
} enc_cases[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

/* test_b64_encode - RFC 4648 vectors */
START_TEST(test_b64_encode)
{
	char *out = b64_encode((const unsigned char *)enc_cases[_i].in,
	    strlen(enc_cases[_i].in));

	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, enc_cases[_i].out);
	free(out);
}
END_TEST

/* test_b64_roundtrip - every length 0.._i of varied bytes survives */
START_TEST(test_b64_roundtrip)
{
	unsigned char in[300], *out;
	size_t outlen, k, len = (size_t)_i;
	char *enc;

	for (k = 0; k < len; k++)
		in[k] = (unsigned char)(k * 37 + len);
	enc = b64_encode(in, len);
	ck_assert_ptr_nonnull(enc);
	ck_assert_uint_eq(strlen(enc), (len + 2) / 3 * 4);
	ck_assert_int_eq(b64_decode(enc, strlen(enc), &out, &outlen), 0);
	ck_assert_uint_eq(outlen, len);
	ck_assert_mem_eq(out, in, len);
	free(out);
	free(enc);
}
END_TEST

/* qp cases: out NULL means rejected */
static const struct {
	const char *in, *out;
} qp_cases[] = {
    {"", ""},
    {"joe@football.example.com", "joe@football.example.com"},
    {"@example.com", "@example.com"},
    {"joe=40example.com", "joe@example.com"},
    {"a=3Db", "a=b"},
    {"a=3db", "a=b"}, /* lower-case hex accepted */
    {"a=3Bb", "a;b"},
    {"a =20b", "a b"}, /* FWS dropped, =20 kept */
    {"jo\r\n e@x.y", "joe@x.y"},
    {"\xc3\xa9@x.y", "\xc3\xa9@x.y"}, /* UTF-8 (RFC 8616) */
    {"a;b", NULL},                    /* ';' is not dkim-safe */
    {"a=b", NULL},                    /* '=' must start hex-octet */
    {"a=4", NULL},
    {"a=", NULL},
    {"a=zz", NULL},
    {"a=00", NULL}, /* NUL cannot be in a string */
    {"a\x01", NULL},
    {"a\x7f", NULL},
};

/* test_qp_decode - each qp case */
START_TEST(test_qp_decode)
{
	char *out = qp_decode(qp_cases[_i].in, strlen(qp_cases[_i].in));

	if (qp_cases[_i].out == NULL) {
		ck_assert_msg(out == NULL, "'%s' accepted", qp_cases[_i].in);
		return;
	}
	ck_assert_msg(out != NULL, "'%s' rejected", qp_cases[_i].in);
	ck_assert_str_eq(out, qp_cases[_i].out);
	free(out);
}
END_TEST

/* test_strs - names as written in A-R and tags; unknown values safe */
START_TEST(test_strs)
{
	dkim_options o;

	ck_assert_str_eq(dkim_verdict_str(DKIM_PASS), "pass");
	ck_assert_str_eq(dkim_verdict_str(DKIM_PERMERROR), "permerror");
	ck_assert_str_eq(dkim_verdict_str(DKIM_TEMPERROR), "temperror");
	ck_assert_str_eq(dkim_verdict_str(DKIM_NONE), "none");
	ck_assert_str_eq(dkim_verdict_str((dkim_verdict)99), "unknown");
	ck_assert_str_eq(dkim_alg_str(DKIM_ALG_RSA_SHA256), "rsa-sha256");
	ck_assert_str_eq(dkim_alg_str(DKIM_ALG_ED25519_SHA256),
	    "ed25519-sha256");
	ck_assert_str_eq(dkim_alg_str(DKIM_ALG_RSA_SHA1), "rsa-sha1");
	ck_assert_str_eq(dkim_alg_str(DKIM_ALG_UNKNOWN), "unknown");
	ck_assert_str_eq(dkim_canon_str(DKIM_CANON_RELAXED), "relaxed");
	ck_assert_str_eq(dkim_canon_str(DKIM_CANON_SIMPLE), "simple");
	ck_assert_str_eq(dkim_rc_str(DKIM_OK), "ok");
	ck_assert_str_eq(dkim_rc_str((dkim_rc)99), "unknown");
	ck_assert_ptr_nonnull(
	    strstr(dkim_keymatch_str(DKIM_KEYMATCH_REVOKED), "revoked"));
	ck_assert_str_eq(dkim_keymatch_str((dkim_keymatch)99), "unknown");
	memset(&o, 0xff, sizeof(o));
	dkim_options_init(&o);
	ck_assert_uint_eq(o.max_signatures, 8);
	ck_assert_int_eq(o.allow_sha1, 0);
	ck_assert_uint_eq(o.min_rsa_bits, 1024);
	ck_assert_uint_eq(o.max_future_skew, 300);
	ck_assert_ptr_null(o.clock);
}
END_TEST

/* b64_qp_suite - all cases */
static Suite *
b64_qp_suite(void)
{
	Suite *s = suite_create("b64_qp");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_b64_decode, 0, (int)NELEM(dec_cases));
	tcase_add_loop_test(tc, test_b64_encode, 0, (int)NELEM(enc_cases));
	tcase_add_loop_test(tc, test_b64_roundtrip, 0, 300);
	tcase_add_loop_test(tc, test_qp_decode, 0, (int)NELEM(qp_cases));
	tcase_add_test(tc, test_strs);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(b64_qp_suite());
}
