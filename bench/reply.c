/*
 * reply.c - decode filter replies (SMFIR_*) into a verdict and edits
 *
 * Reply texts are Postfix 3.7's (milter8.c) so that tests can compare
 * them with what a real Postfix answers.  Interface: reply.h.
 */
#include "reply.h"

#include <stdio.h>
#include <string.h>

#include <libmilter/mfdef.h>

#define TEXT_TEMPFAIL "451 4.7.1 Service unavailable - try again later"
#define TEXT_REJECT "550 5.7.1 Command rejected"

#define RP_MORE 3 /* internal: read another reply */

/* decide - record a final verdict */
static int
decide(struct mta_result *r, enum mta_action a, const char *text)
{
	r->action = a;
	snprintf(r->reply, sizeof(r->reply), "%s", text);
	return RP_DECIDED;
}

/* rp_error - a socket or protocol failure ends the message */
int
rp_error(struct mp_conn *c, struct mta_result *r)
{
	r->action = MTA_ERROR;
	snprintf(r->reply, sizeof(r->reply), "%s",
	    c->err[0] ? c->err : "protocol error");
	return RP_ERROR;
}

/* bad_reply - a malformed or unexpected reply */
static int
bad_reply(struct mp_conn *c, struct mta_result *r, int cmd)
{
	snprintf(c->err, sizeof(c->err), "unexpected or malformed reply '%c'",
	    cmd);
	return rp_error(c, r);
}

/* two_strings - split "name\0value\0" data, NULL if malformed */
static const char *
two_strings(const char *d, size_t len, const char **v)
{
	size_t n = strnlen(d, len);

	if (n + 1 >= len || strnlen(d + n + 1, len - n - 1) == len - n - 1)
		return NULL;
	*v = d + n + 1;
	return d;
}

/* edit - apply one end-of-message modification request */
static int
edit(struct mp_conn *c, int cmd, const char *d, size_t len,
    const struct mta_edits *ed, struct mta_result *r)
{
	const char *name, *value;
	uint32_t idx = 0;

	switch (cmd) {
	case SMFIR_INSHEADER:
	case SMFIR_CHGHEADER:
		if (len < 4 || !(name = two_strings(d + 4, len - 4, &value)))
			return bad_reply(c, r, cmd);
		idx = mp_get_u32(d);
		if (cmd == SMFIR_INSHEADER) {
			r->n_ins++;
			if (ed && ed->ins_header)
				ed->ins_header(ed->ctx, idx, name, value);
		} else {
			r->n_chg++;
			if (ed && ed->chg_header)
				ed->chg_header(ed->ctx, idx, name, value);
		}
		return RP_CONTINUE;
	case SMFIR_ADDHEADER:
		if (!(name = two_strings(d, len, &value)))
			return bad_reply(c, r, cmd);
		r->n_add++;
		if (ed && ed->add_header)
			ed->add_header(ed->ctx, name, value);
		return RP_CONTINUE;
	case SMFIR_REPLBODY:
		r->n_body++;
		if (ed && ed->repl_body)
			ed->repl_body(ed->ctx, d, len);
		return RP_CONTINUE;
	case SMFIR_CHGFROM:
	case SMFIR_ADDRCPT:
	case SMFIR_DELRCPT:
	case SMFIR_ADDRCPT_PAR:
		r->n_other++;
		return RP_CONTINUE;
	}
	return bad_reply(c, r, cmd);
}

/* reply_code - SMFIR_REPLYCODE: "4xx ..." tempfails, "5xx ..." rejects */
static int
reply_code(struct mp_conn *c, const char *d, size_t len, struct mta_result *r)
{
	if (len < 5 || (d[0] != '4' && d[0] != '5') || d[4] != d[0])
		return bad_reply(c, r, SMFIR_REPLYCODE);
	return decide(r, d[0] == '4' ? MTA_TEMPFAIL : MTA_REJECT, d);
}

/* one_reply - handle one reply packet */
static int
one_reply(struct mp_conn *c, int cmd, const char *d, size_t len, int eom,
    const struct mta_edits *ed, struct mta_result *r)
{
	switch (cmd) {
	case SMFIR_PROGRESS:
		return RP_MORE; /* keep reading */
	case SMFIR_CONTINUE:
		return RP_CONTINUE;
	case SMFIR_SKIP:
		return RP_SKIP;
	case SMFIR_ACCEPT:
		return decide(r, MTA_ACCEPT, "");
	case SMFIR_DISCARD:
		return decide(r, MTA_DISCARD, "");
	case SMFIR_REJECT:
		return decide(r, MTA_REJECT, TEXT_REJECT);
	case SMFIR_TEMPFAIL:
		return decide(r, MTA_TEMPFAIL, TEXT_TEMPFAIL);
	case SMFIR_REPLYCODE:
		return reply_code(c, d, len, r);
	case SMFIR_QUARANTINE:
		r->quarantined = 1;
		snprintf(r->qreason, sizeof(r->qreason), "%.*s", (int)len, d);
		return RP_MORE;
	}
	if (!eom)
		return bad_reply(c, r, cmd);
	if (edit(c, cmd, d, len, ed, r) == RP_ERROR)
		return RP_ERROR;
	return RP_MORE;
}

/* rp_await - read replies to one event until a decision */
int
rp_await(struct mp_conn *c, int eom, const struct mta_edits *ed,
    struct mta_result *r, int verbose)
{
	char *d;
	size_t len;
	int cmd, rc;

	do {
		if (mp_read(c, &cmd, &d, &len) < 0)
			return rp_error(c, r);
		if (verbose)
			fprintf(stderr, "mta: reply '%c' %zu bytes\n", cmd,
			    len);
		rc = one_reply(c, cmd, d, len, eom, ed, r);
	} while (rc == RP_MORE);
	if (rc == RP_SKIP && eom)
		return bad_reply(c, r, cmd);
	return rc;
}

/* rp_finish - a quarantine request turns accept into quarantine */
void
rp_finish(struct mta_result *r)
{
	if (r->quarantined && r->action == MTA_ACCEPT) {
		r->action = MTA_QUARANTINE;
		memcpy(r->reply, r->qreason, sizeof(r->qreason));
	}
}
