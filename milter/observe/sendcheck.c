/*
 * sendcheck.c - outgoing-mail checks counted per signing domain, with
 *		 their health reason and warning (see sendcheck.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sendcheck.h"

/* recent - a run of messages with one problem, for /healthz */
struct recent {
	time_t first, last; /* of the current run, 0: none */
	unsigned long count;
	char latest[600];
};

struct sendcheck {
	pthread_mutex_t lock;
	struct sendcheck_row row[SENDCHECK_MAX_DOMAINS + 1]; /* + "other" */
	size_t nrow;
	struct sendcheck_row from[SENDCHECK_MAX_DOMAINS + 1]; /* From: */
	size_t nfrom;
	struct alert *alert, *outlook_alert;
	struct recent unaligned, outlook;
};

static const char *const spf_words[] = {
    SENDCHECK_SPF_WORDS(SENDCHECK_SPF_WORD_STR)};

/* sendcheck_spf_word - "pass", ..., "not-checked" */
const char *
sendcheck_spf_word(enum sendcheck_spf s)
{
	return (unsigned)s < SC_SPF__COUNT ? spf_words[s] : "?";
}

/* sendcheck_new - the warning uses ac with kind ALERT_KIND_UNALIGNED */
struct sendcheck *
sendcheck_new(const struct alert_conf *ac)
{
	struct sendcheck *sc = calloc(1, sizeof *sc);
	struct alert_conf c = *ac;

	if (sc == NULL)
		return NULL;
	c.kind = ALERT_KIND_UNALIGNED;
	if ((sc->alert = alert_new(&c)) == NULL) {
		free(sc);
		return NULL;
	}
	c.kind = ALERT_KIND_OUTLOOK;
	if ((sc->outlook_alert = alert_new(&c)) == NULL) {
		alert_free(sc->alert);
		free(sc);
		return NULL;
	}
	pthread_mutex_init(&sc->lock, NULL);
	return sc;
}

/* sendcheck_free - NULL is a no-op */
void
sendcheck_free(struct sendcheck *sc)
{
	if (sc == NULL)
		return;
	alert_free(sc->alert);
	alert_free(sc->outlook_alert);
	pthread_mutex_destroy(&sc->lock);
	free(sc);
}

/* sendcheck_alert - for alert_flush and alert_set_interval */
struct alert *
sendcheck_alert(struct sendcheck *sc)
{
	return sc != NULL ? sc->alert : NULL;
}

/* sendcheck_outlook_alert - for alert_flush and alert_set_interval */
struct alert *
sendcheck_outlook_alert(struct sendcheck *sc)
{
	return sc != NULL ? sc->outlook_alert : NULL;
}

/* row_in - the row of domain in a table of SENDCHECK_MAX_DOMAINS + 1
 * rows (*n used), a new one, or "other"; under lock */
static struct sendcheck_row *
row_in(struct sendcheck_row *rows, size_t *n, const char *domain)
{
	struct sendcheck_row *r;
	size_t i;

	if (domain == NULL || *domain == '\0')
		domain = "other";
	for (i = 0; i < *n; i++)
		if (strcasecmp(rows[i].domain, domain) == 0)
			return &rows[i];
	if (*n < SENDCHECK_MAX_DOMAINS && strlen(domain) < 256) {
		r = &rows[(*n)++];
		snprintf(r->domain, sizeof r->domain, "%s", domain);
		return r;
	}
	r = &rows[SENDCHECK_MAX_DOMAINS]; /* the overflow row */
	snprintf(r->domain, sizeof r->domain, "other");
	return r;
}

/* row_of - a signing domain's row; under lock */
static struct sendcheck_row *
row_of(struct sendcheck *sc, const char *domain)
{
	return row_in(sc->row, &sc->nrow, domain);
}

/* recent_note - one more message of the run at t (a new run after the
 * window); under lock */
static void
recent_note(struct recent *r, time_t t, const char *latest)
{
	if (r->last == 0 || t >= r->last + SENDCHECK_HEALTH_WINDOW) {
		r->first = t;
		r->count = 0;
	}
	r->last = t;
	r->count++;
	snprintf(r->latest, sizeof r->latest, "%s", latest);
}

/* recent_now - the run is within the window at now; under lock */
static int
recent_now(const struct recent *r, time_t now)
{
	return r->last != 0 && now < r->last + SENDCHECK_HEALTH_WINDOW;
}

/* sendcheck_alignment - count; an unaligned message also warns */
void
sendcheck_alignment(struct sendcheck *sc, const char *domain,
    enum guard_alignment a, const char *qid, const char *detail)
{
	char d[400];
	time_t t;
	int warn;

