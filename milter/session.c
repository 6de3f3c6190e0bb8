/*
 * session.c - libmilter callbacks: one connection, its messages.
 *
 * The path of a message: negotiate -> connect -> envfrom (decide, take
 * the snapshot) -> header* (library) -> eoh (pick signers) -> body*
 * (library, streamed) -> eom (sign or verify, act) -> abort/close.
 */
#define _GNU_SOURCE /* asprintf */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "actions.h"
#include "ar.h"
#include "listen.h"
#include "util/log.h"
#include "milter/observe/observe.h"
#include "session.h"
#include "signing.h"
#include "verifying.h"

/* Stopping (session_stop_accepting): a message that began before the
 * stop finishes, a new one is tempfailed so its MTA keeps it; main.c
 * waits for in_flight to reach 0. */
static atomic_int in_flight;
static atomic_int stopping;

/* session_stop_accepting - tempfail every message that begins from now */
void
session_stop_accepting(void)
{
	atomic_store(&stopping, 1);
}

/* session_in_flight - messages between MAIL FROM and their end */
int
session_in_flight(void)
{
	return atomic_load(&in_flight);
}

/* conn_get - the connection state, created on first use */
static struct conn *
conn_get(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c == NULL && (c = calloc(1, sizeof *c)) != NULL) {
		c->ack_fd = -1;
		smfi_setpriv(ctx, c);
	}
	if (c != NULL) /* libmilter has just read this command */
		listen_ack_now(c->ack_fd);
	return c;
}

/* msg_end - write its log line, release a message and its snapshot */
static void
msg_end(struct conn *c)
{
	struct msgctx *m;

	if (c == NULL || (m = c->msg) == NULL)
		return;
	msglog_action(&m->log, m->action != NULL ? m->action : "accept",
	    m->snap->cfg->dry_run);
	msglog_emit(&m->log, m->qid);
	dkim_msg_free(m->dm);
	snapshot_release(m->snap);
	free(m->from);
	free(m->ar_ours);
	free(m);
	c->msg = NULL;
	atomic_fetch_sub(&in_flight, 1);
}

/* msg_abort - the message ends without end of message */
static void
msg_abort(struct conn *c)
{
	if (c != NULL && c->msg != NULL && c->msg->action == NULL)
		c->msg->action = "abort";
	msg_end(c);
}

