/*
 * test_metrics.c - the counter table and its exposition: counters
 * incremented from many threads read back from the text exactly; the
 * text format's grammar (HELP/TYPE once, families contiguous, label
 * escaping); per-key series from guard states; MetricsListen parsing.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/config/config.h"
#include "milter/decide.h"
#include "milter/observe/health.h"
#include "milter/observe/httpd.h"
#include "milter/observe/metrics.h"
#include "milter/observe/observe.h"
#include "util/textfile.h"
#include "testutil.h"

#define NTHREADS 8
#define ROUNDS 20000

/* sample_value - value of the sample line starting with key + ' ' */
static int
sample_value(const char *text, const char *key, double *val)
{
	const char *p = text;
	size_t klen = strlen(key);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, klen) == 0 && p[klen] == ' ')
			return sscanf(p + klen + 1, "%lf", val) == 1 ? 0 : -1;
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return -1;
}

/* hammer - one thread's share of increments */
static void *
hammer(void *arg)
{
	struct metrics *m = arg;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		metrics_count_decision(m,
		    i % 3 == 0 ? DECIDE_VERIFY : DECIDE_SIGN);
		metrics_count_verdict(m, i % 2 ? DKIM_PASS : DKIM_FAIL);
		metrics_inc(m, MET_INTERNAL_ERRORS_ALL);
		if (i % 10 == 0)
			metrics_add(m, MET_ALERTS_NO_RULE, 3);
	}
	return NULL;
}

START_TEST(test_concurrent_counts)
{
	struct metrics *m = metrics_new();
	pthread_t t[NTHREADS];
	struct strbuf b = {0};
	double v;
	int i;
	const double total = (double)NTHREADS * ROUNDS;
	const double verify = NTHREADS * (double)((ROUNDS + 2) / 3);

	ck_assert_ptr_nonnull(m);
	for (i = 0; i < NTHREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, hammer, m), 0);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	ck_assert_int_eq(metrics_render(m, NULL, &b), 0);
	ck_assert_int_eq(sample_value(b.p,
			     "dkimguard_messages_total{decision=\"verify\"}",
			     &v),
	    0);
	ck_assert(v == verify);
	ck_assert_int_eq(sample_value(b.p,
			     "dkimguard_messages_total{decision=\"sign\"}", &v),
	    0);
	ck_assert(v == total - verify);
	ck_assert_int_eq(sample_value(b.p,
			     "dkimguard_messages_total{decision=\"skip\"}", &v),
	    0);
	ck_assert(v == 0);
	ck_assert_int_eq(
	    sample_value(b.p,
		"dkimguard_verify_signatures_total{verdict=\"pass\"}", &v),
	    0);
	ck_assert(v == total / 2);
	ck_assert_int_eq(sample_value(b.p, "dkimguard_internal_errors_total",
			     &v),
	    0);
	ck_assert(v == total);
	ck_assert_int_eq(sample_value(b.p,
			     "dkimguard_unsigned_alerts_total"
			     "{reason=\"no_signing_rule\"}",
			     &v),
	    0);
	ck_assert(v == NTHREADS * (ROUNDS / 10) * 3.0);
	strbuf_free(&b);
	metrics_free(m);
}
END_TEST

/* line_family - the family a sample or comment line belongs to */
static void
line_family(const char *line, char *name, size_t len)
{
	const char *p = line;

	if (strncmp(p, "# HELP ", 7) == 0 || strncmp(p, "# TYPE ", 7) == 0)
		p += 7;
	snprintf(name, len, "%.*s", (int)strcspn(p, "{ \n"), p);
}

/* sample_rest - after name{label="value",...}: the value text */
static const char *
sample_rest(const char *line)
{
	const char *p = line + strcspn(line, "{ \n");

	if (*p != '{')
		return p;
	for (p++; *p != '}';) { /* label="value" with \\ \" \n escapes */
		p += strspn(p, "abcdefghijklmnopqrstuvwxyz_");
		ck_assert(p[0] == '=' && p[1] == '"');
		for (p += 2; *p != '"'; p++) {
			ck_assert(*p != '\n' && *p != '\0');
			if (*p == '\\') {
				p++;
				ck_assert(*p == '\\' || *p == '"' || *p == 'n');
			}
		}
		p++;
		if (*p == ',')
			p++;
	}
	return p + 1;
}

/* check_grammar - every line is HELP, TYPE or a sample of the family
 * just announced; no family announced twice */
static void
check_grammar(const char *text)
{
	char cur[128] = "", name[128], seen[4096] = " ", key[140];
	const char *line;
	double v;

	for (line = text; *line != '\0'; line = strchr(line, '\n') + 1) {
		ck_assert_ptr_nonnull(strchr(line, '\n'));
		line_family(line, name, sizeof name);
		if (strncmp(line, "# HELP ", 7) == 0) {
			snprintf(key, sizeof key, " %s ", name);
			ck_assert_msg(strstr(seen, key) == NULL, "%s twice",
			    name);
			strncat(seen, key + 1, sizeof seen - strlen(seen) - 1);
			snprintf(cur, sizeof cur, "%s", name);
			continue;
		}
		ck_assert_str_eq(name, cur);
		if (strncmp(line, "# TYPE ", 7) == 0) {
			ck_assert(strstr(line, " counter\n") != NULL ||
			    strstr(line, " gauge\n") != NULL);
			continue;
		}
		ck_assert_msg(sscanf(sample_rest(line), " %lf", &v) == 1,
		    "bad sample: %.80s", line);
	}
}

