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

#endif /* DKIMGUARD_DMARC_H */
