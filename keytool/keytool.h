/*
 * keytool.h - dkimguard-keytool: internal interfaces between its modules.
 *
 * DESCRIPTION
 *	main.c		command dispatch, global options, exit codes
 *	util.c		messages, the clock, name checks, common options
 *	kconf.c		dkimguard.conf through the milter's parser
 *	zone.c		a key record in zone-file form and as one line
 *	keyfile.c	writing a private key safely (O_EXCL, 0600, owner)
 *	genkey.c	the genkey and dns commands
 *	table.c		a table file as lines: load, edit, atomic write
 *	tabfmt.c	entry syntax of both table formats (own, OpenDKIM)
 *	keyset.c	key table + signing table joined: who signs for what
 *	dnscheck.c	the milter's resolver, cache and guard: key checks
 *	check.c		the check command
 *	doctor.c	the doctor command: one domain's sender readiness
 *	status.c	the status command (the table of dkimguard -n)
 *	rotstate.c	the rotation state file and its state machine
 *	rotate.c	the rotate commands
 *	reload.c	PID file + SIGHUP + confirmation of the reload
 *	import.c	the import-opendkim command (opendkim.conf)
 *
 *	Functions print their own diagnostics on stderr (prefixed with the
 *	program name) and return -1; a command maps that to an exit code.
 */
#ifndef KEYTOOL_H
#define KEYTOOL_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "dkim.h"
#include "common/spf/spf.h"

/* exit codes, documented in dkimguard-keytool(8) */
enum {
	KT_EXIT_OK = 0,         /* done; for check: every key publishable */
	KT_EXIT_FAIL = 1,       /* refused or not ready; nothing changed */
	KT_EXIT_USAGE = 2,      /* bad arguments, configuration or I/O */
	KT_EXIT_UNCONFIRMED = 3 /* tables switched, milter reload unconfirmed */
};

#define KT_SEL_MAX 64
#define KT_DOM_MAX 254

/* ---- util.c ---- */
void kt_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* kt_now - the clock: $DKIMGUARD_NOW (epoch or ISO 8601 UTC) or time() */
time_t kt_now(void);
/* kt_time_parse - "1764000000" or "2026-11-23T05:00:00Z"; -1 if bad */
time_t kt_time_parse(const char *s);
/* kt_time_fmt - ISO 8601 UTC into buf (at least 21 bytes) */
const char *kt_time_fmt(time_t t, char *buf, size_t len);
/* kt_name_ok - a syntactically valid domain or selector (else a message) */
int kt_name_ok(const char *s, const char *what);

/* common options, accepted before and after the command name */
#define KT_COMMON_SHORT "c:"
#define KT_COMMON_LONG                                                         \
	{"config", required_argument, NULL, 'c'},                              \
	    {"keytable", required_argument, NULL, 'K'},                        \
	    {"signingtable", required_argument, NULL, 'S'},                    \
	    {"nameservers", required_argument, NULL, 'N'},                     \
	    {"pidfile", required_argument, NULL, 'P'},                         \
	{                                                                      \
		"state", required_argument, NULL, 'T'                          \
	}
struct kt_conf;
/* kt_common_opt - 1: handled, 0: not a common option, -1: error */
int kt_common_opt(int ch, const char *arg, struct kt_conf *c);

/*
 * the key options genkey and rotate share: -d DOMAIN -s SELECTOR -t TYPE
 * -b BITS and --owner USER (long option letter 'U'); kt_key_opt stores
 * each where kt_keyopts points and returns 1, or 0 when ch is not one
 */
#define KT_KEY_SHORT "d:s:t:b:"
#define KT_KEY_LONG                                                            \
	{                                                                      \
		"owner", required_argument, NULL, 'U'                          \
	}
struct kt_keyopts {
	const char **domain, **selector, **type, **owner;
	unsigned *bits;
};
int kt_key_opt(int ch, const char *arg, const struct kt_keyopts *k);

/* ---- kconf.c ---- */
struct config;
struct kt_conf {
	char *conffile;          /* -c, default DKIMGUARD_CONF */
	char *keytable;          /* KeyTable (prefix "file:" removed) */
	char *signtable;         /* SigningTable ("file:"/"refile:" removed) */
	int signtable_re;        /* SigningTable was refile: */
	char *nameservers;       /* Nameservers joined, NULL: resolv.conf */
	char *pidfile;           /* PidFile */
	char *statefile;         /* rotation state, default KeyTable.rotation */
	char *testkeys;          /* TestKeys: a dns.tsv file instead of DNS */
	unsigned dns_timeout_ms; /* DNSTimeout */
	unsigned dns_retries;    /* DNSRetries */
	struct config *cfg;      /* the parsed file itself (GuardAction, ...) */
};
#define KT_DEFAULT_CONF "/etc/dkimguard/dkimguard.conf"
/* kt_conf_load - read the configuration file (c->conffile,
 * $DKIMGUARD_CONF or the default; only the default may be missing);
 * values already set from the command line are kept */
int kt_conf_load(struct kt_conf *c);
void kt_conf_free(struct kt_conf *c);
/* kt_conf_need_tables - both tables configured, or a message and -1 */
int kt_conf_need_tables(const struct kt_conf *c);
struct signtable;
struct keytable;
struct errlist;
/* kt_signtable_load - the configured SigningTable over kt; NULL when none
 * is configured or it does not load (the problems are added to el) */
struct signtable *kt_signtable_load(const struct kt_conf *c,
    const struct keytable *kt, struct errlist *el);

/* ---- zone.c ---- */
/* kt_zone_record - "s._domainkey.d. IN TXT ( "..." "..." )" (the
 * guard's form, strings of at most 255 bytes); malloc'ed, NULL on ENOMEM */
