/*
 * keyfile.c - private key files: create safely, move aside, load.
 *
 * DESCRIPTION
 *	A key is written to a temporary file in the target directory (mode
 *	0600, O_EXCL), synced, given its owner, then link()ed to its name:
 *	link() never replaces an existing file, so an existing key is never
 *	overwritten, and a crash never leaves a half-written key under the
 *	real name.  Retired keys are renamed aside the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "keytool.h"

/* owner_lookup - "user" or "user:group" to ids; -1 with a message */
static int
owner_lookup(const char *spec, uid_t *uid, gid_t *gid)
{
	char user[256];
	const char *colon = strchr(spec, ':');
	size_t n = colon != NULL ? (size_t)(colon - spec) : strlen(spec);
	struct passwd *pw;
	struct group *gr;

	if (n == 0 || n >= sizeof user) {
		kt_err("bad owner \"%s\": expected USER or USER:GROUP", spec);
		return -1;
	}
	memcpy(user, spec, n);
	user[n] = '\0';
	if ((pw = getpwnam(user)) == NULL) {
		kt_err("owner \"%s\": no such user", user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (colon == NULL)
		return 0;
	if ((gr = getgrnam(colon + 1)) == NULL) {
		kt_err("owner \"%s\": no such group \"%s\"", spec, colon + 1);
		return -1;
	}
	*gid = gr->gr_gid;
	return 0;
}

/* write_all - write the whole buffer or fail */
static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* fill_tmp - write, own and sync the temporary key file */
static int
fill_tmp(int fd, const char *tmp, const char *pem, const char *owner)
{
	uid_t uid;
	gid_t gid;

	if (write_all(fd, pem, strlen(pem)) < 0) {
		kt_err("cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (owner != NULL) {
		if (owner_lookup(owner, &uid, &gid) < 0)
			return -1;
		if (fchown(fd, uid, gid) < 0) {
			kt_err("cannot give %s to %s: %s", tmp, owner,
			    strerror(errno));
			return -1;
		}
	}
	if (fchmod(fd, 0600) < 0 || fsync(fd) < 0) {
		kt_err("cannot sync %s: %s", tmp, strerror(errno));
		return -1;
	}
	return 0;
}

/* kt_keydir_make - see keytool.h */
int
kt_keydir_make(const char *dir, const char *owner)
{
	uid_t uid;
	gid_t gid;

	if (mkdir(dir, owner != NULL ? 0700 : 0750) < 0) {
		if (errno == EEXIST)
			return 0; /* an existing folder is the admin's */
		kt_err("cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if (owner == NULL)
		return 0;
	/* the service user must enter the folder it reads its keys from */
	if (owner_lookup(owner, &uid, &gid) < 0 || chown(dir, uid, gid) < 0) {
		kt_err("cannot give %s to %s: %s (chown %s %s)", dir, owner,
		    strerror(errno), owner, dir);
		return -1;
	}
	return 0;
}

/* kt_keyfile_write - create the key file; never replaces one */
int
kt_keyfile_write(const char *path, const char *pem, const char *owner)
{
	char tmp[4096];
	int fd, rc;

	if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >=
	    (int)sizeof tmp) {
		kt_err("key path too long: %s", path);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		kt_err("cannot create %s: %s", tmp, strerror(errno));
		return -1;
	}
	rc = fill_tmp(fd, tmp, pem, owner);
	if (close(fd) < 0 && rc == 0) {
		kt_err("cannot write %s: %s", tmp, strerror(errno));
		rc = -1;
	}
	if (rc == 0 && link(tmp, path) < 0) {
		kt_err("cannot create %s: %s%s", path, strerror(errno),
		    errno == EEXIST ? " (refusing to overwrite a key)" : "");
		rc = -1;
	}
	unlink(tmp);
	return rc;
}

/* kt_keyfile_aside - keep a retired key under a new name */
int
kt_keyfile_aside(const char *path, time_t now, char **newpath)
{
	char stamp[32], *np;
	struct tm tm;
	size_t n;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	n = strlen(path) + strlen(stamp) + sizeof ".retired-";
	if ((np = malloc(n)) == NULL) {
		kt_err("out of memory");
		return -1;
	}
	snprintf(np, n, "%s.retired-%s", path, stamp);
	if (link(path, np) < 0 || unlink(path) < 0) {
		kt_err("cannot move %s to %s: %s", path, np, strerror(errno));
		free(np);
		return -1;
	}
	*newpath = np;
	return 0;
}

/* kt_key_load - load a private key, saying why when it fails */
dkim_key *
kt_key_load(const char *path)
{
	char err[256] = "";
	dkim_key *key = NULL;

	if (dkim_key_from_file(path, &key, err, sizeof err) != DKIM_OK) {
		kt_err("cannot load key %s: %s", path, err);
		return NULL;
	}
	return key;
}

/* kt_key_txt - the TXT record to publish for a key */
char *
kt_key_txt(const dkim_key *key)
{
	char *txt = NULL;

	if (dkim_key_record(key, &txt) != DKIM_OK) {
		kt_err("cannot make the record for the key");
		return NULL;
	}
	return txt;
}

/* kt_key_revoked_txt - RFC 6376 3.6.1: an empty p= revokes the key */
const char *
kt_key_revoked_txt(dkim_keytype type)
{
	return type == DKIM_KEY_ED25519 ? "v=DKIM1; k=ed25519; p=" :
					  "v=DKIM1; k=rsa; p=";
}
