/*
 * tabfmt.c - parse key and signing tables into entries with field offsets.
 *
 * DESCRIPTION
 *	The same line syntax as util/tables.c, but every field keeps its
 *	offset so an edit can change one field of one line and leave the
 *	rest of the line (spacing, a trailing comment) as it was.  The two
 *	key table formats are told apart per line (keyset.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "keyset.h"

/* comment_at - where a '#' comment starts (at the start or after a blank) */
static size_t comment_at(const char *s)
{
	for (size_t i = 0; s[i] != '\0'; i++)
		if (s[i] == '#' && (i == 0 || isspace((unsigned char)s[i - 1])))
			return i;
	return strlen(s);
}

/* append - one physical line to the logical line being built */
static int append(char **logical, size_t *llen, const char *raw, int *cont)
{
	size_t n = strlen(raw);
	char *p;

	while (n > 0 && raw[n - 1] == '\r')
		n--;
	*cont = n > 0 && raw[n - 1] == '\\';
	if (*cont)
		n--;
	if (comment_at(raw) < n)
		n = comment_at(raw);
	if ((p = realloc(*logical, *llen + n + 2)) == NULL)
		return -1;
	*logical = p;
	if (*llen > 0)
		p[(*llen)++] = ' ';
	memcpy(p + *llen, raw, n);
	*llen += n;
	p[*llen] = '\0';
	return 0;
}

/* split - field offsets of e->text */
static void split(struct kt_ent *e)
{
	const char *s = e->text;
	size_t i = 0;

	e->nf = 0;
	while (s[i] != '\0' && e->nf < KT_MAXF) {
		while (isspace((unsigned char)s[i]))
			i++;
		if (s[i] == '\0')
			break;
		e->off[e->nf] = i;
		while (s[i] != '\0' && !isspace((unsigned char)s[i]))
			i++;
		e->len[e->nf] = i - e->off[e->nf];
		e->nf++;
	}
}

/* push - keep a finished logical line that holds fields */
static int push(struct kt_ent **out, size_t *n, char *text, size_t first,
    size_t last)
{
	struct kt_ent e = { first, last, text, 0, { 0 }, { 0 } }, *p;

	split(&e);
	if (e.nf == 0) {
		free(text);
		return 0;
	}
	if ((p = realloc(*out, (*n + 1) * sizeof *p)) == NULL) {
		free(text);
		return -1;
	}
	p[(*n)++] = e;
	*out = p;
	return 0;
}

/* kt_ents_parse - logical entries of a table */
int kt_ents_parse(const struct kt_table *t, struct kt_ent **out, size_t *n)
{
	char *logical = NULL;
	size_t llen = 0, first = 0;
	int cont = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (llen == 0 && logical == NULL)
			first = i;
		if (append(&logical, &llen, t->line[i], &cont) < 0)
			goto fail;
		if (cont && i + 1 < t->n)
			continue;
		if (push(out, n, logical, first, i) < 0)
			goto fail;
		logical = NULL;
		llen = 0;
	}
	return 0;
fail:
	free(logical);
	kt_ents_free(*out, *n);
	*out = NULL;
	kt_err("out of memory");
	return -1;
}

/* kt_ents_free - release entries */
void kt_ents_free(struct kt_ent *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].text);
	free(e);
}

/* kt_ent_field - copy of field i */
char *kt_ent_field(const struct kt_ent *e, int i)
{
	return strndup(e->text + e->off[i], e->len[i]);
}

/* key_fields - name, domain, selector, path of one key line */
static int key_fields(const struct kt_ent *e, struct kt_key *k)
{
	char *v, *c1, *c2;

	k->name = kt_ent_field(e, 0);
	if (e->nf == 4) {
		k->domain = kt_ent_field(e, 1);
		k->selector = kt_ent_field(e, 2);
		k->path = kt_ent_field(e, 3);
		return 0;
	}
	if (e->nf != 2 || (v = kt_ent_field(e, 1)) == NULL)
		return -1;
	c1 = strchr(v, ':');
	c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
	if (c2 != NULL) {
		k->opendkim = 1;
		k->domain = strndup(v, (size_t)(c1 - v));
		k->selector = strndup(c1 + 1, (size_t)(c2 - c1 - 1));
		k->path = strdup(c2 + 1);
	}
	free(v);
	return c2 != NULL ? 0 : -1;
}

