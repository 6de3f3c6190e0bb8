/*
 * dmarc_verdict.c - the verdict receivers will reach for an outgoing
 *		     message: DMARC (RFC 7489 4.2, 6.6) and Outlook's sender
 *		     requirements (see dmarc.h).
 *
 * EXPORTS
 *	dmarc_verdict, dmarc_result_str, dmarc_answer_str, dmarc_why_str,
 *	dmarc_why_outlook
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dmarc.h"

static const char *const result_words[] = {[DMARC_RESULT_PASS] = "pass",
    [DMARC_RESULT_FAIL] = "fail",
    [DMARC_RESULT_NONE] = "none",
    [DMARC_RESULT_TEMPERROR] = "temperror",
    [DMARC_RESULT_PERMERROR] = "permerror",
    [DMARC_RESULT_PENDING] = "pending",
    [DMARC_RESULT_UNKNOWN] = "unknown"};

static const char *const why_words[] = {[DMARC_WHY_MEETS] = "meets",
    [DMARC_WHY_NO_DKIM] = "no_dkim",
    [DMARC_WHY_SPF] = "spf",
    [DMARC_WHY_NO_RECORD] = "no_dmarc",
    [DMARC_WHY_BAD_RECORD] = "bad_dmarc",
    [DMARC_WHY_UNALIGNED] = "unaligned",
    [DMARC_WHY_SPF_UNCHECKED] = "spf_not_checked",
    [DMARC_WHY_SPF_PENDING] = "spf_pending",
    [DMARC_WHY_DMARC_PENDING] = "dmarc_pending",
    [DMARC_WHY_TEMPERROR] = "temperror"};

const char *
dmarc_result_str(enum dmarc_result r)
{
	return (unsigned)r <= DMARC_RESULT_UNKNOWN ? result_words[r] : "?";
}

const char *
dmarc_answer_str(enum dmarc_answer a)
{
	return a == DMARC_YES ? "yes" : a == DMARC_NO ? "no" : "unknown";
}

const char *
dmarc_why_str(enum dmarc_why w)
{
	return (unsigned)w < DMARC_WHY__COUNT ? why_words[w] : "?";
}

enum dmarc_answer
dmarc_why_outlook(enum dmarc_why w)
{
	if (w == DMARC_WHY_MEETS)
		return DMARC_YES;
	return w >= DMARC_WHY_SPF_UNCHECKED ? DMARC_UNKNOWN : DMARC_NO;
}

/* what SPF said, as the inputs give it */
struct spf_seen {
	int known;   /* a result of RFC 7208 2.6 */
	int pass;    /* that result is pass */
	int temp;    /* temperror */
	int pending; /* "pending"; else not known is "not-checked" */
};

static void
spf_seen(const char *word, struct spf_seen *s)
{
	memset(s, 0, sizeof *s);
	if (word == NULL || strcmp(word, "not-checked") == 0)
		return;
	if (strcmp(word, "pending") == 0) {
		s->pending = 1;
		return;
	}
	s->known = 1;
	s->pass = strcmp(word, "pass") == 0;
	s->temp = strcmp(word, "temperror") == 0;
}

/* found - the policy applies (a usable record) */
static int
found(const struct dmarc_verdict_in *in)
{
	return in->pol != NULL && in->pol->status == DMARC_FOUND;
}

/* adkim, aspf - the record's modes, relaxed without one (6.3) */
static enum dmarc_mode
adkim(const struct dmarc_verdict_in *in)
{
	return found(in) ? in->pol->rec.adkim : DMARC_RELAXED;
}

static enum dmarc_mode
aspf(const struct dmarc_verdict_in *in)
{
	return found(in) ? in->pol->rec.aspf : DMARC_RELAXED;
}

/* dkim_aligned - a d= that left aligns with From: (3.1.1) */
static int
dkim_aligned(const struct dmarc_verdict_in *in)
{
	size_t i;

	for (i = 0; i < in->ndkim; i++)
		if (dmarc_aligned(in->psl, adkim(in), in->dkim_d[i], in->from))
			return 1;
	return 0;
}

/* spf_aligned - SPF passes for an aligned domain (3.1.2); unknown when
 * the domain aligns but the result is not known */
static enum dmarc_answer
spf_aligned(const struct dmarc_verdict_in *in, const struct spf_seen *s)
{
	if (in->spf_domain == NULL || in->spf_domain[0] == '\0' ||
	    !dmarc_aligned(in->psl, aspf(in), in->spf_domain, in->from))
		return DMARC_NO;
	if (!s->known || s->temp)
		return DMARC_UNKNOWN;
	return s->pass ? DMARC_YES : DMARC_NO;
}

/* result - 6.6.2, 6.6.3: the record's status, then the alignments */
static enum dmarc_result
result(const struct dmarc_verdict_in *in, const struct dmarc_verdict *v,
    const struct spf_seen *s)
{
	if (in->pol == NULL)
		return DMARC_RESULT_PENDING;
	switch (in->pol->status) {
	case DMARC_ABSENT:
		return DMARC_RESULT_NONE;
	case DMARC_TEMPERROR:
		return DMARC_RESULT_TEMPERROR;
	case DMARC_INVALID:
	case DMARC_MULTIPLE:
		return DMARC_RESULT_PERMERROR;
	case DMARC_FOUND:
		break;
	}
	if (v->dkim_aligned || v->spf_aligned == DMARC_YES)
		return DMARC_RESULT_PASS;
	if (v->spf_aligned == DMARC_NO)
		return DMARC_RESULT_FAIL;
	if (s->temp)
		return DMARC_RESULT_TEMPERROR;
	return s->pending ? DMARC_RESULT_PENDING : DMARC_RESULT_UNKNOWN;
}

