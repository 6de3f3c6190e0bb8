/*
 * readiness_spf.c - the SPF and PTR sections (see readiness.h).
 *
 * EXPORTS
 *	readiness_spf, readiness_spf_merged, readiness_ptr
 */
#include <sys/types.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "readiness.h"
#include "common/dns/ptr.h"

/* has_term - the blank-separated list holds the term (any case) */
static int
has_term(const char *list, const char *term)
{
	size_t n = strlen(term);
	const char *p = list;

	while (*p != '\0') {
		p += strspn(p, " ");
		if (strncasecmp(p, term, n) == 0 &&
		    (p[n] == ' ' || p[n] == '\0'))
			return 1;
		p += strcspn(p, " ");
	}
	return 0;
}

/* add_other - the second record's terms not in rest, all and redirect=
 * left out (one record keeps one of each) */
static void
add_other(const char *other, const char *rest, char *buf, size_t len)
{
	char *copy = strdup(other + 6), *tok, *save = NULL;

	if (copy == NULL)
		return;
	for (tok = strtok_r(copy, " ", &save); tok != NULL;
	     tok = strtok_r(NULL, " ", &save)) {
		const char *t = tok + (strchr("+-~?", tok[0]) ? 1 : 0);

		if (strcasecmp(t, "all") == 0 ||
		    strncasecmp(t, "redirect=", 9) == 0 || has_term(rest, tok))
			continue;
		snprintf(buf + strlen(buf), len - strlen(buf), " %s", tok);
	}
	free(copy);
}

/* readiness_spf_merged - the record to publish (see readiness.h) */
void
readiness_spf_merged(const char *record, const char *const *add, size_t nadd,
    const char *other, char *buf, size_t len)
{
	const char *rest = record != NULL && record[0] ? record + 6 : " ~all";
	unsigned char bin[16];
	size_t i;

	snprintf(buf, len, "v=spf1");
	for (i = 0; i < nadd; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), " %s:%s",
		    inet_pton(AF_INET, add[i], bin) == 1 ? "ip4" : "ip6",
		    add[i]);
	/* two records: the second's terms before the first's, all last */
	if (other != NULL)
		add_other(other, rest, buf, len);
	snprintf(buf + strlen(buf), len - strlen(buf), "%s", rest);
}

/* spf_records - the v=spf1 TXT records at name (at most two kept) */
static unsigned
spf_records(struct readiness *r, const char *name, char rec[2][SPF_TEXT_MAX])
{
	struct spf_rrset set;
	unsigned n = 0;
	size_t i;

	if (r->dns.txt(r->dns.ctx, name, &set) < 0)
		return 0;
	for (i = 0; set.status == SPF_DNS_OK && i < set.count; i++)
		if (strncasecmp(set.rr[i], "v=spf1", 6) == 0 &&
		    (set.rr[i][6] == '\0' || set.rr[i][6] == ' ') && n < 2)
			snprintf(rec[n++], SPF_TEXT_MAX, "%s", set.rr[i]);
	spf_rrset_clear(&set);
	/* printed: no byte from DNS may move the terminal's cursor */
	for (i = 0; i < n; i++)
		for (char *p = rec[i]; *p != '\0'; p++)
			if (*p < 0x20 || *p >= 0x7f)
				*p = '?';
	/* DNS gives no order: sort, so the merged record is stable */
	if (n == 2 && strcmp(rec[0], rec[1]) > 0) {
		char t[SPF_TEXT_MAX];

		memcpy(t, rec[0], sizeof t);
		memcpy(rec[0], rec[1], sizeof t);
		memcpy(rec[1], t, sizeof t);
	}
	return n;
}

/* spf_policy_report - the envelope domain's record: valid, absent, or
 * what makes it a permerror, with the fixes that need no new record */
static void
spf_policy_report(struct readiness *r, const struct spf_lint *lint,
    char rec[][SPF_TEXT_MAX], unsigned nrec)
{
	size_t i;

	switch (lint->result) {
	case SPF_PASS:
		readiness_line(r, "ok",
		    "%s: \"%s\": valid (%u of 10 DNS-querying terms, %u of 2 "
		    "void lookups)",
		    r->mailfrom, lint->record, lint->dns_terms,
		    lint->void_lookups);
		break;
	case SPF_NONE:
		readiness_line(r, "FAIL", "%s: no SPF record", r->mailfrom);
		break;
	case SPF_TEMPERROR:
		readiness_line(r, "FAIL", "%s: %s; check again", r->mailfrom,
		    lint->problem);
		break;
	default:
		readiness_line(r, "FAIL", "%s: permerror: %s", r->mailfrom,
		    lint->problem);
		for (i = 0; i < nrec && nrec > 1; i++)
			readiness_more(r, "record %zu: \"%s\"", i + 1, rec[i]);
		if (lint->dns_terms > 10)
			readiness_more(r,
			    "fix: bring the DNS-querying terms (include, a, "
			    "mx, ptr, exists, redirect) to 10 at most: replace "
			    "some by the ip4:/ip6: ranges they give");
		if (lint->void_lookups > 2)
			readiness_more(r,
			    "fix: remove the terms whose names "
			    "do not exist");
		break;
	}
}

