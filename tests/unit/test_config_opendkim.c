/*
 * test_config_opendkim.c - OpenDKIM's configuration forms read by
 * dkimguard: each case is a configuration (and the files it names), and
 * either the exact "FILE:LINE: ... fix" text it must be refused with, or
 * what the parsed result must hold.  Covers Mode s/v/sv, host lists
 * (inline, files, file:, refile:, csl:, host names, '!'), PeerList and
 * ExternalIgnoreList decisions, single-key mode, DNSTimeout seconds,
 * aliases, OpenDKIM options with another meaning, did-you-mean,
 * unsupported data sets, KeyTable refile: and '%' key names, and the
 * OpenDKIM table of dkimguard.conf(5).
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config/config.h"
#include "common/config/keytable.h"
#include "common/config/signtable.h"
#include "milter/decide.h"
#include "testutil.h"

/* in_list - is s an entry of the NULL-terminated list l? */
static int
in_list(char *const *l, const char *s)
{
	size_t i;

	for (i = 0; l != NULL && l[i] != NULL; i++)
		if (strcmp(l[i], s) == 0)
			return 1;
	return 0;
}

/* contains - netlist built from l holds addr */
static int
contains(char *const *l, const char *addr)
{
	struct netlist *nl = netlist_new(l);
	int r;

	ck_assert_ptr_nonnull(nl);
	r = netlist_contains_str(nl, addr);
	netlist_free(nl);
	return r;
}

static void
ck_mode_sign(const struct config *c)
{
	ck_assert_int_eq(c->mode, MODE_SIGN);
}

static void
ck_mode_verify(const struct config *c)
{
	ck_assert_int_eq(c->mode, MODE_VERIFY);
}

static void
ck_mode_both(const struct config *c)
{
	ck_assert_int_eq(c->mode, MODE_BOTH);
}

/* the TrustedHosts-like file: IPs, CIDRs, a host name and an exclusion */
static void
ck_trusted(const struct config *c)
{
	char *const *l = c->internal_hosts;

	ck_assert(in_list(l, "192.0.2.7"));
	ck_assert(in_list(l, "10.0.0.0/8"));
	ck_assert(in_list(l, "2001:db8::/32"));
	ck_assert(in_list(l, "!10.1.2.3"));
	ck_assert(in_list(l, "127.0.0.1")); /* localhost, /etc/hosts */
	ck_assert(contains(l, "10.9.9.9"));
	ck_assert(!contains(l, "10.1.2.3"));
	ck_assert(contains(l, "127.0.0.1"));
	ck_assert(contains(l, "192.0.2.7"));
	ck_assert(!contains(l, "192.0.2.8"));
	ck_assert(contains(l, "2001:db8::5"));
}

static void
ck_csl(const struct config *c)
{
	ck_assert(in_list(c->internal_hosts, "10.0.0.0/8"));
	ck_assert(in_list(c->internal_hosts, "192.168.0.0/16"));
	ck_assert_ptr_null(c->internal_hosts[2]);
}

/* a host covered by a network and excluded by itself, and the reverse */
static void
ck_negation(const struct config *c)
{
	ck_assert(!contains(c->internal_hosts, "192.0.2.9"));
	ck_assert(contains(c->internal_hosts, "192.0.2.10"));
	ck_assert(contains(c->internal_hosts, "198.51.100.7"));
	ck_assert(!contains(c->internal_hosts, "198.51.100.8"));
	ck_assert(contains(c->internal_hosts, "203.0.113.1"));
}

