/*
 * test_keytool_table.c - dkimguard-keytool's table editing: lines kept
 * byte for byte, both key table formats, signing table retargeting,
 * marker comments, atomic replacement under a concurrent reader.
 *
 * The keytool's modules come from build/obj/libkeytool.a, which the
 * Makefile links into every unit test with the other layers.
 */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "keytool/keytool.h"

#include "keytool/table.h"

#include "keytool/keyset.h"
#include "testutil.h"

static char dir[TU_PATH_MAX];

/* put - write a file in the test folder; returns its path (static) */
static const char *
put(const char *name, const char *text)
{
	return tu_put(dir, name, text);
}

/* slurp - a file's contents (malloc'ed) */
static char *
slurp(const char *path)
{
	char *buf = tu_read_file(path, NULL);

	ck_assert_msg(buf != NULL, "cannot read %s", path);
	return buf;
}

static void
setup(void)
{
	tu_tmpdir(dir, sizeof dir, "kt-table");
}

static void
teardown(void)
{
	tu_rmtree(dir);
}

/* files that must come back byte for byte after load + write */
static const char *const roundtrip[] = {
    "",
    "a\n",
    "no final newline",
    "# comment\n\n  indented   fields\t tab # trailing\n\n",
    "crlf line\r\nnext\r\n",
    "cont \\\n  inued\n",
    "\n\n\n",
};

/* test_roundtrip - untouched lines are written back unchanged */
START_TEST(test_roundtrip)
{
	const char *p = put("t", roundtrip[_i]);
	struct kt_table t;
	char *got;

	ck_assert_int_eq(kt_table_load(&t, p, 0), 0);
	ck_assert_int_eq(kt_table_write(&t, 1), 0);
	got = slurp(p);
	ck_assert_str_eq(got, roundtrip[_i]);
	free(got);
	kt_table_free(&t);
}
END_TEST

/* test_edit_lines - insert, set, remove leave other lines alone */
START_TEST(test_edit_lines)
{
	const char *p = put("t", "one\n# two\nthree");
	struct kt_table t;
	char *got;

	ck_assert_int_eq(kt_table_load(&t, p, 0), 0);
	ck_assert_int_eq(kt_table_insert(&t, 1, "new"), 0);
	ck_assert_int_eq(kt_table_set(&t, 0, "ONE"), 0);
	kt_table_remove(&t, 2);
	ck_assert_int_eq(kt_table_insert(&t, t.n, "last"), 0);
	ck_assert_int_eq(kt_table_write(&t, 0), 0);
	got = slurp(p);
	ck_assert_str_eq(got, "ONE\nnew\nthree\nlast\n");
	free(got);
	kt_table_free(&t);
}
END_TEST

/* test_backup_mode - PATH.bak holds the old file; mode is kept */
START_TEST(test_backup_mode)
{
	const char *p = put("t", "old\n");
	char bak[TU_PATH_MAX + 8], *got;
	struct kt_table t;
	struct stat st;

	ck_assert_int_eq(chmod(p, 0640), 0);
	ck_assert_int_eq(kt_table_load(&t, p, 0), 0);
	ck_assert_int_eq(kt_table_set(&t, 0, "new"), 0);
	ck_assert_int_eq(kt_table_write(&t, 1), 0);
	snprintf(bak, sizeof bak, "%s.bak", p);
	got = slurp(bak);
	ck_assert_str_eq(got, "old\n");
	free(got);
	got = slurp(p);
	ck_assert_str_eq(got, "new\n");
	free(got);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	kt_table_free(&t);
}
END_TEST

/* test_changed_underneath - a file edited meanwhile is not overwritten */
START_TEST(test_changed_underneath)
{
	const char *p = put("t", "mine\n");
	struct kt_table t;
	char *got;

	ck_assert_int_eq(kt_table_load(&t, p, 0), 0);
	put("t", "someone else's edit\n");
	ck_assert_int_eq(kt_table_set(&t, 0, "x"), 0);
	ck_assert_int_eq(kt_table_write(&t, 1), -1);
	got = slurp(p);
	ck_assert_str_eq(got, "someone else's edit\n");
	free(got);
	kt_table_free(&t);
}
END_TEST

/* test_unwritable - a failed write changes nothing, leaves no temp */
START_TEST(test_unwritable)
{
	const char *p = put("t", "keep\n");
	struct kt_table t;
	char *got, cmd[TU_PATH_MAX + 64];

	if (geteuid() == 0)
		return; /* root writes anywhere: nothing to test */
	ck_assert_int_eq(kt_table_load(&t, p, 0), 0);
	ck_assert_int_eq(chmod(dir, 0555), 0);
	ck_assert_int_eq(kt_table_write(&t, 1), -1);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	got = slurp(p);
	ck_assert_str_eq(got, "keep\n");
	free(got);
	snprintf(cmd, sizeof cmd, "test $(ls '%s' | wc -l) -eq 1", dir);
	ck_assert_int_eq(system(cmd), 0);
	kt_table_free(&t);
}
END_TEST

