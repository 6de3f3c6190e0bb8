/*
 * key.c - private keys: load, generate, export, sign a digest.
 *
 * SYNOPSIS
 *	dkim_key_from_pem, dkim_key_from_file, dkim_key_generate,
 *	dkim_key_to_pem, dkim_key_ref, dkim_key_free, dkim_key_type,
 *	dkim_key_bits, dkim_key_alg, dkim_key_public_b64, dkim_key_record,
 *	dkim_key_own_record (dkim.h); key_sign_digest, key_sign_unchecked, tls_rsa_ctx,
 *	tls_ed25519_ctx (internal.h)
 *
 * DESCRIPTION
 *	A dkim_key wraps one EVP_PKEY, immutable after loading and shared
 *	between threads; the reference count is a C11 atomic.  RSA and
 *	Ed25519 operations run on contexts kept per thread (tls_rsa_ctx,
 *	tls_ed25519_ctx): setting
 *	one up costs OpenSSL 3 an algorithm fetch under its global lock,
 *	about as much as an RSA verification.  Error messages never contain
 *	key material; buffers that held it are cleansed.
 *
 *	Accepted forms: PEM PKCS#1 RSA, PEM PKCS#8 RSA or Ed25519, base64 DER
 *	of either without PEM armour, and a bare base64 32-byte Ed25519 seed
 *	(RFC 8463 A.1, dkimpy).  Encrypted PEM is refused (no passphrase
 *	prompt from a daemon).
 */
#define _GNU_SOURCE /* memmem, asprintf */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "internal.h"

#define KEY_FILE_MAX (1024 * 1024)
#define RSA_BITS_MAX 16384

struct dkim_key {
	atomic_uint refs;
	EVP_PKEY *pkey;
	dkim_keytype type;
	char *public_b64;               /* p= of its record, made once */
	_Atomic(dkim_keyrec *) own_rec; /* its record parsed, on first use */
};

#define KEY_ERR(rc, ...)                                                       \
	(err != NULL && errlen > 0 ?                                           \
		(void)snprintf(err, errlen, __VA_ARGS__) :                     \
		(void)0,                                                       \
	    ERR_clear_error(), (rc))

/* key_wrap - take ownership of an RSA or Ed25519 EVP_PKEY */
static dkim_rc
key_wrap(EVP_PKEY *pkey, dkim_key **out, char *err, size_t errlen)
{
	dkim_key *key;
	dkim_keytype type;

	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		type = DKIM_KEY_RSA;
		break;
	case EVP_PKEY_ED25519:
		type = DKIM_KEY_ED25519;
		break;
	default:
		EVP_PKEY_free(pkey);
		return KEY_ERR(DKIM_EINVAL,
		    "unsupported key type (want RSA or Ed25519)");
	}
	if ((key = calloc(1, sizeof(*key))) == NULL) {
		EVP_PKEY_free(pkey);
		return KEY_ERR(DKIM_ENOMEM, "out of memory");
	}
	atomic_init(&key->refs, 1);
	key->pkey = pkey;
	key->type = type;
	if ((key->public_b64 = pkey_public_b64(pkey, type)) == NULL) {
		dkim_key_free(key);
		return KEY_ERR(DKIM_ENOMEM, "out of memory");
	}
	*out = key;
	return DKIM_OK;
}

/* rsa_spki_b64 - base64 SubjectPublicKeyInfo of an RSA key, from n and e */
static char *
rsa_spki_b64(const EVP_PKEY *pkey)
{
	BIGNUM *n = NULL, *e = NULL;
	unsigned char *nb = NULL, *eb = NULL, *der = NULL;
	size_t nlen, elen, dlen;
	char *out = NULL;

	if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
	    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) == 1 &&
	    (nlen = (size_t)BN_num_bytes(n)) > 0 &&
	    (elen = (size_t)BN_num_bytes(e)) > 0 &&
	    (nb = malloc(nlen)) != NULL && (eb = malloc(elen)) != NULL &&
	    BN_bn2bin(n, nb) == (int)nlen && BN_bn2bin(e, eb) == (int)elen &&
	    (der = der_rsa_spki(nb, nlen, eb, elen, &dlen)) != NULL)
		out = b64_encode(der, dlen);
	BN_free(n);
	BN_free(e);
	free(nb);
	free(eb);
	free(der);
	ERR_clear_error();
	return out;
}

