/*
 * hdrs_from.c - the author of a From: field (RFC 5322 3.4, 3.6.2): its
 * domain for dkim_msg_from_domain, and its local part and domain for
 * dkim_mailbox_split.
 *
 * SYNOPSIS
 *	hdrs_from_domain, dkim_mailbox_split
 *
 * DESCRIPTION
 *	A small tokenizer (atoms, quoted strings, domain literals, specials;
 *	comments and folding skipped) and a mailbox-list walk: display names,
 *	angle addresses with obsolete routes, and groups are handled.  Every
 *	address found must have the same domain.  Both entry points share
 *	the walk, so a program that chooses a signing key with
 *	dkim_mailbox_split and checks alignment with dkim_msg_from_domain
 *	sees one domain for one From: field.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hdrs.h"

struct tok {
	char type; /* 'a' atom (with dots), 'q' quoted, 'd' [literal],
				 * or one of < > @ , ; : */
	const char *p;
	size_t len;
};

/* skip_cfws - RFC 5322 3.2.2: whitespace, folding, nested comments */
static size_t
skip_cfws(const char *s, size_t len, size_t i)
{
	int depth = 0;

	for (; i < len; i++) {
		char c = s[i];

		if (depth > 0 && c == '\\' && i + 1 < len)
			i++;
		else if (c == '(')
			depth++;
		else if (c == ')' && depth > 0)
			depth--;
		else if (depth == 0 && c != ' ' && c != '\t' && c != '\r' &&
		    c != '\n')
			break;
	}
	return i;
}

/* is_atom_char - atext, and '.' (dot-atoms are kept whole) */
static int
is_atom_char(char c)
{
	return (unsigned char)c > ' ' && strchr("()<>@,;:\"[]", c) == NULL;
}

/* next_tok - one token at *pos; 0 at the end */
static int
next_tok(const char *s, size_t len, size_t *pos, struct tok *t)
{
	size_t i = skip_cfws(s, len, *pos), j = i + 1;
	char close;

	if (i >= len)
		return 0;
	t->p = s + i;
	if (s[i] == '"' || s[i] == '[') {
		/* RFC 5322 3.2.4 quoted-string, 3.4.1 domain-literal */
		close = s[i] == '"' ? '"' : ']';
		for (; j < len && s[j] != close; j++)
			if (s[j] == '\\' && j + 1 < len)
				j++;
		t->type = s[i] == '"' ? 'q' : 'd';
		j = j < len ? j + 1 : len;
	} else if (strchr("<>@,;:", s[i]) != NULL) {
		t->type = s[i];
	} else {
		for (; j < len && is_atom_char(s[j]); j++)
			;
		t->type = 'a';
	}
	t->len = j - i;
	*pos = j;
	return 1;
}

/* tokenize - every token of a field value; -1 ENOMEM */
static int
tokenize(const char *s, size_t len, struct tok **out, size_t *n)
{
	size_t pos = 0, cap = 16;
	struct tok *t = malloc(cap * sizeof(*t)), *nt;

	*n = 0;
	while (t != NULL && next_tok(s, len, &pos, &t[*n])) {
		if (++*n == cap) {
			cap *= 2;
			if ((nt = realloc(t, cap * sizeof(*t))) == NULL)
				free(t);
			t = nt;
		}
	}
	*out = t;
	return t == NULL ? -1 : 0;
}

/*
 * addr_domain - domain of the addr-spec in tokens [a, b): the tokens
 * after the last '@' (RFC 5322 3.4.1), joined; 0 when there is none
 */
static size_t
addr_domain(const struct tok *t, size_t a, size_t b, char *buf, size_t len)
{
	size_t at = b, i, o = 0;

	for (i = a; i < b; i++)
		if (t[i].type == '@')
			at = i;
	if (at == b || at == a || at + 1 == b)
		return 0;
	for (i = at + 1; i < b; i++) {
		size_t k;

		if (t[i].type != 'a' && t[i].type != 'd')
			return 0;
		if (o + t[i].len >= len)
			return 0;
		for (k = 0; k < t[i].len; k++) {
			char c = t[i].p[k];

			buf[o++] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
		}
	}
	buf[o] = '\0';
	if (buf[0] == '.' || buf[o - 1] == '.')
		return 0;
	return o;
}

/*
 * addr_local - the local part of the addr-spec in tokens [a, at): dot
 * atoms and quoted strings joined, quotes and quoting backslashes
 * removed (RFC 5322 3.4.1, 3.2.4); 0 when it does not fit or holds
 * other tokens
 */
static size_t
addr_local(const struct tok *t, size_t a, size_t at, char *buf, size_t len)
{
	size_t i, k, end, o = 0;

	for (i = a; i < at; i++) {
		if (t[i].type == 'a') {
			if (o + t[i].len >= len)
				return 0;
			memcpy(buf + o, t[i].p, t[i].len);
			o += t[i].len;
			continue;
		}
		if (t[i].type != 'q')
			return 0;
		end = t[i].len;
		if (end >= 2 && t[i].p[end - 1] == '"')
			end--; /* the closing quote, when there is one */
		for (k = 1; k < end; k++) {
			if (t[i].p[k] == '\\' && k + 1 < t[i].len)
				k++;
			if (o + 1 >= len)
				return 0;
			buf[o++] = t[i].p[k];
		}
	}
	if (o == 0)
		return 0;
	buf[o] = '\0';
	return o;
}

