/*
 * readiness.c - the printing of results, the DMARC section and the
 *		 Outlook verdict (see readiness.h).
 *
 * EXPORTS
 *	readiness_init, readiness_domain, readiness_line, readiness_more,
 *	readiness_publish, readiness_section, readiness_dmarc,
 *	readiness_dmarc_fixed, readiness_outlook
 */
#include <stdarg.h>
#include <string.h>

#include "readiness.h"
#include "common/spf/spf_dns_resolver.h"
#include "util/strbuf.h"

/* readiness_init - no domain yet; DNS through res */
void
readiness_init(struct readiness *r, FILE *out, resolver *res,
    const guard_psl *psl)
{
	memset(r, 0, sizeof *r);
	r->out = out;
	r->indent = "";
	r->ip_hint = "give --ip";
	r->res = res;
	if (res != NULL)
		r->dns = spf_dns_resolver(res);
	r->psl = psl;
}

/* readiness_domain - the names to check; findings cleared */
int
readiness_domain(struct readiness *r, const char *domain, const char *mailfrom)
{
	if (mailfrom == NULL)
		mailfrom = domain;
	if (strlen(domain) >= sizeof r->domain ||
	    strlen(mailfrom) >= sizeof r->mailfrom)
		return -1;
	snprintf(r->domain, sizeof r->domain, "%s", domain);
	snprintf(r->mailfrom, sizeof r->mailfrom, "%s", mailfrom);
	r->fails = 0;
	memset(&r->pol, 0, sizeof r->pol);
	r->spf_pass_all = r->spf_aligned = 0;
	r->dkim_pass = r->dkim_aligned = r->dkim_strict_only = 0;
	r->dkim_d[0] = '\0';
	return 0;
}

/* readiness_line - one result line: WORD (ok, FAIL, WARN) and text */
void
readiness_line(struct readiness *r, const char *word, const char *fmt, ...)
{
	va_list ap;

	if (strcmp(word, "FAIL") == 0)
		r->fails++;
	fprintf(r->out, "%s  %-4s  ", r->indent, word);
	va_start(ap, fmt);
	vfprintf(r->out, fmt, ap);
	va_end(ap);
	fputc('\n', r->out);
}

/* readiness_more - a line under the last result */
void
readiness_more(struct readiness *r, const char *fmt, ...)
{
	va_list ap;

	fprintf(r->out, "%s        ", r->indent);
	va_start(ap, fmt);
	vfprintf(r->out, fmt, ap);
	va_end(ap);
	fputc('\n', r->out);
}

/* readiness_publish - the record that fixes the line above */
void
readiness_publish(struct readiness *r, const char *name, const char *type,
    const char *value)
{
	if (strcmp(type, "TXT") == 0)
		readiness_more(r, "publish: %s. IN TXT \"%s\"", name, value);
	else
		readiness_more(r, "publish: %s. IN %s %s", name, type, value);
}

/* readiness_section - a heading */
void
readiness_section(struct readiness *r, const char *name)
{
	fprintf(r->out, "%s%s\n", r->indent, name);
}

/* ---- DMARC --------------------------------------------------------- */

/* readiness_dmarc_fixed - the record to publish at _dmarc.DOMAIN */
void
readiness_dmarc_fixed(const struct dmarc_policy *pol, int relax, char *buf,
    size_t len)
{
	const struct dmarc_record *r = &pol->rec;
	int have = pol->status == DMARC_FOUND;
	enum dmarc_disp p = have ? pol->disp : DMARC_DISP_NONE;

	snprintf(buf, len, "v=DMARC1; p=%s", dmarc_disp_str(p));
	if (have && !pol->inherited && r->has_sp)
		snprintf(buf + strlen(buf), len - strlen(buf), "; sp=%s",
		    dmarc_disp_str(r->sp));
	if (have && !relax && r->adkim == DMARC_STRICT)
		snprintf(buf + strlen(buf), len - strlen(buf), "; adkim=s");
	if (have && !relax && r->aspf == DMARC_STRICT)
		snprintf(buf + strlen(buf), len - strlen(buf), "; aspf=s");
	if (have && r->pct != 100)
		snprintf(buf + strlen(buf), len - strlen(buf), "; pct=%u",
		    r->pct);
	if ((have || pol->status == DMARC_INVALID) && r->rua[0])
		snprintf(buf + strlen(buf), len - strlen(buf), "; rua=%s",
		    r->rua);
}

/* dmarc_found - the policy that applies, own or inherited */
static void
dmarc_found(struct readiness *r)
{
	const struct dmarc_policy *p = &r->pol;

	if (p->inherited)
		readiness_line(r, "ok",
		    "%s: \"%s\": inherited from the organizational domain "
		    "%s: sp=%s applies to %s",
		    p->where, p->rec.text, p->org, dmarc_disp_str(p->disp),
		    r->domain);
	else
		readiness_line(r, "ok", "%s: \"%s\": p=%s applies to %s",
		    p->where, p->rec.text, dmarc_disp_str(p->disp), r->domain);
	readiness_more(r, "adkim=%s aspf=%s pct=%u",
	    dmarc_mode_str(p->rec.adkim), dmarc_mode_str(p->rec.aspf),
	    p->rec.pct);
	if (p->rec.p_from_rua)
		readiness_line(r, "WARN",
		    "%s: p= missing or wrong; receivers read it as p=none "
		    "because rua= is valid",
		    p->where);
}

