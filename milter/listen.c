/*
 * listen.c - the milter socket (see listen.h).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <libmilter/mfapi.h>
#include <netdb.h>
#include <pthread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"
#include "util/log.h"

/* The listening TCP socket's address: a session socket has the same. */
static struct sockaddr_storage listen_addr;
static int listen_family;

/* same_local_port - SS names the port (and family) we listen on */
static int
same_local_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family != listen_family)
		return 0;
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_port ==
		    ((const struct sockaddr_in *)&listen_addr)->sin_port;
	return ((const struct sockaddr_in6 *)ss)->sin6_port ==
	    ((const struct sockaddr_in6 *)&listen_addr)->sin6_port;
}

/*
 * The head of libmilter's session context (SMFICTX), which mfapi.h keeps
 * opaque: the session's thread id, then its socket.  The layout has not
 * changed across libmilter releases, but nothing promises it, so what is
 * read there is used only when it is a connected TCP socket on the port
 * we listen on; otherwise the sessions answer every command instead.  A
 * wrong guess could cost speed, never a message: TCP_QUICKACK changes
 * when an ACK is sent, nothing else.
 */
struct milter_ctx_head {
	pthread_t id;
	int sd;
};

/* listen_session_socket - see listen.h */
int
listen_session_socket(const void *ctx)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int fd = -1, type = 0, acc = 1;
	socklen_t tl = sizeof type, al = sizeof acc;

	if (ctx != NULL && listen_family != 0)
		fd = ((const struct milter_ctx_head *)ctx)->sd;
	if (fd < 3 || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 ||
	    type != SOCK_STREAM ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &al) < 0 || acc ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ||
	    !same_local_port(&ss))
		fd = -1;
	return fd;
}

/* listen_ack_now - send the ACK of what was read now, not after the
 * kernel's delayed-ACK timer; TCP_QUICKACK is not sticky, so it is set
 * after every command read */
void
listen_ack_now(int fd)
{
	int on = 1;

	if (fd >= 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
}

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
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) ==
		    0)
			n++;
		listen_addr = ss;
		listen_family = ss.ss_family;
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
	struct group *gr = NULL;
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
		/* libmilter does not say why: the checks of -n do */
		if (listen_check(cfg, 0, el) == 0)
			errlist_add(el,
			    "Socket %s: libmilter cannot listen "
			    "there",
			    cfg->socket);
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

/* where - "FILE:LINE" of an option, or "FILE (default)" */
static const char *
where(const struct config *cfg, int id, char *buf, size_t len)
{
	if (cfg->line[id] != 0)
		snprintf(buf, len, "%s:%u", cfg->path, cfg->line[id]);
	else
		snprintf(buf, len, "%s (default %s)", cfg->path,
		    config_options[id].name);
	return buf;
}

/* user_can_write - can USER (NULL: whoever runs this) create files in
 * DIR?  Root asks a child that has become USER, so the answer is the
 * kernel's own (groups, ACLs) and not a guess from mode bits. */
