/*
 * doctor.c - the doctor command: is one domain ready to send to Outlook,
 *	      Hotmail, Gmail and Yahoo, and what to publish when it is not.
 *
 * SYNOPSIS
 *	doctor DOMAIN [--ip ADDRESS]... [--mail-from DOMAIN]
 *	       [--nameserver HOST:PORT]...
 *
 * DESCRIPTION
 *	Without a running milter, checks in order:
 *	  DKIM   the keys the signing table uses for mail from DOMAIN, each
 *		 against its published record (the guard's check, as
 *		 `check` does), and whether its d= aligns with DOMAIN;
 *	  DMARC  DOMAIN's policy, own or inherited from the organizational
 *		 domain (common/dmarc/, RFC 7489 6.6.3), p=/sp=, adkim/aspf;
 *	  SPF    the record of the envelope domain (--mail-from, default
 *		 DOMAIN) through spf_lint (one record, at most 10
 *		 DNS-querying terms, at most 2 void lookups, syntax), and
 *		 check_host() for each --ip with sender postmaster@DOMAIN;
 *	  PTR    each --ip's PTR names confirmed by their A/AAAA records.
 *	Then "meets Outlook's sender requirements": SPF passes for every
 *	address, a DKIM key passes, a DMARC policy is published (p=none at
 *	least) and SPF or DKIM aligns with DOMAIN under aspf/adkim.
 *
 *	Each problem is one FAIL line, followed by the exact record to
 *	publish when one fixes it; a suggested DMARC record keeps the
 *	disposition that applies today (an inherited p=reject is not
 *	weakened to p=none).  WARN lines do not make the domain unready.
 *
 * EXIT STATUS
 *	0 ready; 1 not ready (a FAIL line; also when no --ip was given, as
 *	SPF then cannot be judged); 2 bad arguments or configuration.  The
 *	same meanings as every other keytool command.
 */
#include <sys/types.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keytool.h"
#include "common/config/config.h"
#include "common/config/keytable.h"
#include "common/config/signtable.h"
#include "common/dmarc/dmarc.h"
#include "common/dns/ptr.h"
#include "common/dns/resolver.h"
#include "common/guard/guard.h"
#include "common/spf/spf.h"
#include "common/spf/spf_dns_resolver.h"
#include "util/errlist.h"
#include "util/strbuf.h"

#define MAX_IPS 16
#define MAX_SIGS 16

/* doc - one run: inputs, DNS, what was found */
struct doc {
	char domain[256];   /* the From: domain, lower case */
	char mailfrom[256]; /* the envelope (SPF) domain */
	const char *ip[MAX_IPS];
	size_t nip;
	struct kt_conf *c;
	struct resolver *res;
	struct spf_dns dns;
	guard_psl *psl;
	unsigned fails;
	/* findings for the Outlook verdict */
	int dkim_pass, dkim_aligned, dkim_strict_only;
	char dkim_d[256];
	struct dmarc_policy pol;
	int spf_pass_all;
	int spf_aligned;
};

