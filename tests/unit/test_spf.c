/*
 * test_spf.c - Check tests for common/spf/: macro expansion (the RFC 7208
 * 7.4 examples, escapes, transformers, truncation, syntax errors), the
 * record parser (terms, CIDR lengths, modifiers, every syntax error
 * class), domain-spec grammar, check_host() over a file-backed zone
 * (results, limits, explanation, the directive reported, what a sender
 * cannot forge), and the resolver's decoding of A, AAAA, MX, PTR and TXT
 * replies for SPF.  The openspf suite runs in tests/conformance/run-spf.sh.
 */
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <check.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/dns/resolver.h"
#include "common/dns/resolver_int.h"
#include "common/spf/spf.h"
#include "common/spf/spf_int.h"
#include "common/spf/spf_zone.h"
#include "testutil.h"

/* ---- macros ---------------------------------------------------- */

/* env74 - the RFC 7208 7.4 setting */
static void
env74(struct spf_macro_env *env, const char *ip)
{
	memset(env, 0, sizeof *env);
	env->sender = "strong-bad@email.example.com";
	env->local = "strong-bad";
	env->sdomain = "email.example.com";
	env->domain = "email.example.com";
	env->helo = "mx.example.org";
	env->receiver = "mx.example.net";
	env->now = 1234567890;
	ck_assert_int_eq(spf_ip_parse(ip, &env->ip), 0);
}

static const struct {
	const char *ip, *in, *out;
	int exp;
} expand[] = {
    /* RFC 7208 7.4 */
    {"192.0.2.3", "%{s}", "strong-bad@email.example.com", 0},
    {"192.0.2.3", "%{o}", "email.example.com", 0},
    {"192.0.2.3", "%{d}", "email.example.com", 0},
    {"192.0.2.3", "%{d4}", "email.example.com", 0},
    {"192.0.2.3", "%{d3}", "email.example.com", 0},
    {"192.0.2.3", "%{d2}", "example.com", 0}, {"192.0.2.3", "%{d1}", "com", 0},
    {"192.0.2.3", "%{dr}", "com.example.email", 0},
    {"192.0.2.3", "%{d2r}", "example.email", 0},
    {"192.0.2.3", "%{l}", "strong-bad", 0},
    {"192.0.2.3", "%{l-}", "strong.bad", 0},
    {"192.0.2.3", "%{lr}", "strong-bad", 0},
    {"192.0.2.3", "%{lr-}", "bad.strong", 0},
    {"192.0.2.3", "%{l1r-}", "strong", 0},
    {"192.0.2.3", "%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com",
	0},
    {"192.0.2.3", "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com", 0},
    {"192.0.2.3", "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
	"bad.strong.lp.3.2.0.192.in-addr._spf.example.com", 0},
    {"192.0.2.3", "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
	"3.2.0.192.in-addr.strong.lp._spf.example.com", 0},
    {"192.0.2.3", "%{d2}.trusted-domains.example.net",
	"example.com.trusted-domains.example.net", 0},
    {"2001:db8::cb01", "%{ir}.%{v}._spf.%{d2}",
	"1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
	".ip6._spf.example.com",
	0},
    /* escapes, upper case, several delimiters, exp-only letters */
    {"192.0.2.3", "a%%b%_c%-d", "a%b c%20d", 0},
    {"192.0.2.3", "%{L}", "strong-bad", 0},
    {"192.0.2.3", "%{S}", "strong-bad%40email.example.com", 0},
    {"192.0.2.3", "%{l+-}", "strong.bad", 0},
    {"192.0.2.3", "%{d128}", "email.example.com", 0},
    {"192.0.2.3", "%{c} %{r} %{t}", "192.0.2.3 mx.example.net 1234567890", 1},
    {"2001:db8::cb01", "%{c}", "2001:db8::cb01", 1},
    {"::ffff:192.0.2.3", "%{i} %{v}", "192.0.2.3 in-addr", 1},
    {"192.0.2.3", "%{h}.", "mx.example.org", 0}, /* final dot */
    {"192.0.2.3", "trail.", "trail.", 1},        /* kept in exp */
    {"192.0.2.3", "%{p}", "unknown", 0},         /* no PTR source */
};

START_TEST(test_expand)
{
	struct spf_macro_env env;
	char out[SPF_EXPAND_MAX];

	env74(&env, expand[_i].ip);
	ck_assert_int_eq(spf_macro_expand(expand[_i].in, expand[_i].exp, &env,
			     out, sizeof out),
	    0);
	ck_assert_str_eq(out, expand[_i].out);
}
END_TEST

