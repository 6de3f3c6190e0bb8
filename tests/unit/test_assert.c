/*
 * test_assert.c - the assertion tier (util/assert.h): a true ASSERT is
 * silent, a false one and PANIC log FILE:LINE and the reason through
 * the logger and end the process with SIGABRT, also under NDEBUG.
 */
#define NDEBUG /* must change nothing: never compiled out */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "util/assert.h"
#include "util/log.h"
#include "testutil.h"

enum how {
	HOW_ASSERT_TRUE,
	HOW_ASSERT_FALSE,
	HOW_PANIC
};

/*
 * run_child - do `how` in a child logging to a file; its wait status.
 * The child first writes "at=N", the line of the ASSERT or PANIC it is
 * about to run, for the parent to find in the message.
 */
static int
run_child(enum how how, const char *logpath)
{
	int status, fd, x = 2;
	pid_t pid;

	if ((pid = fork()) == 0) {
		fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		log_open("test_assert", LOG_MAIL, 1);
		if (how == HOW_ASSERT_TRUE) {
			ASSERT(x == 2);
			_exit(0);
		}
		if (how == HOW_ASSERT_FALSE) {
			fprintf(stderr, "at=%d\n", __LINE__ + 1);
			ASSERT(x + 1 == 2);
		}
		fprintf(stderr, "at=%d\n", __LINE__ + 1);
		PANIC("state %d cannot happen", x);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

START_TEST(test_true_is_silent)
{
	char path[TU_PATH_MAX], *text;
	int status;

	tu_write_tmp(path, sizeof path, "");
	status = run_child(HOW_ASSERT_TRUE, path);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	text = tu_read_file(path, NULL);
	ck_assert_str_eq(text, "");
	free(text);
	unlink(path);
}
END_TEST

START_TEST(test_false_aborts_with_where)
{
	char path[TU_PATH_MAX], want[256], *text;
	int status, line = 0;

	tu_write_tmp(path, sizeof path, "");
	status = run_child(HOW_ASSERT_FALSE, path);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	text = tu_read_file(path, NULL);
	ck_assert_int_eq(sscanf(text, "at=%d", &line), 1);
	snprintf(want, sizeof want,
	    "test_assert: error: %s:%d: assertion "
	    "failed: x + 1 == 2; aborting",
	    __FILE__, line);
	ck_assert_msg(strstr(text, want) != NULL, "log: %s\nwant: %s", text,
	    want);
	free(text);
	unlink(path);
}
END_TEST

START_TEST(test_panic_aborts_with_message)
{
	char path[TU_PATH_MAX], want[256], *text;
	int status, line = 0;

	tu_write_tmp(path, sizeof path, "");
	status = run_child(HOW_PANIC, path);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	text = tu_read_file(path, NULL);
	ck_assert_int_eq(sscanf(text, "at=%d", &line), 1);
	snprintf(want, sizeof want, "%s:%d: state 2 cannot happen; aborting",
	    __FILE__, line);
	ck_assert_msg(strstr(text, want) != NULL, "log: %s\nwant: %s", text,
	    want);
	free(text);
	unlink(path);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("assert");
	TCase *tc = tcase_create("assert");

	tcase_add_test(tc, test_true_is_silent);
	tcase_add_test(tc, test_false_aborts_with_where);
	tcase_add_test(tc, test_panic_aborts_with_message);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
