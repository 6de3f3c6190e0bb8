/*
 * keyrec.c - DKIM key records (the TXT at s._domainkey.d), RFC 6376 3.6.1.
 *
 * SYNOPSIS
 *	dkim_keyrec_parse, dkim_keyrec_ref, dkim_keyrec_free,
 *	dkim_keyrec_revoked,
 *	dkim_keyrec_testing, dkim_keyrec_strict, dkim_keyrec_type,
 *	dkim_keyrec_bits, dkim_keyrec_allows, dkim_key_match_record (dkim.h);
 *	keyrec_verify_digest, pkey_verify_digest (internal.h)
 *
 * DESCRIPTION
 *	A parsed record is immutable and reference-counted (a C11 atomic, as
 *	for dkim_key); its EVP_PKEY is shared read-only and every verify uses
 *	its own EVP_PKEY_CTX / EVP_MD_CTX, so one record may serve many
 *	threads.  dkim_key_match_record lives here because it needs
 *	the record's public key; it compares through the public key.c API.
 *
 * DIAGNOSTICS
 *	Out of memory and OpenSSL failing are kept apart from a bad record
 *	or a bad signature everywhere here, so a failure of ours never
 *	becomes a verdict against the sender: dkim_keyrec_parse says
 *	DKIM_ENOMEM, keyrec_verify_digest -1, dkim_key_match_record
 *	DKIM_KEYMATCH_ERROR.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "internal.h"
#include "tags.h"

struct dkim_keyrec {
	atomic_uint refs;
	dkim_keytype type;
	int revoked;      /* p= empty */
	int testing;      /* t=y */
	int strict;       /* t=s */
	int sha1, sha256; /* h= permits (both when h= is absent) */
	int email;        /* s= permits email (* or absent) */
	EVP_PKEY *pkey;   /* NULL when revoked */
	char *public_b64; /* the key as dkim_key_public_b64 writes it */
	unsigned bits;
	const char *unacceptable; /* past the verify cost bounds */
	char lenient[33]; /* first tag name outside the grammar, or "" */
};

#define REC_ERR(...) (snprintf(reason, DKIM_REASON_MAX, __VA_ARGS__), -1)
#define REC_OOM() (snprintf(reason, DKIM_REASON_MAX, "out of memory"), -2)

/* item_is - list item equals word, ignoring case */
static int
item_is(const char *item, size_t n, const char *word)
{
	return n == strlen(word) && strncasecmp(item, word, n) == 0;
}

/* parse_tag_v - RFC 6376 3.6.1 v=: "MUST be the first tag", "DKIM1" */
static int
parse_tag_v(const struct taglist *tl, char *reason)
{
	long k = tags_index(tl, "v");
	const struct tag *t;

	if (k < 0)
		return 0;
	if (k != 0)
		return REC_ERR("v= is not the first tag");
	t = &tl->tags[0];
	if (t->value_len != 5 || memcmp(t->value, "DKIM1", 5) != 0)
		return REC_ERR("unsupported key record version v=%.*s",
		    (int)(t->value_len > 16 ? 16 : t->value_len), t->value);
	return 0;
}

/* parse_tag_k - RFC 6376 3.6.1 k= (default rsa), RFC 8463 4 ed25519 */
static int
parse_tag_k(const struct tag *t, struct dkim_keyrec *rec, char *reason)
{
	if (t == NULL || item_is(t->value, t->value_len, "rsa"))
		rec->type = DKIM_KEY_RSA;
	else if (item_is(t->value, t->value_len, "ed25519"))
		rec->type = DKIM_KEY_ED25519;
	else
		return REC_ERR("unknown key type k=%.*s",
		    (int)(t->value_len > 24 ? 24 : t->value_len), t->value);
	return 0;
}

/* parse_tag_h - RFC 6376 3.6.1 h=: hash algorithms; unknown ones ignored */
static void
parse_tag_h(const struct tag *t, struct dkim_keyrec *rec)
{
	const char *item;
	size_t pos = 0, n;

	if (t == NULL) {
		rec->sha1 = rec->sha256 = 1; /* "defaults to all" */
		return;
	}
	while (tags_list_next(t->value, t->value_len, &pos, &item, &n)) {
		if (item_is(item, n, "sha1"))
			rec->sha1 = 1;
		else if (item_is(item, n, "sha256"))
			rec->sha256 = 1;
	}
}

