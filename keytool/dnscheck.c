/*
 * dnscheck.c - the milter's DNS stack and guard, used from the keytool.
 *
 * DESCRIPTION
 *	kt_dns_open() builds what the milter builds at start-up from the same
 *	options: the resolver (Nameservers, DNSTimeout, DNSRetries) or the
 *	TestKeys dns.tsv file, a cache, and a guard.  kt_pubcheck_run() asks
 *	the guard to check one key now (guard_check: a real query, never a
 *	cached answer), so "check" and "rotate activate" judge a record
 *	exactly as the running milter will.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keytool.h"
#include "common/dns/dnscache.h"
#include "common/dns/lookup_dns.h"
#include "common/guard/guard.h"
#include "common/dns/resolver.h"
#include "common/spf/spf_dns_resolver.h"

/* open_backend - TestKeys file, or the resolver */
static int
open_backend(const struct kt_conf *c, struct kt_dns *d)
{
	char err[256] = "";

	if (c->testkeys != NULL) {
		if (dkim_lookup_file_open(c->testkeys, &d->lf, err,
			sizeof err) != DKIM_OK) {
			kt_err("TestKeys %s: %s", c->testkeys, err);
			return -1;
		}
		d->backend = dkim_lookup_file_iface(d->lf);
		return 0;
	}
	if (kt_resolver_open(c, &d->res) < 0)
		return -1;
	d->backend = resolver_iface(d->res);
	return 0;
}

/* kt_resolver_open - the resolver alone (Nameservers, DNSTimeout, ...) */
int
kt_resolver_open(const struct kt_conf *c, struct resolver **out)
{
	struct resolver_conf rc;
	char err[256] = "";

	resolver_conf_init(&rc);
	if (c->dns_timeout_ms > 0)
		rc.timeout_ms = c->dns_timeout_ms;
	rc.retries = c->dns_retries;
	if ((c->nameservers != NULL &&
		resolver_conf_add_list(&rc, c->nameservers, err, sizeof err) <
		    0) ||
	    resolver_new(&rc, out, err, sizeof err) < 0) {
		kt_err("Nameservers: %s", err);
		return -1;
	}
	return 0;
}

/* kt_dns_open - resolver or file, cache, guard */
int
kt_dns_open(const struct kt_conf *c, struct kt_dns *d)
{
	struct dnscache_conf cc;
	struct guard_conf gc;

	memset(d, 0, sizeof *d);
	if (open_backend(c, d) < 0)
		return -1;
	dnscache_conf_init(&cc);
	cc.temp_ttl = 0;
	if (d->res != NULL) /* failures worded as the milter words them */
		cc.why_query = lookup_dns_why_query;
	if (dnscache_new(&cc, d->backend, &d->cache) != DKIM_OK) {
		kt_err("out of memory");
		kt_dns_close(d);
		return -1;
	}
	guard_conf_init(&gc);
	gc.cache = d->cache;
	gc.log = NULL;
	gc.psl_path = "";
	if (guard_new(&gc, &d->g) != DKIM_OK) {
		kt_err("out of memory");
		kt_dns_close(d);
		return -1;
	}
	return 0;
}

/* kt_dns_close - release in reverse order */
void
kt_dns_close(struct kt_dns *d)
{
	guard_free(d->g);
	dnscache_free(d->cache);
	resolver_free(d->res);
	dkim_lookup_file_free(d->lf);
	memset(d, 0, sizeof *d);
}

/* kt_dns_has - is there a TXT record at name starting with prefix? */
int
kt_dns_has(struct kt_dns *d, const char *name, const char *prefix)
{
	dkim_txt_answer ans;
	int found = 0;

	memset(&ans, 0, sizeof ans);
	if (d->backend.query(d->backend.ctx, name, &ans) != DKIM_OK)
		return -1;
	if (ans.status == DKIM_DNS_SERVFAIL || ans.status == DKIM_DNS_TIMEOUT)
		found = -1;
	for (size_t i = 0; found == 0 && i < ans.count; i++)
		if (strncasecmp(ans.txt[i], prefix, strlen(prefix)) == 0)
			found = 1;
	dkim_txt_answer_clear(&ans);
	return found;
}

/* txt_backend - TXT through the TestKeys file (or the resolver) */
static int
txt_backend(void *ctx, const char *name, struct spf_rrset *out)
{
	struct kt_dns *d = ctx;
	dkim_txt_answer ans;
	size_t i;
	int rc = 0;

	memset(out, 0, sizeof *out);
	memset(&ans, 0, sizeof ans);
	out->status = SPF_DNS_TEMPFAIL;
	if (d->backend.query(d->backend.ctx, name, &ans) != DKIM_OK)
		return 0;
	for (i = 0; i < ans.count && rc == 0; i++)
		rc = spf_rrset_add(out, ans.txt[i], strlen(ans.txt[i]));
	out->status = ans.status == DKIM_DNS_OK ? SPF_DNS_OK :
	    ans.status == DKIM_DNS_NXDOMAIN     ? SPF_DNS_NXDOMAIN :
	    ans.status == DKIM_DNS_NODATA       ? SPF_DNS_NODATA :
						  SPF_DNS_TEMPFAIL;
	dkim_txt_answer_clear(&ans);
	if (rc < 0)
		spf_rrset_clear(out);
	return rc;
}

