/*
 * spf_macro.c - SPF macros and domain names: macro-string syntax and
 *		 expansion (RFC 7208 7), the domain-spec grammar (4.6.1,
 *		 7.1), truncation of expanded names (4.8) and the validity
 *		 of a <domain> (4.3).
 *
 * EXPORTS
 *	spf_macro_check, spf_domain_spec_check, spf_macro_expand,
 *	spf_domain_valid, spf_domain_under (see spf_int.h)
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "spf_int.h"

#define DELIMITERS ".-+,/_=" /* RFC 7208 7.1 delimiter */
#define MAX_PARTS 128        /* 7.3: at least 127 parts honoured */

/* one macro-expand: %{letter digits r delimiters} */
struct macro {
	char letter;   /* as written (upper case: URL-escape) */
	unsigned keep; /* 0: all parts */
	int reverse;
	char delims[sizeof DELIMITERS];
};

/* literal_ok - macro-literal = %x21-24 / %x26-7E; exp text adds SP */
static int
literal_ok(unsigned char c, int exp)
{
	return (c >= 0x21 && c <= 0x7e && c != '%') || (exp && c == ' ');
}

/* letter_ok - s l o d i p h v; c r t only in exp text (7.1, 7.3) */
static int
letter_ok(char c, int exp)
{
	c = (char)tolower((unsigned char)c);
	if (strchr("slodiphv", c) != NULL)
		return 1;
	return exp && strchr("crt", c) != NULL;
}

/*
 * parse_macro - read the macro at s[0] == '%'; the length taken, or -1.
 * m is filled for "%{...}"; letter '%', '_' or '-' for the escapes.
 */
static int
parse_macro(const char *s, size_t len, int exp, struct macro *m)
{
	size_t i = 2, nd = 0;
	unsigned long n = 0;

	memset(m, 0, sizeof *m);
	if (len < 2)
		return -1;
	if (s[1] == '%' || s[1] == '_' || s[1] == '-') {
		m->letter = s[1];
		return 2;
	}
	if (s[1] != '{' || len < 4 || !letter_ok(s[2], exp))
		return -1;
	m->letter = s[2];
	for (i = 3; i < len && isdigit((unsigned char)s[i]); i++) {
		n = n * 10 + (unsigned long)(s[i] - '0');
		if (n > MAX_PARTS)
			n = MAX_PARTS;
		nd++;
	}
	if (nd > 0 && n == 0)
		return -1; /* 7.3: a DIGIT transformer is nonzero */
	m->keep = (unsigned)n;
	if (i < len && (s[i] == 'r' || s[i] == 'R')) {
		m->reverse = 1;
		i++;
	}
	for (; i < len && s[i] != '\0' && strchr(DELIMITERS, s[i]) != NULL; i++)
		if (strchr(m->delims, s[i]) == NULL)
			m->delims[strlen(m->delims)] = s[i];
	if (i >= len || s[i] != '}')
		return -1;
	if (m->delims[0] == '\0')
		m->delims[0] = '.';
	return (int)(i + 1);
}

/* scan - check a macro-string; *tail = where the last macro-expand ends */
static int
scan(const char *s, size_t len, int exp, size_t *tail)
{
	struct macro m;
	size_t i = 0;
	int n;

	*tail = 0;
	while (i < len) {
		if (s[i] == '%') {
			if ((n = parse_macro(s + i, len - i, exp, &m)) < 0)
				return -1;
			i += (size_t)n;
			*tail = i;
		} else if (literal_ok((unsigned char)s[i], exp))
			i++;
		else
			return -1;
	}
	return 0;
}

/* spf_macro_check - macro-string (7.1) or explain-string (6.2) syntax */
int
spf_macro_check(const char *s, size_t len, int exp)
{
	size_t tail;

	return scan(s, len, exp, &tail);
}

