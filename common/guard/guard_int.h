/*
 * guard_int.h - the guard's internals shared by guard.c (checks, state
 *		 machine, refresher), guard_keys.c (entries), guard_eval.c
 *		 (what a DNS answer means for a key), guard_query.c (per
 *		 message), guard_batch.c (parallel checks) and
 *		 guard_report.c (tables, strings).
 *		 Not for use outside the guard.
 */
#ifndef DKIMGUARD_GUARD_INT_H
#define DKIMGUARD_GUARD_INT_H

#include <pthread.h>

#include "guard.h"
#include "util/hashtab.h"

struct guard_entry {
	guard *g;
	struct guard_entry *same; /* next entry of the same keyname */
	char *domain, *selector;
	char *keyname;         /* selector._domainkey.domain */
	dkim_key *key;         /* a reference */
	char *pub;             /* p= of the key */
	char *want;            /* the record to publish */
	dkim_keyrec *want_rec; /* want, parsed once */
	guard_action action;   /* changed only under g->lock */
	/* the rest is protected by g->lock */
	guard_state state;
	char problem[GUARD_PROBLEM_MAX];
	char *good_record;     /* last record found valid */
	dkim_keyrec *good_rec; /* good_record, parsed (a reference) */
	time_t checked, since, last_good, temp_since, next_check;
	uint32_t ttl;
	unsigned long count[GUARD_CNT_MAX]; /* atomic */
	/* freshness, under g->lock (guard_fresh.c) */
	guard_via via;
	char *via_why;    /* malloc'ed; fallback reason */
	unsigned backoff; /* s; 0 while valid */
};

struct guard {
	struct guard_conf conf;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* refresher: stop or new entry */
	struct guard_entry **ent;
	size_t n, cap;
	struct hashtab *byname; /* keyname (no case) -> an entry */
	guard_psl *psl;
	struct authq *auth; /* from conf.auth_res; NULL: resolver only */
	pthread_t thread;
	int running, stop;
	/* GuardStateFile (guard_state.c); the flags under lock */
	char *state_path;              /* NULL: not kept */
	struct state_line *state_keep; /* the file's lines, for keys added
					* later ('%' domains) */
	size_t state_nkeep;
	int state_dirty;
	time_t state_saved;
	/* the query budget (guard_fresh.c), under lock */
	double tokens;   /* checks allowed now */
	time_t filled;   /* when tokens was last topped up */
	unsigned window; /* the window last logged (fresh_window_log) */
};

/* guard_eval - one check's outcome, before it is applied to the entry */
struct guard_eval {
	guard_state state;
	char problem[GUARD_PROBLEM_MAX];
	uint32_t ttl;
	char *record;     /* the valid record (malloc'ed) or NULL */
	dkim_keyrec *rec; /* record, parsed; a reference */
	char lenient[48]; /* a tag name only receivers accept */
};

/*
 * guard_evaluate - what ans (TXT at e->keyname) means for e's key:
 * RFC 6376 3.6.1 (parse), 3.6.2.2 (several records), key match.
 * out->record and out->rec are set together when valid; the caller
 * frees both (free, dkim_keyrec_free).
 */
void guard_evaluate(const struct guard_entry *e, const dkim_txt_answer *ans,
    struct guard_eval *out);
/*
 * guard_eval_why - out is a temporary DNS failure of e, said with why
 * (the resolver's text for what failed: refused connection, timeout,
 * SERVFAIL, REFUSED, TCP retry failed), as the verifier says it.
 */
void guard_eval_why(const struct guard_entry *e, const char *why,
    struct guard_eval *out);
/*
 * guard_check_entry - guard_check; quiet: do not log the change (the
 * caller logs a table row instead); *old (if old) gets the state before.
 */
guard_state guard_check_entry(guard_entry *e, int quiet, guard_state *old);
/*
 * guard_check_batch - guard_check_entry on every entry of list, on up
 * to 8 threads; old (if not NULL) gets each entry's previous state.
 */
void
guard_check_batch(guard_entry **list, size_t n, int quiet, guard_state *old);
/* guard_entries_copy - a malloc'ed copy of the entry array (NULL: ENOMEM) */
guard_entry **guard_entries_copy(guard *g, size_t *n);
/* guard_entry_free - release one entry (guard_free; failed adds) */
void guard_entry_free(struct guard_entry *e);
/* guard_emit - through conf.log (syslog priorities); no-op without one */
void guard_emit(guard *g, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* fresh_period - s between checks of a valid entry (max_age mode) */
unsigned fresh_period(guard *g, size_t n);
/*
 * fresh_next - when entry e (state just set by a check at now) is due
 * again; updates e->backoff.  Under g->lock.
 */
time_t fresh_next(struct guard_entry *e, time_t now);
/*
 * fresh_fetch - TXT at e->keyname for a check: authoritative when set
 * up, else (or as fallback) dnscache_refresh; *via and *why (malloc'ed
 * or NULL) say which.
 */
void fresh_fetch(struct guard_entry *e, dkim_txt_answer *ans, guard_via *via,
    char **why, struct dnscache_info *info);
/*
 * fresh_window_log - log the window when it changed since the last call
 * (the table grew or shrank past the query budget)
 */
void fresh_window_log(guard *g);
/* fresh_spread - after guard_check_all: valid entries due evenly over
 * one period */
void fresh_spread(guard *g);
/*
 * fresh_tokens - of want checks, how many this second's budget
 * (query_rate) still allows at now; they are spent.  Under g->lock.
 */
size_t fresh_tokens(guard *g, size_t want, time_t now);
/*
 * fresh_take - of the ndue entries at the front of list (sorted here by
 * next_check), how many the budget allows now; the tokens are spent.
 */
size_t fresh_take(guard *g, guard_entry **list, size_t ndue, time_t now);

/* guard_now - the configured clock */
time_t guard_now(const guard *g);
/* guard_sanitize - make text safe for an SMTP reply and one log line */
void guard_sanitize(char *s);

#endif /* DKIMGUARD_GUARD_INT_H */
