/*
 * ctl.c - PID file lock and reload report (see ctl.h).
 */
#define _GNU_SOURCE /* O_CLOEXEC */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

struct report {
	int present;
	unsigned long gen;
	char status[16];
	char text[256];
};

/* whole_file - a write lock over the whole file */
static struct flock
whole_file(void)
{
	struct flock fl;

	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	return fl;
}

/* pidfile_lock - lock PATH and write our pid into it */
int
pidfile_lock(const char *path, long *holder, char *err, size_t len)
{
	struct flock fl = whole_file();
	char buf[32];
	int fd, n;

	*holder = 0;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		snprintf(err, len, "PidFile %s: %s", path, strerror(errno));
		return -1;
	}
	if (fcntl(fd, F_SETLK, &fl) < 0) {
		if (errno == EACCES || errno == EAGAIN) {
			*holder = pidfile_holder(path);
			snprintf(err, len,
			    "PidFile %s: dkimguard is already "
			    "running as pid %ld; stop it first (systemctl stop "
			    "dkimguard, or kill %ld)",
			    path, *holder, *holder);
		} else
			snprintf(err, len, "PidFile %s: lock: %s", path,
			    strerror(errno));
		close(fd);
		return -1;
	}
	n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		snprintf(err, len, "PidFile %s: write: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* pidfile_holder - who holds the lock (F_GETLK names the process) */
long
pidfile_holder(const char *path)
{
	struct flock fl = whole_file();
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -1;
	/* F_GETLK wants a lock type the descriptor could take; a read lock
	 * conflicts with the daemon's write lock just the same */
	fl.l_type = F_RDLCK;
	if (fcntl(fd, F_GETLK, &fl) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return fl.l_type == F_UNLCK ? 0 : (long)fl.l_pid;
}

/* read_report - the last reload report, if any */
static void
read_report(const char *path, struct report *r)
{
	FILE *fp = fopen(path, "r");
	char line[300] = "";
	int n = 0;

	memset(r, 0, sizeof *r);
	if (fp == NULL)
		return;
	if (fgets(line, sizeof line, fp) != NULL)
		n = sscanf(line, "%lu %15s %255[^\n]", &r->gen, r->status,
		    r->text);
	fclose(fp);
	r->present = n >= 2;
}

/* ctl_reload - SIGHUP the holder, wait for a newer report */
int
ctl_reload(const char *pidfile, int timeout_s, char *why, size_t len)
{
	struct timespec tick = {0, 50 * 1000 * 1000};
	struct report before, after;
	char path[4200];
	long pid, waited;

	*why = '\0';
	if ((pid = pidfile_holder(pidfile)) <= 0) {
		snprintf(why, len, "no dkimguard holds %s", pidfile);
		return CTL_NOT_RUNNING;
	}
	snprintf(path, sizeof path, "%s.reloaded", pidfile);
	read_report(path, &before);
	if (kill((pid_t)pid, SIGHUP) < 0) {
		snprintf(why, len, "cannot signal pid %ld: %s", pid,
		    strerror(errno));
		return CTL_UNCONFIRMED;
	}
	for (waited = 0; waited <= timeout_s * 1000L; waited += 50) {
		read_report(path, &after);
		if (after.present &&
		    (!before.present || after.gen > before.gen)) {
			if (strcmp(after.status, "ok") == 0) {
				snprintf(why, len,
				    "pid %ld reloaded "
				    "(generation %lu)",
				    pid, after.gen);
				return CTL_OK;
			}
			snprintf(why, len, "pid %ld refused the reload: %s",
			    pid, after.text[0] ? after.text : after.status);
			return CTL_REFUSED;
		}
		nanosleep(&tick, NULL);
	}
	snprintf(why, len,
	    "sent SIGHUP to pid %ld but %s reported no "
	    "reload within %d s: see the log",
	    pid, path, timeout_s);
	return CTL_UNCONFIRMED;
}
