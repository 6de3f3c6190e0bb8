/*
 * ptr.h - reverse DNS of an address with forward confirmation (FCrDNS):
 *	   the PTR names of the address, and for each name whether its A
 *	   (or AAAA) records contain the address again.
 *
 * SYNOPSIS
 *	#include "common/dns/ptr.h"
 *
 *	struct ptr_check pc;
 *	ptr_fcrdns(res, "192.0.2.1", &pc);
 *	if (pc.confirmed >= 0)
 *		printf("%s\n", pc.name[pc.confirmed].name);
 *
 * DESCRIPTION
 *	ptr_revname writes the name PTR is asked at: the address's octets
 *	reversed under in-addr.arpa (RFC 1035 3.5), or its nibbles reversed
 *	under ip6.arpa (RFC 3596 2.5).  ptr_fcrdns asks PTR there, then A
 *	(IPv4) or AAAA (IPv6) at each name (at most PTR_NAMES_MAX of them)
 *	and compares addresses in binary, so "::1" and "0::1" are the same.
 *	Names from DNS are kept printable (other bytes become '?').
 *
 * DIAGNOSTICS
 *	ptr_fcrdns returns 0 when it has an answer (any status) and -1 for
 *	an address that is not one (status DKIM_DNS_NXDOMAIN with reason) or
 *	on ENOMEM.
 */
#ifndef DKIMGUARD_PTR_H
#define DKIMGUARD_PTR_H

#include <stddef.h>

#include "resolver.h"

#define PTR_NAMES_MAX 8

/* ptr_name - one PTR target and what its forward lookup gave */
struct ptr_name {
	char name[256];
	dkim_dns_status status; /* of its A/AAAA question */
	int confirmed;          /* the address is among its records */
};

/* ptr_check - the outcome for one address */
struct ptr_check {
	char revname[80];       /* 1.2.0.192.in-addr.arpa */
	dkim_dns_status status; /* of the PTR question */
	size_t count;           /* names checked (<= PTR_NAMES_MAX) */
	size_t total;           /* PTR records in the answer */
	struct ptr_name name[PTR_NAMES_MAX];
	int confirmed;    /* index of the first confirmed name, -1 */
	char reason[320]; /* "" when confirmed */
};

/* ptr_revname - the reverse name of an address; -1 if it is not one */
int ptr_revname(const char *ip, char *buf, size_t len);
/* ptr_fcrdns - PTR, then A/AAAA of each name (see DESCRIPTION) */
int ptr_fcrdns(resolver *res, const char *ip, struct ptr_check *out);

#endif /* DKIMGUARD_PTR_H */
