/*
 * sign.c - making a DKIM-Signature (RFC 6376 5) and checking it before
 * it leaves.
 *
 * SYNOPSIS
 *	dkim_msg_sign, dkim_msg_sign_rec, dkim_msg_check_signed,
 *	dkim_msg_check_signed_rec
 *
 * DESCRIPTION
 *	h= lists each configured name once per instance present, plus one
 *	more listing for names to oversign (RFC 6376 8.15), so a field
 *	added later breaks the signature.  From: is always signed (RFC 6376
 *	5.4).  The value is folded (sign_fold.c) and the header hash is
 *	computed over exactly that folded text with b= empty, so simple
 *	header canonicalization verifies too.  The body hash comes from the
 *	message's shared set (one per canonicalization; l= is the whole
 *	canonical body when requested).
 *
 *	No signature leaves unverified (a fault in RSA-CRT signing must not
 *	publish a broken signature, or leak the key through one), and each
 *	is verified once: against the key's own public half, or when the
 *	caller supplies the published record (dkim_msg_sign_rec), by the
 *	self-check against that record, which is the same check and more.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msgint.h"
#include "sign_fold.h"

#define SIG_NAME "DKIM-Signature:"

/* the library's default list of fields to sign */
static const char *const default_headers[] = {"From", "Reply-To", "Subject",
    "Date", "To", "Cc", "Resent-Date", "Resent-From", "Resent-To", "Resent-Cc",
    "In-Reply-To", "References", "List-Id", "List-Help", "List-Unsubscribe",
    "List-Unsubscribe-Post", "List-Subscribe", "List-Post", "List-Owner",
    "List-Archive", "Message-ID", "MIME-Version", "Content-Type",
    "Content-Transfer-Encoding", "Content-ID", "Content-Description", "Sender",
    "Feedback-ID", NULL};

/*
 * Fields signed once more than present by default (RFC 6376 8.15), so none
 * can be added on top.  List-Unsubscribe-Post is among them even when the
 * message has none: RFC 8058 3.1 has a receiver offer one-click
 * unsubscription only when a valid signature covers it, so a copy with
 * one added in transit must not verify.
 */
static const char *const default_oversign[] = {"From", "To", "Cc", "Subject",
    "Date", "Reply-To", "Message-ID", "MIME-Version", "Content-Type",
    "List-Unsubscribe-Post", NULL};

/*
 * Fields oversigned by default only when the message has one: a second
 * instance added above the signed one then breaks the signature, while a
 * mailing list that adds the field to a message without it (Mailman adds
 * Sender and List-Unsubscribe) leaves the author's signature intact, so
 * DMARC still passes on it downstream.  Receivers judge the From: domain,
 * never Sender (RFC 7489 3.1), so an unsigned Sender added later does not
 * change a DMARC verdict.
 */
static const char *const default_oversign_present[] = {"Sender",
    "List-Unsubscribe", NULL};

/* in_list - is name in the NULL-terminated list (before position lim)? */
static int
in_list(const char *const *list, const char *name, size_t lim)
{
	size_t i;

	for (i = 0; list[i] != NULL && i < lim; i++)
		if (strcasecmp(list[i], name) == 0)
			return 1;
	return 0;
}

/* add_name - append name k times to the h= list */
static int
add_name(const char ***v, size_t *n, size_t *cap, const char *name, size_t k)
{
	while (k-- > 0) {
		if (*n == *cap) {
			const char **nv;

			*cap = *cap ? *cap * 2 : 32;
			if ((nv = realloc(*v, *cap * sizeof(**v))) == NULL)
				return -1;
			*v = nv;
		}
		(*v)[(*n)++] = name;
	}
	return 0;
}

