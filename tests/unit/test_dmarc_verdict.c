/*
 * test_dmarc_verdict.c - Check tests for dmarc_verdict (common/dmarc/
 * dmarc_verdict.c): the DMARC result and Outlook's sender requirements
 * predicted for an outgoing message, table-driven.  Policies are found
 * by dmarc_discover over a file zone (the organizational-domain fallback
 * with sp= included), alignment uses the public suffix list; cases cover
 * aligned and unaligned d=, no record, an invalid and a doubled record,
 * a DNS failure, adkim=s and aspf=s, every SPF result and the two states
 * without one (pending, not checked), a null sender (the HELO name), and
 * the policy still being looked up.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/dmarc/dmarc.h"
#include "common/guard/guard.h"
#include "common/spf/spf_zone.h"
#include "testutil.h"
#include "zone_fixture.h"

static const char zone[] =
    "_dmarc.example.org TXT v=DMARC1; p=reject\n"
    /* subdomains of example.com inherit sp=none, example.com gets p= */
    "_dmarc.example.com TXT v=DMARC1; p=quarantine; sp=none\n"
    "_dmarc.strict.example TXT v=DMARC1; p=none; adkim=s; aspf=s\n"
    "_dmarc.two.example TXT v=DMARC1; p=none\n"
    "_dmarc.two.example TXT v=DMARC1; p=reject\n"
    "_dmarc.bad.example TXT v=DMARC1; p=sometimes\n"
    "_dmarc.slow.example TIMEOUT\n";

#define NODKIM "-" /* no signature left */
#define PENDING NULL

