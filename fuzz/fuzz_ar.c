/*
 * fuzz_ar.c - libFuzzer target for the Authentication-Results builder
 * and the authserv-id recogniser (milter/ar.c).
 *
 * DESCRIPTION
 *	The input is cut at 0x00 octets into d=, s=, i=, b= (at most 15
 *	octets), reason, and a last part whose first octet picks the
 *	verdict; up to three such signatures make one field.  The field must
 *	be read back by the RFC 8601 reader (ar_reader.h) with the authserv-
 *	id, one resinfo per signature with its verdict, every value equal to
 *	what went in less control characters and bytes that are not UTF-8,
 *	and header.b exactly when the b= prefix is base64.  The whole input
 *	also goes through ar_is_ours, which must not read past its end, and
 *	the built field must be recognised as ours.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/ar_reader.h"
#include "milter/ar.h"
#include "util/utf8.h"

#define ID "mx.test"

/* part - copy the next NUL-terminated piece of data into out */
static void
part(const uint8_t **p, const uint8_t *end, char *out, size_t cap)
{
	size_t n = 0;

	while (*p < end && **p != 0) {
		if (n + 1 < cap)
			out[n++] = (char)**p;
		(*p)++;
	}
	if (*p < end)
		(*p)++;
	out[n] = '\0';
}

/* same - the value read back equals the cleaned input, or die */
static void
same(const struct arr_res *r, const char *name, const char *in, int absent)
{
	const char *got = arr_prop_get(r, name);
	char want[1024];

	if (absent) {
		if (got != NULL)
			abort();
		return;
	}
	arr_expect(in, want);
	if (got == NULL || strcmp(got, want) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arr_field f;
	dkim_sig_result res[3];
	const uint8_t *p = data, *end = data + size;
	char *whole, *v, want[1024], last[8];
	size_t n = 0, i;

	whole = malloc(size + 1);
	if (whole == NULL)
		return 0;
	memcpy(whole, data, size);
	whole[size] = '\0';
	(void)ar_is_ours(whole, ID);
	free(whole);

	memset(res, 0, sizeof(res));
	while (n < 3 && p < end) {
		dkim_sig_result *r = &res[n++];

		part(&p, end, r->domain, sizeof(r->domain));
		part(&p, end, r->selector, sizeof(r->selector));
		part(&p, end, r->identity, sizeof(r->identity));
		part(&p, end, r->b_prefix, sizeof(r->b_prefix));
		part(&p, end, r->reason, sizeof(r->reason));
		part(&p, end, last, sizeof(last));
		r->verdict = (dkim_verdict)((unsigned char)last[0] % 7);
		r->alg = last[0] & 8 ? DKIM_ALG_RSA_SHA256 : DKIM_ALG_UNKNOWN;
		r->key_bits = last[0] & 16 ? 2048 : 0;
		r->testing = (last[0] & 32) != 0;
	}
	if ((v = ar_build(ID, res, n)) == NULL)
		return 0;
	if (arr_parse(v, &f) != 0 || strcmp(f.id, ID) != 0 ||
	    !ar_is_ours(v, ID))
		abort();
	if (n == 0 && (f.nres != 1 || strcmp(f.res[0].result, "none") != 0))
		abort();
	if (n > 0 && f.nres != (int)n)
		abort();
	for (i = 0; i < n; i++) {
		const struct arr_res *r = &f.res[i];

		if (strcmp(r->method, "dkim") != 0 ||
		    strcmp(r->result, dkim_verdict_str(res[i].verdict)) != 0)
			abort();
		if (res[i].verdict != DKIM_PASS && res[i].reason[0] != '\0') {
			arr_expect(res[i].reason, want);
			if (!r->has_reason || strcmp(r->reason, want) != 0)
				abort();
		} else if (r->has_reason)
			abort();
		same(r, "header.d", res[i].domain, res[i].domain[0] == '\0');
		same(r, "header.i", res[i].identity,
		    res[i].identity[0] == '\0');
		same(r, "header.s", res[i].selector,
		    res[i].selector[0] == '\0');
		same(r, "header.b", res[i].b_prefix, !arr_b64(res[i].b_prefix));
	}
	free(v);
	return 0;
}
