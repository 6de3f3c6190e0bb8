/*
 * stop.c - a prompt stop that lets messages already begun finish.
 *
 * Interface and reasons: stop.h.
 */
#define _GNU_SOURCE /* pthread_timedjoin_np */
#include <libmilter/mfapi.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "util/log.h"
#include "session.h"
#include "stop.h"

#define WAKE_SIGNAL SIGUSR2
#define POLL_NS (100 * 1000 * 1000) /* 100 ms */

/* on_wake - nothing: the signal exists to make select() return EINTR */
static void
on_wake(int sig)
{
	(void)sig;
}

/* stop_wake_install - the empty handler, without SA_RESTART (select()
 * is never restarted anyway, but accept() would be) */
int
stop_wake_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_wake;
	sigemptyset(&sa.sa_mask);
	return sigaction(WAKE_SIGNAL, &sa, NULL);
}

/* in_100ms - an absolute CLOCK_REALTIME deadline 100 ms from now */
static struct timespec
in_100ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += POLL_NS;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/* waker - the only thread that signals or joins the milter thread, so
 * no signal can reach a thread already joined.  A wake that lands
 * before smfi_stop() set the flag, or between libmilter's check and its
 * select(), only restarts the loop: hence one every 100 ms. */
static void *
waker(void *arg)
{
	pthread_t milter_thread = *(pthread_t *)arg;
	struct timespec deadline;

	for (;;) {
		pthread_kill(milter_thread, WAKE_SIGNAL);
		deadline = in_100ms();
		if (pthread_timedjoin_np(milter_thread, NULL, &deadline) == 0)
			return NULL;
	}
}

/* stop_milter - smfi_stop() and wait for the milter thread.  smfi_stop()
 * itself blocks until the listener leaves select() (it needs the lock
 * the listener holds there), so the wakes come from another thread,
 * started with HUP, TERM and INT blocked like every thread but main. */
void
stop_milter(pthread_t milter_thread)
{
	sigset_t block, old;
	pthread_t w;
	int started;

	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	started = pthread_create(&w, NULL, waker, &milter_thread) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	smfi_stop();
	if (started)
		pthread_join(w, NULL);
	else /* no waker: libmilter's own 5 s */
		pthread_join(milter_thread, NULL);
}

/* stop_drain - wait until no message is in flight, SECONDS at most;
 * returns how many were still in flight */
int
stop_drain(unsigned seconds)
{
	struct timespec tick = {0, POLL_NS};
	unsigned waited;
	int n;

	if ((n = session_in_flight()) == 0)
		return 0;
	log_notice("stopping: %d message(s) in flight, waiting up to %u s", n,
	    seconds);
	for (waited = 0; waited < seconds * 10 && session_in_flight() > 0;
	     waited++)
		nanosleep(&tick, NULL);
	if ((n = session_in_flight()) > 0)
		log_warnx(
		    "stopping: %d message(s) still in flight after %u s: "
		    "cut off, their MTA keeps them as for an unavailable milter",
		    n, seconds);
	return n;
}
