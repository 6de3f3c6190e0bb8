/*
 * keytable.h - the key table: key name -> (domain, selector, key file).
 *
 * DESCRIPTION
 *	Two line formats, told apart per line (see dkimguard.conf(5)):
 *	  dkimguard:  NAME  DOMAIN  SELECTOR  KEYFILE
 *	  OpenDKIM:   NAME  DOMAIN:SELECTOR:KEYFILE
 *	DOMAIN "%" means "the domain the signing table matched" (the From:
 *	domain).  Relative KEYFILEs are taken from the table's folder.
 *	keytable_load only parses; keyfile_load_table (keyfile.h) reads and
 *	checks the keys.  Immutable once loaded; shared by a snapshot.
 */
#ifndef DKIMGUARD_KEYTABLE_H
#define DKIMGUARD_KEYTABLE_H

#include <stddef.h>

#include "dkim.h"
#include "util/errlist.h"

struct keyent {
	char *name;
	char *domain;		/* "%" = the matched domain */
	char *selector;
	char *path;		/* key file */
	dkim_key *key;		/* set by keyfile_load_table */
	dkim_keyrec *own_rec;	/* the key's own record, parsed: set by the
				 * snapshot for Guard no + SelfVerify */
	char *where;		/* "FILE:LINE" for messages */
};

struct keytable {
	size_t n;
	struct keyent *ent;
};

/* keytable_load - parse spec ("PATH" or "file:PATH"); NULL + el on error */
struct keytable *keytable_load(const char *spec, struct errlist *el);
void keytable_free(struct keytable *kt);
/* keytable_find - entry by name (case-sensitive), NULL if none */
const struct keyent *keytable_find(const struct keytable *kt,
    const char *name);

#endif /* DKIMGUARD_KEYTABLE_H */
