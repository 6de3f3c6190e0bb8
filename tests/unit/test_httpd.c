/*
 * test_httpd.c - the metrics listener on a loopback port (24000-24999)
 * hit with curl: /metrics, /healthz (200 and 503), HEAD, an unknown
 * path (404), a POST (405 + Allow), a 100 KB request line (clean 414 or
 * 431), idle connections beyond the limit and past the timeout; after
 * every bad request the listener still answers.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "milter/observe/health.h"
#include "milter/observe/httpd.h"
#include "milter/observe/metrics.h"
#include "testutil.h"

static struct metrics *m;
static struct httpd *h;
static int port;
static atomic_int health_failing;
static char tmpdir[TU_PATH_MAX]; /* curl's output files */

static int
src_metrics(void *arg, struct strbuf *out)
{
	return metrics_render(m, NULL, out);
}

static int
src_health(void *arg, struct strbuf *out)
{
	strbuf_printf(out,
	    health_failing ? "failing\n- no usable key\n" : "ok\n");
	return health_failing ? 503 : 200;
}

/* start - on the first free port of 24000-24999 from a pid-based one */
static void
start(unsigned max_conn, unsigned timeout)
{
	struct httpd_conf hc;
	char spec[64], err[256];
	int i;

	httpd_conf_init(&hc);
	hc.metrics = src_metrics;
	hc.health = src_health;
	hc.counters = m;
	hc.max_connections = max_conn;
	hc.timeout = timeout;
	for (i = 0; i < 40; i++) {
		port = 24000 + (int)((getpid() + i * 37) % 1000);
		snprintf(spec, sizeof spec, "127.0.0.1:%d", port);
		hc.listen = spec;
		if (httpd_start(&hc, &h, err, sizeof err) == 0)
			return;
	}
	ck_abort_msg("no free port in 24000-24999: %s", err);
}

static void
setup(void)
{
	tu_tmpdir(tmpdir, sizeof tmpdir, "httpd");
	m = metrics_new();
	health_failing = 0;
}

static void
teardown(void)
{
	httpd_stop(h);
	h = NULL;
	metrics_free(m);
	tu_rmtree(tmpdir);
}

/* curl - run curl (the URL may be 100 KB: one argument, under the
 * kernel's 128 KB limit); returns the HTTP code (0: no response);
 * headers and body go to files */
static int
curl(const char *method, const char *path)
{
	static char cmd[110 * 1024];
	FILE *fp;
	int code = -1;

	snprintf(cmd, sizeof cmd,
	    "curl -s -g --max-time 5 -X %s %s "
	    "-D %s/hdr -o %s/body -w '%%{http_code}' "
	    "'http://127.0.0.1:%d%s'",
	    method, strcmp(method, "HEAD") == 0 ? "-I" : "", tmpdir, tmpdir,
	    port, path);
	ck_assert_ptr_nonnull(fp = popen(cmd, "r"));
	if (fscanf(fp, "%d", &code) != 1)
		code = -1;
	pclose(fp);
	return code;
}

/* slurp - a result file of the last curl, "" if there is none; valid
 * until the next call */
static char *
slurp(const char *name)
{
	static char *text;
	char path[TU_PATH_MAX + 16];

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	free(text);
	text = tu_read_file(path, NULL);
	return text != NULL ? text : "";
}

/* still_answers - GET /metrics is 200 with the exposition */
static void
still_answers(void)
{
	ck_assert_int_eq(curl("GET", "/metrics"), 200);
	ck_assert_ptr_nonnull(
	    strstr(slurp("body"), "# TYPE dkimguard_messages_total counter"));
}

START_TEST(test_routes)
{
	if (system("command -v curl >/dev/null") != 0)
		ck_abort_msg("curl is not installed (apt-get install curl)");
	start(8, 10);
	metrics_inc(m, MET_MESSAGES_SIGN);
	still_answers();
	ck_assert_ptr_nonnull(strstr(slurp("body"),
	    "dkimguard_messages_total{decision=\"sign\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(slurp("hdr"), "version=0.0.4"));
	ck_assert_int_eq(curl("GET", "/healthz"), 200);
	ck_assert_str_eq(slurp("body"), "ok\n");
	health_failing = 1;
	ck_assert_int_eq(curl("GET", "/healthz?verbose=1"), 503);
	ck_assert_str_eq(slurp("body"), "failing\n- no usable key\n");
	ck_assert_int_eq(curl("HEAD", "/metrics"), 200);
	ck_assert_int_eq(curl("GET", "/nothing/here"), 404);
	ck_assert_int_eq(curl("GET", "/"), 404);
	ck_assert_int_eq(curl("POST", "/metrics"), 405);
	ck_assert_ptr_nonnull(strstr(slurp("hdr"), "Allow: GET, HEAD"));
	ck_assert_int_eq(curl("DELETE", "/healthz"), 405);
	still_answers();
	ck_assert_uint_eq(metrics_get(m, MET_HTTP_NOT_FOUND), 2);
	ck_assert_uint_eq(metrics_get(m, MET_HTTP_BAD_METHOD), 2);
	ck_assert_uint_eq(metrics_get(m, MET_HTTP_UNAVAILABLE), 1);
}
END_TEST

START_TEST(test_huge_request_line)
{
	static char path[100 * 1024 + 2];
	int code;

	start(8, 10);
	path[0] = '/';
	memset(path + 1, 'a', sizeof path - 2);
	code = curl("GET", path);
	ck_assert_msg(code == 414 || code == 431, "100 KB URI: %d", code);
	still_answers();
	code = curl("POST", path);
	ck_assert_msg(code == 414 || code == 431, "100 KB POST: %d", code);
	still_answers();
}
END_TEST

/* idle - n connected sockets that send nothing */
static void
idle(int *fds, int n)
{
	struct sockaddr_in sa;
	int i;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < n; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		ck_assert_int_ge(fds[i], 0);
		ck_assert_int_eq(connect(fds[i], (struct sockaddr *)&sa,
				     sizeof sa),
		    0);
	}
}

START_TEST(test_limits)
{
	int fds[12], i;

	start(4, 1);
	idle(fds, 12); /* more than the limit, all silent */
	sleep(3);      /* past the idle timeout */
	still_answers();
	for (i = 0; i < 12; i++)
		close(fds[i]);
	still_answers();
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("httpd");
	TCase *tc = tcase_create("httpd");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_routes);
	tcase_add_test(tc, test_huge_request_line);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
