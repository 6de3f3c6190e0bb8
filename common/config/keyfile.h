/*
 * keyfile.h - read private keys once, refusing unsafe key files.
 *
 * DESCRIPTION
 *	A key file must be owned by root or by the user the daemon runs as
 *	(UserID) and must not be readable or writable by group or others.
 *	Every refusal says exactly which command fixes it.  Keys are read at
 *	start-up or reload, before privileges are dropped, never per message;
 *	files naming the same path share one dkim_key.
 */
#ifndef DKIMGUARD_KEYFILE_H
#define DKIMGUARD_KEYFILE_H

#include <sys/stat.h>
#include <sys/types.h>

#include "util/errlist.h"
#include "keytable.h"

struct keyfile_policy {
	int require_safe; /* RequireSafeKeys */
	uid_t uid;        /* the UserID user; 0 when none */
	const char *user; /* its name for messages; NULL: root */
};

/*
 * keyfile_check_stat - is a file with this owner and mode acceptable?
 * 0, or -1 with why holding the problem and the command that fixes it.
 */
int keyfile_check_stat(const struct stat *st, const char *path,
    const struct keyfile_policy *pol, char *why, size_t len);
/* keyfile_load - check and parse one key file; -1 with el on error */
int keyfile_load(const char *path, const struct keyfile_policy *pol,
    dkim_key **out, struct errlist *el);
/*
 * keyfile_load_table - load every key of kt (all problems reported in
 * el); warn (may be NULL) gets keys that cannot be read again after the
 * switch to the UserID user
 */
int keyfile_load_table(struct keytable *kt, const struct keyfile_policy *pol,
    struct errlist *el, struct errlist *warn);

#endif /* DKIMGUARD_KEYFILE_H */
