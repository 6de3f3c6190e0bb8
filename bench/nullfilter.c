/*
 * nullfilter.c - a libmilter filter that does nothing: the throughput
 * ceiling for the benchmark, and a probe for what an MTA sends
 *
 * SYNOPSIS
 *   nullfilter -p SOCKET [-A accept|continue|tempfail|reject|discard|
 *              quarantine] [-a "Name: value"] [-L] [-N] [-v] [-T SECS]
 *
 * DESCRIPTION
 *   Registers every message callback (so the MTA sends everything, as it
 *   would to a DKIM filter), answers continue to each and the -A verdict
 *   (default accept) at end of message.  libmilter runs one thread per
 *   connection.  -a inserts a header at the top at end of message, -L asks
 *   for SMFIP_HDR_LEADSPC, -N for no replies (SMFIP_NR_*) before end of
 *   message, -v logs connect data, macros, headers and body
 *   size to stderr (one line each).
 *   SOCKET: unix:/path | inet:PORT@HOST (libmilter form).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

static int verbose;
static int leadspc;
static int noreply;
static const char *verdict = "accept";
static char *add_name, *add_value;

/* logf_ - one line to stderr when verbose */
#define logf_(...)                                                             \
	do {                                                                   \
		if (verbose) {                                                 \
			fprintf(stderr, __VA_ARGS__);                          \
			fflush(stderr);                                        \
		}                                                              \
	} while (0)

/* macro - a macro's value or "-" */
static const char *
macro(SMFICTX *ctx, const char *name)
{
	const char *v = smfi_getsymval(ctx, (char *)name);

	return v ? v : "-";
}

#define NR_ALL                                                                 \
	(SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT |       \
	    SMFIP_NR_DATA | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY)

/* CONT - the answer to an event before end of message */
#define CONT (noreply ? SMFIS_NOREPLY : SMFIS_CONTINUE)

/* nf_negotiate - -L: leading space in header values; -N: no replies */
static sfsistat
nf_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
    unsigned long f3, unsigned long *pf0, unsigned long *pf1,
    unsigned long *pf2, unsigned long *pf3)
{
	if (!leadspc && !noreply)
		return SMFIS_ALL_OPTS;
	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_QUARANTINE);
	*pf1 =
	    f1 & ((leadspc ? SMFIP_HDR_LEADSPC : 0) | (noreply ? NR_ALL : 0));
	*pf2 = *pf3 = 0;
	return SMFIS_CONTINUE;
}

/* nf_connect - log client data */
static sfsistat
nf_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	logf_("connect host=%s client_addr=%s daemon_name=%s j=%s\n", host,
	    macro(ctx, "{client_addr}"), macro(ctx, "{daemon_name}"),
	    macro(ctx, "j"));
	return CONT;
}

/* nf_helo - log HELO */
static sfsistat
nf_helo(SMFICTX *ctx, char *helo)
{
	logf_("helo %s\n", helo);
	return CONT;
}

/* nf_envfrom - log sender and MAIL-stage macros */
static sfsistat
nf_envfrom(SMFICTX *ctx, char **argv)
{
	logf_("mail %s i=%s auth_authen=%s\n", argv[0], macro(ctx, "i"),
	    macro(ctx, "{auth_authen}"));
	return CONT;
}

/* nf_envrcpt - log recipient */
static sfsistat
nf_envrcpt(SMFICTX *ctx, char **argv)
{
	logf_("rcpt %s i=%s\n", argv[0], macro(ctx, "i"));
	return CONT;
}

/* nf_header - log a header, newlines shown as \n */
static sfsistat
nf_header(SMFICTX *ctx, char *name, char *value)
{
	char *p;

	if (verbose) {
		fprintf(stderr, "header %s:[", name);
		for (p = value; *p; p++)
			fputs(*p == '\n'   ? "\\n" :
				*p == '\r' ? "\\r" :
					     (char[2]){*p, 0},
			    stderr);
		fprintf(stderr, "]\n");
	}
	return CONT;
}

/* nf_eoh - end of header */
static sfsistat
nf_eoh(SMFICTX *ctx)
{
	logf_("eoh i=%s\n", macro(ctx, "i"));
	return CONT;
}

/* nf_body - log chunk size */
static sfsistat
nf_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	logf_("body %zu\n", len);
	return CONT;
}

/* nf_eom - optional header, then the configured verdict */
static sfsistat
nf_eom(SMFICTX *ctx)
{
	logf_("eom i=%s verdict=%s\n", macro(ctx, "i"), verdict);
	if (add_name)
		smfi_insheader(ctx, 0, add_name, add_value);
	if (strcmp(verdict, "continue") == 0)
		return SMFIS_CONTINUE;
	if (strcmp(verdict, "tempfail") == 0)
		return SMFIS_TEMPFAIL;
	if (strcmp(verdict, "reject") == 0)
		return SMFIS_REJECT;
	if (strcmp(verdict, "discard") == 0)
		return SMFIS_DISCARD;
	if (strcmp(verdict, "quarantine") == 0)
		smfi_quarantine(ctx, "nullfilter says hold");
	return SMFIS_ACCEPT;
}

/* nf_abort - message aborted (Postfix sends ABORT after every message) */
static sfsistat
nf_abort(SMFICTX *ctx)
{
	return SMFIS_CONTINUE;
}

/* nf_close - connection closed */
static sfsistat
nf_close(SMFICTX *ctx)
{
	logf_("close\n");
	return SMFIS_CONTINUE;
}

static struct smfiDesc desc = {"nullfilter", SMFI_VERSION,
    SMFIF_ADDHDRS | SMFIF_QUARANTINE, nf_connect, nf_helo, nf_envfrom,
    nf_envrcpt, nf_header, nf_eoh, nf_body, nf_eom, nf_abort, nf_close, NULL,
    NULL, nf_negotiate};

/* set_add_header - split -a "Name: value" */
static void
set_add_header(const char *arg)
{
	char *colon;

	add_name = strdup(arg);
	if (add_name == NULL || (colon = strchr(add_name, ':')) == NULL) {
		fprintf(stderr, "nullfilter: -a wants \"Name: value\"\n");
		exit(1);
	}
	*colon = 0;
	add_value = colon + 1 + (colon[1] == ' ' && !leadspc);
}

/* main - parse options, register with libmilter, serve until killed */
int
main(int argc, char **argv)
{
	const char *sock = NULL, *add = NULL;
	int ch, timeout = 30;

	while ((ch = getopt(argc, argv, "p:A:a:LNvT:")) != -1) {
		switch (ch) {
		case 'p':
			sock = optarg;
			break;
		case 'A':
			verdict = optarg;
			break;
		case 'a':
			add = optarg;
			break;
		case 'L':
			leadspc = 1;
			break;
		case 'N':
			noreply = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'T':
			timeout = atoi(optarg);
			break;
		default:
			sock = NULL;
			optind = argc + 1;
			break;
		}
	}
	if (sock == NULL || optind != argc) {
		fprintf(stderr,
		    "usage: nullfilter -p SOCKET [-A verdict] "
		    "[-a \"Name: value\"] [-L] [-N] [-v] [-T secs]\n");
		return 1;
	}
	if (add)
		set_add_header(add);
	if (smfi_setconn((char *)sock) == MI_FAILURE ||
	    smfi_settimeout(timeout) == MI_FAILURE ||
	    smfi_register(desc) == MI_FAILURE ||
	    smfi_opensocket(1) == MI_FAILURE) {
		fprintf(stderr, "nullfilter: cannot listen on %s\n", sock);
		return 1;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
