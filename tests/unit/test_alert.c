/*
 * test_alert.c - the unsigned-mail alert with an injected clock: the
 * first message warns at once, later ones within the interval are only
 * counted, the next warning carries the counts since the last one,
 * alert_flush reports what no later message brought out, every message
 * is counted in the metric.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "milter/observe/alert.h"
#include "testutil.h"

static time_t clk; /* the injected clock (tu_clock) */
static char last[1024];
static int nlogged;

static void
capture(void *arg, const char *line)
{
	snprintf(last, sizeof last, "%s", line);
	nlogged++;
}

/* setup - interval 300 s from t=1000, logs captured */
static struct alert *
setup(struct metrics *m, unsigned interval)
{
	struct alert_conf ac;

	clk = 1000;
	nlogged = 0;
	last[0] = '\0';
	alert_conf_init(&ac);
	ac.interval = interval;
	ac.metrics = m;
	ac.clock = tu_clock;
	ac.clock_arg = &clk;
	ac.log = capture;
	return alert_new(&ac);
}

START_TEST(test_rate_limit)
{
	struct metrics *m = metrics_new();
	struct alert *a = setup(m, 300);
	int i;

	ck_assert_int_eq(alert_note(a, ALERT_LEFT_UNSIGNED, "Q1",
			     "from_domain=example.com"),
	    1);
	ck_assert_int_eq(nlogged, 1);
	ck_assert_ptr_nonnull(strstr(last, "1 message should"));
	ck_assert_ptr_nonnull(strstr(last, "qid=Q1"));
	ck_assert_ptr_nonnull(strstr(last, "since start-up"));
	for (i = 0; i < 5; i++) {
		clk += 10;
		ck_assert_int_eq(alert_note(a,
				     i % 2 ? ALERT_NO_RULE :
					     ALERT_LEFT_UNSIGNED,
				     "Qx", ""),
		    0);
	}
	ck_assert_int_eq(nlogged, 1);
	clk = 1000 + 299;
	ck_assert_int_eq(alert_flush(a), 0); /* not yet */
	clk = 1000 + 300;
	ck_assert_int_eq(alert_note(a, ALERT_NO_RULE, "Q7",
			     "from_domain=other.example"),
	    1);
	ck_assert_int_eq(nlogged, 2);
	/* 6 since the last warning: 3 left_unsigned, 3 no_signing_rule */
	ck_assert_ptr_nonnull(strstr(last, "6 messages"));
	ck_assert_ptr_nonnull(strstr(last, "left_unsigned=3"));
	ck_assert_ptr_nonnull(strstr(last, "no_signing_rule=3"));
	ck_assert_ptr_nonnull(strstr(last, "last 300 s"));
	ck_assert_ptr_nonnull(strstr(last, "qid=Q7 reason=no_signing_rule"));
	ck_assert_uint_eq(metrics_get(m, MET_ALERTS_UNSIGNED), 4);
	ck_assert_uint_eq(metrics_get(m, MET_ALERTS_NO_RULE), 3);
	alert_free(a);
	metrics_free(m);
}
END_TEST

START_TEST(test_flush)
{
	struct alert *a = setup(NULL, 60);

	alert_note(a, ALERT_NO_RULE, "Q1", "");
	clk += 5;
	alert_note(a, ALERT_NO_RULE, "Q2", "");
	alert_note(a, ALERT_LEFT_UNSIGNED, "Q3", "");
	ck_assert_int_eq(nlogged, 1);
	clk += 100;
	ck_assert_int_eq(alert_flush(a), 1);
	ck_assert_ptr_nonnull(strstr(last, "2 messages"));
	ck_assert_ptr_nonnull(strstr(last, "qid=Q3"));
	/* nothing pending: a flush logs nothing however late */
	clk += 1000;
	ck_assert_int_eq(alert_flush(a), 0);
	ck_assert_int_eq(nlogged, 2);
	/* a quiet period: the next message warns at once */
	ck_assert_int_eq(alert_note(a, ALERT_NO_RULE, "Q4", ""), 1);
	alert_free(a);
}
END_TEST

START_TEST(test_interval_zero_and_reload)
{
	struct alert *a = setup(NULL, 0);
	int i;

	for (i = 0; i < 4; i++)
		ck_assert_int_eq(alert_note(a, ALERT_NO_RULE, "Q", ""), 1);
	ck_assert_int_eq(nlogged, 4);
	alert_set_interval(a, 3600);
	ck_assert_int_eq(alert_note(a, ALERT_NO_RULE, "Q", ""), 0);
	clk += 3600;
	ck_assert_int_eq(alert_flush(a), 1);
	alert_free(a);
	ck_assert_int_eq(alert_note(NULL, ALERT_NO_RULE, "Q", ""), 0);
	alert_free(NULL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("alert");
	TCase *tc = tcase_create("alert");

	tcase_add_test(tc, test_rate_limit);
	tcase_add_test(tc, test_flush);
	tcase_add_test(tc, test_interval_zero_and_reload);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
