/*
 * actions.c - outcomes to libmilter actions, DryRun in one place
 * (see actions.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "common/config/config.h"
#include "util/assert.h"
#include "util/log.h"
#include "milter/observe/observe.h"

/* msg_fail - remember the first internal error of a message */
void
msg_fail(struct msgctx *m, const char *what, dkim_rc rc)
{
	if (m->failed)
		return;
	m->failed = 1;
	snprintf(m->error, sizeof m->error, "%s: %s", what, dkim_rc_str(rc));
}

/* msg_fail_str - remember the first internal error, text given whole */
void
msg_fail_str(struct msgctx *m, const char *text)
{
	if (m->failed)
		return;
	m->failed = 1;
	snprintf(m->error, sizeof m->error, "%s", text);
}

/* act_lf - CRLF -> LF; lone CRs are dropped too */
char *
act_lf(const char *value)
{
	char *out = malloc(strlen(value) + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (; *value != '\0'; value++)
		if (*value != '\r')
			*o++ = *value;
	*o = '\0';
	return out;
}

/* act_insert_header - smfi_insheader at index 0 */
int
act_insert_header(SMFICTX *ctx, const struct conn *c, struct msgctx *m,
    const char *name, const char *value)
{
	char *lf;
	const char *v;
	int rc;

	if (m->snap->cfg->dry_run) {
		log_info("%s: dry run: would add %s:%.60s...", m->qid, name,
		    value);
		return 0;
	}
	if ((lf = act_lf(value)) == NULL)
		return -1;
	/* without LEADSPC the MTA adds one space after the colon itself */
	v = !c->leadspc && lf[0] == ' ' ? lf + 1 : lf;
	rc = smfi_insheader(ctx, 0, (char *)name, (char *)v);
	free(lf);
	/* libmilter fails here when the MTA has gone or did not allow
	 * header changes; memory was not the problem */
	if (rc != MI_SUCCESS)
		log_warnx("%s: could not add %s field: the MTA refused the "
			  "change or the connection has gone",
		    m->qid, name);
	return rc == MI_SUCCESS ? 0 : -1;
}

/* act_delete_header - smfi_chgheader with a NULL value deletes */
int
act_delete_header(SMFICTX *ctx, struct msgctx *m, const char *name,
    unsigned idx)
{
	if (m->snap->cfg->dry_run) {
		log_info("%s: dry run: would remove %s field #%u", m->qid, name,
		    idx);
		return 0;
	}
	return smfi_chgheader(ctx, (char *)name, (int)idx, NULL) == MI_SUCCESS ?
	    0 :
	    -1;
}

/* act_remove_ours_ar - remove every Authentication-Results field that
 * claims our authserv-id (RFC 8601 5), once per message, at end of
 * message; -1 when one could not be recorded or removed (the message
 * must then be refused) */
int
act_remove_ours_ar(SMFICTX *ctx, struct msgctx *m)
{
	size_t k;

	if (m->ar_removed)
		return 0;
	if (m->ar_lost) {
		log_warnx("%s: could not record every Authentication-Results "
			  "field claiming %s (out of memory)",
		    m->qid, m->snap->authserv_id);
		return -1;
	}
	if (m->nar_ours > 0)
		log_info("%s: removing %zu Authentication-Results field%s "
			 "claiming our authserv-id %s",
		    m->qid, m->nar_ours, m->nar_ours == 1 ? "" : "s",
		    m->snap->authserv_id);
	/* highest index first, so the lower ones keep their numbers */
	for (k = m->nar_ours; k-- > 0;)
		if (act_delete_header(ctx, m, "Authentication-Results",
			m->ar_ours[k]) < 0) {
			log_warnx("%s: could not remove Authentication-Results "
				  "field #%u: the MTA refused the change or the "
				  "connection has gone",
			    m->qid, m->ar_ours[k]);
			return -1;
		}
	/* none yet is no answer: before end of message (OnInternalError
	 * at MAIL FROM) the fields have not been seen, so look again */
	m->ar_removed = m->nar_ours > 0;
	return 0;
}

/* act_refuse_ours_ar - a message whose forged Authentication-Results
 * fields could not all be removed is never delivered: tempfail, so a
 * genuine sender's MTA retries */
sfsistat
act_refuse_ours_ar(SMFICTX *ctx, struct msgctx *m)
{
	return act_final(ctx, m, ACTION_TEMPFAIL, "451", "4.7.0",
	    "dkimguard: could not remove Authentication-Results fields "
	    "claiming this host's authserv-id, try again later");
}

/* act_header_too_big - the signing outcome for a header block past the
 * library's 4 MiB: the signature can never be made, so refuse at once
 * (RFC 3463 5.3.4) rather than tempfail and let it wait in a queue */
sfsistat
act_header_too_big(SMFICTX *ctx, struct msgctx *m)
{
	log_warnx("%s: not signing: header block over 4 MiB (%zu bytes)",
	    m->qid, m->hdr_bytes);
	return act_final(ctx, m, ACTION_REJECT, "552", "5.3.4",
	    "dkimguard: header block over 4 MiB, cannot sign this message");
}

/* act_final - the end of one message */
sfsistat
act_final(SMFICTX *ctx, struct msgctx *m, int action, const char *rcode,
    const char *xcode, const char *text)
{
#define ACTION_WORD(id, word) [id] = word,
	static const char *const would[] = {CONFIG_ACTIONS(ACTION_WORD)};
#undef ACTION_WORD
	int dry = m->snap->cfg->dry_run;

	/* On* options only parse to CONFIG_ACTIONS, the code passes those */
	ASSERT(action >= 0 && (size_t)action < sizeof would / sizeof would[0]);
	if (action == ACTION_ACCEPT)
		return SMFIS_CONTINUE;
	m->action = would[action]; /* for the message's log line */
	if (!dry)
		metrics_count_action(observe_metrics(), action);
	if (dry) {
		log_notice("%s: dry run: would %s: %s", m->qid, would[action],
		    text);
		return SMFIS_CONTINUE;
	}
	switch (action) {
	case ACTION_QUARANTINE:
		log_notice("%s: quarantined: %s", m->qid, text);
		if (smfi_quarantine(ctx, (char *)text) != MI_SUCCESS)
			log_warnx("%s: quarantine failed", m->qid);
		return SMFIS_CONTINUE;
	case ACTION_REJECT:
		log_notice("%s: rejected: %s %s %s", m->qid, rcode, xcode,
		    text);
		smfi_setreply(ctx, (char *)rcode, (char *)xcode, (char *)text);
		return SMFIS_REJECT;
	case ACTION_TEMPFAIL:
		log_notice("%s: tempfail: %s %s %s", m->qid, rcode, xcode,
		    text);
		smfi_setreply(ctx, (char *)rcode, (char *)xcode, (char *)text);
		return SMFIS_TEMPFAIL;
	default:
		PANIC("%s: action %d is none of CONFIG_ACTIONS", m->qid,
		    action);
	}
}

/* left_unsigned - accepted without the signatures it should carry */
static void
left_unsigned(struct msgctx *m)
{
	msglog_alert(&m->log, alert_reason_str(ALERT_LEFT_UNSIGNED));
	alert_note(observe_alert(), ALERT_LEFT_UNSIGNED, m->qid,
	    "internal error with OnInternalError accept");
}

/* act_internal_error - the configured action, default tempfail */
sfsistat
act_internal_error(SMFICTX *ctx, struct msgctx *m)
{
	int action = m->snap->cfg->on_internal_error;

	if (m->failed == 1) { /* count each message's error once */
		m->failed = 2;
		metrics_inc(observe_metrics(), MET_INTERNAL_ERRORS_ALL);
		msglog_error(&m->log, m->error);
		if (action == ACTION_ACCEPT && m->nsel > 0 && m->nsigned == 0)
			left_unsigned(m);
	}
	log_errx("%s: internal error: %s; OnInternalError %s", m->qid, m->error,
	    config_enum_str(m->snap->cfg, OPTID_OnInternalError));
	/* accepted anyway: our forged A-R fields still go, or it is refused */
	if (action == ACTION_ACCEPT && act_remove_ours_ar(ctx, m) < 0)
		return act_refuse_ours_ar(ctx, m);
	if (action == ACTION_REJECT)
		return act_final(ctx, m, action, "550", "5.3.0",
		    "dkimguard: internal error");
	return act_final(ctx, m, action, "451", "4.3.0",
	    "dkimguard: internal error, try again later");
}
