/*
 * test_verify_policy.c - the verifier's decisions (lib/verify.c): key
 * lookup outcomes and key record policy (RFC 6376 3.6, RFC 8301),
 * unparsable fields, opt.max_signatures, the one-way verdict state, and
 * the RFC 6376 / RFC 8463 signed examples against their dns.tsv.
 */
#include "sv_helpers.h"

/* keyrec_with - "v=DKIM1; " extra " " p=... */
static char *
keyrec_with(const char *extra, const char *p)
{
	char *r = malloc(strlen(extra) + strlen(p) + 16);

	sprintf(r, "v=DKIM1; %s %s", extra, p);
	return r;
}

/* key record policy cases (RFC 6376 3.6.1, RFC 8301) */
START_TEST(test_key_policy)
{
	struct signopt o;
	struct ttable t;
	dkim_options opt;
	dkim_sig_result r;
	char *text, *rec, *p;
	const char *name = "sel._domainkey.example.com";

	signopt_init(&o, rsa_key);
	o.identity = "joe@sub.example.com";
	text = sign_text(&o, msg_headers, msg_body);
	p = strstr(rsa_rec, "p=");

#define CASE(txt, st, verdict, why)                                            \
	do {                                                                   \
		memset(&t, 0, sizeof(t));                                      \
		tadd(&t, name, (txt), (st));                                   \
		verify_text(text, 4096, &t, T0, NULL, &r, 1);                  \
		ASSERT_VERDICT(r, (verdict), (why));                           \
	} while (0)
	CASE(NULL, DKIM_DNS_NXDOMAIN, DKIM_PERMERROR, "no key");
	CASE(NULL, DKIM_DNS_NODATA, DKIM_PERMERROR, "no key");
	CASE(NULL, DKIM_DNS_SERVFAIL, DKIM_TEMPERROR, "SERVFAIL");
	CASE(NULL, DKIM_DNS_TIMEOUT, DKIM_TEMPERROR, "timeout");
	CASE("v=DKIM1; p=", DKIM_DNS_OK, DKIM_PERMERROR, "revoked");
	CASE("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
	    DKIM_DNS_OK, DKIM_PERMERROR, "k=");
	rec = keyrec_with("h=sha1;", p);
	CASE(rec, DKIM_DNS_OK, DKIM_PERMERROR, "h=");
	free(rec);
	rec = keyrec_with("s=tlsrpt;", p);
	CASE(rec, DKIM_DNS_OK, DKIM_PERMERROR, "s=");
	free(rec);
	rec = keyrec_with("t=s;", p);
	CASE(rec, DKIM_DNS_OK, DKIM_PERMERROR, "t=s");
	free(rec);
	rec = keyrec_with("t=y;", p);
	CASE(rec, DKIM_DNS_OK, DKIM_PASS, "");
	ck_assert_int_eq(r.testing, 1);
	free(rec);
	CASE("garbage", DKIM_DNS_OK, DKIM_PERMERROR, "key record");
	/* several TXT records: the ones that parse count */
	memset(&t, 0, sizeof(t));
	tadd(&t, name, "v=spf1 -all", DKIM_DNS_OK);
	tadd(&t, name, rsa_rec, DKIM_DNS_OK);
	verify_text(text, 4096, &t, T0, NULL, &r, 1);
	ASSERT_VERDICT(r, DKIM_PASS, "");
	tadd(&t, name, ed_rec, DKIM_DNS_OK);
	verify_text(text, 4096, &t, T0, NULL, &r, 1);
	ASSERT_VERDICT(r, DKIM_PERMERROR, "several key records");
	/* RFC 8301 3.2: a verifier's minimum key size */
	memset(&t, 0, sizeof(t));
	tadd(&t, name, rsa_rec, DKIM_DNS_OK);
	dkim_options_init(&opt);
	opt.min_rsa_bits = 4096;
	verify_text(text, 4096, &t, T0, &opt, &r, 1);
	ASSERT_VERDICT(r, DKIM_PERMERROR, "RSA key too small");
	ck_assert_uint_eq(r.key_bits, 2048);
	/* RFC 8301 3.1: rsa-sha1 refused unless allowed */
	rec = tamper(text, "a=rsa-sha256", "a=rsa-sha1");
	verify_text(rec, 4096, &t, T0, NULL, &r, 1);
	ASSERT_VERDICT(r, DKIM_PERMERROR, "rsa-sha1 not accepted (RFC 8301)");
	opt.min_rsa_bits = 1024;
	opt.allow_sha1 = 1;
	verify_text(rec, 4096, &t, T0, &opt, &r, 1);
	ASSERT_VERDICT(r, DKIM_FAIL, "body hash");
	free(rec);
#undef CASE
	free(text);
}
END_TEST

