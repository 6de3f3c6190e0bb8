/*
 * keytable.c - parse the key table, both formats (see keytable.h).
 */
#define _GNU_SOURCE /* asprintf */
#include <ctype.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keytable.h"
#include "common/guard/guard.h" /* guard_action_parse */
#include "util/hashtab.h"
#include "util/tables.h"

struct kt_state {
	struct keytable *kt;
	struct errlist *el;
	const char *dir; /* folder of the table, for relative paths */
	size_t cap;
};

/* name_ok - letters, digits, '-', '_', '.' (a DNS name or selector) */
static int
name_ok(const char *s)
{
	if (*s == '\0' || *s == '.')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("-_.", *s) == NULL)
			return 0;
	return 1;
}

/* find_exact - entry whose name is exactly name (patterns too): through
 * the index, or by a scan when memory for the index ran out */
static const struct keyent *
find_exact(const struct keytable *kt, const char *name)
{
	size_t i;
	void *v;

	if (kt->byname != NULL)
		return (v = hashtab_get(kt->byname, name)) != NULL ?
		    &kt->ent[(uintptr_t)v - 1] :
		    NULL;
	for (i = 0; i < kt->n; i++)
		if (strcmp(kt->ent[i].name, name) == 0)
			return &kt->ent[i];
	return NULL;
}

/* index_entry - put entry i into the name index; without memory for it
 * the index goes and find_exact scans (slower, still right) */
static void
index_entry(struct keytable *kt, size_t i)
{
	if (kt->byname == NULL && i == 0)
		kt->byname = hashtab_new(64, 0);
	if (kt->byname != NULL &&
	    hashtab_put(kt->byname, kt->ent[i].name,
		(void *)(uintptr_t)(i + 1)) < 0) {
		hashtab_free(kt->byname);
		kt->byname = NULL;
	}
}

/* key_path - absolute path of a key file named in the table */
static char *
key_path(const char *dir, const char *p)
{
	char *out;

	if (*p == '/' || dir == NULL)
		return strdup(p);
	if (asprintf(&out, "%s/%s", dir, p) < 0)
		return NULL;
	return out;
}

/* kt_add - append one validated entry */
static int
kt_add(struct kt_state *st, const char *file, unsigned line, const char *name,
    const char *dom, const char *sel, const char *path, int action)
{
	struct keyent *e;

	if (find_exact(st->kt, name) != NULL) {
		errlist_add(st->el, "%s:%u: key name '%s' is defined twice",
		    file, line, name);
		return 0;
	}
	if (strcmp(dom, "%") != 0 && !name_ok(dom)) {
		errlist_add(st->el, "%s:%u: '%s' is not a domain name or %%",
		    file, line, dom);
		return 0;
	}
	if (!name_ok(sel)) {
		errlist_add(st->el, "%s:%u: '%s' is not a selector", file, line,
		    sel);
		return 0;
	}
	if (st->kt->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 8;
		e = realloc(st->kt->ent, cap * sizeof *e);
		if (e == NULL)
			return -1;
		st->kt->ent = e;
		st->cap = cap;
	}
	e = &st->kt->ent[st->kt->n];
	memset(e, 0, sizeof *e);
	e->name = strdup(name);
	e->domain = strdup(dom);
	e->selector = strdup(sel);
	e->path = key_path(st->dir, path);
	e->guard_action = action;
	if (asprintf(&e->where, "%s:%u", file, line) < 0)
		e->where = NULL;
	st->kt->n++;
	if (!e->name || !e->domain || !e->selector || !e->path || !e->where)
		return -1;
	index_entry(st->kt, st->kt->n - 1);
	return 0;
}

/*
 * guard_column - the optional last field "guard=ACTION": 1 and *action
 * set when the line has it, 0 when not, -1 (error added) when it is
 * malformed
 */
static int
guard_column(struct kt_state *st, const struct tables_entry *te, int *action)
{
	const char *f = te->field[te->nfield - 1];
	guard_action a;

	*action = -1;
	if (strncmp(f, "guard=", 6) != 0)
		return 0;
	if (guard_action_parse(f + 6, &a) < 0) {
		errlist_add(st->el,
		    "%s:%u: key '%s': '%s' is not guard=tempfail, "
		    "guard=hold, guard=unsigned or guard=sign",
		    te->file, te->line, te->field[0], f);
		return -1;
	}
	*action = (int)a;
	return 1;
}

/* kt_line - NAME DOMAIN SELECTOR FILE, or NAME DOMAIN:SELECTOR:FILE,
 * each with an optional guard=ACTION */
