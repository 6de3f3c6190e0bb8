/*
 * lookup_dns.h - the daemon's DNS stack: resolver + cache, as a dkim_lookup.
 *
 * SYNOPSIS
 *	#include "lookup_dns.h"
 *
 *	lookup_dns *ld;
 *	lookup_dns_new(&resolver_conf, &dnscache_conf, &ld, err, sizeof err);
 *	dkim_lookup lk = lookup_dns_iface(ld);
 *	dkim_msg_verify(msg, &lk, res, max, &n);     verification
 *	guard_conf.cache = lookup_dns_cache(ld);      the guard shares the cache
 *	lookup_dns_free(ld);
 *
 * DESCRIPTION
 *	Built once at start-up (before privileges are dropped or after: it
 *	opens no file except /etc/resolv.conf when no nameserver is given).
 *	Every query() goes through the shared dnscache, so the verifier and
 *	the guard see one cache and one set of counters.  Thread-safe.
 *	A reload may keep the same lookup_dns; build a new one only when the
 *	nameserver settings changed (and free the old one after no thread
 *	uses it).
 */
#ifndef DKIMGUARD_LOOKUP_DNS_H
#define DKIMGUARD_LOOKUP_DNS_H

#include "dkim.h"
#include "dnscache.h"
#include "resolver.h"

typedef struct lookup_dns lookup_dns;

/* lookup_dns_new - -1 with err on bad configuration or ENOMEM */
int lookup_dns_new(const struct resolver_conf *rconf,
    const struct dnscache_conf *cconf, lookup_dns **out, char *err,
    size_t errlen);
/* lookup_dns_free - NULL is a no-op */
void lookup_dns_free(lookup_dns *ld);
/* lookup_dns_iface - the dkim_lookup for dkim_msg_verify (cached) */
dkim_lookup lookup_dns_iface(lookup_dns *ld);
/* lookup_dns_cache - the shared cache (owned by ld) */
dnscache *lookup_dns_cache(lookup_dns *ld);
/*
 * lookup_dns_why_query - the dnscache_conf.why_query for a cache whose
 * backend is resolver_iface(ctx): resolver_txt, and the failure kind in
 * words, so every program says a DNS failure the same way
 */
dkim_rc lookup_dns_why_query(void *ctx, const char *name, dkim_txt_answer *ans,
    const char **why);
/* lookup_dns_resolver - the uncached resolver (owned by ld) */
resolver *lookup_dns_resolver(lookup_dns *ld);

#endif /* DKIMGUARD_LOOKUP_DNS_H */
