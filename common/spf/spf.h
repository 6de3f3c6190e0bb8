/*
 * spf.h - Sender Policy Framework evaluation (RFC 7208 check_host()).
 *
 * SYNOPSIS
 *	#include "common/spf/spf.h"
 *
 *	struct spf_dns dns = spf_dns_resolver(res);    or spf_zone_dns(zone)
 *	struct spf_request rq = { .ip = "192.0.2.1",
 *	    .domain = "example.com", .sender = "bob@example.com",
 *	    .helo = "mail.example.com" };
 *	struct spf_verdict v;
 *	spf_check_host(&dns, &rq, &v);
 *	printf("%s %s\n", spf_result_str(v.result), v.mechanism);
 *
 * DESCRIPTION
 *	spf_check_host runs check_host() of RFC 7208 4: record selection
 *	(4.5), syntax of the whole record (4.6, 12), the mechanisms all,
 *	include, a, mx, ptr, ip4, ip6, exists (5), the modifiers redirect,
 *	exp and unknown ones (6), macros (7) and the limits of 4.6.4 (10
 *	DNS-querying terms, 10 MX and 10 PTR names, 2 void lookups).
 *	Every DNS question goes through struct spf_dns, so the same code
 *	runs over the project's resolver (spf_dns_resolver.c) and over a
 *	file-backed zone for tests (spf_zone.c).
 *
 *	The verdict names the result, the directive that decided it as
 *	written in the record ("-all", "ip4:192.0.2.0/24", "" when no
 *	directive matched), the domain whose record held it, the
 *	explanation (fail only, 6.2) and, for none, permerror and
 *	temperror, the reason in words.  Everything in the verdict is
 *	printable ASCII: other bytes (from a sender's local-part through a
 *	macro, say) become '?', so no verdict text can break a header or a
 *	log line.
 *
 *	No global state: any number of threads may run spf_check_host at
 *	once over a thread-safe spf_dns (the resolver is).  The stack holds
 *	a few KiB per include level; includes and redirects are bounded by
 *	the 10-term limit.
 *
 * DIAGNOSTICS
 *	spf_check_host returns 0 when it produced a verdict (any result,
 *	including permerror and temperror) and -1 when it ran out of
 *	memory, with result temperror.
 */
#ifndef DKIMGUARD_SPF_H
#define DKIMGUARD_SPF_H

#include <stddef.h>
#include <time.h>

/* spf_result - RFC 7208 2.6 */
enum spf_result {
	SPF_NONE = 0,
	SPF_NEUTRAL,
	SPF_PASS,
	SPF_FAIL,
	SPF_SOFTFAIL,
	SPF_TEMPERROR,
	SPF_PERMERROR
};

/* spf_dns_status - what one DNS question gave */
enum spf_dns_status {
	SPF_DNS_OK = 0,   /* NOERROR with records of the type asked */
	SPF_DNS_NXDOMAIN, /* RCODE 3 */
	SPF_DNS_NODATA,   /* NOERROR, no record of that type */
	SPF_DNS_TEMPFAIL  /* SERVFAIL, timeout, other errors */
};

#define SPF_RR_MAX                                                             \
	4096 /* records kept per answer (a 64 KiB reply
				 * holds fewer) */

/*
 * spf_rrset - one answer.  rr[] holds text: a TXT record's strings
 * joined (RFC 7208 3.3), an A or AAAA address in presentation form, an
 * MX exchange (the preference dropped: SPF does not use it), a PTR
 * target.  A NUL byte in TXT arrives as 0x7f, so it cannot cut a record
 * short and is refused like any control byte (3.1).  total counts every
 * record of the answer, also those beyond
 * SPF_RR_MAX (the MX and PTR limits of 4.6.4 need the count).
 */
struct spf_rrset {
	enum spf_dns_status status;
	size_t count;
	size_t total;
	char **rr; /* count strings, malloc'ed */
	size_t cap;
	unsigned ttl; /* smallest TTL of the answer, 0: unknown (zone files,
		       * negative answers) */
};

/* spf_rrset_add - append a copy of len bytes; -1 on ENOMEM */
int spf_rrset_add(struct spf_rrset *set, const char *s, size_t len);
/* spf_rrset_clear - free the records, back to an empty NODATA set */
void spf_rrset_clear(struct spf_rrset *set);

/*
 * spf_dns - the lookups check_host() needs.  Each fills *out (which it
 * overwrites without reading) and returns 0, or -1 on an internal
 * failure (ENOMEM), which check_host() turns into temperror.
 */
typedef int (*spf_dns_fn)(void *ctx, const char *name, struct spf_rrset *out);
struct spf_dns {
	spf_dns_fn txt, a, aaaa, mx, ptr;
	void *ctx;
};

/* spf_request - the inputs of check_host() (RFC 7208 4.1) and macros */
struct spf_request {
	const char *ip;          /* client address, IPv4 or IPv6 text */
	const char *domain;      /* <domain>: MAIL FROM domain or HELO name */
	const char *sender;      /* <sender>: local@domain; "" or NULL:
				 * postmaster@domain (4.3) */
	const char *helo;        /* %{h}; NULL: "unknown" */
	const char *receiver;    /* %{r}; NULL: "unknown" (7.3) */
	const char *default_exp; /* explanation when exp= gives none;
				 * a macro-string; NULL: built in */
	time_t now;              /* %{t}; 0: time(NULL) */
};

#define SPF_TEXT_MAX 512

/* spf_verdict - the outcome */
struct spf_verdict {
	enum spf_result result;
	char mechanism[SPF_TEXT_MAX];   /* deciding directive or modifier */
	char domain[256];               /* whose record decided */
	char explanation[SPF_TEXT_MAX]; /* fail: exp= or the default */
	char reason[SPF_TEXT_MAX];      /* none/permerror/temperror: why */
	unsigned dns_terms;             /* DNS-querying terms evaluated */
	unsigned void_lookups;
};

int spf_check_host(const struct spf_dns *dns, const struct spf_request *rq,
    struct spf_verdict *out);

/*
 * spf_lint - is the policy of domain valid for any client (publication
 * checks): result PASS when it is, NONE without a record, PERMERROR for
 * several records, a syntax error anywhere it reaches, more than 10
 * DNS-querying terms or 2 void lookups in the worst case (no mechanism
 * matching), more than 10 MX names, an include or redirect without a
 * record; TEMPERROR on DNS errors.  problem says the first one found.
 * Targets with macros are counted, not followed.  0, or -1 on ENOMEM.
 */
struct spf_lint {
	enum spf_result result;
	unsigned records;   /* SPF records at domain (4.5: 1) */
	unsigned dns_terms; /* worst case, over includes */
	unsigned void_lookups;
	char record[SPF_TEXT_MAX]; /* the record at domain, when one */
	char problem[SPF_TEXT_MAX];
};
int
spf_lint(const struct spf_dns *dns, const char *domain, struct spf_lint *out);

/* spf_result_str - "none", "neutral", "pass", ... (RFC 7208 2.6) */
const char *spf_result_str(enum spf_result r);
/* spf_result_parse - the inverse; -1 for an unknown word */
int spf_result_parse(const char *s);

/*
 * spf_identity - the <domain> and <sender> for a MAIL FROM (RFC 7208
 * 2.4): its domain part, or for the null reverse-path the HELO name with
 * "postmaster@" (2.3).  sender and domain are written NUL-terminated;
 * -1 when they do not fit.
 */
int spf_identity(const char *mailfrom, const char *helo, char *sender,
    size_t slen, char *domain, size_t dlen);

#endif /* DKIMGUARD_SPF_H */