/* readiness_dmarc - the policy for the domain, own or inherited */
void
readiness_dmarc(struct readiness *r)
{
	struct dmarc_policy *p = &r->pol;
	char rec[DMARC_TEXT_MAX + 64], name[280];

	readiness_section(r, "DMARC");
	snprintf(name, sizeof name, "_dmarc.%s", r->domain);
	dmarc_discover(&r->dns, r->psl, r->domain, p);
	switch (p->status) {
	case DMARC_FOUND:
		dmarc_found(r);
		return;
	case DMARC_ABSENT:
		if (strcmp(p->org, p->domain) != 0)
			readiness_line(r, "FAIL",
			    "no DMARC record at %s nor at _dmarc.%s", name,
			    p->org);
		else
			readiness_line(r, "FAIL", "no DMARC record at %s",
			    name);
		break;
	case DMARC_TEMPERROR:
		readiness_line(r, "FAIL", "%s; check again", p->error);
		return;
	case DMARC_MULTIPLE:
		readiness_line(r, "FAIL", "%s", p->error);
		readiness_more(r,
		    "fix: delete every DMARC record at %s but one", p->where);
		return;
	default:
		readiness_line(r, "FAIL", "%s: receivers ignore it", p->error);
		snprintf(name, sizeof name, "%s", p->where);
		break;
	}
	readiness_dmarc_fixed(p, 0, rec, sizeof rec);
	readiness_publish(r, name, "TXT", rec);
}

/* ---- the verdict --------------------------------------------------- */

/* outlook_why - what keeps the domain from Microsoft's rules */
static void
outlook_why(const struct readiness *r, struct strbuf *why)
{
	int dmarc = r->pol.status == DMARC_FOUND;
	int spf_ok = r->spf_pass_all && r->spf_aligned;
	int dkim_ok = r->dkim_pass && r->dkim_aligned;

	if (r->nip == 0)
		strbuf_printf(why, "; SPF not checked (%s)", r->ip_hint);
	else if (!r->spf_pass_all)
		strbuf_printf(why, "; SPF does not pass for every address");
	if (!r->dkim_pass)
		strbuf_printf(why, "; no DKIM key passes");
	if (!dmarc)
		strbuf_printf(why, "; no DMARC policy applies to %s",
		    r->domain);
	if (!spf_ok && !dkim_ok && (r->spf_pass_all || r->dkim_pass))
		strbuf_printf(why,
		    "; neither SPF (%s, aspf=%s) nor DKIM (d=%s, adkim=%s) "
		    "aligns with %s",
		    r->mailfrom,
		    dmarc_mode_str(dmarc ? r->pol.rec.aspf : DMARC_RELAXED),
		    r->dkim_d[0] ? r->dkim_d : "-",
		    dmarc_mode_str(dmarc ? r->pol.rec.adkim : DMARC_RELAXED),
		    r->domain);
}

/*
 * meets_outlook - the domain's findings through dmarc_verdict, the rule
 * each outgoing message is judged by, so that the report and the
 * per-message prediction cannot disagree; *reason when not met
 */
static int
meets_outlook(const struct readiness *r, char *reason, size_t len)
{
	const char *d[1] = {r->dkim_d};
	struct dmarc_verdict_in in = {.from = r->domain,
	    .dkim_d = d,
	    .ndkim = r->dkim_pass ? 1 : 0,
	    .spf = r->nip == 0  ? "not-checked" :
		r->spf_pass_all ? "pass" :
				  "fail",
	    .spf_domain = r->mailfrom,
	    .pol = &r->pol,
	    .psl = r->psl};
	struct dmarc_verdict v;

	dmarc_verdict(&in, &v);
	snprintf(reason, len, "%s", v.reason);
	return v.outlook == DMARC_YES;
}

/* readiness_outlook - Microsoft's rules of 5 May 2025, with the reasons */
void
readiness_outlook(struct readiness *r)
{
	struct strbuf why = {0};
	char fix[DMARC_TEXT_MAX + 64], name[270], reason[DMARC_TEXT_MAX];
	int spf_ok = r->spf_pass_all && r->spf_aligned;
	int dkim_ok = r->dkim_pass && r->dkim_aligned;
	int meets = meets_outlook(r, reason, sizeof reason);

	outlook_why(r, &why);
	if (!meets && why.len == 0) /* every reason is one of outlook_why's */
		strbuf_printf(&why, "; %s", reason);
	readiness_section(r, "Outlook");
	if (meets) {
		readiness_line(r, "ok",
		    "meets Outlook's sender requirements: SPF pass%s, DKIM "
		    "pass%s, DMARC p=%s",
		    spf_ok ? " aligned" : "", dkim_ok ? " aligned" : "",
		    dmarc_disp_str(r->pol.disp));
		strbuf_free(&why);
		return;
	}
	readiness_line(r, "FAIL",
	    "does not meet Outlook's sender requirements: %s",
	    strbuf_str(&why) + 2);
	/* strict modes are the only obstacle: relax them */
	if (r->pol.status == DMARC_FOUND && !spf_ok && !dkim_ok &&
	    ((r->spf_pass_all &&
		 dmarc_aligned(r->psl, DMARC_RELAXED, r->mailfrom, r->domain)) ||
		r->dkim_strict_only)) {
		snprintf(name, sizeof name, "_dmarc.%s", r->domain);
		readiness_dmarc_fixed(&r->pol, 1, fix, sizeof fix);
		readiness_publish(r, name, "TXT", fix);
	}
	strbuf_free(&why);
}
