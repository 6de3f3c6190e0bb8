/*
 * keyfile.c - safe loading of private key files (see keyfile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keyfile.h"

#define KEYFILE_MAX (64 * 1024)

/* keyfile_check_stat - owner root or pol->uid; no group/other access */
int
keyfile_check_stat(const struct stat *st, const char *path,
    const struct keyfile_policy *pol, char *why, size_t len)
{
	const char *owner = pol->user != NULL ? pol->user : "root";

	if (!S_ISREG(st->st_mode)) {
		snprintf(why, len, "key file %s is not a regular file", path);
		return -1;
	}
	if (!pol->require_safe)
		return 0;
	if (st->st_uid != 0 && st->st_uid != pol->uid) {
		snprintf(why, len, "key file %s is owned by uid %lu, not by "
		    "%s%s; fix: chown %s '%s'", path,
		    (unsigned long)st->st_uid, owner,
		    pol->user != NULL ? " or root" : "", owner, path);
		return -1;
	}
	if ((st->st_mode & 077) != 0) {
		snprintf(why, len, "key file %s has mode %04o: group or others "
		    "may read or change it; fix: chmod 600 '%s'", path,
		    (unsigned)(st->st_mode & 07777), path);
		return -1;
	}
	return 0;
}

/* read_all - read a small file from fd into a NUL-terminated buffer */
static char *
read_all(int fd, size_t *len)
{
	char *buf;
	ssize_t n;

	if ((buf = malloc(KEYFILE_MAX + 1)) == NULL)
		return NULL;
	*len = 0;
	while ((n = read(fd, buf + *len, KEYFILE_MAX - *len)) > 0)
		*len += (size_t)n;
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[*len] = '\0';
	return buf;
}

/* keyfile_load - open once, check that descriptor, parse from memory */
int
keyfile_load(const char *path, const struct keyfile_policy *pol,
    dkim_key **out, struct errlist *el)
{
	struct stat st;
	char why[512], err[256], *buf;
	size_t len;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		int e = errno;
		errlist_add(el, "key file %s: cannot open: %s%s", path,
		    strerror(e), e == EACCES && geteuid() != 0 ? " (after "
		    "UserID the daemon reloads keys as that user: chown it "
		    "to that user, mode 600, or restart instead of reload)" :
		    "");
		return -1;
	}
	if (fstat(fd, &st) < 0 ||
	    keyfile_check_stat(&st, path, pol, why, sizeof why) < 0) {
		errlist_add(el, "%s", why);
		close(fd);
		return -1;
	}
	buf = read_all(fd, &len);
	close(fd);
	if (buf == NULL) {
		errlist_add(el, "key file %s: cannot read: %s", path,
		    strerror(errno));
		return -1;
	}
	rc = dkim_key_from_pem(buf, len, out, err, sizeof err);
	explicit_bzero(buf, len);
	free(buf);
	if (rc != DKIM_OK) {
		errlist_add(el, "key file %s: %s", path, err);
		return -1;
	}
	return 0;
}

/* keyfile_load_table - every entry; the same path loads once */
int
keyfile_load_table(struct keytable *kt, const struct keyfile_policy *pol,
    struct errlist *el)
{
	size_t i, j;
	unsigned before = el->count;

	for (i = 0; i < kt->n; i++) {
		for (j = 0; j < i; j++)
			if (kt->ent[j].key != NULL &&
			    strcmp(kt->ent[j].path, kt->ent[i].path) == 0)
				break;
		if (j < i) {
			kt->ent[i].key = dkim_key_ref(kt->ent[j].key);
			continue;
		}
		if (keyfile_load(kt->ent[i].path, pol, &kt->ent[i].key,
		    el) < 0)
			errlist_add(el, "%s: key '%s' not loaded",
			    kt->ent[i].where, kt->ent[i].name);
	}
	return el->count == before ? 0 : -1;
}
