/*
 * guard.h - the published-key guard: no signature leaves unless
 *	     s._domainkey.d publishes the public half of the signing key.
 *
 * SYNOPSIS
 *	#include "guard.h"
 *
 *   start-up / reload (once per snapshot):
 *	struct guard_conf gc;
 *	guard_conf_init(&gc);
 *	gc.cache = lookup_dns_cache(ld);  gc.log = my_log;  gc.log_arg = ...;
 *	guard_new(&gc, &g);
 *	for each key-table entry:
 *	    e = guard_add_key(g, domain, selector, key, GUARD_ACT_TEMPFAIL);
 *	guard_inherit(g, old_guard);        (reload: keep states/counters)
 *	guard_load_state(g);                (last checks on disk)
 *	guard_check_start(g);               (daemon: within the budget)
 *	  or guard_check_all(g);            (-n: every key; blocking DNS)
 *	guard_table(g, &text);  puts(text); (dkimguard -n prints this)
 *	guard_start(g);                     (background refresher thread)
 *
 *   per message, for each signature (domain, selector, key), at eom:
 *	e = guard_find(g, domain, selector, key);   (or keep e from add_key)
 *	guard_query(e, &v);                 (no DNS in the common case)
 *	switch (v.decision):
 *	  GUARD_DO_SIGN, GUARD_DO_SIGN_WARN:  sign; guard_count(e, SIGNED)
 *	  GUARD_DO_HOLD:     sign, smfi_quarantine(ctx, v.problem),
 *	                     log queue id + "postsuper -H <id>";
 *	                     guard_count(e, GUARD_CNT_HELD)
 *	  GUARD_DO_UNSIGNED: leave this signature out; guard_count(UNSIGNED)
 *	  GUARD_DO_TEMPFAIL: smfi_setreply(ctx, GUARD_REPLY_RCODE,
 *	                     GUARD_REPLY_XCODE, v.reply); SMFIS_TEMPFAIL;
 *	                     guard_count(e, GUARD_CNT_TEMPFAILED)
 *	self-verify (option, default on) before adding the field, for
 *	GUARD_DO_SIGN, _SIGN_WARN and _HOLD:
 *	    rec = guard_keyrec(e);
 *	    dkim_msg_check_signed_rec(msg, idx, rec, &r);
 *	    dkim_keyrec_free(rec);  r.verdict != DKIM_PASS -> GUARD_DO_TEMPFAIL
 *	alignment warning:
 *	    dkim_msg_from_domain(msg, from, sizeof from);
 *	    if (!guard_aligned(g, domain, from)) log a warning
 *
 *   shutdown / old snapshot released:   guard_free(g)  (joins the thread)
 *
 * DESCRIPTION
 *	One entry per (domain, selector, public key).  Its state is one of
 *	guard_state; a check fetches TXT at selector._domainkey.domain
 *	through the shared dnscache (dnscache_refresh: always a real query),
 *	parses it (dkim_keyrec_parse, RFC 6376 3.6.1) and compares it with
 *	the key (dkim_key_match_record).  Every entry remembers exactly what
 *	is wrong (problem) and what to publish (dkim_key_record, also in
 *	zone-file form split into strings of at most 255 bytes, RFC 1035
 *	3.3.14 / RFC 6376 3.6.2.2).  The record an entry vouches for is kept
 *	parsed (the last valid one, from the check that found it; the one to
 *	publish, from guard_add_key), so the per-message self-check parses
 *	nothing: guard_keyrec hands out a reference.
 *
 *	guard_query never touches DNS for a checked entry: it reads the
 *	entry's state under the guard's lock.  With max_age 0 the refresher
 *	thread checks an entry again after about 80% of its record's TTL
 *	(clamped to
 *	[min_refresh, max_refresh]; failing entries at most every `retry`
 *	seconds), so a record fixed while dkimguard runs is seen within the
 *	TTL, without restart.  A state change is logged once, when it happens
 *	(valid -> mismatch -> valid), never per message.
 *
 *	Freshness (max_age > 0, the daemon's default): the answer comes
 *	from the zone's authoritative servers (authq.h), not a cache, and
 *	a valid entry is checked again every window - 2 s, so the state a
 *	message is signed against is at most `window` seconds behind them
 *	whatever the record's TTL.  window is max_age, or longer when the
 *	entries cannot all be checked in max_age within query_rate checks
 *	per second (n / query_rate + 2).  Checks are spread evenly over the
 *	window and never more than query_rate in one second, at start-up
 *	and reload too (guard_check_start: one second's budget at once, the
 *	rest through the refresher).  An entry that
 *	is not valid is checked again after 1 s, then 2, 4, ... up to the
 *	window; a message that finds its key not valid makes it due at once
 *	(once a second at most, in the refresher), so while mail is retried
 *	a fix is seen within 2 s.  Without auth, or when a zone's
 *	authoritative servers give no authoritative reply, the configured
 *	resolver is asked (via says which; the change is logged).
 *
 *	DNS temperror (SERVFAIL, timeout): for `grace` seconds from the first
 *	failure after a good check the last good result stands (verdict
 *	grace = 1, decision GUARD_DO_SIGN); after that, or when there never
 *	was a good result, the key's action applies as for any other problem.
 *
 *	dry_run: decision is always GUARD_DO_SIGN and `would` says what the
 *	action would have been, for the session's "would tempfail" log.
 *
 *	Ownership: the guard keeps a reference on each key (dkim_key_ref).
 *	Strings returned through char ** are malloc'ed; the caller frees.
 *	All functions take the guard's lock and are thread-safe; none may
 *	race guard_free.  guard_inherit and guard_check_all are for the thread
 *	that builds the guard (guard_check_all blocks on DNS).  guard_add_key
 *	is called there for every key, and by milter threads too, the first
 *	time a '%' key-table entry signs for a domain: it finds an existing
 *	entry under the lock first, so two messages adding one key share one
 *	entry, and entries are never removed or moved while the guard lives
 *	(a guard_entry pointer stays valid).
 */
