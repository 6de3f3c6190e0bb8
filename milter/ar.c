/*
 * ar.c - build and recognise Authentication-Results fields (ar.h).
 *
 * RFC 8601 2.2: authres-header-field = "Authentication-Results:"
 *	authserv-id [ CFWS authres-version ] ( no-result / 1*resinfo )
 * resinfo = ";" methodspec [ reasonspec ] *propspec; we write
 *	dkim=RESULT [reason="..."] (BITS-bit key[; test key])
 *	header.d=D header.i=I header.s=S header.a=ALG header.b="PREFIX"
 * header.b holds the first 8 characters of b= (RFC 6008 2).
 *
 * Every value that comes from the message or from DNS (d=, i=, s=, the
 * b= prefix, reason texts) is written so that an RFC 8601 reader gets
 * back exactly that value and nothing else: a bare token (RFC 2045 5.1)
 * or a plain local-part@domain when it is one, otherwise a quoted-string
 * (RFC 5322 3.2.4) with '"' and '\' escaped.  Control characters and
 * bytes that are not UTF-8 never reach the field: they are left out of
 * the quoted value.  A b= prefix that is not base64 is left out whole,
 * since RFC 6008 makes header.b a base64 prefix.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ar.h"
#include "util/strbuf.h"
#include "util/utf8.h"

/* is_tspecial - RFC 2045 5.1 tspecials */
static int
is_tspecial(int c)
{
	return c != '\0' && strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

/* is_token - RFC 2045 token: no tspecials, no blanks, no controls */
static int
is_token(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 127 ||
		    is_tspecial(*s))
			return 0;
	return 1;
}

/* is_domain - LDH-style domain (RFC 5321 4.1.2, '_' allowed as DKIM
 * selectors use it): labels of [A-Za-z0-9_-], no empty label */
static int
is_domain(const char *s, size_t len)
{
	size_t i, lab = 0;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (lab == 0)
				return 0;
			lab = 0;
		} else if (isalnum((unsigned char)s[i]) || s[i] == '-' ||
		    s[i] == '_')
			lab++;
		else
			return 0;
	}
	return lab > 0;
}

/* is_pvalue - RFC 8601 2.2 pvalue written bare: [local-part] "@" domain
 * with a local-part that is a dot-atom of token characters (RFC 5322
 * 3.2.3), or a token */
static int
is_pvalue(const char *s)
{
	const char *at = strchr(s, '@');
	const char *p;

	if (at == NULL)
		return is_token(s);
	if (strchr(at + 1, '@') != NULL || !is_domain(at + 1, strlen(at + 1)))
		return 0;
	for (p = s; p < at; p++) {
		if (*p == '.' ? p == s || p + 1 == at || p[1] == '.' :
				!isalnum((unsigned char)*p) &&
			    strchr("!#$%&'*+-^_`{|}~", *p) == NULL)
			return 0;
	}
	return 1;
}

/* put_quoted - RFC 5322 quoted-string: '"' and '\' escaped, controls
 * and bytes that are not UTF-8 left out */
static void
put_quoted(struct strbuf *b, const char *v)
{
	const unsigned char *p = (const unsigned char *)v;
	const unsigned char *end = p + strlen(v);
	size_t n;

	strbuf_addstr(b, "\"");
	while (p < end) {
		n = utf8_seqlen(p, (size_t)(end - p));
		if (n == 0 || (n == 1 && (*p < ' ' || *p == 127))) {
			p++;
			continue;
		}
		if (*p == '"' || *p == '\\')
			strbuf_addstr(b, "\\");
		strbuf_add(b, (const char *)p, n);
		p += n;
	}
	strbuf_addstr(b, "\"");
}

/* put_value - a value as token, or quoted-string with escapes */
static void
put_value(struct strbuf *b, const char *v)
{
	if (is_token(v))
		strbuf_addstr(b, v);
	else
		put_quoted(b, v);
}

/* put_prop - " name=value" unless value is empty */
static void
put_prop(struct strbuf *b, const char *name, const char *v)
{
	if (v == NULL || *v == '\0')
		return;
	strbuf_addstr(b, " ");
	strbuf_addstr(b, name);
	strbuf_addstr(b, "=");
	if (is_pvalue(v))
		strbuf_addstr(b, v);
	else
		put_quoted(b, v);
}

