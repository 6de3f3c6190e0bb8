/*
 * alert.h - the unsigned-mail alert: a rate-limited warning, with the
 *	     counts since the last one, when mail that should have been
 *	     signed leaves unsigned.
 *
 * SYNOPSIS
 *	struct alert_conf ac;
 *	alert_conf_init(&ac);  ac.interval = 300;  ac.metrics = m;
 *	struct alert *a = alert_new(&ac);
 *	alert_note(a, ALERT_LEFT_UNSIGNED, qid, "from_domain=example.com");
 *	alert_flush(a);            periodically: report what is pending
 *	alert_set_interval(a, n);  reload
 *	alert_free(a);
 *
 * DESCRIPTION
 *	Two reasons are counted:
 *	  ALERT_LEFT_UNSIGNED  the From: domain is in the signing table but
 *	                       the message left without any signature
 *	                       (GuardAction unsigned, internal error with
 *	                       OnInternalError accept, ...)
 *	  ALERT_NO_RULE        mail from an internal client (a message
 *	                       decided "sign") matched no signing table rule
 *	Every message is counted at once in dkimguard_unsigned_alerts_total.
 *	The first one logs a warning immediately; later ones within
 *	`interval` seconds of the last warning are only counted, and the
 *	next warning (at the next message after the interval, or from
 *	alert_flush) says how many of each there were since the last one and
 *	names the latest message.  interval 0 warns for every message.
 *	Thread-safe (one mutex, taken only for messages that raise the
 *	alert).  The clock and the log sink are injectable for tests.
 */
#ifndef DKIMGUARD_ALERT_H
#define DKIMGUARD_ALERT_H

#include <time.h>

#include "dkim.h"
#include "metrics.h"

enum alert_reason {
	ALERT_LEFT_UNSIGNED = 0,
	ALERT_NO_RULE,
	ALERT_UNALIGNED, /* kind ALERT_KIND_UNALIGNED only */
	ALERT_OUTLOOK,   /* kind ALERT_KIND_OUTLOOK only */
	ALERT__COUNT
};

/* alert_kind - what the warning line says (one kind per struct alert) */
enum alert_kind {
	ALERT_KIND_UNSIGNED = 0, /* the two reasons above, counted in
				  * dkimguard_unsigned_alerts_total */
	ALERT_KIND_UNALIGNED,    /* ALERT_UNALIGNED: no signature aligns
				  * with the From: domain (sendcheck.c
				  * counts them) */
	ALERT_KIND_OUTLOOK       /* ALERT_OUTLOOK: Outlook's sender
				  * requirements surely not met
				  * (sendcheck.c counts them) */
};

typedef void (*alert_log_fn)(void *arg, const char *line);

struct alert_conf {
	unsigned interval;       /* UnsignedAlertInterval, seconds (300) */
	struct metrics *metrics; /* NULL: not counted */
	dkim_clock_fn clock;     /* NULL: time(NULL) */
	void *clock_arg;
	enum alert_kind kind; /* ALERT_KIND_UNSIGNED (0) */
	alert_log_fn log;     /* NULL: log_warnx */
	void *log_arg;
};

struct alert;

void alert_conf_init(struct alert_conf *conf);
/* alert_new - NULL on ENOMEM; the interval starts now */
struct alert *alert_new(const struct alert_conf *conf);
/* alert_free - NULL is a no-op (pending counts are not logged) */
void alert_free(struct alert *a);
void alert_set_interval(struct alert *a, unsigned interval);

/* alert_note - count one message; 1 when a warning was logged now */
int alert_note(struct alert *a, enum alert_reason r, const char *qid,
    const char *detail);
/* alert_flush - log what is pending once the interval has passed; 1 if */
int alert_flush(struct alert *a);

/* alert_reason_str - "left_unsigned", "no_signing_rule" (metric label),
 * "unaligned", "outlook" */
const char *alert_reason_str(enum alert_reason r);

#endif /* DKIMGUARD_ALERT_H */
