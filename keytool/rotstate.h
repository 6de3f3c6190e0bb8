/*
 * rotstate.h - key rotation state: the state file and its state machine.
 *
 * DESCRIPTION
 *	Per domain, a rotation goes
 *	    (idle) --start--> staged --activate--> retiring --retire--> (idle)
 *	staged: a new key is in the key table, not in the signing table;
 *	retiring: the signing table uses the new key, the old key stays in
 *	the key table (and its record in DNS) for a grace period, so mail
 *	signed with it before the switch still verifies.
 *
 *	The state file (default KEYTABLE.rotation) holds one line per
 *	domain and state, '#' comments allowed:
 *	  DOMAIN staged   SELECTOR KEYNAME SINCE OLDSELECTOR OLDKEYNAME
 *	  DOMAIN retiring SELECTOR KEYNAME SINCE
 *	SINCE is ISO 8601 UTC: when the key was staged, or for a retiring
 *	key when the new key was activated (the grace period starts then).
 *
 *	The kt_rot_* functions are pure: they take the time as an argument
 *	(the command passes kt_now(), which honours DKIMGUARD_NOW).
 */
#ifndef KT_ROTSTATE_H
#define KT_ROTSTATE_H

#include <time.h>

#include "keytool.h"
#include "table.h"

#define KT_GRACE_DEFAULT (7L * 86400)
#define KT_NAME_MAX 256

struct kt_rot {
	char domain[KT_DOM_MAX + 1];
	int staged; /* a key waits for activation */
	char new_sel[KT_SEL_MAX + 1], new_key[KT_NAME_MAX];
	char old_sel[KT_SEL_MAX + 1], old_key[KT_NAME_MAX];
	time_t staged_at;
	int retiring; /* an old key waits for retirement */
	char ret_sel[KT_SEL_MAX + 1], ret_key[KT_NAME_MAX];
	time_t activated_at;
};

struct kt_rotstate {
	struct kt_table file;
	struct kt_rot *rot;
	size_t n;
};

/* kt_rotstate_load - read the state file (absent: no rotations) */
int kt_rotstate_load(struct kt_rotstate *rs, const char *path);
/* kt_rotstate_save - replace the state file atomically */
int kt_rotstate_save(struct kt_rotstate *rs);
void kt_rotstate_free(struct kt_rotstate *rs);
/* kt_rotstate_get - the domain's record; create: add an idle one */
struct kt_rot *
kt_rotstate_get(struct kt_rotstate *rs, const char *domain, int create);

/* kt_duration_parse - "7d", "36h", "90m", "600s", "600"; -1 if bad */
long kt_duration_parse(const char *s);
/* kt_duration_fmt - "6d 23h", "5h 10m", "42s" */
const char *kt_duration_fmt(long secs, char *buf, size_t len);

/* transitions: the check (0, or -1 with why) and the change */
int kt_rot_can_start(const struct kt_rot *r, char *why, size_t len);
void kt_rot_start(struct kt_rot *r, const char *new_sel, const char *new_key,
    const char *old_sel, const char *old_key, time_t now);
int kt_rot_can_activate(const struct kt_rot *r, char *why, size_t len);
void kt_rot_activate(struct kt_rot *r, time_t now);
int kt_rot_can_retire(const struct kt_rot *r, time_t now, long grace, char *why,
    size_t len);
void kt_rot_retire(struct kt_rot *r);
/*
 * kt_rot_next - what the next step waits for.  published: for a staged
 * key, 1 when its record is published and matches, 0 when not, -1 when
 * unknown (DNS failed).
 */
const char *kt_rot_next(const struct kt_rot *r, time_t now, long grace,
    int published, char *buf, size_t len);

#endif /* KT_ROTSTATE_H */
