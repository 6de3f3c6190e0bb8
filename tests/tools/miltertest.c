/*
 * miltertest.c - drive a running filter through one message from a case
 * file and print what it answered, in a form an expected file can hold
 *
 *	miltertest -S SOCKET [-k KEYS.tsv] [-K KEYDIR] [-t SEC] [-v] CASE
 *
 * The session is Postfix's (bench/mta.c): OPTNEG, CONNECT, HELO, MAIL,
 * RCPT, DATA, each header, EOH, body chunks, end of message, each with
 * Postfix's macros.  Output, one line each:
 *
 *	EVENT: REPLY         every event sent: connect, helo, mail, rcpt,
 *	                     data, header NAME, eoh, body, eom; REPLY is
 *	                     continue, noreply (the filter asked for none),
 *	                     skip, accept, reject "TEXT", tempfail "TEXT",
 *	                     discard or error "WHY"
 *	insheader IDX NAME: VALUE   the filter's edits at end of message,
 *	addheader NAME: VALUE       in the order requested; folded values
 *	chgheader NAME #IDX: VALUE  keep their continuation lines
 *	delheader NAME #IDX
 *	replbody BYTES
 *	quarantine "REASON"
 *	result: ACTION ["REPLY"]  what the MTA does with the message
 *
 * DKIM-Signature and Authentication-Results values are printed as
 * miltertest_sig.c describes (b= as the verdict of the DKIM library on
 * the delivered message, keys from -k).  Exit 0 when the filter gave a
 * verdict, 2 on a socket or protocol error, 1 on a usage or case error.
 */
#include "miltertest.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmilter/mfdef.h>

#include "bench/edits.h"
#include "bench/mta.h"
#include "bench/msgfile.h"
#include "bench/reply.h"

/* one end-of-message request, kept for printing after the DKIM check */
struct edit {
	int cmd; /* SMFIR_* */
	uint32_t idx;
	char *name, *value;
	size_t len; /* SMFIR_REPLBODY bytes */
};

struct run {
	const struct mf_message *m;
	size_t nheader;         /* header events traced so far */
	struct mta_edits inner; /* edits.c: applies to the delivered copy */
	struct edit *edits;
	size_t nedits;
};

/* add_edit - remember one request */
static void
add_edit(struct run *r, int cmd, uint32_t idx, const char *n, const char *v,
    size_t len)
{
	struct edit *e;

	r->edits = realloc(r->edits, (r->nedits + 1) * sizeof *r->edits);
	if (r->edits == NULL)
		abort();
	e = &r->edits[r->nedits++];
	e->cmd = cmd;
	e->idx = idx;
	e->name = n != NULL ? strdup(n) : NULL;
	e->value = v != NULL ? strdup(v) : NULL;
	e->len = len;
}

/* hook_* - record, then apply to the delivered copy (edits.c) */
static void
hook_ins(void *ctx, uint32_t idx, const char *n, const char *v)
{
	struct run *r = ctx;

	add_edit(r, SMFIR_INSHEADER, idx, n, v, 0);
	r->inner.ins_header(r->inner.ctx, idx, n, v);
}

static void
hook_add(void *ctx, const char *n, const char *v)
{
	struct run *r = ctx;

	add_edit(r, SMFIR_ADDHEADER, 0, n, v, 0);
	r->inner.add_header(r->inner.ctx, n, v);
}

static void
hook_chg(void *ctx, uint32_t idx, const char *n, const char *v)
{
	struct run *r = ctx;

	add_edit(r, SMFIR_CHGHEADER, idx, n, v, 0);
	r->inner.chg_header(r->inner.ctx, idx, n, v);
}

static void
hook_body(void *ctx, const char *data, size_t len)
{
	struct run *r = ctx;

	add_edit(r, SMFIR_REPLBODY, 0, NULL, NULL, len);
	r->inner.repl_body(r->inner.ctx, data, len);
}

/* event_name - the line's first word for a command */
static const char *
event_name(int cmd)
{
	switch (cmd) {
	case SMFIC_CONNECT:
		return "connect";
	case SMFIC_HELO:
		return "helo";
	case SMFIC_MAIL:
		return "mail";
	case SMFIC_RCPT:
		return "rcpt";
	case SMFIC_DATA:
		return "data";
	case SMFIC_HEADER:
		return "header";
	case SMFIC_EOH:
		return "eoh";
	case SMFIC_BODY:
		return "body";
	case SMFIC_BODYEOB:
		return "eom";
	}
	return "?";
}

/* trace - one line per event (bench/mta.h) */
static void
trace(void *arg, int cmd, int replied, int rc, const struct mta_result *res)
{
	struct run *r = arg;
	const char *what;

	printf("%s", event_name(cmd));
	if (cmd == SMFIC_HEADER && r->nheader < r->m->nhdrs)
		printf(" %s", r->m->hdrs[r->nheader++].name);
	if (!replied)
		what = "noreply";
	else if (rc == RP_CONTINUE)
		what = "continue";
	else if (rc == RP_SKIP)
		what = "skip";
	else
		what = mta_action_name[res->action];
	printf(": %s", what);
	if (replied && (rc == RP_DECIDED || rc == RP_ERROR) && res->reply[0])
		printf(" \"%s\"", res->reply);
	putchar('\n');
}

