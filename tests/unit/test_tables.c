/*
 * test_tables.c - key and signing tables in dkimguard's format and in
 * OpenDKIM's (KeyTable, SigningTable, refile: wildcards, '%' domains),
 * lookup order with parent domains, several signatures, key file
 * owner/mode checks; the line reader itself (fields with offsets, the
 * physical lines of an entry, the same entries from a file and from
 * lines in memory).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/config/keyfile.h"
#include "common/config/keytable.h"
#include "common/config/signtable.h"
#include "util/tables.h"
#include "testutil.h"

static char dir[TU_PATH_MAX];

/* put - write text to dir/name; returns the path (static buffer) */
static const char *
put(const char *name, const char *text)
{
	return tu_put(dir, name, text);
}

static void
setup(void)
{
	tu_tmpdir(dir, sizeof dir, "tables");
}

static void
teardown(void)
{
	tu_rmtree(dir);
}

static const char kt_text[] =
    "# dkimguard format\n"
    "rsa      example.com  s2026  keys/rsa.key\n"
    "ed       example.com  ed2026 /etc/ed.key   # absolute\n"
    "# OpenDKIM format\n"
    "odk._domainkey.example.org example.org:odk:/etc/odk.private\n"
    "any      %            multi  keys/any.key\n"
    "long     example.net \\\n   sel   keys/long.key\n";

START_TEST(test_keytable_both_formats)
{
	struct errlist el = {0};
	struct keytable *kt = keytable_load(put("kt", kt_text), &el);
	const struct keyent *e;
	char want[TU_PATH_MAX + 32];

	ck_assert_msg(kt != NULL, "%s", errlist_str(&el));
	ck_assert_uint_eq(kt->n, 5);
	e = keytable_find(kt, "rsa");
	ck_assert_str_eq(e->domain, "example.com");
	ck_assert_str_eq(e->selector, "s2026");
	snprintf(want, sizeof want, "%s/keys/rsa.key", dir);
	ck_assert_str_eq(e->path, want);
	e = keytable_find(kt, "odk._domainkey.example.org");
	ck_assert_str_eq(e->domain, "example.org");
	ck_assert_str_eq(e->selector, "odk");
	ck_assert_str_eq(e->path, "/etc/odk.private");
	ck_assert_str_eq(keytable_find(kt, "any")->domain, "%");
	e = keytable_find(kt, "long");
	ck_assert_str_eq(e->selector, "sel");
	snprintf(want, sizeof want, "%s/kt:7", dir);
	ck_assert_str_eq(e->where, want);
	ck_assert_ptr_null(keytable_find(kt, "nope"));
	keytable_free(kt);
}
END_TEST

struct bad_case {
	const char *text;
	const char *error;
};

static const struct bad_case kt_bad[] = {
    {"a example.com sel\n", "kt:1: expected NAME DOMAIN SELECTOR"},
    {"a example.com:sel:MIIEvQIBADANBgkq\n", "inline key data"},
    {"a d.com s /k\n\na d.com t /k\n", "kt:3: key name 'a' is defined"},
    {"a bad_dom@ s /k\n", "'bad_dom@' is not a domain"},
    {"a d.com s/x /k\n", "'s/x' is not a selector"},
};

START_TEST(test_keytable_errors)
{
	struct errlist el = {0};

	ck_assert_ptr_null(keytable_load(put("kt", kt_bad[_i].text), &el));
	ck_assert_msg(strstr(errlist_str(&el), kt_bad[_i].error) != NULL,
	    "case %d: '%s' lacks '%s'", _i, errlist_str(&el), kt_bad[_i].error);
	errlist_free(&el);
}
END_TEST

