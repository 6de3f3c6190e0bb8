/*
 * miltertest_sig.c - DKIM for miltertest: sign a case's input, check the
 * delivered signatures, print header values in stable form (miltertest.h)
 *
 * Signatures change with every key and every second, so an expected file
 * cannot hold them.  What it holds instead is what they mean: b= becomes
 * the library's verdict on the delivered message ("<sig ok>" or
 * "<sig fail: reason>"), t= becomes "<now>" when it is within ten minutes
 * of the clock, x= "<t+N>", and an Authentication-Results header.b names
 * the signature whose b= it starts (RFC 6008 2).  Everything else (d=,
 * s=, h=, bh=, c=, the A-R results) is printed as the filter wrote it,
 * a signature's tags unfolded onto one line.
 */
#include "miltertest.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define NOW_SLACK 600 /* seconds between the filter's clock and ours */

/* xmalloc - malloc or die: a test tool has nothing to fall back on */
static void *
xmalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL)
		abort();
	return p;
}

/* to_crlf - a copy with every line ending in CRLF */
static char *
to_crlf(const char *s, size_t len, size_t *outlen)
{
	char *out = xmalloc(len * 2 + 3), *o = out;
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
			continue;
		if (s[i] == '\n')
			*o++ = '\r';
		*o++ = s[i];
	}
	if (o == out || o[-1] != '\n') {
		*o++ = '\r';
		*o++ = '\n';
	}
	*o = '\0';
	*outlen = (size_t)(o - out);
	return out;
}

/* header_end - offset of the empty line ending the header (CRLF text) */
static size_t
header_end(const char *m, size_t len)
{
	const char *p = strstr(m, "\r\n\r\n");

	if (strncmp(m, "\r\n", 2) == 0)
		return 0;
	return p != NULL ? (size_t)(p - m) + 2 : len;
}

/* tamper - change the signed message the way a forwarder might */
static char *
tamper(char *m, size_t *len, const char *subject, const char *body)
{
	size_t he = header_end(m, *len), cut, end;
	char *p, *out;

	if (subject != NULL) {
		for (p = m; p < m + he; p = strstr(p, "\r\n") + 2)
			if (strncasecmp(p, "Subject:", 8) == 0)
				break;
		if (p < m + he) {
			cut = (size_t)(p - m);
			end = (size_t)(strstr(p, "\r\n") - m);
			out = xmalloc(*len + strlen(subject) + 16);
			*len = (size_t)sprintf(out, "%.*sSubject: %s%s",
			    (int)cut, m, subject, m + end);
			free(m);
			m = out;
		}
	}
	if (body != NULL) {
		out = xmalloc(*len + strlen(body) + 3);
		*len = (size_t)sprintf(out, "%s%s\r\n", m, body);
		free(m);
		m = out;
	}
	return m;
}

/* mt_presign - a DKIM-Signature by the library on top of the message */
int
mt_presign(struct mt_case *c, const char *keydir, char *err, size_t errlen)
{
	char path[4096], e[256], *crlf, *value = NULL, *out;
	dkim_sign_req req;
	dkim_key *key = NULL;
	dkim_msg *m = NULL;
	size_t len, idx;
	dkim_rc rc;

	if (keydir == NULL) {
		snprintf(err, errlen, "presign needs -K KEYDIR");
		return -1;
	}
	snprintf(path, sizeof path, "%s/%s.%s.key", keydir, c->presign_selector,
	    c->presign_domain);
	if (dkim_key_from_file(path, &key, e, sizeof e) != DKIM_OK) {
		snprintf(err, errlen, "%s: %s", path, e);
		return -1;
	}
	crlf = to_crlf(c->message, c->msglen, &len);
	dkim_sign_req_init(&req);
	req.domain = c->presign_domain;
	req.selector = c->presign_selector;
	req.key = key;
	if ((rc = dkim_msg_new(NULL, &m)) != DKIM_OK ||
	    (rc = dkim_msg_add_signer(m, &req, &idx, e, sizeof e)) != DKIM_OK ||
	    (rc = dkim_msg_write(m, crlf, len)) != DKIM_OK ||
	    (rc = dkim_msg_eom(m)) != DKIM_OK ||
	    (rc = dkim_msg_sign(m, idx, &value, e, sizeof e)) != DKIM_OK) {
		snprintf(err, errlen, "presign: %s", dkim_rc_str(rc));
		dkim_msg_free(m);
		dkim_key_free(key);
		free(crlf);
		return -1;
	}
	out = xmalloc(len + strlen(value) + 32);
	len = (size_t)sprintf(out, "DKIM-Signature:%s\r\n%s", value, crlf);
	free(value);
	free(crlf);
	dkim_msg_free(m);
	dkim_key_free(key);
	out = tamper(out, &len, c->tamper_subject, c->tamper_body);
	if (c->message_owned)
		free(c->message);
	c->message = out;
	c->msglen = len;
	c->message_owned = 1;
	return 0;
}

