/*
 * test_hdrs.c - header store, h= instance selection (RFC 6376 5.4.2),
 * the From: domain, and dkim_msg_write's parsing of a message stream.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dkim.h"
#include "hdrs.h"
#include "msgint.h"
#include "testutil.h"

static void
add(struct hdrs *h, const char *f)
{
	ck_assert_int_eq(hdrs_add(h, f, strlen(f)), DKIM_OK);
}

START_TEST(test_store)
{
	struct hdrs h;

	hdrs_init(&h);
	add(&h, "Subject: a\n b");
	ck_assert_str_eq(h.v[0].text, "Subject: a\r\n b");
	ck_assert_uint_eq(h.v[0].len, 14);
	ck_assert_uint_eq(h.v[0].namelen, 7);
	add(&h, "X-Old \t: obsolete WSP before the colon");
	ck_assert_uint_eq(h.v[1].namelen, 5);
	ck_assert(hdrs_is(&h.v[1], "x-old", 5));
	ck_assert(!hdrs_is(&h.v[1], "x-ol", 4));
	add(&h, "Empty:");
	ck_assert_int_eq(hdrs_add(&h, "no colon", 8), DKIM_EINVAL);
	ck_assert_int_eq(hdrs_add(&h, ": no name", 9), DKIM_EINVAL);
	ck_assert_int_eq(hdrs_add(&h, "Bad Name: x", 11), DKIM_EINVAL);
	ck_assert_int_eq(hdrs_add_nv(&h, "Subject", " b\n\tc"), DKIM_OK);
	ck_assert_str_eq(h.v[3].text, "Subject: b\r\n\tc");
	ck_assert_int_eq(hdrs_add_nv(&h, "A:B", "x"), DKIM_EINVAL);
	ck_assert_uint_eq(h.n, 4);
	ck_assert_uint_eq(hdrs_count(&h, "SUBJECT", 7), 2);
	hdrs_clear(&h);
	hdrs_clear(&h);
}
END_TEST

START_TEST(test_select)
{
	static const char *const fields[] = {
	    "A: 1",
	    "B: 1",
	    "a: 2",
	    "C: 1",
	    "A: 3",
	};
	static const char *const names[] = {
	    "A",
	    "a",
	    "B",
	    "A",
	    "A",
	    "D",
	    "b",
	    "c",
	};
	static const size_t want[] = {
	    4,
	    2,
	    1,
	    0,
	    HDRS_NONE,
	    HDRS_NONE,
	    HDRS_NONE,
	    3,
	};
	size_t out[NELEM(names)], i;
	struct hdrs h;

	hdrs_init(&h);
	for (i = 0; i < NELEM(fields); i++)
		add(&h, fields[i]);
	ck_assert_int_eq(hdrs_select(&h, names, NELEM(names), out), 0);
	for (i = 0; i < NELEM(names); i++)
		ck_assert_msg(out[i] == want[i], "name %zu (%s): %zu want %zu",
		    i, names[i], out[i], want[i]);
	ck_assert_int_eq(hdrs_select(&h, names, 0, out), 0);
	hdrs_clear(&h);
	/* nothing stored: every name is oversigned */
	ck_assert_int_eq(hdrs_select(&h, names, 2, out), 0);
	ck_assert_uint_eq(out[0], HDRS_NONE);
	ck_assert_uint_eq(out[1], HDRS_NONE);
}
END_TEST

