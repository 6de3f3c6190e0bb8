/*
 * dkim.h - dkimguard's DKIM library: public API.
 *
 * SYNOPSIS
 *	Streaming DKIM signing and verification (RFC 6376), Ed25519 (RFC 8463),
 *	crypto algorithm policy (RFC 8301), key records (RFC 6376 3.6.1).
 *
 * DESCRIPTION
 *	Return codes (dkim_rc) only say whether a call worked.  DKIM verdicts
 *	(pass, fail, permerror, ...) are data in dkim_sig_result, never return
 *	codes.  The library has no global state, never exits and never logs.
 *
 *	Handles are opaque, created by *_new or *_from_* and released by *_free;
 *	*_free(NULL) is a no-op.  Strings returned through a char ** are
 *	malloc'ed and owned by the caller (free()).
 *
 *	Thread safety: a dkim_key is immutable after loading and may be shared
 *	by any number of threads (dkim_key_ref/dkim_key_free are atomic); so
 *	is a parsed dkim_keyrec (dkim_keyrec_ref/dkim_keyrec_free).  A
 *	dkim_msg belongs to one thread at a time.
 *
 *	The path of one message:
 *	  dkim_msg_new -> [dkim_msg_add_signer ...] -> dkim_msg_header ... ->
 *	  dkim_msg_eoh -> dkim_msg_body ... -> dkim_msg_eom ->
 *	  dkim_msg_verify (or dkim_msg_verify_keys) and/or dkim_msg_sign ->
 *	  dkim_msg_free
 *	or, for a whole message in a stream: dkim_msg_write ... -> dkim_msg_eom.
 */
#ifndef DKIM_H
#define DKIM_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DKIM_API __attribute__((visibility("default")))

/* Room for a human-readable reason ("key revoked", "body hash mismatch"). */
#define DKIM_REASON_MAX 160

/* dkim_rc - whether a call worked; never a DKIM verdict */
typedef enum dkim_rc {
	DKIM_OK = 0,
	DKIM_ENOMEM,  /* allocation failed */
	DKIM_EINVAL,  /* bad argument or unusable input (see err/reason) */
	DKIM_ECRYPTO, /* OpenSSL failed unexpectedly */
	DKIM_EIO,     /* a file could not be read or written */
	DKIM_ESTATE   /* call out of order (e.g. body before eoh) */
} dkim_rc;

DKIM_API const char *dkim_rc_str(dkim_rc rc);

/* dkim_verdict - RFC 8601 2.7.1 result of one signature */
typedef enum dkim_verdict {
	DKIM_NONE = 0,
	DKIM_PASS,
	DKIM_FAIL,
	DKIM_NEUTRAL,
	DKIM_POLICY,
	DKIM_TEMPERROR,
	DKIM_PERMERROR
} dkim_verdict;

/* dkim_verdict_str - "none", "pass", "fail", ... as written in A-R */
DKIM_API const char *dkim_verdict_str(dkim_verdict v);

typedef enum dkim_canon {
	DKIM_CANON_SIMPLE = 0,
	DKIM_CANON_RELAXED
} dkim_canon;

typedef enum dkim_alg {
	DKIM_ALG_RSA_SHA256 = 0,
	DKIM_ALG_ED25519_SHA256,
	DKIM_ALG_RSA_SHA1, /* verify only, and only when allowed */
	DKIM_ALG_UNKNOWN
} dkim_alg;

/* dkim_alg_str - "rsa-sha256", "ed25519-sha256", "rsa-sha1" */
DKIM_API const char *dkim_alg_str(dkim_alg alg);
DKIM_API const char *dkim_canon_str(dkim_canon c);

typedef enum dkim_keytype {
	DKIM_KEY_RSA = 0,
	DKIM_KEY_ED25519
} dkim_keytype;

/* ------------------------------------------------------------------ */
/* Private keys (lib/key.c)                                            */
/* ------------------------------------------------------------------ */

typedef struct dkim_key dkim_key;

/*
 * dkim_key_from_pem - load a private key from memory.  Accepts PEM
 * PKCS#1 RSA, PKCS#8 RSA or Ed25519, and a bare base64 32-byte Ed25519
 * seed (the form RFC 8463 A.1 and dkimpy use).  On failure err says why
 * (never includes key material).
 */