static const struct vcase {
	const char *name;
	const char *from, *d; /* d: comma-separated, NODKIM: none */
	const char *spf, *spf_domain;
	int null_sender;
	int pol_pending;
	/* expected */
	enum dmarc_result result;
	int has_policy;
	enum dmarc_disp disp;
	int dkim_aligned;
	enum dmarc_answer spf_aligned, outlook;
	enum dmarc_why why;
	const char *reason; /* a part of it; NULL: "" */
} cases[] = {
    {"aligned d= and SPF", "example.org", "example.org", "pass",
	"bounce.example.org", 0, 0, DMARC_RESULT_PASS, 1, DMARC_DISP_REJECT, 1,
	DMARC_YES, DMARC_YES, DMARC_WHY_MEETS, NULL},
    {"unaligned d=, SPF aligned passes DMARC", "example.org", "esp.example",
	"pass", "bounce.example.org", 0, 0, DMARC_RESULT_PASS, 1,
	DMARC_DISP_REJECT, 0, DMARC_YES, DMARC_YES, DMARC_WHY_MEETS, NULL},
    {"nothing aligns", "example.org", "example.net", "pass", "esp.example", 0,
	0, DMARC_RESULT_FAIL, 1, DMARC_DISP_REJECT, 0, DMARC_NO, DMARC_NO,
	DMARC_WHY_UNALIGNED,
	"DKIM d=example.net does not align with From: example.org under "
	"adkim=r and the SPF domain esp.example does not align under aspf=r"},
    {"two d=, the second aligns", "example.org", "example.net,example.org",
	"pass", "esp.example", 0, 0, DMARC_RESULT_PASS, 1, DMARC_DISP_REJECT, 1,
	DMARC_NO, DMARC_YES, DMARC_WHY_MEETS, NULL},
    {"inherited from the org domain: sp=", "mail.example.com", "example.com",
	"pass", "mail.example.com", 0, 0, DMARC_RESULT_PASS, 1, DMARC_DISP_NONE,
	1, DMARC_YES, DMARC_YES, DMARC_WHY_MEETS, NULL},
    {"the org domain itself: p=", "example.com", "mail.example.com", "pass",
	"example.com", 0, 0, DMARC_RESULT_PASS, 1, DMARC_DISP_QUARANTINE, 1,
	DMARC_YES, DMARC_YES, DMARC_WHY_MEETS, NULL},
    {"no DMARC record", "nodmarc.example", "nodmarc.example", "pass",
	"nodmarc.example", 0, 0, DMARC_RESULT_NONE, 0, DMARC_DISP_NONE, 1,
	DMARC_YES, DMARC_NO, DMARC_WHY_NO_RECORD,
	"no DMARC record at _dmarc.nodmarc.example"},
    {"no DMARC record, nor at the org domain", "news.nodmarc.example",
	"nodmarc.example", "pass", "nodmarc.example", 0, 0, DMARC_RESULT_NONE,
	0, DMARC_DISP_NONE, 1, DMARC_YES, DMARC_NO, DMARC_WHY_NO_RECORD,
	"no DMARC record at _dmarc.news.nodmarc.example or its organizational "
	"domain _dmarc.nodmarc.example"},
    {"adkim=s: a subdomain d= does not align, aspf=s SPF does",
	"strict.example", "mail.strict.example", "pass", "strict.example", 0, 0,
	DMARC_RESULT_PASS, 1, DMARC_DISP_NONE, 0, DMARC_YES, DMARC_YES,
	DMARC_WHY_MEETS, NULL},
    {"adkim=s and aspf=s: neither aligns", "strict.example",
	"mail.strict.example", "pass", "bounce.strict.example", 0, 0,
	DMARC_RESULT_FAIL, 1, DMARC_DISP_NONE, 0, DMARC_NO, DMARC_NO,
	DMARC_WHY_UNALIGNED,
	"DKIM d=mail.strict.example does not align with From: strict.example "
	"under adkim=s and the SPF domain bounce.strict.example does not "
	"align under aspf=s"},
    {"SPF fail, DKIM aligned", "example.org", "example.org", "fail",
	"example.org", 0, 0, DMARC_RESULT_PASS, 1, DMARC_DISP_REJECT, 1,
	DMARC_NO, DMARC_NO, DMARC_WHY_SPF,
	"SPF fail for example.org from 192.0.2.1 (~all)"},
    {"SPF softfail", "example.org", "example.org", "softfail",
	"bounce.example.org", 0, 0, DMARC_RESULT_PASS, 1, DMARC_DISP_REJECT, 1,
	DMARC_NO, DMARC_NO, DMARC_WHY_SPF,
	"SPF softfail for bounce.example.org from 192.0.2.1 (~all)"},
    {"SPF neutral", "example.org", "example.org", "neutral", "example.org", 0,
	0, DMARC_RESULT_PASS, 1, DMARC_DISP_REJECT, 1, DMARC_NO, DMARC_NO,
	DMARC_WHY_SPF, "SPF neutral for example.org"},
    {"SPF none", "example.org", "example.org", "none", "example.org", 0, 0,
	DMARC_RESULT_PASS, 1, DMARC_DISP_REJECT, 1, DMARC_NO, DMARC_NO,
	DMARC_WHY_SPF, "SPF none for example.org"},
    {"SPF permerror", "example.org", "example.org", "permerror", "example.org",
	0, 0, DMARC_RESULT_PASS, 1, DMARC_DISP_REJECT, 1, DMARC_NO, DMARC_NO,
	DMARC_WHY_SPF, "SPF permerror for example.org"},
    {"SPF fail and no DMARC: SPF is said", "nodmarc.example", "nodmarc.example",
	"fail", "nodmarc.example", 0, 0, DMARC_RESULT_NONE, 0, DMARC_DISP_NONE,
	1, DMARC_NO, DMARC_NO, DMARC_WHY_SPF, "SPF fail for nodmarc.example"},
    {"SPF temperror, DKIM aligned: unknown", "example.org", "example.org",
	"temperror", "example.org", 0, 0, DMARC_RESULT_PASS, 1,
	DMARC_DISP_REJECT, 1, DMARC_UNKNOWN, DMARC_UNKNOWN, DMARC_WHY_TEMPERROR,
	"SPF temperror for example.org from 192.0.2.1"},
    {"SPF temperror, only SPF could pass DMARC", "example.org", "example.net",
	"temperror", "example.org", 0, 0, DMARC_RESULT_TEMPERROR, 1,
	DMARC_DISP_REJECT, 0, DMARC_UNKNOWN, DMARC_UNKNOWN, DMARC_WHY_TEMPERROR,
	NULL},
    {"SPF not checked, DKIM aligned", "example.org", "example.org",
	"not-checked", "example.org", 0, 0, DMARC_RESULT_PASS, 1,
	DMARC_DISP_REJECT, 1, DMARC_UNKNOWN, DMARC_UNKNOWN,
	DMARC_WHY_SPF_UNCHECKED,
	"SPF not checked: OutboundAddresses is not set"},
    {"SPF not checked, only SPF could pass DMARC", "example.org", "example.net",
	"not-checked", "example.org", 0, 0, DMARC_RESULT_UNKNOWN, 1,
	DMARC_DISP_REJECT, 0, DMARC_UNKNOWN, DMARC_UNKNOWN,
	DMARC_WHY_SPF_UNCHECKED, NULL},
    {"SPF not checked, nothing can align: surely no", "example.org",
	"example.net", "not-checked", "esp.example", 0, 0, DMARC_RESULT_FAIL, 1,
	DMARC_DISP_REJECT, 0, DMARC_NO, DMARC_NO, DMARC_WHY_UNALIGNED, NULL},
    {"SPF not checked, no DMARC: surely no", "nodmarc.example",
	"nodmarc.example", "not-checked", "nodmarc.example", 0, 0,
	DMARC_RESULT_NONE, 0, DMARC_DISP_NONE, 1, DMARC_UNKNOWN, DMARC_NO,
	DMARC_WHY_NO_RECORD, NULL},
    {"SPF pending", "example.org", "example.org", "pending", "example.org", 0,
	0, DMARC_RESULT_PASS, 1, DMARC_DISP_REJECT, 1, DMARC_UNKNOWN,
	DMARC_UNKNOWN, DMARC_WHY_SPF_PENDING,
	"SPF for example.org not known yet"},
    {"SPF pending, only SPF could pass DMARC", "example.org", "example.net",
	"pending", "example.org", 0, 0, DMARC_RESULT_PENDING, 1,
	DMARC_DISP_REJECT, 0, DMARC_UNKNOWN, DMARC_UNKNOWN,
	DMARC_WHY_SPF_PENDING, NULL},
    {"null sender: the HELO name aligns", "example.org", "example.net", "pass",
	"mx.example.org", 1, 0, DMARC_RESULT_PASS, 1, DMARC_DISP_REJECT, 0,
	DMARC_YES, DMARC_YES, DMARC_WHY_MEETS, NULL},
    {"null sender: the HELO name fails SPF", "example.org", "example.org",
	"fail", "mx.example.org", 1, 0, DMARC_RESULT_PASS, 1, DMARC_DISP_REJECT,
	1, DMARC_NO, DMARC_NO, DMARC_WHY_SPF,
	"SPF fail for mx.example.org (the HELO name: null sender) from "
	"192.0.2.1 (~all)"},
    {"policy pending", "example.org", "example.org", "pass", "example.org", 0,
	1, DMARC_RESULT_PENDING, 0, DMARC_DISP_NONE, 1, DMARC_YES,
	DMARC_UNKNOWN, DMARC_WHY_DMARC_PENDING,
	"DMARC policy of example.org not known yet"},
    {"policy pending, SPF fails: surely no", "example.org", "example.org",
	"softfail", "example.org", 0, 1, DMARC_RESULT_PENDING, 0,
	DMARC_DISP_NONE, 1, DMARC_NO, DMARC_NO, DMARC_WHY_SPF, NULL},
    {"two DMARC records", "two.example", "two.example", "pass", "two.example",
	0, 0, DMARC_RESULT_PERMERROR, 0, DMARC_DISP_NONE, 1, DMARC_YES,
	DMARC_NO, DMARC_WHY_BAD_RECORD, "has 2 DMARC records"},
    {"invalid DMARC record", "bad.example", "bad.example", "pass",
	"bad.example", 0, 0, DMARC_RESULT_PERMERROR, 0, DMARC_DISP_NONE, 1,
	DMARC_YES, DMARC_NO, DMARC_WHY_BAD_RECORD, "no usable DMARC record"},
    {"DMARC lookup fails", "slow.example", "slow.example", "pass",
	"slow.example", 0, 0, DMARC_RESULT_TEMPERROR, 0, DMARC_DISP_NONE, 1,
	DMARC_YES, DMARC_UNKNOWN, DMARC_WHY_TEMPERROR, "DMARC lookup failed"},
    {"no signature left", "example.org", NODKIM, "pass", "example.org", 0, 0,
	DMARC_RESULT_PASS, 1, DMARC_DISP_REJECT, 0, DMARC_YES, DMARC_NO,
	DMARC_WHY_NO_DKIM, "no DKIM signature of ours left"},
};

