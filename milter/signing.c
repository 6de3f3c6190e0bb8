/*
 * signing.c - choose signing keys and add DKIM-Signature fields
 * (see signing.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "common/config/config.h"
#include "common/guard/guard.h"
#include "util/log.h"
#include "milter/observe/observe.h"
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
lookup_address(struct msgctx *m, const char *value)
{
	char local[512], domain[256];

	if (dkim_mailbox_split(value, strlen(value), local, sizeof local,
		domain, sizeof domain) != DKIM_OK)
		return 0;
	return signtable_match(m->snap->st, local, domain, m->snap->sign_flags,
	    m->sel, MSG_MAX_SIGNERS);
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
	m->nsel = lookup_address(m, m->from);
	if (m->nsel == 0 && m->snap->cfg->match_envelope_sender &&
	    m->envfrom[0] != '\0')
		m->nsel = lookup_address(m, m->envfrom);
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
	    g->selfcheck_failed ? "selfcheck-failed" : result[g->result],
	    g->problem);
}

/* sign_one - make, check and add signature i; 0, or the stop status */
static sfsistat
sign_one(SMFICTX *ctx, const struct conn *c, struct msgctx *m, size_t i,
    int *hold, char *holdwhy, size_t holdlen)
{
	struct sg_outcome g;
	char *value;

	sign_guard_allows(m, i, &g);
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
		log_warnx("%s: signature d=%s s=%s left out (GuardAction "
			  "unsigned)",
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

/* check_alignment - warn once when no d= aligns with From: (RFC 7489
 * 3.1.1 relaxed alignment), since DMARC would then fail */
static void
check_alignment(const struct msgctx *m)
{
	char from[256];
	size_t i;

	if (m->nsel == 0 ||
	    dkim_msg_from_domain(m->dm, from, sizeof from) != DKIM_OK)
		return;
	for (i = 0; i < m->nsel; i++)
		if (aligned(m->snap, m->sel[i].domain, from))
			return;
	log_warnx("%s: no signature aligns with the From: domain %s "
		  "(first d=%s); DMARC will not pass on DKIM",
	    m->qid, from, m->sel[0].domain);
}

/* signing_finish - every signature, in reverse so the first is on top */
sfsistat
signing_finish(SMFICTX *ctx, const struct conn *c, struct msgctx *m)
{
	char holdwhy[400] = "";
	int hold = 0;
	size_t i;
	sfsistat st;

	check_alignment(m);
	for (i = m->nsel; i-- > 0;) {
		st = sign_one(ctx, c, m, i, &hold, holdwhy, sizeof holdwhy);
		if (st != SMFIS_CONTINUE)
			return st;
	}
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
