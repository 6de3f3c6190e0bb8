/*
 * test_keytool_rotate.c - the keytool's rotation state machine with an
 * injected clock, its state file, durations and DKIMGUARD_NOW.
 *
 * The keytool's modules come from build/obj/libkeytool.a, which the
 * Makefile links into every unit test with the other layers.
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keytool/keytool.h"
#include "keytool/table.h"
#include "keytool/rotstate.h"
#include "testutil.h"

#define T0 ((time_t)1795000000) /* 2026-11-18T... UTC */
#define DAY 86400L

/* started - a record with a staged key at T0 */
static struct kt_rot
started(void)
{
	struct kt_rot r;

	memset(&r, 0, sizeof r);
	strcpy(r.domain, "example.com");
	kt_rot_start(&r, "s2", "k2", "s1", "k1", T0);
	return r;
}

/* test_full_cycle - idle -> staged -> retiring -> idle */
START_TEST(test_full_cycle)
{
	struct kt_rot r = started();
	char why[512];

	ck_assert(r.staged && !r.retiring);
	ck_assert_int_eq(kt_rot_can_start(&r, why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "already staged"));
	ck_assert_int_eq(kt_rot_can_retire(&r, T0, 0, why, sizeof why), -1);
	ck_assert_int_eq(kt_rot_can_activate(&r, why, sizeof why), 0);
	kt_rot_activate(&r, T0 + DAY);
	ck_assert(!r.staged && r.retiring);
	ck_assert_str_eq(r.ret_sel, "s1");
	ck_assert_str_eq(r.ret_key, "k1");
	ck_assert_int_eq(r.activated_at, T0 + DAY);
	ck_assert_int_eq(kt_rot_can_activate(&r, why, sizeof why), -1);
	ck_assert_int_eq(kt_rot_can_start(&r, why, sizeof why), -1);
	ck_assert_ptr_nonnull(strstr(why, "still retiring"));
	kt_rot_retire(&r);
	ck_assert(!r.staged && !r.retiring);
	ck_assert_int_eq(kt_rot_can_start(&r, why, sizeof why), 0);
	ck_assert_int_eq(kt_rot_can_start(NULL, why, sizeof why), 0);
	ck_assert_int_eq(kt_rot_can_activate(NULL, why, sizeof why), -1);
}
END_TEST

/* grace cases: seconds after activation, grace, may retire? */
static const struct {
	long after, grace;
	int ok;
} grace_cases[] = {
    {0, 7 * DAY, 0}, {7 * DAY - 1, 7 * DAY, 0}, {7 * DAY, 7 * DAY, 1},
    {30 * DAY, 7 * DAY, 1}, {0, 0, 1}, {3600, 2 * 3600, 0},
    {-10, 0, 0}, /* clock went back */
};

/* test_grace - retire only once the grace period since activation ends */
START_TEST(test_grace)
{
	struct kt_rot r = started();
	char why[512] = "";
	time_t act = T0 + DAY;

	kt_rot_activate(&r, act);
	ck_assert_int_eq(kt_rot_can_retire(&r, act + grace_cases[_i].after,
			     grace_cases[_i].grace, why, sizeof why),
	    grace_cases[_i].ok ? 0 : -1);
	if (!grace_cases[_i].ok)
		ck_assert_ptr_nonnull(strstr(why, "grace period ends"));
}
END_TEST

/* test_next - status texts say what the next step waits for */
START_TEST(test_next)
{
	struct kt_rot r = started();
	char buf[512];

	ck_assert_ptr_nonnull(
	    strstr(kt_rot_next(NULL, T0, DAY, -1, buf, sizeof buf),
		"no rotation"));
	ck_assert_ptr_nonnull(
	    strstr(kt_rot_next(&r, T0, DAY, 0, buf, sizeof buf),
		"waiting for s2._domainkey.example.com"));
	ck_assert_ptr_nonnull(
	    strstr(kt_rot_next(&r, T0, DAY, -1, buf, sizeof buf),
		"DNS lookup failed"));
	ck_assert_ptr_nonnull(
	    strstr(kt_rot_next(&r, T0, DAY, 1, buf, sizeof buf),
		"rotate activate -d example.com"));
	kt_rot_activate(&r, T0);
	kt_rot_next(&r, T0 + 3600, DAY, -1, buf, sizeof buf);
	ck_assert_ptr_nonnull(strstr(buf, "in 23h 0m"));
	ck_assert_ptr_nonnull(strstr(buf, "2026-11-19"));
	ck_assert_ptr_nonnull(
	    strstr(kt_rot_next(&r, T0 + DAY, DAY, -1, buf, sizeof buf),
		"grace period over"));
}
END_TEST

