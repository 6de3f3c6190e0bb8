/*
 * edits.c - apply filter header/body edits to a copy of the header
 *
 * Interface and index rules: edits.h.
 */
#include "edits.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libmilter/mfdef.h>

/* xstrdup - strdup or die */
static char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		abort();
	return p;
}

/* make_field - "Name: value" (no space added with SMFIP_HDR_LEADSPC) */
static char *
make_field(const struct ed_msg *e, const char *n, const char *v)
{
	size_t len = strlen(n) + strlen(v) + 3;
	char *f = malloc(len);

	if (f == NULL)
		abort();
	snprintf(f, len, "%s:%s%s", n,
	    (*e->pflags & SMFIP_HDR_LEADSPC) ? "" : " ", v);
	return f;
}

/* insert_at - put a field at position i (clamped to the end) */
static void
insert_at(struct ed_msg *e, size_t i, char *field)
{
	if ((e->fields = realloc(e->fields, (e->n + 1) * sizeof(char *))) ==
	    NULL)
		abort();
	if (i > e->n)
		i = e->n;
	memmove(e->fields + i + 1, e->fields + i, (e->n - i) * sizeof(char *));
	e->fields[i] = field;
	e->n++;
}

/* name_is - does the field carry this name */
static int
name_is(const char *field, const char *name)
{
	size_t n = strlen(name);

	return strncasecmp(field, name, n) == 0 &&
	    (field[n] == ':' || field[n] == ' ' || field[n] == '\t');
}

/* hook_ins - SMFIR_INSHEADER */
static void
hook_ins(void *ctx, uint32_t idx, const char *n, const char *v)
{
	struct ed_msg *e = ctx;

	insert_at(e, idx, make_field(e, n, v));
}

/* hook_add - SMFIR_ADDHEADER: append to the header */
static void
hook_add(void *ctx, const char *n, const char *v)
{
	struct ed_msg *e = ctx;

	insert_at(e, e->n, make_field(e, n, v));
}

/* hook_chg - SMFIR_CHGHEADER: replace, delete or append */
static void
hook_chg(void *ctx, uint32_t idx, const char *n, const char *v)
{
	struct ed_msg *e = ctx;
	size_t i, seen = 0;

	if (idx == 0)
		idx = 1;
	for (i = 0; i < e->n; i++) {
		if (!name_is(e->fields[i], n) || ++seen < idx)
			continue;
		free(e->fields[i]);
		if (*v) {
			e->fields[i] = make_field(e, n, v);
		} else {
			memmove(e->fields + i, e->fields + i + 1,
			    (e->n - i - 1) * sizeof(char *));
			e->n--;
		}
		return;
	}
	if (*v)
		insert_at(e, e->n, make_field(e, n, v));
}

/* hook_body - SMFIR_REPLBODY: chunks of the new body, in order */
static void
hook_body(void *ctx, const char *data, size_t len)
{
	struct ed_msg *e = ctx;

	if ((e->body = realloc(e->body, e->bodylen + len + 1)) == NULL)
		abort();
	memcpy(e->body + e->bodylen, data, len);
	e->bodylen += len;
}

/* ed_init - copy the original fields */
void
ed_init(struct ed_msg *e, const struct mf_message *m, const uint32_t *pflags)
{
	size_t i;

	memset(e, 0, sizeof(*e));
	e->pflags = pflags;
	for (i = 0; i < m->nhdrs; i++)
		insert_at(e, e->n, xstrdup(m->hdrs[i].field));
}

/* ed_hooks - point the mta_edits hooks at this copy */
void
ed_hooks(struct ed_msg *e, struct mta_edits *hooks)
{
	hooks->ctx = e;
	hooks->ins_header = hook_ins;
	hooks->add_header = hook_add;
	hooks->chg_header = hook_chg;
	hooks->repl_body = hook_body;
}

/* write_crlf - write text, every LF (or CRLF) as CRLF */
static void
write_crlf(FILE *fp, const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n')
			continue;
		if (p[i] == '\n')
			putc('\r', fp);
		putc(p[i], fp);
	}
}

/* ed_write - header, separator, body */
int
ed_write(FILE *fp, const struct ed_msg *e, const struct mf_message *m)
{
	static char chunk[65536];
	struct mf_body_iter it;
	size_t i, n;

	for (i = 0; i < e->n; i++) {
		write_crlf(fp, e->fields[i], strlen(e->fields[i]));
		fputs("\r\n", fp);
	}
	fputs("\r\n", fp);
	if (e->body) {
		fwrite(e->body, 1, e->bodylen, fp);
	} else {
		mf_body_start(&it, m);
		while ((n = mf_body_next(&it, chunk, sizeof(chunk))) > 0)
			fwrite(chunk, 1, n, fp);
	}
	return fflush(fp) == 0 && !ferror(fp) ? 0 : -1;
}

/* ed_free - release the copy */
void
ed_free(struct ed_msg *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->fields[i]);
	free(e->fields);
	free(e->body);
	memset(e, 0, sizeof(*e));
}