/* parse_tag_s - RFC 6376 3.6.1 s=: service types, "*" or "email" */
static void
parse_tag_s(const struct tag *t, struct dkim_keyrec *rec)
{
	const char *item;
	size_t pos = 0, n;

	if (t == NULL) {
		rec->email = 1; /* default "*" */
		return;
	}
	while (tags_list_next(t->value, t->value_len, &pos, &item, &n))
		if (item_is(item, n, "*") || item_is(item, n, "email"))
			rec->email = 1;
}

/* parse_tag_t - RFC 6376 3.6.1 t=: flags y and s; unknown ones ignored */
static void
parse_tag_t(const struct tag *t, struct dkim_keyrec *rec)
{
	const char *item;
	size_t pos = 0, n;

	if (t == NULL)
		return;
	while (tags_list_next(t->value, t->value_len, &pos, &item, &n)) {
		if (item_is(item, n, "y"))
			rec->testing = 1;
		else if (item_is(item, n, "s"))
			rec->strict = 1;
	}
}

/*
 * rsa_from_parts - an RSA public key from its modulus and exponent.
 * EVP_PKEY_fromdata costs a fraction of what d2i_PUBKEY's decoder set-up
 * does, which for a sender's record is paid on every parse.
 */
static EVP_PKEY *
rsa_from_parts(const struct der_rsa *k, BIGNUM **eo)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *n = BN_bin2bn(k->n, (int)k->nlen, NULL);
	BIGNUM *e = BN_bin2bn(k->e, (int)k->elen, NULL);

	if (bld != NULL && n != NULL && e != NULL &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) == 1 &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) == 1 &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) != NULL &&
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) != NULL &&
	    EVP_PKEY_fromdata_init(ctx) == 1)
		(void)EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY,
		    params);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	if (pkey != NULL)
		*eo = e;
	else
		BN_free(e);
	return pkey;
}

/* rsa_from_der - SubjectPublicKeyInfo, or a bare PKCS#1 RSAPublicKey as
 * some signers publish (RFC 6376 3.6.1 asks for the former); the key and
 * its normalized p= (SubjectPublicKeyInfo, base64); *eo: the exponent
 * when the DER gave it (asking the key for it costs more than the rest
 * of the parse), else NULL */
static EVP_PKEY *
rsa_from_der(const unsigned char *der, size_t len, char **b64, BIGNUM **eo)
{
	const unsigned char *p = der;
	struct der_rsa k;
	unsigned char *spki;
	size_t slen;
	EVP_PKEY *pkey;

	*b64 = NULL;
	*eo = NULL;
	if (der_rsa_pubkey_parts(der, len, &k)) {
		if ((pkey = rsa_from_parts(&k, eo)) != NULL &&
		    (spki = der_rsa_spki(k.n, k.nlen, k.e, k.elen, &slen))) {
			*b64 = b64_encode(spki, slen);
			free(spki);
		}
		return pkey;
	}
	/* not strict DER, but OpenSSL's decoder may take it */
	pkey = d2i_PUBKEY(NULL, &p, (long)len);
	if (pkey == NULL || p != der + len) {
		EVP_PKEY_free(pkey);
		p = der;
		pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)len);
		if (pkey != NULL && p != der + len) {
			EVP_PKEY_free(pkey);
			pkey = NULL;
		}
	}
	if (pkey != NULL && EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA)
		*b64 = pkey_public_b64(pkey, DKIM_KEY_RSA);
	return pkey;
}

/*
 * rsa_bounds - what one RSA verification may cost.  Its time grows with
 * the bits of the public exponent and the square of the modulus size, and
 * both come from the sender's DNS, so a record past KEYREC_RSA_E_BITS or
 * KEYREC_RSA_MAX_BITS is marked unacceptable (dkim_keyrec_unacceptable);
 * an even exponent or one below 3 is no RSA public key (RFC 8017 3.1).
 * e: the exponent as the DER gave it (freed here), or NULL to ask the
 * key.  -1 only when OpenSSL cannot say what the exponent is.
 */
