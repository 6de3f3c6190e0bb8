/*
 * spf_lint.c - is a domain's SPF policy valid for every message, not just
 *		for one client address: one record (RFC 7208 4.5), its
 *		syntax and that of every record it reaches (4.6), at most
 *		10 DNS-querying terms and 2 void lookups when no mechanism
 *		matches (4.6.4, the worst case a receiver can meet), at most
 *		10 MX names, includes and redirects that have a record
 *		(5.2, 6.1).  For publication checks (a check_host() answers
 *		for one address only).
 *
 * DESCRIPTION
 *	Every directive is visited, whatever it would match.  A target
 *	with a macro depends on the message and is counted but not
 *	followed.  redirect= is followed only when the record has no
 *	"all" (6.1: it is ignored then).
 *
 * EXPORTS
 *	spf_lint (see spf.h)
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "spf_int.h"

#define LINT_MAX_DEPTH 12 /* includes and redirects followed */

struct lint {
	struct spf_eval ev; /* for spf_ask and its failure flag */
	struct spf_lint *out;
	unsigned depth;
};

/* problem - the first problem found decides the result */
static void
problem(struct lint *l, enum spf_result r, const char *fmt, ...)
{
	char *p = l->out->problem;
	va_list ap;

	if (p[0] != '\0')
		return;
	l->out->result = r;
	va_start(ap, fmt);
	vsnprintf(p, sizeof l->out->problem, fmt, ap);
	va_end(ap);
	spf_printable(p);
}

/* count_void - a name that gave NXDOMAIN or no records */
static void
count_void(struct lint *l, const char *name)
{
	if (++l->out->void_lookups > SPF_MAX_VOID)
		problem(l, SPF_PERMERROR,
		    "more than %d void lookups "
		    "(RFC 7208 4.6.4) at %s",
		    SPF_MAX_VOID, name);
}

/* is_void - ask fn at name: 1 void, 0 records, -1 DNS error */
static int
is_void(struct lint *l, spf_dns_fn fn, const char *name, size_t *total)
{
	struct spf_rrset set;
	int rc;

	spf_ask(&l->ev, fn, name, &set);
	rc = set.status == SPF_DNS_TEMPFAIL ?
	    -1 :
	    set.status != SPF_DNS_OK || set.total == 0;
	if (total != NULL)
		*total = set.total;
	spf_rrset_clear(&set);
	if (rc < 0)
		problem(l, SPF_TEMPERROR, "DNS error at %s", name);
	return rc;
}

static enum spf_result lint_domain(struct lint *l, const char *domain);

/* follow - include: or redirect= target; a record must be there */
static void
follow(struct lint *l, const char *text, const char *name)
{
	if (l->out->dns_terms > SPF_MAX_DNS_TERMS)
		return; /* already over the limit */
	if (l->depth >= LINT_MAX_DEPTH) {
		problem(l, SPF_PERMERROR, "%s: includes nested too deep", text);
		return;
	}
	l->depth++;
	if (lint_domain(l, name) == SPF_NONE)
		problem(l, SPF_PERMERROR, "%s: no SPF record at %s", text,
		    name);
	l->depth--;
}

/* lint_term - one DNS-querying directive */
static void
lint_term(struct lint *l, const struct spf_term *t, const char *domain)
{
	const char *name = t->spec != NULL ? t->spec : domain;
	size_t total = 0;
	int a, aaaa;

	if (++l->out->dns_terms == SPF_MAX_DNS_TERMS + 1)
		problem(l, SPF_PERMERROR,
		    "more than %d DNS-querying terms "
		    "(RFC 7208 4.6.4) at %s",
		    SPF_MAX_DNS_TERMS, t->text);
	if (strchr(name, '%') != NULL)
		return; /* depends on the message */
	switch (t->mech) {
	case SPF_M_INCLUDE:
		follow(l, t->text, name);
		break;
	case SPF_M_A:
		a = is_void(l, l->ev.dns->a, name, NULL);
		aaaa = is_void(l, l->ev.dns->aaaa, name, NULL);
		if (a == 1 && aaaa == 1)
			count_void(l, name);
		break;
	case SPF_M_MX:
		if (is_void(l, l->ev.dns->mx, name, &total) == 1)
			count_void(l, name);
		else if (total > SPF_MAX_NAMES)
			problem(l, SPF_PERMERROR,
			    "%s has %zu MX names, more "
			    "than %d (RFC 7208 4.6.4)",
			    name, total, SPF_MAX_NAMES);
		break;
	case SPF_M_EXISTS:
		if (is_void(l, l->ev.dns->a, name, NULL) == 1)
			count_void(l, name);
		break;
	default: /* ptr: the client's PTR decides */
		break;
	}
}

