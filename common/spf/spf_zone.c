/*
 * spf_zone.c - the file-backed zone of spf_zone.h: reading the file and
 *		answering A, AAAA, MX, PTR and TXT questions from it.
 *
 * EXPORTS
 *	spf_zone_open, spf_zone_dns, spf_zone_queries, spf_zone_free
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spf_zone.h"
#include "util/errlist.h"
#include "util/tables.h"

#define MAX_CHAIN 8

enum ztype {
	Z_TXT,
	Z_A,
	Z_AAAA,
	Z_MX,
	Z_PTR,
	Z_CNAME,
	Z_SPF,
	Z_TIMEOUT
};

static const char *const tnames[] = {"TXT", "A", "AAAA", "MX", "PTR", "CNAME",
    "SPF", "TIMEOUT"};

struct zrr {
	char *name; /* lower case, no final dot */
	enum ztype type;
	char *value;
	size_t len;
};

struct spf_zone {
	struct zrr *rr;
	size_t n, cap;
	unsigned queries;
	char err[256]; /* the first bad line, "FILE:LINE: ..." */
};

/* norm - a lower-case copy of name without its final dot */
static char *
norm(const char *name)
{
	char *s = strdup(name);
	size_t i, n;

	if (s == NULL)
		return NULL;
	for (i = 0; s[i]; i++)
		s[i] = (char)tolower((unsigned char)s[i]);
	if ((n = strlen(s)) > 1 && s[n - 1] == '.')
		s[n - 1] = '\0';
	return s;
}

/* unescape - "\\" and "\xHH" in place; the length, or -1 */
static long
unescape(char *s)
{
	char *o = s, *start = s, hex[3] = {0};

	while (*s) {
		if (*s != '\\') {
			*o++ = *s++;
			continue;
		}
		if (s[1] == '\\') {
			*o++ = '\\';
			s += 2;
		} else if (s[1] == 'x' && isxdigit((unsigned char)s[2]) &&
		    isxdigit((unsigned char)s[3])) {
			hex[0] = s[2];
			hex[1] = s[3];
			*o++ = (char)strtoul(hex, NULL, 16);
			s += 4;
		} else
			return -1;
	}
	*o = '\0';
	return (long)(o - start);
}

/* add_line - one "NAME TYPE VALUE" line (tables_entry_fn) */
static int
add_line(void *arg, struct tables_entry *e)
{
	const char *file = e->file;
	unsigned line = e->line;
	char **field = e->field, *rest = e->rest;
	int nfield = e->nfield;
	struct spf_zone *z = arg;
	struct zrr *r;
	size_t t, tl;
	char *val, *start;
	long vlen;

	tl = strcspn(rest, " \t");
	for (t = 0; t < sizeof tnames / sizeof tnames[0]; t++)
		if (strlen(tnames[t]) == tl &&
		    strncasecmp(rest, tnames[t], tl) == 0)
			break;
	if (nfield < 2 || t == sizeof tnames / sizeof tnames[0]) {
		snprintf(z->err, sizeof z->err,
		    "%s:%u: want NAME TYPE "
		    "VALUE, TYPE one of TXT A AAAA MX PTR CNAME SPF TIMEOUT",
		    file, line);
		return -1;
	}
	start = rest + tl;
	start += strspn(start, " \t");
	if (z->n == z->cap) {
		size_t cap = z->cap ? 2 * z->cap : 64;

		if ((r = realloc(z->rr, cap * sizeof *r)) == NULL)
			return -1;
		z->rr = r;
		z->cap = cap;
	}
	r = &z->rr[z->n];
	if (unescape(field[0]) < 0 || (vlen = unescape(start)) < 0) {
		snprintf(z->err, sizeof z->err,
		    "%s:%u: bad escape (write "
		    "\\\\ or \\xHH)",
		    file, line);
		return -1;
	}
	if ((val = malloc((size_t)vlen + 1)) == NULL ||
	    (r->name = norm(field[0])) == NULL) {
		free(val);
		return -1;
	}
	memcpy(val, start, (size_t)vlen + 1);
	r->type = (enum ztype)t;
	r->value = val;
	r->len = (size_t)vlen;
	for (t = 0; t < r->len; t++) /* as the resolver: NUL cannot cut */
		if (val[t] == '\0')
			val[t] = 0x7f;
	z->n++;
	return 0;
}

