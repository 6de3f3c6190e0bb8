/*
 * recheck.c - dkimguard-keytool recheck [-d DOMAIN [-s SELECTOR]]: make
 *	       the running milter's guard check keys against DNS now.
 *
 * DESCRIPTION
 *	After fixing a key record, the guard sees the fix at its next check
 *	(within 2 s of a failure, within GuardMaxAge otherwise); this makes
 *	it look at once.  The request goes into PIDFILE.recheck (written
 *	whole and renamed into place), one line "DOMAIN [SELECTOR]", or "*"
 *	for every key; SIGUSR1 makes the milter read it.  The milter removes
 *	the file once read, which is the confirmation waited for here.
 *	Exports kt_cmd_recheck.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "keytool.h"

#define RECHECK_WAIT_MS 5000 /* how long the milter may take to read it */

/* write_request - PIDFILE.recheck, written whole then renamed */
static int
write_request(const char *path, const char *domain, const char *selector)
{
	char tmp[4300];
	FILE *fp;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if ((fp = fopen(tmp, "w")) == NULL) {
		kt_err("cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	(void)fchmod(fileno(fp), 0644); /* the milter runs as UserID */
	if (domain == NULL)
		fprintf(fp, "*\n");
	else
		fprintf(fp, "%s%s%s\n", domain, selector ? " " : "",
		    selector ? selector : "");
	if (fclose(fp) != 0 || rename(tmp, path) < 0) {
		kt_err("cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* kt_cmd_recheck - the recheck command (keytool.h) */
int
kt_cmd_recheck(int argc, char **argv, struct kt_conf *c)
{
	static const struct option lo[] = {KT_COMMON_LONG, {NULL, 0, NULL, 0}};
	const char *domain = NULL, *selector = NULL;
	struct timespec ts = {0, 50 * 1000 * 1000};
	char path[4200];
	long pid = 0;
	FILE *fp;
	int ch, r, waited;

	while ((ch = getopt_long(argc, argv, KT_COMMON_SHORT "d:s:", lo,
		    NULL)) != -1) {
		if (ch == 'd')
			domain = optarg;
		else if (ch == 's')
			selector = optarg;
		else if ((r = kt_common_opt(ch, optarg, c)) != 1) {
			kt_err("usage: recheck [-d DOMAIN [-s SELECTOR]]");
			return KT_EXIT_USAGE;
		}
	}
	if (optind != argc || (selector != NULL && domain == NULL) ||
	    (domain != NULL && !kt_name_ok(domain, "domain")) ||
	    (selector != NULL && !kt_name_ok(selector, "selector"))) {
		kt_err("usage: recheck [-d DOMAIN [-s SELECTOR]]");
		return KT_EXIT_USAGE;
	}
	if (kt_conf_load(c) < 0)
		return KT_EXIT_USAGE;
	if (c->pidfile == NULL || *c->pidfile == '\0') {
		kt_err("no PidFile configured: send SIGUSR1 to the milter "
		       "yourself (re-checks every key)");
		return KT_EXIT_USAGE;
	}
	if ((fp = fopen(c->pidfile, "r")) != NULL) {
		if (fscanf(fp, "%ld", &pid) != 1)
			pid = 0;
		fclose(fp);
	}
	if (pid <= 1 || kill((pid_t)pid, 0) < 0) {
		kt_err("the milter is not running (%s)", c->pidfile);
		return KT_EXIT_FAIL;
	}
	snprintf(path, sizeof path, "%s.recheck", c->pidfile);
	if (write_request(path, domain, selector) < 0)
		return KT_EXIT_USAGE;
	if (kill((pid_t)pid, SIGUSR1) < 0) {
		kt_err("cannot signal the milter (pid %ld): %s", pid,
		    strerror(errno));
		unlink(path);
		return KT_EXIT_FAIL;
	}
	for (waited = 0; waited < RECHECK_WAIT_MS; waited += 50) {
		if (access(path, F_OK) < 0 && errno == ENOENT) {
			printf("The milter (pid %ld) re-checks %s%s%s now; "
			       "its log says the outcome.\n",
			    pid, domain ? domain : "every key",
			    selector ? " selector " : "",
			    selector ? selector : "");
			return KT_EXIT_OK;
		}
		nanosleep(&ts, NULL);
	}
	kt_warn("the milter (pid %ld) did not take the request within %d s",
	    pid, RECHECK_WAIT_MS / 1000);
	return KT_EXIT_UNCONFIRMED;
}
