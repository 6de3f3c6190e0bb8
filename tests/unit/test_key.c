/*
 * test_key.c - private keys (load, generate, export, sign), key_sign_digest
 * / keyrec_verify_digest round trips, dkim_key_match_record.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "internal.h"
#include "tags.h"
#include "testutil.h"

/* RFC 8463 A.1 / RFC 8032 7.1 TEST 1 seed and public key */
#define SEED_B64 "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="
#define PUB_B64 "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

/* record_of - parse a record text, asserting success */
static dkim_keyrec *
record_of(const char *txt)
{
	char reason[DKIM_REASON_MAX];
	dkim_keyrec *rec;

	ck_assert_msg(dkim_keyrec_parse(txt, strlen(txt), &rec, reason) ==
		DKIM_OK,
	    "'%.60s': %s", txt, reason);
	return rec;
}

/* p_value - the p= of a record text, FWS removed; caller frees */
static char *
p_value(const char *txt)
{
	char reason[DKIM_REASON_MAX];
	struct taglist tl;
	const struct tag *p;
	char *out;

	ck_assert_int_eq(tags_parse(txt, strlen(txt), &tl, reason), 0);
	ck_assert_ptr_nonnull(p = tags_find(&tl, "p"));
	out = tags_strip_fws(p->value, p->value_len);
	tags_free(&tl);
	return out;
}

/* roundtrip - sign a digest, verify against rec; tampering must fail */
static void
roundtrip(const dkim_key *key, const dkim_keyrec *rec)
{
	unsigned char digest[32], *sig;
	size_t siglen, k;
	dkim_alg alg = dkim_key_alg(key);

	for (k = 0; k < sizeof(digest); k++)
		digest[k] = (unsigned char)(k * 7 + 1);
	ck_assert_int_eq(key_sign_digest(key, digest, 32, &sig, &siglen), 0);
	ck_assert_uint_eq(siglen,
	    dkim_key_type(key) == DKIM_KEY_ED25519 ? 64 :
						     dkim_key_bits(key) / 8);
	ck_assert_int_eq(keyrec_verify_digest(rec, alg, digest, 32, sig,
			     siglen),
	    1);
	sig[siglen / 2] ^= 0x01;
	ck_assert_int_eq(keyrec_verify_digest(rec, alg, digest, 32, sig,
			     siglen),
	    0);
	sig[siglen / 2] ^= 0x01;
	digest[0] ^= 0x80;
	ck_assert_int_eq(keyrec_verify_digest(rec, alg, digest, 32, sig,
			     siglen),
	    0);
	digest[0] ^= 0x80;
	ck_assert_int_eq(keyrec_verify_digest(rec, alg, digest, 32, sig,
			     siglen - 1),
	    0);
	/* wrong algorithm for this key type / digest size */
	ck_assert_int_eq(keyrec_verify_digest(rec,
			     alg == DKIM_ALG_RSA_SHA256 ?
				 DKIM_ALG_ED25519_SHA256 :
				 DKIM_ALG_RSA_SHA256,
			     digest, 32, sig, siglen),
	    0);
	ck_assert_int_eq(keyrec_verify_digest(rec, DKIM_ALG_RSA_SHA1, digest,
			     32, sig, siglen),
	    0);
	free(sig);
}

