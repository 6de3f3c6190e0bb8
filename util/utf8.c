/*
 * utf8.c - well-formed UTF-8 sequences (see utf8.h).
 */
#include "utf8.h"

/* utf8_seqlen - length of the well-formed sequence at p (RFC 3629 4), 0
 * when there is none */
size_t
utf8_seqlen(const unsigned char *p, size_t avail)
{
	unsigned long c;
	size_t n, i;

	if (avail == 0)
		return 0;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0; /* continuation byte, C0/C1 overlong, > F4 */
	if (avail < n)
		return 0;
	c = p[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}
