/*
 * test_guard_live.c - the guard and the resolver against a real DNS server.
 *
 * Run by tests/e2e/run-guard-dns.sh, which starts unbound on 127.0.0.1,
 * writes the zone (see that script for the names), makes the keys and
 * sets:
 *	DKIMGUARD_DNS_PORT	unbound's port
 *	DKIMGUARD_DNS_SILENT	a port that never answers (timeouts)
 *	DKIMGUARD_LIVE_DIR	keys (rsa.pem, ed.pem), fix.sh, fetched/
 * Without DKIMGUARD_DNS_PORT (plain "make check-unit") it prints why and
 * passes without testing anything: the script is where it runs.
 *
 * Every check goes through the real stack (resolver -> dnscache ->
 * guard).  Records fetched by the resolver are written to fetched/ so the
 * script can have dkimpy verify signatures against exactly those bytes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "common/guard/guard.h"
#include "common/dns/lookup_dns.h"
#include "testutil.h"

static const char *dir;
static struct tu_log lg; /* the guard's log lines */

/* ms_since - elapsed milliseconds */
static long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	    (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* stack - resolver + cache on port (env), timeout_ms per try */
static lookup_dns *
stack(const char *portenv, unsigned timeout_ms)
{
	struct resolver_conf rc;
	struct dnscache_conf cc;
	lookup_dns *ld;
	char ns[64], err[256];

	resolver_conf_init(&rc);
	rc.timeout_ms = timeout_ms;
	rc.retries = 1;
	snprintf(ns, sizeof ns, "127.0.0.1:%s", getenv(portenv));
	ck_assert_msg(resolver_conf_add_ns(&rc, ns, err, sizeof err) == 0, "%s",
	    err);
	dnscache_conf_init(&cc);
	ck_assert_msg(lookup_dns_new(&rc, &cc, &ld, err, sizeof err) == 0, "%s",
	    err);
	return ld;
}

/* key - a key file of DKIMGUARD_LIVE_DIR */
static dkim_key *
key(const char *file)
{
	char path[512];

	snprintf(path, sizeof path, "%s/%s", dir, file);
	return tu_key_file(path);
}

static guard *
make_guard(lookup_dns *ld, unsigned retry)
{
	struct guard_conf gc;
	guard *g;

	lg.n = 0;
	guard_conf_init(&gc);
	gc.cache = lookup_dns_cache(ld);
	gc.min_refresh = 1;
	gc.retry = retry;
	gc.log = tu_log_capture;
	gc.log_arg = &lg;
	ck_assert_int_eq(guard_new(&gc, &g), DKIM_OK);
	return g;
}

/* save - write what the resolver fetched at name to fetched/<file> */
static void
save(lookup_dns *ld, const char *name, const char *file)
{
	dkim_txt_answer a;
	char path[512];
	FILE *fp;

	ck_assert_int_eq(resolver_txt(lookup_dns_resolver(ld), name, &a),
	    DKIM_OK);
	ck_assert_int_eq(a.status, DKIM_DNS_OK);
	ck_assert_uint_eq(a.count, 1);
	snprintf(path, sizeof path, "%s/fetched/%s", dir, file);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fputs(a.txt[0], fp);
	fclose(fp);
	dkim_txt_answer_clear(&a);
}

/* the zone written by run-guard-dns.sh and what the guard must say */
static const struct {
	const char *domain, *selector, *keyfile;
	guard_state state;
	const char *problem;
} cases[] = {
    {"example.test", "good", "rsa.pem", GUARD_VALID, ""},
    {"example.test", "split", "rsa.pem", GUARD_VALID, ""},
    {"example.test", "ed", "ed.pem", GUARD_VALID, ""},
    {"example.test", "cname", "rsa.pem", GUARD_VALID, ""},
    {"example.test", "wrong", "rsa.pem", GUARD_MISMATCH, "not the public half"},
    {"example.test", "missing", "rsa.pem", GUARD_MISSING, "NXDOMAIN"},
    {"example.test", "revoked", "rsa.pem", GUARD_REVOKED, "revoked"},
    {"example.test", "ktype", "rsa.pem", GUARD_WRONGTYPE, "k=ed25519"},
    {"example.test", "multi", "rsa.pem", GUARD_MISMATCH, "2 TXT records"},
    {"broken.test", "sel", "rsa.pem", GUARD_TEMPERROR, "SERVFAIL"},
};

START_TEST(states)
{
	lookup_dns *ld = stack("DKIMGUARD_DNS_PORT", 1000);
	dkim_key *k = key(cases[_i].keyfile);
	guard *g = make_guard(ld, 60);
	guard_entry *e = guard_add_key(g, cases[_i].domain, cases[_i].selector,
	    k, GUARD_ACT_TEMPFAIL);
	struct guard_verdict v;
	char *fix;

	guard_check_all(g);
	guard_query(e, &v);
	printf("live: %s/%s: %s %s\n", cases[_i].domain, cases[_i].selector,
	    guard_state_str(v.state), v.problem);
	ck_assert_str_eq(guard_state_str(v.state),
	    guard_state_str(cases[_i].state));
	ck_assert_ptr_nonnull(strstr(v.problem, cases[_i].problem));
	if (v.state == GUARD_VALID) {
		ck_assert_int_eq(v.decision, GUARD_DO_SIGN);
	} else {
		ck_assert_int_eq(v.decision, GUARD_DO_TEMPFAIL);
		ck_assert_ptr_nonnull(strstr(v.reply, cases[_i].selector));
		ck_assert_int_eq(guard_fix(e, &fix), DKIM_OK);
		printf("live:   fix: %.100s...\n", fix);
		if (v.state != GUARD_TEMPERROR) /* the log names the fix */
			ck_assert_ptr_nonnull(strstr(lg.line[0], fix));
		free(fix);
	}
	guard_free(g);
	dkim_key_free(k);
	lookup_dns_free(ld);
}
END_TEST

/* big_over_tcp - 12 strings of 250 bytes: truncated over UDP, TCP */
static void
big_over_tcp(lookup_dns *ld)
{
	dkim_txt_answer a;
	size_t i;

	ck_assert_int_eq(resolver_txt(lookup_dns_resolver(ld),
			     "big.example.test", &a),
	    DKIM_OK);
	ck_assert_int_eq(a.status, DKIM_DNS_OK);
	ck_assert_uint_eq(strlen(a.txt[0]), 3000);
	for (i = 0; i < 3000; i++)
		ck_assert_int_eq(a.txt[0][i], 'a' + (int)(i / 250));
	dkim_txt_answer_clear(&a);
}

START_TEST(fetched_records)
{
	lookup_dns *ld = stack("DKIMGUARD_DNS_PORT", 1000);
	dkim_key *k = key("rsa.pem");
	char *want, path[512], *got;

	save(ld, "good._domainkey.example.test", "good");
	save(ld, "split._domainkey.example.test", "split");
	save(ld, "cname._domainkey.example.test", "cname");
	save(ld, "ed._domainkey.example.test", "ed");
	/* the concatenated strings are byte for byte the record published */
	ck_assert_int_eq(dkim_key_record(k, &want), DKIM_OK);
	snprintf(path, sizeof path, "%s/fetched/split", dir);
	ck_assert_ptr_nonnull(got = tu_read_file(path, NULL));
	ck_assert_ptr_nonnull(strstr(got, strstr(want, "p=")));
	free(got);
	free(want);
	big_over_tcp(ld);
	dkim_key_free(k);
	lookup_dns_free(ld);
}
END_TEST

/* sign_msg - sign text with k as d=example.test s=sel; self-check the
 * signature against the record the guard found; write it to fetched/ */
static void
sign_msg(guard_entry *e, dkim_key *k, const char *sel, const char *out)
{
	static const char text[] =
	    "From: a@example.test\r\nTo: b@example.net"
	    "\r\nSubject: live\r\nDate: Thu, 1 Jan 2025 00:00:00 +0000\r\n"
	    "\r\nbody\r\n";
	dkim_sign_req req;
	dkim_sig_result r;
	dkim_keyrec *prec;
	dkim_msg *m;
	char *value, *rec, err[256], path[512];
	size_t idx;
	FILE *fp;

	dkim_sign_req_init(&req);
	req.domain = "example.test";
	req.selector = sel;
	req.key = k;
	ck_assert_int_eq(dkim_msg_new(NULL, &m), DKIM_OK);
	ck_assert_int_eq(dkim_msg_add_signer(m, &req, &idx, err, sizeof err),
	    DKIM_OK);
	ck_assert_int_eq(dkim_msg_write(m, text, sizeof text - 1), DKIM_OK);
	ck_assert_int_eq(dkim_msg_eom(m), DKIM_OK);
	ck_assert_int_eq(dkim_msg_sign(m, idx, &value, err, sizeof err),
	    DKIM_OK);
	ck_assert_int_eq(guard_record(e, &rec), DKIM_OK);
	ck_assert_int_eq(dkim_msg_check_signed(m, idx, rec, &r), DKIM_OK);
	ck_assert_msg(r.verdict == DKIM_PASS, "self-check: %s", r.reason);
	prec = guard_keyrec(e); /* the daemon's way: parsed once */
	ck_assert_int_eq(dkim_msg_check_signed_rec(m, idx, prec, &r), DKIM_OK);
	ck_assert_msg(r.verdict == DKIM_PASS, "self-check: %s", r.reason);
	dkim_keyrec_free(prec);
	snprintf(path, sizeof path, "%s/fetched/%s", dir, out);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fprintf(fp, "DKIM-Signature:%s\r\n%s", value, text);
	fclose(fp);
	free(rec);
	free(value);
	dkim_msg_free(m);
}

START_TEST(signed_and_self_verified)
{
	lookup_dns *ld = stack("DKIMGUARD_DNS_PORT", 1000);
	dkim_key *rsa = key("rsa.pem"), *ed = key("ed.pem");
	guard *g = make_guard(ld, 60);
	guard_entry *e1 =
	    guard_add_key(g, "example.test", "cname", rsa, GUARD_ACT_TEMPFAIL);
	guard_entry *e2 =
	    guard_add_key(g, "example.test", "ed", ed, GUARD_ACT_TEMPFAIL);

	ck_assert_uint_eq(guard_check_all(g), 0);
	sign_msg(e1, rsa, "cname", "signed-rsa.eml");
	sign_msg(e2, ed, "ed", "signed-ed25519.eml");
	guard_free(g);
	dkim_key_free(rsa);
	dkim_key_free(ed);
	lookup_dns_free(ld);
}
END_TEST

START_TEST(timeout_bounded)
{
	lookup_dns *ld = stack("DKIMGUARD_DNS_SILENT", 300);
	dkim_key *k = key("rsa.pem");
	guard *g = make_guard(ld, 60);
	guard_entry *e =
	    guard_add_key(g, "example.test", "good", k, GUARD_ACT_UNSIGNED);
	struct guard_verdict v;
	struct timespec t0;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	guard_check_all(g);
	ms = ms_since(&t0);
	guard_query(e, &v);
	printf("live: timeout after %ld ms: %s\n", ms, v.problem);
	ck_assert_int_eq(v.state, GUARD_TEMPERROR);
	ck_assert_ptr_nonnull(strstr(v.problem, "timed out"));
	ck_assert_int_eq(v.decision, GUARD_DO_UNSIGNED);
	ck_assert_int_ge(ms, 550);  /* 2 tries x 300 ms ... */
	ck_assert_int_lt(ms, 1500); /* ... and no more */
	guard_free(g);
	dkim_key_free(k);
	lookup_dns_free(ld);
}
END_TEST

START_TEST(fixed_while_running)
{
	lookup_dns *ld = stack("DKIMGUARD_DNS_PORT", 1000);
	dkim_key *k = key("rsa.pem");
	guard *g = make_guard(ld, 2);
	guard_entry *e =
	    guard_add_key(g, "example.test", "fixed", k, GUARD_ACT_TEMPFAIL);
	struct guard_verdict v;
	struct timespec t0, tq;
	char cmd[600];
	long ms, slowest = 0;
	unsigned i;

	guard_check_all(g);
	guard_query(e, &v);
	ck_assert_int_eq(v.state, GUARD_MISMATCH);
	ck_assert_int_eq(guard_start(g), 0);
	snprintf(cmd, sizeof cmd, "bash %s/fix.sh", dir);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(system(cmd), 0); /* the operator publishes */
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &tq);
		guard_query(e, &v); /* a message: never waits on DNS */
		if (ms_since(&tq) > slowest)
			slowest = ms_since(&tq);
		if (v.state == GUARD_VALID || ms_since(&t0) > 8000)
			break;
		nanosleep(&(struct timespec){0, 50000000}, NULL);
	}
	ms = ms_since(&t0);
	printf("live: fixed record seen %ld ms after the fix began (reload "
	       "included; slowest guard_query %ld ms)\n",
	    ms, slowest);
	ck_assert_int_eq(v.state, GUARD_VALID);
	ck_assert_int_eq(v.decision, GUARD_DO_SIGN);
	ck_assert_int_lt(ms, 4000); /* record TTL 2 s + one refresh */
	ck_assert_int_lt(slowest, 50);
	for (i = 0; i < lg.n; i++)
		if (strstr(lg.line[i], "mismatch -> valid") != NULL)
			break;
	ck_assert_msg(i < lg.n, "no \"mismatch -> valid\" log line");
	guard_free(g);
	dkim_key_free(k);
	lookup_dns_free(ld);
}
END_TEST

int
main(void)
{
	Suite *s;
	TCase *tc;

	if (getenv("DKIMGUARD_DNS_PORT") == NULL ||
	    (dir = getenv("DKIMGUARD_LIVE_DIR")) == NULL) {
		printf("test_guard_live: not run here: needs a DNS server; "
		       "tests/e2e/run-guard-dns.sh runs it\n");
		return EXIT_SUCCESS;
	}
	s = suite_create("guard_live");
	tc = tcase_create("live");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, states, 0, sizeof cases / sizeof *cases);
	tcase_add_test(tc, fetched_records);
	tcase_add_test(tc, signed_and_self_verified);
	if (getenv("DKIMGUARD_DNS_SILENT") != NULL)
		tcase_add_test(tc, timeout_bounded);
	tcase_add_test(tc, fixed_while_running);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