/* line - one result line: WORD (ok, FAIL, WARN) and text */
static void line(struct doc *dc, const char *word, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
line(struct doc *dc, const char *word, const char *fmt, ...)
{
	va_list ap;

	if (strcmp(word, "FAIL") == 0)
		dc->fails++;
	printf("  %-4s  ", word);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* publish - the record that fixes the line above */
static void
publish(const char *name, const char *type, const char *value)
{
	if (strcmp(type, "TXT") == 0)
		printf("        publish: %s. IN TXT \"%s\"\n", name, value);
	else
		printf("        publish: %s. IN %s %s\n", name, type, value);
}

/* lower_name - a lower-case domain without its final dot, or -1 */
static int
lower_name(const char *in, char *out, size_t len)
{
	size_t i, n = strlen(in);

	if (n > 0 && in[n - 1] == '.')
		n--;
	if (n == 0 || n >= len)
		return -1;
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[n] = '\0';
	return kt_name_ok(out, "domain") ? 0 : -1;
}

/* ---- DKIM ---------------------------------------------------------- */

/* load_tables - key table (with keys) and signing table, or NULL */
static struct signtable *
load_tables(const struct kt_conf *c, struct keytable **kt)
{
	struct errlist el = {0};
	struct signtable *st = NULL;
	char spec[4200];

	snprintf(spec, sizeof spec, "%s%s", c->signtable_re ? "refile:" : "",
	    c->signtable);
	if ((*kt = keytable_load(c->keytable, &el)) != NULL)
		st = signtable_load(spec, *kt, &el);
	if (st == NULL) {
		kt_err("the tables do not load:\n%s",
		    el.count ? errlist_str(&el) : "out of memory");
		keytable_free(*kt);
		*kt = NULL;
	}
	errlist_free(&el);
	return st;
}

/* dkim_one - check one signing key, print its line */
static int
dkim_one(struct doc *dc, struct kt_dns *d, const struct sigsel *s)
{
	struct kt_pubcheck pc;
	char desc[64], fix[400];
	enum dmarc_mode adkim =
	    dc->pol.status == DMARC_FOUND ? dc->pol.rec.adkim : DMARC_RELAXED;
	int aligned = dmarc_aligned(dc->psl, adkim, s->domain, dc->domain);

	if (kt_pubcheck_run(d, s->domain, s->key->selector, s->key->path, &pc) <
	    0)
		return -1;
	kt_keydesc(pc.type, pc.bits, desc, sizeof desc);
	if (kt_pubcheck_ok(&pc)) {
		line(dc, "ok", "%s: key %s published (%s), d=%s %s %s", pc.name,
		    s->key->name, desc, s->domain,
		    aligned ? "aligns with" : "does not align with",
		    dc->domain);
		dc->dkim_pass = 1;
		if (aligned && !dc->dkim_aligned) {
			dc->dkim_aligned = 1;
			snprintf(dc->dkim_d, sizeof dc->dkim_d, "%s",
			    s->domain);
		}
		if (!aligned &&
		    dmarc_aligned(dc->psl, DMARC_RELAXED, s->domain,
			dc->domain))
			dc->dkim_strict_only = 1;
		if (!dc->dkim_d[0])
			snprintf(dc->dkim_d, sizeof dc->dkim_d, "%s",
			    s->domain);
	} else {
		line(dc, "FAIL", "%s: key %s %s: %s", pc.name, s->key->name,
		    pc.state_str, pc.problem);
		printf("        fix: %s\n",
		    kt_pubcheck_fix(&pc, fix, sizeof fix));
		if (pc.zone != NULL)
			printf("        publish: %s\n", pc.zone);
	}
	kt_pubcheck_clear(&pc);
	return 0;
}

/* check_dkim - every key that signs mail from postmaster@DOMAIN */
static int
check_dkim(struct doc *dc)
{
	struct keytable *kt = NULL;
	struct signtable *st;
	struct sigsel sel[MAX_SIGS];
	struct kt_dns d;
	size_t n, i;
	int flags, rc = 0;

	printf("DKIM\n");
	if (dc->c->keytable == NULL || dc->c->signtable == NULL) {
		line(dc, "FAIL",
		    "no KeyTable/SigningTable configured: nothing signs "
		    "mail from %s",
		    dc->domain);
		return 0;
	}
	if ((st = load_tables(dc->c, &kt)) == NULL)
		return -1;
	flags = (dc->c->cfg->sub_domains ? SIGNTABLE_SUBDOMAINS : 0) |
	    (dc->c->cfg->multiple_signatures ? SIGNTABLE_MULTIPLE : 0);
	n = signtable_match(st, "postmaster", dc->domain, flags, sel, MAX_SIGS);
	if (n == 0) {
		line(dc, "FAIL",
		    "the signing table has no key for mail from %s",
		    dc->domain);
		printf("        fix: dkimguard-keytool genkey -d %s -s "
		       "SELECTOR, then add it to the key and signing tables\n",
		    dc->domain);
	} else if (kt_dns_open(dc->c, &d) < 0)
		rc = -1;
	else {
		for (i = 0; i < n && rc == 0; i++)
			rc = dkim_one(dc, &d, &sel[i]);
		kt_dns_close(&d);
	}
	if (rc == 0 && dc->dkim_pass && !dc->dkim_aligned) {
		line(dc, "WARN",
		    "no published key's d= aligns with %s: DKIM cannot make "
		    "DMARC pass",
		    dc->domain);
		if (!dc->dkim_strict_only)
			printf("        fix: dkimguard-keytool genkey -d %s -s "
			       "SELECTOR, publish it, sign mail from %s with "
			       "it\n",
			    dc->domain, dc->domain);
	}
	signtable_free(st);
	keytable_free(kt);
	return rc;
}

/* ---- DMARC --------------------------------------------------------- */

/*
 * dmarc_fixed - the record to publish at _dmarc.DOMAIN: disposition and
 * rua= of the policy that applies now (none without one), relaxed
 * alignment when relax is set, other modes kept.
 */
static void
dmarc_fixed(const struct doc *dc, int relax, char *buf, size_t len)
{
	const struct dmarc_record *r = &dc->pol.rec;
	int have = dc->pol.status == DMARC_FOUND;
	enum dmarc_disp p = have ? dc->pol.disp : DMARC_DISP_NONE;

	snprintf(buf, len, "v=DMARC1; p=%s", dmarc_disp_str(p));
	if (have && !dc->pol.inherited && r->has_sp)
		snprintf(buf + strlen(buf), len - strlen(buf), "; sp=%s",
		    dmarc_disp_str(r->sp));
	if (have && !relax && r->adkim == DMARC_STRICT)
		snprintf(buf + strlen(buf), len - strlen(buf), "; adkim=s");
	if (have && !relax && r->aspf == DMARC_STRICT)
		snprintf(buf + strlen(buf), len - strlen(buf), "; aspf=s");
	if (have && r->pct != 100)
		snprintf(buf + strlen(buf), len - strlen(buf), "; pct=%u",
		    r->pct);
	if ((have || dc->pol.status == DMARC_INVALID) && r->rua[0])
		snprintf(buf + strlen(buf), len - strlen(buf), "; rua=%s",
		    r->rua);
}

/* check_dmarc - the policy for DOMAIN, own or inherited */
static void
check_dmarc(struct doc *dc)
{
	struct dmarc_policy *p = &dc->pol;
	char rec[DMARC_TEXT_MAX + 64], name[280];

	printf("DMARC\n");
	snprintf(name, sizeof name, "_dmarc.%s", dc->domain);
	dmarc_discover(&dc->dns, dc->psl, dc->domain, p);
	switch (p->status) {
	case DMARC_FOUND:
		if (p->inherited)
			line(dc, "ok",
			    "%s: \"%s\": inherited from the organizational "
			    "domain %s: sp=%s applies to %s",
			    p->where, p->rec.text, p->org,
			    dmarc_disp_str(p->disp), dc->domain);
		else
			line(dc, "ok", "%s: \"%s\": p=%s applies to %s",
			    p->where, p->rec.text, dmarc_disp_str(p->disp),
			    dc->domain);
		printf("        adkim=%s aspf=%s pct=%u\n",
		    dmarc_mode_str(p->rec.adkim), dmarc_mode_str(p->rec.aspf),
		    p->rec.pct);
		if (p->rec.p_from_rua)
			line(dc, "WARN",
			    "%s: p= missing or wrong; receivers read it as "
			    "p=none because rua= is valid",
			    p->where);
		return;
	case DMARC_ABSENT:
		if (strcmp(p->org, p->domain) != 0)
			line(dc, "FAIL",
			    "no DMARC record at %s nor at _dmarc.%s", name,
			    p->org);
		else
			line(dc, "FAIL", "no DMARC record at %s", name);
		break;
	case DMARC_TEMPERROR:
		line(dc, "FAIL", "%s; check again", p->error);
		return;
	case DMARC_MULTIPLE:
		line(dc, "FAIL", "%s", p->error);
		printf("        fix: delete every DMARC record at %s but one\n",
		    p->where);
		return;
	default:
		line(dc, "FAIL", "%s: receivers ignore it", p->error);
		snprintf(name, sizeof name, "%s", p->where);
		break;
	}
	dmarc_fixed(dc, 0, rec, sizeof rec);
	publish(name, "TXT", rec);
}

/* ---- SPF ----------------------------------------------------------- */

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

/*
 * spf_merged - the record to publish: the one published (or the first
 * of several, with the other's terms added) with ip4:/ip6: of every
 * address that does not pass put first, or a new one ending in ~all.
 */
static void
spf_merged(const struct doc *dc, const struct spf_lint *lint,
    const char *const *add, size_t nadd, const char *other, char *buf,
    size_t len)
{
	const char *rest = lint->record[0] ? lint->record + 6 : " ~all";
	size_t i;
	unsigned char bin[16];

	snprintf(buf, len, "v=spf1");
	for (i = 0; i < nadd; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), " %s:%s",
		    inet_pton(AF_INET, add[i], bin) == 1 ? "ip4" : "ip6",
		    add[i]);
	if (other == NULL) {
		snprintf(buf + strlen(buf), len - strlen(buf), "%s", rest);
		return;
	}
	/* two records: the second's terms before the first's, all last */
	{
		char *copy = strdup(other + 6), *tok, *save = NULL;

		if (copy == NULL)
			return;
		for (tok = strtok_r(copy, " ", &save); tok != NULL;
		     tok = strtok_r(NULL, " ", &save)) {
			const char *t = tok + (strchr("+-~?", tok[0]) ? 1 : 0);

			if (strcasecmp(t, "all") == 0 ||
			    strncasecmp(t, "redirect=", 9) == 0 ||
			    has_term(rest, tok))
				continue;
			snprintf(buf + strlen(buf), len - strlen(buf), " %s",
			    tok);
		}
		free(copy);
		snprintf(buf + strlen(buf), len - strlen(buf), "%s", rest);
	}
}

/* spf_records - the v=spf1 TXT records at name (at most two kept) */
static unsigned
spf_records(struct doc *dc, const char *name, char rec[2][SPF_TEXT_MAX])
{
	struct spf_rrset set;
	unsigned n = 0;
	size_t i;

	if (dc->dns.txt(dc->dns.ctx, name, &set) < 0)
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
spf_policy_report(struct doc *dc, const struct spf_lint *lint,
    char rec[][SPF_TEXT_MAX], unsigned nrec)
{
	size_t i;

	switch (lint->result) {
	case SPF_PASS:
		line(dc, "ok",
		    "%s: \"%s\": valid (%u of 10 DNS-querying terms, %u of 2 "
		    "void lookups)",
		    dc->mailfrom, lint->record, lint->dns_terms,
		    lint->void_lookups);
		break;
	case SPF_NONE:
		line(dc, "FAIL", "%s: no SPF record", dc->mailfrom);
		break;
	case SPF_TEMPERROR:
		line(dc, "FAIL", "%s: %s; check again", dc->mailfrom,
		    lint->problem);
		break;
	default:
		line(dc, "FAIL", "%s: permerror: %s", dc->mailfrom,
		    lint->problem);
		for (i = 0; i < nrec && nrec > 1; i++)
			printf("        record %zu: \"%s\"\n", i + 1, rec[i]);
		if (lint->dns_terms > 10)
			printf("        fix: bring the DNS-querying terms "
			       "(include, a, mx, ptr, exists, redirect) to "
			       "10 at most: replace some by the ip4:/ip6: "
			       "ranges they give\n");
		if (lint->void_lookups > 2)
			printf("        fix: remove the terms whose names do "
			       "not exist\n");
		break;
	}
}

/* spf_addresses - check_host() for each --ip; add[] gets those a record
 * with their address would let pass; -1 when out of memory */
static int
spf_addresses(struct doc *dc, const char **add, size_t *nadd)
{
	struct spf_verdict v;
	struct spf_request rq;
	char sender[300];
	size_t i;

	dc->spf_pass_all = dc->nip > 0;
	snprintf(sender, sizeof sender, "postmaster@%s", dc->mailfrom);
	for (i = 0; i < dc->nip; i++) {
		memset(&rq, 0, sizeof rq);
		rq.ip = dc->ip[i];
		rq.domain = dc->mailfrom;
		rq.sender = sender;
		rq.helo = dc->mailfrom;
		if (spf_check_host(&dc->dns, &rq, &v) < 0) {
			kt_err("out of memory");
			return -1;
		}
		if (v.result == SPF_PASS) {
			line(dc, "ok", "%s: pass (%s at %s)", dc->ip[i],
			    v.mechanism, v.domain);
			continue;
		}
		dc->spf_pass_all = 0;
		line(dc, "FAIL", "%s: %s%s%s%s", dc->ip[i],
		    spf_result_str(v.result), v.mechanism[0] ? " (" : "",
		    v.mechanism, v.mechanism[0] ? ")" : "");
		if (v.reason[0])
			printf("        %s\n", v.reason);
		/* a temporary or a record error: no address fixes it */
		if (v.result != SPF_TEMPERROR && v.result != SPF_PERMERROR)
			add[(*nadd)++] = dc->ip[i];
	}
	return 0;
}

/* check_spf - the envelope domain's record and each address */
static int
check_spf(struct doc *dc)
{
	struct spf_lint lint;
	const char *add[MAX_IPS];
	char rec[2][SPF_TEXT_MAX], fix[4 * SPF_TEXT_MAX];
	size_t nadd = 0;
	unsigned nrec;
	enum dmarc_mode aspf =
	    dc->pol.status == DMARC_FOUND ? dc->pol.rec.aspf : DMARC_RELAXED;

	printf("SPF\n");
	if (spf_lint(&dc->dns, dc->mailfrom, &lint) < 0) {
		kt_err("out of memory");
		return -1;
	}
	memset(rec, 0, sizeof rec);
	nrec = spf_records(dc, dc->mailfrom, rec);
	spf_policy_report(dc, &lint, rec, nrec);
	dc->spf_aligned =
	    dmarc_aligned(dc->psl, aspf, dc->mailfrom, dc->domain);
	if (spf_addresses(dc, add, &nadd) < 0)
		return -1;
	if (dc->nip == 0)
		line(dc, "WARN",
		    "no --ip given: whether the outbound addresses pass is "
		    "not checked");
	if ((nadd > 0 || lint.result == SPF_NONE || nrec > 1) &&
	    lint.dns_terms <= 10 && lint.void_lookups <= 2) {
		snprintf(lint.record, sizeof lint.record, "%s", rec[0]);
		spf_merged(dc, &lint, add, nadd, nrec > 1 ? rec[1] : NULL, fix,
		    sizeof fix);
		if (nrec > 1)
			printf("        fix: replace both records by one:\n");
		publish(dc->mailfrom, "TXT", fix);
	}
	return 0;
}

/* ---- PTR ----------------------------------------------------------- */

/* check_ptr - each address's PTR, confirmed forward */
static int
check_ptr(struct doc *dc)
{
	struct ptr_check pc;
	char host[300];
	unsigned char bin[16];
	size_t i;

	if (dc->nip == 0)
		return 0;
	printf("PTR\n");
	for (i = 0; i < dc->nip; i++) {
		const char *t =
		    inet_pton(AF_INET, dc->ip[i], bin) == 1 ? "A" : "AAAA";

		if (ptr_fcrdns(dc->res, dc->ip[i], &pc) < 0 &&
		    pc.reason[0] == '\0') {
			kt_err("out of memory");
			return -1;
		}
		if (pc.confirmed >= 0) {
			line(dc, "ok", "%s: %s (its %s record holds %s)",
			    dc->ip[i], pc.name[pc.confirmed].name, t,
			    dc->ip[i]);
			continue;
		}
		line(dc, "FAIL", "%s: %s", dc->ip[i], pc.reason);
		if (resolver_status_temporary(pc.status) ||
		    (pc.count > 0 &&
			resolver_status_temporary(pc.name[0].status)))
			continue;
		if (pc.count > 0) {
			publish(pc.name[0].name, t, dc->ip[i]);
			continue;
		}
		/* no name yet: the usual mail host name of the domain */
		snprintf(host, sizeof host, "mail.%s", dc->domain);
		printf("        (the PTR goes in the reverse zone: ask who "
		       "runs %s's network)\n",
		    dc->ip[i]);
		snprintf(host + strlen(host), sizeof host - strlen(host), ".");
		publish(pc.revname, "PTR", host);
		host[strlen(host) - 1] = '\0';
		publish(host, t, dc->ip[i]);
	}
	return 0;
}

/* ---- the verdict --------------------------------------------------- */

/* outlook - Microsoft's rules of 5 May 2025, with the reasons */
static void
outlook(struct doc *dc)
{
	struct strbuf why = {0};
	char fix[DMARC_TEXT_MAX + 64], name[270];
	int dmarc = dc->pol.status == DMARC_FOUND;
	int spf_ok = dc->spf_pass_all && dc->spf_aligned;
	int dkim_ok = dc->dkim_pass && dc->dkim_aligned;

	if (dc->nip == 0)
		strbuf_printf(&why, "; SPF not checked (give --ip)");
	else if (!dc->spf_pass_all)
		strbuf_printf(&why, "; SPF does not pass for every address");
	if (!dc->dkim_pass)
		strbuf_printf(&why, "; no DKIM key passes");
	if (!dmarc)
		strbuf_printf(&why, "; no DMARC policy applies to %s",
		    dc->domain);
	if (!spf_ok && !dkim_ok && (dc->spf_pass_all || dc->dkim_pass)) {
		strbuf_printf(&why,
		    "; neither SPF (%s, aspf=%s) nor DKIM (d=%s, adkim=%s) "
		    "aligns with %s",
		    dc->mailfrom,
		    dmarc_mode_str(dmarc ? dc->pol.rec.aspf : DMARC_RELAXED),
		    dc->dkim_d[0] ? dc->dkim_d : "-",
		    dmarc_mode_str(dmarc ? dc->pol.rec.adkim : DMARC_RELAXED),
		    dc->domain);
	}
	printf("Outlook\n");
	if (why.len == 0) {
		line(dc, "ok",
		    "meets Outlook's sender requirements: SPF pass%s, DKIM "
		    "pass%s, DMARC p=%s",
		    spf_ok ? " aligned" : "", dkim_ok ? " aligned" : "",
		    dmarc_disp_str(dc->pol.disp));
	} else {
		line(dc, "FAIL",
		    "does not meet Outlook's sender requirements: %s",
		    strbuf_str(&why) + 2);
		/* strict modes are the only obstacle: relax them */
		if (dmarc && !spf_ok && !dkim_ok &&
		    ((dc->spf_pass_all &&
			 dmarc_aligned(dc->psl, DMARC_RELAXED, dc->mailfrom,
			     dc->domain)) ||
			dc->dkim_strict_only)) {
			snprintf(name, sizeof name, "_dmarc.%s", dc->domain);
			dmarc_fixed(dc, 1, fix, sizeof fix);
			publish(name, "TXT", fix);
		}
	}
	strbuf_free(&why);
}

/* usage_err - the synopsis */
static int
usage_err(void)
{
	kt_err("usage: doctor DOMAIN [--ip ADDRESS]... [--mail-from DOMAIN] "
	       "[--nameserver HOST:PORT]...");
	return KT_EXIT_USAGE;
}

/* add_ns - --nameserver: one more server in the list */
static int
add_ns(struct kt_conf *c, const char *ns)
{
	size_t n =
	    (c->nameservers ? strlen(c->nameservers) + 1 : 0) + strlen(ns) + 1;
	char *s = malloc(n);

	if (s == NULL)
		return -1;
	snprintf(s, n, "%s%s%s", c->nameservers ? c->nameservers : "",
	    c->nameservers ? "," : "", ns);
	free(c->nameservers);
	c->nameservers = s;
	return 0;
}

/* parse_args - DOMAIN and the options; -1 after a message */
static int
parse_args(int argc, char **argv, struct doc *dc, const char **mf)
{
	static const struct option lo[] = {KT_COMMON_LONG,
	    {"ip", required_argument, NULL, 'i'},
	    {"mail-from", required_argument, NULL, 'm'},
	    {"nameserver", required_argument, NULL, 'n'}, {NULL, 0, NULL, 0}};
	unsigned char bin[16];
	const char *domain = NULL;
	int ch;

	/*
	 * DOMAIN may come before the options: the option parser stops at
	 * the first operand (main.c parses in order), so take it and go on
	 */
	for (;;) {
		ch = getopt_long(argc, argv, KT_COMMON_SHORT, lo, NULL);
		if (ch == -1) {
			if (optind >= argc)
				break;
			if (domain != NULL)
				return usage_err(), -1;
			domain = argv[optind++];
			continue;
		}
		if (ch == 'i') {
			if (inet_pton(AF_INET, optarg, bin) != 1 &&
			    inet_pton(AF_INET6, optarg, bin) != 1) {
				kt_err("--ip %s: not an IPv4 or IPv6 address",
				    optarg);
				return -1;
			}
			if (dc->nip == MAX_IPS) {
				kt_err("--ip: at most %d addresses", MAX_IPS);
				return -1;
			}
			dc->ip[dc->nip++] = optarg;
		} else if (ch == 'm')
			*mf = optarg;
		else if (ch == 'n') {
			if (add_ns(dc->c, optarg) < 0)
				return -1;
		} else if (kt_common_opt(ch, optarg, dc->c) != 1)
			return usage_err(), -1;
	}
	if (domain == NULL)
		return usage_err(), -1;
	if (lower_name(domain, dc->domain, sizeof dc->domain) < 0)
		return -1;
	return 0;
}

/* run - every check in order; KT_EXIT_* */
static int
run(struct doc *dc)
{
	char err[256];

	if (guard_psl_load(GUARD_PSL_PATH, &dc->psl, err, sizeof err) < 0)
		kt_warn("%s", err);
	if (kt_resolver_open(dc->c, &dc->res) < 0)
		return KT_EXIT_USAGE;
	dc->dns = spf_dns_resolver(dc->res);
	printf("doctor %s (envelope domain %s)\n", dc->domain, dc->mailfrom);
	check_dmarc(dc);
	if (check_dkim(dc) < 0 || check_spf(dc) < 0 || check_ptr(dc) < 0)
		return KT_EXIT_USAGE;
	outlook(dc);
	if (dc->fails == 0 && dc->nip > 0) {
		printf("ready\n");
		return KT_EXIT_OK;
	}
	printf("not ready: %u problem%s%s\n", dc->fails,
	    dc->fails == 1 ? "" : "s",
	    dc->nip == 0 ? " (and SPF not checked: give --ip)" : "");
	return KT_EXIT_FAIL;
}

/* kt_cmd_doctor - the doctor command */
int
kt_cmd_doctor(int argc, char **argv, struct kt_conf *c)
{
	struct doc dc;
	const char *mf = NULL;
	int rc;

	memset(&dc, 0, sizeof dc);
	dc.c = c;
	if (parse_args(argc, argv, &dc, &mf) < 0)
		return KT_EXIT_USAGE;
	if (lower_name(mf ? mf : dc.domain, dc.mailfrom, sizeof dc.mailfrom) <
	    0)
		return KT_EXIT_USAGE;
	/* --nameserver wins over the configuration's Nameservers */
	if (kt_conf_load(c) < 0)
		return KT_EXIT_USAGE;
	rc = run(&dc);
	resolver_free(dc.res);
	guard_psl_free(dc.psl);
	return rc;
}
