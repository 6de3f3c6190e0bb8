/*
 * keytable.h - the key table: key name -> (domain, selector, key file).
 *
 * DESCRIPTION
 *	Two line formats, told apart per line (see dkimguard.conf(5)):
 *	  dkimguard:  NAME  DOMAIN  SELECTOR  KEYFILE  [guard=ACTION]
 *	  OpenDKIM:   NAME  DOMAIN:SELECTOR:KEYFILE  [guard=ACTION]
 *	The optional last field sets this key's GuardAction; a table
 *	without it (every OpenDKIM table) reads as before, and since the
 *	field must start with "guard=" it is never taken for a path.
 *	DOMAIN "%" means "the domain the signing table matched" (the From:
 *	domain).  Relative KEYFILEs are taken from the table's folder.
 *	"refile:PATH" makes each NAME a wildcard pattern ('*' matches any
 *	run): a key name asked for is matched against them in file order,
 *	as OpenDKIM does.  keytable_single builds the one-entry table of
 *	OpenDKIM's single-key mode (Domain, Selector, KeyFile).
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
	char *domain; /* "%" = the matched domain */
	char *selector;
	char *path;           /* key file */
	dkim_key *key;        /* set by keyfile_load_table */
	dkim_keyrec *own_rec; /* the key's own record, parsed: set by the
				 * snapshot for Guard no + SelfVerify */
	char *where;          /* "FILE:LINE" for messages */
	int guard_action;     /* guard=ACTION column (a guard_action);
				 * -1: GuardAction applies */
};

struct hashtab;

struct keytable {
	size_t n;
	struct keyent *ent;
	int refile;             /* names are wildcard patterns */
	struct hashtab *byname; /* name -> index + 1; NULL: scan */
};

/* keytable_load - parse spec ("PATH" or "file:PATH"); NULL + el on error */
struct keytable *keytable_load(const char *spec, struct errlist *el);
void keytable_free(struct keytable *kt);
/* keytable_single - one key named KEYTABLE_SINGLE, domain "%" (the
 * matched From: domain); where is "FILE:LINE" of KeyFile */
#define KEYTABLE_SINGLE "KeyFile"
struct keytable *keytable_single(const char *selector, const char *path,
    const char *where, struct errlist *el);
/* keytable_find - entry by name (case-sensitive), NULL if none; in a
 * refile: table the first pattern matching name (case-insensitive) */
const struct keyent *keytable_find(const struct keytable *kt, const char *name);

#endif /* DKIMGUARD_KEYTABLE_H */
