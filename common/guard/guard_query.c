/*
 * guard_query.c - the guard's per-message API: the verdict for one
 *		   signature, message counters, the published record for
 *		   the self-check (parsed once per change, shared by
 *		   reference), and consistent copies of an entry.
 *
 * DESCRIPTION
 *	Everything here reads an entry under the guard's lock and never
 *	touches DNS, except guard_query on an entry that was never checked
 *	(a key added after guard_check_all), which checks it once first.
 *	The decision is data (struct guard_verdict); the session carries it
 *	out (smfi_setreply / smfi_quarantine / leave the signature out).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard_int.h"
#include "util/assert.h"

/* action_decision - the decision an action stands for */
static guard_decision
action_decision(guard_action a)
{
	switch (a) {
	case GUARD_ACT_HOLD:
		return GUARD_DO_HOLD;
	case GUARD_ACT_UNSIGNED:
		return GUARD_DO_UNSIGNED;
	case GUARD_ACT_SIGN:
		return GUARD_DO_SIGN_WARN;
	case GUARD_ACT_TEMPFAIL:
		return GUARD_DO_TEMPFAIL;
	default: /* GuardAction only parses to GUARD_ACTIONS */
		PANIC("guard action %d is none of GUARD_ACTIONS", (int)a);
	}
}

/* in_grace - temperror, and the last good result may still stand */
static int
in_grace(const struct guard_entry *e, time_t now)
{
	return e->state == GUARD_TEMPERROR && e->last_good != 0 &&
	    e->temp_since != 0 &&
	    now - e->temp_since < (time_t)e->g->conf.grace;
}

/* verdict_locked - fill v from e's state (lock held) */
static void
verdict_locked(const struct guard_entry *e, time_t now, struct guard_verdict *v)
{
	v->state = e->state;
	if (e->state == GUARD_VALID) {
		v->would = GUARD_DO_SIGN;
	} else if (in_grace(e, now)) {
		v->would = GUARD_DO_SIGN;
		v->grace = 1;
		snprintf(v->problem, sizeof v->problem,
		    "%.200s; using the result "
		    "of the last good check for %ld more seconds",
		    e->problem, (long)(e->temp_since + e->g->conf.grace - now));
	} else {
		v->would = action_decision(e->action);
		strlcpy(v->problem, e->problem, sizeof v->problem);
		snprintf(v->reply, sizeof v->reply,
		    "DKIM key %s not usable "
		    "(%s): %s",
		    e->keyname, guard_state_str(e->state), e->problem);
		guard_sanitize(v->reply);
	}
	v->decision = e->g->conf.dry_run ? GUARD_DO_SIGN : v->would;
}

/* guard_query - the verdict for a message signed with e's key */
void
guard_query(guard_entry *e, struct guard_verdict *v)
{
	guard *g = e->g;
	int unchecked;
	time_t now;

	memset(v, 0, sizeof *v);
	pthread_mutex_lock(&g->lock);
	unchecked = e->state == GUARD_UNCHECKED;
	pthread_mutex_unlock(&g->lock);
	if (unchecked)
		(void)guard_check(e);
	pthread_mutex_lock(&g->lock);
	now = guard_now(g);
	verdict_locked(e, now, v);
	/*
	 * A message is about to be refused or held for a key that is not
	 * valid: have the refresher look again now, at most once a second
	 * per key, so the retries of a fixed key go out at once whatever
	 * its back-off.  No wait here: the check runs in the refresher.
	 */
	if (g->conf.max_age > 0 && e->state != GUARD_VALID &&
	    e->checked < now && e->next_check > now) {
		e->next_check = now;
		pthread_cond_broadcast(&g->wake);
	}
	pthread_mutex_unlock(&g->lock);
}

/* guard_count - one more message of kind c (atomic, no lock) */
void
guard_count(guard_entry *e, guard_counter c)
{
	if (c < GUARD_CNT_MAX)
		__atomic_fetch_add(&e->count[c], 1, __ATOMIC_RELAXED);
}

/* vouched_locked - is the last good record the one to check against? */
static int
vouched_locked(const struct guard_entry *e)
{
	return e->good_record != NULL &&
	    (e->state == GUARD_VALID || in_grace(e, guard_now(e->g)));
}

/* guard_record - the record the new signature must verify against */
dkim_rc
guard_record(guard_entry *e, char **record)
{
	pthread_mutex_lock(&e->g->lock);
	*record = strdup(vouched_locked(e) ? e->good_record : e->want);
	pthread_mutex_unlock(&e->g->lock);
	return *record != NULL ? DKIM_OK : DKIM_ENOMEM;
}

/* guard_keyrec - guard_record parsed: a reference, no parsing, no copy */
dkim_keyrec *
guard_keyrec(guard_entry *e)
{
	dkim_keyrec *rec;

	pthread_mutex_lock(&e->g->lock);
	rec = dkim_keyrec_ref(vouched_locked(e) ? e->good_rec : e->want_rec);
	pthread_mutex_unlock(&e->g->lock);
	return rec;
}

/* guard_fix - the zone-file line that would make e valid */
dkim_rc
guard_fix(guard_entry *e, char **zone_line)
{
	return guard_zone_record(e->keyname, e->want, zone_line);
}

/* guard_entry_info - a copy of e taken under the lock */
void
guard_entry_info(guard_entry *e, struct guard_info *info)
{
	size_t c;

	memset(info, 0, sizeof *info);
	strlcpy(info->domain, e->domain, sizeof info->domain);
	strlcpy(info->selector, e->selector, sizeof info->selector);
	pthread_mutex_lock(&e->g->lock);
	info->state = e->state;
	info->action = e->action;
	memcpy(info->problem, e->problem, sizeof info->problem);
	info->checked = e->checked;
	info->since = e->since;
	info->last_good = e->last_good;
	info->next_check = e->next_check;
	info->ttl = e->ttl;
	info->via = e->via;
	info->backoff = e->backoff;
	if (e->via_why != NULL)
		strlcpy(info->via_why, e->via_why, sizeof info->via_why);
	pthread_mutex_unlock(&e->g->lock);
	for (c = 0; c < GUARD_CNT_MAX; c++)
		info->count[c] =
		    __atomic_load_n(&e->count[c], __ATOMIC_RELAXED);
}

/* guard_entries - how many entries */
size_t
guard_entries(guard *g)
{
	size_t n;

	pthread_mutex_lock(&g->lock);
	n = g->n;
	pthread_mutex_unlock(&g->lock);
	return n;
}

/* guard_entry_at - the i-th entry, NULL past the end */
guard_entry *
guard_entry_at(guard *g, size_t i)
{
	guard_entry *e;

	pthread_mutex_lock(&g->lock);
	e = i < g->n ? g->ent[i] : NULL;
	pthread_mutex_unlock(&g->lock);
	return e;
}

/* guard_aligned - DMARC relaxed alignment with the guard's list */
int
guard_aligned(guard *g, const char *d, const char *from)
{
	return guard_psl_aligned(g->psl, d, from);
}
