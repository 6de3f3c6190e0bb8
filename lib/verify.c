/*
 * verify.c - verdicts on the DKIM-Signature fields of a message (RFC 6376
 * 6; RFC 8301 crypto policy; RFC 8463 Ed25519).
 *
 * SYNOPSIS
 *	dkim_msg_verify, dkim_msg_verify_keys, dkim_key_answer_clear,
 *	dkim_msg_sig_count, dkim_msg_sig_keyname, verdict_set,
 *	verify_with_record, result_fill
 *
 * DESCRIPTION
 *	For each signature (at most opt.max_signatures): policy checks that
 *	need no key (rsa-sha1, t= in the future), the key lookup at
 *	s._domainkey.d, key record checks, body hash, header hash and the
 *	signature itself.  Verdicts are data: a failed check sets a verdict
 *	and a reason; return codes only report ENOMEM, ECRYPTO, misuse.
 *	An internal failure is never a verdict, since a fail or permerror
 *	the message did not earn would mark good mail as forged: out of
 *	memory or OpenSSL failing anywhere (key record, header hash, the
 *	signature check) makes dkim_msg_verify fail with a sticky ENOMEM /
 *	ECRYPTO and no results, so the milter tempfails and the MTA
 *	retries.
 *
 *	t= more than opt.max_future_skew seconds ahead of the clock is a
 *	permerror (RFC 6376 3.5 lets verifiers treat it as invalid; a
 *	signature from the future is most likely a replay tool or a broken
 *	signer clock, and either way it cannot be evaluated as sent).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msgint.h"

/* verdict_final - pass, fail, permerror (and neutral, policy) stay */
static int
verdict_final(dkim_verdict v)
{
	return v != DKIM_NONE && v != DKIM_TEMPERROR;
}

/* verdict_set - one-way state of one signature's verdict: once final,
 * a later check cannot turn it into another verdict */
int
verdict_set(dkim_sig_result *res, dkim_verdict v, const char *fmt, ...)
{
	va_list ap;

	if (verdict_final(res->verdict))
		return 0;
	if (res->verdict == DKIM_TEMPERROR && v != DKIM_PERMERROR)
		return 0;
	res->verdict = v;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
	return 1;
}

/* result_fill - the parts of a result taken from the field itself */
void
result_fill(dkim_sig_result *r, const struct dkim_sig *sig)
{
	r->alg = sig->alg;
	r->hcanon = sig->hcanon;
	r->bcanon = sig->bcanon;
	r->timestamp = sig->timestamp >= 0 ? (time_t)sig->timestamp : -1;
	if (sig->domain != NULL)
		snprintf(r->domain, sizeof(r->domain), "%s", sig->domain);
	if (sig->selector != NULL)
		snprintf(r->selector, sizeof(r->selector), "%s", sig->selector);
	/* RFC 6376 3.5 i=: default "@" followed by d= */
	if (sig->identity != NULL)
		snprintf(r->identity, sizeof(r->identity), "%s", sig->identity);
	else if (sig->domain != NULL)
		snprintf(r->identity, sizeof(r->identity), "@%s", sig->domain);
	memcpy(r->b_prefix, sig->b_prefix, sizeof(r->b_prefix));
	r->b_prefix[sizeof(r->b_prefix) - 1] = '\0';
}

/* precheck - policy that needs no key; 1 when a verdict was set */
static int
precheck(dkim_msg *msg, const struct dkim_sig *sig, dkim_sig_result *res)
{
	time_t now = msg_now(msg);

	/* RFC 8301 3.1: rsa-sha1 MUST NOT be used, verifiers refuse it */
	if (sig->alg == DKIM_ALG_RSA_SHA1 && !msg->opt.allow_sha1)
		return verdict_set(res, DKIM_PERMERROR,
		    "rsa-sha1 not accepted (RFC 8301)");
	if (sig->alg != DKIM_ALG_RSA_SHA256 &&
	    sig->alg != DKIM_ALG_ED25519_SHA256 &&
	    sig->alg != DKIM_ALG_RSA_SHA1)
		return verdict_set(res, DKIM_PERMERROR, "unknown algorithm");
	/* RFC 6376 3.5 t=: from the future (see DESCRIPTION) */
	if (sig->timestamp >= 0 &&
	    sig->timestamp >
		(long long)now + (long long)msg->opt.max_future_skew)
		return verdict_set(res, DKIM_PERMERROR,
		    "signature timestamp t= in the future");
	/* RFC 6376 3.5 x=: expired (sig_parse checks it too, at eoh) */
	if (sig->expire >= 0 && sig->expire < (long long)now)
		return verdict_set(res, DKIM_PERMERROR, "signature expired");
	return 0;
}

