/*
 * guard_state.c - the guard's last good checks on disk (GuardStateFile)
 *		   and the words for an action grace holds back; see
 *		   guard_state.h for the file format and when it is written.
 */
#define _GNU_SOURCE /* getline */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "guard_state.h"
#include "util/strbuf.h"
#include "util/textfile.h"

/*
 * textfile_write names its temporary file after the process, so two
 * guards of one process (old and new snapshot during a reload) must not
 * write at the same moment.
 */
static pthread_mutex_t save_lock = PTHREAD_MUTEX_INITIALIZER;
/* the last write failed (logged): one warning per process, not one per
 * reload's new guard; under save_lock */
static int save_failing;

/* guard_state_init - keep our own copy of the path */
int
guard_state_init(guard *g, const struct guard_conf *conf)
{
	g->state_path = NULL;
	g->conf.state_file = NULL;
	if (conf->state_file == NULL || *conf->state_file == '\0')
		return 0;
	if ((g->state_path = strdup(conf->state_file)) == NULL)
		return -1;
	g->conf.state_file = g->state_path;
	return 0;
}

/* a line read back, before it is matched with entries; the strings
 * point into buf */
struct state_line {
	char *buf;
	char *domain, *selector, *record;
	long long last_good;
	dkim_keyrec *rec; /* record, parsed (guard_state_load) */
};

static void lines_free(struct state_line *l, size_t n);

/* guard_state_fini - release the path and the lines kept from the file */
void
guard_state_fini(guard *g)
{
	free(g->state_path);
	g->state_path = NULL;
	lines_free(g->state_keep, g->state_nkeep);
	g->state_keep = NULL;
	g->state_nkeep = 0;
}

/* guard_state_dirty - write at the next tick (g->lock held) */
void
guard_state_dirty(guard *g)
{
	g->state_dirty = 1;
}

/* guard_grace_until - end of e's temperror grace, 0 if not in grace */
time_t
guard_grace_until(const struct guard_entry *e, time_t now)
{
	time_t end;

	if (e->state != GUARD_TEMPERROR || e->last_good == 0 ||
	    e->temp_since == 0)
		return 0;
	end = e->temp_since + (time_t)e->g->conf.grace;
	return now < end ? end : 0;
}

/* guard_action_words - what happens to mail now, in words */
void
guard_action_words(const struct guard_entry *e, time_t now, char *buf,
    size_t len)
{
	time_t end = guard_grace_until(e, now);
	struct tm tm;

	if (end == 0 || gmtime_r(&end, &tm) == NULL) {
		snprintf(buf, len, "action %s", guard_action_str(e->action));
		return;
	}
	snprintf(buf, len, "within grace until %02d:%02d:%02d UTC, then %s",
	    tm.tm_hour, tm.tm_min, tm.tm_sec, guard_action_str(e->action));
}

/* line_ok - one state line: no control characters (a record with one
 * would not come back as one line) */
static int
line_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (iscntrl((unsigned char)*s))
			return 0;
	return 1;
}

/* state_text - the file's text for every entry worth keeping (lock held):
 * valid at its last check, or in temperror after a good check */
static int
state_text(guard *g, struct strbuf *sb)
{
	size_t i;

	strbuf_printf(sb, "%s\n", GUARD_STATE_MAGIC);
	for (i = 0; i < g->n; i++) {
		const struct guard_entry *e = g->ent[i];

		if (e->good_record == NULL || e->last_good == 0 ||
		    (e->state != GUARD_VALID && e->state != GUARD_TEMPERROR) ||
		    !line_ok(e->good_record))
			continue;
		strbuf_printf(sb, "%s %s %lld %s\n", e->domain, e->selector,
		    (long long)e->last_good, e->good_record);
	}
	return sb->oom ? -1 : 0;
}

/* guard_state_save - write the file now (temp + rename) */
int
guard_state_save(guard *g)
{
	struct strbuf sb = {0};
	char err[512];
	int rc, was;

	if (g->state_path == NULL)
		return 0;
	pthread_mutex_lock(&g->lock);
	rc = state_text(g, &sb);
	g->state_dirty = 0;
	g->state_saved = guard_now(g);
	pthread_mutex_unlock(&g->lock);
	if (rc < 0) {
		strbuf_free(&sb);
		snprintf(err, sizeof err, "out of memory");
	} else {
		pthread_mutex_lock(&save_lock);
		rc = textfile_write(g->state_path, strbuf_str(&sb), sb.len, err,
		    sizeof err);
		pthread_mutex_unlock(&save_lock);
		strbuf_free(&sb);
	}
	pthread_mutex_lock(&save_lock);
	was = save_failing;
	save_failing = rc < 0;
	pthread_mutex_unlock(&save_lock);
	if (rc < 0 && !was)
		guard_emit(g, LOG_WARNING,
		    "guard: cannot keep the key checks in %s: %s; a restart "
		    "while DNS is down will treat every key as never seen "
		    "(make the folder writable by the UserID user or set "
		    "GuardStateFile)",
		    g->state_path, err);
	else if (rc == 0 && was)
		guard_emit(g, LOG_NOTICE, "guard: %s written again",
		    g->state_path);
	return rc;
}

