/*
 * signtable.h - the signing table: which keys sign mail from an address.
 *
 * DESCRIPTION
 *	Line: PATTERN KEYNAME [KEYNAME ...]; a KEYNAME may carry a signer
 *	identity as "KEYNAME:IDENTITY" (OpenDKIM's optional second value,
 *	"%" in it = the matched domain).  A KEYNAME of "%" alone is the
 *	From: domain itself, looked up in the key table when a message is
 *	signed (OpenDKIM's form; no key of that name: not signed).  Several
 *	KEYNAMEs on one line give several signatures (e.g. RSA + Ed25519).
 *
 *	Plain table ("PATH" or "file:PATH"), OpenDKIM's lookup order for an
 *	address user@sub.example.com, first hit wins:
 *	  user@sub.example.com, sub.example.com,
 *	  user@.example.com, user@.com, .example.com, .com,
 *	  [SubDomains: example.com, com], user@*, *
 *	refile:PATH: each PATTERN is a wildcard ('*' matches anything)
 *	against "user@domain", in file order.
 *	With MultipleSignatures every match is applied, not only the first.
 */
#ifndef DKIMGUARD_SIGNTABLE_H
#define DKIMGUARD_SIGNTABLE_H

#include <stddef.h>

#include "util/errlist.h"
#include "keytable.h"
#include "util/tables.h"

struct signtable;

/* sigsel - one signature to make: key + resolved d= and i= */
struct sigsel {
	const struct keyent *key;
	char domain[256];   /* d= (key's domain, or the matched one) */
	char identity[320]; /* i=, "" for none */
};

/* signtable_load - parse spec; every KEYNAME must be in kt */
struct signtable *
signtable_load(const char *spec, const struct keytable *kt, struct errlist *el);
void signtable_free(struct signtable *st);
/*
 * signtable_domains - OpenDKIM's single-key mode: each of domains signs
 * with kt's KEYTABLE_SINGLE key; a domain with '*' is a wildcard (the
 * table is then searched as refile:).  kt must outlive the table.
 */
struct signtable *signtable_domains(char *const *domains,
    const struct keytable *kt, struct errlist *el);

#define SIGNTABLE_SUBDOMAINS 0x01
#define SIGNTABLE_MULTIPLE 0x02

/*
 * signtable_from_domains - the From: domains the table names literally:
 * each pattern's domain (after its '@', or the whole pattern) when it is
 * a host name with a dot (no wildcard, no "%", not ".parent", which
 * names subdomains), in table order, repeats kept.  *out is malloc'ed (free it;
 * it points into st); the count.
 */
size_t signtable_from_domains(const struct signtable *st, const char ***out);
/*
 * signtable_pct_keys - for each From: domain the table names literally
 * (as signtable_from_domains), each of its keys whose d= is "%" (it
 * signs as that domain; a "%" KEYNAME is the key named by the domain):
 * fn(arg, domain, key), in table order.  0, or the first -1 fn returns.
 */
int signtable_pct_keys(const struct signtable *st,
    int (*fn)(void *arg, const char *domain, const struct keyent *key),
    void *arg);

/*
 * signtable_match - signatures for local@domain (local may be NULL).
 * Fills out[0..max-1]; returns how many (0: no entry matches).
 */
size_t signtable_match(const struct signtable *st, const char *local,
    const char *domain, int flags, struct sigsel *out, size_t max);

#endif /* DKIMGUARD_SIGNTABLE_H */
