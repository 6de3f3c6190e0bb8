/*
 * mta.h - one SMTP session's worth of milter events, in Postfix's order
 *
 * A session is one filter connection: OPTNEG, CONNECT and HELO when it
 * opens, then per message MAIL, RCPT, DATA, each HEADER, EOH, BODY chunks
 * of at most 65535 bytes, end of message, and SMFIC_ABORT after the
 * verdict (Postfix's smtpd resets the filter after every transaction), and
 * SMFIC_QUIT when it closes.  Each event is preceded by its macros
 * (macros.h); events the filter declined (SMFIP_NO*) are not sent and
 * replies it declined (SMFIP_NR_*) are not awaited.
 *
 * mta_message  run one message; opens the session if needed; fills
 *              mta_result and calls the mta_edits hooks for each
 *              modification the filter requests at end of message.
 *              Returns 0, or -1 on a socket or protocol error (action
 *              MTA_ERROR; the session is closed and reopens next time).
 *              A connection-level verdict (at CONNECT or HELO) applies to
 *              the current message and closes the session.
 * mta_quit     send SMFIC_QUIT and close; safe when closed
 *
 * A client_addr of NULL or "" makes CONNECT carry no address (family
 * SMFIA_UNKNOWN), as Sendmail reports a local submission.  chunk_max
 * (0: 65535) caps the body chunks; trace, when set, is called after
 * every event with the command, whether the filter replied (SMFIP_NR_*
 * events get none) and the reply's outcome (RP_* of reply.h).
 */
#ifndef MTA_H
#define MTA_H

#include <stdint.h>

#include "macros.h"
#include "milterproto.h"
#include "msgfile.h"

enum mta_action {
	MTA_ACCEPT, /* accept or continue at end of message */
	MTA_TEMPFAIL,
	MTA_REJECT,
	MTA_QUARANTINE, /* accept, but the filter said hold */
	MTA_DISCARD,
	MTA_ERROR, /* socket or protocol error */
	MTA_NACTIONS
};

extern const char *const mta_action_name[MTA_NACTIONS];

struct mta_edits { /* hooks for end-of-message requests */
	void *ctx;
	void (
	    *ins_header)(void *ctx, uint32_t idx, const char *n, const char *v);
	void (*add_header)(void *ctx, const char *name, const char *value);
	void (
	    *chg_header)(void *ctx, uint32_t idx, const char *n, const char *v);
	void (*repl_body)(void *ctx, const char *data, size_t len);
};

struct mta_result {
	enum mta_action action;
	char reply[512];   /* SMTP reply text, or quarantine reason */
	char qreason[256]; /* SMFIR_QUARANTINE text */
	unsigned n_ins, n_add, n_chg, n_body, n_other;
	int quarantined;
};

struct mta_session {
	const char *spec; /* filter socket */
	int timeout;      /* seconds per read or write */
	const struct mta_env *env;
	int verbose;      /* trace events to stderr */
	int hold_ms;      /* pause between headers and body */
	size_t chunk_max; /* body chunk size, 0: sizeof chunk */
	void (*trace)(void *arg, int cmd, int replied, int rc,
	    const struct mta_result *r);
	void *trace_arg;
	int open; /* connection up, CONNECT/HELO done */
	struct mp_conn conn;
	char chunk[65535]; /* MILTER_CHUNK_SIZE */
};

int mta_message(struct mta_session *s, const struct mf_message *m,
    const char *queue_id, const struct mta_edits *ed, struct mta_result *r);
void mta_quit(struct mta_session *s);

#endif
