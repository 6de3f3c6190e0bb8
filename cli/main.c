/*
 * main.c - dkimguard-msg: dispatch to the verify, sign and keyrec
 * subcommands.
 *
 * DESCRIPTION
 *	A front end so a user can check or sign a message without a mail
 *	server.  See dkimguard-msg(1).
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "cli.h"
#include "util/log.h"

const char *cli_progname = "dkimguard-msg";

/* usage - the short synopsis of every subcommand */
static int
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: %s verify [--dns FILE.tsv] [--allow-sha1] [--now EPOCH] FILE...\n"
	    "       %s sign -d DOMAIN -s SELECTOR -k KEYFILE [-c HDR/BODY]\n"
	    "            [-h Name:Name:...] [--no-oversign] [-l] [-x SECONDS]\n"
	    "            [-i IDENTITY] [-T] [--also -d ... -s ... -k ...]... [FILE]\n"
	    "       %s keyrec KEYFILE\n"
	    "See dkimguard-msg(1).\n",
	    cli_progname, cli_progname, cli_progname);
	return status;
}

int
main(int argc, char **argv)
{
	const char *cmd;

	log_open(cli_progname, LOG_USER, 1);
	if (argc < 2)
		return usage(stderr, CLI_ERR);
	cmd = argv[1];
	if (strcmp(cmd, "verify") == 0)
		return cmd_verify(argc - 1, argv + 1);
	if (strcmp(cmd, "sign") == 0)
		return cmd_sign(argc - 1, argv + 1);
	if (strcmp(cmd, "keyrec") == 0)
		return cmd_keyrec(argc - 1, argv + 1);
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "help") == 0)
		return usage(stdout, CLI_OK);
	cli_warnx("unknown command \"%s\"", cmd);
	return usage(stderr, CLI_ERR);
}
