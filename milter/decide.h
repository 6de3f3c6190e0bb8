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
 */
#ifndef DKIMGUARD_DECIDE_H
#define DKIMGUARD_DECIDE_H

#include <sys/socket.h>

#include "util/netlist.h"

enum decision { DECIDE_SKIP = 0, DECIDE_SIGN, DECIDE_VERIFY };

struct decide_policy {
	int mode;			/* MODE_SIGN, MODE_VERIFY, MODE_BOTH */
	const struct netlist *internal;	/* InternalHosts */
	char *const *submission;	/* SubmissionServices, NULL-ended */
};

struct decide_input {
	const struct sockaddr *client;	/* NULL: no client IP address */
	const char *auth_authen;	/* NULL or "": not authenticated */
	const char *daemon_name;	/* NULL: not sent */
};

/* decide - the decision and, in *why, a short reason for the log */
enum decision decide(const struct decide_policy *pol,
    const struct decide_input *in, const char **why);
const char *decision_str(enum decision d);

#endif /* DKIMGUARD_DECIDE_H */
