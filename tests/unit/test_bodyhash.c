/*
 * test_bodyhash.c - shared body hashes (lib/bodyhash.c): the bh-* vectors
 * of canonicalization.json split at every offset, the mailauth message
 * file, l= limits, and sharing per (canonicalization, hash, l=).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bodyhash.h"
#include "canon_vectors.h"
#include "testutil.h"

#define EMPTY_SHA256 "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="

/* bh_kind - what a bh-* vector asks for; 0 if not one */
static int
bh_kind(const struct cvec *v, dkim_canon *c, enum bh_md *md, long long *l)
{
	if (strncmp(v->kind, "bh-", 3) != 0 || v->file[0] != '\0')
		return 0;
	*c =
	    strstr(v->kind, "relaxed") ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
	*md = strstr(v->kind, "sha1") ? BH_SHA1 : BH_SHA256;
	*l = strstr(v->kind, "l=") ? atoll(strstr(v->kind, "l=") + 2) : -1;
	return 1;
}

/* hash_split - one body hash of in, cut at split */
static void
hash_split(dkim_canon c, enum bh_md md, long long l, const void *in, size_t len,
    size_t split, char b64[128], unsigned long long *clen)
{
	struct bodyhash_set set;
	struct bodyhash *bh;

	bodyhash_set_init(&set);
	bh = bodyhash_get(&set, c, md, l);
	ck_assert_ptr_nonnull(bh);
	bodyhash_set_update(&set, in, split);
	bodyhash_set_update(&set, (const char *)in + split, len - split);
	ck_assert_int_eq(bodyhash_set_final(&set), 0);
	b64_of(bh->digest, bh->dlen, b64);
	if (clen != NULL)
		*clen = bodyhash_length(bh);
	bodyhash_set_clear(&set);
}

START_TEST(test_bh_vectors)
{
	size_t i, split = (size_t)_i, n = 0;

	if (!cvec_ready())
		return;
	for (i = 0; i < ncvecs; i++) {
		struct cvec *v = &cvecs[i];
		dkim_canon c;
		enum bh_md md;
		long long l;
		char b64[128];

		if (!bh_kind(v, &c, &md, &l) || split > v->inlen)
			continue;
		hash_split(c, md, l, v->input, v->inlen, split, b64, NULL);
		ck_assert_msg(strcmp(b64, v->bh) == 0, "%s split %zu: %s",
		    v->kind, split, b64);
		n++;
	}
	if (split == 0) /* every bh- vector is cut at 0 */
		tu_data_ran("bh vectors split at offset 0", n,
		    cvec_held("bh-", CV_NOFILE));
}
END_TEST

/* test_bh_file - mailauth-message1.eml, simple and relaxed, and l=0 */
START_TEST(test_bh_file)
{
	char path[TU_PATH_MAX + 200], b64[128];
	size_t i, len, step, n = 0;
	char *buf, *body;

	if (!cvec_ready())
		return;
	for (i = 0; i < ncvecs; i++) {
		struct cvec *v = &cvecs[i];

		if (v->file[0] == '\0')
			continue;
		snprintf(path, sizeof(path), "%s/%s", cvec_dir, v->file);
		ck_assert_msg((buf = tu_read_file(path, &len)) != NULL,
		    "cannot read %s", path);
		/* the body follows the first empty line (LF or CRLF file) */
		body = strstr(buf, "\n\n");
		if (body == NULL ||
		    (strstr(buf, "\r\n\r\n") != NULL &&
			strstr(buf, "\r\n\r\n") < body))
			body = strstr(buf, "\r\n\r\n") + 4;
		else
			body += 2;
		len -= body - buf;
		for (step = 0; step <= len; step += len / 7 + 1) {
			hash_split(DKIM_CANON_SIMPLE, BH_SHA256, -1, body, len,
			    step, b64, NULL);
			ck_assert_str_eq(b64, v->bh);
			hash_split(DKIM_CANON_RELAXED, BH_SHA256, -1, body, len,
			    step, b64, NULL);
			ck_assert_str_eq(b64, v->bh_relaxed);
			hash_split(DKIM_CANON_RELAXED, BH_SHA256, 0, body, len,
			    step, b64, NULL);
			ck_assert_str_eq(b64, EMPTY_SHA256);
		}
		free(buf);
		n++;
	}
	tu_data_ran("message-file vectors", n, cvec_held("", CV_FILE));
}
END_TEST

