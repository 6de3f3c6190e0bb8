/*
 * test_decide.c - the sign/verify decision table: client address,
 * {auth_authen}, {daemon_name}, no client (sendmail/pickup), Mode.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "common/config/config.h"
#include "milter/decide.h"
#include "testutil.h"

struct decide_case {
	int mode;
	const char *addr; /* NULL: no client address */
	const char *auth;
	const char *daemon;
	enum decision want;
};

static const struct decide_case cases[] = {
    /* Mode both: internal signs, external verifies */
    {MODE_BOTH, "127.0.0.1", NULL, NULL, DECIDE_SIGN},
    {MODE_BOTH, "127.5.6.7", NULL, NULL, DECIDE_SIGN},
    {MODE_BOTH, "::1", NULL, NULL, DECIDE_SIGN},
    {MODE_BOTH, "::ffff:127.0.0.1", NULL, NULL, DECIDE_SIGN},
    {MODE_BOTH, "10.1.2.3", NULL, NULL, DECIDE_SIGN},
    {MODE_BOTH, "10.255.255.255", NULL, NULL, DECIDE_SIGN},
    {MODE_BOTH, "11.0.0.1", NULL, NULL, DECIDE_VERIFY},
    {MODE_BOTH, "192.0.2.1", NULL, NULL, DECIDE_VERIFY},
    {MODE_BOTH, "192.168.1.200", NULL, NULL, DECIDE_SIGN},
    {MODE_BOTH, "192.168.1.127", NULL, NULL, DECIDE_VERIFY},
    {MODE_BOTH, "2001:db8::1", NULL, NULL, DECIDE_SIGN},
    {MODE_BOTH, "2001:db9::1", NULL, NULL, DECIDE_VERIFY},
    {MODE_BOTH, "::2", NULL, NULL, DECIDE_VERIFY},
    {MODE_BOTH, NULL, NULL, NULL, DECIDE_SIGN},
    {MODE_BOTH, "192.0.2.1", "alice", NULL, DECIDE_SIGN},
    {MODE_BOTH, "192.0.2.1", "", NULL, DECIDE_VERIFY},
    {MODE_BOTH, "192.0.2.1", NULL, "submission", DECIDE_SIGN},
    {MODE_BOTH, "192.0.2.1", NULL, "smtpd", DECIDE_VERIFY},
    /* Mode sign: external mail passes untouched */
    {MODE_SIGN, "127.0.0.1", NULL, NULL, DECIDE_SIGN},
    {MODE_SIGN, "192.0.2.1", NULL, NULL, DECIDE_SKIP},
    {MODE_SIGN, "192.0.2.1", "bob", NULL, DECIDE_SIGN},
    {MODE_SIGN, NULL, NULL, NULL, DECIDE_SIGN},
    /* Mode verify: everything is verified */
    {MODE_VERIFY, "127.0.0.1", NULL, NULL, DECIDE_VERIFY},
    {MODE_VERIFY, "192.0.2.1", "bob", "submission", DECIDE_VERIFY},
    {MODE_VERIFY, NULL, NULL, NULL, DECIDE_VERIFY},
};

/* to_sockaddr - text address into storage; NULL for NULL */
static struct sockaddr *
to_sockaddr(const char *addr, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	if (addr == NULL)
		return NULL;
	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1)
		s4->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1)
		s6->sin6_family = AF_INET6;
	else
		ck_abort_msg("bad test address %s", addr);
	return (struct sockaddr *)ss;
}

START_TEST(test_decide_table)
{
	static char *nets[] = {"127.0.0.0/8", "::1", "10.0.0.0/8",
	    "192.168.1.128/25", "2001:db8::/32", NULL};
	static char *subm[] = {"submission", "smtps", NULL};
	const struct decide_case *c = &cases[_i];
	struct netlist *nl = netlist_new(nets);
	struct decide_policy pol = {c->mode, nl, subm, NULL, NULL};
	struct sockaddr_storage ss;
	struct decide_input in;
	const char *why = NULL;
	enum decision d;

	ck_assert_ptr_nonnull(nl);
	in.client = to_sockaddr(c->addr, &ss);
	in.auth_authen = c->auth;
	in.daemon_name = c->daemon;
	d = decide(&pol, &in, &why);
	ck_assert_msg(d == c->want, "case %d (%s): got %s, want %s", _i,
	    c->addr ? c->addr : "(none)", decision_str(d),
	    decision_str(c->want));
	ck_assert_ptr_nonnull(why);
	netlist_free(nl);
}
END_TEST

START_TEST(test_netlist_check)
{
	char why[128];

	ck_assert_int_eq(netlist_check("10.0.0.0/8", why, sizeof why), 0);
	ck_assert_int_eq(netlist_check("::1/128", why, sizeof why), 0);
	ck_assert_int_eq(netlist_check("::1/129", why, sizeof why), -1);
	ck_assert_int_eq(netlist_check("10.0.0.0/", why, sizeof why), -1);
	ck_assert_int_eq(netlist_check("10.0.0/8", why, sizeof why), -1);
	ck_assert_int_eq(netlist_check("0.0.0.0/0", why, sizeof why), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("decide");
	TCase *tc = tcase_create("decide");

	tcase_add_loop_test(tc, test_decide_table, 0,
	    sizeof cases / sizeof cases[0]);
	tcase_add_test(tc, test_netlist_check);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