static const struct {
	const char *field;
	const char *domain; /* NULL: DKIM_EINVAL */
} from_cases[] = {
    {"From: Joe <joe@Example.COM>", "example.com"},
    {"From: joe@example.com", "example.com"},
    {"From:joe@example.com", "example.com"},
    {"From: \"Joe @ home\" <joe@example.com>", "example.com"},
    {"From: \"Joe <x@evil.example>\" <joe@example.com>", "example.com"},
    {"From: (c@evil.example) joe@example.com (Joe (nested @ x))",
	"example.com"},
    {"From: Joe\r\n <joe@example.com>", "example.com"},
    {"From: Joe <@route.example,@r2.example:joe@example.com>", "example.com"},
    {"From: joe @ example . com", "example.com"},
    {"From: \"a@b\"@example.com", "example.com"},
    {"From: friends: a@example.com, B <b@EXAMPLE.com>;", "example.com"},
    {"From: a@example.com, b@example.com", "example.com"},
    {"From: joe@[192.0.2.1]", "[192.0.2.1]"},
    {"From: a@example.com, b@example.org", NULL},
    {"From: undisclosed-recipients:;", NULL},
    {"From: Joe", NULL},
    {"From: <>", NULL},
    {"From: joe@", NULL},
    {"From: @example.com", NULL},
    {"From: joe@example.com.", NULL},
    {"From: Joe <joe@example.com", "example.com"},
    {"From: \"unterminated <joe@example.com>", NULL},
};

START_TEST(test_from_domain)
{
	struct hdrs h;
	char buf[256];
	dkim_rc rc;

	hdrs_init(&h);
	add(&h, "Subject: x");
	add(&h, from_cases[_i].field);
	rc = hdrs_from_domain(&h, buf, sizeof(buf));
	if (from_cases[_i].domain == NULL)
		ck_assert_msg(rc == DKIM_EINVAL, "%s: got %s",
		    from_cases[_i].field, buf);
	else {
		ck_assert_msg(rc == DKIM_OK, "%s: rc %d", from_cases[_i].field,
		    rc);
		ck_assert_str_eq(buf, from_cases[_i].domain);
	}
	hdrs_clear(&h);
}
END_TEST

START_TEST(test_from_count)
{
	struct hdrs h;
	char buf[8], big[64];
	dkim_msg *m;

	hdrs_init(&h);
	ck_assert_int_eq(hdrs_from_domain(&h, buf, sizeof(buf)), DKIM_EINVAL);
	add(&h, "From: a@example.com");
	ck_assert_int_eq(hdrs_from_domain(&h, buf, sizeof(buf)), DKIM_EINVAL);
	ck_assert_int_eq(hdrs_from_domain(&h, buf, 0), DKIM_EINVAL);
	add(&h, "from: b@example.com");
	ck_assert_int_eq(hdrs_from_domain(&h, buf,
			     256 > sizeof(buf) ? sizeof(buf) : 256),
	    DKIM_EINVAL);
	hdrs_clear(&h);
	/* through the public API */
	ck_assert_int_eq(dkim_msg_new(NULL, &m), DKIM_OK);
	ck_assert_int_eq(dkim_msg_header(m, "From: x@a.example", 17), DKIM_OK);
	ck_assert_int_eq(dkim_msg_from_domain(m, buf, sizeof(buf)),
	    DKIM_EINVAL); /* does not fit */
	ck_assert_int_eq(dkim_msg_from_domain(m, big, sizeof(big)), DKIM_OK);
	ck_assert_str_eq(big, "a.example");
	ck_assert_int_eq(dkim_msg_header(m, "From: y@a.example", 17), DKIM_OK);
	ck_assert_int_eq(dkim_msg_from_domain(m, big, sizeof(big)),
	    DKIM_EINVAL);
	dkim_msg_free(m);
}
END_TEST

/* ---- dkim_msg_write: split the stream at every offset ---- */
static const char mbox_msg[] = "From joe@example.com Fri Jul 11 21:00:37 2003\n"
			       "Received: from x\n"
			       "\tby y; Fri, 11 Jul 2003 21:00:37 -0700\n"
			       "From: Joe <joe@example.com>\n"
			       "Subject: folded\n"
			       "  twice\r\n"
			       " and CRLF\n"
			       "not a field line\n"
			       "To: b@example.net\n"
			       "\n"
			       "Body line one  \n"
			       "\n"
			       "From the body, not a header\n";

