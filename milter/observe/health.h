/*
 * health.h - one answer for monitoring: ok, degraded or failing, with
 *	      the reasons, from the published-key guard's key states.
 *
 * SYNOPSIS
 *	struct health_input in = { .configured = 1, .keys = infos,
 *	    .nkeys = n, .grace = GuardGrace, .now = time(NULL) };
 *	struct health_report r;
 *	health_eval(&in, &r);
 *	health_text(&r, &buf);     "degraded\n- key a.example/s1: ...\n"
 *	health_report_free(&r);
 *
 * DESCRIPTION
 *	ok        a configuration is loaded and every signing key's record
 *	          is published and matches (or there are no signing keys).
 *	degraded  mail still flows but something needs attention: a key
 *	          not checked yet, a key whose DNS lookups fail while the
 *	          last good check is still within GuardGrace, or some (not
 *	          all) keys whose record is missing, wrong or unreachable,
 *	          or outgoing mail receivers will judge badly (unaligned
 *	          mail has flowed in the last minutes, sendcheck.h).
 *	failing   no configuration is loaded, or no signing key is usable:
 *	          every key's record is missing, wrong, revoked, or DNS has
 *	          failed for longer than GuardGrace.
 *	A pure function of its input, so tests give it guard states directly.
 */
#ifndef DKIMGUARD_HEALTH_H
#define DKIMGUARD_HEALTH_H

#include <stddef.h>
#include <time.h>

#include "common/guard/guard.h"

enum health_status {
	HEALTH_OK = 0,
	HEALTH_DEGRADED,
	HEALTH_FAILING
};

struct health_input {
	int configured;                /* 0: no snapshot installed */
	const struct guard_info *keys; /* one per guard entry */
	size_t nkeys;
	unsigned grace; /* GuardGrace, seconds */
	time_t now;
	const char *outbound; /* outgoing-mail problem (sendcheck.h):
			       * degraded with it as the reason; NULL */
};

#define HEALTH_MAX_REASONS 32

struct health_report {
	enum health_status status;
	size_t nreasons;                  /* reasons recorded (capped) */
	size_t more;                      /* reasons beyond the cap */
	char *reason[HEALTH_MAX_REASONS]; /* malloc'ed lines */
};

/* health_eval - fill r; -1 on ENOMEM (status is then still set) */
int health_eval(const struct health_input *in, struct health_report *r);
void health_report_free(struct health_report *r);
/* health_status_str - "ok", "degraded", "failing" */
const char *health_status_str(enum health_status s);

struct strbuf;
/* health_text - status word on the first line, then "- reason" lines */
void health_text(const struct health_report *r, struct strbuf *out);

#endif /* DKIMGUARD_HEALTH_H */
