/*
 * rotact.c - rotate activate and rotate retire.
 *
 * DESCRIPTION
 *	activate: refuses unless the staged key's record is published and
 *	matches (checked by the milter's guard through the configured
 *	nameservers).  Then every signing table reference to the old key
 *	names the new key; the edited tables must load with the milter's
 *	parsers; the signing table is replaced atomically with a backup
 *	(table.h); the state file records the activation time; the running
 *	milter is told to reload and the reload is confirmed (reload.c).  A
 *	reload the milter refuses puts the old signing table back.
 *
 *	retire: refuses before the grace period since activation is over, or
 *	while the signing table still names the old key.  Removes the old
 *	key from the key table, moves its file aside, prints the revoked
 *	record (empty p=, RFC 6376 3.6.1) and reloads the milter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rotate.h"

/* published - the staged key's record is there and matches */
static int
published(struct rot_ctx *x, const struct kt_rot *r, const struct kt_key *k)
{
	struct kt_pubcheck pc;
	struct kt_dns d;
	char fix[400];
	int ok;

	if (kt_dns_open(x->c, &d) < 0)
		return 0;
	if (kt_pubcheck_run(&d, r->domain, r->new_sel, k->file, &pc) < 0) {
		kt_dns_close(&d);
		return 0;
	}
	ok = kt_pubcheck_ok(&pc);
	if (!ok) {
		kt_err("refusing to activate %s for %s: %s (%s)", r->new_sel,
		    r->domain, pc.problem, pc.state_str);
		fprintf(stderr, "fix: %s\n",
		    kt_pubcheck_fix(&pc, fix, sizeof fix));
		if (pc.zone != NULL && !kt_pubcheck_temp(&pc))
			fprintf(stderr, "\n%s\n", pc.zone);
	}
	kt_pubcheck_clear(&pc);
	kt_dns_close(&d);
	return ok;
}

/* switch_tables - retarget references and mark keys; not yet written */
static int
switch_tables(struct rot_ctx *x, const struct kt_rot *r, long grace)
{
	char mark[512], ts[32], te[32];
	long n = kt_keyset_retarget(&x->ks, r->old_key, r->new_key);

	if (n < 0)
		return -1;
	if (n == 0 && kt_keyset_nrefs(&x->ks, r->new_key) == 0) {
		kt_err("%s: the signing table names neither %s nor %s; "
		       "nothing to switch",
		    r->domain, r->old_key, r->new_key);
		return -1;
	}
	if (n == 0)
		kt_warn("the signing table already uses %s: recording the "
			"activation",
		    r->new_key);
	snprintf(mark, sizeof mark,
	    "retiring %s since %s: \"rotate retire "
	    "-d %s\" from %s",
	    r->old_sel, kt_time_fmt(x->now, ts, sizeof ts), r->domain,
	    kt_time_fmt(x->now + grace, te, sizeof te));
	if (kt_keyset_mark(&x->ks, r->new_key, NULL) < 0 ||
	    (kt_keyset_byname(&x->ks, r->old_key) != NULL &&
		kt_keyset_mark(&x->ks, r->old_key, mark) < 0))
		return -1;
	return kt_keyset_validate(&x->ks);
}

/* put_back - rename TABLE.bak over TABLE */
static int
put_back(const char *path)
{
	char bak[4200];

	snprintf(bak, sizeof bak, "%s.bak", path);
	if (rename(bak, path) == 0)
		return 0;
	kt_err("cannot put %s back from %s: do it by hand", path, bak);
	return -1;
}

/* undo_switch - the milter refused: put the old tables back */
static void
undo_switch(struct rot_ctx *x, struct kt_rot *r, const struct kt_rot *saved,
    int kt_written)
{
	if (put_back(x->ks.st.path) < 0)
		return;
	if (kt_written)
		put_back(x->ks.kt.path);
	*r = *saved;
	if (kt_rotstate_save(&x->rs) < 0)
		kt_err("%s: restore the staged line by hand", x->c->statefile);
	else
		kt_err("the old signing table is back in place; %s is still "
		       "staged",
		    r->new_sel);
}

/* commit_activate - write signing table, key table, state; reload */
static int
commit_activate(struct rot_ctx *x, struct kt_rot *r, const struct rot_opt *o)
{
	struct kt_rot saved = *r;
	int rc, kt_written;

	if (kt_table_write(&x->ks.st, 1) < 0)
		return KT_EXIT_USAGE;
	kt_written = kt_table_write(&x->ks.kt, 1) == 0;
	if (!kt_written)
		kt_warn("the key table markers were not updated (harmless)");
	kt_rot_activate(r, x->now);
	if (kt_rotstate_save(&x->rs) < 0) {
		kt_err("the signing table is switched, but %s was not "
		       "updated: add \"%s retiring %s %s ACTIVATED\" by hand",
		    x->c->statefile, r->domain, r->ret_sel, r->ret_key);
		return KT_EXIT_USAGE;
	}
	/* success is said only once the milter has taken the new table */
	rc = kt_reload_milter(x->c->pidfile, o->reload_timeout);
	if (rc == KT_EXIT_FAIL) {
		undo_switch(x, r, &saved, kt_written);
		return rc;
	}
	printf("%s now signs with %s instead of %s (%s; backup %s.bak).\n",
	    r->domain, saved.new_sel, saved.old_sel, x->ks.st.path,
	    x->ks.st.path);
	return rc;
}