/* key_policy - RFC 6376 3.6.1 and RFC 8301 3.2; 1 when refused */
static int
key_policy(dkim_msg *msg, const struct dkim_sig *sig, const dkim_keyrec *rec,
    dkim_sig_result *res)
{
	dkim_keytype want = sig->alg == DKIM_ALG_ED25519_SHA256 ?
	    DKIM_KEY_ED25519 :
	    DKIM_KEY_RSA;
	dkim_alg other = sig->alg == DKIM_ALG_RSA_SHA1 ? DKIM_ALG_RSA_SHA256 :
							 DKIM_ALG_RSA_SHA1;
	const char *dom;

	if (dkim_keyrec_revoked(rec))
		return verdict_set(res, DKIM_PERMERROR, "key revoked");
	if (dkim_keyrec_type(rec) != want)
		return verdict_set(res, DKIM_PERMERROR,
		    "key type (k=) does not match a=%s",
		    dkim_alg_str(sig->alg));
	if (!dkim_keyrec_allows(rec, sig->alg))
		return verdict_set(res, DKIM_PERMERROR,
		    dkim_keyrec_allows(rec, other) ?
			"key record h= does not allow the hash of a=%s" :
			"key record s= or h= excludes a=%s for email",
		    dkim_alg_str(sig->alg));
	/* RFC 6376 3.6.1 t=s: the i= domain must be d= itself */
	if (dkim_keyrec_strict(rec) && sig->identity != NULL) {
		dom = strrchr(sig->identity, '@');
		if (dom == NULL || strcasecmp(dom + 1, sig->domain) != 0)
			return verdict_set(res, DKIM_PERMERROR,
			    "key t=s: i= domain must equal d=");
	}
	if (want == DKIM_KEY_RSA &&
	    dkim_keyrec_bits(rec) < msg->opt.min_rsa_bits)
		return verdict_set(res, DKIM_PERMERROR,
		    "RSA key too small (%u bits)", dkim_keyrec_bits(rec));
	return 0;
}

/* body_check - RFC 6376 6.1.3 step 4; 1 when it failed */
static int
body_check(const struct dkim_sig *sig, const struct bodyhash *bh,
    dkim_sig_result *res)
{
	if (bh == NULL || !bh->final)
		return verdict_set(res, DKIM_PERMERROR, "body not hashed");
	/* l= longer than the body: the signed body was cut */
	if (sig->length >= 0 &&
	    bodyhash_length(bh) < (unsigned long long)sig->length)
		return verdict_set(res, DKIM_FAIL,
		    "body shorter than l= (body hash did not verify)");
	if (bh->dlen != sig->bhlen ||
	    memcmp(bh->digest, sig->bh, bh->dlen) != 0)
		return verdict_set(res, DKIM_FAIL, "body hash did not verify");
	return 0;
}

/* verify_with_record - everything after the key record is known */
dkim_rc
verify_with_record(dkim_msg *msg, const struct dkim_sig *sig, const char *field,
    size_t flen, const struct bodyhash *bh, const dkim_keyrec *rec,
    dkim_sig_result *res)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	size_t blen;
	char *blank;
	int rc;

	res->testing = dkim_keyrec_testing(rec);
	res->key_bits = dkim_keyrec_bits(rec);
	if (precheck(msg, sig, res) || key_policy(msg, sig, rec, res) ||
	    body_check(sig, bh, res))
		return DKIM_OK;
	/* RFC 6376 3.7: the field itself with b= empty, no final CRLF */
	if ((blank = sig_blank_b(field, flen, &blen)) == NULL)
		return DKIM_ENOMEM;
	rc = header_hash(&msg->hdrs, sig->alg, sig->hcanon,
	    (const char *const *)sig->headers, sig->nheaders, blank, blen,
	    digest, &dlen);
	free(blank);
	if (rc == -1)
		return DKIM_ENOMEM;
	if (rc < 0)
		return DKIM_ECRYPTO;
	switch (keyrec_verify_digest(rec, sig->alg, digest, dlen, sig->b,
	    sig->blen)) {
	case 1:
		verdict_set(res, DKIM_PASS, "%s", "");
		return DKIM_OK;
	case 0:
		verdict_set(res, DKIM_FAIL, "signature did not verify");
		return DKIM_OK;
	default: /* OpenSSL failed: no verdict */
		return DKIM_ECRYPTO;
	}
}

