/*
 * log.c - syslog or stderr logging with the level decided here.
 *
 * DESCRIPTION
 *	See log.h.  In the foreground every line goes to stderr with a
 *	level prefix (and, when stderr is systemd's journal, the sd-daemon
 *	"<N>" priority before it); otherwise to syslog with the configured
 *	facility.
 *	log_warn/log_err append strerror(errno) of the errno at entry.
 *
 *	Every line passes through log_sanitize before it is written, so
 *	what a message or a DNS record carries (a From: with CR LF, a key
 *	record tag with a newline, raw 8-bit d=) can never start a line of
 *	its own or hide part of one: control characters (C0 including TAB,
 *	CR and LF, DEL, and the C1 range U+0080..U+009F) and bytes that are
 *	not well-formed UTF-8 are written as \xHH.  A backslash is left as
 *	it is, so text that was escaped before it came here (the message
 *	line's quoted values) keeps its form.
 */
#include <sys/stat.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "log.h"
#include "utf8.h"

static atomic_int log_level = LOGL_INFO;
static atomic_int log_facility = LOG_MAIL;
static atomic_int log_foreground = 1;
static atomic_int log_journal; /* stderr is systemd's journal */

static const int log_prio[] = {LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO,
    LOG_DEBUG};
#define LOG_LEVEL_WORD(id, word) [id] = word,
static const char *const log_prefix[] = {LOG_LEVELS(LOG_LEVEL_WORD)};
#undef LOG_LEVEL_WORD
static const char *log_ident = "dkimguard"; /* the program, on stderr */

/* stderr_is_journal - systemd sets JOURNAL_STREAM to "DEV:INODE" of the
 * stream it connected; stderr is the journal when it is that stream
 * (a shell redirect would give another inode) */
static int
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(2, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

/* log_journal_prefix - "<N>" (sd-daemon(3): the line's syslog priority,
 * which the journal strips and stores) when stderr is the journal, else
 * "".  The facility is the unit's SyslogFacility=. */
const char *
log_journal_prefix(int level)
{
	static const char *const pfx[] = {"<3>", "<4>", "<5>", "<6>", "<7>"};

	if (!atomic_load(&log_journal) || level < LOGL_ERR ||
	    level > LOGL_DEBUG)
		return "";
	return pfx[level];
}

/* log_open - start logging; foreground: stderr instead of syslog */
void
log_open(const char *ident, int facility, int foreground)
{
	log_ident = ident;
	atomic_store(&log_facility, facility);
	atomic_store(&log_foreground, foreground);
	atomic_store(&log_journal, foreground && stderr_is_journal());
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, facility);
}

/* log_set_level - messages above level are dropped */
void
log_set_level(int level)
{
	atomic_store(&log_level, level);
}

/* log_set_facility - syslog facility for later messages */
void
log_set_facility(int facility)
{
	atomic_store(&log_facility, facility);
}

/* log_level_enabled - would a message at this level be written? */
int
log_level_enabled(int level)
{
	return level <= atomic_load(&log_level);
}

/* log_is_stderr - foreground logging? */
int
log_is_stderr(void)
{
	return atomic_load(&log_foreground);
}

/* log_sanitize - copy in to out (outlen > 0), control characters and
 * bytes that are not UTF-8 as \xHH, never cutting an escape or a
 * character in two; returns the length written */
size_t
log_sanitize(const char *in, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)in;
	const unsigned char *end = p + strlen(in);
	size_t o = 0, n, i, esc;

	while (p < end) {
		n = utf8_seqlen(p, (size_t)(end - p));
		/* C0, DEL, C1 (U+0080..U+009F is 0xc2 0x80..0x9f) */
		esc = n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7f)) ||
		    (n == 2 && p[0] == 0xc2 && p[1] < 0xa0);
		if (esc)
			n = n == 0 ? 1 : n;
		if (o + (esc ? 4 * n : n) >= outlen)
			break;
		for (i = 0; i < n; i++, p++) {
			if (esc) {
				out[o++] = '\\';
				out[o++] = 'x';
				out[o++] = hex[*p >> 4];
				out[o++] = hex[*p & 15];
			} else
				out[o++] = (char)*p;
		}
	}
	out[o] = '\0';
	return o;
}

/* log_vmsg - see log.h */
void
log_vmsg(int level, int errnum, const char *fmt, va_list ap)
{
	char buf[2048], line[sizeof buf * 4]; /* room for all escaped */
	int n;

	if (!log_level_enabled(level))
		return;
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	if (n < 0)
		return;
	if (errnum != 0 && (size_t)n < sizeof buf)
		snprintf(buf + n, sizeof buf - n, ": %s", strerror(errnum));
	log_sanitize(buf, line, sizeof line);
	if (atomic_load(&log_foreground))
		fprintf(stderr, "%s%s: %s: %s\n", log_journal_prefix(level),
		    log_ident, log_prefix[level], line);
	else
		syslog(atomic_load(&log_facility) | log_prio[level], "%s",
		    line);
}

#define LOG_FN(name, level, with_errno)                                        \
	void name(const char *fmt, ...)                                        \
	{                                                                      \
		int saved = errno;                                             \
		va_list ap;                                                    \
                                                                               \
		va_start(ap, fmt);                                             \
		log_vmsg(level, with_errno ? saved : 0, fmt, ap);              \
		va_end(ap);                                                    \
		errno = saved;                                                 \
	}

/* log_err .. log_debug - one function per level (see log.h) */
LOG_FN(log_err, LOGL_ERR, 1)
LOG_FN(log_errx, LOGL_ERR, 0)
LOG_FN(log_warn, LOGL_WARNING, 1)
LOG_FN(log_warnx, LOGL_WARNING, 0)
LOG_FN(log_notice, LOGL_NOTICE, 0)
LOG_FN(log_info, LOGL_INFO, 0)
LOG_FN(log_debug, LOGL_DEBUG, 0)

/* log_facility_value - map a facility name to its syslog value */
int
log_facility_value(const char *name)
{
	static const struct {
		const char *name;
		int value;
	} fac[] = {
	    {"mail", LOG_MAIL},
	    {"daemon", LOG_DAEMON},
	    {"user", LOG_USER},
	    {"local0", LOG_LOCAL0},
	    {"local1", LOG_LOCAL1},
	    {"local2", LOG_LOCAL2},
	    {"local3", LOG_LOCAL3},
	    {"local4", LOG_LOCAL4},
	    {"local5", LOG_LOCAL5},
	    {"local6", LOG_LOCAL6},
	    {"local7", LOG_LOCAL7},
	};
	size_t i;

	for (i = 0; i < sizeof fac / sizeof fac[0]; i++)
		if (strcasecmp(name, fac[i].name) == 0)
			return fac[i].value;
	return -1;
}

/* log_lines - each line of text as a message of its own */
void
log_lines(int level, const char *text)
{
	size_t n;

	for (; *text != '\0'; text += n + (text[n] == '\n')) {
		n = strcspn(text, "\n");
		log_msg(level, "%.*s", (int)n, text);
	}
}

/* log_msg - one message at level */
void
log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, 0, fmt, ap);
	va_end(ap);
}
