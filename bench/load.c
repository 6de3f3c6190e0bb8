/*
 * load.c - loadgen's load mode: N messages over C connections
 *
 * Each of C threads owns one filter session (mta.h) and takes the next
 * message number from a shared counter, so the message files are used in
 * turn.  A session carries on across messages as Postfix's smtpd does
 * within one SMTP session; -r N closes it after N messages.  Latency is
 * from the first byte of a message (including connection set-up when one
 * is needed) to the filter's final verdict; the largest one (max_ms)
 * shows stalls.  Prints a summary and one "RESULT key=value ..." line.
 * Exit status 0 if no message ended in error, 1 otherwise.
 */
#include "loadgen.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mta.h"
#include "stats.h"

struct lg_run {
	const struct lg_opts *o;
	atomic_long next; /* next message number */
	double *lat_ms;   /* per message */
	atomic_ulong count[MTA_NACTIONS];
	atomic_ulong ins, add, chg;
	char first_error[512];
	pthread_mutex_t lock;
	atomic_int gone; /* --stop-on-error: the filter went away */
};

/* done - messages that got an outcome (all of them unless stopped) */
static long
done(struct lg_run *run)
{
	long n = 0;
	int i;

	for (i = 0; i < MTA_NACTIONS; i++)
		n += (long)atomic_load(&run->count[i]);
	return n;
}

/* now_ms - monotonic clock in milliseconds */
static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* tally - count one message's outcome */
static void
tally(struct lg_run *run, const struct mta_result *r)
{
	atomic_fetch_add(&run->count[r->action], 1);
	atomic_fetch_add(&run->ins, r->n_ins);
	atomic_fetch_add(&run->add, r->n_add);
	atomic_fetch_add(&run->chg, r->n_chg);
	if (r->action == MTA_ERROR) {
		pthread_mutex_lock(&run->lock);
		if (!run->first_error[0])
			snprintf(run->first_error, sizeof(run->first_error),
			    "%s", r->reply);
		pthread_mutex_unlock(&run->lock);
	}
}

/* worker - one connection's share of the messages */
static void *
worker(void *arg)
{
	struct lg_run *run = arg;
	const struct lg_opts *o = run->o;
	struct mta_session *s = calloc(1, sizeof(*s));
	struct timespec pause = {0, 10 * 1000 * 1000};
	struct mta_result r;
	long i, on_conn = 0;
	char qid[32];
	double t0;

	if (s == NULL)
		abort();
	s->spec = o->spec, s->timeout = o->timeout;
	s->env = &o->env, s->verbose = o->verbose;
	while (!atomic_load(&run->gone) &&
	    (i = atomic_fetch_add(&run->next, 1)) < o->messages) {
		snprintf(qid, sizeof(qid), "4%011lX", (unsigned long)i);
		t0 = now_ms();
		if (mta_message(s, &o->msgs[i % o->nmsgs], qid, NULL, &r) < 0) {
			if (o->stop_on_error)
				atomic_store(&run->gone, 1);
			else
				nanosleep(&pause,
				    NULL); /* filter down: no spin */
		}
		run->lat_ms[i] = now_ms() - t0;
		tally(run, &r);
		if (o->per_conn && ++on_conn >= o->per_conn) {
			mta_quit(s);
			on_conn = 0;
		}
	}
	mta_quit(s);
	free(s);
	return NULL;
}

/* cpu_us_per_msg - the filter's CPU time per message, -1 without --pid */
static double
cpu_us_per_msg(const struct st_rss *rss, long messages)
{
	long ticks = rss->cpu_end - rss->cpu_start;

	if (rss->pid <= 0 || rss->cpu_start < 0 || rss->cpu_end < 0 ||
	    messages <= 0)
		return -1;
	return (double)ticks * 1e6 / (double)sysconf(_SC_CLK_TCK) /
	    (double)messages;
}

/* print_result - human summary and the RESULT line */
static void
print_result(struct lg_run *run, double secs, const struct st_rss *rss)
{
	const struct lg_opts *o = run->o;
	long n = done(run); /* indices 0..n-1: see worker */
	double p50 = st_percentile(run->lat_ms, (size_t)n, 50);
	double p99 = st_percentile(run->lat_ms, (size_t)n, 99);
	double max = st_percentile(run->lat_ms, (size_t)n, 100);
	double rate = secs > 0 ? n / secs : 0;
	unsigned long c[MTA_NACTIONS];
	int i;

	for (i = 0; i < MTA_NACTIONS; i++)
		c[i] = atomic_load(&run->count[i]);

	printf("loadgen: %ld messages, concurrency %d, %.3f s, %.1f msg/s\n", n,
	    o->concurrency, secs, rate);
	printf("  latency  p50 %.3f ms  p99 %.3f ms  max %.3f ms\n", p50, p99,
	    max);
	printf("  replies  accept %lu  tempfail %lu  reject %lu  quarantine %lu"
	       "  discard %lu  error %lu\n",
	    c[0], c[1], c[2], c[3], c[4], c[5]);
	printf("  headers  inserted %lu  added %lu  changed %lu\n",
	    (unsigned long)run->ins, (unsigned long)run->add,
	    (unsigned long)run->chg);
	if (o->pid)
		printf("  filter   rss start %ld kB  end %ld kB  max %ld kB  "
		       "cpu %.1f us/msg\n",
		    rss->start_kb, rss->end_kb, rss->max_kb,
		    cpu_us_per_msg(rss, n));
	if (run->first_error[0])
		printf("  first error: %s\n", run->first_error);
	printf("RESULT msgs=%ld conc=%d secs=%.3f rate=%.1f p50_ms=%.3f "
	       "p99_ms=%.3f accept=%lu tempfail=%lu reject=%lu quarantine=%lu "
	       "discard=%lu error=%lu ins_hdrs=%lu add_hdrs=%lu chg_hdrs=%lu "
	       "rss_start_kb=%ld rss_end_kb=%ld rss_max_kb=%ld max_ms=%.3f "
	       "cpu_us_msg=%.1f\n",
	    n, o->concurrency, secs, rate, p50, p99, c[0], c[1], c[2], c[3],
	    c[4], c[5], (unsigned long)run->ins, (unsigned long)run->add,
	    (unsigned long)run->chg, o->pid ? rss->start_kb : -1,
	    o->pid ? rss->end_kb : -1, o->pid ? rss->max_kb : -1, max,
	    cpu_us_per_msg(rss, n));
	fflush(stdout);
}

/* lg_load - start the workers, wait, report */
int
lg_load(const struct lg_opts *o)
{
	static struct lg_run run;
	pthread_t *th = calloc((size_t)o->concurrency, sizeof(pthread_t));
	struct st_rss rss;
	double t0, secs;
	int i, n = 0;

	run.o = o;
	run.lat_ms = calloc((size_t)o->messages, sizeof(double));
	pthread_mutex_init(&run.lock, NULL);
	if (th == NULL || run.lat_ms == NULL)
		abort();
	st_rss_start(&rss, o->pid);
	t0 = now_ms();
	for (i = 0; i < o->concurrency; i++)
		if (pthread_create(&th[n], NULL, worker, &run) == 0)
			n++;
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	secs = (now_ms() - t0) / 1e3;
	st_rss_stop(&rss);
	print_result(&run, secs, &rss);
	free(th);
	return run.count[MTA_ERROR] ? 1 : 0;
}
