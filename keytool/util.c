/*
 * util.c - what every keytool module uses: messages, the clock, names,
 *	    the common options.
 *
 * DESCRIPTION
 *	The clock honours DKIMGUARD_NOW (epoch seconds or ISO 8601 UTC) so
 *	tests can move time (the rotation grace period) without waiting.
 */
#define _GNU_SOURCE /* strptime */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "keytool.h"
#include "util/log.h"

/* kt_err - an error message on stderr, through the one logger */
void
kt_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout); /* keep the order of mixed output */
	va_start(ap, fmt);
	log_vmsg(LOGL_ERR, 0, fmt, ap);
	va_end(ap);
}

/* kt_warn - a warning on stderr */
void
kt_warn(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	log_vmsg(LOGL_WARNING, 0, fmt, ap);
	va_end(ap);
}

/* kt_time_parse - epoch seconds or ISO 8601 UTC "YYYY-MM-DDTHH:MM:SSZ" */
time_t
kt_time_parse(const char *s)
{
	struct tm tm;
	char *end;
	long long v;

	if (isdigit((unsigned char)s[0]) && strchr(s, '-') == NULL) {
		v = strtoll(s, &end, 10);
		return *end == '\0' && v >= 0 ? (time_t)v : (time_t)-1;
	}
	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end == NULL || (strcmp(end, "Z") != 0 && *end != '\0'))
		return -1;
	return timegm(&tm);
}

/* kt_time_fmt - ISO 8601 UTC */
const char *
kt_time_fmt(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* kt_now - the injected clock for tests, else the real one */
time_t
kt_now(void)
{
	const char *s = getenv("DKIMGUARD_NOW");
	time_t t;

	if (s == NULL || *s == '\0')
		return time(NULL);
	if ((t = kt_time_parse(s)) == (time_t)-1) {
		kt_warn("ignoring bad DKIMGUARD_NOW \"%s\"", s);
		return time(NULL);
	}
	return t;
}

/* kt_name_ok - RFC 6376 3.1/3.5: a selector or domain is dot-separated
 * labels of letters, digits, '-' (and '_' for selectors in practice) */
int
kt_name_ok(const char *s, const char *what)
{
	size_t label = 0, n = strlen(s);

	for (size_t i = 0; i <= n; i++) {
		if (s[i] == '.' || s[i] == '\0') {
			if (label == 0 || label > 63)
				break;
			label = 0;
			if (s[i] == '\0')
				return n <= KT_DOM_MAX;
			continue;
		}
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			break;
		label++;
	}
	kt_err("bad %s \"%s\": expected labels of letters, digits and '-' "
	       "separated by dots",
	    what, s);
	return 0;
}

/* set_str - replace a configuration string from the command line */
static int
set_str(char **dst, const char *v)
{
	free(*dst);
	if ((*dst = strdup(v)) == NULL) {
		kt_err("out of memory");
		return -1;
	}
	return 0;
}

/* kt_key_opt - genkey's and rotate's key options; 1 when handled */
int
kt_key_opt(int ch, const char *arg, const struct kt_keyopts *k)
{
	switch (ch) {
	case 'd':
		*k->domain = arg;
		return 1;
	case 's':
		*k->selector = arg;
		return 1;
	case 't':
		*k->type = arg;
		return 1;
	case 'U':
		*k->owner = arg;
		return 1;
	case 'b': /* a bad number is 0, which the size check refuses */
		*k->bits = (unsigned)strtoul(arg, NULL, 10);
		return 1;
	}
	return 0;
}

/* kt_common_opt - the options every command accepts; 1 when handled */
int
kt_common_opt(int ch, const char *arg, struct kt_conf *c)
{
	char **dst;

	switch (ch) {
	case 'c':
		dst = &c->conffile;
		break;
	case 'K':
		dst = &c->keytable;
		break;
	case 'S':
		dst = &c->signtable;
		break;
	case 'N':
		dst = &c->nameservers;
		break;
	case 'P':
		dst = &c->pidfile;
		break;
	case 'T':
		dst = &c->statefile;
		break;
	default:
		return 0;
	}
	return set_str(dst, arg) < 0 ? -1 : 1;
}