/*
 * pick_record - RFC 6376 3.6.2.2: of several TXT records use the ones
 * that parse as key records; none: permerror with the parse reason;
 * more than one: permerror (the RFC leaves the result undefined)
 */
static dkim_rc
pick_record(dkim_key_answer *kans, dkim_keyrec **out, dkim_sig_result *res)
{
	const dkim_txt_answer *ans = &kans->txt;
	char reason[DKIM_REASON_MAX], first[DKIM_REASON_MAX] = "no key";
	dkim_keyrec *rec;
	size_t i, good = 0, bad = 0;
	dkim_rc rc;

	*out = NULL;
	for (i = 0; i < ans->count; i++) {
		/* parsed by the lookup's cache: take its reference */
		if ((rec = kans->rec[i]) != NULL) {
			kans->rec[i] = NULL;
			rc = DKIM_OK;
		} else
			rc = dkim_keyrec_parse(ans->txt[i], strlen(ans->txt[i]),
			    &rec, reason);
		if (rc == DKIM_ENOMEM) {
			dkim_keyrec_free(*out);
			*out = NULL;
			return DKIM_ENOMEM;
		}
		/* a key past the cost bounds is refused before any
		 * signature is checked with it */
		if (rc == DKIM_OK && keyrec_unacceptable(rec) != NULL) {
			snprintf(reason, sizeof(reason), "%s",
			    keyrec_unacceptable(rec));
			dkim_keyrec_free(rec);
			rc = DKIM_EINVAL;
		}
		if (rc != DKIM_OK) {
			if (bad++ == 0)
				snprintf(first, sizeof(first), "%s%.140s",
				    strncmp(reason, "key not acceptable", 18) ?
					"key record: " :
					"",
				    reason);
			continue;
		}
		if (good++ == 0)
			*out = rec;
		else
			dkim_keyrec_free(rec);
	}
	if (good == 1)
		return DKIM_OK;
	dkim_keyrec_free(*out);
	*out = NULL;
	if (good > 1)
		verdict_set(res, DKIM_PERMERROR, "several key records");
	else
		verdict_set(res, DKIM_PERMERROR, "%s", first);
	return DKIM_OK;
}