/* build_hlist - RFC 6376 5.4: the names for h=, in signing order */
static int
build_hlist(const dkim_msg *msg, const struct signer *s, const char ***out,
    size_t *n)
{
	const char *const *hl =
	    s->headers ? (const char *const *)s->headers : default_headers;
	const char *const *ol =
	    s->oversign ? (const char *const *)s->oversign : default_oversign;
	const char *const *op = s->oversign ? NULL : default_oversign_present;
	size_t i, cap = 0, c;
	int rc = 0;

	*out = NULL;
	*n = 0;
	/* RFC 6376 5.4: From MUST be signed */
	if (!in_list(hl, "From", (size_t)-1)) {
		c = hdrs_count(&msg->hdrs, "From", 4);
		rc = add_name(out, n, &cap, "From",
		    c + in_list(ol, "From", (size_t)-1));
	}
	for (i = 0; hl[i] != NULL && rc == 0; i++) {
		if (in_list(hl, hl[i], i))
			continue; /* listed twice */
		c = hdrs_count(&msg->hdrs, hl[i], strlen(hl[i]));
		rc = add_name(out, n, &cap, hl[i],
		    c +
			(in_list(ol, hl[i], (size_t)-1) ||
			    (c > 0 && op != NULL &&
				in_list(op, hl[i], (size_t)-1))));
	}
	for (i = 0; ol[i] != NULL && rc == 0; i++) {
		if (in_list(hl, ol[i], (size_t)-1) || in_list(ol, ol[i], i) ||
		    strcasecmp(ol[i], "From") == 0)
			continue;
		c = hdrs_count(&msg->hdrs, ol[i], strlen(ol[i]));
		rc = add_name(out, n, &cap, ol[i], c + 1);
	}
	return rc;
}

/* qp_identity - RFC 6376 2.11 dkim-quoted-printable of i= */
static void
qp_identity(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in != '\0' && o + 4 < len; in++) {
		unsigned char c = (unsigned char)*in;

		if (c > 0x20 && c < 0x7f && c != ';' && c != '=')
			out[o++] = (char)c;
		else
			o += snprintf(out + o, len - o, "=%02X", c);
	}
	out[o] = '\0';
}

/* build_head - every tag up to and including "b=" (RFC 6376 3.5) */
static int
build_head(dkim_msg *msg, const struct signer *s, const char *const *names,
    size_t n, struct fold *f)
{
	long long now = (long long)msg_now(msg);
	char *bh, qp[800];

	if ((bh = b64_encode(s->bh->digest, s->bh->dlen)) == NULL)
		return -1;
	fold_init(f, strlen(SIG_NAME));
	fold_unit(f, "v=1;");
	fold_unit(f, "a=%s;", dkim_alg_str(s->alg));
	fold_unit(f, "c=%s/%s;", dkim_canon_str(s->hcanon),
	    dkim_canon_str(s->bcanon));
	fold_unit(f, "d=%s;", s->domain);
	fold_unit(f, "s=%s;", s->selector);
	if (s->timestamp)
		fold_unit(f, "t=%lld;", now);
	if (s->expire > 0)
		fold_unit(f, "x=%lld;", now + (long long)s->expire);
	if (s->body_length)
		fold_unit(f, "l=%llu;", bodyhash_length(s->bh));
	if (s->identity != NULL) {
		qp_identity(s->identity, qp, sizeof(qp));
		fold_unit(f, "i=%s;", qp);
	}
	fold_list(f, "h", names, n);
	fold_tag_start(f, "bh");
	fold_b64(f, bh, 1);
	fold_tag_start(f, "b");
	free(bh);
	return f->oom ? -1 : 0;
}

