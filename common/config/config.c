/*
 * config.c - read dkimguard.conf through the option table (options.def).
 *
 * DESCRIPTION
 *	One parser per option type; the defaults go through the same parsers
 *	as the file.  Errors name the file, line, option and what is
 *	allowed, and are all collected before config_load gives up.
 */
#define _GNU_SOURCE		/* asprintf */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <syslog.h>		/* LOG_MAIL ..., CONFIG_FACILITIES */

#include "config.h"
#include "common/guard/guard.h"	/* GUARD_ACTIONS */
#include "util/assert.h"
#include "util/log.h"		/* LOG_LEVELS */
#include "util/netlist.h"
#include "util/tables.h"

/*
 * The word table of each ENUM option, words_NAME[], expanded from the
 * list its row names; other types have none (WORDS_REF gives NULL).
 */
#define CONFIG_WORD(id, word) { word, id },
#define WORDS_BOOL(name, list)
#define WORDS_INT(name, list)
#define WORDS_OCTAL(name, list)
#define WORDS_STR(name, list)
#define WORDS_PATH(name, list)
#define WORDS_LIST(name, list)
#define WORDS_CIDRS(name, list)
#define WORDS_SOCKET(name, list)
#define WORDS_ENUM(name, list) \
	static const struct config_word words_##name[] = { \
		list(CONFIG_WORD) { NULL, 0 } \
	};
#define OPT(name, type, def, min, max, allowed, field, doc) \
	WORDS_##type(name, allowed)
#include "options.def"
#undef OPT

#define WORDS_REF_ENUM(name) words_##name
#define WORDS_REF_BOOL(name) NULL
#define WORDS_REF_INT(name) NULL
#define WORDS_REF_OCTAL(name) NULL
#define WORDS_REF_STR(name) NULL
#define WORDS_REF_PATH(name) NULL
#define WORDS_REF_LIST(name) NULL
#define WORDS_REF_CIDRS(name) NULL
#define WORDS_REF_SOCKET(name) NULL

