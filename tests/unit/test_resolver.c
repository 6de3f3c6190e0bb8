/*
 * test_resolver.c - Check tests for milter/resolver*.c without a network:
 * nameserver parsing, query encoding, reply acceptance, and the reading
 * of crafted replies (multi-string TXT, several records, CNAME chains and
 * loops, chains an authoritative server did not finish, negative TTLs,
 * malformed records).  The transport is tested against a real server by
 * tests/e2e/run-guard-dns.sh.
 */
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <check.h>
#include <resolv.h>
#include <stdarg.h>
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
	suite_add_tcase(s, tc);
	return tu_run(s);
}
