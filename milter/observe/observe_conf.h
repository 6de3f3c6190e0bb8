/*
 * observe_conf.h - the observability options as the daemon keeps them,
 *		    and the check start-up and reloads apply to them.
 *
 * SYNOPSIS
 *	struct observe_conf oc;
 *	observe_conf_init(&oc);
 *	oc.listen = cfg->metrics_listen; ...
 *	if (observe_conf_check(&oc, err, sizeof err) < 0) refuse
 *
 * DESCRIPTION
 *	The snapshot (milter/snapshot.c) fills one from dkimguard.conf and
 *	checks it while it is built, so a bad MetricsListen refuses the
 *	configuration at start-up, with -n and at reload alike; observe.c
 *	starts and reloads from it.  Keeping these few lines apart lets the
 *	snapshot use them without observe.h, and observe.c read snapshots
 *	without the snapshot reading observe.c's header back.
 *	Exports: struct observe_conf, observe_conf_init, observe_conf_check.
 */
#ifndef DKIMGUARD_OBSERVE_CONF_H
#define DKIMGUARD_OBSERVE_CONF_H

#include <stddef.h>

/* observe_conf - MetricsListen, MetricsFile and the intervals */
struct observe_conf {
	const char *listen;      /* MetricsListen "ADDR:PORT"; "": off */
	const char *file;        /* MetricsFile path; "": off */
	unsigned file_interval;  /* MetricsFileInterval, s (15) */
	unsigned alert_interval; /* UnsignedAlertInterval, s (300) */
};

/* observe_conf_init - everything off, the defaults above */
void observe_conf_init(struct observe_conf *oc);
/* observe_conf_check - MetricsListen is a loopback ADDR:PORT and this
 * build can serve it; -1 with err */
int observe_conf_check(const struct observe_conf *oc, char *err, size_t errlen);

#endif /* DKIMGUARD_OBSERVE_CONF_H */
