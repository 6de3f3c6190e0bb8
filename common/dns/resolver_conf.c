/*
 * resolver_conf.c - the resolver's configuration: defaults, nameserver
 *		     addresses with ports ("1.2.3.4:53", "[::1]:53"), and
 *		     the system's nameservers when none are configured.
 *		     See resolver.h.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolver.h"
#include "resolver_int.h"

/* resolver_conf_init - defaults: 2 s per try, one retry round, EDNS0 */
void
resolver_conf_init(struct resolver_conf *conf)
{
	memset(conf, 0, sizeof *conf);
	conf->timeout_ms = 2000;
	conf->retries = 1;
	conf->edns = 1;
}

/* split_spec - host and port of "a.b.c.d[:p]", "v6", "[v6][:p]" */
static int
split_spec(const char *spec, char *host, size_t hsize, const char **port)
{
	const char *colon = strrchr(spec, ':');
	size_t n;

	*port = NULL;
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return -1;
		n = (size_t)(close - spec - 1);
		if (close[1] == ':')
			*port = close + 2;
		spec++;
	} else if (colon != NULL && strchr(spec, ':') == colon) {
		n = (size_t)(colon - spec); /* one colon: IPv4:port */
		*port = colon + 1;
	} else
		n = strlen(spec);
	if (n == 0 || n >= hsize)
		return -1;
	memcpy(host, spec, n);
	host[n] = '\0';
	return 0;
}

/* resolver_conf_add_ns - add one "addr[:port]" nameserver */
int
resolver_conf_add_ns(struct resolver_conf *conf, const char *spec, char *err,
    size_t errlen)
{
	struct sockaddr_storage *ss;
	char host[INET6_ADDRSTRLEN + 1], *end;
	const char *port;
	unsigned long pn = 53;

	if (conf->nns >= RESOLVER_MAX_NS) {
		snprintf(err, errlen, "more than %d nameservers",
		    RESOLVER_MAX_NS);
		return -1;
	}
	if (split_spec(spec, host, sizeof host, &port) < 0)
		goto bad;
	if (port != NULL) {
		errno = 0;
		pn = strtoul(port, &end, 10);
		if (*port == '\0' || *end != '\0' || errno || pn == 0 ||
		    pn > 65535)
			goto bad;
	}
	ss = &conf->ns[conf->nns];
	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) ==
	    1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)pn);
		conf->nslen[conf->nns++] = sizeof(struct sockaddr_in);
		return 0;
	}
	if (inet_pton(AF_INET6, host,
		&((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)pn);
		conf->nslen[conf->nns++] = sizeof(struct sockaddr_in6);
		return 0;
	}
bad:
	snprintf(err, errlen,
	    "bad nameserver \"%s\" (want 1.2.3.4, "
	    "1.2.3.4:53, ::1 or [::1]:53)",
	    spec);
	return -1;
}

/* resolver_conf_add_list - add a list separated by commas or spaces */
int
resolver_conf_add_list(struct resolver_conf *conf, const char *list, char *err,
    size_t errlen)
{
	char *copy, *tok, *save = NULL;
	int rc = 0;

	if ((copy = strdup(list)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (tok = strtok_r(copy, ", \t", &save); tok != NULL && rc == 0;
	     tok = strtok_r(NULL, ", \t", &save))
		rc = resolver_conf_add_ns(conf, tok, err, errlen);
	free(copy);
	return rc;
}

/* resolver_system_ns - "nameserver" lines of /etc/resolv.conf, or 127.0.0.1 */
void
resolver_system_ns(struct resolver_conf *conf)
{
	char line[512], word[32], addr[128], err[128];
	FILE *fp = fopen("/etc/resolv.conf", "re");

	while (fp != NULL && fgets(line, sizeof line, fp) != NULL)
		if (sscanf(line, " %31s %127s", word, addr) == 2 &&
		    strcmp(word, "nameserver") == 0 &&
		    strchr(addr, '%') == NULL)
			(void)resolver_conf_add_ns(conf, addr, err, sizeof err);
	if (fp != NULL)
		fclose(fp);
	if (conf->nns == 0)
		(void)resolver_conf_add_ns(conf, "127.0.0.1", err, sizeof err);
}
