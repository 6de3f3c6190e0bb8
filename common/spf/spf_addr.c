/*
 * spf_addr.c - client and network addresses for SPF: parsing (with the
 *		IPv4-mapped IPv6 rule), prefix matching for ip4/ip6/a/mx
 *		(RFC 7208 5.3, 5.4, 5.6) and the reverse name for PTR
 *		(RFC 7208 5.5, RFC 1035 3.5, RFC 3596 2.5).
 *
 * EXPORTS
 *	spf_ip_parse, spf_ip_match, spf_ip_reverse (see spf_int.h)
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "spf_int.h"

static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
    0xff};

/* spf_ip_parse - IPv4 or IPv6; ::ffff:a.b.c.d is IPv4 (RFC 7208 5) */
int
spf_ip_parse(const char *s, struct spf_ip *ip)
{
	memset(ip, 0, sizeof *ip);
	if (s == NULL)
		return -1;
	if (inet_pton(AF_INET, s, ip->b) == 1)
		return 0;
	if (inet_pton(AF_INET6, s, ip->b) != 1)
		return -1;
	if (memcmp(ip->b, mapped, sizeof mapped) == 0) {
		memmove(ip->b, ip->b + 12, 4);
		memset(ip->b + 4, 0, 12);
		return 0;
	}
	ip->v6 = 1;
	return 0;
}

/* spf_ip_match - the first bits bits of two same-family addresses */
int
spf_ip_match(const struct spf_ip *ip, const struct spf_ip *net, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;
	unsigned char mask;

	if (ip->v6 != net->v6 || bits > (ip->v6 ? 128u : 32u))
		return 0;
	if (memcmp(ip->b, net->b, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (ip->b[full] & mask) == (net->b[full] & mask);
}

/* spf_ip_reverse - the name a PTR question asks for */
void
spf_ip_reverse(const struct spf_ip *ip, char *out, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	int i;

	if (!ip->v6) {
		snprintf(out, len, "%u.%u.%u.%u.in-addr.arpa", ip->b[3],
		    ip->b[2], ip->b[1], ip->b[0]);
		return;
	}
	for (i = 15; i >= 0 && o + 4 < len; i--) {
		out[o++] = hex[ip->b[i] & 0x0f];
		out[o++] = '.';
		out[o++] = hex[ip->b[i] >> 4];
		out[o++] = '.';
	}
	out[o] = '\0';
	strlcat(out, "ip6.arpa", len);
}
