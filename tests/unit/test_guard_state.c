/*
 * test_guard_state.c - Check tests for common/guard/guard_state.c: the
 * last good key checks kept in GuardStateFile across a restart.
 *
 * A fake dkim_lookup behind a real dnscache, an injected clock and a log
 * callback, as in test_guard.c.  A first guard checks and saves; a
 * second one (the restart) loads the file and meets DNS failing: a key
 * valid at its last check signs within GuardGrace counted from that
 * check, a key never seen valid (another key under the same selector, a
 * corrupt or foreign file) follows its action; a key added after the
 * load (a '%' key on first use) takes its line too.  Also: when the file is
 * written (a change at once, otherwise every state_every seconds), what
 * goes in it, and the grace wording of the transition log line.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "common/guard/guard.h"
#include "common/guard/guard_state.h"
#include "testutil.h"

static time_t clk;
static dkim_dns_status fake_status;
static char fake_txt[1024];
static struct tu_log lg;
static dkim_key *key_a, *key_b;
static char *rec_a, *rec_b;
static dnscache *cache;
static char dir[256], path[300];

static dkim_rc
fake_query(void *ctx, const char *name, dkim_txt_answer *ans)
{
	memset(ans, 0, sizeof *ans);
	ans->status = fake_status;
	ans->ttl = 300;
	if (fake_status == DKIM_DNS_OK)
		dkim_txt_answer_add(ans, fake_txt, strlen(fake_txt));
	return DKIM_OK;
}

/* publish - the zone holds rec (status OK), or DNS fails with st */
static void
publish(dkim_dns_status st, const char *rec)
{
	fake_status = st;
	if (rec != NULL)
		snprintf(fake_txt, sizeof fake_txt, "%s", rec);
}

/* make_guard - a guard with the state file, grace 600 s */
static guard *
make_guard(void)
{
	struct guard_conf gc;
	guard *g;

	guard_conf_init(&gc);
	gc.cache = cache;
	gc.grace = 600;
	gc.psl_path = "";
	gc.log = tu_log_capture;
	gc.log_arg = &lg;
	gc.clock = tu_clock;
	gc.clock_arg = &clk;
	gc.state_file = path;
	gc.state_every = 300;
	ck_assert_int_eq(guard_new(&gc, &g), DKIM_OK);
	return g;
}

static void
setup(void)
{
	struct dnscache_conf cc;
	dkim_lookup lk = {fake_query, NULL};

	clk = 1700000000;
	lg.n = 0;
	key_a = tu_keygen(DKIM_KEY_ED25519, 0);
	key_b = tu_keygen(DKIM_KEY_ED25519, 0);
	ck_assert_int_eq(dkim_key_record(key_a, &rec_a), DKIM_OK);
	ck_assert_int_eq(dkim_key_record(key_b, &rec_b), DKIM_OK);
	dnscache_conf_init(&cc);
	cc.clock = tu_clock;
	cc.clock_arg = &clk;
	ck_assert_int_eq(dnscache_new(&cc, lk, &cache), DKIM_OK);
	tu_tmpdir(dir, sizeof dir, "guard-state");
	snprintf(path, sizeof path, "%s/guard.state", dir);
	publish(DKIM_DNS_OK, rec_a);
}

static void
teardown(void)
{
	dnscache_free(cache);
	dkim_key_free(key_a);
	dkim_key_free(key_b);
	free(rec_a);
	free(rec_b);
	tu_rmtree(dir);
}

/* logged - the first captured line containing s, or NULL */
static const char *
logged(const char *s)
{
	unsigned i;

	for (i = 0; i < lg.n; i++)
		if (strstr(lg.line[i], s) != NULL)
			return lg.line[i];
	return NULL;
}

/* first_run - key_a at example.com/s1 checked valid and saved */
static void
first_run(void)
{
	guard *g = make_guard();

	ck_assert_ptr_nonnull(
	    guard_add_key(g, "example.com", "s1", key_a, GUARD_ACT_TEMPFAIL));
	ck_assert_uint_eq(guard_check_all(g), 0);
	ck_assert_int_eq(guard_state_save(g), 0);
	guard_free(g);
}

/* restart - a new guard with key k loading the file; DNS fails */
static guard *
restart(dkim_key *k, int expect_loaded, guard_entry **e)
{
	guard *g = make_guard();

	*e = guard_add_key(g, "example.com", "s1", k, GUARD_ACT_TEMPFAIL);
	ck_assert_ptr_nonnull(*e);
	ck_assert_int_eq(guard_load_state(g), expect_loaded);
	publish(DKIM_DNS_SERVFAIL, NULL);
	guard_check_all(g);
	return g;
}

