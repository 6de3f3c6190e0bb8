/*
 * test_keyrec.c - key records, RFC 6376 3.6.1 and RFC 8463 4.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dkim.h"
#include "testutil.h"

/* RFC 6376 C.2 brisbane: SubjectPublicKeyInfo, 1024 bits */
#define P_SPKI                                                                 \
	"MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/Dk"      \
	"MoGeLnQg1fWn7/zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC" \
	"2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDd" \
	"QPNUYckcQ2QIDAQAB"
/* go-msgauth newengland: a bare PKCS#1 RSAPublicKey, 1024 bits */
#define P_RAWRSA                                                                 \
	"MIGJAoGBALVI635dLK4cJJAH3Lx6upo3X/Lm1tQz3mezcWTA3BUBnyIsdnRf5"          \
	"7aD5BtNmhPrYYDlWlzw3UgnKisIxktkk5+iMQMlFtAS10JB8L3YadXNJY+JBcbeSi5TgJe" \
	"4WFzNgW95FWDAuSTRXSWZfA/8xjflbTLDx0euFZOM7C4T0GwLAgMBAAE="
/* RFC 8463 A.2 brisbane ed25519 raw public key */
#define P_ED "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
/* dkimpy test_bad.txt: valid base64, not a key */
#define P_NOTKEY                                                                 \
	"MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3i"          \
	"dY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8" \
	"uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIK" \
	"T+l/K4w3QIDAQA="
/* dkimpy dns-badkey.tsv: one character lost from P_... ("hvNAQ") */
#define P_CORRUPT                                                              \
	"MFwwDQYJKoZIhvNAQEBBQADSwAwSAJBANmBe10IgY+u7h3enWTukkqtUD5P"          \
	"R52Tb/mPfjC0QJTocVBq6Za/PlzfV+Py92VaCak19F4WrbVTK5Gg5tW220MCAwEAAQ=="

enum {
	A256 = 1,
	A1 = 2
}; /* dkim_keyrec_allows bits */
#define BAD(txt, why)                                                          \
	{                                                                      \
		txt, why, DKIM_KEY_RSA, 0, 0, 0, 0, 0                          \
	}

static const struct {
	const char *txt;
	const char *reason; /* NULL: parses */
	dkim_keytype type;
	int revoked, testing, strict;
	unsigned bits;
	int allows; /* A256 | A1 */
} cases[] = {
    {"v=DKIM1; p=" P_SPKI, NULL, DKIM_KEY_RSA, 0, 0, 0, 1024, A256 | A1},
    {"p=" P_SPKI, NULL, DKIM_KEY_RSA, 0, 0, 0, 1024, A256 | A1},
    {"v=DKIM1; k=rsa; p=" P_RAWRSA, NULL, DKIM_KEY_RSA, 0, 0, 0, 1024,
	A256 | A1},
    {"v=DKIM1; k=ed25519; p=" P_ED, NULL, DKIM_KEY_ED25519, 0, 0, 0, 256, A256},
    {"k=ED25519; p=" P_ED, NULL, DKIM_KEY_ED25519, 0, 0, 0, 256, A256},
    {"v=DKIM1; k=rsa; t=y; p=", NULL, DKIM_KEY_RSA, 1, 1, 0, 0, A256 | A1},
    {"k=rsa; t=y; p=", NULL, DKIM_KEY_RSA, 1, 1, 0, 0, A256 | A1},
    {"p= ;", NULL, DKIM_KEY_RSA, 1, 0, 0, 0, A256 | A1},
    {"k=ed25519; p=", NULL, DKIM_KEY_ED25519, 1, 0, 0, 0, A256},
    {"t=y:s; p=" P_SPKI, NULL, DKIM_KEY_RSA, 0, 1, 1, 1024, A256 | A1},
    {"t = s : x; p=" P_SPKI, NULL, DKIM_KEY_RSA, 0, 0, 1, 1024, A256 | A1},
    {"h=sha1; p=" P_SPKI, NULL, DKIM_KEY_RSA, 0, 0, 0, 1024, A1},
    {"h=sha256 : md5; p=" P_SPKI, NULL, DKIM_KEY_RSA, 0, 0, 0, 1024, A256},
    {"h=md5; p=" P_SPKI, NULL, DKIM_KEY_RSA, 0, 0, 0, 1024, 0},
    {"s=email; p=" P_SPKI, NULL, DKIM_KEY_RSA, 0, 0, 0, 1024, A256 | A1},
    {"s=*; p=" P_SPKI, NULL, DKIM_KEY_RSA, 0, 0, 0, 1024, A256 | A1},
    {"s=tlsrpt; p=" P_SPKI, NULL, DKIM_KEY_RSA, 0, 0, 0, 1024, 0},
    {"s=tlsrpt:email; p=" P_SPKI, NULL, DKIM_KEY_RSA, 0, 0, 0, 1024, A256 | A1},
    {"v=DKIM1; g=*; n=a note; x_y=z; p=" P_SPKI, NULL, DKIM_KEY_RSA, 0, 0, 0,
	1024, A256 | A1},
    {"p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/Dk\r\n"
     "\tMoGeLnQg1fWn7/zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC"
     " 2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDd"
     "QPNUYckcQ2QIDAQAB",
	NULL, DKIM_KEY_RSA, 0, 0, 0, 1024, A256 | A1},
    BAD("v=DKIM2; p=" P_SPKI, "unsupported key record version v=DKIM2"),
    BAD("v=DKIM1: g=*; k=rsa; p=" P_SPKI, "unsupported key record version"),
    BAD("k=rsa; v=DKIM1; p=" P_SPKI, "v= is not the first tag"),
    BAD("k=dsa; p=" P_SPKI, "unknown key type k=dsa"),
    BAD("v=DKIM1; g=*; k=ed25519-sha256; p=" P_SPKI, "unknown key type"),
    BAD("v=DKIM1; k=rsa", "missing required tag p="),
    BAD("", "missing required tag p="),
    BAD("p=!!!!", "bad base64 in p="),
    BAD("k=rsa; p=" P_CORRUPT, "bad base64 in p="),
    BAD("p=" P_NOTKEY, "p= is not a valid RSA public key"),
    BAD("k=ed25519; p=" P_SPKI, "p= is not a valid Ed25519 public key"),
    BAD("k=rsa; p=" P_ED, "p= is not a valid RSA public key"),
    BAD("k=ed25519; p=AAAA", "p= is not a valid Ed25519 public key"),
    BAD("p=; p=", "duplicate tag 'p'"),
    BAD("k=rsa; k=rsa; p=", "duplicate tag 'k'"),
    BAD("v=DKIM1;; p=", "empty tag-spec"),
    BAD("foo", "missing '='"),
};

