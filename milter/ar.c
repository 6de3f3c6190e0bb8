/*
 * ar.c - build and recognise Authentication-Results fields (ar.h).
 *
 * RFC 8601 2.2: authres-header-field = "Authentication-Results:"
 *	authserv-id [ CFWS authres-version ] ( no-result / 1*resinfo )
 * resinfo = ";" methodspec [ reasonspec ] *propspec; we write
 *	dkim=RESULT [reason="..."] (BITS-bit key[; test key])
 *	header.d=D header.i=I header.s=S header.a=ALG header.b="PREFIX"
 * header.b holds the first 8 characters of b= (RFC 6008 2).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ar.h"

struct sbuf {
	char *p;
	size_t len, cap;
	int oom;
};

/* sb_put - append formatted text */
static void
sb_put(struct sbuf *b, const char *fmt, const char *s)
{
	size_t need = b->len + strlen(fmt) + (s ? strlen(s) : 0) + 1;
	char *p;

	if (b->oom)
		return;
	if (need > b->cap) {
		if ((p = realloc(b->p, need * 2)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = need * 2;
	}
	b->len += (size_t)snprintf(b->p + b->len, b->cap - b->len, fmt, s);
}

/* is_token - RFC 2045 token: no tspecials, no blanks, no controls */
static int
is_token(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 127 ||
		    strchr("()<>@,;:\\\"/[]?=", *s) != NULL)
			return 0;
	return 1;
}

/* is_pvalue - RFC 8601 2.2 pvalue: [local-part] "@" domain, or domain */
static int
is_pvalue(const char *s)
{
	const char *at = strrchr(s, '@');

	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && s != at &&
		    strchr(at != NULL && s < at ? ".!#$%&'*+-/=?^_`{|}~" :
		    ".-_", *s) == NULL)
			return 0;
	return 1;
}

/* put_value - a value as token, or quoted-string with escapes */
static void
put_value(struct sbuf *b, const char *v)
{
	char c[2] = { 0, 0 };

	if (is_token(v)) {
		sb_put(b, "%s", v);
		return;
	}
	sb_put(b, "\"", NULL);
	for (; *v != '\0'; v++) {
		if (*v == '"' || *v == '\\')
			sb_put(b, "\\", NULL);
		c[0] = (unsigned char)*v < ' ' ? ' ' : *v;
		sb_put(b, "%s", c);
	}
	sb_put(b, "\"", NULL);
}

/* put_prop - " name=value" unless value is empty */
static void
put_prop(struct sbuf *b, const char *name, const char *v)
{
	if (v == NULL || *v == '\0')
		return;
	sb_put(b, " %s=", name);
	if (is_pvalue(v))
		sb_put(b, "%s", v);
	else
		put_value(b, v);
}

/* put_result - one resinfo for one signature */
static void
put_result(struct sbuf *b, const dkim_sig_result *r)
{
	char bits[64];

	sb_put(b, ";\r\n\tdkim=%s", dkim_verdict_str(r->verdict));
	if (r->verdict != DKIM_PASS && r->reason[0] != '\0') {
		sb_put(b, " reason=", NULL);
		put_value(b, r->reason);
	}
	if (r->key_bits > 0) {
		snprintf(bits, sizeof bits, " (%u-bit key%s)", r->key_bits,
		    r->testing ? "; test key" : "");
		sb_put(b, "%s", bits);
	}
	put_prop(b, "header.d", r->domain);
	put_prop(b, "header.i", r->identity);
	put_prop(b, "header.s", r->selector);
	if (r->alg != DKIM_ALG_UNKNOWN)
		put_prop(b, "header.a", dkim_alg_str(r->alg));
	if (r->b_prefix[0] != '\0') {
		sb_put(b, " header.b=", NULL);
		/* always quoted: '/', '+' and '=' are not token characters */
		sb_put(b, "\"%s\"", r->b_prefix);
	}
}

/* ar_build - " authserv-id; dkim=... ; dkim=..." */
char *
ar_build(const char *authserv_id, const dkim_sig_result *res, size_t n)
{
	struct sbuf b = { NULL, 0, 0, 0 };
	size_t i;

	sb_put(&b, " ", NULL);
	put_value(&b, authserv_id);
	if (n == 0)
		sb_put(&b, ";\r\n\tdkim=none", NULL);
	for (i = 0; i < n; i++)
		put_result(&b, &res[i]);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* skip_cfws - whitespace and (nested) comments */
static const char *
skip_cfws(const char *p)
{
	int depth;

	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '(')
			return p;
		for (depth = 0; *p != '\0'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '(')
				depth++;
			else if (*p == ')' && --depth == 0) {
				p++;
				break;
			}
		}
	}
}

/* ar_is_ours - compare the authserv-id (token or quoted) to id */
int
ar_is_ours(const char *value, const char *id)
{
	const char *p = skip_cfws(value), *end;
	size_t len = strlen(id);

	if (*p == '"') {
		end = strchr(p + 1, '"');
		return end != NULL && (size_t)(end - p - 1) == len &&
		    strncasecmp(p + 1, id, len) == 0;
	}
	end = p + strcspn(p, "; \t\r\n(");
	return (size_t)(end - p) == len && strncasecmp(p, id, len) == 0;
}
