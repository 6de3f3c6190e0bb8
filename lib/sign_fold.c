/*
 * sign_fold.c - a folded DKIM-Signature value under FOLD_COLS columns.
 *
 * SYNOPSIS
 *	fold_init, fold_free, fold_unit, fold_list, fold_tag_start, fold_b64
 *
 * DESCRIPTION
 *	Tags are placed whole where they fit; h= folds after a colon (FWS is
 *	allowed around ':' in h=, RFC 6376 3.5) and bh=/b= anywhere (FWS
 *	is ignored inside base64 values, RFC 6376 3.5).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sign_fold.h"

/* fold_init - start empty */
void
fold_init(struct fold *f, size_t col)
{
	memset(f, 0, sizeof(*f));
	f->col = col;
}

/* fold_free - release */
void
fold_free(struct fold *f)
{
	free(f->s);
	f->s = NULL;
	f->len = f->cap = 0;
}

/* put - append n octets (no line end in them) */
static void
put(struct fold *f, const char *p, size_t n)
{
	if (f->oom)
		return;
	if (f->len + n + 1 > f->cap) {
		size_t cap = (f->len + n + 1) * 2 + 64;
		char *s = realloc(f->s, cap);

		if (s == NULL) {
			f->oom = 1;
			return;
		}
		f->s = s;
		f->cap = cap;
	}
	memcpy(f->s + f->len, p, n);
	f->len += n;
	f->s[f->len] = '\0';
	f->col += n;
}

/* fold_break - RFC 5322 2.2.3 folding: CRLF then WSP */
static void
fold_break(struct fold *f)
{
	put(f, "\r\n\t", 3);
	f->col = 1;
}

/* room - octets still free on this line */
static size_t
room(const struct fold *f)
{
	return f->col < FOLD_COLS ? FOLD_COLS - f->col : 0;
}

/* fold_unit - one unbreakable piece, with a space or a fold before */
void
fold_unit(struct fold *f, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		f->oom = 1; /* cannot happen with checked d=, s=, i= */
		return;
	}
	if ((size_t)n + 1 > room(f))
		fold_break(f);
	else
		put(f, " ", 1);
	put(f, buf, (size_t)n);
}

/* fold_list - "tag=item:item:...;" */
void
fold_list(struct fold *f, const char *tag, const char *const *items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *sep = i + 1 < n ? ":" : ";";

		if (i == 0) {
			fold_unit(f, "%s=%s%s", tag, items[i], sep);
			continue;
		}
		if (strlen(items[i]) + 1 > room(f))
			fold_break(f);
		put(f, items[i], strlen(items[i]));
		put(f, sep, 1);
	}
}

/* fold_tag_start - " tag=" where at least a few octets of value fit */
void
fold_tag_start(struct fold *f, const char *tag)
{
	size_t n = strlen(tag);

	if (n + 2 + 8 > room(f))
		fold_break(f);
	else
		put(f, " ", 1);
	put(f, tag, n);
	put(f, "=", 1);
}

/* fold_b64 - the value, cut where lines fill up; ';' stays on a line */
void
fold_b64(struct fold *f, const char *b64, int semicolon)
{
	size_t left = strlen(b64), k;

	while (left > 0) {
		k = room(f);
		if (semicolon && k >= left && k == left)
			k = left - 1; /* leave room for the ';' */
		if (k == 0) {
			fold_break(f);
			continue;
		}
		if (k > left)
			k = left;
		put(f, b64, k);
		b64 += k;
		left -= k;
	}
	if (semicolon)
		put(f, ";", 1);
}
