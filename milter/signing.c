/*
 * signing.c - choose signing keys and add DKIM-Signature fields
 * (see signing.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actions.h"
#include "common/config/config.h"
#include "common/dmarc/dmarc.h"
#include "common/guard/guard.h"
#include "util/log.h"
#include "milter/observe/observe.h"
#include "milter/observe/sendcheck.h"
#include "outbound_spf.h"
#include "sign_guard.h"
#include "signing.h"

/* Canonicalization (CONFIG_CANONS) to header and body canonicalization */
static const dkim_canon canon_h[] = {[CANON_RR] = DKIM_CANON_RELAXED,
    [CANON_RS] = DKIM_CANON_RELAXED,
    [CANON_SR] = DKIM_CANON_SIMPLE,
    [CANON_SS] = DKIM_CANON_SIMPLE};
static const dkim_canon canon_b[] = {[CANON_RR] = DKIM_CANON_RELAXED,
    [CANON_RS] = DKIM_CANON_SIMPLE,
    [CANON_SR] = DKIM_CANON_RELAXED,
    [CANON_SS] = DKIM_CANON_SIMPLE};

/*
 * lookup_address - signing table entries for the author of a From: value
 * or for an envelope sender; the library's parser, so the domain is the
 * one check_alignment gets from dkim_msg_from_domain
 */
static size_t
lookup_address(struct msgctx *m, const char *value, int flags,
    struct sigsel *out)
{
	char local[512], domain[256];

	if (dkim_mailbox_split(value, strlen(value), local, sizeof local,
		domain, sizeof domain) != DKIM_OK)
		return 0;
	return signtable_match(m->snap->st, local, domain, flags, out,
	    MSG_MAX_SIGNERS);
}

/* add_signer - register m->sel[i] with the library */
static int
add_signer(struct msgctx *m, size_t i)
{
	const struct config *cfg = m->snap->cfg;
	dkim_sign_req req;
	char err[256];
	dkim_rc rc;

	dkim_sign_req_init(&req);
	req.domain = m->sel[i].domain;
	req.selector = m->sel[i].key->selector;
	req.identity = m->sel[i].identity[0] ? m->sel[i].identity : NULL;
	req.key = m->sel[i].key->key;
	req.hcanon = canon_h[cfg->canonicalization];
	req.bcanon = canon_b[cfg->canonicalization];
	if (m->snap->sign_headers != NULL)
		req.headers = m->snap->sign_headers;
	if (m->snap->oversign != NULL)
		req.oversign = m->snap->oversign;
	req.expire = (unsigned long)cfg->signature_ttl;
	rc = dkim_msg_add_signer(m->dm, &req, &m->sel_idx[i], err, sizeof err);
	if (rc != DKIM_OK) {
		log_errx("%s: cannot sign with key '%s' (%s): %s", m->qid,
		    m->sel[i].key->name, m->sel[i].key->where, err);
		msg_fail(m, "add signer", rc);
		return -1;
	}
	return 0;
}

/* from_domain - the From: domain for the log line and alerts, or "" */
static void
from_domain(const struct msgctx *m, char *domain, size_t len)
{
	domain[0] = '\0';
	if (m->from != NULL)
		(void)dkim_mailbox_split(m->from, strlen(m->from), NULL, 0,
		    domain, len);
}

/* unsigned_alert - this message should have been signed and is not */
static void
unsigned_alert(struct msgctx *m, enum alert_reason r)
{
	char domain[256], detail[300];

	from_domain(m, domain, sizeof domain);
	snprintf(detail, sizeof detail, "from_domain=%s",
	    domain[0] ? domain : "?");
	msglog_alert(&m->log, alert_reason_str(r));
	alert_note(observe_alert(), r, m->qid, detail);
}

/* log_rule - the key names of the matching signing table entries */
static void
log_rule(struct msgctx *m)
{
	char rule[512] = "";
	size_t i, len;

	for (i = 0; i < m->nsel; i++) {
		len = strlen(rule);
		snprintf(rule + len, sizeof rule - len, "%s%s", i ? "," : "",
		    m->sel[i].key->name);
	}
	msglog_rule(&m->log, rule);
}

static int aligned(const struct snapshot *s, const char *d, const char *from);