/* key files in the shared test data and the DNS row holding their p= */
static const struct {
	const char *file, *dns, *name;
	dkim_keytype type;
	unsigned bits;
	int exact; /* p= is exactly our dkim_key_public_b64 */
} files[] = {
    {"rfc-examples/rfc6376-C.1-brisbane.private.pem", "rfc-examples/dns.tsv",
	"brisbane._domainkey.example.com", DKIM_KEY_RSA, 1024, 1},
    {"rfc-examples/rfc8463-A.1-brisbane-ed25519.private.pem",
	"rfc-examples/dns.tsv", "brisbane._domainkey.football.example.com",
	DKIM_KEY_ED25519, 256, 1},
    {"rfc-examples/rfc8463-A.1-brisbane-ed25519.seed.b64",
	"rfc-examples/dns.tsv", "brisbane._domainkey.football.example.com",
	DKIM_KEY_ED25519, 256, 1},
    {"rfc-examples/rfc8463-A.1-test-rsa.private.pem", "rfc-examples/dns.tsv",
	"test._domainkey.football.example.com", DKIM_KEY_RSA, 1024, 1},
    {"dkimpy/data/ed25519test.key", "dkimpy/dns.tsv",
	"test._domainkey.example.net", DKIM_KEY_ED25519, 256, 1},
    {"dkimpy/data/rfc8032_7_1.key", "dkimpy/dns.tsv",
	"brisbane._domainkey.football.example.com", DKIM_KEY_ED25519, 256, 1},
    {"dkimpy/data/1024_testkey.key", "dkimpy/dns.tsv",
	"test2._domainkey.example.com", DKIM_KEY_RSA, 1024, 0},
    {"dkimpy/data/2048_testkey.key", "dkimpy/dns.tsv",
	"test3._domainkey.example.com", DKIM_KEY_RSA, 2048, 1},
    {"dkimpy/data/2048_testkey.key", "dkimpy/dns.tsv",
	"test4._domainkey.example.com", DKIM_KEY_RSA, 2048, 0},
    {"dkimpy/data/2048_testkey_PKCS8.key", "dkimpy/dns.tsv",
	"test5._domainkey.example.com", DKIM_KEY_RSA, 2048, 1},
    {"dkimpy/data/test.private", "dkimpy/dns.tsv",
	"test._domainkey.example.com", DKIM_KEY_RSA, 1024, 1},
    {"dkimpy/data/test2.private", "dkimpy/dns.tsv",
	"TEST._domainkey.Example.COM", DKIM_KEY_RSA, 1024, 1},
    {"opendkim-milter/testkey.private", "opendkim-milter/dns.tsv",
	"test._domainkey.example.com", DKIM_KEY_RSA, 1024, 1},
};

/* lookup_one - the first TXT at name in a dns.tsv; caller frees */
static char *
lookup_one(const char *dns, const char *name)
{
	char path[1024], err[256], *txt;
	dkim_lookup_file *lf;
	dkim_txt_answer ans;
	dkim_lookup l;

	snprintf(path, sizeof(path), "%s/%s", tu_testdata(), dns);
	ck_assert_msg(dkim_lookup_file_open(path, &lf, err, sizeof(err)) ==
		DKIM_OK,
	    "%s", err);
	l = dkim_lookup_file_iface(lf);
	ck_assert_int_eq(l.query(l.ctx, name, &ans), DKIM_OK);
	ck_assert_int_eq(ans.status, DKIM_DNS_OK);
	ck_assert_uint_ge(ans.count, 1);
	txt = strdup(ans.txt[0]);
	dkim_txt_answer_clear(&ans);
	dkim_lookup_file_free(lf);
	return txt;
}

/* test_key_files - load each key; its public half is the published p= */
START_TEST(test_key_files)
{
	char path[1024], *txt, *mine, *theirs;
	dkim_keyrec *rec;
	dkim_key *key;

	if (!tu_have_testdata())
		return;
	snprintf(path, sizeof(path), "%s/%s", tu_testdata(), files[_i].file);
	key = tu_key_file(path);
	ck_assert_int_eq(dkim_key_type(key), files[_i].type);
	ck_assert_uint_eq(dkim_key_bits(key), files[_i].bits);
	txt = lookup_one(files[_i].dns, files[_i].name);
	rec = record_of(txt);
	ck_assert_msg(dkim_key_match_record(key, rec) == DKIM_KEYMATCH_OK,
	    "%s does not match %s", files[_i].file, files[_i].name);
	ck_assert_int_eq(dkim_key_public_b64(key, &mine), DKIM_OK);
	theirs = p_value(txt);
	if (files[_i].exact)
		ck_assert_str_eq(mine, theirs);
	roundtrip(key, rec);
	free(mine);
	free(theirs);
	free(txt);
	dkim_keyrec_free(rec);
	dkim_key_free(key);
}
END_TEST