#ifndef DKIMGUARD_GUARD_H
#define DKIMGUARD_GUARD_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "dkim.h"
#include "common/dns/dnscache.h"
#include "common/dns/resolver.h"

/* guard_state - what the last check found */
typedef enum guard_state {
	GUARD_UNCHECKED = 0, /* not checked yet */
	GUARD_VALID,         /* record parses, allows the key, p= matches */
	GUARD_MISSING,       /* NXDOMAIN, NODATA */
	GUARD_MISMATCH,      /* p= is another public key */
	GUARD_REVOKED,       /* p= is empty (RFC 6376 3.6.1) */
	GUARD_BADRECORD,     /* does not parse, or several records */
	GUARD_WRONGTYPE,     /* k= names another key type */
	GUARD_WRONGHASH,     /* h= excludes sha256 */
	GUARD_WRONGSERVICE,  /* s= excludes email */
	GUARD_TEMPERROR      /* SERVFAIL or timeout */
} guard_state;

/*
 * guard_action - what to do with a message when the key is not valid.
 * GUARD_ACTIONS pairs each constant with its GuardAction word; the enum,
 * the option's word table (config.c) and guard_action_str are all
 * expanded from it, so a word always means the action of its name.
 */
#define GUARD_ACTIONS(X)                                                       \
	X(GUARD_ACT_TEMPFAIL, "tempfail") /* 4xx; client retries later */      \
	X(GUARD_ACT_HOLD, "hold") /* sign and quarantine (hold queue) */       \
	X(GUARD_ACT_UNSIGNED, "unsigned") /* deliver without this signature */ \
	X(GUARD_ACT_SIGN, "sign")         /* sign anyway and warn */
#define GUARD_ACTION_CONST(id, word) id,
typedef enum guard_action {
	GUARD_ACTIONS(GUARD_ACTION_CONST) GUARD_ACT__COUNT
} guard_action;
#undef GUARD_ACTION_CONST

/* guard_decision - what the session does with this signature now */
typedef enum guard_decision {
	GUARD_DO_SIGN = 0,  /* valid (or temperror within grace): sign */
	GUARD_DO_SIGN_WARN, /* not valid, action sign: sign, warn */
	GUARD_DO_HOLD,      /* sign and smfi_quarantine */
	GUARD_DO_UNSIGNED,  /* leave this signature out */
	GUARD_DO_TEMPFAIL   /* reply GUARD_REPLY_* + v.reply, tempfail */
} guard_decision;

