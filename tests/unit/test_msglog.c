/*
 * test_msglog.c - the per-message line: quoting table, every value read
 * back by a logfmt parser equal to what was added, verbosity levels,
 * numbered signature/verdict fields, truncation at MSGLOG_MAX.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "milter/observe/msglog.h"
#include "testutil.h"

struct quote_case {
	const char *in, *out;
};

static const struct quote_case quote_cases[] = {
    {"pass", "pass"},
    {"example.com", "example.com"},
    {"", "\"\""},
    {"two words", "\"two words\""},
    {"a=b", "\"a=b\""},
    {"say \"hi\"", "\"say \\\"hi\\\"\""},
    {"back\\slash", "\"back\\\\slash\""},
    {"line\nbreak", "\"line\\nbreak\""},
    {"cr\rtab\t", "\"cr\\rtab\\t\""},
    {"bell\a", "\"bell\\x07\""},
    {"del\x7f", "\"del\\x7f\""},
    {"\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9"}, /* UTF-8 kept */
    {"<a@b.example>", "<a@b.example>"},
};

START_TEST(test_quote)
{
	const struct quote_case *c = &quote_cases[_i];
	char out[128], small[4];
	size_t n = msglog_quote(c->in, out, sizeof out);

	ck_assert_str_eq(out, c->out);
	ck_assert_uint_eq(n, strlen(c->out));
	/* a short buffer still gets the needed length and a NUL */
	ck_assert_uint_eq(msglog_quote(c->in, small, sizeof small), n);
	ck_assert_uint_lt(strlen(small), sizeof small);
}
END_TEST

/* unquote - read one value at *p (bare or quoted) into out */
static void
unquote(const char **p, char *out)
{
	const char *s = *p;
	unsigned x;

	if (*s != '"') {
		while (*s != ' ' && *s != '\0')
			*out++ = *s++;
		*out = '\0';
		*p = s;
		return;
	}
	for (s++; *s != '"'; s++) {
		ck_assert(*s != '\0');
		if (*s != '\\') {
			*out++ = *s;
			continue;
		}
		switch (*++s) {
		case 'n':
			*out++ = '\n';
			break;
		case 'r':
			*out++ = '\r';
			break;
		case 't':
			*out++ = '\t';
			break;
		case 'x':
			sscanf(s + 1, "%2x", &x);
			*out++ = (char)x;
			s += 2;
			break;
		default:
			*out++ = *s;
			break;
		}
	}
	*out = '\0';
	*p = s + 1;
}

/* field - the value of key in line, unquoted; -1 if absent */
static int
field(const char *line, const char *key, char *out)
{
	const char *p = line;
	char k[64];
	size_t n;

	while (*p != '\0') {
		n = strcspn(p, "=");
		ck_assert_uint_lt(n, sizeof k);
		snprintf(k, sizeof k, "%.*s", (int)n, p);
		p += n + 1;
		unquote(&p, out);
		if (strcmp(k, key) == 0)
			return 0;
		ck_assert(*p == ' ' || *p == '\0');
		if (*p == ' ')
			p++;
	}
	return -1;
}

static const char *const tricky[] = {
    "plain",
    "two words",
    "q\"uo\"te",
    "a=b=c",
    "\\",
    "",
    "tab\there",
    "new\nline",
    "x\x01y",
    "trailing ",
    " leading",
    "\"",
    "=",
};

START_TEST(test_roundtrip)
{
	struct msglog ml;
	char line[MSGLOG_MAX + 300], got[512], key[16];
	size_t i, n = sizeof tricky / sizeof tricky[0];

	msglog_begin(&ml, MSGLOG_NORMAL);
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof key, "f%zu", i);
		msglog_add(&ml, MSGLOG_NORMAL, key, tricky[i]);
	}
	msglog_format(&ml, "4XyZ12 3", line, sizeof line);
	ck_assert(strchr(line, '\n') == NULL);
	ck_assert_int_eq(field(line, "qid", got), 0);
	ck_assert_str_eq(got, "4XyZ12 3");
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof key, "f%zu", i);
		ck_assert_int_eq(field(line, key, got), 0);
		ck_assert_str_eq(got, tricky[i]);
	}
}
END_TEST

