/*
 * test_listen.c - listen_check(), what dkimguard -n says about the socket,
 * table-driven: each case is a configuration, whether an instance is
 * running, and the text the problem must contain (FILE:LINE and the fix),
 * or "" for no problem.  A listening unix socket and a bound TCP port are
 * made here for the "in use" cases.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "milter/listen.h"
#include "testutil.h"

static char dir[] = "/tmp/test_listen.XXXXXX";

/* listening_unix - a socket accepting connections at PATH */
static int
listening_unix(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ck_assert_uint_lt(strlen(path), sizeof sun.sun_path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	return fd;
}

/* listening_tcp - a listening socket on 127.0.0.1; its port */
static int
listening_tcp(int *port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* expand - CONF with @DIR@ (the test folder) and @PORT@ (the busy port) */
static void
expand(FILE *fp, const char *conf, int port)
{
	const char *p;

	for (p = conf; *p != '\0'; p++)
		if (strncmp(p, "@DIR@", 5) == 0) {
			fputs(dir, fp);
			p += 4;
		} else if (strncmp(p, "@PORT@", 6) == 0) {
			fprintf(fp, "%d", port);
			p += 5;
		} else
			fputc(*p, fp);
}

/* check - write CONF (expand), run listen_check, compare with WANT */
static void
check(const char *name, const char *conf, int port, int running,
    const char *want)
{
	char path[256], text[1024];
	struct errlist el = {0};
	struct config *cfg;
	FILE *fp;
	int rc;

	snprintf(path, sizeof path, "%s/c.conf", dir);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	expand(fp, conf, port);
	fclose(fp);
	cfg = config_load(path, &el);
	ck_assert_msg(cfg != NULL, "%s: %s", name, errlist_str(&el));
	rc = listen_check(cfg, running, &el);
	snprintf(text, sizeof text, "%s", errlist_str(&el));
	if (*want == '\0')
		ck_assert_msg(rc == 0 && el.count == 0, "%s: %s", name, text);
	else
		ck_assert_msg(rc < 0 && strstr(text, want) != NULL,
		    "%s: wanted \"%s\" in \"%s\"", name, want, text);
	config_free(cfg);
	errlist_free(&el);
}

START_TEST(test_socket_checks)
{
	char sock[256];
	int ufd, tfd, port;
	static const struct {
		const char *name, *conf;
		int running;
		const char *want;
	} cases[] = {
	    {"folder exists", "Socket unix:@DIR@/ok.sock\n", 0, ""},
	    {"folder missing", "Socket unix:@DIR@/none/s.sock\n", 0,
		"/c.conf:1: Socket unix:"},
	    {"folder missing: the fix", "Socket unix:@DIR@/none/s.sock\n", 0,
		"/none does not exist; fix: install -d -o "},
	    {"missing group",
		"Socket unix:@DIR@/ok.sock\n"
		"SocketGroup no-such-group-dkimguard\n",
		0,
		"/c.conf:2: SocketGroup: no such group "
		"'no-such-group-dkimguard'; fix: "},
	    {"socket in use", "Socket unix:@DIR@/busy.sock\n", 0,
		"another process accepts connections there; fix: stop it"},
	    {"our own socket", "Socket unix:@DIR@/busy.sock\n", 1, ""},
	    {"port in use", "# busy port\nSocket inet:@PORT@@127.0.0.1\n", 0,
		"/c.conf:2: Socket inet:"},
	    {"port in use: the fix", "Socket inet:@PORT@@127.0.0.1\n", 0,
		"Address already in use; fix: stop the process"},
	    {"our own port", "Socket inet:@PORT@@127.0.0.1\n", 1, ""},
	    {"made at start in /run",
		"Socket unix:/run/dkimguard-test-none/s.sock\n", 0, ""},
	};
	size_t i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sock, sizeof sock, "%s/busy.sock", dir);
	ufd = listening_unix(sock);
	tfd = listening_tcp(&port);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		check(cases[i].name, cases[i].conf, port, cases[i].running,
		    cases[i].want);
	}
	printf("test_listen: %zu socket cases\n", i);
	close(ufd);
	close(tfd);
	unlink(sock);
	snprintf(sock, sizeof sock, "%s/c.conf", dir);
	unlink(sock);
	rmdir(dir);
}
END_TEST

/* accepted - connect to PORT on 127.0.0.1 and accept on LFD: the
 * server's end; the client's in *client */
static int
accepted(int lfd, int port, int *client)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	    .sin_port = htons((uint16_t)port)};
	int fd;

	*client = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(*client, (struct sockaddr *)&sin, sizeof sin),
	    0);
	fd = accept(lfd, NULL, NULL);
	ck_assert_int_ge(fd, 0);
	return fd;
}

/* The head of libmilter's session context as libmilter lays it out. */
struct ctx_head {
	pthread_t id;
	int sd;
};

/* listen_session_socket: only a connected TCP socket on the port
 * listen_nodelay() found is taken from a context; anything else that
 * could sit there (a wrong layout) is refused */
START_TEST(test_session_socket)
{
	int port, other_port, lfd, ofd, srv, cli, osrv, ocli, pair[2],
	    pipefd[2];
	struct ctx_head head = {.id = pthread_self()};
	struct {
		const char *what;
		int fd;
		int want; /* 1: the same fd back */
	} cases[8];
	size_t i, n = 0;

	lfd = listening_tcp(&port);
	ck_assert_int_ge(listen_nodelay(), 1);
	srv = accepted(lfd, port, &cli);
	ofd = listening_tcp(&other_port); /* not the one we listen on */
	osrv = accepted(ofd, other_port, &ocli);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
	ck_assert_int_eq(pipe(pipefd), 0);

	cases[n++] = (typeof(cases[0])){"accepted on our port", srv, 1};
	cases[n++] = (typeof(cases[0])){"client end (other port)", cli, 0};
	cases[n++] = (typeof(cases[0])){"the listening socket", lfd, 0};
	cases[n++] = (typeof(cases[0])){"accepted on another port", osrv, 0};
	cases[n++] = (typeof(cases[0])){"unix stream socket", pair[0], 0};
	cases[n++] = (typeof(cases[0])){"a pipe", pipefd[0], 0};
	cases[n++] = (typeof(cases[0])){"standard input", 0, 0};
	cases[n++] = (typeof(cases[0])){"not a descriptor", 1 << 20, 0};
	for (i = 0; i < n; i++) {
		head.sd = cases[i].fd;
		ck_assert_msg(listen_session_socket(&head) ==
			(cases[i].want ? cases[i].fd : -1),
		    "%s: fd %d", cases[i].what, cases[i].fd);
		listen_ack_now(listen_session_socket(&head));
	}
	ck_assert_int_eq(listen_session_socket(NULL), -1);
	printf("test_listen: %zu session socket cases\n", n + 1);
	close(srv), close(cli), close(osrv), close(ocli), close(lfd);
	close(ofd), close(pair[0]), close(pair[1]), close(pipefd[0]);
	close(pipefd[1]);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("listen");
	TCase *tc = tcase_create("listen");

	tcase_add_test(tc, test_socket_checks);
	tcase_add_test(tc, test_session_socket);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