static int
rsa_bounds(struct dkim_keyrec *rec, BIGNUM *e)
{
	if (e == NULL &&
	    EVP_PKEY_get_bn_param(rec->pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
		ERR_clear_error();
		return -1;
	}
	if (!BN_is_odd(e) || BN_num_bits(e) < 2)
		rec->unacceptable = "key not acceptable: RSA public exponent "
				    "is not an odd number of at least 3";
	else if (BN_num_bits(e) > KEYREC_RSA_E_BITS)
		rec->unacceptable = "key not acceptable: RSA public exponent "
				    "over 32 bits";
	else if (rec->bits > KEYREC_RSA_MAX_BITS)
		rec->unacceptable = "key not acceptable: RSA modulus over "
				    "8192 bits";
	BN_free(e);
	return 0;
}

/* parse_tag_p - RFC 6376 3.6.1 p=: public key data; empty means revoked.
 * -1 bad key data, -2 out of memory (or OpenSSL failing) */
static int
parse_tag_p(const struct tag *t, struct dkim_keyrec *rec, char *reason)
{
	unsigned char *der;
	BIGNUM *e = NULL;
	size_t len;
	int rc, internal, bits;

	if (t == NULL)
		return REC_ERR("missing required tag p=");
	if ((rc = b64_decode(t->value, t->value_len, &der, &len)) == -2)
		return REC_OOM();
	if (rc < 0)
		return REC_ERR("bad base64 in p=");
	if (len == 0) {
		free(der);
		rec->revoked = 1;
		return 0;
	}
	if (len > 16384) {
		free(der);
		return REC_ERR("p= is too long");
	}
	/*
	 * OpenSSL imports any 32 octets as an Ed25519 key (RFC 8463 4.2) and
	 * any well-formed RSA key, so failing on those (or giving such a key
	 * no size) is OpenSSL's own failure; its error queue does not say so
	 * reliably (der.c)
	 */
	if (rec->type == DKIM_KEY_ED25519) {
		internal = len == 32;
		rec->pkey = !internal ?
		    NULL :
		    EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, der,
			len);
		rec->public_b64 =
		    rec->pkey != NULL ? b64_encode(der, len) : NULL;
		rec->bits = rec->pkey != NULL ? 256 : 0;
	} else {
		internal = der_rsa_pubkey_ok(der, len);
		if ((rec->pkey = rsa_from_der(der, len, &rec->public_b64,
			 &e)) != NULL &&
		    EVP_PKEY_get_base_id(rec->pkey) == EVP_PKEY_RSA &&
		    (bits = EVP_PKEY_get_bits(rec->pkey)) > 0)
			rec->bits = (unsigned)bits;
	}
	free(der);
	ERR_clear_error();
	if (rec->type == DKIM_KEY_RSA && rec->bits != 0 &&
	    rec->public_b64 != NULL)
		rc = rsa_bounds(rec, e); /* frees e */
	else
		BN_free(e);
	if (rec->bits != 0 && rec->public_b64 == NULL)
		return REC_OOM();
	if (rec->bits == 0 && internal)
		return REC_OOM();
	if (rec->bits == 0)
		return REC_ERR("p= is not a valid %s public key",
		    rec->type == DKIM_KEY_RSA ? "RSA" : "Ed25519");
	if (rec->type == DKIM_KEY_RSA && rc < 0)
		return REC_OOM();
	return 0;
}

/* same_p - the p= value, folding whitespace aside (RFC 6376 3.6.1 allows
 * it), is exactly b64 */
static int
same_p(const struct tag *t, const char *b64)
{
	size_t i;

	for (i = 0; i < t->value_len; i++) {
		if (t->value[i] == ' ' || t->value[i] == '\t' ||
		    t->value[i] == '\r' || t->value[i] == '\n')
			continue;
		if (*b64++ != t->value[i])
			return 0;
	}
	return *b64 == '\0';
}

