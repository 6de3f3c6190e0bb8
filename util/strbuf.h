/*
 * strbuf.h - one growable, NUL-terminated byte string.
 *
 * DESCRIPTION
 *	A struct strbuf starts zeroed ({0}) and is empty.  Appends grow it
 *	by doubling, with the size arithmetic checked for overflow.  Out of
 *	memory is reported to the caller and is sticky: the failed append
 *	and every later one leave the contents as they were and return -1,
 *	and oom stays set until strbuf_reset or strbuf_free, so a caller
 *	may append several pieces and check once.  Nothing here exits or
 *	logs.  When p is not NULL, p[len] is '\0'; the contents may hold
 *	other NUL bytes (strbuf_add copies any bytes).
 *
 * EXPORTS
 *	strbuf_add, strbuf_addstr, strbuf_addch, strbuf_printf,
 *	strbuf_vprintf, strbuf_str, strbuf_reset, strbuf_truncate,
 *	strbuf_steal, strbuf_free
 */
#ifndef DKIMGUARD_STRBUF_H
#define DKIMGUARD_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *p;    /* NULL until the first append */
	size_t len; /* bytes in p, without the final NUL */
	size_t cap; /* bytes allocated at p */
	int oom;    /* an append failed; sticky */
};

/* strbuf_add - append n bytes; 0, or -1 when out of memory */
int strbuf_add(struct strbuf *b, const void *data, size_t n);
/* strbuf_addstr - append a C string */
int strbuf_addstr(struct strbuf *b, const char *s);
/* strbuf_addch - append one byte */
int strbuf_addch(struct strbuf *b, char c);
/* strbuf_printf - append formatted text */
int strbuf_printf(struct strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int strbuf_vprintf(struct strbuf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* strbuf_str - the contents, "" when nothing was appended */
const char *strbuf_str(const struct strbuf *b);
/* strbuf_reset - empty again (memory kept for reuse), oom cleared */
void strbuf_reset(struct strbuf *b);
/*
 * strbuf_truncate - back to the first len bytes (len <= b->len), oom
 * cleared: undoes appends made since b->len was len, so a caller can
 * add a record all or nothing
 */
void strbuf_truncate(struct strbuf *b, size_t len);
/*
 * strbuf_steal - the contents as a malloc'ed string for the caller to
 * free, and b empty; NULL (and b freed) when an append had failed or
 * the empty string cannot be allocated
 */
char *strbuf_steal(struct strbuf *b);
/* strbuf_free - release; b is empty ({0}) again */
void strbuf_free(struct strbuf *b);

#endif /* DKIMGUARD_STRBUF_H */
