/*
 * msgfile.h - a message file, mapped read-only and split into header
 * fields and body, with the body handed out as Postfix sends it
 *
 * Input lines may end in LF or CRLF.  A header field is its first line
 * plus continuation lines (starting with SP or HT); the header ends at the
 * first empty line (not part of the body) or at the first line that is
 * neither a field nor a continuation (that line starts the body).
 *
 * mf_open        map a file (mmap: a 50 MB message costs no heap)
 * mf_close       unmap; safe on a zeroed struct
 * mf_header_value
 *                the value as Postfix's milter8_header sends it: lines
 *                joined by "\n" without CR, one space after the colon
 *                eaten unless the filter set SMFIP_HDR_LEADSPC
 * mf_body_next   fill buf with up to cap bytes of the body, every line
 *                ending in CRLF (a last line without newline gets one);
 *                returns 0 at the end
 */
#ifndef MSGFILE_H
#define MSGFILE_H

#include <stddef.h>

struct mf_header {
	char *field;       /* whole field, lines joined by "\n", no CR */
	char *name;        /* field name without trailing WSP */
	const char *value; /* in field: everything after the colon */
};

struct mf_message {
	const char *map;
	size_t size;
	struct mf_header *hdrs;
	size_t nhdrs;
	size_t body_off; /* first body byte */
};

struct mf_body_iter {
	const struct mf_message *m;
	size_t pos;  /* next unread byte */
	int pending; /* bytes of "\r\n" still to emit */
};

int mf_open(struct mf_message *m, const char *path, char *err, size_t errlen);
void mf_close(struct mf_message *m);
const char *mf_header_value(const struct mf_header *h, int leadspc);
void mf_body_start(struct mf_body_iter *it, const struct mf_message *m);
size_t mf_body_next(struct mf_body_iter *it, char *buf, size_t cap);

#endif
