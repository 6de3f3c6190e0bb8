/*
 * ctl.h - the running daemon seen from outside: its PID file lock and
 *	   its reload report.
 *
 * SYNOPSIS
 *	int fd = pidfile_lock("/run/dkimguard/dkimguard.pid", &holder,
 *	    err, sizeof err);           daemon start-up; fd kept open
 *	long pid = pidfile_holder(path);   0: no instance holds the lock
 *	int rc = ctl_reload(path, 10, why, sizeof why);
 *
 * DESCRIPTION
 *	The daemon holds a write lock (fcntl, whole file) on its PID file
 *	for as long as it runs, so a second instance finds it taken and
 *	names the first instead of taking over its socket; the lock goes
 *	away with the process, so a stale file left by a crash is no
 *	obstacle.  It is an fcntl lock, so that F_GETLK can name its holder;
 *	such a lock also goes when the holder closes ANY descriptor of the
 *	file, so the daemon must not open the PID file elsewhere.
 *
 *	Reload report: after every reload attempt (and once at start-up)
 *	the daemon replaces PIDFILE.reloaded with one line
 *	    GENERATION ok|failed [WHY]
 *	GENERATION counting reload attempts.  ctl_reload() reads the
 *	generation, sends SIGHUP to the lock's holder and waits up to
 *	TIMEOUT seconds for a larger generation.
 *
 * RETURN VALUES
 *	pidfile_lock: the locked descriptor; -1 with ERR set (HOLDER > 0:
 *	another instance runs).  pidfile_holder: the holder's pid, 0 when
 *	none, -1 when the file cannot be read.  ctl_reload: CTL_OK,
 *	CTL_REFUSED (WHY says why), CTL_UNCONFIRMED (no report in time,
 *	or SIGHUP failed), CTL_NOT_RUNNING.
 */
#ifndef DKIMGUARD_CTL_H
#define DKIMGUARD_CTL_H

#include <stddef.h>

enum {
	CTL_OK = 0,
	CTL_REFUSED,
	CTL_UNCONFIRMED,
	CTL_NOT_RUNNING
};

int pidfile_lock(const char *path, long *holder, char *err, size_t len);
long pidfile_holder(const char *path);
int ctl_reload(const char *pidfile, int timeout_s, char *why, size_t len);

#endif /* DKIMGUARD_CTL_H */
