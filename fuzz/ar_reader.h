/*
 * ar_reader.h - a small, strict RFC 8601 reader for the tests of the
 * Authentication-Results builder (fuzz/fuzz_ar.c, tests/unit/test_ar.c).
 *
 * SYNOPSIS
 *	struct arr_field f;
 *	if (arr_parse(value, &f) == 0) ... f.id, f.res[i].method, .result,
 *	    .reason, .prop[k].name, .prop[k].value ...
 *
 * DESCRIPTION
 *	Written from the grammar of RFC 8601 2.2 (with RFC 5322 3.2 for
 *	CFWS and quoted-string, RFC 2045 5.1 for token), independently of
 *	milter/ar.c, so that what the builder writes is read the way a
 *	receiving parser reads it:
 *	  authserv-id [CFWS authres-version] (no-result / 1*resinfo)
 *	  resinfo   = ";" methodspec [reasonspec] *propspec
 *	  methodspec = method [CFWS] "=" [CFWS] result
 *	  reasonspec = "reason" [CFWS] "=" [CFWS] value
 *	  propspec  = ptype [CFWS] "." [CFWS] property [CFWS] "=" pvalue
 *	Comments are skipped wherever CFWS may stand, and folding line
 *	breaks are removed.  Quoted-string values come back with their
 *	quoted-pairs undone.  Anything else is an error (-1): a reader that
 *	guessed would hide exactly the mistakes the tests look for.
 *	Header-only, all static; the fields are fixed-size and a value
 *	longer than ARR_VAL is an error too.
 */
#ifndef AR_READER_H
#define AR_READER_H

#include <string.h>

#include "util/utf8.h"

#define ARR_VAL 1024
#define ARR_MAXRES 16
#define ARR_MAXPROP 8

struct arr_prop {
	char name[64]; /* "header.d" */
	char value[ARR_VAL];
};

struct arr_res {
	char method[32];
	char result[32];
	char reason[ARR_VAL];
	int has_reason;
	struct arr_prop prop[ARR_MAXPROP];
	int nprop;
};

struct arr_field {
	char id[ARR_VAL];
	struct arr_res res[ARR_MAXRES];
	int nres;
	int none; /* "; none" (no-result) */
};

/* arr_expect - what a value the builder was given must read back as: the
 * same text without control characters and bytes that are not UTF-8 */
static void
arr_expect(const char *in, char *out)
{
	const unsigned char *p = (const unsigned char *)in;
	const unsigned char *end = p + strlen(in);
	size_t n, o = 0;

	while (p < end) {
		n = utf8_seqlen(p, (size_t)(end - p));
		if (n == 0 || (n == 1 && (*p < ' ' || *p == 127))) {
			p++;
			continue;
		}
		memcpy(out + o, p, n);
		o += n;
		p += n;
	}
	out[o] = '\0';
}

/* arr_b64 - base64 characters only, at least one: a b= prefix the
 * builder writes as header.b (RFC 6008) */
static int
arr_b64(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			(*s >= '0' && *s <= '9') || *s == '+' || *s == '/' ||
			*s == '='))
			return 0;
	return 1;
}

/* arr_cfws - skip FWS and nested comments; -1 on an open comment */
static int
arr_cfws(const char **pp)
{
	const char *p = *pp;
	int depth;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p != '(')
			break;
		for (depth = 0;; p++) {
			if (*p == '\0')
				return -1;
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
	*pp = p;
	return 0;
}