static const struct {
	const char *in;
	int exp;
} badmacro[] = {
    {"%{d0}", 0}, /* 7.3: the DIGIT transformer is nonzero */
    {"%(ir).example.com", 0},
    {"%x", 0},
    {"foo%", 0},
    {"%{d", 0},
    {"%{z}", 0},
    {"%{c}", 0}, /* c, r, t only in explanations (7.1) */
    {"%{r}", 0},
    {"%{t}", 0},
    {"%{d2x}", 0},
    {"a b", 0}, /* a space is no macro-literal */
    {"%{x}-files", 1},
};

START_TEST(test_expand_bad)
{
	struct spf_macro_env env;
	char out[SPF_EXPAND_MAX];

	env74(&env, "192.0.2.3");
	ck_assert_int_eq(spf_macro_expand(badmacro[_i].in, badmacro[_i].exp,
			     &env, out, sizeof out),
	    -1);
	ck_assert_int_eq(spf_macro_check(badmacro[_i].in,
			     strlen(badmacro[_i].in), badmacro[_i].exp),
	    -1);
}
END_TEST

/* 4.8: an expanded name over 253 characters loses labels on the left */
START_TEST(test_expand_truncate)
{
	struct spf_macro_env env;
	char out[SPF_EXPAND_MAX], spec[512] = "x.";
	int i;

	env74(&env, "192.0.2.3");
	for (i = 0; i < 15; i++) /* 15 * 18 = 270 characters */
		strlcat(spec, "%{o}.", sizeof spec);
	strlcat(spec, "com", sizeof spec);
	ck_assert_int_eq(spf_macro_expand(spec, 0, &env, out, sizeof out), 0);
	ck_assert_uint_le(strlen(out), 253);
	ck_assert_uint_gt(strlen(out), 253 - 64);
	ck_assert_str_eq(out + strlen(out) - 22, ".email.example.com.com");
	ck_assert_int_ne(out[0], '.');
}
END_TEST

static const struct {
	const char *spec;
	int ok;
} specs[] = {
    {"example.com", 1},
    {"%{d}", 1},
    {"foo.%{d2}", 1},
    {"_spf.example.com.", 1},
    {"a.123-456", 1},
    {"a.b-c", 1},
    {"x%%", 1},
    {"com", 0},
    {"com.", 0},
    {"1.2.3.4", 0},
    {"foo.-bar", 0},
    {"foo.bar-", 0},
    {"", 0},
    {"x.com..", 0},
    {"%{d}com", 0},
    {"foo.%{d", 0},
    {"a.b/24", 0},
};

START_TEST(test_domain_spec)
{
	ck_assert_int_eq(spf_domain_spec_check(specs[_i].spec,
			     strlen(specs[_i].spec)) == 0,
	    specs[_i].ok);
}
END_TEST

START_TEST(test_domain_valid)
{
	ck_assert(spf_domain_valid("example.com"));
	ck_assert(spf_domain_valid("example.com."));
	ck_assert(!spf_domain_valid("localhost")); /* 4.3 */
	ck_assert(!spf_domain_valid("a..example.com"));
	ck_assert(!spf_domain_valid("[192.0.2.1]"));
	ck_assert(!spf_domain_valid(""));
	ck_assert(!spf_domain_valid(
	    "a1234567890123456789012345678901234567890123456789012345678901234"
	    ".com"));
	ck_assert(spf_domain_under("mx.Example.COM.", "example.com"));
	ck_assert(spf_domain_under("example.com", "example.com."));
	ck_assert(!spf_domain_under("badexample.com", "example.com"));
}
END_TEST

/* ---- record parser --------------------------------------------- */

