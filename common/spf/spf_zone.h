/*
 * spf_zone.h - a file-backed DNS zone answering the SPF lookups, for
 *		tests and offline checks (the daemon uses the resolver).
 *
 * SYNOPSIS
 *	#include "common/spf/spf_zone.h"
 *
 *	struct spf_zone *z;
 *	spf_zone_open("zone.txt", &z, err, sizeof err);
 *	struct spf_dns dns = spf_zone_dns(z);
 *	spf_check_host(&dns, &rq, &verdict);
 *	spf_zone_free(z);
 *
 * FILE FORMAT
 *	One record per line, in the line syntax of util/tables.h ('#'
 *	comments after whitespace, '\' continuation):
 *	    NAME  TYPE  [VALUE]
 *	TYPE is TXT, A, AAAA, MX (VALUE: the exchange), PTR, CNAME, SPF
 *	(type 99: makes the name exist, never asked for) or TIMEOUT (no
 *	VALUE: every question at NAME for a type it has no record of is a
 *	temporary failure).  VALUE runs to the end of the line; "\\" is a
 *	backslash and "\xHH" any byte (a '#', a leading or trailing space,
 *	a control or non-ASCII byte; in NAME also a space; "\x00" is read as
 *	0x7f, as the resolver gives it).  Names are compared without case and
 *	without a final dot.  Several lines with the same NAME and TYPE
 *	give several records, in file order.
 *
 *	A question gets: the records of its type (after CNAMEs, at most 8;
 *	a loop is a temporary failure), else TIMEOUT's failure, else
 *	NODATA when NAME has any line, else NXDOMAIN.
 */
#ifndef DKIMGUARD_SPF_ZONE_H
#define DKIMGUARD_SPF_ZONE_H

#include <stddef.h>

#include "spf.h"

struct spf_zone;

/* spf_zone_open - read path; -1 with err ("FILE:LINE: ...") */
int spf_zone_open(const char *path, struct spf_zone **out, char *err,
    size_t errlen);
/* spf_zone_dns - the lookup interface over z (z must outlive it) */
struct spf_dns spf_zone_dns(struct spf_zone *z);
/* spf_zone_queries - how many questions z answered */
unsigned spf_zone_queries(const struct spf_zone *z);
/* spf_zone_free - NULL is a no-op */
void spf_zone_free(struct spf_zone *z);

#endif /* DKIMGUARD_SPF_ZONE_H */
