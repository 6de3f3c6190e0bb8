/*
 * strs.c - names of the library's enums, and option defaults.
 *
 * SYNOPSIS
 *	dkim_rc_str, dkim_verdict_str, dkim_alg_str, dkim_canon_str,
 *	dkim_keymatch_str, dkim_options_init
 *
 * DESCRIPTION
 *	Every function returns a static string; an out-of-range value gives
 *	"unknown" rather than NULL so callers can print it unconditionally.
 */
#include <string.h>

#include "dkim.h"

/* dkim_rc_str - what a return code means */
DKIM_API const char *
dkim_rc_str(dkim_rc rc)
{
	switch (rc) {
	case DKIM_OK:
		return "ok";
	case DKIM_ENOMEM:
		return "out of memory";
	case DKIM_EINVAL:
		return "invalid argument or input";
	case DKIM_ECRYPTO:
		return "crypto library failure";
	case DKIM_EIO:
		return "I/O error";
	case DKIM_ESTATE:
		return "call out of order";
	}
	return "unknown";
}

/* dkim_verdict_str - RFC 8601 2.7.1 result names */
DKIM_API const char *
dkim_verdict_str(dkim_verdict v)
{
	switch (v) {
	case DKIM_NONE:
		return "none";
	case DKIM_PASS:
		return "pass";
	case DKIM_FAIL:
		return "fail";
	case DKIM_NEUTRAL:
		return "neutral";
	case DKIM_POLICY:
		return "policy";
	case DKIM_TEMPERROR:
		return "temperror";
	case DKIM_PERMERROR:
		return "permerror";
	}
	return "unknown";
}

/* dkim_alg_str - a= values, RFC 6376 3.5 and RFC 8463 */
DKIM_API const char *
dkim_alg_str(dkim_alg alg)
{
	switch (alg) {
	case DKIM_ALG_RSA_SHA256:
		return "rsa-sha256";
	case DKIM_ALG_ED25519_SHA256:
		return "ed25519-sha256";
	case DKIM_ALG_RSA_SHA1:
		return "rsa-sha1";
	case DKIM_ALG_UNKNOWN:
		break;
	}
	return "unknown";
}

/* dkim_canon_str - c= halves, RFC 6376 3.4 */
DKIM_API const char *
dkim_canon_str(dkim_canon c)
{
	switch (c) {
	case DKIM_CANON_SIMPLE:
		return "simple";
	case DKIM_CANON_RELAXED:
		return "relaxed";
	}
	return "unknown";
}

/* dkim_keymatch_str - why a private key does not fit a published record */
DKIM_API const char *
dkim_keymatch_str(dkim_keymatch m)
{
	switch (m) {
	case DKIM_KEYMATCH_OK:
		return "published key matches";
	case DKIM_KEYMATCH_REVOKED:
		return "published key is revoked (empty p=)";
	case DKIM_KEYMATCH_TYPE:
		return "published key has another type (k=)";
	case DKIM_KEYMATCH_HASH:
		return "published key excludes sha256 (h=)";
	case DKIM_KEYMATCH_SERVICE:
		return "published key excludes email (s=)";
	case DKIM_KEYMATCH_MISMATCH:
		return "published key differs from the private key";
	case DKIM_KEYMATCH_ERROR:
		return "internal error comparing the keys";
	}
	return "unknown";
}

/* dkim_options_init - defaults documented in dkim.h (RFC 8301 for crypto) */
DKIM_API void
dkim_options_init(dkim_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->max_signatures = 8;
	opt->allow_sha1 = 0;      /* RFC 8301 3.1 */
	opt->min_rsa_bits = 1024; /* RFC 8301 3.2 */
	opt->max_future_skew = 300;
	opt->clock = NULL;
	opt->clock_arg = NULL;
}
