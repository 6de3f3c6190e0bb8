/*
 * keyrec.c - "dkimguard-msg keyrec KEYFILE": print the DNS TXT record
 * (RFC 6376 3.6.1) that publishes the public half of a private key.
 *
 * DIAGNOSTICS
 *	Exit 0 and one line "v=DKIM1; k=...; p=..." on stdout, or 2 with a
 *	message that never includes key material.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

/* cmd_keyrec - the keyrec subcommand */
int
cmd_keyrec(int argc, char **argv)
{
	dkim_key *key;
	char *rec = NULL;
	dkim_rc rc;

	if (argc != 2) {
		cli_warnx("usage: %s keyrec KEYFILE", cli_progname);
		return CLI_ERR;
	}
	if ((key = cli_load_key(argv[1])) == NULL)
		return CLI_ERR;
	if ((rc = dkim_key_record(key, &rec)) != DKIM_OK) {
		cli_warnx("%s: cannot make a record: %s", argv[1],
		    dkim_rc_str(rc));
		dkim_key_free(key);
		return CLI_ERR;
	}
	printf("%s\n", rec);
	free(rec);
	dkim_key_free(key);
	return fflush(stdout) == EOF ? CLI_ERR : CLI_OK;
}
