/*
 * rotstart.c - rotate start: stage a new key next to the one that signs.
 *
 * DESCRIPTION
 *	Generates a key of the old key's type and size (unless told), in the
 *	old key's folder with its owner, adds it to the key table right after
 *	the old key's line in the same format, with a "staged" marker comment,
 *	and records the rotation in the state file.  The signing table is not
 *	touched, so nothing signs with the new key yet.  Any failure undoes
 *	what was done (the new key file is removed).
 */
#define _GNU_SOURCE /* asprintf */
#include <ctype.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rotate.h"

/* pick_old - the signing key of the domain that the new key replaces */
static const struct kt_key *
pick_old(struct rot_ctx *x, const struct rot_opt *o)
{
	const struct kt_key *k[8];
	size_t n = kt_keyset_signing(&x->ks, o->domain, k, 8);

	for (size_t i = 0; o->old != NULL && i < n; i++)
		if (strcmp(k[i]->selector, o->old) == 0)
			return k[i];
	if (o->old != NULL)
		kt_err("%s: selector %s does not sign (not in %s)", o->domain,
		    o->old, x->ks.st.path);
	else if (n == 0)
		kt_err("%s: no key of this domain is used in %s; nothing to "
		       "rotate",
		    o->domain, x->ks.st.path);
	else if (n > 1)
		kt_err("%s: several selectors sign (%s, %s%s); say which one "
		       "to replace with --old SELECTOR",
		    o->domain, k[0]->selector, k[1]->selector,
		    n > 2 ? ", ..." : "");
	return o->old == NULL && n == 1 ? k[0] : NULL;
}

/* default_selector - sYYYYMM, else sYYYYMMDD, else sYYYYMMDDhhmm */
static int
default_selector(struct rot_ctx *x, const char *domain, char *buf, size_t len)
{
	static const char *const fmt[] = {"s%Y%m", "s%Y%m%d", "s%Y%m%d%H%M"};
	struct tm tm;

	gmtime_r(&x->now, &tm);
	for (size_t i = 0; i < 3; i++) {
		strftime(buf, len, fmt[i], &tm);
		if (kt_keyset_find(&x->ks, domain, buf) == NULL)
			return 0;
	}
	kt_err("%s: selector %s exists already; choose one with -s", domain,
	    buf);
	return -1;
}

/* sel_in_name - the old selector as a whole word of the key name */
static const char *
sel_in_name(const char *name, const char *sel)
{
	size_t n = strlen(sel);

	for (const char *p = strstr(name, sel); p != NULL;
	     p = strstr(p + 1, sel))
		if ((p == name || !isalnum((unsigned char)p[-1])) &&
		    !isalnum((unsigned char)p[n]))
			return p;
	return NULL;
}

/* new_name - the old key name with its selector replaced, if it has it */
static char *
new_name(const struct kt_key *old, const char *sel)
{
	const char *at = sel_in_name(old->name, old->selector);
	char *s = NULL;

	if (at != NULL &&
	    asprintf(&s, "%.*s%s%s", (int)(at - old->name), old->name, sel,
		at + strlen(old->selector)) < 0)
		s = NULL;
	if (at == NULL &&
	    asprintf(&s, "%s._domainkey.%s", sel, old->domain) < 0)
		s = NULL;
	return s;
}

/* owner_of - "user:group" owning the old key (kept for the new one) */
static char *
owner_of(const char *file)
{
	struct passwd *pw;
	struct group *gr;
	struct stat st;
	char *s = NULL;

	if (geteuid() != 0 || stat(file, &st) < 0 ||
	    (pw = getpwuid(st.st_uid)) == NULL ||
	    (gr = getgrgid(st.st_gid)) == NULL)
		return NULL;
	if (asprintf(&s, "%s:%s", pw->pw_name, gr->gr_name) < 0)
		return NULL;
	return s;
}

/* key_spec - type and size: as the old key unless given */
static int
key_spec(const struct kt_key *old, const struct rot_opt *o, struct kt_genopt *g)
{
	dkim_key *key;

	if (o->type != NULL && kt_genopt_parse_type(o->type, &g->type) < 0)
		return -1;
	if (o->type != NULL) {
		g->bits = o->bits ? o->bits : 2048;
		return 0;
	}
	if ((key = kt_key_load(old->file)) == NULL)
		return -1;
	g->type = dkim_key_type(key);
	g->bits = o->bits ? o->bits : dkim_key_bits(key);
	if (g->type == DKIM_KEY_RSA && g->bits < 2048 && o->bits == 0)
		g->bits = 2048; /* never rotate into a weak key */
	dkim_key_free(key);
	return 0;
}

/* table_path - the new file as the table should name it */
static char *
table_path(const struct kt_key *old, const char *file)
{
	char *d = strdup(old->path), *f = strdup(file), *s = NULL;

	if (d != NULL && f != NULL) {
		if (strchr(old->path, '/') == NULL)
			s = strdup(basename(f));
		else if (asprintf(&s, "%s/%s", dirname(d), basename(f)) < 0)
			s = NULL;
	}
	free(d);
	free(f);
	return s;
}

