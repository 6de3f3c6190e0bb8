/*
 * dmarc_record.c - the DMARC record parser (RFC 7489 6.3, 6.4) and the
 *		    names of its values.
 *
 * EXPORTS
 *	dmarc_record_parse, dmarc_disp_str, dmarc_mode_str,
 *	dmarc_status_str
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dmarc.h"

#define WSP " \t"

/* printable - copy src into dst, bytes outside printable ASCII as '?' */
static void
printable(char *dst, size_t len, const char *src, size_t n)
{
	size_t i;

	if (len == 0)
		return;
	for (i = 0; i < n && i + 1 < len; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = '\0';
}

/* trim - the value without blanks around it */
static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && strchr(WSP, (*s)[0]) != NULL) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && strchr(WSP, (*s)[*n - 1]) != NULL)
		(*n)--;
}

/* is - value equals word, without case (RFC 5234 strings) */
static int
is(const char *v, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(v, word, n) == 0;
}

/* disp - "none", "quarantine", "reject" (6.3 "p"); -1 otherwise */
static int
disp(const char *v, size_t n)
{
	if (is(v, n, "none"))
		return DMARC_DISP_NONE;
	if (is(v, n, "quarantine"))
		return DMARC_DISP_QUARANTINE;
	if (is(v, n, "reject"))
		return DMARC_DISP_REJECT;
	return -1;
}

/* digits - 1*max DIGIT, its value in *out; -1 otherwise */
static int
digits(const char *v, size_t n, size_t max, unsigned long long *out)
{
	size_t i;

	if (n == 0 || n > max)
		return -1;
	*out = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)v[i]))
			return -1;
		*out = *out * 10 + (unsigned)(v[i] - '0');
	}
	return 0;
}

/*
 * uri_list - dmarc-uri *(*WSP "," *WSP dmarc-uri) (6.4): each a URI with
 * a scheme (RFC 3986 3.1) and something after it, optionally "!" size
 * with a unit k, m, g or t.  Commas and '!' inside a URI must be
 * %-encoded (6.2), so they end one.
 */
static int
uri_list(const char *v, size_t n)
{
	const char *end = v + n, *p = v, *u;
	size_t i, len;

	for (;;) {
		u = p;
		while (p < end && *p != ',' && *p != '!' &&
		    strchr(WSP, *p) == NULL)
			p++;
		len = (size_t)(p - u);
		if (len == 0 || !isalpha((unsigned char)u[0]))
			return -1;
		for (i = 1; i < len && u[i] != ':'; i++)
			if (!isalnum((unsigned char)u[i]) &&
			    strchr("+-.", u[i]) == NULL)
				return -1;
		if (i + 1 >= len) /* no ':' or nothing after it */
			return -1;
		if (p < end && *p == '!') {
			const char *d = ++p;

			while (p < end && isdigit((unsigned char)*p))
				p++;
			if (p == d)
				return -1;
			if (p < end && strchr("kmgtKMGT", *p) != NULL)
				p++;
		}
		while (p < end && strchr(WSP, *p) != NULL)
			p++;
		if (p == end)
			return 0;
		if (*p != ',')
			return -1;
		p++;
		while (p < end && strchr(WSP, *p) != NULL)
			p++;
	}
}

/* keywords - ALPHA-led words joined by ':' (6.4 "rf"), or of set ("fo") */
static int
keywords(const char *v, size_t n, const char *set)
{
	size_t i, start = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && v[i] != ':')
			continue;
		if (i == start)
			return -1;
		if (set != NULL) {
			if (i - start != 1 || strchr(set, v[start]) == NULL)
				return -1;
		} else {
			if (!isalpha((unsigned char)v[start]))
				return -1;
			for (size_t j = start; j < i; j++)
				if (!isalnum((unsigned char)v[j]))
					return -1;
		}
		start = i + 1;
	}
	return 0;
}

/* bad - fill the error, the record invalid */
static int
bad(struct dmarc_record *rec, const char *tag, size_t tlen, const char *v,
    size_t vlen, const char *why)
{
	char t[32], val[128];

	printable(t, sizeof t, tag, tlen);
	printable(val, sizeof val, v, vlen);
	rec->valid = 0;
	snprintf(rec->error, sizeof rec->error, "%s=%s: %s", t, val, why);
	return -1;
}

/* version - "v" *WSP "=" *WSP "DMARC1" as the first tag (6.4) */
static int
version(const char *tag, size_t tlen, const char *v, size_t vlen)
{
	return is(tag, tlen, "v") && is(v, vlen, "DMARC1");
}