/* sign_field - header hash over the head and the signature; ENOMEM... */
static dkim_rc
sign_field(dkim_msg *msg, const struct signer *s, const char *const *names,
    size_t n, int checked, struct fold *f)
{
	unsigned char digest[EVP_MAX_MD_SIZE], *sig = NULL;
	unsigned int dlen;
	size_t siglen, flen = strlen(SIG_NAME) + f->len;
	char *field, *b64;
	int rc;

	if ((field = malloc(flen + 1)) == NULL)
		return DKIM_ENOMEM;
	memcpy(field, SIG_NAME, strlen(SIG_NAME));
	memcpy(field + strlen(SIG_NAME), f->s, f->len + 1);
	rc = header_hash(&msg->hdrs, s->alg, s->hcanon, names, n, field, flen,
	    digest, &dlen);
	free(field);
	if (rc < 0)
		return rc == -1 ? DKIM_ENOMEM : DKIM_ECRYPTO;
	if ((checked ? key_sign_unchecked : key_sign_digest)(s->key, digest,
		dlen, &sig, &siglen) < 0)
		return DKIM_ECRYPTO;
	b64 = b64_encode(sig, siglen);
	free(sig);
	if (b64 == NULL)
		return DKIM_ENOMEM;
	fold_b64(f, b64, 0);
	free(b64);
	return f->oom ? DKIM_ENOMEM : DKIM_OK;
}

/* sign_make - the value for signer idx; checked: the caller verifies
 * it before handing it out, else key_sign_digest does */
static dkim_rc
sign_make(dkim_msg *msg, size_t idx, int checked, char **value, char *err,
    size_t errlen)
{
	const char **names = NULL;
	struct signer *s;
	struct fold f;
	size_t n;
	dkim_rc rc;
	char dummy[8];

	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	if (msg == NULL || value == NULL || idx >= msg->nsigners)
		return DKIM_EINVAL;
	*value = NULL;
	if (msg->err != DKIM_OK)
		return msg->err;
	if (msg->state != MSG_DONE)
		return DKIM_ESTATE;
	s = &msg->signers[idx];
	if (hdrs_count(&msg->hdrs, "From", 4) == 0) {
		snprintf(err, errlen, "message has no From: field");
		return DKIM_EINVAL;
	}
	fold_init(&f, 0);
	if (build_hlist(msg, s, &names, &n) < 0 ||
	    build_head(msg, s, names, n, &f) < 0)
		rc = DKIM_ENOMEM;
	else
		rc = sign_field(msg, s, names, n, checked, &f);
	free(names);
	if (rc == DKIM_OK) {
		free(s->value);
		if ((s->value = strdup(f.s)) == NULL)
			rc = DKIM_ENOMEM;
	}
	if (rc != DKIM_OK) {
		fold_free(&f);
		snprintf(err, errlen, "%s", dkim_rc_str(rc));
		msg->err = rc;
		return rc;
	}
	*value = f.s;
	return DKIM_OK;
}

/* dkim_msg_sign - the DKIM-Signature value for signer idx */
DKIM_API dkim_rc
dkim_msg_sign(dkim_msg *msg, size_t idx, char **value, char *err, size_t errlen)
{
	return sign_make(msg, idx, 0, value, err, errlen);
}

/* check_failed - an internal failure in the self-check: sticky, and no
 * verdict in res: a verdict the new signature did not earn would send
 * the message on unsigned or make it fail where a retry would sign it */
static dkim_rc
check_failed(dkim_msg *msg, dkim_rc rc, dkim_sig_result *res)
{
	memset(res, 0, sizeof(*res));
	res->timestamp = -1;
	msg->err = rc;
	return rc;
}

/* check_start - arguments and state of a self-check; res emptied */
static dkim_rc
check_start(dkim_msg *msg, size_t idx, const void *record, dkim_sig_result *res)
{
	if (msg == NULL || record == NULL || res == NULL ||
	    idx >= msg->nsigners)
		return DKIM_EINVAL;
	memset(res, 0, sizeof(*res));
	res->timestamp = -1;
	if (msg->err != DKIM_OK)
		return msg->err;
	return msg->signers[idx].value == NULL ? DKIM_ESTATE : DKIM_OK;
}

/*
 * check_signed - the self-check after check_start: our own field, parsed
 * as a verifier would, against rec; rec NULL: the record did not parse
 * (why says how), a permerror
 */
