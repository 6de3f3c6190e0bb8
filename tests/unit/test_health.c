/*
 * test_health.c - ok / degraded / failing from given guard states,
 * table-driven: valid, unchecked, DNS temperror within and beyond
 * GuardGrace, broken records, mixes, no configuration; the /healthz
 * text (status word, one "- reason" line each, capped).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "milter/observe/health.h"
#include "milter/observe/metrics.h"
#include "testutil.h"

#define NOW 100000
#define GRACE 3600

/* a key as the guard reports it: state, seconds in it, ever valid */
struct hkey {
	guard_state state;
	long age;     /* now - since */
	int was_good; /* last_good != 0 */
};

struct health_case {
	const char *name;
	int configured;
	struct hkey keys[4];
	size_t nkeys;
	enum health_status want;
	const char *reason; /* substring of some reason, or NULL */
};

static const struct health_case cases[] = {
    {"no config", 0, {{0}}, 0, HEALTH_FAILING, "no configuration"},
    {"no keys", 1, {{0}}, 0, HEALTH_OK, NULL},
    {"all valid", 1, {{GUARD_VALID, 10, 1}, {GUARD_VALID, 5, 1}}, 2, HEALTH_OK,
	NULL},
    {"unchecked", 1, {{GUARD_VALID, 10, 1}, {GUARD_UNCHECKED, 0, 0}}, 2,
	HEALTH_DEGRADED, "not checked yet"},
    {"temperror in grace", 1, {{GUARD_TEMPERROR, 60, 1}}, 1, HEALTH_DEGRADED,
	"DNS failing for 60 s"},
    {"temperror past grace", 1, {{GUARD_TEMPERROR, GRACE, 1}}, 1,
	HEALTH_FAILING, "dns-temperror"},
    {"temperror never good", 1, {{GUARD_TEMPERROR, 1, 0}}, 1, HEALTH_FAILING,
	"no signing key is usable"},
    {"one of two mismatch", 1, {{GUARD_VALID, 10, 1}, {GUARD_MISMATCH, 10, 0}},
	2, HEALTH_DEGRADED, "mismatch"},
    {"only key missing", 1, {{GUARD_MISSING, 10, 0}}, 1, HEALTH_FAILING,
	"missing"},
    {"all broken", 1,
	{{GUARD_REVOKED, 1, 1}, {GUARD_BADRECORD, 1, 0},
	    {GUARD_WRONGTYPE, 1, 0}},
	3, HEALTH_FAILING, "revoked"},
    {"broken + grace", 1, {{GUARD_WRONGHASH, 1, 0}, {GUARD_TEMPERROR, 10, 1}},
	2, HEALTH_DEGRADED, "wrong-hash"},
};

/* fill - guard_info from a case row */
static void
fill(const struct hkey *h, size_t i, struct guard_info *k)
{
	memset(k, 0, sizeof *k);
	snprintf(k->domain, sizeof k->domain, "d%zu.example", i);
	snprintf(k->selector, sizeof k->selector, "s%zu", i);
	k->state = h->state;
	k->since = NOW - h->age;
	k->last_good = h->was_good ? NOW - h->age - 1 : 0;
	k->checked = h->state == GUARD_UNCHECKED ? 0 : NOW - 1;
	snprintf(k->problem, sizeof k->problem, "%s",
	    h->state == GUARD_VALID ? "" : "what is wrong");
}

/* has_reason - substring in any reason line */
static int
has_reason(const struct health_report *r, const char *s)
{
	size_t i;

	for (i = 0; i < r->nreasons; i++)
		if (strstr(r->reason[i], s) != NULL)
			return 1;
	return 0;
}

START_TEST(test_health_table)
{
	const struct health_case *c = &cases[_i];
	struct guard_info k[4];
	struct health_input in = {c->configured, k, c->nkeys, GRACE, NOW, NULL};
	struct health_report r;
	size_t i;

	for (i = 0; i < c->nkeys; i++)
		fill(&c->keys[i], i, &k[i]);
	ck_assert_int_eq(health_eval(&in, &r), 0);
	ck_assert_msg(r.status == c->want, "%s: got %s want %s", c->name,
	    health_status_str(r.status), health_status_str(c->want));
	if (c->reason != NULL)
		ck_assert_msg(has_reason(&r, c->reason),
		    "%s: no reason "
		    "with '%s'",
		    c->name, c->reason);
	if (c->want == HEALTH_OK)
		ck_assert_uint_eq(r.nreasons, 0);
	health_report_free(&r);
}
END_TEST

START_TEST(test_health_text)
{
	struct guard_info k[HEALTH_MAX_REASONS + 5];
	struct hkey bad = {GUARD_MISMATCH, 1, 0}, ok = {GUARD_VALID, 1, 1};
	struct health_input in = {1, k, HEALTH_MAX_REASONS + 5, GRACE, NOW,
	    NULL};
	struct health_report r;
	struct strbuf b = {0};
	size_t i;

	fill(&ok, 0, &k[0]);
	for (i = 1; i < in.nkeys; i++)
		fill(&bad, i, &k[i]);
	health_eval(&in, &r);
	ck_assert_int_eq(r.status, HEALTH_DEGRADED);
	ck_assert_uint_eq(r.nreasons, HEALTH_MAX_REASONS);
	ck_assert_uint_eq(r.more, 4);
	health_text(&r, &b);
	ck_assert(strncmp(b.p,
		      "degraded\n- key d1.example/s1: mismatch "
		      "(GuardAction tempfail): what is wrong\n",
		      70) == 0);
	ck_assert_ptr_nonnull(strstr(b.p, "- ... and 4 more\n"));
	strbuf_free(&b);
	health_report_free(&r);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("health");
	TCase *tc = tcase_create("health");

	tcase_add_loop_test(tc, test_health_table, 0,
	    sizeof cases / sizeof cases[0]);
	tcase_add_test(tc, test_health_text);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
