/*
 * test_log.c - the logger's sanitiser: one log call is one line.
 *
 * A fixed table shows what is escaped (C0 controls with TAB, CR and LF,
 * DEL, C1 controls, bytes that are not UTF-8) and what is kept (text,
 * UTF-8, backslashes).  Then generated hostile strings (random bytes
 * weighted towards CR, LF, 8-bit and broken UTF-8) go through log_info
 * with stderr on a temporary file: each call must add exactly one line,
 * with no control byte and well-formed UTF-8, and clean input must come
 * out unchanged.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"
#include "util/utf8.h"
#include "testutil.h"

#define NGEN 3000

struct san_case {
	const char *in, *out;
};

static const struct san_case san_cases[] = {
    {"plain text", "plain text"},
    {"line\nbreak", "line\\x0abreak"},
    {"cr\r\nlf", "cr\\x0d\\x0alf"},
    {"tab\there", "tab\\x09here"},
    {"bell\a del\x7f", "bell\\x07 del\\x7f"},
    {"\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9"}, /* UTF-8 kept */
    {"\xe2\x82\xac", "\xe2\x82\xac"},           /* euro sign */
    {"raw \xff\xfe", "raw \\xff\\xfe"},
    {"cut \xc3", "cut \\xc3"},                     /* short */
    {"over \xc0\xaf", "over \\xc0\\xaf"},          /* overlong */
    {"surr \xed\xa0\x80", "surr \\xed\\xa0\\x80"}, /* surrogate */
    {"c1 \xc2\x85", "c1 \\xc2\\x85"},              /* NEL */
    {"esc \x1b[31m", "esc \\x1b[31m"},
    {"back\\slash", "back\\slash"},
};

START_TEST(test_table)
{
	const struct san_case *c = &san_cases[_i];
	char out[256];
	size_t n = log_sanitize(c->in, out, sizeof out);

	ck_assert_str_eq(out, c->out);
	ck_assert_uint_eq(n, strlen(c->out));
}
END_TEST

/* a tiny buffer: never overflows, never splits an escape */
START_TEST(test_small_buffer)
{
	char out[6];

	log_sanitize("ab\ncd", out, sizeof out);
	ck_assert_str_eq(out, "ab");
	log_sanitize("\xc3\xa9\xc3\xa9\xc3\xa9", out, sizeof out);
	ck_assert_str_eq(out, "\xc3\xa9\xc3\xa9");
}
END_TEST

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

/* next - xorshift64: the same hostile strings on every run */
static unsigned
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 24);
}

/* hostile - a string of up to 200 bytes, no NUL */
static void
hostile(char *s, size_t cap)
{
	static const char *const pieces[] = {
	    "\n",
	    "\r\n",
	    "\r",
	    "\t",
	    "\x1b[2J",
	    "\x7f",
	    "\xc2\x85",
	    "\xe2\x80\xa8",
	    "\xc3\xa9",
	    "\xff",
	    "\xc3",
	    "\xed\xa0\x80",
	    "\xf4\x90\x80\x80",
	    "\\",
	    "\"",
	    "%",
	    "Subject: x",
	    " ",
	    "a",
	    "mx.test; dkim=pass",
	};
	size_t len = next() % 200, o = 0, k;
	const char *p;

	while (o < len) {
		if (next() % 3 == 0) {
			s[o++] = (char)(1 + next() % 255);
			continue;
		}
		p = pieces[next() % NELEM(pieces)];
		k = strlen(p);
		if (o + k >= cap)
			break;
		memcpy(s + o, p, k);
		o += k;
	}
	s[o] = '\0';
}

/* check_line - exactly one line, no control byte, well-formed UTF-8 */
static void
check_line(const char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)buf;
	size_t i = 0, n;

	ck_assert_uint_gt(len, 0);
	ck_assert_int_eq(buf[len - 1], '\n');
	while (i < len - 1) {
		n = utf8_seqlen(p + i, len - 1 - i);
		ck_assert_msg(n > 0, "not UTF-8 at %zu", i);
		ck_assert_msg(n > 1 || (p[i] >= 0x20 && p[i] != 0x7f),
		    "control byte 0x%02x at %zu", p[i], i);
		i += n;
	}
}

START_TEST(test_generated_one_line)
{
	char in[512], out[4096];
	FILE *f = tmpfile();
	long before, after;
	size_t got, ran = 0;
	int i;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(dup2(fileno(f), STDERR_FILENO), 0);
	log_open("test", 0, 1);
	log_set_level(LOGL_DEBUG);
	for (i = 0; i < NGEN; i++) {
		hostile(in, sizeof in);
		fflush(stderr);
		fseek(f, 0, SEEK_END);
		before = ftell(f);
		switch (i % 3) {
		case 0:
			log_info("Q1: verify: d=%s s=%s", in, in);
			break;
		case 1:
			log_warnx("%s", in);
			break;
		default:
			log_debug("from %s: %s", in, "x");
			break;
		}
		fflush(stderr);
		fseek(f, 0, SEEK_END);
		after = ftell(f);
		ck_assert_int_gt(after, before);
		ck_assert_int_lt(after - before, (long)sizeof out);
		fseek(f, before, SEEK_SET);
		got = fread(out, 1, (size_t)(after - before), f);
		ck_assert_uint_eq(got, (size_t)(after - before));
		check_line(out, got);
		ran++;
	}
	fclose(f);
	printf("test_log: %zu generated hostile log calls, each one line\n",
	    ran);
	ck_assert_uint_eq(ran, NGEN);
}
END_TEST

/* clean input passes unchanged */
START_TEST(test_clean_unchanged)
{
	char in[512], out[2048];
	size_t i, k, ran = 0;

	for (i = 0; i < NGEN; i++) {
		hostile(in, sizeof in);
		/* keep only printable ASCII and spaces */
		for (k = 0; in[k] != '\0'; k++)
			if ((unsigned char)in[k] < 0x20 ||
			    (unsigned char)in[k] >= 0x7f)
				in[k] = '.';
		log_sanitize(in, out, sizeof out);
		ck_assert_str_eq(out, in);
		ran++;
	}
	ck_assert_uint_eq(ran, NGEN);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_add_loop_test(tc, test_table, 0, NELEM(san_cases));
	tcase_add_test(tc, test_small_buffer);
	tcase_add_test(tc, test_generated_one_line);
	tcase_add_test(tc, test_clean_unchanged);
	tcase_set_timeout(tc, 60); /* a loaded machine is slow, not wrong */
	suite_add_tcase(s, tc);
	return tu_run(s);
}
