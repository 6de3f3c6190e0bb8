/*
 * signtable.c - parse and search the signing table (see signtable.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "signtable.h"
#include "util/hashtab.h"

struct signkey {
	const struct keyent *key; /* NULL: "%", the From: domain */
	char *identity;           /* NULL: none */
};

struct signent {
	char *pattern;
	size_t nkeys;
	struct signkey *keys;
};

struct signtable {
	const struct keytable *kt; /* for "%" key names */
	enum tables_kind kind;
	size_t n, cap;
	struct signent *ent;
	/*
	 * The index that makes a lookup independent of the table's size
	 * (NULL: none, every lookup scans): a plain table's patterns, and a
	 * refile: table's "*@DOMAIN" patterns by DOMAIN, without case, to
	 * the first such entry (index + 1); next[i] chains the entries with
	 * the same key in file order.  A refile: table's other patterns are
	 * listed in other[], also in file order, and still scanned.
	 */
	struct hashtab *index;
	size_t *next;
	size_t *other, nother;
};

struct st_state {
	struct signtable *st;
	const struct keytable *kt;
	struct errlist *el;
};

/* ent_keys - resolve KEYNAME[:IDENTITY] fields into e->keys */
static int
ent_keys(struct st_state *s, const char *file, unsigned line, struct signent *e,
    char **f, int nf)
{
	int i;

	if ((e->keys = calloc((size_t)nf, sizeof *e->keys)) == NULL)
		return -1;
	for (i = 0; i < nf; i++) {
		char *colon = strchr(f[i], ':');
		if (colon != NULL)
			*colon++ = '\0';
		e->keys[i].key =
		    strcmp(f[i], "%") == 0 ? NULL : keytable_find(s->kt, f[i]);
		if (e->keys[i].key == NULL && strcmp(f[i], "%") != 0) {
			errlist_add(s->el,
			    "%s:%u: key name '%s' is not in "
			    "the key table",
			    file, line, f[i]);
			continue;
		}
		if (colon != NULL &&
		    (e->keys[i].identity = strdup(colon)) == NULL)
			return -1;
		e->nkeys++;
	}
	return 0;
}

/* user_any - "user@*": the one other '*' a plain table knows */
static int
user_any(const char *p)
{
	size_t n = strlen(p);

	return n > 2 && strcmp(p + n - 2, "@*") == 0 &&
	    strchr(p, '*') == p + n - 1;
}

/* st_line - PATTERN KEYNAME... */
static int
st_line(void *arg, struct tables_entry *te)
{
	struct st_state *s = arg;
	struct signtable *st = s->st;
	struct signent *e;
	const char *file = te->file;
	unsigned line = te->line;
	char **f = te->field;
	int nf = te->nfield;

	if (nf < 2) {
		errlist_add(s->el, "%s:%u: expected PATTERN KEYNAME...", file,
		    line);
		return 0;
	}
	if (st->kind == TABLES_FILE && strchr(f[0], '*') != NULL &&
	    strcmp(f[0], "*") != 0 && !user_any(f[0])) {
		errlist_add(s->el,
		    "%s:%u: '%s': wildcards need a refile: "
		    "table (SigningTable refile:%s)",
		    file, line, f[0], file);
		return 0;
	}
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 8;
		if ((e = realloc(st->ent, cap * sizeof *e)) == NULL)
			return -1;
		st->ent = e;
		st->cap = cap;
	}
	e = &st->ent[st->n++];
	memset(e, 0, sizeof *e);
	if ((e->pattern = strdup(f[0])) == NULL)
		return -1;
	return ent_keys(s, file, line, e, f + 1, nf - 1);
}

/* literal_domain - D is a host name with a dot: letters, digits, '-'
 * and '.', no wildcard, not ".parent" (which names subdomains) */
