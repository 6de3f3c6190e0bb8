/*
 * guard_state.h - the guard's last checks kept on disk across restarts
 *		   (GuardStateFile), and the words for an action that
 *		   grace still holds back.  Internal to the guard.
 *
 * DESCRIPTION
 *	The file holds, per key that was valid at its last check, the
 *	record found valid and when: one line
 *	    DOMAIN SELECTOR LAST_GOOD RECORD
 *	under a first line GUARD_STATE_MAGIC.  guard_state_load, before the
 *	first check, gives an entry never checked in this process the
 *	record and last good time of the line with its domain and selector,
 *	but only when that record's p= is the public half of the entry's
 *	key (dkim_key_match_record): a key replaced in the key table starts
 *	as never seen.  The grace period (GuardGrace) of such an entry is
 *	counted from that last good check, so a restart while DNS is down
 *	signs exactly as long as a running daemon whose checks began to
 *	fail then.  A file that is not such a state file, or any line of
 *	it that does not parse, makes the whole file ignored with a warning
 *	naming FILE:LINE: every key is then as never seen.
 *
 *	Writes (textfile_write: temporary file and rename, never a half
 *	file) happen from the refresher thread only: at once after a state
 *	changed, otherwise at most every guard_conf.state_every seconds;
 *	never on the message path.  A failed write is logged once, and its
 *	recovery once.
 *
 *	Exports (through guard.c's hooks): guard_state_init / _fini
 *	(guard_new / guard_free), guard_state_load (start-up and reload),
 *	guard_state_restore_entry (guard_add_key),
 *	guard_state_tick (refresher), guard_state_save, guard_state_dirty,
 *	guard_grace_until, guard_action_words.
 */
#ifndef DKIMGUARD_GUARD_STATE_H
#define DKIMGUARD_GUARD_STATE_H

#include "guard_int.h"

#define GUARD_STATE_MAGIC "# dkimguard guard state 1"

/* guard_state_init - copy conf->state_file; -1 on ENOMEM */
int guard_state_init(guard *g, const struct guard_conf *conf);
void guard_state_fini(guard *g);
/*
 * guard_state_load - restore the last good checks of entries never
 * checked (see above); returns how many were restored, 0 when the file
 * is absent, -1 when it was ignored (logged).  No state file: 0.
 */
int guard_state_load(guard *g);
/*
 * guard_state_restore_entry - an entry added after guard_state_load (a
 * '%' key on first use) takes its line of the file, as guard_state_load
 * gave the others (lock held); 1 when it did
 */
int guard_state_restore_entry(guard *g, struct guard_entry *e);
/* guard_state_dirty - a state changed: write at the next tick (lock held) */
void guard_state_dirty(guard *g);
/* guard_state_tick - write if dirty or state_every has passed */
void guard_state_tick(guard *g);
/* guard_state_save - write now; 0, or -1 (logged once) */
int guard_state_save(guard *g);
/*
 * guard_grace_until - when the grace of e ends, or 0 when e is not in
 * temperror grace at now (lock held)
 */
time_t guard_grace_until(const struct guard_entry *e, time_t now);
/*
 * guard_action_words - "action tempfail", or, while grace still signs,
 * "within grace until HH:MM:SS UTC, then tempfail" (lock held)
 */
void guard_action_words(const struct guard_entry *e, time_t now, char *buf,
    size_t len);

#endif /* DKIMGUARD_GUARD_STATE_H */
