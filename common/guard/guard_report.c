/*
 * guard_report.c - the guard's start-up check and its table, the record
 *		    to publish in zone-file form, and the names of states,
 *		    actions and decisions.
 *
 * DESCRIPTION
 *	guard_check_all checks every entry and logs one row per key (so the
 *	log holds the same table that `dkimguard -n` prints via
 *	guard_table).  The fix is always written as a zone-file line with
 *	the record split into strings of at most 255 bytes (RFC 1035
 *	3.3.14; RFC 6376 3.6.2.2 joins them again), which is what operators
 *	paste into BIND/NSD zones and most DNS hosting panels accept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "guard_int.h"
#include "guard_state.h"

static const char *const state_names[] = {"unchecked", "valid", "missing",
    "mismatch", "revoked", "bad-record", "wrong-type", "wrong-hash",
    "wrong-service", "dns-temperror"};
#define ACTION_NAME(id, word) [id] = word,
static const char *const action_names[GUARD_ACT__COUNT] = {
    GUARD_ACTIONS(ACTION_NAME)};
#undef ACTION_NAME
static const char *const decision_names[] = {"sign", "sign anyway", "hold",
    "send unsigned", "tempfail"};

/* guard_state_str - name of a state, as in logs and the table */
const char *
guard_state_str(guard_state s)
{
	return (unsigned)s < sizeof state_names / sizeof *state_names ?
	    state_names[s] :
	    "unknown";
}

/* guard_action_str - name of an action, as in the configuration */
const char *
guard_action_str(guard_action a)
{
	return (unsigned)a < sizeof action_names / sizeof *action_names ?
	    action_names[a] :
	    "unknown";
}

/* guard_decision_str - for "would tempfail" / "would send unsigned" */
const char *
guard_decision_str(guard_decision d)
{
	return (unsigned)d < sizeof decision_names / sizeof *decision_names ?
	    decision_names[d] :
	    "unknown";
}

/* guard_action_parse - configuration word to action */
int
guard_action_parse(const char *s, guard_action *out)
{
	size_t i;

	for (i = 0; i < sizeof action_names / sizeof *action_names; i++)
		if (strcasecmp(s, action_names[i]) == 0) {
			*out = (guard_action)i;
			return 0;
		}
	return -1;
}

/* guard_sanitize - printable ASCII only, no '%' (smfi_setreply) */
void
guard_sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e ||
		    *s == '%')
			*s = '?';
}

/* put_string - one quoted <character-string>, escaping " and \ */
static void
put_string(FILE *fp, const char *s, size_t n)
{
	size_t i;

	fputc('"', fp);
	for (i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			fputc('\\', fp);
		fputc(s[i], fp);
	}
	fputc('"', fp);
}

/* guard_zone_record - "name. IN TXT ( "..." "..." )", 255-byte strings */
dkim_rc
guard_zone_record(const char *name, const char *txt, char **out)
{
	size_t len = strlen(txt), off, n, size;
	FILE *fp;

	*out = NULL;
	if ((fp = open_memstream(out, &size)) == NULL)
		return DKIM_ENOMEM;
	fprintf(fp, "%s%s IN TXT (", name,
	    name[0] && name[strlen(name) - 1] == '.' ? "" : ".");
	for (off = 0; off < len || off == 0; off += n) {
		n = len - off > 255 ? 255 : len - off;
		fputc(' ', fp);
		put_string(fp, txt + off, n);
		if (n == 0)
			break;
	}
	fputs(" )", fp);
	if (fclose(fp) != 0 || *out == NULL) {
		free(*out);
		*out = NULL;
		return DKIM_ENOMEM;
	}
	return DKIM_OK;
}

/* log_row - one table row in the log after a start-up/reload check */
static void
log_row(guard_entry *e, guard_state old)
{
	struct guard_info in;
	char *zone = NULL, changed[64] = "", act[96];

	guard_entry_info(e, &in);
	pthread_mutex_lock(&e->g->lock);
	guard_action_words(e, guard_now(e->g), act, sizeof act);
	pthread_mutex_unlock(&e->g->lock);
	if (old != GUARD_UNCHECKED && old != in.state)
		snprintf(changed, sizeof changed, " (was %s)",
		    guard_state_str(old));
	if (in.state == GUARD_VALID) {
		guard_emit(e->g, LOG_INFO, "guard: d=%s s=%s: valid%s",
		    in.domain, in.selector, changed);
		return;
	}
	if (in.state != GUARD_TEMPERROR)
		(void)guard_fix(e, &zone);
	guard_emit(e->g, LOG_WARNING, "guard: d=%s s=%s: %s%s: %s; %s%s%s",
	    in.domain, in.selector, guard_state_str(in.state), changed,
	    in.problem, act, zone ? "; publish: " : "", zone ? zone : "");
	free(zone);
}

