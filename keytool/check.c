/*
 * check.c - the check command: is every key's record published?
 *
 * SYNOPSIS
 *	check [-d DOMAIN [-s SELECTOR [-k KEYFILE]] | --all]
 *
 * DESCRIPTION
 *	Looks each key's record up with the milter's resolver and guard and
 *	prints one row per key: domain, selector, state, what is wrong, the
 *	exact fix; then the records to publish in zone-file form.  Warns
 *	when an RSA key is under 2048 bits (RFC 8301 3.2 recommends it) and
 *	about each domain's SPF (RFC 7208: none, or a permerror such as two
 *	records or more than 10 DNS-querying terms, through spf_lint) and
 *	DMARC policy.  DMARC is looked up as receivers do (common/dmarc's
 *	dmarc_discover, RFC 7489 6.6.3): a domain without its own record
 *	under an organizational domain that has one inherits that policy,
 *	which is reported as such; "publish p=none" is suggested only when
 *	no policy applies at all, so an inherited p=quarantine or p=reject
 *	is never weakened.  `doctor` gives the whole readiness report.
 *	Exit 0 when every key is publishable as it is, 1 when not.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keytool.h"
#include "keyset.h"
#include "common/dmarc/dmarc.h"
#include "common/guard/guard.h"

struct row {
	const char *domain, *selector, *file;
	struct kt_pubcheck pc;
	char fix[400];
};

struct checkopt {
	const char *domain, *selector, *keyfile;
};

/* width - the widest value of one column */
static int
width(const struct row *r, size_t n, int col, int min)
{
	int w = min;

	for (size_t i = 0; i < n; i++) {
		const char *v = col == 0 ? r[i].domain :
		    col == 1             ? r[i].selector :
					   r[i].pc.state_str;
		if ((int)strlen(v) > w)
			w = (int)strlen(v);
	}
	return w;
}

/* print_table - one row per key, then what to publish */
static void
print_table(const struct row *r, size_t n)
{
	int wd = width(r, n, 0, 6), ws = width(r, n, 1, 8);
	int wt = width(r, n, 2, 5);

	printf("%-*s  %-*s  %-*s  %s\n", wd, "DOMAIN", ws, "SELECTOR", wt,
	    "STATE", "PROBLEM / FIX");
	for (size_t i = 0; i < n; i++) {
		printf("%-*s  %-*s  %-*s  %s\n", wd, r[i].domain, ws,
		    r[i].selector, wt, r[i].pc.state_str,
		    r[i].pc.problem[0] ? r[i].pc.problem : "-");
		if (!kt_pubcheck_ok(&r[i].pc))
			printf("%-*s  %-*s  %-*s  fix: %s\n", wd, "", ws, "",
			    wt, "", r[i].fix);
	}
	for (size_t i = 0; i < n; i++)
		if (r[i].pc.zone != NULL && !kt_pubcheck_temp(&r[i].pc))
			printf("\n%s\n", r[i].pc.zone);
}

/* seen_domain - warned about this domain already? */
static int
seen_domain(const struct row *r, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcasecmp(r[j].domain, r[i].domain) == 0)
			return 1;
	return 0;
}

/* spf_warning - the domain's SPF record: none or a permerror */
static void
spf_warning(const struct spf_dns *dns, const char *domain)
{
	struct spf_lint lint;

	if (spf_lint(dns, domain, &lint) < 0)
		return;
	if (lint.result == SPF_NONE)
		kt_warn("%s has no SPF record (TXT \"v=spf1 ...\")", domain);
	else if (lint.result == SPF_PERMERROR)
		kt_warn("%s: SPF permerror: %s: receivers fail SPF for all of "
			"its mail (doctor %s shows the record to publish)",
		    domain, lint.problem, domain);
}

/* dmarc_warning - the policy receivers apply: own or inherited from
 * the organizational domain; p=none suggested only when none applies */
static void
dmarc_warning(const struct spf_dns *dns, const guard_psl *psl,
    const char *domain)
{
	struct dmarc_policy pol;

	dmarc_discover(dns, psl, domain, &pol);
	switch (pol.status) {
	case DMARC_FOUND:
		if (pol.inherited)
			printf("\n%s: no DMARC record of its own; it inherits "
			       "%s's (%s: \"%s\"): p=%s applies\n",
			    domain, pol.org, pol.where, pol.rec.text,
			    dmarc_disp_str(pol.disp));
		break;
	case DMARC_ABSENT:
		kt_warn("%s has no DMARC record (TXT at _dmarc.%s%s%s, "
			"\"v=DMARC1; p=none; ...\")",
		    domain, domain,
		    strcmp(pol.org, domain) != 0 ? ", none at _dmarc." : "",
		    strcmp(pol.org, domain) != 0 ? pol.org : "");
		break;
	case DMARC_TEMPERROR:
		kt_warn("%s: DMARC not checked: %s", domain, pol.error);
		break;
	default: /* invalid, several records: receivers apply none */
		kt_warn("%s: DMARC: %s: receivers apply no policy (doctor %s "
			"shows the record to publish)",
		    domain, pol.error, domain);
		break;
	}
}

