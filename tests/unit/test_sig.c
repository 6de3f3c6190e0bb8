/*
 * test_sig.c - DKIM-Signature parsing (RFC 6376 3.5, 6.1.1), one row per
 * rule, and sig_blank_b (RFC 6376 3.7).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

#define NOW 1000000000LL /* injected clock for x= */
#define BH "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; "
#define B "b=dGVzdHNpZ25hdHVyZQ==; "
#define REQ "v=1; a=rsa-sha256; d=example.com; s=sel; h=from:to; " BH B

/* RFC 6376 A.2, as it appears in the shared test data */
static const char rfc6376_a2[] =
    "v=1; a=rsa-sha256; s=brisbane; d=example.com;\r\n"
    "      c=simple/simple; q=dns/txt; i=joe@football.example.com;\r\n"
    "      h=Received : From : To : Subject : Date : Message-ID;\r\n"
    "      bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    "      b=AuUoFEfDxTDkHlLXSZEpZj79LICEps6eda7W3deTVFOk4yAUoqOB\r\n"
    "      4nujc7YopdG5dWLSdNg6xNAZpOPr+kHxt1IrE+NahM6L/LbvaHut\r\n"
    "      KVdkLLkpVaVVQPzeRDI009SO2Il5Lu7rDNH6mZckBdrIx0orEtZV\r\n"
    "      4bmp/YzhwvcubU4=;";

/* RFC 8463 A.3 ed25519 signature */
static const char rfc8463_a3[] =
    " v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
    " d=football.example.com; i=@football.example.com;\r\n"
    " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
    " subject : date : message-id : from : subject : date;\r\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n"
    " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==";