/* test_key_seed - RFC 8463 A.1 seed gives the A.2 public key */
START_TEST(test_key_seed)
{
	char err[256], *pub, *rec;
	dkim_key *key;

	ck_assert_int_eq(dkim_key_from_pem(SEED_B64 "\n", sizeof(SEED_B64),
			     &key, err, sizeof(err)),
	    DKIM_OK);
	ck_assert_int_eq(dkim_key_type(key), DKIM_KEY_ED25519);
	ck_assert_int_eq(dkim_key_alg(key), DKIM_ALG_ED25519_SHA256);
	ck_assert_int_eq(dkim_key_public_b64(key, &pub), DKIM_OK);
	ck_assert_str_eq(pub, PUB_B64);
	ck_assert_int_eq(dkim_key_record(key, &rec), DKIM_OK);
	ck_assert_str_eq(rec, "v=DKIM1; k=ed25519; p=" PUB_B64);
	free(pub);
	free(rec);
	dkim_key_free(key);
}
END_TEST

/* test_key_ed25519_kat - RFC 8032 7.1 TEST 1: PureEdDSA, no prehash */
START_TEST(test_key_ed25519_kat)
{
	static const unsigned char want[64] = {
	    0xe5,
	    0x56,
	    0x43,
	    0x00,
	    0xc3,
	    0x60,
	    0xac,
	    0x72,
	    0x90,
	    0x86,
	    0xe2,
	    0xcc,
	    0x80,
	    0x6e,
	    0x82,
	    0x8a,
	    0x84,
	    0x87,
	    0x7f,
	    0x1e,
	    0xb8,
	    0xe5,
	    0xd9,
	    0x74,
	    0xd8,
	    0x73,
	    0xe0,
	    0x65,
	    0x22,
	    0x49,
	    0x01,
	    0x55,
	    0x5f,
	    0xb8,
	    0x82,
	    0x15,
	    0x90,
	    0xa3,
	    0x3b,
	    0xac,
	    0xc6,
	    0x1e,
	    0x39,
	    0x70,
	    0x1c,
	    0xf9,
	    0xb4,
	    0x6b,
	    0xd2,
	    0x5b,
	    0xf5,
	    0xf0,
	    0x59,
	    0x5b,
	    0xbe,
	    0x24,
	    0x65,
	    0x51,
	    0x41,
	    0x43,
	    0x8e,
	    0x7a,
	    0x10,
	    0x0b,
	};
	unsigned char *sig;
	size_t siglen;
	char err[256];
	dkim_key *key;

	ck_assert_int_eq(dkim_key_from_pem(SEED_B64, strlen(SEED_B64), &key,
			     err, sizeof(err)),
	    DKIM_OK);
	ck_assert_int_eq(key_sign_digest(key, (const unsigned char *)"", 0,
			     &sig, &siglen),
	    0);
	ck_assert_uint_eq(siglen, 64);
	ck_assert_mem_eq(sig, want, 64);
	free(sig);
	dkim_key_free(key);
}
END_TEST

/* test_key_generate - new keys export, reload and sign */
START_TEST(test_key_generate)
{
	dkim_keytype type = _i == 0 ? DKIM_KEY_RSA : DKIM_KEY_ED25519;
	char err[256], *pem, *pub, *pub2, *txt;
	dkim_key *key, *again;
	dkim_keyrec *rec;

	ck_assert_int_eq(dkim_key_generate(type, 1024, &key, err, sizeof(err)),
	    DKIM_OK);
	ck_assert_int_eq(dkim_key_type(key), type);
	ck_assert_uint_eq(dkim_key_bits(key), _i == 0 ? 1024 : 256);
	ck_assert_int_eq(dkim_key_alg(key),
	    _i == 0 ? DKIM_ALG_RSA_SHA256 : DKIM_ALG_ED25519_SHA256);
	ck_assert_int_eq(dkim_key_to_pem(key, &pem), DKIM_OK);
	ck_assert_int_eq(strncmp(pem, "-----BEGIN PRIVATE KEY-----\n", 28), 0);
	ck_assert_int_eq(dkim_key_from_pem(pem, strlen(pem), &again, err,
			     sizeof(err)),
	    DKIM_OK);
	ck_assert_int_eq(dkim_key_public_b64(key, &pub), DKIM_OK);
	ck_assert_int_eq(dkim_key_public_b64(again, &pub2), DKIM_OK);
	ck_assert_str_eq(pub, pub2);
	ck_assert_int_eq(dkim_key_record(key, &txt), DKIM_OK);
	ck_assert_int_eq(strncmp(txt,
			     _i == 0 ? "v=DKIM1; k=rsa; p=MIGfMA0G" :
				       "v=DKIM1; k=ed25519; p=",
			     _i == 0 ? 26 : 22),
	    0);
	rec = record_of(txt);
	ck_assert_int_eq(dkim_key_match_record(again, rec), DKIM_KEYMATCH_OK);
	roundtrip(again, rec);
	free(pem);
	free(pub);
	free(pub2);
	free(txt);
	dkim_keyrec_free(rec);
	dkim_key_free(again);
	dkim_key_free(key);
}
END_TEST

