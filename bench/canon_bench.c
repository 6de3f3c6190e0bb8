/*
 * canon_bench.c - throughput of body canonicalization + hashing, and
 * signatures per second through dkim_msg.
 *
 * SYNOPSIS
 *	bench/canon_bench [megabytes]
 *
 * DESCRIPTION
 *	Builds a buffer (64 MB by default) of realistic text: lines of about
 *	70 characters, words separated by single spaces, some runs of
 *	spaces and tabs, some trailing whitespace, some empty lines.  Then
 *	prints MB/s of (a) raw SHA-256, (b) simple body canonicalization +
 *	SHA-256 and (c) relaxed + SHA-256 through the body-hash module (64
 *	KB chunks, as a milter receives them), the ratios (b)/(a) and
 *	(c)/(a) -- (c) with the best relaxed kernel this CPU runs and again
 *	with the AVX2 and SSE2 ones -- and signatures/s for RSA-2048 and
 *	Ed25519 over a small message through dkim_msg.  Each figure is the best of a few runs, timed in CPU time
 *	of the process so other load on the machine disturbs it less.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "dkim.h"
#include "bodyhash.h"
#include "canon_x86.h"

#define CHUNK 65536
#define RUNS 5

/* now - CPU seconds of this process (the machine may be shared) */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* make_text - realistic mail body text */
static unsigned char *
make_text(size_t len)
{
	unsigned char *b = malloc(len);
	unsigned long s = 12345;
	size_t i = 0, col = 0;

	if (b == NULL)
		return NULL;
	while (i < len) {
		unsigned long r;

		s = s * 6364136223846793005UL + 1442695040888963407UL;
		r = s >> 33;
		if (col > 60 + r % 16) {
			/* end of line: sometimes trailing WSP, sometimes blank */
			if (r % 10 == 0 && i < len)
				b[i++] = ' ';
			if (r % 23 == 0 && i < len)
				b[i++] = '\t';
			if (i < len)
				b[i++] = '\r';
			if (i < len)
				b[i++] = '\n';
			if (r % 17 == 0 && i + 1 < len) {
				b[i++] = '\r';
				b[i++] = '\n';
			}
			col = 0;
			continue;
		}
		if (col > 0) {
			b[i++] = ' ';
			col++;
			if (r % 29 == 0 && i < len) { /* a WSP run */
				b[i++] = (r & 64) ? '\t' : ' ';
				col++;
			}
		}
		/* a word of 1..10 letters */
		for (r = 1 + r % 10; r > 0 && i < len; r--, col++)
			b[i++] = 'a' + (unsigned char)((s >> (r * 3)) % 26);
	}
	return b;
}

/* bench_raw - SHA-256 over the buffer; MB/s */
static double
bench_raw(const unsigned char *b, size_t len)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	double best = 0, t;
	int run;

	for (run = 0; run < RUNS; run++) {
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		size_t off;

		t = now();
		EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
		for (off = 0; off < len; off += CHUNK)
			EVP_DigestUpdate(ctx, b + off,
			    len - off < CHUNK ? len - off : CHUNK);
		EVP_DigestFinal_ex(ctx, d, NULL);
		t = now() - t;
		EVP_MD_CTX_free(ctx);
		if (len / t / 1e6 > best)
			best = len / t / 1e6;
	}
	return best;
}

/* bench_canon - canonicalization + SHA-256 via bodyhash; MB/s; isa < 0:
 * the best kernel, else that one (CANON_ISA_*) */
static double
bench_canon(const unsigned char *b, size_t len, dkim_canon c, int isa)
{
	double best = 0, t;
	int run;

	for (run = 0; run < RUNS; run++) {
		struct bodyhash_set set;
		struct bodyhash *bh;
		size_t off;

		bodyhash_set_init(&set);
		t = now();
		if ((bh = bodyhash_get(&set, c, BH_SHA256, -1)) == NULL) {
			fprintf(stderr, "canon_bench: bodyhash_get failed\n");
			exit(1);
		}
		if (isa >= 0)
			bh->cb.isa = (unsigned char)isa;
		for (off = 0; off < len; off += CHUNK)
			bodyhash_set_update(&set, b + off,
			    len - off < CHUNK ? len - off : CHUNK);
		bodyhash_set_final(&set);
		t = now() - t;
		bodyhash_set_clear(&set);
		if (len / t / 1e6 > best)
			best = len / t / 1e6;
	}
	return best;
}