/* alignment_of - d= against the From: domain under AlignmentMode */
static enum guard_alignment
alignment_of(const struct snapshot *s, const char *d, const char *from)
{
	if (!aligned(s, d, from))
		return GUARD_UNALIGNED_ORG;
	if (s->cfg->alignment_mode == ALIGN_STRICT &&
	    !guard_same_domain(d, from))
		return GUARD_UNALIGNED_STRICT;
	return GUARD_ALIGNED;
}

/* is_aligned - alignment_of is GUARD_ALIGNED */
static int
is_aligned(const struct msgctx *m, const struct sigsel *sel, const char *from)
{
	return alignment_of(m->snap, sel->domain, from) == GUARD_ALIGNED;
}

/*
 * prefer_aligned - when the signing table offers several keys, sign with
 * those aligned with the From: domain (RFC 7489 3.1) first: with several
 * signatures the aligned ones go on top; with one matching entry wanted
 * (no MultipleSignatures) whose keys none align, the aligned keys of the
 * first later matching entry that has any replace them.  value is the
 * address the table was searched with.
 */
static void
prefer_aligned(struct msgctx *m, const char *value, const char *from)
{
	struct sigsel all[MSG_MAX_SIGNERS], tmp;
	size_t i, j, n;

	if (m->nsel == 0 || from[0] == '\0')
		return;
	for (i = 0; i < m->nsel && !is_aligned(m, &m->sel[i], from); i++)
		;
	if (i == m->nsel && !(m->snap->sign_flags & SIGNTABLE_MULTIPLE)) {
		n = lookup_address(m, value,
		    m->snap->sign_flags | SIGNTABLE_MULTIPLE, all);
		for (i = 0; i < n && !is_aligned(m, &all[i], from); i++)
			;
		for (j = 0; i < n && is_aligned(m, &all[i], from); i++)
			m->sel[j++] = all[i];
		if (j > 0) {
			m->nsel = j;
			log_info("%s: signing with key '%s': the first signing "
				 "table match aligned with the From: domain %s",
			    m->qid, m->sel[0].key->name, from);
		}
		return;
	}
	for (i = 0, j = 0; i < m->nsel; i++) { /* stable: aligned first */
		if (!is_aligned(m, &m->sel[i], from))
			continue;
		tmp = m->sel[i];
		memmove(&m->sel[j + 1], &m->sel[j], (i - j) * sizeof tmp);
		m->sel[j++] = tmp;
	}
}

/* signing_select - From: (or envelope sender) through the signing table */
int
signing_select(struct msgctx *m)
{
	char domain[256];
	size_t i;

	if (m->snap->st == NULL)
		return 0;
	if (m->nfrom != 1) {
		log_warnx("%s: not signing: %u From: fields (need exactly one)",
		    m->qid, m->nfrom);
		msglog_rule(&m->log, "none");
		unsigned_alert(m, ALERT_NO_RULE);
		return 0;
	}
	from_domain(m, domain, sizeof domain);
	msglog_from(&m->log, domain);
	m->nsel = lookup_address(m, m->from, m->snap->sign_flags, m->sel);
	if (m->nsel == 0 && m->snap->cfg->match_envelope_sender &&
	    m->envfrom[0] != '\0') {
		m->nsel =
		    lookup_address(m, m->envfrom, m->snap->sign_flags, m->sel);
		prefer_aligned(m, m->envfrom, domain);
	} else
		prefer_aligned(m, m->from, domain);
	if (m->nsel == 0) {
		log_info("%s: not signing: no signing table entry for %s",
		    m->qid, m->from);
		msglog_rule(&m->log, "none");
		unsigned_alert(m, ALERT_NO_RULE);
		return 0;
	}
	log_rule(m);
	for (i = 0; i < m->nsel; i++)
		if (add_signer(m, i) < 0)
			return -1;
	return (int)m->nsel;
}

/* log_signature - sigN_* fields of the message's log line */
static void
log_signature(struct msgctx *m, size_t i, const struct sg_outcome *g)
{
	static const char *const result[] = {"signed", "held", "unsigned",
	    "tempfail"};

	msglog_signature(&m->log, m->sel[i].domain, m->sel[i].key->selector,
	    dkim_alg_str(dkim_key_alg(m->sel[i].key->key)),
	    g->guard_off ? "off" : guard_state_str(g->state),
	    g->selfcheck_failed ? "selfcheck-failed" :
		g->dropped      ? "dropped" :
				  result[g->result],
	    g->problem);
}