/* test_key_generate_bad - RSA under 1024 bits (RFC 8301 3.2) refused */
START_TEST(test_key_generate_bad)
{
	static const unsigned bad[] = {0, 512, 1023, 100000};
	char err[256];
	dkim_key *key = (dkim_key *)1;

	ck_assert_int_eq(dkim_key_generate(DKIM_KEY_RSA, bad[_i], &key, err,
			     sizeof(err)),
	    DKIM_EINVAL);
	ck_assert_ptr_null(key);
	ck_assert_ptr_nonnull(strstr(err, "1024"));
	ck_assert_int_eq(dkim_key_generate((dkim_keytype)7, 2048, &key, err,
			     sizeof(err)),
	    DKIM_EINVAL);
}
END_TEST

/* record_with - "prefix p=<public key of key>" */
static dkim_keyrec *
record_with(const char *prefix, const dkim_key *key)
{
	char *pub, txt[1024];
	dkim_keyrec *rec;

	ck_assert_int_eq(dkim_key_public_b64(key, &pub), DKIM_OK);
	snprintf(txt, sizeof(txt), "%sp=%s", prefix, pub);
	rec = record_of(txt);
	free(pub);
	return rec;
}

/* raw_rsa_record - k1's public key as a bare PKCS#1 RSAPublicKey record */
static dkim_keyrec *
raw_rsa_record(const dkim_key *key)
{
	char *pub, *b64, txt[1024];
	unsigned char *der, *raw = NULL;
	const unsigned char *p;
	size_t dlen;
	EVP_PKEY *pk;
	int rlen;
	dkim_keyrec *rec;

	ck_assert_int_eq(dkim_key_public_b64(key, &pub), DKIM_OK);
	ck_assert_int_eq(b64_decode(pub, strlen(pub), &der, &dlen), 0);
	p = der;
	ck_assert_ptr_nonnull(pk = d2i_PUBKEY(NULL, &p, (long)dlen));
	ck_assert_int_gt(rlen = i2d_PublicKey(pk, &raw), 0);
	b64 = b64_encode(raw, (size_t)rlen);
	snprintf(txt, sizeof(txt), "k=rsa; p=%s", b64);
	ck_assert_int_eq(strncmp(b64, "MIGJAoGBA", 9), 0);
	rec = record_of(txt);
	OPENSSL_free(raw);
	EVP_PKEY_free(pk);
	free(b64);
	free(der);
	free(pub);
	return rec;
}

