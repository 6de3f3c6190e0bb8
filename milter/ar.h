/*
 * ar.h - Authentication-Results fields (RFC 8601) for DKIM results.
 *
 * DESCRIPTION
 *	ar_build makes the field value (after "Authentication-Results:"),
 *	leading space included, one resinfo per signature folded with
 *	CRLF TAB, like dkim_msg_sign's output; actions.c converts line
 *	ends for the MTA.  Values from the message or DNS are written so an
 *	RFC 8601 parser reads back exactly them: a token or plain
 *	local-part@domain, else a quoted-string with '"' and '\' escaped and
 *	control characters and non-UTF-8 bytes left out; header.b only when
 *	the b= prefix is base64.  ar_is_ours tells whether an existing field
 *	claims our authserv-id in any spelling RFC 8601 allows (CFWS, token
 *	or quoted-string with quoted-pairs, any case, trailing dot), so it
 *	can be removed (RFC 8601 5).
 */
#ifndef DKIMGUARD_AR_H
#define DKIMGUARD_AR_H

#include <stddef.h>

#include "dkim.h"

/* ar_build - malloc'ed field value; NULL on ENOMEM.  n == 0: dkim=none */
char *ar_build(const char *authserv_id, const dkim_sig_result *res, size_t n);
/* ar_is_ours - 1 if the field value's authserv-id equals id */
int ar_is_ours(const char *value, const char *id);

#endif /* DKIMGUARD_AR_H */
