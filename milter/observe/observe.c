/*
 * observe.c - counters, alert, listener and metrics file wired to the
 * daemon's snapshot and guard (see observe.h).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "httpd.h"
#include "util/log.h"
#include "observe.h"
#include "sendcheck.h"
#include "milter/snapshot.h"
#include "util/textfile.h"

#define ALERT_TICK 5 /* seconds between alert_flush calls */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct metrics *m;
	struct alert *alert;
	struct sendcheck *sc;
	struct httpd *httpd;
	dnscache *dns;
	char *listen, *file;
	unsigned file_interval;
	struct textfile tf;
	pthread_t thread;
	int running, stop;
} obs = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

/* observe_metrics - NULL when off */
struct metrics *
observe_metrics(void)
{
	return obs.m;
}

/* observe_alert - NULL before start */
struct alert *
observe_alert(void)
{
	return obs.alert;
}

/* observe_sendcheck - NULL before start */
struct sendcheck *
observe_sendcheck(void)
{
	return obs.sc;
}

/* key_infos - a copy of every guard entry of s; *n = 0 without guard */
static struct guard_info *
key_infos(struct snapshot *s, size_t *n)
{
	struct guard_info *k;
	size_t i;

	*n = s != NULL && s->guard != NULL ? guard_entries(s->guard) : 0;
	if (*n == 0 || (k = calloc(*n, sizeof *k)) == NULL) {
		*n = 0;
		return NULL;
	}
	for (i = 0; i < *n; i++)
		guard_entry_info(guard_entry_at(s->guard, i), &k[i]);
	return k;
}