START_TEST(test_record_terms)
{
	struct spf_record r;
	char err[256];

	ck_assert_int_eq(
	    spf_record_parse(
		"V=SPF1 +a:%{d}.example.com/24//64 "
		"-mx//0 ~ptr ?ip4:192.0.2.0/24 ip6:2001:db8::/32 "
		"exists:%{ir}.bl.example.org include:_spf.example.net -ALL "
		"exp=explain.%{d} redirect=_spf.%{d} x-unknown=%{l}  ",
		&r, err, sizeof err),
	    0);
	ck_assert_uint_eq(r.nterms, 8);
	ck_assert_int_eq(r.terms[0].mech, SPF_M_A);
	ck_assert_int_eq(r.terms[0].qual, SPF_PASS);
	ck_assert_str_eq(r.terms[0].spec, "%{d}.example.com");
	ck_assert_uint_eq(r.terms[0].cidr4, 24);
	ck_assert_uint_eq(r.terms[0].cidr6, 64);
	ck_assert_str_eq(r.terms[0].text, "+a:%{d}.example.com/24//64");
	ck_assert_int_eq(r.terms[1].mech, SPF_M_MX);
	ck_assert_int_eq(r.terms[1].qual, SPF_FAIL);
	ck_assert_ptr_null(r.terms[1].spec);
	ck_assert_uint_eq(r.terms[1].cidr4, 32);
	ck_assert_uint_eq(r.terms[1].cidr6, 0);
	ck_assert_int_eq(r.terms[2].qual, SPF_SOFTFAIL);
	ck_assert_int_eq(r.terms[3].qual, SPF_NEUTRAL);
	ck_assert_int_eq(r.terms[3].mech, SPF_M_IP4);
	ck_assert_uint_eq(r.terms[3].cidr4, 24);
	ck_assert_int_eq(r.terms[4].net.v6, 1);
	ck_assert_uint_eq(r.terms[4].cidr6, 32);
	ck_assert_int_eq(r.terms[5].mech, SPF_M_EXISTS);
	ck_assert_int_eq(r.terms[6].mech, SPF_M_INCLUDE);
	ck_assert_int_eq(r.terms[7].mech, SPF_M_ALL);
	ck_assert_int_eq(r.terms[7].qual, SPF_FAIL);
	ck_assert_str_eq(r.exp, "explain.%{d}");
	ck_assert_str_eq(r.redirect, "_spf.%{d}");
	ck_assert_str_eq(r.redirect_text, "redirect=_spf.%{d}");
	spf_record_free(&r);
}
END_TEST

static const char *const badrec[] = {
    "v=spf1 a:foo",     /* no "." toplabel */
    "v=spf1 a:1.2.3.4", /* numeric toplabel */
    "v=spf1 ip4:192.0.2.1/33",
    "v=spf1 ip4:192.0.2.1/032", /* leading zero */
    "v=spf1 ip4:192.0.2.1//32",
    "v=spf1 ip4:192.0.2",
    "v=spf1 ip4",
    "v=spf1 ip6:::1/129",
    "v=spf1 ip6:192.0.2.1",
    "v=spf1 mx//129",
    "v=spf1 a/",
    "v=spf1 -all/8",
    "v=spf1 all:foo.com",
    "v=spf1 include",
    "v=spf1 include:foo.com/24",
    "v=spf1 ptr/24",
    "v=spf1 exists",
    "v=spf1 exists:%{c}.example.com",
    "v=spf1 foo:bar.com", /* unknown mechanism */
    "v=spf1 =all",
    "v=spf1 1up=foo",
    "v=spf1 foo=%abc",
    "v=spf1 exp=",
    "v=spf1 exp=-all",
    "v=spf1 redirect=",
    "v=spf1 exp=a.com exp=b.com",
    "v=spf1 redirect=a.com redirect=a.com",
    "v=spf1 a:ctrl.example.com\rptr", /* separators: spaces only */
    "v=spf1 a\tmx",
    "v=spf1 \xc3\xa9"
    "all", /* 3.1: ASCII only */
    "v=spf1 a:foo.com\x7f",
    "v=spf1 +-all",
};

START_TEST(test_record_bad)
{
	struct spf_record r;
	char err[256] = "";

	ck_assert_int_eq(spf_record_parse(badrec[_i], &r, err, sizeof err), -1);
	ck_assert_str_ne(err, "");
	ck_assert_ptr_null(r.terms);
}
END_TEST

START_TEST(test_record_select)
{
	ck_assert(spf_record_is_spf("v=spf1"));
	ck_assert(spf_record_is_spf("v=spf1 -all"));
	ck_assert(spf_record_is_spf("V=SpF1 -all"));
	ck_assert(!spf_record_is_spf("v=spf10"));
	ck_assert(!spf_record_is_spf("v=spf1mx"));
	ck_assert(!spf_record_is_spf(" v=spf1"));
	ck_assert(!spf_record_is_spf(""));
}
END_TEST

/* ---- check_host over a zone ------------------------------------ */

