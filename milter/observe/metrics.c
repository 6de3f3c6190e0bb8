/*
 * metrics.c - the counter registry built from metrics.def and the
 * Prometheus text exposition (format 0.0.4) of it (see metrics.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config/config.h"
#include "milter/decide.h"
#include "health.h"
#include "metrics.h"
#include "sendcheck.h"

const struct metric_def metric_defs[MF__COUNT] = {
#define METRIC(id, name, type, scope, labels, help)                            \
	{name, MT_##type, MS_##scope, labels, help},
#define SERIES(family, id, value)
#include "metrics.def"
#undef METRIC
#undef SERIES
};

const struct metric_series metric_series[MET__COUNT] = {
#define METRIC(id, name, type, scope, labels, help)
#define SERIES(family, id, value) {MF_##family, value},
#include "metrics.def"
#undef METRIC
#undef SERIES
};

/* metric_label - GLOBAL families have at most one label */
const char *
metric_label(enum metric_family f)
{
	return metric_defs[f].labels;
}

/* metrics_new - counters at zero */
struct metrics *
metrics_new(void)
{
	struct metrics *m = calloc(1, sizeof *m);
	size_t i;

	if (m == NULL)
		return NULL;
	for (i = 0; i < MET__COUNT; i++)
		atomic_init(&m->slot[i], 0);
	m->start = time(NULL);
	return m;
}

/* metrics_free - NULL is a no-op */
void
metrics_free(struct metrics *m)
{
	free(m);
}

/* metrics_get - one series, relaxed read */
unsigned long
metrics_get(const struct metrics *m, enum metric_id id)
{
	if (m == NULL || (unsigned)id >= MET__COUNT)
		return 0;
	return atomic_load_explicit(&((struct metrics *)m)->slot[id],
	    memory_order_relaxed);
}

/* metrics_count_decision - dkimguard_messages_total{decision} */
void
metrics_count_decision(struct metrics *m, int decision)
{
	metrics_inc(m,
	    decision == DECIDE_SIGN       ? MET_MESSAGES_SIGN :
		decision == DECIDE_VERIFY ? MET_MESSAGES_VERIFY :
					    MET_MESSAGES_SKIP);
}

/* metrics_count_verdict - dkimguard_verify_signatures_total{verdict} */
void
metrics_count_verdict(struct metrics *m, dkim_verdict v)
{
	switch (v) {
	case DKIM_PASS:
		metrics_inc(m, MET_VSIG_PASS);
		break;
	case DKIM_FAIL:
		metrics_inc(m, MET_VSIG_FAIL);
		break;
	case DKIM_NEUTRAL:
		metrics_inc(m, MET_VSIG_NEUTRAL);
		break;
	case DKIM_POLICY:
		metrics_inc(m, MET_VSIG_POLICY);
		break;
	case DKIM_TEMPERROR:
		metrics_inc(m, MET_VSIG_TEMPERROR);
		break;
	case DKIM_PERMERROR:
		metrics_inc(m, MET_VSIG_PERMERROR);
		break;
	default:
		break;
	}
}

/* metrics_count_overall - dkimguard_verify_messages_total{result} */
void
metrics_count_overall(struct metrics *m, dkim_verdict v)
{
	metrics_inc(m,
	    v == DKIM_PASS          ? MET_VMSG_PASS :
		v == DKIM_TEMPERROR ? MET_VMSG_TEMPERROR :
		v == DKIM_NONE      ? MET_VMSG_NONE :
				      MET_VMSG_FAIL);
}

/* metrics_count_action - dkimguard_actions_total{action}; accept: none */
void
metrics_count_action(struct metrics *m, int action)
{
	if (action == ACTION_REJECT)
		metrics_inc(m, MET_ACTIONS_REJECT);
	else if (action == ACTION_TEMPFAIL)
		metrics_inc(m, MET_ACTIONS_TEMPFAIL);
	else if (action == ACTION_QUARANTINE)
		metrics_inc(m, MET_ACTIONS_QUARANTINE);
}