START_TEST(restart_within_grace_signs)
{
	struct guard_verdict v;
	guard_entry *e;
	guard *g;
	char *rec;

	first_run();
	clk += 100; /* restarted 100 s after the last good check */
	lg.n = 0;
	g = restart(key_a, 1, &e);
	guard_query(e, &v);
	ck_assert_int_eq(v.state, GUARD_TEMPERROR);
	ck_assert_int_eq(v.decision, GUARD_DO_SIGN);
	ck_assert_int_eq(v.grace, 1);
	/* 600 s of grace from the check on disk: 500 left */
	ck_assert_ptr_nonnull(strstr(v.problem, "500 more seconds"));
	/* the self-check record is the one found valid then */
	ck_assert_int_eq(guard_record(e, &rec), DKIM_OK);
	ck_assert_str_eq(rec, rec_a);
	free(rec);
	/* the table row tells the truth about grace (00:01:40 + 600 s) */
	ck_assert_ptr_nonnull(
	    logged("within grace until 22:23:20 UTC, then tempfail"));
	ck_assert_ptr_null(logged("action tempfail"));
	clk += 499;
	guard_query(e, &v);
	ck_assert_int_eq(v.decision, GUARD_DO_SIGN);
	clk += 1; /* grace over: the action */
	guard_query(e, &v);
	ck_assert_int_eq(v.decision, GUARD_DO_TEMPFAIL);
	guard_free(g);
}
END_TEST

START_TEST(restart_after_grace_follows_action)
{
	struct guard_verdict v;
	guard_entry *e;
	guard *g;

	first_run();
	clk += 600;
	g = restart(key_a, 1, &e);
	guard_query(e, &v);
	ck_assert_int_eq(v.decision, GUARD_DO_TEMPFAIL);
	ck_assert_int_eq(v.grace, 0);
	guard_free(g);
}
END_TEST

START_TEST(other_key_is_never_seen)
{
	struct guard_verdict v;
	guard_entry *e;
	guard *g;

	first_run();
	clk += 10;
	g = restart(key_b, 0, &e); /* same d= and s=, another p= */
	guard_query(e, &v);
	ck_assert_int_eq(v.decision, GUARD_DO_TEMPFAIL);
	ck_assert_int_eq(v.grace, 0);
	guard_free(g);
}
END_TEST

START_TEST(corrupt_file_ignored)
{
	static const char *const bad[] = {
	    "%s\nexample.com s1 notanumber %s\n",              /* line 2 */
	    "%s\nexample.com s1 1699999999 %s\nexample.com\n", /* line 3 */
	    "not ours\nexample.com s1 1699999999 %s%s\n",      /* line 1 */
	};
	static const unsigned badline[] = {2, 3, 1};
	struct guard_verdict v;
	char text[2048], want[400];
	guard_entry *e;
	unsigned i;
	guard *g;
	FILE *fp;

	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		first_run(); /* a good file, then overwritten */
		fp = fopen(path, "w");
		ck_assert_ptr_nonnull(fp);
		if (i < 2)
			snprintf(text, sizeof text, bad[i], GUARD_STATE_MAGIC,
			    rec_a);
		else
			snprintf(text, sizeof text, bad[i], rec_a, "");
		fputs(text, fp);
		fclose(fp);
		lg.n = 0;
		publish(DKIM_DNS_OK, rec_a);
		g = restart(key_a, -1, &e);
		snprintf(want, sizeof want, "%s:%u: ", path, badline[i]);
		ck_assert_msg(logged(want) != NULL, "case %u: no warning %s", i,
		    want);
		guard_query(e, &v);
		ck_assert_int_eq(v.decision, GUARD_DO_TEMPFAIL);
		guard_free(g);
		publish(DKIM_DNS_OK, rec_a);
	}
	ck_assert_uint_eq(i, 3);
}
END_TEST

START_TEST(key_added_later_restored)
{
	struct guard_verdict v;
	guard_entry *e;
	guard *g;

	first_run();
	clk += 50;
	g = make_guard();
	/* nothing in the table at load: a '%' key is added on first use */
	ck_assert_int_eq(guard_load_state(g), 0);
	publish(DKIM_DNS_SERVFAIL, NULL);
	e = guard_add_key(g, "example.com", "s1", key_a, GUARD_ACT_TEMPFAIL);
	ck_assert_ptr_nonnull(e);
	guard_query(e, &v); /* checked now: temperror */
	ck_assert_int_eq(v.decision, GUARD_DO_SIGN);
	ck_assert_int_eq(v.grace, 1);
	ck_assert_ptr_nonnull(strstr(v.problem, "550 more seconds"));
	/* another key under the same names is still never seen */
	e = guard_add_key(g, "example.com", "s1", key_b, GUARD_ACT_TEMPFAIL);
	guard_query(e, &v);
	ck_assert_int_eq(v.decision, GUARD_DO_TEMPFAIL);
	guard_free(g);
}
END_TEST

