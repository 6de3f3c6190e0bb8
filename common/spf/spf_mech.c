/*
 * spf_mech.c - the SPF mechanisms (RFC 7208 5): include, a, mx, ptr,
 *		ip4, ip6, exists and all, with the per-term limits of
 *		4.6.4 (10 MX names, 10 PTR names, 2 void lookups) and the
 *		PTR validation shared with the %{p} macro (5.5, 7.3).
 *
 * DESCRIPTION
 *	A DNS error (SERVFAIL, timeout) during a mechanism is a temperror
 *	(RFC 7208 5, 2.6.6), except in ptr and %{p}, where the name that
 *	failed is skipped (5.5).  A "void lookup" is a NOERROR answer
 *	without records or NXDOMAIN for the lookup a term asks first
 *	(a, mx, exists); the address lookups of each MX name do not
 *	count (they are bounded by the 10-name limit).
 *
 * EXPORTS
 *	spf_mech_eval, spf_count_term, spf_ptr_name (see spf_int.h)
 */
#include <string.h>

#include "spf_int.h"

/* spf_count_term - RFC 7208 4.6.4: at most 10 DNS-querying terms */
int
spf_count_term(struct spf_eval *ev, const char *text)
{
	if (++ev->v->dns_terms <= SPF_MAX_DNS_TERMS)
		return 0;
	spf_why(ev, "more than %d DNS-querying terms (RFC 7208 4.6.4) at %s",
	    SPF_MAX_DNS_TERMS, text);
	return -1;
}

/* void_lookup - one more void lookup; SPF_MPERM over the limit */
static enum spf_mres
void_lookup(struct spf_eval *ev, const char *name)
{
	if (++ev->v->void_lookups <= SPF_MAX_VOID)
		return SPF_NOMATCH;
	spf_why(ev, "more than %d void lookups (RFC 7208 4.6.4) at %s",
	    SPF_MAX_VOID, name);
	return SPF_MPERM;
}

/* queryable - a name DNS can carry: labels of 1..63, 253 in all */
static int
queryable(const char *name)
{
	size_t lab = 0, len = strlen(name), i;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > SPF_NAME_MAX - 1)
		return 0;
	for (i = 0; i <= len; i++) {
		if (i == len || name[i] == '.') {
			if (lab == 0 || lab > 63)
				return 0;
			lab = 0;
		} else
			lab++;
	}
	return 1;
}

/* target - the term's domain-spec expanded, or the current domain */
static int
target(struct spf_eval *ev, const struct spf_term *t, const char *domain,
    char *out, size_t len)
{
	struct spf_macro_env env;

	if (t->spec == NULL)
		return strlcpy(out, domain, len) < len ? 0 : -1;
	spf_env(ev, domain, &env);
	if (spf_macro_expand(t->spec, 0, &env, out, len) < 0) {
		spf_why(ev, "%s: macro expansion does not fit", t->text);
		return -1;
	}
	return 0;
}

/* addr_fn - A for an IPv4 client, AAAA for IPv6 (5.3, 5.4) */
static spf_dns_fn
addr_fn(const struct spf_eval *ev)
{
	return ev->ip.v6 ? ev->dns->aaaa : ev->dns->a;
}

/* any_match - one of the addresses of set is in the client's network */
static int
any_match(const struct spf_eval *ev, const struct spf_rrset *set, unsigned c4,
    unsigned c6)
{
	struct spf_ip a;
	size_t i;

	for (i = 0; i < set->count; i++)
		if (spf_ip_parse(set->rr[i], &a) == 0 &&
		    spf_ip_match(&ev->ip, &a, a.v6 ? c6 : c4))
			return 1;
	return 0;
}

