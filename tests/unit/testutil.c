/*
 * testutil.c - helpers shared by the Check unit tests: running a suite,
 * finding the shared test data (and saying SKIP when it is missing),
 * files and scratch directories, an injectable clock, a log capture,
 * keys.
 *
 * The shared test data lives in $TESTDATA (the Makefile exports it);
 * without it, in ../shared/testdata next to the repository, found from
 * the test program's own path (tests/unit/test_x, or under build/asan/).
 * A test that needs the data and does not find it prints
 *	SKIP: testdata not found at PATH
 * and passes, unless REQUIRE_TESTDATA=1, where it fails.  Either way it
 * is counted: tu_run ends with "SKIPPED: N test(s) ...", which
 * scripts/run-unit.sh reports, so a run without the data never reads as
 * a full pass.  A test that does run over the data says how many cases
 * it ran against how many the data holds (tu_data_ran) and fails when it
 * ran fewer.
 */
#define _GNU_SOURCE /* nftw */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

/* where skipped tests leave one line each: Check runs every test in a
 * child process, so a counter in memory would not reach tu_run */
static char tu_skip_file[64];

/* tu_run - run every test of s; EXIT_SUCCESS when none failed; then
 * the number of tests skipped for want of the shared data, if any */
int
tu_run(Suite *s)
{
	SRunner *sr;
	int failed, fd, c;
	unsigned skipped = 0;
	FILE *fp;

	snprintf(tu_skip_file, sizeof(tu_skip_file),
	    "/tmp/dkimguard-skips-XXXXXX");
	if ((fd = mkstemp(tu_skip_file)) < 0)
		tu_skip_file[0] = '\0';
	else
		close(fd);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (tu_skip_file[0] != '\0' &&
	    (fp = fopen(tu_skip_file, "r")) != NULL) {
		while ((c = getc(fp)) != EOF)
			skipped += c == '\n';
		fclose(fp);
		unlink(tu_skip_file);
	}
	if (skipped > 0)
		printf("SKIPPED: %u test(s) of this program did not run: shared "
		       "test data missing or unusable (%s)\n",
		    skipped, tu_testdata());
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* tu_data_ran - report a data-driven test's count; fail when short */
void
tu_data_ran(const char *what, size_t ran, size_t held)
{
	printf("DATA: %s: ran %zu of %zu cases\n", what, ran, held);
	fflush(stdout);
	ck_assert_msg(held > 0, "%s: the shared data holds no cases", what);
	ck_assert_msg(ran >= held,
	    "%s: ran %zu of the %zu cases the shared "
	    "data holds",
	    what, ran, held);
}

/* tu_repo_root - the checkout this program was built in, or NULL */
static const char *
tu_repo_root(void)
{
	static const char *const tails[] = {
	    "/build/asan/tests/unit/",
	    "/tests/unit/",
	};
	static char root[PATH_MAX];
	char *p;
	ssize_t n;
	size_t i;

	if (root[0] != '\0')
		return root;
	if ((n = readlink("/proc/self/exe", root, sizeof(root) - 1)) > 0) {
		root[n] = '\0';
		for (i = 0; i < NELEM(tails); i++)
			if ((p = strstr(root, tails[i])) != NULL) {
				*p = '\0';
				return root;
			}
	}
	root[0] = '\0';
	return NULL;
}

/* tu_testdata - $TESTDATA, else ../shared/testdata beside the checkout */
const char *
tu_testdata(void)
{
	static char dflt[PATH_MAX + 32];
	const char *t = getenv("TESTDATA"), *root;

	if (t != NULL && *t != '\0')
		return t;
	if (dflt[0] == '\0') {
		root = tu_repo_root();
		snprintf(dflt, sizeof(dflt), "%s%s../shared/testdata",
		    root != NULL ? root : "", root != NULL ? "/" : "");
	}
	return dflt;
}

/* tu_testdata_skip - print "SKIP: <why>"; with REQUIRE_TESTDATA=1 fail
 * the running test instead of letting it pass */
void
tu_testdata_skip(const char *fmt, ...)
{
	const char *req = getenv("REQUIRE_TESTDATA");
	char why[TU_PATH_MAX + 256];
	va_list ap;
	FILE *fp;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	printf("SKIP: %s\n", why);
	fflush(stdout);
	if (tu_skip_file[0] != '\0' &&
	    (fp = fopen(tu_skip_file, "a")) != NULL) {
		fprintf(fp, "%s\n", why);
		fclose(fp);
	}
	if (req != NULL && strcmp(req, "1") == 0)
		ck_abort_msg("%s (REQUIRE_TESTDATA=1)", why);
}

/* tu_have_testdata - 1 if the test data directory is there; else the
 * SKIP line (or the failure, see tu_testdata_skip) and 0 */
int
tu_have_testdata(void)
{
	struct stat st;

	if (stat(tu_testdata(), &st) == 0 && S_ISDIR(st.st_mode))
		return 1;
	tu_testdata_skip("testdata not found at %s", tu_testdata());
	return 0;
}

/* the walk of tu_data_files (nftw has no argument for its callback) */
static struct {
	const char *const *suffixes;
	size_t root, n, cap;
	char **files;
} tu_walk;

/* tu_walk_one - nftw callback: keep a regular file with a wanted suffix */
static int
tu_walk_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	size_t i, len = strlen(path), sl;

	if (flag != FTW_F)
		return 0;
	for (i = 0; tu_walk.suffixes[i] != NULL; i++) {
		sl = strlen(tu_walk.suffixes[i]);
		if (len < sl || strcmp(path + len - sl, tu_walk.suffixes[i]))
			continue;
		if (tu_walk.n == tu_walk.cap) {
			tu_walk.cap = tu_walk.cap * 2 + 16;
			tu_walk.files = realloc(tu_walk.files,
			    tu_walk.cap * sizeof(*tu_walk.files));
			ck_assert_ptr_nonnull(tu_walk.files);
		}
		tu_walk.files[tu_walk.n] = strdup(path + tu_walk.root);
		ck_assert_ptr_nonnull(tu_walk.files[tu_walk.n]);
		tu_walk.n++;
		break;
	}
	return 0;
}

