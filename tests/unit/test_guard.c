/*
 * test_guard.c - Check tests for milter/guard*.c with a fake DNS backend.
 *
 * A fake dkim_lookup (a table the test edits) sits behind a real dnscache;
 * an injected clock drives TTLs, refresh scheduling and the temperror
 * grace period; a log callback records every line.  Covers each state
 * (table-driven), the actions, transitions logged once, background
 * refresh timing, grace, dry run, several records, counters, reload
 * inheritance, the self-check's parsed record, the zone-file form and
 * DMARC alignment.
 */
#include <check.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "common/guard/guard.h"
#include "testutil.h"

#define NAME "s1._domainkey.example.com"

static time_t clk; /* the injected clock (tu_clock) */
static dkim_dns_status fake_status;
static uint32_t fake_ttl;
static char fake_txt[2][1024];
static size_t fake_count;
static unsigned fake_queries;
static unsigned fake_delay_ms;
static struct tu_log lg; /* the guard's log lines */

static dkim_key *key_a, *key_b;
static char *pub_a, *pub_b, *rec_a;
static dnscache *cache;
static guard *g;

static dkim_rc
fake_query(void *ctx, const char *name, dkim_txt_answer *ans)
{
	size_t i;

	__atomic_fetch_add(&fake_queries, 1, __ATOMIC_RELAXED);
	if (fake_delay_ms)
		usleep(fake_delay_ms * 1000);
	memset(ans, 0, sizeof *ans);
	ans->status = fake_status;
	ans->ttl = fake_ttl;
	for (i = 0; fake_status == DKIM_DNS_OK && i < fake_count; i++)
		dkim_txt_answer_add(ans, fake_txt[i], strlen(fake_txt[i]));
	return DKIM_OK;
}

/* publish - the fake zone holds one record (printf-style) */
static void
publish(dkim_dns_status st, uint32_t ttl, const char *fmt, ...)
{
	va_list ap;

	fake_status = st;
	fake_ttl = ttl;
	fake_count = fmt != NULL;
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(fake_txt[0], sizeof fake_txt[0], fmt, ap);
		va_end(ap);
	}
}

static guard *
make_guard(int dry_run, const char *psl)
{
	struct guard_conf gc;
	guard *gg;

	guard_conf_init(&gc);
	gc.cache = cache;
	gc.grace = 600;
	gc.min_refresh = 5;
	gc.max_refresh = 3600;
	gc.retry = 30;
	gc.dry_run = dry_run;
	gc.psl_path = psl;
	gc.log = tu_log_capture;
	gc.log_arg = &lg;
	gc.clock = tu_clock;
	gc.clock_arg = &clk;
	ck_assert_int_eq(guard_new(&gc, &gg), DKIM_OK);
	return gg;
}

static void
setup(void)
{
	struct dnscache_conf cc;
	dkim_lookup lk = {fake_query, NULL};

	clk = 1700000000;
	lg.n = 0;
	fake_queries = 0;
	key_a = tu_keygen(DKIM_KEY_ED25519, 0);
	key_b = tu_keygen(DKIM_KEY_ED25519, 0);
	ck_assert_int_eq(dkim_key_public_b64(key_a, &pub_a), DKIM_OK);
	ck_assert_int_eq(dkim_key_public_b64(key_b, &pub_b), DKIM_OK);
	ck_assert_int_eq(dkim_key_record(key_a, &rec_a), DKIM_OK);
	dnscache_conf_init(&cc);
	cc.clock = tu_clock;
	cc.clock_arg = &clk;
	ck_assert_int_eq(dnscache_new(&cc, lk, &cache), DKIM_OK);
	publish(DKIM_DNS_OK, 300, "%s", rec_a);
	g = make_guard(0, "");
}

static void
teardown(void)
{
	guard_free(g);
	dnscache_free(cache);
	dkim_key_free(key_a);
	dkim_key_free(key_b);
	free(pub_a);
	free(pub_b);
	free(rec_a);
}

/* transitions - log lines that report a change of state */
static unsigned
transitions(void)
{
	unsigned i, n = 0;

	for (i = 0; i < lg.n; i++)
		n += strstr(lg.line[i], " -> ") != NULL;
	return n;
}

/* fill - expand a record template: {A}, {B} = p= of keys A and B,
 * {R} = p= of an RSA key */
static void
fill(char *out, size_t size, const char *t)
{
	static char *pub_rsa;
	const char *sub;
	size_t n = 0;

	if (strstr(t, "{R}") != NULL && pub_rsa == NULL) {
		dkim_key *k = tu_keygen(DKIM_KEY_RSA, 1024);

		ck_assert_int_eq(dkim_key_public_b64(k, &pub_rsa), DKIM_OK);
		dkim_key_free(k);
	}
	while (*t && n + 1 < size) {
		sub = strncmp(t, "{A}", 3) == 0 ? pub_a :
		    strncmp(t, "{B}", 3) == 0   ? pub_b :
		    strncmp(t, "{R}", 3) == 0   ? pub_rsa :
						  NULL;
		if (sub == NULL) {
			out[n++] = *t++;
			continue;
		}
		n += strlcpy(out + n, sub, size - n);
		t += 3;
	}
	out[n < size ? n : size - 1] = '\0';
}

