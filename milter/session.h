/*
 * session.h - the libmilter callbacks (struct smfiDesc).
 *
 * DESCRIPTION
 *	Each callback is short and hands the work to lib/ (dkim_msg_*),
 *	decide.c, signing.c, verifying.c and actions.c.  Negotiation asks
 *	for SMFIP_HDR_LEADSPC (header values arrive with their leading
 *	space, as hashed), no replies for headers and body chunks, and the
 *	macros {daemon_name}, {auth_authen} and i.
 *
 *	session_stop_accepting() makes every message that begins afterwards
 *	answer 451 4.3.2 (the MTA keeps it); session_in_flight() counts the
 *	messages between MAIL FROM and their end, for a stop that lets them
 *	finish.
 */
#ifndef DKIMGUARD_SESSION_H
#define DKIMGUARD_SESSION_H

#include <libmilter/mfapi.h>

extern struct smfiDesc session_desc;

void session_stop_accepting(void);
int session_in_flight(void);

#endif /* DKIMGUARD_SESSION_H */