/* tu_cmp_str - qsort order of strings */
static int
tu_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* tu_data_files - every data file with one of the suffixes */
char **
tu_data_files(const char *const *suffixes, size_t *n)
{
	memset(&tu_walk, 0, sizeof(tu_walk));
	tu_walk.suffixes = suffixes;
	tu_walk.root = strlen(tu_testdata()) + 1;
	ck_assert_msg(nftw(tu_testdata(), tu_walk_one, 16, FTW_PHYS) == 0,
	    "cannot walk %s", tu_testdata());
	if (tu_walk.n > 0)
		qsort(tu_walk.files, tu_walk.n, sizeof(*tu_walk.files),
		    tu_cmp_str);
	*n = tu_walk.n;
	return tu_walk.files;
}

/* tu_data_files_free - the list and its names */
void
tu_data_files_free(char **files, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(files[i]);
	free(files);
}

/* tu_read_file - the whole file, NUL-terminated, malloc'ed (caller
 * frees); its length without the NUL in *lenp if not NULL; NULL if it
 * cannot be opened or read */
char *
tu_read_file(const char *path, size_t *lenp)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0, n;
	int bad = 0;

	if (fp == NULL)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap * 2 + 4096;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				bad = 1;
				break;
			}
			buf = nb;
		}
		if ((n = fread(buf + len, 1, cap - len, fp)) == 0)
			break;
		len += n;
	}
	bad |= ferror(fp);
	fclose(fp);
	if (bad) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

/* tu_tmp - $TMPDIR, else /tmp */
static const char *
tu_tmp(void)
{
	const char *t = getenv("TMPDIR");

	return t != NULL && *t != '\0' ? t : "/tmp";
}

/* tu_write_tmp - a new temporary file holding data, its name in path;
 * the caller unlinks it */
void
tu_write_tmp(char *path, size_t size, const char *data)
{
	size_t len = strlen(data);
	int fd;

	ck_assert_int_lt(snprintf(path, size, "%s/dkimguard-test-XXXXXX",
			     tu_tmp()),
	    (int)size);
	ck_assert_int_ge(fd = mkstemp(path), 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* tu_tmpdir - a new directory $TMPDIR/dkimguard-NAME-XXXXXX, its name in
 * dir; tu_rmtree removes it */
void
tu_tmpdir(char *dir, size_t size, const char *name)
{
	ck_assert_int_lt(snprintf(dir, size, "%s/dkimguard-%s-XXXXXX", tu_tmp(),
			     name),
	    (int)size);
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp %s: %s", dir,
	    strerror(errno));
}

/* tu_rm_one - nftw callback: remove one entry, children first */
static int
tu_rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	return remove(path) == 0 ? 0 : -1;
}

/* tu_rmtree - remove dir and everything below it */
void
tu_rmtree(const char *dir)
{
	ck_assert_msg(nftw(dir, tu_rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0,
	    "cannot remove %s: %s", dir, strerror(errno));
}

/* tu_put - write text to dir/name; returns the name (one of four static
 * buffers, reused in turn) */
const char *
tu_put(const char *dir, const char *name, const char *text)
{
	static char path[4][TU_PATH_MAX];
	static unsigned next;
	char *p = path[next++ % NELEM(path)];
	FILE *fp;

	ck_assert_int_lt(snprintf(p, TU_PATH_MAX, "%s/%s", dir, name),
	    TU_PATH_MAX);
	ck_assert_msg((fp = fopen(p, "w")) != NULL, "%s: %s", p,
	    strerror(errno));
	fputs(text, fp);
	ck_assert_int_eq(fclose(fp), 0);
	return p;
}

/* tu_clock - a dkim_clock_fn: the time_t that clock_arg points to */
time_t
tu_clock(void *arg)
{
	return *(const time_t *)arg;
}

/* tu_log_capture - a syslog-style log callback (guard_log_fn): keep
 * the line in the struct tu_log that arg points to; thread-safe */
void
tu_log_capture(void *arg, int prio, const char *fmt, ...)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct tu_log *lg = arg;
	va_list ap;

	pthread_mutex_lock(&lock);
	if (lg->n < TU_LOG_LINES) {
		va_start(ap, fmt);
		vsnprintf(lg->line[lg->n++], sizeof(lg->line[0]), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&lock);
}

/* tu_keygen - a new key (bits: RSA only) */
dkim_key *
tu_keygen(dkim_keytype type, unsigned bits)
{
	char err[256];
	dkim_key *key;

	ck_assert_msg(dkim_key_generate(type, bits, &key, err, sizeof(err)) ==
		DKIM_OK,
	    "dkim_key_generate: %s", err);
	return key;
}

/* tu_key_file - the key in a file */
dkim_key *
tu_key_file(const char *path)
{
	char err[256];
	dkim_key *key;

	ck_assert_msg(dkim_key_from_file(path, &key, err, sizeof(err)) ==
		DKIM_OK,
	    "%s: %s", path, err);
	return key;
}
