/*
 * httpd.c - /metrics and /healthz on a loopback libmicrohttpd listener
 * (see httpd.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "util/log.h"

/* httpd_conf_init - small limits: scrapes are few and tiny */
void
httpd_conf_init(struct httpd_conf *conf)
{
	memset(conf, 0, sizeof *conf);
	conf->listen = "";
	conf->max_connections = 8;
	conf->timeout = 10;
	conf->memory_limit = 32768;
}

/* parse_port - 1..65535, digits only */
static int
parse_port(const char *s, unsigned short *port)
{
	unsigned long v = 0;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (unsigned short)v;
	return 0;
}

/* split_host - host and port text of "h:p" or "[h6]:p"; -1 if neither */
static int
split_host(const char *spec, char *host, size_t hlen, const char **port,
    int *v6)
{
	const char *end;

	*v6 = spec[0] == '[';
	if (*v6) {
		if ((end = strchr(spec, ']')) == NULL || end[1] != ':')
			return -1;
		snprintf(host, hlen, "%.*s", (int)(end - spec - 1), spec + 1);
		*port = end + 2;
		return 0;
	}
	if ((end = strrchr(spec, ':')) == NULL ||
	    memchr(spec, ':', (size_t)(end - spec)) != NULL)
		return -1;
	snprintf(host, hlen, "%.*s", (int)(end - spec), spec);
	*port = end + 1;
	return 0;
}

/* loopback6 - ::1, or an IPv4-mapped 127/8 address */
static int
loopback6(const struct in6_addr *a)
{
	return IN6_IS_ADDR_LOOPBACK(a) ||
	    (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
}

/* httpd_parse_listen - numeric loopback address and port only */
int
httpd_parse_listen(const char *spec, struct sockaddr_storage *ss,
    socklen_t *sslen, char *err, size_t errlen)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	char host[64];
	const char *port;
	unsigned short p;
	int v6, ok;

	memset(ss, 0, sizeof *ss);
	if (split_host(spec, host, sizeof host, &port, &v6) < 0 ||
	    parse_port(port, &p) < 0) {
		snprintf(err, errlen,
		    "'%s': expected ADDR:PORT or "
		    "[ADDR6]:PORT with a port from 1 to 65535, e.g. "
		    "127.0.0.1:9187",
		    spec);
		return -1;
	}
	if (v6) {
		ok = inet_pton(AF_INET6, host, &s6->sin6_addr) == 1;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(p);
		*sslen = sizeof *s6;
	} else {
		ok = inet_pton(AF_INET, host, &s4->sin_addr) == 1;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(p);
		*sslen = sizeof *s4;
	}
	if (!ok) {
		snprintf(err, errlen,
		    "'%s': '%s' is not a numeric IP "
		    "address (names are not looked up), e.g. 127.0.0.1:9187",
		    spec, host);
		return -1;
	}
	if (v6 ? !loopback6(&s6->sin6_addr) :
		 (ntohl(s4->sin_addr.s_addr) >> 24) != 127) {
		snprintf(err, errlen,
		    "'%s' is not a loopback address: the "
		    "metrics listener has no authentication, so it binds only "
		    "127.0.0.0/8 or [::1] (e.g. 127.0.0.1:9187); expose it "
		    "through a reverse proxy if needed",
		    spec);
		return -1;
	}
	return 0;
}

#ifdef HAVE_MHD
#include <microhttpd.h>

struct httpd {
	struct httpd_conf conf;
	struct MHD_Daemon *d;
};

/* count - dkimguard_http_requests_total{code} */
static void
count(struct httpd *h, unsigned status)
{
	enum metric_id id;

	switch (status) {
	case 200:
		id = MET_HTTP_OK;
		break;
	case 404:
		id = MET_HTTP_NOT_FOUND;
		break;
	case 405:
		id = MET_HTTP_BAD_METHOD;
		break;
	case 503:
		id = MET_HTTP_UNAVAILABLE;
		break;
	default:
		id = MET_HTTP_ERROR;
		break;
	}
	metrics_inc(h->conf.counters, id);
}

/* reply - queue body (ownership passes to MHD) with a status */
static enum MHD_Result
reply(struct httpd *h, struct MHD_Connection *c, unsigned status,
    struct strbuf *body, const char *ctype)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	if (body->oom || body->p == NULL) {
		strbuf_free(body);
		return MHD_NO; /* MHD closes the connection */
	}
	r = MHD_create_response_from_buffer(body->len, body->p,
	    MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		strbuf_free(body);
		return MHD_NO;
	}
	memset(body, 0, sizeof *body); /* MHD owns the text now */
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	count(h, status);
	return rc;
}

#define CT_TEXT "text/plain; charset=utf-8"
#define CT_PROM "text/plain; version=0.0.4; charset=utf-8"

/* route - status and body for one GET/HEAD path */
static unsigned
route(struct httpd *h, const char *url, struct strbuf *body, const char **ctype)
{
	*ctype = CT_TEXT;
	if (strcmp(url, "/metrics") == 0) {
		*ctype = CT_PROM;
		if (h->conf.metrics != NULL &&
		    h->conf.metrics(h->conf.arg, body) == 0)
			return 200;
		strbuf_free(body);
		strbuf_printf(body, "metrics unavailable\n");
		return 500;
	}
	if (strcmp(url, "/healthz") == 0) {
		if (h->conf.health != NULL)
			return (unsigned)h->conf.health(h->conf.arg, body);
		strbuf_printf(body, "failing\n- no health source\n");
		return 503;
	}
	strbuf_printf(body, "not found; try /metrics or /healthz\n");
	return 404;
}

/* on_request - MHD access handler: answer at once, never read bodies */
static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct httpd *h = cls;
	struct strbuf body = {0};
	const char *ctype = CT_TEXT;
	unsigned status;

	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		strbuf_printf(&body, "method not allowed; use GET\n");
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
	} else
		status = route(h, url, &body, &ctype);
	return reply(h, c, status, &body, ctype);
}

/* mhd_log - libmicrohttpd's own errors, at debug level */
static void
mhd_log(void *arg, const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof buf, fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	log_debug("metrics listener: %s", buf);
}

/* httpd_start - one internal polling thread on the loopback address */
int
httpd_start(const struct httpd_conf *conf, struct httpd **out, char *err,
    size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct httpd *h;
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;

	*out = NULL;
	if (httpd_parse_listen(conf->listen, &ss, &sslen, err, errlen) < 0)
		return -1;
	if ((h = calloc(1, sizeof *h)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	h->conf = *conf;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)conf->max_connections,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)conf->timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)conf->memory_limit,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)16,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, (void *)NULL, MHD_OPTION_END);
	if (h->d == NULL) {
		snprintf(err, errlen,
		    "cannot listen on %s (address in use, "
		    "or not available on this host)",
		    conf->listen);
		free(h);
		return -1;
	}
	*out = h;
	return 0;
}

/* httpd_stop - MHD_stop_daemon joins its thread */
void
httpd_stop(struct httpd *h)
{
	if (h == NULL)
		return;
	MHD_stop_daemon(h->d);
	free(h);
}

#else /* !HAVE_MHD */

struct httpd {
	int unused;
};

/* httpd_start - without libmicrohttpd there is no listener */
int
httpd_start(const struct httpd_conf *conf, struct httpd **out, char *err,
    size_t errlen)
{
	*out = NULL;
	snprintf(err, errlen,
	    "built without libmicrohttpd: MetricsListen "
	    "is not available (use MetricsFile)");
	return -1;
}

/* httpd_stop - nothing to stop */
void
httpd_stop(struct httpd *h)
{
}

#endif /* HAVE_MHD */
