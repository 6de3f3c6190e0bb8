/*
 * rotate.c - the rotate command: option parsing, shared set-up, status.
 *
 * SYNOPSIS
 *	rotate start    -d DOMAIN [-s SELECTOR] [--old SELECTOR]
 *	                [-t rsa|ed25519] [-b BITS] [--owner USER[:GROUP]]
 *	rotate status   [-d DOMAIN] [--grace DURATION]
 *	rotate activate -d DOMAIN [--grace DURATION] [--reload-timeout S]
 *	rotate retire   -d DOMAIN [--grace DURATION] [--reload-timeout S]
 *
 * DESCRIPTION
 *	See rotstate.h for the states and the state file; rotstart.c and
 *	rotact.c for the changes.  status prints, per domain, which selector
 *	signs, which is staged, which is retiring, and what the next step
 *	waits for (a staged key's record is looked up).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <unistd.h>

#include "rotate.h"

/* lock_tables - one keytool edits at a time: flock on the key table's
 * folder (released when the process exits) */
static int
lock_tables(const char *keytable)
{
	char *copy = strdup(keytable);
	int fd = -1;

	if (copy != NULL)
		fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0 &&
	    errno == EWOULDBLOCK) {
		kt_err("another dkimguard-keytool is changing the tables; "
		       "try again when it is done");
		close(fd);
		return -1;
	}
	return 0; /* fd stays open: the lock lives until exit */
}

/* rot_open - configuration already loaded: lock, tables and state */
int
rot_open(struct rot_ctx *x, struct kt_conf *c)
{
	memset(x, 0, sizeof *x);
	x->c = c;
	x->now = kt_now();
	if (kt_conf_need_tables(c) < 0 || lock_tables(c->keytable) < 0 ||
	    kt_keyset_load(&x->ks, c) < 0)
		return -1;
	if (kt_rotstate_load(&x->rs, c->statefile) < 0) {
		kt_keyset_free(&x->ks);
		return -1;
	}
	return 0;
}

/* rot_close - release tables and state */
void
rot_close(struct rot_ctx *x)
{
	kt_keyset_free(&x->ks);
	kt_rotstate_free(&x->rs);
}

/* rot_writable - can a file in path's folder be created and renamed? */
int
rot_writable(const char *path)
{
	char *copy = strdup(path);
	int ok;

	if (copy == NULL)
		return -1;
	ok = access(dirname(copy), W_OK | X_OK) == 0;
	if (!ok)
		kt_err("cannot write in the folder of %s: nothing changed",
		    path);
	free(copy);
	return ok ? 0 : -1;
}

/* rot_known - is the domain in the key table at all? */
int
rot_known(const struct rot_ctx *x, const char *domain)
{
	for (size_t i = 0; i < x->ks.nkey; i++)
		if (strcasecmp(x->ks.key[i].domain, domain) == 0)
			return 1;
	kt_err("unknown domain %s: no key for it in %s", domain, x->ks.kt.path);
	return 0;
}

/* signing_list - "s1,s2" of the selectors signing for domain */
static void
signing_list(const struct rot_ctx *x, const char *domain, char *buf, size_t len)
{
	const struct kt_key *k[8];
	size_t n = kt_keyset_signing(&x->ks, domain, k, 8), off = 0;

	snprintf(buf, len, "-");
	for (size_t i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    i ? "," : "", k[i]->selector);
}

/* staged_published - 1/0: the staged record matches; -1: DNS failed */
static int
staged_published(struct rot_ctx *x, struct kt_dns *d, const struct kt_rot *r)
{
	const struct kt_key *k = kt_keyset_byname(&x->ks, r->new_key);
	struct kt_pubcheck pc;
	int rc;

	if (k == NULL ||
	    kt_pubcheck_run(d, r->domain, r->new_sel, k->file, &pc) < 0)
		return 0;
	rc = kt_pubcheck_ok(&pc) ? 1 : kt_pubcheck_temp(&pc) ? -1 : 0;
	kt_pubcheck_clear(&pc);
	return rc;
}

