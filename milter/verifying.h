/*
 * verifying.h - the verifying half of a message: check every signature,
 * write one Authentication-Results field, apply the verdict action.
 *
 * DESCRIPTION
 *	The message's verdict is the best of its signatures: any pass makes
 *	it pass; otherwise a temperror (key lookup failed for now) applies
 *	OnTempError; otherwise a fail or permerror applies OnBadSignature;
 *	no signature is dkim=none and is accepted.  A message whose header
 *	block is too large to evaluate gets dkim=permerror (or dkim=none
 *	without signatures) with that reason, and is accepted.  Existing
 *	Authentication-Results fields claiming our authserv-id are removed
 *	by session.c before ours is added (RFC 8601 5).
 *
 *	DNS.  The key lookups of one message run in parallel: at end of
 *	headers every signature's s._domainkey.d is handed to the DNS
 *	cache's workers (verifying_prefetch), and at end of message
 *	verifying_finish waits for them together, for DNSMessageBudget
 *	seconds at most from then on, whatever the number of signatures,
 *	nameservers and retries; a key still unanswered is a temperror.
 *	Public keys come parsed from the cache, decoded once per answer.
 *	Signing never waits for these lookups.
 */
#ifndef DKIMGUARD_VERIFYING_H
#define DKIMGUARD_VERIFYING_H

#include <libmilter/mfapi.h>

#include "msgctx.h"

/* verifying_prefetch - after the library's eoh: start every signature's
 * key lookup in the background, all at once */
void verifying_prefetch(struct msgctx *m);
/* verifying_finish - at end of message; returns the milter status */
sfsistat verifying_finish(SMFICTX *ctx, const struct conn *c, struct msgctx *m);
/* verifying_unverifiable - DKIM not evaluable: verdict with reason */
sfsistat verifying_unverifiable(SMFICTX *ctx, const struct conn *c,
    struct msgctx *m, const char *reason);
/* verifying_overall - the message verdict from per-signature ones */
dkim_verdict verifying_overall(const dkim_sig_result *res, size_t n);

#endif /* DKIMGUARD_VERIFYING_H */