/* decide - PeerList and ExternalIgnoreList as the milter applies them */
static void
ck_peer_ignore(const struct config *c)
{
	struct netlist *in = netlist_new(c->internal_hosts);
	struct netlist *peers = netlist_new(c->peer_list);
	struct netlist *ign = netlist_new(c->external_ignore);
	struct decide_policy pol = {c->mode, in, c->submission_services, peers,
	    ign};
	struct sockaddr_in sa;
	struct decide_input di = {(struct sockaddr *)&sa, NULL, NULL};
	static const struct {
		const char *addr;
		int peer, ignore;
		enum decision d;
	} want[] = {
	    /* a peer is accepted at connect: decide() is never asked */
	    {"192.0.2.1", 1, 0, DECIDE_VERIFY},
	    {"198.51.100.5", 0, 1, DECIDE_VERIFY},
	    {"198.51.100.200", 0, 0, DECIDE_VERIFY},
	    /* internal and in ExternalIgnoreList: signed */
	    {"10.0.0.5", 0, 0, DECIDE_SIGN},
	    {"203.0.113.9", 0, 0, DECIDE_VERIFY},
	};
	size_t i;

	ck_assert(in && peers && ign);
	for (i = 0; i < NELEM(want); i++) {
		memset(&sa, 0, sizeof sa);
		sa.sin_family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, want[i].addr, &sa.sin_addr),
		    1);
		ck_assert_msg(decide_peer(&pol, (struct sockaddr *)&sa) ==
			want[i].peer,
		    "%s peer", want[i].addr);
		ck_assert_msg(decide_ignore_bad(&pol, &di) == want[i].ignore,
		    "%s ignore", want[i].addr);
		if (!want[i].peer)
			ck_assert_int_eq(decide(&pol, &di, NULL), want[i].d);
	}
	ck_assert(!decide_peer(&pol, NULL));
	netlist_free(in);
	netlist_free(peers);
	netlist_free(ign);
}

static void
ck_single(const struct config *c)
{
	ck_assert(in_list(c->domain, "example.com"));
	ck_assert(in_list(c->domain, "example.net"));
	ck_assert_str_eq(c->selector, "2020");
	ck_assert_ptr_nonnull(strstr(c->key_file, "/example.private"));
}

static void
ck_dns60(const struct config *c)
{
	ck_assert_int_eq(c->dns_timeout, 60000);
}

static void
ck_dnsms(const struct config *c)
{
	ck_assert_int_eq(c->dns_timeout, 500);
}

static void
ck_aliases(const struct config *c)
{
	ck_assert_int_eq(c->min_key_bits, 2048);
	ck_assert_int_eq(c->on_bad_signature, ACTION_REJECT);
	ck_assert_int_eq(c->on_temp_error, ACTION_TEMPFAIL);
	ck_assert_int_eq(c->max_verify_signatures, 3);
	ck_assert(in_list(c->submission_services, "MSA"));
}

static void
ck_debian(const struct config *c)
{
	ck_assert_str_eq(config_enum_str(c, OPTID_Canonicalization),
	    "relaxed/simple");
	ck_assert(in_list(c->oversign_headers, "From"));
	ck_assert_str_eq(c->user_id, "opendkim");
	ck_assert_int_eq(c->sub_domains, 0);
	ck_assert_str_eq(c->authserv_id, "");
}

/* a case: dkimguard.conf text and two files beside it; in every text
 * "@D@" is the folder, in error/warning "@C@" is the conf file and
 * "@1@", "@2@" the two files, so FILE:LINE is checked exactly */
struct odk_case {
	const char *conf;
	const char *n1, *t1, *n2, *t2;
	const char *error;   /* NULL: must load */
	const char *warning; /* in cfg->warn, or NULL: no warning */
	void (*check)(const struct config *);
};