static int
literal_domain(const char *d)
{
	return isalnum((unsigned char)*d) && strchr(d, '.') != NULL &&
	    strspn(d,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789-.") == strlen(d);
}

/* from_domain - the From: domain PATTERN names literally, or NULL */
static const char *
from_domain(const char *pattern)
{
	const char *at = strrchr(pattern, '@');
	const char *d = at != NULL ? at + 1 : pattern;

	return literal_domain(d) ? d : NULL;
}

/* signtable_from_domains - see signtable.h */
size_t
signtable_from_domains(const struct signtable *st, const char ***out)
{
	const char *d;
	size_t i, n = 0;

	*out = NULL;
	if (st == NULL || st->n == 0 ||
	    (*out = calloc(st->n, sizeof **out)) == NULL)
		return 0;
	for (i = 0; i < st->n; i++)
		if ((d = from_domain(st->ent[i].pattern)) != NULL)
			(*out)[n++] = d;
	return n;
}

/* signtable_pct_keys - see signtable.h */
int
signtable_pct_keys(const struct signtable *st,
    int (*fn)(void *arg, const char *domain, const struct keyent *key),
    void *arg)
{
	size_t i, k;

	for (i = 0; st != NULL && i < st->n; i++) {
		const struct signent *e = &st->ent[i];
		const char *d = from_domain(e->pattern);

		if (d == NULL)
			continue;
		for (k = 0; k < e->nkeys; k++) {
			const struct keyent *key = e->keys[k].key != NULL ?
			    e->keys[k].key :
			    keytable_find(st->kt, d);

			if (key != NULL && strcmp(key->domain, "%") == 0 &&
			    fn(arg, d, key) < 0)
				return -1;
		}
	}
	return 0;
}

/* signtable_free - NULL is a no-op */
void
signtable_free(struct signtable *st)
{
	size_t i, k;

	if (st == NULL)
		return;
	for (i = 0; i < st->n; i++) {
		for (k = 0; k < st->ent[i].nkeys; k++)
			free(st->ent[i].keys[k].identity);
		free(st->ent[i].keys);
		free(st->ent[i].pattern);
	}
	free(st->ent);
	hashtab_free(st->index);
	free(st->next);
	free(st->other);
	free(st);
}

/* index_key - what entry e is found by: its pattern (plain table), the
 * DOMAIN of a "*@DOMAIN" pattern (refile:), or NULL (scanned) */
static const char *
index_key(const struct signtable *st, const struct signent *e)
{
	const char *p = e->pattern;

	if (st->kind != TABLES_REFILE)
		return p;
	return strncmp(p, "*@", 2) == 0 && p[2] != '\0' &&
		strchr(p + 2, '*') == NULL ?
	    p + 2 :
	    NULL;
}

/* index_build - fill st->index, next and other; on ENOMEM leave none */
static void
index_build(struct signtable *st)
{
	size_t i, *tail = calloc(st->n + 1, sizeof *tail);
	const char *key;
	void *head;

	st->index = hashtab_new(st->n, HASHTAB_NOCASE);
	st->next = calloc(st->n + 1, sizeof *st->next);
	st->other = calloc(st->n + 1, sizeof *st->other);
	for (i = 0; i < st->n && tail && st->index && st->next && st->other;
	     i++) {
		if ((key = index_key(st, &st->ent[i])) == NULL)
			st->other[st->nother++] = i;
		else if ((head = hashtab_get(st->index, key)) == NULL) {
			if (hashtab_put(st->index, key,
				(void *)(uintptr_t)(i + 1)) < 0)
				break;
			tail[i] = i;
		} else {
			st->next[tail[(uintptr_t)head - 1]] = i + 1;
			tail[(uintptr_t)head - 1] = i;
		}
	}
	if (i < st->n || st->n == 0) {
		hashtab_free(st->index);
		free(st->next);
		free(st->other);
		st->index = NULL;
		st->next = st->other = NULL;
		st->nother = 0;
	}
	free(tail);
}

/* signtable_load - parse the whole table */
struct signtable *
signtable_load(const char *spec, const struct keytable *kt, struct errlist *el)
{
	struct st_state s;
	const char *path;
	unsigned before = el->count;

	if ((s.st = calloc(1, sizeof *s.st)) == NULL)
		return NULL;
	path = tables_spec(spec, &s.st->kind);
	s.st->kt = kt;
	s.kt = kt;
	s.el = el;
	if (tables_read(path, st_line, &s, el) < 0 || el->count != before) {
		signtable_free(s.st);
		return NULL;
	}
	index_build(s.st);
	return s.st;
}

/* put_sel - append entry e's keys to out, skipping duplicates */
static size_t
put_sel(const struct signtable *st, const struct signent *e, const char *domain,
    struct sigsel *out, size_t n, size_t max)
{
	size_t k, j;

	for (k = 0; k < e->nkeys && n < max; k++) {
		const struct keyent *key = e->keys[k].key != NULL ?
		    e->keys[k].key :
		    keytable_find(st->kt, domain);
		const char *id = e->keys[k].identity;
		const char *d;

		if (key == NULL)
			continue; /* "%": no key named as the domain */
		d = strcmp(key->domain, "%") == 0 ? domain : key->domain;

		for (j = 0; j < n; j++)
			if (out[j].key == key &&
			    strcasecmp(out[j].domain, d) == 0)
				break;
		if (j < n)
			continue;
		out[n].key = key;
		snprintf(out[n].domain, sizeof out[n].domain, "%s", d);
		out[n].identity[0] = '\0';
		if (id != NULL) {
			const char *pct = strchr(id, '%');
			if (pct != NULL)
				snprintf(out[n].identity,
				    sizeof out[n].identity, "%.*s%s%s",
				    (int)(pct - id), id, domain, pct + 1);
			else
				snprintf(out[n].identity,
				    sizeof out[n].identity, "%s", id);
		}
		n++;
	}
	return n;
}

/* indexed - the first entry found by key (index + 1), or 0 */
static size_t
indexed(const struct signtable *st, const char *key)
{
	return (size_t)(uintptr_t)hashtab_get(st->index, key);
}

/*
 * match_refile - wildcard patterns against local@domain in file order.
 * With the index, the "*@DOMAIN" entries of this domain (which all
 * match) are merged by position with the scanned other patterns.
 */
static size_t
match_refile(const struct signtable *st, const char *addr, const char *domain,
    int flags, struct sigsel *out, size_t max)
{
	size_t i, n = 0, simple, o = 0;

	if (st->index == NULL) {
		for (i = 0; i < st->n && n < max; i++)
			if (tables_glob(st->ent[i].pattern, addr)) {
				n = put_sel(st, &st->ent[i], domain, out, n,
				    max);
				if (!(flags & SIGNTABLE_MULTIPLE))
					break;
			}
		return n;
	}
	simple = indexed(st, domain); /* index + 1, 0: none */
	while (n < max && (simple != 0 || o < st->nother)) {
		if (o < st->nother &&
		    (simple == 0 || st->other[o] < simple - 1)) {
			i = st->other[o++];
			if (!tables_glob(st->ent[i].pattern, addr))
				continue;
		} else {
			i = simple - 1;
			simple = st->next[i];
		}
		n = put_sel(st, &st->ent[i], domain, out, n, max);
		if (!(flags & SIGNTABLE_MULTIPLE))
			break;
	}
	return n;
}

/* match_key - entries whose pattern equals key; *done on first hit */
static size_t
match_key(const struct signtable *st, const char *key, const char *domain,
    int flags, struct sigsel *out, size_t n, size_t max, int *done)
{
	size_t i;

	if (st->index != NULL) {
		for (i = indexed(st, key); i != 0 && n < max && !*done;
		     i = st->next[i - 1]) {
			n = put_sel(st, &st->ent[i - 1], domain, out, n, max);
			if (!(flags & SIGNTABLE_MULTIPLE))
				*done = 1;
		}
		return n;
	}
	for (i = 0; i < st->n && n < max && !*done; i++)
		if (strcasecmp(st->ent[i].pattern, key) == 0) {
			n = put_sel(st, &st->ent[i], domain, out, n, max);
			if (!(flags & SIGNTABLE_MULTIPLE))
				*done = 1;
		}
	return n;
}

/* signtable_match - see signtable.h for the order of candidates */
size_t
signtable_match(const struct signtable *st, const char *local,
    const char *domain, int flags, struct sigsel *out, size_t max)
{
	char key[600];
	const char *p;
	size_t n = 0;
	int done = 0;

	if (local == NULL)
		local = "";
	if (st == NULL || *domain == '\0')
		return 0;
	snprintf(key, sizeof key, "%s@%s", local, domain);
	if (st->kind == TABLES_REFILE)
		return match_refile(st, key, domain, flags, out, max);
	if (*local != '\0')
		n = match_key(st, key, domain, flags, out, n, max, &done);
	n = match_key(st, domain, domain, flags, out, n, max, &done);
	for (p = strchr(domain, '.'); *local != '\0' && p != NULL;
	     p = strchr(p + 1, '.')) {
		snprintf(key, sizeof key, "%s@%s", local, p);
		n = match_key(st, key, domain, flags, out, n, max, &done);
	}
	for (p = strchr(domain, '.'); p != NULL; p = strchr(p + 1, '.'))
		n = match_key(st, p, domain, flags, out, n, max, &done);
	for (p = strchr(domain, '.');
	     (flags & SIGNTABLE_SUBDOMAINS) && p != NULL;
	     p = strchr(p + 1, '.'))
		n = match_key(st, p + 1, domain, flags, out, n, max, &done);
	if (*local != '\0') {
		snprintf(key, sizeof key, "%s@*", local);
		n = match_key(st, key, domain, flags, out, n, max, &done);
	}
	return match_key(st, "*", domain, flags, out, n, max, &done);
}

/* signtable_domains - the signing table of single-key mode */
struct signtable *
signtable_domains(char *const *domains, const struct keytable *kt,
    struct errlist *el)
{
	struct signtable *st;
	struct signent *e;
	size_t i, n = 0;

	while (domains[n] != NULL)
		n++;
	if ((st = calloc(1, sizeof *st)) == NULL ||
	    (st->ent = calloc(n + 1, sizeof *st->ent)) == NULL) {
		free(st);
		errlist_add(el, "single-key mode: out of memory");
		return NULL;
	}
	st->kt = kt;
	st->cap = n + 1;
	for (i = 0; i < n; i++)
		if (strchr(domains[i], '*') != NULL)
			st->kind = TABLES_REFILE;
	for (i = 0; i < n; i++) {
		e = &st->ent[st->n++];
		if (st->kind == TABLES_REFILE)
			e->pattern = malloc(strlen(domains[i]) + 3);
		else
			e->pattern = strdup(domains[i]);
		e->keys = calloc(1, sizeof *e->keys);
		if (e->pattern == NULL || e->keys == NULL) {
			signtable_free(st);
			errlist_add(el, "single-key mode: out of memory");
			return NULL;
		}
		/* refile: patterns are matched against "user@domain" */
		if (st->kind == TABLES_REFILE)
			sprintf(e->pattern, "*@%s", domains[i]);
		e->keys[0].key = keytable_find(kt, KEYTABLE_SINGLE);
		e->nkeys = e->keys[0].key != NULL;
	}
	index_build(st);
	return st;
}