/* share_known - p= is the key of known (same type, same normalized
 * p=): take known's parsed key instead of decoding it again; 1 done */
static int
share_known(const struct tag *t, struct dkim_keyrec *rec,
    const struct dkim_keyrec *known)
{
	if (known == NULL || t == NULL || known->pkey == NULL ||
	    known->public_b64 == NULL || known->type != rec->type ||
	    !same_p(t, known->public_b64) ||
	    (rec->public_b64 = strdup(known->public_b64)) == NULL)
		return 0;
	if (EVP_PKEY_up_ref(known->pkey) != 1) {
		free(rec->public_b64);
		rec->public_b64 = NULL;
		ERR_clear_error();
		return 0;
	}
	rec->pkey = known->pkey;
	rec->bits = known->bits;
	rec->unacceptable = known->unacceptable;
	return 1;
}

/* keyrec_fill - apply the tags of one record; -1 bad, -2 out of memory */
static int
keyrec_fill(const struct taglist *tl, struct dkim_keyrec *rec,
    const struct dkim_keyrec *known, char *reason)
{
	if (parse_tag_v(tl, reason) < 0 ||
	    parse_tag_k(tags_find(tl, "k"), rec, reason) < 0)
		return -1;
	parse_tag_h(tags_find(tl, "h"), rec);
	parse_tag_s(tags_find(tl, "s"), rec);
	parse_tag_t(tags_find(tl, "t"), rec);
	if (share_known(tags_find(tl, "p"), rec, known))
		return 0;
	return parse_tag_p(tags_find(tl, "p"), rec, reason);
}

/* dkim_keyrec_parse - parse one TXT record, RFC 6376 3.6.1 */
DKIM_API dkim_rc
dkim_keyrec_parse(const char *txt, size_t len, dkim_keyrec **out,
    char reason[DKIM_REASON_MAX])
{
	return dkim_keyrec_parse_known(txt, len, NULL, out, reason);
}

/* dkim_keyrec_parse_known - the same, sharing known's key when p= is it */
DKIM_API dkim_rc
dkim_keyrec_parse_known(const char *txt, size_t len, const dkim_keyrec *known,
    dkim_keyrec **out, char reason[DKIM_REASON_MAX])
{
	struct taglist tl;
	dkim_keyrec *rec;
	int rc;

	*out = NULL;
	reason[0] = '\0';
	if (txt == NULL) {
		snprintf(reason, DKIM_REASON_MAX, "no record");
		return DKIM_EINVAL;
	}
	if ((rc = tags_parse(txt, len, &tl, reason)) < 0)
		return rc == -2 ? DKIM_ENOMEM : DKIM_EINVAL;
	if ((rec = calloc(1, sizeof(*rec))) == NULL) {
		tags_free(&tl);
		snprintf(reason, DKIM_REASON_MAX, "out of memory");
		return DKIM_ENOMEM;
	}
	atomic_init(&rec->refs, 1);
	if (tl.lenient > 0) {
		const struct tag *t = &tl.tags[tl.first_lenient];

		snprintf(rec->lenient, sizeof rec->lenient, "%.*s",
		    (int)(t->name_len < 32 ? t->name_len : 32), t->name);
	}
	rc = keyrec_fill(&tl, rec, known, reason);
	tags_free(&tl);
	if (rc < 0) {
		dkim_keyrec_free(rec);
		return rc == -2 ? DKIM_ENOMEM : DKIM_EINVAL;
	}
	*out = rec;
	return DKIM_OK;
}

/* dkim_keyrec_ref - one more reference; NULL gives NULL */
DKIM_API dkim_keyrec *
dkim_keyrec_ref(dkim_keyrec *rec)
{
	if (rec != NULL)
		atomic_fetch_add_explicit(&rec->refs, 1, memory_order_relaxed);
	return rec;
}

/* dkim_keyrec_free - drop a reference, the last one releases; NULL: no-op */
DKIM_API void
dkim_keyrec_free(dkim_keyrec *rec)
{
	if (rec == NULL ||
	    atomic_fetch_sub_explicit(&rec->refs, 1, memory_order_acq_rel) != 1)
		return;
	EVP_PKEY_free(rec->pkey);
	free(rec->public_b64);
	free(rec);
}