static const struct odk_case cases[] = {
    /* Mode */
    {"Mode s\n", 0, 0, 0, 0, NULL, NULL, ck_mode_sign},
    {"Mode v\n", 0, 0, 0, 0, NULL, NULL, ck_mode_verify},
    {"Mode sv\n", 0, 0, 0, 0, NULL, NULL, ck_mode_both},
    {"Mode vs\n", 0, 0, 0, 0, NULL, NULL, ck_mode_both},
    {"\nMode svx\n", 0, 0, 0, 0,
	"@C@:2: option 'Mode': bad value "
	"'svx'; use one of: sign,verify,both",
	NULL, NULL},
    /* host lists: a file, file:, refile:, csl:, names, '!' */
    {"InternalHosts @D@/trusted\n", "trusted",
	"# OpenDKIM TrustedHosts\n192.0.2.7\n10.0.0.0/8\n!10.1.2.3\n"
	"localhost\n[2001:db8::]/32\n",
	0, 0, NULL, NULL, ck_trusted},
    {"InternalHosts file:@D@/trusted\n", "trusted",
	"192.0.2.7 10.0.0.0/8, !10.1.2.3\nlocalhost 2001:db8::/32\n", 0, 0,
	NULL, NULL, ck_trusted},
    {"InternalHosts refile:@D@/trusted\n", "trusted",
	"192.0.2.7\n10.0.0.0/8\n!10.1.2.3\nlocalhost\n2001:db8::/32\n", 0, 0,
	NULL, NULL, ck_trusted},
    {"InternalHosts ./trusted\n", "trusted",
	"192.0.2.7\n10.0.0.0/8\n!10.1.2.3\nlocalhost\n2001:db8::/32\n", 0, 0,
	NULL, NULL, ck_trusted},
    {"InternalHosts 192.0.2.7, 10.0.0.0/8, !10.1.2.3, localhost, "
     "2001:db8::/32\n",
	0, 0, 0, 0, NULL, NULL, ck_trusted},
    {"InternalHosts csl:10.0.0.0/8,192.168.0.0/16\n", 0, 0, 0, 0, NULL, NULL,
	ck_csl},
    {"InternalHosts 192.0.2.0/24, !192.0.2.9, !198.51.100.0/24, "
     "198.51.100.7, 203.0.113.1, 203.0.113.1/32\n",
	0, 0, 0, 0, NULL, NULL, ck_negation},
    {"InternalHosts @D@/trusted\n", "trusted",
	"192.0.2.7\n\nno-such-host.invalid\n", 0, 0, NULL,
	"@1@:3: option 'InternalHosts': host name 'no-such-host.invalid' "
	"does not resolve",
	NULL},
    {"Mode sv\nInternalHosts @D@/trusted\n", "trusted",
	"192.0.2.7\n.example.com\n", 0, 0,
	"@1@:2: option 'InternalHosts': '.example.com' is a domain, "
	"which OpenDKIM matches against the client's host name; "
	"dkimguard matches addresses: list the hosts by name or their "
	"network as ADDR/BITS",
	NULL, NULL},
    {"PeerList @D@/peers\n", "peers", "# peers\n192.0.2.*\n", 0, 0,
	"@1@:2: option 'PeerList': '192.0.2.*': wildcards do not name "
	"hosts; give a network as ADDR/BITS",
	NULL, NULL},
    {"ExternalIgnoreList 192.0.2.300\n", 0, 0, 0, 0,
	"@C@:1: option 'ExternalIgnoreList': '192.0.2.300' is not an "
	"IPv4 or IPv6 address; give an address, a network (ADDR/BITS) "
	"or a host name, '!' before one excludes it",
	NULL, NULL},
    {"InternalHosts @D@/missing\n", 0, 0, 0, 0, "@D@/missing", NULL, NULL},
    /* PeerList and ExternalIgnoreList decisions */
    {"Mode sv\nInternalHosts 10.0.0.0/8\nPeerList @D@/peers\n"
     "ExternalIgnoreList refile:@D@/ignore\n",
	"peers", "192.0.2.0/24\n", "ignore", "198.51.100.0/25\n10.0.0.5\n",
	NULL, NULL, ck_peer_ignore},
    /* single-key mode, Debian's stock opendkim.conf */
    {"Domain example.com, example.net\nSelector 2020\n"
     "KeyFile @D@/example.private\n",
	0, 0, 0, 0, NULL, NULL, ck_single},
    {"Domain @D@/domains\nSelector 2020\nKeyFile @D@/example.private\n",
	"domains", "example.com\nexample.net\n", 0, 0, NULL, NULL, ck_single},
    {"Domain csl:example.com,example.net\nSelector 2020\n"
     "KeyFile @D@/example.private\n",
	0, 0, 0, 0, NULL, NULL, ck_single},
    {"Domain example.com\nKeyFile @D@/example.private\n", 0, 0, 0, 0,
	"@C@:2: option 'KeyFile': single-key mode needs Domain, Selector "
	"and KeyFile; add 'Selector 2024'",
	NULL, NULL},
    {"Domain example.com\nSelector 2020\nKeyFile @D@/k\n"
     "KeyTable @D@/kt\nSigningTable @D@/st\n",
	0, 0, 0, 0,
	"@C@:3: option 'KeyFile': KeyTable/SigningTable are set too "
	"(OpenDKIM would ignore KeyFile without a word); remove the "
	"Domain, Selector and KeyFile lines or the tables",
	NULL, NULL},
    /* DNSTimeout is seconds, as OpenDKIM */
    {"DNSTimeout 60\n", 0, 0, 0, 0, NULL, NULL, ck_dns60},
    {"DNSTimeoutMs 500\n", 0, 0, 0, 0, NULL, NULL, ck_dnsms},
    {"DNSTimeout 500\n", 0, 0, 0, 0,
	"@C@:1: option 'DNSTimeout': bad "
	"value '500'; use an integer from 1 to 60",
	NULL, NULL},
    {"DNSTimeout 5\nDNSTimeoutMs 500\n", 0, 0, 0, 0,
	"@C@:1: option 'DNSTimeout': DNSTimeoutMs is set too (line 2); "
	"give one (DNSTimeout counts seconds, DNSTimeoutMs milliseconds)",
	NULL, NULL},
    /* aliases, OpenDKIM's other names */
    {"MinimumKeyBits 2048\nOn-BadSignature reject\n"
     "On-DNSError tempfail\nMaximumSignaturesToVerify 3\nMTA MSA\n",
	0, 0, 0, 0, NULL, NULL, ck_aliases},
    {"MinimumKeyBits 2048\nMinKeyBits 1024\n", 0, 0, 0, 0,
	"@C@:2: option 'MinKeyBits': already set at line 1; give it once", NULL,
	NULL},
    {"On-BadSignature discard\n", 0, 0, 0, 0,
	"@C@:1: option "
	"'OnBadSignature': bad value 'discard'; use one of: "
	"accept,reject,tempfail,quarantine",
	NULL, NULL},
    {"Syslog yes\nSyslogSuccess yes\n", 0, 0, 0, 0,
	"@C@:2: option 'SyslogSuccess': OpenDKIM option with no dkimguard "
	"equivalent (one line per message is logged, success or not "
	"(off: none)); write instead: LogMessageLine normal",
	NULL, NULL},
    {"Syslog no\n", 0, 0, 0, 0,
	"@C@:1: option 'Syslog': OpenDKIM's "
	"'Syslog no' has no dkimguard equivalent: dkimguard always logs "
	"through syslog (to stderr with -f); remove the line",
	NULL, NULL},
    {"UMask 007\n", 0, 0, 0, 0,
	"@C@:1: option 'UMask': OpenDKIM option "
	"with no dkimguard equivalent (the socket's mode is given "
	"directly; key files are made by dkimguard-keytool); write "
	"instead: SocketMode 0660",
	NULL, NULL},
    {"On-KeyNotFound reject\n", 0, 0, 0, 0,
	"@C@:1: option "
	"'On-KeyNotFound': OpenDKIM option with no dkimguard equivalent "
	"(a missing key fails the signature, which OnBadSignature "
	"handles); write instead: OnBadSignature ACTION",
	NULL, NULL},
    {"TrustAnchorFile /usr/share/dns/root.key\n", 0, 0, 0, 0,
	"@C@:1: option 'TrustAnchorFile': OpenDKIM's TrustAnchorFile is "
	"not supported: DNSSEC is not validated by dkimguard (use a "
	"validating resolver in Nameservers)",
	NULL, NULL},
    {"RemoveOldSignatures no\nAutoRestart no\nQueryCache yes\n", 0, 0, 0, 0,
	NULL, NULL, ck_mode_both},
    {"AutoRestart yes\n", 0, 0, 0, 0,
	"@C@:1: option 'AutoRestart': "
	"OpenDKIM option with no dkimguard equivalent (systemd restarts "
	"dkimguard (Restart= in the unit)); write instead: (remove the "
	"line)",
	NULL, NULL},
    /* unknown names: did you mean, over both tables */
    {"InternalHost 10.0.0.0/8\n", 0, 0, 0, 0,
	"@C@:1: option "
	"'InternalHost': unknown option; did you mean 'InternalHosts'?",
	NULL, NULL},
    {"MinimumKeyBit 2048\n", 0, 0, 0, 0,
	"@C@:1: option "
	"'MinimumKeyBit': unknown option; did you mean 'MinKeyBits'?",
	NULL, NULL},
    {"On-BadSignatur reject\n", 0, 0, 0, 0,
	"@C@:1: option "
	"'On-BadSignatur': unknown option; did you mean 'OnBadSignature'?",
	NULL, NULL},
    {"SyslogSucess yes\n", 0, 0, 0, 0,
	"@C@:1: option 'SyslogSucess': "
	"unknown option; did you mean 'SyslogSuccess'?",
	NULL, NULL},
    {"Frobnicate yes\n", 0, 0, 0, 0,
	"@C@:1: option 'Frobnicate': "
	"unknown option (see dkimguard.conf(5) for the list)",
	NULL, NULL},
    /* data sets */
    {"KeyTable db:/etc/opendkim/keys.db\n", 0, 0, 0, 0,
	"@C@:1: option "
	"'KeyTable': OpenDKIM data set 'db' is not supported; export its "
	"entries to a plain file and write: KeyTable "
	"/etc/dkimguard/keytable",
	NULL, NULL},
    {"SigningTable dsn:mysql://u:p@localhost/db/table=s?key=k\n", 0, 0, 0, 0,
	"@C@:1: option 'SigningTable': OpenDKIM data set 'dsn' "
	"is not supported; export its entries to a plain file and write: "
	"SigningTable /etc/dkimguard/signingtable",
	NULL, NULL},
    {"InternalHosts ldap://ldap.example.com/dc=example\n", 0, 0, 0, 0,
	"@C@:1: option 'InternalHosts': OpenDKIM data set 'ldap' is not "
	"supported",
	NULL, NULL},
    {"KeyTable lua:/etc/k.lua\n", 0, 0, 0, 0,
	"data set 'lua' is not "
	"supported",
	NULL, NULL},
    {"KeyTable memcache:localhost:11211\n", 0, 0, 0, 0,
	"data set "
	"'memcache' is not supported",
	NULL, NULL},
    {"KeyTable mdb:/var/db/k\n", 0, 0, 0, 0,
	"data set 'mdb' is not "
	"supported",
	NULL, NULL},
    {"KeyTable erlang:node@host:cookie:mod:fun\n", 0, 0, 0, 0,
	"data set 'erlang' is not supported", NULL, NULL},
    {"PeerList rest:https://example.com/peers\n", 0, 0, 0, 0,
	"@C@:1: option 'PeerList': OpenDKIM data set 'rest' is not "
	"supported; export its entries to a plain file and write: "
	"PeerList /etc/dkimguard/hosts",
	NULL, NULL},
    {"KeyTable csl:a=b\n", 0, 0, 0, 0,
	"@C@:1: option 'KeyTable': a "
	"csl: list cannot be a KeyTable; put the entries in a file, one "
	"per line, and name the file",
	NULL, NULL},
    /* Debian's stock opendkim.conf, the lines dkimguard takes */
    {"Syslog\t\t\tyes\nCanonicalization\trelaxed\n#Mode\t\t\tsv\n"
     "SubDomains\t\tn\nOversignHeaders\t\tFrom\nUserID\t\t\topendkim\n"
     "Socket\t\t\tlocal:/run/opendkim/opendkim.sock\n"
     "PidFile\t\t\t/run/opendkim/opendkim.pid\nAuthservID HOSTNAME\n",
	0, 0, 0, 0, NULL, NULL, ck_debian},
};

