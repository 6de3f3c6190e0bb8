/*
 * lookup_dns.c - the daemon's dkim_lookup: resolver.c behind dnscache.c.
 *
 * DESCRIPTION
 *	Owns one resolver and one cache whose backend is that resolver;
 *	query() is dnscache_get, so the verifier, the guard and every thread
 *	share one set of TTLs, one bound and one set of counters.  See
 *	lookup_dns.h.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lookup_dns.h"

struct lookup_dns {
	resolver *res;
	dnscache *cache;
};

/* lookup_dns_why_query - see lookup_dns.h */
dkim_rc
lookup_dns_why_query(void *ctx, const char *name, dkim_txt_answer *ans,
    const char **why)
{
	enum resolver_fail f = RESOLVER_FAIL_NONE;
	dkim_rc rc = resolver_txt_why(ctx, name, ans, &f);

	*why = f != RESOLVER_FAIL_NONE ? resolver_fail_str(f) : NULL;
	return rc;
}

/* lookup_dns_new - resolver + cache from their configurations */
int
lookup_dns_new(const struct resolver_conf *rconf,
    const struct dnscache_conf *cconf, lookup_dns **out, char *err,
    size_t errlen)
{
	lookup_dns *ld;
	struct dnscache_conf cc = *cconf;
	dkim_rc rc;

	*out = NULL;
	if ((ld = calloc(1, sizeof *ld)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (resolver_new(rconf, &ld->res, err, errlen) < 0) {
		free(ld);
		return -1;
	}
	cc.why_query = lookup_dns_why_query; /* failures said as they are */
	if ((rc = dnscache_new(&cc, resolver_iface(ld->res), &ld->cache)) !=
	    DKIM_OK) {
		snprintf(err, errlen, "DNS cache: %s",
		    rc == DKIM_ENOMEM ? "out of memory" :
					"bad settings (entries must be > 0, "
					"minimum TTL <= maximum TTL)");
		resolver_free(ld->res);
		free(ld);
		return -1;
	}
	*out = ld;
	return 0;
}

/* lookup_dns_free - cache first, then the resolver it calls */
void
lookup_dns_free(lookup_dns *ld)
{
	if (ld == NULL)
		return;
	dnscache_free(ld->cache);
	resolver_free(ld->res);
	free(ld);
}

/* lookup_dns_iface - cached lookups as a dkim_lookup */
dkim_lookup
lookup_dns_iface(lookup_dns *ld)
{
	return dnscache_iface(ld->cache);
}

/* lookup_dns_cache - the shared cache */
dnscache *
lookup_dns_cache(lookup_dns *ld)
{
	return ld->cache;
}

/* lookup_dns_resolver - the uncached resolver */
resolver *
lookup_dns_resolver(lookup_dns *ld)
{
	return ld->res;
}
