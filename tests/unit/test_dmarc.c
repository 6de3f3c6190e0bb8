/*
 * test_dmarc.c - Check tests for common/dmarc/: the record parser (every
 * tag, defaults, syntax errors as data, the rua= rule of RFC 7489 6.6.3),
 * policy discovery over a file-backed zone (own record, the
 * organizational domain's with sp= applying to subdomains and p= to the
 * domain itself, no record, several records, a temporary failure,
 * records that are not DMARC), identifier alignment, and the reverse
 * names of common/dns/ptr.c.  The keytool's use of both runs against a
 * real unbound in tests/keytool/run-doctor.sh.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/dmarc/dmarc.h"
#include "common/dns/ptr.h"
#include "common/guard/guard.h"
#include "common/spf/spf_zone.h"
#include "testutil.h"
#include "zone_fixture.h"

/* ---- the record parser ------------------------------------------ */

static const struct {
	const char *txt;
	enum dmarc_disp p, sp;
	enum dmarc_mode adkim, aspf;
	unsigned pct;
	int from_rua;
} recs[] = {
    {"v=DMARC1; p=none", DMARC_DISP_NONE, DMARC_DISP_NONE, DMARC_RELAXED,
	DMARC_RELAXED, 100, 0},
    /* sp= absent: the subdomains get p= (6.3) */
    {"v=DMARC1; p=reject", DMARC_DISP_REJECT, DMARC_DISP_REJECT, DMARC_RELAXED,
	DMARC_RELAXED, 100, 0},
    {"v=DMARC1;p=quarantine;sp=none;adkim=s;aspf=s;pct=20",
	DMARC_DISP_QUARANTINE, DMARC_DISP_NONE, DMARC_STRICT, DMARC_STRICT, 20,
	0},
    /* blanks around tags, '=' and ';', case of words, a final ';' */
    {"  V = dmarc1 ;  P = Reject ; ADKIM = S ;", DMARC_DISP_REJECT,
	DMARC_DISP_REJECT, DMARC_STRICT, DMARC_RELAXED, 100, 0},
    /* tags in any order after v=, unknown tags ignored */
    {"v=DMARC1; rua=mailto:a@example.com,mailto:b@example.net!10m; "
     "future=x; p=none; fo=0:d; rf=afrf; ri=86400; "
     "ruf=mailto:f@example.com",
	DMARC_DISP_NONE, DMARC_DISP_NONE, DMARC_RELAXED, DMARC_RELAXED, 100, 0},
    {"v=DMARC1; p=none; pct=0", DMARC_DISP_NONE, DMARC_DISP_NONE, DMARC_RELAXED,
	DMARC_RELAXED, 0, 0},
    /* 6.6.3 step 6: no or a bad p=, but a valid rua=: p=none */
    {"v=DMARC1; rua=mailto:d@example.com", DMARC_DISP_NONE, DMARC_DISP_NONE,
	DMARC_RELAXED, DMARC_RELAXED, 100, 1},
    {"v=DMARC1; p=bounce; rua=mailto:d@example.com", DMARC_DISP_NONE,
	DMARC_DISP_NONE, DMARC_RELAXED, DMARC_RELAXED, 100, 1},
    {"v=DMARC1; p=reject; sp=maybe; rua=mailto:d@example.com", DMARC_DISP_NONE,
	DMARC_DISP_NONE, DMARC_RELAXED, DMARC_RELAXED, 100, 1},
};

/* syntax errors: each one a verdict with a reason */
static const char *const badrecs[] = {
    "v=DMARC1",
    "v=DMARC1; p=bounce",
    "v=DMARC1; p=reject; sp=x",
    "p=reject; v=DMARC1",
    "v=DMARC2; p=none",
    "",
    "v=DMARC1; p=none; adkim=x",
    "v=DMARC1; p=none; aspf=",
    "v=DMARC1; p=none; pct=101",
    "v=DMARC1; p=none; pct=-1",
    "v=DMARC1; p=none; rua=dmarc@example.com",
    "v=DMARC1; p=none; rua=mailto:a@example.com;;x",
    "v=DMARC1; p=none; rua=mailto:a@example.com!k",
    "v=DMARC1; p=none; fo=2",
    "v=DMARC1; p=none; ri=soon",
    "v=DMARC1; p=none; p=reject",
    "v=DMARC1; p=none; v=DMARC1",
    "v=DMARC1; p=none; junk",
};

START_TEST(test_record)
{
	struct dmarc_record r;
	int rc = dmarc_record_parse(recs[_i].txt, &r);

	ck_assert_msg(r.valid, "%s: invalid (%s)", recs[_i].txt, r.error);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(r.error, "");
	ck_assert_int_eq(r.p, recs[_i].p);
	ck_assert_int_eq(r.sp, recs[_i].sp);
	ck_assert_int_eq(r.adkim, recs[_i].adkim);
	ck_assert_int_eq(r.aspf, recs[_i].aspf);
	ck_assert_uint_eq(r.pct, recs[_i].pct);
	ck_assert_int_eq(r.p_from_rua, recs[_i].from_rua);
}
END_TEST

