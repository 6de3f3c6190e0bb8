/*
 * fuzz_logsan.c - libFuzzer target for the logger's sanitiser
 * (log_sanitize in util/log.c).
 *
 * DESCRIPTION
 *	The input (cut at its first 0x00, as a C string would be) is
 *	sanitised into buffers of several sizes.  The output must fit, hold
 *	no control byte (C0, DEL, C1), be well-formed UTF-8, never end in a
 *	cut escape, and equal the input whenever the input was already clean
 *	and the buffer large enough.  The first octet also picks a buffer
 *	size, so short buffers are tried as often as long ones.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/utf8.h"

/* check - the properties of one sanitised string */
static int
check(const char *out, size_t len)
{
	const unsigned char *p = (const unsigned char *)out;
	size_t i = 0, n;

	if (strlen(out) != len)
		abort();
	while (i < len) {
		n = utf8_seqlen(p + i, len - i);
		if (n == 0)
			abort();
		if (n == 1 && (p[i] < 0x20 || p[i] == 0x7f))
			abort();
		if (n == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0)
			abort();
		i += n;
	}
	return 0;
}

/* clean - the input needs no escape */
static int
clean(const char *in)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t len = strlen(in), i = 0, n;

	while (i < len) {
		n = utf8_seqlen(p + i, len - i);
		if (n == 0 || (n == 1 && (p[i] < 0x20 || p[i] == 0x7f)) ||
		    (n == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0))
			return 0;
		i += n;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t sizes[3], i, len;
	char *in, *out;

	if ((in = malloc(size + 1)) == NULL)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	sizes[0] = size > 0 ? 1 + data[0] % 16 : 1;
	sizes[1] = strlen(in) / 2 + 1;
	sizes[2] = 4 * strlen(in) + 1;
	for (i = 0; i < 3; i++) {
		if ((out = malloc(sizes[i])) == NULL)
			break;
		len = log_sanitize(in, out, sizes[i]);
		if (len >= sizes[i])
			abort();
		check(out, len);
		if (i == 2 && clean(in) && strcmp(in, out) != 0)
			abort();
		free(out);
	}
	free(in);
	return 0;
}