/* test_keyrec_cases - each table row */
START_TEST(test_keyrec_cases)
{
	char reason[DKIM_REASON_MAX];
	dkim_keyrec *rec = (dkim_keyrec *)1;
	dkim_rc rc = dkim_keyrec_parse(cases[_i].txt, strlen(cases[_i].txt),
	    &rec, reason);
	int allows;

	if (cases[_i].reason != NULL) {
		ck_assert_msg(rc == DKIM_EINVAL, "row %d accepted", _i);
		ck_assert_ptr_null(rec);
		ck_assert_msg(strstr(reason, cases[_i].reason) != NULL,
		    "row %d: reason '%s', want '%s'", _i, reason,
		    cases[_i].reason);
		return;
	}
	ck_assert_msg(rc == DKIM_OK, "row %d rejected: %s", _i, reason);
	ck_assert_int_eq(dkim_keyrec_type(rec), cases[_i].type);
	ck_assert_int_eq(dkim_keyrec_revoked(rec), cases[_i].revoked);
	ck_assert_int_eq(dkim_keyrec_testing(rec), cases[_i].testing);
	ck_assert_int_eq(dkim_keyrec_strict(rec), cases[_i].strict);
	ck_assert_uint_eq(dkim_keyrec_bits(rec), cases[_i].bits);
	allows =
	    (dkim_keyrec_allows(rec,
		 cases[_i].type == DKIM_KEY_RSA ? DKIM_ALG_RSA_SHA256 :
						  DKIM_ALG_ED25519_SHA256) ?
		    A256 :
		    0) |
	    (dkim_keyrec_allows(rec, DKIM_ALG_RSA_SHA1) &&
			cases[_i].type == DKIM_KEY_RSA ?
		    A1 :
		    0);
	ck_assert_int_eq(allows, cases[_i].allows);
	ck_assert_int_eq(dkim_keyrec_allows(rec, DKIM_ALG_UNKNOWN), 0);
	dkim_keyrec_free(rec);
}
END_TEST

/* test_keyrec_misc - NULL free, length-bounded input */
START_TEST(test_keyrec_misc)
{
	static const char txt[] = "k=rsa; t=y; p=; trailing=ignored";
	char reason[DKIM_REASON_MAX];
	dkim_keyrec *rec;

	dkim_keyrec_free(NULL);
	/* only the first 14 bytes count: "k=rsa; t=y; p=" */
	ck_assert_int_eq(dkim_keyrec_parse(txt, 14, &rec, reason), DKIM_OK);
	ck_assert_int_eq(dkim_keyrec_revoked(rec), 1);
	dkim_keyrec_free(rec);
	ck_assert_int_eq(dkim_keyrec_parse(txt, 10, &rec, reason), DKIM_EINVAL);
	ck_assert_str_eq(reason, "missing required tag p=");
}
END_TEST