/* strip_ws - remove every whitespace character in place */
static void
strip_ws(char *s)
{
	char *o = s;

	for (; *s != '\0'; s++)
		if (!isspace((unsigned char)*s))
			*o++ = *s;
	*o = '\0';
}

/* tag_b - the b= value of a DKIM-Signature value, whitespace removed */
static char *
tag_b(const char *value)
{
	const char *p = value, *end;
	char *b;

	for (;;) {
		p += strspn(p, " \t\r\n");
		if (*p == 'b') {
			end = p + 1 + strspn(p + 1, " \t\r\n");
			if (*end == '=') {
				end++;
				b = strndup(end, strcspn(end, ";"));
				if (b == NULL)
					abort();
				strip_ws(b);
				return b;
			}
		}
		if ((p = strchr(p, ';')) == NULL)
			return NULL;
		p++;
	}
}

/* collect_b - b= of every DKIM-Signature field, in header order */
static void
collect_b(const char *msg, size_t len, struct mt_sigs *s)
{
	size_t he = header_end(msg, len), flen;
	const char *p = msg, *f, *colon;
	char *field;

	while (p < msg + he && s->n < MT_MAX_SIGS) {
		f = p; /* one field: its line and continuation lines */
		do
			p = (p = strstr(p, "\r\n")) != NULL ? p + 2 : msg + he;
		while (p < msg + he && (*p == ' ' || *p == '\t'));
		flen = (size_t)(p - f);
		if (flen > 15 && strncasecmp(f, "DKIM-Signature", 14) == 0 &&
		    (colon = memchr(f, ':', flen)) != NULL) {
			if ((field = strndup(colon + 1,
				 flen - (size_t)(colon + 1 - f))) == NULL)
				abort();
			if ((s->b[s->n] = tag_b(field)) == NULL)
				s->b[s->n] = strdup("");
			s->n++;
			free(field);
		}
	}
}

/* mt_sigcheck - verify the delivered message (CRLF text) */
int
mt_sigcheck(const char *msg, size_t len, const char *keyfile, struct mt_sigs *s,
    char *err, size_t errlen)
{
	dkim_lookup_file *lf = NULL;
	dkim_lookup lookup;
	dkim_msg *m = NULL;
	dkim_rc rc;

	memset(s, 0, sizeof *s);
	collect_b(msg, len, s);
	if (keyfile == NULL || s->n == 0)
		return 0;
	if (dkim_lookup_file_open(keyfile, &lf, err, errlen) != DKIM_OK)
		return -1;
	lookup = dkim_lookup_file_iface(lf);
	if ((rc = dkim_msg_new(NULL, &m)) != DKIM_OK ||
	    (rc = dkim_msg_write(m, msg, len)) != DKIM_OK ||
	    (rc = dkim_msg_eom(m)) != DKIM_OK ||
	    (rc = dkim_msg_verify(m, &lookup, s->res, MT_MAX_SIGS, &s->nres)) !=
		DKIM_OK)
		snprintf(err, errlen, "verify: %s", dkim_rc_str(rc));
	dkim_msg_free(m);
	dkim_lookup_file_free(lf);
	return rc == DKIM_OK ? 0 : -1;
}

/* mt_sigs_free - release the b= copies */
void
mt_sigs_free(struct mt_sigs *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->b[i]);
	memset(s, 0, sizeof *s);
}

/* sig_index - which delivered signature has this b=, or -1 */
static int
sig_index(const struct mt_sigs *s, const char *b, size_t len)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (len > 0 && strncmp(s->b[i], b, len) == 0 &&
		    (len < 8 ? s->b[i][len] == '\0' : 1))
			return (int)i;
	return -1;
}

/* put - append to a growing string */
static void
put(char **out, size_t *len, const char *s, size_t n)
{
	if ((*out = realloc(*out, *len + n + 1)) == NULL)
		abort();
	memcpy(*out + *len, s, n);
	*len += n;
	(*out)[*len] = '\0';
}