/* sample - one signed and one verified message's fields */
static void
sample(struct msglog *ml)
{
	dkim_sig_result r;

	memset(&r, 0, sizeof r);
	r.verdict = DKIM_FAIL;
	strcpy(r.domain, "ext.example");
	strcpy(r.selector, "sel");
	strcpy(r.reason, "body hash mismatch");
	strcpy(r.b_prefix, "AbCdEfGh");
	r.key_bits = 2048;
	msglog_decision(ml, "sign", "client in InternalHosts", "10.0.0.5",
	    "alice@example.com");
	msglog_from(ml, "example.com");
	msglog_rule(ml, "signingtable:3");
	msglog_signature(ml, "example.com", "s1", "rsa-sha256", "valid",
	    "signed", "");
	msglog_signature(ml, "example.com", "s2", "ed25519-sha256", "mismatch",
	    "held", "p= is another key");
	msglog_verdict(ml, &r);
	msglog_overall(ml, "fail");
	msglog_action(ml, "quarantine", 1);
}

START_TEST(test_fields_normal)
{
	struct msglog ml;
	char line[MSGLOG_MAX + 300], got[512];

	msglog_begin(&ml, MSGLOG_NORMAL);
	sample(&ml);
	msglog_format(&ml, "QID1", line, sizeof line);
	ck_assert(strncmp(line, "qid=QID1 decision=sign why=", 27) == 0);
	ck_assert_int_eq(field(line, "why", got), 0);
	ck_assert_str_eq(got, "client in InternalHosts");
	ck_assert_int_eq(field(line, "client", got), -1); /* verbose */
	ck_assert_int_eq(field(line, "envfrom", got), -1);
	ck_assert_int_eq(field(line, "sig1_s", got), 0);
	ck_assert_str_eq(got, "s1");
	ck_assert_int_eq(field(line, "sig1_problem", got), -1);
	ck_assert_int_eq(field(line, "sig2_guard", got), 0);
	ck_assert_str_eq(got, "mismatch");
	ck_assert_int_eq(field(line, "sig2_result", got), 0);
	ck_assert_str_eq(got, "held");
	ck_assert_int_eq(field(line, "sig2_problem", got), 0);
	ck_assert_str_eq(got, "p= is another key");
	ck_assert_int_eq(field(line, "dkim1_reason", got), 0);
	ck_assert_str_eq(got, "body hash mismatch");
	ck_assert_int_eq(field(line, "dkim1_b", got), -1);
	ck_assert_int_eq(field(line, "dkim", got), 0);
	ck_assert_str_eq(got, "fail");
	ck_assert_int_eq(field(line, "dry_run", got), 0);
	ck_assert_int_eq(field(line, "truncated", got), -1);
}
END_TEST

START_TEST(test_fields_verbose_and_off)
{
	struct msglog ml;
	char line[MSGLOG_MAX + 300], got[512];

	msglog_begin(&ml, MSGLOG_VERBOSE);
	sample(&ml);
	msglog_format(&ml, "QID2", line, sizeof line);
	ck_assert_int_eq(field(line, "client", got), 0);
	ck_assert_str_eq(got, "10.0.0.5");
	ck_assert_int_eq(field(line, "dkim1_bits", got), 0);
	ck_assert_str_eq(got, "2048");
	ck_assert_int_eq(field(line, "dkim1_b", got), 0);
	ck_assert_str_eq(got, "AbCdEfGh");

	msglog_begin(&ml, MSGLOG_OFF);
	sample(&ml);
	msglog_format(&ml, "QID3", line, sizeof line);
	ck_assert_str_eq(line, "qid=QID3");
	msglog_emit(&ml, "QID3"); /* off: nothing, no crash */
	ck_assert_int_eq(ml.emitted, 0);
}
END_TEST

START_TEST(test_truncation)
{
	struct msglog ml;
	char line[MSGLOG_MAX + 300], big[600];
	int i;

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	msglog_begin(&ml, MSGLOG_NORMAL);
	for (i = 0; i < 10; i++)
		msglog_add(&ml, MSGLOG_NORMAL, "error", big);
	msglog_action(&ml, "accept", 0); /* dropped: no room */
	msglog_format(&ml, "Q", line, sizeof line);
	ck_assert_uint_le(strlen(line), MSGLOG_MAX + 16);
	ck_assert(strstr(line, " truncated=1") != NULL);
	ck_assert(strstr(line, "action=") == NULL);
	/* whole fields only: the line still parses */
	ck_assert(strlen(line) > MSGLOG_MAX / 2);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("msglog");
	TCase *tc = tcase_create("msglog");

	tcase_add_loop_test(tc, test_quote, 0,
	    sizeof quote_cases / sizeof quote_cases[0]);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_fields_normal);
	tcase_add_test(tc, test_fields_verbose_and_off);
	tcase_add_test(tc, test_truncation);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