DKIM_API dkim_rc dkim_key_from_pem(const char *pem, size_t len, dkim_key **out,
    char *err, size_t errlen);
/* dkim_key_from_file - as dkim_key_from_pem; an empty file is an error */
DKIM_API dkim_rc dkim_key_from_file(const char *path, dkim_key **out, char *err,
    size_t errlen);
/* dkim_key_generate - new RSA (bits >= 1024) or Ed25519 (bits ignored) key */
DKIM_API dkim_rc dkim_key_generate(dkim_keytype type, unsigned bits,
    dkim_key **out, char *err, size_t errlen);
/* dkim_key_to_pem - PKCS#8 PEM of the private key; caller frees */
DKIM_API dkim_rc dkim_key_to_pem(const dkim_key *key, char **pem);
DKIM_API dkim_key *dkim_key_ref(dkim_key *key);
DKIM_API void dkim_key_free(dkim_key *key);
DKIM_API dkim_keytype dkim_key_type(const dkim_key *key);
DKIM_API unsigned dkim_key_bits(const dkim_key *key);
/* dkim_key_alg - the signing algorithm for this key (never rsa-sha1) */
DKIM_API dkim_alg dkim_key_alg(const dkim_key *key);
/*
 * dkim_key_public_b64 - the p= value: base64 SubjectPublicKeyInfo for RSA,
 * base64 of the raw 32-byte public key for Ed25519 (RFC 8463 4.2).
 */
DKIM_API dkim_rc dkim_key_public_b64(const dkim_key *key, char **out);
/* dkim_key_record - the whole TXT record: "v=DKIM1; k=rsa; p=..." */
DKIM_API dkim_rc dkim_key_record(const dkim_key *key, char **out);

/* ------------------------------------------------------------------ */
/* Key records, RFC 6376 3.6.1 (lib/keyrec.c)                           */
/* ------------------------------------------------------------------ */

typedef struct dkim_keyrec dkim_keyrec;

/*
 * dkim_keyrec_parse - parse one TXT record.  DKIM_OK: *out is set (it may
 * be revoked, see dkim_keyrec_revoked).  DKIM_EINVAL: malformed; reason
 * says why (a verifier maps this to permerror).  DKIM_ENOMEM: memory (or
 * OpenSSL, decoding p=) failed; says nothing about the record.
 */
DKIM_API dkim_rc dkim_keyrec_parse(const char *txt, size_t len,
    dkim_keyrec **out, char reason[DKIM_REASON_MAX]);
/*
 * dkim_keyrec_parse_known - dkim_keyrec_parse for a record expected to
 * hold a key already parsed (known, may be NULL): when its p= is known's
 * key exactly (same type, same normalized p=), the result shares known's
 * key instead of decoding it again; every other tag is parsed as usual.
 */
DKIM_API dkim_rc dkim_keyrec_parse_known(const char *txt, size_t len,
    const dkim_keyrec *known, dkim_keyrec **out, char reason[DKIM_REASON_MAX]);
/*
 * A parsed record is immutable and reference-counted: dkim_keyrec_parse
 * returns one reference, dkim_keyrec_ref adds one (and returns rec; NULL
 * gives NULL), dkim_keyrec_free drops one and the last releases the
 * record.  Both are atomic, so a record parsed once may be shared by any
 * number of threads (e.g. for dkim_msg_check_signed_rec).
 */
DKIM_API dkim_keyrec *dkim_keyrec_ref(dkim_keyrec *rec);
DKIM_API void dkim_keyrec_free(dkim_keyrec *rec);
/*
 * dkim_key_own_record - dkim_key_record's record parsed (dkim_keyrec_parse), made once
 * per key and shared: *out is one more reference for the caller to free.
 */
DKIM_API dkim_rc dkim_key_own_record(dkim_key *key, dkim_keyrec **out);
DKIM_API int dkim_keyrec_revoked(const dkim_keyrec *rec); /* empty p= */
/*
 * dkim_keyrec_lenient_tag - the first tag name of the record outside RFC
 * 6376 3.2's grammar (e.g. "x-foo"), which the parser accepts as dkimpy
 * and Mail::DKIM do; NULL when every name keeps to it.  Worth a warning
 * to whoever publishes the record, never a verdict.
 */