/* reader - read p until told to stop; exit 1 on a torn read */
static void
reader(const char *p, const char *a, const char *b)
{
	for (;;) {
		char *got = slurp(p);
		if (strcmp(got, a) != 0 && strcmp(got, b) != 0)
			_exit(1);
		free(got);
	}
}

/* test_atomic_concurrent - a reader never sees a partial table */
START_TEST(test_atomic_concurrent)
{
	static char a[8192], b[8192];
	const char *p;
	struct kt_table t;
	pid_t pid;
	int status;

	for (size_t i = 0; i < sizeof a - 1; i++) {
		a[i] = i % 64 == 63 ? '\n' : 'a';
		b[i] = i % 64 == 63 ? '\n' : 'b';
	}
	p = put("t", a);
	if ((pid = fork()) == 0)
		reader(p, a, b);
	for (int i = 0; i < 300; i++) {
		const char *want = i % 2 ? a : b;
		ck_assert_int_eq(kt_table_load(&t, p, 0), 0);
		for (size_t l = 0; l < t.n; l++)
			t.line[l][0] = want[0];
		for (size_t l = 0; l < t.n; l++)
			memset(t.line[l], want[0], strlen(t.line[l]));
		ck_assert_int_eq(kt_table_write(&t, 1), 0);
		kt_table_free(&t);
	}
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status), "the reader saw a torn table");
}
END_TEST

#define KT_OPENDKIM                                                            \
	"# keys\n"                                                             \
	"k1   example.com:s1:./keys/k1.pem   # the main key\n"                 \
	"\n"                                                                   \
	"own\texample.org\ts2\t/abs/own.pem\n"
#define ST_BOTH                                                                \
	"# signing\n"                                                          \
	"example.com  k1:@example.com  own   # two signatures\n"               \
	"example.net  k1\n"

/* load_set - a keyset from two fresh files */
static void
load_set(struct kt_keyset *ks, const char *kt, const char *st)
{
	struct kt_conf c;

	memset(&c, 0, sizeof c);
	c.keytable = strdup(put("keytable", kt));
	c.signtable = strdup(put("signtable", st));
	ck_assert_int_eq(kt_keyset_load(ks, &c), 0);
	kt_conf_free(&c);
}

/* test_parse_formats - both key formats, references with identities */
START_TEST(test_parse_formats)
{
	struct kt_keyset ks;
	const struct kt_key *k;

	load_set(&ks, KT_OPENDKIM, ST_BOTH);
	ck_assert_uint_eq(ks.nkey, 2);
	k = kt_keyset_find(&ks, "example.com", "s1");
	ck_assert_ptr_nonnull(k);
	ck_assert(k->opendkim);
	ck_assert_str_eq(k->name, "k1");
	ck_assert_str_eq(k->path, "./keys/k1.pem");
	ck_assert_str_eq(k->file + strlen(k->file) - 14, "/./keys/k1.pem");
	k = kt_keyset_find(&ks, "EXAMPLE.org", "s2");
	ck_assert_ptr_nonnull(k);
	ck_assert(!k->opendkim);
	ck_assert_str_eq(k->file, "/abs/own.pem");
	ck_assert_uint_eq(kt_keyset_nrefs(&ks, "k1"), 2);
	ck_assert_uint_eq(kt_keyset_nrefs(&ks, "own"), 1);
	kt_keyset_free(&ks);
}
END_TEST

/* test_add_after - a new line follows the old one, same format/spacing */
START_TEST(test_add_after)
{
	struct kt_keyset ks;
	char *got;

	load_set(&ks, KT_OPENDKIM, ST_BOTH);
	ck_assert_int_eq(kt_keyset_add_after(&ks, kt_keyset_byname(&ks, "own"),
			     "own2", "s3", "/abs/own2.pem"),
	    0);
	ck_assert_int_eq(kt_keyset_add_after(&ks, kt_keyset_byname(&ks, "k1"),
			     "k2", "s9", "./keys/k2.pem"),
	    0);
	ck_assert_int_eq(kt_keyset_mark(&ks, "k2", "staged s9"), 0);
	ck_assert_int_eq(kt_table_write(&ks.kt, 1), 0);
	got = slurp(ks.kt.path);
	ck_assert_str_eq(got,
	    "# keys\n"
	    "k1   example.com:s1:./keys/k1.pem   # the main key\n"
	    "# dkimguard-keytool: staged s9\n"
	    "k2   example.com:s9:./keys/k2.pem\n"
	    "\n"
	    "own\texample.org\ts2\t/abs/own.pem\n"
	    "own2\texample.org\ts3\t/abs/own2.pem\n");
	free(got);
	ck_assert(kt_keyset_byname(&ks, "k2")->staged);
	ck_assert(!kt_keyset_byname(&ks, "k1")->staged);
	kt_keyset_free(&ks);
}
END_TEST