/* two keys, one with characters that need escaping */
static void
make_keys(struct guard_info *k)
{
	memset(k, 0, 2 * sizeof *k);
	strcpy(k[0].domain, "example.com");
	strcpy(k[0].selector, "s1");
	k[0].state = GUARD_VALID;
	k[0].count[GUARD_CNT_SIGNED] = 42;
	k[0].checked = 1700000000;
	strcpy(k[1].domain, "odd\"dom\\ain");
	strcpy(k[1].selector, "s\n2");
	k[1].state = GUARD_MISMATCH;
	k[1].count[GUARD_CNT_TEMPFAILED] = 7;
}

START_TEST(test_format_and_keys)
{
	struct metrics *m = metrics_new();
	struct guard_info k[2];
	struct dnscache_stats st = {5, 6, 7, 1, 0, 3, 0, 0, 0};
	uint32_t ttl[2] = {300, 0};
	struct metrics_view v = {k, ttl, 2, HEALTH_DEGRADED, 4, &st, NULL, 0,
	    NULL, NULL, 0};
	struct strbuf b = {0};
	double x;

	make_keys(k);
	metrics_count_action(m, ACTION_QUARANTINE);
	ck_assert_int_eq(metrics_render(m, &v, &b), 0);
	check_grammar(b.p);
	ck_assert_int_eq(sample_value(b.p,
			     "dkimguard_key_signed_total"
			     "{domain=\"example.com\",selector=\"s1\"}",
			     &x),
	    0);
	ck_assert(x == 42);
	ck_assert_int_eq(sample_value(b.p,
			     "dkimguard_key_tempfailed_total"
			     "{domain=\"odd\\\"dom\\\\ain\",selector=\"s\\n2\"}",
			     &x),
	    0);
	ck_assert(x == 7);
	ck_assert_int_eq(sample_value(b.p,
			     "dkimguard_key_state{domain="
			     "\"example.com\",selector=\"s1\",state=\"valid\"}",
			     &x),
	    0);
	ck_assert(x == 1);
	ck_assert_int_eq(
	    sample_value(b.p,
		"dkimguard_key_state{domain="
		"\"example.com\",selector=\"s1\",state=\"mismatch\"}",
		&x),
	    0);
	ck_assert(x == 0);
	ck_assert_int_eq(sample_value(b.p,
			     "dkimguard_key_record_ttl_seconds"
			     "{domain=\"example.com\",selector=\"s1\"}",
			     &x),
	    0);
	ck_assert(x == 300);
	/* never checked: no TTL sample for the second key */
	ck_assert_ptr_null(strstr(b.p, "ttl_seconds{domain=\"odd"));
	ck_assert_int_eq(sample_value(b.p, "dkimguard_health_status", &x), 0);
	ck_assert(x == 1);
	ck_assert_int_eq(sample_value(b.p, "dkimguard_dns_queries_total", &x),
	    0);
	ck_assert(x == 7);
	ck_assert_int_eq(sample_value(b.p,
			     "dkimguard_actions_total{action=\"quarantine\"}",
			     &x),
	    0);
	ck_assert(x == 1);
	strbuf_free(&b);
	metrics_free(m);
}
END_TEST

START_TEST(test_every_family_rendered)
{
	struct metrics *m = metrics_new();
	struct guard_info k[2];
	struct dnscache_stats st = {0};
	uint32_t ttl[2] = {1, 1};
	struct guard_fresh fresh = {.max_age = 10, .window = 10};
	struct metrics_view v = {k, ttl, 2, HEALTH_OK, 1, &st, NULL, 0, &fresh,
	    NULL, 0};
	struct strbuf b = {0};
	char want[160];
	int f;

	make_keys(k);
	k[1].checked = 1;
	ck_assert_int_eq(metrics_render(m, &v, &b), 0);
	for (f = 0; f < MF__COUNT; f++) {
		snprintf(want, sizeof want, "# TYPE %s %s\n",
		    metric_defs[f].name,
		    metric_defs[f].type == MT_COUNTER ? "counter" : "gauge");
		ck_assert_msg(strstr(b.p, want) != NULL, "missing %s", want);
		ck_assert(strncmp(metric_defs[f].name, "dkimguard_", 10) == 0);
		if (metric_defs[f].type == MT_COUNTER)
			ck_assert(
			    strstr(metric_defs[f].name, "_total") != NULL);
	}
	strbuf_free(&b);
	metrics_free(m);
}
END_TEST

