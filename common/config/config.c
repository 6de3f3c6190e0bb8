/*
 * config.c - read dkimguard.conf through the option table (options.def).
 *
 * DESCRIPTION
 *	One parser per option type; the defaults go through the same parsers
 *	as the file.  Errors name the file, line, option and what is
 *	allowed, and are all collected before config_load gives up.
 *	OpenDKIM's names and forms come through opendkim.def (see config.h);
 *	list options may name a file, whose lines then carry the FILE:LINE
 *	of their own messages.  Exports config_options, config_opendkim and
 *	the functions of config.h.
 */
#define _GNU_SOURCE /* asprintf */
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <syslog.h> /* LOG_MAIL ..., CONFIG_FACILITIES */

#include "config.h"
#include "common/guard/guard.h" /* GUARD_ACTIONS */
#include "util/assert.h"
#include "util/log.h" /* LOG_LEVELS */
#include "util/netlist.h"
#include "util/tables.h"

/*
 * The word table of each ENUM option, words_NAME[], expanded from the
 * list its row names; other types have none (WORDS_REF gives NULL).
 */
#define CONFIG_WORD(id, word) {word, id},
#define WORDS_BOOL(name, list)
#define WORDS_INT(name, list)
#define WORDS_OCTAL(name, list)
#define WORDS_STR(name, list)
#define WORDS_PATH(name, list)
#define WORDS_LIST(name, list)
#define WORDS_CIDRS(name, list)
#define WORDS_SOCKET(name, list)
#define WORDS_ENUM(name, list)                                                 \
	static const struct config_word words_##name[] = {                     \
	    list(CONFIG_WORD){NULL, 0}};
#define OPT(name, type, def, min, max, allowed, field, doc)                    \
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
#define OPT(name, type, def, min, max, allowed, field, doc)                    \
	{#name, OT_##type, def, min, max, WORDS_REF_##type(name), doc},
#include "options.def"
#undef OPT
};

static const size_t opt_offset[OPTID__COUNT] = {
#define OPT(name, type, def, min, max, allowed, field, doc)                    \
	offsetof(struct config, field),
#include "options.def"
#undef OPT
};

#define FIELD(cfg, id, T) ((T *)((char *)(cfg) + opt_offset[id]))

const struct odkopt config_opendkim[] = {
#define ODK(name, kind, line, value, why) {#name, ODK_##kind, line, value, why},
#include "opendkim.def"
#undef ODK
};

const size_t config_opendkim_count =
    sizeof config_opendkim / sizeof config_opendkim[0];

/* OpenDKIM's spelling of values of options both programs have */
static const struct {
	enum opt_id id;
	const char *from, *to; /* to NULL: the default */
} odk_values[] = {
    {OPTID_Mode, "s", "sign"},
    {OPTID_Mode, "v", "verify"},
    {OPTID_Mode, "sv", "both"},
    {OPTID_Mode, "vs", "both"},
    /* one word: the header algorithm, the body is simple */
    {OPTID_Canonicalization, "relaxed", "relaxed/simple"},
    {OPTID_Canonicalization, "simple", "simple/simple"},
    {OPTID_AuthservID, "HOSTNAME", NULL},
};

/* OpenDKIM data set types dkimguard cannot read (only files) */
static const char *const odk_datasets[] = {
    "db:",
    "dsn:",
    "ldap:",
    "ldaps:",
    "ldapi:",
    "lua:",
    "memcache:",
    "mdb:",
    "erlang:",
    "rest:",
};

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

/* parse_bool - yes/no, true/false, on/off, 1/0, and OpenDKIM's one
 * letter forms y/n, t/f */
