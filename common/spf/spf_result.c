/*
 * spf_result.c - the small data helpers of the SPF module: result names
 *		  (RFC 7208 2.6), answer sets and the identity a MAIL FROM
 *		  gives (RFC 7208 2.3, 2.4, 4.3).
 *
 * EXPORTS
 *	spf_result_str, spf_result_parse, spf_rrset_add, spf_rrset_clear,
 *	spf_identity (see spf.h)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spf.h"

static const char *const names[] = {"none", "neutral", "pass", "fail",
    "softfail", "temperror", "permerror"};

/* spf_result_str - the RFC 7208 2.6 name */
const char *
spf_result_str(enum spf_result r)
{
	if ((unsigned)r < sizeof names / sizeof names[0])
		return names[r];
	return "unknown";
}

/* spf_result_parse - a result name back to its value, -1 if none */
int
spf_result_parse(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

/* spf_rrset_add - append a copy; total counts even what is not kept */
int
spf_rrset_add(struct spf_rrset *set, const char *s, size_t len)
{
	char *c, **grown;
	size_t cap;

	set->total++;
	if (set->count >= SPF_RR_MAX)
		return 0;
	if (set->count == set->cap) {
		cap = set->cap ? 2 * set->cap : 8;
		if ((grown = realloc(set->rr, cap * sizeof *grown)) == NULL)
			return -1;
		set->rr = grown;
		set->cap = cap;
	}
	if ((c = malloc(len + 1)) == NULL)
		return -1;
	memcpy(c, s, len);
	c[len] = '\0';
	set->rr[set->count++] = c;
	return 0;
}

/* spf_rrset_clear - free everything; status NODATA, no records */
void
spf_rrset_clear(struct spf_rrset *set)
{
	size_t i;

	for (i = 0; i < set->count; i++)
		free(set->rr[i]);
	free(set->rr);
	memset(set, 0, sizeof *set);
	set->status = SPF_DNS_NODATA;
}

/* spf_identity - MAIL FROM (or HELO for "<>") to <sender>, <domain> */
int
spf_identity(const char *mailfrom, const char *helo, char *sender, size_t slen,
    char *domain, size_t dlen)
{
	const char *at;
	int n;

	if (mailfrom == NULL || *mailfrom == '\0') {
		/* 2.4: the null reverse-path uses postmaster@HELO */
		n = snprintf(sender, slen, "postmaster@%s", helo ? helo : "");
		if (n < 0 || (size_t)n >= slen)
			return -1;
		return strlcpy(domain, helo ? helo : "", dlen) < dlen ? 0 : -1;
	}
	if ((at = strrchr(mailfrom, '@')) == NULL) {
		/* no local-part at all: 4.3 says "postmaster" */
		n = snprintf(sender, slen, "postmaster@%s", mailfrom);
		if (n < 0 || (size_t)n >= slen)
			return -1;
		return strlcpy(domain, mailfrom, dlen) < dlen ? 0 : -1;
	}
	if (strlcpy(sender, mailfrom, slen) >= slen)
		return -1;
	return strlcpy(domain, at + 1, dlen) < dlen ? 0 : -1;
}
