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

/* values of ENUM options: the index in the row's "allowed" list */
enum { MODE_SIGN = 0, MODE_VERIFY, MODE_BOTH };
enum { ACTION_ACCEPT = 0, ACTION_REJECT, ACTION_TEMPFAIL, ACTION_QUARANTINE };
enum { CANON_RR = 0, CANON_RS, CANON_SR, CANON_SS };

struct config {
#define OPT(name, type, def, min, max, allowed, field, doc) cft_##type field;
#include "options.def"
#undef OPT
	char *path;			/* the file read, "" for defaults */
	unsigned line[OPTID__COUNT];	/* where each option was set, 0 */
	struct errlist warn;		/* loaded, but worth a look */
};

/* optdef - one row of options.def at run time */
struct optdef {
	const char *name;
	enum opt_type type;
	const char *def;
	long min, max;
	const char *allowed;
	const char *doc;
};

extern const struct optdef config_options[OPTID__COUNT];

/* OpenDKIM names that are not dkimguard options (opendkim.def) */
enum odk_kind { ODK_ALIAS, ODK_NOOP, ODK_HINT, ODK_UNSUPPORTED };

struct odkopt {
	const char *name;
	enum odk_kind kind;
	const char *line;	/* ALIAS: the option; HINT: the line */
	const char *value;	/* NOOP: the value dkimguard always acts on */
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
void config_odk_explain(const struct odkopt *o, const char *value,
    char *buf, size_t len);

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
/* config_enum_str - the name of an ENUM option's current value */
const char *config_enum_str(const struct config *cfg, enum opt_id id);
/* config_where - "FILE:LINE" where an option was set, or "default" */
const char *config_where(const struct config *cfg, enum opt_id id,
    char *buf, size_t len);

#endif /* DKIMGUARD_CONFIG_H */
