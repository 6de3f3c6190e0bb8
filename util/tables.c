/*
 * tables.c - the one reader of the configuration file's and the tables'
 * line syntax (fields with their offsets, for the daemon's parsers and
 * the keytool's edits), OpenDKIM data-set prefixes, and the '*' wildcard
 * match used by refile: tables.  See tables.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strbuf.h"
#include "tables.h"

/* joiner - the logical line being built from physical lines */
struct joiner {
	struct strbuf text;
	struct strbuf scratch; /* field[] and rest of the entry */
	size_t first;          /* physical line where text began */
	int open;              /* text holds a started logical line */
	const char *file;
	tables_entry_fn fn;
	void *arg;
};

/* comment_at - where a '#' comment starts (line start or after a blank) */
static size_t
comment_at(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '#' && (i == 0 || isspace((unsigned char)s[i - 1])))
			return i;
	return n;
}

/* split - field offsets of e->text; 0 when the line holds none */
static int
split(struct tables_entry *e)
{
	const char *s = e->text;
	size_t i = 0;

	e->nfield = 0;
	while (i < e->textlen && e->nfield < TABLES_MAXFIELDS) {
		while (i < e->textlen && isspace((unsigned char)s[i]))
			i++;
		if (i == e->textlen)
			break;
		e->off[e->nfield] = i;
		while (i < e->textlen && !isspace((unsigned char)s[i]))
			i++;
		e->len[e->nfield] = i - e->off[e->nfield];
		e->nfield++;
	}
	return e->nfield;
}

/*
 * views - field[] and rest as C strings in j->scratch: the fields one
 * after the other, then rest (the text after field 0, trimmed)
 */
static int
views(struct joiner *j, struct tables_entry *e)
{
	size_t at[TABLES_MAXFIELDS], r, rend, ro;
	int i;

	strbuf_reset(&j->scratch);
	for (i = 0; i < e->nfield; i++) {
		at[i] = j->scratch.len;
		strbuf_add(&j->scratch, e->text + e->off[i], e->len[i]);
		strbuf_addch(&j->scratch, '\0');
	}
	r = e->off[0] + e->len[0];
	rend = e->textlen;
	while (r < rend && isspace((unsigned char)e->text[r]))
		r++;
	while (rend > r && isspace((unsigned char)e->text[rend - 1]))
		rend--;
	ro = j->scratch.len;
	if (strbuf_add(&j->scratch, e->text + r, rend - r) < 0)
		return -1;
	/* pointers only now: the buffer may have moved while it grew */
	for (i = 0; i < e->nfield; i++)
		e->field[i] = j->scratch.p + at[i];
	for (; i < TABLES_MAXFIELDS; i++)
		e->field[i] = NULL;
	e->rest = j->scratch.p + ro;
	return 0;
}

/* finish - hand the logical line ending at physical line last over */
static int
finish(struct joiner *j, size_t last)
{
	struct tables_entry e;
	int rc = 0;

	if (!j->open)
		return 0;
	j->open = 0;
	if (j->text.oom)
		return -1;
	memset(&e, 0, sizeof e);
	e.file = j->file;
	e.line = (unsigned)j->first + 1;
	e.first = j->first;
	e.last = last;
	e.text = strbuf_str(&j->text);
	e.textlen = j->text.len;
	if (split(&e) > 0) {
		if (views(j, &e) < 0)
			return -1;
		rc = j->fn(j->arg, &e);
	}
	strbuf_reset(&j->text);
	return rc;
}

/*
 * feed - physical line no (raw, n bytes, its '\n' removed); -1 when the
 * callback stopped or memory ran out
 */
static int
feed(struct joiner *j, const char *raw, size_t n, size_t no)
{
	int cont;

	while (n > 0 && raw[n - 1] == '\r')
		n--;
	cont = n > 0 && raw[n - 1] == '\\';
	if (cont)
		n--;
	n = comment_at(raw, n);
	if (!j->open) {
		j->open = 1;
		j->first = no;
	} else
		strbuf_addch(&j->text, ' ');
	strbuf_add(&j->text, raw, n);
	return cont ? 0 : finish(j, no);
}

/* joiner_done - release the buffers */
static void
joiner_done(struct joiner *j)
{
	strbuf_free(&j->text);
	strbuf_free(&j->scratch);
}

/* tables_scan - logical lines of lines held in memory */
int
tables_scan(const char *file, char *const *line, size_t n, tables_entry_fn fn,
    void *arg)
{
	struct joiner j = {.file = file, .fn = fn, .arg = arg};
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++)
		rc = feed(&j, line[i], strlen(line[i]), i);
	if (rc == 0 && n > 0)
		rc = finish(&j, n - 1); /* a continuation on the last line */
	if (j.text.oom || j.scratch.oom)
		errno = ENOMEM;
	joiner_done(&j);
	return rc;
}

/* tables_read - logical lines of a file */
int
tables_read(const char *path, tables_entry_fn fn, void *arg, struct errlist *el)
{
	struct joiner j = {.file = path, .fn = fn, .arg = arg};
	FILE *fp;
	char *line = NULL;
	size_t cap = 0, no = 0;
	ssize_t n;
	int rc = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		errlist_add(el, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && (n = getline(&line, &cap, fp)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			n--;
		/* a NUL ends the line, as for every C string parser after */
		rc = feed(&j, line, strnlen(line, (size_t)n), no++);
	}
	if (rc == 0 && no > 0)
		rc = finish(&j, no - 1);
	if (ferror(fp)) {
		errlist_add(el, "%s: read error: %s", path, strerror(errno));
		rc = -1;
	} else if (j.text.oom || j.scratch.oom)
		errlist_add(el, "%s: out of memory", path);
	free(line);
	fclose(fp);
	joiner_done(&j);
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