/* is_base64 - only base64 characters (RFC 4648 4), at least one */
static int
is_base64(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) || (unsigned char)*s >= 128)
			if (*s != '+' && *s != '/' && *s != '=')
				return 0;
	return 1;
}

/* put_result - one resinfo for one signature */
static void
put_result(struct strbuf *b, const dkim_sig_result *r)
{
	char bits[64];

	strbuf_addstr(b, ";\r\n\tdkim=");
	strbuf_addstr(b, dkim_verdict_str(r->verdict));
	if (r->verdict != DKIM_PASS && r->reason[0] != '\0') {
		/* always quoted: a reason is free text (RFC 8601 2.2) */
		strbuf_addstr(b, " reason=");
		put_quoted(b, r->reason);
	}
	if (r->key_bits > 0) {
		snprintf(bits, sizeof bits, " (%u-bit key%s)", r->key_bits,
		    r->testing ? "; test key" : "");
		strbuf_addstr(b, bits);
	}
	put_prop(b, "header.d", r->domain);
	put_prop(b, "header.i", r->identity);
	put_prop(b, "header.s", r->selector);
	if (r->alg != DKIM_ALG_UNKNOWN)
		put_prop(b, "header.a", dkim_alg_str(r->alg));
	if (is_base64(r->b_prefix)) {
		/* quoted: '/', '+' and '=' are not token characters */
		strbuf_addstr(b, " header.b=");
		put_quoted(b, r->b_prefix);
	}
}

/* ar_build - " authserv-id; dkim=... ; dkim=..." */
char *
ar_build(const char *authserv_id, const dkim_sig_result *res, size_t n)
{
	struct strbuf b = {0};
	size_t i;

	strbuf_addstr(&b, " ");
	put_value(&b, authserv_id);
	if (n == 0)
		strbuf_addstr(&b, ";\r\n\tdkim=none");
	for (i = 0; i < n; i++)
		put_result(&b, &res[i]);
	return strbuf_steal(&b); /* NULL when an append ran out of memory */
}

/* skip_cfws - whitespace and (nested) comments (RFC 5322 3.2.2); an
 * unterminated comment runs to the end */
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

/* id_len - length of id without a trailing root dot */
static size_t
id_len(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && id[n - 1] == '.' ? n - 1 : n;
}

/* id_step - feed one character of a candidate authserv-id; *k counts
 * the characters of id matched so far, *dot a trailing root dot.
 * Domain names compare case-insensitively (RFC 4343).  0: no match. */
static int
id_step(int c, const char *id, size_t idlen, size_t *k, int *dot)
{
	if (!*dot && *k < idlen &&
	    tolower((unsigned char)c) == tolower((unsigned char)id[*k]))
		(*k)++;
	else if (!*dot && *k == idlen && c == '.')
		*dot = 1;
	else
		return 0;
	return 1;
}

/* ar_is_ours - compare the authserv-id to id in any spelling RFC 8601
 * 2.2 allows: CFWS first, then a token or a quoted-string whose
 * quoted-pairs stand for their second character and whose folding line
 * breaks are not part of it (RFC 5322 3.2.4).  A trailing root dot on
 * either side is ignored.  A quoted-string that never closes is compared
 * as far as it goes, so a field a lenient reader could take as ours is
 * treated as ours. */
int
ar_is_ours(const char *value, const char *id)
{
	const char *p = skip_cfws(value);
	size_t idlen = id_len(id), k = 0;
	int dot = 0;

	if (*p != '"') {
		for (; *p != '\0' && (unsigned char)*p > ' ' &&
		     (unsigned char)*p != 127 && !is_tspecial(*p);
		     p++)
			if (!id_step(*p, id, idlen, &k, &dot))
				return 0;
		return k == idlen;
	}
	for (p++; *p != '\0' && *p != '"'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '\r' || *p == '\n')
			continue;
		if (!id_step(*p, id, idlen, &k, &dot))
			return 0;
	}
	return k == idlen;
}
