/*
 * readiness_report.c - readiness of every signing domain, as `dkimguard
 *			-n` and `dkimguard-keytool status` print it (see
 *			readiness.h).
 *
 * EXPORTS
 *	readiness_report, readiness_keytable_domains, readiness_config_report
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "readiness.h"
#include "common/config/keytable.h"
#include "common/config/signtable.h"

/*
 * dns_unreachable - no nameserver answers at all (every try timed out,
 * the connection was refused, the network is down): 1 with why set.  A
 * SERVFAIL is an answer: that zone is broken, DNS is not.
 */
static int
dns_unreachable(resolver *res, const char *domain, const char **why)
{
	dkim_txt_answer ans;
	enum resolver_fail f = RESOLVER_FAIL_NONE;
	char name[300];
	int down;

	snprintf(name, sizeof name, "_dmarc.%s", domain);
	if (resolver_txt_why(res, name, &ans, &f) != DKIM_OK)
		return 0;
	down = ans.status == DKIM_DNS_TIMEOUT ||
	    f == RESOLVER_FAIL_CONNREFUSED || f == RESOLVER_FAIL_NETWORK;
	dkim_txt_answer_clear(&ans);
	*why = resolver_fail_str(f);
	return down;
}

/* header - what is checked, from which addresses */
static void
header(FILE *out, size_t nd, const char *const *ip, size_t nip)
{
	size_t i;

	fprintf(out, "readiness: %zu signing domain%s", nd, nd == 1 ? "" : "s");
	if (nd > READINESS_MAX_DOMAINS)
		fprintf(out, " (the first %d checked)", READINESS_MAX_DOMAINS);
	fprintf(out, "; OutboundAddresses");
	for (i = 0; i < nip; i++)
		fprintf(out, " %s", ip[i]);
	fprintf(out, "%s\n",
	    nip == 0 ? " not set: their SPF and PTR not checked" : "");
}

/* one_domain - DMARC and SPF of one domain; 1 ready, 0 not (or SPF of
 * the addresses not checked), -1 ENOMEM,
 * -2 DNS unreachable (printed) */
static int
one_domain(struct readiness *r, const char *domain)
{
	const char *why;

	if (readiness_domain(r, domain, NULL) < 0)
		return 0;
	fprintf(r->out, "%s\n", domain);
	readiness_dmarc(r);
	if (r->pol.status == DMARC_TEMPERROR &&
	    dns_unreachable(r->res, domain, &why)) {
		fprintf(r->out, "readiness: DNS unreachable (%s): stopped\n",
		    why);
		return -2;
	}
	if (readiness_spf(r) < 0)
		return -1;
	if (r->fails == 0 && r->nip == 0) { /* SPF not judged: not ready */
		fprintf(r->out,
		    "  no problem found, outbound addresses not "
		    "checked\n");
		return 0;
	}
	if (r->fails == 0)
		fprintf(r->out, "  ready\n");
	else
		fprintf(r->out, "  not ready: %u problem%s\n", r->fails,
		    r->fails == 1 ? "" : "s");
	return r->fails == 0;
}

/* readiness_report - PTR once, then each domain (see readiness.h) */
int
readiness_report(FILE *out, resolver *res, const guard_psl *psl,
    const char *const *domains, size_t nd, const char *const *ip, size_t nip,
    unsigned *problems)
{
	struct readiness r;
	const char *why;
	size_t i, ready = 0;
	unsigned total = 0;
	int rc = 0;

	*problems = 0;
	header(out, nd, ip, nip);
	if (nd == 0)
		return 0;
	if (dns_unreachable(res, domains[0], &why)) {
		fprintf(out,
		    "readiness: DNS unreachable (%s): DMARC, SPF and "
		    "PTR not checked\n",
		    why);
		*problems = 1;
		return 0;
	}
	readiness_init(&r, out, res, psl);
	r.indent = "  ";
	r.ip_hint = "set OutboundAddresses";
	r.ip = ip;
	r.nip = nip;
	if (nip > 0) {
		(void)readiness_domain(&r, domains[0], NULL);
		fprintf(out, "outbound addresses\n");
		if (readiness_ptr(&r) < 0)
			return -1;
		total += r.fails;
	}
	for (i = 0; i < nd && i < READINESS_MAX_DOMAINS && rc >= 0; i++) {
		rc = one_domain(&r, domains[i]);
		total += r.fails;
		ready += rc == 1;
	}
	*problems = total + (rc == -2);
	if (rc == -1)
		return -1;
	if (nd > READINESS_MAX_DOMAINS)
		fprintf(out, "and %zu more signing domains not checked\n",
		    nd - READINESS_MAX_DOMAINS);
	fprintf(out,
	    "readiness: %u problem%s; %zu of %zu signing domain%s "
	    "ready\n",
	    *problems, *problems == 1 ? "" : "s", ready, i, i == 1 ? "" : "s");
	return 0;
}

/* add_once - D to out[0..*n-1] unless there (any case) */
static void
add_once(const char **out, size_t *n, const char *d)
{
	size_t j;

	for (j = 0; j < *n && strcasecmp(out[j], d) != 0; j++)
		;
	if (j == *n)
		out[(*n)++] = d;
}

/* readiness_signing_domains - the d= of each key, then the signing
 * table's From: domains, once each */
size_t
readiness_signing_domains(const struct keytable *kt, const struct signtable *st,
    const char ***out)
{
	const char **from = NULL;
	size_t i, n = 0, nkt = kt != NULL ? kt->n : 0,
		  nfrom = signtable_from_domains(st, &from);

	*out = NULL;
	if (nkt + nfrom > 0 &&
	    (*out = calloc(nkt + nfrom, sizeof **out)) != NULL) {
		for (i = 0; i < nkt; i++)
			if (strcmp(kt->ent[i].domain, "%") != 0)
				add_once(*out, &n, kt->ent[i].domain);
		for (i = 0; i < nfrom; i++)
			add_once(*out, &n, from[i]);
	}
	free(from);
	return n;
}

/* readiness_config_report - readiness_report for the tables */
int
readiness_config_report(FILE *out, resolver *res, const struct keytable *kt,
    const struct signtable *st, char *const *outbound, unsigned *problems)
{
	const char **domains;
	guard_psl *psl = NULL;
	char err[256];
	size_t nd, nip = 0;
	int rc;

	*problems = 0;
	if (res == NULL) {
		fprintf(out, "readiness: not checked: TestKeys replaces DNS\n");
		return 0;
	}
	nd = readiness_signing_domains(kt, st, &domains);
	if (nd == 0) {
		free(domains);
		fprintf(out, "readiness: no signing domain\n");
		return 0;
	}
	while (outbound != NULL && outbound[nip] != NULL)
		nip++;
	/* without the list, relaxed alignment takes the last two labels */
	if (guard_psl_load(GUARD_PSL_PATH, &psl, err, sizeof err) < 0)
		fprintf(out, "readiness: %s\n", err);
	rc = readiness_report(out, res, psl, domains, nd,
	    (const char *const *)outbound, nip, problems);
	guard_psl_free(psl);
	free(domains);
	return rc;
}
