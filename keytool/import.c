/*
 * import.c - the import-opendkim command: opendkim.conf -> dkimguard.conf.
 *
 * SYNOPSIS
 *	dkimguard-keytool import-opendkim [FILE] [-o OUT] [--force]
 *
 * DESCRIPTION
 *	Reads FILE (default /etc/opendkim.conf) line by line and writes the
 *	equivalent dkimguard.conf to OUT (default standard output).  Every
 *	line is judged by the milter's own parser (config_try), which knows
 *	OpenDKIM's names through common/config/opendkim.def, so the command
 *	and dkimguard never disagree about what an option means:
 *	  - a dkimguard option or an alias is written under dkimguard's name
 *	    with the value in dkimguard's spelling (Mode sv -> both);
 *	  - an OpenDKIM option dkimguard follows anyway (Syslog yes) or that
 *	    is off as in dkimguard is kept as a comment;
 *	  - anything else is kept as a comment and listed on standard error
 *	    as "FILE:LINE: ..." with the reason and the line to write.
 *	OpenDKIM's defaults that differ from dkimguard's and change the
 *	signatures (Canonicalization) are written out.  The result and its
 *	key and signing tables are then loaded as dkimguard would load them
 *	and what they refuse is listed too.
 *
 *	Exit: 0 everything carried, 1 written but something was not carried
 *	(listed), 2 usage or I/O error (nothing written).
 */
#define _GNU_SOURCE /* open_memstream */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/config/config.h"
#include "common/config/keytable.h"
#include "common/config/signtable.h"
#include "util/tables.h"
#include "keytool.h"

#define IMPORT_DEFAULT_IN "/etc/opendkim.conf"

struct import {
	const char *in;   /* the opendkim.conf read */
	FILE *out;        /* the dkimguard.conf text */
	unsigned dropped; /* options not carried (listed) */
	int canon_set;    /* Canonicalization was given */
};

/* say_lines - each line of an errlist on stderr, counted as dropped */
static void
say_lines(struct import *im, const struct errlist *el, const char *tag)
{
	const char *p = errlist_str(el), *nl;

	for (; *p != '\0'; p = *nl != '\0' ? nl + 1 : nl) {
		nl = p + strcspn(p, "\n");
		fprintf(stderr, "%s: %s%.*s\n", "dkimguard-keytool", tag,
		    (int)(nl - p), p);
		if (*tag == '\0')
			im->dropped++;
	}
}

/* comment - the original line, commented out, with why */
static void
comment(struct import *im, const char *name, const char *value, const char *why)
{
	fprintf(im->out, "# %s %s\n#   (%s)\n", name, value, why);
}

/* import_line - one option of opendkim.conf */
static int
import_line(void *arg, struct tables_entry *e)
{
	struct import *im = arg;
	const char *file = e->file, *rest = e->rest;
	unsigned line = e->line;
	char **field = e->field;
	int nfield = e->nfield;
	struct errlist el = {0}, warn = {0};
	const struct odkopt *o = NULL;
	const char *value = nfield > 1 ? rest : "", *v;
	int id;

	if ((id = config_option_find(field[0])) < 0 &&
	    (o = config_odk_find(field[0])) != NULL && o->kind == ODK_ALIAS)
		id = config_option_find(o->line);
	if (config_try(im->in, file, line, field[0], value, &el, &warn) < 0) {
		const char *msg = errlist_str(&el), *p = strstr(msg, "': ");

		say_lines(im, &el, "");
		/* the first reason, without "FILE:LINE: option 'X': " */
		p = p != NULL ? p + 3 : msg;
		fprintf(im->out, "# %s %s\n#   not carried: %.*s\n", field[0],
		    value, (int)strcspn(p, "\n"), p);
		errlist_free(&el);
		errlist_free(&warn);
		return 0;
	}
	say_lines(im, &warn, "warning: ");
	errlist_free(&warn);
	errlist_free(&el);
	if (id < 0) {
		/* an OpenDKIM option dkimguard takes as a no-op */
		comment(im, field[0], value,
		    o->kind == ODK_NOOP ?
			"dkimguard always does this" :
			"off: OpenDKIM's default, nothing to carry");
		return 0;
	}
	if (id == OPTID_Canonicalization)
		im->canon_set = 1;
	if ((v = config_odk_value(id, value)) == NULL) {
		comment(im, field[0], value, "dkimguard's default");
		return 0;
	}
	if (o != NULL || strcmp(v, value) != 0 ||
	    strcmp(field[0], config_options[id].name) != 0)
		fprintf(im->out, "# opendkim.conf:%u: %s %s\n", line, field[0],
		    value);
	fprintf(im->out, "%-20s %s\n", config_options[id].name, v);
	return 0;
}

/* check_result - load the written text as dkimguard would: the file,
 * then its tables; problems are listed (the text is kept as written) */
