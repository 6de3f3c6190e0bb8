/*
 * test_outbound_spf.c - the outgoing-mail SPF cache over a file-backed
 * zone with an injected clock: a first question is "pending" and queued,
 * the computed verdict combines the outbound addresses (the least
 * favourable wins, each named in the detail), a null sender's HELO
 * domain is judged like any, an expired verdict is still answered while
 * it is recomputed, and OutboundAddresses takes addresses only.  The
 * same cache holds the From: domains' DMARC policies: pending first,
 * inherited from the organizational domain, kept for the TTL of the
 * answers read, asked again at once after a reload (ospf_refresh); a
 * message may wait for a first answer (OutboundCheckWait).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/spf/spf_zone.h"
#include "milter/outbound_spf.h"
#include "testutil.h"

static time_t clk;

static const char zone[] = "pass.example    TXT  v=spf1 ip4:192.0.2.0/24 -all\n"
			   "mixed.example   TXT  v=spf1 ip4:192.0.2.25 ~all\n"
			   "two.example     TXT  v=spf1 -all\n"
			   "two.example     TXT  v=spf1 +all\n"
			   "mx.host.example TXT  v=spf1 a -all\n"
			   "mx.host.example A    192.0.2.25\n"
			   "_dmarc.pass.example TXT v=DMARC1; p=reject; "
			   "sp=quarantine\n";

/* open_zone - the zone above as a struct spf_dns */
static struct spf_zone *
open_zone(struct spf_dns *dns)
{
	struct spf_zone *z;
	char err[256], path[256];

	tu_write_tmp(path, sizeof path, zone);
	ck_assert_msg(spf_zone_open(path, &z, err, sizeof err) == 0, "%s", err);
	unlink(path);
	*dns = spf_zone_dns(z);
	return z;
}

START_TEST(test_pending_then_cached)
{
	struct spf_dns dns;
	struct spf_zone *z = open_zone(&dns);
	struct ospf *o = ospf_new(&dns, tu_clock, &clk);
	char *one[] = {"192.0.2.25", NULL};
	char *both[] = {"192.0.2.25", "198.51.100.7", NULL};
	struct ospf_answer a;

	clk = 1000;
	ospf_get(o, one, "pass.example", "bob@pass.example", "h", 0, &a);
	ck_assert_str_eq(a.result, "pending");
	ospf_run(o);
	ospf_get(o, one, "pass.example", "bob@pass.example", "h", 0, &a);
	ck_assert_str_eq(a.result, "pass");
	ck_assert_str_eq(a.detail, "192.0.2.25:pass(ip4:192.0.2.0/24)");
	/* another address set is another question */
	ospf_get(o, both, "pass.example", "bob@pass.example", "h", 0, &a);
	ck_assert_str_eq(a.result, "pending");
	ospf_run(o);
	ospf_get(o, both, "pass.example", "bob@pass.example", "h", 0, &a);
	ck_assert_str_eq(a.result, "fail");
	ck_assert_str_eq(a.detail,
	    "192.0.2.25:pass(ip4:192.0.2.0/24) "
	    "198.51.100.7:fail(-all)");
	ospf_get(o, both, "mixed.example", "x@mixed.example", "h", 0, &a);
	ospf_run(o);
	ospf_get(o, both, "mixed.example", "x@mixed.example", "h", 0, &a);
	ck_assert_str_eq(a.result, "softfail");
	/* two records: permerror (RFC 7208 4.5) */
	ospf_get(o, one, "two.example", "x@two.example", "h", 0, &a);
	ospf_run(o);
	ospf_get(o, one, "two.example", "x@two.example", "h", 0, &a);
	ck_assert_str_eq(a.result, "permerror");
	/* a null sender: the HELO name is the domain (RFC 7208 2.3) */
	ospf_get(o, one, "mx.host.example", "", "mx.host.example", 0, &a);
	ospf_run(o);
	ospf_get(o, one, "mx.host.example", "", "mx.host.example", 0, &a);
	ck_assert_str_eq(a.result, "pass");
	/* no record at all */
	ospf_get(o, one, "nothing.example", "x@nothing.example", "h", 0, &a);
	ospf_run(o);
	ospf_get(o, one, "nothing.example", "x@nothing.example", "h", 0, &a);
	ck_assert_str_eq(a.result, "none");
	ospf_free(o);
	spf_zone_free(z);
}
END_TEST

START_TEST(test_expiry_answers_while_refreshing)
{
	struct spf_dns dns;
	struct spf_zone *z = open_zone(&dns);
	struct ospf *o = ospf_new(&dns, tu_clock, &clk);
	char *one[] = {"198.51.100.7", NULL};
	struct ospf_answer a;

	clk = 1000;
	ospf_get(o, one, "pass.example", "", "h", 0, &a);
	ospf_run(o);
	/* zone answers carry no TTL: kept OSPF_MIN_TTL seconds */
	clk += OSPF_MIN_TTL;
	ospf_get(o, one, "pass.example", "", "h", 0, &a);
	ck_assert_str_eq(a.result, "fail"); /* the old verdict, queued again */
	ospf_run(o);
	ospf_get(o, one, "PASS.example", "", "h", 0, &a); /* names: no case */
	ck_assert_str_eq(a.result, "fail");
	ospf_free(o);
	spf_zone_free(z);
}
END_TEST

