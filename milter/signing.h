/*
 * signing.h - the signing half of a message: pick keys, sign, add.
 *
 * DESCRIPTION
 *	signing_select runs at end of headers: it finds the From: address
 *	(exactly one From: field, RFC 5322 3.6), looks it up in the signing
 *	table (then the envelope sender with MatchEnvelopeSender) and
 *	registers one signer per match with the library.  signing_finish
 *	runs at end of message: it makes each signature, asks the guard
 *	(sign_guard.c) and prepends the accepted fields.
 */
#ifndef DKIMGUARD_SIGNING_H
#define DKIMGUARD_SIGNING_H

#include <libmilter/mfapi.h>

#include "msgctx.h"

/* signing_select - number of signers registered, -1 on internal error */
int signing_select(struct msgctx *m);
/* signing_finish - sign, check, insert; returns the milter status */
sfsistat signing_finish(SMFICTX *ctx, const struct conn *c, struct msgctx *m);

#endif /* DKIMGUARD_SIGNING_H */