/* symval - a macro value or NULL */
static const char *
symval(SMFICTX *ctx, const char *name)
{
	const char *v = smfi_getsymval(ctx, (char *)name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/*
 * listening_on_tcp - whether the MTA reaches us over TCP (Socket inet: or
 * inet6:).  Postfix writes to a milter without TCP_NODELAY: whenever it
 * writes twice without reading an answer in between, its second write
 * waits in Nagle's buffer for our ACK of the first, which our kernel
 * delays by up to 40 ms.  It does so after a command we do not answer (a
 * header under SMFIP_NR_HDR) and after the macros of a step we skip
 * (RCPT's and DATA's come even then, alone): about 45 ms per message.  So
 * on TCP no step is skipped, and either every command is answered, the
 * reply carrying the ACK, or, when we hold the session socket, only what
 * needs an answer is answered and every command reaches a callback that
 * sends the ACK at once (TCP_QUICKACK; each step has a callback for that).
 * Over unix sockets there is no Nagle and no ACK.
 */
static int
listening_on_tcp(int *peers, int *quickack)
{
	struct snapshot *s = snapshot_acquire();
	int tcp = s != NULL && s->cfg->socket != NULL &&
	    strncmp(s->cfg->socket, "inet", 4) == 0;

	*peers = s == NULL ||
	    (s->cfg->peer_list != NULL && s->cfg->peer_list[0] != NULL);
	*quickack = s != NULL && s->cfg->tcp_quickack;
	if (s != NULL)
		snapshot_release(s);
	return tcp;
}

/* tcp_way_said - the first TCP session logs which way sessions run */
static atomic_int tcp_way_said;

/* say_tcp_way - that log line, once */
static void
say_tcp_way(int quickack, int fd)
{
	if (atomic_exchange(&tcp_way_said, 1) != 0)
		return;
	if (fd >= 0)
		log_info("TCP sessions: immediate ACKs on the session socket, "
			 "replies only where needed");
	else if (quickack)
		log_info("TCP sessions: libmilter's session socket not found; "
			 "every command is answered");
	else
		log_info("TCP sessions: TCPQuickAck no; every command is "
			 "answered");
}

/* s_negotiate - LEADSPC; no replies for headers and body and no steps we
 * do not use (on TCP: no replies for them, see above); macros.  Connect is
 * answered only when a PeerList may accept the connection there. */
static sfsistat
s_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
    unsigned long f3, unsigned long *pf0, unsigned long *pf1,
    unsigned long *pf2, unsigned long *pf3)
{
	struct conn *c = conn_get(ctx);
	unsigned long want = SMFIP_HDR_LEADSPC;
	int peers, quickack, tcp;

	if (c == NULL)
		return SMFIS_REJECT;
	tcp = listening_on_tcp(&peers, &quickack);
	if (tcp && quickack)
		c->ack_fd = listen_session_socket(ctx);
	if (tcp)
		say_tcp_way(quickack, c->ack_fd);
	if (!tcp)
		want |= SMFIP_NR_HDR | SMFIP_NR_BODY | SMFIP_NOHELO |
		    SMFIP_NORCPT | SMFIP_NOUNKNOWN | SMFIP_NODATA |
		    (peers ? 0 : SMFIP_NR_CONN);
	else if (c->ack_fd >= 0)
		want |= SMFIP_NR_HDR | SMFIP_NR_BODY | SMFIP_NR_HELO |
		    SMFIP_NR_RCPT | SMFIP_NR_UNKN | SMFIP_NR_DATA |
		    (peers ? 0 : SMFIP_NR_CONN);
	*pf0 = f0 &
	    (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE |
		SMFIF_SETSYMLIST);
	*pf1 = f1 & want;
	*pf2 = *pf3 = 0;
	c->leadspc = (*pf1 & SMFIP_HDR_LEADSPC) != 0;
	c->nr_hdr = (*pf1 & SMFIP_NR_HDR) != 0;
	c->nr_body = (*pf1 & SMFIP_NR_BODY) != 0;
	c->nr_conn = (*pf1 & SMFIP_NR_CONN) != 0;
	c->nr_steps = (*pf1 & SMFIP_NR_RCPT) != 0;
	if (f0 & SMFIF_SETSYMLIST) {
		smfi_setsymlist(ctx, SMFIM_CONNECT, "j {daemon_name}");
		smfi_setsymlist(ctx, SMFIM_ENVFROM, "i {auth_authen}");
		smfi_setsymlist(ctx, SMFIM_EOH, "i");
		smfi_setsymlist(ctx, SMFIM_EOM, "i");
	}
	return SMFIS_CONTINUE;
}

/* is_peer - PeerList of the current snapshot holds sa */
static int
is_peer(const struct sockaddr *sa)
{
	struct snapshot *s = snapshot_acquire();
	int peer = s != NULL && decide_peer(&s->policy, sa);

	snapshot_release(s);
	return peer;
}

/* s_connect - remember the client address (none: local submission);
 * a PeerList client is accepted here, unfiltered */
static sfsistat
s_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	struct conn *c = conn_get(ctx);
	const char *dn;

	if (c == NULL) /* negotiation refused: no SMFIP_NR_CONN */
		return SMFIS_TEMPFAIL;
	if (sa != NULL &&
	    (sa->sa_family == AF_INET || sa->sa_family == AF_INET6)) {
		memcpy(&c->addr, sa,
		    sa->sa_family == AF_INET ? sizeof(struct sockaddr_in) :
					       sizeof(struct sockaddr_in6));
		c->has_addr = 1;
	}
	if (!c->has_addr ||
	    inet_ntop(sa->sa_family,
		sa->sa_family == AF_INET ?
		    (void *)&((struct sockaddr_in *)sa)->sin_addr :
		    (void *)&((struct sockaddr_in6 *)sa)->sin6_addr,
		c->addr_str, sizeof c->addr_str) == NULL)
		snprintf(c->addr_str, sizeof c->addr_str, "local (%s)",
		    host != NULL ? host : "?");
	if ((dn = symval(ctx, "{daemon_name}")) != NULL)
		snprintf(c->daemon_name, sizeof c->daemon_name, "%s", dn);
	/* under SMFIP_NR_CONN any reply would be read as the next one's:
	 * a PeerList loaded since negotiation is applied at MAIL */
	if (c->nr_conn)
		return SMFIS_NOREPLY;
	if (c->has_addr && is_peer((struct sockaddr *)&c->addr)) {
		log_debug("connection from %s: in PeerList, not filtered",
		    c->addr_str);
		return SMFIS_ACCEPT;
	}
	return SMFIS_CONTINUE;
}

