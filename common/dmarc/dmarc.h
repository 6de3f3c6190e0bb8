/*
 * dmarc.h - DMARC policy records (RFC 7489 6.3) and their discovery with
 *	     the organizational-domain fallback (RFC 7489 6.6.3).
 *
 * SYNOPSIS
 *	#include "common/dmarc/dmarc.h"
 *
 *	struct dmarc_record rec;
 *	if (dmarc_record_parse("v=DMARC1; p=reject; sp=none", &rec) < 0)
 *		puts(rec.error);
 *
 *	struct spf_dns dns = spf_dns_resolver(res);    or spf_zone_dns(zone)
 *	struct dmarc_policy pol;
 *	dmarc_discover(&dns, psl, "mail.example.com", &pol);
 *	if (pol.status == DMARC_FOUND)
 *		printf("%s at %s\n", dmarc_disp_str(pol.disp), pol.where);
 *
 * DESCRIPTION
 *	dmarc_record_parse reads one TXT record as a tag list (RFC 7489 6.4:
 *	"v=DMARC1" first, then tags in any order, separated by ';', blanks
 *	around them allowed, unknown tags ignored).  A syntax error is data:
 *	the record comes back with valid = 0 and error saying which tag is
 *	wrong and why, never a crash.  As 6.6.3 asks, a record whose p= is
 *	missing or wrong but which has a valid rua= counts as p=none.
 *
 *	dmarc_discover asks for TXT at _dmarc.DOMAIN; records not starting
 *	with v=DMARC1 are ignored; when none is left it asks at _dmarc.ORG,
 *	ORG being the organizational domain (RFC 7489 3.2) through the
 *	public suffix list (common/guard's guard_orgdomain, shared with the
 *	milter's alignment check).  More than one DMARC record at a name
 *	means no policy (6.6.3 step 4).  The disposition that applies to
 *	DOMAIN is p= for its own record and sp= (p= when absent) for a record
 *	inherited from the organizational domain (6.3 "sp").
 *
 *	DNS goes through struct spf_dns (only its txt function), so the
 *	same code runs over the project's resolver and over a file zone.
 *	Everything copied from DNS into the result is printable ASCII
 *	(other bytes become '?').  No global state.
 */
#ifndef DKIMGUARD_DMARC_H
#define DKIMGUARD_DMARC_H

#include <stddef.h>

#include "common/guard/guard.h"
#include "common/spf/spf.h"

/* dmarc_disp - the requested Mail Receiver policy (6.3 "p") */
enum dmarc_disp {
	DMARC_DISP_NONE = 0,
	DMARC_DISP_QUARANTINE,
	DMARC_DISP_REJECT
};

/* dmarc_mode - identifier alignment mode (6.3 "adkim", "aspf") */
enum dmarc_mode {
	DMARC_RELAXED = 0,
	DMARC_STRICT
};

#define DMARC_TEXT_MAX 512

/* dmarc_record - one parsed record */
struct dmarc_record {
	int valid;          /* 1: usable; 0: see error */
	enum dmarc_disp p;  /* p= (none when taken from rua= alone) */
	enum dmarc_disp sp; /* sp=, or p= when absent */
	int has_sp;         /* sp= was written */
	int p_from_rua;     /* p= missing or bad, rua= valid: p=none */
	enum dmarc_mode adkim, aspf;
	unsigned pct;             /* 0..100, default 100 */
	char rua[DMARC_TEXT_MAX]; /* as written, "" when absent */
	char ruf[DMARC_TEXT_MAX];
	char text[DMARC_TEXT_MAX];  /* the record, printable */
	char error[DMARC_TEXT_MAX]; /* valid = 0: what is wrong */
};

/*
 * dmarc_record_parse - one TXT record; 0 when valid, -1 with rec->valid
 * = 0 and rec->error set.  Unknown tags are ignored (6.3).
 */
int dmarc_record_parse(const char *txt, struct dmarc_record *rec);

/* dmarc_status - what discovery found */
enum dmarc_status {
	DMARC_FOUND = 0, /* a policy applies: rec, disp, where */
	DMARC_ABSENT,    /* no record at the domain nor at its org. */
	DMARC_INVALID,   /* a record exists but cannot be used: error */
	DMARC_MULTIPLE,  /* several records at one name (6.6.3 step 4) */
	DMARC_TEMPERROR  /* DNS failed: try later */
};

/* dmarc_policy - the outcome of discovery for one domain */
struct dmarc_policy {
	enum dmarc_status status;
	char domain[256];           /* asked for, lower case, no final dot */
	char org[256];              /* its organizational domain */
	char where[272];            /* "_dmarc.NAME" that decided ("" ABSENT) */
	int inherited;              /* the record is the org. domain's */
	struct dmarc_record rec;    /* FOUND, INVALID: the record */
	enum dmarc_disp disp;       /* FOUND: p= own, sp= inherited */
	char error[DMARC_TEXT_MAX]; /* INVALID/MULTIPLE/TEMPERROR: why */
};

/*
 * dmarc_discover - the policy for domain (6.6.3).  psl may be NULL (the
 * last two labels are then the organizational domain).  0, or -1 on
 * ENOMEM or a domain that cannot be a name (status TEMPERROR / INVALID).
 */
int dmarc_discover(const struct spf_dns *dns, const guard_psl *psl,
    const char *domain, struct dmarc_policy *out);

/*
 * dmarc_aligned - identifier alignment (RFC 7489 3.1): strict, the two
 * names are equal; relaxed, their organizational domains are equal.
 */
