/*
 * b64.c - base64 for b=, bh= and p= values.
 *
 * SYNOPSIS
 *	b64_decode, b64_encode (internal.h)
 *
 * DESCRIPTION
 *	RFC 6376 2.4 / 3.5: base64string may contain FWS anywhere; SP, HTAB,
 *	CR and LF are skipped.  Any other character outside the RFC 4648
 *	alphabet, '=' anywhere but at the end, or a length that cannot be
 *	base64 is an error.  Missing padding is accepted (the grammar makes
 *	it optional); given padding must complete a 4-character group.
 *
 * DIAGNOSTICS
 *	b64_decode tells bad input (-1) from out of memory (-2): only the
 *	first is something a verifier may turn into a permerror.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* b64_value - 6-bit value of one character, -1 when not in the alphabet */
static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* b64_is_fws - whitespace that RFC 6376 allows inside base64 values */
static int
b64_is_fws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* b64_decode - decode, skipping FWS; -1 bad input, -2 out of memory */
int
b64_decode(const char *in, size_t len, unsigned char **out, size_t *outlen)
{
	unsigned char *buf;
	unsigned long acc = 0;
	size_t i, n = 0, nchars = 0, npad = 0;
	int v;

	*out = NULL;
	*outlen = 0;
	if ((buf = malloc(len / 4 * 3 + 3)) == NULL)
		return -2;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (b64_is_fws(c))
			continue;
		if (c == '=') {
			if (++npad > 2)
				goto bad;
			continue;
		}
		if (npad > 0 || (v = b64_value(c)) < 0)
			goto bad; /* data after padding, or not base64 */
		acc = (acc << 6) | (unsigned long)v;
		if (++nchars % 4 == 0) {
			buf[n++] = (unsigned char)(acc >> 16);
			buf[n++] = (unsigned char)(acc >> 8);
			buf[n++] = (unsigned char)acc;
			acc = 0;
		}
	}
	switch (nchars % 4) {
	case 1:
		goto bad; /* 6 bits cannot make a byte */
	case 2:
		if (npad != 0 && npad != 2)
			goto bad;
		buf[n++] = (unsigned char)(acc >> 4);
		break;
	case 3:
		if (npad != 0 && npad != 1)
			goto bad;
		buf[n++] = (unsigned char)(acc >> 10);
		buf[n++] = (unsigned char)(acc >> 2);
		break;
	default:
		if (npad != 0)
			goto bad;
	}
	*out = buf;
	*outlen = n;
	return 0;
bad:
	free(buf);
	return -1;
}

/* b64_encode - NUL-terminated base64, malloc'ed; NULL on ENOMEM */
char *
b64_encode(const unsigned char *in, size_t len)
{
	char *out, *p;
	size_t i;

	if (len > (((size_t)-1) - 1) / 4 * 3 - 3)
		return NULL;
	if ((out = malloc((len + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	p = out;
	for (i = 0; i + 2 < len; i += 3) {
		unsigned long v = ((unsigned long)in[i] << 16) |
		    ((unsigned long)in[i + 1] << 8) | in[i + 2];

		*p++ = b64_alphabet[(v >> 18) & 63];
		*p++ = b64_alphabet[(v >> 12) & 63];
		*p++ = b64_alphabet[(v >> 6) & 63];
		*p++ = b64_alphabet[v & 63];
	}
	if (i < len) {
		unsigned long v = (unsigned long)in[i] << 16;

		if (i + 1 < len)
			v |= (unsigned long)in[i + 1] << 8;
		*p++ = b64_alphabet[(v >> 18) & 63];
		*p++ = b64_alphabet[(v >> 12) & 63];
		*p++ = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
		*p++ = '=';
	}
	*p = '\0';
	return out;
}
