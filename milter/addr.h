/*
 * addr.h - the address in a From: field or an envelope sender.
 *
 * DESCRIPTION
 *	Only what the signing table needs: the local part and the domain of
 *	one mailbox (RFC 5322 3.4).  "Name <a@b>" and bare "a@b" forms,
 *	comments skipped; the domain is lower-cased.  The DKIM library
 *	decides what the message's From: domain is for verification; this
 *	is used at end of headers, before signers are added.
 */
#ifndef DKIMGUARD_ADDR_H
#define DKIMGUARD_ADDR_H

#include <stddef.h>

/* addr_split - 0, or -1 when no local@domain can be found */
int addr_split(const char *value, char *local, size_t llen, char *domain,
    size_t dlen);

#endif /* DKIMGUARD_ADDR_H */
