/*
 * kconf.c - the dkimguard.conf options the keytool shares with the milter.
 *
 * DESCRIPTION
 *	Reads the milter's configuration file with the milter's own parser
 *	(common/config/config.h), so the keytool edits the very tables, asks the
 *	very nameservers (or TestKeys file) and signals the very process the
 *	milter uses.  A configuration the milter would refuse is refused here
 *	too, with the same messages.  Values given on the command line
 *	(--keytable, ...) win over the file.  Without -c and without
 *	$DKIMGUARD_CONF, a missing default file means built-in defaults.
 *
 *	The rotation state file defaults to KEYTABLE.rotation.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keytool.h"
#include "util/log.h"
#include "common/config/config.h"
#include "common/config/signtable.h"
#include "util/errlist.h"
#include "util/tables.h"

/* set_once - store a copy of v unless the command line set it */
static int
set_once(char **dst, const char *v)
{
	if (*dst != NULL || v == NULL || *v == '\0')
		return 0;
	if ((*dst = strdup(v)) == NULL) {
		kt_err("out of memory");
		return -1;
	}
	return 0;
}

/* join_list - a LIST option as "a, b, c" (NULL when empty) */
static int
join_list(char **dst, char **list)
{
	size_t n = 1;
	char *s;

	if (*dst != NULL || list == NULL || list[0] == NULL)
		return 0;
	for (size_t i = 0; list[i] != NULL; i++)
		n += strlen(list[i]) + 2;
	if ((s = calloc(1, n)) == NULL) {
		kt_err("out of memory");
		return -1;
	}
	for (size_t i = 0; list[i] != NULL; i++) {
		if (i > 0)
			strcat(s, ", ");
		strcat(s, list[i]);
	}
	*dst = s;
	return 0;
}

/* default_state - KEYTABLE.rotation */
static int
default_state(struct kt_conf *c)
{
	size_t n;

	if (c->statefile != NULL || c->keytable == NULL)
		return 0;
	n = strlen(c->keytable) + sizeof ".rotation";
	if ((c->statefile = malloc(n)) == NULL) {
		kt_err("out of memory");
		return -1;
	}
	snprintf(c->statefile, n, "%s.rotation", c->keytable);
	return 0;
}

/* take - copy what the keytool needs out of the parsed configuration */
static int
take(struct kt_conf *c, const struct config *cfg)
{
	enum tables_kind kind = TABLES_FILE;
	const char *st = tables_spec(cfg->signing_table, &kind);

	if (c->signtable == NULL && *st != '\0')
		c->signtable_re = kind == TABLES_REFILE;
	if (set_once(&c->keytable, tables_spec(cfg->key_table, &kind)) < 0 ||
	    set_once(&c->signtable, st) < 0 ||
	    set_once(&c->pidfile, cfg->pid_file) < 0 ||
	    set_once(&c->testkeys, cfg->test_keys) < 0 ||
	    join_list(&c->nameservers, cfg->nameservers) < 0)
		return -1;
	c->dns_timeout_ms = (unsigned)cfg->dns_timeout;
	c->dns_retries = (unsigned)cfg->dns_retries;
	return default_state(c);
}

/* kt_conf_load - parse the configuration file and take our options */
int
kt_conf_load(struct kt_conf *c)
{
	const char *path = c->conffile;
	struct errlist el = {0};
	struct config *cfg;
	int rc, optional = 0;

	if (path == NULL && (path = getenv("DKIMGUARD_CONF")) == NULL) {
		path = KT_DEFAULT_CONF;
		optional = 1;
	}
	if (optional && access(path, F_OK) < 0 && errno == ENOENT)
		cfg = config_defaults();
	else
		cfg = config_load(path, &el);
	if (cfg == NULL) {
		kt_err("%s: the configuration has errors:", path);
		log_lines(LOGL_ERR,
		    el.count ? errlist_str(&el) : "out of memory");
		errlist_free(&el);
		return -1;
	}
	rc = take(c, cfg);
	config_free(c->cfg);
	c->cfg = cfg;
	errlist_free(&el);
	return rc;
}

/* kt_conf_need_tables - both tables must be known */
int
kt_conf_need_tables(const struct kt_conf *c)
{
	if (c->keytable != NULL && c->signtable != NULL)
		return 0;
	kt_err("no %s configured: set KeyTable and SigningTable in the "
	       "configuration file, or give --keytable and --signingtable",
	    c->keytable == NULL ? "KeyTable" : "SigningTable");
	return -1;
}

/* kt_signtable_load - see keytool.h */
struct signtable *
kt_signtable_load(const struct kt_conf *c, const struct keytable *kt,
    struct errlist *el)
{
	char spec[4200];

	if (c->signtable == NULL || kt == NULL)
		return NULL;
	snprintf(spec, sizeof spec, "%s%s", c->signtable_re ? "refile:" : "",
	    c->signtable);
	return signtable_load(spec, kt, el);
}

/* kt_conf_free - release every value */
void
kt_conf_free(struct kt_conf *c)
{
	free(c->conffile);
	free(c->keytable);
	free(c->signtable);
	free(c->nameservers);
	free(c->pidfile);
	free(c->statefile);
	free(c->testkeys);
	config_free(c->cfg);
	memset(c, 0, sizeof *c);
}
