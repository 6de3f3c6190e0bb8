/*
 * msglog.h - the one structured log line per message.
 *
 * SYNOPSIS
 *	struct msglog ml;                     (inside struct msgctx)
 *	msglog_begin(&ml, MSGLOG_NORMAL);     MAIL FROM
 *	msglog_decision(&ml, "sign", why, client, envfrom);
 *	msglog_from(&ml, "example.com");  msglog_rule(&ml, "mail.key");
 *	msglog_signature(&ml, d, s, a, "valid", "signed", "");
 *	msglog_verdict(&ml, &res[i]);  msglog_overall(&ml, "pass");
 *	msglog_action(&ml, "accept", dry_run);
 *	msglog_emit(&ml, qid);                end of message / abort
 *
 * DESCRIPTION
 *	Fields are added while the message runs and written as one line at
 *	the end: "qid=... decision=sign why=\"client in InternalHosts\" ...".
 *	Field names are stable and documented in dkimguard-observability(7);
 *	they are written only by this module.  A value is written bare when
 *	it is non-empty and holds only printable ASCII other than space, '"',
 *	'=' and '\\'; otherwise it is quoted: "..." with \" \\ \n \r \t and
 *	\xHH for other control bytes (bytes >= 0x80 are kept, UTF-8 passes).
 *	Numbered fields (sigN_*, dkimN_*) count from 1 in the order added.
 *	When the line would pass MSGLOG_MAX bytes, later fields are dropped
 *	and the line ends with truncated=1.
 *
 *	Verbosity (LogMessageLine) is decided here: at MSGLOG_OFF every call
 *	is a no-op and nothing is logged; MSGLOG_VERBOSE adds the fields
 *	marked (verbose) in the man page.
 */
#ifndef DKIMGUARD_MSGLOG_H
#define DKIMGUARD_MSGLOG_H

#include <stddef.h>

#include "dkim.h"
#include "common/config/config.h" /* MSGLOG_OFF, _NORMAL, _VERBOSE */

#define MSGLOG_MAX 2048

struct msglog {
	int level;           /* MSGLOG_*; 0 (zeroed): off */
	unsigned nsig, nver; /* sigN_ and dkimN_ counters */
	int truncated;
	int emitted;
	size_t len;
	char buf[MSGLOG_MAX]; /* fields, each with a leading space */
};

/* msglog_begin - start a message's line at verbosity level */
void msglog_begin(struct msglog *ml, int level);
/* msglog_add - one field key=value if level <= ml->level; NULL skips */
void
msglog_add(struct msglog *ml, int level, const char *key, const char *value);
/* msglog_addf - msglog_add with a formatted value */
void msglog_addf(struct msglog *ml, int level, const char *key, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

/* the documented fields, one function each */
void msglog_decision(struct msglog *ml, const char *decision, const char *why,
    const char *client, const char *envfrom);
void msglog_from(struct msglog *ml, const char *from_domain);
void msglog_rule(struct msglog *ml, const char *rule);
void
msglog_signature(struct msglog *ml, const char *d, const char *s, const char *a,
    const char *guard_state, const char *result, const char *problem);
void msglog_verdict(struct msglog *ml, const dkim_sig_result *r);
void msglog_overall(struct msglog *ml, const char *result);
void msglog_action(struct msglog *ml, const char *action, int dry_run);
void msglog_error(struct msglog *ml, const char *error);
void msglog_alert(struct msglog *ml, const char *reason);
void msglog_aligned(struct msglog *ml, int aligned, const char *reason);
void msglog_spf(struct msglog *ml, const char *result, const char *detail);
void msglog_receiver(struct msglog *ml, const char *dmarc, const char *policy,
    int dkim_aligned, const char *spf_aligned, const char *outlook,
    const char *outlook_why);

/*
 * msglog_quote - value as written in the line, NUL-terminated in out;
 * returns the length it needs (like snprintf), so out may be too small.
 */
size_t msglog_quote(const char *value, char *out, size_t len);
/* msglog_format - the whole line for qid into out; its length */
size_t
msglog_format(const struct msglog *ml, const char *qid, char *out, size_t len);
/* msglog_emit - log the line once (info level); later calls do nothing */
void msglog_emit(struct msglog *ml, const char *qid);

#endif /* DKIMGUARD_MSGLOG_H */
