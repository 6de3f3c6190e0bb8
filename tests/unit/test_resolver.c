/*
 * test_resolver.c - Check tests for milter/resolver*.c without a network:
 * nameserver parsing, query encoding, reply acceptance, and the reading
 * of crafted replies (multi-string TXT, several records, CNAME chains and
 * loops, chains an authoritative server did not finish, negative TTLs,
 * malformed records).  The transport is tested against a real server by
 * tests/e2e/run-guard-dns.sh; here, against small servers on loopback,
 * each failure kind is told apart and said as what it is: a refused
 * connection, a timeout, SERVFAIL, REFUSED, a truncated reply whose TCP
 * retry fails, and a refusing server beside a silent one.
 */
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <check.h>
#include <poll.h>
#include <pthread.h>
#include <resolv.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "common/dns/resolver.h"
#include "common/dns/resolver_int.h"
#include "testutil.h"

#define Q "s._domainkey.example.com"

struct msgb {
	uint8_t buf[4096];
	size_t len;
	uint8_t *qend;
};

/* start - a reply to our query for name: same header and question */
static void
start(struct msgb *m, const char *name, int rcode)
{
	int n = rmsg_query(name, 0x1234, 0, m->buf, sizeof m->buf);

	ck_assert_int_gt(n, 0);
	m->len = (size_t)n;
	m->buf[2] |= 0x80;        /* QR */
	m->buf[3] = 0x80 | rcode; /* RA, RCODE */
}

/* count - bump ANCOUNT (sec 0) or NSCOUNT (sec 1) */
static void
count(struct msgb *m, int sec)
{
	m->buf[7 + 2 * sec]++;
}

/* rr - append one record: owner, type, ttl, rdata */
static void
rr(struct msgb *m, int sec, const char *owner, int type, uint32_t ttl,
    const uint8_t *rd, size_t rdlen)
{
	uint8_t *p;
	int n =
	    dn_comp(owner, m->buf + m->len, sizeof m->buf - m->len, NULL, NULL);

	ck_assert_int_gt(n, 0);
	p = m->buf + m->len + n;
	NS_PUT16(type, p);
	NS_PUT16(ns_c_in, p);
	NS_PUT32(ttl, p);
	NS_PUT16(rdlen, p);
	memcpy(p, rd, rdlen);
	m->len = (size_t)(p + rdlen - m->buf);
	count(m, sec);
}

/* txt - a TXT record from NULL-terminated strings */
static void
txt(struct msgb *m, const char *owner, uint32_t ttl, ...)
{
	uint8_t rd[1024];
	size_t n = 0, l;
	const char *s;
	va_list ap;

	va_start(ap, ttl);
	while ((s = va_arg(ap, const char *)) != NULL) {
		l = strlen(s);
		rd[n++] = (uint8_t)l;
		memcpy(rd + n, s, l);
		n += l;
	}
	va_end(ap);
	rr(m, 0, owner, ns_t_txt, ttl, rd, n);
}

static void
cname(struct msgb *m, const char *owner, const char *target, uint32_t ttl)
{
	uint8_t rd[300];
	int n = dn_comp(target, rd, sizeof rd, NULL, NULL);

	rr(m, 0, owner, ns_t_cname, ttl, rd, (size_t)n);
}

static void
soa(struct msgb *m, const char *zone, uint32_t ttl, uint32_t minimum)
{
	uint8_t rd[300], *p = rd;

	p += dn_comp("ns.example.com", p, 100, NULL, NULL);
	p += dn_comp("host.example.com", p, 100, NULL, NULL);
	NS_PUT32(1, p);
	NS_PUT32(3600, p);
	NS_PUT32(600, p);
	NS_PUT32(86400, p);
	NS_PUT32(minimum, p);
	rr(m, 1, zone, ns_t_soa, ttl, rd, (size_t)(p - rd));
}

/* interp - rmsg_interp on m for Q */
static enum rmsg_result
interp(struct msgb *m, dkim_txt_answer *a, char *next)
{
	uint32_t ttl = UINT32_MAX;
	unsigned hops = 0;

	memset(a, 0, sizeof *a);
	return rmsg_interp(m->buf, m->len, Q, a, &ttl, next, &hops);
}