static int
parse_bool(const char *v, int *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1", "y", "t"};
	static const char *const no[] = {"no", "false", "off", "0", "n", "f"};
	size_t i;

	for (i = 0; i < 6; i++) {
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
	snprintf(why, len,
	    "'%s' is not unix:PATH, local:PATH, "
	    "inet:PORT@HOST or inet6:PORT@HOST",
	    v);
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

	if (*path == '/' || *path == '\0' || cfgpath == NULL ||
	    *cfgpath == '\0')
		return strdup(v);
	snprintf(dir, sizeof dir, "%.*s",
	    slash != NULL ? (int)(slash - cfgpath) + (slash == cfgpath) : 1,
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
		snprintf(buf, len, "use an integer from %ld to %ld", o->min,
		    o->max);
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
set_value(struct config *cfg, enum opt_id id, const char *v, char *why,
    size_t len)
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
	errlist_free(&cfg->warn);
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

/* config_option_find - the id of an option name, -1 if unknown */
int
config_option_find(const char *name)
{
	int id;

	for (id = 0; id < OPTID__COUNT; id++)
		if (strcasecmp(config_options[id].name, name) == 0)
			return id;
	return -1;
}

/* config_odk_find - OpenDKIM's row for name (case-insensitive) */
const struct odkopt *
config_odk_find(const char *name)
{
	size_t i;

	for (i = 0; i < config_opendkim_count; i++)
		if (strcasecmp(config_opendkim[i].name, name) == 0)
			return &config_opendkim[i];
	return NULL;
}

/* edit_distance - Levenshtein distance, case-insensitive; names are
 * short, longer strings count as far */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[64], diag, up;

	if (la >= 64 || lb >= 64)
		return 64;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			row[j] = diag +
			    (tolower((unsigned char)a[i - 1]) !=
				tolower((unsigned char)b[j - 1]));
			if (up + 1 < row[j])
				row[j] = up + 1;
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			diag = up;
		}
	}
	return row[lb];
}

/* config_suggest - nearest name of both tables, close enough to be a
 * typo: at most 2 edits, or a third of the name */
const char *
config_suggest(const char *name)
{
	const char *best = NULL;
	size_t d, bestd = 64, i, limit = strlen(name) / 3;

	if (limit < 2)
		limit = 2;
	for (i = 0; i < OPTID__COUNT; i++)
		if ((d = edit_distance(name, config_options[i].name)) < bestd) {
			bestd = d;
			best = config_options[i].name;
		}
	for (i = 0; i < config_opendkim_count; i++)
		if ((d = edit_distance(name, config_opendkim[i].name)) <
		    bestd) {
			bestd = d;
			best = config_opendkim[i].name;
		}
	return bestd <= limit ? best : NULL;
}

/* config_odk_value - OpenDKIM's spelling of a value into dkimguard's */
const char *
config_odk_value(enum opt_id id, const char *v)
{
	size_t i;

	for (i = 0; i < sizeof odk_values / sizeof odk_values[0]; i++)
		if (odk_values[i].id == id &&
		    strcasecmp(odk_values[i].from, v) == 0)
			return odk_values[i].to;
	return v;
}

/* config_odk_explain - "" when dkimguard takes the row with this value;
 * else why not and the line to write */
void
config_odk_explain(const struct odkopt *o, const char *value, char *buf,
    size_t len)
{
	long umask_v;
	int b, bo;

	*buf = '\0';
	switch (o->kind) {
	case ODK_ALIAS:
		return;
	case ODK_NOOP:
		if (strcasecmp(value, o->value) == 0 ||
		    (parse_bool(value, &b) == 0 &&
			parse_bool(o->value, &bo) == 0 && b == bo))
			return;
		snprintf(buf, len,
		    "OpenDKIM's '%s %s' has no dkimguard "
		    "equivalent: %s; remove the line",
		    o->name, value, o->why);
		return;
	case ODK_HINT:
	case ODK_UNSUPPORTED:
		/* "off" is OpenDKIM's default and what dkimguard does */
		if (parse_bool(value, &b) == 0 && b == 0)
			return;
		break;
	}
	if (o->kind == ODK_UNSUPPORTED) {
		snprintf(buf, len, "OpenDKIM's %s is not supported: %s",
		    o->name, o->why);
		return;
	}
	if (strcasecmp(o->name, "UMask") == 0 &&
	    parse_long(value, 8, 0, 0777, &umask_v) == 0) {
		snprintf(buf, len,
		    "OpenDKIM option with no dkimguard "
		    "equivalent (%s); write instead: SocketMode 0%03lo",
		    o->why, 0666 & ~umask_v);
		return;
	}
	snprintf(buf, len,
	    "OpenDKIM option with no dkimguard equivalent "
	    "(%s); write instead: %s",
	    o->why, o->line);
}

