/*
 * snapshot.c - build, swap and release configuration snapshots
 * (see snapshot.h).
 */
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "common/guard/keystate.h"
#include "outbound_spf.h"
#include "util/log.h"
#include "snapshot.h"

static pthread_mutex_t snap_lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot *snap_current;
static unsigned long snap_generation;
static struct snapshot_env snap_env;

/* snapshot_env_set - remember the process-wide DNS stack */
void
snapshot_env_set(const struct snapshot_env *env)
{
	snap_env = *env;
}

/* snapshot_free - release everything a snapshot owns */
static void
snapshot_free(struct snapshot *s)
{
	if (s == NULL)
		return;
	guard_free(s->guard);
	guard_psl_free(s->psl);
	dnscache_free(s->test_cache);
	dkim_lookup_file_free(s->testkeys);
	signtable_free(s->st);
	keytable_free(s->kt);
	netlist_free(s->internal);
	netlist_free(s->peers);
	netlist_free(s->ext_ignore);
	free(s->sign_headers);
	free(s->oversign);
	config_free(s->cfg);
	free(s);
	/*
	 * A snapshot is freed once per reload, after its successor was
	 * built beside it.  Much of it was allocated by the guard's
	 * start-up threads, each in its own malloc arena, and glibc gives
	 * an arena's free pages back only from its top: without a trim,
	 * RSS stays at both snapshots' size after every reload.
	 */
	malloc_trim(0);
}

/* header_list - a config LIST as the library wants it; "-": empty */
static const char **
header_list(char **l, int allow_none)
{
	const char **out;
	size_t n = 0, i;

	while (l[n] != NULL)
		n++;
	if (n == 0)
		return NULL;
	if ((out = calloc(n + 1, sizeof *out)) == NULL)
		return NULL;
	if (allow_none && n == 1 && strcmp(l[0], "-") == 0)
		return out;
	for (i = 0; i < n; i++)
		out[i] = l[i];
	return out;
}

/* load_keys - keystate_load_keys, its warnings logged */
static int
load_keys(struct snapshot *s, struct errlist *el)
{
	struct errlist warn = {0};
	int rc = keystate_load_keys(s->kt, s->cfg, el, &warn);

	log_lines(LOGL_WARNING, errlist_str(&warn));
	errlist_free(&warn);
	return rc;
}

/* load_tables - key table, keys, signing table */
static int
load_tables(struct snapshot *s, struct errlist *el)
{
	const struct config *cfg = s->cfg;
	char where[PATH_MAX + 32];

	if (*cfg->key_file != '\0') { /* OpenDKIM's single-key mode */
		if ((s->kt = keytable_single(cfg->selector, cfg->key_file,
			 config_where(cfg, OPTID_KeyFile, where, sizeof where),
			 el)) == NULL ||
		    load_keys(s, el) < 0)
			return -1;
		s->st = signtable_domains(cfg->domain, s->kt, el);
		return s->st == NULL ? -1 : 0;
	}
	if (*cfg->key_table == '\0' && *cfg->signing_table == '\0')
		return 0;
	if (*cfg->key_table == '\0' || *cfg->signing_table == '\0') {
		errlist_add(el,
		    "%s: KeyTable and SigningTable go together; "
		    "set both or neither",
		    cfg->path);
		return -1;
	}
	if ((s->kt = keytable_load(cfg->key_table, el)) == NULL)
		return -1;
	if (load_keys(s, el) < 0)
		return -1;
	if ((s->st = signtable_load(cfg->signing_table, s->kt, el)) == NULL)
		return -1;
	return 0;
}

/* load_lookup - TestKeys file or the process-wide DNS lookup */
static int
load_lookup(struct snapshot *s, struct errlist *el)
{
	char err[256];
	struct dnscache_conf cc;

	if (*s->cfg->test_keys == '\0') {
		s->lookup = snap_env.dns;
		s->verify_cache = snap_env.dns_cache;
		return 0;
	}
	if (dkim_lookup_file_open(s->cfg->test_keys, &s->testkeys, err,
		sizeof err) != DKIM_OK) {
		errlist_add(el, "%s:%u: option 'TestKeys': %s", s->cfg->path,
		    s->cfg->line[OPTID_TestKeys], err);
		return -1;
	}
	s->lookup = dkim_lookup_file_iface(s->testkeys);
	dnscache_conf_init(&cc);
	if (dnscache_new(&cc, s->lookup, &s->test_cache) != DKIM_OK) {
		errlist_add(el, "TestKeys: out of memory");
		return -1;
	}
	s->verify_cache = s->test_cache;
	return 0;
}