/* test_key_match - each dkim_keymatch outcome */
START_TEST(test_key_match)
{
	dkim_key *k1 = tu_keygen(DKIM_KEY_RSA, 1024);
	dkim_key *k2 = tu_keygen(DKIM_KEY_RSA, 1024);
	dkim_key *ed = tu_keygen(DKIM_KEY_ED25519, 0);
	dkim_keyrec *rec;

	rec = record_of("v=DKIM1; k=rsa; p=");
	ck_assert_int_eq(dkim_key_match_record(k1, rec), DKIM_KEYMATCH_REVOKED);
	dkim_keyrec_free(rec);
	rec = record_with("k=ed25519; ", ed);
	ck_assert_int_eq(dkim_key_match_record(k1, rec), DKIM_KEYMATCH_TYPE);
	ck_assert_int_eq(dkim_key_match_record(ed, rec), DKIM_KEYMATCH_OK);
	dkim_keyrec_free(rec);
	rec = record_with("h=sha1; ", k1);
	ck_assert_int_eq(dkim_key_match_record(k1, rec), DKIM_KEYMATCH_HASH);
	dkim_keyrec_free(rec);
	rec = record_with("s=tlsrpt; ", k1);
	ck_assert_int_eq(dkim_key_match_record(k1, rec), DKIM_KEYMATCH_SERVICE);
	dkim_keyrec_free(rec);
	rec = record_with("v=DKIM1; h=sha256; s=email; t=y; ", k2);
	ck_assert_int_eq(dkim_key_match_record(k1, rec),
	    DKIM_KEYMATCH_MISMATCH);
	ck_assert_int_eq(dkim_key_match_record(k2, rec), DKIM_KEYMATCH_OK);
	dkim_keyrec_free(rec);
	rec = raw_rsa_record(k1);
	ck_assert_int_eq(dkim_key_match_record(k1, rec), DKIM_KEYMATCH_OK);
	ck_assert_int_eq(dkim_key_match_record(k2, rec),
	    DKIM_KEYMATCH_MISMATCH);
	roundtrip(k1, rec);
	dkim_keyrec_free(rec);
	dkim_key_free(k1);
	dkim_key_free(k2);
	dkim_key_free(ed);
}
END_TEST

/* not_other - a signature by key does not verify against rec, another
 * key's record, right after rec's own key was used on this thread */
static void
not_other(const dkim_key *key, const dkim_keyrec *rec)
{
	unsigned char digest[32], *sig;
	size_t siglen;

	memset(digest, 0x33, sizeof(digest));
	ck_assert_int_eq(key_sign_digest(key, digest, 32, &sig, &siglen), 0);
	ck_assert_int_eq(keyrec_verify_digest(rec, dkim_key_alg(key), digest,
			     32, sig, siglen),
	    0);
	free(sig);
}

/* parse_known - dkim_keyrec_parse_known of txt; must parse */
static dkim_keyrec *
parse_known(const char *txt, const dkim_keyrec *known)
{
	char reason[DKIM_REASON_MAX];
	dkim_keyrec *rec;

	ck_assert_msg(dkim_keyrec_parse_known(txt, strlen(txt), known, &rec,
			  reason) == DKIM_OK,
	    "'%.60s': %s", txt, reason);
	return rec;
}

/*
 * test_key_own_record - the key's own record is parsed once and shared;
 * a record parsed with a known key gives what a plain parse gives,
 * whether or not its p= is that key (folded, other key, revoked), and
 * its other tags are its own
 */
