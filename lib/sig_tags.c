/*
 * sig_tags.c - one small parser per DKIM-Signature tag, RFC 6376 3.5.
 *
 * SYNOPSIS
 *	sig_tag_apply, domain_valid (tags.h)
 *
 * DESCRIPTION
 *	Each parse_tag_x checks one tag's value against its grammar and fills
 *	struct dkim_sig.  Values arrive trimmed of surrounding FWS by the
 *	tokenizer; b= and bh= may hold inner FWS (base64string), h= and q=
 *	may hold FWS around ':'.  Cross-tag rules (required tags, i= within
 *	d=, x= after t=) live in sig.c.
 *
 * DIAGNOSTICS
 *	A parser returns -1 with a reason when the value is wrong (the
 *	signature's permerror) and -2 when memory ran out (not a property of
 *	the signature: the caller must not turn it into a verdict).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "tags.h"

#define TAG_ERR(...) (snprintf(reason, DKIM_REASON_MAX, __VA_ARGS__), -1)
#define TAG_OOM() (snprintf(reason, DKIM_REASON_MAX, "out of memory"), -2)

/* val_is - value equals word, ignoring case (ABNF strings are caseless) */
static int
val_is(const struct tag *t, const char *word)
{
	size_t n = strlen(word);

	return t->value_len == n && strncasecmp(t->value, word, n) == 0;
}

/* label_char - letter, digit, or a UTF-8 byte (RFC 8616 U-labels) */
static int
label_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c >= 0x80;
}

/* domain_valid - sub-domain *("." sub-domain), at least min_labels */
int
domain_valid(const char *s, size_t len, int min_labels)
{
	size_t i, start = 0;
	int labels = 0;

	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.') {
			unsigned char c = (unsigned char)s[i];

			if (!label_char(c) && c != '-')
				return 0;
			continue;
		}
		/* RFC 5321 sub-domain = Let-dig [Ldh-str]: no '-' at the ends */
		if (i == start || i - start > 63 || s[start] == '-' ||
		    s[i - 1] == '-')
			return 0;
		labels++;
		start = i + 1;
	}
	return labels >= min_labels;
}

