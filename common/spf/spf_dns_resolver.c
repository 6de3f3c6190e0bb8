/*
 * spf_dns_resolver.c - struct spf_dns answered by the project's resolver
 *			(see spf_dns_resolver.h).
 *
 * EXPORTS
 *	spf_dns_resolver
 */
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <string.h>

#include "spf_dns_resolver.h"

/* ask - one question, the records moved into out */
static int
ask(void *ctx, const char *name, int type, struct spf_rrset *out)
{
	struct resolver_rrset set;
	dkim_rc rc;

	memset(out, 0, sizeof *out);
	rc = resolver_query(ctx, name, type, &set);
	if (rc == DKIM_EINVAL) {
		out->status = SPF_DNS_NXDOMAIN;
		return 0;
	}
	if (rc != DKIM_OK)
		return -1;
	switch (set.status) {
	case DKIM_DNS_OK:
		out->status = SPF_DNS_OK;
		break;
	case DKIM_DNS_NXDOMAIN:
		out->status = SPF_DNS_NXDOMAIN;
		break;
	case DKIM_DNS_NODATA:
		out->status = SPF_DNS_NODATA;
		break;
	default:
		out->status = SPF_DNS_TEMPFAIL;
		break;
	}
	out->rr = set.rr; /* ownership moves */
	out->count = set.count;
	out->cap = set.cap;
	out->total = set.total;
	out->ttl = set.status == DKIM_DNS_OK ? set.ttl : 0;
	return 0;
}

static int
q_txt(void *c, const char *n, struct spf_rrset *o)
{
	return ask(c, n, ns_t_txt, o);
}
static int
q_a(void *c, const char *n, struct spf_rrset *o)
{
	return ask(c, n, ns_t_a, o);
}
static int
q_aaaa(void *c, const char *n, struct spf_rrset *o)
{
	return ask(c, n, ns_t_aaaa, o);
}
static int
q_mx(void *c, const char *n, struct spf_rrset *o)
{
	return ask(c, n, ns_t_mx, o);
}
static int
q_ptr(void *c, const char *n, struct spf_rrset *o)
{
	return ask(c, n, ns_t_ptr, o);
}

/* spf_dns_resolver - the interface with ctx = res */
struct spf_dns
spf_dns_resolver(resolver *res)
{
	struct spf_dns d = {q_txt, q_a, q_aaaa, q_mx, q_ptr, res};

	return d;
}
