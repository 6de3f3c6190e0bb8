/*
 * milterproto.h - MTA side of the Sendmail 8 milter wire protocol
 *
 * One mp_conn is one socket to a filter.  Commands are built in an output
 * buffer (mp_begin / mp_add_* / mp_end) and go out with mp_flush, which
 * mp_read calls before it waits for a reply, so a run of events that need
 * no reply (SMFIP_NR_*) costs one write.  Packet format: 4-byte length in
 * network order, 1-byte command, data (see libmilter/mfdef.h).
 *
 * mp_connect   connect to "unix:/path", "local:/path", "inet:PORT@HOST"
 *              (libmilter form) or "inet:HOST:PORT" (Postfix form)
 * mp_optneg    SMFIC_OPTNEG as Postfix 3.7 sends it (version 6, all
 *              actions, all v6 protocol steps); stores the filter's answer
 *              and its SMFIR_SETSYMLIST macro lists
 * mp_read      read one reply packet; data stays valid until the next read;
 *              on failure err names the last command sent and says
 *              "nothing within N s" for a -t timeout
 * mp_close     close and free; safe on a closed or zeroed mp_conn
 */
#ifndef MILTERPROTO_H
#define MILTERPROTO_H

#include <stddef.h>
#include <stdint.h>

#define MP_NSTAGES 7 /* SMFIM_CONNECT .. SMFIM_EOH */

struct mp_conn {
	int fd;
	char *wbuf; /* pending output */
	size_t wlen, wcap;
	size_t pkt_start; /* offset of the open packet in wbuf */
	char *rbuf;       /* last reply's data */
	size_t rcap;
	uint32_t version;          /* filter's answer to OPTNEG */
	uint32_t actions;          /* SMFIF_* the filter may request */
	uint32_t pflags;           /* SMFIP_* the filter asked for */
	char *symlist[MP_NSTAGES]; /* filter's macro lists or NULL */
	int last_cmd;              /* the last command (not macros) queued */
	int timeout;               /* seconds per read or write (-t) */
	char err[160];             /* last error, for messages */
};

/* what Postfix 3.7 offers (milter8.c: my_actions, MILTER8_V6_PROTO_MASK) */
#define MP_MTA_VERSION 6
#define MP_MTA_ACTIONS 0x000001FFu
#define MP_MTA_PFLAGS 0x001FFFFFu

int mp_connect(struct mp_conn *c, const char *spec, int timeout_s);
int mp_optneg(struct mp_conn *c);
void mp_close(struct mp_conn *c);

void mp_begin(struct mp_conn *c, int cmd);
void mp_add(struct mp_conn *c, const void *data, size_t len);
void mp_add_str(struct mp_conn *c, const char *s);
void mp_add_u16(struct mp_conn *c, uint16_t v);
void mp_add_u32(struct mp_conn *c, uint32_t v);
void mp_end(struct mp_conn *c);
void mp_send_empty(struct mp_conn *c, int cmd);

int mp_flush(struct mp_conn *c);
int mp_read(struct mp_conn *c, int *cmd, char **data, size_t *len);

uint32_t mp_get_u32(const char *p);

#endif