int dmarc_aligned(const guard_psl *psl, enum dmarc_mode mode, const char *id,
    const char *from);

/* dmarc_disp_str - "none", "quarantine", "reject" */
const char *dmarc_disp_str(enum dmarc_disp d);
/* dmarc_mode_str - "r", "s" */
const char *dmarc_mode_str(enum dmarc_mode m);
/* dmarc_status_str - "found", "absent", "invalid", "multiple", "temperror" */
const char *dmarc_status_str(enum dmarc_status s);

/* ---- the predicted receiver verdict (dmarc_verdict.c) ---- */

/*
 * dmarc_verdict_in - what is known of an outgoing message as it leaves.
 * DKIM is predicted to pass for each d= listed: those signatures were
 * made with keys the guard checked against the published records.
 */
struct dmarc_verdict_in {
	const char *from;          /* the RFC5322.From domain */
	const char *const *dkim_d; /* d= of our signatures that left */
	size_t ndkim;
	const char *spf;                /* spf_result_str word, "pending" or
				      * "not-checked" */
	const char *spf_domain;         /* what SPF judged: the MAIL FROM
				      * domain, or the HELO name for a null
				      * sender; "" or NULL: nothing */
	int null_sender;                /* spf_domain is the HELO name */
	const char *spf_source;         /* "192.0.2.1 (~all)": the address and
				      * directive that decided; NULL */
	const struct dmarc_policy *pol; /* the From: domain's; NULL: not
					 * known yet (pending) */
	const guard_psl *psl;           /* NULL: the last two labels */
};

/* dmarc_result - the DMARC evaluation a receiver will make (RFC 7489) */
enum dmarc_result {
	DMARC_RESULT_PASS = 0,
	DMARC_RESULT_FAIL,
	DMARC_RESULT_NONE,      /* no record */
	DMARC_RESULT_TEMPERROR, /* the record could not be looked up */
	DMARC_RESULT_PERMERROR, /* invalid, or several records */
	DMARC_RESULT_PENDING,   /* a part is being looked up */
	DMARC_RESULT_UNKNOWN    /* only SPF could pass it, not checked */
};

/* dmarc_answer - yes, no, or not known (never guessed) */
enum dmarc_answer {
	DMARC_NO = 0,
	DMARC_YES,
	DMARC_UNKNOWN
};

/* dmarc_why - why Outlook's requirements are not (known to be) met;
 * the metric label of each is dmarc_why_str.  The sure failures come
 * before the unknowns, which dmarc_why_outlook relies on. */
enum dmarc_why {
	DMARC_WHY_MEETS = 0,     /* outlook yes */
	DMARC_WHY_NO_DKIM,       /* no signature of ours left */
	DMARC_WHY_SPF,           /* SPF does not pass */
	DMARC_WHY_NO_RECORD,     /* no DMARC record */
	DMARC_WHY_BAD_RECORD,    /* invalid or several records */
	DMARC_WHY_UNALIGNED,     /* neither DKIM nor SPF aligns */
	DMARC_WHY_SPF_UNCHECKED, /* unknown: no OutboundAddresses */
	DMARC_WHY_SPF_PENDING,   /* unknown: SPF being computed */
	DMARC_WHY_DMARC_PENDING, /* unknown: policy being looked up */
	DMARC_WHY_TEMPERROR,     /* unknown: a DNS lookup failed */
	DMARC_WHY__COUNT
};

/* dmarc_verdict - the prediction */
struct dmarc_verdict {
	enum dmarc_result result;
	int has_policy;                /* a record applies: disp is set */
	enum dmarc_disp disp;          /* p=, or sp= when inherited */
	int dkim_aligned;              /* a d= aligns under adkim */
	enum dmarc_answer spf_aligned; /* SPF passes for a domain aligned
					* under aspf */
	enum dmarc_answer outlook;     /* meets Outlook's requirements */
	enum dmarc_why why;
	char reason[DMARC_TEXT_MAX]; /* outlook not yes: one sentence */
};

/*
 * dmarc_verdict - Microsoft's rule for Outlook.com (2025): SPF passes,
 * DKIM passes, a DMARC record is published (p=none at least) and DMARC
 * passes (SPF or DKIM aligned).  outlook is no when one requirement
 * surely fails (the first of: no DKIM, SPF, no or unusable record,
 * alignment), unknown when none does but SPF or the policy is not known
 * (not checked, pending, a DNS failure), else yes.  Alignment uses the
 * record's adkim and aspf (relaxed without one, RFC 7489 6.3).
 */
void
dmarc_verdict(const struct dmarc_verdict_in *in, struct dmarc_verdict *out);

/* dmarc_result_str - "pass", "fail", "none", "temperror", "permerror",
 * "pending", "unknown" */
const char *dmarc_result_str(enum dmarc_result r);
/* dmarc_answer_str - "no", "yes", "unknown" */
const char *dmarc_answer_str(enum dmarc_answer a);
/* dmarc_why_str - "meets", "no_dkim", "spf", "no_dmarc", "bad_dmarc",
 * "unaligned", "spf_not_checked", "spf_pending", "dmarc_pending",
 * "temperror" */
const char *dmarc_why_str(enum dmarc_why w);
/* dmarc_why_outlook - the outlook answer a reason goes with */
enum dmarc_answer dmarc_why_outlook(enum dmarc_why w);

#endif /* DKIMGUARD_DMARC_H */