/* test_unparsable - a broken field is a permerror, not a call failure */
START_TEST(test_unparsable)
{
	static const char text[] =
	    "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=x; b=;\r\n"
	    "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; "
	    "h=from; bh=AAAA; b=AAAA; b=AAAA\r\n"
	    "From: a@example.com\r\n\r\nbody\r\n";
	struct ttable t;
	dkim_sig_result r[4];
	dkim_msg *m;
	char buf[300];

	std_table(&t);
	ck_assert_uint_eq(verify_text(text, 7, &t, T0, NULL, r, 4), 2);
	ck_assert_int_eq(r[0].verdict, DKIM_PERMERROR);
	ck_assert_str_eq(r[0].domain, "example.com");
	ck_assert_int_eq(r[1].verdict, DKIM_PERMERROR);
	ck_assert_uint_gt(strlen(r[1].reason), 0);
	ck_assert_int_eq(dkim_msg_new(NULL, &m), DKIM_OK);
	ck_assert_int_eq(dkim_msg_write(m, text, sizeof(text) - 1), DKIM_OK);
	ck_assert_uint_eq(dkim_msg_sig_count(m), 2);
	ck_assert_int_eq(dkim_msg_sig_keyname(m, 0, buf, sizeof(buf)),
	    DKIM_EINVAL);
	ck_assert_int_eq(dkim_msg_sig_keyname(m, 5, buf, sizeof(buf)),
	    DKIM_EINVAL);
	/* verify before eom: out of order */
	ck_assert_int_eq(dkim_msg_verify(m, NULL, r, 4, &(size_t){0}),
	    DKIM_ESTATE);
	dkim_msg_free(m);
}
END_TEST

/* test_max_signatures - at most opt.max_signatures verdicts */
START_TEST(test_max_signatures)
{
	struct signopt o;
	struct ttable t;
	dkim_options opt;
	dkim_sig_result r[8];
	char *a, *text;
	dkim_msg *m;

	signopt_init(&o, rsa_key);
	a = sign_text(&o, msg_headers, msg_body);
	text = malloc(strlen(a) * 3);
	sprintf(text, "%.*s%.*s%s", (int)(strstr(a, "\r\nFrom:") + 2 - a), a,
	    (int)(strstr(a, "\r\nFrom:") + 2 - a), a, a);
	std_table(&t);
	dkim_options_init(&opt);
	opt.max_signatures = 2;
	ck_assert_uint_eq(verify_text(text, 999, &t, T0, &opt, r, 8), 2);
	ck_assert_uint_eq(verify_text(text, 999, &t, T0, NULL, r, 1), 1);
	ck_assert_uint_eq(verify_text(text, 999, &t, T0, NULL, r, 8), 3);
	ASSERT_VERDICT(r[2], DKIM_PASS, "");
	ck_assert_int_eq(dkim_msg_new(&opt, &m), DKIM_OK);
	ck_assert_int_eq(dkim_msg_write(m, text, strlen(text)), DKIM_OK);
	ck_assert_uint_eq(dkim_msg_sig_count(m), 3);
	dkim_msg_free(m);
	free(a);
	free(text);
}
END_TEST

/* test_verdict_state - the one-way state machine */
START_TEST(test_verdict_state)
{
	dkim_sig_result r;

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(verdict_set(&r, DKIM_TEMPERROR, "dns"), 1);
	ck_assert_int_eq(verdict_set(&r, DKIM_PASS, "x"), 0);
	ck_assert_int_eq(verdict_set(&r, DKIM_FAIL, "x"), 0);
	ck_assert_int_eq(r.verdict, DKIM_TEMPERROR);
	ck_assert_int_eq(verdict_set(&r, DKIM_PERMERROR, "bad %d", 1), 1);
	ck_assert_str_eq(r.reason, "bad 1");
	ck_assert_int_eq(verdict_set(&r, DKIM_TEMPERROR, "dns"), 0);
	ck_assert_int_eq(verdict_set(&r, DKIM_PASS, "x"), 0);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(verdict_set(&r, DKIM_FAIL, "body"), 1);
	ck_assert_int_eq(verdict_set(&r, DKIM_PERMERROR, "x"), 0);
	ck_assert_int_eq(verdict_set(&r, DKIM_PASS, "x"), 0);
	ck_assert_int_eq(r.verdict, DKIM_FAIL);
	ck_assert_str_eq(r.reason, "body");
}
END_TEST

/*
 * verify_rows - verify one message in chunks of 1, 4, 13 ... bytes and
 * check every expected.tsv row naming it: sig# "-" means no signature,
 * sig# N means signature N passes; *ran counts the rows checked.
 */