/* dataset_check - the data set prefix of v: file:, refile: and csl:
 * (lists only) are read, OpenDKIM's others get the alternative */
static int
dataset_check(const struct optdef *o, const char *v, char *why, size_t len)
{
	size_t i, n;

	for (i = 0; i < sizeof odk_datasets / sizeof odk_datasets[0]; i++) {
		n = strlen(odk_datasets[i]);
		if (strncasecmp(v, odk_datasets[i], n) == 0) {
			snprintf(why, len,
			    "OpenDKIM data set '%.*s' is not "
			    "supported; export its entries to a plain file "
			    "and write: %s /etc/dkimguard/%s",
			    (int)n - 1, v, o->name,
			    strcasecmp(o->name, "KeyTable") == 0 ?
				"keytable" :
				strcasecmp(o->name, "SigningTable") == 0 ?
				"signingtable" :
				o->type == OT_CIDRS ? "hosts" :
						      "list");
			return -1;
		}
	}
	if (strncasecmp(v, "csl:", 4) == 0 && o->type != OT_LIST &&
	    o->type != OT_CIDRS) {
		snprintf(why, len,
		    "a csl: list cannot be a %s; put the "
		    "entries in a file, one per line, and name the file",
		    o->name);
		return -1;
	}
	return 0;
}

/* list_push - append a copy of s to a NULL-terminated growing list */
static int
list_push(char ***l, size_t *n, const char *s)
{
	char **nl;

	if ((nl = realloc(*l, (*n + 2) * sizeof *nl)) == NULL)
		return -1;
	*l = nl;
	if ((nl[*n] = strdup(s)) == NULL)
		return -1;
	nl[++*n] = NULL;
	return 0;
}

/* hostname_like - letters, digits, '-' and '.', at least one letter */
static int
hostname_like(const char *s)
{
	int letter = 0;

	for (; *s != '\0'; s++) {
		if (isalpha((unsigned char)*s))
			letter = 1;
		else if (!isdigit((unsigned char)*s) && *s != '-' && *s != '.')
			return 0;
	}
	return letter;
}

struct load_state {
	struct config *cfg;
	struct errlist *el;
	/* while a list is read */
	int id;
	char **list;
	size_t n;
};

/* host_resolve - every address of name (A and AAAA, through the system
 * resolver: /etc/hosts, then DNS) with the '!' of the entry; a name that
 * does not resolve is a warning, left out until a reload resolves it */
static int
host_resolve(struct load_state *st, const char *file, unsigned line,
    const char *name, int neg)
{
	struct addrinfo hints, *res, *ai;
	char addr[INET6_ADDRSTRLEN + 1], ent[INET6_ADDRSTRLEN + 2];
	const void *p;
	size_t i;
	int rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(name, NULL, &hints, &res)) != 0) {
		errlist_add(&st->cfg->warn,
		    "%s:%u: option '%s': host name "
		    "'%s' does not resolve (%s); left out until a reload "
		    "resolves it (write its address to depend on no DNS)",
		    file, line, config_options[st->id].name, name,
		    gai_strerror(rc));
		return 0;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET)
			p = &((struct sockaddr_in *)ai->ai_addr)->sin_addr;
		else if (ai->ai_family == AF_INET6)
			p = &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		else
			continue;
		if (inet_ntop(ai->ai_family, p, addr, sizeof addr) == NULL)
			continue;
		snprintf(ent, sizeof ent, "%s%s", neg ? "!" : "", addr);
		for (i = 0; i < st->n && strcmp(st->list[i], ent) != 0; i++)
			;
		if (i == st->n && list_push(&st->list, &st->n, ent) < 0) {
			freeaddrinfo(res);
			return -1;
		}
	}
	freeaddrinfo(res);
	return 0;
}

