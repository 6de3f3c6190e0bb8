/*
 * tags.c - tag-list tokenizer, RFC 6376 3.2.
 *
 * SYNOPSIS
 *	tags_parse, tags_free, tags_find, tags_index, tags_is_fws,
 *	tags_strip_fws, tags_list_next (tags.h)
 *
 * DESCRIPTION
 *	tag-list  = tag-spec *( ";" tag-spec ) [ ";" ]
 *	tag-spec  = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
 *	tag-name  = ALPHA *ALNUMPUNC
 *	tag-value = [ tval *( 1*(WSP / FWS) tval ) ]; VALCHAR = %x21-3A / %x3C-7E
 *
 *	FWS is taken as any run of SP, HTAB, CR, LF.  An empty text (or only
 *	FWS) is an empty tag-list; one trailing ';' is allowed; an empty
 *	tag-spec between two ';' is an error.  Bytes >= 0x80 are accepted in
 *	values (RFC 8616 allows UTF-8 in some tags); other control
 *	characters are errors.  A tag name seen twice is an error (3.2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tags.h"

/* tags_is_fws - SP, HTAB, CR or LF: whitespace inside a tag-list */
int
tags_is_fws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* is_alpha - RFC 5234 ALPHA */
static int
is_alpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* is_valchar - RFC 6376 3.2 VALCHAR, plus 8-bit bytes */
static int
is_valchar(unsigned char c)
{
	return (c >= 0x21 && c <= 0x7e && c != ';') || c >= 0x80;
}

/* skip_fws - advance past FWS */
static size_t
skip_fws(const char *s, size_t i, size_t len)
{
	while (i < len && tags_is_fws((unsigned char)s[i]))
		i++;
	return i;
}

/* tags_push - append one tag, growing the array */
static int
tags_push(struct taglist *tl, const struct tag *t)
{
	if (tl->n == tl->cap) {
		size_t ncap = tl->cap ? tl->cap * 2 : 16;
		struct tag *nt = reallocarray(tl->tags, ncap, sizeof(*nt));

		if (nt == NULL)
			return -1;
		tl->tags = nt;
		tl->cap = ncap;
	}
	tl->tags[tl->n++] = *t;
	return 0;
}

/* parse_name - tag-name at s[*i]; -1 with reason when malformed */
static int
parse_name(const char *s, size_t len, size_t *i, struct tag *t,
    char reason[DKIM_REASON_MAX])
{
	size_t j = *i;

	if (j >= len || !is_alpha((unsigned char)s[j])) {
		if (j < len && s[j] == ';')
			snprintf(reason, DKIM_REASON_MAX, "empty tag-spec");
		else if (j >= len)
			snprintf(reason, DKIM_REASON_MAX, "empty tag-spec");
		else
			snprintf(reason, DKIM_REASON_MAX,
			    "bad tag name at offset %zu", j);
		return -1;
	}
	while (j < len &&
	    (is_alpha((unsigned char)s[j]) || (s[j] >= '0' && s[j] <= '9') ||
		s[j] == '_'))
		j++;
	/*
	 * Beyond RFC 6376 3.2's ALPHA *ALNUMPUNC: receivers (dkimpy, Mail::DKIM)
	 * accept any visible characters in a name, e.g. "x-foo", and only
	 * the known names mean anything.  Accept them too, and mark the tag,
	 * so a record is judged as receivers judge it and the deviation can
	 * still be reported.
	 */
	while (j < len && s[j] > ' ' && s[j] < 0x7f && s[j] != '=' &&
	    s[j] != ';') {
		t->lenient = 1;
		j++;
	}
	t->name = s + *i;
	t->name_off = *i;
	t->name_len = j - *i;
	*i = j;
	return 0;
}

/* parse_value - tag-value up to ';' or the end, trimmed of FWS */
static int
parse_value(const char *s, size_t len, size_t *i, struct tag *t,
    char reason[DKIM_REASON_MAX])
{
	size_t j = *i, last = *i, first = len;

	t->val_start = *i;
	for (; j < len && s[j] != ';'; j++) {
		unsigned char c = (unsigned char)s[j];

		if (tags_is_fws(c))
			continue;
		if (!is_valchar(c)) {
			snprintf(reason, DKIM_REASON_MAX,
			    "bad character in value of tag '%.*s'",
			    (int)(t->name_len > 32 ? 32 : t->name_len),
			    t->name);
			return -1;
		}
		if (first == len)
			first = j;
		last = j + 1;
	}
	if (first == len)
		first = last = j;
	t->value = s + first;
	t->value_off = first;
	t->value_len = last - first;
	t->spec_end = j;
	*i = j;
	return 0;
}

