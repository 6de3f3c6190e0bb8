/*
 * milterproto.c - MTA side of the Sendmail 8 milter wire protocol
 *
 * Socket set-up, packet framing and the option negotiation, as Postfix's
 * src/milter/milter8.c does them.  No knowledge of SMTP stages here: see
 * mta.c for the order of events.  Interface: milterproto.h.
 */
#include "milterproto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <libmilter/mfdef.h>

#define MP_MAX_REPLY (64u * 1024 * 1024) /* refuse larger replies */

/* mp_fail - record an error message naming the command, return -1 */
static int
mp_fail(struct mp_conn *c, const char *what)
{
	char cmd[32] = "";

	if (c->last_cmd)
		snprintf(cmd, sizeof(cmd), " (after '%c')", c->last_cmd);
	if (errno == EAGAIN || errno == EWOULDBLOCK) /* SO_*TIMEO */
		snprintf(c->err, sizeof(c->err),
		    "%s: nothing within %d s "
		    "(-t)%s",
		    what, c->timeout, cmd);
	else
		snprintf(c->err, sizeof(c->err), "%s: %s%s", what,
		    errno ? strerror(errno) : "protocol error", cmd);
	return -1;
}

/* connect_unix - open a unix-domain stream socket to path */
static int
connect_unix(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* connect_inet - open a TCP connection to host:port */
static int
connect_inet(const char *host, const char *port)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res) != 0) {
		errno = EINVAL;
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, SOCK_STREAM, 0)) < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* connect_spec - parse a socket spec and connect */
static int
connect_spec(const char *spec)
{
	char host[256], port[32];
	const char *rest, *at, *colon;

	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0)
		return connect_unix(strchr(spec, ':') + 1);
	if (spec[0] == '/')
		return connect_unix(spec);
	if (strncmp(spec, "inet:", 5) != 0) {
		errno = EINVAL;
		return -1;
	}
	rest = spec + 5;
	if ((at = strchr(rest, '@')) != NULL) { /* inet:PORT@HOST */
		snprintf(port, sizeof(port), "%.*s", (int)(at - rest), rest);
		snprintf(host, sizeof(host), "%s", at + 1);
	} else if ((colon = strrchr(rest, ':')) != NULL) { /* inet:HOST:PORT */
		snprintf(host, sizeof(host), "%.*s", (int)(colon - rest), rest);
		snprintf(port, sizeof(port), "%s", colon + 1);
	} else { /* inet:PORT */
		snprintf(host, sizeof(host), "127.0.0.1");
		snprintf(port, sizeof(port), "%s", rest);
	}
	return connect_inet(host, port);
}

/* mp_connect - connect to a filter and set I/O timeouts */
int
mp_connect(struct mp_conn *c, const char *spec, int timeout_s)
{
	struct timeval tv = {timeout_s, 0};

	memset(c, 0, sizeof(*c));
	c->timeout = timeout_s;
	errno = 0;
	if ((c->fd = connect_spec(spec)) < 0)
		return mp_fail(c, spec);
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return 0;
}

/* mp_close - close the socket and free buffers */
void
mp_close(struct mp_conn *c)
{
	int i;

	if (c->fd > 0)
		close(c->fd);
	c->fd = -1;
	free(c->wbuf);
	free(c->rbuf);
	c->wbuf = c->rbuf = NULL;
	c->wlen = c->wcap = c->rcap = 0;
	for (i = 0; i < MP_NSTAGES; i++) {
		free(c->symlist[i]);
		c->symlist[i] = NULL;
	}
}

/* mp_add - append raw bytes to the output buffer */
void
mp_add(struct mp_conn *c, const void *data, size_t len)
{
	if (c->wlen + len > c->wcap) {
		size_t ncap = c->wcap ? c->wcap : 8192;

		while (ncap < c->wlen + len)
			ncap *= 2;
		if ((c->wbuf = realloc(c->wbuf, ncap)) == NULL)
			abort();
		c->wcap = ncap;
	}
	memcpy(c->wbuf + c->wlen, data, len);
	c->wlen += len;
}

/* mp_add_str - append a string and its NUL */
void
mp_add_str(struct mp_conn *c, const char *s)
{
	mp_add(c, s, strlen(s) + 1);
}

/* mp_add_u16 - append a 16-bit value in network order */
void
mp_add_u16(struct mp_conn *c, uint16_t v)
{
	uint16_t n = htons(v);

	mp_add(c, &n, 2);
}