/* reject cases: every permerror reason, and the accepting neighbours */
static const struct {
	const char *in;
	const char *reason; /* NULL: must parse */
} cases[] = {
    {REQ, NULL},
    {"a=rsa-sha256; d=example.com; s=sel; h=from; " BH B,
	"missing required tag v="},
    {"v=1; d=example.com; s=sel; h=from; " BH B, "missing required tag a="},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=from; " BH,
	"missing required tag b="},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=from; " B,
	"missing required tag bh="},
    {"v=1; a=rsa-sha256; s=sel; h=from; " BH B, "missing required tag d="},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; " BH B,
	"missing required tag h="},
    {"v=1; a=rsa-sha256; d=example.com; h=from; " BH B,
	"missing required tag s="},
    {REQ "v=1", "duplicate tag 'v'"},
    {REQ "d=example.com", "duplicate tag 'd'"},
    {"v=2; a=rsa-sha256; d=example.com; s=sel; h=from; " BH B,
	"unsupported version v=2"},
    {"v=1.0; a=rsa-sha256; d=example.com; s=sel; h=from; " BH B,
	"unsupported version"},
    {"v=1; a=rsa-sha512; d=example.com; s=sel; h=from; " BH B,
	"unknown algorithm"},
    {"v=1; a=; d=example.com; s=sel; h=from; " BH B, "unknown algorithm"},
    {"v=1; a=ED25519-SHA256; d=example.com; s=sel; h=from; " BH B, NULL},
    {"v=1; a=rsa-sha1; d=example.com; s=sel; h=from; " BH B, NULL},
    {REQ "c=fancy", "bad canonicalization c=fancy"},
    {REQ "c=relaxed/", "bad canonicalization"},
    {REQ "c=/relaxed", "bad canonicalization"},
    {REQ "c=relaxed/relaxed/relaxed", "bad canonicalization"},
    {REQ "c=simple/relaxed", NULL}, {REQ "q=dns/txt", NULL},
    {REQ "q=http/well-known : dns/txt", NULL},
    {REQ "q=http/well-known", "q= does not offer dns/txt"},
    {REQ "q=dns", "q= does not offer dns/txt"}, {REQ "i=joe@example.com", NULL},
    {REQ "i=@EXAMPLE.com", NULL}, {REQ "i=joe@mail.sub.example.com", NULL},
    {REQ "i=joe=40x@example.com", NULL},
    {REQ "i=joe@attacker.com", "i= not within d="},
    {REQ "i=joe@xexample.com", "i= not within d="},
    {REQ "i=joe@com", "i= not within d="}, {REQ "i=joe", "bad identity in i="},
    {REQ "i=joe@", "bad identity in i="},
    {REQ "i=joe=4@example.com", "bad quoted-printable in i="},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=to:subject; " BH B,
	"h= does not sign From"},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=FROM; " BH B, NULL},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=x-from:to; " BH B,
	"h= does not sign From"},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=from::to; " BH B,
	"bad header name in h="},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=; " BH B,
	"bad header name in h="},
    {REQ "l=0", NULL}, {REQ "l=123456", NULL}, {REQ "l=12a", "bad l= value"},
    {REQ "l=-1", "bad l= value"}, {REQ "l=", "bad l= value"},
    {REQ "l=99999999999999999999", "l= value too large"},
    {REQ "l=1234567890123456789012345678901234567890123456789012345678901"
	 "2345678901234567",
	"bad l= value"}, /* 77 digits */
    {REQ "t=123", NULL}, {REQ "t=abc", "bad t= value"},
    {REQ "x=abc", "bad x= value"}, {REQ "t=1000000000; x=1000000001", NULL},
    {REQ "t=1000000000; x=1000000000", NULL}, /* x == now */
    {REQ "t=999999000; x=999998000", "x= before t="},
    {REQ "x=999999999", "signature expired"},
    {REQ "t=999999000; x=999999999", "signature expired"},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=from; " BH "b=!!!!",
	"bad base64 in b="},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=from; " B "bh=ab!c",
	"bad base64 in bh="},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=from; " BH "b=", "empty b="},
    {"v=1; a=rsa-sha256; d=legitimate.com(.attacker.com; s=sel; h=from; " BH B,
	"bad domain in d="},
    {"v=1; a=rsa-sha256; d=com; s=sel; h=from; " BH B, "bad domain in d="},
    {"v=1; a=rsa-sha256; d=-x.com; s=sel; h=from; " BH B, "bad domain in d="},
    {"v=1; a=rsa-sha256; d=x-.com; s=sel; h=from; " BH B, "bad domain in d="},
    {"v=1; a=rsa-sha256; d=a..com; s=sel; h=from; " BH B, "bad domain in d="},
    {"v=1; a=rsa-sha256; d=example.com.; s=sel; h=from; " BH B,
	"bad domain in d="},
    {"v=1; a=rsa-sha256; d=exa mple.com; s=sel; h=from; " BH B,
	"bad domain in d="},
    {"v=1; a=rsa-sha256; d=xn--bcher-kva.example; s=sel; h=from; " BH B, NULL},
    {"v=1; a=rsa-sha256; d=b\xc3\xbc"
     "cher.example; s=sel; h=from; " BH B,
	NULL}, /* RFC 8616 U-label */
    {"v=1; a=rsa-sha256; d=example.com; s=s_1; h=from; " BH B,
	"bad selector in s="},
    {"v=1; a=rsa-sha256; d=example.com; s=a.b-c.2024; h=from; " BH B, NULL},
    {"v=1; a=rsa-sha256; d=example.com; s=.sel; h=from; " BH B,
	"bad selector in s="},
    {REQ "z=anything at all; D=example.org", NULL}, /* unknown tags */
    {REQ ";;", "empty tag-spec"},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=from; " BH
     "b=dGVz\r\n dHNp Z25h\r\n\tdHVyZQ==",
	NULL}, /* FWS in b= */
};

/* test_sig_cases - each table row */
START_TEST(test_sig_cases)
{
	char reason[DKIM_REASON_MAX];
	struct dkim_sig sig;
	int rc = sig_parse(cases[_i].in, strlen(cases[_i].in), (time_t)NOW,
	    &sig, reason);

	if (cases[_i].reason == NULL)
		ck_assert_msg(rc == 0, "row %d rejected: %s", _i, reason);
	else {
		ck_assert_msg(rc == -1, "row %d accepted", _i);
		ck_assert_msg(strstr(reason, cases[_i].reason) != NULL,
		    "row %d: reason '%s', want '%s'", _i, reason,
		    cases[_i].reason);
	}
	sig_clear(&sig);
	sig_clear(&sig);
}
END_TEST

