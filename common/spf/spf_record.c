/*
 * spf_record.c - one SPF record, parsed and syntax-checked as a whole
 *		  before anything is evaluated (RFC 7208 4.6: a syntax
 *		  error anywhere is a permerror, even after a directive
 *		  that would match).
 *
 * DESCRIPTION
 *	record    = version terms *SP            (4.5, 12)
 *	terms     = *( 1*SP ( directive / modifier ) )
 *	directive = [ qualifier ] mechanism      (4.6.1, 4.6.2)
 *	modifier  = redirect / explanation / unknown-modifier (6)
 *	A term is a modifier when "=" comes before any ":" or "/" (4.6.1).
 *	Only printable ASCII and spaces are accepted (3.1, 4.6.1: terms
 *	are separated by spaces only).  redirect= and exp= may appear once
 *	each (6); known modifier names never fall back to unknown-modifier.
 *
 * EXPORTS
 *	spf_record_is_spf, spf_record_parse, spf_record_free (spf_int.h)
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spf_int.h"

static const struct {
	const char *name;
	enum spf_mech mech;
} mechs[] = {{"all", SPF_M_ALL}, {"include", SPF_M_INCLUDE}, {"a", SPF_M_A},
    {"mx", SPF_M_MX}, {"ptr", SPF_M_PTR}, {"ip4", SPF_M_IP4},
    {"ip6", SPF_M_IP6}, {"exists", SPF_M_EXISTS}};

/* spf_record_is_spf - RFC 7208 4.5: "v=spf1" alone or before a space */
int
spf_record_is_spf(const char *txt)
{
	return strncasecmp(txt, "v=spf1", 6) == 0 &&
	    (txt[6] == ' ' || txt[6] == '\0');
}

/* fail - fill err and return -1 */
static int
fail(char *err, size_t errlen, const char *why, const char *term)
{
	snprintf(err, errlen, "%s: \"%s\"", why, term);
	spf_printable(err); /* the record is ASCII-checked; be sure */
	return -1;
}

/* cidr_num - "0" / %x31-39 0*2DIGIT up to max (4.6.1 ip4/ip6-cidr-length) */
static int
cidr_num(const char *s, unsigned max, unsigned *out)
{
	unsigned long n;
	char *end;

	if (!isdigit((unsigned char)s[0]) || (s[0] == '0' && s[1] != '\0') ||
	    strlen(s) > 3)
		return -1;
	n = strtoul(s, &end, 10);
	if (*end != '\0' || n > max)
		return -1;
	*out = (unsigned)n;
	return 0;
}

/* all_digits - a non-empty run of digits */
static int
all_digits(const char *s)
{
	return *s != '\0' && strspn(s, "0123456789") == strlen(s);
}

/*
 * cut_cidr - take a trailing "/N" (and, with dual, "//N" for IPv6) off
 * r; dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ].
 * For ip6: one "/N" is the IPv6 length.
 */
static int
cut_cidr(char *r, struct spf_term *t)
{
	char *p;

	if (t->mech == SPF_M_IP6) {
		if ((p = strrchr(r, '/')) != NULL && all_digits(p + 1)) {
			if (cidr_num(p + 1, 128, &t->cidr6) < 0)
				return -1;
			*p = '\0';
		}
		return 0;
	}
	if (t->mech != SPF_M_IP4 && (p = strstr(r, "//")) != NULL &&
	    all_digits(p + 2)) {
		if (cidr_num(p + 2, 128, &t->cidr6) < 0)
			return -1;
		*p = '\0';
	}
	if ((p = strrchr(r, '/')) != NULL && all_digits(p + 1)) {
		if (cidr_num(p + 1, 32, &t->cidr4) < 0)
			return -1;
		*p = '\0';
	}
	return 0;
}

/* find_mech - the mechanism named by s[0..len), -1 if unknown */
static int
find_mech(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof mechs / sizeof mechs[0]; i++)
		if (strlen(mechs[i].name) == len &&
		    strncasecmp(mechs[i].name, s, len) == 0)
			return (int)mechs[i].mech;
	return -1;
}

/* qualifier - 4.6.2: "+" pass (default), "-" fail, "~" softfail, "?" */
static enum spf_result
qualifier(char **p)
{
	switch (**p) {
	case '+':
		(*p)++;
		return SPF_PASS;
	case '-':
		(*p)++;
		return SPF_FAIL;
	case '~':
		(*p)++;
		return SPF_SOFTFAIL;
	case '?':
		(*p)++;
		return SPF_NEUTRAL;
	}
	return SPF_PASS;
}

