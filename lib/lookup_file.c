/*
 * lookup_file.c - key lookups from a dns.tsv table, and TXT answers.
 *
 * SYNOPSIS
 *	dkim_lookup_file_open, dkim_lookup_file_iface, dkim_lookup_file_free,
 *	dkim_txt_answer_clear, dkim_txt_answer_add (dkim.h)
 *
 * DESCRIPTION
 *	One "name<TAB>TXT" per line; blank lines and lines starting with '#'
 *	are skipped.  TXT may be @NXDOMAIN, @NODATA, @SERVFAIL or @TIMEOUT.
 *	Names compare case-insensitively (RFC 4343), a trailing dot ignored;
 *	names not listed are NXDOMAIN; several lines with one name are
 *	several records.  Every answer has TTL 300.  The table is read once
 *	and is read-only afterwards, so queries may come from any thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dkim.h"

#define LOOKUP_TTL 300

struct lf_entry {
	char *name;
	char *txt; /* NULL when status says otherwise */
	dkim_dns_status status;
	size_t seq; /* line order, kept among equal names */
};

struct dkim_lookup_file {
	struct lf_entry *ent;
	size_t n, cap;
};

/* dkim_txt_answer_clear - free the records and reset the answer */
DKIM_API void
dkim_txt_answer_clear(dkim_txt_answer *ans)
{
	size_t i;

	if (ans == NULL)
		return;
	for (i = 0; i < ans->count && i < DKIM_TXT_MAX; i++)
		free(ans->txt[i]);
	memset(ans, 0, sizeof(*ans));
}

/* dkim_txt_answer_add - append a copy of one record (beyond
 * DKIM_TXT_MAX records are dropped) */
DKIM_API dkim_rc
dkim_txt_answer_add(dkim_txt_answer *ans, const char *txt, size_t len)
{
	char *copy;

	if (ans->count >= DKIM_TXT_MAX)
		return DKIM_OK;
	if ((copy = malloc(len + 1)) == NULL)
		return DKIM_ENOMEM;
	memcpy(copy, txt, len);
	copy[len] = '\0';
	ans->txt[ans->count++] = copy;
	return DKIM_OK;
}

/* name_len - length without one trailing dot */
static size_t
name_len(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && name[n - 1] == '.' ? n - 1 : n;
}

/* lf_status - an @-keyword, or DKIM_DNS_OK for a plain record */
static int
lf_status(const char *txt, dkim_dns_status *st)
{
	static const struct {
		const char *word;
		dkim_dns_status st;
	} kw[] = {
	    {"@NXDOMAIN", DKIM_DNS_NXDOMAIN},
	    {"@NODATA", DKIM_DNS_NODATA},
	    {"@SERVFAIL", DKIM_DNS_SERVFAIL},
	    {"@TIMEOUT", DKIM_DNS_TIMEOUT},
	};
	size_t k;

	*st = DKIM_DNS_OK;
	if (txt[0] != '@')
		return 0;
	for (k = 0; k < sizeof(kw) / sizeof(kw[0]); k++)
		if (strcmp(txt, kw[k].word) == 0) {
			*st = kw[k].st;
			return 0;
		}
	return -1;
}

/* lf_add_line - parse one line (without its newline) into an entry */
static dkim_rc
lf_add_line(dkim_lookup_file *lf, char *line, const char *path,
    unsigned long lineno, char *err, size_t errlen)
{
	struct lf_entry e;
	char *tab, *txt;

	if (line[0] == '\0' || line[0] == '#')
		return DKIM_OK;
	if ((tab = strchr(line, '\t')) == NULL || tab == line) {
		snprintf(err, errlen, "%s:%lu: expected name<TAB>TXT", path,
		    lineno);
		return DKIM_EINVAL;
	}
	*tab = '\0';
	for (txt = tab + 1; *txt == '\t'; txt++)
		;
	if (lf_status(txt, &e.status) < 0) {
		snprintf(err, errlen, "%s:%lu: unknown keyword %s", path,
		    lineno, txt);
		return DKIM_EINVAL;
	}
	if (lf->n == lf->cap) {
		size_t ncap = lf->cap ? lf->cap * 2 : 32;
		struct lf_entry *ne = reallocarray(lf->ent, ncap, sizeof(*ne));

		if (ne == NULL)
			return DKIM_ENOMEM;
		lf->ent = ne;
		lf->cap = ncap;
	}
	e.name = strndup(line, name_len(line));
	e.txt = e.status == DKIM_DNS_OK ? strdup(txt) : NULL;
	if (e.name == NULL || (e.status == DKIM_DNS_OK && e.txt == NULL)) {
		free(e.name);
		free(e.txt);
		return DKIM_ENOMEM;
	}
	e.seq = lf->n;
	lf->ent[lf->n++] = e;
	return DKIM_OK;
}

