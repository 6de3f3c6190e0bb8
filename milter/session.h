/*
 * session.h - the libmilter callbacks (struct smfiDesc).
 *
 * DESCRIPTION
 *	Each callback is short and hands the work to lib/ (dkim_msg_*),
 *	decide.c, signing.c, verifying.c and actions.c.  Negotiation asks
 *	for SMFIP_HDR_LEADSPC (header values arrive with their leading
 *	space, as hashed), no replies for headers and body chunks, and the
 *	macros {daemon_name}, {auth_authen} and i.
 */
#ifndef DKIMGUARD_SESSION_H
#define DKIMGUARD_SESSION_H

#include <libmilter/mfapi.h>

extern struct smfiDesc session_desc;

#endif /* DKIMGUARD_SESSION_H */
