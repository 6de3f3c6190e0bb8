/*
 * decide.c - the sign/verify decision (see decide.h for the rules).
 */
#include <stddef.h>
#include <string.h>

#include "common/config/config.h"
#include "util/assert.h"
#include "decide.h"

/* in_list - is s one of the NULL-terminated list? */
static int
in_list(char *const *list, const char *s)
{
	size_t i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

/* origin_internal - 1 with *why when the message comes from inside */
static int
origin_internal(const struct decide_policy *pol, const struct decide_input *in,
    const char **why)
{
	if (in->client == NULL ||
	    (in->client->sa_family != AF_INET &&
		in->client->sa_family != AF_INET6)) {
		*why = "local submission (no client address)";
		return 1;
	}
	if (netlist_contains(pol->internal, in->client)) {
		*why = "client in InternalHosts";
		return 1;
	}
	if (in->auth_authen != NULL && *in->auth_authen != '\0') {
		*why = "authenticated client";
		return 1;
	}
	if (in->daemon_name != NULL &&
	    in_list(pol->submission, in->daemon_name)) {
		*why = "submission service";
		return 1;
	}
	*why = "external client";
	return 0;
}

/* decide - apply Mode to the origin */
enum decision
decide(const struct decide_policy *pol, const struct decide_input *in,
    const char **why)
{
	const char *dummy;
	int internal;

	if (why == NULL)
		why = &dummy;
	internal = origin_internal(pol, in, why);
	switch (pol->mode) {
	case MODE_VERIFY:
		return DECIDE_VERIFY;
	case MODE_SIGN:
		return internal ? DECIDE_SIGN : DECIDE_SKIP;
	case MODE_BOTH:
		return internal ? DECIDE_SIGN : DECIDE_VERIFY;
	default: /* Mode only parses to CONFIG_MODES */
		PANIC("Mode %d is none of CONFIG_MODES", pol->mode);
	}
}

/* decision_str - "skip", "sign", "verify" */
const char *
decision_str(enum decision d)
{
	switch (d) {
	case DECIDE_SIGN:
		return "sign";
	case DECIDE_VERIFY:
		return "verify";
	default:
		return "skip";
	}
}

/* decide_peer - PeerList membership of the connecting client */
int
decide_peer(const struct decide_policy *pol, const struct sockaddr *client)
{
	return client != NULL && netlist_contains(pol->peers, client);
}

/* decide_ignore_bad - external and listed in ExternalIgnoreList */
int
decide_ignore_bad(const struct decide_policy *pol,
    const struct decide_input *in)
{
	const char *why;

	return in->client != NULL &&
	    netlist_contains(pol->ext_ignore, in->client) &&
	    !origin_internal(pol, in, &why);
}
