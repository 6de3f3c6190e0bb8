/*
 * reload.c - tell the running milter to reload, and confirm it did.
 *
 * DESCRIPTION
 *	The milter's process id is in PidFile; SIGHUP makes it build a new
 *	snapshot of configuration, tables and keys.  After every reload
 *	attempt (and once at start-up) the milter replaces PIDFILE.reloaded
 *	with one line
 *	    GENERATION STATUS [TEXT]
 *	GENERATION counts reload attempts, STATUS is "ok" (the new snapshot
 *	is in force) or "failed" (refused; the old one stays, TEXT says why).
 *	The keytool reads the generation, signals, and waits for a larger one.
 *	No PID file or no such process: the milter is not running, and the
 *	new tables take effect when it starts.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "keytool.h"

struct reload_status {
	int present;
	unsigned long gen;
	char status[16];
	char text[256];
};

/* read_pid - the process id in the PID file; 0 when absent */
static long
read_pid(const char *pidfile)
{
	FILE *fp = fopen(pidfile, "r");
	long pid = 0;

	if (fp == NULL)
		return errno == ENOENT ? 0 : -1;
	if (fscanf(fp, "%ld", &pid) != 1 || pid <= 1)
		pid = -1;
	fclose(fp);
	return pid;
}

/* read_status - the milter's last reload report */
static void
read_status(const char *path, struct reload_status *st)
{
	FILE *fp = fopen(path, "r");
	char line[300] = "";
	int n = 0;

	memset(st, 0, sizeof *st);
	if (fp == NULL)
		return;
	if (fgets(line, sizeof line, fp) != NULL)
		n = sscanf(line, "%lu %15s %255[^\n]", &st->gen, st->status,
		    st->text);
	fclose(fp);
	st->present = n >= 2;
}

/* wait_report - poll the report until its generation grows */
static int
wait_report(const char *path, const struct reload_status *old, int timeout_s,
    struct reload_status *now)
{
	struct timespec ts = {0, 50 * 1000 * 1000};

	for (long waited = 0; waited <= timeout_s * 1000L; waited += 50) {
		read_status(path, now);
		if (now->present && (!old->present || now->gen > old->gen))
			return 0;
		nanosleep(&ts, NULL);
	}
	return -1;
}

/* signal_and_wait - SIGHUP pid, then read the outcome */
static int
signal_and_wait(long pid, const char *report, int timeout_s)
{
	struct reload_status before, after;

	read_status(report, &before);
	if (kill((pid_t)pid, SIGHUP) < 0) {
		kt_err("cannot signal the milter (pid %ld): %s", pid,
		    strerror(errno));
		return KT_EXIT_UNCONFIRMED;
	}
	if (wait_report(report, &before, timeout_s, &after) < 0) {
		kt_warn("sent SIGHUP to the milter (pid %ld) but %s did not "
			"report a reload within %d s: check the milter's log",
		    pid, report, timeout_s);
		return KT_EXIT_UNCONFIRMED;
	}
	if (strcmp(after.status, "ok") != 0) {
		kt_err("the milter (pid %ld) refused to reload: %s", pid,
		    after.text[0] ? after.text : after.status);
		return KT_EXIT_FAIL;
	}
	printf("The milter (pid %ld) reloaded (generation %lu).\n", pid,
	    after.gen);
	return KT_EXIT_OK;
}

/* kt_reload_milter - SIGHUP + confirmation (see the file comment) */
int
kt_reload_milter(const char *pidfile, int timeout_s)
{
	char report[4200];
	long pid;

	if (pidfile == NULL || *pidfile == '\0') {
		kt_warn("no PidFile configured: reload the milter yourself "
			"(kill -HUP its process)");
		return KT_EXIT_UNCONFIRMED;
	}
	if ((pid = read_pid(pidfile)) < 0) {
		kt_err("cannot read a process id from %s", pidfile);
		return KT_EXIT_UNCONFIRMED;
	}
	if (pid == 0 || (kill((pid_t)pid, 0) < 0 && errno == ESRCH)) {
		printf("The milter is not running (%s): the new tables take "
		       "effect when it starts.\n",
		    pidfile);
		return KT_EXIT_OK;
	}
	snprintf(report, sizeof report, "%s.reloaded", pidfile);
	return signal_and_wait(pid, report, timeout_s);
}
