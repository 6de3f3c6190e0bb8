/*
 * hdrs.c - header store of one message and h= instance selection.
 *
 * SYNOPSIS
 *	hdrs_init, hdrs_clear, hdrs_add, hdrs_add_nv, hdrs_is, hdrs_count,
 *	hdrs_select
 *
 * DESCRIPTION
 *	Fields are stored as received with line ends normalized to CRLF, so
 *	simple header canonicalization (RFC 6376 3.4.1) sees them as sent.
 *	hdrs_select pairs h= names with instances bottom-up by sorting both
 *	sides by name, so a hostile h= list costs O(n log n), not O(n * m).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hdrs.h"

/* hdrs_init - an empty store */
void
hdrs_init(struct hdrs *h)
{
	h->v = NULL;
	h->n = h->cap = 0;
	h->bytes = 0;
}

/* hdrs_clear - free every field */
void
hdrs_clear(struct hdrs *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		free(h->v[i].text);
	free(h->v);
	hdrs_init(h);
}

/* name_length - RFC 5322 2.2 field-name before the colon; 0: invalid */
static size_t
name_length(const char *f, size_t len)
{
	const char *colon = memchr(f, ':', len);
	size_t n, i;

	if (colon == NULL)
		return 0;
	n = colon - f;
	/* obsolete syntax (RFC 5322 4.5): WSP between name and colon */
	while (n > 0 && (f[n - 1] == ' ' || f[n - 1] == '\t'))
		n--;
	for (i = 0; i < n; i++)
		if ((unsigned char)f[i] <= 32 || (unsigned char)f[i] >= 127)
			return 0;
	return n;
}

/* copy_crlf - copy with bare LF turned into CRLF; NULL on ENOMEM */
static char *
copy_crlf(const char *a, size_t alen, const char *b, size_t blen,
    size_t *outlen)
{
	size_t i, o = 0, lf = 0;
	char *out;

	for (i = 0; i < alen; i++)
		lf += a[i] == '\n';
	for (i = 0; i < blen; i++)
		lf += b[i] == '\n';
	if ((out = malloc(alen + blen + lf + 1)) == NULL)
		return NULL;
	for (i = 0; i < alen + blen; i++) {
		char c = i < alen ? a[i] : b[i - alen];

		if (c == '\n' && (o == 0 || out[o - 1] != '\r'))
			out[o++] = '\r';
		out[o++] = c;
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

/* store - append a normalized field; takes ownership of text */
static dkim_rc
store(struct hdrs *h, char *text, size_t len)
{
	size_t nlen = name_length(text, len);

	if (nlen == 0 || h->bytes + len + 2 > HDRS_MAX_BYTES) {
		free(text);
		return DKIM_EINVAL;
	}
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 32;
		struct hdr *v = realloc(h->v, cap * sizeof(*v));

		if (v == NULL) {
			free(text);
			return DKIM_ENOMEM;
		}
		h->v = v;
		h->cap = cap;
	}
	h->v[h->n].text = text;
	h->v[h->n].len = len;
	h->v[h->n].namelen = nlen;
	h->n++;
	h->bytes += len + 2;
	return DKIM_OK;
}

/* hdrs_add - store one raw field */
dkim_rc
hdrs_add(struct hdrs *h, const char *field, size_t len)
{
	size_t olen;
	char *t;

	if (len > HDRS_MAX_BYTES)
		return DKIM_EINVAL;
	if ((t = copy_crlf(field, len, "", 0, &olen)) == NULL)
		return DKIM_ENOMEM;
	return store(h, t, olen);
}

/* hdrs_add_nv - store name ":" value */
dkim_rc
hdrs_add_nv(struct hdrs *h, const char *name, const char *value)
{
	size_t nlen = strlen(name), vlen = strlen(value), olen;
	char *n, *t;

	if (nlen + vlen > HDRS_MAX_BYTES || memchr(name, ':', nlen) != NULL)
		return DKIM_EINVAL;
	if ((n = malloc(nlen + 2)) == NULL)
		return DKIM_ENOMEM;
	memcpy(n, name, nlen);
	n[nlen] = ':';
	t = copy_crlf(n, nlen + 1, value, vlen, &olen);
	free(n);
	if (t == NULL)
		return DKIM_ENOMEM;
	return store(h, t, olen);
}

/* hdrs_is - field name comparison, RFC 5322: case-insensitive */
int
hdrs_is(const struct hdr *hd, const char *name, size_t nlen)
{
	return hd->namelen == nlen && strncasecmp(hd->text, name, nlen) == 0;
}

/* hdrs_count - instances of a name */
size_t
hdrs_count(const struct hdrs *h, const char *name, size_t nlen)
{
	size_t i, c = 0;

	for (i = 0; i < h->n; i++)
		c += hdrs_is(&h->v[i], name, nlen);
	return c;
}

/* a name and a position, for sorting */
struct selkey {
	const char *name;
	size_t len;
	size_t pos;
};

/* name_cmp - case-insensitive order of two names */
static int
name_cmp(const struct selkey *a, const struct selkey *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = strncasecmp(a->name, b->name, n);

	if (c != 0)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

/* cmp_fields - by name, then bottom-up */
static int
cmp_fields(const void *x, const void *y)
{
	const struct selkey *a = x, *b = y;
	int c = name_cmp(a, b);

	if (c != 0)
		return c;
	return a->pos > b->pos ? -1 : a->pos < b->pos;
}

/* cmp_names - by name, then h= order */
static int
cmp_names(const void *x, const void *y)
{
	const struct selkey *a = x, *b = y;
	int c = name_cmp(a, b);

	if (c != 0)
		return c;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* hdrs_select - RFC 6376 5.4.2: instances bottom-up, once each */
int
hdrs_select(const struct hdrs *h, const char *const *names, size_t n,
    size_t *out)
{
	struct selkey *f, *k;
	size_t i, j;

	f = calloc(h->n + 1, sizeof(*f));
	k = calloc(n + 1, sizeof(*k));
	if (f == NULL || k == NULL) {
		free(f);
		free(k);
		return -1;
	}
	for (i = 0; i < h->n; i++) {
		f[i].name = h->v[i].text;
		f[i].len = h->v[i].namelen;
		f[i].pos = i;
	}
	for (j = 0; j < n; j++) {
		k[j].name = names[j];
		k[j].len = strlen(names[j]);
		k[j].pos = j;
		out[j] = HDRS_NONE;
	}
	qsort(f, h->n, sizeof(*f), cmp_fields);
	qsort(k, n, sizeof(*k), cmp_names);
	/* k-th listing of a name takes the k-th instance from the bottom */
	for (i = j = 0; j < n; j++) {
		while (i < h->n && name_cmp(&f[i], &k[j]) < 0)
			i++;
		if (i < h->n && name_cmp(&f[i], &k[j]) == 0)
			out[k[j].pos] = f[i++].pos;
	}
	free(f);
	free(k);
	return 0;
}
