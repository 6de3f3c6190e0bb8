/*
 * mta.c - send messages through a filter as Postfix's smtpd does
 *
 * Event order, reply handling and the default SMTP reply texts follow
 * Postfix 3.7 src/milter/milter8.c (milter8_event, milter8_message).
 * Interface: mta.h.  Reply handling is in reply.c.
 */
#include "mta.h"
#include "reply.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <libmilter/mfdef.h>

const char *const mta_action_name[MTA_NACTIONS] = {"accept", "tempfail",
    "reject", "quarantine", "discard", "error"};

/* ev_begin - queue the stage's macros; 1 if the event itself is wanted */
static int
ev_begin(struct mta_session *s, int stage, int cmd, uint32_t noflag,
    const char *qid)
{
	mac_send(&s->conn, stage, cmd, s->env, qid);
	if (s->conn.pflags & noflag)
		return 0;
	if (s->verbose)
		fprintf(stderr, "mta: send '%c'\n", cmd);
	mp_begin(&s->conn, cmd);
	return 1;
}

/* ev_end - close the event packet and await the reply unless declined */
static int
ev_end(struct mta_session *s, uint32_t nrflag, int eom,
    const struct mta_edits *ed, struct mta_result *r)
{
	int cmd = s->conn.last_cmd, rc;

	mp_end(&s->conn);
	if (s->conn.pflags & nrflag) {
		if (s->trace)
			s->trace(s->trace_arg, cmd, 0, RP_CONTINUE, r);
		return RP_CONTINUE;
	}
	rc = rp_await(&s->conn, eom, ed, r, s->verbose);
	if (s->trace)
		s->trace(s->trace_arg, cmd, 1, rc, r);
	return rc;
}

/* ev_simple - an event without data */
static int
ev_simple(struct mta_session *s, int stage, int cmd, uint32_t noflag,
    uint32_t nrflag, const char *qid, struct mta_result *r)
{
	int rc;

	if (!ev_begin(s, stage, cmd, noflag, qid))
		return RP_CONTINUE;
	rc = ev_end(s, nrflag, 0, NULL, r);
	return rc == RP_SKIP ? RP_CONTINUE : rc;
}

/* ev_string - an event whose data is one string */
static int
ev_string(struct mta_session *s, int stage, int cmd, uint32_t noflag,
    uint32_t nrflag, const char *arg, const char *qid, struct mta_result *r)
{
	int rc;

	if (!ev_begin(s, stage, cmd, noflag, qid))
		return RP_CONTINUE;
	mp_add_str(&s->conn, arg);
	rc = ev_end(s, nrflag, 0, NULL, r);
	return rc == RP_SKIP ? RP_CONTINUE : rc;
}

/* send_connect - SMFIC_CONNECT: host name, family, port, address */
static int
send_connect(struct mta_session *s, struct mta_result *r)
{
	const struct mta_env *e = s->env;
	int local = e->client_addr == NULL || e->client_addr[0] == 0;
	char fam = local                ? SMFIA_UNKNOWN :
	    strchr(e->client_addr, ':') ? SMFIA_INET6 :
					  SMFIA_INET;
	int rc;

	if (!ev_begin(s, MAC_CONNECT, SMFIC_CONNECT, SMFIP_NOCONNECT, NULL))
		return RP_CONTINUE;
	mp_add_str(&s->conn, e->client_name);
	mp_add(&s->conn, &fam, 1);
	if (!local) { /* SMFIA_UNKNOWN: no port, no address */
		mp_add_u16(&s->conn, (uint16_t)e->client_port);
		mp_add_str(&s->conn, e->client_addr);
	}
	rc = ev_end(s, SMFIP_NR_CONN, 0, NULL, r);
	return rc == RP_SKIP ? RP_CONTINUE : rc;
}

/* session_open - connect, negotiate, report CONNECT and HELO */
static int
session_open(struct mta_session *s, struct mta_result *r)
{
	int rc;

	if (mp_connect(&s->conn, s->spec, s->timeout) < 0 ||
	    mp_optneg(&s->conn) < 0)
		return rp_error(&s->conn, r);
	s->open = 1;
	rc = send_connect(s, r);
	if (rc == RP_CONTINUE)
		rc = ev_string(s, MAC_HELO, SMFIC_HELO, SMFIP_NOHELO,
		    SMFIP_NR_HELO, s->env->helo, NULL, r);
	return rc;
}