DKIM_API const char *dkim_keyrec_lenient_tag(const dkim_keyrec *rec);
DKIM_API int dkim_keyrec_testing(const dkim_keyrec *rec);       /* t=y */
DKIM_API int dkim_keyrec_strict(const dkim_keyrec *rec);        /* t=s */
DKIM_API dkim_keytype dkim_keyrec_type(const dkim_keyrec *rec); /* k= */
DKIM_API unsigned dkim_keyrec_bits(const dkim_keyrec *rec); /* 0 if revoked */
/* dkim_keyrec_allows - h= and s= permit this algorithm for email */
DKIM_API int dkim_keyrec_allows(const dkim_keyrec *rec, dkim_alg alg);

/* dkim_keymatch - can a signature by this key verify against a record? */
typedef enum dkim_keymatch {
	DKIM_KEYMATCH_OK = 0,
	DKIM_KEYMATCH_REVOKED,  /* p= is empty */
	DKIM_KEYMATCH_TYPE,     /* k= names another key type */
	DKIM_KEYMATCH_HASH,     /* h= excludes sha256 */
	DKIM_KEYMATCH_SERVICE,  /* s= excludes email */
	DKIM_KEYMATCH_MISMATCH, /* p= is another public key */
	DKIM_KEYMATCH_ERROR     /* could not compare (out of memory,
				 * OpenSSL failed): nothing is known */
} dkim_keymatch;

DKIM_API dkim_keymatch dkim_key_match_record(const dkim_key *key,
    const dkim_keyrec *rec);
DKIM_API const char *dkim_keymatch_str(dkim_keymatch m);

/* ------------------------------------------------------------------ */
/* Key lookup interface (lib/lookup_file.c; DNS lives in the milter)   */
/* ------------------------------------------------------------------ */

typedef enum dkim_dns_status {
	DKIM_DNS_OK = 0,   /* at least one TXT record */
	DKIM_DNS_NXDOMAIN, /* permanent: no such name */
	DKIM_DNS_NODATA,   /* permanent: name exists, no TXT */
	DKIM_DNS_SERVFAIL, /* temporary */
	DKIM_DNS_TIMEOUT   /* temporary */
} dkim_dns_status;

#define DKIM_TXT_MAX 8

/* dkim_txt_answer - the TXT records at one name, after CNAMEs */
typedef struct dkim_txt_answer {
	dkim_dns_status status;
	uint32_t ttl;            /* seconds; negative TTL when not OK */
	size_t count;            /* records in txt[] */
	char *txt[DKIM_TXT_MAX]; /* strings of one record concatenated
					 * (RFC 6376 3.6.2.2), NUL-terminated,
					 * malloc'ed; freed by _clear */
} dkim_txt_answer;

DKIM_API void dkim_txt_answer_clear(dkim_txt_answer *ans);
/* dkim_txt_answer_add - append a copy of one record; DKIM_ENOMEM or ok */
DKIM_API dkim_rc dkim_txt_answer_add(dkim_txt_answer *ans, const char *txt,
    size_t len);

/*
 * dkim_lookup - how the verifier gets TXT records.  query() fills *ans
 * (status says NXDOMAIN, SERVFAIL, ...) and returns DKIM_OK when it could
 * produce an answer at all; any other code is an internal failure.
 */
typedef struct dkim_lookup {
	dkim_rc (*query)(void *ctx, const char *name, dkim_txt_answer *ans);
	void *ctx;
} dkim_lookup;

/*
 * A file-backed table in the dns.tsv format: "name<TAB>TXT" per line, '#'
 * comments, TXT may be @NXDOMAIN, @SERVFAIL or @TIMEOUT; names not listed
 * are NXDOMAIN.  Lines with the same name give several records.
 */
typedef struct dkim_lookup_file dkim_lookup_file;

DKIM_API dkim_rc dkim_lookup_file_open(const char *path, dkim_lookup_file **out,
    char *err, size_t errlen);
