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
 *
 *	OpenDKIM's forms are read where the meaning is the same (see
 *	opendkim.def and dkimguard.conf(5)): its option names that are
 *	aliases, Mode s/v/sv, the first-letter booleans, data set prefixes
 *	(file:, refile:, csl:) and host lists given as files with host
 *	names.  Host names are resolved here, at every load (start-up and
 *	reload); a name that does not resolve is a warning in cfg->warn
 *	("FILE:LINE: ..."), not an error, and is left out of the list.
 *	OpenDKIM names with another meaning and unknown names are errors
 *	that give the dkimguard line to write ("did you mean").
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
typedef char **cft_LIST; /* NULL-terminated, never NULL itself */
typedef char **cft_CIDRS;
typedef char *cft_SOCKET;

enum opt_type {
	OT_BOOL,
	OT_INT,
	OT_OCTAL,
	OT_STR,
	OT_PATH,
	OT_ENUM,
	OT_LIST,
	OT_CIDRS,
	OT_SOCKET
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
#define CONFIG_MODES(X)                                                        \
	X(MODE_SIGN, "sign")                                                   \
	X(MODE_VERIFY, "verify")                                               \
	X(MODE_BOTH, "both") /* decide per message */
#define CONFIG_ACTIONS(X)                                                      \
	X(ACTION_ACCEPT, "accept")                                             \
	X(ACTION_REJECT, "reject")                                             \
	X(ACTION_TEMPFAIL, "tempfail")                                         \
	X(ACTION_QUARANTINE, "quarantine")
/* OnInternalError: the same constants; quarantine would deliver a
 * message nothing was checked on */
#define CONFIG_INTERNAL_ACTIONS(X)                                             \
	X(ACTION_ACCEPT, "accept")                                             \
	X(ACTION_REJECT, "reject")                                             \
	X(ACTION_TEMPFAIL, "tempfail")
#define CONFIG_CANONS(X) /* header/body */                                     \
	X(CANON_RR, "relaxed/relaxed")                                         \
	X(CANON_RS, "relaxed/simple")                                          \
	X(CANON_SR, "simple/relaxed")                                          \
	X(CANON_SS, "simple/simple")
/* LogMessageLine: MSGLOG_VERBOSE adds fields to MSGLOG_NORMAL's, so the
 * order matters to msglog.c (a field is logged when its level <= this) */
#define CONFIG_MSGLOGS(X)                                                      \
	X(MSGLOG_OFF, "off")                                                   \
	X(MSGLOG_NORMAL, "normal")                                             \
	X(MSGLOG_VERBOSE, "verbose")
/* AlignmentMode: DMARC's adkim (RFC 7489 3.1.1) for the alignment check */
#define CONFIG_ALIGNMODES(X)                                                   \
	X(ALIGN_RELAXED, "relaxed") /* same organizational domain */           \
	X(ALIGN_STRICT, "strict")   /* the very same domain */
/* OnUnaligned: what a message no signature of ours aligns with gets */
#define CONFIG_UNALIGNED_ACTIONS(X)                                            \
	X(UNALIGNED_WARN, "warn")                                              \
	X(UNALIGNED_TEMPFAIL, "tempfail")                                      \
	X(UNALIGNED_HOLD, "hold")
/* SyslogFacility: the constants are <syslog.h>'s, expanded in config.c
 * only (the field holds LOG_MAIL etc., ready for log_set_facility) */
#define CONFIG_FACILITIES(X)                                                   \
	X(LOG_MAIL, "mail")                                                    \
	X(LOG_DAEMON, "daemon")                                                \
	X(LOG_USER, "user")                                                    \
	X(LOG_LOCAL0, "local0")                                                \
	X(LOG_LOCAL1, "local1")                                                \
	X(LOG_LOCAL2, "local2")                                                \
	X(LOG_LOCAL3, "local3")                                                \
	X(LOG_LOCAL4, "local4")                                                \
	X(LOG_LOCAL5, "local5")                                                \
	X(LOG_LOCAL6, "local6")                                                \
	X(LOG_LOCAL7, "local7")

#define CONFIG_ENUM_CONST(id, word) id,
enum config_mode {
	CONFIG_MODES(CONFIG_ENUM_CONST)
};
enum config_action {
	CONFIG_ACTIONS(CONFIG_ENUM_CONST)
};
enum config_canon {
	CONFIG_CANONS(CONFIG_ENUM_CONST)
};
enum config_msglog {
	CONFIG_MSGLOGS(CONFIG_ENUM_CONST)
};
enum config_alignmode {
	CONFIG_ALIGNMODES(CONFIG_ENUM_CONST)
};
enum config_unaligned {
	CONFIG_UNALIGNED_ACTIONS(CONFIG_ENUM_CONST)
};
/* msglog.c compares levels, and a zeroed struct msglog must be off */
_Static_assert(MSGLOG_OFF == 0 && MSGLOG_OFF < MSGLOG_NORMAL &&
	MSGLOG_NORMAL < MSGLOG_VERBOSE,
    "CONFIG_MSGLOGS must run off to verbose");

struct config {
#define OPT(name, type, def, min, max, allowed, field, doc) cft_##type field;
#include "options.def"
#undef OPT
	char *path;                  /* the file read, "" for defaults */
	unsigned line[OPTID__COUNT]; /* where each option was set, 0 */
	struct errlist warn;         /* loaded, but worth a look */
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
	const struct config_word *words; /* ENUM: ends with word NULL */
	const char *doc;
};

extern const struct optdef config_options[OPTID__COUNT];

/* OpenDKIM names that are not dkimguard options (opendkim.def) */
enum odk_kind {
	ODK_ALIAS,
	ODK_NOOP,
	ODK_HINT,
	ODK_UNSUPPORTED
};

struct odkopt {
	const char *name;
	enum odk_kind kind;
	const char *line;  /* ALIAS: the option; HINT: the line */
	const char *value; /* NOOP: the value dkimguard always acts on */
	const char *why;
};

extern const struct odkopt config_opendkim[];
extern const size_t config_opendkim_count;

/* config_option_find - id of a dkimguard option name, -1 if unknown */
int config_option_find(const char *name);
/* config_odk_find - the OpenDKIM row of name, NULL if none */
const struct odkopt *config_odk_find(const char *name);
/* config_suggest - the known name (either table) nearest to name, NULL */
const char *config_suggest(const char *name);
/*
 * config_odk_value - a value in OpenDKIM's spelling in dkimguard's
 * (Mode sv -> both, Canonicalization relaxed -> relaxed/simple, ...);
 * v itself when nothing changes, NULL for "the default" (AuthservID
 * HOSTNAME).
 */
const char *config_odk_value(enum opt_id id, const char *v);
/* config_odk_explain - the error text for an OpenDKIM row and value:
 * "" when accepted (ALIAS, NOOP with its value) */
void config_odk_explain(const struct odkopt *o, const char *value, char *buf,
    size_t len);

/* config_defaults - a config holding every default; NULL on ENOMEM */
struct config *config_defaults(void);
/* config_load - defaults, then the file; NULL with el filled on error */
struct config *config_load(const char *path, struct errlist *el);
void config_free(struct config *cfg);
/*
 * config_try - would the line "name value" of file:line load (alone, on
 * the defaults; relative paths from cfgpath's folder)?  0, or -1 with
 * the reasons in el; warnings (unresolved host names) into warn.
 */
int config_try(const char *cfgpath, const char *file, unsigned line,
    const char *name, const char *value, struct errlist *el,
    struct errlist *warn);
/* config_enum_str - the word of an ENUM option's current value ("?" if
 * none has it) */
const char *config_enum_str(const struct config *cfg, enum opt_id id);
/* config_where - "FILE:LINE" where an option was set, or "default" */
const char *
config_where(const struct config *cfg, enum opt_id id, char *buf, size_t len);

#endif /* DKIMGUARD_CONFIG_H */
