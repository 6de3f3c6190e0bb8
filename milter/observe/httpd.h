/*
 * httpd.h - the loopback HTTP listener for /metrics and /healthz
 *	     (libmicrohttpd; MetricsListen).
 *
 * SYNOPSIS
 *	struct httpd_conf hc;
 *	httpd_conf_init(&hc);
 *	hc.listen = "127.0.0.1:9187";  hc.metrics = fn;  hc.health = fn;
 *	struct httpd *h;
 *	if (httpd_start(&hc, &h, err, sizeof err) < 0) fatal(err);
 *	...
 *	httpd_stop(h);
 *
 * DESCRIPTION
 *	One libmicrohttpd thread (internal polling, poll/epoll), started
 *	from a thread that blocks the daemon's signals so it inherits that
 *	mask.  Only GET and HEAD are served:
 *	  /metrics   200, Prometheus text format 0.0.4
 *	  /healthz   200 for ok and degraded, 503 for failing; the body is
 *	             the status word and one "- reason" line per reason
 *	  other path 404; other method 405 with "Allow: GET, HEAD".
 *	Limits keep a bad or slow client from costing more than a little
 *	memory and one poll slot, and never touch the milter threads: at
 *	most max_connections at once (more are refused at accept), idle
 *	connections closed after `timeout` seconds, and each connection gets
 *	memory_limit bytes for its request line and headers; a longer
 *	request gets libmicrohttpd's 414 (URI) or 431 (headers) and is
 *	closed.  Request bodies are never read.
 *
 *	Only loopback addresses are accepted (127.0.0.0/8, ::1), numeric,
 *	with a port: the listener has no authentication.
 */
#ifndef DKIMGUARD_HTTPD_H
#define DKIMGUARD_HTTPD_H

#include <stddef.h>
#include <sys/socket.h>

#include "metrics.h"

struct httpd_conf {
	const char *listen;       /* "127.0.0.1:9187", "[::1]:9187" */
	unsigned max_connections; /* 8 */
	unsigned timeout;         /* idle seconds (10) */
	size_t memory_limit;      /* bytes per connection (32768) */
	/* metrics - append the exposition; 0, or -1 (answered 500) */
	int (*metrics)(void *arg, struct strbuf *out);
	/* health - append the health text; returns 200 or 503 */
	int (*health)(void *arg, struct strbuf *out);
	void *arg;
	struct metrics *counters; /* dkimguard_http_requests_total */
};

struct httpd;

void httpd_conf_init(struct httpd_conf *conf);
/*
 * httpd_parse_listen - "ADDR:PORT" or "[ADDR6]:PORT" to a socket
 * address; -1 with err when malformed or not a loopback address.
 */
int httpd_parse_listen(const char *spec, struct sockaddr_storage *ss,
    socklen_t *sslen, char *err, size_t errlen);
/* httpd_start - bind and serve; -1 with err (address in use, ...) */
int httpd_start(const struct httpd_conf *conf, struct httpd **out, char *err,
    size_t errlen);
/* httpd_stop - close the socket, join the thread; NULL is a no-op */
void httpd_stop(struct httpd *h);

#endif /* DKIMGUARD_HTTPD_H */