/* spf_zone_open - read the whole file */
int
spf_zone_open(const char *path, struct spf_zone **out, char *err, size_t errlen)
{
	struct errlist el = {0};
	struct spf_zone *z;

	*out = NULL;
	if ((z = calloc(1, sizeof *z)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (tables_read(path, add_line, z, &el) < 0) {
		snprintf(err, errlen, "%s",
		    el.count      ? errlist_str(&el) :
			z->err[0] ? z->err :
				    "out of memory");
		errlist_free(&el);
		spf_zone_free(z);
		return -1;
	}
	errlist_free(&el);
	*out = z;
	return 0;
}

/* spf_zone_free - release everything */
void
spf_zone_free(struct spf_zone *z)
{
	size_t i;

	if (z == NULL)
		return;
	for (i = 0; i < z->n; i++) {
		free(z->rr[i].name);
		free(z->rr[i].value);
	}
	free(z->rr);
	free(z);
}

/* has - does name own a line of type (or of any type when type < 0) */
static const struct zrr *
has(const struct spf_zone *z, const char *name, int type)
{
	size_t i;

	for (i = 0; i < z->n; i++)
		if (strcmp(z->rr[i].name, name) == 0 &&
		    (type < 0 || (int)z->rr[i].type == type))
			return &z->rr[i];
	return NULL;
}

/* answer - the records of type at name, CNAMEs followed */
static int
answer(struct spf_zone *z, const char *qname, enum ztype type,
    struct spf_rrset *out)
{
	const struct zrr *c;
	char *name = norm(qname), *next;
	size_t i;
	int hops = 0;

	memset(out, 0, sizeof *out);
	if (name == NULL)
		return -1;
	z->queries++;
	while ((c = has(z, name, Z_CNAME)) != NULL && type != Z_CNAME) {
		if (++hops > MAX_CHAIN || (next = norm(c->value)) == NULL) {
			free(name);
			out->status = SPF_DNS_TEMPFAIL;
			return hops > MAX_CHAIN ? 0 : -1;
		}
		free(name);
		name = next;
	}
	for (i = 0; i < z->n; i++)
		if (strcmp(z->rr[i].name, name) == 0 && z->rr[i].type == type &&
		    spf_rrset_add(out, z->rr[i].value, z->rr[i].len) < 0) {
			free(name);
			spf_rrset_clear(out);
			return -1;
		}
	if (out->total > 0)
		out->status = SPF_DNS_OK;
	else if (has(z, name, Z_TIMEOUT))
		out->status = SPF_DNS_TEMPFAIL;
	else
		out->status =
		    has(z, name, -1) ? SPF_DNS_NODATA : SPF_DNS_NXDOMAIN;
	free(name);
	return 0;
}

static int
q_txt(void *z, const char *n, struct spf_rrset *o)
{
	return answer(z, n, Z_TXT, o);
}
static int
q_a(void *z, const char *n, struct spf_rrset *o)
{
	return answer(z, n, Z_A, o);
}
static int
q_aaaa(void *z, const char *n, struct spf_rrset *o)
{
	return answer(z, n, Z_AAAA, o);
}
static int
q_mx(void *z, const char *n, struct spf_rrset *o)
{
	return answer(z, n, Z_MX, o);
}
static int
q_ptr(void *z, const char *n, struct spf_rrset *o)
{
	return answer(z, n, Z_PTR, o);
}

/* spf_zone_dns - the interface */
struct spf_dns
spf_zone_dns(struct spf_zone *z)
{
	struct spf_dns d = {q_txt, q_a, q_aaaa, q_mx, q_ptr, z};

	return d;
}

/* spf_zone_queries - questions answered so far */
unsigned
spf_zone_queries(const struct spf_zone *z)
{
	return z->queries;
}
