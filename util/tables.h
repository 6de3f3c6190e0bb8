/*
 * tables.h - the line syntax shared by dkimguard.conf and the key and
 * signing tables.
 *
 * DESCRIPTION
 *	One logical line per entry.  '#' at the start of a line or after
 *	whitespace starts a comment; blank lines are skipped; a backslash at
 *	the very end of a line joins the next line (with one space).  Fields
 *	are separated by whitespace.  The callback gets the file name and
 *	the number of the line where the logical line starts, so every
 *	message can say "FILE:LINE: ...".
 *
 *	Table specs may carry OpenDKIM's data set prefixes: "file:PATH"
 *	(plain table) or "refile:PATH" (wildcard patterns); tables_spec
 *	splits them.
 */
#ifndef DKIMGUARD_TABLES_H
#define DKIMGUARD_TABLES_H

#include "errlist.h"

#define TABLES_MAXFIELDS 16

/*
 * tables_line_fn - one logical line split into fields; return 0 to go
 * on, -1 to stop reading (the callback reported the problem).
 */
typedef int (*tables_line_fn)(void *arg, const char *file, unsigned line,
    char **field, int nfield, char *rest);

/*
 * tables_read - call fn for each logical line of path.  rest is the
 * line after the first field with surrounding whitespace removed.
 * Returns 0, or -1 when the file could not be read or fn stopped
 * (the reason is in el).
 */
int tables_read(const char *path, tables_line_fn fn, void *arg,
    struct errlist *el);

enum tables_kind { TABLES_FILE = 0, TABLES_REFILE };

/* tables_spec - strip "file:"/"refile:" from spec; returns the path */
const char *tables_spec(const char *spec, enum tables_kind *kind);

/* tables_glob - case-insensitive match where '*' matches any run */
int tables_glob(const char *pattern, const char *text);

#endif /* DKIMGUARD_TABLES_H */
