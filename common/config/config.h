/*
 * config.h - dkimguard.conf: the option table and the parsed result.
 *
 * SYNOPSIS
 *	struct errlist el = {0};
 *	struct config *cfg = config_load("/etc/dkimguard/dkimguard.conf", &el);
 *	if (cfg == NULL) print errlist_str(&el);
 *	... cfg->mode == MODE_SIGN ...
 *	config_free(cfg);
 *
 * DESCRIPTION
 *	Every option is one row in options.def; struct config has one member
 *	per row.  File syntax: "Name value" per line (names case-insensitive),
 *	'#' comments, blank lines, trailing '\' continues a line.  Unknown
 *	options, bad values and repeated options are reported as
 *	"FILE:LINE: option 'Name': what is allowed"; every problem is
 *	collected, none is fatal on its own, config_load fails if any.
 */
#ifndef DKIMGUARD_CONFIG_H
#define DKIMGUARD_CONFIG_H

#include "util/errlist.h"

typedef int cft_BOOL;
typedef long cft_INT;
typedef long cft_OCTAL;
typedef char *cft_STR;
typedef char *cft_PATH;
typedef int cft_ENUM;
typedef char **cft_LIST;	/* NULL-terminated, never NULL itself */
typedef char **cft_CIDRS;
typedef char *cft_SOCKET;

enum opt_type {
	OT_BOOL, OT_INT, OT_OCTAL, OT_STR, OT_PATH, OT_ENUM, OT_LIST,
	OT_CIDRS, OT_SOCKET
};

enum opt_id {
#define OPT(name, type, def, min, max, allowed, field, doc) OPTID_##name,
#include "options.def"
#undef OPT
	OPTID__COUNT
};

/*
 * Values of ENUM options.  Each list pairs a constant with the word
 * dkimguard.conf spells it with, X(CONSTANT, "word"); the enum below and
 * the option's word table (config.c) are both expanded from the list, so
 * a word parses to the constant of its own name whatever the order, and
 * the field of an ENUM option holds that constant.  An options.def row
 * names its list in the "allowed" column.  Lists of other layers:
 * GUARD_ACTIONS (common/guard/guard.h), LOG_LEVELS (util/log.h).
 */
#define CONFIG_MODES(X)							\
	X(MODE_SIGN, "sign")						\
	X(MODE_VERIFY, "verify")					\
	X(MODE_BOTH, "both")		/* decide per message */
#define CONFIG_ACTIONS(X)						\
	X(ACTION_ACCEPT, "accept")					\
	X(ACTION_REJECT, "reject")					\
	X(ACTION_TEMPFAIL, "tempfail")					\
	X(ACTION_QUARANTINE, "quarantine")
/* OnInternalError: the same constants; quarantine would deliver a
 * message nothing was checked on */
#define CONFIG_INTERNAL_ACTIONS(X)					\
	X(ACTION_ACCEPT, "accept")					\
	X(ACTION_REJECT, "reject")					\
	X(ACTION_TEMPFAIL, "tempfail")
#define CONFIG_CANONS(X)	/* header/body */			\
	X(CANON_RR, "relaxed/relaxed")					\
	X(CANON_RS, "relaxed/simple")					\
	X(CANON_SR, "simple/relaxed")					\
	X(CANON_SS, "simple/simple")
/* LogMessageLine: MSGLOG_VERBOSE adds fields to MSGLOG_NORMAL's, so the
 * order matters to msglog.c (a field is logged when its level <= this) */
#define CONFIG_MSGLOGS(X)						\
	X(MSGLOG_OFF, "off")						\
	X(MSGLOG_NORMAL, "normal")					\
	X(MSGLOG_VERBOSE, "verbose")
/* SyslogFacility: the constants are <syslog.h>'s, expanded in config.c
 * only (the field holds LOG_MAIL etc., ready for log_set_facility) */
#define CONFIG_FACILITIES(X)						\
	X(LOG_MAIL, "mail")						\
	X(LOG_DAEMON, "daemon")						\
	X(LOG_USER, "user")						\
	X(LOG_LOCAL0, "local0")						\
	X(LOG_LOCAL1, "local1")						\
	X(LOG_LOCAL2, "local2")						\
	X(LOG_LOCAL3, "local3")						\
	X(LOG_LOCAL4, "local4")						\
	X(LOG_LOCAL5, "local5")						\
	X(LOG_LOCAL6, "local6")						\
	X(LOG_LOCAL7, "local7")

#define CONFIG_ENUM_CONST(id, word) id,
enum config_mode { CONFIG_MODES(CONFIG_ENUM_CONST) };
enum config_action { CONFIG_ACTIONS(CONFIG_ENUM_CONST) };
enum config_canon { CONFIG_CANONS(CONFIG_ENUM_CONST) };
enum config_msglog { CONFIG_MSGLOGS(CONFIG_ENUM_CONST) };
/* msglog.c compares levels, and a zeroed struct msglog must be off */
_Static_assert(MSGLOG_OFF == 0 && MSGLOG_OFF < MSGLOG_NORMAL &&
    MSGLOG_NORMAL < MSGLOG_VERBOSE, "CONFIG_MSGLOGS must run off to verbose");

struct config {
#define OPT(name, type, def, min, max, allowed, field, doc) cft_##type field;
#include "options.def"
#undef OPT
	char *path;			/* the file read, "" for defaults */
	unsigned line[OPTID__COUNT];	/* where each option was set, 0 */
};

/* config_word - one word of an ENUM option and the value it stands for */
struct config_word {
	const char *word;
	int value;
};

/* optdef - one row of options.def at run time */
struct optdef {
	const char *name;
	enum opt_type type;
	const char *def;
	long min, max;
	const struct config_word *words;  /* ENUM: ends with word NULL */
	const char *doc;
};

extern const struct optdef config_options[OPTID__COUNT];

/* config_defaults - a config holding every default; NULL on ENOMEM */
struct config *config_defaults(void);
/* config_load - defaults, then the file; NULL with el filled on error */
struct config *config_load(const char *path, struct errlist *el);
void config_free(struct config *cfg);
/* config_enum_str - the word of an ENUM option's current value ("?" if
 * none has it) */
const char *config_enum_str(const struct config *cfg, enum opt_id id);
/* config_where - "FILE:LINE" where an option was set, or "default" */
const char *config_where(const struct config *cfg, enum opt_id id,
    char *buf, size_t len);

#endif /* DKIMGUARD_CONFIG_H */