/* list_entry - one entry of a list option, from file:line */
static int
list_entry(struct load_state *st, const char *file, unsigned line,
    const char *tok)
{
	const char *name = config_options[st->id].name;
	char why[160], host[256], plain[256], *rb;
	int neg = tok[0] == '!';

	if (config_options[st->id].type != OT_CIDRS)
		return list_push(&st->list, &st->n, tok);
	/* "[ADDR]" and "[ADDR]/BITS" (OpenDKIM's quoting): kept without */
	if (tok[neg] == '[' && (rb = strchr(tok, ']')) != NULL &&
	    (rb[1] == '\0' || rb[1] == '/')) {
		snprintf(plain, sizeof plain, "%s%.*s%s", neg ? "!" : "",
		    (int)(rb - tok - neg - 1), tok + neg + 1, rb + 1);
		tok = plain;
	}
	if (netlist_check(tok, why, sizeof why) == 0)
		return list_push(&st->list, &st->n, tok);
	snprintf(host, sizeof host, "%s", tok + neg);
	if (host[0] == '.') {
		errlist_add(st->el,
		    "%s:%u: option '%s': '%s' is a domain, "
		    "which OpenDKIM matches against the client's host name; "
		    "dkimguard matches addresses: list the hosts by name or "
		    "their network as ADDR/BITS",
		    file, line, name, tok);
		return 0;
	}
	if (strchr(host, '*') != NULL) {
		errlist_add(st->el,
		    "%s:%u: option '%s': '%s': wildcards do "
		    "not name hosts; give a network as ADDR/BITS",
		    file, line, name, tok);
		return 0;
	}
	if (hostname_like(host))
		return host_resolve(st, file, line, host, neg);
	errlist_add(st->el,
	    "%s:%u: option '%s': %s; give an address, a "
	    "network (ADDR/BITS) or a host name, '!' before one excludes it",
	    file, line, name, why);
	return 0;
}

/* list_file_line - every field of a line of a list file is an entry */
static int
list_file_line(void *arg, struct tables_entry *e)
{
	struct load_state *st = arg;
	const char *file = e->file;
	unsigned line = e->line;
	char **field = e->field;
	int nfield = e->nfield;
	char **tok;
	size_t k;
	int i, rc = 0;

	for (i = 0; i < nfield && rc == 0; i++) {
		/* "a, b" on one line as inline */
		if ((tok = list_split(field[i])) == NULL)
			return -1;
		for (k = 0; tok[k] != NULL && rc == 0; k++)
			rc = list_entry(st, file, line, tok[k]);
		list_free(tok);
	}
	return rc;
}

/* is_list_file - a list value naming a file: file:, refile:, or one
 * absolute or ./ path */
static int
is_list_file(const char *v)
{
	if (strncasecmp(v, "file:", 5) == 0 ||
	    strncasecmp(v, "refile:", 7) == 0)
		return 1;
	return (v[0] == '/' || strncmp(v, "./", 2) == 0 ||
		   strncmp(v, "../", 3) == 0) &&
	    strpbrk(v, ", \t") == NULL;
}

/* list_load - a LIST or CIDRS value: inline (commas, blanks, csl:) or
 * a file (one or more entries a line); host names are resolved now */
static int
list_load(struct load_state *st, int id, const char *v, const char *file,
    unsigned line)
{
	char **tok, *path;
	size_t i;
	int rc = 0;

	st->id = id;
	st->n = 0;
	if ((st->list = calloc(1, sizeof *st->list)) == NULL)
		return -1;
	if (strncasecmp(v, "csl:", 4) == 0)
		v += 4;
	if (is_list_file(v)) {
		if ((path = resolve_path(v, st->cfg->path)) == NULL)
			rc = -1;
		else {
			enum tables_kind kind;
			const char *p = tables_spec(path, &kind);
			unsigned before = st->el->count;

			if (tables_read(p, list_file_line, st, st->el) < 0 &&
			    st->el->count == before)
				rc = -1;
			free(path);
		}
	} else if ((tok = list_split(v)) == NULL)
		rc = -1;
	else {
		for (i = 0; tok[i] != NULL && rc == 0; i++)
			rc = list_entry(st, file, line, tok[i]);
		list_free(tok);
	}
	if (rc < 0) {
		list_free(st->list);
		return -1;
	}
	list_free(*FIELD(st->cfg, id, char **));
	*FIELD(st->cfg, id, char **) = st->list;
	st->list = NULL;
	return 0;
}

/* config_odk_line - an OpenDKIM name that is not a dkimguard option:
 * the id of the option it is an alias of, or -1 (handled or reported) */
