/*
 * actions.h - the one place where outcomes become libmilter actions.
 *
 * DESCRIPTION
 *	Header changes, accept, reject, tempfail and quarantine all go
 *	through here, so DryRun is honoured in one place: with DryRun the
 *	message is never changed or refused, and each step is logged as
 *	"would add header", "would reject", "would tempfail", ...
 *	Header values come in as the library makes them (CRLF folding,
 *	leading space); they go to the MTA with LF line ends and without
 *	the leading space unless
 *	SMFIP_HDR_LEADSPC was negotiated, so the bytes the MTA writes are
 *	exactly the bytes that were hashed.  Measured with Postfix 3.7: a
 *	value folded with CRLF TAB comes out as "\r\r\n\t" on the wire and a
 *	c=simple signature no longer verifies; folded with LF TAB it comes
 *	out as CRLF TAB, identical to what was signed.
 */
#ifndef DKIMGUARD_ACTIONS_H
#define DKIMGUARD_ACTIONS_H

#include <libmilter/mfapi.h>

#include "msgctx.h"

/* act_insert_header - prepend name: value above all fields; 0 or -1 */
int act_insert_header(SMFICTX *ctx, const struct conn *c, struct msgctx *m,
    const char *name, const char *value);
/* act_delete_header - remove the idx-th (1-based) field called name */
int act_delete_header(SMFICTX *ctx, struct msgctx *m, const char *name,
    unsigned idx);
/*
 * act_remove_ours_ar - remove every Authentication-Results field claiming
 * our authserv-id (once per message); 0, or -1 when one could not be
 * recorded or removed: the message must then not be delivered
 */
int act_remove_ours_ar(SMFICTX *ctx, struct msgctx *m);
/* act_refuse_ours_ar - tempfail 451 4.7.0 saying so */
sfsistat act_refuse_ours_ar(SMFICTX *ctx, struct msgctx *m);
/* act_header_too_big - signing a header block over 4 MiB: 552 5.3.4 */
sfsistat act_header_too_big(SMFICTX *ctx, struct msgctx *m);
/*
 * act_final - apply ACTION_ACCEPT/REJECT/TEMPFAIL/QUARANTINE with the
 * SMTP reply rcode xcode text (reject and tempfail); returns the sfsistat.
 */
sfsistat act_final(SMFICTX *ctx, struct msgctx *m, int action,
    const char *rcode, const char *xcode, const char *text);
/* act_internal_error - OnInternalError for m->error */
sfsistat act_internal_error(SMFICTX *ctx, struct msgctx *m);
/* act_lf - copy of value with CRLF turned into LF; NULL on ENOMEM */
char *act_lf(const char *value);

#endif /* DKIMGUARD_ACTIONS_H */