/* match - run signtable_match and render "key/domain[/id],..." */
static const char *
match(const char *spec, const char *st_text, const char *local,
    const char *domain, int flags)
{
	static char out[512];
	struct errlist el = {0};
	struct keytable *kt = keytable_load(put("kt", kt_text), &el);
	struct signtable *st;
	struct sigsel sel[8];
	size_t n, i;

	ck_assert_msg(kt != NULL, "%s", errlist_str(&el));
	put("st", st_text);
	st = signtable_load(spec, kt, &el);
	ck_assert_msg(st != NULL, "%s", errlist_str(&el));
	n = signtable_match(st, local, domain, flags, sel, 8);
	out[0] = '\0';
	for (i = 0; i < n; i++)
		snprintf(out + strlen(out), sizeof out - strlen(out),
		    "%s%s/%s%s%s", i ? "," : "", sel[i].key->name,
		    sel[i].domain, sel[i].identity[0] ? "/" : "",
		    sel[i].identity);
	signtable_free(st);
	keytable_free(kt);
	return out;
}

struct match_case {
	int refile;
	const char *table;
	const char *local, *domain;
	int flags;
	const char *want;
};

static const char plain[] =
    "example.com            rsa ed\n"
    "bob@example.com        long\n"
    ".example.com           odk._domainkey.example.org\n"
    "alice@.example.com     any\n"
    "example.org            any:%\n"
    "example.org            rsa\n"
    "carol@*                ed\n";

static const char wild[] = "# OpenDKIM refile: first match in file order\n"
			   "*@mail.example.com     long\n"
			   "*@example.com          rsa\n"
			   "*@*.example.com        odk._domainkey.example.org\n"
			   "*@example.com          ed\n"
			   "*                      any:noreply@%\n";

static const struct match_case mcases[] = {
    /* plain: user@host, host, user@.parent, .parent, user@*, * */
    {0, plain, "joe", "example.com", 0, "rsa/example.com,ed/example.com"},
    {0, plain, "bob", "example.com", 0, "long/example.net"},
    {0, plain, "BOB", "Example.COM", 0, "long/example.net"},
    {0, plain, "joe", "a.b.example.com", 0,
	"odk._domainkey.example.org/example.org"},
    {0, plain, "alice", "a.example.com", 0, "any/a.example.com"},
    {0, plain, "alice", "example.com", 0, "rsa/example.com,ed/example.com"},
    {0, plain, "joe", "example.org", 0, "any/example.org/example.org"},
    {0, plain, "joe", "example.org", SIGNTABLE_MULTIPLE,
	"any/example.org/example.org,rsa/example.com"},
    {0, plain, "alice", "a.example.com", SIGNTABLE_MULTIPLE,
	"any/a.example.com,odk._domainkey.example.org/example.org"},
    {0, plain, "carol", "other.net", 0, "ed/example.com"},
    {0, plain, "dave", "other.net", 0, ""},
    {0, plain, NULL, "other.net", 0, ""},
    {0, "example.com rsa\n", "x", "sub.example.com", 0, ""},
    {0, "example.com rsa\n", "x", "sub.example.com", SIGNTABLE_SUBDOMAINS,
	"rsa/example.com"},
    {0, "* any\n", "x", "sub.example.com", 0, "any/sub.example.com"},
    /* refile: wildcards, file order */
    {1, wild, "joe", "mail.example.com", 0, "long/example.net"},
    {1, wild, "joe", "example.com", 0, "rsa/example.com"},
    {1, wild, "joe", "example.com", SIGNTABLE_MULTIPLE,
	"rsa/example.com,ed/example.com,any/example.com/noreply@example.com"},
    {1, wild, "joe", "deep.sub.example.com", 0,
	"odk._domainkey.example.org/example.org"},
    {1, wild, "joe", "elsewhere.org", 0,
	"any/elsewhere.org/noreply@elsewhere.org"},
    {1, "*@EXAMPLE.com rsa\n", "Joe", "example.COM", 0, "rsa/example.com"},
    {1, "*@example.com rsa\n", "joe", "notexample.com", 0, ""},
    /* an indexed "*@DOMAIN" entry never jumps an earlier pattern */
    {1, "*@*example.com odk._domainkey.example.org\n*@example.com rsa\n", "joe",
	"example.com", 0, "odk._domainkey.example.org/example.org"},
    {1, "*@*example.com odk._domainkey.example.org\n*@example.com rsa\n", "joe",
	"example.com", SIGNTABLE_MULTIPLE,
	"odk._domainkey.example.org/example.org,rsa/example.com"},
    {1, "*@example.com rsa\n*@*example.com odk._domainkey.example.org\n", "joe",
	"example.com", SIGNTABLE_MULTIPLE,
	"rsa/example.com,odk._domainkey.example.org/example.org"},
};

