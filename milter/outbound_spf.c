/*
 * outbound_spf.c - SPF of outgoing mail from this host's addresses and
 *		    the From: domains' DMARC policies, cached and computed
 *		    in the background (see outbound_spf.h).
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/spf/spf_dns_resolver.h"
#include "common/spf/spf_zone.h"
#include "outbound_spf.h"
#include "snapshot.h"
#include "util/hashtab.h"
#include "util/log.h"

/* what an entry holds */
enum kind {
	KIND_SPF = 0, /* key "spf domain addr addr ..." */
	KIND_DMARC    /* key "dmarc domain" */
};

#define KEY_SPF "spf "
#define KEY_DMARC "dmarc "

/* one question's answer */
struct entry {
	char key[OSPF_MAX_ADDRS * 48 + 264];
	enum kind kind;
	char domain[256];
	char sender[512];
	char helo[256];
	int have;                 /* a verdict is there */
	int queued;               /* the worker has it to do */
	time_t expires;           /* have: recompute from then */
	time_t created;           /* for eviction */
	struct ospf_answer ans;   /* KIND_SPF */
	struct dmarc_policy *pol; /* KIND_DMARC, once have */
	struct entry *next;       /* queue */
};

struct ospf {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_cond_t done; /* an answer came: for waiting messages */
	struct hashtab *cache;
	struct entry *head, *tail; /* the queue */
	struct spf_dns dns;
	guard_psl *psl;        /* owned; NULL: the last two labels */
	struct spf_zone *zone; /* owned: TestZone answers, or NULL */
	ospf_clock_fn clock;
	void *clock_arg;
	pthread_t thread;
	int running, stop;
};

static struct ospf *default_ospf;

/* now - the configured clock */
static time_t
now(const struct ospf *o)
{
	return o->clock != NULL ? o->clock(o->clock_arg) : time(NULL);
}

/* ospf_new - empty cache, no thread yet */
struct ospf *
ospf_new(const struct spf_dns *dns, ospf_clock_fn clock, void *clock_arg)
{
	struct ospf *o = calloc(1, sizeof *o);

	if (o == NULL || (o->cache = hashtab_new(64, HASHTAB_NOCASE)) == NULL) {
		free(o);
		return NULL;
	}
	pthread_mutex_init(&o->lock, NULL);
	pthread_cond_init(&o->wake, NULL);
	pthread_cond_init(&o->done, NULL);
	o->dns = *dns;
	o->clock = clock;
	o->clock_arg = clock_arg;
	return o;
}

/* entry_free - an entry and what it holds */
static void
entry_free(struct entry *e)
{
	free(e->pol);
	free(e);
}

/* free_entry - hashtab_walk callback */
static int
free_entry(void *arg, const char *key, void *value)
{
	entry_free(value);
	return 0;
}

/* ospf_free - the worker stops after the evaluation it is in */
void
ospf_free(struct ospf *o)
{
	if (o == NULL)
		return;
	pthread_mutex_lock(&o->lock);
	o->stop = 1;
	pthread_cond_broadcast(&o->wake);
	pthread_mutex_unlock(&o->lock);
	if (o->running)
		pthread_join(o->thread, NULL);
	if (default_ospf == o)
		default_ospf = NULL;
	hashtab_walk(o->cache, free_entry, NULL);
	hashtab_free(o->cache);
	guard_psl_free(o->psl);
	spf_zone_free(o->zone);
	pthread_cond_destroy(&o->wake);
	pthread_cond_destroy(&o->done);
	pthread_mutex_destroy(&o->lock);
	free(o);
}

/* ospf_set_psl - before the worker starts */
void
ospf_set_psl(struct ospf *o, guard_psl *psl)
{
	guard_psl_free(o->psl);
	o->psl = psl;
}

const guard_psl *
ospf_psl(const struct ospf *o)
{
	return o != NULL ? o->psl : NULL;
}

void
ospf_set_default(struct ospf *o)
{
	default_ospf = o;
}

struct ospf *
ospf_default(void)
{
	return default_ospf;
}

