/*
 * test_lookup_file.c - dns.tsv lookup tables and TXT answers.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dkim.h"
#include "testutil.h"

static const char table[] = "# a comment\n"
			    "\n"
			    "Sel._domainkey.Example.COM\tv=DKIM1; p=abc\n"
			    "two._domainkey.example.com\tfirst\n"
			    "two._domainkey.example.com\tsecond\r\n"
			    "gone._domainkey.example.com\t@NXDOMAIN\n"
			    "broken._domainkey.example.com\t@SERVFAIL\n"
			    "slow._domainkey.example.com\t@TIMEOUT\n"
			    "empty._domainkey.example.com\t@NODATA\n"
			    "dot._domainkey.example.com.\t\tk=rsa; p=\n"
			    "legitimate.com(.attacker.com\tp=odd\n";

static const struct {
	const char *name;
	dkim_dns_status status;
	size_t count;
	const char *txt0, *txt1;
} cases[] = {
    {"sel._domainkey.example.com", DKIM_DNS_OK, 1, "v=DKIM1; p=abc", NULL},
    {"SEL._DOMAINKEY.EXAMPLE.COM", DKIM_DNS_OK, 1, "v=DKIM1; p=abc", NULL},
    {"sel._domainkey.example.com.", DKIM_DNS_OK, 1, "v=DKIM1; p=abc", NULL},
    {"two._domainkey.example.com", DKIM_DNS_OK, 2, "first", "second"},
    {"gone._domainkey.example.com", DKIM_DNS_NXDOMAIN, 0, NULL, NULL},
    {"broken._domainkey.example.com", DKIM_DNS_SERVFAIL, 0, NULL, NULL},
    {"slow._domainkey.example.com", DKIM_DNS_TIMEOUT, 0, NULL, NULL},
    {"empty._domainkey.example.com", DKIM_DNS_NODATA, 0, NULL, NULL},
    {"dot._domainkey.example.com", DKIM_DNS_OK, 1, "k=rsa; p=", NULL},
    {"legitimate.com(.attacker.com", DKIM_DNS_OK, 1, "p=odd", NULL},
    {"unlisted._domainkey.example.com", DKIM_DNS_NXDOMAIN, 0, NULL, NULL},
    {"example.com", DKIM_DNS_NXDOMAIN, 0, NULL, NULL},
    {"", DKIM_DNS_NXDOMAIN, 0, NULL, NULL},
};

/* test_lookup_cases - each name in the table */
START_TEST(test_lookup_cases)
{
	char path[256], err[256];
	dkim_lookup_file *lf;
	dkim_txt_answer ans;
	dkim_lookup l;

	tu_write_tmp(path, sizeof(path), table);
	ck_assert_msg(dkim_lookup_file_open(path, &lf, err, sizeof(err)) ==
		DKIM_OK,
	    "%s", err);
	unlink(path);
	l = dkim_lookup_file_iface(lf);
	ck_assert_ptr_eq(l.ctx, lf);
	memset(&ans, 0x55, sizeof(ans));
	ck_assert_int_eq(l.query(l.ctx, cases[_i].name, &ans), DKIM_OK);
	ck_assert_int_eq(ans.status, cases[_i].status);
	ck_assert_uint_eq(ans.ttl, 300);
	ck_assert_uint_eq(ans.count, cases[_i].count);
	if (cases[_i].txt0 != NULL)
		ck_assert_str_eq(ans.txt[0], cases[_i].txt0);
	if (cases[_i].txt1 != NULL)
		ck_assert_str_eq(ans.txt[1], cases[_i].txt1);
	dkim_txt_answer_clear(&ans);
	ck_assert_uint_eq(ans.count, 0);
	dkim_lookup_file_free(lf);
}
END_TEST

/* bad tables: each refused with the line number */
static const struct {
	const char *data, *reason;
} bad[] = {
    {"# ok\nno-tab-here\n", ":2: expected name<TAB>TXT"},
    {"\tv=DKIM1\n", ":1: expected name<TAB>TXT"},
    {"a.example\t@BOGUS\n", ":1: unknown keyword @BOGUS"},
};

