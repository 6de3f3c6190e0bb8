/*
 * metrics.h - dkimguard's counters and their Prometheus text exposition.
 *
 * SYNOPSIS
 *	struct metrics *m = metrics_new();          once, at start-up
 *	metrics_inc(m, MET_MESSAGES_SIGN);          any thread, lock-free
 *	metrics_count_verdict(m, res.verdict);
 *	struct metrics_view v = { keys, nkeys, ... };   at scrape time
 *	metrics_render(m, &v, &buf);  ... buf.p ...  strbuf_free(&buf);
 *	metrics_free(m);
 *
 * DESCRIPTION
 *	Every metric is one row of metrics.def (name, type, scope, labels,
 *	help); the exposition, the man page test and this header all come
 *	from that table.  GLOBAL counters are C11 atomics incremented with
 *	relaxed ordering: no lock on the message path.  Per-key series
 *	(domain, selector) are not duplicated here: the published-key guard
 *	keeps each key's counters and state (guard.h), and the scraper copies
 *	them into a metrics_view (guard_entry_info) once per scrape.  PROC
 *	values (health, DNS cache, start time) also come through the view.
 *
 *	Ownership: metrics_new/metrics_free; render output is the caller's
 *	strbuf (util/strbuf.h; strbuf_free).  metrics_* with m == NULL are no-ops (metrics off).
 */
#ifndef DKIMGUARD_METRICS_H
#define DKIMGUARD_METRICS_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dkim.h"
#include "common/dns/dnscache.h"
#include "common/guard/guard.h"
#include "util/strbuf.h"

enum metric_family {
#define METRIC(id, name, type, scope, labels, help) MF_##id,
#define SERIES(family, id, value)
#include "metrics.def"
#undef METRIC
#undef SERIES
	MF__COUNT
};

enum metric_id {
#define METRIC(id, name, type, scope, labels, help)
#define SERIES(family, id, value) MET_##family##_##id,
#include "metrics.def"
#undef METRIC
#undef SERIES
	MET__COUNT
};

enum metric_type {
	MT_COUNTER,
	MT_GAUGE
};
enum metric_scope {
	MS_GLOBAL,
	MS_KEY,
	MS_DOMAIN,
	MS_PROC
};

/* metric_def - one METRIC row at run time */
struct metric_def {
	const char *name;
	enum metric_type type;
	enum metric_scope scope;
	const char *labels;
	const char *help;
};

/* metric_series - one SERIES row: its family and label value */
struct metric_series {
	enum metric_family family;
	const char *value; /* NULL: no label */
};

extern const struct metric_def metric_defs[MF__COUNT];
extern const struct metric_series metric_series[MET__COUNT];

/* metric_label - the label name of a GLOBAL family ("" for none) */
const char *metric_label(enum metric_family f);

struct metrics {
	_Atomic unsigned long slot[MET__COUNT];
	time_t start;
};

/* metrics_new - zeroed counters, start time now; NULL on ENOMEM */
struct metrics *metrics_new(void);
/* metrics_free - NULL is a no-op */
void metrics_free(struct metrics *m);

/* metrics_add - add n to one GLOBAL series; m NULL: no-op */
static inline void
metrics_add(struct metrics *m, enum metric_id id, unsigned long n)
{
	if (m != NULL && (unsigned)id < MET__COUNT)
		atomic_fetch_add_explicit(&m->slot[id], n,
		    memory_order_relaxed);
}

/* metrics_inc - add one */
static inline void
metrics_inc(struct metrics *m, enum metric_id id)
{
	metrics_add(m, id, 1);
}

/* metrics_get - current value of one series (0 for m NULL) */
unsigned long metrics_get(const struct metrics *m, enum metric_id id);

/* metrics_count_decision - DECIDE_SKIP/SIGN/VERIFY (decide.h) */
void metrics_count_decision(struct metrics *m, int decision);
/* metrics_count_verdict - one verified signature (DKIM_NONE ignored) */
void metrics_count_verdict(struct metrics *m, dkim_verdict v);
/* metrics_count_overall - one verified message, verifying_overall() */
void metrics_count_overall(struct metrics *m, dkim_verdict v);
/* metrics_count_action - ACTION_REJECT/TEMPFAIL/QUARANTINE (config.h) */
void metrics_count_action(struct metrics *m, int action);

struct sendcheck_row;

/* metrics_view - what a scrape reads besides the GLOBAL counters */
struct metrics_view {
	const struct guard_info *keys; /* one per guard entry */
	const uint32_t *key_ttl;       /* parallel to keys; NULL: unknown */
	size_t nkeys;
	int health;                       /* HEALTH_OK/DEGRADED/FAILING */
	unsigned long generation;         /* snapshot generation, 0: none */
	const struct dnscache_stats *dns; /* NULL: omitted */
	const struct sendcheck_row *out;  /* DOMAIN families (sendcheck.h) */
	size_t nout;
	const struct guard_fresh *fresh;      /* NULL or window 0: omitted */
	const struct sendcheck_row *out_from; /* OUT_OUTLOOK: From: domains */
	size_t nout_from;
};

/*
 * metrics_render - the whole exposition (text format 0.0.4) appended to
 * out; every family in table order, # HELP and # TYPE once each.
 * 0, or -1 on ENOMEM (out->oom).  v may be NULL (GLOBAL families only).
 */
int metrics_render(const struct metrics *m, const struct metrics_view *v,
    struct strbuf *out);

#endif /* DKIMGUARD_METRICS_H */
