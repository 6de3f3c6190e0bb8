/*
 * resolver.c - thread-safe DNS lookups: the TXT lookup and the transport
 *		shared with the other types (resolver_rr.c).
 *
 * WHY NOT res_nquery
 *	glibc's libresolv encodes and decodes the messages here (dn_comp,
 *	ns_initparse, ns_parserr: resolver_msg.c), but the sending is ours,
 *	about 150 lines over poll(2), because res_nquery does not fit a
 *	milter: its timeout is in whole seconds and grows per retry, so a
 *	query cannot be bounded in milliseconds; IPv6 nameservers and ports
 *	can only be set through glibc-private fields of struct __res_state;
 *	and every thread would need its own res_ninit'ed state (OpenDKIM's
 *	per-thread resolver set-up is what crashed under load).  libunbound
 *	and c-ares (both in Debian) would be new build dependencies for
 *	what is one TXT question to a configured server.  Here the
 *	configuration is read once and is immutable afterwards, so any
 *	number of threads may look up at once, each with its own sockets.
 *
 * DESCRIPTION
 *	A try is one UDP exchange with one server, bounded by timeout_ms
 *	(RFC 1035 4.2.1), retried over TCP when truncated (RFC 7766 5).
 *	Replies are accepted only from the server asked (connected socket),
 *	with our random id and our question (RFC 5452 9.1).  SERVFAIL,
 *	REFUSED and other error rcodes move on to the next server.  See
 *	resolver.h for the status mapping and the overall deadline.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "resolver.h"
#include "resolver_int.h"

struct resolver {
	struct resolver_conf conf;
};

/* outcome of one exchange with one server; each failure kind is kept
 * apart so the text of a failed lookup says what happened */
enum try_rc {
	TRY_OK,
	TRY_TIMEOUT,
	TRY_ERROR,    /* a local socket error, a reply we could not read */
	TRY_CONNREF,  /* the server's host refused: nothing on that port */
	TRY_TCPFAIL,  /* truncated over UDP, and the TCP retry failed */
	TRY_SERVFAIL, /* the server answered SERVFAIL */
	TRY_REFUSED,  /* the server answered REFUSED */
	TRY_RCODE     /* the server answered another error code */
};

