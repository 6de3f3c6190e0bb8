/*
 * test_canon.c - header and body canonicalization (lib/canon.c).
 *
 * Vectors come from testdata/canon-vectors/canonicalization.json; each
 * body vector is split at every offset (loop index = split point), fed
 * as given in chunks, and fed one byte at a time.  A differential test
 * compares the streaming canonicalizer (and its SIMD fast path) with a
 * line-at-a-time reference on generated bodies and random chunkings.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "canon.h"
#include "canon_vectors.h"

/* ---- an output collector sink ---- */
struct collect {
	unsigned char *p;
	size_t len, cap;
	size_t calls;
};

static void
collect_sink(void *arg, const unsigned char *p, size_t n)
{
	struct collect *c = arg;

	if (c->len + n > c->cap) {
		c->cap = (c->len + n) * 2 + 64;
		c->p = realloc(c->p, c->cap);
		ck_assert_ptr_nonnull(c->p);
	}
	memcpy(c->p + c->len, p, n);
	c->len += n;
	c->calls++;
}

/* canon_chunks - canonicalize input cut at the given lengths */
static void
canon_chunks(dkim_canon canon, const unsigned char *in, const size_t *cuts,
    size_t ncuts, size_t inlen, struct collect *out)
{
	struct canon_body *cb = malloc(sizeof(*cb));
	size_t i, off = 0;

	ck_assert_ptr_nonnull(cb);
	memset(out, 0, sizeof(*out));
	out->p = malloc(out->cap = 64);		/* never NULL for memcmp */
	canon_body_init(cb, canon, collect_sink, out);
	for (i = 0; i < ncuts; i++) {
		canon_body_update(cb, in + off, cuts[i]);
		off += cuts[i];
	}
	canon_body_update(cb, in + off, inlen - off);
	canon_body_final(cb);
	ck_assert_uint_eq(canon_body_length(cb), out->len);
	free(cb);
}

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

	if (cvec_load() < 0)
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
	if (split == 0)
		ck_assert_uint_ge(n, 30);
}
END_TEST

/* test_body_chunks - as given, and one byte at a time */
START_TEST(test_body_chunks)
{
	size_t i, j;
	dkim_canon c;

	if (cvec_load() < 0)
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
	}
}
END_TEST

/* test_header_vectors - header-relaxed and header-simple vectors */
START_TEST(test_header_vectors)
{
	size_t i, n = 0;

	if (cvec_load() < 0)
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
	ck_assert_uint_ge(n, 10);
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
	struct { dkim_canon c; const char *in, *want; } t[] = {
		{ DKIM_CANON_RELAXED, "From: a@b", "from:a@b" },
		{ DKIM_CANON_RELAXED, "X-A :  x \t y  ", "x-a:x y" },
		{ DKIM_CANON_RELAXED, "Subject:\n  folded\n\tthere", "subject:folded there" },
		{ DKIM_CANON_RELAXED, "Subject:", "subject:" },
		{ DKIM_CANON_RELAXED, "Subject:   ", "subject:" },
		{ DKIM_CANON_RELAXED, "A: x\ry", "a:x\ry" },
		{ DKIM_CANON_RELAXED, "DKIM-Signature: v=1; h=a : b;\r\n b=", "dkim-signature:v=1; h=a : b; b=" },
		{ DKIM_CANON_SIMPLE, "Subject: x\n y", "Subject: x\r\n y" },
		{ DKIM_CANON_SIMPLE, "Subject : x\r\n y ", "Subject : x\r\n y " },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *o = hdr(t[i].c, t[i].in, 0);

		ck_assert_str_eq(o, t[i].want);
		free(o);
	}
}
END_TEST

/* ---- reference canonicalizer: whole body, line at a time ---- */
static void
ref_add(struct collect *c, const void *p, size_t n)
{
	collect_sink(c, p, n);
}

static void
ref_canon(dkim_canon canon, const unsigned char *in, size_t len,
    struct collect *out)
{
	size_t i = 0, keep = 0, k;

	memset(out, 0, sizeof(*out));
	out->p = malloc(out->cap = 64);
	while (i < len) {
		size_t s = i, e, before = out->len;
		int sp = 0;

		/* a line ends at CRLF or bare LF; a lone CR is content */
		while (i < len && in[i] != '\n' &&
		    !(in[i] == '\r' && i + 1 < len && in[i + 1] == '\n'))
			i++;
		e = i;
		if (i < len)
			i += in[i] == '\n' ? 1 : 2;
		if (canon == DKIM_CANON_SIMPLE)
			ref_add(out, in + s, e - s);
		else
			for (k = s; k < e; k++) {
				if (in[k] == ' ' || in[k] == '\t') {
					sp = 1;
					continue;
				}
				if (sp)
					ref_add(out, " ", 1);
				sp = 0;
				ref_add(out, in + k, 1);
			}
		if (out->len > before) {
			ref_add(out, "\r\n", 2);
			keep = out->len;
		} else
			ref_add(out, "\r\n", 2);
	}
	out->len = keep;	/* trailing empty lines go */
	if (canon == DKIM_CANON_SIMPLE && keep == 0)
		ref_add(out, "\r\n", 2);
}