START_TEST(test_null_is_noop)
{
	struct strbuf b = {0};

	metrics_inc(NULL, MET_MESSAGES_SIGN);
	metrics_count_verdict(NULL, DKIM_PASS);
	ck_assert_uint_eq(metrics_get(NULL, MET_MESSAGES_SIGN), 0);
	ck_assert_int_eq(metrics_render(NULL, NULL, &b), 0);
	ck_assert_ptr_nonnull(strstr(b.p, "dkimguard_messages_total"));
	strbuf_free(&b);
}
END_TEST

/* file_text - a whole file, "" if unreadable; valid until the next call */
static char *
file_text(const char *path)
{
	static char *text;

	free(text);
	text = tu_read_file(path, NULL);
	return text != NULL ? text : "";
}

START_TEST(test_textfile)
{
	char dir[TU_PATH_MAX], path[TU_PATH_MAX + 32], err[TU_PATH_MAX + 256];
	char cmd[TU_PATH_MAX + 64];
	struct stat st;

	tu_tmpdir(dir, sizeof dir, "textfile");
	snprintf(path, sizeof path, "%s/dkimguard.prom", dir);
	ck_assert_int_eq(textfile_write(path, "a 1\n", 4, err, sizeof err), 0);
	ck_assert_int_eq(textfile_write(path, "b 2\n", 4, err, sizeof err), 0);
	ck_assert_str_eq(file_text(path), "b 2\n");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0644);
	/* only the target is left: no temporary file */
	snprintf(cmd, sizeof cmd, "test $(ls -A %s | wc -l) -eq 1", dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(path, sizeof path, "%s/nodir/x.prom", dir);
	ck_assert_int_eq(textfile_write(path, "c\n", 2, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "nodir"));
	tu_rmtree(dir);
}
END_TEST

START_TEST(test_observe_file)
{
	char dir[TU_PATH_MAX], path[TU_PATH_MAX + 32], err[256];
	struct observe_conf mc;
	double v;
	int i;

	tu_tmpdir(dir, sizeof dir, "observe");
	snprintf(path, sizeof path, "%s/dkimguard.prom", dir);
	observe_conf_init(&mc);
	mc.listen = "0.0.0.0:24999";
	ck_assert_int_eq(observe_conf_check(&mc, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a loopback address"));
	ck_assert_int_eq(observe_start(&mc, NULL, err, sizeof err), -1);
	ck_assert_ptr_null(observe_metrics());
	mc.listen = "";
	mc.file = path;
	mc.file_interval = 1;
	ck_assert_int_eq(observe_start(&mc, NULL, err, sizeof err), 0);
	ck_assert_ptr_nonnull(observe_metrics());
	ck_assert_ptr_nonnull(observe_alert());
	metrics_inc(observe_metrics(), MET_INTERNAL_ERRORS_ALL);
	for (i = 0; i < 50 && access(path, R_OK) != 0; i++)
		usleep(100000);
	sleep(2); /* one more interval: the count is in */
	/* no snapshot installed: failing */
	ck_assert_int_eq(sample_value(file_text(path),
			     "dkimguard_health_status", &v),
	    0);
	ck_assert(v == 2);
	ck_assert_int_eq(sample_value(file_text(path),
			     "dkimguard_internal_errors_total", &v),
	    0);
	ck_assert(v == 1);
	observe_stop();
	ck_assert_ptr_null(observe_metrics());
	observe_stop(); /* twice is harmless */
	tu_rmtree(dir);
}
END_TEST

struct listen_case {
	const char *spec;
	int ok;
};

static const struct listen_case listen_cases[] = {
    {"127.0.0.1:9187", 1},
    {"127.8.9.10:24001", 1},
    {"[::1]:9187", 1},
    {"[::ffff:127.0.0.1]:9187", 1},
    {"0.0.0.0:9187", 0},
    {"192.0.2.1:9187", 0},
    {"[::]:9187", 0},
    {"[2001:db8::1]:9187", 0},
    {"localhost:9187", 0},
    {"127.0.0.1", 0},
    {"127.0.0.1:", 0},
    {"127.0.0.1:0", 0},
    {"127.0.0.1:65536", 0},
    {"127.0.0.1:9x", 0},
    {"::1:9187", 0},
    {"[::1]9187", 0},
    {"", 0},
};

START_TEST(test_listen_parse)
{
	const struct listen_case *c = &listen_cases[_i];
	struct sockaddr_storage ss;
	socklen_t len;
	char err[512] = "";
	int rc = httpd_parse_listen(c->spec, &ss, &len, err, sizeof err);

	ck_assert_msg(rc == (c->ok ? 0 : -1), "%s: rc %d (%s)", c->spec, rc,
	    err);
	if (!c->ok)
		ck_assert(err[0] != '\0');
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("metrics");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_concurrent_counts);
	tcase_add_test(tc, test_format_and_keys);
	tcase_add_test(tc, test_every_family_rendered);
	tcase_add_test(tc, test_null_is_noop);
	tcase_add_test(tc, test_textfile);
	tcase_add_test(tc, test_observe_file);
	tcase_add_loop_test(tc, test_listen_parse, 0,
	    sizeof listen_cases / sizeof listen_cases[0]);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
