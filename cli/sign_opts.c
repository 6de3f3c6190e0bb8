/*
 * sign_opts.c - command line of "dkimguard-msg sign".
 *
 * DESCRIPTION
 *	sign -d D -s S -k K [-c H/B] [-h A:B:..] [--no-oversign] [-l]
 *	     [-x SECONDS] [-i IDENTITY] [-T] [--also -d D2 -s S2 -k K2 ...]
 *	     [FILE]
 *	--also closes one signature and starts the next; each signature has
 *	its own options and nothing is inherited, so a group reads on its
 *	own.  At most one FILE; none or "-" means stdin.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sign.h"

/* parse_canon_one - "simple" or "relaxed" */
static int
parse_canon_one(const char *s, size_t len, dkim_canon *out)
{
	if (len == 6 && strncasecmp(s, "simple", 6) == 0)
		*out = DKIM_CANON_SIMPLE;
	else if (len == 7 && strncasecmp(s, "relaxed", 7) == 0)
		*out = DKIM_CANON_RELAXED;
	else
		return -1;
	return 0;
}

/* parse_canon - RFC 6376 3.5 c=: one name means HEADER/simple */
static int
parse_canon(const char *arg, struct sign_spec *sp)
{
	const char *slash = strchr(arg, '/');

	if (slash == NULL) {
		sp->bcanon = DKIM_CANON_SIMPLE;
		return parse_canon_one(arg, strlen(arg), &sp->hcanon);
	}
	if (parse_canon_one(arg, (size_t)(slash - arg), &sp->hcanon) < 0)
		return -1;
	return parse_canon_one(slash + 1, strlen(slash + 1), &sp->bcanon);
}

/* parse_headers - split "From:To:Subject" into a NULL-terminated list */
static int
parse_headers(const char *arg, struct sign_spec *sp)
{
	const char *p, *q;
	size_t n = 1, i = 0;
	char **list;

	for (p = arg; *p != '\0'; p++)
		n += (*p == ':');
	if ((list = calloc(n + 1, sizeof(*list))) == NULL)
		return -1;
	for (p = arg;; p = q + 1) {
		q = strchr(p, ':');
		if (q == NULL)
			q = p + strlen(p);
		if (q == p || (list[i++] = strndup(p, (size_t)(q - p))) == NULL)
			goto bad;
		if (*q == '\0')
			break;
	}
	sp->headers = list;
	return 0;
bad:
	while (i > 0)
		free(list[--i]);
	free(list);
	return -1;
}

/* new_spec - append a blank signature with the defaults */
static struct sign_spec *
new_spec(struct sign_conf *conf)
{
	struct sign_spec *sp;

	sp = realloc(conf->specs, (conf->nspecs + 1) * sizeof(*sp));
	if (sp == NULL) {
		cli_warn("sign");
		return NULL;
	}
	conf->specs = sp;
	sp = &conf->specs[conf->nspecs++];
	memset(sp, 0, sizeof(*sp));
	sp->hcanon = DKIM_CANON_RELAXED;
	sp->bcanon = DKIM_CANON_RELAXED;
	return sp;
}

/* check_spec - every signature needs -d, -s and -k */
static int
check_spec(const struct sign_spec *sp, size_t n)
{
	const char *missing = sp->domain == NULL ? "-d DOMAIN" :
	    sp->selector == NULL                 ? "-s SELECTOR" :
	    sp->keyfile == NULL                  ? "-k KEYFILE" :
						   NULL;

	if (missing == NULL)
		return 0;
	if (n == 0)
		cli_warnx("sign: missing %s", missing);
	else
		cli_warnx("sign: signature %zu (after --also): missing %s",
		    n + 1, missing);
	return -1;
}

/* set_opt - apply one option to the current signature */
static int
set_opt(int c, const char *arg, struct sign_spec *sp)
{
	unsigned long v;

	switch (c) {
	case 'd':
		sp->domain = arg;
		return 0;
	case 's':
		sp->selector = arg;
		return 0;
	case 'k':
		sp->keyfile = arg;
		return 0;
	case 'i':
		sp->identity = arg;
		return 0;
	case 'l':
		sp->body_length = 1;
		return 0;
	case 'T':
		sp->no_timestamp = 1;
		return 0;
	case 'O':
		sp->no_oversign = 1;
		return 0;
	case 'c':
		if (parse_canon(arg, sp) == 0)
			return 0;
		cli_warnx("sign: -c wants simple or relaxed, optionally "
			  "HEADER/BODY: %s",
		    arg);
		return -1;
	case 'h':
		if (sp->headers != NULL) {
			cli_warnx("sign: -h given twice for one signature");
			return -1;
		}
		if (parse_headers(arg, sp) == 0)
			return 0;
		cli_warnx("sign: -h wants Name:Name:..., no empty names: %s",
		    arg);
		return -1;
	case 'x':
		if (cli_parse_ulong(arg, &v) == 0 && v > 0) {
			sp->expire = v;
			return 0;
		}
		cli_warnx("sign: -x wants a positive number of seconds: %s",
		    arg);
		return -1;
	}
	return -1;
}

/* sign_parse_args - see sign.h */
int
sign_parse_args(int argc, char **argv, struct sign_conf *conf)
{
	static const struct option longopts[] = {{"also", no_argument, NULL,
						     'A'},
	    {"no-oversign", no_argument, NULL, 'O'},
	    {"no-timestamp", no_argument, NULL, 'T'},
	    {"chunk-size", required_argument, NULL, 'C'}, {NULL, 0, NULL, 0}};
	struct sign_spec *sp;
	unsigned long v;
	int c;

	memset(conf, 0, sizeof(*conf));
	conf->chunk = CLI_CHUNK;
	if ((sp = new_spec(conf)) == NULL)
		return -1;
	while ((c = getopt_long(argc, argv, "d:s:k:c:h:i:lx:T", longopts,
		    NULL)) != -1) {
		if (c == 'A') {
			if (check_spec(sp, conf->nspecs - 1) < 0 ||
			    (sp = new_spec(conf)) == NULL)
				return -1;
		} else if (c == 'C') {
			if (cli_parse_ulong(optarg, &v) < 0 || v == 0 ||
			    v > (1UL << 24)) {
				cli_warnx("--chunk-size: want 1..16777216: %s",
				    optarg);
				return -1;
			}
			conf->chunk = v;
		} else if (c == '?' || set_opt(c, optarg, sp) < 0)
			return -1;
	}
	if (check_spec(sp, conf->nspecs - 1) < 0)
		return -1;
	if (argc - optind > 1) {
		cli_warnx("sign: at most one FILE (got %d)", argc - optind);
		return -1;
	}
	conf->file = optind < argc ? argv[optind] : NULL;
	return 0;
}

/* sign_conf_clear - see sign.h */
void
sign_conf_clear(struct sign_conf *conf)
{
	size_t i;
	char **h;

	for (i = 0; i < conf->nspecs; i++) {
		if ((h = conf->specs[i].headers) == NULL)
			continue;
		for (; *h != NULL; h++)
			free(*h);
		free(conf->specs[i].headers);
	}
	free(conf->specs);
	memset(conf, 0, sizeof(*conf));
}
