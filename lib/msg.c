/*
 * msg.c - one message through the library: construction, headers, end
 * of headers, body, end of message.  Signer requests: msg_signer.c.
 *
 * SYNOPSIS
 *	dkim_msg_new, dkim_msg_free, dkim_msg_header, dkim_msg_header_nv,
 *	dkim_msg_eoh, dkim_msg_body, dkim_msg_eom, dkim_msg_from_domain,
 *	msg_now, msg_bodyhash_count, signer_clear
 *
 * DESCRIPTION
 *	At eoh every DKIM-Signature field is parsed (a parse failure is that
 *	signature's permerror, never a call failure; running out of memory
 *	while parsing is a call failure, never a permerror) and one body
 *	hash per (body canonicalization, hash, l=) is set up for the
 *	signatures to verify and the signatures to make (RFC 6376 3.7),
 *	so signatures that agree on those three share one pass over the
 *	body.
 *
 * DIAGNOSTICS
 *	ENOMEM and ECRYPTO are sticky: once seen, every later call returns
 *	them.  ESTATE for calls out of order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msgint.h"

#define STICKY(msg)                                                            \
	do {                                                                   \
		if ((msg)->err != DKIM_OK)                                     \
			return (msg)->err;                                     \
	} while (0)

/* fail - remember a sticky error */
static dkim_rc
fail(dkim_msg *msg, dkim_rc rc)
{
	if (rc == DKIM_ENOMEM || rc == DKIM_ECRYPTO)
		msg->err = rc;
	return rc;
}

/* msg_now - the injected clock, else time(NULL) */
time_t
msg_now(const dkim_msg *msg)
{
	return msg->opt.clock != NULL ? msg->opt.clock(msg->opt.clock_arg) :
					time(NULL);
}

/* msg_bodyhash_count - body hashes created for this message */
size_t
msg_bodyhash_count(const dkim_msg *msg)
{
	return bodyhash_set_count(&msg->bhs);
}

/* dkim_msg_new - a message context */
DKIM_API dkim_rc
dkim_msg_new(const dkim_options *opt, dkim_msg **out)
{
	dkim_msg *msg;

	if (out == NULL)
		return DKIM_EINVAL;
	*out = NULL;
	if ((msg = calloc(1, sizeof(*msg))) == NULL)
		return DKIM_ENOMEM;
	if (opt != NULL)
		msg->opt = *opt;
	else
		dkim_options_init(&msg->opt);
	hdrs_init(&msg->hdrs);
	bodyhash_set_init(&msg->bhs);
	msg->w.at_bol = 1;
	*out = msg;
	return DKIM_OK;
}