START_TEST(test_key_own_record)
{
	dkim_key *k1 = tu_keygen(_i ? DKIM_KEY_ED25519 : DKIM_KEY_RSA, 1024);
	dkim_key *k2 = tu_keygen(_i ? DKIM_KEY_ED25519 : DKIM_KEY_RSA, 1024);
	const char *kt = _i ? "k=ed25519; " : "";
	dkim_keyrec *own, *again, *rec;
	char *pub, *folded, txt[2048], reason[DKIM_REASON_MAX];
	size_t n, k;

	ck_assert_int_eq(dkim_key_own_record(k1, &own), DKIM_OK);
	ck_assert_int_eq(dkim_key_own_record(k1, &again), DKIM_OK);
	ck_assert_ptr_eq(own, again);
	dkim_keyrec_free(again);
	ck_assert_int_eq(dkim_key_match_record(k1, own), DKIM_KEYMATCH_OK);
	roundtrip(k1, own);
	/* k1's key with folding whitespace in p= and t=y of its own */
	ck_assert_int_eq(dkim_key_public_b64(k1, &pub), DKIM_OK);
	n = strlen(pub);
	ck_assert_ptr_nonnull(folded = malloc(n + n / 20 * 3 + 1));
	for (k = 0, *folded = '\0'; k < n; k += 20)
		snprintf(folded + strlen(folded), 24, "%.20s%s", pub + k,
		    k + 20 < n ? "\r\n " : "");
	snprintf(txt, sizeof txt, "v=DKIM1; %st=y; p=%s", kt, folded);
	rec = parse_known(txt, own);
	ck_assert_int_eq(dkim_keyrec_testing(rec), 1);
	ck_assert_int_eq(dkim_keyrec_testing(own), 0);
	ck_assert_uint_eq(dkim_keyrec_bits(rec), dkim_keyrec_bits(own));
	ck_assert_int_eq(dkim_key_match_record(k1, rec), DKIM_KEYMATCH_OK);
	ck_assert_int_eq(dkim_key_match_record(k2, rec),
	    DKIM_KEYMATCH_MISMATCH);
	roundtrip(k1, rec);
	dkim_keyrec_free(rec);
	/* k2's key with k1's record known: decoded, not shared */
	free(pub);
	ck_assert_int_eq(dkim_key_public_b64(k2, &pub), DKIM_OK);
	snprintf(txt, sizeof txt, "%sp=%s", kt, pub);
	rec = parse_known(txt, own);
	ck_assert_int_eq(dkim_key_match_record(k1, rec),
	    DKIM_KEYMATCH_MISMATCH);
	ck_assert_int_eq(dkim_key_match_record(k2, rec), DKIM_KEYMATCH_OK);
	roundtrip(k2, rec);
	dkim_keyrec_free(rec);
	/* revoked, and a type that is not known's */
	rec = parse_known("v=DKIM1; p=", own);
	ck_assert_int_eq(dkim_keyrec_revoked(rec), 1);
	dkim_keyrec_free(rec);
	free(pub);
	ck_assert_int_eq(dkim_key_public_b64(k1, &pub), DKIM_OK);
	snprintf(txt, sizeof txt, "k=%s; p=%s", _i ? "rsa" : "ed25519", pub);
	ck_assert_int_ne(dkim_keyrec_parse_known(txt, strlen(txt), own, &rec,
			     reason),
	    DKIM_OK);
	ck_assert_ptr_null(rec);
	/* two keys in turn on one thread: the thread's contexts (RSA) and
	 * templates (Ed25519) follow the key (a signature by one never
	 * checks with the other) */
	ck_assert_int_eq(dkim_key_own_record(k2, &again), DKIM_OK);
	for (k = 0; k < 4; k++) {
		roundtrip(k & 1 ? k2 : k1, k & 1 ? again : own);
		not_other(k & 1 ? k2 : k1, k & 1 ? own : again);
	}
	dkim_keyrec_free(again);
	free(folded);
	free(pub);
	dkim_keyrec_free(own);
	dkim_key_free(k1);
	dkim_key_free(k2);
}
END_TEST

/* test_key_sha1 - keyrec_verify_digest accepts rsa-sha1 signatures */
START_TEST(test_key_sha1)
{
	unsigned char digest[20], sig[512];
	size_t siglen = sizeof(sig);
	char *pem;
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pk;
	dkim_keyrec *rec;
	dkim_key *key = tu_keygen(DKIM_KEY_RSA, 1024);
	BIO *bio;

	memset(digest, 0x5a, sizeof(digest));
	ck_assert_int_eq(dkim_key_to_pem(key, &pem), DKIM_OK);
	bio = BIO_new_mem_buf(pem, -1);
	ck_assert_ptr_nonnull(
	    pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL));
	ck_assert_ptr_nonnull(ctx = EVP_PKEY_CTX_new(pk, NULL));
	ck_assert_int_gt(EVP_PKEY_sign_init(ctx), 0);
	ck_assert_int_gt(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING),
	    0);
	ck_assert_int_gt(EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha1()), 0);
	ck_assert_int_gt(EVP_PKEY_sign(ctx, sig, &siglen, digest, 20), 0);
	rec = record_with("", key);
	ck_assert_int_eq(keyrec_verify_digest(rec, DKIM_ALG_RSA_SHA1, digest,
			     20, sig, siglen),
	    1);
	ck_assert_int_eq(keyrec_verify_digest(rec, DKIM_ALG_RSA_SHA256, digest,
			     20, sig, siglen),
	    0);
	sig[3] ^= 1;
	ck_assert_int_eq(keyrec_verify_digest(rec, DKIM_ALG_RSA_SHA1, digest,
			     20, sig, siglen),
	    0);
	ck_assert_int_eq(keyrec_verify_digest(NULL, DKIM_ALG_RSA_SHA1, digest,
			     20, sig, siglen),
	    -1);
	dkim_keyrec_free(rec);
	rec = record_of("p=");
	ck_assert_int_eq(keyrec_verify_digest(rec, DKIM_ALG_RSA_SHA1, digest,
			     20, sig, siglen),
	    -1);
	dkim_keyrec_free(rec);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	BIO_free(bio);
	free(pem);
	dkim_key_free(key);
}
END_TEST