/* sign_one - make, check and add signature i; 0, or the stop status */
static sfsistat
sign_one(SMFICTX *ctx, const struct conn *c, struct msgctx *m, size_t i,
    int others_valid, int *hold, char *holdwhy, size_t holdlen)
{
	struct sg_outcome g;
	char *value;

	sign_guard_allows(m, i, others_valid, &g);
	if (g.sign_rc != DKIM_OK) {
		msg_fail(m, g.sign_err, g.sign_rc);
		return act_internal_error(ctx, m);
	}
	value = g.value;
	log_signature(m, i, &g);
	switch (g.result) {
	case SG_TEMPFAIL:
		free(value);
		return act_final(ctx, m, ACTION_TEMPFAIL, GUARD_REPLY_RCODE,
		    GUARD_REPLY_XCODE, g.reply);
	case SG_SKIP:
		if (!g.dropped) /* a dropped one was logged with its reason */
			log_warnx("%s: signature d=%s s=%s left out "
				  "(GuardAction unsigned)",
			    m->qid, m->sel[i].domain, m->sel[i].key->selector);
		free(value);
		return SMFIS_CONTINUE;
	case SG_HOLD:
		*hold = 1;
		snprintf(holdwhy, holdlen, "%s", g.reply);
		break;
	case SG_SIGN:
		break;
	}
	if (act_insert_header(ctx, c, m, "DKIM-Signature", value) < 0) {
		free(value);
		msg_fail(m, "insert header", DKIM_EIO);
		return act_internal_error(ctx, m);
	}
	m->nsigned++;
	log_info("%s: %ssigned d=%s s=%s a=%s (%s)", m->qid,
	    m->snap->cfg->dry_run ? "dry run: would have " : "",
	    m->sel[i].domain, m->sel[i].key->selector,
	    dkim_alg_str(dkim_key_alg(m->sel[i].key->key)), m->why);
	free(value);
	return SMFIS_CONTINUE;
}

/* aligned - RFC 7489 3.1.1 with the guard's public suffix list, or with
 * the snapshot's own when Guard is off */
static int
aligned(const struct snapshot *s, const char *d, const char *from)
{
	return s->guard != NULL ? guard_aligned(s->guard, d, from) :
				  guard_psl_aligned(s->psl, d, from);
}

/*
 * check_alignment - does a signature that left align with the From:
 * domain (RFC 7489 3.1.1, AlignmentMode)?  Logged (aligned=), counted per
 * signing domain, and an unaligned message raises the rate-limited
 * warning and /healthz's reason.  Returns the best alignment found.
 */
static enum guard_alignment
check_alignment(struct msgctx *m, const unsigned char *left)
{
	enum guard_alignment best = GUARD_UNALIGNED_NONE, a;
	char from[256], detail[600];
	size_t i;

	if (m->nsel == 0 ||
	    dkim_msg_from_domain(m->dm, from, sizeof from) != DKIM_OK)
		return GUARD_ALIGNED; /* nothing to judge */
	for (i = 0; i < m->nsel; i++)
		if (left[i] &&
		    (a = alignment_of(m->snap, m->sel[i].domain, from)) < best)
			best = a;
	msglog_aligned(&m->log, best == GUARD_ALIGNED,
	    guard_alignment_str(best));
	snprintf(detail, sizeof detail, "from_domain=%s d=%s", from,
	    m->sel[0].domain);
	sendcheck_alignment(observe_sendcheck(), m->sel[0].domain, best, m->qid,
	    detail);
	return best;
}

/* add_hold - one more reason for the message's hold */
static void
add_hold(int *hold, char *holdwhy, size_t holdlen, const char *why)
{
	*hold = 1;
	if (holdwhy[0] != '\0')
		strlcat(holdwhy, "; ", holdlen);
	strlcat(holdwhy, why, holdlen);
}

/*
 * unaligned_action - OnUnaligned for a message signed but not aligned:
 * warn (counted and logged only), tempfail (451 4.7.1, the sender's MTA
 * keeps it) or hold (with any GuardAction hold, one quarantine)
 */
