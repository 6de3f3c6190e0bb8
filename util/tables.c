/*
 * tables.c - line reader for the configuration file and the tables,
 * OpenDKIM data-set prefixes, and the '*' wildcard match used by
 * refile: tables.  See tables.h for the syntax.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tables.h"

/* strip_comment - cut at a '#' that starts the line or follows blank */
static void
strip_comment(char *s)
{
	char *p;

	for (p = s; *p != '\0'; p++)
		if (*p == '#' && (p == s || isspace((unsigned char)p[-1]))) {
			*p = '\0';
			return;
		}
}

/* trim - remove leading and trailing whitespace in place */
static char *
trim(char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* split_fields - split s on whitespace; rest gets what follows field 0 */
static int
split_fields(char *s, char **field, char **rest)
{
	int n = 0;
	char *p = s;

	*rest = NULL;
	while (*p != '\0' && n < TABLES_MAXFIELDS) {
		field[n++] = p;
		while (*p != '\0' && !isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		*p++ = '\0';
		while (isspace((unsigned char)*p))
			p++;
		if (n == 1)
			*rest = p;
	}
	return n;
}

/* dispatch - hand one finished logical line to the callback */
static int
dispatch(char *logical, const char *path, unsigned start,
    tables_line_fn fn, void *arg)
{
	char *field[TABLES_MAXFIELDS], *rest, *s, *restcopy;
	int n, rc;

	s = trim(logical);
	if (*s == '\0')
		return 0;
	/* the "rest" view must survive field splitting: copy it first */
	n = (int)strcspn(s, " \t");
	restcopy = strdup(trim(s + n));
	if (restcopy == NULL)
		return -1;
	n = split_fields(s, field, &rest);
	rc = fn(arg, path, start, field, n, restcopy);
	free(restcopy);
	return rc;
}

/* tables_read - read logical lines (comments, continuations) from path */
int
tables_read(const char *path, tables_line_fn fn, void *arg,
    struct errlist *el)
{
	FILE *fp;
	char *line = NULL, *logical = NULL;
	size_t cap = 0, llen = 0;
	ssize_t n;
	unsigned lineno = 0, start = 0;
	int rc = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		errlist_add(el, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && (n = getline(&line, &cap, fp)) >= 0) {
		int cont;
		char *p;

		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		cont = n > 0 && line[n - 1] == '\\';
		if (cont)
			line[--n] = '\0';
		strip_comment(line);
		if (llen == 0)
			start = lineno;
		if ((p = realloc(logical, llen + strlen(line) + 2)) == NULL) {
			rc = -1;
			break;
		}
		logical = p;
		if (llen > 0)
			logical[llen++] = ' ';
		memcpy(logical + llen, line, strlen(line) + 1);
		llen += strlen(line);
		if (cont)
			continue;
		rc = dispatch(logical, path, start, fn, arg);
		llen = 0;
	}
	if (rc == 0 && llen > 0)
		rc = dispatch(logical, path, start, fn, arg);
	if (ferror(fp)) {
		errlist_add(el, "%s: read error: %s", path, strerror(errno));
		rc = -1;
	}
	free(line);
	free(logical);
	fclose(fp);
	return rc;
}

/* tables_spec - OpenDKIM data set prefixes: file: and refile: */
const char *
tables_spec(const char *spec, enum tables_kind *kind)
{
	*kind = TABLES_FILE;
	if (strncasecmp(spec, "refile:", 7) == 0) {
		*kind = TABLES_REFILE;
		return spec + 7;
	}
	if (strncasecmp(spec, "file:", 5) == 0)
		return spec + 5;
	return spec;
}

/* tables_glob - '*' matches any run of characters, case-insensitive */
int
tables_glob(const char *pat, const char *text)
{
	const char *star = NULL, *resume = NULL;

	while (*text != '\0') {
		if (*pat == '*') {
			star = pat++;
			resume = text;
		} else if (tolower((unsigned char)*pat) ==
		    tolower((unsigned char)*text)) {
			pat++;
			text++;
		} else if (star != NULL) {
			pat = star + 1;
			text = ++resume;
		} else
			return 0;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}
