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
 */
#ifndef DKIMGUARD_VERIFYING_H
#define DKIMGUARD_VERIFYING_H

#include <libmilter/mfapi.h>

#include "msgctx.h"

/* verifying_finish - at end of message; returns the milter status */
sfsistat verifying_finish(SMFICTX *ctx, const struct conn *c, struct msgctx *m);
/* verifying_unverifiable - DKIM not evaluable: verdict with reason */
sfsistat verifying_unverifiable(SMFICTX *ctx, const struct conn *c,
    struct msgctx *m, const char *reason);
/* verifying_overall - the message verdict from per-signature ones */
dkim_verdict verifying_overall(const dkim_sig_result *res, size_t n);

#endif /* DKIMGUARD_VERIFYING_H */
