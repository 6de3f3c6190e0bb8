/*
 * assert.c - log where an impossible state was met, then abort (see
 * assert.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "assert.h"
#include "log.h"

/* assert_fail - one error line with FILE:LINE, then abort() */
void
assert_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_errx("%s:%d: %s; aborting (a bug: please report it)", file, line,
	    msg);
	abort();
}