char *kt_zone_record(const char *domain, const char *selector, const char *txt);
/* kt_print_record - zone-file form and one-line form, with headings */
void kt_print_record(FILE *fp, const char *domain, const char *selector,
    const char *txt);

/* ---- keyfile.c ---- */
/*
 * kt_keydir_make - create the folder of new keys: with an owner (the
 * service user), 0700 and given to it so it can enter; without, 0750.
 * An existing folder is left as it is.  0, or -1 with a message.
 */
int kt_keydir_make(const char *dir, const char *owner);
/* kt_keyfile_write - create path (O_EXCL, mode 0600), owner user or NULL */
int kt_keyfile_write(const char *path, const char *pem, const char *owner);
/* kt_keyfile_aside - rename path to path.retired-DATE without
 * overwriting; *newpath malloc'ed */
int kt_keyfile_aside(const char *path, time_t now, char **newpath);
/* kt_key_load - dkim_key_from_file with a printed message on failure */
dkim_key *kt_key_load(const char *path);
/* kt_key_txt - the record text for a key, malloc'ed, or NULL */
char *kt_key_txt(const dkim_key *key);
/* kt_key_revoked_txt - "v=DKIM1; k=rsa; p=" for the key's type */
const char *kt_key_revoked_txt(dkim_keytype type);

/* ---- genkey.c ---- */
struct kt_genopt {
	const char *domain, *selector, *dir, *owner;
	dkim_keytype type;
	unsigned bits;
};
int kt_genopt_parse_type(const char *s, dkim_keytype *type);
/* kt_keydesc - "RSA 2048 bits" or "Ed25519" */
const char *kt_keydesc(dkim_keytype type, unsigned bits, char *buf, size_t len);
/* kt_genkey_make - create the key file; *path and *txt malloc'ed */
int kt_genkey_make(const struct kt_genopt *o, char **path, char **txt);
int kt_cmd_genkey(int argc, char **argv, struct kt_conf *c);
int kt_cmd_dns(int argc, char **argv, struct kt_conf *c);
/* ---- import.c ---- */
int kt_cmd_import(int argc, char **argv, struct kt_conf *c);

/* ---- dnscheck.c ---- */
struct resolver;
struct dkim_lookup_file;
struct dnscache;
struct guard;
/* kt_dns - the milter's DNS stack: resolver (or TestKeys file), cache,
 * and a guard to check keys with */
struct kt_dns {
	struct resolver *res;
	struct dkim_lookup_file *lf;
	dkim_lookup backend;
	struct dnscache *cache;
	struct guard *g;
};
/* kt_dns_open - Nameservers/DNSTimeout/DNSRetries, or TestKeys */
int kt_dns_open(const struct kt_conf *c, struct kt_dns *d);
void kt_dns_close(struct kt_dns *d);
/* kt_resolver_open - the resolver alone, as the milter builds it (also
 * when TestKeys serves the keys): for SPF, DMARC and PTR */
int kt_resolver_open(const struct kt_conf *c, struct resolver **out);
/* kt_dns_has - 1: a TXT record at name starts with prefix ("v=spf1");
 * 0: none; -1: the lookup failed (temporary) */
int kt_dns_has(struct kt_dns *d, const char *name, const char *prefix);
/* kt_dns_spf - struct spf_dns (common/spf) over the same DNS: the
 * resolver, or with TestKeys its file (TXT only; other types fail) */
struct spf_dns kt_dns_spf(struct kt_dns *d);

/* kt_pubcheck - is the key's record published and matching? */
struct kt_pubcheck {
	char name[KT_DOM_MAX + KT_SEL_MAX + 16]; /* s._domainkey.d */
	int state;          /* guard_state; -1: the key file is unusable */
	char state_str[32]; /* "valid", "missing", ..., "nokey" */
	char problem[320];  /* what is wrong, "" when valid */
	char *zone;         /* the zone-file line to publish, or NULL */
	dkim_keytype type;
	unsigned bits; /* RSA size, 0 for Ed25519 or no key */
};
/* kt_pubcheck_run - 0 when checked (see state), -1 internal error */
int kt_pubcheck_run(struct kt_dns *d, const char *domain, const char *selector,
    const char *keyfile, struct kt_pubcheck *pc);
/* kt_pubcheck_ok - the record is published and matches */
int kt_pubcheck_ok(const struct kt_pubcheck *pc);
/* kt_pubcheck_temp - the check failed on a temporary DNS error */
int kt_pubcheck_temp(const struct kt_pubcheck *pc);
/* kt_pubcheck_fix - the exact fix, one short line */
const char *
kt_pubcheck_fix(const struct kt_pubcheck *pc, char *buf, size_t len);
void kt_pubcheck_clear(struct kt_pubcheck *pc);

/* ---- doctor.c ---- */
int kt_cmd_doctor(int argc, char **argv, struct kt_conf *c);

/* ---- check.c ---- */
int kt_cmd_check(int argc, char **argv, struct kt_conf *c);

/* ---- status.c ---- */
int kt_cmd_status(int argc, char **argv, struct kt_conf *c);
/* kt_cmd_recheck - make the milter's guard check keys now (recheck.c) */
int kt_cmd_recheck(int argc, char **argv, struct kt_conf *c);

/* ---- rotate.c ---- */
int kt_cmd_rotate(int argc, char **argv, struct kt_conf *c);

/* ---- reload.c ---- */
/* kt_reload_milter - SIGHUP the PidFile's process and wait for
 * PidFile.reloaded to change: KT_EXIT_OK, _FAIL (refused), _UNCONFIRMED */
int kt_reload_milter(const char *pidfile, int timeout_s);

#endif /* KEYTOOL_H */
