/*
 * msgio.c - stream a message file into the library, never holding it whole.
 *
 * DESCRIPTION
 *	cli_feed() reads in fixed-size chunks and hands each to
 *	dkim_msg_write(); the library keeps all carry-over state, so the
 *	chunk size never changes the result (a test aid, --chunk-size, lets
 *	the suites prove it).  While reading it notes the line ending style
 *	of the first line, so the signer can fold its field the same way, and
 *	may tee the bytes into a spool file (signing from stdin).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

/* note_eol - the style of the first line ending seen, given the byte before */
static void
note_eol(const unsigned char *buf, size_t n, int *prev, cli_eol *eol)
{
	size_t i;

	for (i = 0; i < n && *eol == CLI_EOL_UNKNOWN; i++) {
		if (buf[i] == '\n')
			*eol = (*prev == '\r') ? CLI_EOL_CRLF : CLI_EOL_LF;
		*prev = buf[i];
	}
}

/* cli_feed - see cli.h */
int
cli_feed(dkim_msg *msg, FILE *fp, const char *what, size_t chunk, FILE *spool,
    cli_eol *eol)
{
	unsigned char *buf;
	size_t n, total = 0;
	dkim_rc rc;
	cli_eol style = CLI_EOL_UNKNOWN;
	int prev = -1, ret = -1;

	if ((buf = malloc(chunk)) == NULL) {
		cli_warn("%s", what);
		return -1;
	}
	while ((n = fread(buf, 1, chunk, fp)) > 0) {
		total += n;
		note_eol(buf, n, &prev, &style);
		if (spool != NULL && fwrite(buf, 1, n, spool) != n) {
			cli_warn("%s: cannot spool input", what);
			goto out;
		}
		if ((rc = dkim_msg_write(msg, buf, n)) != DKIM_OK) {
			cli_warnx("%s: %s", what, dkim_rc_str(rc));
			goto out;
		}
	}
	if (ferror(fp)) {
		cli_warn("%s: read error", what);
		goto out;
	}
	if (total == 0) {
		cli_warnx("%s: empty file, not a message", what);
		goto out;
	}
	if ((rc = dkim_msg_eom(msg)) != DKIM_OK) {
		cli_warnx("%s: %s", what, dkim_rc_str(rc));
		goto out;
	}
	if (eol != NULL)
		*eol = style;
	ret = 0;
out:
	free(buf);
	return ret;
}

/* cli_copy - copy the rest of in to out */
int
cli_copy(FILE *in, FILE *out, const char *what)
{
	char buf[CLI_CHUNK];
	size_t n;

	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		if (fwrite(buf, 1, n, out) != n) {
			cli_warn("write error");
			return -1;
		}
	}
	if (ferror(in)) {
		cli_warn("%s: read error", what);
		return -1;
	}
	return 0;
}
