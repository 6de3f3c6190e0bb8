/*
 * fuzz_keyrec.c - libFuzzer target for key records (keyrec.c) and
 * private-key loading (key.c): parse, query, match, verify.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static dkim_key *fixed_key; /* harness state, not library state */

/* exercise - every read-only call on a parsed record */
static void
exercise(const dkim_keyrec *rec, const uint8_t *data, size_t size)
{
	unsigned char digest[32] = {0};
	size_t dlen = size < 32 ? size : 32;

	memcpy(digest, data, dlen);
	(void)dkim_keyrec_revoked(rec);
	(void)dkim_keyrec_testing(rec);
	(void)dkim_keyrec_strict(rec);
	(void)dkim_keyrec_type(rec);
	(void)dkim_keyrec_bits(rec);
	(void)dkim_keyrec_allows(rec, DKIM_ALG_RSA_SHA256);
	(void)dkim_keyrec_allows(rec, DKIM_ALG_RSA_SHA1);
	if (fixed_key != NULL)
		(void)dkim_key_match_record(fixed_key, rec);
	if (!dkim_keyrec_revoked(rec)) {
		(void)keyrec_verify_digest(rec, DKIM_ALG_RSA_SHA256, digest, 32,
		    data, size);
		(void)keyrec_verify_digest(rec, DKIM_ALG_ED25519_SHA256, digest,
		    32, data, size < 64 ? size : 64);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char reason[DKIM_REASON_MAX], err[256];
	dkim_keyrec *rec;
	dkim_key *key;
	dkim_rc rc;

	if (fixed_key == NULL) {
		static const char seed[] =
		    "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";

		(void)dkim_key_from_pem(seed, sizeof(seed) - 1, &fixed_key, err,
		    sizeof(err));
	}
	rc = dkim_keyrec_parse((const char *)data, size, &rec, reason);
	if (rc == DKIM_OK) {
		exercise(rec, data, size);
		dkim_keyrec_free(rec);
	} else if (rec != NULL || reason[0] == '\0')
		abort();
	if (size < 4096 &&
	    dkim_key_from_pem((const char *)data, size, &key, err,
		sizeof(err)) == DKIM_OK)
		dkim_key_free(key);
	return 0;
}
