/*
 * sign_guard.c - ask the published-key guard before a signature leaves
 * (see sign_guard.h and guard.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "log.h"
#include "sign_guard.h"

/* self_verify - the new signature against the record found valid */
static int
self_verify(struct msgctx *m, size_t i, guard_entry *e, char *why,
    size_t len)
{
	dkim_sig_result r;
	char *rec = NULL;

	if (guard_record(e, &rec) != DKIM_OK)
		return 0;	/* no valid record known: nothing to check */
	memset(&r, 0, sizeof r);
	if (dkim_msg_check_signed(m->dm, m->sel_idx[i], rec, &r) != DKIM_OK)
		r.verdict = DKIM_TEMPERROR;
	free(rec);
	if (r.verdict == DKIM_PASS)
		return 0;
	snprintf(why, len, "self-check of the new signature d=%s s=%s: %s "
	    "(%s)", m->sel[i].domain, m->sel[i].key->selector,
	    dkim_verdict_str(r.verdict), r.reason);
	return -1;
}

/* entry_for - the guard entry; '%' keys are added on first use */
static guard_entry *
entry_for(struct msgctx *m, size_t i)
{
	struct snapshot *s = m->snap;
	const struct sigsel *sel = &m->sel[i];
	guard_entry *e;

	e = guard_find(s->guard, sel->domain, sel->key->selector,
	    sel->key->key);
	if (e == NULL)
		e = guard_add_key(s->guard, sel->domain, sel->key->selector,
		    sel->key->key, (guard_action)s->cfg->guard_action);
	return e;
}

/* sign_guard_allows - map the guard verdict to what the session does */
enum sg_result
sign_guard_allows(struct msgctx *m, size_t i, struct sg_outcome *out)
{
	struct guard_verdict v;
	guard_entry *e;
	char why[400];

	out->result = SG_TEMPFAIL;
	out->state = GUARD_UNCHECKED;
	out->problem[0] = '\0';
	out->selfcheck_failed = 0;
	snprintf(out->reply, sizeof out->reply, "signing key check failed, "
	    "try again later");
	if (m->snap->guard == NULL || (e = entry_for(m, i)) == NULL)
		return out->result;
	guard_query(e, &v);
	out->state = v.state;
	snprintf(out->problem, sizeof out->problem, "%s", v.problem);
	if (m->snap->cfg->dry_run && v.would != GUARD_DO_SIGN)
		log_notice("%s: dry run: guard would %s d=%s s=%s: %s", m->qid,
		    guard_decision_str(v.would), m->sel[i].domain,
		    m->sel[i].key->selector, v.problem);
	switch (v.decision) {
	case GUARD_DO_SIGN_WARN:
		log_warnx("%s: signing d=%s s=%s although %s", m->qid,
		    m->sel[i].domain, m->sel[i].key->selector, v.problem);
		/* FALLTHROUGH */
	case GUARD_DO_SIGN:
		out->result = SG_SIGN;
		break;
	case GUARD_DO_HOLD:
		out->result = SG_HOLD;
		snprintf(out->reply, sizeof out->reply, "%s", v.problem);
		break;
	case GUARD_DO_UNSIGNED:
		guard_count(e, GUARD_CNT_UNSIGNED);
		return out->result = SG_SKIP;
	case GUARD_DO_TEMPFAIL:
		guard_count(e, GUARD_CNT_TEMPFAILED);
		snprintf(out->reply, sizeof out->reply, "%s", v.reply);
		return out->result = SG_TEMPFAIL;
	}
	if (m->snap->cfg->self_verify &&
	    self_verify(m, i, e, why, sizeof why) < 0) {
		log_errx("%s: %s", m->qid, why);
		out->selfcheck_failed = 1;
		guard_count(e, GUARD_CNT_TEMPFAILED);
		snprintf(out->reply, sizeof out->reply, "%s", why);
		return out->result = SG_TEMPFAIL;
	}
	guard_count(e, out->result == SG_HOLD ? GUARD_CNT_HELD :
	    GUARD_CNT_SIGNED);
	return out->result;
}