/* the record templates (see fill) */
static const struct {
	const char *fmt;
	dkim_dns_status status;
	guard_state state;
	const char *problem;
} state_cases[] = {
    {"v=DKIM1; k=ed25519; p={A}", DKIM_DNS_OK, GUARD_VALID, ""},
    {"v=DKIM1; k=rsa; p={R}", DKIM_DNS_OK, GUARD_WRONGTYPE, "k=rsa"},
    {"p={R}", DKIM_DNS_OK, GUARD_WRONGTYPE, "k=rsa"},
    {"v=DKIM1; k=ed25519; p={B}", DKIM_DNS_OK, GUARD_MISMATCH,
	"not the public half"},
    {"v=DKIM1; k=ed25519; p=", DKIM_DNS_OK, GUARD_REVOKED, "revoked"},
    {"v=DKIM1; k=ed25519; h=sha1; p={A}", DKIM_DNS_OK, GUARD_WRONGHASH, "h="},
    {"v=DKIM1; k=ed25519; s=tlsrpt; p={A}", DKIM_DNS_OK, GUARD_WRONGSERVICE,
	"s="},
    {"v=DKIM2; k=ed25519; p={A}", DKIM_DNS_OK, GUARD_BADRECORD,
	"does not parse"},
    {NULL, DKIM_DNS_NXDOMAIN, GUARD_MISSING, "NXDOMAIN"},
    {NULL, DKIM_DNS_NODATA, GUARD_MISSING, "no TXT record"},
    {NULL, DKIM_DNS_SERVFAIL, GUARD_TEMPERROR, "SERVFAIL"},
    {NULL, DKIM_DNS_TIMEOUT, GUARD_TEMPERROR, "timed out"},
};

START_TEST(states)
{
	guard_entry *e =
	    guard_add_key(g, "example.com", "s1", key_a, GUARD_ACT_TEMPFAIL);
	struct guard_verdict v;
	char *fix;

	fake_status = state_cases[_i].status;
	fake_ttl = 300;
	fake_count = state_cases[_i].fmt != NULL;
	if (fake_count)
		fill(fake_txt[0], sizeof fake_txt[0], state_cases[_i].fmt);
	ck_assert_uint_eq(guard_check_all(g), _i == 0 ? 0 : 1);
	guard_query(e, &v);
	ck_assert_str_eq(guard_state_str(v.state),
	    guard_state_str(state_cases[_i].state));
	ck_assert_ptr_nonnull(strstr(v.problem, state_cases[_i].problem));
	ck_assert_int_eq(v.decision,
	    _i == 0 ? GUARD_DO_SIGN : GUARD_DO_TEMPFAIL);
	if (_i > 0) {
		ck_assert_ptr_nonnull(strstr(v.reply, NAME));
		ck_assert_ptr_null(strchr(v.reply, '%'));
	}
	/* one table row in the log; the fix named unless DNS failed */
	ck_assert_uint_eq(lg.n, 2);
	ck_assert_ptr_nonnull(strstr(lg.line[0], "d=example.com s=s1"));
	ck_assert_int_eq(strstr(lg.line[0], "publish: " NAME ". IN TXT") !=
		NULL,
	    _i > 0 && state_cases[_i].state != GUARD_TEMPERROR);
	ck_assert_int_eq(guard_fix(e, &fix), DKIM_OK);
	ck_assert_ptr_nonnull(strstr(fix, pub_a));
	free(fix);
}
END_TEST

START_TEST(actions)
{
	static const guard_decision want[] = {GUARD_DO_TEMPFAIL, GUARD_DO_HOLD,
	    GUARD_DO_UNSIGNED, GUARD_DO_SIGN_WARN};
	guard_entry *e =
	    guard_add_key(g, "example.com", "s1", key_a, (guard_action)_i);
	struct guard_verdict v;

	publish(DKIM_DNS_OK, 300, "v=DKIM1; k=ed25519; p=%s", pub_b);
	guard_check_all(g);
	guard_query(e, &v);
	ck_assert_int_eq(v.state, GUARD_MISMATCH);
	ck_assert_int_eq(v.decision, want[_i]);
	ck_assert_int_eq(v.would, want[_i]);
}
END_TEST

START_TEST(transitions_logged_once)
{
	guard_entry *e =
	    guard_add_key(g, "example.com", "s1", key_a, GUARD_ACT_TEMPFAIL);
	struct guard_verdict v;
	char *rec;
	int i;

	guard_check_all(g); /* valid; the table row, no "->" */
	ck_assert_uint_eq(transitions(), 0);
	publish(DKIM_DNS_OK, 300, "v=DKIM1; k=ed25519; p=%s", pub_b);
	for (i = 0; i < 10; i++) { /* refreshes and messages */
		clk += 300;
		guard_refresh_due(g);
		guard_query(e, &v);
		ck_assert_int_eq(v.decision, GUARD_DO_TEMPFAIL);
	}
	ck_assert_uint_eq(transitions(), 1);
	ck_assert_ptr_nonnull(strstr(lg.line[lg.n - 1], "valid -> mismatch"));
	ck_assert_int_eq(guard_record(e, &rec), DKIM_OK);
	ck_assert_str_eq(rec, rec_a); /* never the stale or wrong one */
	free(rec);
	ck_assert_ptr_nonnull(strstr(lg.line[lg.n - 1], "publish: " NAME));
	publish(DKIM_DNS_OK, 300, "%s", rec_a); /* fixed */
	for (i = 0; i < 10; i++) {
		clk += 300;
		guard_refresh_due(g);
		guard_query(e, &v);
		ck_assert_int_eq(v.decision, GUARD_DO_SIGN);
	}
	ck_assert_uint_eq(transitions(), 2);
	ck_assert_ptr_nonnull(strstr(lg.line[lg.n - 1], "mismatch -> valid"));
}
END_TEST

