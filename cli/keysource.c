/*
 * keysource.c - where "dkimguard-msg verify" gets key records from.
 *
 * DESCRIPTION
 *	Either a dns.tsv table (--dns, lib/lookup_file.c) or live DNS through
 *	the resolver the daemon and the keytool use (common/dns/resolver.h):
 *	the servers named by --nameserver, or those of /etc/resolv.conf.
 *	Both end up as one dkim_lookup for dkim_msg_verify.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "common/dns/resolver.h"

/*
 * open_nameserver - a resolver asking the given server(s), or (spec NULL)
 * the nameservers of /etc/resolv.conf
 */
static int
open_nameserver(struct keysource *ks, const char *spec)
{
	struct resolver_conf rc;
	char err[256];

	err[0] = '\0';
	resolver_conf_init(&rc);
	if ((spec != NULL &&
		resolver_conf_add_list(&rc, spec, err, sizeof(err)) < 0) ||
	    resolver_new(&rc, &ks->res, err, sizeof(err)) < 0) {
		cli_warnx("%s%s: %s", spec ? "--nameserver " : "DNS resolver",
		    spec ? spec : "", err);
		return -1;
	}
	ks->lookup = resolver_iface(ks->res);
	return 0;
}

/* keysource_open - see cli.h */
int
keysource_open(struct keysource *ks, const char *dnsfile,
    const char *nameserver)
{
	char err[256];

	memset(ks, 0, sizeof(*ks));
	if (dnsfile != NULL && nameserver != NULL) {
		cli_warnx("use either --dns or --nameserver, not both");
		return -1;
	}
	if (dnsfile == NULL)
		return open_nameserver(ks, nameserver);
	err[0] = '\0';
	if (dkim_lookup_file_open(dnsfile, &ks->lf, err, sizeof(err)) !=
	    DKIM_OK) {
		cli_warnx("cannot read DNS table %s: %s", dnsfile,
		    cli_why(err, dnsfile, "unusable table"));
		return -1;
	}
	ks->lookup = dkim_lookup_file_iface(ks->lf);
	return 0;
}

/* keysource_close - release whichever source is open */
void
keysource_close(struct keysource *ks)
{
	dkim_lookup_file_free(ks->lf);
	resolver_free(ks->res);
	memset(ks, 0, sizeof(*ks));
}