START_TEST(test_record_bad)
{
	struct dmarc_record r;

	ck_assert_int_eq(dmarc_record_parse(badrecs[_i], &r), -1);
	ck_assert_int_eq(r.valid, 0);
	ck_assert_msg(r.error[0] != '\0', "%s: no reason", badrecs[_i]);
}
END_TEST

/* the error names the tag, and a hostile byte cannot reach it raw */
START_TEST(test_record_error_text)
{
	struct dmarc_record r;

	ck_assert_int_eq(dmarc_record_parse("v=DMARC1; p=none; adkim=q", &r),
	    -1);
	ck_assert_str_eq(r.error, "adkim=q: want r (relaxed) or s (strict)");
	ck_assert_int_eq(dmarc_record_parse("v=DMARC1; p=no\r\nne\x7f", &r),
	    -1);
	ck_assert_str_eq(r.error, "p=no??ne?: want none, quarantine or reject");
	ck_assert_ptr_null(strchr(r.text, '\n'));
	ck_assert_int_eq(dmarc_record_parse("v=DMARC1; p=reject; rua=mailto:"
					    "a@example.com",
			     &r),
	    0);
	ck_assert_str_eq(r.rua, "mailto:a@example.com");
	ck_assert_str_eq(dmarc_disp_str(DMARC_DISP_QUARANTINE), "quarantine");
	ck_assert_str_eq(dmarc_mode_str(DMARC_STRICT), "s");
}
END_TEST

/* ---- discovery over a file zone --------------------------------- */

static const char zone[] =
    "_dmarc.example.com TXT v=DMARC1; p=reject; sp=quarantine; aspf=s\n"
    "_dmarc.own.example.com TXT v=DMARC1; p=none\n"
    "_dmarc.nosp.example TXT v=DMARC1; p=reject\n"
    "_dmarc.two.example TXT v=DMARC1; p=none\n"
    "_dmarc.two.example TXT v=DMARC1; p=reject\n"
    /* a TXT that is not DMARC is discarded (6.6.3 step 2) */
    "_dmarc.other.example TXT v=spf1 -all\n"
    "_dmarc.other.example TXT some verification token\n"
    "_dmarc.other.example TXT v=DMARC1; p=quarantine\n"
    "_dmarc.bad.example TXT v=DMARC1; p=sometimes\n"
    "_dmarc.notdmarc.example TXT v=DMARC10; p=reject\n"
    "_dmarc.slow.example TIMEOUT\n"
    "_dmarc.co.uk TXT v=DMARC1; p=reject\n";

static const struct {
	const char *domain;
	enum dmarc_status status;
	const char *where;
	int inherited;
	enum dmarc_disp disp;
	const char *org;
} finds[] = {
    /* the organizational domain itself: p= */
    {"example.com", DMARC_FOUND, "_dmarc.example.com", 0, DMARC_DISP_REJECT,
	"example.com"},
    /* a subdomain without its own record: the org's sp= (6.6.3 step 3) */
    {"mail.example.com", DMARC_FOUND, "_dmarc.example.com", 1,
	DMARC_DISP_QUARANTINE, "example.com"},
    {"A.B.Example.COM.", DMARC_FOUND, "_dmarc.example.com", 1,
	DMARC_DISP_QUARANTINE, "example.com"},
    /* its own record wins, p= applies */
    {"own.example.com", DMARC_FOUND, "_dmarc.own.example.com", 0,
	DMARC_DISP_NONE, "example.com"},
    /* not the parent's: only the organizational domain is asked */
    {"x.own.example.com", DMARC_FOUND, "_dmarc.example.com", 1,
	DMARC_DISP_QUARANTINE, "example.com"},
    /* sp= absent: p= applies to subdomains too */
    {"news.nosp.example", DMARC_FOUND, "_dmarc.nosp.example", 1,
	DMARC_DISP_REJECT, "nosp.example"},
    {"nothing.example.net", DMARC_ABSENT, "", 0, DMARC_DISP_NONE,
	"example.net"},
    {"two.example", DMARC_MULTIPLE, "_dmarc.two.example", 0, DMARC_DISP_NONE,
	"two.example"},
    {"sub.two.example", DMARC_MULTIPLE, "_dmarc.two.example", 1,
	DMARC_DISP_NONE, "two.example"},
    {"other.example", DMARC_FOUND, "_dmarc.other.example", 0,
	DMARC_DISP_QUARANTINE, "other.example"},
    /* a DMARC record without p= stops discovery: no fallback */
    {"bad.example", DMARC_INVALID, "_dmarc.bad.example", 0, DMARC_DISP_NONE,
	"bad.example"},
    {"notdmarc.example", DMARC_ABSENT, "", 0, DMARC_DISP_NONE,
	"notdmarc.example"},
    {"slow.example", DMARC_TEMPERROR, "_dmarc.slow.example", 0, DMARC_DISP_NONE,
	"slow.example"},
    /* a public suffix is never an organizational domain's parent */
    {"shop.example.co.uk", DMARC_ABSENT, "", 0, DMARC_DISP_NONE,
	"example.co.uk"},
};