/* toplabel_ok - RFC 7208 4.6.1 / 7.1 toplabel */
static int
toplabel_ok(const char *s, size_t len)
{
	size_t i;
	int alpha = 0, hyphen = 0;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		if (isalpha((unsigned char)s[i]))
			alpha = 1;
		else if (s[i] == '-')
			hyphen = 1;
		else if (!isdigit((unsigned char)s[i]))
			return 0;
	}
	if (hyphen)
		return s[0] != '-' && s[len - 1] != '-';
	return alpha;
}

/*
 * spf_domain_spec_check - domain-spec = macro-string domain-end,
 * domain-end = ( "." toplabel [ "." ] ) / macro-expand.  Checked as
 * written, before expansion (7.1).
 */
int
spf_domain_spec_check(const char *s, size_t len)
{
	size_t tail, end = len, dot;

	if (len == 0 || scan(s, len, 0, &tail) < 0)
		return -1;
	if (tail == len)
		return 0; /* ends in a macro-expand */
	if (s[end - 1] == '.')
		end--;
	for (dot = end; dot > tail && s[dot - 1] != '.'; dot--)
		;
	if (dot == tail)
		return -1; /* no literal "." before the toplabel */
	return toplabel_ok(s + dot, end - dot) ? 0 : -1;
}

/* put - append n bytes; -1 when out is full */
static int
put(char *out, size_t outlen, size_t *o, const char *s, size_t n)
{
	if (*o + n >= outlen)
		return -1;
	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = '\0';
	return 0;
}

/* ip_text - i (dotted nibbles for IPv6, 7.3) or c (readable, 7.3) */
static void
ip_text(const struct spf_ip *ip, int readable, char *out, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	int i;

	if (!ip->v6 || readable) {
		inet_ntop(ip->v6 ? AF_INET6 : AF_INET, ip->b, out,
		    (socklen_t)len);
		return;
	}
	for (i = 0; i < 16 && o + 4 < len; i++) {
		out[o++] = hex[ip->b[i] >> 4];
		out[o++] = '.';
		out[o++] = hex[ip->b[i] & 0x0f];
		out[o++] = i < 15 ? '.' : '\0';
	}
	out[len - 1] = '\0';
}

/* letter_value - the value of one macro letter (7.3) */
static void
letter_value(char c, const struct spf_macro_env *env, char *out, size_t len)
{
	const char *v = NULL;

	switch (tolower((unsigned char)c)) {
	case 's':
		v = env->sender;
		break;
	case 'l':
		v = env->local;
		break;
	case 'o':
		v = env->sdomain;
		break;
	case 'd':
		v = env->domain;
		break;
	case 'h':
		v = env->helo;
		break;
	case 'r':
		v = env->receiver;
		break;
	case 'v':
		v = env->ip.v6 ? "ip6" : "in-addr";
		break;
	case 'i':
		ip_text(&env->ip, 0, out, len);
		return;
	case 'c':
		ip_text(&env->ip, 1, out, len);
		return;
	case 't':
		snprintf(out, len, "%lld", (long long)env->now);
		return;
	case 'p':
		if (env->pname != NULL) {
			env->pname(env->pctx, env->domain, out, len);
			return;
		}
		v = "unknown";
		break;
	}
	strlcpy(out, v != NULL ? v : "unknown", len);
}

/* transform - split on delims, reverse, keep the rightmost parts (7.3) */
static int
transform(char *val, const struct macro *m, char *out, size_t outlen, size_t *o)
{
	char *part[MAX_PARTS + 1], *p = val;
	size_t n = 0, i, first;

	for (;;) {
		if (n == MAX_PARTS)
			return -1;
		part[n++] = p;
		p += strcspn(p, m->delims);
		if (*p == '\0')
			break;
		*p++ = '\0';
	}
	if (m->reverse)
		for (i = 0; i < n / 2; i++) {
			char *t = part[i];

			part[i] = part[n - 1 - i];
			part[n - 1 - i] = t;
		}
	first = m->keep > 0 && m->keep < n ? n - m->keep : 0;
	for (i = first; i < n; i++)
		if ((i > first && put(out, outlen, o, ".", 1) < 0) ||
		    put(out, outlen, o, part[i], strlen(part[i])) < 0)
			return -1;
	return 0;
}