static void
check_store(const dkim_msg *m)
{
	ck_assert_uint_eq(m->hdrs.n, 4);
	ck_assert_str_eq(m->hdrs.v[0].text,
	    "Received: from x\r\n\tby y; Fri, 11 Jul 2003 21:00:37 -0700");
	ck_assert_str_eq(m->hdrs.v[1].text, "From: Joe <joe@example.com>");
	ck_assert_str_eq(m->hdrs.v[2].text,
	    "Subject: folded\r\n  twice\r\n and CRLF");
	ck_assert_str_eq(m->hdrs.v[3].text, "To: b@example.net");
}

START_TEST(test_write_split)
{
	size_t split = (size_t)_i, len = sizeof(mbox_msg) - 1;
	dkim_msg *m, *ref;
	struct bodyhash *a, *b;

	/* hashes set up before the stream starts see the whole body */
	ck_assert_int_eq(dkim_msg_new(NULL, &ref), DKIM_OK);
	a = bodyhash_get(&ref->bhs, DKIM_CANON_SIMPLE, BH_SHA256, -1);
	ck_assert_int_eq(dkim_msg_write(ref, mbox_msg, len), DKIM_OK);
	ck_assert_int_eq(ref->state, MSG_BODY);
	ck_assert_int_eq(dkim_msg_eom(ref), DKIM_OK);
	check_store(ref);
	ck_assert_uint_eq(bodyhash_length(a), 48);

	ck_assert_int_eq(dkim_msg_new(NULL, &m), DKIM_OK);
	b = bodyhash_get(&m->bhs, DKIM_CANON_SIMPLE, BH_SHA256, -1);
	ck_assert_int_eq(dkim_msg_write(m, mbox_msg, split), DKIM_OK);
	ck_assert_int_eq(dkim_msg_write(m, mbox_msg + split, len - split),
	    DKIM_OK);
	ck_assert_int_eq(dkim_msg_eom(m), DKIM_OK);
	check_store(m);
	ck_assert_mem_eq(a->digest, b->digest, a->dlen);
	dkim_msg_free(m);
	dkim_msg_free(ref);
}
END_TEST

START_TEST(test_write_no_body)
{
	static const char text[] = "From: a@example.com\r\nSubject: x\r\n y";
	dkim_msg *m;

	ck_assert_int_eq(dkim_msg_new(NULL, &m), DKIM_OK);
	ck_assert_int_eq(dkim_msg_write(m, text, sizeof(text) - 1), DKIM_OK);
	ck_assert_int_eq(m->state, MSG_HEADERS);
	ck_assert_int_eq(dkim_msg_eom(m), DKIM_OK);
	ck_assert_uint_eq(m->hdrs.n, 2);
	ck_assert_str_eq(m->hdrs.v[1].text, "Subject: x\r\n y");
	/* after eom nothing more is accepted */
	ck_assert_int_eq(dkim_msg_write(m, "x", 1), DKIM_ESTATE);
	ck_assert_int_eq(dkim_msg_body(m, "x", 1), DKIM_ESTATE);
	ck_assert_int_eq(dkim_msg_eoh(m), DKIM_ESTATE);
	dkim_msg_free(m);
	/* body before eoh is out of order */
	ck_assert_int_eq(dkim_msg_new(NULL, &m), DKIM_OK);
	ck_assert_int_eq(dkim_msg_body(m, "x", 1), DKIM_ESTATE);
	ck_assert_int_eq(dkim_msg_eom(m), DKIM_ESTATE);
	dkim_msg_free(m);
}
END_TEST

static Suite *
hdrs_suite(void)
{
	Suite *s = suite_create("hdrs");
	TCase *tc = tcase_create("store");

	tcase_add_test(tc, test_store);
	tcase_add_test(tc, test_select);
	tcase_add_loop_test(tc, test_from_domain, 0, NELEM(from_cases));
	tcase_add_test(tc, test_from_count);
	suite_add_tcase(s, tc);
	tc = tcase_create("write");
	tcase_add_loop_test(tc, test_write_split, 0, sizeof(mbox_msg));
	tcase_add_test(tc, test_write_no_body);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(hdrs_suite());
}
