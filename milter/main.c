/*
 * main.c - dkimguard: a DKIM signing and verifying milter.
 *
 * SYNOPSIS
 *	dkimguard [-c FILE] [-f] [-n] [-R] [-V]
 *
 * DESCRIPTION
 *	Start-up order: configuration and keys (as root, so key files can be
 *	root-owned), DNS stack, PID file lock (a second instance stops here
 *	and names the first, before it could take over the socket), socket,
 *	privilege drop (UserID), then libmilter in its own thread.  Under
 *	systemd the unit starts it as the service user directly (User=).
 *
 *	SIGUSR1 is handled like SIGHUP's byte in the main loop: the guard
 *	re-checks keys now (recheck()).
 *
 *	Signals: libmilter's own signal thread sigwait()s for SIGHUP and
 *	stops the milter on it, so SIGHUP must never reach that thread.
 *	Linux delivers a process-directed signal to the main thread (the
 *	thread group leader) whenever the main thread does not block it, and
 *	only otherwise to another thread.  So the main thread installs
 *	handlers that only write the signal number to a pipe, never blocks
 *	SIGHUP, SIGTERM, SIGINT once the milter thread runs (not inside the
 *	handler either: SA_NODEFER), and stays idle: a SIGHUP is handed to
 *	a reload thread that runs with the signals blocked, so the threads a
 *	reload starts block them too (an exiting thread that could take a
 *	signal makes the kernel re-target pending signals to any willing
 *	thread, libmilter's included).  Checked with SIGHUP every 10 ms
 *	under load.  The reload thread builds the new snapshot off the
 *	milter threads and swaps it in; SIGTERM/SIGINT stop libmilter, wake
 *	its listener and let messages already begun finish (stop.h).  If
 *	libmilter stops on its own, dkimguard exits 1.
 *
 *	Reload report: once at start-up and after every reload attempt,
 *	PIDFILE.reloaded is replaced (temp file + rename) with one line
 *	"GENERATION ok|failed [why]", GENERATION counting reload attempts
 *	(0 at start-up); dkimguard-keytool waits for it to grow.  When
 *	another SIGHUP is already waiting as a reload ends, that reload
 *	reports nothing: the next one starts at once and reports, so a
 *	report never answers a SIGHUP sent before it while the tables
 *	it reloaded may predate that SIGHUP.
 *
 *	-R (the unit's ExecReload): the -n check, then SIGHUP to the instance
 *	holding the PID file and a wait for its report (common/ctl/ctl.h).
 *
 * DIAGNOSTICS
 *	Exit 0 on a clean stop; 1 on any start-up or configuration problem,
 *	each printed as FILE:LINE: what is wrong.
 *	-n: 0 ready; 1 configuration error (the daemon would not start or
 *	reload: options, tables, keys, socket); 2 it loads, but health is
 *	degraded or failing (a key's record missing or wrong, DNS failing).
 *	-n's last section, the readiness of each signing domain (DMARC,
 *	SPF, PTR of OutboundAddresses; common/readiness/), is warnings
 *	only: it does not change the exit status.
 *	-R: 0 reloaded; 1 not reloaded (configuration error, refused by the
 *	daemon, or no confirmation), the running instance keeps its old
 *	configuration.
 */
#define _GNU_SOURCE /* pipe2, asprintf */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "listen.h"
#include "outbound_spf.h"
#include "util/log.h"
#include "common/ctl/ctl.h"
#include "common/dns/lookup_dns.h"
#include "common/guard/guard_state.h"
#include "common/readiness/readiness.h"
#include "milter/observe/observe.h"
#include "session.h"
#include "snapshot.h"
#include "stop.h"

#define DKIMGUARD_VERSION "0.1.0"
#define DEFAULT_CONFIG "/etc/dkimguard/dkimguard.conf"
#define DRAIN_SECONDS 10 /* messages in flight at a stop: see stop.h */
#define RELOAD_WAIT 30   /* -R: seconds to wait for the report */

/* -n exit statuses (dkimguard(8), the unit and tests/package agree) */
enum {
	CHECK_READY = 0,
	CHECK_CONFIG = 1,
	CHECK_HEALTH = 2
};

static int sig_pipe[2] = {-1, -1};
static int reload_pipe[2] = {-1, -1};
static char *report_path; /* PIDFILE.reloaded; NULL: none */
static int pid_fd = -1;   /* the PID file, locked while we run */
static char *pid_path;    /* its name, once locked */

