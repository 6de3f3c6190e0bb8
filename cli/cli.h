/*
 * cli.h - dkimguard-msg: check or sign a message without a mail server.
 *
 * SYNOPSIS
 *	dkimguard-msg verify [options] FILE...
 *	dkimguard-msg sign -d DOMAIN -s SELECTOR -k KEYFILE [...] [FILE]
 *	dkimguard-msg keyrec KEYFILE
 *
 * DESCRIPTION
 *	Contracts between the cli/ modules.  Each subcommand is one file
 *	(verify.c, sign.c + sign_opts.c, keyrec.c); keysource.c picks the key
 *	lookup for verify; msgio.c streams a message into the library; util.c
 *	holds diagnostics, key loading and safe printing.
 *
 * DIAGNOSTICS
 *	Exit status: CLI_OK (0) every signature passed / the command worked,
 *	CLI_NOTPASS (1) some signature did not pass, CLI_ERR (2) usage or
 *	I/O error.  Messages go to stderr prefixed with the program name and
 *	never include key material.
 */
#ifndef CLI_H
#define CLI_H

#include <stdio.h>
#include <stddef.h>

#include "dkim.h"

#define CLI_OK 0
#define CLI_NOTPASS 1
#define CLI_ERR 2

#define CLI_CHUNK 65536 /* default read size when streaming */

extern const char *cli_progname;

/* subcommands: argv[0] is the subcommand name; return an exit status */
int cmd_verify(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_keyrec(int argc, char **argv);

/* util.c */
void cli_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_parse_ulong(const char *s, unsigned long *out);
void cli_print_safe(FILE *fp, const char *s);
const char *cli_why(const char *err, const char *path, const char *fallback);
dkim_key *cli_load_key(const char *path);

/* keysource.c: the key records for verify */
struct resolver;
struct keysource {
	dkim_lookup_file *lf; /* --dns */
	struct resolver *res; /* --nameserver or system DNS */
	dkim_lookup lookup;
};

/* keysource_open - a table, or DNS; -1 (diagnosed) when unusable */
int keysource_open(struct keysource *ks, const char *dnsfile,
    const char *nameserver);
void keysource_close(struct keysource *ks);

/* msgio.c */
/* line ending style of a message, from its first line */
typedef enum cli_eol {
	CLI_EOL_UNKNOWN = 0,
	CLI_EOL_CRLF,
	CLI_EOL_LF
} cli_eol;

/*
 * cli_feed - stream fp into msg with dkim_msg_write in chunks of chunk
 * bytes, then dkim_msg_eom.  If spool is not NULL every byte read is also
 * written there.  *eol (may be NULL) gets the line ending style.  Returns
 * 0, or -1 after printing a diagnostic naming what.
 */
int cli_feed(dkim_msg *msg, FILE *fp, const char *what, size_t chunk,
    FILE *spool, cli_eol *eol);
/* cli_copy - copy the rest of in to out; -1 (diagnosed) on error */
int cli_copy(FILE *in, FILE *out, const char *what);

#endif /* CLI_H */
