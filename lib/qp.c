/*
 * qp.c - dkim-quoted-printable decoding, RFC 6376 2.11.
 *
 * SYNOPSIS
 *	qp_decode (internal.h)
 *
 * DESCRIPTION
 *	dkim-quoted-printable = *(FWS / hex-octet / dkim-safe-char)
 *	hex-octet             = "=" 2HEXDIG
 *	dkim-safe-char        = %x21-3A / %x3C / %x3E-7E
 *
 *	FWS is dropped (2.11: "ignored").  Lower-case hex digits are accepted
 *	as well.  Bytes >= 0x80 pass through (RFC 8616 3.2 allows UTF-8 in
 *	i=).  The result is a C string, so an encoded NUL (=00) is an error.
 *
 * DIAGNOSTICS
 *	NULL with errno EINVAL for bad syntax, ENOMEM when out of memory.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

/* hexval - value of one hex digit, -1 otherwise */
static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* is_safe - RFC 6376 2.11 dkim-safe-char, plus 8-bit bytes */
static int
is_safe(unsigned char c)
{
	return (c >= 0x21 && c <= 0x7e && c != ';' && c != '=') || c >= 0x80;
}

/* qp_decode - decode; NULL with errno EINVAL (bad syntax) or ENOMEM */
char *
qp_decode(const char *in, size_t len)
{
	char *out = malloc(len + 1);
	size_t i, n = 0;

	if (out == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			int hi, lo;

			if (len - i < 3)
				goto bad; /* "=" needs two hex digits */
			hi = hexval((unsigned char)in[i + 1]);
			lo = hexval((unsigned char)in[i + 2]);
			if (hi < 0 || lo < 0 || (hi | lo) == 0)
				goto bad;
			out[n++] = (char)(hi << 4 | lo);
			i += 2;
			continue;
		}
		if (!is_safe(c))
			goto bad;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return out;
bad:
	free(out);
	errno = EINVAL;
	return NULL;
}
