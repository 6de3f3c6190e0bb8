/*
 * guard_align.c - DMARC relaxed alignment of d= with the From: domain
 *		   (RFC 7489 3.1.1), organizational domains from the Public
 *		   Suffix List (RFC 7489 3.2) through libpsl.
 *
 * DESCRIPTION
 *	Debian's `publicsuffix` package ships the list at
 *	/usr/share/publicsuffix/public_suffix_list.dat; libpsl reads it
 *	once (psl_load_file) and answers lookups without locks, so one
 *	guard_psl serves every milter thread.  libpsl applies the list's
 *	own algorithm (longest rule, exception rules, "*" as the default
 *	rule), both the ICANN and the private section, and matches
 *	internationalized names in U-label or A-label form alike.  Without
 *	a list, two names are aligned when equal or when one is a parent
 *	of the other.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpsl.h>

#include "guard.h"

struct guard_psl {
	psl_ctx_t *ctx;
};

/* guard_psl_load - read the list once */
int
guard_psl_load(const char *path, guard_psl **out, char *err, size_t errlen)
{
	guard_psl *p;

	*out = NULL;
	if ((p = calloc(1, sizeof *p)) == NULL) {
		snprintf(err, errlen, "public suffix list %s: out of memory",
		    path);
		return -1;
	}
	/* NULL for a missing, unreadable or empty file alike */
	if ((p->ctx = psl_load_file(path)) == NULL ||
	    psl_suffix_count(p->ctx) <= 0) {
		snprintf(err, errlen,
		    "public suffix list %s: cannot read it; "
		    "DMARC alignment falls back to parent/child domains "
		    "(apt-get install publicsuffix)",
		    path);
		guard_psl_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

/* guard_psl_free - release the list */
void
guard_psl_free(guard_psl *p)
{
	if (p == NULL)
		return;
	psl_free(p->ctx);
	free(p);
}

/* normalize - lower-case copy without a trailing dot */
static int
normalize(const char *name, char *buf, size_t len)
{
	size_t i, n = strlen(name);

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0 || n >= len)
		return -1;
	for (i = 0; i < n; i++)
		buf[i] = (char)tolower((unsigned char)name[i]);
	buf[n] = '\0';
	return 0;
}

/*
 * org_of - the organizational domain of a normalized name: libpsl's
 * registrable domain (public suffix plus one label), or the name itself
 * when it is a public suffix.  Non-ASCII names are lower-cased as UTF-8
 * first, as libpsl wants them.
 */
static int
org_of(const guard_psl *p, const char *norm, char *buf, size_t len)
{
	char *lower = NULL;
	const char *name = norm, *reg;
	int rc;

	if (psl_str_to_utf8lower(norm, "utf-8", NULL, &lower) == PSL_SUCCESS)
		name = lower;
	if ((reg = psl_registrable_domain(p->ctx, name)) == NULL)
		reg = name;
	rc = strlcpy(buf, reg, len) < len ? 0 : -1;
	psl_free_string(lower);
	return rc;
}

/* guard_orgdomain - public suffix plus one label (RFC 7489 3.2) */
int
guard_orgdomain(const guard_psl *p, const char *name, char *buf, size_t len)
{
	char norm[256];
	const char *s;
	size_t start;

	if (normalize(name, norm, sizeof norm) < 0)
		return -1;
	if (p != NULL)
		return org_of(p, norm, buf, len);
	/* no list: the last two labels */
	start = (s = strrchr(norm, '.')) ? (size_t)(s + 1 - norm) : 0;
	if (start >= 2) { /* prefix the next label to the left */
		for (s = norm + start - 2; s > norm && s[-1] != '.'; s--)
			;
		start = (size_t)(s - norm);
	} else
		start = 0;
	if (strlcpy(buf, norm + start, len) >= len)
		return -1;
	return 0;
}

/* parent_or_same - a equals b or is a parent domain of b */
static int
parent_or_same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	return la == lb ?
	    strcmp(a, b) == 0 :
	    la < lb && b[lb - la - 1] == '.' && strcmp(b + lb - la, a) == 0;
}

/* guard_psl_aligned - RFC 7489 3.1.1 relaxed alignment */
int
guard_psl_aligned(const guard_psl *p, const char *d, const char *from)
{
	char a[256], b[256];

	if (p != NULL) {
		if (guard_orgdomain(p, d, a, sizeof a) < 0 ||
		    guard_orgdomain(p, from, b, sizeof b) < 0)
			return 0;
		return strcmp(a, b) == 0;
	}
	if (normalize(d, a, sizeof a) < 0 || normalize(from, b, sizeof b) < 0)
		return 0;
	return parent_or_same(a, b) || parent_or_same(b, a);
}

/* guard_same_domain - RFC 7489 3.1.1 strict alignment: the very same
 * name, case and a trailing dot aside */
int
guard_same_domain(const char *d, const char *from)
{
	char a[256], b[256];

	return normalize(d, a, sizeof a) == 0 &&
	    normalize(from, b, sizeof b) == 0 && strcmp(a, b) == 0;
}

/* guard_alignment_str - the log and metric word */
const char *
guard_alignment_str(enum guard_alignment a)
{
	switch (a) {
	case GUARD_ALIGNED:
		return "aligned";
	case GUARD_UNALIGNED_STRICT:
		return "not_strict";
	case GUARD_UNALIGNED_ORG:
		return "other_org";
	default:
		return "unsigned";
	}
}
