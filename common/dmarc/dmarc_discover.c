/*
 * dmarc_discover.c - DMARC policy discovery (RFC 7489 6.6.3) with the
 *		      organizational-domain fallback, and identifier
 *		      alignment (RFC 7489 3.1).
 *
 * EXPORTS
 *	dmarc_discover, dmarc_aligned
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dmarc.h"

/* lower - a lower-case copy without the final dot; -1 if it cannot be */
static int
lower(const char *name, char *buf, size_t len)
{
	size_t i, n = strlen(name);

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0 || n >= len)
		return -1;
	for (i = 0; i < n; i++) {
		if ((unsigned char)name[i] <= 0x20 || name[i] == 0x7f)
			return -1;
		buf[i] = (char)tolower((unsigned char)name[i]);
	}
	buf[n] = '\0';
	return 0;
}

/*
 * is_dmarc - the record starts with a v= tag naming DMARC1 (6.6.3 step
 * 2: others are discarded).
 */
static int
is_dmarc(const char *txt)
{
	const char *p = txt + strspn(txt, " \t");

	if (*p != 'v' && *p != 'V')
		return 0;
	p += 1 + strspn(p + 1, " \t");
	if (*p != '=')
		return 0;
	p += 1 + strspn(p + 1, " \t");
	if (strncasecmp(p, "DMARC1", 6) != 0)
		return 0;
	p += 6;
	p += strspn(p, " \t");
	return *p == '\0' || *p == ';';
}

enum ask_rc {
	ASK_FOUND,
	ASK_NONE,
	ASK_ERROR /* out->status and out->error are set */
};

/* ask - the DMARC record at _dmarc.name into out */
static enum ask_rc
ask(const struct spf_dns *dns, const char *name, struct dmarc_policy *out)
{
	struct spf_rrset set;
	char q[270];
	size_t i, found = 0, which = 0;

	snprintf(q, sizeof q, "_dmarc.%s", name);
	if (dns->txt(dns->ctx, q, &set) < 0) {
		out->status = DMARC_TEMPERROR;
		snprintf(out->error, sizeof out->error, "%s: out of memory", q);
		return ASK_ERROR;
	}
	if (set.status == SPF_DNS_TEMPFAIL) {
		spf_rrset_clear(&set);
		out->status = DMARC_TEMPERROR;
		snprintf(out->where, sizeof out->where, "%s", q);
		snprintf(out->error, sizeof out->error,
		    "TXT %s: temporary DNS failure", q);
		return ASK_ERROR;
	}
	for (i = 0; set.status == SPF_DNS_OK && i < set.count; i++)
		if (is_dmarc(set.rr[i]) && found++ == 0)
			which = i;
	if (found == 0) {
		spf_rrset_clear(&set);
		return ASK_NONE;
	}
	snprintf(out->where, sizeof out->where, "%s", q);
	if (found > 1) {
		spf_rrset_clear(&set);
		out->status = DMARC_MULTIPLE;
		snprintf(out->error, sizeof out->error,
		    "%s has %zu DMARC records: receivers then apply none "
		    "(RFC 7489 6.6.3); keep one",
		    q, found);
		return ASK_ERROR;
	}
	if (dmarc_record_parse(set.rr[which], &out->rec) < 0) {
		out->status = DMARC_INVALID;
		snprintf(out->error, sizeof out->error, "%s: %.200s", q,
		    out->rec.error);
	} else
		out->status = DMARC_FOUND;
	spf_rrset_clear(&set);
	return ASK_FOUND;
}

/* dmarc_discover - own record, else the organizational domain's */
int
dmarc_discover(const struct spf_dns *dns, const guard_psl *psl,
    const char *domain, struct dmarc_policy *out)
{
	enum ask_rc rc;

	memset(out, 0, sizeof *out);
	if (lower(domain, out->domain, sizeof out->domain) < 0 ||
	    guard_orgdomain(psl, out->domain, out->org, sizeof out->org) < 0) {
		out->status = DMARC_INVALID;
		snprintf(out->error, sizeof out->error, "not a domain name");
		return -1;
	}
	rc = ask(dns, out->domain, out);
	if (rc == ASK_NONE && strcmp(out->org, out->domain) != 0) {
		/* 6.6.3 step 3: the organizational domain's record */
		rc = ask(dns, out->org, out);
		out->inherited = rc != ASK_NONE;
	}
	if (rc == ASK_NONE) {
		out->status = DMARC_ABSENT;
		return 0;
	}
	if (out->status == DMARC_FOUND)
		out->disp = out->inherited ? out->rec.sp : out->rec.p;
	return out->status == DMARC_TEMPERROR && out->where[0] == '\0' ? -1 : 0;
}

/* dmarc_aligned - RFC 7489 3.1.1 (DKIM) and 3.1.2 (SPF) */
int
dmarc_aligned(const guard_psl *psl, enum dmarc_mode mode, const char *id,
    const char *from)
{
	char a[256], b[256];

	/* relaxed: the milter's own rule, so both judge alike */
	if (mode == DMARC_RELAXED)
		return guard_psl_aligned(psl, id, from);
	if (lower(id, a, sizeof a) < 0 || lower(from, b, sizeof b) < 0)
		return 0;
	return strcmp(a, b) == 0;
}
