/*
 * test_der.c - lib/der.c's RSA public key encoding against OpenSSL's own:
 * for keys of several sizes and exponents, der_rsa_spki (through
 * pkey_public_b64 and dkim_key_public_b64) writes exactly what i2d_PUBKEY
 * writes, and der_rsa_pubkey_parts finds the n and e that OpenSSL reports,
 * in both the SubjectPublicKeyInfo and the bare RSAPublicKey form.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "internal.h"
#include "testutil.h"

static const struct {
	unsigned bits;
	unsigned long e;
} keys[] = {
    {1024, 65537},
    {1024, 3},
    {2048, 65537},
    {2056, 65537},
    {3072, 17},
    {4096, 65537},
};

/* gen - an RSA key of that size and exponent */
static EVP_PKEY *
gen(unsigned bits, unsigned long e)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *pkey = NULL;
	BIGNUM *bn = BN_new();

	ck_assert_ptr_nonnull(ctx);
	ck_assert_ptr_nonnull(bn);
	ck_assert_int_eq(BN_set_word(bn, e), 1);
	ck_assert_int_eq(EVP_PKEY_keygen_init(ctx), 1);
	ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits), 1);
	ck_assert_int_eq(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, bn), 1);
	ck_assert_int_eq(EVP_PKEY_generate(ctx, &pkey), 1);
	EVP_PKEY_CTX_free(ctx);
	BN_free(bn);
	return pkey;
}

/* openssl_b64 - base64 of i2d_PUBKEY, the reference encoding */
static char *
openssl_b64(EVP_PKEY *pkey, unsigned char **der, int *len)
{
	*der = NULL;
	*len = i2d_PUBKEY(pkey, der);
	ck_assert_int_gt(*len, 0);
	return b64_encode(*der, (size_t)*len);
}

/* test_der_spki - the same octets as OpenSSL, and the same n and e back */
START_TEST(test_der_spki)
{
	EVP_PKEY *pkey = gen(keys[_i].bits, keys[_i].e);
	unsigned char *der, nbuf[1024];
	char *want, *got;
	struct der_rsa parts;
	BIGNUM *n = NULL, *e = NULL;
	int len, nlen;

	want = openssl_b64(pkey, &der, &len);
	ck_assert_ptr_nonnull(got = pkey_public_b64(pkey, DKIM_KEY_RSA));
	ck_assert_str_eq(got, want);

	ck_assert_int_eq(der_rsa_pubkey_parts(der, (size_t)len, &parts), 1);
	ck_assert_int_eq(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n),
	    1);
	ck_assert_int_eq(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e),
	    1);
	nlen = BN_bn2bin(n, nbuf);
	/* DER keeps a leading zero octet when the high bit is set */
	ck_assert_uint_eq(parts.nlen, (size_t)nlen + 1);
	ck_assert_int_eq(parts.n[0], 0);
	ck_assert_int_eq(memcmp(parts.n + 1, nbuf, (size_t)nlen), 0);
	ck_assert_uint_eq(BN_num_bytes(e), parts.elen);
	ck_assert_int_eq(BN_get_word(e) == keys[_i].e, 1);

	free(want);
	free(got);
	OPENSSL_free(der);
	BN_free(n);
	BN_free(e);
	EVP_PKEY_free(pkey);
}
END_TEST

/* test_der_pkcs1 - the bare RSAPublicKey inside the SPKI is found too */
START_TEST(test_der_pkcs1)
{
	EVP_PKEY *pkey = gen(2048, 65537);
	unsigned char *der;
	struct der_rsa a, b;
	int len;
	char *b64 = openssl_b64(pkey, &der, &len);

	/* SPKI = SEQ(4) AlgId(15) BITSTRING(4) 00 | RSAPublicKey */
	ck_assert_int_eq(der_rsa_pubkey_parts(der, (size_t)len, &a), 1);
	ck_assert_int_eq(der_rsa_pubkey_parts(der + 24, (size_t)len - 24, &b),
	    1);
	ck_assert_uint_eq(a.nlen, b.nlen);
	ck_assert_int_eq(memcmp(a.n, b.n, a.nlen), 0);
	ck_assert_int_eq(der_rsa_pubkey_parts(der, (size_t)len - 1, &a), 0);
	free(b64);
	OPENSSL_free(der);
	EVP_PKEY_free(pkey);
}
END_TEST

/* test_der_small - the encoder on hand-made n and e: lengths of one and
 * two octets, a leading zero dropped, a high bit padded */
START_TEST(test_der_small)
{
	static const unsigned char n[] = {0x00, 0x00, 0xc5}, e[] = {3};
	static const unsigned char want[] = {
	    0x30,
	    0x1b,
	    0x30,
	    0x0d,
	    0x06,
	    0x09,
	    0x2a,
	    0x86,
	    0x48,
	    0x86,
	    0xf7,
	    0x0d,
	    0x01,
	    0x01,
	    0x01,
	    0x05,
	    0x00,
	    0x03,
	    0x0a,
	    0x00,
	    0x30,
	    0x07,
	    0x02,
	    0x02,
	    0x00,
	    0xc5,
	    0x02,
	    0x01,
	    0x03,
	};
	unsigned char *got;
	size_t len;

	ck_assert_ptr_nonnull(
	    got = der_rsa_spki(n, sizeof(n), e, sizeof(e), &len));
	ck_assert_uint_eq(len, sizeof(want));
	ck_assert_int_eq(memcmp(got, want, len), 0);
	free(got);
}
END_TEST

static Suite *
der_suite(void)
{
	Suite *s = suite_create("der");
	TCase *tc = tcase_create("der");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_der_spki, 0, (int)NELEM(keys));
	tcase_add_test(tc, test_der_pkcs1);
	tcase_add_test(tc, test_der_small);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(der_suite());
}