/* say - outlook is a, because of w, in words */
static void say(struct dmarc_verdict *v, enum dmarc_answer a, enum dmarc_why w,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void
say(struct dmarc_verdict *v, enum dmarc_answer a, enum dmarc_why w,
    const char *fmt, ...)
{
	va_list ap;

	v->outlook = a;
	v->why = w;
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof v->reason, fmt, ap);
	va_end(ap);
}

/* spf_name - the domain SPF judged, saying when it is the HELO name,
 * and with from: where the verdict came from, when known */
static void
spf_name(const struct dmarc_verdict_in *in, int from, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s",
	    in->spf_domain != NULL && in->spf_domain[0] ? in->spf_domain :
							  "(no domain)",
	    in->null_sender ? " (the HELO name: null sender)" : "",
	    from && in->spf_source != NULL && in->spf_source[0] ? " from " : "",
	    from && in->spf_source != NULL ? in->spf_source : "");
}

/* d_list - "d=a.example" or "d=a.example,b.example" */
static void
d_list(const struct dmarc_verdict_in *in, char *buf, size_t len)
{
	size_t i, n;

	snprintf(buf, len, "d=");
	for (i = 0; i < in->ndkim; i++) {
		n = strlen(buf);
		snprintf(buf + n, len - n, "%s%s", i ? "," : "", in->dkim_d[i]);
	}
}

/* surely_fails - the first requirement that surely fails; 1 if one */
static int
surely_fails(const struct dmarc_verdict_in *in, struct dmarc_verdict *v,
    const struct spf_seen *s)
{
	char spf[512], d[300];

	spf_name(in, 1, spf, sizeof spf);
	if (in->ndkim == 0) {
		say(v, DMARC_NO, DMARC_WHY_NO_DKIM,
		    "no DKIM signature of ours left with the message");
		return 1;
	}
	if (s->known && !s->pass && !s->temp) {
		say(v, DMARC_NO, DMARC_WHY_SPF, "SPF %s for %s", in->spf, spf);
		return 1;
	}
	if (v->result == DMARC_RESULT_NONE) {
		if (strcmp(in->pol->org, in->pol->domain) != 0)
			say(v, DMARC_NO, DMARC_WHY_NO_RECORD,
			    "no DMARC record at _dmarc.%s or its "
			    "organizational domain _dmarc.%s",
			    in->pol->domain, in->pol->org);
		else
			say(v, DMARC_NO, DMARC_WHY_NO_RECORD,
			    "no DMARC record at _dmarc.%s", in->pol->domain);
		return 1;
	}
	if (v->result == DMARC_RESULT_PERMERROR) {
		say(v, DMARC_NO, DMARC_WHY_BAD_RECORD,
		    "no usable DMARC record: %s", in->pol->error);
		return 1;
	}
	if (v->result != DMARC_RESULT_FAIL)
		return 0;
	d_list(in, d, sizeof d);
	spf_name(in, 0, spf, sizeof spf);
	/* SPF not passing was said above: here its domain does not align */
	say(v, DMARC_NO, DMARC_WHY_UNALIGNED,
	    "DKIM %s does not align with From: %s under adkim=%s and the "
	    "SPF domain %s does not align under aspf=%s",
	    d, in->from, dmarc_mode_str(adkim(in)), spf,
	    dmarc_mode_str(aspf(in)));
	return 1;
}

/* not_known - what keeps the answer unknown; 1 if anything */
static int
not_known(const struct dmarc_verdict_in *in, struct dmarc_verdict *v,
    const struct spf_seen *s)
{
	char spf[512];

	spf_name(in, !s->pending, spf, sizeof spf);
	if (s->temp)
		say(v, DMARC_UNKNOWN, DMARC_WHY_TEMPERROR,
		    "SPF temperror for %s: DNS failed, retried in the "
		    "background",
		    spf);
	else if (!s->known && !s->pending)
		say(v, DMARC_UNKNOWN, DMARC_WHY_SPF_UNCHECKED,
		    "SPF not checked: OutboundAddresses is not set");
	else if (s->pending)
		say(v, DMARC_UNKNOWN, DMARC_WHY_SPF_PENDING,
		    "SPF for %s not known yet (computed in the background)",
		    spf);
	else if (in->pol == NULL)
		say(v, DMARC_UNKNOWN, DMARC_WHY_DMARC_PENDING,
		    "DMARC policy of %s not known yet (looked up in the "
		    "background)",
		    in->from);
	else if (v->result == DMARC_RESULT_TEMPERROR)
		say(v, DMARC_UNKNOWN, DMARC_WHY_TEMPERROR,
		    "DMARC lookup failed: %s", in->pol->error);
	else
		return 0;
	return 1;
}

/* dmarc_verdict - see dmarc.h */
void
dmarc_verdict(const struct dmarc_verdict_in *in, struct dmarc_verdict *out)
{
	struct spf_seen s;

	memset(out, 0, sizeof *out);
	spf_seen(in->spf, &s);
	out->dkim_aligned = dkim_aligned(in);
	out->spf_aligned = spf_aligned(in, &s);
	out->result = result(in, out, &s);
	if (found(in)) {
		out->has_policy = 1;
		out->disp = in->pol->disp;
	}
	if (surely_fails(in, out, &s) || not_known(in, out, &s))
		return;
	out->outlook = DMARC_YES;
	out->why = DMARC_WHY_MEETS;
}