/* url_escape - upper-case letters: escape all but unreserved (7.3) */
static int
url_escape(const char *s, char *out, size_t outlen, size_t *o)
{
	char hex[4];

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || strchr("-._~", c) != NULL) {
			if (put(out, outlen, o, (const char *)&c, 1) < 0)
				return -1;
			continue;
		}
		snprintf(hex, sizeof hex, "%%%02X", c);
		if (put(out, outlen, o, hex, 3) < 0)
			return -1;
	}
	return 0;
}

/* expand_one - one macro-expand appended to out */
static int
expand_one(const struct macro *m, const struct spf_macro_env *env, char *out,
    size_t outlen, size_t *o)
{
	char val[SPF_EXPAND_MAX], tr[SPF_EXPAND_MAX];
	size_t t = 0;

	switch (m->letter) {
	case '%':
		return put(out, outlen, o, "%", 1);
	case '_':
		return put(out, outlen, o, " ", 1);
	case '-':
		return put(out, outlen, o, "%20", 3);
	}
	letter_value(m->letter, env, val, sizeof val);
	tr[0] = '\0';
	if (transform(val, m, tr, sizeof tr, &t) < 0)
		return -1;
	if (isupper((unsigned char)m->letter))
		return url_escape(tr, out, outlen, o);
	return put(out, outlen, o, tr, t);
}

/* truncate_domain - drop a final dot, then left labels to 253 (4.8) */
static void
truncate_domain(char *s)
{
	size_t len = strlen(s);
	char *p = s;

	if (len > 0 && s[len - 1] == '.')
		s[--len] = '\0';
	while (len > SPF_NAME_MAX - 1 && (p = strchr(p, '.')) != NULL) {
		p++;
		len = strlen(p);
	}
	if (p != s && p != NULL)
		memmove(s, p, len + 1);
}

/* spf_macro_expand - expand a macro-string or explain-string (7.3) */
int
spf_macro_expand(const char *s, int exp, const struct spf_macro_env *env,
    char *out, size_t outlen)
{
	struct macro m;
	size_t i = 0, o = 0, len = strlen(s);
	int n;

	if (outlen == 0 || spf_macro_check(s, len, exp) < 0)
		return -1;
	out[0] = '\0';
	while (i < len) {
		if (s[i] != '%') {
			if (put(out, outlen, &o, s + i, 1) < 0)
				return -1;
			i++;
			continue;
		}
		n = parse_macro(s + i, len - i, exp, &m);
		if (expand_one(&m, env, out, outlen, &o) < 0)
			return -1;
		i += (size_t)n;
	}
	if (!exp) {
		truncate_domain(out);
		if (strlen(out) >= SPF_NAME_MAX)
			return -1;
	}
	return 0;
}

/* spf_domain_valid - RFC 7208 4.3: labels 1..63, multi-label, no literal */
int
spf_domain_valid(const char *name)
{
	size_t len = strlen(name), lab = 0, labels = 0, i;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > SPF_NAME_MAX - 1 || name[0] == '[')
		return 0;
	for (i = 0; i <= len; i++) {
		if (i == len || name[i] == '.') {
			if (lab == 0 || lab > 63)
				return 0;
			labels++;
			lab = 0;
		} else
			lab++;
	}
	return labels >= 2;
}

/* spf_domain_under - equal, or a subdomain; no case, final dots ignored */
int
spf_domain_under(const char *name, const char *parent)
{
	size_t ln = strlen(name), lp = strlen(parent);

	if (ln > 0 && name[ln - 1] == '.')
		ln--;
	if (lp > 0 && parent[lp - 1] == '.')
		lp--;
	if (lp == 0 || ln < lp || strncasecmp(name + ln - lp, parent, lp) != 0)
		return 0;
	return ln == lp || name[ln - lp - 1] == '.';
}
