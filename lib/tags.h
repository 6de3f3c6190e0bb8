/*
 * tags.h - the one tag-list tokenizer (RFC 6376 3.2), shared by the
 * DKIM-Signature parser (sig.c) and the key record parser (keyrec.c).
 * Internal to lib/.
 */
#ifndef DKIM_TAGS_H
#define DKIM_TAGS_H

#include <stddef.h>

#include "dkim.h"

/*
 * One tag-spec.  Offsets are relative to the start of the parsed text.
 * name/value exclude surrounding FWS; the value may contain inner FWS
 * (callers that allow it remove it).  [val_start, spec_end) is everything
 * between '=' and the terminating ';' (or the end), whitespace included:
 * what RFC 6376 3.7 deletes for b=.
 */
struct tag {
	const char *name;
	size_t name_len;
	size_t name_off;
	const char *value;
	size_t value_len;
	size_t value_off;
	size_t val_start; /* just after '=' */
	size_t spec_end;  /* offset of ';' or of the end of text */
	int lenient;      /* name outside ALPHA *ALNUMPUNC, accepted */
};

struct taglist {
	struct tag *tags; /* in order of appearance; malloc'ed */
	size_t n;
	size_t cap;
	size_t lenient;       /* tags whose name only receivers accept */
	size_t first_lenient; /* index of the first of them */
};

/*
 * tags_parse - tokenize a tag-list.  0: out is filled (release with
 * tags_free); -1: malformed or duplicate tag, reason says why; -2: out
 * of memory (not a property of the text).  On failure out holds nothing
 * to release.
 */
int tags_parse(const char *s, size_t len, struct taglist *out,
    char reason[DKIM_REASON_MAX]);
void tags_free(struct taglist *tl);
/* tags_find - the tag named exactly name (names are case-sensitive), NULL */
const struct tag *tags_find(const struct taglist *tl, const char *name);
/* tags_index - position of that tag, or -1 */
long tags_index(const struct taglist *tl, const char *name);
/* tags_is_fws - SP, HTAB, CR or LF: whitespace inside a tag-list */
int tags_is_fws(unsigned char c);
/*
 * tags_strip_fws - malloc'ed NUL-terminated copy of a value with all FWS
 * removed; NULL on ENOMEM.
 */
char *tags_strip_fws(const char *v, size_t len);
/*
 * tags_list_next - iterate a ':'-separated list value (h=, q=, k= h= s=
 * t=): returns the next item trimmed of FWS in *item and *ilen, advancing
 * *pos; 0 at the end.
 */
int tags_list_next(const char *v, size_t len, size_t *pos, const char **item,
    size_t *ilen);

/* ---- DKIM-Signature tag parsers (sig_tags.c), used by sig.c ---- */
struct dkim_sig;
/*
 * sig_tag_apply - parse one DKIM-Signature tag into sig with its
 * parse_tag_x (RFC 6376 3.5); unknown tags are ignored.  -1 with reason:
 * a bad value; -2: out of memory.
 */
int sig_tag_apply(const struct tag *t, struct dkim_sig *sig,
    char reason[DKIM_REASON_MAX]);
/*
 * domain_valid - RFC 6376 3.5 domain-name (min_labels 2) or selector
 * (min_labels 1): dot-separated sub-domains (RFC 5321), U-labels allowed
 * (RFC 8616).  1 if valid.
 */
int domain_valid(const char *s, size_t len, int min_labels);

#endif /* DKIM_TAGS_H */