/* msg_start - decide and set up one message; NULL on ENOMEM */
static struct msgctx *
msg_start(SMFICTX *ctx, struct conn *c, const char *sender)
{
	struct decide_input in;
	struct msgctx *m;
	const char *v;

	if ((m = calloc(1, sizeof *m)) == NULL)
		return NULL;
	m->snap = snapshot_acquire();
	snprintf(m->qid, sizeof m->qid, "%s",
	    (v = symval(ctx, "i")) != NULL ? v : "NOQUEUE");
	snprintf(m->envfrom, sizeof m->envfrom, "%s", sender);
	in.client = c->has_addr ? (struct sockaddr *)&c->addr : NULL;
	in.auth_authen = symval(ctx, "{auth_authen}");
	in.daemon_name =
	    c->daemon_name[0] ? c->daemon_name : symval(ctx, "{daemon_name}");
	m->decision = decide(&m->snap->policy, &in, &m->why);
	m->ignore_bad = decide_ignore_bad(&m->snap->policy, &in);
	metrics_count_decision(observe_metrics(), m->decision);
	msglog_begin(&m->log,
	    m->decision == DECIDE_SKIP ? MSGLOG_OFF :
					 m->snap->cfg->log_message_line);
	msglog_decision(&m->log, decision_str(m->decision), m->why, c->addr_str,
	    m->envfrom);
	c->msg = m;
	atomic_fetch_add(&in_flight, 1);
	return m;
}

/* s_envfrom - new message: decision, snapshot, library context */
static sfsistat
s_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);
	struct msgctx *m;
	char sender[512];
	dkim_rc rc;

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	msg_abort(c); /* a message the MTA never ended */
	if (atomic_load(&stopping)) {
		smfi_setreply(ctx, "451", "4.3.2",
		    "dkimguard is stopping, try again later");
		return SMFIS_TEMPFAIL;
	}
	if (c->nr_conn && c->has_addr && is_peer((struct sockaddr *)&c->addr))
		return SMFIS_ACCEPT; /* PeerList came with a reload */
	snprintf(sender, sizeof sender, "%s", argv[0] ? argv[0] : "");
	if (sender[0] == '<')
		memmove(sender, sender + 1, strlen(sender));
	sender[strcspn(sender, ">")] = '\0';
	if ((m = msg_start(ctx, c, sender)) == NULL)
		return SMFIS_TEMPFAIL;
	log_debug("%s: %s from %s: %s", m->qid, decision_str(m->decision),
	    c->addr_str, m->why);
	if (m->decision == DECIDE_SKIP) {
		msg_end(c);
		return SMFIS_ACCEPT;
	}
	if ((rc = dkim_msg_new(&m->snap->dopt, &m->dm)) != DKIM_OK) {
		msg_fail(m, "new message", rc);
		return act_internal_error(ctx, m);
	}
	return SMFIS_CONTINUE;
}