/* arr_tokch - RFC 2045 token character */
static int
arr_tokch(int c)
{
	return c > ' ' && c < 127 && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* arr_quoted - quoted-string at *pp (on the '"'), undone into out */
static int
arr_quoted(const char **pp, char *out, size_t cap)
{
	const char *p = *pp + 1;
	size_t n = 0;

	for (; *p != '"'; p++) {
		if (*p == '\0')
			return -1;
		if (*p == '\r' || *p == '\n')
			continue; /* folding */
		if (*p == '\\') {
			if (p[1] == '\0')
				return -1;
			p++;
		} else if ((unsigned char)*p < ' ' && *p != '\t')
			return -1;
		if (n + 1 >= cap)
			return -1;
		out[n++] = *p;
	}
	out[n] = '\0';
	*pp = p + 1;
	return 0;
}

/* arr_value - RFC 2045 value: token or quoted-string */
static int
arr_value(const char **pp, char *out, size_t cap)
{
	const char *p = *pp;
	size_t n = 0;

	if (*p == '"')
		return arr_quoted(pp, out, cap);
	while (arr_tokch((unsigned char)*p)) {
		if (n + 1 >= cap)
			return -1;
		out[n++] = *p++;
	}
	if (n == 0)
		return -1;
	out[n] = '\0';
	*pp = p;
	return 0;
}

/* arr_pvalue - RFC 8601 pvalue: value, or [[local-part] "@"] domain */
static int
arr_pvalue(const char **pp, char *out, size_t cap)
{
	const char *p = *pp;
	size_t n = 0;

	if (*p == '"')
		return arr_quoted(pp, out, cap);
	/* a dot-atom local-part allows '=', '/', '?' that a token does not;
	 * without an '@' the value must be a token */
	while (*p != '\0' && *p != ';' && *p != '(' && *p != ' ' &&
	    *p != '\t' && *p != '\r' && *p != '\n') {
		if (*p == '"' || *p == '\\' || (unsigned char)*p < ' ' ||
		    (unsigned char)*p >= 127)
			return -1;
		if (n + 1 >= cap)
			return -1;
		out[n++] = *p++;
	}
	out[n] = '\0';
	if (n == 0)
		return -1;
	if (strchr(out, '@') == NULL) {
		for (n = 0; out[n] != '\0'; n++)
			if (!arr_tokch((unsigned char)out[n]))
				return -1;
	} else if (strchr(strchr(out, '@') + 1, '@') != NULL)
		return -1;
	*pp = p;
	return 0;
}

/* arr_word - a keyword (method, result, ptype, property): alnum, '-',
 * '_', lowercased */
static int
arr_word(const char **pp, char *out, size_t cap)
{
	const char *p = *pp;
	size_t n = 0;

	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_') {
		if (n + 1 >= cap)
			return -1;
		out[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
		p++;
	}
	if (n == 0)
		return -1;
	out[n] = '\0';
	*pp = p;
	return 0;
}

/* arr_eq - [CFWS] "=" [CFWS] */
static int
arr_eq(const char **pp)
{
	if (arr_cfws(pp) < 0 || **pp != '=')
		return -1;
	(*pp)++;
	return arr_cfws(pp);
}

/* arr_resinfo - one resinfo after its ';' */
static int
arr_resinfo(const char **pp, struct arr_res *r)
{
	struct arr_prop *pr;
	const char *save;
	char word[64];

	memset(r, 0, sizeof *r);
	if (arr_word(pp, r->method, sizeof r->method) < 0 || arr_eq(pp) < 0 ||
	    arr_word(pp, r->result, sizeof r->result) < 0)
		return -1;
	for (;;) {
		if (arr_cfws(pp) < 0)
			return -1;
		if (**pp == ';' || **pp == '\0')
			return 0;
		save = *pp;
		if (arr_word(pp, word, sizeof word) < 0)
			return -1;
		if (strcmp(word, "reason") == 0 && r->nprop == 0 &&
		    !r->has_reason && arr_eq(pp) == 0) {
			if (arr_value(pp, r->reason, sizeof r->reason) < 0)
				return -1;
			r->has_reason = 1;
			continue;
		}
		*pp = save;
		if (r->nprop == ARR_MAXPROP)
			return -1;
		pr = &r->prop[r->nprop];
		if (arr_word(pp, pr->name, 32) < 0 || arr_cfws(pp) < 0 ||
		    **pp != '.')
			return -1;
		(*pp)++;
		strcat(pr->name, ".");
		if (arr_cfws(pp) < 0 || arr_word(pp, word, 30) < 0)
			return -1;
		strcat(pr->name, word);
		if (arr_eq(pp) < 0 ||
		    arr_pvalue(pp, pr->value, sizeof pr->value) < 0)
			return -1;
		r->nprop++;
	}
}

/* arr_parse - a whole field value; 0 or -1 */
static int
arr_parse(const char *value, struct arr_field *f)
{
	const char *p = value;
	char ver[16];

	memset(f, 0, sizeof *f);
	if (arr_cfws(&p) < 0 || arr_value(&p, f->id, sizeof f->id) < 0 ||
	    arr_cfws(&p) < 0)
		return -1;
	if (*p >= '0' && *p <= '9' &&
	    (arr_word(&p, ver, sizeof ver) < 0 || arr_cfws(&p) < 0))
		return -1;
	while (*p == ';') {
		p++;
		if (arr_cfws(&p) < 0)
			return -1;
		if (f->nres == 0 && strncmp(p, "none", 4) == 0 &&
		    !arr_tokch((unsigned char)p[4]) && p[4] != '=') {
			p += 4;
			f->none = 1;
			if (arr_cfws(&p) < 0)
				return -1;
			break;
		}
		if (f->nres == ARR_MAXRES ||
		    arr_resinfo(&p, &f->res[f->nres]) < 0)
			return -1;
		f->nres++;
	}
	return *p == '\0' ? 0 : -1;
}

/* arr_prop_get - the value of property name in r, or NULL */
static const char *
arr_prop_get(const struct arr_res *r, const char *name)
{
	int i;

	for (i = 0; i < r->nprop; i++)
		if (strcmp(r->prop[i].name, name) == 0)
			return r->prop[i].value;
	return NULL;
}

#endif /* AR_READER_H */