/* key_ttls - the record TTL of each key, as metrics_view wants it */
static uint32_t *
key_ttls(const struct guard_info *k, size_t n)
{
	uint32_t *ttl;
	size_t i;

	if (n == 0 || (ttl = calloc(n, sizeof *ttl)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		ttl[i] = k[i].ttl;
	return ttl;
}

/* eval - health of s from its keys */
static void
eval(struct snapshot *s, const struct guard_info *k, size_t n,
    struct health_report *r)
{
	struct health_input in;
	char problem[1536];

	memset(&in, 0, sizeof in);
	if (sendcheck_problem(obs.sc, time(NULL), problem, sizeof problem))
		in.outbound = problem;
	in.configured = s != NULL;
	in.keys = k;
	in.nkeys = n;
	in.grace = s != NULL ? (unsigned)s->cfg->guard_grace : 0;
	in.now = time(NULL);
	health_eval(&in, r);
}

/* observe_render - one scrape of the current snapshot */
int
observe_render(struct strbuf *out)
{
	struct snapshot *s = snapshot_acquire();
	struct metrics_view v;
	struct health_report r;
	struct dnscache_stats st;
	struct guard_fresh fresh;
	dnscache *dc;
	int rc;

	memset(&v, 0, sizeof v);
	v.keys = key_infos(s, &v.nkeys);
	v.key_ttl = key_ttls(v.keys, v.nkeys);
	eval(s, v.keys, v.nkeys, &r);
	v.health = (int)r.status;
	v.generation = s != NULL ? s->generation : 0;
	if (s != NULL && s->guard != NULL) {
		guard_freshness(s->guard, &fresh);
		v.fresh = &fresh;
	}
	dc = s != NULL && s->test_cache != NULL ? s->test_cache : obs.dns;
	if (dc != NULL) {
		dnscache_stats(dc, &st);
		v.dns = &st;
	}
	if ((v.out = calloc(SENDCHECK_MAX_DOMAINS + 1,
		 sizeof(struct sendcheck_row))) != NULL)
		v.nout = sendcheck_rows(obs.sc, (struct sendcheck_row *)v.out,
		    SENDCHECK_MAX_DOMAINS + 1);
	if ((v.out_from = calloc(SENDCHECK_MAX_DOMAINS + 1,
		 sizeof(struct sendcheck_row))) != NULL)
		v.nout_from = sendcheck_from_rows(obs.sc,
		    (struct sendcheck_row *)v.out_from,
		    SENDCHECK_MAX_DOMAINS + 1);
	rc = metrics_render(obs.m, &v, out);
	free((void *)v.out_from);
	free((void *)v.out);
	health_report_free(&r);
	free((void *)v.key_ttl);
	free((void *)v.keys);
	snapshot_release(s);
	return rc;
}

/* observe_health - status and reasons of s (NULL: the current one) */
enum health_status
observe_health(struct snapshot *s, struct strbuf *out)
{
	struct snapshot *cur = s != NULL ? s : snapshot_acquire();
	struct health_report r;
	struct guard_info *k;
	enum health_status st;
	size_t n, i;

	k = key_infos(cur, &n);
	eval(cur, k, n, &r);
	health_text(&r, out);
	/* a field, not a reason: the key still works, only its window is
	 * the record's TTL instead of GuardMaxAge */
	for (i = 0; k != NULL && i < n; i++)
		if (k[i].via == GUARD_VIA_FALLBACK)
			strbuf_printf(out,
			    "freshness: resolver fallback: key %s/%s: %s\n",
			    k[i].domain, k[i].selector, k[i].via_why);
	st = r.status;
	health_report_free(&r);
	free(k);
	if (s == NULL)
		snapshot_release(cur);
	return st;
}

/* observe_health_print - for dkimguard -n */
enum health_status
observe_health_print(struct snapshot *s, FILE *fp)
{
	struct strbuf b = {0};
	enum health_status st = observe_health(s, &b);

	fprintf(fp, "health: %s", b.p != NULL ? b.p : "unknown\n");
	strbuf_free(&b);
	return st;
}

/* http_metrics, http_health - the listener's two sources */
static int
http_metrics(void *arg, struct strbuf *out)
{
	return observe_render(out);
}

static int
http_health(void *arg, struct strbuf *out)
{
	return observe_health(NULL, out) == HEALTH_FAILING ? 503 : 200;
}

/* write_file - render and replace MetricsFile */
static void
write_file(void)
{
	struct strbuf b = {0};

	if (observe_render(&b) == 0)
		textfile_update(&obs.tf, b.p, b.len);
	else
		log_warnx("MetricsFile: out of memory rendering metrics");
	strbuf_free(&b);
}

/* obs_thread - the metrics file and pending alerts, until stopped */
static void *
obs_thread(void *arg)
{
	struct timespec ts;
	time_t next_file = 0, t, wait;

	pthread_mutex_lock(&obs.lock);
	while (!obs.stop) {
		t = time(NULL);
		if (*obs.file != '\0' && t >= next_file) {
			pthread_mutex_unlock(&obs.lock);
			write_file();
			pthread_mutex_lock(&obs.lock);
			next_file = t + (time_t)obs.file_interval;
		}
		pthread_mutex_unlock(&obs.lock);
		alert_flush(obs.alert);
		alert_flush(sendcheck_alert(obs.sc));
		alert_flush(sendcheck_outlook_alert(obs.sc));
		pthread_mutex_lock(&obs.lock);
		wait = ALERT_TICK;
		if (*obs.file != '\0' && next_file - t < wait)
			wait = next_file - t > 1 ? next_file - t : 1;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += wait;
		if (!obs.stop)
			pthread_cond_timedwait(&obs.wake, &obs.lock, &ts);
	}
	pthread_mutex_unlock(&obs.lock);
	return NULL;
}

/* start_listener - MetricsListen, when set */
static int
start_listener(const struct observe_conf *mc, char *err, size_t errlen)
{
	struct httpd_conf hc;

	if (*mc->listen == '\0')
		return 0;
	httpd_conf_init(&hc);
	hc.listen = mc->listen;
	hc.metrics = http_metrics;
	hc.health = http_health;
	hc.counters = obs.m;
	if (httpd_start(&hc, &obs.httpd, err, errlen) < 0)
		return -1;
	log_notice("metrics listener on %s (/metrics, /healthz)", mc->listen);
	return 0;
}

/* observe_start - everything the configuration asks for */
int
observe_start(const struct observe_conf *mc, dnscache *dns, char *err,
    size_t errlen)
{
	struct alert_conf ac;

	if (observe_conf_check(mc, err, errlen) < 0)
		return -1;
	obs.dns = dns;
	obs.listen = strdup(mc->listen);
	obs.file = strdup(mc->file);
	obs.file_interval = mc->file_interval ? mc->file_interval : 15;
	if (obs.listen == NULL || obs.file == NULL ||
	    ((*mc->listen || *mc->file) && (obs.m = metrics_new()) == NULL))
		goto nomem;
	alert_conf_init(&ac);
	ac.interval = mc->alert_interval;
	ac.metrics = obs.m;
	if ((obs.alert = alert_new(&ac)) == NULL ||
	    (obs.sc = sendcheck_new(&ac)) == NULL)
		goto nomem;
	textfile_init(&obs.tf, obs.file);
	if (start_listener(mc, err, errlen) < 0)
		goto fail;
	obs.stop = 0;
	if (pthread_create(&obs.thread, NULL, obs_thread, NULL) != 0) {
		snprintf(err, errlen, "cannot start the metrics thread");
		goto fail;
	}
	obs.running = 1;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	observe_stop();
	return -1;
}

/* observe_reload - intervals now; listener and file at restart */
void
observe_reload(const struct observe_conf *mc)
{
	if (obs.alert == NULL)
		return;
	alert_set_interval(obs.alert, mc->alert_interval);
	alert_set_interval(sendcheck_alert(obs.sc), mc->alert_interval);
	alert_set_interval(sendcheck_outlook_alert(obs.sc), mc->alert_interval);
	pthread_mutex_lock(&obs.lock);
	obs.file_interval = mc->file_interval ? mc->file_interval : 15;
	pthread_cond_signal(&obs.wake);
	pthread_mutex_unlock(&obs.lock);
	if (strcmp(mc->listen, obs.listen) != 0 ||
	    strcmp(mc->file, obs.file) != 0)
		log_notice("MetricsListen and MetricsFile changes take effect "
			   "at the next restart");
}

/* observe_stop - thread, listener, alert, counters */
void
observe_stop(void)
{
	if (obs.running) {
		pthread_mutex_lock(&obs.lock);
		obs.stop = 1;
		pthread_cond_signal(&obs.wake);
		pthread_mutex_unlock(&obs.lock);
		pthread_join(obs.thread, NULL);
		obs.running = 0;
	}
	httpd_stop(obs.httpd);
	obs.httpd = NULL;
	alert_flush(obs.alert);
	alert_free(obs.alert);
	obs.alert = NULL;
	alert_flush(sendcheck_alert(obs.sc));
	alert_flush(sendcheck_outlook_alert(obs.sc));
	sendcheck_free(obs.sc);
	obs.sc = NULL;
	metrics_free(obs.m);
	obs.m = NULL;
	free(obs.listen);
	free(obs.file);
	obs.listen = obs.file = NULL;
}
