/*
 * macros.c - macro lists per stage and their values, as Postfix sends them
 *
 * Interface: macros.h.  The default lists are `postconf -d milter_*_macros`
 * of Postfix 3.7 (plus {client_addr} at connect).
 */
#include "macros.h"

#include <stdio.h>
#include <string.h>

static const char *const default_list[] = {
    [MAC_CONNECT] = "j {daemon_name} {daemon_addr} v _ {client_addr}",
    [MAC_HELO] = "{tls_version} {cipher} {cipher_bits} {cert_subject} "
		 "{cert_issuer}",
    [MAC_MAIL] = "i {auth_type} {auth_authen} {auth_author} {mail_addr} "
		 "{mail_host} {mail_mailer}",
    [MAC_RCPT] = "i {rcpt_addr} {rcpt_host} {rcpt_mailer}",
    [MAC_DATA] = "i",
    [MAC_EOM] = "i",
    [MAC_EOH] = "i",
};

/* env_value - a macro's value, NULL when Postfix would have none */
static const char *
env_value(const char *name, int stage, const struct mta_env *env,
    const char *qid, char *tmp, size_t tmplen)
{
	if (strcmp(name, "j") == 0)
		return env->hostname;
	if (strcmp(name, "{daemon_name}") == 0)
		return env->daemon_name;
	if (strcmp(name, "{daemon_addr}") == 0)
		return env->daemon_addr;
	if (strcmp(name, "v") == 0)
		return "Postfix 3.7.11";
	if (strcmp(name, "_") == 0) {
		if (env->client_addr == NULL || env->client_addr[0] == 0)
			return env->client_name;
		snprintf(tmp, tmplen, "%s [%s]", env->client_name,
		    env->client_addr);
		return tmp;
	}
	if (strcmp(name, "{client_addr}") == 0)
		return env->client_addr && env->client_addr[0] ?
		    env->client_addr :
		    NULL;
	if (strcmp(name, "{client_name}") == 0)
		return env->client_name;
	if (strcmp(name, "i") == 0) /* smtpd_delay_open_until_valid_rcpt */
		return stage == MAC_MAIL || stage == MAC_RCPT ? NULL : qid;
	if (strcmp(name, "{auth_type}") == 0)
		return env->auth ? "PLAIN" : NULL;
	if (strcmp(name, "{auth_authen}") == 0)
		return env->auth;
	if (strcmp(name, "{mail_addr}") == 0)
		return env->from;
	if (strcmp(name, "{rcpt_addr}") == 0)
		return env->rcpt;
	return NULL;
}

/* mac_send - queue one stage's macros; nothing when none has a value */
void
mac_send(struct mp_conn *c, int stage, int cmd, const struct mta_env *env,
    const char *queue_id)
{
	const char *list =
	    c->symlist[stage] ? c->symlist[stage] : default_list[stage];
	const char *p = list, *val;
	char name[128], tmp[512];
	size_t n;
	int open = 0;

	while (*p) {
		n = strcspn(p, " ,\t");
		if (n > 0 && n < sizeof(name)) {
			memcpy(name, p, n);
			name[n] = 0;
			val = env_value(name, stage, env, queue_id, tmp,
			    sizeof(tmp));
			if (val && !open) {
				mp_begin(c, 'D');
				mp_add(c, &(char){(char)cmd}, 1);
				open = 1;
			}
			if (val) {
				mp_add_str(c, name);
				mp_add_str(c, val);
			}
		}
		p += n;
		p += strspn(p, " ,\t");
	}
	if (open)
		mp_end(c);
}
