/*
 * readiness.h - is a sending domain ready for Outlook, Hotmail, Gmail and
 *		 Yahoo: its DMARC policy (own or inherited), its SPF record
 *		 and whether each outbound address passes it, each
 *		 address's PTR with forward confirmation, and the exact
 *		 records to publish when something is missing.
 *
 * SYNOPSIS
 *	#include "common/readiness/readiness.h"
 *
 *	struct readiness r;
 *	readiness_init(&r, stdout, res, psl);
 *	readiness_domain(&r, "example.com", NULL);
 *	r.ip = ips; r.nip = n;
 *	readiness_dmarc(&r);
 *	readiness_spf(&r);
 *	readiness_ptr(&r);
 *	readiness_outlook(&r);          after the caller's DKIM findings
 *	printf("%u problems\n", r.fails);
 *
 *	unsigned problems;
 *	readiness_config_report(stdout, res, keytable, cfg->outbound_addresses,
 *	    &problems);                 every signing domain, as -n prints
 *
 * DESCRIPTION
 *	One implementation for `dkimguard-keytool doctor` (one domain, all
 *	sections), `dkimguard-keytool status` and `dkimguard -n` (every
 *	signing domain, through readiness_report).  Every result is one
 *	line "WORD  text" (WORD ok, WARN or FAIL; only FAIL counts in
 *	fails), followed by indented "fix:" and "publish: NAME. IN TYPE
 *	VALUE" lines when a record fixes it.  A suggested DMARC record keeps
 *	the disposition that applies today: an inherited p=quarantine or
 *	p=reject is never weakened to p=none.
 *
 *	DMARC: dmarc_discover (RFC 7489 6.6.3, organizational domain
 *	through the public suffix list).  SPF: spf_lint on the envelope
 *	domain (one record, at most 10 DNS-querying terms, at most 2 void
 *	lookups, syntax; RFC 7208 4.5, 4.6.4) and spf_check_host for each
 *	address with sender postmaster@ENVELOPE.  PTR: ptr_fcrdns.
 *
 *	readiness_report bounds the work: at most READINESS_MAX_DOMAINS
 *	domains (the rest are counted, not checked); PTR once per address,
 *	not once per domain; before the first domain and after any DMARC
 *	temperror it asks whether a nameserver answers at all, and when
 *	none does it says "DNS unreachable" once and stops, so a dead
 *	nameserver costs one or two lookup timeouts, not one per question.
 *
 * DIAGNOSTICS
 *	readiness_spf, readiness_ptr and readiness_report return -1 on
 *	ENOMEM (nothing else fails: DNS errors are findings).
 */
#ifndef DKIMGUARD_READINESS_H
#define DKIMGUARD_READINESS_H

#include <stddef.h>
#include <stdio.h>

#include "common/dmarc/dmarc.h"
#include "common/dns/resolver.h"
#include "common/guard/guard.h"
#include "common/spf/spf.h"

#define READINESS_MAX_DOMAINS 50

/* readiness - one domain: inputs, then what the checks found */
struct readiness {
	/* inputs */
	FILE *out;
	const char *indent;    /* before every line, "" by default */
	const char *ip_hint;   /* how to give addresses: "give --ip" */
	char domain[256];      /* the From: domain, lower case */
	char mailfrom[256];    /* the envelope (SPF) domain */
	const char *const *ip; /* the outbound addresses */
	size_t nip;
	resolver *res;        /* PTR questions */
	struct spf_dns dns;   /* every other question */
	const guard_psl *psl; /* NULL: last two labels */
	/* findings */
	unsigned fails;          /* FAIL lines */
	struct dmarc_policy pol; /* readiness_dmarc */
	int spf_pass_all;        /* every address passes */
	int spf_aligned;         /* envelope domain aligns under aspf */
	/* DKIM, filled by the caller before readiness_outlook */
	int dkim_pass, dkim_aligned, dkim_strict_only;
	char dkim_d[256];
};

/* readiness_init - no domain yet; DNS through res (spf_dns_resolver) */
void readiness_init(struct readiness *r, FILE *out, resolver *res,
    const guard_psl *psl);
/* readiness_domain - the domain (and envelope domain, NULL: the same)
 * to check, findings cleared; -1 when a name does not fit */
int
readiness_domain(struct readiness *r, const char *domain, const char *mailfrom);

/* readiness_line - one result line; WORD "FAIL" counts in fails */
void readiness_line(struct readiness *r, const char *word, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* readiness_more - an indented line under the last result */
void readiness_more(struct readiness *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* readiness_publish - "publish: NAME. IN TYPE VALUE" (TXT quoted) */
void readiness_publish(struct readiness *r, const char *name, const char *type,
    const char *value);
/* readiness_section - a heading ("DMARC", "SPF", ...) */
void readiness_section(struct readiness *r, const char *name);

/* the sections; each prints its heading */
void readiness_dmarc(struct readiness *r);
int readiness_spf(struct readiness *r);
int readiness_ptr(struct readiness *r);
void readiness_outlook(struct readiness *r);

/*
 * readiness_dmarc_fixed - the record to publish at _dmarc.DOMAIN for the
 * policy found: its disposition (none without one), sp= of an own record,
 * pct= and rua= kept; adkim=s/aspf=s kept unless relax.
 */
void readiness_dmarc_fixed(const struct dmarc_policy *pol, int relax, char *buf,
    size_t len);
/*
 * readiness_spf_merged - the SPF record to publish: ip4:/ip6: of each
 * address of add[] first, then the terms of record (without "v=spf1";
 * "" or NULL: none published, " ~all" is used), and when other is a
 * second record, its terms not already there (all and redirect= left
 * out) before record's own.
 */
void readiness_spf_merged(const char *record, const char *const *add,
    size_t nadd, const char *other, char *buf, size_t len);

/*
 * readiness_report - the section `dkimguard -n` and `keytool status`
 * print: PTR of each address once, then DMARC and SPF of each domain
 * (see DESCRIPTION for the bounds).  *problems gets the FAIL count.
 * 0, or -1 on ENOMEM.
 */
int readiness_report(FILE *out, resolver *res, const guard_psl *psl,
    const char *const *domains, size_t ndomains, const char *const *ip,
    size_t nip, unsigned *problems);

struct keytable;
struct signtable;
/*
 * readiness_signing_domains - the domains to check: each key's d= (a
 * "%" key signs as the From: domain and is left out), then the From:
 * domains the signing table names literally (st may be NULL): DMARC is
 * looked up at the From: domain, so a table of "%" keys or of another
 * d= is still covered.  Once each (any case), in that order.  *out is
 * malloc'ed (free it; it points into kt and st); the count.
 */
size_t readiness_signing_domains(const struct keytable *kt,
    const struct signtable *st, const char ***out);
/*
 * readiness_config_report - readiness_report for those domains from the
 * addresses of outbound (OutboundAddresses, NULL-ended), with the public
 * suffix list of common/guard.  res NULL (TestKeys instead of DNS): one
 * line says it is not checked.
 */
int readiness_config_report(FILE *out, resolver *res, const struct keytable *kt,
    const struct signtable *st, char *const *outbound, unsigned *problems);

#endif /* DKIMGUARD_READINESS_H */
