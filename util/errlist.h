/*
 * errlist.h - collect several human-readable error lines.
 *
 * DESCRIPTION
 *	Configuration and table loading report every problem they find,
 *	not only the first, so "dkimguard -n" lists them all at once.
 *	An errlist starts zeroed ({0}); errlist_free releases it.
 */
#ifndef DKIMGUARD_ERRLIST_H
#define DKIMGUARD_ERRLIST_H

#include "strbuf.h"

struct errlist {
	struct strbuf text; /* lines joined by '\n' */
	unsigned count;     /* lines added, also those lost to ENOMEM */
};

/* errlist_add - append one line (no trailing newline needed) */
void errlist_add(struct errlist *el, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* errlist_str - all lines, "" when empty */
const char *errlist_str(const struct errlist *el);
void errlist_free(struct errlist *el);

#endif /* DKIMGUARD_ERRLIST_H */
