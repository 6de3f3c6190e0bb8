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

struct sendcheck {
	pthread_mutex_t lock;
	struct sendcheck_row row[SENDCHECK_MAX_DOMAINS + 1]; /* + "other" */
	size_t nrow;
	struct alert *alert;
	/* the latest unaligned message, for /healthz */
	time_t first, last; /* of the current run, 0: none */
	unsigned long count;
	char latest[300];
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
	pthread_mutex_destroy(&sc->lock);
	free(sc);
}

/* sendcheck_alert - for alert_flush and alert_set_interval */
struct alert *
sendcheck_alert(struct sendcheck *sc)
{
	return sc != NULL ? sc->alert : NULL;
}

/* row_of - the row of domain, a new one, or "other"; under lock */
static struct sendcheck_row *
row_of(struct sendcheck *sc, const char *domain)
{
	struct sendcheck_row *r;
	size_t i;

	if (domain == NULL || *domain == '\0')
		domain = "other";
	for (i = 0; i < sc->nrow; i++)
		if (strcasecmp(sc->row[i].domain, domain) == 0)
			return &sc->row[i];
	if (sc->nrow < SENDCHECK_MAX_DOMAINS && strlen(domain) < 256) {
		r = &sc->row[sc->nrow++];
		snprintf(r->domain, sizeof r->domain, "%s", domain);
		return r;
	}
	r = &sc->row[SENDCHECK_MAX_DOMAINS]; /* the overflow row */
	snprintf(r->domain, sizeof r->domain, "other");
	return r;
}

/* sendcheck_alignment - count; an unaligned message also warns */
void
sendcheck_alignment(struct sendcheck *sc, const char *domain,
    enum guard_alignment a, const char *qid, const char *detail)
{
	time_t t;
	int warn;

	if (sc == NULL || (unsigned)a >= SC_ALIGN__COUNT)
		return;
	/* a message left unsigned is the unsigned-mail alert's: counted */
	warn = a == GUARD_UNALIGNED_ORG || a == GUARD_UNALIGNED_STRICT;
	t = time(NULL);
	pthread_mutex_lock(&sc->lock);
	row_of(sc, domain)->align[a]++;
	if (warn) {
		if (sc->last == 0 || t >= sc->last + SENDCHECK_HEALTH_WINDOW) {
			sc->first = t;
			sc->count = 0;
		}
		sc->last = t;
		sc->count++;
		snprintf(sc->latest, sizeof sc->latest, "%s reason=%s",
		    detail != NULL ? detail : "", guard_alignment_str(a));
	}
	pthread_mutex_unlock(&sc->lock);
	if (warn) {
		char d[400];

		snprintf(d, sizeof d, "%s reason=%s",
		    detail != NULL ? detail : "", guard_alignment_str(a));
		alert_note(sc->alert, ALERT_UNALIGNED, qid, d);
	}
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

/* sendcheck_rows - a copy for one scrape, the "other" row last */
size_t
sendcheck_rows(struct sendcheck *sc, struct sendcheck_row *rows, size_t max)
{
	size_t n = 0, i;

	if (sc == NULL)
		return 0;
	pthread_mutex_lock(&sc->lock);
	for (i = 0; i < sc->nrow && n < max; i++)
		rows[n++] = sc->row[i];
	if (sc->row[SENDCHECK_MAX_DOMAINS].domain[0] != '\0' && n < max)
		rows[n++] = sc->row[SENDCHECK_MAX_DOMAINS];
	pthread_mutex_unlock(&sc->lock);
	return n;
}

/* sendcheck_problem - unaligned mail within the window */
int
sendcheck_problem(struct sendcheck *sc, time_t now, char *buf, size_t len)
{
	int set = 0;

	buf[0] = '\0';
	if (sc == NULL)
		return 0;
	pthread_mutex_lock(&sc->lock);
	if (sc->last != 0 && now < sc->last + SENDCHECK_HEALTH_WINDOW) {
		snprintf(buf, len,
		    "unaligned mail: %lu message%s in the last %lld s left "
		    "without a DKIM signature aligned with the From: domain, "
		    "so DMARC cannot pass on DKIM (latest: %s)",
		    sc->count, sc->count == 1 ? "" : "s",
		    (long long)(now - sc->first), sc->latest);
		set = 1;
	}
	pthread_mutex_unlock(&sc->lock);
	return set;
}
