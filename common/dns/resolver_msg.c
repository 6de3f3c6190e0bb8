/*
 * resolver_msg.c - DNS messages for the resolver: encode a query,
 *		    accept a reply, read TXT records (and, for SPF, A, AAAA,
 *		    MX and PTR records as text) and CNAME chains.
 *
 * DESCRIPTION
 *	Encoding and decoding use glibc's libresolv primitives (dn_comp,
 *	dn_expand, ns_initparse, ns_parserr); the rules are RFC 1035 (message
 *	format), RFC 2181 (CNAME chains, TTLs), RFC 2308 (negative TTLs),
 *	RFC 6891 (EDNS0) and RFC 6376 3.6.2.2 (TXT strings concatenated).
 *	See resolver_int.h for the contracts.
 */
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "resolver.h"
#include "resolver_int.h"

/* rmsg_query - encode a TXT query */
int
rmsg_query(const char *name, uint16_t id, int edns, uint8_t *buf, size_t size)
{
	return rmsg_query_type(name, ns_t_txt, id, edns, buf, size);
}

/* rmsg_query_type - encode a query (RFC 1035 4.1.1, 4.1.2; RFC 6891 6.1.2) */
int
rmsg_query_type(const char *name, int type, uint16_t id, int edns, uint8_t *buf,
    size_t size)
{
	uint8_t *p;
	int n;

	if (size < HFIXEDSZ + QFIXEDSZ + 11)
		return -1;
	memset(buf, 0, HFIXEDSZ);
	buf[0] = id >> 8;
	buf[1] = id & 0xff;
	buf[2] = 0x01; /* RD */
	buf[5] = 1;    /* QDCOUNT */
	n = dn_comp(name, buf + HFIXEDSZ, size - HFIXEDSZ - QFIXEDSZ - 11, NULL,
	    NULL);
	if (n < 0)
		return -1;
	p = buf + HFIXEDSZ + n;
	NS_PUT16(type, p);
	NS_PUT16(ns_c_in, p);
	if (edns) {
		*p++ = 0; /* root owner name */
		NS_PUT16(ns_t_opt, p);
		NS_PUT16(RES_EDNS_SIZE, p); /* CLASS = payload size */
		NS_PUT32(0, p);             /* extended RCODE, version, DO=0 */
		NS_PUT16(0, p);             /* no options */
		buf[11] = 1;                /* ARCOUNT */
	}
	return (int)(p - buf);
}

/* question - the name, type and class of a message's first question */
static int
question(const uint8_t *msg, size_t len, char *name, size_t size,
    const uint8_t **tc)
{
	int n;

	n = dn_expand(msg, msg + len, msg + HFIXEDSZ, name, (int)size);
	if (n < 0 || HFIXEDSZ + (size_t)n + 4 > len)
		return -1;
	*tc = msg + HFIXEDSZ + n;
	return 0;
}

/* rmsg_matches - does this reply answer our query (RFC 5452 9.1) */
int
rmsg_matches(const uint8_t *reply, size_t len, const uint8_t *query,
    size_t qlen)
{
	char rname[NS_MAXDNAME], qname[NS_MAXDNAME];
	const uint8_t *rtc, *qtc;

	if (len < HFIXEDSZ || reply[0] != query[0] || reply[1] != query[1])
		return 0;
	if ((reply[2] & 0x80) == 0) /* QR */
		return 0;
	if (reply[4] == 0 && reply[5] == 0) /* no question: errors only */
		return rmsg_rcode(reply, len) != ns_r_noerror;
	if (question(reply, len, rname, sizeof rname, &rtc) < 0 ||
	    question(query, qlen, qname, sizeof qname, &qtc) < 0)
		return 0;
	return memcmp(rtc, qtc, 4) == 0 && strcasecmp(rname, qname) == 0;
}

/* rmsg_rcode - RCODE, RFC 1035 4.1.1 */
int
rmsg_rcode(const uint8_t *reply, size_t len)
{
	return len < 4 ? -1 : reply[3] & 0x0f;
}

/* rmsg_truncated - the TC bit */
int
rmsg_truncated(const uint8_t *reply, size_t len)
{
	return len >= 3 && (reply[2] & 0x02) != 0;
}

