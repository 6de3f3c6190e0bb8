/*
 * reply.h - read a filter's replies to one event, as Postfix does
 *
 * rp_await   read replies until a decision: PROGRESS and QUARANTINE are
 *            followed by more replies; at end of message (eom) the
 *            modification requests are handed to the mta_edits hooks.
 *            Returns RP_CONTINUE, RP_SKIP (SMFIR_SKIP), RP_DECIDED
 *            (accept, discard, reject, tempfail, reply code: r->action
 *            and r->reply set) or RP_ERROR.
 * rp_error   mark r as MTA_ERROR with the connection's error text
 * rp_finish  fold a quarantine request into the final action
 */
#ifndef REPLY_H
#define REPLY_H

#include "milterproto.h"
#include "mta.h"

enum {
	RP_ERROR = -1,
	RP_CONTINUE = 0,
	RP_DECIDED = 1,
	RP_SKIP = 2
};

int rp_await(struct mp_conn *c, int eom, const struct mta_edits *ed,
    struct mta_result *r, int verbose);
int rp_error(struct mp_conn *c, struct mta_result *r);
void rp_finish(struct mta_result *r);

#endif
