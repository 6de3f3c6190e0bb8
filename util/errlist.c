/*
 * errlist.c - collect error lines (see errlist.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errlist.h"

/* errlist_add - format one line and append it; ENOMEM keeps the count */
void
errlist_add(struct errlist *el, const char *fmt, ...)
{
	char line[1024];
	size_t n, need;
	char *p;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	el->count++;
	n = strlen(line);
	need = el->len + n + 2;
	if (need > el->cap) {
		size_t cap = need * 2;
		if ((p = realloc(el->text, cap)) == NULL)
			return;
		el->text = p;
		el->cap = cap;
	}
	if (el->len > 0)
		el->text[el->len++] = '\n';
	memcpy(el->text + el->len, line, n + 1);
	el->len += n;
}

/* errlist_str - the collected lines */
const char *
errlist_str(const struct errlist *el)
{
	return el->text != NULL ? el->text : "";
}

/* errlist_free - release; the list may be reused afterwards */
void
errlist_free(struct errlist *el)
{
	free(el->text);
	memset(el, 0, sizeof *el);
}
