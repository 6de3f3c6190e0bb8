/*
 * sig.c - the DKIM-Signature field: parse, release, blank b=.
 *
 * SYNOPSIS
 *	sig_parse, sig_clear, sig_blank_b (internal.h)
 *
 * DESCRIPTION
 *	sig_parse tokenizes the tag-list (tags.c), hands each tag to its
 *	parser (sig_tags.c), then applies the rules that span tags: required
 *	tags (RFC 6376 3.5, 6.1.1), i= within d=, x= after t=, expiry.  Every
 *	failure is a permerror with a reason a human can act on, except out
 *	of memory, which sig_parse reports apart (-2) so that it never
 *	becomes a verdict.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "tags.h"

/* RFC 6376 6.1.1: "v=", "a=", "b=", "bh=", "d=", "h=", "s=" are required */
static const char *const sig_required[] = {"v", "a", "b", "bh", "d", "h", "s"};

/* check_required - first required tag missing, reported by name */
static int
check_required(const struct taglist *tl, char reason[DKIM_REASON_MAX])
{
	size_t k;

	for (k = 0; k < sizeof(sig_required) / sizeof(sig_required[0]); k++) {
		if (tags_find(tl, sig_required[k]) == NULL) {
			snprintf(reason, DKIM_REASON_MAX,
			    "missing required tag %s=", sig_required[k]);
			return -1;
		}
	}
	return 0;
}

/*
 * check_identity - RFC 6376 3.5 i=: "the domain part of the address MUST
 * be the same as, or a subdomain of, the value of the d= tag"
 */
static int
check_identity(const struct dkim_sig *sig, char reason[DKIM_REASON_MAX])
{
	const char *dom;
	size_t dlen, ilen;

	if (sig->identity == NULL)
		return 0;
	dom = strrchr(sig->identity, '@') + 1; /* parse_tag_i checked '@' */
	ilen = strlen(dom);
	dlen = strlen(sig->domain);
	if (ilen == dlen && strcasecmp(dom, sig->domain) == 0)
		return 0;
	if (ilen > dlen && dom[ilen - dlen - 1] == '.' &&
	    strcasecmp(dom + ilen - dlen, sig->domain) == 0)
		return 0;
	snprintf(reason, DKIM_REASON_MAX, "i= not within d=");
	return -1;
}

/* check_times - RFC 6376 3.5 x=: after t=, and not in the past (now <= 0
 * skips the expiry check); t= in the future is the verifier's policy */
static int
check_times(const struct dkim_sig *sig, time_t now,
    char reason[DKIM_REASON_MAX])
{
	if (sig->expire < 0)
		return 0;
	if (sig->timestamp >= 0 && sig->expire < sig->timestamp) {
		snprintf(reason, DKIM_REASON_MAX, "x= before t=");
		return -1;
	}
	if (now > 0 && sig->expire < (long long)now) {
		snprintf(reason, DKIM_REASON_MAX, "signature expired");
		return -1;
	}
	return 0;
}

/* apply_tags - run each tag's parser; the first failure is reported, but
 * the rest still run so d= and s= are there for the report.  Out of
 * memory (-2) wins over any bad value: the field was not fully judged */
static int
apply_tags(const struct taglist *tl, struct dkim_sig *sig,
    char reason[DKIM_REASON_MAX])
{
	char tmp[DKIM_REASON_MAX];
	size_t k;
	int rc = 0, r;

	for (k = 0; k < tl->n && rc != -2; k++) {
		if ((r = sig_tag_apply(&tl->tags[k], sig, tmp)) < 0 &&
		    (rc == 0 || r == -2)) {
			memcpy(reason, tmp, DKIM_REASON_MAX);
			rc = r;
		}
	}
	return rc;
}

/* sig_parse - parse a DKIM-Signature value; -1 permerror, -2 ENOMEM */
int
sig_parse(const char *value, size_t len, time_t now, struct dkim_sig *out,
    char reason[DKIM_REASON_MAX])
{
	struct taglist tl;
	int rc;

	memset(out, 0, sizeof(*out));
	out->alg = DKIM_ALG_UNKNOWN;
	out->hcanon = out->bcanon = DKIM_CANON_SIMPLE; /* 3.5 c= default */
	out->length = out->timestamp = out->expire = -1;
	reason[0] = '\0';
	if ((rc = tags_parse(value, len, &tl, reason)) < 0)
		return rc;
	rc = apply_tags(&tl, out, reason);
	if (rc == 0)
		rc = check_required(&tl, reason);
	tags_free(&tl);
	if (rc == 0)
		rc = check_identity(out, reason);
	if (rc == 0)
		rc = check_times(out, now, reason);
	return rc;
}

/* sig_clear - release what sig_parse allocated; safe to call twice */
void
sig_clear(struct dkim_sig *sig)
{
	size_t k;

	if (sig == NULL)
		return;
	free(sig->domain);
	free(sig->selector);
	free(sig->identity);
	for (k = 0; k < sig->nheaders; k++)
		free(sig->headers[k]);
	free(sig->headers);
	free(sig->bh);
	free(sig->b);
	memset(sig, 0, sizeof(*sig));
	sig->alg = DKIM_ALG_UNKNOWN;
	sig->length = sig->timestamp = sig->expire = -1;
}

/* taglist_start - offset of the tag-list: after "Name:" when one leads */
static size_t
taglist_start(const char *field, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (field[i] == ':')
			return i + 1;
		if (field[i] == '=' || field[i] == ';')
			break;
	}
	return 0;
}

/*
 * sig_blank_b - copy with b='s value deleted, RFC 6376 3.7: "including all
 * surrounding whitespace".  A field whose tag-list does not tokenize, or
 * has no b=, is copied unchanged (sig_parse rejects it anyway).  NULL on
 * ENOMEM, including the tokenizer's: an unblanked copy would hash wrong.
 */
char *
sig_blank_b(const char *field, size_t len, size_t *outlen)
{
	char reason[DKIM_REASON_MAX];
	struct taglist tl;
	const struct tag *b = NULL;
	size_t off = taglist_start(field, len), cut = 0, end = 0;
	char *out;
	int rc;

	if ((rc = tags_parse(field + off, len - off, &tl, reason)) == -2)
		return NULL;
	if (rc == 0) {
		if ((b = tags_find(&tl, "b")) != NULL) {
			cut = off + b->val_start;
			end = off + b->spec_end;
		}
		tags_free(&tl);
	}
	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	if (b == NULL)
		cut = end = len;
	memcpy(out, field, cut);
	memcpy(out + cut, field + end, len - end);
	*outlen = cut + len - end;
	out[*outlen] = '\0';
	return out;
}
