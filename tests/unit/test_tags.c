/*
 * test_tags.c - the tag-list tokenizer, RFC 6376 3.2.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tags.h"
#include "testutil.h"

/*
 * Each case: input, and either the tags as "name=value|name=value" (value
 * exactly as reported, inner FWS kept) or NULL with a reason substring.
 */
static const struct {
	const char *in;
	const char *tags;
	const char *reason;
} cases[] = {
    {"", "", NULL}, /* empty tag-list */
    {" \r\n\t", "", NULL},
    {"a=1", "a=1", NULL},
    {"a=1;", "a=1", NULL}, /* trailing ';' */
    {"a=1; \r\n ", "a=1", NULL},
    {" a = 1 ; b = 2 ;", "a=1|b=2", NULL},
    {"a=", "a=", NULL}, /* empty value */
    {"a=;b=2", "a=|b=2", NULL},
    {"a=\r\n\t;b=2", "a=|b=2", NULL},
    {"h=from : to", "h=from : to", NULL},
    {"b=abc\r\n def", "b=abc\r\n def", NULL}, /* inner FWS kept */
    {"x_1=y;A9=q", "x_1=y|A9=q", NULL},
    {"a=1; A=2", "a=1|A=2", NULL}, /* names case-sensitive */
    {"a==", "a==", NULL},          /* '=' is a VALCHAR */
    {"a=x=y", "a=x=y", NULL},
    {"n=caf\xc3\xa9", "n=caf\xc3\xa9", NULL},
    {"a=1; a=2", NULL, "duplicate tag 'a'"},
    {"d=x;b=1;d=x", NULL, "duplicate tag 'd'"},
    {";", NULL, "empty tag-spec"},
    {"a=1;;b=2", NULL, "empty tag-spec"},
    {"a=1; ;", NULL, "empty tag-spec"},
    {"=1", NULL, "bad tag name"},
    {"1a=2", NULL, "bad tag name"},
    {"_a=1", NULL, "bad tag name"},
    {"a-b=1", "a-b=1", NULL}, /* as receivers read it */
    {"x-foo=bar; v=DKIM1", "x-foo=bar|v=DKIM1", NULL},
    {"a.b:c=1", "a.b:c=1", NULL},
    {"a-b=1; a-b=2", NULL, "duplicate tag 'a-b'"},
    {"a", NULL, "missing '=' after tag 'a'"},
    {"a b=1", NULL, "missing '=' after tag 'a'"},
    {"a=1\x01", NULL, "bad character in value of tag 'a'"},
    {"a=1\x7f", NULL, "bad character"},
    {"a=1 2", "a=1 2", NULL},
};

/* serialize - "name=value|..." of a tag list */
static void
serialize(const struct taglist *tl, char *buf, size_t len)
{
	size_t k, n = 0;

	buf[0] = '\0';
	for (k = 0; k < tl->n && n < len; k++)
		n += (size_t)snprintf(buf + n, len - n, "%s%.*s=%.*s",
		    k ? "|" : "", (int)tl->tags[k].name_len, tl->tags[k].name,
		    (int)tl->tags[k].value_len, tl->tags[k].value);
}

/* test_tags_cases - each table row */
START_TEST(test_tags_cases)
{
	char reason[DKIM_REASON_MAX], got[512];
	struct taglist tl;
	int rc = tags_parse(cases[_i].in, strlen(cases[_i].in), &tl, reason);

	if (cases[_i].tags == NULL) {
		ck_assert_msg(rc == -1, "'%s' accepted", cases[_i].in);
		ck_assert_msg(strstr(reason, cases[_i].reason) != NULL,
		    "'%s': reason '%s', want '%s'", cases[_i].in, reason,
		    cases[_i].reason);
		ck_assert_uint_eq(tl.n, 0);
		return;
	}
	ck_assert_msg(rc == 0, "'%s' rejected: %s", cases[_i].in, reason);
	serialize(&tl, got, sizeof(got));
	ck_assert_str_eq(got, cases[_i].tags);
	tags_free(&tl);
}
END_TEST