/* subst - text with @D@, @C@, @1@, @2@ replaced */
static void
subst(char *out, size_t len, const char *in, const char *dir, const char *conf,
    const char *f1, const char *f2)
{
	size_t n = 0;

	while (*in != '\0' && n + 1 < len) {
		const char *r = NULL;

		if (strncmp(in, "@D@", 3) == 0)
			r = dir;
		else if (strncmp(in, "@C@", 3) == 0)
			r = conf;
		else if (strncmp(in, "@1@", 3) == 0)
			r = f1;
		else if (strncmp(in, "@2@", 3) == 0)
			r = f2;
		if (r != NULL) {
			n += (size_t)snprintf(out + n, len - n, "%s", r);
			in += 3;
		} else
			out[n++] = *in++;
	}
	out[n < len ? n : len - 1] = '\0';
}

START_TEST(test_odk_case)
{
	const struct odk_case *c = &cases[_i];
	char dir[TU_PATH_MAX], conf[TU_PATH_MAX + 32],
	    f1[TU_PATH_MAX] = "", f2[TU_PATH_MAX] = "", text[4096], want[4096];
	struct errlist el = {0};
	struct config *cfg;

	tu_tmpdir(dir, sizeof dir, "odk");
	snprintf(conf, sizeof conf, "%s/dkimguard.conf", dir);
	if (c->n1 != NULL)
		snprintf(f1, sizeof f1, "%s", tu_put(dir, c->n1, c->t1));
	if (c->n2 != NULL)
		snprintf(f2, sizeof f2, "%s", tu_put(dir, c->n2, c->t2));
	subst(text, sizeof text, c->conf, dir, conf, f1, f2);
	tu_put(dir, "dkimguard.conf", text);
	cfg = config_load(conf, &el);
	if (c->error != NULL) {
		subst(want, sizeof want, c->error, dir, conf, f1, f2);
		ck_assert_msg(cfg == NULL, "case %d loaded", _i);
		ck_assert_msg(strstr(errlist_str(&el), want) != NULL,
		    "case %d: '%s'\nlacks '%s'", _i, errlist_str(&el), want);
	} else {
		ck_assert_msg(cfg != NULL, "case %d: %s", _i, errlist_str(&el));
		if (c->warning != NULL) {
			subst(want, sizeof want, c->warning, dir, conf, f1, f2);
			ck_assert_msg(strstr(errlist_str(&cfg->warn), want) !=
				NULL,
			    "case %d: warnings '%s' lack '%s'", _i,
			    errlist_str(&cfg->warn), want);
		} else
			ck_assert_msg(cfg->warn.count == 0,
			    "case %d: "
			    "warned '%s'",
			    _i, errlist_str(&cfg->warn));
		if (c->check != NULL)
			c->check(cfg);
	}
	config_free(cfg);
	errlist_free(&el);
	tu_rmtree(dir);
}
END_TEST