START_TEST(nameservers)
{
	struct resolver_conf rc;
	char err[256];
	struct sockaddr_in6 *s6;
	struct sockaddr_in *s4;

	resolver_conf_init(&rc);
	ck_assert_int_eq(resolver_conf_add_ns(&rc, "127.0.0.1", err,
			     sizeof err),
	    0);
	ck_assert_int_eq(resolver_conf_add_list(&rc,
			     "127.0.0.2:22053, [::1]:5353 ::2", err,
			     sizeof err),
	    0);
	ck_assert_uint_eq(rc.nns, 4);
	s4 = (struct sockaddr_in *)&rc.ns[0];
	ck_assert_int_eq(ntohs(s4->sin_port), 53);
	s4 = (struct sockaddr_in *)&rc.ns[1];
	ck_assert_int_eq(ntohs(s4->sin_port), 22053);
	ck_assert_int_eq(ntohl(s4->sin_addr.s_addr), 0x7f000002);
	s6 = (struct sockaddr_in6 *)&rc.ns[2];
	ck_assert_int_eq(s6->sin6_family, AF_INET6);
	ck_assert_int_eq(ntohs(s6->sin6_port), 5353);
	ck_assert_uint_eq(rc.nslen[2], sizeof(struct sockaddr_in6));
	s6 = (struct sockaddr_in6 *)&rc.ns[3];
	ck_assert_int_eq(ntohs(s6->sin6_port), 53);
	ck_assert_int_eq(resolver_conf_add_ns(&rc, "1.2.3.4:0", err,
			     sizeof err),
	    -1);
	ck_assert_int_eq(resolver_conf_add_ns(&rc, "1.2.3.4:99999", err,
			     sizeof err),
	    -1);
	ck_assert_int_eq(resolver_conf_add_ns(&rc, "[::1", err, sizeof err),
	    -1);
	ck_assert_int_eq(resolver_conf_add_ns(&rc, "dns.example", err,
			     sizeof err),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "dns.example"));
}
END_TEST

START_TEST(new_and_bad_input)
{
	struct resolver_conf rc;
	dkim_txt_answer a;
	char err[256], longname[300];
	resolver *r;

	resolver_conf_init(&rc);
	rc.timeout_ms = 0;
	ck_assert_int_eq(resolver_new(&rc, &r, err, sizeof err), -1);
	rc.timeout_ms = 100;
	ck_assert_int_eq(resolver_new(&rc, &r, err, sizeof err), 0);
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	ck_assert_int_eq(resolver_txt(r, longname, &a), DKIM_EINVAL);
	ck_assert_int_eq(resolver_txt(r, "", &a), DKIM_EINVAL);
	resolver_free(r);
	resolver_free(NULL);
}
END_TEST

START_TEST(query_encoding)
{
	uint8_t q[RES_QUERY_MAX];
	int n = rmsg_query(Q, 0xbeef, 1, q, sizeof q);
	ns_msg m;
	ns_rr r;

	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(ns_initparse(q, n, &m), 0);
	ck_assert_int_eq(ns_msg_id(m), 0xbeef);
	ck_assert_int_eq(ns_msg_getflag(m, ns_f_rd), 1);
	ck_assert_int_eq(ns_msg_count(m, ns_s_qd), 1);
	ck_assert_int_eq(ns_msg_count(m, ns_s_ar), 1); /* EDNS0 OPT */
	ck_assert_int_eq(ns_parserr(&m, ns_s_qd, 0, &r), 0);
	ck_assert_str_eq(ns_rr_name(r), Q);
	ck_assert_int_eq(ns_rr_type(r), ns_t_txt);
	ck_assert_int_eq(ns_parserr(&m, ns_s_ar, 0, &r), 0);
	ck_assert_int_eq(ns_rr_type(r), ns_t_opt);
	ck_assert_int_eq(ns_rr_class(r), RES_EDNS_SIZE);
}
END_TEST