/* check_duplicate - RFC 6376 3.2: "Tags with duplicate names MUST NOT occur" */
static int
check_duplicate(const struct taglist *tl, const struct tag *t,
    char reason[DKIM_REASON_MAX])
{
	size_t k;

	for (k = 0; k < tl->n; k++) {
		if (tl->tags[k].name_len == t->name_len &&
		    memcmp(tl->tags[k].name, t->name, t->name_len) == 0) {
			snprintf(reason, DKIM_REASON_MAX,
			    "duplicate tag '%.*s'",
			    (int)(t->name_len > 32 ? 32 : t->name_len),
			    t->name);
			return -1;
		}
	}
	return 0;
}

/* parse_spec - one tag-spec starting at s[*i] (FWS already skipped);
 * -1 malformed, -2 out of memory */
static int
parse_spec(const char *s, size_t len, size_t *i, struct taglist *tl,
    char reason[DKIM_REASON_MAX])
{
	struct tag t;

	memset(&t, 0, sizeof(t));
	if (parse_name(s, len, i, &t, reason) < 0)
		return -1;
	*i = skip_fws(s, *i, len);
	if (*i >= len || s[*i] != '=') {
		snprintf(reason, DKIM_REASON_MAX,
		    "missing '=' after tag '%.*s'",
		    (int)(t.name_len > 32 ? 32 : t.name_len), t.name);
		return -1;
	}
	(*i)++;
	if (parse_value(s, len, i, &t, reason) < 0 ||
	    check_duplicate(tl, &t, reason) < 0)
		return -1;
	if (t.lenient && tl->lenient++ == 0)
		tl->first_lenient = tl->n;
	if (tags_push(tl, &t) < 0) {
		snprintf(reason, DKIM_REASON_MAX, "out of memory");
		return -2;
	}
	return 0;
}

/* tags_parse - tokenize a tag-list (RFC 6376 3.2) */
int
tags_parse(const char *s, size_t len, struct taglist *out,
    char reason[DKIM_REASON_MAX])
{
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	reason[0] = '\0';
	i = skip_fws(s, 0, len);
	while (i < len) {
		if ((rc = parse_spec(s, len, &i, out, reason)) < 0) {
			tags_free(out);
			return rc;
		}
		if (i < len) /* at ';' */
			i = skip_fws(s, i + 1, len);
	}
	return 0;
}

/* tags_free - release the array; the list is empty afterwards */
void
tags_free(struct taglist *tl)
{
	if (tl == NULL)
		return;
	free(tl->tags);
	memset(tl, 0, sizeof(*tl));
}

/* tags_index - position of the tag named exactly name, or -1 */
long
tags_index(const struct taglist *tl, const char *name)
{
	size_t k, nlen = strlen(name);

	for (k = 0; k < tl->n; k++)
		if (tl->tags[k].name_len == nlen &&
		    memcmp(tl->tags[k].name, name, nlen) == 0)
			return (long)k;
	return -1;
}

/* tags_find - the tag named exactly name, or NULL */
const struct tag *
tags_find(const struct taglist *tl, const char *name)
{
	long k = tags_index(tl, name);

	return k < 0 ? NULL : &tl->tags[k];
}

/* tags_strip_fws - copy of a value with all FWS removed */
char *
tags_strip_fws(const char *v, size_t len)
{
	char *out = malloc(len + 1);
	size_t i, n = 0;

	if (out == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		if (!tags_is_fws((unsigned char)v[i]))
			out[n++] = v[i];
	out[n] = '\0';
	return out;
}

/* tags_list_next - next ':'-separated item of a list value, FWS-trimmed */
int
tags_list_next(const char *v, size_t len, size_t *pos, const char **item,
    size_t *ilen)
{
	size_t i = *pos, start, end;

	if (i > len)
		return 0;
	start = skip_fws(v, i, len);
	for (end = start; end < len && v[end] != ':'; end++)
		;
	*pos = end + 1; /* past ':' (or past the end) */
	while (end > start && tags_is_fws((unsigned char)v[end - 1]))
		end--;
	*item = v + start;
	*ilen = end - start;
	return 1;
}
