/*
 * verifying.c - verify, report, act (see verifying.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "ar.h"
#include "common/config/config.h"
#include "util/log.h"
#include "milter/observe/observe.h"
#include "verifying.h"

/* verifying_overall - pass > temperror > fail/permerror > none */
dkim_verdict
verifying_overall(const dkim_sig_result *res, size_t n)
{
	dkim_verdict v = DKIM_NONE;
	size_t i;

	for (i = 0; i < n; i++) {
		if (res[i].verdict == DKIM_PASS)
			return DKIM_PASS;
		if (res[i].verdict == DKIM_TEMPERROR)
			v = DKIM_TEMPERROR;
		else if (v != DKIM_TEMPERROR &&
		    (res[i].verdict == DKIM_FAIL ||
			res[i].verdict == DKIM_PERMERROR))
			v = DKIM_FAIL;
	}
	return v;
}

/* log_results - one line per signature; counters; the message line */
static void
log_results(struct msgctx *m, const dkim_sig_result *res, size_t n)
{
	dkim_verdict overall = verifying_overall(res, n);
	size_t i;

	for (i = 0; i < n; i++) {
		metrics_count_verdict(observe_metrics(), res[i].verdict);
		msglog_verdict(&m->log, &res[i]);
	}
	metrics_count_overall(observe_metrics(), overall);
	msglog_overall(&m->log, dkim_verdict_str(overall));

	if (n == 0)
		log_info("%s: verify: no signature (%s)", m->qid, m->why);
	for (i = 0; i < n; i++)
		log_info("%s: verify: dkim=%s d=%s s=%s a=%s%s%s (%s)", m->qid,
		    dkim_verdict_str(res[i].verdict), res[i].domain,
		    res[i].selector, dkim_alg_str(res[i].alg),
		    res[i].reason[0] ? " reason=" : "", res[i].reason, m->why);
}

/* write_ar - add our A-R field (session.c removed the forged ones);
 * -1 on ENOMEM, -2 when the MTA did not take it */
static int
write_ar(SMFICTX *ctx, const struct conn *c, struct msgctx *m,
    const dkim_sig_result *res, size_t n)
{
	char *value;
	int rc;

	if ((value = ar_build(m->snap->authserv_id, res, n)) == NULL)
		return -1;
	rc = act_insert_header(ctx, c, m, "Authentication-Results", value);
	free(value);
	return rc < 0 ? -2 : 0;
}

/* ar_failed - the internal error of a failed write_ar, in true words */
static sfsistat
ar_failed(SMFICTX *ctx, struct msgctx *m, int rc)
{
	if (rc == -1)
		msg_fail(m, "Authentication-Results", DKIM_ENOMEM);
	else
		msg_fail_str(m,
		    "Authentication-Results: the MTA refused the "
		    "field or the connection has gone");
	return act_internal_error(ctx, m);
}

/* verdict_action - OnBadSignature / OnTempError for the overall verdict */
static sfsistat
verdict_action(SMFICTX *ctx, struct msgctx *m, dkim_verdict v,
    const dkim_sig_result *res, size_t n)
{
	const struct config *cfg = m->snap->cfg;
	char text[512];

	snprintf(text, sizeof text, "DKIM %s",
	    v == DKIM_TEMPERROR ? "key lookup failed temporarily" :
				  "signature verification failed");
	if (n > 0)
		snprintf(text + strlen(text), sizeof text - strlen(text),
		    " for d=%s%s%s%s", res[0].domain,
		    res[0].reason[0] ? " (" : "", res[0].reason,
		    res[0].reason[0] ? ")" : "");
	if (v == DKIM_TEMPERROR)
		return act_final(ctx, m, cfg->on_temp_error,
		    cfg->on_temp_error == ACTION_REJECT ? "550" : "451",
		    cfg->on_temp_error == ACTION_REJECT ? "5.7.20" : "4.7.5",
		    text);
	if (v == DKIM_FAIL)
		return act_final(ctx, m,
		    m->ignore_bad ? ACTION_ACCEPT : cfg->on_bad_signature,
		    cfg->on_bad_signature == ACTION_TEMPFAIL ? "451" : "550",
		    cfg->on_bad_signature == ACTION_TEMPFAIL ? "4.7.5" :
							       "5.7.20",
		    text);
	return SMFIS_CONTINUE;
}