/* test_sharing - one hash per (canonicalization, hash, l=) */
START_TEST(test_sharing)
{
	struct bodyhash_set set;
	struct bodyhash *a, *b, *c, *d, *e;

	bodyhash_set_init(&set);
	a = bodyhash_get(&set, DKIM_CANON_RELAXED, BH_SHA256, -1);
	b = bodyhash_get(&set, DKIM_CANON_RELAXED, BH_SHA256, -5);
	c = bodyhash_get(&set, DKIM_CANON_RELAXED, BH_SHA1, -1);
	d = bodyhash_get(&set, DKIM_CANON_SIMPLE, BH_SHA256, -1);
	e = bodyhash_get(&set, DKIM_CANON_RELAXED, BH_SHA256, 10);
	ck_assert_ptr_eq(a, b);
	ck_assert_ptr_ne(a, c);
	ck_assert_ptr_ne(a, d);
	ck_assert_ptr_ne(a, e);
	ck_assert_ptr_eq(e,
	    bodyhash_get(&set, DKIM_CANON_RELAXED, BH_SHA256, 10));
	ck_assert_uint_eq(bodyhash_set_count(&set), 4);
	ck_assert_int_eq(bh_md_for_alg(DKIM_ALG_RSA_SHA1), BH_SHA1);
	ck_assert_int_eq(bh_md_for_alg(DKIM_ALG_ED25519_SHA256), BH_SHA256);
	bodyhash_set_clear(&set);
	ck_assert_uint_eq(bodyhash_set_count(&set), 0);
	bodyhash_set_clear(&set);
}
END_TEST

/* test_limit - l= hashes a prefix; l= past the end is visible */
START_TEST(test_limit)
{
	static const char body[] = "abc  def\r\nline two\r\n\r\n";
	char full[128], cut[128], want[128];
	unsigned char d[32];
	unsigned long long n;

	hash_split(DKIM_CANON_RELAXED, BH_SHA256, -1, body, sizeof(body) - 1, 3,
	    full, &n);
	ck_assert_uint_eq(n, 19); /* "abc def\r\nline two\r\n" */
	hash_split(DKIM_CANON_RELAXED, BH_SHA256, 5, body, sizeof(body) - 1, 7,
	    cut, &n);
	ck_assert_uint_eq(n, 5);
	EVP_Digest("abc d", 5, d, NULL, EVP_sha256(), NULL);
	b64_of(d, 32, want);
	ck_assert_str_eq(cut, want);
	hash_split(DKIM_CANON_RELAXED, BH_SHA256, 19, body, sizeof(body) - 1, 0,
	    cut, &n);
	ck_assert_str_eq(cut, full);
	ck_assert_uint_eq(n, 19);
	hash_split(DKIM_CANON_RELAXED, BH_SHA256, 1000, body, sizeof(body) - 1,
	    0, cut, &n);
	ck_assert_str_eq(cut, full);
	ck_assert_uint_eq(n, 19); /* shorter than l=: verify.c fails it */
}
END_TEST

static Suite *
bh_suite(void)
{
	Suite *s = suite_create("bodyhash");
	TCase *tc = tcase_create("vectors");
	size_t max = 1;

	if (cvec_load() > 0)
		max = cvec_max_input() + 1;
	tcase_add_loop_test(tc, test_bh_vectors, 0, (int)max);
	tcase_add_test(tc, test_bh_file);
	suite_add_tcase(s, tc);
	tc = tcase_create("sharing");
	tcase_add_test(tc, test_sharing);
	tcase_add_test(tc, test_limit);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(bh_suite());
}
