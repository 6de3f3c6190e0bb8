/*
 * genkey.c - the genkey and dns commands.
 *
 * SYNOPSIS
 *	genkey -d DOMAIN -s SELECTOR [-t rsa|ed25519] [-b BITS] [-o DIR]
 *	       [--owner USER[:GROUP]]
 *	dns -d DOMAIN -s SELECTOR [-k KEYFILE]
 *
 * DESCRIPTION
 *	genkey writes DIR/DOMAIN.SELECTOR.key (PKCS#8 PEM, mode 0600, never
 *	over an existing file) and prints the record to publish.  dns prints
 *	the record of an existing key, found in the key table or given.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keytool.h"
#include "keyset.h"

#define KT_RSA_MIN 1024 /* RFC 8301 3.2 */
#define KT_RSA_MAX 8192

/* kt_genopt_parse_type - "rsa" or "ed25519" */
int
kt_genopt_parse_type(const char *s, dkim_keytype *type)
{
	if (strcmp(s, "rsa") == 0)
		*type = DKIM_KEY_RSA;
	else if (strcmp(s, "ed25519") == 0)
		*type = DKIM_KEY_ED25519;
	else {
		kt_err("unknown key type \"%s\": use rsa or ed25519", s);
		return -1;
	}
	return 0;
}

/* check_bits - RSA size bounds; RFC 8301 3.2 forbids under 1024 */
static int
check_bits(const struct kt_genopt *o)
{
	if (o->type != DKIM_KEY_RSA)
		return 0;
	if (o->bits < KT_RSA_MIN || o->bits > KT_RSA_MAX) {
		kt_err("RSA key size %u refused: use %u to %u bits (2048 "
		       "recommended)",
		    o->bits, KT_RSA_MIN, KT_RSA_MAX);
		return -1;
	}
	if (o->bits < 2048)
		kt_warn("RSA keys under 2048 bits are weak; some receivers "
			"treat them as unsigned");
	return 0;
}

/* key_path - DIR/DOMAIN.SELECTOR.key, malloc'ed */
static char *
key_path(const struct kt_genopt *o)
{
	size_t n = strlen(o->dir) + strlen(o->domain) + strlen(o->selector) + 8;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s.%s.key", o->dir, o->domain, o->selector);
	return p;
}

/* make_pem - generate the key; PEM and record text malloc'ed */
static int
make_pem(const struct kt_genopt *o, char **pem, char **txt)
{
	char err[256] = "";
	dkim_key *key = NULL;
	dkim_rc rc;

	rc = dkim_key_generate(o->type, o->bits, &key, err, sizeof err);
	if (rc != DKIM_OK) {
		kt_err("cannot generate the key: %s",
		    err[0] ? err : dkim_rc_str(rc));
		return -1;
	}
	*pem = NULL;
	*txt = kt_key_txt(key);
	if (*txt != NULL && dkim_key_to_pem(key, pem) != DKIM_OK)
		kt_err("cannot encode the key");
	dkim_key_free(key);
	if (*pem == NULL) {
		free(*txt);
		*txt = NULL;
		return -1;
	}
	return 0;
}

/* kt_genkey_make - refuse early if the file exists, then create it */
int
kt_genkey_make(const struct kt_genopt *o, char **path, char **txt)
{
	char *pem = NULL;
	struct stat st;
	int rc = -1;

	*txt = NULL;
	if (!kt_name_ok(o->domain, "domain") ||
	    !kt_name_ok(o->selector, "selector") || check_bits(o) < 0)
		return -1;
	if ((*path = key_path(o)) == NULL) {
		kt_err("out of memory");
		return -1;
	}
	if (lstat(*path, &st) == 0)
		kt_err("%s exists: refusing to overwrite a key", *path);
	else if (kt_keydir_make(o->dir, o->owner) < 0)
		; /* said why */
	else if (make_pem(o, &pem, txt) == 0)
		rc = kt_keyfile_write(*path, pem, o->owner);
	if (pem != NULL) {
		explicit_bzero(pem, strlen(pem));
		free(pem);
	}
	if (rc < 0) {
		free(*path);
		free(*txt);
		*path = *txt = NULL;
	}
	return rc;
}