	if (sc == NULL || (unsigned)a >= SC_ALIGN__COUNT)
		return;
	/* a message left unsigned is the unsigned-mail alert's: counted */
	warn = a == GUARD_UNALIGNED_ORG || a == GUARD_UNALIGNED_STRICT;
	t = time(NULL);
	snprintf(d, sizeof d, "%s reason=%s", detail != NULL ? detail : "",
	    guard_alignment_str(a));
	pthread_mutex_lock(&sc->lock);
	row_of(sc, domain)->align[a]++;
	if (warn)
		recent_note(&sc->unaligned, t, d);
	pthread_mutex_unlock(&sc->lock);
	if (warn)
		alert_note(sc->alert, ALERT_UNALIGNED, qid, d);
}

/* sendcheck_outlook - count; a sure "no" also warns, unless unsigned */
void
sendcheck_outlook(struct sendcheck *sc, const char *from, enum dmarc_why why,
    const char *qid, const char *reason)
{
	/* a message left unsigned is the unsigned-mail alert's: counted */
	int warn =
	    dmarc_why_outlook(why) == DMARC_NO && why != DMARC_WHY_NO_DKIM;
	char d[600];
	time_t t;

	if (sc == NULL || (unsigned)why >= DMARC_WHY__COUNT)
		return;
	snprintf(d, sizeof d, "from_domain=%s reason=%s: %s",
	    from != NULL && *from ? from : "?", dmarc_why_str(why),
	    reason != NULL ? reason : "");
	t = time(NULL);
	pthread_mutex_lock(&sc->lock);
	row_in(sc->from, &sc->nfrom, from)->outlook[why]++;
	if (warn)
		recent_note(&sc->outlook, t, d);
	pthread_mutex_unlock(&sc->lock);
	if (warn)
		alert_note(sc->outlook_alert, ALERT_OUTLOOK, qid, d);
}

/* sendcheck_spf - count one word */
void
sendcheck_spf(struct sendcheck *sc, const char *domain, const char *word)
{
	size_t i;

	if (sc == NULL)
		return;
	for (i = 0; i < SC_SPF__COUNT; i++)
		if (strcmp(spf_words[i], word) == 0)
			break;
	if (i == SC_SPF__COUNT)
		return;
	pthread_mutex_lock(&sc->lock);
	row_of(sc, domain)->spf[i]++;
	pthread_mutex_unlock(&sc->lock);
}

/* copy_rows - a copy of a table for one scrape, the "other" row last */
static size_t
copy_rows(struct sendcheck *sc, const struct sendcheck_row *from, size_t nfrom,
    struct sendcheck_row *rows, size_t max)
{
	size_t n = 0, i;

	pthread_mutex_lock(&sc->lock);
	for (i = 0; i < nfrom && n < max; i++)
		rows[n++] = from[i];
	if (from[SENDCHECK_MAX_DOMAINS].domain[0] != '\0' && n < max)
		rows[n++] = from[SENDCHECK_MAX_DOMAINS];
	pthread_mutex_unlock(&sc->lock);
	return n;
}

/* sendcheck_rows - the signing domains */
size_t
sendcheck_rows(struct sendcheck *sc, struct sendcheck_row *rows, size_t max)
{
	return sc != NULL ? copy_rows(sc, sc->row, sc->nrow, rows, max) : 0;
}

/* sendcheck_from_rows - the From: domains */
size_t
sendcheck_from_rows(struct sendcheck *sc, struct sendcheck_row *rows,
    size_t max)
{
	return sc != NULL ? copy_rows(sc, sc->from, sc->nfrom, rows, max) : 0;
}

/* sendcheck_problem - unaligned mail, mail Outlook will refuse, within
 * the window */
int
sendcheck_problem(struct sendcheck *sc, time_t now, char *buf, size_t len)
{
	size_t n;

	buf[0] = '\0';
	if (sc == NULL)
		return 0;
	pthread_mutex_lock(&sc->lock);
	if (recent_now(&sc->unaligned, now))
		snprintf(buf, len,
		    "unaligned mail: %lu message%s in the last %lld s left "
		    "without a DKIM signature aligned with the From: domain, "
		    "so DMARC cannot pass on DKIM (latest: %s)",
		    sc->unaligned.count, sc->unaligned.count == 1 ? "" : "s",
		    (long long)(now - sc->unaligned.first),
		    sc->unaligned.latest);
	n = strlen(buf);
	if (recent_now(&sc->outlook, now))
		snprintf(buf + n, len - n,
		    "%smail Outlook will refuse: %lu message%s in the last "
		    "%lld s not meeting Outlook's sender requirements "
		    "(latest: %s)",
		    n > 0 ? "; " : "", sc->outlook.count,
		    sc->outlook.count == 1 ? "" : "s",
		    (long long)(now - sc->outlook.first), sc->outlook.latest);
	pthread_mutex_unlock(&sc->lock);
	return buf[0] != '\0';
}
