/*
 * test_canon_stream.c - the streaming body canonicalizer (lib/canon.c)
 * and each SIMD kernel (lib/canon_x86.c) against a line-at-a-time
 * reference, on generated bodies cut at random points and fed one octet
 * at a time; long lines; counted empty lines.
 */
#include "canon_testutil.h"
#include "testutil.h"

/* test_differential - streaming == reference, random chunkings */
START_TEST(test_differential)
{
	uint32_t seed = 0x9e3779b9u ^ (uint32_t)(_i * 7919 + 1);
	int round, c;

	/* loop index: kernel (CANON_ISA_*) and generator */
	use_isa = _i % 3;
	if (use_isa > canon_isa_best()) {
		printf("note: %s: kernel %d not supported here\n", __func__,
		    use_isa);
		return;
	}
	for (round = 0; round < 200; round++) {
		size_t len, cuts[8], ncuts = 0, left, j;
		unsigned char *b = (_i / 3) & 1 ? gen_text(&seed, &len) :
						  gen_body(&seed, &len);

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
	use_isa = _i;
	if (use_isa > canon_isa_best())
		return;
	for (c = 0; c < 2; c++) {
		struct collect want, got;
		size_t cut = len / 3;

		ref_canon((dkim_canon)c, b, len, &want);
		canon_chunks((dkim_canon)c, b, &cut, 1, len, &got);
		ck_assert(got.len == want.len &&
		    memcmp(got.p, want.p, want.len) == 0);
		/* the sink sees big blocks or runs of lines, not each line */
		ck_assert_uint_le(got.calls,
		    c == DKIM_CANON_RELAXED ? len / 4096 + 2 :
					      2 * (len / 5000) + 4);
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
stream_suite(void)
{
	Suite *s = suite_create("canon_stream");
	TCase *tc = tcase_create("stream");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_differential, 0, 60);
	tcase_add_loop_test(tc, test_long_lines, 0, 3);
	tcase_add_test(tc, test_blank_count);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(stream_suite());
}
