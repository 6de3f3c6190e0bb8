/*
 * sendcheck.h - what receivers will think of outgoing mail, counted:
 *		 DKIM alignment with the From: domain and the SPF result
 *		 of the host's outbound addresses, per signing domain, and
 *		 whether Outlook's sender requirements are met, per From:
 *		 domain and reason, with the health reasons and the
 *		 rate-limited warnings they raise.
 *
 * SYNOPSIS
 *	struct sendcheck *sc = sendcheck_new(&alert_conf);  observe_start
 *	sendcheck_alignment(sc, "example.com", GUARD_UNALIGNED_ORG, qid,
 *	    "from_domain=example.org d=example.com");          signing.c
 *	sendcheck_spf(sc, "example.com", "fail");
 *	sendcheck_outlook(sc, "example.org", DMARC_WHY_SPF, qid,
 *	    "SPF softfail for example.org from 192.0.2.1 (~all)");
 *	n = sendcheck_rows(sc, rows, SENDCHECK_MAX_DOMAINS + 1);  a scrape
 *	n = sendcheck_from_rows(sc, rows, SENDCHECK_MAX_DOMAINS + 1);
 *	sendcheck_problem(sc, now, buf, sizeof buf);   /healthz, 1 if any
 *	sendcheck_free(sc);
 *
 * DESCRIPTION
 *	Counters are kept per signing domain (d= of the message's first
 *	signature), the domain of the key table and so bounded by the
 *	configuration; the first SENDCHECK_MAX_DOMAINS distinct domains
 *	have a series of their own, later ones (a "%" key table domain
 *	under a wildcard signing table could name any) share the domain
 *	"other".  The From: domain itself goes to the per-message log line
 *	only, where it costs no series.
 *
 *	An unaligned message (no signature of ours aligns with the From:
 *	domain) makes /healthz degraded for SENDCHECK_HEALTH_WINDOW seconds
 *	after the latest one, with the count, the latest From: domain, d=
 *	and reason, and goes to a rate-limited warning (alert.c, kind
 *	ALERT_KIND_UNALIGNED, UnsignedAlertInterval).
 *
 *	The Outlook prediction (dmarc_verdict) is counted per From: domain
 *	and reason (dmarc_why_str), bounded the same way (the first
 *	SENDCHECK_MAX_DOMAINS From: domains, then "other").  A message
 *	that surely fails Outlook's requirements (outlook=no; one left
 *	unsigned is the unsigned-mail alert's, only counted) makes
 *	/healthz degraded for SENDCHECK_HEALTH_WINDOW seconds with the count
 *	and the latest From: domain and reason, and goes to a second
 *	rate-limited warning (ALERT_KIND_OUTLOOK).  Thread-safe: one
 *	mutex, held for a table lookup and a few additions.
 */
#ifndef DKIMGUARD_SENDCHECK_H
#define DKIMGUARD_SENDCHECK_H

#include <stddef.h>
#include <time.h>

#include "alert.h"
#include "common/dmarc/dmarc.h"
#include "common/guard/guard.h"

#define SENDCHECK_MAX_DOMAINS 64
#define SENDCHECK_HEALTH_WINDOW 900

/* the SPF words counted (RFC 7208 2.6 and two of ours) */
#define SENDCHECK_SPF_WORDS(X)                                                 \
	X(SC_SPF_PASS, "pass")                                                 \
	X(SC_SPF_FAIL, "fail")                                                 \
	X(SC_SPF_SOFTFAIL, "softfail")                                         \
	X(SC_SPF_NEUTRAL, "neutral")                                           \
	X(SC_SPF_NONE, "none")                                                 \
	X(SC_SPF_TEMPERROR, "temperror")                                       \
	X(SC_SPF_PERMERROR, "permerror")                                       \
	X(SC_SPF_PENDING, "pending")                                           \
	X(SC_SPF_NOT_CHECKED, "not-checked")
#define SENDCHECK_SPF_CONST(id, word) id,
#define SENDCHECK_SPF_WORD_STR(id, word) word,
enum sendcheck_spf {
	SENDCHECK_SPF_WORDS(SENDCHECK_SPF_CONST) SC_SPF__COUNT
};
#define SC_ALIGN__COUNT (GUARD_UNALIGNED_NONE + 1)

/* sendcheck_row - one domain's counters: a signing domain's align and
 * spf (sendcheck_rows), a From: domain's outlook (sendcheck_from_rows) */
struct sendcheck_row {
	char domain[256];
	unsigned long align[SC_ALIGN__COUNT];    /* by enum guard_alignment */
	unsigned long spf[SC_SPF__COUNT];        /* by enum sendcheck_spf */
	unsigned long outlook[DMARC_WHY__COUNT]; /* by enum dmarc_why */
};

struct sendcheck;

/* sendcheck_new - NULL on ENOMEM; ac configures the warning */
struct sendcheck *sendcheck_new(const struct alert_conf *ac);
void sendcheck_free(struct sendcheck *sc);
/* sendcheck_alert - the unaligned-mail warning (interval, flush) */
struct alert *sendcheck_alert(struct sendcheck *sc);
/* sendcheck_outlook_alert - the Outlook warning (interval, flush) */
struct alert *sendcheck_outlook_alert(struct sendcheck *sc);

/* sendcheck_alignment - count one signed message; warn when unaligned */
void sendcheck_alignment(struct sendcheck *sc, const char *domain,
    enum guard_alignment a, const char *qid, const char *detail);
/* sendcheck_spf - count one message's SPF word (sendcheck_spf_word) */
void sendcheck_spf(struct sendcheck *sc, const char *domain, const char *word);
/* sendcheck_outlook - count one message's prediction by From: domain and
 * reason; outlook=no (dmarc_why_outlook) also warns with reason, except
 * for no_dkim (the unsigned-mail alert's) */
void sendcheck_outlook(struct sendcheck *sc, const char *from,
    enum dmarc_why why, const char *qid, const char *reason);
/* sendcheck_rows - copy up to max rows; how many */
size_t
sendcheck_rows(struct sendcheck *sc, struct sendcheck_row *rows, size_t max);
/* sendcheck_from_rows - the From: domains' rows, as sendcheck_rows */
size_t sendcheck_from_rows(struct sendcheck *sc, struct sendcheck_row *rows,
    size_t max);
/*
 * sendcheck_problem - the health reason at now ("" and 0 when neither
 * unaligned mail nor mail Outlook will refuse has flowed for
 * SENDCHECK_HEALTH_WINDOW seconds), 1 when set; both joined by "; "
 */
int sendcheck_problem(struct sendcheck *sc, time_t now, char *buf, size_t len);

/* sendcheck_spf_word - the counted word, index by enum sendcheck_spf */
const char *sendcheck_spf_word(enum sendcheck_spf s);

#endif /* DKIMGUARD_SENDCHECK_H */
