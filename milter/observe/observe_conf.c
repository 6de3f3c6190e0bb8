/*
 * observe_conf.c - defaults and start-up check of the observability
 * options (see observe_conf.h).
 */
#include <sys/socket.h>

#include <stdio.h>
#include <string.h>

#include "httpd.h"
#include "observe_conf.h"

/* observe_conf_init - everything off */
void
observe_conf_init(struct observe_conf *oc)
{
	memset(oc, 0, sizeof *oc);
	oc->listen = "";
	oc->file = "";
	oc->file_interval = 15;
	oc->alert_interval = 300;
}

/* observe_conf_check - what start-up would refuse */
int
observe_conf_check(const struct observe_conf *oc, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (*oc->listen != '\0' &&
	    httpd_parse_listen(oc->listen, &ss, &len, err, errlen) < 0)
		return -1;
#ifndef HAVE_MHD
	if (*oc->listen != '\0') {
		snprintf(err, errlen,
		    "built without libmicrohttpd: "
		    "MetricsListen is not available (use MetricsFile)");
		return -1;
	}
#endif
	return 0;
}