/*
 * mailbox_spec - the addr-spec of one mailbox in tokens [*a, *b): the
 * angle address when there is one (after an obsolete route "@a,@b:"),
 * else the whole
 */
static void
mailbox_spec(const struct tok *t, size_t *a, size_t *b)
{
	size_t i, lt = *b, gt = *b;

	for (i = *a; i < *b; i++) {
		if (t[i].type == '<' && lt == *b)
			lt = i;
		else if (t[i].type == '>' && lt != *b && gt == *b)
			gt = i;
	}
	if (lt == *b)
		return;
	*a = lt + 1;
	*b = gt;
	for (i = *a; i < *b; i++)
		if (t[i].type == ':')
			*a = i + 1;
}

/* last_at - index of the last '@' in tokens [a, b), b when none */
static size_t
last_at(const struct tok *t, size_t a, size_t b)
{
	size_t i, at = b;

	for (i = a; i < b; i++)
		if (t[i].type == '@')
			at = i;
	return at;
}

/* the author found by from_value: domain of all, local of the first */
struct author {
	char *domain, *local; /* local NULL: not wanted */
	size_t dlen, llen;
	size_t found;  /* mailboxes with a domain */
	int bad_local; /* the first one's local part is unusable */
};

/* take_mailbox - one mailbox in tokens [a, b); one[] is scratch */
static dkim_rc
take_mailbox(const struct tok *t, size_t a, size_t b, struct author *au,
    char *one)
{
	mailbox_spec(t, &a, &b);
	if (addr_domain(t, a, b, one, au->dlen) == 0)
		return DKIM_OK;
	if (au->found++ > 0)
		return strcmp(au->domain, one) == 0 ?
		    DKIM_OK :
		    DKIM_EINVAL; /* authors of two domains */
	strcpy(au->domain, one);
	if (au->local != NULL &&
	    addr_local(t, a, last_at(t, a, b), au->local, au->llen) == 0)
		au->bad_local = 1;
	return DKIM_OK;
}

/* from_value - walk a mailbox-list / group list */
static dkim_rc
from_value(const char *v, size_t vlen, struct author *au)
{
	struct tok *t;
	size_t n, i = 0, j;
	char *one = malloc(au->dlen);
	dkim_rc rc = DKIM_OK;

	if (one == NULL)
		return DKIM_ENOMEM;
	if (tokenize(v, vlen, &t, &n) < 0) {
		free(one);
		return DKIM_ENOMEM;
	}
	while (i < n && rc == DKIM_OK) {
		size_t start = i;
		int angle = 0, at = 0;

		/* a mailbox ends at ',' or ';' outside <>; "name:" opens a group */
		for (j = i; j < n; j++) {
			char c = t[j].type;

			if (c == '<')
				angle = 1;
			else if (c == '>')
				angle = 0;
			else if (c == '@')
				at = 1;
			else if (!angle && (c == ',' || c == ';'))
				break;
			else if (!angle && !at && c == ':')
				start = j + 1;
		}
		if (j > start)
			rc = take_mailbox(t, start, j, au, one);
		i = j + 1;
	}
	free(t);
	free(one);
	if (rc == DKIM_OK && (au->found == 0 || au->bad_local))
		rc = DKIM_EINVAL;
	return rc;
}

/* hdrs_from_domain - the single From: field's domain */
dkim_rc
hdrs_from_domain(const struct hdrs *h, char *buf, size_t len)
{
	const struct hdr *from = NULL;
	struct author au = {NULL, NULL, 0, 0, 0, 0};
	size_t i;
	const char *colon;

	if (len == 0)
		return DKIM_EINVAL;
	buf[0] = '\0';
	for (i = 0; i < h->n; i++) {
		if (!hdrs_is(&h->v[i], "from", 4))
			continue;
		if (from != NULL)
			return DKIM_EINVAL; /* RFC 5322 3.6: at most one */
		from = &h->v[i];
	}
	if (from == NULL)
		return DKIM_EINVAL;
	colon = memchr(from->text, ':', from->len) + 1;
	au.domain = buf;
	au.dlen = len;
	return from_value(colon, from->len - (colon - from->text), &au);
}

/* dkim_mailbox_split - local part and domain of the author (dkim.h) */
DKIM_API dkim_rc
dkim_mailbox_split(const char *value, size_t vlen, char *local, size_t llen,
    char *domain, size_t dlen)
{
	struct author au = {domain, local, dlen, llen, 0, 0};
	dkim_rc rc;

	if (value == NULL || domain == NULL || dlen == 0 ||
	    (local != NULL && llen == 0))
		return DKIM_EINVAL;
	domain[0] = '\0';
	if (local != NULL)
		local[0] = '\0';
	if ((rc = from_value(value, vlen, &au)) != DKIM_OK) {
		domain[0] = '\0';
		if (local != NULL)
			local[0] = '\0';
	}
	return rc;
}