/* policy_warnings - SPF, DMARC, short RSA keys */
static void
policy_warnings(struct kt_dns *d, const struct row *r, size_t n)
{
	struct spf_dns dns = kt_dns_spf(d);
	guard_psl *psl = NULL;
	char err[256];

	/* without the list the last two labels make the org. domain */
	(void)guard_psl_load(GUARD_PSL_PATH, &psl, err, sizeof err);
	for (size_t i = 0; i < n; i++) {
		if (r[i].pc.bits > 0 && r[i].pc.bits < 2048)
			kt_warn("%s: RSA key of %u bits: use 2048 bits "
				"(rotate start -d %s -b 2048)",
			    r[i].pc.name, r[i].pc.bits, r[i].domain);
		if (seen_domain(r, i))
			continue;
		if (d->res != NULL)
			spf_warning(&dns, r[i].domain);
		else if (kt_dns_has(d, r[i].domain, "v=spf1") == 0)
			kt_warn("%s has no SPF record (TXT \"v=spf1 ...\")",
			    r[i].domain);
		dmarc_warning(&dns, psl, r[i].domain);
	}
	guard_psl_free(psl);
}

/* run_rows - check every row, print, warn; the exit code */
static int
run_rows(const struct kt_conf *c, struct row *r, size_t n)
{
	struct kt_dns d;
	int bad = 0;

	if (kt_dns_open(c, &d) < 0)
		return KT_EXIT_USAGE;
	for (size_t i = 0; i < n; i++) {
		if (kt_pubcheck_run(&d, r[i].domain, r[i].selector, r[i].file,
			&r[i].pc) < 0) {
			kt_dns_close(&d);
			return KT_EXIT_USAGE;
		}
		kt_pubcheck_fix(&r[i].pc, r[i].fix, sizeof r[i].fix);
		bad += !kt_pubcheck_ok(&r[i].pc);
	}
	print_table(r, n);
	policy_warnings(&d, r, n);
	kt_dns_close(&d);
	if (bad)
		printf("\n%d of %zu key(s) not publishable as they are.\n", bad,
		    n);
	return bad ? KT_EXIT_FAIL : KT_EXIT_OK;
}

/* wanted - does the key match -d/-s? */
static int
wanted(const struct kt_key *k, const struct checkopt *o)
{
	if (strcmp(k->domain, "%") == 0)
		return 0; /* signs as the matched domain: no one name */
	if (o->domain != NULL && strcasecmp(k->domain, o->domain) != 0)
		return 0;
	return o->selector == NULL || strcmp(k->selector, o->selector) == 0;
}

/* check_tables - rows from the key table */
static int
check_tables(struct kt_conf *c, const struct checkopt *o)
{
	struct kt_keyset ks;
	struct row *r;
	size_t n = 0;
	int rc;

	if (kt_keyset_load(&ks, c) < 0)
		return KT_EXIT_USAGE;
	if ((r = calloc(ks.nkey + 1, sizeof *r)) == NULL) {
		kt_keyset_free(&ks);
		return KT_EXIT_USAGE;
	}
	for (size_t i = 0; i < ks.nkey; i++)
		if (wanted(&ks.key[i], o)) {
			r[n].domain = ks.key[i].domain;
			r[n].selector = ks.key[i].selector;
			r[n++].file = ks.key[i].file;
		}
	if (n == 0) {
		kt_err("%s: no key for %s%s%s", ks.kt.path,
		    o->domain ? o->domain : "any domain",
		    o->selector ? " selector " : "",
		    o->selector ? o->selector : "");
		rc = KT_EXIT_USAGE;
	} else
		rc = run_rows(c, r, n);
	for (size_t i = 0; i < n; i++)
		kt_pubcheck_clear(&r[i].pc);
	free(r);
	kt_keyset_free(&ks);
	return rc;
}

/* kt_cmd_check - the check command */
int
kt_cmd_check(int argc, char **argv, struct kt_conf *c)
{
	static const struct option lo[] = {{"all", no_argument, NULL, 'a'},
	    KT_COMMON_LONG, {NULL, 0, NULL, 0}};
	struct checkopt o = {NULL, NULL, NULL};
	struct row r;
	int ch, all = 0, rc;

	while ((ch = getopt_long(argc, argv, "d:s:k:" KT_COMMON_SHORT, lo,
		    NULL)) != -1) {
		switch (ch) {
		case 'd':
			o.domain = optarg;
			break;
		case 's':
			o.selector = optarg;
			break;
		case 'k':
			o.keyfile = optarg;
			break;
		case 'a':
			all = 1;
			break;
		default:
			if (kt_common_opt(ch, optarg, c) == 1)
				break;
			kt_err("usage: check [-d DOMAIN [-s SELECTOR "
			       "[-k KEYFILE]] | --all]");
			return KT_EXIT_USAGE;
		}
	}
	if (optind != argc || (all && o.domain != NULL) ||
	    (o.selector != NULL && o.domain == NULL) ||
	    (o.keyfile != NULL && o.selector == NULL)) {
		kt_err("usage: check [-d DOMAIN [-s SELECTOR [-k KEYFILE]] | "
		       "--all]");
		return KT_EXIT_USAGE;
	}
	if (kt_conf_load(c) < 0)
		return KT_EXIT_USAGE;
	if (o.keyfile == NULL)
		return check_tables(c, &o);
	memset(&r, 0, sizeof r);
	r.domain = o.domain;
	r.selector = o.selector;
	r.file = o.keyfile;
	rc = run_rows(c, &r, 1);
	kt_pubcheck_clear(&r.pc);
	return rc;
}
