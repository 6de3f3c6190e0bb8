/*
 * decide.h - sign or verify one message.
 *
 * DESCRIPTION
 *	A message is "internal", and signed, when any of these holds:
 *	  - the MTA gave no client IP address: mail submitted on this host
 *	    through sendmail(1) or Postfix's pickup (non_smtpd_milters) or a
 *	    Sendmail local submission.  Only local users can do that, the same
 *	    trust as a loopback client (Postfix itself reports 127.0.0.1 for
 *	    non_smtpd_milters, which InternalHosts covers by default);
 *	  - the client address is in InternalHosts;
 *	  - the SMTP session is authenticated ({auth_authen} is set);
 *	  - {daemon_name} is one of SubmissionServices.
 *	Otherwise the message is external and verified.  Mode sign skips
 *	external mail, Mode verify verifies everything.
 *
 *	Two lists OpenDKIM has too:
 *	  - PeerList: a connection from one of these clients is accepted at
 *	    connect time, no message of it is signed or verified
 *	    (decide_peer);
 *	  - ExternalIgnoreList: external mail from these clients is verified
 *	    but a bad signature never refuses it (decide_ignore_bad): the
 *	    relays that send mail for our domains without signing it.  A
 *	    client that is also internal is signed as any internal one.
 */
#ifndef DKIMGUARD_DECIDE_H
#define DKIMGUARD_DECIDE_H

#include <sys/socket.h>

#include "util/netlist.h"

enum decision {
	DECIDE_SKIP = 0,
	DECIDE_SIGN,
	DECIDE_VERIFY
};

struct decide_policy {
	int mode;                       /* MODE_SIGN, MODE_VERIFY, MODE_BOTH */
	const struct netlist *internal; /* InternalHosts */
	char *const *submission;        /* SubmissionServices, NULL-ended */
	const struct netlist *peers;    /* PeerList, NULL: empty */
	const struct netlist *ext_ignore; /* ExternalIgnoreList */
};

struct decide_input {
	const struct sockaddr *client; /* NULL: no client IP address */
	const char *auth_authen;       /* NULL or "": not authenticated */
	const char *daemon_name;       /* NULL: not sent */
};

/* decide - the decision and, in *why, a short reason for the log */
enum decision decide(const struct decide_policy *pol,
    const struct decide_input *in, const char **why);
const char *decision_str(enum decision d);
/* decide_peer - 1 when the client (NULL: none) is in PeerList */
int decide_peer(const struct decide_policy *pol, const struct sockaddr *client);
/* decide_ignore_bad - 1 when a bad signature must not refuse this
 * external message (client in ExternalIgnoreList) */
int decide_ignore_bad(const struct decide_policy *pol,
    const struct decide_input *in);

#endif /* DKIMGUARD_DECIDE_H */