/* keyname - "s._domainkey.d", RFC 6376 3.6.2.1; -1 when it won't fit */
static int
keyname(const struct dkim_sig *sig, char *buf, size_t len)
{
	int n;

	if (sig->selector == NULL || sig->domain == NULL)
		return -1;
	n = snprintf(buf, len, "%s._domainkey.%s", sig->selector, sig->domain);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* lookup_key - query and map DNS outcomes to verdicts (RFC 6376 6.1.2) */
static dkim_rc
lookup_key(const dkim_keylookup *lk, const struct dkim_sig *sig,
    dkim_keyrec **rec, dkim_sig_result *res)
{
	char name[600];
	dkim_key_answer ans;
	const dkim_txt_answer *txt = &ans.txt;
	dkim_rc rc;

	*rec = NULL;
	if (keyname(sig, name, sizeof(name)) < 0) {
		verdict_set(res, DKIM_PERMERROR, "key name too long");
		return DKIM_OK;
	}
	memset(&ans, 0, sizeof(ans));
	rc = lk->query(lk->ctx, name, &ans);
	if (rc == DKIM_ENOMEM) {
		dkim_key_answer_clear(&ans);
		return DKIM_ENOMEM;
	}
	if (rc != DKIM_OK)
		verdict_set(res, DKIM_TEMPERROR, "key lookup failed: %s",
		    dkim_rc_str(rc));
	else if (txt->status == DKIM_DNS_SERVFAIL ||
	    txt->status == DKIM_DNS_TIMEOUT)
		verdict_set(res, DKIM_TEMPERROR, "key lookup: %.140s",
		    ans.why != NULL ?
			ans.why :
			(txt->status == DKIM_DNS_TIMEOUT ? "timeout" :
							   "SERVFAIL"));
	else if (txt->status != DKIM_DNS_OK || txt->count == 0)
		verdict_set(res, DKIM_PERMERROR, "no key");
	else
		rc = pick_record(&ans, rec, res);
	dkim_key_answer_clear(&ans);
	return rc == DKIM_ENOMEM ? DKIM_ENOMEM : DKIM_OK;
}

/* dkim_key_answer_clear - texts and the references not taken */
DKIM_API void
dkim_key_answer_clear(dkim_key_answer *ans)
{
	size_t i;

	if (ans == NULL)
		return;
	for (i = 0; i < DKIM_TXT_MAX; i++) {
		dkim_keyrec_free(ans->rec[i]);
		ans->rec[i] = NULL;
	}
	dkim_txt_answer_clear(&ans->txt);
	ans->why = NULL;
}

/* plain_query - a dkim_lookup seen as a dkim_keylookup (nothing parsed) */
static dkim_rc
plain_query(void *ctx, const char *name, dkim_key_answer *ans)
{
	const dkim_lookup *lk = ctx;

	memset(ans, 0, sizeof(*ans));
	return lk->query(lk->ctx, name, &ans->txt);
}

/* verify_one - the verdict on one signature found at eoh */
static dkim_rc
verify_one(dkim_msg *msg, struct vsig *vs, const dkim_keylookup *lk)
{
	const struct hdr *hd = &msg->hdrs.v[vs->hdr];
	dkim_keyrec *rec = NULL;
	dkim_rc rc;

	if (verdict_final(vs->res.verdict) || precheck(msg, &vs->sig, &vs->res))
		return DKIM_OK;
	if ((rc = lookup_key(lk, &vs->sig, &rec, &vs->res)) != DKIM_OK ||
	    rec == NULL)
		return rc;
	rc = verify_with_record(msg, &vs->sig, hd->text, hd->len, vs->bh, rec,
	    &vs->res);
	dkim_keyrec_free(rec);
	return rc;
}

/* dkim_msg_verify_keys - verdicts for the first signatures, in header
 * order */
DKIM_API dkim_rc
dkim_msg_verify_keys(dkim_msg *msg, const dkim_keylookup *lookup,
    dkim_sig_result *res, size_t max, size_t *nres)
{
	size_t i, n;
	dkim_rc rc;

	if (nres != NULL)
		*nres = 0;
	if (msg == NULL || nres == NULL || (res == NULL && max > 0))
		return DKIM_EINVAL;
	if (msg->err != DKIM_OK)
		return msg->err;
	if (msg->state != MSG_DONE)
		return DKIM_ESTATE;
	n = msg->nvsigs;
	if (n > max)
		n = max;
	if (n > msg->opt.max_signatures)
		n = msg->opt.max_signatures;
	if (n > 0 && (lookup == NULL || lookup->query == NULL))
		return DKIM_EINVAL;
	for (i = 0; i < n; i++) {
		struct vsig *vs = &msg->vsigs[i];

		if (!vs->done) {
			if ((rc = verify_one(msg, vs, lookup)) != DKIM_OK) {
				if (rc == DKIM_ENOMEM || rc == DKIM_ECRYPTO)
					msg->err = rc;
				return rc;
			}
			vs->done = 1;
		}
		res[i] = vs->res;
	}
	*nres = n;
	return DKIM_OK;
}

/* dkim_msg_verify - dkim_msg_verify_keys over a plain dkim_lookup */
DKIM_API dkim_rc
dkim_msg_verify(dkim_msg *msg, const dkim_lookup *lookup, dkim_sig_result *res,
    size_t max, size_t *nres)
{
	dkim_keylookup kl = {plain_query, (void *)lookup};

	if (lookup == NULL || lookup->query == NULL)
		return dkim_msg_verify_keys(msg, NULL, res, max, nres);
	return dkim_msg_verify_keys(msg, &kl, res, max, nres);
}

/* dkim_msg_sig_count - DKIM-Signature fields seen at eoh */
DKIM_API size_t
dkim_msg_sig_count(const dkim_msg *msg)
{
	return msg != NULL ? msg->nvsigs : 0;
}

/* dkim_msg_sig_keyname - where signature i's key lives */
DKIM_API dkim_rc
dkim_msg_sig_keyname(const dkim_msg *msg, size_t i, char *buf, size_t len)
{
	if (msg == NULL || buf == NULL || i >= msg->nvsigs ||
	    !msg->vsigs[i].parsed)
		return DKIM_EINVAL;
	return keyname(&msg->vsigs[i].sig, buf, len) < 0 ? DKIM_EINVAL :
							   DKIM_OK;
}