static const char *const small_hdrs[] =
    {"From: Joe SixPack <joe@football.example.com>",
	"To: Suzie Q <suzie@shopping.example.net>", "Subject: Is dinner ready?",
	"Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)",
	"Message-ID: <20030712040037.46341.5F8J@football.example.com>", NULL};
static const char small_body[] =
    "Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n";

/* sign_once - one whole message through dkim_msg and dkim_msg_sign */
static int
sign_once(dkim_key *key)
{
	dkim_sign_req req;
	dkim_msg *m = NULL;
	char *val = NULL, err[256];
	size_t i, idx;
	int ok;

	dkim_sign_req_init(&req);
	req.domain = "example.com";
	req.selector = "bench";
	req.key = key;
	ok = dkim_msg_new(NULL, &m) == DKIM_OK &&
	    dkim_msg_add_signer(m, &req, &idx, err, sizeof(err)) == DKIM_OK;
	for (i = 0; ok && small_hdrs[i] != NULL; i++)
		ok = dkim_msg_header(m, small_hdrs[i], strlen(small_hdrs[i])) ==
		    DKIM_OK;
	ok = ok && dkim_msg_eoh(m) == DKIM_OK &&
	    dkim_msg_body(m, small_body, sizeof(small_body) - 1) == DKIM_OK &&
	    dkim_msg_eom(m) == DKIM_OK &&
	    dkim_msg_sign(m, idx, &val, err, sizeof(err)) == DKIM_OK;
	free(val);
	dkim_msg_free(m);
	return ok;
}

/* bench_sign - signatures per second for one key type */
static double
bench_sign(dkim_keytype type, unsigned bits)
{
	dkim_key *key = NULL;
	char err[256];
	double t, limit = 1.0;
	long n = 0;

	if (dkim_key_generate(type, bits, &key, err, sizeof(err)) != DKIM_OK) {
		fprintf(stderr, "canon_bench: key generation: %s\n", err);
		return 0;
	}
	t = now();
	do {
		if (!sign_once(key)) {
			fprintf(stderr, "canon_bench: signing failed\n");
			dkim_key_free(key);
			return 0;
		}
		n++;
	} while (now() - t < limit);
	t = now() - t;
	dkim_key_free(key);
	return n / t;
}

int
main(int argc, char **argv)
{
	size_t mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
	size_t len = (mb > 0 ? mb : 64) << 20;
	unsigned char *b = make_text(len);
	double raw, simple, relaxed, relaxed_base, relaxed_avx2;
	static const char *const kname[] = {"SSE2", "AVX2", "AVX-512"};

	if (b == NULL) {
		fprintf(stderr, "canon_bench: out of memory\n");
		return 1;
	}
	raw = bench_raw(b, len);
	simple = bench_canon(b, len, DKIM_CANON_SIMPLE, -1);
	relaxed = bench_canon(b, len, DKIM_CANON_RELAXED, -1);
	relaxed_base = bench_canon(b, len, DKIM_CANON_RELAXED, CANON_ISA_BASE);
	relaxed_avx2 = canon_isa_best() >= CANON_ISA_AVX2 ?
	    bench_canon(b, len, DKIM_CANON_RELAXED, CANON_ISA_AVX2) :
	    0;
	printf("raw sha256:              %8.1f MB/s (%zu MB, CPU time)\n", raw,
	    len >> 20);
	printf("simple canon + sha256:   %8.1f MB/s  ratio %.2f\n", simple,
	    simple / raw);
	printf("relaxed canon + sha256:  %8.1f MB/s  ratio %.2f (%s kernel, "
	       "the best here)\n",
	    relaxed, relaxed / raw, kname[canon_isa_best()]);
	if (relaxed_avx2 > 0)
		printf("relaxed, AVX2 kernel:    %8.1f MB/s  ratio %.2f\n",
		    relaxed_avx2, relaxed_avx2 / raw);
	printf("relaxed, SSE2 kernel:    %8.1f MB/s  ratio %.2f\n",
	    relaxed_base, relaxed_base / raw);
	printf("sign rsa-2048:           %8.1f signatures/s\n",
	    bench_sign(DKIM_KEY_RSA, 2048));
	printf("sign ed25519:            %8.1f signatures/s\n",
	    bench_sign(DKIM_KEY_ED25519, 0));
	free(b);
	return 0;
}