/* test_lookup_bad - malformed tables */
START_TEST(test_lookup_bad)
{
	char path[256], err[512];
	dkim_lookup_file *lf = (dkim_lookup_file *)1;

	tu_write_tmp(path, sizeof(path), bad[_i].data);
	ck_assert_int_eq(dkim_lookup_file_open(path, &lf, err, sizeof(err)),
	    DKIM_EINVAL);
	unlink(path);
	ck_assert_ptr_null(lf);
	ck_assert_msg(strstr(err, bad[_i].reason) != NULL, "err '%s'", err);
	ck_assert_ptr_nonnull(strstr(err, path));
}
END_TEST

/* test_lookup_missing - a file that is not there; an empty file */
START_TEST(test_lookup_missing)
{
	char path[256], err[512];
	dkim_lookup_file *lf;
	dkim_txt_answer ans;
	dkim_lookup l;

	ck_assert_int_eq(dkim_lookup_file_open("/nonexistent/dns.tsv", &lf, err,
			     sizeof(err)),
	    DKIM_EIO);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/dns.tsv"));
	tu_write_tmp(path, sizeof(path), "");
	ck_assert_int_eq(dkim_lookup_file_open(path, &lf, NULL, 0), DKIM_OK);
	unlink(path);
	l = dkim_lookup_file_iface(lf);
	ck_assert_int_eq(l.query(l.ctx, "x._domainkey.example.com", &ans),
	    DKIM_OK);
	ck_assert_int_eq(ans.status, DKIM_DNS_NXDOMAIN);
	dkim_lookup_file_free(lf);
	dkim_lookup_file_free(NULL);
}
END_TEST

/* test_answer - add copies, caps at DKIM_TXT_MAX, clear frees */
START_TEST(test_answer)
{
	dkim_txt_answer ans;
	int k;

	memset(&ans, 0, sizeof(ans));
	for (k = 0; k < DKIM_TXT_MAX + 3; k++)
		ck_assert_int_eq(dkim_txt_answer_add(&ans, "abcdef", 3),
		    DKIM_OK);
	ck_assert_uint_eq(ans.count, DKIM_TXT_MAX);
	ck_assert_str_eq(ans.txt[DKIM_TXT_MAX - 1], "abc");
	dkim_txt_answer_clear(&ans);
	ck_assert_uint_eq(ans.count, 0);
	ck_assert_ptr_null(ans.txt[0]);
	dkim_txt_answer_clear(&ans);
	dkim_txt_answer_clear(NULL);
}
END_TEST

/* the shared tables, and one name each must answer */
static const struct {
	const char *file, *name, *prefix;
	dkim_dns_status status;
} shared[] = {
    {"rfc-examples/dns.tsv", "brisbane._domainkey.example.com",
	"v=DKIM1; p=MIGfMA0G", DKIM_DNS_OK},
    {"dkimpy/dns.tsv", "sed._domainkey.test.ex",
	"v=DKIM1; k=ed25519; p=", DKIM_DNS_OK},
    {"dkimpy/dns-badkey.tsv", "test._domainkey.football.example.com",
	"k=rsa; p=MFwwDQYJKoZIhvNAQ", DKIM_DNS_OK},
    {"opendkim-milter/dns.tsv", "revoked._domainkey.example.com",
	"k=rsa; t=y; p=", DKIM_DNS_OK},
    {"opendkim-milter/dns.tsv", "nosuch._domainkey.example.com", NULL,
	DKIM_DNS_NXDOMAIN},
};

