/*
 * authq.c - TXT straight from a zone's authoritative servers (authq.h).
 *
 * DESCRIPTION
 *	Per name asked: the zone (SOA owner in the resolver's reply to an SOA
 *	question at the name, RFC 2308 3; the parent's when the name is a
 *	CNAME), the zone's NS names (RFC 1034 4.2.1) and their A/AAAA
 *	addresses, all through the configured resolver and kept for the
 *	smallest TTL seen (at least AUTHQ_MIN_TTL s); the servers are kept
 *	per zone too, so the many names of one zone (a large key table)
 *	cost one SOA question each, not four questions.  Then the TXT question
 *	goes to those addresses in turn with RD clear; the first reply with
 *	AA set and NOERROR or NXDOMAIN is read like the resolver's
 *	(rmsg_interp: strings joined, CNAMEs in the answer followed, negative
 *	TTL).  A CNAME leaving the zone makes the target's zone the next one
 *	asked.  Exports what authq.h declares.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authq.h"
#include "resolver_int.h"
#include "util/hashtab.h"

#define AUTHQ_MIN_TTL 5 /* s: a zone's servers are looked up at most so often */
#define AUTHQ_MAX_NS 4  /* NS names whose addresses are looked up */
#define AUTHQ_TRIES 4   /* addresses asked per question */

/* zinfo - what is known about the zone of one name */
struct zinfo {
	char *name; /* the name asked (the table's key) */
	char zone[NS_MAXDNAME];
	struct sockaddr_storage addr[AUTHQ_MAX_ADDR];
	socklen_t alen[AUTHQ_MAX_ADDR];
	unsigned naddr;
	int64_t expires;    /* ms: look the servers up again */
	int64_t down_until; /* ms: fallback without asking until then */
	char why[200];      /* why the zone is down */
};

struct authq {
	resolver *res;
	unsigned port;
	pthread_mutex_t lock;
	struct hashtab *byname; /* name (no case) -> struct zinfo */
	struct hashtab *byzone; /* zone (no case) -> struct zinfo: the
				 * servers found for it (name: the zone) */
};

/* authq_new - an empty cache over res */
int
authq_new(resolver *res, unsigned port, authq **out)
{
	authq *aq;

	*out = NULL;
	if (res == NULL || port == 0 || port > 65535)
		return -1;
	if ((aq = calloc(1, sizeof *aq)) == NULL)
		return -1;
	/* RFC 4343: names are found without case */
	if ((aq->byname = hashtab_new(64, HASHTAB_NOCASE)) == NULL ||
	    (aq->byzone = hashtab_new(16, HASHTAB_NOCASE)) == NULL) {
		hashtab_free(aq->byname);
		free(aq);
		return -1;
	}
	aq->res = res;
	aq->port = port;
	pthread_mutex_init(&aq->lock, NULL);
	*out = aq;
	return 0;
}

/* zfree - release one cached zone record */
static void
zfree(struct zinfo *z)
{
	if (z != NULL) {
		free(z->name);
		free(z);
	}
}

/* free_one - hashtab_walk callback for authq_free */
static int
free_one(void *arg, const char *key, void *value)
{
	zfree(value);
	return 0;
}

/* authq_free - release the cache */
void
authq_free(authq *aq)
{
	if (aq == NULL)
		return;
	hashtab_walk(aq->byname, free_one, NULL);
	hashtab_free(aq->byname);
	hashtab_walk(aq->byzone, free_one, NULL);
	hashtab_free(aq->byzone);
	pthread_mutex_destroy(&aq->lock);
	free(aq);
}

/* parent - the name one label up, NULL at a single label */
static const char *
parent(const char *name)
{
	const char *dot = strchr(name, '.');

	return dot != NULL && dot[1] != '\0' ? dot + 1 : NULL;
}

/* ask - one question through the configured resolver; the parsed reply */
static int
ask(authq *aq, const char *name, int type, uint8_t *buf, ns_msg *m)
{
	size_t rlen = 0;
	int rc;

	if (resolver_exchange(aq->res, name, type, buf, &rlen,
		resolver_deadline(aq->res)) != DKIM_DNS_OK)
		return -1;
	rc = rmsg_rcode(buf, rlen);
	if (rc != ns_r_noerror && rc != ns_r_nxdomain)
		return -1;
	return ns_initparse(buf, (int)rlen, m) < 0 ? -1 : 0;
}

/* minttl - keep the smaller TTL */
static void
minttl(uint32_t *ttl, uint32_t t)
{
	if (t < *ttl)
		*ttl = t;
}

