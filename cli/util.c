/*
 * util.c - diagnostics, number parsing and safe printing for dkimguard-msg.
 *
 * DESCRIPTION
 *	cli_warnx() prints "dkimguard-msg: error: message" through the
 *	project's logger (util/log.c, which escapes control characters);
 *	cli_warn() appends strerror(errno).  cli_print_safe() prints text that came from a
 *	message (d=, s=, reasons) with control characters and quotes escaped,
 *	so a hostile signature cannot forge output lines.  cli_load_key()
 *	loads a private key and words the error the same way everywhere.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util/log.h"

/* cli_warnx - diagnostic without errno, through the one logger */
void
cli_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOGL_ERR, 0, fmt, ap);
	va_end(ap);
}

/* cli_warn - diagnostic with ": strerror(errno)" appended */
void
cli_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vmsg(LOGL_ERR, saved, fmt, ap);
	va_end(ap);
}

/* cli_parse_ulong - a whole decimal number; -1 when s is not one */
int
cli_parse_ulong(const char *s, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* cli_print_safe - print s with '"', '\\' and non-printables escaped */
void
cli_print_safe(FILE *fp, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(fp, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(fp, "\\x%02x", *p);
		else
			fputc(*p, fp);
	}
}

/* cli_why - a library error text without a leading "PATH: " (say it once) */
const char *
cli_why(const char *err, const char *path, const char *fallback)
{
	size_t n = strlen(path);

	if (strncmp(err, path, n) == 0 && strncmp(err + n, ": ", 2) == 0)
		err += n + 2;
	return *err != '\0' ? err : fallback;
}

/* cli_load_key - load a private key; NULL after "cannot read key PATH: why" */
dkim_key *
cli_load_key(const char *path)
{
	dkim_key *key = NULL;
	char err[256];

	err[0] = '\0';
	if (dkim_key_from_file(path, &key, err, sizeof(err)) == DKIM_OK)
		return key;
	cli_warnx("cannot read key %s: %s", path,
	    cli_why(err, path, "unusable key"));
	return NULL;
}
