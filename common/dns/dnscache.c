/*
 * dnscache.c - one shared, bounded TXT cache with coalesced lookups.
 *
 * DESCRIPTION
 *	A hash table of entries by name (util/hashtab) plus an LRU list,
 *	under one mutex.  The mutex is never held across a backend
 *	query: the thread that misses marks the entry "pending", unlocks,
 *	asks the backend, locks again, stores the answer and broadcasts on
 *	the cache's condition variable; threads that find the entry pending
 *	wait for that broadcast and copy the same answer (coalescing).
 *	Pending entries and entries with waiters are pinned: eviction skips
 *	them, so the bound can be passed by at most the number of lookups in
 *	flight.  TTL rules: RFC 2308 (negative caching, 5 and 7.1) with the
 *	caps and floor of struct dnscache_conf.  See dnscache.h.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dnscache.h"
#include "util/hashtab.h"

struct entry {
	char *name;                /* lower-case, no trailing dot; the key */
	struct entry *prev, *next; /* LRU list, most recent first */
	int pending;               /* a query is in flight */
	int valid;                 /* ans holds an answer */
	unsigned waiters;          /* threads waiting on this entry */
	dkim_rc last_rc;           /* backend's code of the last query */
	dkim_txt_answer ans;
	time_t fetched, expires;
};

struct dnscache {
	struct dnscache_conf conf;
	dkim_lookup backend;
	pthread_mutex_t lock;
	pthread_cond_t done;       /* some query finished */
	struct hashtab *byname;    /* name -> struct entry */
	struct entry *head, *tail; /* LRU */
	struct dnscache_stats st;
};

/* dnscache_conf_init - the defaults documented in dnscache.h */
void
dnscache_conf_init(struct dnscache_conf *conf)
{
	memset(conf, 0, sizeof *conf);
	conf->max_entries = 10000;
	conf->min_ttl = 1;
	conf->max_ttl = 3600;
	conf->max_neg_ttl = 300;
	conf->temp_ttl = 5;
}

/* dnscache_new - an empty cache in front of backend */
dkim_rc
dnscache_new(const struct dnscache_conf *conf, dkim_lookup backend,
    dnscache **out)
{
	dnscache *c;

	*out = NULL;
	if (conf->max_entries == 0 || backend.query == NULL ||
	    conf->min_ttl > conf->max_ttl)
		return DKIM_EINVAL;
	if ((c = calloc(1, sizeof *c)) == NULL)
		return DKIM_ENOMEM;
	c->conf = *conf;
	c->backend = backend;
	/* sized for a busy cache; it grows when the bound is larger */
	c->byname =
	    hashtab_new(conf->max_entries < 4096 ? conf->max_entries : 4096, 0);
	if (c->byname == NULL) {
		free(c);
		return DKIM_ENOMEM;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->done, NULL);
	*out = c;
	return DKIM_OK;
}

/* entry_free - release one entry (unlinked already) */
static void
entry_free(struct entry *e)
{
	dkim_txt_answer_clear(&e->ans);
	free(e->name);
	free(e);
}

/* dnscache_free - release every entry */
void
dnscache_free(dnscache *c)
{
	struct entry *e, *next;

	if (c == NULL)
		return;
	for (e = c->head; e != NULL; e = next) {
		next = e->next;
		entry_free(e);
	}
	pthread_cond_destroy(&c->done);
	pthread_mutex_destroy(&c->lock);
	hashtab_free(c->byname);
	free(c);
}

/* now - the injected clock or time(NULL) */
static time_t
now(const dnscache *c)
{
	return c->conf.clock ? c->conf.clock(c->conf.clock_arg) : time(NULL);
}