const struct optdef config_options[OPTID__COUNT] = {
#define OPT(name, type, def, min, max, allowed, field, doc) \
	{ #name, OT_##type, def, min, max, WORDS_REF_##type(name), doc },
#include "options.def"
#undef OPT
};

static const size_t opt_offset[OPTID__COUNT] = {
#define OPT(name, type, def, min, max, allowed, field, doc) \
	offsetof(struct config, field),
#include "options.def"
#undef OPT
};

#define FIELD(cfg, id, T) ((T *)((char *)(cfg) + opt_offset[id]))

/* list_free - free a NULL-terminated string list */
static void
list_free(char **l)
{
	size_t i;

	for (i = 0; l != NULL && l[i] != NULL; i++)
		free(l[i]);
	free(l);
}

/* list_split - split on commas and whitespace; NULL on ENOMEM */
static char **
list_split(const char *s)
{
	char **l, *copy, *tok, *save = NULL;
	size_t n = 0;

	if ((l = calloc(strlen(s) / 2 + 2, sizeof *l)) == NULL)
		return NULL;
	if ((copy = strdup(s)) == NULL) {
		free(l);
		return NULL;
	}
	for (tok = strtok_r(copy, ", \t", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t", &save))
		if ((l[n++] = strdup(tok)) == NULL) {
			list_free(l);
			l = NULL;
			break;
		}
	free(copy);
	return l;
}

/* parse_bool - yes/no, true/false, on/off, 1/0 */
static int
parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return *out = 1, 0;
		if (strcasecmp(v, no[i]) == 0)
			return *out = 0, 0;
	}
	return -1;
}

/* parse_long - whole string as a number in base, within [min, max] */
static int
parse_long(const char *v, int base, long min, long max, long *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, base);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

/* parse_enum - the value of word v (case-insensitive) */
static int
parse_enum(const struct config_word *words, const char *v, int *out)
{
	const struct config_word *w;

	for (w = words; w->word != NULL; w++)
		if (strcasecmp(w->word, v) == 0)
			return *out = w->value, 0;
	return -1;
}

/* parse_socket - unix:PATH, local:PATH, inet[6]:PORT[@HOST] */
static int
parse_socket(const char *v, char *why, size_t len)
{
	const char *rest;
	long port;
	char buf[16];
	size_t n;

	if (strncmp(v, "unix:", 5) == 0 || strncmp(v, "local:", 6) == 0) {
		rest = strchr(v, ':') + 1;
		if (*rest != '/' && *rest != '.') {
			snprintf(why, len, "a unix socket needs a path");
			return -1;
		}
		return 0;
	}
	if (v[0] == '/')
		return 0;
	if (strncmp(v, "inet:", 5) == 0 || strncmp(v, "inet6:", 6) == 0) {
		rest = strchr(v, ':') + 1;
		n = strcspn(rest, "@");
		if (n > 0 && n < sizeof buf) {
			memcpy(buf, rest, n);
			buf[n] = '\0';
			if (parse_long(buf, 10, 1, 65535, &port) == 0)
				return 0;
		}
	}
	snprintf(why, len, "'%s' is not unix:PATH, local:PATH, "
	    "inet:PORT@HOST or inet6:PORT@HOST", v);
	return -1;
}

/* resolve_path - relative paths are taken from the config file's folder,
 * made absolute so messages and reloads do not depend on the cwd */
static char *
resolve_path(const char *v, const char *cfgpath)
{
	enum tables_kind kind;
	const char *path = tables_spec(v, &kind);
	const char *slash = cfgpath != NULL ? strrchr(cfgpath, '/') : NULL;
	size_t plen = (size_t)(path - v);
	char dir[PATH_MAX], abs[PATH_MAX], *out;

	if (*path == '/' || *path == '\0' || cfgpath == NULL || *cfgpath == '\0')
		return strdup(v);
	snprintf(dir, sizeof dir, "%.*s", slash != NULL ?
	    (int)(slash - cfgpath) + (slash == cfgpath) : 1,
	    slash != NULL ? cfgpath : ".");
	if (realpath(dir, abs) == NULL)
		snprintf(abs, sizeof abs, "%s", dir);
	if (asprintf(&out, "%.*s%s/%s", (int)plen, v, abs, path) < 0)
		return NULL;
	return out;
}

/* describe_allowed - the "what is allowed" part of an error */
static void
describe_allowed(const struct optdef *o, char *buf, size_t len)
{
	const struct config_word *w;
	size_t n;

	switch (o->type) {
	case OT_BOOL:
		snprintf(buf, len, "use yes or no");
		break;
	case OT_INT:
		snprintf(buf, len, "use an integer from %ld to %ld",
		    o->min, o->max);
		break;
	case OT_OCTAL:
		snprintf(buf, len, "use an octal mode from 0 to 0%lo", o->max);
		break;
	case OT_ENUM:
		n = (size_t)snprintf(buf, len, "use one of: ");
		for (w = o->words; w->word != NULL && n < len; w++)
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
			    w == o->words ? "" : ",", w->word);
		break;
	default:
		snprintf(buf, len, "see dkimguard.conf(5)");
	}
}

/* cidr_check_all - every entry of a CIDR list; 0 or -1 with why */
static int
cidr_check_all(char **l, char *why, size_t len)
{
	size_t i;

	for (i = 0; l[i] != NULL; i++)
		if (netlist_check(l[i], why, len) < 0)
			return -1;
	return 0;
}

/* set_value - parse v for option id into cfg; 0 or -1 with why */
static int
set_value(struct config *cfg, enum opt_id id, const char *v,
    char *why, size_t len)
{
	const struct optdef *o = &config_options[id];
	char **l, *s;

	*why = '\0';
	switch (o->type) {
	case OT_BOOL:
		return parse_bool(v, FIELD(cfg, id, int));
	case OT_INT:
		return parse_long(v, 10, o->min, o->max, FIELD(cfg, id, long));
	case OT_OCTAL:
		return parse_long(v, 8, o->min, o->max, FIELD(cfg, id, long));
	case OT_ENUM:
		return parse_enum(o->words, v, FIELD(cfg, id, int));
	case OT_LIST:
	case OT_CIDRS:
		if ((l = list_split(v)) == NULL)
			return snprintf(why, len, "out of memory"), -1;
		if (o->type == OT_CIDRS && cidr_check_all(l, why, len) < 0) {
			list_free(l);
			return -1;
		}
		list_free(*FIELD(cfg, id, char **));
		*FIELD(cfg, id, char **) = l;
		return 0;
	case OT_SOCKET:
		if (parse_socket(v, why, len) < 0)
			return -1;
		/* FALLTHROUGH */
	case OT_STR:
	case OT_PATH:
		s = o->type == OT_PATH ? resolve_path(v, cfg->path) : strdup(v);
		if (s == NULL)
			return snprintf(why, len, "out of memory"), -1;
		free(*FIELD(cfg, id, char *));
		*FIELD(cfg, id, char *) = s;
		return 0;
	}
	PANIC("option %s has type %d, none of enum opt_type", o->name,
	    (int)o->type);
}