/* lenient_tag_valid_and_warned - a record with a tag name receivers
 * accept but the grammar does not (x-foo) is valid, and the change that
 * brings it is followed by a warning naming the tag */
START_TEST(lenient_tag_valid_and_warned)
{
	guard_entry *e =
	    guard_add_key(g, "example.com", "s1", key_a, GUARD_ACT_TEMPFAIL);
	struct guard_verdict v;
	unsigned i, warned = 0;

	publish(DKIM_DNS_OK, 300, "v=DKIM1; k=ed25519; p=%s", pub_b);
	ck_assert_int_eq(guard_check(e), GUARD_MISMATCH);
	publish(DKIM_DNS_OK, 300, "v=DKIM1; x-foo=bar; k=ed25519; p=%s", pub_a);
	ck_assert_int_eq(guard_check(e), GUARD_VALID);
	guard_query(e, &v);
	ck_assert_int_eq(v.decision, GUARD_DO_SIGN);
	for (i = 0; i < lg.n; i++)
		if (strstr(lg.line[i], "tag name 'x-foo'") != NULL)
			warned++;
	ck_assert_uint_eq(warned, 1);
}
END_TEST

START_TEST(refresh_before_ttl)
{
	guard_entry *e =
	    guard_add_key(g, "example.com", "s1", key_a, GUARD_ACT_TEMPFAIL);
	struct guard_info in;
	unsigned q, wait;

	publish(DKIM_DNS_OK, 100, "%s", rec_a);
	guard_check_all(g);
	guard_entry_info(e, &in);
	ck_assert_int_eq(in.next_check - in.checked, 80); /* 80% of 100 */
	ck_assert_uint_eq(in.ttl, 100);
	q = fake_queries;
	clk += 79;
	wait = guard_refresh_due(g);
	ck_assert_uint_eq(fake_queries, q); /* not due yet */
	ck_assert_uint_eq(wait, 1);
	clk += 1;
	publish(DKIM_DNS_OK, 100, "v=DKIM1; k=ed25519; p=%s", pub_b);
	wait = guard_refresh_due(g); /* before the TTL ran out */
	ck_assert_uint_eq(fake_queries, q + 1);
	guard_entry_info(e, &in);
	ck_assert_int_eq(in.state, GUARD_MISMATCH);
	ck_assert_uint_eq(wait, 30); /* failing entries: retry 30 s */
}
END_TEST

START_TEST(temperror_grace)
{
	guard_entry *e =
	    guard_add_key(g, "example.com", "s1", key_a, GUARD_ACT_HOLD);
	struct guard_verdict v;
	char *rec;

	guard_check_all(g);
	clk += 1000;
	publish(DKIM_DNS_SERVFAIL, 0, NULL);
	ck_assert_int_eq(guard_check(e), GUARD_TEMPERROR); /* t0 */
	guard_query(e, &v);
	ck_assert_int_eq(v.decision, GUARD_DO_SIGN);
	ck_assert_int_eq(v.grace, 1);
	ck_assert_ptr_nonnull(strstr(v.problem, "600 more seconds"));
	ck_assert_int_eq(guard_record(e, &rec), DKIM_OK); /* last good */
	ck_assert_str_eq(rec, rec_a);
	free(rec);
	clk += 599;
	publish(DKIM_DNS_TIMEOUT, 0, NULL);
	guard_check(e); /* grace runs from the first failure */
	guard_query(e, &v);
	ck_assert_int_eq(v.decision, GUARD_DO_SIGN);
	clk += 1;
	guard_query(e, &v);
	ck_assert_int_eq(v.decision, GUARD_DO_HOLD);
	ck_assert_int_eq(v.grace, 0);
	publish(DKIM_DNS_OK, 300, "%s", rec_a); /* DNS is back */
	guard_check(e);
	guard_query(e, &v);
	ck_assert_int_eq(v.decision, GUARD_DO_SIGN);
	ck_assert_int_eq(v.grace, 0);
}
END_TEST

START_TEST(temperror_never_good)
{
	guard_entry *e =
	    guard_add_key(g, "example.com", "s1", key_a, GUARD_ACT_UNSIGNED);
	struct guard_verdict v;
	char *rec;

	publish(DKIM_DNS_TIMEOUT, 0, NULL);
	guard_check_all(g);
	guard_query(e, &v);
	ck_assert_int_eq(v.decision, GUARD_DO_UNSIGNED);
	ck_assert_int_eq(guard_record(e, &rec), DKIM_OK); /* to publish */
	ck_assert_str_eq(rec, rec_a);
	free(rec);
}
END_TEST

START_TEST(dry_run)
{
	guard *dg = make_guard(1, "");
	guard_entry *e =
	    guard_add_key(dg, "example.com", "s1", key_a, GUARD_ACT_TEMPFAIL);
	struct guard_verdict v;

	publish(DKIM_DNS_NXDOMAIN, 60, NULL);
	guard_check_all(dg);
	guard_query(e, &v);
	ck_assert_int_eq(v.decision, GUARD_DO_SIGN);
	ck_assert_int_eq(v.would, GUARD_DO_TEMPFAIL);
	ck_assert_str_eq(guard_decision_str(v.would), "tempfail");
	guard_free(dg);
}
END_TEST

