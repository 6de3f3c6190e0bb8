/*
 * keyset.c - load, query and edit the key and signing tables (keyset.h).
 *
 * DESCRIPTION
 *	Loading runs the milter's own parsers first (keytable_load,
 *	signtable_load), so the keytool refuses exactly the tables the milter
 *	refuses, with the same messages.  kt_keyset_validate() runs them
 *	again on the edited tables, written to temporary files in the same
 *	folders, before anything replaces the real files.
 */
#define _GNU_SOURCE /* asprintf */
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "keyset.h"
#include "util/log.h"
#include "util/errlist.h"
#include "common/config/keytable.h"
#include "common/config/signtable.h"

/* milter_parse - the milter's verdict on a key table + signing table */
static int
milter_parse(const char *kpath, const char *spath, int refile)
{
	struct errlist el = {0};
	struct keytable *kt;
	struct signtable *st = NULL;
	char spec[4200];

	snprintf(spec, sizeof spec, "%s%s", refile ? "refile:" : "", spath);
	if ((kt = keytable_load(kpath, &el)) != NULL)
		st = signtable_load(spec, kt, &el);
	signtable_free(st);
	keytable_free(kt);
	if (st == NULL) {
		kt_err("the tables do not load (nothing changed):");
		log_lines(LOGL_ERR,
		    el.count ? errlist_str(&el) : "out of memory");
	}
	errlist_free(&el);
	return st != NULL ? 0 : -1;
}

/* kt_keyset_load - both tables, checked by the milter's parsers */
int
kt_keyset_load(struct kt_keyset *ks, const struct kt_conf *c)
{
	char *copy;

	memset(ks, 0, sizeof *ks);
	if (kt_conf_need_tables(c) < 0 ||
	    milter_parse(c->keytable, c->signtable, c->signtable_re) < 0)
		return -1;
	ks->st_refile = c->signtable_re;
	if ((copy = strdup(c->keytable)) == NULL ||
	    (ks->ktdir = strdup(dirname(copy))) == NULL) {
		free(copy);
		kt_err("out of memory");
		return -1;
	}
	free(copy);
	if (kt_table_load(&ks->kt, c->keytable, 0) < 0 ||
	    kt_table_load(&ks->st, c->signtable, 0) < 0 ||
	    kt_keyset_parse(ks) < 0) {
		kt_keyset_free(ks);
		return -1;
	}
	return 0;
}

/* kt_keyset_free - release everything */
void
kt_keyset_free(struct kt_keyset *ks)
{
	kt_keyset_clear(ks);
	kt_table_free(&ks->kt);
	kt_table_free(&ks->st);
	free(ks->ktdir);
	memset(ks, 0, sizeof *ks);
}

/* kt_keyset_validate - would the milter load the edited tables? */
int
kt_keyset_validate(struct kt_keyset *ks)
{
	char kp[4200], sp[4200];
	int rc = -1;

	snprintf(kp, sizeof kp, "%s.check.%ld", ks->kt.path, (long)getpid());
	snprintf(sp, sizeof sp, "%s.check.%ld", ks->st.path, (long)getpid());
	if (kt_table_dump(&ks->kt, kp) < 0 || kt_table_dump(&ks->st, sp) < 0)
		kt_err("cannot write a temporary table next to %s", kp);
	else
		rc = milter_parse(kp, sp, ks->st_refile);
	unlink(kp);
	unlink(sp);
	return rc;
}

/* kt_keyset_find - the key of (domain, selector) */
const struct kt_key *
kt_keyset_find(const struct kt_keyset *ks, const char *domain,
    const char *selector)
{
	for (size_t i = 0; i < ks->nkey; i++)
		if (strcasecmp(ks->key[i].domain, domain) == 0 &&
		    strcmp(ks->key[i].selector, selector) == 0)
			return &ks->key[i];
	return NULL;
}

/* kt_keyset_byname - the key called name */
const struct kt_key *
kt_keyset_byname(const struct kt_keyset *ks, const char *name)
{
	for (size_t i = 0; i < ks->nkey; i++)
		if (strcmp(ks->key[i].name, name) == 0)
			return &ks->key[i];
	return NULL;
}

/* kt_keyset_nrefs - how many signing table references name a key */
size_t
kt_keyset_nrefs(const struct kt_keyset *ks, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < ks->nref; i++)
		n += strcmp(ks->ref[i].name, name) == 0;
	return n;
}

/* kt_keyset_signing - the keys of domain that the signing table uses */
size_t
kt_keyset_signing(const struct kt_keyset *ks, const char *domain,
    const struct kt_key **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < ks->nkey && n < max; i++)
		if (strcasecmp(ks->key[i].domain, domain) == 0 &&
		    kt_keyset_nrefs(ks, ks->key[i].name) > 0)
			out[n++] = &ks->key[i];
	return n;
}