/* test_state_file - save, load back, bad lines refused */
START_TEST(test_state_file)
{
	char path[TU_PATH_MAX];
	struct kt_rotstate rs;
	struct kt_rot *r;
	FILE *fp;

	tu_write_tmp(path, sizeof path, ""); /* a fresh name */
	unlink(path);
	ck_assert_int_eq(kt_rotstate_load(&rs, path), 0); /* absent */
	ck_assert_uint_eq(rs.n, 0);
	r = kt_rotstate_get(&rs, "example.com", 1);
	kt_rot_start(r, "s2", "k2", "s1", "k1", T0);
	r = kt_rotstate_get(&rs, "example.org", 1);
	strcpy(r->ret_sel, "old");
	strcpy(r->ret_key, "oldkey");
	r->retiring = 1;
	r->activated_at = T0;
	kt_rotstate_get(&rs, "idle.example", 1);
	ck_assert_int_eq(kt_rotstate_save(&rs), 0);
	kt_rotstate_free(&rs);

	ck_assert_int_eq(kt_rotstate_load(&rs, path), 0);
	ck_assert_uint_eq(rs.n, 2); /* idle: no line */
	r = kt_rotstate_get(&rs, "EXAMPLE.COM", 0);
	ck_assert_ptr_nonnull(r);
	ck_assert(r->staged);
	ck_assert_str_eq(r->new_key, "k2");
	ck_assert_str_eq(r->old_sel, "s1");
	ck_assert_int_eq(r->staged_at, T0);
	r = kt_rotstate_get(&rs, "example.org", 0);
	ck_assert(r->retiring && !r->staged);
	ck_assert_int_eq(r->activated_at, T0);
	kt_rotstate_free(&rs);

	fp = fopen(path, "a");
	fputs("example.net retiring s1\n", fp);
	fclose(fp);
	ck_assert_int_eq(kt_rotstate_load(&rs, path), -1);
	unlink(path);
}
END_TEST

/* durations: text, seconds (-1 = refused) */
static const struct {
	const char *s;
	long v;
} dur_cases[] = {
    {"0", 0},
    {"600", 600},
    {"600s", 600},
    {"90m", 5400},
    {"36h", 129600},
    {"7d", 604800},
    {"", -1},
    {"d", -1},
    {"-1d", -1},
    {"3w", -1},
    {"1.5d", -1},
};

/* test_duration - --grace values */
START_TEST(test_duration)
{
	ck_assert_int_eq(kt_duration_parse(dur_cases[_i].s), dur_cases[_i].v);
}
END_TEST

/* test_clock - DKIMGUARD_NOW in both spellings */
START_TEST(test_clock)
{
	char buf[32];

	setenv("DKIMGUARD_NOW", "2026-11-23T06:00:00Z", 1);
	ck_assert_int_eq(kt_now(), 1795413600);
	ck_assert_str_eq(kt_time_fmt(kt_now(), buf, sizeof buf),
	    "2026-11-23T06:00:00Z");
	setenv("DKIMGUARD_NOW", "1795413601", 1);
	ck_assert_int_eq(kt_now(), 1795413601);
	ck_assert_int_eq(kt_time_parse("2026-13-01T00:00:00Z"), -1);
	ck_assert_int_eq(kt_time_parse("yesterday"), -1);
	unsetenv("DKIMGUARD_NOW");
	ck_assert_int_ge(kt_now(), 1700000000);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("keytool_rotate");
	TCase *tc = tcase_create("rotate");

	tcase_add_test(tc, test_full_cycle);
	tcase_add_loop_test(tc, test_grace, 0,
	    (int)(sizeof grace_cases / sizeof grace_cases[0]));
	tcase_add_test(tc, test_next);
	tcase_add_test(tc, test_state_file);
	tcase_add_loop_test(tc, test_duration, 0,
	    (int)(sizeof dur_cases / sizeof dur_cases[0]));
	tcase_add_test(tc, test_clock);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(suite());
}
