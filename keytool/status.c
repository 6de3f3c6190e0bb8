/*
 * status.c - the status command: the key-state table of `dkimguard -n`.
 *
 * SYNOPSIS
 *	status
 *
 * DESCRIPTION
 *	Loads the key table and its keys as the milter does, puts them in
 *	the milter's guard with GuardAction (common/guard/keystate.c, which the
 *	daemon's snapshot uses too), checks every record now and prints
 *	guard_table: for the same configuration, the rows `dkimguard -n`
 *	prints.  Then the readiness of each signing domain, as `dkimguard
 *	-n` prints it (common/readiness/: DMARC own or inherited, SPF
 *	validity, SPF and PTR of each OutboundAddresses address, the
 *	records to publish).
 *
 *	Exit 0 when every key is valid, 1 when some key is not, 2 when the
 *	configuration, the key table or a key cannot be loaded.  Readiness
 *	problems are printed, not counted in the exit status, as with -n.
 */
#include <getopt.h>
#include <stdlib.h>

#include "keytool.h"
#include "util/log.h"
#include "common/config/config.h"
#include "util/errlist.h"
#include "common/guard/guard.h"
#include "common/guard/keystate.h"
#include "common/config/signtable.h"
#include "common/readiness/readiness.h"

/* load_keys - the key table with its keys; NULL after a message */
static struct keytable *
load_keys(const struct kt_conf *c)
{
	struct errlist el = {0};
	struct keytable *kt;

	if ((kt = keytable_load(c->keytable, &el)) != NULL &&
	    keystate_load_keys(kt, c->cfg, &el, NULL) < 0) {
		keytable_free(kt);
		kt = NULL;
	}
	if (kt == NULL) {
		kt_err("%s: cannot load the keys:", c->keytable);
		log_lines(LOGL_ERR,
		    el.count ? errlist_str(&el) : "out of memory");
	}
	errlist_free(&el);
	return kt;
}

/* print_states - check every key with the guard, print its table */
static int
print_states(const struct kt_conf *c, const struct keytable *kt,
    const struct signtable *st)
{
	struct errlist el = {0};
	struct kt_dns d;
	char *text = NULL;
	unsigned bad;
	int rc = KT_EXIT_USAGE;

	if (kt_dns_open(c, &d) < 0)
		return KT_EXIT_USAGE;
	if (keystate_add(d.g, kt, st, (guard_action)c->cfg->guard_action, &el) <
	    0)
		kt_err("%s", errlist_str(&el));
	else {
		bad = guard_check_all(d.g);
		if (guard_table(d.g, &text) == DKIM_OK) {
			fputs(text, stdout);
			rc = bad ? KT_EXIT_FAIL : KT_EXIT_OK;
		} else
			kt_err("out of memory");
	}
	free(text);
	errlist_free(&el);
	kt_dns_close(&d);
	return rc;
}

/* print_readiness - the signing domains' DNS, as -n prints it */
static void
print_readiness(const struct kt_conf *c, const struct keytable *kt,
    const struct signtable *st)
{
	resolver *res = NULL;
	unsigned problems;

	if (c->testkeys == NULL && kt_resolver_open(c, &res) < 0)
		return;
	if (readiness_config_report(stdout, res, kt, st,
		c->cfg->outbound_addresses, &problems) < 0)
		kt_err("out of memory");
	resolver_free(res);
}

/* kt_cmd_status - the status command */
int
kt_cmd_status(int argc, char **argv, struct kt_conf *c)
{
	static const struct option lo[] = {KT_COMMON_LONG, {NULL, 0, NULL, 0}};
	struct errlist el = {0};
	struct keytable *kt;
	struct signtable *st;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, KT_COMMON_SHORT, lo, NULL)) != -1)
		if (kt_common_opt(ch, optarg, c) != 1) {
			kt_err("usage: status");
			return KT_EXIT_USAGE;
		}
	if (optind != argc) {
		kt_err("usage: status");
		return KT_EXIT_USAGE;
	}
	if (kt_conf_load(c) < 0)
		return KT_EXIT_USAGE;
	if (c->keytable == NULL) {
		kt_err("no KeyTable configured: set it in the configuration "
		       "file, or give --keytable");
		return KT_EXIT_USAGE;
	}
	if ((kt = load_keys(c)) == NULL)
		return KT_EXIT_USAGE;
	/* the signing table adds the "%" keys' domains; without one (or one
	 * that does not load) the key table's keys are still shown */
	st = kt_signtable_load(c, kt, &el);
	errlist_free(&el);
	rc = print_states(c, kt, st);
	if (rc != KT_EXIT_USAGE)
		print_readiness(c, kt, st);
	signtable_free(st);
	keytable_free(kt);
	return rc;
}