/* test_sig_rfc6376 - every field of RFC 6376 A.2 */
START_TEST(test_sig_rfc6376)
{
	char reason[DKIM_REASON_MAX];
	struct dkim_sig sig;

	ck_assert_int_eq(sig_parse(rfc6376_a2, strlen(rfc6376_a2), (time_t)NOW,
			     &sig, reason),
	    0);
	ck_assert_int_eq(sig.alg, DKIM_ALG_RSA_SHA256);
	ck_assert_int_eq(sig.hcanon, DKIM_CANON_SIMPLE);
	ck_assert_int_eq(sig.bcanon, DKIM_CANON_SIMPLE);
	ck_assert_str_eq(sig.domain, "example.com");
	ck_assert_str_eq(sig.selector, "brisbane");
	ck_assert_str_eq(sig.identity, "joe@football.example.com");
	ck_assert_uint_eq(sig.nheaders, 6);
	ck_assert_str_eq(sig.headers[0], "Received");
	ck_assert_str_eq(sig.headers[1], "From");
	ck_assert_str_eq(sig.headers[5], "Message-ID");
	ck_assert_uint_eq(sig.bhlen, 32);
	ck_assert_uint_eq(sig.blen, 128);
	ck_assert_uint_eq(sig.b[0], 0x02);
	ck_assert_str_eq(sig.b_prefix, "AuUoFEfD");
	ck_assert_int_eq(sig.length, -1);
	ck_assert_int_eq(sig.timestamp, -1);
	ck_assert_int_eq(sig.expire, -1);
	sig_clear(&sig);
}
END_TEST

/* test_sig_rfc8463 - RFC 8463 A.3: ed25519, relaxed, t=, over-signing */
START_TEST(test_sig_rfc8463)
{
	char reason[DKIM_REASON_MAX];
	struct dkim_sig sig;

	ck_assert_int_eq(sig_parse(rfc8463_a3, strlen(rfc8463_a3), (time_t)NOW,
			     &sig, reason),
	    0);
	ck_assert_int_eq(sig.alg, DKIM_ALG_ED25519_SHA256);
	ck_assert_int_eq(sig.hcanon, DKIM_CANON_RELAXED);
	ck_assert_int_eq(sig.bcanon, DKIM_CANON_RELAXED);
	ck_assert_str_eq(sig.domain, "football.example.com");
	ck_assert_str_eq(sig.identity, "@football.example.com");
	ck_assert_int_eq(sig.timestamp, 1528637909);
	ck_assert_uint_eq(sig.nheaders, 8);
	ck_assert_str_eq(sig.headers[7], "date");
	ck_assert_uint_eq(sig.blen, 64);
	ck_assert_str_eq(sig.b_prefix, "/gCrinpc");
	sig_clear(&sig);
}
END_TEST

/* c= variants: RFC 6376 3.5 "relaxed" alone is relaxed/simple */
static const struct {
	const char *c;
	dkim_canon h, b;
} canon_cases[] = {
    {"", DKIM_CANON_SIMPLE, DKIM_CANON_SIMPLE},
    {"c=relaxed", DKIM_CANON_RELAXED, DKIM_CANON_SIMPLE},
    {"c=simple", DKIM_CANON_SIMPLE, DKIM_CANON_SIMPLE},
    {"c=simple/relaxed", DKIM_CANON_SIMPLE, DKIM_CANON_RELAXED},
    {"c=Relaxed/Relaxed", DKIM_CANON_RELAXED, DKIM_CANON_RELAXED},
    {"c=relaxed/simple", DKIM_CANON_RELAXED, DKIM_CANON_SIMPLE},
};

/* test_sig_canon - c= defaults and combinations */
START_TEST(test_sig_canon)
{
	char in[512], reason[DKIM_REASON_MAX];
	struct dkim_sig sig;

	snprintf(in, sizeof(in), "%s%s", REQ, canon_cases[_i].c);
	ck_assert_int_eq(sig_parse(in, strlen(in), (time_t)NOW, &sig, reason),
	    0);
	ck_assert_int_eq(sig.hcanon, canon_cases[_i].h);
	ck_assert_int_eq(sig.bcanon, canon_cases[_i].b);
	sig_clear(&sig);
}
END_TEST

/* test_sig_fields - l=, t=, x=, i= decoded; unknown tags ignored */
START_TEST(test_sig_fields)
{
	static const char in[] = REQ "l=4096; t=999999999; x=1000000500; "
				     "i=j=3Do=20e@Mail.Example.COM; foo=bar";
	char reason[DKIM_REASON_MAX];
	struct dkim_sig sig;

	ck_assert_int_eq(sig_parse(in, strlen(in), (time_t)NOW, &sig, reason),
	    0);
	ck_assert_int_eq(sig.length, 4096);
	ck_assert_int_eq(sig.timestamp, 999999999);
	ck_assert_int_eq(sig.expire, 1000000500);
	ck_assert_str_eq(sig.identity, "j=o e@Mail.Example.COM");
	ck_assert_uint_eq(sig.nheaders, 2);
	ck_assert_str_eq(sig.b_prefix, "dGVzdHNp");
	sig_clear(&sig);
}
END_TEST

