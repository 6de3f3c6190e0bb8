/*
 * sign.h - "dkimguard-msg sign": the parsed command line.
 *
 * DESCRIPTION
 *	One sign_spec per signature to add.  The command line is a list of
 *	groups separated by --also; each group names its own -d, -s, -k and
 *	optional per-signature options.  sign_opts.c builds this, sign.c
 *	runs it.
 */
#ifndef CLI_SIGN_H
#define CLI_SIGN_H

#include "cli.h"

struct sign_spec {
	const char *domain;        /* -d */
	const char *selector;      /* -s */
	const char *keyfile;       /* -k */
	const char *identity;      /* -i, NULL: none */
	dkim_canon hcanon, bcanon; /* -c, default relaxed/relaxed */
	char **headers;            /* -h split at ':', NULL-terminated;
					 * NULL: library default */
	int no_oversign;           /* --no-oversign */
	int body_length;           /* -l */
	int no_timestamp;          /* -T */
	unsigned long expire;      /* -x */
};

struct sign_conf {
	struct sign_spec *specs;
	size_t nspecs;
	const char *file; /* NULL or "-": stdin */
	size_t chunk;
};

/* sign_parse_args - fill conf; -1 (diagnosed) on bad usage */
int sign_parse_args(int argc, char **argv, struct sign_conf *conf);
/* sign_conf_clear - release what sign_parse_args allocated */
void sign_conf_clear(struct sign_conf *conf);

#endif /* CLI_SIGN_H */
