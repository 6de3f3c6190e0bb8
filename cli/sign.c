/*
 * sign.c - "dkimguard-msg sign": add DKIM-Signature field(s) to a message.
 *
 * DESCRIPTION
 *	The message is streamed through the library once (stdin is spooled
 *	to a temporary file so it can be copied out afterwards), each new
 *	signature is checked against its own key's record
 *	(dkim_msg_check_signed), and only then is anything written: the new
 *	fields, in command-line order, followed by the input byte for byte.
 *	The fields are folded with the input's line ending (CRLF, or LF when
 *	the first line of the input ends in a bare LF).
 *
 * DIAGNOSTICS
 *	Exit 0 on success, 2 on usage, key, I/O or signing errors; nothing
 *	is written to stdout on failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sign.h"

/* load_keys - one key per signature; -1 (diagnosed) on the first failure */
static int
load_keys(const struct sign_conf *conf, dkim_key **keys)
{
	size_t i;

	for (i = 0; i < conf->nspecs; i++)
		if ((keys[i] = cli_load_key(conf->specs[i].keyfile)) == NULL)
			return -1;
	return 0;
}

/* add_signers - request every signature from the message */
static int
add_signers(dkim_msg *msg, const struct sign_conf *conf, dkim_key **keys)
{
	static const char *const none[] = {NULL};
	const struct sign_spec *sp;
	dkim_sign_req req;
	char err[256];
	size_t i;

	for (i = 0; i < conf->nspecs; i++) {
		sp = &conf->specs[i];
		dkim_sign_req_init(&req);
		req.domain = sp->domain;
		req.selector = sp->selector;
		req.identity = sp->identity;
		req.key = keys[i];
		req.hcanon = sp->hcanon;
		req.bcanon = sp->bcanon;
		req.headers = (const char *const *)sp->headers;
		if (sp->no_oversign)
			req.oversign = none;
		req.timestamp = !sp->no_timestamp;
		req.expire = sp->expire;
		req.body_length = sp->body_length;
		err[0] = '\0';
		if (dkim_msg_add_signer(msg, &req, NULL, err, sizeof(err)) !=
		    DKIM_OK) {
			cli_warnx("cannot sign as d=%s s=%s: %s", sp->domain,
			    sp->selector, err[0] ? err : "refused");
			return -1;
		}
	}
	return 0;
}

/* make_field - "DKIM-Signature:" + value + EOL, folded with eol */
static char *
make_field(const char *value, cli_eol eol)
{
	static const char name[] = "DKIM-Signature:";
	size_t len = strlen(value);
	char *out, *o;
	const char *p;

	if ((out = malloc(sizeof(name) + len + 2)) == NULL)
		return NULL;
	memcpy(out, name, sizeof(name) - 1);
	o = out + sizeof(name) - 1;
	for (p = value; *p != '\0'; p++) {
		if (eol == CLI_EOL_LF && p[0] == '\r' && p[1] == '\n')
			continue;
		*o++ = *p;
	}
	if (eol != CLI_EOL_LF)
		*o++ = '\r';
	*o++ = '\n';
	*o = '\0';
	return out;
}

/* sign_one - dkim_msg_sign idx, self-check it; *field gets the line(s) */
static int
sign_one(dkim_msg *msg, size_t idx, const struct sign_spec *sp,
    const dkim_key *key, cli_eol eol, char **field)
{
	dkim_sig_result res;
	char err[256], *value = NULL, *record = NULL;
	int ret = -1;

	err[0] = '\0';
	if (dkim_msg_sign(msg, idx, &value, err, sizeof(err)) != DKIM_OK) {
		cli_warnx("signing as d=%s s=%s failed: %s", sp->domain,
		    sp->selector, err[0] ? err : "library error");
		return -1;
	}
	memset(&res, 0, sizeof(res));
	if (dkim_key_record(key, &record) != DKIM_OK ||
	    dkim_msg_check_signed(msg, idx, record, &res) != DKIM_OK ||
	    res.verdict != DKIM_PASS) {
		cli_warnx("signature d=%s s=%s fails its own check: %s",
		    sp->domain, sp->selector,
		    res.reason[0] ? res.reason : "self-check failed");
		goto out;
	}
	if ((*field = make_field(value, eol)) == NULL) {
		cli_warn("sign");
		goto out;
	}
	ret = 0;
out:
	free(value);
	free(record);
	return ret;
}

/* open_input - the file, or stdin teed into a spool we can rewind */
static FILE *
open_input(const char *file, FILE **spool)
{
	FILE *fp;

	*spool = NULL;
	if (file == NULL || strcmp(file, "-") == 0) {
		if ((*spool = tmpfile()) == NULL) {
			cli_warn("cannot create a temporary file for stdin");
			return NULL;
		}
		return stdin;
	}
	if ((fp = fopen(file, "rb")) == NULL)
		cli_warn("cannot open %s", file);
	return fp;
}

/* emit - the new fields, then the original message unchanged */
static int
emit(char **fields, size_t n, FILE *src, const char *what)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (fputs(fields[i], stdout) == EOF) {
			cli_warn("write error");
			return -1;
		}
	if (fseek(src, 0L, SEEK_SET) != 0) {
		cli_warn("%s: cannot rewind", what);
		return -1;
	}
	if (cli_copy(src, stdout, what) < 0)
		return -1;
	if (fflush(stdout) == EOF) {
		cli_warn("write error");
		return -1;
	}
	return 0;
}

/* run - sign with a parsed configuration; returns an exit status */
static int
run(const struct sign_conf *conf, dkim_key **keys, char **fields)
{
	const char *what = conf->file ? conf->file : "stdin";
	dkim_msg *msg = NULL;
	FILE *in, *spool;
	cli_eol eol = CLI_EOL_UNKNOWN;
	dkim_rc rc;
	size_t i;
	int status = CLI_ERR;

	if (load_keys(conf, keys) < 0)
		return CLI_ERR;
	if ((in = open_input(conf->file, &spool)) == NULL)
		return CLI_ERR;
	if ((rc = dkim_msg_new(NULL, &msg)) != DKIM_OK) {
		cli_warnx("%s", dkim_rc_str(rc));
		goto out;
	}
	if (add_signers(msg, conf, keys) < 0 ||
	    cli_feed(msg, in, what, conf->chunk, spool, &eol) < 0)
		goto out;
	for (i = 0; i < conf->nspecs; i++)
		if (sign_one(msg, i, &conf->specs[i], keys[i], eol,
			&fields[i]) < 0)
			goto out;
	if (emit(fields, conf->nspecs, spool ? spool : in, what) == 0)
		status = CLI_OK;
out:
	dkim_msg_free(msg);
	if (spool != NULL)
		fclose(spool);
	if (in != stdin)
		fclose(in);
	return status;
}

/* cmd_sign - the sign subcommand */
int
cmd_sign(int argc, char **argv)
{
	struct sign_conf conf;
	dkim_key **keys = NULL;
	char **fields = NULL;
	size_t i;
	int status = CLI_ERR;

	if (sign_parse_args(argc, argv, &conf) < 0)
		goto out;
	keys = calloc(conf.nspecs, sizeof(*keys));
	fields = calloc(conf.nspecs, sizeof(*fields));
	if (keys == NULL || fields == NULL) {
		cli_warn("sign");
		goto out;
	}
	status = run(&conf, keys, fields);
out:
	for (i = 0; i < conf.nspecs; i++) {
		if (keys != NULL)
			dkim_key_free(keys[i]);
		if (fields != NULL)
			free(fields[i]);
	}
	free(keys);
	free(fields);
	sign_conf_clear(&conf);
	return status;
}