static struct spf_zone *z;
static guard_psl *psl;
static char zpath[TU_PATH_MAX];

static void
zone_setup(void)
{
	zone_fixture_open(zone, zpath, sizeof zpath, &z, &psl);
}

static void
zone_teardown(void)
{
	zone_fixture_close(zpath, z, psl);
}

START_TEST(test_discover)
{
	struct spf_dns dns = spf_zone_dns(z);
	struct dmarc_policy pol;

	ck_assert_int_eq(dmarc_discover(&dns, psl, finds[_i].domain, &pol), 0);
	ck_assert_msg(pol.status == finds[_i].status, "%s: %s (%s)",
	    finds[_i].domain, dmarc_status_str(pol.status), pol.error);
	ck_assert_str_eq(pol.where, finds[_i].where);
	ck_assert_str_eq(pol.org, finds[_i].org);
	ck_assert_int_eq(pol.inherited, finds[_i].inherited);
	if (pol.status == DMARC_FOUND)
		ck_assert_int_eq(pol.disp, finds[_i].disp);
	else if (pol.status != DMARC_ABSENT)
		ck_assert_msg(pol.error[0] != '\0', "%s: no reason",
		    finds[_i].domain);
}
END_TEST

/* the questions asked: own name first, then the org, nothing more */
START_TEST(test_discover_queries)
{
	struct spf_dns dns = spf_zone_dns(z);
	struct dmarc_policy pol;
	unsigned before = spf_zone_queries(z);

	dmarc_discover(&dns, psl, "a.b.c.example.com", &pol);
	ck_assert_uint_eq(spf_zone_queries(z) - before, 2);
	before = spf_zone_queries(z);
	dmarc_discover(&dns, psl, "own.example.com", &pol);
	ck_assert_uint_eq(spf_zone_queries(z) - before, 1);
	before = spf_zone_queries(z);
	dmarc_discover(&dns, psl, "example.net", &pol);
	ck_assert_uint_eq(spf_zone_queries(z) - before, 1);
	ck_assert_int_eq(dmarc_discover(&dns, psl, "", &pol), -1);
	ck_assert_int_eq(pol.status, DMARC_INVALID);
	ck_assert_int_eq(dmarc_discover(&dns, psl, "a b.example", &pol), -1);
}
END_TEST

/* ---- alignment -------------------------------------------------- */

START_TEST(test_aligned)
{
	char err[256];
	guard_psl *p = NULL;

	ck_assert_msg(guard_psl_load(GUARD_PSL_PATH, &p, err, sizeof err) == 0,
	    "%s", err);
	ck_assert(
	    dmarc_aligned(p, DMARC_STRICT, "Example.COM.", "example.com"));
	ck_assert(
	    !dmarc_aligned(p, DMARC_STRICT, "example.com", "mail.example.com"));
	ck_assert(
	    dmarc_aligned(p, DMARC_RELAXED, "example.com", "mail.example.com"));
	ck_assert(
	    dmarc_aligned(p, DMARC_RELAXED, "a.example.com", "b.example.com"));
	ck_assert(
	    !dmarc_aligned(p, DMARC_RELAXED, "example.co.uk", "other.co.uk"));
	ck_assert(!dmarc_aligned(p, DMARC_RELAXED, "esp.example",
	    "unaligned.example"));
	guard_psl_free(p);
}
END_TEST

/* ---- reverse names ---------------------------------------------- */

START_TEST(test_revname)
{
	char b[80];

	ck_assert_int_eq(ptr_revname("192.0.2.1", b, sizeof b), 0);
	ck_assert_str_eq(b, "1.2.0.192.in-addr.arpa");
	ck_assert_int_eq(ptr_revname("2001:db8::567:89ab", b, sizeof b), 0);
	ck_assert_str_eq(b,
	    "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "8.b.d.0.1.0.0.2.ip6.arpa");
	ck_assert_int_eq(ptr_revname("192.0.2.300", b, sizeof b), -1);
	ck_assert_int_eq(ptr_revname("example.com", b, sizeof b), -1);
	ck_assert_int_eq(ptr_revname("2001:db8::1", b, 20), -1);
}
END_TEST

static Suite *
dmarc_suite(void)
{
	Suite *s = suite_create("dmarc");
	TCase *tr = tcase_create("record");
	TCase *td = tcase_create("discover");

	tcase_add_loop_test(tr, test_record, 0, (int)NELEM(recs));
	tcase_add_loop_test(tr, test_record_bad, 0, (int)NELEM(badrecs));
	tcase_add_test(tr, test_record_error_text);
	tcase_add_test(tr, test_aligned);
	tcase_add_test(tr, test_revname);
	suite_add_tcase(s, tr);
	tcase_add_checked_fixture(td, zone_setup, zone_teardown);
	tcase_add_loop_test(td, test_discover, 0, (int)NELEM(finds));
	tcase_add_test(td, test_discover_queries);
	suite_add_tcase(s, td);
	return s;
}

int
main(void)
{
	return tu_run(dmarc_suite());
}
