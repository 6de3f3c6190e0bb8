/*
 * test_sendcheck.c - outgoing-mail check counters: per signing domain
 * and result, at most SENDCHECK_MAX_DOMAINS domains then "other"; an
 * unaligned message raises the rate-limited warning and the /healthz
 * reason, an aligned or unsigned one neither; the Outlook prediction per
 * From: domain and reason, whose sure "no" warns (rate-limited) and
 * makes /healthz degraded, while yes and unknown do neither; the metrics
 * exposition of the DOMAIN families.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "milter/observe/health.h"
#include "milter/observe/metrics.h"
#include "milter/observe/sendcheck.h"
#include "testutil.h"

static char last[1024];
static int nlogged;

static void
capture(void *arg, const char *line)
{
	snprintf(last, sizeof last, "%s", line);
	nlogged++;
}

/* make - a sendcheck whose warnings are captured */
static struct sendcheck *
make(void)
{
	struct alert_conf ac;

	alert_conf_init(&ac);
	ac.log = capture;
	nlogged = 0;
	last[0] = '\0';
	return sendcheck_new(&ac);
}

START_TEST(test_counts_and_warning)
{
	struct sendcheck *sc = make();
	struct sendcheck_row rows[SENDCHECK_MAX_DOMAINS + 1];
	char buf[512];
	size_t n;

	sendcheck_alignment(sc, "example.com", GUARD_ALIGNED, "Q1", "x");
	sendcheck_alignment(sc, "EXAMPLE.com", GUARD_ALIGNED, "Q2", "x");
	sendcheck_alignment(sc, "example.com", GUARD_UNALIGNED_NONE, NULL,
	    NULL);
	ck_assert_int_eq(nlogged, 0);
	ck_assert_int_eq(sendcheck_problem(sc, time(NULL), buf, sizeof buf), 0);
	sendcheck_alignment(sc, "example.com", GUARD_UNALIGNED_ORG, "Q3",
	    "from_domain=other.example d=example.com");
	ck_assert_int_eq(nlogged, 1);
	ck_assert_ptr_nonnull(strstr(last, "unaligned mail alert: 1 message"));
	ck_assert_ptr_nonnull(strstr(last,
	    "qid=Q3 from_domain=other.example "
	    "d=example.com reason=other_org"));
	sendcheck_alignment(sc, "example.com", GUARD_UNALIGNED_STRICT, "Q4",
	    "from_domain=sub.example.com d=example.com");
	ck_assert_int_eq(nlogged, 1); /* within UnsignedAlertInterval */
	ck_assert_int_eq(sendcheck_problem(sc, time(NULL), buf, sizeof buf), 1);
	ck_assert_ptr_nonnull(strstr(buf, "unaligned mail: 2 messages"));
	ck_assert_ptr_nonnull(strstr(buf, "reason=not_strict"));
	ck_assert_int_eq(sendcheck_problem(sc,
			     time(NULL) + SENDCHECK_HEALTH_WINDOW, buf,
			     sizeof buf),
	    0);
	sendcheck_spf(sc, "example.com", "pass");
	sendcheck_spf(sc, "example.com", "not-checked");
	sendcheck_spf(sc, "example.com", "bogus"); /* not counted */
	n = sendcheck_rows(sc, rows, SENDCHECK_MAX_DOMAINS + 1);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(rows[0].domain, "example.com");
	ck_assert_uint_eq(rows[0].align[GUARD_ALIGNED], 2);
	ck_assert_uint_eq(rows[0].align[GUARD_UNALIGNED_ORG], 1);
	ck_assert_uint_eq(rows[0].align[GUARD_UNALIGNED_STRICT], 1);
	ck_assert_uint_eq(rows[0].align[GUARD_UNALIGNED_NONE], 1);
	ck_assert_uint_eq(rows[0].spf[SC_SPF_PASS], 1);
	ck_assert_uint_eq(rows[0].spf[SC_SPF_NOT_CHECKED], 1);
	sendcheck_free(sc);
}
END_TEST

START_TEST(test_bounded_domains)
{
	struct sendcheck *sc = make();
	struct sendcheck_row rows[SENDCHECK_MAX_DOMAINS + 1];
	char d[64];
	size_t n, i;

	for (i = 0; i < SENDCHECK_MAX_DOMAINS + 10; i++) {
		snprintf(d, sizeof d, "d%zu.example", i);
		sendcheck_spf(sc, d, "fail");
	}
	n = sendcheck_rows(sc, rows, SENDCHECK_MAX_DOMAINS + 1);
	ck_assert_uint_eq(n, SENDCHECK_MAX_DOMAINS + 1);
	ck_assert_str_eq(rows[n - 1].domain, "other");
	ck_assert_uint_eq(rows[n - 1].spf[SC_SPF_FAIL], 10);
	sendcheck_free(sc);
}
END_TEST