/* ---- one evaluation -------------------------------------------------- */

/* the spf_dns that notes the smallest TTL it saw */
struct ttl_dns {
	const struct spf_dns *inner;
	unsigned min; /* 0: none known */
};

/* note - keep the smallest known TTL */
static int
note(struct ttl_dns *t, int rc, const struct spf_rrset *out)
{
	if (rc == 0 && out->ttl > 0 && (t->min == 0 || out->ttl < t->min))
		t->min = out->ttl;
	return rc;
}

static int
t_txt(void *c, const char *n, struct spf_rrset *o)
{
	struct ttl_dns *t = c;
	return note(t, t->inner->txt(t->inner->ctx, n, o), o);
}
static int
t_a(void *c, const char *n, struct spf_rrset *o)
{
	struct ttl_dns *t = c;
	return note(t, t->inner->a(t->inner->ctx, n, o), o);
}
static int
t_aaaa(void *c, const char *n, struct spf_rrset *o)
{
	struct ttl_dns *t = c;
	return note(t, t->inner->aaaa(t->inner->ctx, n, o), o);
}
static int
t_mx(void *c, const char *n, struct spf_rrset *o)
{
	struct ttl_dns *t = c;
	return note(t, t->inner->mx(t->inner->ctx, n, o), o);
}
static int
t_ptr(void *c, const char *n, struct spf_rrset *o)
{
	struct ttl_dns *t = c;
	return note(t, t->inner->ptr(t->inner->ctx, n, o), o);
}

/* badness - the order of outbound_spf.h, least favourable highest */
static int
badness(enum spf_result r)
{
	switch (r) {
	case SPF_PASS:
		return 0;
	case SPF_NEUTRAL:
		return 1;
	case SPF_NONE:
		return 2;
	case SPF_SOFTFAIL:
		return 3;
	case SPF_TEMPERROR:
		return 4;
	case SPF_PERMERROR:
		return 5;
	default:
		return 6; /* fail */
	}
}

/* hold_for - how long an answer is kept: the smallest TTL it read,
 * within OSPF_MIN_TTL..OSPF_MAX_TTL; a temporary failure the least */
static unsigned
hold_for(unsigned min_ttl, int temp)
{
	if (temp || min_ttl < OSPF_MIN_TTL)
		return OSPF_MIN_TTL;
	return min_ttl > OSPF_MAX_TTL ? OSPF_MAX_TTL : min_ttl;
}

/* addrs_of - the address list of an SPF key, after "spf domain" */
static const char *
addrs_of(const struct entry *e)
{
	return e->key + strlen(KEY_SPF) + strlen(e->domain);
}

/*
 * evaluate_spf - check_host() (RFC 7208 4) from each address of the key;
 * fills the answer and returns how long it holds
 */
static unsigned
evaluate_spf(const struct spf_dns *dns, const struct entry *e,
    struct ospf_answer *a)
{
	struct ttl_dns t = {dns, 0};
	struct spf_dns d = {t_txt, t_a, t_aaaa, t_mx, t_ptr, &t};
	struct spf_request rq;
	struct spf_verdict v;
	char addrs[sizeof e->key], *p, *save = NULL;
	enum spf_result worst = SPF_PASS;
	char piece[SPF_TEXT_MAX + 64];
	const char *why;
	int first = 1, temp = 0;

	memset(a, 0, sizeof *a);
	snprintf(addrs, sizeof addrs, "%s", addrs_of(e));
	for (p = strtok_r(addrs, " ", &save); p != NULL;
	     p = strtok_r(NULL, " ", &save)) {
		memset(&rq, 0, sizeof rq);
		rq.ip = p;
		rq.domain = e->domain;
		rq.sender = e->sender;
		rq.helo = e->helo[0] ? e->helo : NULL;
		spf_check_host(&d, &rq, &v);
		why = v.mechanism[0] ? v.mechanism : v.reason;
		if (first || badness(v.result) > badness(worst)) {
			worst = v.result;
			snprintf(a->source, sizeof a->source, "%s (%.*s)", p,
			    (int)(sizeof a->source / 2), why);
		}
		first = 0;
		temp |= v.result == SPF_TEMPERROR;
		snprintf(piece, sizeof piece, "%s%s:%s(%s)",
		    a->detail[0] ? " " : "", p, spf_result_str(v.result), why);
		strlcat(a->detail, piece, sizeof a->detail);
	}
	snprintf(a->result, sizeof a->result, "%s", spf_result_str(worst));
	return hold_for(t.min, temp);
}

