/*
 * canon_header.c - header field canonicalization, RFC 6376 3.4.1 and
 * 3.4.2.
 *
 * SYNOPSIS
 *	canon_header
 *
 * DESCRIPTION
 *	Works on one field as stored (with its folding, without the final
 *	CRLF); bare LF is taken as CRLF.  The output is never longer than
 *	CANON_HEADER_MAX(len).
 */
#include <string.h>

#include "canon.h"

/* is_wsp - RFC 5234 WSP */
static int
is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* ascii_lower - locale-independent tolower */
static unsigned char
ascii_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* header_simple - RFC 6376 3.4.1: unchanged, but line ends as CRLF */
static size_t
header_simple(const char *f, size_t len, char *out, int crlf)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (f[i] == '\n' && (i == 0 || f[i - 1] != '\r'))
			out[o++] = '\r';
		out[o++] = f[i];
	}
	if (crlf) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	return o;
}

/* header_relaxed - RFC 6376 3.4.2 */
static size_t
header_relaxed(const char *f, size_t len, char *out, int crlf)
{
	const char *colon = memchr(f, ':', len);
	size_t nlen = colon ? (size_t)(colon - f) : len;
	size_t i, o = 0;
	int sp = 0, started = 0;

	/* RFC 6376 3.4.2: lowercase the name; delete WSP before the colon */
	while (nlen > 0 &&
	    (is_wsp(f[nlen - 1]) || f[nlen - 1] == '\r' || f[nlen - 1] == '\n'))
		nlen--;
	for (i = 0; i < nlen; i++)
		if (f[i] != '\n' &&
		    !(f[i] == '\r' && i + 1 < len && f[i + 1] == '\n'))
			out[o++] = ascii_lower(f[i]); /* (unfolded) */
	if (colon != NULL) {
		out[o++] = ':';
		for (i = (size_t)(colon - f) + 1; i < len; i++) {
			unsigned char c = f[i];

			/* unfold: delete CRLF (and bare LF) */
			if (c == '\n' ||
			    (c == '\r' && i + 1 < len && f[i + 1] == '\n'))
				continue;
			/* WSP runs become one SP; none at either end */
			if (is_wsp(c)) {
				sp = started;
				continue;
			}
			if (sp)
				out[o++] = ' ';
			sp = 0;
			started = 1;
			out[o++] = c;
		}
	}
	if (crlf) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	return o;
}

/* canon_header - one header field in canonical form */
size_t
canon_header(dkim_canon c, const char *field, size_t len, char *out, int crlf)
{
	if (c == DKIM_CANON_SIMPLE)
		return header_simple(field, len, out, crlf);
	return header_relaxed(field, len, out, crlf);
}
