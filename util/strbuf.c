/*
 * strbuf.c - one growable, NUL-terminated byte string (see strbuf.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

#define STRBUF_MIN 64

/* reserve - room for n more bytes and the NUL; -1 sets oom */
static int
reserve(struct strbuf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (b->oom)
		return -1;
	if (n > SIZE_MAX - b->len - 1)
		goto oom;
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	for (cap = b->cap ? b->cap : STRBUF_MIN; cap < need; cap *= 2)
		if (cap > SIZE_MAX / 2) {
			cap = need;
			break;
		}
	if ((p = realloc(b->p, cap)) == NULL)
		goto oom;
	b->p = p;
	b->cap = cap;
	return 0;
oom:
	b->oom = 1;
	return -1;
}

/* strbuf_add - append n bytes */
int
strbuf_add(struct strbuf *b, const void *data, size_t n)
{
	if (reserve(b, n) < 0)
		return -1;
	if (n > 0)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* strbuf_addstr - append a C string */
int
strbuf_addstr(struct strbuf *b, const char *s)
{
	return strbuf_add(b, s, strlen(s));
}

/* strbuf_addch - append one byte */
int
strbuf_addch(struct strbuf *b, char c)
{
	return strbuf_add(b, &c, 1);
}

/* strbuf_vprintf - format once into the spare room, again after growth */
int
strbuf_vprintf(struct strbuf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	if (b->oom)
		return -1;
	va_copy(aq, ap);
	n = vsnprintf(b->p != NULL ? b->p + b->len : NULL,
	    b->p != NULL ? b->cap - b->len : 0, fmt, aq);
	va_end(aq);
	if (n < 0) {
		b->oom = 1; /* an encoding error: nothing usable appended */
		if (b->p != NULL)
			b->p[b->len] = '\0';
		return -1;
	}
	if (b->p == NULL || (size_t)n >= b->cap - b->len) {
		if (reserve(b, (size_t)n) < 0) {
			if (b->p != NULL)
				b->p[b->len] = '\0';
			return -1;
		}
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
	return 0;
}

/* strbuf_printf - append formatted text */
int
strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = strbuf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

/* strbuf_str - the contents or "" */
const char *
strbuf_str(const struct strbuf *b)
{
	return b->p != NULL ? b->p : "";
}

/* strbuf_reset - empty, memory kept */
void
strbuf_reset(struct strbuf *b)
{
	b->len = 0;
	b->oom = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

/* strbuf_truncate - drop what follows the first len bytes */
void
strbuf_truncate(struct strbuf *b, size_t len)
{
	if (len < b->len)
		b->len = len;
	b->oom = 0;
	if (b->p != NULL)
		b->p[b->len] = '\0';
}

/* strbuf_steal - hand the string over; b empty */
char *
strbuf_steal(struct strbuf *b)
{
	char *s = b->p;

	if (b->oom) {
		strbuf_free(b);
		return NULL;
	}
	if (s == NULL)
		s = strdup("");
	memset(b, 0, sizeof *b);
	return s;
}

/* strbuf_free - release */
void
strbuf_free(struct strbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}