/* gap - the blanks after field f of e (" " when there is none) */
static char *
gap(const struct kt_ent *e, int f)
{
	if (f + 1 >= e->nf)
		return strdup(" ");
	return strndup(e->text + e->off[f] + e->len[f],
	    e->off[f + 1] - e->off[f] - e->len[f]);
}

/* key_line - a key line in the format and spacing of e */
static char *
key_line(const struct kt_key *after, const struct kt_ent *e, const char *name,
    const char *selector, const char *path)
{
	char *g0 = gap(e, 0), *g1 = gap(e, 1), *g2 = gap(e, 2), *s = NULL;

	if (g0 != NULL && g1 != NULL && g2 != NULL) {
		if (after->opendkim)
			(void)(asprintf(&s, "%s%s%s:%s:%s", name, g0,
				   after->domain, selector, path) < 0 &&
			    (s = NULL));
		else
			(void)(asprintf(&s, "%s%s%s%s%s%s%s", name, g0,
				   after->domain, g1, selector, g2, path) < 0 &&
			    (s = NULL));
	}
	free(g0);
	free(g1);
	free(g2);
	if (s == NULL)
		kt_err("out of memory");
	return s;
}

/* kt_keyset_add_after - insert a key line after an existing key */
int
kt_keyset_add_after(struct kt_keyset *ks, const struct kt_key *after,
    const char *name, const char *selector, const char *path)
{
	const struct kt_ent *e = &ks->kent[after->ent];
	char *line = key_line(after, e, name, selector, path);
	int rc;

	if (line == NULL)
		return -1;
	rc = kt_table_insert(&ks->kt, e->last + 1, line);
	free(line);
	return rc < 0 ? -1 : kt_keyset_parse(ks);
}

/* marker_above - 1 when the line above entry e is one of our markers */
static int
marker_above(const struct kt_keyset *ks, const struct kt_ent *e)
{
	return e->first > 0 &&
	    strncmp(ks->kt.line[e->first - 1], KT_MARKER, strlen(KT_MARKER)) ==
	    0;
}

/* kt_keyset_remove - delete a key's lines and its marker */
int
kt_keyset_remove(struct kt_keyset *ks, const char *name)
{
	const struct kt_key *k = kt_keyset_byname(ks, name);
	const struct kt_ent *e;
	size_t from, to;

	if (k == NULL) {
		kt_err("%s: no key named %s", ks->kt.path, name);
		return -1;
	}
	e = &ks->kent[k->ent];
	from = marker_above(ks, e) ? e->first - 1 : e->first;
	for (to = e->last + 1; to > from; to--)
		kt_table_remove(&ks->kt, to - 1);
	return kt_keyset_parse(ks);
}

/* kt_keyset_mark - set, replace or remove the marker above a key */
int
kt_keyset_mark(struct kt_keyset *ks, const char *name, const char *text)
{
	const struct kt_key *k = kt_keyset_byname(ks, name);
	const struct kt_ent *e;
	char *line = NULL;
	int rc = 0;

	if (k == NULL)
		return -1;
	e = &ks->kent[k->ent];
	if (text != NULL && asprintf(&line, "%s%s", KT_MARKER, text) < 0) {
		kt_err("out of memory");
		return -1;
	}
	if (marker_above(ks, e) && line != NULL)
		rc = kt_table_set(&ks->kt, e->first - 1, line);
	else if (marker_above(ks, e))
		kt_table_remove(&ks->kt, e->first - 1);
	else if (line != NULL)
		rc = kt_table_insert(&ks->kt, e->first, line);
	free(line);
	return rc < 0 ? -1 : kt_keyset_parse(ks);
}

/* retarget_one - rewrite one reference; keeps ":IDENTITY" and the rest */
static int
retarget_one(struct kt_keyset *ks, const struct kt_ref *r, const char *to)
{
	const struct kt_ent *e = &ks->sent[r->ent];
	size_t off = e->off[r->field], nlen = strlen(r->name);
	const char *src = e->first == e->last ? ks->st.line[e->first] : e->text;
	char *line = NULL;
	int rc;

	if (asprintf(&line, "%.*s%s%s", (int)off, src, to, src + off + nlen) <
	    0) {
		kt_err("out of memory");
		return -1;
	}
	/* a continued entry becomes one line: its comments were cut */
	for (size_t i = e->last; i > e->first; i--)
		kt_table_remove(&ks->st, i);
	rc = kt_table_set(&ks->st, e->first, line);
	free(line);
	return rc < 0 ? -1 : kt_keyset_parse(ks);
}

/* kt_keyset_retarget - point every reference to from at to */
long
kt_keyset_retarget(struct kt_keyset *ks, const char *from, const char *to)
{
	long n = 0;

	if (strcmp(from, to) == 0)
		return 0;
	for (size_t i = 0; i < ks->nref; i++) {
		if (strcmp(ks->ref[i].name, from) != 0)
			continue;
		if (retarget_one(ks, &ks->ref[i], to) < 0)
			return -1;
		n++;
		i = (size_t)-1; /* offsets moved: start over */
	}
	return n;
}