/* dkim_keyrec_lenient_tag - see dkim.h */
DKIM_API const char *
dkim_keyrec_lenient_tag(const dkim_keyrec *rec)
{
	return rec->lenient[0] != '\0' ? rec->lenient : NULL;
}

/* dkim_keyrec_revoked - empty p= (RFC 6376 3.6.1) */
DKIM_API int
dkim_keyrec_revoked(const dkim_keyrec *rec)
{
	return rec->revoked;
}

/* dkim_keyrec_testing - t=y: "this domain is testing DKIM" */
DKIM_API int
dkim_keyrec_testing(const dkim_keyrec *rec)
{
	return rec->testing;
}

/* dkim_keyrec_strict - t=s: i= must not be a subdomain of d= */
DKIM_API int
dkim_keyrec_strict(const dkim_keyrec *rec)
{
	return rec->strict;
}

/* dkim_keyrec_type - k= */
DKIM_API dkim_keytype
dkim_keyrec_type(const dkim_keyrec *rec)
{
	return rec->type;
}

/* keyrec_unacceptable - NULL, or why the key is past the cost bounds */
const char *
keyrec_unacceptable(const dkim_keyrec *rec)
{
	return rec->unacceptable;
}

/* dkim_keyrec_bits - key size (256 for Ed25519); 0 when revoked */
DKIM_API unsigned
dkim_keyrec_bits(const dkim_keyrec *rec)
{
	return rec->revoked ? 0 : rec->bits;
}

/* dkim_keyrec_allows - h= permits the algorithm's hash and s= permits email */
DKIM_API int
dkim_keyrec_allows(const dkim_keyrec *rec, dkim_alg alg)
{
	if (!rec->email)
		return 0;
	switch (alg) {
	case DKIM_ALG_RSA_SHA256:
	case DKIM_ALG_ED25519_SHA256:
		return rec->sha256;
	case DKIM_ALG_RSA_SHA1:
		return rec->sha1;
	default:
		return 0;
	}
}

/*
 * ossl_failed - after an OpenSSL call failed: did it fail inside
 * (allocation, internal error) rather than on its input?  OpenSSL 3.0
 * puts ERR_R_MALLOC_FAILURE or ERR_R_INTERNAL_ERROR on the error queue
 * for those (RSA does; see keyrec_verify_digest for Ed25519).
 */
static int
ossl_failed(void)
{
	unsigned long e;
	int failed = 0;

	while ((e = ERR_get_error()) != 0)
		if (ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE ||
		    ERR_GET_REASON(e) == ERR_R_INTERNAL_ERROR)
			failed = 1;
	return failed;
}

/*
 * verify_result - what OpenSSL's verify returned: 1 good; 0 "does not
 * verify" unless the error queue shows OpenSSL failed inside; else -1
 */
static int
verify_result(int r)
{
	if (r == 1)
		return 1;
	if (r == 0 && !ossl_failed())
		return 0;
	return -1;
}

/* verify_rsa - RSASSA-PKCS1-v1_5 over a SHA-256 or SHA-1 digest (3.3.1),
 * on the thread's context for this key */
static int
verify_rsa(EVP_PKEY *pkey, const EVP_MD *md, const unsigned char *digest,
    size_t dlen, const unsigned char *sig, size_t siglen)
{
	EVP_PKEY_CTX *ctx;
	int rc, owned;

	if ((ctx = tls_rsa_ctx(pkey, TLS_RSA_VERIFY, md, &owned)) == NULL)
		return -1;
	rc = verify_result(EVP_PKEY_verify(ctx, sig, siglen, digest, dlen));
	if (owned)
		EVP_PKEY_CTX_free(ctx);
	return rc;
}