/* on_signal - async-signal-safe: one byte per signal to the pipe */
static void
on_signal(int sig)
{
	unsigned char b = (unsigned char)sig;
	int saved = errno;

	(void)!write(sig_pipe[1], &b, 1);
	errno = saved;
}

/* signals_mask - block or unblock HUP, TERM, INT in this thread */
static void
signals_mask(int how)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(how, &set, NULL);
}

/* signals_install - handlers writing to a non-blocking self-pipe */
static int
signals_install(void)
{
	struct sigaction sa;

	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* SA_NODEFER: a signal is not blocked while its own handler runs,
	 * or a SIGHUP arriving then would go to libmilter's thread */
	sa.sa_flags = SA_RESTART | SA_NODEFER;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL); /* guard re-check (recheck()) */
	signal(SIGPIPE, SIG_IGN);
	return stop_wake_install();
}

/* print_errors - every collected problem, then a summary */
static void
print_errors(const struct errlist *el, const char *what)
{
	const char *p = errlist_str(el), *pfx = log_journal_prefix(LOGL_ERR);
	size_t n;

	/* one journal record per problem, each at error priority */
	for (; *p != '\0'; p += n + (p[n] == '\n')) {
		n = strcspn(p, "\n");
		fprintf(stderr, "%s%.*s\n", pfx, (int)n, p);
	}
	fprintf(stderr, "%sdkimguard: %s: %u problem%s\n", pfx, what, el->count,
	    el->count == 1 ? "" : "s");
	if (!log_is_stderr())
		log_errx("%s: %u problems; first: %.*s", what, el->count,
		    (int)strcspn(errlist_str(el), "\n"), errlist_str(el));
}

/* dns_setup - resolver + cache from the first configuration */
static lookup_dns *
dns_setup(const char *path, struct errlist *el)
{
	struct config *cfg = config_load(path, el);
	struct resolver_conf rc;
	struct dnscache_conf cc;
	lookup_dns *ld = NULL;
	char err[256];
	size_t i;

	if (cfg == NULL)
		return NULL;
	resolver_conf_init(&rc);
	rc.timeout_ms = (unsigned)cfg->dns_timeout;
	rc.retries = (unsigned)cfg->dns_retries;
	for (i = 0; cfg->nameservers[i] != NULL; i++)
		if (resolver_conf_add_ns(&rc, cfg->nameservers[i], err,
			sizeof err) < 0)
			errlist_add(el, "%s:%u: option 'Nameservers': %s", path,
			    cfg->line[OPTID_Nameservers], err);
	dnscache_conf_init(&cc);
	cc.max_entries = (size_t)cfg->dns_cache_size;
	cc.temp_ttl = (uint32_t)cfg->dns_temp_error_cache;
	if (el->count == 0 &&
	    lookup_dns_new(&rc, &cc, &ld, err, sizeof err) < 0)
		errlist_add(el, "DNS: %s", err);
	config_free(cfg);
	return ld;
}

/* drop_privileges - UserID "user[:group]"; 0 when not configured.
 * CHECK (-n): find the user and group and whether a switch is possible,
 * but switch nothing */
