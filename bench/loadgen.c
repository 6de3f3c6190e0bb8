/*
 * loadgen.c - milter-protocol load generator and single-message client
 *
 * SYNOPSIS
 *   loadgen -S SOCKET -m FILE [-m FILE ...] [-c CONC] [-n COUNT] [-r N]
 *           [-t SECS] [--pid PID] [--stop-on-error] [envelope options]
 *   loadgen --one -S SOCKET -m FILE [--hold MS] [envelope options]
 *
 * DESCRIPTION
 *   Talks to a milter as Postfix 3.7 does (mta.h) without an MTA.  Load
 *   mode prints msg/s, p50/p99 latency, the count of each verdict, the
 *   headers the filter inserted and, with --pid, the filter's VmRSS at
 *   start, end and the maximum seen; plus one machine-readable line
 *   "RESULT key=value ...".  --stop-on-error ends the run at the first
 *   socket or protocol error (the filter went away) instead of retrying
 *   every remaining message; the figures then cover the messages sent.  --one prints the delivered message on stdout
 *   and "ACTION=... REPLY=..." on stderr; --hold MS waits MS
 *   milliseconds between the headers and the body, keeping the message
 *   in flight (tests of a stop that lets such messages finish).
 *
 *   SOCKET: unix:/path | inet:PORT@HOST | inet:HOST:PORT
 *   envelope options: --client-addr A --client-name N --helo H
 *     --from ADDR --rcpt ADDR --auth USER --daemon-name N --hostname H
 *     --queue-id ID (--one only)
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen.h"

enum {
	O_ONE = 256,
	O_CADDR,
	O_CNAME,
	O_HELO,
	O_FROM,
	O_RCPT,
	O_AUTH,
	O_DAEMON,
	O_HOST,
	O_PID,
	O_QID,
	O_HOLD,
	O_STOP
};

static const struct option longopts[] = {{"one", no_argument, NULL, O_ONE},
    {"client-addr", required_argument, NULL, O_CADDR},
    {"client-name", required_argument, NULL, O_CNAME},
    {"helo", required_argument, NULL, O_HELO},
    {"from", required_argument, NULL, O_FROM},
    {"rcpt", required_argument, NULL, O_RCPT},
    {"auth", required_argument, NULL, O_AUTH},
    {"daemon-name", required_argument, NULL, O_DAEMON},
    {"hostname", required_argument, NULL, O_HOST},
    {"pid", required_argument, NULL, O_PID},
    {"queue-id", required_argument, NULL, O_QID},
    {"hold", required_argument, NULL, O_HOLD},
    {"stop-on-error", no_argument, NULL, O_STOP},
    {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};

/* usage - print the synopsis and exit */
static void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: loadgen -S SOCKET -m FILE [-m FILE...] [-c CONC] [-n COUNT]"
	    " [-r PER_CONN]\n"
	    "               [-t SECS] [-v] [--pid PID] [--stop-on-error]"
	    " [envelope options]\n"
	    "       loadgen --one -S SOCKET -m FILE [--hold MS]"
	    " [envelope options]\n"
	    "SOCKET: unix:/path | inet:PORT@HOST | inet:HOST:PORT\n"
	    "envelope: --client-addr A --client-name N --helo H --from ADDR\n"
	    "          --rcpt ADDR --auth USER --daemon-name N --hostname H"
	    " --queue-id ID\n");
	exit(status);
}

/* add_message - map one -m file */
static void
add_message(struct lg_opts *o, const char *path)
{
	char err[256];

	o->msgs = realloc(o->msgs, (o->nmsgs + 1) * sizeof(*o->msgs));
	if (o->msgs == NULL)
		abort();
	if (mf_open(&o->msgs[o->nmsgs], path, err, sizeof(err)) < 0) {
		fprintf(stderr, "loadgen: %s\n", err);
		exit(1);
	}
	o->nmsgs++;
}

/* set_defaults - a Postfix-like session from 127.0.0.1 */
static void
set_defaults(struct lg_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->concurrency = 1;
	o->messages = 1000;
	o->timeout = 30;
	o->queue_id = "4ABCDEF0123";
	o->env.hostname = "mta.example.test";
	o->env.daemon_name = "mta.example.test";
	o->env.daemon_addr = "127.0.0.1";
	o->env.client_name = "localhost";
	o->env.client_addr = "127.0.0.1";
	o->env.client_port = 40000;
	o->env.helo = "client.example.test";
	o->env.from = "sender@example.com";
	o->env.rcpt = "rcpt@example.net";
}

/* envelope_opt - the long options that set the session; 0 if not one */
static int
envelope_opt(struct lg_opts *o, int ch, const char *arg)
{
	switch (ch) {
	case O_CADDR:
		o->env.client_addr = arg;
		break;
	case O_CNAME:
		o->env.client_name = arg;
		break;
	case O_HELO:
		o->env.helo = arg;
		break;
	case O_FROM:
		o->env.from = arg;
		break;
	case O_RCPT:
		o->env.rcpt = arg;
		break;
	case O_AUTH:
		o->env.auth = arg;
		break;
	case O_DAEMON:
		o->env.daemon_name = arg;
		break;
	case O_HOST:
		o->env.hostname = arg;
		break;
	case O_QID:
		o->queue_id = arg;
		break;
	default:
		return 0;
	}
	return 1;
}

/* parse_args - fill o from argv; returns 1 for --one */
static int
parse_args(struct lg_opts *o, int argc, char **argv)
{
	int ch, one = 0;

	while ((ch = getopt_long(argc, argv, "S:c:n:m:r:t:vh", longopts,
		    NULL)) != -1) {
		if (envelope_opt(o, ch, optarg))
			continue;
		switch (ch) {
		case 'S':
			o->spec = optarg;
			break;
		case 'c':
			o->concurrency = atoi(optarg);
			break;
		case 'n':
			o->messages = atol(optarg);
			break;
		case 'm':
			add_message(o, optarg);
			break;
		case 'r':
			o->per_conn = atol(optarg);
			break;
		case 't':
			o->timeout = atoi(optarg);
			break;
		case 'v':
			o->verbose = 1;
			break;
		case O_ONE:
			one = 1;
			break;
		case O_PID:
			o->pid = (pid_t)atol(optarg);
			break;
		case O_HOLD:
			o->hold_ms = atoi(optarg);
			break;
		case O_STOP:
			o->stop_on_error = 1;
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(1);
		}
	}
	if (!o->spec || !o->nmsgs || optind != argc || o->concurrency < 1 ||
	    o->messages < 1 || o->timeout < 1)
		usage(1);
	return one;
}

/* main - parse options, run --one or the load, unmap the messages */
int
main(int argc, char **argv)
{
	static struct lg_opts o;
	int rc;
	size_t i;

	set_defaults(&o);
	rc = parse_args(&o, argc, argv) ? lg_one(&o) : lg_load(&o);
	for (i = 0; i < o.nmsgs; i++)
		mf_close(&o.msgs[i]);
	free(o.msgs);
	return rc;
}