DKIM_API dkim_lookup dkim_lookup_file_iface(dkim_lookup_file *lf);
DKIM_API void dkim_lookup_file_free(dkim_lookup_file *lf);

/* ------------------------------------------------------------------ */
/* Options shared by signing and verifying                             */
/* ------------------------------------------------------------------ */

typedef time_t (*dkim_clock_fn)(void *arg);

typedef struct dkim_options {
	unsigned max_signatures;  /* verify at most this many (8) */
	int allow_sha1;           /* RFC 8301 3.1: 0 refuses rsa-sha1 */
	unsigned min_rsa_bits;    /* RFC 8301 3.2: 1024 */
	unsigned max_future_skew; /* t= up to this far ahead (300 s) */
	dkim_clock_fn clock;      /* NULL: time(NULL) */
	void *clock_arg;
} dkim_options;

/* dkim_options_init - the defaults above */
DKIM_API void dkim_options_init(dkim_options *opt);

/* ------------------------------------------------------------------ */
/* One message (lib/msg.c and friends)                                 */
/* ------------------------------------------------------------------ */

typedef struct dkim_msg dkim_msg;

/* dkim_sign_req - one signature to add; see dkim_sign_req_init */
typedef struct dkim_sign_req {
	const char *domain;          /* d=, required */
	const char *selector;        /* s=, required */
	const char *identity;        /* i=, NULL: omitted */
	dkim_key *key;               /* required; the message takes a ref */
	dkim_canon hcanon;           /* relaxed */
	dkim_canon bcanon;           /* relaxed */
	const char *const *headers;  /* NULL-terminated names to sign;
					 * NULL: the library's default list */
	const char *const *oversign; /* names signed once more than present
					 * (RFC 6376 8.15); NULL: default
					 * (From, To, Cc, Subject, Date, ...);
					 * a list holding only NULL: none */
	int timestamp;               /* add t= (1) */
	unsigned long expire;        /* x= = t= + expire seconds; 0: none */
	int body_length;             /* add l= (0) */
} dkim_sign_req;

DKIM_API void dkim_sign_req_init(dkim_sign_req *req);

/* dkim_msg_new - a message context; opt is copied (NULL: defaults) */
DKIM_API dkim_rc dkim_msg_new(const dkim_options *opt, dkim_msg **out);
DKIM_API void dkim_msg_free(dkim_msg *msg);

/*
 * dkim_msg_add_signer - request a signature; before dkim_msg_eoh.  *idx
 * (may be NULL) receives the index for dkim_msg_sign.  DKIM_EINVAL with
 * err for rsa-sha1, RSA keys under 1024 bits (RFC 8301), bad d=/s=.
 */
DKIM_API dkim_rc dkim_msg_add_signer(dkim_msg *msg, const dkim_sign_req *req,
    size_t *idx, char *err, size_t errlen);

/*
 * dkim_msg_header - one raw header field: "Name: value" including any
 * folding, without the final CRLF.  Bare LF is treated as CRLF.
 */
DKIM_API dkim_rc dkim_msg_header(dkim_msg *msg, const char *field, size_t len);
/*
 * dkim_msg_header_nv - as dkim_msg_header, from a name and the value as
 * it follows the colon (a milter with SMFIP_HDR_LEADSPC passes the
 * leading space through).
 */
DKIM_API dkim_rc dkim_msg_header_nv(dkim_msg *msg, const char *name,
    const char *value);
/*
 * dkim_msg_eoh - end of headers: collects DKIM-Signature fields to
 * verify and sets up one body hash per (canonicalization, algorithm, l=).
 * A field that does not parse is that signature's permerror, not an
 * error; running out of memory while parsing is DKIM_ENOMEM (sticky).
 */
DKIM_API dkim_rc dkim_msg_eoh(dkim_msg *msg);
/* dkim_msg_body - body bytes in chunks of any size; never buffered */
DKIM_API dkim_rc dkim_msg_body(dkim_msg *msg, const void *chunk, size_t len);
/*
 * dkim_msg_write - a whole message as a byte stream (headers, empty line,
 * body) in chunks of any size; calls dkim_msg_eoh itself.
 */
