/*
 * test_ctl.c - the running daemon seen from outside (common/ctl) and its
 * journal priorities (util/log): a child process holds the PID file lock,
 * so a second lock fails and names it; ctl_reload() against a child that
 * answers SIGHUP with an "ok" report, a "failed" report, or none; log
 * lines on a stderr that JOURNAL_STREAM names carry "<N>", and not on any
 * other stderr.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "common/ctl/ctl.h"
#include "util/log.h"
#include "testutil.h"

static char dir[64];
static char pidfile[256], report[300];
static const char *answer; /* the child's report line, NULL: none */
static volatile sig_atomic_t hups;

static void
on_hup(int sig)
{
	(void)sig;
	hups++;
}

/* holder - a child that locks the PID file, writes GEN 0 ok, and answers
 * each SIGHUP with "GEN ANSWER"; its pid */
static pid_t
holder(void)
{
	int ready[2], gen = 0, n;
	char err[512], b = 0;
	sigset_t hup, old;
	long other;
	pid_t pid;
	FILE *fp;

	/* SIGHUP blocked until sigsuspend(): one sent right after "ready"
	 * waits for the child instead of slipping in before it sleeps */
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	sigprocmask(SIG_BLOCK, &hup, &old);
	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid > 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		close(ready[1]);
		ck_assert_int_eq(read(ready[0], &b, 1), 1);
		close(ready[0]);
		return pid;
	}
	signal(SIGHUP, on_hup);
	if (pidfile_lock(pidfile, &other, err, sizeof err) < 0)
		_exit(2);
	if ((fp = fopen(report, "w")) != NULL) {
		fputs("0 ok\n", fp);
		fclose(fp);
	}
	(void)!write(ready[1], &b, 1);
	sigdelset(&old, SIGHUP);
	for (n = 0;; n = hups) {
		while (hups == n)
			sigsuspend(&old);
		if (answer == NULL)
			continue;
		if ((fp = fopen(report, "w")) != NULL) {
			fprintf(fp, "%d %s\n", ++gen, answer);
			fclose(fp);
		}
	}
}

static void
stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void
setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_ctl.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(pidfile, sizeof pidfile, "%s/d.pid", dir);
	snprintf(report, sizeof report, "%s.reloaded", pidfile);
}

static void
teardown(void)
{
	unlink(report);
	unlink(pidfile);
	rmdir(dir);
}

START_TEST(test_second_instance)
{
	char err[512], want[64];
	long other;
	pid_t pid;
	int fd;

	setup();
	ck_assert_int_eq(pidfile_holder(pidfile), 0); /* no file */
	answer = NULL;
	pid = holder();
	ck_assert_int_eq(pidfile_holder(pidfile), pid);
	ck_assert_int_lt(pidfile_lock(pidfile, &other, err, sizeof err), 0);
	ck_assert_int_eq(other, pid);
	snprintf(want, sizeof want, "already running as pid %ld", (long)pid);
	ck_assert_msg(strstr(err, want) != NULL, "%s", err);
	stop(pid);
	/* the lock died with its holder: the stale file is no obstacle */
	ck_assert_int_eq(pidfile_holder(pidfile), 0);
	ck_assert_int_ge(fd = pidfile_lock(pidfile, &other, err, sizeof err),
	    0);
	close(fd);
	teardown();
}
END_TEST

START_TEST(test_reload_outcomes)
{
	static const struct {
		const char *answer;
		int rc;
		const char *why;
	} cases[] = {
	    {"ok", CTL_OK, "reloaded (generation 1)"},
	    {"failed 1 problem: keytable:3: no such key file", CTL_REFUSED,
		"refused the reload: 1 problem: keytable:3: no such key file"},
	    {NULL, CTL_UNCONFIRMED, "reported no reload within 1 s"},
	};
	char why[512];
	size_t i;
	pid_t pid;
	int rc;

	setup();
	rc = ctl_reload(pidfile, 1, why, sizeof why);
	ck_assert_int_eq(rc, CTL_NOT_RUNNING);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		answer = cases[i].answer;
		pid = holder();
		rc = ctl_reload(pidfile, 1, why, sizeof why);
		stop(pid);
		ck_assert_msg(rc == cases[i].rc && strstr(why, cases[i].why),
		    "case %zu: rc %d (wanted %d): %s", i, rc, cases[i].rc, why);
	}
	printf("test_ctl: %zu reload outcomes + not running\n", i);
	teardown();
}
END_TEST

/* logged - log one warning with stderr on FILE; FILE's content */
static char *
logged(const char *file, int journal)
{
	static char buf[512];
	struct stat st;
	char js[64];
	int fd, saved = dup(2);
	ssize_t n;

	ck_assert_int_ge(fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600), 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	/* a stream of another inode: systemd's, not this file */
	snprintf(js, sizeof js, "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino + (journal ? 0 : 1));
	setenv("JOURNAL_STREAM", js, 1);
	dup2(fd, 2);
	log_open("dkimguard", LOG_MAIL, 1);
	log_warnx("key %s not published", "s1");
	log_errx("cannot %s", "start");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, buf, sizeof buf - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(file);
	unsetenv("JOURNAL_STREAM");
	return buf;
}

START_TEST(test_journal_priorities)
{
	char file[] = "/tmp/test_ctl.log.XXXXXX";
	int fd = mkstemp(file);

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_str_eq(logged(file, 1),
	    "<4>dkimguard: warning: key s1 not "
	    "published\n<3>dkimguard: error: cannot start\n");
	ck_assert_str_eq(logged(file, 0),
	    "dkimguard: warning: key s1 not "
	    "published\ndkimguard: error: cannot start\n");
	ck_assert_str_eq(log_journal_prefix(LOGL_DEBUG), "");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ctl");
	TCase *tc = tcase_create("ctl");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_second_instance);
	tcase_add_test(tc, test_reload_outcomes);
	tcase_add_test(tc, test_journal_priorities);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
