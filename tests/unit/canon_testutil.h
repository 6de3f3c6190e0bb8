/*
 * canon_testutil.h - helpers for test_canon.c and test_canon_stream.c:
 * an output collector, "canonicalize these chunks" with a chosen kernel,
 * a line-at-a-time reference canonicalizer, body generators.
 * Header-only (static functions).
 */
#ifndef CANON_TESTUTIL_H
#define CANON_TESTUTIL_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "canon_x86.h"

#define CT_UNUSED __attribute__((unused))

/* ---- an output collector sink ---- */
struct collect {
	unsigned char *p;
	size_t len, cap;
	size_t calls;
};

CT_UNUSED static void
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

/* the relaxed kernel the next canon_chunks uses (CANON_ISA_*) */
CT_UNUSED static int use_isa = CANON_ISA_BASE;

/* canon_chunks - canonicalize input cut at the given lengths */
CT_UNUSED static void
canon_chunks(dkim_canon canon, const unsigned char *in, const size_t *cuts,
    size_t ncuts, size_t inlen, struct collect *out)
{
	struct canon_body *cb = malloc(sizeof(*cb));
	size_t i, off = 0;

	ck_assert_ptr_nonnull(cb);
	memset(out, 0, sizeof(*out));
	out->p = malloc(out->cap = 64); /* never NULL for memcmp */
	canon_body_init(cb, canon, collect_sink, out);
	cb->isa = (unsigned char)use_isa;
	for (i = 0; i < ncuts; i++) {
		canon_body_update(cb, in + off, cuts[i]);
		off += cuts[i];
	}
	canon_body_update(cb, in + off, inlen - off);
	canon_body_final(cb);
	ck_assert_uint_eq(canon_body_length(cb), out->len);
	free(cb);
}

/* ---- reference canonicalizer: whole body, line at a time ---- */
CT_UNUSED static void
ref_add(struct collect *c, const void *p, size_t n)
{
	collect_sink(c, p, n);
}

CT_UNUSED static void
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
	out->len = keep; /* trailing empty lines go */
	if (canon == DKIM_CANON_SIMPLE && keep == 0)
		ref_add(out, "\r\n", 2);
}

/* rnd - xorshift, deterministic per loop index */
CT_UNUSED static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* gen_body - text with WSP runs, CR/LF mixes, long runs, controls */
CT_UNUSED static unsigned char *
gen_body(uint32_t *seed, size_t *lenp)
{
	static const char alpha[] = "ab  \t\r\n\n\r\nxyz\x01 \x80.";
	size_t len = rnd(seed) % 300, i;
	unsigned char *b = malloc(len + 1);

	for (i = 0; i < len; i++) {
		uint32_t r = rnd(seed) % 100;

		if (r < 50)
			b[i] = 'a' + r % 26; /* long ordinary runs */
		else
			b[i] = alpha[r % (sizeof(alpha) - 1)];
	}
	*lenp = len;
	return b;
}

/* gen_text - longer lines of words, occasional WSP runs, trailing
 * WSP, empty and indented lines, bare LF, lone CR: the SIMD paths */
CT_UNUSED static unsigned char *
gen_text(uint32_t *seed, size_t *lenp)
{
	static const char *const odd[] = {
	    "  ",
	    " \t",
	    "\t",
	    " \r\n",
	    "\r\n\r\n",
	    "\r\n ",
	    "\n",
	    "\r",
	    "\x01",
	    " \x01",
	    "\t\r\n\t \r\n",
	    "   \r",
	    " \r\r\n",
	};
	size_t cap = 4096, len = 0, want = rnd(seed) % 3000;
	unsigned char *b = malloc(cap + 64);

	while (len < want) {
		uint32_t r = rnd(seed);

		if (r % 23 == 0) {
			const char *o =
			    odd[(r >> 8) % (sizeof(odd) / sizeof(odd[0]))];

			memcpy(b + len, o, strlen(o));
			len += strlen(o);
		} else if (r % 11 == 0) {
			memcpy(b + len, "\r\n", 2);
			len += 2;
		} else {
			b[len++] =
			    (r >> 8) % 7 == 0 ? ' ' : 'a' + (r >> 12) % 26;
		}
	}
	*lenp = len;
	return b;
}

#endif /* CANON_TESTUTIL_H */
