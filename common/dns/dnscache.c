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
 *
 *	Queries with a deadline (dnscache_prefetch, dnscache_get_keys) are
 *	not run by the asking thread: the entry is marked pending and put
 *	on a queue served by up to conf.workers threads, started when
 *	first needed; the asking thread waits on the condition variable
 *	with a timeout (CLOCK_MONOTONIC), so it can give up at its
 *	deadline while the query finishes and fills the cache for later.
 *
 *	Parsed key records hang off the entry that holds their answer
 *	(recs[], valid while gen is unchanged).  The parse runs without
 *	the lock with the entry pinned (waiters); a thread that finds the
 *	answer replaced meanwhile keeps its parse to itself.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
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
	const char *why;                 /* failure in words, or NULL */
	unsigned long gen;               /* bumped with each new answer */
	int parsed;                      /* recs[] parse this answer */
	dkim_keyrec *recs[DKIM_TXT_MAX]; /* recs[i]: ans.txt[i] or NULL */
	struct entry *qnext;             /* worker queue */
};

struct dnscache {
	struct dnscache_conf conf;
	dkim_lookup backend;
	pthread_mutex_t lock;
	pthread_cond_t done;       /* some query finished */
	struct hashtab *byname;    /* name -> struct entry */
	struct entry *head, *tail; /* LRU */
	struct dnscache_stats st;
	pthread_cond_t work;         /* queue not empty, or stopping */
	struct entry *qhead, *qtail; /* queries for the workers */
	pthread_t *workers;          /* conf.workers slots */
	unsigned nworkers, idle;
	int stopping;
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
	conf->temp_ttl = 30;
	conf->workers = 32;
}

/* dnscache_new - an empty cache in front of backend */
dkim_rc
dnscache_new(const struct dnscache_conf *conf, dkim_lookup backend,
    dnscache **out)
{
	dnscache *c;

	pthread_condattr_t ca;

	*out = NULL;
	if (conf->max_entries == 0 || backend.query == NULL ||
	    conf->min_ttl > conf->max_ttl)
		return DKIM_EINVAL;
	if ((c = calloc(1, sizeof *c)) == NULL)
		return DKIM_ENOMEM;
	c->conf = *conf;
	if (c->conf.workers == 0)
		c->conf.workers = 1;
	c->backend = backend;
	c->workers = calloc(c->conf.workers, sizeof *c->workers);
	/* sized for a busy cache; it grows when the bound is larger */
	c->byname =
	    hashtab_new(conf->max_entries < 4096 ? conf->max_entries : 4096, 0);
	if (c->byname == NULL || c->workers == NULL) {
		hashtab_free(c->byname);
		free(c->workers);
		free(c);
		return DKIM_ENOMEM;
	}
	pthread_mutex_init(&c->lock, NULL);
	/* deadlines are monotonic: a clock step must not stretch a wait */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->done, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&c->work, NULL);
	*out = c;
	return DKIM_OK;
}

/* recs_clear - drop the entry's parsed records */
static void
recs_clear(struct entry *e)
{
	size_t i;

	for (i = 0; i < DKIM_TXT_MAX; i++) {
		dkim_keyrec_free(e->recs[i]);
		e->recs[i] = NULL;
	}
	e->parsed = 0;
}

/* entry_free - release one entry (unlinked already) */
static void
entry_free(struct entry *e)
{
	recs_clear(e);
	dkim_txt_answer_clear(&e->ans);
	free(e->name);
	free(e);
}

/* dnscache_free - release every entry */
void
dnscache_free(dnscache *c)
{
	struct entry *e, *next;

	unsigned i;

	if (c == NULL)
		return;
	/* workers finish the query they run (bounded by the backend's
	 * own deadline) and leave the rest of the queue */
	pthread_mutex_lock(&c->lock);
	c->stopping = 1;
	pthread_cond_broadcast(&c->work);
	pthread_mutex_unlock(&c->lock);
	for (i = 0; i < c->nworkers; i++)
		pthread_join(c->workers[i], NULL);
	free(c->workers);
	for (e = c->head; e != NULL; e = next) {
		next = e->next;
		entry_free(e);
	}
	pthread_cond_destroy(&c->done);
	pthread_cond_destroy(&c->work);
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
		info->why = e->why;
	}
	return copy_answer(&e->ans, ans);
}