/* parse_args - what follows the mechanism name: ":" argument, CIDR */
static int
parse_args(struct spf_term *t, char *r)
{
	int need = t->mech == SPF_M_INCLUDE || t->mech == SPF_M_EXISTS ||
	    t->mech == SPF_M_IP4 || t->mech == SPF_M_IP6;
	int cidr = t->mech == SPF_M_A || t->mech == SPF_M_MX ||
	    t->mech == SPF_M_IP4 || t->mech == SPF_M_IP6;

	if (t->mech == SPF_M_ALL)
		return *r == '\0' ? 0 : -1;
	if (cidr && cut_cidr(r, t) < 0)
		return -1;
	if (*r == '\0')
		return need ? -1 : 0;
	if (*r != ':')
		return -1;
	r++;
	if (t->mech == SPF_M_IP4)
		return inet_pton(AF_INET, r, t->net.b) == 1 ? 0 : -1;
	if (t->mech == SPF_M_IP6) {
		t->net.v6 = 1;
		return inet_pton(AF_INET6, r, t->net.b) == 1 ? 0 : -1;
	}
	if (spf_domain_spec_check(r, strlen(r)) < 0)
		return -1;
	t->spec = r;
	return 0;
}

/* parse_directive - [qualifier] mechanism (4.6.1, 5) */
static int
parse_directive(char *w, struct spf_term *t)
{
	size_t n;
	int m;

	t->qual = qualifier(&w);
	t->cidr4 = 32;
	t->cidr6 = 128;
	n = strcspn(w, ":/");
	if ((m = find_mech(w, n)) < 0)
		return -1;
	t->mech = (enum spf_mech)m;
	return parse_args(t, w + n);
}

/* name_ok - name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) */
static int
name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || !isalpha((unsigned char)s[0]))
		return 0;
	for (i = 1; i < len; i++)
		if (!isalnum((unsigned char)s[i]) &&
		    strchr("-_.", s[i]) == NULL)
			return 0;
	return 1;
}

/* parse_modifier - redirect=, exp= (at most once each), unknown (6) */
static int
parse_modifier(char *w, const char *text, struct spf_record *rec, char *err,
    size_t errlen)
{
	size_t n = strcspn(w, "=");
	const char **slot = NULL;
	char *val = w + n + 1;

	if (!name_ok(w, n))
		return fail(err, errlen, "bad modifier name", text);
	if (n == 8 && strncasecmp(w, "redirect", 8) == 0)
		slot = &rec->redirect;
	else if (n == 3 && strncasecmp(w, "exp", 3) == 0)
		slot = &rec->exp;
	if (slot == NULL)
		return spf_macro_check(val, strlen(val), 0) == 0 ?
		    0 :
		    fail(err, errlen, "bad macro in modifier", text);
	if (*slot != NULL)
		return fail(err, errlen, "modifier given twice", text);
	if (spf_domain_spec_check(val, strlen(val)) < 0)
		return fail(err, errlen, "bad domain-spec", text);
	*slot = val;
	if (slot == &rec->redirect)
		rec->redirect_text = text;
	return 0;
}

/* check_chars - printable ASCII and spaces only (3.1, 4.6.1) */
static int
check_chars(const char *txt, char *err, size_t errlen)
{
	const unsigned char *p;

	for (p = (const unsigned char *)txt; *p; p++)
		if (*p < 0x20 || *p > 0x7e) {
			snprintf(err, errlen,
			    "record has a %s byte 0x%02x "
			    "at offset %zu",
			    *p < 0x20 ? "control" : "non-ASCII", *p,
			    (size_t)(p - (const unsigned char *)txt));
			return -1;
		}
	return 0;
}

/* parse_term - one space-delimited term */
static int
parse_term(char *w, const char *text, struct spf_record *rec, char *err,
    size_t errlen)
{
	size_t n = strcspn(w, ":/=");
	struct spf_term *t;

	if (w[n] == '=')
		return parse_modifier(w, text, rec, err, errlen);
	t = &rec->terms[rec->nterms];
	memset(t, 0, sizeof *t);
	t->text = text;
	if (parse_directive(w, t) < 0)
		return fail(err, errlen, "bad mechanism", text);
	rec->nterms++;
	return 0;
}

/* spf_record_parse - see spf_int.h */
int
spf_record_parse(const char *txt, struct spf_record *rec, char *err,
    size_t errlen)
{
	size_t len = strlen(txt), i, max = len / 2 + 1;
	char *work, *text, *save = NULL, *w;

	memset(rec, 0, sizeof *rec);
	if (!spf_record_is_spf(txt))
		return fail(err, errlen, "not an SPF record", txt);
	if (check_chars(txt, err, errlen) < 0)
		return -1;
	/* two copies: text keeps each term as written, work is cut up */
	if ((rec->buf = malloc(2 * (len + 1))) == NULL ||
	    (rec->terms = calloc(max, sizeof *rec->terms)) == NULL) {
		spf_record_free(rec);
		return -2;
	}
	text = rec->buf;
	work = rec->buf + len + 1;
	memcpy(text, txt, len + 1);
	memcpy(work, txt, len + 1);
	for (i = 0; i < len; i++)
		if (text[i] == ' ')
			text[i] = '\0';
	for (w = strtok_r(work + 6, " ", &save); w != NULL;
	     w = strtok_r(NULL, " ", &save))
		if (parse_term(w, text + (w - work), rec, err, errlen) < 0) {
			spf_record_free(rec);
			return -1;
		}
	return 0;
}

/* spf_record_free - release a parsed record; it is left empty */
void
spf_record_free(struct spf_record *rec)
{
	free(rec->buf);
	free(rec->terms);
	memset(rec, 0, sizeof *rec);
}