/* strv_free - free a NULL-terminated string vector */
static void
strv_free(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* signer_clear - release one signer */
void
signer_clear(struct signer *s)
{
	free(s->domain);
	free(s->selector);
	free(s->identity);
	dkim_key_free(s->key);
	strv_free(s->headers);
	strv_free(s->oversign);
	free(s->value);
}

/* dkim_msg_free - release everything; NULL is a no-op */
DKIM_API void
dkim_msg_free(dkim_msg *msg)
{
	size_t i;

	if (msg == NULL)
		return;
	for (i = 0; i < msg->nsigners; i++)
		signer_clear(&msg->signers[i]);
	free(msg->signers);
	for (i = 0; i < msg->nvsigs; i++)
		sig_clear(&msg->vsigs[i].sig);
	free(msg->vsigs);
	hdrs_clear(&msg->hdrs);
	bodyhash_set_clear(&msg->bhs);
	msg_writer_free(&msg->w);
	free(msg);
}

/* dkim_msg_header - one raw field */
DKIM_API dkim_rc
dkim_msg_header(dkim_msg *msg, const char *field, size_t len)
{
	if (msg == NULL || (field == NULL && len > 0))
		return DKIM_EINVAL;
	STICKY(msg);
	if (msg->state != MSG_HEADERS)
		return DKIM_ESTATE;
	return fail(msg, hdrs_add(&msg->hdrs, field, len));
}

/* dkim_msg_header_nv - one field as name and value */
DKIM_API dkim_rc
dkim_msg_header_nv(dkim_msg *msg, const char *name, const char *value)
{
	if (msg == NULL || name == NULL || value == NULL)
		return DKIM_EINVAL;
	STICKY(msg);
	if (msg->state != MSG_HEADERS)
		return DKIM_ESTATE;
	return fail(msg, hdrs_add_nv(&msg->hdrs, name, value));
}

/* collect_sigs - RFC 6376 6.1.1: parse every DKIM-Signature field */
static dkim_rc
collect_sigs(dkim_msg *msg)
{
	size_t i, n = hdrs_count(&msg->hdrs, "DKIM-Signature", 14);
	time_t now = msg_now(msg);

	if (n == 0)
		return DKIM_OK;
	if ((msg->vsigs = calloc(n, sizeof(*msg->vsigs))) == NULL)
		return DKIM_ENOMEM;
	for (i = 0; i < msg->hdrs.n; i++) {
		const struct hdr *hd = &msg->hdrs.v[i];
		struct vsig *vs;
		const char *val;
		char reason[DKIM_REASON_MAX];
		int rc;

		if (!hdrs_is(hd, "DKIM-Signature", 14))
			continue;
		vs = &msg->vsigs[msg->nvsigs++];
		vs->hdr = i;
		vs->res.timestamp = -1;
		vs->res.alg = DKIM_ALG_UNKNOWN;
		val = memchr(hd->text, ':', hd->len) + 1;
		rc = sig_parse(val, hd->len - (val - hd->text), now, &vs->sig,
		    reason);
		if (rc == -2)
			return DKIM_ENOMEM; /* not the field's fault */
		vs->parsed = rc == 0;
		result_fill(&vs->res, &vs->sig);
		if (!vs->parsed)
			verdict_set(&vs->res, DKIM_PERMERROR, "%s", reason);
	}
	return DKIM_OK;
}

/* setup_bodyhashes - one shared hash per (c, hash, l=) */
static dkim_rc
setup_bodyhashes(dkim_msg *msg)
{
	size_t i;

	for (i = 0; i < msg->nsigners; i++) {
		struct signer *s = &msg->signers[i];

		s->bh = bodyhash_get(&msg->bhs, s->bcanon, BH_SHA256, -1);
		if (s->bh == NULL)
			return DKIM_ENOMEM;
	}
	/* only the signatures dkim_msg_verify will look at */
	for (i = 0; i < msg->nvsigs && i < msg->opt.max_signatures; i++) {
		struct vsig *vs = &msg->vsigs[i];

		if (!vs->parsed ||
		    (vs->sig.alg == DKIM_ALG_RSA_SHA1 && !msg->opt.allow_sha1))
			continue;
		vs->bh = bodyhash_get(&msg->bhs, vs->sig.bcanon,
		    bh_md_for_alg(vs->sig.alg), vs->sig.length);
		if (vs->bh == NULL)
			return DKIM_ENOMEM;
	}
	return DKIM_OK;
}

/* dkim_msg_eoh - end of headers */
DKIM_API dkim_rc
dkim_msg_eoh(dkim_msg *msg)
{
	dkim_rc rc;

	if (msg == NULL)
		return DKIM_EINVAL;
	STICKY(msg);
	if (msg->state != MSG_HEADERS)
		return DKIM_ESTATE;
	if ((rc = collect_sigs(msg)) != DKIM_OK ||
	    (rc = setup_bodyhashes(msg)) != DKIM_OK)
		return fail(msg, rc);
	msg->state = MSG_BODY;
	return DKIM_OK;
}

/* dkim_msg_body - body octets, streamed into every body hash */
DKIM_API dkim_rc
dkim_msg_body(dkim_msg *msg, const void *chunk, size_t len)
{
	if (msg == NULL || (chunk == NULL && len > 0))
		return DKIM_EINVAL;
	STICKY(msg);
	if (msg->state != MSG_BODY)
		return DKIM_ESTATE;
	bodyhash_set_update(&msg->bhs, chunk, len);
	return DKIM_OK;
}

/* dkim_msg_eom - end of message: finish the body hashes */
DKIM_API dkim_rc
dkim_msg_eom(dkim_msg *msg)
{
	dkim_rc rc;

	if (msg == NULL)
		return DKIM_EINVAL;
	STICKY(msg);
	if (msg->wrote && (rc = msg_write_end(msg)) != DKIM_OK)
		return fail(msg, rc);
	if (msg->state != MSG_BODY)
		return DKIM_ESTATE;
	if (bodyhash_set_final(&msg->bhs) < 0)
		return fail(msg, DKIM_ECRYPTO);
	msg->state = MSG_DONE;
	return DKIM_OK;
}

/* dkim_msg_from_domain - domain of the single From: address */
DKIM_API dkim_rc
dkim_msg_from_domain(const dkim_msg *msg, char *buf, size_t len)
{
	if (msg == NULL || buf == NULL)
		return DKIM_EINVAL;
	return hdrs_from_domain(&msg->hdrs, buf, len);
}