DKIM_API dkim_rc dkim_msg_write(dkim_msg *msg, const void *buf, size_t len);
/* dkim_msg_eom - end of message: finishes the body hashes */
DKIM_API dkim_rc dkim_msg_eom(dkim_msg *msg);

/*
 * dkim_msg_from_domain - domain of the single From: address (after eoh).
 * DKIM_EINVAL when there is no From:, several, or no parsable domain.
 */
DKIM_API dkim_rc dkim_msg_from_domain(const dkim_msg *msg, char *buf,
    size_t len);

/*
 * dkim_mailbox_split - the author in a From: field value (the text after
 * "From:", folding allowed) or in a MAIL FROM address such as "<a@b>".
 * The parser is dkim_msg_from_domain's (RFC 5322 3.4): comments, display
 * names, quoted local parts (which may hold '@'), obsolete routes, groups
 * and several mailboxes are understood.  domain (lower-cased) is the one
 * domain every mailbox must share; local is the first mailbox's local
 * part without quotes or quoting backslashes, and may be NULL when not
 * wanted.  value need not be NUL-terminated.  DKIM_EINVAL when there is
 * no address, mailboxes of two domains, or a part does not fit its
 * buffer (both are then ""); DKIM_ENOMEM.
 */
DKIM_API dkim_rc dkim_mailbox_split(const char *value, size_t len, char *local,
    size_t llen, char *domain, size_t dlen);

/* ------------------------------------------------------------------ */
/* Verifying                                                           */
/* ------------------------------------------------------------------ */

/* dkim_sig_result - the verdict on one DKIM-Signature field, as data */
typedef struct dkim_sig_result {
	dkim_verdict verdict;
	char reason[DKIM_REASON_MAX]; /* why, for logs and A-R comments */
	char domain[256];             /* d=, "" when unparsable */
	char selector[256];           /* s= */
	char identity[256];           /* i= decoded, default "@d" */
	char b_prefix[16];            /* first 8 chars of b= (RFC 6008) */
	dkim_alg alg;
	dkim_canon hcanon, bcanon;
	unsigned key_bits; /* 0 when no key was obtained */
	int testing;       /* key record has t=y */
	time_t timestamp;  /* t=, -1 when absent */
} dkim_sig_result;

/* dkim_msg_sig_count - DKIM-Signature fields seen (after eoh) */
DKIM_API size_t dkim_msg_sig_count(const dkim_msg *msg);
/*
 * dkim_msg_sig_keyname - "s._domainkey.d" of signature i, so a caller can
 * start the lookup early; DKIM_EINVAL when that signature is unparsable.
 */
DKIM_API dkim_rc dkim_msg_sig_keyname(const dkim_msg *msg, size_t i, char *buf,
    size_t len);
/*
 * dkim_msg_verify - after eom: fills res[0..*nres-1] (at most max and
 * opt.max_signatures), one per signature in header order.  A message
 * without signatures gives *nres == 0.
 *
 * Verdicts come only from the message, the key record and the lookup's
 * answer (SERVFAIL, timeout, or query() failing with a code other than
 * DKIM_ENOMEM: temperror).  An internal failure on the way (out of
 * memory, OpenSSL failing, query() returning DKIM_ENOMEM) is never a
 * verdict, not even temperror: the call returns DKIM_ENOMEM or
 * DKIM_ECRYPTO with *nres == 0, and the error is sticky, so a milter
 * maps it to its internal-error action (tempfail) and the MTA retries.
 */
DKIM_API dkim_rc dkim_msg_verify(dkim_msg *msg, const dkim_lookup *lookup,
    dkim_sig_result *res, size_t max, size_t *nres);

/*
 * Verifying with a key lookup that keeps parsed records.  Decoding p=
 * costs far more than the rest of a verification, so a lookup with a
 * cache may parse each record once and hand out references:
 *
 * dkim_key_answer - the answer for one key name.  txt as a dkim_lookup
 * fills it.  rec[i], when not NULL, is txt.txt[i] parsed by
 * dkim_keyrec_parse (one reference, dropped by the library); NULL means
 * "not parsed": the library parses txt.txt[i] itself (so a record that
 * does not parse is simply left NULL, and its reason comes from the
 * library's own parse).  why, for a SERVFAIL or TIMEOUT status, is what
 * failed in words ("the nameserver answered REFUSED"), static storage,
 * used in the temperror reason; NULL when not known.
 */
