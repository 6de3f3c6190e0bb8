/*
 * guard.c - the published-key guard: life cycle, checks, the state
 *	     machine and the background refresher.
 *
 * DESCRIPTION
 *	Each entry (domain, selector, key) has one state, changed only by a
 *	check: fetch TXT at selector._domainkey.domain through the shared
 *	cache (dnscache_refresh, a real query), evaluate it (guard_eval.c),
 *	apply the result under the guard's lock.  A change of state is
 *	logged once, after the lock is released.  guard_query only reads the
 *	state, so a message never waits on DNS once its key was checked.
 *	The refresher thread sleeps until the next entry is due and checks it
 *	again: with max_age, on the schedule of guard_fresh.c (the record as
 *	its authoritative servers publish it, at most the window old);
 *	without, at about 80% of its TTL (schedule()), so a fixed record is
 *	seen within its TTL.  Temperror grace: see guard.h.
 */
#define _GNU_SOURCE /* asprintf */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "common/dns/authq.h"
#include "guard_int.h"
#include "guard_state.h"

/* guard_conf_init - the defaults documented in guard.h */
void
guard_conf_init(struct guard_conf *conf)
{
	memset(conf, 0, sizeof *conf);
	conf->grace = 3600;
	conf->min_refresh = 5;
	conf->max_refresh = 3600;
	conf->retry = 60;
	conf->state_every = 300;
	conf->max_age = 0; /* the daemon sets GuardMaxAge (10) */
	conf->query_rate = 200;
	conf->auth_port = 53;
}

/* guard_now - injected clock or time(NULL) */
time_t
guard_now(const guard *g)
{
	return g->conf.clock ? g->conf.clock(g->conf.clock_arg) : time(NULL);
}