/* print_value - the value as printed: normalised, CR dropped */
static void
print_value(const char *name, const char *value, const struct mt_sigs *s)
{
	char *v = mt_norm_value(name, value, s), *p;

	for (p = v; *p != '\0'; p++)
		if (*p != '\r')
			putchar(*p);
	putchar('\n');
	free(v);
}

/* print_edits - the requests in order, then quarantine; fields as the
 * MTA writes them: "Name:", a space unless the filter asked for
 * SMFIP_HDR_LEADSPC (then it sends its own), the value */
static void
print_edits(const struct run *r, const struct mta_result *res,
    const struct mt_sigs *s, uint32_t pflags)
{
	const char *sp = pflags & SMFIP_HDR_LEADSPC ? "" : " ";
	const struct edit *e;
	size_t i;

	for (i = 0; i < r->nedits; i++) {
		e = &r->edits[i];
		switch (e->cmd) {
		case SMFIR_INSHEADER:
			printf("insheader %u %s:%s", e->idx, e->name, sp);
			print_value(e->name, e->value, s);
			break;
		case SMFIR_ADDHEADER:
			printf("addheader %s:%s", e->name, sp);
			print_value(e->name, e->value, s);
			break;
		case SMFIR_CHGHEADER:
			if (e->value[0] == '\0') {
				printf("delheader %s #%u\n", e->name, e->idx);
				break;
			}
			printf("chgheader %s #%u:%s", e->name, e->idx, sp);
			print_value(e->name, e->value, s);
			break;
		case SMFIR_REPLBODY:
			printf("replbody %zu\n", e->len);
			break;
		}
	}
	if (res->quarantined)
		printf("quarantine \"%s\"\n", res->qreason);
}

/* message_file - the case's message in a file for msgfile.c, unlinked */
static int
message_file(const struct mt_case *c, struct mf_message *m, char *err,
    size_t errlen)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	FILE *fp;
	int fd, rc;

	snprintf(path, sizeof path, "%s/miltertest.XXXXXX",
	    dir != NULL && *dir != '\0' ? dir : "/tmp");
	if ((fd = mkstemp(path)) < 0 || (fp = fdopen(fd, "wb")) == NULL) {
		snprintf(err, errlen, "%.400s: cannot create", path);
		return -1;
	}
	rc = fwrite(c->message, 1, c->msglen, fp) == c->msglen;
	rc = fclose(fp) == 0 && rc ? mf_open(m, path, err, errlen) : -1;
	unlink(path);
	return rc;
}

/* check_delivered - the message as delivered, through the library */
static void
check_delivered(const struct ed_msg *e, const struct mf_message *m,
    const char *keys, struct mt_sigs *s)
{
	char *buf = NULL, err[300];
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	memset(s, 0, sizeof *s);
	if (fp == NULL || ed_write(fp, e, m) < 0 || fclose(fp) != 0)
		abort();
	if (mt_sigcheck(buf, len, keys, s, err, sizeof err) < 0)
		printf("sigcheck: %s\n", err);
	free(buf);
}

/* usage - the synopsis */
static void
usage(void)
{
	fprintf(stderr,
	    "usage: miltertest -S SOCKET [-k KEYS.tsv] "
	    "[-K KEYDIR] [-t SEC] [-v] CASE\n");
	exit(1);
}

int
main(int argc, char **argv)
{
	static struct mta_session s;
	const char *keys = NULL, *keydir = NULL;
	struct mta_edits outer;
	struct mta_result res;
	struct mf_message m;
	struct mt_case c;
	struct mt_sigs sigs;
	struct ed_msg e;
	struct run r;
	char err[512];
	int opt, rc;
	size_t i;

	s.timeout = 30;
	while ((opt = getopt(argc, argv, "S:k:K:t:v")) != -1) {
		switch (opt) {
		case 'S':
			s.spec = optarg;
			break;
		case 'k':
			keys = optarg;
			break;
		case 'K':
			keydir = optarg;
			break;
		case 't':
			s.timeout = atoi(optarg);
			break;
		case 'v':
			s.verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (s.spec == NULL || optind != argc - 1 || s.timeout < 1)
		usage();
	if (mt_case_read(argv[optind], &c, err, sizeof err) < 0 ||
	    (c.presign_domain != NULL &&
		mt_presign(&c, keydir, err, sizeof err) < 0) ||
	    message_file(&c, &m, err, sizeof err) < 0) {
		fprintf(stderr, "miltertest: %s\n", err);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&r, 0, sizeof r);
	r.m = &m;
	ed_init(&e, &m, &s.conn.pflags);
	ed_hooks(&e, &r.inner);
	outer = (struct mta_edits){&r, hook_ins, hook_add, hook_chg, hook_body};
	s.env = &c.env;
	s.chunk_max = c.chunk;
	s.trace = trace;
	s.trace_arg = &r;
	rc = mta_message(&s, &m, c.queue_id, &outer, &res);
	mta_quit(&s);
	check_delivered(&e, &m, keys, &sigs);
	print_edits(&r, &res, &sigs, s.conn.pflags);
	printf("result: %s", mta_action_name[res.action]);
	if (res.reply[0] != '\0' && res.action != MTA_QUARANTINE)
		printf(" \"%s\"", res.reply);
	putchar('\n');
	for (i = 0; i < r.nedits; i++) {
		free(r.edits[i].name);
		free(r.edits[i].value);
	}
	free(r.edits);
	mt_sigs_free(&sigs);
	ed_free(&e);
	mf_close(&m);
	mt_case_free(&c);
	return rc < 0 ? 2 : 0;
}
