/*
 * netlist.c - CIDR lists (see netlist.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netlist.h"

struct net {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned bits;
	int neg; /* '!': an exclusion */
};

struct netlist {
	size_t n;
	struct net net[];
};

/* net_parse - "ADDR[/BITS]" into n; 0 or -1 with why */
static int
net_parse(const char *s, struct net *n, char *why, size_t len)
{
	char buf[64], *slash, *end, *p;
	unsigned max;
	long bits;

	if (strlen(s) >= sizeof buf) {
		snprintf(why, len, "'%s' is too long for an address", s);
		return -1;
	}
	memset(n, 0, sizeof *n);
	if (*s == '!') {
		n->neg = 1;
		s++;
	}
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	/* "[ADDR]" as in OpenDKIM's lists: the brackets are only quoting */
	if (buf[0] == '[' && (p = strchr(buf, ']')) != NULL && p[1] == '\0') {
		*p = '\0';
		memmove(buf, buf + 1, strlen(buf));
	}
	if (inet_pton(AF_INET, buf, n->addr) == 1) {
		n->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, n->addr) == 1) {
		n->family = AF_INET6;
		max = 128;
	} else {
		snprintf(why, len, "'%s' is not an IPv4 or IPv6 address", buf);
		return -1;
	}
	n->bits = max;
	if (slash != NULL) {
		bits = strtol(slash, &end, 10);
		if (*slash == '\0' || *end != '\0' || bits < 0 ||
		    bits > (long)max) {
			snprintf(why, len, "'/%s' is not a prefix length 0-%u",
			    slash, max);
			return -1;
		}
		n->bits = (unsigned)bits;
	}
	return 0;
}

/* netlist_check - validate one entry */
int
netlist_check(const char *s, char *why, size_t len)
{
	struct net n;

	return net_parse(s, &n, why, len);
}

/* netlist_new - parse all entries */
struct netlist *
netlist_new(char *const *entries)
{
	struct netlist *nl;
	char why[128];
	size_t n = 0, i;

	while (entries != NULL && entries[n] != NULL)
		n++;
	if ((nl = calloc(1, sizeof *nl + n * sizeof nl->net[0])) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (net_parse(entries[i], &nl->net[i], why, sizeof why) < 0) {
			free(nl);
			return NULL;
		}
	nl->n = n;
	return nl;
}

/* netlist_free - NULL is a no-op */
void
netlist_free(struct netlist *nl)
{
	free(nl);
}

/* prefix_eq - do the first bits of a and b agree? */
static int
prefix_eq(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a[full] ^ b[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/* netlist_match - the most precise covering entry decides; an
 * exclusion wins over an inclusion of the same precision */
static int
netlist_match(const struct netlist *nl, int family, const unsigned char *a)
{
	const struct net *best = NULL;
	size_t i;

	for (i = 0; i < nl->n; i++) {
		const struct net *n = &nl->net[i];

		if (n->family != family || !prefix_eq(n->addr, a, n->bits))
			continue;
		if (best == NULL || n->bits > best->bits ||
		    (n->bits == best->bits && n->neg))
			best = n;
	}
	return best != NULL && !best->neg;
}

/* netlist_contains - IPv4-mapped IPv6 addresses count as IPv4 */
int
netlist_contains(const struct netlist *nl, const struct sockaddr *sa)
{
	const struct sockaddr_in *s4;
	const struct sockaddr_in6 *s6;

	if (nl == NULL || sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET) {
		s4 = (const struct sockaddr_in *)sa;
		return netlist_match(nl, AF_INET,
		    (const unsigned char *)&s4->sin_addr);
	}
	if (sa->sa_family == AF_INET6) {
		s6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			return netlist_match(nl, AF_INET,
			    s6->sin6_addr.s6_addr + 12);
		return netlist_match(nl, AF_INET6, s6->sin6_addr.s6_addr);
	}
	return 0;
}

/* netlist_contains_str - parse addr, then netlist_contains */
int
netlist_contains_str(const struct netlist *nl, const char *addr)
{
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;

	memset(&s4, 0, sizeof s4);
	memset(&s6, 0, sizeof s6);
	if (inet_pton(AF_INET, addr, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		return netlist_contains(nl, (struct sockaddr *)&s4);
	}
	if (inet_pton(AF_INET6, addr, &s6.sin6_addr) == 1) {
		s6.sin6_family = AF_INET6;
		return netlist_contains(nl, (struct sockaddr *)&s6);
	}
	return 0;
}