START_TEST(several_records)
{
	guard_entry *e =
	    guard_add_key(g, "example.com", "s1", key_a, GUARD_ACT_TEMPFAIL);
	struct guard_verdict v;

	publish(DKIM_DNS_OK, 300, "%s", rec_a);
	snprintf(fake_txt[1], sizeof fake_txt[1], "v=DKIM1; k=ed25519; p=%s",
	    pub_b);
	fake_count = 2;
	guard_check_all(g);
	guard_query(e, &v);
	ck_assert_int_eq(v.state, GUARD_MISMATCH);
	ck_assert_ptr_nonnull(strstr(v.problem, "2 TXT records"));
	strcpy(fake_txt[1], rec_a); /* two copies of the right one */
	ck_assert_int_eq(guard_check(e), GUARD_VALID);
}
END_TEST

START_TEST(unchecked_checked_on_query)
{
	guard_entry *e =
	    guard_add_key(g, "example.com", "s1", key_a, GUARD_ACT_TEMPFAIL);
	struct guard_verdict v;

	ck_assert_ptr_eq(guard_find(g, "EXAMPLE.com", "s1", key_a), e);
	ck_assert_ptr_null(guard_find(g, "example.com", "s2", key_a));
	ck_assert_ptr_eq(guard_add_key(g, "example.com", "s1", key_a,
			     GUARD_ACT_HOLD),
	    e);
	ck_assert_uint_eq(guard_entries(g), 1);
	guard_query(e, &v);
	ck_assert_int_eq(v.state, GUARD_VALID);
	ck_assert_uint_eq(fake_queries, 1);
	guard_query(e, &v); /* from the entry: no DNS */
	ck_assert_uint_eq(fake_queries, 1);
}
END_TEST

START_TEST(counters_and_inherit)
{
	guard_entry *e = guard_add_key(g, "example.com", "s1", key_a,
			GUARD_ACT_TEMPFAIL),
		    *e2;
	struct guard_info in;
	guard *g2;

	publish(DKIM_DNS_OK, 300, "v=DKIM1; k=ed25519; p=%s", pub_b);
	guard_check_all(g);
	guard_count(e, GUARD_CNT_TEMPFAILED);
	guard_count(e, GUARD_CNT_TEMPFAILED);
	guard_count(e, GUARD_CNT_SIGNED);
	g2 = make_guard(0, ""); /* a reload */
	e2 = guard_add_key(g2, "example.com", "s1", key_a, GUARD_ACT_TEMPFAIL);
	guard_inherit(g2, g);
	lg.n = 0;
	guard_check_all(g2);
	ck_assert_uint_eq(transitions(), 0); /* still mismatch */
	ck_assert_ptr_null(strstr(lg.line[0], "(was"));
	guard_entry_info(e2, &in);
	ck_assert_int_eq(in.state, GUARD_MISMATCH);
	ck_assert_uint_eq(in.count[GUARD_CNT_TEMPFAILED], 2);
	ck_assert_uint_eq(in.count[GUARD_CNT_SIGNED], 1);
	guard_free(g2);
}
END_TEST

/* the self-check's record: parsed once per change, shared by reference */
START_TEST(keyrec_parsed_once)
{
	guard_entry *e = guard_add_key(g, "example.com", "s1", key_a,
			GUARD_ACT_HOLD),
		    *e2;
	dkim_keyrec *r1, *r2, *r3;
	guard *g2;

	publish(DKIM_DNS_OK, 300, "v=DKIM1; k=ed25519; t=y; p=%s", pub_a);
	r1 = guard_keyrec(e); /* unchecked: to publish */
	ck_assert_int_eq(dkim_keyrec_testing(r1), 0);
	ck_assert_int_eq(dkim_key_match_record(key_a, r1), DKIM_KEYMATCH_OK);
	dkim_keyrec_free(r1);
	guard_check_all(g);
	r1 = guard_keyrec(e); /* the published one (t=y) */
	ck_assert_int_eq(dkim_keyrec_testing(r1), 1);
	r2 = guard_keyrec(e);
	ck_assert_ptr_eq(r2, r1); /* not parsed per message */
	dkim_keyrec_free(r2);
	publish(DKIM_DNS_OK, 300, "v=DKIM1; k=ed25519; p=%s", pub_b);
	clk += 300;
	guard_refresh_due(g); /* mismatch: to publish */
	r2 = guard_keyrec(e);
	ck_assert_int_eq(dkim_keyrec_testing(r2), 0);
	ck_assert_int_eq(dkim_key_match_record(key_a, r2), DKIM_KEYMATCH_OK);
	ck_assert_int_eq(dkim_keyrec_testing(r1), 1); /* still valid */
	dkim_keyrec_free(r1);
	dkim_keyrec_free(r2);
	publish(DKIM_DNS_OK, 300, "v=DKIM1; k=ed25519; t=y; p=%s", pub_a);
	ck_assert_int_eq(guard_check(e), GUARD_VALID);
	r1 = guard_keyrec(e);
	publish(DKIM_DNS_SERVFAIL, 0, NULL);
	ck_assert_int_eq(guard_check(e), GUARD_TEMPERROR);
	r2 = guard_keyrec(e); /* grace: the last good one */
	ck_assert_ptr_eq(r2, r1);
	dkim_keyrec_free(r2);
	g2 = make_guard(0, ""); /* a reload shares it */
	e2 = guard_add_key(g2, "example.com", "s1", key_a, GUARD_ACT_HOLD);
	guard_inherit(g2, g);
	r3 = guard_keyrec(e2);
	ck_assert_ptr_eq(r3, r1);
	guard_free(g2);
	ck_assert_int_eq(dkim_keyrec_testing(r3), 1);
	dkim_keyrec_free(r3);
	dkim_keyrec_free(r1);
}
END_TEST