/* key and signing tables: OpenDKIM's refile: key table and '%' key
 * names; a lookup renders "KEYNAME/d=DOMAIN/s=SELECTOR" or "-" */
struct tab_case {
	const char *kt_spec; /* "refile:" or "" before the file */
	const char *kt;
	const char *st_spec;
	const char *st;
	const char *local, *domain;
	const char *want; /* result, or an error (with @K@, @S@) */
};

static const struct tab_case tabs[] = {
    {"refile:",
	"*.example.com example.com:s1:/k/ex.key\n"
	"* %:def:/k/def.key\n",
	"",
	"example.com *.example.com\n"
	"example.org other\n",
	"a", "example.com", "*.example.com/d=example.com/s=s1"},
    {"refile:",
	"*.example.com example.com:s1:/k/ex.key\n"
	"* %:def:/k/def.key\n",
	"",
	"example.com *.example.com\n"
	"example.org other\n",
	"a", "example.org", "*/d=example.org/s=def"},
    {"",
	"example.com example.com:s1:/k/com.key\n"
	"example.net example.net:s2:/k/net.key\n",
	"refile:", "*@example.com %\n*@example.net %\n*@example.org %\n", "bob",
	"example.net", "example.net/d=example.net/s=s2"},
    {"", "example.com example.com:s1:/k/com.key\n", "refile:",
	"*@example.com %\n*@example.org %\n", "bob", "example.org", "-"},
    {"refile:", "*.com %:sel:/k/com.key\n", "", "example.com %:user@%\n", "bob",
	"example.com", "*.com/d=example.com/s=sel"},
    {"", "k1 example.com:s1:/k/%.key\n", "", "example.com k1\n", NULL, NULL,
	"@K@:1: key 'k1': a '%' in the key file name is not "
	"supported (keys are loaded and checked at start-up); give each "
	"domain its own line and key file"},
    {"", "k1 example.com:s1:/k/1.key\n", "", "example.com k2\n", NULL, NULL,
	"@S@:1: key name 'k2' is not in the key table"},
};

