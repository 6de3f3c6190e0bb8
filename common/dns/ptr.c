/*
 * ptr.c - reverse DNS with forward confirmation (see ptr.h).
 *
 * EXPORTS
 *	ptr_revname, ptr_fcrdns
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <stdio.h>
#include <string.h>

#include "ptr.h"

/* ptr_revname - in-addr.arpa or ip6.arpa name of ip */
int
ptr_revname(const char *ip, char *buf, size_t len)
{
	unsigned char a[16];
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	int i;

	if (inet_pton(AF_INET, ip, a) == 1)
		return snprintf(buf, len, "%u.%u.%u.%u.in-addr.arpa", a[3],
			   a[2], a[1], a[0]) < (int)len ?
		    0 :
		    -1;
	if (inet_pton(AF_INET6, ip, a) != 1 || len < 16 * 4 + 9)
		return -1;
	for (i = 15; i >= 0; i--) {
		buf[o++] = hex[a[i] & 15];
		buf[o++] = '.';
		buf[o++] = hex[a[i] >> 4];
		buf[o++] = '.';
	}
	memcpy(buf + o, "ip6.arpa", 9);
	return 0;
}

/* printable - copy with bytes outside printable ASCII as '?' */
static void
printable(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src[i] != '\0' && i + 1 < len; i++)
		dst[i] = (src[i] > 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = '\0';
}

/* forward - does name's A/AAAA set hold the address bin? */
static int
forward(resolver *res, int af, const unsigned char *bin, struct ptr_name *pn,
    const char *raw)
{
	struct resolver_rrset set;
	unsigned char got[16];
	size_t i, alen = af == AF_INET ? 4 : 16;

	if (resolver_query(res, raw, af == AF_INET ? ns_t_a : ns_t_aaaa,
		&set) != DKIM_OK) {
		pn->status =
		    DKIM_DNS_NXDOMAIN; /* a name that cannot be asked */
		return 0;
	}
	pn->status = set.status;
	for (i = 0; set.status == DKIM_DNS_OK && i < set.count; i++)
		if (inet_pton(af, set.rr[i], got) == 1 &&
		    memcmp(got, bin, alen) == 0)
			pn->confirmed = 1;
	resolver_rrset_clear(&set);
	return 0;
}

/* explain - the reason when no name confirms */
static void
explain(struct ptr_check *out, const char *ip, int af)
{
	const char *t = af == AF_INET ? "A" : "AAAA";

	if (out->status == DKIM_DNS_NXDOMAIN || out->status == DKIM_DNS_NODATA)
		snprintf(out->reason, sizeof out->reason, "no PTR record at %s",
		    out->revname);
	else if (resolver_status_temporary(out->status))
		snprintf(out->reason, sizeof out->reason,
		    "PTR %s: temporary DNS failure (%s)", out->revname,
		    resolver_status_str(out->status));
	else if (resolver_status_temporary(out->name[0].status))
		snprintf(out->reason, sizeof out->reason,
		    "%s %s: temporary DNS failure (%s)", t, out->name[0].name,
		    resolver_status_str(out->name[0].status));
	else
		snprintf(out->reason, sizeof out->reason,
		    "%s names %s, whose %s records do not hold %s", ip,
		    out->name[0].name, t, ip);
}

/* ptr_fcrdns - PTR names of ip, each confirmed forward */
int
ptr_fcrdns(resolver *res, const char *ip, struct ptr_check *out)
{
	struct resolver_rrset set;
	unsigned char bin[16];
	int af;
	size_t i;

	memset(out, 0, sizeof *out);
	out->confirmed = -1;
	af = inet_pton(AF_INET, ip, bin) == 1 ? AF_INET : AF_INET6;
	if ((af == AF_INET6 && inet_pton(AF_INET6, ip, bin) != 1) ||
	    ptr_revname(ip, out->revname, sizeof out->revname) < 0) {
		out->status = DKIM_DNS_NXDOMAIN;
		snprintf(out->reason, sizeof out->reason,
		    "not an IPv4 or IPv6 address");
		return -1;
	}
	if (resolver_query(res, out->revname, ns_t_ptr, &set) != DKIM_OK)
		return -1;
	out->status = set.status;
	out->total = set.total;
	for (i = 0; set.status == DKIM_DNS_OK && i < set.count &&
	     out->count < PTR_NAMES_MAX;
	     i++) {
		struct ptr_name *pn = &out->name[out->count++];

		printable(pn->name, sizeof pn->name, set.rr[i]);
		forward(res, af, bin, pn, set.rr[i]);
		if (pn->confirmed && out->confirmed < 0)
			out->confirmed = (int)(out->count - 1);
	}
	resolver_rrset_clear(&set);
	if (out->confirmed < 0)
		explain(out, ip, af);
	return 0;
}
