/*
 * resolver.h - thread-safe DNS lookups: TXT for DKIM keys; A, AAAA, MX,
 *		PTR and TXT as text for SPF (resolver_query).
 *
 * SYNOPSIS
 *	#include "resolver.h"
 *
 *	struct resolver_conf rc;
 *	resolver_conf_init(&rc);
 *	resolver_conf_add_ns(&rc, "127.0.0.1:22053", err, sizeof err);
 *	resolver_new(&rc, &res, err, sizeof err);
 *	dkim_lookup lk = resolver_iface(res);   (query() = resolver_txt)
 *	resolver_txt(res, "sel._domainkey.example.com", &ans);
 *	struct resolver_rrset set;
 *	resolver_query(res, "example.com", ns_t_mx, &set);
 *	resolver_rrset_clear(&set);
 *	resolver_free(res);
 *
 * DESCRIPTION
 *	One resolver is built at start-up from plain configuration (no
 *	/etc/resolv.conf parsing per query, no per-thread set-up) and is then
 *	immutable: any number of threads may call resolver_txt at once.
 *
 *	resolver_txt asks for TXT at a name and fills a dkim_txt_answer:
 *	the strings of each TXT record concatenated (RFC 6376 3.6.2.2),
 *	several records kept (up to DKIM_TXT_MAX), CNAME chains followed
 *	(including chains the server did not finish), ttl = the smallest TTL
 *	over the chain; for negative answers the RFC 2308 5 negative TTL
 *	(min of the SOA TTL and SOA MINIMUM), 0 when the server sent no SOA.
 *	Status mapping (same for verification and the guard):
 *	  NOERROR with TXT     DKIM_DNS_OK
 *	  NXDOMAIN             DKIM_DNS_NXDOMAIN   (permanent)
 *	  NOERROR, no TXT      DKIM_DNS_NODATA     (permanent)
 *	  SERVFAIL, REFUSED, other rcodes, bad replies, unreachable servers,
 *	  CNAME loops          DKIM_DNS_SERVFAIL   (temporary)
 *	  no reply in time     DKIM_DNS_TIMEOUT    (temporary)
 *	The two temporary statuses do not say what failed; resolver_txt_why
 *	also gives the failure kind (enum resolver_fail), which
 *	resolver_fail_str puts in words, one text per kind:
 *	  a refused connection (ICMP port unreachable)  CONNREFUSED
 *	  no reply in time from any server               TIMEOUT
 *	  the server answered SERVFAIL / REFUSED / other SERVFAIL/REFUSED/RCODE
 *	  truncated over UDP and the TCP retry failed    TCP
 *	  a reply that could not be used, CNAME loops    BADREPLY
 *	  a local socket error                           NETWORK
 *	With several servers the last failure that was not a timeout is
 *	given (a server that answers REFUSED is named so even when another
 *	one stayed silent); TIMEOUT only when every try timed out.  The
 *	status stays as above: a timeout kind comes with DKIM_DNS_TIMEOUT,
 *	every other kind with DKIM_DNS_SERVFAIL.
 *
 *	Every lookup is bounded in time: each try waits at most timeout_ms
 *	for one server; a round tries every server once; 1 + retries rounds.
 *	So a lookup never takes longer than
 *	  (1 + retries) * nservers * timeout_ms
 *	(CNAME re-queries share that deadline).  Truncated UDP replies are
 *	retried over TCP within the same deadline.  Queries carry EDNS0 with
 *	a 1232-byte buffer.
 *
 *	resolver_query asks for A, AAAA, MX, PTR or TXT with the same
 *	transport, CNAME handling, TTLs and status mapping, and gives each
 *	record as text: an address in presentation form (inet_ntop), an MX
 *	exchange (preference dropped) or PTR target without final dot, TXT
 *	strings joined (a NUL byte becomes 0x7f so it cannot cut a record
 *	short).  count records are kept (RESOLVER_RR_MAX), total counts all.
 *
 * DIAGNOSTICS
 *	resolver_new and resolver_conf_add_ns return -1 with err filled on
 *	bad configuration (fatal at start-up).  resolver_txt returns DKIM_OK
 *	whenever it produced an answer (including NXDOMAIN, SERVFAIL and
 *	TIMEOUT); DKIM_ENOMEM / DKIM_EINVAL (name too long) otherwise.
 */
#ifndef DKIMGUARD_RESOLVER_H
#define DKIMGUARD_RESOLVER_H

#include <sys/socket.h>
#include <netinet/in.h>
#include <stdint.h>

#include "dkim.h"

#define RESOLVER_MAX_NS 8

