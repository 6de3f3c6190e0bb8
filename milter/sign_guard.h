/*
 * sign_guard.h - the one hook between signing and the published-key
 * guard (guard.h).
 *
 * DESCRIPTION
 *	After end of message, sign_guard_allows asks the guard whether
 *	s._domainkey.d publishes the public half of the key of signature i,
 *	applies GuardAction, and when the signature may go, makes it
 *	(dkim_msg_sign_rec) with SelfVerify's check against the published
 *	record as its one verification.  With Guard no it asks nothing and
 *	SelfVerify checks against the key's own record (keyent.own_rec).
 *	The caller adds out->value (its to free) only for SG_SIGN and
 *	SG_HOLD; SG_TEMPFAIL ends the message with the reply in out->reply,
 *	or, when out->sign_rc is not DKIM_OK, as an internal error.
 *	The action is the key table's guard= column for that key, else
 *	GuardAction.
 */
#ifndef DKIMGUARD_SIGN_GUARD_H
#define DKIMGUARD_SIGN_GUARD_H

#include "msgctx.h"

enum sg_result {
	SG_SIGN = 0, /* add the field */
	SG_HOLD,     /* add the field and quarantine the message */
	SG_SKIP,     /* leave this signature out */
	SG_TEMPFAIL  /* refuse the message for now */
};

struct sg_outcome {
	enum sg_result result;
	char reply[400];   /* SMTP text for SG_TEMPFAIL, reason for HOLD */
	guard_state state; /* the key's guard state (for the log line) */
	int guard_off;     /* Guard no: state means nothing */
	char problem[GUARD_PROBLEM_MAX]; /* "" when valid */
	int selfcheck_failed;            /* SG_TEMPFAIL because of SelfVerify */
	int dropped; /* SG_SKIP: not valid, another signature is (GuardDropInvalid) */
	char *value;     /* the field's value for SG_SIGN, SG_HOLD */
	dkim_rc sign_rc; /* not DKIM_OK: signing failed inside (sign_err) */
	char sign_err[256];
};

/*
 * sign_guard_allows - the guard's decision for signature i of m.
 * others_valid: another signature of m will leave signed
 * (sign_guard_valid); with GuardDropInvalid a key that is not valid and
 * would tempfail or hold the message then only loses its own signature
 * (SG_SKIP, out->dropped).
 */
enum sg_result sign_guard_allows(struct msgctx *m, size_t i, int others_valid,
    struct sg_outcome *out);
/*
 * sign_guard_valid - 1 when signature i's key is valid now (or within
 * GuardGrace after a DNS failure), or Guard is off: it would leave as it
 * is.  Reads the guard's state only (no DNS once the key was checked).
 */
int sign_guard_valid(struct msgctx *m, size_t i);

#endif /* DKIMGUARD_SIGN_GUARD_H */