START_TEST(test_signtable_match)
{
	const struct match_case *c = &mcases[_i];
	char spec[TU_PATH_MAX + 16];
	const char *got;

	snprintf(spec, sizeof spec, "%s%s/st", c->refile ? "refile:" : "", dir);
	got = match(spec, c->table, c->local, c->domain, c->flags);
	ck_assert_msg(strcmp(got, c->want) == 0,
	    "case %d: %s@%s: got '%s' "
	    "want '%s'",
	    _i, c->local ? c->local : "", c->domain, got, c->want);
}
END_TEST

/* from_domains - signtable_from_domains of TABLE, joined by ',' */
static const char *
from_domains(int refile, const char *table)
{
	static char out[512];
	struct errlist el = {0};
	struct keytable *kt = keytable_load(put("kt", kt_text), &el);
	struct signtable *st;
	const char **d;
	char spec[TU_PATH_MAX + 16];
	size_t n, i;

	ck_assert_msg(kt != NULL, "%s", errlist_str(&el));
	put("st", table);
	snprintf(spec, sizeof spec, "%s%s/st", refile ? "refile:" : "", dir);
	st = signtable_load(spec, kt, &el);
	ck_assert_msg(st != NULL, "%s", errlist_str(&el));
	n = signtable_from_domains(st, &d);
	out[0] = '\0';
	for (i = 0; i < n; i++)
		snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s",
		    i ? "," : "", d[i]);
	free(d);
	signtable_free(st);
	keytable_free(kt);
	return out;
}

/* the From: domains a table names: no wildcard, no ".parent" */
START_TEST(test_signtable_from_domains)
{
	const char **d;

	ck_assert_str_eq(from_domains(0, plain),
	    "example.com,example.com,example.org,example.org");
	ck_assert_str_eq(from_domains(1, wild),
	    "mail.example.com,example.com,example.com");
	ck_assert_str_eq(from_domains(0, "* any\n% any\nlocalhost any\n"), "");
	ck_assert_uint_eq(signtable_from_domains(NULL, &d), 0);
	ck_assert_ptr_null(d);
}
END_TEST

/* pct_seen - signtable_pct_keys's callback: "domain/key/selector," */
static int
pct_seen(void *arg, const char *domain, const struct keyent *key)
{
	char *out = arg;

	snprintf(out + strlen(out), 512 - strlen(out), "%s/%s/%s,", domain,
	    key->name, key->selector);
	return 0;
}

/* the "%" keys of each literal From: domain, a "%" KEYNAME resolved to
 * the key named by the domain; fixed-domain keys and wildcards left out */
START_TEST(test_signtable_pct_keys)
{
	struct errlist el = {0};
	struct keytable *kt =
	    keytable_load(put("kt2",
			      "any % multi keys/any.key\n"
			      "shop.example % s1 keys/shop.key\n"
			      "fixed example.com s keys/f.key\n"),
		&el);
	struct signtable *st;
	char spec[TU_PATH_MAX + 16], out[512] = "";

	ck_assert_msg(kt != NULL, "%s", errlist_str(&el));
	put("st2",
	    "*@shop.example %\n*@news.example any fixed\n"
	    "*@*.example any\n*@example.com fixed\n* any\n");
	snprintf(spec, sizeof spec, "refile:%s/st2", dir);
	st = signtable_load(spec, kt, &el);
	ck_assert_msg(st != NULL, "%s", errlist_str(&el));
	ck_assert_int_eq(signtable_pct_keys(st, pct_seen, out), 0);
	ck_assert_str_eq(out,
	    "shop.example/shop.example/s1,news.example/any/multi,");
	ck_assert_int_eq(signtable_pct_keys(NULL, pct_seen, out), 0);
	signtable_free(st);
	keytable_free(kt);
}
END_TEST

static const struct bad_case st_bad[] = {
    {"example.com\n", "st:1: expected PATTERN KEYNAME"},
    {"example.com nokey\n", "st:1: key name 'nokey' is not in the key"},
    {"*@example.com rsa\n", "wildcards need a refile: table"},
    {"*.example.com rsa\n", "wildcards need a refile: table"},
};