static void
check_result(struct import *im, const char *text, const char *outpath)
{
	struct errlist el = {0};
	struct config *cfg;
	struct keytable *kt = NULL;
	struct signtable *st = NULL;
	const char *where = outpath != NULL ? outpath : im->in;
	const char *slash = strrchr(where, '/');
	char tmp[4096];
	int fd;

	/* beside the result, so relative paths mean what they will mean */
	snprintf(tmp, sizeof tmp, "%.*s.dkimguard-import.XXXXXX",
	    slash != NULL ? (int)(slash - where) + 1 : 0, where);
	if ((fd = mkstemp(tmp)) < 0) {
		kt_warn("cannot check the result: %s", strerror(errno));
		return;
	}
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		kt_warn("cannot check the result: %s", strerror(errno));
		close(fd);
		unlink(tmp);
		return;
	}
	close(fd);
	cfg = config_load(tmp, &el);
	if (cfg != NULL && *cfg->key_table != '\0' &&
	    (kt = keytable_load(cfg->key_table, &el)) != NULL &&
	    *cfg->signing_table != '\0')
		st = signtable_load(cfg->signing_table, kt, &el);
	signtable_free(st);
	keytable_free(kt);
	config_free(cfg);
	unlink(tmp);
	if (el.count > 0) {
		/* name the imported file, not the temporary copy */
		const char *p = errlist_str(&el), *nl;
		size_t tl = strlen(tmp);

		for (; *p != '\0'; p = *nl != '\0' ? nl + 1 : nl) {
			nl = p + strcspn(p, "\n");
			if (strncmp(p, tmp, tl) == 0)
				fprintf(stderr,
				    "dkimguard-keytool: the "
				    "result%.*s\n",
				    (int)(nl - p - tl), p + tl);
			else
				fprintf(stderr, "dkimguard-keytool: %.*s\n",
				    (int)(nl - p), p);
			im->dropped++;
		}
	}
	errlist_free(&el);
}

/* write_out - the text to path (new file unless force) or stdout */
static int
write_out(const char *path, int force, const char *text)
{
	FILE *fp;
	int fd;

	if (path == NULL)
		return fputs(text, stdout) == EOF ? -1 : 0;
	fd = open(path,
	    O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), 0644);
	if (fd < 0) {
		kt_err("%s: %s%s", path, strerror(errno),
		    errno == EEXIST ? " (give --force to replace it)" : "");
		return -1;
	}
	if ((fp = fdopen(fd, "w")) == NULL) {
		close(fd);
		return -1;
	}
	fputs(text, fp);
	if (fclose(fp) == EOF) {
		kt_err("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* kt_cmd_import - import-opendkim [FILE] [-o OUT] [--force] */
int
kt_cmd_import(int argc, char **argv, struct kt_conf *c)
{
	static const struct option lo[] = {{"output", required_argument, NULL,
					       'o'},
	    {"force", no_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
	struct import im;
	struct errlist el = {0};
	const char *outpath = NULL;
	char *text = NULL;
	size_t len = 0;
	int ch, force = 0, rc;

	(void)c;
	optind = 0; /* full reset: FILE may come before -o (GNU order) */
	while ((ch = getopt_long(argc, argv, "o:f", lo, NULL)) != -1)
		switch (ch) {
		case 'o':
			outpath = optarg;
			break;
		case 'f':
			force = 1;
			break;
		default:
			kt_err("usage: import-opendkim [FILE] [-o OUT] "
			       "[--force]");
			return KT_EXIT_USAGE;
		}
	if (argc - optind > 1) {
		kt_err("usage: import-opendkim [FILE] [-o OUT] [--force]");
		return KT_EXIT_USAGE;
	}
	memset(&im, 0, sizeof im);
	im.in = optind < argc ? argv[optind] : IMPORT_DEFAULT_IN;
	if ((im.out = open_memstream(&text, &len)) == NULL) {
		kt_err("out of memory");
		return KT_EXIT_USAGE;
	}
	fprintf(im.out,
	    "# dkimguard.conf imported from %s by "
	    "dkimguard-keytool import-opendkim\n# see dkimguard.conf(5), "
	    "MIGRATING FROM OPENDKIM\n",
	    im.in);
	rc = tables_read(im.in, import_line, &im, &el);
	if (rc == 0 && !im.canon_set)
		fprintf(im.out,
		    "# OpenDKIM's default, kept so signatures "
		    "stay the same (dkimguard's: relaxed/relaxed)\n"
		    "Canonicalization     simple/simple\n");
	fclose(im.out);
	if (rc < 0) {
		kt_err("%s", errlist_str(&el));
		errlist_free(&el);
		free(text);
		return KT_EXIT_USAGE;
	}
	check_result(&im, text, outpath);
	rc = write_out(outpath, force, text);
	free(text);
	if (rc < 0)
		return KT_EXIT_USAGE;
	if (im.dropped > 0) {
		kt_warn("%u option%s not carried (listed above)", im.dropped,
		    im.dropped == 1 ? "" : "s");
		return KT_EXIT_FAIL;
	}
	return KT_EXIT_OK;
}