/*
 * find_zone - the zone name belongs to: an SOA at name itself, else the
 * SOA in the authority section of the (negative) reply.  A CNAME at
 * name: its own zone is its parent's (RFC 1034 3.6.2: no other data
 * beside a CNAME).  0 or -1 with why.
 */
static int
find_zone(authq *aq, const char *name, uint8_t *buf, char *zone, uint32_t *ttl,
    char *why, size_t wlen)
{
	char owner[NS_MAXDNAME];
	const char *up;
	ns_msg m;
	ns_rr rr;
	int i, n;

	if (ask(aq, name, ns_t_soa, buf, &m) < 0) {
		snprintf(why, wlen, "the resolver gave no SOA for %.100s",
		    name);
		return -1;
	}
	n = ns_msg_count(m, ns_s_an);
	for (i = 0; i < n; i++) {
		if (ns_parserr(&m, ns_s_an, i, &rr) < 0)
			break;
		if (!rmsg_samename(ns_rr_name(rr), name))
			continue;
		if (ns_rr_type(rr) == ns_t_soa) {
			minttl(ttl, ns_rr_ttl(rr));
			strlcpy(zone, name, NS_MAXDNAME);
			return 0;
		}
		if (ns_rr_type(rr) == ns_t_cname) {
			if ((up = parent(name)) == NULL)
				break;
			strlcpy(owner, up, sizeof owner);
			return find_zone(aq, owner, buf, zone, ttl, why, wlen);
		}
	}
	n = ns_msg_count(m, ns_s_ns);
	for (i = 0; i < n; i++)
		if (ns_parserr(&m, ns_s_ns, i, &rr) == 0 &&
		    ns_rr_type(rr) == ns_t_soa) {
			minttl(ttl, ns_rr_ttl(rr));
			strlcpy(zone, ns_rr_name(rr), NS_MAXDNAME);
			return 0;
		}
	snprintf(why, wlen, "the resolver's reply for %.100s names no zone",
	    name);
	return -1;
}

/* add_addrs - the A or AAAA addresses of host into z */
static void
add_addrs(authq *aq, const char *host, int type, uint8_t *buf, struct zinfo *z,
    uint32_t *ttl)
{
	struct sockaddr_in *s4;
	struct sockaddr_in6 *s6;
	ns_msg m;
	ns_rr rr;
	int i, n;

	if (ask(aq, host, type, buf, &m) < 0)
		return;
	n = ns_msg_count(m, ns_s_an);
	for (i = 0; i < n && z->naddr < AUTHQ_MAX_ADDR; i++) {
		if (ns_parserr(&m, ns_s_an, i, &rr) < 0 ||
		    (int)ns_rr_type(rr) != type)
			continue;
		memset(&z->addr[z->naddr], 0, sizeof z->addr[0]);
		if (type == ns_t_a && ns_rr_rdlen(rr) == 4) {
			s4 = (struct sockaddr_in *)&z->addr[z->naddr];
			s4->sin_family = AF_INET;
			s4->sin_port = htons((uint16_t)aq->port);
			memcpy(&s4->sin_addr, ns_rr_rdata(rr), 4);
			z->alen[z->naddr++] = sizeof *s4;
		} else if (type == ns_t_aaaa && ns_rr_rdlen(rr) == 16) {
			s6 = (struct sockaddr_in6 *)&z->addr[z->naddr];
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons((uint16_t)aq->port);
			memcpy(&s6->sin6_addr, ns_rr_rdata(rr), 16);
			z->alen[z->naddr++] = sizeof *s6;
		} else
			continue;
		minttl(ttl, ns_rr_ttl(rr));
	}
}

/* find_servers - the zone's NS names and their addresses into z */
static int
find_servers(authq *aq, struct zinfo *z, uint8_t *buf, uint32_t *ttl)
{
	char host[AUTHQ_MAX_NS][NS_MAXDNAME];
	unsigned nh = 0, k;
	ns_msg m;
	ns_rr rr;
	int i, n;

	if (ask(aq, z->zone, ns_t_ns, buf, &m) < 0) {
		snprintf(z->why, sizeof z->why,
		    "the resolver gave no NS for zone %.100s", z->zone);
		return -1;
	}
	n = ns_msg_count(m, ns_s_an);
	for (i = 0; i < n && nh < AUTHQ_MAX_NS; i++)
		if (ns_parserr(&m, ns_s_an, i, &rr) == 0 &&
		    ns_rr_type(rr) == ns_t_ns &&
		    rmsg_samename(ns_rr_name(rr), z->zone) &&
		    ns_name_uncompress(ns_msg_base(m), ns_msg_end(m),
			ns_rr_rdata(rr), host[nh], NS_MAXDNAME) > 0) {
			minttl(ttl, ns_rr_ttl(rr));
			nh++;
		}
	for (k = 0; k < nh; k++) { /* buf is reused: names copied above */
		add_addrs(aq, host[k], ns_t_a, buf, z, ttl);
		add_addrs(aq, host[k], ns_t_aaaa, buf, z, ttl);
	}
	if (nh == 0) {
		snprintf(z->why, sizeof z->why,
		    "the resolver gave no NS for zone %.100s", z->zone);
		return -1;
	}
	if (z->naddr == 0) {
		snprintf(z->why, sizeof z->why,
		    "no address for the %u NS of zone %.100s", nh, z->zone);
		return -1;
	}
	return 0;
}