START_TEST(missing_file_is_quiet)
{
	guard_entry *e;
	guard *g = make_guard();

	e = guard_add_key(g, "example.com", "s1", key_a, GUARD_ACT_TEMPFAIL);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(guard_load_state(g), 0);
	ck_assert_ptr_null(logged("warning"));
	ck_assert_ptr_null(logged(path));
	guard_free(g);
}
END_TEST

START_TEST(written_on_change_else_every_n)
{
	guard_entry *e;
	guard *g = make_guard();
	char *text;

	e = guard_add_key(g, "example.com", "s1", key_a, GUARD_ACT_TEMPFAIL);
	guard_check_all(g); /* unchecked -> valid: a change */
	guard_state_tick(g);
	text = tu_read_file(path, NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "example.com s1 1700000000 "));
	ck_assert_ptr_nonnull(strstr(text, rec_a));
	free(text);
	unlink(path);
	clk += 60;
	guard_check(e); /* valid again: no change, 60 s < 300 s */
	guard_state_tick(g);
	ck_assert_int_ne(access(path, F_OK), 0);
	clk += 240; /* 300 s since the write */
	guard_state_tick(g);
	text = tu_read_file(path, NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "example.com s1 1700000060 "));
	free(text);
	unlink(path);
	clk += 1;
	publish(DKIM_DNS_OK, rec_b); /* valid -> mismatch: at once */
	guard_check(e);
	guard_state_tick(g);
	text = tu_read_file(path, NULL);
	ck_assert_ptr_nonnull(text);
	/* a key known not to match is not kept as good */
	ck_assert_ptr_null(strstr(text, "example.com s1"));
	free(text);
	guard_free(g);
}
END_TEST

START_TEST(write_failure_logged_once)
{
	guard *g;
	unsigned i, n = 0;

	snprintf(path, sizeof path, "%s/no/such/folder/guard.state", dir);
	g = make_guard();
	ck_assert_ptr_nonnull(
	    guard_add_key(g, "example.com", "s1", key_a, GUARD_ACT_TEMPFAIL));
	guard_check_all(g);
	ck_assert_int_eq(guard_state_save(g), -1);
	ck_assert_int_eq(guard_state_save(g), -1);
	for (i = 0; i < lg.n; i++)
		n += strstr(lg.line[i], "cannot keep the key checks") != NULL;
	ck_assert_uint_eq(n, 1);
	guard_free(g);
}
END_TEST

/*
 * a start within the query budget checks keys never seen valid first;
 * a restored key left to the refresher follows the start-up rule when a
 * message needs it first: DNS down, it signs within GuardGrace
 */
START_TEST(start_budget_restored_last)
{
	struct guard_conf gc;
	struct guard_verdict v;
	struct guard_info in;
	guard_entry *e1, *e2;
	guard *g;

	first_run();
	clk += 100;
	guard_conf_init(&gc);
	gc.cache = cache;
	gc.grace = 600;
	gc.psl_path = "";
	gc.clock = tu_clock;
	gc.clock_arg = &clk;
	gc.state_file = path;
	gc.max_age = 10;
	gc.query_rate = 1; /* one check a second */
	ck_assert_int_eq(guard_new(&gc, &g), DKIM_OK);
	e1 = guard_add_key(g, "example.com", "s1", key_a, GUARD_ACT_TEMPFAIL);
	e2 = guard_add_key(g, "example.com", "s2", key_b, GUARD_ACT_TEMPFAIL);
	ck_assert_int_eq(guard_load_state(g), 1);
	publish(DKIM_DNS_SERVFAIL, NULL);
	guard_check_start(g);
	guard_entry_info(e2, &in);
	ck_assert_int_eq(in.state, GUARD_TEMPERROR); /* never seen: first */
	guard_entry_info(e1, &in);
	ck_assert_int_eq(in.state, GUARD_UNCHECKED);
	guard_query(e1, &v);
	ck_assert_int_eq(v.state, GUARD_TEMPERROR);
	ck_assert_int_eq(v.decision, GUARD_DO_SIGN);
	ck_assert_int_eq(v.grace, 1);
	guard_query(e2, &v);
	ck_assert_int_eq(v.decision, GUARD_DO_TEMPFAIL);
	guard_free(g);
}
END_TEST

Suite *
guard_state_suite(void)
{
	Suite *s = suite_create("guard_state");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, restart_within_grace_signs);
	tcase_add_test(tc, restart_after_grace_follows_action);
	tcase_add_test(tc, other_key_is_never_seen);
	tcase_add_test(tc, corrupt_file_ignored);
	tcase_add_test(tc, key_added_later_restored);
	tcase_add_test(tc, missing_file_is_quiet);
	tcase_add_test(tc, written_on_change_else_every_n);
	tcase_add_test(tc, write_failure_logged_once);
	tcase_add_test(tc, start_budget_restored_last);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(guard_state_suite());
}