static int
config_odk_line(struct load_state *st, const char *file, unsigned line,
    const char *name, const char *value)
{
	const struct odkopt *o = config_odk_find(name);
	const char *near;
	char why[512];

	if (o == NULL) {
		near = config_suggest(name);
		if (near != NULL && (o = config_odk_find(near)) != NULL &&
		    o->kind == ODK_ALIAS)
			near = o->line;
		if (near != NULL)
			errlist_add(st->el,
			    "%s:%u: option '%s': unknown "
			    "option; did you mean '%s'?",
			    file, line, name, near);
		else
			errlist_add(st->el,
			    "%s:%u: option '%s': unknown "
			    "option (see dkimguard.conf(5) for the list)",
			    file, line, name);
		return -1;
	}
	if (o->kind == ODK_ALIAS)
		return config_option_find(o->line);
	config_odk_explain(o, value, why, sizeof why);
	if (*why != '\0')
		errlist_add(st->el, "%s:%u: option '%s': %s", file, line,
		    o->name, why);
	return -1;
}

/* config_line - one "Name value" line */
static int
config_line(void *arg, struct tables_entry *e)
{
	struct load_state *st = arg;
	const char *file = e->file, *rest = e->rest;
	unsigned line = e->line;
	char **field = e->field;
	int nfield = e->nfield;
	char why[512], allowed[300];
	const char *v;
	int id;

	if ((id = config_option_find(field[0])) < 0 &&
	    (id = config_odk_line(st, file, line, field[0],
		 nfield < 2 ? "" : rest)) < 0)
		return 0;
	if (st->cfg->line[id] != 0) {
		errlist_add(st->el,
		    "%s:%u: option '%s': already set at line "
		    "%u; give it once",
		    file, line, config_options[id].name, st->cfg->line[id]);
		return 0;
	}
	st->cfg->line[id] = line;
	if (nfield < 2 || *rest == '\0') {
		errlist_add(st->el, "%s:%u: option '%s': needs a value", file,
		    line, config_options[id].name);
		return 0;
	}
	if ((v = config_odk_value(id, rest)) == NULL)
		return 0; /* OpenDKIM's spelling of the default */
	*why = '\0';
	if (dataset_check(&config_options[id], v, why, sizeof why) == 0 &&
	    (config_options[id].type == OT_LIST ||
		config_options[id].type == OT_CIDRS)) {
		if (list_load(st, id, v, file, line) < 0)
			errlist_add(st->el,
			    "%s:%u: option '%s': out of "
			    "memory",
			    file, line, config_options[id].name);
		return 0;
	}
	if (*why != '\0' || set_value(st->cfg, id, v, why, sizeof why) < 0) {
		describe_allowed(&config_options[id], allowed, sizeof allowed);
		if (*why != '\0')
			errlist_add(st->el, "%s:%u: option '%s': %s", file,
			    line, config_options[id].name, why);
		else
			errlist_add(st->el,
			    "%s:%u: option '%s': bad value "
			    "'%s'; %s",
			    file, line, config_options[id].name, rest, allowed);
	}
	return 0;
}

/* at - "FILE:LINE" of an option that was set */
static const char *
at(const struct config *cfg, enum opt_id id, char *buf, size_t len)
{
	return config_where(cfg, id, buf, len);
}

/* single_key_check - Domain, Selector and KeyFile go together, and not
 * with KeyTable/SigningTable (OpenDKIM then ignores KeyFile silently) */