static sfsistat
unaligned_action(SMFICTX *ctx, struct msgctx *m, enum guard_alignment a,
    int *hold, char *holdwhy, size_t holdlen)
{
	char why[400];

	if (a == GUARD_ALIGNED || a == GUARD_UNALIGNED_NONE ||
	    m->snap->cfg->on_unaligned == UNALIGNED_WARN)
		return SMFIS_CONTINUE;
	snprintf(why, sizeof why,
	    "no DKIM signature aligns with the From: domain (d=%s, %s, "
	    "AlignmentMode %s)",
	    m->sel[0].domain, guard_alignment_str(a),
	    m->snap->cfg->alignment_mode == ALIGN_STRICT ? "strict" :
							   "relaxed");
	if (m->snap->cfg->on_unaligned == UNALIGNED_TEMPFAIL)
		return act_final(ctx, m, ACTION_TEMPFAIL, "451", "4.7.1", why);
	add_hold(hold, holdwhy, holdlen, why);
	return SMFIS_CONTINUE;
}

/* spf_view - what check_spf found, for the DMARC verdict */
struct spf_view {
	struct ospf_answer a;
	char domain[256]; /* the domain judged, "" none */
	int null_sender;  /* domain is the HELO name */
};

/*
 * check_spf - the SPF verdict receivers will reach from OutboundAddresses
 * for the MAIL FROM domain, or for the HELO name the MTA gives itself
 * (the j macro) when the sender is null (RFC 7208 2.3, 2.4); from the
 * cache, waiting at most OutboundCheckWait (outbound_spf.h): "pending"
 * until it is known.  Without OutboundAddresses "not-checked": the
 * address mail leaves from is not guessed.
 */
static void
check_spf(SMFICTX *ctx, struct msgctx *m, struct spf_view *v)
{
	char host[256] = "";
	const char *at, *helo;

	memset(v, 0, sizeof *v);
	helo = smfi_getsymval(ctx, "j");
	if (helo == NULL || *helo == '\0')
		helo = gethostname(host, sizeof host - 1) == 0 ? host : "";
	if ((at = strrchr(m->envfrom, '@')) != NULL)
		snprintf(v->domain, sizeof v->domain, "%s", at + 1);
	else if (m->envfrom[0] == '\0') { /* null sender: the HELO identity */
		snprintf(v->domain, sizeof v->domain, "%s", helo);
		v->null_sender = 1;
	}
	if (m->snap->cfg->outbound_addresses[0] == NULL)
		snprintf(v->a.result, sizeof v->a.result, "not-checked");
	else if (v->domain[0] == '\0') {
		snprintf(v->a.result, sizeof v->a.result, "none");
		snprintf(v->a.detail, sizeof v->a.detail, "no sender domain");
	} else
		ospf_get(ospf_default(), m->snap->cfg->outbound_addresses,
		    v->domain, m->envfrom, helo,
		    (unsigned)m->snap->cfg->outbound_check_wait, &v->a);
	msglog_spf(&m->log, v->a.result, v->a.detail);
	sendcheck_spf(observe_sendcheck(), m->sel[0].domain, v->a.result);
}

/*
 * check_verdict - DMARC and Outlook's sender requirements as receivers
 * will judge the message (dmarc_verdict), with the From: domain's
 * policy from the background cache: logged, counted per From: domain
 * and reason; a sure "no" raises the warning and /healthz's reason.
 * 0, or -1 (v unset) when there is no From: domain to judge.
 */
static int
check_verdict(struct msgctx *m, const unsigned char *left,
    const struct spf_view *sv, struct dmarc_verdict *v)
{
	struct dmarc_verdict_in in;
	struct dmarc_policy pol;
	const char *d[MSG_MAX_SIGNERS];
	char from[256];
	size_t i;

	if (dkim_msg_from_domain(m->dm, from, sizeof from) != DKIM_OK)
		return -1;
	memset(&in, 0, sizeof in);
	for (i = 0; i < m->nsel; i++)
		if (left[i])
			d[in.ndkim++] = m->sel[i].domain;
	in.from = from;
	in.dkim_d = d;
	in.spf = sv->a.result;
	in.spf_domain = sv->domain;
	in.null_sender = sv->null_sender;
	in.spf_source = sv->a.source;
	in.psl = ospf_psl(ospf_default());
	if (ospf_dmarc_get(ospf_default(), from,
		(unsigned)m->snap->cfg->outbound_check_wait, &pol) == 0)
		in.pol = &pol;
	dmarc_verdict(&in, v);
	msglog_receiver(&m->log, dmarc_result_str(v->result),
	    v->has_policy ? dmarc_disp_str(v->disp) : NULL, v->dkim_aligned,
	    dmarc_answer_str(v->spf_aligned), dmarc_answer_str(v->outlook),
	    v->reason);
	sendcheck_outlook(observe_sendcheck(), from, v->why, m->qid, v->reason);
	return 0;
}

