/*
 * spf_dns_resolver.h - the SPF lookup interface over the project's
 *			resolver (common/dns/resolver.h).
 *
 * SYNOPSIS
 *	struct spf_dns dns = spf_dns_resolver(res);
 *	spf_check_host(&dns, &rq, &verdict);
 *
 * DESCRIPTION
 *	Status mapping: NOERROR with records -> SPF_DNS_OK, NXDOMAIN ->
 *	SPF_DNS_NXDOMAIN, NOERROR without -> SPF_DNS_NODATA, SERVFAIL and
 *	timeouts -> SPF_DNS_TEMPFAIL (RFC 7208 2.6.6: temperror).  A name
 *	DNS cannot carry (a label over 63 bytes) is NXDOMAIN: no server
 *	could have it.  res must outlive the interface; thread-safe as the
 *	resolver is.
 */
#ifndef DKIMGUARD_SPF_DNS_RESOLVER_H
#define DKIMGUARD_SPF_DNS_RESOLVER_H

#include "common/dns/resolver.h"
#include "spf.h"

struct spf_dns spf_dns_resolver(resolver *res);

#endif /* DKIMGUARD_SPF_DNS_RESOLVER_H */