/* rot_activate - rotate activate -d DOMAIN */
int
rot_activate(struct rot_ctx *x, const struct rot_opt *o)
{
	struct kt_rot *r = kt_rotstate_get(&x->rs, o->domain, 0);
	const struct kt_key *k;
	char why[512], ts[32];
	int rc;

	if (!rot_known(x, o->domain))
		return KT_EXIT_USAGE;
	if (kt_rot_can_activate(r, why, sizeof why) < 0) {
		kt_err("%s: %s", o->domain, why);
		return KT_EXIT_FAIL;
	}
	if ((k = kt_keyset_byname(&x->ks, r->new_key)) == NULL) {
		kt_err("%s: the staged key %s is not in %s", o->domain,
		    r->new_key, x->ks.kt.path);
		return KT_EXIT_USAGE;
	}
	if (!published(x, r, k))
		return KT_EXIT_FAIL;
	if (rot_writable(x->ks.st.path) < 0 ||
	    rot_writable(x->c->statefile) < 0 ||
	    switch_tables(x, r, o->grace) < 0)
		return KT_EXIT_USAGE;
	rc = commit_activate(x, r, o);
	if (rc != KT_EXIT_FAIL && rc != KT_EXIT_USAGE)
		printf("Keep %s published until the grace period ends (%s), "
		       "then run\n  dkimguard-keytool rotate retire -d %s\n",
		    r->ret_sel, kt_time_fmt(x->now + o->grace, ts, sizeof ts),
		    o->domain);
	return rc;
}

/* shared_file - another key table entry uses the same key file */
static int
shared_file(const struct rot_ctx *x, const struct kt_key *k)
{
	for (size_t i = 0; i < x->ks.nkey; i++)
		if (&x->ks.key[i] != k &&
		    strcmp(x->ks.key[i].file, k->file) == 0)
			return 1;
	return 0;
}

/* retire_key - drop the key line, move its file aside; type for p= */
static int
retire_key(struct rot_ctx *x, const char *name, dkim_keytype *type)
{
	const struct kt_key *k = kt_keyset_byname(&x->ks, name);
	char *file, *aside = NULL;
	dkim_key *key;
	int keep;

	if (k == NULL)
		return 0; /* removed by hand already */
	if ((key = kt_key_load(k->file)) != NULL) {
		*type = dkim_key_type(key);
		dkim_key_free(key);
	}
	keep = shared_file(x, k);
	if ((file = strdup(k->file)) == NULL ||
	    kt_keyset_remove(&x->ks, name) < 0 ||
	    kt_keyset_validate(&x->ks) < 0 ||
	    kt_table_write(&x->ks.kt, 1) < 0) {
		free(file);
		return -1;
	}
	if (!keep && kt_keyfile_aside(file, x->now, &aside) == 0)
		printf("Moved the old key to %s.\n", aside);
	free(aside);
	free(file);
	return 0;
}

/* rot_retire - rotate retire -d DOMAIN */
int
rot_retire(struct rot_ctx *x, const struct rot_opt *o)
{
	struct kt_rot *r = kt_rotstate_get(&x->rs, o->domain, 0);
	dkim_keytype type = DKIM_KEY_RSA;
	char why[512], sel[KT_SEL_MAX + 1];

	if (!rot_known(x, o->domain))
		return KT_EXIT_USAGE;
	if (kt_rot_can_retire(r, x->now, o->grace, why, sizeof why) < 0) {
		kt_err("refusing to retire for %s: %s", o->domain, why);
		return KT_EXIT_FAIL;
	}
	if (kt_keyset_nrefs(&x->ks, r->ret_key) > 0) {
		kt_err("refusing to retire %s: %s still names it", r->ret_key,
		    x->ks.st.path);
		return KT_EXIT_FAIL;
	}
	if (rot_writable(x->ks.kt.path) < 0 ||
	    rot_writable(x->c->statefile) < 0 ||
	    retire_key(x, r->ret_key, &type) < 0)
		return KT_EXIT_USAGE;
	snprintf(sel, sizeof sel, "%s", r->ret_sel);
	kt_rot_retire(r);
	if (kt_rotstate_save(&x->rs) < 0)
		return KT_EXIT_USAGE;
	printf("Retired selector %s of %s. Publish the revoked record:\n\n",
	    sel, o->domain);
	kt_print_record(stdout, o->domain, sel, kt_key_revoked_txt(type));
	putchar('\n');
	return kt_reload_milter(x->c->pidfile, o->reload_timeout);
}
