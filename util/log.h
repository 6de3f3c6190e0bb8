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
 */
#ifndef DKIMGUARD_LOG_H
#define DKIMGUARD_LOG_H

enum log_level {
	LOGL_ERR = 0,
	LOGL_WARNING,
	LOGL_NOTICE,
	LOGL_INFO,
	LOGL_DEBUG
};

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

void log_err(const char *fmt, ...) LOG_PRINTF(1, 2);	/* + strerror */
void log_errx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);	/* + strerror */
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_notice(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);

/* log_facility_value - "mail", "daemon", "local0".."local7"; -1 if unknown */
int log_facility_value(const char *name);

#endif /* DKIMGUARD_LOG_H */