/* nverify - how many signatures dkim_msg_verify looks at */
static size_t
nverify(const struct msgctx *m)
{
	size_t n = dkim_msg_sig_count(m->dm);

	if (n > (size_t)m->snap->cfg->max_verify_signatures)
		n = (size_t)m->snap->cfg->max_verify_signatures;
	if (n > m->snap->dopt.max_signatures)
		n = m->snap->dopt.max_signatures;
	return n;
}

/* verifying_prefetch - start the message's key lookups in parallel; a
 * failure here (ENOMEM) is met again, and handled, at end of message */
void
verifying_prefetch(struct msgctx *m)
{
	char name[600];
	size_t i, n;

	if (m->snap->verify_cache == NULL)
		return;
	for (i = 0, n = nverify(m); i < n; i++)
		if (dkim_msg_sig_keyname(m->dm, i, name, sizeof name) ==
		    DKIM_OK)
			(void)dnscache_prefetch(m->snap->verify_cache, name);
}

/* verify - every signature's verdict, the DNS part within the budget */
static dkim_rc
verify(struct msgctx *m, dkim_sig_result *res, size_t max, size_t *n)
{
	struct dnscache_budget b;
	dkim_keylookup kl;

	if (m->snap->verify_cache == NULL)
		return dkim_msg_verify(m->dm, &m->snap->lookup, res, max, n);
	/* started at eoh; again for lookups whose answer expired since */
	verifying_prefetch(m);
	dnscache_budget_start(&b, m->snap->verify_cache,
	    (unsigned)m->snap->cfg->dns_message_budget * 1000u);
	kl = dnscache_budget_iface(&b);
	return dkim_msg_verify_keys(m->dm, &kl, res, max, n);
}

/* verifying_finish - verify every signature and act once */
sfsistat
verifying_finish(SMFICTX *ctx, const struct conn *c, struct msgctx *m)
{
	size_t max = (size_t)m->snap->cfg->max_verify_signatures, n = 0;
	dkim_sig_result *res = calloc(max, sizeof *res);
	sfsistat st;
	dkim_rc rc;
	int rc2;

	if (res == NULL) {
		msg_fail(m, "verify", DKIM_ENOMEM);
		return act_internal_error(ctx, m);
	}
	rc = verify(m, res, max, &n);
	if (rc != DKIM_OK) {
		msg_fail(m, "verify", rc);
		st = act_internal_error(ctx, m);
	} else {
		log_results(m, res, n);
		if ((rc2 = write_ar(ctx, c, m, res, n)) < 0)
			st = ar_failed(ctx, m, rc2);
		else
			st = verdict_action(ctx, m, verifying_overall(res, n),
			    res, n);
	}
	free(res);
	return st;
}

/* verifying_unverifiable - the message's DKIM cannot be evaluated (its
 * header block is past the library's limit): every signature is a
 * permerror with that reason, none is dkim=none with it, and the message
 * is accepted, as an unsigned one is, whatever OnBadSignature says */
sfsistat
verifying_unverifiable(SMFICTX *ctx, const struct conn *c, struct msgctx *m,
    const char *reason)
{
	dkim_sig_result r;
	int rc;

	memset(&r, 0, sizeof r);
	r.verdict = m->ndkim > 0 ? DKIM_PERMERROR : DKIM_NONE;
	r.alg = DKIM_ALG_UNKNOWN;
	snprintf(r.reason, sizeof r.reason, "%s", reason);
	log_warnx("%s: verify: dkim=%s reason=%s (%u signature%s, header "
		  "block %zu bytes)",
	    m->qid, dkim_verdict_str(r.verdict), reason, m->ndkim,
	    m->ndkim == 1 ? "" : "s", m->hdr_bytes);
	metrics_count_verdict(observe_metrics(), r.verdict);
	msglog_verdict(&m->log, &r);
	metrics_count_overall(observe_metrics(),
	    r.verdict == DKIM_NONE ? DKIM_NONE : DKIM_FAIL);
	msglog_overall(&m->log, dkim_verdict_str(r.verdict));
	if ((rc = write_ar(ctx, c, m, &r, 1)) < 0)
		return ar_failed(ctx, m, rc);
	return SMFIS_CONTINUE;
}