/* verify_ed25519 - RFC 8463 3: PureEdDSA over the SHA-256 digest */
static int
verify_ed25519(EVP_PKEY *pkey, const unsigned char *digest, size_t dlen,
    const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX *ctx;
	int rc = -1;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (tls_ed25519_ctx(pkey, TLS_RSA_VERIFY, ctx))
		rc = verify_result(
		    EVP_DigestVerify(ctx, sig, siglen, digest, dlen));
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* verify_once - one verification: 1, 0 or -1 */
static int
verify_once(EVP_PKEY *pkey, dkim_alg alg, const unsigned char *digest,
    size_t dlen, const unsigned char *sig, size_t siglen)
{
	int rc;

	ERR_clear_error(); /* verify_result reads what this adds */
	if (alg == DKIM_ALG_ED25519_SHA256)
		rc = verify_ed25519(pkey, digest, dlen, sig, siglen);
	else
		rc = verify_rsa(pkey,
		    alg == DKIM_ALG_RSA_SHA1 ? EVP_sha1() : EVP_sha256(),
		    digest, dlen, sig, siglen);
	ERR_clear_error();
	return rc;
}

/* pkey_verify_digest - 1 good, 0 bad signature, -1 internal error */
int
pkey_verify_digest(EVP_PKEY *pkey, dkim_alg alg, const unsigned char *digest,
    size_t dlen, const unsigned char *sig, size_t siglen)
{
	int rc;

	/*
	 * OpenSSL 3.0's Ed25519 verify returns 0 with nothing on the error
	 * queue when it cannot allocate its SHA-512 context.  So "does not
	 * verify" stands only when a second check agrees: after a passing
	 * failure the second check passes, after a lasting one its set-up
	 * fails (-1).  Only bad Ed25519 signatures pay for it, and their
	 * cost is fixed.  RSA puts ERR_R_MALLOC_FAILURE on the queue
	 * (ossl_failed), and its cost is what a sender's key record can
	 * inflate, so a failed RSA check is run once.
	 */
	if ((rc = verify_once(pkey, alg, digest, dlen, sig, siglen)) == 0 &&
	    alg == DKIM_ALG_ED25519_SHA256)
		rc = verify_once(pkey, alg, digest, dlen, sig, siglen);
	return rc;
}

/* keyrec_verify_digest - 1 good, 0 bad signature, -1 internal error */
int
keyrec_verify_digest(const dkim_keyrec *rec, dkim_alg alg,
    const unsigned char *digest, size_t dlen, const unsigned char *sig,
    size_t siglen)
{
	if (rec == NULL || rec->pkey == NULL || digest == NULL || sig == NULL)
		return -1;
	switch (alg) {
	case DKIM_ALG_RSA_SHA256:
	case DKIM_ALG_RSA_SHA1:
		if (rec->type != DKIM_KEY_RSA ||
		    dlen != (alg == DKIM_ALG_RSA_SHA1 ? 20u : 32u))
			return 0;
		break;
	case DKIM_ALG_ED25519_SHA256:
		if (rec->type != DKIM_KEY_ED25519 || dlen != 32)
			return 0;
		break;
	default:
		return 0;
	}
	return pkey_verify_digest(rec->pkey, alg, digest, dlen, sig, siglen);
}

/* dkim_key_match_record - would a signature by key verify against rec?
 * Failing to encode either key is ERROR, never MISMATCH */
DKIM_API dkim_keymatch
dkim_key_match_record(const dkim_key *key, const dkim_keyrec *rec)
{
	char *mine = NULL;
	dkim_keymatch m;

	if (rec->revoked)
		return DKIM_KEYMATCH_REVOKED;
	if (rec->type != dkim_key_type(key))
		return DKIM_KEYMATCH_TYPE;
	if (!rec->sha256)
		return DKIM_KEYMATCH_HASH;
	if (!rec->email)
		return DKIM_KEYMATCH_SERVICE;
	if (dkim_key_public_b64(key, &mine) != DKIM_OK)
		return DKIM_KEYMATCH_ERROR;
	/* both normalized when made: no key is encoded again here */
	m = strcmp(mine, rec->public_b64) == 0 ? DKIM_KEYMATCH_OK :
						 DKIM_KEYMATCH_MISMATCH;
	free(mine);
	return m;
}