/* send_envelope - MAIL, RCPT and DATA */
static int
send_envelope(struct mta_session *s, const char *qid, struct mta_result *r)
{
	char addr[1024];
	int rc;

	snprintf(addr, sizeof(addr), "<%s>", s->env->from);
	rc = ev_string(s, MAC_MAIL, SMFIC_MAIL, SMFIP_NOMAIL, SMFIP_NR_MAIL,
	    addr, qid, r);
	if (rc != RP_CONTINUE)
		return rc;
	snprintf(addr, sizeof(addr), "<%s>", s->env->rcpt);
	rc = ev_string(s, MAC_RCPT, SMFIC_RCPT, SMFIP_NORCPT, SMFIP_NR_RCPT,
	    addr, qid, r);
	if (rc != RP_CONTINUE)
		return rc;
	return ev_simple(s, MAC_DATA, SMFIC_DATA, SMFIP_NODATA, SMFIP_NR_DATA,
	    qid, r);
}

/* send_headers - each header field, then EOH (macros: end-of-header) */
static int
send_headers(struct mta_session *s, const struct mf_message *m, const char *qid,
    struct mta_result *r)
{
	int leadspc = (s->conn.pflags & SMFIP_HDR_LEADSPC) != 0;
	size_t i;
	int rc;

	for (i = 0; i < m->nhdrs; i++) {
		if (!ev_begin(s, MAC_EOH, SMFIC_HEADER, SMFIP_NOHDRS, qid))
			break;
		mp_add_str(&s->conn, m->hdrs[i].name);
		mp_add_str(&s->conn, mf_header_value(&m->hdrs[i], leadspc));
		rc = ev_end(s, SMFIP_NR_HDR, 0, NULL, r);
		if (rc == RP_SKIP)
			break; /* SMFIR_SKIP: no more headers */
		if (rc != RP_CONTINUE)
			return rc;
	}
	return ev_simple(s, MAC_EOH, SMFIC_EOH, SMFIP_NOEOH, SMFIP_NR_EOH, qid,
	    r);
}

/* send_body - body chunks (macros: end-of-data), until done or SKIP */
static int
send_body(struct mta_session *s, const struct mf_message *m, const char *qid,
    struct mta_result *r)
{
	struct mf_body_iter it;
	size_t n,
	    cap = s->chunk_max > 0 && s->chunk_max < sizeof(s->chunk) ?
	    s->chunk_max :
	    sizeof(s->chunk);
	int rc;

	mf_body_start(&it, m);
	while ((n = mf_body_next(&it, s->chunk, cap)) > 0) {
		if (!ev_begin(s, MAC_EOM, SMFIC_BODY, SMFIP_NOBODY, qid))
			break;
		mp_add(&s->conn, s->chunk, n);
		rc = ev_end(s, SMFIP_NR_BODY, 0, NULL, r);
		if (rc == RP_SKIP)
			break;
		if (rc != RP_CONTINUE)
			return rc;
	}
	return RP_CONTINUE;
}

/* hold - what is buffered goes out, then a pause: the message stays in
 * flight at the filter (a slow client) */
static int
hold(struct mta_session *s)
{
	struct timespec ts = {s->hold_ms / 1000,
	    (s->hold_ms % 1000) * 1000000L};

	if (mp_flush(&s->conn) < 0)
		return RP_ERROR;
	nanosleep(&ts, NULL);
	return RP_CONTINUE;
}

/* send_message - the transaction up to the final verdict */
static int
send_message(struct mta_session *s, const struct mf_message *m, const char *qid,
    const struct mta_edits *ed, struct mta_result *r)
{
	int rc = send_envelope(s, qid, r);

	if (rc == RP_CONTINUE)
		rc = send_headers(s, m, qid, r);
	if (rc == RP_CONTINUE && s->hold_ms > 0)
		rc = hold(s);
	if (rc == RP_CONTINUE)
		rc = send_body(s, m, qid, r);
	if (rc == RP_CONTINUE && ev_begin(s, MAC_EOM, SMFIC_BODYEOB, 0, qid))
		rc = ev_end(s, 0, 1, ed, r);
	return rc;
}

/* mta_message - one message through the filter, verdict in r */
int
mta_message(struct mta_session *s, const struct mf_message *m,
    const char *queue_id, const struct mta_edits *ed, struct mta_result *r)
{
	int rc = RP_CONTINUE;

	memset(r, 0, sizeof(*r));
	if (!s->open)
		rc = session_open(s, r);
	if (rc == RP_CONTINUE)
		rc = send_message(s, m, queue_id, ed, r);
	else if (rc == RP_DECIDED) { /* connection-level: Postfix hangs up */
		mp_close(&s->conn);
		s->open = 0;
		rp_finish(r);
		return 0;
	}
	if (rc == RP_ERROR) {
		mp_close(&s->conn);
		s->open = 0;
		return -1;
	}
	rp_finish(r);
	mp_send_empty(&s->conn, SMFIC_ABORT); /* flushed with the next write */
	return 0;
}

/* mta_quit - end the session */
void
mta_quit(struct mta_session *s)
{
	if (s->open) {
		mp_send_empty(&s->conn, SMFIC_QUIT);
		(void)mp_flush(&s->conn);
	}
	mp_close(&s->conn);
	s->open = 0;
}