/* genkey_args - parse genkey's options into o */
static int
genkey_args(int argc, char **argv, struct kt_genopt *o, struct kt_conf *c)
{
	static const struct option lo[] = {KT_KEY_LONG, KT_COMMON_LONG,
	    {NULL, 0, NULL, 0}};
	const char *type = NULL;
	const struct kt_keyopts k = {&o->domain, &o->selector, &type, &o->owner,
	    &o->bits};
	int ch;

	while ((ch = getopt_long(argc, argv, KT_KEY_SHORT "o:" KT_COMMON_SHORT,
		    lo, NULL)) != -1) {
		if (ch == 'o')
			o->dir = optarg;
		else if (kt_key_opt(ch, optarg, &k) != 1 &&
		    kt_common_opt(ch, optarg, c) != 1)
			return -1;
	}
	if (type != NULL && kt_genopt_parse_type(type, &o->type) < 0)
		return -1;
	if (o->domain == NULL || o->selector == NULL || optind != argc) {
		kt_err("usage: genkey -d DOMAIN -s SELECTOR [-t rsa|ed25519] "
		       "[-b BITS] [-o DIR] [--owner USER]");
		return -1;
	}
	return 0;
}

/* kt_keydesc - "RSA 2048 bits" or "Ed25519" */
const char *
kt_keydesc(dkim_keytype type, unsigned bits, char *buf, size_t len)
{
	if (type == DKIM_KEY_ED25519)
		snprintf(buf, len, "Ed25519");
	else
		snprintf(buf, len, "RSA %u bits", bits);
	return buf;
}

/* kt_cmd_genkey - the genkey command */
int
kt_cmd_genkey(int argc, char **argv, struct kt_conf *c)
{
	struct kt_genopt o = {NULL, NULL, ".", NULL, DKIM_KEY_RSA, 2048};
	char *path = NULL, *txt = NULL, desc[32];

	if (genkey_args(argc, argv, &o, c) < 0)
		return KT_EXIT_USAGE;
	if (kt_genkey_make(&o, &path, &txt) < 0)
		return KT_EXIT_USAGE;
	printf("Wrote private key %s (%s, mode 0600%s%s).\n\n", path,
	    kt_keydesc(o.type, o.bits, desc, sizeof desc),
	    o.owner != NULL ? ", owner " : "", o.owner != NULL ? o.owner : "");
	kt_print_record(stdout, o.domain, o.selector, txt);
	free(path);
	free(txt);
	return KT_EXIT_OK;
}

/* dns_keyfile - the key file of (d, s) in the key table, malloc'ed */
static char *
dns_keyfile(struct kt_conf *c, const char *d, const char *s)
{
	struct kt_keyset ks;
	const struct kt_key *k;
	char *path = NULL;

	if (kt_conf_load(c) < 0 || kt_keyset_load(&ks, c) < 0)
		return NULL;
	if ((k = kt_keyset_find(&ks, d, s)) == NULL)
		kt_err("%s: no key for domain %s selector %s", ks.kt.path, d,
		    s);
	else if ((path = strdup(k->file)) == NULL)
		kt_err("out of memory");
	kt_keyset_free(&ks);
	return path;
}

/* print_dns - load the key and print its record */
static int
print_dns(const char *path, const char *d, const char *s)
{
	dkim_key *key = kt_key_load(path);
	char *txt;

	if (key == NULL)
		return KT_EXIT_USAGE;
	txt = kt_key_txt(key);
	dkim_key_free(key);
	if (txt == NULL)
		return KT_EXIT_USAGE;
	kt_print_record(stdout, d, s, txt);
	free(txt);
	return KT_EXIT_OK;
}

/* kt_cmd_dns - the dns command */
int
kt_cmd_dns(int argc, char **argv, struct kt_conf *c)
{
	static const struct option lo[] = {KT_COMMON_LONG, {NULL, 0, NULL, 0}};
	const char *d = NULL, *s = NULL, *k = NULL;
	char *path;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "d:s:k:" KT_COMMON_SHORT, lo,
		    NULL)) != -1) {
		switch (ch) {
		case 'd':
			d = optarg;
			break;
		case 's':
			s = optarg;
			break;
		case 'k':
			k = optarg;
			break;
		default:
			if (kt_common_opt(ch, optarg, c) != 1)
				return KT_EXIT_USAGE;
		}
	}
	if (d == NULL || s == NULL || optind != argc) {
		kt_err("usage: dns -d DOMAIN -s SELECTOR [-k KEYFILE]");
		return KT_EXIT_USAGE;
	}
	path = k != NULL ? strdup(k) : dns_keyfile(c, d, s);
	if (path == NULL)
		return KT_EXIT_USAGE;
	rc = print_dns(path, d, s);
	free(path);
	return rc;
}