/* now_ms - monotonic milliseconds */
static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* resolver_new - copy the configuration; fill in system nameservers */
int
resolver_new(const struct resolver_conf *conf, resolver **out, char *err,
    size_t errlen)
{
	resolver *res;

	*out = NULL;
	if (conf->timeout_ms == 0 || conf->timeout_ms > 60000 ||
	    conf->retries > 10) {
		snprintf(err, errlen,
		    "resolver timeout must be 1..60000 ms "
		    "and retries 0..10");
		return -1;
	}
	if ((res = calloc(1, sizeof *res)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	res->conf = *conf;
	if (res->conf.nns == 0)
		resolver_system_ns(&res->conf);
	*out = res;
	return 0;
}

/* resolver_free - release the resolver */
void
resolver_free(resolver *res)
{
	free(res);
}

/* wait_fd - poll one fd until deadline: 1 ready, 0 timeout, -1 error */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	int64_t left;
	int n;

	for (;;) {
		if ((left = deadline - now_ms()) <= 0)
			return 0;
		n = poll(&pfd, 1, (int)left);
		if (n > 0)
			return (pfd.revents & (events | POLLHUP)) ? 1 : -1;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

/* connect_to - non-blocking socket connected to sa */
static int
connect_to(const struct sockaddr_storage *sa, socklen_t salen, int type,
    int64_t deadline)
{
	int fd, soerr = 0;
	socklen_t len = sizeof soerr;

	fd = socket(sa->ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)sa, salen) == 0)
		return fd;
	if (errno == EINPROGRESS && wait_fd(fd, POLLOUT, deadline) == 1 &&
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 &&
	    soerr == 0)
		return fd;
	close(fd);
	return -1;
}

/* io_all - read or write exactly len bytes on a non-blocking stream */
static enum try_rc
io_all(int fd, int writing, uint8_t *buf, size_t len, int64_t deadline)
{
	size_t done = 0;
	ssize_t n;
	int w;

	while (done < len) {
		n = writing ? send(fd, buf + done, len - done, MSG_NOSIGNAL) :
			      recv(fd, buf + done, len - done, 0);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			return TRY_ERROR;
		if ((w = wait_fd(fd, writing ? POLLOUT : POLLIN, deadline)) <=
		    0)
			return w == 0 ? TRY_TIMEOUT : TRY_ERROR;
	}
	return TRY_OK;
}

/* tcp_try - one exchange over TCP, 2-byte length prefix (RFC 1035 4.2.2) */
static enum try_rc
tcp_try(const struct sockaddr_storage *sa, socklen_t salen, const uint8_t *q,
    size_t qlen, uint8_t *buf, size_t *rlen, int64_t deadline)
{
	uint8_t out[2 + RES_QUERY_MAX], lenb[2];
	enum try_rc rc;
	int fd;

	if ((fd = connect_to(sa, salen, SOCK_STREAM, deadline)) < 0)
		return now_ms() >= deadline ? TRY_TIMEOUT : TRY_ERROR;
	out[0] = qlen >> 8;
	out[1] = qlen & 0xff;
	memcpy(out + 2, q, qlen);
	rc = io_all(fd, 1, out, qlen + 2, deadline);
	if (rc == TRY_OK)
		rc = io_all(fd, 0, lenb, 2, deadline);
	if (rc == TRY_OK) {
		*rlen = (size_t)lenb[0] << 8 | lenb[1];
		rc = io_all(fd, 0, buf, *rlen, deadline);
	}
	close(fd);
	if (rc == TRY_OK && !rmsg_matches(buf, *rlen, q, qlen))
		rc = TRY_ERROR;
	return rc;
}

/* sock_error - the socket's pending error (SO_ERROR), 0 when none */
static int
sock_error(int fd)
{
	int soerr = 0;
	socklen_t len = sizeof soerr;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		return errno;
	return soerr;
}

/* udp_try - one exchange over UDP; foreign datagrams are ignored */
static enum try_rc
udp_try(const struct sockaddr_storage *sa, socklen_t salen, const uint8_t *q,
    size_t qlen, uint8_t *buf, size_t *rlen, int64_t deadline)
{
	enum try_rc rc = TRY_ERROR;
	ssize_t n;
	int fd, w;

	if ((fd = connect_to(sa, salen, SOCK_DGRAM, deadline)) < 0)
		return TRY_ERROR;
	if (send(fd, q, qlen, 0) != (ssize_t)qlen) {
		if (errno == ECONNREFUSED)
			rc = TRY_CONNREF;
		goto out;
	}
	for (;;) {
		if ((w = wait_fd(fd, POLLIN, deadline)) == 0) {
			rc = TRY_TIMEOUT;
			break;
		}
		if (w < 0) { /* POLLERR: an ICMP error is pending */
			rc = sock_error(fd) == ECONNREFUSED ? TRY_CONNREF :
							      TRY_ERROR;
			break;
		}
		n = recv(fd, buf, RES_REPLY_MAX, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) { /* ECONNREFUSED: nobody listens */
			if (errno == ECONNREFUSED)
				rc = TRY_CONNREF;
			break;
		}
		if (rmsg_matches(buf, (size_t)n, q, qlen)) {
			*rlen = (size_t)n;
			rc = TRY_OK;
			break;
		}
	}
out:
	close(fd);
	return rc;
}

/* ask_one - one server: UDP, TCP when truncated, no EDNS on FORMERR */
static enum try_rc
ask_one(const resolver *res, unsigned i, const char *name, int type,
    uint8_t *buf, size_t *rlen, int64_t deadline)
{
	uint8_t q[RES_QUERY_MAX];
	int qlen, edns = res->conf.edns;
	enum try_rc rc;

again:
	qlen = rmsg_query_type(name, type, (uint16_t)arc4random_uniform(65536),
	    edns, q, sizeof q);
	if (qlen < 0)
		return TRY_ERROR;
	rc = udp_try(&res->conf.ns[i], res->conf.nslen[i], q, (size_t)qlen, buf,
	    rlen, deadline);
	if (rc == TRY_OK && rmsg_truncated(buf, *rlen) &&
	    (rc = tcp_try(&res->conf.ns[i], res->conf.nslen[i], q, (size_t)qlen,
		 buf, rlen, deadline)) != TRY_OK)
		rc = TRY_TCPFAIL;
	if (rc == TRY_OK && edns && rmsg_rcode(buf, *rlen) == ns_r_formerr) {
		edns = 0; /* RFC 6891 7: retry without OPT */
		goto again;
	}
	if (rc != TRY_OK)
		return rc;
	switch (rmsg_rcode(buf, *rlen)) { /* an error: the next server */
	case ns_r_noerror:
	case ns_r_nxdomain:
		return TRY_OK;
	case ns_r_servfail:
		return TRY_SERVFAIL;
	case ns_r_refused:
		return TRY_REFUSED;
	default:
		return TRY_RCODE;
	}
}

/* try_fail - the failure kind of a try that did not succeed */
static enum resolver_fail
try_fail(enum try_rc rc)
{
	switch (rc) {
	case TRY_CONNREF:
		return RESOLVER_FAIL_CONNREFUSED;
	case TRY_TCPFAIL:
		return RESOLVER_FAIL_TCP;
	case TRY_SERVFAIL:
		return RESOLVER_FAIL_SERVFAIL;
	case TRY_REFUSED:
		return RESOLVER_FAIL_REFUSED;
	case TRY_RCODE:
		return RESOLVER_FAIL_RCODE;
	case TRY_TIMEOUT:
		return RESOLVER_FAIL_TIMEOUT;
	default:
		return RESOLVER_FAIL_NETWORK;
	}
}

/*
 * resolver_exchange_why - rounds over all servers until one answers; on
 * failure *why (may be NULL) is the last failure seen that was not a
 * timeout (a timeout only when every try timed out), so a server that
 * refuses is reported as refusing even when another one was silent
 */
dkim_dns_status
resolver_exchange_why(const resolver *res, const char *name, int type,
    uint8_t *buf, size_t *rlen, int64_t deadline, enum resolver_fail *why)
{
	enum resolver_fail last = RESOLVER_FAIL_TIMEOUT;
	unsigned round, i;
	int64_t start, end;
	enum try_rc rc;

	for (round = 0; round <= res->conf.retries; round++)
		for (i = 0; i < res->conf.nns; i++) {
			if ((start = now_ms()) >= deadline)
				goto fail;
			end = start + res->conf.timeout_ms;
			rc = ask_one(res, i, name, type, buf, rlen,
			    end < deadline ? end : deadline);
			if (rc == TRY_OK) {
				if (why != NULL)
					*why = RESOLVER_FAIL_NONE;
				return DKIM_DNS_OK;
			}
			if (rc != TRY_TIMEOUT)
				last = try_fail(rc);
		}
fail:
	if (why != NULL)
		*why = last;
	return last == RESOLVER_FAIL_TIMEOUT ? DKIM_DNS_TIMEOUT :
					       DKIM_DNS_SERVFAIL;
}

/* resolver_exchange - resolver_exchange_why without the failure kind */
dkim_dns_status
resolver_exchange(const resolver *res, const char *name, int type, uint8_t *buf,
    size_t *rlen, int64_t deadline)
{
	return resolver_exchange_why(res, name, type, buf, rlen, deadline,
	    NULL);
}

/*
 * resolver_exchange_at - one question to one given server, outside the
 * configured list (the guard's authoritative queries): UDP, TCP when
 * truncated, RD only when rd.  Any rcode is returned as a reply: the
 * caller judges REFUSED and referrals.  DKIM_DNS_OK with the reply in
 * buf (RES_REPLY_MAX bytes), else SERVFAIL (refused connection, bad
 * reply) or TIMEOUT.
 */
dkim_dns_status
resolver_exchange_at(const struct sockaddr_storage *sa, socklen_t salen,
    const char *name, int type, int rd, uint8_t *buf, size_t *rlen,
    int64_t deadline)
{
	uint8_t q[RES_QUERY_MAX];
	enum try_rc rc;
	int qlen;

	qlen = rmsg_query_type(name, type, (uint16_t)arc4random_uniform(65536),
	    1, q, sizeof q);
	if (qlen < 0)
		return DKIM_DNS_SERVFAIL;
	if (!rd)
		q[2] &= (uint8_t)~0x01; /* RFC 1035 4.1.1: RD clear */
	rc = udp_try(sa, salen, q, (size_t)qlen, buf, rlen, deadline);
	if (rc == TRY_OK && rmsg_truncated(buf, *rlen))
		rc = tcp_try(sa, salen, q, (size_t)qlen, buf, rlen, deadline);
	return rc == TRY_OK   ? DKIM_DNS_OK :
	    rc == TRY_TIMEOUT ? DKIM_DNS_TIMEOUT :
				DKIM_DNS_SERVFAIL;
}

/* resolver_timeout_ms - the configured wait per try and server */
unsigned
resolver_timeout_ms(const resolver *res)
{
	return res->conf.timeout_ms;
}

/* resolver_now_ms - the monotonic clock deadlines are measured on */
int64_t
resolver_now_ms(void)
{
	return now_ms();
}

/* resolver_deadline - when a lookup started now must end */
int64_t
resolver_deadline(const resolver *res)
{
	return now_ms() +
	    (int64_t)(res->conf.retries + 1) * res->conf.nns *
	    res->conf.timeout_ms;
}

/* resolver_follow - see resolver_int.h */
dkim_rc
resolver_follow(const resolver *res, const char *name, int type,
    const struct resolver_follow_ops *ops, void *ans, enum resolver_fail *why)
{
	char cur[NS_MAXDNAME], next[NS_MAXDNAME];
	uint8_t *buf, q[RES_QUERY_MAX];
	size_t rlen = 0;
	uint32_t ttl = UINT32_MAX;
	unsigned hops = 0;
	int64_t deadline;
	enum rmsg_result r = RMSG_FOLLOW;
	dkim_dns_status st;

	*why = RESOLVER_FAIL_NONE;
	if (name == NULL || *name == '\0' || strlen(name) >= sizeof cur ||
	    rmsg_query_type(name, type, 0, 0, q, sizeof q) < 0)
		return DKIM_EINVAL; /* RFC 1035 2.3.4: labels 63, name 255 */
	if ((buf = malloc(RES_REPLY_MAX)) == NULL)
		return DKIM_ENOMEM;
	deadline = resolver_deadline(res);
	strlcpy(cur, name, sizeof cur);
	while (r == RMSG_FOLLOW) {
		if ((st = resolver_exchange_why(res, cur, type, buf, &rlen,
			 deadline, why)) != DKIM_DNS_OK) {
			ops->fail(ans, st);
			break;
		}
		if ((r = ops->interp(buf, rlen, cur, type, ans, &ttl, next,
			 &hops)) == RMSG_FOLLOW)
			strlcpy(cur, next, sizeof cur);
	}
	free(buf);
	if (r == RMSG_ENOMEM) {
		ops->fail(ans, DKIM_DNS_SERVFAIL);
		return DKIM_ENOMEM;
	}
	return DKIM_OK;
}

/* txt_interp, txt_fail - resolver_follow for a dkim_txt_answer */
static enum rmsg_result
txt_interp(const uint8_t *reply, size_t len, const char *name, int type,
    void *ans, uint32_t *ttl, char *next, unsigned *hops)
{
	(void)type;
	return rmsg_interp(reply, len, name, ans, ttl, next, hops);
}

static void
txt_fail(void *arg, dkim_dns_status st)
{
	dkim_txt_answer *ans = arg;

	dkim_txt_answer_clear(ans);
	ans->status = st;
	ans->ttl = 0;
}

/* resolver_txt_why - TXT records at name, CNAMEs followed (resolver.h) */
dkim_rc
resolver_txt_why(resolver *res, const char *name, dkim_txt_answer *ans,
    enum resolver_fail *why)
{
	static const struct resolver_follow_ops ops = {txt_interp, txt_fail};
	enum resolver_fail fail;
	dkim_rc rc;

	memset(ans, 0, sizeof *ans); /* as dkim_lookup: *ans is not read */
	rc = resolver_follow(res, name, ns_t_txt, &ops, ans, &fail);
	/* a reply that could not be used: malformed, or a CNAME loop */
	if (rc == DKIM_OK && fail == RESOLVER_FAIL_NONE &&
	    ans->status == DKIM_DNS_SERVFAIL)
		fail = RESOLVER_FAIL_BADREPLY;
	if (why != NULL)
		*why = fail;
	return rc;
}

/* resolver_txt - resolver_txt_why without the failure kind */
dkim_rc
resolver_txt(resolver *res, const char *name, dkim_txt_answer *ans)
{
	return resolver_txt_why(res, name, ans, NULL);
}

/* iface_query - dkim_lookup adapter */
static dkim_rc
iface_query(void *ctx, const char *name, dkim_txt_answer *ans)
{
	return resolver_txt(ctx, name, ans);
}

/* resolver_iface - the resolver as a dkim_lookup */
dkim_lookup
resolver_iface(resolver *res)
{
	dkim_lookup lk = {iface_query, res};

	return lk;
}

/* resolver_status_str - lower-case name of a status */
const char *
resolver_status_str(dkim_dns_status st)
{
	switch (st) {
	case DKIM_DNS_OK:
		return "ok";
	case DKIM_DNS_NXDOMAIN:
		return "nxdomain";
	case DKIM_DNS_NODATA:
		return "nodata";
	case DKIM_DNS_SERVFAIL:
		return "servfail";
	case DKIM_DNS_TIMEOUT:
		return "timeout";
	}
	return "unknown";
}

/* resolver_fail_str - each failure kind in words (resolver.h) */
const char *
resolver_fail_str(enum resolver_fail f)
{
	switch (f) {
	case RESOLVER_FAIL_NONE:
		return "no failure";
	case RESOLVER_FAIL_TIMEOUT:
		return "no reply from the nameserver in time";
	case RESOLVER_FAIL_CONNREFUSED:
		return "the nameserver's host refused the connection "
		       "(nothing listens on its DNS port)";
	case RESOLVER_FAIL_SERVFAIL:
		return "the nameserver answered SERVFAIL";
	case RESOLVER_FAIL_REFUSED:
		return "the nameserver answered REFUSED (it will not "
		       "resolve for us)";
	case RESOLVER_FAIL_RCODE:
		return "the nameserver answered with an error code";
	case RESOLVER_FAIL_TCP:
		return "the reply was truncated and the retry over TCP "
		       "failed";
	case RESOLVER_FAIL_BADREPLY:
		return "the reply could not be used (malformed, or a "
		       "CNAME chain too long or looping)";
	case RESOLVER_FAIL_NETWORK:
		return "the query could not be sent (local network error)";
	}
	return "unknown DNS failure";
}

/* resolver_status_temporary - SERVFAIL and TIMEOUT may go away */
int
resolver_status_temporary(dkim_dns_status st)
{
	return st == DKIM_DNS_SERVFAIL || st == DKIM_DNS_TIMEOUT;
}