START_TEST(test_health_and_metrics)
{
	struct sendcheck *sc = make();
	struct sendcheck_row rows[2];
	struct health_input in = {1, NULL, 0, 3600, 1000, NULL};
	struct health_report r;
	struct metrics_view v;
	struct strbuf b = {0};

	in.outbound = "unaligned mail: 1 message ...";
	health_eval(&in, &r);
	ck_assert_int_eq(r.status, HEALTH_DEGRADED);
	ck_assert_str_eq(r.reason[0], in.outbound);
	health_report_free(&r);
	sendcheck_alignment(sc, "a\"b.example", GUARD_UNALIGNED_ORG, "Q", "");
	sendcheck_spf(sc, "a\"b.example", "pending");
	memset(&v, 0, sizeof v);
	v.out = rows;
	v.nout = sendcheck_rows(sc, rows, 2);
	ck_assert_int_eq(metrics_render(NULL, &v, &b), 0);
	ck_assert_ptr_nonnull(strstr(b.p,
	    "dkimguard_outbound_alignment_total"
	    "{domain=\"a\\\"b.example\","
	    "result=\"other_org\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(b.p,
	    "dkimguard_outbound_spf_total"
	    "{domain=\"a\\\"b.example\","
	    "result=\"pending\"} 1\n"));
	strbuf_free(&b);
	sendcheck_free(sc);
}
END_TEST

START_TEST(test_outlook)
{
	struct sendcheck *sc = make();
	struct sendcheck_row rows[SENDCHECK_MAX_DOMAINS + 1];
	struct metrics_view v;
	struct strbuf b = {0};
	char buf[1536];
	size_t n, i;

	sendcheck_outlook(sc, "example.org", DMARC_WHY_MEETS, "Q1", "");
	sendcheck_outlook(sc, "example.org", DMARC_WHY_SPF_PENDING, "Q2",
	    "SPF for example.org not known yet");
	sendcheck_outlook(sc, "example.org", DMARC_WHY_NO_DKIM, "Q2",
	    "no DKIM signature of ours left with the message");
	ck_assert_int_eq(nlogged, 0);
	ck_assert_int_eq(sendcheck_problem(sc, time(NULL), buf, sizeof buf), 0);
	sendcheck_outlook(sc, "Example.ORG", DMARC_WHY_SPF, "Q3",
	    "SPF softfail for example.org from 192.0.2.1 (~all)");
	ck_assert_int_eq(nlogged, 1);
	ck_assert_ptr_nonnull(strstr(last, "Outlook alert: 1 message"));
	ck_assert_ptr_nonnull(strstr(last,
	    "latest: qid=Q3 from_domain=Example.ORG reason=spf: SPF softfail "
	    "for example.org from 192.0.2.1 (~all)"));
	sendcheck_outlook(sc, "nodmarc.example", DMARC_WHY_NO_RECORD, "Q4",
	    "no DMARC record at _dmarc.nodmarc.example");
	ck_assert_int_eq(nlogged, 1); /* within UnsignedAlertInterval */
	ck_assert_int_eq(sendcheck_problem(sc, time(NULL), buf, sizeof buf), 1);
	ck_assert_ptr_nonnull(
	    strstr(buf, "mail Outlook will refuse: 2 messages"));
	ck_assert_ptr_nonnull(strstr(buf, "reason=no_dmarc"));
	/* both problems at once: one reason joined */
	sendcheck_alignment(sc, "example.com", GUARD_UNALIGNED_ORG, "Q5", "x");
	ck_assert_int_eq(sendcheck_problem(sc, time(NULL), buf, sizeof buf), 1);
	ck_assert_ptr_nonnull(strstr(buf, "unaligned mail: 1 message"));
	ck_assert_ptr_nonnull(strstr(buf, "; mail Outlook will refuse"));
	n = sendcheck_from_rows(sc, rows, SENDCHECK_MAX_DOMAINS + 1);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(rows[0].domain, "example.org");
	ck_assert_uint_eq(rows[0].outlook[DMARC_WHY_MEETS], 1);
	ck_assert_uint_eq(rows[0].outlook[DMARC_WHY_SPF_PENDING], 1);
	ck_assert_uint_eq(rows[0].outlook[DMARC_WHY_SPF], 1);
	ck_assert_uint_eq(rows[0].outlook[DMARC_WHY_NO_DKIM], 1);
	/* signing domains are another table */
	ck_assert_uint_eq(sendcheck_rows(sc, rows, SENDCHECK_MAX_DOMAINS + 1),
	    1);
	for (i = 0; i < SENDCHECK_MAX_DOMAINS + 5; i++) {
		snprintf(buf, sizeof buf, "f%zu.example", i);
		sendcheck_outlook(sc, buf, DMARC_WHY_UNALIGNED, "Q", "");
	}
	n = sendcheck_from_rows(sc, rows, SENDCHECK_MAX_DOMAINS + 1);
	ck_assert_uint_eq(n, SENDCHECK_MAX_DOMAINS + 1);
	ck_assert_str_eq(rows[n - 1].domain, "other");
	ck_assert_uint_eq(rows[n - 1].outlook[DMARC_WHY_UNALIGNED], 7);
	memset(&v, 0, sizeof v);
	v.out_from = rows;
	v.nout_from = n;
	ck_assert_int_eq(metrics_render(NULL, &v, &b), 0);
	ck_assert_ptr_nonnull(strstr(b.p,
	    "dkimguard_outbound_outlook_total{domain=\"example.org\","
	    "result=\"spf\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(b.p,
	    "dkimguard_outbound_outlook_total{domain=\"other\","
	    "result=\"unaligned\"} 7\n"));
	strbuf_free(&b);
	sendcheck_free(sc);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sendcheck");
	TCase *tc = tcase_create("sendcheck");

	tcase_add_test(tc, test_counts_and_warning);
	tcase_add_test(tc, test_bounded_domains);
	tcase_add_test(tc, test_health_and_metrics);
	tcase_add_test(tc, test_outlook);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
