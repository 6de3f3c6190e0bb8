/*
 * canon.h - header and body canonicalization (RFC 6376 3.4).  Internal.
 *
 * SYNOPSIS
 *	canon_header	one header field, simple or relaxed (3.4.1, 3.4.2)
 *	canon_body_*	a streaming body canonicalizer (3.4.3, 3.4.4)
 *
 * DESCRIPTION
 *	The body canonicalizer takes input in chunks of any size and hands
 *	canonical output to a sink in blocks of up to CANON_OUTBUF octets.
 *	Its carry-over state (a CR at the end of a chunk, whitespace not yet
 *	known to be trailing, the count of empty lines not yet known to be
 *	trailing) lives in struct canon_body, so any chunking of the input
 *	gives the same output.  The body is never buffered.
 *
 *	Bare LF is taken as CRLF; a CR not followed by LF is content.
 */
#ifndef DKIM_CANON_H
#define DKIM_CANON_H

#include <stddef.h>

#include "dkim.h"

/* canon_header_max - room canon_header needs for a field of len octets */
#define CANON_HEADER_MAX(len) (2 * (len) + 3)

/*
 * canon_header - canonicalize one header field ("Name: value" with any
 * folding, without its final line ending; bare LF taken as CRLF) into
 * out, which has CANON_HEADER_MAX(len) octets.  crlf: append CRLF.
 * Returns the output length; out is not NUL-terminated.
 */
size_t
canon_header(dkim_canon c, const char *field, size_t len, char *out, int crlf);

/* canon_sink_fn - receives canonical body octets, in order */
typedef void (*canon_sink_fn)(void *arg, const unsigned char *p, size_t n);

#define CANON_OUTBUF 16384

struct canon_body {
	dkim_canon canon;
	canon_sink_fn sink;
	void *sink_arg;
	unsigned long long total;  /* octets handed to the sink */
	unsigned long long blanks; /* empty lines held back (counted) */
	unsigned char pending_cr;  /* input chunk ended in CR */
	unsigned char wsp;         /* relaxed: WSP held back in this line */
	unsigned char content;     /* this line has canonical content */
	unsigned char done;        /* canon_body_final was called */
	unsigned char isa;         /* CANON_ISA_*: relaxed kernel to use */
	size_t outlen;
	unsigned char out[CANON_OUTBUF + 64]; /* slack for 16-byte stores */
};

/* canon_body_init - a fresh canonicalizer feeding sink(arg, ...) */
void canon_body_init(struct canon_body *cb, dkim_canon c, canon_sink_fn sink,
    void *arg);
/* canon_body_update - more body octets; any chunk size, including 0 */
void canon_body_update(struct canon_body *cb, const void *buf, size_t len);
/* canon_body_final - end of body: resolve held-back state, flush */
void canon_body_final(struct canon_body *cb);
/* canon_body_length - canonical octets produced so far (incl. buffered) */
unsigned long long canon_body_length(const struct canon_body *cb);

#endif /* DKIM_CANON_H */
