/*
 * msglog.c - build the per-message key=value line incrementally and
 * write it once (see msglog.h; fields in dkimguard-observability(7)).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "util/assert.h"
#include "util/log.h"
#include "msglog.h"

#define TRUNC_MARK " truncated=1"

/* key_ok - field names are [a-z0-9_]+ (API misuse otherwise) */
static int
key_ok(const char *key)
{
	if (*key == '\0')
		return 0;
	for (; *key != '\0'; key++)
		if (!((*key >= 'a' && *key <= 'z') ||
			(*key >= '0' && *key <= '9') || *key == '_'))
			return 0;
	return 1;
}

/* needs_quote - empty, or space, control, DEL, '"', '=', '\\' inside */
static int
needs_quote(const char *v)
{
	const unsigned char *p = (const unsigned char *)v;

	if (*p == '\0')
		return 1;
	for (; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f || *p == '"' || *p == '=' ||
		    *p == '\\')
			return 1;
	return 0;
}

/* put_escaped - one byte of a quoted value */
static size_t
put_escaped(unsigned char c, char *tmp)
{
	switch (c) {
	case '"':
		return (size_t)sprintf(tmp, "\\\"");
	case '\\':
		return (size_t)sprintf(tmp, "\\\\");
	case '\n':
		return (size_t)sprintf(tmp, "\\n");
	case '\r':
		return (size_t)sprintf(tmp, "\\r");
	case '\t':
		return (size_t)sprintf(tmp, "\\t");
	default:
		if (c < 0x20 || c == 0x7f)
			return (size_t)sprintf(tmp, "\\x%02x", c);
		tmp[0] = (char)c;
		tmp[1] = '\0';
		return 1;
	}
}

/* msglog_quote - bare or "quoted" value; returns the length needed */
size_t
msglog_quote(const char *value, char *out, size_t len)
{
	const unsigned char *p = (const unsigned char *)value;
	int quote = needs_quote(value);
	char tmp[8];
	size_t n = 0, k, i;

	if (quote && n + 1 < len)
		out[n] = '"';
	n += (size_t)quote;
	for (; *p != '\0'; p++) {
		k = put_escaped(*p, tmp);
		for (i = 0; i < k; i++, n++)
			if (n + 1 < len)
				out[n] = tmp[i];
	}
	if (quote && n + 1 < len)
		out[n] = '"';
	n += (size_t)quote;
	if (len > 0)
		out[n < len ? n : len - 1] = '\0';
	return n;
}

/* msglog_begin - empty line at this verbosity */
void
msglog_begin(struct msglog *ml, int level)
{
	memset(ml, 0, offsetof(struct msglog, buf)); /* not the buffer */
	ml->buf[0] = '\0';
	ml->level = level;
}

/* msglog_add - append " key=value" while it fits */
void
msglog_add(struct msglog *ml, int level, const char *key, const char *value)
{
	char q[MSGLOG_MAX];
	size_t qlen, need;

	if (ml->level == MSGLOG_OFF || level > ml->level || value == NULL ||
	    ml->truncated)
		return;
	ASSERT(key_ok(key)); /* keys are literals in the code */
	qlen = msglog_quote(value, q, sizeof q);
	need = 1 + strlen(key) + 1 + qlen;
	if (qlen >= sizeof q ||
	    ml->len + need + sizeof TRUNC_MARK > sizeof ml->buf) {
		ml->truncated = 1;
		return;
	}
	ml->len += (size_t)snprintf(ml->buf + ml->len, sizeof ml->buf - ml->len,
	    " %s=%s", key, q);
}

/* msglog_addf - formatted value */
void
msglog_addf(struct msglog *ml, int level, const char *key, const char *fmt, ...)
{
	char v[MSGLOG_MAX];
	va_list ap;

	if (ml->level == MSGLOG_OFF || level > ml->level)
		return;
	va_start(ap, fmt);
	vsnprintf(v, sizeof v, fmt, ap);
	va_end(ap);
	msglog_add(ml, level, key, v);
}

/* addn - numbered field prefixN_name */
static void
addn(struct msglog *ml, int level, const char *prefix, unsigned n,
    const char *name, const char *value)
{
	char key[64];

	snprintf(key, sizeof key, "%s%u_%s", prefix, n, name);
	msglog_add(ml, level, key, value);
}

/* msglog_decision - decision, why; client and envfrom (verbose) */
void
msglog_decision(struct msglog *ml, const char *decision, const char *why,
    const char *client, const char *envfrom)
{
	msglog_add(ml, MSGLOG_NORMAL, "decision", decision);
	msglog_add(ml, MSGLOG_NORMAL, "why", why);
	msglog_add(ml, MSGLOG_VERBOSE, "client", client);
	msglog_add(ml, MSGLOG_VERBOSE, "envfrom", envfrom);
}

/* msglog_from - the From: domain */
void
msglog_from(struct msglog *ml, const char *from_domain)
{
	msglog_add(ml, MSGLOG_NORMAL, "from_domain", from_domain);
}

/* msglog_rule - the signing table rule (or "none") */
void
msglog_rule(struct msglog *ml, const char *rule)
{
	msglog_add(ml, MSGLOG_NORMAL, "rule", rule);
}

