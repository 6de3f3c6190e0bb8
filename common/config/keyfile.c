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
#include "util/hashtab.h"

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
		snprintf(why, len,
		    "key file %s is owned by uid %lu, not by "
		    "%s%s; fix: chown %s '%s'",
		    path, (unsigned long)st->st_uid, owner,
		    pol->user != NULL ? " or root" : "", owner, path);
		return -1;
	}
	if ((st->st_mode & 077) != 0) {
		snprintf(why, len,
		    "key file %s has mode %04o: group or others "
		    "may read or change it; fix: chmod 600 '%s'",
		    path, (unsigned)(st->st_mode & 07777), path);
		return -1;
	}
	return 0;
}

/*
 * warn_unreadable - a key the milter reads now, as root, but cannot read
 * again once it runs as UserID: every reload would then be refused.
 */
static void
warn_unreadable(const struct keyent *e, const struct keyfile_policy *pol,
    struct errlist *warn)
{
	struct stat st;

	if (pol->uid == 0 || geteuid() != 0 || stat(e->path, &st) < 0 ||
	    st.st_uid == pol->uid || (st.st_mode & 0044) != 0)
		return;
	errlist_add(warn,
	    "%s: key file %s is owned by uid %lu: read now, "
	    "but not after dkimguard becomes %s (UserID), so every reload "
	    "would be refused; fix: chown %s '%s'",
	    e->where, e->path, (unsigned long)st.st_uid, pol->user, pol->user,
	    e->path);
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
keyfile_load(const char *path, const struct keyfile_policy *pol, dkim_key **out,
    struct errlist *el)
{
	struct stat st;
	char why[512], err[256], *buf;
	size_t len;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		int e = errno;
		errlist_add(el, "key file %s: cannot open: %s%s", path,
		    strerror(e),
		    e == EACCES && geteuid() != 0 ?
			" (after "
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
    struct errlist *el, struct errlist *warn)
{
	struct hashtab *bypath = hashtab_new(kt->n, 0);
	struct keyent *seen;
	unsigned before = el->count;
	size_t i;

	for (i = 0; i < kt->n; i++) {
		struct keyent *e = &kt->ent[i];

		/* a file named by several entries is read once */
		if (bypath != NULL &&
		    (seen = hashtab_get(bypath, e->path)) != NULL) {
			e->key = dkim_key_ref(seen->key);
			continue;
		}
		if (keyfile_load(e->path, pol, &e->key, el) < 0) {
			errlist_add(el, "%s: key '%s' not loaded", e->where,
			    e->name);
			continue;
		}
		if (bypath != NULL && hashtab_put(bypath, e->path, e) < 0) {
			hashtab_free(bypath); /* then every file is read */
			bypath = NULL;
		}
		if (warn != NULL)
			warn_unreadable(e, pol, warn);
	}
	hashtab_free(bypath);
	return el->count == before ? 0 : -1;
}