START_TEST(test_signtable_errors)
{
	struct errlist el = {0};
	struct keytable *kt = keytable_load(put("kt", kt_text), &el);
	char spec[TU_PATH_MAX + 16];

	snprintf(spec, sizeof spec, "%s/st", dir);
	put("st", st_bad[_i].text);
	ck_assert_ptr_null(signtable_load(spec, kt, &el));
	ck_assert_msg(strstr(errlist_str(&el), st_bad[_i].error) != NULL,
	    "case %d: '%s' lacks '%s'", _i, errlist_str(&el), st_bad[_i].error);
	errlist_free(&el);
	keytable_free(kt);
}
END_TEST

struct stat_case {
	uid_t owner;
	mode_t mode;
	uid_t user_uid;
	const char *user;
	const char *error; /* NULL: accepted */
};

static const struct stat_case stat_cases[] = {
    {0, 0600, 0, NULL, NULL},
    {0, 0400, 0, NULL, NULL},
    {0, 0640, 0, NULL,
	"has mode 0640: group or others may read or "
	"change it; fix: chmod 600 '/k'"},
    {0, 0604, 0, NULL, "fix: chmod 600 '/k'"},
    {0, 0620, 0, NULL, "fix: chmod 600 '/k'"},
    {1000, 0600, 0, NULL,
	"owned by uid 1000, not by root; fix: chown "
	"root '/k'"},
    {1000, 0600, 1000, "dkimguard", NULL},
    {0, 0600, 1000, "dkimguard", NULL},
    {1001, 0600, 1000, "dkimguard",
	"not by dkimguard or root; fix: "
	"chown dkimguard '/k'"},
};

START_TEST(test_keyfile_check_stat)
{
	const struct stat_case *c = &stat_cases[_i];
	struct keyfile_policy pol = {1, c->user_uid, c->user};
	struct stat st;
	char why[512] = "";
	int rc;

	memset(&st, 0, sizeof st);
	st.st_uid = c->owner;
	st.st_mode = S_IFREG | c->mode;
	rc = keyfile_check_stat(&st, "/k", &pol, why, sizeof why);
	if (c->error == NULL)
		ck_assert_msg(rc == 0, "case %d: %s", _i, why);
	else
		ck_assert_msg(rc < 0 && strstr(why, c->error) != NULL,
		    "case %d: '%s' lacks '%s'", _i, why, c->error);
	pol.require_safe = 0;
	ck_assert_int_eq(keyfile_check_stat(&st, "/k", &pol, why, sizeof why),
	    0);
}
END_TEST

START_TEST(test_tables_glob)
{
	ck_assert(tables_glob("*", ""));
	ck_assert(tables_glob("*@*.example.com", "a@b.example.com"));
	ck_assert(!tables_glob("*@*.example.com", "a@example.com"));
	ck_assert(tables_glob("a*b*c", "aXXbYYc"));
	ck_assert(!tables_glob("a*b*c", "aXXbYY"));
	ck_assert(tables_glob("**x", "x"));
}
END_TEST

/* ---- the line reader: fields with offsets, physical extent ---- */

/* render - one entry as "L<line> P<first>-<last> [f@off]...|rest|" */
static int
render(void *arg, struct tables_entry *e)
{
	char *out = arg;
	int i;

	snprintf(out + strlen(out), 1024 - strlen(out), "L%u P%zu-%zu", e->line,
	    e->first, e->last);
	for (i = 0; i < e->nfield; i++) {
		/* the offsets and the C strings name the same bytes */
		ck_assert_uint_eq(strlen(e->field[i]), e->len[i]);
		ck_assert_int_eq(memcmp(e->field[i], e->text + e->off[i],
				     e->len[i]),
		    0);
		snprintf(out + strlen(out), 1024 - strlen(out), " %s@%zu",
		    e->field[i], e->off[i]);
	}
	snprintf(out + strlen(out), 1024 - strlen(out), " |%s|\n", e->rest);
	return 0;
}