/* bad in-memory keys: each refused with a reason, never echoing data */
static const struct {
	const char *pem, *reason;
} bad_pem[] = {
    {"", "key data is empty"},
    {" \r\n\t", "key data is empty"},
    {"hello, world", "neither PEM nor base64"},
    {"AAAA", "not a private key"},
    {"-----BEGIN RSA PRIVATE KEY-----\nMIICXQIBAAKBgQDkHlOQoBTzWRiGs5V6"
     "NpP3idY6Wk08a5qhdR6wy5bdOKb2\n-----END RSA PRIVATE KEY-----\n",
	"no usable private key"},
    {"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0wQTA"
     "pBgkqhkiG9w0BBQwwHAQIc2VjcmV0\n-----END ENCRYPTED PRIVATE KEY-----\n",
	"encrypted private keys are not supported"},
};

/* test_key_bad_pem - refusals, with clean messages */
START_TEST(test_key_bad_pem)
{
	char err[256];
	dkim_key *key = (dkim_key *)1;
	dkim_rc rc = dkim_key_from_pem(bad_pem[_i].pem, strlen(bad_pem[_i].pem),
	    &key, err, sizeof(err));

	ck_assert_int_eq(rc, DKIM_EINVAL);
	ck_assert_ptr_null(key);
	ck_assert_msg(strstr(err, bad_pem[_i].reason) != NULL,
	    "err '%s', want '%s'", err, bad_pem[_i].reason);
	ck_assert_ptr_null(strstr(err, "MI"));
	ck_assert_ptr_null(strstr(err, "AAAA"));
}
END_TEST

/* pem_of - PEM of a fresh OpenSSL key, encrypted when pass is set */
static char *
pem_of(EVP_PKEY *pk, const char *pass)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *out;
	long n;

	ck_assert_int_eq(PEM_write_bio_PrivateKey(bio, pk,
			     pass ? EVP_aes_128_cbc() : NULL,
			     (unsigned char *)pass,
			     pass ? (int)strlen(pass) : 0, NULL, NULL),
	    1);
	n = BIO_get_mem_data(bio, &data);
	out = strndup(data, (size_t)n);
	BIO_free(bio);
	EVP_PKEY_free(pk);
	return out;
}

/* test_key_other_pem - an EC key, and an encrypted key (no prompt) */
START_TEST(test_key_other_pem)
{
	char err[256], *pem;
	dkim_key *key;

	pem = pem_of(EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"), NULL);
	ck_assert_int_eq(dkim_key_from_pem(pem, strlen(pem), &key, err,
			     sizeof(err)),
	    DKIM_EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "unsupported key type"));
	free(pem);
	pem = pem_of(EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"), "secret");
	ck_assert_int_eq(dkim_key_from_pem(pem, strlen(pem), &key, err,
			     sizeof(err)),
	    DKIM_EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "encrypted"));
	free(pem);
}
END_TEST

