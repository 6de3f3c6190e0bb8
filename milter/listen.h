/*
 * listen.h - open the milter socket before privileges are dropped.
 *
 * DESCRIPTION
 *	libmilter opens the listening socket (smfi_opensocket) but never
 *	shows it.  For a unix socket we then set its owner, group and mode.
 *	For TCP we find the listening descriptor (a socket in the listening
 *	state) and set TCP_NODELAY on it: on Linux an accepted TCP socket
 *	inherits TCP_NODELAY from its listener, so every MTA connection
 *	then runs without Nagle, and a reply that follows a header insert no
 *	longer waits for the MTA's delayed ACK (about 40 ms per message).
 *	The other direction, the MTA's writes waiting for our ACK, is
 *	handled per session: listen_session_socket() and listen_ack_now()
 *	(session.c says when).
 *	listen_check() answers, before anything is opened, whether that will
 *	work (dkimguard -n).
 */
#ifndef DKIMGUARD_LISTEN_H
#define DKIMGUARD_LISTEN_H

#include "common/config/config.h"
#include "util/errlist.h"

/* listen_open - smfi_setconn + smfi_opensocket + owner/mode/NODELAY */
int listen_open(const struct config *cfg, struct errlist *el);
/* listen_check - for -n: the unix socket's folder exists and the service
 * user can create the socket there, SocketGroup exists and can be given
 * to it, nothing else listens there; an inet port is free.  RUNNING: our
 * own instance holds the socket (checks that it would fail are skipped).
 * 0, or -1 with the problems (FILE:LINE: what, fix) added to EL */
int listen_check(const struct config *cfg, int running, struct errlist *el);
/* listen_remove - unlink the unix socket (at a stop) */
void listen_remove(const struct config *cfg);
/* listen_nodelay - TCP_NODELAY on every listening TCP socket; count */
int listen_nodelay(void);

/* listen_session_socket - the TCP socket of libmilter session CTX, read
 * from libmilter's context and used only if it is a connected TCP socket
 * on the port listen_nodelay() found; -1 otherwise (or over unix) */
int listen_session_socket(const void *ctx);
/* listen_ack_now - ACK at once what was read on FD (-1: nothing) */
void listen_ack_now(int fd);

#endif /* DKIMGUARD_LISTEN_H */