static dkim_rc
check_signed(dkim_msg *msg, size_t idx, const dkim_keyrec *rec, const char *why,
    dkim_sig_result *res)
{
	struct signer *s = &msg->signers[idx];
	char reason[DKIM_REASON_MAX], *field;
	struct dkim_sig sig;
	size_t flen;
	dkim_rc rc;
	int prc;

	if ((prc = sig_parse(s->value, strlen(s->value), msg_now(msg), &sig,
		 reason)) == -2) {
		sig_clear(&sig);
		return check_failed(msg, DKIM_ENOMEM, res);
	}
	result_fill(res, &sig);
	if (prc < 0)
		verdict_set(res, DKIM_PERMERROR, "%s", reason);
	else if (rec == NULL)
		verdict_set(res, DKIM_PERMERROR, "key record: %s", why);
	if (prc < 0 || rec == NULL) {
		sig_clear(&sig);
		return DKIM_OK;
	}
	flen = strlen(SIG_NAME) + strlen(s->value);
	if ((field = malloc(flen + 1)) == NULL)
		rc = DKIM_ENOMEM;
	else {
		snprintf(field, flen + 1, "%s%s", SIG_NAME, s->value);
		rc =
		    verify_with_record(msg, &sig, field, flen, s->bh, rec, res);
	}
	free(field);
	sig_clear(&sig);
	return rc == DKIM_OK ? DKIM_OK : check_failed(msg, rc, res);
}

/* dkim_msg_check_signed_rec - verify our own field against a parsed record */
DKIM_API dkim_rc
dkim_msg_check_signed_rec(dkim_msg *msg, size_t idx, const dkim_keyrec *rec,
    dkim_sig_result *res)
{
	dkim_rc rc;

	if ((rc = check_start(msg, idx, rec, res)) != DKIM_OK)
		return rc;
	return check_signed(msg, idx, rec, NULL, res);
}

/* dkim_msg_check_signed - parse the record, then as above */
DKIM_API dkim_rc
dkim_msg_check_signed(dkim_msg *msg, size_t idx, const char *record,
    dkim_sig_result *res)
{
	char reason[DKIM_REASON_MAX];
	dkim_keyrec *rec = NULL;
	dkim_rc rc;

	if ((rc = check_start(msg, idx, record, res)) != DKIM_OK)
		return rc;
	if (dkim_keyrec_parse(record, strlen(record), &rec, reason) ==
	    DKIM_ENOMEM)
		return check_failed(msg, DKIM_ENOMEM, res);
	rc = check_signed(msg, idx, rec, reason, res);
	dkim_keyrec_free(rec);
	return rc;
}

/*
 * dkim_msg_sign_rec - sign, then self-check against rec, the one
 * verification of the new signature; rec NULL: as dkim_msg_sign.  The
 * value is handed out only when the check passes.
 */
DKIM_API dkim_rc
dkim_msg_sign_rec(dkim_msg *msg, size_t idx, const dkim_keyrec *rec,
    char **value, dkim_sig_result *res, char *err, size_t errlen)
{
	dkim_rc rc;

	if (res == NULL || value == NULL)
		return DKIM_EINVAL;
	memset(res, 0, sizeof(*res));
	res->timestamp = -1;
	if (rec == NULL) {
		if ((rc = sign_make(msg, idx, 0, value, err, errlen)) ==
		    DKIM_OK)
			res->verdict = DKIM_PASS;
		return rc;
	}
	if ((rc = sign_make(msg, idx, 1, value, err, errlen)) != DKIM_OK)
		return rc;
	rc = check_signed(msg, idx, rec, NULL, res);
	if (rc == DKIM_OK && res->verdict == DKIM_PASS)
		return DKIM_OK;
	/* never handed out: the field may carry a faulty signature */
	free(*value);
	*value = NULL;
	free(msg->signers[idx].value);
	msg->signers[idx].value = NULL;
	if (rc != DKIM_OK && err != NULL && errlen > 0)
		snprintf(err, errlen, "self-check: %s", dkim_rc_str(rc));
	return rc;
}
