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
 *	DMARC, SPF, PTR and the verdict are common/readiness/ (shared with
 *	`status` and `dkimguard -n`); DKIM, which needs the keytool's
 *	tables and key checks, is here.  Each problem is one FAIL line,
 *	followed by the exact record to publish when one fixes it; a
 *	suggested DMARC record keeps the disposition that applies today
 *	(an inherited p=reject is not weakened to p=none).  WARN lines do
 *	not make the domain unready.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keytool.h"
#include "common/config/config.h"
#include "common/config/keytable.h"
#include "common/config/signtable.h"
#include "common/dmarc/dmarc.h"
#include "common/dns/resolver.h"
#include "common/guard/guard.h"
#include "common/readiness/readiness.h"
#include "util/errlist.h"

#define MAX_IPS 16
#define MAX_SIGS 16

/* doc - one run: the options, DNS, and the shared checks' state */
struct doc {
	const char *ip[MAX_IPS];
	size_t nip;
	struct kt_conf *c;
	struct resolver *res;
	guard_psl *psl;
	struct readiness r; /* domain, envelope domain, findings */
};

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

	if ((*kt = keytable_load(c->keytable, &el)) != NULL)
		st = kt_signtable_load(c, *kt, &el);
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
	enum dmarc_mode adkim = dc->r.pol.status == DMARC_FOUND ?
	    dc->r.pol.rec.adkim :
	    DMARC_RELAXED;
	int aligned = dmarc_aligned(dc->psl, adkim, s->domain, dc->r.domain);

	if (kt_pubcheck_run(d, s->domain, s->key->selector, s->key->path, &pc) <
	    0)
		return -1;
	kt_keydesc(pc.type, pc.bits, desc, sizeof desc);
	if (kt_pubcheck_ok(&pc)) {
		readiness_line(&dc->r, "ok",
		    "%s: key %s published (%s), d=%s %s %s", pc.name,
		    s->key->name, desc, s->domain,
		    aligned ? "aligns with" : "does not align with",
		    dc->r.domain);
		dc->r.dkim_pass = 1;
		if (aligned && !dc->r.dkim_aligned) {
			dc->r.dkim_aligned = 1;
			snprintf(dc->r.dkim_d, sizeof dc->r.dkim_d, "%s",
			    s->domain);
		}
		if (!aligned &&
		    dmarc_aligned(dc->psl, DMARC_RELAXED, s->domain,
			dc->r.domain))
			dc->r.dkim_strict_only = 1;
		if (!dc->r.dkim_d[0])
			snprintf(dc->r.dkim_d, sizeof dc->r.dkim_d, "%s",
			    s->domain);
	} else {
		readiness_line(&dc->r, "FAIL", "%s: key %s %s: %s", pc.name,
		    s->key->name, pc.state_str, pc.problem);
		readiness_more(&dc->r, "fix: %s",
		    kt_pubcheck_fix(&pc, fix, sizeof fix));
		if (pc.zone != NULL)
			readiness_more(&dc->r, "publish: %s", pc.zone);
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

	readiness_section(&dc->r, "DKIM");
	if (dc->c->keytable == NULL || dc->c->signtable == NULL) {
		readiness_line(&dc->r, "FAIL",
		    "no KeyTable/SigningTable configured: nothing signs "
		    "mail from %s",
		    dc->r.domain);
		return 0;
	}
	if ((st = load_tables(dc->c, &kt)) == NULL)
		return -1;
	flags = (dc->c->cfg->sub_domains ? SIGNTABLE_SUBDOMAINS : 0) |
	    (dc->c->cfg->multiple_signatures ? SIGNTABLE_MULTIPLE : 0);
	n = signtable_match(st, "postmaster", dc->r.domain, flags, sel,
	    MAX_SIGS);
	if (n == 0) {
		readiness_line(&dc->r, "FAIL",
		    "the signing table has no key for mail from %s",
		    dc->r.domain);
		readiness_more(&dc->r,
		    "fix: dkimguard-keytool genkey -d %s -s "
		    "SELECTOR, then add it to the key and signing tables",
		    dc->r.domain);
	} else if (kt_dns_open(dc->c, &d) < 0)
		rc = -1;
	else {
		for (i = 0; i < n && rc == 0; i++)
			rc = dkim_one(dc, &d, &sel[i]);
		kt_dns_close(&d);
	}
	if (rc == 0 && dc->r.dkim_pass && !dc->r.dkim_aligned) {
		readiness_line(&dc->r, "WARN",
		    "no published key's d= aligns with %s: DKIM cannot make "
		    "DMARC pass",
		    dc->r.domain);
		if (!dc->r.dkim_strict_only)
			readiness_more(&dc->r,
			    "fix: dkimguard-keytool genkey -d %s -s "
			    "SELECTOR, publish it, sign mail from %s with "
			    "it",
			    dc->r.domain, dc->r.domain);
	}
	signtable_free(st);
	keytable_free(kt);
	return rc;
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
parse_args(int argc, char **argv, struct doc *dc, char *domain_out,
    const char **mf)
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
	if (lower_name(domain, domain_out, 256) < 0)
		return -1;
	return 0;
}

/* run - every check in order; KT_EXIT_* */
static int
run(struct doc *dc, const char *domain, const char *mailfrom)
{
	struct readiness *r = &dc->r;
	char err[256];

	if (guard_psl_load(GUARD_PSL_PATH, &dc->psl, err, sizeof err) < 0)
		kt_warn("%s", err);
	if (kt_resolver_open(dc->c, &dc->res) < 0)
		return KT_EXIT_USAGE;
	readiness_init(r, stdout, dc->res, dc->psl);
	(void)readiness_domain(r, domain, mailfrom); /* both fit: lower_name */
	r->ip = dc->ip;
	r->nip = dc->nip;
	printf("doctor %s (envelope domain %s)\n", r->domain, r->mailfrom);
	readiness_dmarc(r);
	if (check_dkim(dc) < 0)
		return KT_EXIT_USAGE;
	if (readiness_spf(r) < 0 || readiness_ptr(r) < 0) {
		kt_err("out of memory");
		return KT_EXIT_USAGE;
	}
	readiness_outlook(r);
	if (r->fails == 0 && dc->nip > 0) {
		printf("ready\n");
		return KT_EXIT_OK;
	}
	printf("not ready: %u problem%s%s\n", r->fails,
	    r->fails == 1 ? "" : "s",
	    dc->nip == 0 ? " (and SPF not checked: give --ip)" : "");
	return KT_EXIT_FAIL;
}

/* kt_cmd_doctor - the doctor command */
int
kt_cmd_doctor(int argc, char **argv, struct kt_conf *c)
{
	struct doc dc;
	char domain[256], mailfrom[256];
	const char *mf = NULL;
	int rc;

	memset(&dc, 0, sizeof dc);
	dc.c = c;
	if (parse_args(argc, argv, &dc, domain, &mf) < 0)
		return KT_EXIT_USAGE;
	if (lower_name(mf ? mf : domain, mailfrom, sizeof mailfrom) < 0)
		return KT_EXIT_USAGE;
	/* --nameserver wins over the configuration's Nameservers */
	if (kt_conf_load(c) < 0)
		return KT_EXIT_USAGE;
	rc = run(&dc, domain, mailfrom);
	resolver_free(dc.res);
	guard_psl_free(dc.psl);
	return rc;
}