/* norm_tag - one tag=value of a DKIM-Signature in stable form */
static void
norm_tag(char **out, size_t *olen, char *tag, const struct mt_sigs *s, long t)
{
	char buf[300], *v = strchr(tag, '=');
	const dkim_sig_result *r;
	long n;
	int k;

	if (v == NULL) {
		put(out, olen, tag, strlen(tag));
		return;
	}
	*v++ = '\0';
	if (strcmp(tag, "b") == 0 || strcmp(tag, "bh") == 0)
		strip_ws(v);
	if (strcmp(tag, "b") == 0) {
		k = sig_index(s, v, strlen(v));
		r = k >= 0 && (size_t)k < s->nres ? &s->res[k] : NULL;
		if (r == NULL)
			snprintf(buf, sizeof buf, "b=<sig not verified>");
		else if (r->verdict == DKIM_PASS)
			snprintf(buf, sizeof buf, "b=<sig ok>");
		else
			snprintf(buf, sizeof buf, "b=<sig %s: %s>",
			    dkim_verdict_str(r->verdict), r->reason);
	} else if (strcmp(tag, "t") == 0) {
		n = strtol(v, NULL, 10);
		if (labs(n - (long)time(NULL)) <= NOW_SLACK)
			snprintf(buf, sizeof buf, "t=<now>");
		else
			snprintf(buf, sizeof buf, "t=<not now: %s>", v);
	} else if (strcmp(tag, "x") == 0 && t >= 0)
		snprintf(buf, sizeof buf, "x=<t+%ld>", strtol(v, NULL, 10) - t);
	else
		snprintf(buf, sizeof buf, "%s=%s", tag, v);
	put(out, olen, buf, strlen(buf));
}

/* unfold - drop every line break and the whitespace after it, so that
 * where the filter folded a value does not show */
static void
unfold(char *s)
{
	char *o = s;

	while (*s != '\0') {
		if (*s == '\r' || *s == '\n') {
			s += strspn(s, "\r\n \t");
			continue;
		}
		*o++ = *s++;
	}
	*o = '\0';
}

/* trim - drop leading and trailing whitespace in place */
static char *
trim(char *s)
{
	size_t n;

	s += strspn(s, " \t\r\n");
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* norm_signature - tags trimmed and joined by "; " on one line, after
 * the value's own leading space */
static char *
norm_signature(const char *value, const struct mt_sigs *s)
{
	char *copy = strdup(value), *p, *tag, *out = NULL, *tp;
	size_t olen = 0;
	long t = -1;
	int first = 1;

	if (copy == NULL)
		abort();
	unfold(copy);
	put(&out, &olen, value, strspn(value, " \t")); /* as the MTA sees it */
	if ((tp = strstr(copy, "t=")) != NULL &&
	    (tp == copy || strchr("; \t\n", tp[-1]) != NULL))
		t = strtol(tp + 2, NULL, 10);
	put(&out, &olen, "", 0);
	for (p = copy; (tag = strsep(&p, ";")) != NULL;) {
		tag = trim(tag);
		if (*tag == '\0')
			continue;
		if (!first)
			put(&out, &olen, "; ", 2);
		norm_tag(&out, &olen, tag, s, t);
		first = 0;
	}
	free(copy);
	return out;
}

/* norm_ar - header.b="PREFIX" becomes header.b=<sig N> (1-based) */
static char *
norm_ar(const char *value, const struct mt_sigs *s)
{
	const char *p = value, *hb, *q, *end;
	char *out = NULL, buf[64];
	size_t olen = 0;
	int k;

	put(&out, &olen, "", 0);
	while ((hb = strstr(p, "header.b=")) != NULL) {
		q = hb + 9;
		if (*q == '"')
			q++;
		end = q + strcspn(q, "\"; \t\r\n");
		put(&out, &olen, p, (size_t)(q - p - (q[-1] == '"')));
		k = sig_index(s, q, (size_t)(end - q));
		if (k >= 0)
			snprintf(buf, sizeof buf, "<sig %d>", k + 1);
		else
			snprintf(buf, sizeof buf, "<no such sig: %.*s>",
			    (int)(end - q), q);
		put(&out, &olen, buf, strlen(buf));
		p = *end == '"' ? end + 1 : end;
	}
	put(&out, &olen, p, strlen(p));
	return out;
}

/* mt_norm_value - see miltertest.h; the caller frees the result */
char *
mt_norm_value(const char *name, const char *value, const struct mt_sigs *s)
{
	char *out;

	if (strcasecmp(name, "DKIM-Signature") == 0)
		return norm_signature(value, s);
	if (strcasecmp(name, "Authentication-Results") == 0)
		return norm_ar(value, s);
	if ((out = strdup(value)) == NULL)
		abort();
	return out;
}
