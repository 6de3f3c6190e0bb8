/*
 * listen.c - the milter socket (see listen.h).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <errno.h>
#include <grp.h>
#include <libmilter/mfapi.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"
#include "util/log.h"

/* listen_nodelay - scan descriptors for listening TCP sockets */
int
listen_nodelay(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, on = 1, acc, n = 0;
	long max = sysconf(_SC_OPEN_MAX);

	for (fd = 3; fd < (max > 0 && max < 4096 ? max : 4096); fd++) {
		len = sizeof acc;
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) < 0 ||
		    !acc)
			continue;
		len = sizeof ss;
		if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
		    sizeof on) == 0)
			n++;
	}
	return n;
}

/* unix_path - the file of a unix:/local:/plain-path socket, or NULL */
static const char *
unix_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	return spec[0] == '/' ? spec : NULL;
}

/* unix_owner - SocketUser (or UserID), SocketGroup, SocketMode */
static int
unix_owner(const struct config *cfg, const char *path, struct errlist *el)
{
	char user[64];
	const char *u = *cfg->socket_user ? cfg->socket_user : cfg->user_id;
	struct passwd *pw;
	struct group *gr;
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;

	snprintf(user, sizeof user, "%.*s", (int)strcspn(u, ":"), u);
	if (*user && (pw = getpwnam(user)) == NULL) {
		errlist_add(el, "socket owner: no such user '%s'", user);
		return -1;
	} else if (*user)
		uid = pw->pw_uid;
	if (*cfg->socket_group && (gr = getgrnam(cfg->socket_group)) == NULL) {
		errlist_add(el, "SocketGroup: no such group '%s'",
		    cfg->socket_group);
		return -1;
	} else if (*cfg->socket_group)
		gid = gr->gr_gid;
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    chown(path, uid, gid) < 0) {
		errlist_add(el, "%s: chown: %s", path, strerror(errno));
		return -1;
	}
	if (chmod(path, (mode_t)cfg->socket_mode) < 0) {
		errlist_add(el, "%s: chmod: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* listen_open - create the socket now, as root, before threads */
int
listen_open(const struct config *cfg, struct errlist *el)
{
	const char *path = unix_path(cfg->socket);
	int n;

	if (smfi_setconn(cfg->socket) != MI_SUCCESS) {
		errlist_add(el, "Socket %s: libmilter refused it", cfg->socket);
		return -1;
	}
	if (smfi_opensocket(1) != MI_SUCCESS) {
		errlist_add(el, "Socket %s: cannot listen (in use, or the "
		    "folder does not exist?)", cfg->socket);
		return -1;
	}
	if (path != NULL)
		return unix_owner(cfg, path, el);
	if (cfg->tcp_nodelay) {
		n = listen_nodelay();
		log_debug("TCP_NODELAY set on %d listening socket(s)", n);
	}
	return 0;
}
