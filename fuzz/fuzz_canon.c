/*
 * fuzz_canon.c - libFuzzer target for the message path's parsers.
 *
 * DESCRIPTION
 *	The first input octet picks what the rest is:
 *	  0-1: a body, simple or relaxed: canonicalized whole (best SIMD
 *	       kernel), cut at a point taken from the data (a kernel taken
 *	       from the data), and one octet at a time; all three must agree and match a line-at-a-time reference
 *	       (RFC 6376 3.4.3, 3.4.4), and the output must be well formed;
 *	  2:   a header field, both canonicalizations (bounds, no CR/LF
 *	       left by relaxed);
 *	  3:   a whole message through dkim_msg_write, cut in two, then
 *	       eom, verify with a lookup that has no keys, From: domain.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "canon_x86.h"
#include "dkim.h"

struct out {
	unsigned char *p;
	size_t len, cap;
};

static void
sink(void *arg, const unsigned char *p, size_t n)
{
	struct out *o = arg;

	if (o->len + n > o->cap) {
		o->cap = (o->len + n) * 2 + 16;
		o->p = realloc(o->p, o->cap);
		if (o->p == NULL)
			abort();
	}
	memcpy(o->p + o->len, p, n);
	o->len += n;
}

/*
 * run - canonicalize with cuts every `every` octets (0: one cut at cut),
 * with the relaxed kernel isa (CANON_ISA_*; -1 the best one)
 */
static void
run(dkim_canon c, const uint8_t *d, size_t n, size_t cut, size_t every, int isa,
    struct out *o)
{
	static struct canon_body cb; /* big; the fuzzer is single-threaded */
	size_t i;

	memset(o, 0, sizeof(*o));
	if ((o->p = malloc(o->cap = 64)) == NULL) /* never NULL */
		abort();
	canon_body_init(&cb, c, sink, o);
	if (isa >= 0)
		cb.isa = (unsigned char)isa;
	if (every > 0)
		for (i = 0; i < n; i += every)
			canon_body_update(&cb, d + i,
			    n - i < every ? n - i : every);
	else {
		canon_body_update(&cb, d, cut);
		canon_body_update(&cb, d + cut, n - cut);
	}
	canon_body_final(&cb);
	if (canon_body_length(&cb) != o->len)
		abort();
}

/* reference - whole body, line at a time */
static void
reference(dkim_canon c, const uint8_t *d, size_t n, struct out *o)
{
	size_t i = 0, keep = 0, k;

	memset(o, 0, sizeof(*o));
	if ((o->p = malloc(o->cap = 64)) == NULL) /* never NULL */
		abort();
	while (i < n) {
		size_t s = i, e, before = o->len;
		int sp = 0;

		while (i < n && d[i] != '\n' &&
		    !(d[i] == '\r' && i + 1 < n && d[i + 1] == '\n'))
			i++;
		e = i;
		if (i < n)
			i += d[i] == '\n' ? 1 : 2;
		for (k = s; k < e; k++) {
			if (c == DKIM_CANON_RELAXED &&
			    (d[k] == ' ' || d[k] == '\t')) {
				sp = 1;
				continue;
			}
			if (sp)
				sink(o, (const unsigned char *)" ", 1);
			sp = 0;
			sink(o, d + k, 1);
		}
		sink(o, (const unsigned char *)"\r\n", 2);
		if (o->len > before + 2)
			keep = o->len;
	}
	o->len = keep;
	if (c == DKIM_CANON_SIMPLE && keep == 0)
		sink(o, (const unsigned char *)"\r\n", 2);
}

static void
same(const struct out *a, const struct out *b)
{
	if (a->len != b->len || memcmp(a->p, b->p, a->len) != 0)
		abort();
}

static void
fuzz_body(dkim_canon c, const uint8_t *d, size_t n)
{
	struct out whole, cut, bytes, ref;
	size_t i;
	int isa;

	run(c, d, n, n, 0, -1, &whole);
	isa = n > 1 ? d[1] % 3 : CANON_ISA_BASE; /* CANON_ISA_* */
	if (isa > canon_isa_best())
		isa = CANON_ISA_BASE;
	run(c, d, n, n > 0 ? d[0] % (n + 1) : 0, 0, isa, &cut);
	run(c, d, n, 0, 1, -1, &bytes);
	reference(c, d, n, &ref);
	same(&whole, &cut);
	same(&whole, &bytes);
	same(&whole, &ref);
	/* every LF in the output is part of a CRLF; it ends in CRLF */
	for (i = 0; i < whole.len; i++)
		if (whole.p[i] == '\n' && (i == 0 || whole.p[i - 1] != '\r'))
			abort();
	if (whole.len > 0 &&
	    (whole.len < 2 || memcmp(whole.p + whole.len - 2, "\r\n", 2) != 0))
		abort();
	free(whole.p);
	free(cut.p);
	free(bytes.p);
	free(ref.p);
}

static void
fuzz_header(const uint8_t *d, size_t n)
{
	char *out = malloc(CANON_HEADER_MAX(n));
	size_t len, i;

	if (out == NULL)
		return;
	len = canon_header(DKIM_CANON_SIMPLE, (const char *)d, n, out, 1);
	if (len > CANON_HEADER_MAX(n))
		abort();
	len = canon_header(DKIM_CANON_RELAXED, (const char *)d, n, out, 0);
	if (len > n + 2)
		abort();
	for (i = 0; i < len; i++)
		if (out[i] == '\n')
			abort();
	free(out);
}

static dkim_rc
no_keys(void *ctx, const char *name, dkim_txt_answer *ans)
{
	(void)ctx;
	(void)name;
	ans->status = DKIM_DNS_NXDOMAIN;
	return DKIM_OK;
}

static void
fuzz_message(const uint8_t *d, size_t n)
{
	dkim_lookup lk = {no_keys, NULL};
	dkim_sig_result res[8];
	dkim_msg *m;
	size_t cut = n > 0 ? d[0] * n / 256 : 0, nres, i;
	char dom[256], name[600];

	if (dkim_msg_new(NULL, &m) != DKIM_OK)
		return;
	if (dkim_msg_write(m, d, cut) == DKIM_OK &&
	    dkim_msg_write(m, d + cut, n - cut) == DKIM_OK &&
	    dkim_msg_eom(m) == DKIM_OK) {
		(void)dkim_msg_from_domain(m, dom, sizeof(dom));
		for (i = 0; i < dkim_msg_sig_count(m); i++)
			(void)dkim_msg_sig_keyname(m, i, name, sizeof(name));
		if (dkim_msg_verify(m, &lk, res, 8, &nres) == DKIM_OK)
			for (i = 0; i < nres; i++)
				if (res[i].verdict == DKIM_PASS)
					abort();
	}
	dkim_msg_free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 4) {
	case 0:
		fuzz_body(DKIM_CANON_SIMPLE, data + 1, size - 1);
		break;
	case 1:
		fuzz_body(DKIM_CANON_RELAXED, data + 1, size - 1);
		break;
	case 2:
		fuzz_header(data + 1, size - 1);
		break;
	default:
		fuzz_message(data + 1, size - 1);
		break;
	}
	return 0;
}