/* parse_decimal - 1..maxdigits digits into *out; -1 bad, -2 overflow */
static int
parse_decimal(const struct tag *t, size_t maxdigits, long long *out)
{
	long long v = 0;
	size_t i;

	if (t->value_len == 0 || t->value_len > maxdigits)
		return -1;
	for (i = 0; i < t->value_len; i++) {
		int d = t->value[i] - '0';

		if (d < 0 || d > 9)
			return -1;
		if (v > (LLONG_MAX - d) / 10)
			return -2;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* dup_value - NUL-terminated copy of a trimmed value */
static char *
dup_value(const struct tag *t)
{
	return strndup(t->value, t->value_len);
}

/* parse_tag_v - RFC 6376 3.5: v= MUST be "1" */
static int
parse_tag_v(const struct tag *t, struct dkim_sig *sig, char *reason)
{
	if (t->value_len != 1 || t->value[0] != '1')
		return TAG_ERR("unsupported version v=%.*s",
		    (int)(t->value_len > 16 ? 16 : t->value_len), t->value);
	return 0;
}

/* parse_tag_a - RFC 6376 3.5 a=, RFC 8463 3 ed25519-sha256 */
static int
parse_tag_a(const struct tag *t, struct dkim_sig *sig, char *reason)
{
	if (val_is(t, "rsa-sha256"))
		sig->alg = DKIM_ALG_RSA_SHA256;
	else if (val_is(t, "ed25519-sha256"))
		sig->alg = DKIM_ALG_ED25519_SHA256;
	else if (val_is(t, "rsa-sha1"))
		sig->alg = DKIM_ALG_RSA_SHA1; /* the verifier decides */
	else {
		sig->alg = DKIM_ALG_UNKNOWN;
		return TAG_ERR("unknown algorithm");
	}
	return 0;
}

/* parse_b64 - base64string (RFC 6376 3.5 b=, bh=); FWS allowed inside */
static int
parse_b64(const struct tag *t, const char *name, unsigned char **out,
    size_t *outlen, char *reason)
{
	int rc = b64_decode(t->value, t->value_len, out, outlen);

	if (rc == -2)
		return TAG_OOM();
	if (rc < 0)
		return TAG_ERR("bad base64 in %s=", name);
	if (*outlen == 0)
		return TAG_ERR("empty %s=", name);
	return 0;
}

/* parse_tag_b - RFC 6376 3.5 b=: signature data; keeps an RFC 6008 prefix */
static int
parse_tag_b(const struct tag *t, struct dkim_sig *sig, char *reason)
{
	size_t i, n = 0;

	for (i = 0; i < t->value_len && n < 8; i++)
		if (!tags_is_fws((unsigned char)t->value[i]))
			sig->b_prefix[n++] = t->value[i];
	sig->b_prefix[n] = '\0';
	return parse_b64(t, "b", &sig->b, &sig->blen, reason);
}

/* parse_tag_bh - RFC 6376 3.5 bh=: body hash */
static int
parse_tag_bh(const struct tag *t, struct dkim_sig *sig, char *reason)
{
	return parse_b64(t, "bh", &sig->bh, &sig->bhlen, reason);
}

/* canon_word - "simple" / "relaxed" of length n; -1 otherwise */
static int
canon_word(const char *s, size_t n, dkim_canon *c)
{
	if (n == 6 && strncasecmp(s, "simple", 6) == 0)
		*c = DKIM_CANON_SIMPLE;
	else if (n == 7 && strncasecmp(s, "relaxed", 7) == 0)
		*c = DKIM_CANON_RELAXED;
	else
		return -1;
	return 0;
}

/* parse_tag_c - RFC 6376 3.5 c=: header[/body]; body defaults to simple */
static int
parse_tag_c(const struct tag *t, struct dkim_sig *sig, char *reason)
{
	const char *slash = memchr(t->value, '/', t->value_len);
	size_t hlen = slash ? (size_t)(slash - t->value) : t->value_len;

	sig->bcanon = DKIM_CANON_SIMPLE;
	if (canon_word(t->value, hlen, &sig->hcanon) < 0 ||
	    (slash != NULL &&
		canon_word(slash + 1, t->value_len - hlen - 1, &sig->bcanon) <
		    0))
		return TAG_ERR("bad canonicalization c=%.*s",
		    (int)(t->value_len > 32 ? 32 : t->value_len), t->value);
	return 0;
}

/* parse_tag_d - RFC 6376 3.5 d=: a syntactically valid domain-name */
static int
parse_tag_d(const struct tag *t, struct dkim_sig *sig, char *reason)
{
	if (!domain_valid(t->value, t->value_len, 2))
		return TAG_ERR("bad domain in d=");
	if ((sig->domain = dup_value(t)) == NULL)
		return TAG_OOM();
	return 0;
}

/* parse_tag_s - RFC 6376 3.5 s=: selector = sub-domain *("." sub-domain) */
static int
parse_tag_s(const struct tag *t, struct dkim_sig *sig, char *reason)
{
	if (!domain_valid(t->value, t->value_len, 1))
		return TAG_ERR("bad selector in s=");
	if ((sig->selector = dup_value(t)) == NULL)
		return TAG_OOM();
	return 0;
}

/* field_name_ok - RFC 5322 2.2 field-name = 1*ftext (%d33-57 / %d59-126) */
static int
field_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 33 || (unsigned char)s[i] > 126 ||
		    s[i] == ':')
			return 0;
	return 1;
}

