/*
 * spf_eval.c - check_host() (RFC 7208 4): the domain checks, record
 *		selection, the walk over the directives, redirect= and
 *		exp=, and the verdict.
 *
 * DESCRIPTION
 *	spf_eval_domain is called for the <domain> asked, for every
 *	include: (top 0: its explanation and directive are not the
 *	verdict's) and for redirect= (top as the caller: the target's
 *	record replaces the current one, 6.1).  All of them share one
 *	count of DNS-querying terms and void lookups (4.6.4).
 *
 * EXPORTS
 *	spf_check_host (spf.h); spf_eval_domain, spf_env, spf_ask, spf_why,
 *	spf_printable (spf_int.h)
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "spf_int.h"

/* built-in explanation (6.2 leaves the text to the implementation) */
#define DEFAULT_EXP "%{c} is not authorised by the SPF record of %{d}"

/* spf_printable - replace what could forge a header or log line */
void
spf_printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

/* spf_why - keep the first reason; nothing unprintable reaches it */
void
spf_why(struct spf_eval *ev, const char *fmt, ...)
{
	char *r = ev->v->reason;
	va_list ap;

	if (r[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(r, sizeof ev->v->reason, fmt, ap);
	va_end(ap);
	spf_printable(r);
}

/* spf_ask - one question through the lookup interface */
void
spf_ask(struct spf_eval *ev, spf_dns_fn fn, const char *name,
    struct spf_rrset *set)
{
	memset(set, 0, sizeof *set);
	set->status = SPF_DNS_TEMPFAIL;
	if (fn == NULL)
		return;
	if (fn(ev->dns->ctx, name, set) < 0) {
		spf_rrset_clear(set);
		set->status = SPF_DNS_TEMPFAIL;
		ev->enomem = 1;
	}
}

/* spf_env - macro values with d = domain (7.3) */
void
spf_env(struct spf_eval *ev, const char *domain, struct spf_macro_env *env)
{
	memset(env, 0, sizeof *env);
	env->sender = ev->sender;
	env->local = ev->local;
	env->sdomain = ev->sdomain;
	env->domain = domain;
	env->helo = ev->rq->helo;
	env->receiver = ev->rq->receiver;
	env->ip = ev->ip;
	env->now = ev->rq->now ? ev->rq->now : time(NULL);
	env->pname = spf_ptr_name;
	env->pctx = ev;
}

/* exp_text - the TXT of exp= expanded, or -1 to use the default (6.2) */
static int
exp_text(struct spf_eval *ev, const struct spf_record *rec,
    const struct spf_macro_env *env, char *out, size_t len)
{
	char name[SPF_EXPAND_MAX];
	struct spf_rrset set;
	const unsigned char *p;
	int rc = -1;

	if (rec->exp == NULL ||
	    spf_macro_expand(rec->exp, 0, env, name, sizeof name) < 0)
		return -1;
	spf_ask(ev, ev->dns->txt, name, &set);
	/* exactly one record, ASCII only; otherwise as if no exp= */
	if (set.status == SPF_DNS_OK && set.total == 1 && set.count == 1) {
		for (p = (const unsigned char *)set.rr[0]; *p; p++)
			if (*p < 0x20 || *p > 0x7e)
				break;
		if (*p == '\0')
			rc = spf_macro_expand(set.rr[0], 1, env, out, len);
	}
	spf_rrset_clear(&set);
	return rc;
}

/* explain - the explanation of a fail from rec (6.2) */
static void
explain(struct spf_eval *ev, const struct spf_record *rec, const char *domain)
{
	struct spf_macro_env env;
	char *out = ev->v->explanation;
	size_t len = sizeof ev->v->explanation;
	const char *def =
	    ev->rq->default_exp ? ev->rq->default_exp : DEFAULT_EXP;

	spf_env(ev, domain, &env);
	if (exp_text(ev, rec, &env, out, len) < 0 &&
	    spf_macro_expand(def, 1, &env, out, len) < 0)
		strlcpy(out, def, len);
	spf_printable(out);
}

/* fetch - select and parse the one SPF record of domain (4.4, 4.5) */
static enum spf_result
fetch(struct spf_eval *ev, const char *domain, struct spf_record *rec)
{
	char err[SPF_TEXT_MAX];
	struct spf_rrset set;
	const char *txt = NULL;
	size_t i, n = 0;
	int rc;

	spf_ask(ev, ev->dns->txt, domain, &set);
	if (set.status == SPF_DNS_TEMPFAIL) {
		spf_why(ev, "DNS error looking up TXT at %s", domain);
		spf_rrset_clear(&set);
		return SPF_TEMPERROR;
	}
	for (i = 0; i < set.count; i++)
		if (spf_record_is_spf(set.rr[i])) {
			txt = set.rr[i];
			n++;
		}
	if (n != 1) {
		spf_rrset_clear(&set);
		if (n == 0)
			spf_why(ev, "no SPF record at %s", domain);
		else
			spf_why(ev, "%zu SPF records at %s (RFC 7208 4.5)", n,
			    domain);
		return n == 0 ? SPF_NONE : SPF_PERMERROR;
	}
	rc = spf_record_parse(txt, rec, err, sizeof err);
	spf_rrset_clear(&set);
	if (rc == -2)
		ev->enomem = 1;
	if (rc < 0) {
		spf_why(ev, "%s: %s", domain, err);
		return rc == -2 ? SPF_TEMPERROR : SPF_PERMERROR;
	}
	return SPF_PASS; /* a record to evaluate */
}

/* decided - the verdict's directive and domain, when it is ours */
static void
decided(struct spf_eval *ev, int top, const char *text, const char *domain)
{
	if (!top)
		return;
	strlcpy(ev->v->mechanism, text, sizeof ev->v->mechanism);
	strlcpy(ev->v->domain, domain, sizeof ev->v->domain);
	spf_printable(ev->v->domain);
}

/* redirect - 6.1: check_host() at the target; none there is permerror */
static enum spf_result
redirect(struct spf_eval *ev, const struct spf_record *rec, const char *domain,
    int top)
{
	struct spf_macro_env env;
	char name[SPF_EXPAND_MAX];
	enum spf_result r;

	decided(ev, top, rec->redirect_text, domain);
	if (spf_count_term(ev, rec->redirect_text) < 0)
		return SPF_PERMERROR;
	spf_env(ev, domain, &env);
	if (spf_macro_expand(rec->redirect, 0, &env, name, sizeof name) < 0 ||
	    !spf_domain_valid(name)) {
		spf_why(ev, "%s: malformed target", rec->redirect_text);
		return SPF_PERMERROR;
	}
	if ((r = spf_eval_domain(ev, name, top)) == SPF_NONE) {
		spf_why(ev, "%s: no SPF record at %s", rec->redirect_text,
		    name);
		return SPF_PERMERROR;
	}
	return r;
}

/* walk - the directives left to right (4.6.2); -1: none matched */
static int
walk(struct spf_eval *ev, const struct spf_record *rec, const char *domain,
    int top, enum spf_result *r)
{
	const struct spf_term *t;
	size_t i;

	for (i = 0; i < rec->nterms; i++) {
		t = &rec->terms[i];
		switch (spf_mech_eval(ev, t, domain)) {
		case SPF_NOMATCH:
			continue;
		case SPF_MATCH:
			*r = t->qual;
			break;
		case SPF_MTEMP:
			*r = SPF_TEMPERROR;
			break;
		case SPF_MPERM:
			*r = SPF_PERMERROR;
			break;
		}
		decided(ev, top, t->text, domain);
		return 0;
	}
	return -1;
}

/* spf_eval_domain - check_host() for one <domain> (4.3 to 4.7) */
enum spf_result
spf_eval_domain(struct spf_eval *ev, const char *domain, int top)
{
	struct spf_record rec;
	enum spf_result r;

	if (!spf_domain_valid(domain)) {
		spf_why(ev, "\"%s\" is not a valid domain (RFC 7208 4.3)",
		    domain);
		return SPF_NONE;
	}
	if ((r = fetch(ev, domain, &rec)) != SPF_PASS)
		return r;
	if (walk(ev, &rec, domain, top, &r) == 0) {
		if (r == SPF_FAIL && top)
			explain(ev, &rec, domain);
	} else if (rec.redirect != NULL)
		r = redirect(ev, &rec, domain, top);
	else {
		r = SPF_NEUTRAL; /* 4.7: no match, no redirect */
		decided(ev, top, "", domain);
	}
	spf_record_free(&rec);
	return r;
}

/* set_sender - <sender> with postmaster for a missing local-part (4.3) */
static int
set_sender(struct spf_eval *ev, const struct spf_request *rq, char *buf,
    size_t len)
{
	const char *s = rq->sender, *at;
	size_t n;

	if (s == NULL || *s == '\0' || (at = strrchr(s, '@')) == NULL) {
		if ((size_t)snprintf(buf, len, "postmaster@%s", rq->domain) >=
		    len)
			return -1;
		s = buf;
	} else if (at == s) {
		if ((size_t)snprintf(buf, len, "postmaster%s", s) >= len)
			return -1;
		s = buf;
	}
	ev->sender = s;
	at = strrchr(s, '@');
	n = (size_t)(at - s);
	if (n >= sizeof ev->local ||
	    strlcpy(ev->sdomain, at + 1, sizeof ev->sdomain) >=
		sizeof ev->sdomain)
		return -1;
	memcpy(ev->local, s, n);
	ev->local[n] = '\0';
	return 0;
}

/* spf_check_host - see spf.h */
int
spf_check_host(const struct spf_dns *dns, const struct spf_request *rq,
    struct spf_verdict *out)
{
	struct spf_eval ev;
	char sbuf[SPF_EXPAND_MAX];

	memset(out, 0, sizeof *out);
	memset(&ev, 0, sizeof ev);
	ev.dns = dns;
	ev.rq = rq;
	ev.v = out;
	if (rq->domain == NULL || spf_ip_parse(rq->ip, &ev.ip) < 0 ||
	    set_sender(&ev, rq, sbuf, sizeof sbuf) < 0) {
		out->result = SPF_PERMERROR;
		spf_why(&ev, "bad request: client address, domain or sender");
		return 0;
	}
	out->result = spf_eval_domain(&ev, rq->domain, 1);
	if (ev.enomem) {
		out->result = SPF_TEMPERROR;
		spf_why(&ev, "out of memory");
		return -1;
	}
	return 0;
}