START_TEST(table_text)
{
	char *t;

	guard_add_key(g, "example.com", "s1", key_a, GUARD_ACT_TEMPFAIL);
	guard_add_key(g, "example.com", "s2", key_b, GUARD_ACT_HOLD);
	guard_check_all(g); /* the fake gives rec_a for both names */
	ck_assert_int_eq(guard_table(g, &t), DKIM_OK);
	ck_assert_ptr_nonnull(strstr(t, "DOMAIN"));
	ck_assert_ptr_nonnull(strstr(t, "valid"));
	ck_assert_ptr_nonnull(strstr(t, "mismatch"));
	ck_assert_ptr_nonnull(strstr(t,
	    "publish: s2._domainkey.example.com. IN TXT ( \"v=DKIM1"));
	ck_assert_ptr_null(strstr(t, "publish: s1."));
	free(t);
}
END_TEST

START_TEST(zone_record_split)
{
	char txt[601], *z, want[700];

	memset(txt, 'a', 600);
	txt[600] = '\0';
	memset(txt + 255, 'b', 255);
	ck_assert_int_eq(guard_zone_record("x._domainkey.example.com", txt, &z),
	    DKIM_OK);
	snprintf(want, sizeof want,
	    "x._domainkey.example.com. IN TXT ( \"%.255s\" \"%.255s\" "
	    "\"%.90s\" )",
	    txt, txt + 255, txt + 510);
	ck_assert_str_eq(z, want);
	free(z);
	ck_assert_int_eq(guard_zone_record("n.example.", "a\"b", &z), DKIM_OK);
	ck_assert_str_eq(z, "n.example. IN TXT ( \"a\\\"b\" )");
	free(z);
}
END_TEST

START_TEST(alignment)
{
	const char *path = "/usr/share/publicsuffix/public_suffix_list.dat";
	guard_psl *psl = NULL;
	char err[256], org[256], own[TU_PATH_MAX];

	/* without a list: equal or parent/child */
	ck_assert(guard_psl_aligned(NULL, "example.com", "Mail.Example.COM."));
	ck_assert(guard_psl_aligned(NULL, "mail.example.com", "example.com"));
	ck_assert(!guard_psl_aligned(NULL, "example.net", "example.com"));
	ck_assert(!guard_psl_aligned(NULL, "a.example.com", "b.example.com"));
	ck_assert(guard_aligned(g, "example.com", "news.example.com"));
	/* publicsuffix is a build dependency (scripts/deps.sh) */
	ck_assert_msg(guard_psl_load(path, &psl, err, sizeof err) == 0, "%s",
	    err);
	ck_assert(guard_psl_aligned(psl, "a.example.com", "b.example.com"));
	ck_assert(guard_psl_aligned(psl, "example.co.uk", "x.example.co.uk"));
	ck_assert(!guard_psl_aligned(psl, "example.co.uk", "other.co.uk"));
	ck_assert(!guard_psl_aligned(psl, "co.uk", "example.co.uk"));
	ck_assert_int_eq(guard_orgdomain(psl, "a.b.example.co.uk", org,
			     sizeof org),
	    0);
	ck_assert_str_eq(org, "example.co.uk");
	ck_assert_int_eq(guard_orgdomain(psl, "www.ck", org, sizeof org), 0);
	ck_assert_str_eq(org, "www.ck"); /* exception rule !www.ck */
	ck_assert_int_eq(guard_orgdomain(psl, "a.b.c.ck", org, sizeof org), 0);
	ck_assert_str_eq(org, "b.c.ck"); /* wildcard rule *.ck */
	ck_assert_int_eq(guard_orgdomain(psl, "x.y.unlisted", org, sizeof org),
	    0);
	ck_assert_str_eq(org, "y.unlisted"); /* default rule "*" */
	/* co.uk is itself a public suffix: its own organizational domain */
	ck_assert_int_eq(guard_orgdomain(psl, "Co.UK.", org, sizeof org), 0);
	ck_assert_str_eq(org, "co.uk");
	ck_assert(!guard_psl_aligned(psl, "a.co.uk", "b.co.uk"));
	/* the private section counts too: github.io users are apart */
	ck_assert_int_eq(guard_orgdomain(psl, "www.alice.github.io", org,
			     sizeof org),
	    0);
	ck_assert_str_eq(org, "alice.github.io");
	ck_assert(!guard_psl_aligned(psl, "alice.github.io", "bob.github.io"));
	ck_assert(
	    guard_psl_aligned(psl, "alice.github.io", "mail.alice.github.io"));
	/* an IDN suffix (xn--55qx5d.cn is 公司.cn) in A- and U-label form */
	ck_assert_int_eq(guard_orgdomain(psl, "shop.example.xn--55qx5d.cn", org,
			     sizeof org),
	    0);
	ck_assert_str_eq(org, "example.xn--55qx5d.cn");
	ck_assert_int_eq(guard_orgdomain(psl,
			     "shop.example.\xe5\x85\xac"
			     "\xe5\x8f\xb8.cn",
			     org, sizeof org),
	    0);
	ck_assert_str_eq(org, "example.\xe5\x85\xac\xe5\x8f\xb8.cn");
	ck_assert(
	    !guard_psl_aligned(psl, "a.xn--55qx5d.cn", "b.xn--55qx5d.cn"));
	guard_psl_free(psl);
	/* a list of our own is read from its path, not libpsl's built-in */
	tu_write_tmp(own, sizeof own,
	    "// test list\nexample\n*.wild\n"
	    "!keep.wild\n");
	ck_assert_msg(guard_psl_load(own, &psl, err, sizeof err) == 0, "%s",
	    err);
	ck_assert_int_eq(guard_orgdomain(psl, "a.b.example", org, sizeof org),
	    0);
	ck_assert_str_eq(org, "b.example");
	ck_assert_int_eq(guard_orgdomain(psl, "a.b.c.wild", org, sizeof org),
	    0);
	ck_assert_str_eq(org, "b.c.wild");
	ck_assert_int_eq(guard_orgdomain(psl, "x.keep.wild", org, sizeof org),
	    0);
	ck_assert_str_eq(org, "keep.wild");
	ck_assert_int_eq(guard_orgdomain(psl, "a.b.example.co.uk", org,
			     sizeof org),
	    0);
	ck_assert_str_eq(org, "co.uk"); /* not in this list: "*" */
	guard_psl_free(psl);
	unlink(own);
	/* a file that is not there: an error naming it, no list */
	ck_assert_int_eq(guard_psl_load("/nonexistent/psl.dat", &psl, err,
			     sizeof err),
	    -1);
	ck_assert_ptr_null(psl);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/psl.dat"));
}
END_TEST