/* stage - edit and write the key table, then the state */
static int
stage(struct rot_ctx *x, const struct kt_key *old, const char *name,
    const char *sel, const char *file)
{
	char *tpath = table_path(old, file), mark[512], ts[32];
	char dom[KT_DOM_MAX + 1], osel[KT_SEL_MAX + 1], oname[KT_NAME_MAX];
	struct kt_rot *r;
	int rc = -1;

	/* old points into the parsed table: gone after the first edit */
	snprintf(dom, sizeof dom, "%s", old->domain);
	snprintf(osel, sizeof osel, "%s", old->selector);
	snprintf(oname, sizeof oname, "%s", old->name);
	snprintf(mark, sizeof mark,
	    "staged %s since %s: not signing until "
	    "\"rotate activate -d %s\"",
	    sel, kt_time_fmt(x->now, ts, sizeof ts), dom);
	if (tpath != NULL &&
	    kt_keyset_add_after(&x->ks, old, name, sel, tpath) == 0 &&
	    kt_keyset_mark(&x->ks, name, mark) == 0 &&
	    kt_keyset_validate(&x->ks) == 0 &&
	    kt_table_write(&x->ks.kt, 1) == 0)
		rc = 0;
	free(tpath);
	if (rc < 0 || (r = kt_rotstate_get(&x->rs, dom, 1)) == NULL)
		return -1;
	kt_rot_start(r, sel, name, osel, oname, x->now);
	if (kt_rotstate_save(&x->rs) == 0)
		return 0;
	/* undo the key table edit: the state must say what the table says */
	if (kt_keyset_remove(&x->ks, name) == 0)
		kt_table_write(&x->ks.kt, 0);
	return -1;
}

/* report - what was done and what to do next */
static void
report(const char *domain, const char *sel, const char *file, const char *txt,
    const struct kt_genopt *g)
{
	char desc[32];

	printf("Staged selector %s for %s: key %s (%s).\n"
	       "It is in the key table but does not sign yet.\n\n",
	    sel, domain, file, kt_keydesc(g->type, g->bits, desc, sizeof desc));
	kt_print_record(stdout, domain, sel, txt);
	printf("\nNext: publish the record, wait until it is visible, then "
	       "run\n  dkimguard-keytool rotate activate -d %s\n",
	    domain);
}

/* choose - the key to replace and the new selector and name */
static const struct kt_key *
choose(struct rot_ctx *x, const struct rot_opt *o, char *sel, size_t len,
    char **name)
{
	const struct kt_key *old = pick_old(x, o);

	if (old == NULL)
		return NULL;
	if (o->selector != NULL) {
		if (!kt_name_ok(o->selector, "selector"))
			return NULL;
		snprintf(sel, len, "%s", o->selector);
	} else if (default_selector(x, o->domain, sel, len) < 0)
		return NULL;
	if (kt_keyset_find(&x->ks, o->domain, sel) != NULL) {
		kt_err("%s: selector %s is in the key table already", o->domain,
		    sel);
		return NULL;
	}
	if ((*name = new_name(old, sel)) == NULL ||
	    kt_keyset_byname(&x->ks, *name) != NULL) {
		kt_err("cannot name the new key (%s exists)",
		    *name ? *name : "");
		return NULL;
	}
	return old;
}

/* create - the key file, then the tables and state; undone on failure */
static int
create(struct rot_ctx *x, const struct kt_key *old, struct kt_genopt *g,
    const char *name)
{
	char *dir = strdup(old->file), *owner = NULL, *file = NULL;
	char *txt = NULL;
	int rc = -1;

	g->dir = dir != NULL ? dirname(dir) : ".";
	if (g->owner == NULL)
		g->owner = owner = owner_of(old->file);
	if (rot_writable(x->ks.kt.path) == 0 &&
	    rot_writable(x->c->statefile) == 0 &&
	    kt_genkey_make(g, &file, &txt) == 0) {
		if (stage(x, old, name, g->selector, file) == 0) {
			report(g->domain, g->selector, file, txt, g);
			rc = 0;
		} else
			unlink(file);
	}
	free(dir);
	free(owner);
	free(file);
	free(txt);
	return rc;
}

/* rot_start - rotate start -d DOMAIN */
int
rot_start(struct rot_ctx *x, const struct rot_opt *o)
{
	const struct kt_key *old;
	struct kt_genopt g = {o->domain, NULL, NULL, o->owner, DKIM_KEY_RSA,
	    2048};
	char why[512], sel[KT_SEL_MAX + 1], *name = NULL;
	int rc = KT_EXIT_USAGE;

	if (!rot_known(x, o->domain))
		return KT_EXIT_USAGE;
	if (kt_rot_can_start(kt_rotstate_get(&x->rs, o->domain, 0), why,
		sizeof why) < 0) {
		kt_err("%s", why);
		return KT_EXIT_FAIL;
	}
	if ((old = choose(x, o, sel, sizeof sel, &name)) != NULL &&
	    key_spec(old, o, &g) == 0) {
		g.selector = sel;
		if (create(x, old, &g, name) == 0)
			rc = KT_EXIT_OK;
	}
	free(name);
	return rc;
}