/* evaluate_dmarc - the policy of the entry's domain (RFC 7489 6.6.3);
 * NULL on ENOMEM, *ttl how long it holds */
static struct dmarc_policy *
evaluate_dmarc(const struct ospf *o, const struct entry *e, unsigned *ttl)
{
	struct ttl_dns t = {&o->dns, 0};
	struct spf_dns d = {t_txt, t_a, t_aaaa, t_mx, t_ptr, &t};
	struct dmarc_policy *pol = malloc(sizeof *pol);

	*ttl = OSPF_MIN_TTL;
	if (pol == NULL)
		return NULL;
	(void)dmarc_discover(&d, o->psl, e->domain, pol);
	*ttl = hold_for(t.min, pol->status == DMARC_TEMPERROR);
	return pol;
}

/* run_one - evaluate the queue's head outside the lock; under lock */
static void
run_one(struct ospf *o)
{
	struct entry *e = o->head, copy;
	struct dmarc_policy *pol = NULL;
	struct ospf_answer a;
	unsigned ttl;

	o->head = e->next;
	if (o->head == NULL)
		o->tail = NULL;
	copy = *e; /* e stays in the cache: only the worker frees... */
	pthread_mutex_unlock(&o->lock);
	if (copy.kind == KIND_DMARC)
		pol = evaluate_dmarc(o, &copy, &ttl);
	else
		ttl = evaluate_spf(&o->dns, &copy, &a);
	pthread_mutex_lock(&o->lock);
	/* the entry is still there: eviction skips queued entries */
	e->queued = 0;
	e->expires = now(o) + (time_t)ttl;
	if (copy.kind == KIND_SPF) {
		e->ans = a;
		e->have = 1;
	} else if (pol != NULL) {
		free(e->pol);
		e->pol = pol;
		e->have = 1;
	}
	pthread_cond_broadcast(&o->done);
}

/* ospf_run - the queue, in this thread */
void
ospf_run(struct ospf *o)
{
	pthread_mutex_lock(&o->lock);
	while (o->head != NULL)
		run_one(o);
	pthread_mutex_unlock(&o->lock);
}

/* worker - the queue, until stopped */
static void *
worker(void *arg)
{
	struct ospf *o = arg;

	pthread_mutex_lock(&o->lock);
	while (!o->stop) {
		if (o->head != NULL)
			run_one(o);
		else
			pthread_cond_wait(&o->wake, &o->lock);
	}
	pthread_mutex_unlock(&o->lock);
	return NULL;
}

/* ospf_start - one worker thread */
int
ospf_start(struct ospf *o)
{
	if (pthread_create(&o->thread, NULL, worker, o) != 0)
		return -1;
	o->running = 1;
	return 0;
}

/* ---- the cache --------------------------------------------------------- */

struct oldest {
	struct entry *e;
};

/* find_oldest - hashtab_walk callback: the oldest entry not queued */
static int
find_oldest(void *arg, const char *key, void *value)
{
	struct oldest *w = arg;
	struct entry *e = value;

	if (!e->queued && (w->e == NULL || e->created < w->e->created))
		w->e = e;
	return 0;
}

/* make_key - prefix, domain and " addr" for each address, lower-cased;
 * -1 when too long */
static int
make_key(const char *prefix, char *const *addrs, const char *domain, char *key,
    size_t len)
{
	size_t i, n;

	if (snprintf(key, len, "%s%s", prefix, domain) >= (int)len)
		return -1;
	for (i = 0; addrs != NULL && addrs[i] != NULL && i < OSPF_MAX_ADDRS;
	     i++) {
		n = strlen(key);
		if (snprintf(key + n, len - n, " %s", addrs[i]) >=
		    (int)(len - n))
			return -1;
	}
	for (n = 0; key[n] != '\0'; n++)
		key[n] = (char)tolower((unsigned char)key[n]);
	return 0;
}

