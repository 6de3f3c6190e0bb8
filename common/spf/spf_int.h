/*
 * spf_int.h - contracts between the parts of the SPF evaluator:
 *	       spf_record.c (parse one record), spf_macro.c (macros and
 *	       domain names), spf_addr.c (addresses), spf_eval.c
 *	       (check_host()).  Not for use outside common/spf/ (and its
 *	       unit test).
 */
#ifndef DKIMGUARD_SPF_INT_H
#define DKIMGUARD_SPF_INT_H

#include <stddef.h>
#include <time.h>

#include "spf.h"

#define SPF_MAX_DNS_TERMS 10 /* RFC 7208 4.6.4 */
#define SPF_MAX_VOID 2       /* RFC 7208 4.6.4 */
#define SPF_MAX_NAMES 10     /* MX and PTR names per term, 4.6.4 */
#define SPF_NAME_MAX 254     /* 253 characters (4.8) + NUL */
#define SPF_EXPAND_MAX 4096  /* expansion before truncation (4.8) */

/* spf_ip - a client or network address; IPv4 in b[0..3] */
struct spf_ip {
	int v6;
	unsigned char b[16];
};

/*
 * spf_ip_parse - IPv4 or IPv6 text; an IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d) is the IPv4 address (RFC 7208 5).  -1 when invalid.
 */
int spf_ip_parse(const char *s, struct spf_ip *ip);
/* spf_ip_match - same family and the first bits bits equal */
int
spf_ip_match(const struct spf_ip *ip, const struct spf_ip *net, unsigned bits);
/* spf_ip_reverse - "4.3.2.1.in-addr.arpa" or the ip6.arpa nibbles */
void spf_ip_reverse(const struct spf_ip *ip, char *out, size_t len);

enum spf_mech {
	SPF_M_ALL,
	SPF_M_INCLUDE,
	SPF_M_A,
	SPF_M_MX,
	SPF_M_PTR,
	SPF_M_IP4,
	SPF_M_IP6,
	SPF_M_EXISTS
};

/* spf_term - one directive (RFC 7208 4.6.1, 5) */
struct spf_term {
	enum spf_mech mech;
	enum spf_result qual;  /* PASS, FAIL, SOFTFAIL, NEUTRAL (4.6.2) */
	const char *spec;      /* domain-spec as written, NULL if none */
	unsigned cidr4, cidr6; /* 32 and 128 unless given */
	struct spf_ip net;     /* ip4:, ip6: */
	const char *text;      /* the directive as written */
};

/* spf_record - a parsed record; the strings point into buf */
struct spf_record {
	char *buf;
	struct spf_term *terms;
	size_t nterms;
	const char *redirect; /* domain-spec of redirect=, or NULL */
	const char *exp;      /* domain-spec of exp=, or NULL */
	const char *redirect_text;
};

/* spf_record_is_spf - "v=spf1" then a space or the end (4.5) */
int spf_record_is_spf(const char *txt);
/*
 * spf_record_parse - the whole record, all syntax checked (4.6, 12):
 * 0, or -1 with err (permerror; rec is then empty), -2 on ENOMEM.
 */
int spf_record_parse(const char *txt, struct spf_record *rec, char *err,
    size_t errlen);
void spf_record_free(struct spf_record *rec);

/* spf_macro_env - what the macro letters expand to (RFC 7208 7.3) */
struct spf_macro_env {
	const char *sender;   /* s */
	const char *local;    /* l */
	const char *sdomain;  /* o */
	const char *domain;   /* d: the current domain */
	const char *helo;     /* h */
	const char *receiver; /* r */
	struct spf_ip ip;     /* i, c, v */
	time_t now;           /* t */
	/* p: the validated name of ip for domain (5.5), "unknown" if none */
	void (*pname)(void *ctx, const char *domain, char *out, size_t len);
	void *pctx;
};

/* spf_macro_check - macro-string syntax; exp allows c, r, t: 0 or -1 */
int spf_macro_check(const char *s, size_t len, int exp);
/* spf_domain_spec_check - macro-string then domain-end (4.6.1, 7.1) */
int spf_domain_spec_check(const char *s, size_t len);
/*
 * spf_macro_expand - expand s into out (7.3, 7.4).  A domain (exp 0) is
 * then cut to 253 characters from the left and loses a trailing dot
 * (4.8).  0, or -1 on bad syntax or an expansion that does not fit.
 */
int spf_macro_expand(const char *s, int exp, const struct spf_macro_env *env,
    char *out, size_t outlen);
/*
 * spf_domain_valid - a name check_host() can ask for (4.3): labels of
 * 1..63 characters, at least two labels, not a domain literal.
 */
int spf_domain_valid(const char *name);
/* spf_domain_under - name equals parent or is a subdomain of it */
int spf_domain_under(const char *name, const char *parent);

/* spf_eval - one check_host() run: inputs, counters, the verdict */
struct spf_eval {
	const struct spf_dns *dns;
	const struct spf_request *rq;
	struct spf_verdict *v;
	struct spf_ip ip;
	const char *sender;         /* <sender>, postmaster@ filled in (4.3) */
	char local[256];            /* %{l} */
	char sdomain[SPF_NAME_MAX]; /* %{o} */
	/* the client's validated PTR names, looked up once (5.5) */
	char pnames[SPF_MAX_NAMES][SPF_NAME_MAX];
	size_t npnames;
	int pdone;
	int enomem;
};

/* spf_mres - what one mechanism gave */
enum spf_mres {
	SPF_NOMATCH = 0,
	SPF_MATCH,
	SPF_MTEMP,
	SPF_MPERM
};

/* spf_eval_domain - check_host() for one domain; top: its verdict counts */
enum spf_result
spf_eval_domain(struct spf_eval *ev, const char *domain, int top);
/* spf_mech_eval - one mechanism (RFC 7208 5) for the current domain */
enum spf_mres spf_mech_eval(struct spf_eval *ev, const struct spf_term *t,
    const char *domain);
/* spf_count_term - one more DNS-querying term (4.6.4); -1 over the limit */
int spf_count_term(struct spf_eval *ev, const char *text);
/* spf_env - the macro values for the current domain */
void
spf_env(struct spf_eval *ev, const char *domain, struct spf_macro_env *env);
/* spf_ask - one DNS question; an internal failure reads as TEMPFAIL */
void spf_ask(struct spf_eval *ev, spf_dns_fn fn, const char *name,
    struct spf_rrset *set);
/* spf_why - the first reason given wins; unprintable bytes become '?' */
void spf_why(struct spf_eval *ev, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* spf_printable - bytes outside printable ASCII become '?' (in place) */
void spf_printable(char *s);
/* spf_ptr_name - %{p}: the validated name of the client (5.5, 7.3) */
void spf_ptr_name(void *ctx, const char *domain, char *out, size_t len);

#endif /* DKIMGUARD_SPF_INT_H */