static const char zone[] =
    "example.com\tTXT\tv=spf1 ip4:192.0.2.0/24 a:mail.example.com "
    "mx/30 ~ip6:2001:db8::/32 -include:bad.example.net "
    "exp=why.example.com -all\n"
    "example.com\tTXT\tsome site verification\n"
    "example.com\tMX\tmx1.example.com\n"
    "mail.example.com\tA\t198.51.100.7\n"
    "mx1.example.com\tA\t203.0.113.9\n"
    "why.example.com\tTXT\t%{i} may not send for %{d}; sender %{l}\n"
    "bad.example.net\tTXT\tv=spf1 ip4:198.51.100.66 -all\n"
    "two.example.com\tTXT\tv=spf1 -all\n"
    "two.example.com\tTXT\tV=SPF1 +all\n"
    "slow.example.com\tTIMEOUT\n"
    "none.example.com\tA\t192.0.2.1\n"
    "eleven.example.com\tTXT\tv=spf1 a a a a a a a a a a a -all\n"
    "eleven.example.com\tA\t192.0.2.1\n"
    "ten.example.com\tTXT\tv=spf1 a a a a a a a a a a ?all\n"
    "ten.example.com\tA\t192.0.2.1\n"
    "void.example.com\tTXT\tv=spf1 a:n1.example.com a:n2.example.com "
    "a:n3.example.com ?all\n"
    "redir.example.com\tTXT\tv=spf1 redirect=example.com\n"
    "loop.example.com\tTXT\tv=spf1 include:loop.example.com\n"
    "plain.example.com\tTXT\tv=spf1 ip4:192.0.2.9 -all\n"
    "dangling.example.com\tTXT\tv=spf1 include:gone.example.com -all\n"
    "macro.example.com\tTXT\tv=spf1 exists:%{i}.bl.example.com "
    "redirect=%{d2}\n"
    "bigmx.example.com\tTXT\tv=spf1 mx -all\n"
    "bigmx.example.com\tMX\ta.example.com\n"
    "bigmx.example.com\tMX\tb.example.com\n"
    "bigmx.example.com\tMX\tc.example.com\n"
    "bigmx.example.com\tMX\td.example.com\n"
    "bigmx.example.com\tMX\te.example.com\n"
    "bigmx.example.com\tMX\tf.example.com\n"
    "bigmx.example.com\tMX\tg.example.com\n"
    "bigmx.example.com\tMX\th.example.com\n"
    "bigmx.example.com\tMX\ti.example.com\n"
    "bigmx.example.com\tMX\tj.example.com\n"
    "bigmx.example.com\tMX\tk.example.com\n";

static const struct {
	const char *ip, *domain, *sender;
	enum spf_result result;
	const char *mechanism;
	const char *explanation;
} hosts[] = {
    {"192.0.2.77", "example.com", "bob@example.com", SPF_PASS,
	"ip4:192.0.2.0/24", ""},
    {"::ffff:192.0.2.77", "example.com", "bob@example.com", SPF_PASS,
	"ip4:192.0.2.0/24", ""},
    {"198.51.100.7", "example.com", "bob@example.com", SPF_PASS,
	"a:mail.example.com", ""},
    {"203.0.113.10", "example.com", "bob@example.com", SPF_PASS, "mx/30", ""},
    {"2001:db8::1", "example.com", "bob@example.com", SPF_SOFTFAIL,
	"~ip6:2001:db8::/32", ""},
    {"198.51.100.66", "example.com", "bob@example.com", SPF_FAIL,
	"-include:bad.example.net",
	"198.51.100.66 may not send for example.com; sender bob"},
    {"198.51.100.99", "example.com", "", SPF_FAIL, "-all",
	"198.51.100.99 may not send for example.com; sender postmaster"},
    {"198.51.100.99", "redir.example.com", "a@redir.example.com", SPF_FAIL,
	"-all",
	"198.51.100.99 may not send for example.com; "
	"sender a"},
    {"192.0.2.1", "two.example.com", "a@two.example.com", SPF_PERMERROR, "",
	""},
    {"192.0.2.1", "slow.example.com", "a@slow.example.com", SPF_TEMPERROR, "",
	""},
    {"192.0.2.1", "none.example.com", "a@none.example.com", SPF_NONE, "", ""},
    {"192.0.2.1", "nxdomain.example.com", "a@nxdomain.example.com", SPF_NONE,
	"", ""},
    {"192.0.2.1", "localhost", "a@localhost", SPF_NONE, "", ""},
    {"192.0.2.2", "eleven.example.com", "a@eleven.example.com", SPF_PERMERROR,
	"a", ""},
    {"192.0.2.2", "ten.example.com", "a@ten.example.com", SPF_NEUTRAL, "?all",
	""},
    {"192.0.2.2", "void.example.com", "a@void.example.com", SPF_PERMERROR,
	"a:n3.example.com", ""},
    {"192.0.2.2", "loop.example.com", "a@loop.example.com", SPF_PERMERROR,
	"include:loop.example.com", ""},
    {"192.0.2.8", "plain.example.com", "a@plain.example.com", SPF_FAIL, "-all",
	"DEFAULT plain.example.com"},
};

