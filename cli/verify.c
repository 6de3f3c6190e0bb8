/*
 * verify.c - "dkimguard-msg verify": verify every signature in each file.
 *
 * DESCRIPTION
 *	Each file is streamed into the library (never read whole), then one
 *	line per signature is printed:
 *	  FILE: d=DOMAIN s=SELECTOR a=ALG verdict=VERDICT reason="..."
 *	or "FILE: no signatures verdict=none".  Keys come from a dns.tsv
 *	table (--dns) or DNS (keysource.c).
 *	--now fixes the verifier's clock (t=/x= checks, RFC 6376 3.5).
 *
 * DIAGNOSTICS
 *	Exit 0 when every signature in every file passed, 1 when any did not
 *	(a file without signatures counts as not passed), 2 on usage or I/O
 *	errors (the worst status wins).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct verify_conf {
	dkim_options opt;
	dkim_lookup lookup;
	size_t chunk;
	time_t now;
};

/* fixed_clock - the --now clock */
static time_t
fixed_clock(void *arg)
{
	return *(const time_t *)arg;
}

/* print_result - one output line for one signature */
static void
print_result(const char *file, const dkim_sig_result *r)
{
	printf("%s: d=", file);
	cli_print_safe(stdout, r->domain);
	printf(" s=");
	cli_print_safe(stdout, r->selector);
	printf(" a=%s verdict=%s reason=\"",
	    r->alg == DKIM_ALG_UNKNOWN ? "unknown" : dkim_alg_str(r->alg),
	    dkim_verdict_str(r->verdict));
	cli_print_safe(stdout, r->reason);
	printf("\"\n");
}

/* verify_stream - verify one open message; returns an exit status */
static int
verify_stream(const struct verify_conf *vc, FILE *fp, const char *name)
{
	dkim_msg *msg = NULL;
	dkim_sig_result *res = NULL;
	size_t i, nres = 0, nsig, max = vc->opt.max_signatures;
	dkim_rc rc;
	int status = CLI_ERR;

	if ((rc = dkim_msg_new(&vc->opt, &msg)) != DKIM_OK) {
		cli_warnx("%s: %s", name, dkim_rc_str(rc));
		return CLI_ERR;
	}
	if ((res = calloc(max ? max : 1, sizeof(*res))) == NULL) {
		cli_warn("%s", name);
		goto out;
	}
	if (cli_feed(msg, fp, name, vc->chunk, NULL, NULL) < 0)
		goto out;
	if ((rc = dkim_msg_verify(msg, &vc->lookup, res, max, &nres)) !=
	    DKIM_OK) {
		cli_warnx("%s: verify: %s", name, dkim_rc_str(rc));
		goto out;
	}
	nsig = dkim_msg_sig_count(msg);
	if (nsig == 0) {
		printf("%s: no signatures verdict=none\n", name);
		status = CLI_NOTPASS;
		goto out;
	}
	status = CLI_OK;
	for (i = 0; i < nres; i++) {
		print_result(name, &res[i]);
		if (res[i].verdict != DKIM_PASS)
			status = CLI_NOTPASS;
	}
	if (nsig > nres) {
		printf("%s: %zu more signature(s) not verified (limit %zu)\n",
		    name, nsig - nres, max);
		status = CLI_NOTPASS;
	}
out:
	fflush(stdout);
	free(res);
	dkim_msg_free(msg);
	return status;
}

/* verify_file - open (or "-" = stdin) and verify one file */
static int
verify_file(const struct verify_conf *vc, const char *path)
{
	FILE *fp;
	int status;

	if (strcmp(path, "-") == 0)
		return verify_stream(vc, stdin, "-");
	if ((fp = fopen(path, "rb")) == NULL) {
		cli_warn("cannot open %s", path);
		return CLI_ERR;
	}
	status = verify_stream(vc, fp, path);
	fclose(fp);
	return status;
}

/* parse_opts - fill vc from argv; -1 (diagnosed) on bad usage */
static int
parse_opts(int argc, char **argv, struct verify_conf *vc, const char **dnsfile,
    const char **nameserver)
{
	static const struct option longopts[] = {{"dns", required_argument,
						     NULL, 'D'},
	    {"nameserver", required_argument, NULL, 'N'},
	    {"allow-sha1", no_argument, NULL, '1'},
	    {"now", required_argument, NULL, 'n'},
	    {"chunk-size", required_argument, NULL, 'C'}, {NULL, 0, NULL, 0}};
	unsigned long v;
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'D':
			*dnsfile = optarg;
			break;
		case 'N':
			*nameserver = optarg;
			break;
		case '1':
			vc->opt.allow_sha1 = 1;
			break;
		case 'n':
			if (cli_parse_ulong(optarg, &v) < 0) {
				cli_warnx("--now: not a number of seconds "
					  "since the epoch: %s",
				    optarg);
				return -1;
			}
			vc->now = (time_t)v;
			vc->opt.clock = fixed_clock;
			vc->opt.clock_arg = &vc->now;
			break;
		case 'C':
			if (cli_parse_ulong(optarg, &v) < 0 || v == 0 ||
			    v > (1UL << 24)) {
				cli_warnx("--chunk-size: want 1..16777216: %s",
				    optarg);
				return -1;
			}
			vc->chunk = v;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

/* cmd_verify - the verify subcommand */
int
cmd_verify(int argc, char **argv)
{
	struct verify_conf vc;
	struct keysource ks;
	const char *dnsfile = NULL, *nameserver = NULL;
	int i, st, status = CLI_OK;

	memset(&vc, 0, sizeof(vc));
	dkim_options_init(&vc.opt);
	vc.chunk = CLI_CHUNK;
	if (parse_opts(argc, argv, &vc, &dnsfile, &nameserver) < 0)
		return CLI_ERR;
	if (optind >= argc) {
		cli_warnx("verify: no FILE given");
		return CLI_ERR;
	}
	if (keysource_open(&ks, dnsfile, nameserver) < 0)
		return CLI_ERR;
	vc.lookup = ks.lookup;
	for (i = optind; i < argc; i++) {
		st = verify_file(&vc, argv[i]);
		if (st > status)
			status = st;
	}
	keysource_close(&ks);
	return status;
}
