/*
 * testutil.h - helpers shared by the Check unit tests (testutil.c is
 * linked into every tests/unit/test_* program).
 *
 * Exports:
 *	tu_run			run a suite, exit status for main()
 *	tu_testdata		the shared test data directory ($TESTDATA)
 *	tu_have_testdata	is it there?  else a SKIP line (a failure
 *				with REQUIRE_TESTDATA=1)
 *	tu_testdata_skip	that SKIP line for data that cannot be used;
 *				tu_run counts these and says so at the end
 *	tu_data_ran		"DATA: what: ran N of M cases", a failure
 *				when N < M (M counted from the data)
 *	tu_data_files		the data's files whose names end so, to
 *				count what the data holds
 *	tu_read_file		a whole file in memory
 *	tu_write_tmp		a temporary file holding a string
 *	tu_tmpdir, tu_rmtree	a scratch directory and its removal
 *	tu_put			a file with given text in a directory
 *	tu_clock		an injectable clock reading a time_t
 *	tu_log_capture		a log callback keeping its lines
 *	tu_keygen, tu_key_file	a key, generated or loaded
 *
 * Helpers that assert (ck_assert*) are for use inside a test only.
 */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <check.h>
#include <stddef.h>
#include <time.h>

#include "dkim.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* a file name buffer large enough for any helper here */
#define TU_PATH_MAX 1024

int tu_run(Suite *s);

const char *tu_testdata(void);
int tu_have_testdata(void);
void
tu_testdata_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tu_data_ran(const char *what, size_t ran, size_t held);
/* tu_data_files - paths (relative to tu_testdata(), sorted) of the files
 * whose names end in one of the NULL-terminated suffixes; *n of them;
 * free with tu_data_files_free */
char **tu_data_files(const char *const *suffixes, size_t *n);
void tu_data_files_free(char **files, size_t n);

char *tu_read_file(const char *path, size_t *lenp);
void tu_write_tmp(char *path, size_t size, const char *data);
void tu_tmpdir(char *dir, size_t size, const char *name);
void tu_rmtree(const char *dir);
const char *tu_put(const char *dir, const char *name, const char *text);

time_t tu_clock(void *arg);

/* lines logged through tu_log_capture (log_arg points here); the
 * first TU_LOG_LINES are kept */
#define TU_LOG_LINES 64
struct tu_log {
	unsigned n;
	char line[TU_LOG_LINES][2048];
};
void tu_log_capture(void *arg, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

dkim_key *tu_keygen(dkim_keytype type, unsigned bits);
dkim_key *tu_key_file(const char *path);

#endif /* TESTUTIL_H */
