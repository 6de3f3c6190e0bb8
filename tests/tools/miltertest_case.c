/*
 * miltertest_case.c - read a miltertest case file (miltertest.h)
 *
 * A case file is directives, one a line, then a line "message" and the
 * message itself (header, empty line, body; LF or CRLF line ends) up to
 * the end of the file.  '#' starts a comment line.  Directives:
 *
 *	client NAME ADDR     CONNECT host name and address; ADDR "-" sends
 *	                     no address (a local submission)
 *	port N               client port (default 40000)
 *	helo NAME            HELO argument
 *	hostname NAME        the j macro (the MTA's own name)
 *	daemon-name NAME     {daemon_name}, e.g. a submission service
 *	auth USER            {auth_authen}: an authenticated session
 *	from ADDR            MAIL FROM, without <>
 *	rcpt ADDR            RCPT TO, without <>
 *	queue-id ID          the i macro
 *	chunk N              body chunks of at most N bytes
 *	presign DOMAIN SEL   sign the message with KEYDIR/SEL.DOMAIN.key
 *	                     (-K) before sending it
 *	tamper-body TEXT     after presigning, append the line TEXT
 *	tamper-subject TEXT  after presigning, replace Subject: with TEXT
 *	config ..., log ..., xfail ...
 *	                     read by tests/msgpath/run-msgpath.sh (daemon
 *	                     configuration, log lines to show, a known
 *	                     failure); ignored here
 *
 * An unknown directive is an error naming FILE:LINE, so a typo cannot
 * silently leave a case testing less than it says.
 */
#include "miltertest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* read_all - the whole file, NUL-terminated */
static char *
read_all(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n;

	*len = 0;
	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	do {
		if (*len + 4096 + 1 > cap) {
			cap = (*len + 4096 + 1) * 2;
			if ((buf = realloc(buf, cap)) == NULL)
				abort();
		}
		n = fread(buf + *len, 1, cap - *len - 1, fp);
		*len += n;
	} while (n > 0);
	buf[*len] = '\0';
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: read error", path);
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	return buf;
}

/* case_defaults - an external client sending one ordinary message */
static void
case_defaults(struct mt_case *c)
{
	memset(c, 0, sizeof *c);
	c->env.hostname = "mx.msgpath.test";
	c->env.daemon_name = "mx.msgpath.test";
	c->env.daemon_addr = "192.0.2.1";
	c->env.client_name = "mail.example.net";
	c->env.client_addr = "192.0.2.10";
	c->env.client_port = 40000;
	c->env.helo = "mail.example.net";
	c->env.from = "sender@example.net";
	c->env.rcpt = "rcpt@example.org";
	c->queue_id = "MT0001";
}

/* word - split off the first word of *p (NUL-terminated), or NULL */
static char *
word(char **p)
{
	char *s = *p + strspn(*p, " \t"), *w;

	if (*s == '\0')
		return NULL;
	w = s;
	s += strcspn(s, " \t");
	if (*s != '\0')
		*s++ = '\0';
	*p = s + strspn(s, " \t");
	return w;
}

/* number - a decimal in 1..65535, or -1 */
static long
number(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	return *end == '\0' && n >= 1 && n <= 65535 ? n : -1;
}

/* directive - apply one line; -1 with err when it is not understood */
static int
directive(struct mt_case *c, char *line, char *err, size_t errlen)
{
	char *rest = line, *d = word(&rest), *a, *b;
	long n;

	if (d == NULL || *d == '#')
		return 0;
	if (strcmp(d, "config") == 0 || strcmp(d, "log") == 0 ||
	    strcmp(d, "xfail") == 0)
		return 0;
	if (strcmp(d, "tamper-body") == 0) { /* the rest of the line */
		c->tamper_body = rest;
		return 0;
	}
	if (strcmp(d, "tamper-subject") == 0) {
		c->tamper_subject = rest;
		return 0;
	}
	a = word(&rest);
	b = word(&rest);
	if (a == NULL || *rest != '\0')
		goto bad;
	if (strcmp(d, "client") == 0 && b != NULL) {
		c->env.client_name = a;
		c->env.client_addr = strcmp(b, "-") == 0 ? "" : b;
	} else if (strcmp(d, "presign") == 0 && b != NULL) {
		c->presign_domain = a;
		c->presign_selector = b;
	} else if (b != NULL)
		goto bad;
	else if (strcmp(d, "port") == 0 && (n = number(a)) > 0)
		c->env.client_port = (int)n;
	else if (strcmp(d, "chunk") == 0 && (n = number(a)) > 0)
		c->chunk = (size_t)n;
	else if (strcmp(d, "helo") == 0)
		c->env.helo = a;
	else if (strcmp(d, "hostname") == 0)
		c->env.hostname = a;
	else if (strcmp(d, "daemon-name") == 0)
		c->env.daemon_name = a;
	else if (strcmp(d, "auth") == 0)
		c->env.auth = a;
	else if (strcmp(d, "from") == 0)
		c->env.from = a;
	else if (strcmp(d, "rcpt") == 0)
		c->env.rcpt = a;
	else if (strcmp(d, "queue-id") == 0)
		c->queue_id = a;
	else
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "bad directive '%s' (see miltertest_case.c)", d);
	return -1;
}

/* mt_case_read - directives, then the message after "message" */
int
mt_case_read(const char *path, struct mt_case *c, char *err, size_t errlen)
{
	char *p, *nl, e[200];
	size_t len;
	int lineno = 0;

	case_defaults(c);
	if ((c->strings = read_all(path, &len, err, errlen)) == NULL)
		return -1;
	for (p = c->strings; *p != '\0'; p = nl + 1) {
		lineno++;
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		if (strcmp(p, "message") == 0) {
			c->message = nl + 1;
			c->msglen = len - (size_t)(c->message - c->strings);
			return 0;
		}
		if (directive(c, p, e, sizeof e) < 0) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, e);
			return -1;
		}
	}
	snprintf(err, errlen,
	    "%s: no \"message\" line: put the message "
	    "after a line holding only \"message\"",
	    path);
	return -1;
}

/* mt_case_free - release the file text and a presigned message */
void
mt_case_free(struct mt_case *c)
{
	if (c->message_owned)
		free(c->message);
	free(c->strings);
	memset(c, 0, sizeof *c);
}