/*
 * outlook_action - OnOutlookReject for a message that surely fails
 * Outlook's requirements: warn (counted and logged only), tempfail (451
 * 4.7.1 with the reason) or hold.  Never for unknown, nor for a message
 * left unsigned, which keeps its GuardAction (the unsigned-mail alert's).
 */
static sfsistat
outlook_action(SMFICTX *ctx, struct msgctx *m, const struct dmarc_verdict *v,
    int *hold, char *holdwhy, size_t holdlen)
{
	char why[DMARC_TEXT_MAX + 64], *p;

	if (v->outlook != DMARC_NO || v->why == DMARC_WHY_NO_DKIM ||
	    m->snap->cfg->on_outlook_reject == UNALIGNED_WARN)
		return SMFIS_CONTINUE;
	snprintf(why, sizeof why, "Outlook would refuse this message: %s",
	    v->reason);
	for (p = why; *p != '\0'; p++) /* SMTP reply text: no macros */
		if (*p == '%')
			*p = '?';
	if (m->snap->cfg->on_outlook_reject == UNALIGNED_TEMPFAIL)
		return act_final(ctx, m, ACTION_TEMPFAIL, "451", "4.7.1", why);
	add_hold(hold, holdwhy, holdlen, why);
	return SMFIS_CONTINUE;
}

/*
 * count_valid - GuardDropInvalid: how many of the message's keys are
 * valid now, when there are several; 0 leaves every key to its action.
 * A key not valid is dropped only while another will still sign.
 */
static size_t
count_valid(struct msgctx *m)
{
	size_t i, n = 0;

	if (m->nsel < 2 || !m->snap->cfg->guard_drop_invalid)
		return 0;
	for (i = 0; i < m->nsel; i++)
		n += (size_t)sign_guard_valid(m, i);
	return n;
}

/*
 * receiver_checks - what receivers will think (SPF, alignment, DMARC and
 * Outlook's requirements), all logged first, then OnUnaligned and
 * OnOutlookReject; 0 or the stop status
 */
static sfsistat
receiver_checks(SMFICTX *ctx, struct msgctx *m, const unsigned char *left,
    int *hold, char *holdwhy, size_t holdlen)
{
	struct spf_view sv;
	struct dmarc_verdict v;
	enum guard_alignment a;
	sfsistat st;
	int judged;

	check_spf(ctx, m, &sv);
	a = check_alignment(m, left);
	judged = check_verdict(m, left, &sv, &v) == 0;
	st = unaligned_action(ctx, m, a, hold, holdwhy, holdlen);
	if (st != SMFIS_CONTINUE || !judged)
		return st;
	return outlook_action(ctx, m, &v, hold, holdwhy, holdlen);
}

/* signing_finish - every signature, in reverse so the first is on top */
sfsistat
signing_finish(SMFICTX *ctx, const struct conn *c, struct msgctx *m)
{
	char holdwhy[1024] = "";
	unsigned char left[MSG_MAX_SIGNERS] = {0};
	unsigned before;
	int hold = 0;
	size_t i, nvalid;
	sfsistat st;

	nvalid = count_valid(m);
	for (i = m->nsel; i-- > 0;) {
		before = m->nsigned;
		st = sign_one(ctx, c, m, i, nvalid > 0, &hold, holdwhy,
		    sizeof holdwhy);
		if (st != SMFIS_CONTINUE)
			return st;
		left[i] = m->nsigned > before;
	}
	if (m->nsel > 0 &&
	    (st = receiver_checks(ctx, m, left, &hold, holdwhy,
		 sizeof holdwhy)) != SMFIS_CONTINUE)
		return st;
	if (m->nsigned == 0 && m->nsel > 0)
		unsigned_alert(m, ALERT_LEFT_UNSIGNED);
	if (hold) {
		log_warnx("%s: held: %s; release with: postsuper -H %s", m->qid,
		    holdwhy, m->qid);
		return act_final(ctx, m, ACTION_QUARANTINE, NULL, NULL,
		    holdwhy);
	}
	return SMFIS_CONTINUE;
}