START_TEST(test_worker_thread)
{
	struct spf_dns dns;
	struct spf_zone *z = open_zone(&dns);
	struct ospf *o = ospf_new(&dns, NULL, NULL);
	char *one[] = {"192.0.2.25", NULL};
	char *other[] = {"198.51.100.7", NULL};
	struct dmarc_policy pol;
	struct ospf_answer a;
	int i;

	ck_assert_int_eq(ospf_start(o), 0);
	ospf_get(o, one, "pass.example", "", "h", 0, &a);
	ck_assert_str_eq(a.result, "pending");
	for (i = 0; i < 200 && strcmp(a.result, "pending") == 0; i++) {
		usleep(10000);
		ospf_get(o, one, "pass.example", "", "h", 0, &a);
	}
	ck_assert_str_eq(a.result, "pass");
	/* OutboundCheckWait: a first question waits for its answer */
	ospf_get(o, other, "mixed.example", "", "h", 5000, &a);
	ck_assert_str_eq(a.result, "softfail");
	ck_assert_int_eq(ospf_dmarc_get(o, "pass.example", 5000, &pol), 0);
	ck_assert_int_eq(pol.disp, DMARC_DISP_REJECT);
	ospf_free(o);
	spf_zone_free(z);
}
END_TEST

/* with_ttl - the zone's TXT answers with a TTL of 300 s */
static int
with_ttl(void *ctx, const char *name, struct spf_rrset *out)
{
	const struct spf_dns *zone_dns = ctx;
	int rc = zone_dns->txt(zone_dns->ctx, name, out);

	if (rc == 0 && out->status == SPF_DNS_OK)
		out->ttl = 300;
	return rc;
}

START_TEST(test_dmarc_policies)
{
	struct spf_dns zone_dns;
	struct spf_zone *z = open_zone(&zone_dns);
	struct spf_dns dns = zone_dns;
	struct ospf *o;
	char *one[] = {"192.0.2.25", NULL};
	struct dmarc_policy pol;
	struct ospf_answer a;
	unsigned asked;

	dns.txt = with_ttl;
	dns.ctx = &zone_dns;
	o = ospf_new(&dns, tu_clock, &clk);
	clk = 1000;
	ck_assert_int_eq(ospf_dmarc_get(o, "news.pass.example", 0, &pol), -1);
	ospf_run(o);
	ck_assert_int_eq(ospf_dmarc_get(o, "news.pass.example", 0, &pol), 0);
	ck_assert_int_eq(pol.status, DMARC_FOUND);
	ck_assert_int_eq(pol.inherited, 1);
	ck_assert_int_eq(pol.disp, DMARC_DISP_QUARANTINE);
	ck_assert_str_eq(pol.where, "_dmarc.pass.example");
	/* the SPF question for the same domain is another entry */
	ospf_get(o, one, "pass.example", "", "h", 0, &a);
	ck_assert_str_eq(a.result, "pending");
	ospf_run(o);
	ospf_get(o, one, "pass.example", "", "h", 0, &a);
	ck_assert_str_eq(a.result, "pass");
	ck_assert_str_eq(a.source, "192.0.2.25 (ip4:192.0.2.0/24)");
	ck_assert_int_eq(ospf_dmarc_get(o, "nothing.example", 0, &pol), -1);
	ospf_run(o);
	ck_assert_int_eq(ospf_dmarc_get(o, "nothing.example", 0, &pol), 0);
	ck_assert_int_eq(pol.status, DMARC_ABSENT);
	/* kept for the answer's TTL, then asked again */
	asked = spf_zone_queries(z);
	clk += 299;
	ck_assert_int_eq(ospf_dmarc_get(o, "news.pass.example", 0, &pol), 0);
	ospf_run(o);
	ck_assert_uint_eq(spf_zone_queries(z), asked);
	clk += 1;
	ck_assert_int_eq(ospf_dmarc_get(o, "news.pass.example", 0, &pol), 0);
	ospf_run(o);
	ck_assert_uint_gt(spf_zone_queries(z), asked);
	/* a reload: every cached answer is asked again at once, the clock
	 * standing still, and answered meanwhile */
	asked = spf_zone_queries(z);
	ospf_refresh(o);
	ck_assert_int_eq(ospf_dmarc_get(o, "nothing.example", 0, &pol), 0);
	ck_assert_int_eq(pol.status, DMARC_ABSENT);
	ospf_run(o);
	ck_assert_uint_ge(spf_zone_queries(z), asked + 3); /* 3 entries */
	ospf_get(o, one, "pass.example", "", "h", 0, &a);
	ck_assert_str_eq(a.result, "pass");
	ospf_free(o);
	spf_zone_free(z);
}
END_TEST

START_TEST(test_addrs_check)
{
	char *good[] = {"192.0.2.1", "2001:db8::25", NULL};
	char *prefix[] = {"192.0.2.0/24", NULL};
	char *name[] = {"mail.example.com", NULL};
	char why[256];

	ck_assert_int_eq(ospf_addrs_check(good, why, sizeof why), 0);
	ck_assert_int_eq(ospf_addrs_check(prefix, why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "'192.0.2.0/24'"));
	ck_assert_ptr_nonnull(strstr(why, "ip route get"));
	ck_assert_int_eq(ospf_addrs_check(name, why, sizeof why), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("outbound_spf");
	TCase *tc = tcase_create("outbound_spf");

	tcase_add_test(tc, test_pending_then_cached);
	tcase_add_test(tc, test_expiry_answers_while_refreshing);
	tcase_add_test(tc, test_worker_thread);
	tcase_add_test(tc, test_dmarc_policies);
	tcase_add_test(tc, test_addrs_check);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