static char zpath[TU_PATH_MAX];

/* zone_setup - the zone above as a file */
static void
zone_setup(void)
{
	tu_write_tmp(zpath, sizeof zpath, zone);
}

static void
zone_teardown(void)
{
	unlink(zpath);
}

/* check - spf_check_host over the zone */
static void
check(const char *ip, const char *domain, const char *sender, const char *helo,
    struct spf_verdict *v)
{
	struct spf_request rq = {0};
	struct spf_zone *z;
	struct spf_dns dns;
	char err[256];

	ck_assert_int_eq(spf_zone_open(zpath, &z, err, sizeof err), 0);
	dns = spf_zone_dns(z);
	rq.ip = ip;
	rq.domain = domain;
	rq.sender = sender;
	rq.helo = helo;
	rq.default_exp = "DEFAULT %{d}";
	ck_assert_int_eq(spf_check_host(&dns, &rq, v), 0);
	spf_zone_free(z);
}

START_TEST(test_check_host)
{
	struct spf_verdict v;

	check(hosts[_i].ip, hosts[_i].domain, hosts[_i].sender,
	    "helo.example.org", &v);
	ck_assert_msg(v.result == hosts[_i].result, "%s: %s, want %s (%s)",
	    hosts[_i].domain, spf_result_str(v.result),
	    spf_result_str(hosts[_i].result), v.reason);
	ck_assert_str_eq(v.mechanism, hosts[_i].mechanism);
	ck_assert_str_eq(v.explanation, hosts[_i].explanation);
	if (v.result == SPF_NONE || v.result == SPF_PERMERROR ||
	    v.result == SPF_TEMPERROR)
		ck_assert_str_ne(v.reason, "");
}
END_TEST

/* the 4.6.4 counters: 10 terms pass, the 11th fails; 2 voids, then 3 */
START_TEST(test_limits)
{
	struct spf_verdict v;

	check("192.0.2.2", "ten.example.com", "a@ten.example.com", NULL, &v);
	ck_assert_uint_eq(v.dns_terms, 10);
	check("192.0.2.2", "eleven.example.com", "a@eleven.example.com", NULL,
	    &v);
	ck_assert_uint_eq(v.dns_terms, 11);
	ck_assert_ptr_nonnull(strstr(v.reason, "4.6.4"));
	check("192.0.2.2", "void.example.com", "a@void.example.com", NULL, &v);
	ck_assert_uint_eq(v.void_lookups, 3);
	ck_assert_ptr_nonnull(strstr(v.reason, "void"));
	check("192.0.2.1", "two.example.com", "a@two.example.com", NULL, &v);
	ck_assert_ptr_nonnull(strstr(v.reason, "2 SPF records"));
}
END_TEST

static const struct {
	const char *domain;
	enum spf_result result;
	unsigned records, terms, voids;
	const char *problem;
} lints[] = {
    {"example.com", SPF_PASS, 1, 3, 0, ""},
    {"redir.example.com", SPF_PASS, 1, 4, 0, ""},
    {"ten.example.com", SPF_PASS, 1, 10, 0, ""},
    {"macro.example.com", SPF_PASS, 1, 2, 0, ""},
    {"two.example.com", SPF_PERMERROR, 2, 0, 0, "2 SPF records"},
    {"eleven.example.com", SPF_PERMERROR, 1, 11, 0, "more than 10"},
    {"void.example.com", SPF_PERMERROR, 1, 3, 3, "void"},
    {"loop.example.com", SPF_PERMERROR, 1, 11, 0, "more than 10"},
    {"dangling.example.com", SPF_PERMERROR, 1, 1, 0,
	"include:gone.example.com: no SPF record"},
    {"bigmx.example.com", SPF_PERMERROR, 1, 1, 0, "11 MX names"},
    {"none.example.com", SPF_NONE, 0, 0, 0, "no SPF record"},
    {"slow.example.com", SPF_TEMPERROR, 0, 0, 0, "DNS error"},
    {"localhost", SPF_NONE, 0, 0, 0, "not a valid domain"},
};