START_TEST(checks_in_parallel)
{
	struct timespec t0, t1;
	char sel[16];
	long ms;
	int i;

	for (i = 0; i < 24; i++) {
		snprintf(sel, sizeof sel, "s%d", i);
		guard_add_key(g, "example.com", sel, key_a, GUARD_ACT_TEMPFAIL);
	}
	fake_delay_ms = 200; /* a slow DNS server */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_uint_eq(guard_check_all(g), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	ck_assert_uint_eq(fake_queries, 24);
	ck_assert_int_lt(ms, 24 * 200 / 2); /* not one after another */
	ck_assert_uint_eq(lg.n, 25);        /* 24 rows in order + total */
	ck_assert_ptr_nonnull(strstr(lg.line[0], "s=s0:"));
	ck_assert_ptr_nonnull(strstr(lg.line[23], "s=s23:"));
	fake_delay_ms = 0;
}
END_TEST

START_TEST(refresher_thread)
{
	guard *tg;
	struct guard_conf gc;

	guard_conf_init(&gc);
	gc.cache = cache;
	gc.psl_path = "";
	ck_assert_int_eq(guard_new(&gc, &tg), DKIM_OK); /* real clock */
	guard_add_key(tg, "example.com", "s1", key_a, GUARD_ACT_TEMPFAIL);
	ck_assert_int_eq(guard_start(tg), 0);
	guard_free(tg); /* stops and joins promptly */
}
END_TEST

START_TEST(strings)
{
	guard_action a;

	ck_assert_int_eq(guard_action_parse("Hold", &a), 0);
	ck_assert_int_eq(a, GUARD_ACT_HOLD);
	ck_assert_int_eq(guard_action_parse("reject", &a), -1);
	ck_assert_str_eq(guard_action_str(GUARD_ACT_UNSIGNED), "unsigned");
	ck_assert_str_eq(guard_state_str(GUARD_TEMPERROR), "dns-temperror");
	ck_assert_str_eq(guard_state_str(GUARD_BADRECORD), "bad-record");
}
END_TEST

/* fresh_guard - a guard in GuardMaxAge mode (no authoritative queries) */
static guard *
fresh_guard(unsigned max_age, unsigned rate)
{
	struct guard_conf gc;
	guard *gg;

	guard_conf_init(&gc);
	gc.cache = cache;
	gc.max_age = max_age;
	gc.query_rate = rate;
	gc.psl_path = "";
	gc.log = tu_log_capture;
	gc.log_arg = &lg;
	gc.clock = tu_clock;
	gc.clock_arg = &clk;
	ck_assert_int_eq(guard_new(&gc, &gg), DKIM_OK);
	return gg;
}

/* a change is seen within GuardMaxAge whatever the TTL; a fix within 2 s */
START_TEST(fresh_ttl_independent)
{
	struct guard_info in;
	struct guard_fresh f;
	guard_entry *e;
	time_t changed, fixed;
	unsigned steps, want_backoff[] = {1, 2, 4, 8, 8};
	size_t k;

	guard_free(g);
	g = fresh_guard(10, 200);
	publish(DKIM_DNS_OK, 3600, "%s", rec_a);
	e = guard_add_key(g, "example.com", "s1", key_a, GUARD_ACT_TEMPFAIL);
	ck_assert_uint_eq(guard_check_all(g), 0);
	guard_freshness(g, &f);
	ck_assert_uint_eq(f.window, 10);
	ck_assert_uint_eq(f.keys, 1);
	/* another key published right after the check: the worst case */
	publish(DKIM_DNS_OK, 3600, "v=DKIM1; k=ed25519; p=%s", pub_b);
	changed = clk;
	for (steps = 0; steps < 20; steps++) {
		guard_entry_info(e, &in);
		if (in.state != GUARD_VALID)
			break;
		clk++;
		(void)guard_refresh_due(g);
	}
	guard_entry_info(e, &in);
	ck_assert_int_eq(in.state, GUARD_MISMATCH);
	ck_assert_int_le(in.checked - changed, 10);
	/* not valid: re-checked after 1, 2, 4, 8 s, then every 8 s */
	for (k = 0; k < sizeof want_backoff / sizeof *want_backoff; k++) {
		guard_entry_info(e, &in);
		ck_assert_uint_eq(in.backoff, want_backoff[k]);
		ck_assert_int_eq(in.next_check - in.checked, want_backoff[k]);
		clk = in.next_check;
		(void)guard_refresh_due(g);
	}
	/* a message finding the key not valid makes it due now, once a
	 * second at most, whatever the back-off */
	{
		struct guard_verdict v;

		guard_entry_info(e, &in);
		ck_assert_int_gt(in.next_check, clk + 1);
		guard_query(e, &v); /* checked this second: no change */
		guard_entry_info(e, &in);
		ck_assert_int_gt(in.next_check, clk + 1);
		clk++;
		guard_query(e, &v);
		ck_assert_int_eq(v.decision, GUARD_DO_TEMPFAIL);
		guard_entry_info(e, &in);
		ck_assert_int_eq(in.next_check, clk);
		(void)guard_refresh_due(g);
		guard_entry_info(e, &in);
		ck_assert_int_eq(in.checked, clk);
	}
	/* fixed between two checks: seen within 2 s at the start of the
	 * back-off (here reset by the operator's re-check) */
	ck_assert_uint_eq(guard_recheck(g, "example.com", "s1"), 1);
	ck_assert_uint_eq(guard_recheck(g, "example.com", "nope"), 0);
	(void)guard_refresh_due(g); /* still mismatch, back-off 1 s */
	publish(DKIM_DNS_OK, 3600, "%s", rec_a);
	fixed = clk;
	for (steps = 0; steps < 5; steps++) {
		guard_entry_info(e, &in);
		if (in.state == GUARD_VALID)
			break;
		clk++;
		(void)guard_refresh_due(g);
	}
	guard_entry_info(e, &in);
	ck_assert_int_eq(in.state, GUARD_VALID);
	ck_assert_int_le(in.checked - fixed, 2);
	ck_assert_uint_eq(in.backoff, 0);
	ck_assert_int_eq(in.next_check - in.checked, 8);
	ck_assert_str_eq(guard_via_str(in.via), "resolver");
}
END_TEST

/* 1,000 keys at 100 checks/s: the window grows to 12 s, checks are
 * spread evenly and no second goes over the budget */
START_TEST(fresh_budget_spread)
{
	struct guard_fresh f;
	char sel[32];
	unsigned before, per, max = 0, total = 0, sec;
	size_t i;

	guard_free(g);
	g = fresh_guard(10, 100);
	publish(DKIM_DNS_OK, 60, "%s", rec_a);
	for (i = 0; i < 1000; i++) {
		snprintf(sel, sizeof sel, "s%zu", i);
		ck_assert_ptr_nonnull(guard_add_key(g, "example.com", sel,
		    key_a, GUARD_ACT_TEMPFAIL));
	}
	ck_assert_uint_eq(guard_check_all(g), 0);
	guard_freshness(g, &f);
	ck_assert_uint_eq(f.window, 12); /* 1000 / 100 + 2 */
	ck_assert_uint_eq(f.keys, 1000);
	/* one period (10 s) checks every key once, 100 a second */
	for (sec = 1; sec <= 10; sec++) {
		clk++;
		before = fake_queries;
		(void)guard_refresh_due(g);
		per = fake_queries - before;
		total += per;
		if (per > max)
			max = per;
	}
	ck_assert_uint_le(max, 100);
	ck_assert_uint_ge(max, 90);
	ck_assert_uint_eq(total, 1000);
	/* more keys added while running: the new window is logged once */
	for (i = 1000; i < 1300; i++) {
		snprintf(sel, sizeof sel, "s%zu", i);
		ck_assert_ptr_nonnull(guard_add_key(g, "example.com", sel,
		    key_a, GUARD_ACT_TEMPFAIL));
	}
	lg.n = 0;
	clk++;
	(void)guard_refresh_due(g);
	clk++;
	(void)guard_refresh_due(g);
	for (i = 0, per = 0; i < lg.n && i < TU_LOG_LINES; i++)
		per += strstr(lg.line[i],
			   "window now 15 s (GuardMaxAge 10 s; "
			   "1300 key(s)") != NULL;
	ck_assert_uint_eq(per, 1);
	/* everything due at once (a re-check of all): still 100 a second */
	ck_assert_uint_eq(guard_recheck(g, NULL, NULL), 1300);
	clk++;
	before = fake_queries;
	(void)guard_refresh_due(g);
	ck_assert_uint_eq(fake_queries - before, 100);
	clk++;
	before = fake_queries;
	(void)guard_refresh_due(g);
	ck_assert_uint_eq(fake_queries - before, 100);
}
END_TEST

/* the refresher's DNS queries a second for 10, 1,000 and 10,000 keys at
 * the defaults (GuardMaxAge 10, GuardQueryRate 200), over 120 s */
START_TEST(fresh_rates)
{
	static const size_t sizes[] = {10, 1000, 10000};
	struct guard_fresh f;
	unsigned before, per, max, total, sec, want_period;
	char sel[32];
	size_t i, n = sizes[_i];

	guard_free(g);
	g = fresh_guard(10, 200);
	publish(DKIM_DNS_OK, 60, "%s", rec_a);
	for (i = 0; i < n; i++) {
		snprintf(sel, sizeof sel, "s%zu", i);
		ck_assert_ptr_nonnull(guard_add_key(g, "example.com", sel,
		    key_a, GUARD_ACT_TEMPFAIL));
	}
	ck_assert_uint_eq(guard_check_all(g), 0);
	guard_freshness(g, &f);
	want_period = n / 200 > 8 ? (unsigned)(n / 200) : 8;
	ck_assert_uint_eq(f.window, want_period + 2);
	max = total = 0;
	for (sec = 1; sec <= 120; sec++) {
		clk++;
		before = fake_queries;
		(void)guard_refresh_due(g);
		per = fake_queries - before;
		total += per;
		if (per > max)
			max = per;
	}
	ck_assert_uint_le(max, 200);
	/* every key checked once per period, no more */
	ck_assert_uint_ge(total, (unsigned)(n * 120 / want_period) - n);
	ck_assert_uint_le(total, (unsigned)(n * 120 / want_period) + n);
	printf("FRESH: %zu keys: window %u s, %.1f queries/s on average, "
	       "%u at most in one second\n",
	    n, f.window, total / 120.0, max);
}
END_TEST

/* unchecked - how many of the n entries are not checked yet */
static unsigned
unchecked(guard_entry **e, size_t n)
{
	struct guard_info in;
	unsigned k = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		guard_entry_info(e[i], &in);
		k += in.state == GUARD_UNCHECKED;
	}
	return k;
}

