/*
 * main.c - dkimguard-keytool: generate, publish, check and rotate DKIM keys.
 *
 * SYNOPSIS
 *	dkimguard-keytool [common options] COMMAND [options]
 *	COMMAND: genkey, dns, check, status, doctor,
 *		 rotate start|status|activate|retire, import-opendkim
 *
 * DESCRIPTION
 *	Dispatches to one command and returns its exit code (keytool.h).
 *	Common options (also accepted after the command name) name the
 *	configuration file and override what it says.
 */
#include <getopt.h>
#include <stdio.h>
#include <syslog.h>
#include <string.h>

#include "keytool.h"
#include "util/log.h"

/* usage - the synopsis of every command */
static int
usage(void)
{
	fprintf(stderr,
	    "usage: %s [-c CONF] [--keytable F] [--signingtable F] "
	    "[--nameservers LIST]\n"
	    "           [--pidfile F] [--state F] COMMAND [options]\n"
	    "  genkey -d DOMAIN -s SELECTOR [-t rsa|ed25519] [-b BITS] "
	    "[-o DIR] [--owner USER]\n"
	    "  dns -d DOMAIN -s SELECTOR [-k KEYFILE]\n"
	    "  check [-d DOMAIN [-s SELECTOR [-k KEYFILE]] | --all]\n"
	    "  status\n"
	    "  doctor DOMAIN [--ip ADDRESS]... [--mail-from DOMAIN] "
	    "[--nameserver HOST:PORT]...\n"
	    "  recheck [-d DOMAIN [-s SELECTOR]]\n"
	    "  rotate start -d DOMAIN [-s SELECTOR] [--old SELECTOR] "
	    "[-t TYPE] [-b BITS] [--owner USER]\n"
	    "  rotate status [-d DOMAIN] [--grace DURATION]\n"
	    "  rotate activate -d DOMAIN [--grace DURATION] "
	    "[--reload-timeout SECONDS]\n"
	    "  rotate retire -d DOMAIN [--grace DURATION] "
	    "[--reload-timeout SECONDS]\n"
	    "  import-opendkim [/etc/opendkim.conf] [-o OUT] [--force]\n"
	    "See dkimguard-keytool(8).\n",
	    "dkimguard-keytool");
	return KT_EXIT_USAGE;
}

/* global_opts - common options before the command name */
static int
global_opts(int argc, char **argv, struct kt_conf *c)
{
	static const struct option kt_common_long[] = {KT_COMMON_LONG,
	    {NULL, 0, NULL, 0}};
	int ch, r;

	while ((ch = getopt_long(argc, argv, "+" KT_COMMON_SHORT "h",
		    kt_common_long, NULL)) != -1) {
		if ((r = kt_common_opt(ch, optarg, c)) < 0)
			return -1;
		if (r == 0)
			return -1;
	}
	return 0;
}

/* run - dispatch one command with argv[0] = its name */
static int
run(int argc, char **argv, struct kt_conf *c)
{
	optind = 1;
	if (strcmp(argv[0], "genkey") == 0)
		return kt_cmd_genkey(argc, argv, c);
	if (strcmp(argv[0], "dns") == 0)
		return kt_cmd_dns(argc, argv, c);
	if (strcmp(argv[0], "check") == 0)
		return kt_cmd_check(argc, argv, c);
	if (strcmp(argv[0], "status") == 0)
		return kt_cmd_status(argc, argv, c);
	if (strcmp(argv[0], "doctor") == 0)
		return kt_cmd_doctor(argc, argv, c);
	if (strcmp(argv[0], "recheck") == 0)
		return kt_cmd_recheck(argc, argv, c);
	if (strcmp(argv[0], "rotate") == 0)
		return kt_cmd_rotate(argc, argv, c);
	if (strcmp(argv[0], "import-opendkim") == 0)
		return kt_cmd_import(argc, argv, c);
	kt_err("unknown command \"%s\"", argv[0]);
	return usage();
}

/* main - common options, then one command; its exit code */
int
main(int argc, char **argv)
{
	struct kt_conf conf;
	int rc;

	log_open("dkimguard-keytool", LOG_USER, 1);
	memset(&conf, 0, sizeof conf);
	if (global_opts(argc, argv, &conf) < 0 || optind >= argc) {
		kt_conf_free(&conf);
		return usage();
	}
	rc = run(argc - optind, argv + optind, &conf);
	kt_conf_free(&conf);
	return rc;
}
