/*
 * bodyhash.h - body hashes shared between signatures (RFC 6376 3.7), so
 * a message with several signatures is hashed once per distinct
 * (canonicalization, hash, l=), not once per signature.  Internal.
 *
 * SYNOPSIS
 *	A bodyhash_set holds one body hash per (body canonicalization, hash
 *	algorithm, l=).  Every signature of a message, signing or verifying,
 *	asks bodyhash_get for its triple and gets the existing hash when one
 *	matches.  The set is fed once per body chunk.
 *
 * DESCRIPTION
 *	A hash with l= stops canonicalizing once l= octets were hashed
 *	(RFC 6376 3.4.5: only that many canonical octets are hashed).
 *	The set owns its hashes; bodyhash_set_clear frees them.
 */
#ifndef DKIM_BODYHASH_H
#define DKIM_BODYHASH_H

#include <openssl/evp.h>

#include "canon.h"

enum bh_md {
	BH_SHA256 = 0,
	BH_SHA1
};

struct bodyhash {
	struct bodyhash *next;
	dkim_canon canon;
	enum bh_md md;
	long long limit;           /* l=, -1: the whole body */
	unsigned long long hashed; /* octets given to the digest */
	int full;                  /* limit reached: canonicalizing stopped */
	int failed;                /* the digest failed (OpenSSL) */
	int final;
	EVP_MD_CTX *ctx;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen;
	struct canon_body cb;
};

struct bodyhash_set {
	struct bodyhash *head;
	size_t count; /* hashes created */
};

/* bh_md_for_alg - the hash of a signing algorithm (RFC 6376 3.3) */
enum bh_md bh_md_for_alg(dkim_alg alg);
/* bh_evp - the OpenSSL digest of md, fetched once per process */
const EVP_MD *bh_evp(enum bh_md md);

void bodyhash_set_init(struct bodyhash_set *set);
/* bodyhash_set_clear - free every hash; the set may be reused */
void bodyhash_set_clear(struct bodyhash_set *set);
/*
 * bodyhash_get - the hash for (c, md, limit), created if new.  NULL:
 * ENOMEM or OpenSSL failure.  Not after bodyhash_set_final.
 */
struct bodyhash *bodyhash_get(struct bodyhash_set *set, dkim_canon c,
    enum bh_md md, long long limit);
/* bodyhash_set_update - a body chunk to every hash */
void bodyhash_set_update(struct bodyhash_set *set, const void *buf, size_t len);
/* bodyhash_set_final - finish every hash; -1 if a digest failed */
int bodyhash_set_final(struct bodyhash_set *set);
/* bodyhash_set_count - hashes in the set (for tests) */
size_t bodyhash_set_count(const struct bodyhash_set *set);

/*
 * bodyhash_length - canonical body octets seen; when limit >= 0 and
 * reached, exactly limit (canonicalizing stopped there)
 */
unsigned long long bodyhash_length(const struct bodyhash *bh);

#endif /* DKIM_BODYHASH_H */
