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
 *	one message's key lookups, in parallel and within a budget:
 *	dnscache_prefetch(cache, name_i);            for every signature
 *	struct dnscache_budget b;
 *	dnscache_budget_start(&b, cache, 20000);
 *	dkim_keylookup kl = dnscache_budget_iface(&b);
 *	dkim_msg_verify_keys(msg, &kl, res, max, &n);
 *
 * DESCRIPTION
 *	Keyed by the lower-cased name.  Entries live for the answer's TTL,
 *	clamped:
 *	  DKIM_DNS_OK               [min_ttl, max_ttl]
 *	  NXDOMAIN / NODATA         [min_ttl, max_neg_ttl] (RFC 2308 5)
 *	  SERVFAIL / TIMEOUT        temp_ttl (RFC 2308 7.1: a short time,
 *	                            default 30 s; 0 = none)
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
 *	Deadlines.  dnscache_prefetch starts a name's query in the
 *	background (a pool of at most conf.workers threads, started on
 *	first use) and returns at once, so one message's lookups all run
 *	in parallel.  dnscache_get_keys waits for a query at most until its
 *	deadline (CLOCK_MONOTONIC); past it the answer is TIMEOUT with why =
 *	DNSCACHE_WHY_BUDGET, nothing is cached for that, and the query goes
 *	on in its worker and fills the cache.  So a message's DNS wait is
 *	bounded by its budget whatever the number of signatures,
 *	nameservers, timeouts and retries.  dnscache_get and _refresh keep
 *	running the query in the asking thread (the guard's refresher).
 *
 *	Parsed records.  dnscache_get_keys also hands out each TXT record
 *	of a positive answer parsed (dkim_keyrec_parse), kept with the
 *	answer: the first caller after a new answer parses it, every later
 *	one takes a reference (dkim_keyrec_ref), until the answer expires
 *	or is replaced.  Records that do not parse are left NULL (the
 *	library parses those itself for the reason).
 *
 *	Failure texts.  With conf.why_query set (lookup_dns.c sets the
 *	resolver's), a SERVFAIL or TIMEOUT answer keeps what failed in words
 *	(resolver_fail_str) and hands it out as dkim_key_answer.why and
 *	dnscache_info.why.
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
	uint32_t temp_ttl;    /* SERVFAIL/TIMEOUT kept this long (default 30) */
	unsigned workers;     /* background query threads at most (32) */
	/* optional: the backend query that also says what failed (static
	 * text); called with the backend's ctx instead of its query */
	dkim_rc (*why_query)(void *ctx, const char *name, dkim_txt_answer *ans,
	    const char **why);
	dkim_clock_fn clock; /* NULL: time(NULL) */
	void *clock_arg;
};

/* dnscache_info - about the answer just returned (optional out-param) */
struct dnscache_info {
	int hit;         /* 1: served from the cache, no query made */
	time_t fetched;  /* when the backend produced the answer */
	time_t expires;  /* when the cache stops serving it */
	uint32_t ttl;    /* the answer's own TTL, before clamping */
	const char *why; /* SERVFAIL/TIMEOUT: what failed (static), or NULL */
};

/* the why of a lookup given up at its deadline */
#define DNSCACHE_WHY_BUDGET                                                    \
	"the message's DNS time budget (DNSMessageBudget) ran out before "     \
	"the nameserver answered"

/* dnscache_stats - counters since dnscache_new */
struct dnscache_stats {
	unsigned long hits;        /* answered from a fresh entry */
	unsigned long misses;      /* not fresh: had to query or wait */
	unsigned long queries;     /* backend queries actually made */
	unsigned long coalesced;   /* waited for another thread's query */
	unsigned long evictions;   /* entries dropped to respect max_entries */
	unsigned long entries;     /* entries now */
	unsigned long prefetches;  /* queries started by dnscache_prefetch */
	unsigned long budget_over; /* waits given up at their deadline */
	unsigned long parses;      /* answers whose records were parsed */
};

typedef struct dnscache dnscache;

/* dnscache_budget - a deadline for one message's lookups */
struct dnscache_budget {
	dnscache *cache;
	struct timespec deadline; /* CLOCK_MONOTONIC */
};

/* dnscache_conf_init - the defaults above */
void dnscache_conf_init(struct dnscache_conf *conf);
/* dnscache_new - DKIM_OK, DKIM_ENOMEM or DKIM_EINVAL (bad conf) */
dkim_rc dnscache_new(const struct dnscache_conf *conf, dkim_lookup backend,
    dnscache **out);
/* dnscache_free - NULL is a no-op; no call may be running.  Waits for
 * the queries the workers are running (each bounded by the backend's
 * own deadline); queued ones are dropped. */
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

/*
 * dnscache_prefetch - start name's query in the background unless a
 * fresh answer is cached or a query is in flight; returns at once.
 */
dkim_rc dnscache_prefetch(dnscache *cache, const char *name);
/*
 * dnscache_get_keys - the answer for name with its records parsed (see
 * DESCRIPTION), waiting for a query at most until deadline (NULL: as
 * long as the query takes).  The caller owns *ans on DKIM_OK
 * (dkim_key_answer_clear).
 */
dkim_rc dnscache_get_keys(dnscache *cache, const char *name,
    const struct timespec *deadline, dkim_key_answer *ans,
    struct dnscache_info *info);
/* dnscache_budget_start - deadline = now + ms, for lookups in cache */
void
dnscache_budget_start(struct dnscache_budget *b, dnscache *cache, unsigned ms);
/* dnscache_budget_iface - dnscache_get_keys by b's deadline, as a
 * dkim_keylookup (b must outlive its use) */
dkim_keylookup dnscache_budget_iface(struct dnscache_budget *b);

/* dnscache_iface - dnscache_get as a dkim_lookup (see lookup_dns.h) */
dkim_lookup dnscache_iface(dnscache *cache);

#endif /* DKIMGUARD_DNSCACHE_H */