/* note_ar - record the index of every Authentication-Results field
 * claiming our authserv-id, on every path and however many there are,
 * so end of message can remove them all (RFC 8601 5); a field that
 * cannot be recorded makes the message refused, never delivered.
 * Returns 1 for such a field. */
static int
note_ar(struct msgctx *m, const char *name, const char *value)
{
	unsigned *v;
	size_t cap;

	if (strcasecmp(name, "Authentication-Results") != 0)
		return 0;
	m->ar_seen++;
	if (!ar_is_ours(value, m->snap->authserv_id))
		return 0;
	if (m->nar_ours == m->ar_ours_cap) {
		cap = m->ar_ours_cap ? m->ar_ours_cap * 2 : 8;
		if ((v = reallocarray(m->ar_ours, cap, sizeof *v)) == NULL) {
			m->ar_lost = 1;
			return 1;
		}
		m->ar_ours = v;
		m->ar_ours_cap = cap;
	}
	m->ar_ours[m->nar_ours++] = m->ar_seen;
	return 1;
}

/* note_header - From: for signing, DKIM-Signature count, our A-R fields;
 * 1 when the field is one of ours, to be removed */
static int
note_header(struct msgctx *m, const char *name, const char *value)
{
	int ours = note_ar(m, name, value);

	m->hdr_bytes += strlen(name) + strlen(value) + 3;
	if (strcasecmp(name, "DKIM-Signature") == 0)
		m->ndkim++;
	if (!m->failed && strcasecmp(name, "From") == 0 && m->nfrom++ == 0 &&
	    (m->from = strdup(value)) == NULL)
		msg_fail(m, "header", DKIM_ENOMEM);
	return ours;
}

/* note_qid - the queue id, once the MTA has assigned one (Postfix sends
 * it with MAIL FROM only when it is known by then) */
static void
note_qid(SMFICTX *ctx, struct msgctx *m)
{
	const char *qid = symval(ctx, "i");

	if (qid != NULL)
		snprintf(m->qid, sizeof m->qid, "%s", qid);
}

/* s_header - one field to the library, exactly as received */
static sfsistat
s_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn *c = conn_get(ctx);
	struct msgctx *m = c != NULL ? c->msg : NULL;
	char *spaced = NULL;
	dkim_rc rc;
	int ours = 0;

	if (m != NULL)
		ours = note_header(m, name, value);
	/* a field that will be removed is not signed: what is signed is
	 * what leaves (verifying sees the message as it came) */
	if (m != NULL && !m->failed && !m->hdr_too_big &&
	    !(ours && m->decision == DECIDE_SIGN)) {
		/* without LEADSPC the MTA dropped the space after ':' */
		if (!c->leadspc && asprintf(&spaced, " %s", value) < 0)
			spaced = NULL;
		rc = dkim_msg_header_nv(m->dm, name,
		    c->leadspc         ? value :
			spaced != NULL ? spaced :
					 value);
		free(spaced);
		/* EINVAL for a field name the MTA vouches for (not empty, no
		 * ':') means the library's 4 MiB header block limit is
		 * passed: a defined outcome at end of message, not an
		 * internal error */
		if (rc == DKIM_EINVAL && name[0] != '\0' &&
		    strchr(name, ':') == NULL)
			m->hdr_too_big = 1;
		else if (rc != DKIM_OK)
			msg_fail(m, "header", rc);
	}
	return c != NULL && c->nr_hdr ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* s_eoh - choose the signers, then end the library's header phase */
static sfsistat
s_eoh(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);
	struct msgctx *m = c != NULL ? c->msg : NULL;
	dkim_rc rc;

	if (m == NULL || m->failed)
		return SMFIS_CONTINUE;
	note_qid(ctx, m); /* a message may end here */
	if (m->decision == DECIDE_SIGN && signing_select(m) == 0) {
		if (m->nar_ours == 0 && !m->ar_lost) {
			msg_end(c);
			return SMFIS_ACCEPT; /* nothing to sign or remove */
		}
		m->remove_only = 1; /* our A-R fields go at eom */
		return SMFIS_CONTINUE;
	}
	if (!m->failed && !m->hdr_too_big &&
	    (rc = dkim_msg_eoh(m->dm)) != DKIM_OK)
		msg_fail(m, "end of headers", rc);
	if (!m->failed && !m->hdr_too_big && m->decision == DECIDE_VERIFY)
		verifying_prefetch(m); /* keys looked up while the body comes */
	return SMFIS_CONTINUE;
}

