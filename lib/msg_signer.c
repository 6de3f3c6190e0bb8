/*
 * msg_signer.c - signature requests, before end of headers.
 *
 * SYNOPSIS
 *	dkim_sign_req_init, dkim_msg_add_signer
 *
 * DESCRIPTION
 *	A request is checked and copied (the message takes a key
 *	reference).  Refused with DKIM_EINVAL and a reason: rsa-sha1 and RSA
 *	keys under 1024 bits (RFC 8301), an invalid d= or s= (RFC 6376 3.5,
 *	RFC 5321 sub-domains), an i= outside d=, bad field names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msgint.h"
#include "tags.h"

#define STICKY(msg)                                                            \
	do {                                                                   \
		if ((msg)->err != DKIM_OK)                                     \
			return (msg)->err;                                     \
	} while (0)

/* dkim_sign_req_init - defaults: relaxed/relaxed, t=, default lists */
DKIM_API void
dkim_sign_req_init(dkim_sign_req *req)
{
	memset(req, 0, sizeof(*req));
	req->hcanon = DKIM_CANON_RELAXED;
	req->bcanon = DKIM_CANON_RELAXED;
	req->timestamp = 1;
}

/* name_ok - RFC 5322 field-name: printable, no colon */
static int
name_ok(const char *n)
{
	if (*n == '\0')
		return 0;
	for (; *n != '\0'; n++)
		if ((unsigned char)*n <= 32 || (unsigned char)*n >= 127 ||
		    *n == ':')
			return 0;
	return 1;
}

/* strv_copy - copy a NULL-terminated list of field names; -1 bad name,
 * -2 ENOMEM (nothing left allocated) */
static int
strv_copy(const char *const *in, char ***out)
{
	size_t n, i;

	*out = NULL;
	if (in == NULL)
		return 0;
	for (n = 0; in[n] != NULL; n++)
		if (!name_ok(in[n]))
			return -1;
	if ((*out = calloc(n + 1, sizeof(char *))) == NULL)
		return -2;
	for (i = 0; i < n; i++) {
		if (((*out)[i] = strdup(in[i])) == NULL) {
			while (i-- > 0)
				free((*out)[i]);
			free(*out);
			*out = NULL;
			return -2;
		}
	}
	return 0;
}

/* identity_ok - RFC 6376 3.5 i=: "@" domain equal to or below d= */
static int
identity_ok(const char *i, const char *d)
{
	const char *at = strrchr(i, '@'), *p;
	size_t il, dl = strlen(d);

	if (at == NULL || strlen(i) > 254) /* RFC 5321 4.5.3.1.3 path */
		return 0;
	for (p = i; *p != '\0'; p++)
		if ((unsigned char)*p < 32 || *p == 127)
			return 0;
	at++;
	il = strlen(at);
	if (il == dl)
		return strcasecmp(at, d) == 0;
	return il > dl && at[il - dl - 1] == '.' &&
	    strcasecmp(at + il - dl, d) == 0;
}

/* check_req - what dkim_msg_add_signer refuses, with the reason */
static int
check_req(const dkim_sign_req *req, char *err, size_t errlen)
{
	dkim_alg alg;

	if (req->domain == NULL ||
	    !domain_valid(req->domain, strlen(req->domain), 2))
		return snprintf(err, errlen, "invalid signing domain (d=)");
	if (req->selector == NULL ||
	    !domain_valid(req->selector, strlen(req->selector), 1))
		return snprintf(err, errlen, "invalid selector (s=)");
	if (req->identity != NULL && !identity_ok(req->identity, req->domain))
		return snprintf(err, errlen,
		    "i= must be an address at d= or a subdomain of it");
	if (req->key == NULL)
		return snprintf(err, errlen, "no signing key");
	alg = dkim_key_alg(req->key);
	if (alg != DKIM_ALG_RSA_SHA256 && alg != DKIM_ALG_ED25519_SHA256)
		return snprintf(err, errlen,
		    "rsa-sha1 is never used to sign (RFC 8301 3.1)");
	if (dkim_key_type(req->key) == DKIM_KEY_RSA &&
	    dkim_key_bits(req->key) < 1024)
		return snprintf(err, errlen,
		    "RSA key of %u bits: at least 1024 required (RFC 8301 3.2)",
		    dkim_key_bits(req->key));
	if ((req->hcanon != DKIM_CANON_SIMPLE &&
		req->hcanon != DKIM_CANON_RELAXED) ||
	    (req->bcanon != DKIM_CANON_SIMPLE &&
		req->bcanon != DKIM_CANON_RELAXED))
		return snprintf(err, errlen, "unknown canonicalization");
	return 0;
}

/* dkim_msg_add_signer - request a signature (before eoh) */
DKIM_API dkim_rc
dkim_msg_add_signer(dkim_msg *msg, const dkim_sign_req *req, size_t *idx,
    char *err, size_t errlen)
{
	struct signer s, *v;
	char dummy[8];
	int rc;

	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	if (msg == NULL || req == NULL)
		return DKIM_EINVAL;
	STICKY(msg);
	if (msg->state != MSG_HEADERS)
		return DKIM_ESTATE;
	if (check_req(req, err, errlen) != 0)
		return DKIM_EINVAL;
	memset(&s, 0, sizeof(s));
	s.alg = dkim_key_alg(req->key);
	s.hcanon = req->hcanon;
	s.bcanon = req->bcanon;
	s.timestamp = req->timestamp;
	s.expire = req->expire;
	s.body_length = req->body_length;
	if ((rc = strv_copy(req->headers, &s.headers)) == 0)
		rc = strv_copy(req->oversign, &s.oversign);
	if (rc == -1) {
		signer_clear(&s);
		snprintf(err, errlen, "invalid header field name in list");
		return DKIM_EINVAL;
	}
	s.domain = strdup(req->domain);
	s.selector = strdup(req->selector);
	s.identity = req->identity != NULL ? strdup(req->identity) : NULL;
	v = realloc(msg->signers, (msg->nsigners + 1) * sizeof(*v));
	if (rc != 0 || s.domain == NULL || s.selector == NULL ||
	    (req->identity != NULL && s.identity == NULL) || v == NULL) {
		if (v != NULL)
			msg->signers = v;
		signer_clear(&s);
		snprintf(err, errlen, "out of memory");
		msg->err = DKIM_ENOMEM;
		return DKIM_ENOMEM;
	}
	s.key = dkim_key_ref(req->key);
	msg->signers = v;
	msg->signers[msg->nsigners] = s;
	if (idx != NULL)
		*idx = msg->nsigners;
	msg->nsigners++;
	return DKIM_OK;
}