/* msglog_signature - sigN_d/_s/_a/_guard/_result[/_problem] */
void
msglog_signature(struct msglog *ml, const char *d, const char *s, const char *a,
    const char *guard_state, const char *result, const char *problem)
{
	unsigned n;

	if (ml->level == MSGLOG_OFF)
		return;
	n = ++ml->nsig;
	addn(ml, MSGLOG_NORMAL, "sig", n, "d", d);
	addn(ml, MSGLOG_NORMAL, "sig", n, "s", s);
	addn(ml, MSGLOG_NORMAL, "sig", n, "a", a);
	addn(ml, MSGLOG_NORMAL, "sig", n, "guard", guard_state);
	addn(ml, MSGLOG_NORMAL, "sig", n, "result", result);
	if (problem != NULL && *problem != '\0')
		addn(ml, MSGLOG_NORMAL, "sig", n, "problem", problem);
}

/* msglog_verdict - dkimN_result/_d/_s/_a[/_reason]; _b, _bits verbose */
void
msglog_verdict(struct msglog *ml, const dkim_sig_result *r)
{
	char bits[16];
	unsigned n;

	if (ml->level == MSGLOG_OFF)
		return;
	n = ++ml->nver;
	addn(ml, MSGLOG_NORMAL, "dkim", n, "result",
	    dkim_verdict_str(r->verdict));
	addn(ml, MSGLOG_NORMAL, "dkim", n, "d", r->domain);
	addn(ml, MSGLOG_NORMAL, "dkim", n, "s", r->selector);
	addn(ml, MSGLOG_NORMAL, "dkim", n, "a", dkim_alg_str(r->alg));
	if (r->reason[0] != '\0')
		addn(ml, MSGLOG_NORMAL, "dkim", n, "reason", r->reason);
	addn(ml, MSGLOG_VERBOSE, "dkim", n, "b", r->b_prefix);
	snprintf(bits, sizeof bits, "%u", r->key_bits);
	addn(ml, MSGLOG_VERBOSE, "dkim", n, "bits", bits);
}

/* msglog_overall - the message's verification result */
void
msglog_overall(struct msglog *ml, const char *result)
{
	msglog_add(ml, MSGLOG_NORMAL, "dkim", result);
}

/* msglog_action - what happened to the message; dry_run=1 if so */
void
msglog_action(struct msglog *ml, const char *action, int dry_run)
{
	msglog_add(ml, MSGLOG_NORMAL, "action", action);
	if (dry_run)
		msglog_add(ml, MSGLOG_NORMAL, "dry_run", "1");
}

/* msglog_error - the sticky internal error */
void
msglog_error(struct msglog *ml, const char *error)
{
	msglog_add(ml, MSGLOG_NORMAL, "error", error);
}

/* msglog_alert - the unsigned-mail alert reason for this message */
void
msglog_alert(struct msglog *ml, const char *reason)
{
	msglog_add(ml, MSGLOG_NORMAL, "alert", reason);
}

/*
 * msglog_aligned - aligned=yes|no: does one of our signatures align with
 * the From: domain (AlignmentMode); align_reason= says why not
 */
void
msglog_aligned(struct msglog *ml, int aligned, const char *reason)
{
	msglog_add(ml, MSGLOG_NORMAL, "aligned", aligned ? "yes" : "no");
	if (!aligned)
		msglog_add(ml, MSGLOG_NORMAL, "align_reason", reason);
}

/*
 * msglog_spf - spf=pass|fail|...|pending|not-checked for the outbound
 * addresses; spf_detail= (verbose) the address and deciding directive
 */
void
msglog_spf(struct msglog *ml, const char *result, const char *detail)
{
	msglog_add(ml, MSGLOG_NORMAL, "spf", result);
	if (detail != NULL && *detail != '\0')
		msglog_add(ml, MSGLOG_VERBOSE, "spf_detail", detail);
}

/*
 * msglog_receiver - the verdict predicted for receivers (dmarc_verdict):
 * dmarc=, dmarc_policy= (NULL: no record, omitted), dkim_aligned=,
 * spf_aligned=, outlook=, and outlook_why= (NULL or "": omitted)
 */
void
msglog_receiver(struct msglog *ml, const char *dmarc, const char *policy,
    int dkim_aligned, const char *spf_aligned, const char *outlook,
    const char *outlook_why)
{
	msglog_add(ml, MSGLOG_NORMAL, "dmarc", dmarc);
	msglog_add(ml, MSGLOG_NORMAL, "dmarc_policy", policy);
	msglog_add(ml, MSGLOG_NORMAL, "dkim_aligned",
	    dkim_aligned ? "yes" : "no");
	msglog_add(ml, MSGLOG_NORMAL, "spf_aligned", spf_aligned);
	msglog_add(ml, MSGLOG_NORMAL, "outlook", outlook);
	if (outlook_why != NULL && *outlook_why != '\0')
		msglog_add(ml, MSGLOG_NORMAL, "outlook_why", outlook_why);
}

/* msglog_format - "qid=Q" + fields [+ truncated=1] */
size_t
msglog_format(const struct msglog *ml, const char *qid, char *out, size_t len)
{
	char q[256];

	msglog_quote(qid != NULL && *qid != '\0' ? qid : "NOQUEUE", q,
	    sizeof q);
	return (size_t)snprintf(out, len, "qid=%s%s%s", q, ml->buf,
	    ml->truncated ? TRUNC_MARK : "");
}

/* msglog_emit - one info line per message, never twice */
void
msglog_emit(struct msglog *ml, const char *qid)
{
	char line[MSGLOG_MAX + 300];

	if (ml->level == MSGLOG_OFF || ml->emitted)
		return;
	ml->emitted = 1;
	msglog_format(ml, qid, line, sizeof line);
	log_info("%s", line);
}