/* test_lookup_shared - the conformance tables load and answer */
START_TEST(test_lookup_shared)
{
	char path[1024], err[512];
	dkim_lookup_file *lf;
	dkim_txt_answer ans;
	dkim_lookup l;

	if (!tu_have_testdata())
		return;
	snprintf(path, sizeof(path), "%s/%s", tu_testdata(), shared[_i].file);
	ck_assert_msg(dkim_lookup_file_open(path, &lf, err, sizeof(err)) ==
		DKIM_OK,
	    "%s", err);
	l = dkim_lookup_file_iface(lf);
	ck_assert_int_eq(l.query(l.ctx, shared[_i].name, &ans), DKIM_OK);
	ck_assert_int_eq(ans.status, shared[_i].status);
	if (shared[_i].prefix != NULL) {
		ck_assert_uint_eq(ans.count, 1);
		ck_assert_int_eq(strncmp(ans.txt[0], shared[_i].prefix,
				     strlen(shared[_i].prefix)),
		    0);
	}
	dkim_txt_answer_clear(&ans);
	dkim_lookup_file_free(lf);
}
END_TEST

/* row_answered - does the table answer name with txt (or, for an
 * @KEYWORD row, with something other than records)? */
static int
row_answered(dkim_lookup *l, const char *name, const char *txt)
{
	dkim_txt_answer ans;
	size_t i;
	int ok = 0;

	ck_assert_int_eq(l->query(l->ctx, name, &ans), DKIM_OK);
	if (txt[0] == '@')
		ok = ans.status != DKIM_DNS_OK;
	else
		for (i = 0; ans.status == DKIM_DNS_OK && i < ans.count; i++)
			ok |= strcmp(ans.txt[i], txt) == 0;
	dkim_txt_answer_clear(&ans);
	return ok;
}

/*
 * test_lookup_every_row - every row of every dns*.tsv of the shared data
 * is answered as written: the tables the conformance suite and the e2e
 * tests run on load whole, not only the names cases above ask for.
 */
START_TEST(test_lookup_every_row)
{
	static const char *const suffixes[] = {".tsv", NULL};
	char path[1024], err[512], line[8192], *tab, *txt, **data;
	size_t i, n, ran = 0, held = 0;
	dkim_lookup_file *lf;
	dkim_lookup l;
	FILE *fp;

	if (!tu_have_testdata())
		return;
	data = tu_data_files(suffixes, &n);
	for (i = 0; i < n; i++) {
		const char *base = strrchr(data[i], '/');

		if (strncmp(base != NULL ? base + 1 : data[i], "dns", 3) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tu_testdata(), data[i]);
		ck_assert_msg(dkim_lookup_file_open(path, &lf, err,
				  sizeof(err)) == DKIM_OK,
		    "%s", err);
		l = dkim_lookup_file_iface(lf);
		ck_assert_ptr_nonnull(fp = fopen(path, "r"));
		while (fgets(line, sizeof(line), fp) != NULL) {
			line[strcspn(line, "\r\n")] = '\0';
			if (line[0] == '\0' || line[0] == '#')
				continue;
			held++;
			if ((tab = strchr(line, '\t')) == NULL)
				continue; /* the open above would fail */
			*tab = '\0';
			for (txt = tab + 1; *txt == '\t'; txt++)
				;
			if (row_answered(&l, line, txt))
				ran++;
			else
				printf("%s: %s not answered with its row\n",
				    data[i], line);
		}
		fclose(fp);
		dkim_lookup_file_free(lf);
	}
	tu_data_files_free(data, n);
	tu_data_ran("dns*.tsv rows", ran, held);
}
END_TEST

/* lookup_suite - all cases */
static Suite *
lookup_suite(void)
{
	Suite *s = suite_create("lookup_file");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_lookup_cases, 0, (int)NELEM(cases));
	tcase_add_loop_test(tc, test_lookup_bad, 0, (int)NELEM(bad));
	tcase_add_test(tc, test_lookup_missing);
	tcase_add_test(tc, test_answer);
	tcase_add_loop_test(tc, test_lookup_shared, 0, (int)NELEM(shared));
	tcase_add_test(tc, test_lookup_every_row);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(lookup_suite());
}
