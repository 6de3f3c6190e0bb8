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

/* resolver_query - one type at name, CNAMEs followed (resolver.h) */
dkim_rc
resolver_query(resolver *res, const char *name, int type,
    struct resolver_rrset *ans)
{
	char cur[NS_MAXDNAME], next[NS_MAXDNAME];
	uint8_t *buf, q[RES_QUERY_MAX];
	size_t rlen = 0;
	uint32_t ttl = UINT32_MAX;
	unsigned hops = 0;
	int64_t deadline;
	enum rmsg_result r = RMSG_FOLLOW;
	dkim_dns_status st;

	memset(ans, 0, sizeof *ans);
	if (!known(type) || name == NULL || *name == '\0' ||
	    strlen(name) >= sizeof cur ||
	    rmsg_query_type(name, type, 0, 0, q, sizeof q) < 0)
		return DKIM_EINVAL; /* RFC 1035 2.3.4: labels, names */
	if ((buf = malloc(RES_REPLY_MAX)) == NULL)
		return DKIM_ENOMEM;
	deadline = resolver_deadline(res);
	strlcpy(cur, name, sizeof cur);
	while (r == RMSG_FOLLOW) {
		if ((st = resolver_exchange(res, cur, type, buf, &rlen,
			 deadline)) != DKIM_DNS_OK) {
			resolver_rrset_clear(ans);
			ans->status = st;
			break;
		}
		if ((r = rmsg_interp_rr(buf, rlen, cur, type, ans, &ttl, next,
			 &hops)) == RMSG_FOLLOW)
			strlcpy(cur, next, sizeof cur);
	}
	free(buf);
	if (r == RMSG_ENOMEM) {
		resolver_rrset_clear(ans);
		return DKIM_ENOMEM;
	}
	return DKIM_OK;
}
