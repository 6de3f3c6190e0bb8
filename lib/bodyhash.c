/*
 * bodyhash.c - one body hash per (canonicalization, hash, l=), shared by
 * every signature of a message (RFC 6376 3.7): the body is the large
 * part of a message, and hashing it once per triple instead of once per
 * signature keeps several signatures cheap.
 *
 * SYNOPSIS
 *	bodyhash_set_init, bodyhash_set_clear, bodyhash_get,
 *	bodyhash_set_update, bodyhash_set_final, bodyhash_set_count,
 *	bodyhash_length, bh_md_for_alg, bh_evp
 *
 * DESCRIPTION
 *	Each hash owns a streaming canonicalizer (canon.c) whose sink feeds
 *	the digest in blocks of up to CANON_OUTBUF octets, cut at l=.
 */
#include <pthread.h>
#include <stdlib.h>

#include "bodyhash.h"

/* bh_md_for_alg - RFC 6376 3.3: rsa-sha1 hashes with SHA-1 */
enum bh_md
bh_md_for_alg(dkim_alg alg)
{
	return alg == DKIM_ALG_RSA_SHA1 ? BH_SHA1 : BH_SHA256;
}

/* The digests fetched once: EVP_sha256() makes OpenSSL 3 fetch the
 * algorithm again at every EVP_DigestInit_ex (its tables under a lock),
 * three times per signed message (body, header, self-check). */
static const EVP_MD *fetched[2];
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

/* fetch_digests - once per process; a failed fetch leaves NULL */
static void
fetch_digests(void)
{
	fetched[BH_SHA1] = EVP_MD_fetch(NULL, "SHA1", NULL);
	fetched[BH_SHA256] = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* bh_evp - the OpenSSL digest of an md (the implicit one if the fetch
 * failed) */
const EVP_MD *
bh_evp(enum bh_md md)
{
	(void)pthread_once(&fetch_once, fetch_digests);
	if (fetched[md] != NULL)
		return fetched[md];
	return md == BH_SHA1 ? EVP_sha1() : EVP_sha256();
}

/* bh_sink - canonical octets into the digest, at most l= of them */
static void
bh_sink(void *arg, const unsigned char *p, size_t n)
{
	struct bodyhash *bh = arg;

	if (bh->limit >= 0) {
		unsigned long long left =
		    (unsigned long long)bh->limit - bh->hashed;

		/* RFC 6376 3.4.5: hash only l= canonical octets */
		if (n >= left) {
			n = (size_t)left;
			bh->full = 1;
		}
	}
	if (n > 0 && EVP_DigestUpdate(bh->ctx, p, n) != 1)
		bh->failed = 1;
	bh->hashed += n;
}

/* bodyhash_set_init - an empty set */
void
bodyhash_set_init(struct bodyhash_set *set)
{
	set->head = NULL;
	set->count = 0;
}

/* bodyhash_set_clear - free every hash */
void
bodyhash_set_clear(struct bodyhash_set *set)
{
	struct bodyhash *bh, *next;

	for (bh = set->head; bh != NULL; bh = next) {
		next = bh->next;
		EVP_MD_CTX_free(bh->ctx);
		free(bh);
	}
	bodyhash_set_init(set);
}

/* bodyhash_get - find or create the hash for (c, md, limit) */
struct bodyhash *
bodyhash_get(struct bodyhash_set *set, dkim_canon c, enum bh_md md,
    long long limit)
{
	struct bodyhash *bh;

	if (limit < 0)
		limit = -1;
	for (bh = set->head; bh != NULL; bh = bh->next)
		if (bh->canon == c && bh->md == md && bh->limit == limit)
			return bh;
	if ((bh = calloc(1, sizeof(*bh))) == NULL)
		return NULL;
	bh->canon = c;
	bh->md = md;
	bh->limit = limit;
	bh->full = (limit == 0);
	if ((bh->ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(bh->ctx, bh_evp(md), NULL) != 1) {
		EVP_MD_CTX_free(bh->ctx);
		free(bh);
		return NULL;
	}
	canon_body_init(&bh->cb, c, bh_sink, bh);
	bh->next = set->head;
	set->head = bh;
	set->count++;
	return bh;
}

/* bodyhash_set_update - one body chunk to every hash */
void
bodyhash_set_update(struct bodyhash_set *set, const void *buf, size_t len)
{
	struct bodyhash *bh;

	for (bh = set->head; bh != NULL; bh = bh->next)
		if (!bh->full && !bh->final)
			canon_body_update(&bh->cb, buf, len);
}

/* bodyhash_set_final - finish every hash */
int
bodyhash_set_final(struct bodyhash_set *set)
{
	struct bodyhash *bh;
	int rc = 0;

	for (bh = set->head; bh != NULL; bh = bh->next) {
		if (bh->final)
			continue;
		if (!bh->full)
			canon_body_final(&bh->cb);
		if (EVP_DigestFinal_ex(bh->ctx, bh->digest, &bh->dlen) != 1)
			bh->failed = 1;
		bh->final = 1;
		if (bh->failed)
			rc = -1;
	}
	return rc;
}

/* bodyhash_set_count - number of hashes */
size_t
bodyhash_set_count(const struct bodyhash_set *set)
{
	return set->count;
}

/* bodyhash_length - canonical octets seen */
unsigned long long
bodyhash_length(const struct bodyhash *bh)
{
	if (bh->full)
		return (unsigned long long)bh->limit;
	return canon_body_length(&bh->cb);
}