static void
single_key_check(struct config *cfg, struct errlist *el)
{
	static const enum opt_id need[] = {OPTID_Domain, OPTID_Selector,
	    OPTID_KeyFile};
	static const char *const example[] = {"Domain example.com",
	    "Selector 2024",
	    "KeyFile "
	    "/etc/dkimkeys/example.private"};
	enum opt_id set = OPTID__COUNT;
	char w[PATH_MAX + 32];
	size_t i;

	for (i = 0; i < 3; i++)
		if (cfg->line[need[i]] != 0)
			set = need[i];
	if (set == OPTID__COUNT)
		return;
	for (i = 0; i < 3; i++)
		if (cfg->line[need[i]] == 0)
			errlist_add(el,
			    "%s: option '%s': single-key mode "
			    "needs Domain, Selector and KeyFile; add '%s'",
			    at(cfg, set, w, sizeof w), config_options[set].name,
			    example[i]);
	if (cfg->line[OPTID_KeyTable] != 0 ||
	    cfg->line[OPTID_SigningTable] != 0)
		errlist_add(el,
		    "%s: option '%s': KeyTable/SigningTable are "
		    "set too (OpenDKIM would ignore KeyFile without a word); "
		    "remove the Domain, Selector and KeyFile lines or the "
		    "tables",
		    at(cfg, set, w, sizeof w), config_options[set].name);
	if (cfg->line[OPTID_Selector] != 0 &&
	    (strpbrk(cfg->selector, " \t/:%") != NULL ||
		*cfg->selector == '\0'))
		errlist_add(el,
		    "%s: option 'Selector': '%s' is not a "
		    "selector; use letters, digits, '-' and '.'",
		    at(cfg, OPTID_Selector, w, sizeof w), cfg->selector);
	if (cfg->line[OPTID_Domain] != 0 && cfg->domain[0] == NULL)
		errlist_add(el,
		    "%s: option 'Domain': no domain given; add "
		    "'Domain example.com'",
		    at(cfg, OPTID_Domain, w, sizeof w));
}

/* config_finish - checks across options, and DNSTimeout's unit */
static void
config_finish(struct config *cfg, struct errlist *el)
{
	char w[PATH_MAX + 32];

	if (cfg->line[OPTID_DNSTimeout] != 0 &&
	    cfg->line[OPTID_DNSTimeoutMs] != 0)
		errlist_add(el,
		    "%s: option 'DNSTimeout': DNSTimeoutMs is "
		    "set too (line %u); give one (DNSTimeout counts seconds, "
		    "DNSTimeoutMs milliseconds)",
		    at(cfg, OPTID_DNSTimeout, w, sizeof w),
		    cfg->line[OPTID_DNSTimeoutMs]);
	else if (cfg->line[OPTID_DNSTimeout] != 0)
		cfg->dns_timeout = cfg->dns_timeout_s * 1000;
	single_key_check(cfg, el);
}

/* config_load - defaults overridden by the file at path */
struct config *
config_load(const char *path, struct errlist *el)
{
	struct load_state st;
	unsigned before = el->count;

	memset(&st, 0, sizeof st);
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
	if (tables_read(path, config_line, &st, el) == 0)
		config_finish(st.cfg, el);
	if (el->count != before) {
		config_free(st.cfg);
		return NULL;
	}
	return st.cfg;
}

/* config_try - one "name value" line as config_load would take it, on
 * top of the defaults; 0, or -1 with the reasons in el */
int
config_try(const char *cfgpath, const char *file, unsigned line,
    const char *name, const char *value, struct errlist *el,
    struct errlist *warn)
{
	struct load_state st;
	struct tables_entry e;
	char *rest;
	unsigned before = el->count;
	const char *p;

	memset(&st, 0, sizeof st);
	if ((st.cfg = config_defaults()) == NULL)
		return -1;
	free(st.cfg->path);
	memset(&e, 0, sizeof e);
	e.file = file;
	e.line = line;
	e.field[0] = strdup(name);
	e.field[1] = e.rest = rest = strdup(value);
	if ((st.cfg->path = strdup(cfgpath)) == NULL || e.field[0] == NULL ||
	    rest == NULL) {
		errlist_add(el, "%s:%u: out of memory", file, line);
	} else {
		st.el = el;
		e.nfield = *rest != '\0' ? 2 : 1;
		config_line(&st, &e);
	}
	p = errlist_str(&st.cfg->warn);
	if (warn != NULL && *p != '\0')
		errlist_add(warn, "%s", p);
	free(e.field[0]);
	free(rest);
	config_free(st.cfg);
	return el->count != before ? -1 : 0;
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
config_where(const struct config *cfg, enum opt_id id, char *buf, size_t len)
{
	if (cfg->line[id] == 0)
		snprintf(buf, len, "%s: default %s", cfg->path,
		    config_options[id].name);
	else
		snprintf(buf, len, "%s:%u", cfg->path, cfg->line[id]);
	return buf;
}