/* spf_lint: the worst case over every directive, for any client */
START_TEST(test_lint)
{
	struct spf_lint li;
	struct spf_zone *z;
	struct spf_dns dns;
	char err[256];

	ck_assert_int_eq(spf_zone_open(zpath, &z, err, sizeof err), 0);
	dns = spf_zone_dns(z);
	ck_assert_int_eq(spf_lint(&dns, lints[_i].domain, &li), 0);
	ck_assert_msg(li.result == lints[_i].result, "%s: %s (%s)",
	    lints[_i].domain, spf_result_str(li.result), li.problem);
	ck_assert_uint_eq(li.records, lints[_i].records);
	ck_assert_uint_eq(li.dns_terms, lints[_i].terms);
	ck_assert_uint_eq(li.void_lookups, lints[_i].voids);
	if (lints[_i].problem[0] == '\0')
		ck_assert_str_eq(li.problem, "");
	else
		ck_assert_msg(strstr(li.problem, lints[_i].problem) != NULL,
		    "%s: %s", lints[_i].domain, li.problem);
	if (li.records == 1)
		ck_assert_int_eq(strncmp(li.record, "v=spf1 ", 7), 0);
	if (_i == 0)
		ck_assert_int_eq(strncmp(li.record,
				     "v=spf1 ip4:192.0.2.0/24 a:", 26),
		    0);
	spf_zone_free(z);
}
END_TEST

/* a sender's local part reaches the explanation, never a line break */
START_TEST(test_no_forgery)
{
	struct spf_verdict v;

	check("198.51.100.99", "example.com",
	    "x\r\nAuthentication-Results: pass@example.com", NULL, &v);
	ck_assert_int_eq(v.result, SPF_FAIL);
	ck_assert_ptr_null(strpbrk(v.explanation, "\r\n"));
	ck_assert_ptr_nonnull(strstr(v.explanation, "sender x??Auth"));
	check("192.0.2.1", "bad\n.example.com", "a@b", NULL, &v);
	ck_assert_int_eq(v.result, SPF_NONE);
	ck_assert_ptr_null(strpbrk(v.reason, "\r\n"));
	check("not-an-address", "example.com", "a@example.com", NULL, &v);
	ck_assert_int_eq(v.result, SPF_PERMERROR);
}
END_TEST

START_TEST(test_identity)
{
	char s[256], d[256];

	ck_assert_int_eq(spf_identity("bob@example.com", "mx.example.org", s,
			     sizeof s, d, sizeof d),
	    0);
	ck_assert_str_eq(s, "bob@example.com");
	ck_assert_str_eq(d, "example.com");
	ck_assert_int_eq(spf_identity("", "mx.example.org", s, sizeof s, d,
			     sizeof d),
	    0);
	ck_assert_str_eq(s, "postmaster@mx.example.org");
	ck_assert_str_eq(d, "mx.example.org");
	ck_assert_int_eq(spf_identity("a@b@example.com", NULL, s, sizeof s, d,
			     sizeof d),
	    0);
	ck_assert_str_eq(d, "example.com");
	ck_assert_int_eq(spf_identity("x@example.com", NULL, s, 4, d, sizeof d),
	    -1);
	ck_assert_int_eq(spf_result_parse("SoftFail"), SPF_SOFTFAIL);
	ck_assert_int_eq(spf_result_parse("maybe"), -1);
	ck_assert_str_eq(spf_result_str(SPF_TEMPERROR), "temperror");
}
END_TEST

START_TEST(test_ip)
{
	struct spf_ip a, n;
	char rev[128];

	ck_assert_int_eq(spf_ip_parse("::ffff:192.0.2.1", &a), 0);
	ck_assert_int_eq(a.v6, 0);
	ck_assert_int_eq(spf_ip_parse("192.0.2.0", &n), 0);
	ck_assert(spf_ip_match(&a, &n, 24));
	ck_assert(!spf_ip_match(&a, &n, 32));
	ck_assert(spf_ip_match(&a, &n, 31));
	spf_ip_reverse(&a, rev, sizeof rev);
	ck_assert_str_eq(rev, "1.2.0.192.in-addr.arpa");
	ck_assert_int_eq(spf_ip_parse("2001:db8::cb01", &a), 0);
	ck_assert(!spf_ip_match(&a, &n, 0)); /* families never mix */
	spf_ip_reverse(&a, rev, sizeof rev);
	ck_assert_str_eq(rev,
	    "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.8.b.d.0.1.0.0.2.ip6.arpa");
	ck_assert_int_eq(spf_ip_parse("192.0.2.01", &a), -1);
	ck_assert_int_eq(spf_ip_parse(NULL, &a), -1);
}
END_TEST