START_TEST(test_tables)
{
	const struct tab_case *c = &tabs[_i];
	char dir[TU_PATH_MAX], kspec[TU_PATH_MAX + 16], sspec[TU_PATH_MAX + 16],
	    kp[TU_PATH_MAX], sp[TU_PATH_MAX];
	char want[TU_PATH_MAX + 1024], got[512] = "-";
	struct errlist el = {0};
	struct keytable *kt;
	struct signtable *st = NULL;
	struct sigsel sel[4];
	const char *w;
	size_t n;

	tu_tmpdir(dir, sizeof dir, "odktab");
	snprintf(kp, sizeof kp, "%s", tu_put(dir, "keytable", c->kt));
	snprintf(sp, sizeof sp, "%s", tu_put(dir, "signingtable", c->st));
	snprintf(kspec, sizeof kspec, "%s%s", c->kt_spec, kp);
	snprintf(sspec, sizeof sspec, "%s%s", c->st_spec, sp);
	kt = keytable_load(kspec, &el);
	if (kt != NULL)
		st = signtable_load(sspec, kt, &el);
	if (c->domain == NULL) {
		/* an error case: @K@ the key table, @S@ the signing table */
		char tmp[1024];

		ck_assert_msg(st == NULL, "case %d loaded", _i);
		snprintf(tmp, sizeof tmp, "%s", c->want);
		w = strstr(tmp, "@K@") ? kp : sp;
		snprintf(want, sizeof want, "%s%s", w, tmp + 3);
		ck_assert_msg(strstr(errlist_str(&el), want) != NULL,
		    "case %d: '%s' lacks '%s'", _i, errlist_str(&el), want);
	} else {
		ck_assert_msg(st != NULL, "case %d: %s", _i, errlist_str(&el));
		n = signtable_match(st, c->local, c->domain, 0, sel, 4);
		if (n > 0)
			snprintf(got, sizeof got, "%s/d=%s/s=%s",
			    sel[0].key->name, sel[0].domain,
			    sel[0].key->selector);
		ck_assert_msg(strcmp(got, c->want) == 0, "case %d: %s, want %s",
		    _i, got, c->want);
	}
	signtable_free(st);
	keytable_free(kt);
	errlist_free(&el);
	tu_rmtree(dir);
}
END_TEST

