/*
 * outbound_spf.h - what receivers will look up for outgoing mail, cached
 *		    and computed in the background: the SPF verdict,
 *		    check_host() (RFC 7208) for the MAIL FROM domain (the
 *		    HELO name for a null sender) from each of this host's
 *		    outbound addresses (OutboundAddresses), and the From:
 *		    domain's DMARC policy (RFC 7489 6.6.3, with the
 *		    organizational-domain fallback).
 *
 * SYNOPSIS
 *	ospf_daemon_start(res);          main.c: the default instance
 *	struct ospf *o = ospf_new(&dns, clock, arg);   tests: their own
 *	struct ospf_answer a;
 *	ospf_get(ospf_default(), addrs, "example.com", "bob@example.com",
 *	    "mail.example.com", 0, &a);     a.result "pass" ... or "pending"
 *	struct dmarc_policy pol;
 *	if (ospf_dmarc_get(ospf_default(), "example.com", 0, &pol) < 0)
 *		...                          pending: queued
 *	ospf_run(o);                     tests: compute what is queued, now
 *	ospf_free(o);
 *
 * DESCRIPTION
 *	A message never waits for DNS unless asked to (wait_ms, the
 *	OutboundCheckWait option: at most that long for a first answer).
 *	ospf_get and ospf_dmarc_get answer from one cache; a question not
 *	in it (or expired) is queued for the one worker thread and the
 *	message gets "pending".  An expired verdict is still answered
 *	while the worker refreshes it, so in the steady state every message
 *	has a verdict.  A verdict is kept for the smallest TTL of the DNS
 *	answers its evaluation read (OSPF_MIN_TTL to OSPF_MAX_TTL; a
 *	temperror, and an answer whose TTLs are unknown, such as "no
 *	record", OSPF_MIN_TTL), and the cache holds at most
 *	OSPF_MAX_ENTRIES answers (the oldest goes first).  DMARC
 *	discovery finds organizational domains with the public suffix list
 *	given to ospf_set_psl (the daemon's instance loads Debian's).
 *
 *	The message's verdict combines the addresses: the same result for
 *	all of them is that result; otherwise the least favourable (fail,
 *	permerror, temperror, softfail, none, neutral, pass, in that
 *	order), since the MTA may leave from any of them; detail names each
 *	address's result and deciding directive.  Macros depending on the
 *	sender's local part (%{l}, %{s}) are expanded for the first sender
 *	seen from the domain, as the verdict is cached per domain.
 *	Thread-safe: one mutex; spf_check_host runs outside it.
 */
#ifndef DKIMGUARD_OUTBOUND_SPF_H
#define DKIMGUARD_OUTBOUND_SPF_H

#include <stddef.h>
#include <time.h>

#include "common/dmarc/dmarc.h"
#include "common/dns/resolver.h"
#include "common/spf/spf.h"

#define OSPF_MIN_TTL 60
#define OSPF_MAX_TTL 86400
#define OSPF_MAX_ENTRIES 4096
#define OSPF_MAX_ADDRS 16

struct ospf_answer {
	char result[16];  /* spf_result_str, "pending" */
	char detail[512]; /* "192.0.2.1:pass(ip4:192.0.2.0/24) ..." */
	char source[160]; /* the address whose result is the verdict and
			   * what decided it: "192.0.2.1 (~all)" */
};

typedef time_t (*ospf_clock_fn)(void *arg);

struct ospf;

/* ospf_new - dns is copied (it must stay usable); clock NULL: time() */
struct ospf *
ospf_new(const struct spf_dns *dns, ospf_clock_fn clock, void *clock_arg);
/* ospf_start - the worker thread; 0 or -1 */
int ospf_start(struct ospf *o);
/* ospf_free - stop the worker, free everything; NULL is a no-op */
void ospf_free(struct ospf *o);
/* ospf_set_psl - o owns psl (NULL: the last two labels are the
 * organizational domain); before ospf_start.  ospf_psl - that list. */
void ospf_set_psl(struct ospf *o, guard_psl *psl);
const guard_psl *ospf_psl(const struct ospf *o);
/* ospf_set_default / ospf_default - the daemon's instance (NULL: none) */
void ospf_set_default(struct ospf *o);
struct ospf *ospf_default(void);

/*
 * ospf_get - the cached verdict of domain from addrs (NULL-terminated,
 * at most OSPF_MAX_ADDRS used), or "pending" with the work queued;
 * waits up to wait_ms for a first verdict while the worker runs
 */
void ospf_get(struct ospf *o, char *const *addrs, const char *domain,
    const char *sender, const char *helo, unsigned wait_ms,
    struct ospf_answer *a);
/*
 * ospf_dmarc_get - the cached DMARC policy of domain (dmarc_discover),
 * waiting as ospf_get does: 0 with *pol set, or -1 while pending
 * (queued) or when o is NULL
 */
int ospf_dmarc_get(struct ospf *o, const char *domain, unsigned wait_ms,
    struct dmarc_policy *pol);
/*
 * ospf_refresh - every cached SPF verdict and DMARC policy computed again
 * at once (after a reload: the operator may just have published a record
 * whose absence is cached); the old answers stand until the new ones come
 */
void ospf_refresh(struct ospf *o);
/* ospf_run - compute every queued question in this thread (tests) */
void ospf_run(struct ospf *o);

/* ospf_daemon_start - the default instance over the daemon's resolver
 * (or, when the configuration started with sets TestZone, that zone
 * file, so tests ask no DNS), its worker running; 0 or -1.
 * ospf_daemon_stop frees it. */
int ospf_daemon_start(resolver *res);
void ospf_daemon_stop(void);

/* ospf_addrs_check - every entry one IPv4 or IPv6 address: 0, or -1 and
 * why names the first other one */
int ospf_addrs_check(char *const *addrs, char *why, size_t len);

#endif /* DKIMGUARD_OUTBOUND_SPF_H */
