/*
 * tabfmt.c - key and signing tables as entries with field offsets, and
 * the keys and references they hold.
 *
 * DESCRIPTION
 *	The line syntax is read by util/tables.c, the daemon's reader, so the
 *	keytool sees the same entries the daemon parses.  Every entry keeps
 *	its fields' offsets and its physical lines, so an edit can change one
 *	field of one line and leave the rest of the line (spacing, a trailing
 *	comment) as it was.  The two key table formats are told apart per
 *	line (keyset.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyset.h"
#include "util/tables.h"

/* ents - the entries being collected */
struct ents {
	struct kt_ent *v;
	size_t n, cap;
};

/* push - keep a copy of one logical line */
static int
push(void *arg, struct tables_entry *te)
{
	struct ents *es = arg;
	struct kt_ent *e;

	if (es->n == es->cap) {
		size_t cap = es->cap ? es->cap * 2 : 32;

		if ((e = reallocarray(es->v, cap, sizeof *e)) == NULL)
			return -1;
		es->v = e;
		es->cap = cap;
	}
	e = &es->v[es->n];
	if ((e->text = strndup(te->text, te->textlen)) == NULL)
		return -1;
	e->first = te->first;
	e->last = te->last;
	e->nf = te->nfield;
	memcpy(e->off, te->off, sizeof e->off);
	memcpy(e->len, te->len, sizeof e->len);
	es->n++;
	return 0;
}

/* kt_ents_parse - logical entries of a table */
int
kt_ents_parse(const struct kt_table *t, struct kt_ent **out, size_t *n)
{
	struct ents es = {NULL, 0, 0};

	*out = NULL;
	*n = 0;
	if (tables_scan(t->path, t->line, t->n, push, &es) < 0) {
		kt_ents_free(es.v, es.n);
		kt_err("out of memory");
		return -1;
	}
	*out = es.v;
	*n = es.n;
	return 0;
}

/* kt_ents_free - release entries */
void
kt_ents_free(struct kt_ent *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].text);
	free(e);
}

/* kt_ent_field - copy of field i */
char *
kt_ent_field(const struct kt_ent *e, int i)
{
	return strndup(e->text + e->off[i], e->len[i]);
}

/* key_fields - name, domain, selector, path of one key line */
static int
key_fields(const struct kt_ent *e, struct kt_key *k)
{
	char *v, *c1, *c2;
	int nf = e->nf;

	/* the optional last field guard=ACTION (keytable.h) is no key field */
	if ((nf == 5 || nf == 3) && e->len[nf - 1] >= 6 &&
	    strncmp(e->text + e->off[nf - 1], "guard=", 6) == 0)
		nf--;
	k->name = kt_ent_field(e, 0);
	if (nf == 4) {
		k->domain = kt_ent_field(e, 1);
		k->selector = kt_ent_field(e, 2);
		k->path = kt_ent_field(e, 3);
		return 0;
	}
	if (nf != 2 || (v = kt_ent_field(e, 1)) == NULL)
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
static char *
key_file(const char *dir, const char *path)
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
static int
add_key(struct kt_keyset *ks, size_t i)
{
	const struct kt_ent *e = &ks->kent[i];
	struct kt_key k;
	const char *above;

	memset(&k, 0, sizeof k);
	k.ent = i;
	if (key_fields(e, &k) < 0) {
		free(k.name);
		free(k.domain);
		free(k.selector);
		free(k.path);
		return 0; /* the milter's parser reports bad lines */
	}
	k.file = key_file(ks->ktdir, k.path);
	above = e->first > 0 ? ks->kt.line[e->first - 1] : "";
	k.staged =
	    strncmp(above, KT_MARKER "staged", strlen(KT_MARKER) + 6) == 0;
	if (k.name == NULL || k.domain == NULL || k.selector == NULL ||
	    k.path == NULL || k.file == NULL)
		return -1;
	ks->key[ks->nkey++] = k;
	return 0;
}

/* add_refs - every KEYNAME[:IDENTITY] of signing entry i */
static int
add_refs(struct kt_keyset *ks, size_t i, size_t *cap)
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
			strcspn(e->text + e->off[f], ":") :
			e->len[f]);
		if (p->name == NULL)
			return -1;
		ks->nref++;
	}
	return 0;
}

/* kt_keyset_clear - drop entries, keys and refs (the lines stay) */
void
kt_keyset_clear(struct kt_keyset *ks)
{
	for (size_t i = 0; i < ks->nkey; i++) {
		struct kt_key *k = &ks->key[i];
		free(k->name);
		free(k->domain);
		free(k->selector);
		free(k->path);
		free(k->file);
	}
	for (size_t i = 0; i < ks->nref; i++)
		free(ks->ref[i].name);
	free(ks->key);
	free(ks->ref);
	kt_ents_free(ks->kent, ks->nkent);
	kt_ents_free(ks->sent, ks->nsent);
	ks->key = NULL;
	ks->ref = NULL;
	ks->kent = NULL;
	ks->sent = NULL;
	ks->nkey = ks->nref = ks->nkent = ks->nsent = 0;
}

/* kt_keyset_parse - (re)build everything from the table lines */
int
kt_keyset_parse(struct kt_keyset *ks)
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