/* single-key mode as the snapshot builds it: Domain list -> signatures */
START_TEST(test_single_key_tables)
{
	static char *domains[] = {"example.com", "*.example.net", NULL};
	struct errlist el = {0};
	struct keytable *kt = keytable_single("2020", "/k/example.private",
	    "/etc/opendkim.conf:12", &el);
	struct signtable *st;
	struct sigsel sel[2];

	ck_assert_msg(kt != NULL, "%s", errlist_str(&el));
	st = signtable_domains(domains, kt, &el);
	ck_assert_ptr_nonnull(st);
	ck_assert_uint_eq(signtable_match(st, "a", "example.com", 0, sel, 2),
	    1);
	ck_assert_str_eq(sel[0].domain, "example.com");
	ck_assert_str_eq(sel[0].key->selector, "2020");
	ck_assert_uint_eq(signtable_match(st, "a", "mx.example.net", 0, sel, 2),
	    1);
	ck_assert_str_eq(sel[0].domain, "mx.example.net");
	ck_assert_uint_eq(signtable_match(st, "a", "example.org", 0, sel, 2),
	    0);
	signtable_free(st);
	keytable_free(kt);
	kt = keytable_single("bad/sel", "/k/x", "/etc/opendkim.conf:3", &el);
	ck_assert_ptr_null(kt);
	ck_assert_ptr_nonnull(strstr(errlist_str(&el),
	    "/etc/opendkim.conf:3: 'bad/sel' is not a selector"));
	errlist_free(&el);
}
END_TEST