/* logged_once - 1 when exactly one captured line contains s */
static int
logged_once(const char *s)
{
	unsigned i, k = 0;

	for (i = 0; i < lg.n && i < TU_LOG_LINES; i++)
		k += strstr(lg.line[i], s) != NULL;
	return k == 1;
}

/* start-up and reload within the query budget: one second's worth of
 * keys checked at once, the rest by the refresher at the rate and ahead
 * of any re-check; a message for a key not checked yet checks it first;
 * keys a reload inherits are not asked again */
START_TEST(fresh_start_budget)
{
	guard_entry *e[55];
	struct guard_verdict v;
	unsigned before, sec;
	char sel[32];
	size_t i;
	guard *g2;

	guard_free(g);
	g = fresh_guard(10, 10);
	publish(DKIM_DNS_OK, 3600, "%s", rec_a);
	for (i = 0; i < 50; i++) {
		snprintf(sel, sizeof sel, "s%zu", i);
		e[i] = guard_add_key(g, "example.com", sel, key_a,
		    GUARD_ACT_TEMPFAIL);
		ck_assert_ptr_nonnull(e[i]);
	}
	lg.n = 0;
	ck_assert_uint_eq(guard_check_start(g), 0);
	ck_assert_uint_eq(fake_queries, 10);
	ck_assert_uint_eq(unchecked(e, 50), 40);
	ck_assert(logged_once("guard: 50 key(s): 10 checked now, 40 never "
			      "checked and 0 known from before the reload "
			      "left to the refresher (GuardQueryRate 10/s, "
			      "all within 4 s), 0 not valid"));
	(void)guard_refresh_due(g); /* the same second: budget spent */
	ck_assert_uint_eq(fake_queries, 10);
	guard_query(e[49], &v); /* a message checks its key first */
	ck_assert_int_eq(v.state, GUARD_VALID);
	ck_assert_uint_eq(fake_queries, 11);
	for (sec = 1; sec <= 4; sec++) {
		clk++;
		before = fake_queries;
		(void)guard_refresh_due(g);
		ck_assert_uint_eq(fake_queries - before, 10);
		ck_assert_uint_eq(unchecked(e, 50),
		    sec < 4 ? 39 - 10 * sec : 0);
	}
	for (sec = 0; sec < 20; sec++) { /* then the steady state */
		clk++;
		before = fake_queries;
		(void)guard_refresh_due(g);
		ck_assert_uint_le(fake_queries - before, 10);
	}
	/* a reload with 5 more keys: those first, then inherited ones
	 * within the same one second's budget; the rest keep their state */
	g2 = fresh_guard(10, 10);
	for (i = 0; i < 55; i++) {
		snprintf(sel, sizeof sel, "s%zu", i);
		e[i] = guard_add_key(g2, "example.com", sel, key_a,
		    GUARD_ACT_TEMPFAIL);
	}
	guard_inherit(g2, g);
	lg.n = 0;
	before = fake_queries;
	ck_assert_uint_eq(guard_check_start(g2), 0);
	ck_assert_uint_eq(fake_queries - before, 10);
	ck_assert_uint_eq(unchecked(e, 55), 0);
	ck_assert(logged_once("guard: 55 key(s): 10 checked now, 0 never "
			      "checked and 45 known from before the reload "
			      "left to the refresher"));
	guard_free(g2);
}
END_TEST