/* s_body - one chunk, streamed to the body hashes */
static sfsistat
s_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct conn *c = conn_get(ctx);
	struct msgctx *m = c != NULL ? c->msg : NULL;
	dkim_rc rc;

	if (m != NULL && !m->failed && !m->remove_only && !m->hdr_too_big &&
	    (rc = dkim_msg_body(m->dm, chunk, len)) != DKIM_OK)
		msg_fail(m, "body", rc);
	return c != NULL && c->nr_body ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* s_eom - finish the hashes, then sign or verify */
static sfsistat
s_eom(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);
	struct msgctx *m = c != NULL ? c->msg : NULL;
	dkim_rc rc;
	sfsistat st;

	if (m == NULL)
		return SMFIS_CONTINUE;
	note_qid(ctx, m);
	if (!m->failed && !m->remove_only && !m->hdr_too_big &&
	    (rc = dkim_msg_eom(m->dm)) != DKIM_OK)
		msg_fail(m, "end of message", rc);
	if (m->failed)
		st = act_internal_error(ctx, m);
	else if (act_remove_ours_ar(ctx, m) < 0)
		st = act_refuse_ours_ar(ctx, m);
	else if (m->remove_only)
		st = SMFIS_CONTINUE;
	else if (m->hdr_too_big)
		st = m->decision == DECIDE_SIGN ?
		    act_header_too_big(ctx, m) :
		    verifying_unverifiable(ctx, c, m, "header block too large");
	else if (m->decision == DECIDE_SIGN)
		st = signing_finish(ctx, c, m);
	else
		st = verifying_finish(ctx, c, m);
	msg_end(c);
	return st;
}

/* s_abort - the MTA dropped the message */
static sfsistat
s_abort(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL) /* no answer: the next message's MAIL may follow */
		listen_ack_now(c->ack_fd);
	msg_abort(c);
	return SMFIS_CONTINUE;
}

/* step_done - a step dkimguard has nothing to do at (HELO, RCPT, DATA, an
 * unknown command): with immediate ACKs on TCP every command must reach
 * a callback, where conn_get sends its ACK (see listening_on_tcp) */
static sfsistat
step_done(SMFICTX *ctx)
{
	struct conn *c = conn_get(ctx);

	return c != NULL && c->nr_steps ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat
s_helo(SMFICTX *ctx, char *helo)
{
	(void)helo;
	return step_done(ctx);
}

static sfsistat
s_envrcpt(SMFICTX *ctx, char **argv)
{
	(void)argv;
	return step_done(ctx);
}

static sfsistat
s_data(SMFICTX *ctx)
{
	return step_done(ctx);
}

static sfsistat
s_unknown(SMFICTX *ctx, const char *cmd)
{
	(void)cmd;
	return step_done(ctx);
}

/* s_close - the connection ends */
static sfsistat
s_close(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	msg_abort(c);
	free(c);
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

struct smfiDesc session_desc = {
    .xxfi_name = "dkimguard",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags =
	SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE | SMFIF_SETSYMLIST,
    .xxfi_connect = s_connect,
    .xxfi_helo = s_helo,
    .xxfi_envfrom = s_envfrom,
    .xxfi_envrcpt = s_envrcpt,
    .xxfi_data = s_data,
    .xxfi_unknown = s_unknown,
    .xxfi_header = s_header,
    .xxfi_eoh = s_eoh,
    .xxfi_body = s_body,
    .xxfi_eom = s_eom,
    .xxfi_abort = s_abort,
    .xxfi_close = s_close,
    .xxfi_negotiate = s_negotiate,
};