static int
user_can_write(const struct passwd *pw, const char *dir)
{
	pid_t pid;
	int st;

	if (pw == NULL || geteuid() != 0)
		return access(dir, W_OK | X_OK) == 0;
	if ((pid = fork()) < 0)
		return 0;
	if (pid == 0)
		_exit(initgroups(pw->pw_name, pw->pw_gid) == 0 &&
			    setgid(pw->pw_gid) == 0 &&
			    setuid(pw->pw_uid) == 0 &&
			    access(dir, W_OK | X_OK) == 0 ?
			0 :
			1);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* in_group - is the calling process in group GID? */
static int
in_group(gid_t gid)
{
	gid_t g[256];
	int i, n;

	if (getegid() == gid)
		return 1;
	n = getgroups(256, g);
	for (i = 0; i < n; i++)
		if (g[i] == gid)
			return 1;
	return 0;
}

/* member - is PW's user in group GR (primary or listed)? */
static int
member(const struct passwd *pw, const struct group *gr)
{
	char **m;

	if (pw->pw_gid == gr->gr_gid)
		return 1;
	for (m = gr->gr_mem; *m != NULL; m++)
		if (strcmp(*m, pw->pw_name) == 0)
			return 1;
	return 0;
}

/* unix_in_use - does something accept connections at PATH? */
static int
unix_in_use(const char *path)
{
	struct sockaddr_un sun;
	int fd, r;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	strcpy(sun.sun_path, path);
	r = connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0;
	close(fd);
	return r;
}

/* under_run - is DIR a folder directly in /run, which is a tmpfs made
 * anew at boot, so its folders are the service manager's to create? */
static int
under_run(const char *dir)
{
	return (strncmp(dir, "/run/", 5) == 0 &&
		   strchr(dir + 5, '/') == NULL) ||
	    (strncmp(dir, "/var/run/", 9) == 0 && strchr(dir + 9, '/') == NULL);
}

/* check_unix - folder, writability, group, and nobody else listening */
static void
check_unix(const struct config *cfg, const char *path, int running,
    struct errlist *el)
{
	char w[512], wg[512], user[64], copy[1024];
	const char *u = *cfg->socket_user ? cfg->socket_user : cfg->user_id;
	struct passwd *pw = NULL;
	struct group *gr = NULL;
	struct stat st;
	char *dir;

	where(cfg, OPTID_Socket, w, sizeof w);
	where(cfg, OPTID_SocketGroup, wg, sizeof wg);
	snprintf(user, sizeof user, "%.*s", (int)strcspn(u, ":"), u);
	if (*user && (pw = getpwnam(user)) == NULL)
		return; /* drop_privileges names it */
	if (*user == '\0' && (pw = getpwuid(geteuid())) != NULL)
		snprintf(user, sizeof user, "%s", pw->pw_name);
	if (*cfg->socket_group && (gr = getgrnam(cfg->socket_group)) == NULL) {
		errlist_add(el,
		    "%s: SocketGroup: no such group '%s'; fix: "
		    "the group the MTA runs as (Postfix: postfix), or "
		    "remove the line",
		    wg, cfg->socket_group);
	}
	snprintf(copy, sizeof copy, "%s", path);
	dir = dirname(copy);
	if (stat(dir, &st) < 0 && errno == ENOENT && under_run(dir)) {
		/* systemd makes it at start (RuntimeDirectory=) */
		printf("%s: Socket %s: folder %s does not exist yet; the "
		       "service manager must create it at start (systemd: "
		       "RuntimeDirectory=)\n",
		    w, cfg->socket, dir);
		return;
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		errlist_add(el,
		    "%s: Socket %s: folder %s does not exist; "
		    "fix: install -d -o %s -g %s -m 2750 %s",
		    w, cfg->socket, dir, *user ? user : "root",
		    gr != NULL ? gr->gr_name : "root", dir);
		return;
	}
	if (!user_can_write(geteuid() == 0 ? pw : NULL, dir))
		errlist_add(el,
		    "%s: Socket %s: user %s cannot create the "
		    "socket in %s; fix: chown %s %s",
		    w, cfg->socket, *user ? user : "root", dir,
		    *user ? user : "root", dir);
	/* started without root, the daemon can give the socket SocketGroup
	 * only as a member of it, or when the folder hands it down (setgid
	 * folder of that group: the socket is born with it) */
	if (gr != NULL && geteuid() != 0 && !in_group(gr->gr_gid) &&
	    !(st.st_gid == gr->gr_gid && (st.st_mode & S_ISGID)))
		errlist_add(el,
		    "%s: Socket %s: user %s is not in group %s, "
		    "so the socket cannot be given that group; fix: chgrp %s "
		    "%s && chmod g+s %s",
		    wg, cfg->socket, *user ? user : "root", gr->gr_name,
		    gr->gr_name, dir, dir);
	/* run as root, -n cannot tell a root start (which may chown) from
	 * the unit's start as the service user (which may not): a note */
	else if (gr != NULL && geteuid() == 0 && pw != NULL &&
	    pw->pw_uid != 0 && !member(pw, gr) &&
	    !(st.st_gid == gr->gr_gid && (st.st_mode & S_ISGID)))
		printf("%s: note: started as %s without root (the systemd "
		       "unit's User=), dkimguard could not give the socket group "
		       "%s; fix: chgrp %s %s && chmod g+s %s\n",
		    wg, user, gr->gr_name, gr->gr_name, dir, dir);
	if (!running && unix_in_use(path))
		errlist_add(el,
		    "%s: Socket %s: another process accepts "
		    "connections there; fix: stop it, or choose another "
		    "Socket",
		    w, cfg->socket);
}

/* check_inet - can the port be bound? */
static void
check_inet(const struct config *cfg, struct errlist *el)
{
	const char *spec = strchr(cfg->socket, ':') + 1;
	struct addrinfo hints, *res = NULL, *ai;
	char w[512], port[16], *host;
	int fd, on = 1, rc;

	where(cfg, OPTID_Socket, w, sizeof w);
	snprintf(port, sizeof port, "%.*s", (int)strcspn(spec, "@"), spec);
	host = strchr(spec, '@') != NULL ? strchr(spec, '@') + 1 : NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family =
	    strncmp(cfg->socket, "inet6:", 6) == 0 ? AF_INET6 : AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		errlist_add(el, "%s: Socket %s: %s: %s", w, cfg->socket,
		    host != NULL ? host : "", gai_strerror(rc));
		return;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			 0)) < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0)
			errlist_add(el, "%s: Socket %s: cannot listen: %s%s", w,
			    cfg->socket, strerror(errno),
			    errno == EADDRINUSE ?
				"; fix: stop the process on "
				"that port (ss -ltnp), or choose another port" :
				"");
		close(fd);
		break;
	}
	freeaddrinfo(res);
}

/* listen_check - the socket's preconditions, for -n */
int
listen_check(const struct config *cfg, int running, struct errlist *el)
{
	const char *path = unix_path(cfg->socket);
	unsigned before = el->count;

	if (path != NULL)
		check_unix(cfg, path, running, el);
	else if (!running)
		check_inet(cfg, el);
	return el->count == before ? 0 : -1;
}

/* listen_remove - at a stop: the unix socket, if it is still there */
void
listen_remove(const struct config *cfg)
{
	const char *path = unix_path(cfg->socket);
	struct stat st;

	if (path != NULL && lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
}