/* status_row - one domain's line */
static void
status_row(struct rot_ctx *x, struct kt_dns *d, const char *domain, long grace)
{
	const struct kt_rot *r = kt_rotstate_get(&x->rs, domain, 0);
	char signing[256], next[512];
	int pub = -1;

	if (r != NULL && r->staged)
		pub = d->g != NULL ? staged_published(x, d, r) : -1;
	signing_list(x, domain, signing, sizeof signing);
	printf("%-24s %-12s %-12s %-12s %s\n", domain, signing,
	    r != NULL && r->staged ? r->new_sel : "-",
	    r != NULL && r->retiring ? r->ret_sel : "-",
	    kt_rot_next(r, x->now, grace, pub, next, sizeof next));
}

/* listed_before - print each domain once */
static int
listed_before(const struct rot_ctx *x, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcasecmp(x->ks.key[j].domain, x->ks.key[i].domain) == 0)
			return 1;
	return strcmp(x->ks.key[i].domain, "%") == 0;
}

/* rot_status - the table of every domain (or one) */
int
rot_status(struct rot_ctx *x, const struct rot_opt *o)
{
	struct kt_dns d;
	int dns_ok;

	if (o->domain != NULL && !rot_known(x, o->domain))
		return KT_EXIT_USAGE;
	dns_ok = kt_dns_open(x->c, &d) == 0;
	if (!dns_ok)
		memset(&d, 0, sizeof d);
	printf("%-24s %-12s %-12s %-12s %s\n", "DOMAIN", "SIGNING", "STAGED",
	    "RETIRING", "NEXT STEP");
	for (size_t i = 0; i < x->ks.nkey; i++) {
		const char *dom = x->ks.key[i].domain;
		if (listed_before(x, i) ||
		    (o->domain != NULL && strcasecmp(dom, o->domain) != 0))
			continue;
		status_row(x, &d, dom, o->grace);
	}
	if (dns_ok)
		kt_dns_close(&d);
	return KT_EXIT_OK;
}

/* rot_args - options of every rotate subcommand */
static int
rot_args(int argc, char **argv, struct rot_opt *o, struct kt_conf *c)
{
	static const struct option lo[] = {{"old", required_argument, NULL,
					       'O'},
	    {"grace", required_argument, NULL, 'g'},
	    {"reload-timeout", required_argument, NULL, 'r'}, KT_KEY_LONG,
	    KT_COMMON_LONG, {NULL, 0, NULL, 0}};
	const struct kt_keyopts k = {&o->domain, &o->selector, &o->type,
	    &o->owner, &o->bits};
	int ch;

	while ((ch = getopt_long(argc, argv, KT_KEY_SHORT KT_COMMON_SHORT, lo,
		    NULL)) != -1) {
		switch (ch) {
		case 'O':
			o->old = optarg;
			break;
		case 'r':
			o->reload_timeout = atoi(optarg);
			break;
		case 'g':
			if ((o->grace = kt_duration_parse(optarg)) < 0) {
				kt_err("bad --grace \"%s\": e.g. 7d, 36h, "
				       "90m, 0",
				    optarg);
				return -1;
			}
			break;
		default:
			if (kt_key_opt(ch, optarg, &k) != 1 &&
			    kt_common_opt(ch, optarg, c) != 1)
				return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

/* kt_cmd_rotate - rotate start|status|activate|retire */
int
kt_cmd_rotate(int argc, char **argv, struct kt_conf *c)
{
	struct rot_opt o = {.grace = KT_GRACE_DEFAULT, .reload_timeout = 10};
	struct rot_ctx x;
	const char *sub = argc > 1 ? argv[1] : "";
	int (*fn)(struct rot_ctx *, const struct rot_opt *) = NULL;
	int rc;

	if (strcmp(sub, "start") == 0)
		fn = rot_start;
	else if (strcmp(sub, "status") == 0)
		fn = rot_status;
	else if (strcmp(sub, "activate") == 0)
		fn = rot_activate;
	else if (strcmp(sub, "retire") == 0)
		fn = rot_retire;
	optind = 1;
	if (fn == NULL || rot_args(argc - 1, argv + 1, &o, c) < 0 ||
	    (fn != rot_status && o.domain == NULL)) {
		kt_err("usage: rotate start|status|activate|retire -d DOMAIN "
		       "[options]; see dkimguard-keytool(8)");
		return KT_EXIT_USAGE;
	}
	if (kt_conf_load(c) < 0 || rot_open(&x, c) < 0)
		return KT_EXIT_USAGE;
	rc = fn(&x, &o);
	rot_close(&x);
	return rc;
}
