/*
 * alert.c - rate-limited unsigned-mail warnings (see alert.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "util/log.h"

struct alert {
	struct alert_conf conf;
	pthread_mutex_t lock;
	time_t last; /* last warning, or creation */
	int warned;  /* 0: none yet (the next one is due) */
	unsigned long pending[ALERT__COUNT];
	enum alert_reason latest_reason;
	char latest_qid[64];
	char latest_detail[600];
};

/* alert_conf_init - the defaults of alert.h */
void
alert_conf_init(struct alert_conf *conf)
{
	memset(conf, 0, sizeof *conf);
	conf->interval = 300;
}

/* now - the configured clock */
static time_t
now(const struct alert *a)
{
	return a->conf.clock != NULL ? a->conf.clock(a->conf.clock_arg) :
				       time(NULL);
}

/* alert_new - nothing pending */
struct alert *
alert_new(const struct alert_conf *conf)
{
	struct alert *a = calloc(1, sizeof *a);

	if (a == NULL)
		return NULL;
	a->conf = *conf;
	pthread_mutex_init(&a->lock, NULL);
	a->last = now(a);
	return a;
}

/* alert_free - NULL is a no-op */
void
alert_free(struct alert *a)
{
	if (a == NULL)
		return;
	pthread_mutex_destroy(&a->lock);
	free(a);
}

/* alert_set_interval - takes effect for the next decision */
void
alert_set_interval(struct alert *a, unsigned interval)
{
	pthread_mutex_lock(&a->lock);
	a->conf.interval = interval;
	pthread_mutex_unlock(&a->lock);
}

/* alert_reason_str - also the metric's label value */
const char *
alert_reason_str(enum alert_reason r)
{
	return r == ALERT_NO_RULE ? "no_signing_rule" :
	    r == ALERT_UNALIGNED  ? "unaligned" :
	    r == ALERT_OUTLOOK    ? "outlook" :
				    "left_unsigned";
}

/* pending_total - messages pending, every reason */
static unsigned long
pending_total(const struct alert *a)
{
	unsigned long n = 0;
	size_t i;

	for (i = 0; i < ALERT__COUNT; i++)
		n += a->pending[i];
	return n;
}

/* warn - log the pending counts and start a new interval; under lock */
static void
warn(struct alert *a, time_t t)
{
	unsigned long total = pending_total(a);
	char line[1024], since[64];

	if (a->warned)
		snprintf(since, sizeof since, "in the last %lld s",
		    (long long)(t - a->last));
	else
		snprintf(since, sizeof since, "since start-up");
	if (a->conf.kind == ALERT_KIND_OUTLOOK)
		snprintf(line, sizeof line,
		    "Outlook alert: %lu message%s %s not meeting Outlook's "
		    "sender requirements (SPF pass, DKIM pass, a DMARC record, "
		    "DMARC pass) and will be refused with 550 5.7.515; "
		    "latest: qid=%s %s",
		    total, total == 1 ? "" : "s", since, a->latest_qid,
		    a->latest_detail);
	else if (a->conf.kind == ALERT_KIND_UNALIGNED)
		snprintf(line, sizeof line,
		    "unaligned mail alert: %lu message%s %s without a DKIM "
		    "signature aligned with the From: domain, so DMARC cannot "
		    "pass on DKIM and Outlook, Gmail and Yahoo may refuse "
		    "them; latest: qid=%s %s",
		    total, total == 1 ? "" : "s", since, a->latest_qid,
		    a->latest_detail);
	else
		snprintf(line, sizeof line,
		    "unsigned mail alert: %lu message%s "
		    "should have been signed %s (%s=%lu %s=%lu); "
		    "latest: qid=%s reason=%s %s",
		    total, total == 1 ? "" : "s", since,
		    alert_reason_str(ALERT_LEFT_UNSIGNED),
		    a->pending[ALERT_LEFT_UNSIGNED],
		    alert_reason_str(ALERT_NO_RULE), a->pending[ALERT_NO_RULE],
		    a->latest_qid, alert_reason_str(a->latest_reason),
		    a->latest_detail);
	if (a->conf.log != NULL)
		a->conf.log(a->conf.log_arg, line);
	else
		log_warnx("%s", line);
	memset(a->pending, 0, sizeof a->pending);
	a->last = t;
	a->warned = 1;
}

/* due - may a warning be logged at t?  under lock */
static int
due(const struct alert *a, time_t t)
{
	return !a->warned || t >= a->last + (time_t)a->conf.interval;
}

/* alert_note - count, remember as latest, warn when due */
int
alert_note(struct alert *a, enum alert_reason r, const char *qid,
    const char *detail)
{
	time_t t;
	int logged = 0;

	if (a == NULL || (unsigned)r >= ALERT__COUNT)
		return 0;
	if (r != ALERT_UNALIGNED && r != ALERT_OUTLOOK)
		metrics_inc(a->conf.metrics,
		    r == ALERT_NO_RULE ? MET_ALERTS_NO_RULE :
					 MET_ALERTS_UNSIGNED);
	t = now(a);
	pthread_mutex_lock(&a->lock);
	a->pending[r]++;
	a->latest_reason = r;
	snprintf(a->latest_qid, sizeof a->latest_qid, "%s",
	    qid != NULL ? qid : "NOQUEUE");
	snprintf(a->latest_detail, sizeof a->latest_detail, "%s",
	    detail != NULL ? detail : "");
	if (due(a, t)) {
		warn(a, t);
		logged = 1;
	}
	pthread_mutex_unlock(&a->lock);
	return logged;
}

/* alert_flush - report counts that no later message brought out */
int
alert_flush(struct alert *a)
{
	time_t t;
	int logged = 0;

	if (a == NULL)
		return 0;
	t = now(a);
	pthread_mutex_lock(&a->lock);
	if (pending_total(a) > 0 && due(a, t)) {
		warn(a, t);
		logged = 1;
	}
	pthread_mutex_unlock(&a->lock);
	return logged;
}