/* an SPF record behind 40 other TXT records is still found (4.5) */
START_TEST(test_many_txt)
{
	char path[TU_PATH_MAX], buf[8192] = "", line[128], err[256];
	struct spf_request rq = {0};
	struct spf_verdict v;
	struct spf_zone *z;
	struct spf_dns dns;
	int i;

	for (i = 0; i < 40; i++) {
		snprintf(line, sizeof line, "many.example.com TXT t-%d\n", i);
		strlcat(buf, line, sizeof buf);
	}
	strlcat(buf,
	    "many.example.com TXT v=spf1 ip4:192.0.2.1 -all\n"
	    "1.2.0.192.in-addr.arpa PTR mx.example.com.\n"
	    "1.2.0.192.in-addr.arpa PTR other.example.org\n"
	    "mx.example.com A 192.0.2.1\n"
	    "other.example.org A 192.0.2.1\n"
	    "p.example.org TXT v=spf1 ptr:example.com exp=e.example.org -all\n"
	    "e.example.org TXT from %{p}\n",
	    sizeof buf);
	tu_write_tmp(path, sizeof path, buf);
	ck_assert_int_eq(spf_zone_open(path, &z, err, sizeof err), 0);
	unlink(path);
	dns = spf_zone_dns(z);
	rq.ip = "192.0.2.1";
	rq.domain = "many.example.com";
	ck_assert_int_eq(spf_check_host(&dns, &rq, &v), 0);
	ck_assert_int_eq(v.result, SPF_PASS);
	ck_assert_str_eq(v.mechanism, "ip4:192.0.2.1");
	/* ptr: validated names; %{p} prefers one under <domain> (7.3) */
	rq.domain = "p.example.org";
	ck_assert_int_eq(spf_check_host(&dns, &rq, &v), 0);
	ck_assert_int_eq(v.result, SPF_PASS);
	rq.ip = "192.0.2.2";
	ck_assert_int_eq(spf_check_host(&dns, &rq, &v), 0);
	ck_assert_int_eq(v.result, SPF_FAIL);
	ck_assert_str_eq(v.explanation, "from unknown");
	spf_zone_free(z);
}
END_TEST

/* a bad zone line is named FILE:LINE with what is expected */
START_TEST(test_zone_errors)
{
	static const char *const bad[] = {
	    "# fine\nx.example.com\tBOGUS\tv\n",
	    "# fine\nx.example.com\tTXT\tbad \\q escape\n",
	    "# fine\nx.example.com\n",
	};
	char path[TU_PATH_MAX], err[512], want[TU_PATH_MAX + 8];
	struct spf_zone *z;
	size_t i;

	for (i = 0; i < NELEM(bad); i++) {
		tu_write_tmp(path, sizeof path, bad[i]);
		ck_assert_int_eq(spf_zone_open(path, &z, err, sizeof err), -1);
		ck_assert_ptr_null(z);
		snprintf(want, sizeof want, "%s:2: ", path);
		ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
		unlink(path);
	}
}
END_TEST

/* ---- the resolver's records for SPF ---------------------------- */

struct msgb {
	uint8_t buf[4096];
	size_t len;
};

/* reply - a NOERROR/NXDOMAIN reply to a query for name and type */
static void
reply(struct msgb *m, const char *name, int type, int rcode)
{
	int n = rmsg_query_type(name, type, 0x4242, 0, m->buf, sizeof m->buf);

	ck_assert_int_gt(n, 0);
	m->len = (size_t)n;
	m->buf[2] |= 0x80;
	m->buf[3] = 0x80 | rcode;
}

/* rr - one answer record */
static void
rr(struct msgb *m, const char *owner, int type, const void *rd, size_t rdlen)
{
	uint8_t *p;
	int n =
	    dn_comp(owner, m->buf + m->len, sizeof m->buf - m->len, NULL, NULL);

	ck_assert_int_gt(n, 0);
	p = m->buf + m->len + n;
	NS_PUT16(type, p);
	NS_PUT16(ns_c_in, p);
	NS_PUT32(300, p);
	NS_PUT16(rdlen, p);
	memcpy(p, rd, rdlen);
	m->len = (size_t)(p + rdlen - m->buf);
	m->buf[7]++;
}

/* interp - decode m as the answer for name/type */
static enum rmsg_result
interp(struct msgb *m, const char *name, int type, struct resolver_rrset *s)
{
	char next[NS_MAXDNAME];
	uint32_t ttl = UINT32_MAX;
	unsigned hops = 0;

	memset(s, 0, sizeof *s);
	return rmsg_interp_rr(m->buf, m->len, name, type, s, &ttl, next, &hops);
}