/* test_key_files_bad - empty, whitespace, missing, directory */
START_TEST(test_key_files_bad)
{
	char path[256], err[512];
	dkim_key *key;

	tu_write_tmp(path, sizeof(path), "");
	ck_assert_int_eq(dkim_key_from_file(path, &key, err, sizeof(err)),
	    DKIM_EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "key file is empty"));
	unlink(path);
	tu_write_tmp(path, sizeof(path), "\n\n  \n");
	ck_assert_int_eq(dkim_key_from_file(path, &key, err, sizeof(err)),
	    DKIM_EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "key file is empty"));
	ck_assert_int_eq(dkim_key_from_file(path, &key, NULL, 0), DKIM_EINVAL);
	unlink(path);
	tu_write_tmp(path, sizeof(path),
	    "-----BEGIN PRIVATE KEY-----\nMIIEvQ"
	    "secretsecretsecret\n-----END PRIVATE KEY-----\n");
	ck_assert_int_eq(dkim_key_from_file(path, &key, err, sizeof(err)),
	    DKIM_EINVAL);
	ck_assert_ptr_null(strstr(err, "secret"));
	unlink(path);
	ck_assert_int_eq(dkim_key_from_file(path, &key, err, sizeof(err)),
	    DKIM_EIO);
	ck_assert_ptr_nonnull(strstr(err, path));
	ck_assert_int_eq(dkim_key_from_file("/", &key, err, sizeof(err)),
	    DKIM_EIO);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file"));
	tu_write_tmp(path, sizeof(path), SEED_B64 "\n");
	ck_assert_int_eq(dkim_key_from_file(path, &key, err, sizeof(err)),
	    DKIM_OK);
	ck_assert_int_eq(dkim_key_type(key), DKIM_KEY_ED25519);
	dkim_key_free(key);
	unlink(path);
}
END_TEST

/* signer - one thread: refs, signs and drops the shared key */
static void *
signer(void *arg)
{
	dkim_key *key = arg;
	unsigned char digest[32] = {1, 2, 3}, *sig;
	size_t siglen;
	long bad = 0;
	int k;

	for (k = 0; k < 200; k++) {
		dkim_key *mine = dkim_key_ref(key);

		if (key_sign_digest(mine, digest, 32, &sig, &siglen) != 0)
			bad++;
		else
			free(sig);
		dkim_key_free(mine);
	}
	return (void *)bad;
}

/* test_key_threads - one key shared by threads (atomic refcount) */
START_TEST(test_key_threads)
{
	pthread_t t[4];
	dkim_key *key =
	    tu_keygen(_i == 0 ? DKIM_KEY_RSA : DKIM_KEY_ED25519, 1024);
	void *bad;
	int k;

	for (k = 0; k < 4; k++)
		ck_assert_int_eq(pthread_create(&t[k], NULL, signer, key), 0);
	for (k = 0; k < 4; k++) {
		ck_assert_int_eq(pthread_join(t[k], &bad), 0);
		ck_assert_ptr_null(bad);
	}
	ck_assert_ptr_eq(dkim_key_ref(key), key);
	dkim_key_free(key);
	dkim_key_free(key);
	dkim_key_free(NULL);
	ck_assert_ptr_null(dkim_key_ref(NULL));
}
END_TEST

/*
 * test_key_files_all - every private key file of the shared data (.key,
 * .private, .pem, .seed.b64) has a case in files[]: one added to the
 * data without a case fails here instead of going untested.
 */
START_TEST(test_key_files_all)
{
	static const char *const suffixes[] = {".key", ".private", ".pem",
	    ".seed.b64", NULL};
	size_t i, j, n, ran = 0;
	char **data;

	if (!tu_have_testdata())
		return;
	data = tu_data_files(suffixes, &n);
	for (i = 0; i < n; i++) {
		for (j = 0; j < NELEM(files); j++)
			if (strcmp(files[j].file, data[i]) == 0)
				break;
		if (j < NELEM(files))
			ran++;
		else
			printf("no case for key file %s\n", data[i]);
	}
	tu_data_files_free(data, n);
	tu_data_ran("private key files", ran, n);
}
END_TEST

/* key_suite - all cases */
static Suite *
key_suite(void)
{
	Suite *s = suite_create("key");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_key_files, 0, (int)NELEM(files));
	tcase_add_test(tc, test_key_files_all);
	tcase_add_test(tc, test_key_seed);
	tcase_add_test(tc, test_key_ed25519_kat);
	tcase_add_loop_test(tc, test_key_generate, 0, 2);
	tcase_add_loop_test(tc, test_key_generate_bad, 0, 4);
	tcase_add_test(tc, test_key_match);
	tcase_add_loop_test(tc, test_key_own_record, 0, 2);
	tcase_add_test(tc, test_key_sha1);
	tcase_add_loop_test(tc, test_key_bad_pem, 0, (int)NELEM(bad_pem));
	tcase_add_test(tc, test_key_other_pem);
	tcase_add_test(tc, test_key_files_bad);
	tcase_add_loop_test(tc, test_key_threads, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(key_suite());
}