/* copy_servers - the server addresses of from into to */
static void
copy_servers(struct zinfo *to, const struct zinfo *from)
{
	memcpy(to->addr, from->addr, sizeof to->addr);
	memcpy(to->alen, from->alen, sizeof to->alen);
	to->naddr = from->naddr;
}

/* keep_servers - remember z's servers for its zone, ttl seconds */
static void
keep_servers(authq *aq, const struct zinfo *z, uint32_t ttl, int64_t now)
{
	struct zinfo *c, *old;

	if ((c = calloc(1, sizeof *c)) == NULL ||
	    (c->name = strdup(z->zone)) == NULL) {
		free(c); /* not kept: found again next time */
		return;
	}
	strlcpy(c->zone, z->zone, sizeof c->zone);
	copy_servers(c, z);
	c->expires =
	    now + (int64_t)(ttl < AUTHQ_MIN_TTL ? AUTHQ_MIN_TTL : ttl) * 1000;
	pthread_mutex_lock(&aq->lock);
	old = hashtab_get(aq->byzone, c->name);
	if (hashtab_put(aq->byzone, c->name, c) < 0)
		zfree(c);
	else
		zfree(old);
	pthread_mutex_unlock(&aq->lock);
}

/*
 * zone_servers - z's servers: kept for its zone by an earlier name, or
 * found now (find_servers) and kept; *ttl takes the smaller lifetime
 */
static int
zone_servers(authq *aq, struct zinfo *z, uint8_t *buf, uint32_t *ttl)
{
	int64_t now = resolver_now_ms();
	uint32_t sttl = UINT32_MAX;
	struct zinfo *c;

	pthread_mutex_lock(&aq->lock);
	if ((c = hashtab_get(aq->byzone, z->zone)) != NULL &&
	    c->expires > now) {
		copy_servers(z, c);
		minttl(ttl, (uint32_t)((c->expires - now) / 1000));
		pthread_mutex_unlock(&aq->lock);
		return 0;
	}
	pthread_mutex_unlock(&aq->lock);
	if (find_servers(aq, z, buf, &sttl) < 0)
		return -1;
	minttl(ttl, sttl);
	keep_servers(aq, z, sttl, now);
	return 0;
}

/* lookup_zone - the zone record for name: cached, or built now */
static int
lookup_zone(authq *aq, const char *name, uint8_t *buf, struct zinfo *out)
{
	struct zinfo *z, *old;
	int64_t now = resolver_now_ms();
	uint32_t ttl = UINT32_MAX;

	pthread_mutex_lock(&aq->lock);
	if ((z = hashtab_get(aq->byname, name)) != NULL &&
	    (z->expires > now || z->down_until > now)) {
		*out = *z;
		out->name = NULL;
		pthread_mutex_unlock(&aq->lock);
		return 0;
	}
	pthread_mutex_unlock(&aq->lock);
	if ((z = calloc(1, sizeof *z)) == NULL ||
	    (z->name = strdup(name)) == NULL) {
		free(z);
		return -1;
	}
	if (find_zone(aq, name, buf, z->zone, &ttl, z->why, sizeof z->why) <
		0 ||
	    zone_servers(aq, z, buf, &ttl) < 0) {
		z->down_until = now + (int64_t)AUTHQ_FIND_RETRY_S * 1000;
		ttl = 0;
	}
	if (ttl < AUTHQ_MIN_TTL)
		ttl = AUTHQ_MIN_TTL;
	z->expires = now + (int64_t)ttl * 1000;
	*out = *z;
	out->name = NULL;
	pthread_mutex_lock(&aq->lock);
	old = hashtab_get(aq->byname, name);
	if (hashtab_put(aq->byname, z->name, z) < 0)
		zfree(z);
	else
		zfree(old);
	pthread_mutex_unlock(&aq->lock);
	return 0;
}

