/*
 * test_from.c - one From: parser for the two uses in the daemon: the
 * signing key is chosen from dkim_mailbox_split's local part and domain
 * (milter/signing.c, through signtable_match), the alignment check reads
 * dkim_msg_from_domain.  For tricky From: fields (comments, quoted local
 * parts holding '@', display names holding addresses, groups, several
 * mailboxes, routes) both must name the same domain, and the key chosen
 * must be that domain's, or neither may name one.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "dkim.h"
#include "common/config/keytable.h"
#include "common/config/signtable.h"
#include "testutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct from_case {
	const char *value;  /* after "From:" */
	const char *domain; /* NULL: no author domain */
	const char *local;  /* of the first mailbox */
} cases[] = {
    {" Joe (x@evil.example) <joe@Example.COM> (y@evil.example)", "example.com",
	"joe"},
    {" \"joe@evil.example\" <joe@example.com>", "example.com", "joe"},
    {" \"a@evil.example\"@example.com", "example.com", "a@evil.example"},
    {" \"Evil <x@evil.example>\" <joe@example.com>", "example.com", "joe"},
    {" \"joe \\\"q\\\" x\"@example.com", "example.com", "joe \"q\" x"},
    {" friends: joe@example.com, B <b@EXAMPLE.com>;", "example.com", "joe"},
    {" joe@example.com, \"Joe Two\" <joe2@example.com>", "example.com", "joe"},
    {" <@route.evil.example,@r2.evil.example:joe@example.com>", "example.com",
	"joe"},
    {" joe . x @ example . org", "example.org", "joe.x"},
    {"\r\n\tJoe\r\n <joe@example.org>", "example.org", "joe"},
    /* mailboxes of two domains: no single author domain */
    {" a@example.org, b@example.com", NULL, NULL},
    {" team: a@example.com, b <b@evil.example>;", NULL, NULL},
    {" \"x\" <a@example.com>, y <b@evil.example>", NULL, NULL},
    {" undisclosed-recipients:;", NULL, NULL},
    {" Joe", NULL, NULL},
    {" <>", NULL, NULL},
};

static char dir[TU_PATH_MAX];

static const char kt_text[] = "kcom   example.com   s1  keys/com.key\n"
			      "korg   example.org   s1  keys/org.key\n"
			      "kevil  evil.example  s1  keys/evil.key\n";

static const char st_text[] = "example.com    kcom\n"
			      "example.org    korg\n"
			      "evil.example   kevil\n";

static void
setup(void)
{
	tu_tmpdir(dir, sizeof dir, "from");
}

static void
teardown(void)
{
	tu_rmtree(dir);
}

/* author_domain - what the alignment check sees */
static dkim_rc
author_domain(const char *value, char *buf, size_t len)
{
	char field[512];
	dkim_msg *m;
	dkim_rc rc;

	snprintf(field, sizeof field, "From:%s", value);
	ck_assert_int_eq(dkim_msg_new(NULL, &m), DKIM_OK);
	ck_assert_int_eq(dkim_msg_header(m, field, strlen(field)), DKIM_OK);
	rc = dkim_msg_from_domain(m, buf, len);
	dkim_msg_free(m);
	return rc;
}

START_TEST(test_one_domain)
{
	const struct from_case *c = &cases[_i];
	char local[256], domain[256], aligned[256];
	dkim_rc split_rc, align_rc;

	split_rc = dkim_mailbox_split(c->value, strlen(c->value), local,
	    sizeof local, domain, sizeof domain);
	align_rc = author_domain(c->value, aligned, sizeof aligned);
	if (c->domain == NULL) {
		ck_assert_msg(split_rc == DKIM_EINVAL &&
			align_rc == DKIM_EINVAL,
		    "case %d: split %d '%s', align %d '%s'", _i, split_rc,
		    domain, align_rc, aligned);
		ck_assert_str_eq(domain, "");
		return;
	}
	ck_assert_msg(split_rc == DKIM_OK && align_rc == DKIM_OK,
	    "case %d: split %d, align %d", _i, split_rc, align_rc);
	ck_assert_str_eq(domain, c->domain);
	ck_assert_str_eq(aligned, domain);
	ck_assert_str_eq(local, c->local);
}
END_TEST

/* the key chosen for the From: belongs to the domain alignment sees */
START_TEST(test_key_choice)
{
	const struct from_case *c = &cases[_i];
	struct errlist el = {0};
	struct keytable *kt;
	struct signtable *st;
	struct sigsel sel[4];
	char local[256], domain[256], aligned[256], spec[TU_PATH_MAX + 8];
	size_t n = 0;

	kt = keytable_load(tu_put(dir, "kt", kt_text), &el);
	ck_assert_msg(kt != NULL, "%s", errlist_str(&el));
	tu_put(dir, "st", st_text);
	snprintf(spec, sizeof spec, "%s/st", dir);
	st = signtable_load(spec, kt, &el);
	ck_assert_msg(st != NULL, "%s", errlist_str(&el));
	/* as milter/signing.c's lookup_address does */
	if (dkim_mailbox_split(c->value, strlen(c->value), local, sizeof local,
		domain, sizeof domain) == DKIM_OK)
		n = signtable_match(st, local, domain, 0, sel, NELEM(sel));
	if (c->domain == NULL)
		ck_assert_uint_eq(n, 0);
	else {
		ck_assert_uint_eq(n, 1);
		ck_assert_int_eq(author_domain(c->value, aligned,
				     sizeof aligned),
		    DKIM_OK);
		ck_assert_str_eq(sel[0].key->domain, aligned);
	}
	signtable_free(st);
	keytable_free(kt);
}
END_TEST

START_TEST(test_envelope_and_limits)
{
	char local[8], domain[16];

	/* a MAIL FROM argument, with or without <> */
	ck_assert_int_eq(dkim_mailbox_split("<joe@Example.com>", 17, local,
			     sizeof local, domain, sizeof domain),
	    DKIM_OK);
	ck_assert_str_eq(local, "joe");
	ck_assert_str_eq(domain, "example.com");
	ck_assert_int_eq(dkim_mailbox_split("joe@example.com", 15, NULL, 0,
			     domain, sizeof domain),
	    DKIM_OK);
	ck_assert_str_eq(domain, "example.com");
	/* the length bounds the value: "joe@example.comX" read as 15 bytes */
	ck_assert_int_eq(dkim_mailbox_split("joe@example.comX", 15, NULL, 0,
			     domain, sizeof domain),
	    DKIM_OK);
	ck_assert_str_eq(domain, "example.com");
	/* parts that do not fit are refused, not cut */
	ck_assert_int_eq(dkim_mailbox_split("longlocal@example.com", 21, local,
			     sizeof local, domain, sizeof domain),
	    DKIM_EINVAL);
	ck_assert_str_eq(local, "");
	ck_assert_int_eq(dkim_mailbox_split("a@very-long.example.com", 23, NULL,
			     0, domain, sizeof domain),
	    DKIM_EINVAL);
	ck_assert_int_eq(dkim_mailbox_split("a@b.example", 11, local, 0, domain,
			     sizeof domain),
	    DKIM_EINVAL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("from");
	TCase *tc = tcase_create("from");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_one_domain, 0, NELEM(cases));
	tcase_add_loop_test(tc, test_key_choice, 0, NELEM(cases));
	tcase_add_test(tc, test_envelope_and_limits);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
