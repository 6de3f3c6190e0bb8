/*
 * netlist.h - a list of IPv4/IPv6 networks (CIDR) and membership tests.
 *
 * DESCRIPTION
 *	Entries are "ADDR" or "ADDR/BITS" for IPv4 and IPv6, optionally in
 *	square brackets.  A leading '!' excludes: the most precise entry that
 *	covers an address decides, so "!192.0.2.0/24" and "192.0.2.7"
 *	together let 192.0.2.7 in and keep the rest of the /24 out (the
 *	exclusion wins a tie).  An IPv4-mapped IPv6 client address
 *	(::ffff:192.0.2.1) is matched as IPv4.  Host names are not entries:
 *	the configuration resolves them to addresses before building a list.
 *	The list is immutable once built and may be shared between threads.
 */
#ifndef DKIMGUARD_NETLIST_H
#define DKIMGUARD_NETLIST_H

#include <sys/socket.h>

struct netlist;

/* netlist_check - is s a valid entry?  0, or -1 with why filled */
int netlist_check(const char *s, char *why, size_t len);
/* netlist_new - build from entries (NULL-terminated); NULL on error */
struct netlist *netlist_new(char *const *entries);
void netlist_free(struct netlist *nl);
/* netlist_contains - 1 if sa (AF_INET/AF_INET6) is in the list */
int netlist_contains(const struct netlist *nl, const struct sockaddr *sa);
/* netlist_contains_str - the same for a textual address */
int netlist_contains_str(const struct netlist *nl, const char *addr);

#endif /* DKIMGUARD_NETLIST_H */