/* mark_down - remember that name's zone gave no authoritative reply */
static void
mark_down(authq *aq, const char *name, const char *why)
{
	struct zinfo *z;

	pthread_mutex_lock(&aq->lock);
	if ((z = hashtab_get(aq->byname, name)) != NULL) {
		z->down_until =
		    resolver_now_ms() + (int64_t)AUTHQ_RETRY_S * 1000;
		strlcpy(z->why, why, sizeof z->why);
	}
	pthread_mutex_unlock(&aq->lock);
}

/* addr_str - "ADDR:PORT" of a server */
static void
addr_str(const struct sockaddr_storage *sa, char *out, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof a);
		port = ntohs(s4->sin_port);
		snprintf(out, len, "%s:%u", a, port);
	} else {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a);
		port = ntohs(s6->sin6_port);
		snprintf(out, len, "[%s]:%u", a, port);
	}
}

/*
 * ask_auth - the TXT question for cur to z's servers in turn until one
 * answers with authority: the rmsg_interp result, or -1 with why.
 */
static int
ask_auth(authq *aq, const struct zinfo *z, const char *cur, uint8_t *buf,
    dkim_txt_answer *ans, uint32_t *ttl, char *next, unsigned *hops,
    struct authq_how *how)
{
	const char *fail = "no reply";
	int64_t end;
	size_t rlen = 0;
	unsigned i;
	int rc;
	dkim_dns_status st;

	for (i = 0; i < z->naddr && i < AUTHQ_TRIES; i++) {
		end = resolver_now_ms() + resolver_timeout_ms(aq->res);
		addr_str(&z->addr[i], how->server, sizeof how->server);
		st = resolver_exchange_at(&z->addr[i], z->alen[i], cur,
		    ns_t_txt, 0, buf, &rlen, end);
		if (st == DKIM_DNS_TIMEOUT) {
			fail = "timeout";
			continue;
		}
		if (st != DKIM_DNS_OK) {
			fail = "connection refused or bad reply";
			continue;
		}
		rc = rmsg_rcode(buf, rlen);
		if (rc == ns_r_refused) {
			fail = "REFUSED";
			continue;
		}
		if (rc != ns_r_noerror && rc != ns_r_nxdomain) {
			fail = "SERVFAIL or another error";
			continue;
		}
		/* RFC 1035 4.1.1: AA, the server is an authority for it */
		if (!(buf[2] & 0x04)) {
			fail = "not authoritative (AA clear)";
			continue;
		}
		return (int)rmsg_interp(buf, rlen, cur, ans, ttl, next, hops);
	}
	snprintf(how->why, sizeof how->why,
	    "authoritative servers of %.80s (%u, last %s) gave no "
	    "authoritative reply for %.80s: %s",
	    z->zone, z->naddr, how->server, cur, fail);
	return -1;
}

/* authq_txt - TXT at name from the authoritative servers (authq.h) */
dkim_rc
authq_txt(authq *aq, const char *name, dkim_txt_answer *ans,
    struct authq_how *how)
{
	char cur[NS_MAXDNAME], next[NS_MAXDNAME];
	struct zinfo z;
	uint32_t ttl = UINT32_MAX;
	unsigned hops = 0;
	uint8_t *buf;
	int r = RMSG_FOLLOW;

	memset(ans, 0, sizeof *ans);
	memset(how, 0, sizeof *how);
	if (name == NULL || *name == '\0' || strlen(name) >= sizeof cur)
		return DKIM_EINVAL;
	if ((buf = malloc(RES_REPLY_MAX)) == NULL)
		return DKIM_ENOMEM;
	strlcpy(cur, name, sizeof cur);
	while (r == RMSG_FOLLOW) {
		if (lookup_zone(aq, cur, buf, &z) < 0) {
			r = RMSG_ENOMEM;
			break;
		}
		strlcpy(how->zone, z.zone, sizeof how->zone);
		if (z.down_until > resolver_now_ms()) {
			how->fallback = 1;
			strlcpy(how->why, z.why, sizeof how->why);
			break;
		}
		r = ask_auth(aq, &z, cur, buf, ans, &ttl, next, &hops, how);
		if (r < 0) {
			mark_down(aq, cur, how->why);
			how->fallback = 1;
			break;
		}
		if (r == RMSG_FOLLOW)
			strlcpy(cur, next, sizeof cur);
	}
	free(buf);
	if (how->fallback || r == RMSG_ENOMEM)
		dkim_txt_answer_clear(ans);
	return r == RMSG_ENOMEM ? DKIM_ENOMEM : DKIM_OK;
}
