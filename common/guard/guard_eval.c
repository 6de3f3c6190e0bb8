/*
 * guard_eval.c - what a DNS answer at s._domainkey.d means for one key.
 *
 * DESCRIPTION
 *	guard_evaluate maps a dkim_txt_answer to a guard_state and a problem
 *	text that says exactly what is wrong, in words an operator can act
 *	on.  Rules: RFC 6376 3.6.1 (key record tags: v=, k=, h=, s=, p=,
 *	an empty p= revokes), 3.6.2.2 (one record per name: with several,
 *	verifiers may pick any, so every one of them must be right),
 *	RFC 8301 / RFC 8463 (key types and hashes).  Verdicts are data: the
 *	state machine in guard.c decides what to log and do.  Running out of
 *	memory while judging a record says nothing about it: temperror.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard_int.h"
#include "common/dns/resolver.h"

/* keytype_str - k= value for a key type */
static const char *
keytype_str(dkim_keytype t)
{
	return t == DKIM_KEY_ED25519 ? "ed25519" : "rsa";
}

/* set - state and problem text */
static void set(struct guard_eval *out, guard_state st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set(struct guard_eval *out, guard_state st, const char *fmt, ...)
{
	va_list ap;

	out->state = st;
	va_start(ap, fmt);
	vsnprintf(out->problem, sizeof out->problem, fmt, ap);
	va_end(ap);
	guard_sanitize(out->problem);
}

/* eval_dns - a negative or failed answer */
static void
eval_dns(const struct guard_entry *e, const dkim_txt_answer *ans,
    struct guard_eval *out)
{
	switch (ans->status) {
	case DKIM_DNS_NXDOMAIN:
		set(out, GUARD_MISSING,
		    "no key record: %s does not exist "
		    "(NXDOMAIN)",
		    e->keyname);
		break;
	case DKIM_DNS_NODATA:
		set(out, GUARD_MISSING, "no key record: %s has no TXT record",
		    e->keyname);
		break;
	case DKIM_DNS_SERVFAIL: /* guard_eval_why says more when known */
		set(out, GUARD_TEMPERROR,
		    "DNS lookup of %s failed (SERVFAIL); check the domain's "
		    "nameservers",
		    e->keyname);
		break;
	default:
		set(out, GUARD_TEMPERROR, "DNS lookup of %s timed out",
		    e->keyname);
		break;
	}
}

/* guard_eval_why - a temporary DNS failure said as what it was */
void
guard_eval_why(const struct guard_entry *e, const char *why,
    struct guard_eval *out)
{
	set(out, GUARD_TEMPERROR,
	    "DNS lookup of %s failed: %s; check the domain's nameservers",
	    e->keyname, why);
}

/* eval_match - one parsed record against the key */
static void
eval_match(const struct guard_entry *e, const dkim_keyrec *rec,
    struct guard_eval *out)
{
	dkim_keytype kt = dkim_key_type(e->key);

	switch (dkim_key_match_record(e->key, rec)) {
	case DKIM_KEYMATCH_OK:
		set(out, GUARD_VALID, "%s", "");
		break;
	case DKIM_KEYMATCH_REVOKED:
		set(out, GUARD_REVOKED,
		    "key revoked: the record at %s has an "
		    "empty p=",
		    e->keyname);
		break;
	case DKIM_KEYMATCH_TYPE:
		set(out, GUARD_WRONGTYPE,
		    "k=%s in the record but the signing "
		    "key is %s (k=%s)",
		    keytype_str(dkim_keyrec_type(rec)), keytype_str(kt),
		    keytype_str(kt));
		break;
	case DKIM_KEYMATCH_HASH:
		set(out, GUARD_WRONGHASH,
		    "h= in the record does not allow "
		    "sha256, which the signature uses");
		break;
	case DKIM_KEYMATCH_SERVICE:
		set(out, GUARD_WRONGSERVICE,
		    "s= in the record does not "
		    "include email (use s=email or s=*, or drop s=)");
		break;
	case DKIM_KEYMATCH_ERROR:
		set(out, GUARD_TEMPERROR,
		    "internal error comparing the record "
		    "at %s with the signing key",
		    e->keyname);
		break;
	case DKIM_KEYMATCH_MISMATCH:
	default:
		set(out, GUARD_MISMATCH,
		    "published p= (%s, %u bits) is not "
		    "the public half of the signing key (%s, %u bits)",
		    keytype_str(dkim_keyrec_type(rec)), dkim_keyrec_bits(rec),
		    keytype_str(kt), dkim_key_bits(e->key));
		break;
	}
}

/* eval_one - parse one record and match it; *keep (if keep) gets the
 * parsed record when it is valid */
static void
eval_one(const struct guard_entry *e, const char *txt, struct guard_eval *out,
    dkim_keyrec **keep)
{
	char reason[DKIM_REASON_MAX];
	dkim_keyrec *rec = NULL;
	dkim_rc rc;

	/* mostly the key's own record: its key is shared, not decoded */
	if ((rc = dkim_keyrec_parse_known(txt, strlen(txt), e->want_rec, &rec,
		 reason)) == DKIM_ENOMEM) {
		set(out, GUARD_TEMPERROR,
		    "internal error parsing the record "
		    "at %s: %s",
		    e->keyname, dkim_rc_str(rc));
		return;
	}
	if (rc != DKIM_OK) {
		set(out, GUARD_BADRECORD, "the record at %s does not parse: %s",
		    e->keyname, reason);
		dkim_keyrec_free(rec);
		return;
	}
	eval_match(e, rec, out);
	if (dkim_keyrec_lenient_tag(rec) != NULL && out->lenient[0] == '\0')
		strlcpy(out->lenient, dkim_keyrec_lenient_tag(rec),
		    sizeof out->lenient);
	if (keep != NULL && out->state == GUARD_VALID)
		*keep = rec;
	else
		dkim_keyrec_free(rec);
}

/* guard_evaluate - see guard_int.h */
void
guard_evaluate(const struct guard_entry *e, const dkim_txt_answer *ans,
    struct guard_eval *out)
{
	size_t i;

	memset(out, 0, sizeof *out);
	out->ttl = ans->ttl;
	if (ans->status != DKIM_DNS_OK || ans->count == 0) {
		eval_dns(e, ans, out);
		return;
	}
	/* RFC 6376 3.6.2.2: with several records any may be used */
	for (i = 0; i < ans->count; i++) {
		eval_one(e, ans->txt[i], out, i == 0 ? &out->rec : NULL);
		if (out->state != GUARD_VALID)
			break;
	}
	if (ans->count > 1 && out->state != GUARD_VALID &&
	    out->state != GUARD_TEMPERROR) { /* an internal error stays */
		char first[GUARD_PROBLEM_MAX];

		strlcpy(first, out->problem, sizeof first);
		set(out, out->state,
		    "%zu TXT records at %s and verifiers may "
		    "use any of them (RFC 6376 3.6.2.2); record %zu: %s; publish "
		    "only one",
		    ans->count, e->keyname, i + 1, first);
	}
	/* the first record, kept parsed for the self-check (guard_keyrec) */
	if (out->state == GUARD_VALID)
		out->record = strdup(ans->txt[0]);
	if (out->record == NULL) {
		dkim_keyrec_free(out->rec);
		out->rec = NULL;
	}
}