/* per-key message counters the session increments (guard_count) */
typedef enum guard_counter {
	GUARD_CNT_SIGNED = 0,
	GUARD_CNT_HELD,
	GUARD_CNT_UNSIGNED,
	GUARD_CNT_TEMPFAILED,
	GUARD_CNT_MAX
} guard_counter;

#define GUARD_REPLY_RCODE "451"
#define GUARD_REPLY_XCODE "4.7.5" /* RFC 3463: cryptographic failure */
#define GUARD_PROBLEM_MAX 320
#define GUARD_REPLY_MAX 400

/* guard_verdict - the answer for one signature of one message */
struct guard_verdict {
	guard_decision decision; /* what to do (GUARD_DO_SIGN in dry run) */
	guard_decision would;    /* what the action says, dry run or not */
	guard_state state;
	int grace; /* 1: temperror, last good result used */
	char problem[GUARD_PROBLEM_MAX]; /* "" when valid: what is wrong */
	char reply[GUARD_REPLY_MAX];     /* SMTP reply text for tempfail */
};

typedef void (*guard_log_fn)(void *arg, int priority, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* guard_conf - filled by the configuration code, copied by guard_new */
struct guard_conf {
	dnscache *cache;      /* required; not owned; outlives the guard */
	unsigned grace;       /* s of temperror on last good result (3600) */
	unsigned min_refresh; /* s: never re-check sooner than this (5) */
	unsigned max_refresh; /* s: re-check at least this often (3600) */
	unsigned retry;       /* s: re-check a failing entry this often (60) */
	int dry_run;          /* 1: always GUARD_DO_SIGN, see `would` */
	const char *psl_path; /* public suffix list; NULL: Debian's path;
				 * "" or unreadable: parent/child rule */
	guard_log_fn log;     /* priority is syslog's (LOG_WARNING, ...);
				 * NULL: no logging */
	void *log_arg;
	dkim_clock_fn clock; /* NULL: time(NULL) */
	void *clock_arg;
	const char *state_file; /* the last good checks across restarts
				 * (guard_state.h); NULL or "": not kept */
	unsigned state_every;   /* s between writes without a change (300) */
	/* freshness (guard_fresh.c): see "Freshness" in DESCRIPTION */
	unsigned max_age;          /* s: GuardMaxAge (10); 0: follow the TTL */
	unsigned query_rate;       /* checks per second at most (200) */
	struct resolver *auth_res; /* finds the authoritative servers
				    * (not owned); NULL: resolver only */
	unsigned auth_port;        /* where they listen (53) */
};

/* guard_via - where the last check of an entry got its answer */
typedef enum guard_via {
	GUARD_VIA_NONE = 0, /* not checked yet */
	GUARD_VIA_AUTH,     /* the zone's authoritative servers */
	GUARD_VIA_FALLBACK, /* resolver: authoritative ones unreachable */
	GUARD_VIA_RESOLVER  /* resolver: no authoritative queries set */
} guard_via;

/* guard_fresh - the freshness the guard keeps now (guard_freshness) */
struct guard_fresh {
	unsigned max_age;    /* the configured GuardMaxAge */
	unsigned window;     /* s: the age a state may reach, guaranteed */
	unsigned query_rate; /* the budget, checks per second */
	size_t keys;         /* entries */
	size_t via_auth;     /* last checked at the authoritative servers */
	size_t via_fallback; /* ... through the resolver, as a fallback */
};

/* guard_info - a copy of one entry, for tables and metrics */
struct guard_info {
	char domain[256];
	char selector[256];
	guard_state state;
	guard_action action;
	char problem[GUARD_PROBLEM_MAX];
	time_t checked;    /* last check, 0: never */
	time_t since;      /* state unchanged since */
	time_t last_good;  /* last check that found it valid, 0: never */
	time_t next_check; /* when the refresher looks again */
	uint32_t ttl;      /* TTL of the record at the last check */
	unsigned long count[GUARD_CNT_MAX];
	guard_via via;     /* where the last check asked */
	char via_why[400]; /* GUARD_VIA_FALLBACK: why */
	unsigned backoff;  /* s: re-check delay of an entry not valid */
};

typedef struct guard guard;
typedef struct guard_entry guard_entry;

void guard_conf_init(struct guard_conf *conf);
/* guard_new - DKIM_EINVAL when conf->cache is NULL */
dkim_rc guard_new(const struct guard_conf *conf, guard **out);
/*
 * guard_free - stops the refresher, releases keys; NULL is a no-op.  May
 * wait for a check in progress: at most one DNS lookup's bound.
 */
void guard_free(guard *g);

/*
 * guard_add_key - register (domain, selector, key) with its action; the
 * same triple twice gives the same entry (action updated).  NULL on ENOMEM
 * or when the key's public half cannot be computed.
 */
guard_entry *guard_add_key(guard *g, const char *domain, const char *selector,
    dkim_key *key, guard_action action);
/* guard_find - the entry for (domain, selector, key), NULL if not added */
guard_entry *guard_find(guard *g, const char *domain, const char *selector,
    const dkim_key *key);
/*
 * guard_inherit - after a reload: entries with the same (domain,
 * selector, public key) in old take over its state, last good record
 * and counters, so grace periods go on and unchanged states are not
 * logged again.  old may be NULL.
 */
void guard_inherit(guard *g, guard *old);

/*
 * guard_check_all - check every entry now (blocking DNS), log one line
 * per entry (state, problem, record to publish) and return how many
 * entries are not valid.
 */
unsigned guard_check_all(guard *g);
/*
 * guard_check_start - the daemon's check at start-up and reload, held to
 * the query budget (max_age > 0; with max_age 0 it is guard_check_all):
 * entries whose state a reload inherited are not asked again; of the
 * others, as many as one second's budget (query_rate) allows are checked
 * now (blocking, never-seen keys before keys GuardStateFile restored)
 * and the rest are left due to the refresher, which checks them at
 * query_rate a second ahead of any re-check.  Until then such a key is
 * "unchecked": a message signed with it checks it first (guard_query),
 * and that check applies GuardStateFile, GuardGrace and the action as
 * at start-up.  Logs the checked rows, the not valid known ones and a
 * summary; returns how many checked or known entries are not valid.
 */
unsigned guard_check_start(guard *g);
/* guard_check - check one entry now (blocking DNS); returns its state */
guard_state guard_check(guard_entry *e);
/*
 * guard_table - the start-up table as text: a header, one row per entry
 * (domain, selector, state, action, problem) and, under each entry that
 * is not valid, the zone-file line to publish.  Caller frees.
 */
dkim_rc guard_table(guard *g, char **text);

/* guard_start - start the background refresher thread; -1 on error */
int guard_start(guard *g);
/*
 * guard_refresh_due - one pass of the refresher: check every entry whose
 * next_check has come; returns the seconds until the next one is due.
 * The thread calls it; tests with an injected clock call it directly.
 */
unsigned guard_refresh_due(guard *g);
/*
 * guard_load_state - after guard_inherit, before guard_check_all: entries
 * never checked (and keys guard_add_key adds later) take the last good
 * check kept in conf.state_file when the record kept there is for the
 * same key (see guard_state.h); GuardGrace then counts from it.  Returns
 * how many were restored, -1 when the file was ignored (logged with
 * FILE:LINE).
 */
int guard_load_state(guard *g);

/*
 * guard_query - the verdict for a message signed by entry e.  Reads the
 * cached state; only an entry never checked is checked first (blocking).
 */
void guard_query(guard_entry *e, struct guard_verdict *v);
/* guard_count - count one message against entry e (atomic) */
void guard_count(guard_entry *e, guard_counter c);
/*
 * guard_record - the key record the new signature must verify against,
 * for dkim_msg_check_signed: the published record when e is valid (or in
 * temperror grace), otherwise the record to publish (a held message is
 * released only after it is published; action sign: checks at least the
 * canonicalization).  Caller frees; DKIM_ENOMEM is the only error.
 */
dkim_rc guard_record(guard_entry *e, char **record);
/*
 * guard_keyrec - the same record parsed, for dkim_msg_check_signed_rec:
 * a new reference (never NULL; the caller drops it with
 * dkim_keyrec_free).  Parsed once when the record changes, not per call;
 * a reference stays valid after a check replaces the entry's record.
 */
dkim_keyrec *guard_keyrec(guard_entry *e);
/* guard_fix - the zone-file line to publish for e (caller frees) */
dkim_rc guard_fix(guard_entry *e, char **zone_line);
/* guard_entry_info - a consistent copy of one entry */
void guard_entry_info(guard_entry *e, struct guard_info *info);
/* guard_entries - number of entries; guard_entry_at - the i-th */
size_t guard_entries(guard *g);
guard_entry *guard_entry_at(guard *g, size_t i);

/*
 * guard_freshness - the window (the most a state may be behind the
 * authoritative servers) and how entries were last checked.
 */
void guard_freshness(guard *g, struct guard_fresh *f);
/*
 * guard_recheck - make the entries of (domain, selector) due now (NULL
 * domain: every entry; NULL selector: every selector of domain), clear
 * their back-off and wake the refresher; returns how many matched.
 */
size_t guard_recheck(guard *g, const char *domain, const char *selector);
/*
 * guard_fresh_text - one line for dkimguard -n: the window, whether it
 * grew for the query budget, how many keys were asked where; "" with
 * max_age 0.  Caller frees.
 */
dkim_rc guard_fresh_text(guard *g, char **text);
/* "authoritative", "resolver fallback", "resolver", "-" */
const char *guard_via_str(guard_via v);

/* "valid", "missing", ...; "tempfail", "hold", "unsigned", "sign"; ... */
const char *guard_state_str(guard_state s);
const char *guard_action_str(guard_action a);
const char *guard_decision_str(guard_decision d);
/* guard_action_parse - "tempfail" etc. to *out; -1 when unknown */
int guard_action_parse(const char *s, guard_action *out);

/*
 * guard_zone_record - "name. IN TXT ( "..." "..." )" for a record, in
 * strings of at most 255 bytes (RFC 1035 3.3.14); caller frees.
 */
dkim_rc guard_zone_record(const char *name, const char *txt, char **out);

/* ---- DMARC relaxed alignment (RFC 7489 3.1.1), guard_align.c ---- */
typedef struct guard_psl guard_psl;

/* the public suffix list when guard_conf.psl_path is NULL (Debian's) */
#define GUARD_PSL_PATH "/usr/share/publicsuffix/public_suffix_list.dat"

/* guard_psl_load - a public suffix list file; -1 with err if unreadable */
int guard_psl_load(const char *path, guard_psl **out, char *err, size_t errlen);
void guard_psl_free(guard_psl *psl);
/*
 * guard_orgdomain - the organizational domain of name (RFC 7489 3.2):
 * the public suffix plus one label.  psl NULL: the last two labels.
 */
int
guard_orgdomain(const guard_psl *psl, const char *name, char *buf, size_t len);
/*
 * guard_psl_aligned - 1 when d= and the From: domain have the same
 * organizational domain; without a list, when one equals the other or
 * is a parent of it.
 */
int guard_psl_aligned(const guard_psl *psl, const char *d, const char *from);
/* guard_aligned - guard_psl_aligned with the guard's list */
int guard_aligned(guard *g, const char *d, const char *from);

/* guard_alignment - one d= against the From: domain, best first */
enum guard_alignment {
	GUARD_ALIGNED = 0,      /* aligned under the mode asked */
	GUARD_UNALIGNED_STRICT, /* same organizational domain, strict asked */
	GUARD_UNALIGNED_ORG,    /* another organizational domain */
	GUARD_UNALIGNED_NONE    /* no signature to align (message level) */
};
/* guard_same_domain - strict alignment (RFC 7489 3.1.1): same name */
int guard_same_domain(const char *d, const char *from);
/* guard_alignment_str - "aligned", "not_strict", "other_org", "unsigned" */
const char *guard_alignment_str(enum guard_alignment a);

#endif /* DKIMGUARD_GUARD_H */
