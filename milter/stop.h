/*
 * stop.h - a prompt stop that lets messages already begun finish.
 *
 * DESCRIPTION
 *	libmilter's listener holds a lock while it waits in select() for
 *	up to 5 seconds (MI_CHK_TIME), and smfi_stop() needs that lock, so a
 *	plain stop takes up to 5 s while new connections wait unaccepted in
 *	the backlog.  With stop_wake_install() done, stop_milter() calls
 *	smfi_stop() while another thread interrupts that select() with
 *	SIGUSR2 (an empty handler) every 100 ms until the milter thread has
 *	returned: the stop takes milliseconds.
 *
 *	stop_drain() comes first: it waits, up to the given number of
 *	seconds, until no message is between MAIL FROM and its end
 *	(session_in_flight()), while new messages are tempfailed
 *	(session_stop_accepting()) so their MTA keeps them.  It must run
 *	before smfi_stop(): once libmilter is stopped its worker pool serves
 *	no session any more, and a message waiting for its body would hang
 *	until the process exits.  Whatever is still in flight after the wait
 *	is cut off, which its MTA treats as the milter being unavailable
 *	(Postfix: milter_default_action; Sendmail: F=T).
 */
#ifndef DKIMGUARD_STOP_H
#define DKIMGUARD_STOP_H

#include <pthread.h>

int stop_wake_install(void);
void stop_milter(pthread_t milter_thread);
int stop_drain(unsigned seconds);

#endif /* DKIMGUARD_STOP_H */
