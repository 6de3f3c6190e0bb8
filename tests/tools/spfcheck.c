/*
 * spfcheck.c - run SPF test cases through common/spf/ (the conformance
 *		driver of tests/conformance/run-spf.sh).
 *
 * SYNOPSIS
 *	spfcheck CASES.tsv                  zones from the files named there
 *	spfcheck -r NS CASES.tsv            every question to the DNS server
 *	                                    NS ("127.0.0.1:5353") through
 *	                                    common/dns/resolver.c
 *
 * DESCRIPTION
 *	CASES.tsv is written by tests/tools/spf_suite.py: name, zone file,
 *	host, mailfrom, helo, accepted results, explanation.  For each case
 *	the identity comes from spf_identity (MAIL FROM, or postmaster@HELO
 *	for the null reverse-path), the default explanation is "DEFAULT"
 *	(the text the suite's expectations name), and one line is printed:
 *	    name  result  explanation  directive  reason
 *	(tab-separated; bytes a field cannot carry as \xHH).  Exit status 0
 *	when every case ran, 2 on bad input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/dns/resolver.h"
#include "common/spf/spf.h"
#include "common/spf/spf_dns_resolver.h"
#include "common/spf/spf_zone.h"

#define MAXF 8

/* unesc - \xHH back to bytes, in place */
static void
unesc(char *s)
{
	char *o = s, hex[3] = {0};

	while (*s) {
		if (s[0] == '\\' && s[1] == 'x' && s[2] && s[3]) {
			hex[0] = s[2];
			hex[1] = s[3];
			*o++ = (char)strtoul(hex, NULL, 16);
			s += 4;
		} else
			*o++ = *s++;
	}
	*o = '\0';
}

/* put - one output field, escaped */
static void
put(const char *s, int last)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c > 0x7e || c == '\\')
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	putchar(last ? '\n' : '\t');
}

/* split - tab-separated fields */
static int
split(char *line, char **f)
{
	int n = 0;

	line[strcspn(line, "\n")] = '\0';
	while (n < MAXF) {
		f[n++] = line;
		if ((line = strchr(line, '\t')) == NULL)
			break;
		*line++ = '\0';
	}
	return n;
}

/* zone_dns - the zone of this case (the last one is kept open) */
static int
zone_dns(const char *path, struct spf_dns *dns)
{
	static struct spf_zone *z;
	static char cur[4096];
	char err[512];

	if (z != NULL && strcmp(cur, path) == 0) {
		*dns = spf_zone_dns(z);
		return 0;
	}
	spf_zone_free(z);
	z = NULL;
	if (spf_zone_open(path, &z, err, sizeof err) < 0) {
		fprintf(stderr, "spfcheck: %s\n", err);
		return -1;
	}
	strlcpy(cur, path, sizeof cur);
	*dns = spf_zone_dns(z);
	return 0;
}

/* run_case - one line of CASES.tsv */
static int
run_case(char **f, resolver *res)
{
	char sender[1024], domain[1024], mailfrom[1024], helo[1024], ip[256];
	struct spf_request rq = {0};
	struct spf_verdict v;
	struct spf_dns dns;

	strlcpy(ip, f[2], sizeof ip);
	strlcpy(mailfrom, f[3], sizeof mailfrom);
	strlcpy(helo, f[4], sizeof helo);
	unesc(ip);
	unesc(mailfrom);
	unesc(helo);
	if (res != NULL)
		dns = spf_dns_resolver(res);
	else if (zone_dns(f[1], &dns) < 0)
		return -1;
	if (spf_identity(mailfrom, helo, sender, sizeof sender, domain,
		sizeof domain) < 0)
		return -1;
	rq.ip = ip;
	rq.domain = domain;
	rq.sender = sender;
	rq.helo = helo;
	rq.receiver = "receiver.example";
	rq.default_exp = "DEFAULT";
	spf_check_host(&dns, &rq, &v);
	put(f[0], 0);
	put(spf_result_str(v.result), 0);
	put(v.result == SPF_FAIL ? v.explanation : "", 0);
	put(v.mechanism, 0);
	put(v.reason, 1);
	return 0;
}

int
main(int argc, char **argv)
{
	struct resolver_conf rc;
	resolver *res = NULL;
	char *line = NULL, *f[MAXF], err[256];
	size_t cap = 0;
	FILE *fp;
	int c, rcode = 0;

	resolver_conf_init(&rc);
	while ((c = getopt(argc, argv, "r:")) != -1) {
		if (c != 'r' ||
		    resolver_conf_add_ns(&rc, optarg, err, sizeof err) < 0) {
			fprintf(stderr, "usage: spfcheck [-r NS] CASES.tsv\n");
			return 2;
		}
		if (resolver_new(&rc, &res, err, sizeof err) < 0) {
			fprintf(stderr, "spfcheck: %s\n", err);
			return 2;
		}
	}
	if (optind + 1 != argc || (fp = fopen(argv[optind], "r")) == NULL) {
		fprintf(stderr, "usage: spfcheck [-r NS] CASES.tsv\n");
		return 2;
	}
	while (getline(&line, &cap, fp) > 0)
		if (split(line, f) < 7 || run_case(f, res) < 0) {
			fprintf(stderr, "spfcheck: bad case: %s\n", f[0]);
			rcode = 2;
		}
	free(line);
	fclose(fp);
	resolver_free(res);
	return rcode;
}
