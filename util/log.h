/*
 * log.h - the daemon's logger: syslog, or stderr in the foreground.
 *
 * SYNOPSIS
 *	log_open("dkimguard", LOG_MAIL, foreground);
 *	log_set_level(LOGL_INFO);
 *	log_warn("open %s", path);      appends ": strerror(errno)"
 *	log_warnx("bad line %d", n);    does not
 *
 * DESCRIPTION
 *	Verbosity is decided here, never at the call site: a message below
 *	the configured level costs one comparison.  The level and facility
 *	may change at any time (reload); both are atomic.  Callers must never
 *	pass key material.
 *
 *	One call is one line: every line goes through log_sanitize, which
 *	writes control characters (TAB, CR and LF included) and bytes that
 *	are not well-formed UTF-8 as \xHH.  Call sites need not, and should
 *	not, escape what they pass.
 */
#ifndef DKIMGUARD_LOG_H
#define DKIMGUARD_LOG_H

#include <stdarg.h>
#include <stddef.h>

/*
 * LOG_LEVELS - the levels, most important first, each with the word a
 * configuration file or a stderr prefix spells it with.  The enum is
 * expanded from the list, so a word always names its own level; the
 * order is the verbosity order (a message is written when its level is
 * <= the configured one), which the assertion below pins.
 */
#define LOG_LEVELS(X)                                                          \
	X(LOGL_ERR, "error")                                                   \
	X(LOGL_WARNING, "warning")                                             \
	X(LOGL_NOTICE, "notice")                                               \
	X(LOGL_INFO, "info")                                                   \
	X(LOGL_DEBUG, "debug")
#define LOG_LEVEL_CONST(id, word) id,
enum log_level {
	LOG_LEVELS(LOG_LEVEL_CONST) LOGL__COUNT
};
#undef LOG_LEVEL_CONST
_Static_assert(LOGL_ERR == 0 && LOGL_ERR < LOGL_WARNING &&
	LOGL_WARNING < LOGL_NOTICE && LOGL_NOTICE < LOGL_INFO &&
	LOGL_INFO < LOGL_DEBUG,
    "LOG_LEVELS must run from error to debug");

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

void log_open(const char *ident, int facility, int foreground);
void log_set_level(int level);
void log_set_facility(int facility);
int log_level_enabled(int level);
/* log_is_stderr - 1 when messages go to stderr (foreground) */
int log_is_stderr(void);
/* log_journal_prefix - "<3>".."<7>" for LEVEL when stderr is systemd's
 * journal (JOURNAL_STREAM), else "" */
const char *log_journal_prefix(int level);

void log_err(const char *fmt, ...) LOG_PRINTF(1, 2); /* + strerror */
void log_errx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2); /* + strerror */
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_notice(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);

/*
 * log_vmsg - the one writer behind every function here: format, append
 * strerror(errnum) unless errnum is 0, sanitise, write one line at level.
 * The programs' own diagnostics (the keytool's, the CLI's) go through it
 * too, with log_open's ident as their name on stderr.
 */
void log_vmsg(int level, int errnum, const char *fmt, va_list ap);
void log_msg(int level, const char *fmt, ...) LOG_PRINTF(2, 3);
/* log_lines - each '\n'-separated line of text (e.g. a list of
 * configuration errors) as a message of its own */
void log_lines(int level, const char *text);

/* log_sanitize - in escaped into out (outlen > 0); the length written */
size_t log_sanitize(const char *in, char *out, size_t outlen);

/* log_facility_value - "mail", "daemon", "local0".."local7"; -1 if unknown */
int log_facility_value(const char *name);

#endif /* DKIMGUARD_LOG_H */
