/*
 * test_canon.c - header and body canonicalization (lib/canon.c).
 *
 * Vectors come from testdata/canon-vectors/canonicalization.json; each
 * body vector is split at every offset (loop index = split point), fed
 * as given in chunks, and fed one byte at a time.  Generated bodies and
 * the SIMD kernels: test_canon_stream.c.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "canon_testutil.h"
#include "canon_vectors.h"
#include "testutil.h"

static int
body_kind(const struct cvec *v, dkim_canon *c)
{
	if (strcmp(v->kind, "body-simple") == 0)
		*c = DKIM_CANON_SIMPLE;
	else if (strcmp(v->kind, "body-relaxed") == 0)
		*c = DKIM_CANON_RELAXED;
	else
		return 0;
	return v->has_expected;
}

/* check_output - expected octets and their SHA-256 as bh= */
static void
check_output(const struct cvec *v, const struct collect *out, const char *how)
{
	unsigned char d[SHA256_DIGEST_LENGTH];
	char b64[128];

	ck_assert_msg(out->len == v->explen &&
		memcmp(out->p, v->expected, v->explen) == 0,
	    "%s: vector \"%.*s\" (%s) gave %zu octets, want %zu", how,
	    (int)v->inlen, v->input, v->kind, out->len, v->explen);
	if (v->bh[0] != '\0') {
		SHA256(out->p, out->len, d);
		b64_of(d, sizeof(d), b64);
		ck_assert_str_eq(b64, v->bh);
	}
}

/* test_body_split - every body vector cut at offset _i */
START_TEST(test_body_split)
{
	size_t i, split = (size_t)_i, n = 0;
	dkim_canon c;

	if (!cvec_ready())
		return;
	for (i = 0; i < ncvecs; i++) {
		struct cvec *v = &cvecs[i];
		struct collect out;

		if (!body_kind(v, &c) || split > v->inlen)
			continue;
		canon_chunks(c, v->input, &split, 1, v->inlen, &out);
		check_output(v, &out, "split");
		free(out.p);
		n++;
	}
	if (split == 0) /* every body vector is cut at 0 */
		tu_data_ran("body vectors split at offset 0", n,
		    cvec_held("body-simple", CV_EXPECTED) +
			cvec_held("body-relaxed", CV_EXPECTED));
}
END_TEST

/* test_body_chunks - as given, and one byte at a time */
START_TEST(test_body_chunks)
{
	size_t i, j, n = 0;
	dkim_canon c;

	if (!cvec_ready())
		return;
	for (i = 0; i < ncvecs; i++) {
		struct cvec *v = &cvecs[i];
		struct collect out;
		size_t *ones;

		if (!body_kind(v, &c))
			continue;
		canon_chunks(c, v->input, v->chunk, v->nchunks, v->inlen, &out);
		check_output(v, &out, "chunks");
		free(out.p);
		ones = malloc((v->inlen + 1) * sizeof(*ones));
		for (j = 0; j < v->inlen; j++)
			ones[j] = 1;
		canon_chunks(c, v->input, ones, v->inlen, v->inlen, &out);
		check_output(v, &out, "bytewise");
		free(out.p);
		free(ones);
		n++;
	}
	tu_data_ran("body vectors in chunks and bytewise", n,
	    cvec_held("body-simple", CV_EXPECTED) +
		cvec_held("body-relaxed", CV_EXPECTED));
}
END_TEST

/* test_header_vectors - header-relaxed and header-simple vectors */
START_TEST(test_header_vectors)
{
	size_t i, n = 0;

	if (!cvec_ready())
		return;
	for (i = 0; i < ncvecs; i++) {
		struct cvec *v = &cvecs[i];
		dkim_canon c;
		size_t len = v->inlen, olen;
		char *out;

		if (strcmp(v->kind, "header-relaxed") == 0)
			c = DKIM_CANON_RELAXED;
		else if (strcmp(v->kind, "header-simple") == 0)
			c = DKIM_CANON_SIMPLE;
		else
			continue;
		/* the API takes the field without its final CRLF */
		if (len >= 2 && memcmp(v->input + len - 2, "\r\n", 2) == 0)
			len -= 2;
		out = malloc(CANON_HEADER_MAX(len));
		olen = canon_header(c, (const char *)v->input, len, out, 1);
		ck_assert_msg(olen == v->explen &&
			memcmp(out, v->expected, olen) == 0,
		    "header \"%.*s\" -> \"%.*s\"", (int)len, v->input,
		    (int)olen, out);
		free(out);
		n++;
	}
	tu_data_ran("header vectors", n, cvec_held("header-", CV_ALL));
}
END_TEST

/* hdr - canonicalize a C string field */
static char *
hdr(dkim_canon c, const char *f, int crlf)
{
	size_t len = strlen(f);
	char *out = malloc(CANON_HEADER_MAX(len) + 1);
	size_t n = canon_header(c, f, len, out, crlf);

	out[n] = '\0';
	return out;
}

START_TEST(test_header_more)
{
	struct {
		dkim_canon c;
		const char *in, *want;
	} t[] = {
	    {DKIM_CANON_RELAXED, "From: a@b", "from:a@b"},
	    {DKIM_CANON_RELAXED, "X-A :  x \t y  ", "x-a:x y"},
	    {DKIM_CANON_RELAXED, "Subject:\n  folded\n\tthere",
		"subject:folded there"},
	    {DKIM_CANON_RELAXED, "Subject:", "subject:"},
	    {DKIM_CANON_RELAXED, "Subject:   ", "subject:"},
	    {DKIM_CANON_RELAXED, "A: x\ry", "a:x\ry"},
	    {DKIM_CANON_RELAXED, "DKIM-Signature: v=1; h=a : b;\r\n b=",
		"dkim-signature:v=1; h=a : b; b="},
	    {DKIM_CANON_SIMPLE, "Subject: x\n y", "Subject: x\r\n y"},
	    {DKIM_CANON_SIMPLE, "Subject : x\r\n y ", "Subject : x\r\n y "},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *o = hdr(t[i].c, t[i].in, 0);

		ck_assert_str_eq(o, t[i].want);
		free(o);
	}
}
END_TEST

static Suite *
canon_suite(void)
{
	Suite *s = suite_create("canon");
	TCase *tc = tcase_create("vectors");

	tcase_add_loop_test(tc, test_body_split, 0,
	    (int)(cvec_load() > 0 ? cvec_max_input() + 1 : 1));
	tcase_add_test(tc, test_body_chunks);
	tcase_add_test(tc, test_header_vectors);
	tcase_add_test(tc, test_header_more);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(canon_suite());
}
