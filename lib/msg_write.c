/*
 * msg_write.c - a whole message as a byte stream (RFC 5322 2.1: header
 * fields, an empty line, the body), in chunks of any size.
 *
 * SYNOPSIS
 *	dkim_msg_write, msg_write_end, msg_writer_free
 *
 * DESCRIPTION
 *	Header lines are collected with their folding (RFC 5322 2.2.3: a
 *	line starting with WSP continues the field) and handed to
 *	dkim_msg_header when the next field starts; the empty line calls
 *	dkim_msg_eoh and the rest goes to dkim_msg_body.  LF-only input is
 *	accepted.  A leading mbox "From " line is skipped.  A message with
 *	no empty line is all headers and an empty body (msg_write_end, from
 *	dkim_msg_eom).  Lines in the header block that are not fields (no
 *	colon) are skipped.
 */
#include <stdlib.h>
#include <string.h>

#include "msgint.h"

/* msg_writer_free - release the collection buffer */
void
msg_writer_free(struct msg_writer *w)
{
	free(w->field);
	w->field = NULL;
	w->flen = w->fcap = 0;
}

/* field_add - append one octet to the field being collected */
static dkim_rc
field_add(struct msg_writer *w, char c)
{
	if (w->flen == w->fcap) {
		size_t cap = w->fcap ? w->fcap * 2 : 256;
		char *f;

		if (w->fcap > HDRS_MAX_BYTES)
			return DKIM_EINVAL;
		if ((f = realloc(w->field, cap)) == NULL)
			return DKIM_ENOMEM;
		w->field = f;
		w->fcap = cap;
	}
	w->field[w->flen++] = c;
	return DKIM_OK;
}

/* field_flush - hand a complete field (without its line end) over */
static dkim_rc
field_flush(dkim_msg *msg)
{
	struct msg_writer *w = &msg->w;
	size_t n = w->flen;
	dkim_rc rc;

	w->flen = 0;
	if (n > 0 && w->field[n - 1] == '\n')
		n--;
	if (n > 0 && w->field[n - 1] == '\r')
		n--;
	if (n == 0)
		return DKIM_OK;
	rc = dkim_msg_header(msg, w->field, n);
	return rc == DKIM_EINVAL ? DKIM_OK : rc; /* not a field: skipped */
}

/* line_done - a header line ended; drop a leading mbox "From " line */
static void
line_done(struct msg_writer *w)
{
	w->at_bol = 1;
	if (!w->first_done) {
		w->first_done = 1;
		if (w->flen >= 5 && memcmp(w->field, "From ", 5) == 0)
			w->flen = 0;
	}
}

/* header_octet - one octet of the header block; *eoh set at the end */
static dkim_rc
header_octet(dkim_msg *msg, char c, int *eoh)
{
	struct msg_writer *w = &msg->w;
	dkim_rc rc;

	if (w->at_bol) {
		if (w->bol_cr) {
			w->bol_cr = 0;
			if (c == '\n') { /* CRLF alone: the empty line */
				*eoh = 1;
				return field_flush(msg);
			}
			/* a line starting with a lone CR: a new (bad) field */
			if ((rc = field_flush(msg)) != DKIM_OK ||
			    (rc = field_add(w, '\r')) != DKIM_OK)
				return rc;
			w->at_bol = 0;
		} else if (c == '\n') { /* LF alone: the empty line */
			*eoh = 1;
			return field_flush(msg);
		} else if (c == '\r') {
			w->bol_cr = 1;
			return DKIM_OK;
		} else {
			w->at_bol = 0;
			/* RFC 5322 2.2.3: WSP continues the field */
			if (c != ' ' && c != '\t' &&
			    (rc = field_flush(msg)) != DKIM_OK)
				return rc;
		}
	}
	if ((rc = field_add(w, c)) != DKIM_OK)
		return rc;
	if (c == '\n')
		line_done(w);
	return DKIM_OK;
}

/* dkim_msg_write - headers, empty line, body as a stream */
DKIM_API dkim_rc
dkim_msg_write(dkim_msg *msg, const void *buf, size_t len)
{
	const char *p = buf, *end = p + len;
	dkim_rc rc;
	int eoh = 0;

	if (msg == NULL || (buf == NULL && len > 0))
		return DKIM_EINVAL;
	if (msg->err != DKIM_OK)
		return msg->err;
	if (msg->state == MSG_BODY)
		return dkim_msg_body(msg, buf, len);
	if (msg->state != MSG_HEADERS)
		return DKIM_ESTATE;
	msg->wrote = 1;
	for (; p < end && !eoh; p++) {
		if ((rc = header_octet(msg, *p, &eoh)) == DKIM_OK)
			continue;
		if (rc == DKIM_ENOMEM) /* an octet is lost: sticky */
			msg->err = rc;
		return rc;
	}
	if (!eoh)
		return DKIM_OK;
	msg_writer_free(&msg->w);
	if ((rc = dkim_msg_eoh(msg)) != DKIM_OK)
		return rc;
	return dkim_msg_body(msg, p, end - p);
}

/* msg_write_end - at eom: a message without an empty line */
dkim_rc
msg_write_end(dkim_msg *msg)
{
	dkim_rc rc;

	if (msg->state != MSG_HEADERS)
		return DKIM_OK;
	rc = field_flush(msg);
	msg_writer_free(&msg->w);
	if (rc != DKIM_OK)
		return rc;
	return dkim_msg_eoh(msg);
}