/* test_mark_remove - markers replaced and removed; remove takes both */
START_TEST(test_mark_remove)
{
	struct kt_keyset ks;
	char *got;

	load_set(&ks, KT_OPENDKIM, ST_BOTH);
	ck_assert_int_eq(kt_keyset_mark(&ks, "own", "staged x"), 0);
	ck_assert_int_eq(kt_keyset_mark(&ks, "own", "retiring x"), 0);
	ck_assert_int_eq(kt_keyset_mark(&ks, "k1", "staged y"), 0);
	ck_assert_int_eq(kt_keyset_mark(&ks, "k1", NULL), 0);
	ck_assert_int_eq(kt_keyset_remove(&ks, "own"), 0);
	ck_assert_int_eq(kt_table_write(&ks.kt, 1), 0);
	got = slurp(ks.kt.path);
	ck_assert_str_eq(got,
	    "# keys\n"
	    "k1   example.com:s1:./keys/k1.pem   # the main key\n\n");
	free(got);
	kt_keyset_free(&ks);
}
END_TEST

/* test_retarget - references renamed in place: identity, comment kept */
START_TEST(test_retarget)
{
	struct kt_keyset ks;
	char *got;

	load_set(&ks, KT_OPENDKIM "k2 example.com:s9:./keys/k2.pem\n",
	    ST_BOTH "refs k1 \\\n   own\n");
	ck_assert_int_eq(kt_keyset_retarget(&ks, "k1", "k2"), 3);
	ck_assert_int_eq(kt_keyset_retarget(&ks, "k1", "k2"), 0);
	ck_assert_int_eq(kt_keyset_validate(&ks), 0);
	ck_assert_int_eq(kt_table_write(&ks.st, 1), 0);
	got = slurp(ks.st.path);
	ck_assert_str_eq(got,
	    "# signing\n"
	    "example.com  k2:@example.com  own   # two signatures\n"
	    "example.net  k2\n"
	    "refs k2     own\n");
	free(got);
	kt_keyset_free(&ks);
}
END_TEST

/* test_refused - tables the milter refuses are refused, and stay */
START_TEST(test_refused)
{
	struct kt_keyset ks;
	struct kt_conf c;

	memset(&c, 0, sizeof c);
	c.keytable = strdup(put("keytable", KT_OPENDKIM));
	c.signtable = strdup(put("signtable", "example.com nosuchkey\n"));
	ck_assert_int_eq(kt_keyset_load(&ks, &c), -1);
	free(c.signtable);
	c.signtable = strdup("/nonexistent/signtable");
	ck_assert_int_eq(kt_keyset_load(&ks, &c), -1);
	free(c.signtable);
	c.signtable = NULL;
	ck_assert_int_eq(kt_keyset_load(&ks, &c), -1);
	kt_conf_free(&c);
}
END_TEST

/* test_validate_bad_edit - an edit the milter would refuse is caught */
START_TEST(test_validate_bad_edit)
{
	struct kt_keyset ks;

	load_set(&ks, KT_OPENDKIM, ST_BOTH);
	ck_assert_int_eq(kt_keyset_retarget(&ks, "k1", "ghost"), 2);
	ck_assert_int_eq(kt_keyset_validate(&ks), -1);
	kt_keyset_free(&ks);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("keytool_table");
	TCase *tc = tcase_create("table");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_roundtrip, 0,
	    (int)(sizeof roundtrip / sizeof roundtrip[0]));
	tcase_add_test(tc, test_edit_lines);
	tcase_add_test(tc, test_backup_mode);
	tcase_add_test(tc, test_changed_underneath);
	tcase_add_test(tc, test_unwritable);
	tcase_add_test(tc, test_atomic_concurrent);
	tcase_add_test(tc, test_parse_formats);
	tcase_add_test(tc, test_add_after);
	tcase_add_test(tc, test_mark_remove);
	tcase_add_test(tc, test_retarget);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_validate_bad_edit);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(suite());
}
