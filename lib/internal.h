/*
 * internal.h - contracts between lib/ modules; not installed, not exported.
 *
 * Two halves of the library meet here:
 *   parsing and keys  (tags.c, b64.c, qp.c, sig.c, keyrec.c, key.c)
 *   the message path  (canon.c, bodyhash.c, hdrs.c, msg.c, sign.c, verify.c)
 * Every function returns 0 on success and -1 on failure unless it says
 * otherwise; parse failures fill a reason of DKIM_REASON_MAX bytes.
 *
 * A parser that can run out of memory says so apart from "bad input"
 * (-2 below): only bad input may become a DKIM verdict; an internal
 * failure must reach the caller as DKIM_ENOMEM / DKIM_ECRYPTO, so the
 * milter tempfails and the MTA retries instead of judging the message
 * by our own failure.
 */
#ifndef DKIM_INTERNAL_H
#define DKIM_INTERNAL_H

#include <openssl/types.h> /* EVP_PKEY */

#include "dkim.h"

/* ---- base64 (RFC 6376 2.4: whitespace inside b=/bh=/p= is ignored) ---- */
/* b64_decode - decode, skipping FWS; -1 on any other bad character,
 * -2 out of memory */
int b64_decode(const char *in, size_t len, unsigned char **out, size_t *outlen);
/* b64_encode - NUL-terminated base64, malloc'ed; NULL on ENOMEM */
char *b64_encode(const unsigned char *in, size_t len);

/* ---- a parsed DKIM-Signature field, RFC 6376 3.5 ---- */
struct dkim_sig {
	dkim_alg alg;
	dkim_canon hcanon, bcanon;
	char *domain;   /* d= */
	char *selector; /* s= */
	char *identity; /* i= qp-decoded; NULL when absent */
	char **headers; /* h= names as written */
	size_t nheaders;
	unsigned char *bh; /* bh= decoded */
	size_t bhlen;
	unsigned char *b; /* b= decoded */
	size_t blen;
	char b_prefix[16];   /* first 8 base64 chars of b= */
	long long length;    /* l=, -1 when absent */
	long long timestamp; /* t=, -1 when absent */
	long long expire;    /* x=, -1 when absent */
};

/*
 * sig_parse - parse a DKIM-Signature value (text after the colon).
 * now: for the x= check.  Returns 0; -1 with reason: a permerror; -2:
 * out of memory, an internal failure and never a verdict.  On failure,
 * out may be partly filled (domain/selector for the report); sig_clear
 * releases it either way.
 */
int sig_parse(const char *value, size_t len, time_t now, struct dkim_sig *out,
    char reason[DKIM_REASON_MAX]);
void sig_clear(struct dkim_sig *sig);
/*
 * sig_blank_b - copy of a raw field with the b= value deleted (RFC 6376
 * 3.7: "including all surrounding whitespace"); malloc'ed, NULL on ENOMEM.
 */
char *sig_blank_b(const char *field, size_t len, size_t *outlen);

/* ---- crypto on digests (key.c, keyrec.c) ---- */
/*
 * key_sign_digest - sign a header-hash digest: RSA PKCS#1 v1.5 with
 * SHA-256 (RFC 6376 3.3.1); Ed25519 over the 32-byte SHA-256 digest
 * (RFC 8463 3).  *sig malloc'ed.  Every signature is verified with the
 * key's public half before it is returned.  -1: OpenSSL or malloc
 * failed, the signature did not verify, or misuse; nothing is returned
 * then, so no broken signature can leave.
 */
int key_sign_digest(const dkim_key *key, const unsigned char *digest,
    size_t dlen, unsigned char **sig, size_t *siglen);
/*
 * key_sign_unchecked - the same without the check: only for a caller
 * that verifies the signature itself before it leaves (sign.c, against
 * the record the caller supplied), so each signature is verified once.
 */
int key_sign_unchecked(const dkim_key *key, const unsigned char *digest,
    size_t dlen, unsigned char **sig, size_t *siglen);