/* make_key - lower-case copy without one trailing dot (RFC 4343) */
static char *
make_key(const char *name)
{
	size_t i, n = strlen(name);
	char *key;

	if (n > 0 && name[n - 1] == '.')
		n--;
	if ((key = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		key[i] = (char)tolower((unsigned char)name[i]);
	key[n] = '\0';
	return key;
}

/* lru_unlink, lru_front - LRU list upkeep */
static void
lru_unlink(dnscache *c, struct entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void
lru_front(dnscache *c, struct entry *e)
{
	if (c->head == e)
		return;
	if (e->prev || e->next || c->tail == e)
		lru_unlink(c, e);
	e->next = c->head;
	if (c->head)
		c->head->prev = e;
	c->head = e;
	if (c->tail == NULL)
		c->tail = e;
}

/* drop - unlink and free one unpinned entry */
static void
drop(dnscache *c, struct entry *e)
{
	hashtab_remove(c->byname, e->name);
	lru_unlink(c, e);
	entry_free(e);
	c->st.entries--;
}

/* evict - make room: drop least recently used unpinned entries */
static void
evict(dnscache *c)
{
	struct entry *e = c->tail, *prev;

	while (c->st.entries >= c->conf.max_entries && e != NULL) {
		prev = e->prev;
		if (!e->pending && e->waiters == 0) {
			drop(c, e);
			c->st.evictions++;
		}
		e = prev;
	}
}

/* insert - a new empty entry that takes ownership of key */
static struct entry *
insert(dnscache *c, char *key)
{
	struct entry *e;

	evict(c);
	if ((e = calloc(1, sizeof *e)) == NULL)
		return NULL;
	if (hashtab_put(c->byname, key, e) < 0) {
		free(e);
		return NULL;
	}
	e->name = key;
	lru_front(c, e);
	c->st.entries++;
	return e;
}

/* copy_answer - deep copy for the caller */
static dkim_rc
copy_answer(const dkim_txt_answer *from, dkim_txt_answer *to)
{
	size_t i;

	memset(to, 0, sizeof *to);
	to->status = from->status;
	to->ttl = from->ttl;
	for (i = 0; i < from->count; i++)
		if (dkim_txt_answer_add(to, from->txt[i],
			strlen(from->txt[i])) != DKIM_OK) {
			dkim_txt_answer_clear(to);
			return DKIM_ENOMEM;
		}
	return DKIM_OK;
}

/* lifetime - how long an answer is served (RFC 2308 5, 7.1) */
static uint32_t
lifetime(const dnscache *c, const dkim_txt_answer *ans)
{
	uint32_t ttl = ans->ttl, cap;

	switch (ans->status) {
	case DKIM_DNS_OK:
		cap = c->conf.max_ttl;
		break;
	case DKIM_DNS_NXDOMAIN:
	case DKIM_DNS_NODATA:
		cap = c->conf.max_neg_ttl;
		break;
	default:
		return c->conf.temp_ttl;
	}
	if (ttl > cap)
		ttl = cap;
	return ttl < c->conf.min_ttl ? c->conf.min_ttl : ttl;
}

/* reply - copy the entry's answer and info out (lock held) */
static dkim_rc
reply(const struct entry *e, int hit, dkim_txt_answer *ans,
    struct dnscache_info *info)
{
	if (!e->valid) {
		memset(ans, 0, sizeof *ans);
		return e->last_rc != DKIM_OK ? e->last_rc : DKIM_ENOMEM;
	}
	if (info != NULL) {
		info->hit = hit;
		info->fetched = e->fetched;
		info->expires = e->expires;
		info->ttl = e->ans.ttl;
	}
	return copy_answer(&e->ans, ans);
}

/* run_query - ask the backend for e without the lock; store the result */
static void
run_query(dnscache *c, struct entry *e)
{
	dkim_txt_answer fresh;
	dkim_rc rc;

	e->pending = 1;
	c->st.queries++;
	pthread_mutex_unlock(&c->lock);
	memset(&fresh, 0, sizeof fresh);
	rc = c->backend.query(c->backend.ctx, e->name, &fresh);
	pthread_mutex_lock(&c->lock);
	e->last_rc = rc;
	if (rc == DKIM_OK) {
		dkim_txt_answer_clear(&e->ans);
		e->ans = fresh;
		e->valid = 1;
		e->fetched = now(c);
		e->expires = e->fetched + lifetime(c, &fresh);
	} else
		dkim_txt_answer_clear(&fresh);
	e->pending = 0;
	pthread_cond_broadcast(&c->done);
}

/* wait_query - wait for the query in flight on e (coalescing) */
static void
wait_query(dnscache *c, struct entry *e)
{
	c->st.coalesced++;
	e->waiters++;
	while (e->pending)
		pthread_cond_wait(&c->done, &c->lock);
	e->waiters--;
}

/* lookup - dnscache_get and dnscache_refresh */
static dkim_rc
lookup(dnscache *c, const char *name, int force, dkim_txt_answer *ans,
    struct dnscache_info *info)
{
	struct entry *e;
	char *key;
	dkim_rc rc;

	if ((key = make_key(name)) == NULL)
		return DKIM_ENOMEM;
	pthread_mutex_lock(&c->lock);
	if ((e = hashtab_get(c->byname, key)) != NULL)
		free(key);
	else if ((e = insert(c, key)) == NULL) {
		pthread_mutex_unlock(&c->lock);
		free(key);
		return DKIM_ENOMEM;
	}
	lru_front(c, e);
	if (!force && e->valid && now(c) < e->expires) {
		c->st.hits++;
		rc = reply(e, 1, ans, info);
	} else {
		c->st.misses++;
		if (e->pending)
			wait_query(c, e);
		else
			run_query(c, e);
		rc = reply(e, 0, ans, info);
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* dnscache_get - cached answer or one (coalesced) query */
dkim_rc
dnscache_get(dnscache *c, const char *name, dkim_txt_answer *ans,
    struct dnscache_info *info)
{
	return lookup(c, name, 0, ans, info);
}

/* dnscache_refresh - always a fresh answer (or the one in flight) */
dkim_rc
dnscache_refresh(dnscache *c, const char *name, dkim_txt_answer *ans,
    struct dnscache_info *info)
{
	return lookup(c, name, 1, ans, info);
}

/* dnscache_flush - drop every unpinned entry */
void
dnscache_flush(dnscache *c)
{
	struct entry *e, *next;

	pthread_mutex_lock(&c->lock);
	for (e = c->head; e != NULL; e = next) {
		next = e->next;
		if (!e->pending && e->waiters == 0)
			drop(c, e);
	}
	pthread_mutex_unlock(&c->lock);
}

/* dnscache_stats - a copy of the counters */
void
dnscache_stats(dnscache *c, struct dnscache_stats *st)
{
	pthread_mutex_lock(&c->lock);
	*st = c->st;
	pthread_mutex_unlock(&c->lock);
}

/* iface_query - dkim_lookup adapter */
static dkim_rc
iface_query(void *ctx, const char *name, dkim_txt_answer *ans)
{
	return dnscache_get(ctx, name, ans, NULL);
}

/* dnscache_iface - the cache as a dkim_lookup */
dkim_lookup
dnscache_iface(dnscache *c)
{
	dkim_lookup lk = {iface_query, c};

	return lk;
}
