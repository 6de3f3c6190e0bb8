/*
 * macros.h - the SMFIC_MACRO packets an MTA sends before each event
 *
 * Which macros go out at each stage follows Postfix 3.7's defaults
 * (milter_connect_macros, milter_mail_macros, ...) unless the filter sent
 * its own lists with SMFIR_SETSYMLIST in the OPTNEG reply.  A macro is
 * sent only when it has a value, as Postfix does: {auth_authen} only with
 * --auth, and the queue id i not before DATA (Postfix opens the queue
 * file only after a valid RCPT, smtpd_delay_open_until_valid_rcpt).  Postfix lists {client_addr} only if configured; we add it to the
 * connect list because filters (dkimguard, OpenDKIM) may ask for it.
 *
 * struct mta_env  the session and envelope the values come from
 * mac_send        queue the SMFIC_MACRO packet for one stage
 */
#ifndef MACROS_H
#define MACROS_H

#include "milterproto.h"

/* SMFIM_* stage numbers (milter8.c) */
enum {
	MAC_CONNECT,
	MAC_HELO,
	MAC_MAIL,
	MAC_RCPT,
	MAC_DATA,
	MAC_EOM,
	MAC_EOH
};

struct mta_env {
	const char *hostname;    /* j: MTA host name */
	const char *daemon_name; /* {daemon_name} */
	const char *daemon_addr; /* {daemon_addr} */
	const char *client_name; /* CONNECT host name */
	const char *client_addr; /* CONNECT address, {client_addr} */
	int client_port;
	const char *helo;
	const char *from; /* envelope sender, no <> */
	const char *rcpt; /* envelope recipient, no <> */
	const char *auth; /* SASL login or NULL */
};

void mac_send(struct mp_conn *c, int stage, int cmd, const struct mta_env *env,
    const char *queue_id);

#endif