/* put_label_value - text format escaping: \\, \", \n */
static void
put_label_value(struct strbuf *o, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			strbuf_printf(o, "\\%c", *s);
		else if (*s == '\n')
			strbuf_printf(o, "\\n");
		else
			strbuf_printf(o, "%c", *s);
	}
}

/* put_header - # HELP and # TYPE of one family */
static void
put_header(struct strbuf *o, const struct metric_def *d)
{
	strbuf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", d->name, d->help,
	    d->name, d->type == MT_COUNTER ? "counter" : "gauge");
}

/* render_global - every series of one GLOBAL family */
static void
render_global(struct strbuf *o, const struct metrics *m, enum metric_family f)
{
	const char *name = metric_defs[f].name;
	size_t i;

	put_header(o, &metric_defs[f]);
	for (i = 0; i < MET__COUNT; i++) {
		if (metric_series[i].family != f)
			continue;
		if (metric_series[i].value == NULL)
			strbuf_printf(o, "%s", name);
		else {
			strbuf_printf(o, "%s{%s=\"", name, metric_label(f));
			put_label_value(o, metric_series[i].value);
			strbuf_printf(o, "\"}");
		}
		strbuf_printf(o, " %lu\n", metrics_get(m, (enum metric_id)i));
	}
}

/* put_key_labels - name{domain="..",selector=".." (no closing brace) */
static void
put_key_labels(struct strbuf *o, const char *name, const struct guard_info *k)
{
	strbuf_printf(o, "%s{domain=\"", name);
	put_label_value(o, k->domain);
	strbuf_printf(o, "\",selector=\"");
	put_label_value(o, k->selector);
	strbuf_printf(o, "\"");
}

/* key_value - the value of a KEY family for one key; -1: no sample */
static long long
key_value(const struct metrics_view *v, size_t i, enum metric_family f)
{
	const struct guard_info *k = &v->keys[i];

	switch (f) {
	case MF_KEY_SIGNED:
		return (long long)k->count[GUARD_CNT_SIGNED];
	case MF_KEY_HELD:
		return (long long)k->count[GUARD_CNT_HELD];
	case MF_KEY_UNSIGNED:
		return (long long)k->count[GUARD_CNT_UNSIGNED];
	case MF_KEY_TEMPFAILED:
		return (long long)k->count[GUARD_CNT_TEMPFAILED];
	case MF_KEY_CHECKED:
		return (long long)k->checked;
	case MF_KEY_LAST_GOOD:
		return (long long)k->last_good;
	case MF_KEY_SINCE:
		return (long long)k->since;
	case MF_KEY_TTL:
		return v->key_ttl != NULL && k->checked != 0 ?
		    (long long)v->key_ttl[i] :
		    -1;
	default:
		return -1;
	}
}

/* render_key_state - the enum idiom: one series per state, 1 or 0 */
static void
render_key_state(struct strbuf *o, const char *name, const struct guard_info *k)
{
	int s;

	for (s = GUARD_UNCHECKED; s <= GUARD_TEMPERROR; s++) {
		put_key_labels(o, name, k);
		strbuf_printf(o, ",state=\"%s\"} %d\n",
		    guard_state_str((guard_state)s), (int)k->state == s);
	}
}

/* render_key - one KEY family over every key of the view */
static void
render_key(struct strbuf *o, const struct metrics_view *v, enum metric_family f)
{
	const char *name = metric_defs[f].name;
	long long val;
	size_t i;
	int head = 0;

	for (i = 0; v != NULL && i < v->nkeys; i++) {
		val = f == MF_KEY_STATE ? 0 : key_value(v, i, f);
		if (val < 0)
			continue;
		if (!head++)
			put_header(o, &metric_defs[f]);
		if (f == MF_KEY_STATE) {
			render_key_state(o, name, &v->keys[i]);
			continue;
		}
		put_key_labels(o, name, &v->keys[i]);
		strbuf_printf(o, "} %lld\n", val);
	}
}

/* proc_value - a PROC family's value; 0 with *ok = 0: not available */
static unsigned long long
proc_value(const struct metrics *m, const struct metrics_view *v,
    enum metric_family f, int *ok)
{
	const struct dnscache_stats *d = v != NULL ? v->dns : NULL;