/* test_tags_offsets - spans let sig_blank_b cut b= with its whitespace */
START_TEST(test_tags_offsets)
{
	static const char in[] = "v=1; b= abc ;d=x";
	char reason[DKIM_REASON_MAX];
	struct taglist tl;
	const struct tag *b, *d;

	ck_assert_int_eq(tags_parse(in, strlen(in), &tl, reason), 0);
	ck_assert_uint_eq(tl.n, 3);
	ck_assert_ptr_nonnull(b = tags_find(&tl, "b"));
	ck_assert_uint_eq(b->name_off, 5);
	ck_assert_uint_eq(b->val_start, 7);
	ck_assert_uint_eq(b->value_off, 8);
	ck_assert_uint_eq(b->value_len, 3);
	ck_assert_uint_eq(b->spec_end, 12);
	ck_assert_ptr_nonnull(d = tags_find(&tl, "d"));
	ck_assert_uint_eq(d->spec_end, strlen(in));
	ck_assert_int_eq(tags_index(&tl, "d"), 2);
	ck_assert_int_eq(tags_index(&tl, "bh"), -1);
	ck_assert_ptr_null(tags_find(&tl, "B"));
	tags_free(&tl);
	tags_free(&tl); /* idempotent */
	tags_free(NULL);
}
END_TEST

/* test_tags_lenient - a name outside RFC 6376's grammar is accepted and
 * marked, so the caller can warn; a name inside it is not marked */
START_TEST(test_tags_lenient)
{
	static const char in[] = "v=DKIM1; x-foo=bar; k=rsa; y.z=1";
	char reason[DKIM_REASON_MAX];
	struct taglist tl;

	ck_assert_int_eq(tags_parse(in, strlen(in), &tl, reason), 0);
	ck_assert_uint_eq(tl.n, 4);
	ck_assert_uint_eq(tl.lenient, 2);
	ck_assert_uint_eq(tl.first_lenient, 1);
	ck_assert_int_eq(tl.tags[0].lenient, 0);
	ck_assert_int_eq(tl.tags[1].lenient, 1);
	ck_assert_int_eq(tl.tags[2].lenient, 0);
	ck_assert_ptr_nonnull(tags_find(&tl, "x-foo"));
	tags_free(&tl);
	ck_assert_int_eq(tags_parse("a=1; b_2=3", 10, &tl, reason), 0);
	ck_assert_uint_eq(tl.lenient, 0);
	tags_free(&tl);
}
END_TEST

/* list cases: value and the items joined with '|' */
static const struct {
	const char *in, *items;
} list_cases[] = {
    {"from:to", "from|to"},
    {" from \r\n : to : subject ", "from|to|subject"},
    {"a", "a"},
    {"", ""},
    {"a::b", "a||b"},
    {"a:", "a|"},
};

/* test_tags_list - ':'-separated list iteration trims FWS */
START_TEST(test_tags_list)
{
	const char *in = list_cases[_i].in, *item;
	size_t pos = 0, ilen, n = 0;
	char got[128];
	int first = 1;

	got[0] = '\0';
	while (tags_list_next(in, strlen(in), &pos, &item, &ilen)) {
		n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%.*s",
		    first ? "" : "|", (int)ilen, item);
		first = 0;
	}
	ck_assert_str_eq(got, list_cases[_i].items);
}
END_TEST

/* test_tags_strip - FWS removed from b=-style values */
START_TEST(test_tags_strip)
{
	char *s = tags_strip_fws(" ab\r\n\tc d ", 11);

	ck_assert_str_eq(s, "abcd");
	free(s);
}
END_TEST

/* test_tags_prefix - every prefix of a real field tokenizes or explains */
static const char prefix_in[] =
    "v=1; a=rsa-sha256; d=example.net; "
    "s=brisbane;\r\n c=relaxed/simple; q=dns/txt; l=1234; t=1117574938;"
    " x=1118006938;\r\n h=from:to:subject:date;\r\n bh=MTIzNDU2Nzg5MD"
    "EyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=;\r\n b=dzdVyOfAKCdLXdJOc9G2q8LoX"
    "SlEniSbav+yuU4zGeeruD00lszZ\r\n \tVoG4ZHRNiYzR";

START_TEST(test_tags_prefix)
{
	char reason[DKIM_REASON_MAX];
	struct taglist tl;
	size_t len = (size_t)_i;

	reason[0] = 'x';
	if (tags_parse(prefix_in, len, &tl, reason) == 0) {
		ck_assert_uint_le(tl.n, 12);
		if (len == sizeof(prefix_in) - 1)
			ck_assert_uint_eq(tl.n, 12);
		tags_free(&tl);
	} else
		ck_assert_msg(reason[0] != '\0', "no reason at %zu", len);
}
END_TEST

/* tags_suite - all cases */
static Suite *
tags_suite(void)
{
	Suite *s = suite_create("tags");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_tags_cases, 0, (int)NELEM(cases));
	tcase_add_test(tc, test_tags_offsets);
	tcase_add_test(tc, test_tags_lenient);
	tcase_add_loop_test(tc, test_tags_list, 0, (int)NELEM(list_cases));
	tcase_add_test(tc, test_tags_strip);
	tcase_add_loop_test(tc, test_tags_prefix, 0, (int)sizeof(prefix_in));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(tags_suite());
}
