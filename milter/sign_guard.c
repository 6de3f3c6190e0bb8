/*
 * sign_guard.c - ask the published-key guard before a signature leaves
 * (see sign_guard.h and guard.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/guard/guard.h"
#include "util/assert.h"
#include "util/log.h"
#include "sign_guard.h"

/*
 * sign_checked - make signature i and verify it once: against the record
 * it must verify with (the one the guard vouches for, published or to
 * publish, or with Guard no the key's own), which is also the library's
 * fault check; without SelfVerify the library checks it against the
 * key's own public half.  0: out->value set; -1: self-check failed (why
 * says how); -2: internal failure (out->sign_rc, out->sign_err).
 * Records are parsed once per record, never here.
 */
static int
sign_checked(struct msgctx *m, size_t i, guard_entry *e, struct sg_outcome *out,
    char *why, size_t len)
{
	dkim_sig_result r;
	dkim_keyrec *rec = NULL;
	dkim_rc rc;

	if (m->snap->cfg->self_verify) {
		rec = e != NULL ? guard_keyrec(e) :
				  dkim_keyrec_ref(m->sel[i].key->own_rec);
		/* guard_keyrec never returns NULL, and with Guard no the
		 * snapshot refuses to load unless each key's own record
		 * parsed: a NULL here would sign with no self-check */
		if (rec == NULL)
			PANIC("%s: no record to self-check d=%s s=%s against "
			      "(%s)",
			    m->qid, m->sel[i].domain, m->sel[i].key->selector,
			    e != NULL ? "guard entry" : "key's own record");
	}
	rc = dkim_msg_sign_rec(m->dm, m->sel_idx[i], rec, &out->value, &r,
	    out->sign_err, sizeof out->sign_err);
	dkim_keyrec_free(rec);
	if (rc != DKIM_OK) {
		out->sign_rc = rc;
		return -2;
	}
	if (out->value != NULL)
		return 0;
	snprintf(why, len,
	    "self-check of the new signature d=%s s=%s: %s "
	    "(%s)",
	    m->sel[i].domain, m->sel[i].key->selector,
	    dkim_verdict_str(r.verdict), r.reason);
	return -1;
}

/* key_action - the key table's guard= column, else GuardAction */
static guard_action
key_action(const struct snapshot *s, const struct keyent *k)
{
	return k->guard_action >= 0 ? (guard_action)k->guard_action :
				      (guard_action)s->cfg->guard_action;
}

/* entry_for - the guard entry; a '%' key for a domain the signing table
 * does not name literally is added on first use */
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
		    sel->key->key, key_action(s, sel->key));
	return e;
}

/* sign_guard_valid - would signature i leave as it is (sign_guard.h) */
int
sign_guard_valid(struct msgctx *m, size_t i)
{
	struct guard_verdict v;
	guard_entry *e;

	if (!m->snap->cfg->guard)
		return 1;
	if (m->snap->guard == NULL || (e = entry_for(m, i)) == NULL)
		return 0;
	guard_query(e, &v);
	return v.would == GUARD_DO_SIGN;
}

/*
 * drop_invalid - GuardDropInvalid: the message keeps its other, valid
 * signature(s) and loses only this one, instead of waiting (tempfail)
 * or being held for a key that cannot verify anyway
 */
static int
drop_invalid(struct msgctx *m, size_t i, guard_entry *e,
    const struct guard_verdict *v, int others_valid, struct sg_outcome *out)
{
	if (!others_valid || !m->snap->cfg->guard_drop_invalid ||
	    (v->decision != GUARD_DO_TEMPFAIL && v->decision != GUARD_DO_HOLD))
		return 0;
	log_warnx("%s: signature d=%s s=%s dropped (%s: %s); the message "
		  "keeps its valid signature(s) (GuardDropInvalid)",
	    m->qid, m->sel[i].domain, m->sel[i].key->selector,
	    guard_state_str(v->state), v->problem);
	guard_count(e, GUARD_CNT_UNSIGNED);
	out->dropped = 1;
	out->result = SG_SKIP;
	return 1;
}

/* ask_guard - the guard's verdict mapped to out; e: the entry or NULL */
static void
ask_guard(struct msgctx *m, size_t i, int others_valid, guard_entry **ep,
    struct sg_outcome *out)
{
	struct guard_verdict v;
	guard_entry *e;

	if (m->snap->guard == NULL || (*ep = e = entry_for(m, i)) == NULL)
		return; /* SG_TEMPFAIL */
	guard_query(e, &v);
	out->state = v.state;
	snprintf(out->problem, sizeof out->problem, "%s", v.problem);
	if (m->snap->cfg->dry_run && v.would != GUARD_DO_SIGN)
		log_notice("%s: dry run: guard would %s d=%s s=%s: %s", m->qid,
		    guard_decision_str(v.would), m->sel[i].domain,
		    m->sel[i].key->selector, v.problem);
	if (drop_invalid(m, i, e, &v, others_valid, out))
		return;
	switch (v.decision) {
	case GUARD_DO_SIGN_WARN:
		log_warnx("%s: signing d=%s s=%s although %s", m->qid,
		    m->sel[i].domain, m->sel[i].key->selector, v.problem);
		/* FALLTHROUGH */
	case GUARD_DO_SIGN:
		out->result = SG_SIGN;
		break;
	case GUARD_DO_HOLD:
		out->result = SG_HOLD; /* the reason names the key, as a 451 */
		snprintf(out->reply, sizeof out->reply, "%s", v.reply);
		break;
	case GUARD_DO_UNSIGNED:
		guard_count(e, GUARD_CNT_UNSIGNED);
		out->result = SG_SKIP;
		break;
	case GUARD_DO_TEMPFAIL:
		guard_count(e, GUARD_CNT_TEMPFAILED);
		snprintf(out->reply, sizeof out->reply, "%s", v.reply);
		out->result = SG_TEMPFAIL;
		break;
	default:
		PANIC("%s: guard decision %d is none of GUARD_DO_*", m->qid,
		    (int)v.decision);
	}
}

/* sign_guard_allows - map the guard verdict to what the session does,
 * and sign when it allows */
enum sg_result
sign_guard_allows(struct msgctx *m, size_t i, int others_valid,
    struct sg_outcome *out)
{
	guard_entry *e = NULL;
	char why[400];
	int rc;

	out->result = SG_TEMPFAIL;
	out->state = GUARD_UNCHECKED;
	out->guard_off = !m->snap->cfg->guard;
	out->problem[0] = '\0';
	out->selfcheck_failed = 0;
	out->dropped = 0;
	out->value = NULL;
	out->sign_rc = DKIM_OK;
	out->sign_err[0] = '\0';
	snprintf(out->reply, sizeof out->reply,
	    "signing key check failed, "
	    "try again later");
	if (out->guard_off)
		out->result = SG_SIGN; /* Guard no: DNS is not asked */
	else
		ask_guard(m, i, others_valid, &e, out);
	if (out->result != SG_SIGN && out->result != SG_HOLD)
		return out->result;
	if ((rc = sign_checked(m, i, e, out, why, sizeof why)) == -2)
		return out->result = SG_TEMPFAIL;
	if (rc < 0) {
		log_errx("%s: %s", m->qid, why);
		out->selfcheck_failed = 1;
		if (e != NULL)
			guard_count(e, GUARD_CNT_TEMPFAILED);
		snprintf(out->reply, sizeof out->reply, "%s", why);
		return out->result = SG_TEMPFAIL;
	}
	if (e != NULL)
		guard_count(e,
		    out->result == SG_HOLD ? GUARD_CNT_HELD : GUARD_CNT_SIGNED);
	return out->result;
}