/* guard_state_tick - from the refresher, after each pass */
void
guard_state_tick(guard *g)
{
	int due;

	if (g->state_path == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	due = g->state_dirty ||
	    guard_now(g) - g->state_saved >= (time_t)g->conf.state_every;
	pthread_mutex_unlock(&g->lock);
	if (due)
		(void)guard_state_save(g);
}

/* parse_line - split one line in place; -1 when it is not one */
static int
parse_line(char *s, struct state_line *out)
{
	char *end;

	out->domain = strsep(&s, " ");
	out->selector = strsep(&s, " ");
	if (s == NULL || *out->domain == '\0' || *out->selector == '\0')
		return -1;
	errno = 0;
	out->last_good = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != ' ' || out->last_good <= 0)
		return -1;
	out->record = end + 1;
	return *out->record != '\0' && line_ok(out->record) ? 0 : -1;
}

/* restore - give e the line's record when it is for e's key and e was
 * never checked (lock held); 1 when it took it */
static int
restore(struct guard_entry *e, const struct state_line *l)
{
	/* RFC 4343: names compare without case */
	if (l->rec == NULL || strcasecmp(e->domain, l->domain) != 0 ||
	    strcasecmp(e->selector, l->selector) != 0 ||
	    e->state != GUARD_UNCHECKED || e->last_good != 0 ||
	    dkim_key_match_record(e->key, l->rec) != DKIM_KEYMATCH_OK)
		return 0;
	free(e->good_record);
	dkim_keyrec_free(e->good_rec);
	e->good_rec = NULL;
	if ((e->good_record = strdup(l->record)) == NULL)
		return 0;
	e->good_rec = dkim_keyrec_ref(l->rec);
	e->last_good = (time_t)l->last_good;
	/* grace runs from the last good check: the first failure after it
	 * is not known, and may have been right after */
	e->temp_since = e->last_good;
	return 1;
}

/* guard_state_restore_entry - e takes its line, if any (lock held) */
int
guard_state_restore_entry(guard *g, struct guard_entry *e)
{
	size_t i;

	for (i = 0; i < g->state_nkeep; i++)
		if (restore(e, &g->state_keep[i]))
			return 1;
	return 0;
}

/* lines_free - the lines read_lines returned */
static void
lines_free(struct state_line *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(l[i].buf);
		dkim_keyrec_free(l[i].rec);
	}
	free(l);
}

/*
 * read_lines - every line parsed before any is used, since a bad line
 * anywhere makes the whole file ignored; 0 with the lines in out and nout, or -1
 * (logged with FILE:LINE) and nothing returned
 */
static int
read_lines(guard *g, FILE *fp, struct state_line **out, size_t *nout)
{
	struct state_line *l = NULL, *t;
	char *line = NULL;
	size_t cap = 0, n = 0;
	unsigned lineno = 0;
	ssize_t len;

	while ((len = getline(&line, &cap, fp)) >= 0) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (lineno == 1) { /* what we write first, or not ours */
			if (strcmp(line, GUARD_STATE_MAGIC) != 0)
				goto bad;
			continue;
		}
		if ((t = realloc(l, (n + 1) * sizeof *l)) == NULL) {
			guard_emit(g, LOG_WARNING,
			    "%s: out of memory reading it; ignored",
			    g->state_path);
			goto fail;
		}
		l = t;
		l[n].rec = NULL;
		l[n].buf = line; /* the line now belongs to l[n] */
		line = NULL;
		cap = 0;
		n++;
		if (parse_line(l[n - 1].buf, &l[n - 1]) < 0)
			goto bad;
	}
	if (lineno == 0) { /* an empty file is not one we wrote */
		lineno = 1;
		goto bad;
	}
	free(line);
	*out = l;
	*nout = n;
	return 0;
bad:
	guard_emit(g, LOG_WARNING,
	    "%s:%u: not a dkimguard guard state line%s; ignoring the whole "
	    "file: every key starts as never seen (it is rewritten after the "
	    "next check)",
	    g->state_path, lineno, lineno == 1 ? " (foreign file?)" : "");
fail:
	free(line);
	lines_free(l, n);
	return -1;
}

/* guard_state_load - restore last good checks (guard_state.h) */
int
guard_state_load(guard *g)
{
	char reason[DKIM_REASON_MAX];
	struct state_line *l = NULL;
	int restored = 0;
	size_t i, n = 0;
	FILE *fp;

	if (g->state_path == NULL)
		return 0;
	if ((fp = fopen(g->state_path, "re")) == NULL) {
		if (errno == ENOENT)
			return 0; /* first start, or never written */
		guard_emit(g, LOG_WARNING,
		    "guard: cannot read %s: %s; every key starts as never "
		    "seen",
		    g->state_path, strerror(errno));
		return -1;
	}
	if (read_lines(g, fp, &l, &n) < 0) {
		fclose(fp);
		return -1;
	}
	fclose(fp);
	/* a record that does not parse is not one we wrote: no key takes
	 * it (l[i].rec stays NULL) */
	for (i = 0; i < n; i++)
		if (dkim_keyrec_parse(l[i].record, strlen(l[i].record),
			&l[i].rec, reason) != DKIM_OK)
			l[i].rec = NULL;
	pthread_mutex_lock(&g->lock);
	lines_free(g->state_keep, g->state_nkeep);
	g->state_keep = l; /* also for '%' keys added on first use */
	g->state_nkeep = n;
	for (i = 0; i < g->n; i++)
		restored += guard_state_restore_entry(g, g->ent[i]);
	pthread_mutex_unlock(&g->lock);
	guard_emit(g, LOG_INFO,
	    "guard: %d key(s) restored from %s (valid at their last check); "
	    "GuardGrace counts from that check if DNS fails now",
	    restored, g->state_path);
	return restored;
}
