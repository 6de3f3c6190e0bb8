/*
 * tables.h - the line syntax shared by dkimguard.conf and the key and
 * signing tables, read by the daemon and edited by the keytool.
 *
 * DESCRIPTION
 *	One logical line per entry.  '#' at the start of a line or after
 *	whitespace starts a comment; blank lines are skipped; a backslash at
 *	the very end of a line joins the next line (with one space).  Fields
 *	are separated by whitespace.
 *
 *	There is one reader.  For each logical line that holds a field it
 *	gives a struct tables_entry: the text with comments cut and
 *	continuations joined, each field's offset and length in that text
 *	(for the first physical line of an entry these are offsets in that
 *	line, so an editor can rewrite one field and leave the rest of the
 *	line byte for byte), the physical lines it spans, the line number
 *	where it starts (so every message can say "FILE:LINE: ..."), and
 *	the fields again as NUL-terminated strings for parsers.
 *	tables_read reads a file; tables_scan reads lines held in memory
 *	(the keytool's loaded table).
 *
 *	Table specs may carry OpenDKIM's data set prefixes: "file:PATH"
 *	(plain table) or "refile:PATH" (wildcard patterns); tables_spec
 *	splits them.
 */
#ifndef DKIMGUARD_TABLES_H
#define DKIMGUARD_TABLES_H

#include <stddef.h>

#include "errlist.h"

#define TABLES_MAXFIELDS 16 /* fields after the 16th are not split */

/* tables_entry - one logical line; valid during the callback only */
struct tables_entry {
	const char *file;   /* the name given to the reader */
	unsigned line;      /* 1-based number of its first line */
	size_t first, last; /* physical lines, 0-based, inclusive */
	const char *text;   /* comments cut, continuations joined */
	size_t textlen;
	int nfield;
	size_t off[TABLES_MAXFIELDS]; /* field i is text[off[i]..] */
	size_t len[TABLES_MAXFIELDS];
	char *field[TABLES_MAXFIELDS]; /* the fields NUL-terminated; the
					 * callback may write inside them */
	char *rest; /* text after field 0, blanks around cut */
};

/*
 * tables_entry_fn - one logical line; return 0 to go on, -1 to stop
 * reading (the callback reported the problem)
 */
typedef int (*tables_entry_fn)(void *arg, struct tables_entry *e);

/*
 * tables_read - call fn for each logical line of the file at path.
 * Returns 0, or -1 when the file could not be read or memory ran out
 * (the reason is added to el) or fn stopped.
 */
int tables_read(const char *path, tables_entry_fn fn, void *arg,
    struct errlist *el);

/*
 * tables_scan - the same for n physical lines held in memory (without
 * their '\n'); file names them in entries.  0, or -1 when fn stopped or
 * memory ran out (errno ENOMEM).
 */
int tables_scan(const char *file, char *const *line, size_t n,
    tables_entry_fn fn, void *arg);

enum tables_kind {
	TABLES_FILE = 0,
	TABLES_REFILE
};

/* tables_spec - strip "file:"/"refile:" from spec; returns the path */
const char *tables_spec(const char *spec, enum tables_kind *kind);

/* tables_glob - case-insensitive match where '*' matches any run */
int tables_glob(const char *pattern, const char *text);

#endif /* DKIMGUARD_TABLES_H */