/* rnd - xorshift, deterministic per loop index */
static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* gen_body - text with WSP runs, CR/LF mixes, long runs, controls */
static unsigned char *
gen_body(uint32_t *seed, size_t *lenp)
{
	static const char alpha[] = "ab  \t\r\n\n\r\nxyz\x01 \x80.";
	size_t len = rnd(seed) % 300, i;
	unsigned char *b = malloc(len + 1);

	for (i = 0; i < len; i++) {
		uint32_t r = rnd(seed) % 100;

		if (r < 50)
			b[i] = 'a' + r % 26;	/* long ordinary runs */
		else
			b[i] = alpha[r % (sizeof(alpha) - 1)];
	}
	*lenp = len;
	return b;
}

/* test_differential - streaming == reference, random chunkings */
START_TEST(test_differential)
{
	uint32_t seed = 0x9e3779b9u ^ (uint32_t)(_i * 7919 + 1);
	int round, c;

	for (round = 0; round < 200; round++) {
		size_t len, cuts[8], ncuts = 0, left, j;
		unsigned char *b = gen_body(&seed, &len);

		left = len;
		while (ncuts < 8 && left > 0) {
			cuts[ncuts] = rnd(&seed) % (left + 1);
			left -= cuts[ncuts++];
		}
		for (c = 0; c < 2; c++) {
			struct collect want, got, one;
			size_t *ones = malloc((len + 1) * sizeof(*ones));

			ref_canon((dkim_canon)c, b, len, &want);
			canon_chunks((dkim_canon)c, b, cuts, ncuts, len, &got);
			ck_assert_msg(got.len == want.len &&
			    memcmp(got.p, want.p, want.len) == 0,
			    "canon %d round %d: %zu vs %zu octets", c, round,
			    got.len, want.len);
			for (j = 0; j < len; j++)
				ones[j] = 1;
			canon_chunks((dkim_canon)c, b, ones, len, len, &one);
			ck_assert(one.len == want.len &&
			    memcmp(one.p, want.p, want.len) == 0);
			free(want.p);
			free(got.p);
			free(one.p);
			free(ones);
		}
		free(b);
	}
}
END_TEST

/* test_long_lines - lines longer than the output buffer, big chunks */
START_TEST(test_long_lines)
{
	size_t len = 3 * CANON_OUTBUF + 1000, i;
	unsigned char *b = malloc(len);
	int c;

	for (i = 0; i < len; i++)
		b[i] = (i % 5000 == 4999) ? '\n' : (i % 7 == 0 ? ' ' : 'q');
	memcpy(b + 100, "  \t ", 5);
	for (c = 0; c < 2; c++) {
		struct collect want, got;
		size_t cut = len / 3;

		ref_canon((dkim_canon)c, b, len, &want);
		canon_chunks((dkim_canon)c, b, &cut, 1, len, &got);
		ck_assert(got.len == want.len &&
		    memcmp(got.p, want.p, want.len) == 0);
		/* the sink sees big blocks, not lines */
		ck_assert_uint_le(got.calls, len / 4096 + 2);
		free(want.p);
		free(got.p);
	}
	free(b);
}
END_TEST

/* test_blank_count - many blank lines are counted, then emitted */
START_TEST(test_blank_count)
{
	size_t n = 100000, i;
	struct collect out;
	struct canon_body *cb = malloc(sizeof(*cb));

	memset(&out, 0, sizeof(out));
	canon_body_init(cb, DKIM_CANON_RELAXED, collect_sink, &out);
	canon_body_update(cb, "x\r\n", 3);
	for (i = 0; i < n; i++)
		canon_body_update(cb, " \r\n", 3);
	ck_assert_uint_eq(cb->blanks, n);
	ck_assert_uint_eq(canon_body_length(cb), 3);
	canon_body_update(cb, "y", 1);
	canon_body_final(cb);
	ck_assert_uint_eq(out.len, 3 + 2 * n + 3);
	free(out.p);
	free(cb);
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
	tc = tcase_create("stream");
	tcase_add_loop_test(tc, test_differential, 0, 20);
	tcase_add_test(tc, test_long_lines);
	tcase_add_test(tc, test_blank_count);
	suite_add_tcase(s, tc);
	return s;
}
int
main(void)
{
	SRunner *sr = srunner_create(canon_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
