/*
 * guard_fresh.c - how fresh the guard's states are: where a check asks
 *		   (the zone's authoritative servers, else the resolver),
 *		   when an entry is checked again, the query budget, the
 *		   operator's re-check.
 *
 * DESCRIPTION
 *	With max_age set, an entry's state must never be more than the
 *	window behind the authoritative servers (guard.h, "Freshness").
 *	A valid entry is checked every period = window - 2 s: one second
 *	for the refresher's whole-second timer, one for the check itself.
 *	The window is max_age unless n entries cannot be checked once per
 *	max_age - 2 s within query_rate checks per second; then it grows
 *	to n / query_rate + 2.  Start-up spreads the valid entries evenly
 *	over one period (fresh_spread) and every later check keeps its
 *	entry's phase, so a 10,000-key table costs n / period queries each
 *	second instead of a burst.  A token bucket (fresh_tokens) holds
 *	every pass to query_rate checks a second whatever comes due, the
 *	start-up and reload checks included (guard_check_start takes one
 *	second's tokens and leaves the rest of the unchecked entries due).  Entries that
 *	are not valid back off 1, 2, 4 ... s up to the period, so a fix is
 *	seen within 2 s without hammering a broken zone.
 *	Exports guard_freshness, guard_recheck, guard_via_str and the
 *	fresh_* helpers of guard_int.h.
 */
#define _GNU_SOURCE /* asprintf */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "common/dns/authq.h"
#include "guard_int.h"

/* fresh_period - s between two checks of a valid entry (guard_int.h) */
unsigned
fresh_period(guard *g, size_t n)
{
	unsigned rate = g->conf.query_rate ? g->conf.query_rate : 1;
	unsigned need = (unsigned)((n + rate - 1) / rate);
	unsigned win = g->conf.max_age;

	if (need + 2 > win)
		win = need + 2; /* the budget cannot keep max_age */
	return win > 3 ? win - 2 : 1;
}

/* fresh_next - next check time after a check at now (guard_int.h) */
time_t
fresh_next(struct guard_entry *e, time_t now)
{
	unsigned period = fresh_period(e->g, e->g->n);

	if (e->state == GUARD_VALID) {
		e->backoff = 0;
		return now + period;
	}
	/* not valid: 1 s, then doubling up to the period */
	e->backoff = e->backoff == 0 ? 1 : e->backoff * 2;
	if (e->backoff > period)
		e->backoff = period;
	return now + e->backoff;
}

/* fresh_fetch - the answer for one check (guard_int.h) */
void
fresh_fetch(struct guard_entry *e, dkim_txt_answer *ans, guard_via *via,
    char **why, struct dnscache_info *info)
{
	guard *g = e->g;
	struct authq_how how;

	*why = NULL;
	memset(info, 0, sizeof *info);
	if (g->auth != NULL) {
		if (authq_txt(g->auth, e->keyname, ans, &how) != DKIM_OK) {
			memset(ans, 0, sizeof *ans); /* internal failure */
			ans->status = DKIM_DNS_SERVFAIL;
			*via = GUARD_VIA_AUTH;
			return;
		}
		if (!how.fallback) {
			*via = GUARD_VIA_AUTH;
			return;
		}
		*why = strdup(how.why);
		*via = GUARD_VIA_FALLBACK;
	} else
		*via = GUARD_VIA_RESOLVER;
	if (dnscache_refresh(g->conf.cache, e->keyname, ans, info) != DKIM_OK) {
		memset(ans, 0, sizeof *ans); /* internal failure */
		ans->status = DKIM_DNS_SERVFAIL;
	}
}

/* fresh_spread - valid entries due evenly over one period (guard_int.h) */
void
fresh_spread(guard *g)
{
	time_t now = guard_now(g);
	unsigned period;
	size_t i, k = 0, nvalid = 0;

	if (g->conf.max_age == 0)
		return;
	pthread_mutex_lock(&g->lock);
	period = fresh_period(g, g->n);
	for (i = 0; i < g->n; i++)
		nvalid += g->ent[i]->state == GUARD_VALID;
	for (i = 0; i < g->n; i++)
		if (g->ent[i]->state == GUARD_VALID) {
			k++;
			g->ent[i]->next_check =
			    now + (time_t)((period * k + nvalid - 1) / nvalid);
		}
	pthread_mutex_unlock(&g->lock);
}

