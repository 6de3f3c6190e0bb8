/*
 * keystate.h - the key-state table shared by `dkimguard -n` and
 *		`dkimguard-keytool status`.
 *
 * SYNOPSIS
 *	kt = keytable_load(spec, &el);
 *	keystate_load_keys(kt, cfg, &el, &warn);   as the milter loads keys
 *	keystate_add(g, kt, cfg->guard_action, &el);
 *	guard_check_all(g);  guard_table(g, &text);  puts(text);
 *
 * DESCRIPTION
 *	The daemon's snapshot and the keytool's status command both fill a
 *	guard from the key table here and print it with guard_table, so for
 *	the same configuration they show the same rows.
 */
#ifndef DKIMGUARD_KEYSTATE_H
#define DKIMGUARD_KEYSTATE_H

#include "common/config/config.h"
#include "util/errlist.h"
#include "guard.h"
#include "common/config/keytable.h"

/*
 * keystate_load_keys - read every key of kt with the milter's key file
 * checks (RequireSafeKeys; owner root or the UserID user); -1 with el.
 */
int keystate_load_keys(struct keytable *kt, const struct config *cfg,
    struct errlist *el, struct errlist *warn);
struct signtable;
/*
 * keystate_add - one guard entry per key table entry with a fixed domain,
 * and one per From: domain the signing table st (may be NULL) names
 * literally for each "%" key it maps there (a "%" key signs as the
 * matched domain: one a pattern does not name is added when first used),
 * each with action (the key's guard= column first); -1 with el.
 */
int keystate_add(guard *g, const struct keytable *kt,
    const struct signtable *st, guard_action action, struct errlist *el);

#endif /* DKIMGUARD_KEYSTATE_H */