/* guard_log - the guard's log lines go through our logger */
static void
guard_log(void *arg, int prio, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	const struct snapshot *s = arg;
	int level = prio <= LOG_ERR ? LOGL_ERR :
	    prio == LOG_WARNING     ? LOGL_WARNING :
	    prio == LOG_NOTICE      ? LOGL_NOTICE :
	    prio == LOG_INFO        ? LOGL_INFO :
				      LOGL_DEBUG;

	/* the snapshot's own LogLevel, also while it is being built */
	if (s != NULL && level > s->cfg->log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (prio <= LOG_ERR)
		log_errx("%s", buf);
	else if (prio == LOG_WARNING)
		log_warnx("%s", buf);
	else if (prio == LOG_NOTICE)
		log_notice("%s", buf);
	else if (prio == LOG_INFO)
		log_info("%s", buf);
	else
		log_debug("%s", buf);
}

/*
 * load_unguarded - Guard no: nothing asks DNS.  SelfVerify checks each
 * new signature against its key's own record (what the guard would ask
 * DNS to publish), parsed here once per key; the alignment warning keeps
 * its public suffix list.
 */
static int
load_unguarded(struct snapshot *s, struct errlist *el)
{
	char err[256], where[300];
	struct keyent *e;
	dkim_rc rc;
	size_t i;

	log_warnx("%s: Guard no: signing without checking that DNS publishes "
		  "the keys; a missing, revoked or wrong key record will not be "
		  "caught, and receivers will fail those signatures",
	    config_where(s->cfg, OPTID_Guard, where, sizeof where));
	if (guard_psl_load(GUARD_PSL_PATH, &s->psl, err, sizeof err) < 0)
		log_warnx("%s", err); /* alignment: parent/child rule */
	for (i = 0; s->cfg->self_verify && i < s->kt->n; i++) {
		e = &s->kt->ent[i];
		if ((rc = dkim_key_own_record(e->key, &e->own_rec)) !=
		    DKIM_OK) {
			errlist_add(el,
			    "%s: key '%s': cannot make its record "
			    "for SelfVerify: %s",
			    e->where, e->name, dkim_rc_str(rc));
			return -1;
		}
	}
	return 0;
}

/* load_guard - one guard entry per key table entry with a fixed domain */
static int
load_guard(struct snapshot *s, struct snapshot *old, struct errlist *el)
{
	struct guard_conf gc;

	if (s->kt == NULL)
		return 0;
	if (!s->cfg->guard)
		return load_unguarded(s, el);
	guard_conf_init(&gc);
	gc.cache = s->test_cache != NULL ? s->test_cache : snap_env.dns_cache;
	gc.grace = (unsigned)s->cfg->guard_grace;
	gc.dry_run = s->cfg->dry_run;
	gc.max_age = (unsigned)s->cfg->guard_max_age;
	gc.query_rate = (unsigned)s->cfg->guard_query_rate;
	gc.auth_port = (unsigned)s->cfg->guard_auth_port;
	if (s->test_cache == NULL && gc.max_age > 0) /* not with TestKeys */
		gc.auth_res = snap_env.resolver;
	gc.log = guard_log;
	gc.log_arg = s;
	gc.state_file = s->cfg->guard_state_file;
	gc.state_every = (unsigned)s->cfg->guard_state_interval;
	if (gc.cache == NULL || guard_new(&gc, &s->guard) != DKIM_OK) {
		errlist_add(el, "guard: cannot start (no DNS cache)");
		return -1;
	}
	if (keystate_add(s->guard, s->kt, s->st,
		(guard_action)s->cfg->guard_action, el) < 0)
		return -1;
	guard_inherit(s->guard, old != NULL ? old->guard : NULL);
	/* the last checks on disk: for every key at start-up, for keys
	 * new to this guard on reload, and for '%' keys on first use */
	(void)guard_load_state(s->guard);
	/* -n prints every key's state; the daemon checks within the
	 * query budget and leaves the rest to the refresher */
	if (snap_env.check_only)
		guard_check_all(s->guard);
	else
		guard_check_start(s->guard);
	if (!snap_env.check_only && guard_start(s->guard) < 0) {
		errlist_add(el, "guard: cannot start the refresher thread");
		return -1;
	}
	return 0;
}

/* fill_observe - the observability options; MetricsListen checked */
static int
fill_observe(struct snapshot *s, struct errlist *el)
{
	struct config *cfg = s->cfg;
	char err[512], where[300];

	observe_conf_init(&s->observe);
	s->observe.listen = cfg->metrics_listen;
	s->observe.file = cfg->metrics_file;
	s->observe.file_interval = (unsigned)cfg->metrics_file_interval;
	s->observe.alert_interval = (unsigned)cfg->unsigned_alert_interval;
	if (observe_conf_check(&s->observe, err, sizeof err) == 0)
		return 0;
	errlist_add(el, "%s: option 'MetricsListen': %s",
	    config_where(cfg, OPTID_MetricsListen, where, sizeof where), err);
	return -1;
}

/* fill_derived - values computed once from the configuration */
static int
fill_derived(struct snapshot *s, struct errlist *el)
{
	struct config *cfg = s->cfg;
	char err[512], where[300];

	if ((s->internal = netlist_new(cfg->internal_hosts)) == NULL ||
	    (s->peers = netlist_new(cfg->peer_list)) == NULL ||
	    (s->ext_ignore = netlist_new(cfg->external_ignore)) == NULL) {
		errlist_add(el, "InternalHosts: out of memory");
		return -1;
	}
	s->policy.mode = cfg->mode;
	s->policy.internal = s->internal;
	s->policy.peers = s->peers;
	s->policy.ext_ignore = s->ext_ignore;
	s->policy.submission = cfg->submission_services;
	dkim_options_init(&s->dopt);
	s->dopt.max_signatures = (unsigned)cfg->max_verify_signatures;
	s->dopt.allow_sha1 = cfg->allow_sha1;
	s->dopt.min_rsa_bits = (unsigned)cfg->min_key_bits;
	if (*cfg->authserv_id != '\0')
		snprintf(s->authserv_id, sizeof s->authserv_id, "%s",
		    cfg->authserv_id);
	else if (gethostname(s->authserv_id, sizeof s->authserv_id) < 0)
		strcpy(s->authserv_id, "localhost");
	s->sign_flags = (cfg->sub_domains ? SIGNTABLE_SUBDOMAINS : 0) |
	    (cfg->multiple_signatures ? SIGNTABLE_MULTIPLE : 0);
	if (ospf_addrs_check(cfg->outbound_addresses, err, sizeof err) < 0) {
		errlist_add(el, "%s: option 'OutboundAddresses': %s",
		    config_where(cfg, OPTID_OutboundAddresses, where,
			sizeof where),
		    err);
		return -1;
	}
	s->sign_headers = header_list(cfg->sign_headers, 0);
	s->oversign = header_list(cfg->oversign_headers, 1);
	return fill_observe(s, el);
}

/* snapshot_build - configuration, tables, keys, lookup, guard */
struct snapshot *
snapshot_build(const char *path, struct errlist *el)
{
	struct snapshot *s, *old;
	int rc;

	if ((s = calloc(1, sizeof *s)) == NULL) {
		errlist_add(el, "out of memory");
		return NULL;
	}
	atomic_init(&s->refs, 1);
	if ((s->cfg = config_load(path, el)) != NULL)
		log_lines(LOGL_WARNING, errlist_str(&s->cfg->warn));
	if (s->cfg == NULL || fill_derived(s, el) < 0 ||
	    load_tables(s, el) < 0 || load_lookup(s, el) < 0) {
		snapshot_free(s);
		return NULL;
	}
	old = snapshot_acquire();
	rc = load_guard(s, old, el);
	snapshot_release(old);
	if (rc < 0) {
		snapshot_free(s);
		return NULL;
	}
	pthread_mutex_lock(&snap_lock);
	s->generation = ++snap_generation;
	pthread_mutex_unlock(&snap_lock);
	return s;
}

/* snapshot_install - swap the current pointer */
void
snapshot_install(struct snapshot *s)
{
	struct snapshot *old;

	pthread_mutex_lock(&snap_lock);
	old = snap_current;
	snap_current = s;
	pthread_mutex_unlock(&snap_lock);
	snapshot_release(old);
}

/* snapshot_acquire - take a reference under the lock (no ABA race) */
struct snapshot *
snapshot_acquire(void)
{
	struct snapshot *s;

	pthread_mutex_lock(&snap_lock);
	s = snap_current;
	if (s != NULL)
		atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&snap_lock);
	return s;
}

