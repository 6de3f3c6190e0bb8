/*
 * fuzz_sig.c - libFuzzer target for DKIM-Signature parsing (sig.c,
 * sig_tags.c) and the value decoders it uses (b64.c, qp.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* check_sig - what a successful parse promises the verifier */
static void
check_sig(const struct dkim_sig *sig)
{
	size_t k;

	if (sig->domain == NULL || sig->selector == NULL ||
	    sig->headers == NULL || sig->nheaders == 0 || sig->b == NULL ||
	    sig->blen == 0 || sig->bh == NULL || sig->bhlen == 0 ||
	    sig->alg == DKIM_ALG_UNKNOWN || strlen(sig->domain) > 253 ||
	    strlen(sig->b_prefix) > 8)
		abort();
	for (k = 0; k < sig->nheaders; k++)
		if (sig->headers[k] == NULL || sig->headers[k][0] == '\0')
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char reason[DKIM_REASON_MAX];
	const char *s = (const char *)data;
	struct dkim_sig sig;
	unsigned char *raw;
	size_t rawlen;
	char *q;

	if (sig_parse(s, size, (time_t)1500000000, &sig, reason) == 0)
		check_sig(&sig);
	else if (reason[0] == '\0')
		abort();
	sig_clear(&sig);
	if (b64_decode(s, size, &raw, &rawlen) == 0) {
		char *enc = b64_encode(raw, rawlen);

		free(enc);
		free(raw);
	}
	if ((q = qp_decode(s, size)) != NULL)
		free(q);
	return 0;
}
