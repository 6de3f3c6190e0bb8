/*
 * resolver_int.h - contracts between resolver.c (transport),
 *		    resolver_conf.c (configuration) and resolver_msg.c (DNS
 *		    message encoding and decoding).  Not for use outside the
 *		    resolver (and its unit test).
 */
#ifndef DKIMGUARD_RESOLVER_INT_H
#define DKIMGUARD_RESOLVER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "dkim.h"

#define RES_QUERY_MAX 512   /* a TXT query for a <= 255-byte name fits */
#define RES_REPLY_MAX 65535 /* largest TCP reply */
#define RES_EDNS_SIZE 1232  /* EDNS0 UDP payload we advertise */
#define RES_MAX_HOPS 8      /* CNAMEs followed in one lookup */

struct resolver_conf;

/* resolver_system_ns - nameservers of /etc/resolv.conf, else 127.0.0.1 */
void resolver_system_ns(struct resolver_conf *conf);

/* rmsg_interp - what one reply means for the lookup */
enum rmsg_result {
	RMSG_DONE = 0, /* ans is final (status set) */
	RMSG_FOLLOW,   /* chain ends in a CNAME without data: ask next */
	RMSG_ENOMEM
};

/*
 * rmsg_query - encode a TXT/IN query for name with id (RFC 1035 4.1),
 * recursion desired, EDNS0 OPT when edns (RFC 6891 6.1.2).
 * Returns the length, or -1 when name cannot be encoded.
 */
int
rmsg_query(const char *name, uint16_t id, int edns, uint8_t *buf, size_t size);
/* rmsg_query_type - the same for any query type (ns_t_a, ns_t_mx, ...) */
int rmsg_query_type(const char *name, int type, uint16_t id, int edns,
    uint8_t *buf, size_t size);
/*
 * rmsg_matches - 1 when reply answers query: same id, QR set, same
 * question (names compared without case, RFC 4343).
 */
int rmsg_matches(const uint8_t *reply, size_t len, const uint8_t *query,
    size_t qlen);
/* rmsg_rcode - the RCODE of a reply that rmsg_matches accepted */
int rmsg_rcode(const uint8_t *reply, size_t len);
/* rmsg_samename - DNS names equal without case and a final dot (RFC
 * 4343) */
int rmsg_samename(const char *a, const char *b);
/* rmsg_truncated - TC bit (RFC 1035 4.2.1: retry over TCP) */
int rmsg_truncated(const uint8_t *reply, size_t len);
/*
 * rmsg_interp - read a NOERROR/NXDOMAIN reply for name: follow the CNAME
 * chain in the answer section, collect TXT records at its end into ans,
 * keep *ttl the minimum seen.  RMSG_FOLLOW puts the name to ask next in
 * next (size NS_MAXDNAME) and counts the hops in *hops.
 */
enum rmsg_result rmsg_interp(const uint8_t *reply, size_t len, const char *name,
    dkim_txt_answer *ans, uint32_t *ttl, char *next, unsigned *hops);

/*
 * rmsg_interp_rr - rmsg_interp for the records of type (A, AAAA, MX,
 * PTR, TXT) as text into a resolver_rrset (see resolver.h).
 */
struct resolver_rrset;
enum rmsg_result
rmsg_interp_rr(const uint8_t *reply, size_t len, const char *name, int type,
    struct resolver_rrset *ans, uint32_t *ttl, char *next, unsigned *hops);

/*
 * resolver_exchange - one question (name, type) to the configured
 * servers until one answers or deadline: DKIM_DNS_OK with the reply in
 * buf (RES_REPLY_MAX bytes), else SERVFAIL or TIMEOUT.
 */
struct resolver;
dkim_dns_status resolver_exchange(const struct resolver *res, const char *name,
    int type, uint8_t *buf, size_t *rlen, int64_t deadline);
/*
 * resolver_exchange_why - resolver_exchange, and on failure *why (may be
 * NULL): the last failure kind that was not a timeout, or
 * RESOLVER_FAIL_TIMEOUT when every try timed out.
 */
enum resolver_fail;
dkim_dns_status
resolver_exchange_why(const struct resolver *res, const char *name, int type,
    uint8_t *buf, size_t *rlen, int64_t deadline, enum resolver_fail *why);
/*
 * resolver_follow - the lookup loop of every record type: ask for (name,
 * type), and while ops->interp says the answer ends in a CNAME without
 * data, ask for its target; all within one resolver_deadline.  A failed
 * exchange (or ENOMEM) hands its status to ops->fail, which clears ans.
 * *why: the failure kind (RESOLVER_FAIL_NONE when every exchange
 * answered).  DKIM_OK, DKIM_EINVAL (name cannot be asked) or DKIM_ENOMEM.
 */
struct resolver_follow_ops {
	enum rmsg_result (*interp)(const uint8_t *reply, size_t len,
	    const char *name, int type, void *ans, uint32_t *ttl, char *next,
	    unsigned *hops);
	void (*fail)(void *ans, dkim_dns_status st);
};
dkim_rc resolver_follow(const struct resolver *res, const char *name, int type,
    const struct resolver_follow_ops *ops, void *ans, enum resolver_fail *why);
/* resolver_deadline - now + the longest a lookup may take (resolver.h) */
int64_t resolver_deadline(const struct resolver *res);

/*
 * resolver_exchange_at - one question to the server sa (not the
 * configured ones), RD set only when rd; any rcode comes back as a
 * reply (DKIM_DNS_OK).  For the guard's authoritative queries (authq.c).
 */
#include <sys/socket.h>
dkim_dns_status resolver_exchange_at(const struct sockaddr_storage *sa,
    socklen_t salen, const char *name, int type, int rd, uint8_t *buf,
    size_t *rlen, int64_t deadline);
/* resolver_timeout_ms - the configured wait per try and server */
unsigned resolver_timeout_ms(const struct resolver *res);
/* resolver_now_ms - the monotonic milliseconds deadlines use */
int64_t resolver_now_ms(void);

#endif /* DKIMGUARD_RESOLVER_INT_H */