static Suite *
guard_suite(void)
{
	Suite *s = suite_create("guard");
	TCase *tc = tcase_create("guard");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, states, 0,
	    sizeof state_cases / sizeof *state_cases);
	tcase_add_loop_test(tc, actions, 0, 4);
	tcase_add_test(tc, transitions_logged_once);
	tcase_add_test(tc, lenient_tag_valid_and_warned);
	tcase_add_test(tc, refresh_before_ttl);
	tcase_add_test(tc, temperror_grace);
	tcase_add_test(tc, temperror_never_good);
	tcase_add_test(tc, dry_run);
	tcase_add_test(tc, several_records);
	tcase_add_test(tc, unchecked_checked_on_query);
	tcase_add_test(tc, counters_and_inherit);
	tcase_add_test(tc, keyrec_parsed_once);
	tcase_add_test(tc, table_text);
	tcase_add_test(tc, zone_record_split);
	tcase_add_test(tc, alignment);
	tcase_add_test(tc, checks_in_parallel);
	tcase_add_test(tc, refresher_thread);
	tcase_add_test(tc, strings);
	tcase_add_test(tc, fresh_ttl_independent);
	tcase_add_test(tc, fresh_budget_spread);
	tcase_add_loop_test(tc, fresh_rates, 0, 3);
	tcase_add_test(tc, fresh_start_budget);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(guard_suite());
}
