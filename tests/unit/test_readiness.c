/*
 * test_readiness.c - Check tests for common/readiness/: the records it
 * suggests (the DMARC record keeps the disposition that applies, never
 * weakens an inherited one; the SPF record merges the addresses and a
 * second record's terms), the signing domains taken from a key table,
 * and the DMARC and SPF sections over a file-backed zone (inherited sp=,
 * no record, SPF fail, two records), line by line and with the FAIL
 * count.  The PTR section and the whole
 * report against a real unbound: tests/keytool/run-readiness.sh.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config/keytable.h"
#include "common/config/signtable.h"
#include "common/readiness/readiness.h"
#include "common/spf/spf_zone.h"
#include "testutil.h"
#include "zone_fixture.h"

/* ---- the DMARC record to publish --------------------------------- */

static const struct {
	const char *txt; /* NULL: no record */
	int inherited, relax;
	enum dmarc_disp disp;
	const char *want;
} fixes[] = {
    {NULL, 0, 0, DMARC_DISP_NONE, "v=DMARC1; p=none"},
    /* inherited: the sp= that applies, not the org domain's p= or sp= */
    {"v=DMARC1; p=reject; sp=quarantine", 1, 0, DMARC_DISP_QUARANTINE,
	"v=DMARC1; p=quarantine"},
    {"v=DMARC1; p=reject; sp=none; adkim=s; pct=50; rua=mailto:d@x.example", 0,
	0, DMARC_DISP_REJECT,
	"v=DMARC1; p=reject; sp=none; adkim=s; pct=50; "
	"rua=mailto:d@x.example"},
    /* relaxed: only the modes go */
    {"v=DMARC1; p=reject; adkim=s; aspf=s", 1, 1, DMARC_DISP_REJECT,
	"v=DMARC1; p=reject"},
};

START_TEST(test_dmarc_fixed)
{
	struct dmarc_policy pol;
	char buf[600];

	memset(&pol, 0, sizeof pol);
	pol.status = DMARC_ABSENT;
	if (fixes[_i].txt != NULL) {
		ck_assert_int_eq(dmarc_record_parse(fixes[_i].txt, &pol.rec),
		    0);
		pol.status = DMARC_FOUND;
		pol.inherited = fixes[_i].inherited;
		pol.disp = fixes[_i].disp;
	}
	readiness_dmarc_fixed(&pol, fixes[_i].relax, buf, sizeof buf);
	ck_assert_str_eq(buf, fixes[_i].want);
}
END_TEST

/* ---- the SPF record to publish ----------------------------------- */

static const char *const one_v4[] = {"192.0.2.1"};
static const char *const v6_v4[] = {"2001:db8::1", "192.0.2.7"};

static const struct {
	const char *record, *other;
	const char *const *add;
	size_t nadd;
	const char *want;
} merges[] = {
    {NULL, NULL, one_v4, 1, "v=spf1 ip4:192.0.2.1 ~all"},
    {"v=spf1 mx -all", NULL, v6_v4, 2,
	"v=spf1 ip6:2001:db8::1 ip4:192.0.2.7 mx -all"},
    /* two records: the other's terms first, its all and redirect= out */
    {"v=spf1 a -all",
	"v=spf1 ip4:192.0.2.0/29 include:x.example "
	"redirect=y.example -all",
	NULL, 0, "v=spf1 ip4:192.0.2.0/29 include:x.example a -all"},
    /* a term in both is kept once */
    {"v=spf1 a -all", "v=spf1 A mx ~all", one_v4, 1,
	"v=spf1 ip4:192.0.2.1 mx a -all"},
};

START_TEST(test_spf_merged)
{
	char buf[2048];

	readiness_spf_merged(merges[_i].record, merges[_i].add, merges[_i].nadd,
	    merges[_i].other, buf, sizeof buf);
	ck_assert_str_eq(buf, merges[_i].want);
}
END_TEST

/* ---- the domains to check: key table, then signing table --------- */

START_TEST(test_keytable_domains)
{
	char *d[] = {"corp.example", "%", "Corp.Example", "news.corp.example",
	    "corp.example"};
	char *names[] = {"k0", "k1", "k2", "k3", "k4"};
	struct keyent ent[NELEM(d)];
	struct keytable kt = {NELEM(d), ent, 0, NULL};
	struct errlist el = {0};
	struct signtable *st;
	char dir[TU_PATH_MAX], spec[TU_PATH_MAX + 16];
	const char **out;
	size_t n;

	memset(ent, 0, sizeof ent);
	for (size_t i = 0; i < NELEM(d); i++) {
		ent[i].domain = d[i];
		ent[i].name = names[i];
	}
	/* once each, any case, in table order, "%" left out */
	n = readiness_signing_domains(&kt, NULL, &out);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(out[0], "corp.example");
	ck_assert_str_eq(out[1], "news.corp.example");
	free(out);
	ck_assert_uint_eq(readiness_signing_domains(NULL, NULL, &out), 0);
	ck_assert_ptr_null(out);

	/* then the From: domains the signing table names (a "%" key signs
	 * shop.example as itself): new ones only, no wildcard */
	tu_tmpdir(dir, sizeof dir, "readiness");
	snprintf(spec, sizeof spec, "refile:%s",
	    tu_put(dir, "st",
		"*@corp.example k0\n*@shop.example k1\n"
		"*@*.corp.example k2\n*@NEWS.corp.example k3\n"));
	st = signtable_load(spec, &kt, &el);
	ck_assert_msg(st != NULL, "%s", errlist_str(&el));
	n = readiness_signing_domains(&kt, st, &out);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(out[2], "shop.example");
	free(out);
	signtable_free(st);
	errlist_free(&el);
	tu_rmtree(dir);
}
END_TEST