/* no_file_answer - TestKeys files hold TXT only: anything else fails */
static int
no_file_answer(void *ctx, const char *name, struct spf_rrset *out)
{
	(void)ctx;
	(void)name;
	memset(out, 0, sizeof *out);
	out->status = SPF_DNS_TEMPFAIL;
	return 0;
}

/* kt_dns_spf - the SPF/DMARC lookups over the same DNS */
struct spf_dns
kt_dns_spf(struct kt_dns *d)
{
	struct spf_dns dns = {txt_backend, no_file_answer, no_file_answer,
	    no_file_answer, no_file_answer, d};

	return d->res != NULL ? spf_dns_resolver(d->res) : dns;
}

/* nokey - the key file cannot be used: say why */
static void
nokey(struct kt_pubcheck *pc, const char *keyfile, const char *err)
{
	pc->state = -1;
	snprintf(pc->state_str, sizeof pc->state_str, "nokey");
	snprintf(pc->problem, sizeof pc->problem, "key file %s: %s", keyfile,
	    err);
}

/* guard_run - register the key with the guard and check it now */
static int
guard_run(struct kt_dns *d, const char *domain, const char *selector,
    dkim_key *key, struct kt_pubcheck *pc)
{
	struct guard_info info;
	guard_entry *e;

	e = guard_add_key(d->g, domain, selector, key, GUARD_ACT_TEMPFAIL);
	if (e == NULL) {
		kt_err("out of memory");
		return -1;
	}
	pc->state = (int)guard_check(e);
	guard_entry_info(e, &info);
	snprintf(pc->state_str, sizeof pc->state_str, "%s",
	    guard_state_str(info.state));
	snprintf(pc->problem, sizeof pc->problem, "%s", info.problem);
	if (info.state != GUARD_VALID && guard_fix(e, &pc->zone) != DKIM_OK)
		pc->zone = NULL;
	return 0;
}

/* kt_pubcheck_run - check (domain, selector, key file) against DNS */
int
kt_pubcheck_run(struct kt_dns *d, const char *domain, const char *selector,
    const char *keyfile, struct kt_pubcheck *pc)
{
	char err[256] = "";
	dkim_key *key = NULL;
	int rc;

	memset(pc, 0, sizeof *pc);
	snprintf(pc->name, sizeof pc->name, "%s._domainkey.%s", selector,
	    domain);
	if (dkim_key_from_file(keyfile, &key, err, sizeof err) != DKIM_OK) {
		nokey(pc, keyfile, err[0] ? err : "cannot load");
		return 0;
	}
	pc->type = dkim_key_type(key);
	pc->bits = pc->type == DKIM_KEY_RSA ? dkim_key_bits(key) : 0;
	rc = guard_run(d, domain, selector, key, pc);
	dkim_key_free(key);
	return rc;
}

/* kt_pubcheck_ok - published and matching */
int
kt_pubcheck_ok(const struct kt_pubcheck *pc)
{
	return pc->state == GUARD_VALID;
}

/* kt_pubcheck_temp - a temporary DNS failure: try again later */
int
kt_pubcheck_temp(const struct kt_pubcheck *pc)
{
	return pc->state == GUARD_TEMPERROR;
}

/* kt_pubcheck_fix - what the operator has to do, in one line */
const char *
kt_pubcheck_fix(const struct kt_pubcheck *pc, char *buf, size_t len)
{
	switch (pc->state) {
	case GUARD_VALID:
		snprintf(buf, len, "-");
		break;
	case -1:
		snprintf(buf, len, "restore or regenerate the key file");
		break;
	case GUARD_MISSING:
		snprintf(buf, len, "publish the record below at %s", pc->name);
		break;
	case GUARD_TEMPERROR:
		snprintf(buf, len,
		    "make the nameservers answer for %s, then "
		    "check again",
		    pc->name);
		break;
	default:
		snprintf(buf, len,
		    "replace the TXT record at %s with the "
		    "record below",
		    pc->name);
		break;
	}
	return buf;
}

/* kt_pubcheck_clear - release the fix text */
void
kt_pubcheck_clear(struct kt_pubcheck *pc)
{
	free(pc->zone);
	pc->zone = NULL;
}