/* mp_add_u32 - append a 32-bit value in network order */
void
mp_add_u32(struct mp_conn *c, uint32_t v)
{
	uint32_t n = htonl(v);

	mp_add(c, &n, 4);
}

/* mp_begin - open a packet: length placeholder and command byte */
void
mp_begin(struct mp_conn *c, int cmd)
{
	char ch = (char)cmd;

	c->pkt_start = c->wlen;
	if (cmd != SMFIC_MACRO)
		c->last_cmd = cmd;
	mp_add_u32(c, 0);
	mp_add(c, &ch, 1);
}

/* mp_end - patch the open packet's length (command byte included) */
void
mp_end(struct mp_conn *c)
{
	uint32_t n = htonl((uint32_t)(c->wlen - c->pkt_start - 4));

	memcpy(c->wbuf + c->pkt_start, &n, 4);
}

/* mp_send_empty - queue a packet without data (EOH, ABORT, QUIT, ...) */
void
mp_send_empty(struct mp_conn *c, int cmd)
{
	mp_begin(c, cmd);
	mp_end(c);
}

/* mp_flush - write the output buffer */
int
mp_flush(struct mp_conn *c)
{
	size_t off = 0;
	ssize_t n;

	while (off < c->wlen) {
		n = send(c->fd, c->wbuf + off, c->wlen - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return mp_fail(c, "write to filter");
		off += (size_t)n;
	}
	c->wlen = 0;
	return 0;
}

/* read_full - read exactly len bytes */
static int
read_full(struct mp_conn *c, void *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = recv(c->fd, (char *)buf + off, len - off, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = ECONNRESET;
		if (n <= 0)
			return mp_fail(c, "read from filter");
		off += (size_t)n;
	}
	return 0;
}

/* mp_get_u32 - decode a network-order 32-bit value */
uint32_t
mp_get_u32(const char *p)
{
	uint32_t n;

	memcpy(&n, p, 4);
	return ntohl(n);
}

/* mp_read - flush pending output, then read one reply packet */
int
mp_read(struct mp_conn *c, int *cmd, char **data, size_t *len)
{
	char hdr[5];
	uint32_t plen;

	if (c->wlen && mp_flush(c) < 0)
		return -1;
	if (read_full(c, hdr, 5) < 0)
		return -1;
	plen = mp_get_u32(hdr);
	errno = 0;
	if (plen < 1 || plen > MP_MAX_REPLY)
		return mp_fail(c, "bad reply length");
	if (plen > c->rcap) {
		free(c->rbuf);
		if ((c->rbuf = malloc(plen)) == NULL)
			abort();
		c->rcap = plen;
	}
	if (read_full(c, c->rbuf, plen - 1) < 0)
		return -1;
	c->rbuf[plen - 1] = 0; /* spare byte: the command byte's room */
	*cmd = (unsigned char)hdr[4];
	*data = c->rbuf;
	*len = plen - 1;
	return 0;
}

/* read_symlists - SMFIR_SETSYMLIST data after the three OPTNEG words */
static int
read_symlists(struct mp_conn *c, const char *p, size_t len)
{
	uint32_t stage;
	size_t slen;

	while (len >= 5) {
		stage = mp_get_u32(p);
		p += 4, len -= 4;
		slen = strnlen(p, len);
		if (slen == len)
			return mp_fail(c, "unterminated macro list");
		if (stage < MP_NSTAGES) {
			free(c->symlist[stage]);
			c->symlist[stage] = strdup(p);
		}
		p += slen + 1, len -= slen + 1;
	}
	return 0;
}

/* mp_optneg - negotiate version, actions and protocol steps */
int
mp_optneg(struct mp_conn *c)
{
	char *data;
	size_t len;
	int cmd;

	mp_begin(c, SMFIC_OPTNEG);
	mp_add_u32(c, MP_MTA_VERSION);
	mp_add_u32(c, MP_MTA_ACTIONS);
	mp_add_u32(c, MP_MTA_PFLAGS);
	mp_end(c);
	if (mp_read(c, &cmd, &data, &len) < 0)
		return -1;
	errno = 0;
	if (cmd != SMFIC_OPTNEG || len < 12)
		return mp_fail(c, "bad OPTNEG reply");
	c->version = mp_get_u32(data);
	c->actions = mp_get_u32(data + 4);
	c->pflags = mp_get_u32(data + 8);
	if (c->version > MP_MTA_VERSION || (c->actions & ~MP_MTA_ACTIONS))
		return mp_fail(c, "filter wants more than the MTA offers");
	return read_symlists(c, data + 12, len - 12);
}