static int
drop_privileges(const struct config *cfg, int check, struct errlist *el)
{
	char user[64];
	const char *colon = strchr(cfg->user_id, ':');
	struct passwd *pw;
	struct group *gr;
	gid_t gid;

	if (*cfg->user_id == '\0')
		return 0;
	snprintf(user, sizeof user, "%.*s", (int)strcspn(cfg->user_id, ":"),
	    cfg->user_id);
	if ((pw = getpwnam(user)) == NULL) {
		errlist_add(el, "UserID: no such user '%s'", user);
		return -1;
	}
	gid = pw->pw_gid;
	if (colon != NULL) {
		if ((gr = getgrnam(colon + 1)) == NULL) {
			errlist_add(el, "UserID: no such group '%s'",
			    colon + 1);
			return -1;
		}
		gid = gr->gr_gid;
	}
	if (getuid() != 0 && getuid() == pw->pw_uid)
		return 0;
	if (getuid() != 0) {
		errlist_add(el,
		    "%s:%u: UserID %s: dkimguard runs as uid %lu, "
		    "not root, so it cannot switch; fix: name the user it is "
		    "started as (the systemd unit's User=) or remove UserID",
		    cfg->path, cfg->line[OPTID_UserID], cfg->user_id,
		    (unsigned long)getuid());
		return -1;
	}
	if (check)
		return 0;
	if (initgroups(user, gid) < 0 || setgid(gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		errlist_add(el, "UserID %s: cannot switch: %s", cfg->user_id,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* pid_file_lock - lock the PID file and write our pid (kept open and
 * locked until exit: ctl.h); nothing when PidFile is empty */
static int
pid_file_lock(const char *path, struct errlist *el)
{
	char err[512];
	long holder;

	if (*path == '\0')
		return 0;
	if ((pid_fd = pidfile_lock(path, &holder, err, sizeof err)) < 0) {
		errlist_add(el, "%s", err);
		return -1;
	}
	pid_path = strdup(path);
	return 0;
}

/* report_write - PIDFILE.reloaded := "GEN ok|failed [why]" (temp file +
 * rename, so a reader never sees half a line) */
static void
report_write(unsigned long gen, int ok, const char *why)
{
	char *tmp;
	FILE *fp;

	if (report_path == NULL || asprintf(&tmp, "%s.tmp", report_path) < 0)
		return;
	if ((fp = fopen(tmp, "w")) == NULL) {
		log_warn("reload report %s", tmp);
		free(tmp);
		return;
	}
	fprintf(fp, "%lu %s%s%s\n", gen, ok ? "ok" : "failed", *why ? " " : "",
	    why);
	if (fclose(fp) != 0 || rename(tmp, report_path) < 0) {
		log_warn("reload report %s", report_path);
		unlink(tmp);
	}
	free(tmp);
}

/* report_start - the report's path from PidFile; "0 ok" */
static void
report_start(const char *pid_file)
{
	if (*pid_file == '\0' ||
	    asprintf(&report_path, "%s.reloaded", pid_file) < 0) {
		report_path = NULL;
		return;
	}
	report_write(0, 1, "");
}

/* daemonize - fork; the parent waits for the child's "ready" byte */
static int
daemonize(int *ready_fd)
{
	int p[2];
	char ok = 1;
	pid_t pid;

	if (pipe(p) < 0 || (pid = fork()) < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		if (read(p[0], &ok, 1) != 1)
			ok = 1;
		_exit(ok == 0 ? 0 : 1);
	}
	close(p[0]);
	setsid();
	*ready_fd = p[1];
	return 0;
}

/* ready - tell the waiting parent; detach stdio */
static void
ready(int fd)
{
	char ok = 0;
	int null;

	if (fd < 0)
		return;
	(void)!write(fd, &ok, 1);
	close(fd);
	if ((null = open("/dev/null", O_RDWR)) >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
}

/* reload_observe - new alert and file intervals after a reload */
static void
reload_observe(void)
{
	struct snapshot *s = snapshot_acquire();

	if (s != NULL)
		observe_reload(&s->observe);
	snapshot_release(s);
}

/* hup_waiting - a SIGHUP not yet handled: pending, or in either pipe */
static int
hup_waiting(void)
{
	struct pollfd p[2] = {{reload_pipe[0], POLLIN, 0},
	    {sig_pipe[0], POLLIN, 0}};
	sigset_t set;

	if (sigpending(&set) == 0 && sigismember(&set, SIGHUP))
		return 1;
	return poll(p, 2, 0) > 0 &&
	    ((p[0].revents | p[1].revents) & POLLIN) != 0;
}

/* reload_thread - builds new snapshots; started with signals blocked,
 * so the threads a reload starts (the guard's) block them too */
static void *
reload_thread(void *arg)
{
	const char *path = arg;
	unsigned long gen = 0;
	unsigned char b[64];
	char why[256];
	ssize_t n;
	int ok;

	while ((n = read(reload_pipe[0], b, sizeof b)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || memchr(b, 'q', (size_t)n) != NULL)
			break;
		log_notice("SIGHUP: reloading %s", path);
		gen++;
		if ((ok = snapshot_reload(path, why, sizeof why) == 0)) {
			reload_observe(); /* queued meanwhile: one more */
			ospf_refresh(ospf_default());
		}
		if (!hup_waiting()) /* else the next reload reports */
			report_write(gen, ok, why);
	}
	return NULL;
}

/* milter_thread - libmilter's main loop; wakes main when it returns */
static void *
milter_thread(void *arg)
{
	unsigned char b = 0;

	*(int *)arg = smfi_main();
	(void)!write(sig_pipe[1], &b, 1);
	return NULL;
}

/*
 * print_readiness - -n: DMARC, SPF and PTR of every signing domain from
 * OutboundAddresses (common/readiness/); printed as warnings, they do
 * not change -n's exit status (dkimguard(8)): what they find is fixed
 * in DNS, not in this configuration.
 */
static void
print_readiness(const struct snapshot *s, resolver *res)
{
	unsigned problems;

	if (readiness_config_report(stdout, s->test_cache ? NULL : res, s->kt,
		s->st, s->cfg->outbound_addresses, &problems) < 0)
		fprintf(stderr, "dkimguard: readiness: out of memory\n");
}

/* check_only - -n: load everything, check the socket, print what is
 * wrong; CHECK_READY, CHECK_CONFIG or CHECK_HEALTH.  res: the resolver
 * for the readiness section, NULL: no such section (-R) */
static int
check_only(const char *path, struct errlist *el, resolver *res)
{
	struct snapshot *s = snapshot_build(path, el);
	enum health_status h;
	char *table = NULL;
	long running = 0;
	size_t nkeys;

	if (s == NULL) {
		print_errors(el, path);
		return CHECK_CONFIG;
	}
	if (*s->cfg->pid_file != '\0' &&
	    (running = pidfile_holder(s->cfg->pid_file)) > 0)
		printf("%s: running as pid %ld (PidFile %s)\n", path, running,
		    s->cfg->pid_file);
	if (drop_privileges(s->cfg, 1, el) < 0 ||
	    listen_check(s->cfg, running > 0, el) < 0) {
		print_errors(el, path);
		snapshot_release(s);
		return CHECK_CONFIG;
	}
	nkeys = s->kt != NULL ? s->kt->n : (size_t)0;
	printf("%s: configuration OK: %zu keys\n", path, nkeys);
	if (nkeys == 0 &&
	    strcmp(config_enum_str(s->cfg, OPTID_Mode), "verify") != 0)
		printf("%s: no signing key yet, so mail is only verified; "
		       "next: dkimguard-keytool genkey -d DOMAIN -s SELECTOR, "
		       "publish the record it prints, then add the key to "
		       "KeyTable and SigningTable (dkimguard-keytool(8))\n",
		    path);
	if (s->guard != NULL && guard_table(s->guard, &table) == DKIM_OK)
		fputs(table, stdout);
	free(table);
	table = NULL;
	h = observe_health_print(s, stdout);
	/* after health: the table above stays keytool status's */
	if (s->guard != NULL && guard_fresh_text(s->guard, &table) == DKIM_OK)
		fputs(table, stdout);
	free(table);
	if (res != NULL)
		print_readiness(s, res);
	snapshot_release(s);
	return h == HEALTH_OK ? CHECK_READY : CHECK_HEALTH;
}

/* reload_running - -R: check, then reload the running instance and wait
 * for its verdict; 0 reloaded, 1 not */
static int
reload_running(const char *path, struct errlist *el)
{
	struct config *cfg;
	char why[512];
	int rc;

	if ((rc = check_only(path, el, NULL)) == CHECK_CONFIG) {
		fprintf(stderr,
		    "%sdkimguard: reload not sent: the running "
		    "instance keeps its configuration\n",
		    log_journal_prefix(LOGL_ERR));
		return 1;
	}
	if ((cfg = config_load(path, el)) == NULL)
		return 1;
	rc = ctl_reload(cfg->pid_file, RELOAD_WAIT, why, sizeof why);
	config_free(cfg);
	fprintf(rc == CTL_OK ? stdout : stderr, "%sdkimguard: %s\n",
	    log_journal_prefix(rc == CTL_OK ? LOGL_NOTICE : LOGL_ERR), why);
	return rc == CTL_OK ? 0 : 1;
}

/*
 * recheck - SIGUSR1: the guard checks keys again now.  PIDFILE.recheck
 * (written by dkimguard-keytool recheck) names them, one "DOMAIN
 * [SELECTOR]" or "*" per line; without it, every key.  The file is
 * removed once read: the keytool takes that as the confirmation.
 */
static void
recheck(void)
{
	struct snapshot *s = snapshot_acquire();
	char path[4200], line[600], dom[256], sel[256];
	size_t n = 0;
	FILE *fp = NULL;
	int k;

	if (s == NULL || s->guard == NULL) {
		log_notice("SIGUSR1: no guard: nothing to re-check");
		goto out;
	}
	if (pid_path != NULL) {
		snprintf(path, sizeof path, "%s.recheck", pid_path);
		fp = fopen(path, "r");
	}
	if (fp == NULL)
		n = guard_recheck(s->guard, NULL, NULL);
	while (fp != NULL && fgets(line, sizeof line, fp) != NULL) {
		k = sscanf(line, "%255s %255s", dom, sel);
		if (k >= 1 && strcmp(dom, "*") == 0)
			n += guard_recheck(s->guard, NULL, NULL);
		else if (k >= 1)
			n += guard_recheck(s->guard, dom, k == 2 ? sel : NULL);
	}
	if (fp != NULL) {
		fclose(fp);
		(void)unlink(path);
	}
	log_notice("SIGUSR1: re-checking %zu guard key(s) now", n);
out:
	if (s != NULL)
		snapshot_release(s);
}

/* main_loop - signals until TERM/INT (0) or libmilter stops (-1) */
static int
main_loop(void)
{
	unsigned char b;
	ssize_t n;

	for (;;) {
		n = read(sig_pipe[0], &b, 1);
		if (n < 0 && errno == EAGAIN) {
			fd_set r;
			FD_ZERO(&r);
			FD_SET(sig_pipe[0], &r);
			select(sig_pipe[0] + 1, &r, NULL, NULL, NULL);
			continue;
		}
		if (n <= 0 && errno == EINTR)
			continue;
		if (b == SIGUSR1) {
			recheck();
			continue;
		}
		if (b == SIGHUP) {
			/* hand over at once: main must stay idle, see header */
			(void)!write(reload_pipe[1], "r", 1);
			continue;
		}
		session_stop_accepting();
		if (b == SIGTERM || b == SIGINT) {
			log_notice("signal %d: stopping", b);
			return 0;
		}
		log_errx("libmilter stopped unexpectedly");
		return -1;
	}
}

/* usage - the synopsis, exit 1 */
static void
usage(void)
{
	fprintf(stderr,
	    "usage: dkimguard [-c FILE] [-f] [-n] [-R] [-V]\n"
	    "  -c FILE  configuration (default %s)\n"
	    "  -f       stay in the foreground, log to stderr\n"
	    "  -n       check configuration, keys and socket, print problems,\n"
	    "           exit 0 ready, 1 configuration error, 2 health not ok;\n"
	    "           then each signing domain's DMARC, SPF and PTR\n"
	    "           (warnings: the exit status stays)\n"
	    "  -R       check, then reload the running instance and wait for\n"
	    "           its verdict: exit 0 reloaded, 1 not\n"
	    "  -V       print the version\n",
	    DEFAULT_CONFIG);
	exit(1);
}

/* start - configuration, keys, socket, PID file, privileges; 0 or -1 */
static int
start(const char *path, int check, struct errlist *el, lookup_dns **ld)
{
	struct snapshot_env env;
	struct snapshot *s;
	char err[512];

	if ((*ld = dns_setup(path, el)) == NULL)
		return -1;
	memset(&env, 0, sizeof env);
	env.dns = lookup_dns_iface(*ld);
	env.dns_cache = lookup_dns_cache(*ld);
	env.resolver = lookup_dns_resolver(*ld);
	env.check_only = check;
	snapshot_env_set(&env);
	if ((s = snapshot_build(path, el)) == NULL)
		return -1;
	snapshot_install(s);
	snapshot_apply_logging(s);
	if (!check && ospf_daemon_start(lookup_dns_resolver(*ld)) < 0) {
		errlist_add(el, "cannot start the outbound SPF thread");
		return -1;
	}
	if (smfi_register(session_desc) != MI_SUCCESS) {
		errlist_add(el, "libmilter: smfi_register failed");
		return -1;
	}
	smfi_settimeout((int)s->cfg->milter_timeout);
	if (pid_file_lock(s->cfg->pid_file, el) < 0 ||
	    listen_open(s->cfg, el) < 0 || drop_privileges(s->cfg, 0, el) < 0)
		return -1;
	/* after the privilege drop, with signals blocked (threads inherit) */
	if (observe_start(&s->observe, env.dns_cache, err, sizeof err) < 0) {
		errlist_add(el, "metrics: %s", err);
		return -1;
	}
	report_start(s->cfg->pid_file); /* as UserID: so are reloads */
	log_notice("dkimguard %s started: socket %s, Mode %s%s, %zu keys",
	    DKIMGUARD_VERSION, s->cfg->socket,
	    config_enum_str(s->cfg, OPTID_Mode),
	    s->cfg->dry_run ? ", DryRun" : "",
	    s->kt != NULL ? s->kt->n : (size_t)0);
	return 0;
}

/*
 * check_mode - dkimguard -n (or -R, reload: the running daemon re-reads
 * the configuration and says whether it took it): load as a start would,
 * with DNS, and report; the exit status is dkimguard(8)'s
 */
static int
check_mode(const char *path, int reload, struct errlist *el)
{
	lookup_dns *ld;

	snapshot_env_set(&(struct snapshot_env){.check_only = 1});
	if ((ld = dns_setup(path, el)) == NULL) {
		print_errors(el, path);
		return CHECK_CONFIG;
	}
	snapshot_env_set(&(struct snapshot_env){lookup_dns_iface(ld),
	    lookup_dns_cache(ld), 1, lookup_dns_resolver(ld)});
	return reload ? reload_running(path, el) :
			check_only(path, el, lookup_dns_resolver(ld));
}

/* shut_down - after the milter thread: the reload thread, observability,
 * the SPF worker, then the socket, PID file and reload report go; the
 * guard's state is written last, so that a restart counts GuardGrace
 * from the true last good check, not from the last periodic write */
static void
shut_down(pthread_t reload_tid, lookup_dns *ld)
{
	struct snapshot *s;

	(void)!write(reload_pipe[1], "q", 1);
	pthread_join(reload_tid, NULL);
	observe_stop();
	ospf_daemon_stop();
	s = snapshot_acquire();
	if (s != NULL)
		listen_remove(s->cfg); /* libmilter's own try may lack rights */
	if (s != NULL && *s->cfg->pid_file != '\0')
		unlink(s->cfg->pid_file);
	if (s != NULL && s->guard != NULL)
		(void)guard_state_save(s->guard);
	if (report_path != NULL)
		unlink(report_path);
	snapshot_release(s);
	snapshot_install(NULL);
	lookup_dns_free(ld);
	log_notice("stopped");
}

/* main - flags, start-up, then wait for signals (see the file header) */
int
main(int argc, char **argv)
{
	const char *path = DEFAULT_CONFIG;
	struct errlist el = {0};
	lookup_dns *ld = NULL;
	pthread_t tid, rtid;
	int fg = 0, check = 0, ch, ready_fd = -1, mrc = MI_SUCCESS;

	while ((ch = getopt(argc, argv, "c:fnRVh")) != -1)
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			fg = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'R':
			check = 2;
			break;
		case 'V':
			printf("dkimguard %s\n", DKIMGUARD_VERSION);
			return 0;
		default:
			usage();
		}
	if (optind != argc)
		usage();
	log_open("dkimguard", LOG_MAIL, fg || check);
	signals_mask(SIG_BLOCK); /* every thread started from here */
	if (check)
		return check_mode(path, check == 2, &el);
	if (!fg && daemonize(&ready_fd) < 0) {
		perror("dkimguard: fork");
		return 1;
	}
	if (start(path, 0, &el, &ld) < 0 || signals_install() < 0) {
		print_errors(&el, "start-up failed");
		if (pid_path != NULL) /* ours: we hold its lock */
			unlink(pid_path);
		return 1;
	}
	if (pipe2(reload_pipe, O_CLOEXEC) < 0 ||
	    pthread_create(&rtid, NULL, reload_thread, (void *)path) != 0) {
		log_errx("cannot start the reload thread");
		return 1;
	}
	/* unblock before the milter thread exists: see the file header */
	signals_mask(SIG_UNBLOCK);
	if (pthread_create(&tid, NULL, milter_thread, &mrc) != 0) {
		log_errx("cannot start the milter thread");
		return 1;
	}
	ready(ready_fd);
	if (main_loop() < 0)
		mrc = MI_FAILURE;
	else /* before smfi_stop(): libmilter then serves no session */
		stop_drain(DRAIN_SECONDS);
	stop_milter(tid); /* smfi_stop(), promptly */
	shut_down(rtid, ld);
	return mrc == MI_SUCCESS ? 0 : 1;
}