/* one_record - the single SPF record at domain (4.5), or a result */
static enum spf_result
one_record(struct lint *l, const char *domain, struct spf_record *rec)
{
	char err[SPF_TEXT_MAX];
	struct spf_rrset set;
	const char *txt = NULL;
	size_t i, n = 0;
	int rc, temp;

	spf_ask(&l->ev, l->ev.dns->txt, domain, &set);
	for (i = 0; i < set.count; i++)
		if (spf_record_is_spf(set.rr[i])) {
			txt = set.rr[i];
			n++;
		}
	if (l->depth == 0 && (l->out->records = (unsigned)n) == 1) {
		strlcpy(l->out->record, txt, sizeof l->out->record);
		spf_printable(l->out->record);
	}
	temp = set.status == SPF_DNS_TEMPFAIL;
	rc = temp || n != 1 ? 0 : spf_record_parse(txt, rec, err, sizeof err);
	spf_rrset_clear(&set);
	if (rc == -2)
		l->ev.enomem = 1;
	if (temp || rc == -2) {
		problem(l, SPF_TEMPERROR, "DNS error looking up TXT at %s",
		    domain);
		return SPF_TEMPERROR;
	}
	if (n != 1) {
		if (n > 1)
			problem(l, SPF_PERMERROR,
			    "%zu SPF records at %s "
			    "(RFC 7208 4.5)",
			    n, domain);
		if (n == 0 && l->depth == 0)
			problem(l, SPF_NONE, "no SPF record at %s", domain);
		return n == 0 ? SPF_NONE : SPF_PERMERROR;
	}
	if (rc < 0) {
		problem(l, SPF_PERMERROR, "%s: %s", domain, err);
		return SPF_PERMERROR;
	}
	return SPF_PASS;
}

/* lint_domain - every directive of the record at domain */
static enum spf_result
lint_domain(struct lint *l, const char *domain)
{
	struct spf_record rec;
	enum spf_result r;
	size_t i;
	int all = 0;

	if ((r = one_record(l, domain, &rec)) != SPF_PASS)
		return r;
	for (i = 0; i < rec.nterms; i++) {
		const struct spf_term *t = &rec.terms[i];

		if (t->mech == SPF_M_ALL)
			all = 1;
		else if (t->mech != SPF_M_IP4 && t->mech != SPF_M_IP6)
			lint_term(l, t, domain);
	}
	if (rec.redirect != NULL && !all) {
		if (++l->out->dns_terms == SPF_MAX_DNS_TERMS + 1)
			problem(l, SPF_PERMERROR,
			    "more than %d DNS-querying "
			    "terms (RFC 7208 4.6.4) at %s",
			    SPF_MAX_DNS_TERMS, rec.redirect_text);
		if (strchr(rec.redirect, '%') == NULL)
			follow(l, rec.redirect_text, rec.redirect);
	}
	spf_record_free(&rec);
	return SPF_PASS;
}

/* spf_lint - see spf.h */
int
spf_lint(const struct spf_dns *dns, const char *domain, struct spf_lint *out)
{
	struct spf_request rq = {0};
	struct spf_verdict scratch;
	struct lint l;

	memset(out, 0, sizeof *out);
	memset(&l, 0, sizeof l);
	memset(&scratch, 0, sizeof scratch);
	l.ev.dns = dns;
	l.ev.rq = &rq;
	l.ev.v = &scratch;
	l.out = out;
	out->result = SPF_PASS;
	if (!spf_domain_valid(domain)) {
		problem(&l, SPF_NONE,
		    "\"%s\" is not a valid domain "
		    "(RFC 7208 4.3)",
		    domain);
		return 0;
	}
	lint_domain(&l, domain);
	if (l.ev.enomem) {
		out->result = SPF_TEMPERROR;
		return -1;
	}
	return 0;
}