START_TEST(reply_acceptance)
{
	uint8_t q[RES_QUERY_MAX];
	struct msgb m;
	int n = rmsg_query(Q, 0x1234, 0, q, sizeof q);

	start(&m, Q, ns_r_noerror);
	ck_assert_int_eq(rmsg_matches(m.buf, m.len, q, (size_t)n), 1);
	start(&m, "S._DOMAINKEY.example.COM", ns_r_noerror);
	ck_assert_int_eq(rmsg_matches(m.buf, m.len, q, (size_t)n), 1);
	start(&m, "other.example.com", ns_r_noerror);
	ck_assert_int_eq(rmsg_matches(m.buf, m.len, q, (size_t)n), 0);
	start(&m, Q, ns_r_noerror);
	m.buf[1] ^= 1; /* another id */
	ck_assert_int_eq(rmsg_matches(m.buf, m.len, q, (size_t)n), 0);
	start(&m, Q, ns_r_noerror);
	m.buf[2] &= 0x7f; /* a query, not a reply */
	ck_assert_int_eq(rmsg_matches(m.buf, m.len, q, (size_t)n), 0);
	ck_assert_int_eq(rmsg_matches(m.buf, 5, q, (size_t)n), 0);
	start(&m, Q, ns_r_servfail);
	ck_assert_int_eq(rmsg_rcode(m.buf, m.len), ns_r_servfail);
	m.buf[2] |= 0x02;
	ck_assert_int_eq(rmsg_truncated(m.buf, m.len), 1);
}
END_TEST

START_TEST(multi_string_and_several)
{
	struct msgb m;
	dkim_txt_answer a;
	char next[NS_MAXDNAME];

	start(&m, Q, ns_r_noerror);
	txt(&m, Q, 300, "v=DKIM1; ", "k=rsa; ", "p=ABC", (char *)NULL);
	txt(&m, Q, 100, "second", (char *)NULL);
	txt(&m, "elsewhere.example.com", 1, "ignored", (char *)NULL);
	ck_assert_int_eq(interp(&m, &a, next), RMSG_DONE);
	ck_assert_int_eq(a.status, DKIM_DNS_OK);
	ck_assert_uint_eq(a.count, 2);
	ck_assert_str_eq(a.txt[0], "v=DKIM1; k=rsa; p=ABC"); /* 3.6.2.2 */
	ck_assert_str_eq(a.txt[1], "second");
	ck_assert_uint_eq(a.ttl, 100);
	dkim_txt_answer_clear(&a);
}
END_TEST

START_TEST(cname_chain)
{
	struct msgb m;
	dkim_txt_answer a;
	char next[NS_MAXDNAME];

	start(&m, Q, ns_r_noerror);
	cname(&m, "S._domainkey.Example.com", "a.provider.net", 600);
	cname(&m, "a.provider.net", "b.provider.net", 50);
	txt(&m, "b.provider.net", 300, "v=DKIM1; p=XYZ", (char *)NULL);
	ck_assert_int_eq(interp(&m, &a, next), RMSG_DONE);
	ck_assert_int_eq(a.status, DKIM_DNS_OK);
	ck_assert_str_eq(a.txt[0], "v=DKIM1; p=XYZ");
	ck_assert_uint_eq(a.ttl, 50); /* smallest over the chain */
	dkim_txt_answer_clear(&a);
}
END_TEST

START_TEST(cname_unfinished_and_loop)
{
	struct msgb m;
	dkim_txt_answer a;
	char next[NS_MAXDNAME];

	start(&m, Q, ns_r_noerror); /* authoritative, other zone */
	cname(&m, Q, "key.provider.net", 600);
	ck_assert_int_eq(interp(&m, &a, next), RMSG_FOLLOW);
	ck_assert_str_eq(next, "key.provider.net");
	start(&m, Q, ns_r_noerror);
	cname(&m, Q, "x.example.com", 600);
	cname(&m, "x.example.com", Q, 600);
	ck_assert_int_eq(interp(&m, &a, next), RMSG_DONE);
	ck_assert_int_eq(a.status, DKIM_DNS_SERVFAIL);
}
END_TEST

START_TEST(negative_answers)
{
	struct msgb m;
	dkim_txt_answer a;
	char next[NS_MAXDNAME];

	start(&m, Q, ns_r_nxdomain);
	soa(&m, "example.com", 3600, 120);
	ck_assert_int_eq(interp(&m, &a, next), RMSG_DONE);
	ck_assert_int_eq(a.status, DKIM_DNS_NXDOMAIN);
	ck_assert_uint_eq(a.ttl, 120); /* RFC 2308 5 */
	start(&m, Q, ns_r_noerror);
	soa(&m, "example.com", 60, 900);
	ck_assert_int_eq(interp(&m, &a, next), RMSG_DONE);
	ck_assert_int_eq(a.status, DKIM_DNS_NODATA);
	ck_assert_uint_eq(a.ttl, 60);
	start(&m, Q, ns_r_nxdomain); /* chain to a missing name */
	cname(&m, Q, "gone.provider.net", 30);
	ck_assert_int_eq(interp(&m, &a, next), RMSG_DONE);
	ck_assert_int_eq(a.status, DKIM_DNS_NXDOMAIN);
	ck_assert_uint_eq(a.ttl, 0); /* no SOA: do not keep */
}
END_TEST