/* run_query - ask the backend for e without the lock; store the result */
static void
run_query(dnscache *c, struct entry *e)
{
	dkim_txt_answer fresh;
	const char *why = NULL;
	dkim_rc rc;

	e->pending = 1;
	c->st.queries++;
	pthread_mutex_unlock(&c->lock);
	memset(&fresh, 0, sizeof fresh);
	if (c->conf.why_query != NULL)
		rc = c->conf.why_query(c->backend.ctx, e->name, &fresh, &why);
	else
		rc = c->backend.query(c->backend.ctx, e->name, &fresh);
	pthread_mutex_lock(&c->lock);
	e->last_rc = rc;
	if (rc == DKIM_OK) {
		dkim_txt_answer_clear(&e->ans);
		recs_clear(e);
		e->gen++;
		e->why = fresh.status == DKIM_DNS_SERVFAIL ||
			fresh.status == DKIM_DNS_TIMEOUT ?
		    why :
		    NULL;
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

/* find_entry - the entry for name, made when missing, at the front of
 * the LRU list; returns with the lock held, or NULL (ENOMEM) without */
static struct entry *
find_entry(dnscache *c, const char *name)
{
	struct entry *e;
	char *key;

	if ((key = make_key(name)) == NULL)
		return NULL;
	pthread_mutex_lock(&c->lock);
	if ((e = hashtab_get(c->byname, key)) != NULL)
		free(key);
	else if ((e = insert(c, key)) == NULL) {
		pthread_mutex_unlock(&c->lock);
		free(key);
		return NULL;
	}
	lru_front(c, e);
	return e;
}

/* lookup - dnscache_get and dnscache_refresh */
static dkim_rc
lookup(dnscache *c, const char *name, int force, dkim_txt_answer *ans,
    struct dnscache_info *info)
{
	struct entry *e;
	dkim_rc rc;

	if ((e = find_entry(c, name)) == NULL)
		return DKIM_ENOMEM;
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

/* worker - serve the queue until the cache is freed */
static void *
worker(void *arg)
{
	dnscache *c = arg;
	struct entry *e;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->stopping && c->qhead == NULL) {
			c->idle++;
			pthread_cond_wait(&c->work, &c->lock);
			c->idle--;
		}
		if (c->stopping)
			break;
		e = c->qhead;
		if ((c->qhead = e->qnext) == NULL)
			c->qtail = NULL;
		e->qnext = NULL;
		run_query(c, e); /* pending since enqueue: pinned */
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/* start_worker - one more worker, with every signal blocked: signals
 * are the daemon's main thread's business, whichever thread asks */
static int
start_worker(dnscache *c)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&c->workers[c->nworkers], NULL, worker, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* enqueue - hand e's query to a worker (lock held); a worker is
 * started when none is idle and the bound allows.  Without any worker
 * (thread creation failed) the query runs here, without a deadline. */
static void
enqueue(dnscache *c, struct entry *e)
{
	e->pending = 1;
	e->qnext = NULL;
	if (c->qtail != NULL)
		c->qtail->qnext = e;
	else
		c->qhead = e;
	c->qtail = e;
	if (c->idle == 0 && c->nworkers < c->conf.workers &&
	    start_worker(c) == 0)
		c->nworkers++;
	if (c->nworkers == 0) {
		c->qhead = c->qtail = NULL;
		run_query(c, e);
		return;
	}
	pthread_cond_signal(&c->work);
}

/* wait_until - wait for e's query until deadline (NULL: no limit);
 * 0 when it finished, -1 when the deadline came first (lock held) */
static int
wait_until(dnscache *c, struct entry *e, const struct timespec *deadline)
{
	c->st.coalesced++;
	e->waiters++;
	while (e->pending)
		if (deadline == NULL)
			pthread_cond_wait(&c->done, &c->lock);
		else if (pthread_cond_timedwait(&c->done, &c->lock, deadline) ==
		    ETIMEDOUT)
			break;
	e->waiters--;
	return e->pending ? -1 : 0;
}

/* dnscache_prefetch - start name's query unless fresh or in flight */
dkim_rc
dnscache_prefetch(dnscache *c, const char *name)
{
	struct entry *e;

	if ((e = find_entry(c, name)) == NULL)
		return DKIM_ENOMEM;
	if (!e->pending && !(e->valid && now(c) < e->expires)) {
		c->st.prefetches++;
		enqueue(c, e);
	}
	pthread_mutex_unlock(&c->lock);
	return DKIM_OK;
}

/* attach_recs - the parsed records of e's answer into ans->rec[]
 * (lock held; released and taken again while parsing) */
static void
attach_recs(dnscache *c, struct entry *e, dkim_key_answer *ans)
{
	dkim_keyrec *tmp[DKIM_TXT_MAX] = {NULL};
	char reason[DKIM_REASON_MAX];
	unsigned long gen = e->gen;
	size_t i, n = ans->txt.count;
	int nomem = 0;

	if (e->parsed) {
		for (i = 0; i < n && i < DKIM_TXT_MAX; i++)
			ans->rec[i] = dkim_keyrec_ref(e->recs[i]);
		return;
	}
	/* the first message after a new answer parses it, unlocked */
	e->waiters++;
	pthread_mutex_unlock(&c->lock);
	for (i = 0; i < n && i < DKIM_TXT_MAX; i++)
		if (dkim_keyrec_parse(ans->txt.txt[i], strlen(ans->txt.txt[i]),
			&tmp[i], reason) == DKIM_ENOMEM)
			nomem = 1; /* left for the library to meet */
	pthread_mutex_lock(&c->lock);
	e->waiters--;
	c->st.parses++;
	if (e->gen == gen && !e->parsed && !nomem) {
		for (i = 0; i < n && i < DKIM_TXT_MAX; i++)
			e->recs[i] = dkim_keyrec_ref(tmp[i]);
		e->parsed = 1;
	}
	for (i = 0; i < n && i < DKIM_TXT_MAX; i++)
		ans->rec[i] = tmp[i];
}

/* dnscache_get_keys - the answer by deadline, with parsed records */
dkim_rc
dnscache_get_keys(dnscache *c, const char *name,
    const struct timespec *deadline, dkim_key_answer *ans,
    struct dnscache_info *info)
{
	struct entry *e;
	dkim_rc rc;
	int hit = 1;

	memset(ans, 0, sizeof *ans);
	if ((e = find_entry(c, name)) == NULL)
		return DKIM_ENOMEM;
	if (e->valid && now(c) < e->expires)
		c->st.hits++;
	else {
		hit = 0;
		c->st.misses++;
		if (!e->pending)
			enqueue(c, e);
		if (e->pending && wait_until(c, e, deadline) < 0) {
			/* the query goes on and fills the cache for later */
			c->st.budget_over++;
			pthread_mutex_unlock(&c->lock);
			ans->txt.status = DKIM_DNS_TIMEOUT;
			ans->why = DNSCACHE_WHY_BUDGET;
			return DKIM_OK;
		}
	}
	rc = reply(e, hit, &ans->txt, info);
	if (rc == DKIM_OK && ans->txt.status == DKIM_DNS_OK)
		attach_recs(c, e, ans);
	else if (rc == DKIM_OK)
		ans->why = e->why;
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/* budget_query - dnscache_get_keys as a dkim_keylookup */
static dkim_rc
budget_query(void *ctx, const char *name, dkim_key_answer *ans)
{
	struct dnscache_budget *b = ctx;

	return dnscache_get_keys(b->cache, name, &b->deadline, ans, NULL);
}

/* dnscache_budget_start - a deadline ms from now for c's lookups */
void
dnscache_budget_start(struct dnscache_budget *b, dnscache *c, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, &b->deadline);
	b->deadline.tv_sec += ms / 1000;
	b->deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (b->deadline.tv_nsec >= 1000000000L) {
		b->deadline.tv_sec++;
		b->deadline.tv_nsec -= 1000000000L;
	}
	b->cache = c;
}

/* dnscache_budget_iface - lookups that end by the budget's deadline */
dkim_keylookup
dnscache_budget_iface(struct dnscache_budget *b)
{
	dkim_keylookup lk = {budget_query, b};

	return lk;
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