static const struct reader_case {
	const char *text;
	const char *want;
} rcases[] = {
    {"a b  c\n", "L1 P0-0 a@0 b@2 c@5 |b  c|\n"},
    {"  a\tb # note\n", "L1 P0-0 a@2 b@4 |b|\n"},
    {"# all comment\n\n   \nx\n", "L4 P3-3 x@0 ||\n"},
    {"a#b c #d\n", "L1 P0-0 a#b@0 c@4 |c|\n"},
    {"a \\\n  b \\\n c\nd\n", "L1 P0-2 a@0 b@5 c@9 |b   c|\nL4 P3-3 d@0 ||\n"},
    {"a \\\n# cut\nb\n", "L1 P0-1 a@0 ||\nL3 P2-2 b@0 ||\n"},
    {"crlf x\r\n", "L1 P0-0 crlf@0 x@5 |x|\n"},
    {"last \\", "L1 P0-0 last@0 ||\n"},
    {"1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18\n",
	"L1 P0-0 1@0 2@2 3@4 4@6 5@8 6@10 7@12 8@14 9@16 10@18 11@21 "
	"12@24 13@27 14@30 15@33 16@36 |2 3 4 5 6 7 8 9 10 11 12 13 14 "
	"15 16 17 18|\n"},
};

START_TEST(test_reader)
{
	const struct reader_case *c = &rcases[_i];
	char fromfile[1024] = "", frommem[1024] = "";
	struct errlist el = {0};
	char *copy = strdup(c->text), *line[16], *p;
	size_t n = 0;

	/* the same reader over a file and over lines held in memory */
	ck_assert_int_eq(tables_read(put("r", c->text), render, fromfile, &el),
	    0);
	for (p = copy; n < 16 && *p != '\0'; n++) {
		line[n] = p;
		if ((p = strchr(p, '\n')) == NULL)
			break;
		*p++ = '\0';
	}
	if (p == NULL)
		n++;
	ck_assert_int_eq(tables_scan("mem", line, n, render, frommem), 0);
	free(copy);
	ck_assert_msg(strcmp(fromfile, c->want) == 0,
	    "case %d: got\n%s"
	    "want\n%s",
	    _i, fromfile, c->want);
	ck_assert_str_eq(frommem, fromfile);
	errlist_free(&el);
}
END_TEST

/* stop_at_2 - a callback that stops at the second entry */
static int
stop_at_2(void *arg, struct tables_entry *e)
{
	++*(int *)arg;
	ck_assert_str_eq(e->file, "mem");
	return e->line == 2 ? -1 : 0;
}

START_TEST(test_reader_stop)
{
	char a[] = "x", b[] = "y", c[] = "z";
	char *lines[] = {a, b, c};
	struct errlist el = {0};
	int calls = 0;

	ck_assert_int_eq(tables_scan("mem", lines, 3, stop_at_2, &calls), -1);
	ck_assert_int_eq(calls, 2);
	ck_assert_int_eq(tables_scan("mem", lines, 0, stop_at_2, &calls), 0);
	ck_assert_int_eq(tables_read("/nonexistent/dkimguard-table", stop_at_2,
			     &calls, &el),
	    -1);
	ck_assert(strstr(errlist_str(&el), "cannot open") != NULL);
	errlist_free(&el);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tables");
	TCase *tc = tcase_create("tables");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_keytable_both_formats);
	tcase_add_loop_test(tc, test_keytable_errors, 0,
	    sizeof kt_bad / sizeof kt_bad[0]);
	tcase_add_loop_test(tc, test_signtable_match, 0,
	    sizeof mcases / sizeof mcases[0]);
	tcase_add_test(tc, test_signtable_from_domains);
	tcase_add_test(tc, test_signtable_pct_keys);
	tcase_add_loop_test(tc, test_signtable_errors, 0,
	    sizeof st_bad / sizeof st_bad[0]);
	tcase_add_loop_test(tc, test_keyfile_check_stat, 0,
	    sizeof stat_cases / sizeof stat_cases[0]);
	tcase_add_test(tc, test_tables_glob);
	tcase_add_loop_test(tc, test_reader, 0,
	    sizeof rcases / sizeof rcases[0]);
	tcase_add_test(tc, test_reader_stop);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