START_TEST(malformed_txt)
{
	static const uint8_t bad[] = {10, 'a', 'b'}; /* says 10, has 2 */
	struct msgb m;
	dkim_txt_answer a;
	char next[NS_MAXDNAME];

	start(&m, Q, ns_r_noerror);
	rr(&m, 0, Q, ns_t_txt, 300, bad, sizeof bad);
	ck_assert_int_eq(interp(&m, &a, next), RMSG_DONE);
	ck_assert_int_eq(a.status, DKIM_DNS_SERVFAIL);
	ck_assert_uint_eq(a.count, 0);
}
END_TEST

START_TEST(status_names)
{
	ck_assert_str_eq(resolver_status_str(DKIM_DNS_NODATA), "nodata");
	ck_assert(resolver_status_temporary(DKIM_DNS_TIMEOUT));
	ck_assert(!resolver_status_temporary(DKIM_DNS_NXDOMAIN));
}
END_TEST

/* a UDP server on loopback answering every query with rcode (and TC
 * when tc), or never answering when rcode < 0 */
struct usrv {
	int fd, rcode, tc;
	unsigned port;
	volatile int stop;
	pthread_t th;
};

static void *
usrv_run(void *arg)
{
	struct usrv *u = arg;
	struct sockaddr_storage from;
	socklen_t flen;
	uint8_t buf[1500];
	struct pollfd p;
	ssize_t n;

	while (!u->stop) {
		p.fd = u->fd;
		p.events = POLLIN;
		if (poll(&p, 1, 50) <= 0)
			continue;
		flen = sizeof from;
		n = recvfrom(u->fd, buf, sizeof buf, 0,
		    (struct sockaddr *)&from, &flen);
		if (n < 12 || u->rcode < 0)
			continue;
		buf[2] |= 0x80 | (u->tc ? 0x02 : 0); /* QR, TC */
		buf[3] = (uint8_t)(0x80 | u->rcode); /* RA, RCODE */
		sendto(u->fd, buf, (size_t)n, 0, (struct sockaddr *)&from,
		    flen);
	}
	return NULL;
}