/* resolver_conf - filled by the configuration code, copied by resolver_new */
struct resolver_conf {
	struct sockaddr_storage ns[RESOLVER_MAX_NS]; /* IPv4/IPv6 + port */
	socklen_t nslen[RESOLVER_MAX_NS];
	unsigned nns;        /* 0: the nameservers of /etc/resolv.conf */
	unsigned timeout_ms; /* per try and server (default 2000) */
	unsigned retries;    /* extra rounds over all servers (default 1) */
	int edns;            /* send EDNS0 OPT (default 1) */
};

typedef struct resolver resolver;

/* resolver_conf_init - defaults, no nameservers */
void resolver_conf_init(struct resolver_conf *conf);
/*
 * resolver_conf_add_ns - add one nameserver written as "1.2.3.4",
 * "1.2.3.4:5353", "::1", "[::1]:5353" (port 53 when absent).
 */
int resolver_conf_add_ns(struct resolver_conf *conf, const char *spec,
    char *err, size_t errlen);
/*
 * resolver_conf_add_list - add every server of a list separated by
 * commas and/or whitespace ("127.0.0.1:22053, [::1]:22053").
 */
int resolver_conf_add_list(struct resolver_conf *conf, const char *list,
    char *err, size_t errlen);

/* resolver_new - immutable resolver from conf (copied); -1 + err on error */
int resolver_new(const struct resolver_conf *conf, resolver **out, char *err,
    size_t errlen);
/* resolver_free - NULL is a no-op; no lookup may be running */
void resolver_free(resolver *res);

/*
 * resolver_txt - TXT records at name (see DESCRIPTION).  *ans is
 * overwritten without being read (like any dkim_lookup query); on DKIM_OK
 * the caller owns it (dkim_txt_answer_clear).
 */
dkim_rc resolver_txt(resolver *res, const char *name, dkim_txt_answer *ans);

#define RESOLVER_RR_MAX 4096 /* more than a 64 KiB reply can hold */

/* resolver_rrset - the records of one type at one name, as text */
struct resolver_rrset {
	dkim_dns_status status;
	uint32_t ttl;
	size_t count; /* kept in rr[] */
	size_t total; /* in the answer */
	char **rr;    /* count strings, malloc'ed */
	size_t cap;
};

/*
 * resolver_query - records of type (ns_t_a, ns_t_aaaa, ns_t_mx,
 * ns_t_ptr, ns_t_txt) at name; *ans is overwritten without being read.
 * DKIM_OK whenever there is an answer (any status); DKIM_EINVAL for a
 * name that cannot be asked or another type; DKIM_ENOMEM.
 */
dkim_rc resolver_query(resolver *res, const char *name, int type,
    struct resolver_rrset *ans);
/* resolver_rrset_add - append a copy of text (total counts it): 0 or -1 */
int resolver_rrset_add(struct resolver_rrset *set, const char *text);
/* resolver_rrset_clear - free the records; the set is empty */
void resolver_rrset_clear(struct resolver_rrset *set);

/* resolver_iface - resolver_txt as a dkim_lookup (ctx = res) */
dkim_lookup resolver_iface(resolver *res);

/* resolver_fail - what made a lookup fail (see DESCRIPTION) */
enum resolver_fail {
	RESOLVER_FAIL_NONE = 0, /* the lookup produced an answer */
	RESOLVER_FAIL_TIMEOUT,
	RESOLVER_FAIL_CONNREFUSED,
	RESOLVER_FAIL_SERVFAIL,
	RESOLVER_FAIL_REFUSED,
	RESOLVER_FAIL_RCODE,
	RESOLVER_FAIL_TCP,
	RESOLVER_FAIL_BADREPLY,
	RESOLVER_FAIL_NETWORK
};

/*
 * resolver_txt_why - resolver_txt, and *why (may be NULL): the failure
 * kind when ans->status is SERVFAIL or TIMEOUT, RESOLVER_FAIL_NONE else.
 */
dkim_rc resolver_txt_why(resolver *res, const char *name, dkim_txt_answer *ans,
    enum resolver_fail *why);
/* resolver_fail_str - the kind in words, static ("the nameserver answered
 * SERVFAIL", "the nameserver's host refused the connection ...") */
const char *resolver_fail_str(enum resolver_fail f);

/* resolver_status_str - "ok", "nxdomain", "nodata", "servfail", "timeout";
 * "servfail" stands for every temporary failure but a timeout: say
 * what it was with resolver_fail_str */
const char *resolver_status_str(dkim_dns_status st);
/* resolver_status_temporary - 1 for SERVFAIL and TIMEOUT */
int resolver_status_temporary(dkim_dns_status st);

#endif /* DKIMGUARD_RESOLVER_H */
