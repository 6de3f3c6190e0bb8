/*
 * guard_align.c - DMARC relaxed alignment of d= with the From: domain
 *		   (RFC 7489 3.1.1), organizational domains from the Public
 *		   Suffix List (RFC 7489 3.2).
 *
 * DESCRIPTION
 *	Debian's `publicsuffix` package ships the list at
 *	/usr/share/publicsuffix/public_suffix_list.dat.  It is read once
 *	into an immutable hash set of rules ("com", "*.ck", "!www.ck"), so
 *	lookups are lock-free.  Matching follows the list's published
 *	algorithm: the longest matching rule prevails, an exception rule
 *	beats everything, "*" is the default rule.  Without a list, two
 *	names are aligned when equal or when one is a parent of the other.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "guard.h"

struct guard_psl {
	char **slot;		/* open addressing; NULL = empty */
	size_t nslot;		/* power of two */
	size_t n;
};

/* hash - FNV-1a */
static size_t
hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* psl_has - is rule in the set */
static int
psl_has(const guard_psl *p, const char *rule)
{
	size_t i = hash(rule) & (p->nslot - 1);

	for (; p->slot[i] != NULL; i = (i + 1) & (p->nslot - 1))
		if (strcmp(p->slot[i], rule) == 0)
			return 1;
	return 0;
}

/* psl_put - add a rule (takes the string); grows at half full */
static int
psl_put(guard_psl *p, char *rule)
{
	size_t i;

	if ((p->n + 1) * 2 > p->nslot) {
		guard_psl big = { calloc(p->nslot * 2, sizeof(char *)),
		    p->nslot * 2, 0 };

		if (big.slot == NULL)
			return -1;
		for (i = 0; i < p->nslot; i++)
			if (p->slot[i] != NULL)
				(void)psl_put(&big, p->slot[i]);
		free(p->slot);
		*p = big;
	}
	if (psl_has(p, rule)) {
		free(rule);
		return 0;
	}
	for (i = hash(rule) & (p->nslot - 1); p->slot[i] != NULL;
	    i = (i + 1) & (p->nslot - 1))
		;
	p->slot[i] = rule;
	p->n++;
	return 0;
}

/* rule_of - the rule on a list line: first word, lower-cased; or NULL */
static char *
rule_of(const char *line)
{
	size_t n = strcspn(line, " \t\r\n"), i;
	char *r;

	if (n == 0 || (line[0] == '/' && line[1] == '/'))
		return NULL;
	if ((r = strndup(line, n)) != NULL)
		for (i = 0; i < n; i++)
			r[i] = (char)tolower((unsigned char)r[i]);
	return r;
}

/* guard_psl_load - read the list once */
int
guard_psl_load(const char *path, guard_psl **out, char *err, size_t errlen)
{
	char line[1024], *r;
	guard_psl *p;
	FILE *fp;

	*out = NULL;
	if ((fp = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "public suffix list %s: cannot open; "
		    "DMARC alignment falls back to parent/child domains "
		    "(apt-get install publicsuffix)", path);
		return -1;
	}
	if ((p = calloc(1, sizeof *p)) == NULL ||
	    (p->slot = calloc(p->nslot = 1024, sizeof(char *))) == NULL)
		goto nomem;
	while (fgets(line, sizeof line, fp) != NULL)
		if ((r = rule_of(line)) != NULL && psl_put(p, r) < 0)
			goto nomem;
	fclose(fp);
	*out = p;
	return 0;
nomem:
	fclose(fp);
	guard_psl_free(p);
	snprintf(err, errlen, "public suffix list %s: out of memory", path);
	return -1;
}

/* guard_psl_free - release the list */
void
guard_psl_free(guard_psl *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; p->slot && i < p->nslot; i++)
		free(p->slot[i]);
	free(p->slot);
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

/* suffix_start - offset of the public suffix in a normalized name */
static size_t
suffix_start(const guard_psl *p, const char *name)
{
	char rule[300];
	const char *s, *up;
	size_t best = SIZE_MAX;

	for (s = name; s != NULL; s = up) {
		up = strchr(s, '.');
		up = up ? up + 1 : NULL;
		snprintf(rule, sizeof rule, "!%s", s);
		if (psl_has(p, rule))	/* exception: its parent is the suffix */
			return up ? (size_t)(up - name) : (size_t)(s - name);
		if (best == SIZE_MAX && psl_has(p, s))
			best = (size_t)(s - name);
		snprintf(rule, sizeof rule, "*.%s", up ? up : "");
		if (best == SIZE_MAX && up != NULL && psl_has(p, rule))
			best = (size_t)(s - name);
	}
	if (best == SIZE_MAX) {		/* default rule "*": the last label */
		s = strrchr(name, '.');
		best = s ? (size_t)(s + 1 - name) : 0;
	}
	return best;
}

/* guard_orgdomain - public suffix plus one label (RFC 7489 3.2) */
int
guard_orgdomain(const guard_psl *p, const char *name, char *buf, size_t len)
{
	char norm[256];
	size_t start;
	const char *s;

	if (normalize(name, norm, sizeof norm) < 0)
		return -1;
	if (p != NULL)
		start = suffix_start(p, norm);
	else
		start = (s = strrchr(norm, '.')) ? (size_t)(s + 1 - norm) : 0;
	if (start >= 2) {		/* prefix the next label to the left */
		for (s = norm + start - 2; s > norm && s[-1] != '.'; s--)
			;
		start = (size_t)(s - norm);
	} else
		start = 0;		/* the name is itself a suffix */
	if (strlcpy(buf, norm + start, len) >= len)
		return -1;
	return 0;
}

/* parent_or_same - a equals b or is a parent domain of b */
static int
parent_or_same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	return la == lb ? strcmp(a, b) == 0 : la < lb &&
	    b[lb - la - 1] == '.' && strcmp(b + lb - la, a) == 0;
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
