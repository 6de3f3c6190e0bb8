/*
 * test_keytable_action.c - the key table's optional guard=ACTION column
 * (a per-key GuardAction): read in dkimguard's and in OpenDKIM's line
 * format, absent in a plain OpenDKIM table (every entry then follows
 * GuardAction), and a malformed one reported with FILE:LINE.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config/keytable.h"
#include "common/guard/guard.h"
#include "testutil.h"

static char dir[TU_PATH_MAX];

static void
setup(void)
{
	tu_tmpdir(dir, sizeof dir, "kt-action");
}

static void
teardown(void)
{
	tu_rmtree(dir);
}

/* the expected action of each named entry; -1: GuardAction applies */
struct want {
	const char *name;
	int action;
};

START_TEST(column_in_both_formats)
{
	static const char text[] =
	    "plain  example.com  s1  keys/a.key\n"
	    "held   example.com  s2  keys/b.key  guard=hold\n"
	    "odk    example.org:odk:/etc/odk.private\n"
	    "odkx   example.org:odk2:/etc/odk2.private  guard=unsigned\n"
	    "sign   example.net  s3  keys/c.key  guard=sign\n"
	    "tf     example.net  s4  keys/d.key  guard=tempfail\n";
	static const struct want want[] = {{"plain", -1},
	    {"held", GUARD_ACT_HOLD}, {"odk", -1}, {"odkx", GUARD_ACT_UNSIGNED},
	    {"sign", GUARD_ACT_SIGN}, {"tf", GUARD_ACT_TEMPFAIL}};
	struct errlist el = {0};
	struct keytable *kt = keytable_load(tu_put(dir, "kt", text), &el);
	const struct keyent *e;
	size_t i;

	ck_assert_msg(kt != NULL, "%s", errlist_str(&el));
	ck_assert_uint_eq(kt->n, sizeof want / sizeof *want);
	for (i = 0; i < sizeof want / sizeof *want; i++) {
		e = keytable_find(kt, want[i].name);
		ck_assert_ptr_nonnull(e);
		ck_assert_msg(e->guard_action == want[i].action,
		    "%s: action %d, want %d", want[i].name, e->guard_action,
		    want[i].action);
	}
	/* the column is not part of the path */
	ck_assert_str_eq(keytable_find(kt, "odkx")->path, "/etc/odk2.private");
	ck_assert_str_eq(keytable_find(kt, "odkx")->selector, "odk2");
	keytable_free(kt);
}
END_TEST

static const struct {
	const char *text, *error;
} bad[] = {
    {"a d.com s /k\nb d.com s /k guard=later\n",
	"kt:2: key 'b': 'guard=later' is not guard=tempfail"},
    {"a d.com:s:/k guard=\n", "kt:1: key 'a': 'guard=' is not"},
    /* a fifth field that is not guard= stays an error */
    {"a d.com s /k hold\n", "kt:1: expected NAME DOMAIN SELECTOR"},
    {"a d.com:s:/k extra\n", "kt:1: expected NAME DOMAIN SELECTOR"},
};

START_TEST(column_errors)
{
	struct errlist el = {0};

	ck_assert_ptr_null(keytable_load(tu_put(dir, "kt", bad[_i].text), &el));
	ck_assert_msg(strstr(errlist_str(&el), bad[_i].error) != NULL,
	    "case %d: '%s' lacks '%s'", _i, errlist_str(&el), bad[_i].error);
	errlist_free(&el);
}
END_TEST

Suite *
keytable_action_suite(void)
{
	Suite *s = suite_create("keytable_action");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, column_in_both_formats);
	tcase_add_loop_test(tc, column_errors, 0, sizeof bad / sizeof *bad);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(keytable_action_suite());
}
