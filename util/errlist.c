/*
 * errlist.c - collect error lines (see errlist.h).
 */
#include <stdarg.h>
#include <stdio.h>

#include "errlist.h"

/* errlist_add - format one line and append it; ENOMEM keeps the count */
void
errlist_add(struct errlist *el, const char *fmt, ...)
{
	char line[1024];
	size_t len = el->text.len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	el->count++;
	/* all or nothing: a line cut by ENOMEM would read as a whole one */
	if ((len > 0 && strbuf_addch(&el->text, '\n') < 0) ||
	    strbuf_addstr(&el->text, line) < 0)
		strbuf_truncate(&el->text, len);
}

/* errlist_str - the collected lines */
const char *
errlist_str(const struct errlist *el)
{
	return strbuf_str(&el->text);
}

/* errlist_free - release; the list may be reused afterwards */
void
errlist_free(struct errlist *el)
{
	strbuf_free(&el->text);
	el->count = 0;
}
