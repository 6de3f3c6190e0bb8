/*
 * hdrs.h - the header fields of one message.  Internal.
 *
 * SYNOPSIS
 *	hdrs_add, hdrs_add_nv	store a field (line ends normalized to CRLF)
 *	hdrs_select		pick instances for h= bottom-up (RFC 6376 5.4.2)
 *	hdrs_count, hdrs_is	look fields up by name (case-insensitive)
 *	hdrs_from_domain	the domain of the From: address
 *
 * DESCRIPTION
 *	Fields are kept in arrival order, each as "Name: value" with its
 *	folding and without the final CRLF.  The store owns the copies.
 */
#ifndef DKIM_HDRS_H
#define DKIM_HDRS_H

#include <stddef.h>

#include "dkim.h"

/* HDRS_MAX_BYTES - the header block of one message may not grow past */
#define HDRS_MAX_BYTES (4u << 20)
/* HDRS_NONE - hdrs_select: a name listed more often than present */
#define HDRS_NONE ((size_t)-1)

struct hdr {
	char *text; /* NUL-terminated, CRLF line ends */
	size_t len;
	size_t namelen; /* the name before the colon, WSP excluded */
};

struct hdrs {
	struct hdr *v;
	size_t n, cap;
	size_t bytes;
};

void hdrs_init(struct hdrs *h);
void hdrs_clear(struct hdrs *h);
/*
 * hdrs_add - store "Name: value" (bare LF becomes CRLF).  DKIM_EINVAL:
 * no colon, an empty name or one with WSP or controls inside, or the
 * header block too big; DKIM_ENOMEM.
 */
dkim_rc hdrs_add(struct hdrs *h, const char *field, size_t len);
/* hdrs_add_nv - store name ":" value */
dkim_rc hdrs_add_nv(struct hdrs *h, const char *name, const char *value);
/* hdrs_is - does field hd have this name (case-insensitive)? */
int hdrs_is(const struct hdr *hd, const char *name, size_t nlen);
/* hdrs_count - how many fields have this name */
size_t hdrs_count(const struct hdrs *h, const char *name, size_t nlen);
/*
 * hdrs_select - RFC 6376 5.4.2: for each of the n names (h= order), the
 * index of the field to hash: the last instance not yet used, going
 * upwards; HDRS_NONE when no instance is left (oversigning).  -1 ENOMEM.
 */
int hdrs_select(const struct hdrs *h, const char *const *names, size_t n,
    size_t *out);
/*
 * hdrs_from_domain - domain (lowercased) of the address in the single
 * From: field; several addresses must share one domain.  DKIM_EINVAL:
 * no From:, several From: fields, no parsable address, domain too long
 * for buf.
 */
dkim_rc hdrs_from_domain(const struct hdrs *h, char *buf, size_t len);

#endif /* DKIM_HDRS_H */