/* ---- the sections over a zone ------------------------------------ */

static const char zone[] =
    "_dmarc.corp.example TXT v=DMARC1; p=reject; sp=reject\n"
    "news.corp.example TXT v=spf1 ip4:192.0.2.1 -all\n"
    "fail.example TXT v=spf1 ip4:192.0.2.9 -all\n"
    "two.example TXT v=spf1 ip4:192.0.2.1 -all\n"
    "two.example TXT v=spf1 a -all\n";

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

static const char *const out_ip[] = {"192.0.2.1"};

/* run - DMARC and SPF of domain into *text; the FAIL count */
static unsigned
run(const char *domain, char **text)
{
	struct readiness r;
	size_t len;
	FILE *fp = open_memstream(text, &len);

	ck_assert_ptr_nonnull(fp);
	readiness_init(&r, fp, NULL, psl);
	r.dns = spf_zone_dns(z);
	r.ip = out_ip;
	r.nip = 1;
	ck_assert_int_eq(readiness_domain(&r, domain, NULL), 0);
	readiness_dmarc(&r);
	ck_assert_int_eq(readiness_spf(&r), 0);
	fclose(fp);
	return r.fails;
}

START_TEST(test_inherited)
{
	char *t = NULL;

	ck_assert_uint_eq(run("news.corp.example", &t), 0);
	ck_assert_str_eq(t,
	    "DMARC\n"
	    "  ok    _dmarc.corp.example: \"v=DMARC1; p=reject; sp=reject\": "
	    "inherited from the organizational domain corp.example: "
	    "sp=reject applies to news.corp.example\n"
	    "        adkim=r aspf=r pct=100\n"
	    "SPF\n"
	    "  ok    news.corp.example: \"v=spf1 ip4:192.0.2.1 -all\": valid "
	    "(0 of 10 DNS-querying terms, 0 of 2 void lookups)\n"
	    "  ok    192.0.2.1: pass (ip4:192.0.2.1 at news.corp.example)\n");
	free(t);
}
END_TEST

START_TEST(test_no_dmarc_spf_fail)
{
	char *t = NULL;

	ck_assert_uint_eq(run("fail.example", &t), 2);
	ck_assert_ptr_nonnull(strstr(t,
	    "  FAIL  no DMARC record at _dmarc.fail.example\n"
	    "        publish: _dmarc.fail.example. IN TXT "
	    "\"v=DMARC1; p=none\"\n"));
	ck_assert_ptr_nonnull(strstr(t,
	    "  FAIL  192.0.2.1: fail (-all)\n"
	    "        publish: fail.example. IN TXT "
	    "\"v=spf1 ip4:192.0.2.1 ip4:192.0.2.9 -all\"\n"));
	free(t);
}
END_TEST

START_TEST(test_two_records)
{
	char *t = NULL;

	/* DMARC, the record, the address (permerror) */
	ck_assert_uint_eq(run("two.example", &t), 3);
	ck_assert_ptr_nonnull(strstr(t, "  FAIL  two.example: permerror: "));
	ck_assert_ptr_nonnull(strstr(t,
	    "        fix: replace both records by one:\n"
	    "        publish: two.example. IN TXT "
	    "\"v=spf1 ip4:192.0.2.1 a -all\"\n"));
	free(t);
}
END_TEST

static Suite *
readiness_suite(void)
{
	Suite *s = suite_create("readiness");
	TCase *tr = tcase_create("records");
	TCase *tz = tcase_create("zone");

	tcase_add_loop_test(tr, test_dmarc_fixed, 0, (int)NELEM(fixes));
	tcase_add_loop_test(tr, test_spf_merged, 0, (int)NELEM(merges));
	tcase_add_test(tr, test_keytable_domains);
	suite_add_tcase(s, tr);
	tcase_add_checked_fixture(tz, zone_setup, zone_teardown);
	tcase_add_test(tz, test_inherited);
	tcase_add_test(tz, test_no_dmarc_spf_fail);
	tcase_add_test(tz, test_two_records);
	suite_add_tcase(s, tz);
	return s;
}

int
main(void)
{
	return tu_run(readiness_suite());
}