/* snapshot_release - NULL is a no-op */
void
snapshot_release(struct snapshot *s)
{
	if (s != NULL && atomic_fetch_sub(&s->refs, 1) == 1)
		snapshot_free(s);
}

/* snapshot_apply_logging - the snapshot's LogLevel and facility */
void
snapshot_apply_logging(const struct snapshot *s)
{
	log_set_level(s->cfg->log_level);
	log_set_facility(s->cfg->syslog_facility);
}

/* refusal - one line for the reload report: count and first problem */
static void
refusal(const struct errlist *el, char *why, size_t len)
{
	const char *first = errlist_str(el);
	char *p;

	snprintf(why, len, "%u problem%s: %.*s", el->count,
	    el->count == 1 ? "" : "s", (int)strcspn(first, "\n"), first);
	for (p = why; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
}

/* snapshot_reload - SIGHUP: build and swap, or keep the old one */
int
snapshot_reload(const char *path, char *why, size_t len)
{
	struct errlist el = {0};
	struct snapshot *s = snapshot_build(path, &el);

	if (s == NULL) {
		log_lines(LOGL_ERR, errlist_str(&el));
		log_errx("reload of %s refused (%u problems); the previous "
			 "configuration stays in force",
		    path, el.count);
		refusal(&el, why, len);
		errlist_free(&el);
		return -1;
	}
	*why = '\0';
	snapshot_apply_logging(s);
	log_notice("reloaded %s: %zu keys, generation %lu", path,
	    s->kt != NULL ? s->kt->n : 0, s->generation);
	snapshot_install(s);
	errlist_free(&el);
	return 0;
}