/* addr_match - address lookup at name; *isvoid when it found nothing */
static enum spf_mres
addr_match(struct spf_eval *ev, const char *name, unsigned c4, unsigned c6,
    int *isvoid)
{
	struct spf_rrset set;
	enum spf_mres m = SPF_NOMATCH;

	*isvoid = 0;
	spf_ask(ev, addr_fn(ev), name, &set);
	if (set.status == SPF_DNS_TEMPFAIL) {
		spf_why(ev, "DNS error looking up the address of %s", name);
		m = SPF_MTEMP;
	} else if (set.status != SPF_DNS_OK || set.count == 0)
		*isvoid = 1;
	else if (any_match(ev, &set, c4, c6))
		m = SPF_MATCH;
	spf_rrset_clear(&set);
	return m;
}

/* mech_a - RFC 7208 5.3 */
static enum spf_mres
mech_a(struct spf_eval *ev, const struct spf_term *t, const char *name)
{
	enum spf_mres m;
	int isvoid;

	m = addr_match(ev, name, t->cidr4, t->cidr6, &isvoid);
	return isvoid ? void_lookup(ev, name) : m;
}

/* mx_names - the MX lookup of 5.4 with its void and 10-name rules */
static enum spf_mres
mx_names(struct spf_eval *ev, const char *name, struct spf_rrset *set)
{
	spf_ask(ev, ev->dns->mx, name, set);
	if (set->status == SPF_DNS_TEMPFAIL) {
		spf_why(ev, "DNS error looking up MX of %s", name);
		return SPF_MTEMP;
	}
	if (set->status != SPF_DNS_OK || set->total == 0)
		return void_lookup(ev, name) == SPF_MPERM ? SPF_MPERM :
							    SPF_NOMATCH;
	if (set->total > SPF_MAX_NAMES) {
		spf_why(ev,
		    "%s has %zu MX names, more than %d (RFC 7208 "
		    "4.6.4)",
		    name, set->total, SPF_MAX_NAMES);
		return SPF_MPERM;
	}
	return SPF_MATCH; /* names to look at */
}

/* mech_mx - RFC 7208 5.4 */
static enum spf_mres
mech_mx(struct spf_eval *ev, const struct spf_term *t, const char *name)
{
	struct spf_rrset set;
	enum spf_mres m;
	size_t i;
	int isvoid;

	if ((m = mx_names(ev, name, &set)) == SPF_MATCH) {
		m = SPF_NOMATCH;
		for (i = 0; i < set.count && m == SPF_NOMATCH; i++)
			if (queryable(set.rr[i])) /* "." is RFC 7505 */
				m = addr_match(ev, set.rr[i], t->cidr4,
				    t->cidr6, &isvoid);
	}
	spf_rrset_clear(&set);
	return m;
}

/* validates - a forward lookup of name gives the client address (5.5) */
static int
validates(struct spf_eval *ev, const char *name)
{
	struct spf_rrset set;
	int ok;

	if (!queryable(name))
		return 0;
	spf_ask(ev, addr_fn(ev), name, &set);
	ok = set.status == SPF_DNS_OK && any_match(ev, &set, 32, 128);
	spf_rrset_clear(&set);
	return ok;
}

/*
 * validated - the client's PTR names whose addresses include it, from
 * the first 10 PTR names only (4.6.4, 5.5); DNS errors skip a name.
 * Looked up once per check_host() run: ptr terms and %{p} share them.
 */
static size_t
validated(struct spf_eval *ev)
{
	struct spf_rrset set;
	char rev[SPF_NAME_MAX];
	size_t i;

	if (ev->pdone)
		return ev->npnames;
	ev->pdone = 1;
	spf_ip_reverse(&ev->ip, rev, sizeof rev);
	spf_ask(ev, ev->dns->ptr, rev, &set);
	for (i = 0;
	     set.status == SPF_DNS_OK && i < set.count && i < SPF_MAX_NAMES;
	     i++)
		if (validates(ev, set.rr[i]))
			strlcpy(ev->pnames[ev->npnames++], set.rr[i],
			    SPF_NAME_MAX);
	spf_rrset_clear(&set);
	return ev->npnames;
}

