/*
 * authq.h - TXT at a name as the zone's authoritative servers publish it
 *	     now: what a receiver with an empty cache sees.
 *
 * SYNOPSIS
 *	#include "common/dns/authq.h"
 *
 *	authq_new(res, 53, &aq);
 *	struct authq_how how;
 *	authq_txt(aq, "sel._domainkey.example.com", &ans, &how);
 *	if (how.fallback) ... ask the configured resolver; say how.why
 *	authq_free(aq);
 *
 * DESCRIPTION
 *	The guard must see a change of a key record within seconds, whatever
 *	its TTL: the configured resolver would serve a cached answer for up
 *	to the TTL.  authq finds the zone of the name (the SOA owner in the
 *	resolver's reply, RFC 2308 3), its NS names and their addresses
 *	(through the configured resolver, kept for their TTL), and asks those
 *	servers directly with RD clear (RFC 1035 4.1.1).  Only a reply with
 *	AA set (RFC 1035 4.1.1) counts; a CNAME into another zone is followed
 *	there (RFC 1034 3.6.2), at most RES_MAX_HOPS times.
 *
 *	When no authoritative server of a zone gives an authoritative reply
 *	(firewalled, split horizon, REFUSED, a lame delegation), authq_txt
 *	sets how->fallback with the reason: the caller then asks the
 *	configured resolver.  Such a zone is not asked again for
 *	AUTHQ_RETRY_S seconds, so a dead path costs no wait per check; when
 *	the resolver itself could not name the servers, AUTHQ_FIND_RETRY_S.
 *
 *	Thread-safe: any number of threads may call authq_txt at once.
 *
 * RETURN VALUES
 *	authq_txt: DKIM_OK with *ans filled when the authoritative servers
 *	answered (any status), DKIM_OK with how->fallback = 1 and *ans empty
 *	otherwise; DKIM_ENOMEM, DKIM_EINVAL (name too long).
 */
#ifndef DKIMGUARD_AUTHQ_H
#define DKIMGUARD_AUTHQ_H

#include "dkim.h"
#include "resolver.h"

#define AUTHQ_RETRY_S 300 /* s before an unreachable zone is tried again */
/*
 * s after the resolver could not name the zone's servers (DNS down, no
 * NS): short, so that once DNS is back the checks return to the
 * authoritative servers within about GuardMaxAge instead of trusting a
 * resolver cache that may hold the record for its whole TTL
 */
#define AUTHQ_FIND_RETRY_S 5
#define AUTHQ_MAX_ADDR 8 /* server addresses kept per zone */

typedef struct authq authq;

/* authq_how - how an answer was obtained */
struct authq_how {
	int fallback;    /* 1: ask the resolver; why says why */
	char zone[256];  /* the zone asked (last one of a CNAME chain) */
	char server[64]; /* the server that answered, "ADDR:PORT" */
	char why[400];   /* fallback reason, "" otherwise */
};

/*
 * authq_new - over res (not owned; outlives aq); port: where the
 * authoritative servers listen (53; other values for test set-ups).
 */
int authq_new(resolver *res, unsigned port, authq **out);
/* authq_free - NULL is a no-op; no lookup may be running */
void authq_free(authq *aq);
/* authq_txt - see DESCRIPTION; *ans overwritten without being read */
dkim_rc authq_txt(authq *aq, const char *name, dkim_txt_answer *ans,
    struct authq_how *how);

#endif /* DKIMGUARD_AUTHQ_H */