/* by_due - qsort: earliest next_check first */
static int
by_due(const void *a, const void *b)
{
	time_t x = (*(guard_entry *const *)a)->next_check;
	time_t y = (*(guard_entry *const *)b)->next_check;

	return x < y ? -1 : x > y;
}

/* fresh_tokens - of want checks, how many the budget allows now */
size_t
fresh_tokens(guard *g, size_t want, time_t now)
{
	double rate = g->conf.query_rate ? g->conf.query_rate : 1;
	size_t take;

	/* one second's budget, refilled each new second */
	if (now != g->filled) {
		g->tokens = rate;
		g->filled = now;
	}
	take = g->tokens >= (double)want ? want : (size_t)g->tokens;
	g->tokens -= (double)take;
	return take;
}

/* fresh_take - how many due entries the budget allows now (guard_int.h) */
size_t
fresh_take(guard *g, guard_entry **list, size_t ndue, time_t now)
{
	size_t take;

	if (g->conf.max_age == 0 || ndue == 0)
		return ndue;
	pthread_mutex_lock(&g->lock);
	qsort(list, ndue, sizeof *list, by_due);
	take = fresh_tokens(g, ndue, now);
	pthread_mutex_unlock(&g->lock);
	return take;
}

/* fresh_window_log - say a new window once (guard_int.h) */
void
fresh_window_log(guard *g)
{
	unsigned w, was;
	size_t n;

	if (g->conf.max_age == 0)
		return;
	pthread_mutex_lock(&g->lock);
	n = g->n;
	w = fresh_period(g, n) + 2;
	was = g->window;
	g->window = w;
	pthread_mutex_unlock(&g->lock);
	if (was != 0 && was != w)
		guard_emit(g, w > g->conf.max_age ? LOG_WARNING : LOG_NOTICE,
		    "guard: freshness: window now %u s (GuardMaxAge %u s; "
		    "%zu key(s), GuardQueryRate %u/s)",
		    w, g->conf.max_age, n, g->conf.query_rate);
}

/* guard_freshness - the window and the sources now (guard.h) */
void
guard_freshness(guard *g, struct guard_fresh *f)
{
	size_t i;

	memset(f, 0, sizeof *f);
	pthread_mutex_lock(&g->lock);
	f->max_age = g->conf.max_age;
	f->query_rate = g->conf.query_rate;
	f->keys = g->n;
	if (g->conf.max_age > 0)
		f->window = fresh_period(g, g->n) + 2;
	for (i = 0; i < g->n; i++) {
		f->via_auth += g->ent[i]->via == GUARD_VIA_AUTH;
		f->via_fallback += g->ent[i]->via == GUARD_VIA_FALLBACK;
	}
	pthread_mutex_unlock(&g->lock);
}

/* guard_recheck - make matching entries due now (guard.h) */
size_t
guard_recheck(guard *g, const char *domain, const char *selector)
{
	struct guard_entry *e;
	size_t i, n = 0;

	pthread_mutex_lock(&g->lock);
	for (i = 0; i < g->n; i++) {
		e = g->ent[i];
		if (domain != NULL && strcasecmp(domain, e->domain) != 0)
			continue;
		if (selector != NULL && strcasecmp(selector, e->selector) != 0)
			continue;
		e->next_check = 0;
		e->backoff = 0;
		n++;
	}
	pthread_cond_broadcast(&g->wake);
	pthread_mutex_unlock(&g->lock);
	return n;
}

/* guard_via_str - the word for a source */
const char *
guard_via_str(guard_via v)
{
	switch (v) {
	case GUARD_VIA_AUTH:
		return "authoritative";
	case GUARD_VIA_FALLBACK:
		return "resolver fallback";
	case GUARD_VIA_RESOLVER:
		return "resolver";
	default:
		return "-";
	}
}