/* queue - add e to the worker's queue; under lock */
static void
queue(struct ospf *o, struct entry *e)
{
	e->queued = 1;
	e->next = NULL;
	if (o->tail != NULL)
		o->tail->next = e;
	else
		o->head = e;
	o->tail = e;
	pthread_cond_signal(&o->wake);
}

/* add - a new entry for key, the oldest going when full; under lock */
static struct entry *
add(struct ospf *o, enum kind kind, const char *key, const char *domain,
    const char *sender, const char *helo, time_t t)
{
	struct oldest w = {NULL};
	struct entry *e;

	if (hashtab_count(o->cache) >= OSPF_MAX_ENTRIES) {
		hashtab_walk(o->cache, find_oldest, &w);
		if (w.e != NULL) {
			hashtab_remove(o->cache, w.e->key);
			entry_free(w.e);
		}
	}
	if ((e = calloc(1, sizeof *e)) == NULL)
		return NULL;
	e->kind = kind;
	snprintf(e->key, sizeof e->key, "%s", key);
	snprintf(e->domain, sizeof e->domain, "%s", domain);
	snprintf(e->sender, sizeof e->sender, "%s",
	    sender != NULL ? sender : "");
	snprintf(e->helo, sizeof e->helo, "%s", helo != NULL ? helo : "");
	e->created = t;
	if (hashtab_put(o->cache, e->key, e) < 0) {
		free(e);
		return NULL;
	}
	return e;
}

/* find - the entry of key, made and queued when new or expired (an
 * expired one is still answered while refreshed); under lock */
static struct entry *
find(struct ospf *o, enum kind kind, const char *key, const char *domain,
    const char *sender, const char *helo)
{
	time_t t = now(o);
	struct entry *e;

	if ((e = hashtab_get(o->cache, key)) == NULL &&
	    (e = add(o, kind, key, domain, sender, helo, t)) == NULL)
		return NULL;
	if ((!e->have || t >= e->expires) && !e->queued)
		queue(o, e);
	return e;
}

/* find_waiting - find, then wait up to wait_ms for a first answer while
 * the worker runs; e is looked up again after each wait, as it may have
 * been evicted meanwhile; under lock */
static struct entry *
find_waiting(struct ospf *o, enum kind kind, const char *key,
    const char *domain, const char *sender, const char *helo, unsigned wait_ms)
{
	struct entry *e = find(o, kind, key, domain, sender, helo);
	struct timespec until;

	if (e == NULL || e->have || wait_ms == 0 || !o->running)
		return e;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while ((e = hashtab_get(o->cache, key)) != NULL && !e->have)
		if (pthread_cond_timedwait(&o->done, &o->lock, &until) != 0)
			break;
	return hashtab_get(o->cache, key);
}

/* requeue - one cached entry due now, for ospf_refresh; under lock */
static int
requeue(void *arg, const char *key, void *value)
{
	struct entry *e = value;

	(void)key;
	e->expires = 0;
	if (!e->queued)
		queue(arg, e);
	return 0;
}

/* ospf_refresh - every cached verdict asked again now */
void
ospf_refresh(struct ospf *o)
{
	if (o == NULL)
		return;
	pthread_mutex_lock(&o->lock);
	hashtab_walk(o->cache, requeue, o);
	pthread_mutex_unlock(&o->lock);
}

/* ospf_get - cached, or pending and queued */
void
ospf_get(struct ospf *o, char *const *addrs, const char *domain,
    const char *sender, const char *helo, unsigned wait_ms,
    struct ospf_answer *a)
{
	char key[sizeof((struct entry *)0)->key];
	struct entry *e;