START_TEST(test_resolver_rr)
{
	struct resolver_rrset s;
	struct msgb m;
	uint8_t a[4] = {192, 0, 2, 1}, a6[16], mx[64],
		txt[] = "\x0bv=spf1 -all\x03"
			"a\0b";
	int n;

	reply(&m, "example.com", ns_t_a, ns_r_noerror);
	rr(&m, "example.com", ns_t_a, a, 4);
	rr(&m, "example.com", ns_t_a, a, 3); /* malformed: all fail */
	ck_assert_int_eq(interp(&m, "example.com", ns_t_a, &s), RMSG_DONE);
	ck_assert_int_eq(s.status, DKIM_DNS_SERVFAIL);

	reply(&m, "example.com", ns_t_aaaa, ns_r_noerror);
	inet_pton(AF_INET6, "2001:db8::1", a6);
	rr(&m, "Example.COM", ns_t_aaaa, a6, 16);
	ck_assert_int_eq(interp(&m, "example.com", ns_t_aaaa, &s), RMSG_DONE);
	ck_assert_int_eq(s.status, DKIM_DNS_OK);
	ck_assert_str_eq(s.rr[0], "2001:db8::1");
	resolver_rrset_clear(&s);

	reply(&m, "example.com", ns_t_mx, ns_r_noerror);
	mx[0] = 0;
	mx[1] = 10;
	n = dn_comp("mx1.example.com", mx + 2, sizeof mx - 2, NULL, NULL);
	rr(&m, "example.com", ns_t_mx, mx, (size_t)n + 2);
	ck_assert_int_eq(interp(&m, "example.com", ns_t_mx, &s), RMSG_DONE);
	ck_assert_uint_eq(s.total, 1);
	ck_assert_str_eq(s.rr[0], "mx1.example.com");
	resolver_rrset_clear(&s);

	/* a name with a space: owner names compare in presentation form */
	reply(&m, "a b.example.com", ns_t_txt, ns_r_noerror);
	rr(&m, "a b.example.com", ns_t_txt, txt, sizeof txt - 1);
	ck_assert_int_eq(interp(&m, "a b.example.com", ns_t_txt, &s),
	    RMSG_DONE);
	ck_assert_int_eq(s.status, DKIM_DNS_OK);
	/* strings joined; the NUL became 0x7f and did not cut the text */
	ck_assert_str_eq(s.rr[0],
	    "v=spf1 -alla\x7f"
	    "b");
	resolver_rrset_clear(&s);

	reply(&m, "1.2.0.192.in-addr.arpa", ns_t_ptr, ns_r_nxdomain);
	ck_assert_int_eq(interp(&m, "1.2.0.192.in-addr.arpa", ns_t_ptr, &s),
	    RMSG_DONE);
	ck_assert_int_eq(s.status, DKIM_DNS_NXDOMAIN);

	ck_assert_int_eq(resolver_query(NULL, "x.example.com", ns_t_soa, &s),
	    DKIM_EINVAL);
}
END_TEST

static Suite *
spf_suite(void)
{
	Suite *s = suite_create("spf");
	TCase *tm = tcase_create("macro");
	TCase *tr = tcase_create("record");
	TCase *tc = tcase_create("check_host");

	tcase_add_loop_test(tm, test_expand, 0, (int)NELEM(expand));
	tcase_add_loop_test(tm, test_expand_bad, 0, (int)NELEM(badmacro));
	tcase_add_test(tm, test_expand_truncate);
	tcase_add_loop_test(tm, test_domain_spec, 0, (int)NELEM(specs));
	tcase_add_test(tm, test_domain_valid);
	tcase_add_test(tm, test_ip);
	suite_add_tcase(s, tm);
	tcase_add_test(tr, test_record_terms);
	tcase_add_loop_test(tr, test_record_bad, 0, (int)NELEM(badrec));
	tcase_add_test(tr, test_record_select);
	tcase_add_test(tr, test_resolver_rr);
	suite_add_tcase(s, tr);
	tcase_add_checked_fixture(tc, zone_setup, zone_teardown);
	tcase_add_loop_test(tc, test_check_host, 0, (int)NELEM(hosts));
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_no_forgery);
	tcase_add_test(tc, test_identity);
	tcase_add_test(tc, test_many_txt);
	tcase_add_loop_test(tc, test_lint, 0, (int)NELEM(lints));
	tcase_add_test(tc, test_zone_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(spf_suite());
}
