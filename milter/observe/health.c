/*
 * health.c - ok / degraded / failing from the guard's key states
 * (see health.h for the rules).
 */
#define _GNU_SOURCE /* vasprintf */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"
#include "metrics.h"

/* add_reason - one more line; beyond the cap only counted */
static int
add_reason(struct health_report *r, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	if (r->nreasons == HEALTH_MAX_REASONS) {
		r->more++;
		return 0;
	}
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	r->reason[r->nreasons++] = s;
	return 0;
}

/* worse - raise the status, never lower it */
static void
worse(struct health_report *r, enum health_status s)
{
	if (s > r->status)
		r->status = s;
}

/* in_grace - DNS failing, but the last good check still stands */
static int
in_grace(const struct health_input *in, const struct guard_info *k)
{
	return k->state == GUARD_TEMPERROR && k->last_good != 0 &&
	    in->now < k->since + (time_t)in->grace;
}

/* eval_key - 1 when the key can sign, with a reason if it needs care */
static int
eval_key(const struct health_input *in, const struct guard_info *k,
    struct health_report *r, int *rc)
{
	if (k->state == GUARD_VALID)
		return 1;
	if (k->state == GUARD_UNCHECKED) {
		*rc |= add_reason(r, "key %s/%s: not checked yet", k->domain,
		    k->selector);
		return 1;
	}
	if (in_grace(in, k)) {
		*rc |= add_reason(r,
		    "key %s/%s: DNS failing for %lld s, "
		    "signing on the last good check for %lld s more: %s",
		    k->domain, k->selector, (long long)(in->now - k->since),
		    (long long)(k->since + (time_t)in->grace - in->now),
		    k->problem);
		return 1;
	}
	*rc |= add_reason(r, "key %s/%s: %s (GuardAction %s): %s", k->domain,
	    k->selector, guard_state_str(k->state), guard_action_str(k->action),
	    k->problem);
	return 0;
}

/* health_eval - the rules of health.h */
int
health_eval(const struct health_input *in, struct health_report *r)
{
	size_t i, usable = 0;
	int rc = 0;

	memset(r, 0, sizeof *r);
	if (!in->configured) {
		r->status = HEALTH_FAILING;
		return add_reason(r, "no configuration loaded");
	}
	for (i = 0; i < in->nkeys; i++)
		usable += (size_t)eval_key(in, &in->keys[i], r, &rc);
	if (r->nreasons + r->more > 0)
		worse(r, HEALTH_DEGRADED);
	if (in->nkeys > 0 && usable == 0) {
		worse(r, HEALTH_FAILING);
		rc |= add_reason(r,
		    "no signing key is usable: mail that "
		    "should be signed is refused, held or sent unsigned");
	}
	return rc != 0 ? -1 : 0;
}

/* health_report_free - the reason lines */
void
health_report_free(struct health_report *r)
{
	size_t i;

	for (i = 0; i < r->nreasons; i++)
		free(r->reason[i]);
	memset(r, 0, sizeof *r);
}

/* health_status_str - the word /healthz starts with */
const char *
health_status_str(enum health_status s)
{
	switch (s) {
	case HEALTH_OK:
		return "ok";
	case HEALTH_DEGRADED:
		return "degraded";
	default:
		return "failing";
	}
}

/* health_text - status, then one "- reason" line each */
void
health_text(const struct health_report *r, struct strbuf *out)
{
	size_t i;

	strbuf_printf(out, "%s\n", health_status_str(r->status));
	for (i = 0; i < r->nreasons; i++)
		strbuf_printf(out, "- %s\n", r->reason[i]);
	if (r->more > 0)
		strbuf_printf(out, "- ... and %zu more\n", r->more);
}