/*
 * fresh_text - the freshness the guard keeps, one line: the window
 * (guard.h, "Freshness"), whether it grew past GuardMaxAge for the
 * query budget, and where the keys were asked.
 */
static void
fresh_text(guard *g, char *buf, size_t len)
{
	struct guard_fresh f;

	guard_freshness(g, &f);
	if (f.max_age == 0) {
		snprintf(buf, len,
		    "freshness: follows the record TTLs "
		    "(GuardMaxAge 0)");
		return;
	}
	snprintf(buf, len,
	    "freshness: window %u s (GuardMaxAge %u s%s; %zu key(s), "
	    "GuardQueryRate %u/s); %zu key(s) asked at their authoritative "
	    "servers%s%zu through the resolver%s",
	    f.window, f.max_age,
	    f.window > f.max_age ? ", grown for the query budget" : "", f.keys,
	    f.query_rate, f.via_auth, ", ", f.keys - f.via_auth,
	    f.via_fallback > 0 ? " (resolver fallback: authoritative servers "
				 "unreachable)" :
				 "");
}

/* guard_fresh_text - fresh_text as a line for dkimguard -n (guard.h) */
dkim_rc
guard_fresh_text(guard *g, char **text)
{
	char buf[400];

	buf[0] = '\0';
	if (g->conf.max_age > 0) /* else the TTL rules: nothing to say */
		fresh_text(g, buf, sizeof buf - 1);
	if (buf[0] != '\0')
		strcat(buf, "\n");
	*text = strdup(buf);
	return *text != NULL ? DKIM_OK : DKIM_ENOMEM;
}

/* check_summary - the closing lines of a start-up or reload check */
static void
check_summary(guard *g, unsigned bad, const char *counts)
{
	char buf[400];

	guard_emit(g, bad ? LOG_WARNING : LOG_INFO, "guard: %s, %u not valid",
	    counts, bad);
	if (g->conf.max_age > 0) {
		fresh_window_log(g); /* remembered: later changes are said */
		fresh_text(g, buf, sizeof buf);
		guard_emit(g, LOG_INFO, "guard: %s", buf);
	}
}

/* guard_check_all - check every entry, log the table, count failures */
unsigned
guard_check_all(guard *g)
{
	guard_entry **list;
	guard_state *old;
	unsigned bad = 0;
	size_t i, n;
	char counts[64];

	if ((list = guard_entries_copy(g, &n)) == NULL ||
	    (old = calloc(n ? n : 1, sizeof *old)) == NULL) {
		free(list);
		guard_emit(g, LOG_ERR, "guard: out of memory checking keys");
		return (unsigned)guard_entries(g);
	}
	guard_check_batch(list, n, 1, old);
	fresh_spread(g); /* the next checks evenly over one period */
	for (i = 0; i < n; i++) {
		struct guard_info in;

		guard_entry_info(list[i], &in);
		bad += in.state != GUARD_VALID;
		log_row(list[i], old[i]);
	}
	snprintf(counts, sizeof counts, "%zu key(s) checked", n);
	check_summary(g, bad, counts);
	free(old);
	free(list);
	return bad;
}

/*
 * start_order - the entries not checked yet to the front of list: first
 * those never seen valid, then those GuardStateFile restored; after them
 * the entries a reload inherited with their state.  Returns how many
 * need a check (lock held).
 */
static size_t
start_order(guard_entry **list, size_t n)
{
	guard_entry *t;
	size_t i, k = 0;
	int restored;

	for (restored = 0; restored < 2; restored++)
		for (i = k; i < n; i++)
			if (list[i]->state == GUARD_UNCHECKED &&
			    (list[i]->last_good != 0) == restored) {
				t = list[k];
				list[k++] = list[i];
				list[i] = t;
			}
	return k;
}

/*
 * start_defer - entries the start-up budget left unchecked are due now:
 * the refresher takes them at query_rate a second, before any re-check
 */
static void
start_defer(guard *g, guard_entry **list, size_t from, size_t to)
{
	time_t now = guard_now(g);
	size_t i;

	pthread_mutex_lock(&g->lock);
	for (i = from; i < to; i++)
		list[i]->next_check = now;
	pthread_mutex_unlock(&g->lock);
}

/* start_counts - "N key(s): T checked now, L never checked and K known
 * from before the reload left to the refresher (...)" */
