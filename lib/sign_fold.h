/*
 * sign_fold.h - building a folded DKIM-Signature value.  Internal.
 *
 * DESCRIPTION
 *	Text grows in a malloc'ed buffer; a fold is CRLF TAB (RFC 5322
 *	2.2.3) and no line passes FOLD_COLS octets (RFC 5322 2.1.1, the
 *	first line counting "DKIM-Signature:") unless one unbreakable tag
 *	is longer.  ENOMEM is remembered in oom and checked once at the end.
 */
#ifndef DKIM_SIGN_FOLD_H
#define DKIM_SIGN_FOLD_H

#include <stddef.h>

#define FOLD_COLS 78

struct fold {
	char *s;
	size_t len, cap;
	size_t col; /* octets on the current line */
	int oom;
};

/* fold_init - empty text whose first line already has col octets */
void fold_init(struct fold *f, size_t col);
/* fold_free - release the text */
void fold_free(struct fold *f);
/* fold_unit - " unit", or a fold and "unit" when it would not fit */
void fold_unit(struct fold *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* fold_list - "tag=a:b:c;" folding after colons (RFC 6376 3.5 h=) */
void
fold_list(struct fold *f, const char *tag, const char *const *items, size_t n);
/* fold_tag_start - " tag=" with room for some of the value after it */
void fold_tag_start(struct fold *f, const char *tag);
/* fold_b64 - base64 text folded anywhere (FWS is ignored in it) */
void fold_b64(struct fold *f, const char *b64, int semicolon);

#endif /* DKIM_SIGN_FOLD_H */