/* test_keyrec_ref - references: the last free releases (ASan checks) */
START_TEST(test_keyrec_ref)
{
	static const char txt[] = "v=DKIM1; k=rsa; t=y; p=";
	char reason[DKIM_REASON_MAX];
	dkim_keyrec *rec, *r2;

	ck_assert_ptr_null(dkim_keyrec_ref(NULL));
	ck_assert_int_eq(dkim_keyrec_parse(txt, strlen(txt), &rec, reason),
	    DKIM_OK);
	r2 = dkim_keyrec_ref(rec);
	ck_assert_ptr_eq(r2, rec);
	ck_assert_ptr_eq(dkim_keyrec_ref(rec), rec);
	dkim_keyrec_free(rec);
	dkim_keyrec_free(rec);
	ck_assert_int_eq(dkim_keyrec_testing(r2), 1); /* still there */
	dkim_keyrec_free(r2);
}
END_TEST

/* records shipped as dkimpy data files: file, NULL or reason, bits */
static const struct {
	const char *file, *reason;
	unsigned bits;
	int email;
} files[] = {
    {"dkimpy/data/1024_testkey_wo_markers.pub.txt", NULL, 1024, 1},
    {"dkimpy/data/1024_testkey_wo_markers.pub.rsa.txt", NULL, 1024, 1},
    {"dkimpy/data/2048_testkey_wo_markers.pub.txt", NULL, 2048, 1},
    {"dkimpy/data/2048_testkey_wo_markers.pub.rsa.txt", NULL, 2048, 1},
    {"dkimpy/data/2048_testkey_PKCS8.key.pub.txt", NULL, 2048, 1},
    {"dkimpy/data/test.txt", NULL, 1024, 1},
    {"dkimpy/data/test2.txt", NULL, 1024, 1},
    {"dkimpy/data/ed25519test.dns", NULL, 256, 1},
    {"dkimpy/data/eximtest.dns", NULL, 256, 1},
    {"dkimpy/data/test_tlsrpt.txt", NULL, 1024, 0},
    {"dkimpy/data/badk.txt", "unknown key type", 0, 0},
    {"dkimpy/data/badversion.txt", "unsupported key record version", 0, 0},
    {"dkimpy/data/test_bad.txt", "not a valid RSA public key", 0, 0},
};

/* test_keyrec_files - the records shipped with dkimpy */
START_TEST(test_keyrec_files)
{
	char path[1024], *buf, reason[DKIM_REASON_MAX];
	dkim_keyrec *rec;
	size_t n;
	dkim_rc rc;

	if (!tu_have_testdata())
		return;
	snprintf(path, sizeof(path), "%s/%s", tu_testdata(), files[_i].file);
	ck_assert_msg((buf = tu_read_file(path, &n)) != NULL, "cannot read %s",
	    path);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	rc = dkim_keyrec_parse(buf, n, &rec, reason);
	free(buf);
	if (files[_i].reason != NULL) {
		ck_assert_int_eq(rc, DKIM_EINVAL);
		ck_assert_msg(strstr(reason, files[_i].reason) != NULL,
		    "%s: reason '%s'", files[_i].file, reason);
		return;
	}
	ck_assert_msg(rc == DKIM_OK, "%s: %s", files[_i].file, reason);
	ck_assert_uint_eq(dkim_keyrec_bits(rec), files[_i].bits);
	ck_assert_int_eq(dkim_keyrec_allows(rec,
			     dkim_keyrec_type(rec) == DKIM_KEY_RSA ?
				 DKIM_ALG_RSA_SHA256 :
				 DKIM_ALG_ED25519_SHA256),
	    files[_i].email);
	dkim_keyrec_free(rec);
}
END_TEST

/*
 * test_keyrec_files_all - every key record file of the shared data (the
 * .txt and .dns files of dkimpy/data) has a case in files[]: one added
 * to the data without a case fails here instead of going untested.
 */
START_TEST(test_keyrec_files_all)
{
	static const char *const suffixes[] = {".txt", ".dns", NULL};
	size_t i, j, n, ran = 0, held = 0;
	char **data;

	if (!tu_have_testdata())
		return;
	data = tu_data_files(suffixes, &n);
	for (i = 0; i < n; i++) {
		if (strncmp(data[i], "dkimpy/data/", 12) != 0)
			continue;
		held++;
		for (j = 0; j < NELEM(files); j++)
			if (strcmp(files[j].file, data[i]) == 0)
				break;
		if (j < NELEM(files))
			ran++;
		else
			printf("no case for key record file %s\n", data[i]);
	}
	tu_data_files_free(data, n);
	tu_data_ran("dkimpy key record files", ran, held);
}
END_TEST

/* keyrec_suite - all cases */
static Suite *
keyrec_suite(void)
{
	Suite *s = suite_create("keyrec");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_keyrec_cases, 0, (int)NELEM(cases));
	tcase_add_test(tc, test_keyrec_misc);
	tcase_add_test(tc, test_keyrec_ref);
	tcase_add_loop_test(tc, test_keyrec_files, 0, (int)NELEM(files));
	tcase_add_test(tc, test_keyrec_files_all);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(keyrec_suite());
}