/* dmarc_record_parse - the whole record, every tag checked */
int
dmarc_record_parse(const char *txt, struct dmarc_record *rec)
{
	const char *p = txt, *semi, *eq, *tag, *v;
	size_t tlen, vlen, n;
	int first = 1, have_p = 0, bad_p = 0, bad_sp = 0, have_rua = 0, r;
	unsigned long long num;
	char seen[16] = "";
	static const char *const known[] = {"v", "p", "sp", "adkim", "aspf",
	    "pct", "rua", "ruf", "fo", "rf", "ri"};
	char why[DMARC_TEXT_MAX] = "";

	memset(rec, 0, sizeof *rec);
	rec->pct = 100;
	printable(rec->text, sizeof rec->text, txt, strlen(txt));
	for (;;) {
		semi = strchr(p, ';');
		n = semi ? (size_t)(semi - p) : strlen(p);
		tag = p;
		trim(&tag, &n);
		if (n == 0) { /* empty: "a=b;" ends with one */
			if (first)
				return bad(rec, "v", 1, "", 0,
				    "the record must start with v=DMARC1");
			goto next;
		}
		if ((eq = memchr(tag, '=', n)) == NULL)
			return bad(rec, tag, n, "", 0, "not a tag=value pair");
		tlen = (size_t)(eq - tag);
		v = eq + 1;
		vlen = n - tlen - 1;
		trim(&tag, &tlen);
		trim(&v, &vlen);
		if (first) {
			if (!version(tag, tlen, v, vlen))
				return bad(rec, tag, tlen, v, vlen,
				    "the record must start with v=DMARC1");
			first = 0;
			goto next;
		}
		for (size_t k = 1; k < sizeof known / sizeof known[0]; k++) {
			if (!is(tag, tlen, known[k]))
				continue;
			if (seen[k])
				return bad(rec, tag, tlen, v, vlen,
				    "the tag appears twice");
			seen[k] = 1;
		}
		if (is(tag, tlen, "v"))
			return bad(rec, tag, tlen, v, vlen,
			    "v= may only be the first tag");
		if (is(tag, tlen, "p")) {
			have_p = 1;
			if ((r = disp(v, vlen)) < 0) {
				bad_p = 1;
				bad(rec, tag, tlen, v, vlen,
				    "want none, quarantine or reject");
				snprintf(why, sizeof why, "%s", rec->error);
			} else
				rec->p = (enum dmarc_disp)r;
		} else if (is(tag, tlen, "sp")) {
			if ((r = disp(v, vlen)) < 0) {
				bad_sp = 1;
				bad(rec, tag, tlen, v, vlen,
				    "want none, quarantine or reject");
				snprintf(why, sizeof why, "%s", rec->error);
			} else {
				rec->sp = (enum dmarc_disp)r;
				rec->has_sp = 1;
			}
		} else if (is(tag, tlen, "adkim") || is(tag, tlen, "aspf")) {
			enum dmarc_mode *m =
			    tlen == 5 ? &rec->adkim : &rec->aspf;

			if (is(v, vlen, "r"))
				*m = DMARC_RELAXED;
			else if (is(v, vlen, "s"))
				*m = DMARC_STRICT;
			else
				return bad(rec, tag, tlen, v, vlen,
				    "want r (relaxed) or s (strict)");
		} else if (is(tag, tlen, "pct")) {
			if (digits(v, vlen, 3, &num) < 0 || num > 100)
				return bad(rec, tag, tlen, v, vlen,
				    "want a number from 0 to 100");
			rec->pct = (unsigned)num;
		} else if (is(tag, tlen, "rua") || is(tag, tlen, "ruf")) {
			if (uri_list(v, vlen) < 0)
				return bad(rec, tag, tlen, v, vlen,
				    "want URIs separated by commas, such as "
				    "mailto:dmarc@example.com");
			printable(tlen == 3 &&
				    tolower((unsigned char)tag[2]) == 'a' ?
				rec->rua :
				rec->ruf,
			    DMARC_TEXT_MAX, v, vlen);
			if (tolower((unsigned char)tag[2]) == 'a')
				have_rua = 1;
		} else if (is(tag, tlen, "fo")) {
			if (keywords(v, vlen, "01ds") < 0)
				return bad(rec, tag, tlen, v, vlen,
				    "want 0, 1, d or s separated by ':'");
		} else if (is(tag, tlen, "rf")) {
			if (keywords(v, vlen, NULL) < 0)
				return bad(rec, tag, tlen, v, vlen,
				    "want report formats separated by ':'");
		} else if (is(tag, tlen, "ri")) {
			if (digits(v, vlen, 10, &num) < 0 ||
			    num > 4294967295ULL)
				return bad(rec, tag, tlen, v, vlen,
				    "want a number of seconds");
		}
		/* other tags: ignored (6.3) */
	next:
		if (semi == NULL)
			break;
		p = semi + 1;
	}
	if (first)
		return bad(rec, "v", 1, "", 0,
		    "the record must start with v=DMARC1");
	if (!have_p && !bad_p)
		snprintf(why, sizeof why, "no p= tag (want p=none at least)");
	if (!have_p || bad_p || bad_sp) {
		/* 6.6.3 step 6: a valid rua= makes it p=none */
		if (!have_rua) {
			rec->valid = 0;
			snprintf(rec->error, sizeof rec->error, "%s", why);
			return -1;
		}
		rec->p = DMARC_DISP_NONE;
		rec->has_sp = 0;
		rec->p_from_rua = 1;
	}
	if (!rec->has_sp)
		rec->sp = rec->p;
	rec->error[0] = '\0';
	rec->valid = 1;
	return 0;
}

/* dmarc_disp_str - the word of 6.3 */
const char *
dmarc_disp_str(enum dmarc_disp d)
{
	switch (d) {
	case DMARC_DISP_QUARANTINE:
		return "quarantine";
	case DMARC_DISP_REJECT:
		return "reject";
	default:
		return "none";
	}
}

/* dmarc_mode_str - the letter of 6.3 */
const char *
dmarc_mode_str(enum dmarc_mode m)
{
	return m == DMARC_STRICT ? "s" : "r";
}

/* dmarc_status_str - a word for a discovery outcome */
const char *
dmarc_status_str(enum dmarc_status s)
{
	static const char *const w[] = {"found", "absent", "invalid",
	    "multiple", "temperror"};

	return (unsigned)s < sizeof w / sizeof w[0] ? w[s] : "?";
}