/*
 * pkey_public_b64 - the p= value of a public key: base64 of the
 * SubjectPublicKeyInfo for RSA (RFC 6376 3.6.1), of the raw 32 octets for
 * Ed25519 (RFC 8463 4.2).  Two keys are the same key exactly when these
 * strings are equal.  NULL: out of memory (or OpenSSL failed).
 */
char *
pkey_public_b64(const EVP_PKEY *pkey, dkim_keytype type)
{
	unsigned char raw[32];
	size_t rawlen = sizeof(raw);

	if (type == DKIM_KEY_RSA)
		return rsa_spki_b64(pkey);
	if (EVP_PKEY_get_raw_public_key(pkey, raw, &rawlen) != 1) {
		ERR_clear_error();
		return NULL;
	}
	return b64_encode(raw, rawlen);
}

/* no_passphrase - PEM callback: never prompt, fail on encrypted keys */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* load_pem - PEM PKCS#1 or PKCS#8 */
static dkim_rc
load_pem(const char *pem, size_t len, dkim_key **out, char *err, size_t errlen)
{
	EVP_PKEY *pkey;
	BIO *bio;

	if (memmem(pem, len, "ENCRYPTED", 9) != NULL)
		return KEY_ERR(DKIM_EINVAL,
		    "encrypted private keys are not "
		    "supported");
	if (len > INT_MAX || (bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return KEY_ERR(DKIM_ENOMEM, "out of memory");
	pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	if (pkey == NULL)
		return KEY_ERR(DKIM_EINVAL,
		    "no usable private key in PEM data");
	ERR_clear_error();
	return key_wrap(pkey, out, err, errlen);
}

/* load_b64 - RFC 8463 A.1 32-byte Ed25519 seed, or base64 DER */
static dkim_rc
load_b64(const char *txt, size_t len, dkim_key **out, char *err, size_t errlen)
{
	const unsigned char *p;
	unsigned char *der;
	EVP_PKEY *pkey;
	size_t dlen;
	int rc = b64_decode(txt, len, &der, &dlen);

	if (rc == -2)
		return KEY_ERR(DKIM_ENOMEM, "out of memory");
	if (rc < 0)
		return KEY_ERR(DKIM_EINVAL, "neither PEM nor base64 key data");
	if (dlen == 32)
		pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, der,
		    dlen);
	else {
		p = der;
		pkey = d2i_AutoPrivateKey(NULL, &p, (long)dlen);
	}
	OPENSSL_cleanse(der, dlen);
	free(der);
	if (pkey == NULL)
		return KEY_ERR(DKIM_EINVAL,
		    "base64 data is not a private key "
		    "(want a 32-byte Ed25519 seed or DER)");
	ERR_clear_error();
	return key_wrap(pkey, out, err, errlen);
}

/* all_space - nothing but whitespace */
static int
all_space(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

/* dkim_key_from_pem - load a private key from memory */
DKIM_API dkim_rc
dkim_key_from_pem(const char *pem, size_t len, dkim_key **out, char *err,
    size_t errlen)
{
	*out = NULL;
	if (pem == NULL || all_space(pem, len))
		return KEY_ERR(DKIM_EINVAL, "key data is empty");
	if (memmem(pem, len, "-----BEGIN", 10) != NULL)
		return load_pem(pem, len, out, err, errlen);
	return load_b64(pem, len, out, err, errlen);
}

/* read_key_file - whole file into a malloc'ed buffer; -1 with errno */
static char *
read_key_file(int fd, size_t *len, char *why, size_t whylen)
{
	struct stat st;
	char *buf;
	size_t n = 0;
	ssize_t r;

	if (fstat(fd, &st) < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > KEY_FILE_MAX) {
		snprintf(why, whylen,
		    S_ISREG(st.st_mode) ? "key file is too large" :
					  "not a regular file");
		return NULL;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	while (n < (size_t)st.st_size &&
	    (r = read(fd, buf + n, (size_t)st.st_size - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(why, whylen, "%s", strerror(errno));
			OPENSSL_cleanse(buf, n);
			free(buf);
			return NULL;
		}
		n += (size_t)r;
	}
	*len = n;
	return buf;
}

/* dkim_key_from_file - as dkim_key_from_pem; an empty file is an error */
DKIM_API dkim_rc
dkim_key_from_file(const char *path, dkim_key **out, char *err, size_t errlen)
{
	char why[128], inner[DKIM_REASON_MAX];
	size_t len = 0;
	dkim_rc rc;
	char *buf;
	int fd;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return KEY_ERR(DKIM_EIO, "%s: %s", path, strerror(errno));
	buf = read_key_file(fd, &len, why, sizeof(why));
	close(fd);
	if (buf == NULL)
		return KEY_ERR(DKIM_EIO, "%s: %s", path, why);
	if (all_space(buf, len))
		rc = KEY_ERR(DKIM_EINVAL, "%s: key file is empty", path);
	else if ((rc = dkim_key_from_pem(buf, len, out, inner,
		      sizeof(inner))) != DKIM_OK)
		(void)KEY_ERR(rc, "%s: %s", path, inner);
	OPENSSL_cleanse(buf, len);
	free(buf);
	return rc;
}

/* dkim_key_generate - new RSA (1024 <= bits <= 16384) or Ed25519 key */
DKIM_API dkim_rc
dkim_key_generate(dkim_keytype type, unsigned bits, dkim_key **out, char *err,
    size_t errlen)
{
	EVP_PKEY *pkey;

	*out = NULL;
	if (type == DKIM_KEY_RSA) {
		if (bits < 1024 || bits > RSA_BITS_MAX) /* RFC 8301 3.2 */
			return KEY_ERR(DKIM_EINVAL,
			    "RSA keys must have "
			    "1024 to %d bits, not %u",
			    RSA_BITS_MAX, bits);
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	} else if (type == DKIM_KEY_ED25519)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else
		return KEY_ERR(DKIM_EINVAL, "unknown key type");
	if (pkey == NULL)
		return KEY_ERR(DKIM_ECRYPTO, "key generation failed");
	return key_wrap(pkey, out, err, errlen);
}

/* dkim_key_to_pem - PKCS#8 PEM of the private key; caller frees */
DKIM_API dkim_rc
dkim_key_to_pem(const dkim_key *key, char **pem)
{
	BIO *bio;
	char *data;
	long n;

	*pem = NULL;
	if ((bio = BIO_new(BIO_s_secmem())) == NULL)
		return DKIM_ENOMEM;
	if (PEM_write_bio_PrivateKey(bio, key->pkey, NULL, NULL, 0, NULL,
		NULL) != 1 ||
	    (n = BIO_get_mem_data(bio, &data)) <= 0) {
		BIO_free(bio);
		ERR_clear_error();
		return DKIM_ECRYPTO;
	}
	if ((*pem = malloc((size_t)n + 1)) != NULL) {
		memcpy(*pem, data, (size_t)n);
		(*pem)[n] = '\0';
	}
	BIO_free(bio);
	return *pem == NULL ? DKIM_ENOMEM : DKIM_OK;
}

/* dkim_key_ref - one more reference */
DKIM_API dkim_key *
dkim_key_ref(dkim_key *key)
{
	if (key != NULL)
		atomic_fetch_add_explicit(&key->refs, 1, memory_order_relaxed);
	return key;
}

/* dkim_key_free - drop a reference; the last one frees */
DKIM_API void
dkim_key_free(dkim_key *key)
{
	if (key == NULL ||
	    atomic_fetch_sub_explicit(&key->refs, 1, memory_order_acq_rel) != 1)
		return;
	EVP_PKEY_free(key->pkey);
	free(key->public_b64);
	dkim_keyrec_free(atomic_load(&key->own_rec));
	free(key);
}

/* dkim_key_type - RSA or Ed25519 */
DKIM_API dkim_keytype
dkim_key_type(const dkim_key *key)
{
	return key->type;
}

/* dkim_key_bits - modulus size; 256 for Ed25519 (RFC 8463) */
DKIM_API unsigned
dkim_key_bits(const dkim_key *key)
{
	if (key->type == DKIM_KEY_ED25519)
		return 256;
	return (unsigned)EVP_PKEY_get_bits(key->pkey);
}

/* dkim_key_alg - the signing algorithm for this key */
DKIM_API dkim_alg
dkim_key_alg(const dkim_key *key)
{
	return key->type == DKIM_KEY_ED25519 ? DKIM_ALG_ED25519_SHA256 :
					       DKIM_ALG_RSA_SHA256;
}

/* dkim_key_public_b64 - p=: SubjectPublicKeyInfo (RSA), raw (RFC 8463
 * 4.2), made when the key was loaded */
DKIM_API dkim_rc
dkim_key_public_b64(const dkim_key *key, char **out)
{
	*out = strdup(key->public_b64);
	return *out == NULL ? DKIM_ENOMEM : DKIM_OK;
}

/* dkim_key_record - the TXT record, RFC 6376 3.6.1 / RFC 8463 4 */
DKIM_API dkim_rc
dkim_key_record(const dkim_key *key, char **out)
{
	char *p;
	dkim_rc rc;

	*out = NULL;
	if ((rc = dkim_key_public_b64(key, &p)) != DKIM_OK)
		return rc;
	if (asprintf(out, "v=DKIM1; k=%s; p=%s",
		key->type == DKIM_KEY_ED25519 ? "ed25519" : "rsa", p) < 0)
		*out = NULL;
	free(p);
	return *out == NULL ? DKIM_ENOMEM : DKIM_OK;
}

/*
 * dkim_key_own_record - the key's own record parsed, once per key: a
 * table naming one key file for many domains shares one parse.  Threads
 * racing on the first use each parse; one result is kept.
 */
DKIM_API dkim_rc
dkim_key_own_record(dkim_key *key, dkim_keyrec **out)
{
	char reason[DKIM_REASON_MAX], *txt;
	dkim_keyrec *rec, *none = NULL;
	dkim_rc rc;

	*out = NULL;
	if (key == NULL)
		return DKIM_EINVAL;
	if ((rec = atomic_load(&key->own_rec)) != NULL) {
		*out = dkim_keyrec_ref(rec);
		return DKIM_OK;
	}
	if ((rc = dkim_key_record(key, &txt)) != DKIM_OK)
		return rc;
	rc = dkim_keyrec_parse(txt, strlen(txt), &rec, reason);
	free(txt);
	if (rc != DKIM_OK)
		return rc;
	if (!atomic_compare_exchange_strong(&key->own_rec, &none, rec)) {
		dkim_keyrec_free(rec);
		rec = none; /* the winner's */
	}
	*out = dkim_keyrec_ref(rec);
	return DKIM_OK;
}

/*
 * Per-thread RSA (and Ed25519) contexts.  An EVP_PKEY_CTX is bound to
 * one key and one operation; once initialised it signs or verifies any
 * number of digests.  Each thread keeps the last one it used for signing and for
 * verifying (with its digest): a milter thread signs with one key per
 * domain and mostly the same few, so the set-up is paid when the key
 * changes, not per message.  A context holds a reference to its key, so
 * a key freed elsewhere stays alive (and its address unused) until the
 * thread moves on or exits.  The destructor of the pthread key frees
 * them at thread exit; it is the one piece of process-wide state here,
 * made once (pthread_once).
 */
struct tls_rsa {
	EVP_PKEY_CTX *ctx[2]; /* TLS_RSA_SIGN, TLS_RSA_VERIFY */
	const EVP_MD *md[2];  /* the digest each was set up for */
	EVP_MD_CTX *ed[2];    /* Ed25519 templates, same two operations */
};

static pthread_key_t tls_key;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;
static int tls_ok;

/* tls_free - thread exit: the thread's contexts */
static void
tls_free(void *p)
{
	struct tls_rsa *t = p;

	if (t == NULL)
		return;
	EVP_PKEY_CTX_free(t->ctx[0]);
	EVP_PKEY_CTX_free(t->ctx[1]);
	EVP_MD_CTX_free(t->ed[0]);
	EVP_MD_CTX_free(t->ed[1]);
	free(t);
}

/* tls_init - the pthread key, once per process */
static void
tls_init(void)
{
	tls_ok = pthread_key_create(&tls_key, tls_free) == 0;
}

/* rsa_ctx_new - a context for op on pkey with PKCS#1 v1.5 padding */
static EVP_PKEY_CTX *
rsa_ctx_new(EVP_PKEY *pkey, int op, const EVP_MD *md)
{
	EVP_PKEY_CTX *ctx;

	if ((ctx = EVP_PKEY_CTX_new(pkey, NULL)) == NULL)
		return NULL;
	if ((op == TLS_RSA_SIGN ? EVP_PKEY_sign_init(ctx) :
				  EVP_PKEY_verify_init(ctx)) > 0 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
	    EVP_PKEY_CTX_set_signature_md(ctx, md) > 0)
		return ctx;
	EVP_PKEY_CTX_free(ctx);
	return NULL;
}

/*
 * tls_rsa_ctx - an initialised RSA context for op (TLS_RSA_SIGN or
 * TLS_RSA_VERIFY) on pkey with digest md.  The thread's own when it can
 * keep one (*owned 0: do not free it); otherwise a new one (*owned 1:
 * the caller frees it).  NULL: OpenSSL or malloc failed.
 */
/* tls_get - the thread's contexts, made on first use; NULL if it cannot
 * keep any */
static struct tls_rsa *
tls_get(void)
{
	struct tls_rsa *t = NULL;

	(void)pthread_once(&tls_once, tls_init);
	if (tls_ok && (t = pthread_getspecific(tls_key)) == NULL &&
	    (t = calloc(1, sizeof(*t))) != NULL &&
	    pthread_setspecific(tls_key, t) != 0) {
		free(t);
		t = NULL;
	}
	return t;
}

EVP_PKEY_CTX *
tls_rsa_ctx(EVP_PKEY *pkey, int op, const EVP_MD *md, int *owned)
{
	struct tls_rsa *t = tls_get();
	EVP_PKEY_CTX *ctx;

	*owned = 1;
	if (t != NULL && t->ctx[op] != NULL && t->md[op] == md &&
	    EVP_PKEY_CTX_get0_pkey(t->ctx[op]) == pkey) {
		*owned = 0;
		return t->ctx[op];
	}
	if ((ctx = rsa_ctx_new(pkey, op, md)) == NULL || t == NULL)
		return ctx;
	EVP_PKEY_CTX_free(t->ctx[op]);
	t->ctx[op] = ctx;
	t->md[op] = md;
	*owned = 0;
	return ctx;
}

/* ed_init - ctx set up for op (TLS_RSA_SIGN or TLS_RSA_VERIFY) on pkey */
static int
ed_init(EVP_MD_CTX *ctx, EVP_PKEY *pkey, int op)
{
	return (op == TLS_RSA_SIGN ?
		       EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) :
		       EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey)) > 0;
}

/*
 * tls_ed25519_ctx - set work up for op on an Ed25519 pkey: a copy of the
 * thread's template for that key, made when the key changes.  Setting a
 * context up fetches the algorithm (OpenSSL's global lock and tables,
 * about 16,000 instructions); a copy shares what was fetched.  The
 * template never signs itself, so it stays reusable under any OpenSSL
 * 3 (a context that has signed may refuse to sign again).  1 on
 * success.
 */
int
tls_ed25519_ctx(EVP_PKEY *pkey, int op, EVP_MD_CTX *work)
{
	struct tls_rsa *t = tls_get();
	EVP_MD_CTX *tmpl;

	if (t == NULL)
		return ed_init(work, pkey, op);
	if (t->ed[op] == NULL ||
	    EVP_PKEY_CTX_get0_pkey(EVP_MD_CTX_get_pkey_ctx(t->ed[op])) !=
		pkey) {
		if ((tmpl = EVP_MD_CTX_new()) == NULL)
			return 0;
		if (!ed_init(tmpl, pkey, op)) {
			EVP_MD_CTX_free(tmpl);
			return 0;
		}
		EVP_MD_CTX_free(t->ed[op]);
		t->ed[op] = tmpl;
	}
	return EVP_MD_CTX_copy_ex(work, t->ed[op]) > 0;
}

/* sign_rsa - RFC 6376 3.3.1: RSASSA-PKCS1-v1_5 with SHA-256 */
static int
sign_rsa(EVP_PKEY *pkey, const unsigned char *digest, size_t dlen,
    unsigned char **sig, size_t *siglen)
{
	EVP_PKEY_CTX *ctx;
	int rc = -1, owned;

	if (dlen != 32 ||
	    (ctx = tls_rsa_ctx(pkey, TLS_RSA_SIGN, EVP_sha256(), &owned)) ==
		NULL)
		return -1;
	if (EVP_PKEY_sign(ctx, NULL, siglen, digest, dlen) > 0 &&
	    (*sig = malloc(*siglen)) != NULL) {
		if (EVP_PKEY_sign(ctx, *sig, siglen, digest, dlen) > 0)
			rc = 0;
		else {
			free(*sig);
			*sig = NULL;
		}
	}
	if (owned)
		EVP_PKEY_CTX_free(ctx);
	return rc;
}

/* sign_ed25519 - RFC 8463 3: PureEdDSA over the SHA-256 digest */
static int
sign_ed25519(EVP_PKEY *pkey, const unsigned char *digest, size_t dlen,
    unsigned char **sig, size_t *siglen)
{
	EVP_MD_CTX *ctx;
	int rc = -1;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (tls_ed25519_ctx(pkey, TLS_RSA_SIGN, ctx) &&
	    EVP_DigestSign(ctx, NULL, siglen, digest, dlen) > 0 &&
	    (*sig = malloc(*siglen)) != NULL) {
		if (EVP_DigestSign(ctx, *sig, siglen, digest, dlen) > 0)
			rc = 0;
		else {
			free(*sig);
			*sig = NULL;
		}
	}
	EVP_MD_CTX_free(ctx);
	return rc;
}

/*
 * key_sign_unchecked - sign a header-hash digest; *sig malloc'ed.  The
 * caller verifies the signature before it leaves (key_sign_digest, or
 * sign.c's self-check against the published record).
 */
int
key_sign_unchecked(const dkim_key *key, const unsigned char *digest,
    size_t dlen, unsigned char **sig, size_t *siglen)
{
	int rc;

	*sig = NULL;
	*siglen = 0;
	if (key == NULL || digest == NULL)
		return -1;
	if (key->type == DKIM_KEY_ED25519)
		rc = sign_ed25519(key->pkey, digest, dlen, sig, siglen);
	else
		rc = sign_rsa(key->pkey, digest, dlen, sig, siglen);
	ERR_clear_error();
	return rc;
}

/*
 * key_sign_digest - sign a header-hash digest; *sig malloc'ed.  The
 * signature leaves only once it verifies: after an allocation fails
 * inside OpenSSL 3.0's RSA blinding update, RSA signing goes on
 * "succeeding" with wrong signatures (until the blinding is renewed, up
 * to 32 signatures later).  The check costs one RSA public-key
 * operation, about 1/20 of the signature.
 */
int
key_sign_digest(const dkim_key *key, const unsigned char *digest, size_t dlen,
    unsigned char **sig, size_t *siglen)
{
	int rc = key_sign_unchecked(key, digest, dlen, sig, siglen);

	/* Ed25519 is deterministic, with no blinding state to corrupt, and its
	 * verify costs more than its sign: only RSA is checked here (this is
	 * also the classic countermeasure to RSA-CRT fault attacks). */
	if (rc == 0 && key->type == DKIM_KEY_RSA &&
	    pkey_verify_digest(key->pkey, dkim_key_alg(key), digest, dlen, *sig,
		*siglen) != 1) {
		free(*sig);
		*sig = NULL;
		*siglen = 0;
		rc = -1;
	}
	return rc;
}