static void
verify_rows(dkim_lookup *lk, const char *path, char rows[][2][256],
    size_t nrows, const char *file, size_t *ran)
{
	dkim_sig_result r[8];
	size_t j, k, n, len, chunk;
	char *text;

	ck_assert_msg((text = tu_read_file(path, &len)) != NULL,
	    "cannot read %s", path);
	for (chunk = 1; chunk <= len; chunk = chunk * 3 + 1) {
		dkim_msg *m;

		ck_assert_int_eq(dkim_msg_new(NULL, &m), DKIM_OK);
		for (j = 0; j < len; j += chunk)
			ck_assert_int_eq(dkim_msg_write(m, text + j,
					     len - j < chunk ? len - j : chunk),
			    DKIM_OK);
		ck_assert_int_eq(dkim_msg_eom(m), DKIM_OK);
		ck_assert_int_eq(dkim_msg_verify(m, lk, r, 8, &n), DKIM_OK);
		for (k = 0; k < nrows; k++) {
			if (strcmp(rows[k][0], file) != 0)
				continue;
			if (strcmp(rows[k][1], "-") == 0)
				ck_assert_msg(n == 0,
				    "%s: %zu signatures, the "
				    "data says none",
				    file, n);
			else {
				j = strtoul(rows[k][1], NULL, 10);
				ck_assert_msg(j < n &&
					r[j].verdict == DKIM_PASS,
				    "%s sig %zu: %s (%s)", file, j,
				    j < n ? dkim_verdict_str(r[j].verdict) :
					    "absent",
				    j < n ? r[j].reason : "");
			}
			if (chunk == 1)
				(*ran)++;
		}
		dkim_msg_free(m);
	}
	free(text);
}

/*
 * test_rfc_examples - the RFC 6376 and RFC 8463 examples of the shared
 * data, as its expected.tsv lists them: every row expecting pass (or
 * none for an unsigned message) is verified against the set's dns.tsv.
 */
START_TEST(test_rfc_examples)
{
	char path[TU_PATH_MAX + 300], err[TU_PATH_MAX + 200], line[4096];
	char rows[32][2][256], *f[4], *save;
	size_t i, nrows = 0, held = 0, ran = 0;
	dkim_lookup_file *lf;
	dkim_lookup lk;
	FILE *fp;

	if (!tu_have_testdata())
		return;
	snprintf(path, sizeof(path), "%s/rfc-examples/expected.tsv",
	    tu_testdata());
	ck_assert_msg((fp = fopen(path, "r")) != NULL, "cannot open %s", path);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
			continue;
		save = NULL;
		for (i = 0; i < 4; i++)
			f[i] = strtok_r(i == 0 ? line : NULL, "\t\n", &save);
		ck_assert_msg(f[3] != NULL,
		    "%s: a row with fewer than 4 "
		    "columns",
		    path);
		/* column 4: the RFC expectation; this set holds signed
		 * examples that pass and unsigned input: a row expecting
		 * anything else is not run, and the count below fails */
		held++;
		if (strncmp(f[3], "pass", 4) != 0 &&
		    !(strcmp(f[1], "-") == 0 && strncmp(f[3], "none", 4) == 0))
			continue;
		ck_assert_uint_lt(nrows, 32);
		snprintf(rows[nrows][0], sizeof(rows[0][0]), "%s", f[0]);
		snprintf(rows[nrows][1], sizeof(rows[0][1]), "%s", f[1]);
		nrows++;
	}
	fclose(fp);
	snprintf(path, sizeof(path), "%s/rfc-examples/dns.tsv", tu_testdata());
	ck_assert_msg(dkim_lookup_file_open(path, &lf, err, sizeof(err)) ==
		DKIM_OK,
	    "%s", err);
	lk = dkim_lookup_file_iface(lf);
	for (i = 0; i < nrows; i++) {
		size_t k;

		for (k = 0; k < i && strcmp(rows[k][0], rows[i][0]) != 0; k++)
			;
		if (k < i)
			continue; /* file already verified */
		snprintf(path, sizeof(path), "%s/rfc-examples/%.255s",
		    tu_testdata(), rows[i][0]);
		verify_rows(&lk, path, rows, nrows, rows[i][0], &ran);
	}
	dkim_lookup_file_free(lf);
	tu_data_ran("rfc-examples rows", ran, held);
}
END_TEST

static Suite *
policy_suite(void)
{
	Suite *s = suite_create("verify_policy");
	TCase *tc = tcase_create("policy");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_key_policy);
	tcase_add_test(tc, test_unparsable);
	tcase_add_test(tc, test_max_signatures);
	tcase_add_test(tc, test_verdict_state);
	tcase_add_test(tc, test_rfc_examples);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return sv_run(policy_suite());
}
