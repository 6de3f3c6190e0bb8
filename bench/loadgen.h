/*
 * loadgen.h - options shared by the load generator's two modes
 *
 * lg_load  many messages over -c connections, prints the summary and a
 *          RESULT line; returns the exit status (load.c)
 * lg_one   one message; the delivered message on stdout, the verdict on
 *          stderr as ACTION=... REPLY="..."; returns the exit status
 *          (one.c)
 */
#ifndef LOADGEN_H
#define LOADGEN_H

#include <sys/types.h>

#include "macros.h"
#include "msgfile.h"

struct lg_opts {
	const char *spec;        /* -S filter socket */
	int concurrency;         /* -c */
	long messages;           /* -n */
	long per_conn;           /* -r messages per connection, 0 = all */
	int timeout;             /* -t seconds per read/write */
	int verbose;             /* -v */
	pid_t pid;               /* --pid: sample this process's RSS */
	const char *queue_id;    /* --queue-id (--one) */
	int stop_on_error;       /* --stop-on-error: end at the first error */
	int hold_ms;             /* --hold: pause before the body (--one) */
	struct mf_message *msgs; /* -m files, in turn */
	size_t nmsgs;
	struct mta_env env;
};

int lg_load(const struct lg_opts *o);
int lg_one(const struct lg_opts *o);

#endif
