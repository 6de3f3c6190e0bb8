/*
 * msgctx.h - per-connection and per-message state of the milter.
 *
 * DESCRIPTION
 *	struct conn lives from negotiate to close (smfi_setpriv); struct
 *	msgctx from MAIL FROM to end of message or abort, and belongs to one
 *	libmilter thread at a time.  A message holds a reference on the
 *	snapshot that was current at MAIL FROM.  `failed` is the sticky
 *	per-message error: once set, later callbacks do nothing and end of
 *	message applies OnInternalError.
 */
#ifndef DKIMGUARD_MSGCTX_H
#define DKIMGUARD_MSGCTX_H

#include <sys/socket.h>

#include "decide.h"
#include "dkim.h"
#include "milter/observe/msglog.h"
#include "common/config/signtable.h"
#include "snapshot.h"

#define MSG_MAX_SIGNERS 8

struct msgctx {
	struct snapshot *snap;
	enum decision decision;
	const char *why; /* reason of the decision, static */
	int ignore_bad;  /* ExternalIgnoreList: never refuse */
	dkim_msg *dm;
	char qid[64];      /* queue id ("i" macro) or "NOQUEUE" */
	char envfrom[512]; /* envelope sender without <> */
	char *from;        /* value of the first From: field */
	unsigned nfrom;    /* From: fields seen */
	struct sigsel sel[MSG_MAX_SIGNERS];
	size_t sel_idx[MSG_MAX_SIGNERS]; /* dkim_msg_add_signer index */
	size_t nsel;
	unsigned ar_seen;  /* Authentication-Results fields */
	unsigned *ar_ours; /* 1-based indexes of ours, growable */
	size_t nar_ours, ar_ours_cap;
	int ar_lost;        /* one of ours could not be recorded */
	int ar_removed;     /* ours removed (act_remove_ours_ar) */
	unsigned ndkim;     /* DKIM-Signature fields seen */
	size_t hdr_bytes;   /* header block size so far */
	int hdr_too_big;    /* past the library's limit: no DKIM */
	int remove_only;    /* nothing to sign: only remove ours */
	int failed;         /* sticky internal error (2: counted) */
	char error[256];    /* what failed */
	unsigned nsigned;   /* DKIM-Signature fields added */
	const char *action; /* act_final's action, NULL: accept */
	struct msglog log;  /* the line written at the end */
};

struct conn {
	struct sockaddr_storage addr;
	int has_addr; /* 0: no client IP (local submission) */
	char addr_str[64];
	char daemon_name[64];
	int leadspc;         /* SMFIP_HDR_LEADSPC negotiated */
	int nr_hdr, nr_body; /* no replies for header / body */
	int nr_conn;         /* no reply for connect (no PeerList) */
	int nr_steps;        /* no reply for HELO, RCPT, DATA, unknown */
	int ack_fd;          /* TCP session socket for quick ACKs, or -1 */
	struct msgctx *msg;
};

/* msg_fail - set the sticky error (first one wins) */
void msg_fail(struct msgctx *m, const char *what, dkim_rc rc);
/* msg_fail_str - the same with the whole text given */
void msg_fail_str(struct msgctx *m, const char *text);

#endif /* DKIMGUARD_MSGCTX_H */
