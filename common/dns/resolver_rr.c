/*
 * resolver_rr.c - lookups of A, AAAA, MX, PTR and TXT records as text
 *		   (for SPF, RFC 7208 5), over the transport of resolver.c
 *		   and the message code of resolver_msg.c.
 *
 * EXPORTS
 *	resolver_query (see resolver.h)
 */
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <stdlib.h>
#include <string.h>

#include "resolver.h"
#include "resolver_int.h"

/* known - the types resolver_query decodes */
static int
known(int type)
{
	return type == ns_t_a || type == ns_t_aaaa || type == ns_t_mx ||
	    type == ns_t_ptr || type == ns_t_txt;
}

/* rr_interp, rr_fail - resolver_follow for a resolver_rrset */
static enum rmsg_result
rr_interp(const uint8_t *reply, size_t len, const char *name, int type,
    void *ans, uint32_t *ttl, char *next, unsigned *hops)
{
	return rmsg_interp_rr(reply, len, name, type, ans, ttl, next, hops);
}

static void
rr_fail(void *arg, dkim_dns_status st)
{
	struct resolver_rrset *ans = arg;

	resolver_rrset_clear(ans);
	ans->status = st;
}

/* resolver_query - one type at name, CNAMEs followed (resolver.h) */
dkim_rc
resolver_query(resolver *res, const char *name, int type,
    struct resolver_rrset *ans)
{
	static const struct resolver_follow_ops ops = {rr_interp, rr_fail};
	enum resolver_fail fail;

	memset(ans, 0, sizeof *ans);
	if (!known(type))
		return DKIM_EINVAL;
	return resolver_follow(res, name, type, &ops, ans, &fail);
}