	*ok = 1;
	switch (f) {
	case MF_START_TIME:
		return m != NULL ? (unsigned long long)m->start : 0;
	default:
		break;
	}
	*ok = v != NULL &&
	    (f == MF_GENERATION || f == MF_HEALTH || f == MF_GUARD_WINDOW ||
		f == MF_GUARD_FALLBACK || d != NULL);
	if (!*ok)
		return 0;
	switch (f) {
	case MF_GENERATION:
		return v->generation;
	case MF_HEALTH:
		return (unsigned long long)v->health;
	case MF_DNS_HITS:
		return d->hits;
	case MF_DNS_MISSES:
		return d->misses;
	case MF_DNS_QUERIES:
		return d->queries;
	case MF_DNS_ENTRIES:
		return d->entries;
	case MF_GUARD_WINDOW:
		*ok = v->fresh != NULL && v->fresh->window > 0;
		return *ok ? v->fresh->window : 0;
	case MF_GUARD_FALLBACK:
		*ok = v->fresh != NULL && v->fresh->window > 0;
		return *ok ? v->fresh->via_fallback : 0;
	default:
		*ok = 0;
		return 0;
	}
}

/* render_proc - one PROC family, when its value is known */
static void
render_proc(struct strbuf *o, const struct metrics *m,
    const struct metrics_view *v, enum metric_family f)
{
	unsigned long long val;
	int ok;

	val = proc_value(m, v, f, &ok);
	if (!ok)
		return;
	put_header(o, &metric_defs[f]);
	strbuf_printf(o, "%s %llu\n", metric_defs[f].name, val);
}

/* domain_count - a row's count j of DOMAIN family f, and its label */
static unsigned long
domain_count(enum metric_family f, const struct sendcheck_row *r, size_t j,
    const char **word)
{
	switch (f) {
	case MF_OUT_ALIGN:
		*word = guard_alignment_str((enum guard_alignment)j);
		return r->align[j];
	case MF_OUT_OUTLOOK:
		*word = dmarc_why_str((enum dmarc_why)j);
		return r->outlook[j];
	default:
		*word = sendcheck_spf_word((enum sendcheck_spf)j);
		return r->spf[j];
	}
}

/* render_domain - one DOMAIN family: a series per domain and result
 * seen (a zero count is left out, so the series stay few) */
static void
render_domain(struct strbuf *o, const struct metrics_view *v,
    enum metric_family f)
{
	const char *name = metric_defs[f].name, *word;
	const struct sendcheck_row *rows = NULL;
	unsigned long val;
	size_t i, j, n, nrows = 0;

	put_header(o, &metric_defs[f]);
	n = f == MF_OUT_ALIGN   ? SC_ALIGN__COUNT :
	    f == MF_OUT_OUTLOOK ? DMARC_WHY__COUNT :
				  SC_SPF__COUNT;
	if (v != NULL) {
		rows = f == MF_OUT_OUTLOOK ? v->out_from : v->out;
		nrows = f == MF_OUT_OUTLOOK ? v->nout_from : v->nout;
	}
	for (i = 0; i < nrows; i++) {
		for (j = 0; j < n; j++) {
			val = domain_count(f, &rows[i], j, &word);
			if (val == 0)
				continue;
			strbuf_printf(o, "%s{domain=\"", name);
			put_label_value(o, rows[i].domain);
			strbuf_printf(o, "\",result=\"%s\"} %lu\n", word, val);
		}
	}
}

/* metrics_render - every family in table order */
int
metrics_render(const struct metrics *m, const struct metrics_view *v,
    struct strbuf *out)
{
	int f;

	for (f = 0; f < MF__COUNT; f++) {
		switch (metric_defs[f].scope) {
		case MS_GLOBAL:
			render_global(out, m, (enum metric_family)f);
			break;
		case MS_KEY:
			render_key(out, v, (enum metric_family)f);
			break;
		case MS_DOMAIN:
			render_domain(out, v, (enum metric_family)f);
			break;
		case MS_PROC:
			render_proc(out, m, v, (enum metric_family)f);
			break;
		}
	}
	if (out->p == NULL && !out->oom)
		strbuf_printf(out, "%s", "");
	return out->oom ? -1 : 0;
}