static void
start_counts(char *buf, size_t len, size_t n, size_t take, size_t left,
    size_t kept, unsigned rate)
{
	int w = snprintf(buf, len, "%zu key(s): %zu checked now", n, take);

	if (w < 0 || (size_t)w >= len || left + kept == 0)
		return;
	snprintf(buf + w, len - (size_t)w,
	    ", %zu never checked and %zu known from before the reload left "
	    "to the refresher (GuardQueryRate %u/s, all within %zu s)",
	    left, kept, rate, (left + kept + rate - 1) / rate);
}

/*
 * guard_check_start - guard_check_all within the query budget (guard.h):
 * one second's worth of checks now, keys never checked first, then the
 * keys a reload inherited (an operator who reloads after fixing DNS
 * expects to see it, and a table within the budget is checked whole as
 * before); the keys left over are the refresher's
 */
unsigned
guard_check_start(guard *g)
{
	guard_entry **list;
	guard_state *old;
	struct guard_info in;
	unsigned bad = 0;
	size_t i, n, nnew, take, left, kept;
	unsigned rate = g->conf.query_rate ? g->conf.query_rate : 1;
	char counts[300];

	if (g->conf.max_age == 0) /* TTL mode: no query budget */
		return guard_check_all(g);
	if ((list = guard_entries_copy(g, &n)) == NULL ||
	    (old = calloc(n ? n : 1, sizeof *old)) == NULL) {
		free(list);
		guard_emit(g, LOG_ERR, "guard: out of memory checking keys");
		return (unsigned)guard_entries(g);
	}
	pthread_mutex_lock(&g->lock);
	nnew = start_order(list, n);
	take = fresh_tokens(g, n, guard_now(g)); /* one second's worth */
	pthread_mutex_unlock(&g->lock);
	guard_check_batch(list, take, 1, old);
	left = take < nnew ? nnew - take : 0;   /* never checked, deferred */
	kept = n - (take > nnew ? take : nnew); /* inherited, not asked now */
	start_defer(g, list, take, nnew);
	fresh_spread(g); /* the valid ones' next checks over one period */
	for (i = 0; i < n; i++) {
		if (i >= take && i < nnew)
			continue; /* not checked yet: logged when it is */
		guard_entry_info(list[i], &in);
		bad += in.state != GUARD_VALID;
		if (i < take || in.state != GUARD_VALID)
			log_row(list[i], i < take ? old[i] : in.state);
	}
	start_counts(counts, sizeof counts, n, take, left, kept, rate);
	check_summary(g, bad, counts);
	free(old);
	free(list);
	return bad;
}

/* widths - column widths for domain and selector */
static void
widths(guard *g, int *wd, int *ws)
{
	struct guard_info in;
	guard_entry *e;
	size_t i;

	*wd = 6;
	*ws = 8;
	for (i = 0; (e = guard_entry_at(g, i)) != NULL; i++) {
		guard_entry_info(e, &in);
		if ((int)strlen(in.domain) > *wd)
			*wd = (int)strlen(in.domain);
		if ((int)strlen(in.selector) > *ws)
			*ws = (int)strlen(in.selector);
	}
}

/* guard_table - the table `dkimguard -n` prints */
dkim_rc
guard_table(guard *g, char **text)
{
	struct guard_info in;
	guard_entry *e;
	char *zone, act[96];
	size_t i, size;
	int wd, ws, grace;
	FILE *fp;

	*text = NULL;
	if ((fp = open_memstream(text, &size)) == NULL)
		return DKIM_ENOMEM;
	widths(g, &wd, &ws);
	fprintf(fp, "%-*s  %-*s  %-13s  %-8s  %s\n", wd, "DOMAIN", ws,
	    "SELECTOR", "STATE", "ACTION", "PROBLEM");
	for (i = 0; (e = guard_entry_at(g, i)) != NULL; i++) {
		guard_entry_info(e, &in);
		fprintf(fp, "%-*s  %-*s  %-13s  %-8s  %s\n", wd, in.domain, ws,
		    in.selector, guard_state_str(in.state),
		    guard_action_str(in.action),
		    in.state == GUARD_VALID ? "-" : in.problem);
		pthread_mutex_lock(&g->lock); /* GuardStateFile, GuardGrace */
		grace = guard_grace_until(e, guard_now(g)) != 0;
		if (grace)
			guard_action_words(e, guard_now(g), act, sizeof act);
		pthread_mutex_unlock(&g->lock);
		if (grace)
			fprintf(fp, "    %s\n", act);
		if (in.state == GUARD_VALID || in.state == GUARD_TEMPERROR ||
		    guard_fix(e, &zone) != DKIM_OK)
			continue;
		fprintf(fp, "    publish: %s\n", zone);
		free(zone);
	}
	if (fclose(fp) != 0 || *text == NULL) {
		free(*text);
		*text = NULL;
		return DKIM_ENOMEM;
	}
	return DKIM_OK;
}