typedef struct dkim_key_answer {
	dkim_txt_answer txt;
	dkim_keyrec *rec[DKIM_TXT_MAX];
	const char *why;
} dkim_key_answer;

/* dkim_key_answer_clear - drop the records, references and texts */
DKIM_API void dkim_key_answer_clear(dkim_key_answer *ans);

/*
 * dkim_keylookup - as dkim_lookup, with a dkim_key_answer: query()
 * overwrites *ans without reading it and returns DKIM_OK whenever it
 * produced an answer (any status); DKIM_ENOMEM is an internal failure,
 * any other code a temperror.
 */
typedef struct dkim_keylookup {
	dkim_rc (*query)(void *ctx, const char *name, dkim_key_answer *ans);
	void *ctx;
} dkim_keylookup;

/*
 * dkim_msg_verify_keys - dkim_msg_verify through a dkim_keylookup: the
 * same verdicts, errors and rules (a record handed over parsed goes
 * through the same checks as one the library parses).
 */
DKIM_API dkim_rc dkim_msg_verify_keys(dkim_msg *msg,
    const dkim_keylookup *lookup, dkim_sig_result *res, size_t max,
    size_t *nres);

/* ------------------------------------------------------------------ */
/* Signing                                                             */
/* ------------------------------------------------------------------ */

/*
 * dkim_msg_sign - after eom: the value of the DKIM-Signature field for
 * signer idx, exactly as it follows "DKIM-Signature:" (leading space
 * included), folded with CRLF TAB so no line passes 78 columns.  The
 * caller frees *value.  The new field is meant to be prepended above
 * all existing fields.
 */
DKIM_API dkim_rc dkim_msg_sign(dkim_msg *msg, size_t idx, char **value,
    char *err, size_t errlen);
/*
 * dkim_msg_sign_rec - dkim_msg_sign with the self-check of
 * dkim_msg_check_signed_rec against rec (the published record) as its
 * one verification: the field is made, verified as a verifier would
 * against rec, and *value set only when res->verdict is DKIM_PASS.  Any
 * other verdict (the record does not fit the key, or signing faulted)
 * leaves *value NULL with the reason in res; an internal failure is
 * returned, sticky.  rec NULL: dkim_msg_sign (checked against the key's
 * own public half), res->verdict DKIM_PASS on success.
 */
DKIM_API dkim_rc dkim_msg_sign_rec(dkim_msg *msg, size_t idx,
    const dkim_keyrec *rec, char **value, dkim_sig_result *res, char *err,
    size_t errlen);
/*
 * dkim_msg_check_signed_rec - verify the field made by dkim_msg_sign(idx)
 * against a parsed key record (the published one), using this message's
 * headers and body hash, as a verifier would: a self-check before the
 * signature leaves.  The verdict is in res; an internal failure (ENOMEM,
 * ECRYPTO) is returned instead, sticky, as for dkim_msg_verify.  rec is
 * only read (a caller checking many messages parses it once and shares
 * it); DKIM_ESTATE before dkim_msg_sign(idx), DKIM_EINVAL for NULLs.
 */
DKIM_API dkim_rc dkim_msg_check_signed_rec(dkim_msg *msg, size_t idx,
    const dkim_keyrec *rec, dkim_sig_result *res);
/*
 * dkim_msg_check_signed - the same from the record's text: parses it
 * (dkim_keyrec_parse), then checks as dkim_msg_check_signed_rec.  A
 * record that does not parse is a permerror verdict; running out of
 * memory while parsing it is DKIM_ENOMEM, sticky.
 */
DKIM_API dkim_rc dkim_msg_check_signed(dkim_msg *msg, size_t idx,
    const char *record, dkim_sig_result *res);

#ifdef __cplusplus
}
#endif

#endif /* DKIM_H */