/* mech_ptr - RFC 7208 5.5: a validated name under the target */
static enum spf_mres
mech_ptr(struct spf_eval *ev, const char *name)
{
	size_t n = validated(ev), i;

	for (i = 0; i < n; i++)
		if (spf_domain_under(ev->pnames[i], name))
			return SPF_MATCH;
	return SPF_NOMATCH;
}

/* strip_dot - a name without its final dot */
static void
strip_dot(char *out, const char *name, size_t len)
{
	size_t n;

	strlcpy(out, name, len);
	if ((n = strlen(out)) > 1 && out[n - 1] == '.')
		out[n - 1] = '\0';
}

/* spf_ptr_name - %{p}: domain itself, else a subdomain, else any (7.3) */
void
spf_ptr_name(void *ctx, const char *domain, char *out, size_t len)
{
	struct spf_eval *ev = ctx;
	char(*names)[SPF_NAME_MAX] = ev->pnames;
	size_t n = validated(ev), i;
	int pass;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < n; i++)
			if (pass == 1 ?
				spf_domain_under(names[i], domain) :
				(spf_domain_under(names[i], domain) &&
				    spf_domain_under(domain, names[i]))) {
				strip_dot(out, names[i], len);
				return;
			}
	if (n > 0)
		strip_dot(out, names[0], len);
	else
		strlcpy(out, "unknown", len);
}

/* mech_include - RFC 7208 5.2: the table of results */
static enum spf_mres
mech_include(struct spf_eval *ev, const struct spf_term *t, const char *name)
{
	switch (spf_eval_domain(ev, name, 0)) {
	case SPF_PASS:
		return SPF_MATCH;
	case SPF_FAIL:
	case SPF_SOFTFAIL:
	case SPF_NEUTRAL:
		return SPF_NOMATCH;
	case SPF_TEMPERROR:
		return SPF_MTEMP;
	case SPF_NONE:
		spf_why(ev, "%s: %s has no SPF record", t->text, name);
		return SPF_MPERM;
	case SPF_PERMERROR:
		break;
	}
	return SPF_MPERM;
}

/* mech_exists - RFC 7208 5.7: any A record (even for IPv6 clients) */
static enum spf_mres
mech_exists(struct spf_eval *ev, const char *name)
{
	struct spf_rrset set;
	enum spf_mres m = SPF_NOMATCH;

	spf_ask(ev, ev->dns->a, name, &set);
	if (set.status == SPF_DNS_TEMPFAIL) {
		spf_why(ev, "DNS error looking up the address of %s", name);
		m = SPF_MTEMP;
	} else if (set.status != SPF_DNS_OK || set.count == 0)
		m = void_lookup(ev, name);
	else
		m = SPF_MATCH;
	spf_rrset_clear(&set);
	return m;
}

/* spf_mech_eval - one directive's mechanism against the client */
enum spf_mres
spf_mech_eval(struct spf_eval *ev, const struct spf_term *t, const char *domain)
{
	char name[SPF_EXPAND_MAX];

	switch (t->mech) {
	case SPF_M_ALL:
		return SPF_MATCH;
	case SPF_M_IP4:
	case SPF_M_IP6:
		return spf_ip_match(&ev->ip, &t->net,
			   t->net.v6 ? t->cidr6 : t->cidr4) ?
		    SPF_MATCH :
		    SPF_NOMATCH;
	default:
		break;
	}
	if (spf_count_term(ev, t->text) < 0)
		return SPF_MPERM;
	if (target(ev, t, domain, name, sizeof name) < 0)
		return SPF_MPERM;
	if (t->mech == SPF_M_INCLUDE)
		return mech_include(ev, t, name);
	if (!queryable(name))
		return SPF_NOMATCH; /* nothing DNS could answer */
	switch (t->mech) {
	case SPF_M_A:
		return mech_a(ev, t, name);
	case SPF_M_MX:
		return mech_mx(ev, t, name);
	case SPF_M_PTR:
		return mech_ptr(ev, name);
	case SPF_M_EXISTS:
		return mech_exists(ev, name);
	default:
		return SPF_MPERM;
	}
}