/* parse_tag_h - RFC 6376 3.5 h=: hdr-name *([FWS] ":" [FWS] hdr-name) */
static int
parse_tag_h(const struct tag *t, struct dkim_sig *sig, char *reason)
{
	const char *item;
	size_t pos = 0, ilen, n = 0, cap = 1, i;
	int from = 0;

	for (i = 0; i < t->value_len; i++)
		cap += t->value[i] == ':';
	if ((sig->headers = calloc(cap, sizeof(char *))) == NULL)
		return TAG_OOM();
	while (tags_list_next(t->value, t->value_len, &pos, &item, &ilen)) {
		if (!field_name_ok(item, ilen))
			return TAG_ERR("bad header name in h=");
		if ((sig->headers[n] = strndup(item, ilen)) == NULL)
			return TAG_OOM();
		sig->nheaders = ++n;
		/* RFC 6376 5.4: From MUST be signed; 6.1.1: else PERMFAIL */
		if (ilen == 4 && strncasecmp(item, "from", 4) == 0)
			from = 1;
	}
	if (!from)
		return TAG_ERR("h= does not sign From");
	return 0;
}

/* parse_tag_i - RFC 6376 3.5 i=: dkim-quoted-printable [Local-part] "@" domain */
static int
parse_tag_i(const struct tag *t, struct dkim_sig *sig, char *reason)
{
	char *at;

	if ((sig->identity = qp_decode(t->value, t->value_len)) == NULL)
		return errno == ENOMEM ? TAG_OOM() :
					 TAG_ERR("bad quoted-printable in i=");
	if ((at = strrchr(sig->identity, '@')) == NULL ||
	    !domain_valid(at + 1, strlen(at + 1), 1))
		return TAG_ERR("bad identity in i=");
	return 0;
}

/* parse_tag_l - RFC 6376 3.5 l=: 1*76DIGIT; more than we can count: error */
static int
parse_tag_l(const struct tag *t, struct dkim_sig *sig, char *reason)
{
	int rc = parse_decimal(t, 76, &sig->length);

	if (rc == -2)
		return TAG_ERR("l= value too large");
	if (rc < 0)
		return TAG_ERR("bad l= value");
	return 0;
}

/* parse_tag_q - RFC 6376 3.5 q=: list of methods; dns/txt must be one */
static int
parse_tag_q(const struct tag *t, struct dkim_sig *sig, char *reason)
{
	const char *item;
	size_t pos = 0, ilen;

	while (tags_list_next(t->value, t->value_len, &pos, &item, &ilen))
		if (ilen == 7 && strncasecmp(item, "dns/txt", 7) == 0)
			return 0;
	return TAG_ERR("q= does not offer dns/txt");
}

/* parse_tag_t - RFC 6376 3.5 t=: signature timestamp, decimal seconds */
static int
parse_tag_t(const struct tag *t, struct dkim_sig *sig, char *reason)
{
	if (parse_decimal(t, 18, &sig->timestamp) < 0)
		return TAG_ERR("bad t= value");
	return 0;
}

/* parse_tag_x - RFC 6376 3.5 x=: expiration, decimal seconds */
static int
parse_tag_x(const struct tag *t, struct dkim_sig *sig, char *reason)
{
	if (parse_decimal(t, 18, &sig->expire) < 0)
		return TAG_ERR("bad x= value");
	return 0;
}

static const struct {
	const char *name;
	int (*parse)(const struct tag *, struct dkim_sig *, char *);
} sig_tag_table[] = {
    {"v", parse_tag_v},
    {"a", parse_tag_a},
    {"b", parse_tag_b},
    {"bh", parse_tag_bh},
    {"c", parse_tag_c},
    {"d", parse_tag_d},
    {"h", parse_tag_h},
    {"i", parse_tag_i},
    {"l", parse_tag_l},
    {"q", parse_tag_q},
    {"s", parse_tag_s},
    {"t", parse_tag_t},
    {"x", parse_tag_x},
};

/* sig_tag_apply - dispatch one tag; RFC 6376 3.2: unknown tags ignored */
int
sig_tag_apply(const struct tag *t, struct dkim_sig *sig,
    char reason[DKIM_REASON_MAX])
{
	size_t k;

	for (k = 0; k < sizeof(sig_tag_table) / sizeof(sig_tag_table[0]); k++)
		if (strlen(sig_tag_table[k].name) == t->name_len &&
		    memcmp(sig_tag_table[k].name, t->name, t->name_len) == 0)
			return sig_tag_table[k].parse(t, sig, reason);
	return 0;
}