/*
 * tls_rsa_ctx - an RSA PKCS#1 v1.5 context initialised for op on pkey
 * with digest md, kept per thread (key.c); *owned 1: a one-off the
 * caller frees (the thread could not keep it).  NULL on failure.
 */
#define TLS_RSA_SIGN 0
#define TLS_RSA_VERIFY 1
EVP_PKEY_CTX *tls_rsa_ctx(EVP_PKEY *pkey, int op, const EVP_MD *md, int *owned);
/*
 * tls_ed25519_ctx - set work (a new EVP_MD_CTX) up for op (TLS_RSA_SIGN
 * or TLS_RSA_VERIFY) on an Ed25519 pkey from a template kept per thread
 * (key.c).  1 on success.
 */
int tls_ed25519_ctx(EVP_PKEY *pkey, int op, EVP_MD_CTX *work);
/*
 * keyrec_verify_digest - 1: signature good; 0: bad signature (OpenSSL's
 * verify returned 0 and left no sign of an internal failure, or alg and
 * digest size do not fit the key); -1: internal error (OpenSSL or
 * malloc failed, or misuse such as a revoked record): never a verdict.
 * alg selects PKCS#1 digest type for RSA.
 */
int keyrec_verify_digest(const dkim_keyrec *rec, dkim_alg alg,
    const unsigned char *digest, size_t dlen, const unsigned char *sig,
    size_t siglen);
/*
 * pkey_verify_digest - the check under keyrec_verify_digest for any key
 * with a public half (key.c checks its own signatures with it); alg must
 * fit the key.  Same results: 1, 0, -1.
 */
int
pkey_verify_digest(EVP_PKEY *pkey, dkim_alg alg, const unsigned char *digest,
    size_t dlen, const unsigned char *sig, size_t siglen);

/*
 * keyrec_unacceptable - NULL, or the reason a parsed RSA record is past
 * what verifying a sender's signature may cost: public exponent even,
 * below 3 or over KEYREC_RSA_E_BITS bits, modulus over
 * KEYREC_RSA_MAX_BITS (keyrec.c).  Records of our own keys (guard,
 * self-check) are not held to it; verify.c refuses such a record as the
 * sender's key.
 */
#define KEYREC_RSA_E_BITS 32
#define KEYREC_RSA_MAX_BITS 8192
const char *keyrec_unacceptable(const dkim_keyrec *rec);

/*
 * der_rsa_pubkey_ok - 1 when der is a strictly well-formed RSA public key
 * (SubjectPublicKeyInfo of rsaEncryption, or a bare RSAPublicKey), so
 * OpenSSL failing to import it is an internal failure (der.c)
 */
int der_rsa_pubkey_ok(const unsigned char *der, size_t len);
/* pkey_public_b64 - malloc'ed p= value of a public key, the form in which
 * two keys compare equal exactly when they are the same key (key.c) */
char *pkey_public_b64(const EVP_PKEY *pkey, dkim_keytype type);
/* the modulus and exponent of an RSA public key, big-endian, inside the
 * DER they were found in */
struct der_rsa {
	const unsigned char *n, *e;
	size_t nlen, elen;
};
/* der_rsa_pubkey_parts - der_rsa_pubkey_ok, and where n and e are */
int
der_rsa_pubkey_parts(const unsigned char *der, size_t len, struct der_rsa *k);
/* der_rsa_spki - malloc'ed SubjectPublicKeyInfo DER of (n, e), *outlen
 * set; NULL on ENOMEM */
unsigned char *der_rsa_spki(const unsigned char *n, size_t nlen,
    const unsigned char *e, size_t elen, size_t *outlen);

/* ---- dkim-quoted-printable, RFC 6376 2.11 ---- */
/* qp_decode - decode; NULL with errno EINVAL (bad syntax) or ENOMEM */
char *qp_decode(const char *in, size_t len);

#endif /* DKIM_INTERNAL_H */
