/*
 * observe.h - the daemon's observability in one place: the counters,
 *	       the unsigned-mail alert, the /metrics and /healthz listener
 *	       and the metrics file, with the process-wide state they share.
 *
 * SYNOPSIS
 *	snapshot.c, building a snapshot (start-up, -n, reload):
 *	    observe_conf_check(&s->observe, err, sizeof err)  (observe_conf.h)
 *	main.c, start-up (after privileges are dropped, signals blocked):
 *	    observe_start(&s->observe, env.dns_cache, err, sizeof err)
 *	main.c, after a SIGHUP reload:   observe_reload(&s->observe)
 *	main.c, -n:                      observe_health_print(s, stdout)
 *	main.c, shutdown (after the milter thread is joined):  observe_stop()
 *	session.c, any milter thread:
 *	    metrics_inc(observe_metrics(), MET_MESSAGES_SIGN) ...
 *	    alert_note(observe_alert(), ALERT_NO_RULE, qid, detail)
 *
 * DESCRIPTION
 *	Counters exist only when MetricsListen or MetricsFile is set;
 *	otherwise observe_metrics() is NULL and every metrics_* call is a
 *	no-op (metrics off costs one pointer test).  The alert always
 *	exists once started.  At scrape time (listener thread or file
 *	writer) the current snapshot is taken, each guard entry copied
 *	(guard_entry_info), health evaluated, and the exposition rendered;
 *	the milter threads never wait for a scrape.  One background thread
 *	writes MetricsFile every MetricsFileInterval seconds and reports
 *	pending unsigned-mail alerts (alert_flush) every few seconds.
 *	MetricsListen and MetricsFile are read at start-up only (changing
 *	them needs a restart, a reload logs that); the intervals and
 *	LogMessageLine take effect at reload.
 *
 *	observe.c reads the current snapshot (milter/snapshot.h) at scrape
 *	time; the snapshot needs only observe_conf.h, never this header.
 */
#ifndef DKIMGUARD_OBSERVE_H
#define DKIMGUARD_OBSERVE_H

#include <stdio.h>

#include "alert.h"
#include "common/dns/dnscache.h"
#include "health.h"
#include "metrics.h"
#include "observe_conf.h"

struct snapshot;

/* observe_start - counters, alert, listener, file thread; -1 + err */
int observe_start(const struct observe_conf *oc, dnscache *dns, char *err,
    size_t errlen);
/* observe_reload - new intervals; notes listener/file changes */
void observe_reload(const struct observe_conf *oc);
/* observe_stop - stop threads and free everything; safe if not started */
void observe_stop(void);

/* observe_metrics - the counters, NULL when metrics are off */
struct metrics *observe_metrics(void);
/* observe_alert - the unsigned-mail alert, NULL before observe_start */
struct alert *observe_alert(void);

struct sendcheck;
/* observe_sendcheck - outgoing-mail check counters (sendcheck.h), NULL
 * before observe_start */
struct sendcheck *observe_sendcheck(void);

/* observe_render - the exposition for the current snapshot; 0 or -1 */
int observe_render(struct strbuf *out);
/* observe_health - health of snapshot s (NULL: current) as text */
enum health_status observe_health(struct snapshot *s, struct strbuf *out);
/* observe_health_print - "health: degraded" + reasons, for -n */
enum health_status observe_health_print(struct snapshot *s, FILE *fp);

#endif /* DKIMGUARD_OBSERVE_H */
