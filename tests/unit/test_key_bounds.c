/*
 * test_key_bounds.c - what a sender's key record may make verifying
 * cost: RSA public exponents that are even, below 3 or over 32 bits and
 * moduli over 8192 bits are refused as "key not acceptable" (permerror)
 * before any signature is checked; acceptable exponents (3, 65537,
 * 2^32-1) still reach the signature check.  The records are made from a
 * real key's modulus with the exponent replaced, or from a random odd
 * number as modulus (OpenSSL imports a public key without factoring it).
 */
#include <check.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "sv_helpers.h"

/* record_with - "v=DKIM1; k=rsa; p=..." for modulus n, exponent e */
static char *
record_with(const BIGNUM *n, const BIGNUM *e)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM *params;
	unsigned char *der = NULL;
	char *rec;
	int len;

	ck_assert_ptr_nonnull(bld);
	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n),
	    1);
	ck_assert_int_eq(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e),
	    1);
	params = OSSL_PARAM_BLD_to_param(bld);
	ck_assert_int_eq(EVP_PKEY_fromdata_init(ctx), 1);
	ck_assert_int_eq(EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY,
			     params),
	    1);
	len = i2d_PUBKEY(pkey, &der);
	ck_assert_int_gt(len, 0);
	rec = malloc(40 + 4 * ((size_t)len / 3 + 1));
	strcpy(rec, "v=DKIM1; k=rsa; p=");
	EVP_EncodeBlock((unsigned char *)rec + strlen(rec), der, len);
	OPENSSL_free(der);
	EVP_PKEY_free(pkey);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	return rec;
}

/* key_modulus - n of the standard test key, from its record */
static BIGNUM *
key_modulus(void)
{
	const char *p = strstr(rsa_rec, "p=") + 2;
	unsigned char der[2048];
	const unsigned char *q = der;
	EVP_PKEY *pkey;
	BIGNUM *n = NULL;
	int len =
	    EVP_DecodeBlock(der, (const unsigned char *)p, (int)strlen(p));

	ck_assert_int_gt(len, 0); /* padding bytes: d2i stops first */
	pkey = d2i_PUBKEY(NULL, &q, len);
	ck_assert_ptr_nonnull(pkey);
	ck_assert_int_eq(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n),
	    1);
	EVP_PKEY_free(pkey);
	return n;
}

/* verdict_for - verify the signed message against record */
static dkim_sig_result
verdict_for(const char *text, const char *record)
{
	struct ttable t;
	dkim_sig_result r;

	memset(&t, 0, sizeof(t));
	tadd(&t, "sel._domainkey.example.com", record, DKIM_DNS_OK);
	ck_assert_uint_eq(verify_text(text, 1 << 20, &t, T0, NULL, &r, 1), 1);
	return r;
}

struct e_case {
	const char *e_hex;
	int acceptable;
};

static const struct e_case e_cases[] = {
    {"10001", 1}, /* 65537: the key's own */
    {"3", 1},
    {"FFFFFFFF", 1},  /* 2^32 - 1 */
    {"10000", 0},     /* even */
    {"1", 0},         /* below 3 */
    {"100000001", 0}, /* 2^32 + 1: 33 bits */
    {"1000000000000000000000000000000000000000000000000000000000001", 0},
};

START_TEST(test_exponent)
{
	const struct e_case *c = &e_cases[_i];
	struct signopt o;
	BIGNUM *n = key_modulus(), *e = NULL;
	char *text, *rec;
	dkim_sig_result r;

	ck_assert_int_gt(BN_hex2bn(&e, c->e_hex), 0);
	rec = record_with(n, e);
	signopt_init(&o, rsa_key);
	text = sign_text(&o, msg_headers, msg_body);
	r = verdict_for(text, rec);
	if (c->acceptable)
		ck_assert_msg(strstr(r.reason, "not acceptable") == NULL &&
			(r.verdict == DKIM_PASS || r.verdict == DKIM_FAIL),
		    "e=%s: %s (%s)", c->e_hex, dkim_verdict_str(r.verdict),
		    r.reason);
	else
		ASSERT_VERDICT(r, DKIM_PERMERROR, "key not acceptable");
	if (strcmp(c->e_hex, "10001") == 0)
		ck_assert_int_eq(r.verdict, DKIM_PASS);
	free(text);
	free(rec);
	BN_free(n);
	BN_free(e);
}
END_TEST

START_TEST(test_modulus)
{
	static const int bits[] = {8192, 8200, 12288};
	struct signopt o;
	BIGNUM *n = BN_new(), *e = NULL;
	char *text, *rec;
	dkim_sig_result r;
	size_t i;

	ck_assert_int_gt(BN_hex2bn(&e, "10001"), 0);
	signopt_init(&o, rsa_key);
	text = sign_text(&o, msg_headers, msg_body);
	for (i = 0; i < NELEM(bits); i++) {
		ck_assert_int_eq(BN_rand(n, bits[i], BN_RAND_TOP_ONE,
				     BN_RAND_BOTTOM_ODD),
		    1);
		rec = record_with(n, e);
		r = verdict_for(text, rec);
		if (bits[i] <= 8192)
			ck_assert_msg(strstr(r.reason, "not acceptable") ==
				NULL,
			    "%d bits: %s", bits[i], r.reason);
		else
			ASSERT_VERDICT(r, DKIM_PERMERROR,
			    "RSA modulus over 8192 bits");
		free(rec);
	}
	free(text);
	BN_free(n);
	BN_free(e);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("key_bounds");
	TCase *tc = tcase_create("key_bounds");

	tcase_add_loop_test(tc, test_exponent, 0, NELEM(e_cases));
	tcase_add_test(tc, test_modulus);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return sv_run(s);
}