	memset(a, 0, sizeof *a);
	snprintf(a->result, sizeof a->result, "pending");
	if (o == NULL ||
	    make_key(KEY_SPF, addrs, domain, key, sizeof key) < 0 ||
	    strlen(domain) >= sizeof e->domain) {
		snprintf(a->result, sizeof a->result, "temperror");
		snprintf(a->detail, sizeof a->detail, "cannot be checked");
		return;
	}
	pthread_mutex_lock(&o->lock);
	e = find_waiting(o, KIND_SPF, key, domain, sender, helo, wait_ms);
	if (e != NULL && e->have)
		*a = e->ans;
	pthread_mutex_unlock(&o->lock);
}

/* ospf_dmarc_get - cached, or pending and queued */
int
ospf_dmarc_get(struct ospf *o, const char *domain, unsigned wait_ms,
    struct dmarc_policy *pol)
{
	char key[sizeof((struct entry *)0)->key];
	struct entry *e;
	int rc = -1;

	if (o == NULL || strlen(domain) >= sizeof e->domain ||
	    make_key(KEY_DMARC, NULL, domain, key, sizeof key) < 0)
		return -1;
	pthread_mutex_lock(&o->lock);
	e = find_waiting(o, KIND_DMARC, key, domain, NULL, NULL, wait_ms);
	if (e != NULL && e->have) {
		*pol = *e->pol;
		rc = 0;
	}
	pthread_mutex_unlock(&o->lock);
	return rc;
}

/* ospf_addrs_check - addresses only: a prefix names no one sender */
int
ospf_addrs_check(char *const *addrs, char *why, size_t len)
{
	unsigned char buf[16];
	size_t i;

	for (i = 0; addrs[i] != NULL; i++) {
		if (inet_pton(AF_INET, addrs[i], buf) != 1 &&
		    inet_pton(AF_INET6, addrs[i], buf) != 1) {
			snprintf(why, len,
			    "'%s' is not one IPv4 or IPv6 address (find "
			    "them with: ip route get 1.1.1.1; "
			    "ip -6 route get 2606:4700:4700::1111)",
			    addrs[i]);
			return -1;
		}
		if (i == OSPF_MAX_ADDRS) {
			snprintf(why, len, "more than %d addresses",
			    OSPF_MAX_ADDRS);
			return -1;
		}
	}
	return 0;
}

/* ---- the daemon's instance ---------------------------------------------- */

/*
 * test_zone - with TestZone set in the configuration started with, that
 * file (spf_zone.h) answers SPF and DMARC instead of DNS, so tests ask
 * no DNS; 0 and *dns unchanged without it
 */
static int
test_zone(struct ospf *o, struct spf_dns *dns)
{
	struct snapshot *s = snapshot_acquire();
	char err[256];
	int rc = 0;

	if (s != NULL && *s->cfg->test_zone != '\0') {
		if (spf_zone_open(s->cfg->test_zone, &o->zone, err,
			sizeof err) < 0) {
			log_errx("TestZone: %s", err);
			rc = -1;
		} else
			*dns = spf_zone_dns(o->zone);
	}
	snapshot_release(s);
	return rc;
}

/* ospf_daemon_start - the default instance over res (or TestZone), its
 * worker running */
int
ospf_daemon_start(resolver *res)
{
	struct spf_dns dns = spf_dns_resolver(res);
	struct ospf *o;
	guard_psl *psl = NULL;
	char err[256];

	if ((o = ospf_new(&dns, NULL, NULL)) == NULL)
		return -1;
	if (test_zone(o, &o->dns) < 0) {
		ospf_free(o);
		return -1;
	}
	if (guard_psl_load(GUARD_PSL_PATH, &psl, err, sizeof err) < 0)
		log_warnx("DMARC policies: %s: the organizational domain is "
			  "then the last two labels",
		    err);
	ospf_set_psl(o, psl);
	if (ospf_start(o) < 0) {
		ospf_free(o);
		return -1;
	}
	ospf_set_default(o);
	return 0;
}

/* ospf_daemon_stop - at shutdown, after the milter thread */
void
ospf_daemon_stop(void)
{
	ospf_free(default_ospf);
}