/* config_free - NULL is a no-op */
void
config_free(struct config *cfg)
{
	int id;

	if (cfg == NULL)
		return;
	for (id = 0; id < OPTID__COUNT; id++)
		switch (config_options[id].type) {
		case OT_LIST:
		case OT_CIDRS:
			list_free(*FIELD(cfg, id, char **));
			break;
		case OT_STR:
		case OT_PATH:
		case OT_SOCKET:
			free(*FIELD(cfg, id, char *));
			break;
		default:
			break;
		}
	free(cfg->path);
	free(cfg);
}

/* config_defaults - every option at its default */
struct config *
config_defaults(void)
{
	struct config *cfg;
	char why[256];
	int id;

	if ((cfg = calloc(1, sizeof *cfg)) == NULL)
		return NULL;
	if ((cfg->path = strdup("")) == NULL) {
		free(cfg);
		return NULL;
	}
	for (id = 0; id < OPTID__COUNT; id++)
		if (set_value(cfg, id, config_options[id].def, why,
		    sizeof why) < 0) {
			config_free(cfg);
			return NULL;
		}
	return cfg;
}

/* option_find - the id of an option name, -1 if unknown */
static int
option_find(const char *name)
{
	int id;

	for (id = 0; id < OPTID__COUNT; id++)
		if (strcasecmp(config_options[id].name, name) == 0)
			return id;
	return -1;
}

struct load_state {
	struct config *cfg;
	struct errlist *el;
};

/* config_line - one "Name value" line */
static int
config_line(void *arg, struct tables_entry *e)
{
	struct load_state *st = arg;
	const char *file = e->file, *rest = e->rest;
	unsigned line = e->line;
	char **field = e->field;
	int nfield = e->nfield;
	char why[256], allowed[300];
	int id;

	if ((id = option_find(field[0])) < 0) {
		errlist_add(st->el, "%s:%u: option '%s': unknown option "
		    "(see dkimguard.conf(5) for the list)", file, line, field[0]);
		return 0;
	}
	if (st->cfg->line[id] != 0) {
		errlist_add(st->el, "%s:%u: option '%s': already set at line "
		    "%u; give it once", file, line, config_options[id].name,
		    st->cfg->line[id]);
		return 0;
	}
	st->cfg->line[id] = line;
	if (nfield < 2 || *rest == '\0') {
		errlist_add(st->el, "%s:%u: option '%s': needs a value",
		    file, line, config_options[id].name);
		return 0;
	}
	if (set_value(st->cfg, id, rest, why, sizeof why) < 0) {
		describe_allowed(&config_options[id], allowed, sizeof allowed);
		if (*why != '\0')
			errlist_add(st->el, "%s:%u: option '%s': %s", file,
			    line, config_options[id].name, why);
		else
			errlist_add(st->el, "%s:%u: option '%s': bad value "
			    "'%s'; %s", file, line, config_options[id].name,
			    rest, allowed);
	}
	return 0;
}

/* config_load - defaults overridden by the file at path */
struct config *
config_load(const char *path, struct errlist *el)
{
	struct load_state st;
	unsigned before = el->count;

	if ((st.cfg = config_defaults()) == NULL) {
		errlist_add(el, "%s: out of memory", path);
		return NULL;
	}
	free(st.cfg->path);
	if ((st.cfg->path = strdup(path)) == NULL) {
		config_free(st.cfg);
		return NULL;
	}
	st.el = el;
	if (tables_read(path, config_line, &st, el) < 0 ||
	    el->count != before) {
		config_free(st.cfg);
		return NULL;
	}
	return st.cfg;
}

/* config_enum_str - the word of the current value of an ENUM option */
const char *
config_enum_str(const struct config *cfg, enum opt_id id)
{
	const struct config_word *w = config_options[id].words;
	int v = *FIELD(cfg, id, int);

	for (; w != NULL && w->word != NULL; w++)
		if (w->value == v)
			return w->word;
	return "?";
}

/* config_where - FILE:LINE of an option, for later error messages */
const char *
config_where(const struct config *cfg, enum opt_id id, char *buf,
    size_t len)
{
	if (cfg->line[id] == 0)
		snprintf(buf, len, "%s: default %s", cfg->path,
		    config_options[id].name);
	else
		snprintf(buf, len, "%s:%u", cfg->path, cfg->line[id]);
	return buf;
}