static struct spf_zone *z;
static guard_psl *psl;
static char zpath[TU_PATH_MAX];

static void
setup(void)
{
	zone_fixture_open(zone, zpath, sizeof zpath, &z, &psl);
}

static void
teardown(void)
{
	zone_fixture_close(zpath, z, psl);
}

/* split_d - the case's d= list into d[] */
static size_t
split_d(const char *list, char buf[4][64], const char *d[4])
{
	char copy[256], *p, *save = NULL;
	size_t n = 0;

	if (strcmp(list, NODKIM) == 0)
		return 0;
	snprintf(copy, sizeof copy, "%s", list);
	for (p = strtok_r(copy, ",", &save); p != NULL && n < 4;
	     p = strtok_r(NULL, ",", &save)) {
		snprintf(buf[n], sizeof buf[n], "%s", p);
		d[n] = buf[n];
		n++;
	}
	return n;
}

START_TEST(test_verdict)
{
	const struct vcase *c = &cases[_i];
	struct spf_dns dns = spf_zone_dns(z);
	struct dmarc_verdict_in in;
	struct dmarc_policy pol;
	struct dmarc_verdict v;
	char dbuf[4][64];
	const char *d[4];

	memset(&in, 0, sizeof in);
	in.from = c->from;
	in.ndkim = split_d(c->d, dbuf, d);
	in.dkim_d = d;
	in.spf = c->spf;
	in.spf_domain = c->spf_domain;
	in.null_sender = c->null_sender;
	in.spf_source = "192.0.2.1 (~all)";
	in.psl = psl;
	if (!c->pol_pending) {
		dmarc_discover(&dns, psl, c->from, &pol);
		in.pol = &pol;
	}
	dmarc_verdict(&in, &v);
	ck_assert_msg(v.result == c->result, "%s: dmarc=%s", c->name,
	    dmarc_result_str(v.result));
	ck_assert_msg(v.has_policy == c->has_policy, "%s: has_policy", c->name);
	if (c->has_policy)
		ck_assert_msg(v.disp == c->disp, "%s: policy %s", c->name,
		    dmarc_disp_str(v.disp));
	ck_assert_msg(v.dkim_aligned == c->dkim_aligned, "%s: dkim_aligned",
	    c->name);
	ck_assert_msg(v.spf_aligned == c->spf_aligned, "%s: spf_aligned=%s",
	    c->name, dmarc_answer_str(v.spf_aligned));
	ck_assert_msg(v.outlook == c->outlook, "%s: outlook=%s (%s)", c->name,
	    dmarc_answer_str(v.outlook), v.reason);
	ck_assert_msg(v.why == c->why, "%s: why=%s (%s)", c->name,
	    dmarc_why_str(v.why), v.reason);
	ck_assert_int_eq(dmarc_why_outlook(v.why), v.outlook);
	if (c->outlook == DMARC_YES)
		ck_assert_str_eq(v.reason, "");
	else
		ck_assert_msg(v.reason[0] != '\0', "%s: no reason", c->name);
	if (c->reason != NULL)
		ck_assert_msg(strstr(v.reason, c->reason) != NULL,
		    "%s: reason \"%s\" lacks \"%s\"", c->name, v.reason,
		    c->reason);
}
END_TEST

START_TEST(test_words)
{
	ck_assert_str_eq(dmarc_result_str(DMARC_RESULT_PERMERROR), "permerror");
	ck_assert_str_eq(dmarc_result_str(DMARC_RESULT_PENDING), "pending");
	ck_assert_str_eq(dmarc_answer_str(DMARC_UNKNOWN), "unknown");
	ck_assert_str_eq(dmarc_why_str(DMARC_WHY_NO_RECORD), "no_dmarc");
	ck_assert_str_eq(dmarc_why_str(DMARC_WHY__COUNT), "?");
}
END_TEST

static Suite *
verdict_suite(void)
{
	Suite *s = suite_create("dmarc_verdict");
	TCase *tc = tcase_create("verdict");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_verdict, 0, (int)NELEM(cases));
	tcase_add_test(tc, test_words);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(verdict_suite());
}