/* resolver_rrset_add - keep a copy while there is room; count it always */
int
resolver_rrset_add(struct resolver_rrset *set, const char *text)
{
	char *c, **grown;
	size_t cap;

	set->total++;
	if (set->count >= RESOLVER_RR_MAX)
		return 0;
	if (set->count == set->cap) {
		cap = set->cap ? 2 * set->cap : 8;
		if ((grown = realloc(set->rr, cap * sizeof *grown)) == NULL)
			return -1;
		set->rr = grown;
		set->cap = cap;
	}
	if ((c = strdup(text)) == NULL)
		return -1;
	set->rr[set->count++] = c;
	return 0;
}

/* resolver_rrset_clear - free the records */
void
resolver_rrset_clear(struct resolver_rrset *set)
{
	size_t i;

	for (i = 0; i < set->count; i++)
		free(set->rr[i]);
	free(set->rr);
	memset(set, 0, sizeof *set);
}

/* rmsg_samename - see resolver_int.h */
int
rmsg_samename(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

/* minttl - keep the smallest TTL (RFC 2181 5.2, 10.1.2) */
static void
minttl(uint32_t *ttl, uint32_t t)
{
	if (t < *ttl)
		*ttl = t;
}

/* find_cname - a CNAME owned by cur in the answer section: 1, 0, -1 */
static int
find_cname(ns_msg *m, const char *cur, char *target, uint32_t *ttl)
{
	ns_rr rr;
	int i, n = ns_msg_count(*m, ns_s_an);

	for (i = 0; i < n; i++) {
		if (ns_parserr(m, ns_s_an, i, &rr) < 0)
			return -1;
		if (ns_rr_type(rr) != ns_t_cname ||
		    ns_rr_class(rr) != ns_c_in ||
		    !rmsg_samename(ns_rr_name(rr), cur))
			continue;
		if (dn_expand(ns_msg_base(*m), ns_msg_end(*m), ns_rr_rdata(rr),
			target, NS_MAXDNAME) < 0)
			return -1;
		minttl(ttl, ns_rr_ttl(rr));
		return 1;
	}
	return 0;
}

/* add_txt - one TXT rdata, its strings concatenated (RFC 6376 3.6.2.2) */
static int
add_txt(dkim_txt_answer *ans, const uint8_t *rd, size_t rdlen)
{
	const uint8_t *p = rd, *end = rd + rdlen;
	char *buf;
	size_t len = 0;
	int rc;

	if ((buf = malloc(rdlen + 1)) == NULL)
		return -1;
	while (p < end) { /* RFC 1035 3.3.14: <character-string>+ */
		size_t n = *p++;

		if (n > (size_t)(end - p)) {
			free(buf);
			return -2;
		}
		memcpy(buf + len, p, n);
		len += n;
		p += n;
	}
	rc = dkim_txt_answer_add(ans, buf, len) == DKIM_OK ? 0 : -1;
	free(buf);
	return rc;
}

/* collect_txt - TXT records owned by cur: 0, -1 ENOMEM, -2 malformed */
static int
collect_txt(ns_msg *m, const char *cur, dkim_txt_answer *ans, uint32_t *ttl)
{
	ns_rr rr;
	int i, rc, n = ns_msg_count(*m, ns_s_an);

	for (i = 0; i < n; i++) {
		if (ns_parserr(m, ns_s_an, i, &rr) < 0)
			return -2;
		if (ns_rr_type(rr) != ns_t_txt || ns_rr_class(rr) != ns_c_in ||
		    !rmsg_samename(ns_rr_name(rr), cur))
			continue;
		minttl(ttl, ns_rr_ttl(rr));
		if (ans->count >= DKIM_TXT_MAX)
			continue; /* counted in the TTL, not kept */
		if ((rc = add_txt(ans, ns_rr_rdata(rr), ns_rr_rdlen(rr))) < 0)
			return rc;
	}
	return 0;
}

/* negttl - RFC 2308 5: min(SOA TTL, SOA MINIMUM); 0 without an SOA */
static uint32_t
negttl(ns_msg *m)
{
	ns_rr rr;
	int i, n = ns_msg_count(*m, ns_s_ns);

	for (i = 0; i < n; i++) {
		const uint8_t *rd;
		uint32_t min;

		if (ns_parserr(m, ns_s_ns, i, &rr) < 0)
			break;
		if (ns_rr_type(rr) != ns_t_soa || ns_rr_rdlen(rr) < 20)
			continue;
		rd = ns_rr_rdata(rr) + ns_rr_rdlen(rr) - 4;
		NS_GET32(min, rd);
		return min < ns_rr_ttl(rr) ? min : ns_rr_ttl(rr);
	}
	return 0;
}

/* set_status - a final answer without records */
static enum rmsg_result
set_status(dkim_txt_answer *ans, dkim_dns_status st, uint32_t ttl)
{
	dkim_txt_answer_clear(ans);
	ans->status = st;
	ans->ttl = ttl;
	return RMSG_DONE;
}

/* rmsg_interp - read one reply for name (see resolver_int.h) */
enum rmsg_result
rmsg_interp(const uint8_t *reply, size_t len, const char *name,
    dkim_txt_answer *ans, uint32_t *ttl, char *next, unsigned *hops)
{
	char cur[NS_MAXDNAME], target[NS_MAXDNAME];
	ns_msg m;
	int rc;

	if (ns_initparse(reply, (int)len, &m) < 0)
		return set_status(ans, DKIM_DNS_SERVFAIL, 0);
	strlcpy(cur, name, sizeof cur);
	/* RFC 1034 3.6.2 / RFC 2181 10.1: follow the chain in the answer */
	while ((rc = find_cname(&m, cur, target, ttl)) == 1) {
		if (++*hops > RES_MAX_HOPS)
			return set_status(ans, DKIM_DNS_SERVFAIL, 0);
		strlcpy(cur, target, sizeof cur);
	}
	if (rc < 0)
		return set_status(ans, DKIM_DNS_SERVFAIL, 0);
	if ((rc = collect_txt(&m, cur, ans, ttl)) == -1)
		return RMSG_ENOMEM;
	if (rc == -2)
		return set_status(ans, DKIM_DNS_SERVFAIL, 0);
	if (ans->count > 0) {
		ans->status = DKIM_DNS_OK;
		ans->ttl = *ttl;
		return RMSG_DONE;
	}
	if (rmsg_rcode(reply, len) == ns_r_noerror &&
	    !rmsg_samename(cur, name)) {
		/* an authoritative server that did not chase the target */
		strlcpy(next, cur, NS_MAXDNAME);
		return RMSG_FOLLOW;
	}
	minttl(ttl, negttl(&m));
	return set_status(ans,
	    rmsg_rcode(reply, len) == ns_r_nxdomain ? DKIM_DNS_NXDOMAIN :
						      DKIM_DNS_NODATA,
	    *ttl);
}

/* rr_text - one A, AAAA, MX, PTR or TXT rdata as text: 0, -1, -2 bad */
static int
rr_text(ns_msg *m, ns_rr *rr, int type, char *out, size_t len)
{
	const uint8_t *rd = ns_rr_rdata(*rr);
	size_t rdlen = ns_rr_rdlen(*rr), n = 0;

	switch (type) {
	case ns_t_a:
	case ns_t_aaaa:
		if (rdlen != (type == ns_t_a ? 4u : 16u) ||
		    inet_ntop(type == ns_t_a ? AF_INET : AF_INET6, rd, out,
			(socklen_t)len) == NULL)
			return -2;
		return 0;
	case ns_t_mx: /* RFC 1035 3.3.9: preference, name */
		if (rdlen < 3)
			return -2;
		rd += 2;
		/* FALLTHROUGH */
	case ns_t_ptr:
		return dn_expand(ns_msg_base(*m), ns_msg_end(*m), rd, out,
			   (int)len) < 0 ?
		    -2 :
		    0;
	case ns_t_txt: /* RFC 1035 3.3.14: strings joined */
		while (rdlen > 0) {
			size_t l = *rd++, k;

			if (l >= rdlen || n + l >= len)
				return -2;
			for (k = 0; k < l; k++) /* a NUL must not cut it */
				out[n++] = rd[k] != '\0' ? (char)rd[k] : 0x7f;
			rd += l;
			rdlen -= l + 1;
		}
		out[n] = '\0';
		return 0;
	}
	return -2;
}

/* collect_rr - records of type owned by cur: 0, -1 ENOMEM, -2 malformed */
static int
collect_rr(ns_msg *m, const char *cur, int type, struct resolver_rrset *ans,
    uint32_t *ttl)
{
	char name[NS_MAXDNAME], *text;
	size_t tlen;
	ns_rr rr;
	int i, rc, n = ns_msg_count(*m, ns_s_an);

	for (i = 0; i < n; i++) {
		if (ns_parserr(m, ns_s_an, i, &rr) < 0)
			return -2;
		if ((int)ns_rr_type(rr) != type || ns_rr_class(rr) != ns_c_in ||
		    !rmsg_samename(ns_rr_name(rr), cur))
			continue;
		minttl(ttl, ns_rr_ttl(rr));
		/* TXT text is at most rdlen; names and addresses fit name[] */
		text = name;
		tlen = sizeof name;
		if (type == ns_t_txt) {
			tlen = ns_rr_rdlen(rr) + 1;
			if ((text = malloc(tlen)) == NULL)
				return -1;
		}
		if ((rc = rr_text(m, &rr, type, text, tlen)) == 0 &&
		    resolver_rrset_add(ans, text) < 0)
			rc = -1;
		if (text != name)
			free(text);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* rr_status - a final answer without records */
static enum rmsg_result
rr_status(struct resolver_rrset *ans, dkim_dns_status st, uint32_t ttl)
{
	resolver_rrset_clear(ans);
	ans->status = st;
	ans->ttl = ttl;
	return RMSG_DONE;
}

/*
 * present - name as dn_expand writes owner names (RFC 1035 5.1 escapes:
 * a space is "\032"), so a name with such bytes compares equal to the
 * owner names of the reply.
 */
static void
present(const char *name, char *out, size_t len)
{
	uint8_t wire[NS_MAXCDNAME];

	if (dn_comp(name, wire, sizeof wire, NULL, NULL) < 0 ||
	    dn_expand(wire, wire + sizeof wire, wire, out, (int)len) < 0)
		strlcpy(out, name, len);
}

/* rmsg_interp_rr - rmsg_interp for any type (see resolver_int.h) */
enum rmsg_result
rmsg_interp_rr(const uint8_t *reply, size_t len, const char *name, int type,
    struct resolver_rrset *ans, uint32_t *ttl, char *next, unsigned *hops)
{
	char cur[NS_MAXDNAME], target[NS_MAXDNAME];
	ns_msg m;
	int rc;

	if (ns_initparse(reply, (int)len, &m) < 0)
		return rr_status(ans, DKIM_DNS_SERVFAIL, 0);
	present(name, cur, sizeof cur);
	while ((rc = find_cname(&m, cur, target, ttl)) == 1) {
		if (++*hops > RES_MAX_HOPS)
			return rr_status(ans, DKIM_DNS_SERVFAIL, 0);
		strlcpy(cur, target, sizeof cur);
	}
	if (rc < 0)
		return rr_status(ans, DKIM_DNS_SERVFAIL, 0);
	if ((rc = collect_rr(&m, cur, type, ans, ttl)) == -1)
		return RMSG_ENOMEM;
	if (rc == -2)
		return rr_status(ans, DKIM_DNS_SERVFAIL, 0);
	if (ans->total > 0) {
		ans->status = DKIM_DNS_OK;
		ans->ttl = *ttl;
		return RMSG_DONE;
	}
	present(name, target, sizeof target);
	if (rmsg_rcode(reply, len) == ns_r_noerror &&
	    !rmsg_samename(cur, target)) {
		strlcpy(next, cur, NS_MAXDNAME);
		return RMSG_FOLLOW;
	}
	minttl(ttl, negttl(&m));
	return rr_status(ans,
	    rmsg_rcode(reply, len) == ns_r_nxdomain ? DKIM_DNS_NXDOMAIN :
						      DKIM_DNS_NODATA,
	    *ttl);
}