/* key_file - KEYFILE relative to the key table's folder */
static char *key_file(const char *dir, const char *path)
{
	size_t n;
	char *f;

	if (path[0] == '/' || dir == NULL)
		return strdup(path);
	n = strlen(dir) + strlen(path) + 2;
	if ((f = malloc(n)) != NULL)
		snprintf(f, n, "%s/%s", dir, path);
	return f;
}

/* add_key - one key from entry i, when the line is a key line */
static int add_key(struct kt_keyset *ks, size_t i)
{
	const struct kt_ent *e = &ks->kent[i];
	struct kt_key k;
	const char *above;

	memset(&k, 0, sizeof k);
	k.ent = i;
	if (key_fields(e, &k) < 0) {
		free(k.name); free(k.domain); free(k.selector); free(k.path);
		return 0;	/* the milter's parser reports bad lines */
	}
	k.file = key_file(ks->ktdir, k.path);
	above = e->first > 0 ? ks->kt.line[e->first - 1] : "";
	k.staged = strncmp(above, KT_MARKER "staged", strlen(KT_MARKER) + 6)
	    == 0;
	if (k.name == NULL || k.domain == NULL || k.selector == NULL ||
	    k.path == NULL || k.file == NULL)
		return -1;
	ks->key[ks->nkey++] = k;
	return 0;
}

/* add_refs - every KEYNAME[:IDENTITY] of signing entry i */
static int add_refs(struct kt_keyset *ks, size_t i, size_t *cap)
{
	const struct kt_ent *e = &ks->sent[i];
	struct kt_ref *p;

	for (int f = 1; f < e->nf; f++) {
		if (ks->nref == *cap) {
			*cap = *cap ? *cap * 2 : 16;
			if ((p = realloc(ks->ref, *cap * sizeof *p)) == NULL)
				return -1;
			ks->ref = p;
		}
		p = &ks->ref[ks->nref];
		p->ent = i;
		p->field = f;
		p->name = strndup(e->text + e->off[f],
		    strcspn(e->text + e->off[f], ":") < e->len[f] ?
		    strcspn(e->text + e->off[f], ":") : e->len[f]);
		if (p->name == NULL)
			return -1;
		ks->nref++;
	}
	return 0;
}

/* kt_keyset_clear - drop entries, keys and refs (the lines stay) */
void kt_keyset_clear(struct kt_keyset *ks)
{
	for (size_t i = 0; i < ks->nkey; i++) {
		struct kt_key *k = &ks->key[i];
		free(k->name); free(k->domain); free(k->selector);
		free(k->path); free(k->file);
	}
	for (size_t i = 0; i < ks->nref; i++)
		free(ks->ref[i].name);
	free(ks->key);
	free(ks->ref);
	kt_ents_free(ks->kent, ks->nkent);
	kt_ents_free(ks->sent, ks->nsent);
	ks->key = NULL; ks->ref = NULL; ks->kent = NULL; ks->sent = NULL;
	ks->nkey = ks->nref = ks->nkent = ks->nsent = 0;
}

/* kt_keyset_parse - (re)build everything from the table lines */
int kt_keyset_parse(struct kt_keyset *ks)
{
	size_t cap = 0;

	kt_keyset_clear(ks);
	if (kt_ents_parse(&ks->kt, &ks->kent, &ks->nkent) < 0 ||
	    kt_ents_parse(&ks->st, &ks->sent, &ks->nsent) < 0)
		return -1;
	if ((ks->key = calloc(ks->nkent + 1, sizeof *ks->key)) == NULL)
		goto nomem;
	for (size_t i = 0; i < ks->nkent; i++)
		if (add_key(ks, i) < 0)
			goto nomem;
	for (size_t i = 0; i < ks->nsent; i++)
		if (add_refs(ks, i, &cap) < 0)
			goto nomem;
	return 0;
nomem:
	kt_err("out of memory");
	return -1;
}
