/*
 * hhash.c - the header hash of one signature, RFC 6376 3.7, shared by
 * signing and verifying.
 *
 * SYNOPSIS
 *	header_hash
 *
 * DESCRIPTION
 *	The fields named by h= are picked bottom-up (RFC 6376 5.4.2; a name
 *	listed more often than present contributes nothing), canonicalized
 *	with CRLF, and hashed in h= order; then the DKIM-Signature field
 *	itself, b= already empty, canonicalized without its final CRLF.
 */
#include <stdlib.h>

#include <openssl/evp.h>

#include "msgint.h"
#include "canon.h"

/* update_field - one canonicalized field into the digest */
static int
update_field(EVP_MD_CTX *ctx, dkim_canon hc, const char *f, size_t len,
    int crlf)
{
	char *buf = malloc(CANON_HEADER_MAX(len));
	size_t n;
	int rc;

	if (buf == NULL)
		return -1;
	n = canon_header(hc, f, len, buf, crlf);
	rc = EVP_DigestUpdate(ctx, buf, n) == 1 ? 0 : -2;
	free(buf);
	return rc;
}

/* header_hash - RFC 6376 3.7 steps 1-2 for the header part */
int
header_hash(const struct hdrs *h, dkim_alg alg, dkim_canon hc,
    const char *const *names, size_t nnames, const char *sigfield,
    size_t siglen, unsigned char *digest, unsigned int *dlen)
{
	size_t *sel = malloc((nnames + 1) * sizeof(*sel)), i;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc = 0;

	if (sel == NULL || ctx == NULL ||
	    hdrs_select(h, names, nnames, sel) < 0) {
		rc = -1;
		goto out;
	}
	if (EVP_DigestInit_ex(ctx, bh_evp(bh_md_for_alg(alg)), NULL) != 1) {
		rc = -2;
		goto out;
	}
	for (i = 0; i < nnames && rc == 0; i++)
		if (sel[i] != HDRS_NONE)
			rc = update_field(ctx, hc, h->v[sel[i]].text,
			    h->v[sel[i]].len, 1);
	if (rc == 0)
		rc = update_field(ctx, hc, sigfield, siglen, 0);
	if (rc == 0 && EVP_DigestFinal_ex(ctx, digest, dlen) != 1)
		rc = -2;
out:
	EVP_MD_CTX_free(ctx);
	free(sel);
	return rc;
}