/* udp_port - a bound UDP socket on 127.0.0.1 (port in *port) */
static int
udp_port(unsigned *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void
usrv_start(struct usrv *u, int rcode, int tc)
{
	memset(u, 0, sizeof *u);
	u->fd = udp_port(&u->port);
	u->rcode = rcode;
	u->tc = tc;
	ck_assert_int_eq(pthread_create(&u->th, NULL, usrv_run, u), 0);
}

static void
usrv_stop(struct usrv *u)
{
	u->stop = 1;
	pthread_join(u->th, NULL);
	close(u->fd);
}

/* ask - one TXT lookup at the servers on ports[] (0 ends the list);
 * the status, the failure kind in *why, the time in *ms */
static dkim_dns_status
ask(const unsigned *ports, enum resolver_fail *why, long *ms)
{
	struct resolver_conf rc;
	struct timespec t0, t1;
	dkim_txt_answer a;
	dkim_dns_status st;
	resolver *res;
	char err[128], ns[64];
	size_t i;

	resolver_conf_init(&rc);
	rc.timeout_ms = 300;
	rc.retries = 0;
	for (i = 0; ports[i] != 0; i++) {
		snprintf(ns, sizeof ns, "127.0.0.1:%u", ports[i]);
		ck_assert_int_eq(resolver_conf_add_ns(&rc, ns, err, sizeof err),
		    0);
	}
	ck_assert_int_eq(resolver_new(&rc, &res, err, sizeof err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(resolver_txt_why(res, Q, &a, why), DKIM_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	resolver_free(res);
	st = a.status;
	dkim_txt_answer_clear(&a);
	return st;
}

START_TEST(failure_kinds)
{
	struct usrv u, v;
	enum resolver_fail why;
	unsigned ports[3] = {0, 0, 0}, closed;
	long ms;
	int fd;

	/* nothing listens: ICMP port unreachable, at once */
	fd = udp_port(&closed);
	close(fd);
	ports[0] = closed;
	ck_assert_int_eq(ask(ports, &why, &ms), DKIM_DNS_SERVFAIL);
	ck_assert_int_eq(why, RESOLVER_FAIL_CONNREFUSED);
	ck_assert_int_lt(ms, 250);
	ck_assert_ptr_nonnull(strstr(resolver_fail_str(why),
	    "refused the "
	    "connection"));
	/* a silent server: timeout */
	usrv_start(&u, -1, 0);
	ports[0] = u.port;
	ck_assert_int_eq(ask(ports, &why, &ms), DKIM_DNS_TIMEOUT);
	ck_assert_int_eq(why, RESOLVER_FAIL_TIMEOUT);
	ck_assert_int_ge(ms, 290);
	ck_assert_ptr_nonnull(strstr(resolver_fail_str(why), "in time"));
	/* a refused connection beside the silent server: said as refused */
	ports[1] = closed;
	ck_assert_int_eq(ask(ports, &why, &ms), DKIM_DNS_SERVFAIL);
	ck_assert_int_eq(why, RESOLVER_FAIL_CONNREFUSED);
	ports[1] = 0;
	usrv_stop(&u);
	/* SERVFAIL and REFUSED answers */
	usrv_start(&u, ns_r_servfail, 0);
	ports[0] = u.port;
	ck_assert_int_eq(ask(ports, &why, &ms), DKIM_DNS_SERVFAIL);
	ck_assert_int_eq(why, RESOLVER_FAIL_SERVFAIL);
	ck_assert_ptr_nonnull(strstr(resolver_fail_str(why), "SERVFAIL"));
	ck_assert_ptr_null(strstr(resolver_fail_str(why), "refused"));
	usrv_stop(&u);
	usrv_start(&u, ns_r_refused, 0);
	ports[0] = u.port;
	ck_assert_int_eq(ask(ports, &why, &ms), DKIM_DNS_SERVFAIL);
	ck_assert_int_eq(why, RESOLVER_FAIL_REFUSED);
	ck_assert_ptr_nonnull(strstr(resolver_fail_str(why), "REFUSED"));
	usrv_stop(&u);
	/* truncated over UDP, no TCP listener on that port */
	usrv_start(&u, ns_r_noerror, 1);
	ports[0] = u.port;
	ck_assert_int_eq(ask(ports, &why, &ms), DKIM_DNS_SERVFAIL);
	ck_assert_int_eq(why, RESOLVER_FAIL_TCP);
	ck_assert_ptr_nonnull(strstr(resolver_fail_str(why), "TCP"));
	/* and a REFUSED server after it: the last failure is named */
	usrv_start(&v, ns_r_refused, 0);
	ports[1] = v.port;
	ck_assert_int_eq(ask(ports, &why, &ms), DKIM_DNS_SERVFAIL);
	ck_assert_int_eq(why, RESOLVER_FAIL_REFUSED);
	usrv_stop(&v);
	usrv_stop(&u);
}
END_TEST

START_TEST(failure_texts_distinct)
{
	enum resolver_fail a, b;

	/* one text per kind, none claiming another kind */
	for (a = RESOLVER_FAIL_TIMEOUT; a <= RESOLVER_FAIL_NETWORK; a++)
		for (b = a + 1; b <= RESOLVER_FAIL_NETWORK; b++)
			ck_assert_str_ne(resolver_fail_str(a),
			    resolver_fail_str(b));
	ck_assert_ptr_null(
	    strstr(resolver_fail_str(RESOLVER_FAIL_TCP), "SERVFAIL"));
	ck_assert_ptr_null(
	    strstr(resolver_fail_str(RESOLVER_FAIL_CONNREFUSED), "SERVFAIL"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("resolver");
	TCase *tc = tcase_create("resolver");

	tcase_add_test(tc, nameservers);
	tcase_add_test(tc, new_and_bad_input);
	tcase_add_test(tc, query_encoding);
	tcase_add_test(tc, reply_acceptance);
	tcase_add_test(tc, multi_string_and_several);
	tcase_add_test(tc, cname_chain);
	tcase_add_test(tc, cname_unfinished_and_loop);
	tcase_add_test(tc, negative_answers);
	tcase_add_test(tc, malformed_txt);
	tcase_add_test(tc, status_names);
	tcase_add_test(tc, failure_kinds);
	tcase_add_test(tc, failure_texts_distinct);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