static int
kt_line(void *arg, struct tables_entry *te)
{
	struct kt_state *st = arg;
	const char *file = te->file;
	unsigned line = te->line;
	char **f = te->field, *dom, *sel, *path;
	int nf = te->nfield, action = -1, col;

	if (nf == 3 || nf == 5) {
		if ((col = guard_column(st, te, &action)) < 0)
			return 0;
		nf -= col; /* a guard= column is not a key field */
	}
	if (nf == 4)
		return kt_add(st, file, line, f[0], f[1], f[2], f[3], action);
	if (nf == 2 && (sel = strchr(f[1], ':')) != NULL &&
	    (path = strchr(sel + 1, ':')) != NULL) {
		dom = f[1];
		*sel++ = '\0';
		*path++ = '\0';
		if (*path != '/' && strncmp(path, "./", 2) != 0 &&
		    strncmp(path, "../", 3) != 0) {
			errlist_add(st->el,
			    "%s:%u: key '%s': inline key data "
			    "is not supported; put the key in a file and name "
			    "its path",
			    file, line, f[0]);
			return 0;
		}
		return kt_add(st, file, line, f[0], dom, sel, path, action);
	}
	errlist_add(st->el,
	    "%s:%u: expected NAME DOMAIN SELECTOR KEYFILE "
	    "(dkimguard) or NAME DOMAIN:SELECTOR:KEYFILE (OpenDKIM)",
	    file, line);
	return 0;
}

/* no_percent_paths - OpenDKIM replaces '%' in inline key data by the
 * domain; a key file name cannot depend on the message here, since keys
 * are read and checked at load */
static void
no_percent_paths(const struct keytable *kt, struct errlist *el)
{
	size_t i;

	for (i = 0; i < kt->n; i++)
		if (strchr(kt->ent[i].path, '%') != NULL)
			errlist_add(el,
			    "%s: key '%s': a '%%' in the key file "
			    "name is not supported (keys are loaded and checked "
			    "at start-up); give each domain its own line and "
			    "key file",
			    kt->ent[i].where, kt->ent[i].name);
}

/* keytable_load - read and validate every line */
struct keytable *
keytable_load(const char *spec, struct errlist *el)
{
	struct kt_state st;
	enum tables_kind kind;
	const char *path = tables_spec(spec, &kind);
	const char *slash = strrchr(path, '/');
	unsigned before = el->count;
	char *dir = NULL;
	int rc;

	if ((st.kt = calloc(1, sizeof *st.kt)) == NULL)
		return NULL;
	st.kt->refile = kind == TABLES_REFILE;
	if (slash != NULL)
		dir = strndup(path, (size_t)(slash - path));
	st.el = el;
	st.dir = dir;
	st.cap = 0;
	rc = tables_read(path, kt_line, &st, el);
	free(dir);
	if (rc == 0)
		no_percent_paths(st.kt, el);
	if (rc < 0 || el->count != before) {
		keytable_free(st.kt);
		return NULL;
	}
	return st.kt;
}

/* keytable_free - releases the keys' (and records') references too */
void
keytable_free(struct keytable *kt)
{
	size_t i;

	if (kt == NULL)
		return;
	hashtab_free(kt->byname);
	for (i = 0; i < kt->n; i++) {
		free(kt->ent[i].name);
		free(kt->ent[i].domain);
		free(kt->ent[i].selector);
		free(kt->ent[i].path);
		free(kt->ent[i].where);
		dkim_key_free(kt->ent[i].key);
		dkim_keyrec_free(kt->ent[i].own_rec);
	}
	free(kt->ent);
	free(kt);
}

/* keytable_find - linear search; tables are small and searched at load
 * (and per message only for a signing table's "%" key name) */
const struct keyent *
keytable_find(const struct keytable *kt, const char *name)
{
	size_t i;

	if (!kt->refile)
		return find_exact(kt, name);
	for (i = 0; i < kt->n; i++)
		if (tables_glob(kt->ent[i].name, name))
			return &kt->ent[i];
	return NULL;
}

/* keytable_single - OpenDKIM's Domain/Selector/KeyFile as a key table */
struct keytable *
keytable_single(const char *selector, const char *path, const char *where,
    struct errlist *el)
{
	struct kt_state st;
	char file[4096];
	const char *colon = strrchr(where, ':');
	unsigned before = el->count;
	unsigned line = colon != NULL ? (unsigned)atoi(colon + 1) : 0;

	snprintf(file, sizeof file, "%.*s",
	    colon != NULL ? (int)(colon - where) : (int)strlen(where), where);
	if ((st.kt = calloc(1, sizeof *st.kt)) == NULL)
		return NULL;
	st.el = el;
	st.dir = NULL;
	st.cap = 0;
	if (kt_add(&st, file, line, KEYTABLE_SINGLE, "%", selector, path, -1) <
		0 ||
	    el->count != before) {
		keytable_free(st.kt);
		return NULL;
	}
	return st.kt;
}