/* guard_emit - log through the configured callback */
void
guard_emit(guard *g, int prio, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	if (g->conf.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	g->conf.log(g->conf.log_arg, prio, "%s", buf);
}

/* guard_new - an empty guard; the PSL is loaded here (start-up) */
dkim_rc
guard_new(const struct guard_conf *conf, guard **out)
{
	const char *psl = conf->psl_path ? conf->psl_path : GUARD_PSL_PATH;
	pthread_condattr_t ca;
	char err[256];
	guard *g;

	*out = NULL;
	if (conf->cache == NULL || conf->min_refresh == 0 ||
	    conf->min_refresh > conf->max_refresh)
		return DKIM_EINVAL;
	if ((g = calloc(1, sizeof *g)) == NULL)
		return DKIM_ENOMEM;
	g->conf = *conf;
	g->conf.psl_path = NULL;
	if (guard_state_init(g, conf) < 0) {
		free(g);
		return DKIM_ENOMEM;
	}
	/* RFC 4343: names are found without case */
	if ((g->byname = hashtab_new(64, HASHTAB_NOCASE)) == NULL) {
		free(g);
		return DKIM_ENOMEM;
	}
	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_init(&ca); /* timed waits on the monotonic clock */
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (conf->auth_res != NULL &&
	    authq_new(conf->auth_res, conf->auth_port, &g->auth) < 0)
		guard_emit(g, LOG_WARNING,
		    "guard: cannot set up authoritative "
		    "queries: asking the resolver");
	if (*psl != '\0' && guard_psl_load(psl, &g->psl, err, sizeof err) < 0)
		guard_emit(g, LOG_WARNING, "%s",
		    err); /* alignment: parent/child rule */
	*out = g;
	return DKIM_OK;
}

/* guard_free - stop the refresher, release everything */
void
guard_free(guard *g)
{
	size_t i;

	if (g == NULL)
		return;
	if (g->running) {
		pthread_mutex_lock(&g->lock);
		g->stop = 1;
		pthread_cond_broadcast(&g->wake);
		pthread_mutex_unlock(&g->lock);
		pthread_join(g->thread, NULL);
	}
	for (i = 0; i < g->n; i++)
		guard_entry_free(g->ent[i]);
	free(g->ent);
	hashtab_free(g->byname);
	authq_free(g->auth);
	guard_psl_free(g->psl);
	guard_state_fini(g);
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

/* clamp - v limited to [lo, hi] */
static time_t
clamp(time_t v, time_t lo, time_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* schedule - when to look again: before the TTL runs out */
static time_t
schedule(const guard *g, const struct guard_eval *ev)
{
	const struct guard_conf *c = &g->conf;
	time_t t = (time_t)ev->ttl * 4 / 5; /* 80% of the TTL */

	if (c->max_age > 0) /* freshness by age, not TTL (guard_fresh.c) */
		return 0;
	if (ev->state == GUARD_VALID)
		return clamp(t, c->min_refresh, c->max_refresh);
	if (ev->state == GUARD_TEMPERROR || t == 0 || t > (time_t)c->retry)
		t = c->retry;
	return clamp(t, c->min_refresh, c->max_refresh);
}

/* transition_msg - the one log line for a change of state */
static int
transition_msg(const struct guard_entry *e, guard_state old, char **msg)
{
	char *zone = NULL, act[96];
	int n;

	if (e->state == GUARD_VALID)
		return asprintf(msg, "key %s (d=%s s=%s): %s -> valid",
		    e->keyname, e->domain, e->selector, guard_state_str(old));
	if (e->state != GUARD_TEMPERROR)
		(void)guard_zone_record(e->keyname, e->want, &zone);
	guard_action_words(e, guard_now(e->g), act, sizeof act);
	n = asprintf(msg, "key %s (d=%s s=%s): %s -> %s: %s; %s%s%s",
	    e->keyname, e->domain, e->selector, guard_state_str(old),
	    guard_state_str(e->state), e->problem, act,
	    zone ? "; publish: " : "", zone ? zone : "");
	free(zone);
	return n;
}

/*
 * apply - store a check's result; *msg (if msg): a line on a change.  A
 * valid record replaces the last good one, text and parsed form together;
 * the old ones go back in ev for the caller to free outside the lock.
 */
static void
apply(struct guard_entry *e, struct guard_eval *ev, time_t now, char **msg)
{
	guard_state old = e->state;
	dkim_keyrec *rec;
	char *text;

	if (msg != NULL)
		*msg = NULL;
	if (ev->state == GUARD_VALID) {
		text = e->good_record;
		rec = e->good_rec;
		e->good_record = ev->record;
		e->good_rec = ev->rec;
		ev->record = text;
		ev->rec = rec;
		e->last_good = now;
	}
	if (ev->state != GUARD_TEMPERROR)
		e->temp_since = 0;
	else if (e->temp_since == 0)
		e->temp_since = now; /* grace runs from the first failure */
	e->state = ev->state;
	memcpy(e->problem, ev->problem, sizeof e->problem);
	e->ttl = ev->ttl;
	e->checked = now;
	e->next_check = e->g->conf.max_age > 0 ? fresh_next(e, now) :
						 now + schedule(e->g, ev);
	if (old != ev->state) {
		e->since = now;
		guard_state_dirty(e->g); /* GuardStateFile: write soon */
		if (msg != NULL && transition_msg(e, old, msg) < 0)
			*msg = NULL;
	}
}

/* guard_check_entry - check e; log a change unless quiet (guard_int.h) */
guard_state
guard_check_entry(guard_entry *e, int quiet, guard_state *oldp)
{
	guard *g = e->g;
	dkim_txt_answer ans;
	struct dnscache_info info;
	struct guard_eval ev;
	guard_state st, old;
	char *msg, *why, *vmsg = NULL;
	guard_via via;

	/* info: what kind of failure, when the resolver was asked */
	fresh_fetch(e, &ans, &via, &why, &info);
	guard_evaluate(e, &ans, &ev);
	/* a timeout is said so already; the other failures by kind */
	if (ev.state == GUARD_TEMPERROR && info.why != NULL &&
	    ans.status == DKIM_DNS_SERVFAIL)
		guard_eval_why(e, info.why, &ev);
	dkim_txt_answer_clear(&ans);
	pthread_mutex_lock(&g->lock);
	old = e->state;
	apply(e, &ev, guard_now(g), quiet ? NULL : &msg);
	st = e->state;
	if (via != e->via &&
	    (via == GUARD_VIA_FALLBACK || e->via == GUARD_VIA_FALLBACK) &&
	    asprintf(&vmsg, "key %s: freshness: %s%s%s", e->keyname,
		guard_via_str(via), why ? ": " : "", why ? why : "") < 0)
		vmsg = NULL;
	e->via = via;
	free(e->via_why);
	e->via_why = why;
	pthread_mutex_unlock(&g->lock);
	if (vmsg != NULL) /* said once per change of source */
		guard_emit(g,
		    via == GUARD_VIA_FALLBACK ? LOG_WARNING : LOG_NOTICE, "%s",
		    vmsg);
	free(vmsg);
	free(ev.record);
	dkim_keyrec_free(ev.rec);
	if (!quiet && msg != NULL)
		guard_emit(g, st == GUARD_VALID ? LOG_NOTICE : LOG_WARNING,
		    "%s", msg);
	/* accepted as receivers accept it, but worth fixing: said with
	 * each change the guard reports */
	if (!quiet && msg != NULL && ev.lenient[0] != '\0')
		guard_emit(g, LOG_WARNING,
		    "%s: tag name '%s' is outside RFC "
		    "6376 3.2's grammar (letters, digits, '_'); dkimguard, "
		    "dkimpy and Mail::DKIM accept it, a stricter verifier may "
		    "not: rename or remove it",
		    e->keyname, ev.lenient);
	if (!quiet)
		free(msg);
	if (oldp != NULL)
		*oldp = old;
	return st;
}

/* guard_check - check one entry now; returns its new state */
guard_state
guard_check(guard_entry *e)
{
	return guard_check_entry(e, 0, NULL);
}

/* guard_refresh_due - check entries whose time has come (guard.h) */
unsigned
guard_refresh_due(guard *g)
{
	guard_entry **list;
	time_t now = guard_now(g), next = now + g->conf.max_refresh;
	size_t i, n, ndue = 0, take;

	if ((list = guard_entries_copy(g, &n)) == NULL)
		return 1;
	fresh_window_log(g); /* keys added since ('%' entries) */
	pthread_mutex_lock(&g->lock);
	for (i = 0; i < n; i++) /* due ones to the front */
		if (list[i]->next_check <= now) {
			guard_entry *t = list[ndue];

			list[ndue++] = list[i];
			list[i] = t;
		}
	pthread_mutex_unlock(&g->lock);
	/* within the query budget; the rest stays due (guard_fresh.c) */
	if ((take = fresh_take(g, list, ndue, now)) < ndue)
		next = now + 1;
	guard_check_batch(list, take, 0, NULL);
	pthread_mutex_lock(&g->lock);
	for (i = 0; i < n; i++)
		if (list[i]->next_check < next)
			next = list[i]->next_check;
	pthread_mutex_unlock(&g->lock);
	free(list);
	now = guard_now(g);
	return next > now ? (unsigned)(next - now) : 1;
}

/* refresher - the background thread: sleep until due, check, repeat */
static void *
refresher(void *arg)
{
	guard *g = arg;
	struct timespec ts;
	unsigned wait;

	pthread_mutex_lock(&g->lock);
	while (!g->stop) {
		pthread_mutex_unlock(&g->lock);
		wait = guard_refresh_due(g);
		guard_state_tick(g); /* GuardStateFile, never per message */
		pthread_mutex_lock(&g->lock);
		if (g->stop)
			break;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += wait;
		pthread_cond_timedwait(&g->wake, &g->lock, &ts);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

/* guard_load_state - the last good checks on disk (guard.h) */
int
guard_load_state(guard *g)
{
	return guard_state_load(g);
}

/* guard_start - start the refresher thread */
int
guard_start(guard *g)
{
	if (g->running)
		return 0;
	if (pthread_create(&g->thread, NULL, refresher, g) != 0)
		return -1;
	g->running = 1;
	return 0;
}
