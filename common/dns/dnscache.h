/*
 * dnscache.h - one shared TXT cache in front of a resolver.
 *
 * SYNOPSIS
 *	#include "dnscache.h"
 *
 *	struct dnscache_conf cc;
 *	dnscache_conf_init(&cc);
 *	dnscache_new(&cc, resolver_iface(res), &cache);
 *	dnscache_get(cache, name, &ans, NULL);      cached or one query
 *	dnscache_refresh(cache, name, &ans, NULL);  always asks the backend
 *	dnscache_stats(cache, &st);
 *	dnscache_free(cache);
 *
 * DESCRIPTION
 *	Keyed by the lower-cased name.  Entries live for the answer's TTL,
 *	clamped:
 *	  DKIM_DNS_OK               [min_ttl, max_ttl]
 *	  NXDOMAIN / NODATA         [min_ttl, max_neg_ttl] (RFC 2308 5)
 *	  SERVFAIL / TIMEOUT        temp_ttl (RFC 2308 7.1: short; 0 = none)
 *	At most max_entries entries; inserting beyond that evicts the least
 *	recently used entry that no thread is waiting on.
 *
 *	Concurrent lookups of one name coalesce: the first thread that
 *	misses runs the backend query without holding the lock; the others
 *	wait on a condition variable and all get that one answer.  A fresh
 *	entry is served immediately even while a refresh of it is running.
 *
 *	The backend is any dkim_lookup (resolver_iface in the daemon, a fake
 *	in the tests).  The clock is injectable (dkim_clock_fn) for tests.
 *	All functions are thread-safe; the cache must outlive its users.
 *
 *	Answers are copied out: the caller owns *ans (dkim_txt_answer_clear)
 *	whenever the call returns DKIM_OK.
 */
#ifndef DKIMGUARD_DNSCACHE_H
#define DKIMGUARD_DNSCACHE_H

#include <stdint.h>
#include <time.h>

#include "dkim.h"

/* dnscache_conf - filled by the configuration code, copied by _new */
struct dnscache_conf {
	size_t max_entries;   /* bound on entries (default 10000) */
	uint32_t min_ttl;     /* floor for every cached answer (default 1) */
	uint32_t max_ttl;     /* cap for positive answers (default 3600) */
	uint32_t max_neg_ttl; /* cap for NXDOMAIN/NODATA (default 300) */
	uint32_t temp_ttl;    /* SERVFAIL/TIMEOUT kept this long (default 5) */
	dkim_clock_fn clock;  /* NULL: time(NULL) */
	void *clock_arg;
};

/* dnscache_info - about the answer just returned (optional out-param) */
struct dnscache_info {
	int hit;        /* 1: served from the cache, no query made */
	time_t fetched; /* when the backend produced the answer */
	time_t expires; /* when the cache stops serving it */
	uint32_t ttl;   /* the answer's own TTL, before clamping */
};

/* dnscache_stats - counters since dnscache_new */
struct dnscache_stats {
	unsigned long hits;      /* answered from a fresh entry */
	unsigned long misses;    /* not fresh: had to query or wait */
	unsigned long queries;   /* backend queries actually made */
	unsigned long coalesced; /* waited for another thread's query */
	unsigned long evictions; /* entries dropped to respect max_entries */
	unsigned long entries;   /* entries now */
};

typedef struct dnscache dnscache;

/* dnscache_conf_init - the defaults above */
void dnscache_conf_init(struct dnscache_conf *conf);
/* dnscache_new - DKIM_OK, DKIM_ENOMEM or DKIM_EINVAL (bad conf) */
dkim_rc dnscache_new(const struct dnscache_conf *conf, dkim_lookup backend,
    dnscache **out);
/* dnscache_free - NULL is a no-op; no call may be running */
void dnscache_free(dnscache *cache);

/*
 * dnscache_get - the TXT answer for name: from a fresh entry, else from
 * the backend (one query per name however many threads ask).  Returns the
 * backend's code when it failed internally (nothing cached then).
 */
dkim_rc dnscache_get(dnscache *cache, const char *name, dkim_txt_answer *ans,
    struct dnscache_info *info);
/*
 * dnscache_refresh - as dnscache_get but ignores a fresh entry: queries
 * the backend (or joins a query in flight) and stores the result.  Used
 * by the guard's background refresher before a TTL runs out.
 */
dkim_rc dnscache_refresh(dnscache *cache, const char *name,
    dkim_txt_answer *ans, struct dnscache_info *info);
/* dnscache_flush - drop every entry not in flight (counters kept) */
void dnscache_flush(dnscache *cache);
void dnscache_stats(dnscache *cache, struct dnscache_stats *st);

/* dnscache_iface - dnscache_get as a dkim_lookup (see lookup_dns.h) */
dkim_lookup dnscache_iface(dnscache *cache);

#endif /* DKIMGUARD_DNSCACHE_H */