/* every OpenDKIM name of opendkim.def is in dkimguard.conf(5)'s table,
 * and no row repeats a dkimguard option */
START_TEST(test_manpage_opendkim_table)
{
	const char *src = getenv("SRCDIR");
	char path[512], *text, needle[128], name[64];
	size_t i, j, k;

	snprintf(path, sizeof path, "%s/man/dkimguard.conf.5",
	    src != NULL ? src : ".");
	text = tu_read_file(path, NULL);
	ck_assert_msg(text != NULL, "cannot open %s", path);
	for (i = 0; i < config_opendkim_count; i++) {
		/* groff writes '-' as '\-' */
		for (j = k = 0;
		     config_opendkim[i].name[j] != '\0' && k + 2 < sizeof name;
		     j++) {
			if (config_opendkim[i].name[j] == '-')
				name[k++] = '\\';
			name[k++] = config_opendkim[i].name[j];
		}
		name[k] = '\0';
		snprintf(needle, sizeof needle, "\n.B %s\n", name);
		ck_assert_msg(strstr(text, needle) != NULL,
		    "OpenDKIM option %s is not in %s", config_opendkim[i].name,
		    path);
		ck_assert_msg(config_option_find(config_opendkim[i].name) < 0,
		    "%s is both tables", config_opendkim[i].name);
		if (config_opendkim[i].kind == ODK_ALIAS)
			ck_assert_msg(config_option_find(
					  config_opendkim[i].line) >= 0,
			    "%s: alias of "
			    "unknown %s",
			    config_opendkim[i].name, config_opendkim[i].line);
	}
	free(text);
	printf("opendkim table: %zu OpenDKIM-only names checked\n",
	    config_opendkim_count);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("config_opendkim");
	TCase *tc = tcase_create("config_opendkim");

	tcase_add_loop_test(tc, test_odk_case, 0, NELEM(cases));
	tcase_add_loop_test(tc, test_tables, 0, NELEM(tabs));
	tcase_add_test(tc, test_single_key_tables);
	tcase_add_test(tc, test_manpage_opendkim_table);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