/* test_sig_partial - a failed parse still reports d= and s= */
START_TEST(test_sig_partial)
{
	static const char in[] =
	    "v=1; a=foo; d=example.org; s=sel; h=from; " BH B;
	char reason[DKIM_REASON_MAX];
	struct dkim_sig sig;

	ck_assert_int_eq(sig_parse(in, strlen(in), (time_t)NOW, &sig, reason),
	    -1);
	ck_assert_str_eq(reason, "unknown algorithm");
	ck_assert_str_eq(sig.domain, "example.org");
	ck_assert_str_eq(sig.selector, "sel");
	sig_clear(&sig);
}
END_TEST

/* blank cases: RFC 6376 3.7 deletes b='s value with its whitespace */
static const struct {
	const char *in, *out;
} blank_cases[] = {
    {"DKIM-Signature: v=1; b=abc def; d=x", "DKIM-Signature: v=1; b=; d=x"},
    {"v=1; bh=xyz; b= abc \r\n def", "v=1; bh=xyz; b="},
    {"b=abc", "b="},
    {"DKIM-Signature:b=xx;bh=yy", "DKIM-Signature:b=;bh=yy"},
    {"dkim-signature: h=a:b; b=Zm9v;", "dkim-signature: h=a:b; b=;"},
    {"v=1; h=from:to; b\r\n =\r\n abc\r\n ; x=1",
	"v=1; h=from:to; b\r\n =; x=1"},
    {"v=1; bh=xyz", "v=1; bh=xyz"}, /* no b=: unchanged */
    {"v=1;; b=abc", "v=1;; b=abc"}, /* unparsable: unchanged */
    {"", ""},
};

/* test_sig_blank - each blank case */
START_TEST(test_sig_blank)
{
	const char *in = blank_cases[_i].in;
	size_t outlen = 999;
	char *out = sig_blank_b(in, strlen(in), &outlen);

	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(outlen, strlen(blank_cases[_i].out));
	ck_assert_str_eq(out, blank_cases[_i].out);
	free(out);
}
END_TEST

/* test_sig_blank_rfc - RFC 6376 A.2 field ends in "b=;" after blanking */
START_TEST(test_sig_blank_rfc)
{
	char field[1024], *out;
	size_t outlen;

	snprintf(field, sizeof(field), "DKIM-Signature: %s", rfc6376_a2);
	out = sig_blank_b(field, strlen(field), &outlen);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(outlen, strlen(out));
	ck_assert_ptr_nonnull(strstr(out, "zv8=;\r\n      b=;"));
	ck_assert_int_eq(strncmp(out, field, strlen(out) - 1), 0);
	free(out);
}
END_TEST

/* test_sig_prefix - every prefix of a real field parses or explains */
START_TEST(test_sig_prefix)
{
	char reason[DKIM_REASON_MAX];
	struct dkim_sig sig;

	reason[0] = 'x';
	if (sig_parse(rfc8463_a3, (size_t)_i, (time_t)NOW, &sig, reason) < 0)
		ck_assert_msg(reason[0] != '\0', "no reason at %d", _i);
	else /* only once b= has a value: every tag before is required */
		ck_assert_int_gt(_i,
		    (int)(strstr(rfc8463_a3, " b=") - rfc8463_a3) + 3);
	sig_clear(&sig);
}
END_TEST

/* sig_suite - all cases */
static Suite *
sig_suite(void)
{
	Suite *s = suite_create("sig");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_sig_cases, 0, (int)NELEM(cases));
	tcase_add_test(tc, test_sig_rfc6376);
	tcase_add_test(tc, test_sig_rfc8463);
	tcase_add_loop_test(tc, test_sig_canon, 0, (int)NELEM(canon_cases));
	tcase_add_test(tc, test_sig_fields);
	tcase_add_test(tc, test_sig_partial);
	tcase_add_loop_test(tc, test_sig_blank, 0, (int)NELEM(blank_cases));
	tcase_add_test(tc, test_sig_blank_rfc);
	tcase_add_loop_test(tc, test_sig_prefix, 0, (int)sizeof(rfc8463_a3));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(sig_suite());
}