/* spf_address - check_host() for one address; 1 when a record with the
 * address would let it pass, 0 when not, -1 when out of memory */
static int
spf_address(struct readiness *r, const char *ip)
{
	struct spf_verdict v;
	struct spf_request rq;
	char sender[300];

	snprintf(sender, sizeof sender, "postmaster@%s", r->mailfrom);
	memset(&rq, 0, sizeof rq);
	rq.ip = ip;
	rq.domain = r->mailfrom;
	rq.sender = sender;
	rq.helo = r->mailfrom;
	if (spf_check_host(&r->dns, &rq, &v) < 0)
		return -1;
	if (v.result == SPF_PASS) {
		readiness_line(r, "ok", "%s: pass (%s at %s)", ip, v.mechanism,
		    v.domain);
		return 0;
	}
	r->spf_pass_all = 0;
	readiness_line(r, "FAIL", "%s: %s%s%s%s", ip, spf_result_str(v.result),
	    v.mechanism[0] ? " (" : "", v.mechanism, v.mechanism[0] ? ")" : "");
	if (v.reason[0])
		readiness_more(r, "%s", v.reason);
	/* a temporary or a record error: no address fixes it */
	return v.result != SPF_TEMPERROR && v.result != SPF_PERMERROR;
}

/* readiness_spf - the envelope domain's record and each address */
int
readiness_spf(struct readiness *r)
{
	struct spf_lint lint;
	const char **add;
	char rec[2][SPF_TEXT_MAX], fix[4 * SPF_TEXT_MAX];
	size_t nadd = 0, i;
	unsigned nrec;
	int rc = 0;
	enum dmarc_mode aspf =
	    r->pol.status == DMARC_FOUND ? r->pol.rec.aspf : DMARC_RELAXED;

	readiness_section(r, "SPF");
	if ((add = calloc(r->nip + 1, sizeof *add)) == NULL ||
	    spf_lint(&r->dns, r->mailfrom, &lint) < 0) {
		free(add);
		return -1;
	}
	memset(rec, 0, sizeof rec);
	nrec = spf_records(r, r->mailfrom, rec);
	spf_policy_report(r, &lint, rec, nrec);
	r->spf_aligned = dmarc_aligned(r->psl, aspf, r->mailfrom, r->domain);
	r->spf_pass_all = r->nip > 0;
	for (i = 0; i < r->nip && rc >= 0; i++)
		if ((rc = spf_address(r, r->ip[i])) == 1)
			add[nadd++] = r->ip[i];
	if (rc >= 0 && (nadd > 0 || lint.result == SPF_NONE || nrec > 1) &&
	    lint.dns_terms <= 10 && lint.void_lookups <= 2) {
		readiness_spf_merged(rec[0], add, nadd,
		    nrec > 1 ? rec[1] : NULL, fix, sizeof fix);
		if (nrec > 1)
			readiness_more(r, "fix: replace both records by one:");
		readiness_publish(r, r->mailfrom, "TXT", fix);
	}
	if (r->nip == 0)
		readiness_line(r, "WARN",
		    "whether the outbound addresses pass is not checked "
		    "(%s)",
		    r->ip_hint);
	free(add);
	return rc < 0 ? -1 : 0;
}

/* ptr_one - one address's PTR, confirmed forward; -1 out of memory */
static int
ptr_one(struct readiness *r, const char *ip)
{
	struct ptr_check pc;
	char host[300];
	unsigned char bin[16];
	const char *t = inet_pton(AF_INET, ip, bin) == 1 ? "A" : "AAAA";

	if (ptr_fcrdns(r->res, ip, &pc) < 0 && pc.reason[0] == '\0')
		return -1;
	if (pc.confirmed >= 0) {
		readiness_line(r, "ok", "%s: %s (its %s record holds %s)", ip,
		    pc.name[pc.confirmed].name, t, ip);
		return 0;
	}
	readiness_line(r, "FAIL", "%s: %s", ip, pc.reason);
	if (resolver_status_temporary(pc.status) ||
	    (pc.count > 0 && resolver_status_temporary(pc.name[0].status)))
		return 0;
	if (pc.count > 0) {
		readiness_publish(r, pc.name[0].name, t, ip);
		return 0;
	}
	/* no name yet: the usual mail host name of the domain */
	readiness_more(r,
	    "(the PTR goes in the reverse zone: ask who runs %s's network)",
	    ip);
	snprintf(host, sizeof host, "mail.%s.", r->domain);
	readiness_publish(r, pc.revname, "PTR", host);
	host[strlen(host) - 1] = '\0';
	readiness_publish(r, host, t, ip);
	return 0;
}

/* readiness_ptr - each address's PTR, confirmed forward */
int
readiness_ptr(struct readiness *r)
{
	size_t i;

	if (r->nip == 0)
		return 0;
	readiness_section(r, "PTR");
	for (i = 0; i < r->nip; i++)
		if (ptr_one(r, r->ip[i]) < 0)
			return -1;
	return 0;
}