/* ent_order - by name without case, then in file order */
static int
ent_order(const void *a, const void *b)
{
	const struct lf_entry *x = a, *y = b;
	int r = strcasecmp(x->name, y->name);

	return r != 0 ? r : x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* name_cmp - an entry's name against the first nlen octets of name, in
 * ent_order's order */
static int
name_cmp(const char *ename, const char *name, size_t nlen)
{
	int r = strncasecmp(ename, name, nlen);

	return r != 0 ? r : ename[nlen] != '\0';
}

/* lf_read - read every line of f */
static dkim_rc
lf_read(dkim_lookup_file *lf, FILE *f, const char *path, char *err,
    size_t errlen)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;
	dkim_rc rc = DKIM_OK;

	while (rc == DKIM_OK && (n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		rc = lf_add_line(lf, line, path, lineno, err, errlen);
	}
	if (rc == DKIM_OK && ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = DKIM_EIO;
	}
	if (rc == DKIM_ENOMEM)
		snprintf(err, errlen, "out of memory");
	free(line);
	return rc;
}

/* dkim_lookup_file_open - load a dns.tsv table */
DKIM_API dkim_rc
dkim_lookup_file_open(const char *path, dkim_lookup_file **out, char *err,
    size_t errlen)
{
	dkim_lookup_file *lf;
	char dummy[1];
	dkim_rc rc;
	FILE *f;

	*out = NULL;
	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return DKIM_EIO;
	}
	if ((lf = calloc(1, sizeof(*lf))) == NULL) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return DKIM_ENOMEM;
	}
	rc = lf_read(lf, f, path, err, errlen);
	fclose(f);
	if (rc != DKIM_OK) {
		dkim_lookup_file_free(lf);
		return rc;
	}
	/* sorted, so a query is a binary search, not a scan of the table */
	if (lf->n > 1)
		qsort(lf->ent, lf->n, sizeof(*lf->ent), ent_order);
	*out = lf;
	return DKIM_OK;
}

/* lf_query - dkim_lookup.query over the table */
static dkim_rc
lf_query(void *ctx, const char *name, dkim_txt_answer *ans)
{
	const dkim_lookup_file *lf = ctx;
	size_t i, lo = 0, hi = lf->n, nlen = name_len(name);

	memset(ans, 0, sizeof(*ans));
	ans->status = DKIM_DNS_NXDOMAIN;
	ans->ttl = LOOKUP_TTL;
	while (lo < hi) { /* the first entry not below name */
		size_t mid = lo + (hi - lo) / 2;

		if (name_cmp(lf->ent[mid].name, name, nlen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < lf->n; i++) {
		const struct lf_entry *e = &lf->ent[i];

		if (name_cmp(e->name, name, nlen) != 0)
			break;
		if (e->status != DKIM_DNS_OK) {
			dkim_txt_answer_clear(ans);
			ans->status = e->status;
			ans->ttl = LOOKUP_TTL;
			return DKIM_OK;
		}
		ans->status = DKIM_DNS_OK;
		if (dkim_txt_answer_add(ans, e->txt, strlen(e->txt)) !=
		    DKIM_OK) {
			dkim_txt_answer_clear(ans);
			return DKIM_ENOMEM;
		}
	}
	return DKIM_OK;
}

/* dkim_lookup_file_iface - the dkim_lookup that queries this table */
DKIM_API dkim_lookup
dkim_lookup_file_iface(dkim_lookup_file *lf)
{
	dkim_lookup l;

	l.query = lf_query;
	l.ctx = lf;
	return l;
}

/* dkim_lookup_file_free - release the table; NULL is a no-op */
DKIM_API void
dkim_lookup_file_free(dkim_lookup_file *lf)
{
	size_t i;

	if (lf == NULL)
		return;
	for (i = 0; i < lf->n; i++) {
		free(lf->ent[i].name);
		free(lf->ent[i].txt);
	}
	free(lf->ent);
	free(lf);
}
