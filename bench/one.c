/*
 * one.c - loadgen --one: run one message through a filter and show what
 * the MTA would deliver
 *
 * stdout: the message with the filter's header/body edits applied
 * (edits.h), CRLF line ends.  stderr: ACTION=accept|tempfail|reject|
 * quarantine|discard|error REPLY="...".  Exit 0 when the filter gave a
 * verdict, 2 on a socket or protocol error (ACTION=error).
 */
#include "loadgen.h"

#include <stdio.h>

#include "edits.h"
#include "mta.h"

/* print_verdict - the ACTION line on stderr */
static void
print_verdict(const struct mta_result *r)
{
	fprintf(stderr, "ACTION=%s REPLY=\"%s\"\n", mta_action_name[r->action],
	    r->reply);
	if (r->n_ins || r->n_add || r->n_chg || r->n_body || r->n_other)
		fprintf(stderr, "EDITS ins=%u add=%u chg=%u body=%u other=%u\n",
		    r->n_ins, r->n_add, r->n_chg, r->n_body, r->n_other);
}

/* lg_one - one message, one connection */
int
lg_one(const struct lg_opts *o)
{
	static struct mta_session s;
	struct mta_result r;
	struct mta_edits hooks;
	struct ed_msg e;
	int rc = 0;

	s.spec = o->spec;
	s.timeout = o->timeout;
	s.env = &o->env;
	s.verbose = o->verbose;
	s.hold_ms = o->hold_ms;
	ed_init(&e, &o->msgs[0], &s.conn.pflags);
	ed_hooks(&e, &hooks);
	if (mta_message(&s, &o->msgs[0], o->queue_id, &hooks, &r) < 0)
		rc = 2;
	mta_quit(&s);
	if (rc == 0 && ed_write(stdout, &e, &o->msgs[0]) < 0) {
		perror("loadgen: stdout");
		rc = 1;
	}
	print_verdict(&r);
	ed_free(&e);
	return rc;
}
