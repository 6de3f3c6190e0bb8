/*
 * keystate.c - the key table's keys loaded and put in a guard, the same
 *		way for the daemon's snapshot and for `dkimguard-keytool
 *		status` (see keystate.h).
 */
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "common/config/keyfile.h"
#include "common/config/signtable.h"
#include "keystate.h"

/* key_policy - who may own key files: root and the UserID user */
static int
key_policy(const struct config *cfg, struct keyfile_policy *pol, char *user,
    size_t len, struct errlist *el)
{
	struct passwd *pw;

	memset(pol, 0, sizeof *pol);
	pol->require_safe = cfg->require_safe_keys;
	if (*cfg->user_id == '\0')
		return 0;
	snprintf(user, len, "%.*s", (int)strcspn(cfg->user_id, ":"),
	    cfg->user_id);
	if ((pw = getpwnam(user)) == NULL) {
		errlist_add(el, "%s:%u: option 'UserID': no such user '%s'",
		    cfg->path, cfg->line[OPTID_UserID], user);
		return -1;
	}
	pol->uid = pw->pw_uid;
	pol->user = user;
	return 0;
}

/* keystate_load_keys - every key of kt, checked as the milter checks */
int
keystate_load_keys(struct keytable *kt, const struct config *cfg,
    struct errlist *el, struct errlist *warn)
{
	struct keyfile_policy pol;
	char user[64];

	if (key_policy(cfg, &pol, user, sizeof user, el) < 0)
		return -1;
	return keyfile_load_table(kt, &pol, el, warn);
}

/* key_add - one guard entry; the key table's guard= column overrides
 * GuardAction */
static int
key_add(guard *g, const char *domain, const struct keyent *e,
    guard_action action, struct errlist *el)
{
	if (guard_add_key(g, domain, e->selector, e->key,
		e->guard_action >= 0 ? (guard_action)e->guard_action :
				       action) != NULL)
		return 0;
	errlist_add(el, "%s: guard: cannot add key '%s' for %s", e->where,
	    e->name, domain);
	return -1;
}

struct pct_add {
	guard *g;
	guard_action action;
	struct errlist *el;
};

/* pct_add - a "%" key for a domain the signing table names */
static int
pct_add(void *arg, const char *domain, const struct keyent *e)
{
	struct pct_add *a = arg;

	return key_add(a->g, domain, e, a->action, a->el);
}

/* keystate_add - see keystate.h */
int
keystate_add(guard *g, const struct keytable *kt, const struct signtable *st,
    guard_action action, struct errlist *el)
{
	struct pct_add a = {g, action, el};
	size_t i;

	for (i = 0; i < kt->n; i++)
		if (strcmp(kt->ent[i].domain, "%") != 0 &&
		    key_add(g, kt->ent[i].domain, &kt->ent[i], action, el) < 0)
			return -1;
	return signtable_pct_keys(st, pct_add, &a);
}
